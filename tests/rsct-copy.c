/* rsct-copy - test helper: read an rsct file with the C reader and write
 * it again with the C writer.
 *   rsct-copy IN OUT raw|deflate|marked
 * raw: every record raw; deflate: every record deflated; marked: each
 * record as it was in IN (RSC_WRITE_AS_MARKED).  "-" is stdin / stdout.
 * Exit 1 with the reader's message on a malformed IN. */
#include "config.h"

#include <string.h>

#include "core/cli.h"
#include "format/rsct.h"

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc != 4)
        rsc_usage_error("usage: rsct-copy IN OUT raw|deflate|marked");
    unsigned flags;
    if (strcmp(argv[3], "raw") == 0)
        flags = 0;
    else if (strcmp(argv[3], "deflate") == 0)
        flags = RSC_WRITE_COMPRESS;
    else if (strcmp(argv[3], "marked") == 0)
        flags = RSC_WRITE_AS_MARKED;
    else
        rsc_usage_error("unknown mode '%s' (raw, deflate or marked)", argv[3]);
    rsc_error err;
    rsc_file *f = rsc_file_load(argv[1], &err);
    if (!f || rsc_file_save(argv[2], f, flags, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(f);
    return rsc_close_stdout();
}
