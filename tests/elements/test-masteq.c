/* Element tests of masteq with GstHarness: passthrough, mid/side, band
 * children, gliding changes while playing, measured response, presets. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <complex.h>
#include <math.h>
#include <string.h>

#include "synth.h"
#include "childargs.h"

#define RATE 48000
#define CAPS_F32 "audio/x-raw,format=" GST_AUDIO_NE (F32) \
  ",layout=interleaved,rate=48000,channels=2"

/* The band<n>::property=value words of desc are set after the launch and
 * before the caps (childargs.h). */
static GstHarness *
make_harness (const gchar * desc)
{
  gchar **child_args;
  gchar *plain = mst_childargs_split (desc, &child_args);
  GstHarness *h = gst_harness_new_parse (plain);

  if (child_args[0] != NULL) {
    GstElement *e = gst_harness_find_element (h, "masteq");
    const gchar *bad;

    fail_unless (e != NULL);
    bad = mst_childargs_set (GST_CHILD_PROXY (e), child_args);
    fail_unless (bad == NULL, "%s: cannot set %s", desc, bad);
    gst_object_unref (e);
  }
  g_strfreev (child_args);
  g_free (plain);
  gst_harness_set_caps_str (h, CAPS_F32, CAPS_F32);
  return h;
}

static GstBuffer *
buffer_from (const float *x, gsize frames)
{
  return gst_buffer_new_memdup (x, frames * 2 * sizeof (float));
}

/* Push frames in buffers of `block`, collecting the output in out. */
static void
run (GstHarness * h, const float *in, float *out, gsize frames, gsize block)
{
  gsize i;

  for (i = 0; i < frames; i += block) {
    gsize n = MIN (block, frames - i);
    GstBuffer *o;
    GstMapInfo map;
    fail_unless_equals_int (gst_harness_push (h, buffer_from (in + 2 * i,
                n)), GST_FLOW_OK);
    o = gst_harness_pull (h);
    fail_unless (gst_buffer_map (o, &map, GST_MAP_READ));
    fail_unless_equals_int (map.size, n * 2 * sizeof (float));
    memcpy (out + 2 * i, map.data, map.size);
    gst_buffer_unmap (o, &map);
    gst_buffer_unref (o);
  }
}

static float *
music (gsize frames, guint64 seed)
{
  double *d = g_new (double, frames * 2);
  float *f = g_new (float, frames * 2);

  mst_synth_music_f64 (d, frames, 2, RATE, -1.0, seed);
  mst_synth_to_f32 (f, d, frames * 2);
  g_free (d);
  return f;
}

/* num-bands = 0, and bands at 0 dB: output bit-exact. */
GST_START_TEST (test_passthrough)
{
  const gsize n = RATE;
  float *in = music (n, 1), *out = g_new (float, n * 2);
  GstHarness *h = make_harness ("masteq");

  run (h, in, out, n, 1024);
  fail_unless (memcmp (in, out, n * 2 * sizeof (float)) == 0);
  gst_harness_teardown (h);

  h = make_harness ("masteq num-bands=3 band0::gain=0 band1::type=low-shelf "
      "band1::channels=side band2::type=tilt band2::gain=6 "
      "band2::bypass=true");
  run (h, in, out, n, 1024);
  fail_unless (memcmp (in, out, n * 2 * sizeof (float)) == 0);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

/* A side-only band leaves a mono input bit-exact. */
GST_START_TEST (test_side_band_mono)
{
  const gsize n = RATE;
  float *in = music (n, 2), *out = g_new (float, n * 2);
  GstHarness *h = make_harness ("masteq num-bands=2 band0::type=peak "
      "band0::freq=2000 band0::gain=9 band0::channels=side "
      "band1::type=high-pass band1::freq=200 band1::order=4 "
      "band1::channels=side");
  gsize i;

  for (i = 0; i < n; i++)
    in[2 * i + 1] = in[2 * i];
  run (h, in, out, n, 1024);
  fail_unless (memcmp (in, out, n * 2 * sizeof (float)) == 0);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

/* Band children: names, ranges, enum nicks. */
GST_START_TEST (test_children)
{
  GstElement *e = gst_element_factory_make ("masteq", NULL);
  GObject *band;
  GParamSpec *ps;
  gdouble gain;
  gint type;

  fail_unless (e != NULL);
  fail_unless (GST_IS_CHILD_PROXY (e));
  fail_unless (GST_IS_PRESET (e));
  fail_unless_equals_int (gst_child_proxy_get_children_count
      (GST_CHILD_PROXY (e)), 16);
  gst_child_proxy_set (GST_CHILD_PROXY (e), "band3::gain", 4.5,
      "band3::type", 2, NULL);
  band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), "band3");
  fail_unless (band != NULL);
  g_object_get (band, "gain", &gain, "type", &type, NULL);
  fail_unless_equals_float (gain, 4.5);
  fail_unless_equals_int (type, 2);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "gain");
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->minimum, -24.0);
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->maximum, 24.0);
  fail_unless (ps->flags & GST_PARAM_CONTROLLABLE);
  fail_unless (ps->flags & GST_PARAM_MUTABLE_PLAYING);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "q");
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->minimum, 0.1);
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->maximum, 20.0);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "order");
  fail_unless_equals_int (G_PARAM_SPEC_UINT (ps)->maximum, 8);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "type");
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          "high-shelf") != NULL);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "channels");
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          "side") != NULL);
  g_object_unref (band);
  gst_object_unref (e);
}

GST_END_TEST;

/* Response through the element (F32): steady-state sines against the
 * prototype of a peak, within 0.1 dB. */
GST_START_TEST (test_measured_response)
{
  static const double freqs[] = { 100.0, 1000.0, 2500.0, 6000.0, 15000.0 };
  const gsize n = RATE / 2;
  float *in = g_new (float, n * 2), *out = g_new (float, n * 2);
  double *d = g_new (double, n * 2);
  guint k;

  for (k = 0; k < G_N_ELEMENTS (freqs); k++) {
    GstHarness *h = make_harness ("masteq num-bands=1 band0::type=peak "
        "band0::freq=2500 band0::gain=6 band0::q=1.5");
    double f = freqs[k], rin = 0.0, rout = 0.0, meas, proto;
    double complex p = I * f / 2500.0;
    double A = pow (10.0, 6.0 / 40.0);
    gsize i;

    mst_synth_sine_f64 (d, n, 2, 3, RATE, f, 0.25, 0.0, 0);
    mst_synth_to_f32 (in, d, n * 2);
    run (h, in, out, n, 1024);
    for (i = n / 2; i < n; i++) {
      rin += (double) in[2 * i] * in[2 * i];
      rout += (double) out[2 * i] * out[2 * i];
    }
    meas = 10.0 * log10 (rout / rin);
    proto = 20.0 * log10 (cabs ((p * p + A / 1.5 * p + 1.0) /
            (p * p + p / (A * 1.5) + 1.0)));
    GST_INFO ("%g Hz: measured %.3f dB, prototype %.3f dB", f, meas, proto);
    fail_unless (fabs (meas - proto) <= 0.1, "%g Hz: %g vs %g", f, meas, proto);
    gst_harness_teardown (h);
  }
  g_free (in);
  g_free (out);
  g_free (d);
}

GST_END_TEST;

/* Gain changes while playing glide: no sample-to-sample step beyond the
 * bound of tests/dsp/test-eq.c (2.5 a w for a sine of amplitude a). */
GST_START_TEST (test_gain_change_glides)
{
  const gsize n = RATE, block = 480;
  const double w = 2.0 * M_PI * 100.0 / RATE;
  float *in = g_new (float, n * 2), *out = g_new (float, n * 2);
  double *d = g_new (double, n * 2), step = 0.0;
  GstHarness *h = make_harness ("masteq num-bands=1 band0::type=low-shelf "
      "band0::freq=2000 band0::gain=-12");
  GstElement *e = gst_harness_find_element (h, "masteq");
  gsize i;

  mst_synth_sine_f64 (d, n, 2, 3, RATE, 100.0, 0.25, 0.0, 0);
  mst_synth_to_f32 (in, d, n * 2);
  for (i = 0; i < n; i += block) {
    if ((i / block) % 5 == 0)
      gst_child_proxy_set (GST_CHILD_PROXY (e), "band0::gain",
          (i / block) % 10 == 0 ? 12.0 : -12.0, NULL);
    run (h, in + 2 * i, out + 2 * i, block, block);
  }
  for (i = 1; i < n; i++)
    step = fmax (step, fabs (out[2 * i] - out[2 * i - 2]));
  GST_INFO ("max step %.4f (bound %.4f)", step, 2.5 * w);
  fail_unless (step <= 2.5 * 1.0 * w, "step %g", step);
  gst_object_unref (e);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
  g_free (d);
}

GST_END_TEST;

/* Shipped presets load (GST_PRESET_PATH points at gst/presets); a saved
 * preset restores band settings. */
GST_START_TEST (test_presets)
{
  GstElement *e = gst_element_factory_make ("masteq", NULL);
  gchar **names = gst_preset_get_preset_names (GST_PRESET (e));
  static const gchar *shipped[] = { "warm", "bright", "air", "low-cut",
    "vocal-presence"
  };
  guint i, nb;
  gdouble gain, freq;
  gint type, channels;

  fail_unless (names != NULL);
  for (i = 0; i < G_N_ELEMENTS (shipped); i++)
    fail_unless (g_strv_contains ((const gchar * const *) names, shipped[i]),
        "preset %s missing", shipped[i]);
  g_strfreev (names);

  fail_unless (gst_preset_load_preset (GST_PRESET (e), "vocal-presence"));
  g_object_get (e, "num-bands", &nb, NULL);
  fail_unless_equals_int (nb, 2);
  gst_child_proxy_get (GST_CHILD_PROXY (e), "band0::gain", &gain,
      "band0::freq", &freq, "band0::channels", &channels, NULL);
  fail_unless_equals_float (gain, 2.0);
  fail_unless_equals_float (freq, 3000.0);
  fail_unless_equals_int (channels, 1); /* mid */

  /* save, change, load back */
  g_object_set (e, "num-bands", 4, "output-gain", -1.5, NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (e), "band3::type", 5,
      "band3::gain", 3.25, "band3::freq", 640.0, NULL);
  fail_unless (gst_preset_save_preset (GST_PRESET (e), "test-saved"));
  g_object_set (e, "num-bands", 1, "output-gain", 0.0, NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (e), "band3::type", 0,
      "band3::gain", 0.0, "band3::freq", 1000.0, NULL);
  fail_unless (gst_preset_load_preset (GST_PRESET (e), "test-saved"));
  g_object_get (e, "num-bands", &nb, "output-gain", &gain, NULL);
  fail_unless_equals_int (nb, 4);
  fail_unless_equals_float (gain, -1.5);
  gst_child_proxy_get (GST_CHILD_PROXY (e), "band3::type", &type,
      "band3::gain", &gain, "band3::freq", &freq, NULL);
  fail_unless_equals_int (type, 5);
  fail_unless_equals_float (gain, 3.25);
  fail_unless_equals_float (freq, 640.0);
  fail_unless (gst_preset_delete_preset (GST_PRESET (e), "test-saved"));
  gst_object_unref (e);
}

GST_END_TEST;

/* auto-gain: a +6 dB broadband boost is compensated within 0.5 dB. */
GST_START_TEST (test_auto_gain)
{
  const gsize n = RATE / 4;
  float *in = music (n, 4), *out = g_new (float, n * 2);
  GstHarness *h = make_harness ("masteq num-bands=1 "
      "band0::type=low-shelf band0::freq=20000 band0::gain=6 auto-gain=true");
  GstElement *e = gst_harness_find_element (h, "masteq");
  gdouble ag;

  run (h, in, out, n, 1024);
  g_object_get (e, "auto-gain-db", &ag, NULL);
  GST_INFO ("auto gain %.3f dB", ag);
  fail_unless (fabs (ag + 6.0) <= 0.5, "auto gain %g", ag);
  gst_object_unref (e);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

static Suite *
masteq_suite (void)
{
  Suite *s = suite_create ("masteq");
  TCase *tc = tcase_create ("general");
  gchar *tmp = g_dir_make_tmp ("masteq-XXXXXX", NULL);

  /* saved presets go to a scratch user data dir */
  if (tmp)
    g_setenv ("XDG_DATA_HOME", tmp, TRUE);
  g_free (tmp);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_passthrough);
  tcase_add_test (tc, test_side_band_mono);
  tcase_add_test (tc, test_children);
  tcase_add_test (tc, test_measured_response);
  tcase_add_test (tc, test_gain_change_glides);
  tcase_add_test (tc, test_presets);
  tcase_add_test (tc, test_auto_gain);
  return s;
}

GST_CHECK_MAIN (masteq);
