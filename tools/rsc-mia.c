/* rsc-mia - membership inference against trained models: the paper's
 * shadow-model attack (Sec. 3.4, App. B.2) and the likelihood-ratio attack
 * (LiRA), one report row per target model; or the attack model fitted on
 * a feature table (rsc-mia fit). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/cli.h"
#include "format/table.h"
#include "kernels/backend.h"
#include "mia/experiment.h"
#include "mia/lira.h"
#include "mia/report.h"

#define MAX_SHADOWS 1024

struct options {
    const char *data, *output, *scores, *roc, *device;
    const char *shadow_model[MAX_SHADOWS], *shadow_data[MAX_SHADOWS];
    int nmodels, ndata, json, quiet, fit;
    long threads;
    rsc_mia_opts mo;
    char **inputs;
    int ninputs;
};

static void usage(void)
{
    printf("Usage: %s [OPTION]... -d DATA --shadow-model=M --shadow-data=D... MODEL...\n"
           "  or:  %s fit [OPTION]... [FEATURES.tsv]\n"
           "Membership inference: fit an attack on shadow models and print, for each\n"
           "target MODEL trained on DATA, how well it tells DATA's training examples\n"
           "(members) from its test examples (non-members), as one TSV row with\n"
           "rsc-score's provenance columns.  'fit' fits the attack model on a table of\n"
           "features f1..fk, member (0/1) and set (train/test) instead.\n"
           "\n"
           "  -d, --data=PATH          the target models' dataset (an rsc-inject\n"
           "                           --mia-split target or lira part)\n"
           "      --shadow-model=M     a shadow model (repeat for several), trained on\n"
           "      --shadow-data=D      its dataset (one per --shadow-model, in order)\n"
           "      --attack=A           shadow (the paper's: logistic regression on the\n"
           "                           shadows' outputs; default), lira (likelihood\n"
           "                           ratio, 'in' and 'out' shadows) or lira-offline\n"
           "                           ('out' shadows only)\n"
           "      --features=LIST      shadow attack's features, a comma list of logits\n"
           "                           (sorted), correct, softmax (sorted), loss\n"
           "                           (default logits,correct)\n"
           "      --lira-var=V         LiRA variances: pooled, per-example or auto\n"
           "                           (pooled below 64 shadows; default)\n"
           "      --scores=FILE        write every example's score as JSON lines\n"
           "                           (model, index, member, spurious, score)\n"
           "      --roc=FILE           write the ROC curves as TSV (model, fpr, tpr,\n"
           "                           threshold)\n"
           "  -o, --output=FILE        write the report to FILE (default stdout)\n"
           "  -J, --json               JSON lines instead of TSV (report, ROC, fit)\n"
           "  -j, --threads=N          CPU threads (0: all cores; default 0)\n"
           "      --device=DEV         auto, cpu or cuda[:N] (default auto)\n"
           "      --max-memory=SIZE    most memory an input may take (512M, 4G; default\n"
           "                           $RSC_MAX_MEMORY, else the physical memory)\n"
           "  -q, --quiet              no summary on stderr\n"
           "  -h, --help               show this help and exit\n"
           "  -V, --version            show the version and exit\n"
           "\n"
           "Exit status: 0 success, 1 runtime error, 2 usage error.\n"
           "Example: %s -d target.rsct --shadow-model s.rsct --shadow-data shadow.rsct t.rsct\n",
           rsc_progname(), rsc_progname(), rsc_progname());
}

enum { OPT_SHADOW_MODEL = 256, OPT_SHADOW_DATA, OPT_ATTACK, OPT_FEATURES, OPT_LIRA_VAR, OPT_SCORES, OPT_ROC,
       OPT_DEVICE };

static void parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "shadow-model", required_argument, NULL, OPT_SHADOW_MODEL },
        { "shadow-data", required_argument, NULL, OPT_SHADOW_DATA },
        { "attack", required_argument, NULL, OPT_ATTACK },
        { "features", required_argument, NULL, OPT_FEATURES },
        { "lira-var", required_argument, NULL, OPT_LIRA_VAR },
        { "scores", required_argument, NULL, OPT_SCORES },
        { "roc", required_argument, NULL, OPT_ROC },
        { "output", required_argument, NULL, 'o' },
        { "json", no_argument, NULL, 'J' },
        { "threads", required_argument, NULL, 'j' },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "quiet", no_argument, NULL, 'q' }, RSC_LONGOPT_MAX_MEMORY,
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->mo = (rsc_mia_opts){ RSC_MIA_SHADOW, RSC_MIA_FEAT_DEFAULT, RSC_LIRA_VAR_AUTO, NULL, 0 };
    const char *attack = NULL, *features = NULL;
    rsc_error err;
    int c;
    if (argc > 1 && !strcmp(argv[1], "fit"))
        o->fit = 1, argc--, argv++;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:o:Jj:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case OPT_SHADOW_MODEL:
        case OPT_SHADOW_DATA:
            if ((c == OPT_SHADOW_MODEL ? o->nmodels : o->ndata) == MAX_SHADOWS)
                rsc_usage_error("at most %d shadows", MAX_SHADOWS);
            if (c == OPT_SHADOW_MODEL)
                o->shadow_model[o->nmodels++] = optarg;
            else
                o->shadow_data[o->ndata++] = optarg;
            break;
        case OPT_ATTACK:
            if (!(o->mo.attack = rsc_mia_attack_parse(attack = optarg)))
                rsc_usage_error("--attack: '%s' is not shadow, lira or lira-offline", optarg);
            break;
        case OPT_FEATURES:
            if (!(o->mo.features = rsc_mia_features_parse(features = optarg, &err)))
                rsc_usage_error("%s", err.msg);
            break;
        case OPT_LIRA_VAR:
            o->mo.lira_var = !strcmp(optarg, "auto")          ? RSC_LIRA_VAR_AUTO
                             : !strcmp(optarg, "pooled")      ? RSC_LIRA_VAR_POOLED
                             : !strcmp(optarg, "per-example") ? RSC_LIRA_VAR_PER_EXAMPLE
                                                              : -1;
            if (o->mo.lira_var < 0)
                rsc_usage_error("--lira-var: '%s' is not pooled, per-example or auto", optarg);
            break;
        case OPT_SCORES: o->scores = optarg; break;
        case OPT_ROC: o->roc = optarg; break;
        case 'o': o->output = optarg; break;
        case 'J': o->json = 1; break;
        case 'j': o->mo.threads = (int)rsc_opt_long("--threads", optarg, 0, 4096); break;
        case OPT_DEVICE: o->mo.device = optarg; break;
        case 'q': o->quiet = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    o->inputs = argv + optind;
    o->ninputs = argc - optind;
    if (o->fit) {
        if (o->data || o->nmodels || o->ndata || attack || features || o->scores || o->roc)
            rsc_usage_error("fit reads a feature table: --data, --shadow-model, --shadow-data, --attack, "
                            "--features, --scores and --roc do not apply");
        if (o->ninputs > 1)
            rsc_usage_error("fit: one feature table (unexpected '%s')", o->inputs[1]);
        return;
    }
    if (!o->ninputs)
        rsc_usage_error("no target model given");
    if (!o->data)
        rsc_usage_error("--data (the target models' dataset) is required");
    if (!o->nmodels)
        rsc_usage_error("no shadow model (--shadow-model and --shadow-data)");
    if (o->nmodels != o->ndata)
        rsc_usage_error("%d --shadow-model but %d --shadow-data: one dataset per shadow model", o->nmodels,
                        o->ndata);
    if (o->mo.attack != RSC_MIA_SHADOW && features)
        rsc_usage_error("--features applies to --attack shadow (LiRA uses the scaled confidence)");
    if (o->mo.attack == RSC_MIA_SHADOW && o->mo.lira_var != RSC_LIRA_VAR_AUTO)
        rsc_usage_error("--lira-var applies to --attack lira and lira-offline");
}

/* rsc-mia fit */
static int fit_table(const struct options *o)
{
    rsc_error err;
    rsc_mia_table_fit r;
    rsc_table *t = rsc_table_load((const char *const *)o->inputs, (size_t)o->ninputs, &err);
    rsc_output *out = t ? rsc_output_open(o->output, 0, &err) : NULL;
    if (!out || rsc_mia_fit_table(t, &r, &err) != 0 ||
        rsc_mia_fit_write(rsc_output_file(out), rsc_output_name(out), o->json, &r, &err) != 0 ||
        rsc_output_commit(out, &err) != 0)
        rsc_die_err(&err);
    rsc_mia_attack_free(&r.a);
    rsc_table_free(t);
    return rsc_close_stdout();
}

int main(int argc, char **argv)
{
    rsc_backend_early_init(argv);
    rsc_cli_init(argv[0]);
    struct options o;
    parse(argc, argv, &o);
    if (o.fit)
        return fit_table(&o);
    rsc_error err;
    rsc_output *out = rsc_output_open(o.output, 0, &err);
    rsc_output *scores = out && o.scores ? rsc_output_open(o.scores, 0, &err) : NULL;
    rsc_output *roc = out && (!o.scores || scores) && o.roc ? rsc_output_open(o.roc, 0, &err) : NULL;
    if (!out || (o.scores && !scores) || (o.roc && !roc))
        rsc_die_err(&err);
    rsc_mia_pair shadows[MAX_SHADOWS];
    for (int i = 0; i < o.nmodels; i++)
        shadows[i] = (rsc_mia_pair){ o.shadow_model[i], o.shadow_data[i] };
    rsc_mia_fitted f;
    if (rsc_mia_fit_shadows(&f, shadows, o.nmodels, o.data, &o.mo, &err) != 0)
        rsc_die_err(&err);
    rsc_rows *w = rsc_mia_report_rows(rsc_output_file(out), rsc_output_name(out), o.json, &err);
    rsc_rows *rw = w && roc ? rsc_mia_roc_rows(rsc_output_file(roc), rsc_output_name(roc), o.json, &err) : NULL;
    if (!w || (roc && !rw))
        rsc_die_err(&err);
    for (int i = 0; i < o.ninputs; i++) {
        const char *name = o.inputs[i];
        rsc_mia_eval ev;
        rsc_file *model = rsc_file_load(name, &err);
        if (!model || rsc_mia_attack_target(&f, model, name, o.data, &o.mo, &ev, &err) != 0 ||
            rsc_mia_report_write(w, model, name, &f, &ev, &err) != 0 ||
            (scores && rsc_mia_scores_write(rsc_output_file(scores), rsc_output_name(scores), name, &ev, &err)) ||
            (rw && rsc_mia_roc_write(rw, name, &ev, &err) != 0))
            rsc_die_err(&err);
        if (!o.quiet && isatty(STDERR_FILENO))
            fprintf(stderr, "%s: %s: %s attack, accuracy %.4f, AUC %.4f, on %zu spurious %.4f\n", rsc_progname(),
                    name, rsc_mia_attack_name(f.attack), ev.m.accuracy, ev.m.auc, ev.n_spurious, ev.acc_spurious);
        rsc_mia_eval_free(&ev);
        rsc_file_free(model);
    }
    if (rsc_rows_close(w, &err) != 0 || (rw && rsc_rows_close(rw, &err) != 0) ||
        (scores && rsc_output_commit(scores, &err) != 0) || (roc && rsc_output_commit(roc, &err) != 0) ||
        rsc_output_commit(out, &err) != 0)
        rsc_die_err(&err);
    rsc_mia_fitted_free(&f);
    return rsc_close_stdout();
}
