/* manifest.c - dataset manifests (data/manifests/NAME.manifest): parsing,
 * the compiled-in copies or $RSC_MANIFEST_DIR, and the check of a file's
 * content against them while it is imported. */
#include "data/manifest.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The compiled-in manifests: { "fashion", "...text..." }, generated from
 * data/manifests/NAME.manifest by mk/data.am. */
static const struct {
    const char *name;
    const char *text;
} builtin[] = {
#include "data/manifests.inc"
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

#define MANIFEST_MAX (1u << 20)

void rsc_manifest_free(rsc_manifest *m)
{
    if (!m)
        return;
    free(m->e);
    m->e = NULL;
    m->n = 0;
}

static int file_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof ((rsc_manifest_entry *)0)->file)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* Split line [p, end) into blank-separated fields: the count, and the
 * first 3 in f/len. */
static int fields(const char *p, const char *end, const char *f[3], size_t len[3])
{
    int k = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p == end)
            break;
        const char *start = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (k < 3) {
            f[k] = start;
            len[k] = (size_t)(p - start);
        }
        if (k < 1000)
            k++;
    }
    return k;
}

int rsc_manifest_parse(rsc_manifest *m, const char *text, size_t len, const char *title,
                       const char *source, rsc_error *err)
{
    memset(m, 0, sizeof *m);
    snprintf(m->title, sizeof m->title, "%s", title);
    snprintf(m->source, sizeof m->source, "%s", source);
    size_t cap = 0;
    int line = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < eol && *q != '#') {
            const char *f[3];
            size_t fl[3];
            int k = fields(q, eol, f, fl);
            if (k != 3) {
                rsc_manifest_free(m);
                return rsc_fail(err, "%s:%d: %d fields, expected 3 (FILE SIZE MD5)", source, line, k);
            }
            rsc_manifest_entry e = { .size = -1 };
            if (!file_name_ok(f[0], fl[0])) {
                rsc_manifest_free(m);
                return rsc_fail(err, "%s:%d: bad file name '%.*s' (letters, digits, '.', '_', '-'; no folder)",
                                source, line, (int)(fl[0] < 200 ? fl[0] : 200), f[0]);
            }
            memcpy(e.file, f[0], fl[0]);
            if (!(fl[1] == 1 && f[1][0] == '-')) {
                uint64_t v = 0;
                size_t i = 0;
                for (; i < fl[1] && f[1][i] >= '0' && f[1][i] <= '9' && v <= (1ull << 58); i++)
                    v = v * 10 + (uint64_t)(f[1][i] - '0');
                if (i != fl[1] || fl[1] > 18) {
                    rsc_manifest_free(m);
                    return rsc_fail(err, "%s:%d: bad size '%.*s' (bytes, or '-')", source, line,
                                    (int)(fl[1] < 200 ? fl[1] : 200), f[1]);
                }
                e.size = (int64_t)v;
            }
            if (!(fl[2] == 1 && f[2][0] == '-')) {
                if (rsc_md5_parse(f[2], fl[2], e.md5) < 0) {
                    rsc_manifest_free(m);
                    return rsc_fail(err, "%s:%d: bad checksum '%.*s' (32 hex digits of an MD5, or '-')", source,
                                    line, (int)(fl[2] < 200 ? fl[2] : 200), f[2]);
                }
                e.has_md5 = 1;
            }
            if (rsc_manifest_find(m, e.file)) {
                rsc_manifest_free(m);
                return rsc_fail(err, "%s:%d: file '%s' listed twice", source, line, e.file);
            }
            if (m->n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                rsc_manifest_entry *ne = realloc(m->e, nc * sizeof *ne);
                if (!ne) {
                    rsc_manifest_free(m);
                    return rsc_fail(err, "out of memory");
                }
                m->e = ne;
                cap = nc;
            }
            m->e[m->n++] = e;
        }
        p = eol + (eol < end);
    }
    return 0;
}

int rsc_manifest_load(rsc_manifest *m, const char *name, const char *title, rsc_error *err)
{
    const char *dir = getenv("RSC_MANIFEST_DIR");
    if (dir && *dir) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.manifest", dir, name);
        FILE *f = fopen(path, "rb");
        if (!f)
            return rsc_fail(err, "%s: cannot open (RSC_MANIFEST_DIR): %s", path, strerror(errno));
        char *buf = rsc_malloc(MANIFEST_MAX + 1, 1, err);
        if (!buf) {
            fclose(f);
            return -1;
        }
        size_t n = fread(buf, 1, MANIFEST_MAX + 1, f);
        int bad = ferror(f);
        fclose(f);
        int rc;
        if (bad)
            rc = rsc_fail(err, "%s: read error", path);
        else if (n > MANIFEST_MAX)
            rc = rsc_fail(err, "%s: larger than %u bytes: not a manifest", path, MANIFEST_MAX);
        else
            rc = rsc_manifest_parse(m, buf, n, title, path, err);
        free(buf);
        return rc;
    }
    for (size_t i = 0; i < NBUILTIN; i++)
        if (!strcmp(builtin[i].name, name)) {
            char src[128];
            snprintf(src, sizeof src, "data/manifests/%s.manifest", name);
            return rsc_manifest_parse(m, builtin[i].text, strlen(builtin[i].text), title, src, err);
        }
    return rsc_fail(err, "no manifest for dataset '%s'", name);
}

const rsc_manifest_entry *rsc_manifest_find(const rsc_manifest *m, const char *file)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->e[i].file, file))
            return &m->e[i];
    return NULL;
}

/* ------------------------------------------------------------ checking */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void rsc_verify_begin(rsc_verify *v, const rsc_manifest *m, const char *path)
{
    memset(v, 0, sizeof *v);
    v->m = m;
    v->path = path;
    if (!m)
        return;
    const char *b = base_name(path);
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".gz") && n - 3 < sizeof v->content->file) {
        char raw[sizeof v->content->file];
        memcpy(raw, b, n - 3);
        raw[n - 3] = '\0';
        v->content = rsc_manifest_find(m, raw);
        v->packed = rsc_manifest_find(m, b);
    } else {
        v->content = rsc_manifest_find(m, b);
    }
    rsc_md5_init(&v->md5);
    v->hash = v->content && v->content->has_md5;
}

#define SKIP "--no-verify skips this check"

int rsc_verify_size(rsc_verify *v, uint64_t size, rsc_error *err)
{
    if (!v->m || !v->content || v->content->size < 0 || (uint64_t)v->content->size == size)
        return 0;
    return rsc_fail(err, "%s: %llu bytes of content, %s's %s has %lld; " SKIP, v->path, (unsigned long long)size,
                    v->m->title, v->content->file, (long long)v->content->size);
}

/* The hashing thread: a ring of pieces (pointers into the reader's
 * buffer) that it hashes in order into v->md5, which only it touches while
 * it runs. */
#define RING 64
struct rsc_verify_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct {
        const unsigned char *p;
        size_t n;
    } ring[RING];
    unsigned head, tail;   /* pieces taken, pieces queued */
    int stop;
    rsc_md5 *md5;
};

static void *worker_main(void *arg)
{
    rsc_verify_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->head == w->tail && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->head == w->tail)
            break;
        const unsigned char *p = w->ring[w->head % RING].p;
        size_t n = w->ring[w->head % RING].n;
        pthread_mutex_unlock(&w->mu);
        rsc_md5_update(w->md5, p, n);
        pthread_mutex_lock(&w->mu);
        w->head++;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static rsc_verify_worker *worker_start(rsc_md5 *md5)
{
    rsc_verify_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->md5 = md5;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return NULL;
    }
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Hash what is queued, then stop the thread. */
static void worker_finish(rsc_verify *v)
{
    rsc_verify_worker *w = v->w;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    v->w = NULL;
}

void rsc_verify_sync(rsc_verify *v)
{
    rsc_verify_worker *w = v->w;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->head != w->tail)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void rsc_verify_update(rsc_verify *v, const void *data, size_t n)
{
    if (!v->m)
        return;
    v->n += n;
    if (!v->hash)
        return;
    rsc_verify_sync(v);
    rsc_md5_update(&v->md5, data, n);
}

void rsc_verify_feed(rsc_verify *v, const void *data, size_t n)
{
    if (!v->m)
        return;
    v->n += n;
    if (!v->hash || n == 0)
        return;
    if (!v->w && !(v->w = worker_start(&v->md5))) {
        rsc_md5_update(&v->md5, data, n);   /* no thread: hash here */
        return;
    }
    rsc_verify_worker *w = v->w;
    pthread_mutex_lock(&w->mu);
    while (w->tail - w->head == RING)
        pthread_cond_wait(&w->cv, &w->mu);
    w->ring[w->tail % RING].p = data;
    w->ring[w->tail % RING].n = n;
    w->tail++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void rsc_verify_cancel(rsc_verify *v)
{
    worker_finish(v);
}

/* MD5 and size of the file itself (the compressed bytes). */
static int file_md5(const char *path, unsigned char d[16], uint64_t *size, rsc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rsc_fail(err, "%s: cannot open: %s", path, strerror(errno));
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = rsc_malloc(CHUNK, 1, err);
    if (!buf) {
        fclose(f);
        return -1;
    }
    rsc_md5 m;
    rsc_md5_init(&m);
    size_t got;
    *size = 0;
    while ((got = fread(buf, 1, CHUNK, f)) > 0) {
        rsc_md5_update(&m, buf, got);
        *size += got;
    }
    int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad)
        return rsc_fail(err, "%s: read error", path);
    rsc_md5_final(&m, d);
    return 0;
}

/* The .gz file against its own entry: 1 match, 0 not (hex and size in
 * got), -1 error. */
static int packed_matches(rsc_verify *v, char got[33], uint64_t *size, rsc_error *err)
{
    unsigned char d[16];
    if (file_md5(v->path, d, size, err) < 0)
        return -1;
    rsc_md5_hex(d, got);
    return !memcmp(d, v->packed->md5, 16) && (v->packed->size < 0 || (uint64_t)v->packed->size == *size);
}

int rsc_verify_end(rsc_verify *v, rsc_error *err)
{
    worker_finish(v);
    if (!v->m)
        return 0;
    const rsc_manifest_entry *c = v->content, *p = v->packed && v->packed->has_md5 ? v->packed : NULL;
    unsigned char d[16];
    char have[33], want[33], fhave[33], fwant[33];
    rsc_md5_final(&v->md5, d);
    rsc_md5_hex(d, have);
    uint64_t fsize = 0;
    if (c && (c->has_md5 || c->size >= 0)) {
        int size_ok = c->size < 0 || (uint64_t)c->size == v->n;
        if (size_ok && (!c->has_md5 || !memcmp(d, c->md5, 16)))
            return 0;
        int r = p ? packed_matches(v, fhave, &fsize, err) : 0;
        if (r != 0)
            return r > 0 ? 0 : -1;
        if (!size_ok)
            return rsc_fail(err, "%s: %llu bytes of content, %s's %s has %lld; " SKIP, v->path,
                            (unsigned long long)v->n, v->m->title, c->file, (long long)c->size);
        rsc_md5_hex(c->md5, want);
        if (!p)
            return rsc_fail(err, "%s: content does not match %s's checksum (md5 %s, expected %s); " SKIP,
                            v->path, v->m->title, have, want);
        rsc_md5_hex(p->md5, fwant);
        return rsc_fail(err, "%s: content does not match %s's checksum (md5 %s, expected %s; of the "
                        "file itself %s, published %s); " SKIP, v->path, v->m->title, have, want, fhave, fwant);
    }
    if (p) {
        int r = packed_matches(v, fhave, &fsize, err);
        if (r != 0)
            return r > 0 ? 0 : -1;
        rsc_md5_hex(p->md5, fwant);
        if (p->size >= 0 && (uint64_t)p->size != fsize)
            return rsc_fail(err, "%s: %llu bytes, %s's published %s has %lld; " SKIP, v->path,
                            (unsigned long long)fsize, v->m->title, p->file, (long long)p->size);
        return rsc_fail(err, "%s: does not match %s's published checksum (md5 %s, expected %s); " SKIP, v->path,
                        v->m->title, fhave, fwant);
    }
    if (c || v->packed)
        return 0;   /* listed, but nothing published to compare with */
    return rsc_fail(err, "%s: not listed in %s's manifest (%s); " SKIP, v->path, v->m->title, v->m->source);
}
