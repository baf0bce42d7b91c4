/* keys.c: what each key does: session commands, prompts and their answers,
 * zoom, help, the problem chooser; a key changes state, the next frame shows it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "innx/figure.h"
#include "layout.h"
#include "tui_state.h"

#define LAMBDA_HOLD 1.0   /* seconds a set lambda is shown before the snapshot's */

static void set_lambda(tui *t, int k, double v)
{
    if (k < 0 || k >= TERM_N || !isfinite(v) || v < 0)
        return;
    session_set_lambda(t->s, (problem_term)k, v);
    t->lam[k] = v;
    t->lam_until[k] = tui_now() + LAMBDA_HOLD;
}

/* The next (dir > 0) or previous term the stage weighs (or builds once its
 * lambda is set: gp), wrapping round. */
static void select_term(tui *t, int dir)
{
    for (int i = 1; i <= TERM_N; i++) {
        int k = ((t->sel < 0 ? 0 : t->sel) + dir * i + 2 * TERM_N) % TERM_N;
        if (t->snap.active[k] || t->snap.avail[k]) {
            t->sel = k;
            return;
        }
    }
}

/* A whole-string number: "0.5" yes, "0.5x" and "" no. */
static int parse_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return end != s && !*end && !errno && isfinite(*v);
}

static void ask(tui *t, tui_ask kind, const char *label, const char *init)
{
    t->ask = kind;
    t->popup[0] = 0;
    prompt_begin(&t->pr, label, init, &t->hist[kind]);
}

/* A refused entry: the prompt stays open over the status line, so the
 * reason goes in the popup above it, where it is seen. */
static void refuse(tui *t, const char *msg)
{
    snprintf(t->popup, sizeof t->popup, "%s", msg);
    snprintf(t->popup_title, sizeof t->popup_title, "not accepted (Esc cancels)");
}

/* Enter on a prompt: act, and say whether the prompt closes. */
static int accept(tui *t)
{
    const char *text = prompt_text(&t->pr);
    double v;
    innx_err err;
    switch (t->ask) {
    case ASK_Y:
        if (t->snap.vector) {
            /* a vector y*: its m components, comma-separated */
            double ys[PROBLEM_MAX_Y];
            size_t m = 0;
            char buf[512], *save = NULL;
            snprintf(buf, sizeof buf, "%s", text);
            int ok = 1;
            for (char *tok = strtok_r(buf, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
                while (*tok == ' ')
                    tok++;
                ok = m < PROBLEM_MAX_Y && parse_number(tok, &ys[m]);
                m += ok;
            }
            if (!ok || m == 0) {
                char msg[400];
                snprintf(msg, sizeof msg, "y*: '%.200s' is not a list of numbers (e.g. 1.5, 0)", text);
                refuse(t, msg);
                return 0;
            }
            if (session_query_vector(t->s, ys, m, &err) != 0) {
                refuse(t, err.msg);
                return 0;
            }
            tui_set_status(t, ROLE_NORMAL, "y* set: drawing the samples again...");
            return 1;
        }
        if (!parse_number(text, &v)) {
            char m[300];
            if (!text[0])
                snprintf(m, sizeof m, "y*: type a number, e.g. 0.2 or -1e-3");
            else
                snprintf(m, sizeof m, "y*: '%.200s' is not a number (e.g. 0.2 or -1e-3)", text);
            refuse(t, m);
            return 0;
        }
        session_query(t->s, v);
        tui_set_status(t, ROLE_NORMAL, "y* = %g: asking G for every root...", v);
        return 1;
    case ASK_F:
        if (session_set_formula(t->s, text, &err)) {
            /* refused: the parser's message and caret, and the line stays
             * open to fix it; training goes on with the old formula */
            snprintf(t->popup, sizeof t->popup, "%s", err.msg);
            snprintf(t->popup_title, sizeof t->popup_title, "formula refused (Esc keeps the old)");
            return 0;
        }
        tui_set_status(t, ROLE_OK, "training on f(x) = %s", text);
        return 1;
    case ASK_E:
        if (!parse_number(text, &v) || v < 0) {
            /* what is wrong, not only what is right: a word, or a sign */
            char m[300];
            if (!text[0])
                snprintf(m, sizeof m, "lambda: type a number >= 0 (0 switches the term off)");
            else if (v < 0 && parse_number(text, &v))
                snprintf(m, sizeof m, "lambda: %.200s is negative: a weight is 0 (off) or more", text);
            else
                snprintf(m, sizeof m, "lambda: '%.200s' is not a number (a weight >= 0, e.g. 10)", text);
            refuse(t, m);
            return 0;
        }
        set_lambda(t, t->ask_term, v);
        return 1;
    case ASK_K:
        if (!parse_number(text, &v) || v != floor(v) || v < 1 || v > REPORT_MAX_K) {
            char m[64];
            snprintf(m, sizeof m, "k: a whole number from 1 to %d", REPORT_MAX_K);
            refuse(t, m);
            return 0;
        }
        session_set_k(t->s, (size_t)v);
        tui_set_status(t, ROLE_NORMAL, "clustering G's answers into %g", v);
        return 1;
    case ASK_S: {
        char m[128];
        if (!parse_number(text, &v) || v != floor(v) || v < SESSION_VECTOR_MIN || v > SESSION_VECTOR_N) {
            snprintf(m, sizeof m, "samples: a whole number from %d to %d", SESSION_VECTOR_MIN, SESSION_VECTOR_N);
            refuse(t, m);
            return 0;
        }
        if (session_set_samples(t->s, (size_t)v, &err) != 0) {
            refuse(t, err.msg);
            return 0;
        }
        tui_set_status(t, ROLE_NORMAL, "%g samples at y*: drawing them...", v);
        return 1;
    }
    default:
        return 1;
    }
}

static void prompt_keys(tui *t, int key)
{
    prompt_status st = prompt_key(&t->pr, key);
    if (st == PROMPT_CANCELLED || (st == PROMPT_ACCEPTED && accept(t))) {
        t->ask = ASK_NONE;
        t->popup[0] = 0;
    }
}

static void chooser_keys(tui *t, int key)
{
    size_t n = problem_n_builtins();
    if (key == PROMPT_KEY_UP && t->chooser_sel > 0)
        t->chooser_sel--;
    else if (key == PROMPT_KEY_DOWN && t->chooser_sel + 1 < n)
        t->chooser_sel++;
    else if (key == PROMPT_ESC || key == 'q' || key == 'p')
        t->chooser = 0;
    else if (key == '\r' || key == '\n' || key == PROMPT_KEY_ENTER) {
        t->chooser = 0;
        const char *name = problem_builtin_name(t->chooser_sel);
        innx_err err;
        if (!name || problem_builtin(name, &t->chosen, &err) ||
            session_set_problem(t->s, &t->chosen, &err))
            tui_set_status(t, ROLE_ERROR, "%s", err.msg);
        else
            tui_set_status(t, ROLE_OK, "training on %s", name);
    }
}

static void toggle_term(tui *t)
{
    int k = t->sel;
    if (k < 0 || k >= TERM_N)
        return;
    double cur = tui_lambda(t, k);
    if (cur != 0) {
        t->saved[k] = cur;
        set_lambda(t, k, 0);
    } else {
        set_lambda(t, k, t->saved[k] > 0 ? t->saved[k] : 1);
    }
}

void tui_key(tui *t, int key)
{
    if (key == TUI_KEY_RESIZE)
        return;   /* the next frame lays the screen out again */
    if (t->ask) {
        prompt_keys(t, key);
        return;
    }
    if (t->chooser) {
        chooser_keys(t, key);
        return;
    }
    if (t->help) {   /* any key closes the help; q also quits */
        t->help = 0;
        if (key != 'q')
            return;
    }
    const keymap_entry *e;
    int at = 0;
    /* keys reach an action only through the table (keymap.c), the one
     * the help screen prints */
    if (!(e = keymap_lookup(key, &at)))
        return;
    char init[64];
    int k = t->sel >= 0 && t->sel < TERM_N ? t->sel : -1;
    switch (e->action) {
    case ACT_QUIT:
        t->quit = 1;
        break;
    case ACT_PAUSE:
        session_toggle_pause(t->s);
        break;
    case ACT_STEP:
        session_step_once(t->s);
        break;
    case ACT_RESET:
        session_reset(t->s);
        tui_set_status(t, ROLE_NORMAL, "reset: fresh weights, next seed");
        break;
    case ACT_TRAIN_ON:
        session_train_on(t->s);
        break;
    case ACT_TERM_PREV:
        select_term(t, -1);
        break;
    case ACT_TERM_NEXT:
        select_term(t, +1);
        break;
    case ACT_LAMBDA_UP:
        if (k >= 0) {
            double cur = tui_lambda(t, k);
            set_lambda(t, k, cur > 0 ? cur * 2 : t->saved[k] > 0 ? t->saved[k] : 1);
        }
        break;
    case ACT_LAMBDA_DOWN:
        if (k >= 0)
            set_lambda(t, k, tui_lambda(t, k) / 2);
        break;
    case ACT_TERM_TOGGLE:
        toggle_term(t);
        break;
    case ACT_LAMBDA_EDIT:
        if (k >= 0) {
            char label[64];
            snprintf(label, sizeof label, "lambda %s = ", problem_term_name(k));
            snprintf(init, sizeof init, "%g", tui_lambda(t, k));
            t->ask_term = k;
            ask(t, ASK_E, label, init);
        }
        break;
    case ACT_LR_DOWN:
        session_scale_lr(t->s, 0.5);
        break;
    case ACT_LR_UP:
        session_scale_lr(t->s, 2);
        break;
    case ACT_QUERY:
        ask(t, ASK_Y, t->snap.vector ? "samples of x for y* (y1, y2, ...) = " : "roots of F(x) = y*, y* = ", NULL);
        break;
    case ACT_FORMULA:
        ask(t, ASK_F, "f(x) = ", t->snap.formula);
        break;
    case ACT_CLUSTERS:
        snprintf(init, sizeof init, "%zu", t->snap.report.k);
        ask(t, ASK_K, "clusters k = ", t->snap.has_report ? init : NULL);
        break;
    case ACT_PROBLEM:
        t->chooser = 1;
        for (size_t i = 0; problem_builtin_name(i); i++)
            if (!strcmp(problem_builtin_name(i), t->snap.problem))
                t->chooser_sel = i;
        break;
    case ACT_SAMPLES:
        if (!t->snap.vector) {
            tui_set_status(t, ROLE_ERROR, "s: only a vector problem draws samples (ik, two-moons, square)");
            break;
        }
        snprintf(init, sizeof init, "%zu", t->snap.has_vector ? t->snap.vec.samples : (size_t)SESSION_VECTOR_N);
        ask(t, ASK_S, "samples at y* = ", init);
        break;
    case ACT_PAIRS:   /* the pane wraps the page into its own count */
        t->pair_page += at ? 1 : -1;
        break;
    case ACT_ZOOM:   /* the key's place in its entry is the pane: 1-4 */
        t->zoom = t->zoom == at ? -1 : at;
        break;
    case ACT_UNZOOM:
        t->zoom = -1;
        break;
    case ACT_LOSS_AXIS:
        t->loss_log = !t->loss_log;
        break;
    case ACT_SAVE:
        /* saved in the trainer's thread between two steps; its message
         * (the file's name, or why not) comes back in the status line */
        session_save(t->s, NULL);
        tui_set_status(t, ROLE_NORMAL, "saving...");
        break;
    case ACT_EXPORT: {
        char path[256];
        innx_err err;
        if (tui_export(t, path, sizeof path, &err) == 0)
            tui_set_status(t, ROLE_OK, "wrote %s", path);
        else
            tui_set_status(t, ROLE_ERROR, "export: %s", err.msg);
        break;
    }
    case ACT_FIGURE: {
        /* drawn from the copied snapshot, in this thread (cairo is not
         * curses), beside the CSV export's name: innx-PROBLEM-PANE-STEP */
        char written[1024];
        innx_err err;
        if (t->zoom < 0 || t->zoom >= PANE_N)
            tui_set_status(t, ROLE_ERROR, "zoom a pane first (1-4), then g writes its figure");
        else if (figure_write_pane(&t->snap, t->zoom, ".", FIGURE_DEFAULT_FORMATS, written, sizeof written, &err) == 0)
            tui_set_status(t, ROLE_OK, "wrote %s", written);
        else
            tui_set_status(t, ROLE_ERROR, "figure: %s", err.msg);
        break;
    }
    case ACT_HELP:
        t->help = 1;
        break;
    case ACT_REPAINT:
        clearok(curscr, TRUE);   /* repaint everything: a garbled screen */
        break;
    case ACT_NONE:
    case ACT_N:
        break;
    }
}
