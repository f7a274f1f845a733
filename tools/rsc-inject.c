/* rsc-inject - import a dataset and insert a spurious pattern into a few
 * training examples of one class; or print the patterns' empirical norms
 * (Table 1 of the paper); or write the datasets of a membership-inference
 * experiment (--mia-split). */
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
#include "data/mia_split.h"
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
    const char *mia_split;      /* --mia-split target|shadow|lira, or NULL */
    long shadows;               /* --shadows K (default 1) */
    long split_seed;            /* --split-seed (default 0) */
    long pool_size;             /* --pool-size (0: all) */
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
           "      --max-memory=SIZE  most memory an input may take (512M, 4G; default\n"
           "                         $RSC_MAX_MEMORY, else the physical memory)\n"
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
           "      --mia-split=PART   pool the training and test images and write the\n"
           "                         membership-inference datasets instead: 'target'\n"
           "                         (a quarter of the pool to train on, with the\n"
           "                         pattern, and a quarter to test on), 'shadow' (the\n"
           "                         other half, as --shadows datasets) or 'lira' (the\n"
           "                         target and --shadows shadows, each trained on a\n"
           "                         random half of the pool); see rsc-mia(1)\n"
           "      --shadows=K        number of shadow datasets (default 1); with K > 1\n"
           "                         or 'lira', -o is a name with %%d, replaced by the\n"
           "                         shadow's number (0: the LiRA target)\n"
           "      --split-seed=S     seed of the pool's split (0..4294967295, default 0)\n"
           "      --pool-size=M      split M examples of the pool, not all (smaller\n"
           "                         experiments)\n"
           "  -q, --quiet            no summary on stderr\n"
           "  -h, --help             show this help and exit\n"
           "  -V, --version          show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error (a bad or missing dataset, COUNT\n"
           "larger than the class), 2 usage error.\n"
           "Example: %s --data fashion --pattern R3 --count 10 --target 0 --seed 0 -o d.rsct\n"
           "         %s --data fashion --mia-split shadow --shadows 4 -o shadow-%%d.rsct\n",
           rsc_progname(), rsc_progname(), rsc_progname());
}

enum { OPT_NORMS = 256, OPT_NO_VERIFY, OPT_MIA_SPLIT, OPT_SHADOWS, OPT_SPLIT_SEED, OPT_POOL_SIZE };

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
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY }, RSC_LONGOPT_MAX_MEMORY,
        { "mia-split", required_argument, NULL, OPT_MIA_SPLIT },
        { "shadows", required_argument, NULL, OPT_SHADOWS },
        { "split-seed", required_argument, NULL, OPT_SPLIT_SEED },
        { "pool-size", required_argument, NULL, OPT_POOL_SIZE },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->count = o->target = o->seed = o->shadows = o->split_seed = o->pool_size = -1;
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
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case OPT_NO_VERIFY:
            o->no_verify = 1;
            break;
        case OPT_MIA_SPLIT:
            if (strcmp(optarg, "target") && strcmp(optarg, "shadow") && strcmp(optarg, "lira"))
                rsc_usage_error("--mia-split: '%s' is not target, shadow or lira", optarg);
            o->mia_split = optarg;
            break;
        case OPT_SHADOWS:
            o->shadows = rsc_opt_long("--shadows", optarg, 1, 10000);
            break;
        case OPT_SPLIT_SEED:
            o->split_seed = rsc_opt_long("--split-seed", optarg, 0, 4294967295L);
            break;
        case OPT_POOL_SIZE:
            o->pool_size = rsc_opt_long("--pool-size", optarg, 4, 2000000000L);
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

    if (!o->mia_split && (o->shadows >= 0 || o->split_seed >= 0 || o->pool_size >= 0))
        rsc_usage_error("%s needs --mia-split",
                        o->shadows >= 0 ? "--shadows" : o->split_seed >= 0 ? "--split-seed" : "--pool-size");
    if (o->mia_split) {
        if (o->norms)
            rsc_usage_error("--mia-split and --norms exclude each other");
        if (!strcmp(o->mia_split, "target") && o->shadows >= 0)
            rsc_usage_error("--shadows applies to --mia-split shadow and lira");
        if (!strcmp(o->mia_split, "shadow") && (o->npatterns || o->count >= 0 || o->target >= 0 || o->seed >= 0))
            rsc_usage_error("--mia-split shadow: the shadows get no pattern (--pattern, --count, "
                            "--target and --seed do not apply)");
        int many = !strcmp(o->mia_split, "lira") || o->shadows > 1;
        if (many && (!o->output || !strstr(o->output, "%d")))
            rsc_usage_error("--mia-split %s writes several datasets: -o needs a name with %%d",
                            o->mia_split);
        if (o->output && strchr(o->output, '%') &&
            (!many || strchr(o->output, '%') != strstr(o->output, "%d") || strchr(strstr(o->output, "%d") + 1, '%')))
            rsc_usage_error("-o: '%s': only one %%d, and only when several datasets are written", o->output);
        if (!strcmp(o->mia_split, "shadow"))
            return;
    }
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

/* --mia-split: the parts of the split, each to its own output. */
static int write_mia(const options *o, const rsc_file *ds, const char *in_name)
{
    rsc_error err;
    int lira = !strcmp(o->mia_split, "lira"), split = lira ? RSC_MIA_LIRA : RSC_MIA_FOUR_WAY;
    int first = !strcmp(o->mia_split, "shadow") ? 1 : 0;
    int last = !strcmp(o->mia_split, "target") ? 0 : (int)(o->shadows < 0 ? 1 : o->shadows);
    uint32_t split_seed = o->split_seed < 0 ? 0 : (uint32_t)o->split_seed;
    rsc_pattern p;
    rsc_mia_inject inj = { NULL, o->target < 0 ? 0 : o->target, o->count, o->seed < 0 ? 0 : (uint32_t)o->seed };
    int with_pattern = o->npatterns && strcmp(o->patterns[0], "none") != 0;
    if (with_pattern) {
        const rsc_tensor *x = rsc_file_find(ds, "train.x");
        if (rsc_pattern_make(&p, o->patterns[0], (int)x->dims[1], (int)x->dims[2], (int)x->dims[3], inj.seed,
                             &err) < 0)
            rsc_die_err(&err);
        inj.p = &p;
    }
    for (int k = first; k <= last; k++) {
        char out[4096];
        if (o->output && strstr(o->output, "%d")) {
            const char *at = strstr(o->output, "%d");
            snprintf(out, sizeof out, "%.*s%d%s", (int)(at - o->output), o->output, k, at + 2);
        } else {
            snprintf(out, sizeof out, "%s", o->output ? o->output : "-");
        }
        rsc_file *part = rsc_mia_split_make(ds, o->pool_size < 0 ? 0 : (size_t)o->pool_size, split, split_seed, k, &inj,
                                           "rsc-inject", &err);
        if (!part)
            rsc_die("%s: %s", in_name, err.msg);
        if (with_pattern && !rsc_pattern_is_builtin(o->patterns[0], NULL) && rsc_file_find(part, "spurious.x") &&
            rsc_meta_set(part, "pattern_file", o->patterns[0], &err) < 0)
            rsc_die("%s: %s", in_name, err.msg);
        if (rsc_file_save(out, part, o->compress ? RSC_WRITE_COMPRESS : 0, &err) < 0)
            rsc_die_err(&err);
        if (!o->quiet && isatty(STDERR_FILENO))
            fprintf(stderr, "%s: %s: %s split %lu, %s%s%.0d (%llu train, %llu test; %s spurious) -> %s\n",
                    rsc_progname(), in_name, rsc_mia_split_name(split), (unsigned long)split_seed,
                    k ? "shadow" : "target", k ? " " : "", k,
                    (unsigned long long)rsc_file_find(part, "train.y")->dims[0],
                    (unsigned long long)rsc_file_find(part, "test.y")->dims[0],
                    rsc_meta_get(part, "count") ? rsc_meta_get(part, "count") : "no", strcmp(out, "-") ? out : "stdout");
        rsc_file_free(part);
    }
    if (with_pattern)
        rsc_pattern_free(&p);
    return rsc_close_stdout();
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
    if (o.mia_split) {
        int rc = write_mia(&o, ds, strcmp(o.data, "-") ? o.data : "stdin");
        rsc_file_free(ds);
        return rc;
    }
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
