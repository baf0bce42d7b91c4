/* export.c: the `x` key: the zoomed pane's data as CSV (libcsv quoting,
 * a temporary file renamed into place), from the snapshot the screen
 * shows; never over an existing file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "innx/dataset.h"
#include "innx/report_vector.h"
#include "innx/safefile.h"
#include "tui_state.h"
#include "export.h"

#define FX_POINTS 1001
#define MAX_COLS (TERM_N + 3 + 2 * PROBLEM_MAX_X)

static const char *const pane_names[PANE_N] = {"loss", "latent", "fx", "clusters"};

typedef struct table {
    const char *names[MAX_COLS];
    char own[MAX_COLS][48];
    size_t cols, rows;
    double *v;
} table;

static int grow(table *tb, size_t rows, innx_err *err)
{
    tb->rows = rows;
    tb->v = calloc(rows ? rows * tb->cols : 1, sizeof *tb->v);
    return tb->v ? 0 : innx_errf(err, INNX_ENOMEM, "out of memory");
}

static void name(table *tb, const char *fmt, const char *a)
{
    snprintf(tb->own[tb->cols], sizeof tb->own[tb->cols], fmt, a);
    tb->names[tb->cols] = tb->own[tb->cols];
    tb->cols++;
}

/* the loss history as the pane holds it: step, every term, the total */
static int loss_table(const session_snapshot *s, table *tb, innx_err *err)
{
    name(tb, "%s", "step");
    for (int k = 0; k < TERM_N; k++)
        name(tb, "%s", problem_term_name((problem_term)k));
    name(tb, "%s", "total");
    if (grow(tb, s->hist_n, err) != 0)
        return INNX_ENOMEM;
    for (size_t i = 0; i < s->hist_n; i++) {
        double *r = tb->v + i * tb->cols;
        r[0] = (double)s->hist_step[i];
        for (int k = 0; k <= TERM_N; k++)
            r[1 + k] = s->hist[k][i];
    }
    return 0;
}

static int latent_table(const session_snapshot *s, table *tb, innx_err *err)
{
    if (s->has_data) {   /* a table: predicted and real traits of held-out rows */
        const session_data_view *d = &s->data;
        for (size_t j = 0; j < d->d; j++)
            name(tb, "pred_%s", d->names[j]);
        for (size_t j = 0; j < d->d; j++)
            name(tb, "real_%s", d->names[j]);
        if (grow(tb, d->n, err) != 0)
            return INNX_ENOMEM;
        for (size_t i = 0; i < d->n; i++)
            for (size_t j = 0; j < d->d; j++) {
                tb->v[i * tb->cols + j] = d->pred[i][j];
                tb->v[i * tb->cols + d->d + j] = d->real[i][j];
            }
        return 0;
    }
    if (!s->has_report)
        return innx_errf(err, INNX_EINVAL, "no latent map yet");
    const report_latent *r = &s->report;
    name(tb, "%s", s->latent ? "z" : "y");
    name(tb, "%s", "x");
    name(tb, "%s", "f_minus_y");
    name(tb, "%s", "cluster");
    if (grow(tb, r->n, err) != 0)
        return INNX_ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        double *row = tb->v + i * tb->cols;
        row[0] = r->u[i], row[1] = r->x[i], row[2] = r->f[i], row[3] = (double)r->label[i];
    }
    return 0;
}

static int fx_table(const tui *t, table *tb, innx_err *err)
{
    const session_snapshot *s = &t->snap;
    if (s->has_data) {   /* a table: both segmentations on the real traits' PCs */
        const session_data_view *d = &s->data;
        const char *n[6] = {"pc1_pred", "pc2_pred", "segment_pred", "pc1_real", "pc2_real", "segment_real"};
        for (int j = 0; j < 6; j++)
            name(tb, "%s", n[j]);
        if (grow(tb, d->n, err) != 0)
            return INNX_ENOMEM;
        for (size_t i = 0; i < d->n; i++) {
            double *r = tb->v + i * tb->cols;
            /* segments from 1, as on screen ("seg 1" ...) */
            r[0] = d->pca_pred[i][0], r[1] = d->pca_pred[i][1], r[2] = d->label_pred[i] + 1;
            r[3] = d->pca_real[i][0], r[4] = d->pca_real[i][1], r[5] = d->label_real[i] + 1;
        }
        return 0;
    }
    if (!t->f)
        return innx_errf(err, INNX_EINVAL, "no formula to plot");
    name(tb, "%s", "x");
    name(tb, "%s", "f");
    if (grow(tb, FX_POINTS, err) != 0)
        return INNX_ENOMEM;
    for (size_t i = 0; i < FX_POINTS; i++) {
        double x = s->x_lo + (s->x_hi - s->x_lo) * (double)i / (FX_POINTS - 1);
        tb->v[2 * i] = x;
        tb->v[2 * i + 1] = expr_eval(t->f, &x, NULL);
    }
    return 0;
}

static int clusters_table(const session_snapshot *s, table *tb, innx_err *err)
{
    if (s->has_data) {   /* a table: the segments' mean traits, predicted and real */
        const session_data_view *d = &s->data;
        name(tb, "%s", "segment");
        name(tb, "%s", "count_pred");
        for (size_t j = 0; j < d->d; j++)
            name(tb, "pred_%s", d->names[j]);
        name(tb, "%s", "segment_real");
        name(tb, "%s", "count_real");
        for (size_t j = 0; j < d->d; j++)
            name(tb, "real_%s", d->names[j]);
        if (grow(tb, d->k, err) != 0)
            return INNX_ENOMEM;
        for (size_t c = 0; c < d->k; c++) {
            double *r = tb->v + c * tb->cols;
            size_t m = d->match[c] < REPORT_MAX_K ? d->match[c] : 0;
            /* segments count from 1, as the table and the legend say */
            r[0] = (double)(c + 1), r[1] = (double)d->count_pred[c];
            for (size_t j = 0; j < d->d; j++)
                r[2 + j] = d->seg_pred[c][j];
            r[2 + d->d] = (double)(m + 1), r[3 + d->d] = (double)d->count_real[m];
            for (size_t j = 0; j < d->d; j++)
                r[4 + d->d + j] = d->seg_real[m][j];
        }
        return 0;
    }
    /* the last query's roots, as the pane lists them: only while the pane
     * shows them (a new formula or problem zeroes the query but keeps its
     * count, and the pane then shows the clusters: so must the file) */
    if (view_has_query(s)) {
        const report_query *q = &s->query;
        const char *n[5] = {"y", "x", "residual", "residual_raw", "bracketed"};
        for (int j = 0; j < 5; j++)
            name(tb, "%s", n[j]);
        if (grow(tb, q->n_roots, err) != 0)
            return INNX_ENOMEM;
        for (size_t i = 0; i < q->n_roots; i++) {
            double *r = tb->v + i * tb->cols;
            r[0] = q->y, r[1] = q->roots[i].x, r[2] = q->roots[i].residual;
            r[3] = q->roots[i].residual_raw, r[4] = q->roots[i].bracketed;
        }
        return 0;
    }
    if (!s->has_report)
        return innx_errf(err, INNX_EINVAL, "no clusters yet");
    const report_latent *r = &s->report;
    const char *n[9] = {"cluster", "count", "centroid", "mean_abs_f", "ci_lo", "ci_hi", "root", "residual",
                        "bracketed"};
    for (int j = 0; j < 9; j++)
        name(tb, "%s", n[j]);
    if (grow(tb, r->k, err) != 0)
        return INNX_ENOMEM;
    for (size_t c = 0; c < r->k; c++) {
        const report_cluster *cl = &r->c[c];
        double *row = tb->v + c * tb->cols;
        row[0] = (double)c, row[1] = (double)cl->count, row[2] = cl->centroid, row[3] = cl->mean_abs_f;
        row[4] = cl->ci_lo, row[5] = cl->ci_hi;
        row[6] = cl->polished ? cl->root.x : NAN, row[7] = cl->polished ? cl->root.residual : NAN;
        row[8] = cl->polished && cl->root.bracketed;
    }
    return 0;
}

/* A vector problem's panes: the samples at y* as the pair plot draws them
 * (x, family from 1 as the table numbers them, certified), y-space (F of the
 * raw and the polished samples) or the families. */
static int vector_table(const session_snapshot *s, int pane, table *tb, innx_err *err)
{
    const session_vector_view *d = &s->vec;
    char buf[48];
    if (!s->has_vector)
        return innx_errf(err, INNX_EINVAL, "no samples yet");
    size_t N = d->samples < SESSION_VECTOR_N ? d->samples : SESSION_VECTOR_N, n = d->n, m = d->m;
    if (pane == PANE_FX) {
        if (!d->has_y)
            return innx_errf(err, INNX_EINVAL, "no F to run the samples through");
        for (size_t j = 0; j < m; j++) {
            snprintf(buf, sizeof buf, "y%zu_raw", j + 1);
            name(tb, "%s", buf);
        }
        for (size_t j = 0; j < m; j++) {
            snprintf(buf, sizeof buf, "y%zu_polished", j + 1);
            name(tb, "%s", buf);
        }
        if (grow(tb, N, err) != 0)
            return INNX_ENOMEM;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < m; j++) {
                tb->v[i * tb->cols + j] = d->y_raw[i][j];
                tb->v[i * tb->cols + m + j] = d->random ? NAN : d->y_pol[i][j];
            }
        return 0;
    }
    if (pane == PANE_CLUSTERS) {
        name(tb, "%s", "family");
        name(tb, "%s", "count");
        name(tb, "%s", "count_certified");
        for (size_t j = 0; j < n; j++) {
            snprintf(buf, sizeof buf, "centroid_x%zu", j + 1);
            name(tb, "%s", buf);
        }
        size_t k = d->k < 16 ? d->k : 16;
        if (grow(tb, k, err) != 0)
            return INNX_ENOMEM;
        for (size_t c = 0; c < k; c++) {
            double *r = tb->v + c * tb->cols;
            r[0] = (double)(c + 1), r[1] = (double)d->count[c], r[2] = (double)d->count_certified[c];
            for (size_t j = 0; j < n; j++)
                r[3 + j] = d->centroid[c][j];
        }
        return 0;
    }
    for (size_t j = 0; j < n; j++) {
        snprintf(buf, sizeof buf, "x%zu", j + 1);
        name(tb, "%s", buf);
    }
    name(tb, "%s", "family");
    name(tb, "%s", "certified");
    if (grow(tb, N, err) != 0)
        return INNX_ENOMEM;
    for (size_t i = 0; i < N; i++) {
        double *r = tb->v + i * tb->cols;
        for (size_t j = 0; j < n; j++)
            r[j] = d->x[i][j];
        r[n] = d->label[i] == REPORT_VECTOR_NO_FAMILY ? NAN : d->label[i] + 1;
        r[n + 1] = d->certified[i];
    }
    return 0;
}

int tui_export(const tui *t, char *path, size_t len, innx_err *err)
{
    if (t->zoom < 0 || t->zoom >= PANE_N)
        return innx_errf(err, INNX_EINVAL, "zoom a pane first (1-4), then x writes its data");
    table tb;
    memset(&tb, 0, sizeof tb);
    int st;
    switch (t->snap.vector && t->zoom != PANE_LOSS ? -1 : t->zoom) {
    case -1: st = vector_table(&t->snap, t->zoom, &tb, err); break;
    case PANE_LOSS: st = loss_table(&t->snap, &tb, err); break;
    case PANE_LATENT: st = latent_table(&t->snap, &tb, err); break;
    case PANE_FX: st = fx_table(t, &tb, err); break;
    default: st = clusters_table(&t->snap, &tb, err); break;
    }
    /* a name no file has: innx-PROBLEM-PANE-STEP[-N].csv, taken with
     * link() so that a file made meanwhile is not replaced either */
    int written = 0;
    for (int i = 0; st == 0 && !written && i < 1000; i++) {
        if (i == 0)
            snprintf(path, len, "innx-%s-%s-%ld.csv", t->snap.problem, pane_names[t->zoom], t->snap.step);
        else
            snprintf(path, len, "innx-%s-%s-%ld-%d.csv", t->snap.problem, pane_names[t->zoom], t->snap.step, i);
        if (access(path, F_OK) == 0)
            continue;
        st = dataset_write_csv(path, tb.names, tb.cols, tb.v, tb.rows, NULL, SAFEFILE_NEW, err);
        if (st == SAFEFILE_EEXIST)
            st = 0;   /* taken since access(): the next name */
        else
            written = st == 0;
    }
    if (st == 0 && !written)
        st = innx_errf(err, INNX_EIO, "innx-%s-%s-%ld-*.csv: a thousand names are taken", t->snap.problem,
                       pane_names[t->zoom], t->snap.step);
    free(tb.v);
    return st;
}
