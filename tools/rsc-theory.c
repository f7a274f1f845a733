/* rsc-theory - Theorem 1 of the paper (Sec. 4, App. D): the optimal ridge
 * classifier of the linear model of rare spurious correlations, its clean
 * and spurious test accuracy and prediction difference, over grids of
 * parameters; optionally checked against a finite-sample simulation. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "theory/theory.h"
#include "theory/simulation.h"
#include "format/rows.h"

enum { P_GAMMA, P_LAMBDA, P_INV, P_SP, P_VINV, P_VSP, P_NOISE, NPARAM };

/* Column names double as the option names (with '-' for '_'). */
static const char *const param_col[NPARAM] = {
    "gamma", "lambda", "inv_norm2", "sp_norm2", "var_inv", "var_sp", "noise_var",
};
static const char *const param_opt[NPARAM] = {
    "--gamma", "--lambda", "--inv-norm2", "--sp-norm2", "--var-inv", "--var-sp", "--noise-var",
};
/* Defaults: the setting of Fig. 13 at lambda = 0 and no noise. */
static const char *const param_default[NPARAM] = {
    "0:0.5:0.01", "0", "1", "5", "0.5", "0.1", "0",
};

typedef struct preset {
    const char *name;
    const char *what;
    const char *val[NPARAM];
} preset;

/* Parameters the paper leaves unstated (||x_inv||^2 everywhere, all but
 * the SNR for Fig. 17, all of Fig. 6c) are documented in rsc-theory.1. */
static const preset presets[] = {
    {"fig13", "Fig. 13: noise and l2 regularisation",
     {"0:0.5:0.01", "0,1,10,100", "1", "5", "0.5", "0.1", "0,0.1,0.2,0.3"}},
    {"fig17", "Fig. 17: low (10) and high (500) spurious SNR ||x_sp||^2/sigma_sp^2",
     {"0:0.5:0.01", "0,1,10,100", "1", "5", "0.5", "0.5,0.01", "0,0.1,0.2,0.3"}},
    {"fig6c", "Fig. 6c: the phase transition at gamma = 0",
     {"0:0.5:0.002", "0", "1", "5", "0.5", "0.1", "0"}},
};

typedef struct options {
    const char *arg[NPARAM];     /* explicit option values (NULL: preset/default) */
    const preset *preset;
    int json;
    int critical;
    double gamma_ref;
    int gamma_ref_set;
    int noise_train_only;
    long simulate;               /* N, 0 = no simulation */
    long dim, trials, test_size;
    long seed;
    int sim_opt_set;             /* --dim/--trials/--test-size/--seed given */
    int progress;                /* -1 quiet, 0 auto, 1 forced */
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]...\n", rsc_progname());
    puts("Theorem 1 of 'rare spurious correlations' (Sec. 4, App. D): the optimal ridge\n"
         "classifier h* = (a x_inv, b x_sp, beta0) of the linear model, its clean and\n"
         "spurious test accuracy and prediction difference PD = b ||x_sp||^2, one TSV row\n"
         "per combination of the parameter values.\n"
         "\n"
         "Each parameter takes a value, a list '0,1,10' or a range START:STOP:STEP:\n"
         "  -g, --gamma=LIST       fraction of positives with the spurious feature, in [0,1]\n"
         "                           (default 0:0.5:0.01)\n"
         "      --lambda=LIST      l2 regularisation of the weights, >= 0 (default 0)\n"
         "      --inv-norm2=LIST   ||x_inv||^2, > 0 (default 1)\n"
         "      --sp-norm2=LIST    ||x_sp||^2, > 0 (default 5)\n"
         "      --var-inv=LIST     sigma_inv^2, >= 0 (default 0.5)\n"
         "      --var-sp=LIST      sigma_sp^2, >= 0 (default 0.1)\n"
         "      --noise-var=LIST   Gaussian input-noise variance, added to both (default 0)\n"
         "      --noise-train-only the noise is a training augmentation: test data are clean\n"
         "                           (default: noise in training and test, as the paper)\n"
         "      --preset=NAME      parameter grid of a figure: fig13, fig17, fig6c;\n"
         "                           explicit parameter options override it\n"
         "\n"
         "Phase transition:\n"
         "      --critical         per combination (gamma excluded): the critical gamma of\n"
         "                           footnote 10 and the width of the rise of PD\n"
         "      --gamma-ref=G      PD reference point for the width (default 0.5)\n"
         "\n"
         "Simulation (columns sim_* with standard errors sim_*_se):\n"
         "      --simulate=N       also fit ridge on N examples drawn from D_train\n"
         "      --dim=D            input dimension, half invariant, half spurious (default 10)\n"
         "      --trials=T         independent training sets (default 10)\n"
         "      --test-size=M      fresh clean and spurious test draws per trial (default 10000)\n"
         "  -s, --seed=S           simulation seed (default 0)\n"
         "\n"
         "Output:\n"
         "  -J, --json             JSON lines instead of TSV\n"
         "      --progress         show progress on stderr even when it is not a terminal\n"
         "  -q, --quiet            no progress\n"
         "  -h, --help             show this help and exit\n"
         "  -V, --version          show the version and exit\n"
         "\n"
         "Example: rsc-theory --preset fig13 | rsc-viz chart --x gamma --y pd --series lambda \\\n"
         "           --panel noise_var -o fig13.png\n"
         "See rsc-theory(1) for the formulas and the corrections to the printed ones.");
}

static const preset *find_preset(const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    rsc_usage_error("--preset: unknown preset '%s' (fig13, fig17, fig6c)", name);
}

static void parse_options(int argc, char **argv, options *o)
{
    enum { O_INV = 256, O_SP, O_VINV, O_VSP, O_NOISE, O_NOISE_TRAIN, O_GREF, O_SIM, O_DIM,
           O_TRIALS, O_TEST, O_PROGRESS, O_PRESET, O_LAMBDA, O_CRITICAL };
    static const struct option longopts[] = {
        {"gamma", required_argument, NULL, 'g'},
        {"lambda", required_argument, NULL, O_LAMBDA},
        {"inv-norm2", required_argument, NULL, O_INV},
        {"sp-norm2", required_argument, NULL, O_SP},
        {"var-inv", required_argument, NULL, O_VINV},
        {"var-sp", required_argument, NULL, O_VSP},
        {"noise-var", required_argument, NULL, O_NOISE},
        {"noise-train-only", no_argument, NULL, O_NOISE_TRAIN},
        {"preset", required_argument, NULL, O_PRESET},
        {"critical", no_argument, NULL, O_CRITICAL},
        {"gamma-ref", required_argument, NULL, O_GREF},
        {"simulate", required_argument, NULL, O_SIM},
        {"dim", required_argument, NULL, O_DIM},
        {"trials", required_argument, NULL, O_TRIALS},
        {"test-size", required_argument, NULL, O_TEST},
        {"seed", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'J'},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->gamma_ref = 0.5;
    o->dim = 10;
    o->trials = 10;
    o->test_size = 10000;
    int c;
    opterr = 0;   /* our own one-line messages */
    while ((c = getopt_long(argc, argv, ":g:l:p:cs:JqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'g': o->arg[P_GAMMA] = optarg; break;
        case 'l': rsc_deprecated("-l (lambda)", "--lambda"); /* fall through */
        case O_LAMBDA: o->arg[P_LAMBDA] = optarg; break;
        case O_INV: o->arg[P_INV] = optarg; break;
        case O_SP: o->arg[P_SP] = optarg; break;
        case O_VINV: o->arg[P_VINV] = optarg; break;
        case O_VSP: o->arg[P_VSP] = optarg; break;
        case O_NOISE: o->arg[P_NOISE] = optarg; break;
        case O_NOISE_TRAIN: o->noise_train_only = 1; break;
        case 'p': rsc_deprecated("-p (preset)", "--preset"); /* fall through */
        case O_PRESET: o->preset = find_preset(optarg); break;
        case 'c': rsc_deprecated("-c (critical)", "--critical"); /* fall through */
        case O_CRITICAL: o->critical = 1; break;
        case O_GREF:
            o->gamma_ref = rsc_opt_double("--gamma-ref", optarg, 0, 1);
            if (!(o->gamma_ref > 0))
                rsc_usage_error("--gamma-ref: must be in (0, 1]");
            o->gamma_ref_set = 1;
            break;
        case O_SIM: o->simulate = rsc_opt_long("--simulate", optarg, 2, 1000000000L); break;
        case O_DIM: o->dim = rsc_opt_long("--dim", optarg, 2, 100000); o->sim_opt_set = 1; break;
        case O_TRIALS: o->trials = rsc_opt_long("--trials", optarg, 1, 1000000); o->sim_opt_set = 1; break;
        case O_TEST: o->test_size = rsc_opt_long("--test-size", optarg, 1, 1000000000L); o->sim_opt_set = 1; break;
        case 's': o->seed = rsc_opt_long("--seed", optarg, 0, 4294967295L); o->sim_opt_set = 1; break;
        case 'J': o->json = 1; break;
        case O_PROGRESS: o->progress = 1; break;
        case 'q': o->progress = -1; break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    if (optind < argc)
        rsc_usage_error("unexpected argument '%s'", argv[optind]);
    if (o->critical && o->simulate)
        rsc_usage_error("--critical and --simulate cannot be combined");
    if (o->critical && o->arg[P_GAMMA])
        rsc_usage_error("--gamma: not used with --critical (the reference point is --gamma-ref)");
    if (o->gamma_ref_set && !o->critical)
        rsc_usage_error("--gamma-ref: only meaningful with --critical");
    if (o->sim_opt_set && !o->simulate)
        rsc_usage_error("--dim, --trials, --test-size and --seed need --simulate");
}

/* The values of every parameter, checked one by one so that the message
 * names the option and the offending value. */
static long parse_param(const options *o, int k, double **vals)
{
    const char *s = o->arg[k] ? o->arg[k] : o->preset ? o->preset->val[k] : param_default[k];
    rsc_error err;
    long n = rsc_parse_list(param_opt[k], s, 1000000, vals, &err);
    if (n < 0)
        rsc_usage_error("%s", err.msg);
    for (long i = 0; i < n; i++) {
        rsc_theory_params p = {0.5, 0, 1, 1, 1, 1, 0, 0};
        double *field[NPARAM] = {&p.gamma, &p.lambda, &p.inv_norm2, &p.sp_norm2,
                                 &p.var_inv, &p.var_sp, &p.noise_var};
        *field[k] = (*vals)[i];
        if (rsc_theory_check(&p, &err) != 0)
            rsc_usage_error("%s", err.msg);
    }
    return n;
}

/* The columns: the parameters (gamma excluded with --critical), then the
 * results of the mode. */
static const char *const critical_cols[] = {
    "gamma_ref", "gamma_crit", "gamma_crit_pd", "gamma_crit_acc", "gamma_half", "pd_ref",
    "gamma_10", "gamma_90", "width",
};
static const char *const solve_cols[] = { "a", "b", "beta0", "clean_acc", "spurious_acc", "pd" };

static rsc_rows *open_rows(const options *o)
{
    const char *cols[NPARAM + 2 * 6 + 9 + 6];
    size_t n = 0;
    for (int k = 0; k < NPARAM; k++)
        if (!(o->critical && k == P_GAMMA))
            cols[n++] = param_col[k];
    for (size_t i = 0; o->critical && i < 9; i++)
        cols[n++] = critical_cols[i];
    for (size_t i = 0; !o->critical && i < 6; i++)
        cols[n++] = solve_cols[i];
    static char sim[6][2][24];
    for (size_t i = 0; o->simulate && i < 6; i++) {
        snprintf(sim[i][0], sizeof sim[i][0], "sim_%s", solve_cols[i]);
        snprintf(sim[i][1], sizeof sim[i][1], "sim_%s_se", solve_cols[i]);
        cols[n++] = sim[i][0];
        cols[n++] = sim[i][1];
    }
    rsc_error err;
    rsc_rows *w = rsc_rows_new(stdout, "stdout", o->json, cols, n, &err);
    if (!w)
        rsc_die_err(&err);
    return w;
}

/* One row: the parameters, then the mode's results (doubles). */
static void write_row(rsc_rows *w, const options *o, const rsc_theory_params *p,
                      const rsc_theory_sim_opts *so)
{
    rsc_error err;
    const double pv[NPARAM] = { p->gamma, p->lambda, p->inv_norm2, p->sp_norm2, p->var_inv,
                                p->var_sp, p->noise_var };
    for (int k = 0; k < NPARAM; k++)
        if (!(o->critical && k == P_GAMMA))
            rsc_rows_f64(w, pv[k]);
    if (o->critical) {
        rsc_theory_critical c;
        if (rsc_theory_critical_gamma(p, o->gamma_ref, 0.1, 0.9, &c, &err) != 0)
            rsc_die_err(&err);
        const double v[9] = { c.gamma_ref, c.gamma_crit, c.gamma_pd, c.gamma_acc, c.gamma_half,
                              c.pd_ref, c.gamma_lo, c.gamma_hi, c.width };
        for (int i = 0; i < 9; i++)
            rsc_rows_f64(w, v[i]);
    } else {
        rsc_theory_result t;
        if (rsc_theory_solve(p, &t, &err) != 0)
            rsc_die_err(&err);
        const double v[6] = { t.a, t.b, t.beta0, t.clean_acc, t.spurious_acc, t.pd };
        for (int i = 0; i < 6; i++)
            rsc_rows_f64(w, v[i]);
        rsc_theory_sim_result s;
        if (o->simulate) {
            if (rsc_theory_simulate(p, so, &s, &err) != 0)
                rsc_die_err(&err);
            const rsc_theory_stat sv[6] = { s.a, s.b, s.beta0, s.clean_acc, s.spurious_acc, s.pd };
            for (int i = 0; i < 6; i++) {
                rsc_rows_f64(w, sv[i].mean);
                rsc_rows_f64(w, sv[i].se);
            }
        }
    }
    if (rsc_rows_end(w, &err) != 0)
        rsc_die_err(&err);
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    options o;
    parse_options(argc, argv, &o);

    double *vals[NPARAM];
    long count[NPARAM];
    double combos = 1;
    for (int k = 0; k < NPARAM; k++) {
        if (o.critical && k == P_GAMMA) {
            static double ref;
            ref = o.gamma_ref;
            vals[k] = &ref;
            count[k] = 1;
            continue;
        }
        count[k] = parse_param(&o, k, &vals[k]);
        combos *= (double)count[k];
    }
    if (combos > 1e8)
        rsc_usage_error("%.0f parameter combinations is too many (at most 1e8)", combos);

    rsc_theory_sim_opts so = {o.simulate, o.dim, o.trials, o.test_size, (uint64_t)o.seed};
    rsc_progress prog;
    /* only simulations take long enough to deserve a bar */
    rsc_progress_start(&prog, o.simulate ? o.progress : -1, "rsc-theory", combos, "rows");
    rsc_rows *w = open_rows(&o);
    double done = 0;
    long idx[NPARAM] = {0};
    /* Odometer over the combinations: gamma varies fastest, so that each
     * curve is a contiguous block of rows. */
    for (;;) {
        rsc_theory_params p = {
            vals[P_GAMMA][idx[P_GAMMA]], vals[P_LAMBDA][idx[P_LAMBDA]], vals[P_INV][idx[P_INV]],
            vals[P_SP][idx[P_SP]], vals[P_VINV][idx[P_VINV]], vals[P_VSP][idx[P_VSP]],
            vals[P_NOISE][idx[P_NOISE]], o.noise_train_only,
        };
        write_row(w, &o, &p, &so);
        if (o.simulate)
            rsc_progress_update(&prog, ++done, NULL);
        int k = 0;
        while (k < NPARAM && ++idx[k] == count[k])
            idx[k++] = 0;
        if (k == NPARAM)
            break;
    }
    rsc_error err;
    if (rsc_rows_close(w, &err) != 0)
        rsc_die_err(&err);
    rsc_progress_end(&prog, NULL);
    for (int k = 0; k < NPARAM; k++)
        if (!(o.critical && k == P_GAMMA))
            free(vals[k]);
    return rsc_close_stdout();
}
