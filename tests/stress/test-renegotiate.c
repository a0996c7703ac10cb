/* gst-mastering: caps renegotiation mid-stream.
 *
 * Through every element (GstHarness; loudnorm in its four modes,
 * automaster in both) one stream of a steady 1 kHz sine at -6 dBFS on
 * every channel, continuous in time and phase, changes its caps every
 * 0.5 s without a flush: 44.1 kHz, 48 kHz, 96 kHz (F32), F64, F32 again,
 * then at 48 kHz 1, 2 and 6 channels (masterwiden takes stereo only: it
 * must refuse 1 and 6 channels with a message, and take stereo again in
 * between).  Checked, per stretch of one format:
 *  - no crash, no critical, no error message, every push accepted;
 *  - the output caps follow, and every input sample comes out exactly
 *    once in the caps it came in: the output between two CAPS events
 *    (seen by a probe where the harness receives them) holds as many
 *    frames as went in in that format, in whole frames of it; elements
 *    with lookahead must drain the old format's tail before the new caps;
 *  - finite output; timestamps continuous (the first frames' timestamp
 *    plus the frames before, within one sample) from the stretch's start;
 *  - no glitch at the boundary: each element promises to treat a format
 *    change as the end of one stream and the start of the next, so the
 *    output of a stretch must be, bit for bit, that of a fresh element
 *    fed that stretch alone and then EOS (the drained tail included);
 *  - the level: with the same sine in every format, the output level
 *    over 100 ms from 50 ms after a change (see SETTLE_MS) matches the
 *    level over the last 100 ms before it within LEVEL_TOL_DB (automaster
 *    file: AUTOMASTER_FILE_LEVEL_TOL_DB), and nothing in the last 50 ms
 *    before a change (the drained tail) peaks more than LEVEL_TOL_DB
 *    above the stretch before it; the level is not compared where a new
 *    channel count changes the programme loudness (the modes that
 *    normalise to a loudness target) nor for the modes that ride their
 *    gain from the start of each stream (loudnorm dynamic, automaster
 *    live);
 *  - masterlimit, loudnorm static/file/dynamic and automaster: the true
 *    peak (16x reference meter) of every stretch at most the ceiling
 *    + 0.01 dB.
 * A summary line per element gives the renegotiations done.
 */
#include "stress.h"

#define STEP_MS 500
#define BUF_MS 10
#define FREQ 1000.0
#define AMP 0.5
#define TOL_DB 0.01
/* Every element restarts its processing at a format change, as at the
 * start of a stream: the slowest settling of the configurations below is
 * the compressor's attack of 10 ms (5 time constants leave 0.7 % of its
 * gain reduction, 0.05 dB of 6 dB) and the limiter's 5 ms lookahead;
 * the filters' transients at 1 kHz die within a few ms.  50 ms covers
 * them with room to spare. */
#define SETTLE_MS 50
#define LEVEL_MS 100
#define LEVEL_TOL_DB 0.1

typedef struct
{
  gboolean f64;
  guint rate, channels;
} Fmt;

static const Fmt steps[] = {
  {FALSE, 44100, 2},
  {FALSE, 48000, 2},
  {FALSE, 96000, 2},
  {TRUE, 96000, 2},
  {FALSE, 96000, 2},
  {FALSE, 48000, 1},
  {FALSE, 48000, 2},
  {FALSE, 48000, 6},
};

#define N_STEPS G_N_ELEMENTS (steps)

typedef enum
{
  LEVEL_ALWAYS,                 /* the level holds over every change */
  LEVEL_SAME_CHANNELS,          /* ... over changes that keep the count */
  LEVEL_NEVER,                  /* rides its gain from each stream start */
} Level;

typedef struct
{
  const gchar *desc;            /* as gst-launch */
  gboolean stereo_only;
  Level level;
  gdouble level_tol;            /* dB */
  gboolean limits;              /* obeys a true-peak ceiling */
} Config;

/* automaster file: loudnorm sets one gain per stretch from the stretch's
 * loudness, and that includes the chain's own restart at its start (the
 * compressor begins without gain reduction, the limiter without its
 * drive settled): over 0.5 s stretches that moves the gain by up to
 * 0.15 dB from one format to the next */
#define AUTOMASTER_FILE_LEVEL_TOL_DB 0.3

static const Config configs[] = {
  {"masteq num-bands=3 band0::type=high-pass band0::freq=30 "
        "band1::freq=1000 band1::gain=4 band2::type=high-shelf "
        "band2::freq=8000 band2::gain=-3", FALSE, LEVEL_ALWAYS,
      LEVEL_TOL_DB, FALSE},
  {"mastercomp lookahead=5 threshold=-30 ratio=3", FALSE, LEVEL_ALWAYS,
      LEVEL_TOL_DB, FALSE},
  {"mastercomp bands=3 threshold=-24 ratio=2", FALSE, LEVEL_ALWAYS,
      LEVEL_TOL_DB, FALSE},
  {"masterwiden width=1.6 mono-bass=120", TRUE, LEVEL_ALWAYS, LEVEL_TOL_DB,
      FALSE},
  {"masterlimit input-gain=10", FALSE, LEVEL_ALWAYS, LEVEL_TOL_DB, TRUE},
  {"loudnorm mode=measure", FALSE, LEVEL_ALWAYS, LEVEL_TOL_DB, FALSE},
  {"loudnorm mode=static measured-loudness=-20", FALSE, LEVEL_ALWAYS,
      LEVEL_TOL_DB, TRUE},
  {"loudnorm mode=dynamic lookahead=200", FALSE, LEVEL_NEVER, 0.0, TRUE},
  {"loudnorm mode=file", FALSE, LEVEL_SAME_CHANNELS, LEVEL_TOL_DB, TRUE},
  {"automaster mode=live", FALSE, LEVEL_NEVER, 0.0, TRUE},
  {"automaster mode=file", FALSE, LEVEL_SAME_CHANNELS,
      AUTOMASTER_FILE_LEVEL_TOL_DB, TRUE},
};

/* fail_unless for loops over samples: check records every assertion that
 * passes (a write to a pipe), far too slow for those */
#define CHECK(cond, ...) G_STMT_START {                                 \
    if (G_UNLIKELY (!(cond)))                                           \
      ck_abort_msg (__VA_ARGS__);                                       \
  } G_STMT_END

/* The output between two CAPS events. */
typedef struct
{
  GstAudioInfo info;
  GArray *x;                    /* gdouble, interleaved */
  GArray *pts;                  /* GstClockTime, per buffer */
  GArray *frames;               /* guint64, per buffer */
  guint64 nframes;
} Run;

typedef struct
{
  GMutex lock;
  GPtrArray *runs;
  GString *errors;              /* found in the probe */
} Out;

static void
run_free (gpointer p)
{
  Run *r = p;

  g_array_free (r->x, TRUE);
  g_array_free (r->pts, TRUE);
  g_array_free (r->frames, TRUE);
  g_free (r);
}

/* Where the harness receives the element's output. */
static GstPadProbeReturn
out_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Out *o = data;
  Run *r;

  g_mutex_lock (&o->lock);
  r = o->runs->len ? g_ptr_array_index (o->runs, o->runs->len - 1) : NULL;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    GstMapInfo map;

    gst_buffer_map (b, &map, GST_MAP_READ);
    if (r == NULL) {
      g_string_append (o->errors, "a buffer before the caps\n");
    } else if (map.size % GST_AUDIO_INFO_BPF (&r->info)) {
      g_string_append_printf (o->errors, "a buffer of %" G_GSIZE_FORMAT
          " bytes in %s, %d Hz, %d channels\n", map.size,
          GST_AUDIO_INFO_NAME (&r->info), GST_AUDIO_INFO_RATE (&r->info),
          GST_AUDIO_INFO_CHANNELS (&r->info));
    } else {
      guint64 frames = map.size / GST_AUDIO_INFO_BPF (&r->info);
      gsize i, n = frames * GST_AUDIO_INFO_CHANNELS (&r->info);
      GstClockTime pts = GST_BUFFER_PTS (b);
      gboolean f64 = GST_AUDIO_INFO_FORMAT (&r->info) == GST_AUDIO_FORMAT_F64;

      for (i = 0; i < n; i++) {
        gdouble v = f64 ? ((const gdouble *) map.data)[i] :
            ((const gfloat *) map.data)[i];
        g_array_append_val (r->x, v);
      }
      g_array_append_val (r->pts, pts);
      g_array_append_val (r->frames, frames);
      r->nframes += frames;
    }
    gst_buffer_unmap (b, &map);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (e) == GST_EVENT_CAPS) {
      GstCaps *caps;

      r = g_new0 (Run, 1);
      gst_event_parse_caps (e, &caps);
      if (!gst_audio_info_from_caps (&r->info, caps))
        g_string_append_printf (o->errors, "caps %" GST_PTR_FORMAT "\n", caps);
      r->x = g_array_new (FALSE, FALSE, sizeof (gdouble));
      r->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
      r->frames = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_ptr_array_add (o->runs, r);
    }
  }
  g_mutex_unlock (&o->lock);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  Out out;
  guint warnings, errors;
} Harness;

static void
harness_start (Harness * hn, const Config * c)
{
  GError *err = NULL;
  /* the child properties after the launch (childargs.h) */
  gchar **child_args, *own = mst_childargs_split (c->desc, &child_args);
  GstElement *e = gst_parse_launch_full (own, NULL,
      GST_PARSE_FLAG_NO_SINGLE_ELEMENT_BINS, &err);

  fail_unless (e != NULL, "%s: %s", c->desc, err ? err->message : "?");
  g_free (own);
  stress_set_child_args (e, child_args, c->desc);
  memset (hn, 0, sizeof (*hn));
  g_mutex_init (&hn->out.lock);
  hn->out.runs = g_ptr_array_new_with_free_func (run_free);
  hn->out.errors = g_string_new (NULL);
  hn->bus = gst_bus_new ();
  gst_object_ref_sink (e);
  gst_element_set_bus (e, hn->bus);
  hn->h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_pad_add_probe (hn->h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, out_probe, &hn->out, NULL);
}

static void
harness_poll (Harness * hn)
{
  GstMessage *m;
  GstBuffer *b;
  GstEvent *e;

  /* the probe has what it needs */
  while ((b = gst_harness_try_pull (hn->h)))
    gst_buffer_unref (b);
  while ((e = gst_harness_try_pull_event (hn->h)))
    gst_event_unref (e);
  while ((m = gst_bus_pop_filtered (hn->bus,
              GST_MESSAGE_WARNING | GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (m, &err, &dbg);
      hn->warnings++;
    } else {
      gst_message_parse_error (m, &err, &dbg);
      hn->errors++;
    }
    GST_INFO ("%s from %s: %s (%s)", GST_MESSAGE_TYPE_NAME (m),
        GST_MESSAGE_SRC_NAME (m), err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (m);
  }
  g_mutex_lock (&hn->out.lock);
  fail_unless (hn->out.errors->len == 0, "%s", hn->out.errors->str);
  g_mutex_unlock (&hn->out.lock);
}

static void
harness_stop (Harness * hn)
{
  gst_harness_teardown (hn->h);
  gst_bus_set_flushing (hn->bus, TRUE);
  gst_object_unref (hn->bus);
  g_ptr_array_unref (hn->out.runs);
  g_string_free (hn->out.errors, TRUE);
  g_mutex_clear (&hn->out.lock);
}

static guint64
step_frames (const Fmt * f)
{
  return (guint64) f->rate * STEP_MS / 1000;
}

/* The input of one step: a sine continuous in time and phase with the
 * steps before, from stream time t (ns), in buffers of BUF_MS. */
static GstFlowReturn
push_step (Harness * hn, const Fmt * f, GstClockTime t)
{
  guint64 frames = step_frames (f), per = (guint64) f->rate * BUF_MS / 1000;
  guint64 pos, i;
  guint c;
  GstFlowReturn ret = GST_FLOW_OK;

  for (pos = 0; pos < frames && ret == GST_FLOW_OK; pos += per) {
    guint64 n = MIN (per, frames - pos);
    GstBuffer *b = gst_buffer_new_allocate (NULL, n * f->channels *
        (f->f64 ? 8 : 4), NULL);
    GstClockTime pts = t + gst_util_uint64_scale (pos, GST_SECOND, f->rate);
    GstMapInfo map;

    gst_buffer_map (b, &map, GST_MAP_WRITE);
    for (i = 0; i < n; i++) {
      /* in double from the absolute time: the same wave at every rate */
      gdouble ts = (gdouble) t / GST_SECOND + (gdouble) (pos + i) / f->rate;
      gdouble v = AMP * sin (2.0 * G_PI * FREQ * ts);

      for (c = 0; c < f->channels; c++) {
        if (f->f64)
          ((gdouble *) map.data)[i * f->channels + c] = v;
        else
          ((gfloat *) map.data)[i * f->channels + c] = (gfloat) v;
      }
    }
    gst_buffer_unmap (b, &map);
    GST_BUFFER_PTS (b) = pts;
    GST_BUFFER_DURATION (b) = t + gst_util_uint64_scale (pos + n, GST_SECOND,
        f->rate) - pts;
    if (t == 0 && pos == 0)
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
    ret = gst_harness_push (hn->h, b);
    harness_poll (hn);
  }
  return ret;
}

static void
set_caps (Harness * hn, const Fmt * f)
{
  gchar *s = stress_caps (f->f64, f->rate, f->channels);

  gst_harness_set_src_caps_str (hn->h, s);
  g_free (s);
}

/* The output of a fresh element for step f alone (from stream time t),
 * then EOS. */
static Run *
fresh_run (const Config * c, const Fmt * f, GstClockTime t)
{
  Harness hn;
  Run *r;

  harness_start (&hn, c);
  set_caps (&hn, f);
  fail_unless_equals_int (push_step (&hn, f, t), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (hn.h, gst_event_new_eos ()));
  harness_poll (&hn);
  fail_unless_equals_int (hn.errors, 0);
  fail_unless_equals_int (hn.out.runs->len, 1);
  r = g_ptr_array_steal_index (hn.out.runs, 0);
  harness_stop (&hn);
  return r;
}

/* RMS (dB) over frames [from, to) of a run, every channel. */
static gdouble
level_db (const Run * r, guint64 from, guint64 to)
{
  const gdouble *x = (const gdouble *) r->x->data;
  guint ch = GST_AUDIO_INFO_CHANNELS (&r->info);
  gdouble e = 0.0;
  guint64 i;

  fail_unless (from < to && to <= r->nframes);
  for (i = from * ch; i < to * ch; i++)
    e += x[i] * x[i];
  return 10.0 * log10 (e / ((to - from) * ch) + 1e-30);
}

static gdouble
peak_db (const Run * r, guint64 from, guint64 to)
{
  const gdouble *x = (const gdouble *) r->x->data;
  guint ch = GST_AUDIO_INFO_CHANNELS (&r->info);
  gdouble m = 0.0;
  guint64 i;

  for (i = from * ch; i < to * ch; i++)
    m = MAX (m, fabs (x[i]));
  return 20.0 * log10 (m + 1e-30);
}

static gdouble
true_peak_db (const Run * r)
{
  guint ch = GST_AUDIO_INFO_CHANNELS (&r->info), c;
  gdouble m = 0.0;

  for (c = 0; c < ch; c++)
    m = MAX (m, mst_refpeak_f64 ((const gdouble *) r->x->data, r->nframes,
            ch, c));
  return 20.0 * log10 (m + 1e-30);
}

static gdouble
ceiling_of (const Config * c)
{
  GstElement *e = gst_parse_launch_full (c->desc, NULL,
      GST_PARSE_FLAG_NO_SINGLE_ELEMENT_BINS, NULL);
  gdouble v;

  gst_object_ref_sink (e);

  g_object_get (e, g_object_class_find_property (G_OBJECT_GET_CLASS (e),
          "ceiling") ? "ceiling" : "true-peak-limit", &v, NULL);
  gst_object_unref (e);
  return v;
}

/* One stretch of output on its own: format, count, timestamps, values,
 * and the same as a fresh element's. */
static void
check_run (const Config * c, const Run * r, const Fmt * f, GstClockTime t,
    const gchar * what)
{
  const gdouble *x = (const gdouble *) r->x->data;
  guint64 i, before = 0;
  Run *ref;

  fail_unless_equals_int (GST_AUDIO_INFO_FORMAT (&r->info), f->f64 ?
      GST_AUDIO_FORMAT_F64 : GST_AUDIO_FORMAT_F32);
  fail_unless_equals_int (GST_AUDIO_INFO_RATE (&r->info), f->rate);
  fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&r->info), f->channels);
  fail_unless (r->nframes == step_frames (f), "%s: %" G_GUINT64_FORMAT
      " frames out, %" G_GUINT64_FORMAT " in", what, r->nframes,
      step_frames (f));
  for (i = 0; i < r->x->len; i++)
    CHECK (isfinite (x[i]), "%s: sample %" G_GUINT64_FORMAT " is %g", what,
        i, x[i]);
  for (i = 0; i < r->pts->len; i++) {
    GstClockTime pts = g_array_index (r->pts, GstClockTime, i);
    GstClockTime want = t + gst_util_uint64_scale (before, GST_SECOND,
        f->rate);

    CHECK (GST_CLOCK_TIME_IS_VALID (pts) && (pts > want ? pts - want :
            want - pts) <= (GstClockTime) (GST_SECOND / f->rate + 1),
        "%s: buffer %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT ", after %"
        G_GUINT64_FORMAT " frames from %" GST_TIME_FORMAT, what, i,
        GST_TIME_ARGS (pts), before, GST_TIME_ARGS (t));
    before += g_array_index (r->frames, guint64, i);
  }

  ref = fresh_run (c, f, t);
  fail_unless_equals_uint64 (ref->nframes, r->nframes);
  for (i = 0; i < r->x->len; i++)
    CHECK (x[i] == g_array_index (ref->x, gdouble, i), "%s: frame %"
        G_GUINT64_FORMAT " channel %u is %.9g, a fresh element gives %.9g",
        what, i / f->channels, (guint) (i % f->channels), x[i],
        g_array_index (ref->x, gdouble, i));
  run_free (ref);
}

static gchar *
describe (const Fmt * f)
{
  return g_strdup_printf ("%s %u Hz %u ch", f->f64 ? "F64" : "F32", f->rate,
      f->channels);
}

GST_START_TEST (test_renegotiate)
{
  const Config *c = &configs[__i__];
  gdouble ceiling = c->limits ? ceiling_of (c) : NAN, worst_level = 0.0;
  gdouble worst_tp = -INFINITY;
  GstClockTime t = 0, starts[N_STEPS];
  const Fmt *prev_fmt = NULL;
  const Run *prev = NULL;
  guint k, accepted = 0, refused = 0, changes = 0;
  gchar *level, *tp;
  Harness hn;

  harness_start (&hn, c);
  for (k = 0; k < N_STEPS; k++) {
    const Fmt *f = &steps[k];
    gboolean refuse = c->stereo_only && f->channels != 2;
    GstFlowReturn ret;

    starts[k] = t;
    set_caps (&hn, f);
    ret = push_step (&hn, f, t);
    t += gst_util_uint64_scale (step_frames (f), GST_SECOND, f->rate);
    if (refuse) {
      fail_unless_equals_int (ret, GST_FLOW_NOT_NEGOTIATED);
      refused++;
      continue;
    }
    fail_unless (ret == GST_FLOW_OK, "%s: push in step %u returned %s",
        c->desc, k, gst_flow_get_name (ret));
    accepted++;
  }
  fail_unless (gst_harness_push_event (hn.h, gst_event_new_eos ()));
  harness_poll (&hn);
  fail_unless_equals_int (hn.errors, 0);
  if (refused)
    fail_unless (hn.warnings + hn.errors > 0, "%s: refused silently", c->desc);
  /* one stretch of output per accepted format, in order */
  fail_unless_equals_int (hn.out.runs->len, accepted);

  accepted = 0;
  for (k = 0; k < N_STEPS; k++) {
    const Fmt *f = &steps[k];
    const Run *r;
    gchar *fs = describe (f), *what;

    if (c->stereo_only && f->channels != 2) {
      g_free (fs);
      continue;
    }
    r = g_ptr_array_index (hn.out.runs, accepted++);
    what = g_strdup_printf ("%s, step %u (%s)", c->desc, k, fs);
    check_run (c, r, f, starts[k], what);

    if (c->limits) {
      gdouble tp = true_peak_db (r);

      worst_tp = MAX (worst_tp, tp);
      fail_unless (tp <= ceiling + TOL_DB, "%s: true peak %.3f dBTP over "
          "the ceiling %.2f", what, tp, ceiling);
    }
    if (prev) {
      guint64 n0 = prev->nframes;
      guint64 lv = (guint64) GST_AUDIO_INFO_RATE (&prev->info) * LEVEL_MS /
          1000;
      guint64 tail = (guint64) GST_AUDIO_INFO_RATE (&prev->info) *
          SETTLE_MS / 1000;
      guint64 s0 = (guint64) f->rate * SETTLE_MS / 1000;
      guint64 s1 = s0 + (guint64) f->rate * LEVEL_MS / 1000;
      gboolean same_ch = prev_fmt->channels == f->channels;

      changes++;
      /* the drained tail: no peak above the stretch before it */
      fail_unless (peak_db (prev, n0 - tail, n0) <= peak_db (prev, n0 / 2,
              n0 - tail) + LEVEL_TOL_DB, "%s: the last %u ms before the "
          "change peak at %.2f dB, %.2f dB before", what, SETTLE_MS,
          peak_db (prev, n0 - tail, n0), peak_db (prev, n0 / 2, n0 - tail));
      if (c->level == LEVEL_ALWAYS || (c->level == LEVEL_SAME_CHANNELS
              && same_ch)) {
        gdouble a = level_db (prev, n0 - lv, n0), b = level_db (r, s0, s1);

        worst_level = MAX (worst_level, fabs (b - a));
        fail_unless (fabs (b - a) <= c->level_tol, "%s: level %.3f dB from "
            "%u ms after the change, %.3f dB before it", what, b, SETTLE_MS, a);
      }
    }
    prev = r;
    prev_fmt = f;
    g_free (what);
    g_free (fs);
  }
  harness_stop (&hn);

  level = c->level == LEVEL_NEVER ? g_strdup ("level not compared") :
      g_strdup_printf ("level steps at most %.3f dB", worst_level);
  tp = c->limits ? g_strdup_printf (", true peak at most %.2f dBTP "
      "(ceiling %.1f)", worst_tp, ceiling) : g_strdup ("");
  g_print ("%s: %u renegotiations (%u formats refused), every stretch as a "
      "fresh element's; %s%s\n", c->desc, changes, refused, level, tp);
  g_free (level);
  g_free (tp);
}

GST_END_TEST;

static Suite *
renegotiate_suite (void)
{
  Suite *s = suite_create ("renegotiate");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_renegotiate, 0, G_N_ELEMENTS (configs));
  return s;
}

GST_CHECK_MAIN (renegotiate);
