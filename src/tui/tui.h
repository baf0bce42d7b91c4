/* tui.h: the terminal explorer's entry point: opens the session on a problem
 * and runs the ncurses front end until the user quits. */
#ifndef INNX_TUI_H
#define INNX_TUI_H

#include "innx/problem.h"

typedef struct tui_opts {
    int ascii;               /* --ascii: no braille, no box lines */
    int no_color;            /* --no-color */
    double fps;              /* frames per second at most (<= 0: 10) */
    long max_frames;         /* quit after this many frames (tests); <= 0 never */
    struct trainer *restored;   /* a checkpoint's trainer to go on from (tui_run takes it), or NULL */
} tui_opts;

/* Runs until q, Ctrl-C, SIGTERM, SIGHUP or the end of terminal input:
 * returns 0 then; 2 when stdout or stdin is not a terminal (with a message
 * on stderr) or the terminal cannot be set up; 1 when training cannot start. */
int tui_run(const problem *p, const tui_opts *o);

#endif
