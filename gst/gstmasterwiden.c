/* gst-mastering: masterwiden, a mid/side stereo imager with mono-safe bass
 * and a phase-correlation meter.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-masterwiden
 * @title: masterwiden
 *
 * A mastering stereo imager working on mid (L + R) and side (L - R):
 *
 * - #GstMasterWiden:width scales the side signal: 0 is mono (both outputs
 *   are exactly the same), 1 leaves the image as it is, 2 doubles the side.
 *   #GstMasterWiden:side-gain and #GstMasterWiden:mid-gain set the two
 *   gains in dB instead (the side gain is width times side-gain).
 * - #GstMasterWiden:mono-bass removes the side signal below a frequency
 *   with a Linkwitz-Riley (LR4) split; the mid goes through the matching
 *   allpass so mid and side stay phase-aligned and the mid sums flat.
 * - #GstMasterWiden:balance attenuates one channel (never boosts).
 * - #GstMasterWiden:safe-width reduces the widening where the phase
 *   correlation of the output would fall below
 *   #GstMasterWiden:correlation-floor, so the mix does not cancel in mono.
 *
 * Every property is controllable and may change while playing; changes
 * glide over 20 ms (the mono-bass split glides and cross-fades), so they do
 * not click.  With neutral settings (width 1, gains 0 dB, balance 0,
 * mono-bass 0) the element is in passthrough: the output is the input, bit
 * for bit.  Otherwise samples that are NaN or infinite are replaced by 0.
 *
 * Every #GstMasterWiden:interval it posts an element message `masterwiden`
 * measured on its output: `correlation` (-1..+1, 0 for silence),
 * `mid-side-ratio` (dB), `balance` (dB, left over right) and
 * `effective-width` (the width applied after safe-width), plus `timestamp`,
 * `stream-time`, `running-time` and `duration`.  See docs/masterwiden.md.
 *
 * Only interleaved stereo F32 and F64 is accepted; put `audioconvert`
 * (with `audio/x-raw,channels=2` for mono sources) in front.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m audiotestsrc wave=pink-noise num-buffers=100 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! masterwiden width=0 ! fakesink
 * ]| Meter a mono-compatible stream: the messages read correlation = 1.
 * |[
 * gst-launch-1.0 filesrc location=song.flac ! decodebin ! audioconvert ! audio/x-raw,channels=2 ! masterwiden width=1.3 mono-bass=120 safe-width=true ! audioconvert ! autoaudiosink
 * ]| Widen a master by 30 %, keep everything below 120 Hz mono and never
 * let the correlation go negative.
 */

#include "gstmasterwiden.h"

#include <math.h>
#include <gst/controller/controller.h>

GST_DEBUG_CATEGORY_STATIC (gst_master_widen_debug);
#define GST_CAT_DEFAULT gst_master_widen_debug

#define DEFAULT_WIDTH 1.0
#define DEFAULT_MONO_BASS 0.0
#define DEFAULT_BALANCE 0.0
#define DEFAULT_SIDE_GAIN 0.0
#define DEFAULT_MID_GAIN 0.0
#define DEFAULT_SAFE_WIDTH FALSE
#define DEFAULT_CORRELATION_FLOOR 0.0
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_INTERVAL (100 * GST_MSECOND)

#define MIN_INTERVAL (10 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_MONO_BASS,
  PROP_BALANCE,
  PROP_SIDE_GAIN,
  PROP_MID_GAIN,
  PROP_SAFE_WIDTH,
  PROP_CORRELATION_FLOOR,
  PROP_POST_MESSAGES,
  PROP_INTERVAL,
};

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) 2, " \
  "layout = (string) interleaved"

#define gst_master_widen_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMasterWiden, gst_master_widen,
    GST_TYPE_AUDIO_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_master_widen_debug, "masterwiden", 0,
        "mid/side stereo imager"));
GST_ELEMENT_REGISTER_DEFINE (masterwiden, "masterwiden", GST_RANK_NONE,
    GST_TYPE_MASTER_WIDEN);

static void gst_master_widen_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_master_widen_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_master_widen_finalize (GObject * object);

static gboolean gst_master_widen_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_master_widen_start (GstBaseTransform * trans);
static gboolean gst_master_widen_stop (GstBaseTransform * trans);
static gboolean gst_master_widen_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps);
static void gst_master_widen_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_master_widen_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_master_widen_sink_event (GstBaseTransform * trans,
    GstEvent * event);

static void
gst_master_widen_class_init (GstMasterWidenClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags live = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_master_widen_set_property;
  gobject_class->get_property = gst_master_widen_get_property;
  gobject_class->finalize = gst_master_widen_finalize;

  /**
   * GstMasterWiden:width:
   *
   * Side gain factor: 0 = mono, 1 = unchanged, 2 = side doubled.
   */
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_double ("width", "Width",
          "Stereo width, a factor on the side signal (0 = mono, "
          "1 = unchanged, 2 = side doubled)", 0.0, MST_STEREO_WIDTH_MAX,
          DEFAULT_WIDTH, live));

  /**
   * GstMasterWiden:mono-bass:
   *
   * Below this frequency (Hz) the side signal is removed with a
   * phase-coherent LR4 split; 0 switches it off.  At most 0.45 times the
   * sample rate.
   */
  g_object_class_install_property (gobject_class, PROP_MONO_BASS,
      g_param_spec_double ("mono-bass", "Mono bass",
          "Remove the side signal below this frequency, in Hz, with a "
          "phase-coherent Linkwitz-Riley split (0 = off)", 0.0,
          MST_STEREO_MONO_BASS_MAX, DEFAULT_MONO_BASS, live));

  /**
   * GstMasterWiden:balance:
   *
   * -1 = left only, 0 = centre, 1 = right only.  The channel on the other
   * side is attenuated linearly; nothing is boosted.
   */
  g_object_class_install_property (gobject_class, PROP_BALANCE,
      g_param_spec_double ("balance", "Balance",
          "Left/right balance (-1 = left only, 0 = centre, 1 = right only; "
          "attenuates, never boosts)", -1.0, 1.0, DEFAULT_BALANCE, live));

  /**
   * GstMasterWiden:side-gain:
   *
   * Gain of the side signal in dB, applied on top of
   * #GstMasterWiden:width.
   */
  g_object_class_install_property (gobject_class, PROP_SIDE_GAIN,
      g_param_spec_double ("side-gain", "Side gain",
          "Gain of the side signal, in dB (multiplies width)",
          MST_STEREO_GAIN_DB_MIN, MST_STEREO_GAIN_DB_MAX, DEFAULT_SIDE_GAIN,
          live));

  /**
   * GstMasterWiden:mid-gain:
   *
   * Gain of the mid signal in dB.
   */
  g_object_class_install_property (gobject_class, PROP_MID_GAIN,
      g_param_spec_double ("mid-gain", "Mid gain",
          "Gain of the mid signal, in dB", MST_STEREO_GAIN_DB_MIN,
          MST_STEREO_GAIN_DB_MAX, DEFAULT_MID_GAIN, live));

  /**
   * GstMasterWiden:safe-width:
   *
   * Limit the side gain so that the phase correlation of the output,
   * estimated over 100 ms, stays at or above
   * #GstMasterWiden:correlation-floor.  It only takes back widening (side
   * gain above mid gain): it never narrows the image below the source's.
   */
  g_object_class_install_property (gobject_class, PROP_SAFE_WIDTH,
      g_param_spec_boolean ("safe-width", "Safe width",
          "Reduce the widening where the output's phase correlation "
          "(100 ms window) would fall below correlation-floor",
          DEFAULT_SAFE_WIDTH, live));

  /**
   * GstMasterWiden:correlation-floor:
   *
   * The lowest phase correlation #GstMasterWiden:safe-width lets the
   * widening cause.
   */
  g_object_class_install_property (gobject_class, PROP_CORRELATION_FLOOR,
      g_param_spec_double ("correlation-floor", "Correlation floor",
          "Lowest phase correlation (0..0.9) safe-width lets the widening "
          "cause", 0.0, MST_STEREO_FLOOR_MAX, DEFAULT_CORRELATION_FLOOR, live));

  /**
   * GstMasterWiden:post-messages:
   *
   * Post a `masterwiden` element message every #GstMasterWiden:interval.
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'masterwiden' element message (correlation, mid/side "
          "ratio, balance) every interval", DEFAULT_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstMasterWiden:interval:
   *
   * Stream time between two messages, in nanoseconds, counted in samples.
   */
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Stream time between two messages, in nanoseconds (counted in "
          "samples)", MIN_INTERVAL, G_MAXINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Mastering stereo imager", "Filter/Effect/Audio",
      "Mid/side stereo width with mono-safe bass, balance and a "
      "phase-correlation meter", "gst-mastering developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_widen_setup);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_widen_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_widen_stop);
  trans_class->accept_caps = GST_DEBUG_FUNCPTR (gst_master_widen_accept_caps);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_widen_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_widen_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_widen_sink_event);
  /* neutral settings: the meter still reads the untouched buffers */
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
gst_master_widen_init (GstMasterWiden * self)
{
  self->settings.width = DEFAULT_WIDTH;
  self->settings.mono_bass = DEFAULT_MONO_BASS;
  self->settings.balance = DEFAULT_BALANCE;
  self->settings.side_gain = DEFAULT_SIDE_GAIN;
  self->settings.mid_gain = DEFAULT_MID_GAIN;
  self->settings.safe_width = DEFAULT_SAFE_WIDTH;
  self->settings.correlation_floor = DEFAULT_CORRELATION_FLOOR;
  self->settings.post_messages = DEFAULT_POST_MESSAGES;
  self->settings.interval = DEFAULT_INTERVAL;
  self->refused_channels = 0;

  self->cur = self->settings;
  self->st = NULL;
  self->rate = 0;
  self->interval_frames = 1;
  self->ts_base = GST_CLOCK_TIME_NONE;
  mst_stereo_meter_reset (&self->meter);

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_master_widen_finalize (GObject * object)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (object);

  if (self->st) {
    mst_stereo_free (self->st);
    self->st = NULL;
  }
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_master_widen_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      self->settings.width = g_value_get_double (value);
      break;
    case PROP_MONO_BASS:
      self->settings.mono_bass = g_value_get_double (value);
      break;
    case PROP_BALANCE:
      self->settings.balance = g_value_get_double (value);
      break;
    case PROP_SIDE_GAIN:
      self->settings.side_gain = g_value_get_double (value);
      break;
    case PROP_MID_GAIN:
      self->settings.mid_gain = g_value_get_double (value);
      break;
    case PROP_SAFE_WIDTH:
      self->settings.safe_width = g_value_get_boolean (value);
      break;
    case PROP_CORRELATION_FLOOR:
      self->settings.correlation_floor = g_value_get_double (value);
      break;
    case PROP_POST_MESSAGES:
      self->settings.post_messages = g_value_get_boolean (value);
      break;
    case PROP_INTERVAL:
      self->settings.interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_widen_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      g_value_set_double (value, self->settings.width);
      break;
    case PROP_MONO_BASS:
      g_value_set_double (value, self->settings.mono_bass);
      break;
    case PROP_BALANCE:
      g_value_set_double (value, self->settings.balance);
      break;
    case PROP_SIDE_GAIN:
      g_value_set_double (value, self->settings.side_gain);
      break;
    case PROP_MID_GAIN:
      g_value_set_double (value, self->settings.mid_gain);
      break;
    case PROP_SAFE_WIDTH:
      g_value_set_boolean (value, self->settings.safe_width);
      break;
    case PROP_CORRELATION_FLOOR:
      g_value_set_double (value, self->settings.correlation_floor);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->settings.post_messages);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->settings.interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Streaming thread: hand every imager setting in s to the imager (they
 * glide from where the imager is). */
static void
gst_master_widen_apply (GstMasterWiden * self,
    const GstMasterWidenSettings * s, gboolean all)
{
  const GstMasterWidenSettings *c = &self->cur;
  MstStereo *st = self->st;

  if (all || s->width != c->width)
    mst_stereo_set_width (st, s->width);
  if (all || s->mono_bass != c->mono_bass)
    mst_stereo_set_mono_bass (st, s->mono_bass);
  if (all || s->balance != c->balance)
    mst_stereo_set_balance (st, s->balance);
  if (all || s->side_gain != c->side_gain)
    mst_stereo_set_side_gain_db (st, s->side_gain);
  if (all || s->mid_gain != c->mid_gain)
    mst_stereo_set_mid_gain_db (st, s->mid_gain);
  if (all || s->safe_width != c->safe_width
      || s->correlation_floor != c->correlation_floor)
    mst_stereo_set_safe_width (st, s->safe_width, s->correlation_floor);
}

static void
gst_master_widen_update_interval_frames (GstMasterWiden * self)
{
  guint64 frames = 1;

  if (self->rate > 0)
    frames = GST_CLOCK_TIME_TO_FRAMES (self->cur.interval, self->rate);
  self->interval_frames = MAX (frames, 1);
}

/* Streaming thread: copy the settings once and apply what changed. */
static void
gst_master_widen_load_settings (GstMasterWiden * self)
{
  GstMasterWidenSettings s;

  GST_OBJECT_LOCK (self);
  s = self->settings;
  GST_OBJECT_UNLOCK (self);

  if (self->st)
    gst_master_widen_apply (self, &s, FALSE);
  if (s.interval != self->cur.interval) {
    self->cur.interval = s.interval;
    gst_master_widen_update_interval_frames (self);
  }
  self->cur = s;
}

/* Streaming thread: passthrough exactly when the imager is neutral (no
 * glide under way either); the buffer is then never written. */
static void
gst_master_widen_update_passthrough (GstMasterWiden * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  gboolean neutral = self->st == NULL || mst_stereo_is_neutral (self->st);

  if (neutral != gst_base_transform_is_passthrough (trans)) {
    GST_DEBUG_OBJECT (self, "passthrough %s", neutral ? "on" : "off");
    gst_base_transform_set_passthrough (trans, neutral);
  }
}

static void
gst_master_widen_reset (GstMasterWiden * self)
{
  if (self->st)
    mst_stereo_reset (self->st);
  mst_stereo_meter_reset (&self->meter);
  self->ts_base = GST_CLOCK_TIME_NONE;
  self->base_frames = 0;
  self->num_frames = 0;
}

static gboolean
gst_master_widen_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (trans);
  gboolean ret;
  GstStructure *s;
  gint channels;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->accept_caps (trans,
      direction, caps);
  if (ret || !gst_caps_is_fixed (caps))
    return ret;

  /* Say why a fixed non-stereo format is refused, once per channel count:
   * not-negotiated alone does not tell. */
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "audio/x-raw")
      && gst_structure_get_int (s, "channels", &channels) && channels != 2) {
    gboolean warn;

    GST_OBJECT_LOCK (self);
    warn = self->refused_channels != channels;
    self->refused_channels = channels;
    GST_OBJECT_UNLOCK (self);

    GST_WARNING_OBJECT (self, "refusing %d channel(s): stereo only", channels);
    if (warn)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("masterwiden processes stereo only, but the stream has %d "
              "channel(s); convert it first, e.g. with "
              "'audioconvert ! audio/x-raw,channels=2'.", channels),
          ("refused caps %" GST_PTR_FORMAT, caps));
  }
  return ret;
}

static gboolean
gst_master_widen_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (filter);
  guint channels = GST_AUDIO_INFO_CHANNELS (info);
  guint rate = GST_AUDIO_INFO_RATE (info);
  GstAudioFormat format = GST_AUDIO_INFO_FORMAT (info);
  MstStereo *st;

  GST_DEBUG_OBJECT (self, "setup: %u Hz, %u channels, %s", rate, channels,
      gst_audio_format_to_string (format));

  if (channels != 2)
    goto not_stereo;
  if ((format != GST_AUDIO_FORMAT_F32 && format != GST_AUDIO_FORMAT_F64)
      || GST_AUDIO_INFO_LAYOUT (info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    goto bad_format;

  st = mst_stereo_new (rate);
  if (!st)
    goto no_imager;
  if (self->st)
    mst_stereo_free (self->st);
  self->st = st;
  self->rate = rate;
  self->is_f64 = format == GST_AUDIO_FORMAT_F64;

  /* A new format starts from the current settings, without glides. */
  GST_OBJECT_LOCK (self);
  self->cur = self->settings;
  GST_OBJECT_UNLOCK (self);
  gst_master_widen_apply (self, &self->cur, TRUE);
  gst_master_widen_update_interval_frames (self);
  gst_master_widen_reset (self);
  gst_master_widen_update_passthrough (self);

  return TRUE;

not_stereo:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("masterwiden processes stereo only, but the stream has %u "
            "channel(s).", channels), (NULL));
    return FALSE;
  }
bad_format:
  {
    GST_WARNING_OBJECT (self, "unsupported format");
    return FALSE;
  }
no_imager:
  {
    GST_ERROR_OBJECT (self, "cannot create an imager for %u Hz", rate);
    return FALSE;
  }
}

static gboolean
gst_master_widen_start (GstBaseTransform * trans)
{
  gst_master_widen_reset (GST_MASTER_WIDEN (trans));
  return TRUE;
}

static gboolean
gst_master_widen_stop (GstBaseTransform * trans)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (trans);

  if (self->st) {
    mst_stereo_free (self->st);
    self->st = NULL;
  }
  self->rate = 0;
  self->nonfinite_warned = FALSE;
  GST_OBJECT_LOCK (self);
  self->refused_channels = 0;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Streaming thread, no lock held: post the values of the current
 * (possibly partial) interval and start the next one. */
static void
gst_master_widen_post_interval (GstMasterWiden * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = GST_CLOCK_TIME_NONE, duration;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  guint64 start = self->base_frames, end = start + self->num_frames;
  gdouble corr, ms_db, bal_db, width = 0.0, side;

  duration = GST_FRAMES_TO_CLOCK_TIME (end, self->rate) -
      GST_FRAMES_TO_CLOCK_TIME (start, self->rate);
  if (GST_CLOCK_TIME_IS_VALID (self->ts_base))
    ts = self->ts_base + GST_FRAMES_TO_CLOCK_TIME (start, self->rate);

  if (self->cur.post_messages && self->num_frames > 0) {
    GstStructure *s;

    if (trans->segment.format == GST_FORMAT_TIME
        && GST_CLOCK_TIME_IS_VALID (ts)) {
      running_time = gst_segment_to_running_time (&trans->segment,
          GST_FORMAT_TIME, ts);
      stream_time = gst_segment_to_stream_time (&trans->segment,
          GST_FORMAT_TIME, ts);
    }
    mst_stereo_meter_read (&self->meter, &corr, &ms_db, &bal_db);
    side = mst_db_to_lin (self->cur.side_gain);
    if (self->st && side > 0.0)
      width = mst_stereo_get_side_gain (self->st) / side;

    s = gst_structure_new ("masterwiden",
        "timestamp", GST_TYPE_CLOCK_TIME, ts,
        "stream-time", GST_TYPE_CLOCK_TIME, stream_time,
        "running-time", GST_TYPE_CLOCK_TIME, running_time,
        "duration", GST_TYPE_CLOCK_TIME, duration,
        "correlation", G_TYPE_DOUBLE, corr,
        "mid-side-ratio", G_TYPE_DOUBLE, ms_db,
        "balance", G_TYPE_DOUBLE, bal_db,
        "effective-width", G_TYPE_DOUBLE, width, NULL);
    GST_LOG_OBJECT (self, "posting: %" GST_PTR_FORMAT, s);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }

  mst_stereo_meter_reset (&self->meter);
  self->base_frames = end;
  self->num_frames = 0;
}

/* Streaming thread: meter output frames (data NULL: silence), posting at
 * each interval boundary. */
static void
gst_master_widen_measure (GstMasterWiden * self, const guint8 * data,
    guint64 frames)
{
  gsize bpf = self->is_f64 ? 2 * sizeof (gdouble) : 2 * sizeof (gfloat);

  while (frames > 0) {
    guint64 block = MIN (self->interval_frames - self->num_frames, frames);

    if (data) {
      if (self->is_f64)
        mst_stereo_meter_add_f64 (&self->meter, (const gdouble *) data, block);
      else
        mst_stereo_meter_add_f32 (&self->meter, (const gfloat *) data, block);
      data += block * bpf;
    } else {
      self->meter.frames += block;
    }
    self->num_frames += block;
    frames -= block;

    if (self->num_frames >= self->interval_frames)
      gst_master_widen_post_interval (self);
  }
}

static void
gst_master_widen_note_timestamp (GstMasterWiden * self, GstClockTime ts,
    gboolean discont)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;

  if (discont && GST_CLOCK_TIME_IS_VALID (self->ts_base)) {
    GST_DEBUG_OBJECT (self, "discont at %" GST_TIME_FORMAT, GST_TIME_ARGS (ts));
    mst_stereo_meter_reset (&self->meter);
    self->ts_base = ts;
    self->base_frames = 0;
    self->num_frames = 0;
  } else if (!GST_CLOCK_TIME_IS_VALID (self->ts_base)) {
    self->ts_base = ts;
    self->base_frames = 0;
  }
}

static void
gst_master_widen_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (trans);
  GstClockTime ts = GST_BUFFER_PTS (buf);

  if (trans->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);

    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
  }

  gst_master_widen_load_settings (self);
  gst_master_widen_update_passthrough (self);
}

/* TRUE when n samples hold an Inf or NaN. */
static gboolean
has_nonfinite (gconstpointer data, gsize n, gboolean f64)
{
  return (f64 ? mst_count_nonfinite_f64 (data, n)
      : mst_count_nonfinite_f32 (data, n)) > 0;
}

static GstFlowReturn
gst_master_widen_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (trans);
  gboolean passthrough = gst_base_transform_is_passthrough (trans);
  gsize bpf, size;
  guint64 frames;
  GstMapInfo map;

  if (G_UNLIKELY (!self->st))
    return GST_FLOW_NOT_NEGOTIATED;

  bpf = self->is_f64 ? 2 * sizeof (gdouble) : 2 * sizeof (gfloat);
  size = gst_buffer_get_size (buf);
  frames = size / bpf;

  gst_master_widen_note_timestamp (self, GST_BUFFER_PTS (buf),
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));

  if (frames == 0)
    return GST_FLOW_OK;

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* digital silence stays silence: nothing to process */
    gst_master_widen_measure (self, NULL, frames);
    return GST_FLOW_OK;
  }

  if (!gst_buffer_map (buf, &map, passthrough ? GST_MAP_READ :
          GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("cannot map the buffer"));
    return GST_FLOW_ERROR;
  }

  if (passthrough) {
    if (self->is_f64)
      mst_stereo_observe_f64 (self->st, (const gdouble *) map.data, frames);
    else
      mst_stereo_observe_f32 (self->st, (const gfloat *) map.data, frames);
  } else {
    /* the imager replaces Inf/NaN by 0: say so once */
    if (G_UNLIKELY (!self->nonfinite_warned) && has_nonfinite (map.data,
            2 * frames, self->is_f64)) {
      self->nonfinite_warned = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
          ("input contains Inf or NaN samples; they are replaced by 0"));
    }
    if (self->is_f64)
      mst_stereo_process_f64 (self->st, (gdouble *) map.data, frames);
    else
      mst_stereo_process_f32 (self->st, (gfloat *) map.data, frames);
  }
  gst_master_widen_measure (self, map.data, frames);
  gst_buffer_unmap (buf, &map);

  return GST_FLOW_OK;
}

static gboolean
gst_master_widen_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterWiden *self = GST_MASTER_WIDEN (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      gst_master_widen_load_settings (self);
      gst_master_widen_reset (self);
      gst_master_widen_update_passthrough (self);
      break;
    case GST_EVENT_GAP:
      if (self->st) {
        GstClockTime ts, duration;

        gst_event_parse_gap (event, &ts, &duration);
        if (GST_CLOCK_TIME_IS_VALID (duration)) {
          gst_master_widen_note_timestamp (self, ts, FALSE);
          gst_master_widen_measure (self, NULL,
              GST_CLOCK_TIME_TO_FRAMES (duration, self->rate));
        }
      }
      break;
    case GST_EVENT_EOS:
      /* the last, partial interval */
      if (self->st && self->num_frames > 0)
        gst_master_widen_post_interval (self);
      break;
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
