/* test-rows.c - the row writer (format/rows.h): the shortest exact number
 * forms (checked by reading back, over random values of every magnitude),
 * JSON strings (escapes, invalid UTF-8), and whole TSV and JSON-lines
 * outputs byte for byte, with their error paths. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "format/rows.h"

static void test_f32(void **state)
{
    (void)state;
    char b[RSC_FMT_SIZE];
    assert_string_equal(rsc_fmt_f32(b, 0.1f), "0.1");
    assert_string_equal(rsc_fmt_f32(b, 2.0f / 3.0f), "0.6666667");
    assert_string_equal(rsc_fmt_f32(b, 1.0f / 3.0f), "0.33333334");
    assert_string_equal(rsc_fmt_f32(b, 16777216.0f), "16777216");
    assert_string_equal(rsc_fmt_f32(b, 0.0f), "0");
    assert_string_equal(rsc_fmt_f32(b, -0.0f), "-0");
    assert_string_equal(rsc_fmt_f32(b, FLT_MAX), "3.4028235e+38");
    assert_string_equal(rsc_fmt_f32(b, 1e-45f), "1.4013e-45");   /* the least denormal */
    assert_string_equal(rsc_fmt_f32(b, NAN), "nan");
    assert_string_equal(rsc_fmt_f32(b, -NAN), "nan");
    assert_string_equal(rsc_fmt_f32(b, -INFINITY), "-inf");
    /* every float reads back; none needs more than 9 digits, and a
     * shorter form never would */
    rsc_rng rng;
    rsc_rng_seed(&rng, 1);
    for (int i = 0; i < 200000; i++) {
        uint32_t bits = rsc_rng_u32(&rng);
        float v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        rsc_fmt_f32(b, v);
        if (strtof(b, NULL) != v)
            fail_msg("%a printed as %s", (double)v, b);
        char shorter[512];
        int digits = 0;
        for (const char *p = b; *p && *p != 'e'; p++)
            digits += *p >= '0' && *p <= '9';
        if (digits > 6) {
            snprintf(shorter, sizeof shorter, "%.*g", digits > 9 ? 8 : digits - 1, (double)v);
            if (strtof(shorter, NULL) == v && strlen(shorter) < strlen(b))
                fail_msg("%a: %s is shorter than %s", (double)v, shorter, b);
        }
    }
}

static void test_f64(void **state)
{
    (void)state;
    char b[RSC_FMT_SIZE];
    assert_string_equal(rsc_fmt_f64(b, 0.04), "0.04");
    assert_string_equal(rsc_fmt_f64(b, 0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(rsc_fmt_f64(b, 1.0 / 3.0), "0.3333333333333333");
    assert_string_equal(rsc_fmt_f64(b, 0.01), "0.01");
    assert_string_equal(rsc_fmt_f64(b, 1e300), "1e+300");
    assert_string_equal(rsc_fmt_f64(b, DBL_MAX), "1.7976931348623157e+308");
    assert_string_equal(rsc_fmt_f64(b, 4.9406564584124654e-324), "4.94065645841247e-324");
    assert_string_equal(rsc_fmt_f64(b, 123456789012345678.0), "1.2345678901234568e+17");
    assert_string_equal(rsc_fmt_f64(b, NAN), "nan");
    assert_string_equal(rsc_fmt_f64(b, INFINITY), "inf");
    rsc_rng rng;
    rsc_rng_seed(&rng, 2);
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = (uint64_t)rsc_rng_u32(&rng) << 32 | rsc_rng_u32(&rng);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        rsc_fmt_f64(b, v);
        if (strtod(b, NULL) != v)
            fail_msg("%a printed as %s", v, b);
    }
}

static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    rsc_json_string(fp, s);
    fclose(fp);
    return buf;
}

static void check_json(const char *s, const char *want)
{
    char *got = json_of(s);
    if (strcmp(got, want) != 0)
        fail_msg("'%s' -> %s, expected %s", s, got, want);
    free(got);
}

static void test_json_string(void **state)
{
    (void)state;
    check_json("plain", "\"plain\"");
    check_json("q\"b\\s/", "\"q\\\"b\\\\s/\"");
    check_json("\t\n\r\b\f\x01\x1f\x7f", "\"\\t\\n\\r\\b\\f\\u0001\\u001f\\u007f\"");
    check_json("ünïcøde €𝄞", "\"ünïcøde €𝄞\"");
    /* not UTF-8: a lone continuation byte, a truncated sequence, an
     * overlong encoding, a surrogate, beyond U+10FFFF */
    check_json("a\x80z", "\"a\\ufffdz\"");
    check_json("a\xc3", "\"a\\ufffd\"");
    check_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    check_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    check_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    check_json("\xe2\x82", "\"\\ufffd\\ufffd\"");
    check_json("", "\"\"");
}

static void test_json_number(void **state)
{
    (void)state;
    const char *yes[] = { "0", "-0", "1", "10", "0.5", "-1.25e-3", "1E+9", "1e05" };
    const char *no[] = { "", "-", "01", ".5", "1.", "1e", "1e+", "+1", "0x1", "inf", "nan",
                         "1 ", " 1", "NA", "1,2" };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!rsc_json_is_number(yes[i]))
            fail_msg("'%s' is a JSON number", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (rsc_json_is_number(no[i]))
            fail_msg("'%s' is not a JSON number", no[i]);
}

static const char *const COLS[] = { "name", "text", "n", "big", "f32", "f64", "miss", "ok", "obj" };

static void row(rsc_rows *w, const char *name, const char *text, double v)
{
    rsc_rows_str(w, name);
    rsc_rows_text(w, text);
    rsc_rows_int(w, -3);
    rsc_rows_uint(w, UINT64_MAX);
    rsc_rows_f32(w, (float)v);
    rsc_rows_f64(w, v);
    rsc_rows_missing(w);
    rsc_rows_bool(w, v > 0);
    rsc_rows_json(w, "[1,2]");
}

static char *output(int json, int nrows)
{
    rsc_error err;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    rsc_rows *w = rsc_rows_new(fp, "out", json, COLS, 9, &err);
    assert_non_null(w);
    const char *names[] = { "a\tb\nc", "q\"" };
    const char *texts[] = { "0.040000000000000001", "NA" };
    const double vals[] = { 0.1, -INFINITY };
    for (int i = 0; i < nrows; i++) {
        row(w, names[i % 2], texts[i % 2], vals[i % 2]);
        assert_int_equal(rsc_rows_end(w, &err), 0);
    }
    assert_int_equal(rsc_rows_close(w, &err), 0);
    fclose(fp);
    return buf;
}

static void test_rows(void **state)
{
    (void)state;
    char *s = output(0, 2);
    assert_string_equal(s, "name\ttext\tn\tbig\tf32\tf64\tmiss\tok\tobj\n"
                           "a b c\t0.040000000000000001\t-3\t18446744073709551615\t0.1\t0.1\tnan\ttrue\t[1,2]\n"
                           "q\"\tnan\t-3\t18446744073709551615\t-inf\t-inf\tnan\tfalse\t[1,2]\n");
    free(s);
    s = output(1, 2);
    assert_string_equal(s, "{\"name\":\"a\\tb\\nc\",\"text\":0.040000000000000001,\"n\":-3,"
                           "\"big\":18446744073709551615,\"f32\":0.1,\"f64\":0.1,\"miss\":null,"
                           "\"ok\":true,\"obj\":[1,2]}\n"
                           "{\"name\":\"q\\\"\",\"text\":null,\"n\":-3,\"big\":18446744073709551615,"
                           "\"f32\":null,\"f64\":null,\"miss\":null,\"ok\":false,\"obj\":[1,2]}\n");
    free(s);
    /* no rows: TSV still has its header, JSON lines are empty */
    s = output(0, 0);
    assert_string_equal(s, "name\ttext\tn\tbig\tf32\tf64\tmiss\tok\tobj\n");
    free(s);
    s = output(1, 0);
    assert_string_equal(s, "");
    free(s);
}

/* A row of the wrong length, and a stream that cannot be written. */
static void test_rows_errors(void **state)
{
    (void)state;
    rsc_error err;
    const char *cols[] = { "a", "b" };
    FILE *fp = fopen("/dev/null", "w");
    assert_non_null(fp);
    rsc_rows *w = rsc_rows_new(fp, "out.tsv", 0, cols, 2, &err);
    rsc_rows_int(w, 1);
    assert_int_equal(rsc_rows_end(w, &err), -1);
    assert_string_equal(err.msg, "out.tsv: a row of 1 cells, but 2 columns");
    rsc_rows_int(w, 1);
    rsc_rows_int(w, 2);
    rsc_rows_int(w, 3);
    assert_int_equal(rsc_rows_end(w, &err), -1);
    assert_string_equal(err.msg, "out.tsv: a row with more cells than the 2 columns");
    rsc_rows_free(w);
    fclose(fp);
    fp = fopen("/dev/full", "w");
    if (fp) {
        setvbuf(fp, NULL, _IONBF, 0);
        w = rsc_rows_new(fp, "full.tsv", 1, cols, 2, &err);
        rsc_rows_int(w, 1);
        rsc_rows_int(w, 2);
        assert_int_equal(rsc_rows_end(w, &err), -1);
        assert_string_equal(err.msg, "full.tsv: write error: No space left on device");
        rsc_rows_free(w);
        fclose(fp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32),
        cmocka_unit_test(test_f64),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_json_number),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_rows_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
