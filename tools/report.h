/* gst-master: the report picture (cairo, PNG or SVG).
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef GM_REPORT_H
#define GM_REPORT_H

#include "master.h"

/* TRUE when path ends in .png or .svg (case-insensitive). */
gboolean gm_report_name_ok (const gchar * path);

/* Draws the report of a mastered job (job->before, job->after, settings):
 * short-term loudness over time before and after with the target line,
 * the limiter's gain reduction over time and the long-term spectrum before
 * and after.  PNG or SVG by the extension of path. */
gboolean gm_report_draw (const gchar * path, const GmJob * job,
    GError ** error);

#endif /* GM_REPORT_H */
