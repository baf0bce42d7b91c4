/* fuzz_ckpt.c: libFuzzer target for the checkpoint reader: any bytes either
 * load (and then restore a trainer, or fail) or give an error naming them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    innx_err err;
    checkpoint *c = checkpoint_parse(data, size, "fuzz", &err);
    if (!c) {
        if (strncmp(err.msg, "fuzz: ", 6) != 0 && strcmp(err.msg, "out of memory") != 0)
            abort();   /* every error names the file */
        return 0;
    }
    problem p;
    if (trainer_checkpoint_problem(c, &p, &err) == 0) {
        /* a small problem only: the fuzzer is not to train big nets (nor
         * to read tables from wherever a header points) */
        nn_spec spec;
        int small = p.batch != PROBLEM_BATCH_TABLE && p.batch_n <= 4096 &&
                    nn_spec_parse(p.model, &spec, &err) == 0;
        double w = 0;
        for (size_t i = 0; small && i + 1 < spec.n_widths; i++)
            w += (double)spec.widths[i] * (double)spec.widths[i + 1] * (double)(spec.grid + spec.order + 1);
        small = small && w <= 1e5;
        trainer *t = small ? trainer_load(c, &p, &err) : NULL;
        if (t) {
            trainer_step(t);
            trainer_free(t);
        }
    }
    checkpoint_free(c);
    return 0;
}
