/* spend.h: the built-in table of the article's data case: synthetic
 * customers (age, education, income, spend), shipped as data/spend.csv. */
#ifndef INNX_SPEND_H
#define INNX_SPEND_H

#include <stddef.h>
#include <stdio.h>

#include "innx/dataset.h"
#include "innx/error.h"

/* ---- the synthetic table ------------------------------------------------ */

#define SPEND_ROWS 6534
#define SPEND_COLS 4   /* age, education, income, spend */
extern const char *const spend_columns[SPEND_COLS];

/* n rows of (age, education, income, spend), row-major, seeded. Four latent
 * segments along a life-stage/affluence axis; spend a noisy monotone
 * function of the traits. See data/README.md for the recipe. */
int spend_generate(size_t n, unsigned long seed, double *out, innx_err *err);

/* The built-in table as a data source, like a CSV: the named columns of
 * SPEND_ROWS generated rows (seed 1, = data/spend.csv); a name it lacks
 * is refused with the columns it has. */
dataset *spend_dataset(const char *const *names, size_t n, innx_err *err);

#endif
