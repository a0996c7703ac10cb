/* gst-mastering: hostile input through every element.
 *
 * One stream per element configuration and sample format (F32, F64),
 * stereo at 48 kHz, holding in turn: a sine, NaN samples, +Inf and -Inf,
 * float and double denormals, DC at full scale, a +40 dBFS sine, single-
 * sample buffers, empty buffers, a GAP buffer, a discontinuity (DISCONT
 * and a timestamp jump), buffers without timestamps, and a sine to the
 * end, then EOS.  Every configuration is checked for:
 *  - no crash, no error message, every push accepted;
 *  - finite output (the passthrough configurations, masteq without bands
 *    and loudnorm mode=measure, promise bit-exact output instead: checked
 *    to be the input exactly, NaN included);
 *  - the exact number of output frames (every element promises it,
 *    lookahead ones by draining at EOS);
 *  - elements that limit (masterlimit, loudnorm static/file/dynamic,
 *    automaster file/live): the output true peak by the 16x reference
 *    meter at most the ceiling + 0.01 dB, despite the NaN/Inf and the
 *    +40 dBFS input (masterlimit true-peak=false: the sample peak);
 *  - a WARNING message on the bus about the non-finite input (every
 *    element that replaces Inf/NaN rather than passing it through).
 */
#include "stress.h"

#define RATE 48000
#define CH 2
#define TOL_DB 0.01

typedef enum
{
  PROMISE_FINITE,               /* finite output */
  PROMISE_IDENTITY,             /* output == input, bit for bit */
} Promise;

typedef struct
{
  const gchar *desc;            /* factory and properties, as gst-launch */
  Promise promise;
  gdouble ceiling_db;           /* true-peak ceiling, NAN: none */
  gboolean sample_peak;         /* the ceiling is a sample peak */
  gboolean warns;               /* posts a warning on Inf/NaN input */
} Config;

static const Config configs[] = {
  {"masteq num-bands=0", PROMISE_IDENTITY, NAN, FALSE, FALSE},
  {"masteq num-bands=3 output-gain=-3", PROMISE_FINITE, NAN, FALSE, TRUE},
  {"mastercomp", PROMISE_FINITE, NAN, FALSE, TRUE},
  {"mastercomp bands=4 lookahead=5 makeup=24 auto-release=true",
      PROMISE_FINITE, NAN, FALSE, TRUE},
  {"masterwiden width=2 mono-bass=120 safe-width=true", PROMISE_FINITE,
      NAN, FALSE, TRUE},
  {"masterlimit", PROMISE_FINITE, -1.0, FALSE, TRUE},
  {"masterlimit ceiling=-6 input-gain=36 lookahead=1 release=1",
      PROMISE_FINITE, -6.0, FALSE, TRUE},
  {"masterlimit true-peak=false ceiling=-3", PROMISE_FINITE, -3.0, TRUE,
      TRUE},
  {"loudnorm mode=measure", PROMISE_IDENTITY, NAN, FALSE, TRUE},
  {"loudnorm mode=static measured-loudness=-40", PROMISE_FINITE, -1.0,
      FALSE, TRUE},
  {"loudnorm mode=file", PROMISE_FINITE, -1.0, FALSE, TRUE},
  {"loudnorm mode=dynamic lookahead=100", PROMISE_FINITE, -1.0, FALSE,
      TRUE},
  {"automaster mode=file", PROMISE_FINITE, -1.0, FALSE, TRUE},
  {"automaster mode=live", PROMISE_FINITE, -1.0, FALSE, TRUE},
};

/* The hostile stream, as (data, frames, pts, flags) steps; NULL data with
 * frames > 0: zeros. */
typedef struct
{
  gdouble *x;
  gsize frames;
  GstClockTime pts;
  GstBufferFlags flags;
} Step;

static GstElement *
make_element (const gchar * desc)
{
  GError *err = NULL;
  GstElement *e = gst_parse_launch_full (desc, NULL,
      GST_PARSE_FLAG_NO_SINGLE_ELEMENT_BINS, &err);

  fail_unless (e != NULL, "%s: %s", desc, err ? err->message : "?");
  /* masteq's bands: a boost, a cut and a high-pass */
  if (GST_IS_CHILD_PROXY (e) && g_str_has_prefix (desc, "masteq")
      && !strstr (desc, "num-bands=0")) {
    gst_child_proxy_set (GST_CHILD_PROXY (e), "band0::gain", 12.0,
        "band1::gain", -12.0, "band1::freq", 3000.0, NULL);
  }
  return e;
}

static gdouble *
sine (gsize frames, gdouble amp, gdouble freq)
{
  gdouble *x = g_new (gdouble, frames * CH);
  gsize i;

  for (i = 0; i < frames * CH; i++)
    x[i] = amp * sin (2.0 * G_PI * freq * (i / CH) / RATE + (i % CH));
  return x;
}

static gdouble *
fill (gsize frames, gdouble v)
{
  gdouble *x = g_new (gdouble, frames * CH);
  gsize i;

  for (i = 0; i < frames * CH; i++)
    x[i] = v;
  return x;
}

/* Builds the steps; returns their number. */
static guint
make_steps (Step * s, gboolean f64)
{
  guint n = 0, k;
  GstClockTime t = 0;
  gdouble *x;

#define STEP(data, len, fl) do {                                        \
    s[n].x = (data); s[n].frames = (len); s[n].pts = t;                 \
    s[n].flags = (fl); n++;                                             \
    t += gst_util_uint64_scale_int ((len), GST_SECOND, RATE);           \
  } while (0)

  STEP (sine (4800, 0.5, 997.0), 4800, GST_BUFFER_FLAG_DISCONT);
  x = sine (4800, 0.5, 997.0);
  for (k = 0; k < 4800 * CH; k += 333)
    x[k] = NAN;
  STEP (x, 4800, 0);
  x = sine (4800, 0.5, 997.0);
  for (k = 0; k < 4800 * CH; k += 501)
    x[k] = k % 2 ? -INFINITY : INFINITY;
  STEP (x, 4800, 0);
  STEP (fill (2400, NAN), 2400, 0);
  STEP (fill (2400, INFINITY), 2400, 0);
  STEP (fill (4800, f64 ? 1e-310 : 1e-40), 4800, 0);
  STEP (fill (9600, 1.0), 9600, 0);
  STEP (sine (9600, 100.0, 3000.0), 9600, 0);
  STEP (sine (9600, 100.0, 11025.0), 9600, 0);
  for (k = 0; k < 3; k++)
    STEP (fill (1, k == 1 ? NAN : 0.9), 1, 0);
  STEP (NULL, 0, 0);
  STEP (NULL, 4800, GST_BUFFER_FLAG_GAP);
  STEP (NULL, 0, 0);
  /* a discontinuity: 1 s of stream time is missing */
  t += GST_SECOND;
  STEP (sine (4800, 0.9, 440.0), 4800, GST_BUFFER_FLAG_DISCONT);
  STEP (sine (2400, 0.9, 440.0), 2400, 0);
  /* no timestamps */
  k = n;
  STEP (sine (2400, 0.9, 440.0), 2400, 0);
  STEP (sine (1000, 0.9, 440.0), 1000, 0);
  s[k].pts = s[k + 1].pts = GST_CLOCK_TIME_NONE;
  STEP (sine (24000, 0.7, 5000.0), 24000, 0);
#undef STEP
  return n;
}

static void
run_config (const Config * c, gboolean f64)
{
  Step steps[40];
  guint n = make_steps (steps, f64), i;
  StressRun r;
  GArray *in = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gchar *what = g_strdup_printf ("%s (%s)", c->desc, f64 ? "F64" : "F32");

  stress_start (&r, make_element (c->desc), f64, RATE, CH);
  for (i = 0; i < n; i++) {
    GstClockTime dur = gst_util_uint64_scale_int (steps[i].frames,
        GST_SECOND, RATE);
    gsize k;
    GstFlowReturn ret;

    if (!GST_CLOCK_TIME_IS_VALID (steps[i].pts))
      dur = GST_CLOCK_TIME_NONE;
    ret = stress_push (&r, steps[i].x, steps[i].frames, steps[i].pts, dur,
        steps[i].flags);
    fail_unless_equals_int (ret, GST_FLOW_OK);
    for (k = 0; k < steps[i].frames * CH; k++) {
      gdouble v = steps[i].x ? steps[i].x[k] : 0.0;
      if (!f64)
        v = (gfloat) v;
      g_array_append_val (in, v);
    }
    g_free (steps[i].x);
  }
  stress_eos (&r);

  fail_unless_equals_int (r.errors, 0);
  fail_unless_equals_uint64 (stress_frames_out (&r), r.frames_in);
  if (c->promise == PROMISE_IDENTITY) {
    fail_unless_equals_int (in->len, r.out->len);
    fail_unless (memcmp (in->data, r.out->data,
            in->len * sizeof (gdouble)) == 0, "%s: not bit-exact", what);
  } else {
    gdouble peak = stress_check_finite (&r, what);
    if (!isnan (c->ceiling_db)) {
      gdouble db = c->sample_peak ? 20.0 * log10 (peak) :
          stress_true_peak_db (&r);
      fail_unless (db <= c->ceiling_db + TOL_DB,
          "%s: output peak %.3f dB over the ceiling %.2f", what, db,
          c->ceiling_db);
      GST_INFO ("%s: output peak %.3f dB (ceiling %.2f)", what, db,
          c->ceiling_db);
    }
  }
  if (c->warns)
    fail_unless (r.warnings > 0, "%s: no warning about Inf/NaN", what);
  stress_stop (&r);
  g_array_free (in, TRUE);
  g_free (what);
}

GST_START_TEST (test_hostile_f32)
{
  run_config (&configs[__i__], FALSE);
}

GST_END_TEST;

GST_START_TEST (test_hostile_f64)
{
  run_config (&configs[__i__], TRUE);
}

GST_END_TEST;

/* A stream that is nothing but non-finite samples, and one of nothing
 * but GAP buffers: silence out, nothing else. */
GST_START_TEST (test_only_garbage)
{
  const Config *c = &configs[__i__];
  StressRun r;
  gdouble *x = fill (4800, NAN);
  guint k;

  if (c->promise == PROMISE_IDENTITY) {
    g_free (x);
    return;
  }
  stress_start (&r, make_element (c->desc), FALSE, RATE, CH);
  for (k = 0; k < 20; k++) {
    GstClockTime pts = gst_util_uint64_scale_int (k * 4800, GST_SECOND, RATE);
    fail_unless_equals_int (stress_push (&r, k % 2 ? x : NULL, 4800, pts,
            GST_SECOND / 10, k % 2 ? 0 : GST_BUFFER_FLAG_GAP), GST_FLOW_OK);
  }
  stress_eos (&r);
  fail_unless_equals_int (r.errors, 0);
  fail_unless_equals_uint64 (stress_frames_out (&r), r.frames_in);
  for (k = 0; k < r.out->len; k++)
    fail_unless (g_array_index (r.out, gdouble, k) == 0.0,
        "%s: sample %u is %g", c->desc, k, g_array_index (r.out, gdouble, k));
  stress_stop (&r);
  g_free (x);
}

GST_END_TEST;

static Suite *
hostile_suite (void)
{
  Suite *s = suite_create ("hostile");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_hostile_f32, 0, G_N_ELEMENTS (configs));
  tcase_add_loop_test (tc, test_hostile_f64, 0, G_N_ELEMENTS (configs));
  tcase_add_loop_test (tc, test_only_garbage, 0, G_N_ELEMENTS (configs));
  return s;
}

GST_CHECK_MAIN (hostile);
