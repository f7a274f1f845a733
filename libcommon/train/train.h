/* train.h - the training loop: data resident on the backend, per-epoch
 * shuffling, input noise, clipping, the optimiser and its schedule,
 * exclusions, history, and the full training state in model files (so that
 * a run stopped after any epoch and resumed gives the same bytes as one
 * that ran through).
 *
 * Randomness: one MT19937 per purpose, rsc_rng_derive(train_seed, P):
 *   RSC_RNG_INIT     parameter initialisation (arch.h)
 *   RSC_RNG_SHUFFLE  each epoch: permutation(number of examples used)
 *   RSC_RNG_NOISE    each batch with --input-noise: one 64-bit seed (two
 *                    u32 draws) for the backend's counter-based normals
 *   RSC_RNG_DROPOUT  each dropout layer and batch: one 64-bit seed
 *   RSC_RNG_AUGMENT  each batch with --augment crop-flip: three draws per
 *                    example (augment.h), before the input noise
 * so that changing one option does not change the others' streams.  The
 * three running streams are saved in the model (rng/shuffle, rng/noise,
 * rng/dropout). */
#ifndef RSC_TRAIN_H
#define RSC_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/backend.h"
#include "data/dataset.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "core/rng.h"
#include "format/rsct.h"

typedef struct rsc_train_cfg {
    char arch[32];
    rsc_optim_cfg optim;
    int batch_size;          /* default 128 */
    int epochs;              /* target total number of epochs */
    double clip_value;       /* clamp each gradient element to [-v, v]; 0 = off */
    double clip_norm;        /* scale gradients to global L2 norm <= v; 0 = off */
    double input_noise;      /* sigma of Gaussian noise added to inputs; 0 = off */
    int augment;             /* enum rsc_augment_kind (augment.h); 0 = none */
    uint64_t train_seed;
    int threads;             /* recorded; the backend's thread count */
} rsc_train_cfg;

/* Defaults of the reference recipe: arch mlp, Adam lr 0.01, batch 128,
 * 70 epochs, no clipping or noise, seed 0.  Milestones are left empty: the
 * caller fills them from the table (rsc_optim_default_milestones) once the
 * epoch count is known. */
void rsc_train_cfg_defaults(rsc_train_cfg *c);

/* Read the configuration recorded in a model file (keys of HACKING.md).
 * fname prefixes messages. */
int rsc_train_cfg_from_model(rsc_train_cfg *c, const rsc_file *m, const char *fname,
                             rsc_error *err);

typedef struct rsc_trainer rsc_trainer;

/* A trainer for inputs of shape `input` and `classes` classes, on backend
 * be (not owned): builds the architecture, initialises it from the seed
 * and creates the optimiser. */
rsc_trainer *rsc_trainer_new(rsc_backend *be, const rsc_train_cfg *cfg, rsc_shape input,
                             int classes, rsc_error *err);
void rsc_trainer_free(rsc_trainer *t);

/* Continue from a model file: parameters, optimiser state (when the
 * optimiser type is unchanged; otherwise the new optimiser starts fresh),
 * RNG streams, history, epochs done, exclusions and the example limit.
 * Checks that arch, input and classes agree with the trainer's. */
int rsc_trainer_load_state(rsc_trainer *t, const rsc_file *m, const char *fname, rsc_error *err);

/* The training data and, when test is not NULL, the test data
 * (data/dataset.h: u8 or f32 images of the trainer's input shape, labels
 * < classes, the training split's substituted rows), copied to the
 * backend as they are: u8 images stay u8 there and become floats, with
 * the substitution, when a batch is gathered.  The caller may free the
 * splits' memory afterwards.  limit > 0 keeps only the first `limit`
 * training examples (0: all).  Fails when a resumed model recorded a
 * different training-set size. */
int rsc_trainer_set_data(rsc_trainer *t, const rsc_split *train, const rsc_split *test,
                         size_t limit, rsc_error *err);

/* Leave out training examples (indices into the full training set,
 * before the limit); adds to the exclusions already recorded.  Errors on
 * an index out of range. Call after set_data. */
int rsc_trainer_exclude(rsc_trainer *t, const int64_t *idx, size_t n, rsc_error *err);

/* Progress callback: examples done in this epoch of `total`, running loss
 * and accuracy. */
typedef void (*rsc_train_progress)(void *ud, int epoch, size_t done, size_t total, double loss,
                                   double acc);

typedef struct rsc_epoch_stats {
    int epoch;               /* 1-based number of the epoch just done */
    double loss, train_acc;  /* means over the examples of the epoch */
    double test_acc;         /* NaN without a test split */
    double lr;
    size_t examples;
    double seconds;
} rsc_epoch_stats;

/* Train one epoch (the next one).  Returns 0 when done, a signal number
 * (> 0) when stopped by SIGINT/SIGTERM/SIGHUP in graceful mode (the epoch
 * is abandoned: the trainer's state is that of the last completed epoch),
 * or -1 on error. */
int rsc_trainer_epoch(rsc_trainer *t, rsc_train_progress cb, void *ud, rsc_epoch_stats *st,
                      rsc_error *err);

/* ---- Many models (train/group.h): the data shared, an epoch in pieces. */

/* set_data with the resident images, labels and test split of owner (a
 * trainer on the same backend whose data are set; it must outlive t):
 * the caller has checked that train's images and labels, and the test
 * split, are owner's bytes.  Only train's substituted rows are t's own. */
int rsc_trainer_set_data_shared(rsc_trainer *t, const rsc_trainer *owner, const rsc_split *train,
                                size_t limit, rsc_error *err);

/* rsc_trainer_epoch is begin, the batches, end.  begin draws the epoch's
 * order (onto the backend) and gives its learning rate; end records the
 * epoch's loss and correct-count sums st and its test accuracy (NaN
 * without a test split), advances the shuffle stream and fills out (when
 * not NULL; t0: the epoch's start, rsc_now()).  end fails on a loss that
 * is not finite. */
int rsc_trainer_epoch_begin(rsc_trainer *t, double *lr, rsc_error *err);
/* begin's host part, the drawing of the order, alone: it touches only t's
 * own memory (no backend call), so that a group draws its trainers'
 * orders on threads at once; the begin that follows uploads it. */
int rsc_trainer_epoch_draw(rsc_trainer *t, rsc_error *err);
int rsc_trainer_epoch_end(rsc_trainer *t, const double st[2], double test_acc, double lr,
                          double t0, rsc_epoch_stats *out, rsc_error *err);

/* What a lockstep trainer reads of a trainer (borrowed pointers). */
typedef struct rsc_trainer_view {
    rsc_net *net;
    rsc_optim *opt;
    const rsc_train_cfg *cfg;
    rsc_rng *noise;                 /* the input-noise stream */
    rsc_buf *x, *y, *tx, *ty;       /* resident data (train.h, set_data) */
    rsc_buf *slot, *sub;            /* the substitution (NULL: none) */
    rsc_buf *order, *ident;         /* this epoch's order; 0, 1, 2, ... */
    int xtype, txtype;              /* enum rsc_gather_type */
    size_t n, tn, row, nused, nsub;
    long batches_done;
} rsc_trainer_view;
void rsc_trainer_get_view(rsc_trainer *t, rsc_trainer_view *v);

int rsc_trainer_epochs_done(const rsc_trainer *t);
size_t rsc_trainer_examples(const rsc_trainer *t);    /* used per epoch */
size_t rsc_trainer_excluded(const rsc_trainer *t);
rsc_net *rsc_trainer_net(rsc_trainer *t);
/* Test-set accuracy of the current parameters (NaN without test data). */
double rsc_trainer_test_acc(rsc_trainer *t, rsc_error *err);

/* Write the whole training state into f: the model keys (arch, input,
 * classes, hyper-parameters, epochs_done, backend), param/..., opt/...,
 * rng/..., history/..., train/excluded.  Provenance keys and `kind`/
 * `creator` are the caller's. */
int rsc_trainer_save(rsc_trainer *t, rsc_file *f, rsc_error *err);

#endif
