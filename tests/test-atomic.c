/* test-atomic.c - atomic outputs (libcommon/core/atomic.c): a committed file
 * appears whole with the umask's mode, an aborted or killed one leaves
 * nothing behind, the temporary file appears only once something is
 * written, symbolic links are followed, FIFOs and devices are written
 * through, a failed rename keeps the output, and errors name the path. */
#include "config.h"

#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/atomic.h"
#include "base/error.h"

static char dir[256];

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test-atomic.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    return 0;
}

/* Number of entries in dir (besides . and ..); the first name in *first. */
static int count_entries(char *first, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == 0 && first)
            snprintf(first, cap, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static int teardown(void **state)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void read_all(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void commit_with_umask(mode_t mask, mode_t want)
{
    char path[512], name[256], buf[64];
    rsc_error err;
    path_in(path, sizeof path, "out.bin");
    mode_t old = umask(mask);
    rsc_output *out = rsc_output_open(path, RSC_OUTPUT_BINARY, &err);
    umask(old);
    assert_non_null(out);
    assert_string_equal(rsc_output_name(out), path);
    assert_int_equal(fputs("hello, atomic", rsc_output_file(out)) >= 0, 1);
    /* nothing on disk until a write reaches the file */
    assert_int_equal(count_entries(NULL, 0), 0);
    assert_int_equal(fflush(rsc_output_file(out)), 0);
    /* before the commit: only the temporary file, named .out.bin.XXXXXX */
    assert_int_equal(count_entries(name, sizeof name), 1);
    assert_int_equal(strncmp(name, ".out.bin.", 9), 0);
    assert_int_equal(strlen(name), strlen(".out.bin.XXXXXX"));
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(rsc_output_commit(out, &err), 0);
    /* after: only the final file, whole, with the umask's mode */
    assert_int_equal(count_entries(name, sizeof name), 1);
    assert_string_equal(name, "out.bin");
    read_all(path, buf, sizeof buf);
    assert_string_equal(buf, "hello, atomic");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, want);
    unlink(path);
}

static void test_commit_mode_022(void **state)
{
    commit_with_umask(022, 0644);
}

static void test_commit_mode_077(void **state)
{
    commit_with_umask(077, 0600);
}

static void test_commit_replaces(void **state)
{
    char path[512], buf[64];
    rsc_error err;
    path_in(path, sizeof path, "r.txt");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old content that is longer", f);
    fclose(f);
    rsc_output *out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    fputs("new", rsc_output_file(out));
    /* the old file is untouched until the commit */
    read_all(path, buf, sizeof buf);
    assert_string_equal(buf, "old content that is longer");
    assert_int_equal(rsc_output_commit(out, &err), 0);
    read_all(path, buf, sizeof buf);
    assert_string_equal(buf, "new");
    assert_int_equal(count_entries(NULL, 0), 1);
}

static void test_abort(void **state)
{
    char path[512];
    rsc_error err;
    path_in(path, sizeof path, "a.bin");
    rsc_output *out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    fputs("partial", rsc_output_file(out));
    fflush(rsc_output_file(out));
    assert_int_equal(count_entries(NULL, 0), 1);
    rsc_output_abort(out);
    assert_int_equal(count_entries(NULL, 0), 0);
    rsc_output_abort(NULL);   /* allowed, does nothing */
}

static void test_abort_keeps_existing(void **state)
{
    char path[512], buf[64];
    rsc_error err;
    path_in(path, sizeof path, "keep.txt");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    rsc_output *out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    fputs("junk", rsc_output_file(out));
    rsc_output_abort(out);
    read_all(path, buf, sizeof buf);
    assert_string_equal(buf, "precious");
    assert_int_equal(count_entries(NULL, 0), 1);
}

static void test_abort_all(void **state)
{
    char p1[512], p2[512], p3[512];
    rsc_error err;
    path_in(p1, sizeof p1, "one");
    path_in(p2, sizeof p2, "two");
    path_in(p3, sizeof p3, "three");
    rsc_output *a = rsc_output_open(p1, 0, &err);
    rsc_output *b = rsc_output_open(p2, 0, &err);
    rsc_output *c = rsc_output_open(p3, 0, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    fputs("1", rsc_output_file(a));
    fputs("2", rsc_output_file(b));
    fflush(rsc_output_file(a));
    fflush(rsc_output_file(b));
    assert_int_equal(rsc_output_commit(c, &err), 0);   /* committed: stays */
    assert_int_equal(count_entries(NULL, 0), 3);
    rsc_output_abort_all();
    char name[256];
    assert_int_equal(count_entries(name, sizeof name), 1);
    assert_string_equal(name, "three");
    /* the handles can still be released */
    rsc_output_abort(a);
    rsc_output_abort(b);
    assert_int_equal(count_entries(NULL, 0), 1);
}

static void test_sigterm_child(void **state)
{
    char path[512];
    int fds[2];
    path_in(path, sizeof path, "killed.rsct");
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rsc_error err;
        close(fds[0]);
        rsc_output_install_signal_handlers();
        rsc_output *out = rsc_output_open(path, RSC_OUTPUT_BINARY, &err);
        if (!out)
            _exit(3);
        FILE *f = rsc_output_file(out);
        for (int i = 0; i < 100000; i++)
            fputc(i & 0xff, f);
        fflush(f);
        if (write(fds[1], "r", 1) != 1)
            _exit(4);
        for (;;)
            pause();
    }
    close(fds[1]);
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    /* the child's temporary file exists now */
    assert_int_equal(count_entries(NULL, 0), 1);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(count_entries(NULL, 0), 0);
}

static void test_missing_folder(void **state)
{
    char path[512];
    rsc_error err;
    path_in(path, sizeof path, "no/such/folder/out.rsct");
    rsc_error_clear(&err);
    rsc_output *out = rsc_output_open(path, RSC_OUTPUT_BINARY, &err);
    assert_null(out);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(count_entries(NULL, 0), 0);
}

static void test_not_a_file_name(void **state)
{
    char path[512];
    rsc_error err;
    rsc_output *out = rsc_output_open("", 0, &err);
    assert_null(out);
    assert_non_null(strstr(err.msg, "not a file name"));
    /* a directory (here "DIR/" and DIR itself) is refused at once */
    path_in(path, sizeof path, "");
    assert_null(rsc_output_open(path, 0, &err));
    assert_non_null(strstr(err.msg, "is a directory"));
    assert_null(rsc_output_open(dir, 0, &err));
    assert_non_null(strstr(err.msg, "is a directory"));
    assert_int_equal(rsc_output_check(dir, &err), -1);
    assert_non_null(strstr(err.msg, "is a directory"));
    assert_int_equal(count_entries(NULL, 0), 0);
}

/* Opening creates nothing; a commit with nothing written gives an empty
 * file, an abort leaves nothing. */
static void test_lazy_temp(void **state)
{
    char path[512], name[256];
    rsc_error err;
    path_in(path, sizeof path, "lazy.tsv");
    rsc_output *out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    assert_int_equal(count_entries(NULL, 0), 0);
    rsc_output_abort(out);
    assert_int_equal(count_entries(NULL, 0), 0);
    out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    assert_int_equal(rsc_output_commit(out, &err), 0);
    assert_int_equal(count_entries(name, sizeof name), 1);
    assert_string_equal(name, "lazy.tsv");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* A symbolic link is followed: its target is replaced, the link stays;
 * relative targets are relative to the link's folder; a dangling link's
 * target is created; a loop is an error. */
static void test_symlink(void **state)
{
    char link[512], target[512], sub[512], buf[64];
    rsc_error err;
    path_in(sub, sizeof sub, "sub");
    assert_int_equal(mkdir(sub, 0777), 0);
    path_in(target, sizeof target, "sub/real.txt");
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    path_in(link, sizeof link, "link.txt");
    assert_int_equal(symlink("sub/real.txt", link), 0);
    rsc_output *out = rsc_output_open(link, 0, &err);
    assert_non_null(out);
    assert_string_equal(rsc_output_name(out), link);
    fputs("new", rsc_output_file(out));
    assert_int_equal(rsc_output_commit(out, &err), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    read_all(target, buf, sizeof buf);
    assert_string_equal(buf, "new");
    /* a chain of two links, the last one dangling */
    char link2[512], made[512];
    path_in(link2, sizeof link2, "link2");
    assert_int_equal(symlink("sub/chain", link2), 0);
    path_in(made, sizeof made, "sub/chain");
    assert_int_equal(symlink("made.txt", made), 0);
    out = rsc_output_open(link2, 0, &err);
    assert_non_null(out);
    fputs("fresh", rsc_output_file(out));
    assert_int_equal(rsc_output_commit(out, &err), 0);
    path_in(made, sizeof made, "sub/made.txt");
    read_all(made, buf, sizeof buf);
    assert_string_equal(buf, "fresh");
    assert_int_equal(lstat(link2, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a loop */
    char loop[512];
    path_in(loop, sizeof loop, "loop");
    assert_int_equal(symlink("loop", loop), 0);
    assert_null(rsc_output_open(loop, 0, &err));
    assert_non_null(strstr(err.msg, "too many levels of symbolic links"));
    assert_non_null(strstr(err.msg, loop));
    unlink(loop);
    unlink(link2);
    unlink(link);
    path_in(made, sizeof made, "sub/chain");
    unlink(made);
    path_in(made, sizeof made, "sub/made.txt");
    unlink(made);
    unlink(target);
    rmdir(sub);
}

/* A FIFO is written through (a reader sees the bytes) and stays a FIFO;
 * so does a character device (/dev/null is harmless to write to). */
static void test_fifo_and_device(void **state)
{
    char fifo[512];
    rsc_error err;
    path_in(fifo, sizeof fifo, "pipe");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *r = fopen(fifo, "rb");
        char buf[64] = "";
        if (!r)
            _exit(3);
        size_t n = fread(buf, 1, sizeof buf - 1, r);
        buf[n] = '\0';
        _exit(strcmp(buf, "through the pipe") == 0 ? 0 : 4);
    }
    rsc_output *out = rsc_output_open(fifo, RSC_OUTPUT_BINARY, &err);
    assert_non_null(out);
    fputs("through the pipe", rsc_output_file(out));
    assert_int_equal(rsc_output_commit(out, &err), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_entries(NULL, 0), 1);
    unlink(fifo);
    out = rsc_output_open("/dev/null", RSC_OUTPUT_BINARY, &err);
    assert_non_null(out);
    fputs("discarded", rsc_output_file(out));
    assert_int_equal(rsc_output_commit(out, &err), 0);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(rsc_output_check("/dev/null", &err), 0);
}

/* When the final rename fails the complete output is kept under its
 * temporary name, and the message says where. */
static void test_rename_failure_keeps(void **state)
{
    char path[512], inside[512], name[256];
    rsc_error err;
    path_in(path, sizeof path, "model.rsct");
    rsc_output *out = rsc_output_open(path, 0, &err);
    assert_non_null(out);
    fputs("a whole model", rsc_output_file(out));
    /* the name becomes a non-empty folder before the commit */
    assert_int_equal(mkdir(path, 0777), 0);
    path_in(inside, sizeof inside, "model.rsct/x");
    FILE *f = fopen(inside, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(rsc_output_commit(out, &err), -1);
    assert_non_null(strstr(err.msg, "cannot rename into place"));
    const char *kept = strstr(err.msg, "kept as ");
    assert_non_null(kept);
    kept += strlen("kept as ");
    char buf[64];
    read_all(kept, buf, sizeof buf);
    assert_string_equal(buf, "a whole model");
    /* the kept file is no longer removed by a signal's clean-up */
    rsc_output_abort_all();
    assert_int_equal(access(kept, F_OK), 0);
    unlink(kept);
    unlink(inside);
    rmdir(path);
    assert_int_equal(count_entries(name, sizeof name), 0);
}

/* rsc_output_check: a writable folder passes and leaves nothing, a
 * missing folder fails naming the path. */
static void test_check(void **state)
{
    char path[512];
    rsc_error err;
    path_in(path, sizeof path, "later.rsct");
    assert_int_equal(rsc_output_check(path, &err), 0);
    assert_int_equal(count_entries(NULL, 0), 0);
    assert_int_equal(rsc_output_check("-", &err), 0);
    path_in(path, sizeof path, "missing/later.rsct");
    assert_int_equal(rsc_output_check(path, &err), -1);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file or directory"));
}

static void test_stdout(void **state)
{
    rsc_error err;
    rsc_output *out = rsc_output_open("-", 0, &err);
    assert_non_null(out);
    assert_ptr_equal(rsc_output_file(out), stdout);
    assert_string_equal(rsc_output_name(out), "stdout");
    assert_int_equal(rsc_output_commit(out, &err), 0);
    out = rsc_output_open(NULL, 0, &err);
    assert_non_null(out);
    rsc_output_abort(out);
}

/* Binary output to a terminal is refused: run the check in a child whose
 * stdout is a pseudo-terminal. */
static void test_refuse_terminal(void **state)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        if (master >= 0)
            close(master);
        skip();
    }
    const char *slave_name = ptsname(master);
    assert_non_null(slave_name);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int slave = open(slave_name, O_RDWR | O_NOCTTY);
        if (slave < 0 || dup2(slave, STDOUT_FILENO) < 0)
            _exit(3);
        rsc_error err;
        rsc_output *out = rsc_output_open("-", RSC_OUTPUT_BINARY, &err);
        if (out)
            _exit(4);
        if (!strstr(err.msg, "terminal"))
            _exit(5);
        /* text output to a terminal is fine */
        out = rsc_output_open("-", 0, &err);
        if (!out)
            _exit(6);
        rsc_output_abort(out);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_mode_022, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_mode_077, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_and_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_failure_keeps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_refuse_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
