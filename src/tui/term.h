/* term.h: what the terminal can do (UTF-8, 256 / 8 / no colours), decided once
 * at start, and the colour roles every pane draws with (the theme). */
#ifndef INNX_TUI_TERM_H
#define INNX_TUI_TERM_H

#include <curses.h>

/* Series ids shared by the panes: 0..9 are curves (the loss terms and the
 * total, clusters); the rest are marks drawn over them. */
enum {
    SERIES_N_CURVES = 10,
    SERIES_RULE = 10,     /* y* line, axes' zero: dim */
    SERIES_MARK = 11,     /* lambda changes */
    SERIES_REF = 12,      /* the classical scan's roots */
    SERIES_N = 13
};

typedef enum {
    ROLE_NORMAL = 0,
    ROLE_BAR,             /* title and lambda bars */
    ROLE_SELECTED,        /* the selected term */
    ROLE_DIM,             /* inactive text, axes */
    ROLE_ERROR,
    ROLE_OK,
    ROLE_BORDER,
    ROLE_N
} term_role;

typedef struct term_caps {
    int utf8;             /* braille and box lines */
    int colors;           /* 256, 8 or 0 */
    int ascii_plots;      /* plots in glyphs: no UTF-8, or no colour to tell series apart */
} term_caps;

/* Decide from the locale and the flags (before curses starts). */
void term_detect(int force_ascii, int no_color, term_caps *c);
/* After initscr/newterm: colour pairs for the caps (may lower colors when
 * the terminal has fewer). */
void term_init_colors(term_caps *c);
attr_t term_series(const term_caps *c, int series);
attr_t term_role_attr(const term_caps *c, term_role r);

/* A box around w, titled, in box-drawing lines when UTF-8, +-| otherwise. */
void term_box(WINDOW *w, const term_caps *c, const char *title, int focused);
/* A horizontal rule of n cells at (y, x). */
void term_hline(WINDOW *w, const term_caps *c, int y, int x, int n);

#endif
