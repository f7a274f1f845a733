/* chart.h - line charts with error bars and grouped bar charts, in panels
 * (small multiples), with a shared legend; built from a table (rsc-score's
 * TSV, aggregated or raw) and drawn on a canvas (PNG or SVG). */
#ifndef RSC_CHART_H
#define RSC_CHART_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "plot/canvas.h"
#include "plot/plot.h"
#include "plot/image.h"

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



void rsc_chart_free(rsc_chart *c);

/* Draw on a w x h canvas (plot/canvas.h).  axes, when not NULL, receives
 * the npanels plot areas and their axes (category labels borrowed from c). */
rsc_canvas *rsc_chart_draw(const rsc_chart *c, int w, int h, rsc_axes *axes, rsc_error *err);
/* The same as a w x h image. */
rsc_image *rsc_chart_render(const rsc_chart *c, int w, int h, rsc_axes *axes, rsc_error *err);
/* The default size for c: 900x600 for one panel, larger for a grid. */
void rsc_chart_default_size(const rsc_chart *c, int *w, int *h);


/* Drawing style of series i. */
int rsc_chart_marker(size_t i);

#endif
