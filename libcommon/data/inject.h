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

#endif
