/* rows.c - TSV and JSON-lines rows of typed cells, numbers in their
 * shortest exact form. */
#include "config.h"

#include "format/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/table.h"

/* The shortest of %.lo_g .. %.hi_g that reads back as v (as a float when
 * single); non-finite values as nan, inf, -inf. */
static char *shortest(char buf[RSC_FMT_SIZE], double v, int lo, int hi, int single)
{
    if (!isfinite(v)) {
        strcpy(buf, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(buf, RSC_FMT_SIZE, "%.*g", prec, v);
        if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

char *rsc_fmt_f32(char buf[RSC_FMT_SIZE], float v)
{
    return shortest(buf, v, 6, 9, 1);
}

char *rsc_fmt_f64(char buf[RSC_FMT_SIZE], double v)
{
    return shortest(buf, v, 15, 17, 0);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0. */
static int utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF;   /* range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;   /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void rsc_json_string(FILE *fp, const char *s)
{
    putc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned c = *p;
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            fputs(esc, fp);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(fp, "\\u%04x", c);
            p++;
        } else {
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", fp);   /* not UTF-8: the replacement character */
                p++;
            } else {
                fwrite(p, 1, (size_t)n, fp);
                p += n;
            }
        }
    }
    putc('"', fp);
}

static const char *digits(const char *p)
{
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

int rsc_json_is_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        p = digits(p);
    else
        return 0;
    if (*p == '.') {
        const char *q = digits(++p);
        if (q == p)
            return 0;
        p = q;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        const char *q = digits(p);
        if (q == p)
            return 0;
        p = q;
    }
    return *p == '\0';
}

/* ------------------------------------------------------------ rows */

void rsc_rows_free(rsc_rows *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ncols; i++)
        free(w->cols[i]);
    free(w->cols);
    free(w->fname);
    free(w);
}

rsc_rows *rsc_rows_new(FILE *fp, const char *fname, int json, const char *const *cols,
                       size_t ncols, rsc_error *err)
{
    rsc_rows *w = rsc_calloc(1, sizeof *w, err);
    if (!w)
        return NULL;
    w->fp = fp;
    w->json = json;
    if (!(w->fname = rsc_strdup(fname, err)) ||
        !(w->cols = rsc_calloc(ncols ? ncols : 1, sizeof *w->cols, err))) {
        rsc_rows_free(w);
        return NULL;
    }
    for (; w->ncols < ncols; w->ncols++)
        if (!(w->cols[w->ncols] = rsc_strdup(cols[w->ncols], err))) {
            rsc_rows_free(w);
            return NULL;
        }
    return w;
}

/* TSV text: tabs and line breaks would break the row. */
static void tsv_text(FILE *fp, const char *s)
{
    for (; *s; s++)
        putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

static void header(rsc_rows *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        if (i)
            putc('\t', w->fp);
        tsv_text(w->fp, w->cols[i]);
    }
    putc('\n', w->fp);
    w->header_done = 1;
}

/* Start a cell: the header before the first row, separators, the key. */
static int cell(rsc_rows *w)
{
    if (w->cell >= w->ncols) {
        w->bad = 1;
        w->cell++;
        return 0;
    }
    if (w->json) {
        putc(w->cell ? ',' : '{', w->fp);
        rsc_json_string(w->fp, w->cols[w->cell]);
        putc(':', w->fp);
    } else {
        if (!w->header_done)
            header(w);
        if (w->cell)
            putc('\t', w->fp);
    }
    w->cell++;
    return 1;
}

static void missing(rsc_rows *w)
{
    fputs(w->json ? "null" : "nan", w->fp);
}

void rsc_rows_str(rsc_rows *w, const char *s)
{
    if (!cell(w))
        return;
    if (w->json)
        rsc_json_string(w->fp, s);
    else
        tsv_text(w->fp, s);
}

void rsc_rows_text(rsc_rows *w, const char *s)
{
    if (!cell(w))
        return;
    if (rsc_is_missing(s))
        missing(w);
    else if (!w->json || rsc_json_is_number(s))
        tsv_text(w->fp, s);
    else
        rsc_json_string(w->fp, s);
}

void rsc_rows_int(rsc_rows *w, long long v)
{
    if (cell(w))
        fprintf(w->fp, "%lld", v);
}

void rsc_rows_uint(rsc_rows *w, uint64_t v)
{
    if (cell(w))
        fprintf(w->fp, "%llu", (unsigned long long)v);
}

void rsc_rows_bool(rsc_rows *w, int v)
{
    if (cell(w))
        fputs(v ? "true" : "false", w->fp);
}

static void number(rsc_rows *w, double v, const char *text)
{
    if (w->json && !isfinite(v))
        missing(w);
    else if (isnan(v))
        missing(w);
    else
        fputs(text, w->fp);
}

void rsc_rows_f32(rsc_rows *w, float v)
{
    char buf[RSC_FMT_SIZE];
    if (cell(w))
        number(w, v, rsc_fmt_f32(buf, v));
}

void rsc_rows_f64(rsc_rows *w, double v)
{
    char buf[RSC_FMT_SIZE];
    if (cell(w))
        number(w, v, rsc_fmt_f64(buf, v));
}

void rsc_rows_missing(rsc_rows *w)
{
    if (cell(w))
        missing(w);
}

void rsc_rows_json(rsc_rows *w, const char *json)
{
    if (!cell(w))
        return;
    if (w->json)
        fputs(json, w->fp);
    else
        tsv_text(w->fp, json);
}

static int check(rsc_rows *w, rsc_error *err)
{
    if (w->bad)
        return rsc_fail(err, "%s: a row with more cells than the %zu columns", w->fname, w->ncols);
    return rsc_fail_stream(err, w->fp, w->fname);
}

int rsc_rows_end(rsc_rows *w, rsc_error *err)
{
    if (w->cell != w->ncols && !w->bad) {
        rsc_fail(err, "%s: a row of %zu cells, but %zu columns", w->fname, w->cell, w->ncols);
        w->cell = 0;
        return -1;
    }
    if (w->json) {
        fputs(w->ncols ? "}\n" : "{}\n", w->fp);
    } else {
        if (!w->header_done)
            header(w);
        putc('\n', w->fp);
    }
    w->cell = 0;
    return check(w, err);
}

int rsc_rows_close(rsc_rows *w, rsc_error *err)
{
    if (!w)
        return 0;
    if (!w->json && !w->header_done)
        header(w);
    int rc = check(w, err);
    rsc_rows_free(w);
    return rc;
}
