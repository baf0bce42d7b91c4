/* pairs.c: which variables each page of the pair plot shows and how big its
 * cells are; the drawing is pane_pairs.c's. */
#include "pairs.h"

static int wrap(int page, int pages) { return pages > 0 ? ((page % pages) + pages) % pages : 0; }

/* The most variables whose grid fits w x h (0: not even one cell). */
static int fits(int w, int h)
{
    int k = PAIRS_MAX;
    while (k > 0 && ((w - (k - 1) * PAIRS_GAP) / k < PAIRS_CELL_W || h / k < PAIRS_CELL_H))
        k--;
    return k;
}

static void cells(pairs_page *p, int w, int h)
{
    p->cell_w = (w - (p->k - 1) * PAIRS_GAP) / p->k;
    p->cell_h = h / p->k;
}

void pairs_plan(int n, int w, int h, int page, pairs_page *out)
{
    *out = (pairs_page){0};
    if (n <= 0)
        return;
    n = n > 16 ? 16 : n;
    int cap = fits(w, h);
    if (n == 1) {   /* its histogram alone */
        out->k = out->single = out->pages = 1;
        return;
    }
    if (n <= cap) {   /* every variable on the one page */
        out->k = n;
        for (int i = 0; i < n; i++)
            out->var[i] = i;
        out->pages = 1;
        cells(out, w, h);
        return;
    }
    if (cap < 2) {
        /* one scatter a page: the pairs in order (0,1), (0,2), ..., (1,2), ... */
        out->single = 1;
        out->k = 2;
        out->pages = n * (n - 1) / 2;
        out->page = wrap(page, out->pages);
        for (int a = 0, left = out->page; a < n; a++)
            for (int b = a + 1; b < n; b++, left--)
                if (left == 0) {
                    out->var[0] = a;
                    out->var[1] = b;
                }
        return;
    }
    /* blocks of cap/2 variables; a page is two blocks, so each pair of
     * variables is on the page of their two blocks (or of its own block
     * and a neighbour) */
    int size = cap / 2, blocks = (n + size - 1) / size;
    out->pages = blocks * (blocks - 1) / 2;
    out->page = wrap(page, out->pages);
    int bi = 0, bj = 1;
    for (int left = out->page; left > 0; left--)
        if (++bj == blocks) {
            bi++;
            bj = bi + 1;
        }
    for (int i = bi * size; i < (bi + 1) * size && i < n; i++)
        out->var[out->k++] = i;
    for (int i = bj * size; i < (bj + 1) * size && i < n; i++)
        out->var[out->k++] = i;
    cells(out, w, h);
}

int pairs_cell_x(const pairs_page *p, int c) { return c * (p->cell_w + PAIRS_GAP); }
int pairs_cell_y(const pairs_page *p, int r) { return r * p->cell_h; }
