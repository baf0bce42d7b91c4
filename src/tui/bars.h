/* bars.h: the one-line bars (title, lambdas, status or prompt) and the
 * overlays over the panes (help, a message box, the problem list, too small). */
#ifndef INNX_TUI_BARS_H
#define INNX_TUI_BARS_H

#include <curses.h>

#include "layout.h"
#include "prompt.h"
#include "view.h"

void bars_title(WINDOW *w, const tui_view *v);
void bars_lambda(WINDOW *w, const tui_view *v);
void bars_status(WINDOW *w, const term_caps *c, const char *text, term_role role);
/* The prompt in w, and the cursor left where typing goes. */
void bars_prompt(WINDOW *w, const term_caps *c, const prompt *p);

/* Overlays: each makes its own window (freed by the caller with delwin)
 * centred on the screen, its edges off the panes' borders (layout_overlay);
 * NULL when the screen is too small for it. */
WINDOW *bars_help(const term_caps *c, const layout *L);
/* A message (several lines) boxed at the bottom of the panes. */
WINDOW *bars_message(const term_caps *c, const layout *L, const char *title, const char *text,
                     term_role role);
/* The built-in problems, `sel` highlighted. */
WINDOW *bars_chooser(const term_caps *c, const layout *L, size_t sel);

/* The whole screen says how large it must be (keys still work). */
void bars_too_small(WINDOW *w, const term_caps *c, int cols, int rows, int need_w, int need_h);

#endif
