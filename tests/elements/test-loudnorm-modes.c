/* gst-mastering: loudnorm normalising modes (static, file, dynamic),
 * GstHarness tests.
 *
 * Tolerances (from the loudnorm issue), measured on the element's output
 * by independent meters (libebur128 for loudness, the 16x reference meter
 * of tests/common for the true peak):
 *   file: integrated loudness within 0.1 LU of the target, also when the
 *     gain drives the peaks 6 dB into the limiter;
 *   static: the same when no limiting is needed; when it is, the reported
 *     shortfall matches the measured one within 0.1 LU;
 *   dynamic: integrated within 1 LU (EBU R128 live tolerance), gain steps
 *     at most MST_NORMALIZER_MAX_STEP_DB per 10 ms;
 *   true peak at most the limit + 0.01 dB in every mode;
 *   exact sample count, continuous timestamps, latency = measured delay.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <ebur128.h>
#include <math.h>
#include <string.h>

#include "synth.h"
#include "refpeak.h"
#include "limiter.h"
#include "normalizer.h"

#define TOL_FILE_LU 0.1
#define TOL_DYNAMIC_LU 1.0
#define TOL_TP_DB 0.01

typedef struct
{
  float *y;                     /* output, interleaved */
  gsize frames;                 /* output frames */
  gsize cap;                    /* frames allocated at y */
  gsize first_out_after;        /* input frames pushed when the first
                                 * output buffer came */
  gboolean ts_ok;               /* PTS continuous from the first input PTS */
  GArray *gains;                /* `gain` of every loudnorm message */
  gchar mode[16];               /* `mode` of the final message */
  gdouble final_gain, final_out_i;
  gboolean have_final;
  gboolean limited;             /* a loudnorm-limited message came */
  gdouble limited_db, shortfall;
  guint warnings;
  gchar *error;                 /* text of the first error, if any */
  GstFlowReturn last_flow;
  GstClockTime latency;
  GArray *lim;                  /* the loudnorm-limiter messages (LimMsg) */
} Out;

typedef struct
{
  GstClockTime ts, duration;
  gdouble gr, max_gr;
} LimMsg;

static void
out_clear (Out * o)
{
  g_free (o->y);
  if (o->gains)
    g_array_unref (o->gains);
  if (o->lim)
    g_array_unref (o->lim);
  g_free (o->error);
  memset (o, 0, sizeof (*o));
}

static void
set_props (GstElement * e, const gchar * props)
{
  gchar **kv = g_strsplit (props, " ", -1), **p;

  for (p = kv; *p; p++) {
    gchar **pair;

    if (!**p)
      continue;
    pair = g_strsplit (*p, "=", 2);
    fail_unless (pair[1] != NULL, "bad property %s", *p);
    gst_util_set_object_arg (G_OBJECT (e), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
}

static void
collect_output (GstHarness * h, Out * o, guint channels, guint rate,
    GstClockTime t0, gsize pushed)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h))) {
    gsize bytes = gst_buffer_get_size (b);
    gsize n = bytes / (channels * sizeof (gfloat));
    GstClockTime expect = t0 + gst_util_uint64_scale_round (o->frames,
        GST_SECOND, rate);
    GstClockTime pts = GST_BUFFER_PTS (b);

    if (o->frames == 0)
      o->first_out_after = pushed;
    if (!GST_CLOCK_TIME_IS_VALID (pts) || (pts > expect ? pts - expect :
            expect - pts) > 1)
      o->ts_ok = FALSE;
    if (o->frames + n > o->cap) {
      o->cap = MAX (o->cap * 2, o->frames + n);
      o->y = g_renew (gfloat, o->y, o->cap * channels);
    }
    gst_buffer_extract (b, 0, o->y + o->frames * channels, bytes);
    o->frames += n;
    gst_buffer_unref (b);
  }
}

static void
collect_messages (GstBus * bus, Out * o)
{
  GstMessage *m;

  while ((m = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (m);

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "loudnorm")) {
      gdouble g = NAN;
      gboolean final = FALSE;

      fail_unless (gst_structure_get_double (s, "gain", &g));
      g_array_append_val (o->gains, g);
      gst_structure_get_boolean (s, "final", &final);
      if (final) {
        o->have_final = TRUE;
        o->final_gain = g;
        g_strlcpy (o->mode, gst_structure_get_string (s, "mode"),
            sizeof (o->mode));
        o->final_out_i = NAN;
        gst_structure_get_double (s, "output-integrated-loudness",
            &o->final_out_i);
      }
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "loudnorm-limited")) {
      o->limited = TRUE;
      fail_unless (gst_structure_get_double (s, "limited-db", &o->limited_db));
      fail_unless (gst_structure_get_double (s, "shortfall", &o->shortfall));
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "loudnorm-limiter")) {
      LimMsg lm;

      fail_unless (gst_structure_get_clock_time (s, "timestamp", &lm.ts));
      fail_unless (gst_structure_get_clock_time (s, "duration", &lm.duration));
      fail_unless (gst_structure_get_double (s, "gain-reduction", &lm.gr));
      fail_unless (gst_structure_get_double (s, "max-gain-reduction",
              &lm.max_gr));
      g_array_append_val (o->lim, lm);
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      o->warnings++;
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR && !o->error) {
      GError *err = NULL;

      gst_message_parse_error (m, &err, NULL);
      o->error = g_strdup (err->message);
      g_error_free (err);
    }
    gst_message_unref (m);
  }
}

/* Run interleaved F32 x (frames) through loudnorm with props, in buffers
 * of chunk frames, then EOS. */
static void
run (const gchar * props, guint rate, guint channels, const gfloat * x,
    gsize frames, gsize chunk, Out * o)
{
  GstHarness *h = gst_harness_new ("loudnorm");
  GstBus *bus = gst_bus_new ();
  GstClockTime t0 = 10 * GST_SECOND;
  gchar *caps;
  gsize done = 0;

  memset (o, 0, sizeof (*o));
  o->ts_ok = TRUE;
  o->gains = g_array_new (FALSE, FALSE, sizeof (gdouble));
  o->lim = g_array_new (FALSE, FALSE, sizeof (LimMsg));
  o->last_flow = GST_FLOW_OK;
  o->cap = frames;
  o->y = g_new (gfloat, frames * channels);
  gst_element_set_bus (h->element, bus);
  set_props (h->element, props);
  caps = g_strdup_printf ("audio/x-raw, format=%s, rate=%u, channels=%u, "
      "layout=interleaved", GST_AUDIO_NE (F32), rate, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);

  while (done < frames && o->last_flow == GST_FLOW_OK) {
    gsize n = MIN (chunk, frames - done);
    GstBuffer *b = gst_buffer_new_allocate (NULL, n * channels * 4, NULL);

    gst_buffer_fill (b, 0, x + done * channels, n * channels * 4);
    GST_BUFFER_PTS (b) = t0 + gst_util_uint64_scale_round (done, GST_SECOND,
        rate);
    GST_BUFFER_DURATION (b) = t0 + gst_util_uint64_scale_round (done + n,
        GST_SECOND, rate) - GST_BUFFER_PTS (b);
    o->last_flow = gst_harness_push (h, b);
    done += n;
    collect_output (h, o, channels, rate, t0, done);
    collect_messages (bus, o);
  }
  if (o->last_flow == GST_FLOW_OK) {
    /* (file mode refuses the harness's live latency query) */
    if (!strstr (props, "mode=file"))
      o->latency = gst_harness_query_latency (h);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  }
  collect_output (h, o, channels, rate, t0, done);
  collect_messages (bus, o);

  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static gdouble
ebur128_integrated (const gfloat * y, gsize frames, guint channels,
    guint rate, gdouble * lra)
{
  ebur128_state *st = ebur128_init (channels, rate,
      EBUR128_MODE_I | EBUR128_MODE_LRA);
  gdouble i = -HUGE_VAL;

  fail_unless (st != NULL);
  if (frames > 0)
    ebur128_add_frames_float (st, y, frames);
  ebur128_loudness_global (st, &i);
  if (lra)
    ebur128_loudness_range (st, lra);
  ebur128_destroy (&st);
  return i;
}

/* 16x reference true peak (dBTP) around every sample within 4 dB of
 * `near` (an inter-sample peak above `near` needs a neighbouring sample
 * that high for these band-limited programmes). */
static gdouble
ref_true_peak_db (const gfloat * y, gsize frames, guint ch, gdouble near)
{
  gdouble thr = pow (10.0, (near - 4.0) / 20.0), tp = 0.0;
  gdouble *d = g_new (gdouble, frames * ch);
  gsize i;
  guint c;

  for (i = 0; i < frames * ch; i++)
    d[i] = y[i];
  for (c = 0; c < ch; c++) {
    i = 0;
    while (i < frames) {
      gsize s;

      if (fabs (d[i * ch + c]) <= thr) {
        i++;
        continue;
      }
      s = i;
      while (i < frames && fabs (d[i * ch + c]) > thr)
        i++;
      tp = MAX (tp, mst_refpeak_range_f64 (d, frames, ch, c, (glong) s - 2,
              (glong) i + 2));
    }
  }
  g_free (d);
  return tp > 0.0 ? 20.0 * log10 (tp) : -HUGE_VAL;
}

/* A mastered music-like programme: the synthesiser's premaster limited by
 * about 3 dB (dsp limiter, ceiling -1 dBTP), so its peak-to-loudness ratio is
 * about 19 dB like commercial masters, then scaled so its integrated
 * loudness (libebur128) is `lufs`.  25 s: every section up to the first
 * chorus.  Returns F32 and its true peak (dBTP, 16x) in *tp. */
static gfloat *
make_master (guint rate, gdouble lufs, gsize * frames_out, gdouble * tp)
{
  gsize frames = 25 * rate, i;
  gdouble *x = g_new (gdouble, frames * 2);
  gfloat *y = g_new (gfloat, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, MST_LIMITER_LOOKAHEAD_DEFAULT);
  guint lat = mst_limiter_latency (lim);
  gdouble *tmp = g_new0 (gdouble, (frames + lat) * 2);
  gdouble g, i0;

  fail_unless_equals_int (mst_synth_music_f64 (x, frames, 2, rate, 2.0,
          rate), 0);
  mst_limiter_set_ceiling (lim, -1.0);
  memcpy (tmp, x, frames * 2 * sizeof (gdouble));
  mst_limiter_process_f64 (lim, tmp, tmp, frames + lat);
  mst_limiter_free (lim);
  for (i = 0; i < frames * 2; i++)
    y[i] = (gfloat) tmp[i + lat * 2];
  i0 = ebur128_integrated (y, frames, 2, rate, NULL);
  g = pow (10.0, (lufs - i0) / 20.0);
  for (i = 0; i < frames * 2; i++)
    y[i] = (gfloat) (tmp[i + lat * 2] * g);
  if (tp)
    *tp = ref_true_peak_db (y, frames, 2, -1.0 + (lufs - i0) - 3.0);
  g_free (x);
  g_free (tmp);
  *frames_out = frames;
  return y;
}

static void
check_common (const Out * o, gsize frames, const gchar * mode)
{
  gsize i;

  fail_unless (o->error == NULL, "error: %s", o->error);
  fail_unless_equals_int (o->last_flow, GST_FLOW_OK);
  fail_unless_equals_int (o->frames, frames);
  fail_unless (o->ts_ok, "timestamps not continuous");
  fail_unless (o->have_final);
  fail_unless_equals_string (o->mode, mode);
  /* (one assertion: check records every one it runs) */
  for (i = 0; i < o->frames * 2 && isfinite (o->y[i]); i++);
  fail_unless_equals_uint64 (i, o->frames * 2);
}

/* ---------------------------------------------------------------- file */

static void
file_case (guint rate, gdouble target, gdouble gain, gdouble overdrive)
{
  gsize frames;
  gdouble tp_in, limit, out_i, out_tp;
  gfloat *x = make_master (rate, target - gain, &frames, &tp_in);
  gchar *props;
  Out o;

  /* the limit that puts the peaks `overdrive` dB over it at this gain */
  limit = overdrive > 0.0 ? tp_in + gain - overdrive : -1.0;
  limit = CLAMP (limit, -24.0, 0.0);
  props = g_strdup_printf ("mode=file target-loudness=%g true-peak-limit=%g",
      target, limit);
  run (props, rate, 2, x, frames, 1024, &o);
  check_common (&o, frames, "file");
  out_i = ebur128_integrated (o.y, o.frames, 2, rate, NULL);
  out_tp = ref_true_peak_db (o.y, o.frames, 2, limit);
  GST_INFO ("file %u Hz, target %.0f, gain %+.0f (input peak %.2f dBTP, "
      "limit %.2f, %.2f dB over): output %.3f LUFS, true peak %.3f dBTP, "
      "gain applied %.2f dB", rate, target, gain, tp_in, limit,
      tp_in + gain - limit, out_i, out_tp, o.final_gain);
  fail_unless (fabs (out_i - target) <= TOL_FILE_LU,
      "%s: integrated %.3f", props, out_i);
  fail_unless (out_tp <= limit + TOL_TP_DB, "%s: true peak %.3f", props,
      out_tp);
  /* the element's own output meter agrees with libebur128 on the output
   * (its final pass keeps the measuring pass's reading: that pass must
   * be the one whose output went out) */
  fail_unless (fabs (o.final_out_i - out_i) <= 0.005, "%s: element %.4f, "
      "libebur128 %.4f LUFS", props, o.final_out_i, out_i);
  g_free (props);
  g_free (x);
  out_clear (&o);
}

GST_START_TEST (test_file_targets)
{
  static const gdouble targets[] = { -14.0, -16.0, -23.0 };
  static const guint rates[] = { 44100, 48000 };
  guint r, t;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    for (t = 0; t < G_N_ELEMENTS (targets); t++) {
      /* +12 dB with the peaks driven 6 dB into the limiter */
      file_case (rates[r], targets[t], 12.0, 6.0);
      /* -10 dB (the limit -1 dBTP) */
      file_case (rates[r], targets[t], -10.0, 0.0);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_file_holds_and_flushes)
{
  GstHarness *h = gst_harness_new ("loudnorm");
  gsize frames = 48000, got = 0;
  GstBuffer *b;
  gfloat *x = g_new0 (gfloat, frames * 2);

  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "file");
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=" GST_AUDIO_NE (F32)
      ", rate=48000, channels=2, layout=interleaved");
  /* nothing comes out while it holds */
  b = gst_buffer_new_allocate (NULL, frames * 8, NULL);
  gst_buffer_fill (b, 0, x, frames * 8);
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  /* a flushing seek discards everything held */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  }
  b = gst_buffer_new_allocate (NULL, 480 * 8, NULL);
  gst_buffer_fill (b, 0, x, 480 * 8);
  GST_BUFFER_PTS (b) = 0;
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (h))) {
    got += gst_buffer_get_size (b) / 8;
    gst_buffer_unref (b);
  }
  fail_unless_equals_int (got, 480);
  gst_harness_teardown (h);
  g_free (x);
}

GST_END_TEST;

/* Pushes x (frames, stereo) through `loudnorm mode=file` in buffers of
 * the sizes in sizes[] (cycled), then EOS; returns the output (frames
 * checked, timestamps contiguous from 0); *small: output buffers under a
 * second. */
static gfloat *
file_chunked (const gfloat * x, gsize frames, const gsize * sizes,
    guint nsizes, guint * small)
{
  GstHarness *h = gst_harness_new ("loudnorm");
  gfloat *y = g_new0 (gfloat, frames * 2);
  gsize done = 0, got = 0;
  GstClockTime next = 0;
  GstBuffer *b;
  guint k = 0;

  *small = 0;
  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "file");
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=" GST_AUDIO_NE (F32)
      ", rate=48000, channels=2, layout=interleaved");
  while (done < frames) {
    gsize n = MIN (sizes[k++ % nsizes], frames - done);

    b = gst_buffer_new_allocate (NULL, n * 8, NULL);
    gst_buffer_fill (b, 0, x + done * 2, n * 8);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (done, GST_SECOND, 48000);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    done += n;
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (h))) {
    gsize n = gst_buffer_get_size (b) / 8;

    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), next);
    next += GST_BUFFER_DURATION (b);
    if (n < 48000)
      (*small)++;
    fail_unless (got + n <= frames);
    gst_buffer_extract (b, 0, y + got * 2, n * 8);
    got += n;
    gst_buffer_unref (b);
  }
  fail_unless_equals_int (got, frames);
  fail_unless_equals_uint64 (next, gst_util_uint64_scale_int (frames,
          GST_SECOND, 48000));
  gst_harness_teardown (h);
  return y;
}

/* File mode sends the held stream in buffers of at least a second (the
 * last chunk and the delay line's tail excepted) whatever the input's
 * buffer size, with contiguous timestamps and every frame; the samples do
 * not depend on the input's buffer sizes (a programme that needs
 * measuring passes: a quiet tone with loud bursts). */
GST_START_TEST (test_file_output_chunks)
{
  static const gsize even[] = { 1920 };
  static const gsize mixed[] = { 100000, 7, 1920, 60000, 333 };
  gsize frames = 48000 * 7 / 2, i;
  gfloat *x = g_new (gfloat, frames * 2), *y1, *y2;
  guint small;

  for (i = 0; i < frames; i++) {
    gdouble ph = 2.0 * G_PI * 1000.0 * i / 48000.0;

    x[2 * i] = x[2 * i + 1] = (gfloat) ((i % 4800 < 96 ? 0.708 : 0.0316)
        * sin (ph));
  }
  y1 = file_chunked (x, frames, even, G_N_ELEMENTS (even), &small);
  fail_unless (small <= 2, "%u buffers under a second", small);
  y2 = file_chunked (x, frames, mixed, G_N_ELEMENTS (mixed), &small);
  fail_unless (memcmp (y1, y2, frames * 8) == 0);
  g_free (y1);
  g_free (y2);
  g_free (x);
}

GST_END_TEST;

/* The `loudnorm-limiter` messages: one per interval of output, contiguous
 * from the first output timestamp to the end; no reduction where the
 * programme stays under the limit after the gain, and where its bursts go
 * over it, about as much as they go over (input true peak + gain - limit;
 * the limiter aims a little under the limit). */
GST_START_TEST (test_limiter_messages)
{
  const gsize rate = 48000, quiet = 2 * rate, frames = 5 * rate;
  const GstClockTime t0 = 10 * GST_SECOND;
  static const gchar *modes[] = { "file", "static" };
  gfloat *x = g_new0 (gfloat, frames * 2);
  gdouble m_i, tp_db;
  gsize i;
  guint k;

  /* a 1 kHz tone at -30 dBFS; from 2 s, every 100 ms two of its cycles at
   * -3 dBFS (all bursts alike: they start at the same phase, 0) */
  for (i = 0; i < frames; i++) {
    gdouble ph = 2.0 * G_PI * 1000.0 * i / rate;
    gdouble v = 0.0316 * sin (ph);

    if (i >= quiet && (i - quiet) % (rate / 10) < rate / 500)
      v = 0.708 * sin (ph);
    x[2 * i] = x[2 * i + 1] = (gfloat) v;
  }
  m_i = ebur128_integrated (x, frames, 2, rate, NULL);
  tp_db = 20.0 * log10 (mst_refpeak_f32 (x + quiet * 2, frames - quiet, 2, 0));

  for (k = 0; k < G_N_ELEMENTS (modes); k++) {
    gchar *props = g_strdup_printf ("mode=%s target-loudness=-14 "
        "true-peak-limit=-1 interval=100000000 measured-loudness=%.6f",
        modes[k], m_i);
    gdouble expect, worst_quiet = 0.0, loud_min = INFINITY, loud_max = 0.0;
    GstClockTime next = t0;
    Out o;

    run (props, rate, 2, x, frames, 1920, &o);
    fail_unless (o.have_final);
    expect = tp_db + o.final_gain - (-1.0);
    fail_unless (expect > 3.0, "%s: bursts only %.2f dB over", modes[k],
        expect);
    fail_unless (o.lim->len >= 40, "%s: %u messages", modes[k], o.lim->len);
    for (i = 0; i < o.lim->len; i++) {
      const LimMsg *lm = &g_array_index (o.lim, LimMsg, i);
      GstClockTime end = lm->ts + lm->duration;

      fail_unless_equals_uint64 (lm->ts, next);
      next = end;
      fail_unless (lm->max_gr >= 0.0 && lm->gr >= 0.0
          && lm->gr <= lm->max_gr + 1e-9);
      if (end <= t0 + GST_SECOND * 19 / 10)
        worst_quiet = MAX (worst_quiet, lm->max_gr);
      else if (lm->ts >= t0 + GST_SECOND * 21 / 10) {
        loud_min = MIN (loud_min, lm->max_gr);
        loud_max = MAX (loud_max, lm->max_gr);
      }
    }
    GST_INFO ("%s: gain %.2f dB, bursts %.2f dB over the limit; reduction "
        "%.2f..%.2f dB, before them %.3f dB", modes[k], o.final_gain, expect,
        loud_min, loud_max, worst_quiet);
    fail_unless_equals_uint64 (next, t0 + gst_util_uint64_scale_int (frames,
            GST_SECOND, rate));
    fail_unless (worst_quiet == 0.0, "%s: %.3f dB before the bursts",
        modes[k], worst_quiet);
    fail_unless (loud_min > expect - 0.25 && loud_max < expect + 0.25,
        "%s: %.2f..%.2f dB, expected %.2f", modes[k], loud_min, loud_max,
        expect);
    g_free (props);
    out_clear (&o);
  }
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_file_max_duration)
{
  gsize frames = 3 * 48000;
  gfloat *x = g_new0 (gfloat, frames * 2);
  Out o;

  run ("mode=file max-duration=2000000000", 48000, 2, x, frames, 4800, &o);
  fail_unless (o.error != NULL);
  fail_unless (strstr (o.error, "max-duration") != NULL, "%s", o.error);
  fail_unless_equals_int (o.last_flow, GST_FLOW_ERROR);
  fail_unless_equals_int (o.frames, 0);
  out_clear (&o);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_file_refuses_live)
{
  /* the harness answers the LATENCY query as a live source */
  GstHarness *h = gst_harness_new ("loudnorm");
  GstBus *bus = gst_bus_new ();
  Out o;

  memset (&o, 0, sizeof (o));
  gst_element_set_bus (h->element, bus);
  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "file");
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=" GST_AUDIO_NE (F32)
      ", rate=48000, channels=2, layout=interleaved");
  fail_if (GST_CLOCK_TIME_IS_VALID (gst_harness_query_latency (h)));
  o.gains = g_array_new (FALSE, FALSE, sizeof (gdouble));
  collect_messages (bus, &o);
  fail_unless (o.error && strstr (o.error, "live"), "%s", o.error);
  out_clear (&o);
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

/* -------------------------------------------------------------- static */

/* First pass: mode=measure, its final integrated loudness and true peak. */
static void
measure_pass (const gfloat * x, gsize frames, guint rate, gdouble * lufs,
    gdouble * tp)
{
  GstHarness *h = gst_harness_new ("loudnorm");
  GstBus *bus = gst_bus_new ();
  GstBuffer *b;
  GstMessage *m;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=" GST_AUDIO_NE (F32)
      ", rate=48000, channels=2, layout=interleaved");
  fail_unless_equals_int (rate, 48000);
  b = gst_buffer_new_allocate (NULL, frames * 8, NULL);
  gst_buffer_fill (b, 0, x, frames * 8);
  GST_BUFFER_PTS (b) = 0;
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((m = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (m);
    gboolean final = FALSE;

    if (s && gst_structure_has_name (s, "loudnorm")
        && gst_structure_get_boolean (s, "final", &final) && final) {
      gst_structure_get_double (s, "integrated-loudness", lufs);
      gst_structure_get_double (s, "max-true-peak", tp);
    }
    gst_message_unref (m);
  }
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_START_TEST (test_static_two_pass)
{
  gsize frames;
  gdouble tp_in, m_i = 0, m_tp = 0, out_i, out_tp;
  gfloat *x = make_master (48000, -26.0, &frames, &tp_in);
  gchar *props;
  Out o;

  measure_pass (x, frames, 48000, &m_i, &m_tp);

  /* -23: +3 dB, peaks stay under -1 dBTP */
  props = g_strdup_printf ("mode=static target-loudness=-23 "
      "measured-loudness=%.6f measured-true-peak=%.6f", m_i, m_tp);
  run (props, 48000, 2, x, frames, 1000, &o);
  check_common (&o, frames, "static");
  out_i = ebur128_integrated (o.y, o.frames, 2, 48000, NULL);
  out_tp = ref_true_peak_db (o.y, o.frames, 2, -1.0);
  GST_INFO ("static -23: measured %.3f LUFS %.2f dBTP, output %.3f LUFS, "
      "true peak %.3f dBTP", m_i, m_tp, out_i, out_tp);
  fail_unless (fabs (out_i + 23.0) <= TOL_FILE_LU, "integrated %.3f", out_i);
  fail_unless (out_tp <= -1.0 + TOL_TP_DB, "true peak %.3f", out_tp);
  fail_unless (!o.limited);
  fail_unless_equals_int (o.warnings, 0);
  fail_unless (fabs (o.final_gain - (-23.0 - m_i)) < 1e-5);
  /* one gain for the whole stream */
  {
    guint i;

    for (i = 0; i < o.gains->len; i++)
      fail_unless (g_array_index (o.gains, gdouble, i) == o.final_gain);
  }
  g_free (props);
  out_clear (&o);

  /* -14: +12 dB drives the peaks about 6 dB into the limiter: warned at
   * the start, the limited dB and the shortfall reported at the end */
  props = g_strdup_printf ("mode=static target-loudness=-14 "
      "measured-loudness=%.6f measured-true-peak=%.6f", m_i, m_tp);
  run (props, 48000, 2, x, frames, 1000, &o);
  check_common (&o, frames, "static");
  out_i = ebur128_integrated (o.y, o.frames, 2, 48000, NULL);
  out_tp = ref_true_peak_db (o.y, o.frames, 2, -1.0);
  GST_INFO ("static -14: output %.3f LUFS, true peak %.3f dBTP, limited "
      "%.2f dB, reported shortfall %.3f LU (measured %.3f)", out_i, out_tp,
      o.limited_db, o.shortfall, -14.0 - out_i);
  fail_unless (o.limited);
  fail_unless (o.limited_db > 1.0, "limited %.2f dB", o.limited_db);
  fail_unless (fabs (o.shortfall - (-14.0 - out_i)) <= 0.1,
      "shortfall %.3f, measured %.3f", o.shortfall, -14.0 - out_i);
  fail_unless (o.warnings >= 2, "%u warnings", o.warnings);
  fail_unless (out_tp <= -1.0 + TOL_TP_DB, "true peak %.3f", out_tp);
  fail_unless (fabs (o.final_gain - (-14.0 - m_i)) < 1e-5);
  g_free (props);
  out_clear (&o);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_static_needs_measurement)
{
  gsize frames = 4800;
  gfloat *x = g_new0 (gfloat, frames * 2);
  Out o;

  run ("mode=static", 48000, 2, x, frames, 480, &o);
  fail_unless (o.error != NULL);
  fail_unless (strstr (o.error, "measured-loudness") != NULL, "%s", o.error);
  fail_unless_equals_int (o.last_flow, GST_FLOW_ERROR);
  out_clear (&o);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------- dynamic */

/* 3 minutes: loud, quiet (-8 dB), loud, medium (-4 dB) sections of 45 s
 * of the music-like programme (about -27 LUFS, LRA about 20 LU). */
static gfloat *
make_long_programme (guint rate, gsize * frames_out)
{
  gsize frames = (gsize) 180 * rate, i;
  gdouble *x = g_new (gdouble, frames * 2);
  gfloat *y = g_new (gfloat, frames * 2);
  static const gdouble sec_db[4] = { 0.0, -8.0, 0.0, -4.0 };

  fail_unless_equals_int (mst_synth_music_f64 (x, frames, 2, rate, -3.0,
          11), 0);
  for (i = 0; i < frames; i++) {
    gdouble g = pow (10.0, sec_db[(i / (45 * rate)) % 4] / 20.0);

    y[2 * i] = (gfloat) (x[2 * i] * g);
    y[2 * i + 1] = (gfloat) (x[2 * i + 1] * g);
  }
  g_free (x);
  *frames_out = frames;
  return y;
}

GST_START_TEST (test_dynamic_programme)
{
  gsize frames, i;
  gfloat *x = make_long_programme (48000, &frames);
  gdouble in_lra, out_lra, out_i, out_tp, max_step = 0.0;
  gdouble lat_ms;
  Out o;

  ebur128_integrated (x, frames, 2, 48000, &in_lra);
  /* 10 ms buffers and messages: one gain reading per 10 ms */
  run ("mode=dynamic target-loudness=-16 interval=10000000", 48000, 2, x,
      frames, 480, &o);
  check_common (&o, frames, "dynamic");
  out_i = ebur128_integrated (o.y, o.frames, 2, 48000, &out_lra);
  out_tp = ref_true_peak_db (o.y, o.frames, 2, -1.0);
  /* from the first gain set (before it, only silence has come out) */
  for (i = 0; i + 1 < o.gains->len
      && g_array_index (o.gains, gdouble, i) == 0.0; i++);
  /* (the final message comes after the lookahead's drain) */
  for (i = i + 1; i + 1 < o.gains->len; i++) {
    gdouble st = fabs (g_array_index (o.gains, gdouble, i)
        - g_array_index (o.gains, gdouble, i - 1));
    if (st > max_step)
      GST_INFO ("step %.4f at message %" G_GSIZE_FORMAT ": %.4f -> %.4f", st,
          i, g_array_index (o.gains, gdouble, i - 1),
          g_array_index (o.gains, gdouble, i));
    max_step = MAX (max_step, st);
  }
  lat_ms = (gdouble) o.latency / GST_MSECOND;
  GST_INFO ("dynamic: output %.3f LUFS, LRA %.2f -> %.2f LU, true peak "
      "%.3f dBTP, largest gain step %.4f dB / 10 ms, latency %.3f ms, first "
      "output after %" G_GSIZE_FORMAT " frames", out_i, in_lra, out_lra,
      out_tp, max_step, lat_ms, o.first_out_after);
  fail_unless (fabs (out_i + 16.0) <= TOL_DYNAMIC_LU, "integrated %.3f", out_i);
  fail_unless (out_tp <= -1.0 + TOL_TP_DB, "true peak %.3f", out_tp);
  fail_unless (max_step <= MST_NORMALIZER_MAX_STEP_DB + 1e-9, "step %.4f",
      max_step);
  /* reduced towards the 11 LU target, not below it */
  fail_unless (out_lra >= MIN (in_lra, 11.0) - 1.0, "LRA %.2f -> %.2f",
      in_lra, out_lra);
  fail_unless (out_lra < in_lra, "LRA %.2f -> %.2f", in_lra, out_lra);
  out_clear (&o);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_dynamic_speech_pauses)
{
  /* 4 s of talk, 2.5 s pauses: the gain in a pause stays within 1 dB of
   * the gain before it */
  guint rate = 48000;
  gsize frames = 60 * rate, k;
  gdouble *xd = g_new (gdouble, frames * 2);
  gfloat *x = g_new (gfloat, frames * 2);
  gdouble worst = 0.0, out_i;
  guint lat;
  Out o;

  fail_unless_equals_int (mst_synth_speech_f64 (xd, frames, 2, rate, -6.0,
          4.0, 2.5, 5), 0);
  mst_synth_to_f32 (x, xd, frames * 2);
  run ("mode=dynamic target-loudness=-16 interval=10000000", rate, 2, x,
      frames, 480, &o);
  check_common (&o, frames, "dynamic");
  lat = (guint) gst_util_uint64_scale_round (o.latency, rate, GST_SECOND);
  /* message k reports the gain after input frame (k + 1) * 480, i.e. at
   * output frame (k + 1) * 480 - lat */
  for (k = 0; k < o.gains->len; k++) {
    gdouble t = ((gdouble) (k + 1) * 480 - lat) / rate, tc;
    gsize kb;

    if (t < 13.0)
      continue;
    tc = fmod (t, 6.5);
    if (tc < 4.0)
      continue;
    kb = k - (gsize) ((tc - 3.9) * 100.0);
    worst = MAX (worst, fabs (g_array_index (o.gains, gdouble, k)
            - g_array_index (o.gains, gdouble, kb)));
  }
  out_i = ebur128_integrated (o.y, o.frames, 2, rate, NULL);
  GST_INFO ("speech: output %.3f LUFS, largest gain move in a pause %.3f dB",
      out_i, worst);
  fail_unless (worst <= 1.0, "gain moved %.3f dB in a pause", worst);
  fail_unless (fabs (out_i + 16.0) <= TOL_DYNAMIC_LU, "integrated %.3f", out_i);
  out_clear (&o);
  g_free (x);
  g_free (xd);
}

GST_END_TEST;

/* ------------------------------------------------ contract, every mode */

GST_START_TEST (test_latency_is_delay)
{
  static const gchar *modes[] = {
    "mode=static measured-loudness=-20",
    "mode=dynamic",
    "mode=dynamic lookahead=100",
    "mode=dynamic lookahead=10000",
  };
  static const gchar *names[] = { "static", "dynamic", "dynamic", "dynamic" };
  static const guint lookahead[] = { 0, 3000, 100, 10000 };
  guint m;
  gsize frames = 12 * 48000;
  gfloat *x = g_new0 (gfloat, frames * 2);

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    Out o;
    guint64 lat_frames;

    run (modes[m], 48000, 2, x, frames, 480, &o);
    check_common (&o, frames, names[m]);
    lat_frames = gst_util_uint64_scale_round (o.latency, 48000, GST_SECOND);
    /* the first output came with the buffer that took the input past the
     * latency: latency frames in, then that buffer's output */
    GST_INFO ("%s: latency %" GST_TIME_FORMAT " = %" G_GUINT64_FORMAT
        " frames, first output after %" G_GSIZE_FORMAT " frames", modes[m],
        GST_TIME_ARGS (o.latency), lat_frames, o.first_out_after);
    fail_unless (o.first_out_after > lat_frames);
    fail_unless (o.first_out_after <= lat_frames + 480);
    fail_unless_equals_uint64 (o.latency,
        gst_util_uint64_scale_int (lat_frames, GST_SECOND, 48000));
    /* dynamic: the lookahead plus the limiter's few ms */
    fail_unless (lat_frames >= lookahead[m] * 48);
    fail_unless (lat_frames < lookahead[m] * 48 + 480);
    out_clear (&o);
  }
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_short_stream_and_silence)
{
  static const gchar *modes[] = {
    "static measured-loudness=-30", "file", "dynamic",
  };
  gsize frames = 96000, i;      /* 2 s: less than the lookahead */
  gdouble *xd = g_new (gdouble, frames * 2);
  gfloat *x = g_new (gfloat, frames * 2);
  gfloat *z = g_new0 (gfloat, frames * 2);
  guint m;

  /* a 1 kHz sine at -30 LUFS (EBU Tech 3341: -23 dBFS reads -23) */
  mst_synth_sine_f64 (xd, frames, 2, 0x3, 48000, 1000.0,
      pow (10.0, -30.0 / 20.0), 0.0, 0);
  mst_synth_to_f32 (x, xd, frames * 2);

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    gchar *props = g_strdup_printf ("mode=%s target-loudness=-20",
        modes[m]);
    gchar *mode = g_strndup (modes[m], strcspn (modes[m], " "));
    gdouble out_i;
    Out o;

    /* EOS before the lookahead filled: everything out, normalised */
    run (props, 48000, 2, x, frames, 1000, &o);
    check_common (&o, frames, mode);
    out_i = ebur128_integrated (o.y, o.frames, 2, 48000, NULL);
    GST_INFO ("%s, 2 s: output %.3f LUFS", mode, out_i);
    fail_unless (fabs (out_i + 20.0) <= (strcmp (mode,
                "dynamic") ? 0.1 : 1.0), "%s: %.3f LUFS", mode, out_i);
    out_clear (&o);

    /* silence in, silence out */
    run (props, 48000, 2, z, frames, 1000, &o);
    check_common (&o, frames, mode);
    for (i = 0; i < frames * 2 && o.y[i] == 0.0f; i++);
    fail_unless (i == frames * 2, "%s: sample %" G_GSIZE_FORMAT " = %g",
        mode, i, o.y[MIN (i, frames * 2 - 1)]);
    fail_unless (isfinite (o.final_gain));
    fail_unless (strcmp (mode, "static") == 0 || o.final_gain == 0.0);
    out_clear (&o);
    g_free (props);
    g_free (mode);
  }
  g_free (x);
  g_free (xd);
  g_free (z);
}

GST_END_TEST;

GST_START_TEST (test_gap_keeps_frames)
{
  /* a GAP event becomes silence: the sample count stays exact */
  static const gchar *modes[] = { "dynamic", "file",
    "static measured-loudness=-30"
  };
  guint m;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    GstHarness *h = gst_harness_new ("loudnorm");
    gchar *props = g_strdup_printf ("mode=%s", modes[m]);
    gsize got = 0;
    GstBuffer *b;

    set_props (h->element, props);
    gst_harness_set_src_caps_str (h, "audio/x-raw, format=" GST_AUDIO_NE
        (F32) ", rate=48000, channels=2, layout=interleaved");
    b = gst_buffer_new_allocate (NULL, 4800 * 8, NULL);
    gst_buffer_memset (b, 0, 0, 4800 * 8);
    GST_BUFFER_PTS (b) = 0;
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    fail_unless (gst_harness_push_event (h, gst_event_new_gap (GST_MSECOND *
                100, GST_MSECOND * 100)));
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    while ((b = gst_harness_try_pull (h))) {
      got += gst_buffer_get_size (b) / 8;
      gst_buffer_unref (b);
    }
    fail_unless_equals_int (got, 9600);
    gst_harness_teardown (h);
    g_free (props);
  }
}

GST_END_TEST;

static Suite *
loudnorm_modes_suite (void)
{
  Suite *s = suite_create ("loudnorm-modes");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_file_targets);
  tcase_add_test (tc, test_file_holds_and_flushes);
  tcase_add_test (tc, test_file_output_chunks);
  tcase_add_test (tc, test_limiter_messages);
  tcase_add_test (tc, test_file_max_duration);
  tcase_add_test (tc, test_file_refuses_live);
  tcase_add_test (tc, test_static_two_pass);
  tcase_add_test (tc, test_static_needs_measurement);
  tcase_add_test (tc, test_dynamic_programme);
  tcase_add_test (tc, test_dynamic_speech_pauses);
  tcase_add_test (tc, test_latency_is_delay);
  tcase_add_test (tc, test_short_stream_and_silence);
  tcase_add_test (tc, test_gap_keeps_frames);
  return s;
}

GST_CHECK_MAIN (loudnorm_modes);
