/* gst-master: mastering one file (analysis, render, after-measurement).
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef GM_MASTER_H
#define GM_MASTER_H

#include "measure.h"

/* Exit statuses of gst-master. */
#define GM_EXIT_FAILED 1
#define GM_EXIT_USAGE 2
#define GM_EXIT_NO_ELEMENT 3
#define GM_EXIT_TARGET_MISSED 4
#define GM_EXIT_INTERRUPTED 130

typedef enum
{
  GM_FORMAT_WAV,
  GM_FORMAT_FLAC,
  GM_FORMAT_OGG,
  GM_FORMAT_OPUS,
} GmFormat;

/* A preset of the automaster element: its nick and targets. */
typedef struct
{
  const gchar *nick;
  gdouble lufs;
  gdouble ceiling;
  const gchar *what;
} GmPreset;

extern const GmPreset gm_presets[];
const GmPreset *gm_preset_find (const gchar * nick);

/* File extension (".wav"...) to format; FALSE when unknown. */
gboolean gm_format_from_name (const gchar * name, GmFormat * format);
const gchar *gm_format_extension (GmFormat format);
gboolean gm_format_is_lossy (GmFormat format);

/* What every job of a run shares (read-only while jobs run).
 * preset: automaster preset nick; lufs, ceiling: the targets (from the
 * preset unless given); intensity: 0..100 or -1 for automaster's default;
 * bits: 16 or 24 for WAV and FLAC. */
typedef struct
{
  const gchar *preset;
  gdouble lufs;
  gdouble ceiling;
  gint intensity;
  gint bits;
} GmSettings;

/* One file to master.  in, out, report: paths (report may be NULL);
 * format from out's extension.  Progress fields are written by the job's
 * thread and read by the main thread under the run's lock (see
 * gst-master.c), through the callbacks below. */
typedef struct
{
  gchar *in;
  gchar *out;
  gchar *report;
  GmFormat format;
  const GmSettings *settings;

  /* results */
  GmMeasurement before;
  GmMeasurement after;          /* what is written (decoded, for lossy) */
  GmMeasurement rendered;       /* the encoder's input (lossy only) */
  gint status;                  /* 0 or a GM_EXIT_* */
  gchar *error;                 /* one line, without the file name */
  GString *text;                /* the before/after table */

  /* progress */
  GmProgressFunc progress;
  GmCancelFunc cancel;
  gpointer user_data;
  gdouble pass_start;           /* the current pass covers  */
  gdouble pass_weight;          /* [start, start + weight] of the job */
  gdouble seconds;              /* the input's duration, once known */
} GmJob;

/* Masters job->in into job->out: on success (or targets missed) the output
 * is complete and renamed into place; otherwise no output is left. */
void gm_master_file (GmJob * job);
void gm_job_clear (GmJob * job);

/* Checks that the elements mastering to this format needs exist; FALSE
 * with one line in *failure. */
gboolean gm_master_check_elements (GmFormat format, gchar ** failure);

#endif /* GM_MASTER_H */
