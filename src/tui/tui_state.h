/* tui_state.h: the explorer's state, shared by the loop (tui.c) and the key
 * handling (keys.c); only the UI thread ever touches it.
 * tui_state.c holds the functions both call. */
#ifndef INNX_TUI_STATE_H
#define INNX_TUI_STATE_H

#include <curses.h>

#include "innx/expr.h"
#include "innx/session.h"
#include "keymap.h"
#include "layout.h"
#include "prompt.h"
#include "term.h"
#include "tui.h"
#include "view.h"

typedef enum { ASK_NONE = 0, ASK_Y, ASK_F, ASK_E, ASK_K, ASK_S, ASK_N } tui_ask;

typedef struct tui {
    session *s;
    tui_opts o;
    term_caps caps;
    session_snapshot snap;
    /* layout and windows, rebuilt when the size or the zoom changes */
    layout L;
    int built_cols, built_rows, built_zoom;
    WINDOW *title, *lambda, *status, *win[PANE_N];
    pane panes[PANE_N];
    int want[PANE_N];
    int zoom;                         /* -1 none */
    /* what the user is looking at */
    int sel, loss_log, help, chooser;
    int pair_page;                    /* the pair plot's page (< >), wrapped by the pane */
    size_t chooser_sel;
    /* lambdas as last set here: shown until the snapshot has caught up,
     * so two quick presses of + double twice */
    double lam[TERM_N], lam_until[TERM_N], saved[TERM_N];
    /* prompts, with a history each */
    tui_ask ask;
    prompt pr;
    prompt_history hist[ASK_N];
    int ask_term;                     /* the term an `e` prompt sets */
    char popup[1200], popup_title[64];
    /* the status line */
    char status_text[512];
    term_role status_role;
    unsigned long seen_message, seen_query;
    /* the formula, parsed for the f(x) pane */
    expr *f;
    char f_src[PROBLEM_FORMULA_LEN];
    problem chosen;                   /* kept alive for session_set_problem */
    /* a vector problem's samples as drawn (tui.c's hold_vector) */
    session_vector_view vec;
    int has_vec;
    double vec_at;
    int quit;
} tui;

double tui_now(void);
/* The lambda to show and to scale from for term k. */
double tui_lambda(const tui *t, int k);
/* One key (curses' codes already mapped onto prompt.h's and keymap.h's). */
void tui_key(tui *t, int key);
void tui_set_status(tui *t, term_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
