/* gst-mastering benchmark: the EBU R128 meter against libebur128.
 *
 *   meson test -C build --benchmark [--verbose]
 *
 * Synthesises 10 minutes (MST_BENCH_SECONDS overrides) of the music-like
 * 48 kHz stereo programme of tools/synth.h as F32 in memory, then measures
 * the same samples, in blocks of 4096 frames, with
 *  (a) the `loudnorm` element, mode=measure, interval 100 ms, in a
 *      GstHarness (buffers wrap the samples: no copies), bus messages
 *      popped as they come;
 *  (b) libebur128 with EBUR128_MODE_I | EBUR128_MODE_LRA |
 *      EBUR128_MODE_TRUE_PEAK (ebur128_add_frames_float);
 *  (c) the dsp meters directly (mst_loudness_add_f32 and
 *      mst_truepeak_add_f32).
 * and prints x-realtime (audio duration / time, on the thread's CPU time
 * and on the wall clock) and the measured I, LRA and true peak side by
 * side.  All three run in this thread, one after the other.
 *
 * Exit status 1 when a meter cannot run or the figures disagree: the
 * element and the dsp calls must give the same numbers, and the
 * integrated loudness must match libebur128 within 0.1 LU.  libebur128's
 * true-peak interpolator rolls off early and reads the peaks of this
 * programme's hi-hat lower; the true peaks are shown, not compared.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loudness.h"
#include "truepeak.h"
#include "bench-common.h"
#include "synth.h"

#define RATE 48000
#define CHANNELS 2
#define BLOCK 4096
#define SEED 1

typedef struct
{
  const gchar *name;
  gdouble cpu_s;
  gdouble wall_s;
  gdouble integrated;
  gdouble range;
  gdouble true_peak;
} Result;

typedef struct
{
  gdouble cpu;
  gint64 wall;
} Stamp;

static void
stamp (Stamp * s)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  s->cpu = ts.tv_sec + ts.tv_nsec * 1e-9;
  s->wall = g_get_monotonic_time ();
}

static void
elapsed (const Stamp * a, Result * r)
{
  Stamp b;

  stamp (&b);
  r->cpu_s = b.cpu - a->cpu;
  r->wall_s = (b.wall - a->wall) * 1e-6;
}

/* (a) the element in a GstHarness */
static gboolean
run_element (const gfloat * x, gsize frames, Result * r)
{
  GstHarness *h;
  GstBus *bus;
  GstStructure *final = NULL;
  Stamp t0;
  gsize done;
  gboolean ok = FALSE;

  r->name = "loudnorm element (GstHarness)";
  h = gst_harness_new ("loudnorm");
  if (!h || !h->element)
    return FALSE;
  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "measure");
  g_object_set (h->element, "interval", (guint64) (100 * GST_MSECOND), NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)48000, channels=(int)2, "
      "channel-mask=(bitmask)0x3");

  stamp (&t0);
  for (done = 0; done < frames; done += BLOCK) {
    gsize n = MIN (BLOCK, frames - done);
    gsize bytes = n * CHANNELS * sizeof (gfloat);
    GstBuffer *buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
        (gpointer) (x + done * CHANNELS), bytes, 0,
        bytes, NULL, NULL);
    GstMessage *msg;

    GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (done, GST_SECOND, RATE);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (n, GST_SECOND, RATE);
    if (gst_harness_push (h, buf) != GST_FLOW_OK)
      goto done;
    gst_buffer_unref (gst_harness_pull (h));
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)))
      gst_message_unref (msg);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  elapsed (&t0, r);

  {
    GstMessage *msg;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
      const GstStructure *s = gst_message_get_structure (msg);
      gboolean is_final = FALSE;
      if (gst_structure_has_name (s, "loudnorm")
          && gst_structure_get_boolean (s, "final", &is_final) && is_final) {
        if (final)
          gst_structure_free (final);
        final = gst_structure_copy (s);
      }
      gst_message_unref (msg);
    }
  }
  if (final
      && gst_structure_get_double (final, "integrated-loudness", &r->integrated)
      && gst_structure_get_double (final, "loudness-range", &r->range)
      && gst_structure_get_double (final, "max-true-peak", &r->true_peak))
    ok = TRUE;

done:
  if (final)
    gst_structure_free (final);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  return ok;
}

/* (b) libebur128 */
static gboolean
run_libebur128 (const gfloat * x, gsize frames, Result * r)
{
  ebur128_state *st;
  Stamp t0;
  gsize done;
  guint c;
  gboolean ok = TRUE;

  r->name = "libebur128 (I | LRA | TRUE_PEAK)";
  stamp (&t0);
  st = ebur128_init (CHANNELS, RATE,
      EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK);
  if (!st)
    return FALSE;
  for (done = 0; done < frames; done += BLOCK)
    ok &= ebur128_add_frames_float (st, x + done * CHANNELS,
        MIN (BLOCK, frames - done))
        == EBUR128_SUCCESS;
  ok &= ebur128_loudness_global (st, &r->integrated) == EBUR128_SUCCESS;
  ok &= ebur128_loudness_range (st, &r->range) == EBUR128_SUCCESS;
  r->true_peak = -INFINITY;
  for (c = 0; c < CHANNELS; c++) {
    gdouble tp;
    ok &= ebur128_true_peak (st, c, &tp) == EBUR128_SUCCESS;
    r->true_peak = MAX (r->true_peak, mst_lin_to_db (tp));
  }
  ebur128_destroy (&st);
  elapsed (&t0, r);
  return ok;
}

/* (c) the dsp meters, called directly */
static gboolean
run_dsp (const gfloat * x, gsize frames, Result * r)
{
  MstLoudness *m;
  MstTruePeak *tp;
  Stamp t0;
  gsize done;
  guint c;

  r->name = "dsp (mst_loudness + mst_truepeak)";
  mst_dsp_init ();
  stamp (&t0);
  m = mst_loudness_new (RATE, CHANNELS);
  tp = mst_truepeak_new (RATE, CHANNELS);
  if (!m || !tp) {
    mst_loudness_free (m);
    mst_truepeak_free (tp);
    return FALSE;
  }
  for (done = 0; done < frames; done += BLOCK) {
    gsize n = MIN (BLOCK, frames - done);
    mst_loudness_add_f32 (m, x + done * CHANNELS, n);
    mst_truepeak_add_f32 (tp, x + done * CHANNELS, n);
  }
  r->integrated = mst_loudness_integrated (m);
  r->range = mst_loudness_range (m);
  r->true_peak = -INFINITY;
  for (c = 0; c < CHANNELS; c++)
    r->true_peak = MAX (r->true_peak, mst_lin_to_db (mst_truepeak_max (tp, c)));
  mst_loudness_free (m);
  mst_truepeak_free (tp);
  elapsed (&t0, r);
  return TRUE;
}

static void
print_result (const Result * r, gdouble seconds)
{
  g_print ("%-34s %9.1fx %9.1fx %9.2f %8.2f %9.2f\n", r->name,
      seconds / r->cpu_s, seconds / r->wall_s, r->integrated, r->range,
      r->true_peak);
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  guint seconds = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 600;
  const gchar *orc_code = g_getenv ("ORC_CODE");
  gsize frames;
  gfloat *x;
  Result el, eb, dsp;
  gint ret = 0;

  gst_init (&argc, &argv);
  if (seconds == 0)
    seconds = 600;
  frames = (gsize) seconds *RATE;

  g_print ("bench-loudnorm: %u s of %d Hz stereo F32 music-like programme "
      "(tools/synth.h, seed %d), blocks of %d frames\n",
      seconds, RATE, SEED, BLOCK);
  g_print ("ORC: %s%s%s\n",
      MST_BENCH_ORC ? "enabled"
      : "disabled "
      "(-Dorc=disabled)",
      orc_code ? ", ORC_CODE=" : "", orc_code ? orc_code : "");

  x = bench_music_f32 (frames, CHANNELS, RATE, SEED);
  if (!x) {
    g_printerr ("bench-loudnorm: cannot synthesise %u s (out of memory)\n",
        seconds);
    return 1;
  }

  if (!run_element (x, frames, &el)) {
    g_printerr ("bench-loudnorm: the loudnorm element did not run or "
        "posted no final message (GST_PLUGIN_PATH?)\n");
    g_free (x);
    return 1;
  }
  if (!run_libebur128 (x, frames, &eb) || !run_dsp (x, frames, &dsp)) {
    g_printerr ("bench-loudnorm: a meter failed\n");
    g_free (x);
    return 1;
  }
  g_free (x);

  g_print ("\n%-34s %10s %10s %9s %8s %9s\n", "meter", "x-rt (cpu)",
      "x-rt(wall)", "I (LUFS)", "LRA (LU)", "TP (dBTP)");
  print_result (&el, seconds);
  print_result (&dsp, seconds);
  print_result (&eb, seconds);
  g_print ("\nloudnorm element vs libebur128: %.1fx faster (CPU time), "
      "goal >= 3x\n", eb.cpu_s / el.cpu_s);
  g_print ("dsp calls vs libebur128:        %.1fx faster (CPU time)\n",
      eb.cpu_s / dsp.cpu_s);

  if (fabs (el.integrated - dsp.integrated) > 1e-9
      || fabs (el.range - dsp.range) > 1e-9
      || fabs (el.true_peak - dsp.true_peak) > 1e-9) {
    g_printerr ("bench-loudnorm: the element and the dsp calls disagree\n");
    ret = 1;
  }
  if (fabs (el.integrated - eb.integrated) > 0.1) {
    g_printerr ("bench-loudnorm: integrated loudness differs from "
        "libebur128 by %.3f LU (> 0.1)\n", el.integrated - eb.integrated);
    ret = 1;
  }
  return ret;
}
