/* test-metrics.c - the rsc-score metrics on hand-built probabilities whose
 * every value is known exactly (dyadic fractions, so no rounding). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "score/metrics.h"

/* 4 examples, 3 classes, target 0.
 *   ex0 y=0: clean [.5 .25 .25] right; patterned [.75 .125 .125], pd .25
 *   ex1 y=1: clean [.25 .5 .25] right; patterned [.625 .25 .125] -> 0, pd .375
 *   ex2 y=2: clean [.5 .25 .25] wrong; patterned [.5 .125 .375] -> 0, pd 0
 *   ex3 y=2: clean [.125 .125 .75] right; patterned [0 .25 .75] right, pd -.125 */
static const float CLEAN[] = { .5f, .25f, .25f, .25f, .5f, .25f, .5f, .25f, .25f, .125f, .125f, .75f };
static const float PAT[] = { .75f, .125f, .125f, .625f, .25f, .125f, .5f, .125f, .375f, 0.f, .25f, .75f };
static const int32_t Y[] = { 0, 1, 2, 2 };

static void test_exact(void **state)
{
    (void)state;
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, 0.25, &m, &err), 0);
    assert_true(m.clean_acc == 0.75);
    assert_true(m.spurious_acc == 1.0 / 3);    /* ex1, ex2, ex3: only ex3 right */
    assert_true(m.asr == 2.0 / 3);             /* ex1 and ex2 predicted 0 */
    assert_true(m.spurious_score == 0.25);     /* ex1 only: ex0 sits on epsilon */
    assert_true(m.pd_mean == 0.125);           /* (.25 + .375 + 0 - .125) / 4 */
    assert_true(m.pd_max == 0.375);
    assert_int_equal(m.n_test, 4);
    assert_int_equal(m.n_nontarget, 3);
}

/* The comparison is strict: at epsilon = .25 ex0 (pd exactly .25) does not
 * count; just below it does; at .375 nothing counts. */
static void test_epsilon_boundary(void **state)
{
    (void)state;
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, 0.25, &m, &err), 0);
    assert_true(m.spurious_score == 0.25);
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, 0.2499999, &m, &err), 0);
    assert_true(m.spurious_score == 0.5);
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, 0.375, &m, &err), 0);
    assert_true(m.spurious_score == 0.0);
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, -0.125, &m, &err), 0);
    assert_true(m.spurious_score == 0.75);     /* ex3's -.125 is not > -.125 */
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, -0.2, &m, &err), 0);
    assert_true(m.spurious_score == 1.0);
}

/* Examples labelled with the target never enter spurious accuracy or ASR:
 * changing ex0's patterned prediction changes neither. */
static void test_target_excluded(void **state)
{
    (void)state;
    float pat[12];
    memcpy(pat, PAT, sizeof pat);
    pat[0] = 0.f;      /* ex0 patterned now predicts class 1 */
    pat[1] = 1.f;
    pat[2] = 0.f;
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_compute(CLEAN, pat, Y, 4, 3, 0, 0.25, &m, &err), 0);
    assert_true(m.spurious_acc == 1.0 / 3);
    assert_true(m.asr == 2.0 / 3);
    assert_true(m.clean_acc == 0.75);
    /* ...but its prediction difference still counts (score over ALL). */
    assert_true(m.pd_mean == (-0.5 + 0.375 + 0 - 0.125) / 4);
    /* With target 2 the roles change: ex2 and ex3 are now excluded. */
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 2, 0.1, &m, &err), 0);
    assert_int_equal(m.n_nontarget, 2);
    assert_true(m.spurious_acc == 0.5);        /* ex0 -> 0 right, ex1 -> 0 wrong */
    assert_true(m.asr == 0.0);                 /* neither predicted as 2 */
    assert_true(m.pd_mean == (-0.125 + -0.125 + 0.125 + 0) / 4);
}

/* Batches: adding the examples one by one gives the same result. */
static void test_batches(void **state)
{
    (void)state;
    rsc_metrics_acc a;
    rsc_metrics whole, parts;
    rsc_error err;
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 4, 3, 0, 0.1, &whole, &err), 0);
    assert_int_equal(rsc_metrics_init(&a, 3, 0, 0.1, &err), 0);
    assert_int_equal(rsc_metrics_add(&a, CLEAN, PAT, Y, 1, &err), 0);
    assert_int_equal(rsc_metrics_add(&a, CLEAN + 3, PAT + 3, Y + 1, 0, &err), 0);
    assert_int_equal(rsc_metrics_add(&a, CLEAN + 3, PAT + 3, Y + 1, 3, &err), 0);
    rsc_metrics_result(&a, &parts);
    assert_memory_equal(&whole, &parts, sizeof whole);
}

/* The difference is taken in float and compared with float epsilon, as the
 * reference does on float32 arrays: 0.1f - 0 is not > (float)0.1, although
 * in double 0.1f > 0.1.  And 0.6f - 0.5f rounds above 0.1f. */
static void test_float_semantics(void **state)
{
    (void)state;
    const float c[] = { 0.f, 1.f, .5f, .5f };
    const float p[] = { .1f, .9f, .6f, .4f };
    const int32_t y[] = { 1, 1 };
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_compute(c, p, y, 1, 2, 0, 0.1, &m, &err), 0);
    assert_true(m.spurious_score == 0.0);
    assert_int_equal(rsc_metrics_compute(c + 2, p + 2, y, 1, 2, 0, 0.1, &m, &err), 0);
    assert_true(m.spurious_score == 1.0);
    assert_true(m.pd_max == (double)(.6f - .5f));
}

/* Ties go to the first class (torch.argmax); NaN never wins. */
static void test_argmax(void **state)
{
    (void)state;
    const float a[] = { .25f, .5f, .5f, -1.f };
    const float b[] = { NAN, .1f, .3f };
    const float c[] = { NAN, NAN };
    assert_int_equal(rsc_argmax_f32(a, 4), 1);
    assert_int_equal(rsc_argmax_f32(b, 3), 2);
    assert_int_equal(rsc_argmax_f32(c, 2), 0);
    assert_int_equal(rsc_argmax_f32(a, 1), 0);
}

/* No example: NaN rates; only target examples: NaN spurious acc and ASR. */
static void test_empty(void **state)
{
    (void)state;
    rsc_metrics_acc a;
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_init(&a, 3, 0, 0.1, &err), 0);
    rsc_metrics_result(&a, &m);
    assert_true(isnan(m.clean_acc) && isnan(m.spurious_score) && isnan(m.pd_mean) && isnan(m.pd_max));
    assert_int_equal(m.n_test, 0);
    assert_int_equal(rsc_metrics_compute(CLEAN, PAT, Y, 1, 3, 0, 0.1, &m, &err), 0);
    assert_true(m.clean_acc == 1.0 && m.spurious_score == 1.0);
    assert_true(isnan(m.spurious_acc) && isnan(m.asr));
}

static void test_errors(void **state)
{
    (void)state;
    rsc_metrics_acc a;
    rsc_metrics m;
    rsc_error err;
    assert_int_equal(rsc_metrics_init(&a, 1, 0, 0.1, &err), -1);
    assert_non_null(strstr(err.msg, "1 classes"));
    assert_int_equal(rsc_metrics_init(&a, 3, 3, 0.1, &err), -1);
    assert_non_null(strstr(err.msg, "target class 3"));
    assert_int_equal(rsc_metrics_init(&a, 3, -1, 0.1, &err), -1);
    assert_int_equal(rsc_metrics_init(&a, 3, 0, NAN, &err), -1);
    assert_non_null(strstr(err.msg, "epsilon"));
    const int32_t bad[] = { 0, 1, 3, 0 };
    assert_int_equal(rsc_metrics_init(&a, 3, 0, 0.1, &err), 0);
    assert_int_equal(rsc_metrics_add(&a, CLEAN, PAT, Y, 2, &err), 0);
    assert_int_equal(rsc_metrics_add(&a, CLEAN, PAT, bad, 4, &err), -1);
    assert_non_null(strstr(err.msg, "example 4 has label 3"));
    /* a failed add leaves the accumulator as it was */
    rsc_metrics_result(&a, &m);
    assert_int_equal(m.n_test, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_epsilon_boundary),
        cmocka_unit_test(test_target_excluded),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_float_semantics),
        cmocka_unit_test(test_argmax),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
