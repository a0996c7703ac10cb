/* gst-mastering: the masterwiden element with GstHarness.
 *
 * Tolerances are the issue's: bit-exact passthrough at neutral settings,
 * L == R exactly at width 0, side scaling within 0.01 dB with the mid
 * untouched (0.01 dB), mono bass at 120 Hz taking >= 40 dB off a 40 Hz
 * side tone while a 1 kHz side tone stays within 0.1 dB and the mid sums
 * flat (0.01 dB), and a correlation message of +1 for mono, -1 for
 * inverted channels and about 0 (4 standard deviations of the estimate)
 * for independent noise.  Glides are checked as the largest
 * sample-to-sample step against a bound derived in each test.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/base/gstbasetransform.h>
#include <gst/controller/controller.h>

#include <string.h>

#include "synth.h"

#define RATE 48000
#define BLOCK 1024

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  gboolean f64;
  gint rate;
  guint64 offset;               /* frames pushed */
} Ctx;

static void
ctx_init (Ctx * c, gboolean f64, gint rate)
{
  c->h = gst_harness_new ("masterwiden");
  c->bus = gst_bus_new ();
  gst_element_set_bus (c->h->element, c->bus);
  c->f64 = f64;
  c->rate = rate;
  c->offset = 0;
}

/* Caps go out with the first buffer: set the properties before. */
static void
ctx_caps (Ctx * c)
{
  gchar *caps = g_strdup_printf ("audio/x-raw, format=%s, rate=%d, "
      "channels=2, layout=interleaved",
      c->f64 ? GST_AUDIO_NE (F64) : GST_AUDIO_NE (F32), c->rate);

  gst_harness_set_src_caps_str (c->h, caps);
  g_free (caps);
}

static void
ctx_clear (Ctx * c)
{
  gst_element_set_bus (c->h->element, NULL);
  gst_object_unref (c->bus);
  gst_harness_teardown (c->h);
}

static GstBuffer *
make_buffer (Ctx * c, const double *x, size_t frames)
{
  gsize bytes = frames * 2 * (c->f64 ? sizeof (double) : sizeof (float));
  GstBuffer *buf = gst_buffer_new_allocate (NULL, bytes, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  if (c->f64)
    memcpy (map.data, x, bytes);
  else
    mst_synth_to_f32 ((float *) map.data, x, 2 * frames);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (c->offset, GST_SECOND,
      c->rate);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (c->offset + frames,
      GST_SECOND, c->rate) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = c->offset;
  return buf;
}

/* Push frames (in blocks) and read the output back into out (may be
 * NULL); with raw, the output bytes are compared with the input bytes and
 * the result returned. */
static gboolean
run (Ctx * c, const double *x, size_t frames, double *out)
{
  size_t pos;
  gboolean same = TRUE;

  for (pos = 0; pos < frames; pos += BLOCK) {
    size_t n = MIN (BLOCK, frames - pos), i;
    GstBuffer *in = make_buffer (c, x + 2 * pos, n), *o;
    GstMapInfo mi, mo;

    gst_buffer_ref (in);
    fail_unless_equals_int (gst_harness_push (c->h, in), GST_FLOW_OK);
    o = gst_harness_pull (c->h);
    fail_unless (o != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (o), GST_BUFFER_PTS (in));
    gst_buffer_map (in, &mi, GST_MAP_READ);
    gst_buffer_map (o, &mo, GST_MAP_READ);
    fail_unless_equals_int (mi.size, mo.size);
    if (memcmp (mi.data, mo.data, mi.size) != 0)
      same = FALSE;
    if (out) {
      for (i = 0; i < 2 * n; i++)
        out[2 * pos + i] = c->f64 ? ((const double *) mo.data)[i] :
            ((const float *) mo.data)[i];
    }
    gst_buffer_unmap (in, &mi);
    gst_buffer_unmap (o, &mo);
    gst_buffer_unref (in);
    gst_buffer_unref (o);
    c->offset += n;
  }
  return same;
}

typedef struct
{
  double ll, rr, mm, ss;
} Energy;

static Energy
energy (const double *x, size_t from, size_t to)
{
  Energy e = { 0, 0, 0, 0 };
  size_t i;

  for (i = from; i < to; i++) {
    double l = x[2 * i], r = x[2 * i + 1];

    e.ll += l * l, e.rr += r * r;
    e.mm += 0.25 * (l + r) * (l + r), e.ss += 0.25 * (l - r) * (l - r);
  }
  return e;
}

static double
db10 (double a, double b)
{
  return 10.0 * log10 (a / b);
}

static double
max_step (const double *x, size_t from, size_t to)
{
  double m = 0.0;
  size_t i;
  int ch;

  for (i = from + 1; i < to; i++)
    for (ch = 0; ch < 2; ch++)
      m = MAX (m, fabs (x[2 * i + ch] - x[2 * (i - 1) + ch]));
  return m;
}

/* Stereo programme with mid and side: common noise plus independent
 * noise per channel, 0.2 RMS each. */
static double *
programme (size_t frames, guint64 seed)
{
  double *x = g_new (double, 2 * frames), *common = g_new (double, frames);
  size_t i;

  mst_synth_noise_f64 (x, frames, 2, 3, 0.2, seed);
  mst_synth_noise_f64 (common, frames, 1, 1, 0.2, seed + 1);
  for (i = 0; i < frames; i++) {
    x[2 * i] += common[i];
    x[2 * i + 1] += common[i];
  }
  g_free (common);
  return x;
}

/* ---- passthrough, width ----------------------------------------------- */

GST_START_TEST (test_passthrough_bit_exact)
{
  const size_t n = RATE / 2;
  double *x = programme (n, 1);
  int f64;

  x[2 * 1000] = NAN;            /* passthrough means every bit */
  x[2 * 1001 + 1] = 1e-310;
  for (f64 = 0; f64 <= 1; f64++) {
    Ctx c;

    ctx_init (&c, f64, RATE);
    /* explicitly neutral */
    g_object_set (c.h->element, "width", 1.0, "mid-gain", 0.0, "side-gain",
        0.0, "balance", 0.0, "mono-bass", 0.0, "safe-width", TRUE, NULL);
    ctx_caps (&c);
    fail_unless (run (&c, x, n, NULL), "%s: output differs from input",
        f64 ? "F64" : "F32");
    fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
            (c.h->element)));
    ctx_clear (&c);
  }
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_width_zero_exact)
{
  const size_t n = RATE / 2;
  double *x = programme (n, 2), *y = g_new (double, 2 * n);
  int f64;
  size_t i;

  for (f64 = 0; f64 <= 1; f64++) {
    Ctx c;

    ctx_init (&c, f64, RATE);
    g_object_set (c.h->element, "width", 0.0, NULL);
    ctx_caps (&c);
    run (&c, x, n, y);
    for (i = 0; i < n; i++)
      fail_unless (y[2 * i] == y[2 * i + 1], "frame %u: %.9g != %.9g",
          (unsigned) i, y[2 * i], y[2 * i + 1]);

    /* from width 1.3 to 0 while playing: exact once the glide is over */
    g_object_set (c.h->element, "width", 1.3, NULL);
    run (&c, x, n, y);
    g_object_set (c.h->element, "width", 0.0, NULL);
    run (&c, x, n, y);
    for (i = RATE / 20; i < n; i++)
      fail_unless (y[2 * i] == y[2 * i + 1]);
    ctx_clear (&c);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* A width change scales the side by 20 log10 (width) within 0.01 dB and
 * leaves the mid within 0.01 dB; also when changed while playing (measured
 * after the 20 ms glide). */
GST_START_TEST (test_width_scaling)
{
  const size_t n = RATE / 2;
  double *x = programme (n, 3), *y = g_new (double, 2 * n);
  static const double widths[] = { 0.5, 0.8, 1.25, 2.0 };
  unsigned k;
  int f64;

  for (f64 = 0; f64 <= 1; f64++) {
    for (k = 0; k < G_N_ELEMENTS (widths); k++) {
      Ctx c;
      Energy e0 = energy (x, RATE / 10, n), e1;
      double want = 20.0 * log10 (widths[k]);

      ctx_init (&c, f64, RATE);
      ctx_caps (&c);
      run (&c, x, n, y);
      g_object_set (c.h->element, "width", widths[k], NULL);
      run (&c, x, n, y);
      e1 = energy (y, RATE / 10, n);
      fail_unless (fabs (db10 (e1.ss, e0.ss) - want) <= 0.01,
          "width %g: side %+.4f dB, want %+.4f dB", widths[k],
          db10 (e1.ss, e0.ss), want);
      fail_unless (fabs (db10 (e1.mm, e0.mm)) <= 0.01,
          "width %g: mid %+.4f dB", widths[k], db10 (e1.mm, e0.mm));
      ctx_clear (&c);
    }
  }

  /* side-gain / mid-gain in dB as the alternative */
  {
    Ctx c;
    Energy e0 = energy (x, RATE / 10, n), e1;

    ctx_init (&c, FALSE, RATE);
    g_object_set (c.h->element, "side-gain", 3.0, "mid-gain", -1.5, NULL);
    ctx_caps (&c);
    run (&c, x, n, y);
    e1 = energy (y, RATE / 10, n);
    fail_unless (fabs (db10 (e1.ss, e0.ss) - 3.0) <= 0.01);
    fail_unless (fabs (db10 (e1.mm, e0.mm) + 1.5) <= 0.01);
    ctx_clear (&c);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---- mono bass -------------------------------------------------------- */

GST_START_TEST (test_mono_bass)
{
  const size_t n = RATE;        /* measured over the second half */
  double *x = g_new (double, 2 * n), *y = g_new (double, 2 * n);
  struct
  {
    double freq;
    gboolean side;
    double min_drop, max_drop;
  } cases[] = {
    {40.0, TRUE, 40.0, 1000.0},
    {1000.0, TRUE, -0.1, 0.1},
    {40.0, FALSE, -0.01, 0.01},
    {120.0, FALSE, -0.01, 0.01},
    {1000.0, FALSE, -0.01, 0.01},
  };
  unsigned k;
  int f64;

  for (f64 = 0; f64 <= 1; f64++) {
    for (k = 0; k < G_N_ELEMENTS (cases); k++) {
      Ctx c;
      Energy e0, e1;
      double drop;

      mst_synth_sine_f64 (x, n, 2, 1, RATE, cases[k].freq, 0.5, 0.0, 0);
      mst_synth_sine_f64 (x, n, 2, 2, RATE, cases[k].freq, 0.5,
          cases[k].side ? M_PI : 0.0, 0);
      ctx_init (&c, f64, RATE);
      g_object_set (c.h->element, "mono-bass", 120.0, NULL);
      ctx_caps (&c);
      run (&c, x, n, y);
      e0 = energy (x, n / 2, n);
      e1 = energy (y, n / 2, n);
      drop = cases[k].side ? db10 (e0.ss, e1.ss) : db10 (e0.mm, e1.mm);
      fail_unless (drop >= cases[k].min_drop && drop <= cases[k].max_drop,
          "%s %g Hz (%s): drop %g dB, want %g..%g dB",
          cases[k].side ? "side" : "mid", cases[k].freq, f64 ? "F64" : "F32",
          drop, cases[k].min_drop, cases[k].max_drop);
      ctx_clear (&c);
    }
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---- correlation messages --------------------------------------------- */

typedef struct
{
  double corr, ms, bal, width;
  GstClockTime ts, duration;
} Reading;

static guint
pop_readings (Ctx * c, Reading * r, guint max)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (c->bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);

    fail_unless (gst_structure_has_name (s, "masterwiden"));
    fail_unless (GST_MESSAGE_SRC (m) == GST_OBJECT (c->h->element));
    if (n < max) {
      fail_unless (gst_structure_get_double (s, "correlation", &r[n].corr));
      fail_unless (gst_structure_get_double (s, "mid-side-ratio", &r[n].ms));
      fail_unless (gst_structure_get_double (s, "balance", &r[n].bal));
      fail_unless (gst_structure_get_double (s, "effective-width",
              &r[n].width));
      fail_unless (gst_structure_get_clock_time (s, "timestamp", &r[n].ts));
      fail_unless (gst_structure_get_clock_time (s, "duration",
              &r[n].duration));
      fail_unless (gst_structure_has_field (s, "stream-time"));
      fail_unless (gst_structure_has_field (s, "running-time"));
      fail_unless (isfinite (r[n].corr) && isfinite (r[n].ms)
          && isfinite (r[n].bal));
    }
    n++;
    gst_message_unref (m);
  }
  return n;
}

GST_START_TEST (test_correlation_messages)
{
  const size_t n = RATE;
  double *x = g_new (double, 2 * n);
  Reading r[16];
  guint k, got;
  size_t i;
  int f64;

  for (f64 = 0; f64 <= 1; f64++) {
    Ctx c;

    /* mono: +1 (and the mid/side ratio at its +200 dB clamp) */
    ctx_init (&c, f64, RATE);
    ctx_caps (&c);
    mst_synth_noise_f64 (x, n, 2, 1, 0.3, 5);
    for (i = 0; i < n; i++)
      x[2 * i + 1] = x[2 * i];
    run (&c, x, n, NULL);
    got = pop_readings (&c, r, 16);
    /* 100 ms intervals counted in samples: 10 per second */
    fail_unless_equals_int (got, 10);
    for (k = 0; k < got; k++) {
      fail_unless (fabs (r[k].corr - 1.0) <= 1e-6, "mono: %g", r[k].corr);
      fail_unless (r[k].ms >= 100.0);
      fail_unless (fabs (r[k].bal) <= 1e-6);
      fail_unless_equals_uint64 (r[k].ts, k * 100 * GST_MSECOND);
      fail_unless_equals_uint64 (r[k].duration, 100 * GST_MSECOND);
    }

    /* inverted: -1 */
    for (i = 0; i < n; i++)
      x[2 * i + 1] = -x[2 * i];
    run (&c, x, n, NULL);
    got = pop_readings (&c, r, 16);
    fail_unless_equals_int (got, 10);
    for (k = 0; k < got; k++) {
      fail_unless (fabs (r[k].corr + 1.0) <= 1e-6, "inverted: %g", r[k].corr);
      fail_unless (r[k].ms <= -100.0);
    }

    /* silence: 0, never NaN */
    memset (x, 0, 2 * n * sizeof (double));
    run (&c, x, n / 10, NULL);
    got = pop_readings (&c, r, 16);
    fail_unless_equals_int (got, 1);
    fail_unless (r[0].corr == 0.0 && r[0].ms == 0.0 && r[0].bal == 0.0);
    ctx_clear (&c);

    /* independent noise over 1 s intervals: about 0; the estimate's
     * standard deviation is 1 / sqrt (48000) = 0.0046, allow 4 of them */
    ctx_init (&c, f64, RATE);
    g_object_set (c.h->element, "interval", GST_SECOND, NULL);
    ctx_caps (&c);
    mst_synth_noise_f64 (x, n, 2, 3, 0.3, 6);
    run (&c, x, n, NULL);
    got = pop_readings (&c, r, 16);
    fail_unless_equals_int (got, 1);
    fail_unless (fabs (r[0].corr) <= 0.0185, "noise: %g", r[0].corr);
    fail_unless (fabs (r[0].ms) <= 0.2, "noise: mid/side %g dB", r[0].ms);

    /* the message reads the output: width 0 makes it mono */
    g_object_set (c.h->element, "width", 0.0, NULL);
    run (&c, x, n, NULL);
    run (&c, x, n, NULL);
    got = pop_readings (&c, r, 16);
    fail_unless_equals_int (got, 2);
    fail_unless (fabs (r[1].corr - 1.0) <= 1e-6, "width 0: %g", r[1].corr);
    fail_unless (r[1].width == 0.0);

    /* balance -0.5: the right channel at -6.02 dB */
    g_object_set (c.h->element, "width", 1.0, "balance", -0.5, NULL);
    run (&c, x, n, NULL);
    run (&c, x, n, NULL);
    got = pop_readings (&c, r, 16);
    fail_unless (fabs (r[1].bal - 6.0206) <= 0.05, "balance %g dB", r[1].bal);

    /* post-messages=false: quiet */
    g_object_set (c.h->element, "post-messages", FALSE, NULL);
    run (&c, x, n, NULL);
    fail_unless_equals_int (pop_readings (&c, r, 16), 0);
    ctx_clear (&c);
  }
  g_free (x);
}

GST_END_TEST;

/* ---- glides ----------------------------------------------------------- */

/* A width sweep 0 -> 2 over 1 s by a controller (synced once per buffer
 * of 21 ms) and then abrupt property jumps 2 -> 0 -> 2, on L = 0.6 sin,
 * R = 0.2 sin at 50 Hz (mid 0.4, side 0.2).  Every output step stays
 * within the largest step of the signal at width 2 (peak 0.8) plus the
 * glide's share of a full-range side-gain change (2 * 0.2 / 960); without
 * glides a jump would add up to 0.8. */
GST_START_TEST (test_width_sweep_glides)
{
  const size_t n = 2 * RATE;
  double *x = g_new (double, 2 * n), *y = g_new (double, 2 * n);
  GstControlSource *cs;
  GstTimedValueControlSource *tvcs;
  GstControlBinding *cb;
  double own, bound, got;
  Energy e0, e1;
  int f64;

  own = 0.8 * 2.0 * M_PI * 50.0 / RATE;
  bound = own + 2.0 * 0.2 / (0.020 * RATE) + 1e-6;
  mst_synth_sine_f64 (x, n, 2, 1, RATE, 50.0, 0.6, 0.0, 0);
  mst_synth_sine_f64 (x, n, 2, 2, RATE, 50.0, 0.2, 0.0, 0);

  for (f64 = 0; f64 <= 1; f64++) {
    Ctx c;

    ctx_init (&c, f64, RATE);
    cs = gst_interpolation_control_source_new ();
    g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    tvcs = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
    gst_timed_value_control_source_set (tvcs, 0, 0.0);
    gst_timed_value_control_source_set (tvcs, GST_SECOND, 2.0);
    gst_object_add_control_binding (GST_OBJECT (c.h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (c.h->element),
            "width", cs));
    ctx_caps (&c);
    run (&c, x, n, y);
    got = max_step (y, 0, n);
    fail_unless (got <= bound, "sweep: largest step %g > %g", got, bound);
    /* the sweep arrived: the last 0.5 s has the side doubled (0.01 dB) */
    e0 = energy (x, 3 * n / 4, n);
    e1 = energy (y, 3 * n / 4, n);
    fail_unless (fabs (db10 (e1.ss, e0.ss) - 6.0206) <= 0.01,
        "after the sweep: side %+.4f dB", db10 (e1.ss, e0.ss));
    fail_unless (fabs (db10 (e1.mm, e0.mm)) <= 0.01);
    cb = gst_object_get_control_binding (GST_OBJECT (c.h->element), "width");
    gst_object_remove_control_binding (GST_OBJECT (c.h->element), cb);
    gst_object_unref (cb);
    gst_object_unref (cs);

    /* abrupt jumps between buffers */
    g_object_set (c.h->element, "width", 0.0, NULL);
    run (&c, x, n / 4, y);
    got = max_step (y, 0, n / 4);
    g_object_set (c.h->element, "width", 2.0, NULL);
    run (&c, x + n / 2, n / 4, y);
    got = MAX (got, max_step (y, 0, n / 4));
    fail_unless (got <= bound, "jumps: largest step %g > %g", got, bound);
    ctx_clear (&c);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Into and out of neutrality: processing starts and stops without a step
 * beyond the signal's own, and once back at neutral settings the element
 * is bit-exact again. */
GST_START_TEST (test_neutral_transitions)
{
  const size_t n = RATE / 2;
  double *x = g_new (double, 2 * n), *y = g_new (double, 2 * n);
  double own, got = 0.0, prev[2];
  Ctx c;

  /* L = 0.6 sin, R = 0.2 sin at 50 Hz: the peak reaches 0.7 at width 1.5 */
  mst_synth_sine_f64 (x, n, 2, 1, RATE, 50.0, 0.6, 0.0, 0);
  mst_synth_sine_f64 (x, n, 2, 2, RATE, 50.0, 0.2, 0.0, 0);
  own = 0.7 * 2.0 * M_PI * 50.0 / RATE + 0.5 * 0.2 / (0.020 * RATE) + 1e-6;

  ctx_init (&c, FALSE, RATE);
  ctx_caps (&c);
  fail_unless (run (&c, x, n / 4, y));
  prev[0] = y[2 * (n / 4 - 1)], prev[1] = y[2 * (n / 4 - 1) + 1];
  g_object_set (c.h->element, "width", 1.5, "mono-bass", 80.0, NULL);
  run (&c, x + n / 2, n / 4, y);
  /* the step across the buffer boundary into processing */
  got = MAX (fabs (y[0] - prev[0]), fabs (y[1] - prev[1]));
  got = MAX (got, max_step (y, 0, n / 4));
  g_object_set (c.h->element, "width", 1.0, "mono-bass", 0.0, NULL);
  run (&c, x, n, y);
  got = MAX (got, max_step (y, 0, n));
  fail_unless (got <= own * 1.2, "largest step %g > %g", got, own * 1.2);
  /* the split glides down at 12 octaves/s and fades out: after 1 s the
   * element is neutral and passes through again */
  run (&c, x, n, NULL);
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (c.h->element)));
  fail_unless (run (&c, x, n, NULL));
  ctx_clear (&c);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---- formats, events, robustness ------------------------------------- */

static void
check_refused (gint channels)
{
  GstHarness *h = gst_harness_new ("masterwiden");
  GstBus *bus = gst_bus_new ();
  gchar *caps = g_strdup_printf ("audio/x-raw, format=%s, rate=48000, "
      "channels=%d, layout=interleaved, channel-mask=(bitmask)0",
      GST_AUDIO_NE (F32), channels);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4 * channels * 64, NULL);
  GstMessage *m;
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, caps);
  gst_buffer_memset (buf, 0, 0, 4 * channels * 64);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_NOT_NEGOTIATED);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (m != NULL, "no message for %d channels", channels);
  gst_message_parse_warning (m, &err, &dbg);
  fail_unless (strstr (err->message, "stereo only") != NULL, "%s",
      err->message);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (m);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (caps);
}

GST_START_TEST (test_not_stereo_refused)
{
  check_refused (1);
  check_refused (4);
}

GST_END_TEST;

/* NaN and Inf in the input: the output stays finite, also through the
 * mono-bass filters, and the filters are not poisoned (the 1 kHz side
 * tone after the bad samples keeps its level within 0.1 dB). */
GST_START_TEST (test_non_finite)
{
  const size_t n = RATE;
  double *x = g_new (double, 2 * n), *y = g_new (double, 2 * n);
  size_t i;
  int f64;

  for (f64 = 0; f64 <= 1; f64++) {
    Ctx c;
    Energy e0, e1;

    mst_synth_sine_f64 (x, n, 2, 1, RATE, 1000.0, 0.5, 0.0, 0);
    mst_synth_sine_f64 (x, n, 2, 2, RATE, 1000.0, 0.5, M_PI, 0);
    e0 = energy (x, n / 2, n);
    for (i = 100; i < 4000; i += 97) {
      x[2 * i] = NAN;
      x[2 * i + 1] = (i % 2) ? INFINITY : -INFINITY;
    }
    ctx_init (&c, f64, RATE);
    g_object_set (c.h->element, "width", 1.01, "mono-bass", 120.0,
        "safe-width", TRUE, NULL);
    ctx_caps (&c);
    run (&c, x, n, y);
    for (i = 0; i < 2 * n; i++)
      fail_unless (isfinite (y[i]), "sample %u", (unsigned) i);
    e1 = energy (y, n / 2, n);
    fail_unless (fabs (db10 (e1.ss, e0.ss) - 20.0 * log10 (1.01)) <= 0.1,
        "side %g dB", db10 (e1.ss, e0.ss));
    ctx_clear (&c);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* FLUSH_STOP resets: the interval restarts (first message after the flush
 * at the new timestamps, full duration). */
GST_START_TEST (test_flush_resets)
{
  const size_t n = RATE / 4;
  double *x = programme (n, 9);
  Reading r[8];
  GstSegment seg;
  Ctx c;

  ctx_init (&c, FALSE, RATE);
  g_object_set (c.h->element, "width", 1.4, NULL);
  ctx_caps (&c);
  run (&c, x, RATE / 20, NULL); /* half an interval */
  fail_unless_equals_int (pop_readings (&c, r, 8), 0);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
  c.offset = 0;
  run (&c, x, n, NULL);
  fail_unless_equals_int (pop_readings (&c, r, 8), 2);
  fail_unless_equals_uint64 (r[0].ts, 0);
  fail_unless_equals_uint64 (r[0].duration, 100 * GST_MSECOND);
  fail_unless_equals_uint64 (r[1].ts, 100 * GST_MSECOND);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* A caps change re-initialises: F32 48 kHz then F64 44.1 kHz, width 0
 * exact on both, mono bass right at the new rate. */
GST_START_TEST (test_caps_change)
{
  const size_t n = 44100;
  double *x = g_new (double, 2 * n), *y = g_new (double, 2 * n);
  Energy e0, e1;
  size_t i;
  Ctx c;

  ctx_init (&c, FALSE, RATE);
  g_object_set (c.h->element, "mono-bass", 120.0, NULL);
  ctx_caps (&c);
  mst_synth_sine_f64 (x, n, 2, 1, RATE, 40.0, 0.5, 0.0, 0);
  mst_synth_sine_f64 (x, n, 2, 2, RATE, 40.0, 0.5, M_PI, 0);
  run (&c, x, n, y);

  c.f64 = TRUE;
  c.rate = 44100;
  c.offset = 0;
  ctx_caps (&c);
  mst_synth_sine_f64 (x, n, 2, 1, 44100, 40.0, 0.5, 0.0, 0);
  mst_synth_sine_f64 (x, n, 2, 2, 44100, 40.0, 0.5, M_PI, 0);
  run (&c, x, n, y);
  e0 = energy (x, n / 2, n);
  e1 = energy (y, n / 2, n);
  fail_unless (db10 (e0.ss, e1.ss) >= 40.0, "44.1 kHz F64: side drop %g dB",
      db10 (e0.ss, e1.ss));

  g_object_set (c.h->element, "width", 0.0, NULL);
  run (&c, x, n, y);
  for (i = n / 10; i < n; i++)
    fail_unless (y[2 * i] == y[2 * i + 1]);
  ctx_clear (&c);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Out-of-range values are refused (clamped) by the GParamSpecs; every
 * continuous property is controllable and changeable while playing. */
GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("masterwiden", NULL);
  GObjectClass *klass = G_OBJECT_GET_CLASS (e);
  static const struct
  {
    const gchar *name;
    gdouble bad, clamped;
  } props[] = {
    {"width", 2.5, 2.0},
    {"width", -0.1, 0.0},
    {"mono-bass", 5000.0, 1000.0},
    {"balance", 1.5, 1.0},
    {"side-gain", 30.0, 12.0},
    {"mid-gain", -100.0, -60.0},
    {"correlation-floor", 1.0, 0.9},
  };
  unsigned k;

  fail_unless (e != NULL);
  for (k = 0; k < G_N_ELEMENTS (props); k++) {
    GParamSpec *p = g_object_class_find_property (klass, props[k].name);
    GValue v = G_VALUE_INIT;

    fail_unless (p != NULL, "%s", props[k].name);
    fail_unless (p->flags & GST_PARAM_CONTROLLABLE);
    fail_unless (p->flags & GST_PARAM_MUTABLE_PLAYING);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, props[k].bad);
    fail_unless (g_param_value_validate (p, &v), "%s accepts %g",
        props[k].name, props[k].bad);
    fail_unless (g_value_get_double (&v) == props[k].clamped);
    g_value_unset (&v);
  }
  fail_unless (g_object_class_find_property (klass, "safe-width") != NULL);
  fail_unless (g_object_class_find_property (klass, "interval") != NULL);
  fail_unless (g_object_class_find_property (klass, "post-messages") != NULL);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
masterwiden_suite (void)
{
  Suite *s = suite_create ("masterwiden");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_passthrough_bit_exact);
  tcase_add_test (tc, test_width_zero_exact);
  tcase_add_test (tc, test_width_scaling);
  tcase_add_test (tc, test_mono_bass);
  tcase_add_test (tc, test_correlation_messages);
  tcase_add_test (tc, test_width_sweep_glides);
  tcase_add_test (tc, test_neutral_transitions);
  tcase_add_test (tc, test_not_stereo_refused);
  tcase_add_test (tc, test_non_finite);
  tcase_add_test (tc, test_flush_resets);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_properties);
  return s;
}

GST_CHECK_MAIN (masterwiden);
