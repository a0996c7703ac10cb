/* gst-mastering: masterlimit, a true-peak lookahead limiter whose ceiling
 * is never crossed.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-masterlimit
 * @title: masterlimit
 *
 * A lookahead limiter for the last stage of a master.  Peaks are detected
 * on the 4x oversampled signal (inter-sample peaks included) and the gain
 * reaches its target before the peak leaves the delay line, so the output
 * true peak never exceeds #GstMasterlimit:ceiling.  All channels share one
 * gain (the stereo image is kept) unless #GstMasterlimit:link is below 1.
 * When nothing exceeds the ceiling the output is the input, bit for bit.
 *
 * Latency: the lookahead plus 31 frames of detector delay, reported in the
 * LATENCY query.  Output buffers carry the timestamps of the input frames
 * they contain (the delay is compensated, like the audiofx FIR filters):
 * the first output buffer comes once the lookahead has filled, and the
 * tail is pushed at EOS, so the output has exactly as many frames as the
 * input.
 *
 * Every #GstMasterlimit:interval an element message `masterlimit` is
 * posted with `gain-reduction` and `max-gain-reduction` (dB, >= 0),
 * `input-true-peak` and `output-true-peak` (dBTP, from the limiter's 4x
 * detector: no second meter runs, the output peak is the detected peak
 * times the gain applied to it).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *     masterlimit ceiling=-1.0 input-gain=6 ! audioconvert ! \
 *     wavenc ! filesink location=master.wav
 * ]| Push a mix 6 dB into the limiter, true peaks at most -1 dBTP.
 * |[
 * gst-launch-1.0 -m audiotestsrc wave=pink-noise volume=0.8 num-buffers=500 ! \
 *     audio/x-raw,format=F32LE,rate=48000,channels=2 ! \
 *     masterlimit input-gain=12 lookahead=10 release=300 ! fakesink
 * ]| Print the gain reduction once a second.
 */

#include <math.h>
#include <string.h>

#include <gst/controller/controller.h>

#include "gstmasterlimit.h"

GST_DEBUG_CATEGORY_STATIC (gst_masterlimit_debug);
#define GST_CAT_DEFAULT gst_masterlimit_debug

#define DEFAULT_CEILING MST_LIMITER_CEILING_DEFAULT
#define DEFAULT_INPUT_GAIN 0.0
#define DEFAULT_LOOKAHEAD MST_LIMITER_LOOKAHEAD_DEFAULT
#define DEFAULT_RELEASE MST_LIMITER_RELEASE_DEFAULT
#define DEFAULT_AUTO_RELEASE TRUE
#define DEFAULT_TRUE_PEAK TRUE
#define DEFAULT_LINK 1.0
#define DEFAULT_INTERVAL GST_SECOND
#define DEFAULT_POST_MESSAGES TRUE

enum
{
  PROP_0,
  PROP_CEILING,
  PROP_INPUT_GAIN,
  PROP_LOOKAHEAD,
  PROP_RELEASE,
  PROP_AUTO_RELEASE,
  PROP_TRUE_PEAK,
  PROP_LINK,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
};

#define ALLOWED_CAPS \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (F64) " }, rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], layout = (string) interleaved"

#define gst_masterlimit_parent_class parent_class
G_DEFINE_TYPE (GstMasterlimit, gst_masterlimit, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (masterlimit, "masterlimit",
    GST_RANK_NONE, GST_TYPE_MASTERLIMIT,
    GST_DEBUG_CATEGORY_INIT (gst_masterlimit_debug, "masterlimit", 0,
        "true-peak lookahead limiter"));

static void gst_masterlimit_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_masterlimit_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_masterlimit_finalize (GObject * object);
static gboolean gst_masterlimit_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_masterlimit_start (GstBaseTransform * trans);
static gboolean gst_masterlimit_stop (GstBaseTransform * trans);
static void gst_masterlimit_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_masterlimit_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);
static gboolean gst_masterlimit_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_masterlimit_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);

static void
gst_masterlimit_class_init (GstMasterlimitClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags live = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_masterlimit_set_property;
  gobject_class->get_property = gst_masterlimit_get_property;
  gobject_class->finalize = gst_masterlimit_finalize;

  g_object_class_install_property (gobject_class, PROP_CEILING,
      g_param_spec_double ("ceiling", "Ceiling",
          "Largest output true peak (dBTP; dBFS sample peak when "
          "true-peak is off)", MST_LIMITER_CEILING_MIN,
          MST_LIMITER_CEILING_MAX, DEFAULT_CEILING, live));
  g_object_class_install_property (gobject_class, PROP_INPUT_GAIN,
      g_param_spec_double ("input-gain", "Input gain",
          "Gain before the limiter (dB); changes glide over about 10 ms",
          MST_LIMITER_INPUT_GAIN_MIN, MST_LIMITER_INPUT_GAIN_MAX,
          DEFAULT_INPUT_GAIN, live));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "Lookahead (ms): the gain ramps down over this time before a "
          "peak; sets the latency, so it takes effect in READY",
          MST_LIMITER_LOOKAHEAD_MIN, MST_LIMITER_LOOKAHEAD_MAX,
          DEFAULT_LOOKAHEAD, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Release time constant (ms)", MST_LIMITER_RELEASE_MIN,
          MST_LIMITER_RELEASE_MAX, DEFAULT_RELEASE, live));
  g_object_class_install_property (gobject_class, PROP_AUTO_RELEASE,
      g_param_spec_boolean ("auto-release", "Auto release",
          "Program-dependent release: holds through bass periods, fast "
          "after short transients, slow on sustained limiting",
          DEFAULT_AUTO_RELEASE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK,
      g_param_spec_boolean ("true-peak", "True peak",
          "Detect inter-sample peaks on the oversampled signal (FALSE: "
          "limit sample peaks only)", DEFAULT_TRUE_PEAK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LINK,
      g_param_spec_double ("link", "Link",
          "Channel link: 1 = one gain for all channels, 0 = independent "
          "channels", 0.0, 1.0, DEFAULT_LINK, live));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval between element messages (ns)", GST_MSECOND / 10,
          G_MAXUINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a masterlimit element message every interval",
          DEFAULT_POST_MESSAGES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "True-peak limiter", "Filter/Effect/Audio",
      "Lookahead limiter whose output true peak never exceeds the ceiling",
      "gst-mastering developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_masterlimit_setup);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_masterlimit_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_masterlimit_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_masterlimit_before_transform);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_masterlimit_transform);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_masterlimit_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_masterlimit_query);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
gst_masterlimit_init (GstMasterlimit * self)
{
  self->settings.ceiling = DEFAULT_CEILING;
  self->settings.input_gain = DEFAULT_INPUT_GAIN;
  self->settings.lookahead = DEFAULT_LOOKAHEAD;
  self->settings.release = DEFAULT_RELEASE;
  self->settings.auto_release = DEFAULT_AUTO_RELEASE;
  self->settings.true_peak = DEFAULT_TRUE_PEAK;
  self->settings.link = DEFAULT_LINK;
  self->settings.interval = DEFAULT_INTERVAL;
  self->settings.post_messages = DEFAULT_POST_MESSAGES;
  self->cur = self->settings;
  self->start_ts = GST_CLOCK_TIME_NONE;
  self->start_offset = GST_BUFFER_OFFSET_NONE;
  self->msg_gain = 1.0;
  self->msg_gain_min = 1.0;
}

static void
free_dsp (GstMasterlimit * self)
{
  mst_limiter_free (self->lim);
  self->lim = NULL;
}

static void
gst_masterlimit_finalize (GObject * object)
{
  free_dsp (GST_MASTERLIMIT (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_masterlimit_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterlimit *self = GST_MASTERLIMIT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CEILING:
      self->settings.ceiling = g_value_get_double (value);
      break;
    case PROP_INPUT_GAIN:
      self->settings.input_gain = g_value_get_double (value);
      break;
    case PROP_LOOKAHEAD:
      self->settings.lookahead = g_value_get_double (value);
      break;
    case PROP_RELEASE:
      self->settings.release = g_value_get_double (value);
      break;
    case PROP_AUTO_RELEASE:
      self->settings.auto_release = g_value_get_boolean (value);
      break;
    case PROP_TRUE_PEAK:
      self->settings.true_peak = g_value_get_boolean (value);
      break;
    case PROP_LINK:
      self->settings.link = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->settings.interval = g_value_get_uint64 (value);
      break;
    case PROP_POST_MESSAGES:
      self->settings.post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_masterlimit_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterlimit *self = GST_MASTERLIMIT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CEILING:
      g_value_set_double (value, self->settings.ceiling);
      break;
    case PROP_INPUT_GAIN:
      g_value_set_double (value, self->settings.input_gain);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->settings.lookahead);
      break;
    case PROP_RELEASE:
      g_value_set_double (value, self->settings.release);
      break;
    case PROP_AUTO_RELEASE:
      g_value_set_boolean (value, self->settings.auto_release);
      break;
    case PROP_TRUE_PEAK:
      g_value_set_boolean (value, self->settings.true_peak);
      break;
    case PROP_LINK:
      g_value_set_double (value, self->settings.link);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->settings.interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->settings.post_messages);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Copy the settings and hand the continuous ones to the core. */
static void
apply_settings (GstMasterlimit * self)
{
  GST_OBJECT_LOCK (self);
  self->cur = self->settings;
  GST_OBJECT_UNLOCK (self);

  if (!self->lim)
    return;
  mst_limiter_set_ceiling (self->lim, self->cur.ceiling);
  mst_limiter_set_input_gain (self->lim, self->cur.input_gain);
  mst_limiter_set_release (self->lim, self->cur.release);
  mst_limiter_set_auto_release (self->lim, self->cur.auto_release);
  mst_limiter_set_true_peak (self->lim, self->cur.true_peak);
  mst_limiter_set_link (self->lim, self->cur.link);
}

static void
restart_counters (GstMasterlimit * self)
{
  self->start_ts = GST_CLOCK_TIME_NONE;
  self->start_offset = GST_BUFFER_OFFSET_NONE;
  self->nsamples_in = 0;
  self->nsamples_out = 0;
}

/* New message interval. */
static void
reset_meters (GstMasterlimit * self)
{
  self->msg_in_peak = 0.0;
  self->msg_out_peak = 0.0;
  self->msg_frames = 0;
  self->msg_gain_min = self->msg_gain;
}

/* Restart the stream: silence in the delay line, gain 1. */
static void
reset_stream (GstMasterlimit * self)
{
  if (self->lim)
    mst_limiter_reset (self->lim);
  restart_counters (self);
  reset_meters (self);
}

static void
process (GstMasterlimit * self, gconstpointer in, gpointer out, gsize frames)
{
  if (self->is_f64)
    mst_limiter_process_f64 (self->lim, in, out, frames);
  else
    mst_limiter_process_f32 (self->lim, in, out, frames);
}

static void
post_message (GstMasterlimit * self, GstClockTime ts)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstStructure *s;
  GstClockTime duration, stream_time, running_time;
  /* the detector sees the input after the input gain */
  gdouble in_tp = self->msg_in_peak / mst_db_to_lin (self->cur.input_gain);
  gdouble out_tp = self->msg_out_peak;

  duration = gst_util_uint64_scale_int (self->msg_frames, GST_SECOND,
      self->rate);
  stream_time = gst_segment_to_stream_time (&trans->segment,
      GST_FORMAT_TIME, ts);
  running_time = gst_segment_to_running_time (&trans->segment,
      GST_FORMAT_TIME, ts);
  s = gst_structure_new ("masterlimit",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, stream_time,
      "running-time", G_TYPE_UINT64, running_time,
      "duration", G_TYPE_UINT64, duration,
      "gain-reduction", G_TYPE_DOUBLE, -mst_lin_to_db (self->msg_gain),
      "max-gain-reduction", G_TYPE_DOUBLE, -mst_lin_to_db (self->msg_gain_min),
      "input-true-peak", G_TYPE_DOUBLE, mst_lin_to_db (in_tp),
      "output-true-peak", G_TYPE_DOUBLE, mst_lin_to_db (out_tp), NULL);
  reset_meters (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Bookkeeping shared by transform and drain: `frames` output frames at
 * `data` start with stream output frame self->nsamples_out.  Meters them,
 * folds the statistics, posts messages, warns once about Inf/NaN. */
static void
account_output (GstMasterlimit * self, gconstpointer data, gsize frames,
    GstClockTime ts)
{
  MstLimiterStats st;

  /* gain statistics of this stretch, folded into the message interval */
  mst_limiter_take_stats (self->lim, &st);
  self->msg_gain = st.gain;
  self->msg_in_peak = MAX (self->msg_in_peak, st.input_peak);
  self->msg_out_peak = MAX (self->msg_out_peak, st.output_peak);
  if (st.gain_min < self->msg_gain_min)
    self->msg_gain_min = st.gain_min;
  if (st.nonfinite > 0 && !self->nonfinite_warned) {
    self->nonfinite_warned = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("input contains Inf or NaN samples; they are replaced by 0"));
  }
  if (self->cur.post_messages) {
    guint64 every = MAX (1, gst_util_uint64_scale (self->cur.interval,
            self->rate, GST_SECOND));
    self->msg_frames += frames;
    if (self->msg_frames >= every)
      post_message (self, ts);
  }
}

static void
set_output_meta (GstMasterlimit * self, GstBuffer * buf, gsize frames)
{
  GstClockTime start = self->start_ts;

  if (GST_CLOCK_TIME_IS_VALID (start)) {
    GstClockTime t0 = start + gst_util_uint64_scale_int (self->nsamples_out,
        GST_SECOND, self->rate);
    GstClockTime t1 = start + gst_util_uint64_scale_int (self->nsamples_out +
        frames, GST_SECOND, self->rate);
    GST_BUFFER_PTS (buf) = t0;
    GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = t1 - t0;
  } else {
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  }
  if (self->start_offset != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (buf) = self->start_offset + self->nsamples_out;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET (buf) + frames;
  } else {
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  }
}

/* Push the frames still in the delay line (EOS, caps change,
 * discontinuity).  Returns the flow of the push. */
static GstFlowReturn
drain (GstMasterlimit * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  guint64 pending;
  GstBuffer *buf;
  GstMapInfo map;
  gsize bytes, skip;
  GstClockTime ts;

  if (!self->lim || self->nsamples_in == 0)
    return GST_FLOW_OK;
  pending = self->nsamples_in - self->nsamples_out;
  if (pending == 0)
    return GST_FLOW_OK;

  /* `latency` frames of silence push the held frames out; the held ones
   * are the last `pending` of that output */
  bytes = (gsize) self->latency * self->bpf;
  buf = gst_buffer_new_allocate (NULL, bytes, NULL);
  gst_buffer_map (buf, &map, GST_MAP_READWRITE);
  memset (map.data, 0, bytes);
  process (self, map.data, map.data, self->latency);
  skip = (gsize) (self->latency - pending) * self->bpf;
  if (skip > 0)
    memmove (map.data, map.data + skip, bytes - skip);
  gst_buffer_unmap (buf, &map);
  gst_buffer_resize (buf, 0, bytes - skip);

  set_output_meta (self, buf, pending);
  ts = GST_BUFFER_PTS (buf);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  account_output (self, map.data, pending, ts);
  gst_buffer_unmap (buf, &map);
  self->nsamples_out += pending;

  GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " frames", pending);
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), buf);
}

static gboolean
gst_masterlimit_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterlimit *self = GST_MASTERLIMIT (filter);
  guint old_latency = self->latency;
  MstLimiter *lim;

  /* the old format's tail first */
  if (self->lim)
    drain (self);

  GST_OBJECT_LOCK (self);
  self->cur = self->settings;
  GST_OBJECT_UNLOCK (self);

  lim = mst_limiter_new (GST_AUDIO_INFO_RATE (info),
      GST_AUDIO_INFO_CHANNELS (info), self->cur.lookahead);
  if (!lim) {
    GST_ERROR_OBJECT (self, "unsupported format");
    return FALSE;
  }
  free_dsp (self);
  self->lim = lim;
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->channels = GST_AUDIO_INFO_CHANNELS (info);
  self->bpf = GST_AUDIO_INFO_BPF (info);
  self->is_f64 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64;
  self->latency = mst_limiter_latency (lim);
  apply_settings (self);
  reset_stream (self);

  GST_INFO_OBJECT (self, "%u Hz, %u channels, latency %u frames",
      self->rate, self->channels, self->latency);
  if (old_latency != self->latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_masterlimit_start (GstBaseTransform * trans)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);

  self->nonfinite_warned = FALSE;
  reset_stream (self);
  return TRUE;
}

static gboolean
gst_masterlimit_stop (GstBaseTransform * trans)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);

  free_dsp (self);
  self->latency = 0;
  restart_counters (self);
  return TRUE;
}

static void
gst_masterlimit_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);
  GstClockTime ts = GST_BUFFER_PTS (buf);
  GstClockTime stream_time;

  stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      ts);
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (self), stream_time);
  apply_settings (self);
}

static GstFlowReturn
gst_masterlimit_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);
  GstMapInfo in, out;
  gsize frames, skip, valid;
  GstClockTime ts;

  if (!self->lim)
    return GST_FLOW_NOT_NEGOTIATED;

  /* a discontinuity ends the old stream: push its tail, start again */
  if (GST_BUFFER_IS_DISCONT (inbuf) && self->nsamples_in > 0) {
    GstFlowReturn ret = drain (self);
    reset_stream (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  if (self->nsamples_in == 0) {
    self->start_ts = GST_BUFFER_PTS (inbuf);
    self->start_offset = GST_BUFFER_OFFSET (inbuf);
  }

  gst_buffer_map (inbuf, &in, GST_MAP_READ);
  gst_buffer_map (outbuf, &out, GST_MAP_WRITE);
  frames = in.size / self->bpf;
  process (self, in.data, out.data, frames);

  /* the first `latency` frames of a stream are the delay line's silence */
  skip = 0;
  if (self->nsamples_in < self->latency)
    skip = (gsize) MIN ((guint64) frames, self->latency - self->nsamples_in);
  self->nsamples_in += frames;
  valid = frames - skip;
  GST_LOG_OBJECT (self, "in %" G_GSIZE_FORMAT " frames, out %" G_GSIZE_FORMAT
      " (skipped %" G_GSIZE_FORMAT ")", frames, valid, skip);
  if (skip > 0 && valid > 0)
    memmove (out.data, out.data + skip * self->bpf, valid * self->bpf);
  gst_buffer_unmap (inbuf, &in);

  if (valid == 0) {
    gst_buffer_unmap (outbuf, &out);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  set_output_meta (self, outbuf, valid);
  ts = GST_BUFFER_PTS (outbuf);
  account_output (self, out.data, valid, ts);
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_resize (outbuf, 0, valid * self->bpf);
  GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);
  self->nsamples_out += valid;
  return GST_FLOW_OK;
}

static gboolean
gst_masterlimit_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      drain (self);
      break;
    case GST_EVENT_SEGMENT_DONE:
      /* the end of a segment seek's segment: its tail goes out before the
       * event (a sink would clip it from the next segment), and the next
       * segment starts with an empty delay line */
      drain (self);
      reset_stream (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_masterlimit_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMasterlimit *self = GST_MASTERLIMIT (trans);

  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
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
    lat = self->rate > 0 ? gst_util_uint64_scale_int (self->latency,
        GST_SECOND, self->rate) : 0;
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
