/* experiment.h - rsc-mia's experiments: models run on the datasets they
 * were trained on, the attack (the paper's shadow-model attack, or LiRA)
 * fitted and applied to a target model, and what is reported: the attack's
 * metrics as one row per target model, per-example scores, the ROC curve;
 * and the attack fitted on a feature table made elsewhere (rsc-mia fit).
 *
 * Members and non-members of a model: the rows of its dataset's training
 * split that it trained on (the first `limit` rows when the model records
 * one, less its `train/excluded` rows; rsc-train --limit/--exclude) are
 * members, every test row a non-member; training rows it did not train on
 * are left out.  The spurious examples are the members listed in the
 * dataset's spurious.index. */
#ifndef RSC_MIA_EXPERIMENT_H
#define RSC_MIA_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "format/rsct.h"
#include "format/table.h"
#include "mia/attack.h"
#include "mia/roc.h"

enum {
    RSC_MIA_SHADOW = 1,        /* the paper's attack: logistic regression on shadow features */
    RSC_MIA_LIRA_ONLINE = 2,   /* LiRA with "in" and "out" shadows */
    RSC_MIA_LIRA_OFFLINE = 3,  /* LiRA with "out" shadows only */
};

/* "shadow", "lira", "lira-offline" <-> the enum (0 if unknown). */
int rsc_mia_attack_parse(const char *s);
const char *rsc_mia_attack_name(int attack);
/* A comma list of logits, correct, softmax, loss -> RSC_MIA_FEAT_* set;
 * 0 with a message naming the bad word. */
unsigned rsc_mia_features_parse(const char *list, rsc_error *err);
/* The set as such a list, into buf. */
void rsc_mia_features_format(unsigned set, char *buf, size_t size);

typedef struct rsc_mia_opts {
    int attack;            /* RSC_MIA_* */
    unsigned features;     /* RSC_MIA_FEAT_* (shadow attack) */
    int lira_var;          /* RSC_LIRA_VAR_* */
    const char *device;    /* NULL: auto */
    int threads;           /* 0: all cores */
} rsc_mia_opts;

/* A model file and the dataset it was trained on, as given. */
typedef struct rsc_mia_pair {
    const char *model, *data;
} rsc_mia_pair;

/* The fitted attack of an experiment. */
typedef struct rsc_mia_fitted {
    int attack, nshadows;
    unsigned features;
    rsc_mia_attack lr;         /* RSC_MIA_SHADOW */
    size_t n_attack_train;     /* its training rows */
    /* LiRA: the target dataset the shadows were run on, their phi and
     * in-flags on its rows (nshadows x rows, the target dataset's train
     * rows then its test rows) */
    size_t rows;
    double *phi;
    uint8_t *in;
    char *lira_data;
    int lira_var;
} rsc_mia_fitted;

/* Fit the attack on K shadows (shadows[0..K)).  Shadow attack: each
 * shadow's features on its members (label 1) and non-members (label 0)
 * pooled as the attack training set, then rsc_mia_attack_fit with the
 * paper's grid and folds.  LiRA: every shadow run on the rows of
 * lira_data (the target's dataset, an rsc-inject --mia-split lira part;
 * it and every shadow's dataset must come from the same pool and split
 * seed), with its in-flags from its dataset's mia.train_rows.  Errors
 * name the file: a model whose classes or input do not match its dataset,
 * a model trained on another split or on a training split of another
 * size, a dataset that is not a split of the expected kind. */
int rsc_mia_fit_shadows(rsc_mia_fitted *f, const rsc_mia_pair *shadows, int K, const char *lira_data,
                        const rsc_mia_opts *o, rsc_error *err);
void rsc_mia_fitted_free(rsc_mia_fitted *f);

/* One target model attacked: its examples and their scores. */
typedef struct rsc_mia_eval {
    size_t n;
    int64_t *index;        /* the pooled row of each (mia.*_rows), else train row i, test row Ntr + i */
    uint8_t *member, *spurious;
    double *score;         /* NaN: the attack could not score it (LiRA) */
    double threshold;      /* the attack's decision: member iff score > threshold */
    size_t n_unscored;
    /* results over the scored examples */
    rsc_mia_metrics m;
    size_t n_spurious;
    double acc_spurious;               /* spurious examples called members */
    double tpr_1pct, tpr_01pct;        /* TPR at 1% and 0.1% FPR (all non-members) */
    double tpr_01pct_spurious;         /* the spurious examples' TPR at the 0.1% threshold */
    rsc_roc roc;
    /* The score of every training row, trained on or not (those left
     * out above included: rsc-delete's deleted examples), in the
     * order of the dataset's training split; NaN where unscored. */
    size_t n_train;
    double *train_score;
} rsc_mia_eval;

/* Run the target model (its file already read: model, named fname) on
 * its dataset (data), score its examples with f and evaluate.  The LiRA
 * attacks need data to be the dataset the shadows were run on. */
int rsc_mia_attack_target(const rsc_mia_fitted *f, const rsc_file *model, const char *fname,
                          const char *data, const rsc_mia_opts *o, rsc_mia_eval *ev, rsc_error *err);
/* The same on a dataset already open (ds, named data in messages and
 * for LiRA's check). */
int rsc_mia_attack_target_ds(const rsc_mia_fitted *f, const rsc_file *model, const char *fname,
                             const rsc_file *ds, const char *data, const rsc_mia_opts *o, rsc_mia_eval *ev,
                             rsc_error *err);
void rsc_mia_eval_free(rsc_mia_eval *ev);

/* rsc-mia fit: the attack on a feature table t (columns f1 .. fk, member
 * (0/1), set (train/test); other columns are ignored): fitted on the
 * `train` rows as rsc_mia_attack_fit with the paper's grid and folds,
 * test_acc its accuracy on the `test` rows (NaN without any).  Errors
 * name the table's file and line: a missing column, a bad cell, and the
 * fit's (a constant feature, a single class). */
typedef struct rsc_mia_table_fit {
    int d;
    size_t n_train, n_test;
    double test_acc;
    rsc_mia_attack a;
} rsc_mia_table_fit;
int rsc_mia_fit_table(const rsc_table *t, rsc_mia_table_fit *r, rsc_error *err);

#endif
