/* test_prompt.c: the line editor: insert, cursor moves, Backspace/Delete,
 * Ctrl-A/E/U, Enter and Esc, history recall and its limits, scrolling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "prompt.h"

static void type(prompt *p, const char *s)
{
    for (; *s; s++)
        assert_int_equal(prompt_key(p, (unsigned char)*s), PROMPT_EDITING);
}

static void test_editing(void **state)
{
    (void)state;
    prompt p;
    prompt_begin(&p, "y* = ", NULL, NULL);
    assert_string_equal(prompt_text(&p), "");
    type(&p, "sin(x)");
    assert_string_equal(prompt_text(&p), "sin(x)");
    assert_int_equal(p.cur, 6);
    prompt_key(&p, PROMPT_KEY_LEFT);
    prompt_key(&p, PROMPT_KEY_LEFT);
    type(&p, "2*");
    assert_string_equal(prompt_text(&p), "sin(2*x)");
    prompt_key(&p, PROMPT_CTRL('A'));
    assert_int_equal(p.cur, 0);
    prompt_key(&p, PROMPT_KEY_LEFT);   /* stays at 0 */
    assert_int_equal(p.cur, 0);
    type(&p, "-");
    assert_string_equal(prompt_text(&p), "-sin(2*x)");
    prompt_key(&p, PROMPT_KEY_DELETE);
    assert_string_equal(prompt_text(&p), "-in(2*x)");
    prompt_key(&p, PROMPT_KEY_BACKSPACE);
    assert_string_equal(prompt_text(&p), "in(2*x)");
    prompt_key(&p, PROMPT_KEY_BACKSPACE);   /* at 0: nothing */
    assert_string_equal(prompt_text(&p), "in(2*x)");
    prompt_key(&p, PROMPT_CTRL('E'));
    assert_int_equal(p.cur, 7);
    prompt_key(&p, PROMPT_KEY_RIGHT);   /* stays at the end */
    assert_int_equal(p.cur, 7);
    prompt_key(&p, PROMPT_KEY_DELETE);  /* at the end: nothing */
    prompt_key(&p, 127);
    prompt_key(&p, PROMPT_CTRL('H'));
    assert_string_equal(prompt_text(&p), "in(2*");
    prompt_key(&p, PROMPT_KEY_HOME);
    assert_int_equal(p.cur, 0);
    prompt_key(&p, PROMPT_KEY_END);
    assert_int_equal(p.cur, 5);
    /* non-ASCII and control keys insert nothing */
    prompt_key(&p, 0xE9);
    prompt_key(&p, 2);
    prompt_key(&p, 0x110123);
    assert_string_equal(prompt_text(&p), "in(2*");
    prompt_key(&p, PROMPT_CTRL('U'));
    assert_string_equal(prompt_text(&p), "");
    assert_int_equal(p.cur, 0);
    type(&p, "0.5");
    assert_int_equal(prompt_key(&p, '\n'), PROMPT_ACCEPTED);
    assert_string_equal(prompt_text(&p), "0.5");
    prompt_begin(&p, "e: ", "1.5", NULL);
    assert_string_equal(prompt_text(&p), "1.5");
    assert_int_equal(p.cur, 3);
    assert_int_equal(prompt_key(&p, PROMPT_ESC), PROMPT_CANCELLED);
    assert_int_equal(prompt_key(&p, PROMPT_KEY_ENTER), PROMPT_ACCEPTED);
    assert_int_equal(prompt_key(&p, '\r'), PROMPT_ACCEPTED);
}

static void test_full_buffer(void **state)
{
    (void)state;
    prompt p;
    prompt_begin(&p, "", NULL, NULL);
    for (int i = 0; i < PROMPT_MAX + 50; i++)
        prompt_key(&p, 'a');
    assert_int_equal(strlen(prompt_text(&p)), PROMPT_MAX - 1);
    assert_int_equal(p.len, PROMPT_MAX - 1);
    prompt_key(&p, PROMPT_CTRL('A'));
    prompt_key(&p, 'b');   /* full: refused, not overflowed */
    assert_int_equal(p.len, PROMPT_MAX - 1);
    assert_int_equal(p.buf[0], 'a');
}

static void test_history(void **state)
{
    (void)state;
    static prompt_history h;   /* 32 KB: not on the stack */
    memset(&h, 0, sizeof h);
    prompt p;
    const char *lines[] = {"1", "2.5", "2.5", "", "7"};
    for (size_t i = 0; i < 5; i++) {
        prompt_begin(&p, "y* = ", NULL, &h);
        type(&p, lines[i]);
        assert_int_equal(prompt_key(&p, '\n'), PROMPT_ACCEPTED);
    }
    assert_int_equal(h.n, 3);   /* the repeat and the empty line are not kept */
    prompt_begin(&p, "y* = ", NULL, &h);
    type(&p, "dra");
    prompt_key(&p, PROMPT_KEY_UP);
    assert_string_equal(prompt_text(&p), "7");
    prompt_key(&p, PROMPT_KEY_UP);
    assert_string_equal(prompt_text(&p), "2.5");
    prompt_key(&p, PROMPT_KEY_UP);
    assert_string_equal(prompt_text(&p), "1");
    prompt_key(&p, PROMPT_KEY_UP);   /* oldest: stays */
    assert_string_equal(prompt_text(&p), "1");
    assert_int_equal(p.cur, 1);
    prompt_key(&p, PROMPT_KEY_DOWN);
    assert_string_equal(prompt_text(&p), "2.5");
    prompt_key(&p, PROMPT_KEY_DOWN);
    prompt_key(&p, PROMPT_KEY_DOWN);   /* back to the draft */
    assert_string_equal(prompt_text(&p), "dra");
    prompt_key(&p, PROMPT_KEY_DOWN);
    assert_string_equal(prompt_text(&p), "dra");
    /* a recalled line edits and is recorded as new */
    prompt_key(&p, PROMPT_KEY_UP);
    type(&p, "0");
    prompt_key(&p, '\n');
    assert_int_equal(h.n, 4);
    assert_string_equal(h.line[3], "70");
    /* the oldest entries go when full */
    for (int i = 0; i < PROMPT_HIST + 5; i++) {
        char s[16];
        snprintf(s, sizeof s, "%d", 100 + i);
        prompt_history_add(&h, s);
    }
    assert_int_equal(h.n, PROMPT_HIST);
    assert_string_equal(h.line[PROMPT_HIST - 1], "136");
    assert_string_equal(h.line[0], "105");
    prompt_history_add(NULL, "x");   /* no history: harmless */
    prompt_begin(&p, "", "", NULL);
    prompt_key(&p, PROMPT_KEY_UP);
    assert_string_equal(prompt_text(&p), "");
}

static void test_scroll(void **state)
{
    (void)state;
    prompt p;
    prompt_begin(&p, "", "0123456789", NULL);
    assert_int_equal(prompt_scroll(&p, 20), 0);
    assert_int_equal(prompt_scroll(&p, 5), 6);   /* shows 6789 and the cursor */
    prompt_key(&p, PROMPT_CTRL('A'));
    assert_int_equal(prompt_scroll(&p, 5), 0);
    assert_int_equal(prompt_scroll(&p, 0), 0);
    assert_int_equal(prompt_scroll(&p, -3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editing),
        cmocka_unit_test(test_full_buffer),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_scroll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
