/* table.h - the tables rsc reads: tab-separated text with a header line (the
 * output of rsc-score, rsc-inject --norms, rsc-theory, rsc-mia, ... as
 * rows.h writes it), from one input or several, keeping each row's input
 * and line for messages.
 *
 * In each input, blank lines and lines starting with '#' are skipped; the
 * first other line is its header.  The first input's header fixes the
 * columns (names non-empty and distinct); every later input must have the
 * same header, and a line equal to the header is skipped anywhere, so that
 * `cat a.tsv b.tsv` and `a.tsv b.tsv` read as one table.  An input with no
 * line at all adds nothing.  Every row must have as many fields as the
 * header.  Messages name the input and line: "runs.tsv:7: 18 fields, but
 * the header (line 1) has 27".
 *
 * Missing values are spelled `nan` by rsc (rows.h); the reader also takes
 * "NA", "-", an empty field and any case of "nan" (with a sign) as missing. */
#ifndef RSC_TABLE_H
#define RSC_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"

typedef struct rsc_table {
    size_t ncols, nrows;
    char **cols;       /* header names */
    char ***cells;     /* nrows rows of ncols fields */
    long *lines;       /* input line of each row (1-based) */
    size_t *source;    /* input of each row, an index into sources */
    char **sources;    /* the inputs' names, as given */
    size_t nsources;
    const char *fname; /* the first input's name (sources[0]) */
    long header_line;  /* the header's line in the first input */
    size_t cap;
} rsc_table;

/* An empty table, to append inputs to. */
rsc_table *rsc_table_new(rsc_error *err);
/* Append the rows of one input (fname names it in messages).  Fails on a
 * header that differs from the first input's, an empty or repeated column
 * name, a row with the wrong number of fields, a line over 1 MiB, a NUL
 * byte or a read error. */
int rsc_table_append(rsc_table *t, FILE *fp, const char *fname, rsc_error *err);

/* One input; without a header line it is an error "FNAME: empty table (no
 * header line)". */
rsc_table *rsc_table_read(FILE *fp, const char *fname, rsc_error *err);
/* The files paths[0..n) ("-": stdin, named "stdin"; n = 0: stdin alone),
 * as one table; an error when none has a header line. */
rsc_table *rsc_table_load(const char *const *paths, size_t n, rsc_error *err);
void rsc_table_free(rsc_table *t);

static inline const char *rsc_table_cell(const rsc_table *t, size_t row, size_t col)
{
    return t->cells[row][col];
}

/* Index of a column, or -1. */
int rsc_table_col(const rsc_table *t, const char *name);
/* Like rsc_table_col, but a missing column is an error
 * "FILE:LINE: no column 'NAME' (columns: a, b, ...)" naming the header. */
int rsc_table_need(const rsc_table *t, const char *name, rsc_error *err);
/* The column names joined by ", " (cut with "..." to fit size). */
void rsc_table_columns(const rsc_table *t, char *buf, size_t size);

/* A field as a number: 1 for a number (infinities included), 0 for a
 * missing value (*out = NaN), -1 with "FILE:LINE: column 'C': 'TEXT' is
 * not a number" otherwise. */
int rsc_table_number(const rsc_table *t, size_t row, size_t col, double *out, rsc_error *err);
/* 1 when s parses whole as a finite number (stored in *out when not NULL). */
int rsc_parse_number(const char *s, double *out);
/* 1 when s is one of the spellings of a missing value above. */
int rsc_is_missing(const char *s);

#endif
