/* panes_impl.h: what panes.c and the vector problems' panes
 * (panes_vector.c) share inside src/fig/. */
#ifndef INNX_PANES_IMPL_H
#define INNX_PANES_IMPL_H

#include "innx/figure.h"
#include "innx/session.h"

/* A vector problem's panes from its vector view (s->vec): the pair plot of
 * the answers (latent), y-space (fx), each component's quantiles with the
 * families' centres (clusters). INNX_EINVAL when there is no view yet. */
int fig_vec_pairs(const session_snapshot *s, figure *f, innx_err *err);
int fig_vec_y(const session_snapshot *s, figure *f, innx_err *err);
int fig_vec_marginals(const session_snapshot *s, figure *f, innx_err *err);

#endif
