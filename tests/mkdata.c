/* mkdata.c - test helper: write a small synthetic dataset folder.
 *   mkdata idx DIR NTRAIN NTEST [gz]     IDX files (28x28), raw or gzip
 *   mkdata cifar DIR NPERBATCH NTEST     CIFAR-10 batches (5 + test)
 * Labels cycle through the 10 classes (tests/synth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: mkdata idx|cifar DIR NTRAIN NTEST [gz]\n");
        return 2;
    }
    const char *dir = argv[2];
    uint32_t ntrain = (uint32_t)strtoul(argv[3], NULL, 10), ntest = (uint32_t)strtoul(argv[4], NULL, 10);
    int gz = argc > 5 && !strcmp(argv[5], "gz");
    int rc;
    if (!strcmp(argv[1], "idx")) {
        rc = synth_idx(dir, "train", ntrain, 0, 28, gz, -1) | synth_idx(dir, "t10k", ntest, 100000, 28, gz, -1);
    } else {
        char path[4096];
        rc = 0;
        for (int b = 1; b <= 5; b++) {
            snprintf(path, sizeof path, "%s/data_batch_%d.bin", dir, b);
            rc |= synth_cifar(path, ntrain, (uint32_t)(b - 1) * ntrain, -1);
        }
        snprintf(path, sizeof path, "%s/test_batch.bin", dir);
        rc |= synth_cifar(path, ntest, 100000, -1);
    }
    if (rc)
        perror("mkdata");
    return rc ? 1 : 0;
}
