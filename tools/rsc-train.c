/* rsc-train - train a network on an rsct dataset (stdin, a file, or
 * --data NAME) and write the model (rsct, kind=model) to stdout or -o.
 * The numerical work is libcommon/train/ (train.c, config.c); this file
 * parses options, loads the data, reports progress and writes files. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/cli.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "format/indexlist.h"
#include "format/rsct.h"
#include "kernels/backend.h"
#include "nn/arch.h"
#include "nn/optim.h"
#include "train/config.h"
#include "train/group.h"
#include "train/train.h"

typedef struct options {
    rsc_train_opts train;        /* what configures the training */
    const char *data;            /* NAME, PATH or "-" (the first of datasets) */
    const char **datasets;       /* every DATASET argument and --data */
    int ndata;
    const char *seeds;           /* --seeds LIST */
    const char *lockstep;        /* auto, on, off */
    int many;                    /* several models: several datasets or --seeds */
    int describe;
    const char *resume;
    int exclude_spurious;
    const char *exclude_file;
    const char *checkpoint;
    const char *device;
    const char *output;
    int quiet, progress, compress;
    int no_verify;               /* --no-verify */
    long limit, test_limit;      /* 0: all; test_limit -1: no test evaluation */
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [DATASET]...\n"
           "Train a network on an rsct dataset (DATASET, --data, or stdin) and write the\n"
           "model (rsct, kind=model) to -o FILE or stdout.  Several datasets or --seeds\n"
           "train one model per dataset and seed in one process, named by -o TEMPLATE.\n"
           "\n"
           "Model:\n"
           "  -a, --arch=NAME          ",
           rsc_progname());
    char list[256], line[300];
    rsc_arch_list(list, sizeof list);
    snprintf(line, sizeof line, "%s (default mlp)", list);
    rsc_print_wrapped(stdout, 27, line, 27, 79);
    printf("      --describe           print the layers and parameter count and exit\n"
           "Optimisation (defaults: the reference recipe, Adam lr 0.01 batch 128 70 epochs):\n"
           "      --optimizer=adam|sgd Adam (betas 0.9, 0.999, eps 1e-8) or SGD\n"
           "  -l, --lr=LR              base learning rate (default 0.01); with --resume,\n"
           "                           a constant new rate (no schedule unless --milestones)\n"
           "      --momentum=M         SGD momentum (default 0.9)\n"
           "      --weight-decay=WD    L2 term added to the gradient (default 0)\n"
           "  -b, --batch-size=N       examples per step (default 128)\n"
           "  -e, --epochs=N           total epochs (default 70; with --resume, the new\n"
           "                           total)\n"
           "      --milestones=LIST    epochs where the rate is multiplied by --gamma,\n"
           "                           e.g. 40,50,60, or 'none' (default: the reference's\n"
           "                           table by total epochs)\n"
           "      --gamma=G            rate factor at each milestone (default 0.1)\n"
           "      --clip-value=C       clamp each gradient element to [-C, C]\n"
           "      --clip-norm=C        scale the gradient to global L2 norm at most C\n"
           "      --input-noise=SIGMA  add N(0, SIGMA^2) to every training input, fresh\n"
           "                           each time it is seen\n"
           "      --augment=KIND       none (default) or crop-flip: pad 4, random crop to\n"
           "                           the input size, horizontal flip with p = 0.5\n"
           "  -s, --seed=S, --train-seed=S\n"
           "                           training seed: initialisation, shuffling, noise,\n"
           "                           dropout, augmentation (default 0; the dataset's\n"
           "                           injection seed is separate and recorded as `seed`)\n"
           "      --seeds=LIST         one model per training seed, e.g. 0-4 or 1,3,5\n"
           "Data:\n"
           "  -d, --data=NAME|PATH     mnist, fashion, cifar10, an IDX or CIFAR-10 folder,\n"
           "                           or an rsct dataset ('-': stdin, the default)\n"
           "      --exclude-spurious   leave out the dataset's spurious examples\n"
           "      --exclude=FILE       leave out the training examples whose indices FILE\n"
           "                           lists (whitespace separated, '#' comments)\n"
           "      --limit=N            train on the first N training examples only\n"
           "      --test-limit=N       evaluate on the first N test examples only\n"
           "Runs:\n"
           "  -r, --resume=MODEL       continue training MODEL (a model or checkpoint) with\n"
           "                           its optimiser and random state\n"
           "  -c, --checkpoint=FILE    write the training state to FILE after every epoch\n"
           "                           and when stopped by SIGINT/SIGTERM/SIGHUP\n"
           "  -j, --threads=N          CPU threads, 0 for all cores (default: all cores;\n"
           "                           with --resume, the model's)\n"
           "      --device=auto|cpu|cuda  compute device (default auto)\n"
           "      --lockstep=auto|on|off  several MLPs advance together as batched work\n"
           "                           (auto: on a GPU); off: one model after another\n"
           "Output:\n"
           "  -o, --output=FILE        write the model to FILE (default: stdout, never a\n"
           "                           terminal); several models: a TEMPLATE with {data}\n"
           "                           (the dataset's file name without .rsct) and {seed},\n"
           "                           or DIR/ for DIR/{data}-s{seed}.rsct\n"
           "  -z, --compress           deflate the tensors of the model\n"
           "      --no-verify          import a dataset NAME without checking its files\n"
           "                           against the published checksums (data/manifests)\n"
           "      --max-memory=SIZE    most memory an input may take (512M, 4G; default\n"
           "                           $RSC_MAX_MEMORY, else the physical memory)\n"
           "  -q, --quiet              no progress bar and no summary\n"
           "      --progress           show the progress bar even when stderr is not a\n"
           "                           terminal\n"
           "  -h, --help               show this help and exit\n"
           "  -V, --version            show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error, 2 usage error, 128+N when stopped by\n"
           "signal N (after writing the checkpoint).\n"
           "Example: rsc-inject --data fashion --pattern R3 --count 10 | %s -o m.rsct\n",
           rsc_progname());
}

enum {
    OPT_DESCRIBE = 256, OPT_OPTIMIZER, OPT_MOMENTUM, OPT_WD, OPT_MILESTONES, OPT_GAMMA,
    OPT_CLIP_VALUE, OPT_CLIP_NORM, OPT_NOISE, OPT_EXCLUDE_SPURIOUS, OPT_EXCLUDE, OPT_DEVICE,
    OPT_PROGRESS, OPT_LIMIT, OPT_TEST_LIMIT, OPT_AUGMENT, OPT_NO_VERIFY, OPT_SEEDS, OPT_LOCKSTEP,
};

/* --seed: an integer in [0, 2^53] (it is recorded as a double-safe key). */
static long long parse_seed(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v > (1ULL << 53))
        rsc_usage_error("--seed: '%s' is not an integer in [0, 2^53]", s);
    return (long long)v;
}

/* v, or a usage error "OPT: 'V' is not WHAT". */
static const char *check(const char *opt, const char *v, int ok, const char *what)
{
    if (!ok)
        rsc_usage_error("%s: '%s' is not %s", opt, v, what);
    return v;
}

/* The dataset arguments (with --data first) and the checks of a
 * many-model run (several datasets or --seeds). */
static void many_args(int argc, char **argv, options *o)
{
    o->datasets = calloc((size_t)(argc - optind) + 2, sizeof *o->datasets);
    if (!o->datasets)
        rsc_die("out of memory");
    if (o->data)
        o->datasets[o->ndata++] = o->data;
    for (int i = optind; i < argc; i++)
        o->datasets[o->ndata++] = argv[i];
    o->data = o->ndata ? o->datasets[0] : NULL;
    o->many = o->ndata > 1 || o->seeds;
    if (!o->many)
        return;
    int stdin_uses = 0;
    for (int i = 0; i < o->ndata; i++)
        stdin_uses += !strcmp(o->datasets[i], "-");
    if (stdin_uses > 1)
        rsc_usage_error("standard input ('-') can only be one of the datasets");
    if (o->describe || o->resume || o->checkpoint)
        rsc_usage_error("several models (datasets or --seeds): --describe, --resume and "
                        "--checkpoint apply to one model");
    if (o->seeds && o->train.seed >= 0)
        rsc_usage_error("--seed and --seeds: give one of them");
    if (!o->output)
        rsc_usage_error("several models (datasets or --seeds): -o TEMPLATE or -o DIR/ names them");
}

static void parse(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "arch", required_argument, NULL, 'a' },
        { "describe", no_argument, NULL, OPT_DESCRIBE },
        { "optimizer", required_argument, NULL, OPT_OPTIMIZER },
        { "lr", required_argument, NULL, 'l' },
        { "momentum", required_argument, NULL, OPT_MOMENTUM },
        { "weight-decay", required_argument, NULL, OPT_WD },
        { "batch-size", required_argument, NULL, 'b' },
        { "epochs", required_argument, NULL, 'e' },
        { "milestones", required_argument, NULL, OPT_MILESTONES },
        { "gamma", required_argument, NULL, OPT_GAMMA },
        { "clip-value", required_argument, NULL, OPT_CLIP_VALUE },
        { "clip-norm", required_argument, NULL, OPT_CLIP_NORM },
        { "input-noise", required_argument, NULL, OPT_NOISE },
        { "augment", required_argument, NULL, OPT_AUGMENT },
        { "seed", required_argument, NULL, 's' },
        { "train-seed", required_argument, NULL, 's' },
        { "seeds", required_argument, NULL, OPT_SEEDS },
        { "lockstep", required_argument, NULL, OPT_LOCKSTEP },
        { "data", required_argument, NULL, 'd' },
        { "exclude-spurious", no_argument, NULL, OPT_EXCLUDE_SPURIOUS },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { "test-limit", required_argument, NULL, OPT_TEST_LIMIT },
        { "resume", required_argument, NULL, 'r' },
        { "checkpoint", required_argument, NULL, 'c' },
        { "threads", required_argument, NULL, 'j' },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "output", required_argument, NULL, 'o' },
        { "compress", no_argument, NULL, 'z' },
        { "quiet", no_argument, NULL, 'q' },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY }, RSC_LONGOPT_MAX_MEMORY,
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    rsc_train_opts *t = &o->train;
    rsc_train_opts_init(t);
    rsc_error err;
    rsc_optim_cfg ms;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":a:l:b:e:s:d:r:c:j:o:zqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (!rsc_arch_need(optarg, &err))
                rsc_usage_error("--arch: %s", err.msg);
            t->arch = optarg;
            break;
        case OPT_DESCRIBE: o->describe = 1; break;
        case OPT_OPTIMIZER:
            t->optimizer = check("--optimizer", optarg, rsc_optim_type_parse(optarg) >= 0,
                                 "adam or sgd");
            break;
        case 'l':
            if (!((t->lr = rsc_opt_double("--lr", optarg, 0, 1e6)) > 0))
                rsc_usage_error("--lr: must be positive");
            break;
        case OPT_MOMENTUM: t->momentum = rsc_opt_double("--momentum", optarg, 0, 1); break;
        case OPT_WD: t->weight_decay = rsc_opt_double("--weight-decay", optarg, 0, 1e6); break;
        case 'b': t->batch_size = rsc_opt_long("--batch-size", optarg, 1, 1 << 20); break;
        case 'e': t->epochs = rsc_opt_long("--epochs", optarg, 1, 1000000); break;
        case OPT_MILESTONES:
            if (rsc_optim_milestones_parse(&ms, optarg, &err) != 0)
                rsc_usage_error("--%s", err.msg);
            t->milestones = optarg;
            break;
        case OPT_GAMMA: t->gamma = rsc_opt_double("--gamma", optarg, 0, 1e6); break;
        case OPT_CLIP_VALUE: t->clip_value = rsc_opt_double("--clip-value", optarg, 0, 1e30); break;
        case OPT_CLIP_NORM: t->clip_norm = rsc_opt_double("--clip-norm", optarg, 0, 1e30); break;
        case OPT_NOISE: t->input_noise = rsc_opt_double("--input-noise", optarg, 0, 1e6); break;
        case OPT_AUGMENT:
            if (rsc_augment_parse(optarg) < 0)
                rsc_usage_error("--augment: unknown augmentation '%s' (none or crop-flip)", optarg);
            t->augment = optarg;
            break;
        case 's': t->seed = parse_seed(optarg); break;
        case OPT_SEEDS: o->seeds = optarg; break;
        case OPT_LOCKSTEP:
            o->lockstep = check("--lockstep", optarg, !strcmp(optarg, "auto") ||
                                !strcmp(optarg, "on") || !strcmp(optarg, "off"), "auto, on or off");
            break;
        case 'd': o->data = optarg; break;
        case OPT_EXCLUDE_SPURIOUS: o->exclude_spurious = 1; break;
        case OPT_EXCLUDE: o->exclude_file = optarg; break;
        case OPT_LIMIT: o->limit = rsc_opt_long("--limit", optarg, 1, 2147483647L); break;
        case OPT_TEST_LIMIT:
            o->test_limit = rsc_opt_long("--test-limit", optarg, 0, 2147483647L);
            if (o->test_limit == 0)
                o->test_limit = -1;   /* no test evaluation */
            break;
        case 'r': o->resume = optarg; break;
        case 'c': o->checkpoint = optarg; break;
        case 'j': t->threads = rsc_opt_long("--threads", optarg, 0, 4096); break;
        case OPT_DEVICE:
            o->device = check("--device", optarg, !strcmp(optarg, "auto") || !strcmp(optarg, "cpu") ||
                              !strcmp(optarg, "cuda"), "auto, cpu or cuda");
            break;
        case 'o': o->output = optarg; break;
        case 'z': o->compress = 1; break;
        case 'q': o->quiet = 1; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_VERIFY: o->no_verify = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    many_args(argc, argv, o);
    if (o->describe) {
        if (o->resume || o->output || o->checkpoint)
            rsc_usage_error("--describe prints the architecture: --resume, -o and --checkpoint "
                            "do not apply");
        return;
    }
    if (!o->data)
        o->data = o->datasets[o->ndata++] = "-";
    if (o->resume && !strcmp(o->resume, "-"))
        rsc_usage_error("--resume: give a file (stdin carries the dataset)");
    if (o->output && o->checkpoint && !strcmp(o->output, o->checkpoint))
        rsc_usage_error("-o and --checkpoint name the same file");
    for (int i = 0; i < o->ndata; i++)
        rsc_stdin_input(o->datasets[i], "dataset",
                        o->resume ? "a model does not hold its data: give the dataset again, "
                                    "piped from rsc-inject or as DATASET or --data"
                                  : "pipe one from rsc-inject, or give DATASET or --data");
}

/* A model to train: its dataset, seed and output (NULL: the single
 * run's output, stdout or -o). */
typedef struct job {
    const char *data;
    uint64_t seed;
    char *output;
} job;

/* A run: what the steps below share; tr and ds are the current model's
 * (one of the k of a lockstep chunk). */
typedef struct run {
    const options *o;
    const char *data;            /* the current model's dataset (NAME, PATH or "-") */
    const char *dname;           /* its name in messages */
    rsc_file *ds;
    rsc_backend *be;
    rsc_trainer *tr;
    rsc_train_cfg cfg;
    rsc_output *out;
    unsigned wflags;
    const char *path;            /* the current model's output (many models) */
    rsc_file *keep;              /* the last model's dataset, for the next one */
    int lockstep;                /* the last models were trained in lockstep */
} run;

/* --describe: the architecture on the data's shape (or its own input). */
static int describe(const options *o)
{
    rsc_error err;
    rsc_shape shape;
    int classes = 10;
    if (o->data) {
        rsc_file *ds = rsc_dataset_open_flags(o->data, o->no_verify ? RSC_DATASET_NO_VERIFY : 0, &err);
        if (!ds)
            rsc_die_err(&err);
        const rsc_tensor *t = rsc_file_find(ds, "train.x");
        shape = (rsc_shape){ (int)t->dims[1], (int)t->dims[2], (int)t->dims[3] };
        classes = rsc_dataset_classes(ds);
        rsc_file_free(ds);
    }
    char *d = rsc_arch_describe(o->train.arch ? o->train.arch : "mlp", o->data ? &shape : NULL,
                                classes, &err);
    if (!d)
        rsc_die_err(&err);
    fputs(d, stdout);
    free(d);
    return rsc_close_stdout();
}

/* The configuration, and the resumed model when there is one. */
static rsc_file *configure(run *r)
{
    rsc_error err;
    rsc_file *resumed = NULL;
    if (r->o->resume && !(resumed = rsc_file_load(r->o->resume, &err)))
        rsc_die_err(&err);
    int rc = rsc_train_configure(&r->cfg, &r->o->train, resumed, r->o->resume, &err);
    if (rc == RSC_TRAIN_CONFLICT)
        rsc_usage_error("%s", err.msg);
    if (rc != 0)
        rsc_die_err(&err);
    return resumed;
}

/* The jobs: one per dataset and seed (datasets outer), their outputs
 * named by the -o template, distinct and writable. */
static job *make_jobs(const options *o, const rsc_train_cfg *cfg, int *njobs)
{
    rsc_error err;
    uint64_t one = cfg->train_seed, *seeds = &one;
    long ns = 1;
    if (o->seeds && (ns = rsc_seed_list_parse("--seeds", o->seeds, 100000, &seeds, &err)) < 0)
        rsc_usage_error("%s", err.msg);
    size_t n = (size_t)o->ndata * (size_t)ns;
    job *jobs = calloc(n, sizeof *jobs);
    if (!jobs)
        rsc_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (job){ o->datasets[i / (size_t)ns], seeds[i % (size_t)ns], NULL };
        if (o->many && !(jobs[i].output = rsc_output_name_expand(o->output, jobs[i].data,
                                                                  jobs[i].seed, &err)))
            rsc_usage_error("%s", err.msg);
        for (size_t j = 0; o->many && j < i; j++)
            if (!strcmp(jobs[i].output, jobs[j].output))
                rsc_usage_error("-o '%s' names two models '%s' (use {data} and {seed})", o->output,
                                jobs[i].output);
        if (o->many && rsc_output_check(jobs[i].output, &err) != 0)
            rsc_die_err(&err);
    }
    if (seeds != &one)
        free(seeds);
    *njobs = (int)n;
    return jobs;
}

/* The dataset (reused: the previous model's, given as prev), its shape
 * and classes. */
static void open_data(run *r, rsc_file *prev, rsc_shape *shape, int *classes)
{
    rsc_error err;
    if (!(r->ds = prev) &&
        !(r->ds = rsc_dataset_open_flags(r->data, r->o->no_verify ? RSC_DATASET_NO_VERIFY : 0,
                                         &err)))
        rsc_die_err(&err);
    const rsc_tensor *t = rsc_file_find(r->ds, "train.x");
    *shape = (rsc_shape){ (int)t->dims[1], (int)t->dims[2], (int)t->dims[3] };
    *classes = rsc_dataset_classes(r->ds);
}

/* The images onto the trainer's backend (train split, and the test split
 * up to --test-limit); a lockstep chunk's later models take the first
 * one's resident images when theirs are the same bytes (owner). */
static void load_data(run *r, rsc_trainer *owner, const rsc_file *owner_ds)
{
    const options *o = r->o;
    rsc_error err;
    rsc_split train, test = { .n = 0 };
    if (rsc_dataset_split(r->ds, "train", &train, &err) != 0 ||
        (o->test_limit >= 0 && rsc_dataset_split(r->ds, "test", &test, &err) != 0))
        rsc_die("%s: %s", r->dname, err.msg);
    if (o->test_limit > 0 && (size_t)o->test_limit < test.n)
        test.n = (size_t)o->test_limit;
    if (owner && rsc_train_group_same_images(r->ds, owner_ds)) {
        if (rsc_trainer_set_data_shared(r->tr, owner, &train, (size_t)o->limit, &err) != 0)
            rsc_die("%s: %s", r->dname, err.msg);
        return;
    }
    if (rsc_trainer_set_data(r->tr, &train, test.n ? &test : NULL, (size_t)o->limit, &err) != 0)
        rsc_die("%s: %s", r->dname, err.msg);
}

/* --exclude-spurious and --exclude FILE. */
static void exclude(run *r)
{
    rsc_error err;
    if (r->o->exclude_spurious) {
        const rsc_tensor *si = rsc_file_find(r->ds, "spurious.index");
        if (!si)
            rsc_die("%s: --exclude-spurious: the dataset has no spurious examples (tensor "
                    "'spurious.index')", r->dname);
        if (rsc_trainer_exclude(r->tr, si->data, (size_t)rsc_tensor_numel(si), &err) != 0)
            rsc_die("--exclude-spurious: %s", err.msg);
    }
    if (r->o->exclude_file) {
        size_t k;
        int64_t *idx;
        if (rsc_indexlist_load(r->o->exclude_file, &idx, &k, &err) != 0)
            rsc_die_err(&err);
        if (rsc_trainer_exclude(r->tr, idx, k, &err) != 0)
            rsc_die("%s: %s", r->o->exclude_file, err.msg);
        free(idx);
    }
}

/* The model, to the output (path NULL) or to a checkpoint file. */
static void write_model(run *r, const char *path)
{
    rsc_error err;
    rsc_file *f = rsc_train_model_file(r->tr, r->ds, "rsc-train", &err);
    if (!path)
        path = r->path;
    if (!f ||
        (path ? rsc_file_save(path, f, r->wflags, &err)
              : rsc_file_write(rsc_output_file(r->out), rsc_output_name(r->out), f, r->wflags, &err) ||
                    rsc_output_commit(r->out, &err)) != 0)
        rsc_die_err(&err);
    rsc_file_free(f);
}

static void on_progress(void *ud, int epoch, size_t done, size_t total, double loss, double acc)
{
    (void)epoch, (void)total;
    char extra[96];
    snprintf(extra, sizeof extra, "loss %.4f acc %.4f", loss, acc);
    rsc_progress_update(ud, (double)done, extra);
}

/* A signal stopped the epoch: the checkpoint (if any), then exit 128+sig. */
static void stopped(run *r, int sig, const rsc_progress *bar)
{
    if (bar->enabled)
        fputc('\n', stderr);
    int epoch = rsc_trainer_epochs_done(r->tr) + 1;
    if (r->o->checkpoint) {
        write_model(r, r->o->checkpoint);
        fprintf(stderr, "%s: stopped by signal %d in epoch %d; checkpoint written to %s\n",
                rsc_progname(), sig, epoch, r->o->checkpoint);
    } else {
        fprintf(stderr, "%s: stopped by signal %d in epoch %d; nothing saved (%s)\n",
                rsc_progname(), sig, epoch,
                r->o->many ? "the models written so far are complete" : "no --checkpoint");
    }
    if (r->out)
        rsc_output_abort(r->out);
    exit(128 + sig);
}

/* The epochs left of the k models tr (one: the trainer's own epochs; more:
 * the lockstep group), with a progress bar each and a checkpoint after
 * each; returns the examples trained on (per model) and the last epoch's
 * statistics of each. */
static size_t train(run *r, rsc_trainer **tr, int k, rsc_epoch_stats *st)
{
    rsc_error err;
    rsc_progress bar;
    int mode = r->o->quiet ? -1 : r->o->progress ? 1 : 0;
    size_t trained = 0;
    rsc_train_group *g = NULL;
    for (int i = 0; i < k; i++)
        st[i] = (rsc_epoch_stats){ .test_acc = NAN };
    if (k > 1 && !(g = rsc_train_group_new(tr, k, &err)))
        rsc_die_err(&err);
    r->lockstep = g && rsc_train_group_lockstep(g);
    rsc_signal_set_graceful(1);
    while (rsc_trainer_epochs_done(tr[0]) < r->cfg.epochs) {
        char label[64], extra[128];
        snprintf(label, sizeof label, k > 1 ? "epoch %d/%d, %d models" : "epoch %d/%d",
                 rsc_trainer_epochs_done(tr[0]) + 1, r->cfg.epochs, k);
        rsc_progress_start(&bar, mode, label, (double)rsc_trainer_examples(tr[0]), "ex");
        /* No progress callback without a bar: its sums are a device sync. */
        rsc_train_progress cb = bar.enabled ? on_progress : NULL;
        int rc = g ? rsc_train_group_epoch(g, cb, &bar, st, &err)
                   : rsc_trainer_epoch(tr[0], cb, &bar, st, &err);
        if (rc < 0)
            rsc_die_err(&err);
        if (rc > 0)
            stopped(r, rc, &bar);
        trained += st[0].examples;
        int n = snprintf(extra, sizeof extra, "loss %.4f acc %.4f", st[0].loss, st[0].train_acc);
        if (!isnan(st[0].test_acc))
            snprintf(extra + n, sizeof extra - (size_t)n, " test %.4f", st[0].test_acc);
        rsc_progress_end(&bar, extra);
        if (r->o->checkpoint)
            write_model(r, r->o->checkpoint);
    }
    rsc_signal_set_graceful(0);
    rsc_train_group_free(g);
    return trained;
}

/* The summary line of the current model, one of k trained together
 * (examples per second: of all k). */
static void summary(const run *r, int first, const rsc_epoch_stats *st, double secs,
                    size_t trained, int k)
{
    char test[48] = "", name[300] = "", together[48] = "";
    if (k > 1)
        snprintf(together, sizeof together, " (%d models %s)", k,
                 r->lockstep ? "in lockstep" : "in turn");
    if (!isnan(st->test_acc))
        snprintf(test, sizeof test, " test acc %.4f", st->test_acc);
    if (r->path)
        snprintf(name, sizeof name, "%s: ", r->path);
    fprintf(stderr, "%s: %s%s, epochs %d-%d of %d on %zu examples (%zu excluded): loss %.4f "
            "train acc %.4f%s; %.1f s, %.0f ex/s on %s x%d%s\n",
            rsc_progname(), name, r->cfg.arch, first + 1, rsc_trainer_epochs_done(r->tr),
            r->cfg.epochs, rsc_trainer_examples(r->tr), rsc_trainer_excluded(r->tr), st->loss,
            st->train_acc, test, secs, secs > 0 ? (double)trained * k / secs : 0.0, r->be->desc,
            r->be->threads, together);
}

/* The k models of jobs: their trainers and data (a lockstep chunk shares
 * the first one's resident images; consecutive models of one dataset
 * read it once: stdin can only be read once), the training, the files.
 * next: the job after these, or NULL. */
static void train_jobs(run *r, job *jobs, int k, const job *next, const rsc_file *resumed)
{
    rsc_error err;
    rsc_trainer **tr = calloc((size_t)k, sizeof *tr);
    rsc_file **ds = calloc((size_t)k, sizeof *ds);
    rsc_epoch_stats *st = calloc((size_t)k, sizeof *st);
    if (!tr || !ds || !st)
        rsc_die("out of memory");
    for (int i = 0; i < k; i++) {
        rsc_shape shape;
        int classes;
        r->data = jobs[i].data;
        r->dname = strcmp(r->data, "-") ? r->data : "stdin";
        r->cfg.train_seed = jobs[i].seed;
        rsc_file *prev = i ? (strcmp(jobs[i].data, jobs[i - 1].data) ? NULL : ds[i - 1])
                           : r->keep;
        r->keep = NULL;
        open_data(r, prev, &shape, &classes);
        if (!(r->tr = tr[i] = rsc_trainer_new(r->be, &r->cfg, shape, classes, &err)) ||
            (resumed && rsc_trainer_load_state(r->tr, resumed, r->o->resume, &err) != 0))
            rsc_die_err(&err);
        load_data(r, i ? tr[0] : NULL, i ? ds[0] : NULL);
        exclude(r);
        ds[i] = r->ds;
        /* After its last model the file needs the provenance only. */
        if (i && ds[i] != ds[0] && (i + 1 == k || strcmp(jobs[i + 1].data, jobs[i].data)))
            rsc_train_group_drop_images(ds[i]);
    }
    int first = rsc_trainer_epochs_done(tr[0]);
    double t0 = rsc_now();
    size_t trained = train(r, tr, k, st);
    double secs = rsc_now() - t0;
    for (int i = 0; i < k; i++) {
        r->tr = tr[i];
        r->ds = ds[i];
        r->path = jobs[i].output;
        write_model(r, NULL);
        if (!r->o->quiet)
            summary(r, first, &st[i], secs, trained, k);
    }
    if (next && !strcmp(next->data, jobs[k - 1].data))
        r->keep = ds[k - 1];
    for (int i = k - 1; i >= 0; i--) {   /* the first owns the shared images */
        rsc_trainer_free(tr[i]);
        if (ds[i] != r->keep && (i == 0 || ds[i - 1] != ds[i]))
            rsc_file_free(ds[i]);
    }
    free(tr);
    free(ds);
    free(st);
}

int main(int argc, char **argv)
{
    /* Before anything else (the exec restarts the program): get OpenBLAS's
     * fast kernels on CPUs it does not recognise (kernels/cpu/cpu.h). */
    rsc_backend_early_init(argv);
    rsc_cli_init(argv[0]);
    options o;
    parse(argc, argv, &o);
    if (o.describe) {
        int rc = describe(&o);
        free(o.datasets);
        return rc;
    }
    rsc_error err;
    run r = { .o = &o, .wflags = o.compress ? RSC_WRITE_COMPRESS : 0 };

    /* The outputs first: refuse a terminal or an unwritable place before any work. */
    if ((!o.many && !(r.out = rsc_output_open(o.output, RSC_OUTPUT_BINARY, &err))) ||
        (o.checkpoint && rsc_output_check(o.checkpoint, &err) != 0))
        rsc_die_err(&err);
    rsc_file *resumed = configure(&r);
    int njobs;
    job *jobs = make_jobs(&o, &r.cfg, &njobs);
    if (!(r.be = rsc_backend_open(o.device, r.cfg.threads, &err)))
        rsc_die_err(&err);
    r.cfg.threads = r.be->threads;
    /* Lockstep: every model at once where it applies (auto: on a GPU);
     * otherwise one model after another. */
    int lock = o.lockstep && !strcmp(o.lockstep, "on") ? 1 : o.lockstep && !strcmp(o.lockstep, "off") ? 0
               : strcmp(r.be->name, "cpu") != 0;
    int chunk = lock && rsc_train_group_fits(&r.cfg, r.be) ? njobs : 1;
    for (int i = 0; i < njobs; i += chunk) {
        int k = njobs - i < chunk ? njobs - i : chunk;
        train_jobs(&r, jobs + i, k, i + k < njobs ? &jobs[i + k] : NULL, resumed);
    }
    rsc_file_free(resumed);
    for (int i = 0; i < njobs; i++)
        free(jobs[i].output);
    free(jobs);
    free(o.datasets);
    rsc_backend_close(r.be);
    return rsc_close_stdout();
}
