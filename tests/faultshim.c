/* faultshim.c - test-only LD_PRELOAD library: make the k-th write, fsync
 * or rename of a process fail, as a full disk or a failing device would.
 *   RSC_FAULT_OP=write|fsync|rename  RSC_FAULT_AT=K  RSC_FAULT_ERRNO=ENOSPC|EIO
 *   RSC_FAULT_LOG=FILE   appended "OP K" when the fault was injected
 * Only writes to regular files count (not the terminal or pipes, so that
 * messages still reach stderr); write, fsync and rename are the calls
 * libcommon/core/atomic.c makes itself (stdio's own writes are internal to
 * the C library and not seen here).  Used by tests/faults.sh. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long counter;

/* 1 when this call of op is the one to fail (errno set). */
static int fault(const char *op)
{
    const char *want = getenv("RSC_FAULT_OP");
    if (!want || strcmp(want, op) != 0)
        return 0;
    long at = atol(getenv("RSC_FAULT_AT") ? getenv("RSC_FAULT_AT") : "1");
    if (++counter != at)
        return 0;
    const char *e = getenv("RSC_FAULT_ERRNO");
    const char *log = getenv("RSC_FAULT_LOG");
    if (log) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            char line[64];
            int n = snprintf(line, sizeof line, "%s %ld\n", op, at);
            ssize_t (*real_write)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");
            if (real_write(fd, line, (size_t)n) < 0)
                n = 0;
            close(fd);
        }
    }
    errno = e && !strcmp(e, "EIO") ? EIO : ENOSPC;
    return 1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = dlsym(RTLD_NEXT, "write");
    struct stat st;
    if (fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fault("write"))
        return -1;
    return real(fd, buf, n);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = dlsym(RTLD_NEXT, "fsync");
    if (fault("fsync"))
        return -1;
    return real(fd);
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real)
        real = dlsym(RTLD_NEXT, "rename");
    if (fault("rename"))
        return -1;
    return real(from, to);
}
