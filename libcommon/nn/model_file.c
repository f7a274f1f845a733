/* model_file.c - model files <-> networks: the model keys, the parameter
 * and state tensors (PyTorch names and shapes). */
#include "config.h"

#include "nn/model_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/arch.h"

int rsc_model_parse_input(const char *s, rsc_shape *shape)
{
    int c, h, w;
    if (!s || rsc_parse_shape3(s, 65536, &c, &h, &w) != 0)
        return -1;
    shape->c = c;
    shape->h = h;
    shape->w = w;
    return 0;
}

int rsc_model_read_header(const rsc_file *f, const char *fname, char arch[32], rsc_shape *input,
                          int *classes, rsc_error *err)
{
    const char *kind = rsc_meta_get(f, "kind");
    if (!kind || strcmp(kind, "model") != 0)
        return rsc_fail(err, "%s: not a model file (kind=%s)", fname, kind ? kind : "missing");
    const char *a = rsc_meta_get(f, "arch");
    if (!a)
        return rsc_fail(err, "%s: metadata key 'arch' is missing", fname);
    if (!rsc_arch_known(a))
        return rsc_fail(err, "%s: unknown architecture '%s'", fname, a);
    snprintf(arch, 32, "%s", a);
    if (rsc_model_parse_input(rsc_meta_get(f, "input"), input) != 0)
        return rsc_fail(err, "%s: metadata key 'input' is missing or not CxHxW", fname);
    long k;
    if (rsc_meta_get_long(f, "classes", &k, err) != 0)
        return rsc_fail_prefix(err, "%s", fname);
    if (k < 2 || k > 65536)
        return rsc_fail(err, "%s: metadata key 'classes': %ld is out of range", fname, k);
    *classes = (int)k;
    return 0;
}

/* Add one f32 tensor "param/<name>" per entry of list, from host (the
 * flat array the entries' offsets index). */
static int add_tensors(const rsc_param *list, int n, const float *host, rsc_file *f, rsc_error *err)
{
    for (int i = 0; i < n; i++) {
        const rsc_param *p = &list[i];
        char name[RSC_PARAM_NAME + 8];
        uint64_t dims[4];
        for (int d = 0; d < p->ndim; d++)
            dims[d] = (uint64_t)p->dims[d];
        snprintf(name, sizeof name, "param/%s", p->name);
        rsc_tensor *t = rsc_file_add(f, name, RSC_F32, p->ndim, dims, err);
        if (!t)
            return -1;
        memcpy(t->data, host + p->offset, p->count * sizeof(float));
    }
    return 0;
}

/* Parameters, then the non-trained state (batch-norm running statistics). */
int rsc_model_write_params(rsc_net *net, rsc_file *f, rsc_error *err)
{
    size_t total = net->nparam_total > net->nstate_total ? net->nparam_total : net->nstate_total;
    float *host = rsc_malloc(total ? total : 1, sizeof *host, err);
    if (!host)
        return -1;
    int rc = rsc_net_get_params(net, host, err);
    if (rc == 0)
        rc = add_tensors(net->params, net->nparams, host, f, err);
    if (rc == 0 && net->nstates > 0) {
        rc = rsc_net_get_state(net, host, err);
        if (rc == 0)
            rc = add_tensors(net->states, net->nstates, host, f, err);
    }
    free(host);
    return rc;
}

/* Check that tensor `name` is f32 with exactly the shape of p. */
static const rsc_tensor *expect_shape(const rsc_file *f, const char *fname, const char *name,
                                      int ndim, const int64_t *dims, rsc_error *err)
{
    const rsc_tensor *t = rsc_file_find(f, name);
    if (!t) {
        rsc_fail(err, "%s: tensor '%s' is missing", fname, name);
        return NULL;
    }
    char want[96] = "", got[96] = "";
    size_t a = 0, b = 0;
    int ok = t->dtype == RSC_F32 && t->ndim == ndim;
    for (int d = 0; d < ndim; d++) {
        a += (size_t)snprintf(want + a, sizeof want - a, "%s%lld", d ? ", " : "", (long long)dims[d]);
        if (ok && (int64_t)t->dims[d] != dims[d])
            ok = 0;
    }
    for (int d = 0; d < t->ndim && b < sizeof got; d++)
        b += (size_t)snprintf(got + b, sizeof got - b, "%s%llu", d ? ", " : "",
                              (unsigned long long)t->dims[d]);
    if (t->dtype != RSC_F32) {
        rsc_fail(err, "%s: tensor '%s' has dtype %s, expected f32", fname, name,
                 rsc_dtype_name(t->dtype));
        return NULL;
    }
    if (!ok) {
        rsc_fail(err, "%s: tensor '%s': shape [%s], expected [%s]", fname, name, got, want);
        return NULL;
    }
    return t;
}

/* Fill host from the "param/<name>" tensors of list, checking dtype,
 * shape and values: finite, and running variances non-negative. */
static int gather_tensors(const rsc_param *list, int n, float *host, const rsc_file *f,
                          const char *fname, rsc_error *err)
{
    for (int i = 0; i < n; i++) {
        const rsc_param *p = &list[i];
        char name[RSC_PARAM_NAME + 8];
        snprintf(name, sizeof name, "param/%s", p->name);
        const rsc_tensor *t = expect_shape(f, fname, name, p->ndim, p->dims, err);
        if (!t)
            return -1;
        const float *v = t->data;
        int var = strstr(p->name, "running_var") != NULL;
        for (size_t j = 0; j < p->count; j++)
            if (!isfinite(v[j]) || (var && v[j] < 0))
                return rsc_fail(err, "%s: tensor '%s': element %zu is %s", fname, name, j,
                                isfinite(v[j]) ? "negative" : "not finite");
        memcpy(host + p->offset, v, p->count * sizeof(float));
    }
    return 0;
}

int rsc_model_read_params(rsc_net *net, const rsc_file *f, const char *fname, rsc_error *err)
{
    size_t total = net->nparam_total > net->nstate_total ? net->nparam_total : net->nstate_total;
    float *host = rsc_malloc(total ? total : 1, sizeof *host, err);
    if (!host)
        return -1;
    int rc = gather_tensors(net->params, net->nparams, host, f, fname, err);
    if (rc == 0)
        rc = rsc_net_set_params(net, host, err);
    if (rc == 0 && net->nstates > 0) {
        rc = gather_tensors(net->states, net->nstates, host, f, fname, err);
        if (rc == 0)
            rc = rsc_net_set_state(net, host, err);
    }
    free(host);
    return rc;
}

int rsc_model_read_state(const rsc_file *f, const char *fname, const char *name, rsc_backend *be,
                         rsc_buf *buf, size_t n, rsc_error *err)
{
    int64_t dims[1] = { (int64_t)n };
    const rsc_tensor *t = expect_shape(f, fname, name, 1, dims, err);
    if (!t)
        return -1;
    return be->upload(be, buf, 0, t->data, n * sizeof(float), err);
}
