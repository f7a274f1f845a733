/* atomic.c - outputs that appear whole or not at all, written through
 * where a rename cannot help, and the signal handling that removes
 * unfinished ones. */
#include "config.h"

#define _GNU_SOURCE 1   /* fopencookie */
#include "core/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PENDING 32
#define PATH_CAP 4096
#define MAX_LINKS 40

enum out_kind { OUT_STDOUT, OUT_FILE, OUT_DIRECT };

struct rsc_output {
    FILE *fp;
    int kind;
    int fd;                   /* OUT_FILE: the temporary file, -1 until written */
    int slot;                 /* OUT_FILE: index in pending[], -1 until created */
    int failed;               /* OUT_FILE: creating the temporary file failed */
    int saved_errno;
    mode_t mode;              /* OUT_FILE: 0666 less the umask at open time */
    char *path;               /* the name given */
    char *target;             /* what is replaced: path, or a symlink's target */
};

/* Temporary files not yet committed.  Plain arrays so the signal handler
 * can walk them without locks or allocation. */
static char pending[MAX_PENDING][PATH_CAP];
static volatile sig_atomic_t pending_used[MAX_PENDING];
static volatile sig_atomic_t graceful;
static volatile sig_atomic_t pending_signal;

static int claim_slot(const char *tmp)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (!pending_used[i]) {
            size_t n = strlen(tmp);
            if (n >= PATH_CAP)
                return -1;
            memcpy(pending[i], tmp, n + 1);
            pending_used[i] = 1;
            return i;
        }
    }
    return -1;
}

static void release_slot(int slot)
{
    if (slot >= 0)
        pending_used[slot] = 0;
}

void rsc_output_abort_all(void)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending_used[i]) {
            unlink(pending[i]);
            pending_used[i] = 0;
        }
    }
}

static void on_signal(int sig)
{
    if (graceful && !pending_signal) {
        pending_signal = sig;
        return;
    }
    rsc_output_abort_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

void rsc_output_install_signal_handlers(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

void rsc_signal_set_graceful(int on)
{
    graceful = on ? 1 : 0;
}

int rsc_signal_pending(void)
{
    return pending_signal;
}

/* ------------------------------------------------------------ paths */

/* The file a write to `path` should replace: path itself, or, when path
 * is a symbolic link, the file at the end of its chain (which need not
 * exist yet), as `sed -i --follow-symlinks` does.  Relative link targets
 * are relative to the link's folder.  Malloc'ed; NULL with a message. */
static char *resolve_target(const char *path, rsc_error *err)
{
    char *cur = rsc_strdup(path, err);
    if (!cur)
        return NULL;
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        if (hops == MAX_LINKS) {
            rsc_fail(err, "%s: too many levels of symbolic links", path);
            free(cur);
            return NULL;
        }
        char link[PATH_CAP];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0 || (size_t)n >= sizeof link - 1) {
            rsc_fail(err, "%s: cannot read symbolic link %s: %s", path, cur,
                     n < 0 ? strerror(errno) : "target too long");
            free(cur);
            return NULL;
        }
        link[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t dirlen = (link[0] != '/' && slash) ? (size_t)(slash - cur + 1) : 0;
        char *next = rsc_malloc(dirlen + (size_t)n + 1, 1, err);
        if (!next) {
            free(cur);
            return NULL;
        }
        memcpy(next, cur, dirlen);
        memcpy(next + dirlen, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
}

/* "DIR/.BASE.XXXXXX" for target "DIR/BASE" (or ".BASE.XXXXXX"). */
static int temp_template(const char *target, char tmp[PATH_CAP], rsc_error *err)
{
    const char *slash = strrchr(target, '/');
    size_t dirlen = slash ? (size_t)(slash - target + 1) : 0;
    const char *base = slash ? slash + 1 : target;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return rsc_fail(err, "%s: not a file name", target);
    if (dirlen + strlen(base) + 9 >= PATH_CAP)
        return rsc_fail(err, "%s: path too long", target);
    snprintf(tmp, PATH_CAP, "%.*s.%s.XXXXXX", (int)dirlen, target, base);
    return 0;
}

/* Create the temporary file for out, registered for removal on signals. */
static int create_temp(rsc_output *out)
{
    char tmp[PATH_CAP];
    if (temp_template(out->target, tmp, NULL) != 0) {
        out->saved_errno = ENAMETOOLONG;
        return -1;
    }
    /* Block signals between creating the file and registering it. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemp(tmp);
    int saved = errno;
    int slot = fd >= 0 ? claim_slot(tmp) : -1;
    if (fd >= 0 && slot < 0) {
        unlink(tmp);
        close(fd);
        fd = -1;
        saved = EMFILE;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        out->saved_errno = saved;
        return -1;
    }
    /* mkstemp creates 0600; give the file the usual umask-derived mode
     * (failing leaves a private file: harmless). */
    if (fchmod(fd, out->mode) != 0)
        out->saved_errno = 0;
    out->fd = fd;
    out->slot = slot;
    return 0;
}

/* A regular file's stream writes through these: the temporary file is
 * created by the first write (or the commit), so that a process killed
 * before it writes anything leaves nothing behind. */
static ssize_t lazy_write(void *cookie, const char *buf, size_t size)
{
    rsc_output *out = cookie;
    if (out->fd < 0) {
        if (out->failed || create_temp(out) != 0) {
            out->failed = 1;
            errno = out->saved_errno;
            return -1;
        }
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(out->fd, buf + done, size - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            out->saved_errno = errno;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)size;
}

static int lazy_close(void *cookie)
{
    (void)cookie;   /* the descriptor is closed by commit or abort */
    return 0;
}

/* Check, before any work, that target's folder can take a new file: a
 * probe file is created and removed at once. */
static int probe_folder(const char *path, const char *target, rsc_error *err)
{
    char tmp[PATH_CAP];
    if (temp_template(target, tmp, err) != 0)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        if (strcmp(path, target) != 0)
            return rsc_fail(err, "%s: cannot create output (in the folder of %s): %s", path,
                            target, strerror(e));
        return rsc_fail(err, "%s: cannot create output: %s", path, strerror(e));
    }
    close(fd);
    unlink(tmp);
    return 0;
}

int rsc_output_check(const char *path, rsc_error *err)
{
    if (!path || strcmp(path, "-") == 0)
        return 0;
    char *target = resolve_target(path, err);
    if (!target)
        return -1;
    struct stat st;
    int rc = 0;
    if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
        rc = rsc_fail(err, "%s: is a directory", path);
    else if (stat(target, &st) == 0 && !S_ISREG(st.st_mode))
        rc = access(target, W_OK) == 0 ? 0 : rsc_fail(err, "%s: %s", path, strerror(errno));
    else
        rc = probe_folder(path, target, err);
    free(target);
    return rc;
}

/* ------------------------------------------------------------ outputs */

static void output_free(rsc_output *out)
{
    free(out->path);
    free(out->target);
    free(out);
}

rsc_output *rsc_output_open(const char *path, int flags, rsc_error *err)
{
    rsc_output *out = rsc_calloc(1, sizeof *out, err);
    if (!out)
        return NULL;
    out->slot = -1;
    out->fd = -1;
    if (!path || strcmp(path, "-") == 0) {
        if ((flags & RSC_OUTPUT_BINARY) && isatty(STDOUT_FILENO)) {
            free(out);
            rsc_fail(err, "refusing to write binary data to a terminal (use -o FILE or a pipe)");
            return NULL;
        }
        out->fp = stdout;
        out->kind = OUT_STDOUT;
        return out;
    }
    out->path = rsc_strdup(path, err);
    out->target = out->path ? resolve_target(path, err) : NULL;
    if (!out->target)
        goto fail;
    struct stat st;
    if (stat(out->target, &st) == 0 && S_ISDIR(st.st_mode)) {
        rsc_fail(err, "%s: is a directory", path);
        goto fail;
    }
    if (stat(out->target, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device, FIFO or socket: a rename would replace it with a
         * regular file; write to it instead (as a shell redirection does). */
        int fd = open(out->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            rsc_fail(err, "%s: cannot open output: %s", path, strerror(errno));
            goto fail;
        }
        if ((flags & RSC_OUTPUT_BINARY) && isatty(fd)) {
            close(fd);
            rsc_fail(err, "%s: refusing to write binary data to a terminal", path);
            goto fail;
        }
        out->fp = fdopen(fd, "wb");
        if (!out->fp) {
            rsc_fail(err, "%s: %s", path, strerror(errno));
            close(fd);
            goto fail;
        }
        out->kind = OUT_DIRECT;
        return out;
    }
    if (probe_folder(path, out->target, err) != 0)
        goto fail;
    mode_t mask = umask(0);
    umask(mask);
    out->mode = 0666 & ~mask;
    static const cookie_io_functions_t io = { NULL, lazy_write, NULL, lazy_close };
    out->fp = fopencookie(out, "wb", io);
    if (!out->fp) {
        rsc_fail(err, "%s: %s", path, strerror(errno));
        goto fail;
    }
    out->kind = OUT_FILE;
    return out;
fail:
    output_free(out);
    return NULL;
}

FILE *rsc_output_file(rsc_output *out)
{
    return out->fp;
}

const char *rsc_output_name(const rsc_output *out)
{
    return out->kind == OUT_STDOUT ? "stdout" : out->path;
}

int rsc_output_commit(rsc_output *out, rsc_error *err)
{
    int rc = 0;
    if (out->kind == OUT_STDOUT) {
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = rsc_fail(err, "stdout: write error: %s", strerror(errno));
        free(out);
        return rc;
    }
    if (out->kind == OUT_DIRECT) {
        if (fflush(out->fp) != 0 || ferror(out->fp))
            rc = rsc_fail(err, "%s: write error: %s", out->path, strerror(errno));
        if (fclose(out->fp) != 0 && rc == 0)
            rc = rsc_fail(err, "%s: close: %s", out->path, strerror(errno));
        output_free(out);
        return rc;
    }
    if (fflush(out->fp) != 0 || ferror(out->fp))
        rc = rsc_fail(err, "%s: write error: %s", out->path,
                      strerror(out->saved_errno ? out->saved_errno : EIO));
    fclose(out->fp);
    if (rc == 0 && out->fd < 0 && create_temp(out) != 0)   /* nothing was written */
        rc = rsc_fail(err, "%s: cannot create output: %s", out->path, strerror(out->saved_errno));
    if (rc == 0 && fsync(out->fd) != 0 && errno != EINVAL && errno != EROFS)
        rc = rsc_fail(err, "%s: fsync: %s", out->path, strerror(errno));
    if (out->fd >= 0 && close(out->fd) != 0 && rc == 0)
        rc = rsc_fail(err, "%s: close: %s", out->path, strerror(errno));
    if (rc == 0 && rename(pending[out->slot], out->target) != 0) {
        /* The output is complete: keep it where it is and say where. */
        int e = errno;
        char kept[PATH_CAP];
        snprintf(kept, sizeof kept, "%s", pending[out->slot]);
        release_slot(out->slot);
        rc = rsc_fail(err, "%s: cannot rename into place: %s; the output is kept as %s",
                      out->path, strerror(e), kept);
        output_free(out);
        return rc;
    }
    if (rc != 0 && out->slot >= 0)
        unlink(pending[out->slot]);
    release_slot(out->slot);
    output_free(out);
    return rc;
}

void rsc_output_abort(rsc_output *out)
{
    if (!out)
        return;
    if (out->kind == OUT_STDOUT) {
        free(out);
        return;
    }
    fclose(out->fp);
    if (out->kind == OUT_FILE && out->fd >= 0)
        close(out->fd);
    if (out->slot >= 0)
        unlink(pending[out->slot]);
    release_slot(out->slot);
    output_free(out);
}
