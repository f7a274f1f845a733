/* test-mia-features.c - the attack features (libcommon/mia/features.c) on
 * hand-computed logits, and the standardisation: population statistics,
 * and every error with its message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mia/features.h"

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* 3 examples, 3 classes:
 *   ex0 logits [2 0 -1] y=0: argmax 0, right
 *   ex1 logits [1 3 3]  y=2: argmax 1 (first maximum), wrong
 *   ex2 logits [0 0 0]  y=1: argmax 0, wrong */
static const float L[] = {2, 0, -1, 1, 3, 3, 0, 0, 0};
static const int32_t Y[] = {0, 2, 1};

static void test_default(void **state)
{
    (void)state;
    rsc_error err;
    assert_int_equal(rsc_mia_feature_count(RSC_MIA_FEAT_DEFAULT, 3, &err), 4);
    double x[12];
    assert_int_equal(rsc_mia_features(L, Y, 3, 3, RSC_MIA_FEAT_DEFAULT, x, &err), 0);
    const double want[] = {-1, 0, 2, 1, 1, 3, 3, 0, 0, 0, 0, 0};
    for (int i = 0; i < 12; i++)
        assert_true(x[i] == want[i]);
}

/* softmax and loss against closed forms; the groups in their fixed order */
static void test_all_groups(void **state)
{
    (void)state;
    rsc_error err;
    int d = rsc_mia_feature_count(RSC_MIA_FEAT_ALL, 3, &err);
    assert_int_equal(d, 8);
    double x[24];
    assert_int_equal(rsc_mia_features(L, Y, 3, 3, RSC_MIA_FEAT_ALL, x, &err), 0);
    /* ex0: Z = e^2 + 1 + e^-1 */
    double Z = exp(2) + 1 + exp(-1);
    assert_true(x[0] == -1 && x[1] == 0 && x[2] == 2 && x[3] == 1);
    assert_close(x[4], exp(-1) / Z, 1e-15);
    assert_close(x[5], 1 / Z, 1e-15);
    assert_close(x[6], exp(2) / Z, 1e-15);
    assert_close(x[7], log(Z) - 2, 1e-15);
    /* ex1: y=2, logit 3 of three, Z = e + 2 e^3: loss = log(Z) - 3 */
    Z = exp(1) + 2 * exp(3);
    assert_true(x[8 + 3] == 0);
    assert_close(x[8 + 5], exp(3) / Z, 1e-15);
    assert_close(x[8 + 6], exp(3) / Z, 1e-15);
    assert_close(x[8 + 7], log(Z) - 3, 1e-15);
    /* ex2: uniform, loss log 3 */
    for (int c = 0; c < 3; c++)
        assert_close(x[16 + 4 + c], 1.0 / 3, 1e-15);
    assert_close(x[16 + 7], log(3), 1e-15);

    /* loss alone is the same value; huge logits do not overflow */
    const float big[] = {1000, -1000, 0};
    const int32_t yb[] = {1};
    double loss;
    assert_int_equal(rsc_mia_features(big, yb, 1, 3, RSC_MIA_FEAT_LOSS, &loss, &err), 0);
    assert_close(loss, 2000, 1e-15);
}

static void test_names(void **state)
{
    (void)state;
    char buf[64];
    rsc_mia_feature_name(RSC_MIA_FEAT_DEFAULT, 10, 2, buf, sizeof buf);
    assert_string_equal(buf, "sorted logit 3");
    rsc_mia_feature_name(RSC_MIA_FEAT_DEFAULT, 10, 10, buf, sizeof buf);
    assert_string_equal(buf, "correct");
    rsc_mia_feature_name(RSC_MIA_FEAT_ALL, 10, 11, buf, sizeof buf);
    assert_string_equal(buf, "sorted softmax 1");
    rsc_mia_feature_name(RSC_MIA_FEAT_ALL, 10, 21, buf, sizeof buf);
    assert_string_equal(buf, "loss");
    rsc_mia_feature_name(RSC_MIA_FEAT_SOFTMAX | RSC_MIA_FEAT_LOSS, 4, 4, buf, sizeof buf);
    assert_string_equal(buf, "loss");
    rsc_mia_feature_name(RSC_MIA_FEAT_DEFAULT, 10, 11, buf, sizeof buf);
    assert_string_equal(buf, "feature 12");
}

static void test_feature_errors(void **state)
{
    (void)state;
    rsc_error err;
    double x[12];
    assert_int_equal(rsc_mia_feature_count(0, 3, &err), -1);
    assert_string_equal(err.msg, "attack features: bad feature set 0x0");
    assert_int_equal(rsc_mia_feature_count(RSC_MIA_FEAT_DEFAULT, 1, &err), -1);
    assert_string_equal(err.msg, "attack features: 1 classes (need at least 2)");
    const int32_t ybad[] = {0, 3, 1};
    assert_int_equal(rsc_mia_features(L, ybad, 3, 3, RSC_MIA_FEAT_DEFAULT, x, &err), -1);
    assert_string_equal(err.msg, "example 1: label 3 outside [0, 3)");
    float ln[9];
    memcpy(ln, L, sizeof ln);
    ln[7] = NAN;
    assert_int_equal(rsc_mia_features(ln, Y, 3, 3, RSC_MIA_FEAT_DEFAULT, x, &err), -1);
    assert_string_equal(err.msg, "example 2: logit 1 is NaN");
    ln[7] = -INFINITY;
    assert_int_equal(rsc_mia_features(ln, Y, 3, 3, RSC_MIA_FEAT_DEFAULT, x, &err), -1);
    assert_string_equal(err.msg, "example 2: logit 1 is infinite");
}

/* mean and population standard deviation (divisor n) */
static void test_scaler(void **state)
{
    (void)state;
    rsc_error err;
    /* column 1: 1 2 3 4 (mean 2.5, var 1.25); column 2: 10 10 10 14 (mean 11, var 3) */
    double x[] = {1, 10, 2, 10, 3, 10, 4, 14};
    rsc_mia_scaler s;
    assert_int_equal(rsc_mia_scaler_fit(&s, x, 4, 2, NULL, &err), 0);
    assert_int_equal(s.d, 2);
    assert_true(s.mean[0] == 2.5 && s.mean[1] == 11);
    assert_close(s.scale[0], sqrt(1.25), 1e-15);
    assert_close(s.scale[1], sqrt(3.0), 1e-15);
    rsc_mia_scaler_apply(&s, x, 4);
    double m0 = 0, m1 = 0, v0 = 0, v1 = 0;
    for (int i = 0; i < 4; i++) {
        m0 += x[2 * i] / 4;
        m1 += x[2 * i + 1] / 4;
        v0 += x[2 * i] * x[2 * i] / 4;
        v1 += x[2 * i + 1] * x[2 * i + 1] / 4;
    }
    assert_close(m0, 0, 1e-15);
    assert_close(m1, 0, 1e-15);
    assert_close(v0, 1, 1e-15);
    assert_close(v1, 1, 1e-15);
    assert_close(x[0], -1.5 / sqrt(1.25), 1e-15);
    assert_close(x[7], 3 / sqrt(3.0), 1e-15);
    rsc_mia_scaler_free(&s);
    assert_null(s.mean);
}

/* a constant feature is an error naming it; so are NaN and too few rows */
static void test_scaler_errors(void **state)
{
    (void)state;
    rsc_error err;
    rsc_mia_scaler s;
    /* the third feature of logit rows where the largest logit is always 2 */
    const float lg[] = {0, 1, 2, -1, 1, 2, 0.5f, 0, 2};
    const int32_t y[] = {2, 1, 0};
    double x[12];
    assert_int_equal(rsc_mia_features(lg, y, 3, 3, RSC_MIA_FEAT_DEFAULT, x, &err), 0);
    const char *names[4];
    char buf[4][32];
    for (int j = 0; j < 4; j++) {
        rsc_mia_feature_name(RSC_MIA_FEAT_DEFAULT, 3, j, buf[j], sizeof buf[j]);
        names[j] = buf[j];
    }
    assert_int_equal(rsc_mia_scaler_fit(&s, x, 3, 4, names, &err), -1);
    assert_string_equal(err.msg, "feature 3 (sorted logit 3) is constant over the attack training set");
    assert_null(s.mean);
    assert_int_equal(rsc_mia_scaler_fit(&s, x, 3, 4, NULL, &err), -1);
    assert_string_equal(err.msg, "feature 3 is constant over the attack training set");
    /* a constant 0.1 whose mean 0.3 / 3 rounds differently: still constant */
    double c[] = {0.1, 1, 0.1, 2, 0.1, 3};
    assert_int_equal(rsc_mia_scaler_fit(&s, c, 3, 2, NULL, &err), -1);
    assert_string_equal(err.msg, "feature 1 is constant over the attack training set");

    double xn[] = {1, 2, 3, NAN, 5, 6};
    const char *fn[] = {"f1", "f2"};
    assert_int_equal(rsc_mia_scaler_fit(&s, xn, 3, 2, fn, &err), -1);
    assert_string_equal(err.msg, "attack training set: row 2, feature 2 (f2) is NaN");
    assert_int_equal(rsc_mia_scaler_fit(&s, xn, 1, 2, fn, &err), -1);
    assert_string_equal(err.msg, "attack training set: 1 rows (need at least 2)");
    assert_int_equal(rsc_mia_scaler_fit(&s, xn, 3, 0, fn, &err), -1);
    assert_string_equal(err.msg, "attack training set: no features");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_all_groups),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_feature_errors),
        cmocka_unit_test(test_scaler),
        cmocka_unit_test(test_scaler_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
