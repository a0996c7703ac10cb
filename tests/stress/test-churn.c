/* gst-mastering: state churn and reuse after EOS.
 *
 * Every element (loudnorm in its four modes, automaster in both) in a real
 * pipeline: a source element defined here (a music-like stereo programme
 * from tools/synth.h, F32 at 48 kHz, buffers of 1024 frames with exact
 * timestamps; its streaming thread is the one of GstBaseSrc), the element,
 * a fakesink (sync=false) with a probe on its sink pad.  For each:
 *  - a fresh run to EOS is the reference: exactly as many output frames as
 *    input frames, every sample finite;
 *  - 200 random state transitions among NULL, READY, PAUSED and PLAYING
 *    (fixed seed, printed; STRESS_SEED overrides it), data flowing in
 *    between (random pauses of up to 10 ms in PAUSED and PLAYING): every
 *    change must complete (gst_element_get_state, ASYNC included) within
 *    STATE_TIMEOUT, no error message, every output sample finite;
 *  - then the pipeline goes to READY and PLAYING and runs to EOS, again
 *    from READY, then from NULL: each run must give the reference output
 *    exactly (same number of samples, bit for bit), i.e. neither the churn
 *    nor a finished stream leaves state behind;
 *  - once the pipeline is released, the element and every child are
 *    finalized (weak pointers): no reference leaked; everything else is
 *    freed too (the test is run under valgrind and LSan).
 * A line per element gives the figures (docs/reliability.md).
 */
#include <gst/check/gstcheck.h>
#include <gst/base/gstpushsrc.h>
#include <gst/audio/audio.h>

#include <math.h>
#include <string.h>

#include "stress.h"
#include "synth.h"

#define RATE 48000
#define CH 2
#define FRAMES_PER_BUFFER 1024
/* 3 s: longer than every lookahead in the configurations below */
#define NUM_BUFFERS 141
#define TRANSITIONS 200
#define DEFAULT_SEED 20240611
/* a state change (a preroll of mode=file included) must be done by then,
 * and a run reach EOS (times CK_TIMEOUT_MULTIPLIER, set for runs under
 * sanitizers or valgrind) */
#define STATE_TIMEOUT (30 * GST_SECOND * stress_timeout_multiplier ())
#define EOS_TIMEOUT_US (60 * G_USEC_PER_SEC * stress_timeout_multiplier ())


/* ---- the source ------------------------------------------------------- */

/* The music-like programme, looped. */
#define MUSIC_FRAMES (4 * RATE)
static gfloat *music;

typedef struct
{
  GstPushSrc parent;
  guint64 frame;                /* next frame */
} StressSrc;

typedef struct
{
  GstPushSrcClass parent_class;
} StressSrcClass;

static GType stress_src_get_type (void);
G_DEFINE_TYPE (StressSrc, stress_src, GST_TYPE_PUSH_SRC);

static GstStaticPadTemplate stress_src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) " GST_AUDIO_NE (F32)
        ", rate = (int) 48000, channels = (int) 2, "
        "layout = (string) interleaved, channel-mask = (bitmask) 0x3"));

static gboolean
stress_src_start (GstBaseSrc * bsrc)
{
  ((StressSrc *) bsrc)->frame = 0;
  return TRUE;
}

static GstFlowReturn
stress_src_create (GstPushSrc * psrc, GstBuffer ** out)
{
  StressSrc *self = (StressSrc *) psrc;
  GstBuffer *b = gst_buffer_new_allocate (NULL,
      FRAMES_PER_BUFFER * CH * sizeof (gfloat), NULL);
  GstMapInfo map;
  gfloat *x;
  guint i;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  x = (gfloat *) map.data;
  for (i = 0; i < FRAMES_PER_BUFFER; i++) {
    guint64 k = (self->frame + i) % MUSIC_FRAMES;
    x[CH * i] = music[CH * k];
    x[CH * i + 1] = music[CH * k + 1];
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (self->frame, GST_SECOND,
      RATE);
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (self->frame +
      FRAMES_PER_BUFFER, GST_SECOND, RATE) - GST_BUFFER_PTS (b);
  GST_BUFFER_OFFSET (b) = self->frame;
  GST_BUFFER_OFFSET_END (b) = self->frame + FRAMES_PER_BUFFER;
  self->frame += FRAMES_PER_BUFFER;
  *out = b;
  return GST_FLOW_OK;
}

static void
stress_src_class_init (StressSrcClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class,
      &stress_src_template);
  gst_element_class_set_static_metadata (element_class, "Stress source",
      "Source/Audio", "A looped music-like programme", "gst-mastering");
  GST_BASE_SRC_CLASS (klass)->start = stress_src_start;
  GST_PUSH_SRC_CLASS (klass)->create = stress_src_create;
}

static void
stress_src_init (StressSrc * self)
{
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

/* ---- the pipeline and what comes out of it ------------------------------ */

typedef struct
{
  const gchar *name;            /* for the summary line */
  const gchar *desc;            /* the element, as gst-launch */
} Config;

static const Config configs[] = {
  {"masteq", "masteq num-bands=3 band0::type=high-pass band0::freq=30 "
        "band1::freq=2500 band1::gain=4 band2::type=high-shelf "
        "band2::freq=9000 band2::gain=-3"},
  {"mastercomp", "mastercomp bands=3 lookahead=5 band0::threshold=-30 "
        "band0::ratio=4 band1::threshold=-24 auto-makeup=true"},
  {"masterwiden", "masterwiden width=1.6 mono-bass=120 safe-width=true"},
  {"masterlimit", "masterlimit input-gain=9 ceiling=-1"},
  {"loudnorm measure", "loudnorm mode=measure"},
  {"loudnorm static", "loudnorm mode=static measured-loudness=-20"},
  {"loudnorm file", "loudnorm mode=file"},
  {"loudnorm dynamic", "loudnorm mode=dynamic lookahead=1000"},
  {"automaster file", "automaster mode=file"},
  /* a 1 s lookahead, so that output flows during the 3 s stream */
  {"automaster live", "automaster mode=live loudnorm::lookahead=1000"},
};

typedef struct
{
  const Config *c;
  GstElement *pipe;
  GstPad *sinkpad;
  GMutex lock;
  GCond cond;
  /* under lock */
  StressBus bus;
  gboolean nonfinite;
  gchar *nonfinite_at;
  gboolean record;
  GArray *out;                  /* gfloat, while record */
  guint64 buffers;              /* output buffers */
  GPtrArray *alive;             /* StressWatched: the element, children */
} Run;

static GstPadProbeReturn
sink_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *r = data;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  const gfloat *x;
  gsize i, n;

  if (!gst_buffer_map (b, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  x = (const gfloat *) map.data;
  n = map.size / sizeof (gfloat);
  g_mutex_lock (&r->lock);
  r->buffers++;
  for (i = 0; i < n && !r->nonfinite; i++) {
    if (!isfinite (x[i])) {
      r->nonfinite = TRUE;
      r->nonfinite_at = g_strdup_printf ("sample %" G_GSIZE_FORMAT
          " of the buffer at %" GST_TIME_FORMAT " is %g", i,
          GST_TIME_ARGS (GST_BUFFER_PTS (b)), x[i]);
    }
  }
  if (r->record)
    g_array_append_vals (r->out, x, n);
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (b, &map);
  return GST_PAD_PROBE_OK;
}

static void
run_start (Run * r, const Config * c)
{
  gchar *src_props = g_strdup_printf ("num-buffers=%u", NUM_BUFFERS);
  GstElement *sink, *el;

  memset (r, 0, sizeof (*r));
  r->c = c;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->pipe = stress_launch (src_props, c->desc, "fakesink name=sink sync=false");
  g_free (src_props);
  r->alive = g_ptr_array_new ();
  el = gst_bin_get_by_name (GST_BIN (r->pipe), "el");
  stress_watch_objects (r->alive, G_OBJECT (el), c->name);
  gst_object_unref (el);
  stress_bus_attach (r->pipe, &r->bus, &r->lock, &r->cond);
  sink = gst_bin_get_by_name (GST_BIN (r->pipe), "sink");
  r->sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_object_unref (sink);
  gst_pad_add_probe (r->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, sink_probe, r,
      NULL);
}

static void
run_stop (Run * r)
{
  stress_bus_stop (r->pipe, &r->bus);
  gst_object_unref (r->sinkpad);
  gst_object_unref (r->pipe);
  stress_check_finalized (r->alive);
  if (r->out)
    g_array_free (r->out, TRUE);
  g_free (r->nonfinite_at);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
}

/* Fails on an error message or a non-finite output sample so far. */
static void
run_check (Run * r, const gchar * when)
{
  g_mutex_lock (&r->lock);
  fail_unless (r->bus.errors == 0, "%s, %s: error message: %s", r->c->name,
      when, r->bus.error);
  fail_if (r->nonfinite, "%s, %s: %s", r->c->name, when, r->nonfinite_at);
  g_mutex_unlock (&r->lock);
}

/* Sets the state and waits until the change is complete. */
static void
run_set_state (Run * r, GstState s, const gchar * when)
{
  GstStateChangeReturn ret;
  GstState cur = GST_STATE_VOID_PENDING, pending = GST_STATE_VOID_PENDING;

  ret = gst_element_set_state (r->pipe, s);
  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s, %s: going to %s failed",
      r->c->name, when, gst_element_state_get_name (s));
  ret = gst_element_get_state (r->pipe, &cur, &pending, STATE_TIMEOUT);
  fail_if (ret == GST_STATE_CHANGE_ASYNC, "%s, %s: going to %s did not "
      "complete within %" GST_TIME_FORMAT " (stuck in %s)", r->c->name, when,
      gst_element_state_get_name (s), GST_TIME_ARGS (STATE_TIMEOUT),
      gst_element_state_get_name (cur));
  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s, %s: going to %s failed "
      "asynchronously", r->c->name, when, gst_element_state_get_name (s));
  fail_unless (cur == s, "%s, %s: in %s instead of %s", r->c->name, when,
      gst_element_state_get_name (cur), gst_element_state_get_name (s));
  run_check (r, when);
}

/* From state `from` (READY or NULL) to PLAYING and on to EOS; returns the
 * output. */
static GArray *
run_to_eos (Run * r, GstState from, const gchar * what)
{
  GArray *out;
  gint64 end = g_get_monotonic_time () + EOS_TIMEOUT_US;
  gboolean eos;

  run_set_state (r, from, what);
  g_mutex_lock (&r->lock);
  r->bus.eos = FALSE;
  r->record = TRUE;
  r->out = g_array_new (FALSE, FALSE, sizeof (gfloat));
  g_mutex_unlock (&r->lock);
  run_set_state (r, GST_STATE_PLAYING, what);

  g_mutex_lock (&r->lock);
  while (!r->bus.eos && r->bus.errors == 0)
    if (!g_cond_wait_until (&r->cond, &r->lock, end))
      break;
  eos = r->bus.eos;
  g_mutex_unlock (&r->lock);
  run_check (r, what);
  fail_unless (eos, "%s, %s: no EOS within %d s", r->c->name, what,
      (gint) (EOS_TIMEOUT_US / G_USEC_PER_SEC));

  run_set_state (r, GST_STATE_READY, what);
  g_mutex_lock (&r->lock);
  out = r->out;
  r->out = NULL;
  r->record = FALSE;
  g_mutex_unlock (&r->lock);
  /* every element keeps the sample count: lookahead is drained at EOS */
  fail_unless_equals_uint64 ((guint64) out->len / CH,
      (guint64) NUM_BUFFERS * FRAMES_PER_BUFFER);
  return out;
}

/* Fails unless b is a, bit for bit (as many samples, the same bits). */
static void
compare_runs (const Run * r, const GArray * a, const GArray * b,
    const gchar * what)
{
  guint i;

  fail_unless (a->len == b->len, "%s, %s: %u samples instead of %u",
      r->c->name, what, b->len, a->len);
  if (memcmp (a->data, b->data, a->len * sizeof (gfloat)) == 0)
    return;
  for (i = 0; i < a->len; i++)
    if (memcmp (&g_array_index (a, gfloat, i), &g_array_index (b, gfloat, i),
            sizeof (gfloat)) != 0)
      break;
  fail ("%s, %s: output differs from the first run's from frame %u "
      "(channel %u): %.9g instead of %.9g", r->c->name, what, i / CH, i % CH,
      g_array_index (b, gfloat, i), g_array_index (a, gfloat, i));
}

static guint32
churn_seed (void)
{
  const gchar *s = g_getenv ("STRESS_SEED");

  return s ? (guint32) g_ascii_strtoull (s, NULL, 10) : DEFAULT_SEED;
}

GST_START_TEST (test_churn)
{
  const Config *c = &configs[__i__];
  guint32 seed = churn_seed ();
  GRand *rand = g_rand_new_with_seed (seed);
  GstState state = GST_STATE_NULL, names[] = { GST_STATE_NULL,
    GST_STATE_READY, GST_STATE_PAUSED, GST_STATE_PLAYING
  };
  GArray *ref, *out;
  guint i, counts[5] = { 0, 0, 0, 0, 0 };
  guint64 buffers;
  Run r;

  run_start (&r, c);

  /* the reference: a fresh element's first stream */
  ref = run_to_eos (&r, GST_STATE_READY, "first run");
  state = GST_STATE_READY;
  g_mutex_lock (&r.lock);
  buffers = r.buffers;
  g_mutex_unlock (&r.lock);

  for (i = 0; i < TRANSITIONS; i++) {
    GstState to;
    gchar *what;

    do
      to = names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))];
    while (to == state);
    what = g_strdup_printf ("transition %u (seed %u) from %s to %s", i, seed,
        gst_element_state_get_name (state), gst_element_state_get_name (to));
    run_set_state (&r, to, what);
    g_free (what);
    state = to;
    counts[to]++;
    /* let the data flow a little */
    if (to >= GST_STATE_PAUSED)
      g_usleep (g_rand_int_range (rand, 0, 10000));
  }
  run_check (&r, "after the churn");
  g_mutex_lock (&r.lock);
  buffers = r.buffers - buffers;
  g_mutex_unlock (&r.lock);

  /* audio flows again, and no state is kept: from READY, again from
   * READY, then from NULL, the reference output bit for bit */
  out = run_to_eos (&r, GST_STATE_READY, "run after the churn");
  compare_runs (&r, ref, out, "run after the churn");
  g_array_free (out, TRUE);
  out = run_to_eos (&r, GST_STATE_READY, "second run from READY");
  compare_runs (&r, ref, out, "second run from READY");
  g_array_free (out, TRUE);
  out = run_to_eos (&r, GST_STATE_NULL, "run from NULL");
  compare_runs (&r, ref, out, "run from NULL");
  g_array_free (out, TRUE);

  g_print ("churn %s: %u transitions (seed %u; to NULL %u, READY %u, PAUSED "
      "%u, PLAYING %u), %" G_GUINT64_FORMAT " buffers out during them, %u "
      "warnings, reuse ok (4 runs of %u frames, bit-identical)\n", c->name,
      TRANSITIONS, seed, counts[GST_STATE_NULL], counts[GST_STATE_READY],
      counts[GST_STATE_PAUSED], counts[GST_STATE_PLAYING], buffers,
      r.bus.warnings, ref->len / CH);

  g_array_free (ref, TRUE);
  run_stop (&r);
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
churn_suite (void)
{
  Suite *s = suite_create ("churn");
  TCase *tc = tcase_create ("general");

  /* the source and its programme, shared by every test */
  music = stress_music_f32 (MUSIC_FRAMES, CH, RATE);
  gst_element_register (NULL, "stresssrc", GST_RANK_NONE,
      stress_src_get_type ());

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_churn, 0, G_N_ELEMENTS (configs));
  return s;
}

GST_CHECK_MAIN (churn);
