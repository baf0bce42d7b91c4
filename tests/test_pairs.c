/* test_pairs.c: the pair plot's pages: all variables on one page when they
 * fit, else pages that together show every pair exactly where a key can
 * reach it (wrapping both ways), cells inside the area and never smaller
 * than their labels need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pairs.h"

static void check_cells(const pairs_page *p, int w, int h)
{
    if (p->single)
        return;
    assert_true(p->cell_w >= PAIRS_CELL_W && p->cell_h >= PAIRS_CELL_H);
    assert_true(pairs_cell_x(p, p->k - 1) + p->cell_w <= w);
    assert_true(pairs_cell_y(p, p->k - 1) + p->cell_h <= h);
}

/* Every pair (a < b) of n is on some page; returns the pages seen. */
static int check_cover(int n, int w, int h)
{
    int seen[16][16] = {{0}};
    pairs_page p;
    pairs_plan(n, w, h, 0, &p);
    int pages = p.pages;
    assert_true(pages >= 1);
    for (int g = 0; g < pages; g++) {
        pairs_plan(n, w, h, g, &p);
        assert_int_equal(p.page, g);
        assert_int_equal(p.pages, pages);
        assert_true(p.k >= 2 && p.k <= PAIRS_MAX);
        check_cells(&p, w, h);
        for (int i = 0; i < p.k; i++) {
            assert_true(p.var[i] >= 0 && p.var[i] < n);
            if (i)
                assert_true(p.var[i] > p.var[i - 1]);
            for (int j = 0; j < i; j++)
                seen[p.var[j]][p.var[i]] = 1;
        }
    }
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            assert_true(seen[a][b]);
    return pages;
}

/* ik (n = 4) in the grid area of the 120x40 latent pane: one page, 4 x 4 */
static void test_all_fit(void **state)
{
    (void)state;
    pairs_page p;
    pairs_plan(4, 54, 14, 7, &p);
    assert_int_equal(p.pages, 1);
    assert_int_equal(p.page, 0);
    assert_int_equal(p.k, 4);
    assert_false(p.single);
    for (int i = 0; i < 4; i++)
        assert_int_equal(p.var[i], i);
    check_cells(&p, 54, 14);
    pairs_plan(2, 54, 14, 0, &p);   /* two-moons */
    assert_int_equal(p.k, 2);
    assert_int_equal(p.pages, 1);
}

/* ik at 80x24 (a 34 x 6 grid): a 2 x 2 grid a page, the six pairs; the
 * keys wrap both ways */
static void test_paged(void **state)
{
    (void)state;
    assert_int_equal(check_cover(4, 34, 6), 6);
    pairs_page a, b;
    pairs_plan(4, 34, 6, -1, &a);
    pairs_plan(4, 34, 6, 5, &b);
    assert_int_equal(a.page, 5);
    assert_int_equal(a.var[0], b.var[0]);
    assert_int_equal(a.var[1], b.var[1]);
    pairs_plan(4, 34, 6, 6, &a);
    assert_int_equal(a.page, 0);
    /* eight variables on a 4 x 4 grid: blocks of two, six pages of four */
    assert_int_equal(check_cover(8, 54, 14), 6);
    pairs_plan(8, 54, 14, 0, &a);
    assert_int_equal(a.k, 4);
    /* sixteen, every size from nothing to a zoomed screen */
    for (int w = 0; w <= 120; w += 7)
        for (int h = 0; h <= 40; h += 3)
            for (int n = 2; n <= 16; n += 3)
                check_cover(n, w, h);
}

/* no grid fits: one scatter a page; one variable: its histogram */
static void test_single(void **state)
{
    (void)state;
    pairs_page p;
    assert_int_equal(check_cover(4, 15, 4), 6);
    pairs_plan(4, 15, 4, 0, &p);
    assert_true(p.single);
    assert_int_equal(p.var[0], 0);
    assert_int_equal(p.var[1], 1);
    pairs_plan(1, 54, 14, 3, &p);
    assert_true(p.single);
    assert_int_equal(p.k, 1);
    assert_int_equal(p.pages, 1);
    pairs_plan(0, 54, 14, 0, &p);
    assert_int_equal(p.k, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fit),
        cmocka_unit_test(test_paged),
        cmocka_unit_test(test_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
