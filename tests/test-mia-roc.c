/* test-mia-roc.c - attack metrics (libcommon/mia/roc.c): a hand-computed
 * example with ties, TPR at low FPR with the rounding of the budget, AUC
 * against the brute-force pair count, and the errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "mia/roc.h"

/* 5 members (m) and 5 non-members (n), ties at 0.8 (m, n) and 0.5 (m, n, n):
 *   0.9m 0.8m 0.8n 0.7m 0.5m 0.5n 0.5n 0.3n 0.2m 0.1n
 * Non-members below (+ half the tied) each member: 5, 4.5, 4, 2 + 1, 1:
 * U = 17.5, AUC = 17.5 / 25 = 0.7.
 * ROC (threshold: fp, tp): inf 0 0; .9 0 1; .8 1 2; .7 1 3; .5 3 4; .3 4 4;
 * .2 4 5; .1 5 5 - its trapezoids give 0.06 + 0.28 + 0.16 + 0.2 = 0.7.
 * At threshold 0.5 (member iff > 0.5): tp 3, fp 1: TPR .6, FPR .2,
 * accuracy (3 + 4) / 10 = .7, advantage .4, balanced accuracy .7. */
static const double S[] = {0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1};
static const uint8_t M[] = {1, 1, 0, 1, 1, 0, 0, 0, 1, 0};

static void test_hand(void **state)
{
    (void)state;
    rsc_error err;
    /* shuffled input: the order must not matter */
    const int perm[] = {7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
    double s[10];
    uint8_t m[10];
    for (int i = 0; i < 10; i++) {
        s[i] = S[perm[i]];
        m[i] = M[perm[i]];
    }
    double auc;
    assert_int_equal(rsc_mia_auc(s, m, 10, &auc, &err), 0);
    assert_true(auc == 0.7);

    rsc_mia_metrics mm;
    assert_int_equal(rsc_mia_metrics_compute(s, m, 10, 0.5, &mm, &err), 0);
    assert_int_equal(mm.n_members, 5);
    assert_int_equal(mm.n_nonmembers, 5);
    assert_true(mm.tpr == 0.6 && mm.fpr == 0.2);
    assert_true(mm.accuracy == 0.7);
    assert_true(fabs(mm.advantage - 0.4) < 1e-15);
    assert_true(fabs(mm.balanced_accuracy - 0.7) < 1e-15);
    assert_true(mm.auc == 0.7);
    /* just below the tie at 0.5 the three 0.5s count as members */
    assert_int_equal(rsc_mia_metrics_compute(s, m, 10, 0.49, &mm, &err), 0);
    assert_true(mm.tpr == 0.8 && mm.fpr == 0.6);
    assert_true(mm.accuracy == 0.6);

    rsc_roc roc;
    assert_int_equal(rsc_roc_compute(s, m, 10, &roc, &err), 0);
    const double th[] = {INFINITY, .9, .8, .7, .5, .3, .2, .1};
    const size_t fp[] = {0, 0, 1, 1, 3, 4, 4, 5}, tp[] = {0, 1, 2, 3, 4, 4, 5, 5};
    assert_int_equal(roc.n, 8);
    double area = 0;
    for (int k = 0; k < 8; k++) {
        assert_true(roc.points[k].threshold == th[k]);
        assert_int_equal(roc.points[k].fp, fp[k]);
        assert_int_equal(roc.points[k].tp, tp[k]);
        assert_true(roc.points[k].fpr == fp[k] / 5.0);
        assert_true(roc.points[k].tpr == tp[k] / 5.0);
        if (k)
            area += (roc.points[k].fpr - roc.points[k - 1].fpr) *
                    (roc.points[k].tpr + roc.points[k - 1].tpr) / 2;
    }
    assert_true(fabs(area - 0.7) < 1e-15);

    /* TPR at FPR: the largest TPR among points with FPR <= target */
    size_t nfp;
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0, &nfp) == 0.2);
    assert_int_equal(nfp, 0);
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.1, &nfp) == 0.2);   /* budget 0.5 fp */
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.2, &nfp) == 0.6);   /* 1 fp: the point at .7 */
    assert_int_equal(nfp, 1);
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.59, &nfp) == 0.6);  /* 2.95 fp: not the 3 at .5 */
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.6, &nfp) == 0.8);
    assert_int_equal(nfp, 3);
    assert_true(rsc_roc_tpr_at_fpr(&roc, 1, &nfp) == 1);
    rsc_roc_free(&roc);
    assert_null(roc.points);
}

/* 300 non-members scored 0..299 and 6 members at 1000, 299.5, 298.5,
 * 297.5, 296.5 and 10.5.  At 1% FPR 3 false positives are allowed
 * (0.01 * 300 is 3 up to rounding), reached at 297 and kept through 296.5:
 * TPR 5/6.  At 0.1% (0.3 allowed) no false positive: the two members above
 * 299, TPR 2/6.  At 0.5%: 1 false positive, members above 298: 3/6.
 * The thresholds of those points: 296.5, 299.5, 298.5. */
static void test_low_fpr(void **state)
{
    (void)state;
    enum { N = 300, P = 6 };
    double s[N + P];
    uint8_t m[N + P];
    for (int i = 0; i < N; i++) {
        s[i] = i;
        m[i] = 0;
    }
    const double ms[P] = {1000, 299.5, 298.5, 297.5, 296.5, 10.5};
    for (int i = 0; i < P; i++) {
        s[N + i] = ms[i];
        m[N + i] = 1;
    }
    rsc_error err;
    rsc_roc roc;
    assert_int_equal(rsc_roc_compute(s, m, N + P, &roc, &err), 0);
    assert_int_equal(roc.n_nonmembers, N);
    size_t nfp;
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.01, &nfp) == 5.0 / 6);
    assert_int_equal(nfp, 3);
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.001, &nfp) == 2.0 / 6);
    assert_int_equal(nfp, 0);
    assert_true(rsc_roc_tpr_at_fpr(&roc, 0.005, &nfp) == 3.0 / 6);
    assert_int_equal(nfp, 1);
    /* the thresholds of those points: "member" iff score >= it */
    assert_true(rsc_roc_threshold_at_fpr(&roc, 0.01) == 296.5);
    assert_true(rsc_roc_threshold_at_fpr(&roc, 0.001) == 299.5);
    assert_true(rsc_roc_threshold_at_fpr(&roc, 0.005) == 298.5);
    assert_true(rsc_roc_threshold_at_fpr(&roc, 0) == 299.5);
    rsc_roc_free(&roc);
}

/* AUC = the brute-force count over all pairs, on 1500 scores with heavy
 * ties (integers 0..20); all-equal scores give exactly 1/2; a perfect
 * separation 1, its reverse 0. */
static void test_auc_bruteforce(void **state)
{
    (void)state;
    enum { N = 1500 };
    static double s[N];
    static uint8_t m[N];
    rsc_rng r;
    rsc_rng_seed(&r, 11);
    for (int i = 0; i < N; i++) {
        m[i] = rsc_rng_double(&r) < 0.4;
        s[i] = (double)rsc_rng_randint(&r, 0, 21) + (m[i] ? (double)rsc_rng_randint(&r, 0, 7) : 0);
    }
    uint64_t twice_u = 0, P = 0, Nn = 0;
    for (int i = 0; i < N; i++) {
        if (!m[i]) {
            Nn++;
            continue;
        }
        P++;
        for (int j = 0; j < N; j++)
            if (!m[j])
                twice_u += s[i] > s[j] ? 2 : s[i] == s[j] ? 1 : 0;
    }
    rsc_error err;
    double auc;
    assert_int_equal(rsc_mia_auc(s, m, N, &auc, &err), 0);
    assert_true(auc == (double)twice_u / (2.0 * (double)P * (double)Nn));
    if (!(auc > 0.6 && auc < 0.7))
        fail_msg("AUC %g: the data are not as intended", auc);

    for (int i = 0; i < N; i++)
        s[i] = 3;
    assert_int_equal(rsc_mia_auc(s, m, N, &auc, &err), 0);
    assert_true(auc == 0.5);
    for (int i = 0; i < N; i++)
        s[i] = m[i] ? 1 : 0;
    assert_int_equal(rsc_mia_auc(s, m, N, &auc, &err), 0);
    assert_true(auc == 1);
    for (int i = 0; i < N; i++)
        s[i] = -s[i];
    assert_int_equal(rsc_mia_auc(s, m, N, &auc, &err), 0);
    assert_true(auc == 0);
}

static void test_errors(void **state)
{
    (void)state;
    rsc_error err;
    rsc_mia_metrics mm;
    rsc_roc roc;
    double auc;
    double s[] = {0.1, 0.2, NAN, 0.4};
    uint8_t m[] = {0, 1, 0, 1};
    assert_int_equal(rsc_mia_metrics_compute(s, m, 4, 0, &mm, &err), -1);
    assert_string_equal(err.msg, "example 2: score is NaN");
    s[2] = INFINITY;
    assert_int_equal(rsc_mia_auc(s, m, 4, &auc, &err), -1);
    assert_string_equal(err.msg, "example 2: score is infinite");
    s[2] = 0.3;
    uint8_t m2[] = {0, 1, 2, 1};
    assert_int_equal(rsc_roc_compute(s, m2, 4, &roc, &err), -1);
    assert_string_equal(err.msg, "example 2: member flag 2 (must be 0 or 1)");
    assert_null(roc.points);
    uint8_t all[] = {1, 1, 1, 1}, none[] = {0, 0, 0, 0};
    assert_int_equal(rsc_roc_compute(s, all, 4, &roc, &err), -1);
    assert_string_equal(err.msg, "no non-member among the 4 scored examples");
    assert_int_equal(rsc_mia_metrics_compute(s, none, 4, 0, &mm, &err), -1);
    assert_string_equal(err.msg, "no member among the 4 scored examples");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand),
        cmocka_unit_test(test_low_fpr),
        cmocka_unit_test(test_auc_bruteforce),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
