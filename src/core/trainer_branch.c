/* trainer_branch.c: the branch model, the automatic latent partition.
 * z picks one of f's monotone pieces [c, c + D] (each holds at most one
 * root of f(x) = y); G answers x = c + D sigmoid(logit s0(t) + u), where
 * t = (y - f(c)) / (f(c + D) - f(c)) is y's place in the piece's range,
 * s0 the inverse of the piece's typical shape (a half wave between two
 * turning points, a parabola's side at one) and u the network's
 * correction from (s0, a one-hot code of the piece). The ends are exact
 * and x stays in its piece by construction; the network learns the rest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_impl.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Keeps logit s0 finite at the ends. */
#define S_EDGE 1e-7
/* The Newton-normalised residual's guard where f' = 0: a hundredth of
 * the piece's rise. */
#define ETA 1e-2

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* s0(t): where in the piece (0..1) a piece of this shape reaches t. */
static double shape(const pieces_piece *q, double t)
{
    if (q->lo_turn && q->hi_turn)
        return acos(1 - 2 * t) / M_PI;   /* (1 - cos pi s) / 2 = t */
    if (q->lo_turn)
        return sqrt(t);                  /* s^2 = t */
    if (q->hi_turn)
        return 1 - sqrt(1 - t);          /* 1 - (1 - s)^2 = t */
    return t;
}

static double logit(double s)
{
    s = s < S_EDGE ? S_EDGE : s > 1 - S_EDGE ? 1 - S_EDGE : s;
    return log(s / (1 - s));
}

/* The piece code u in [0, 1) picks. */
static size_t piece_of(const trainer *t, double z)
{
    double j = floor(z * (double)t->n_pieces);
    return j < 0 ? 0 : j >= (double)t->n_pieces ? t->n_pieces - 1 : (size_t)j;
}

/* y's place in piece j, t = (y - f(c)) / rise, through the piece's shape,
 * then through the knots: the inverse of sigma(x) = shape(t(x)) at 33
 * points evenly spaced in x, linear between them. The shape takes the
 * square-root ends, the knots whatever else the piece does (e^x on
 * [0, 20], or a pole's piece, crowd most y into a sliver of t). */
static double start(const trainer *t, size_t j, double y)
{
    const pieces_piece *q = &t->pieces[j];
    const double *k = t->knot[j];
    double sg = shape(q, clamp01((y - q->f_lo) / (q->f_hi - q->f_lo)));
    size_t lo = 0, hi = BRANCH_KNOTS;
    while (hi - lo > 1) {
        size_t m = (lo + hi) / 2;
        if (k[m] <= sg)
            lo = m;
        else
            hi = m;
    }
    double d = k[hi] - k[lo], u = d > 0 ? (sg - k[lo]) / d : 0;
    return ((double)lo + clamp01(u)) / BRANCH_KNOTS;
}

/* G's input row for y in piece j (the shape 2 s0 - 1, then the one-hot
 * code) and logit s0; 0 when y is outside the piece's range. */
static int features(const trainer *t, size_t j, double y, double *row, double *lg)
{
    const pieces_piece *q = &t->pieces[j];
    if (!pieces_holds(q, y))
        return 0;
    double s0 = start(t, j, y);
    row[0] = 2 * s0 - 1;
    for (size_t k = 0; k + 1 < t->branch_w; k++)
        row[1 + k] = k == j;
    *lg = logit(s0);
    return 1;
}

int branch_on_table(const trainer *t) { return t->p.output == PROBLEM_OUT_BRANCH && !t->f; }

int branch_pieces(trainer *t, innx_err *err)
{
    double lo, hi;
    trainer_domain(t, &lo, &hi);
    const char *what = t->f ? t->p.formula : "NN1";
    if (pieces_find(trainer_roots_fn, t, lo, hi, 0, t->pieces, PIECES_MAX, &t->n_pieces, err) != 0)
        return INNX_EINVAL;
    if (t->n_pieces == 0)
        return innx_errf(err, INNX_EINVAL, "%s: %s is constant on [%g, %g]; nothing to invert",
                         t->f ? "formula" : "the branch model", what, lo, hi);
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t j = 0; j < t->n_pieces; j++) {
        const pieces_piece *q = &t->pieces[j];
        ylo = fmin(ylo, fmin(q->f_lo, q->f_hi));
        yhi = fmax(yhi, fmax(q->f_lo, q->f_hi));
        for (size_t k = 0; k <= BRANCH_KNOTS; k++) {
            double x = k == BRANCH_KNOTS ? q->hi : q->lo + (q->hi - q->lo) * (double)k / BRANCH_KNOTS, fx;
            trainer_roots_fn(t, &x, 1, &fx, NULL);
            fx = k == 0 ? q->f_lo : k == BRANCH_KNOTS ? q->f_hi : fx;
            t->knot[j][k] = shape(q, clamp01((fx - q->f_lo) / (q->f_hi - q->f_lo)));
        }
    }
    if (!t->f && ylo < yhi) {   /* a table's y range: NN1's over the domain */
        t->p.y_lo = ylo;
        t->p.y_hi = yhi;
    }
    return 0;
}

int branch_init(trainer *t, nn_spec *spec, innx_err *err)
{
    /* a table's pieces wait for NN1 (branch_pieces at the inverse stage) */
    if (!branch_on_table(t) && branch_pieces(t, err) != 0)
        return INNX_EINVAL;
    t->branch_w = 1 + (branch_on_table(t) ? PIECES_MAX : t->n_pieces);
    spec->widths[0] = t->branch_w;
    /* the batch's scratch, once: the branch stage draws batch_n rows */
    size_t n = t->p.batch_n;
    if (!(t->branch_piece = malloc(n * sizeof *t->branch_piece)) ||
        !(t->branch_buf = malloc(4 * n * sizeof *t->branch_buf)))
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    return 0;
}

void branch_fill_batch(trainer *t, stage_graph *s)
{
    graph *g = s->g;
    size_t w = t->branch_w, n = s->rows;
    gsl_matrix_float *in = graph_value(g, s->gin), *Y = graph_value(g, s->y), *S = graph_value(g, s->xs);
    double row[1 + PIECES_MAX];
    /* draw every row's piece and place first, then f and f' in one call
     * (NN1 in double costs a pass a call, not a row); the scratch is the
     * trainer's, sized at branch_init */
    size_t *pj = t->branch_piece;
    double *vs = t->branch_buf, *xs = vs + n, *ys = vs + 2 * n, *ds = vs + 3 * n;
    for (size_t i = 0; i < n; i++) {
        pj[i] = piece_of(t, gsl_rng_uniform(t->rng));
        vs[i] = gsl_rng_uniform(t->rng);
        xs[i] = t->pieces[pj[i]].lo + (t->pieces[pj[i]].hi - t->pieces[pj[i]].lo) * vs[i];
    }
    trainer_roots_fn(t, xs, n, ys, ds);
    for (size_t i = 0; i < n; i++) {
        size_t j = pj[i];
        const pieces_piece *q = &t->pieces[j];
        double span = q->hi - q->lo, v = vs[i], y = ys[i], d = ds[i], lg;
        if (!features(t, j, y, row, &lg)) {   /* rounding at an end: the end itself */
            y = v < 0.5 ? q->f_lo : q->f_hi;
            v = v < 0.5 ? 0 : 1;
            features(t, j, y, row, &lg);
        }
        for (size_t k = 0; k < w; k++)
            gsl_matrix_float_set(in, i, k, (float)row[k]);
        gsl_matrix_float_set(Y, i, 0, (float)y);
        gsl_matrix_float_set(S, i, 0, (float)v);
        gsl_matrix_float_set(graph_value(g, s->lg), i, 0, (float)lg);
        gsl_matrix_float_set(graph_value(g, s->blo), i, 0, (float)q->lo);
        gsl_matrix_float_set(graph_value(g, s->bspan), i, 0, (float)span);
        /* ((f(G) - y) / (|f'| D))^2 is (s - s*)^2 near the answer */
        double scale = (isfinite(d) ? fabs(d) : 0) * span + ETA * fabs(q->f_hi - q->f_lo);
        gsl_matrix_float_set(graph_value(g, s->bw), i, 0, (float)(1 / (scale * scale)));
    }
}

/* recon = mean (s - s*)^2 in the piece's own units, cyc = the
 * Newton-normalised residual; returns x. */
int branch_build(trainer *t, stage_graph *s, graph *g)
{
    size_t n = s->rows;
    s->gin = graph_feed(g, n, t->branch_w);
    s->y = graph_feed(g, n, 1);
    s->xs = graph_feed(g, n, 1);
    s->lg = graph_feed(g, n, 1);
    s->bw = graph_feed(g, n, 1);
    s->blo = graph_feed(g, n, 1);
    s->bspan = graph_feed(g, n, 1);
    int sn = graph_sigmoid(g, graph_add(g, nn_build(t->G, g, s->gin, 1), s->lg));
    s->term[TERM_RECON] = graph_mse(g, sn, s->xs);
    int x = graph_add(g, s->blo, graph_mul(g, s->bspan, sn));
    int fx = trainer_build_f_units(t, g, x);
    s->term[TERM_CYC] = graph_mean(g, graph_mul(g, s->bw, graph_square(g, graph_sub(g, fx, s->y))));
    return x;
}

/* Rows (y, z): NaN where y is outside the picked piece's range. */
int branch_eval(trainer *t, const double *in, size_t n, double *x, innx_err *err)
{
    size_t w = t->branch_w, m = 0;
    double *rows = malloc(n * w * sizeof *rows), *lg = malloc(n * sizeof *lg), *u = malloc(n * sizeof *u);
    size_t *idx = malloc(n * sizeof *idx);
    if (!rows || !lg || !u || !idx) {
        free(rows), free(lg), free(u), free(idx);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = NAN;
        if (!t->n_pieces)   /* a table's, before NN1 is fitted */
            continue;
        size_t j = piece_of(t, in[2 * i + 1]);
        if (isfinite(in[2 * i]) && features(t, j, in[2 * i], rows + m * w, &lg[m]))
            idx[m++] = i;
    }
    int st = m ? nn_eval(t->G, rows, m, u, err) : 0;
    for (size_t k = 0; st == 0 && k < m; k++) {
        const pieces_piece *q = &t->pieces[piece_of(t, in[2 * idx[k] + 1])];
        x[idx[k]] = q->lo + (q->hi - q->lo) / (1 + exp(-(lg[k] + u[k])));
    }
    free(rows), free(lg), free(u), free(idx);
    return st;
}

int trainer_bracket(const trainer *t, const double *in, double *lo, double *hi)
{
    if (t->p.output != PROBLEM_OUT_BRANCH || !t->n_pieces)
        return 0;
    const pieces_piece *q = &t->pieces[piece_of(t, in[1])];
    if (!pieces_holds(q, in[0]))
        return 0;
    *lo = q->lo;
    *hi = q->hi;
    return 1;
}

size_t trainer_n_pieces(const trainer *t) { return t->n_pieces; }
const pieces_piece *trainer_piece(const trainer *t, size_t i) { return i < t->n_pieces ? &t->pieces[i] : NULL; }
