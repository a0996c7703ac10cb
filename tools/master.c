/* gst-master: mastering one file.
 *
 *  1. analysis: the input through `loudnorm mode=measure` plus the sample
 *     probe (measure.c): the "before" column and the checks that need the
 *     signal (silence, channel count);
 *  2. render: filesrc ! decodebin ! audioconvert ! F32 ! automaster !
 *     (format conversion) ! tee, one branch to the encoder and a temporary
 *     file, the other to a second meter: for WAV and FLAC it measures the
 *     quantised (and, for 16 bits, dithered) samples that are written, for
 *     Ogg Vorbis and Opus the encoder's input;
 *  3. for Ogg Vorbis and Opus only: the written file decoded and measured
 *     (what a listener gets), shown as the "after" column.
 *
 * The output is written as `.NAME.partial-XXXXXX` beside NAME and renamed
 * when complete; any failure or interruption unlinks it.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "master.h"
#include "report.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* The automaster element's presets (its enum nicks and targets). */
const GmPreset gm_presets[] = {
  {"streaming", -14.0, -1.0, "streaming services"},
  {"apple", -16.0, -1.0, "Apple Music"},
  {"podcast", -16.0, -1.0, "podcasts"},
  {"broadcast", -23.0, -1.0, "EBU R128 broadcast"},
  {"atsc", -24.0, -2.0, "ATSC A/85 broadcast"},
  {"club", -9.0, -0.5, "club play"},
  {NULL, 0.0, 0.0, NULL}
};

/* Loudness tolerance of the result (LU). */
#define LOUDNESS_TOLERANCE 0.1

const GmPreset *
gm_preset_find (const gchar * nick)
{
  guint i;

  for (i = 0; gm_presets[i].nick; i++)
    if (g_ascii_strcasecmp (gm_presets[i].nick, nick) == 0)
      return &gm_presets[i];
  return NULL;
}

static const gchar *const extensions[] = { ".wav", ".flac", ".ogg", ".opus" };

gboolean
gm_format_from_name (const gchar * name, GmFormat * format)
{
  gsize len = strlen (name);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (extensions); i++) {
    gsize n = strlen (extensions[i]);
    if (len > n && g_ascii_strcasecmp (name + len - n, extensions[i]) == 0) {
      *format = (GmFormat) i;
      return TRUE;
    }
  }
  return FALSE;
}

const gchar *
gm_format_extension (GmFormat format)
{
  return extensions[format];
}

gboolean
gm_format_is_lossy (GmFormat format)
{
  return format == GM_FORMAT_OGG || format == GM_FORMAT_OPUS;
}

static const gchar *
format_name (GmFormat format)
{
  static const gchar *const names[] = { "WAV", "FLAC", "Ogg Vorbis", "Opus" };
  return names[format];
}

gboolean
gm_master_check_elements (GmFormat format, gchar ** failure)
{
  static const gchar *const common[] = {
    "filesrc", "decodebin", "audioconvert", "capsfilter", "tee", "queue",
    "fakesink", "filesink",
  };
  const gchar *enc[3] = { NULL, NULL, NULL };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (common); i++) {
    GstElementFactory *f = gst_element_factory_find (common[i]);
    if (!f) {
      *failure = g_strdup_printf ("GStreamer element '%s' not found: install "
          "gstreamer1.0-plugins-base", common[i]);
      return FALSE;
    }
    gst_object_unref (f);
  }
  switch (format) {
    case GM_FORMAT_WAV:
      enc[0] = "wavenc";
      break;
    case GM_FORMAT_FLAC:
      enc[0] = "flacenc";
      break;
    case GM_FORMAT_OGG:
      enc[0] = "vorbisenc";
      enc[1] = "oggmux";
      break;
    case GM_FORMAT_OPUS:
      enc[0] = "opusenc";
      enc[1] = "oggmux";
      enc[2] = "audioresample";
      break;
  }
  for (i = 0; i < 3 && enc[i]; i++) {
    GstElementFactory *f = gst_element_factory_find (enc[i]);
    if (!f) {
      *failure = g_strdup_printf ("GStreamer element '%s' not found: install "
          "%s to write %s", enc[i], format <= GM_FORMAT_FLAC
          ? "gstreamer1.0-plugins-good" : "gstreamer1.0-plugins-base",
          format_name (format));
      return FALSE;
    }
    gst_object_unref (f);
  }
  return TRUE;
}

/* --- progress ------------------------------------------------------------ */

static void
pass_progress (gdouble fraction, gdouble duration, gpointer user_data)
{
  GmJob *job = user_data;

  /* the first pass gives the input's duration */
  if (job->seconds <= 0 && job->pass_start == 0)
    job->seconds = duration;
  if (job->progress)
    job->progress (job->pass_start + job->pass_weight * fraction,
        job->seconds, job->user_data);
}

static gboolean
job_cancelled (gpointer user_data)
{
  GmJob *job = user_data;

  return job->cancel && job->cancel (job->user_data);
}

static void
set_pass (GmJob * job, gdouble start, gdouble weight)
{
  job->pass_start = start;
  job->pass_weight = weight;
  pass_progress (0.0, 0.0, job);
}

/* --- render -------------------------------------------------------------- */

/* The elements after automaster, as a launch line: format conversion, a
 * tee, the encoder to `out` (a filesink) and the meter branch. */
static gchar *
tail_description (GmFormat format, gint bits)
{
  const gchar *meter = "queue ! audioconvert ! audio/x-raw,format="
      GST_AUDIO_NE (F32) ",layout=interleaved ! loudnorm name=meter "
      "mode=measure post-messages=true interval=100000000 ! "
      "fakesink sync=false";
  const gchar *pcm = bits == 16
      ? "audioconvert dithering=tpdf noise-shaping=none ! "
      "audio/x-raw,format=S16LE"
      : "audioconvert dithering=none noise-shaping=none ! "
      "audio/x-raw,format=S24LE";

  switch (format) {
    case GM_FORMAT_WAV:
      return g_strdup_printf ("%s ! tee name=t ! queue ! wavenc ! "
          "filesink name=out t. ! %s", pcm, meter);
    case GM_FORMAT_FLAC:
      return g_strdup_printf ("%s ! tee name=t ! queue ! flacenc ! "
          "filesink name=out t. ! %s", pcm, meter);
    case GM_FORMAT_OGG:
      return g_strdup_printf ("tee name=t ! queue ! audioconvert ! "
          "vorbisenc quality=0.6 ! oggmux ! filesink name=out t. ! %s", meter);
    case GM_FORMAT_OPUS:
      return g_strdup_printf ("audioresample ! audio/x-raw,rate=48000 ! "
          "tee name=t ! queue ! audioconvert ! opusenc bitrate=192000 ! "
          "oggmux ! filesink name=out t. ! %s", meter);
  }
  return NULL;
}

static void
child_set (GstElement * bin, const gchar * name, const gchar * value)
{
  GObject *target = NULL;
  GParamSpec *pspec = NULL;

  if (gst_child_proxy_lookup (GST_CHILD_PROXY (bin), name, &target, &pspec)) {
    gst_util_set_object_arg (target, pspec->name, value);
    g_object_unref (target);
  }
}

static GstElement *
make_automaster (const GmSettings * s)
{
  GstElement *am = gst_element_factory_make ("automaster", "automaster");
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!am)
    return NULL;
  /* preset and intensity first: they rewrite the chain; then the targets */
  gst_util_set_object_arg (G_OBJECT (am), "preset", s->preset);
  if (s->intensity >= 0) {
    g_snprintf (buf, sizeof (buf), "%d", s->intensity);
    gst_util_set_object_arg (G_OBJECT (am), "intensity", buf);
  }
  g_object_set (am, "target-loudness", s->lufs, "true-peak-limit",
      s->ceiling, NULL);
  gst_util_set_object_arg (G_OBJECT (am), "mode", "file");
  child_set (am, "limit::post-messages", "true");
  child_set (am, "limit::interval", "100000000");
  /* its limiter's gain reduction adds to masterlimit's in the report */
  child_set (am, "loudnorm::post-messages", "true");
  child_set (am, "loudnorm::interval", "100000000");
  return am;
}

/* Runs the render pipeline into tmp.  FALSE with *failure set. */
static gboolean
render (GmJob * job, const gchar * tmp, GmMeasurement * m, gchar ** failure)
{
  const GmSettings *s = job->settings;
  GmPipeline p;
  GstElement *caps, *am, *tail, *out;
  GError *err = NULL;
  gchar *desc;
  gboolean ok;

  if (!gm_pipeline_init (&p, job->in, failure))
    return FALSE;
  caps = gst_element_factory_make ("capsfilter", NULL);
  {
    GstCaps *c = gst_caps_from_string ("audio/x-raw,format=" GST_AUDIO_NE (F32)
        ",layout=interleaved");
    g_object_set (caps, "caps", c, NULL);
    gst_caps_unref (c);
  }
  am = make_automaster (s);
  desc = tail_description (job->format, s->bits);
  tail = gst_parse_bin_from_description (desc, TRUE, &err);
  g_free (desc);
  if (!am || !tail) {
    *failure = g_strdup_printf ("cannot create the render pipeline: %s",
        err ? err->message : "no 'automaster' element");
    g_clear_error (&err);
    gst_clear_object (&caps);
    gst_clear_object (&am);
    gst_clear_object (&tail);
    gm_pipeline_clear (&p);
    return FALSE;
  }
  out = gst_bin_get_by_name (GST_BIN (tail), "out");
  g_object_set (out, "location", tmp, NULL);
  gst_object_unref (out);
  p.meter = gst_bin_get_by_name (GST_BIN (tail), "meter");
  gst_object_unref (p.meter);   /* the bin keeps it */

  gst_bin_add_many (GST_BIN (p.pipeline), caps, am, tail, NULL);
  if (!gst_element_link_many (p.convert, caps, am, tail, NULL)) {
    *failure = g_strdup ("cannot link the render pipeline");
    gm_pipeline_clear (&p);
    return FALSE;
  }

  p.stats = gm_stats_new (TRUE);
  {
    GstPad *pad = gst_element_get_static_pad (p.meter, "src");
    gm_stats_attach (p.stats, pad);
    gst_object_unref (pad);
  }
  ok = gm_pipeline_run (&p, m, pass_progress, job_cancelled, job, failure);
  gm_pipeline_clear (&p);
  return ok;
}

/* --- the table ------------------------------------------------------------ */

static gchar *
fmt (gdouble v, const gchar * f, const gchar * unit)
{
  gchar *num, *s;

  if (isnan (v))
    num = g_strdup ("n/a");
  else if (isinf (v))
    num = g_strdup (v < 0 ? "-inf" : "+inf");
  else
    num = g_strdup_printf (f, v);
  s = unit && !isnan (v) ? g_strdup_printf ("%s %s", num, unit)
      : g_strdup (num);
  g_free (num);
  return s;
}

static void
row (GString * t, const gchar * label, gdouble before, gdouble after,
    const gchar * f, const gchar * unit, const gchar * target)
{
  gchar *b = fmt (before, f, unit), *a = fmt (after, f, unit);

  if (target)
    g_string_append_printf (t, "  %-21s %12s %12s   %s\n", label, b, a, target);
  else
    g_string_append_printf (t, "  %-21s %12s %12s\n", label, b, a);
  g_free (b);
  g_free (a);
}

static void
append_table (GmJob * job, const GmMeasurement * b, const GmMeasurement * a)
{
  const GmSettings *s = job->settings;
  GString *t = job->text;
  gchar *target = g_strdup_printf ("%.1f LUFS", s->lufs);
  gchar *ceiling = g_strdup_printf ("<= %.1f dBTP", s->ceiling);

  g_string_append_printf (t, "  %-21s %12s %12s   %s\n", "", "before",
      "after", "target");
  row (t, "Integrated loudness", b->integrated, a->integrated, "%.1f", "LUFS",
      target);
  row (t, "Loudness range", b->range, a->range, "%.1f", "LU", NULL);
  row (t, "True peak", b->max_true_peak, a->max_true_peak, "%+.1f", "dBTP",
      ceiling);
  row (t, "Sample peak", b->max_sample_peak, a->max_sample_peak, "%+.1f",
      "dBFS", NULL);
  row (t, "PLR", b->max_true_peak - b->integrated,
      a->max_true_peak - a->integrated, "%.1f", "LU", NULL);
  row (t, "Crest factor", b->crest, a->crest, "%.1f", "dB", NULL);
  row (t, "Correlation", b->correlation, a->correlation, "%+.2f", NULL, NULL);
  g_free (target);
  g_free (ceiling);
}

/* The verdict on m (what the tool controls); TRUE when on target.  Adds
 * the explanation to job->text. */
static gboolean
verdict (GmJob * job, const GmMeasurement * m)
{
  const GmSettings *s = job->settings;
  gdouble dl = m->integrated - s->lufs;
  gboolean loud_ok = fabs (dl) <= LOUDNESS_TOLERANCE;
  gboolean tp_ok = m->max_true_peak <= s->ceiling;
  GString *t = job->text;

  if (loud_ok && tp_ok) {
    g_string_append_printf (t, "  Result: on target (%.2f LUFS, within "
        "%.1f LU of %.1f; true peak %+.2f <= %.1f dBTP)\n", m->integrated,
        LOUDNESS_TOLERANCE, s->lufs, m->max_true_peak, s->ceiling);
    return TRUE;
  }
  g_string_append (t, "  Result: TARGET MISSED:\n   ");
  if (!loud_ok)
    g_string_append_printf (t, " integrated %.2f LUFS is %.2f LU %s the "
        "%.1f LUFS target%s", m->integrated, fabs (dl), dl < 0 ? "under"
        : "over", s->lufs, dl < 0 ? ": the limiter cannot hold the "
        "ceiling at that loudness (raise --intensity or --ceiling, or lower "
        "--lufs)" : "");
  if (!loud_ok && !tp_ok)
    g_string_append (t, ";");
  if (!tp_ok)
    g_string_append_printf (t, " true peak %+.2f dBTP is above the %.1f dBTP "
        "ceiling", m->max_true_peak, s->ceiling);
  g_string_append (t, "\n");
  return FALSE;
}

/* --- the job ------------------------------------------------------------- */

static gchar *
temp_template (const gchar * out)
{
  gchar *dir = g_path_get_dirname (out);
  gchar *base = g_path_get_basename (out);
  gchar *name = g_strdup_printf (".%s.partial-XXXXXX", base);
  gchar *tmpl = g_build_filename (dir, name, NULL);

  g_free (dir);
  g_free (base);
  g_free (name);
  return tmpl;
}

static gboolean
same_file (const gchar * a, const gchar * b)
{
  GStatBuf sa, sb;

  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
      && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
job_fail (GmJob * job, gint status, gchar * error)
{
  job->status = status;
  g_free (job->error);
  job->error = error;
}

void
gm_master_file (GmJob * job)
{
  const GmSettings *s = job->settings;
  gboolean lossy = gm_format_is_lossy (job->format);
  gchar *tmp = NULL, *failure = NULL;
  gboolean on_target;
  gint fd;

  gm_measurement_init (&job->before);
  gm_measurement_init (&job->after);
  gm_measurement_init (&job->rendered);
  job->text = g_string_new (NULL);
  job->status = 0;

  if (!gm_check_input (job->in, &failure)) {
    job_fail (job, GM_EXIT_FAILED, failure);
    return;
  }
  if (same_file (job->in, job->out)) {
    job_fail (job, GM_EXIT_FAILED, g_strdup_printf ("the output %s is the "
            "input file", job->out));
    return;
  }

  /* the temporary output first: an unwritable place fails at once */
  tmp = temp_template (job->out);
  fd = g_mkstemp_full (tmp, O_RDWR, 0666);
  if (fd < 0) {
    job_fail (job, GM_EXIT_FAILED, g_strdup_printf ("cannot write %s: %s",
            job->out, g_strerror (errno)));
    g_free (tmp);
    return;
  }
  close (fd);

  /* 1. analysis */
  set_pass (job, 0.0, lossy ? 0.25 : 0.3);
  if (!gm_measure_file (job->in, TRUE, &job->before, pass_progress,
          job_cancelled, job, &failure)) {
    job_fail (job, job_cancelled (job) ? GM_EXIT_INTERRUPTED : GM_EXIT_FAILED,
        failure);
    goto fail;
  }
  if (job->before.channels > 2) {
    job_fail (job, GM_EXIT_FAILED, g_strdup_printf ("%u channels: gst-master "
            "masters mono and stereo programmes (downmix first, e.g. "
            "audioconvert ! audio/x-raw,channels=2)", job->before.channels));
    goto fail;
  }
  if (!isfinite (job->before.integrated)) {
    job_fail (job, GM_EXIT_FAILED, g_strdup ("the input is silent (no "
            "measurable loudness): nothing to master"));
    goto fail;
  }

  /* 2. render */
  set_pass (job, job->pass_start + job->pass_weight, lossy ? 0.6 : 0.7);
  if (!render (job, tmp, lossy ? &job->rendered : &job->after, &failure)) {
    job_fail (job, job_cancelled (job) ? GM_EXIT_INTERRUPTED : GM_EXIT_FAILED,
        failure);
    goto fail;
  }

  /* 3. lossy: what the listener gets */
  if (lossy) {
    set_pass (job, job->pass_start + job->pass_weight, 0.15);
    if (!gm_measure_file (tmp, TRUE, &job->after, pass_progress,
            job_cancelled, job, &failure)) {
      job_fail (job, job_cancelled (job) ? GM_EXIT_INTERRUPTED
          : GM_EXIT_FAILED, g_strdup_printf ("cannot read back the encoded "
              "output: %s", failure));
      g_free (failure);
      goto fail;
    }
    /* the after spectrum and loudness curve from the decoded file; the
     * limiter's gain reduction from the render pass */
    g_array_append_vals (job->after.gain_reduction,
        job->rendered.gain_reduction->data, job->rendered.gain_reduction->len);
  }

  if (job_cancelled (job)) {
    job_fail (job, GM_EXIT_INTERRUPTED, g_strdup ("interrupted"));
    goto fail;
  }
  if (g_rename (tmp, job->out) != 0) {
    job_fail (job, GM_EXIT_FAILED, g_strdup_printf ("cannot write %s: %s",
            job->out, g_strerror (errno)));
    goto fail;
  }

  g_string_append_printf (job->text, "%s -> %s (%s, preset %s, %.1f LUFS, "
      "%.1f dBTP)\n", job->in, job->out, format_name (job->format),
      s->preset, s->lufs, s->ceiling);
  append_table (job, &job->before, &job->after);
  if (lossy) {
    gdouble dl = job->after.integrated - s->lufs;
    on_target = verdict (job, &job->rendered);
    if (fabs (dl) > LOUDNESS_TOLERANCE || job->after.max_true_peak > s->ceiling)
      g_string_append_printf (job->text, "  Note: %s encoding moved the "
          "result to %.2f LUFS, %+.2f dBTP (measured on the decoded file); "
          "lossy encoders add peaks this tool cannot control: for lossy "
          "delivery lower --ceiling by 1-2 dB\n", format_name (job->format),
          job->after.integrated, job->after.max_true_peak);
  } else {
    on_target = verdict (job, &job->after);
  }
  if (!on_target)
    job->status = GM_EXIT_TARGET_MISSED;

  if (job->report) {
    GError *err = NULL;

    if (gm_report_draw (job->report, job, &err))
      g_string_append_printf (job->text, "  Report: %s\n", job->report);
    else {
      job_fail (job, GM_EXIT_FAILED, g_strdup_printf ("cannot write the "
              "report %s: %s", job->report, err->message));
      g_clear_error (&err);
    }
  }
  g_free (tmp);
  return;

fail:
  g_unlink (tmp);
  g_free (tmp);
}

void
gm_job_clear (GmJob * job)
{
  gm_measurement_clear (&job->before);
  gm_measurement_clear (&job->after);
  gm_measurement_clear (&job->rendered);
  g_free (job->error);
  if (job->text)
    g_string_free (job->text, TRUE);
  job->error = NULL;
  job->text = NULL;
}
