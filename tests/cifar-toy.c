/* cifar-toy.c - test helper: a small learnable dataset in the CIFAR-10
 * binary format (data_batch_1..5.bin, test_batch.bin: records of one label
 * byte and 3072 pixel bytes, red then green then blue planes, 32x32).
 *   cifar-toy DIR PER_BATCH NTEST
 * Labels 0-3 cycle; class c draws a 12x12 bright square (200 in all
 * channels) in quadrant c over noise in [0, 80) from RandomState(3). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"

static void write_batch(const char *dir, const char *name, long n, rsc_rng *rng)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    static unsigned char rec[3073];
    for (long i = 0; i < n; i++) {
        int c = (int)(i % 4);
        rec[0] = (unsigned char)c;
        for (int j = 0; j < 3072; j++)
            rec[1 + j] = (unsigned char)rsc_rng_randint(rng, 0, 80);
        int r0 = 2 + 16 * (c / 2), c0 = 2 + 16 * (c % 2);
        for (int ch = 0; ch < 3; ch++)
            for (int r = r0; r < r0 + 12; r++)
                for (int k = c0; k < c0 + 12; k++)
                    rec[1 + (ch * 32 + r) * 32 + k] = 200;
        if (fwrite(rec, 1, sizeof rec, f) != sizeof rec) {
            perror(path);
            exit(1);
        }
    }
    if (fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cifar-toy DIR PER_BATCH NTEST\n");
        return 2;
    }
    long per = strtol(argv[2], NULL, 10), nt = strtol(argv[3], NULL, 10);
    if (per < 1 || nt < 1) {
        fprintf(stderr, "cifar-toy: counts must be positive\n");
        return 2;
    }
    rsc_rng rng;
    rsc_rng_seed(&rng, 3);
    char name[32];
    for (int b = 1; b <= 5; b++) {
        snprintf(name, sizeof name, "data_batch_%d.bin", b);
        write_batch(argv[1], name, per, &rng);
    }
    write_batch(argv[1], "test_batch.bin", nt, &rng);
    return 0;
}
