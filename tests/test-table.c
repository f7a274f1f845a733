/* test-table.c - the table reader (format/table.h): one input and several,
 * repeated headers, comments, CRLF, line numbers per input, numbers and
 * missing values, and every error with its exact message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/table.h"

static rsc_table *table_from(const char *text, rsc_error *err)
{
    FILE *fp = text[0] ? fmemopen((void *)text, strlen(text), "r") : fopen("/dev/null", "r");
    assert_non_null(fp);
    rsc_table *t = rsc_table_read(fp, "t.tsv", err);
    fclose(fp);
    return t;
}

static int append(rsc_table *t, const char *text, const char *name, rsc_error *err)
{
    FILE *f = text[0] ? fmemopen((void *)text, strlen(text), "r") : fopen("/dev/null", "r");
    assert_non_null(f);
    int rc = rsc_table_append(t, f, name, err);
    fclose(f);
    return rc;
}

static void test_read(void **state)
{
    (void)state;
    rsc_error err;
    rsc_table *t = table_from("# comment\na\tb\n1\tx\n\na\tb\n2\tnan\n", &err);
    assert_non_null(t);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->nrows, 2);   /* comment, blank, repeated header skipped */
    assert_int_equal(t->header_line, 2);
    assert_int_equal(t->lines[0], 3);
    assert_int_equal(t->lines[1], 6);
    assert_string_equal(rsc_table_cell(t, 0, 1), "x");
    assert_string_equal(t->fname, "t.tsv");
    assert_int_equal(rsc_table_col(t, "b"), 1);
    assert_int_equal(rsc_table_col(t, "c"), -1);
    double v;
    assert_int_equal(rsc_table_number(t, 1, 0, &v, &err), 1);
    assert_true(v == 2);
    assert_int_equal(rsc_table_number(t, 1, 1, &v, &err), 0);
    assert_true(isnan(v));
    assert_int_equal(rsc_table_number(t, 0, 1, &v, &err), -1);
    assert_string_equal(err.msg, "t.tsv:3: column 'b': 'x' is not a number");
    assert_int_equal(rsc_table_need(t, "c", &err), -1);
    assert_string_equal(err.msg, "t.tsv:2: no column 'c' (columns: a, b)");
    rsc_table_free(t);
}

/* Several inputs append when their headers agree; CRLF and blank lines are
 * fine; messages name the input and its own line. */
static void test_concat(void **state)
{
    (void)state;
    rsc_error err;
    rsc_table *t = rsc_table_new(&err);
    assert_non_null(t);
    assert_int_equal(append(t, "# comment\na\tb\n1\t2\n\na\tb\r\n# note\n3\t4\r\n", "x.tsv", &err), 0);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(rsc_table_cell(t, 1, 1), "4");
    assert_int_equal(t->lines[1], 7);
    assert_int_equal(append(t, "", "empty.tsv", &err), 0);   /* adds nothing */
    assert_int_equal(append(t, "a\tb\n5\tz\n", "y.tsv", &err), 0);
    assert_int_equal(t->nrows, 3);
    assert_int_equal(t->lines[2], 2);
    assert_string_equal(t->sources[t->source[2]], "y.tsv");
    double v;
    assert_int_equal(rsc_table_number(t, 2, 0, &v, &err), 1);
    assert_true(v == 5);
    assert_int_equal(rsc_table_number(t, 2, 1, &v, &err), -1);
    assert_string_equal(err.msg, "y.tsv:2: column 'b': 'z' is not a number");
    /* another header does not append */
    assert_int_equal(append(t, "a\tc\n5\t6\n", "z.tsv", &err), -1);
    assert_string_equal(err.msg, "z.tsv:1: header differs from that of x.tsv");
    assert_int_equal(append(t, "5\t6\n", "w.tsv", &err), -1);
    assert_string_equal(err.msg, "w.tsv:1: header differs from that of x.tsv");
    /* the field count is checked against the input's own header line */
    assert_int_equal(append(t, "\n\na\tb\n1\n", "u.tsv", &err), -1);
    assert_string_equal(err.msg, "u.tsv:4: 1 fields, but the header (line 3) has 2");
    rsc_table_free(t);
    /* an empty input alone has no header */
    t = rsc_table_new(&err);
    assert_int_equal(append(t, "", "e.tsv", &err), 0);
    assert_int_equal(t->ncols, 0);
    assert_int_equal(t->nrows, 0);
    rsc_table_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    rsc_error err;
    assert_null(table_from("a\tb\n1\t2\n1\t2\t3\n", &err));
    assert_string_equal(err.msg, "t.tsv:3: 3 fields, but the header (line 1) has 2");
    assert_null(table_from("a\tb\n1\t2\n3\n", &err));
    assert_string_equal(err.msg, "t.tsv:3: 1 fields, but the header (line 1) has 2");
    assert_null(table_from("", &err));
    assert_string_equal(err.msg, "t.tsv: empty table (no header line)");
    assert_null(table_from("# only a comment\n\n", &err));
    assert_string_equal(err.msg, "t.tsv: empty table (no header line)");
    assert_null(table_from("a\ta\n", &err));
    assert_string_equal(err.msg, "t.tsv:1: column 'a' appears twice in the header");
    assert_null(table_from("a\t\tb\n", &err));
    assert_string_equal(err.msg, "t.tsv:1: header field 2 is empty");
    static const char nul[] = "a\tb\n1\t\0002\n";
    FILE *fp = fmemopen((void *)nul, sizeof nul - 1, "r");
    assert_null(rsc_table_read(fp, "t.tsv", &err));
    fclose(fp);
    assert_string_equal(err.msg, "t.tsv:2: NUL byte in a text table");
    /* a line over 1 MiB */
    size_t n = (1u << 20) + 10;
    char *big = malloc(n + 8);
    assert_non_null(big);
    memcpy(big, "a\n", 2);
    memset(big + 2, 'x', n - 2);
    big[n] = '\0';
    assert_null(table_from(big, &err));
    assert_string_equal(err.msg, "t.tsv:2: line longer than 1048576 bytes");
    free(big);
    /* a header-only table has no rows */
    rsc_table *t = table_from("a\tb\n", &err);
    assert_non_null(t);
    assert_int_equal(t->nrows, 0);
    rsc_table_free(t);
}

/* Numbers: whole fields only, infinities read, overflow not; the missing
 * spellings. */
static void test_numbers(void **state)
{
    (void)state;
    rsc_error err;
    rsc_table *t = table_from("v\n1.5\n-2e-3\ninf\n-Infinity\n1e-320\n1e999\n 1\n1 \n0x\nNA\n-\n"
                              "nan\n-NaN\n\"1\"\n", &err);
    assert_non_null(t);
    assert_int_equal(t->nrows, 14);
    static const struct { int rc; double v; } want[] = {
        { 1, 1.5 }, { 1, -2e-3 }, { 1, INFINITY }, { 1, -INFINITY }, { 1, 1e-320 },
        { -1, 0 }, { -1, 0 }, { -1, 0 }, { -1, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
        { -1, 0 },
    };
    for (size_t r = 0; r < 14; r++) {
        double v;
        int rc = rsc_table_number(t, r, 0, &v, &err);
        if (rc != want[r].rc)
            fail_msg("row %zu '%s': %d, expected %d", r, rsc_table_cell(t, r, 0), rc, want[r].rc);
        if (rc == 1)
            assert_true(v == want[r].v);
        if (rc == 0)
            assert_true(isnan(v));
    }
    double v;
    assert_int_equal(rsc_table_number(t, 5, 0, &v, &err), -1);
    assert_string_equal(err.msg, "t.tsv:7: column 'v': '1e999' is not a number");
    rsc_table_free(t);
    assert_true(rsc_is_missing("") && rsc_is_missing("NA") && rsc_is_missing("-") &&
                rsc_is_missing("nan") && rsc_is_missing("-nan") && rsc_is_missing("NaN"));
    assert_false(rsc_is_missing("na") || rsc_is_missing("none") || rsc_is_missing("0") ||
                 rsc_is_missing("--"));
    assert_true(rsc_parse_number("3", &v) && v == 3);
    assert_false(rsc_parse_number("inf", &v) || rsc_parse_number("", &v) ||
                 rsc_parse_number("1x", &v));
}

/* Files and stdin by path; "-" is stdin. */
static void test_load(void **state)
{
    (void)state;
    rsc_error err;
    char dir[] = "/tmp/rsc-table-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[64], b[64], c[64];
    snprintf(a, sizeof a, "%s/a.tsv", dir);
    snprintf(b, sizeof b, "%s/b.tsv", dir);
    snprintf(c, sizeof c, "%s/none.tsv", dir);
    FILE *f = fopen(a, "w");
    fputs("x\ty\n1\t2\n", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("x\ty\n3\t4\n5\t6\n", f);
    fclose(f);
    const char *paths[] = { a, b };
    rsc_table *t = rsc_table_load(paths, 2, &err);
    assert_non_null(t);
    assert_int_equal(t->nrows, 3);
    assert_int_equal(t->nsources, 2);
    assert_string_equal(t->fname, a);
    assert_string_equal(t->sources[t->source[2]], b);
    rsc_table_free(t);
    const char *missing[] = { a, c };
    assert_null(rsc_table_load(missing, 2, &err));
    char want[128];
    snprintf(want, sizeof want, "%s: No such file or directory", c);
    assert_string_equal(err.msg, want);
    f = fopen(c, "w");
    fclose(f);
    const char *empty[] = { c };
    assert_null(rsc_table_load(empty, 1, &err));
    snprintf(want, sizeof want, "%s: empty table (no header line)", c);
    assert_string_equal(err.msg, want);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

static void test_columns(void **state)
{
    (void)state;
    rsc_error err;
    rsc_table *t = table_from("alpha\tbeta\tgamma\n", &err);
    assert_non_null(t);
    char buf[64];
    rsc_table_columns(t, buf, sizeof buf);
    assert_string_equal(buf, "alpha, beta, gamma");
    rsc_table_columns(t, buf, 12);
    assert_string_equal(buf, "alpha, b...");
    rsc_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
