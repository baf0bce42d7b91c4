/* prompt.h: a one-line editor for the y, f, e and k prompts, with no curses:
 * keys come in as ints (ASCII, control codes, or the PROMPT_KEY_* below). */
#ifndef INNX_TUI_PROMPT_H
#define INNX_TUI_PROMPT_H

#include <stddef.h>

/* Keys that have no ASCII code; tui.c maps curses' KEY_* onto these.
 * Control codes arrive as themselves: Ctrl-A 1, Ctrl-E 5, Ctrl-U 21,
 * Backspace 8 or 127, Enter 10 or 13, Esc 27. */
enum {
    PROMPT_KEY_LEFT = 0x110000,  /* past the last Unicode code point */
    PROMPT_KEY_RIGHT,
    PROMPT_KEY_UP,
    PROMPT_KEY_DOWN,
    PROMPT_KEY_HOME,
    PROMPT_KEY_END,
    PROMPT_KEY_BACKSPACE,
    PROMPT_KEY_DELETE,
    PROMPT_KEY_ENTER
};
#define PROMPT_CTRL(c) ((c) & 0x1f)
#define PROMPT_ESC 27

#define PROMPT_MAX 1024          /* bytes of a line, NUL included */
#define PROMPT_HIST 32           /* entries remembered per prompt */

/* Earlier entries of one prompt, oldest first. */
typedef struct prompt_history {
    size_t n;
    char line[PROMPT_HIST][PROMPT_MAX];
} prompt_history;

/* Adds s unless it is empty or repeats the newest entry. */
void prompt_history_add(prompt_history *h, const char *s);

typedef enum { PROMPT_EDITING = 0, PROMPT_ACCEPTED, PROMPT_CANCELLED } prompt_status;

typedef struct prompt {
    char label[64];              /* "y* = ", "f(x) = ", ... */
    char buf[PROMPT_MAX];
    size_t len, cur;             /* bytes; the line is printable ASCII */
    prompt_history *hist;        /* may be NULL */
    size_t hist_pos;             /* == hist->n: the line being typed */
    char draft[PROMPT_MAX];      /* that line, kept while recalling */
} prompt;

/* Start editing with init (may be NULL) and the cursor at its end. */
void prompt_begin(prompt *p, const char *label, const char *init, prompt_history *h);
/* One key. Enter accepts (and records the line in the history), Esc
 * cancels; other keys edit and return PROMPT_EDITING. */
prompt_status prompt_key(prompt *p, int key);
const char *prompt_text(const prompt *p);

/* Horizontal scrolling: the first byte to show in a field `width` columns
 * wide so the cursor stays visible (0 when the line fits). */
size_t prompt_scroll(const prompt *p, int width);

#endif
