/* optim.h - optimisers with PyTorch's update rules (Adam, SGD with
 * momentum; weight decay as an L2 term added to the gradient) and the
 * reference's multi-step learning-rate schedule. */
#ifndef RSC_OPTIM_H
#define RSC_OPTIM_H

#include <stddef.h>

#include "kernels/backend.h"
#include "base/error.h"

enum rsc_optim_type { RSC_OPTIM_ADAM = 1, RSC_OPTIM_SGD = 2 };

#define RSC_MAX_MILESTONES 32

typedef struct rsc_optim_cfg {
    int type;                        /* enum rsc_optim_type */
    double lr;                       /* base learning rate */
    double momentum;                 /* SGD momentum (0 = plain SGD) */
    double weight_decay;
    double beta1, beta2, eps;        /* Adam: 0.9, 0.999, 1e-8 */
    int nmilestones;
    int milestones[RSC_MAX_MILESTONES];   /* epochs (0-based counts), ascending */
    double gamma;                    /* lr factor at each milestone */
} rsc_optim_cfg;

/* Defaults: Adam lr 0.01 (the reference recipe), momentum 0.9, betas
 * (0.9, 0.999), eps 1e-8, no weight decay, gamma 0.1, no milestones. */
void rsc_optim_cfg_defaults(rsc_optim_cfg *c);

/* Parse "adam"/"sgd" (-1 if neither); the name of a type. */
int rsc_optim_type_parse(const char *s);
const char *rsc_optim_type_name(int type);

/* The reference's milestone table by total epochs (doc/paper-facts.md):
 * <=30: 15,25; <=40: 20,30; <=50: 25,40; <=60: 30,50; <=70: 40,50,60;
 * <=80: 40,60,70; <=120: 50,90,110; <=140: 60,100,120;
 * <=160: 40,80,120,140; <=200: 80,140,180; otherwise 60,120.
 * Fills c->milestones. */
void rsc_optim_default_milestones(rsc_optim_cfg *c, int total_epochs);

/* MultiStepLR: the learning rate during epoch e (0-based):
 * lr * gamma^(number of milestones <= e). */
double rsc_optim_lr_at(const rsc_optim_cfg *c, int epoch);

/* Format the milestones as "40,50,60" ("" for none). */
void rsc_optim_milestones_str(const rsc_optim_cfg *c, char *buf, size_t size);
/* Parse "40,50,60" (or "" / "none" for none): ascending non-negative
 * integers.  Returns 0 or -1 with a message. */
int rsc_optim_milestones_parse(rsc_optim_cfg *c, const char *s, rsc_error *err);

typedef struct rsc_optim {
    rsc_optim_cfg cfg;
    rsc_backend *be;                 /* not owned */
    size_t n;                        /* parameters */
    rsc_buf *m, *v;                  /* Adam moments; SGD: m = momentum buffer */
    long step;                       /* updates done so far */
} rsc_optim;

rsc_optim *rsc_optim_new(rsc_backend *be, size_t n, const rsc_optim_cfg *cfg, rsc_error *err);
void rsc_optim_free(rsc_optim *o);

/* One update of the n parameters P with gradients G at learning rate lr. */
void rsc_optim_step(rsc_optim *o, rsc_buf *P, const rsc_buf *G, double lr);
/* The same in pieces, for updates split by ranges across threads: count
 * the step once, then apply it to each range with views of P, G and the
 * state buffers (m, v: NULL where the optimiser has none) on backend be. */
void rsc_optim_begin_step(rsc_optim *o);
void rsc_optim_apply(const rsc_optim *o, rsc_backend *be, rsc_buf *P, const rsc_buf *G, rsc_buf *m,
                     rsc_buf *v, size_t n, double lr);

/* State buffers for model files: the names ("exp_avg", "exp_avg_sq" for
 * Adam; "momentum_buffer" for SGD with momentum), their count (0-2). */
int rsc_optim_state_count(const rsc_optim *o);
const char *rsc_optim_state_name(const rsc_optim *o, int i);
rsc_buf *rsc_optim_state_buf(rsc_optim *o, int i);

#endif
