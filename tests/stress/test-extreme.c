/* gst-mastering: extreme configurations.
 *
 * Every element (loudnorm in its four modes, automaster in both) at
 * 8 kHz and 384 kHz, with 1 and 8 channels (masterwiden: and 2), with
 * every writable property at its smallest value, then every one at its
 * largest, all at once: the properties are enumerated generically
 * (g_object_class_list_properties); numbers take the pspec's minimum or
 * maximum, booleans FALSE or TRUE, enums their smallest or largest value
 * (except the `mode` under test); the band objects of masteq and
 * mastercomp (GstChildProxy) get the same treatment (masteq also with
 * every band a high-pass, then a low-pass: the extremes of their
 * frequency lie far above Nyquist at 8 kHz).  A noise stream with
 * a +20 dBFS burst goes through, then EOS.  Checked:
 *  - stereo-only masterwiden refuses 1 and 8 channels at negotiation
 *    (the push fails with not-negotiated, a warning says why);
 *  - loudnorm refuses, with an error message, mode=static without
 *    measured-loudness (its minimum) and mode=file on a stream longer
 *    than max-duration (its minimum, 1 s);
 *  - everything else: no error, every push accepted, finite output, the
 *    exact number of output frames;
 *  - masterlimit and the normalising modes of loudnorm and automaster:
 *    the output sample peak at most the ceiling (+0.01 dB; the 16x true
 *    peak is checked by test-hostile at 48 kHz).
 */
#include "stress.h"

typedef struct
{
  const gchar *factory;
  const gchar *mode;            /* value of `mode`, or NULL */
  const gchar *band_type;       /* `type` of every band, or NULL */
  gboolean stereo_only;
  gboolean limits;              /* its output obeys a ceiling property */
} Element;

static const Element elements[] = {
  {"masteq", NULL, NULL, FALSE, FALSE},
  {"masteq", NULL, "high-pass", FALSE, FALSE},
  {"masteq", NULL, "low-pass", FALSE, FALSE},
  {"mastercomp", NULL, NULL, FALSE, FALSE},
  {"masterwiden", NULL, NULL, TRUE, FALSE},
  {"masterlimit", NULL, NULL, FALSE, TRUE},
  {"loudnorm", "measure", NULL, FALSE, FALSE},
  {"loudnorm", "static", NULL, FALSE, TRUE},
  {"loudnorm", "file", NULL, FALSE, TRUE},
  {"loudnorm", "dynamic", NULL, FALSE, TRUE},
  {"automaster", "file", NULL, FALSE, TRUE},
  {"automaster", "live", NULL, FALSE, TRUE},
};

static const guint rates[] = { 8000, 384000 };
static const guint channel_counts[] = { 1, 8, 2 };

/* Sets every writable property of o to its minimum (max FALSE) or
 * maximum; returns how many were set. */
static guint
set_extremes (GObject * o, gboolean max)
{
  GParamSpec **ps;
  guint n, i, set = 0;

  ps = g_object_class_list_properties (G_OBJECT_GET_CLASS (o), &n);
  for (i = 0; i < n; i++) {
    GParamSpec *p = ps[i];
    GValue v = G_VALUE_INIT;

    if (!(p->flags & G_PARAM_WRITABLE) || (p->flags & G_PARAM_CONSTRUCT_ONLY)
        || !strcmp (p->name, "name") || !strcmp (p->name, "parent")
        || !strcmp (p->name, "mode"))
      continue;
    g_value_init (&v, p->value_type);
    if (G_IS_PARAM_SPEC_DOUBLE (p)) {
      GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
      g_value_set_double (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_FLOAT (p)) {
      GParamSpecFloat *d = G_PARAM_SPEC_FLOAT (p);
      g_value_set_float (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_INT (p)) {
      GParamSpecInt *d = G_PARAM_SPEC_INT (p);
      g_value_set_int (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_UINT (p)) {
      GParamSpecUInt *d = G_PARAM_SPEC_UINT (p);
      g_value_set_uint (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_INT64 (p)) {
      GParamSpecInt64 *d = G_PARAM_SPEC_INT64 (p);
      g_value_set_int64 (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_UINT64 (p)) {
      GParamSpecUInt64 *d = G_PARAM_SPEC_UINT64 (p);
      g_value_set_uint64 (&v, max ? d->maximum : d->minimum);
    } else if (G_IS_PARAM_SPEC_BOOLEAN (p)) {
      g_value_set_boolean (&v, max);
    } else if (G_IS_PARAM_SPEC_ENUM (p)) {
      GEnumClass *e = G_PARAM_SPEC_ENUM (p)->enum_class;
      g_value_set_enum (&v, max ? e->maximum : e->minimum);
    } else {
      g_value_unset (&v);
      continue;
    }
    g_object_set_property (o, p->name, &v);
    g_value_unset (&v);
    set++;
  }
  g_free (ps);
  return set;
}

static GstElement *
make_element (const Element * el, gboolean max)
{
  GstElement *e = gst_element_factory_make (el->factory, NULL);
  guint n;

  fail_unless (e != NULL, "no element %s", el->factory);
  if (el->mode)
    gst_util_set_object_arg (G_OBJECT (e), "mode", el->mode);
  n = set_extremes (G_OBJECT (e), max);
  fail_unless (n > 0);
  /* the bands (not automaster's elements: it configures those itself) */
  if (GST_IS_CHILD_PROXY (e) && !GST_IS_BIN (e)) {
    GstChildProxy *cp = GST_CHILD_PROXY (e);
    guint i, count = gst_child_proxy_get_children_count (cp);
    for (i = 0; i < count; i++) {
      GObject *c = gst_child_proxy_get_child_by_index (cp, i);
      set_extremes (c, max);
      if (el->band_type)
        gst_util_set_object_arg (c, "type", el->band_type);
      g_object_unref (c);
    }
  }
  return e;
}

static gdouble
ceiling_of (GstElement * e)
{
  gdouble c;

  g_object_get (e, g_object_class_find_property (G_OBJECT_GET_CLASS (e),
          "ceiling") ? "ceiling" : "true-peak-limit", &c, NULL);
  return c;
}

static void
run (const Element * el, guint rate, guint channels, gboolean max)
{
  GstElement *e = make_element (el, max);
  gboolean f64 = max;
  /* long enough for loudnorm's gates; shorter at 384 kHz */
  gsize frames = rate == 8000 ? rate * 3 / 2 : rate * 3 / 20;
  gsize block = rate / 20, pos, i;
  gdouble *x = g_new (gdouble, block * channels), ceiling = NAN;
  guint32 seed = 1;
  gchar *what = g_strdup_printf ("%s%s%s at %u Hz, %u channels, %s",
      el->factory, el->mode ? " mode=" : "", el->mode ? el->mode : "", rate,
      channels, max ? "max" : "min");
  StressRun r;
  /* refusals the element documents, with an error message saying why:
   * mode=static without measured-loudness (its minimum means unset),
   * mode=file with a stream longer than max-duration (minimum 1 s) */
  gboolean expect_error = el->mode && !max && (!strcmp (el->mode, "static")
      || (!strcmp (el->mode, "file") && !strcmp (el->factory, "loudnorm")
          && frames > rate));

  if (el->limits)
    ceiling = ceiling_of (e);
  stress_start (&r, e, f64, rate, channels);
  for (pos = 0; pos < frames; pos += block) {
    gsize n = MIN (block, frames - pos);
    GstClockTime pts = gst_util_uint64_scale (pos, GST_SECOND, rate);
    GstFlowReturn ret;
    /* noise at -12 dBFS, a +20 dBFS burst in the middle */
    gdouble amp = (pos >= frames / 2 && pos < frames / 2 + block) ? 10.0 : 0.25;

    for (i = 0; i < n * channels; i++) {
      seed = seed * 1664525u + 1013904223u;
      x[i] = amp * ((gdouble) seed / 2147483648.0 - 1.0);
    }
    ret = stress_push (&r, x, n, pts, gst_util_uint64_scale (pos + n,
            GST_SECOND, rate) - pts, pos == 0 ? GST_BUFFER_FLAG_DISCONT : 0);
    if (el->stereo_only && channels != 2) {
      fail_unless_equals_int (ret, GST_FLOW_NOT_NEGOTIATED);
      break;
    }
    if (expect_error && ret == GST_FLOW_ERROR)
      break;
    fail_unless (ret == GST_FLOW_OK, "%s: push at frame %" G_GSIZE_FORMAT
        " returned %s", what, pos, gst_flow_get_name (ret));
  }
  if (el->stereo_only && channels != 2) {
    stress_poll_bus (&r);
    fail_unless (r.warnings + r.errors > 0, "%s: refused silently", what);
  } else if (expect_error) {
    stress_poll_bus (&r);
    fail_unless (pos < frames && r.errors > 0, "%s: not refused", what);
  } else {
    gdouble peak;
    stress_eos (&r);
    fail_unless_equals_int (r.errors, 0);
    fail_unless_equals_uint64 (stress_frames_out (&r), r.frames_in);
    peak = stress_check_finite (&r, what);
    if (el->limits)
      fail_unless (20.0 * log10 (peak) <= ceiling + 0.01,
          "%s: sample peak %.3f dB over the ceiling %.2f", what,
          20.0 * log10 (peak), ceiling);
  }
  stress_stop (&r);
  g_free (x);
  g_free (what);
}

GST_START_TEST (test_extreme)
{
  const Element *el = &elements[__i__];
  guint ri, ci, m;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++)
    /* stereo only where it is the exception */
    for (ci = 0; ci < (el->stereo_only ? 3 : 2); ci++)
      for (m = 0; m < 2; m++)
        run (el, rates[ri], channel_counts[ci], m);
}

GST_END_TEST;

/* masteq at 8 kHz with cut filters at the top of the frequency range,
 * 10 times Nyquist, with every order and the extremes of q: the design
 * once produced NaN coefficients for some of them (a high-pass with
 * q 0.1), which turned the whole output into NaN. */
GST_START_TEST (test_eq_above_nyquist)
{
  static const gchar *types[] = { "high-pass", "low-pass" };
  static const gdouble qs[] = { 0.1, 0.7071, 20.0 };
  guint t, o, q, i;
  gdouble x[800];

  for (i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = 0.5 * sin (0.3 * i);
  for (t = 0; t < G_N_ELEMENTS (types); t++)
    for (o = 1; o <= 8; o++)
      for (q = 0; q < G_N_ELEMENTS (qs); q++) {
        GstElement *e = gst_element_factory_make ("masteq", NULL);
        gchar *what = g_strdup_printf ("%s order %u q %g at 40 kHz",
            types[t], o, qs[q]);
        StressRun r;
        GObject *band;

        g_object_set (e, "num-bands", 1, NULL);
        gst_child_proxy_set (GST_CHILD_PROXY (e), "band0::freq", 40000.0,
            "band0::q", qs[q], "band0::order", o, NULL);
        band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), "band0");
        gst_util_set_object_arg (band, "type", types[t]);
        g_object_unref (band);
        stress_start (&r, e, FALSE, 8000, 1);
        fail_unless_equals_int (stress_push (&r, x, G_N_ELEMENTS (x), 0,
                GST_SECOND / 10, 0), GST_FLOW_OK);
        stress_eos (&r);
        fail_unless_equals_uint64 (stress_frames_out (&r), r.frames_in);
        stress_check_finite (&r, what);
        stress_stop (&r);
        g_free (what);
      }
}

GST_END_TEST;

static Suite *
extreme_suite (void)
{
  Suite *s = suite_create ("extreme");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_extreme, 0, G_N_ELEMENTS (elements));
  tcase_add_test (tc, test_eq_above_nyquist);
  return s;
}

GST_CHECK_MAIN (extreme);
