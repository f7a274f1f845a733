/* index_list.h - lists of example indices in text files (rsc-train
 * --exclude, rsc-delete --delete): integers separated by white space,
 * '#' comments to the end of the line. */
#ifndef RSC_INDEX_LIST_H
#define RSC_INDEX_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Read the indices of file `path` in file order into a malloc'ed array
 * (*n of them; an empty file gives *n = 0 and a non-NULL array).  Errors
 * name the file and, for a bad token, its line: "FILE: line 3: 'x' is not
 * an example index". */
int64_t *rsc_index_list_read(const char *path, size_t *n, rsc_error *err);

/* Check a list against a set of n examples: every index in [0, n) and
 * none twice.  what names the list in messages ("FILE: index 7 is listed
 * twice (lines... )"). */
int rsc_index_list_check(const int64_t *idx, size_t k, size_t n, const char *what,
                         rsc_error *err);

#endif
