/* rsc-score - what a trained model learned from the spurious pattern:
 * clean and spurious test accuracy, the epsilon-spurious score, the
 * prediction difference and the attack success rate (one row per model);
 * the mean and standard error of those over seeds (--aggregate), the
 * correlation of pattern norm and spurious score (--norms, App. B.4.1), and
 * the occlusion sensitivity curve (--sensitivity, Fig. 10). */
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/aggregate.h"
#include "kernels/backend.h"
#include "core/cli.h"
#include "data/dataset.h"
#include "base/error.h"
#include "score/metrics.h"
#include "nn/model.h"
#include "data/patterns.h"
#include "format/rsct.h"
#include "score/sensitivity.h"

/* Provenance columns, in this order, after `model`: the model's metadata
 * keys (NA when absent), except pattern, pattern_seed and target, which are
 * those the test set was scored with.  Fixed, so rows of different models
 * concatenate.  Documented in rsc-score.1. */
static const char *const PROVENANCE[] = {
    "name", "pattern", "pattern_seed", "target", "count", "seed", "train_seed",
    "arch", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs",
    "epochs_done", "milestones", "gamma", "clip_value", "clip_norm", "input_noise",
    "augment",
};
#define NPROV (sizeof PROVENANCE / sizeof *PROVENANCE)

static const char *const METRICS[] = {
    "clean_acc", "spurious_acc", "spurious_score", "pd_mean", "pd_max", "asr",
};
#define NMETRICS (sizeof METRICS / sizeof *METRICS)

/* Columns that are neither group keys nor metrics when aggregating. */
static const char *const SEED_COLUMNS[] = { "model", "seed", "train_seed", "pattern_seed" };
#define NSEEDCOLS (sizeof SEED_COLUMNS / sizeof *SEED_COLUMNS)

#define MAX_METRICS 64

struct options {
    const char *data;
    int no_verify;            /* --no-verify */
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
         "  -d, --data NAME|PATH     test set: mnist, fashion, cifar10, an IDX or CIFAR-10\n"
         "                           folder, or an rsct dataset (clean or injected);\n"
         "                           default: the dataset named by the model's `name` key\n"
         "      --no-verify          import a dataset NAME without checking its files\n"
         "                           against the published checksums (data/manifests)\n"
         "  -p, --pattern P          score against pattern P (S1 S2 S3 R1 R2 R3 Inv, or an\n"
         "                           rsct file holding one) instead of the model's own\n"
         "                           (needed for models trained on clean data)\n"
         "      --pattern-seed S     seed of a random pattern given with --pattern\n"
         "                           (default: the model's `seed` key, else 0)\n"
         "  -t, --target T           target class (default: the model's `target` key,\n"
         "                           else the dataset's)\n"
         "  -e, --epsilon E          spurious score threshold: count an example when\n"
         "                           f_t(Phi(x)) - f_t(x) > E (default 1/classes)\n"
         "\n"
         "Modes:\n"
         "  -a, --aggregate          read rsc-score rows (TSV files or stdin) and print,\n"
         "                           per group of rows equal in every column except\n"
         "                           model and the seeds, <metric>_mean, <metric>_se\n"
         "                           (standard error, n-1 variance) and n\n"
         "      --metrics LIST       with --aggregate: the columns to average (comma\n"
         "                           list; default the six rsc-score metrics)\n"
         "      --norms FILE         with --aggregate: print instead the Pearson\n"
         "                           correlation (r, two-sided p) over patterns between\n"
         "                           each pattern's mean empirical norm (FILE from\n"
         "                           rsc-inject --norms) and its mean spurious score\n"
         "  -s, --sensitivity        occlusion curve (Fig. 10): mean probability of the\n"
         "                           true label with a growing share of each example's\n"
         "                           non-zero pixels set to zero\n"
         "  -k, --examples K         with --sensitivity: examples (default 500)\n"
         "      --seed S             with --sensitivity: seed of the example and pixel\n"
         "                           choices (NumPy RandomState; default 0)\n"
         "      --fractions LIST     with --sensitivity: shares of pixels zeroed\n"
         "                           (default 0:1:0.02, i.e. 0%, 2%, ..., 100%)\n"
         "      --split train|test   with --sensitivity: examples from (default train)\n"
         "\n"
         "Output and compute:\n"
         "  -j, --json               JSON lines instead of TSV\n"
         "  -T, --threads N          CPU threads (default 0: all cores)\n"
         "      --device DEV         auto, cpu or cuda (default auto)\n"
         "  -b, --batch-size N       examples per inference call (default 1000)\n"
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
    OPT_PATTERN_SEED = 256, OPT_NORMS, OPT_METRICS, OPT_SEED, OPT_FRACTIONS, OPT_SPLIT,
    OPT_DEVICE, OPT_PROGRESS, OPT_NO_VERIFY,
};

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY },
        { "pattern", required_argument, NULL, 'p' },
        { "pattern-seed", required_argument, NULL, OPT_PATTERN_SEED },
        { "target", required_argument, NULL, 't' },
        { "epsilon", required_argument, NULL, 'e' },
        { "aggregate", no_argument, NULL, 'a' },
        { "metrics", required_argument, NULL, OPT_METRICS },
        { "norms", required_argument, NULL, OPT_NORMS },
        { "sensitivity", no_argument, NULL, 's' },
        { "examples", required_argument, NULL, 'k' },
        { "seed", required_argument, NULL, OPT_SEED },
        { "fractions", required_argument, NULL, OPT_FRACTIONS },
        { "split", required_argument, NULL, OPT_SPLIT },
        { "json", no_argument, NULL, 'j' },
        { "threads", required_argument, NULL, 'T' },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "batch-size", required_argument, NULL, 'b' },
        { "progress", no_argument, NULL, OPT_PROGRESS },
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
    while ((c = getopt_long(argc, argv, ":d:p:t:e:ask:jT:b:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case OPT_NO_VERIFY: o->no_verify = 1; break;
        case 'p': o->pattern = optarg; break;
        case OPT_PATTERN_SEED: o->pattern_seed = rsc_opt_long("--pattern-seed", optarg, 0, UINT32_MAX); break;
        case 't': o->target = rsc_opt_long("--target", optarg, 0, 65535); break;
        case 'e': o->epsilon = rsc_opt_double("--epsilon", optarg, -1, 1); break;
        case 'a': o->aggregate = 1; break;
        case OPT_METRICS: o->metrics = optarg; break;
        case OPT_NORMS: o->norms = optarg; break;
        case 's': o->sensitivity = 1; break;
        case 'k': o->examples = rsc_opt_long("--examples", optarg, 1, 100000000); examples_set = 1; break;
        case OPT_SEED: o->seed = rsc_opt_long("--seed", optarg, 0, UINT32_MAX); seed_set = 1; break;
        case OPT_FRACTIONS: o->fractions = optarg; fractions_set = 1; break;
        case OPT_SPLIT: o->split = optarg; split_set = 1; break;
        case 'j': o->json = 1; break;
        case 'T': o->threads = rsc_opt_long("--threads", optarg, 0, 4096); break;
        case OPT_DEVICE: o->device = optarg; break;
        case 'b': o->batch_size = rsc_opt_long("--batch-size", optarg, 1, 1000000); break;
        case OPT_PROGRESS: o->progress = 1; break;
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
}

/* ------------------------------------------------------------ output */

/* A table printed as TSV (header first) or JSON lines.  Cells are text;
 * `num` cells are numbers printed by us (JSON: unquoted, NaN/inf as null),
 * other cells are text from files (JSON: a number when the text is a JSON
 * number, null for NA, else a string). */
struct table_out {
    int json;
    int header_done;
    size_t ncols;
    const char **cols;
};

struct cell {
    const char *text;
    int num;
};

static int is_json_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void emit(struct table_out *t, const struct cell *cells)
{
    if (t->json) {
        putchar('{');
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                putchar(',');
            json_string(t->cols[i]);
            putchar(':');
            const char *s = cells[i].text;
            if (is_json_number(s))
                fputs(s, stdout);
            else if (cells[i].num || strcmp(s, "NA") == 0)
                fputs("null", stdout);
            else
                json_string(s);
        }
        puts("}");
        return;
    }
    if (!t->header_done) {
        for (size_t i = 0; i < t->ncols; i++)
            printf("%s%s", i ? "\t" : "", t->cols[i]);
        putchar('\n');
        t->header_done = 1;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        if (i)
            putchar('\t');
        /* a tab in a metadata value would break the row */
        for (const char *p = cells[i].text; *p; p++)
            putchar(*p == '\t' ? ' ' : *p);
    }
    putchar('\n');
}

/* ------------------------------------------------------------ aggregate */

static rsc_results *read_tables(char **inputs, int n)
{
    rsc_error err;
    rsc_results *t = rsc_results_new(&err);
    if (!t)
        rsc_die_err(&err);
    static char *stdin_only[] = { "-" };
    if (n == 0) {
        inputs = stdin_only;
        n = 1;
    }
    for (int i = 0; i < n; i++) {
        int is_stdin = strcmp(inputs[i], "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(inputs[i], "r");
        if (!f)
            rsc_die("%s: %s", inputs[i], strerror(errno));
        if (rsc_results_read(t, f, is_stdin ? "stdin" : inputs[i], &err) != 0)
            rsc_die_err(&err);
        if (!is_stdin)
            fclose(f);
    }
    return t;
}

static int run_aggregate(const struct options *o)
{
    rsc_error err;
    rsc_results *t = read_tables(o->inputs, o->ninputs);
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
        for (size_t m = 0; m < NMETRICS; m++)
            metrics[nmetrics++] = METRICS[m];
    }

    if (o->norms) {
        char *norms_input[] = { (char *)o->norms };
        rsc_results *nt = read_tables(norms_input, 1);
        rsc_correlation c;
        if (rsc_norm_correlation(t, nt, metrics, nmetrics, SEED_COLUMNS, NSEEDCOLS, &c, &err) != 0)
            rsc_die_err(&err);
        size_t ncols = c.nkeys + 3;
        const char **cols = calloc(ncols, sizeof *cols);
        struct cell *cells = calloc(ncols, sizeof *cells);
        char (*nums)[64] = calloc(3, sizeof *nums);
        if (!cols || !cells || !nums)
            rsc_die("out of memory");
        for (size_t k = 0; k < c.nkeys; k++)
            cols[k] = t->cols[c.key_cols[k]];
        cols[c.nkeys] = "n_patterns";
        cols[c.nkeys + 1] = "pearson_r";
        cols[c.nkeys + 2] = "p_value";
        struct table_out out = { .json = o->json, .ncols = ncols, .cols = cols };
        for (size_t g = 0; g < c.ngroups; g++) {
            for (size_t k = 0; k < c.nkeys; k++)
                cells[k] = (struct cell){ rsc_results_cell(t, c.first_row[g], c.key_cols[k]), 0 };
            snprintf(nums[0], 64, "%zu", c.npatterns[g]);
            snprintf(nums[1], 64, "%.9g", c.r[g]);
            snprintf(nums[2], 64, "%.9g", c.p[g]);
            for (int j = 0; j < 3; j++)
                cells[c.nkeys + j] = (struct cell){ nums[j], 1 };
            emit(&out, cells);
        }
        free(cols);
        free(cells);
        free(nums);
        rsc_correlation_free(&c);
        rsc_results_free(nt);
    } else {
        rsc_aggregate a;
        if (rsc_aggregate_table(t, metrics, nmetrics, SEED_COLUMNS, NSEEDCOLS, &a, &err) != 0)
            rsc_die_err(&err);
        size_t ncols = a.nkeys + 2 * nmetrics + 1;
        const char **cols = calloc(ncols, sizeof *cols);
        char **names = calloc(2 * nmetrics, sizeof *names);
        struct cell *cells = calloc(ncols, sizeof *cells);
        char (*nums)[64] = calloc(2 * nmetrics + 1, sizeof *nums);
        if (!cols || !names || !cells || !nums)
            rsc_die("out of memory");
        for (size_t k = 0; k < a.nkeys; k++)
            cols[k] = t->cols[a.key_cols[k]];
        for (size_t m = 0; m < nmetrics; m++) {
            if (asprintf(&names[2 * m], "%s_mean", metrics[m]) < 0 ||
                asprintf(&names[2 * m + 1], "%s_se", metrics[m]) < 0)
                rsc_die("out of memory");
            cols[a.nkeys + 2 * m] = names[2 * m];
            cols[a.nkeys + 2 * m + 1] = names[2 * m + 1];
        }
        cols[ncols - 1] = "n";
        struct table_out out = { .json = o->json, .ncols = ncols, .cols = cols };
        for (size_t g = 0; g < a.ngroups; g++) {
            for (size_t k = 0; k < a.nkeys; k++)
                cells[k] = (struct cell){ rsc_results_cell(t, a.first_row[g], a.key_cols[k]), 0 };
            for (size_t m = 0; m < nmetrics; m++) {
                snprintf(nums[2 * m], 64, "%.17g", a.mean[g * nmetrics + m]);
                snprintf(nums[2 * m + 1], 64, "%.17g", a.se[g * nmetrics + m]);
                cells[a.nkeys + 2 * m] = (struct cell){ nums[2 * m], 1 };
                cells[a.nkeys + 2 * m + 1] = (struct cell){ nums[2 * m + 1], 1 };
            }
            snprintf(nums[2 * nmetrics], 64, "%zu", a.count[g]);
            cells[ncols - 1] = (struct cell){ nums[2 * nmetrics], 1 };
            emit(&out, cells);
        }
        for (size_t i = 0; i < 2 * nmetrics; i++)
            free(names[i]);
        free(names);
        free(cols);
        free(cells);
        free(nums);
        rsc_aggregate_free(&a);
    }
    free(mcopy);
    rsc_results_free(t);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ scoring */

/* The test (or sensitivity) images, loaded once for every model. */
struct testset {
    rsc_file *ds;
    char *label;              /* --data as given, or the name taken from a model */
    float *x;
    int32_t *y;
    size_t n;
    int c, h, w, classes;
};

/* Patterned copies of the test images, one per distinct pattern. */
#define PATTERN_CACHE_BYTES ((size_t)1 << 30)
struct patterned {
    rsc_pattern p;
    float *x;
};

struct scorer {
    const struct options *o;
    struct testset ts;
    struct patterned *cache;
    size_t ncache;
    rsc_progress progress;
    double done;
    struct table_out out;
    const char *cols[1 + NPROV + 1 + NMETRICS + 1 + 3];
};

static void load_testset(struct scorer *s, const char *data, const char *split)
{
    rsc_error err;
    struct testset *ts = &s->ts;
    if (!(ts->ds = rsc_dataset_open_flags(data, s->o->no_verify ? RSC_DATASET_NO_VERIFY : 0, &err)))
        rsc_die_err(&err);
    if (!(ts->label = rsc_strdup(data, &err)))
        rsc_die_err(&err);
    if (rsc_dataset_images_f32(ts->ds, split, &ts->x, &ts->y, &ts->n, &ts->c, &ts->h, &ts->w, &err) != 0)
        rsc_die_err(&err);
    ts->classes = rsc_dataset_classes(ts->ds);
    if (ts->n == 0)
        rsc_die("%s: the %s split is empty", data, split);
}

/* Model metadata value for a provenance column, or NA. */
static const char *meta_or_na(const rsc_file *f, const char *key)
{
    const char *v = rsc_meta_get(f, key);
    return v && *v ? v : "NA";
}

static const float *patterned_images(struct scorer *s, rsc_pattern *p)
{
    struct testset *ts = &s->ts;
    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w;
    for (size_t i = 0; i < s->ncache; i++) {
        rsc_pattern *q = &s->cache[i].p;
        if (q->c == p->c && q->h == p->h && q->w == p->w &&
            memcmp(q->add, p->add, chw * sizeof *q->add) == 0) {
            /* Same values: borrow the cached copy, keep this name (a
             * custom pattern may equal a builtin one). */
            char name[sizeof p->name];
            memcpy(name, p->name, sizeof name);
            rsc_pattern_free(p);
            *p = *q;
            memcpy(p->name, name, sizeof name);
            return s->cache[i].x;
        }
    }
    /* Keep at most PATTERN_CACHE_BYTES of patterned copies (a grid over
     * seeds has one random pattern per seed): drop the oldest.  Models
     * are scored in the order given, so those of one pattern in a row
     * reuse its copy. */
    size_t bytes = ts->n * chw * sizeof(float);
    while (s->ncache > 0 && (s->ncache + 1) * bytes > PATTERN_CACHE_BYTES) {
        rsc_pattern_free(&s->cache[0].p);
        free(s->cache[0].x);
        memmove(s->cache, s->cache + 1, (s->ncache - 1) * sizeof *s->cache);
        s->ncache--;
    }
    struct patterned *nc = realloc(s->cache, (s->ncache + 1) * sizeof *nc);
    if (!nc)
        rsc_die("out of memory");
    s->cache = nc;
    rsc_error err;
    float *x = rsc_malloc(ts->n, chw * sizeof *x, &err);
    if (!x)
        rsc_die_err(&err);
    for (size_t i = 0; i < ts->n; i++)
        rsc_pattern_apply(p, ts->x + i * chw, x + i * chw);
    s->cache[s->ncache] = (struct patterned){ *p, x };
    s->ncache++;
    return x;
}

/* Open the model and check it against the test images. */
static rsc_model *open_model(struct scorer *s, const rsc_file *f, const char *fname)
{
    rsc_error err;
    rsc_model *m = rsc_model_open(f, fname, s->o->device, (int)s->o->threads, &err);
    if (!m)
        rsc_die_err(&err);
    int c, h, w;
    rsc_model_input(m, &c, &h, &w);
    struct testset *ts = &s->ts;
    int classes = rsc_model_classes(m);
    if (c != ts->c || h != ts->h || w != ts->w || classes != ts->classes) {
        rsc_model_free(m);
        if (classes != ts->classes)
            rsc_die("%s: the model has %d classes, %s has %d", fname, classes, ts->label, ts->classes);
        rsc_die("%s: the model takes %dx%dx%d images, those of %s are %dx%dx%d",
                fname, c, h, w, ts->label, ts->c, ts->h, ts->w);
    }
    return m;
}

/* The pattern, its seed (for the pattern_seed column) and the target. */
static void scoring_setup(struct scorer *s, const rsc_file *f, const char *fname,
                          rsc_pattern *p, char *seed_text, size_t seed_len, int *target)
{
    const struct options *o = s->o;
    struct testset *ts = &s->ts;
    rsc_error err;
    long v;
    snprintf(seed_text, seed_len, "NA");
    if (o->pattern) {
        uint32_t seed = 0;
        if (o->pattern_seed >= 0)
            seed = (uint32_t)o->pattern_seed;
        else if (rsc_meta_get(f, "seed") && rsc_meta_get_long(f, "seed", &v, &err) == 0 &&
                 v >= 0 && v <= (long)UINT32_MAX)
            seed = (uint32_t)v;
        snprintf(seed_text, seed_len, "%lu", (unsigned long)seed);
        if (rsc_pattern_make(p, o->pattern, ts->c, ts->h, ts->w, seed, &err) != 0)
            rsc_die("--pattern: %s", err.msg);
    } else {
        const rsc_file *src = NULL;
        const char *srcname = fname;
        const char *pk = rsc_meta_get(f, "pattern");
        if (pk && *pk && strcmp(pk, "none") != 0) {
            src = f;
        } else {
            pk = rsc_meta_get(ts->ds, "pattern");
            if (pk && *pk && strcmp(pk, "none") != 0) {
                src = ts->ds;
                srcname = ts->label;
            }
        }
        if (!src)
            rsc_die("%s: the model records no pattern (trained on clean data?), nor does %s: "
                    "give --pattern", fname, ts->label);
        if (rsc_pattern_from_dataset(p, src, &err) != 0)
            rsc_die("%s: %s", srcname, err.msg);
        const char *sk = rsc_meta_get(src, "seed");
        if (sk && *sk)
            snprintf(seed_text, seed_len, "%s", sk);
        if (p->c != ts->c || p->h != ts->h || p->w != ts->w)
            rsc_die("%s: pattern '%s' is %dx%dx%d, the images of %s are %dx%dx%d", srcname,
                    p->name, p->c, p->h, p->w, ts->label, ts->c, ts->h, ts->w);
    }

    if (o->target >= 0) {
        *target = (int)o->target;
    } else {
        const rsc_file *src = rsc_meta_get(f, "target") ? f : rsc_meta_get(ts->ds, "target") ? ts->ds : NULL;
        if (!src)
            rsc_die("%s: the model records no target class, nor does %s: give --target",
                    fname, ts->label);
        if (rsc_meta_get_long(src, "target", &v, &err) != 0)
            rsc_die("%s: %s", src == f ? fname : ts->label, err.msg);
        if (v < 0 || v >= ts->classes)
            rsc_die("%s: target class %ld is not in [0, %d]", src == f ? fname : ts->label, v,
                    ts->classes - 1);
        *target = (int)v;
    }
    if (*target >= ts->classes)
        rsc_die("--target %d: %s has only %d classes", *target, ts->label, ts->classes);
}

/* Fill cells[0 .. 1+NPROV) with model and provenance. */
static void provenance_cells(struct cell *cells, const rsc_file *f, const char *fname,
                             const char *pattern, const char *pattern_seed, const char *target)
{
    cells[0] = (struct cell){ fname, 0 };
    for (size_t i = 0; i < NPROV; i++) {
        const char *k = PROVENANCE[i], *v;
        if (pattern && strcmp(k, "pattern") == 0)
            v = pattern;
        else if (pattern_seed && strcmp(k, "pattern_seed") == 0)
            v = pattern_seed;
        else if (target && strcmp(k, "target") == 0)
            v = target;
        else if (strcmp(k, "pattern_seed") == 0)
            v = meta_or_na(f, "seed");
        else
            v = meta_or_na(f, k);
        cells[1 + i] = (struct cell){ v, 0 };
    }
}

static void score_model(struct scorer *s, const rsc_file *f, const char *fname)
{
    const struct options *o = s->o;
    struct testset *ts = &s->ts;
    rsc_error err;
    rsc_model *m = open_model(s, f, fname);
    rsc_pattern p = { 0 };
    char seed_text[32], target_text[32], eps_text[64];
    int target;
    scoring_setup(s, f, fname, &p, seed_text, sizeof seed_text, &target);
    const float *xp = patterned_images(s, &p);   /* p now borrowed from the cache */
    double eps = isnan(o->epsilon) ? 1.0 / ts->classes : o->epsilon;

    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w, k = (size_t)ts->classes;
    size_t bs = (size_t)o->batch_size < ts->n ? (size_t)o->batch_size : ts->n;
    float *pc = rsc_malloc(bs, k * sizeof *pc, &err);
    float *pp = pc ? rsc_malloc(bs, k * sizeof *pp, &err) : NULL;
    if (!pp)
        rsc_die_err(&err);
    rsc_metrics_acc acc;
    if (rsc_metrics_init(&acc, ts->classes, target, eps, &err) != 0)
        rsc_die("%s: %s", fname, err.msg);
    for (size_t i = 0; i < ts->n; i += bs) {
        size_t b = ts->n - i < bs ? ts->n - i : bs;
        if (rsc_model_predict(m, ts->x + i * chw, b, pc, &err) != 0 ||
            rsc_model_predict(m, xp + i * chw, b, pp, &err) != 0)
            rsc_die_err(&err);
        if (rsc_metrics_add(&acc, pc, pp, ts->y + i, b, &err) != 0)
            rsc_die("%s: %s", ts->label, err.msg);
        s->done += 2.0 * (double)b;
        rsc_progress_update(&s->progress, s->done, fname);
    }
    free(pc);
    free(pp);
    rsc_model_free(m);
    rsc_metrics r;
    rsc_metrics_result(&acc, &r);

    struct cell cells[1 + NPROV + 1 + NMETRICS + 1];
    snprintf(target_text, sizeof target_text, "%d", target);
    snprintf(eps_text, sizeof eps_text, "%.9g", eps);
    provenance_cells(cells, f, fname, p.name, seed_text, target_text);
    cells[1 + NPROV] = (struct cell){ eps_text, 1 };
    char nums[NMETRICS + 1][64];
    const double vals[NMETRICS] = { r.clean_acc, r.spurious_acc, r.spurious_score,
                                    r.pd_mean, r.pd_max, r.asr };
    for (size_t j = 0; j < NMETRICS; j++) {
        snprintf(nums[j], sizeof nums[j], "%.9g", vals[j]);
        cells[2 + NPROV + j] = (struct cell){ nums[j], 1 };
    }
    snprintf(nums[NMETRICS], sizeof nums[NMETRICS], "%zu", r.n_test);
    cells[2 + NPROV + NMETRICS] = (struct cell){ nums[NMETRICS], 1 };
    emit(&s->out, cells);
}

/* Fig. 10: the occlusion curve of one model. */
static void sensitivity_model(struct scorer *s, rsc_occlusion *occ, const double *fr, size_t nfr,
                              const rsc_file *f, const char *fname)
{
    struct testset *ts = &s->ts;
    rsc_error err;
    rsc_model *m = open_model(s, f, fname);
    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w, k = (size_t)ts->classes;
    size_t bs = (size_t)s->o->batch_size < occ->k ? (size_t)s->o->batch_size : occ->k;
    float *x = rsc_malloc(bs, chw * sizeof *x, &err);
    float *probs = x ? rsc_malloc(bs, k * sizeof *probs, &err) : NULL;
    if (!probs)
        rsc_die_err(&err);
    struct cell cells[1 + NPROV + 3];
    provenance_cells(cells, f, fname, NULL, NULL, NULL);
    char nums[3][64];
    for (size_t fi = 0; fi < nfr; fi++) {
        double sum = 0;
        for (size_t i = 0; i < occ->k; i += bs) {
            size_t b = occ->k - i < bs ? occ->k - i : bs;
            for (size_t j = 0; j < b; j++)
                rsc_occlusion_apply(occ, ts->x, i + j, fr[fi], x + j * chw);
            if (rsc_model_predict(m, x, b, probs, &err) != 0)
                rsc_die_err(&err);
            for (size_t j = 0; j < b; j++)
                sum += probs[j * k + (size_t)ts->y[occ->index[i + j]]];
            s->done += (double)b;
            rsc_progress_update(&s->progress, s->done, fname);
        }
        snprintf(nums[0], 64, "%.9g", fr[fi]);
        snprintf(nums[1], 64, "%.9g", sum / (double)occ->k);
        snprintf(nums[2], 64, "%zu", occ->k);
        for (int j = 0; j < 3; j++)
            cells[1 + NPROV + j] = (struct cell){ nums[j], 1 };
        emit(&s->out, cells);
    }
    free(x);
    free(probs);
    rsc_model_free(m);
}

static int run_models(const struct options *o)
{
    struct scorer s = { .o = o };
    rsc_error err;
    static char *stdin_only[] = { "-" };
    char **inputs = o->ninputs ? o->inputs : stdin_only;
    int ninputs = o->ninputs ? o->ninputs : 1;

    double *fr = NULL;
    long nfr = 0;
    if (o->sensitivity) {
        nfr = rsc_parse_list("--fractions", o->fractions, 10000, &fr, &err);
        if (nfr < 0)
            rsc_usage_error("%s", err.msg);
        for (long i = 0; i < nfr; i++)
            if (!(fr[i] >= 0 && fr[i] <= 1 + 1e-9))
                rsc_usage_error("--fractions: %g is not in [0, 1]", fr[i]);
            else if (fr[i] > 1)
                fr[i] = 1;
    }

    size_t nc = 0;
    s.cols[nc++] = "model";
    for (size_t i = 0; i < NPROV; i++)
        s.cols[nc++] = PROVENANCE[i];
    if (o->sensitivity) {
        s.cols[nc++] = "fraction";
        s.cols[nc++] = "mean_prob";
        s.cols[nc++] = "n";
    } else {
        s.cols[nc++] = "epsilon";
        for (size_t i = 0; i < NMETRICS; i++)
            s.cols[nc++] = METRICS[i];
        s.cols[nc++] = "n_test";
    }
    s.out = (struct table_out){ .json = o->json, .ncols = nc, .cols = s.cols };

    rsc_occlusion occ = { 0 };
    for (int i = 0; i < ninputs; i++) {
        int is_stdin = strcmp(inputs[i], "-") == 0;
        const char *fname = is_stdin ? "stdin" : inputs[i];
        rsc_file *f = rsc_file_load(inputs[i], &err);
        if (!f)
            rsc_die_err(&err);
        if (!s.ts.ds) {
            /* The test set: --data, or the dataset the first model names. */
            const char *data = o->data;
            if (!data) {
                data = rsc_meta_get(f, "name");
                if (!data || !*data)
                    rsc_die("%s: the model names no dataset: give --data", fname);
                if (!rsc_dataset_is_name(data))
                    rsc_die("%s: the model's dataset '%s' is not one the lookup knows "
                            "(mnist, fashion, cifar10): give --data", fname, data);
            }
            load_testset(&s, data, o->sensitivity ? o->split : "test");
            double total;
            if (o->sensitivity) {
                if ((size_t)o->examples > s.ts.n)
                    rsc_die("--examples %ld: %s has only %zu %s examples", o->examples,
                            s.ts.label, s.ts.n, o->split);
                if (rsc_occlusion_init(&occ, s.ts.x, s.ts.n, s.ts.c, s.ts.h, s.ts.w,
                                       (size_t)o->examples, (uint32_t)o->seed, &err) != 0)
                    rsc_die_err(&err);
                total = (double)ninputs * (double)nfr * (double)occ.k;
            } else {
                total = (double)ninputs * 2.0 * (double)s.ts.n;
            }
            rsc_progress_start(&s.progress, o->progress, o->sensitivity ? "occlusion" : "scoring",
                               total, "ex");
        } else if (!o->data) {
            const char *name = rsc_meta_get(f, "name");
            if (!name || strcmp(name, s.ts.label) != 0)
                rsc_die("%s: the model was trained on '%s', the first on '%s': give --data",
                        fname, name ? name : "(no name)", s.ts.label);
        }
        if (o->sensitivity)
            sensitivity_model(&s, &occ, fr, (size_t)nfr, f, fname);
        else
            score_model(&s, f, fname);
        rsc_file_free(f);
        if (fflush(stdout) != 0)
            break;   /* rsc_close_stdout reports it */
    }
    rsc_progress_end(&s.progress, NULL);
    rsc_occlusion_free(&occ);
    free(fr);
    for (size_t i = 0; i < s.ncache; i++) {
        rsc_pattern_free(&s.cache[i].p);
        free(s.cache[i].x);
    }
    free(s.cache);
    free(s.ts.x);
    free(s.ts.y);
    free(s.ts.label);
    rsc_file_free(s.ts.ds);
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
