/* gst-mastering: automaster, the whole mastering chain in one bin.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-automaster
 * @title: automaster
 *
 * A mastering chain in one element: a #GstBin holding
 *
 *   masteq name=eq ! mastercomp name=comp ! masterwiden name=widen !
 *   masterlimit name=limit ! loudnorm name=loudnorm
 *
 * set up together by #GstAutomaster:preset (loudness targets and the
 * character of the chain) and #GstAutomaster:intensity (how much EQ,
 * compression, widening and limiter drive the chain applies; 0 leaves only
 * the loudness gain and the true-peak ceiling).  The last element,
 * `loudnorm`, applies the gain that lands on #GstAutomaster:target-loudness
 * and the true-peak limiter that holds #GstAutomaster:true-peak-limit, so
 * the ceiling holds after every gain in the chain.
 *
 * The children are reachable through #GstChildProxy by their names `eq`,
 * `comp`, `widen`, `limit` and `loudnorm` (`eq::band0::gain=1`).  Setting
 * #GstAutomaster:preset or #GstAutomaster:intensity rewrites the chain
 * settings, so set those first and fine-tune children afterwards.  A preset
 * other than `custom` also sets both targets; an explicit
 * #GstAutomaster:target-loudness or #GstAutomaster:true-peak-limit set
 * after it overrides the preset's target and keeps its chain character.
 *
 * #GstAutomaster:mode `file` runs loudnorm in its `file` mode: it holds the
 * whole stream until EOS and pushes it with one gain (not for live
 * pipelines).  `live` runs loudnorm `dynamic` (lookahead, smoothed gain):
 * the bin answers the LATENCY query with the sum of its children's
 * latencies.
 *
 * masterwiden takes stereo only: for 1 or 3-8 channels the bin links
 * `comp` straight to `limit` and the imager is left out of the stream
 * (decided on every caps event).
 *
 * The children's bus messages (`loudnorm`, `mastercomp`, `masterwiden`,
 * `masterlimit`) reach the application unchanged, with the child as their
 * source.  See docs/automaster.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! automaster preset=streaming ! audioconvert ! audio/x-raw,format=S24LE ! wavenc ! filesink location=master.wav
 * ]| Master a file for streaming services (-14 LUFS, -1 dBTP).
 * |[
 * gst-launch-1.0 -m audiotestsrc is-live=true wave=pink-noise num-buffers=500 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! automaster mode=live preset=broadcast ! fakesink sync=true
 * ]| Live normalisation to EBU R128 (-23 LUFS) with the meter on the bus.
 * |[
 * gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! automaster preset=apple intensity=0 ! audioconvert ! flacenc ! filesink location=out.flac
 * ]| Loudness and true peak only: the output is the input times one gain
 * (where no true-peak limiting is needed).
 */

#include "gstautomaster.h"

#include <gst/audio/audio.h>

GST_DEBUG_CATEGORY_STATIC (gst_automaster_debug);
#define GST_CAT_DEFAULT gst_automaster_debug

#define DEFAULT_PRESET GST_AUTOMASTER_PRESET_STREAMING
#define DEFAULT_INTENSITY 50.0










































#define DEFAULT_MODE GST_AUTOMASTER_MODE_FILE

enum
{
  PROP_0,
  PROP_PRESET,
  PROP_TARGET_LOUDNESS,
  PROP_TRUE_PEAK_LIMIT,
  PROP_INTENSITY,
  PROP_MODE
};

/* What the children accept (they all share these caps; masterwiden takes
 * stereo only and is bypassed for other channel counts). */
#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ALLOWED_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ALLOWED_CAPS));

/* The character of each preset.  Every "max" value is reached at
 * intensity 100 and scaled linearly from neutral at intensity 0:
 *  target, tpl      loudness target (LUFS) and true-peak limit (dBTP);
 *  hp_freq          EQ low-cut (12 dB/octave high-pass), Hz;
 *  tilt_max         EQ tilt around 1 kHz, dB (high minus low extreme);
 *  presence_max     EQ peak at 3 kHz (speech intelligibility), dB;
 *  low_shelf_max    EQ low shelf at 60 Hz (club weight), dB;
 *  comp_threshold   compressor threshold, dBFS (sine peak level);
 *  comp_ratio_max   ratio at intensity 100 (1 at intensity 0);
 *  comp_attack, comp_release: ms;
 *  comp_sc_hpf      side-chain high-pass, Hz (keeps bass from pumping);
 *  width_max        extra width at intensity 100 (width = 1 + i * this);
 *  mono_bass        side removed below this, Hz (intensity > 0);
 *  drive_max        masterlimit input gain at intensity 100, dB;
 *  lim_release      masterlimit release, ms, and lim_auto_release its
 *                   program-dependent release (on: holds, then 2x the
 *                   release on sustained limiting; off: the release as
 *                   set, for a driven, dense limiter). */
typedef struct
{
  gdouble target, tpl;
  gdouble hp_freq, tilt_max, presence_max, low_shelf_max;
  gdouble comp_threshold, comp_ratio_max, comp_attack, comp_release;
  gdouble comp_sc_hpf;
  gdouble width_max, mono_bass;
  gdouble drive_max;
  gdouble lim_release;
  gboolean lim_auto_release;
} AutomasterCharacter;

static const AutomasterCharacter characters[] = {
  /* streaming */
  {-14.0, -1.0, 25.0, 1.0, 0.0, 0.0, -20.0, 2.5, 20.0, 150.0, 90.0,
      0.15, 120.0, 4.0, 150.0, TRUE},
  /* apple */
  {-16.0, -1.0, 25.0, 1.0, 0.0, 0.0, -22.0, 2.0, 25.0, 180.0, 90.0,
      0.12, 120.0, 3.0, 150.0, TRUE},
  /* podcast: voice first, no widening */
  {-16.0, -1.0, 80.0, 0.0, 2.0, 0.0, -28.0, 3.0, 5.0, 80.0, 120.0,
      0.0, 120.0, 3.0, 150.0, TRUE},
  /* broadcast (EBU R128): wide dynamics are welcome */
  {-23.0, -1.0, 25.0, 0.5, 0.0, 0.0, -24.0, 2.0, 20.0, 200.0, 90.0,
      0.10, 120.0, 1.5, 150.0, TRUE},
  /* atsc (A/85) */
  {-24.0, -2.0, 25.0, 0.5, 0.0, 0.0, -24.0, 2.0, 20.0, 200.0, 90.0,
      0.10, 120.0, 1.5, 150.0, TRUE},
  /* club: dense, mono below 150 Hz, a driven limiter with a short fixed
   * release (the loudness comes from the limiter, not from gain after it) */
  {-9.0, -0.5, 30.0, 1.0, 0.0, 1.0, -24.0, 4.0, 10.0, 100.0, 90.0,
      0.10, 150.0, 24.0, 40.0, FALSE},
  /* custom: the streaming character, targets as set */
  {-14.0, -1.0, 25.0, 1.0, 0.0, 0.0, -20.0, 2.5, 20.0, 150.0, 90.0,
      0.15, 120.0, 4.0, 150.0, TRUE},
};

GType
gst_automaster_preset_get_type (void)
{
  static GType preset_type = 0;
  static const GEnumValue presets[] = {
    {GST_AUTOMASTER_PRESET_STREAMING,
        "Streaming services: -14 LUFS, -1 dBTP", "streaming"},
    {GST_AUTOMASTER_PRESET_APPLE, "Apple Music: -16 LUFS, -1 dBTP", "apple"},
    {GST_AUTOMASTER_PRESET_PODCAST,
        "Podcast: -16 LUFS, -1 dBTP, speech-friendly compression", "podcast"},
    {GST_AUTOMASTER_PRESET_BROADCAST,
        "Broadcast, EBU R128: -23 LUFS, -1 dBTP", "broadcast"},
    {GST_AUTOMASTER_PRESET_ATSC, "ATSC A/85: -24 LKFS, -2 dBTP", "atsc"},
    {GST_AUTOMASTER_PRESET_CLUB,
        "Club: -9 LUFS, -0.5 dBTP, more limiting", "club"},
    {GST_AUTOMASTER_PRESET_CUSTOM,
        "Custom: target-loudness and true-peak-limit as set", "custom"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&preset_type)) {
    GType t = g_enum_register_static ("GstAutomasterPreset", presets);
    g_once_init_leave (&preset_type, t);
  }
  return preset_type;
}

GType
gst_automaster_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_AUTOMASTER_MODE_FILE,
          "File: hold the stream until EOS, then one gain (loudnorm mode=file)",
        "file"},
    {GST_AUTOMASTER_MODE_LIVE,
          "Live: lookahead and smoothed gain (loudnorm mode=dynamic)",
        "live"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType t = g_enum_register_static ("GstAutomasterMode", modes);
    g_once_init_leave (&mode_type, t);
  }
  return mode_type;
}

#define gst_automaster_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstAutomaster, gst_automaster, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (gst_automaster_debug, "automaster", 0,
        "Mastering chain bin"));
GST_ELEMENT_REGISTER_DEFINE (automaster, "automaster", GST_RANK_NONE,
    GST_TYPE_AUTOMASTER);

static void gst_automaster_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_automaster_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_automaster_change_state (GstElement *
    element, GstStateChange transition);

static void
gst_automaster_class_init (GstAutomasterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_automaster_set_property;
  gobject_class->get_property = gst_automaster_get_property;

  /**
   * GstAutomaster:preset:
   *
   * Loudness targets and chain character.  Setting it (other than
   * `custom`) sets #GstAutomaster:target-loudness and
   * #GstAutomaster:true-peak-limit and rewrites the chain settings.
   */
  g_object_class_install_property (gobject_class, PROP_PRESET,
      g_param_spec_enum ("preset", "Preset",
          "Loudness targets and chain character (sets target-loudness and "
          "true-peak-limit unless custom)",
          GST_TYPE_AUTOMASTER_PRESET, DEFAULT_PRESET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAutomaster:target-loudness:
   *
   * Integrated loudness of the output, in LUFS.  Set by the preset; an
   * explicit value set after the preset overrides it.
   */
  g_object_class_install_property (gobject_class, PROP_TARGET_LOUDNESS,
      g_param_spec_double ("target-loudness", "Target loudness",
          "Integrated loudness of the output, in LUFS (set by preset; an "
          "explicit value set after the preset overrides it)",
          -70.0, 0.0, characters[DEFAULT_PRESET].target,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAutomaster:true-peak-limit:
   *
   * Highest true peak of the output, in dBTP.  Set by the preset; an
   * explicit value set after the preset overrides it.
   */
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK_LIMIT,
      g_param_spec_double ("true-peak-limit", "True-peak limit",
          "Highest true peak of the output, in dBTP (set by preset; an "
          "explicit value set after the preset overrides it)",
          -24.0, 0.0, characters[DEFAULT_PRESET].tpl,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAutomaster:intensity:
   *
   * How much EQ, compression, widening and limiter drive the chain
   * applies, 0..100.  0 leaves every child neutral (bit-exact) but the
   * loudness gain and the true-peak limiter of `loudnorm`.
   */
  g_object_class_install_property (gobject_class, PROP_INTENSITY,
      g_param_spec_double ("intensity", "Intensity",
          "How much EQ, compression, widening and limiter drive the chain "
          "applies (0 = loudness gain and true-peak limit only)",
          0.0, 100.0, DEFAULT_INTENSITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAutomaster:mode:
   *
   * `file`: loudnorm holds the stream until EOS and applies one gain.
   * `live`: loudnorm normalises with a lookahead and a smoothed gain
   * (live-capable, reports its latency).
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "file: hold the stream until EOS, one gain; live: lookahead and "
          "smoothed gain, for live pipelines",
          GST_TYPE_AUTOMASTER_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Automatic mastering", "Filter/Effect/Audio",
      "EQ, compression, stereo width, limiting and loudness normalisation "
      "to a platform target in one element",
      "gst-mastering <https://github.com/gst-mastering/gst-mastering>");

  element_class->change_state = gst_automaster_change_state;

  gst_type_mark_as_plugin_api (GST_TYPE_AUTOMASTER_PRESET, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_AUTOMASTER_MODE, 0);
}

/* The loudnorm mode for our mode, looked up by nick so the bin does not
 * depend on loudnorm's enum values.  Returns FALSE if loudnorm has no such
 * mode. */
static gboolean
gst_automaster_loudnorm_mode (GstAutomaster * self, GstAutomasterMode mode,
    gint * value)
{
  const gchar *nick = mode == GST_AUTOMASTER_MODE_LIVE ? "dynamic" : "file";
  GParamSpec *pspec;
  GEnumValue *ev;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->loudnorm),
      "mode");
  if (pspec == NULL || !G_IS_PARAM_SPEC_ENUM (pspec))
    return FALSE;
  ev = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, nick);
  if (ev == NULL)
    return FALSE;
  *value = ev->value;
  return TRUE;
}

/* Sets band @idx of the EQ; @type is a band type nick. */
static void
gst_automaster_set_band (GstAutomaster * self, guint idx, const gchar * type,
    gdouble freq, gdouble gain, gdouble q)
{
  gchar name[16];
  GObject *band;

  g_snprintf (name, sizeof (name), "band%u", idx);
  band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (self->eq), name);
  if (band == NULL) {
    GST_ERROR_OBJECT (self, "masteq has no %s", name);
    return;
  }
  gst_util_set_object_arg (band, "type", type);
  gst_util_set_object_arg (band, "channels", "stereo");
  g_object_set (band, "freq", freq, "gain", gain, "q", q, "order", 2,
      "bypass", FALSE, NULL);
  g_object_unref (band);
}

/* Pushes the settings to the children.  Called from init and
 * set_property, outside our object lock (the children take their own). */
static void
gst_automaster_apply (GstAutomaster * self)
{
  const AutomasterCharacter *c;
  gdouble i, target, tpl;
  GstAutomasterMode mode;
  guint nbands = 0;
  gint ln_mode;

  GST_OBJECT_LOCK (self);
  c = &characters[self->preset];
  i = self->intensity / 100.0;
  target = self->target_loudness;
  tpl = self->true_peak_limit;
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "character %d, intensity %.1f, target %.2f LUFS, "
      "%.2f dBTP, mode %d", (gint) (c - characters), i * 100.0, target, tpl,
      mode);

  /* EQ: low-cut, tilt, presence, low shelf.  No band at all at intensity 0
   * (a cut filter is never neutral): masteq is then in passthrough. */
  if (i > 0.0) {
    gst_automaster_set_band (self, nbands++, "high-pass", c->hp_freq, 0.0,
        0.7071);
    if (c->tilt_max != 0.0)
      gst_automaster_set_band (self, nbands++, "tilt", 1000.0,
          i * c->tilt_max, 0.7071);
    if (c->presence_max != 0.0)
      gst_automaster_set_band (self, nbands++, "peak", 3000.0,
          i * c->presence_max, 1.0);
    if (c->low_shelf_max != 0.0)
      gst_automaster_set_band (self, nbands++, "low-shelf", 60.0,
          i * c->low_shelf_max, 0.7071);
  }
  g_object_set (self->eq, "num-bands", nbands, "output-gain", 0.0,
      "auto-gain", FALSE, NULL);

  /* Compressor: ratio 1 at intensity 0 makes the gain exactly 1.0. */
  g_object_set (self->comp, "ratio", 1.0 + i * (c->comp_ratio_max - 1.0),
      "threshold", c->comp_threshold, "knee", 6.0, "attack", c->comp_attack,
      "release", c->comp_release, "auto-release", TRUE,
      "sidechain-hpf", c->comp_sc_hpf, "makeup", 0.0, "auto-makeup", FALSE,
      "mix", 1.0, NULL);

  /* Imager: width 1 and mono-bass 0 are its passthrough. */
  g_object_set (self->widen, "width", 1.0 + i * c->width_max,
      "mono-bass", i > 0.0 ? c->mono_bass : 0.0, "safe-width", TRUE,
      "correlation-floor", 0.2, NULL);

  /* Limiter: drive into the ceiling shapes the peaks (club: with a short
   * fixed release it makes the programme dense, so it reaches loudnorm
   * near the target).  At intensity 0 its ceiling is 0 dBFS and the input
   * gain 0 dB: it only catches overs the input already has.  It limits
   * sample peaks: loudnorm's gain comes after it, so its ceiling is not
   * the output's, and loudnorm's true-peak limiter, after that gain, owns
   * the true-peak limit (a second 4x detector here would hold nothing and
   * cost a tenth of the chain's time). */
  g_object_set (self->limit, "input-gain", i * c->drive_max,
      "ceiling", i > 0.0 ? tpl : 0.0, "release", c->lim_release,
      "auto-release", c->lim_auto_release, "true-peak", FALSE, NULL);

  g_object_set (self->loudnorm, "target-loudness", target,
      "true-peak-limit", tpl, NULL);
  if (gst_automaster_loudnorm_mode (self, mode, &ln_mode))
    g_object_set (self->loudnorm, "mode", ln_mode, NULL);
  else
    GST_ERROR_OBJECT (self, "loudnorm has no mode %s",
        mode == GST_AUTOMASTER_MODE_LIVE ? "dynamic" : "file");
}

/* masterwiden takes stereo only: for other channel counts comp is linked
 * straight to limit.  Runs in the streaming thread before the caps reach
 * the chain, so no buffer is inside it while the links change (a caps
 * change mid-stream may send comp's drained tail past the imager). */
static void
gst_automaster_bypass_widen (GstAutomaster * self, gboolean bypass)
{
  const GstPadLinkCheck checks = GST_PAD_LINK_CHECK_HIERARCHY |
      GST_PAD_LINK_CHECK_TEMPLATE_CAPS;
  GstPad *comp_src, *widen_sink, *widen_src, *limit_sink;

  if (bypass == self->widen_bypassed)
    return;

  GST_INFO_OBJECT (self, "%s masterwiden", bypass ? "bypassing" : "restoring");
  /* the links check the pad templates, not the caps upstream answers to a
   * query: in the middle of a renegotiation that answer may still be the
   * old format (going back from mono to stereo: mono, which the imager
   * refuses); the caps event on its way is the format */
  comp_src = gst_element_get_static_pad (self->comp, "src");
  widen_sink = gst_element_get_static_pad (self->widen, "sink");
  widen_src = gst_element_get_static_pad (self->widen, "src");
  limit_sink = gst_element_get_static_pad (self->limit, "sink");

  if (bypass) {
    gst_pad_unlink (comp_src, widen_sink);
    gst_pad_unlink (widen_src, limit_sink);
    if (gst_pad_link_full (comp_src, limit_sink, checks) != GST_PAD_LINK_OK)
      GST_ERROR_OBJECT (self, "could not link comp to limit");
  } else {
    gst_pad_unlink (comp_src, limit_sink);
    if (gst_pad_link_full (comp_src, widen_sink, checks) != GST_PAD_LINK_OK
        || gst_pad_link_full (widen_src, limit_sink, checks) != GST_PAD_LINK_OK)
      GST_ERROR_OBJECT (self, "could not link the imager back");
  }
  self->widen_bypassed = bypass;

  gst_object_unref (comp_src);
  gst_object_unref (widen_sink);
  gst_object_unref (widen_src);
  gst_object_unref (limit_sink);
}

static GstPadProbeReturn
gst_automaster_caps_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstAutomaster *self = GST_AUTOMASTER (user_data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  GstStructure *s;
  gint channels = 0;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  gst_event_parse_caps (event, &caps);
  s = gst_caps_get_structure (caps, 0);
  if (s != NULL && gst_structure_get_int (s, "channels", &channels))
    gst_automaster_bypass_widen (self, channels != 2);
  return GST_PAD_PROBE_OK;
}

/* While the imager is linked, caps queries pass over it as if it took any
 * channel count, so upstream may negotiate mono or multichannel (the caps
 * probe then takes it out of the chain). */
static GstPadProbeReturn
gst_automaster_query_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstAutomaster *self = GST_AUTOMASTER (user_data);
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstElement *other;
  GstPad *target;
  gboolean ret;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS || self->widen_bypassed)
    return GST_PAD_PROBE_OK;

  /* comp's src asks downstream: ask limit; limit's sink asks upstream:
   * ask comp. */
  if (GST_PAD_IS_SRC (pad)) {
    other = self->limit;
    target = gst_element_get_static_pad (other, "sink");
  } else {
    other = self->comp;
    target = gst_element_get_static_pad (other, "src");
  }
  ret = gst_pad_query (target, query);
  gst_object_unref (target);

  return ret ? GST_PAD_PROBE_HANDLED : GST_PAD_PROBE_DROP;
}

static GstElement *
gst_automaster_make (GstAutomaster * self, const gchar * factory,
    const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL) {
    GST_ERROR_OBJECT (self, "no element %s", factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (self), e);
  return e;
}

static void
gst_automaster_init (GstAutomaster * self)
{
  GstPad *pad, *ghost;

  self->preset = DEFAULT_PRESET;
  self->intensity = DEFAULT_INTENSITY;
  self->mode = DEFAULT_MODE;
  self->target_loudness = characters[DEFAULT_PRESET].target;
  self->true_peak_limit = characters[DEFAULT_PRESET].tpl;
  self->widen_bypassed = FALSE;

  self->eq = gst_automaster_make (self, "masteq", "eq");
  self->comp = gst_automaster_make (self, "mastercomp", "comp");
  self->widen = gst_automaster_make (self, "masterwiden", "widen");
  self->limit = gst_automaster_make (self, "masterlimit", "limit");
  self->loudnorm = gst_automaster_make (self, "loudnorm", "loudnorm");
  if (!self->eq || !self->comp || !self->widen || !self->limit
      || !self->loudnorm)
    return;

  if (!gst_element_link_many (self->eq, self->comp, self->widen,
          self->limit, self->loudnorm, NULL))
    GST_ERROR_OBJECT (self, "could not link the chain");

  pad = gst_element_get_static_pad (self->eq, "sink");
  ghost = gst_ghost_pad_new_from_template ("sink", pad,
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
          "sink"));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      gst_automaster_caps_probe, self, NULL);
  gst_object_unref (pad);
  gst_element_add_pad (GST_ELEMENT (self), ghost);

  pad = gst_element_get_static_pad (self->loudnorm, "src");
  ghost = gst_ghost_pad_new_from_template ("src", pad,
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "src"));
  gst_object_unref (pad);
  gst_element_add_pad (GST_ELEMENT (self), ghost);

  pad = gst_element_get_static_pad (self->comp, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      gst_automaster_query_probe, self, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (self->limit, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      gst_automaster_query_probe, self, NULL);
  gst_object_unref (pad);

  gst_automaster_apply (self);
}

static void
gst_automaster_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAutomaster *self = GST_AUTOMASTER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PRESET:
      self->preset = g_value_get_enum (value);
      if (self->preset != GST_AUTOMASTER_PRESET_CUSTOM) {
        self->target_loudness = characters[self->preset].target;
        self->true_peak_limit = characters[self->preset].tpl;
      }
      break;
    case PROP_TARGET_LOUDNESS:
      self->target_loudness = g_value_get_double (value);
      break;
    case PROP_TRUE_PEAK_LIMIT:
      self->true_peak_limit = g_value_get_double (value);
      break;
    case PROP_INTENSITY:
      self->intensity = g_value_get_double (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    default:
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);

  if (self->loudnorm != NULL)
    gst_automaster_apply (self);
}

static void
gst_automaster_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAutomaster *self = GST_AUTOMASTER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PRESET:
      g_value_set_enum (value, self->preset);
      break;
    case PROP_TARGET_LOUDNESS:
      g_value_set_double (value, self->target_loudness);
      break;
    case PROP_TRUE_PEAK_LIMIT:
      g_value_set_double (value, self->true_peak_limit);
      break;
    case PROP_INTENSITY:
      g_value_set_double (value, self->intensity);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_automaster_change_state (GstElement * element, GstStateChange transition)
{
  GstAutomaster *self = GST_AUTOMASTER (element);
  gint ln_mode;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    if (self->loudnorm == NULL) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN, (NULL),
          ("a child element is missing (masteq, mastercomp, masterwiden, "
              "masterlimit, loudnorm)"));
      return GST_STATE_CHANGE_FAILURE;
    }
    if (!gst_automaster_loudnorm_mode (self, self->mode, &ln_mode)) {
      GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED, (NULL),
          ("loudnorm has no mode '%s' (needed by mode=%s)",
              self->mode == GST_AUTOMASTER_MODE_LIVE ? "dynamic" : "file",
              self->mode == GST_AUTOMASTER_MODE_LIVE ? "live" : "file"));
      return GST_STATE_CHANGE_FAILURE;
    }
  }

  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}
