/* test-sensitivity.c - occlusion of random non-zero pixels (Fig. 10):
 * the picks and pixel orders equal NumPy's, counts round as documented,
 * the occluded sets are nested, zero pixels and other examples untouched. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "score/sensitivity.h"

enum { N = 6, C = 2, H = 2, W = 3, HW = H * W, CHW = C * HW };
static float X[N * CHW];

/* Image j: channel 0 non-zero where (pos + j) is even, channel 1 non-zero
 * at position 5 only; so the non-zero pixels of j are {p: p+j even} + {5}. */
static void build(void)
{
    for (int j = 0; j < N; j++)
        for (int p = 0; p < HW; p++) {
            X[j * CHW + p] = (p + j) % 2 == 0 ? 0.1f * (float)(p + 1) : 0.f;
            X[j * CHW + HW + p] = p == 5 ? 0.5f : 0.f;
        }
}

/* numpy: r = RandomState(3); r.choice(6, 3, replace=False) -> [3 5 4];
 * then r.shuffle of each example's non-zero positions, in pick order:
 * 3 -> [5 3 1], 5 -> [1 5 3], 4 -> [0 5 2 4]. */
static void test_numpy_order(void **state)
{
    (void)state;
    build();
    rsc_occlusion o;
    rsc_error err;
    assert_int_equal(rsc_occlusion_init(&o, X, N, C, H, W, 3, 3, &err), 0);
    const int64_t idx[] = { 3, 5, 4 };
    const size_t nnz[] = { 3, 3, 4 };
    const int32_t order[] = { 5, 3, 1, 1, 5, 3, 0, 5, 2, 4 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(o.index[i], idx[i]);
        assert_int_equal(o.nnz[i], nnz[i]);
    }
    assert_memory_equal(o.order, order, sizeof order);
    rsc_occlusion_free(&o);
}

static void test_counts(void **state)
{
    (void)state;
    build();
    rsc_occlusion o;
    rsc_error err;
    assert_int_equal(rsc_occlusion_init(&o, X, N, C, H, W, 3, 3, &err), 0);
    /* example 2 has 4 non-zero pixels: f*4 rounded half up */
    assert_int_equal(rsc_occlusion_count(&o, 2, 0.0), 0);
    assert_int_equal(rsc_occlusion_count(&o, 2, 0.1), 0);    /* 0.4 */
    assert_int_equal(rsc_occlusion_count(&o, 2, 0.125), 1);  /* 0.5 */
    assert_int_equal(rsc_occlusion_count(&o, 2, 0.5), 2);
    assert_int_equal(rsc_occlusion_count(&o, 2, 0.9), 4);    /* 3.6 */
    assert_int_equal(rsc_occlusion_count(&o, 2, 1.0), 4);
    assert_int_equal(rsc_occlusion_count(&o, 0, 0.5), 2);    /* 1.5 */
    rsc_occlusion_free(&o);
}

static void test_apply(void **state)
{
    (void)state;
    build();
    rsc_occlusion o;
    rsc_error err;
    float out[CHW];
    assert_int_equal(rsc_occlusion_init(&o, X, N, C, H, W, 3, 3, &err), 0);
    /* fraction 0: the picked image unchanged */
    rsc_occlusion_apply(&o, X, 2, 0.0, out);
    assert_memory_equal(out, X + 4 * CHW, sizeof out);
    /* example 4 at 0.5: pixels 0 and 5 zeroed (both channels of 5) */
    rsc_occlusion_apply(&o, X, 2, 0.5, out);
    for (int p = 0; p < HW; p++) {
        int zeroed = p == 0 || p == 5;
        for (int ch = 0; ch < C; ch++)
            assert_true(out[ch * HW + p] == (zeroed ? 0.f : X[4 * CHW + ch * HW + p]));
    }
    /* fraction 1: everything zero */
    rsc_occlusion_apply(&o, X, 0, 1.0, out);
    for (int q = 0; q < CHW; q++)
        assert_true(out[q] == 0.f);
    /* nested: what is zeroed at 1/3 stays zeroed at 2/3 */
    float a[CHW], b[CHW];
    rsc_occlusion_apply(&o, X, 1, 1.0 / 3, a);
    rsc_occlusion_apply(&o, X, 1, 2.0 / 3, b);
    int za = 0, zb = 0;
    for (int q = 0; q < CHW; q++) {
        if (X[5 * CHW + q] != 0 && a[q] == 0)
            za++, assert_true(b[q] == 0);
        if (X[5 * CHW + q] != 0 && b[q] == 0)
            zb++;
    }
    assert_int_equal(za, 1);   /* pixel 1 (channel 0 only) */
    assert_int_equal(zb, 3);   /* + pixel 5, both channels */
    rsc_occlusion_free(&o);
}

static void test_all_zero_and_errors(void **state)
{
    (void)state;
    float z[2 * CHW] = { 0 };
    rsc_occlusion o;
    rsc_error err;
    float out[CHW];
    assert_int_equal(rsc_occlusion_init(&o, z, 2, C, H, W, 2, 0, &err), 0);
    assert_int_equal(o.nnz[0], 0);
    assert_int_equal(rsc_occlusion_count(&o, 0, 1.0), 0);
    rsc_occlusion_apply(&o, z, 1, 0.7, out);
    assert_memory_equal(out, z, sizeof out);
    rsc_occlusion_free(&o);
    assert_int_equal(rsc_occlusion_init(&o, z, 2, C, H, W, 3, 0, &err), -1);
    assert_string_equal(err.msg, "occlusion: cannot pick 3 of 2 examples");
    assert_int_equal(rsc_occlusion_init(&o, z, 2, C, H, W, 0, 0, &err), -1);
    assert_int_equal(rsc_occlusion_init(&o, z, 2, 0, H, W, 1, 0, &err), -1);
    assert_non_null(strstr(err.msg, "bad image shape"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numpy_order),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_all_zero_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
