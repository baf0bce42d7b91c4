/* tui.c: the explorer's loop: select() on the keys, the session's wake fd and a
 * signal self-pipe; at most fps frames a second, one doupdate() each. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"

#include "bars.h"
#include "tui_state.h"

/* Signal handlers may only touch these (a flag and the pipe's write end):
 * the loop sees the byte in select() and quits cleanly. */
static volatile sig_atomic_t got_signal, got_winch;
static int signal_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH)
        got_winch = 1;
    else
        got_signal = sig;
    if (signal_fd >= 0) {
        char c = 1;
        ssize_t r = write(signal_fd, &c, 1);
        (void)r;   /* a full pipe already wakes the loop */
    }
    errno = saved;
}

static const pane_ops *const pane_table[PANE_N] = {&pane_loss_ops, &pane_latent_ops,
                                                   &pane_fx_ops, &pane_clusters_ops};

static void free_windows(tui *t)
{
    WINDOW **all[] = {&t->title, &t->lambda, &t->status};
    for (size_t i = 0; i < 3; i++)
        if (*all[i]) {
            delwin(*all[i]);
            *all[i] = NULL;
        }
    for (int i = 0; i < PANE_N; i++)
        if (t->win[i]) {
            delwin(t->win[i]);
            t->win[i] = NULL;
        }
}

static WINDOW *win_at(layout_rect r)
{
    return r.w > 0 && r.h > 0 ? newwin(r.h, r.w, r.y, r.x) : NULL;
}

/* New windows when the size or the zoom changed; the session decimates its
 * history to the loss plot's dot width. */
static void relayout(tui *t)
{
    if (t->built_cols == COLS && t->built_rows == LINES && t->built_zoom == t->zoom &&
        (t->title || t->L.too_small))
        return;
    free_windows(t);
    layout_compute(COLS, LINES, t->want, t->zoom, &t->L);
    t->built_cols = COLS;
    t->built_rows = LINES;
    t->built_zoom = t->zoom;
    werase(stdscr);
    wnoutrefresh(stdscr);
    if (t->L.too_small)
        return;
    t->title = win_at(t->L.title);
    t->lambda = win_at(t->L.lambda);
    t->status = win_at(t->L.status);
    for (int i = 0; i < PANE_N; i++)
        if (t->L.shown[i])
            t->win[i] = win_at(t->L.pane[i]);
    if (t->L.shown[PANE_LOSS]) {
        int w = t->L.pane[PANE_LOSS].w - 2 - 7;   /* the plot's cells (plot.h) */
        session_set_width(t->s, (size_t)(w > 8 ? 2 * w : 16));
    }
}

/* Reads what the new snapshot says to the user once: a message, a query's
 * answer, a new formula to parse, a selection that left the stage. */
static void absorb(tui *t)
{
    session_snapshot *s = &t->snap;
    if (s->message_id != t->seen_message) {
        t->seen_message = s->message_id;
        char *nl = strchr(s->message, '\n');
        if (nl)
            *nl = 0;   /* the status line holds one line */
        if (s->message[0])
            tui_set_status(t, ROLE_NORMAL, "%s", s->message);
    }
    if (s->query_id != t->seen_query) {
        t->seen_query = s->query_id;
        const report_query *q = &s->query;
        /* the counts first, then the roots: a narrow status line loses
         * roots from the end (whole ones), never the counts */
        char buf[400], why[200];
        size_t n = (size_t)snprintf(buf, sizeof buf, "y* = %g: ", q->y);
        if (q->n_roots == 0)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "no root found (the scan finds %zu)", q->n_ref);
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%zu root%s (the scan finds %zu):", q->n_roots,
                                  q->n_roots == 1 ? "" : "s", q->n_ref);
        for (size_t i = 0; i < q->n_roots && i < REPORT_MAX_ROOTS && n < 300; i++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, " %.4f", q->roots[i].x);
        if (view_query_reason(s, why, sizeof why) && n < 300)
            snprintf(buf + n, sizeof buf - n, "; failed: %s", why);
        tui_set_status(t, q->n_roots == q->n_ref ? ROLE_OK : ROLE_ERROR, "%s", buf);
    }
    if (strcmp(s->formula, t->f_src)) {
        snprintf(t->f_src, sizeof t->f_src, "%s", s->formula);
        expr_free(t->f);
        t->f = NULL;
        if (s->has_formula && s->formula[0]) {
            innx_err err;
            t->f = expr_parse(s->formula, &err);
            if (t->f && expr_n_vars(t->f) > 1) {   /* the pane plots one variable */
                expr_free(t->f);
                t->f = NULL;
            }
        }
    }
    if (t->sel < 0 || t->sel >= TERM_N || !(s->active[t->sel] || s->avail[t->sel])) {
        t->sel = -1;
        for (int k = 0; k < TERM_N && t->sel < 0; k++)
            if (s->active[k])
                t->sel = k;
    }
    for (int k = 0; k < TERM_N; k++)   /* what 0 switches back on */
        if (s->lambda[k] > 0 && t->saved[k] == 0)
            t->saved[k] = s->lambda[k];
}

/* An overlay window: put it on the virtual screen, then let it go. */
static void show_overlay(WINDOW *w)
{
    if (w) {
        wnoutrefresh(w);
        delwin(w);
    }
}

/* A vector problem's samples all move with every view the session draws
 * (about once a second); while training the panes take a new one at most
 * every VECTOR_HOLD seconds (the pair plot and y-space redraw whole, ~2 KB
 * each at 120x40). A new y*, sample count, problem or a run that stopped
 * shows at once. */
#define VECTOR_HOLD 3.0
static void hold_vector(tui *t)
{
    session_snapshot *s = &t->snap;
    if (!s->has_vector) {
        t->has_vec = 0;
        return;
    }
    const session_vector_view *a = &s->vec, *b = &t->vec;
    int same_question = t->has_vec && a->n == b->n && a->m == b->m && a->samples == b->samples &&
                        !memcmp(a->ystar, b->ystar, sizeof a->ystar) && a->step >= b->step;
    if (!same_question || s->state != SESSION_RUNNING || tui_now() - t->vec_at >= VECTOR_HOLD) {
        if (!t->has_vec || a->step != b->step || !same_question)
            t->vec_at = tui_now();
        t->vec = *a;
        t->has_vec = 1;
    } else {
        s->vec = t->vec;
    }
}

static void frame(tui *t)
{
    session_snapshot_copy(t->s, &t->snap);
    hold_vector(t);
    absorb(t);
    relayout(t);
    if (t->L.too_small) {
        werase(stdscr);
        bars_too_small(stdscr, &t->caps, COLS, LINES, t->L.need_w, t->L.need_h);
        curs_set(0);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    double lam[TERM_N];
    for (int k = 0; k < TERM_N; k++)
        lam[k] = tui_lambda(t, k);
    tui_view v = {&t->snap, &t->caps, t->sel, t->loss_log, t->f, lam, t->pair_page};
    if (t->title) {
        werase(t->title);
        bars_title(t->title, &v);
        wnoutrefresh(t->title);
    }
    for (int i = 0; i < PANE_N; i++) {
        if (!t->win[i])
            continue;
        werase(t->win[i]);
        t->panes[i].ops->draw(&t->panes[i], t->win[i], &v);
        wnoutrefresh(t->win[i]);
    }
    if (t->lambda) {
        werase(t->lambda);
        bars_lambda(t->lambda, &v);
        wnoutrefresh(t->lambda);
    }
    if (t->help)
        show_overlay(bars_help(&t->caps, &t->L));
    if (t->chooser)
        show_overlay(bars_chooser(&t->caps, &t->L, t->chooser_sel));
    if (t->ask && t->popup[0])
        show_overlay(bars_message(&t->caps, &t->L, t->popup_title, t->popup, ROLE_ERROR));
    if (t->status) {
        /* last, so the terminal's cursor ends where the prompt types */
        werase(t->status);
        if (t->ask) {
            curs_set(1);
            bars_prompt(t->status, &t->caps, &t->pr);
        } else {
            curs_set(0);
            bars_status(t->status, &t->caps,
                        t->status_text[0] ? t->status_text
                                          : "? help  space pause  y roots  f formula  q quit",
                        t->status_text[0] ? t->status_role : ROLE_DIM);
        }
        wnoutrefresh(t->status);
    }
    doupdate();
}

static int map_key(int r, wint_t ch)
{
    if (r == KEY_CODE_YES) {
        switch (ch) {
        case KEY_LEFT: return PROMPT_KEY_LEFT;
        case KEY_RIGHT: return PROMPT_KEY_RIGHT;
        case KEY_UP: return PROMPT_KEY_UP;
        case KEY_DOWN: return PROMPT_KEY_DOWN;
        case KEY_HOME: return PROMPT_KEY_HOME;
        case KEY_END: return PROMPT_KEY_END;
        case KEY_BACKSPACE: return PROMPT_KEY_BACKSPACE;
        case KEY_DC: return PROMPT_KEY_DELETE;
        case KEY_ENTER: return PROMPT_KEY_ENTER;
        case KEY_F(1): return TUI_KEY_F1;
        case KEY_RESIZE: return TUI_KEY_RESIZE;
        default: return TUI_KEY_OTHER;
        }
    }
    return (int)ch;
}

/* Every key waiting; returns how many (0 when the terminal said readable
 * but gave nothing: the end of input). */
static int read_keys(tui *t)
{
    int n = 0;
    wint_t ch;
    int r;
    while (!t->quit && (r = wget_wch(stdscr, &ch)) != ERR) {
        tui_key(t, map_key(r, ch));
        n++;
    }
    return n;
}

static int pipe_nonblock(int fd[2])
{
    if (pipe(fd))
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
        fcntl(fd[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

#define DATA_FPS 3      /* frames a second for new snapshots alone */
enum { DIRTY_KEY = 1, DIRTY_DATA = 2 };

/* The loop proper; returns the exit code. */
static int run(tui *t, int sig_rd)
{
    /* A key or a resize is drawn at --fps; a new snapshot alone at most
     * DATA_FPS times a second: the loss curve rescales with every step, so
     * each of its frames redraws the pane, and over SSH those bytes count
     * (ik at 120x40: 12 KB/s at 10 frames a second). */
    double period = 1.0 / (t->o.fps > 0 ? t->o.fps : 10), last = -1e9;
    double data_period = period > 1.0 / DATA_FPS ? period : 1.0 / DATA_FPS;
    int dirty = DIRTY_KEY, idle_reads = 0, wake = session_wake_fd(t->s);
    long frames = 0;
    while (!t->quit && !got_signal) {
        double now = tui_now();
        struct timeval tv, *tvp = NULL;   /* nothing to draw: sleep until an event */
        if (dirty) {
            double wait = last + (dirty & DIRTY_KEY ? period : data_period) - now;
            if (wait <= 0) {
                frame(t);
                last = now;
                dirty = 0;
                if (t->o.max_frames > 0 && ++frames >= t->o.max_frames)
                    break;
                continue;
            }
            tv.tv_sec = (time_t)wait;
            tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6) + 1;
            tvp = &tv;
        }
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(STDIN_FILENO, &rd);
        FD_SET(sig_rd, &rd);
        int top = sig_rd > STDIN_FILENO ? sig_rd : STDIN_FILENO;
        if (wake >= 0) {
            FD_SET(wake, &rd);
            top = wake > top ? wake : top;
        }
        int r = select(top + 1, &rd, NULL, NULL, tvp);
        if (got_winch) {
            /* Our own SIGWINCH handler, through the pipe: curses' would only
             * set a flag for the next read, and a resize that lands while
             * a frame is drawn would then wait for a key. */
            got_winch = 0;
            struct winsize ws;
            if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
                resizeterm(ws.ws_row, ws.ws_col);
            dirty |= DIRTY_KEY;
        }
        if (r < 0) {
            if (errno != EINTR)
                return 1;
            continue;
        }
        if (FD_ISSET(sig_rd, &rd)) {
            char buf[16];
            while (read(sig_rd, buf, sizeof buf) > 0)
                ;
        }
        if (wake >= 0 && FD_ISSET(wake, &rd)) {
            session_drain_wake(t->s);
            dirty |= DIRTY_DATA;
        }
        if (FD_ISSET(STDIN_FILENO, &rd)) {
            if (read_keys(t)) {
                idle_reads = 0;
                dirty |= DIRTY_KEY;
            } else if (++idle_reads >= 50) {
                break;   /* readable yet empty, again and again: the terminal is gone */
            }
        }
    }
    return 0;
}

/* SIGHUP or SIGTERM: the run is not lost. The session stops between two
 * steps and its trainer goes to an autosave, said on stderr (after endwin,
 * so it stays on the terminal when there is one). */
static void autosave(session *s, int sig)
{
    trainer *tr = session_detach(s);
    char dir[4096], path[4200];
    innx_err err;
    const char *name = sig == SIGHUP ? "SIGHUP" : "SIGTERM";
    if (trainer_autosave_dir(dir, sizeof dir, &err) != 0 ||
        trainer_save_auto(tr, dir, path, sizeof path, &err) != 0)
        fprintf(stderr, "innx: explorer: %s: %s\n", name, err.msg);
    else
        fprintf(stderr, "innx: explorer: %s: step %ld saved to %s\n", name, trainer_steps(tr), path);
    trainer_free(tr);
}

int tui_run(const problem *p, const tui_opts *o)
{
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
        fprintf(stderr, "innx: the explorer needs a terminal; use innx train NAME for a headless run\n");
        return 2;
    }
    /* The locale decides braille, but numbers stay in C: strtod of "0.5"
     * and printf's "%g" must not turn into "0,5" in a German locale. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    tui *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(stderr, "innx: out of memory\n");
        return 1;
    }
    t->o = *o;
    t->zoom = -1;
    t->sel = -1;
    t->loss_log = 1;
    t->built_zoom = -2;
    for (int i = 0; i < PANE_N; i++) {
        t->want[i] = 1;
        t->panes[i].ops = pane_table[i];
        canvas_init(&t->panes[i].cv, 0, 0, 0);
    }
    term_detect(o->ascii, o->no_color, &t->caps);

    int sp[2], code = 0;
    if (pipe_nonblock(sp)) {
        fprintf(stderr, "innx: pipe: %s\n", strerror(errno));
        free(t);
        return 1;
    }
    signal_fd = sp[1];
    got_signal = 0;
    got_winch = 0;
    /* Ours before newterm: curses then leaves SIGINT, SIGTERM and SIGWINCH
     * to us. SA_RESTART is off so select() returns at once. */
    struct sigaction sa, old_int, old_term, old_hup, old_winch, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGWINCH, &sa, &old_winch);
    sa.sa_handler = SIG_IGN;   /* a dropped link shows as EOF, not a kill */
    sigaction(SIGPIPE, &sa, &old_pipe);

    innx_err err;
    t->s = o->restored ? session_start_trainer(o->restored, 0, 0, &err) : session_start(p, 0, &err);
    SCREEN *scr = NULL;
    if (!t->s) {
        fprintf(stderr, "innx: %s\n", err.msg);
        code = 1;
    } else if (!(scr = newterm(NULL, stdout, stdin))) {
        const char *term = getenv("TERM");
        fprintf(stderr, "innx: cannot drive the terminal (TERM=%s)\n", term ? term : "");
        code = 2;
    } else {
        set_escdelay(25);   /* Esc closes a prompt at once */
        cbreak();
        noecho();
        nonl();
        keypad(stdscr, TRUE);
        nodelay(stdscr, TRUE);
        curs_set(0);
        term_init_colors(&t->caps);
        refresh();   /* or the first read would refresh stdscr over the panes */
        code = run(t, sp[0]);
        free_windows(t);
        endwin();
    }
    if (t->s && (got_signal == SIGHUP || got_signal == SIGTERM))
        autosave(t->s, got_signal);
    else if (t->s)
        session_free(t->s);
    if (scr)
        delscreen(scr);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    signal_fd = -1;
    close(sp[0]);
    close(sp[1]);
    for (int i = 0; i < PANE_N; i++)
        canvas_free(&t->panes[i].cv);
    expr_free(t->f);
    free(t);
    return code;
}
