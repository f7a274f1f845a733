/* rsc-train - train a network on an rsct dataset (stdin, a file, or
 * --data NAME) and write the model (rsct, kind=model) to stdout or -o.
 * The numerical work is libcommon/train/train.c; this file parses options,
 * loads the data, reports progress and writes files. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/arch.h"
#include "core/atomic.h"
#include "kernels/backend.h"
#include "core/cli.h"
#include "nn/arch_conv.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "nn/model_file.h"
#include "nn/optim.h"
#include "format/rsct.h"
#include "train/train.h"

typedef struct options {
    const char *data;            /* NAME, PATH or "-" */
    int no_verify;               /* --no-verify */
    const char *arch;            /* NULL: mlp (or the resumed model's) */
    int describe;
    const char *optimizer;
    double lr, momentum, weight_decay, gamma, clip_value, clip_norm, input_noise;
    const char *augment;         /* NULL: none (or the resumed model's) */
    int have_lr, have_momentum, have_wd, have_gamma, have_clip_value, have_clip_norm, have_noise;
    long batch_size, epochs;     /* -1: not given */
    const char *milestones;
    long long seed;              /* -1: not given */
    const char *resume;
    int exclude_spurious;
    const char *exclude_file;
    const char *checkpoint;
    long threads;                /* 0: all cores */
    const char *device;
    const char *output;
    int quiet, progress, compress;
    long limit, test_limit;      /* 0: all */
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [DATASET]\n"
           "Train a network on an rsct dataset (DATASET, --data, or stdin) and write the\n"
           "model (rsct, kind=model) to -o FILE or stdout.\n"
           "\n"
           "Model:\n"
           "  -a, --arch=NAME          linear, mlp-small, mlp (default), mlp-large, cnn,\n"
           "                           resnet20, resnet32, resnet110, vgg16\n"
           "      --describe           print the layers and parameter count and exit\n"
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
           "Data:\n"
           "  -d, --data=NAME|PATH     mnist, fashion, cifar10, an IDX or CIFAR-10 folder,\n"
           "                           or an rsct dataset ('-': stdin, the default)\n"
           "      --no-verify          import a dataset NAME without checking its files\n"
           "                           against the published checksums (data/manifests)\n"
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
           "  -j, --threads=N          CPU threads (default: all cores; with --resume, the\n"
           "                           model's)\n"
           "      --device=auto|cpu|cuda  compute device (default auto)\n"
           "Output:\n"
           "  -o, --output=FILE        write the model to FILE (default: stdout, never a\n"
           "                           terminal)\n"
           "  -z, --compress           deflate the tensors of the model\n"
           "  -q, --quiet              no progress bar and no summary\n"
           "      --progress           show the progress bar even when stderr is not a\n"
           "                           terminal\n"
           "  -h, --help               show this help and exit\n"
           "  -V, --version            show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error, 2 usage error, 128+N when stopped by\n"
           "signal N (after writing the checkpoint).\n"
           "Example: rsc-inject --data fashion --pattern R3 --count 10 | %s -o m.rsct\n",
           rsc_progname(), rsc_progname());
}

enum {
    OPT_DESCRIBE = 256, OPT_OPTIMIZER, OPT_MOMENTUM, OPT_WD, OPT_MILESTONES, OPT_GAMMA,
    OPT_CLIP_VALUE, OPT_CLIP_NORM, OPT_NOISE, OPT_EXCLUDE_SPURIOUS, OPT_EXCLUDE, OPT_DEVICE,
    OPT_PROGRESS, OPT_LIMIT, OPT_TEST_LIMIT, OPT_AUGMENT, OPT_NO_VERIFY,
};

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
        { "data", required_argument, NULL, 'd' },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY },
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
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->batch_size = o->epochs = -1;
    o->seed = -1;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":a:l:b:e:s:d:r:c:j:o:zqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (!rsc_arch_known(optarg))
                rsc_usage_error("--arch: unknown architecture '%s' (linear, mlp-small, mlp, "
                                "mlp-large)", optarg);
            o->arch = optarg;
            break;
        case OPT_DESCRIBE:
            o->describe = 1;
            break;
        case OPT_OPTIMIZER:
            if (rsc_optim_type_parse(optarg) < 0)
                rsc_usage_error("--optimizer: '%s' is not adam or sgd", optarg);
            o->optimizer = optarg;
            break;
        case 'l':
            o->lr = rsc_opt_double("--lr", optarg, 0, 1e6);
            if (!(o->lr > 0))
                rsc_usage_error("--lr: must be positive");
            o->have_lr = 1;
            break;
        case OPT_MOMENTUM:
            o->momentum = rsc_opt_double("--momentum", optarg, 0, 1);
            o->have_momentum = 1;
            break;
        case OPT_WD:
            o->weight_decay = rsc_opt_double("--weight-decay", optarg, 0, 1e6);
            o->have_wd = 1;
            break;
        case 'b':
            o->batch_size = rsc_opt_long("--batch-size", optarg, 1, 1 << 20);
            break;
        case 'e':
            o->epochs = rsc_opt_long("--epochs", optarg, 1, 1000000);
            break;
        case OPT_MILESTONES: {
            rsc_optim_cfg tmp;
            rsc_error err;
            if (rsc_optim_milestones_parse(&tmp, optarg, &err) != 0)
                rsc_usage_error("--%s", err.msg);
            o->milestones = optarg;
            break;
        }
        case OPT_GAMMA:
            o->gamma = rsc_opt_double("--gamma", optarg, 0, 1e6);
            o->have_gamma = 1;
            break;
        case OPT_CLIP_VALUE:
            o->clip_value = rsc_opt_double("--clip-value", optarg, 0, 1e30);
            o->have_clip_value = 1;
            break;
        case OPT_CLIP_NORM:
            o->clip_norm = rsc_opt_double("--clip-norm", optarg, 0, 1e30);
            o->have_clip_norm = 1;
            break;
        case OPT_NOISE:
            o->input_noise = rsc_opt_double("--input-noise", optarg, 0, 1e6);
            o->have_noise = 1;
            break;
        case OPT_AUGMENT:
            if (rsc_augment_parse(optarg) < 0)
                rsc_usage_error("--augment: unknown augmentation '%s' (none or crop-flip)",
                                optarg);
            o->augment = optarg;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!*optarg || *end || errno || optarg[0] == '-' || v > (1ULL << 53))
                rsc_usage_error("--seed: '%s' is not an integer in [0, 2^53]", optarg);
            o->seed = (long long)v;
            break;
        }
        case 'd':
            o->data = optarg;
            break;
        case OPT_EXCLUDE_SPURIOUS:
            o->exclude_spurious = 1;
            break;
        case OPT_NO_VERIFY:
            o->no_verify = 1;
            break;
        case OPT_EXCLUDE:
            o->exclude_file = optarg;
            break;
        case OPT_LIMIT:
            o->limit = rsc_opt_long("--limit", optarg, 1, 2147483647L);
            break;
        case OPT_TEST_LIMIT:
            o->test_limit = rsc_opt_long("--test-limit", optarg, 0, 2147483647L);
            if (o->test_limit == 0)
                o->test_limit = -1;   /* no test evaluation */
            break;
        case 'r':
            o->resume = optarg;
            break;
        case 'c':
            o->checkpoint = optarg;
            break;
        case 'j':
            o->threads = rsc_opt_long("--threads", optarg, 1, 4096);
            break;
        case OPT_DEVICE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "cpu") && strcmp(optarg, "cuda"))
                rsc_usage_error("--device: '%s' is not auto, cpu or cuda", optarg);
            o->device = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'z':
            o->compress = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case OPT_PROGRESS:
            o->progress = 1;
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
    if (o->describe) {
        if (o->resume || o->output || o->checkpoint)
            rsc_usage_error("--describe prints the architecture: --resume, -o and --checkpoint "
                            "do not apply");
        return;
    }
    if (!o->data)
        o->data = "-";
    if (!strcmp(o->data, "-") && isatty(STDIN_FILENO))
        rsc_usage_error("no dataset given (DATASET, --data NAME|PATH, or an rsct dataset on stdin)");
    if (o->resume && !strcmp(o->resume, "-"))
        rsc_usage_error("--resume: give a file (stdin carries the dataset)");
    if (o->output && o->checkpoint && !strcmp(o->output, o->checkpoint))
        rsc_usage_error("-o and --checkpoint name the same file");
}

/* --exclude FILE: integers separated by white space, '#' to end of line. */
static int64_t *read_index_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        rsc_die("%s: %s", path, strerror(errno));
    size_t cap = 64, k = 0;
    int64_t *v = malloc(cap * sizeof *v);
    char line[4096];
    long lineno = 0;
    if (!v)
        rsc_die("out of memory");
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save, *tok;
        for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
            char *end;
            errno = 0;
            long long x = strtoll(tok, &end, 10);
            if (*end || errno || x < 0)
                rsc_die("%s: line %ld: '%s' is not an example index", path, lineno, tok);
            if (k == cap) {
                cap *= 2;
                int64_t *nv = realloc(v, cap * sizeof *nv);
                if (!nv)
                    rsc_die("out of memory");
                v = nv;
            }
            v[k++] = x;
        }
    }
    if (ferror(f))
        rsc_die("%s: read error", path);
    fclose(f);
    *n = k;
    return v;
}

/* Build the whole model file: stamp, provenance, training state. */
static rsc_file *model_file(rsc_trainer *tr, const rsc_file *ds, rsc_error *err)
{
    static const char *const prov[] = { "name", "pattern", "target", "count", "seed", NULL };
    rsc_file *f = rsc_file_new(err);
    if (!f)
        return NULL;
    if (rsc_file_stamp(f, "model", "rsc-train", err) != 0 || rsc_meta_copy(f, ds, prov, err) != 0 ||
        rsc_trainer_save(tr, f, err) != 0)
        goto fail;
    const char *tensors[] = { "spurious.pattern", "spurious.index" };
    for (int i = 0; i < 2; i++) {
        const rsc_tensor *t = rsc_file_find(ds, tensors[i]);
        if (t && !rsc_file_add_copy(f, t, NULL, err))
            goto fail;
    }
    return f;
fail:
    rsc_file_free(f);
    return NULL;
}

typedef struct progress_ctx {
    rsc_progress bar;
    int mode;
    int epochs;
    char label[48];
} progress_ctx;

static void on_progress(void *ud, int epoch, size_t done, size_t total, double loss, double acc)
{
    progress_ctx *p = ud;
    (void)epoch, (void)total;
    char extra[96];
    snprintf(extra, sizeof extra, "loss %.4f acc %.4f", loss, acc);
    rsc_progress_update(&p->bar, (double)done, extra);
}

static void load_data(const options *o, rsc_file **ds, float **x, int32_t **y, size_t *n,
                      float **tx, int32_t **ty, size_t *tn, rsc_shape *shape)
{
    rsc_error err;
    *ds = rsc_dataset_open_flags(o->data, o->no_verify ? RSC_DATASET_NO_VERIFY : 0, &err);
    if (!*ds)
        rsc_die_err(&err);
    int c, h, w, tc, th, tw;
    const char *dname = strcmp(o->data, "-") ? o->data : "stdin";
    if (rsc_dataset_images_f32(*ds, "train", x, y, n, &c, &h, &w, &err) != 0)
        rsc_die("%s: %s", dname, err.msg);
    *tx = NULL;
    *ty = NULL;
    *tn = 0;
    if (o->test_limit >= 0) {
        if (rsc_dataset_images_f32(*ds, "test", tx, ty, tn, &tc, &th, &tw, &err) != 0)
            rsc_die("%s: %s", dname, err.msg);
        if (o->test_limit > 0 && (size_t)o->test_limit < *tn)
            *tn = (size_t)o->test_limit;
    }
    *shape = (rsc_shape){ c, h, w };
}

int main(int argc, char **argv)
{
    /* Before anything else (the exec restarts the program): get OpenBLAS's
     * fast kernels on CPUs it does not recognise (kernels/cpu/cpu.h). */
    rsc_backend_early_init(argv);
    rsc_cli_init(argv[0]);
    options o;
    parse(argc, argv, &o);
    rsc_error err;

    /* --describe: the architecture on the data's shape (or 1x28x28, 10;
     * 3x32x32 for the ResNets and VGG16). */
    if (o.describe) {
        rsc_shape shape = { 1, 28, 28 };
        int classes = 10;
        if (o.data) {
            rsc_file *ds = rsc_dataset_open_flags(o.data, o.no_verify ? RSC_DATASET_NO_VERIFY : 0, &err);
            if (!ds)
                rsc_die_err(&err);
            const rsc_tensor *t = rsc_file_find(ds, "train.x");
            shape = (rsc_shape){ (int)t->dims[1], (int)t->dims[2], (int)t->dims[3] };
            classes = rsc_dataset_classes(ds);
            rsc_file_free(ds);
        }
        const char *arch = o.arch ? o.arch : "mlp";
        if (!o.data)
            rsc_arch_conv_default_input(arch, &shape);   /* 3x32x32 for CIFAR nets */
        rsc_backend *be = rsc_backend_open("cpu", 1, &err);
        rsc_net *net = be ? rsc_net_new(be, shape, 1, &err) : NULL;
        /* Convolutional nets are described unfinalised: VGG16's 134M
         * parameters need no memory to be counted. */
        if (!net || (rsc_arch_conv_known(arch) ? rsc_arch_conv_add(net, arch, classes, &err)
                                               : rsc_arch_build(net, arch, classes, &err)) != 0)
            rsc_die_err(&err);
        char *d = rsc_net_describe(net, &err);
        if (!d)
            rsc_die_err(&err);
        printf("arch %s: %s\ninput %dx%dx%d, %d classes\n%s", arch, rsc_arch_summary(arch),
               shape.c, shape.h, shape.w, classes, d);
        free(d);
        rsc_net_free(net);
        rsc_backend_close(be);
        return rsc_close_stdout();
    }

    /* The output first: refuse a terminal before any work. */
    rsc_output *out = rsc_output_open(o.output, RSC_OUTPUT_BINARY, &err);
    if (!out)
        rsc_die_err(&err);

    /* Configuration: defaults, or the resumed model's; then the options. */
    rsc_train_cfg cfg;
    rsc_file *resumed = NULL;
    if (o.resume) {
        resumed = rsc_file_load(o.resume, &err);
        if (!resumed || rsc_train_cfg_from_model(&cfg, resumed, o.resume, &err) != 0)
            rsc_die_err(&err);
        if (o.arch && strcmp(o.arch, cfg.arch))
            rsc_usage_error("--arch %s: the resumed model is %s", o.arch, cfg.arch);
        if (o.seed >= 0 && (unsigned long long)o.seed != cfg.train_seed)
            rsc_usage_error("--seed %lld: the resumed model was trained with seed %llu", o.seed,
                            (unsigned long long)cfg.train_seed);
    } else {
        rsc_train_cfg_defaults(&cfg);
        if (o.arch)
            snprintf(cfg.arch, sizeof cfg.arch, "%s", o.arch);
        if (o.seed >= 0)
            cfg.train_seed = (uint64_t)o.seed;
    }
    if (o.optimizer)
        cfg.optim.type = rsc_optim_type_parse(o.optimizer);
    if (o.have_lr) {
        cfg.optim.lr = o.lr;
        if (o.resume)
            cfg.optim.nmilestones = 0;   /* a new constant rate */
    }
    if (o.have_momentum)
        cfg.optim.momentum = o.momentum;
    if (o.have_wd)
        cfg.optim.weight_decay = o.weight_decay;
    if (o.have_gamma)
        cfg.optim.gamma = o.gamma;
    if (o.have_clip_value)
        cfg.clip_value = o.clip_value;
    if (o.have_clip_norm)
        cfg.clip_norm = o.clip_norm;
    if (o.have_noise)
        cfg.input_noise = o.input_noise;
    if (o.augment)
        cfg.augment = rsc_augment_parse(o.augment);
    if (o.batch_size > 0)
        cfg.batch_size = (int)o.batch_size;
    if (o.epochs > 0)
        cfg.epochs = (int)o.epochs;
    if (!o.resume)
        rsc_optim_default_milestones(&cfg.optim, cfg.epochs);
    if (o.milestones && rsc_optim_milestones_parse(&cfg.optim, o.milestones, &err) != 0)
        rsc_usage_error("--%s", err.msg);

    if (resumed) {
        long done = 0;
        rsc_meta_get_long(resumed, "epochs_done", &done, &err);
        if (done >= cfg.epochs)
            rsc_usage_error("%s: already trained for %ld epochs; give --epochs with a larger total",
                            o.resume, done);
    }

    /* Data. */
    rsc_file *ds;
    float *x, *tx;
    int32_t *y, *ty;
    size_t n, tn;
    rsc_shape shape;
    load_data(&o, &ds, &x, &y, &n, &tx, &ty, &tn, &shape);
    int classes = rsc_dataset_classes(ds);

    /* Backend and trainer.  A resumed run keeps its recorded thread count
     * unless told otherwise (the thread count is part of determinism). */
    if (resumed && !o.threads && cfg.threads > 0)
        o.threads = cfg.threads;
    rsc_backend *be = rsc_backend_open(o.device, (int)o.threads, &err);
    if (!be)
        rsc_die_err(&err);
    cfg.threads = be->threads;
    rsc_trainer *tr = rsc_trainer_new(be, &cfg, shape, classes, &err);
    if (!tr)
        rsc_die_err(&err);
    if (resumed && rsc_trainer_load_state(tr, resumed, o.resume, &err) != 0)
        rsc_die_err(&err);
    if (rsc_trainer_set_data(tr, x, y, n, tx, ty, tn, (size_t)o.limit, &err) != 0)
        rsc_die("%s: %s", strcmp(o.data, "-") ? o.data : "stdin", err.msg);
    free(x);
    free(y);
    free(tx);
    free(ty);
    if (o.exclude_spurious) {
        const rsc_tensor *si = rsc_file_find(ds, "spurious.index");
        if (!si)
            rsc_die("%s: --exclude-spurious: the dataset has no spurious examples (tensor "
                    "'spurious.index')", strcmp(o.data, "-") ? o.data : "stdin");
        if (rsc_trainer_exclude(tr, si->data, (size_t)rsc_tensor_numel(si), &err) != 0)
            rsc_die("--exclude-spurious: %s", err.msg);
    }
    if (o.exclude_file) {
        size_t k;
        int64_t *idx = read_index_file(o.exclude_file, &k);
        if (rsc_trainer_exclude(tr, idx, k, &err) != 0)
            rsc_die("%s: %s", o.exclude_file, err.msg);
        free(idx);
    }
    rsc_file_free(resumed);

    /* Train. */
    unsigned wflags = o.compress ? RSC_WRITE_COMPRESS : 0;
    progress_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.mode = o.quiet ? -1 : o.progress ? 1 : 0;
    rsc_signal_set_graceful(1);
    double t0 = rsc_now();
    size_t trained = 0;
    rsc_epoch_stats st = { 0 };
    st.test_acc = NAN;
    int first = rsc_trainer_epochs_done(tr);
    while (rsc_trainer_epochs_done(tr) < cfg.epochs) {
        snprintf(pc.label, sizeof pc.label, "epoch %d/%d", rsc_trainer_epochs_done(tr) + 1,
                 cfg.epochs);
        rsc_progress_start(&pc.bar, pc.mode, pc.label, (double)rsc_trainer_examples(tr), "ex");
        int rc = rsc_trainer_epoch(tr, on_progress, &pc, &st, &err);
        if (rc < 0)
            rsc_die_err(&err);
        if (rc > 0) {
            if (pc.bar.enabled)
                fputc('\n', stderr);
            if (o.checkpoint) {
                rsc_file *f = model_file(tr, ds, &err);
                if (!f || rsc_file_save(o.checkpoint, f, wflags, &err) != 0)
                    rsc_die_err(&err);
                rsc_file_free(f);
                fprintf(stderr, "%s: stopped by signal %d in epoch %d; checkpoint written to %s\n",
                        rsc_progname(), rc, rsc_trainer_epochs_done(tr) + 1, o.checkpoint);
            } else {
                fprintf(stderr, "%s: stopped by signal %d in epoch %d; nothing saved (no "
                        "--checkpoint)\n", rsc_progname(), rc, rsc_trainer_epochs_done(tr) + 1);
            }
            rsc_output_abort(out);
            exit(128 + rc);
        }
        trained += st.examples;
        char extra[128];
        if (isnan(st.test_acc))
            snprintf(extra, sizeof extra, "loss %.4f acc %.4f", st.loss, st.train_acc);
        else
            snprintf(extra, sizeof extra, "loss %.4f acc %.4f test %.4f", st.loss, st.train_acc,
                     st.test_acc);
        rsc_progress_end(&pc.bar, extra);
        if (o.checkpoint) {
            rsc_file *f = model_file(tr, ds, &err);
            if (!f || rsc_file_save(o.checkpoint, f, wflags, &err) != 0)
                rsc_die_err(&err);
            rsc_file_free(f);
        }
    }
    rsc_signal_set_graceful(0);
    double secs = rsc_now() - t0;

    rsc_file *f = model_file(tr, ds, &err);
    if (!f || rsc_file_write(rsc_output_file(out), rsc_output_name(out), f, wflags, &err) != 0 ||
        rsc_output_commit(out, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(f);

    if (!o.quiet) {
        char test[48] = "";
        if (!isnan(st.test_acc))
            snprintf(test, sizeof test, " test acc %.4f", st.test_acc);
        fprintf(stderr, "%s: %s, epochs %d-%d of %d on %zu examples (%zu excluded): loss %.4f "
                "train acc %.4f%s; %.1f s, %.0f ex/s on %s x%d\n",
                rsc_progname(), cfg.arch, first + 1, rsc_trainer_epochs_done(tr), cfg.epochs,
                rsc_trainer_examples(tr), rsc_trainer_excluded(tr), st.loss, st.train_acc, test,
                secs, secs > 0 ? (double)trained / secs : 0.0, be->desc, be->threads);
    }
    rsc_trainer_free(tr);
    rsc_backend_close(be);
    rsc_file_free(ds);
    return rsc_close_stdout();
}
