/* simulation.h - a finite-sample check of Theorem 1 (theory.h): sample the
 * training distribution, fit ridge regression, score on fresh draws. */
#ifndef RSC_THEORY_SIMULATION_H
#define RSC_THEORY_SIMULATION_H

#include <stdint.h>

#include "base/error.h"
#include "theory/theory.h"

/* Finite-sample simulation: draw n_train examples from D_train in
 * dimension dim (x_inv spread evenly over the first dim - dim/2
 * coordinates, x_sp over the last dim/2), fit ridge regression with the
 * paper's loss by a Cholesky solve of the (dim+1)x(dim+1) normal
 * equations, and evaluate on test_size fresh draws from D_ctest and from
 * D_stest.  Repeated trials times; mean and standard error (sd/sqrt(T),
 * NaN for one trial).  The generator is rsc_rng_derive(seed, RSC_RNG_SIM),
 * restarted for every call, so each parameter point sees the same stream. */
typedef struct rsc_theory_sim_opts {
    long n_train;    /* >= 2 */
    long dim;        /* >= 2 */
    long trials;     /* >= 1 */
    long test_size;  /* >= 1 */
    uint64_t seed;
} rsc_theory_sim_opts;

typedef struct rsc_theory_stat {
    double mean, se;
} rsc_theory_stat;

typedef struct rsc_theory_sim_result {
    rsc_theory_stat clean_acc, spurious_acc, pd;
    /* the fitted weights projected on the model's directions:
     * a = beta_inv.x_inv / ||x_inv||^2, b = beta_sp.x_sp / ||x_sp||^2 */
    rsc_theory_stat a, b, beta0;
} rsc_theory_sim_result;

int rsc_theory_simulate(const rsc_theory_params *p, const rsc_theory_sim_opts *o,
                        rsc_theory_sim_result *r, rsc_error *err);

#endif
