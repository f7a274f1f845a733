/* memlimit.c - the readers' memory ceiling (memlimit.h). */
#include "config.h"

#include "format/memlimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t ceiling;   /* 0: not set */

int rsc_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v > 0))
        return -1;
    double mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mul > 1 && *end == 'i')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return -1;
    v *= mul;
    if (v < 1 || v >= 18446744073709551616.0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static uint64_t physical(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || size <= 0)
        return UINT64_MAX;
    return (uint64_t)pages * (uint64_t)size;
}

uint64_t rsc_max_memory(void)
{
    if (ceiling)
        return ceiling;
    uint64_t v;
    const char *env = getenv("RSC_MAX_MEMORY");
    if (env && *env && rsc_parse_size(env, &v) == 0)
        return v;
    return physical();
}

void rsc_set_max_memory(uint64_t bytes)
{
    ceiling = bytes;
}

void rsc_size_text(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    if (bytes < 1024) {
        snprintf(buf, cap, "%llu bytes", (unsigned long long)bytes);
        return;
    }
    double v = (double)bytes / 1024;
    int u = 0;
    while (v >= 1024 && u < 5)
        v /= 1024, u++;
    if (v == (double)(uint64_t)v)
        snprintf(buf, cap, "%.0f %s", v, unit[u]);
    else
        snprintf(buf, cap, "%.2f %s", v, unit[u]);
}

int rsc_memory_check(uint64_t bytes, const char *fname, const char *what, rsc_error *err)
{
    uint64_t max = rsc_max_memory();
    if (bytes <= max)
        return 0;
    char need[32], have[32];
    rsc_size_text(bytes, need, sizeof need);
    rsc_size_text(max, have, sizeof have);
    return rsc_fail(err, "%s: %s needs %s, more than the memory ceiling of %s (raise it with "
                    "--max-memory=SIZE or RSC_MAX_MEMORY)", fname, what, need, have);
}
