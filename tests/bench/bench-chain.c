/* gst-mastering benchmark: the whole mastering chain, file to file.
 *
 *   meson test -C build --benchmark bench-chain --verbose
 *
 * Synthesises 10 minutes (MST_BENCH_SECONDS overrides) of the music-like
 * 48 kHz stereo programme of tools/synth.h, writes it as a 24-bit WAV in a
 * temporary directory and runs, one after the other, each as a child
 * process writing a 24-bit WAV:
 *  (a) gst-master IN OUT (preset streaming, both passes: analysis, render
 *      through automaster, measurement of the written file);
 *  (b) ffmpeg -af "equalizer x5, acompressor, stereotools, alimiter,
 *      loudnorm" (one-pass loudnorm, resampled back to 48 kHz);
 *  (c) gst-launch-1.0 with the LSP chain (lv2 elements): Parametric
 *      Equalizer x16 Stereo (5 bells), Compressor Stereo, Limiter Stereo
 *      with 4x oversampling (no loudness normalisation).
 * Prints x-realtime on the CPU time of the child (user + system, all its
 * threads) and on the wall clock, and gst-master's speed against each
 * peer (goal: at least 2x the LSP chain and 7x the ffmpeg chain).  A peer
 * that is not installed prints "peer not available, skipped".
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <glib/gstdio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-common.h"
#include "synth.h"
#include "wavwrite.h"

#define RATE 48000
#define CHANNELS 2

/* Runs argv; returns the child's CPU seconds (wall seconds in *wall), or
 * < 0 when it failed.  stdout is kept in *out when out is not NULL. */
static gdouble
run (const gchar * const *argv, gdouble * wall, gchar ** out)
{
  gdouble t0 = bench_now_s (), c0 = bench_cpu_s (RUSAGE_CHILDREN);
  gchar *err = NULL;
  gint status = 0;
  gboolean ok;

  ok = g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
      NULL, out, &err, &status, NULL);
  *wall = bench_now_s () - t0;
  /* gst-master exits 4 when a target is missed: the timing still counts */
  if (!ok || !WIFEXITED (status) || (WEXITSTATUS (status) != 0
          && WEXITSTATUS (status) != 4)) {
    g_printerr ("%s failed:\n%s\n", argv[0], err ? err : "");
    g_free (err);
    return -1.0;
  }
  g_free (err);
  return bench_cpu_s (RUSAGE_CHILDREN) - c0;
}

static void
report (const gchar * name, gdouble seconds, gdouble cpu, gdouble wall)
{
  if (cpu <= 0.0)
    g_print ("%-44s failed\n", name);
  else
    g_print ("%-44s %6.0fx realtime (CPU; wall %5.0fx)\n", name,
        seconds / cpu, seconds / wall);
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  const gchar *tool = g_getenv ("GST_MASTER");
  gdouble seconds = env ? g_ascii_strtod (env, NULL) : 600.0;
  gsize frames;
  gdouble *x;
  gchar *dir, *in, *out;
  gdouble master = -1, ffmpeg = -1, lsp = -1, wall;
  gchar *ffbin;

  gst_init (&argc, &argv);
  if (!tool) {
    g_printerr ("GST_MASTER (the gst-master binary) is not set\n");
    return 1;
  }
  if (seconds < 10)
    seconds = 10;
  frames = (gsize) (seconds * RATE);
  x = g_new (gdouble, frames * CHANNELS);
  if (mst_synth_music_f64 (x, frames, CHANNELS, RATE, -3.0, 20260301) != 0) {
    g_printerr ("synthesis failed\n");
    return 1;
  }
  dir = g_dir_make_tmp ("bench-chain-XXXXXX", NULL);
  in = g_build_filename (dir, "in.wav", NULL);
  out = g_build_filename (dir, "out.wav", NULL);
  if (!dir || mst_wav_write (in, x, frames, CHANNELS, RATE, 24) != 0) {
    g_printerr ("cannot write the input\n");
    return 1;
  }
  g_free (x);

  g_print ("Whole mastering chain on %.0f s of 48 kHz stereo music "
      "(24-bit WAV in and out)\n\n", seconds);

  /* (a) gst-master, both passes */
  {
    const gchar *a[] = { tool, in, out, NULL };
    gchar *text = NULL;

    master = run (a, &wall, &text);
    report ("gst-master (analysis + automaster + check)", seconds, master,
        wall);
    if (master > 0 && text) {
      gchar **lines = g_strsplit (text, "\n", -1);
      guint i;

      for (i = 0; lines[i]; i++)
        if (strstr (lines[i], "Integrated") || strstr (lines[i], "True peak")
            || strstr (lines[i], "Result"))
          g_print ("    %s\n", g_strstrip (lines[i]));
      g_strfreev (lines);
    }
    g_free (text);
    g_unlink (out);
  }

  /* (b) the ffmpeg chain */
  ffbin = g_find_program_in_path ("ffmpeg");
  if (!ffbin) {
    g_print ("%-44s peer not available, skipped\n", "ffmpeg chain");
  } else {
    const gchar *a[] = { ffbin, "-nostdin", "-hide_banner", "-loglevel",
      "error", "-y", "-i", in, "-af",
      "equalizer=f=60:t=q:w=0.7:g=1,equalizer=f=250:t=q:w=0.7:g=-1,"
          "equalizer=f=1000:t=q:w=0.7:g=1,equalizer=f=4000:t=q:w=0.7:g=-1,"
          "equalizer=f=12000:t=q:w=0.7:g=1,"
          "acompressor=threshold=0.125:ratio=3:attack=10:release=150,"
          "stereotools=slev=1.2,alimiter=limit=0.89:level=disabled,"
          "loudnorm=I=-14:TP=-1:LRA=11",
      "-ar", "48000", "-c:a", "pcm_s24le", out, NULL
    };
    ffmpeg = run (a, &wall, NULL);
    report ("ffmpeg eq x5, acompressor, stereotools, alimiter, loudnorm",
        seconds, ffmpeg, wall);
    g_unlink (out);
    g_free (ffbin);
  }

  /* (c) the LSP chain in gst-launch-1.0 */
  if (!bench_have_element ("lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo")
      || !bench_have_element ("lsp-plug-in-plugins-lv2-compressor-stereo")
      || !bench_have_element ("lsp-plug-in-plugins-lv2-limiter-stereo")
      || !g_find_program_in_path ("gst-launch-1.0")) {
    g_print ("%-44s peer not available, skipped\n", "LSP chain");
  } else {
    gchar *loc_in = g_strdup_printf ("location=%s", in);
    gchar *loc_out = g_strdup_printf ("location=%s", out);
    const gchar *a[] = { "gst-launch-1.0", "-q", "filesrc", loc_in, "!",
      "wavparse", "!", "audioconvert", "!",
      "lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo", "enabled=true",
      "ft-0=1", "f-0=60", "g-0=1.122", "q-0=0.7", "ft-1=1", "f-1=250",
      "g-1=0.891", "q-1=0.7", "ft-2=1", "f-2=1000", "g-2=1.122", "q-2=0.7",
      "ft-3=1", "f-3=4000", "g-3=0.891", "q-3=0.7", "ft-4=1", "f-4=12000",
      "g-4=1.122", "q-4=0.7", "!",
      "lsp-plug-in-plugins-lv2-compressor-stereo", "enabled=true", "!",
      "lsp-plug-in-plugins-lv2-limiter-stereo", "enabled=true", "ovs=15",
      "th=0.891", "lk=5", "!", "audioconvert", "!",
      "audio/x-raw,format=S24LE", "!", "wavenc", "!", "filesink", loc_out,
      NULL
    };
    lsp = run (a, &wall, NULL);
    report ("LSP eq, compressor, limiter 4x (gst-launch)", seconds, lsp, wall);
    g_unlink (out);
    g_free (loc_in);
    g_free (loc_out);
  }

  g_print ("\n");
  if (master > 0 && lsp > 0)
    g_print ("gst-master / LSP chain:    %.2fx (goal >= 2x)\n", lsp / master);
  if (master > 0 && ffmpeg > 0)
    g_print ("gst-master / ffmpeg chain: %.2fx (goal >= 7x)\n",
        ffmpeg / master);

  g_unlink (in);
  g_rmdir (dir);
  g_free (in);
  g_free (out);
  g_free (dir);
  return master > 0 ? 0 : 1;
}
