/* gst-mastering: automaster element tests.
 *
 * The bin's contract: children reachable by name through GstChildProxy
 * (also from a launch line), each preset's targets, intensity 0 = one
 * constant gain, the LATENCY answer in live mode = the sum of what the
 * children answer on their own, non-stereo input (the imager leaves the
 * chain), the children's messages on the bus, and the output measured with
 * libebur128 and the 16x reference true-peak meter (tests/common/refpeak.h)
 * landing on every preset's target.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <ebur128.h>
#include <math.h>
#include <string.h>

#include "synth.h"
#include "refpeak.h"
#include "childargs.h"

#define RATE 48000
/* loudnorm mode=file lands within 0.1 LU of its target */
#define TOL_LU 0.1
/* the reference meter interpolates 16x, the chain's limiter 4x: allowance
 * for what 16x finds between the limiter's 4x points */
#define TP_TOL 0.1

static const gchar *child_names[] = { "eq", "comp", "widen", "limit",
  "loudnorm"
};

static const gchar *child_factories[] = { "masteq", "mastercomp",
  "masterwiden", "masterlimit", "loudnorm"
};

/* A new automaster, not floating (gst_harness_new_with_element () does
 * not sink what it gets): unref it when done. */
static GstElement *
make_automaster (void)
{
  GstElement *e = gst_element_factory_make ("automaster", NULL);

  fail_unless (e != NULL, "automaster not found");
  return gst_object_ref_sink (e);
}

/* gst_parse_launch () of desc, its "child::property=value" words set on
 * the element named name (NULL: the launched element itself) after the
 * launch (childargs.h). */
static GstElement *
launch (const gchar * desc, const gchar * name, GError ** err)
{
  gchar **child_args;
  gchar *plain = mst_childargs_split (desc, &child_args);
  GstElement *e = gst_parse_launch (plain, err);

  if (e != NULL && child_args[0] != NULL) {
    GstElement *target = name != NULL ?
        gst_bin_get_by_name (GST_BIN (e), name) : gst_object_ref (e);
    const gchar *bad;

    fail_unless (target != NULL, "%s: no %s", desc, name);
    bad = mst_childargs_set (GST_CHILD_PROXY (target), child_args);
    fail_unless (bad == NULL, "%s: cannot set %s", desc, bad);
    gst_object_unref (target);
  }
  g_strfreev (child_args);
  g_free (plain);
  return e;
}

static gchar *
caps_string (guint channels)
{
  guint64 mask = channels == 1 ? 0 : (G_GUINT64_CONSTANT (1) << channels) - 1;

  if (channels == 1)
    return g_strdup_printf ("audio/x-raw,format=%s,rate=%d,channels=1,"
        "layout=interleaved", GST_AUDIO_NE (F64), RATE);
  return g_strdup_printf ("audio/x-raw,format=%s,rate=%d,channels=%u,"
      "layout=interleaved,channel-mask=(bitmask)0x%" G_GINT64_MODIFIER "x",
      GST_AUDIO_NE (F64), RATE, channels, mask);
}

/* Pushes x (frames x channels, F64) through the bin in 100 ms buffers,
 * then EOS, and returns what comes out (*out_frames frames). */
static gdouble *
run_file (GstElement * bin, const gdouble * x, gsize frames, guint channels,
    gsize * out_frames, GstCaps ** out_caps)
{
  GstHarness *h = gst_harness_new_with_element (bin, "sink", "src");
  gchar *caps = caps_string (channels);
  gsize block = RATE / 10, pos, n = 0, cap = frames + RATE;
  gdouble *y = g_new0 (gdouble, cap * channels);
  GstBuffer *buf;

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  for (pos = 0; pos < frames; pos += block) {
    gsize len = MIN (block, frames - pos);

    buf = gst_buffer_new_memdup (x + pos * channels,
        len * channels * sizeof (gdouble));
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (pos, GST_SECOND, RATE);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (len, GST_SECOND, RATE);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  while ((buf = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    gsize len;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    len = map.size / (channels * sizeof (gdouble));
    fail_unless (n + len <= cap);
    memcpy (y + n * channels, map.data, map.size);
    n += len;
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  if (out_caps != NULL)
    *out_caps = gst_pad_get_current_caps (h->sinkpad);
  *out_frames = n;
  gst_harness_teardown (h);
  return y;
}

static gdouble *
make_music (gsize frames, guint channels, gdouble peak_dbfs)
{
  gdouble *x = g_new (gdouble, frames * channels);

  fail_unless_equals_int (mst_synth_music_f64 (x, frames, channels, RATE,
          peak_dbfs, 7), 0);
  return x;
}

static gdouble
ebur128_integrated (const gdouble * y, gsize frames, guint channels)
{
  ebur128_state *st = ebur128_init (channels, RATE, EBUR128_MODE_I);
  gdouble i = -HUGE_VAL;

  fail_unless (st != NULL);
  fail_unless_equals_int (ebur128_add_frames_double (st, y, frames),
      EBUR128_SUCCESS);
  ebur128_loudness_global (st, &i);
  ebur128_destroy (&st);
  return i;
}

static gdouble
ref_true_peak_db (const gdouble * y, gsize frames, guint channels)
{
  gdouble peak = 0.0;
  guint ch;

  for (ch = 0; ch < channels; ch++)
    peak = MAX (peak, mst_refpeak_f64 (y, frames, channels, ch));
  return 20.0 * log10 (peak);
}

GST_START_TEST (test_children)
{
  GstElement *bin = make_automaster ();
  GstElement *e;
  GError *err = NULL;
  gdouble gain = 0.0, ratio = 0.0, width = 0.0, ceiling = 0.0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (child_names); i++) {
    GObject *child = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (bin),
        child_names[i]);

    fail_unless (child != NULL, "no child %s", child_names[i]);
    fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory
            (GST_ELEMENT (child))), child_factories[i]);
    g_object_unref (child);
  }

  /* through the child proxy, two levels deep */
  gst_child_proxy_set (GST_CHILD_PROXY (bin), "eq::band0::gain", 1.0, NULL);
  gst_child_proxy_get (GST_CHILD_PROXY (bin), "eq::band0::gain", &gain, NULL);
  fail_unless_equals_float (gain, 1.0);
  gst_object_unref (bin);

  /* from a launch line */
  e = launch ("automaster eq::band0::gain=2.5 comp::ratio=4 "
      "widen::width=1.3 limit::ceiling=-2 loudnorm::interval=500000000", NULL,
      &err);
  fail_unless (e != NULL && err == NULL, "parse: %s", err ? err->message : "");
  fail_unless (GST_IS_BIN (e));
  fail_unless_equals_string (G_OBJECT_TYPE_NAME (e), "GstAutomaster");
  gst_child_proxy_get (GST_CHILD_PROXY (e), "eq::band0::gain", &gain,
      "comp::ratio", &ratio, "widen::width", &width, "limit::ceiling",
      &ceiling, NULL);
  fail_unless_equals_float (gain, 2.5);
  fail_unless_equals_float (ratio, 4.0);
  fail_unless_equals_float (width, 1.3);
  fail_unless_equals_float (ceiling, -2.0);
  gst_object_unref (e);
}

GST_END_TEST;

typedef struct
{
  const gchar *nick;
  gdouble target, tpl;
} PresetTarget;

static const PresetTarget preset_targets[] = {
  {"streaming", -14.0, -1.0},
  {"apple", -16.0, -1.0},
  {"podcast", -16.0, -1.0},
  {"broadcast", -23.0, -1.0},
  {"atsc", -24.0, -2.0},
  {"club", -9.0, -0.5},
};

GST_START_TEST (test_presets)
{
  GstElement *bin = make_automaster ();
  GstElement *ln = gst_bin_get_by_name (GST_BIN (bin), "loudnorm");
  gdouble t, p, lt, lp;
  gchar *nick;
  guint i;

  /* defaults: streaming, -14 LUFS, -1 dBTP, intensity 50, file */
  g_object_get (bin, "target-loudness", &t, "true-peak-limit", &p, NULL);
  fail_unless_equals_float (t, -14.0);
  fail_unless_equals_float (p, -1.0);
  g_object_get (bin, "intensity", &t, NULL);
  fail_unless_equals_float (t, 50.0);

  for (i = 0; i < G_N_ELEMENTS (preset_targets); i++) {
    gst_util_set_object_arg (G_OBJECT (bin), "preset", preset_targets[i].nick);
    g_object_get (bin, "target-loudness", &t, "true-peak-limit", &p, NULL);
    g_object_get (ln, "target-loudness", &lt, "true-peak-limit", &lp, NULL);
    GST_INFO ("%s: %.1f LUFS %.1f dBTP", preset_targets[i].nick, t, p);
    fail_unless_equals_float (t, preset_targets[i].target);
    fail_unless_equals_float (p, preset_targets[i].tpl);
    fail_unless_equals_float (lt, preset_targets[i].target);
    fail_unless_equals_float (lp, preset_targets[i].tpl);
    /* masterlimit on sample peaks: loudnorm, after the gain, holds the
     * true peak */
    {
      gboolean tp = TRUE;

      gst_child_proxy_get (GST_CHILD_PROXY (bin), "limit::true-peak", &tp,
          NULL);
      fail_unless (!tp, "%s: masterlimit on true peaks",
          preset_targets[i].nick);
    }
  }

  /* explicit targets after a preset win; the preset stays */
  gst_util_set_object_arg (G_OBJECT (bin), "preset", "apple");
  g_object_set (bin, "target-loudness", -15.0, NULL);
  g_object_get (bin, "target-loudness", &t, "true-peak-limit", &p, NULL);
  g_object_get (ln, "target-loudness", &lt, NULL);
  fail_unless_equals_float (t, -15.0);
  fail_unless_equals_float (p, -1.0);
  fail_unless_equals_float (lt, -15.0);
  nick = NULL;
  {
    GValue v = G_VALUE_INIT;
    GEnumValue *ev;

    g_value_init (&v, g_type_from_name ("GstAutomasterPreset"));
    g_object_get_property (G_OBJECT (bin), "preset", &v);
    ev = g_enum_get_value (g_type_class_peek (G_VALUE_TYPE (&v)),
        g_value_get_enum (&v));
    nick = g_strdup (ev->value_nick);
    g_value_unset (&v);
  }
  fail_unless_equals_string (nick, "apple");
  g_free (nick);

  /* custom keeps the targets as they are */
  g_object_set (bin, "true-peak-limit", -3.0, NULL);
  gst_util_set_object_arg (G_OBJECT (bin), "preset", "custom");
  g_object_get (bin, "target-loudness", &t, "true-peak-limit", &p, NULL);
  fail_unless_equals_float (t, -15.0);
  fail_unless_equals_float (p, -3.0);

  gst_object_unref (ln);
  gst_object_unref (bin);
}

GST_END_TEST;

/* intensity 0: every child but loudnorm neutral; on a programme whose
 * peaks stay under the ceiling after the gain, output = k * input. */
GST_START_TEST (test_intensity0_gain_only)
{
  GstElement *bin = make_automaster ();
  gsize frames = RATE * 12, n, k;
  gdouble *x = make_music (frames, 2, -20.0);
  gdouble *y, sxy = 0.0, sxx = 0.0, g, err = 0.0, ymax = 0.0, lufs;

  /* the programme's true peak sits about 24 dB over its loudness: at
   * -30 LUFS no limiting is needed under -1 dBTP */
  g_object_set (bin, "intensity", 0.0, "target-loudness", -30.0,
      "true-peak-limit", -1.0, NULL);
  y = run_file (bin, x, frames, 2, &n, NULL);
  gst_object_unref (bin);
  fail_unless_equals_int (n, frames);

  for (k = 0; k < frames * 2; k++) {
    sxy += x[k] * y[k];
    sxx += x[k] * x[k];
  }
  g = sxy / sxx;
  for (k = 0; k < frames * 2; k++) {
    err = MAX (err, fabs (y[k] - g * x[k]));
    ymax = MAX (ymax, fabs (y[k]));
  }
  lufs = ebur128_integrated (y, frames, 2);
  GST_INFO ("gain %.6f dB, largest deviation %.3g (peak %.3g), %.3f LUFS, "
      "%.3f dBTP", 20.0 * log10 (g), err, ymax, lufs,
      ref_true_peak_db (y, frames, 2));
  /* double precision throughout: rounding only */
  fail_unless (err <= 1e-12 * ymax, "not one constant gain: %g", err);
  fail_unless (fabs (lufs + 30.0) <= TOL_LU, "%.3f LUFS", lufs);

  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Latency of an element on its own, in a harness, for these caps. */
static GstClockTime
element_latency (GstElement * e, const gchar * caps)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
  GstClockTime lat;

  gst_harness_set_src_caps_str (h, caps);
  gst_harness_push (h, gst_harness_create_buffer (h, 4800 * 8 * 8));
  lat = gst_harness_query_latency (h);
  gst_harness_teardown (h);
  return lat;
}

/* A standalone copy of a child with the same settings, not floating:
 * unref it when done. */
static GstElement *
copy_child (GstElement * child)
{
  GstElement *e =
      gst_element_factory_create (gst_element_get_factory (child), NULL);
  GParamSpec **specs;
  guint n, i;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (child), &n);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    if ((specs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE
        || (specs[i]->flags & G_PARAM_CONSTRUCT_ONLY)
        || !strcmp (specs[i]->name, "name")
        || !strcmp (specs[i]->name, "parent"))
      continue;
    g_value_init (&v, specs[i]->value_type);
    g_object_get_property (G_OBJECT (child), specs[i]->name, &v);
    g_object_set_property (G_OBJECT (e), specs[i]->name, &v);
    g_value_unset (&v);
  }
  g_free (specs);
  return gst_object_ref_sink (e);
}

static void
check_live_latency (guint channels)
{
  GstElement *bin = make_automaster ();
  gchar *caps = caps_string (channels);
  GstClockTime sum = 0, lat, total;
  guint i;

  gst_util_set_object_arg (G_OBJECT (bin), "mode", "live");
  for (i = 0; i < G_N_ELEMENTS (child_names); i++) {
    GstElement *child = gst_bin_get_by_name (GST_BIN (bin), child_names[i]);

    /* the imager is out of the chain for non-stereo streams */
    if (channels == 2 || strcmp (child_names[i], "widen") != 0) {
      GstElement *copy = copy_child (child);

      lat = element_latency (copy, caps);
      gst_object_unref (copy);
      GST_INFO ("%u ch: %s alone: %" GST_TIME_FORMAT, channels,
          child_names[i], GST_TIME_ARGS (lat));
      sum += lat;
    }
    gst_object_unref (child);
  }

  total = element_latency (bin, caps);
  gst_object_unref (bin);
  GST_INFO ("%u ch: automaster %" GST_TIME_FORMAT ", sum %" GST_TIME_FORMAT,
      channels, GST_TIME_ARGS (total), GST_TIME_ARGS (sum));
  /* loudnorm's lookahead alone is 3 s */
  fail_unless (sum >= 3 * GST_SECOND);
  fail_unless_equals_uint64 (total, sum);
  g_free (caps);
}

GST_START_TEST (test_live_latency)
{
  check_live_latency (2);
  check_live_latency (1);
}

GST_END_TEST;

/* live mode in a real live pipeline: the latency on the bus is at least
 * the bin's, the stream runs to EOS and the meter messages arrive */
GST_START_TEST (test_live_pipeline)
{
  GError *err = NULL;
  GstElement *pipe = launch ("audiotestsrc is-live=true "
      "wave=pink-noise volume=0.2 samplesperbuffer=4800 num-buffers=50 ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! "
      "automaster name=am mode=live loudnorm::lookahead=500 "
      "loudnorm::interval=100000000 ! fakesink sync=true", "am", &err);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gboolean eos = FALSE;
  guint loud = 0, widen = 0, limit = 0;
  GstQuery *q;
  GstClockTime min;
  gboolean live;

  fail_unless (pipe != NULL && err == NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while (!eos && (msg = gst_bus_timed_pop (bus, 30 * GST_SECOND)) != NULL) {
    const GstStructure *s = gst_message_get_structure (msg);

    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        eos = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        fail ("error from %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_structure_has_name (s, "loudnorm")) {
          fail_unless_equals_string (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
              "loudnorm");
          fail_unless (gst_structure_has_field (s, "shortterm-loudness"));
          loud++;
        } else if (gst_structure_has_name (s, "masterwiden")) {
          fail_unless (gst_structure_has_field (s, "correlation"));
          widen++;
        } else if (gst_structure_has_name (s, "masterlimit")) {
          fail_unless (gst_structure_has_field (s, "gain-reduction"));
          limit++;
        }
        break;
      default:
        break;
    }
    if (!eos) {
      q = gst_query_new_latency ();
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE
          && gst_element_query (pipe, q)) {
        gst_query_parse_latency (q, &live, &min, NULL);
        GST_INFO ("pipeline latency %" GST_TIME_FORMAT, GST_TIME_ARGS (min));
        fail_unless (live);
        fail_unless (min >= 500 * GST_MSECOND);
      }
      gst_query_unref (q);
    }
    gst_message_unref (msg);
  }
  fail_unless (eos, "no EOS");
  GST_INFO ("messages: loudnorm %u, masterwiden %u, masterlimit %u", loud,
      widen, limit);
  fail_unless (loud > 0 && widen > 0 && limit > 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Runs the programme through a preset (file mode, default intensity) and
 * checks loudness, true peak and the final loudnorm message. */
static void
check_lands (const gchar * preset, gdouble target, gdouble tpl,
    guint channels, gdouble in_peak)
{
  GstElement *bin = make_automaster ();
  GstBus *bus = gst_bus_new ();
  gsize frames = RATE * 20, n;
  gdouble *x = make_music (frames, channels, in_peak);
  gdouble *y, lufs, tp;
  GstCaps *caps = NULL;
  GstMessage *msg;
  gboolean final = FALSE;
  gint ch = 0;

  gst_element_set_bus (bin, bus);
  gst_util_set_object_arg (G_OBJECT (bin), "preset", preset);
  if (!strcmp (preset, "custom"))
    g_object_set (bin, "target-loudness", target, "true-peak-limit", tpl, NULL);
  y = run_file (bin, x, frames, channels, &n, &caps);
  fail_unless_equals_int (n, frames);
  fail_unless (gst_structure_get_int (gst_caps_get_structure (caps, 0),
          "channels", &ch));
  fail_unless_equals_int (ch, channels);

  lufs = ebur128_integrated (y, frames, channels);
  tp = ref_true_peak_db (y, frames, channels);
  GST_INFO ("%s, %u ch: %.3f LUFS (target %.1f), %.3f dBTP (limit %.1f)",
      preset, channels, lufs, target, tp, tpl);
  /* club too: -9 LUFS under -0.5 dBTP needs a peak-to-loudness ratio of
   * 8.5 dB, this programme has about 24 dB; the driven limiter and
   * loudnorm's heavy limiter settings take the rest */
  fail_unless (fabs (lufs - target) <= TOL_LU,
      "%s: %.3f LUFS, target %.1f", preset, lufs, target);
  fail_unless (tp <= tpl + TP_TOL, "%s: %.3f dBTP over %.1f", preset, tp, tpl);

  /* loudnorm's messages reach the bus as they are */
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *s = gst_message_get_structure (msg);
    gboolean f = FALSE;

    if (gst_structure_has_name (s, "loudnorm")
        && gst_structure_get_boolean (s, "final", &f) && f) {
      fail_unless_equals_string (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
          "loudnorm");
      fail_unless (gst_structure_has_field (s, "integrated-loudness"));
      fail_unless (gst_structure_has_field (s, "gain"));
      final = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless (final, "no final loudnorm message");

  gst_caps_unref (caps);
  gst_element_set_bus (bin, NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  g_free (x);
  g_free (y);
}

GST_START_TEST (test_presets_land)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (preset_targets); i++)
    check_lands (preset_targets[i].nick, preset_targets[i].target,
        preset_targets[i].tpl, 2, -1.0);
  check_lands ("custom", -18.0, -3.0, 2, -1.0);
  /* a quiet mix is turned up */
  check_lands ("streaming", -14.0, -1.0, 2, -20.0);
}

GST_END_TEST;

/* masterwiden is stereo-only: mono and 5.1 go around it */
GST_START_TEST (test_channels)
{
  check_lands ("podcast", -16.0, -1.0, 1, -1.0);
  check_lands ("broadcast", -23.0, -1.0, 1, -1.0);
  check_lands ("broadcast", -23.0, -1.0, 6, -1.0);
}

GST_END_TEST;

static Suite *
automaster_suite (void)
{
  Suite *s = suite_create ("automaster");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_children);
  tcase_add_test (tc, test_presets);
  tcase_add_test (tc, test_intensity0_gain_only);
  tcase_add_test (tc, test_live_latency);
  tcase_add_test (tc, test_live_pipeline);
  tcase_add_test (tc, test_presets_land);
  tcase_add_test (tc, test_channels);
  return s;
}

GST_CHECK_MAIN (automaster);
