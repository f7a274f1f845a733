/* rsct-dump.c - test helper: print the values of the tensors of an rsct
 * file whose names start with PREFIX, one per line ("# NAME" before each
 * tensor; floats in %a so that equal text means equal bits).
 *   rsct-dump FILE PREFIX */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format/rsct.h"

int main(int argc, char **argv)
{
    rsc_error err;
    if (argc != 3) {
        fprintf(stderr, "usage: rsct-dump FILE PREFIX\n");
        return 2;
    }
    rsc_file *f = rsc_file_load(argv[1], &err);
    if (!f) {
        fprintf(stderr, "rsct-dump: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < f->ntensors; i++) {
        const rsc_tensor *t = f->tensors[i];
        if (strncmp(t->name, argv[2], strlen(argv[2])) != 0)
            continue;
        printf("# %s\n", t->name);
        uint64_t n = rsc_tensor_numel(t);
        for (uint64_t j = 0; j < n; j++) {
            switch (t->dtype) {
            case RSC_U8: printf("%u\n", ((const uint8_t *)t->data)[j]); break;
            case RSC_I32: printf("%" PRId32 "\n", ((const int32_t *)t->data)[j]); break;
            case RSC_I64: printf("%" PRId64 "\n", ((const int64_t *)t->data)[j]); break;
            case RSC_F32: printf("%a\n", (double)((const float *)t->data)[j]); break;
            default: printf("%a\n", ((const double *)t->data)[j]); break;
            }
        }
    }
    rsc_file_free(f);
    return fclose(stdout) == 0 ? 0 : 1;
}
