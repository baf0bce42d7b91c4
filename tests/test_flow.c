/* test_flow.c: the coupling flow's ops and its NLL against finite differences, its
 * log-det against a finite-difference Jacobian, the exact inverse, identity start, a small fit. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "innx/flow.h"
#include "innx/optim.h"

static gsl_rng *rng;

static void fill(gsl_matrix_float *m, double lo, double hi)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_float_set(m, i, j, (float)(lo + (hi - lo) * gsl_rng_uniform(rng)));
}

static flow *make(size_t n, size_t m, size_t blocks, size_t hidden)
{
    innx_err e;
    flow *f = flow_alloc(n, m, blocks, hidden, rng, &e);
    if (!f)
        fail_msg("%s", e.msg);
    return f;
}

/* Non-zero last layers: at the identity start every gradient before them is
 * zero, and a check of zeros against zeros tells nothing. */
static void perturb(flow *f, double r)
{
    const optim_params *p = flow_params(f);
    for (size_t i = 0; i < p->n; i++)
        if (i % 6 >= 4)   /* the third layer's W and b of each subnet */
            fill(p->val[i], -r, r);
}

static void compile(graph *g, int loss)
{
    innx_err e;
    if (graph_compile(g, loss, &e) != 0)
        fail_msg("compile: %s", e.msg);
}

static void test_spec(void **state)
{
    (void)state;
    size_t b, h;
    innx_err e;
    assert_int_equal(flow_spec_parse("flow:6-128", &b, &h, &e), 0);
    assert_int_equal(b, 6);
    assert_int_equal(h, 128);
    assert_int_equal(flow_spec_parse("flow:1-3", &b, &h, &e), 0);
    const char *bad[] = {"", "mlp:6-128", "flow:", "flow:6", "flow:6-", "flow:0-8", "flow:6-0",
                         "flow:6-128x", "flow:-6-128", "flow:65-8", "flow:6-128-3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_not_equal(flow_spec_parse(bad[i], &b, &h, &e), 0);
    assert_non_null(strstr(e.msg, "flow:6-128-3"));
}

static void test_refuses(void **state)
{
    (void)state;
    innx_err e;
    assert_null(flow_alloc(1, 2, 6, 8, rng, &e));
    assert_non_null(strstr(e.msg, "needs 2.."));
    assert_null(flow_alloc(17, 2, 6, 8, rng, &e));
    assert_null(flow_alloc(4, 17, 6, 8, rng, &e));
    assert_null(flow_alloc(4, 2, 0, 8, rng, &e));
    flow *f = make(16, 16, 1, 4);
    assert_int_equal(flow_n(f), 16);
    /* shapes that do not fit fail the build, with a message at compile */
    graph *g = graph_alloc();
    int x = graph_feed(g, 5, 3), c = graph_feed(g, 5, 16);
    assert_int_equal(flow_build_nll(f, g, x, c), -1);
    assert_int_not_equal(graph_compile(g, -1, &e), 0);
    assert_non_null(strstr(e.msg, "columns"));
    graph_free(g);
    flow_free(f);
}

/* Float forward, central differences: the fused ops are smooth (errors ~2e-4);
 * the whole NLL crosses an occasional ReLU kink within eps (one draw ~5e-3). */
#define TOL_OP 2e-3
#define TOL 1e-2

/* d/d inputs of sum(out * R), out the op's value */
static double check_op(graph *g, int out, const int *wrt, size_t n_wrt, double eps)
{
    size_t r, c;
    assert_int_equal(graph_shape(g, out, &r, &c), 0);
    int R = graph_feed(g, r, c);
    int loss = graph_sum(g, graph_mul(g, out, R));
    compile(g, loss);
    for (size_t k = 0; k < n_wrt; k++)
        fill(graph_value(g, wrt[k]), -2, 2);
    fill(graph_value(g, R), -1, 1);
    return graph_check_grad(g, wrt, n_wrt, eps);
}

static void test_op_coupling(void **state)
{
    (void)state;
    size_t cases[][3] = {{3, 0, 1}, {3, 1, 2}, {5, 2, 3}, {2, 0, 1}};   /* n, off, d */
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t n = cases[k][0], off = cases[k][1], d = cases[k][2];
        graph *g = graph_alloc();
        int u = graph_feed(g, 6, n + 1), a = graph_feed(g, 6, 2 * d);
        graph_requires_grad(g, u);
        graph_requires_grad(g, a);
        int v = flow_op_coupling(g, u, a, off, d);
        int wrt[2] = {u, a};
        assert_true(check_op(g, v, wrt, 2, 1e-3) < TOL_OP);
        /* the values by hand: row 0 */
        graph_forward(g);
        const gsl_matrix_float *U = graph_value(g, u), *A = graph_value(g, a), *V = graph_value(g, v);
        double ls = 0;
        for (size_t j = 0; j < d; j++) {
            double s = 1.272 * atan(gsl_matrix_float_get(A, 0, j) / 2.0);
            ls += s;
            double want = gsl_matrix_float_get(U, 0, off + j) * exp(s) + gsl_matrix_float_get(A, 0, d + j);
            assert_true(fabs(gsl_matrix_float_get(V, 0, off + j) - want) < 1e-5 * (1 + fabs(want)));
        }
        assert_true(fabs(gsl_matrix_float_get(V, 0, n) - (gsl_matrix_float_get(U, 0, n) + ls)) < 1e-5);
        graph_free(g);
    }
    /* bad shapes */
    graph *g = graph_alloc();
    int u = graph_feed(g, 6, 4), a = graph_feed(g, 6, 3);
    assert_int_equal(flow_op_coupling(g, u, a, 0, 1), -1);
    assert_int_equal(flow_op_coupling(g, u, graph_feed(g, 6, 4), 2, 2), -1);   /* would hit the log-det */
    graph_free(g);
}

static void test_op_gather(void **state)
{
    (void)state;
    static const size_t idx[] = {2, 0, 2, 1};   /* a repeat: its gradients add */
    for (int with_b = 0; with_b < 2; with_b++) {
        graph *g = graph_alloc();
        int a = graph_feed(g, 5, 3), b = graph_feed(g, 5, 2);
        graph_requires_grad(g, a);
        graph_requires_grad(g, b);
        int v = flow_op_gather(g, a, idx, 4, with_b ? b : -1);
        size_t r, c;
        graph_shape(g, v, &r, &c);
        assert_int_equal(c, with_b ? 6 : 4);
        int wrt[2] = {a, b};
        assert_true(check_op(g, v, wrt, with_b ? 2 : 1, 1e-2) < TOL_OP);
        graph_forward(g);
        assert_true(gsl_matrix_float_get(graph_value(g, v), 3, 0) == gsl_matrix_float_get(graph_value(g, a), 3, 2));
        if (with_b)
            assert_true(gsl_matrix_float_get(graph_value(g, v), 3, 5) == gsl_matrix_float_get(graph_value(g, b), 3, 1));
        graph_free(g);
    }
    graph *g = graph_alloc();
    assert_int_equal(flow_op_gather(g, graph_feed(g, 5, 2), idx, 4, -1), -1);   /* column 2 of 2 */
    graph_free(g);
}

static void test_op_nll(void **state)
{
    (void)state;
    graph *g = graph_alloc();
    int z = graph_feed(g, 7, 3), ld = graph_feed(g, 7, 1);
    graph_requires_grad(g, z);
    graph_requires_grad(g, ld);
    int y = flow_op_nll(g, z, ld);
    compile(g, y);
    fill(graph_value(g, z), -2, 2);
    fill(graph_value(g, ld), -2, 2);
    int wrt[2] = {z, ld};
    assert_true(graph_check_grad(g, wrt, 2, 1e-2) < TOL_OP);
    double want = 0;
    for (size_t i = 0; i < 7; i++) {
        for (size_t j = 0; j < 3; j++)
            want += 0.5 * pow(gsl_matrix_float_get(graph_value(g, z), i, j), 2);
        want -= gsl_matrix_float_get(graph_value(g, ld), i, 0);
    }
    assert_true(fabs(graph_scalar(g, y) - want / 7) < 1e-5);
    assert_int_equal(flow_op_nll(g, z, z), -1);
    graph_free(g);
}

/* The whole NLL against finite differences, w.r.t. every parameter tensor, x and c. */
static void test_nll_grad(void **state)
{
    (void)state;
    size_t dims[][2] = {{3, 2}, {4, 1}, {2, 0}};
    for (size_t k = 0; k < sizeof dims / sizeof *dims; k++) {
        size_t n = dims[k][0], m = dims[k][1];
        flow *f = make(n, m, 2, 6);
        perturb(f, 0.5);
        graph *g = graph_alloc();
        int x = graph_feed(g, 4, n), c = m ? graph_feed(g, 4, m) : -1;
        graph_requires_grad(g, x);
        if (m)
            graph_requires_grad(g, c);
        int loss = flow_build_nll(f, g, x, c);
        compile(g, loss);
        fill(graph_value(g, x), -1.5, 1.5);
        if (m)
            fill(graph_value(g, c), -1, 1);
        const optim_params *p = flow_params(f);
        int wrt[64];
        size_t nw = 0;
        /* the params are the graph's param nodes, in build order: find them by storage */
        for (size_t node = 0; node < graph_n_nodes(g); node++)
            for (size_t i = 0; i < p->n; i++)
                if (graph_value(g, (int)node) == p->val[i])
                    wrt[nw++] = (int)node;
        assert_int_equal(nw, p->n);
        wrt[nw++] = x;
        if (m)
            wrt[nw++] = c;
        double err = graph_check_grad(g, wrt, nw, 1e-3);
        assert_true(err < TOL);
        graph_free(g);
        flow_free(f);
    }
}

static double log_abs_det(gsl_matrix *J)
{
    gsl_permutation *p = gsl_permutation_alloc(J->size1);
    int sign;
    gsl_linalg_LU_decomp(J, p, &sign);
    double l = gsl_linalg_LU_lndet(J);
    gsl_permutation_free(p);
    return l;
}

/* log|det dz/dx| from flow_forward against central differences of z. The
 * subnets run in float, so z moves in steps of ~1e-7 as x does: with h =
 * 3e-4 the differences agree within 8e-4 (h = 1e-3 crossed a ReLU's kink
 * once in 16, 1e-4 left 2e-3 of float steps); a log-det that missed a
 * block's s or its sign would be off by ~0.1. */
static void test_logdet_fd(void **state)
{
    (void)state;
    for (size_t n = 2; n <= 5; n++) {
        size_t m = 2;
        flow *f = make(n, m, 3, 16);
        perturb(f, 0.7);
        for (int trial = 0; trial < 4; trial++) {
            double x[FLOW_MAX_N], c[2], z[FLOW_MAX_N], ld, zp[FLOW_MAX_N], zm[FLOW_MAX_N];
            for (size_t j = 0; j < n; j++)
                x[j] = gsl_ran_gaussian(rng, 1.0);
            c[0] = gsl_ran_flat(rng, -1, 1);
            c[1] = gsl_ran_flat(rng, -1, 1);
            assert_int_equal(flow_forward(f, x, c, 1, z, &ld, NULL), 0);
            assert_true(fabs(ld) > 1e-3);   /* the test means something */
            gsl_matrix *J = gsl_matrix_alloc(n, n);
            const double h = 3e-4;
            for (size_t j = 0; j < n; j++) {
                double x0 = x[j];
                x[j] = x0 + h;
                flow_forward(f, x, c, 1, zp, NULL, NULL);
                x[j] = x0 - h;
                flow_forward(f, x, c, 1, zm, NULL, NULL);
                x[j] = x0;
                for (size_t i = 0; i < n; i++)
                    gsl_matrix_set(J, i, j, (zp[i] - zm[i]) / (2 * h));
            }
            double fd = log_abs_det(J);
            assert_true(fabs(fd - ld) < 1e-3 * (1 + fabs(ld)));
            gsl_matrix_free(J);
        }
        flow_free(f);
    }
}

/* The float graph and the double evaluator compute one function. */
static void test_graph_matches_double(void **state)
{
    (void)state;
    size_t n = 5, m = 3, rows = 37;
    flow *f = make(n, m, 4, 24);
    perturb(f, 0.5);
    graph *g = graph_alloc();
    int x = graph_feed(g, rows, n), c = graph_feed(g, rows, m), ld;
    int z = flow_build(f, g, x, c, &ld);
    graph_keep(g, z);
    graph_keep(g, ld);
    compile(g, -1);
    double xd[37 * 5], cd[37 * 3], zd[37 * 5], ldd[37];
    fill(graph_value(g, x), -2, 2);
    fill(graph_value(g, c), -1, 1);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < n; j++)
            xd[i * n + j] = gsl_matrix_float_get(graph_value(g, x), i, j);
        for (size_t j = 0; j < m; j++)
            cd[i * m + j] = gsl_matrix_float_get(graph_value(g, c), i, j);
    }
    graph_forward(g);
    assert_int_equal(flow_forward(f, xd, cd, rows, zd, ldd, NULL), 0);
    double worst = 0, spread = 0;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < n; j++) {
            worst = fmax(worst, fabs(gsl_matrix_float_get(graph_value(g, z), i, j) - zd[i * n + j]));
            spread = fmax(spread, fabs(zd[i * n + j] - xd[i * n + j]));
        }
        worst = fmax(worst, fabs(gsl_matrix_float_get(graph_value(g, ld), i, 0) - ldd[i]));
    }
    assert_true(worst < 1e-4);
    assert_true(spread > 0.1);   /* the flow is far from the identity here */
    graph_free(g);
    flow_free(f);
}

static void test_inverse(void **state)
{
    (void)state;
    size_t dims[][2] = {{2, 1}, {4, 2}, {7, 3}, {16, 16}, {3, 0}};
    for (size_t k = 0; k < sizeof dims / sizeof *dims; k++) {
        size_t n = dims[k][0], m = dims[k][1], rows = 700;   /* more than two chunks */
        flow *f = make(n, m, 5, 16);
        perturb(f, 0.6);
        double *x = malloc(rows * n * sizeof *x), *z = malloc(rows * n * sizeof *z);
        double *x2 = malloc(rows * n * sizeof *x2), *c = malloc((rows * m + 1) * sizeof *c);
        for (size_t i = 0; i < rows * n; i++)
            x[i] = gsl_ran_gaussian(rng, 1.5);
        for (size_t i = 0; i < rows * m; i++)
            c[i] = gsl_ran_flat(rng, -1, 1);
        double *ld = malloc(rows * sizeof *ld), *ld2 = malloc(rows * sizeof *ld2);
        assert_int_equal(flow_forward(f, x, m ? c : NULL, rows, z, ld, NULL), 0);
        assert_int_equal(flow_inverse(f, z, m ? c : NULL, rows, x2, ld2, NULL), 0);
        double worst = 0, moved = 0, ld_worst = 0, ld_spread = 0;
        for (size_t i = 0; i < rows * n; i++) {
            worst = fmax(worst, fabs(x2[i] - x[i]) / (1 + fabs(x[i])));
            moved = fmax(moved, fabs(z[i] - x[i]));
        }
        for (size_t i = 0; i < rows; i++) {   /* the inverse's log-det is the forward's at x */
            ld_worst = fmax(ld_worst, fabs(ld2[i] - ld[i]) / (1 + fabs(ld[i])));
            ld_spread = fmax(ld_spread, fabs(ld[i] - ld[0]));
        }
        assert_true(worst < 1e-7);
        assert_true(moved > 0.1);
        assert_true(ld_worst < 1e-9);
        assert_true(ld_spread > 0.1);   /* a log-det that varies, not a constant */
        /* split over threads, the same numbers bit for bit */
        double *x3 = malloc(rows * n * sizeof *x3), *ld3 = malloc(rows * sizeof *ld3);
        flow_set_threads(f, 3);
        assert_int_equal(flow_inverse(f, z, m ? c : NULL, rows, x3, ld3, NULL), 0);
        flow_set_threads(f, 1);
        assert_memory_equal(x3, x2, rows * n * sizeof *x3);
        assert_memory_equal(ld3, ld2, rows * sizeof *ld3);
        free(x3);
        free(ld3);
        free(ld);
        free(ld2);
        if (m) {   /* a conditional flow without its condition is refused */
            innx_err e;
            assert_int_not_equal(flow_inverse(f, z, NULL, rows, x2, NULL, &e), 0);
        }
        free(x);
        free(z);
        free(x2);
        free(c);
        flow_free(f);
    }
}

/* Zero last layers: z is x permuted, log-det 0, the NLL 0.5 mean ||x||^2. */
static void test_identity_start(void **state)
{
    (void)state;
    for (size_t m = 0; m <= 2; m += 2) {
        size_t n = 4, rows = 9;
        flow *f = make(n, m, 6, 32);
        graph *g = graph_alloc();
        int x = graph_feed(g, rows, n), c = m ? graph_feed(g, rows, m) : -1, ld;
        int z = flow_build(f, g, x, c, &ld);
        int nll = flow_op_nll(g, z, ld);
        graph_keep(g, z);
        compile(g, nll);
        fill(graph_value(g, x), -2, 2);
        if (m)
            fill(graph_value(g, c), -1, 1);
        graph_forward(g);
        size_t comp[FLOW_MAX_N];   /* z column j = x column comp[j] */
        for (size_t j = 0; j < n; j++)
            comp[j] = j;
        for (size_t b = 0; b < flow_blocks(f); b++) {
            const size_t *p = flow_perm(f, b);
            size_t t[FLOW_MAX_N];
            for (size_t j = 0; j < n; j++)
                t[j] = comp[p[j]];
            memcpy(comp, t, sizeof t);
        }
        double q = 0;
        for (size_t i = 0; i < rows; i++) {
            assert_true(gsl_matrix_float_get(graph_value(g, ld), i, 0) == 0.0f);
            for (size_t j = 0; j < n; j++) {
                float xv = gsl_matrix_float_get(graph_value(g, x), i, comp[j]);
                assert_true(gsl_matrix_float_get(graph_value(g, z), i, j) == xv);
                q += 0.5 * xv * xv;
            }
        }
        assert_true(fabs(graph_scalar(g, nll) - q / rows) < 1e-5);
        graph_free(g);
        flow_free(f);
    }
}

/* The ik shape on the graph's thread pool (its dense layers split rows over
 * two threads) gives the single-threaded loss and gradients. */
static void test_threads(void **state)
{
    (void)state;
    const size_t rows = 512;
    flow *f = make(4, 2, 2, 128);
    perturb(f, 0.3);
    const optim_params *p = flow_params(f);
    double loss[2];
    float *grads[2];
    size_t total = 0;
    for (size_t i = 0; i < p->n; i++)
        total += p->grad[i]->size1 * p->grad[i]->size2;
    for (int t = 0; t < 2; t++) {
        gsl_rng_set(rng, 7);
        graph *g = graph_alloc();
        graph_set_threads(g, t + 1);
        int x = graph_feed(g, rows, 4), c = graph_feed(g, rows, 2);
        int l = flow_build_nll(f, g, x, c);
        compile(g, l);
        fill(graph_value(g, x), -1, 1);
        fill(graph_value(g, c), -1, 1);
        graph_forward(g);
        graph_backward(g);
        loss[t] = graph_scalar(g, l);
        grads[t] = malloc(total * sizeof(float));
        size_t o = 0;
        for (size_t i = 0; i < p->n; i++)
            for (size_t j = 0; j < p->grad[i]->size1 * p->grad[i]->size2; j++)
                grads[t][o++] = p->grad[i]->data[j];
        graph_free(g);
    }
    assert_true(fabs(loss[0] - loss[1]) < 1e-5 * (1 + fabs(loss[0])));
    double worst = 0, big = 0;
    for (size_t i = 0; i < total; i++) {
        worst = fmax(worst, fabs(grads[0][i] - grads[1][i]));
        big = fmax(big, fabs(grads[0][i]));
    }
    assert_true(big > 1e-3);
    assert_true(worst < 1e-4 * big);
    free(grads[0]);
    free(grads[1]);
    flow_free(f);
}

/* Same rng, same flow; the seed alone regenerates the permutations. */
static void test_seed(void **state)
{
    (void)state;
    gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r1, 5);
    gsl_rng_set(r2, 5);
    innx_err e;
    flow *a = flow_alloc(6, 2, 4, 8, r1, &e), *b = flow_alloc(6, 2, 4, 8, r2, &e);
    assert_int_equal(flow_perm_seed(a), flow_perm_seed(b));
    assert_int_equal(flow_n_weights(a), flow_n_weights(b));
    /* 4 blocks x 2 subnets: (in+1) 8 + 9 x 8 + 9 x 6, in = 3 + 2 */
    assert_int_equal(flow_n_weights(a), 8 * (6 * 8 + 9 * 8 + 9 * 6));
    int differs = 0;
    for (size_t b2 = 0; b2 < 4; b2++) {
        assert_memory_equal(flow_perm(a, b2), flow_perm(b, b2), 6 * sizeof(size_t));
        for (size_t j = 0; j < 6; j++)
            differs |= flow_perm(a, b2)[j] != j;
    }
    assert_true(differs);
    size_t keep[6];
    memcpy(keep, flow_perm(a, 2), sizeof keep);
    flow_set_perm_seed(a, flow_perm_seed(a) + 1);
    flow_set_perm_seed(a, flow_perm_seed(b));
    assert_memory_equal(flow_perm(a, 2), keep, sizeof keep);
    const optim_params *pa = flow_params(a), *pb = flow_params(b);
    for (size_t i = 0; i < pa->n; i++)
        assert_true(gsl_matrix_float_equal(pa->val[i], pb->val[i]));
    flow_free(a);
    flow_free(b);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

/* x ~ N(mu(c), 0.3^2 I), mu(c) = (2c, -c): 300 Adam steps take the NLL from
 * about 0.9 towards its floor 2 log 0.3 + 1 = -1.41, and samples drawn at a
 * condition centre on mu there. */
static void test_training(void **state)
{
    (void)state;
    const size_t n = 2, m = 1, rows = 256;
    flow *f = make(n, m, 4, 32);
    graph *g = graph_alloc();
    int x = graph_feed(g, rows, n), c = graph_feed(g, rows, m);
    int loss = flow_build_nll(f, g, x, c);
    compile(g, loss);
    optim_adam *opt = optim_adam_alloc(flow_params(f), OPTIM_ADAM_DEFAULTS(3e-3));
    double first = 0, last = 0;
    for (int step = 0; step < 300; step++) {
        gsl_matrix_float *X = graph_value(g, x), *C = graph_value(g, c);
        for (size_t i = 0; i < rows; i++) {
            double cv = gsl_ran_flat(rng, -1, 1);
            gsl_matrix_float_set(C, i, 0, (float)cv);
            gsl_matrix_float_set(X, i, 0, (float)(2 * cv + gsl_ran_gaussian(rng, 0.3)));
            gsl_matrix_float_set(X, i, 1, (float)(-cv + gsl_ran_gaussian(rng, 0.3)));
        }
        graph_forward(g);
        graph_backward(g);
        optim_adam_step(opt);
        if (step < 10)
            first += graph_scalar(g, loss) / 10;
        if (step >= 290)
            last += graph_scalar(g, loss) / 10;
    }
    assert_true(first > 0.5);
    assert_true(last < first - 1.2);
    enum { S = 4000 };
    double *zs = malloc(S * n * sizeof *zs), *xs = malloc(S * n * sizeof *xs), *cs = malloc(S * sizeof *cs);
    for (double cv = -0.8; cv < 1.0; cv += 1.6) {
        for (size_t i = 0; i < S; i++) {
            cs[i] = cv;
            zs[2 * i] = gsl_ran_gaussian(rng, 1);
            zs[2 * i + 1] = gsl_ran_gaussian(rng, 1);
        }
        assert_int_equal(flow_inverse(f, zs, cs, S, xs, NULL, NULL), 0);
        double mx = 0, my = 0;
        for (size_t i = 0; i < S; i++) {
            mx += xs[2 * i] / S;
            my += xs[2 * i + 1] / S;
        }
        assert_true(fabs(mx - 2 * cv) < 0.2);
        assert_true(fabs(my + cv) < 0.2);
    }
    free(zs);
    free(xs);
    free(cs);
    optim_adam_free(opt);
    graph_free(g);
    flow_free(f);
}

static int setup(void **state)
{
    (void)state;
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gsl_rng_free(rng);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_op_coupling),
        cmocka_unit_test(test_op_gather),
        cmocka_unit_test(test_op_nll),
        cmocka_unit_test(test_nll_grad),
        cmocka_unit_test(test_logdet_fd),
        cmocka_unit_test(test_graph_matches_double),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_identity_start),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_training),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
