/* table.h - reading tab-separated tables with a header line (the output of
 * rsc-score, rsc-mia, ...), keeping each row's line number for messages.
 *
 * Blank lines and lines starting with '#' are skipped, and so are repeated
 * header lines, so that `cat a.tsv b.tsv` reads as one table.  A row with
 * a different number of fields than the header is an error naming its
 * line. */
#ifndef RSC_TSV_H
#define RSC_TSV_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"

typedef struct rsc_table {
    char *fname;       /* as given, for messages */
    size_t ncols, nrows;
    char **cols;       /* header names */
    char ***cells;     /* nrows rows of ncols fields */
    long *lines;       /* input line of each row (1-based) */
    long header_line;
} rsc_table;

rsc_table *rsc_table_read(FILE *fp, const char *fname, rsc_error *err);
/* path "-" or NULL: stdin */
rsc_table *rsc_table_load(const char *path, rsc_error *err);
void rsc_table_free(rsc_table *t);

/* Index of a column, or -1. */
int rsc_table_col(const rsc_table *t, const char *name);
/* Like rsc_table_col, but a missing column is an error
 * "FILE:LINE: no column 'NAME' (columns: a, b, ...)" naming the header. */
int rsc_table_need(const rsc_table *t, const char *name, rsc_error *err);
/* The column names joined by ", " (cut with "..." to fit size). */
void rsc_table_columns(const rsc_table *t, char *buf, size_t size);
/* Field as a number: 1 for a finite number, 0 for a missing value ("nan",
 * "NA", "-" or empty), -1 with "FILE:LINE: column 'C': 'TEXT' is not a
 * number" otherwise. */
int rsc_table_number(const rsc_table *t, size_t row, int col, double *out, rsc_error *err);
/* 1 when s parses whole as a finite number (stored in *out when not NULL). */
int rsc_parse_number(const char *s, double *out);

#endif
