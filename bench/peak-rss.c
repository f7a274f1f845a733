/* peak-rss.c - benchmark helper: run a command and report its peak
 * memory, the maximum resident set size of it and the processes it waited
 * for (getrusage of the child, as /usr/bin/time -v reports it).
 *   peak-rss COMMAND [ARG...]
 * The command keeps standard input and output; the last two lines on
 * standard error are "peak-rss: cpu S s" (its user + system time, a
 * measure the machine's other work hardly changes) and "peak-rss: N kB".  Exits with the command's status (127 when
 * it cannot be run, 128 + the signal when it was killed). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: peak-rss COMMAND [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "peak-rss: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "peak-rss: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "peak-rss: wait: %s\n", strerror(errno));
            return 1;
        }
    fprintf(stderr, "peak-rss: cpu %.3f s\n",
            (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                ru.ru_stime.tv_usec / 1e6);
    fprintf(stderr, "peak-rss: %ld kB\n", ru.ru_maxrss);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
