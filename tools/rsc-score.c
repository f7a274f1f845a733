/* rsc-score - what a trained model learned from the spurious pattern:
 * clean and spurious test accuracy, the epsilon-spurious score, the
 * prediction difference and the attack success rate (one row per model);
 * the mean and standard error of those over seeds (--aggregate), the
 * correlation of pattern norm and spurious score (--norms, App. B.4.1), and
 * the occlusion sensitivity curve (--sensitivity, Fig. 10). */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "data/dataset.h"
#include "format/table.h"
#include "kernels/backend.h"
#include "mia/report.h"
#include "score/aggregate.h"
#include "score/scoring.h"
#include "score/sensitivity.h"

/* Columns that are neither group keys nor metrics when aggregating
 * (split_seed: rsc-mia's rows). */
static const char *const SEED_COLUMNS[] = { "model", "seed", "train_seed", "pattern_seed", "split_seed" };
#define NSEEDCOLS (sizeof SEED_COLUMNS / sizeof *SEED_COLUMNS)

#define MAX_METRICS 64

struct options {
    const char *data;
    const char *pattern;
    long pattern_seed;        /* -1: not given */
    long target;              /* -1: not given */
    double epsilon;           /* NaN: 1/classes */
    int json;
    int aggregate;
    const char *norms;
    const char *metrics;      /* --metrics for --aggregate */
    int sensitivity;
    long examples;
    long seed;
    const char *fractions;
    const char *split;
    long threads;
    const char *device;
    long batch_size;
    int progress;             /* -1 quiet, 0 auto, 1 forced */
    int no_verify;            /* --no-verify */
    char **inputs;
    int ninputs;
};

static void usage(void)
{
    printf("Usage: %s [OPTION]... [MODEL]...\n"
           "  or:  %s --aggregate [--norms FILE] [OPTION]... [TSV]...\n", rsc_progname(), rsc_progname());
    puts("Score trained models (rsct files from rsc-train) on a test set with and\n"
         "without the spurious pattern.  One row per model: the model's provenance,\n"
         "then clean_acc, spurious_acc, spurious_score, pd_mean, pd_max, asr and\n"
         "n_test (see rsc-score(1) for every column).  With no MODEL, or when MODEL\n"
         "is -, read one model from standard input.\n"
         "\n"
         "Test data and pattern:\n"
         "  -d, --data=NAME|PATH     test set: mnist, fashion, cifar10, an IDX or CIFAR-10\n"
         "                           folder, or an rsct dataset (clean or injected);\n"
         "                           default: the dataset named by the model's `name` key\n"
         "  -p, --pattern=P          score against pattern P (S1 S2 S3 R1 R2 R3 Inv, or an\n"
         "                           rsct file holding one) instead of the model's own\n"
         "                           (needed for models trained on clean data)\n"
         "      --pattern-seed=S     seed of a random pattern given with --pattern\n"
         "                           (default: the model's `seed` key, else 0)\n"
         "  -t, --target=T           target class (default: the model's `target` key,\n"
         "                           else the dataset's)\n"
         "      --epsilon=E          spurious score threshold: count an example when\n"
         "                           f_t(Phi(x)) - f_t(x) > E (default 1/classes)\n"
         "\n"
         "Modes:\n"
         "      --aggregate          read rsc-score rows (TSV files or stdin) and print,\n"
         "                           per group of rows equal in every column except\n"
         "                           model and the seeds, <metric>_mean, <metric>_se\n"
         "                           (standard error, n-1 variance) and n\n"
         "      --metrics=LIST       with --aggregate: the columns to average (comma\n"
         "                           list; default the six rsc-score metrics, or\n"
         "                           rsc-mia's for a table with attack_acc)\n"
         "      --norms=FILE         with --aggregate: print instead the Pearson\n"
         "                           correlation (r, two-sided p) over patterns between\n"
         "                           each pattern's mean empirical norm (FILE from\n"
         "                           rsc-inject --norms) and its mean spurious score\n"
         "      --sensitivity        occlusion curve (Fig. 10): mean probability of the\n"
         "                           true label with a growing share of each example's\n"
         "                           non-zero pixels set to zero\n"
         "      --examples=K         with --sensitivity: examples (default 500)\n"
         "  -s, --seed=S             with --sensitivity: seed of the example and pixel\n"
         "                           choices (NumPy RandomState; default 0)\n"
         "      --fractions=LIST     with --sensitivity: shares of pixels zeroed\n"
         "                           (default 0:1:0.02, i.e. 0%, 2%, ..., 100%)\n"
         "      --split=train|test   with --sensitivity: examples from (default train)\n"
         "\n"
         "Output and compute:\n"
         "  -J, --json               JSON lines instead of TSV\n"
         "  -j, --threads=N          CPU threads, 0 for all cores (default 0)\n"
         "      --device=DEV         auto, cpu or cuda (default auto)\n"
         "  -b, --batch-size=N       examples per inference call (default 1000)\n"
         "      --no-verify          import a dataset NAME without checking its files\n"
         "                           against the published checksums (data/manifests)\n"
         "      --max-memory=SIZE    most memory an input may take (512M, 4G; default\n"
         "                           $RSC_MAX_MEMORY, else the physical memory)\n"
         "      --progress           show progress even when stderr is not a terminal\n"
         "  -q, --quiet              no progress\n"
         "  -h, --help               show this help and exit\n"
         "  -V, --version            show the version and exit\n"
         "\n"
         "Example (Fig. 2, one point):\n"
         "  rsc-inject --data fashion --pattern R3 --count 10 --target 0 --seed 0 \\\n"
         "    | rsc-train --arch mlp > m.rsct\n"
         "  rsc-score --data fashion m.rsct");
}

enum {
    OPT_PATTERN_SEED = 256, OPT_NORMS, OPT_METRICS, OPT_SENSITIVITY, OPT_FRACTIONS, OPT_SPLIT,
    OPT_DEVICE, OPT_PROGRESS, OPT_NO_VERIFY, OPT_EPSILON, OPT_AGGREGATE, OPT_EXAMPLES,
};

/* -s and -j meant --sensitivity and --json before 0.2 (rsc(7), COMMON
 * OPTIONS): an old command line gets a message saying so. */
static void renamed(int c, const char *name, const char *arg, const char *now)
{
    if (arg[0] < '0' || arg[0] > '9')
        rsc_usage_error("--%s: '%s' is not a number (-%c is --%s; the old -%c is %s)", name, arg,
                        c, name, c, now);
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "pattern", required_argument, NULL, 'p' },
        { "pattern-seed", required_argument, NULL, OPT_PATTERN_SEED },
        { "target", required_argument, NULL, 't' },
        { "epsilon", required_argument, NULL, OPT_EPSILON },
        { "aggregate", no_argument, NULL, OPT_AGGREGATE },
        { "metrics", required_argument, NULL, OPT_METRICS },
        { "norms", required_argument, NULL, OPT_NORMS },
        { "sensitivity", no_argument, NULL, OPT_SENSITIVITY },
        { "examples", required_argument, NULL, OPT_EXAMPLES },
        { "seed", required_argument, NULL, 's' },
        { "fractions", required_argument, NULL, OPT_FRACTIONS },
        { "split", required_argument, NULL, OPT_SPLIT },
        { "json", no_argument, NULL, 'J' },
        { "threads", required_argument, NULL, 'j' },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "batch-size", required_argument, NULL, 'b' },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY }, RSC_LONGOPT_MAX_MEMORY,
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct options){
        .pattern_seed = -1, .target = -1, .epsilon = NAN, .examples = 500,
        .fractions = "0:1:0.02", .split = "train", .device = "auto", .batch_size = 1000,
    };
    int c, examples_set = 0, seed_set = 0, fractions_set = 0, split_set = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:p:t:e:as:k:Jj:T:b:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case 'p': o->pattern = optarg; break;
        case OPT_PATTERN_SEED: o->pattern_seed = rsc_opt_long("--pattern-seed", optarg, 0, UINT32_MAX); break;
        case 't': o->target = rsc_opt_long("--target", optarg, 0, 65535); break;
        case 'e': rsc_deprecated("-e (epsilon)", "--epsilon"); /* fall through */
        case OPT_EPSILON: o->epsilon = rsc_opt_double("--epsilon", optarg, -1, 1); break;
        case 'a': rsc_deprecated("-a (aggregate)", "--aggregate"); /* fall through */
        case OPT_AGGREGATE: o->aggregate = 1; break;
        case OPT_METRICS: o->metrics = optarg; break;
        case OPT_NORMS: o->norms = optarg; break;
        case OPT_SENSITIVITY: o->sensitivity = 1; break;
        case 'k': rsc_deprecated("-k (examples)", "--examples"); /* fall through */
        case OPT_EXAMPLES: o->examples = rsc_opt_long("--examples", optarg, 1, 100000000); examples_set = 1; break;
        case 's':
            renamed(c, "seed", optarg, "--sensitivity");
            o->seed = rsc_opt_long("--seed", optarg, 0, UINT32_MAX);
            seed_set = 1;
            break;
        case OPT_FRACTIONS: o->fractions = optarg; fractions_set = 1; break;
        case OPT_SPLIT: o->split = optarg; split_set = 1; break;
        case 'J': o->json = 1; break;
        case 'T': rsc_deprecated("-T", "-j or --threads"); /* fall through */
        case 'j':
            renamed(c, "threads", optarg, "-J, --json");
            o->threads = rsc_opt_long("--threads", optarg, 0, 4096);
            break;
        case OPT_DEVICE: o->device = optarg; break;
        case 'b': o->batch_size = rsc_opt_long("--batch-size", optarg, 1, 1000000); break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_VERIFY: o->no_verify = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'q': o->progress = -1; break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    o->inputs = argv + optind;
    o->ninputs = argc - optind;

    if (o->aggregate && o->sensitivity)
        rsc_usage_error("--aggregate and --sensitivity exclude each other");
    if (!o->aggregate && (o->norms || o->metrics))
        rsc_usage_error("%s needs --aggregate", o->norms ? "--norms" : "--metrics");
    if (o->norms && o->metrics)
        rsc_usage_error("--metrics and --norms exclude each other");
    if (!o->sensitivity && (examples_set || seed_set || fractions_set || split_set))
        rsc_usage_error("%s needs --sensitivity",
                        examples_set ? "--examples" : seed_set ? "--seed" :
                        fractions_set ? "--fractions" : "--split");
    if (o->aggregate && (o->data || o->pattern || o->target >= 0 || !isnan(o->epsilon) ||
                         o->pattern_seed >= 0))
        rsc_usage_error("--aggregate reads score rows: --data, --pattern, --pattern-seed, "
                        "--target and --epsilon do not apply");
    if (o->sensitivity && (o->pattern || o->pattern_seed >= 0 || !isnan(o->epsilon) || o->target >= 0))
        rsc_usage_error("--sensitivity uses no pattern: --pattern, --pattern-seed, --target "
                        "and --epsilon do not apply");
    if (o->pattern_seed >= 0 && !o->pattern)
        rsc_usage_error("--pattern-seed needs --pattern");
    if (strcmp(o->split, "train") != 0 && strcmp(o->split, "test") != 0)
        rsc_usage_error("--split: '%s' is not train or test", o->split);
    if (strcmp(o->device, "auto") != 0 && strcmp(o->device, "cpu") != 0 && strcmp(o->device, "cuda") != 0)
        rsc_usage_error("--device: '%s' is not auto, cpu or cuda", o->device);
    int nstdin = 0;
    for (int i = 0; i < o->ninputs; i++)
        nstdin += strcmp(o->inputs[i], "-") == 0;
    if (nstdin > 1)
        rsc_usage_error("standard input (-) given %d times", nstdin);
    if (o->data && strcmp(o->data, "-") == 0 && (o->ninputs == 0 || nstdin))
        rsc_usage_error("--data - and the model cannot both come from standard input");
    if (o->norms && strcmp(o->norms, "-") == 0 && (o->ninputs == 0 || nstdin))
        rsc_usage_error("--norms - and the score rows cannot both come from standard input");
    if (o->ninputs == 0 || nstdin)
        rsc_stdin_input("-", o->aggregate ? "score rows" : "model",
                        o->aggregate ? "name TSV files, or pipe rsc-score's output"
                                     : "name MODEL files, or pipe one from rsc-train");
    rsc_stdin_input(o->data ? o->data : "", "dataset", "pipe an rsct dataset, or give --data");
    rsc_stdin_input(o->norms ? o->norms : "", "norms table", "pipe rsc-inject --norms");
}

/* ------------------------------------------------------------ aggregate */

static int run_aggregate(const struct options *o)
{
    rsc_error err;
    rsc_table *t = rsc_table_load((const char *const *)o->inputs, (size_t)o->ninputs, &err);
    if (!t)
        rsc_die_err(&err);
    const char *metrics[MAX_METRICS];
    size_t nmetrics = 0;
    char *mcopy = NULL;
    if (o->metrics) {
        if (!(mcopy = rsc_strdup(o->metrics, &err)))
            rsc_die_err(&err);
        char *save = NULL;
        for (char *m = strtok_r(mcopy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
            if (nmetrics == MAX_METRICS)
                rsc_usage_error("--metrics: more than %d columns", MAX_METRICS);
            metrics[nmetrics++] = m;
        }
        if (nmetrics == 0)
            rsc_usage_error("--metrics: empty list");
    } else {
        /* rsc-score's rows, or rsc-mia's (they have attack_acc) */
        const char *const *deflt = rsc_table_col(t, "attack_acc") >= 0 ? rsc_mia_report_metrics : rsc_score_metrics;
        while (deflt[nmetrics])
            metrics[nmetrics] = deflt[nmetrics], nmetrics++;
    }

    if (o->norms) {
        rsc_table *nt = rsc_table_load(&o->norms, 1, &err);
        rsc_correlation c;
        if (!nt || rsc_norm_correlation(t, nt, metrics, nmetrics, SEED_COLUMNS, NSEEDCOLS, &c, &err) != 0 ||
            rsc_correlation_write(t, &c, stdout, "stdout", o->json, &err) != 0)
            rsc_die_err(&err);
        rsc_correlation_free(&c);
        rsc_table_free(nt);
    } else {
        rsc_aggregate a;
        if (rsc_aggregate_table(t, metrics, nmetrics, SEED_COLUMNS, NSEEDCOLS, &a, &err) != 0 ||
            rsc_aggregate_write(t, &a, stdout, "stdout", o->json, &err) != 0)
            rsc_die_err(&err);
        rsc_aggregate_free(&a);
    }
    free(mcopy);
    rsc_table_free(t);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ scoring */

/* --fractions, checked: shares in [0, 1]. */
static long fractions(const char *s, double **fr)
{
    rsc_error err;
    long n = rsc_parse_list("--fractions", s, 10000, fr, &err);
    if (n < 0)
        rsc_usage_error("%s", err.msg);
    for (long i = 0; i < n; i++)
        if (!((*fr)[i] >= 0 && (*fr)[i] <= 1 + 1e-9))
            rsc_usage_error("--fractions: %g is not in [0, 1]", (*fr)[i]);
        else if ((*fr)[i] > 1)
            (*fr)[i] = 1;
    return n;
}

/* What scoring the models shares (one struct in memory: what a fatal error
 * leaves behind stays reachable). */
struct run {
    const struct options *o;
    rsc_testset ts;
    rsc_occlusion occ;
    rsc_progress bar;
    rsc_score_opts so;
    rsc_rows *w;
    double *fr, *prob;        /* --fractions and the curve of a model */
    long nfr;
    rsc_file *model;          /* the model being scored */
};

/* The test set: --data, or the dataset the first model names; with
 * --sensitivity, the examples to occlude. */
static void open_testset(struct run *r, const char *fname)
{
    const struct options *o = r->o;
    rsc_error err;
    const char *data = o->data ? o->data : rsc_score_dataset_of(r->model, fname, &err);
    if (!data || rsc_testset_open(&r->ts, data, o->sensitivity ? o->split : "test",
                                  o->sensitivity, o->no_verify ? RSC_DATASET_NO_VERIFY : 0,
                                  &err) != 0)
        rsc_die_err(&err);
    if (!o->sensitivity)
        return;
    if ((size_t)o->examples > r->ts.n)
        rsc_die("--examples %ld: %s has only %zu %s examples", o->examples, r->ts.label, r->ts.n,
                o->split);
    if (rsc_occlusion_init(&r->occ, r->ts.x, r->ts.n, r->ts.c, r->ts.h, r->ts.w,
                           (size_t)o->examples, (uint32_t)o->seed, &err) != 0)
        rsc_die_err(&err);
}

/* Score the model in r->model and write its rows. */
static void score(struct run *r, const char *fname)
{
    rsc_error err;
    rsc_score s;
    if (r->o->sensitivity) {
        if (rsc_score_occlusion(&r->ts, &r->occ, r->model, fname, r->fr, (size_t)r->nfr, &r->so,
                                r->prob, &err) != 0)
            rsc_die_err(&err);
        for (long k = 0; k < r->nfr; k++)
            if (rsc_score_write_occlusion(r->w, r->model, fname, r->fr[k], r->prob[k], r->occ.k,
                                          &err) != 0)
                rsc_die_err(&err);
    } else if (rsc_score_model(&r->ts, r->model, fname, &r->so, &s, &err) != 0 ||
               rsc_score_write(r->w, r->model, fname, &s, &err) != 0) {
        rsc_die_err(&err);
    }
}

static int run_models(const struct options *o)
{
    rsc_error err;
    static char *stdin_only[] = { "-" };
    char **inputs = o->ninputs ? o->inputs : stdin_only;
    int ninputs = o->ninputs ? o->ninputs : 1;
    struct run r = { .o = o };
    r.so = (rsc_score_opts){ o->pattern, o->pattern_seed, o->target, o->epsilon, o->device,
                             (int)o->threads, (size_t)o->batch_size, &r.bar };
    r.nfr = o->sensitivity ? fractions(o->fractions, &r.fr) : 0;
    if (!(r.w = rsc_score_rows(stdout, "stdout", o->json, o->sensitivity, &err)) ||
        !(r.prob = calloc((size_t)r.nfr + 1, sizeof *r.prob)))
        rsc_die("out of memory");
    for (int i = 0; i < ninputs; i++) {
        const char *fname = strcmp(inputs[i], "-") == 0 ? "stdin" : inputs[i];
        if (!(r.model = rsc_file_load(inputs[i], &err)))
            rsc_die_err(&err);
        if (!r.ts.ds) {
            open_testset(&r, fname);
            double per_model = o->sensitivity ? (double)r.nfr * (double)r.occ.k
                                              : 2.0 * (double)r.ts.n;
            rsc_progress_start(&r.bar, o->progress, o->sensitivity ? "occlusion" : "scoring",
                               ninputs * per_model, "ex");
        } else if (!o->data) {
            const char *name = rsc_meta_get(r.model, "name");
            if (!name || strcmp(name, r.ts.label) != 0)
                rsc_die("%s: the model was trained on '%s', the first on '%s': give --data",
                        fname, name ? name : "(no name)", r.ts.label);
        }
        score(&r, fname);
        rsc_file_free(r.model);
        r.model = NULL;
        if (fflush(stdout) != 0)
            break;   /* rsc_close_stdout reports it */
    }
    rsc_progress_end(&r.bar, NULL);
    rsc_rows_free(r.w);   /* every model wrote its row; rsc_close_stdout reports write errors */
    rsc_occlusion_free(&r.occ);
    rsc_testset_close(&r.ts);
    free(r.fr);
    free(r.prob);
    return rsc_close_stdout();
}

int main(int argc, char **argv)
{
    rsc_backend_early_init(argv);
    rsc_cli_init(argv[0]);
    struct options o;
    parse_options(argc, argv, &o);
    if (o.aggregate)
        return run_aggregate(&o);
    return run_models(&o);
}
