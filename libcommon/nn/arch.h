/* arch.h - the architectures by name (doc/paper-facts.md, Table 2) and their
 * initialisation. */
#ifndef RSC_ARCH_H
#define RSC_ARCH_H

#include <stdint.h>

#include "nn/net.h"

/* Names of the architectures this build knows, NULL-terminated. */
extern const char *const rsc_arch_names[];

/* 1 when name is a known architecture. */
int rsc_arch_known(const char *name);

/* One line describing the architecture (for --help and --describe). */
const char *rsc_arch_summary(const char *name);

/* Add the layers of architecture `name` to an empty network (whose input
 * shape is set) for `classes` outputs, and finalise it.  Errors: unknown
 * name, an input the architecture cannot take. */
int rsc_arch_build(rsc_net *net, const char *name, int classes, rsc_error *err);

/* Initialise the parameters as the reference code does, drawing from
 * rsc_rng_derive(train_seed, RSC_RNG_INIT) in declaration order (each
 * tensor row-major).  MLPs and linear: PyTorch's default Linear init,
 * weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), computed as
 * bound * (2u - 1) with u = rand() (53-bit double) rounded to float. */
int rsc_arch_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err);

#endif
