/* norms.c - Table 1's pattern norms as rows. */
#include "config.h"

#include "data/norms.h"

#include <stdlib.h>

#include "data/dataset.h"
#include "data/patterns.h"
#include "format/rows.h"

int rsc_norms_write(const rsc_file *ds, const char *dname, const char *const *names, size_t n,
                    uint32_t seed, FILE *fp, const char *fname, int json, rsc_error *err)
{
    static const char *const cols[] = { "dataset", "pattern", "seed", "norm" };
    float *x;
    size_t nx;
    int c, h, w;
    if (rsc_dataset_images_f32(ds, "test", &x, NULL, &nx, &c, &h, &w, err) < 0)
        return rsc_fail_prefix(err, "%s", dname);
    if (rsc_meta_get(ds, "name"))
        dname = rsc_meta_get(ds, "name");
    if (n == 0) {
        names = rsc_pattern_names;
        while (names[n])
            n++;
    }
    rsc_rows *wr = rsc_rows_new(fp, fname, json, cols, 4, err);
    int rc = wr ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsc_pattern p;
        if ((rc = rsc_pattern_make(&p, names[i], c, h, w, seed, err)) < 0)
            break;
        rsc_rows_str(wr, dname);
        rsc_rows_str(wr, rsc_pattern_is_builtin(names[i], NULL) ? p.name : names[i]);
        rsc_rows_uint(wr, seed);
        rsc_rows_f64(wr, rsc_pattern_mean_norm(&p, x, nx));
        rc = rsc_rows_end(wr, err);
        rsc_pattern_free(&p);
    }
    if (rc == 0) {
        rc = rsc_rows_close(wr, err);
        wr = NULL;
    }
    rsc_rows_free(wr);
    free(x);
    return rc;
}
