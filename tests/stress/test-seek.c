/* gst-mastering: flushing and segment seeks in a real pipeline.
 *
 * A 20 s music-like stereo programme at 48 kHz (tools/synth) is written
 * to a temporary float WAV file, then played through
 *
 *   filesrc ! decodebin ! audioconvert ! ELEMENT ! appsink sync=false
 *
 * for every element (masterwiden with and without safe-width, loudnorm in
 * its four modes, automaster in both).  From PAUSED and from PLAYING the
 * test issues flushing accurate seeks to random positions (fixed seed,
 * printed; MST_SEEK_SEED sets another): most with a stop position, played
 * to EOS; the others without one, cut short by the next seek while a
 * probe holds the streaming thread before the element (which then waits
 * for input) or after it (blocked in a push; file mode: while it pushes
 * the stream it held), after a random amount of audio.  Then chains of
 * segment seeks: a flushing segment seek, at its SEGMENT_DONE a
 * non-flushing segment seek that continues where it ended, at that one's
 * SEGMENT_DONE a non-flushing seek with a stop position, played to EOS.
 *
 * Probes on the element's pads record every segment it receives and
 * outputs (the SEGMENT event, the buffers, SEGMENT_DONE or EOS; the output
 * as the element pushes it, before appsink could clip anything).  Checked
 * for every segment:
 *  - the output timestamps are continuous: each pts is the previous pts
 *    plus the previous duration, and the first pts plus the frames before
 *    it at 48 kHz, within one sample; every buffer lies in the segment;
 *  - the first output timestamp is the seek position, within one sample:
 *    elements with lookahead hold audio back but output it with the
 *    timestamps of the input frames it holds, so this holds for them too;
 *  - a segment played to its end (EOS or SEGMENT_DONE) has exactly as many
 *    output frames as the element received, and the element received
 *    stop - start (the positions are whole milliseconds, whole samples):
 *    elements with lookahead drain their tail at EOS and at SEGMENT_DONE;
 *  - no stale audio after a flush: every element promises to start again
 *    at FLUSH_STOP, so the output after a flushing seek must be, bit for
 *    bit, that of a fresh pipeline whose element never saw audio before a
 *    seek to the same position (same decoder, same buffers); a segment cut
 *    short by the next seek, as far as it got; file mode (holds the whole
 *    stream until EOS) must output nothing of a segment that a flush cut
 *    short before its end;
 *  - segment chains: each segment starts where the previous one stopped
 *    (the checks above), and the audio is that of a fresh pipeline: for
 *    elements that keep their state across a non-flushing seek (no
 *    lookahead: masteq, masterwiden, loudnorm measure), of one seek over
 *    the whole chain, bit for bit (masterwiden with safe-width: within
 *    WIDEN_SAFE_TOL); for elements that drain at SEGMENT_DONE and so start
 *    the next segment afresh (lookahead: masterlimit, mastercomp with
 *    lookahead, loudnorm static, dynamic and file), of one seek per
 *    segment, bit for bit.  automaster has children of both kinds: its
 *    chain is compared with the second reference after a settling time
 *    (see SETTLE_MS).
 *
 * A summary line per element gives the seeks done and the segments
 * checked.
 */
#include "stress.h"
#include "synth.h"
#include "wavwrite.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#define RATE 48000
#define CH 2
#define FILE_MS 20000
#define N_FLUSH_SEEKS 20
#define N_CHAINS 2
#define CHAIN_LEN 3
#define N_SEEKS (N_FLUSH_SEEKS + N_CHAINS * CHAIN_LEN)
#define DEFAULT_SEED 20240611u
/* one sample at 48 kHz, in ns, rounded up */
#define TOL_TS (GST_SECOND / RATE + 1)
/* longest wait for the pipeline to get somewhere (s) */
#define WAIT_S 60

typedef enum
{
  /* state carries over a non-flushing seek: a chain is one stream */
  CHAIN_CONTINUOUS,
  /* drains at SEGMENT_DONE and starts the next segment afresh */
  CHAIN_RESTART,
  /* both kinds of child (automaster): compared with CHAIN_RESTART's
   * reference after SETTLE_MS of each segment, within chain_tol */
  CHAIN_SETTLE,
} Chain;

/* automaster's chain: its filters (masteq, mastercomp without lookahead,
 * masterwiden) keep their state over a non-flushing seek, its limiter and
 * loudnorm start again, so the reference (a fresh pipeline per segment)
 * has other filter states at the segment start: the outputs differ by up
 * to 0.7 at first, which dies away with the filters' time constants (the
 * compressor's 120 ms release the longest).  What stays is a small gain
 * difference (the loudness stage measures a segment whose start differs
 * and lands a few hundredths of a dB away: file mode for the whole
 * segment, live smoothed over seconds) and masterwiden's block effect
 * (below): after SETTLE_MS the difference stays under 1.1 % of the peak
 * over 24 seeds; stale audio would differ by the signal itself. */
#define SETTLE_MS 1000
#define SETTLE_TOL 0.03

typedef struct
{
  const gchar *desc;            /* as gst-launch */
  gboolean holds;               /* holds the stream until EOS (file) */
  Chain chain;
  /* chains: largest difference from the reference, relative to its peak
   * (0: bit for bit) */
  gdouble chain_tol;
  /* its lookahead (ms), at most: how far past what a cut-short segment
   * output the reference must run */
  guint latency_ms;
} Config;

/* masterwiden with safe-width and mono-bass works in blocks of 256 frames
 * counted from the start of each buffer, and derives its safe-width gain
 * from each block: the shorter last buffer of a segment moves the blocks
 * of the next segment against those of a single seek over both, which
 * changes the gain a little (up to 0.9 % of the peak over 32 seeds).
 * Without safe-width a chain is bit for bit one stream. */
#define WIDEN_SAFE_TOL 0.03

static const Config configs[] = {
  {"masteq num-bands=3 band0::type=high-pass band0::freq=30 "
        "band1::freq=250 band1::gain=4 band2::type=high-shelf "
        "band2::freq=8000 band2::gain=-3", FALSE, CHAIN_CONTINUOUS, 0.0,
      0},
  {"mastercomp bands=3 lookahead=5 threshold=-30 ratio=3", FALSE,
      CHAIN_RESTART, 0.0, 5},
  {"masterwiden width=1.6 mono-bass=120 balance=0.1", FALSE,
      CHAIN_CONTINUOUS, 0.0, 0},
  {"masterwiden width=1.6 mono-bass=120 safe-width=true", FALSE,
      CHAIN_CONTINUOUS, WIDEN_SAFE_TOL, 0},
  {"masterlimit input-gain=8", FALSE, CHAIN_RESTART, 0.0, 6},
  {"loudnorm mode=measure", FALSE, CHAIN_CONTINUOUS, 0.0, 0},
  {"loudnorm mode=static measured-loudness=-20", FALSE, CHAIN_RESTART, 0.0,
      6},
  {"loudnorm mode=dynamic lookahead=1000", FALSE, CHAIN_RESTART, 0.0,
      1010},
  {"loudnorm mode=file", TRUE, CHAIN_RESTART, 0.0, 0},
  {"automaster mode=live", FALSE, CHAIN_SETTLE, SETTLE_TOL, 3010},
  {"automaster mode=file", TRUE, CHAIN_SETTLE, SETTLE_TOL, 0},
};

/* One segment as it passed a pad. */
typedef struct
{
  gint seek;                    /* the seek it answers, -1: the start */
  GstSegment segment;
  gboolean flushed;             /* a FLUSH_STOP came before it */
  GArray *pts, *dur;            /* GstClockTime, per buffer */
  GArray *frames;               /* guint64, per buffer */
  GArray *x;                    /* gfloat, interleaved (output side) */
  guint64 nframes;
  gboolean done;                /* SEGMENT_DONE or EOS */
} Seg;

enum
{
  SIDE_IN,
  SIDE_OUT,
};

/* What the probes record, under lock. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *segs[2];           /* Seg, per side, in order */
  gboolean flushed[2];
  gint seek;                    /* the seek under way */
  gboolean block;               /* drop the input until a flush */
  guint64 dropped;
  /* hold the streaming thread on side gate_side (before or after the
   * element) once the segment of seek gate_seek has brought gate_frames
   * there, until the next flush */
  gint gate_seek;
  guint gate_side;
  guint64 gate_frames;
  gint gated;                   /* the seek whose thread is held, or -1 */
  guint flushes[2];             /* FLUSH_START events */
  GString *errors;              /* found in the streaming threads */
} Rec;

typedef struct
{
  GstElement *pipeline;
  GstBus *bus;
  Rec rec;
} Pipe;

typedef struct
{
  GstClockTime start, stop;     /* stop: GST_CLOCK_TIME_NONE for none */
  GstSeekFlags flags;
  gboolean paused;              /* issued in PAUSED */
} Seek;

static gchar *wav_path;

/* fail_unless for loops over buffers and samples: check records every
 * assertion that passes (a write to a pipe), far too slow for those */
#define CHECK(cond, ...) G_STMT_START {                                 \
    if (G_UNLIKELY (!(cond)))                                           \
      ck_abort_msg (__VA_ARGS__);                                       \
  } G_STMT_END

/* The programme as a 32-bit float WAV file (format 3, IEEE float). */
static void
write_wav (void)
{
  gsize frames = (gsize) FILE_MS * RATE / 1000;
  gdouble *x = g_new (gdouble, frames * CH);
  guint8 h[44];
  GError *err = NULL;
  gchar *name;
  gint fd;
  FILE *fp;

  fail_unless (mst_synth_music_f64 (x, frames, CH, RATE, -1.0, 7) == 0);
  mst_wav_header (h, frames, CH, RATE, 32);

  fd = g_file_open_tmp ("mst-seek-XXXXXX.wav", &name, &err);
  fail_unless (fd >= 0, "no temporary file: %s", err ? err->message : "?");
  fp = fdopen (fd, "wb");
  fail_unless (fp != NULL);
  fail_unless (fwrite (h, 1, sizeof (h), fp) == sizeof (h));
  fail_unless (mst_wav_put (fp, x, frames, CH, 32) == 0);
  fail_unless (fclose (fp) == 0);
  wav_path = name;
  g_free (x);
}

static void
setup_file (void)
{
  /* GStreamer 1.22's type-find helper logs "Failed to typefind for caps:
   * audio/x-dts" as an ERROR (in the default category) each time wavparse
   * checks a file's first data for DTS: once per pipeline here, hundreds
   * of harmless lines */
  gst_debug_set_threshold_for_name ("default", GST_LEVEL_NONE);
  write_wav ();
}

static void
teardown_file (void)
{
  if (wav_path)
    g_unlink (wav_path);
  g_free (wav_path);
  wav_path = NULL;
}

static Seg *
seg_new (gint seek, const GstSegment * segment, gboolean flushed)
{
  Seg *s = g_new0 (Seg, 1);

  s->seek = seek;
  gst_segment_copy_into (segment, &s->segment);
  s->flushed = flushed;
  s->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  s->dur = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  s->frames = g_array_new (FALSE, FALSE, sizeof (guint64));
  s->x = g_array_new (FALSE, FALSE, sizeof (gfloat));
  return s;
}

static void
seg_free (gpointer p)
{
  Seg *s = p;

  g_array_free (s->pts, TRUE);
  g_array_free (s->dur, TRUE);
  g_array_free (s->frames, TRUE);
  g_array_free (s->x, TRUE);
  g_free (s);
}

static Seg *
rec_last (Rec * r, guint side)
{
  GPtrArray *a = r->segs[side];

  return a->len ? g_ptr_array_index (a, a->len - 1) : NULL;
}

static Seg *
rec_find (Rec * r, guint side, gint seek)
{
  GPtrArray *a = r->segs[side];
  guint i;

  for (i = 0; i < a->len; i++) {
    Seg *s = g_ptr_array_index (a, i);
    if (s->seek == seek)
      return s;
  }
  return NULL;
}

/* Streaming threads: record what passes; no assertions here (they are
 * collected in r->errors for the test thread). */
static GstPadProbeReturn
record (Rec * r, guint side, GstPadProbeInfo * info)
{
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;
  Seg *s;

  g_mutex_lock (&r->lock);
  s = rec_last (r, side);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime pts = GST_BUFFER_PTS (b), dur = GST_BUFFER_DURATION (b);
    gsize size = gst_buffer_get_size (b);
    guint64 frames = size / (CH * sizeof (gfloat));

    if (side == r->gate_side && s && r->gate_seek >= 0
        && s->seek == r->gate_seek && s->nframes >= r->gate_frames) {
      guint flushes = r->flushes[side];

      r->gated = s->seek;
      g_cond_broadcast (&r->cond);
      while (r->flushes[side] == flushes)
        g_cond_wait (&r->cond, &r->lock);
      r->gated = -1;
      ret = GST_PAD_PROBE_DROP;
    } else if (side == SIDE_IN && r->block) {
      r->dropped++;
      ret = GST_PAD_PROBE_DROP;
    } else if (s == NULL) {
      g_string_append_printf (r->errors, "side %u: buffer before a segment\n",
          side);
    } else {
      if (size % (CH * sizeof (gfloat)))
        g_string_append_printf (r->errors, "side %u: buffer of %" G_GSIZE_FORMAT
            " bytes\n", side, size);
      if (s->done)
        g_string_append_printf (r->errors, "side %u: buffer at %"
            GST_TIME_FORMAT " after the end of its segment\n", side,
            GST_TIME_ARGS (pts));
      g_array_append_val (s->pts, pts);
      g_array_append_val (s->dur, dur);
      g_array_append_val (s->frames, frames);
      s->nframes += frames;
      if (side == SIDE_OUT) {
        GstMapInfo map;

        gst_buffer_map (b, &map, GST_MAP_READ);
        g_array_append_vals (s->x, map.data, frames * CH);
        gst_buffer_unmap (b, &map);
      }
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    g_string_append_printf (r->errors, "side %u: a buffer list\n", side);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_BOTH) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);

    switch (GST_EVENT_TYPE (e)) {
      case GST_EVENT_FLUSH_START:
        r->flushes[side]++;
        break;
      case GST_EVENT_FLUSH_STOP:
        r->flushed[side] = TRUE;
        if (side == SIDE_IN)
          r->block = FALSE;
        break;
      case GST_EVENT_SEGMENT:{
        const GstSegment *segment;

        gst_event_parse_segment (e, &segment);
        g_ptr_array_add (r->segs[side], seg_new (r->seek, segment,
                r->flushed[side]));
        r->flushed[side] = FALSE;
        break;
      }
      case GST_EVENT_SEGMENT_DONE:
      case GST_EVENT_EOS:
        if (s)
          s->done = TRUE;
        break;
      case GST_EVENT_CAPS:{
        GstCaps *caps;
        GstAudioInfo ai;

        gst_event_parse_caps (e, &caps);
        if (!gst_audio_info_from_caps (&ai, caps)
            || GST_AUDIO_INFO_FORMAT (&ai) != GST_AUDIO_FORMAT_F32
            || GST_AUDIO_INFO_RATE (&ai) != RATE
            || GST_AUDIO_INFO_CHANNELS (&ai) != CH)
          g_string_append_printf (r->errors, "side %u: caps %" GST_PTR_FORMAT
              "\n", side, caps);
        break;
      }
      default:
        break;
    }
  }
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  return ret;
}

static GstPadProbeReturn
in_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return record (data, SIDE_IN, info);
}

static GstPadProbeReturn
out_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return record (data, SIDE_OUT, info);
}

/* block: drop the element's input until the first flush, so that it sees
 * its first buffer after a seek (the reference runs). */
static void
pipe_open (Pipe * p, const Config * c, gboolean block)
{
  const GstPadProbeType types = GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH;
  /* the child properties after the launch (childargs.h) */
  gchar **child_args, *own = mst_childargs_split (c->desc, &child_args);
  gchar *launch = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert name=conv ! %s name=el ! appsink name=sink sync=false "
      "drop=true max-buffers=1 wait-on-eos=false", wav_path, own);
  GError *err = NULL;
  GstElement *e;
  GstPad *pad;

  memset (p, 0, sizeof (*p));
  g_mutex_init (&p->rec.lock);
  g_cond_init (&p->rec.cond);
  p->rec.segs[SIDE_IN] = g_ptr_array_new_with_free_func (seg_free);
  p->rec.segs[SIDE_OUT] = g_ptr_array_new_with_free_func (seg_free);
  p->rec.seek = -1;
  p->rec.block = block;
  p->rec.gate_seek = p->rec.gated = -1;
  p->rec.errors = g_string_new (NULL);

  p->pipeline = gst_parse_launch (launch, &err);
  fail_unless (p->pipeline != NULL && err == NULL, "%s: %s", launch,
      err ? err->message : "?");
  gst_object_ref_sink (p->pipeline);
  g_free (launch);
  g_free (own);
  p->bus = gst_element_get_bus (p->pipeline);
  e = gst_bin_get_by_name (GST_BIN (p->pipeline), "el");
  stress_set_child_args (e, child_args, c->desc);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (p->pipeline), "conv");
  pad = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (pad, types, in_probe, &p->rec, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (p->pipeline), "sink");
  pad = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (pad, types, out_probe, &p->rec, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

static void
pipe_close (Pipe * p)
{
  GstMessage *m;

  fail_unless (gst_element_set_state (p->pipeline, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  while ((m = gst_bus_pop (p->bus)))
    gst_message_unref (m);
  gst_object_unref (p->bus);
  gst_object_unref (p->pipeline);
  g_ptr_array_unref (p->rec.segs[SIDE_IN]);
  g_ptr_array_unref (p->rec.segs[SIDE_OUT]);
  g_string_free (p->rec.errors, TRUE);
  g_mutex_clear (&p->rec.lock);
  g_cond_clear (&p->rec.cond);
}

/* Fails on an error message or on what the probes found. */
static void
pipe_check (Pipe * p)
{
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (p->bus, GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (m, &err, &dbg);
    fail ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (m), err->message,
        dbg ? dbg : "");
  }
  g_mutex_lock (&p->rec.lock);
  CHECK (p->rec.errors->len == 0, "%s", p->rec.errors->str);
  g_mutex_unlock (&p->rec.lock);
}

typedef gboolean (*Pred) (Rec * r, gint seek, guint64 arg);

static gboolean
pred_dropped (Rec * r, gint seek, guint64 arg)
{
  return r->dropped > 0;
}

static gboolean
pred_done (Rec * r, gint seek, guint64 arg)
{
  Seg *s = rec_find (r, SIDE_OUT, seek);

  return s && s->done;
}

/* the stream held at the gate, or the end */
static gboolean
pred_gated (Rec * r, gint seek, guint64 arg)
{
  Seg *o = rec_find (r, SIDE_OUT, seek);

  return r->gated == seek || (o && o->done);
}

static void
pipe_wait (Pipe * p, Pred pred, gint seek, guint64 arg, const gchar * what)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  gboolean ok;

  for (;;) {
    g_mutex_lock (&p->rec.lock);
    ok = pred (&p->rec, seek, arg);
    if (!ok) {
      g_cond_wait_until (&p->rec.cond, &p->rec.lock,
          MIN (end, g_get_monotonic_time () + 20 * G_TIME_SPAN_MILLISECOND));
      ok = pred (&p->rec, seek, arg);
    }
    g_mutex_unlock (&p->rec.lock);
    pipe_check (p);
    if (ok)
      return;
    CHECK (g_get_monotonic_time () < end, "timeout waiting for %s "
        "(seek %d)", what, seek);
  }
}

static void
pipe_state (Pipe * p, GstState state)
{
  GstStateChangeReturn ret = gst_element_set_state (p->pipeline, state);

  fail_unless (ret != GST_STATE_CHANGE_FAILURE);
  ret = gst_element_get_state (p->pipeline, NULL, NULL, WAIT_S * GST_SECOND);
  pipe_check (p);
  fail_unless (ret == GST_STATE_CHANGE_SUCCESS, "state change to %s: %s",
      gst_element_state_get_name (state),
      gst_element_state_change_return_get_name (ret));
}

static void
pipe_seek (Pipe * p, gint k, const Seek * s)
{
  g_mutex_lock (&p->rec.lock);
  p->rec.seek = k;
  g_mutex_unlock (&p->rec.lock);
  fail_unless (gst_element_seek (p->pipeline, 1.0, GST_FORMAT_TIME, s->flags,
          GST_SEEK_TYPE_SET, s->start, GST_SEEK_TYPE_SET, s->stop),
      "seek %d refused", k);
}

static Seg *
rec_steal (Rec * r, guint side, gint seek)
{
  Seg *s = rec_find (r, side, seek);
  guint i;

  fail_unless (s != NULL);
  fail_unless (g_ptr_array_find (r->segs[side], s, &i));
  g_ptr_array_steal_index (r->segs[side], i);
  return s;
}

/* The output of a fresh pipeline for a flushing accurate seek from start
 * to stop (NONE: to the end): its element sees no buffer before it. */
static Seg *
fresh_run (const Config * c, GstClockTime start, GstClockTime stop)
{
  Seek s = { start, stop, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
    FALSE
  };
  Pipe p;
  Seg *out;

  pipe_open (&p, c, TRUE);
  fail_unless (gst_element_set_state (p.pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  pipe_wait (&p, pred_dropped, 0, 0, "the first buffer");
  pipe_seek (&p, 0, &s);
  pipe_wait (&p, pred_done, 0, 0, "the end of the reference run");
  pipe_check (&p);
  g_mutex_lock (&p.rec.lock);
  out = rec_steal (&p.rec, SIDE_OUT, 0);
  g_mutex_unlock (&p.rec.lock);
  pipe_close (&p);
  return out;
}

static guint64
ms_frames (GstClockTime t)
{
  return gst_util_uint64_scale (t, RATE, GST_SECOND);
}

static GstClockTime
abs_diff (GstClockTime a, GstClockTime b)
{
  return a > b ? a - b : b - a;
}

/* Timestamps, counts and values of one output segment on its own. */
static void
check_structure (const Config * c, const Seek * s, const Seg * in,
    const Seg * out, const gchar * what)
{
  GstClockTime first = GST_CLOCK_TIME_NONE;
  guint64 before = 0;
  guint i;

  fail_unless (abs_diff (out->segment.start, s->start) <= TOL_TS,
      "%s: segment starts at %" GST_TIME_FORMAT, what,
      GST_TIME_ARGS (out->segment.start));
  fail_unless_equals_int (out->flushed, !!(s->flags & GST_SEEK_FLAG_FLUSH));
  fail_unless (out->segment.rate == 1.0);

  for (i = 0; i < out->pts->len; i++) {
    GstClockTime pts = g_array_index (out->pts, GstClockTime, i);
    GstClockTime dur = g_array_index (out->dur, GstClockTime, i);
    guint64 n = g_array_index (out->frames, guint64, i);

    CHECK (GST_CLOCK_TIME_IS_VALID (pts)
        && GST_CLOCK_TIME_IS_VALID (dur), "%s: buffer %u without timestamp "
        "or duration", what, i);
    if (i == 0) {
      first = pts;
    } else {
      GstClockTime prev = g_array_index (out->pts, GstClockTime, i - 1) +
          g_array_index (out->dur, GstClockTime, i - 1);
      CHECK (abs_diff (pts, prev) <= TOL_TS, "%s: buffer %u at %"
          GST_TIME_FORMAT ", the previous one ends at %" GST_TIME_FORMAT,
          what, i, GST_TIME_ARGS (pts), GST_TIME_ARGS (prev));
    }
    /* no frame lost or repeated under continuous timestamps */
    CHECK (abs_diff (pts, first + gst_util_uint64_scale (before,
                GST_SECOND, RATE)) <= TOL_TS, "%s: buffer %u at %"
        GST_TIME_FORMAT " after %" G_GUINT64_FORMAT " frames from %"
        GST_TIME_FORMAT, what, i, GST_TIME_ARGS (pts), before,
        GST_TIME_ARGS (first));
    CHECK (abs_diff (dur, gst_util_uint64_scale (n, GST_SECOND,
                RATE)) <= TOL_TS, "%s: buffer %u of %" G_GUINT64_FORMAT
        " frames lasts %" GST_TIME_FORMAT, what, i, n, GST_TIME_ARGS (dur));
    /* inside the segment: a sink would clip it otherwise */
    CHECK (pts + TOL_TS >= out->segment.start, "%s: buffer %u at %"
        GST_TIME_FORMAT " before the segment", what, i, GST_TIME_ARGS (pts));
    if (GST_CLOCK_TIME_IS_VALID (out->segment.stop))
      CHECK (pts + dur <= out->segment.stop + TOL_TS, "%s: buffer %u "
          "at %" GST_TIME_FORMAT " ends after the segment", what, i,
          GST_TIME_ARGS (pts));
    before += n;
  }
  if (out->nframes > 0)
    fail_unless (abs_diff (first, s->start) <= TOL_TS, "%s: first output "
        "at %" GST_TIME_FORMAT, what, GST_TIME_ARGS (first));

  for (i = 0; i < out->x->len; i++)
    CHECK (isfinite (g_array_index (out->x, gfloat, i)),
        "%s: sample %u not finite", what, i);

  if (out->done) {
    fail_unless (in != NULL && in->done, "%s: the output ended before the "
        "input", what);
    fail_unless (out->nframes == in->nframes, "%s: %" G_GUINT64_FORMAT
        " frames in, %" G_GUINT64_FORMAT " out", what, in->nframes,
        out->nframes);
    if (GST_CLOCK_TIME_IS_VALID (s->stop))
      fail_unless (in->nframes == ms_frames (s->stop - s->start),
          "%s: %" G_GUINT64_FORMAT " frames in, %" G_GUINT64_FORMAT
          " expected (in buffers %u, first at %" GST_TIME_FORMAT ")", what,
          in->nframes, ms_frames (s->stop - s->start), in->pts->len,
          GST_TIME_ARGS (in->pts->len ? g_array_index (in->pts, GstClockTime,
                  0) : GST_CLOCK_TIME_NONE));
  } else if (c->holds && !(in && in->done)) {
    /* a flush before the end: nothing of it may come out */
    fail_unless_equals_uint64 (out->nframes, 0);
  }
}

/* out (from frame `from` of it) equals ref from frame `ref_from`, over n
 * frames: bit for bit (tol 0) or within tol times the peak of ref there. */
static void
check_same (const Seg * out, guint64 from, const Seg * ref, guint64 ref_from,
    guint64 n, gdouble tol, const gchar * what)
{
  const gfloat *a = (const gfloat *) out->x->data + from * CH;
  const gfloat *b = (const gfloat *) ref->x->data + ref_from * CH;
  gdouble peak = 0.0, lim, worst = 0.0;
  guint64 i;

  fail_unless (from + n <= out->nframes && ref_from + n <= ref->nframes);
  for (i = 0; i < n * CH; i++)
    peak = MAX (peak, fabs (b[i]));
  lim = tol * peak;
  for (i = 0; i < n * CH; i++) {
    gdouble d = fabs ((gdouble) a[i] - b[i]);

    CHECK (tol == 0.0 ? a[i] == b[i] : d <= lim, "%s: frame %"
        G_GUINT64_FORMAT " channel %u is %.9g, a fresh pipeline gives %.9g",
        what, from + i / CH, (guint) (i % CH), a[i], b[i]);
    worst = MAX (worst, d);
  }
  GST_INFO ("%s: largest difference %.3g of a peak of %.3g", what, worst, peak);
}

static gchar *
describe (const Seek * s, gint k)
{
  return g_strdup_printf ("seek %d (%s%s%s, %" GST_TIME_FORMAT " to %"
      GST_TIME_FORMAT ")", k, s->flags & GST_SEEK_FLAG_FLUSH ? "flushing" :
      "non-flushing", s->flags & GST_SEEK_FLAG_SEGMENT ? " segment" : "",
      s->paused ? " in PAUSED" : "", GST_TIME_ARGS (s->start),
      GST_TIME_ARGS (s->stop));
}

static GstClockTime
random_ms (GRand * rnd, guint from, guint to)
{
  return (GstClockTime) g_rand_int_range (rnd, from, to) * GST_MSECOND;
}

static void
run (const Config * c, guint32 seed)
{
  GRand *rnd = g_rand_new_with_seed (seed);
  Seek seeks[N_SEEKS];
  guint n = 0, k, i, paused = 0, stopped = 0, cut = 0, checked = 0;
  guint fresh = 0;
  gint64 t0 = g_get_monotonic_time ();
  Pipe p;

  pipe_open (&p, c, FALSE);
  pipe_state (&p, GST_STATE_PAUSED);

  /* flushing seeks, from PAUSED or PLAYING, with or without a stop */
  for (k = 0; k < N_FLUSH_SEEKS; k++, n++) {
    Seek *s = &seeks[n];

    s->start = random_ms (rnd, 0, FILE_MS - 1000);
    s->stop = GST_CLOCK_TIME_NONE;
    if (g_rand_int_range (rnd, 0, 3) != 0) {
      s->stop = s->start + random_ms (rnd, 100, 2500);
      s->stop = MIN (s->stop, FILE_MS * GST_MSECOND);
    }
    s->flags = GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE;
    s->paused = g_rand_int_range (rnd, 0, 4) == 0;
    paused += s->paused;
    stopped += GST_CLOCK_TIME_IS_VALID (s->stop);

    /* the state change completes with the seek (the streaming thread may
     * be held at the gate: no preroll before the flush) */
    fail_unless (gst_element_set_state (p.pipeline, s->paused ?
            GST_STATE_PAUSED : GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    if (!GST_CLOCK_TIME_IS_VALID (s->stop) && !s->paused) {
      /* cut short by the next seek after up to 2 s, held before the
       * element (its thread waits for input) or after it (its thread
       * waits in a push; file mode: while it pushes what it held) */
      g_mutex_lock (&p.rec.lock);
      p.rec.gate_seek = n;
      p.rec.gate_side = g_rand_boolean (rnd) ? SIDE_OUT : SIDE_IN;
      p.rec.gate_frames = g_rand_int_range (rnd, 0, 2 * RATE);
      g_mutex_unlock (&p.rec.lock);
      cut++;
    }
    pipe_seek (&p, n, s);
    if (s->paused) {
      /* prerolls: the first buffer of the new segment reaches the sink */
      pipe_state (&p, GST_STATE_PAUSED);
      g_mutex_lock (&p.rec.lock);
      fail_unless (rec_find (&p.rec, SIDE_OUT, n) != NULL);
      fail_unless (rec_find (&p.rec, SIDE_OUT, n)->nframes > 0,
          "seek %u: prerolled without a buffer", n);
      g_mutex_unlock (&p.rec.lock);
    }
    if (GST_CLOCK_TIME_IS_VALID (s->stop)) {
      pipe_state (&p, GST_STATE_PLAYING);
      pipe_wait (&p, pred_done, n, 0, "EOS");
    } else if (!s->paused) {
      pipe_wait (&p, pred_gated, n, 0, "the gate");
    }
    /* from PAUSED without a stop: cut short after the preroll */
  }

  /* segment seek chains: a -> b (flushing), b -> c, c -> d (EOS) */
  for (k = 0; k < N_CHAINS; k++) {
    GstClockTime t = random_ms (rnd, 0, FILE_MS - 3 * 1500);

    for (i = 0; i < CHAIN_LEN; i++, n++) {
      Seek *s = &seeks[n];

      s->start = t;
      s->stop = t = t + random_ms (rnd, 300, 1500);
      s->flags = GST_SEEK_FLAG_ACCURATE;
      if (i == 0)
        s->flags |= GST_SEEK_FLAG_FLUSH;
      if (i + 1 < CHAIN_LEN)
        s->flags |= GST_SEEK_FLAG_SEGMENT;
      s->paused = FALSE;
      /* the last seek may have held the stream before any preroll: the
       * state change completes with this seek */
      fail_unless (gst_element_set_state (p.pipeline, GST_STATE_PLAYING) !=
          GST_STATE_CHANGE_FAILURE);
      pipe_seek (&p, n, s);
      pipe_wait (&p, pred_done, n, 0, i + 1 < CHAIN_LEN ? "SEGMENT_DONE" :
          "EOS");
    }
  }
  g_assert (n == N_SEEKS);
  pipe_state (&p, GST_STATE_READY);
  pipe_check (&p);

  /* every segment on its own */
  for (k = 0; k < n; k++) {
    Seg *in = rec_find (&p.rec, SIDE_IN, k), *out;
    gchar *what = describe (&seeks[k], k);

    out = rec_find (&p.rec, SIDE_OUT, k);
    fail_unless (out != NULL, "%s: no segment came out", what);
    check_structure (c, &seeks[k], in, out, what);
    checked++;
    g_free (what);
  }

  /* flushing seeks: the audio of a fresh pipeline */
  for (k = 0; k < N_FLUSH_SEEKS; k++) {
    const Seek *s = &seeks[k];
    Seg *out = rec_find (&p.rec, SIDE_OUT, k), *ref;
    GstClockTime stop = s->stop;
    gchar *what;

    if (out->nframes == 0)
      continue;
    if (!out->done && !c->holds) {
      /* as far as it got, plus the lookahead and some margin (file mode:
       * what it output depends on all it held: the same end) */
      stop = s->start + gst_util_uint64_scale (out->nframes, GST_SECOND, RATE)
          + (c->latency_ms + 500) * GST_MSECOND;
      if (stop >= FILE_MS * GST_MSECOND)
        stop = GST_CLOCK_TIME_NONE;
    }
    what = describe (s, k);
    ref = fresh_run (c, s->start, stop);
    if (out->done)
      fail_unless_equals_uint64 (out->nframes, ref->nframes);
    fail_unless (out->nframes <= ref->nframes);
    fail_unless_equals_uint64 (g_array_index (out->pts, GstClockTime, 0),
        g_array_index (ref->pts, GstClockTime, 0));
    check_same (out, 0, ref, 0, out->nframes, 0.0, what);
    seg_free (ref);
    fresh++;
    g_free (what);
  }

  /* segment chains */
  for (k = 0; k < N_CHAINS; k++) {
    const Seek *s = &seeks[N_FLUSH_SEEKS + k * CHAIN_LEN];
    gint first = N_FLUSH_SEEKS + k * CHAIN_LEN;

    if (c->chain == CHAIN_CONTINUOUS) {
      Seg *ref = fresh_run (c, s[0].start, s[CHAIN_LEN - 1].stop);
      guint64 at = 0;

      for (i = 0; i < CHAIN_LEN; i++) {
        Seg *out = rec_find (&p.rec, SIDE_OUT, first + i);
        gchar *what = describe (&s[i], first + i);

        check_same (out, 0, ref, at, out->nframes, c->chain_tol, what);
        at += out->nframes;
        g_free (what);
      }
      fail_unless_equals_uint64 (at, ref->nframes);
      seg_free (ref);
      fresh++;
    } else {
      for (i = 0; i < CHAIN_LEN; i++) {
        Seg *out = rec_find (&p.rec, SIDE_OUT, first + i);
        Seg *ref = fresh_run (c, s[i].start, s[i].stop);
        gchar *what = describe (&s[i], first + i);
        guint64 settle = c->chain == CHAIN_SETTLE && i > 0 ?
            (guint64) SETTLE_MS * RATE / 1000 : 0;

        fail_unless_equals_uint64 (out->nframes, ref->nframes);
        settle = MIN (settle, out->nframes);
        /* the first one follows a flush: exact */
        check_same (out, settle, ref, settle, out->nframes - settle,
            i > 0 ? c->chain_tol : 0.0, what);
        seg_free (ref);
        fresh++;
        g_free (what);
      }
    }
  }
  pipe_close (&p);
  g_rand_free (rnd);

  g_print ("%s: %u flushing seeks (%u from PAUSED, %u with a stop, %u cut "
      "short by the next one), %u segment seeks in %u chains; %u segments "
      "checked, %u compared with a fresh pipeline; seed %u, %.1f s\n",
      c->desc, N_FLUSH_SEEKS + N_CHAINS, paused, stopped + N_CHAINS, cut,
      N_CHAINS * (CHAIN_LEN - 1), N_CHAINS, checked, fresh, seed,
      (g_get_monotonic_time () - t0) / 1e6);
}

GST_START_TEST (test_seek)
{
  const gchar *env = g_getenv ("MST_SEEK_SEED");
  guint32 seed = env ? (guint32) strtoul (env, NULL, 0) : DEFAULT_SEED;

  run (&configs[__i__], seed + __i__);
}

GST_END_TEST;

static Suite *
seek_suite (void)
{
  Suite *s = suite_create ("seek");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  tcase_add_unchecked_fixture (tc, setup_file, teardown_file);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_seek, 0, G_N_ELEMENTS (configs));
  return s;
}

GST_CHECK_MAIN (seek);
