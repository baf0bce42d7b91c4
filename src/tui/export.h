/* export.h: the explorer's `x` key (export.c). */
#ifndef INNX_TUI_EXPORT_H
#define INNX_TUI_EXPORT_H

#include <stddef.h>

#include "innx/error.h"

struct tui;
/* Writes the zoomed pane's data to ./innx-PROBLEM-PANE-STEP.csv (a name
 * no file has), its name into path; fails naming why (no zoom, no data,
 * a write error). */
int tui_export(const struct tui *t, char *path, size_t len, innx_err *err);

#endif
