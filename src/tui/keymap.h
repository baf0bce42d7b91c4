/* keymap.h: the explorer's keys as one table (htop's Action.c bindings):
 * each entry an action, the keys bound to it and one help line. keys.c
 * dispatches through keymap_lookup and the help screen prints the same
 * table, so the help cannot leave a key out. No curses here: unit-tested. */
#ifndef INNX_TUI_KEYMAP_H
#define INNX_TUI_KEYMAP_H

#include <stddef.h>

#include "prompt.h"

/* Keys beyond the prompt's own (see prompt.h); tui.c maps curses' onto them. */
enum { TUI_KEY_F1 = PROMPT_KEY_ENTER + 16, TUI_KEY_RESIZE, TUI_KEY_OTHER };

typedef enum {
    ACT_NONE = 0,
    ACT_PAUSE,
    ACT_STEP,
    ACT_RESET,
    ACT_TRAIN_ON,
    ACT_TERM_PREV,
    ACT_TERM_NEXT,
    ACT_LAMBDA_UP,
    ACT_LAMBDA_DOWN,
    ACT_TERM_TOGGLE,
    ACT_LAMBDA_EDIT,
    ACT_LR_DOWN,
    ACT_LR_UP,
    ACT_CLUSTERS,
    ACT_QUERY,
    ACT_FORMULA,
    ACT_PROBLEM,
    ACT_LOSS_AXIS,
    ACT_SAMPLES,
    ACT_PAIRS,         /* the key's place in the entry: 0 back, 1 on */
    ACT_ZOOM,          /* the pane is the key's place in the entry: 1-4 */
    ACT_UNZOOM,
    ACT_HELP,
    ACT_SAVE,
    ACT_EXPORT,
    ACT_FIGURE,
    ACT_REPAINT,
    ACT_QUIT,
    ACT_N
} key_action;

#define KEYMAP_KEYS 4

typedef struct keymap_entry {
    key_action action;
    int keys[KEYMAP_KEYS];   /* 0-terminated when fewer */
    const char *help;        /* what the action does, one short line */
} keymap_entry;

extern const keymap_entry keymap[];
extern const size_t keymap_n;

/* The entry bound to key, or NULL; *index (may be NULL) is the key's place
 * in that entry's keys (the pane of ACT_ZOOM). */
const keymap_entry *keymap_lookup(int key, int *index);

/* How the help names a key: "space", "Ctrl-L", "<-", "F1", "Esc", "q". */
void keymap_key_name(int key, char *buf, size_t n);
/* An entry's keys as the help shows them ("1-4" for a run of digits,
 * else the names joined by spaces). */
void keymap_keys_label(const keymap_entry *e, char *buf, size_t n);

/* The help screen's text: line i (0-based) into buf, two entries a row,
 * then the prompt keys; 0 past the last line. */
int keymap_help_line(size_t i, char *buf, size_t n);

#endif
