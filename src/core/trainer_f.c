/* trainer_f.c: F in the problem's own units for the trainer's parts: the
 * formula, or a table's NN1 between its scalers, and x's domain box. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "innx/expr.h"
#include "innx/nn.h"
#include "trainer_impl.h"

int trainer_build_f_units(trainer *t, graph *g, int x)
{
    if (t->f)
        return expr_build_graph(t->f, g, x);
    const stats_scaler *sx = &t->data.sx, *sy = &t->data.sy;
    int xs = graph_scale(g, graph_offset(g, x, (float)-sx->mean[0]), (float)(1 / sx->scale[0]));
    return graph_offset(g, graph_scale(g, nn_build(t->F, g, xs, 0), (float)sy->scale[0]), (float)sy->mean[0]);
}

void trainer_domain(const trainer *t, double *lo, double *hi)
{
    size_t d = t->p.x_dim;
    memcpy(lo, t->box_lo, d * sizeof *lo);
    memcpy(hi, t->box_hi, d * sizeof *hi);
    if (problem_has_table(&t->p)) {
        stats_scaler_inverse(&t->data.sx, lo, 1);
        stats_scaler_inverse(&t->data.sx, hi, 1);
    }
}

void trainer_roots_fn(void *ctx, const double *x, size_t n, double *f, double *df)
{
    trainer *t = ctx;
    if (t->f) {
        expr_eval_array(t->f, x, n, f, df);
        return;
    }
    /* NN1 in double, in the table's units (one x column): x scaled as NN1
     * reads it, the answer and its slope unscaled; NaN where it fails */
    const trainer_data *d = &t->data;
    double *xs = t->p.x_dim == 1 ? malloc(2 * n * sizeof *xs) : NULL;
    innx_err err;
    int st = xs ? 0 : INNX_ENOMEM;
    if (st == 0) {
        memcpy(xs, x, n * sizeof *xs);
        stats_scaler_transform(&d->sx, xs, n);
        st = nn_eval_f64(t->F, xs, n, f, df ? xs + n : NULL, &err);
    }
    for (size_t i = 0; i < n; i++) {
        f[i] = st == 0 ? f[i] * d->sy.scale[0] + d->sy.mean[0] : NAN;
        if (df)
            df[i] = st == 0 ? xs[n + i] * d->sy.scale[0] / d->sx.scale[0] : NAN;
    }
    free(xs);
}
