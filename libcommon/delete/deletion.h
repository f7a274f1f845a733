/* deletion.h - deleting training examples from a trained model
 * (doc/paper-facts.md, "Data deletion"; rsc-delete(1)):
 *   retrain    continue training from the model's own state (parameters,
 *              optimiser, random streams) on the data without the deleted
 *              examples for E more epochs at a constant rate (default: the
 *              last rate of the model's schedule);
 *   influence  one first-order group-influence step (influence.h);
 *   exact      train from scratch with the model's recipe and seed,
 *              without the deleted examples (what rsc-train
 *              --exclude gives): the reference the others approximate.
 * The result is a model file like rsc-train's, with the deletion in its
 * metadata: keys deletion (the method), deleted (their count) and the
 * method's settings, tensor deletion/index (the indices, as given). */
#ifndef RSC_DELETE_DELETION_H
#define RSC_DELETE_DELETION_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "delete/influence.h"
#include "format/rsct.h"
#include "train/train.h"

enum rsc_delete_method { RSC_DELETE_RETRAIN = 1, RSC_DELETE_INFLUENCE = 2, RSC_DELETE_EXACT = 3 };
enum rsc_delete_solver { RSC_SOLVER_LISSA = 0, RSC_SOLVER_EXACT = 1 };

/* "retrain", "influence", "exact" (-1: none of them); and back. */
int rsc_delete_method_parse(const char *s);
const char *rsc_delete_method_name(int method);

typedef struct rsc_delete_cfg {
    int method;                /* enum rsc_delete_method */
    int epochs;                /* retrain: more epochs (default 70; 0: the model as it is) */
    double lr;                 /* retrain: NaN = the model's last scheduled rate */
    int threads;               /* -1: the model's recorded count; 0: all cores */
    const char *device;        /* NULL: auto */
    int solver;                /* influence: enum rsc_delete_solver */
    rsc_lissa_opts lissa;      /* influence; lissa.weight_decay is set from the model */
    int hvp_mode;              /* influence: RSC_HVP_EXACT, RSC_HVP_FD, or -1 (default):
                                * exact when every layer has its R-operator */
    double hvp_step;           /* influence: the central difference's relative step
                                * (default RSC_HVP_STEP) */
} rsc_delete_cfg;

/* Defaults: retrain, 70 epochs, the model's rate, the model's threads,
 * LiSSA with rsc_lissa_defaults(dataset, m). */
void rsc_delete_cfg_defaults(rsc_delete_cfg *c, const char *dataset, size_t m);

/* A model file the method can start from: kind=model, and for retrain
 * its optimiser state (tensor opt/step). */
int rsc_delete_check_model(int method, const rsc_file *model, const char *mname, rsc_error *err);

/* The model's dataset: data when given (a name or path), else the dataset
 * the model names (its `name` key), injected again with its pattern,
 * target, count and seed when it records an injection.  *label names it
 * in messages. */
rsc_file *rsc_delete_open_data(const rsc_file *model, const char *mname, const char *data,
                               unsigned flags, const char **label, rsc_error *err);

/* A model and a dataset belong together: the dataset keys the model
 * copied (name, pattern, target, count, seed), the spurious.index tensor
 * and the training-set size (train_size) agree.  Error names both files
 * and the first difference. */
int rsc_delete_check_pair(const rsc_file *model, const char *mname, const rsc_file *ds,
                          const char *dname, rsc_error *err);

typedef struct rsc_deletion rsc_deletion;

/* Prepare a deletion of the m training examples idx (checked: in range,
 * distinct) from model (mname in messages) trained on ds.  resume: a
 * checkpoint of the same deletion to continue (retrain, exact), or NULL.
 * Opens the backend, builds the trainer and uploads the data.  model, ds
 * and resume must outlive the deletion. */
rsc_deletion *rsc_deletion_new(const rsc_delete_cfg *cfg, const rsc_file *model,
                               const char *mname, const rsc_file *ds, const int64_t *idx,
                               size_t m, const rsc_file *resume, const char *rname,
                               rsc_error *err);
void rsc_deletion_free(rsc_deletion *d);

/* Retrain and exact: the epochs done and the target total; one epoch at a
 * time (as rsc_trainer_epoch: 0, a signal number, or -1). */
int rsc_deletion_epochs_done(const rsc_deletion *d);
int rsc_deletion_epochs_total(const rsc_deletion *d);
int rsc_deletion_epoch(rsc_deletion *d, rsc_train_progress cb, void *ud, rsc_epoch_stats *st,
                       rsc_error *err);
/* After rsc_deletion_influence: 1 when the Hessian-vector products were
 * central differences (a convolutional model), with their counts:
 * products, one-sided (a kink crossed), unchecked (kinks on both sides;
 * rsc_hvp_fd_counts); 0 for the exact R-operator. */
int rsc_deletion_hvp_counts(const rsc_deletion *d, long counts[3]);
rsc_trainer *rsc_deletion_trainer(rsc_deletion *d);

/* Influence: the update of the parameters (LiSSA or the exact solve). */
int rsc_deletion_influence(rsc_deletion *d, rsc_error *err);

/* The model file of the current state (also a checkpoint), stamped by
 * creator. */
rsc_file *rsc_deletion_model_file(rsc_deletion *d, const char *creator, rsc_error *err);

#endif
