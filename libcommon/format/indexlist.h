/* indexlist.h - lists of example indices in a text file (rsc-train
 * --exclude FILE, the output of rsc-delete and of shell tools): integers
 * separated by white space, '#' to the end of the line a comment. */
#ifndef RSC_INDEXLIST_H
#define RSC_INDEXLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

/* Read every index of fp (lines of any length).  *idx is malloc'ed (the
 * caller frees it; never NULL on success), *n the count, in file order.
 * Fails on a token that is not a decimal integer in [0, 2^63), a NUL byte
 * or a read error, with a message "FNAME:LINE: ..." naming the token. */
int rsc_indexlist_read(FILE *fp, const char *fname, int64_t **idx, size_t *n, rsc_error *err);
/* The same for a file. */
int rsc_indexlist_load(const char *path, int64_t **idx, size_t *n, rsc_error *err);

/* Check a list against a set of n examples: every index in [0, n) and
 * none twice.  what names the list in messages ("WHAT: index 7 is not a
 * training example (0..6)", "WHAT: index 3 is listed twice"). */
int rsc_indexlist_check(const int64_t *idx, size_t k, size_t n, const char *what,
                        rsc_error *err);

#endif
