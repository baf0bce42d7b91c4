/* pairs.h: the pair plot's arithmetic, without curses: how many variables
 * one page shows in an area, which ones, and the pages that together show
 * every pair (x_i, x_j). Unit-tested (test_pairs). */
#ifndef INNX_TUI_PAIRS_H
#define INNX_TUI_PAIRS_H

#define PAIRS_MAX 4      /* variables on one page at most: a 4 x 4 grid */
#define PAIRS_CELL_W 10  /* a cell's columns at least: two range labels under it */
#define PAIRS_CELL_H 3   /* ...and rows: 12 braille dots */
#define PAIRS_GAP 1      /* blank columns between two cells */

typedef struct pairs_page {
    int k;                 /* variables on this page: 1 (n = 1) .. PAIRS_MAX */
    int var[PAIRS_MAX];    /* which (0-based, ascending) */
    int single;            /* no grid fits: one scatter of var[1] against var[0] */
    int cell_w, cell_h;    /* a grid cell in character cells (0 when single) */
    int pages, page;       /* how many pages; this one (page wrapped into range) */
} pairs_page;

/* The page `page` (any int: wrapped, so a key may just add or subtract one)
 * of n variables in a grid area of w x h character cells. All n on one page
 * when they fit; else blocks of k/2 variables, a page for each pair of
 * blocks, so every pair of variables shares a page; when not even a 2 x 2
 * grid fits, one scatter a page, for each pair. */
void pairs_plan(int n, int w, int h, int page, pairs_page *out);

/* The grid cell (row r, column c) of page p: its first column and row in
 * the area. */
int pairs_cell_x(const pairs_page *p, int c);
int pairs_cell_y(const pairs_page *p, int r);

#endif
