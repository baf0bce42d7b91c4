/* term.c: capabilities and the theme. Grey is never colour 8 (invisible on
 * some terminals): the dim role is A_DIM on 8 colours, 244 on 256. */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "term.h"

/* Curves on 256 colours: blue, orange, green, pink, yellow, cyan, purple,
 * red, light grey, white (the total). Then rule, mark, ref. */
static const short pal256[SERIES_N] = {39, 208, 118, 205, 226, 51, 141, 203, 250, 255,
                                       244, 242, 250};
static const short pal8[SERIES_N] = {COLOR_BLUE, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA,
                                     COLOR_CYAN, COLOR_RED, COLOR_WHITE, COLOR_BLUE,
                                     COLOR_YELLOW, COLOR_WHITE, -1, -1, COLOR_WHITE};
/* Pairs: 1..SERIES_N the series, then the roles that have a colour. */
#define PAIR_ERROR (SERIES_N + 1)
#define PAIR_OK (SERIES_N + 2)
#define PAIR_BAR (SERIES_N + 3)
#define PAIR_SEL (SERIES_N + 4)

void term_detect(int force_ascii, int no_color, term_caps *c)
{
    const char *cs = nl_langinfo(CODESET);
    c->utf8 = !force_ascii && cs && !strcmp(cs, "UTF-8");
    const char *nc = getenv("NO_COLOR");   /* no-color.org */
    c->colors = no_color || (nc && nc[0]) ? 0 : 256;
    c->ascii_plots = !c->utf8;
}

void term_init_colors(term_caps *c)
{
    if (c->colors && has_colors() && start_color() == OK) {
        use_default_colors();
        c->colors = COLORS >= 256 ? 256 : COLORS >= 8 ? 8 : 0;
    } else {
        c->colors = 0;
    }
    /* without colour, series differ by glyph */
    c->ascii_plots = !c->utf8 || !c->colors;
    if (!c->colors)
        return;
    for (int s = 0; s < SERIES_N; s++)
        init_pair((short)(s + 1), c->colors == 256 ? pal256[s] : pal8[s], -1);
    init_pair(PAIR_ERROR, c->colors == 256 ? 203 : COLOR_RED, -1);
    init_pair(PAIR_OK, c->colors == 256 ? 118 : COLOR_GREEN, -1);
    init_pair(PAIR_BAR, c->colors == 256 ? 255 : COLOR_WHITE, c->colors == 256 ? 24 : COLOR_BLUE);
    init_pair(PAIR_SEL, c->colors == 256 ? 16 : COLOR_BLACK, c->colors == 256 ? 214 : COLOR_YELLOW);
}

attr_t term_series(const term_caps *c, int series)
{
    if (series < 0)
        return A_NORMAL;
    if (!c->colors)
        return series == SERIES_RULE || series == SERIES_MARK ? A_DIM
               : series == SERIES_N_CURVES - 1                ? A_BOLD
                                                              : A_NORMAL;
    int s = series % SERIES_N;
    attr_t a = COLOR_PAIR(s + 1);
    if (c->colors == 8 && (s == SERIES_RULE || s == SERIES_MARK))
        a = A_DIM;
    return a;
}

attr_t term_role_attr(const term_caps *c, term_role r)
{
    switch (r) {
    case ROLE_BAR:
        return c->colors ? COLOR_PAIR(PAIR_BAR) : A_REVERSE;
    case ROLE_SELECTED:
        return (c->colors ? COLOR_PAIR(PAIR_SEL) : A_REVERSE) | A_BOLD;
    case ROLE_DIM:
        return c->colors == 256 ? COLOR_PAIR(SERIES_RULE + 1) : A_DIM;
    case ROLE_ERROR:
        return (c->colors ? COLOR_PAIR(PAIR_ERROR) : A_NORMAL) | A_BOLD;
    case ROLE_OK:
        return c->colors ? COLOR_PAIR(PAIR_OK) : A_BOLD;
    case ROLE_BORDER:
        return c->colors == 256 ? COLOR_PAIR(SERIES_MARK + 1) : A_NORMAL;
    default:
        return A_NORMAL;
    }
}

static cchar_t wide(const wchar_t *s)
{
    cchar_t cc;
    setcchar(&cc, s, 0, 0, NULL);
    return cc;
}

void term_box(WINDOW *w, const term_caps *c, const char *title, int focused)
{
    attr_t a = focused ? A_BOLD : term_role_attr(c, ROLE_BORDER);
    wattron(w, a);
    if (c->utf8) {
        /* plain box-drawing characters, not ACS: PuTTY draws ACS as lqqk */
        cchar_t h = wide(L"\u2500"), v = wide(L"\u2502"), tl = wide(L"\u256d"),
                tr = wide(L"\u256e"), bl = wide(L"\u2570"), br = wide(L"\u256f");
        wborder_set(w, &v, &v, &h, &h, &tl, &tr, &bl, &br);
    } else {
        wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    }
    wattroff(w, a);
    if (title && getmaxx(w) > 6) {
        /* cut at a space with an ellipsis: never inside a word or number */
        char fit[512];
        layout_fit(title, getmaxx(w) - 6, c->utf8 ? "\u2026" : "...", fit, sizeof fit);
        wattron(w, A_BOLD);
        mvwaddch(w, 0, 2, ' ');
        waddstr(w, fit);
        waddch(w, ' ');
        wattroff(w, A_BOLD);
    }
}

void term_hline(WINDOW *w, const term_caps *c, int y, int x, int n)
{
    if (c->utf8) {
        cchar_t h = wide(L"\u2500");
        mvwhline_set(w, y, x, &h, n);
    } else {
        mvwhline(w, y, x, '-', n);
    }
}
