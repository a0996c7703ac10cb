/* gst-mastering: loudnorm, an ITU-R BS.1770-4 / EBU R128 loudness meter
 * and (in later modes) normaliser.
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
 * In `measure` mode, the only mode so far, the audio passes through
 * untouched: the element hands on the very buffer it received, without
 * copying or writing it.
 *
 * Every #GstLoudnorm:interval of audio it posts an element message named
 * `loudnorm` (see docs/loudnorm.md for every field).  At EOS it posts the
 * final values, with `final` = %TRUE, before the EOS event goes downstream,
 * so an application that stops at the EOS message already has them.
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

static void gst_loudnorm_reset_action (GstLoudnorm * self);

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
   * through bit for bit.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What to do besides measuring (measure: pass the audio through "
          "untouched)",
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
   * Post `loudnorm` element messages (periodic and final).
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'loudnorm' element message every interval and at EOS",
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
      "Loudness meter (EBU R128)", "Filter/Analyzer/Audio",
      "Measures momentary, short-term and integrated loudness, loudness "
      "range (ITU-R BS.1770-4, EBU R128) and true peak",
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
  self->reset_pending = FALSE;

  self->cur = self->settings;
  self->meter = NULL;
  self->tp = NULL;
  self->channels = 0;
  self->rate = 0;
  self->interval_frames = 1;
  self->ts_base = GST_CLOCK_TIME_NONE;

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_loudnorm_free_meters (GstLoudnorm * self)
{
  if (self->meter) {
    mst_loudness_free (self->meter);
    self->meter = NULL;
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
  /* Only measure mode exists so far; modes that change the audio will
   * switch passthrough off here and process in place. */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
      self->cur.mode == GST_LOUDNORM_MODE_MEASURE);
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
  if (s.mode != self->cur.mode) {
    self->cur.mode = s.mode;
    gst_loudnorm_update_passthrough (self);
  }
  self->cur = s;

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

  GST_DEBUG_OBJECT (self, "setup: %u Hz, %u channels, %s", rate, channels,
      gst_audio_format_to_string (format));

  if (format != GST_AUDIO_FORMAT_F32 && format != GST_AUDIO_FORMAT_F64)
    goto bad_format;
  if (GST_AUDIO_INFO_LAYOUT (info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    goto bad_format;

  gst_loudnorm_free_meters (self);
  self->meter = mst_loudness_new (rate, channels);
  self->tp = mst_truepeak_new (rate, channels);
  if (!self->meter || !self->tp)
    goto no_meter;

  self->channels = channels;
  self->rate = rate;
  self->is_f64 = format == GST_AUDIO_FORMAT_F64;

  /* settings and weights from scratch for the new format */
  GST_OBJECT_LOCK (self);
  self->cur = self->settings;
  self->reset_pending = FALSE;
  GST_OBJECT_UNLOCK (self);

  gst_loudnorm_apply_weights (self, info);
  gst_loudnorm_update_interval_frames (self);
  gst_loudnorm_update_passthrough (self);
  gst_loudnorm_reset_measurement (self);

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
  return TRUE;
}

static gboolean
gst_loudnorm_stop (GstBaseTransform * trans)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  gst_loudnorm_free_meters (self);
  self->channels = 0;
  self->rate = 0;
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
      mst_loudness_momentary (self->meter), "shortterm-loudness", G_TYPE_DOUBLE,
      mst_loudness_shortterm (self->meter), "integrated-loudness",
      G_TYPE_DOUBLE, mst_loudness_integrated (self->meter), "loudness-range",
      G_TYPE_DOUBLE, mst_loudness_range (self->meter), "max-momentary-loudness",
      G_TYPE_DOUBLE, mst_loudness_max_momentary (self->meter),
      "max-shortterm-loudness", G_TYPE_DOUBLE,
      mst_loudness_max_shortterm (self->meter), "max-true-peak", G_TYPE_DOUBLE,
      mst_lin_to_db (max_tp), "non-finite-samples", G_TYPE_UINT64,
      self->non_finite, "final", G_TYPE_BOOLEAN, final, "mode", G_TYPE_STRING,
      mode_value ? mode_value->value_nick : "unknown", NULL);
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

/* Streaming thread: feed frames to the meters (data NULL: silence),
 * posting a message at each interval boundary. */
static void
gst_loudnorm_measure (GstLoudnorm * self, const guint8 * data, guint64 frames)
{
  gsize bpf
      = self->channels * (self->is_f64 ? sizeof (gdouble) : sizeof (gfloat));

  if (self->num_frames >= self->interval_frames)
    gst_loudnorm_post_interval (self, FALSE);

  while (frames > 0) {
    guint64 block = MIN (self->interval_frames - self->num_frames, frames);
    gsize nf_loud, nf_tp;

    if (data) {
      if (self->is_f64) {
        nf_loud
            = mst_loudness_add_f64 (self->meter, (const double *) data, block);
        nf_tp = mst_truepeak_add_f64 (self->tp, (const double *) data, block);
      } else {
        nf_loud
            = mst_loudness_add_f32 (self->meter, (const float *) data, block);
        nf_tp = mst_truepeak_add_f32 (self->tp, (const float *) data, block);
      }
      /* both see the same samples; take the larger if they ever differ */
      self->non_finite += MAX (nf_loud, nf_tp);
      data += block * bpf;
    } else {
      mst_loudness_add_silence (self->meter, block);
      mst_truepeak_add_silence (self->tp, block);
    }

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

static GstFlowReturn
gst_loudnorm_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);
  gsize bpf, size;
  guint64 frames;

  if (G_UNLIKELY (!self->meter))
    return GST_FLOW_NOT_NEGOTIATED;

  bpf = self->channels * (self->is_f64 ? sizeof (gdouble) : sizeof (gfloat));
  size = gst_buffer_get_size (buf);
  frames = size / bpf;
  if (G_UNLIKELY (size % bpf != 0))
    GST_WARNING_OBJECT (self,
        "buffer of %" G_GSIZE_FORMAT " bytes is not a "
        "whole number of frames", size);

  gst_loudnorm_note_timestamp (self, GST_BUFFER_PTS (buf),
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* digital silence, whatever the buffer holds */
    gst_loudnorm_measure (self, NULL, frames);
  } else if (frames > 0) {
    GstMapInfo map;

    /* read only: in measure mode the buffer is never made writable */
    if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
          ("cannot map the input buffer"));
      return GST_FLOW_ERROR;
    }
    gst_loudnorm_measure (self, map.data, frames);
    gst_buffer_unmap (buf, &map);
  }

  /* mode=measure: the buffer goes on untouched */
  return GST_FLOW_OK;
}

static gboolean
gst_loudnorm_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      gst_loudnorm_load_settings (self);
      gst_loudnorm_reset_measurement (self);
      break;
    case GST_EVENT_GAP:
      if (self->meter) {
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
        /* final values before EOS leaves the element */
        gst_loudnorm_post_interval (self, TRUE);
      }
      break;
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
