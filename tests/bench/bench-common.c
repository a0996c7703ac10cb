/* gst-mastering benchmarks: the helpers every benchmark shares. */
#include "bench-common.h"

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <string.h>
#include <time.h>

#include "synth.h"

gdouble
bench_now_s (void)
{
  return (gdouble) g_get_monotonic_time () / 1e6;
}

gdouble
bench_cpu_s (int who)
{
  struct rusage ru;

  getrusage (who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

gdouble
bench_thread_cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

gboolean
bench_have_element (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (!f)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

gfloat *
bench_music_f32 (gsize frames, guint channels, guint rate, guint64 seed)
{
  gsize n = frames * channels;
  gdouble *x = g_try_new (gdouble, n);
  gfloat *f = g_try_new (gfloat, n);

  if (!x || !f || mst_synth_music_f64 (x, frames, channels, rate, -1.0, seed)) {
    g_free (x);
    g_free (f);
    return NULL;
  }
  mst_synth_to_f32 (f, x, n);
  g_free (x);
  return f;
}

gdouble
bench_run_pipeline (const gchar * desc, gdouble * wall)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *m;
  gdouble t0, c0, t;

  if (!p) {
    g_printerr ("cannot build pipeline: %s\n", err ? err->message : "?");
    g_clear_error (&err);
    return -1.0;
  }
  bus = gst_element_get_bus (p);
  t0 = bench_now_s ();
  c0 = bench_cpu_s (RUSAGE_SELF);
  gst_element_set_state (p, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t = bench_cpu_s (RUSAGE_SELF) - c0;
  *wall = bench_now_s () - t0;
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error (m, &e, NULL);
    g_printerr ("pipeline error: %s\n", e->message);
    g_clear_error (&e);
    t = -1.0;
  }
  gst_message_unref (m);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return t;
}

gdouble
bench_ffmpeg_raw (const gchar * ffmpeg, const gchar * file, const gchar * af)
{
  const gchar *argv[] = { ffmpeg, "-nostdin", "-hide_banner", "-loglevel",
    "error", "-f", "f32le", "-ar", "48000", "-ac", "2", "-i", file,
    "-af", af, "-f", "null", "-", NULL
  };
  gint status = 0;
  gdouble t0 = bench_cpu_s (RUSAGE_CHILDREN);

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL,
          NULL, NULL, NULL, &status, NULL) || !g_spawn_check_wait_status
      (status, NULL))
    return -1.0;
  return bench_cpu_s (RUSAGE_CHILDREN) - t0;
}

gdouble
bench_harness_run (const gchar * launch, const gfloat * x, gsize frames,
    gboolean writable)
{
  const gsize block = 4096, channels = 2;
  const guint rate = 48000;
  gsize all = frames * channels * sizeof (gfloat), done;
  gfloat *copy = NULL;
  GstHarness *h;
  gdouble t0, t;

  if (writable && !(copy = g_try_malloc (all)))
    return -1.0;
  h = gst_harness_new_parse (launch);
  if (!h) {
    g_free (copy);
    return -1.0;
  }
  if (copy) {
    memcpy (copy, x, all);
    x = copy;
  }
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)48000, channels=(int)2, "
      "channel-mask=(bitmask)0x3");

  t0 = bench_thread_cpu_s ();
  for (done = 0; done < frames; done += block) {
    gsize n = MIN (block, frames - done);
    gsize bytes = n * channels * sizeof (gfloat);
    GstBuffer *buf = gst_buffer_new_wrapped_full (copy ? 0 :
        GST_MEMORY_FLAG_READONLY, (gpointer) (x + done * channels), bytes, 0,
        bytes, NULL, NULL);
    GstBuffer *out;

    GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (done, GST_SECOND, rate);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (n, GST_SECOND, rate);
    if (gst_harness_push (h, buf) != GST_FLOW_OK) {
      gst_harness_teardown (h);
      g_free (copy);
      return -1.0;
    }
    while ((out = gst_harness_try_pull (h)))
      gst_buffer_unref (out);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  t = bench_thread_cpu_s () - t0;
  gst_harness_teardown (h);
  g_free (copy);
  return t;
}
