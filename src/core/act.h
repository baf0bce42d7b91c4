/* act.h: the activations in one place: each one's value and derivatives
 * in float (what the graph trains) and in double (answers, polishing). */
#ifndef INNX_ACT_H
#define INNX_ACT_H

#include <math.h>

#include "innx/graph.h"

/* tanh as Eigen's rational minimax form: it vectorises where tanhf() does
 * not (the MLP's hidden layers are most of a step). Over [-9, 9] it is
 * within 3.95e-7 of tanh (6.6 float ulp, at x = -5.77). The double form
 * below evaluates the same rational function, so a network evaluated in
 * double (nn_eval_f64: polishing on NN1, raw residuals) is the function
 * that was trained, not libm's tanh beside it. */
#define ACT_TANH_CLAMP 7.90531110763549805
#define ACT_TANH_RATIONAL(T, x, out)                                           \
    do {                                                                       \
        T xc_ = (x) > (T)ACT_TANH_CLAMP ? (T)ACT_TANH_CLAMP                     \
                : ((x) < -(T)ACT_TANH_CLAMP ? -(T)ACT_TANH_CLAMP : (x));        \
        T x2_ = xc_ * xc_;                                                     \
        T p_ = (T)-2.76076847742355e-16;                                       \
        p_ = p_ * x2_ + (T)2.00018790482477e-13;                               \
        p_ = p_ * x2_ + (T)-8.60467152213735e-11;                              \
        p_ = p_ * x2_ + (T)5.12229709037114e-08;                               \
        p_ = p_ * x2_ + (T)1.48572235717979e-05;                               \
        p_ = p_ * x2_ + (T)6.37261928875436e-04;                               \
        p_ = p_ * x2_ + (T)4.89352455891786e-03;                               \
        p_ = xc_ * p_;                                                         \
        T q_ = (T)1.19825839466702e-06;                                        \
        q_ = q_ * x2_ + (T)1.18534705686654e-04;                               \
        q_ = q_ * x2_ + (T)2.26843463243900e-03;                               \
        q_ = q_ * x2_ + (T)4.89352518554385e-03;                               \
        (out) = p_ / q_;                                                       \
    } while (0)

static inline float act_tanh_f(float x)
{
    float r;
    ACT_TANH_RATIONAL(float, x, r);
    return fabsf(x) < 0.0004f ? x : r;
}

static inline double act_tanh_d(double x)
{
    double r;
    ACT_TANH_RATIONAL(double, x, r);
    return fabs(x) < 0.0004 ? x : r;
}

static inline float act_sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline double act_sigmoid_d(double x) { return 1.0 / (1.0 + exp(-x)); }
/* softplus as torch (threshold 20): log1p(exp(x)), x beyond 20 kept as is */
static inline float act_softplus_f(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
static inline double act_softplus_d(double x) { return x > 20 ? x : log1p(exp(x)); }

/* act(x) and act'(x) in double (d may not be NULL) */
static inline double act_eval_d(graph_act act, double x, double *d)
{
    double s, v;
    switch (act) {
    case GRAPH_ACT_TANH:
        v = act_tanh_d(x);
        *d = 1 - v * v;
        return v;
    case GRAPH_ACT_RELU:
        *d = x > 0;
        return x > 0 ? x : 0;
    case GRAPH_ACT_SOFTPLUS:
        *d = x > 20 ? 1 : act_sigmoid_d(x);
        return act_softplus_d(x);
    case GRAPH_ACT_SIGMOID:
        v = act_sigmoid_d(x);
        *d = v * (1 - v);
        return v;
    case GRAPH_ACT_SILU:
        s = act_sigmoid_d(x);
        *d = s * (1 + x * (1 - s));
        return x * s;
    default:
        *d = 1;
        return x;
    }
}

/* act' and act'' at x in float, for tangent passes (gp): tanh 1 - th^2,
 * -2 th (1 - th^2); relu [x > 0], 0; softplus s, s (1 - s); sigmoid
 * s (1 - s), s (1 - s)(1 - 2 s); silu s (1 + x (1 - s)),
 * s (1 - s)(2 + x (1 - 2 s)); identity 1, 0 (s = sigmoid x). tanh is the
 * forward's own, so the tangent is the derivative of what is computed. */
static inline void act_d12_f(graph_act act, float x, float *d1, float *d2)
{
    float s, th;
    switch (act) {
    case GRAPH_ACT_TANH:
        th = act_tanh_f(x);
        *d1 = 1.0f - th * th;
        *d2 = -2.0f * th * *d1;
        return;
    case GRAPH_ACT_RELU:
        *d1 = x > 0.0f ? 1.0f : 0.0f;
        *d2 = 0.0f;
        return;
    case GRAPH_ACT_SOFTPLUS:
        s = act_sigmoid_f(x);
        *d1 = x > 20.0f ? 1.0f : s;   /* act_softplus_f's threshold */
        *d2 = x > 20.0f ? 0.0f : s * (1.0f - s);
        return;
    case GRAPH_ACT_SIGMOID:
        s = act_sigmoid_f(x);
        *d1 = s * (1.0f - s);
        *d2 = *d1 * (1.0f - 2.0f * s);
        return;
    case GRAPH_ACT_SILU:
        s = act_sigmoid_f(x);
        *d1 = s * (1.0f + x * (1.0f - s));
        *d2 = s * (1.0f - s) * (2.0f + x * (1.0f - 2.0f * s));
        return;
    default:
        *d1 = 1.0f;
        *d2 = 0.0f;
        return;
    }
}

#endif
