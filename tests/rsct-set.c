/* rsct-set - test helper: a copy of an rsct file with metadata keys
 * changed, as a hostile or careless user would hand-edit a checkpoint.
 *   rsct-set IN OUT KEY=VALUE... (an empty VALUE removes the key)
 * Exit 1 with the reader's message on a malformed IN. */
#include "config.h"

#include <string.h>

#include "core/cli.h"
#include "format/rsct.h"

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc < 4)
        rsc_usage_error("usage: rsct-set IN OUT KEY=VALUE...");
    rsc_error err;
    rsc_file *f = rsc_file_load(argv[1], &err);
    if (!f)
        rsc_die_err(&err);
    for (int i = 3; i < argc; i++) {
        char key[256];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof key)
            rsc_usage_error("'%s' is not KEY=VALUE", argv[i]);
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = '\0';
        if (!eq[1])
            rsc_meta_remove(f, key);
        else if (rsc_meta_set(f, key, eq + 1, &err) != 0)
            rsc_die_err(&err);
    }
    if (rsc_file_save(argv[2], f, RSC_WRITE_AS_MARKED, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(f);
    return rsc_close_stdout();
}
