/* test_layout.c: the layout at every size from 1x1 to 300x100 and every set
 * of panes: rectangles inside the screen, no overlap, the minimum, zoom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"

static int inside(layout_rect r, int cols, int rows)
{
    return r.x >= 0 && r.y >= 0 && r.w >= 0 && r.h >= 0 && r.x + r.w <= cols &&
           r.y + r.h <= rows;
}

static int empty(layout_rect r)
{
    return r.w == 0 || r.h == 0;
}

static int overlap(layout_rect a, layout_rect b)
{
    if (empty(a) || empty(b))
        return 0;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void check(const layout *L, int cols, int rows, const int want[PANE_N], int zoom)
{
    if (cols < LAYOUT_MIN_W || rows < LAYOUT_MIN_H) {
        assert_true(L->too_small);
        assert_true(L->need_w > cols || L->need_h > rows);
        assert_true(inside(L->message, cols, rows));
        assert_int_equal(L->n_shown, 0);
        return;
    }
    assert_false(L->too_small);
    layout_rect r[3 + PANE_N];
    int n = 0;
    r[n++] = L->title;
    r[n++] = L->lambda;
    r[n++] = L->status;
    assert_int_equal(L->title.h, 1);
    assert_int_equal(L->status.y, rows - 1);
    assert_int_equal(L->title.w, cols);
    int shown = 0, wanted = 0;
    long area = 0;
    for (int i = 0; i < PANE_N; i++) {
        wanted += want[i];
        if (!L->shown[i]) {
            assert_true(empty(L->pane[i]));
            continue;
        }
        assert_true(want[i]);
        assert_true(L->pane[i].w >= LAYOUT_PANE_MIN_W);
        assert_true(L->pane[i].h >= LAYOUT_PANE_MIN_H);
        assert_true(inside(L->pane[i], L->body.x + L->body.w, L->body.y + L->body.h));
        assert_true(L->pane[i].y >= L->body.y);
        area += (long)L->pane[i].w * L->pane[i].h;
        r[n++] = L->pane[i];
        shown++;
    }
    assert_int_equal(shown, L->n_shown);
    for (int i = 0; i < n; i++) {
        assert_true(inside(r[i], cols, rows));
        for (int j = 0; j < i; j++)
            assert_false(overlap(r[i], r[j]));
    }
    /* above the minimum at least one wanted pane shows, and the shown ones
     * tile the body (no wasted hole) */
    if (wanted) {
        assert_true(shown >= 1);
        assert_int_equal(area, (long)L->body.w * L->body.h);
    }
    if (zoom >= 0 && want[zoom]) {
        assert_int_equal(shown, 1);
        assert_true(L->shown[zoom]);
    }
    /* the highest-priority wanted pane is never the one dropped */
    for (int i = 0; i < PANE_N; i++)
        if (want[layout_priority[i]]) {
            assert_true(L->shown[layout_priority[i]] || (zoom >= 0 && want[zoom]));
            break;
        }
}

static void test_every_size(void **state)
{
    (void)state;
    int all[PANE_N] = {1, 1, 1, 1};
    layout L;
    for (int rows = 1; rows <= 100; rows++)
        for (int cols = 1; cols <= 300; cols++)
            for (int zoom = -1; zoom < PANE_N; zoom++) {
                layout_compute(cols, rows, all, zoom, &L);
                check(&L, cols, rows, all, zoom);
            }
}

static void test_every_pane_set(void **state)
{
    (void)state;
    layout L;
    for (int mask = 0; mask < (1 << PANE_N); mask++) {
        int want[PANE_N];
        for (int i = 0; i < PANE_N; i++)
            want[i] = (mask >> i) & 1;
        for (int rows = 1; rows <= 100; rows += 3)
            for (int cols = 1; cols <= 300; cols += 7) {
                layout_compute(cols, rows, want, -1, &L);
                check(&L, cols, rows, want, -1);
                layout_compute(cols, rows, want, PANE_FX, &L);
                check(&L, cols, rows, want, PANE_FX);
            }
    }
}

static void test_known_sizes(void **state)
{
    (void)state;
    int all[PANE_N] = {1, 1, 1, 1};
    layout L;
    /* 80x24 and 120x40 show all four, two by two */
    layout_compute(80, 24, all, -1, &L);
    assert_int_equal(L.n_shown, 4);
    assert_int_equal(L.pane[PANE_LOSS].x, 0);
    assert_int_equal(L.pane[PANE_LATENT].x, 40);
    assert_int_equal(L.pane[PANE_FX].y, L.pane[PANE_CLUSTERS].y);
    layout_compute(120, 40, all, -1, &L);
    assert_int_equal(L.n_shown, 4);
    /* 60x16: not enough rows for two rows of panes: loss and f(x) stay */
    layout_compute(60, 16, all, -1, &L);
    assert_false(L.too_small);
    assert_int_equal(L.n_shown, 2);
    assert_true(L.shown[PANE_LOSS] && L.shown[PANE_FX]);
    /* 50x14: too small, with the size needed */
    layout_compute(50, 14, all, -1, &L);
    assert_true(L.too_small);
    assert_int_equal(L.need_w, LAYOUT_MIN_W);
    assert_int_equal(L.need_h, LAYOUT_MIN_H);
    /* odd sizes that crashed other tools' layouts */
    layout_compute(189, 26, all, -1, &L);
    check(&L, 189, 26, all, -1);
    layout_compute(46, 19, all, -1, &L);
    assert_true(L.too_small);
    /* three panes in two columns: the first spans the top row */
    int three[PANE_N] = {1, 0, 1, 1};
    layout_compute(100, 30, three, -1, &L);
    assert_int_equal(L.n_shown, 3);
    assert_int_equal(L.pane[PANE_LOSS].w, 100);
    /* zoom: one pane fills the body */
    layout_compute(100, 30, all, PANE_CLUSTERS, &L);
    assert_int_equal(L.n_shown, 1);
    assert_int_equal(L.pane[PANE_CLUSTERS].w, L.body.w);
    assert_int_equal(L.pane[PANE_CLUSTERS].h, L.body.h);
    /* zoom out of range is ignored */
    layout_compute(100, 30, all, 7, &L);
    assert_int_equal(L.n_shown, 4);
    /* negative sizes do not crash */
    layout_compute(-5, -5, all, -1, &L);
    assert_true(L.too_small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_every_pane_set),
        cmocka_unit_test(test_known_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
