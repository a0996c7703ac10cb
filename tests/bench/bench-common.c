/* gst-mastering benchmarks: the helpers every benchmark shares. */
#include "bench-common.h"

#include <gst/gst.h>
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
