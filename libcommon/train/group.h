/* group.h - many models in one process: the (dataset, training seed)
 * jobs of one rsc-train call, their output names, and the lockstep
 * trainer that advances several models of the same configuration
 * together as batched work on one backend.
 *
 * Every model of a group is the model its own rsc-train call would make
 * (same metadata, seeds, shuffling and schedule).  On the CPU backend the
 * jobs run one after another with the ordinary trainer, so the files are
 * the separate calls' bytes.  Where the lockstep trainer applies (an MLP
 * or the linear model, no global-norm clipping, no augmentation: see
 * rsc_train_group_fits), the K models' layers run as strided batched
 * work (the backend's *_batched operations): one GEMM for a layer of all
 * models, one launch for their elementwise work and one optimiser step
 * over all their parameters.  Each model keeps its own trainer (its
 * shuffle, noise and dropout streams, history and exclusions); the group
 * copies the parameters and optimiser state between the trainers and the
 * stacked network (nn/stack.h).  The datasets share one resident copy of
 * the unaltered images: they differ only in their substituted rows. */
#ifndef RSC_TRAIN_GROUP_H
#define RSC_TRAIN_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "kernels/backend.h"
#include "format/rsct.h"
#include "train/train.h"

/* --seeds LIST: comma-separated seeds and inclusive ranges A-B
 * ("0-4", "1,3,5", "0-2,10"), each in [0, 2^53], at most max_n in all.
 * *out is malloc'ed; returns the count, or -1 with a message naming
 * `opt` (empty item, not a number, a descending range, too many). */
long rsc_seed_list_parse(const char *opt, const char *s, size_t max_n, uint64_t **out,
                         rsc_error *err);

/* The output name of the model of dataset `data` (a path, a name or "-")
 * trained with `seed`, from the template of -o: "{data}" becomes the
 * dataset's base name without its folder and a ".rsct" suffix ("stdin"
 * for "-"), "{seed}" the seed; a template ending in '/' is the folder
 * "DIR/{data}-s{seed}.rsct".  malloc'ed; NULL with a message on an
 * unknown "{...}" field. */
char *rsc_output_name_expand(const char *tmpl, const char *data, uint64_t seed, rsc_error *err);

/* 1 when datasets a and b hold the same training and test images and
 * labels (the tensors train.x, train.y, test.x, test.y: type, shape and
 * bytes), so that their models can share one resident copy
 * (rsc_trainer_set_data_shared); they may differ in their substituted
 * rows (spurious.*). */
int rsc_train_group_same_images(const rsc_file *a, const rsc_file *b);
/* Free a dataset's images once they are on the backend (train.x, train.y,
 * test.x, test.y, spurious.x), keeping what a model file copies from it
 * (its keys, spurious.index, spurious.pattern). */
void rsc_train_group_drop_images(rsc_file *ds);

/* 1 when the lockstep trainer can train models of configuration cfg on
 * backend be as batched work: an MLP or the linear model, no global-norm
 * clipping, no augmentation, and a backend with the batched operations
 * that does not split batches across replicas (one thread on the CPU:
 * with more, the single runs split each batch into replicas, and the
 * lockstep results would not be their bytes). */
int rsc_train_group_fits(const rsc_train_cfg *cfg, const rsc_backend *be);

typedef struct rsc_train_group rsc_train_group;

/* A lockstep group over trainers t[0..k) (not owned; same backend and
 * configuration except the seed, data set, same number of examples per
 * epoch, same epochs done; rsc_train_group_fits true).  The trainers'
 * current parameters and optimiser state are copied in. */
rsc_train_group *rsc_train_group_new(rsc_trainer *const *t, int k, rsc_error *err);
void rsc_train_group_free(rsc_train_group *g);
/* 1 when the group advances in lockstep, 0 when it trains its models in
 * turn (they do not share their images, examples per epoch or epoch, or
 * the configuration does not fit). */
int rsc_train_group_lockstep(const rsc_train_group *g);

/* One epoch of every model (the next one).  st: k entries.  Returns 0, a
 * signal number (> 0) when stopped by a signal in graceful mode (the
 * epoch is abandoned: each trainer keeps its state of the last completed
 * epoch), or -1 on error.  The trainers' parameters and optimiser state
 * are up to date after every completed epoch. */
int rsc_train_group_epoch(rsc_train_group *g, rsc_train_progress cb, void *ud,
                          rsc_epoch_stats *st, rsc_error *err);

#endif
