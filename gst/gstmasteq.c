/* gst-mastering: masteq, a mastering equaliser with stereo and mid/side
 * bands.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-masteq
 * @title: masteq
 *
 * A parametric equaliser for mastering: up to 16 bands in series, each a
 * peak, low or high shelf, high- or low-pass (Butterworth, 6 to 48 dB per
 * octave) or tilt, applied to all channels, to the mid or side signal of
 * channels 0 and 1, or to the left or right channel only.
 *
 * Bands are child objects `band0` .. `band15` (#GstChildProxy); the first
 * #GstMasteq:num-bands of them are active.  Every band property is
 * controllable and can change while playing: parameters glide (frequency
 * and q in log, gain in dB, about 20 ms) with the filters redesigned every
 * few samples, so sweeps never zipper or click.
 *
 * The filters follow their analogue prototypes up to 0.45 times the sample
 * rate at every rate (no bilinear cramping near Nyquist); docs/masteq.md
 * lists the prototypes and the measured accuracy.  Processing runs in
 * double precision.
 *
 * With no active band, every gain band at 0 dB or bypassed, no cut filter
 * and 0 dB output gain, the element is in passthrough: the audio is bit for
 * bit the input.  #GstMasteq:auto-gain compensates the loudness change of
 * the curve for fair A/B comparisons.
 *
 * Presets (#GstPreset): `warm`, `bright`, `air`, `low-cut` and
 * `vocal-presence` are shipped; gst_preset_save_preset () stores your own.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=song.flac ! decodebin ! audioconvert ! masteq num-bands=3 band0::type=high-pass band0::freq=25 band0::order=4 band1::type=low-shelf band1::freq=90 band1::gain=1.5 band2::type=high-shelf band2::freq=12000 band2::gain=2 ! audioconvert ! autoaudiosink
 * ]| A typical mastering curve: a 24 dB/octave subsonic filter, a little
 * low-end weight and air.
 * |[
 * gst-launch-1.0 audiotestsrc wave=pink-noise ! audio/x-raw,format=F32LE,channels=2 ! masteq num-bands=1 band0::type=peak band0::freq=3000 band0::gain=-2 band0::q=1.5 band0::channels=side auto-gain=true ! autoaudiosink
 * ]| A side-only presence cut, loudness compensated.
 */

#include "gstmasteq.h"

#include <math.h>
#include <string.h>
#include <gst/controller/controller.h>

GST_DEBUG_CATEGORY_STATIC (gst_masteq_debug);
#define GST_CAT_DEFAULT gst_masteq_debug

#define DEFAULT_NUM_BANDS 0
#define DEFAULT_OUTPUT_GAIN 0.0
#define DEFAULT_AUTO_GAIN FALSE

enum
{
  PROP_0,
  PROP_NUM_BANDS,
  PROP_OUTPUT_GAIN,
  PROP_AUTO_GAIN,
  PROP_AUTO_GAIN_DB,
};

enum
{
  BAND_PROP_0,
  BAND_PROP_TYPE,
  BAND_PROP_FREQ,
  BAND_PROP_GAIN,
  BAND_PROP_Q,
  BAND_PROP_ORDER,
  BAND_PROP_CHANNELS,
  BAND_PROP_BYPASS,
};

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

GType
gst_masteq_band_type_get_type (void)
{
  static GType t = 0;
  static const GEnumValue values[] = {
    {MST_EQ_PEAK, "Peak (bell): gain at freq, q sets the width", "peak"},
    {MST_EQ_LOW_SHELF, "Low shelf: gain below freq", "low-shelf"},
    {MST_EQ_HIGH_SHELF, "High shelf: gain above freq", "high-shelf"},
    {MST_EQ_HIGH_PASS, "High-pass (Butterworth, order 1-8)", "high-pass"},
    {MST_EQ_LOW_PASS, "Low-pass (Butterworth, order 1-8)", "low-pass"},
    {MST_EQ_TILT, "Tilt around freq: gain = high minus low extreme", "tilt"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&t)) {
    GType tmp = g_enum_register_static ("GstMasteqBandType", values);
    g_once_init_leave (&t, tmp);
  }
  return t;
}

GType
gst_masteq_channels_get_type (void)
{
  static GType t = 0;
  static const GEnumValue values[] = {
    {MST_EQ_STEREO, "All channels", "stereo"},
    {MST_EQ_MID, "Mid (L + R) / 2 of channels 0 and 1", "mid"},
    {MST_EQ_SIDE, "Side (L - R) / 2 of channels 0 and 1", "side"},
    {MST_EQ_LEFT, "Channel 0 only", "left"},
    {MST_EQ_RIGHT, "Channel 1 only", "right"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&t)) {
    GType tmp = g_enum_register_static ("GstMasteqChannels", values);
    g_once_init_leave (&t, tmp);
  }
  return t;
}

/* ---- band child object ------------------------------------------------- */

G_DEFINE_TYPE (GstMasteqBand, gst_masteq_band, GST_TYPE_OBJECT);

static void
gst_masteq_band_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasteqBand *band = GST_MASTEQ_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_TYPE:
      band->set.type = g_value_get_enum (value);
      break;
    case BAND_PROP_FREQ:
      band->set.freq = g_value_get_double (value);
      break;
    case BAND_PROP_GAIN:
      band->set.gain_db = g_value_get_double (value);
      break;
    case BAND_PROP_Q:
      band->set.q = g_value_get_double (value);
      break;
    case BAND_PROP_ORDER:
      band->set.order = g_value_get_uint (value);
      break;
    case BAND_PROP_CHANNELS:
      band->set.channels = g_value_get_enum (value);
      break;
    case BAND_PROP_BYPASS:
      band->set.bypass = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_masteq_band_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasteqBand *band = GST_MASTEQ_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_TYPE:
      g_value_set_enum (value, band->set.type);
      break;
    case BAND_PROP_FREQ:
      g_value_set_double (value, band->set.freq);
      break;
    case BAND_PROP_GAIN:
      g_value_set_double (value, band->set.gain_db);
      break;
    case BAND_PROP_Q:
      g_value_set_double (value, band->set.q);
      break;
    case BAND_PROP_ORDER:
      g_value_set_uint (value, band->set.order);
      break;
    case BAND_PROP_CHANNELS:
      g_value_set_enum (value, band->set.channels);
      break;
    case BAND_PROP_BYPASS:
      g_value_set_boolean (value, band->set.bypass);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_masteq_band_class_init (GstMasteqBandClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_masteq_band_set_property;
  gobject_class->get_property = gst_masteq_band_get_property;

  g_object_class_install_property (gobject_class, BAND_PROP_TYPE,
      g_param_spec_enum ("type", "Type", "Filter type of the band",
          GST_TYPE_MASTEQ_BAND_TYPE, MST_EQ_PEAK,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_FREQ,
      g_param_spec_double ("freq", "Frequency",
          "Centre, shelf, corner or pivot frequency in Hz",
          MST_EQ_FREQ_MIN, MST_EQ_FREQ_MAX, 1000.0,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_GAIN,
      g_param_spec_double ("gain", "Gain",
          "Gain in dB (peak, shelves; tilt: high minus low extreme; unused "
          "by the cut filters)", MST_EQ_GAIN_MIN, MST_EQ_GAIN_MAX, 0.0,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_Q,
      g_param_spec_double ("q", "Q",
          "Quality factor: width of a peak, slope of a shelf, resonance of "
          "a cut filter's corner (0.7071 = Butterworth); unused by tilt",
          MST_EQ_Q_MIN, MST_EQ_Q_MAX, M_SQRT1_2,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_ORDER,
      g_param_spec_uint ("order", "Order",
          "Order of a high- or low-pass band: 1..8 = 6..48 dB per octave",
          1, MST_EQ_MAX_ORDER, 2, flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_CHANNELS,
      g_param_spec_enum ("channels", "Channels",
          "Signal the band filters: all channels, mid or side of channels "
          "0 and 1, channel 0 or channel 1", GST_TYPE_MASTEQ_CHANNELS,
          MST_EQ_STEREO, flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, BAND_PROP_BYPASS,
      g_param_spec_boolean ("bypass", "Bypass",
          "Switch the band off (it fades out)", FALSE,
          flags | GST_PARAM_CONTROLLABLE));
}

static void
gst_masteq_band_init (GstMasteqBand * band)
{
  mst_eq_band_init (&band->set);
}

/* ---- element ------------------------------------------------------------ */

static void gst_masteq_child_proxy_init (gpointer g_iface, gpointer iface_data);

#define gst_masteq_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMasteq, gst_masteq, GST_TYPE_AUDIO_FILTER,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gst_masteq_child_proxy_init)
    G_IMPLEMENT_INTERFACE (GST_TYPE_PRESET, NULL)
    GST_DEBUG_CATEGORY_INIT (gst_masteq_debug, "masteq", 0,
        "mastering equaliser"));
GST_ELEMENT_REGISTER_DEFINE (masteq, "masteq", GST_RANK_NONE, GST_TYPE_MASTEQ);

static void gst_masteq_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_masteq_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_masteq_dispose (GObject * object);
static void gst_masteq_finalize (GObject * object);
static gboolean gst_masteq_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_masteq_stop (GstBaseTransform * trans);
static void gst_masteq_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_masteq_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_masteq_sink_event (GstBaseTransform * trans,
    GstEvent * event);

/* GstChildProxy: all MST_EQ_MAX_BANDS bands are always children, so that
 * presets and launch lines can set any band before num-bands. */
static GObject *
gst_masteq_child_proxy_get_child_by_index (GstChildProxy * proxy, guint index)
{
  GstMasteq *self = GST_MASTEQ (proxy);

  if (index >= MST_EQ_MAX_BANDS)
    return NULL;
  return g_object_ref (G_OBJECT (self->bands[index]));
}

static guint
gst_masteq_child_proxy_get_children_count (GstChildProxy * proxy)
{
  return MST_EQ_MAX_BANDS;
}

static void
gst_masteq_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_index = gst_masteq_child_proxy_get_child_by_index;
  iface->get_children_count = gst_masteq_child_proxy_get_children_count;
}

static void
gst_masteq_class_init (GstMasteqClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = gst_masteq_set_property;
  gobject_class->get_property = gst_masteq_get_property;
  gobject_class->dispose = gst_masteq_dispose;
  gobject_class->finalize = gst_masteq_finalize;

  /**
   * GstMasteq:num-bands:
   *
   * Number of active bands (band0 .. band(num-bands - 1)); 0 is
   * passthrough.  Bands beyond it fade out.
   */
  g_object_class_install_property (gobject_class, PROP_NUM_BANDS,
      g_param_spec_uint ("num-bands", "Number of bands",
          "Number of active bands, band0 first (0: passthrough)", 0,
          MST_EQ_MAX_BANDS, DEFAULT_NUM_BANDS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstMasteq:output-gain:
   *
   * Gain after the bands, in dB (glides).
   */
  g_object_class_install_property (gobject_class, PROP_OUTPUT_GAIN,
      g_param_spec_double ("output-gain", "Output gain",
          "Gain after the bands, in dB", -24.0, 24.0, DEFAULT_OUTPUT_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstMasteq:auto-gain:
   *
   * Compensate the loudness change of the EQ curve: the K-weighted
   * (BS.1770) power gain of the curve on a pink spectrum, computed from the
   * filters' responses (no signal measurement, so it never pumps).
   */
  g_object_class_install_property (gobject_class, PROP_AUTO_GAIN,
      g_param_spec_boolean ("auto-gain", "Auto gain",
          "Compensate the loudness change of the EQ curve (K-weighted power "
          "on a pink spectrum) for fair A/B comparisons", DEFAULT_AUTO_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstMasteq:auto-gain-db:
   *
   * Gain the auto-gain option applies now, in dB (0 when disabled).
   */
  g_object_class_install_property (gobject_class, PROP_AUTO_GAIN_DB,
      g_param_spec_double ("auto-gain-db", "Auto gain applied",
          "Gain auto-gain applies now, in dB (0 when disabled)", -100.0,
          100.0, 0.0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "Mastering equaliser", "Filter/Effect/Audio",
      "Parametric EQ with peak, shelf, cut and tilt bands on stereo, mid, "
      "side, left or right, gliding parameter changes",
      "gst-mastering developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_masteq_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_masteq_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_masteq_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_masteq_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_masteq_sink_event);
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTEQ_BAND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTEQ_BAND_TYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTEQ_CHANNELS, 0);
}

static void
gst_masteq_init (GstMasteq * self)
{
  guint i;

  self->num_bands = DEFAULT_NUM_BANDS;
  self->output_gain = DEFAULT_OUTPUT_GAIN;
  self->auto_gain = DEFAULT_AUTO_GAIN;
  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    gchar *name = g_strdup_printf ("band%u", i);
    self->bands[i] = g_object_new (GST_TYPE_MASTEQ_BAND, "name", name, NULL);
    g_free (name);
    gst_object_set_parent (GST_OBJECT (self->bands[i]), GST_OBJECT (self));
  }
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_masteq_dispose (GObject * object)
{
  GstMasteq *self = GST_MASTEQ (object);
  guint i;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    if (self->bands[i]) {
      gst_object_unparent (GST_OBJECT (self->bands[i]));
      self->bands[i] = NULL;
    }
  }
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_masteq_finalize (GObject * object)
{
  GstMasteq *self = GST_MASTEQ (object);

  g_clear_pointer (&self->eq, mst_eq_free);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_masteq_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasteq *self = GST_MASTEQ (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NUM_BANDS:
      self->num_bands = g_value_get_uint (value);
      break;
    case PROP_OUTPUT_GAIN:
      self->output_gain = g_value_get_double (value);
      break;
    case PROP_AUTO_GAIN:
      self->auto_gain = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  /* leave passthrough at once; before_transform settles it again */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_masteq_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMasteq *self = GST_MASTEQ (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NUM_BANDS:
      g_value_set_uint (value, self->num_bands);
      break;
    case PROP_OUTPUT_GAIN:
      g_value_set_double (value, self->output_gain);
      break;
    case PROP_AUTO_GAIN:
      g_value_set_boolean (value, self->auto_gain);
      break;
    case PROP_AUTO_GAIN_DB:
      g_value_set_double (value, self->auto_gain_db);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Copy the settings into the processor (streaming thread). */
static void
gst_masteq_push_settings (GstMasteq * self)
{
  MstEqBand bands[MST_EQ_MAX_BANDS];
  guint i, n;
  gdouble gain;
  gboolean auto_gain;

  GST_OBJECT_LOCK (self);
  n = self->num_bands;
  gain = self->output_gain;
  auto_gain = self->auto_gain;
  GST_OBJECT_UNLOCK (self);
  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    GstMasteqBand *b = self->bands[i];
    GST_OBJECT_LOCK (b);
    bands[i] = b->set;
    GST_OBJECT_UNLOCK (b);
  }

  if (!self->eq)
    return;
  mst_eq_set_num_bands (self->eq, n);
  mst_eq_set_output_gain (self->eq, gain);
  mst_eq_set_auto_gain (self->eq, auto_gain);
  for (i = 0; i < MST_EQ_MAX_BANDS; i++)
    mst_eq_set_band (self->eq, i, &bands[i]);
}

static gboolean
gst_masteq_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasteq *self = GST_MASTEQ (filter);
  MstEq *eq = mst_eq_new (GST_AUDIO_INFO_RATE (info),
      GST_AUDIO_INFO_CHANNELS (info));

  if (!eq) {
    GST_ERROR_OBJECT (self, "unsupported format");
    return FALSE;
  }
  g_clear_pointer (&self->eq, mst_eq_free);
  self->eq = eq;
  /* a new format starts settled on the current settings */
  gst_masteq_push_settings (self);
  mst_eq_reset (self->eq);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
      mst_eq_is_passthrough (self->eq));
  return TRUE;
}

static gboolean
gst_masteq_stop (GstBaseTransform * trans)
{
  GstMasteq *self = GST_MASTEQ (trans);

  g_clear_pointer (&self->eq, mst_eq_free);
  self->nonfinite_warned = FALSE;
  return TRUE;
}

/* TRUE when n samples hold an Inf or NaN. */
static gboolean
has_nonfinite (gconstpointer data, gsize n, gboolean f64)
{
  return (f64 ? mst_count_nonfinite_f64 (data, n)
      : mst_count_nonfinite_f32 (data, n)) > 0;
}

static void
gst_masteq_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasteq *self = GST_MASTEQ (trans);
  GstClockTime ts = GST_BUFFER_TIMESTAMP (buf);
  guint i;

  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime st = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);
    if (GST_CLOCK_TIME_IS_VALID (st)) {
      gst_object_sync_values (GST_OBJECT (self), st);
      for (i = 0; i < MST_EQ_MAX_BANDS; i++)
        gst_object_sync_values (GST_OBJECT (self->bands[i]), st);
    }
  }
  if (!self->eq)
    return;
  gst_masteq_push_settings (self);
  gst_base_transform_set_passthrough (trans, mst_eq_is_passthrough (self->eq));
}

static GstFlowReturn
gst_masteq_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasteq *self = GST_MASTEQ (trans);
  GstAudioFilter *filter = GST_AUDIO_FILTER (trans);
  GstMapInfo map;
  gsize frames;

  if (!self->eq)
    return GST_FLOW_NOT_NEGOTIATED;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP) &&
      mst_eq_is_passthrough (self->eq))
    return GST_FLOW_OK;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  frames = map.size / GST_AUDIO_INFO_BPF (&filter->info);
  /* the filters replace Inf/NaN by 0: say so once (scanned until then) */
  if (G_UNLIKELY (!self->nonfinite_warned) && has_nonfinite (map.data,
          frames * GST_AUDIO_INFO_CHANNELS (&filter->info),
          GST_AUDIO_INFO_FORMAT (&filter->info) == GST_AUDIO_FORMAT_F64)) {
    self->nonfinite_warned = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("input contains Inf or NaN samples; they are replaced by 0"));
  }
  if (GST_AUDIO_INFO_FORMAT (&filter->info) == GST_AUDIO_FORMAT_F64)
    mst_eq_process_f64 (self->eq, (gdouble *) map.data, frames);
  else
    mst_eq_process_f32 (self->eq, (gfloat *) map.data, frames);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);

  GST_OBJECT_LOCK (self);
  self->auto_gain_db = mst_eq_auto_gain_db (self->eq);
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static gboolean
gst_masteq_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasteq *self = GST_MASTEQ (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && self->eq)
    mst_eq_reset (self->eq);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
