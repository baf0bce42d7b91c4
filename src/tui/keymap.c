/* keymap.c: the key table and the help text made from it. */
#include <stdio.h>
#include <string.h>

#include "keymap.h"

/* In the order the help lists them: two a row, so neighbours pair up. */
const keymap_entry keymap[] = {
    {ACT_PAUSE, {' '}, "pause / resume"},
    {ACT_STEP, {'n'}, "one step while paused"},
    {ACT_RESET, {'r'}, "reset (fresh weights)"},
    {ACT_TRAIN_ON, {'t'}, "train on after the end"},
    {ACT_TERM_PREV, {PROMPT_KEY_LEFT}, "select the previous term"},
    {ACT_TERM_NEXT, {PROMPT_KEY_RIGHT}, "select the next term"},
    {ACT_LAMBDA_UP, {'+', '='}, "double its lambda"},
    {ACT_LAMBDA_DOWN, {'-'}, "halve its lambda"},
    {ACT_TERM_TOGGLE, {'0'}, "switch the term off / on"},
    {ACT_LAMBDA_EDIT, {'e'}, "type its exact lambda"},
    {ACT_LR_DOWN, {'['}, "halve the lr"},
    {ACT_LR_UP, {']'}, "double the lr"},
    {ACT_QUERY, {'y'}, "roots of F(x) = y*"},
    {ACT_FORMULA, {'f'}, "edit the formula"},
    {ACT_CLUSTERS, {'k'}, "number of clusters"},
    {ACT_PROBLEM, {'p'}, "choose a problem"},
    {ACT_SAMPLES, {'s'}, "number of samples (vector)"},
    {ACT_PAIRS, {'<', '>'}, "page the pair plot (vector)"},
    {ACT_ZOOM, {'1', '2', '3', '4'}, "zoom a pane (again: back)"},
    {ACT_UNZOOM, {PROMPT_ESC}, "back from a zoom"},
    {ACT_LOSS_AXIS, {'l'}, "linear / log loss axis"},
    {ACT_EXPORT, {'x'}, "the zoomed pane as CSV"},
    {ACT_FIGURE, {'g'}, "the zoomed pane as SVG, PNG"},
    {ACT_SAVE, {'w'}, "save a checkpoint (cwd)"},
    {ACT_HELP, {'?', TUI_KEY_F1}, "this help"},
    {ACT_REPAINT, {PROMPT_CTRL('L')}, "repaint a garbled screen"},
    {ACT_QUIT, {'q'}, "quit (Ctrl-C too)"},
};
const size_t keymap_n = sizeof keymap / sizeof keymap[0];

/* What the help says after the table: the prompts' own keys. */
static const char *const prompt_lines[] = {
    "",
    "Prompts: <- ->, Backspace, Delete, Ctrl-A/Ctrl-E, Ctrl-U clears,",
    "up/down recall earlier entries, Enter accepts, Esc cancels.",
};

const keymap_entry *keymap_lookup(int key, int *index)
{
    for (size_t i = 0; i < keymap_n; i++)
        for (int j = 0; j < KEYMAP_KEYS && keymap[i].keys[j]; j++)
            if (keymap[i].keys[j] == key) {
                if (index)
                    *index = j;
                return &keymap[i];
            }
    return NULL;
}

void keymap_key_name(int key, char *buf, size_t n)
{
    switch (key) {
    case ' ': snprintf(buf, n, "space"); return;
    case PROMPT_ESC: snprintf(buf, n, "Esc"); return;
    case PROMPT_KEY_LEFT: snprintf(buf, n, "<-"); return;
    case PROMPT_KEY_RIGHT: snprintf(buf, n, "->"); return;
    case PROMPT_KEY_UP: snprintf(buf, n, "up"); return;
    case PROMPT_KEY_DOWN: snprintf(buf, n, "down"); return;
    case TUI_KEY_F1: snprintf(buf, n, "F1"); return;
    default: break;
    }
    if (key > 0 && key < 32)
        snprintf(buf, n, "Ctrl-%c", '@' + key);
    else if (key > 32 && key < 127)
        snprintf(buf, n, "%c", key);
    else
        snprintf(buf, n, "#%d", key);
}

void keymap_keys_label(const keymap_entry *e, char *buf, size_t n)
{
    int m = 0;
    while (m < KEYMAP_KEYS && e->keys[m])
        m++;
    /* a run of three or more digits reads better as a range */
    int run = m >= 3;
    for (int j = 0; run && j < m; j++)
        run = e->keys[j] >= '0' && e->keys[j] <= '9' && (j == 0 || e->keys[j] == e->keys[j - 1] + 1);
    if (run) {
        snprintf(buf, n, "%c-%c", e->keys[0], e->keys[m - 1]);
        return;
    }
    size_t len = 0;
    buf[0] = 0;
    for (int j = 0; j < m && len < n; j++) {
        char name[16];
        keymap_key_name(e->keys[j], name, sizeof name);
        len += (size_t)snprintf(buf + len, n - len, "%s%s", j ? " " : "", name);
    }
}

#define LABEL_W 6
#define HELP_W 28

static int entry_text(const keymap_entry *e, char *buf, size_t n)
{
    char label[32];
    keymap_keys_label(e, label, sizeof label);
    return snprintf(buf, n, "%-*s %-*s", LABEL_W, label, HELP_W, e->help);
}

int keymap_help_line(size_t i, char *buf, size_t n)
{
    size_t rows = (keymap_n + 1) / 2, extra = sizeof prompt_lines / sizeof prompt_lines[0];
    if (n == 0)
        return 0;
    if (i < rows) {
        int len = entry_text(&keymap[2 * i], buf, n);
        if (2 * i + 1 < keymap_n && len >= 0 && (size_t)len + 2 < n) {
            memcpy(buf + len, "  ", 2);   /* over the first entry's NUL */
            entry_text(&keymap[2 * i + 1], buf + len + 2, n - (size_t)len - 2);
        }
        /* the second column's padding is not text */
        size_t l = strlen(buf);
        while (l > 0 && buf[l - 1] == ' ')
            buf[--l] = 0;
        return 1;
    }
    if (i - rows < extra) {
        snprintf(buf, n, "%s", prompt_lines[i - rows]);
        return 1;
    }
    return 0;
}
