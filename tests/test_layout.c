/* test_layout.c: the layout at every size from 1x1 to 300x100 and every set
 * of panes: rectangles inside the screen, no overlap, the minimum, zoom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The rollback line of the title at 120 columns: cut at a space with an
 * ellipsis, never inside a number. */
static void test_fit(void **state)
{
    (void)state;
    char out[256];
    const char *t = "rollback at 759: blow-up (loss 12): back to step 512, lr halved";
    assert_int_equal(layout_fit(t, 200, "...", out, sizeof out), (int)strlen(t));
    assert_string_equal(out, t);
    /* every width: the result fits, is a prefix of whole words, ends in
     * the ellipsis when cut */
    for (int w = 0; w <= (int)strlen(t) + 2; w++) {
        int used = layout_fit(t, w, "\u2026", out, sizeof out);
        assert_true(used <= w);
        if ((size_t)w >= strlen(t)) {
            assert_string_equal(out, t);
            continue;
        }
        size_t len = strlen(out);
        if (len == 0)
            continue;
        assert_true(len >= 3 && !strcmp(out + len - 3, "\u2026"));
        size_t kept = len - 3;
        if (kept == 0)
            continue;   /* the ellipsis alone: no whole word fits */
        assert_true(out[kept - 1] == ' ');
        kept--;
        assert_memory_equal(out, t, kept);
        /* the kept text ends a word of t: t has a space right after it */
        assert_true(t[kept] == ' ');
        assert_true(out[kept - 1] != ' ');
    }
    layout_fit(t, 50, "...", out, sizeof out);
    assert_string_equal(out, "rollback at 759: blow-up (loss 12): back to ...");
    /* the 120-column case: "back to step 5" must not be shown as a step */
    char line[512];
    snprintf(line, sizeof line, "y* = 0: 12 roots (the scan finds 12): 0.3970 2.5952 6.9077 10.1234 12.1212");
    layout_fit(line, 60, "...", out, sizeof out);
    assert_string_equal(out, "y* = 0: 12 roots (the scan finds 12): 0.3970 2.5952 ...");
}

static void test_wrap(void **state)
{
    (void)state;
    const char *t = "G's answer -0.5519 lies outside the domain [0.001, 10]", *next;
    size_t n = layout_wrap(t, 30, &next);
    assert_int_equal(n, strlen("G's answer -0.5519 lies"));
    assert_string_equal(next, "outside the domain [0.001, 10]");
    n = layout_wrap(next, 30, &next);
    assert_int_equal(n, strlen("outside the domain [0.001, 10]"));
    assert_string_equal(next, "");
    /* a word longer than the line is cut: there is nothing else to do */
    n = layout_wrap("abcdefghij", 4, &next);
    assert_int_equal(n, 4);
    assert_string_equal(next, "efghij");
    assert_int_equal(layout_wrap("", 10, &next), 0);
}

/* Overlays keep their edges off every pane border, at every size. */
static void test_overlay(void **state)
{
    (void)state;
    int all[PANE_N] = {1, 1, 1, 1};
    layout L;
    for (int cols = LAYOUT_MIN_W; cols <= 200; cols += 7)
        for (int rows = LAYOUT_MIN_H; rows <= 60; rows += 3)
            for (int zoom = -1; zoom < PANE_N; zoom += 2) {
                layout_compute(cols, rows, all, zoom, &L);
                for (int h = 3; h <= rows; h += 2)
                    for (int w = 8; w <= cols; w += 13)
                        for (int y = -1; y <= rows; y += rows + 1) {   /* centred, and at the bottom */
                            layout_rect r = layout_overlay(&L, w, h, y);
                            assert_int_equal(r.w, w);
                            assert_int_equal(r.h, h);
                            assert_true(r.x >= 0 && r.y >= 0 && r.x + r.w <= cols && r.y + r.h <= rows);
                            if (h <= L.body.h - 2)   /* room to move: inside the body */
                                assert_true(r.y >= L.body.y && r.y + r.h <= L.body.y + L.body.h);
                            int moved_ok = 1;
                            for (int i = 0; i < PANE_N; i++) {
                                layout_rect p = L.pane[i];
                                if (!L.shown[i])
                                    continue;
                                int top = p.y, bot = p.y + p.h - 1;
                                if (r.y == top || r.y == bot || r.y + r.h - 1 == top || r.y + r.h - 1 == bot)
                                    moved_ok = 0;
                            }
                            /* a popup as tall as the body cannot avoid them */
                            if (h <= L.body.h - 4 && !moved_ok)
                                fail_msg("%dx%d zoom %d: overlay %dx%d at y %d lies on a pane border", cols,
                                         rows, zoom, w, h, r.y);
                        }
            }
    /* 120x40, the k prompt's message box (3 rows): it was drawn over the
     * panes' bottom border row (37, above the lambda bar), now just above it */
    layout_compute(120, 40, all, -1, &L);
    assert_int_equal(L.body.y + L.body.h - 1, 37);
    layout_rect r = layout_overlay(&L, 36, 3, 40);
    assert_int_equal(r.y + r.h - 1, 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_every_pane_set),
        cmocka_unit_test(test_known_sizes),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_overlay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
