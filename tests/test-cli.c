/* test-cli.c - the command-line helpers every tool shares: number lists
 * and ranges (the decimal values a range means), and the wrapped lines of
 * generated --help text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cli.h"

static void test_parse_list(void **state)
{
    (void)state;
    rsc_error err;
    double *v;
    long n = rsc_parse_list("--gamma", "0:0.5:0.01", 1000, &v, &err);
    assert_int_equal(n, 51);
    /* 7 * 0.01 is 0.07000000000000001; the range holds 0.07 */
    assert_true(v[7] == 0.07 && v[29] == 0.29 && v[50] == 0.5);
    for (long i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.2f", (double)i / 100);
        if (v[i] != strtod(buf, NULL))
            fail_msg("value %ld is %.17g, expected %s", i, v[i], buf);
    }
    free(v);
    n = rsc_parse_list("--x", "1,3:1:-1,1e-3", 10, &v, &err);
    assert_int_equal(n, 5);
    assert_true(v[0] == 1 && v[1] == 3 && v[2] == 2 && v[3] == 1 && v[4] == 1e-3);
    free(v);
    assert_int_equal(rsc_parse_list("--x", "0:1:0", 10, &v, &err), -1);
    assert_string_equal(err.msg, "--x: range 0:1:0 is empty or has a zero step");
    assert_int_equal(rsc_parse_list("--x", "0:10:1", 5, &v, &err), -1);
    assert_int_equal(rsc_parse_list("--x", "1:2", 5, &v, &err), -1);
    assert_string_equal(err.msg, "--x: range '1:2' is not START:STOP:STEP");
}

static void test_wrapped(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    fputs("  -a, --arch=NAME  ", fp);
    rsc_print_wrapped(fp, 19, "alpha, beta, gamma, delta, epsilon (default beta)", 19, 40);
    fclose(fp);
    assert_string_equal(buf, "  -a, --arch=NAME  alpha, beta, gamma,\n"
                             "                   delta, epsilon\n"
                             "                   (default beta)\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_wrapped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
