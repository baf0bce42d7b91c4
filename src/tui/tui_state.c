/* tui_state.c: the explorer's state as both the loop (tui.c) and the keys
 * (keys.c) read and set it: the clock, the status line, the lambdas shown.
 * Below both, so the calls go one way: tui.c -> keys.c -> tui_state.c. */
#include <stdarg.h>
#include <stdio.h>

#include "innx/clock.h"
#include "tui_state.h"

double tui_now(void) { return clock_now(); }

void tui_set_status(tui *t, term_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status_text, sizeof t->status_text, fmt, ap);
    va_end(ap);
    t->status_role = role;
}

double tui_lambda(const tui *t, int k)
{
    if (k < 0 || k >= TERM_N)
        return 0;
    return tui_now() < t->lam_until[k] ? t->lam[k] : t->snap.lambda[k];
}
