/* probe.h - what a file holds, told by its content as file(1) does: an
 * rsct file (its metadata, tensor table and which crcs check), an IDX file
 * (element type and dimensions) or a CIFAR-10 binary batch (images and
 * labels per class), each raw or gzip-compressed.  It reads a stream once
 * and never seeks, so pipes work. */
#ifndef RSC_PROBE_H
#define RSC_PROBE_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "format/rsct.h"

enum rsc_probe_format { RSC_PROBE_RSCT = 1, RSC_PROBE_IDX, RSC_PROBE_CIFAR };

typedef struct rsc_probe {
    int format;                /* enum rsc_probe_format */
    int gzip;                  /* read through gzip */
    /* rsct */
    rsc_file *file;            /* metadata and tensor table (data NULL: payloads
                                  are streamed through their crc, not kept) */
    unsigned char *crc_ok;     /* per tensor: 1 when its crc checks */
    size_t bad_crcs;           /* tensors whose crc does not */
    /* IDX and CIFAR-10 */
    const char *dtype;         /* "u8", "i8", "i16", "i32", "f32", "f64" */
    int ndim;
    uint64_t dims[255];        /* CIFAR-10: n, 3, 32, 32 */
    uint64_t bytes;            /* of data (IDX) */
    uint64_t labels[10];       /* CIFAR-10: images of each class */
} rsc_probe;

/* Probe the stream fp (name names it in messages).  0 and *p filled (free
 * with rsc_probe_free), or -1 with a message "NAME: problem" for a file
 * that is none of the above or is damaged (a truncated IDX file, corrupt
 * gzip data, an rsct file that fails to read).  A tensor whose crc does
 * not check is not an error: see crc_ok. */
int rsc_probe_stream(FILE *fp, const char *name, rsc_probe *p, rsc_error *err);
/* Probe a file by path; "-" is stdin (named "stdin"). */
int rsc_probe_path(const char *path, rsc_probe *p, rsc_error *err);
void rsc_probe_free(rsc_probe *p);

#endif
