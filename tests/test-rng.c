/* test-rng.c - libcommon/rng against NumPy's legacy RandomState, bit for
 * bit: tests/fixtures/rng-numpy.txt (tests/gen/make-rng-fixtures.py) holds
 * values numpy 1.24 printed for many seeds; every line is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_OFF 0xcbf29ce484222325ull

static FILE *open_fixture(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/rng-numpy.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    return f;
}

/* Tokenizer over one fixture line. */
typedef struct {
    char *save;
    int line;
} toks;
static char *tok(toks *t)
{
    char *s = strtok_r(NULL, " \n", &t->save);
    if (!s)
        fail_msg("fixture line %d: too few fields", t->line);
    return s;
}
static unsigned long long tok_u(toks *t) { return strtoull(tok(t), NULL, 10); }
static long long tok_i(toks *t) { return strtoll(tok(t), NULL, 10); }
static double tok_d(toks *t) { return strtod(tok(t), NULL); }

static int counts[16];
enum { C_U32, C_RAND, C_RANDINT, C_PERM, C_CHOICE, C_CHOICEPOP, C_NORMAL, C_IMG, C_SEQ, C_SEEDARR };

static void check_line(char *line, int lineno)
{
    toks t = { NULL, lineno };
    char *kind = strtok_r(line, " \n", &t.save);
    if (!kind || kind[0] == '#')
        return;
    rsc_rng r;
    if (!strcmp(kind, "seedarr")) {
        uint32_t key[3];
        for (int i = 0; i < 3; i++)
            key[i] = (uint32_t)tok_u(&t);
        int n = (int)tok_u(&t);
        rsc_rng_seed_array(&r, key, 3);
        for (int i = 0; i < n; i++)
            assert_int_equal(rsc_rng_u32(&r), tok_u(&t));
        /* rsc_rng_derive(seed, purpose) is init_by_array({lo, hi, purpose}) */
        rsc_rng d;
        rsc_rng_derive(&d, (uint64_t)key[0] | (uint64_t)key[1] << 32, (int)key[2]);
        rsc_rng_seed_array(&r, key, 3);
        for (int i = 0; i < 8; i++)
            assert_int_equal(rsc_rng_u32(&d), rsc_rng_u32(&r));
        counts[C_SEEDARR]++;
        return;
    }
    uint32_t seed = (uint32_t)tok_u(&t);
    rsc_rng_seed(&r, seed);
    if (!strcmp(kind, "u32")) {
        int n = (int)tok_u(&t);
        for (int i = 0; i < n; i++)
            assert_int_equal(rsc_rng_u32(&r), tok_u(&t));
        counts[C_U32]++;
    } else if (!strcmp(kind, "rand")) {
        int n = (int)tok_u(&t);
        for (int i = 0; i < n; i++) {
            double want = tok_d(&t), got = rsc_rng_double(&r);
            assert_memory_equal(&got, &want, sizeof got);
        }
        counts[C_RAND]++;
    } else if (!strcmp(kind, "randint")) {
        int64_t lo = tok_i(&t), hi = tok_i(&t);
        int n = (int)tok_u(&t);
        for (int i = 0; i < n; i++) {
            int64_t want = tok_i(&t), got = rsc_rng_randint(&r, lo, hi);
            if (got != want)
                fail_msg("line %d: randint(%" PRId64 ", %" PRId64 ") draw %d: got %" PRId64
                         ", numpy %" PRId64, lineno, lo, hi, i, got, want);
        }
        counts[C_RANDINT]++;
    } else if (!strcmp(kind, "perm")) {
        size_t n = tok_u(&t);
        int64_t *p = malloc(n * sizeof *p);
        rsc_rng_permutation(&r, p, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], tok_i(&t));
        free(p);
        counts[C_PERM]++;
    } else if (!strcmp(kind, "choice")) {
        size_t n = tok_u(&t), k = tok_u(&t);
        uint64_t want_hash = strtoull(tok(&t), NULL, 16);
        int64_t *out = malloc(k * sizeof *out);
        assert_int_equal(rsc_rng_choice(&r, NULL, n, k, out), 0);
        size_t head = k < 8 ? k : 8;
        for (size_t i = 0; i < head; i++)
            assert_int_equal(out[i], tok_i(&t));
        uint64_t h = fnv_bytes(FNV_OFF, out, k * sizeof *out);
        if (h != want_hash)
            fail_msg("line %d: choice(%zu, %zu) hash %016" PRIx64 ", numpy %016" PRIx64,
                     lineno, n, k, h, want_hash);
        /* distinct and in range: a permutation prefix */
        unsigned char *seen = calloc(n, 1);
        for (size_t i = 0; i < k; i++) {
            assert_true(out[i] >= 0 && (size_t)out[i] < n);
            assert_false(seen[out[i]]);
            seen[out[i]] = 1;
        }
        free(seen);
        free(out);
        counts[C_CHOICE]++;
    } else if (!strcmp(kind, "choicepop")) {
        size_t n = tok_u(&t);
        int64_t start = tok_i(&t), step = tok_i(&t);
        size_t k = tok_u(&t);
        int64_t *pop = malloc(n * sizeof *pop), out[16];
        for (size_t i = 0; i < n; i++)
            pop[i] = start + step * (int64_t)i;
        assert_true(k <= 16);
        assert_int_equal(rsc_rng_choice(&r, pop, n, k, out), 0);
        for (size_t i = 0; i < k; i++)
            assert_int_equal(out[i], tok_i(&t));
        free(pop);
        counts[C_CHOICEPOP]++;
    } else if (!strcmp(kind, "normal")) {
        int n = (int)tok_u(&t);
        for (int i = 0; i < n; i++) {
            double want = tok_d(&t), got = rsc_rng_normal(&r);
            assert_memory_equal(&got, &want, sizeof got);
        }
        counts[C_NORMAL]++;
    } else if (!strcmp(kind, "randimg")) {
        int h = (int)tok_u(&t), w = (int)tok_u(&t), c = (int)tok_u(&t);
        uint64_t want_hash = strtoull(tok(&t), NULL, 16);
        double want_sum = tok_d(&t), sum = 0;
        size_t n = (size_t)h * w * c;
        double *u = malloc(n * sizeof *u);
        for (size_t i = 0; i < n; i++) {
            u[i] = rsc_rng_double(&r);
            sum += u[i];
        }
        for (int i = 0; i < 4; i++) {
            double want = tok_d(&t);
            assert_memory_equal(&u[i], &want, sizeof want);
        }
        assert_int_equal(fnv_bytes(FNV_OFF, u, n * sizeof *u), want_hash);
        /* numpy's pairwise sum differs from a running sum in the last bits */
        assert_true(sum > want_sum - 1e-9 && sum < want_sum + 1e-9);
        free(u);
        counts[C_IMG]++;
    } else if (!strcmp(kind, "seq")) {
        char *s;
        while ((s = strtok_r(NULL, " \n", &t.save))) {
            if (s[0] == 'u') {
                assert_int_equal(rsc_rng_u32(&r), strtoull(s + 2, NULL, 10));
            } else if (s[0] == 'd') {
                double want = strtod(s + 2, NULL), got = rsc_rng_double(&r);
                assert_memory_equal(&got, &want, sizeof got);
            } else if (s[0] == 'n') {
                double want = strtod(s + 2, NULL), got = rsc_rng_normal(&r);
                assert_memory_equal(&got, &want, sizeof got);
            } else if (s[0] == 'i') {
                assert_int_equal(rsc_rng_randint(&r, 0, 100), strtoll(s + 2, NULL, 10));
            } else {
                fail_msg("line %d: bad seq item %s", lineno, s);
            }
        }
        counts[C_SEQ]++;
    } else {
        fail_msg("fixture line %d: unknown kind '%s'", lineno, kind);
    }
}

static void test_numpy_fixtures(void **state)
{
    (void)state;
    FILE *f = open_fixture();
    static char line[1 << 16];
    int lineno = 0;
    while (fgets(line, sizeof line, f))
        check_line(line, ++lineno);
    fclose(f);
    /* the fixture really exercised everything (9 seeds) */
    assert_int_equal(counts[C_U32], 9);
    assert_int_equal(counts[C_RAND], 9);
    assert_int_equal(counts[C_RANDINT], 9 * 9);
    assert_int_equal(counts[C_PERM], 9 * 4);
    assert_int_equal(counts[C_CHOICE], 9 * 9);
    assert_int_equal(counts[C_CHOICEPOP], 9);
    assert_int_equal(counts[C_NORMAL], 9);
    assert_int_equal(counts[C_IMG], 9 * 2);
    assert_int_equal(counts[C_SEQ], 9);
    assert_int_equal(counts[C_SEEDARR], 4);
}

/* The reference MT19937 (Matsumoto & Nishimura, mt19937ar.c) with
 * init_genrand(5489): the 10000th output is 4123659995. */
static void test_mt19937_reference(void **state)
{
    (void)state;
    rsc_rng r;
    rsc_rng_seed(&r, 5489);
    uint32_t v = 0;
    for (int i = 0; i < 10000; i++)
        v = rsc_rng_u32(&r);
    assert_int_equal(v, 4123659995u);
    /* a 64-bit seed: two draws, the first the high word (MT19937's first
     * outputs for seed 5489: 3499211612, 581869302) */
    rsc_rng_seed(&r, 5489);
    assert_true(rsc_rng_seed64(&r) == (3499211612ull << 32 | 581869302ull));
}

static void test_state_roundtrip(void **state)
{
    (void)state;
    rsc_rng a, b;
    rsc_rng_seed(&a, 7);
    for (int i = 0; i < 1000; i++)
        rsc_rng_u32(&a);
    (void)rsc_rng_normal(&a);   /* leaves a cached gaussian */
    uint32_t words[626];
    double g;
    rsc_rng_get_state(&a, words, &g);
    assert_int_equal(rsc_rng_set_state(&b, words, g), 0);
    assert_true(rsc_rng_normal(&a) == rsc_rng_normal(&b));
    for (int i = 0; i < 2000; i++)
        assert_int_equal(rsc_rng_u32(&a), rsc_rng_u32(&b));
    words[624] = 625;   /* mti out of range */
    assert_int_equal(rsc_rng_set_state(&b, words, g), -1);
    words[624] = 0;
    words[625] = 2;
    assert_int_equal(rsc_rng_set_state(&b, words, g), -1);
}

static void test_choice_errors(void **state)
{
    (void)state;
    rsc_rng r;
    int64_t out[4];
    rsc_rng_seed(&r, 0);
    assert_int_equal(rsc_rng_choice(&r, NULL, 3, 4, out), -1);
    assert_int_equal(rsc_rng_choice(&r, NULL, 0, 0, out), 0);
}

/* Purposes give independent streams; the same purpose reproduces. */
static void test_derive(void **state)
{
    (void)state;
    rsc_rng a, b, c;
    rsc_rng_derive(&a, 0, RSC_RNG_SHUFFLE);
    rsc_rng_derive(&b, 0, RSC_RNG_NOISE);
    rsc_rng_derive(&c, 0, RSC_RNG_SHUFFLE);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = rsc_rng_u32(&a), y = rsc_rng_u32(&b), z = rsc_rng_u32(&c);
        same += x == y;
        assert_int_equal(x, z);
    }
    assert_true(same < 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numpy_fixtures),
        cmocka_unit_test(test_mt19937_reference),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_choice_errors),
        cmocka_unit_test(test_derive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
