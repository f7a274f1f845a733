/* rsc-viz - the paper's figures as PNG or SVG: pattern gallery (Fig. 1), first-layer
 * weight importance maps (Fig. 3), and line/bar charts with error bars from
 * rsc-score/rsc-mia tables (Figs. 2, 4, 5, 7). */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "plot/canvas.h"
#include "plot/chart.h"
#include "core/cli.h"
#include "data/dataset.h"
#include "plot/heatmap.h"
#include "plot/image.h"
#include "plot/importance.h"
#include "data/patterns.h"
#include "format/rsct.h"
#include "format/table.h"
#include "plot/chart_data.h"

#define SOFTWARE "rsc-viz (" PACKAGE_NAME ") " PACKAGE_VERSION

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz COMMAND [OPTION]... [ARG]...\n"
"Draw the figures of rare-spurious-correlation experiments as PNG or SVG.\n"
"\n"
"Commands:\n"
"  patterns    one dataset image without and with each pattern (Fig. 1)\n"
"  importance  first-layer weight importance maps of models (Fig. 3)\n"
"  chart       line or bar charts with error bars from TSV tables of\n"
"              rsc-score, rsc-score --aggregate or rsc-mia (Figs. 2, 4, 5, 7)\n"
"\n"
"Run 'rsc-viz COMMAND --help' for the options of a command.\n"
"\n"
"Options:\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and exit\n");
}

/* ------------------------------------------------------------ common */
enum { OPT_XSCALE = 256, OPT_LOGX, OPT_CATEGORY, OPT_LOGY, OPT_YMIN, OPT_YMAX, OPT_COLS,
       OPT_TITLE, OPT_XLABEL, OPT_YLABEL, OPT_SIZE, OPT_DATA_OUT, OPT_VMIN, OPT_VMAX, OPT_VS,
       OPT_SPLIT, OPT_DASHED, OPT_NO_VERIFY, OPT_DPI, OPT_SCALE, OPT_SERIES, OPT_PANEL };

/* The options every command shares for its figure: --dpi and --scale
 * (one resolution: --scale F is --dpi 100F). */
#define FIGURE_LONGOPTS \
    { "dpi", required_argument, NULL, OPT_DPI }, { "scale", required_argument, NULL, OPT_SCALE }
#define FIGURE_HELP(PAD) \
"      --dpi=N            " PAD "resolution of a PNG: drawn at N/100 times the\n" \
"                         " PAD "--size pixels (text, lines, markers), recorded\n" \
"                         " PAD "in the file\n" \
"      --scale=F          " PAD "the same as --dpi 100F\n" \
"  -o, --output=FILE      " PAD "the figure: SVG when FILE ends in .svg, else PNG\n" \
"                         " PAD "(default stdout, never a terminal)\n"
static double figure_dpi;   /* 0: not given */
static int figure_opt;      /* OPT_DPI or OPT_SCALE when given */

static void figure_option(int c, const char *arg)
{
    if (figure_opt && figure_opt != c)
        rsc_usage_error("--dpi and --scale set the same resolution: give one of them");
    figure_opt = c;
    if (c == OPT_DPI)
        figure_dpi = (double)rsc_opt_long("--dpi", arg, 10, 2400);
    else
        figure_dpi = RSC_FIGURE_DPI * rsc_opt_double("--scale", arg, 0.1, 24);
}

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

/* Write the figure (PNG or SVG by the name; and optionally a table, by
 * chart or by write_table) to their outputs; both or neither appear.  The
 * characters the output cannot show are warned about first. */
typedef int (*table_writer)(FILE *fp, const char *fname, const void *arg, rsc_error *err);

static int write_chart_table(FILE *fp, const char *fname, const void *arg, rsc_error *err)
{
    return rsc_chart_write_data(fp, fname, arg, err);
}

static void write_outputs_with(rsc_canvas *cv, const char *png_path, table_writer wr,
                               const void *arg, const char *data_path)
{
    rsc_error err;
    int format = rsc_figure_format(png_path);
    char msg[256];
    for (size_t i = 0; rsc_canvas_glyph_warning(cv, format, i, msg, sizeof msg); i++)
        rsc_warn("%s", msg);
    rsc_output *po = rsc_output_open(png_path, format == RSC_FIGURE_PNG ? RSC_OUTPUT_BINARY : 0,
                                     &err);
    if (!po)
        rsc_die_err(&err);
    rsc_output *dout = NULL;
    if (data_path && !(dout = rsc_output_open(data_path, 0, &err)))
        rsc_die_err(&err);
    if (rsc_canvas_write(rsc_output_file(po), rsc_output_name(po), cv, format, figure_dpi,
                         SOFTWARE, &err) != 0)
        rsc_die_err(&err);
    rsc_canvas_free(cv);
    if (dout && wr(rsc_output_file(dout), rsc_output_name(dout), arg, &err) != 0)
        rsc_die_err(&err);
    if (rsc_output_commit(po, &err) != 0)
        rsc_die_err(&err);
    if (dout && rsc_output_commit(dout, &err) != 0)
        rsc_die_err(&err);
}

static void write_outputs(rsc_canvas *cv, const char *png_path, const rsc_chart *chart,
                          const char *data_path)
{
    write_outputs_with(cv, png_path, write_chart_table, chart, data_path);
}

static void check_outputs(const char *output, const char *data_out)
{
    if (data_out && strcmp(data_out, "-") == 0 && (!output || strcmp(output, "-") == 0))
        rsc_usage_error("--data-out and --output cannot both be stdout");
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* ------------------------------------------------------------ patterns */
static void patterns_usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz patterns --data NAME|PATH [OPTION]... -o OUT.png|OUT.svg\n"
"One image of a dataset without and with each spurious pattern, side by\n"
"side and labelled, upscaled with crisp pixels (Fig. 1).  Grey (1-channel)\n"
"and colour (3-channel) images.\n"
"\n"
"  -d, --data=NAME|PATH   dataset: mnist, fashion, cifar10 (looked up as\n"
"                         rsc-inject does), an IDX or CIFAR-10 folder, or an\n"
"                         rsct dataset file (- for stdin)\n"
"      --no-verify        import a dataset NAME without checking its files\n"
"                         against the published checksums (data/manifests)\n"
"      --max-memory=SIZE  most memory an input may take (512M, 4G; default\n"
"                         $RSC_MAX_MEMORY, else the physical memory)\n"
"  -i, --index=I          which image (default 0)\n"
"      --split=test|train the split it is taken from (default test)\n"
"  -p, --pattern=P        a pattern to show: S1 S2 S3 R1 R2 R3 Inv, or an rsct\n"
"                         file holding a custom one; repeatable, or a comma\n"
"                         list (default: the seven of the paper); the seven\n"
"                         as files to copy and edit: " RSC_PKGDATADIR "/patterns\n"
"  -s, --seed=S           seed of the random patterns R1-R3 (default: the\n"
"                         dataset's seed key when it was injected, else 0)\n"
"      --title=TEXT       title (default: dataset, split, index and class;\n"
"                         --title '' for none)\n"
"      --size=WxH         image size in pixels (default: about 160 pixels an\n"
"                         image)\n"
FIGURE_HELP("")
"  -h, --help             show this help and exit\n");
}

static int cmd_patterns(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY }, RSC_LONGOPT_MAX_MEMORY,
        { "index", required_argument, NULL, 'i' },
        { "split", required_argument, NULL, OPT_SPLIT },
        { "pattern", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, 's' },
        { "title", required_argument, NULL, OPT_TITLE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        FIGURE_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    const char *data = NULL, *output = NULL, *title = NULL, *split = "test";
    long index = 0;
    uint32_t seed = 0;
    int have_seed = 0, w = 0, h = 0, no_verify = 0;
    struct list *pats = calloc((size_t)argc, sizeof *pats);
    size_t npats = 0;
    if (!pats)
        rsc_die("out of memory");
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:i:p:P:s:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case OPT_NO_VERIFY: no_verify = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'i': index = rsc_opt_long("--index", optarg, 0, 2147483647L); break;
        case OPT_SPLIT:
            if (strcmp(optarg, "test") != 0 && strcmp(optarg, "train") != 0)
                rsc_usage_error("--split: '%s' is not test or train", optarg);
            split = optarg;
            break;
        case 'P': rsc_deprecated("-P", "-p or --pattern"); /* fall through */
        case 'p': split_list("--pattern", optarg, &pats[npats++]); break;
        case 's':
            seed = (uint32_t)rsc_opt_long("--seed", optarg, 0, 4294967295L);
            have_seed = 1;
            break;
        case OPT_TITLE: title = optarg; break;
        case OPT_SIZE: parse_size(optarg, &w, &h); break;
        case 'o': output = optarg; break;
        case OPT_DPI: case OPT_SCALE: figure_option(c, optarg); break;
        case 'h': patterns_usage(stdout); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    if (optind < argc)
        rsc_usage_error("patterns: unexpected argument '%s'", argv[optind]);
    if (!data)
        rsc_usage_error("patterns: --data NAME|PATH is required");

    rsc_stdin_input(data, "dataset", "give --data NAME|PATH, or pipe an rsct dataset");
    rsc_error err;
    rsc_file *ds = rsc_dataset_open_flags(data, no_verify ? RSC_DATASET_NO_VERIFY : 0, &err);
    if (!ds)
        rsc_die_err(&err);
    int32_t *y;
    size_t n;
    int ch, ih, iw;
    if (rsc_dataset_images_f32(ds, split, NULL, &y, &n, &ch, &ih, &iw, &err) != 0)
        rsc_die_err(&err);
    if ((size_t)index >= n)
        rsc_die("%s: --index %ld is out of range (the %s split has %zu images)", data, index,
                split, n);
    const char *ds_seed = rsc_meta_get(ds, "seed");
    if (!have_seed && ds_seed) {   /* an injected dataset: its own random patterns */
        long v;
        if (rsc_parse_long("seed", ds_seed, 0, 4294967295L, &v, &err) != 0)
            rsc_die("%s: metadata key %s", data, err.msg);
        seed = (uint32_t)v;
    }
    size_t nimg = 1;
    for (size_t i = 0; i < npats; i++)
        nimg += pats[i].n;
    if (npats == 0)
        for (const char *const *p = rsc_pattern_names; *p; p++)
            nimg++;
    size_t plane = (size_t)ch * ih * iw;
    float *buf = malloc(nimg * plane * sizeof *buf);
    const float **imgs = malloc(nimg * sizeof *imgs);
    char **labels = calloc(nimg, sizeof *labels);
    if (!buf || !imgs || !labels)
        rsc_die("out of memory");
    if (rsc_dataset_range_f32(ds, split, (size_t)index, 1, buf, &err) != 0)
        rsc_die_err(&err);
    size_t k = 0;
    for (size_t i = 0; i < nimg; i++) {
        const char *name = "original";
        if (i > 0 && npats == 0)
            name = rsc_pattern_names[i - 1];
        else if (i > 0) {
            size_t j = i - 1, g = 0;
            while (j >= pats[g].n)
                j -= pats[g++].n;
            name = pats[g].v[j];
        }
        const char *label = name;
        if (i > 0) {
            rsc_pattern p;
            if (rsc_pattern_make(&p, name, ch, ih, iw, seed, &err) != 0)
                rsc_die_err(&err);
            rsc_pattern_apply(&p, buf, buf + i * plane);
            const char *canon;
            label = rsc_pattern_is_builtin(name, &canon) ? canon : base_name(name);
            rsc_pattern_free(&p);
        }
        imgs[i] = buf + i * plane;
        size_t len = strlen(label) + 8;
        labels[i] = malloc(len);
        if (!labels[i])
            rsc_die("out of memory");
        snprintf(labels[i], len, "(%c) %s", i < 26 ? (int)('a' + i) : '?', label);
        k++;
    }
    char deftitle[512];
    if (!title) {
        const char *dname = rsc_meta_get(ds, "name");
        snprintf(deftitle, sizeof deftitle, "%s, %s image %ld (class %d)",
                 dname ? dname : base_name(data), split, index, (int)y[index]);
        title = deftitle;
    }
    rsc_canvas *fig = rsc_gallery_draw(imgs, (const char *const *)labels, nimg, ch, ih, iw,
                                       *title ? title : NULL, w, h, NULL, &err);
    if (!fig)
        rsc_die_err(&err);
    write_outputs_with(fig, output, NULL, NULL, NULL);
    for (size_t i = 0; i < nimg; i++)
        free(labels[i]);
    for (size_t i = 0; i < npats; i++)
        list_free(&pats[i]);
    free(pats);
    free(labels);
    free(imgs);
    free(buf);
    free(y);
    rsc_file_free(ds);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ importance */
static void importance_usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz importance [OPTION]... MODEL... -o OUT.png|OUT.svg\n"
"For each input pixel, the largest weight on an edge leaving it into the\n"
"first hidden layer (the maximum over the rows of param/fc1.weight, and over\n"
"the channels of a colour pixel), as an HxW heat map in viridis with a\n"
"colour bar (Fig. 3).  Several models are drawn side by side on one scale.\n"
"Defined only for models whose first layer is linear (mlp-small, mlp,\n"
"mlp-large, linear), not for convolutional ones.\n"
"\n"
"      --vs=MODEL2        show |A - MODEL2| for each model A instead\n"
"      --vmin=V           value at the bottom of the colour scale (default:\n"
"                         the smallest value shown)\n"
"      --vmax=V           value at the top (default: the largest); fix both to\n"
"                         compare maps drawn separately\n"
"      --title=TEXT       title above the maps\n"
"      --size=WxH         image size in pixels (default: about 448 pixels a\n"
"                         map, 300 when there are several)\n"
FIGURE_HELP("")
"      --data-out=FILE    also write the values as TSV (map, row, col, value)\n"
"  -h, --help             show this help and exit\n");
}

struct importance_table {
    size_t n;
    double **maps;
    char **titles;
    int h, w;
};

static int write_importance_table(FILE *fp, const char *fname, const void *arg, rsc_error *err)
{
    const struct importance_table *t = arg;
    return rsc_importance_write(fp, fname, (const double *const *)t->maps,
                                (const char *const *)t->titles, t->n, t->h, t->w, err);
}

/* Load a model and compute its map (dies on error). */
static double *model_map(const char *path, int *h, int *w, char **count)
{
    rsc_error err;
    rsc_file *f = rsc_file_load(path, &err);
    if (!f)
        rsc_die_err(&err);
    double *map;
    const char *fname = strcmp(path, "-") == 0 ? "stdin" : path;
    if (rsc_importance(f, fname, &map, h, w, &err) != 0)
        rsc_die_err(&err);
    const char *cnt = rsc_meta_get(f, "count");
    *count = cnt ? strdup(cnt) : NULL;
    rsc_file_free(f);
    return map;
}

static int cmd_importance(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "vs", required_argument, NULL, OPT_VS },
        { "vmin", required_argument, NULL, OPT_VMIN },
        { "vmax", required_argument, NULL, OPT_VMAX },
        { "title", required_argument, NULL, OPT_TITLE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "output", required_argument, NULL, 'o' },
        { "data-out", required_argument, NULL, OPT_DATA_OUT },
        { "help", no_argument, NULL, 'h' },
        FIGURE_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    const char *vs = NULL, *output = NULL, *title = NULL, *data_out = NULL;
    double vmin = NAN, vmax = NAN;
    int w = 0, h = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_VS: vs = optarg; break;
        case OPT_VMIN: vmin = rsc_opt_double("--vmin", optarg, -HUGE_VAL, HUGE_VAL); break;
        case OPT_VMAX: vmax = rsc_opt_double("--vmax", optarg, -HUGE_VAL, HUGE_VAL); break;
        case OPT_TITLE: title = optarg; break;
        case OPT_SIZE: parse_size(optarg, &w, &h); break;
        case 'o': output = optarg; break;
        case OPT_DATA_OUT: data_out = optarg; break;
        case OPT_DPI: case OPT_SCALE: figure_option(c, optarg); break;
        case 'h': importance_usage(stdout); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        rsc_usage_error("importance: missing MODEL");
    if (n > 64)
        rsc_usage_error("importance: at most 64 models in one figure");
    if (isfinite(vmin) && isfinite(vmax) && !(vmin < vmax))
        rsc_usage_error("--vmin %g must be below --vmax %g", vmin, vmax);
    size_t nstdin = vs && strcmp(vs, "-") == 0;
    for (size_t i = 0; i < n; i++)
        nstdin += strcmp(argv[optind + (int)i], "-") == 0;
    if (nstdin > 1)
        rsc_usage_error("importance: stdin (-) can be read only once");
    check_outputs(output, data_out);
    if (nstdin)
        rsc_stdin_input("-", "model", "name MODEL files, or pipe one from rsc-train");

    struct importance_table t = { n, calloc(n, sizeof(double *)), calloc(n, sizeof(char *)), 0, 0 };
    char **counts = calloc(n, sizeof *counts);
    rsc_heatmap *hm = calloc(n, sizeof *hm);
    if (!t.maps || !t.titles || !counts || !hm)
        rsc_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        int mh, mw;
        t.maps[i] = model_map(argv[optind + (int)i], &mh, &mw, &counts[i]);
        if (i > 0 && (mh != t.h || mw != t.w))
            rsc_die("%s: input %dx%d differs from %s's %dx%d: maps cannot share a figure",
                    argv[optind + (int)i], mh, mw, argv[optind], t.h, t.w);
        t.h = mh;
        t.w = mw;
    }
    char *bcount = NULL;
    double *bmap = NULL;
    if (vs) {
        int bh, bw;
        bmap = model_map(vs, &bh, &bw, &bcount);
        if (bh != t.h || bw != t.w)
            rsc_die("%s: input %dx%d differs from %s's %dx%d", vs, bh, bw, argv[optind], t.h, t.w);
        rsc_importance_vs(t.maps, n, bmap, (size_t)t.h * t.w);
    }
    /* Titles: "count N" when every model records a distinct count, else the
     * file names. */
    int by_count = 1;
    for (size_t i = 0; i < n && by_count; i++) {
        by_count = counts[i] != NULL;
        for (size_t j = 0; j < i && by_count; j++)
            by_count = strcmp(counts[i], counts[j]) != 0;
    }
    if (vs && by_count && (!bcount || (n == 1 && strcmp(counts[0], bcount) == 0)))
        by_count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = by_count ? counts[i] : base_name(argv[optind + (int)i]);
        const char *pre = by_count ? "count " : "";
        char buf[1024];
        if (vs)
            snprintf(buf, sizeof buf, "|%s%s - %s%s|", pre, a, pre, by_count ? bcount : base_name(vs));
        else
            snprintf(buf, sizeof buf, "%s%s", pre, a);
        t.titles[i] = strdup(buf);
        if (!t.titles[i])
            rsc_die("out of memory");
        hm[i] = (rsc_heatmap){ t.maps[i], t.h, t.w, t.titles[i] };
    }
    double lo, hi;
    rsc_importance_range((const double *const *)t.maps, n, (size_t)t.h * t.w, &lo, &hi);
    if (isfinite(vmin))
        lo = vmin;
    if (isfinite(vmax))
        hi = vmax;
    if (!(lo < hi) && (isfinite(vmin) || isfinite(vmax)))
        rsc_usage_error("--vmin/--vmax: the scale %g..%g is empty", lo, hi);
    rsc_error err;
    rsc_canvas *fig = rsc_heatmap_draw(hm, n, lo, hi, title, w, h, NULL, &err);
    if (!fig)
        rsc_die_err(&err);
    write_outputs_with(fig, output, write_importance_table, &t, data_out);
    for (size_t i = 0; i < n; i++) {
        free(t.maps[i]);
        free(t.titles[i]);
        free(counts[i]);
    }
    free(t.maps);
    free(t.titles);
    free(counts);
    free(hm);
    free(bmap);
    free(bcount);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ chart */
static void chart_usage(FILE *fp)
{
    fprintf(fp,
"Usage: rsc-viz chart [OPTION]... [FILE|-] -o OUT.png|OUT.svg\n"
"Line chart with error bars (mean +- SE), or grouped bar chart, from a TSV\n"
"table with a header line (stdin when FILE is - or missing).\n"
"\n"
"For a metric M, the value is read from column M_mean and the error bar from\n"
"M_se when the table is aggregated (rsc-score --aggregate); otherwise from\n"
"column M, and the rows of each point are averaged (error bar: standard\n"
"error of their mean).\n"
"\n"
"  -x, --x=COL[,COL...]      x-axis column; several give one panel each, the\n"
"                            panel of COL taking the rows where the other\n"
"                            listed columns are off (0, empty, none, off, inf)\n"
"  -y, --y=METRIC[,METRIC...] y metric(s); several give one series each\n"
"      --series=COL          one line (or bar colour) per value of COL\n"
"      --panel=COL           one panel per value of COL (small multiples)\n"
"  -w, --where=COL=V[,V...]  keep rows whose COL is one of the values\n"
"                            (numbers compare by value); repeatable\n"
"      --dashed=NAME[,NAME...]  draw these series dashed: a metric of --y or\n"
"                            a value of the --series column\n"
"  -k, --kind=line|bar       chart kind (default line; bar implies category x)\n"
"      --xscale=linear|log|category  x-axis scale (default: linear for numbers,\n"
"                            category otherwise)\n"
"      --logx                same as --xscale log\n"
"      --category            same as --xscale category (evenly spaced x values,\n"
"                            as the paper plots counts 0,1,3,...,5000)\n"
"      --logy                logarithmic y axis\n"
"      --ymin=Y, --ymax=Y    fix the y range (default: the data, padded 5%%)\n"
"      --cols=N              panels per row (default: up to 3)\n"
"      --title=TEXT          title above the chart\n"
"      --xlabel=TEXT         x-axis label (default: the x column)\n"
"      --ylabel=TEXT         y-axis label (default: the metric)\n"
"      --size=WxH            image size in pixels (default 900x600 for one\n"
"                            panel, larger for a grid)\n"
FIGURE_HELP("   ")
"      --data-out=FILE       also write the plotted numbers as TSV (panel,\n"
"                            series, x, y, se, n)\n"
"  -h, --help                show this help and exit\n");
}


struct chart_opts {
    const char *input, *output, *data_out;
    struct list x, y, dashed;
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
        { "series", required_argument, NULL, OPT_SERIES },
        { "panel", required_argument, NULL, OPT_PANEL },
        { "where", required_argument, NULL, 'w' },
        { "dashed", required_argument, NULL, OPT_DASHED },
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
        FIGURE_LONGOPTS,
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
        case OPT_DASHED: split_list("--dashed", optarg, &o.dashed); break;
        case 's': rsc_deprecated("-s (series)", "--series"); /* fall through */
        case OPT_SERIES: o.series = optarg; break;
        case 'p': rsc_deprecated("-p (panel)", "--panel"); /* fall through */
        case OPT_PANEL: o.panel = optarg; break;
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
        case OPT_DPI: case OPT_SCALE: figure_option(c, optarg); break;
        case 'h': chart_usage(stdout); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
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
    check_outputs(o.output, o.data_out);
    rsc_stdin_input(o.input, "table", "name a TSV file, or pipe one from rsc-score or rsc-theory");

    rsc_error err;
    rsc_table *t = rsc_table_load(&o.input, o.input ? 1 : 0, &err);
    if (!t)
        rsc_die_err(&err);
    rsc_chart_spec spec = {
        .x = o.x.v, .nx = o.x.n, .y = o.y.v, .ny = o.y.n, .series = o.series, .panel = o.panel,
        .where = o.where, .nwhere = o.nwhere, .dashed = o.dashed.v, .ndashed = o.dashed.n, .kind = o.kind, .xscale = o.xscale, .ylog = o.ylog,
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
    rsc_canvas *fig = rsc_chart_draw(ch, o.w, o.h, NULL, &err);
    if (!fig)
        rsc_die_err(&err);
    write_outputs(fig, o.output, ch, o.data_out);
    rsc_chart_free(ch);
    rsc_table_free(t);
    list_free(&o.x);
    list_free(&o.y);
    list_free(&o.dashed);
    free(o.where);
    return rsc_close_stdout();
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc < 2)
        rsc_usage_error("missing COMMAND (patterns, importance or chart)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return rsc_close_stdout();
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        rsc_print_version();
        return rsc_close_stdout();
    }
    if (strcmp(cmd, "patterns") == 0)
        return cmd_patterns(argc - 1, argv + 1);
    if (strcmp(cmd, "importance") == 0)
        return cmd_importance(argc - 1, argv + 1);
    if (strcmp(cmd, "chart") == 0)
        return cmd_chart(argc - 1, argv + 1);
    rsc_usage_error("unknown command '%s' (patterns, importance or chart)", cmd);
}
