/* inject.h - inserting a spurious pattern into training examples of one
 * class, choosing them as the authors' code does. */
#ifndef RSC_INJECT_H
#define RSC_INJECT_H

#include <stdint.h>

#include "base/error.h"
#include "data/patterns.h"
#include "format/rsct.h"

/* Insert pattern p into `count` training examples of class `target`, as
 * the reference does: the indices are
 * RandomState(seed).choice(indices of class target in training order,
 * size=count, replace=False).  train.x stays untouched; adds spurious.index
 * (i64 [count], in drawing order), spurious.pattern (f32 [C,H,W], or f64:
 * rsc_pattern_to_tensor) and
 * spurious.x (f32 [count,C,H,W], Phi of the original rows) and the keys
 * pattern (p->name), target, count, seed.  count 0 records all of that
 * with empty tensors.  Errors: an already injected dataset, target out of
 * range, count larger than the class, a pattern of another shape. */
int rsc_dataset_inject(rsc_file *ds, const rsc_pattern *p, long target, long count, uint32_t seed,
                       rsc_error *err);

/* The reference's choice alone: RandomState(seed).choice(indices i of
 * labels[0..n) with labels[i] == target, size=count, replace=False) into
 * rows[0..count), in drawing order.  Fails when count exceeds the class. */
int rsc_inject_choose(const int32_t *labels, size_t n, long target, long count, uint32_t seed,
                      int64_t *rows, rsc_error *err);

/* rsc_dataset_inject at given training rows (rows[0..count), distinct,
 * each of class target; recorded in that order) instead of drawn ones;
 * seed is only recorded (it drew the pattern, or the rows elsewhere: the
 * membership-inference splits choose the rows in one dataset and inject
 * them into the others that hold them).  Same errors, and a row that is
 * not a training example of class target. */
int rsc_dataset_inject_rows(rsc_file *ds, const rsc_pattern *p, long target, const int64_t *rows,
                            long count, uint32_t seed, rsc_error *err);

#endif
