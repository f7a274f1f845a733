/* internal.h - the CPU backend's private types, shared by the files that
 * implement its operations (cpu.c, cpuconv.c).  Nothing outside
 * kernels/cpu/ includes this. */
#ifndef RSC_CPU_INTERNAL_H
#define RSC_CPU_INTERNAL_H

#include <stddef.h>

#include "kernels/backend.h"
#include "kernels/cpu/threadpool.h"

struct rsc_buf {
    unsigned char *data;
    size_t bytes;
    int is_view;
};

typedef struct cpu_impl {
    rsc_cpu_pool *pool;
    int threads;
} cpu_impl;

#define F(b) ((float *)(b)->data)
#define CF(b) ((const float *)(b)->data)

/* Fill the convolutional operations of the table (cpuconv.c). */
void rsc_cpu_conv_register(rsc_backend *be);

#endif
