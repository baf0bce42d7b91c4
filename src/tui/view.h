/* view.h: what every pane draws from (the copied snapshot and the UI's own
 * state) and the pane interface: a small table of functions, as in htop. */
#ifndef INNX_TUI_VIEW_H
#define INNX_TUI_VIEW_H

#include <curses.h>

#include "innx/expr.h"
#include "innx/session.h"
#include "canvas.h"
#include "term.h"

typedef struct tui_view {
    const session_snapshot *snap;
    const term_caps *caps;
    int sel;                 /* selected term, -1 none */
    int loss_log;            /* loss pane on a log axis */
    const expr *f;           /* the snapshot's formula parsed (one variable), or NULL */
    const double *lambda;    /* lambdas as the UI last set them (shown at once) */
    int pair_page;           /* the pair plot's page (any int: the pane wraps it) */
} tui_view;

typedef struct pane pane;
typedef struct pane_ops {
    const char *name;
    /* Draw into w (already erased; its size is the pane's rectangle). */
    void (*draw)(pane *p, WINDOW *w, const tui_view *v);
} pane_ops;

struct pane {
    const pane_ops *ops;
    canvas cv;               /* kept across frames: resized only with the pane */
};

/* A query to show: one was answered and a problem switch has not cleared
 * it (the session then zeroes the query but keeps its count). */
static inline int view_has_query(const session_snapshot *s)
{
    const report_query *q = &s->query;
    return s->query_id > 0 && (q->n_roots || q->n_ref || q->n_candidates);
}

/* Why the query's failed candidates failed, when the session knows
 * (outside the domain); 0 and buf empty when it does not. */
int view_query_reason(const session_snapshot *s, char *buf, size_t n);

extern const pane_ops pane_loss_ops, pane_latent_ops, pane_fx_ops, pane_clusters_ops;
/* a table problem's panes in the latent, f(x) and clusters places (pane_data.c) */
extern const pane_ops pane_data_traits_ops, pane_data_pca_ops, pane_data_segments_ops;
/* a vector problem's panes in the same places: the pair plot
 * (pane_pairs.c), y-space and the samples' table (pane_vector.c) */
extern const pane_ops pane_vector_pairs_ops, pane_vector_y_ops, pane_vector_table_ops;

/* A pane whose place another kind of problem fills with its own view: a
 * vector problem's (vec) or a table's (data); 1 when it drew. */
static inline int view_delegate(pane *p, WINDOW *w, const tui_view *v, const pane_ops *vec, const pane_ops *data)
{
    const pane_ops *o = v->snap->vector ? vec : v->snap->has_data || !v->snap->has_formula ? data : NULL;
    if (o)
        o->draw(p, w, v);
    return o != NULL;
}

#endif
