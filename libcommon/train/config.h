/* config.h - a training run's configuration from its options (the
 * defaults, or the model being resumed, then what the command line
 * gave), and the model file the run writes at its end and as checkpoints. */
#ifndef RSC_TRAIN_CONFIG_H
#define RSC_TRAIN_CONFIG_H

#include "base/error.h"
#include "format/rsct.h"
#include "train/train.h"

/* Options as given: each field's "not given" value keeps the default (a
 * new run) or the resumed model's value. */
typedef struct rsc_train_opts {
    const char *arch;           /* NULL */
    const char *optimizer;      /* NULL; "adam" or "sgd" */
    double lr, momentum, weight_decay, gamma, clip_value, clip_norm, input_noise;   /* NaN */
    const char *augment;        /* NULL; "none" or "crop-flip" */
    long batch_size, epochs;    /* 0 */
    const char *milestones;     /* NULL: the reference's table by epochs (a new run), kept
                                   (a resumed one; none after a new --lr) */
    long long seed;             /* -1 */
    long threads;               /* -1: the resumed model's count, else all cores;
                                   0: all cores */
} rsc_train_opts;

/* All fields "not given". */
void rsc_train_opts_init(rsc_train_opts *o);

/* Returned by rsc_train_configure when an option contradicts the resumed
 * model (a usage error: another --arch or --seed, --epochs not above the
 * epochs done, bad --milestones). */
#define RSC_TRAIN_CONFLICT (-2)

/* The configuration of a run: the defaults (rsc_train_cfg_defaults and
 * the reference's milestones) when resumed is NULL, else the resumed
 * model's (resumed_name names it in messages); then the options.
 * cfg->threads is the count to open the backend with (0: all cores).
 * Returns 0, -1 (the resumed model is not a readable model), or
 * RSC_TRAIN_CONFLICT, each with a message. */
int rsc_train_configure(rsc_train_cfg *cfg, const rsc_train_opts *o, const rsc_file *resumed,
                        const char *resumed_name, rsc_error *err);

/* The model file of a run: kind=model stamped by `creator`, the dataset's
 * provenance (keys name, pattern, target, count, seed; tensors
 * spurious.pattern and spurious.index) and the whole training state
 * (rsc_trainer_save). */
rsc_file *rsc_train_model_file(rsc_trainer *tr, const rsc_file *ds, const char *creator,
                               rsc_error *err);

#endif
