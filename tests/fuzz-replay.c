/* fuzz-replay.c - run a libFuzzer target without libFuzzer: over every
 * file of a corpus and a fixed number of deterministic mutations of each
 * (bit flips, truncations, insertions, deletions, overwrites with boundary
 * values), so that `make check` exercises every parser's fuzz target with
 * plain gcc.  A crash (or, in the sanitizer build, a memory error or a
 * leak) fails the test; the offending input is saved to
 * fuzz-crash-TARGET.bin in the current folder and named on stderr.
 *
 * Link it with one fuzz target (a file defining LLVMFuzzerTestOneInput):
 * see HACKING.md, "Fuzz targets".
 *
 * Usage: fuzz-replay-TARGET [-n MUTATIONS] [-s SEED] [PATH]...
 * PATH is a file or a folder (its regular files, sorted by name); with no
 * PATH, the folder RSC_FUZZ_CORPUS (default tests/fixtures) under
 * $top_srcdir. */
#include "config.h"

#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rng.h"

#ifndef RSC_FUZZ_CORPUS
#define RSC_FUZZ_CORPUS "tests/fixtures"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional libFuzzer hook, and the sanitizers' death callback. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#define MAX_MUTATE_INPUT (256u << 10)   /* larger files are replayed, not mutated */

static const char *target = "fuzz-replay";
/* What is running now, for the crash report (plain buffers: the signal
 * handler only reads them). */
static char current[1024];
static const uint8_t *current_data;
static size_t current_size;

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Async-signal-safe: save the input and name it. */
static void report_crash(void)
{
    char path[300];
    size_t tl = strlen(target);
    if (tl > 200)
        tl = 200;
    memcpy(path, "fuzz-crash-", 11);
    memcpy(path + 11, target, tl);
    memcpy(path + 11 + tl, ".bin", 5);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t off = 0;
        while (off < current_size) {
            ssize_t w = write(fd, current_data + off, current_size - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        close(fd);
    }
    put(target);
    put(": crash on ");
    put(current);
    put("; input saved to ");
    put(path);
    put("\n");
}

static void on_crash(int sig)
{
    report_crash();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handlers(void)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_crash);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(report_crash);
}

static int run_one(const uint8_t *data, size_t size)
{
    current_data = data;
    current_size = size;
    return LLVMFuzzerTestOneInput(data, size);
}

/* ------------------------------------------------------------ mutations */

static const char *const kind_names[] = {
    "bit flip", "truncation", "insertion", "deletion", "boundary value", "duplicated chunk",
};

/* Mutate in[0..n) into out (capacity n + 64); returns the new length. */
static size_t mutate(rsc_rng *r, const uint8_t *in, size_t n, uint8_t *out, int *kind)
{
    memcpy(out, in, n);
    *kind = (int)rsc_rng_interval(r, 5);
    if (n == 0 && *kind != 2)
        *kind = 2;
    switch (*kind) {
    case 0: {   /* flip 1..4 bits */
        int flips = 1 + (int)rsc_rng_interval(r, 3);
        for (int i = 0; i < flips; i++) {
            size_t at = (size_t)rsc_rng_interval(r, n - 1);
            out[at] ^= (uint8_t)(1u << rsc_rng_interval(r, 7));
        }
        return n;
    }
    case 1:     /* cut anywhere */
        return (size_t)rsc_rng_interval(r, n - 1);
    case 2: {   /* insert 1..64 random bytes */
        size_t k = 1 + (size_t)rsc_rng_interval(r, 63);
        size_t at = (size_t)rsc_rng_interval(r, n);
        memmove(out + at + k, out + at, n - at);
        for (size_t i = 0; i < k; i++)
            out[at + i] = (uint8_t)rsc_rng_u32(r);
        return n + k;
    }
    case 3: {   /* delete 1..16 bytes */
        size_t at = (size_t)rsc_rng_interval(r, n - 1);
        size_t k = 1 + (size_t)rsc_rng_interval(r, 15);
        if (k > n - at)
            k = n - at;
        memmove(out + at, out + at + k, n - at - k);
        return n - k;
    }
    case 4: {   /* overwrite 1, 2, 4 or 8 bytes with a boundary value */
        static const uint64_t vals[] = {
            0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000u, 0xffffffffu,
            UINT64_C(0x7fffffffffffffff), UINT64_MAX, UINT64_C(1) << 40, (1u << 20) + 1,
        };
        static const size_t widths[] = { 1, 2, 4, 8 };
        size_t w = widths[rsc_rng_interval(r, 3)];
        if (w > n)
            w = n;
        uint64_t v = vals[rsc_rng_interval(r, sizeof vals / sizeof vals[0] - 1)];
        size_t at = (size_t)rsc_rng_interval(r, n - w);
        for (size_t i = 0; i < w; i++)
            out[at + i] = (uint8_t)(v >> (8 * i));
        return n;
    }
    default: {  /* copy a chunk of up to 64 bytes to another place (insert) */
        size_t k = 1 + (size_t)rsc_rng_interval(r, 63);
        if (k > n)
            k = n;
        size_t from = (size_t)rsc_rng_interval(r, n - k);
        size_t at = (size_t)rsc_rng_interval(r, n);
        uint8_t chunk[64];
        memcpy(chunk, in + from, k);
        memmove(out + at + k, out + at, n - at);
        memcpy(out + at, chunk, k);
        return n + k;
    }
    }
}

/* ------------------------------------------------------------ corpus */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", target, path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "%s: %s: cannot read\n", target, path);
        free(buf);
        return NULL;
    }
    *n = len;
    return buf;
}

struct stats {
    unsigned long files, inputs;
    long mutations;
    uint32_t seed;
};

static int replay_file(const char *path, struct stats *st)
{
    size_t n;
    uint8_t *data = slurp(path, &n);
    if (!data)
        return -1;
    st->files++;
    snprintf(current, sizeof current, "%s (as is)", path);
    run_one(data, n);
    st->inputs++;
    if (n <= MAX_MUTATE_INPUT) {
        uint8_t *buf = malloc(n + 64);
        if (!buf) {
            free(data);
            return -1;
        }
        rsc_rng r;
        uint32_t key[2] = { st->seed, (uint32_t)st->files };
        rsc_rng_seed_array(&r, key, 2);
        for (long m = 0; m < st->mutations; m++) {
            int kind;
            size_t len = mutate(&r, data, n, buf, &kind);
            snprintf(current, sizeof current, "%s, mutation %ld (%s, seed %lu)", path, m,
                     kind_names[kind], (unsigned long)st->seed);
            run_one(buf, len);
            st->inputs++;
        }
        free(buf);
    }
    free(data);
    return 0;
}

static int is_corpus_file(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int replay_path(const char *path, struct stats *st)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "%s: %s: %s\n", target, path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return replay_file(path, st);
    struct dirent **list;
    int n = scandir(path, &list, is_corpus_file, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s: %s\n", target, path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, list[i]->d_name);
        if (rc == 0 && stat(full, &sb) == 0 && S_ISREG(sb.st_mode))
            rc = replay_file(full, st);
        free(list[i]);
    }
    free(list);
    return rc;
}

static long parse_num(const char *opt, const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < 0 || v > max) {
        fprintf(stderr, "%s: %s: '%s' is not an integer in [0, %ld]\n", target, opt, s, max);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    target = slash ? slash + 1 : argv[0];
    struct stats st = { .mutations = 2000, .seed = 20221 };
    int c;
    while ((c = getopt(argc, argv, "n:s:h")) != -1) {
        switch (c) {
        case 'n': st.mutations = parse_num("-n", optarg, 100000000); break;
        case 's': st.seed = (uint32_t)parse_num("-s", optarg, UINT32_MAX); break;
        case 'h':
            printf("Usage: %s [-n MUTATIONS] [-s SEED] [PATH]...\n"
                   "Run the fuzz target over every file (or folder of files) PATH and\n"
                   "MUTATIONS deterministic mutations of each (default 2000, seed 20221).\n"
                   "Default PATH: $top_srcdir/%s.\n", target, RSC_FUZZ_CORPUS);
            return 0;
        default:
            fprintf(stderr, "Try '%s -h' for more information.\n", target);
            return 2;
        }
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    install_crash_handlers();
    int rc = 0;
    if (optind == argc) {
        const char *top = getenv("top_srcdir");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", top && *top ? top : ".", RSC_FUZZ_CORPUS);
        rc = replay_path(dir, &st);
    }
    for (int i = optind; i < argc && rc == 0; i++)
        rc = replay_path(argv[i], &st);
    if (rc != 0)
        return 1;
    if (st.files == 0) {
        fprintf(stderr, "%s: the corpus is empty\n", target);
        return 1;
    }
    printf("%s: %lu files, %lu inputs, no crash\n", target, st.files, st.inputs);
    return 0;
}
