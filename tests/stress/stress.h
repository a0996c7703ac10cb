/* gst-mastering stress tests: shared helpers (GstHarness around one
 * element, a bus to catch warnings, pushing and collecting, checks on
 * interleaved F32/F64 output).  Header-only: static inline functions. */
#ifndef MST_STRESS_H
#define MST_STRESS_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>

#include <math.h>
#include <string.h>

#include "childargs.h"
#include "refpeak.h"
#include "synth.h"

/* Output of a run: every sample as double, interleaved. */
typedef struct
{
  GstHarness *h;
  GstBus *bus;
  gboolean f64;
  guint rate, channels, bpf;
  GArray *out;                  /* gdouble */
  guint64 frames_in;
  guint warnings, errors;
} StressRun;

static inline gchar *
stress_caps (gboolean f64, guint rate, guint channels)
{
  /* channel-mask 0: unpositioned channels, valid for any count */
  return g_strdup_printf ("audio/x-raw, format=%s, rate=%u, channels=%u, "
      "layout=interleaved%s", f64 ? GST_AUDIO_NE (F64) : GST_AUDIO_NE (F32),
      rate, channels, channels > 2 ? ", channel-mask=(bitmask)0" : "");
}

/* A harness around element e (takes the reference, floating or not),
 * with its own bus. */
static inline void
stress_start (StressRun * r, GstElement * e, gboolean f64, guint rate,
    guint channels)
{
  gchar *caps = stress_caps (f64, rate, channels);

  memset (r, 0, sizeof (*r));
  r->f64 = f64;
  r->rate = rate;
  r->channels = channels;
  r->bpf = channels * (f64 ? 8 : 4);
  r->out = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->bus = gst_bus_new ();
  gst_object_ref_sink (e);
  gst_element_set_bus (e, r->bus);
  r->h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (r->h, caps);
  g_free (caps);
}

/* Counts warnings and errors on the bus so far. */
static inline void
stress_poll_bus (StressRun * r)
{
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (r->bus,
              GST_MESSAGE_WARNING | GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (m, &err, &dbg);
      r->warnings++;
    } else {
      gst_message_parse_error (m, &err, &dbg);
      r->errors++;
    }
    GST_INFO ("%s from %s: %s (%s)", GST_MESSAGE_TYPE_NAME (m),
        GST_MESSAGE_SRC_NAME (m), err->message, dbg ? dbg : "");
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      g_printerr ("error from %s: %s (%s)\n", GST_MESSAGE_SRC_NAME (m),
          err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (m);
  }
}

/* Pulls every output buffer available, appending its samples. */
static inline void
stress_pull (StressRun * r)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (r->h))) {
    GstMapInfo map;
    gsize i, n;

    gst_buffer_map (b, &map, GST_MAP_READ);
    fail_unless (map.size % r->bpf == 0, "output of %" G_GSIZE_FORMAT
        " bytes, not whole frames", map.size);
    n = map.size / (r->f64 ? 8 : 4);
    for (i = 0; i < n; i++) {
      gdouble v = r->f64 ? ((const gdouble *) map.data)[i] :
          ((const gfloat *) map.data)[i];
      g_array_append_val (r->out, v);
    }
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  stress_poll_bus (r);
}

/* Pushes frames (double samples converted to the format) with the given
 * timestamps and flags; NULL data: zeros. */
static inline GstFlowReturn
stress_push (StressRun * r, const gdouble * x, gsize frames, GstClockTime pts,
    GstClockTime dur, GstBufferFlags flags)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, frames * r->bpf, NULL);
  GstMapInfo map;
  GstFlowReturn ret;
  gsize i, n = frames * r->channels;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (i = 0; i < n; i++) {
    gdouble v = x ? x[i] : 0.0;
    if (r->f64)
      ((gdouble *) map.data)[i] = v;
    else
      ((gfloat *) map.data)[i] = (gfloat) v;
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = dur;
  GST_BUFFER_FLAG_SET (b, flags);
  ret = gst_harness_push (r->h, b);
  r->frames_in += frames;
  stress_pull (r);
  return ret;
}

static inline void
stress_eos (StressRun * r)
{
  fail_unless (gst_harness_push_event (r->h, gst_event_new_eos ()));
  stress_pull (r);
}

static inline void
stress_stop (StressRun * r)
{
  gst_harness_teardown (r->h);
  gst_bus_set_flushing (r->bus, TRUE);
  gst_object_unref (r->bus);
  g_array_free (r->out, TRUE);
}

static inline guint64
stress_frames_out (const StressRun * r)
{
  return r->out->len / r->channels;
}

/* Fails on a non-finite output sample; returns the sample peak. */
static inline gdouble
stress_check_finite (const StressRun * r, const gchar * what)
{
  const gdouble *v = (const gdouble *) r->out->data;
  gdouble m = 0.0;
  guint i;

  for (i = 0; i < r->out->len; i++) {
    fail_unless (isfinite (v[i]), "%s: output sample %u (frame %u) is %g",
        what, i, i / r->channels, v[i]);
    m = MAX (m, fabs (v[i]));
  }
  return m;
}

/* True peak of the output (16x reference meter), largest channel, dBTP. */
static inline gdouble
stress_true_peak_db (const StressRun * r)
{
  gdouble m = 0.0;
  guint ch;

  if (r->out->len == 0)
    return -INFINITY;
  for (ch = 0; ch < r->channels; ch++)
    m = MAX (m, mst_refpeak_f64 ((const gdouble *) r->out->data,
            stress_frames_out (r), r->channels, ch));
  return m > 0.0 ? 20.0 * log10 (m) : -INFINITY;
}

/* ---- pipelines of the churn and storm tests ---------------------------- */

/* CK_TIMEOUT_MULTIPLIER (the sanitizer run sets it), at least 1: scales
 * the tests' own deadlines as it scales check's. */
static inline gint64
stress_timeout_multiplier (void)
{
  const gchar *m = g_getenv ("CK_TIMEOUT_MULTIPLIER");

  return MAX (1, m ? g_ascii_strtoll (m, NULL, 10) : 1);
}

/* Sets the "child::property=value" words child_args (from
 * mst_childargs_split () of desc) on el and frees them. */
static inline void
stress_set_child_args (GstElement * el, gchar ** child_args, const gchar * desc)
{
  if (child_args[0]) {
    const gchar *bad;

    fail_unless (GST_IS_CHILD_PROXY (el), "%s: no children", desc);
    bad = mst_childargs_set (GST_CHILD_PROXY (el), child_args);
    fail_unless (bad == NULL, "%s: cannot set %s", desc, bad);
  }
  g_strfreev (child_args);
}

/* Launches "stresssrc <src_props> ! <desc> name=el ! <sink>" (stresssrc:
 * the test's own source element).  The "child::property=value" settings
 * of desc are made after the launch (childargs.h: GStreamer 1.22's parser
 * would leak a reference to each child). */
static inline GstElement *
stress_launch (const gchar * src_props, const gchar * desc, const gchar * sink)
{
  gchar **child_args, *plain = mst_childargs_split (desc, &child_args);
  gchar *line = g_strdup_printf ("stresssrc name=src %s ! %s name=el ! %s",
      src_props, plain, sink);
  GstElement *pipe, *el;
  GError *err = NULL;

  pipe = gst_parse_launch (line, &err);
  fail_unless (pipe != NULL && err == NULL, "%s: %s", line,
      err ? err->message : "?");
  el = gst_bin_get_by_name (GST_BIN (pipe), "el");
  stress_set_child_args (el, child_args, desc);
  gst_object_unref (el);
  g_free (plain);
  g_free (line);
  return pipe;
}

/* ---- bus ----------------------------------------------------------------- */

/* What a pipeline's bus said, collected by stress_bus_sync in the posting
 * threads under *lock (the run's own lock and condition: cond is
 * broadcast on an error and on EOS). */
typedef struct
{
  GMutex *lock;
  GCond *cond;
  gboolean eos;
  guint errors, warnings;
  gchar *error;                 /* the first error: "element: message" */
} StressBus;

/* A bus sync handler (data: a StressBus) that counts errors and warnings,
 * keeps the first error and notes EOS, dropping every message. */
static inline GstBusSyncReply
stress_bus_sync (GstBus * bus, GstMessage * m, gpointer data)
{
  StressBus *b = data;
  GError *err = NULL;

  g_mutex_lock (b->lock);
  switch (GST_MESSAGE_TYPE (m)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (m, &err, NULL);
      b->errors++;
      if (!b->error)
        b->error = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (m),
            err->message);
      g_cond_broadcast (b->cond);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (m, &err, NULL);
      GST_INFO ("warning from %s: %s", GST_MESSAGE_SRC_NAME (m), err->message);
      b->warnings++;
      break;
    case GST_MESSAGE_EOS:
      b->eos = TRUE;
      g_cond_broadcast (b->cond);
      break;
    default:
      break;
  }
  g_mutex_unlock (b->lock);
  g_clear_error (&err);
  gst_message_unref (m);
  return GST_BUS_DROP;
}

/* Collects the bus of pipe into b, which uses lock and cond. */
static inline void
stress_bus_attach (GstElement * pipe, StressBus * b, GMutex * lock,
    GCond * cond)
{
  GstBus *bus = gst_element_get_bus (pipe);

  b->lock = lock;
  b->cond = cond;
  gst_bus_set_sync_handler (bus, stress_bus_sync, b, NULL);
  gst_object_unref (bus);
}

/* Takes pipe to NULL (which must succeed at once) and lets go of its bus;
 * frees what the StressBus holds. */
static inline void
stress_bus_stop (GstElement * pipe, StressBus * b)
{
  GstBus *bus;

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  bus = gst_element_get_bus (pipe);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  g_clear_pointer (&b->error, g_free);
}

/* ---- leaks --------------------------------------------------------------- */

/* A weak pointer on an object of the element under test. */
typedef struct
{
  gpointer obj;                 /* NULL once finalized */
  gchar *path;
} StressWatched;

/* The path of child k of an object (c, from
 * gst_child_proxy_get_child_by_index ()) as launch lines spell it:
 * "prefix::name", or "name" without a prefix (free with g_free ()). */
static inline gchar *
stress_child_path (const gchar * prefix, GObject * c, guint k)
{
  gchar *name = GST_IS_OBJECT (c) ? gst_object_get_name (GST_OBJECT (c)) :
      g_strdup_printf ("%u", k);
  gchar *path = prefix ? g_strconcat (prefix, "::", name, NULL) : name;

  if (path != name)
    g_free (name);
  return path;
}

/* Weak pointers on o and, through GstChildProxy, its children. */
static inline void
stress_watch_objects (GPtrArray * list, GObject * o, const gchar * path)
{
  StressWatched *w = g_new0 (StressWatched, 1);

  w->obj = o;
  w->path = g_strdup (path);
  g_object_add_weak_pointer (o, &w->obj);
  g_ptr_array_add (list, w);
  if (GST_IS_CHILD_PROXY (o)) {
    guint k, nc = gst_child_proxy_get_children_count (GST_CHILD_PROXY (o));

    for (k = 0; k < nc; k++) {
      GObject *c = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (o),
          k);
      gchar *sub;

      if (!c)
        continue;
      sub = stress_child_path (path, c, k);
      stress_watch_objects (list, c, sub);
      g_free (sub);
      g_object_unref (c);
    }
  }
}

/* Once everything is released: fails on an object still alive (a
 * reference leaked); frees the list. */
static inline void
stress_check_finalized (GPtrArray * list)
{
  guint i;

  for (i = 0; i < list->len; i++) {
    StressWatched *w = g_ptr_array_index (list, i);

    fail_unless (w->obj == NULL, "%s is still alive (%u references) after "
        "the pipeline was released", w->path,
        w->obj ? ((GObject *) w->obj)->ref_count : 0);
    g_free (w->path);
    g_free (w);
  }
  g_ptr_array_unref (list);
}

/* ---- programme ----------------------------------------------------------- */

/* The stress sources' programme: tools/synth.h's music at -3 dBFS sample
 * peak (seed 20240611), interleaved F32 (free with g_free ()). */
static inline gfloat *
stress_music_f32 (gsize frames, guint channels, guint rate)
{
  gdouble *x = g_new (gdouble, frames * channels);
  gfloat *f = g_new (gfloat, frames * channels);
  gsize i;

  g_assert_cmpint (mst_synth_music_f64 (x, frames, channels, rate, -3.0,
          20240611), ==, 0);
  for (i = 0; i < frames * channels; i++)
    f[i] = (gfloat) x[i];
  g_free (x);
  return f;
}

#endif /* MST_STRESS_H */
