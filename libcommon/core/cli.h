/* cli.h - what every rsc program shares on the command line: its name,
 * fatal errors with the right exit status, checked number parsing, the
 * version banner and a progress bar.  Only tools/ call the dying helpers;
 * the parsing helpers return errors like the rest of libcommon. */
#ifndef RSC_CLI_H
#define RSC_CLI_H

#include <stdio.h>
#include <stdnoreturn.h>

#include "base/error.h"

#define RSC_EXIT_RUNTIME 1
#define RSC_EXIT_USAGE 2

/* Record the program name (for messages) and install the SIGINT/SIGTERM/
 * SIGHUP/SIGPIPE handler that removes unfinished outputs (atomic.h). */
void rsc_cli_init(const char *progname);
const char *rsc_progname(void);

/* "prog: message" on stderr, remove unfinished outputs, exit 1. */
noreturn void rsc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void rsc_die_err(const rsc_error *err);
/* "prog: message" and "Try 'prog --help'." on stderr, exit 2. */
noreturn void rsc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* getopt_long's complaint in GNU's words, as a usage error (exit 2): call
 * with the value getopt_long returned ('?' or ':', the latter when the
 * optstring starts with ':') after setting opterr = 0. */
noreturn void rsc_option_error(int c, char **argv);
/* Print a warning "prog: warning: ..." on stderr. */
void rsc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An old option spelling that still works for one release (rsc(7),
 * COMMON OPTIONS): one line "prog: warning: OLD is deprecated, use NEW"
 * on stderr. */
void rsc_deprecated(const char *old, const char *replacement);

/* A program's input from standard input (path NULL or "-"; other paths
 * return at once).  Standard input a terminal: a usage error "no WHAT
 * given (HOW)" (exit 2) instead of waiting for typed bytes.  Empty (at
 * end of file before its first byte): "no WHAT on standard input (HOW)",
 * exit 1.  HOW says what produces one, e.g. "pipe one from rsc-inject,
 * or give --data".  Reads at most one byte, pushed back onto stdin, so
 * call it before a reader of the stream stdin, not of descriptor 0. */
void rsc_stdin_input(const char *path, const char *what, const char *how);
/* Its first half: the usage error when standard input is a terminal (for
 * rsc-info, to which an empty input is a file to describe). */
void rsc_stdin_not_terminal(const char *what, const char *how);

/* Print text (words separated by spaces) to fp from column col on,
 * wrapped before column width with continuation lines indented by
 * `indent` spaces, and end the line: generated parts of --help. */
void rsc_print_wrapped(FILE *fp, int col, const char *text, int indent, int width);

/* "prog (rsc) VERSION" and the license line, to stdout. */
void rsc_print_version(void);

/* Close stdout and turn a failed write (disk full, closed pipe) into an
 * error exit: call at the end of main() of every program writing stdout. */
int rsc_close_stdout(void);

/* Checked number parsing: the whole string must be a number in [min, max].
 * Return 0, or -1 with a message naming the option. */
int rsc_parse_long(const char *opt, const char *s, long min, long max, long *out, rsc_error *err);
int rsc_parse_double(const char *opt, const char *s, double min, double max, double *out, rsc_error *err);
/* The same for options: a bad value is a usage error (exit 2). */
long rsc_opt_long(const char *opt, const char *s, long min, long max);
double rsc_opt_double(const char *opt, const char *s, double min, double max);

/* --max-memory=SIZE, every reader's (format/memlimit.h): the memory
 * ceiling of what it reads; a bad SIZE is a usage error.  The option's
 * getopt_long entry and value: */
#define RSC_OPT_MAX_MEMORY 0x1000
#define RSC_LONGOPT_MAX_MEMORY { "max-memory", required_argument, NULL, RSC_OPT_MAX_MEMORY }
void rsc_opt_max_memory(const char *s);

/* Parse a list of numbers: "1,3,5", or a range "START:STOP:STEP" (STOP
 * included when reached within a relative 1e-9; each value START + i STEP
 * rounded to 15 significant digits, the decimal meant), or a mix "0,1:3:1".
 * *out is malloc'ed; returns the count, or -1 on error (empty list, bad
 * number, zero or wrong-signed step, more than max_n values). */
long rsc_parse_list(const char *opt, const char *s, size_t max_n, double **out, rsc_error *err);

/* Progress bar on stderr: shown when stderr is a terminal or when forced
 * (--progress), never with --quiet.  Redraws at most ~10 times a second. */
typedef struct rsc_progress {
    int enabled;
    const char *label;
    double total;        /* units of work, e.g. examples */
    double done;
    double t_start;
    double t_last_draw;
    char unit[16];       /* e.g. "ex" */
} rsc_progress;

/* mode: -1 = never (quiet), 0 = when stderr is a terminal, 1 = always */
void rsc_progress_start(rsc_progress *p, int mode, const char *label, double total, const char *unit);
/* extra: free text appended to the bar (e.g. "loss 0.3412 acc 0.8812") */
void rsc_progress_update(rsc_progress *p, double done, const char *extra);
void rsc_progress_end(rsc_progress *p, const char *extra);

/* Wall-clock seconds from a monotonic clock. */
double rsc_now(void);

/* 1 when fd refers to a terminal. */
int rsc_isatty(int fd);

#endif
