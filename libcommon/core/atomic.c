/* atomic.c - temporary-file-then-rename outputs, and the signal handling
 * that removes unfinished ones. */
#include "config.h"

#include "core/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PENDING 32
#define PATH_CAP 4096

struct rsc_output {
    FILE *fp;
    int is_stdout;
    int slot;                 /* index in pending[], -1 for stdout */
    char *path;               /* final name */
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

rsc_output *rsc_output_open(const char *path, int flags, rsc_error *err)
{
    rsc_output *out = rsc_calloc(1, sizeof *out, err);
    if (!out)
        return NULL;
    out->slot = -1;
    if (!path || strcmp(path, "-") == 0) {
        if ((flags & RSC_OUTPUT_BINARY) && isatty(STDOUT_FILENO)) {
            free(out);
            rsc_fail(err, "refusing to write binary data to a terminal (use -o FILE or a pipe)");
            return NULL;
        }
        out->fp = stdout;
        out->is_stdout = 1;
        return out;
    }
    out->path = rsc_strdup(path, err);
    if (!out->path) {
        free(out);
        return NULL;
    }
    /* temporary name in the same folder: DIR/.BASE.XXXXXX */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0') {
        rsc_fail(err, "%s: not a file name", path);
        goto fail;
    }
    char tmp[PATH_CAP];
    if (dirlen + strlen(base) + 9 >= sizeof tmp) {
        rsc_fail(err, "%s: path too long", path);
        goto fail;
    }
    snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
    /* Block signals between creating the file and registering it. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemp(tmp);
    int saved = errno;
    if (fd >= 0)
        out->slot = claim_slot(tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        rsc_fail(err, "%s: cannot create output: %s", path, strerror(saved));
        goto fail;
    }
    if (out->slot < 0) {
        unlink(tmp);
        close(fd);
        rsc_fail(err, "%s: too many open outputs", path);
        goto fail;
    }
    /* mkstemp creates 0600; give the file the usual umask-derived mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    out->fp = fdopen(fd, "wb");
    if (!out->fp) {
        rsc_fail(err, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        release_slot(out->slot);
        goto fail;
    }
    return out;
fail:
    free(out->path);
    free(out);
    return NULL;
}

FILE *rsc_output_file(rsc_output *out)
{
    return out->fp;
}

const char *rsc_output_name(const rsc_output *out)
{
    return out->is_stdout ? "stdout" : out->path;
}

int rsc_output_commit(rsc_output *out, rsc_error *err)
{
    int rc = 0;
    if (out->is_stdout) {
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = rsc_fail(err, "stdout: write error: %s", strerror(errno));
        free(out);
        return rc;
    }
    const char *tmp = pending[out->slot];
    if (fflush(out->fp) != 0 || ferror(out->fp))
        rc = rsc_fail(err, "%s: write error: %s", out->path, strerror(errno));
    else if (fsync(fileno(out->fp)) != 0 && errno != EINVAL && errno != EROFS)
        rc = rsc_fail(err, "%s: fsync: %s", out->path, strerror(errno));
    if (fclose(out->fp) != 0 && rc == 0)
        rc = rsc_fail(err, "%s: close: %s", out->path, strerror(errno));
    if (rc == 0 && rename(tmp, out->path) != 0)
        rc = rsc_fail(err, "%s: cannot rename into place: %s", out->path, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    release_slot(out->slot);
    free(out->path);
    free(out);
    return rc;
}

void rsc_output_abort(rsc_output *out)
{
    if (!out)
        return;
    if (!out->is_stdout) {
        fclose(out->fp);
        unlink(pending[out->slot]);
        release_slot(out->slot);
        free(out->path);
    }
    free(out);
}
