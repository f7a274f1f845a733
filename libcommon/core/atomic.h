/* atomic.h - outputs that appear whole or not at all.
 *
 * A file output is written to a temporary file in the destination folder
 * (".NAME.XXXXXX"), flushed, fsync'ed and renamed over NAME on commit.  On
 * abort, on rsc_die() and on SIGINT/SIGTERM/SIGHUP the temporary file is
 * removed, so an interrupted run never leaves a half-written file under the
 * final name.  Output "-" (or NULL) is stdout; binary output to a terminal
 * is refused unless the caller allows it. */
#ifndef RSC_ATOMIC_H
#define RSC_ATOMIC_H

#include <stdio.h>

#include "base/error.h"

typedef struct rsc_output rsc_output;

#define RSC_OUTPUT_BINARY 1   /* refuse to write to a terminal */

/* Open an output; NULL and "-" mean stdout.  Returns NULL with a message. */
rsc_output *rsc_output_open(const char *path, int flags, rsc_error *err);
FILE *rsc_output_file(rsc_output *out);
const char *rsc_output_name(const rsc_output *out);   /* "stdout" or the path */
/* Flush, fsync and rename into place (files), or flush (stdout).  Frees out
 * whatever the result; on failure the temporary file is removed. */
int rsc_output_commit(rsc_output *out, rsc_error *err);
/* Remove the temporary file and free out. */
void rsc_output_abort(rsc_output *out);
/* Remove every unfinished temporary file (called by rsc_die and the signal
 * handler; async-signal-safe). */
void rsc_output_abort_all(void);

/* Install the signal handlers (done by rsc_cli_init). */
void rsc_output_install_signal_handlers(void);

/* Graceful mode, for long loops (training): a SIGINT/SIGTERM/SIGHUP is only
 * recorded; the loop polls rsc_signal_pending(), writes its checkpoint and
 * exits with 128 + the signal number.  A second signal ends the process at
 * once (temporary files are still removed). */
void rsc_signal_set_graceful(int on);
int rsc_signal_pending(void);   /* the signal number, or 0 */

#endif
