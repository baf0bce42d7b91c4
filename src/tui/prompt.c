/* prompt.c: shell-like line editing (readline's common keys) on a fixed
 * buffer, and a per-prompt history recalled with up and down. */
#include <stdio.h>
#include <string.h>

#include "prompt.h"

void prompt_history_add(prompt_history *h, const char *s)
{
    if (!h || !s || !s[0])
        return;
    if (h->n > 0 && !strcmp(h->line[h->n - 1], s))
        return;
    if (h->n == PROMPT_HIST) {   /* full: forget the oldest */
        memmove(h->line[0], h->line[1], sizeof h->line[0] * (PROMPT_HIST - 1));
        h->n--;
    }
    snprintf(h->line[h->n++], PROMPT_MAX, "%s", s);
}

static void set_line(prompt *p, const char *s)
{
    snprintf(p->buf, sizeof p->buf, "%s", s ? s : "");
    p->len = strlen(p->buf);
    p->cur = p->len;
}

void prompt_begin(prompt *p, const char *label, const char *init, prompt_history *h)
{
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    set_line(p, init);
    p->hist = h;
    p->hist_pos = h ? h->n : 0;
    p->draft[0] = 0;
}

const char *prompt_text(const prompt *p)
{
    return p->buf;
}

static void insert(prompt *p, char c)
{
    if (p->len + 1 >= sizeof p->buf)
        return;
    memmove(p->buf + p->cur + 1, p->buf + p->cur, p->len - p->cur + 1);
    p->buf[p->cur++] = c;
    p->len++;
}

static void delete_at(prompt *p, size_t i)
{
    if (i >= p->len)
        return;
    memmove(p->buf + i, p->buf + i + 1, p->len - i);
    p->len--;
}

static void recall(prompt *p, int dir)
{
    prompt_history *h = p->hist;
    if (!h)
        return;
    if (dir < 0 && p->hist_pos > 0) {
        if (p->hist_pos == h->n)   /* leaving the typed line: keep it */
            snprintf(p->draft, sizeof p->draft, "%s", p->buf);
        set_line(p, h->line[--p->hist_pos]);
    } else if (dir > 0 && p->hist_pos < h->n) {
        p->hist_pos++;
        set_line(p, p->hist_pos == h->n ? p->draft : h->line[p->hist_pos]);
    }
}

prompt_status prompt_key(prompt *p, int key)
{
    switch (key) {
    case '\n':
    case '\r':
    case PROMPT_KEY_ENTER:
        prompt_history_add(p->hist, p->buf);
        return PROMPT_ACCEPTED;
    case PROMPT_ESC:
        return PROMPT_CANCELLED;
    case PROMPT_KEY_LEFT:
        if (p->cur > 0)
            p->cur--;
        break;
    case PROMPT_KEY_RIGHT:
        if (p->cur < p->len)
            p->cur++;
        break;
    case PROMPT_KEY_HOME:
    case PROMPT_CTRL('A'):
        p->cur = 0;
        break;
    case PROMPT_KEY_END:
    case PROMPT_CTRL('E'):
        p->cur = p->len;
        break;
    case PROMPT_CTRL('U'):
        set_line(p, "");
        break;
    case PROMPT_KEY_BACKSPACE:
    case PROMPT_CTRL('H'):
    case 127:
        if (p->cur > 0)
            delete_at(p, --p->cur);
        break;
    case PROMPT_KEY_DELETE:
    case PROMPT_CTRL('D'):
        delete_at(p, p->cur);
        break;
    case PROMPT_KEY_UP:
        recall(p, -1);
        break;
    case PROMPT_KEY_DOWN:
        recall(p, +1);
        break;
    default:
        /* Formulas and numbers are ASCII; anything else would need
         * multi-byte cursor arithmetic for no use, so it is ignored. */
        if (key >= 32 && key < 127)
            insert(p, (char)key);
        break;
    }
    return PROMPT_EDITING;
}

size_t prompt_scroll(const prompt *p, int width)
{
    if (width <= 1 || p->cur < (size_t)width)
        return 0;
    /* keep the cursor on the last column, after the text before it */
    return p->cur - (size_t)width + 1;
}
