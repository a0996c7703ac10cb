/* gst-mastering: loudnorm, an ITU-R BS.1770-4 / EBU R128 loudness meter
 * and normaliser (static, file and dynamic modes).
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-loudnorm
 * @title: loudnorm
 *
 * Measures loudness as ITU-R BS.1770-4 and EBU R128 define it: momentary
 * (400 ms), short-term (3 s), integrated (gated, over the whole stream) and
 * loudness range (EBU Tech 3342), plus the per-channel true peak (BS.1770-4
 * Annex 2, oversampled) and sample peak.
 *
 * In `measure` mode (the default) the audio passes through untouched: the
 * element hands on the very buffer it received, without copying or
 * writing it.  The other modes normalise, never changing the rate or the
 * format, and end in the true-peak limiter of `masterlimit`:
 * `static` applies target-loudness minus #GstLoudnorm:measured-loudness
 * (the second pass of a two-pass workflow) and reports any limiting in a
 * `loudnorm-limited` message and a warning; `file` holds the stream until
 * EOS (up to #GstLoudnorm:max-duration), then pushes it with one gain
 * refined so that the limited output lands on target (the limiter set
 * for heavy limiting when the target needs it; a target it cannot reach
 * is reported as in `static`); `dynamic` rides a
 * smoothed gain with a #GstLoudnorm:lookahead (its latency) for live
 * streams.  Every message carries the `gain` applied and the `mode`.
 *
 * Every #GstLoudnorm:interval of audio it posts an element message named
 * `loudnorm` (see docs/loudnorm.md for every field).  At EOS it posts the
 * final values, with `final` = %TRUE, before the EOS event goes downstream,
 * so an application that stops at the EOS message already has them.  The
 * normalising modes also post `loudnorm-limiter` messages for the output:
 * the limiter's gain reduction over each interval.
 *
 * Peaks and the maxima of momentary and short-term loudness are held from
 * the start of the stream (or the last reset), as libebur128 reports them.
 * A flushing seek, a caps change or the #GstLoudnorm::reset action signal
 * restarts the measurement.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m audiotestsrc wave=sine freq=1000 volume=0.0707946
 * num-buffers=500 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! loudnorm !
 * fakesink
 * ]| A stereo 1 kHz sine at -23 dBFS: the final message reads
 * integrated-loudness = -23.0 LUFS (EBU Tech 3341, test 1).
 * |[
 * gst-launch-1.0 -m filesrc location=song.flac ! decodebin ! audioconvert !
 * loudnorm interval=3000000000 ! fakesink
 * ]| Measures a file, with a message every 3 s and the final values at the
 * end.
 * |[
 * gst-launch-1.0 filesrc location=in.flac ! decodebin ! audioconvert !
 * loudnorm mode=file target-loudness=-14 ! audioconvert ! flacenc !
 * filesink location=out.flac
 * ]| Normalises a file to -14 LUFS, true peak at most -1 dBTP, in one
 * pipeline.
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true wave=pink-noise ! audioconvert !
 * loudnorm mode=dynamic target-loudness=-16 ! audioconvert ! autoaudiosink
 * ]| Live normalisation with a 3 s lookahead.
 */

#include "gstloudnorm.h"

#include <math.h>
#include <string.h>
#include <gst/controller/controller.h>

GST_DEBUG_CATEGORY_STATIC (gst_loudnorm_debug);
#define GST_CAT_DEFAULT gst_loudnorm_debug

#define DEFAULT_MODE GST_LOUDNORM_MODE_MEASURE
#define DEFAULT_TARGET_LOUDNESS -14.0
#define DEFAULT_TRUE_PEAK_LIMIT -1.0
#define DEFAULT_INTERVAL GST_SECOND
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_DUAL_MONO FALSE
#define DEFAULT_MEASURED_LOUDNESS -100.0
#define DEFAULT_MEASURED_TRUE_PEAK -100.0
#define DEFAULT_MAX_DURATION (30 * 60 * GST_SECOND)
#define DEFAULT_LOOKAHEAD 3000
#define DEFAULT_LRA_TARGET MST_NORMALIZER_LRA_DEFAULT
#define DEFAULT_MAX_GAIN MST_NORMALIZER_MAX_GAIN_DEFAULT

/* a measured integrated loudness is never below the absolute gate */
#define MEASURED_LOUDNESS_UNSET (-70.0)
#define MEASURED_TRUE_PEAK_UNSET (-99.0)
/* file mode: refine the gain until the output is this close (LU) */
#define FILE_TOLERANCE 0.02
#define FILE_MAX_PASSES 12
/* largest gain change between two passes, dB */
#define FILE_MAX_STEP 6.0
/* smallest slope of output loudness over gain the search assumes */
#define FILE_MIN_SLOPE 0.05
/* limiting deeper than this (dB of true peak over the limit, at the first
 * gain or at the next step's) takes the heavy settings: a short fixed
 * release (ms) instead of the program-dependent one */
#define FILE_HEAVY_DEPTH 6.0
#define FILE_HEAVY_RELEASE 40.0
/* the heavy settings are for targets with a peak-to-loudness ratio
 * (true-peak-limit - target-loudness) under this, in dB */
#define FILE_HEAVY_PLR 11.0
/* with the transparent settings, a slope of output loudness over gain
 * below this, with more than FILE_HEAVY_STEP dB of gain still to go, also
 * takes the heavy ones */
#define FILE_HEAVY_SLOPE 0.35
#define FILE_HEAVY_STEP 1.0
/* the best pass further under the target than this (LU) is reported */
#define FILE_REPORT_TOLERANCE 0.1
/* file mode: the smallest output buffer, ms */
#define FILE_CHUNK_MS 1000
/* file mode: the envelope serves gains this much (dB) over the pass that
 * makes it, within max-gain (twice this when it is made again: that
 * search climbs far) */
#define FILE_ENV_HEADROOM 4.0
/* file mode: frames per run of the gain computer */
#define FILE_GAIN_BLOCK 1024
/* file mode: how long the output meter's K-weighting needs after the
 * limiter acted before its state is again the input's times the gain
 * (the high-pass's double pole decays by e^-24 in 100 ms) */
#define FILE_SETTLE_MS 100

#define MIN_INTERVAL (10 * GST_MSECOND)

/* BS.1770-4 Table 4: channels at azimuth 60..120 degrees (surround) */
#define WEIGHT_SURROUND 1.41

enum
{
  PROP_0,
  PROP_MODE,
  PROP_TARGET_LOUDNESS,
  PROP_TRUE_PEAK_LIMIT,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_DUAL_MONO,
  PROP_MEASURED_LOUDNESS,
  PROP_MEASURED_TRUE_PEAK,
  PROP_MAX_DURATION,
  PROP_LOOKAHEAD,
  PROP_LRA_TARGET,
  PROP_MAX_GAIN,
};

enum
{
  SIGNAL_RESET,
  LAST_SIGNAL
};

static guint gst_loudnorm_signals[LAST_SIGNAL] = { 0 };

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

GType
gst_loudnorm_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_LOUDNORM_MODE_MEASURE,
        "Measure only, pass the audio through untouched", "measure"},
    {GST_LOUDNORM_MODE_STATIC,
        "Second pass: one constant gain from measured-loudness, "
          "true-peak limited", "static"},
    {GST_LOUDNORM_MODE_FILE,
        "Both passes in one pipeline: hold the stream until EOS, then "
          "push it with one gain, true-peak limited", "file"},
    {GST_LOUDNORM_MODE_DYNAMIC,
          "Live normalisation with a lookahead, true-peak limited",
        "dynamic"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType t = g_enum_register_static ("GstLoudnormMode", modes);
    g_once_init_leave (&mode_type, t);
  }
  return mode_type;
}

#define gst_loudnorm_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstLoudnorm, gst_loudnorm, GST_TYPE_AUDIO_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_loudnorm_debug, "loudnorm", 0,
        "BS.1770 / EBU R128 loudness meter"));
GST_ELEMENT_REGISTER_DEFINE (loudnorm, "loudnorm", GST_RANK_NONE,
    GST_TYPE_LOUDNORM);

static void gst_loudnorm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_loudnorm_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_loudnorm_finalize (GObject * object);

static gboolean gst_loudnorm_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_loudnorm_start (GstBaseTransform * trans);
static gboolean gst_loudnorm_stop (GstBaseTransform * trans);
static void gst_loudnorm_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_loudnorm_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_loudnorm_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_loudnorm_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);

static void gst_loudnorm_reset_action (GstLoudnorm * self);
static GstFlowReturn gst_loudnorm_finish (GstLoudnorm * self);

static void
gst_loudnorm_class_init (GstLoudnormClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = gst_loudnorm_set_property;
  gobject_class->get_property = gst_loudnorm_get_property;
  gobject_class->finalize = gst_loudnorm_finalize;

  /**
   * GstLoudnorm:mode:
   *
   * What the element does besides measuring.  `measure` passes the audio
   * through bit for bit; `static`, `file` and `dynamic` normalise it (see
   * #GstLoudnormMode).  Takes effect in READY.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What to do besides measuring (measure: pass the audio through "
          "untouched; static: constant gain from measured-loudness; file: "
          "hold the stream, measure, push it at one gain; dynamic: live "
          "normalisation with lookahead)",
          GST_TYPE_LOUDNORM_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  /**
   * GstLoudnorm:target-loudness:
   *
   * Integrated loudness the normalising modes aim at, in LUFS.  Not used
   * in `measure` mode.
   */
  g_object_class_install_property (gobject_class, PROP_TARGET_LOUDNESS,
      g_param_spec_double ("target-loudness", "Target loudness",
          "Integrated loudness the normalising modes aim at, in LUFS "
          "(not used by mode=measure)",
          -70.0, 0.0, DEFAULT_TARGET_LOUDNESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:true-peak-limit:
   *
   * Highest true peak the normalising modes let through, in dBTP.  Not
   * used in `measure` mode.
   */
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK_LIMIT,
      g_param_spec_double ("true-peak-limit", "True-peak limit",
          "Highest true peak the normalising modes let through, in dBTP "
          "(not used by mode=measure)",
          -24.0, 0.0, DEFAULT_TRUE_PEAK_LIMIT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:interval:
   *
   * Stream time between two periodic messages, in nanoseconds, counted in
   * samples.
   */
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Stream time between two periodic messages, in nanoseconds "
          "(counted in samples)",
          MIN_INTERVAL, G_MAXINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:post-messages:
   *
   * Post `loudnorm` element messages (periodic and final) and, in the
   * normalising modes, `loudnorm-limiter` messages.
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post 'loudnorm' element messages (normalising modes: also "
          "'loudnorm-limiter') every interval and at EOS",
          DEFAULT_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:dual-mono:
   *
   * For a single (mono) channel: %FALSE weights it 1.0 as BS.1770-4 does;
   * %TRUE counts it twice (+3.01 dB), as if it were played on two
   * loudspeakers.  Changing it while running restarts the measurement.
   */
  g_object_class_install_property (gobject_class, PROP_DUAL_MONO,
      g_param_spec_boolean ("dual-mono", "Dual mono",
          "Count a mono stream twice, i.e. +3.01 dB (as played on two "
          "loudspeakers); a change restarts the measurement",
          DEFAULT_DUAL_MONO,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:measured-loudness:
   *
   * Integrated loudness of the stream from a first `measure` pass, in
   * LUFS; `static` mode applies target-loudness minus this.  Values below
   * -70 (the default is -100) mean unset: `static` mode then stops with an
   * error.
   */
  g_object_class_install_property (gobject_class, PROP_MEASURED_LOUDNESS,
      g_param_spec_double ("measured-loudness", "Measured loudness",
          "Integrated loudness from a first measure pass, in LUFS, for "
          "mode=static (below -70 = unset)",
          -100.0, 0.0, DEFAULT_MEASURED_LOUDNESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  /**
   * GstLoudnorm:measured-true-peak:
   *
   * Largest true peak from a first `measure` pass, in dBTP (optional,
   * below -99 = unset).  With it `static` mode warns at the start when
   * the gain will drive peaks into the limiter.
   */
  g_object_class_install_property (gobject_class, PROP_MEASURED_TRUE_PEAK,
      g_param_spec_double ("measured-true-peak", "Measured true peak",
          "Largest true peak from a first measure pass, in dBTP, for "
          "mode=static (optional, below -99 = unset)",
          -100.0, 30.0, DEFAULT_MEASURED_TRUE_PEAK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  /**
   * GstLoudnorm:max-duration:
   *
   * Longest stream `file` mode holds, in nanoseconds; a longer one stops
   * with an error naming this property.  Memory: the stream as received
   * (48 kHz stereo F32: 384 kB per second, 691 MB per 30 minutes) and,
   * from EOS on, its peak envelope (one float per frame: 192 kB per second
   * at 48 kHz).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_DURATION,
      g_param_spec_uint64 ("max-duration", "Maximum duration",
          "Longest stream mode=file holds in memory, in nanoseconds",
          GST_SECOND, G_MAXINT64, DEFAULT_MAX_DURATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  /**
   * GstLoudnorm:lookahead:
   *
   * Lookahead of `dynamic` mode in ms; it is the element's latency (plus
   * the limiter's few ms).  Takes effect in READY.
   */
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_uint ("lookahead", "Lookahead",
          "Lookahead of mode=dynamic in ms (sets the latency)",
          (guint) MST_NORMALIZER_LOOKAHEAD_MIN,
          (guint) MST_NORMALIZER_LOOKAHEAD_MAX, DEFAULT_LOOKAHEAD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  /**
   * GstLoudnorm:loudness-range-target:
   *
   * `dynamic` mode leaves the loudness of a passage alone while it stays
   * within half this range (LU) of the programme loudness either way and
   * only corrects the excess: a lower value compresses more.
   */
  g_object_class_install_property (gobject_class, PROP_LRA_TARGET,
      g_param_spec_double ("loudness-range-target", "Loudness range target",
          "Loudness range mode=dynamic keeps, in LU (lower compresses more)",
          MST_NORMALIZER_LRA_MIN, MST_NORMALIZER_LRA_MAX, DEFAULT_LRA_TARGET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm:max-gain:
   *
   * Largest gain `file` and `dynamic` modes apply, in dB.  In `file` mode
   * an output it leaves more than 0.1 LU under the target is reported in
   * a `loudnorm-limited` message and a warning.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_GAIN,
      g_param_spec_double ("max-gain", "Maximum gain",
          "Largest gain mode=file and mode=dynamic apply, in dB",
          MST_NORMALIZER_MAX_GAIN_MIN, MST_NORMALIZER_MAX_GAIN_MAX,
          DEFAULT_MAX_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstLoudnorm::reset:
   * @loudnorm: the element
   *
   * Restart the measurement: loudness windows, gating histograms, peaks
   * and maxima start again from the next sample.
   */
  gst_loudnorm_signals[SIGNAL_RESET] =
      g_signal_new ("reset", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_STRUCT_OFFSET (GstLoudnormClass,
          reset), NULL, NULL, NULL, G_TYPE_NONE, 0);
  klass->reset = gst_loudnorm_reset_action;

  gst_element_class_set_static_metadata (element_class,
      "Loudness meter and normaliser (EBU R128)", "Filter/Analyzer/Audio",
      "Measures momentary, short-term and integrated loudness, loudness "
      "range (ITU-R BS.1770-4, EBU R128) and true peak; normalises "
      "(static, file, dynamic) with true-peak limiting",
      "gst-mastering developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_loudnorm_setup);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_loudnorm_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_loudnorm_stop);
  trans_class->before_transform
      = GST_DEBUG_FUNCPTR (gst_loudnorm_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_loudnorm_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_loudnorm_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_loudnorm_query);
  /* measure mode looks at the data without touching it */
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_LOUDNORM_MODE, 0);
}

static void
gst_loudnorm_init (GstLoudnorm * self)
{
  self->settings.mode = DEFAULT_MODE;
  self->settings.target_loudness = DEFAULT_TARGET_LOUDNESS;
  self->settings.true_peak_limit = DEFAULT_TRUE_PEAK_LIMIT;
  self->settings.interval = DEFAULT_INTERVAL;
  self->settings.post_messages = DEFAULT_POST_MESSAGES;
  self->settings.dual_mono = DEFAULT_DUAL_MONO;
  self->settings.measured_loudness = DEFAULT_MEASURED_LOUDNESS;
  self->settings.measured_true_peak = DEFAULT_MEASURED_TRUE_PEAK;
  self->settings.max_duration = DEFAULT_MAX_DURATION;
  self->settings.lookahead = DEFAULT_LOOKAHEAD;
  self->settings.lra_target = DEFAULT_LRA_TARGET;
  self->settings.max_gain = DEFAULT_MAX_GAIN;
  self->reset_pending = FALSE;

  self->cur = self->settings;
  self->meter = NULL;
  self->tp = NULL;
  self->channels = 0;
  self->rate = 0;
  self->interval_frames = 1;
  self->ts_base = GST_CLOCK_TIME_NONE;
  self->mode = DEFAULT_MODE;
  self->start_ts = GST_CLOCK_TIME_NONE;
  self->gain_db = 0.0;
  self->gain_lin = 1.0;
  g_queue_init (&self->held);

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_loudnorm_clear_held (GstLoudnorm * self)
{
  GstBuffer *b;

  while ((b = g_queue_pop_head (&self->held)))
    gst_buffer_unref (b);
  self->held_frames = 0;
  g_free (self->env);
  self->env = NULL;
  self->env_len = self->env_cap = self->env_pos = 0;
  self->env_scale = 0.0;
  self->env_off = FALSE;
}

/* Streaming thread, file mode: no envelope for the rest of this stream
 * (the passes run the detector). */
static void
gst_loudnorm_env_give_up (GstLoudnorm * self)
{
  g_free (self->env);
  self->env = NULL;
  self->env_len = self->env_cap = 0;
  self->env_scale = 0.0;
  self->env_off = TRUE;
}

/* Streaming thread, file mode: room for `frames` more envelope values;
 * FALSE (and no envelope from now on) when memory runs out. */
static gboolean
gst_loudnorm_env_reserve (GstLoudnorm * self, guint64 frames)
{
  guint64 need = self->env_len + frames, cap;
  gfloat *env;

  if (need <= self->env_cap)
    return TRUE;
  cap = MAX (need, self->env_cap + self->env_cap / 2);
  cap = MAX (cap, (guint64) self->rate);
  env = cap <= G_MAXSIZE / sizeof (gfloat) ?
      g_try_realloc (self->env, cap * sizeof (gfloat)) : NULL;
  if (!env) {
    GST_WARNING_OBJECT (self, "no memory for the peak envelope of %"
        G_GUINT64_FORMAT " frames: the passes run the detector", need);
    gst_loudnorm_env_give_up (self);
    return FALSE;
  }
  self->env = env;
  self->env_cap = cap;
  return TRUE;
}

/* Streaming thread, file mode: the detector envelope of `frames` input
 * frames at data (NULL: silence) appended to env (the limiter was reset
 * with the held stream). */
static void
gst_loudnorm_env_add (GstLoudnorm * self, const guint8 * data, guint64 frames)
{
  static const gdouble zeros[512] = { 0.0 };

  if (frames == 0 || self->env_off)
    return;
  if (!gst_loudnorm_env_reserve (self, frames))
    return;
  if (data) {
    if (self->is_f64)
      mst_limiter_detect_f64 (self->lim, (const double *) data, frames,
          self->env + self->env_len);
    else
      mst_limiter_detect_f32 (self->lim, (const float *) data, frames,
          self->env + self->env_len);
    self->env_len += frames;
    return;
  }
  while (frames > 0) {
    /* silence from a table of zeros (as doubles it serves F32 too) */
    guint64 n = MIN (frames, sizeof (zeros) / self->bpf);

    if (self->is_f64)
      mst_limiter_detect_f64 (self->lim, zeros, n, self->env + self->env_len);
    else
      mst_limiter_detect_f32 (self->lim, (const float *) zeros, n,
          self->env + self->env_len);
    self->env_len += n;
    frames -= n;
  }
}

static void
gst_loudnorm_free_meters (GstLoudnorm * self)
{
  gst_loudnorm_clear_held (self);
  if (self->lim) {
    mst_limiter_free (self->lim);
    self->lim = NULL;
  }
  if (self->norm) {
    mst_normalizer_free (self->norm);
    self->norm = NULL;
  }
  if (self->out_meter) {
    mst_loudness_free (self->out_meter);
    self->out_meter = NULL;
  }
  if (self->meter) {
    mst_loudness_free (self->meter);
    self->meter = NULL;
  }
  if (self->in_log) {
    mst_loudness_log_free (self->in_log);
    self->in_log = NULL;
  }
  if (self->tp) {
    mst_truepeak_free (self->tp);
    self->tp = NULL;
  }
}

static void
gst_loudnorm_finalize (GObject * object)
{
  gst_loudnorm_free_meters (GST_LOUDNORM (object));

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_loudnorm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->settings.mode = g_value_get_enum (value);
      break;
    case PROP_TARGET_LOUDNESS:
      self->settings.target_loudness = g_value_get_double (value);
      break;
    case PROP_TRUE_PEAK_LIMIT:
      self->settings.true_peak_limit = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->settings.interval = g_value_get_uint64 (value);
      break;
    case PROP_POST_MESSAGES:
      self->settings.post_messages = g_value_get_boolean (value);
      break;
    case PROP_DUAL_MONO:
      self->settings.dual_mono = g_value_get_boolean (value);
      break;
    case PROP_MAX_DURATION:
      self->settings.max_duration = g_value_get_uint64 (value);
      break;
    case PROP_LOOKAHEAD:
      self->settings.lookahead = g_value_get_uint (value);
      break;
    case PROP_MAX_GAIN:
      self->settings.max_gain = g_value_get_double (value);
      break;
    case PROP_LRA_TARGET:
      self->settings.lra_target = g_value_get_double (value);
      break;
    case PROP_MEASURED_TRUE_PEAK:
      self->settings.measured_true_peak = g_value_get_double (value);
      break;
    case PROP_MEASURED_LOUDNESS:
      self->settings.measured_loudness = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_loudnorm_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->settings.mode);
      break;
    case PROP_TARGET_LOUDNESS:
      g_value_set_double (value, self->settings.target_loudness);
      break;
    case PROP_TRUE_PEAK_LIMIT:
      g_value_set_double (value, self->settings.true_peak_limit);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->settings.interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->settings.post_messages);
      break;
    case PROP_DUAL_MONO:
      g_value_set_boolean (value, self->settings.dual_mono);
      break;
    case PROP_MAX_DURATION:
      g_value_set_uint64 (value, self->settings.max_duration);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_uint (value, self->settings.lookahead);
      break;
    case PROP_MAX_GAIN:
      g_value_set_double (value, self->settings.max_gain);
      break;
    case PROP_LRA_TARGET:
      g_value_set_double (value, self->settings.lra_target);
      break;
    case PROP_MEASURED_TRUE_PEAK:
      g_value_set_double (value, self->settings.measured_true_peak);
      break;
    case PROP_MEASURED_LOUDNESS:
      g_value_set_double (value, self->settings.measured_loudness);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Action signal: any thread.  The streaming thread does the work. */
static void
gst_loudnorm_reset_action (GstLoudnorm * self)
{
  GST_DEBUG_OBJECT (self, "reset requested");
  GST_OBJECT_LOCK (self);
  self->reset_pending = TRUE;
  GST_OBJECT_UNLOCK (self);
}

/* Streaming thread: forget everything measured. */
static void
gst_loudnorm_reset_measurement (GstLoudnorm * self)
{
  GST_DEBUG_OBJECT (self, "restarting the measurement");
  if (self->meter)
    mst_loudness_reset (self->meter);
  if (self->norm)
    mst_normalizer_reset_meter (self->norm);
  if (self->tp)
    mst_truepeak_reset (self->tp);
  self->ts_base = GST_CLOCK_TIME_NONE;
  self->base_frames = 0;
  self->num_frames = 0;
  self->non_finite = 0;
  self->warned = FALSE;
  self->tp_flushed = FALSE;
}

/* BS.1770-4 Table 4 weight of a loudspeaker position.  GStreamer's REAR
 * and SIDE pairs are the surround loudspeakers of 5.1/7.1 (+-90..+-135
 * degrees); WIDE sits at +-60 degrees. */
static gdouble
gst_loudnorm_position_weight (GstAudioChannelPosition pos)
{
  switch (pos) {
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
    case GST_AUDIO_CHANNEL_POSITION_LFE2:
      return 0.0;
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_REAR_CENTER:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_WIDE_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_WIDE_RIGHT:
      return WEIGHT_SURROUND;
    default:
      /* front L/R/C, front left/right of centre, mono, elevated
       * (top) and bottom loudspeakers, unpositioned channels */
      return 1.0;
  }
}

/* Streaming thread: apply the channel weights for the format in info (or
 * the current one when NULL) and the dual-mono setting in cur. */
static void
gst_loudnorm_apply_weights (GstLoudnorm * self, const GstAudioInfo * info)
{
  guint c;

  if (info) {
    gboolean unpositioned = GST_AUDIO_INFO_IS_UNPOSITIONED (info);

    for (c = 0; c < self->channels; c++) {
      self->weights[c] = unpositioned ? 1.0
          : gst_loudnorm_position_weight (GST_AUDIO_INFO_POSITION (info, c));
    }
  }
  if (self->channels == 1)
    self->weights[0] = self->cur.dual_mono ? 2.0 : 1.0;

  for (c = 0; c < self->channels; c++) {
    GST_DEBUG_OBJECT (self, "channel %u weight %.2f", c, self->weights[c]);
    if (self->meter)
      mst_loudness_set_channel_weight (self->meter, c, self->weights[c]);
    if (self->out_meter)
      mst_loudness_set_channel_weight (self->out_meter, c, self->weights[c]);
    if (self->norm)
      mst_normalizer_set_channel_weight (self->norm, c, self->weights[c]);
  }
}

static void
gst_loudnorm_update_interval_frames (GstLoudnorm * self)
{
  guint64 frames = 1;

  if (self->rate > 0)
    frames = GST_CLOCK_TIME_TO_FRAMES (self->cur.interval, self->rate);
  self->interval_frames = MAX (frames, 1);
  GST_DEBUG_OBJECT (self,
      "interval %" GST_TIME_FORMAT " = %" G_GUINT64_FORMAT " frames",
      GST_TIME_ARGS (self->cur.interval), self->interval_frames);
}

static void
gst_loudnorm_update_passthrough (GstLoudnorm * self)
{
  /* measure looks at the buffers, file holds them as received; static
   * and dynamic process in place */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
      self->mode == GST_LOUDNORM_MODE_MEASURE
      || self->mode == GST_LOUDNORM_MODE_FILE);
}

/* Streaming thread: push the settings in cur into the dsp objects. */
static void
gst_loudnorm_apply_dsp_settings (GstLoudnorm * self)
{
  if (self->lim)
    mst_limiter_set_ceiling (self->lim, self->cur.true_peak_limit);
  if (self->norm) {
    mst_normalizer_set_target (self->norm, self->cur.target_loudness);
    mst_normalizer_set_true_peak_limit (self->norm, self->cur.true_peak_limit);
    mst_normalizer_set_lra_target (self->norm, self->cur.lra_target);
    mst_normalizer_set_max_gain (self->norm, self->cur.max_gain);
  }
  if (self->mode == GST_LOUDNORM_MODE_STATIC
      && self->cur.measured_loudness >= MEASURED_LOUDNESS_UNSET) {
    self->gain_db = self->cur.target_loudness - self->cur.measured_loudness;
    self->gain_lin = mst_db_to_lin (self->gain_db);
  }
}

/* Streaming thread: start the `loudnorm-limiter` messages from output frame
 * 0; on: post them for the output that follows. */
static void
gst_loudnorm_gr_reset (GstLoudnorm * self, gboolean on)
{
  self->gr_on = on;
  self->gr_base = self->gr_frames = 0;
  self->gr_min = self->gr_last = 1.0;
}

/* Streaming thread: post the limiter's gain reduction over the output
 * interval so far and start the next one. */
static void
gst_loudnorm_gr_post (GstLoudnorm * self)
{
  GstClockTime ts = GST_CLOCK_TIME_NONE, t1 = GST_CLOCK_TIME_NONE;
  GstStructure *s;

  if (GST_CLOCK_TIME_IS_VALID (self->start_ts)) {
    ts = self->start_ts + gst_util_uint64_scale_int (self->gr_base,
        GST_SECOND, self->rate);
    t1 = self->start_ts + gst_util_uint64_scale_int (self->gr_base +
        self->gr_frames, GST_SECOND, self->rate);
  }
  s = gst_structure_new ("loudnorm-limiter", "timestamp", GST_TYPE_CLOCK_TIME,
      ts, "duration", GST_TYPE_CLOCK_TIME,
      GST_CLOCK_TIME_IS_VALID (ts) ? t1 - ts : GST_CLOCK_TIME_NONE,
      "gain-reduction", G_TYPE_DOUBLE, 0.0 - mst_lin_to_db (self->gr_last),
      "max-gain-reduction", G_TYPE_DOUBLE, 0.0 - mst_lin_to_db (self->gr_min),
      NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  self->gr_base += self->gr_frames;
  self->gr_frames = 0;
  self->gr_min = self->gr_last;
}

/* Streaming thread: `frames` more output frames; posts at the end of each
 * interval, or of the stream (last). */
static void
gst_loudnorm_gr_account (GstLoudnorm * self, guint64 frames, gboolean last)
{
  if (!self->gr_on || !self->cur.post_messages)
    return;
  self->gr_frames += frames;
  if (self->gr_frames > 0 && (last || self->gr_frames >= self->interval_frames))
    gst_loudnorm_gr_post (self);
}

/* Streaming thread: start the output stream again (setup, flush). */
static void
gst_loudnorm_reset_stream (GstLoudnorm * self)
{
  gst_loudnorm_clear_held (self);
  if (self->lim)
    mst_limiter_reset (self->lim);
  if (self->norm)
    mst_normalizer_reset (self->norm);
  if (self->out_meter)
    mst_loudness_reset (self->out_meter);
  self->nsamples_in = 0;
  self->nsamples_out = 0;
  self->start_ts = GST_CLOCK_TIME_NONE;
  self->start_offset = GST_BUFFER_OFFSET_NONE;
  self->min_lim_gain = 1.0;
  gst_loudnorm_gr_reset (self, TRUE);
  self->failed = FALSE;
  self->warned_limit = FALSE;
  if (self->mode != GST_LOUDNORM_MODE_STATIC) {
    self->gain_db = 0.0;
    self->gain_lin = 1.0;
  }
}

/* Streaming thread: copy the settings, apply what changed and honour a
 * pending reset. */
static void
gst_loudnorm_load_settings (GstLoudnorm * self)
{
  GstLoudnormSettings s;
  gboolean reset;

  GST_OBJECT_LOCK (self);
  s = self->settings;
  reset = self->reset_pending;
  self->reset_pending = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (s.dual_mono != self->cur.dual_mono) {
    self->cur.dual_mono = s.dual_mono;
    if (self->channels == 1) {
      gst_loudnorm_apply_weights (self, NULL);
      reset = TRUE;
    }
  }
  if (s.interval != self->cur.interval) {
    self->cur.interval = s.interval;
    gst_loudnorm_update_interval_frames (self);
  }
  /* mode and lookahead take effect at the next setup (READY) */
  s.mode = self->mode;
  s.lookahead = self->cur.lookahead;
  self->cur = s;
  gst_loudnorm_apply_dsp_settings (self);

  if (reset)
    gst_loudnorm_reset_measurement (self);
}

static gboolean
gst_loudnorm_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstLoudnorm *self = GST_LOUDNORM (filter);
  guint channels = GST_AUDIO_INFO_CHANNELS (info);
  guint rate = GST_AUDIO_INFO_RATE (info);
  GstAudioFormat format = GST_AUDIO_INFO_FORMAT (info);

  guint old_latency = self->latency;

  GST_DEBUG_OBJECT (self, "setup: %u Hz, %u channels, %s", rate, channels,
      gst_audio_format_to_string (format));

  if (format != GST_AUDIO_FORMAT_F32 && format != GST_AUDIO_FORMAT_F64)
    goto bad_format;
  if (GST_AUDIO_INFO_LAYOUT (info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    goto bad_format;

  /* the same format again (a renegotiation): in the normalising modes
   * keep the stream going, nothing held is pushed early */
  if (self->meter && self->mode != GST_LOUDNORM_MODE_MEASURE
      && rate == self->rate && channels == self->channels
      && (format == GST_AUDIO_FORMAT_F64) == self->is_f64) {
    gboolean same;

    GST_OBJECT_LOCK (self);
    same = self->settings.mode == self->mode
        && self->settings.lookahead == self->cur.lookahead;
    GST_OBJECT_UNLOCK (self);
    if (same) {
      gst_loudnorm_apply_weights (self, info);
      return TRUE;
    }
  }

  /* the old format's tail (or held stream) first */
  if (self->meter && !self->failed)
    gst_loudnorm_finish (self);

  gst_loudnorm_free_meters (self);

  /* settings and weights from scratch for the new format */
  GST_OBJECT_LOCK (self);
  self->cur = self->settings;
  self->reset_pending = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->mode = self->cur.mode;

  self->meter = mst_loudness_new (rate, channels);
  self->tp = mst_truepeak_new (rate, channels);
  if (!self->meter || !self->tp)
    goto no_meter;
  self->latency = 0;
  if (self->mode != GST_LOUDNORM_MODE_MEASURE) {
    self->out_meter = mst_loudness_new (rate, channels);
    if (!self->out_meter)
      goto no_meter;
    if (self->mode == GST_LOUDNORM_MODE_DYNAMIC) {
      self->norm = mst_normalizer_new (rate, channels, self->cur.lookahead);
      if (!self->norm)
        goto no_meter;
      self->latency = mst_normalizer_latency (self->norm);
    } else {
      self->lim = mst_limiter_new (rate, channels,
          MST_LIMITER_LOOKAHEAD_DEFAULT);
      if (!self->lim)
        goto no_meter;
      self->latency = mst_limiter_latency (self->lim);
      /* (without the log the passes meter every frame) */
      if (self->mode == GST_LOUDNORM_MODE_FILE
          && (self->in_log = mst_loudness_log_new ()))
        mst_loudness_set_log (self->meter, self->in_log);
    }
  }

  self->channels = channels;
  self->rate = rate;
  self->is_f64 = format == GST_AUDIO_FORMAT_F64;
  self->bpf = GST_AUDIO_INFO_BPF (info);

  gst_loudnorm_apply_weights (self, info);
  gst_loudnorm_update_interval_frames (self);
  gst_loudnorm_update_passthrough (self);
  gst_loudnorm_reset_measurement (self);
  gst_loudnorm_reset_stream (self);
  gst_loudnorm_apply_dsp_settings (self);

  GST_INFO_OBJECT (self, "mode %d, latency %u frames", self->mode,
      self->latency);
  if (old_latency != self->latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));

  return TRUE;

bad_format:{
    GST_WARNING_OBJECT (self, "unsupported format");
    return FALSE;
  }
no_meter:{
    gst_loudnorm_free_meters (self);
    self->channels = 0;
    self->rate = 0;
    GST_ERROR_OBJECT (self, "cannot create a meter for %u Hz, %u channels",
        rate, channels);
    return FALSE;
  }
}

static gboolean
gst_loudnorm_start (GstBaseTransform * trans)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  gst_loudnorm_reset_measurement (self);
  gst_loudnorm_reset_stream (self);
  return TRUE;
}

static gboolean
gst_loudnorm_stop (GstBaseTransform * trans)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  gst_loudnorm_free_meters (self);
  self->channels = 0;
  self->rate = 0;
  self->latency = 0;
  return TRUE;
}

static GValue *
gst_loudnorm_array_init (GValue * arr)
{
  g_value_init (arr, GST_TYPE_ARRAY);
  return arr;
}

static void
gst_loudnorm_array_append (GValue * arr, gdouble d)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, d);
  gst_value_array_append_and_take_value (arr, &v);
}

/* Streaming thread: a message with the values measured so far, for the
 * frames [ts, ts + duration). */
static GstMessage *
gst_loudnorm_message_new (GstLoudnorm * self, GstClockTime timestamp,
    GstClockTime duration, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  GValue tp_arr = G_VALUE_INIT, sp_arr = G_VALUE_INIT;
  GstStructure *s;
  GEnumClass *mode_class;
  GEnumValue *mode_value;
  gdouble max_tp = 0.0;
  guint c;
  /* dynamic mode: the normaliser's meter is the input meter */
  const MstLoudness *in_meter = self->norm ?
      mst_normalizer_meter (self->norm) : self->meter;

  if (trans->segment.format == GST_FORMAT_TIME
      && GST_CLOCK_TIME_IS_VALID (timestamp)) {
    running_time = gst_segment_to_running_time (&trans->segment,
        GST_FORMAT_TIME, timestamp);
    stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
        timestamp);
  }

  gst_loudnorm_array_init (&tp_arr);
  gst_loudnorm_array_init (&sp_arr);
  for (c = 0; c < self->channels; c++) {
    gdouble tp = mst_truepeak_max (self->tp, c);

    max_tp = MAX (max_tp, tp);
    gst_loudnorm_array_append (&tp_arr, mst_lin_to_db (tp));
    gst_loudnorm_array_append (&sp_arr,
        mst_lin_to_db (mst_truepeak_sample_max (self->tp, c)));
  }

  mode_class = g_type_class_ref (GST_TYPE_LOUDNORM_MODE);
  mode_value = g_enum_get_value (mode_class, self->cur.mode);

  s = gst_structure_new ("loudnorm", "timestamp", GST_TYPE_CLOCK_TIME,
      timestamp, "stream-time", GST_TYPE_CLOCK_TIME, stream_time,
      "running-time", GST_TYPE_CLOCK_TIME, running_time, "duration",
      GST_TYPE_CLOCK_TIME, duration, "momentary-loudness", G_TYPE_DOUBLE,
      mst_loudness_momentary (in_meter), "shortterm-loudness", G_TYPE_DOUBLE,
      mst_loudness_shortterm (in_meter), "integrated-loudness",
      G_TYPE_DOUBLE, mst_loudness_integrated (in_meter), "loudness-range",
      G_TYPE_DOUBLE, mst_loudness_range (in_meter), "max-momentary-loudness",
      G_TYPE_DOUBLE, mst_loudness_max_momentary (in_meter),
      "max-shortterm-loudness", G_TYPE_DOUBLE,
      mst_loudness_max_shortterm (in_meter), "max-true-peak", G_TYPE_DOUBLE,
      mst_lin_to_db (max_tp), "non-finite-samples", G_TYPE_UINT64,
      self->non_finite, "final", G_TYPE_BOOLEAN, final, "mode", G_TYPE_STRING,
      mode_value ? mode_value->value_nick : "unknown", NULL);
  gst_structure_set (s, "gain", G_TYPE_DOUBLE, self->gain_db, NULL);
  if (self->out_meter)
    gst_structure_set (s, "output-integrated-loudness", G_TYPE_DOUBLE,
        mst_loudness_integrated (self->out_meter), NULL);
  gst_structure_take_value (s, "true-peak", &tp_arr);
  gst_structure_take_value (s, "sample-peak", &sp_arr);
  g_type_class_unref (mode_class);

  return gst_message_new_element (GST_OBJECT (self), s);
}

/* Streaming thread, no lock held: post the values for the current
 * (possibly partial) interval and start the next one. */
static void
gst_loudnorm_post_interval (GstLoudnorm * self, gboolean final)
{
  GstClockTime ts = GST_CLOCK_TIME_NONE, duration;
  guint64 start = self->base_frames, end = start + self->num_frames;

  duration = GST_FRAMES_TO_CLOCK_TIME (end, self->rate)
      - GST_FRAMES_TO_CLOCK_TIME (start, self->rate);
  if (GST_CLOCK_TIME_IS_VALID (self->ts_base))
    ts = self->ts_base + GST_FRAMES_TO_CLOCK_TIME (start, self->rate);

  if (self->cur.post_messages) {
    GstMessage *m = gst_loudnorm_message_new (self, ts, duration, final);

    GST_LOG_OBJECT (self,
        "posting %s message, ts %" GST_TIME_FORMAT
        ", duration %" GST_TIME_FORMAT,
        final ? "final" : "periodic", GST_TIME_ARGS (ts),
        GST_TIME_ARGS (duration));
    gst_element_post_message (GST_ELEMENT (self), m);
  }

  self->base_frames = end;
  self->num_frames = 0;
}

static void gst_loudnorm_process (GstLoudnorm * self, const guint8 * in,
    guint8 * out, guint64 frames);

/* Streaming thread: feed frames to the meters (data NULL: silence),
 * posting a message at each interval boundary.  out non-NULL (dynamic
 * mode): also run each piece through the normaliser into out (which may
 * be data) before the boundary's message; its meter is then the input
 * loudness meter, so the frames are K-weighted once. */
static void
gst_loudnorm_measure_into (GstLoudnorm * self, const guint8 * data,
    guint8 * out, guint64 frames)
{
  gsize bpf
      = self->channels * (self->is_f64 ? sizeof (gdouble) : sizeof (gfloat));

  if (self->num_frames >= self->interval_frames)
    gst_loudnorm_post_interval (self, FALSE);

  while (frames > 0) {
    guint64 block = MIN (self->interval_frames - self->num_frames, frames);
    gsize nf_loud, nf_tp;

    if (data) {
      nf_loud = 0;
      if (self->is_f64) {
        if (!out)
          nf_loud = mst_loudness_add_f64 (self->meter, (const double *) data,
              block);
        nf_tp = mst_truepeak_add_f64 (self->tp, (const double *) data, block);
      } else {
        if (!out)
          nf_loud = mst_loudness_add_f32 (self->meter, (const float *) data,
              block);
        nf_tp = mst_truepeak_add_f32 (self->tp, (const float *) data, block);
      }
      /* both see the same samples; take the larger if they ever differ */
      self->non_finite += MAX (nf_loud, nf_tp);
      if (out)
        gst_loudnorm_process (self, data, out, block);
      data += block * bpf;
    } else {
      if (!out)
        mst_loudness_add_silence (self->meter, block);
      mst_truepeak_add_silence (self->tp, block);
      if (out)
        gst_loudnorm_process (self, NULL, out, block);
    }
    if (out)
      out += block * bpf;

    self->num_frames += block;
    frames -= block;

    if (self->num_frames >= self->interval_frames)
      gst_loudnorm_post_interval (self, FALSE);
  }

  if (G_UNLIKELY (self->non_finite > 0 && !self->warned)) {
    self->warned = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The audio contains samples that are not finite numbers (NaN or "
            "infinity); they are measured as silence."),
        ("%" G_GUINT64_FORMAT " non-finite samples so far", self->non_finite));
  }
}

static void
gst_loudnorm_measure (GstLoudnorm * self, const guint8 * data, guint64 frames)
{
  gst_loudnorm_measure_into (self, data, NULL, frames);
}

/* Streaming thread: a timestamp for the data that follows. */
static void
gst_loudnorm_note_timestamp (GstLoudnorm * self, GstClockTime ts,
    gboolean discont)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;

  if (discont && GST_CLOCK_TIME_IS_VALID (self->ts_base)) {
    /* as level: a discontinuity starts a new interval at ts */
    GST_DEBUG_OBJECT (self, "discont at %" GST_TIME_FORMAT, GST_TIME_ARGS (ts));
    self->ts_base = ts;
    self->base_frames = 0;
    self->num_frames = 0;
  } else if (!GST_CLOCK_TIME_IS_VALID (self->ts_base)) {
    /* the interval in progress starts at ts */
    self->ts_base = ts;
    self->base_frames = 0;
  }
}

/* Streaming thread: the limiter's (or normaliser's) gain statistics of the
 * frames just processed, for the stream and the interval messages. */
static void
gst_loudnorm_note_gain (GstLoudnorm * self, const MstLimiterStats * st)
{
  if (st->gain_min < self->min_lim_gain)
    self->min_lim_gain = st->gain_min;
  if (st->gain_min < self->gr_min)
    self->gr_min = st->gain_min;
  self->gr_last = st->gain;
}

/* Streaming thread: frames of input (NULL: silence) through the gain, or
 * the normaliser, and the limiter into out (which may be in). */
static void
gst_loudnorm_process (GstLoudnorm * self, const guint8 * in, guint8 * out,
    guint64 frames)
{
  gsize n = (gsize) frames * self->channels;
  MstLimiterStats st;

  if (self->norm && self->draining) {
    /* the tail: silence that is not metered as input */
    if (self->is_f64)
      mst_normalizer_drain_f64 (self->norm, (double *) out, frames);
    else
      mst_normalizer_drain_f32 (self->norm, (float *) out, frames);
  } else if (self->norm) {
    if (self->is_f64)
      mst_normalizer_process_f64 (self->norm, (const double *) in,
          (double *) out, frames);
    else
      mst_normalizer_process_f32 (self->norm, (const float *) in,
          (float *) out, frames);
  }
  if (self->norm) {
    self->gain_db = mst_normalizer_gain (self->norm);
    mst_normalizer_take_stats (self->norm, &st);
  } else {
    /* static mode, and file mode without an envelope (gst_loudnorm_file_run
     * runs the passes with it) */
    if (self->is_f64) {
      mst_gain_apply_f64 ((const double *) in, (double *) out, n,
          self->gain_lin);
      mst_limiter_process_f64 (self->lim, (double *) out, (double *) out,
          frames);
    } else {
      mst_gain_apply_f32 ((const float *) in, (float *) out, n, self->gain_lin);
      mst_limiter_process_f32 (self->lim, (float *) out, (float *) out, frames);
    }
    mst_limiter_take_stats (self->lim, &st);
  }
  gst_loudnorm_note_gain (self, &st);
}

static void
gst_loudnorm_meter_output (GstLoudnorm * self, const guint8 * data,
    guint64 frames)
{
  if (frames == 0 || self->out_replay)
    return;
  if (self->is_f64)
    mst_loudness_add_f64 (self->out_meter, (const double *) data, frames);
  else
    mst_loudness_add_f32 (self->out_meter, (const float *) data, frames);
}

/* Streaming thread: `frames` processed frames at data are the output for
 * the next `frames` input frames.  Drops the delay line's initial silence
 * (moving the rest to the front), meters the output and returns how many
 * output frames are left at data. */
static guint64
gst_loudnorm_emit (GstLoudnorm * self, guint8 * data, guint64 frames)
{
  guint64 skip = 0, valid;

  if (self->nsamples_in < self->latency)
    skip = MIN (frames, self->latency - self->nsamples_in);
  self->nsamples_in += frames;
  valid = frames - skip;
  if (skip > 0 && valid > 0)
    memmove (data, data + skip * self->bpf, valid * self->bpf);
  gst_loudnorm_meter_output (self, data, valid);
  gst_loudnorm_gr_account (self, valid, FALSE);
  return valid;
}

/* Streaming thread: timestamps and offsets of an output buffer holding the
 * next `frames` output frames (the timestamps of the input frames it
 * holds, computed from the first one so they never drift). */
static void
gst_loudnorm_set_output_meta (GstLoudnorm * self, GstBuffer * buf,
    guint64 frames)
{
  GstClockTime start = self->start_ts;

  if (GST_CLOCK_TIME_IS_VALID (start)) {
    GstClockTime t0 = start + gst_util_uint64_scale_int (self->nsamples_out,
        GST_SECOND, self->rate);
    GstClockTime t1 = start + gst_util_uint64_scale_int (self->nsamples_out +
        frames, GST_SECOND, self->rate);

    GST_BUFFER_PTS (buf) = t0;
    GST_BUFFER_DURATION (buf) = t1 - t0;
  } else {
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  }
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  if (self->start_offset != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (buf) = self->start_offset + self->nsamples_out;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET (buf) + frames;
  } else {
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  }
  self->nsamples_out += frames;
}

/* Streaming thread: the frames still in the delay line (EOS, caps
 * change).  push: send them downstream, else only meter them (the
 * measuring passes of file mode). */
static GstFlowReturn
gst_loudnorm_drain (GstLoudnorm * self, gboolean push)
{
  guint64 pending;
  GstBuffer *buf;
  GstMapInfo map;
  gsize bytes, skip;

  if (!self->out_meter || self->nsamples_in == 0)
    return GST_FLOW_OK;
  pending = self->nsamples_in - self->nsamples_out;
  if (pending == 0 || self->latency == 0)
    return GST_FLOW_OK;

  /* `latency` frames of silence push the held frames out; the held ones
   * are the last `pending` of that output */
  bytes = (gsize) self->latency * self->bpf;
  buf = gst_buffer_new_allocate (NULL, bytes, NULL);
  gst_buffer_map (buf, &map, GST_MAP_READWRITE);
  self->draining = TRUE;
  gst_loudnorm_process (self, NULL, map.data, self->latency);
  self->draining = FALSE;
  skip = (gsize) (self->latency - pending) * self->bpf;
  if (skip > 0)
    memmove (map.data, map.data + skip, bytes - skip);
  gst_loudnorm_meter_output (self, map.data, pending);
  gst_loudnorm_gr_account (self, pending, TRUE);
  gst_buffer_unmap (buf, &map);
  gst_buffer_resize (buf, 0, bytes - skip);
  gst_loudnorm_set_output_meta (self, buf, pending);

  GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " frames", pending);
  if (!push) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
}

/* Streaming thread, file mode: the detector envelope of the held stream
 * and the drain's silence after it, for the passes with gains up to `db`
 * dB plus FILE_ENV_HEADROOM (twice that when made again; within
 * max-gain) and the ceiling of now.
 * The detector then fits the peaks only where such a gain can take them
 * to the ceiling, which on programme under it saves most of its cost;
 * that is why it runs at EOS, when the first gain is known, and not as
 * the buffers arrive.  A pass with more gain makes it again. */
static void
gst_loudnorm_file_envelope (GstLoudnorm * self, gdouble db)
{
  gdouble room = self->env_scale > 0.0 ? 2.0 * FILE_ENV_HEADROOM :
      FILE_ENV_HEADROOM;
  gdouble top = MAX (db, MIN (db + room, self->cur.max_gain));
  GList *l;

  self->env_len = 0;
  self->env_scale = 0.0;
  if (self->env_off
      || !gst_loudnorm_env_reserve (self, self->held_frames + self->latency))
    return;
  mst_limiter_reset (self->lim);
  mst_limiter_set_detect_scale (self->lim, mst_db_to_lin (top));
  for (l = self->held.head; l; l = l->next) {
    GstBuffer *buf = l->data;
    guint64 frames = gst_buffer_get_size (buf) / self->bpf;
    GstMapInfo map;

    if (frames == 0)
      continue;
    /* as the passes read it: GAP (or unreadable) is silence */
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)
        || !gst_buffer_map (buf, &map, GST_MAP_READ)) {
      gst_loudnorm_env_add (self, NULL, frames);
    } else {
      gst_loudnorm_env_add (self, map.data, frames);
      gst_buffer_unmap (buf, &map);
    }
  }
  gst_loudnorm_env_add (self, NULL, self->latency);
  mst_limiter_set_detect_scale (self->lim, 0.0);
  if (self->env)
    self->env_scale = mst_db_to_lin (top);
  GST_DEBUG_OBJECT (self, "envelope of %" G_GUINT64_FORMAT " frames for "
      "gains up to %.2f dB", self->env_len, top);
}

/* Streaming thread, file mode: the output chunk in *out (mapped in *map)
 * holds *fill frames: count them out and push it (push: *out becomes
 * NULL), or start the chunk again in the same memory (measuring). */
static GstFlowReturn
gst_loudnorm_file_flush (GstLoudnorm * self, GstBuffer ** out,
    GstMapInfo * map, guint64 * fill, gboolean push)
{
  GstBuffer *buf = *out;
  guint64 frames = *fill;

  *fill = 0;
  if (!push) {
    self->nsamples_out += frames;
    return GST_FLOW_OK;
  }
  *out = NULL;
  gst_buffer_unmap (buf, map);
  gst_buffer_resize (buf, 0, frames * self->bpf);
  gst_loudnorm_set_output_meta (self, buf, frames);
  if (frames == 0) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
}

/* Streaming thread, file mode: `frames` frames at data (NULL: silence)
 * times the gains g into out, in the stream's format. */
static void
gst_loudnorm_apply_gains (GstLoudnorm * self, const guint8 * data,
    guint8 * out, guint64 frames, const gdouble * g)
{
  if (self->is_f64)
    mst_limiter_apply_gains_f64 ((const double *) data, (double *) out, frames,
        self->channels, g);
  else
    mst_limiter_apply_gains_f32 ((const float *) data, (float *) out, frames,
        self->channels, g);
}

/* Streaming thread, file mode with the envelope: `frames` input frames
 * at data (NULL: silence), at frame env_pos of the held stream, into out
 * (which may be data) through the gain and the limiter without its delay:
 * the held stream is all there, so the gain computer reads the envelope
 * `latency` frames ahead instead, and out is the output for these very
 * frames (mst_limiter_env_gains). */
static void
gst_loudnorm_file_run (GstLoudnorm * self, const guint8 * data, guint8 * out,
    guint64 frames)
{
  gdouble g[FILE_GAIN_BLOCK];
  MstLimiterStats st;

  while (frames > 0) {
    guint64 n = MIN (frames, FILE_GAIN_BLOCK);

    mst_limiter_env_gains (self->lim, self->env + self->latency +
        self->env_pos, n, self->gain_lin, g);
    gst_loudnorm_apply_gains (self, data, out, n, g);
    self->env_pos += n;
    if (data)
      data += n * self->bpf;
    out += n * self->bpf;
    frames -= n;
  }
  mst_limiter_take_stats (self->lim, &st);
  gst_loudnorm_note_gain (self, &st);
}

/* Streaming thread, file mode, a measuring pass with the envelope and the
 * input meter's log of the held stream: meter the output segment by
 * segment (mst_loudness_segment_end).  Where the limiter leaves a segment
 * alone (every gain the plain gain) and has for FILE_SETTLE_MS before it,
 * the output is the input times the gain, and so is its K-weighting once
 * the filters have forgotten the limiting (e^-24 after 100 ms): the
 * segment's energy comes from the log.  The other segments are computed
 * and metered.  Returns FALSE, having done nothing, when the log does not
 * cover the held stream. */
static gboolean
gst_loudnorm_file_meter_logged (GstLoudnorm * self)
{
  guint64 total = self->held_frames, pos = 0, last_dirty = 0;
  guint64 settle = (guint64) self->rate * FILE_SETTLE_MS / 1000;
  guint64 in_off = 0, cap = 0;
  gboolean any_dirty = FALSE;
  /* the scale of the samples apply_gains writes where the gain is plain */
  gdouble scale = self->is_f64 ? self->gain_lin : (gfloat) self->gain_lin;
  GList *l = self->held.head;
  gdouble *g = NULL;
  guint8 *out = NULL;
  MstLimiterStats st;

  if (!self->in_log || !self->env || mst_loudness_frames (self->meter) != total)
    return FALSE;

  while (pos < total) {
    guint64 end = MIN (mst_loudness_segment_end (self->out_meter), total);
    guint64 n = end - pos, reduced;
    gboolean dirty = FALSE;

    if (n > cap) {
      cap = n;
      g = g_renew (gdouble, g, cap);
      out = g_realloc (out, cap * self->bpf);
    }
    reduced = mst_limiter_env_gains (self->lim, self->env + self->latency +
        pos, n, self->gain_lin, g);
    if (reduced > 0) {
      dirty = any_dirty = TRUE;
      last_dirty = pos + reduced - 1;
    }
    if (!dirty && !(any_dirty && pos <= last_dirty + settle)
        && mst_loudness_add_logged (self->out_meter, self->in_log, scale,
            n) == MST_OK) {
      /* the held buffers' frames are skipped below */
    } else {
      /* the output of [pos, end), from the held buffers it spans */
      guint64 done = 0;
      GList *m = l;
      guint64 off = in_off;

      while (done < n && m) {
        GstBuffer *buf = m->data;
        guint64 frames = gst_buffer_get_size (buf) / self->bpf, k;
        GstMapInfo im;
        gboolean mapped;

        k = MIN (frames - off, n - done);
        if (k > 0) {
          mapped = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)
              && gst_buffer_map (buf, &im, GST_MAP_READ);
          gst_loudnorm_apply_gains (self, mapped ? im.data + off * self->bpf
              : NULL, out + done * self->bpf, k, g + done);
          if (mapped)
            gst_buffer_unmap (buf, &im);
          done += k;
          off += k;
        }
        if (off == frames) {
          m = m->next;
          off = 0;
        }
      }
      gst_loudnorm_meter_output (self, out, n);
    }
    /* the held stream's cursor to end */
    in_off += n;
    while (l && in_off >= gst_buffer_get_size (l->data) / self->bpf) {
      in_off -= gst_buffer_get_size (l->data) / self->bpf;
      l = l->next;
    }
    pos = end;
  }
  mst_limiter_take_stats (self->lim, &st);
  gst_loudnorm_note_gain (self, &st);
  self->env_pos = total;
  self->nsamples_in = self->nsamples_out = total;
  g_free (g);
  g_free (out);
  return TRUE;
}

/* Streaming thread, file mode: run the held stream through gain `db` and
 * the limiter from a clean state.  push: send it downstream (releasing the
 * held buffers as it goes), else only meter it (out_meter).  With
 * out_replay set the pass repeats the last one (the same gain, envelope
 * and limiter settings, so the same output bit for bit): out_meter keeps
 * that pass's result instead of metering the output again.  The output
 * goes in chunks of at least FILE_CHUNK_MS (the last and the drain
 * excepted) whatever the input's buffer size: the whole stream leaves at
 * once, and every element downstream pays per buffer. */
static GstFlowReturn
gst_loudnorm_file_pass (GstLoudnorm * self, gdouble db, gboolean push)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GList *l = self->held.head;
  guint64 chunk = MAX ((guint64) self->rate * FILE_CHUNK_MS / 1000, 1);
  GstBuffer *out = NULL;
  GstMapInfo om;
  guint64 fill = 0, cap = 0;

  if (!self->env_off && !(self->env_scale >= mst_db_to_lin (db)))
    gst_loudnorm_file_envelope (self, db);
  mst_limiter_reset (self->lim);
  if (!self->out_replay)
    mst_loudness_reset (self->out_meter);
  self->env_pos = 0;
  self->nsamples_in = 0;
  self->nsamples_out = 0;
  self->min_lim_gain = 1.0;
  gst_loudnorm_gr_reset (self, push);
  self->gain_db = db;
  self->gain_lin = mst_db_to_lin (db);
  if (self->env) {
    /* the steps of the `latency` frames before the stream */
    mst_limiter_env_gains (self->lim, self->env, self->latency,
        self->gain_lin, NULL);
  }
  if (!push && gst_loudnorm_file_meter_logged (self))
    return GST_FLOW_OK;

  while (ret == GST_FLOW_OK) {
    GstBuffer *in;
    GstMapInfo im;
    guint64 frames;
    guint8 *dst;
    gboolean mapped;

    if (push)
      in = g_queue_pop_head (&self->held);
    else
      in = l ? l->data : NULL;
    if (!in)
      break;
    if (!push)
      l = l->next;

    frames = gst_buffer_get_size (in) / self->bpf;
    if (frames == 0) {
      if (push)
        gst_buffer_unref (in);
      continue;
    }
    /* a buffer larger than the room left: a new chunk, in new memory if
     * it is larger than the chunk's */
    if (out && fill + frames > cap)
      ret = gst_loudnorm_file_flush (self, &out, &om, &fill, push);
    if (out && frames > cap) {
      gst_buffer_unmap (out, &om);
      gst_clear_buffer (&out);
    }
    if (ret != GST_FLOW_OK) {
      if (push)
        gst_buffer_unref (in);
      break;
    }
    if (!out) {
      cap = MAX (2 * chunk, frames);
      out = gst_buffer_new_allocate (NULL, cap * self->bpf, NULL);
      gst_buffer_map (out, &om, GST_MAP_WRITE);
    }
    dst = om.data + fill * self->bpf;
    /* GAP (or unreadable): silence */
    mapped = !GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_GAP)
        && gst_buffer_map (in, &im, GST_MAP_READ);
    if (self->env) {
      /* no delay: these frames' output */
      gst_loudnorm_file_run (self, mapped ? im.data : NULL, dst, frames);
      self->nsamples_in += frames;
      gst_loudnorm_meter_output (self, dst, frames);
      gst_loudnorm_gr_account (self, frames, FALSE);
      fill += frames;
    } else {
      gst_loudnorm_process (self, mapped ? im.data : NULL, dst, frames);
      fill += gst_loudnorm_emit (self, dst, frames);
    }
    if (mapped)
      gst_buffer_unmap (in, &im);
    if (push)
      gst_buffer_unref (in);
    if (fill >= chunk)
      ret = gst_loudnorm_file_flush (self, &out, &om, &fill, push);
  }
  if (out) {
    GstFlowReturn r = gst_loudnorm_file_flush (self, &out, &om, &fill, push);

    if (ret == GST_FLOW_OK)
      ret = r;
    if (out) {
      /* the measuring passes' memory */
      gst_buffer_unmap (out, &om);
      gst_buffer_unref (out);
    }
  }
  if (ret == GST_FLOW_OK && self->env)
    gst_loudnorm_gr_account (self, 0, TRUE);
  else if (ret == GST_FLOW_OK)
    ret = gst_loudnorm_drain (self, push);
  if (push)
    gst_loudnorm_clear_held (self);
  return ret;
}

/* Streaming thread: the end of a limited static or file stream: post the
 * `loudnorm-limited` message and a warning saying what the limiter cost.
 * file: capped says the gain stopped at max-gain. */
static void
gst_loudnorm_limited_report (GstLoudnorm * self, const gchar * mode,
    gboolean capped)
{
  gdouble limited, out_i, shortfall;
  GstStructure *s;

  limited = -mst_lin_to_db (self->min_lim_gain);
  out_i = mst_loudness_integrated (self->out_meter);
  shortfall = self->cur.target_loudness - out_i;
  s = gst_structure_new ("loudnorm-limited", "limited-db", G_TYPE_DOUBLE,
      limited, "shortfall", G_TYPE_DOUBLE, shortfall,
      "output-integrated-loudness", G_TYPE_DOUBLE, out_i, "gain",
      G_TYPE_DOUBLE, self->gain_db, "mode", G_TYPE_STRING, mode, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  if (strcmp (mode, "static") == 0)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The gain of %.2f dB pushed true peaks over true-peak-limit: the "
            "limiter reduced them by up to %.2f dB and the output is %.2f LU "
            "below the target loudness.", self->gain_db, limited, shortfall),
        ("output integrated loudness %.2f LUFS", out_i));
  else if (capped)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The target loudness needs more gain than max-gain allows: with "
            "%.2f dB (the limiter reducing by up to %.2f dB) the output is "
            "%.2f LU below the target loudness; raise max-gain.",
            self->gain_db, limited, shortfall),
        ("output integrated loudness %.2f LUFS", out_i));
  else
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The limiter cannot hold true-peak-limit at the target loudness: "
            "the best gain, %.2f dB (the limiter reducing by up to %.2f dB), "
            "leaves the output %.2f LU below the target loudness.",
            self->gain_db, limited, shortfall),
        ("output integrated loudness %.2f LUFS", out_i));
}

/* Streaming thread, file mode: the limiter for the refinement and final
 * passes.  The transparent settings (heavy FALSE) are the static mode's:
 * 150 ms and the program-dependent release, for a limiter that catches
 * peaks.  When the target needs the body of the programme limited, that
 * release holds the gain reduction down between peaks (twice the release
 * on sustained limiting) and more gain mostly deepens the reduction: the
 * heavy settings switch it off for a short fixed release,
 * FILE_HEAVY_RELEASE.  The lookahead stays, and with it the ceiling
 * guarantee.  Returns heavy. */
static gboolean
gst_loudnorm_file_limiter (GstLoudnorm * self, gboolean heavy)
{
  mst_limiter_set_auto_release (self->lim, !heavy);
  mst_limiter_set_release (self->lim,
      heavy ? FILE_HEAVY_RELEASE : MST_LIMITER_RELEASE_DEFAULT);
  return heavy;
}

/* Streaming thread, file mode: one measuring pass at gain g (dB); the
 * output's integrated loudness, -inf when it has none. */
static gdouble
gst_loudnorm_file_measure (GstLoudnorm * self, gdouble g, guint * passes)
{
  gdouble out_i;

  gst_loudnorm_file_pass (self, g, FALSE);
  out_i = mst_loudness_integrated (self->out_meter);
  GST_DEBUG_OBJECT (self, "pass %u: gain %.3f dB -> %.3f LUFS", *passes, g,
      out_i);
  (*passes)++;
  return out_i;
}

/* The gain where the curve through the latest n (2 or 3) points (gain g,
 * output loudness l; newest first) reaches the target: inverse quadratic
 * interpolation through three, the secant through two (or when the
 * quadratic is not well defined), slopes kept within FILE_MIN_SLOPE..1. */
static gdouble
gst_loudnorm_file_next (const gdouble * g, const gdouble * l, guint n,
    gdouble target)
{
  gdouble slope;

  if (n == 3 && l[0] != l[1] && l[1] != l[2] && l[0] != l[2]) {
    gdouble a = (target - l[1]) * (target - l[2]) / ((l[0] - l[1])
        * (l[0] - l[2]));
    gdouble b = (target - l[0]) * (target - l[2]) / ((l[1] - l[0])
        * (l[1] - l[2]));
    gdouble c = (target - l[0]) * (target - l[1]) / ((l[2] - l[0])
        * (l[2] - l[1]));
    gdouble next = a * g[0] + b * g[1] + c * g[2];

    if (isfinite (next))
      return next;
  }
  slope = g[0] != g[1] ? (l[0] - l[1]) / (g[0] - g[1]) : 1.0;
  slope = CLAMP (slope, FILE_MIN_SLOPE, 1.0);
  return g[0] + (target - l[0]) / slope;
}

/* Streaming thread, file mode at EOS: the gain that puts the limited
 * output on target, then push the stream with it.
 *
 * The meter ran on the input as it arrived, so g0 = target - input (at
 * most max-gain) is exact when the limiter does not act.  When it may act,
 * the output loudness L(g) of gain g through the limiter is measured on
 * the held audio: L rises with g, by at most 1 dB per dB, less the deeper
 * the limiting, so L(g0) is at or under the target.  The search keeps a
 * bracket (the largest gain measured under the target, the smallest over
 * it).  From the first point it steps with the slope the limiter's loss
 * suggests (the loss grows about as fast as the gain above the point
 * where the limiting starts); then by inverse quadratic interpolation
 * through the last three points, or the secant through two; a step that
 * leaves the bracket is replaced by regula falsi, else bisection.  It
 * stops within FILE_TOLERANCE, at max-gain, or after FILE_MAX_PASSES; the
 * best pass wins.
 *
 * The heavy settings are only for targets whose peak-to-loudness ratio is
 * under FILE_HEAVY_PLR: there the programme's body must be limited; above
 * it the limiter only catches peaks, as in static mode.  The limiter
 * starts with the transparent settings unless the input's true peak at
 * g0 is already more than FILE_HEAVY_DEPTH over the limit.
 * It switches to the heavy ones, and the search starts again from g0,
 * when the next step would take the limiting deeper than that, or when
 * the slope has fallen under FILE_HEAVY_SLOPE with more than
 * FILE_HEAVY_STEP dB still to go.
 *
 * If the output is still more than FILE_REPORT_TOLERANCE under the target
 * (max-gain, or a limit the limiter cannot hold at that loudness), a
 * `loudnorm-limited` message and a warning say so, as in static mode. */
static GstFlowReturn
gst_loudnorm_file_finish (GstLoudnorm * self)
{
  gdouble in_i = mst_loudness_integrated (self->meter);
  gdouble target = self->cur.target_loudness, max_gain = self->cur.max_gain;
  gdouble g = 0.0, tp = 0.0, best_g, best_i = -INFINITY;
  gdouble lo_g = -INFINITY, lo_i = 0.0, hi_g = INFINITY, hi_i = 0.0;
  gdouble pg[3] = { 0.0, 0.0, 0.0 }, pi[3] = { 0.0, 0.0, 0.0 }, out_i;
  gdouble last_g = NAN;
  gboolean last_heavy = FALSE, replay = FALSE;
  guint c, passes = 0, npts = 0;
  GstFlowReturn ret;

  if (self->held.length == 0)
    return GST_FLOW_OK;

  if (in_i > -INFINITY) {
    gdouble g0, depth0;
    gboolean heavy_ok, heavy, best_heavy;

    g = g0 = MIN (target - in_i, max_gain);
    for (c = 0; c < self->channels; c++)
      tp = MAX (tp, mst_truepeak_max (self->tp, c));
    depth0 = mst_lin_to_db (tp) + g0 - self->cur.true_peak_limit;
    best_g = g;
    GST_DEBUG_OBJECT (self, "first gain %.3f dB, %.3f dB into the limiter",
        g, depth0);
    /* only a target with a small peak-to-loudness ratio needs the body of
     * the programme limited */
    heavy_ok = self->cur.true_peak_limit - target < FILE_HEAVY_PLR;
    heavy = best_heavy = gst_loudnorm_file_limiter (self,
        heavy_ok && depth0 > FILE_HEAVY_DEPTH);
    /* 0.5 dB: margin for the limiter's detector against the meter */
    if (depth0 > -0.5) {
      while (passes < FILE_MAX_PASSES) {
        gdouble out_i = gst_loudnorm_file_measure (self, g, &passes);
        gdouble err, next, w, depth, slope, lost = in_i + g - out_i;

        last_g = g;
        last_heavy = heavy;

        if (!(out_i > -INFINITY))
          break;
        err = target - out_i;
        depth = depth0 + g - g0;
        /* the first step's slope: the loudness lost at g grows about as
         * fast as the gain above the point where the limiting starts,
         * depth dB below g; later the secant's */
        if (npts == 0)
          slope = 1.0 - lost / MAX (depth, lost + 0.5);
        else
          slope = (out_i - pi[0]) / (g - pg[0]);
        if (heavy_ok && !heavy && err > 0.0 && g < max_gain
            && (depth + err / CLAMP (slope, FILE_MIN_SLOPE, 1.0)
                > FILE_HEAVY_DEPTH || (slope < FILE_HEAVY_SLOPE
                    && err > FILE_HEAVY_STEP * slope))) {
          /* the target needs limiting deeper than the transparent
           * settings are for, or they turn most of any more gain into
           * gain reduction: search again from g0 with the heavy ones */
          heavy = gst_loudnorm_file_limiter (self, TRUE);
          g = g0;
          lo_g = -INFINITY;
          hi_g = INFINITY;
          npts = 0;
          continue;
        }
        slope = CLAMP (slope, FILE_MIN_SLOPE, 1.0);
        if (fabs (err) < fabs (target - best_i)) {
          best_i = out_i;
          best_g = g;
          best_heavy = heavy;
        }
        if (fabs (err) < FILE_TOLERANCE)
          break;
        if (err > 0.0 && g > lo_g) {
          lo_g = g;
          lo_i = out_i;
        } else if (err < 0.0 && g < hi_g) {
          hi_g = g;
          hi_i = out_i;
        }
        if (err > 0.0 && g >= max_gain)
          break;                /* max-gain reached */
        pg[2] = pg[1];
        pi[2] = pi[1];
        pg[1] = pg[0];
        pi[1] = pi[0];
        pg[0] = g;
        pi[0] = out_i;
        npts++;

        if (npts == 1) {
          next = g + err / slope;
        } else {
          next = gst_loudnorm_file_next (pg, pi, MIN (npts, 3), target);
        }
        /* one side only: beyond the nearest point (gating can make L
         * dip as the limiting lifts quiet passages over the relative
         * gate; the step then takes the smallest slope) */
        if (hi_g == INFINITY) {
          if (!(next > lo_g))
            next = lo_g + (target - lo_i) / FILE_MIN_SLOPE;
          next = MIN (next, lo_g + FILE_MAX_STEP);
        } else if (lo_g == -INFINITY) {
          if (!(next < hi_g))
            next = hi_g - (hi_i - target) / FILE_MIN_SLOPE;
          next = MAX (next, hi_g - FILE_MAX_STEP);
        } else {
          /* strictly inside the bracket: else regula falsi, else
           * bisection */
          w = hi_g - lo_g;
          if (!(next > lo_g && next < hi_g))
            next = lo_g + (target - lo_i) * w / (hi_i - lo_i);
          if (!(next > lo_g && next < hi_g))
            next = lo_g + 0.5 * w;
        }
        next = MIN (next, max_gain);
        if (fabs (next - g) < 1e-4)
          break;
        g = next;
      }
      /* the best pass may have been made before the switch */
      gst_loudnorm_file_limiter (self, best_heavy);
    }
    g = best_g;
    /* the pass that found the gain is usually the last one: its output
     * need not be metered again */
    replay = g == last_g && best_heavy == last_heavy;
  }
  GST_INFO_OBJECT (self, "file mode: input %.3f LUFS, gain %.3f dB, %u "
      "measuring passes", in_i, g, passes);
  self->out_replay = replay;
  ret = gst_loudnorm_file_pass (self, g, TRUE);
  self->out_replay = FALSE;
  out_i = mst_loudness_integrated (self->out_meter);
  if (in_i > -INFINITY && out_i > -INFINITY
      && target - out_i > FILE_REPORT_TOLERANCE)
    gst_loudnorm_limited_report (self, "file", g >= max_gain);
  return ret;
}

/* Streaming thread: end of a stream (EOS, caps change): push what the
 * element still holds. */
static GstFlowReturn
gst_loudnorm_finish (GstLoudnorm * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  switch (self->mode) {
    case GST_LOUDNORM_MODE_FILE:
      ret = gst_loudnorm_file_finish (self);
      break;
    case GST_LOUDNORM_MODE_STATIC:
      ret = gst_loudnorm_drain (self, TRUE);
      /* when the limiter had to act, say by how much and what it cost */
      if (self->min_lim_gain < 1.0 && self->nsamples_out > 0)
        gst_loudnorm_limited_report (self, "static", FALSE);
      break;
    case GST_LOUDNORM_MODE_DYNAMIC:
      ret = gst_loudnorm_drain (self, TRUE);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_loudnorm_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);
  GstClockTime ts = GST_BUFFER_PTS (buf);

  if (trans->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime stream_time
        = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts);

    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
  }

  gst_loudnorm_load_settings (self);
}

/* Streaming thread: measure mode, and the input side of the other
 * modes: meter the buffer (GAP: silence). */
static gboolean
gst_loudnorm_measure_buffer (GstLoudnorm * self, GstBuffer * buf,
    guint64 frames)
{
  GstMapInfo map;

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* digital silence, whatever the buffer holds */
    gst_loudnorm_measure (self, NULL, frames);
    return TRUE;
  }
  if (frames == 0)
    return TRUE;
  /* read only: in measure and file mode the buffer is never made
   * writable */
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("cannot map the input buffer"));
    return FALSE;
  }
  gst_loudnorm_measure (self, map.data, frames);
  gst_buffer_unmap (buf, &map);
  return TRUE;
}

static GstFlowReturn
gst_loudnorm_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);
  gsize bpf, size;
  guint64 frames, valid;
  GstMapInfo map;

  if (G_UNLIKELY (!self->meter))
    return GST_FLOW_NOT_NEGOTIATED;
  if (G_UNLIKELY (self->failed))
    return GST_FLOW_ERROR;

  bpf = self->channels * (self->is_f64 ? sizeof (gdouble) : sizeof (gfloat));
  size = gst_buffer_get_size (buf);
  frames = size / bpf;
  if (G_UNLIKELY (size % bpf != 0))
    GST_WARNING_OBJECT (self,
        "buffer of %" G_GSIZE_FORMAT " bytes is not a "
        "whole number of frames", size);

  gst_loudnorm_note_timestamp (self, GST_BUFFER_PTS (buf),
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));

  switch (self->mode) {
    case GST_LOUDNORM_MODE_MEASURE:
      if (!gst_loudnorm_measure_buffer (self, buf, frames))
        return GST_FLOW_ERROR;
      /* the buffer goes on untouched */
      return GST_FLOW_OK;

    case GST_LOUDNORM_MODE_FILE:{
      guint64 max_frames = GST_CLOCK_TIME_TO_FRAMES (self->cur.max_duration,
          self->rate);

      if (self->held_frames + frames > max_frames) {
        gst_loudnorm_clear_held (self);
        self->failed = TRUE;
        GST_ELEMENT_ERROR (self, STREAM, FAILED,
            ("mode=file holds the whole stream in memory until EOS, and this "
                "stream is longer than the 'max-duration' property allows "
                "(%" GST_TIME_FORMAT "): raise max-duration, or use "
                "mode=measure then mode=static, or mode=dynamic.",
                GST_TIME_ARGS (self->cur.max_duration)), (NULL));
        return GST_FLOW_ERROR;
      }
      if (!gst_loudnorm_measure_buffer (self, buf, frames))
        return GST_FLOW_ERROR;
      if (self->held.length == 0) {
        self->start_ts = GST_BUFFER_PTS (buf);
        self->start_offset = GST_BUFFER_OFFSET (buf);
      }
      /* held as received, no copy */
      g_queue_push_tail (&self->held, gst_buffer_ref (buf));
      self->held_frames += frames;
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }

    default:
      break;
  }

  /* static and dynamic: process in place, delayed by the latency */
  if (self->mode == GST_LOUDNORM_MODE_STATIC
      && self->cur.measured_loudness < MEASURED_LOUDNESS_UNSET) {
    self->failed = TRUE;
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("mode=static needs the 'measured-loudness' property: the integrated "
            "loudness from a first pass with mode=measure."), (NULL));
    return GST_FLOW_ERROR;
  }
  if (self->mode == GST_LOUDNORM_MODE_STATIC && !self->warned_limit
      && self->cur.measured_true_peak >= MEASURED_TRUE_PEAK_UNSET) {
    gdouble over = self->cur.measured_true_peak + self->gain_db
        - self->cur.true_peak_limit;

    self->warned_limit = TRUE;
    if (over > 0.0)
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("The gain of %.2f dB puts the measured true peak %.2f dB over "
              "true-peak-limit: the limiter will catch those peaks and the "
              "output will fall short of the target (reported at the end in "
              "a 'loudnorm-limited' message).", self->gain_db, over), (NULL));
  }
  if (self->nsamples_in == 0) {
    self->start_ts = GST_BUFFER_PTS (buf);
    self->start_offset = GST_BUFFER_OFFSET (buf);
  }

  if (!self->norm && !gst_loudnorm_measure_buffer (self, buf, frames))
    return GST_FLOW_ERROR;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL),
        ("cannot map the buffer"));
    return GST_FLOW_ERROR;
  }
  if (self->norm) {
    /* dynamic: meter and normalise piece by piece, so the interval
     * messages see the normaliser's meter at their boundary */
    gst_loudnorm_measure_into (self,
        GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP) ? NULL : map.data,
        map.data, frames);
  } else if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    gst_loudnorm_process (self, NULL, map.data, frames);
  } else {
    gst_loudnorm_process (self, map.data, map.data, frames);
  }
  valid = gst_loudnorm_emit (self, map.data, frames);
  gst_buffer_unmap (buf, &map);

  if (valid == 0)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  gst_buffer_resize (buf, 0, valid * self->bpf);
  gst_loudnorm_set_output_meta (self, buf, valid);
  GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);
  return GST_FLOW_OK;
}

/* Streaming thread: a GAP event in the normalising modes becomes a buffer
 * of silence, so the output keeps every frame. */
static gboolean
gst_loudnorm_gap_to_buffer (GstLoudnorm * self, GstEvent * event)
{
  GstClockTime ts, duration;
  GstBuffer *buf;
  GstFlowReturn ret;
  guint64 frames;

  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (duration))
    return FALSE;
  frames = GST_CLOCK_TIME_TO_FRAMES (duration, self->rate);
  buf = gst_buffer_new_allocate (NULL, frames * self->bpf, NULL);
  gst_buffer_memset (buf, 0, 0, frames * self->bpf);
  GST_BUFFER_PTS (buf) = ts;
  GST_BUFFER_DURATION (buf) = duration;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);

  gst_loudnorm_load_settings (self);
  ret = gst_loudnorm_transform_ip (GST_BASE_TRANSFORM (self), buf);
  if (ret == GST_FLOW_OK)
    gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
  else
    gst_buffer_unref (buf);
  return TRUE;
}

static gboolean
gst_loudnorm_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      gst_loudnorm_load_settings (self);
      gst_loudnorm_reset_measurement (self);
      gst_loudnorm_reset_stream (self);
      break;
    case GST_EVENT_GAP:
      if (self->meter && self->mode != GST_LOUDNORM_MODE_MEASURE) {
        if (gst_loudnorm_gap_to_buffer (self, event)) {
          gst_event_unref (event);
          return TRUE;
        }
      } else if (self->meter) {
        GstClockTime ts, duration;

        gst_event_parse_gap (event, &ts, &duration);
        if (GST_CLOCK_TIME_IS_VALID (duration)) {
          gst_loudnorm_load_settings (self);
          gst_loudnorm_note_timestamp (self, ts, FALSE);
          gst_loudnorm_measure (self, NULL, GST_CLOCK_TIME_TO_FRAMES (duration,
                  self->rate));
        }
      }
      break;
    case GST_EVENT_EOS:
      if (self->meter) {
        gst_loudnorm_load_settings (self);
        /* push the last samples through the true-peak interpolator so
         * the overshoot after the final sample is counted */
        if (!self->tp_flushed) {
          mst_truepeak_add_silence (self->tp, mst_truepeak_latency (self->tp));
          self->tp_flushed = TRUE;
        }
        /* the held stream or the delay line's tail */
        if (!self->failed)
          gst_loudnorm_finish (self);
        /* final values before EOS leaves the element */
        gst_loudnorm_post_interval (self, TRUE);
      }
      break;
    case GST_EVENT_SEGMENT_DONE:
      /* the end of a segment seek's segment ends the stream as EOS does in
       * the normalising modes: the held segment (file) or the delay line's
       * tail goes out before the event (a sink would clip it from the next
       * segment), and the next segment starts afresh; file mode measures
       * it on its own, for its own gain */
      if (self->meter && self->mode != GST_LOUDNORM_MODE_MEASURE) {
        gst_loudnorm_load_settings (self);
        if (self->mode == GST_LOUDNORM_MODE_FILE && !self->tp_flushed) {
          mst_truepeak_add_silence (self->tp, mst_truepeak_latency (self->tp));
          self->tp_flushed = TRUE;
        }
        if (!self->failed)
          gst_loudnorm_finish (self);
        if (self->mode == GST_LOUDNORM_MODE_FILE)
          gst_loudnorm_reset_measurement (self);
        gst_loudnorm_reset_stream (self);
      }
      break;
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_loudnorm_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY
      && self->mode != GST_LOUDNORM_MODE_MEASURE) {
    GstPad *peer = gst_pad_get_peer (GST_BASE_TRANSFORM_SINK_PAD (trans));
    gboolean live = FALSE, res = FALSE;
    GstClockTime min = 0, max = GST_CLOCK_TIME_NONE, lat;

    if (peer) {
      res = gst_pad_query (peer, query);
      gst_object_unref (peer);
    }
    if (!res)
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    if (self->mode == GST_LOUDNORM_MODE_FILE) {
      /* it holds everything until EOS: not for live pipelines */
      if (live) {
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
            ("mode=file holds the whole stream until EOS and cannot run in "
                "a live pipeline; use mode=dynamic."), (NULL));
        return FALSE;
      }
      GST_OBJECT_LOCK (self);
      lat = self->settings.max_duration;
      GST_OBJECT_UNLOCK (self);
    } else {
      lat = self->rate > 0 ? gst_util_uint64_scale_int (self->latency,
          GST_SECOND, self->rate) : 0;
    }
    GST_DEBUG_OBJECT (self, "our latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (lat));
    min += lat;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += lat;
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}
