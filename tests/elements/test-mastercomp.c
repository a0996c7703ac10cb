/* gst-mastering: mastercomp element tests (GstHarness).
 *
 * Tolerances come from the issue: static curve 0.1 dB, mix = 0 and
 * ratio = 1 bit-exact, latency and sample counts exact, parameter changes
 * in PLAYING without a gain step above 0.06 dB per sample (see
 * tests/dsp/test-compressor.c for where that bound comes from).
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <math.h>
#include <string.h>

#include "synth.h"
#include "childargs.h"

#define BLOCK 1024

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  guint rate, channels;
  gboolean f64;
  guint64 pushed;               /* frames pushed */
  GArray *out;                  /* output samples as double */
  GstClockTime next_pts;        /* expected PTS of the next output buffer */
  guint n_out;                  /* output buffers */
  guint64 first_buffer_frames;
} Ctx;

/* The band<n>::property=value words of launch are set after the launch
 * and before the caps (childargs.h). */
static void
ctx_init (Ctx * c, const gchar * launch, guint rate, guint channels,
    gboolean f64)
{
  gchar **child_args;
  gchar *plain = mst_childargs_split (launch, &child_args);
  gchar *caps;

  memset (c, 0, sizeof (*c));
  c->h = gst_harness_new_parse (plain);
  if (child_args[0] != NULL) {
    GstElement *e = gst_harness_find_element (c->h, "mastercomp");
    const gchar *bad;

    fail_unless (e != NULL);
    bad = mst_childargs_set (GST_CHILD_PROXY (e), child_args);
    fail_unless (bad == NULL, "%s: cannot set %s", launch, bad);
    gst_object_unref (e);
  }
  g_strfreev (child_args);
  g_free (plain);
  c->bus = gst_bus_new ();
  gst_element_set_bus (c->h->element, c->bus);
  c->rate = rate;
  c->channels = channels;
  c->f64 = f64;
  c->out = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->next_pts = 0;
  caps = g_strdup_printf ("audio/x-raw, format=(string)%s, "
      "layout=(string)interleaved, rate=(int)%u, channels=(int)%u, "
      "channel-mask=(bitmask)0x%" G_GINT64_MODIFIER "x",
      f64 ? GST_AUDIO_NE (F64) : GST_AUDIO_NE (F32), rate, channels,
      gst_audio_channel_get_fallback_mask (channels));
  gst_harness_set_src_caps_str (c->h, caps);
  g_free (caps);
}

static void
ctx_clear (Ctx * c)
{
  gst_element_set_bus (c->h->element, NULL);
  gst_bus_set_flushing (c->bus, TRUE);
  gst_object_unref (c->bus);
  gst_harness_teardown (c->h);
  g_array_free (c->out, TRUE);
}

static GstElement *
comp_of (Ctx * c)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (c->h->element), "c");

  if (!e)
    e = gst_object_ref (c->h->element);
  return e;
}

/* Pull what is there; check PTS continuity (exact, computed from sample
 * counts like the element does). */
static void
ctx_pull (Ctx * c)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (c->h))) {
    GstMapInfo map;
    gsize n, i, frames;
    GstClockTime end;

    fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
    n = map.size / (c->f64 ? sizeof (gdouble) : sizeof (gfloat));
    frames = n / c->channels;
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), c->next_pts);
    end = gst_util_uint64_scale_int_round (c->out->len / c->channels +
        frames, GST_SECOND, c->rate);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b) + GST_BUFFER_DURATION (b),
        end);
    c->next_pts = end;
    if (c->n_out == 0)
      c->first_buffer_frames = frames;
    c->n_out++;
    for (i = 0; i < n; i++) {
      gdouble v = c->f64 ? ((const gdouble *) map.data)[i] :
          ((const gfloat *) map.data)[i];
      g_array_append_val (c->out, v);
    }
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
}

/* Push frames of interleaved double samples (converted to the format). */
static void
ctx_push (Ctx * c, const gdouble * x, gsize frames)
{
  gsize n = frames * c->channels, i;
  gsize bytes = n * (c->f64 ? sizeof (gdouble) : sizeof (gfloat));
  GstBuffer *b = gst_buffer_new_allocate (NULL, bytes, NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (i = 0; i < n; i++) {
    if (c->f64)
      ((gdouble *) map.data)[i] = x[i];
    else
      ((gfloat *) map.data)[i] = (gfloat) x[i];
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = gst_util_uint64_scale_int_round (c->pushed,
      GST_SECOND, c->rate);
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int_round (c->pushed +
      frames, GST_SECOND, c->rate) - GST_BUFFER_PTS (b);
  if (c->pushed == 0)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  c->pushed += frames;
  fail_unless_equals_int (gst_harness_push (c->h, b), GST_FLOW_OK);
  ctx_pull (c);
}

static void
ctx_push_all (Ctx * c, const gdouble * x, gsize frames, gsize block)
{
  gsize done;

  for (done = 0; done < frames; done += block)
    ctx_push (c, x + done * c->channels, MIN (block, frames - done));
}

static void
ctx_eos (Ctx * c)
{
  fail_unless (gst_harness_push_event (c->h, gst_event_new_eos ()));
  ctx_pull (c);
}

static GstClockTime
ctx_latency (Ctx * c)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  fail_unless (gst_pad_peer_query (c->h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  gst_query_unref (q);
  return min;
}

/* ---- caps, ranges, properties ------------------------------------------- */

GST_START_TEST (test_caps_and_ranges)
{
  GstElementFactory *f = gst_element_factory_find ("mastercomp");
  GstElement *e = gst_element_factory_make ("mastercomp", NULL);
  GstPad *pad = gst_element_get_static_pad (e, "sink");
  GstCaps *tmpl = gst_pad_get_pad_template_caps (pad);
  static const struct
  {
    const gchar *name;
    gdouble min, max, def;
  } dprops[] = {
    {"threshold", -60.0, 0.0, -18.0},
    {"ratio", 1.0, 20.0, 2.0},
    {"knee", 0.0, 24.0, 6.0},
    {"attack", 0.05, 500.0, 10.0},
    {"release", 1.0, 5000.0, 120.0},
    {"makeup", -24.0, 24.0, 0.0},
    {"mix", 0.0, 1.0, 1.0},
    {"sidechain-hpf", 0.0, 500.0, 0.0},
    {"link", 0.0, 1.0, 1.0},
    {"lookahead", 0.0, 10.0, 0.0},
  };
  static const gchar *controllable[] = { "threshold", "ratio", "knee",
    "attack", "release", "makeup", "mix", "sidechain-hpf", "link"
  };
  static const gchar *bad_caps[] = {
    "audio/x-raw, format=F32LE, layout=interleaved, rate=7999, channels=2",
    "audio/x-raw, format=F32LE, layout=interleaved, rate=384001, " "channels=2",
    "audio/x-raw, format=F32LE, layout=interleaved, rate=48000, channels=9",
    "audio/x-raw, format=S16LE, layout=interleaved, rate=48000, channels=2",
    "audio/x-raw, format=F32LE, layout=non-interleaved, rate=48000, "
        "channels=2",
  };
  static const gchar *good_caps[] = {
    "audio/x-raw, format=F32LE, layout=interleaved, rate=8000, channels=1",
    "audio/x-raw, format=F64LE, layout=interleaved, rate=384000, " "channels=8",
  };
  GEnumClass *ec;
  GParamSpec *ps;
  GValue v = G_VALUE_INIT;
  guint i;

  fail_unless (f != NULL);
  for (i = 0; i < G_N_ELEMENTS (bad_caps); i++) {
    GstCaps *c = gst_caps_from_string (bad_caps[i]);
    fail_if (gst_caps_can_intersect (c, tmpl), "%s", bad_caps[i]);
    gst_caps_unref (c);
  }
  for (i = 0; i < G_N_ELEMENTS (good_caps); i++) {
    GstCaps *c = gst_caps_from_string (good_caps[i]);
    fail_unless (gst_caps_can_intersect (c, tmpl), "%s", good_caps[i]);
    gst_caps_unref (c);
  }

  for (i = 0; i < G_N_ELEMENTS (dprops); i++) {
    GParamSpecDouble *d;

    ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), dprops[i].name);
    fail_unless (ps != NULL, "%s", dprops[i].name);
    d = G_PARAM_SPEC_DOUBLE (ps);
    fail_unless (d->minimum == dprops[i].min && d->maximum == dprops[i].max
        && d->default_value == dprops[i].def, "%s", dprops[i].name);
    /* out of range is refused by the GParamSpec */
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, dprops[i].max + 1.0);
    fail_unless (g_param_value_validate (ps, &v));
    g_value_unset (&v);
    fail_unless (strlen (g_param_spec_get_blurb (ps)) > 10);
  }
  for (i = 0; i < G_N_ELEMENTS (controllable); i++) {
    ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), controllable[i]);
    fail_unless (ps->flags & GST_PARAM_CONTROLLABLE, "%s", controllable[i]);
    fail_unless (ps->flags & GST_PARAM_MUTABLE_PLAYING, "%s", controllable[i]);
  }
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "bands");
  fail_unless (G_PARAM_SPEC_UINT (ps)->minimum == 1
      && G_PARAM_SPEC_UINT (ps)->maximum == 4
      && G_PARAM_SPEC_UINT (ps)->default_value == 1);
  fail_unless (ps->flags & GST_PARAM_MUTABLE_READY);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "detector");
  ec = g_type_class_ref (ps->value_type);
  fail_unless (g_enum_get_value_by_nick (ec, "peak") != NULL);
  fail_unless (g_enum_get_value_by_nick (ec, "rms") != NULL);
  fail_unless_equals_int (G_PARAM_SPEC_ENUM (ps)->default_value,
      g_enum_get_value_by_nick (ec, "rms")->value);
  g_type_class_unref (ec);
  fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (e),
          "auto-release") != NULL);
  fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (e),
          "auto-makeup") != NULL);
  fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (e),
          "interval") != NULL);

  gst_caps_unref (tmpl);
  gst_object_unref (pad);
  gst_object_unref (e);
  gst_object_unref (f);
}

GST_END_TEST;

/* ---- formats and channel counts ---------------------------------------- */

/* F32 and F64, mono, stereo, 5.1, 8 ch at several rates: a -6 dBFS sine
 * on every channel (threshold -30, ratio 4, knee 0, link 0) comes out at
 * the curve's level, -24 dBFS, within 0.1 dB on every channel. */
GST_START_TEST (test_formats)
{
  static const guint chans[] = { 1, 2, 6, 8 };
  static const guint rates[] = { 8000, 48000, 384000 };
  guint ci, ri, fi;

  for (fi = 0; fi < 2; fi++) {
    for (ci = 0; ci < G_N_ELEMENTS (chans); ci++) {
      for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
        guint ch = chans[ci], rate = rates[ri], k;
        gsize frames = rate / 2;
        gdouble *x = g_new (gdouble, frames * ch);
        Ctx c;

        ctx_init (&c, "mastercomp threshold=-30 ratio=4 knee=0 link=0",
            rate, ch, fi);
        /* 1 kHz, phase 0: samples hit the peak at every rate here */
        mst_synth_sine_f64 (x, frames, ch, (1u << ch) - 1, rate, 1000.0,
            0.5, 0.0, 0);
        ctx_push_all (&c, x, frames, BLOCK);
        ctx_eos (&c);
        fail_unless_equals_int (c.out->len, frames * ch);
        for (k = 0; k < ch; k++) {
          gdouble peak = 0.0, want = -24.0, got;
          gsize i;

          for (i = frames * 3 / 4; i < frames; i++)
            peak = MAX (peak, fabs (g_array_index (c.out, gdouble,
                        i * ch + k)));
          got = 20.0 * log10 (peak);
          fail_unless (fabs (got - want) <= 0.1,
              "%s %u ch %u Hz ch %u: %.3f dBFS", fi ? "F64" : "F32", ch,
              rate, k, got);
        }
        ctx_clear (&c);
        g_free (x);
      }
    }
  }
}

GST_END_TEST;

/* ---- static curve through the element ----------------------------------- */

GST_START_TEST (test_static_curve)
{
  const guint rate = 48000;
  const gsize frames = rate;
  gdouble level;

  for (level = -30.0; level <= 0.0; level += 3.0) {
    gdouble *x = g_new (gdouble, frames * 2), a = pow (10.0, level / 20.0);
    gdouble t = -18.0, r = 3.0, w = 6.0, want, got, peak = 0.0;
    gsize i;
    Ctx c;

    ctx_init (&c, "mastercomp threshold=-18 ratio=3 knee=6 makeup=2", rate,
        2, FALSE);
    mst_synth_sine_f64 (x, frames, 2, 0x3, rate, 1000.0, a, 0.0, 0);
    ctx_push_all (&c, x, frames, BLOCK);
    for (i = frames / 2; i < frames; i++)
      peak = MAX (peak, fabs (g_array_index (c.out, gdouble, i * 2)));
    got = 20.0 * log10 (peak);
    if (2.0 * (level - t) < -w)
      want = level;
    else if (2.0 * fabs (level - t) <= w)
      want = level + (1.0 / r - 1.0) * pow (level - t + w / 2.0, 2.0) /
          (2.0 * w);
    else
      want = t + (level - t) / r;
    want += 2.0;
    GST_INFO ("%+.1f dBFS in: %+.3f dBFS out, curve %+.3f", level, got, want);
    /* the sine's samples hit its peak within 0.01 dB at 48 kHz / 1 kHz */
    fail_unless (fabs (got - want) <= 0.1, "%.1f dBFS: %.3f vs %.3f", level,
        got, want);
    ctx_clear (&c);
    g_free (x);
  }
}

GST_END_TEST;

/* ---- latency, timestamps, sample count, bit-exactness -------------------- */

/* mix = 0 (and, separately, ratio = 1 with makeup 0) with lookahead:
 * the reported latency is the lookahead in frames; the element holds back
 * exactly that many frames until EOS (the first buffer is short by it),
 * then drains them; output timestamps are continuous from the first input
 * timestamp and the output is the input bit for bit, sample for sample. */
GST_START_TEST (test_latency_exact)
{
  static const struct
  {
    guint rate;
    gdouble ms;
  } cases[] = { {48000, 0.0}, {48000, 5.0}, {44100, 10.0}, {96000, 1.0},
  {8000, 0.5}
  };
  static const gchar *launches[] = {
    "mastercomp name=c mix=0 threshold=-40 ratio=10 lookahead=%g",
    "mastercomp name=c ratio=1 lookahead=%g",
    "mastercomp name=c bands=3 mix=0 lookahead=%g",
  };
  guint i, li, fi;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    for (li = 0; li < G_N_ELEMENTS (launches); li++) {
      for (fi = 0; fi < 2; fi++) {
        gsize frames = 10000, n;
        gdouble *x = g_new (gdouble, frames * 2);
        guint64 L = (guint64) floor (cases[i].ms * cases[i].rate / 1000.0 +
            0.5);
        gchar *launch = g_strdup_printf (launches[li], cases[i].ms);
        Ctx c;

        ctx_init (&c, launch, cases[i].rate, 2, fi);
        mst_synth_music_f64 (x, frames, 2, cases[i].rate, -1.0, 9);
        for (n = 0; n < frames * 2; n++)
          if (!fi)
            x[n] = (gfloat) x[n];
        ctx_push_all (&c, x, frames, 700);
        fail_unless_equals_uint64 (ctx_latency (&c),
            gst_util_uint64_scale_int_round (L, GST_SECOND, cases[i].rate));
        /* measured: frames held back */
        fail_unless_equals_uint64 (frames - c.out->len / 2, L);
        if (L < 700)
          fail_unless_equals_uint64 (c.first_buffer_frames, 700 - L);
        ctx_eos (&c);
        fail_unless_equals_int (c.out->len, frames * 2);
        for (n = 0; n < frames * 2; n++)
          fail_unless (g_array_index (c.out, gdouble, n) == x[n],
              "%s: sample %" G_GSIZE_FORMAT, launch, n);
        ctx_clear (&c);
        g_free (launch);
        g_free (x);
      }
    }
  }
}

GST_END_TEST;

/* A stream shorter than the lookahead still comes out whole. */
GST_START_TEST (test_short_stream)
{
  gdouble x[2 * 100];
  gsize i;
  Ctx c;

  for (i = 0; i < 200; i++)
    x[i] = 0.001 * i;
  ctx_init (&c, "mastercomp lookahead=10 ratio=1", 48000, 2, TRUE);
  ctx_push_all (&c, x, 100, 30);
  fail_unless_equals_int (c.out->len, 0);
  ctx_eos (&c);
  fail_unless_equals_int (c.out->len, 200);
  for (i = 0; i < 200; i++)
    fail_unless (g_array_index (c.out, gdouble, i) == x[i]);
  ctx_clear (&c);
}

GST_END_TEST;

/* FLUSH_STOP resets: what comes after a flush is what a fresh element
 * makes of the same data. */
GST_START_TEST (test_flush)
{
  const gsize frames = 20000;
  gdouble *x = g_new (gdouble, frames * 2);
  GstSegment seg;
  Ctx a, b;
  gsize n;

  mst_synth_music_f64 (x, frames, 2, 48000, -1.0, 4);
  ctx_init (&a, "mastercomp threshold=-30 ratio=4 lookahead=2", 48000, 2, TRUE);
  ctx_init (&b, "mastercomp threshold=-30 ratio=4 lookahead=2", 48000, 2, TRUE);
  ctx_push_all (&a, x + 5000 * 2, 8000, BLOCK);
  fail_unless (gst_harness_push_event (a.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (a.h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (a.h, gst_event_new_segment (&seg)));
  /* drop what came before the flush */
  g_array_set_size (a.out, 0);
  a.pushed = 0;
  a.next_pts = 0;
  a.n_out = 0;
  ctx_push_all (&a, x, frames, BLOCK);
  ctx_eos (&a);
  ctx_push_all (&b, x, frames, BLOCK);
  ctx_eos (&b);
  fail_unless_equals_int (a.out->len, frames * 2);
  fail_unless_equals_int (b.out->len, frames * 2);
  for (n = 0; n < frames * 2; n++)
    fail_unless (g_array_index (a.out, gdouble, n) ==
        g_array_index (b.out, gdouble, n));
  ctx_clear (&a);
  ctx_clear (&b);
  g_free (x);
}

GST_END_TEST;

/* ---- parameter changes while playing ------------------------------------ */

/* A square wave (constant level, gain = |y / x| exactly), F32, while
 * threshold, ratio and makeup are moved between buffers (direct sets) and
 * by a controller (linear ramps of threshold): no gain step above
 * 0.06 dB per sample, and the settings do change the gain. */
GST_START_TEST (test_no_clicks)
{
  const guint rate = 48000;
  const gsize frames = rate * 2, blk = 256;
  gdouble *x = g_new (gdouble, frames * 2), worst = 0.0, lo = 0.0, hi = 0.0;
  GstControlSource *cs = gst_interpolation_control_source_new ();
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
  GstElement *e;
  gsize i, done;
  gint k = 0;
  Ctx c;

  for (i = 0; i < frames; i++)
    x[2 * i] = x[2 * i + 1] = (i / 24) % 2 ? -0.5 : 0.5;
  ctx_init (&c, "mastercomp name=c attack=0.05 release=1", rate, 2, FALSE);
  e = comp_of (&c);
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  /* threshold (control value v maps to -60 + 60 v) ramps -10 -> -40 dBFS
   * in 50 ms, holds, and jumps back to -10 in 1 ms */
  gst_timed_value_control_source_set (tv, 0, (60.0 - 10.0) / 60.0);
  gst_timed_value_control_source_set (tv, GST_SECOND / 2, 50.0 / 60.0);
  gst_timed_value_control_source_set (tv, GST_SECOND / 2 + 50 * GST_MSECOND,
      20.0 / 60.0);
  gst_timed_value_control_source_set (tv, GST_SECOND, 20.0 / 60.0);
  gst_timed_value_control_source_set (tv, GST_SECOND + GST_MSECOND,
      50.0 / 60.0);
  gst_object_add_control_binding (GST_OBJECT (e),
      gst_direct_control_binding_new (GST_OBJECT (e), "threshold", cs));
  for (done = 0; done < frames; done += blk, k++) {
    if (k % 20 == 10)
      g_object_set (e, "ratio", k % 40 < 20 ? 10.0 : 1.5, NULL);
    if (k % 30 == 15)
      g_object_set (e, "makeup", k % 60 < 30 ? 12.0 : -6.0, NULL);
    ctx_push (&c, x + done * 2, blk);
  }
  fail_unless_equals_int (c.out->len, frames * 2);
  {
    gdouble prev = 0.0;

    for (i = 0; i < frames; i++) {
      gdouble g = 20.0 * log10 (fabs (g_array_index (c.out, gdouble, 2 * i)
              / x[2 * i]));
      if (i > 0)
        worst = MAX (worst, fabs (g - prev));
      lo = MIN (lo, g);
      hi = MAX (hi, g);
      prev = g;
    }
  }
  GST_INFO ("gain %.1f .. %.1f dB, largest step %.4f dB per sample", lo, hi,
      worst);
  fail_unless (hi - lo > 20.0);
  fail_unless (worst <= 0.06, "%.4f dB", worst);
  gst_object_unref (e);
  gst_object_unref (cs);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* ---- multiband children and messages ------------------------------------ */

GST_START_TEST (test_children)
{
  GstElement *e = gst_element_factory_make ("mastercomp", NULL);
  GObject *band;
  gdouble v;

  fail_unless_equals_int (gst_child_proxy_get_children_count
      (GST_CHILD_PROXY (e)), 0);
  g_object_set (e, "bands", 3, NULL);
  fail_unless_equals_int (gst_child_proxy_get_children_count
      (GST_CHILD_PROXY (e)), 3);
  gst_child_proxy_set (GST_CHILD_PROXY (e), "band1::threshold", -30.0, NULL);
  gst_child_proxy_get (GST_CHILD_PROXY (e), "band1::threshold", &v, NULL);
  fail_unless (v == -30.0);
  band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), "band2");
  fail_unless (band != NULL);
  fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (band),
          "bypass") != NULL);
  fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (band),
          "ratio")->flags & GST_PARAM_CONTROLLABLE);
  g_object_unref (band);
  fail_unless (gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e),
          "band3") == NULL);
  g_object_set (e, "bands", 4, NULL);
  band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), "band3");
  fail_unless (band != NULL);
  g_object_unref (band);
  gst_object_unref (e);
}

GST_END_TEST;

/* Three bands set through band<n>:: properties in a launch line: only the
 * middle band compresses a mid sine; messages every 100 ms carry three
 * gain reductions, the middle one at the curve's value. */
GST_START_TEST (test_multiband_messages)
{
  const guint rate = 48000;
  const gsize frames = rate;
  gdouble *x = g_new0 (gdouble, frames * 2);
  GstMessage *m;
  guint n = 0;
  GstClockTime last = 0;
  Ctx c;

  ctx_init (&c, "mastercomp bands=3 crossover-low=120 crossover-mid=2000 "
      "band0::ratio=1 band2::ratio=1 band1::threshold=-30 band1::ratio=4 "
      "knee=0 interval=100000000", rate, 2, FALSE);
  mst_synth_sine_f64 (x, frames, 2, 0x3, rate, 490.0, 0.5, 0.0, 0);
  ctx_push_all (&c, x, frames, BLOCK);
  while ((m = gst_bus_pop_filtered (c.bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    const GValue *arr;
    GstClockTime ts;

    if (gst_structure_has_name (s, "mastercomp")) {
      arr = gst_structure_get_value (s, "gain-reduction");
      fail_unless (arr != NULL && GST_VALUE_HOLDS_ARRAY (arr));
      fail_unless_equals_int (gst_value_array_get_size (arr), 3);
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
      fail_unless (n == 0 || ts == last + 100 * GST_MSECOND);
      last = ts;
      if (n >= 5) {
        /* -6 dBFS into T = -30, R = 4: 18 dB */
        gdouble g0 = g_value_get_double (gst_value_array_get_value (arr, 0));
        gdouble g1 = g_value_get_double (gst_value_array_get_value (arr, 1));
        gdouble g2 = g_value_get_double (gst_value_array_get_value (arr, 2));

        fail_unless (g0 == 0.0 && g2 == 0.0);
        fail_unless (fabs (g1 - 18.0) < 0.3, "%.3f dB", g1);
      }
      n++;
    }
    gst_message_unref (m);
  }
  fail_unless_equals_int (n, 10);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* Non-finite input never reaches the output. */
GST_START_TEST (test_nonfinite)
{
  const gsize frames = 8000;
  gdouble *x = g_new (gdouble, frames * 6);
  guint bands;
  gsize i;

  for (bands = 1; bands <= 4; bands += 3) {
    gchar *launch = g_strdup_printf ("mastercomp bands=%u lookahead=1",
        bands);
    Ctx c;

    mst_synth_noise_f64 (x, frames, 6, 0x3f, 0.3, 2);
    for (i = 100; i < frames * 6; i += 997)
      x[i] = i % 2 ? NAN : INFINITY;
    ctx_init (&c, launch, 48000, 6, FALSE);
    ctx_push_all (&c, x, frames, BLOCK);
    ctx_eos (&c);
    fail_unless_equals_int (c.out->len, frames * 6);
    for (i = 0; i < frames * 6; i++)
      fail_unless (isfinite (g_array_index (c.out, gdouble, i)));
    ctx_clear (&c);
    g_free (launch);
  }
  g_free (x);
}

GST_END_TEST;

static Suite *
mastercomp_suite (void)
{
  Suite *s = suite_create ("mastercomp");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_and_ranges);
  tcase_add_test (tc, test_formats);
  tcase_add_test (tc, test_static_curve);
  tcase_add_test (tc, test_latency_exact);
  tcase_add_test (tc, test_short_stream);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_no_clicks);
  tcase_add_test (tc, test_children);
  tcase_add_test (tc, test_multiband_messages);
  tcase_add_test (tc, test_nonfinite);
  return s;
}

GST_CHECK_MAIN (mastercomp);
