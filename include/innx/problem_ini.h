/* problem_ini.h: problem files (INI, read with libinih) and --set overrides:
 * parse into a problem, write one back so that it parses to the same problem.
 *
 * Format. Lines are `key = value` (or `key: value`) under a [section];
 * comment lines start with ';' or '#', and ` ;` or ` #` (after a blank)
 * starts a comment at the end of a line. Leading blanks are ignored, so
 * indentation is allowed and a line never continues the one above. A value
 * in double quotes is taken literally with the escapes \" \\ \n \t \r \xHH
 * (the writer quotes a string with blanks at its ends, ';', '#', a leading
 * quote or a control character). Lines may be of any length. A key given
 * twice in one file is an error. Sections and keys:
 *
 *   [problem]    base (a built-in the text starts from instead of the
 *                problem passed in, wherever the line is), name, summary,
 *                formula (checked by the formula parser),
 *                x_dim (1-8; 0 = unset), domain (`A:B`, or `A:B, C:D, ...`
 *                one per component, `auto` for a table's own range; a
 *                single one covers every component), y_range (`A:B`, or
 *                `auto`: taken from F), seed, threads, y_star, k, stages
 *                (how many stages run, 0-3; default: the base's, or as far
 *                as the file's [stageN] sections reach)
 *   [data]       table, x_columns, y_column, test_frac, drop_bad_rows
 *                (true | false), forward_model. x_columns that differ in
 *                number from x_dim, with no x_dim in the text, set it
 *                through problem_set_x_dim (keeping a model, forward_model
 *                or domain the text gives)
 *   [inverse]    model, input (y | z | y,z), z_dim, output (identity |
 *                softplus | squash), batch (grid-x | grid-y | const |
 *                uniform | table), batch_n, y_const
 *   [loss]       fwd cyc recon xcyc box range center norm smooth (= lambda),
 *                box_form (l1 | quadratic)
 *   [partitions] one line per partition, `z_lo:z_hi = x_lo:x_hi`; the
 *                section, when present, replaces all the base's partitions
 *                (an empty [partitions] leaves none)
 *   [stage1] [stage2] [stage3]
 *                kind (forward | inverse | joint), steps, lr, schedule
 *                (constant | multistep | plateau), gamma, milestones
 *                (`0.5,0.75`, one value, or `none`), plateau_factor,
 *                plateau_patience, patience, ema_decay, checkpoint, beta.
 *                A stage the base does not hold must give kind and steps;
 *                the rest start from problem_stage_default with lr 1e-3.
 *                Sections past `stages` hold prepared stages that do not
 *                run (`problem.stages` turns them on).
 *
 * The parser checks syntax, types and hard ranges (sizes, signs, fractions);
 * what the settings mean together is problem_validate's. Every error message
 * starts "FILE:LINE: " and names the key; on error *p is left unchanged. */
#ifndef INNX_PROBLEM_INI_H
#define INNX_PROBLEM_INI_H

#include <stdio.h>

#include "innx/error.h"
#include "innx/problem.h"

/* Largest problem file problem_ini_load reads. */
#define PROBLEM_INI_MAX_BYTES (1024 * 1024)

/* Parse INI text over p's current contents: a key the text gives replaces
 * that setting, everything else stays, so a file can override a built-in
 * (start from a zeroed problem, or from problem_builtin, as wanted). An
 * empty text (or only comments) changes nothing. filename only names the
 * text in messages (NULL: "problem"). 0 or INNX_EINVAL / INNX_ENOMEM. */
int problem_ini_parse(const char *text, const char *filename, problem *p, innx_err *err);

/* Read the file at path (at most PROBLEM_INI_MAX_BYTES, no NUL bytes) and
 * parse it as above; messages start with the path. INNX_EIO if it cannot
 * be read. */
int problem_ini_load(const char *path, problem *p, innx_err *err);

/* Write every setting of p as a problem file; parsing the output over any
 * problem gives back p's settings exactly (doubles in the shortest form that
 * reads back to the same bits), all but what p does not use: y_lo, y_hi
 * when y's range is auto, domain components past x_dim, and stages past
 * the last one with steps. 0, or INNX_EIO if a write failed. */
int problem_ini_write(const problem *p, FILE *f);

/* One override `section.key=value`, with the file's section and key names
 * (`stage1.steps=50`, `loss.box=10`, `inverse.model=mlp:1-64-1/tanh`). The
 * value is taken as written (no quotes, no comments), blanks at its ends
 * dropped. Partitions cannot be set this way, nor a stage past the
 * problem's last. Messages start "--set ASSIGNMENT: "; an unknown section
 * or key names the nearest valid one. On error *p is left unchanged. */
int problem_ini_set(problem *p, const char *assignment, innx_err *err);

#endif
