/* figure.h: a pane as a figure: a small plot description (axes, series,
 * marks, legend) rendered by cairo to SVG, PNG or PDF, and the panes' own. */
#ifndef INNX_FIGURE_H
#define INNX_FIGURE_H

#include <stddef.h>

#include "innx/error.h"

struct session_snapshot;

/* Colours are the terminal panes' series ids (src/tui/term.h): 0..9 the
 * curves (loss terms and total, clusters), then these marks. */
enum {
    FIGURE_N_CURVES = 10,
    FIGURE_TOTAL = 9,          /* the loss total (white in the terminal) */
    FIGURE_RULE = 10,          /* y* line, the diagonal */
    FIGURE_MARK = 11,          /* lambda changes */
    FIGURE_REF = 12,           /* the classical scan's roots */
    FIGURE_N_COLORS = 13
};
/* The colour of series id c (any int: taken modulo FIGURE_N_COLORS) as
 * 0..1 RGB on the figures' white background. */
void figure_color(int c, double rgb[3]);

/* FIGURE_BARS: a bar at each x (its centre) from the series' base (0 by
 * default; the axis' low end on a log axis) to y, size wide in data units
 * (0: the smallest step between neighbouring x's): histograms, boxes. */
typedef enum { FIGURE_LINE = 0, FIGURE_POINTS, FIGURE_BARS } figure_style;
typedef enum {
    FIGURE_DOT = 0,            /* a filled disc */
    FIGURE_RING,               /* a hollow circle */
    FIGURE_CROSS,              /* x */
    FIGURE_PLUS,               /* + */
    FIGURE_DIAMOND             /* filled */
} figure_marker;

typedef struct figure_series {
    figure_style style;
    figure_marker marker;      /* FIGURE_POINTS */
    int color;
    double size;               /* line width, marker radius (px at 1x) or bar width (data); 0 = default */
    double base;               /* FIGURE_BARS: where the bars start */
    double alpha;              /* 0 = opaque */
    char label[64];            /* in the legend unless empty */
    int rank;                  /* legend order (lower first; ties keep series order) */
    size_t n;
    double *x, *y;             /* owned by the figure; NaN breaks a line */
} figure_series;

typedef enum { FIGURE_VLINE = 0, FIGURE_HLINE, FIGURE_SEGMENT } figure_mark_kind;
typedef struct figure_mark {
    figure_mark_kind kind;
    double x, y, x1, y1;       /* vline at x, hline at y, segment (x, y)-(x1, y1) */
    int color;
    int dashed;
    char label[64];            /* in the legend unless empty (one entry per label) */
} figure_mark;

typedef struct figure_axis {
    double lo, hi;             /* hi > lo; a log axis needs lo > 0 */
    int log;
    char label[96];
    /* linear: majors every `step` (0: chosen from the range) labelled by
     * printf(`format`, value) ("": the fewest decimals that tell them
     * apart); "x%.0f" at step 1 names components */
    double step;
    char format[16];
} figure_axis;

/* What a figure leaves out (figure.hide): a grid's inner cells their tick
 * labels, a legend cell everything but its legend. */
enum {
    FIGURE_HIDE_X = 1,         /* the x tick labels and the x label (ticks stay) */
    FIGURE_HIDE_Y = 2,         /* the same for y */
    FIGURE_HIDE_AXES = 4       /* frame, grid, ticks and data: the legend alone, top right */
};

/* Where the legend goes: in the plot's emptiest corner (matplotlib's
 * "best"), or beside it on the right (a long one), the plot narrowed. */
enum { FIGURE_LEGEND_IN = 1, FIGURE_LEGEND_RIGHT = 2 };

typedef struct figure {
    char title[160];
    figure_axis x, y;
    int legend;                /* 0 none, FIGURE_LEGEND_IN or FIGURE_LEGEND_RIGHT */
    /* the plot area's margins in px; 0 = fit to the labels (tests set them
     * to know where a data point must land) */
    double margin[4];          /* left, right, top, bottom */
    unsigned hide;             /* FIGURE_HIDE_* bits */
    int width, height;         /* the size figure_write_pane renders (0: FIGURE_WIDTH x FIGURE_HEIGHT) */
    size_t n_series, n_marks;
    figure_series *series;
    figure_mark *marks;
    size_t cap_series, cap_marks;
    /* A grid (figure_set_grid): rows x cols figures drawn side by side in
     * one image under this one's title, which draws nothing else. Cells
     * share the outer margins (fitted to the labels of the left column and
     * the bottom row); a cell with no series and no marks stays blank. */
    size_t rows, cols;
    struct figure *cells;      /* row-major, owned */
} figure;

void figure_init(figure *f);
void figure_free(figure *f);
/* A series of n points (copied); returns it to set style and colour, or
 * NULL when out of memory. */
figure_series *figure_add_series(figure *f, figure_style style, int color, const char *label, const double *x,
                                 const double *y, size_t n);
figure_mark *figure_add_mark(figure *f, figure_mark_kind kind, double x, double y, int color, const char *label);
/* Make f a grid of rows x cols empty figures (figure_init'ed, no legend);
 * INNX_ENOMEM, or INNX_EINVAL for 0 or more than 16 a side. */
int figure_set_grid(figure *f, size_t rows, size_t cols);
figure *figure_cell(figure *f, size_t row, size_t col);
/* The axes' ranges from the data when lo >= hi (finite values; positive
 * ones on a log axis), with a little air. */
void figure_autorange(figure *f);

/* Formats, as a bit set. */
enum { FIGURE_SVG = 1, FIGURE_PNG = 2, FIGURE_PDF = 4 };
#define FIGURE_DEFAULT_FORMATS (FIGURE_SVG | FIGURE_PNG)
/* "svg,png,pdf" -> bits; -1 when a name is unknown or the list is empty. */
int figure_parse_formats(const char *s, unsigned *formats);
const char *figure_format_ext(unsigned one_format);

#define FIGURE_WIDTH 800      /* px (PNG) or pt (SVG, PDF) */
#define FIGURE_HEIGHT 500
/* Render f to path in one format at width x height (a PNG at scale 2
 * has twice the pixels: the same figure, sharper). Written beside path
 * and linked into place: an existing file is never replaced (the status
 * is then SAFEFILE_EEXIST, from safefile.h). */
int figure_render(const figure *f, unsigned format, const char *path, int width, int height, double scale,
                  innx_err *err);
/* Where data (x, y) lands in a width x height render (px at scale 1),
 * and the plot area (x0, y0, x1, y1): what the renderer itself uses. */
void figure_map(const figure *f, int width, int height, double x, double y, double *px, double *py,
                double area[4]);
/* The same in cell (row, col) of a grid: what the renderer uses there. */
void figure_map_cell(const figure *f, int width, int height, size_t row, size_t col, double x, double y, double *px,
                     double *py, double area[4]);

/* The major ticks a render puts on axis a when it aims at `target` of
 * them: values and labels (decades of a log axis labelled "10^e"). */
size_t figure_axis_ticks(const figure_axis *a, int target, double *v, char (*label)[32], size_t max);

/* ---- the panes (panes.c) ----------------------------------------------- */

/* The explorer's four panes (layout.h's order: PANE_LOSS ...). */
enum { FIGURE_PANE_LOSS = 0, FIGURE_PANE_LATENT, FIGURE_PANE_FX, FIGURE_PANE_CLUSTERS, FIGURE_PANE_N };
const char *figure_pane_name(int pane);   /* "loss", "latent", "fx", "clusters" (the CSV export's) */

/* What pane `pane` of s shows, as a figure (f initialised here; free it
 * after). INNX_EINVAL with the reason when the snapshot has nothing for
 * that pane yet (no latent map, no data view...). */
int figure_pane(const struct session_snapshot *s, int pane, figure *f, innx_err *err);

/* The pane's figure in every format of `formats` under dir, named as the
 * CSV export: innx-PROBLEM-PANE-STEP.EXT (then -1, -2... when taken),
 * never over an existing file; one name for every format (the first
 * free for all). written gets the paths, comma-separated. */
int figure_write_pane(const struct session_snapshot *s, int pane, const char *dir, unsigned formats, char *written,
                      size_t len, innx_err *err);

#endif
