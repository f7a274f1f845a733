/* chart.h - line charts with error bars and grouped bar charts, in panels
 * (small multiples), with a shared legend; built from a table (rsc-score's
 * TSV, aggregated or raw) and rendered to an rsc_image. */
#ifndef RSC_CHART_H
#define RSC_CHART_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "plot.h"
#include "image.h"
#include "tsv.h"

enum rsc_chart_kind { RSC_CHART_LINE, RSC_CHART_BAR };
#define RSC_XSCALE_AUTO (-1)

typedef struct rsc_chart_point {
    size_t panel, series;
    double x;            /* numeric x, or the category index in its panel */
    char *xtext;         /* x as written in the input */
    double y, se;        /* se NaN: no error bar */
    long n;              /* rows (raw) or models (aggregated, from 'n') behind it */
} rsc_chart_point;

typedef struct rsc_chart_panel {
    char *title;         /* NULL: none */
    char *xlabel;
    int xscale;          /* enum rsc_scale */
    size_t ncat;
    char **cats;         /* category labels in axis order */
} rsc_chart_panel;

typedef struct rsc_chart {
    int kind;
    char *title, *ylabel, *legend_title;   /* NULL: none */
    int ylog;
    double ymin, ymax;                     /* NaN: automatic */
    int ncols;                             /* panel columns, 0: automatic */
    size_t npanels, nseries, npoints;
    rsc_chart_panel *panels;
    char **series;                          /* series labels */
    unsigned char *dashed;                  /* per series: drawn dashed */
    rsc_chart_point *points;                /* by panel, series, x */
    size_t dropped;                         /* points left out (x <= 0 on a log axis) */
} rsc_chart;

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
void rsc_chart_free(rsc_chart *c);

/* Render at w x h pixels.  axes, when not NULL, receives the npanels plot
 * areas and their axes (category labels borrowed from c). */
rsc_image *rsc_chart_render(const rsc_chart *c, int w, int h, rsc_axes *axes, rsc_error *err);
/* The default size for c: 900x600 for one panel, larger for a grid. */
void rsc_chart_default_size(const rsc_chart *c, int *w, int *h);

/* The plotted numbers as TSV: panel, series, x, y, se, n. */
int rsc_chart_write_data(FILE *fp, const char *fname, const rsc_chart *c, rsc_error *err);

/* Drawing style of series i. */
int rsc_chart_marker(size_t i);

#endif
