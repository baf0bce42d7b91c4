/* fuzz_expr.c: libFuzzer target for the formula parser and evaluators:
 * any bytes either parse or give an error; nothing crashes or hangs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "innx/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    innx_err err;
    expr *e = expr_parse(s, &err);
    if (e) {
        double x[9] = {0.5, -1.5, 2, 3, 4, 5, 6, 7, 8}, d, f[4], df[4];
        (void)expr_eval(e, x, &d);
        expr_eval_array(e, x, 4, f, df);
        expr_free(e);
    } else if (err.msg[0] != 'f') {   /* every error names the formula */
        abort();
    }
    free(s);
    return 0;
}
