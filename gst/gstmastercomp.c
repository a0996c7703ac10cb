/* gst-mastering: mastercomp, a mastering compressor, broadband and
 * multiband.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-mastercomp
 * @title: mastercomp
 *
 * A mastering compressor with a soft knee, attack and release, optional
 * program-dependent release, automatic makeup, parallel (dry/wet) mix, a
 * peak or RMS detector, a sidechain high-pass filter, stereo link and
 * lookahead.
 *
 * The static curve is the quadratic soft knee of Giannoulis, Massberg and
 * Reiss (2012): below #GstMastercomp:threshold minus half the
 * #GstMastercomp:knee the level is untouched, above threshold plus half the
 * knee every dB over the threshold becomes 1/#GstMastercomp:ratio dB, and
 * in between a parabola joins the two.  The level the threshold refers to
 * reads a sine's peak level with both detectors (the RMS detector is
 * calibrated +3.01 dB, as in AES17).  #GstMastercomp:attack and
 * #GstMastercomp:release are the times in which the gain reduction (in dB)
 * covers 1 - 1/e of a level step.
 *
 * With #GstMastercomp:bands from 2 to 4 the signal is split by
 * Linkwitz-Riley 4th-order crossovers (#GstMastercomp:crossover-low,
 * #GstMastercomp:crossover-mid, #GstMastercomp:crossover-high, the first
 * bands - 1 of them) with allpass compensation, so that the bands sum to a
 * flat magnitude response.  Each band is a child object (`band0` ..
 * `band3`, see #GstChildProxy) with its own threshold, ratio, attack,
 * release, makeup and bypass; the element's own threshold, ratio, attack
 * and release are then unused and its makeup is an output gain.
 *
 * Threshold, ratio, knee, makeup, mix and bypass changes glide over 20 ms,
 * so they can be automated (every continuous property is controllable) in
 * PLAYING without clicks.  #GstMastercomp:lookahead delays the audio (not
 * the detector) and is reported as latency; output timestamps stay those
 * of the input samples, the first lookahead's worth of delay-line silence
 * is dropped and the tail is drained at EOS, so the output has exactly as
 * many samples as the input.  mix=0 outputs the input bit for bit.
 *
 * Every #GstMastercomp:interval it posts an element message `mastercomp`
 * with the largest gain reduction of each band during the interval
 * (`gain-reduction`, an array of doubles in dB, >= 0).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=song.flac ! decodebin ! audioconvert ! mastercomp threshold=-20 ratio=2 knee=6 attack=10 release=120 auto-makeup=true ! audioconvert ! autoaudiosink
 * ]| Gentle broadband glue compression.
 * |[
 * gst-launch-1.0 filesrc location=song.flac ! decodebin ! audioconvert ! mastercomp bands=3 crossover-low=120 crossover-mid=2000 band0::threshold=-24 band0::ratio=3 band1::ratio=1.5 band2::bypass=true ! audioconvert ! autoaudiosink
 * ]| Three bands: bass held firmly, mids gently, highs untouched.
 * |[
 * gst-launch-1.0 -m audiotestsrc wave=sine volume=0.5 num-buffers=200 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! mastercomp threshold=-30 ratio=4 mix=0.5 sidechain-hpf=100 lookahead=5 ! fakesink
 * ]| Parallel compression with a sidechain high-pass and 5 ms lookahead;
 * the `mastercomp` messages show 18 dB of gain reduction.
 */

#include "gstmastercomp.h"

#include <math.h>
#include <string.h>
#include <gst/controller/controller.h>

GST_DEBUG_CATEGORY_STATIC (gst_mastercomp_debug);
#define GST_CAT_DEFAULT gst_mastercomp_debug

#define DEFAULT_DETECTOR GST_MASTERCOMP_DETECTOR_RMS
#define DEFAULT_INTERVAL (100 * GST_MSECOND)
#define MIN_INTERVAL (10 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_THRESHOLD,
  PROP_RATIO,
  PROP_KNEE,
  PROP_ATTACK,
  PROP_RELEASE,
  PROP_AUTO_RELEASE,
  PROP_MAKEUP,
  PROP_AUTO_MAKEUP,
  PROP_MIX,
  PROP_DETECTOR,
  PROP_SIDECHAIN_HPF,
  PROP_LINK,
  PROP_LOOKAHEAD,
  PROP_BANDS,
  PROP_CROSSOVER_LOW,
  PROP_CROSSOVER_MID,
  PROP_CROSSOVER_HIGH,
  PROP_POST_MESSAGES,
  PROP_INTERVAL,
};

enum
{
  BAND_PROP_0,
  BAND_PROP_THRESHOLD,
  BAND_PROP_RATIO,
  BAND_PROP_ATTACK,
  BAND_PROP_RELEASE,
  BAND_PROP_MAKEUP,
  BAND_PROP_BYPASS,
};

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

#define CONTROLLABLE (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING)
#define PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)
#define READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

GType
gst_mastercomp_detector_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTERCOMP_DETECTOR_PEAK, "Peak: instantaneous sample magnitude",
        "peak"},
    {GST_MASTERCOMP_DETECTOR_RMS,
        "RMS: 10 ms mean square, a sine reads its peak level", "rms"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMastercompDetector", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- band child objects ------------------------------------------------ */

G_DEFINE_TYPE (GstMastercompBand, gst_mastercomp_band, GST_TYPE_OBJECT);

static void
gst_mastercomp_band_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMastercompBand *band = GST_MASTERCOMP_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_THRESHOLD:
      band->settings.threshold = g_value_get_double (value);
      break;
    case BAND_PROP_RATIO:
      band->settings.ratio = g_value_get_double (value);
      break;
    case BAND_PROP_ATTACK:
      band->settings.attack = g_value_get_double (value);
      break;
    case BAND_PROP_RELEASE:
      band->settings.release = g_value_get_double (value);
      break;
    case BAND_PROP_MAKEUP:
      band->settings.makeup = g_value_get_double (value);
      break;
    case BAND_PROP_BYPASS:
      band->settings.bypass = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_mastercomp_band_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMastercompBand *band = GST_MASTERCOMP_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_THRESHOLD:
      g_value_set_double (value, band->settings.threshold);
      break;
    case BAND_PROP_RATIO:
      g_value_set_double (value, band->settings.ratio);
      break;
    case BAND_PROP_ATTACK:
      g_value_set_double (value, band->settings.attack);
      break;
    case BAND_PROP_RELEASE:
      g_value_set_double (value, band->settings.release);
      break;
    case BAND_PROP_MAKEUP:
      g_value_set_double (value, band->settings.makeup);
      break;
    case BAND_PROP_BYPASS:
      g_value_set_boolean (value, band->settings.bypass);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_mastercomp_band_class_init (GstMastercompBandClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->set_property = gst_mastercomp_band_set_property;
  gobject_class->get_property = gst_mastercomp_band_get_property;

  g_object_class_install_property (gobject_class, BAND_PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Level where the band's compression starts, in dBFS (sine peak "
          "level)", MST_COMP_THRESHOLD_MIN, MST_COMP_THRESHOLD_MAX,
          MST_COMP_THRESHOLD_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_RATIO,
      g_param_spec_double ("ratio", "Ratio",
          "Input dB over the threshold per output dB (1 = no compression)",
          MST_COMP_RATIO_MIN, MST_COMP_RATIO_MAX, MST_COMP_RATIO_DEFAULT,
          CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_ATTACK,
      g_param_spec_double ("attack", "Attack",
          "Time for the gain reduction to cover 1 - 1/e of a rising step, "
          "in ms", MST_COMP_ATTACK_MIN, MST_COMP_ATTACK_MAX,
          MST_COMP_ATTACK_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Time for the gain reduction to cover 1 - 1/e of a falling step, "
          "in ms", MST_COMP_RELEASE_MIN, MST_COMP_RELEASE_MAX,
          MST_COMP_RELEASE_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_MAKEUP,
      g_param_spec_double ("makeup", "Makeup",
          "Gain of the band after compression, in dB", MST_COMP_MAKEUP_MIN,
          MST_COMP_MAKEUP_MAX, 0.0, CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_BYPASS,
      g_param_spec_boolean ("bypass", "Bypass",
          "Pass the band uncompressed (crossfades over 20 ms)", FALSE,
          CONTROLLABLE));
}

static void
gst_mastercomp_band_init (GstMastercompBand * band)
{
  band->settings.threshold = MST_COMP_THRESHOLD_DEFAULT;
  band->settings.ratio = MST_COMP_RATIO_DEFAULT;
  band->settings.attack = MST_COMP_ATTACK_DEFAULT;
  band->settings.release = MST_COMP_RELEASE_DEFAULT;
  band->settings.makeup = 0.0;
  band->settings.bypass = FALSE;
}

/* ---- the element ------------------------------------------------------- */

static void gst_mastercomp_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

#define gst_mastercomp_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMastercomp, gst_mastercomp,
    GST_TYPE_AUDIO_FILTER,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_mastercomp_child_proxy_init);
    GST_DEBUG_CATEGORY_INIT (gst_mastercomp_debug, "mastercomp", 0,
        "mastering compressor"));
GST_ELEMENT_REGISTER_DEFINE (mastercomp, "mastercomp", GST_RANK_NONE,
    GST_TYPE_MASTERCOMP);

static void gst_mastercomp_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mastercomp_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_mastercomp_dispose (GObject * object);
static void gst_mastercomp_finalize (GObject * object);

static gboolean gst_mastercomp_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_mastercomp_stop (GstBaseTransform * trans);
static void gst_mastercomp_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_mastercomp_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_mastercomp_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_mastercomp_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);

static guint
gst_mastercomp_n_children (GstMastercomp * self)
{
  return self->settings.bands > 1 ? self->settings.bands : 0;
}

static GObject *
gst_mastercomp_child_proxy_get_child_by_index (GstChildProxy * proxy,
    guint index)
{
  GstMastercomp *self = GST_MASTERCOMP (proxy);
  GObject *ret = NULL;

  GST_OBJECT_LOCK (self);
  if (index < gst_mastercomp_n_children (self))
    ret = g_object_ref (G_OBJECT (self->band[index]));
  GST_OBJECT_UNLOCK (self);
  return ret;
}

static guint
gst_mastercomp_child_proxy_get_children_count (GstChildProxy * proxy)
{
  GstMastercomp *self = GST_MASTERCOMP (proxy);
  guint n;

  GST_OBJECT_LOCK (self);
  n = gst_mastercomp_n_children (self);
  GST_OBJECT_UNLOCK (self);
  return n;
}

static void
gst_mastercomp_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_index = gst_mastercomp_child_proxy_get_child_by_index;
  iface->get_children_count = gst_mastercomp_child_proxy_get_children_count;
}

static void
gst_mastercomp_class_init (GstMastercompClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = gst_mastercomp_set_property;
  gobject_class->get_property = gst_mastercomp_get_property;
  gobject_class->dispose = gst_mastercomp_dispose;
  gobject_class->finalize = gst_mastercomp_finalize;

  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Level where compression starts, in dBFS (sine peak level; "
          "bands=1 only, see band<n>::threshold)", MST_COMP_THRESHOLD_MIN,
          MST_COMP_THRESHOLD_MAX, MST_COMP_THRESHOLD_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_RATIO,
      g_param_spec_double ("ratio", "Ratio",
          "Input dB over the threshold per output dB, 1 = no compression "
          "(bands=1 only)", MST_COMP_RATIO_MIN, MST_COMP_RATIO_MAX,
          MST_COMP_RATIO_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_KNEE,
      g_param_spec_double ("knee", "Knee",
          "Width of the soft knee around the threshold, in dB (0 = hard "
          "knee; every band)", MST_COMP_KNEE_MIN, MST_COMP_KNEE_MAX,
          MST_COMP_KNEE_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_ATTACK,
      g_param_spec_double ("attack", "Attack",
          "Time for the gain reduction to cover 1 - 1/e of a rising step, "
          "in ms (bands=1 only)", MST_COMP_ATTACK_MIN, MST_COMP_ATTACK_MAX,
          MST_COMP_ATTACK_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Time for the gain reduction to cover 1 - 1/e of a falling step, "
          "in ms (bands=1 only)", MST_COMP_RELEASE_MIN, MST_COMP_RELEASE_MAX,
          MST_COMP_RELEASE_DEFAULT, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_AUTO_RELEASE,
      g_param_spec_boolean ("auto-release", "Auto release",
          "Program-dependent release: release/3 after short peaks, up to "
          "3x release after sustained compression (every band)", FALSE,
          PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAKEUP,
      g_param_spec_double ("makeup", "Makeup",
          "Gain after compression, in dB (bands>1: output gain on top of "
          "the bands' makeup)", MST_COMP_MAKEUP_MIN, MST_COMP_MAKEUP_MAX,
          0.0, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_AUTO_MAKEUP,
      g_param_spec_boolean ("auto-makeup", "Auto makeup",
          "Add the curve's gain reduction at 0 dBFS to the makeup, so a "
          "full-scale level keeps its level (every band)", FALSE, PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIX,
      g_param_spec_double ("mix", "Mix",
          "Share of the compressed signal: 0 = input untouched, 1 = fully "
          "compressed (parallel compression in between)", 0.0, 1.0, 1.0,
          CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Detector",
          "Level detector (both read a sine's peak level)",
          GST_TYPE_MASTERCOMP_DETECTOR, DEFAULT_DETECTOR, PLAYING));
  g_object_class_install_property (gobject_class, PROP_SIDECHAIN_HPF,
      g_param_spec_double ("sidechain-hpf", "Sidechain high-pass",
          "Cut-off of a 12 dB/octave high-pass in the detector path, in Hz "
          "(0 = off; 60-150 Hz keeps the bass from pumping the mix)", 0.0,
          MST_COMP_HPF_MAX, 0.0, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_LINK,
      g_param_spec_double ("link", "Link",
          "Channel link: 1 = one gain for all channels (from the loudest), "
          "0 = every channel on its own", 0.0, 1.0, 1.0, CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "Delay of the audio against the detector, in ms (reported as "
          "latency)", 0.0, MST_COMP_LOOKAHEAD_MAX, 0.0, READY));
  g_object_class_install_property (gobject_class, PROP_BANDS,
      g_param_spec_uint ("bands", "Bands",
          "Number of bands (1 = broadband; 2-4: split by Linkwitz-Riley "
          "crossovers, each band a child band<n>)", 1, MST_COMP_BANDS_MAX,
          1, READY));
  g_object_class_install_property (gobject_class, PROP_CROSSOVER_LOW,
      g_param_spec_double ("crossover-low", "Low crossover",
          "Crossover between bands 0 and 1, in Hz (bands>=2)",
          MST_COMP_XOVER_MIN, MST_COMP_XOVER_MAX, MST_COMP_XOVER_LOW_DEFAULT,
          PLAYING));
  g_object_class_install_property (gobject_class, PROP_CROSSOVER_MID,
      g_param_spec_double ("crossover-mid", "Mid crossover",
          "Crossover between bands 1 and 2, in Hz (bands>=3)",
          MST_COMP_XOVER_MIN, MST_COMP_XOVER_MAX, MST_COMP_XOVER_MID_DEFAULT,
          PLAYING));
  g_object_class_install_property (gobject_class, PROP_CROSSOVER_HIGH,
      g_param_spec_double ("crossover-high", "High crossover",
          "Crossover between bands 2 and 3, in Hz (bands=4)",
          MST_COMP_XOVER_MIN, MST_COMP_XOVER_MAX,
          MST_COMP_XOVER_HIGH_DEFAULT, PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'mastercomp' element message with the gain reduction "
          "every interval", TRUE, PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Stream time between two messages, in nanoseconds (counted in "
          "samples)", MIN_INTERVAL, G_MAXINT64, DEFAULT_INTERVAL, PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Mastering compressor", "Filter/Effect/Audio",
      "Broadband or multiband (Linkwitz-Riley) compressor with soft knee, "
      "RMS or peak detection, sidechain filter, lookahead and parallel mix",
      "gst-mastering developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_mastercomp_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mastercomp_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_mastercomp_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_mastercomp_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_mastercomp_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_mastercomp_query);
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTERCOMP_DETECTOR, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTERCOMP_BAND, 0);
}

static void
gst_mastercomp_init (GstMastercomp * self)
{
  GstMastercompSettings *s = &self->settings;
  guint i;

  s->threshold = MST_COMP_THRESHOLD_DEFAULT;
  s->ratio = MST_COMP_RATIO_DEFAULT;
  s->knee = MST_COMP_KNEE_DEFAULT;
  s->attack = MST_COMP_ATTACK_DEFAULT;
  s->release = MST_COMP_RELEASE_DEFAULT;
  s->makeup = 0.0;
  s->mix = 1.0;
  s->auto_release = FALSE;
  s->auto_makeup = FALSE;
  s->detector = DEFAULT_DETECTOR;
  s->sidechain_hpf = 0.0;
  s->link = 1.0;
  s->lookahead = 0.0;
  s->bands = 1;
  s->xover[0] = MST_COMP_XOVER_LOW_DEFAULT;
  s->xover[1] = MST_COMP_XOVER_MID_DEFAULT;
  s->xover[2] = MST_COMP_XOVER_HIGH_DEFAULT;
  s->post_messages = TRUE;
  s->interval = DEFAULT_INTERVAL;

  for (i = 0; i < MST_COMP_BANDS_MAX; i++) {
    gchar *name = g_strdup_printf ("band%u", i);

    self->band[i] = g_object_new (GST_TYPE_MASTERCOMP_BAND, "name", name, NULL);
    gst_object_ref_sink (self->band[i]);
    gst_object_set_parent (GST_OBJECT (self->band[i]), GST_OBJECT (self));
    g_free (name);
  }

  self->cur = self->settings;
  self->comp = NULL;
  self->ts_base = GST_CLOCK_TIME_NONE;

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_mastercomp_dispose (GObject * object)
{
  GstMastercomp *self = GST_MASTERCOMP (object);
  guint i;

  for (i = 0; i < MST_COMP_BANDS_MAX; i++) {
    if (self->band[i]) {
      gst_object_unparent (GST_OBJECT (self->band[i]));
      gst_object_unref (self->band[i]);
      self->band[i] = NULL;
    }
  }
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_mastercomp_finalize (GObject * object)
{
  GstMastercomp *self = GST_MASTERCOMP (object);

  mst_compressor_free (self->comp);
  self->comp = NULL;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_mastercomp_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMastercomp *self = GST_MASTERCOMP (object);
  guint old_n = 0, new_n = 0, i;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      self->settings.threshold = g_value_get_double (value);
      break;
    case PROP_RATIO:
      self->settings.ratio = g_value_get_double (value);
      break;
    case PROP_KNEE:
      self->settings.knee = g_value_get_double (value);
      break;
    case PROP_ATTACK:
      self->settings.attack = g_value_get_double (value);
      break;
    case PROP_RELEASE:
      self->settings.release = g_value_get_double (value);
      break;
    case PROP_AUTO_RELEASE:
      self->settings.auto_release = g_value_get_boolean (value);
      break;
    case PROP_MAKEUP:
      self->settings.makeup = g_value_get_double (value);
      break;
    case PROP_AUTO_MAKEUP:
      self->settings.auto_makeup = g_value_get_boolean (value);
      break;
    case PROP_MIX:
      self->settings.mix = g_value_get_double (value);
      break;
    case PROP_DETECTOR:
      self->settings.detector = g_value_get_enum (value);
      break;
    case PROP_SIDECHAIN_HPF:
      self->settings.sidechain_hpf = g_value_get_double (value);
      break;
    case PROP_LINK:
      self->settings.link = g_value_get_double (value);
      break;
    case PROP_LOOKAHEAD:
      self->settings.lookahead = g_value_get_double (value);
      break;
    case PROP_BANDS:
      old_n = gst_mastercomp_n_children (self);
      self->settings.bands = g_value_get_uint (value);
      new_n = gst_mastercomp_n_children (self);
      break;
    case PROP_CROSSOVER_LOW:
      self->settings.xover[0] = g_value_get_double (value);
      break;
    case PROP_CROSSOVER_MID:
      self->settings.xover[1] = g_value_get_double (value);
      break;
    case PROP_CROSSOVER_HIGH:
      self->settings.xover[2] = g_value_get_double (value);
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

  /* tell GstChildProxy users about the bands that came or went */
  for (i = new_n; i < old_n; i++)
    gst_child_proxy_child_removed (GST_CHILD_PROXY (self),
        G_OBJECT (self->band[i]), GST_OBJECT_NAME (self->band[i]));
  for (i = old_n; i < new_n; i++)
    gst_child_proxy_child_added (GST_CHILD_PROXY (self),
        G_OBJECT (self->band[i]), GST_OBJECT_NAME (self->band[i]));
}

static void
gst_mastercomp_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMastercomp *self = GST_MASTERCOMP (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_double (value, self->settings.threshold);
      break;
    case PROP_RATIO:
      g_value_set_double (value, self->settings.ratio);
      break;
    case PROP_KNEE:
      g_value_set_double (value, self->settings.knee);
      break;
    case PROP_ATTACK:
      g_value_set_double (value, self->settings.attack);
      break;
    case PROP_RELEASE:
      g_value_set_double (value, self->settings.release);
      break;
    case PROP_AUTO_RELEASE:
      g_value_set_boolean (value, self->settings.auto_release);
      break;
    case PROP_MAKEUP:
      g_value_set_double (value, self->settings.makeup);
      break;
    case PROP_AUTO_MAKEUP:
      g_value_set_boolean (value, self->settings.auto_makeup);
      break;
    case PROP_MIX:
      g_value_set_double (value, self->settings.mix);
      break;
    case PROP_DETECTOR:
      g_value_set_enum (value, self->settings.detector);
      break;
    case PROP_SIDECHAIN_HPF:
      g_value_set_double (value, self->settings.sidechain_hpf);
      break;
    case PROP_LINK:
      g_value_set_double (value, self->settings.link);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->settings.lookahead);
      break;
    case PROP_BANDS:
      g_value_set_uint (value, self->settings.bands);
      break;
    case PROP_CROSSOVER_LOW:
      g_value_set_double (value, self->settings.xover[0]);
      break;
    case PROP_CROSSOVER_MID:
      g_value_set_double (value, self->settings.xover[1]);
      break;
    case PROP_CROSSOVER_HIGH:
      g_value_set_double (value, self->settings.xover[2]);
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

/* ---- streaming --------------------------------------------------------- */

/* Copy the settings (element and bands) once. */
static void
gst_mastercomp_read_settings (GstMastercomp * self,
    GstMastercompSettings * s, GstMastercompBandSettings * bs)
{
  guint i;

  GST_OBJECT_LOCK (self);
  *s = self->settings;
  GST_OBJECT_UNLOCK (self);
  for (i = 0; i < MST_COMP_BANDS_MAX; i++) {
    GST_OBJECT_LOCK (self->band[i]);
    bs[i] = self->band[i]->settings;
    GST_OBJECT_UNLOCK (self->band[i]);
  }
}

/* Hand the settings to the compressor; only what changed unless force. */
static void
gst_mastercomp_apply (GstMastercomp * self, const GstMastercompSettings * s,
    const GstMastercompBandSettings * bs, gboolean force)
{
  MstCompressor *c = self->comp;
  GstMastercompSettings *o = &self->cur;
  guint nb = mst_compressor_bands (c), i;

#define CHANGED(f) (force || s->f != o->f)
  if (CHANGED (knee))
    mst_compressor_set_knee (c, s->knee);
  if (CHANGED (detector))
    mst_compressor_set_detector (c, (MstCompDetector) s->detector);
  if (CHANGED (sidechain_hpf))
    mst_compressor_set_sidechain_hpf (c, s->sidechain_hpf);
  if (CHANGED (link))
    mst_compressor_set_link (c, s->link);
  if (CHANGED (auto_release))
    mst_compressor_set_auto_release (c, s->auto_release);
  if (CHANGED (auto_makeup))
    mst_compressor_set_auto_makeup (c, s->auto_makeup);
  if (CHANGED (mix))
    mst_compressor_set_mix (c, s->mix);
  for (i = 0; i < 3; i++)
    if (force || s->xover[i] != o->xover[i])
      mst_compressor_set_crossover (c, i, s->xover[i]);

  if (nb == 1) {
    /* broadband: the element's own controls drive band 0 */
    if (CHANGED (threshold))
      mst_compressor_set_threshold (c, 0, s->threshold);
    if (CHANGED (ratio))
      mst_compressor_set_ratio (c, 0, s->ratio);
    if (CHANGED (attack))
      mst_compressor_set_attack (c, 0, s->attack);
    if (CHANGED (release))
      mst_compressor_set_release (c, 0, s->release);
    if (CHANGED (makeup))
      mst_compressor_set_makeup (c, 0, s->makeup);
  } else {
    if (CHANGED (makeup))
      mst_compressor_set_output_gain (c, s->makeup);
    for (i = 0; i < nb; i++) {
      const GstMastercompBandSettings *n = &bs[i], *p = &self->cur_band[i];

      if (force || n->threshold != p->threshold)
        mst_compressor_set_threshold (c, i, n->threshold);
      if (force || n->ratio != p->ratio)
        mst_compressor_set_ratio (c, i, n->ratio);
      if (force || n->attack != p->attack)
        mst_compressor_set_attack (c, i, n->attack);
      if (force || n->release != p->release)
        mst_compressor_set_release (c, i, n->release);
      if (force || n->makeup != p->makeup)
        mst_compressor_set_makeup (c, i, n->makeup);
      if (force || n->bypass != p->bypass)
        mst_compressor_set_bypass (c, i, n->bypass);
    }
  }
#undef CHANGED

  /* bands and lookahead stay those the compressor was made with */
  {
    guint bands = o->bands;
    gdouble lookahead = o->lookahead;

    *o = *s;
    if (!force) {
      o->bands = bands;
      o->lookahead = lookahead;
    }
  }
  memcpy (self->cur_band, bs, sizeof (self->cur_band));
  self->interval_frames = MAX (1, gst_util_uint64_scale_round (s->interval,
          self->rate, GST_SECOND));
}

/* Forget the stream position: next data starts a fresh timeline. */
static void
gst_mastercomp_reset_stream (GstMastercomp * self)
{
  guint i;

  if (self->comp)
    mst_compressor_reset (self->comp);
  self->skip = self->latency;
  self->ts_base = GST_CLOCK_TIME_NONE;
  self->frames_in = self->frames_out = 0;
  self->num_frames = 0;
  self->msg_start = 0;
  for (i = 0; i < MST_COMP_BANDS_MAX; i++)
    self->gr[i] = 0.0;
}

static GstClockTime
gst_mastercomp_frames_to_time (GstMastercomp * self, guint64 frames)
{
  return gst_util_uint64_scale_int_round (frames, GST_SECOND, self->rate);
}

/* Drain the delay line: push the last `latency` frames (the delayed tail
 * of the input), minus what must still be skipped. */
static GstFlowReturn
gst_mastercomp_drain (GstMastercomp * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstBuffer *buf;
  GstMapInfo map;
  guint64 drop, n;

  if (!self->comp || self->latency == 0
      || !GST_CLOCK_TIME_IS_VALID (self->ts_base))
    return GST_FLOW_OK;

  drop = MIN (self->skip, self->latency);
  n = self->latency - drop;
  if (n == 0)
    return GST_FLOW_OK;

  buf = gst_buffer_new_allocate (NULL, self->latency * self->bpf, NULL);
  gst_buffer_map (buf, &map, GST_MAP_READWRITE);
  memset (map.data, 0, map.size);
  if (self->is_f64)
    mst_compressor_process_f64 (self->comp, (const gdouble *) map.data,
        (gdouble *) map.data, self->latency);
  else
    mst_compressor_process_f32 (self->comp, (const gfloat *) map.data,
        (gfloat *) map.data, self->latency);
  gst_buffer_unmap (buf, &map);
  if (drop)
    gst_buffer_resize (buf, drop * self->bpf, -1);

  GST_BUFFER_PTS (buf) = self->ts_base +
      gst_mastercomp_frames_to_time (self, self->frames_out);
  GST_BUFFER_DURATION (buf) = self->ts_base +
      gst_mastercomp_frames_to_time (self, self->frames_out + n) -
      GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  self->frames_out += n;
  self->skip = 0;
  /* the tail is pushed once */
  self->ts_base = GST_CLOCK_TIME_NONE;

  GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " frames", n);
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), buf);
}

static gboolean
gst_mastercomp_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMastercomp *self = GST_MASTERCOMP (filter);
  GstMastercompSettings s;
  GstMastercompBandSettings bs[MST_COMP_BANDS_MAX];
  MstCompressor *c;
  guint old_latency = self->latency;

  /* the old format's tail goes out before the format changes */
  if (self->comp)
    gst_mastercomp_drain (self);

  gst_mastercomp_read_settings (self, &s, bs);
  c = mst_compressor_new (GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_RATE (info), s.bands, s.lookahead);
  if (!c) {
    GST_ERROR_OBJECT (self, "cannot create the compressor");
    return FALSE;
  }
  mst_compressor_free (self->comp);
  self->comp = c;
  self->channels = GST_AUDIO_INFO_CHANNELS (info);
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->bpf = GST_AUDIO_INFO_BPF (info);
  self->is_f64 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64;
  self->latency = mst_compressor_latency (c);
  gst_mastercomp_apply (self, &s, bs, TRUE);
  gst_mastercomp_reset_stream (self);

  GST_INFO_OBJECT (self, "%u channels at %u Hz, %u band(s), latency %u "
      "frames", self->channels, self->rate, s.bands, self->latency);
  if (old_latency != self->latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_mastercomp_stop (GstBaseTransform * trans)
{
  GstMastercomp *self = GST_MASTERCOMP (trans);

  mst_compressor_free (self->comp);
  self->comp = NULL;
  self->latency = 0;
  self->ts_base = GST_CLOCK_TIME_NONE;
  self->nonfinite_warned = FALSE;
  return TRUE;
}

static void
gst_mastercomp_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMastercomp *self = GST_MASTERCOMP (trans);
  GstMastercompSettings s;
  GstMastercompBandSettings bs[MST_COMP_BANDS_MAX];
  GstClockTime ts = GST_BUFFER_PTS (buf);
  guint i;

  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime st = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);

    if (GST_CLOCK_TIME_IS_VALID (st)) {
      gst_object_sync_values (GST_OBJECT (self), st);
      for (i = 0; i < MST_COMP_BANDS_MAX; i++)
        gst_object_sync_values (GST_OBJECT (self->band[i]), st);
    }
  }

  if (!self->comp)
    return;
  gst_mastercomp_read_settings (self, &s, bs);
  gst_mastercomp_apply (self, &s, bs, FALSE);
}

static GstMessage *
gst_mastercomp_message_new (GstMastercomp * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts, dur, running_time, stream_time;
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  guint i, nb = mst_compressor_bands (self->comp);

  ts = self->ts_base + gst_mastercomp_frames_to_time (self, self->msg_start);
  dur = self->ts_base + gst_mastercomp_frames_to_time (self,
      self->msg_start + self->num_frames) - ts;
  running_time = gst_segment_to_running_time (&trans->segment,
      GST_FORMAT_TIME, ts);
  stream_time = gst_segment_to_stream_time (&trans->segment,
      GST_FORMAT_TIME, ts);

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_DOUBLE);
  for (i = 0; i < nb; i++) {
    g_value_set_double (&v, self->gr[i]);
    gst_value_array_append_value (&arr, &v);
  }
  g_value_unset (&v);

  s = gst_structure_new ("mastercomp",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, stream_time,
      "running-time", G_TYPE_UINT64, running_time,
      "duration", G_TYPE_UINT64, dur, NULL);
  gst_structure_take_value (s, "gain-reduction", &arr);
  return gst_message_new_element (GST_OBJECT (self), s);
}

/* Collect the gain reduction of frames just processed; post a message
 * every interval. */
static void
gst_mastercomp_meter (GstMastercomp * self, guint64 frames)
{
  guint i, nb = mst_compressor_bands (self->comp);

  for (i = 0; i < nb; i++) {
    gdouble g = mst_compressor_take_gain_reduction (self->comp, i);

    self->gr[i] = MAX (self->gr[i], g);
  }
  self->num_frames += frames;
  if (self->num_frames < self->interval_frames)
    return;

  if (self->cur.post_messages)
    gst_element_post_message (GST_ELEMENT (self),
        gst_mastercomp_message_new (self));
  self->msg_start += self->num_frames;
  self->num_frames = 0;
  for (i = 0; i < MST_COMP_BANDS_MAX; i++)
    self->gr[i] = 0.0;
}

static GstFlowReturn
gst_mastercomp_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMastercomp *self = GST_MASTERCOMP (trans);
  GstMapInfo map;
  guint64 frames, drop = 0, bad, done, n;

  if (G_UNLIKELY (!self->comp))
    return GST_FLOW_NOT_NEGOTIATED;

  if (!GST_CLOCK_TIME_IS_VALID (self->ts_base)
      || GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
    GstClockTime pts = GST_BUFFER_PTS (buf);

    if (!GST_CLOCK_TIME_IS_VALID (pts))
      pts = 0;
    if (GST_CLOCK_TIME_IS_VALID (self->ts_base)) {
      /* a discontinuity mid-stream: output continues `latency` frames
       * behind the input */
      guint64 behind = self->latency - MIN (self->skip, self->latency);
      GstClockTime lag = gst_mastercomp_frames_to_time (self, behind);

      self->ts_base = pts > lag ? pts - lag : 0;
      self->frames_out = 0;
      self->frames_in = behind;
    } else {
      self->ts_base = pts;
      self->frames_in = self->frames_out = 0;
    }
    self->msg_start = self->frames_in;
    self->num_frames = 0;
  }

  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  frames = map.size / self->bpf;
  /* in pieces that end on message interval boundaries, so messages come
   * exactly every interval */
  for (done = 0; done < frames; done += n) {
    guint8 *p = map.data + done * self->bpf;

    n = self->interval_frames > self->num_frames ?
        self->interval_frames - self->num_frames : 1;
    n = MIN (n, frames - done);
    if (self->is_f64)
      mst_compressor_process_f64 (self->comp, (const gdouble *) p,
          (gdouble *) p, n);
    else
      mst_compressor_process_f32 (self->comp, (const gfloat *) p,
          (gfloat *) p, n);
    gst_mastercomp_meter (self, n);
  }
  gst_buffer_unmap (buf, &map);

  bad = mst_compressor_take_nonfinite (self->comp);
  if (G_UNLIKELY (bad)) {
    GST_WARNING_OBJECT (self, "%" G_GUINT64_FORMAT " Inf/NaN input samples "
        "replaced by 0", bad);
    if (!self->nonfinite_warned) {
      self->nonfinite_warned = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
          ("input contains Inf or NaN samples; they are replaced by 0"));
    }
  }
  self->frames_in += frames;

  if (self->latency == 0)
    return GST_FLOW_OK;

  /* the delay line's initial silence is not part of the stream */
  if (self->skip) {
    drop = MIN (self->skip, frames);
    self->skip -= drop;
    if (drop == frames)
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    gst_buffer_resize (buf, drop * self->bpf, -1);
    frames -= drop;
  }
  GST_BUFFER_PTS (buf) = self->ts_base +
      gst_mastercomp_frames_to_time (self, self->frames_out);
  GST_BUFFER_DURATION (buf) = self->ts_base +
      gst_mastercomp_frames_to_time (self, self->frames_out + frames) -
      GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  self->frames_out += frames;
  return GST_FLOW_OK;
}

static gboolean
gst_mastercomp_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMastercomp *self = GST_MASTERCOMP (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      gst_mastercomp_drain (self);
      break;
    case GST_EVENT_SEGMENT_DONE:
      /* the end of a segment seek's segment: the lookahead's tail goes out
       * before the event (a sink would clip it from the next segment), and
       * the next segment starts with an empty delay line; without
       * lookahead the stream simply goes on */
      if (self->latency > 0) {
        gst_mastercomp_drain (self);
        gst_mastercomp_reset_stream (self);
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_mastercomp_reset_stream (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_mastercomp_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMastercomp *self = GST_MASTERCOMP (trans);
  gboolean res;

  res = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
  if (res && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY
      && direction == GST_PAD_SRC && self->rate > 0) {
    gboolean live;
    GstClockTime min, max, lat;

    gst_query_parse_latency (query, &live, &min, &max);
    lat = gst_mastercomp_frames_to_time (self, self->latency);
    min += lat;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += lat;
    GST_DEBUG_OBJECT (self, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS (lat));
    gst_query_set_latency (query, live, min, max);
  }
  return res;
}
