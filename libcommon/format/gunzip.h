/* gunzip.h - gzip decompression as a stdio stream, the one gzip reader of
 * rsc: the IDX importer (data/idx.c) and file probing (rsc-info) read
 * through it, so that they accept and reject the same inputs with the
 * same messages.
 *
 * Members back to back are one stream (as gzip -d takes them).  Problems,
 * reported by rsc_gunzip_problem() once a read fails:
 *   "truncated gzip stream (unexpected end of file)"
 *   "corrupt gzip data (ZLIB'S REASON)"
 *   "junk after the gzip stream (N bytes that are not a gzip member)"
 *   "read error: REASON"
 * Junk is judged at the end of the stream: a reader that stops before
 * the end (it has what it needs) must call rsc_gunzip_finish() to learn
 * whether anything follows. */
#ifndef RSC_GUNZIP_H
#define RSC_GUNZIP_H

#include <stddef.h>
#include <stdio.h>

typedef struct rsc_gunzip rsc_gunzip;

/* A stream of what src decompresses to; head[0..nhead) are bytes already
 * read from src (sniffing the format), taken first.  src is not closed.
 * Returns NULL (errno set) when out of memory. */
FILE *rsc_gunzip_open(FILE *src, const void *head, size_t nhead, rsc_gunzip **g);
/* Why the last read failed, or NULL. */
const char *rsc_gunzip_problem(const rsc_gunzip *g);
/* Read the rest of the stream (discarding it) and report its problem:
 * NULL when it ended cleanly. */
const char *rsc_gunzip_finish(FILE *fp, rsc_gunzip *g);
/* Close the stream and free g (src stays open). */
void rsc_gunzip_close(FILE *fp, rsc_gunzip *g);

#endif
