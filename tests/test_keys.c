/* test_keys.c: the key table (keymap.c) that both dispatches and prints the
 * help: every bound key is named in the help, no key is bound twice, every
 * action has a key, the help fits an 80-column screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "keymap.h"

static char help[8192];

static void load_help(void)
{
    size_t len = 0;
    char line[256];
    help[0] = 0;
    for (size_t i = 0; keymap_help_line(i, line, sizeof line); i++) {
        assert_true(len + strlen(line) + 2 < sizeof help);
        len += (size_t)snprintf(help + len, sizeof help - len, "%s\n", line);
    }
}

/* word as a whole word of the help (spaces or line ends around it) */
static int has_word(const char *word)
{
    size_t n = strlen(word);
    for (const char *p = help; (p = strstr(p, word)); p++) {
        int start = p == help || p[-1] == ' ' || p[-1] == '\n';
        int end = p[n] == ' ' || p[n] == '\n' || p[n] == 0;
        if (start && end)
            return 1;
    }
    return 0;
}

/* a digit inside a "1-4" range of the help */
static int in_range(int key)
{
    for (const char *p = help; *p; p++)
        if (p[0] >= '0' && p[0] <= '9' && p[1] == '-' && p[2] >= '0' && p[2] <= '9' &&
            (p == help || p[-1] == ' ' || p[-1] == '\n') && key >= p[0] && key <= p[2])
            return 1;
    return 0;
}

static int bound(int key)
{
    int n = 0;
    for (size_t i = 0; i < keymap_n; i++)
        for (int j = 0; j < KEYMAP_KEYS && keymap[i].keys[j]; j++)
            n += keymap[i].keys[j] == key;
    return n;
}

static void check_key(int key)
{
    if (!keymap_lookup(key, NULL))
        return;
    char name[32];
    keymap_key_name(key, name, sizeof name);
    if (!has_word(name) && !in_range(key))
        fail_msg("key %s is bound but the help does not list it:\n%s", name, help);
    assert_int_equal(bound(key), 1);
}

static void test_help_lists_every_bound_key(void **state)
{
    (void)state;
    load_help();
    for (int key = 0; key < 256; key++)
        check_key(key);
    for (int key = PROMPT_KEY_LEFT; key <= TUI_KEY_OTHER; key++)
        check_key(key);
    /* the one the old hand-written help left out */
    const keymap_entry *e = keymap_lookup(PROMPT_CTRL('L'), NULL);
    assert_non_null(e);
    assert_int_equal(e->action, ACT_REPAINT);
    assert_true(has_word("Ctrl-L"));
}

static void test_every_action_has_a_key(void **state)
{
    (void)state;
    for (int a = ACT_NONE + 1; a < ACT_N; a++) {
        int n = 0;
        for (size_t i = 0; i < keymap_n; i++)
            if ((int)keymap[i].action == a) {
                n++;
                assert_true(keymap[i].keys[0] != 0);
                assert_true(keymap[i].help && keymap[i].help[0]);
            }
        if (n != 1)
            fail_msg("action %d has %d entries (one expected)", a, n);
    }
    /* keys that must not act: resize and unknown keys, plain letters unbound */
    assert_null(keymap_lookup(TUI_KEY_RESIZE, NULL));
    assert_null(keymap_lookup(TUI_KEY_OTHER, NULL));
    assert_null(keymap_lookup('z', NULL));
}

static void test_zoom_keys(void **state)
{
    (void)state;
    for (int k = '1'; k <= '4'; k++) {
        int at = -1;
        const keymap_entry *e = keymap_lookup(k, &at);
        assert_non_null(e);
        assert_int_equal(e->action, ACT_ZOOM);
        assert_int_equal(at, k - '1');
    }
    char label[32];
    keymap_keys_label(keymap_lookup('1', NULL), label, sizeof label);
    assert_string_equal(label, "1-4");
    keymap_keys_label(keymap_lookup('?', NULL), label, sizeof label);
    assert_string_equal(label, "? F1");
}

static void test_names(void **state)
{
    (void)state;
    char b[32];
    keymap_key_name(' ', b, sizeof b);
    assert_string_equal(b, "space");
    keymap_key_name(PROMPT_CTRL('L'), b, sizeof b);
    assert_string_equal(b, "Ctrl-L");
    keymap_key_name(PROMPT_ESC, b, sizeof b);
    assert_string_equal(b, "Esc");
    keymap_key_name(PROMPT_KEY_LEFT, b, sizeof b);
    assert_string_equal(b, "<-");
    keymap_key_name('[', b, sizeof b);
    assert_string_equal(b, "[");
}

/* The help box (text + 2 columns a side) fits 80 columns and, with its
 * border and title rows, 24 rows less the two bars. */
static void test_help_fits_80x24(void **state)
{
    (void)state;
    char line[256];
    size_t n = 0;
    for (; keymap_help_line(n, line, sizeof line); n++)
        if (strlen(line) + 4 > 80)
            fail_msg("help line %zu is %zu wide: %s", n, strlen(line), line);
    assert_true(n + 4 <= 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_lists_every_bound_key),
        cmocka_unit_test(test_every_action_has_a_key),
        cmocka_unit_test(test_zoom_keys),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_help_fits_80x24),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
