/* trainer_ckpt.h: a trainer's whole state saved into a checkpoint file
 * (checkpoint.h: the safetensors format) and restored from one. */
#ifndef INNX_TRAINER_CKPT_H
#define INNX_TRAINER_CKPT_H

#include <stddef.h>

#include "innx/checkpoint.h"
#include "innx/error.h"
#include "innx/problem.h"
#include "innx/trainer.h"

/* Everything the next steps depend on: both networks' weights, each
 * stage's Adam moments, the EMA, early-stop and best-checkpoint copies,
 * the loss history, the generator's state, and in the metadata the problem
 * file's text, the step, stage, lambdas, lr, schedule and stop counters,
 * rollbacks. Flags as checkpoint_write. */
int trainer_save(trainer *t, const char *path, int flags, innx_err *err);
/* Save as DIR/innx-PROBLEM-STEP.safetensors, never over a file: -1, -2...
 * are added until a name is free. The name written goes into path. */
int trainer_save_auto(trainer *t, const char *dir, char *path, size_t len, innx_err *err);
/* $XDG_STATE_HOME/innx (default ~/.local/state/innx), created. */
int trainer_autosave_dir(char *dir, size_t len, innx_err *err);

/* The problem a checkpoint was trained on (its problem text parsed). */
int trainer_checkpoint_problem(const checkpoint *c, problem *p, innx_err *err);
/* A trainer for p (the checkpoint's problem, perhaps with overrides) in
 * the checkpoint's state; every tensor is checked against p's networks
 * before anything is copied. Stepping it goes on bit for bit as the run
 * that saved it would have. */
trainer *trainer_load(const checkpoint *c, const problem *p, innx_err *err);

#endif
