/* test_helpers.h: what the trainer's, session's and checkpoint's tests all
 * need: a built-in problem and a trainer, failing the test with the
 * library's message. Include after cmocka.h. */
#ifndef INNX_TEST_HELPERS_H
#define INNX_TEST_HELPERS_H

#include "innx/problem.h"
#include "innx/trainer.h"

static inline problem builtin(const char *name)
{
    problem p;
    innx_err e;
    if (problem_builtin(name, &p, &e) != 0)
        fail_msg("%s", e.msg);
    return p;
}

static inline trainer *make(const problem *p)
{
    innx_err e;
    trainer *t = trainer_alloc(p, &e);
    if (!t)
        fail_msg("%s", e.msg);
    return t;
}

#endif
