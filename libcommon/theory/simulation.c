/* simulation.c - finite-sample check of Theorem 1: sample D_train, fit
 * ridge regression by its normal equations, score on fresh test draws. */
#include "config.h"

#include "theory/simulation.h"
#include "theory/cholesky.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The geometry of one simulation: coordinates [0, d_inv) hold X_inv,
 * [d_inv, dim) hold X_sp; x_inv and x_sp are spread evenly over them. */
typedef struct sim_geom {
    int dim, d_inv;
    double xi, xs;           /* per-coordinate value of x_inv, x_sp */
    double sd_inv, sd_sp;    /* noise standard deviations */
} sim_geom;

/* One input: invariant mean sign*x_inv, spurious part present or not. */
static void draw_x(rsc_rng *rng, const sim_geom *g, double sign, int spurious, double *x)
{
    for (int j = 0; j < g->d_inv; j++)
        x[j] = sign * g->xi + g->sd_inv * rsc_rng_normal(rng);
    for (int j = g->d_inv; j < g->dim; j++)
        x[j] = (spurious ? g->xs : 0.0) + g->sd_sp * rsc_rng_normal(rng);
}

static double score(const double *theta, const double *x, int dim)
{
    double h = theta[dim];
    for (int j = 0; j < dim; j++)
        h += theta[j] * x[j];
    return h;
}

static rsc_theory_stat stat_of(const double *v, long n)
{
    rsc_theory_stat s;
    double m = 0, ss = 0;
    for (long i = 0; i < n; i++)
        m += v[i];
    m /= (double)n;
    for (long i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    s.mean = m;
    s.se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : NAN;
    return s;
}

int rsc_theory_simulate(const rsc_theory_params *p, const rsc_theory_sim_opts *o,
                        rsc_theory_sim_result *r, rsc_error *err)
{
    if (rsc_theory_check(p, err) != 0)
        return -1;
    if (o->n_train < 2 || o->dim < 2 || o->dim > 100000 || o->trials < 1 || o->test_size < 1)
        return rsc_fail(err, "simulation: need N >= 2, 2 <= dim <= 100000, trials >= 1, test size >= 1");
    int dim = (int)o->dim, n = dim + 1;
    sim_geom tr, te;
    tr.dim = te.dim = dim;
    tr.d_inv = te.d_inv = dim - dim / 2;
    tr.xi = te.xi = sqrt(p->inv_norm2 / tr.d_inv);
    tr.xs = te.xs = sqrt(p->sp_norm2 / (dim - tr.d_inv));
    tr.sd_inv = sqrt(p->var_inv + p->noise_var);
    tr.sd_sp = sqrt(p->var_sp + p->noise_var);
    te.sd_inv = sqrt(p->var_inv + (p->noise_train_only ? 0 : p->noise_var));
    te.sd_sp = sqrt(p->var_sp + (p->noise_train_only ? 0 : p->noise_var));

    size_t nn = (size_t)n * (size_t)n;
    double *G = rsc_malloc(nn, sizeof *G, err);
    double *rhs = rsc_malloc((size_t)n, sizeof *rhs, err);
    double *z = rsc_malloc((size_t)n, sizeof *z, err);
    double *vals = rsc_malloc((size_t)o->trials * 6, sizeof *vals, err);
    int rc = -1;
    if (!G || !rhs || !z || !vals)
        goto out;

    rsc_rng rng;
    rsc_rng_derive(&rng, o->seed, RSC_RNG_SIM);
    double *v_clean = vals, *v_sp = vals + o->trials, *v_pd = vals + 2 * o->trials;
    double *v_a = vals + 3 * o->trials, *v_b = vals + 4 * o->trials, *v_b0 = vals + 5 * o->trials;
    for (long t = 0; t < o->trials; t++) {
        memset(G, 0, nn * sizeof *G);
        memset(rhs, 0, (size_t)n * sizeof *rhs);
        z[dim] = 1.0;
        for (long i = 0; i < o->n_train; i++) {
            double y = rsc_rng_double(&rng) < 0.5 ? -1.0 : 1.0;
            int spurious = y > 0 && rsc_rng_double(&rng) < p->gamma;
            draw_x(&rng, &tr, y, spurious, z);
            for (int k = 0; k < n; k++) {      /* lower triangle of Z^T Z */
                double zk = z[k];
                double *Gk = G + (size_t)k * n;
                for (int l = 0; l <= k; l++)
                    Gk[l] += zk * z[l];
                rhs[k] += y * zk;
            }
        }
        /* (Z^T Z / N + lambda diag(1..1, 0)) theta = Z^T y / N: the
         * empirical version of the paper's loss, bias unregularised. */
        double invN = 1.0 / (double)o->n_train;
        for (int k = 0; k < n; k++) {
            for (int l = 0; l <= k; l++)
                G[(size_t)k * n + l] *= invN;
            rhs[k] *= invN;
        }
        for (int k = 0; k < dim; k++)
            G[(size_t)k * n + k] += p->lambda;
        rsc_error cerr;
        if (rsc_cholesky_solve(G, rhs, n, &cerr) != 0) {
            rsc_fail(err, "simulation (gamma %g, lambda %g, N %ld, dim %d): normal equations: %s; "
                     "lambda > 0, N > dim and positive variances make them solvable",
                     p->gamma, p->lambda, o->n_train, dim, cerr.msg);
            goto out;
        }
        const double *theta = rhs;

        long ok_clean = 0, ok_sp = 0;
        for (long i = 0; i < o->test_size; i++) {
            double y = rsc_rng_double(&rng) < 0.5 ? -1.0 : 1.0;
            draw_x(&rng, &te, y, 0, z);
            ok_clean += score(theta, z, dim) * y > 0;
        }
        for (long i = 0; i < o->test_size; i++) {
            draw_x(&rng, &te, -1.0, 1, z);
            ok_sp += score(theta, z, dim) < 0;
        }
        double pa = 0, pb = 0;
        for (int j = 0; j < tr.d_inv; j++)
            pa += theta[j] * tr.xi;
        for (int j = tr.d_inv; j < dim; j++)
            pb += theta[j] * tr.xs;
        v_clean[t] = (double)ok_clean / (double)o->test_size;
        v_sp[t] = (double)ok_sp / (double)o->test_size;
        v_pd[t] = pb;                       /* h(x, x_sp) - h(x, 0) = beta_sp.x_sp */
        v_a[t] = pa / p->inv_norm2;
        v_b[t] = pb / p->sp_norm2;
        v_b0[t] = theta[dim];
    }
    r->clean_acc = stat_of(v_clean, o->trials);
    r->spurious_acc = stat_of(v_sp, o->trials);
    r->pd = stat_of(v_pd, o->trials);
    r->a = stat_of(v_a, o->trials);
    r->b = stat_of(v_b, o->trials);
    r->beta0 = stat_of(v_b0, o->trials);
    rc = 0;
out:
    free(G);
    free(rhs);
    free(z);
    free(vals);
    return rc;
}
