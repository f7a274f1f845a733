/* chart_data.h - from a table (rsc-score's TSV, aggregated or raw) to the
 * points of a chart (chart.h): filtering, grouping into panels and series,
 * averaging, standard errors, axis categories; and the plotted numbers
 * back out as TSV. */
#ifndef RSC_CHART_DATA_H
#define RSC_CHART_DATA_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "format/table.h"
#include "plot/chart.h"

/* What to plot from a table. */
typedef struct rsc_chart_spec {
    const char *const *x;  size_t nx;      /* x columns: several give one panel each */
    const char *const *y;  size_t ny;      /* y metrics: several give one series each */
    const char *series, *panel;            /* optional grouping columns */
    const char *const *where; size_t nwhere; /* "COL=V1,V2,...": keep matching rows */
    const char *const *dashed; size_t ndashed; /* series (metric or value) drawn dashed */
    int kind;
    int xscale;                            /* enum rsc_scale or RSC_XSCALE_AUTO */
    int ylog;
    double ymin, ymax;                     /* NaN: automatic */
    int ncols;
    const char *title, *xlabel, *ylabel;   /* NULL: derived from the columns */
} rsc_chart_spec;

/* Build a chart from a table.
 * A y metric M is read from column M_mean (aggregated input; error bars
 * from M_se, counts from n), else from column M (raw input: the rows of a
 * point are averaged, error bars are the standard error of their mean).
 * Several aggregated rows falling on one point (e.g. the counts of Fig. 7)
 * are averaged: mean of the means, SE sqrt(sum SE^2) / k.
 * With several x columns, the panel of column X takes the rows in which the
 * other listed x columns are off (0, empty, none, off, inf).  Errors name
 * the table line. */
rsc_chart *rsc_chart_from_table(const rsc_table *t, const rsc_chart_spec *spec, rsc_error *err);

/* The plotted numbers as TSV: panel, series, x, y, se, n. */
int rsc_chart_write_data(FILE *fp, const char *fname, const rsc_chart *c, rsc_error *err);

#endif
