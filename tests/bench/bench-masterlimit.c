/* gst-mastering benchmark: masterlimit against ffmpeg alimiter and LSP
 * Limiter Stereo.
 *
 *   meson test -C build --benchmark bench-masterlimit --verbose
 *
 * Synthesises 10 minutes (MST_BENCH_SECONDS overrides) of the music-like
 * 48 kHz stereo programme of tools/synth.h with its sample peak at
 * +6 dBFS (so every limiter works hard), stores it as raw F32 in a
 * temporary directory and runs, one after the other on this machine:
 *  (a) masterlimit, defaults (ceiling -1 dBTP, true peak on = 4x
 *      detection, lookahead 5 ms, auto release), in a pipeline
 *      filesrc ! rawaudioparse ! audioconvert ! masterlimit ! audioconvert
 *      ! filesink;
 *  (b) the dsp core alone (mst_limiter_process_f32 on memory);
 *  (c) LSP Limiter Stereo through the lv2 element, enabled=true ovs=15
 *      (4x oversampling), th=-1 dB, lookahead 5 ms, release 20 ms (its
 *      longest), in the
 *      same pipeline;
 *  (d) ffmpeg alimiter (sample peak only), limit=-1 dB, attack 5 ms,
 *      release 150 ms, level=disabled, raw f32 in and out.
 * Prints x-realtime (audio duration / CPU time of the pipeline's process,
 * or of the ffmpeg child; the wall clock too) and each output's true
 * peak relative to the -1 dBTP ceiling: by the BS.1770-4 meter
 * (dsp/truepeak.c, 4x) over the whole output and by the 16x reference
 * meter (tests/common/refpeak.c) over the first 60 s.  A peer that is not
 * installed prints "peer not available, skipped".
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <glib/gstdio.h>

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "limiter.h"
#include "truepeak.h"
#include "refpeak.h"
#include "bench-common.h"
#include "synth.h"

#define RATE 48000
#define CHANNELS 2
#define CEILING_DB -1.0
#define REF_SECONDS 60

static gdouble last_wall;

static void
report (const gchar * name, gdouble secs, gdouble wall, const gchar * path)
{
  gchar *data = NULL;
  gsize len = 0, frames;
  MstTruePeak *tp;
  gdouble m = 0.0, r = 0.0;
  guint c;

  if (wall <= 0.0 || !g_file_get_contents (path, &data, &len, NULL)) {
    g_print ("%-34s failed\n", name);
    return;
  }
  frames = len / (sizeof (gfloat) * CHANNELS);
  tp = mst_truepeak_new (RATE, CHANNELS);
  mst_truepeak_add_f32 (tp, (const gfloat *) data, frames);
  mst_truepeak_add_silence (tp, mst_truepeak_latency (tp));
  for (c = 0; c < CHANNELS; c++) {
    m = MAX (m, mst_truepeak_max (tp, c));
    r = MAX (r, mst_refpeak_f32 ((const gfloat *) data,
            MIN (frames, (gsize) REF_SECONDS * RATE), CHANNELS, c));
  }
  mst_truepeak_free (tp);
  g_print ("%-32s %6.0fx realtime (CPU; wall %5.0fx)   true peak vs "
      "ceiling: BS.1770 %+.3f dB, 16x ref (first %d s) %+.3f dB\n", name,
      secs / wall, secs / last_wall,
      20 * log10 (m) - CEILING_DB, REF_SECONDS, 20 * log10 (r) - CEILING_DB);
  g_free (data);
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  gdouble secs = env ? g_ascii_strtod (env, NULL) : 600.0;
  gsize frames = (gsize) (secs * RATE), i;
  gdouble *x = g_new (gdouble, frames * CHANNELS);
  gfloat *xf = g_new (gfloat, frames * CHANNELS);
  gchar *dir = g_dir_make_tmp ("bench-masterlimit-XXXXXX", NULL);
  gchar *in = g_build_filename (dir, "in.raw", NULL);
  gchar *out = g_build_filename (dir, "out.raw", NULL);
  const gchar *parse = "rawaudioparse use-sink-caps=false format=pcm "
      "pcm-format=f32le sample-rate=48000 num-channels=2";
  gchar *desc, *ffmpeg;
  gdouble wall;
  MstLimiter *lim;

  gst_init (&argc, &argv);
  mst_dsp_init ();
  g_print ("masterlimit benchmark: %.0f s of 48 kHz stereo music, sample "
      "peak +6 dBFS, ceiling %.1f dBTP\n", secs, CEILING_DB);

  mst_synth_music_f64 (x, frames, CHANNELS, RATE, 6.0, 1);
  mst_synth_to_f32 (xf, x, frames * CHANNELS);
  g_free (x);
  if (!g_file_set_contents (in, (const gchar *) xf,
          frames * CHANNELS * sizeof (gfloat), NULL)) {
    g_printerr ("cannot write %s\n", in);
    return 1;
  }

  /* (a) the element */
  desc = g_strdup_printf ("filesrc location=%s blocksize=32768 ! %s ! "
      "audioconvert ! masterlimit ceiling=%g ! audioconvert ! "
      "filesink location=%s", in, parse, CEILING_DB, out);
  wall = bench_run_pipeline (desc, &last_wall);
  g_free (desc);
  report ("masterlimit (true-peak, 4x)", secs, wall, out);

  /* (b) the dsp core on memory */
  lim = mst_limiter_new (RATE, CHANNELS, 5.0);
  mst_limiter_set_ceiling (lim, CEILING_DB);
  {
    gdouble t0 = bench_now_s (), c0 = bench_cpu_s (RUSAGE_SELF);
    for (i = 0; i < frames; i += 4096)
      mst_limiter_process_f32 (lim, xf + i * CHANNELS, xf + i * CHANNELS,
          MIN (4096, frames - i));
    wall = bench_cpu_s (RUSAGE_SELF) - c0;
    last_wall = bench_now_s () - t0;
  }
  mst_limiter_free (lim);
  g_print ("%-32s %6.0fx realtime (CPU; wall %5.0fx)\n",
      "dsp core (mst_limiter_process)", secs / wall, secs / last_wall);

  /* (c) LSP Limiter Stereo, 4x oversampling */
  {
    GstElementFactory *f =
        gst_element_factory_find ("lsp-plug-in-plugins-lv2-limiter-stereo");
    if (!f) {
      g_print ("%-34s peer not available, skipped\n", "LSP Limiter Stereo");
    } else {
      gst_object_unref (f);
      desc = g_strdup_printf ("filesrc location=%s blocksize=32768 ! %s ! "
          "audioconvert ! lsp-plug-in-plugins-lv2-limiter-stereo "
          "enabled=true ovs=15 th=%f lk=5 rt=20 ! audioconvert ! "
          "audio/x-raw,format=F32LE,layout=interleaved ! "
          "filesink location=%s", in, parse, pow (10.0, CEILING_DB / 20.0),
          out);
      wall = bench_run_pipeline (desc, &last_wall);
      g_free (desc);
      report ("LSP Limiter Stereo (ovs=15, 4x)", secs, wall, out);
    }
  }

  /* (d) ffmpeg alimiter */
  ffmpeg = g_find_program_in_path ("ffmpeg");
  if (!ffmpeg) {
    g_print ("%-34s peer not available, skipped\n", "ffmpeg alimiter");
  } else {
    gchar *cmd = g_strdup_printf ("%s -nostdin -hide_banner -loglevel error "
        "-y -f f32le -ar 48000 -ac 2 -i %s -af alimiter=limit=%f:attack=5:"
        "release=150:level=disabled -f f32le %s", ffmpeg, in,
        pow (10.0, CEILING_DB / 20.0), out);
    gint status = -1;
    gdouble t0 = bench_now_s (), c0 = bench_cpu_s (RUSAGE_CHILDREN);
    if (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) &&
        status == 0)
      wall = bench_cpu_s (RUSAGE_CHILDREN) - c0;
    else
      wall = -1.0;
    last_wall = bench_now_s () - t0;
    report ("ffmpeg alimiter (sample peak)", secs, wall, out);
    g_free (cmd);
    g_free (ffmpeg);
  }

  g_unlink (in);
  g_unlink (out);
  g_rmdir (dir);
  g_free (in);
  g_free (out);
  g_free (dir);
  g_free (xf);
  return 0;
}
