/* test_keys.c: the key table (keymap.c) that both dispatches and prints the
 * help: every bound key is named in the help, no key is bound twice, every
 * action has a key, the help fits an 80-column screen, and every bound key
 * has an item in the man page's KEYS section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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


/* The man page's KEYS section (up to its Prompts subsection): the words set
 * in bold by each item's macro line, so that every bound key can be looked
 * up there and the manual cannot lose a key the explorer has. */
static char man_keys[128][32];
static size_t man_keys_n;

static void man_key_add(const char *s)
{
    if (man_keys_n < sizeof man_keys / sizeof man_keys[0])
        snprintf(man_keys[man_keys_n++], sizeof man_keys[0], "%s", s);
}

/* roff's escapes for the keys, as keymap_key_name spells them */
static void roff_unescape(const char *in, char *out, size_t n)
{
    static const char *const map[][2] = {
        {"\\(<-", "<-"}, {"\\(->", "->"}, {"\\(ua", "up"}, {"\\(da", "down"}, {"\\-", "-"}, {"\\e", "\\"},
    };
    size_t len = 0;
    while (*in && len + 1 < n) {
        size_t m = 0;
        for (size_t i = 0; i < sizeof map / sizeof map[0] && !m; i++)
            if (!strncmp(in, map[i][0], strlen(map[i][0]))) {
                m = strlen(map[i][0]);
                len += (size_t)snprintf(out + len, n - len, "%s", map[i][1]);
            }
        if (!m) {
            out[len++] = *in;
            m = 1;
        }
        in += m;
    }
    out[len < n ? len : n - 1] = 0;
}

/* one macro line: .B (all bold), .BR/.BI (bold first), .RB/.IB (bold second);
 * "1 to 4" in bold-roman-bold is the range of digits */
static void man_item(const char *line)
{
    int first = !strncmp(line, ".BR ", 4) || !strncmp(line, ".BI ", 4) ? 0
              : !strncmp(line, ".RB ", 4) || !strncmp(line, ".IB ", 4) ? 1
              : !strncmp(line, ".B ", 3) ? -1 : -2;
    if (first == -2)
        return;
    char args[16][64];
    int n = 0;
    for (const char *p = strchr(line, ' '); p && *p && n < 16;) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            break;
        char raw[64];
        size_t len = 0;
        if (*p == '"') {
            for (p++; *p && *p != '"' && len + 1 < sizeof raw; p++)
                raw[len++] = *p;
            if (*p == '"')
                p++;
        } else
            for (; *p && *p != ' ' && *p != '\n' && len + 1 < sizeof raw; p++)
                raw[len++] = *p;
        raw[len] = 0;
        roff_unescape(raw, args[n++], sizeof args[0]);
    }
    for (int i = 0; i < n; i++) {
        if (first >= 0 && i % 2 != first)
            continue;
        man_key_add(args[i]);
        if (i + 2 < n && !strcmp(args[i + 1], " to ") && strlen(args[i]) == 1 && strlen(args[i + 2]) == 1)
            for (char c = (char)(args[i][0] + 1); c < args[i + 2][0]; c++)
                man_key_add((char[]){c, 0});
    }
}

static int man_has_key(const char *name)
{
    for (size_t i = 0; i < man_keys_n; i++)
        if (!strcmp(man_keys[i], name))
            return 1;
    return 0;
}

static void test_man_lists_every_bound_key(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/man/innx.1", top && *top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    int in = 0, after_tp = 0;
    man_keys_n = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, ".SH ", 4) || !strncmp(line, ".SS ", 4)) {
            if (in)
                break;
            in = !strcmp(line, ".SH KEYS\n");
            continue;
        }
        if (!in)
            continue;
        if (after_tp)
            man_item(line);
        after_tp = !strncmp(line, ".TP", 3);
    }
    fclose(f);
    assert_true(man_keys_n > 10);
    for (size_t i = 0; i < keymap_n; i++)
        for (int j = 0; j < KEYMAP_KEYS && keymap[i].keys[j]; j++) {
            char name[32];
            keymap_key_name(keymap[i].keys[j], name, sizeof name);
            if (!man_has_key(name))
                fail_msg("key %s (%s) has no item in %s, KEYS", name, keymap[i].help, path);
        }
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
        cmocka_unit_test(test_man_lists_every_bound_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
