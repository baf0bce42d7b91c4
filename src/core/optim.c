/* optim.c: Adam, ReduceLROnPlateau and early stopping, following PyTorch's
 * semantics so runs line up with the reference scripts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hot.h"
#include "innx/optim.h"

#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif

struct optim_adam {
    optim_params p;              /* borrowed */
    optim_adam_conf c;
    gsl_matrix_float **m, **v;   /* first and second moments, per tensor */
    size_t t;
};

optim_adam *optim_adam_alloc(const optim_params *p, optim_adam_conf conf)
{
    optim_adam *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->p = *p;
    a->c = conf;
    a->m = calloc(p->n ? p->n : 1, sizeof *a->m);
    a->v = calloc(p->n ? p->n : 1, sizeof *a->v);
    if (!a->m || !a->v)
        goto fail;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->grad[i])
            continue;
        a->m[i] = gsl_matrix_float_calloc(p->val[i]->size1, p->val[i]->size2);
        a->v[i] = gsl_matrix_float_calloc(p->val[i]->size1, p->val[i]->size2);
        if (!a->m[i] || !a->v[i])
            goto fail;
    }
    return a;
fail:
    optim_adam_free(a);
    return NULL;
}

void optim_adam_free(optim_adam *a)
{
    if (!a)
        return;
    for (size_t i = 0; a->m && a->v && i < a->p.n; i++) {
        if (a->m[i]) gsl_matrix_float_free(a->m[i]);
        if (a->v[i]) gsl_matrix_float_free(a->v[i]);
    }
    free(a->m);
    free(a->v);
    free(a);
}

/* The update loop is HOT (hot.h), as graph.c's element-wise loops: each
 * element's arithmetic is the same, in the same order, so both clones give
 * the same bits. */

typedef struct { float b1, b2, nb1, nb2, wd, eps, step, sqrt_bc2; } adam_k;

/* one stretch of len contiguous values */
HOT static void adam_update(const adam_k *k, float *restrict p, const float *restrict g,
                            float *restrict m, float *restrict v, size_t len)
{
    const adam_k c = *k;
    for (size_t j = 0; j < len; j++) {
        float gj = g[j] + c.wd * p[j];
        m[j] = c.b1 * m[j] + c.nb1 * gj;
        v[j] = c.b2 * v[j] + c.nb2 * gj * gj;
        p[j] -= c.step * (m[j] / (sqrtf(v[j]) / c.sqrt_bc2 + c.eps));
    }
}

static int dense(const gsl_matrix_float *M) { return M->tda == M->size2; }

/* torch.optim.Adam (amsgrad=False):
 *   g += wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)          */
void optim_adam_step(optim_adam *a)
{
    a->t++;
    /* 1 - beta in double, then float, as torch does: 1 - 0.9f is 0.100000024. */
    adam_k k;
    k.b1 = (float)a->c.beta1;
    k.b2 = (float)a->c.beta2;
    k.nb1 = (float)(1.0 - a->c.beta1);
    k.nb2 = (float)(1.0 - a->c.beta2);
    k.wd = (float)a->c.weight_decay;
    k.eps = (float)a->c.eps;
    const double bc1 = 1.0 - pow(a->c.beta1, (double)a->t);
    const double bc2 = 1.0 - pow(a->c.beta2, (double)a->t);
    k.step = (float)(a->c.lr / bc1);
    k.sqrt_bc2 = (float)sqrt(bc2);
#ifdef HAVE_MXCSR
    /* Subnormal floats flushed to zero for the update: a weight whose
     * gradient stays 0 (a dead ReLU unit's) decays its moments through the
     * subnormals, where each multiply takes a microcode assist (innx train
     * ik: Adam 12% of the run, 2% of a fresh bench). Nothing in Adam's
     * answer rests on values below 1.2e-38 (eps is 1e-8). */
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);   /* FTZ | DAZ */
#endif
    for (size_t i = 0; i < a->p.n; i++) {
        gsl_matrix_float *G = a->p.grad[i];
        if (!G)
            continue;
        gsl_matrix_float *P = a->p.val[i], *M = a->m[i], *V = a->v[i];
        size_t rows = P->size1, cols = P->size2;
        /* a whole matrix at once when no row has padding: a layer of 4
         * columns is then one long loop, not rows of 4 */
        if (dense(P) && dense(G) && dense(M) && dense(V)) {
            adam_update(&k, P->data, G->data, M->data, V->data, rows * cols);
            continue;
        }
        for (size_t r = 0; r < rows; r++)
            adam_update(&k, P->data + r * P->tda, G->data + r * G->tda, M->data + r * M->tda,
                        V->data + r * V->tda, cols);
    }
#ifdef HAVE_MXCSR
    _mm_setcsr(csr);
#endif
}

void optim_adam_reset(optim_adam *a)
{
    for (size_t i = 0; i < a->p.n; i++) {
        if (a->m[i]) gsl_matrix_float_set_zero(a->m[i]);
        if (a->v[i]) gsl_matrix_float_set_zero(a->v[i]);
    }
    a->t = 0;
}

double optim_adam_lr(const optim_adam *a) { return a->c.lr; }
void optim_adam_set_lr(optim_adam *a, double lr) { a->c.lr = lr; }
size_t optim_adam_steps(const optim_adam *a) { return a->t; }

gsl_matrix_float *optim_adam_moment(optim_adam *a, size_t i, int second)
{
    return i < a->p.n ? (second ? a->v[i] : a->m[i]) : NULL;
}

void optim_adam_set_steps(optim_adam *a, size_t t) { a->t = t; }

void optim_adam_rebind(optim_adam *a, const optim_params *p)
{
    if (p->n == a->p.n)
        a->p = *p;
}

/* ReduceLROnPlateau defaults: threshold 1e-4 (rel), cooldown 0, min_lr 0,
 * eps 1e-8 (a reduction smaller than eps is skipped, as in PyTorch). */
void optim_plateau_init(optim_plateau *s, double factor, int patience)
{
    memset(s, 0, sizeof *s);
    s->factor = factor;
    s->patience = patience;
    s->threshold = 1e-4;
    s->min_lr = 0.0;
    s->eps = 1e-8;
    s->cooldown = 0;
    s->best = INFINITY;
}

double optim_plateau_step(optim_plateau *s, optim_adam *a, double metric)
{
    if (metric < s->best * (1.0 - s->threshold)) {
        s->best = metric;
        s->num_bad = 0;
    } else {
        s->num_bad++;
    }
    if (s->cooldown_left > 0) {
        s->cooldown_left--;
        s->num_bad = 0;
    }
    if (s->num_bad > s->patience) {
        double old = optim_adam_lr(a);
        double lr = fmax(old * s->factor, s->min_lr);
        if (old - lr > s->eps)
            optim_adam_set_lr(a, lr);
        s->cooldown_left = s->cooldown;
        s->num_bad = 0;
    }
    return optim_adam_lr(a);
}

double optim_multistep_lr(double base, double gamma, const long *milestones, size_t n, long step)
{
    double lr = base;
    for (size_t i = 0; i < n && milestones[i] <= step; i++)
        lr *= gamma;
    return lr;
}

/* Owned copies of a param set's values (no gradients). */
static void copies_free(optim_params *c)
{
    for (size_t i = 0; c->val && i < c->n; i++)
        if (c->val[i])
            gsl_matrix_float_free(c->val[i]);
    free(c->val);
    c->val = NULL;
    c->n = 0;
}

static int copies_alloc(optim_params *c, const optim_params *p)
{
    c->n = p->n;
    c->grad = NULL;
    c->val = calloc(p->n ? p->n : 1, sizeof *c->val);
    if (!c->val)
        return INNX_ENOMEM;
    for (size_t i = 0; i < p->n; i++) {
        c->val[i] = gsl_matrix_float_alloc(p->val[i]->size1, p->val[i]->size2);
        if (!c->val[i]) {
            copies_free(c);
            return INNX_ENOMEM;
        }
        gsl_matrix_float_memcpy(c->val[i], p->val[i]);
    }
    return 0;
}

int optim_early_init(optim_early *s, const optim_params *p, int patience)
{
    memset(s, 0, sizeof *s);
    s->patience = patience;
    s->best = INFINITY;
    return copies_alloc(&s->snap, p);
}

void optim_early_free(optim_early *s) { copies_free(&s->snap); }

int optim_early_step(optim_early *s, const optim_params *p, double metric)
{
    s->step++;
    if (metric < s->best) {   /* NaN never improves */
        s->best = metric;
        s->best_step = s->step;
        s->wait = 0;
        for (size_t i = 0; i < p->n; i++)
            gsl_matrix_float_memcpy(s->snap.val[i], p->val[i]);
        return 0;
    }
    return ++s->wait >= s->patience;
}

void optim_early_reset(optim_early *s)
{
    s->best = INFINITY;
    s->wait = 0;
}

void optim_early_restore(const optim_early *s, const optim_params *p)
{
    if (s->best_step == 0)
        return;
    for (size_t i = 0; i < p->n; i++)
        gsl_matrix_float_memcpy(p->val[i], s->snap.val[i]);
}

int optim_ema_init(optim_ema *s, const optim_params *p, double decay)
{
    memset(s, 0, sizeof *s);
    s->decay = decay;
    return copies_alloc(&s->avg, p);
}

void optim_ema_free(optim_ema *s) { copies_free(&s->avg); }

void optim_ema_update(optim_ema *s, const optim_params *p)
{
    /* Bias-corrected start: early on the average is a plain mean, so it
     * never drags the initial weights along. */
    s->updates++;
    double d = fmin(s->decay, 1.0 - 1.0 / (double)s->updates);
    float a = (float)d, b = (float)(1.0 - d);
    for (size_t i = 0; i < p->n; i++) {
        float *v = s->avg.val[i]->data;
        const float *w = p->val[i]->data;
        size_t len = p->val[i]->size1 * p->val[i]->size2;   /* contiguous: owned by a model */
        for (size_t j = 0; j < len; j++)
            v[j] = a * v[j] + b * w[j];
    }
}

void optim_ema_restart(optim_ema *s) { s->updates = 0; }

void optim_ema_swap(optim_ema *s, const optim_params *p)
{
    for (size_t i = 0; i < p->n; i++)
        gsl_matrix_float_swap(s->avg.val[i], p->val[i]);
}
