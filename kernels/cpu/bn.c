/* bn.c - batch normalisation (backend.h: bn_fwd_train, bn_fwd_eval,
 * bn_bwd) on the thread pool: channels split into ranges, each channel's
 * statistics one thread's sum in a fixed order. */
#include "config.h"

#include "kernels/cpu/impl.h"

typedef struct bn_task {
    const rsc_cpu_kernels *k;
    int n, c, hw, kind;       /* 0 train, 1 eval, 2 backward */
    int relu;
    const float *x, *gamma, *beta, *dy, *yr, *mean_c, *invstd_c, *rm_c, *rv_c;
    float *y, *mean, *invstd, *rm, *rv, *dx, *dgamma, *dbeta;
    float momentum, eps;
} bn_task;

static void bn_chunk(void *a, int chunk, int nchunks)
{
    bn_task *t = a;
    const rsc_cpu_kernels *K = t->k;
    size_t lo, hi;
    rsc_cpu_part((size_t)t->c, chunk, nchunks, &lo, &hi);
    switch (t->kind) {
    case 0:
        K->bn_fwd_train(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->gamma, t->beta, t->y,
                             t->mean, t->invstd, t->rm, t->rv, t->momentum, t->eps, t->relu);
        break;
    case 1:
        K->bn_fwd_eval(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->gamma, t->beta,
                            t->rm_c, t->rv_c, t->eps, t->y, t->relu);
        break;
    default:
        K->bn_bwd(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->dy, t->yr, t->gamma,
                       t->mean_c, t->invstd_c, t->dx, t->dgamma, t->dbeta);
        break;
    }
}

static void run_bn(rsc_backend *be, bn_task *t)
{
    t->k = kernels_of(be);
    rsc_cpu_pool_run(pool_of(be), bn_chunk, t,
                     rsc_cpu_chunks_for(be, (size_t)t->c, 3.0 * t->n * (double)t->hw));
}

static void cpu_bn_fwd_train(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                             const rsc_buf *gamma, const rsc_buf *beta, rsc_buf *y,
                             rsc_buf *save_mean, rsc_buf *save_invstd, rsc_buf *run_mean,
                             rsc_buf *run_var, float momentum, float eps, int relu)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 0, .relu = relu, .x = CF(x), .gamma = CF(gamma),
                  .beta = CF(beta), .y = F(y), .mean = F(save_mean), .invstd = F(save_invstd),
                  .rm = run_mean ? F(run_mean) : NULL, .rv = run_var ? F(run_var) : NULL,
                  .momentum = momentum, .eps = eps };
    run_bn(be, &t);
}

static void cpu_bn_fwd_eval(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                            const rsc_buf *gamma, const rsc_buf *beta, const rsc_buf *run_mean,
                            const rsc_buf *run_var, float eps, rsc_buf *y, int relu)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 1, .relu = relu, .x = CF(x), .gamma = CF(gamma),
                  .beta = CF(beta), .rm_c = CF(run_mean), .rv_c = CF(run_var), .y = F(y),
                  .eps = eps };
    run_bn(be, &t);
}

static void cpu_bn_bwd(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                       const rsc_buf *dy, const rsc_buf *y, const rsc_buf *gamma,
                       const rsc_buf *save_mean, const rsc_buf *save_invstd, rsc_buf *dx,
                       rsc_buf *dgamma, rsc_buf *dbeta)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 2, .x = CF(x), .dy = CF(dy),
                  .yr = y ? CF(y) : NULL,
                  .gamma = CF(gamma), .mean_c = CF(save_mean), .invstd_c = CF(save_invstd),
                  .dx = dx ? F(dx) : NULL, .dgamma = F(dgamma), .dbeta = F(dbeta) };
    run_bn(be, &t);
}

void rsc_cpu_install_bn(rsc_backend *be)
{
    be->bn_fwd_train = cpu_bn_fwd_train;
    be->bn_fwd_eval = cpu_bn_fwd_eval;
    be->bn_bwd = cpu_bn_bwd;
}
