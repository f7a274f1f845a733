/* elementwise.c - elementwise operations (backend.h: fill, relu_fwd,
 * relu_bwd, mul, axpy, scale, clamp, sumsq), split into fixed blocks of
 * RSC_CPU_BLOCK elements.  Sums of squares add per-block partial sums in
 * block order: the same result for any thread count. */
#include "config.h"

#include "kernels/cpu/impl.h"

#include <stdlib.h>
#include <string.h>

static void fill_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->fill(t->c + lo, hi - lo, t->f0);
}

static void cpu_fill(rsc_backend *be, rsc_buf *x, size_t n, float value)
{
    rsc_cpu_range t = { .n = n, .body = fill_body, .c = F(x), .f0 = value };
    rsc_cpu_run_range(be, &t);
}

static void relu_fwd_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->relu_fwd(t->a + lo, t->c + lo, hi - lo);
}

static void cpu_relu_fwd(rsc_backend *be, const rsc_buf *x, rsc_buf *y, size_t n)
{
    rsc_cpu_range t = { .n = n, .body = relu_fwd_body, .a = CF(x), .c = F(y) };
    rsc_cpu_run_range(be, &t);
}

static void relu_bwd_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->relu_bwd(t->a + lo, t->b + lo, t->c + lo, hi - lo);
}

static void cpu_relu_bwd(rsc_backend *be, const rsc_buf *y, const rsc_buf *dy, rsc_buf *dx,
                         size_t n)
{
    rsc_cpu_range t = { .n = n, .body = relu_bwd_body, .a = CF(y), .b = CF(dy), .c = F(dx) };
    rsc_cpu_run_range(be, &t);
}

static void mul_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->mul(t->a + lo, t->b + lo, t->c + lo, hi - lo);
}

static void cpu_mul(rsc_backend *be, const rsc_buf *x, const rsc_buf *m, rsc_buf *y, size_t n)
{
    rsc_cpu_range t = { .n = n, .body = mul_body, .a = CF(x), .b = CF(m), .c = F(y) };
    rsc_cpu_run_range(be, &t);
}

static void axpy_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->axpy(t->f0, t->a + lo, t->c + lo, hi - lo);
}

static void cpu_axpy(rsc_backend *be, size_t n, float alpha, const rsc_buf *x, rsc_buf *y)
{
    rsc_cpu_range t = { .n = n, .body = axpy_body, .a = CF(x), .c = F(y), .f0 = alpha };
    rsc_cpu_run_range(be, &t);
}

static void scale_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->scale(t->f0, t->c + lo, hi - lo);
}

static void cpu_scale(rsc_backend *be, size_t n, float alpha, rsc_buf *x)
{
    rsc_cpu_range t = { .n = n, .body = scale_body, .c = F(x), .f0 = alpha };
    rsc_cpu_run_range(be, &t);
}

static void clamp_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    t->k->clamp(t->c + lo, hi - lo, t->f0, t->f1);
}

static void cpu_clamp(rsc_backend *be, rsc_buf *x, size_t n, float lo, float hi)
{
    rsc_cpu_range t = { .n = n, .body = clamp_body, .c = F(x), .f0 = lo, .f1 = hi };
    rsc_cpu_run_range(be, &t);
}

/* Block partial sums in double, then added in block order. */
static void sumsq_block(void *arg, int chunk, int nchunks)
{
    rsc_cpu_range *t = arg;
    size_t lo, hi;
    (void)nchunks;
    rsc_cpu_block(t->n, chunk, &lo, &hi);
    t->d[chunk] = t->k->sumsq(t->a + lo, hi - lo);
}

static void cpu_sumsq(rsc_backend *be, const rsc_buf *x, size_t n, rsc_buf *out)
{
    const rsc_cpu_kernels *k = kernels_of(be);
    size_t nblocks = (n + RSC_CPU_BLOCK - 1) / RSC_CPU_BLOCK;
    double total = 0;
    if (nblocks <= 1) {
        total = n ? k->sumsq(CF(x), n) : 0;
    } else {
        double *partial = malloc(nblocks * sizeof *partial);
        if (!partial) {
            /* Out of memory for the partials: the serial sum in one block. */
            total = k->sumsq(CF(x), n);
        } else {
            rsc_cpu_range t = { .n = n, .k = k, .a = CF(x), .d = partial };
            rsc_cpu_pool_run(pool_of(be), sumsq_block, &t, (int)nblocks);
            for (size_t i = 0; i < nblocks; i++)
                total += partial[i];
            free(partial);
        }
    }
    memcpy(out->data, &total, sizeof total);
}

void rsc_cpu_install_elementwise(rsc_backend *be)
{
    be->fill = cpu_fill;
    be->relu_fwd = cpu_relu_fwd;
    be->relu_bwd = cpu_relu_bwd;
    be->mul = cpu_mul;
    be->axpy = cpu_axpy;
    be->scale = cpu_scale;
    be->clamp = cpu_clamp;
    be->sumsq = cpu_sumsq;
}
