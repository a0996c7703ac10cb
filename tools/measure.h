/* gst-master: measuring pipelines and the bus loop shared by the
 * analysis, render and after-measurement passes.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef GM_MEASURE_H
#define GM_MEASURE_H

#include <gst/gst.h>
#include <gst/audio/audio.h>

#define GM_MAX_CHANNELS 64

/* Long-term spectrum: FFT size and number of bins (DC..Nyquist). */
#define GM_FFT_SIZE 8192
#define GM_FFT_BINS (GM_FFT_SIZE / 2 + 1)

/* One point of a series over time: t in seconds, v in LUFS or dB. */
typedef struct
{
  gdouble t;
  gdouble v;
} GmPoint;

/* Everything measured on one signal.  Loudness in LUFS, range and PLR in
 * LU, peaks in dBTP / dBFS, crest factor in dB; NAN or -INFINITY where
 * undefined (silence, mono correlation).
 *
 * integrated ... max_shortterm, true_peak[], sample_peak[]: the final
 *   `loudnorm` message (BS.1770-4 / EBU R128, 4x true peak);
 * rms, crest, correlation: computed from the samples by the probe (crest
 *   = sample peak over RMS of all channels; correlation of the first two
 *   channels, Pearson without mean removal, +1 mono-like, -1 out of phase);
 * shortterm: the short-term loudness every 100 ms (LUFS, -inf in silence);
 * gain_reduction: the chain's limiting every 100 ms (render pass): the
 *   largest gain reduction of masterlimit plus that of loudnorm's limiter
 *   (dB);
 * spectrum: mean power of the mid signal per FFT bin, 1.0 = a full-scale
 *   sine, GM_FFT_BINS values (NULL when not measured). */
typedef struct
{
  gdouble integrated;
  gdouble range;
  gdouble max_true_peak;
  gdouble max_sample_peak;
  gdouble max_momentary;
  gdouble max_shortterm;
  guint channels;
  gdouble true_peak[GM_MAX_CHANNELS];
  gdouble sample_peak[GM_MAX_CHANNELS];
  GstAudioChannelPosition position[GM_MAX_CHANNELS];
  gint rate;
  GstClockTime duration;

  gdouble rms;
  gdouble crest;
  gdouble correlation;
  guint64 frames;

  GArray *shortterm;
  GArray *gain_reduction;
  gdouble *spectrum;
} GmMeasurement;

void gm_measurement_init (GmMeasurement * m);
void gm_measurement_clear (GmMeasurement * m);

/* Sample statistics (RMS, peak, correlation, spectrum) of the F32
 * interleaved buffers flowing through a pad. */
typedef struct _GmStats GmStats;

GmStats *gm_stats_new (gboolean spectrum);
/* Adds a buffer probe on pad (which must carry F32 interleaved audio). */
void gm_stats_attach (GmStats * s, GstPad * pad);
/* Copies the results into m (rms, crest, correlation, frames, spectrum);
 * m->max_sample_peak must be set first for the crest factor. */
void gm_stats_finish (GmStats * s, GmMeasurement * m);
void gm_stats_free (GmStats * s);

/* Called from the bus loop every ~100 ms with the fraction of the input
 * done (0..1: the mean of how far the decoder and the meter got, by
 * timestamps, so a pass that holds the stream until EOS still moves
 * steadily) and the input's
 * duration in seconds (0 while unknown). */
typedef void (*GmProgressFunc) (gdouble fraction, gdouble duration,
    gpointer user_data);

/* Asked every ~100 ms: TRUE stops the pipeline (Ctrl-C). */
typedef gboolean (*GmCancelFunc) (gpointer user_data);

/* A pipeline starting with filesrc ! decodebin, linked on demand to
 * `convert` (the first audio stream), with a `loudnorm mode=measure`
 * element `meter` somewhere downstream. */
typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  GstElement *convert;
  GstElement *meter;
  GmStats *stats;
  GMutex lock;                  /* guards position, metered */
  GstClockTime position;        /* end of the last decoded buffer */
  GstClockTime metered;         /* end of the last buffer into the meter */
  gint linked_audio;
  gint saw_no_more_pads;
} GmPipeline;

/* Creates pipeline, filesrc (location = file), decodebin, audioconvert
 * `convert`, and adds them to the pipeline (convert not linked
 * downstream).  NULL when an element is missing (message in *failure). */
gboolean gm_pipeline_init (GmPipeline * p, const gchar * file,
    gchar ** failure);
/* A `loudnorm mode=measure` meter posting every 100 ms. */
GstElement *gm_make_meter (const gchar * name);
void gm_pipeline_clear (GmPipeline * p);

/* Runs the pipeline to EOS, collecting the meter's messages (and the gain
 * reduction of `masterlimit` and of loudnorm's limiter) into m.  On failure returns FALSE with a
 * one-line reason in *failure (no file name). */
gboolean gm_pipeline_run (GmPipeline * p, GmMeasurement * m,
    GmProgressFunc progress, GmCancelFunc cancel, gpointer user_data,
    gchar ** failure);

/* The analysis pipeline on a file: filesrc ! decodebin ! audioconvert !
 * F32 ! loudnorm (meter) ! fakesink, with the probe after the meter. */
gboolean gm_measure_file (const gchar * file, gboolean spectrum,
    GmMeasurement * m, GmProgressFunc progress, GmCancelFunc cancel,
    gpointer user_data, gchar ** failure);

/* Checks a path before it is read: exists, not a directory, not empty.
 * FALSE with a reason in *failure. */
gboolean gm_check_input (const gchar * file, gchar ** failure);

#endif /* GM_MEASURE_H */
