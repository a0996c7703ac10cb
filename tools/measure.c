/* gst-master: measuring pipelines and the bus loop shared by the
 * analysis, render and after-measurement passes.
 *
 * Loudness, loudness range, true and sample peaks come from the project's
 * `loudnorm` element in measure mode (its periodic messages give the
 * short-term loudness over time, the final one the programme values).  A
 * buffer probe after the meter adds what loudnorm does not measure: RMS and
 * crest factor, the correlation of the first two channels and the
 * long-term spectrum (gst-plugins-base's gstfft, Hann window, no overlap).
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "measure.h"

#include <gst/fft/gstfftf32.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* loudnorm and masterlimit post every METER_INTERVAL */
#define METER_INTERVAL (100 * GST_MSECOND)

void
gm_measurement_init (GmMeasurement * m)
{
  guint c;

  memset (m, 0, sizeof (*m));
  m->integrated = m->range = m->max_true_peak = m->max_sample_peak = NAN;
  m->max_momentary = m->max_shortterm = NAN;
  m->rms = m->crest = m->correlation = NAN;
  m->duration = GST_CLOCK_TIME_NONE;
  for (c = 0; c < GM_MAX_CHANNELS; c++)
    m->position[c] = GST_AUDIO_CHANNEL_POSITION_INVALID;
  m->shortterm = g_array_new (FALSE, FALSE, sizeof (GmPoint));
  m->gain_reduction = g_array_new (FALSE, FALSE, sizeof (GmPoint));
}

void
gm_measurement_clear (GmMeasurement * m)
{
  if (m->shortterm)
    g_array_free (m->shortterm, TRUE);
  if (m->gain_reduction)
    g_array_free (m->gain_reduction, TRUE);
  g_free (m->spectrum);
  m->shortterm = m->gain_reduction = NULL;
  m->spectrum = NULL;
}

/* --- sample statistics --------------------------------------------------- */

/* Accumulators of the probe, touched only by the streaming thread until the
 * pipeline is stopped.
 *   sum_sq:             all samples of all channels
 *   sum_lr, sum_ll, sum_rr: first two channels (correlation)
 *   frames:             frames seen
 *   fft, window, fill, frame, work, freq, power, blocks: the spectrum:
 *                       frame collects GM_FFT_SIZE mid samples (mean of the
 *                       channels), each full frame is windowed (Hann, the
 *                       table computed once) in work,
 *                       transformed into freq and its power added to power;
 *                       blocks counts the transforms;
 *   stride, seen:       one full frame in stride is transformed (0: not
 *                       decided yet, at the first buffer); seen counts
 *                       the full frames. */
struct _GmStats
{
  gdouble sum_sq;
  gdouble sum_lr, sum_ll, sum_rr;
  guint64 frames;
  guint channels;
  /* the caps of the buffers probed last: their channels when they are
   * F32 (else 0) */
  GstCaps *caps;
  guint caps_channels;
  gint rate;

  GstFFTF32 *fft;
  gfloat *window;
  guint fill;
  gfloat *frame;
  gfloat *work;
  GstFFTF32Complex *freq;
  gdouble *power;
  guint64 blocks;
  guint stride;
  guint64 seen;
};

/* The long-term spectrum averages at most about this many frames, spread
 * evenly over the programme (every frame up to 8192 x 1024 samples, 175 s
 * at 48 kHz): plenty for a 1/6-octave curve, and the FFT's time stays
 * bounded on long files. */
#define GM_FFT_MAX_BLOCKS 1024

GmStats *
gm_stats_new (gboolean spectrum)
{
  GmStats *s = g_new0 (GmStats, 1);

  if (spectrum) {
    guint i;

    s->fft = gst_fft_f32_new (GM_FFT_SIZE, FALSE);
    s->window = g_new (gfloat, GM_FFT_SIZE);
    for (i = 0; i < GM_FFT_SIZE; i++)
      s->window[i] = 0.5 * (1.0 - cos (2.0 * G_PI * i / (GM_FFT_SIZE - 1)));
    s->frame = g_new0 (gfloat, GM_FFT_SIZE);
    s->work = g_new0 (gfloat, GM_FFT_SIZE);
    s->freq = g_new0 (GstFFTF32Complex, GM_FFT_BINS);
    s->power = g_new0 (gdouble, GM_FFT_BINS);
  }
  return s;
}

void
gm_stats_free (GmStats * s)
{
  if (!s)
    return;
  gst_clear_caps (&s->caps);
  if (s->fft)
    gst_fft_f32_free (s->fft);
  g_free (s->window);
  g_free (s->frame);
  g_free (s->work);
  g_free (s->freq);
  g_free (s->power);
  g_free (s);
}

static void
stats_spectrum_block (GmStats * s)
{
  guint k;

  for (k = 0; k < GM_FFT_SIZE; k++)
    s->work[k] = s->frame[k] * s->window[k];
  gst_fft_f32_fft (s->fft, s->work, s->freq);
  for (k = 0; k < GM_FFT_BINS; k++)
    s->power[k] += (gdouble) s->freq[k].r * s->freq[k].r
        + (gdouble) s->freq[k].i * s->freq[k].i;
  s->blocks++;
  s->fill = 0;
}

/* The mid signal of frames x into the spectrum's frames; the frames
 * that are not transformed (stride) are only counted. */
static void
stats_spectrum_add (GmStats * s, const gfloat * x, gsize frames, guint channels)
{
  gfloat inv = 1.0f / channels;
  gsize i = 0;
  guint c;

  if (s->stride == 0)
    s->stride = 1;
  while (i < frames) {
    gsize n = MIN (frames - i, (gsize) (GM_FFT_SIZE - s->fill));

    if (s->seen % s->stride == 0) {
      gsize k;

      for (k = 0; k < n; k++) {
        const gfloat *f = x + (i + k) * channels;
        gfloat mid = 0.0f;

        for (c = 0; c < channels; c++)
          mid += f[c];
        s->frame[s->fill + k] = mid * inv;
      }
    }
    s->fill += n;
    i += n;
    if (s->fill == GM_FFT_SIZE) {
      if (s->seen++ % s->stride == 0)
        stats_spectrum_block (s);
      s->fill = 0;
    }
  }
}

static void
stats_add (GmStats * s, const gfloat * x, gsize frames, guint channels)
{
  gdouble sum_sq = 0.0, lr = 0.0, ll = 0.0, rr = 0.0;
  gsize i = 0;

  s->channels = channels;
  if (channels >= 2) {
    /* two sums of each (even and odd frames) in registers, so that no
     * addition waits for the one before */
    gdouble a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0, c0 = 0.0, c1 = 0.0;

    for (; i + 2 <= frames; i += 2) {
      const gfloat *f = x + i * channels;
      gdouble l0 = f[0], r0 = f[1], l1 = f[channels], r1 = f[channels + 1];

      a0 += l0 * r0;
      b0 += l0 * l0;
      c0 += r0 * r0;
      a1 += l1 * r1;
      b1 += l1 * l1;
      c1 += r1 * r1;
    }
    if (i < frames) {
      gdouble l = x[i * channels], r = x[i * channels + 1];

      a0 += l * r;
      b0 += l * l;
      c0 += r * r;
    }
    lr = a0 + a1;
    ll = b0 + b1;
    rr = c0 + c1;
  }
  if (channels == 2) {
    sum_sq = ll + rr;
  } else {
    for (i = 0; i < frames * channels; i++)
      sum_sq += (gdouble) x[i] * x[i];
  }
  if (s->fft)
    stats_spectrum_add (s, x, frames, channels);
  s->sum_sq += sum_sq;
  s->sum_lr += lr;
  s->sum_ll += ll;
  s->sum_rr += rr;
  s->frames += frames;
}

static GstPadProbeReturn
stats_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GmStats *s = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstAudioInfo ai;
  GstMapInfo map;

  if (!caps)
    return GST_PAD_PROBE_OK;
  if (caps != s->caps) {
    /* parsed once per caps, not per buffer */
    gst_caps_replace (&s->caps, caps);
    s->caps_channels = gst_audio_info_from_caps (&ai, caps)
        && GST_AUDIO_INFO_FORMAT (&ai) == GST_AUDIO_FORMAT_F32
        ? GST_AUDIO_INFO_CHANNELS (&ai) : 0;
    s->rate = s->caps_channels > 0 ? GST_AUDIO_INFO_RATE (&ai) : 0;
  }
  if (s->caps_channels > 0 && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    guint ch = s->caps_channels;

    if (s->stride == 0) {
      gint64 dur = -1;
      guint64 frames;

      s->stride = 1;
      if (gst_pad_query_duration (pad, GST_FORMAT_TIME, &dur) && dur > 0) {
        frames = gst_util_uint64_scale_int (dur, s->rate,
            GST_SECOND) / GM_FFT_SIZE;
        s->stride = MAX (1, (frames + GM_FFT_MAX_BLOCKS - 1)
            / GM_FFT_MAX_BLOCKS);
      }
    }

    stats_add (s, (const gfloat *) map.data, map.size / (4 * ch), ch);
    gst_buffer_unmap (buf, &map);
  }
  gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

void
gm_stats_attach (GmStats * s, GstPad * pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stats_probe, s, NULL);
}

void
gm_stats_finish (GmStats * s, GmMeasurement * m)
{
  guint64 n = s->frames * MAX (s->channels, 1);

  m->frames = s->frames;
  m->rms = n > 0 && s->sum_sq > 0.0 ? 10.0 * log10 (s->sum_sq / n) : -INFINITY;
  m->crest = isfinite (m->rms) && isfinite (m->max_sample_peak)
      ? m->max_sample_peak - m->rms : NAN;
  if (s->channels >= 2 && s->sum_ll > 0.0 && s->sum_rr > 0.0)
    m->correlation = s->sum_lr / sqrt (s->sum_ll * s->sum_rr);
  else
    m->correlation = NAN;

  g_free (m->spectrum);
  m->spectrum = NULL;
  if (s->fft) {
    guint k;

    /* a partial last frame counts when it is at least half full (and is
     * one of those transformed) */
    if (s->fill >= GM_FFT_SIZE / 2 && s->seen % MAX (s->stride, 1) == 0) {
      memset (s->frame + s->fill, 0, (GM_FFT_SIZE - s->fill) * sizeof (gfloat));
      stats_spectrum_block (s);
    }
    if (s->blocks > 0) {
      /* Hann window: a sine of amplitude A peaks at A N / 4 */
      gdouble norm = 16.0 / ((gdouble) GM_FFT_SIZE * GM_FFT_SIZE);

      m->spectrum = g_new (gdouble, GM_FFT_BINS);
      for (k = 0; k < GM_FFT_BINS; k++)
        m->spectrum[k] = s->power[k] * norm / s->blocks;
    }
  }
}

/* --- pipelines ----------------------------------------------------------- */

gboolean
gm_check_input (const gchar * file, gchar ** failure)
{
  GStatBuf st;

  if (g_stat (file, &st) != 0) {
    *failure = g_strdup (errno == ENOENT ? "no such file" : g_strerror (errno));
    return FALSE;
  }
  if (S_ISDIR (st.st_mode)) {
    *failure = g_strdup ("is a directory");
    return FALSE;
  }
  if (g_access (file, R_OK) != 0) {
    *failure = g_strdup_printf ("cannot read: %s", g_strerror (errno));
    return FALSE;
  }
  if (S_ISREG (st.st_mode) && st.st_size == 0) {
    *failure = g_strdup ("empty file (0 bytes)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
is_audio_pad (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean audio = FALSE;

  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0) {
    const gchar *name
        = gst_structure_get_name (gst_caps_get_structure (caps, 0));
    audio = g_str_has_prefix (name, "audio/");
  }
  if (caps)
    gst_caps_unref (caps);
  return audio;
}

/* decodebin: link the first audio stream, leave the others unlinked. */
static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  GmPipeline *p = user_data;
  GstPad *sink;

  if (!is_audio_pad (pad) || g_atomic_int_get (&p->linked_audio))
    return;
  sink = gst_element_get_static_pad (p->convert, "sink");
  if (!gst_pad_is_linked (sink) && gst_pad_link (pad, sink) == GST_PAD_LINK_OK)
    g_atomic_int_set (&p->linked_audio, 1);
  gst_object_unref (sink);
}

static void
on_no_more_pads (GstElement * decodebin, gpointer user_data)
{
  GmPipeline *p = user_data;

  g_atomic_int_set (&p->saw_no_more_pads, 1);
  if (!g_atomic_int_get (&p->linked_audio))
    gst_element_post_message (decodebin,
        gst_message_new_application (GST_OBJECT (decodebin),
            gst_structure_new_empty ("gst-master-no-audio")));
}

/* Remembers how far the decoder (or the meter) got, for the progress bar. */
static void
note_position (GmPipeline * p, GstBuffer * buf, GstClockTime * where)
{
  if (GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime end = GST_BUFFER_PTS (buf);

    if (GST_BUFFER_DURATION_IS_VALID (buf))
      end += GST_BUFFER_DURATION (buf);
    g_mutex_lock (&p->lock);
    *where = end;
    g_mutex_unlock (&p->lock);
  }
}

static GstPadProbeReturn
position_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GmPipeline *p = user_data;

  note_position (p, GST_PAD_PROBE_INFO_BUFFER (info), &p->position);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
metered_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GmPipeline *p = user_data;

  note_position (p, GST_PAD_PROBE_INFO_BUFFER (info), &p->metered);
  return GST_PAD_PROBE_OK;
}

static void
set_arg_if_exists (GstElement * e, const gchar * prop, const gchar * value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop))
    gst_util_set_object_arg (G_OBJECT (e), prop, value);
}

GstElement *
gm_make_meter (const gchar * name)
{
  GstElement *meter = gst_element_factory_make ("loudnorm", name);
  gchar *interval;

  if (!meter)
    return NULL;
  interval = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) METER_INTERVAL);
  set_arg_if_exists (meter, "mode", "measure");
  set_arg_if_exists (meter, "post-messages", "true");
  set_arg_if_exists (meter, "interval", interval);
  g_free (interval);
  return meter;
}

gboolean
gm_pipeline_init (GmPipeline * p, const gchar * file, gchar ** failure)
{
  GstElement *dec;

  memset (p, 0, sizeof (*p));
  p->pipeline = gst_pipeline_new (NULL);
  p->src = gst_element_factory_make ("filesrc", NULL);
  dec = gst_element_factory_make ("decodebin", NULL);
  p->convert = gst_element_factory_make ("audioconvert", NULL);
  if (!p->src || !dec || !p->convert) {
    gst_clear_object (&p->src);
    gst_clear_object (&dec);
    gst_clear_object (&p->convert);
    gst_clear_object (&p->pipeline);
    *failure = g_strdup ("cannot create the pipeline (filesrc, decodebin, "
        "audioconvert: install gstreamer1.0-plugins-base)");
    return FALSE;
  }
  g_object_set (p->src, "location", file, NULL);
  g_mutex_init (&p->lock);
  p->position = p->metered = 0;
  {
    GstPad *pad = gst_element_get_static_pad (p->convert, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, position_probe, p, NULL);
    gst_object_unref (pad);
  }
  gst_bin_add_many (GST_BIN (p->pipeline), p->src, dec, p->convert, NULL);
  gst_element_link (p->src, dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), p);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), p);
  return TRUE;
}

void
gm_pipeline_clear (GmPipeline * p)
{
  if (p->pipeline) {
    gst_element_set_state (p->pipeline, GST_STATE_NULL);
    gst_object_unref (p->pipeline);
  }
  gm_stats_free (p->stats);
  g_mutex_clear (&p->lock);
  memset (p, 0, sizeof (*p));
}

/* One-line description of a pipeline error. */
static gchar *
describe_error (GError * err, const GmPipeline * p, const gchar * missing)
{
  if (missing)
    return g_strdup_printf ("cannot decode: no decoder installed for %s",
        missing);
  if (g_atomic_int_get ((gint *) & p->saw_no_more_pads)
      && !g_atomic_int_get ((gint *) & p->linked_audio))
    return g_strdup ("no audio stream");
  if (err->domain == GST_STREAM_ERROR
      && (err->code == GST_STREAM_ERROR_TYPE_NOT_FOUND
          || err->code == GST_STREAM_ERROR_WRONG_TYPE
          || err->code == GST_STREAM_ERROR_DECODE
          || err->code == GST_STREAM_ERROR_DEMUX))
    return g_strdup_printf ("cannot decode: not an audio or media file "
        "this system can read (%s)", err->message);
  if (err->domain == GST_CORE_ERROR
      && err->code == GST_CORE_ERROR_MISSING_PLUGIN)
    return g_strdup_printf ("cannot decode: %s", err->message);
  if (err->domain == GST_STREAM_ERROR && err->code == GST_STREAM_ERROR_FORMAT)
    return g_strdup_printf ("unsupported audio format (loudnorm takes 1-8 "
        "channels): %s", err->message);
  if (err->domain == GST_RESOURCE_ERROR
      && (err->code == GST_RESOURCE_ERROR_OPEN_WRITE
          || err->code == GST_RESOURCE_ERROR_WRITE
          || err->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    return g_strdup_printf ("cannot write the output: %s", err->message);
  return g_strdup (err->message);
}

static gboolean
get_double (const GstStructure * st, const gchar * name, gdouble * v)
{
  if (!gst_structure_get_double (st, name, v)) {
    *v = NAN;
    return FALSE;
  }
  return TRUE;
}

/* Per-channel array of doubles; returns its length (at most max). */
static guint
get_double_array (const GstStructure * st, const gchar * name, gdouble * v,
    guint max)
{
  const GValue *arr = gst_structure_get_value (st, name);
  guint i, n;

  if (!arr || !GST_VALUE_HOLDS_ARRAY (arr))
    return 0;
  n = MIN (gst_value_array_get_size (arr), max);
  for (i = 0; i < n; i++) {
    const GValue *e = gst_value_array_get_value (arr, i);
    v[i] = G_VALUE_HOLDS_DOUBLE (e) ? g_value_get_double (e) : NAN;
  }
  return n;
}

static gboolean
measurement_from_final (const GstStructure * st, GmMeasurement * m)
{
  gboolean ok = TRUE;
  guint ntp, nsp, c;

  ok &= get_double (st, "integrated-loudness", &m->integrated);
  ok &= get_double (st, "loudness-range", &m->range);
  ok &= get_double (st, "max-true-peak", &m->max_true_peak);
  ok &= get_double (st, "max-momentary-loudness", &m->max_momentary);
  ok &= get_double (st, "max-shortterm-loudness", &m->max_shortterm);
  ntp = get_double_array (st, "true-peak", m->true_peak, GM_MAX_CHANNELS);
  nsp = get_double_array (st, "sample-peak", m->sample_peak, GM_MAX_CHANNELS);
  if (ntp == 0 || ntp != nsp)
    ok = FALSE;
  m->channels = MIN (ntp, nsp);
  m->max_sample_peak = -INFINITY;
  for (c = 0; c < m->channels; c++)
    m->max_sample_peak = MAX (m->max_sample_peak, m->sample_peak[c]);
  return ok;
}

/* Seconds at the end of the interval a meter message covers. */
static gdouble
message_time (const GstStructure * st)
{
  GstClockTime ts = GST_CLOCK_TIME_NONE, dur = 0;

  gst_structure_get_clock_time (st, "timestamp", &ts);
  gst_structure_get_clock_time (st, "duration", &dur);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return NAN;
  if (!GST_CLOCK_TIME_IS_VALID (dur))
    dur = 0;
  return (gdouble) (ts + dur) / GST_SECOND;
}

static void
append_point (GArray * a, gdouble t, gdouble v)
{
  GmPoint pt = { t, v };

  if (!isnan (t))
    g_array_append_val (a, pt);
}

/* What the meter and the limiter post, collected in the posting thread
 * (a bus sync handler): ten messages a second each would otherwise wake
 * the tool's thread one by one. */
typedef struct
{
  GMutex lock;
  GstElement *meter;
  GmMeasurement *m;
  GstStructure *last;           /* the final meter message, else the latest */
  gboolean last_is_final;
  gchar *missing;               /* the first missing-plugin description */
  GArray *norm_gr;              /* loudnorm's limiter (render pass) */
} GmCollect;

/* The chain's gain reduction: the limiter's (masterlimit, m's points)
 * plus loudnorm's (norm: points at the end of each of its intervals), in
 * dB, at the limiter's times (loudnorm's alone when the limiter posted
 * nothing). */
static void
add_gain_reduction (GArray * m, const GArray * norm)
{
  guint i, j = 0;

  if (norm->len == 0)
    return;
  if (m->len == 0) {
    g_array_append_vals (m, norm->data, norm->len);
    return;
  }
  for (i = 0; i < m->len; i++) {
    GmPoint *pt = &g_array_index (m, GmPoint, i);

    /* the first of loudnorm's intervals that ends at or after pt->t */
    while (j + 1 < norm->len && g_array_index (norm, GmPoint, j).t < pt->t)
      j++;
    pt->v += g_array_index (norm, GmPoint, j).v;
  }
}

static GstBusSyncReply
collect_sync (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  GmCollect *c = user_data;
  const GstStructure *st;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  st = gst_message_get_structure (msg);
  g_mutex_lock (&c->lock);
  if (GST_MESSAGE_SRC (msg) == GST_OBJECT (c->meter)
      && gst_structure_has_name (st, "loudnorm")) {
    gboolean final = FALSE;
    gdouble v;

    gst_structure_get_boolean (st, "final", &final);
    if (!final && gst_structure_get_double (st, "shortterm-loudness", &v))
      append_point (c->m->shortterm, message_time (st), v);
    if (final || !c->last_is_final) {
      if (c->last)
        gst_structure_free (c->last);
      c->last = gst_structure_copy (st);
      c->last_is_final = final;
    }
  } else if (gst_structure_has_name (st, "masterlimit")
      || gst_structure_has_name (st, "loudnorm-limiter")) {
    gdouble v;

    if (gst_structure_get_double (st, "max-gain-reduction", &v))
      append_point (gst_structure_has_name (st, "masterlimit")
          ? c->m->gain_reduction : c->norm_gr, message_time (st), v);
  } else if (gst_is_missing_plugin_message (msg)) {
    if (!c->missing)
      c->missing = gst_missing_plugin_message_get_description (msg);
  }
  /* the bus loop needs no element message */
  g_mutex_unlock (&c->lock);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

gboolean
gm_pipeline_run (GmPipeline * p, GmMeasurement * m, GmProgressFunc progress,
    GmCancelFunc cancel, gpointer user_data, gchar ** failure)
{
  GmCollect col = { 0, };
  GstStructure *last;
  gboolean done = FALSE, ok = FALSE;
  gint64 duration = -1;
  gint64 next_tick = 0;
  GstBus *bus;

  {
    GstPad *pad = gst_element_get_static_pad (p->meter, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, metered_probe, p, NULL);
    gst_object_unref (pad);
  }
  g_mutex_init (&col.lock);
  col.meter = p->meter;
  col.m = m;
  col.norm_gr = g_array_new (FALSE, FALSE, sizeof (GmPoint));
  bus = gst_element_get_bus (p->pipeline);
  gst_bus_set_sync_handler (bus, collect_sync, &col, NULL);
  /* on failure an error message on the bus says why */
  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_APPLICATION);
    const GstStructure *st;

    if (msg && g_get_monotonic_time () < next_tick) {
      /* handled below */
    } else {
      GstClockTime pos;

      next_tick = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;

      if (cancel && cancel (user_data)) {
        *failure = g_strdup ("interrupted");
        if (msg)
          gst_message_unref (msg);
        break;
      }
      if (duration <= 0 && g_atomic_int_get (&p->linked_audio)) {
        GstPad *pad = gst_element_get_static_pad (p->convert, "sink");
        if (!gst_pad_peer_query_duration (pad, GST_FORMAT_TIME, &duration))
          duration = -1;
        gst_object_unref (pad);
      }
      g_mutex_lock (&p->lock);
      pos = (p->position + p->metered) / 2;
      g_mutex_unlock (&p->lock);
      if (progress && duration > 0)
        progress (MIN ((gdouble) pos / duration, 1.0),
            (gdouble) duration / GST_SECOND, user_data);
      if (!msg)
        continue;
    }
    st = gst_message_get_structure (msg);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_APPLICATION:
        if (gst_structure_has_name (st, "gst-master-no-audio")) {
          *failure = g_strdup ("no audio stream");
          done = TRUE;
        }
        break;
      case GST_MESSAGE_ERROR:{
        GError *err = NULL;

        gst_message_parse_error (msg, &err, NULL);
        g_mutex_lock (&col.lock);
        *failure = describe_error (err, p, col.missing);
        g_mutex_unlock (&col.lock);
        g_clear_error (&err);
        done = TRUE;
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        ok = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }

  g_mutex_lock (&col.lock);
  last = col.last;
  col.last = NULL;
  add_gain_reduction (m->gain_reduction, col.norm_gr);
  g_array_set_size (col.norm_gr, 0);
  g_mutex_unlock (&col.lock);

  if (ok && !g_atomic_int_get (&p->linked_audio)) {
    *failure = g_strdup ("no audio stream");
    ok = FALSE;
  }
  if (ok && !last) {
    *failure = g_strdup ("no loudness measurement (the file has no audio "
        "samples, or 'loudnorm' posted no message)");
    ok = FALSE;
  }

  if (ok) {
    GstPad *pad = gst_element_get_static_pad (p->meter, "sink");
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstAudioInfo info;
    gint64 dur = -1;
    guint c;

    if (caps && gst_audio_info_from_caps (&info, caps)) {
      m->rate = GST_AUDIO_INFO_RATE (&info);
      for (c = 0; c < (guint) GST_AUDIO_INFO_CHANNELS (&info)
          && c < GM_MAX_CHANNELS; c++)
        m->position[c] = info.position[c];
    }
    if (caps)
      gst_caps_unref (caps);
    gst_object_unref (pad);
    if (gst_element_query_duration (p->pipeline, GST_FORMAT_TIME, &dur)
        && dur > 0)
      m->duration = dur;

    if (!measurement_from_final (last, m)) {
      *failure = g_strdup ("the 'loudnorm' message lacks fields this tool "
          "needs (plugin and tool versions differ?)");
      ok = FALSE;
    }
  }

  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  if (ok && p->stats) {
    gm_stats_finish (p->stats, m);
    if (m->rate > 0 && !GST_CLOCK_TIME_IS_VALID (m->duration))
      m->duration = gst_util_uint64_scale_int (m->frames, GST_SECOND, m->rate);
  }
  if (ok && progress)
    progress (1.0, duration > 0 ? (gdouble) duration / GST_SECOND : 0.0,
        user_data);

  /* the pipeline is stopped: nothing posts any more */
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  g_free (col.missing);
  if (col.last)
    gst_structure_free (col.last);
  if (last)
    gst_structure_free (last);
  g_array_free (col.norm_gr, TRUE);
  g_mutex_clear (&col.lock);
  gst_object_unref (bus);
  return ok;
}

gboolean
gm_measure_file (const gchar * file, gboolean spectrum, GmMeasurement * m,
    GmProgressFunc progress, GmCancelFunc cancel, gpointer user_data,
    gchar ** failure)
{
  GmPipeline p;
  GstElement *caps, *sink;
  gboolean ok;

  if (!gm_check_input (file, failure))
    return FALSE;
  if (!gm_pipeline_init (&p, file, failure))
    return FALSE;
  caps = gst_element_factory_make ("capsfilter", NULL);
  p.meter = gm_make_meter ("meter");
  sink = gst_element_factory_make ("fakesink", NULL);
  if (!caps || !p.meter || !sink) {
    gst_clear_object (&caps);
    gst_clear_object (&p.meter);
    gst_clear_object (&sink);
    gm_pipeline_clear (&p);
    *failure = g_strdup ("cannot create the measuring pipeline");
    return FALSE;
  }
  g_object_set (sink, "sync", FALSE, NULL);
  {
    GstCaps *c = gst_caps_from_string ("audio/x-raw,format=" GST_AUDIO_NE (F32)
        ",layout=interleaved");
    g_object_set (caps, "caps", c, NULL);
    gst_caps_unref (c);
  }
  gst_bin_add_many (GST_BIN (p.pipeline), caps, p.meter, sink, NULL);
  gst_element_link_many (p.convert, caps, p.meter, sink, NULL);

  p.stats = gm_stats_new (spectrum);
  {
    GstPad *pad = gst_element_get_static_pad (p.meter, "src");
    gm_stats_attach (p.stats, pad);
    gst_object_unref (pad);
  }
  ok = gm_pipeline_run (&p, m, progress, cancel, user_data, failure);
  gm_pipeline_clear (&p);
  return ok;
}
