/* optim.c - the optimiser steps (backend.h: adam, sgd), in blocks of
 * RSC_CPU_BLOCK parameters. */
#include "config.h"

#include "kernels/cpu/impl.h"

#include <math.h>

/* Moments of parameters whose gradient is zero for a long time (pixels
 * that are always 0, e.g. image corners) decay geometrically into
 * subnormal floats, on which x86 arithmetic is ~100 times slower: the
 * optimiser steps run with flush-to-zero and denormals-are-zero, as GPUs
 * do.  (It changes nothing else: values that small are 0 for training.) */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FTZ_BEGIN unsigned int saved_csr_ = _mm_getcsr(); _mm_setcsr(saved_csr_ | 0x8040u)
#define FTZ_END _mm_setcsr(saved_csr_)
#else
#define FTZ_BEGIN do { } while (0)
#define FTZ_END do { } while (0)
#endif

typedef struct opt_task {
    const rsc_cpu_kernels *k;
    rsc_cpu_optim o;
    size_t n;
    float *p, *m, *v;
    const float *g;
} opt_task;

static void adam_block(void *arg, int chunk, int nchunks)
{
    opt_task *t = arg;
    size_t lo, hi;
    (void)nchunks;
    rsc_cpu_block(t->n, chunk, &lo, &hi);
    FTZ_BEGIN;
    t->k->adam(&t->o, t->p + lo, t->g + lo, t->m + lo, t->v + lo, hi - lo);
    FTZ_END;
}

static void cpu_adam(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *m, rsc_buf *v,
                     size_t n, const rsc_adam_hp *hp)
{
    double bc1 = 1 - pow(hp->beta1, (double)hp->step);
    double bc2 = 1 - pow(hp->beta2, (double)hp->step);
    opt_task t = { .k = kernels_of(be), .n = n, .p = F(p), .m = F(m), .v = F(v), .g = CF(g),
                   .o = { .wd = (float)hp->weight_decay, .beta1 = (float)hp->beta1,
                          .one_minus_beta1 = (float)(1 - hp->beta1), .beta2 = (float)hp->beta2,
                          .one_minus_beta2 = (float)(1 - hp->beta2),
                          .step = (float)(hp->lr / bc1), .bc2_sqrt = (float)sqrt(bc2),
                          .eps = (float)hp->eps } };
    rsc_cpu_run_blocks(be, n, adam_block, &t);
}

static void sgd_block(void *arg, int chunk, int nchunks)
{
    opt_task *t = arg;
    size_t lo, hi;
    (void)nchunks;
    rsc_cpu_block(t->n, chunk, &lo, &hi);
    FTZ_BEGIN;
    t->k->sgd(&t->o, t->p + lo, t->g + lo, t->m ? t->m + lo : NULL, hi - lo);
    FTZ_END;
}

static void cpu_sgd(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *buf, size_t n,
                    const rsc_sgd_hp *hp)
{
    opt_task t = { .k = kernels_of(be), .n = n, .p = F(p), .m = buf ? F(buf) : NULL, .g = CF(g),
                   .o = { .wd = (float)hp->weight_decay, .momentum = (float)hp->momentum,
                          .lr = (float)hp->lr, .first = hp->first } };
    rsc_cpu_run_blocks(be, n, sgd_block, &t);
}

void rsc_cpu_install_optim(rsc_backend *be)
{
    be->adam = cpu_adam;
    be->sgd = cpu_sgd;
}
