/* manifest.h - the checksums of the known dataset files, and their check
 * while a dataset is imported.
 *
 * A manifest (data/manifests/NAME.manifest: mnist, fashion, cifar10) lists
 * a dataset's files, one per line, as FILE SIZE MD5 separated by blanks;
 * '-' marks a size or checksum that no source publishes; '#' starts a
 * comment line.  An entry for the uncompressed name (train-images-idx3-ubyte)
 * is checked against the content as read, decompressed or not, so that a
 * recompressed copy (Debian's dataset-fashion-mnist) passes; an entry for
 * the compressed name (train-images-idx3-ubyte.gz) is the published
 * checksum of the download, accepted as well.
 *
 * The manifests are compiled in from data/manifests/ (and installed under
 * $(pkgdatadir)/manifests for reading).  RSC_MANIFEST_DIR=DIR in the
 * environment makes rsc_manifest_load() read DIR/NAME.manifest instead
 * (tests; or a copy of a dataset that its publisher never listed). */
#ifndef RSC_MANIFEST_H
#define RSC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "core/md5.h"

typedef struct rsc_manifest_entry {
    char file[128];
    int64_t size;               /* bytes; -1 unknown */
    int has_md5;
    unsigned char md5[16];
} rsc_manifest_entry;

typedef struct rsc_manifest {
    char title[32];             /* the dataset as messages name it: Fashion-MNIST */
    char source[256];           /* where it was read, for messages */
    size_t n;
    rsc_manifest_entry *e;
} rsc_manifest;

/* Parse manifest text (len bytes, not necessarily NUL-terminated); source
 * names it in messages ("fashion.manifest:3: ...").  -1 with a message on a
 * malformed line. */
int rsc_manifest_parse(rsc_manifest *m, const char *text, size_t len, const char *title,
                       const char *source, rsc_error *err);

/* The manifest of dataset `name` (mnist, fashion, cifar10): from
 * $RSC_MANIFEST_DIR/NAME.manifest when that variable is set, else the
 * compiled-in copy.  title is how messages name the dataset. */
int rsc_manifest_load(rsc_manifest *m, const char *name, const char *title, rsc_error *err);

void rsc_manifest_free(rsc_manifest *m);

/* The entry for a file name (no folder), or NULL. */
const rsc_manifest_entry *rsc_manifest_find(const rsc_manifest *m, const char *file);

/* The check of one file, fed with its content as it is read: begin, the
 * expected size as soon as it is known, every content byte in order
 * (decompressed) through update or feed, end.  With m NULL every call
 * succeeds and does nothing.  Failures name the file and end with
 * "--no-verify skips this check".
 *
 * The MD5 is computed only when the manifest has one for the content.
 * rsc_verify_feed() hands the bytes to a hashing thread, so that hashing
 * overlaps with reading and decompressing (the reader's buffer is hashed
 * where it lies: no copy); rsc_verify_update() hashes at once. */
typedef struct rsc_verify_worker rsc_verify_worker;
typedef struct rsc_verify {
    const rsc_manifest *m;
    const char *path;
    const rsc_manifest_entry *content;   /* entry of the uncompressed name */
    const rsc_manifest_entry *packed;    /* entry of a .gz name, as given */
    int hash;                            /* the content's MD5 is wanted */
    rsc_md5 md5;
    uint64_t n;
    rsc_verify_worker *w;                /* the hashing thread, once started */
} rsc_verify;

void rsc_verify_begin(rsc_verify *v, const rsc_manifest *m, const char *path);
/* Fails at once when the manifest gives the content another size. */
int rsc_verify_size(rsc_verify *v, uint64_t size, rsc_error *err);
/* The next n bytes of content; the caller may reuse data at once. */
void rsc_verify_update(rsc_verify *v, const void *data, size_t n);
/* The next n bytes of content, which must stay in place and unchanged until
 * rsc_verify_sync(), rsc_verify_end() or rsc_verify_cancel() returns. */
void rsc_verify_feed(rsc_verify *v, const void *data, size_t n);
/* Wait until every byte fed so far is hashed (before moving or freeing
 * them). */
void rsc_verify_sync(rsc_verify *v);
/* Compare: the content's MD5 and size with the uncompressed name's entry;
 * failing that (or without one), for a .gz file, the MD5 of the file itself
 * with its own entry (one more pass over the compressed bytes).  A file the
 * manifest does not list fails. */
int rsc_verify_end(rsc_verify *v, rsc_error *err);
/* Stop a check that will not be ended (the read failed); safe to call
 * after rsc_verify_end() and more than once. */
void rsc_verify_cancel(rsc_verify *v);

#endif
