/* cli.c - program name, fatal errors, checked option parsing, progress. */
#include "config.h"

#include "core/cli.h"
#include "core/atomic.h"
#include "format/memlimit.h"
#include "kernels/backend.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "rsc";

static void stuck(const char *msg)
{
    rsc_die("%s", msg);
}

/* Under an address-space limit, a normal exit also leaves with _exit once
 * the program's own exit handlers have run: OpenBLAS's destructor joins
 * its worker threads, and one of them may be spinning on a buffer it
 * cannot allocate, so even a successful run would never end.  Registered
 * first, it runs after every handler registered later (they are called in
 * reverse order) and before the libraries' destructors. */
static void exit_without_destructors(int status, void *arg)
{
    (void)arg;
    fflush(NULL);
    _exit(status);
}

void rsc_cli_init(const char *name)
{
    const char *slash = strrchr(name, '/');
    progname = slash ? slash + 1 : name;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        on_exit(exit_without_destructors, NULL);
    rsc_output_install_signal_handlers();
    rsc_backend_on_stuck(stuck);
    const char *mm = getenv("RSC_MAX_MEMORY");
    uint64_t v;
    if (mm && *mm && rsc_parse_size(mm, &v) != 0)
        rsc_usage_error("RSC_MAX_MEMORY: '%s' is not a size (a number of bytes, or with K, M, "
                        "G or T: 512M, 4G)", mm);
}

const char *rsc_progname(void)
{
    return progname;
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s", progname, prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* End the process after an error: flush what was printed, remove
 * unfinished outputs, and leave with _exit.  exit() would run the
 * libraries' destructors, and OpenBLAS's joins its worker threads, which
 * never return when one of them keeps retrying a failed allocation (out of
 * memory), so the process would hang instead of failing. */
static noreturn void die_now(int status)
{
    fflush(stdout);
    fflush(stderr);
    rsc_output_abort_all();
    _exit(status);
}

void rsc_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
    die_now(RSC_EXIT_RUNTIME);
}

void rsc_die_err(const rsc_error *err)
{
    rsc_die("%s", err && err->msg[0] ? err->msg : "unknown error");
}

void rsc_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
    die_now(RSC_EXIT_USAGE);
}

void rsc_option_error(int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (c == ':')
        rsc_usage_error("option '%s' requires an argument", arg);
    if (optopt > 0 && optopt < 256 && strncmp(arg, "--", 2) != 0)
        rsc_usage_error("invalid option -- '%c'", optopt);
    rsc_usage_error("unrecognized option '%s'", arg);
}

void rsc_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void rsc_deprecated(const char *old, const char *replacement)
{
    rsc_warn("%s is deprecated, use %s (the old spelling goes in the next release)", old,
             replacement);
}

void rsc_stdin_not_terminal(const char *what, const char *how)
{
    if (isatty(STDIN_FILENO))
        rsc_usage_error("no %s given (%s)", what, how);
}

void rsc_stdin_input(const char *path, const char *what, const char *how)
{
    if (path && strcmp(path, "-") != 0)
        return;
    rsc_stdin_not_terminal(what, how);
    int c = getc(stdin);
    if (c == EOF) {
        if (ferror(stdin))
            rsc_die("stdin: %s", strerror(errno));
        rsc_die("no %s on standard input (%s)", what, how);
    }
    ungetc(c, stdin);
}

void rsc_print_version(void)
{
    printf("%s (%s) %s\n", progname, PACKAGE_NAME, PACKAGE_VERSION);
    printf("License MIT: see COPYING.  There is NO WARRANTY.\n");
}

int rsc_close_stdout(void)
{
    int bad = ferror(stdout);
    if (fclose(stdout) != 0 || bad) {
        if (errno == EPIPE)
            return 0;
        fprintf(stderr, "%s: write error on stdout: %s\n", progname,
                errno ? strerror(errno) : "I/O error");
        return RSC_EXIT_RUNTIME;
    }
    return 0;
}

int rsc_parse_long(const char *opt, const char *s, long min, long max, long *out, rsc_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno == ERANGE)
        return rsc_fail(err, "%s: '%s' is not an integer", opt, s);
    if (v < min || v > max)
        return rsc_fail(err, "%s: %ld is out of range [%ld, %ld]", opt, v, min, max);
    *out = v;
    return 0;
}

int rsc_parse_double(const char *opt, const char *s, double min, double max, double *out, rsc_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v))
        return rsc_fail(err, "%s: '%s' is not a finite number", opt, s);
    if (v < min || v > max)
        return rsc_fail(err, "%s: %g is out of range [%g, %g]", opt, v, min, max);
    *out = v;
    return 0;
}

void rsc_opt_max_memory(const char *s)
{
    uint64_t v;
    if (rsc_parse_size(s, &v) != 0)
        rsc_usage_error("--max-memory: '%s' is not a size (a number of bytes, or with K, M, G "
                        "or T: 512M, 4G)", s);
    rsc_set_max_memory(v);
}

long rsc_opt_long(const char *opt, const char *s, long min, long max)
{
    rsc_error err;
    long v;
    if (rsc_parse_long(opt, s, min, max, &v, &err) != 0)
        rsc_usage_error("%s", err.msg);
    return v;
}

double rsc_opt_double(const char *opt, const char *s, double min, double max)
{
    rsc_error err;
    double v;
    if (rsc_parse_double(opt, s, min, max, &v, &err) != 0)
        rsc_usage_error("%s", err.msg);
    return v;
}

static int push(double **v, size_t *n, size_t *cap, size_t max_n, double x, const char *opt, rsc_error *err)
{
    if (*n >= max_n)
        return rsc_fail(err, "%s: more than %zu values", opt, max_n);
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        double *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return rsc_fail(err, "out of memory");
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return 0;
}

long rsc_parse_list(const char *opt, const char *s, size_t max_n, double **out, rsc_error *err)
{
    double *v = NULL;
    size_t n = 0, cap = 0;
    char *copy = rsc_strdup(s, err);
    if (!copy)
        return -1;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *c1 = strchr(item, ':');
        if (!c1) {
            double x;
            if (rsc_parse_double(opt, item, -HUGE_VAL, HUGE_VAL, &x, err) != 0)
                goto fail;
            if (push(&v, &n, &cap, max_n, x, opt, err) != 0)
                goto fail;
            continue;
        }
        char *c2 = strchr(c1 + 1, ':');
        if (!c2 || strchr(c2 + 1, ':')) {
            rsc_fail(err, "%s: range '%s' is not START:STOP:STEP", opt, item);
            goto fail;
        }
        *c1 = *c2 = '\0';
        double a, b, step;
        if (rsc_parse_double(opt, item, -HUGE_VAL, HUGE_VAL, &a, err) != 0 ||
            rsc_parse_double(opt, c1 + 1, -HUGE_VAL, HUGE_VAL, &b, err) != 0 ||
            rsc_parse_double(opt, c2 + 1, -HUGE_VAL, HUGE_VAL, &step, err) != 0)
            goto fail;
        if (step == 0 || (b - a) * step < 0) {
            rsc_fail(err, "%s: range %g:%g:%g is empty or has a zero step", opt, a, b, step);
            goto fail;
        }
        double steps = (b - a) / step;
        long k = (long)floor(steps + 1e-9 * (1 + fabs(steps)));
        for (long i = 0; i <= k; i++) {
            /* The decimal the user means: 0:1:0.01 holds 0.07, not
             * 7 * 0.01 = 0.07000000000000001. */
            char buf[32];
            snprintf(buf, sizeof buf, "%.15g", a + (double)i * step);
            if (push(&v, &n, &cap, max_n, strtod(buf, NULL), opt, err) != 0)
                goto fail;
        }
    }
    free(copy);
    if (n == 0) {
        free(v);
        return rsc_fail(err, "%s: empty list", opt);
    }
    *out = v;
    return (long)n;
fail:
    free(copy);
    free(v);
    return -1;
}

void rsc_print_wrapped(FILE *fp, int col, const char *text, int indent, int width)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        int len = (int)strcspn(p, " ");
        if (len == 0)
            break;
        if (!first && col + 1 + len > width) {
            fprintf(fp, "\n%*s", indent, "");
            col = indent;
            first = 1;
        }
        col += fprintf(fp, "%s%.*s", first ? "" : " ", len, p);
        first = 0;
        p += len;
    }
    putc('\n', fp);
}

double rsc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int rsc_isatty(int fd)
{
    return isatty(fd);
}

void rsc_progress_start(rsc_progress *p, int mode, const char *label, double total, const char *unit)
{
    memset(p, 0, sizeof *p);
    p->enabled = mode > 0 || (mode == 0 && isatty(STDERR_FILENO));
    p->label = label;
    p->total = total;
    p->t_start = rsc_now();
    p->t_last_draw = -1;
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "");
}

static void draw(rsc_progress *p, const char *extra, int final)
{
    double t = rsc_now() - p->t_start;
    double frac = p->total > 0 ? p->done / p->total : 0;
    if (frac > 1)
        frac = 1;
    double rate = t > 0 ? p->done / t : 0;
    double eta = rate > 0 ? (p->total - p->done) / rate : 0;
    char bar[21];
    int filled = (int)(frac * 20 + 0.5);
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f%% %.0f %s/s %s %02d:%02d%s%s\033[K",
            p->label ? p->label : "", bar, 100 * frac, rate, p->unit,
            final ? "took" : "ETA", (int)((final ? t : eta) / 60), (int)(final ? t : eta) % 60,
            extra && *extra ? "  " : "", extra ? extra : "");
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

void rsc_progress_update(rsc_progress *p, double done, const char *extra)
{
    if (!p->enabled)
        return;
    p->done = done;
    double now = rsc_now();
    if (p->t_last_draw >= 0 && now - p->t_last_draw < 0.1)
        return;
    p->t_last_draw = now;
    draw(p, extra, 0);
}

void rsc_progress_end(rsc_progress *p, const char *extra)
{
    if (!p->enabled)
        return;
    p->done = p->total;
    draw(p, extra, 1);
}
