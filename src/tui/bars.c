/* bars.c: title, lambda and status bars, and the overlays. Every string is
 * cut to its window's width: curses would wrap the rest onto the next row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bars.h"
#include "keymap.h"
#include "innx/problem.h"

/* Text at the cursor, cut before the window's last column. */
static void put(WINDOW *w, const char *s)
{
    int room = getmaxx(w) - getcurx(w);
    if (room > 0)
        waddnstr(w, s, room);
}

/* A rollback said in `form` 0 (all: "rollback at 759: blow-up (loss 12):
 * back to step 512, lr halved"), 1 (its outcome: "rollback at 759: back
 * to step 512, lr halved") or 2 ("rollback 759->512"); "" when the why has
 * no step to go back to and the form is short. */
static void rollback_text(const trainer_rollback *r, int form, char *buf, size_t n)
{
    const char *back = strstr(r->why, "back to step ");
    long to = back ? strtol(back + 13, NULL, 10) : -1;
    int halved = strstr(r->why, "lr halved") != NULL;
    if (form == 0)
        snprintf(buf, n, "  rollback at %ld: %s", r->step, r->why);
    else if (!back)
        snprintf(buf, n, "%s", form == 1 ? "  rollback" : "");
    else if (form == 1)
        snprintf(buf, n, "  rollback at %ld: back to step %ld%s", r->step, to, halved ? ", lr halved" : "");
    else
        snprintf(buf, n, "  rollback %ld->%ld", r->step, to);
}

void bars_title(WINDOW *w, const tui_view *v)
{
    const session_snapshot *s = v->snap;
    attr_t bar = term_role_attr(v->caps, ROLE_BAR);
    wbkgdset(w, ' ' | bar);
    werase(w);
    wattron(w, bar);
    const char *stage = problem_stage_kind_name(s->stage_kind);
    char head[200], rate[48], lr[48], rb[3][200];
    snprintf(head, sizeof head, " innx  %s  %s %zu/%zu  step %ld  ", s->problem, stage, s->stage + 1, s->n_stages,
             s->step);
    snprintf(rate, sizeof rate, "%.0f steps/s  ", s->steps_per_s);
    snprintf(lr, sizeof lr, "lr %.2e  ", s->lr);
    const char *state = session_state_name(s->state);
    int has_rb = s->n_rollbacks > 0 && s->n_rollbacks <= TRAINER_MAX_ROLLBACKS;
    for (int f = 0; f < 3; f++) {
        rb[f][0] = 0;
        if (has_rb)
            rollback_text(&s->rollbacks[s->n_rollbacks - 1], f, rb[f], sizeof rb[f]);
    }
    /* Never a number cut in half: the longest whole form that fits,
     * giving up first the rate, then the rollback's cause, then the lr
     * (each part is whole or absent); the state always. */
    static const struct { int rate, lr, rb; } tier[] = {
        {1, 1, 0}, {1, 1, 1}, {0, 1, 0}, {0, 1, 1}, {0, 1, 2}, {0, 1, 3}, {0, 0, 2}, {0, 0, 3},
    };
    int W = getmaxx(w), pick = -1;
    size_t fixed = strlen(head) + strlen(state);
    for (size_t i = 0; i < sizeof tier / sizeof tier[0] && pick < 0; i++) {
        size_t len = fixed + (tier[i].rate ? strlen(rate) : 0) + (tier[i].lr ? strlen(lr) : 0) +
                     (tier[i].rb < 3 ? strlen(rb[tier[i].rb]) : 0);
        if ((int)len <= W)
            pick = (int)i;
    }
    char fit[200];
    if (pick < 0) {   /* a long problem name: it loses whole words */
        int room = W - (int)strlen(state) - 2;
        layout_fit(head, room, v->caps->utf8 ? "\u2026" : "...", fit, sizeof fit);
        mvwaddstr(w, 0, 0, fit);
        waddstr(w, "  ");
    } else {
        mvwaddstr(w, 0, 0, head);
        if (tier[pick].rate)
            waddstr(w, rate);
        if (tier[pick].lr)
            waddstr(w, lr);
    }
    attr_t st = s->state == SESSION_DIVERGED ? term_role_attr(v->caps, ROLE_ERROR)
                : s->state == SESSION_RUNNING ? A_BOLD
                                              : term_role_attr(v->caps, ROLE_SELECTED);
    wattron(w, st);
    put(w, state);
    wattroff(w, st);
    wattron(w, bar);
    if (pick >= 0 && tier[pick].rb < 3)
        put(w, rb[tier[pick].rb]);
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
    char fit[1024];
    /* a line longer than the screen loses whole words from its end, and
     * says so: never half a number */
    layout_fit(text, getmaxx(w) - 2, c->utf8 ? "\u2026" : "...", fit, sizeof fit);
    wattron(w, a);
    mvwaddstr(w, 0, 0, " ");
    waddstr(w, fit);   /* fitted in columns: put()'s byte count could split the ellipsis */
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

/* A window of h x w placed by the layout (centred, or at row y; off the
 * panes' borders), or NULL when the screen is smaller. */
static WINDOW *placed(const layout *L, int h, int w, int y)
{
    layout_rect r = layout_overlay(L, w, h, y);
    return r.w > 0 && r.h > 0 ? newwin(r.h, r.w, r.y, r.x) : NULL;
}

WINDOW *bars_help(const term_caps *c, const layout *L)
{
    /* the key table's own text (keymap.c): the keys that act are the keys listed */
    char line[160];
    int n = 0, wid = 0;
    for (; keymap_help_line((size_t)n, line, sizeof line); n++)
        if ((int)strlen(line) > wid)
            wid = (int)strlen(line);
    /* on a small screen the help is cut rather than not shown at all */
    /* no blank rows inside the border: at 80x24 the box then has room to
     * keep its edges off the panes' borders (layout_overlay) */
    int h = n + 2 < LINES ? n + 2 : LINES, W = wid + 4 < COLS ? wid + 4 : COLS;
    WINDOW *w = h >= 3 && W >= 10 ? placed(L, h, W, -1) : NULL;
    if (!w)
        return NULL;
    term_box(w, c, "innx keys (any key closes)", 1);
    for (int i = 0; i < n && 1 + i < h - 1 && keymap_help_line((size_t)i, line, sizeof line); i++)
        mvwaddnstr(w, 1 + i, 2, line, W - 4);
    return w;
}

WINDOW *bars_message(const term_caps *c, const layout *L, const char *title, const char *text,
                     term_role role)
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
    int h = n + 2;
    if (h > LINES || wid < 8)
        return NULL;
    /* at the bottom of the panes, just above the prompt it is about */
    WINDOW *w = placed(L, h, wid, LINES);
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

WINDOW *bars_chooser(const term_caps *c, const layout *L, size_t sel)
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
    WINDOW *w = placed(L, (int)n + 4, wid, -1);
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
