/* gst-mastering: property storms while playing.
 *
 * Every element (loudnorm in its four modes, automaster in both) in a real
 * pipeline: a source element defined here (F32 stereo at 48 kHz, buffers of
 * 1024 frames, paced to a few times real time so the stored output and
 * the held stream of mode=file stay small), the element, a fakesink
 * (sync=false; async=false, since mode=file outputs nothing before EOS, so
 * it cannot preroll) with probes on the element's input and on the output.
 *
 * test_storm: while a music-like programme flows, a second thread sets
 * every writable property that its flags say may change in PLAYING
 * (GST_PARAM_MUTABLE_PLAYING; construct-only and READY-only ones are
 * skipped), on the element and, through GstChildProxy, on its children
 * (masteq's bands, mastercomp's bands, automaster's elements and their
 * bands), to random values from the GParamSpec (doubles, floats, ints,
 * uints, 64-bit ints, booleans, enums; the range's ends included), one
 * every 20 us or so for STORM_TIME, then through EOS and the drain.
 * Meanwhile every controllable property (GST_PARAM_CONTROLLABLE) has a
 * GstDirectControlBinding to an interpolation control source with random
 * points, so that the element's gst_object_sync_values () applies values
 * from the streaming thread too.  Checked:
 *  - no deadlock: a watchdog (the main thread) fails the test when no
 *    buffer has entered the element, or no property set has returned, for
 *    STALL_US, or when EOS does not come out within STALL_US after it was
 *    sent;
 *  - no error message; every output sample finite; exactly as many output
 *    frames as input frames;
 *  - the bindings of every object were synced: the element calls
 *    gst_object_sync_values () for itself and its children (counted by a
 *    GstDirectControlBinding subclass);
 *  - masterlimit, everything stormed, its ceiling moved by the controller
 *    only (so that its value for every buffer is known): every output
 *    frame at most the ceiling in effect when the frame entered + 0.01 dB
 *    (sample peak); the ceiling held at -3 dBTP and everything else
 *    stormed: output sample peak <= -3 dBFS + 0.01 dB; loudnorm's and
 *    automaster's true-peak-limit (and their children's ceilings) stormed
 *    with the rest: the output sample peak under the largest value the
 *    property can take (its GParamSpec maximum, 0 dBTP) + 0.01 dB, with
 *    input gains up to +36 dB;
 *  - once the pipeline is released, the element and every child are
 *    finalized (weak pointers): no reference leaked.
 *
 * test_glide: the properties the elements document as gliding (masteq's
 * gains, one-pole 10 ms; mastercomp's threshold, ratio, knee, makeup and
 * mix, linear 20 ms; masterwiden's width, balance, side and mid gain, a
 * linear 20 ms matrix ramp) are stormed alone under a -20 dBFS 1 kHz sine
 * (90 degrees apart on the two channels), and the largest sample-to-sample
 * step of the output is bounded (the derivation is above glide_measure ());
 * the same sine without the storm is measured for comparison.
 *
 * A line per element gives the figures (docs/reliability.md).  The seed is
 * fixed and printed (STRESS_SEED overrides it); the timing of the two
 * threads, hence the exact figures, vary from run to run.
 */
#include <gst/check/gstcheck.h>
#include <gst/base/gstpushsrc.h>
#include <gst/audio/audio.h>
#include <gst/controller/controller.h>

#include <math.h>
#include <string.h>

#include "stress.h"
#include "synth.h"

#define RATE 48000
#define CH 2
#define FRAMES_PER_BUFFER 1024
#define DEFAULT_SEED 20240611
#define STORM_TIME_US (2 * G_USEC_PER_SEC)
#define GLIDE_TIME_US (G_USEC_PER_SEC * 3 / 2)
#define BASELINE_TIME_US (G_USEC_PER_SEC / 4)
/* stream time at most PACE times the wall-clock time */
#define PACE 8.0
/* the watchdog: no progress for this long is a deadlock (times
 * CK_TIMEOUT_MULTIPLIER, set for runs under sanitizers or valgrind) */
#define STALL_US (30 * G_USEC_PER_SEC * stress_timeout_multiplier ())
#define CONTROL_POINTS 64
#define TOL_DB 0.01


/* ---- the source ------------------------------------------------------- */

#define MUSIC_FRAMES (4 * RATE)
static gfloat *music;

/* the glide tests' sine */
#define SINE_FREQ 1000.0
#define SINE_AMP 0.1

typedef enum
{
  SIGNAL_MUSIC,
  SIGNAL_SINE,
} Signal;

typedef struct
{
  GstPushSrc parent;
  Signal signal;
  guint64 frame;                /* next frame */
  gint64 t0;                    /* monotonic time of the first buffer */
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
  StressSrc *self = (StressSrc *) bsrc;

  self->frame = 0;
  self->t0 = 0;
  return TRUE;
}

static GstFlowReturn
stress_src_create (GstPushSrc * psrc, GstBuffer ** out)
{
  StressSrc *self = (StressSrc *) psrc;
  GstBuffer *b = gst_buffer_new_allocate (NULL,
      FRAMES_PER_BUFFER * CH * sizeof (gfloat), NULL);
  GstClockTime pts = gst_util_uint64_scale_int (self->frame, GST_SECOND,
      RATE);
  gint64 now = g_get_monotonic_time (), due;
  GstMapInfo map;
  gfloat *x;
  guint i;

  if (self->t0 == 0)
    self->t0 = now;
  due = self->t0 + (gint64) (pts / 1000 / PACE);
  if (due > now)
    g_usleep (due - now);

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  x = (gfloat *) map.data;
  for (i = 0; i < FRAMES_PER_BUFFER; i++) {
    guint64 n = self->frame + i;

    if (self->signal == SIGNAL_MUSIC) {
      guint64 k = n % MUSIC_FRAMES;
      x[CH * i] = music[CH * k];
      x[CH * i + 1] = music[CH * k + 1];
    } else {
      gdouble ph = 2.0 * G_PI * SINE_FREQ * (gdouble) n / RATE;
      x[CH * i] = (gfloat) (SINE_AMP * sin (ph));
      x[CH * i + 1] = (gfloat) (SINE_AMP * sin (ph + G_PI / 2));
    }
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (self->frame +
      FRAMES_PER_BUFFER, GST_SECOND, RATE) - pts;
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
      "Source/Audio", "A looped music-like programme or a stereo sine",
      "gst-mastering");
  GST_BASE_SRC_CLASS (klass)->start = stress_src_start;
  GST_PUSH_SRC_CLASS (klass)->create = stress_src_create;
}

static void
stress_src_init (StressSrc * self)
{
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

/* ---- the pipeline ------------------------------------------------------ */

typedef struct
{
  const gchar *name;
  GstElement *pipe, *el;
  GstPad *inpad, *outpad;
  GMutex lock;
  GCond cond;
  /* under lock */
  StressBus bus;
  gboolean nonfinite;
  gchar *nonfinite_at;
  guint64 frames_in, frames_out, buffers_out;
  gdouble peak;                 /* output sample peak */
  gdouble step;                 /* largest sample-to-sample step */
  gdouble prev[CH];
  gboolean have_prev;
  GArray *out;                  /* gfloat, when recording */
} Run;

static GstPadProbeReturn
in_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *r = data;
  gsize size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&r->lock);
  r->frames_in += size / (CH * sizeof (gfloat));
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
out_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *r = data;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  const gfloat *x;
  gsize i, n;

  if (!gst_buffer_map (b, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  x = (const gfloat *) map.data;
  n = map.size / (CH * sizeof (gfloat));
  g_mutex_lock (&r->lock);
  r->buffers_out++;
  r->frames_out += n;
  for (i = 0; i < n * CH; i++) {
    gdouble v = x[i];

    if (!isfinite (v)) {
      if (!r->nonfinite)
        r->nonfinite_at = g_strdup_printf ("sample %" G_GSIZE_FORMAT
            " of the buffer at %" GST_TIME_FORMAT " is %g", i,
            GST_TIME_ARGS (GST_BUFFER_PTS (b)), v);
      r->nonfinite = TRUE;
      continue;
    }
    r->peak = MAX (r->peak, fabs (v));
    if (r->have_prev || i >= CH)
      r->step = MAX (r->step, fabs (v - (i >= CH ? x[i - CH] : r->prev[i])));
  }
  if (n > 0) {
    r->prev[0] = x[(n - 1) * CH];
    r->prev[1] = x[(n - 1) * CH + 1];
    r->have_prev = TRUE;
  }
  if (r->out)
    g_array_append_vals (r->out, x, n * CH);
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (b, &map);
  return GST_PAD_PROBE_OK;
}

static void
run_start (Run * r, const gchar * name, const gchar * desc, Signal signal,
    gboolean record)
{
  GstElement *e;

  memset (r, 0, sizeof (*r));
  r->name = name;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  if (record)
    r->out = g_array_new (FALSE, FALSE, sizeof (gfloat));
  r->pipe =
      stress_launch ("", desc, "fakesink name=sink sync=false async=false");
  stress_bus_attach (r->pipe, &r->bus, &r->lock, &r->cond);

  e = gst_bin_get_by_name (GST_BIN (r->pipe), "src");
  ((StressSrc *) e)->signal = signal;
  gst_object_unref (e);
  r->el = gst_bin_get_by_name (GST_BIN (r->pipe), "el");
  r->inpad = gst_element_get_static_pad (r->el, "sink");
  gst_pad_add_probe (r->inpad, GST_PAD_PROBE_TYPE_BUFFER, in_probe, r, NULL);
  e = gst_bin_get_by_name (GST_BIN (r->pipe), "sink");
  r->outpad = gst_element_get_static_pad (e, "sink");
  gst_object_unref (e);
  gst_pad_add_probe (r->outpad, GST_PAD_PROBE_TYPE_BUFFER, out_probe, r, NULL);
}

static void
run_free (Run * r)
{
  stress_bus_stop (r->pipe, &r->bus);
  gst_object_unref (r->inpad);
  gst_object_unref (r->outpad);
  gst_object_unref (r->el);
  gst_object_unref (r->pipe);
  if (r->out)
    g_array_free (r->out, TRUE);
  g_free (r->nonfinite_at);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
}

static void
run_check (Run * r)
{
  g_mutex_lock (&r->lock);
  fail_unless (r->bus.errors == 0, "%s: error message: %s", r->name,
      r->bus.error);
  fail_if (r->nonfinite, "%s: %s", r->name, r->nonfinite_at);
  g_mutex_unlock (&r->lock);
}

static void
run_play (Run * r)
{
  GstStateChangeReturn ret;

  ret = gst_element_set_state (r->pipe, GST_STATE_PLAYING);
  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s: cannot play", r->name);
  ret = gst_element_get_state (r->pipe, NULL, NULL, STALL_US * GST_USECOND);
  fail_unless (ret == GST_STATE_CHANGE_SUCCESS, "%s: not playing after %d s",
      r->name, (gint) (STALL_US / G_USEC_PER_SEC));
}

/* ---- properties ---------------------------------------------------------- */

typedef struct
{
  GObject *obj;
  GParamSpec *pspec;            /* the class's */
  gchar *path;                  /* "prop", "child::prop", ... */
} Prop;

static void
prop_free (gpointer data)
{
  Prop *p = data;

  g_object_unref (p->obj);
  g_free (p->path);
  g_free (p);
}

/* May the storm set it: writable, not construct-only, mutable in PLAYING
 * as its flags say, and of a type we make random values for. */
static gboolean
stormable (const GParamSpec * p)
{
  GType t = G_PARAM_SPEC_VALUE_TYPE (p);

  if (!(p->flags & G_PARAM_WRITABLE) || (p->flags & G_PARAM_CONSTRUCT_ONLY)
      || !(p->flags & GST_PARAM_MUTABLE_PLAYING))
    return FALSE;
  return t == G_TYPE_DOUBLE || t == G_TYPE_FLOAT || t == G_TYPE_INT ||
      t == G_TYPE_UINT || t == G_TYPE_INT64 || t == G_TYPE_UINT64 ||
      t == G_TYPE_BOOLEAN || G_TYPE_IS_ENUM (t);
}

static gboolean
in_list (const gchar * const *list, const gchar * path)
{
  for (; list && *list; list++)
    if (strcmp (*list, path) == 0)
      return TRUE;
  return FALSE;
}

/* The stormable properties of o and, through GstChildProxy, of its
 * children, recursively; only those in `only` when given, never those in
 * `skip`. */
static void
gather (GPtrArray * props, GObject * o, const gchar * prefix,
    const gchar * const *only, const gchar * const *skip)
{
  GParamSpec **ps;
  guint n, i;

  ps = g_object_class_list_properties (G_OBJECT_GET_CLASS (o), &n);
  for (i = 0; i < n; i++) {
    gchar *path;

    if (!stormable (ps[i]))
      continue;
    path = prefix ? g_strconcat (prefix, "::", ps[i]->name, NULL) :
        g_strdup (ps[i]->name);
    if ((only && !in_list (only, path)) || in_list (skip, path)) {
      g_free (path);
    } else {
      Prop *p = g_new0 (Prop, 1);
      p->obj = g_object_ref (o);
      p->pspec = ps[i];
      p->path = path;
      g_ptr_array_add (props, p);
    }
  }
  g_free (ps);

  if (GST_IS_CHILD_PROXY (o)) {
    guint k, nc = gst_child_proxy_get_children_count (GST_CHILD_PROXY (o));

    for (k = 0; k < nc; k++) {
      GObject *c = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (o),
          k);
      gchar *sub;

      if (!c)
        continue;
      sub = stress_child_path (prefix, c, k);
      gather (props, c, sub, only, skip);
      g_free (sub);
      g_object_unref (c);
    }
  }
}

/* A random value in the range of p: one time in eight its minimum, one in
 * eight its maximum, else uniform (64-bit integers, such as intervals in
 * ns up to G_MAXINT64: uniform within 10 s of the minimum). */
static void
random_value (GRand * rand, const GParamSpec * p, GValue * v)
{
  GType t = G_PARAM_SPEC_VALUE_TYPE (p);
  gint pick = g_rand_int_range (rand, 0, 8);
  gdouble u = pick == 0 ? 0.0 : pick == 1 ? 1.0 : g_rand_double (rand);

  g_value_init (v, t);
  if (t == G_TYPE_DOUBLE) {
    const GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
    g_value_set_double (v, pick == 1 ? d->maximum : (1.0 - u) * d->minimum +
        u * d->maximum);
  } else if (t == G_TYPE_FLOAT) {
    const GParamSpecFloat *d = G_PARAM_SPEC_FLOAT (p);
    g_value_set_float (v, pick == 1 ? d->maximum : (gfloat) ((1.0 - u) *
            d->minimum + u * d->maximum));
  } else if (t == G_TYPE_INT) {
    const GParamSpecInt *d = G_PARAM_SPEC_INT (p);
    gdouble x = floor ((1.0 - u) * d->minimum + u * (d->maximum + 1.0));
    g_value_set_int (v, (gint) CLAMP (x, d->minimum, d->maximum));
  } else if (t == G_TYPE_UINT) {
    const GParamSpecUInt *d = G_PARAM_SPEC_UINT (p);
    gdouble x = floor ((1.0 - u) * d->minimum + u * (d->maximum + 1.0));
    g_value_set_uint (v, (guint) CLAMP (x, d->minimum, d->maximum));
  } else if (t == G_TYPE_INT64) {
    const GParamSpecInt64 *d = G_PARAM_SPEC_INT64 (p);
    gdouble span = MIN ((gdouble) d->maximum - d->minimum, 10.0 * GST_SECOND);
    g_value_set_int64 (v, pick == 1 ? d->maximum : d->minimum +
        (gint64) (u * span));
  } else if (t == G_TYPE_UINT64) {
    const GParamSpecUInt64 *d = G_PARAM_SPEC_UINT64 (p);
    gdouble span = MIN ((gdouble) (d->maximum - d->minimum),
        10.0 * GST_SECOND);
    g_value_set_uint64 (v, pick == 1 ? d->maximum : d->minimum +
        (guint64) (u * span));
  } else if (t == G_TYPE_BOOLEAN) {
    g_value_set_boolean (v, u >= 0.5);
  } else {
    const GEnumClass *ec = G_PARAM_SPEC_ENUM (p)->enum_class;
    guint k = MIN ((guint) (u * ec->n_values), ec->n_values - 1);
    g_value_set_enum (v, ec->values[k].value);
  }
}

/* ---- the storm thread -------------------------------------------------- */

typedef struct
{
  GPtrArray *props;
  GRand *rand;
  gint stop, done, sets;        /* atomic */
  GThread *thread;
} Storm;

static gpointer
storm_func (gpointer data)
{
  Storm *s = data;

  while (!g_atomic_int_get (&s->stop)) {
    Prop *p = g_ptr_array_index (s->props,
        g_rand_int_range (s->rand, 0, s->props->len));
    GValue v = G_VALUE_INIT;

    random_value (s->rand, p->pspec, &v);
    g_object_set_property (p->obj, p->pspec->name, &v);
    g_value_unset (&v);
    g_atomic_int_inc (&s->sets);
    /* leave some of the CPU to the streaming thread */
    g_usleep (20);
  }
  g_atomic_int_set (&s->done, 1);
  return NULL;
}

static void
storm_start (Storm * s, GPtrArray * props, guint32 seed)
{
  memset (s, 0, sizeof (*s));
  s->props = props;
  s->rand = g_rand_new_with_seed (seed);
  s->thread = g_thread_new ("storm", storm_func, s);
}

/* The watchdog: returns once `until` (monotonic) has passed and, if
 * want_eos, EOS has come out; fails on an error message, on a non-finite
 * output sample, and when for STALL_US no buffer has entered the element
 * (while no EOS is expected), no property set has returned, or EOS has not
 * come. */
static void
watch (Run * r, Storm * s, gint64 until, gboolean want_eos, gint64 eos_sent)
{
  guint64 last_in = 0;
  gint last_sets = -1;
  gint64 t_in = g_get_monotonic_time (), t_sets = t_in;

  for (;;) {
    gint64 now = g_get_monotonic_time ();
    guint64 in, out;
    gboolean eos;
    gint sets = s ? g_atomic_int_get (&s->sets) : 0;

    g_mutex_lock (&r->lock);
    in = r->frames_in;
    out = r->frames_out;
    eos = r->bus.eos;
    g_mutex_unlock (&r->lock);
    run_check (r);
    if (in != last_in) {
      last_in = in;
      t_in = now;
    }
    if (sets != last_sets) {
      last_sets = sets;
      t_sets = now;
    }
    if (now >= until && (!want_eos || eos))
      return;
    fail_if (!want_eos && now - t_in > STALL_US, "%s: deadlock? no buffer "
        "has entered the element for %d s (%" G_GUINT64_FORMAT " frames "
        "so far)", r->name, (gint) (STALL_US / G_USEC_PER_SEC), in);
    fail_if (s && !g_atomic_int_get (&s->done) && now - t_sets > STALL_US,
        "%s: deadlock? a property set has not returned for %d s (after %d "
        "sets)", r->name, (gint) (STALL_US / G_USEC_PER_SEC), sets);
    fail_if (want_eos && now - eos_sent > STALL_US, "%s: deadlock? no EOS "
        "%d s after it was sent (%" G_GUINT64_FORMAT " frames in, %"
        G_GUINT64_FORMAT " out)", r->name, (gint) (STALL_US /
            G_USEC_PER_SEC), in, out);
    g_usleep (10000);
  }
}

/* Stops the storm; returns the number of property sets. */
static gint
storm_stop (Storm * s, const gchar * name)
{
  gint64 end = g_get_monotonic_time () + STALL_US;
  gint sets;

  g_atomic_int_set (&s->stop, 1);
  while (!g_atomic_int_get (&s->done)) {
    fail_if (g_get_monotonic_time () > end, "%s: deadlock? the storm thread "
        "did not stop within %d s", name, (gint) (STALL_US / G_USEC_PER_SEC));
    g_usleep (1000);
  }
  g_thread_join (s->thread);
  g_rand_free (s->rand);
  sets = g_atomic_int_get (&s->sets);
  return sets;
}

/* Plays with the storm running for `us`, sends EOS and waits for it (the
 * storm still running).  Returns the number of property sets. */
static gint
storm_through_eos (Run * r, GPtrArray * props, guint32 seed, gint64 us)
{
  Storm s;

  run_play (r);
  storm_start (&s, props, seed);
  watch (r, &s, g_get_monotonic_time () + us, FALSE, 0);
  fail_unless (gst_element_send_event (r->pipe, gst_event_new_eos ()));
  watch (r, &s, 0, TRUE, g_get_monotonic_time ());
  return storm_stop (&s, r->name);
}

/* ---- controllers ------------------------------------------------------- */

/* A GstDirectControlBinding that counts its syncs: the calls of the
 * element's gst_object_sync_values () for the object it is bound on. */
typedef struct
{
  GstDirectControlBinding parent;
  gint *syncs;                  /* the object's count (atomic) */
} CountingBinding;

typedef struct
{
  GstDirectControlBindingClass parent_class;
} CountingBindingClass;

static GType counting_binding_get_type (void);
G_DEFINE_TYPE (CountingBinding, counting_binding,
    GST_TYPE_DIRECT_CONTROL_BINDING);

static gboolean
counting_binding_sync_values (GstControlBinding * b, GstObject * o,
    GstClockTime ts, GstClockTime last_sync)
{
  g_atomic_int_inc (((CountingBinding *) b)->syncs);
  return
      GST_CONTROL_BINDING_CLASS (counting_binding_parent_class)->sync_values
      (b, o, ts, last_sync);
}

static void
counting_binding_class_init (CountingBindingClass * klass)
{
  GST_CONTROL_BINDING_CLASS (klass)->sync_values = counting_binding_sync_values;
}

static void
counting_binding_init (CountingBinding * b)
{
}

/* An object with control bindings. */
typedef struct
{
  GObject *obj;
  gchar *path;
  guint bound;                  /* bound properties */
  gint syncs;                   /* syncs of their bindings (atomic) */
} Controlled;

static void
controlled_free (gpointer data)
{
  Controlled *c = data;

  g_object_unref (c->obj);
  g_free (c->path);
  g_free (c);
}

/* Binds every controllable property in props to a linear interpolation
 * of CONTROL_POINTS random points over `span` of stream time; returns the
 * controlled objects (Controlled). */
static GPtrArray *
attach_controllers (GPtrArray * props, GRand * rand, GstClockTime span,
    guint * nbound)
{
  GPtrArray *objs = g_ptr_array_new_with_free_func (controlled_free);
  guint i, k;

  *nbound = 0;
  for (i = 0; i < props->len; i++) {
    Prop *p = g_ptr_array_index (props, i);
    GstControlSource *cs;
    GstControlBinding *b;
    Controlled *c = NULL;
    gchar *slash;

    if (!(p->pspec->flags & GST_PARAM_CONTROLLABLE) || !GST_IS_OBJECT (p->obj))
      continue;
    cs = gst_interpolation_control_source_new ();
    g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    for (k = 0; k < CONTROL_POINTS; k++) {
      GstClockTime t = gst_util_uint64_scale (k, span, CONTROL_POINTS) +
          (GstClockTime) (g_rand_double (rand) * 0.8 * span / CONTROL_POINTS);
      gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
          t, g_rand_double (rand));
    }
    for (k = 0; k < objs->len; k++)
      if (((Controlled *) g_ptr_array_index (objs, k))->obj == p->obj)
        c = g_ptr_array_index (objs, k);
    if (!c) {
      c = g_new0 (Controlled, 1);
      c->obj = g_object_ref (p->obj);
      c->path = g_strdup (p->path);
      slash = g_strrstr (c->path, "::");
      if (slash)
        *slash = '\0';
      else
        c->path[0] = '\0';
      g_ptr_array_add (objs, c);
    }
    c->bound++;

    b = g_object_new (counting_binding_get_type (), "object", p->obj, "name",
        p->pspec->name, "control-source", cs, NULL);
    ((CountingBinding *) b)->syncs = &c->syncs;
    fail_unless (gst_object_add_control_binding (GST_OBJECT (p->obj), b),
        "%s: cannot bind", p->path);
    gst_object_unref (cs);
    (*nbound)++;
  }
  return objs;
}

/* ---- test_storm -------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  const gchar *desc;            /* the element, as gst-launch */
  const gchar *fixed;           /* a property neither stormed nor bound */
  /* a ceiling only the controller moves: the output is checked against the
   * value in effect for each input buffer (see ceiling_excess ()) */
  const gchar *ceiling_ctl;
  /* the output sample peak bound (dBFS): NAN none; else a ceiling held
   * still, or, with ceiling_prop (stormed), that property's GParamSpec
   * maximum */
  gdouble ceiling_db;
  const gchar *ceiling_prop;
} StormConfig;

static const StormConfig storm_configs[] = {
  {"masteq", "masteq num-bands=4 band0::type=high-pass band0::freq=30 "
        "band1::type=low-shelf band1::freq=120 band1::gain=3 "
        "band2::freq=3000 band2::gain=-4 band3::type=high-shelf "
        "band3::freq=10000 band3::gain=2", NULL, NULL, NAN, NULL},
  {"mastercomp", "mastercomp bands=3 lookahead=2", NULL, NULL, NAN, NULL},
  {"masterwiden", "masterwiden width=1.5 mono-bass=100", NULL, NULL, NAN,
      NULL},
  {"masterlimit", "masterlimit input-gain=12", NULL, "ceiling", NAN, NULL},
  {"masterlimit (ceiling -3 held)", "masterlimit input-gain=12 ceiling=-3",
      "ceiling", NULL, -3.0, NULL},
  {"loudnorm measure", "loudnorm mode=measure", NULL, NULL, NAN, NULL},
  {"loudnorm static", "loudnorm mode=static measured-loudness=-20", NULL,
      NULL, 0.0, "true-peak-limit"},
  {"loudnorm file", "loudnorm mode=file", NULL, NULL, 0.0, "true-peak-limit"},
  {"loudnorm dynamic", "loudnorm mode=dynamic lookahead=1000", NULL, NULL,
      0.0, "true-peak-limit"},
  {"automaster file", "automaster mode=file", NULL, NULL, 0.0,
      "true-peak-limit"},
  {"automaster live", "automaster mode=live loudnorm::lookahead=1000", NULL,
      NULL, 0.0, "true-peak-limit"},
};

/* The output of a limiter whose ceiling only the controller moves, against
 * that ceiling.  The limiter computes the gain each input frame needs with
 * the ceiling in effect when its detector sees the frame, which is when
 * the frame, or one of the next DET_DELAY frames, enters (masterlimit's
 * detector delay, docs/masterlimit.md): the value synced for the input
 * buffer of one of them.  The gain applied to the frame never exceeds what
 * it needs, and output frame k is input frame k (the delay is
 * compensated).  Returns the largest excess of an output sample over the
 * larger of those ceilings, in dB (negative: under). */
#define DET_DELAY 31

static gdouble
ceiling_excess (const Run * r, const gchar * prop, gdouble initial)
{
  GstControlBinding *b = gst_object_get_control_binding (GST_OBJECT (r->el),
      prop);
  const gfloat *y = (const gfloat *) r->out->data;
  gsize frames = r->out->len / CH, nbuf, k;
  gdouble worst = -INFINITY, *ceiling;

  fail_unless (b != NULL, "%s: no control binding on %s", r->name, prop);
  nbuf = (frames + DET_DELAY) / FRAMES_PER_BUFFER + 1;
  ceiling = g_new (gdouble, nbuf);
  for (k = 0; k < nbuf; k++) {
    GValue *v = gst_control_binding_get_value (b,
        gst_util_uint64_scale_int (k * FRAMES_PER_BUFFER, GST_SECOND, RATE));

    /* before the first control point the property keeps its value */
    ceiling[k] = k > 0 ? ceiling[k - 1] : initial;
    if (v) {
      ceiling[k] = g_value_get_double (v);
      g_value_unset (v);
      g_free (v);
    }
  }
  for (k = 0; k < frames; k++) {
    gdouble m = MAX (fabs (y[k * CH]), fabs (y[k * CH + 1]));
    gdouble c = MAX (ceiling[k / FRAMES_PER_BUFFER],
        ceiling[(k + DET_DELAY) / FRAMES_PER_BUFFER]);

    if (m > 0.0)
      worst = MAX (worst, 20.0 * log10 (m) - c);
  }
  g_free (ceiling);
  gst_object_unref (b);
  return worst;
}

static guint32
storm_seed (void)
{
  const gchar *s = g_getenv ("STRESS_SEED");

  return s ? (guint32) g_ascii_strtoull (s, NULL, 10) : DEFAULT_SEED;
}

GST_START_TEST (test_storm)
{
  const StormConfig *c = &storm_configs[__i__];
  const gchar *skip[3] = { NULL, NULL, NULL }, *bind_skip[2] = { NULL, NULL };
  guint32 seed = storm_seed () + __i__;
  GRand *rand = g_rand_new_with_seed (seed);
  GPtrArray *props = g_ptr_array_new_with_free_func (prop_free);
  GPtrArray *bound_props = g_ptr_array_new_with_free_func (prop_free);
  GPtrArray *alive = g_ptr_array_new (), *objs;
  gdouble excess = NAN, initial = 0.0;
  gint64 t0 = g_get_monotonic_time ();
  gdouble bound = c->ceiling_db, peak_db;
  gchar *bound_str;
  guint nbound, i;
  gint sets, syncs = 0;
  Run r;

  /* the storm thread sets neither; the controller drives ceiling_ctl */
  if (c->fixed)
    skip[0] = bind_skip[0] = c->fixed;
  if (c->ceiling_ctl)
    skip[c->fixed ? 1 : 0] = c->ceiling_ctl;
  run_start (&r, c->name, c->desc, SIGNAL_MUSIC, c->ceiling_ctl != NULL);
  stress_watch_objects (alive, G_OBJECT (r.el), c->name);
  gather (props, G_OBJECT (r.el), NULL, NULL, skip);
  gather (bound_props, G_OBJECT (r.el), NULL, NULL, bind_skip);
  fail_unless (props->len > 0);
  /* the control points cover the stream the storm will see */
  objs = attach_controllers (bound_props, rand, (GstClockTime) (PACE *
          (STORM_TIME_US + G_USEC_PER_SEC) * GST_USECOND), &nbound);
  if (c->ceiling_prop) {
    GParamSpec *p = g_object_class_find_property (G_OBJECT_GET_CLASS (r.el),
        c->ceiling_prop);
    fail_unless (p && G_IS_PARAM_SPEC_DOUBLE (p));
    bound = G_PARAM_SPEC_DOUBLE (p)->maximum;
  }

  if (c->ceiling_ctl)
    g_object_get (r.el, c->ceiling_ctl, &initial, NULL);

  sets = storm_through_eos (&r, props, seed, STORM_TIME_US);
  run_check (&r);

  g_mutex_lock (&r.lock);
  fail_unless (r.frames_out == r.frames_in, "%s: %" G_GUINT64_FORMAT
      " frames out for %" G_GUINT64_FORMAT " in", c->name, r.frames_out,
      r.frames_in);
  fail_unless (r.frames_in > 0);
  peak_db = 20.0 * log10 (r.peak);
  g_mutex_unlock (&r.lock);
  if (!isnan (bound))
    fail_unless (peak_db <= bound + TOL_DB, "%s: output sample peak %.3f "
        "dBFS over the bound %.2f dB", c->name, peak_db, bound);
  if (c->ceiling_ctl) {
    excess = ceiling_excess (&r, c->ceiling_ctl, initial);
    fail_unless (excess <= TOL_DB, "%s: the output exceeds the %s in "
        "effect by %.3f dB", c->name, c->ceiling_ctl, excess);
  }
  for (i = 0; i < objs->len; i++) {
    Controlled *k = g_ptr_array_index (objs, i);
    gint n = g_atomic_int_get (&k->syncs);

    fail_unless (n > 0, "%s: %u controlled properties of '%s', but the "
        "controller was never synced (no gst_object_sync_values?)", c->name,
        k->bound, k->path[0] ? k->path : c->name);
    syncs += n;
  }

  bound_str = !isnan (bound) ? g_strdup_printf (" (bound %.2f dB)", bound) :
      !isnan (excess) ? g_strdup_printf (" (%+.3f dB against the %s in "
      "effect)", excess, c->ceiling_ctl) : g_strdup ("");
  g_print ("storm %s (seed %u): %.1f s, %d property sets on %u properties, "
      "%u controlled properties on %u objects: %d controller syncs; %"
      G_GUINT64_FORMAT " buffers (%.1f s of audio), output peak %.2f dBFS%s, "
      "largest step %.4f, %u warnings\n", c->name, seed,
      (g_get_monotonic_time () - t0) / 1e6, sets, props->len, nbound,
      objs->len, syncs, r.buffers_out, (gdouble) r.frames_out / RATE,
      peak_db, bound_str, r.step, r.bus.warnings);
  g_free (bound_str);

  run_free (&r);
  g_ptr_array_unref (objs);
  g_ptr_array_unref (bound_props);
  g_ptr_array_unref (props);
  stress_check_finalized (alive);
  g_rand_free (rand);
}

GST_END_TEST;

/* ---- test_glide -------------------------------------------------------- */

/* How fast a glide may move the output, per sample:
 *   v_db   relative: the gain at the sine's frequency changes by at most
 *          v_db dB from one sample to the next;
 *   d_abs  absolute: on top, a change of at most d_abs * SINE_AMP. */
typedef struct
{
  const gchar *name;
  const gchar *desc;
  const gchar *only[6];         /* the stormed properties */
  gdouble v_db, d_abs;
} GlideConfig;

/* masteq: band0 a peak at the sine's frequency (its gain there is the
 * band's gain), and the output gain.  Both glide in dB through a one-pole
 * smoother of 10 ms advanced once per block of 32 frames at 48 kHz
 * (docs/masteq.md): per block at most coef = 1 - exp (-32 / 480) = 0.0645
 * of the distance to the target, which is at most the range, 48 dB:
 * 3.10 dB per block.  Within a block the output gain ramps linearly from
 * g0 to g1 (and the band's coefficients from one design to the next): per
 * sample at most (10^(3.10 / 20) - 1) / 32 = 1.34 % of the smaller gain,
 * 0.115 dB; both together 0.231 dB per sample. */
#define EQ_COEF (1.0 - exp (-32.0 / (0.010 * RATE)))
#define EQ_STEP_DB (20.0 * log10 (1.0 + (pow (10.0, EQ_COEF * 48.0 / 20.0) \
    - 1.0) / 32.0))

/* mastercomp (broadband): threshold, ratio (as slope 1 - 1/R), knee,
 * makeup and mix ramp linearly over 20 ms = 960 frames (docs/
 * mastercomp.md); a new value starts a new ramp from where it is, so per
 * sample each moves by at most its range / 960.  The gain reduction of the
 * -20 dBFS sine, GR = slope * (L - thr) above the knee (the quadratic
 * knee in between), moves with the threshold at most 1 dB per dB, with
 * the slope at most (L - thr_min) = 40 dB per unit, with the knee at most
 * 1/8 dB per dB; the attack/release follower (fixed at 10/120 ms) never
 * moves faster than its target, and the makeup adds its own ramp:
 * (60 + 0.95 * 40 + 24 / 8 + 48) / 960 = 0.155 dB per sample.  The mix
 * blends the input and the compressed signal, y = x (1 - mix + mix g):
 * its ramp moves the gain by at most |g - 1| / 960 <= 10^(24 / 20) / 960
 * = 0.0165 of the input amplitude (g at most the largest makeup). */
#define COMP_STEP_DB ((60.0 + (1.0 - 1.0 / 20.0) * (-20.0 + 60.0) + \
      24.0 / 8.0 + 48.0) / 960.0)
#define COMP_MIX_STEP (pow (10.0, 24.0 / 20.0) / 960.0)

/* masterwiden: L' = a m + b s, R' = c m - d s with m = l + r, s = l - r
 * (|m|, |s| <= 2 SINE_AMP); a, c <= 0.5 * 10^(12 / 20) (largest mid gain),
 * b, d <= 0.5 * 2 * 10^(12 / 20) (width 2, largest side gain); every
 * coefficient ramps linearly over 20 ms = 960 frames (docs/masterwiden.md)
 * from where it is, so per sample by at most its range / 960: a change of
 * at most 2 (1.99 + 3.98) / 960 = 0.0124 of the input amplitude. */
#define WIDEN_STEP (2.0 * (0.5 + 1.0) * pow (10.0, 12.0 / 20.0) / 960.0)

static const GlideConfig glide_configs[] = {
  {"masteq", "masteq num-bands=1 band0::type=peak band0::freq=1000 "
        "band0::q=1", {"band0::gain", "output-gain", NULL}, 2 * EQ_STEP_DB,
      0.0},
  {"mastercomp", "mastercomp", {"threshold", "ratio", "knee", "makeup", "mix",
          NULL}, COMP_STEP_DB, COMP_MIX_STEP},
  {"masterwiden", "masterwiden", {"width", "balance", "side-gain",
          "mid-gain", NULL}, 0.0, WIDEN_STEP},
};

/* The bound on |y[n+1] - y[n]| for an output y that is the sine through a
 * gain (and matrix) that glides as g describes, given E, the largest |y|
 * within H = P / 4 + 1 frames of n (P the sine's period in frames: the
 * window spans more than half a period, so it holds a sample within
 * cos (pi / P) of the amplitude it had then).
 *
 * Frozen at frame n the output is a sine of amplitude A_n: its own step is
 * at most s1 A_n, s1 = 2 sin (pi f / fs); the glide adds at most
 * d_rel A_n + d_abs SINE_AMP, d_rel = 10^(v_db / 20) - 1.  Within H frames
 * the amplitude moves by at most a factor R = 10^(v_db H / 20) and W =
 * H d_abs SINE_AMP, so A_n <= R (E + W) / cos (pi / P).  Hence
 *   |y[n+1] - y[n]| <= (s1 + d_rel) R (E + W) / cos (pi / P)
 *                      + d_abs SINE_AMP,
 * times GLIDE_MARGIN for what the model leaves out: the transients of a
 * filter whose coefficients ramp (masteq), rounding to F32.  Measured,
 * margin included: the storms reach about 0.5 of the bound (masteq,
 * mastercomp) and 0.77 (masterwiden: there the largest step is the sine's
 * own at the largest matrix, where W weighs least); the sine alone 0.43
 * to 0.63.
 *
 * An unglided change steps by the full change of the output amplitude at
 * once: for masteq the bound is 0.28 E, a step of 2.1 dB up or 2.8 dB down
 * at a peak of the sine, where the storm's steps are up to 48 dB.  With the
 * glides taken out of the dsp code (masteq's smoother set to 0 ms, which
 * still ramps over its 32-frame blocks; mastercomp's and masterwiden's
 * ramps to a single frame) these storms exceed the bound 1.3, 3.7 and 6.8
 * times. */
#define GLIDE_MARGIN 1.25

typedef struct
{
  gdouble ratio;                /* largest step / bound */
  gdouble step;                 /* largest step */
  gdouble rel;                  /* largest step / E */
} GlideResult;

static GlideResult
glide_measure (const GArray * out, const GlideConfig * g)
{
  const gfloat *y = (const gfloat *) out->data;
  gsize frames = out->len / CH, n;
  gdouble period = RATE / SINE_FREQ;
  guint H = (guint) (period / 4) + 1, ch;
  gdouble s1 = 2.0 * sin (G_PI * SINE_FREQ / RATE);
  gdouble d_rel = pow (10.0, g->v_db / 20.0) - 1.0;
  gdouble R = pow (10.0, g->v_db * H / 20.0);
  gdouble W = H * g->d_abs * SINE_AMP;
  gdouble c = cos (G_PI / period);
  GlideResult res = { 0.0, 0.0, 0.0 };

  for (ch = 0; ch < CH; ch++) {
    for (n = H; n + H + 1 < frames; n++) {
      gdouble d = fabs ((gdouble) y[(n + 1) * CH + ch] - y[n * CH + ch]);
      gdouble E = 0.0, b;
      gsize k;

      for (k = n - H; k <= n + H; k++)
        E = MAX (E, fabs (y[k * CH + ch]));
      b = GLIDE_MARGIN * ((s1 + d_rel) * R * (E + W) / c + g->d_abs * SINE_AMP);
      res.ratio = MAX (res.ratio, d / b);
      res.step = MAX (res.step, d);
      if (E > 0.0)
        res.rel = MAX (res.rel, d / E);
    }
  }
  return res;
}

GST_START_TEST (test_glide)
{
  const GlideConfig *g = &glide_configs[__i__];
  guint32 seed = storm_seed () + 100 + __i__;
  GPtrArray *props = g_ptr_array_new_with_free_func (prop_free);
  GPtrArray *alive = g_ptr_array_new ();
  GlideResult base, storm;
  gchar *names;
  gint sets;
  Run r;

  /* the sine through the element at its initial settings */
  run_start (&r, g->name, g->desc, SIGNAL_SINE, TRUE);
  run_play (&r);
  watch (&r, NULL, g_get_monotonic_time () + BASELINE_TIME_US, FALSE, 0);
  fail_unless (gst_element_send_event (r.pipe, gst_event_new_eos ()));
  watch (&r, NULL, 0, TRUE, g_get_monotonic_time ());
  run_check (&r);
  base = glide_measure (r.out, g);
  run_free (&r);

  /* the same with the gliding properties stormed */
  run_start (&r, g->name, g->desc, SIGNAL_SINE, TRUE);
  stress_watch_objects (alive, G_OBJECT (r.el), g->name);
  gather (props, G_OBJECT (r.el), NULL, g->only, NULL);
  fail_unless (props->len == g_strv_length ((gchar **) g->only),
      "%s: %u of the gliding properties found", g->name, props->len);
  sets = storm_through_eos (&r, props, seed, GLIDE_TIME_US);
  run_check (&r);
  fail_unless (r.frames_out == r.frames_in && r.frames_in > 0);
  storm = glide_measure (r.out, g);

  names = g_strjoinv (", ", (gchar **) g->only);
  g_print ("glide %s (seed %u): %d sets of %s over %.1f s of a -20 dBFS "
      "1 kHz sine: largest step %.4f = %.3f of the local amplitude = %.2f "
      "of the bound (no storm: %.4f = %.3f, %.2f of the bound)\n", g->name,
      seed, sets, names, (gdouble) r.frames_out / RATE, storm.step, storm.rel,
      storm.ratio, base.step, base.rel, base.ratio);
  g_free (names);
  fail_unless (storm.ratio <= 1.0, "%s: a step of %.4f (%.3f of the local "
      "amplitude) is %.2f times the bound a %s glide allows", g->name,
      storm.step, storm.rel, storm.ratio, g->name);
  fail_unless (base.ratio <= 1.0);

  run_free (&r);
  g_ptr_array_unref (props);
  stress_check_finalized (alive);
}

GST_END_TEST;

static Suite *
storm_suite (void)
{
  Suite *s = suite_create ("storm");
  TCase *tc = tcase_create ("general");

  /* the source and its programme, shared by every test */
  music = stress_music_f32 (MUSIC_FRAMES, CH, RATE);
  gst_element_register (NULL, "stresssrc", GST_RANK_NONE,
      stress_src_get_type ());

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_storm, 0, G_N_ELEMENTS (storm_configs));
  tcase_add_loop_test (tc, test_glide, 0, G_N_ELEMENTS (glide_configs));
  return s;
}

GST_CHECK_MAIN (storm);
