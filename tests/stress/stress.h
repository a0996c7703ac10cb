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

#include "refpeak.h"

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

#endif /* MST_STRESS_H */
