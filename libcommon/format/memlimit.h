/* memlimit.h - the memory ceiling of the readers.
 *
 * Every reader of rsc (rsct files, IDX and CIFAR-10 folders) checks the
 * bytes it is about to keep in memory against one ceiling before it
 * allocates them, so that a file that declares (or inflates to) more than
 * the machine can hold ends with one line naming the file, the size and
 * the option instead of an OOM kill.  The ceiling is, in order: the last
 * rsc_set_max_memory() (a tool's --max-memory=SIZE), the environment
 * variable RSC_MAX_MEMORY, or the physical memory size.  Sizes are written
 * as an integer or decimal with an optional K, M, G or T suffix (powers of
 * 1024; a trailing B or iB is allowed): 512M, 4G, 1.5G, 1048576. */
#ifndef RSC_MEMLIMIT_H
#define RSC_MEMLIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Parse SIZE as above; 0, or -1 for anything else (0 and overflow too). */
int rsc_parse_size(const char *s, uint64_t *out);

/* The ceiling in bytes (see above). */
uint64_t rsc_max_memory(void);
void rsc_set_max_memory(uint64_t bytes);

/* 0 when `bytes` fit under the ceiling; else -1 with "FNAME: WHAT needs
 * 3 GiB, more than the memory ceiling of 512 MiB (raise it with
 * --max-memory=SIZE or RSC_MAX_MEMORY)". */
int rsc_memory_check(uint64_t bytes, const char *fname, const char *what, rsc_error *err);

/* A size for messages: "3 GiB", "1.50 GiB", "512 MiB", "1000 bytes". */
void rsc_size_text(uint64_t bytes, char *buf, size_t cap);

#endif
