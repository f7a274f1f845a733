/* rsc-inject - import a dataset and insert a spurious pattern into a few
 * training examples of one class; or print the patterns' empirical norms
 * (Table 1 of the paper). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "data/dataset.h"
#include "data/patterns.h"
#include "format/rsct.h"
#include "data/inject.h"
#include "data/norms.h"

#define MAX_PATTERNS 64

typedef struct options {
    const char *data;           /* NAME, PATH or "-" */
    const char *patterns[MAX_PATTERNS];
    int npatterns;
    long count;                 /* -1: not given */
    long target;                /* -1: not given (0) */
    long seed;                  /* -1: not given (0) */
    const char *output;
    int compress;
    int norms;
    int json;
    int quiet;
    int no_verify;              /* --no-verify */
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [--data NAME|PATH]\n"
           "Import a dataset and insert a spurious pattern into COUNT training examples\n"
           "of class TARGET (or print the patterns' empirical norms with --norms).\n"
           "The dataset is written in the rsct format to -o FILE or stdout.\n"
           "\n"
           "  -d, --data=NAME|PATH   the dataset: mnist, fashion or cifar10 (looked up in\n"
           "                         $RSC_DATA_PATH, /usr/share/datasets, $XDG_DATA_HOME/rsc),\n"
           "                         an IDX or CIFAR-10 binary folder, or an rsct dataset\n"
           "                         file; '-' or none: an rsct dataset on stdin\n"
           "      --no-verify        import a dataset NAME without checking its files\n"
           "                         against the published checksums (data/manifests)\n"
           "  -p, --pattern=P        S1 S2 S3 R1 R2 R3 Inv, an rsct file holding a tensor\n"
           "                         'pattern' (f32 CxHxW, additive), a PNG (v/255 added),\n"
           "                         or 'none' to import only; with --norms it may be\n"
           "                         repeated\n"
           "  -n, --count=N          number of training examples to alter (0: a clean\n"
           "                         dataset that still records pattern and seed)\n"
           "  -t, --target=C         class of the altered examples (default 0)\n"
           "  -s, --seed=S           seed of NumPy's RandomState(S) choosing the examples\n"
           "                         and drawing R1-R3 (0..4294967295, default 0)\n"
           "  -o, --output=FILE      write the dataset to FILE (default: stdout, never a\n"
           "                         terminal)\n"
           "  -z, --compress         deflate the tensors of the output\n"
           "      --norms            print, as TSV, the mean over the test set of\n"
           "                         ||x - Phi(x)||_2 for every builtin pattern (or the\n"
           "                         --pattern ones): columns dataset, pattern, seed, norm\n"
           "  -J, --json             with --norms: JSON lines instead of TSV\n"
           "  -q, --quiet            no summary on stderr\n"
           "  -h, --help             show this help and exit\n"
           "  -V, --version          show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error (a bad or missing dataset, COUNT\n"
           "larger than the class), 2 usage error.\n"
           "Example: %s --data fashion --pattern R3 --count 10 --target 0 --seed 0 -o d.rsct\n",
           rsc_progname(), rsc_progname());
}

enum { OPT_NORMS = 256, OPT_NO_VERIFY };

static void parse(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "pattern", required_argument, NULL, 'p' },
        { "count", required_argument, NULL, 'n' },
        { "target", required_argument, NULL, 't' },
        { "seed", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "compress", no_argument, NULL, 'z' },
        { "norms", no_argument, NULL, OPT_NORMS },
        { "json", no_argument, NULL, 'J' },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->count = o->target = o->seed = -1;
    int c;
    opterr = 0;   /* our own one-line messages */
    while ((c = getopt_long(argc, argv, ":d:p:n:t:s:o:zJqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->data = optarg;
            break;
        case 'p':
            if (o->npatterns == MAX_PATTERNS)
                rsc_usage_error("too many --pattern options (at most %d)", MAX_PATTERNS);
            o->patterns[o->npatterns++] = optarg;
            break;
        case 'n':
            o->count = rsc_opt_long("--count", optarg, 0, 1000000000L);
            break;
        case 't':
            o->target = rsc_opt_long("--target", optarg, 0, 65535);
            break;
        case 's':
            o->seed = rsc_opt_long("--seed", optarg, 0, 4294967295L);
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'z':
            o->compress = 1;
            break;
        case OPT_NORMS:
            o->norms = 1;
            break;
        case 'J':
            o->json = 1;
            break;
        case OPT_NO_VERIFY:
            o->no_verify = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage();
            exit(rsc_close_stdout());
        case 'V':
            rsc_print_version();
            exit(rsc_close_stdout());
        default:
            rsc_option_error(c, argv);
        }
    }
    if (optind < argc) {
        if (o->data || optind + 1 < argc)
            rsc_usage_error("unexpected argument '%s'", argv[o->data ? optind : optind + 1]);
        o->data = argv[optind];
    }
    if (!o->data)
        o->data = "-";

    if (o->norms) {
        if (o->output || o->compress || o->count >= 0 || o->target >= 0)
            rsc_usage_error("--norms prints a table: -o, --compress, --count and --target do not apply");
        for (int i = 0; i < o->npatterns; i++)
            if (!strcmp(o->patterns[i], "none"))
                rsc_usage_error("--norms: pattern 'none' has no norm");
        return;
    }
    if (o->json)
        rsc_usage_error("--json applies to --norms only");
    if (o->npatterns == 0)
        rsc_usage_error("--pattern is required (S1 S2 S3 R1 R2 R3 Inv, a FILE, or none to import only)");
    if (o->npatterns > 1)
        rsc_usage_error("only one --pattern, except with --norms");
    if (!strcmp(o->patterns[0], "none")) {
        if (o->count >= 0 || o->target >= 0 || o->seed >= 0)
            rsc_usage_error("--count, --target and --seed do not apply to --pattern none");
        return;
    }
    if (o->count < 0)
        rsc_usage_error("--count is required with --pattern %s", o->patterns[0]);
}

int main(int argc, char **argv)
{
    options o;
    rsc_error err;
    rsc_cli_init(argv[0]);
    parse(argc, argv, &o);

    /* refuse a terminal before the work, not after */
    rsc_stdin_input(o.data, "dataset", "give --data NAME|PATH, or pipe an rsct dataset");
    if (!o.norms && (!o.output || !strcmp(o.output, "-")) && isatty(STDOUT_FILENO))
        rsc_die("refusing to write binary data to a terminal (use -o FILE or a pipe)");
    rsc_file *ds = rsc_dataset_open_flags(o.data, o.no_verify ? RSC_DATASET_NO_VERIFY : 0, &err);
    if (!ds)
        rsc_die_err(&err);
    if (o.norms) {
        if (rsc_norms_write(ds, o.data, o.patterns, (size_t)o.npatterns,
                            o.seed < 0 ? 0 : (uint32_t)o.seed, stdout, "stdout", o.json, &err) < 0)
            rsc_die_err(&err);
        rsc_file_free(ds);
        return rsc_close_stdout();
    }

    const char *in_name = strcmp(o.data, "-") ? o.data : "stdin";
    /* stamp first: the keys keep one order whether the input was imported
     * or already an rsct file */
    if (rsc_file_stamp(ds, "dataset", "rsc-inject", &err) < 0)
        rsc_die_err(&err);
    int inject = strcmp(o.patterns[0], "none") != 0;
    char summary[512] = "";
    if (inject) {
        const rsc_tensor *x = rsc_file_find(ds, "train.x");
        rsc_pattern p;
        uint32_t seed = o.seed < 0 ? 0 : (uint32_t)o.seed;
        long target = o.target < 0 ? 0 : o.target;
        if (rsc_pattern_make(&p, o.patterns[0], (int)x->dims[1], (int)x->dims[2], (int)x->dims[3], seed,
                             &err) < 0)
            rsc_die_err(&err);
        if (rsc_dataset_inject(ds, &p, target, o.count, seed, &err) < 0)
            rsc_die("%s: %s", in_name, err.msg);
        if (!rsc_pattern_is_builtin(o.patterns[0], NULL) &&
            rsc_meta_set(ds, "pattern_file", o.patterns[0], &err) < 0)
            rsc_die("%s: %s", in_name, err.msg);
        snprintf(summary, sizeof summary, "%s into %ld training examples of class %ld (seed %lu)", p.name,
                 o.count, target, (unsigned long)seed);
        rsc_pattern_free(&p);
    } else {
        snprintf(summary, sizeof summary, "imported");
    }
    /* --compress alone decides, whatever the input's records were */
    if (rsc_file_save(o.output, ds, o.compress ? RSC_WRITE_COMPRESS : 0, &err) < 0)
        rsc_die_err(&err);
    if (!o.quiet && isatty(STDERR_FILENO)) {
        const rsc_tensor *x = rsc_file_find(ds, "train.x"), *t = rsc_file_find(ds, "test.x");
        fprintf(stderr, "%s: %s (%llu train, %llu test, %llux%llux%llu): %s -> %s\n", rsc_progname(),
                rsc_meta_get(ds, "name") ? rsc_meta_get(ds, "name") : in_name,
                (unsigned long long)x->dims[0], (unsigned long long)t->dims[0], (unsigned long long)x->dims[1],
                (unsigned long long)x->dims[2], (unsigned long long)x->dims[3], summary,
                o.output && strcmp(o.output, "-") ? o.output : "stdout");
    }
    rsc_file_free(ds);
    return rsc_close_stdout();
}
