/* arch.h - the architectures by name (doc/paper-facts.md, Table 2): one table of
 * name, summary, the input each was designed for, and how to build and
 * initialise it.  The MLPs and the linear model live in arch.c, the
 * convolutional models in arch_conv.c; --help, --describe and error
 * messages are written from the table. */
#ifndef RSC_ARCH_H
#define RSC_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"

typedef struct rsc_arch rsc_arch;
struct rsc_arch {
    const char *name;
    const char *summary;      /* one line, for --help and --describe */
    rsc_shape input;          /* the input of Table 2's parameter counts */
    /* Add the layers to an empty network for `classes` outputs (not
     * finalised, so that a parameter count needs no memory). */
    int (*add)(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err);
    /* Initialise the parameters (and running statistics) of a finalised
     * network from rsc_rng_derive(train_seed, RSC_RNG_INIT). */
    int (*init)(rsc_net *net, const rsc_arch *a, uint64_t train_seed, rsc_error *err);
    int width[4];             /* MLPs: hidden widths, 0-terminated; ResNets: blocks per stage */
};

/* Every architecture, in the paper's order; the last entry's name is NULL. */
extern const rsc_arch rsc_archs[];

/* The entry of name, or NULL. */
const rsc_arch *rsc_arch_find(const char *name);
/* Like rsc_arch_find, but an unknown name is an error "unknown architecture
 * 'X' (linear, mlp-small, ...)". */
const rsc_arch *rsc_arch_need(const char *name, rsc_error *err);
/* The names joined by ", " ("..." when size is too small). */
void rsc_arch_list(char *buf, size_t size);

/* 1 when name is a known architecture. */
int rsc_arch_known(const char *name);
/* The summary line of a known architecture, NULL for another name. */
const char *rsc_arch_summary(const char *name);

/* Add the layers of architecture `name` to an empty network whose input
 * shape is set (not finalised).  Errors: unknown name, fewer than 2
 * classes, an input the architecture cannot take ("architecture 'vgg16'
 * on 1x28x28 input: ..."). */
int rsc_arch_add(rsc_net *net, const char *name, int classes, rsc_error *err);
/* rsc_arch_add, then rsc_net_finalize. */
int rsc_arch_build(rsc_net *net, const char *name, int classes, rsc_error *err);

/* Initialise the parameters as the reference code does, drawing from
 * rsc_rng_derive(train_seed, RSC_RNG_INIT) in declaration order (each
 * tensor row-major).  MLPs and linear: PyTorch's default Linear init,
 * weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), computed as
 * bound * (2u - 1) with u = rand() (53-bit double) rounded to float;
 * the convolutional models: arch_conv.h. */
int rsc_arch_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err);

/* What --describe prints: "arch NAME: SUMMARY", "input CxHxW, K classes"
 * and the layers with their parameter counts (rsc_net_describe), on the
 * given input or, when NULL, the architecture's own.  malloc'ed. */
char *rsc_arch_describe(const char *name, const rsc_shape *input, int classes, rsc_error *err);

#endif
