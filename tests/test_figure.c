/* test_figure.c: figures: PNG size, well-formed SVG, data drawn where the
 * axes say (read back from the PNG), ticks, never over a file, the panes. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cairo.h>
#include <dirent.h>
#include <unistd.h>

#include "innx/figure.h"
#include "innx/report_vector.h"
#include "innx/safefile.h"
#include "innx/session.h"

static char dir[] = "/tmp/innx-figure-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

static void path_of(char *p, size_t n, const char *name) { snprintf(p, n, "%s/%s", dir, name); }

/* A line y = x on [0, 10]^2 and a root marker at (7, 2), with margins
 * fixed so the test knows where the plot area is without the renderer. */
#define W 400
#define H 300
#define ML 60.0
#define MR 20.0
#define MT 30.0
#define MB 40.0

static void known_figure(figure *f)
{
    figure_init(f);
    snprintf(f->title, sizeof f->title, "y = x");
    f->x = (figure_axis){.lo = 0, .hi = 10, .log = 0, .label = "x"};
    f->y = (figure_axis){.lo = 0, .hi = 10, .log = 0, .label = "y"};
    f->margin[0] = ML, f->margin[1] = MR, f->margin[2] = MT, f->margin[3] = MB;
    f->legend = 0;   /* it would cover a corner of the data */
    double x[101], y[101];
    for (int i = 0; i <= 100; i++)
        x[i] = y[i] = i / 10.0;
    figure_series *s = figure_add_series(f, FIGURE_LINE, 0, "y = x", x, y, 101);
    assert_non_null(s);
    s->size = 3;
    double rx = 7, ry = 2;
    s = figure_add_series(f, FIGURE_POINTS, 2, "root", &rx, &ry, 1);
    assert_non_null(s);
    s->marker = FIGURE_CROSS;
}

/* The PNG pixel at (px, py) as 0..255 RGB (ARGB32 is premultiplied; the
 * figure is opaque, so that does not matter). */
static void pixel(cairo_surface_t *s, double px, double py, int rgb[3])
{
    int x = (int)floor(px), y = (int)floor(py);
    assert_true(x >= 0 && y >= 0 && x < cairo_image_surface_get_width(s) && y < cairo_image_surface_get_height(s));
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v = *(const uint32_t *)(d + (size_t)y * (size_t)cairo_image_surface_get_stride(s) + 4 * (size_t)x);
    rgb[0] = (int)((v >> 16) & 255), rgb[1] = (int)((v >> 8) & 255), rgb[2] = (int)(v & 255);
}

static int near_color(const int rgb[3], int series)
{
    double c[3];
    figure_color(series, c);
    for (int k = 0; k < 3; k++)
        if (abs(rgb[k] - (int)lround(c[k] * 255)) > 30)
            return 0;
    return 1;
}

static int is_white(const int rgb[3]) { return rgb[0] > 245 && rgb[1] > 245 && rgb[2] > 245; }

static cairo_surface_t *render_png(const figure *f, const char *name, int w, int h, double scale)
{
    char p[512];
    path_of(p, sizeof p, name);
    innx_err err;
    int st = figure_render(f, FIGURE_PNG, p, w, h, scale, &err);
    if (st != 0)
        fail_msg("%s", err.msg);
    cairo_surface_t *s = cairo_image_surface_create_from_png(p);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    return s;
}

static void test_png_size(void **state)
{
    (void)state;
    figure f;
    known_figure(&f);
    cairo_surface_t *s = render_png(&f, "size.png", 640, 400, 1);
    assert_int_equal(cairo_image_surface_get_width(s), 640);
    assert_int_equal(cairo_image_surface_get_height(s), 400);
    cairo_surface_destroy(s);
    s = render_png(&f, "size2.png", 640, 400, 2);   /* the same figure, twice the pixels */
    assert_int_equal(cairo_image_surface_get_width(s), 1280);
    assert_int_equal(cairo_image_surface_get_height(s), 800);
    cairo_surface_destroy(s);
    figure_free(&f);
}

/* Where the test expects (x, y) on [0, 10]^2 with the fixed margins. */
static void expect_px(double x, double y, double *px, double *py)
{
    *px = ML + (W - ML - MR) * x / 10;
    *py = MT + (H - MT - MB) * (1 - y / 10);
}

static void test_data_where_axes_say(void **state)
{
    (void)state;
    figure f;
    known_figure(&f);
    cairo_surface_t *s = render_png(&f, "known.png", W, H, 1);
    int rgb[3];
    double px, py, qx, qy, area[4];
    /* on the curve, off the grid lines (ticks at 0, 5, 10 or 2, 4...) */
    for (double x = 1.3; x < 10; x += 2.9) {
        expect_px(x, x, &px, &py);
        pixel(s, px, py, rgb);
        assert_true(near_color(rgb, 0));
        /* the renderer's own mapping agrees with the test's */
        figure_map(&f, W, H, x, x, &qx, &qy, area);
        assert_true(fabs(qx - px) < 1e-9 && fabs(qy - py) < 1e-9);
    }
    /* off the curve: background */
    expect_px(3.7, 8.1, &px, &py);
    pixel(s, px, py, rgb);
    assert_true(is_white(rgb));
    expect_px(8.3, 1.1, &px, &py);
    pixel(s, px, py, rgb);
    assert_true(is_white(rgb));
    /* the root marker in its own colour, at its data point */
    expect_px(7, 2, &px, &py);
    pixel(s, px, py, rgb);
    assert_true(near_color(rgb, 2));
    /* outside the plot area (the left margin) nothing of the data */
    pixel(s, 5, MT + 100, rgb);
    assert_true(is_white(rgb));
    cairo_surface_destroy(s);
    figure_free(&f);
}

/* A log y axis: 1e-1 is halfway up [1e-3, 1e1], 1e-2 a quarter. */
static void test_log_axis_pixels(void **state)
{
    (void)state;
    figure f;
    figure_init(&f);
    f.x = (figure_axis){.lo = 0, .hi = 10, .log = 0, .label = ""};
    f.y = (figure_axis){.lo = 1e-3, .hi = 1e1, .log = 1, .label = ""};
    f.margin[0] = ML, f.margin[1] = MR, f.margin[2] = MT, f.margin[3] = MB;
    f.legend = 0;
    double x[2] = {0, 10}, y[2] = {1e-1, 1e-1};
    figure_series *se = figure_add_series(&f, FIGURE_LINE, 1, "", x, y, 2);
    assert_non_null(se);
    se->size = 3;
    cairo_surface_t *s = render_png(&f, "log.png", W, H, 1);
    int rgb[3];
    double mid = MT + (H - MT - MB) * 0.5, quarter = MT + (H - MT - MB) * 0.75;
    pixel(s, ML + 77, mid, rgb);
    assert_true(near_color(rgb, 1));
    pixel(s, ML + 77, quarter + 3, rgb);   /* under the 1e-2 grid line */
    assert_true(is_white(rgb));
    cairo_surface_destroy(s);
    figure_free(&f);
}

/* A minimal XML check: the declaration, and every element closed in
 * order (comments, declarations and self-closing tags skipped). */
static int xml_balanced(const char *t)
{
    char stack[64][64];
    int depth = 0, elements = 0;
    if (strncmp(t, "<?xml", 5) != 0)
        return 0;
    for (const char *p = strchr(t, '<'); p; p = strchr(p + 1, '<')) {
        if (p[1] == '?' || p[1] == '!')
            continue;
        const char *end = strchr(p, '>');
        if (!end)
            return 0;
        if (p[1] == '/') {
            size_t n = strcspn(p + 2, " >");
            if (depth == 0 || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p + 2, n) != 0)
                return 0;
            depth--;
        } else if (end[-1] != '/') {
            size_t n = strcspn(p + 1, " \n>/");
            if (depth == 64 || n >= 64)
                return 0;
            memcpy(stack[depth], p + 1, n);
            stack[depth++][n] = 0;
            elements++;
        }
    }
    return depth == 0 && elements > 0;
}

static void test_svg_well_formed(void **state)
{
    (void)state;
    figure f;
    known_figure(&f);
    f.legend = 1;
    char p[512];
    path_of(p, sizeof p, "f.svg");
    innx_err err;
    assert_int_equal(figure_render(&f, FIGURE_SVG, p, W, H, 1, &err), 0);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    assert_true(n > 100 && n < sizeof buf - 1);
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "width=\"400"));
    assert_true(xml_balanced(buf));
    /* a truncated file is caught */
    buf[n / 2] = 0;
    assert_false(xml_balanced(buf));
    /* PDF: the header and the trailer */
    path_of(p, sizeof p, "f.pdf");
    assert_int_equal(figure_render(&f, FIGURE_PDF, p, W, H, 1, &err), 0);
    fp = fopen(p, "rb");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    assert_memory_equal(buf, "%PDF-", 5);
    assert_non_null(strstr(buf + n - 64, "%%EOF"));
    figure_free(&f);
}

static void test_never_over_a_file(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "mine.png");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("the user's", fp);
    fclose(fp);
    figure f;
    known_figure(&f);
    innx_err err;
    assert_int_equal(figure_render(&f, FIGURE_PNG, p, W, H, 1, &err), SAFEFILE_EEXIST);
    fp = fopen(p, "r");
    char b[32] = {0};
    assert_non_null(fgets(b, sizeof b, fp));
    fclose(fp);
    assert_string_equal(b, "the user's");
    /* and no temporary file is left beside it */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
    /* a bad size or an axis without range is refused, nothing written */
    path_of(p, sizeof p, "bad.png");
    assert_int_equal(figure_render(&f, FIGURE_PNG, p, 0, H, 1, &err), INNX_EINVAL);
    f.y.log = 1;
    f.y.lo = 0;
    assert_int_equal(figure_render(&f, FIGURE_PNG, p, W, H, 1, &err), INNX_EINVAL);
    assert_int_not_equal(access(p, F_OK), 0);
    figure_free(&f);
}

static int distinct(char (*l)[32], size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!strcmp(l[i], l[i - 1]))
            return 0;
    return 1;
}

static void test_ticks(void **state)
{
    (void)state;
    double v[64];
    char l[64][32];
    /* a narrow range far from 0: labels still tell ticks apart */
    figure_axis a = {.lo = 1.00011, .hi = 1.00019, .log = 0, .label = ""};
    size_t n = figure_axis_ticks(&a, 5, v, l, 64);
    assert_true(n >= 3 && n <= 10);
    assert_true(distinct(l, n));
    for (size_t i = 0; i < n; i++)
        assert_true(v[i] >= a.lo && v[i] <= a.hi);
    a = (figure_axis){.lo = -3.2, .hi = 7.9, .log = 0, .label = ""};
    n = figure_axis_ticks(&a, 6, v, l, 64);
    assert_true(n >= 4 && distinct(l, n));
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(l[i], "-0."));   /* "0", never "-0.0" */
    /* log: decades only, labelled as such */
    a = (figure_axis){.lo = 3e-7, .hi = 40, .log = 1, .label = ""};
    n = figure_axis_ticks(&a, 8, v, l, 64);
    assert_true(n >= 4 && n <= 9);
    for (size_t i = 0; i < n; i++) {
        double e = log10(v[i]);
        assert_true(fabs(e - round(e)) < 1e-12);
        assert_non_null(strstr(l[i], "10^"));
    }
    assert_true(distinct(l, n));
    /* less than two decades inside: 2s and 5s too, so there is a scale */
    a = (figure_axis){.lo = 0.15, .hi = 0.9, .log = 1, .label = ""};
    n = figure_axis_ticks(&a, 6, v, l, 64);
    assert_true(n >= 2 && distinct(l, n));
}

static void test_formats(void **state)
{
    (void)state;
    unsigned f;
    assert_int_equal(figure_parse_formats("svg,png,pdf", &f), 0);
    assert_int_equal(f, FIGURE_SVG | FIGURE_PNG | FIGURE_PDF);
    assert_int_equal(figure_parse_formats("pdf", &f), 0);
    assert_int_equal(f, FIGURE_PDF);
    assert_int_equal(figure_parse_formats("png,", &f), -1);
    assert_int_equal(figure_parse_formats("jpg", &f), -1);
    assert_int_equal(figure_parse_formats("", &f), -1);
}

/* A snapshot as a three-roots session would publish: history, the map in
 * three clusters, roots; then the panes' figures and their file names. */
static session_snapshot *fake_snapshot(void)
{
    session_snapshot *s = calloc(1, sizeof *s);
    assert_non_null(s);
    snprintf(s->problem, sizeof s->problem, "fake");
    snprintf(s->formula, sizeof s->formula, "(x - 1) * (x - 3) * (x - 5)");
    s->x_lo = 0, s->x_hi = 6;
    s->latent = 1;
    s->has_formula = 1;
    s->step = 42;
    s->hist_n = 100;
    for (size_t i = 0; i < 100; i++) {
        s->hist_step[i] = (long)i;
        s->hist[TERM_N][i] = (float)(10 * exp(-0.05 * (double)i));
        s->hist[TERM_CYC][i] = (float)(5 * exp(-0.07 * (double)i));
    }
    s->loss = s->hist[TERM_N][99];
    s->term[TERM_CYC] = s->hist[TERM_CYC][99];
    s->has_report = 1;
    report_latent *r = &s->report;
    r->n = 300;
    r->k = 3;
    for (size_t i = 0; i < 300; i++) {
        r->u[i] = (double)i / 299;
        r->label[i] = i / 100;
        r->x[i] = 1 + 2.0 * (double)r->label[i] + 0.1 * (r->u[i] - 0.5);
        r->f[i] = (r->x[i] - 1) * (r->x[i] - 3) * (r->x[i] - 5);
    }
    for (size_t c = 0; c < 3; c++) {
        r->c[c].count = 100;
        r->c[c].centroid = 1 + 2.0 * (double)c;
        r->c[c].polished = 1;
        r->c[c].root.x = 1 + 2.0 * (double)c;
    }
    s->n_ref = 3;
    s->ref[0] = 1, s->ref[1] = 3, s->ref[2] = 5;
    return s;
}

static void test_panes(void **state)
{
    (void)state;
    session_snapshot *s = fake_snapshot();
    figure f;
    innx_err err;
    assert_int_equal(figure_pane(s, FIGURE_PANE_LOSS, &f, &err), 0);
    assert_int_equal(f.n_series, 2);   /* cyc and the total: terms never > 0 are left out */
    assert_true(f.y.log && f.y.lo > 0);
    figure_free(&f);
    assert_int_equal(figure_pane(s, FIGURE_PANE_LATENT, &f, &err), 0);
    assert_int_equal(f.n_series, 3);   /* one a cluster */
    assert_int_equal(f.series[1].color, 1);
    figure_free(&f);
    assert_int_equal(figure_pane(s, FIGURE_PANE_FX, &f, &err), 0);
    /* the roots as crosses at y* (0), all three */
    const figure_series *roots = &f.series[f.n_series - 1];
    assert_int_equal(roots->marker, FIGURE_CROSS);
    assert_int_equal(roots->n, 3);
    assert_true(roots->y[0] == 0 && roots->x[1] == 3);
    figure_free(&f);
    assert_int_equal(figure_pane(s, FIGURE_PANE_CLUSTERS, &f, &err), 0);
    figure_free(&f);
    /* a table problem without its data view yet: said, not drawn */
    session_snapshot *t = calloc(1, sizeof *t);
    assert_non_null(t);
    snprintf(t->problem, sizeof t->problem, "table");
    assert_int_equal(figure_pane(t, FIGURE_PANE_FX, &f, &err), INNX_EINVAL);
    assert_non_null(strstr(err.msg, "data view"));
    assert_int_equal(figure_pane(t, FIGURE_PANE_LOSS, &f, &err), INNX_EINVAL);
    free(t);

    /* files: named as the CSV export, the next name when taken */
    char w[2048], p[512];
    assert_int_equal(figure_write_pane(s, FIGURE_PANE_FX, dir, FIGURE_SVG | FIGURE_PNG, w, sizeof w, &err), 0);
    path_of(p, sizeof p, "innx-fake-fx-42.svg");
    assert_non_null(strstr(w, p));
    assert_int_equal(access(p, F_OK), 0);
    path_of(p, sizeof p, "innx-fake-fx-42.png");
    assert_int_equal(access(p, F_OK), 0);
    assert_int_equal(figure_write_pane(s, FIGURE_PANE_FX, dir, FIGURE_PNG, w, sizeof w, &err), 0);
    path_of(p, sizeof p, "innx-fake-fx-42-1.png");
    assert_string_equal(w, p);
    /* the figure read back: the root at x = 3 on y* = 0 in the roots' colour */
    cairo_surface_t *img = cairo_image_surface_create_from_png(p);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(figure_pane(s, FIGURE_PANE_FX, &f, &err), 0);
    double px, py;
    figure_map(&f, FIGURE_WIDTH, FIGURE_HEIGHT, 3, 0, &px, &py, NULL);
    double sc = cairo_image_surface_get_width(img) / (double)FIGURE_WIDTH;
    int rgb[3];
    pixel(img, px * sc + 0.5, py * sc + 0.5, rgb);
    assert_true(near_color(rgb, 2));
    cairo_surface_destroy(img);
    figure_free(&f);
    free(s);
}

/* Bars: from their base (0 unless set) to y, their width in data units. */
static void test_bars(void **state)
{
    (void)state;
    figure f;
    figure_init(&f);
    f.x = (figure_axis){.lo = 0, .hi = 10};
    f.y = (figure_axis){.lo = 0, .hi = 10};
    f.margin[0] = ML, f.margin[1] = MR, f.margin[2] = MT, f.margin[3] = MB;
    f.legend = 0;
    double x[2] = {2, 5}, y[2] = {8, 3}, bx = 8, by = 9;
    figure_series *se = figure_add_series(&f, FIGURE_BARS, 3, "", x, y, 2);
    assert_non_null(se);
    se->size = 1.2;
    assert_non_null(se = figure_add_series(&f, FIGURE_BARS, 5, "", &bx, &by, 1));
    se->base = 6;   /* a box from 6 to 9 */
    se->size = 1;
    cairo_surface_t *s = render_png(&f, "bars.png", W, H, 1);
    int rgb[3];
    double px, py;
    expect_px(2.3, 4.1, &px, &py);   /* inside the first bar */
    pixel(s, px, py, rgb);
    assert_true(near_color(rgb, 3));
    expect_px(2.3, 8.7, &px, &py);   /* above it */
    pixel(s, px, py, rgb);
    assert_true(is_white(rgb));
    expect_px(2.9, 4.1, &px, &py);   /* right of its 1.2 width */
    pixel(s, px, py, rgb);
    assert_true(is_white(rgb));
    expect_px(5.1, 2.1, &px, &py);
    pixel(s, px, py, rgb);
    assert_true(near_color(rgb, 3));
    expect_px(8.1, 7.3, &px, &py);   /* the box */
    pixel(s, px, py, rgb);
    assert_true(near_color(rgb, 5));
    expect_px(8.1, 4.1, &px, &py);   /* under its base */
    pixel(s, px, py, rgb);
    assert_true(is_white(rgb));
    cairo_surface_destroy(s);
    /* autorange takes the bars' widths and their base in */
    f.x.lo = f.x.hi = f.y.lo = f.y.hi = 0;
    figure_autorange(&f);
    assert_true(f.x.lo < 1.4 && f.x.hi > 8.5 && f.y.lo <= 0 && f.y.hi >= 9);
    figure_free(&f);
}

/* A vector problem's view: three components, two tight families at
 * known points, 20 samples without a family beside family 1's x1; y* and
 * the raw samples' F around it. */
#define VF_A_X1 (-1.0)
#define VF_B_X1 0.9   /* off the ticks: "nothing" above its bar is white, not a grid line */
static session_snapshot *vector_snapshot(void)
{
    session_snapshot *s = calloc(1, sizeof *s);
    assert_non_null(s);
    snprintf(s->problem, sizeof s->problem, "vec");
    s->vector = s->has_vector = 1;
    s->step = 7;
    session_vector_view *v = &s->vec;
    v->n = 3, v->m = 2, v->samples = 400, v->k = 2, v->has_y = 1, v->step = 7;
    v->ystar[0] = 0.3, v->ystar[1] = -0.2;
    const double A[3] = {VF_A_X1, 0.5, 2}, B[3] = {VF_B_X1, -0.5, 0}, none[3] = {VF_A_X1, -0.5, 1};
    for (size_t i = 0; i < 400; i++) {
        int g = i < 20 ? 2 : (int)(i % 2);
        const double *c = g == 0 ? A : g == 1 ? B : none;
        double jit = 0.01 * sin((double)i);
        for (size_t j = 0; j < 3; j++)
            v->x[i][j] = (float)(c[j] + jit);
        v->label[i] = g == 2 ? REPORT_VECTOR_NO_FAMILY : (unsigned char)g;
        v->certified[i] = 1;
        v->y_raw[i][0] = (float)(v->ystar[0] + (g == 1 ? -0.5 : 0.5) + jit);
        v->y_raw[i][1] = (float)(v->ystar[1] + (g == 1 ? -0.5 : 0.5) + jit);
        v->y_pol[i][0] = (float)v->ystar[0], v->y_pol[i][1] = (float)v->ystar[1];
    }
    v->count[0] = v->count[1] = 190, v->count_certified[0] = v->count_certified[1] = 190;
    v->n_certified = 400;
    for (size_t j = 0; j < 3; j++) {
        v->centroid[0][j] = A[j], v->centroid[1][j] = B[j];
        v->mean[j] = 0.5 * (A[j] + B[j]), v->sd[j] = 0.5 * fabs(A[j] - B[j]);
        v->q05[j] = fmin(A[j], B[j]), v->q95[j] = fmax(A[j], B[j]), v->q50[j] = v->mean[j];
    }
    return s;
}

/* The pane's PNG written as innx writes it, read back; (x, y) of a cell
 * mapped to that image's pixels. */
static cairo_surface_t *write_and_read(const session_snapshot *s, int pane, char *path, size_t len)
{
    char w[2048];
    innx_err err;
    if (figure_write_pane(s, pane, dir, FIGURE_PNG, w, sizeof w, &err) != 0)
        fail_msg("%s", err.msg);
    snprintf(path, len, "%s", w);
    cairo_surface_t *img = cairo_image_surface_create_from_png(w);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    return img;
}

static void cell_pixel(cairo_surface_t *img, const figure *f, size_t r, size_t c, double x, double y, int rgb[3])
{
    double px, py, area[4];
    int w = f->width ? f->width : FIGURE_WIDTH, h = f->height ? f->height : FIGURE_HEIGHT;
    figure_map_cell(f, w, h, r, c, x, y, &px, &py, area);
    assert_true(px > area[0] && px < area[2] && py > area[1] && py < area[3]);
    double sc = cairo_image_surface_get_width(img) / (double)w;
    pixel(img, px * sc, py * sc, rgb);
}

static void test_vector_panes(void **state)
{
    (void)state;
    session_snapshot *s = vector_snapshot();
    figure f;
    innx_err err;
    char p[4400];
    int rgb[3];
    /* the pair plot: a 3 x 3 grid, square, drawn where its cells say */
    assert_int_equal(figure_pane(s, FIGURE_PANE_LATENT, &f, &err), 0);
    assert_true(f.rows == 3 && f.cols == 3 && f.width == f.height);
    cairo_surface_t *img = write_and_read(s, FIGURE_PANE_LATENT, p, sizeof p);
    assert_non_null(strstr(p, "innx-vec-latent-7.png"));
    assert_int_equal(cairo_image_surface_get_width(img), 2 * f.width);
    assert_int_equal(cairo_image_surface_get_height(img), 2 * f.height);
    /* x2 against x1 (row 1, column 0): each family at its point, in its colour */
    cell_pixel(img, &f, 1, 0, VF_A_X1, 0.5, rgb);
    assert_true(near_color(rgb, 0));
    cell_pixel(img, &f, 1, 0, VF_B_X1, -0.5, rgb);
    assert_true(near_color(rgb, 1));
    cell_pixel(img, &f, 1, 0, VF_A_X1, -0.5, rgb);   /* no family: grey */
    assert_true(near_color(rgb, FIGURE_REF));
    cell_pixel(img, &f, 1, 0, 0.37, 0.13, rgb);      /* nothing there */
    assert_true(is_white(rgb));
    /* x3 against x2 (row 2, column 1) */
    cell_pixel(img, &f, 2, 1, 0.5, 2, rgb);
    assert_true(near_color(rgb, 0));
    cell_pixel(img, &f, 2, 1, 0.3, 0.7, rgb);
    assert_true(is_white(rgb));
    /* x1's histogram (row 0, column 0): 190 of family 1 at -1 with the 20
     * without a family stacked on them; family 2's 190 at +1 */
    cell_pixel(img, &f, 0, 0, VF_A_X1, 100, rgb);
    assert_true(near_color(rgb, 0));
    cell_pixel(img, &f, 0, 0, VF_A_X1, 203, rgb);
    assert_true(near_color(rgb, FIGURE_REF));
    cell_pixel(img, &f, 0, 0, VF_B_X1, 100, rgb);
    assert_true(near_color(rgb, 1));
    cell_pixel(img, &f, 0, 0, VF_B_X1, 203, rgb);
    assert_true(is_white(rgb));
    cell_pixel(img, &f, 0, 0, 0.1, 115, rgb);
    assert_true(is_white(rgb));
    /* the upper triangle is blank but for the legend */
    assert_int_equal(figure_cell(&f, 0, 1)->n_series, 0);
    assert_true(figure_cell(&f, 0, 2)->hide & FIGURE_HIDE_AXES);
    assert_int_equal(figure_cell(&f, 0, 2)->n_series, 3);   /* two families and "none" */
    cairo_surface_destroy(img);
    figure_free(&f);

    /* y-space: y* a cross on top; the raw samples' F by family */
    assert_int_equal(figure_pane(s, FIGURE_PANE_FX, &f, &err), 0);
    img = write_and_read(s, FIGURE_PANE_FX, p, sizeof p);
    assert_int_equal(cairo_image_surface_get_width(img), 2 * FIGURE_WIDTH);
    cell_pixel(img, &f, 0, 0, 0.3, -0.2, rgb);
    assert_true(near_color(rgb, FIGURE_TOTAL));
    cell_pixel(img, &f, 0, 0, 0.3 - 0.5, -0.2 - 0.5, rgb);
    assert_true(near_color(rgb, 1));
    cell_pixel(img, &f, 0, 0, 0.3 + 0.27, -0.2 - 0.31, rgb);
    assert_true(is_white(rgb));
    cairo_surface_destroy(img);
    figure_free(&f);

    /* the components: each family's centre beside the box, in its colour */
    assert_int_equal(figure_pane(s, FIGURE_PANE_CLUSTERS, &f, &err), 0);
    img = write_and_read(s, FIGURE_PANE_CLUSTERS, p, sizeof p);
    cell_pixel(img, &f, 0, 0, 1 - 0.13, VF_A_X1, rgb);
    assert_true(near_color(rgb, 0));
    cell_pixel(img, &f, 0, 0, 3 + 0.13, 0, rgb);
    assert_true(near_color(rgb, 1));
    cell_pixel(img, &f, 0, 0, 2.45, 1.7, rgb);
    assert_true(is_white(rgb));
    cairo_surface_destroy(img);
    figure_free(&f);

    /* one y: F of the raw samples as a histogram (two bars: the two
     * families 1 apart), y* a line */
    s->vec.m = 1;
    assert_int_equal(figure_pane(s, FIGURE_PANE_FX, &f, &err), 0);
    assert_true(f.n_series >= 2 && f.series[0].style == FIGURE_BARS);
    assert_true(f.n_marks == 1 && f.marks[0].kind == FIGURE_VLINE && f.marks[0].x == 0.3);
    assert_true(f.x.lo < -0.2 && f.x.hi > 0.8 && f.y.lo == 0);
    double total = 0;   /* the first series drawn is the whole stack: every sample once */
    for (size_t i = 0; i < f.series[0].n; i++)
        total += f.series[0].y[i];
    assert_true(total == 400 && f.y.hi > 400.0 / 4);
    figure_free(&f);
    s->vec.m = 2;
    /* F unknown: no y-space, said; no view yet: every vector pane said */
    s->vec.has_y = 0;
    assert_int_equal(figure_pane(s, FIGURE_PANE_FX, &f, &err), INNX_EINVAL);
    assert_non_null(strstr(err.msg, "y-space"));
    s->has_vector = 0;
    for (int pane = FIGURE_PANE_LATENT; pane < FIGURE_PANE_N; pane++) {
        assert_int_equal(figure_pane(s, pane, &f, &err), INNX_EINVAL);
        assert_non_null(strstr(err.msg, "no samples"));
    }
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_size),       cmocka_unit_test(test_data_where_axes_say),
        cmocka_unit_test(test_log_axis_pixels), cmocka_unit_test(test_svg_well_formed),
        cmocka_unit_test(test_never_over_a_file), cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_formats),        cmocka_unit_test(test_panes),
        cmocka_unit_test(test_bars),           cmocka_unit_test(test_vector_panes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
