/* rows.h - the one writer of the tables rsc prints: a header and rows of
 * typed cells, as TSV or as JSON lines.  The conventions (rsc(7), OUTPUT):
 *
 *   TSV          a header line of column names, then one line per row.  A
 *                cell's tabs, newlines and carriage returns become spaces.
 *                Outputs with the same columns concatenate: `cat a.tsv
 *                b.tsv` is one table (the reader, table.h, skips a line
 *                equal to the header).
 *   JSON lines   one object per row, keys in column order, no header.
 *   missing      `nan` in TSV, null in JSON.
 *   integers     in full.
 *   float32      the shortest of %.6g .. %.9g that reads back as the same
 *                float (values computed in float32: model outputs, pixels).
 *   double       the shortest of %.15g .. %.17g that reads back as the same
 *                double (means, standard errors, closed forms, options).
 *   infinity     `inf` / `-inf` in TSV, null in JSON (which has none).
 *   text         cells copied from input files (rsc_rows_text): as read in
 *                TSV (a missing spelling, table.h, becomes `nan`); in JSON a
 *                number when the text is a JSON number, null when missing,
 *                else a string.
 * JSON strings escape '"', '\\' and control characters; bytes that are not
 * UTF-8 become U+FFFD, so that every line is valid JSON. */
#ifndef RSC_ROWS_H
#define RSC_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

/* Room for any number rsc_fmt_* writes. */
#define RSC_FMT_SIZE 32

/* v in the shortest form that reads back exactly (see above); non-finite
 * values as "nan", "inf", "-inf".  Return buf. */
char *rsc_fmt_f32(char buf[RSC_FMT_SIZE], float v);
char *rsc_fmt_f64(char buf[RSC_FMT_SIZE], double v);

/* s as a JSON string, quotes included. */
void rsc_json_string(FILE *fp, const char *s);
/* 1 when s is, whole, a number in JSON's syntax. */
int rsc_json_is_number(const char *s);

typedef struct rsc_rows {
    FILE *fp;
    char *fname;         /* for messages */
    int json;
    size_t ncols;
    char **cols;         /* copies of the column names */
    size_t cell;         /* cells written in the current row */
    int header_done;
    int bad;             /* a row had the wrong number of cells */
} rsc_rows;

/* A writer of rows with columns cols[0..ncols) to fp (fname names it in
 * messages); json: JSON lines instead of TSV.  The TSV header is written
 * with the first row (or by rsc_rows_close when there is none), so that a
 * run that fails before its first row leaves its output empty. */
rsc_rows *rsc_rows_new(FILE *fp, const char *fname, int json, const char *const *cols,
                       size_t ncols, rsc_error *err);

/* The cells of a row, one call per column, in column order. */
void rsc_rows_str(rsc_rows *w, const char *s);     /* text: a JSON string */
void rsc_rows_text(rsc_rows *w, const char *s);    /* text from a file (see above) */
void rsc_rows_int(rsc_rows *w, long long v);
void rsc_rows_uint(rsc_rows *w, uint64_t v);
void rsc_rows_bool(rsc_rows *w, int v);            /* true / false */
void rsc_rows_f32(rsc_rows *w, float v);
void rsc_rows_f64(rsc_rows *w, double v);
void rsc_rows_missing(rsc_rows *w);
/* A JSON value written as is (an array or object built by the caller with
 * rsc_json_string and rsc_fmt_*); in TSV the same text. */
void rsc_rows_json(rsc_rows *w, const char *json);

/* End the row.  -1 with a message when it did not have ncols cells (a
 * bug in the caller) or when the stream has a write error. */
int rsc_rows_end(rsc_rows *w, rsc_error *err);

/* Write the TSV header if no row was written, check for a write error,
 * free w.  NULL is a no-op. */
int rsc_rows_close(rsc_rows *w, rsc_error *err);
/* Free w without writing anything (after an error). */
void rsc_rows_free(rsc_rows *w);

#endif
