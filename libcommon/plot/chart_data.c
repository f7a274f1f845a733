/* chart_data.c - from a table (rsc-score TSV, aggregated or raw) to the
 * points of a chart: filtering, grouping into panels and series, averaging,
 * standard errors, axis categories. */
#include "config.h"

#include "plot/chart_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A list of distinct strings in first-appearance order. */
typedef struct strlist {
    size_t n, cap;
    char **v;
} strlist;

static long strlist_find(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return (long)i;
    return -1;
}

static long strlist_add(strlist *l, const char *s, rsc_error *err)
{
    long i = strlist_find(l, s);
    if (i >= 0)
        return i;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return rsc_fail(err, "out of memory");
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n] = rsc_strdup(s, err);
    if (!l->v[l->n])
        return -1;
    return (long)l->n++;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Order of a list: numeric ascending when every entry is a number, else as
 * first seen.  order[k] = index of the k-th entry. */
static size_t *list_order(const strlist *l, rsc_error *err)
{
    size_t *o = rsc_malloc(l->n ? l->n : 1, sizeof *o, err);
    if (!o)
        return NULL;
    int numeric = 1;
    for (size_t i = 0; i < l->n; i++) {
        o[i] = i;
        numeric &= rsc_parse_number(l->v[i], NULL);
    }
    if (numeric)   /* insertion sort: lists are short, and it is stable */
        for (size_t i = 1; i < l->n; i++) {
            size_t k = o[i], j = i;
            double vk;
            rsc_parse_number(l->v[k], &vk);
            while (j > 0) {
                double vj;
                rsc_parse_number(l->v[o[j - 1]], &vj);
                if (vj <= vk)
                    break;
                o[j] = o[j - 1];
                j--;
            }
            o[j] = k;
        }
    return o;
}

static int same_value(const char *a, const char *b)
{
    double x, y;
    if (strcmp(a, b) == 0)
        return 1;
    return rsc_parse_number(a, &x) && rsc_parse_number(b, &y) && x == y;
}

static int is_off(const char *s)
{
    double v;
    if (rsc_parse_number(s, &v))
        return v == 0;
    return *s == '\0' || strcmp(s, "-") == 0 || strcasecmp(s, "none") == 0 ||
           strcasecmp(s, "off") == 0 || strcasecmp(s, "no") == 0 ||
           strcasecmp(s, "false") == 0 || strcasecmp(s, "inf") == 0;
}

typedef struct filter {
    int col;
    size_t nvals;
    char **vals;
    char *buf;
} filter;

static int parse_filter(const rsc_table *t, const char *w, filter *f, rsc_error *err)
{
    memset(f, 0, sizeof *f);
    const char *eq = strchr(w, '=');
    if (!eq || eq == w)
        return rsc_fail(err, "--where '%s': expected COLUMN=VALUE[,VALUE...]", w);
    f->buf = rsc_strdup(w, err);
    if (!f->buf)
        return -1;
    char *val = f->buf + (eq - w);
    *val++ = '\0';
    f->col = rsc_table_need(t, f->buf, err);
    if (f->col < 0)
        return -1;
    size_t k = 1;
    for (char *p = val; *p; p++)
        k += *p == ',';
    f->vals = rsc_malloc(k, sizeof *f->vals, err);
    if (!f->vals)
        return -1;
    f->vals[f->nvals++] = val;
    for (char *p = val; *p; p++)
        if (*p == ',') {
            *p = '\0';
            f->vals[f->nvals++] = p + 1;
        }
    return 0;
}

static int filter_match(const filter *f, const char *s)
{
    for (size_t i = 0; i < f->nvals; i++)
        if (same_value(f->vals[i], s))
            return 1;
    return 0;
}

/* One point being accumulated. */
typedef struct group {
    size_t pv, xi, sv, yi;      /* panel value, x column, series value, y metric */
    char *xtext;
    double sum, sumsq;          /* of the y values (raw) or of the means */
    double se2;                 /* sum of squared SEs (aggregated) */
    long k, kse, ntot;
    int agg;
} group;

typedef struct metric {
    int col, se_col, agg;
} metric;

static char *dupf(rsc_error *err, const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = rsc_malloc(n, 1, err);
    if (s)
        snprintf(s, n, fmt, a, b);
    return s;
}

static int cmp_points(const void *pa, const void *pb)
{
    const rsc_chart_point *a = pa, *b = pb;
    if (a->panel != b->panel)
        return a->panel < b->panel ? -1 : 1;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

rsc_chart *rsc_chart_from_table(const rsc_table *t, const rsc_chart_spec *sp, rsc_error *err)
{
    rsc_chart *c = NULL;
    int *xcols = NULL;
    metric *ms = NULL;
    filter *fs = NULL;
    group *gs = NULL;
    size_t ng = 0, gcap = 0, nf = 0;
    strlist pvals = { 0 }, svals = { 0 };
    size_t *pord = NULL, *sord = NULL;
    long *pmap = NULL, *smap = NULL;
    int pcol = -1, scol = -1;

    if (sp->nx == 0 || sp->ny == 0) {
        rsc_fail(err, "a chart needs an x column and a y metric");
        return NULL;
    }
    xcols = rsc_malloc(sp->nx, sizeof *xcols, err);
    ms = rsc_malloc(sp->ny, sizeof *ms, err);
    fs = rsc_calloc(sp->nwhere ? sp->nwhere : 1, sizeof *fs, err);
    if (!xcols || !ms || !fs)
        goto fail;
    for (size_t i = 0; i < sp->nx; i++)
        if ((xcols[i] = rsc_table_need(t, sp->x[i], err)) < 0)
            goto fail;
    for (size_t i = 0; i < sp->ny; i++) {
        char name[512];
        snprintf(name, sizeof name, "%s_mean", sp->y[i]);
        ms[i].col = rsc_table_col(t, name);
        ms[i].agg = ms[i].col >= 0;
        if (ms[i].agg) {
            snprintf(name, sizeof name, "%s_se", sp->y[i]);
            ms[i].se_col = rsc_table_col(t, name);
        } else {
            ms[i].se_col = -1;
            ms[i].col = rsc_table_col(t, sp->y[i]);
            if (ms[i].col < 0) {
                char list[512];
                rsc_table_columns(t, list, sizeof list);
                rsc_fail(err, "%s:%ld: no column '%s' or '%s_mean' (columns: %s)", t->fname,
                         t->header_line, sp->y[i], sp->y[i], list);
                goto fail;
            }
        }
    }
    int ncol = rsc_table_col(t, "n");
    if (sp->panel && (pcol = rsc_table_need(t, sp->panel, err)) < 0)
        goto fail;
    if (sp->series && (scol = rsc_table_need(t, sp->series, err)) < 0)
        goto fail;
    for (; nf < sp->nwhere; nf++)
        if (parse_filter(t, sp->where[nf], &fs[nf], err) != 0) {
            nf++;
            goto fail;
        }

    /* Group the rows. */
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->cells[r];
        int keep = 1;
        for (size_t k = 0; k < nf && keep; k++)
            keep = filter_match(&fs[k], row[fs[k].col]);
        if (!keep)
            continue;
        long pv = strlist_add(&pvals, pcol >= 0 ? row[pcol] : "", err);
        long sv = strlist_add(&svals, scol >= 0 ? row[scol] : "", err);
        if (pv < 0 || sv < 0)
            goto fail;
        for (size_t xi = 0; xi < sp->nx; xi++) {
            int on = 1;
            for (size_t o = 0; o < sp->nx && on && sp->nx > 1; o++)
                if (o != xi && !is_off(row[xcols[o]]))
                    on = 0;
            if (!on)
                continue;
            const char *xt = row[xcols[xi]];
            if (*xt == '\0') {
                rsc_fail(err, "%s:%ld: column '%s' is empty", t->fname, t->lines[r], sp->x[xi]);
                goto fail;
            }
            for (size_t yi = 0; yi < sp->ny; yi++) {
                double y, se = NAN, nn = 1;
                int got = rsc_table_number(t, r, ms[yi].col, &y, err);
                if (got < 0)
                    goto fail;
                if (got == 0)
                    continue;   /* missing value: no point from this row */
                if (ms[yi].se_col >= 0 && rsc_table_number(t, r, ms[yi].se_col, &se, err) < 0)
                    goto fail;
                if (ms[yi].agg && ncol >= 0) {
                    int g = rsc_table_number(t, r, ncol, &nn, err);
                    if (g < 0)
                        goto fail;
                    if (g == 0)
                        nn = 1;
                }
                size_t gi;
                for (gi = 0; gi < ng; gi++)
                    if (gs[gi].pv == (size_t)pv && gs[gi].xi == xi && gs[gi].sv == (size_t)sv &&
                        gs[gi].yi == yi && same_value(gs[gi].xtext, xt))
                        break;
                if (gi == ng) {
                    if (ng == gcap) {
                        size_t nc = gcap ? 2 * gcap : 64;
                        group *ngs = realloc(gs, nc * sizeof *ngs);
                        if (!ngs) {
                            rsc_fail(err, "out of memory");
                            goto fail;
                        }
                        gs = ngs;
                        gcap = nc;
                    }
                    memset(&gs[ng], 0, sizeof gs[ng]);
                    gs[ng].pv = (size_t)pv;
                    gs[ng].xi = xi;
                    gs[ng].sv = (size_t)sv;
                    gs[ng].yi = yi;
                    gs[ng].agg = ms[yi].agg;
                    gs[ng].xtext = rsc_strdup(xt, err);
                    if (!gs[ng].xtext)
                        goto fail;
                    ng++;
                }
                group *g = &gs[gi];
                g->sum += y;
                g->sumsq += y * y;
                g->k++;
                if (isfinite(se)) {
                    g->se2 += se * se;
                    g->kse++;
                }
                g->ntot += (long)nn;
            }
        }
    }
    if (ng == 0) {
        rsc_fail(err, "%s: no rows to plot%s", t->fname,
                 sp->nwhere ? " (check the --where filters)" : "");
        goto fail;
    }

    /* Panels are (panel value, x column), series are (series value, y
     * metric), in value order then column order; empty ones are dropped. */
    c = rsc_calloc(1, sizeof *c, err);
    if (!c)
        goto fail;
    c->kind = sp->kind;
    c->ylog = sp->ylog;
    c->ymin = sp->ymin;
    c->ymax = sp->ymax;
    c->ncols = sp->ncols;
    pord = list_order(&pvals, err);
    sord = list_order(&svals, err);
    pmap = rsc_malloc(pvals.n * sp->nx, sizeof *pmap, err);
    smap = rsc_malloc(svals.n * sp->ny, sizeof *smap, err);
    if (!pord || !sord || !pmap || !smap)
        goto fail;
    for (size_t i = 0; i < pvals.n * sp->nx; i++)
        pmap[i] = -1;
    for (size_t i = 0; i < svals.n * sp->ny; i++)
        smap[i] = -1;
    for (size_t i = 0; i < ng; i++) {
        pmap[gs[i].pv * sp->nx + gs[i].xi] = 0;
        smap[gs[i].sv * sp->ny + gs[i].yi] = 0;
    }
    c->panels = rsc_calloc(pvals.n * sp->nx, sizeof *c->panels, err);
    c->series = rsc_calloc(svals.n * sp->ny, sizeof *c->series, err);
    c->dashed = rsc_calloc(svals.n * sp->ny, 1, err);
    if (!c->panels || !c->series || !c->dashed)
        goto fail;
    for (size_t a = 0; a < pvals.n; a++)
        for (size_t xi = 0; xi < sp->nx; xi++) {
            size_t key = pord[a] * sp->nx + xi;
            if (pmap[key] < 0)
                continue;
            rsc_chart_panel *p = &c->panels[c->npanels];
            pmap[key] = (long)c->npanels++;
            if (pcol >= 0 && !(p->title = dupf(err, "%s = %s", sp->panel, pvals.v[pord[a]])))
                goto fail;
            if (!(p->xlabel = rsc_strdup(sp->xlabel && sp->nx == 1 ? sp->xlabel : sp->x[xi], err)))
                goto fail;
        }
    for (size_t a = 0; a < svals.n; a++)
        for (size_t yi = 0; yi < sp->ny; yi++) {
            size_t key = sord[a] * sp->ny + yi;
            if (smap[key] < 0)
                continue;
            smap[key] = (long)c->nseries;
            for (size_t k = 0; k < sp->ndashed; k++)
                if (strcmp(sp->dashed[k], sp->y[yi]) == 0 ||
                    (scol >= 0 && same_value(sp->dashed[k], svals.v[sord[a]])))
                    c->dashed[c->nseries] = 1;
            char **lab = &c->series[c->nseries++];
            if (scol >= 0 && sp->ny > 1)
                *lab = dupf(err, "%s, %s", svals.v[sord[a]], sp->y[yi]);
            else if (scol >= 0)
                *lab = rsc_strdup(svals.v[sord[a]], err);
            else
                *lab = rsc_strdup(sp->y[yi], err);
            if (!*lab)
                goto fail;
        }
    if ((sp->title && !(c->title = rsc_strdup(sp->title, err))) ||
        (sp->ylabel && !(c->ylabel = rsc_strdup(sp->ylabel, err))) ||
        (!sp->ylabel && sp->ny == 1 && !(c->ylabel = rsc_strdup(sp->y[0], err))) ||
        (scol >= 0 && !(c->legend_title = rsc_strdup(sp->series, err))))
        goto fail;

    /* x axes: category labels per panel, or numeric. */
    for (size_t pi = 0; pi < c->npanels; pi++) {
        rsc_chart_panel *p = &c->panels[pi];
        strlist xs = { 0 };
        int numeric = 1;
        for (size_t i = 0; i < ng; i++) {
            if ((size_t)pmap[gs[i].pv * sp->nx + gs[i].xi] != pi)
                continue;
            numeric &= rsc_parse_number(gs[i].xtext, NULL);
            long k;
            for (k = 0; k < (long)xs.n; k++)
                if (same_value(xs.v[k], gs[i].xtext))
                    break;
            if (k == (long)xs.n && strlist_add(&xs, gs[i].xtext, err) < 0) {
                strlist_free(&xs);
                goto fail;
            }
        }
        p->xscale = sp->xscale;
        if (sp->kind == RSC_CHART_BAR || !numeric)
            p->xscale = RSC_SCALE_CATEGORY;
        else if (p->xscale == RSC_XSCALE_AUTO)
            p->xscale = RSC_SCALE_LINEAR;
        if (p->xscale == RSC_SCALE_CATEGORY) {
            size_t *o = list_order(&xs, err);
            p->cats = rsc_calloc(xs.n, sizeof *p->cats, err);
            if (!o || !p->cats) {
                free(o);
                strlist_free(&xs);
                goto fail;
            }
            for (size_t k = 0; k < xs.n; k++) {
                p->cats[k] = xs.v[o[k]];
                xs.v[o[k]] = NULL;
            }
            p->ncat = xs.n;
            free(o);
        }
        strlist_free(&xs);
    }

    /* Points. */
    c->points = rsc_calloc(ng, sizeof *c->points, err);
    if (!c->points)
        goto fail;
    for (size_t i = 0; i < ng; i++) {
        group *g = &gs[i];
        rsc_chart_panel *p = &c->panels[pmap[g->pv * sp->nx + g->xi]];
        double x = 0;
        if (p->xscale == RSC_SCALE_CATEGORY) {
            for (size_t k = 0; k < p->ncat; k++)
                if (same_value(p->cats[k], g->xtext))
                    x = (double)k;
        } else {
            rsc_parse_number(g->xtext, &x);
            if (p->xscale == RSC_SCALE_LOG && !(x > 0)) {
                c->dropped++;
                continue;
            }
        }
        rsc_chart_point *pt = &c->points[c->npoints++];
        pt->panel = (size_t)pmap[g->pv * sp->nx + g->xi];
        pt->series = (size_t)smap[g->sv * sp->ny + g->yi];
        pt->x = x;
        pt->xtext = g->xtext;
        g->xtext = NULL;
        double k = (double)g->k;
        pt->y = g->sum / k;
        if (g->agg) {
            pt->se = g->kse == g->k ? sqrt(g->se2) / k : NAN;
            pt->n = g->ntot;
        } else {
            double var = g->k > 1 ? (g->sumsq - k * pt->y * pt->y) / (k - 1) : NAN;
            pt->se = g->k > 1 ? sqrt(var > 0 ? var : 0) / sqrt(k) : NAN;
            pt->n = g->k;
        }
    }
    qsort(c->points, c->npoints, sizeof *c->points, cmp_points);
    if (c->npoints == 0) {
        rsc_fail(err, "%s: no point can be shown on a log x axis (x must be > 0)", t->fname);
        goto fail;
    }
    goto done;
fail:
    rsc_chart_free(c);
    c = NULL;
done:
    for (size_t i = 0; i < ng; i++)
        free(gs[i].xtext);
    for (size_t i = 0; i < nf; i++) {
        free(fs[i].vals);
        free(fs[i].buf);
    }
    free(gs);
    free(fs);
    free(xcols);
    free(ms);
    free(pord);
    free(sord);
    free(pmap);
    free(smap);
    strlist_free(&pvals);
    strlist_free(&svals);
    return c;
}

int rsc_chart_write_data(FILE *fp, const char *fname, const rsc_chart *c, rsc_error *err)
{
    fprintf(fp, "panel\tseries\tx\ty\tse\tn\n");
    for (size_t i = 0; i < c->npoints; i++) {
        const rsc_chart_point *p = &c->points[i];
        const rsc_chart_panel *pa = &c->panels[p->panel];
        fprintf(fp, "%s\t%s\t%s\t%.9g\t", pa->title ? pa->title : pa->xlabel,
                c->series[p->series], p->xtext, p->y);
        if (isfinite(p->se))
            fprintf(fp, "%.9g", p->se);
        else
            fputs("nan", fp);
        fprintf(fp, "\t%ld\n", p->n);
    }
    if (ferror(fp))
        return rsc_fail(err, "%s: write error", fname);
    return 0;
}
