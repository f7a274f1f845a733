/* mia_split.h - the datasets of the membership-inference experiments: a
 * clean dataset's training and test images pooled and split, for a seed,
 * into ordinary datasets (train = members, test = non-members) that
 * rsc-train and rsc-score take as they are.
 *
 * The pool is the training rows 0..Ntr-1 followed by the test rows
 * (pooled row Ntr + j is test row j); P = RandomState(split_seed)
 * .permutation(N), N = Ntr + Nte.  The parts split P's first M rows (M =
 * `used`, at most N; 0 means N: smaller experiments).
 *
 * Four-way split (the paper's App. B.2), q = M / 4 (rounded down; the
 * rest of P is used by no part):
 *   target:   train = P[0, q),  test = P[q, 2q)    (the pattern goes here)
 *   shadow 1: train = P[2q, 3q), test = P[3q, 4q)
 *   shadow k (k >= 2): the shadow pool P[2q, 4q) reordered by
 *             RandomState([split_seed, k]).permutation(2q) (NumPy's array
 *             seed), train = its first q rows, test = the other q.
 * LiRA half-splits (Carlini et al. 2022), h = M / 2:
 *   target:   train = P[0, h), test = P[h, M)
 *   shadow k (k >= 1): the pool P[0, M) reordered by
 *             Q = RandomState([split_seed, k]).permutation(M),
 *             train = P[Q[0, h)], test = P[Q[h, M)].
 * Every part's train and test together cover its pool, so a model of the
 * family can be evaluated on every pooled row through any part.  In the
 * LiRA family the spurious rows (chosen in the target's training split as
 * rsc_dataset_inject chooses) are injected into every part that trains on
 * them, so that the shadows that had a spurious example "in" saw it with
 * the pattern.
 *
 * Each part records the keys mia_split (four-way | lira), mia_part
 * (target | shadow), mia_shadow (k; 0 for the target), mia_split_seed,
 * mia_pool (N) and mia_pool_train (Ntr), and the tensors mia.train_rows
 * and mia.test_rows (i64: the pooled row of each training and test
 * example, in the dataset's order). */
#ifndef RSC_MIA_SPLIT_H
#define RSC_MIA_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/patterns.h"
#include "format/rsct.h"

enum { RSC_MIA_FOUR_WAY = 1, RSC_MIA_LIRA = 2 };

/* The pooled rows of one part of the split of used (0: all) of n_pool
 * rows: shadow 0 is the target, k >= 1 shadow k.  *train and *test are
 * malloc'ed (the caller frees).  Fails on a pool of fewer than 4 rows,
 * used > n_pool or a negative shadow. */
int rsc_mia_split_rows(size_t n_pool, size_t used, int split, uint32_t split_seed, int shadow,
                       int64_t **train, size_t *ntrain, int64_t **test, size_t *ntest, rsc_error *err);

/* The injection of a part (p NULL: none).  The four-way target gets p in
 * count examples of class target chosen by RandomState(seed) among its
 * training rows; four-way shadows never get it; in the LiRA family every
 * part holding one of the target's chosen rows in its training split gets
 * p there. */
typedef struct rsc_mia_inject {
    const rsc_pattern *p;
    long target, count;
    uint32_t seed;
} rsc_mia_inject;

/* The dataset of one part made from a clean dataset src (not injected:
 * an error otherwise) and used (0: all) of its rows, stamped as written by program (rsc_file_stamp),
 * with its keys and tensors (above), src's name,
 * classes and source keys, and the injection.  Returns a new file (the
 * caller frees) or NULL with a message. */
rsc_file *rsc_mia_split_make(const rsc_file *src, size_t used, int split, uint32_t split_seed, int shadow,
                             const rsc_mia_inject *inj, const char *program, rsc_error *err);

/* The parse and name of a split: "four-way" or "lira" (0 if unknown). */
int rsc_mia_split_parse(const char *s);
const char *rsc_mia_split_name(int split);

#endif
