/* atomic.h - outputs that appear whole or not at all.
 *
 * A regular-file output is written to a temporary file in the destination
 * folder (".NAME.XXXXXX"), flushed, fsync'ed and renamed over NAME on
 * commit.  The temporary file is created by the first write that reaches
 * it (or by the commit), not by the open, so a run killed before it writes
 * leaves nothing; a run killed by SIGKILL while writing may leave one
 * (nothing can remove it then), never a half-written NAME.  On abort, on
 * rsc_die() and on SIGINT/SIGTERM/SIGHUP the temporary file is removed.
 * If the final rename fails, the complete output stays in the temporary
 * file and the message names it.
 *
 * A symbolic link is followed to the file at the end of its chain, which
 * is replaced (the link stays a link), as `sed -i --follow-symlinks` does.
 * An existing character device, FIFO or socket (/dev/null, a named pipe)
 * is written to directly, as a shell redirection would: there is nothing
 * to rename.  A directory is refused.  Output "-" (or NULL) is stdout;
 * binary output to a terminal is refused unless the caller allows it. */
#ifndef RSC_ATOMIC_H
#define RSC_ATOMIC_H

#include <stdio.h>

#include "base/error.h"

typedef struct rsc_output rsc_output;

#define RSC_OUTPUT_BINARY 1   /* refuse to write to a terminal */

/* Open an output; NULL and "-" mean stdout.  Checks at once that the
 * output can be created (its folder exists and takes a new file; it is
 * not a directory).  Returns NULL with a message. */
rsc_output *rsc_output_open(const char *path, int flags, rsc_error *err);
FILE *rsc_output_file(rsc_output *out);
const char *rsc_output_name(const rsc_output *out);   /* "stdout" or the path */
/* The checks of rsc_output_open without opening anything: for outputs
 * written much later (checkpoints), so that a bad location fails before
 * the work.  0, or -1 with a message naming path. */
int rsc_output_check(const char *path, rsc_error *err);
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
