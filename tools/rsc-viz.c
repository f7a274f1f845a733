/* rsc-viz - the paper's figures as PNG: pattern gallery (Fig. 1), first-layer
 * weight importance maps (Fig. 3), and line/bar charts with error bars from
 * rsc-score/rsc-mia tables (Figs. 2, 4, 5, 7). */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "chart.h"
#include "cli.h"
#include "image.h"
#include "tsv.h"

#define SOFTWARE "rsc-viz (" PACKAGE_NAME ") " PACKAGE_VERSION

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz COMMAND [OPTION]... [ARG]...\n"
"Draw the figures of rare-spurious-correlation experiments as PNG.\n"
"\n"
"Commands:\n"
"  chart [FILE|-]   line or bar chart with error bars from a TSV table\n"
"                   (rsc-score, rsc-score --aggregate, rsc-mia): Figs. 2, 4, 5, 7\n"
"\n"
"Run 'rsc-viz COMMAND --help' for the options of a command.\n"
"  -h, --help       show this help and exit\n"
"  -V, --version    show the version and exit\n");
}

/* ------------------------------------------------------------ common */
static void parse_size(const char *s, int *w, int *h)
{
    const char *x = strchr(s, 'x');
    if (!x)
        rsc_usage_error("--size: '%s' is not WIDTHxHEIGHT (e.g. 900x600)", s);
    char wbuf[32];
    size_t n = (size_t)(x - s);
    if (n == 0 || n >= sizeof wbuf)
        rsc_usage_error("--size: '%s' is not WIDTHxHEIGHT (e.g. 900x600)", s);
    memcpy(wbuf, s, n);
    wbuf[n] = '\0';
    *w = (int)rsc_opt_long("--size", wbuf, 100, RSC_IMAGE_MAX_SIDE);
    *h = (int)rsc_opt_long("--size", x + 1, 100, RSC_IMAGE_MAX_SIDE);
}

/* getopt's complaint, in our format (opterr is 0). */
static void bad_option(int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        rsc_usage_error("option '%s' requires an argument", arg);
    if (optopt && arg[0] == '-' && arg[1] != '-')
        rsc_usage_error("unrecognized option '-%c'", optopt);
    rsc_usage_error("unrecognized option '%s'", arg);
}

/* A comma list split into pointers into a copy. */
struct list {
    char *buf;
    const char **v;
    size_t n;
};

static void list_free(struct list *l)
{
    free(l->buf);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void split_list(const char *opt, const char *s, struct list *l)
{
    list_free(l);
    l->buf = strdup(s);
    l->v = l->buf ? malloc((strlen(s) + 1) * sizeof *l->v) : NULL;
    if (!l->v)
        rsc_die("out of memory");
    char *save = NULL;
    for (char *t = strtok_r(l->buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        l->v[l->n++] = t;
    if (l->n == 0)
        rsc_usage_error("%s: empty list", opt);
}

/* Write the image (and optionally a table) to their outputs; both or
 * neither appear. */
static void write_outputs(const rsc_image *img, const char *png_path, const rsc_chart *chart,
                          const char *data_path)
{
    rsc_error err;
    rsc_output *po = rsc_output_open(png_path, RSC_OUTPUT_BINARY, &err);
    if (!po)
        rsc_die_err(&err);
    rsc_output *dout = NULL;
    if (data_path && !(dout = rsc_output_open(data_path, 0, &err)))
        rsc_die_err(&err);
    if (rsc_png_write(rsc_output_file(po), rsc_output_name(po), img, SOFTWARE, &err) != 0)
        rsc_die_err(&err);
    if (dout && rsc_chart_write_data(rsc_output_file(dout), rsc_output_name(dout), chart, &err) != 0)
        rsc_die_err(&err);
    if (rsc_output_commit(po, &err) != 0)
        rsc_die_err(&err);
    if (dout && rsc_output_commit(dout, &err) != 0)
        rsc_die_err(&err);
}

/* ------------------------------------------------------------ chart */
static void chart_usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz chart [OPTION]... [FILE|-] -o OUT.png\n"
"Line chart with error bars (mean +- SE), or grouped bar chart, from a TSV\n"
"table with a header line (stdin when FILE is - or missing).\n"
"\n"
"For a metric M, the value is read from column M_mean and the error bar from\n"
"M_se when the table is aggregated (rsc-score --aggregate); otherwise from\n"
"column M, and the rows of each point are averaged (error bar: standard\n"
"error of their mean).\n"
"\n"
"  -x, --x COL[,COL...]      x-axis column; several give one panel each, the\n"
"                            panel of COL taking the rows where the other\n"
"                            listed columns are off (0, empty, none, off, inf)\n"
"  -y, --y METRIC[,METRIC...] y metric(s); several give one series each\n"
"  -s, --series COL          one line (or bar colour) per value of COL\n"
"  -p, --panel COL           one panel per value of COL (small multiples)\n"
"  -w, --where COL=V[,V...]  keep rows whose COL is one of the values\n"
"                            (numbers compare by value); repeatable\n"
"  -k, --kind line|bar       chart kind (default line; bar implies category x)\n"
"      --xscale linear|log|category  x-axis scale (default: linear for numbers,\n"
"                            category otherwise)\n"
"      --logx                same as --xscale log\n"
"      --category            same as --xscale category (evenly spaced x values,\n"
"                            as the paper plots counts 0,1,3,...,5000)\n"
"      --logy                logarithmic y axis\n"
"      --ymin Y, --ymax Y    fix the y range (default: the data, padded 5%%)\n"
"      --cols N              panels per row (default: up to 3)\n"
"      --title TEXT          title above the chart\n"
"      --xlabel TEXT         x-axis label (default: the x column)\n"
"      --ylabel TEXT         y-axis label (default: the metric)\n"
"      --size WxH            image size in pixels (default 900x600 for one\n"
"                            panel, larger for a grid)\n"
"  -o, --output FILE         PNG output (default stdout, never a terminal)\n"
"      --data-out FILE       also write the plotted numbers as TSV (panel,\n"
"                            series, x, y, se, n)\n"
"  -h, --help                show this help and exit\n");
}

enum { OPT_XSCALE = 256, OPT_LOGX, OPT_CATEGORY, OPT_LOGY, OPT_YMIN, OPT_YMAX, OPT_COLS,
       OPT_TITLE, OPT_XLABEL, OPT_YLABEL, OPT_SIZE, OPT_DATA_OUT, OPT_VMIN, OPT_VMAX, OPT_VS,
       OPT_INDEX, OPT_PATTERN, OPT_SEED, OPT_DATA, OPT_SCALE };

struct chart_opts {
    const char *input, *output, *data_out;
    struct list x, y;
    const char *series, *panel;
    const char **where;
    size_t nwhere;
    int kind, xscale, ylog, ncols, w, h;
    double ymin, ymax;
    const char *title, *xlabel, *ylabel;
};

static int cmd_chart(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "x", required_argument, NULL, 'x' },
        { "y", required_argument, NULL, 'y' },
        { "series", required_argument, NULL, 's' },
        { "panel", required_argument, NULL, 'p' },
        { "where", required_argument, NULL, 'w' },
        { "kind", required_argument, NULL, 'k' },
        { "xscale", required_argument, NULL, OPT_XSCALE },
        { "logx", no_argument, NULL, OPT_LOGX },
        { "category", no_argument, NULL, OPT_CATEGORY },
        { "logy", no_argument, NULL, OPT_LOGY },
        { "ymin", required_argument, NULL, OPT_YMIN },
        { "ymax", required_argument, NULL, OPT_YMAX },
        { "cols", required_argument, NULL, OPT_COLS },
        { "title", required_argument, NULL, OPT_TITLE },
        { "xlabel", required_argument, NULL, OPT_XLABEL },
        { "ylabel", required_argument, NULL, OPT_YLABEL },
        { "size", required_argument, NULL, OPT_SIZE },
        { "output", required_argument, NULL, 'o' },
        { "data-out", required_argument, NULL, OPT_DATA_OUT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct chart_opts o = { 0 };
    o.kind = RSC_CHART_LINE;
    o.xscale = RSC_XSCALE_AUTO;
    o.ymin = o.ymax = NAN;
    o.where = malloc((size_t)argc * sizeof *o.where);
    if (!o.where)
        rsc_die("out of memory");
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":x:y:s:p:w:k:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'x': split_list("--x", optarg, &o.x); break;
        case 'y': split_list("--y", optarg, &o.y); break;
        case 's': o.series = optarg; break;
        case 'p': o.panel = optarg; break;
        case 'w':
            if (!strchr(optarg, '=') || optarg[0] == '=')
                rsc_usage_error("--where '%s': expected COLUMN=VALUE[,VALUE...]", optarg);
            o.where[o.nwhere++] = optarg;
            break;
        case 'k':
            if (strcmp(optarg, "line") == 0)
                o.kind = RSC_CHART_LINE;
            else if (strcmp(optarg, "bar") == 0)
                o.kind = RSC_CHART_BAR;
            else
                rsc_usage_error("--kind: '%s' is not line or bar", optarg);
            break;
        case OPT_XSCALE:
            if (strcmp(optarg, "linear") == 0)
                o.xscale = RSC_SCALE_LINEAR;
            else if (strcmp(optarg, "log") == 0)
                o.xscale = RSC_SCALE_LOG;
            else if (strcmp(optarg, "category") == 0)
                o.xscale = RSC_SCALE_CATEGORY;
            else
                rsc_usage_error("--xscale: '%s' is not linear, log or category", optarg);
            break;
        case OPT_LOGX: o.xscale = RSC_SCALE_LOG; break;
        case OPT_CATEGORY: o.xscale = RSC_SCALE_CATEGORY; break;
        case OPT_LOGY: o.ylog = 1; break;
        case OPT_YMIN: o.ymin = rsc_opt_double("--ymin", optarg, -HUGE_VAL, HUGE_VAL); break;
        case OPT_YMAX: o.ymax = rsc_opt_double("--ymax", optarg, -HUGE_VAL, HUGE_VAL); break;
        case OPT_COLS: o.ncols = (int)rsc_opt_long("--cols", optarg, 1, 100); break;
        case OPT_TITLE: o.title = optarg; break;
        case OPT_XLABEL: o.xlabel = optarg; break;
        case OPT_YLABEL: o.ylabel = optarg; break;
        case OPT_SIZE: parse_size(optarg, &o.w, &o.h); break;
        case 'o': o.output = optarg; break;
        case OPT_DATA_OUT: o.data_out = optarg; break;
        case 'h': chart_usage(stdout); exit(rsc_close_stdout());
        default: bad_option(c, argv);
        }
    }
    if (optind < argc)
        o.input = argv[optind++];
    if (optind < argc)
        rsc_usage_error("chart: unexpected argument '%s'", argv[optind]);
    if (!o.x.n)
        rsc_usage_error("chart: --x COLUMN is required");
    if (!o.y.n)
        rsc_usage_error("chart: --y METRIC is required");
    if (isfinite(o.ymin) && isfinite(o.ymax) && !(o.ymin < o.ymax))
        rsc_usage_error("--ymin %g must be below --ymax %g", o.ymin, o.ymax);
    if (o.ylog && ((isfinite(o.ymin) && o.ymin <= 0) || (isfinite(o.ymax) && o.ymax <= 0)))
        rsc_usage_error("--logy needs a positive --ymin and --ymax");
    if (o.kind == RSC_CHART_BAR && o.xscale != RSC_XSCALE_AUTO && o.xscale != RSC_SCALE_CATEGORY)
        rsc_usage_error("--kind bar needs a category x axis (drop --logx/--xscale)");
    if (o.data_out && o.output && strcmp(o.data_out, "-") == 0 && strcmp(o.output, "-") == 0)
        rsc_usage_error("--data-out and --output cannot both be stdout");
    if (o.data_out && !o.output && strcmp(o.data_out, "-") == 0)
        rsc_usage_error("--data-out and --output cannot both be stdout");

    rsc_error err;
    rsc_table *t = rsc_table_load(o.input, &err);
    if (!t)
        rsc_die_err(&err);
    rsc_chart_spec spec = {
        .x = o.x.v, .nx = o.x.n, .y = o.y.v, .ny = o.y.n, .series = o.series, .panel = o.panel,
        .where = o.where, .nwhere = o.nwhere, .kind = o.kind, .xscale = o.xscale, .ylog = o.ylog,
        .ymin = o.ymin, .ymax = o.ymax, .ncols = o.ncols, .title = o.title, .xlabel = o.xlabel,
        .ylabel = o.ylabel,
    };
    rsc_chart *ch = rsc_chart_from_table(t, &spec, &err);
    if (!ch)
        rsc_die_err(&err);
    if (ch->dropped)
        rsc_warn("%zu point%s with x <= 0 left out of the log x axis", ch->dropped,
                 ch->dropped == 1 ? "" : "s");
    if (!o.w)
        rsc_chart_default_size(ch, &o.w, &o.h);
    rsc_image *img = rsc_chart_render(ch, o.w, o.h, NULL, &err);
    if (!img)
        rsc_die_err(&err);
    write_outputs(img, o.output, ch, o.data_out);
    rsc_image_free(img);
    rsc_chart_free(ch);
    rsc_table_free(t);
    list_free(&o.x);
    list_free(&o.y);
    free(o.where);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc < 2)
        rsc_usage_error("missing COMMAND (chart)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return rsc_close_stdout();
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        rsc_print_version();
        return rsc_close_stdout();
    }
    if (strcmp(cmd, "chart") == 0)
        return cmd_chart(argc - 1, argv + 1);
    rsc_usage_error("unknown command '%s' (chart)", cmd);
}
