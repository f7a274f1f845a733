/* chart_data.c - from a table (rsc-score TSV, aggregated or raw) to the
 * points of a chart: filtering, grouping into panels and series, averaging,
 * standard errors, axis categories. */
#include "config.h"

#include "plot/chart_data.h"

#include "format/rows.h"
#include "score/aggregate.h"

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

/* One point: a group of (panel value, x column, series value, y metric,
 * x value) over the rows; its y values (raw input) or means (aggregated
 * input) are averaged by the group-by of aggregate.h. */
typedef struct point_key {
    size_t pv, xi, sv, yi;      /* panel value, x column, series value, y metric */
    size_t row;                 /* the first row (its x text) */
} point_key;

enum { V_Y, V_SE2, V_N, NVALUES };   /* values of an item */

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

/* The columns of the spec: x, y (M_mean and M_se, or M), panel, series,
 * filters. */
typedef struct columns {
    int *x;
    metric *y;
    int n, panel, series;
    filter *where;
    size_t nwhere;
} columns;

static void columns_free(columns *k)
{
    for (size_t i = 0; i < k->nwhere; i++) {
        free(k->where[i].vals);
        free(k->where[i].buf);
    }
    free(k->where);
    free(k->x);
    free(k->y);
}

static int find_columns(const rsc_table *t, const rsc_chart_spec *sp, columns *k, rsc_error *err)
{
    memset(k, 0, sizeof *k);
    k->panel = k->series = -1;
    k->x = rsc_malloc(sp->nx, sizeof *k->x, err);
    k->y = rsc_malloc(sp->ny, sizeof *k->y, err);
    k->where = rsc_calloc(sp->nwhere ? sp->nwhere : 1, sizeof *k->where, err);
    if (!k->x || !k->y || !k->where)
        return -1;
    for (size_t i = 0; i < sp->nx; i++)
        if ((k->x[i] = rsc_table_need(t, sp->x[i], err)) < 0)
            return -1;
    for (size_t i = 0; i < sp->ny; i++) {
        metric *m = &k->y[i];
        char name[512];
        snprintf(name, sizeof name, "%s_mean", sp->y[i]);
        m->col = rsc_table_col(t, name);
        m->agg = m->col >= 0;
        m->se_col = -1;
        if (m->agg) {
            snprintf(name, sizeof name, "%s_se", sp->y[i]);
            m->se_col = rsc_table_col(t, name);
        } else if ((m->col = rsc_table_col(t, sp->y[i])) < 0) {
            char list[512];
            rsc_table_columns(t, list, sizeof list);
            return rsc_fail(err, "%s:%ld: no column '%s' or '%s_mean' (columns: %s)", t->fname,
                            t->header_line, sp->y[i], sp->y[i], list);
        }
    }
    k->n = rsc_table_col(t, "n");
    if (sp->panel && (k->panel = rsc_table_need(t, sp->panel, err)) < 0)
        return -1;
    if (sp->series && (k->series = rsc_table_need(t, sp->series, err)) < 0)
        return -1;
    for (; k->nwhere < sp->nwhere; k->nwhere++)
        if (parse_filter(t, sp->where[k->nwhere], &k->where[k->nwhere], err) != 0) {
            k->nwhere++;
            return -1;
        }
    return 0;
}

/* The item of row r for x column xi and metric yi: values y, se^2, n.
 * Returns 1, 0 for a missing y (no point from this row), -1 on error. */
static int item_values(const rsc_table *t, const columns *k, size_t r, size_t yi, double v[NVALUES],
                       rsc_error *err)
{
    const metric *m = &k->y[yi];
    double se = NAN, n = 1;
    int got = rsc_table_number(t, r, (size_t)m->col, &v[V_Y], err);
    if (got <= 0)
        return got;
    if (!isfinite(v[V_Y]))
        return rsc_fail(err, "%s:%ld: column '%s': '%s' is not a finite number",
                        t->sources[t->source[r]], t->lines[r], t->cols[m->col],
                        rsc_table_cell(t, r, (size_t)m->col));
    if (m->se_col >= 0 && rsc_table_number(t, r, (size_t)m->se_col, &se, err) < 0)
        return -1;
    if (m->agg && k->n >= 0) {
        int g = rsc_table_number(t, r, (size_t)k->n, &n, err);
        if (g < 0)
            return -1;
        if (g == 0)
            n = 1;
    }
    v[V_SE2] = se * se;
    v[V_N] = floor(n);
    return 1;
}

/* Group the rows that pass the filters into points. */
static int group_points(const rsc_table *t, const rsc_chart_spec *sp, const columns *k,
                        strlist *pvals, strlist *svals, rsc_groups *gr, point_key **keys,
                        rsc_error *err)
{
    size_t cap = 0;
    *keys = NULL;
    if (rsc_groups_init(gr, 6, NVALUES, err) != 0)
        return -1;
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->cells[r];
        int keep = 1;
        for (size_t f = 0; f < k->nwhere && keep; f++)
            keep = filter_match(&k->where[f], row[k->where[f].col]);
        if (!keep)
            continue;
        long pv = strlist_add(pvals, k->panel >= 0 ? row[k->panel] : "", err);
        long sv = strlist_add(svals, k->series >= 0 ? row[k->series] : "", err);
        if (pv < 0 || sv < 0)
            return -1;
        for (size_t xi = 0; xi < sp->nx; xi++) {
            int on = 1;
            for (size_t o = 0; o < sp->nx && on && sp->nx > 1; o++)
                if (o != xi && !is_off(row[k->x[o]]))
                    on = 0;
            if (!on)
                continue;
            const char *xt = row[k->x[xi]];
            if (*xt == '\0')
                return rsc_fail(err, "%s:%ld: column '%s' is empty", t->sources[t->source[r]],
                                t->lines[r], sp->x[xi]);
            /* x values equal as numbers are one point ("10" and "10.0") */
            double xv;
            char xnum[64], ids[2][24];
            int numeric = rsc_parse_number(xt, &xv);
            if (numeric)
                snprintf(xnum, sizeof xnum, "%.17g", xv == 0 ? 0.0 : xv);
            snprintf(ids[0], sizeof ids[0], "%zu", xi);
            for (size_t yi = 0; yi < sp->ny; yi++) {
                double v[NVALUES];
                int got = item_values(t, k, r, yi, v, err);
                if (got < 0)
                    return -1;
                if (got == 0)
                    continue;
                snprintf(ids[1], sizeof ids[1], "%zu", yi);
                const char *key[6] = { pvals->v[pv], ids[0], svals->v[sv], ids[1],
                                       numeric ? "#" : "=", numeric ? xnum : xt };
                long gi = rsc_groups_add(gr, key, v, r, err);
                if (gi < 0)
                    return -1;
                if ((size_t)gi == cap) {
                    size_t nc = cap ? 2 * cap : 64;
                    point_key *nk = realloc(*keys, nc * sizeof *nk);
                    if (!nk)
                        return rsc_fail(err, "out of memory");
                    *keys = nk;
                    cap = nc;
                }
                if ((size_t)gi + 1 == gr->ngroups && gr->count[gi] == 1)
                    (*keys)[gi] = (point_key){ (size_t)pv, xi, (size_t)sv, yi, r };
            }
        }
    }
    if (gr->ngroups == 0)
        return rsc_fail(err, "%s: no rows to plot%s", t->fname,
                        sp->nwhere ? " (check the --where filters)" : "");
    return rsc_groups_finish(gr, err);
}

rsc_chart *rsc_chart_from_table(const rsc_table *t, const rsc_chart_spec *sp, rsc_error *err)
{
    rsc_chart *c = NULL;
    columns k = { 0 };
    rsc_groups gr = { 0 };
    point_key *gs = NULL;
    size_t ng = 0;
    strlist pvals = { 0 }, svals = { 0 };
    size_t *pord = NULL, *sord = NULL;
    long *pmap = NULL, *smap = NULL;

    if (sp->nx == 0 || sp->ny == 0) {
        rsc_fail(err, "a chart needs an x column and a y metric");
        return NULL;
    }
    if (find_columns(t, sp, &k, err) != 0 ||
        group_points(t, sp, &k, &pvals, &svals, &gr, &gs, err) != 0)
        goto fail;
    ng = gr.ngroups;
    int pcol = k.panel, scol = k.series;

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
            for (size_t d = 0; d < sp->ndashed; d++)
                if (strcmp(sp->dashed[d], sp->y[yi]) == 0 ||
                    (scol >= 0 && same_value(sp->dashed[d], svals.v[sord[a]])))
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
            const char *xt = rsc_table_cell(t, gs[i].row, (size_t)k.x[gs[i].xi]);
            numeric &= rsc_parse_number(xt, NULL);
            long j;
            for (j = 0; j < (long)xs.n; j++)
                if (same_value(xs.v[j], xt))
                    break;
            if (j == (long)xs.n && strlist_add(&xs, xt, err) < 0) {
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
            for (size_t j = 0; j < xs.n; j++) {
                p->cats[j] = xs.v[o[j]];
                xs.v[o[j]] = NULL;
            }
            p->ncat = xs.n;
            free(o);
        }
        strlist_free(&xs);
    }

    /* Points: the mean of the group's y values; raw input: their standard
     * error (rsc_mean_se); aggregated input: the error of a mean of k
     * independent means, sqrt(sum SE^2) / k = sqrt(mean(SE^2) / k), NaN
     * when one is missing. */
    c->points = rsc_calloc(ng, sizeof *c->points, err);
    if (!c->points)
        goto fail;
    for (size_t i = 0; i < ng; i++) {
        point_key *g = &gs[i];
        rsc_chart_panel *p = &c->panels[pmap[g->pv * sp->nx + g->xi]];
        const char *xt = rsc_table_cell(t, g->row, (size_t)k.x[g->xi]);
        double x = 0;
        if (p->xscale == RSC_SCALE_CATEGORY) {
            for (size_t j = 0; j < p->ncat; j++)
                if (same_value(p->cats[j], xt))
                    x = (double)j;
        } else {
            rsc_parse_number(xt, &x);
            if (p->xscale == RSC_SCALE_LOG && !(x > 0)) {
                c->dropped++;
                continue;
            }
        }
        rsc_chart_point *pt = &c->points[c->npoints];
        if (!(pt->xtext = rsc_strdup(xt, err)))
            goto fail;
        c->npoints++;
        pt->panel = (size_t)pmap[g->pv * sp->nx + g->xi];
        pt->series = (size_t)smap[g->sv * sp->ny + g->yi];
        pt->x = x;
        double n = (double)gr.count[i];
        const double *mean = gr.mean + i * NVALUES;
        pt->y = mean[V_Y];
        if (k.y[g->yi].agg) {
            pt->se = sqrt(mean[V_SE2] / n);
            pt->n = (long)llround(mean[V_N] * n);
        } else {
            pt->se = gr.se[i * NVALUES + V_Y];
            pt->n = (long)gr.count[i];
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
    columns_free(&k);
    rsc_groups_free(&gr);
    free(gs);
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
    static const char *const cols[] = { "panel", "series", "x", "y", "se", "n" };
    rsc_rows *w = rsc_rows_new(fp, fname, 0, cols, 6, err);
    if (!w)
        return -1;
    for (size_t i = 0; i < c->npoints; i++) {
        const rsc_chart_point *p = &c->points[i];
        const rsc_chart_panel *pa = &c->panels[p->panel];
        rsc_rows_str(w, pa->title ? pa->title : pa->xlabel);
        rsc_rows_str(w, c->series[p->series]);
        rsc_rows_text(w, p->xtext);
        rsc_rows_f64(w, p->y);
        rsc_rows_f64(w, p->se);
        rsc_rows_int(w, p->n);
        if (rsc_rows_end(w, err) != 0) {
            rsc_rows_free(w);
            return -1;
        }
    }
    return rsc_rows_close(w, err);
}
