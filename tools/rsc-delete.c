/* rsc-delete - delete training examples from a trained model by
 * incremental retraining, first-order group influence (LiSSA) or exact
 * retraining, and write the new model (App. E, Fig. 18).  The work is
 * libcommon/delete/ (deletion.c, influence.c, hvp.c, report.c); this file
 * parses options, reports progress and writes files. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/cli.h"
#include "data/dataset.h"
#include "delete/deletion.h"
#include "delete/hvp.h"
#include "delete/report.h"
#include "format/indexlist.h"
#include "format/rsct.h"
#include "kernels/backend.h"
#include "mia/experiment.h"
#include "mia/lira.h"

#define MAX_SHADOWS 1024

typedef struct options {
    const char *model, *data, *delete_file, *resume, *checkpoint, *output, *report, *reference;
    const char *device;
    int method, solver, hvp, json, quiet, progress, compress, no_verify;   /* hvp: -1 auto */
    long epochs, threads, depth, repeats, batch;   /* -1: default */
    double lr, damp, scale, hvp_step;              /* NaN: default */
    long long seed;                                /* -1: the model's train_seed */
    const char *shadow_model[MAX_SHADOWS], *shadow_data[MAX_SHADOWS];
    int nshadow_models, nshadow_data;
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]... MODEL\n"
           "Delete training examples (by default the dataset's spurious ones) from MODEL,\n"
           "a model written by rsc-train, and write the new model to -o FILE or stdout.\n"
           "\n"
           "Method:\n"
           "  -m, --method=METHOD      retrain (default): continue training without them;\n"
           "                           influence: one first-order group-influence step;\n"
           "                           exact: train from scratch without them\n"
           "      --delete=FILE        the training examples to delete: indices, white\n"
           "                           space separated, '#' comments (default: the\n"
           "                           dataset's spurious.index)\n"
           "Retraining:\n"
           "  -e, --epochs=E           more epochs (default 70; 0: the model unchanged)\n"
           "  -l, --lr=LR              constant learning rate (default: the last rate of\n"
           "                           the model's schedule)\n"
           "Influence (defaults per dataset, see rsc-delete(1)):\n"
           "      --damp=D             LiSSA damping (default 0.01)\n"
           "      --scale=S            LiSSA scale (mnist 25, fashion 100, cifar10 1000)\n"
           "      --depth=N            LiSSA recursion depth (2000 for fewer than 100\n"
           "                           deleted examples, else 1000; cifar10 200)\n"
           "      --repeats=R          LiSSA estimates averaged (default 10)\n"
           "      --batch=B            examples per Hessian sample (default 1)\n"
           "      --solver=NAME        lissa (default) or exact: solve (H + damp scale I)\n"
           "                           x = v by Cholesky (at most 4096 parameters)\n"
           "      --hvp=MODE           Hessian-vector products: exact (default; the\n"
           "                           R-operator of every layer) or central-difference\n"
           "      --hvp-step=STEP      --hvp central-difference: its step, relative to\n"
           "                           max(|theta|, 1) (default 1e-4)\n"
           "  -s, --seed=S             LiSSA sampling seed (default: the model's\n"
           "                           train_seed)\n"
           "Data and runs:\n"
           "  -d, --data=NAME|PATH     the model's dataset (default: the one it names)\n"
           "  -r, --resume=FILE        continue an interrupted retrain or exact run from\n"
           "                           its checkpoint\n"
           "  -c, --checkpoint=FILE    write the state after every epoch and when stopped\n"
           "                           by SIGINT/SIGTERM/SIGHUP\n"
           "  -j, --threads=N          CPU threads (0: all cores; default: the model's)\n"
           "      --device=auto|cpu|cuda  compute device (default auto)\n"
           "      --no-verify          import a dataset NAME without checking checksums\n"
           "      --max-memory=SIZE    most memory an input may take (512M, 4G; default\n"
           "                           $RSC_MAX_MEMORY, else the physical memory)\n"
           "Output:\n"
           "  -o, --output=FILE        the new model (default: stdout, never a terminal)\n"
           "  -z, --compress           deflate the tensors of the model\n"
           "      --report=FILE        write a TSV row: scores before and after, accuracies\n"
           "                           on deleted (ua), remaining (ra) and test data,\n"
           "                           distance to --reference, seconds\n"
           "      --reference=MODEL    the exact-retrain model, for the report\n"
           "      --shadow-model=M     a shadow model for the report's membership\n"
           "                           inference (rsc-mia's attack; repeat for several)\n"
           "      --shadow-data=D      its dataset (one per --shadow-model, in order)\n"
           "  -J, --json               the report as JSON lines\n"
           "  -q, --quiet              no progress and no summary\n"
           "      --progress           show progress even when stderr is not a terminal\n"
           "  -h, --help               show this help and exit\n"
           "  -V, --version            show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error, 2 usage error, 128+N when stopped by\n"
           "signal N.\n"
           "Example: %s --method influence -o inf.rsct m.rsct\n",
           rsc_progname(), rsc_progname());
}

enum {
    OPT_DELETE = 256, OPT_DAMP, OPT_SCALE, OPT_DEPTH, OPT_REPEATS, OPT_BATCH, OPT_SOLVER,
    OPT_HVP, OPT_HVP_STEP, OPT_DEVICE, OPT_NO_VERIFY, OPT_REPORT, OPT_REFERENCE, OPT_PROGRESS,
    OPT_SHADOW_MODEL, OPT_SHADOW_DATA,
};

static void parse(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "method", required_argument, NULL, 'm' },   { "delete", required_argument, NULL, OPT_DELETE },
        { "epochs", required_argument, NULL, 'e' },   { "lr", required_argument, NULL, 'l' },
        { "damp", required_argument, NULL, OPT_DAMP }, { "scale", required_argument, NULL, OPT_SCALE },
        { "depth", required_argument, NULL, OPT_DEPTH },
        { "repeats", required_argument, NULL, OPT_REPEATS },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "solver", required_argument, NULL, OPT_SOLVER },
        { "hvp", required_argument, NULL, OPT_HVP },
        { "hvp-step", required_argument, NULL, OPT_HVP_STEP },
        { "seed", required_argument, NULL, 's' },     { "data", required_argument, NULL, 'd' },
        { "resume", required_argument, NULL, 'r' },   { "checkpoint", required_argument, NULL, 'c' },
        { "threads", required_argument, NULL, 'j' },  { "device", required_argument, NULL, OPT_DEVICE },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY }, RSC_LONGOPT_MAX_MEMORY,
        { "output", required_argument, NULL, 'o' },   { "compress", no_argument, NULL, 'z' },
        { "report", required_argument, NULL, OPT_REPORT },
        { "reference", required_argument, NULL, OPT_REFERENCE },
        { "shadow-model", required_argument, NULL, OPT_SHADOW_MODEL },
        { "shadow-data", required_argument, NULL, OPT_SHADOW_DATA },
        { "json", no_argument, NULL, 'J' },           { "quiet", no_argument, NULL, 'q' },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "help", no_argument, NULL, 'h' },           { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    *o = (options){ .method = RSC_DELETE_RETRAIN, .epochs = -1, .threads = -1, .depth = -1,
                    .repeats = -1, .batch = -1, .lr = NAN, .damp = NAN, .scale = NAN, .hvp_step = NAN, .hvp = -1,
                    .seed = -1 };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:e:l:s:d:r:c:j:o:zJqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if ((o->method = rsc_delete_method_parse(optarg)) < 0)
                rsc_usage_error("--method: '%s' is not retrain, influence or exact", optarg);
            break;
        case OPT_DELETE: o->delete_file = optarg; break;
        case 'e': o->epochs = rsc_opt_long("--epochs", optarg, 0, 1000000); break;
        case 'l':
            if (!((o->lr = rsc_opt_double("--lr", optarg, 0, 1e6)) > 0))
                rsc_usage_error("--lr: must be positive");
            break;
        case OPT_DAMP: o->damp = rsc_opt_double("--damp", optarg, 0, 0.999999); break;
        case OPT_SCALE:
            if (!((o->scale = rsc_opt_double("--scale", optarg, 0, 1e30)) > 0))
                rsc_usage_error("--scale: must be positive");
            break;
        case OPT_DEPTH: o->depth = rsc_opt_long("--depth", optarg, 1, 100000000); break;
        case OPT_REPEATS: o->repeats = rsc_opt_long("--repeats", optarg, 1, 1000000); break;
        case OPT_BATCH: o->batch = rsc_opt_long("--batch", optarg, 1, 65536); break;
        case OPT_SOLVER:
            if (strcmp(optarg, "lissa") && strcmp(optarg, "exact"))
                rsc_usage_error("--solver: '%s' is not lissa or exact", optarg);
            o->solver = !strcmp(optarg, "exact") ? RSC_SOLVER_EXACT : RSC_SOLVER_LISSA;
            break;
        case OPT_HVP:
            if (strcmp(optarg, "exact") && strcmp(optarg, "central-difference"))
                rsc_usage_error("--hvp: '%s' is not exact or central-difference", optarg);
            o->hvp = !strcmp(optarg, "exact") ? RSC_HVP_EXACT : RSC_HVP_FD;
            break;
        case OPT_HVP_STEP:
            if (!((o->hvp_step = rsc_opt_double("--hvp-step", optarg, 0, 1)) > 0))
                rsc_usage_error("--hvp-step: must be positive");
            break;
        case 's': o->seed = (long long)rsc_opt_double("--seed", optarg, 0, 9007199254740992.0); break;
        case 'd': o->data = optarg; break;
        case 'r': o->resume = optarg; break;
        case 'c': o->checkpoint = optarg; break;
        case 'j': o->threads = rsc_opt_long("--threads", optarg, 0, 4096); break;
        case OPT_DEVICE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "cpu") && strncmp(optarg, "cuda", 4))
                rsc_usage_error("--device: '%s' is not auto, cpu or cuda", optarg);
            o->device = optarg;
            break;
        case OPT_NO_VERIFY: o->no_verify = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'o': o->output = optarg; break;
        case 'z': o->compress = 1; break;
        case OPT_REPORT: o->report = optarg; break;
        case OPT_REFERENCE: o->reference = optarg; break;
        case OPT_SHADOW_MODEL:
        case OPT_SHADOW_DATA:
            if ((c == OPT_SHADOW_MODEL ? o->nshadow_models : o->nshadow_data) >= MAX_SHADOWS)
                rsc_usage_error("at most %d shadows", MAX_SHADOWS);
            if (c == OPT_SHADOW_MODEL)
                o->shadow_model[o->nshadow_models++] = optarg;
            else
                o->shadow_data[o->nshadow_data++] = optarg;
            break;
        case 'J': o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    if (optind + 1 != argc)
        rsc_usage_error(optind == argc ? "no model given" : "unexpected argument '%s'",
                        argv[optind + 1 < argc ? optind + 1 : optind]);
    o->model = argv[optind];
    if (!strcmp(o->model, "-"))
        rsc_usage_error("MODEL: give a file");
    int retrain = o->method == RSC_DELETE_RETRAIN, infl = o->method == RSC_DELETE_INFLUENCE;
    if (!retrain && (o->epochs >= 0 || !isnan(o->lr)))
        rsc_usage_error("--epochs and --lr apply to --method retrain");
    if (!infl && (!isnan(o->damp) || !isnan(o->scale) || o->depth > 0 || o->repeats > 0 ||
                  o->batch > 0 || o->solver || o->seed >= 0 || !isnan(o->hvp_step) ||
                  o->hvp >= 0))
        rsc_usage_error("--damp, --scale, --depth, --repeats, --batch, --solver, --hvp, "
                        "--hvp-step and --seed apply to --method influence");
    if (!isnan(o->hvp_step) && o->hvp != RSC_HVP_FD)
        rsc_usage_error("--hvp-step applies to --hvp central-difference");
    if (infl && (o->resume || o->checkpoint))
        rsc_usage_error("--resume and --checkpoint apply to retrain and exact");
    if ((o->reference || o->nshadow_models || o->nshadow_data) && !o->report)
        rsc_usage_error("--reference and --shadow-model go with --report");
    if (o->nshadow_models != o->nshadow_data)
        rsc_usage_error("%d --shadow-model but %d --shadow-data: one dataset per shadow model",
                        o->nshadow_models, o->nshadow_data);
    if (o->output && o->checkpoint && !strcmp(o->output, o->checkpoint))
        rsc_usage_error("-o and --checkpoint name the same file");
}

/* The method's configuration: defaults by dataset and count, then the
 * options. */
static void configure(const options *o, const rsc_file *model, size_t m, rsc_delete_cfg *c)
{
    rsc_delete_cfg_defaults(c, rsc_meta_get(model, "name"), m);
    c->method = o->method;
    c->solver = o->solver;
    c->threads = (int)o->threads;
    c->device = o->device;
    if (o->epochs >= 0)
        c->epochs = (int)o->epochs;
    c->lr = o->lr;
    rsc_lissa_opts *l = &c->lissa;
    if (!isnan(o->damp))
        l->damp = o->damp;
    if (!isnan(o->scale))
        l->scale = o->scale;
    if (o->depth > 0)
        l->depth = (int)o->depth;
    if (o->repeats > 0)
        l->repeats = (int)o->repeats;
    if (o->batch > 0)
        l->batch = (int)o->batch;
    if (!isnan(o->hvp_step))
        c->hvp_step = o->hvp_step;
    c->hvp_mode = o->hvp;
    long seed = 0;
    rsc_error ignored;
    if (o->seed >= 0)
        l->seed = (uint64_t)o->seed;
    else if (rsc_meta_get_long(model, "train_seed", &seed, &ignored) == 0 && seed >= 0)
        l->seed = (uint64_t)seed;
}

/* The deleted examples: --delete FILE or the dataset's spurious.index. */
static int64_t *deleted(const options *o, const rsc_file *ds, const char *dname, size_t *m)
{
    rsc_error err;
    if (o->delete_file) {
        int64_t *idx;
        if (rsc_indexlist_load(o->delete_file, &idx, m, &err) != 0)
            rsc_die_err(&err);
        return idx;
    }
    const rsc_tensor *si = rsc_file_find(ds, "spurious.index");
    if (!si)
        rsc_die("%s: the dataset has no spurious examples (tensor 'spurious.index'): give "
                "--delete FILE", dname);
    *m = (size_t)rsc_tensor_numel(si);
    int64_t *idx = malloc((*m ? *m : 1) * sizeof *idx);
    if (!idx)
        rsc_die("out of memory");
    memcpy(idx, si->data, *m * sizeof *idx);
    return idx;
}

typedef struct run {
    const options *o;
    rsc_deletion *d;
    rsc_output *out;
    unsigned wflags;
} run;

static void write_model(run *r, const char *path)
{
    rsc_error err;
    rsc_file *f = rsc_deletion_model_file(r->d, "rsc-delete", &err);
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

static void on_repeat(void *ud, int repeat, int repeats, double norm)
{
    if (!*(const int *)ud)
        fprintf(stderr, "%s: LiSSA repeat %d/%d: |h|/scale = %.6g\n", rsc_progname(), repeat,
                repeats, norm);
}

/* Retrain and exact: the epochs left, with a checkpoint after each. */
static void train(run *r)
{
    rsc_error err;
    rsc_progress bar;
    rsc_epoch_stats st;
    int mode = r->o->quiet ? -1 : r->o->progress ? 1 : 0;
    rsc_signal_set_graceful(1);
    while (rsc_deletion_epochs_done(r->d) < rsc_deletion_epochs_total(r->d)) {
        char label[48];
        snprintf(label, sizeof label, "epoch %d/%d", rsc_deletion_epochs_done(r->d) + 1,
                 rsc_deletion_epochs_total(r->d));
        rsc_progress_start(&bar, mode, label,
                           (double)rsc_trainer_examples(rsc_deletion_trainer(r->d)), "ex");
        int rc = rsc_deletion_epoch(r->d, on_progress, &bar, &st, &err);
        if (rc < 0)
            rsc_die_err(&err);
        if (rc > 0) {
            if (r->o->checkpoint)
                write_model(r, r->o->checkpoint);
            fprintf(stderr, "%s: stopped by signal %d; %s\n", rsc_progname(), rc,
                    r->o->checkpoint ? "checkpoint written" : "nothing saved (no --checkpoint)");
            rsc_output_abort(r->out);
            exit(128 + rc);
        }
        rsc_progress_end(&bar, NULL);
        if (r->o->checkpoint)
            write_model(r, r->o->checkpoint);
    }
    rsc_signal_set_graceful(0);
}

/* --report: the input and output models measured, one row. */
static void report(const options *o, const rsc_file *model, const rsc_file *ds, const char *data,
                   const int64_t *idx, size_t m, double secs)
{
    rsc_error err;
    rsc_testset ts;
    rsc_delete_eval e = { .l2 = NAN, .gap = NAN, .seconds = secs, .mia_before = NAN,
                          .mia_after = NAN, .mia_acc = NAN };
    rsc_score_opts so = { NULL, -1, -1, NAN, o->device, o->threads > 0 ? (int)o->threads : 0, 1000, NULL };
    const char *oname = o->output ? o->output : "-";
    rsc_file *after = o->output ? rsc_file_load(o->output, &err) : NULL, *ref = NULL;
    rsc_split train;
    if (!o->output)
        rsc_die("--report needs -o FILE (the model is measured from its file)");
    if (!after ||
        rsc_testset_open(&ts, data, "test", 0, o->no_verify ? RSC_DATASET_NO_VERIFY : 0, &err) ||
        rsc_score_model(&ts, model, o->model, &so, &e.before, &err) ||
        rsc_score_model(&ts, after, oname, &so, &e.after, &err) ||
        rsc_dataset_split(ds, "train", &train, &err) ||
        rsc_delete_train_acc(after, oname, &train, idx, m, o->device, so.threads, &e.ua, &e.ra,
                             &err))
        rsc_die_err(&err);
    if (o->reference) {
        rsc_score sr;
        if (!(ref = rsc_file_load(o->reference, &err)) ||
            rsc_delete_param_distance(after, oname, ref, o->reference, &e.l2, &err) ||
            rsc_score_model(&ts, ref, o->reference, &so, &sr, &err))
            rsc_die_err(&err);
        e.gap = e.after.m.spurious_score - sr.m.spurious_score;
    }
    if (o->nshadow_models) {
        rsc_mia_pair sh[MAX_SHADOWS];
        for (int i = 0; i < o->nshadow_models; i++)
            sh[i] = (rsc_mia_pair){ o->shadow_model[i], o->shadow_data[i] };
        rsc_mia_opts mo = { RSC_MIA_SHADOW, RSC_MIA_FEAT_DEFAULT, RSC_LIRA_VAR_AUTO, o->device,
                            so.threads };
        if (rsc_delete_mia(sh, o->nshadow_models, &mo, model, o->model, after, oname, ds, data, idx,
                           m, &e, &err) != 0)
            rsc_die_err(&err);
    }
    rsc_output *out = rsc_output_open(o->report, 0, &err);
    rsc_rows *w = out ? rsc_delete_rows(rsc_output_file(out), o->report, o->json, &err) : NULL;
    if (!w || rsc_delete_write_row(w, after, oname, rsc_delete_method_name(o->method), m, &e, &err) ||
        rsc_rows_close(w, &err) || rsc_output_commit(out, &err))
        rsc_die_err(&err);
    rsc_file_free(after);
    rsc_file_free(ref);
    rsc_testset_close(&ts);
}

int main(int argc, char **argv)
{
    rsc_backend_early_init(argv);
    rsc_cli_init(argv[0]);
    options o;
    parse(argc, argv, &o);
    rsc_error err;
    run r = { .o = &o, .wflags = o.compress ? RSC_WRITE_COMPRESS : 0 };
    if (!(r.out = rsc_output_open(o.output, RSC_OUTPUT_BINARY, &err)))
        rsc_die_err(&err);
    rsc_file *model = rsc_file_load(o.model, &err), *ds = NULL, *resumed = NULL;
    const char *data = o.data;
    if (!model || rsc_delete_check_model(o.method, model, o.model, &err) != 0 ||
        !(ds = rsc_delete_open_data(model, o.model, o.data, o.no_verify ? RSC_DATASET_NO_VERIFY : 0,
                                    &data, &err)) ||
        rsc_delete_check_pair(model, o.model, ds, data, &err) != 0)
        rsc_die_err(&err);
    size_t m;
    int64_t *idx = deleted(&o, ds, data, &m);
    rsc_delete_cfg cfg;
    configure(&o, model, m, &cfg);
    cfg.lissa.on_repeat = on_repeat;
    cfg.lissa.ud = &o.quiet;
    if (o.resume && !(resumed = rsc_file_load(o.resume, &err)))
        rsc_die_err(&err);
    double t0 = rsc_now();
    if (!(r.d = rsc_deletion_new(&cfg, model, o.model, ds, idx, m, resumed, o.resume, &err)))
        rsc_die("%s", err.msg);
    if (o.method == RSC_DELETE_INFLUENCE) {
        long c[3];
        if (rsc_deletion_influence(r.d, &err) != 0)
            rsc_die("%s", err.msg);
        if (rsc_deletion_hvp_counts(r.d, c) && !o.quiet)
            fprintf(stderr, "%s: %ld central-difference Hessian-vector products, %ld one-sided "
                    "(%ld unchecked)\n", rsc_progname(), c[0], c[1], c[2]);
    } else {
        train(&r);
    }
    double secs = rsc_now() - t0;
    write_model(&r, NULL);
    if (!o.quiet)
        fprintf(stderr, "%s: %s of %zu examples from %s in %.1f s\n", rsc_progname(),
                rsc_delete_method_name(o.method), m, o.model, secs);
    rsc_deletion_free(r.d);
    rsc_file_free(resumed);
    if (o.report)
        report(&o, model, ds, data, idx, m, secs);
    free(idx);
    rsc_file_free(ds);
    rsc_file_free(model);
    return rsc_close_stdout();
}
