/* gst-mastering: loudnorm element tests (GstHarness).
 *
 * Loudness expectations come from EBU Tech 3341 (a stereo 1 kHz sine at
 * -23 dBFS reads -23.0 LUFS, tolerance +-0.1 LU; true peak +0.2/-0.4 dB)
 * and from BS.1770-4 channel weights; programme material is compared with
 * libebur128 as an independent meter.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <ebur128.h>
#include <math.h>
#include <string.h>

#include "synth.h"

/* EBU Tech 3341 */
#define TOL_LU 0.1
#define TP_TOL_ABOVE 0.2
#define TP_TOL_BELOW 0.4
/* sample peaks are exact up to float rounding of the test signal */
#define TOL_SAMPLE_PEAK_DB 0.001

/* loudness of one channel carrying a 1 kHz sine at -23 dBFS: Tech 3341
 * puts it on two channels for -23.0 LUFS, so one channel is 3.01 dB less */
#define MONO_SINE_LUFS (-23.0 - 10.0 * log10 (2.0))

#define MAX_CH 8

typedef struct
{
  GstClockTime timestamp, stream_time, running_time, duration;
  gdouble momentary, shortterm, integrated, range;
  gdouble max_momentary, max_shortterm, max_true_peak;
  gdouble true_peak[MAX_CH], sample_peak[MAX_CH];
  guint n_channels;
  guint64 non_finite;
  gboolean final;
  gchar mode[32];
  gdouble gain;
} Reading;

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  guint rate, channels;
  gboolean f64;
  GstClockTime t0;
  guint64 offset;               /* frames pushed since t0 */
  GArray *readings;
  guint warnings;
  gchar *warning_debug;
} Ctx;

static gdouble
db (gdouble lin)
{
  return lin > 0.0 ? 20.0 * log10 (lin) : -INFINITY;
}

/* mask: a channel-mask for the caps, or -1 for none */
static void
ctx_init (Ctx * c, guint rate, guint channels, gint64 mask, gboolean f64)
{
  gchar *caps;

  memset (c, 0, sizeof (*c));
  c->rate = rate;
  c->channels = channels;
  c->f64 = f64;
  c->h = gst_harness_new ("loudnorm");
  c->bus = gst_bus_new ();
  gst_element_set_bus (c->h->element, c->bus);
  c->readings = g_array_new (FALSE, TRUE, sizeof (Reading));

  if (mask >= 0)
    caps = g_strdup_printf ("audio/x-raw, format=%s, rate=%u, channels=%u, "
        "layout=interleaved, channel-mask=(bitmask)0x%" G_GINT64_MODIFIER "x",
        f64 ? GST_AUDIO_NE (F64) : GST_AUDIO_NE (F32), rate, channels, mask);
  else
    caps = g_strdup_printf ("audio/x-raw, format=%s, rate=%u, channels=%u, "
        "layout=interleaved",
        f64 ? GST_AUDIO_NE (F64) : GST_AUDIO_NE (F32), rate, channels);
  gst_harness_set_src_caps_str (c->h, caps);
  g_free (caps);
  gst_harness_set_drop_buffers (c->h, TRUE);
}

static void
ctx_clear (Ctx * c)
{
  gst_element_set_bus (c->h->element, NULL);
  gst_harness_teardown (c->h);
  gst_bus_set_flushing (c->bus, TRUE);
  gst_object_unref (c->bus);
  g_array_unref (c->readings);
  g_free (c->warning_debug);
}

static GType
field_type (const GstStructure * s, const gchar * name)
{
  fail_unless (gst_structure_has_field (s, name), "field %s missing", name);
  return gst_structure_get_field_type (s, name);
}

static gdouble
get_double (const GstStructure * s, const gchar * name)
{
  gdouble d = 0.0;

  fail_unless_equals_int (field_type (s, name), G_TYPE_DOUBLE);
  fail_unless (gst_structure_get_double (s, name, &d));
  return d;
}

static GstClockTime
get_time (const GstStructure * s, const gchar * name)
{
  guint64 t = 0;

  fail_unless_equals_int (field_type (s, name), G_TYPE_UINT64);
  fail_unless (gst_structure_get_uint64 (s, name, &t));
  return t;
}

static guint
get_array (const GstStructure * s, const gchar * name, gdouble * out)
{
  const GValue *arr;
  guint i, n;

  fail_unless (field_type (s, name) == GST_TYPE_ARRAY, "%s not an array", name);
  arr = gst_structure_get_value (s, name);
  n = gst_value_array_get_size (arr);
  fail_unless (n <= MAX_CH);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (arr, i);

    fail_unless (G_VALUE_HOLDS_DOUBLE (v), "%s[%u] not a double", name, i);
    out[i] = g_value_get_double (v);
  }
  return n;
}

static void
parse_reading (GstMessage * msg, Reading * r)
{
  const GstStructure *s = gst_message_get_structure (msg);
  gboolean final = FALSE;
  guint n;

  memset (r, 0, sizeof (*r));
  r->timestamp = get_time (s, "timestamp");
  r->stream_time = get_time (s, "stream-time");
  r->running_time = get_time (s, "running-time");
  r->duration = get_time (s, "duration");
  r->momentary = get_double (s, "momentary-loudness");
  r->shortterm = get_double (s, "shortterm-loudness");
  r->integrated = get_double (s, "integrated-loudness");
  r->range = get_double (s, "loudness-range");
  r->max_momentary = get_double (s, "max-momentary-loudness");
  r->max_shortterm = get_double (s, "max-shortterm-loudness");
  r->max_true_peak = get_double (s, "max-true-peak");
  r->n_channels = get_array (s, "true-peak", r->true_peak);
  n = get_array (s, "sample-peak", r->sample_peak);
  fail_unless_equals_int (n, r->n_channels);
  fail_unless_equals_int (field_type (s, "non-finite-samples"), G_TYPE_UINT64);
  fail_unless (gst_structure_get_uint64 (s, "non-finite-samples",
          &r->non_finite));
  fail_unless_equals_int (field_type (s, "final"), G_TYPE_BOOLEAN);
  fail_unless (gst_structure_get_boolean (s, "final", &final));
  r->final = final;
  fail_unless_equals_int (field_type (s, "mode"), G_TYPE_STRING);
  g_strlcpy (r->mode, gst_structure_get_string (s, "mode"), sizeof (r->mode));
  r->gain = get_double (s, "gain");
  /* the output meter exists only in the normalising modes */
  fail_unless (strcmp (r->mode, "measure") != 0
      || !gst_structure_has_field (s, "output-integrated-loudness"));
}

/* Move what the element posted into c->readings / c->warnings. */
static void
ctx_drain (Ctx * c)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (c->bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "loudnorm")) {
      Reading r;

      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (c->h->element));
      parse_reading (msg, &r);
      g_array_append_val (c->readings, r);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_warning (msg, &err, &debug);
      c->warnings++;
      g_free (c->warning_debug);
      c->warning_debug = debug;
      g_clear_error (&err);
    }
    gst_message_unref (msg);
  }
}

static const Reading *
ctx_last (Ctx * c)
{
  ctx_drain (c);
  fail_unless (c->readings->len > 0, "no message posted");
  return &g_array_index (c->readings, Reading, c->readings->len - 1);
}

/* Push frames of interleaved x in buffers of chunk frames, timestamped
 * from c->t0 + c->offset.  flags are set on every buffer. */
static void
ctx_push_flags (Ctx * c, const gdouble * x, gsize frames, gsize chunk,
    GstBufferFlags flags)
{
  gsize done = 0;
  gsize bps = c->f64 ? sizeof (gdouble) : sizeof (gfloat);
  gfloat *tmp = g_new (gfloat, chunk * c->channels);

  while (done < frames) {
    gsize n = MIN (chunk, frames - done);
    gsize bytes = n * c->channels * bps;
    GstBuffer *buf = gst_buffer_new_allocate (NULL, bytes, NULL);
    const gdouble *src = x + done * c->channels;

    if (c->f64) {
      gst_buffer_fill (buf, 0, src, bytes);
    } else {
      mst_synth_to_f32 (tmp, src, n * c->channels);
      gst_buffer_fill (buf, 0, tmp, bytes);
    }
    GST_BUFFER_PTS (buf)
        = c->t0 + GST_FRAMES_TO_CLOCK_TIME (c->offset, c->rate);
    GST_BUFFER_DURATION (buf)
        = c->t0 + GST_FRAMES_TO_CLOCK_TIME (c->offset + n, c->rate)
        - GST_BUFFER_PTS (buf);
    GST_BUFFER_FLAG_SET (buf, flags);
    fail_unless_equals_int (gst_harness_push (c->h, buf), GST_FLOW_OK);
    c->offset += n;
    done += n;
  }
  g_free (tmp);
}

static void
ctx_push (Ctx * c, const gdouble * x, gsize frames)
{
  ctx_push_flags (c, x, frames, 1024, 0);
}

static void
ctx_eos (Ctx * c)
{
  fail_unless (gst_harness_push_event (c->h, gst_event_new_eos ()));
  ctx_drain (c);
}

/* A sine on the channels of mask with 5 ms raised-cosine fades at both
 * ends, so no abrupt start or stop adds inter-sample overshoot (the fades
 * take 0.034 dB off a 400 ms momentary window, at the very end only). */
static gdouble *
make_sine (guint rate, guint channels, guint mask, gdouble freq, gdouble amp,
    gdouble phase, gsize frames)
{
  gdouble *x = g_new0 (gdouble, frames * channels);
  gsize fade = rate / 200, i;
  guint ch;

  mst_synth_sine_f64 (x, frames, channels, mask, rate, freq, amp, phase, 0);
  for (i = 0; i < fade && i < frames / 2; i++) {
    gdouble g = 0.5 - 0.5 * cos (G_PI * i / fade);

    for (ch = 0; ch < channels; ch++) {
      x[i * channels + ch] *= g;
      x[(frames - 1 - i) * channels + ch] *= g;
    }
  }
  return x;
}

/* Measure a sine on the channels of mask; returns the final reading. */
static Reading
measure_sine (guint rate, guint channels, gint64 caps_mask, guint sig_mask,
    gdouble amp_db, gdouble seconds, gboolean dual_mono)
{
  Ctx c;
  gsize frames = (gsize) (seconds * rate);
  gdouble *x = make_sine (rate, channels, sig_mask, 1000.0,
      pow (10.0, amp_db / 20.0), 0.0, frames);
  Reading r;

  ctx_init (&c, rate, channels, caps_mask, FALSE);
  g_object_set (c.h->element, "dual-mono", dual_mono, NULL);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = *ctx_last (&c);
  fail_unless (r.final);
  ctx_clear (&c);
  g_free (x);
  return r;
}

static void
assert_close (gdouble v, gdouble expected, gdouble tol, const gchar * what)
{
  fail_unless (fabs (v - expected) <= tol, "%s: %.4f, expected %.4f +- %.4f",
      what, v, expected, tol);
}

static void
assert_true_peak (gdouble v, gdouble expected, const gchar * what)
{
  fail_unless (v <= expected + TP_TOL_ABOVE && v >= expected - TP_TOL_BELOW,
      "%s: %.4f dBTP, expected %.4f +%.1f/-%.1f", what, v, expected,
      TP_TOL_ABOVE, TP_TOL_BELOW);
}

static void
assert_minus_inf (gdouble v, const gchar * what)
{
  fail_unless (isinf (v) && v < 0, "%s: %f, expected -inf", what, v);
}

/* ---------------------------------------------------------------- caps */

/* interleaved caps in native (NE) or other (OE) endianness */
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define CAPS_NE(fmt, rest)                                                     \
  "audio/x-raw, layout=interleaved, format=" fmt "LE, " rest
#define CAPS_OE(fmt, rest)                                                     \
  "audio/x-raw, layout=interleaved, format=" fmt "BE, " rest
#else
#define CAPS_NE(fmt, rest)                                                     \
  "audio/x-raw, layout=interleaved, format=" fmt "BE, " rest
#define CAPS_OE(fmt, rest)                                                     \
  "audio/x-raw, layout=interleaved, format=" fmt "LE, " rest
#endif

static gboolean
try_caps (const gchar * caps_str)
{
  GstHarness *h = gst_harness_new ("loudnorm");
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");
  gboolean accepted, pushed;
  GstSegment segment;
  GstStructure *s;
  gint ch = 2;
  GstBuffer *buf;
  GstFlowReturn flow;

  fail_unless (caps != NULL, "bad caps string %s", caps_str);
  s = gst_caps_get_structure (caps, 0);
  accepted = gst_pad_query_accept_caps (sink, caps);
  gst_structure_get_int (s, "channels", &ch);
  /* 8 bytes per sample: enough for every format tried */
  fail_unless (gst_pad_push_event (h->srcpad,
          gst_event_new_stream_start ("test")));
  gst_pad_push_event (h->srcpad, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (h->srcpad, gst_event_new_segment (&segment));

  /* data flows only with caps the element took */
  buf = gst_buffer_new_allocate (NULL, 480 * ch * 8, NULL);
  gst_buffer_memset (buf, 0, 0, 480 * ch * 8);
  GST_BUFFER_PTS (buf) = 0;
  flow = gst_harness_push (h, buf);
  pushed = flow == GST_FLOW_OK;
  fail_unless (pushed || flow == GST_FLOW_NOT_NEGOTIATED, "flow %s",
      gst_flow_get_name (flow));
  fail_unless_equals_int (accepted, pushed);
  if (pushed)
    gst_buffer_unref (gst_harness_pull (h));

  gst_object_unref (sink);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  return pushed;
}

GST_START_TEST (test_caps_accepted)
{
  const gchar *formats[] = { GST_AUDIO_NE (F32), GST_AUDIO_NE (F64) };
  const guint rates[] = { 8000, 44100, 384000 };
  guint f, r, ch;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (r = 0; r < G_N_ELEMENTS (rates); r++) {
      for (ch = 1; ch <= 8; ch++) {
        gchar *caps = g_strdup_printf ("audio/x-raw, format=%s, rate=%u, "
            "channels=%u, layout=interleaved, "
            "channel-mask=(bitmask)0x%" G_GINT64_MODIFIER "x",
            formats[f], rates[r], ch, gst_audio_channel_get_fallback_mask (ch));

        fail_unless (try_caps (caps), "refused %s", caps);
        g_free (caps);
      }
    }
  }
  /* unpositioned channels */
  fail_unless (try_caps (CAPS_NE ("F32", "rate=48000, channels=6, "
              "channel-mask=(bitmask)0x0")));
}

GST_END_TEST;

GST_START_TEST (test_caps_refused)
{
  const gchar *refused[] = {
    CAPS_NE ("S16", "rate=48000, channels=2"),
    CAPS_NE ("S32", "rate=48000, channels=2"),
    CAPS_NE ("F32", "rate=48000, channels=9, channel-mask=(bitmask)0x0"),
    CAPS_NE ("F32", "rate=7999, channels=2"),
    CAPS_NE ("F64", "rate=384001, channels=2"),
    /* the other endianness */
    CAPS_OE ("F32", "rate=48000, channels=2"),
    "audio/x-raw, format=" GST_AUDIO_NE (F32) ", rate=48000, channels=2, "
        "layout=non-interleaved",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++)
    fail_if (try_caps (refused[i]), "accepted %s", refused[i]);
}

GST_END_TEST;

/* --------------------------------------------------------- passthrough */

static void
check_passthrough (gboolean f64)
{
  Ctx c;
  const gsize frames = 4800;
  gsize bytes = frames * 2 * (f64 ? 8 : 4), i;
  gdouble *x = make_sine (48000, 2, 3, 997.0, 0.5, 0.1, frames);
  guint8 *data = g_malloc (bytes), *orig;
  GstBuffer *in, *out;
  GstMapInfo min, mout;

  if (f64) {
    memcpy (data, x, bytes);
    /* non-finite samples must leave the element untouched too */
    ((gdouble *) data)[7] = NAN;
    ((gdouble *) data)[8] = INFINITY;
  } else {
    mst_synth_to_f32 ((gfloat *) data, x, frames * 2);
    ((gfloat *) data)[7] = NAN;
    ((gfloat *) data)[8] = -INFINITY;
  }
  orig = g_memdup2 (data, bytes);

  ctx_init (&c, 48000, 2, -1, f64);
  gst_harness_set_drop_buffers (c.h, FALSE);

  /* read-only memory: mapping it writable would fail */
  in = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, data, bytes, 0,
      bytes, data, g_free);
  GST_BUFFER_PTS (in) = 0;
  GST_BUFFER_DURATION (in) = GST_FRAMES_TO_CLOCK_TIME (frames, 48000);
  /* keep a ref: a copy-on-write anywhere would show as a new buffer */
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (c.h, in), GST_FLOW_OK);
  out = gst_harness_pull (c.h);

  fail_unless (out == in, "output is not the input buffer");
  fail_unless_equals_int (gst_buffer_n_memory (out), 1);
  fail_unless (gst_buffer_peek_memory (out, 0)
      == gst_buffer_peek_memory (in, 0));
  fail_unless (gst_buffer_map (in, &min, GST_MAP_READ));
  fail_unless (gst_buffer_map (out, &mout, GST_MAP_READ));
  fail_unless (mout.data == data && min.data == data);
  fail_unless_equals_int (mout.size, bytes);
  for (i = 0; i < bytes; i++)
    fail_unless (mout.data[i] == orig[i], "byte %" G_GSIZE_FORMAT " changed",
        i);
  gst_buffer_unmap (out, &mout);
  gst_buffer_unmap (in, &min);

  gst_buffer_unref (out);
  gst_buffer_unref (in);
  ctx_clear (&c);
  g_free (orig);
  g_free (x);
}

GST_START_TEST (test_passthrough_no_copy)
{
  check_passthrough (FALSE);
  check_passthrough (TRUE);
}

GST_END_TEST;

/* -------------------------------------------------------------- timing */

GST_START_TEST (test_message_fields_and_timing)
{
  Ctx c;
  const guint rate = 48000;
  const GstClockTime interval = 100 * GST_MSECOND;
  const guint64 interval_frames = 4800;
  const gsize frames = 98400;   /* 20.5 intervals */
  gdouble *x = make_sine (rate, 2, 3, 1000.0, 0.1, 0.0, frames);
  GstSegment seg;
  guint i, n_periodic;
  const Reading *fin;

  ctx_init (&c, rate, 2, -1, FALSE);
  g_object_set (c.h->element, "interval", interval, NULL);
  /* running time = timestamp - start + base */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = 1 * GST_SECOND;
  seg.time = 1 * GST_SECOND;
  seg.base = 5 * GST_SECOND;
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
  c.t0 = 3 * GST_SECOND;

  /* buffers of 1000 frames: boundaries fall inside buffers */
  ctx_push_flags (&c, x, frames, 1000, 0);
  ctx_drain (&c);
  n_periodic = c.readings->len;
  fail_unless_equals_int (n_periodic, frames / interval_frames);

  for (i = 0; i < n_periodic; i++) {
    const Reading *r = &g_array_index (c.readings, Reading, i);
    GstClockTime ts
        = c.t0 + gst_util_uint64_scale (i * interval_frames, GST_SECOND, rate);

    fail_unless_equals_uint64 (r->timestamp, ts);
    fail_unless_equals_uint64 (r->duration, interval);
    fail_unless_equals_uint64 (r->running_time, ts - seg.start + seg.base);
    fail_unless_equals_uint64 (r->stream_time, ts - seg.start + seg.time);
    fail_unless (!r->final);
    fail_unless_equals_string (r->mode, "measure");
    /* measure mode applies no gain */
    fail_unless (r->gain == 0.0);
    fail_unless_equals_int (r->n_channels, 2);
    fail_unless_equals_uint64 (r->non_finite, 0);
    /* the momentary window (400 ms) is filled after 4 intervals */
    if (i >= 4) {
      /* a stereo sine of amplitude 0.1 at 1 kHz reads -20 LUFS */
      assert_close (r->momentary, 20.0 * log10 (0.1), TOL_LU, "momentary");
      fail_unless (isfinite (r->integrated));
    }
  }

  ctx_eos (&c);
  fail_unless_equals_int (c.readings->len, n_periodic + 1);
  fin = ctx_last (&c);
  fail_unless (fin->final);
  fail_unless_equals_uint64 (fin->timestamp, c.t0
      + gst_util_uint64_scale (n_periodic * interval_frames, GST_SECOND, rate));
  fail_unless_equals_uint64 (fin->duration,
      gst_util_uint64_scale (frames - n_periodic * interval_frames, GST_SECOND,
          rate));

  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_post_messages_off)
{
  Ctx c;
  gdouble *x = make_sine (48000, 2, 3, 1000.0, 0.1, 0.0, 48000 * 3);

  ctx_init (&c, 48000, 2, -1, FALSE);
  g_object_set (c.h->element, "post-messages", FALSE, NULL);
  ctx_push (&c, x, 48000 * 3);
  ctx_eos (&c);
  fail_unless_equals_int (c.readings->len, 0);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------- values */

static void
check_stereo_sine (gboolean f64, guint rate)
{
  Ctx c;
  const gdouble amp = pow (10.0, -23.0 / 20.0);
  const gdouble phase = 0.3;
  gsize frames = 20 * rate, k;
  gdouble *x = make_sine (rate, 2, 3, 1000.0, amp, phase, frames);
  gdouble sp = 0.0;
  const Reading *r;
  guint ch;

  /* analytic sample peak of the steady part: the sampled sine repeats
   * every rate / gcd (rate, 1000) samples */
  for (k = 0; k < rate; k++)
    sp = MAX (sp, fabs (amp * sin (2.0 * G_PI * 1000.0 * k / rate + phase)));

  ctx_init (&c, rate, 2, -1, f64);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = ctx_last (&c);

  fail_unless (r->final);
  assert_close (r->integrated, -23.0, TOL_LU, "integrated");
  assert_close (r->momentary, -23.0, TOL_LU, "momentary");
  assert_close (r->shortterm, -23.0, TOL_LU, "short-term");
  assert_close (r->max_momentary, -23.0, TOL_LU, "max momentary");
  assert_close (r->max_shortterm, -23.0, TOL_LU, "max short-term");
  /* Tech 3342: a steady signal has no loudness range */
  assert_close (r->range, 0.0, TOL_LU, "loudness range");
  for (ch = 0; ch < 2; ch++) {
    assert_close (r->sample_peak[ch], db (sp), TOL_SAMPLE_PEAK_DB,
        "sample peak");
    assert_true_peak (r->true_peak[ch], -23.0, "true peak");
  }
  assert_true_peak (r->max_true_peak, -23.0, "max true peak");
  fail_unless (r->max_true_peak >= MAX (r->true_peak[0], r->true_peak[1]));

  ctx_clear (&c);
  g_free (x);
}

GST_START_TEST (test_sine_stereo_minus23)
{
  check_stereo_sine (FALSE, 48000);
  check_stereo_sine (TRUE, 48000);
  check_stereo_sine (FALSE, 44100);
}

GST_END_TEST;

/* EBU Tech 3341 true-peak case: fs/4 sine at 45 degrees, amplitude 0.5:
 * the samples reach only 0.5 * sin (45 deg) = -9.03 dBFS, the waveform
 * -6.02 dBTP. */
GST_START_TEST (test_true_peak_quarter_rate)
{
  Ctx c;
  const gsize frames = 48000 * 3;
  gdouble *x = make_sine (48000, 2, 3, 12000.0, 0.5, G_PI / 4, frames);
  const Reading *r;
  guint ch;

  ctx_init (&c, 48000, 2, -1, FALSE);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = ctx_last (&c);
  for (ch = 0; ch < 2; ch++) {
    assert_close (r->sample_peak[ch], db (0.5 * sin (G_PI / 4)),
        TOL_SAMPLE_PEAK_DB, "sample peak");
    assert_true_peak (r->true_peak[ch], db (0.5), "true peak");
  }
  assert_true_peak (r->max_true_peak, db (0.5), "max true peak");
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------ EOS */

typedef struct
{
  gint seq;
  gint final_seq;
  gint eos_seq;
} Order;

static GstBusSyncReply
order_bus_handler (GstBus * bus, GstMessage * msg, gpointer data)
{
  Order *o = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
    const GstStructure *s = gst_message_get_structure (msg);
    gboolean final = FALSE;

    if (gst_structure_get_boolean (s, "final", &final) && final)
      o->final_seq = ++o->seq;
  }
  return GST_BUS_PASS;
}

static GstPadProbeReturn
order_eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Order *o = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    o->eos_seq = ++o->seq;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_eos_final_before_eos)
{
  Ctx c;
  Order o = { 0, 0, 0 };
  const gsize frames = 48000 * 12;      /* whole intervals */
  gdouble *x
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -23.0 / 20.0), 0, frames);
  GstPad *src;
  const Reading *last, *fin;
  guint ch;

  ctx_init (&c, 48000, 2, -1, FALSE);
  gst_bus_set_sync_handler (c.bus, order_bus_handler, &o, NULL);
  src = gst_element_get_static_pad (c.h->element, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, order_eos_probe,
      &o, NULL);
  gst_object_unref (src);

  ctx_push (&c, x, frames);
  ctx_drain (&c);
  fail_unless_equals_int (c.readings->len, 12);
  fail_unless_equals_int (o.final_seq, 0);
  fail_unless_equals_int (o.eos_seq, 0);

  ctx_eos (&c);
  fail_unless (o.final_seq > 0, "no final message");
  fail_unless (o.eos_seq > 0, "EOS did not pass");
  fail_unless (o.final_seq < o.eos_seq, "final message after EOS");
  fail_unless_equals_int (c.readings->len, 13);

  last = &g_array_index (c.readings, Reading, 11);
  fin = &g_array_index (c.readings, Reading, 12);
  fail_unless (!last->final);
  fail_unless (fin->final);
  fail_unless_equals_uint64 (fin->duration, 0);
  fail_unless_equals_uint64 (fin->timestamp, 12 * GST_SECOND);
  /* no audio between the last periodic message and EOS */
  assert_close (fin->integrated, last->integrated, 1e-9, "integrated");
  assert_close (fin->range, last->range, 1e-9, "range");
  assert_close (fin->max_momentary, last->max_momentary, 1e-9, "max M");
  assert_close (fin->integrated, -23.0, TOL_LU, "final integrated");
  for (ch = 0; ch < 2; ch++) {
    assert_close (fin->sample_peak[ch], last->sample_peak[ch], 1e-9,
        "sample peak");
    assert_true_peak (fin->true_peak[ch], -23.0, "final true peak");
  }

  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* --------------------------------------------------------------- reset */

static void
check_reset (gboolean by_flush)
{
  Ctx c;
  const gsize frames = 48000 * 10;
  gdouble *loud
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -10.0 / 20.0), 0, frames);
  gdouble *quiet
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -30.0 / 20.0), 0, frames);
  const Reading *r;
  guint n_before;
  GstSegment seg;

  ctx_init (&c, 48000, 2, -1, FALSE);
  ctx_push (&c, loud, frames);
  r = ctx_last (&c);
  assert_close (r->integrated, -10.0, TOL_LU, "integrated before reset");
  n_before = c.readings->len;

  if (by_flush) {
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
    c.t0 = 0;
    c.offset = 0;
  } else {
    g_signal_emit_by_name (c.h->element, "reset");
  }
  ctx_push (&c, quiet, frames);
  ctx_eos (&c);
  r = ctx_last (&c);

  /* all the values restart: a stale history would keep -10 LUFS */
  assert_close (r->integrated, -30.0, TOL_LU, "integrated after reset");
  assert_close (r->max_momentary, -30.0, TOL_LU, "max momentary");
  assert_close (r->max_shortterm, -30.0, TOL_LU, "max short-term");
  assert_close (r->sample_peak[0], -30.0, TOL_SAMPLE_PEAK_DB, "sample peak");
  assert_true_peak (r->max_true_peak, -30.0, "max true peak");
  /* the interval count restarts too: 10 periodic + 1 final */
  fail_unless_equals_int (c.readings->len - n_before, 11);
  if (by_flush) {
    fail_unless_equals_uint64 (g_array_index (c.readings, Reading,
            n_before).timestamp, 0);
  } else {
    fail_unless_equals_uint64 (g_array_index (c.readings, Reading,
            n_before).timestamp, 10 * GST_SECOND);
  }

  ctx_clear (&c);
  g_free (loud);
  g_free (quiet);
}

GST_START_TEST (test_reset_flush_stop)
{
  check_reset (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_reset_signal)
{
  check_reset (FALSE);
}

GST_END_TEST;

/* ---------------------------------------------------------- non-finite */

GST_START_TEST (test_non_finite)
{
  Ctx c;
  const gsize frames = 48000 * 10;
  gdouble *x
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -23.0 / 20.0), 0, frames);
  const Reading *r;
  GstSegment seg;
  guint ch;

  /* 4 + 3 non-finite samples in different buffers */
  x[1000] = NAN;
  x[1001] = INFINITY;
  x[5000] = -INFINITY;
  x[5003] = NAN;
  x[200000] = NAN;
  x[200001] = NAN;
  x[700001] = INFINITY;

  ctx_init (&c, 48000, 2, -1, TRUE);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = ctx_last (&c);

  fail_unless_equals_int (c.warnings, 1);
  fail_unless (c.warning_debug && strstr (c.warning_debug, "non-finite"),
      "warning does not say what: %s", c.warning_debug);
  fail_unless_equals_uint64 (r->non_finite, 7);
  fail_unless (isfinite (r->integrated) && isfinite (r->momentary)
      && isfinite (r->shortterm) && isfinite (r->range)
      && isfinite (r->max_true_peak));
  assert_close (r->integrated, -23.0, TOL_LU, "integrated");
  for (ch = 0; ch < 2; ch++) {
    fail_unless (isfinite (r->true_peak[ch]) && isfinite (r->sample_peak[ch]));
    assert_close (r->sample_peak[ch], -23.0, TOL_SAMPLE_PEAK_DB, "sample peak");
    /* a sample set to 0 in a sine may overshoot a little */
    fail_unless (r->true_peak[ch] < -20.0, "true peak %f", r->true_peak[ch]);
  }
  /* the periodic messages count as they go */
  fail_unless_equals_uint64 (g_array_index (c.readings, Reading, 0).non_finite,
      4);

  /* after a reset (flush) the count restarts and it may warn again */
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
  c.t0 = c.offset = 0;
  ctx_push (&c, x, 48000);
  ctx_eos (&c);
  r = ctx_last (&c);
  fail_unless_equals_int (c.warnings, 2);
  fail_unless_equals_uint64 (r->non_finite, 4);

  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------- silence, GAP */

GST_START_TEST (test_silence)
{
  Ctx c;
  const gsize frames = 48000 * 10;
  gdouble *x = g_new0 (gdouble, frames * 2);
  const Reading *r;

  ctx_init (&c, 48000, 2, -1, FALSE);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = ctx_last (&c);
  fail_unless_equals_int (c.readings->len, 11);
  assert_minus_inf (r->integrated, "integrated");
  assert_minus_inf (r->momentary, "momentary");
  assert_minus_inf (r->shortterm, "short-term");
  assert_minus_inf (r->max_momentary, "max momentary");
  assert_minus_inf (r->range, "loudness range");
  assert_minus_inf (r->sample_peak[0], "sample peak");
  assert_minus_inf (r->true_peak[1], "true peak");
  assert_minus_inf (r->max_true_peak, "max true peak");
  fail_unless_equals_int (c.warnings, 0);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_gap_buffer)
{
  Ctx c;
  const gsize sine_frames = 48000 * 20, gap_frames = 48000 * 5;
  gdouble *x = make_sine (48000, 2, 3, 1000.0, pow (10.0, -23.0 / 20.0), 0,
      sine_frames);
  /* loud content in the GAP buffers must be ignored */
  gdouble *junk
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -3.0 / 20.0), 0, gap_frames);
  const Reading *r;

  ctx_init (&c, 48000, 2, -1, FALSE);
  ctx_push (&c, x, sine_frames);
  ctx_push_flags (&c, junk, gap_frames, 1024, GST_BUFFER_FLAG_GAP);
  ctx_eos (&c);
  r = ctx_last (&c);

  /* the GAP counts as time: 25 s of messages */
  fail_unless_equals_int (c.readings->len, 26);
  fail_unless (r->momentary < -70.0, "momentary after 5 s of GAP: %f",
      r->momentary);
  fail_unless (r->shortterm < -70.0, "short-term after 5 s of GAP: %f",
      r->shortterm);
  assert_close (r->max_momentary, -23.0, TOL_LU, "max momentary");
  assert_close (r->sample_peak[0], -23.0, TOL_SAMPLE_PEAK_DB, "sample peak");
  assert_true_peak (r->max_true_peak, -23.0, "max true peak");
  /* silence is gated out; only the partly silent blocks at the edge
   * count: 20 s of sine give -23.03 */
  assert_close (r->integrated, -23.0, TOL_LU, "integrated");

  ctx_clear (&c);
  g_free (x);
  g_free (junk);
}

GST_END_TEST;

GST_START_TEST (test_gap_event)
{
  Ctx c;
  const gsize frames = 48000 * 10;
  gdouble *x
      = make_sine (48000, 2, 3, 1000.0, pow (10.0, -23.0 / 20.0), 0, frames);
  const Reading *r;
  guint n;

  ctx_init (&c, 48000, 2, -1, FALSE);
  ctx_push (&c, x, frames);
  ctx_drain (&c);
  n = c.readings->len;
  fail_unless_equals_int (n, 10);
  assert_close (g_array_index (c.readings, Reading, n - 1).momentary, -23.0,
      TOL_LU, "momentary before the gap");

  fail_unless (gst_harness_push_event (c.h, gst_event_new_gap (10 * GST_SECOND,
              4 * GST_SECOND)));
  ctx_drain (&c);
  fail_unless_equals_int (c.readings->len, n + 4);
  r = ctx_last (&c);
  fail_unless_equals_uint64 (r->timestamp, 13 * GST_SECOND);
  /* both windows hold only the gap (and the K-filter's decaying tail):
   * below the -70 LUFS absolute gate */
  fail_unless (r->momentary < -70.0, "momentary after the gap: %f",
      r->momentary);
  fail_unless (r->shortterm < -70.0, "short-term after the gap: %f",
      r->shortterm);
  assert_close (r->integrated, -23.0, TOL_LU, "integrated");

  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------ channels */

GST_START_TEST (test_mono_and_eight_channels)
{
  Reading r;
  guint ch;

  /* mono: one channel, weight 1.0 */
  r = measure_sine (48000, 1, -1, 1, -23.0, 10.0, FALSE);
  assert_close (r.integrated, MONO_SINE_LUFS, TOL_LU, "mono");
  fail_unless_equals_int (r.n_channels, 1);

  /* 8 unpositioned channels, all weight 1.0: 8 x one channel */
  r = measure_sine (48000, 8, 0, 0xff, -23.0, 10.0, FALSE);
  assert_close (r.integrated, MONO_SINE_LUFS + 10.0 * log10 (8.0), TOL_LU,
      "8 channels");
  fail_unless_equals_int (r.n_channels, 8);
  for (ch = 0; ch < 8; ch++) {
    assert_close (r.sample_peak[ch], -23.0, TOL_SAMPLE_PEAK_DB, "sample peak");
    assert_true_peak (r.true_peak[ch], -23.0, "true peak");
  }

  /* only channel 5 of 8 carries the sine */
  r = measure_sine (48000, 8, 0, 1 << 5, -23.0, 10.0, FALSE);
  assert_close (r.integrated, MONO_SINE_LUFS, TOL_LU, "channel 5 of 8");
  assert_close (r.sample_peak[5], -23.0, TOL_SAMPLE_PEAK_DB, "peak ch 5");
  assert_minus_inf (r.sample_peak[4], "peak ch 4");
}

GST_END_TEST;

GST_START_TEST (test_surround_weights)
{
  /* 5.1: FL FR FC LFE1 RL RR, in this order */
  const gint64 mask51 = 0x3f;
  /* 7.1: FL FR FC LFE1 RL RR SL SR */
  const gint64 mask71 = gst_audio_channel_get_fallback_mask (8);
  const gdouble surround_db = 10.0 * log10 (1.41);
  Reading fl, fc, lfe, rl, sl, all;

  fl = measure_sine (48000, 6, mask51, 1 << 0, -23.0, 10.0, FALSE);
  fc = measure_sine (48000, 6, mask51, 1 << 2, -23.0, 10.0, FALSE);
  lfe = measure_sine (48000, 6, mask51, 1 << 3, -23.0, 10.0, FALSE);
  rl = measure_sine (48000, 6, mask51, 1 << 4, -23.0, 10.0, FALSE);
  sl = measure_sine (48000, 8, mask71, 1 << 6, -23.0, 10.0, FALSE);
  all = measure_sine (48000, 6, mask51, 0x3f, -23.0, 10.0, FALSE);

  assert_close (fl.integrated, MONO_SINE_LUFS, TOL_LU, "front left");
  assert_close (fc.integrated - fl.integrated, 0.0, TOL_LU, "centre vs L");
  /* surround: weight 1.41, +1.49 dB */
  assert_close (rl.integrated - fl.integrated, surround_db, TOL_LU,
      "rear left vs L");
  assert_close (sl.integrated - fl.integrated, surround_db, TOL_LU,
      "side left vs L");
  /* LFE excluded, though its peaks are still metered */
  assert_minus_inf (lfe.integrated, "LFE only");
  assert_close (lfe.sample_peak[3], -23.0, TOL_SAMPLE_PEAK_DB, "LFE peak");
  /* L + R + C + 1.41 (Ls + Rs), LFE left out */
  assert_close (all.integrated,
      MONO_SINE_LUFS + 10.0 * log10 (3.0 + 2.0 * 1.41), TOL_LU, "all six");
}

GST_END_TEST;

GST_START_TEST (test_dual_mono)
{
  Reading mono, dual;

  mono = measure_sine (48000, 1, -1, 1, -23.0, 10.0, FALSE);
  dual = measure_sine (48000, 1, -1, 1, -23.0, 10.0, TRUE);
  assert_close (mono.integrated, MONO_SINE_LUFS, TOL_LU, "mono");
  assert_close (dual.integrated, -23.0, TOL_LU, "dual mono");
  assert_close (dual.integrated - mono.integrated, 10.0 * log10 (2.0), TOL_LU,
      "dual-mono offset");
  assert_close (dual.max_momentary - mono.max_momentary, 10.0 * log10 (2.0),
      TOL_LU, "dual-mono offset, momentary");
}

GST_END_TEST;

/* ---------------------------------------------- independent reference */

GST_START_TEST (test_music_vs_libebur128)
{
  Ctx c;
  const guint rate = 48000;
  const gsize frames = rate * 40;
  gdouble *x = g_new0 (gdouble, frames * 2);
  gfloat *xf = g_new (gfloat, frames * 2);
  ebur128_state *st;
  gdouble ref_i, ref_lra, ref_m, ref_s, ref_tp, ref_sp, ref_max_tp = 0.0;
  const Reading *r;
  guint ch;

  fail_unless_equals_int (mst_synth_music_f64 (x, frames, 2, rate, -1.0, 7), 0);
  /* the element sees the float samples: measure the same ones */
  mst_synth_to_f32 (xf, x, frames * 2);

  st = ebur128_init (2, rate,
      EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK
      | EBUR128_MODE_SAMPLE_PEAK);
  fail_unless (st != NULL);
  fail_unless_equals_int (ebur128_add_frames_float (st, xf, frames),
      EBUR128_SUCCESS);
  ebur128_loudness_global (st, &ref_i);
  ebur128_loudness_range (st, &ref_lra);
  ebur128_loudness_momentary (st, &ref_m);
  ebur128_loudness_shortterm (st, &ref_s);

  ctx_init (&c, rate, 2, -1, FALSE);
  ctx_push (&c, x, frames);
  ctx_eos (&c);
  r = ctx_last (&c);

  GST_INFO ("integrated %.3f (libebur128 %.3f), LRA %.3f (libebur128 %.3f)",
      r->integrated, ref_i, r->range, ref_lra);
  assert_close (r->integrated, ref_i, TOL_LU, "integrated vs libebur128");
  assert_close (r->momentary, ref_m, TOL_LU, "momentary vs libebur128");
  assert_close (r->shortterm, ref_s, TOL_LU, "short-term vs libebur128");
  /* EBU Tech 3342 tolerance +-1 LU; libebur128 samples short-term
   * loudness at 1 Hz, we at >= 10 Hz */
  assert_close (r->range, ref_lra, 1.0, "LRA vs libebur128");
  fail_unless (r->range > 1.0, "programme with sections has a range");

  for (ch = 0; ch < 2; ch++) {
    ebur128_sample_peak (st, ch, &ref_sp);
    ebur128_true_peak (st, ch, &ref_tp);
    ref_max_tp = MAX (ref_max_tp, ref_tp);
    GST_INFO ("ch %u: true peak %.3f (libebur128 %.3f), sample peak %.4f "
        "(libebur128 %.4f)",
        ch, r->true_peak[ch], db (ref_tp), r->sample_peak[ch], db (ref_sp));
    assert_close (r->sample_peak[ch], db (ref_sp), TOL_SAMPLE_PEAK_DB,
        "sample peak vs libebur128");
    /* Only a lower bound against libebur128: its interpolator rolls off
     * well below fs / 2 and reads low on this programme's hi-hats (a long
     * windowed-sinc reconstruction at 64x peaks higher than both meters
     * there).  Upper bounds on the true peak are checked with sines
     * above, where the true value is known. */
    fail_unless (r->true_peak[ch] >= db (ref_tp) - TP_TOL_BELOW,
        "true peak %.3f below libebur128's %.3f - %.1f",
        r->true_peak[ch], db (ref_tp), TP_TOL_BELOW);
    fail_unless (r->true_peak[ch] >= r->sample_peak[ch] - 1e-9);
  }
  assert_close (r->max_true_peak, MAX (r->true_peak[0], r->true_peak[1]), 1e-9,
      "max true peak is the highest channel");
  fail_unless (r->max_true_peak >= db (ref_max_tp) - TP_TOL_BELOW);

  ebur128_destroy (&st);
  ctx_clear (&c);
  g_free (x);
  g_free (xf);
}

GST_END_TEST;

/* ------------------------------------------------------------ controller */

/* The mode enum: every nick, and what each mode does to the latency. */
GST_START_TEST (test_mode_enum_and_properties)
{
  static const gchar *nicks[] = { "measure", "static", "file", "dynamic" };
  GstElement *e = gst_element_factory_make ("loudnorm", NULL);
  GEnumClass *klass = g_type_class_ref (g_type_from_name ("GstLoudnormMode"));
  gdouble d;
  guint i, u;
  guint64 t;

  fail_unless (e != NULL);
  for (i = 0; i < G_N_ELEMENTS (nicks); i++) {
    GEnumValue *v = g_enum_get_value_by_nick (klass, nicks[i]);

    fail_unless (v != NULL, "no mode %s", nicks[i]);
    g_object_set (e, "mode", v->value, NULL);
  }
  g_object_get (e, "measured-loudness", &d, NULL);
  fail_unless (d < -70.0);      /* unset */
  g_object_get (e, "measured-true-peak", &d, NULL);
  fail_unless (d < -99.0);
  g_object_get (e, "max-duration", &t, NULL);
  fail_unless_equals_uint64 (t, 30 * 60 * GST_SECOND);
  g_object_get (e, "lookahead", &u, NULL);
  fail_unless_equals_int (u, 3000);
  g_object_get (e, "loudness-range-target", &d, NULL);
  fail_unless (d == 11.0);
  g_object_get (e, "max-gain", &d, NULL);
  fail_unless (d == 24.0);
  g_type_class_unref (klass);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_controller)
{
  Ctx c;
  GstControlSource *cs;
  gdouble *x = make_sine (48000, 2, 3, 1000.0, 0.1, 0, 48000);
  gdouble target = 0.0;

  ctx_init (&c, 48000, 2, -1, FALSE);
  cs = gst_interpolation_control_source_new ();
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  /* direct binding: 0..1 spans the property range -70..0 LUFS */
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs), 0,
      0.5);
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
      GST_SECOND / 2, 0.9);
  fail_unless (gst_object_add_control_binding (GST_OBJECT (c.h->element),
          gst_direct_control_binding_new (GST_OBJECT (c.h->element),
              "target-loudness", cs)));

  ctx_push_flags (&c, x, 4800, 4800, 0);
  g_object_get (c.h->element, "target-loudness", &target, NULL);
  assert_close (target, -35.0, 1e-6, "controlled target at 0 s");
  c.offset = 24000;
  ctx_push_flags (&c, x, 4800, 4800, 0);
  g_object_get (c.h->element, "target-loudness", &target, NULL);
  assert_close (target, -7.0, 1e-6, "controlled target at 0.5 s");

  gst_object_unref (cs);
  ctx_clear (&c);
  g_free (x);
}

GST_END_TEST;

static Suite *
loudnorm_suite (void)
{
  Suite *s = suite_create ("loudnorm");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_accepted);
  tcase_add_test (tc, test_caps_refused);
  tcase_add_test (tc, test_passthrough_no_copy);
  tcase_add_test (tc, test_message_fields_and_timing);
  tcase_add_test (tc, test_post_messages_off);
  tcase_add_test (tc, test_sine_stereo_minus23);
  tcase_add_test (tc, test_true_peak_quarter_rate);
  tcase_add_test (tc, test_eos_final_before_eos);
  tcase_add_test (tc, test_reset_flush_stop);
  tcase_add_test (tc, test_reset_signal);
  tcase_add_test (tc, test_non_finite);
  tcase_add_test (tc, test_silence);
  tcase_add_test (tc, test_gap_buffer);
  tcase_add_test (tc, test_gap_event);
  tcase_add_test (tc, test_mono_and_eight_channels);
  tcase_add_test (tc, test_surround_weights);
  tcase_add_test (tc, test_dual_mono);
  tcase_add_test (tc, test_music_vs_libebur128);
  tcase_add_test (tc, test_mode_enum_and_properties);
  tcase_add_test (tc, test_controller);

  return s;
}

GST_CHECK_MAIN (loudnorm);
