/* bars.c: title, lambda and status bars, and the overlays. Every string is
 * cut to its window's width: curses would wrap the rest onto the next row. */
#include <stdio.h>
#include <string.h>

#include "bars.h"
#include "innx/problem.h"

/* Text at the cursor, cut before the window's last column. */
static void put(WINDOW *w, const char *s)
{
    int room = getmaxx(w) - getcurx(w);
    if (room > 0)
        waddnstr(w, s, room);
}

void bars_title(WINDOW *w, const tui_view *v)
{
    const session_snapshot *s = v->snap;
    attr_t bar = term_role_attr(v->caps, ROLE_BAR);
    wbkgdset(w, ' ' | bar);
    werase(w);
    wattron(w, bar);
    char buf[512];
    const char *stage = problem_stage_kind_name(s->stage_kind);
    snprintf(buf, sizeof buf, " innx  %s  %s %zu/%zu  step %ld  %.0f steps/s  lr %.2e  ",
             s->problem, stage, s->stage + 1, s->n_stages, s->step, s->steps_per_s, s->lr);
    mvwaddnstr(w, 0, 0, buf, getmaxx(w));
    attr_t st = s->state == SESSION_DIVERGED ? term_role_attr(v->caps, ROLE_ERROR)
                : s->state == SESSION_RUNNING ? A_BOLD
                                              : term_role_attr(v->caps, ROLE_SELECTED);
    wattron(w, st);
    put(w, session_state_name(s->state));
    wattroff(w, st);
    wattron(w, bar);
    if (s->n_rollbacks > 0 && s->n_rollbacks <= TRAINER_MAX_ROLLBACKS) {
        const trainer_rollback *r = &s->rollbacks[s->n_rollbacks - 1];
        snprintf(buf, sizeof buf, "  rollback at %ld: %s", r->step, r->why);
        put(w, buf);
    }
    wattroff(w, bar);
}

void bars_lambda(WINDOW *w, const tui_view *v)
{
    const session_snapshot *s = v->snap;
    char buf[64];
    wmove(w, 0, 0);
    put(w, v->caps->utf8 ? " \u03bb " : " lambda ");
    int any = 0;
    /* the stage's terms, and dimmed those a later stage weighs (spend's
     * inverse terms during its forward fit) */
    for (int k = 0; k < TERM_N; k++) {
        if (!s->active[k] && !s->avail[k] && v->lambda[k] == 0)
            continue;
        any = 1;
        snprintf(buf, sizeof buf, "%s=%g", problem_term_name(k), v->lambda[k]);
        attr_t a = k == v->sel                         ? term_role_attr(v->caps, ROLE_SELECTED)
                   : v->lambda[k] == 0 || !s->active[k] ? term_role_attr(v->caps, ROLE_DIM)
                                                        : A_NORMAL;
        put(w, " ");
        wattron(w, a);
        put(w, buf);
        wattroff(w, a);
        put(w, " ");
    }
    if (!any)
        put(w, " no loss terms yet");
    const char *hint = v->caps->utf8 ? "\u2190\u2192 term  + \u2212 0 e  [ ] lr  ? help "
                                     : "<- -> term  + - 0 e  [ ] lr  ? help ";
    int len = v->caps->utf8 ? 32 : 36, x = getmaxx(w) - len;   /* display widths */
    if (x > getcurx(w) + 1) {
        attr_t dim = term_role_attr(v->caps, ROLE_DIM);
        wattron(w, dim);
        mvwaddstr(w, 0, x, hint);
        wattroff(w, dim);
    }
}

void bars_status(WINDOW *w, const term_caps *c, const char *text, term_role role)
{
    attr_t a = term_role_attr(c, role);
    wattron(w, a);
    wmove(w, 0, 0);
    put(w, " ");
    put(w, text);
    wattroff(w, a);
}

void bars_prompt(WINDOW *w, const term_caps *c, const prompt *p)
{
    int W = getmaxx(w), lab = (int)strlen(p->label) + 1;
    wattron(w, A_BOLD);
    mvwaddnstr(w, 0, 1, p->label, W - 1);
    wattroff(w, A_BOLD);
    int field = W - lab - 1;
    if (field < 2)
        return;
    size_t first = prompt_scroll(p, field);
    mvwaddnstr(w, 0, lab, p->buf + first, field);
    wmove(w, 0, lab + (int)(p->cur - first));
    (void)c;
}

const char *const bars_help_lines[] = {
    "space   pause / resume           n   one step while paused",
    "r       reset (fresh weights)    t   train on after the end",
    "<- ->   select a loss term       +/- double / halve its lambda",
    "0       switch the term off/on   e   type its exact lambda",
    "[ ]     halve / double the lr    k   number of clusters",
    "y       roots of F(x) = y*       f   edit the formula",
    "p       choose a problem         l   linear / log loss axis",
    "1-4     zoom a pane, Esc back    ?   this help (F1 too)",
    "w       save a checkpoint (cwd)  x   the zoomed pane as CSV",
    "q       quit (Ctrl-C too)",
    "",
    "Prompts: <- ->, Backspace, Delete, Ctrl-A/Ctrl-E, Ctrl-U clears,",
    "up/down recall earlier entries, Enter accepts, Esc cancels.",
    NULL,
};

/* A boxed window of h x w centred, or NULL when the screen is smaller. */
static WINDOW *centred(int h, int w, int y)
{
    if (h > LINES || w > COLS)
        return NULL;
    return newwin(h, w, y >= 0 ? y : (LINES - h) / 2, (COLS - w) / 2);
}

WINDOW *bars_help(const term_caps *c)
{
    int n = 0, wid = 0;
    for (; bars_help_lines[n]; n++)
        if ((int)strlen(bars_help_lines[n]) > wid)
            wid = (int)strlen(bars_help_lines[n]);
    /* on a small screen the help is cut rather than not shown at all */
    int h = n + 4 < LINES ? n + 4 : LINES, W = wid + 4 < COLS ? wid + 4 : COLS;
    WINDOW *w = h >= 3 && W >= 10 ? centred(h, W, -1) : NULL;
    if (!w)
        return NULL;
    term_box(w, c, "innx keys (any key closes)", 1);
    for (int i = 0; i < n && 2 + i < h - 1; i++)
        mvwaddnstr(w, 2 + i, 2, bars_help_lines[i], W - 4);
    return w;
}

WINDOW *bars_message(const term_caps *c, const char *title, const char *text, term_role role,
                     int bottom)
{
    int n = 1, wid = (int)strlen(title) + 6, len = 0;
    for (const char *p = text; *p; p++, len++) {
        if (*p == '\n') {
            n++;
            len = -1;
        }
        if (len + 5 > wid)   /* len is the 0-based column: text + 2 each side */
            wid = len + 5;
    }
    if (wid > COLS)
        wid = COLS;
    int h = n + 2, y = LINES - bottom - h;
    if (y < 0 || wid < 8)
        return NULL;
    WINDOW *w = newwin(h, wid, y, (COLS - wid) / 2);
    if (!w)
        return NULL;
    term_box(w, c, title, 1);
    attr_t a = term_role_attr(c, role);
    wattron(w, a);
    int row = 1;
    for (const char *p = text; *p && row <= n; row++) {
        const char *e = strchr(p, '\n');
        int l = e ? (int)(e - p) : (int)strlen(p);
        mvwaddnstr(w, row, 2, p, l < wid - 4 ? l : wid - 4);
        p += l + (e != NULL);
    }
    wattroff(w, a);
    return w;
}

WINDOW *bars_chooser(const term_caps *c, size_t sel)
{
    size_t n = problem_n_builtins();
    int wid = 40;
    for (size_t i = 0; i < n; i++) {
        const char *sum = problem_builtin_summary(i);
        int l = 18 + (sum ? (int)strlen(sum) : 0);
        if (l > wid)
            wid = l;
    }
    if (wid > COLS - 2)
        wid = COLS - 2;
    WINDOW *w = centred((int)n + 4, wid, -1);
    if (!w)
        return NULL;
    term_box(w, c, "choose a problem (Enter, Esc)", 1);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        const char *sum = problem_builtin_summary(i);
        snprintf(line, sizeof line, " %-14s %s", problem_builtin_name(i), sum ? sum : "");
        attr_t a = i == sel ? term_role_attr(c, ROLE_SELECTED) : A_NORMAL;
        wattron(w, a);
        mvwaddnstr(w, 2 + (int)i, 1, line, wid - 2);
        wattroff(w, a);
    }
    return w;
}

void bars_too_small(WINDOW *w, const term_caps *c, int cols, int rows, int need_w, int need_h)
{
    char a[96], b[64];
    snprintf(a, sizeof a, "terminal too small: %dx%d", cols, rows);
    snprintf(b, sizeof b, "innx needs %dx%d (q quits)", need_w, need_h);
    int y = rows / 2 - 1;
    /* on a tiny screen, say the size needed even if cut: it is the point */
    mvwaddnstr(w, y < 0 ? 0 : y, cols > (int)strlen(a) ? (cols - (int)strlen(a)) / 2 : 0, a, cols);
    if (y + 1 < rows)
        mvwaddnstr(w, y + 1, cols > (int)strlen(b) ? (cols - (int)strlen(b)) / 2 : 0, b, cols);
    (void)c;
}
