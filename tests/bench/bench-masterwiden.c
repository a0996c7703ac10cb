/* gst-mastering benchmark: masterwiden against ffmpeg stereotools.
 *
 *   meson test -C build --benchmark bench-masterwiden [--verbose]
 *
 * Synthesises 10 minutes (MST_BENCH_SECONDS overrides) of the music-like
 * 48 kHz stereo programme of tools/synth.h as F32 in memory, then runs, one
 * after the other in the same process:
 *  (a) masterwiden width=1.5 (one ORC pass + the meter), with
 *      mono-bass=120, with mono-bass=120 safe-width=true, and at neutral
 *      settings (passthrough + meter), each in a GstHarness with 4096-frame
 *      buffers wrapping a private, writable copy of the samples made before
 *      the clock starts (the element works in place);
 *  (b) ffmpeg -af stereotools=slev=1.5 on the same samples written to a
 *      raw F32 file, measured as the child's CPU time (whole command, as
 *      the issue measures it); `-af anull` is measured too and the
 *      difference (the filter alone) printed for reference.
 * x-realtime = audio duration / CPU time (harness: this thread's CPU time).
 * When ffmpeg is not installed it prints "peer not available, skipped".
 * Goals (the issue): width >= 5x ffmpeg stereotools, mono-bass within 2x of
 * plain width.  Exit status 1 only when masterwiden itself cannot run.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench-common.h"
#include "synth.h"

#define RATE 48000
#define CHANNELS 2
#define BLOCK 4096
#define SEED 1

static void
report (const gchar * name, gdouble secs, gdouble audio)
{
  if (secs < 0)
    printf ("  %-46s peer not available, skipped\n", name);
  else
    printf ("  %-46s %8.1fx realtime  (%.3f s CPU)\n", name, audio / secs,
        secs);
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  gdouble seconds = env ? g_ascii_strtod (env, NULL) : 600.0;
  gsize frames = (gsize) (seconds * RATE);
  gfloat *x;
  gdouble w, mb, safe, neutral, ff = -1, ffnull = -1, ffnet = -1;
  gchar *ffmpeg;

  gst_init (&argc, &argv);
  x = bench_music_f32 (frames, CHANNELS, RATE, SEED);
  if (!x) {
    fprintf (stderr, "cannot synthesise the programme\n");
    return 1;
  }
  printf ("masterwiden benchmark: %.0f s of 48 kHz stereo F32 music\n",
      seconds);

  w = bench_harness_run ("masterwiden width=1.5", x, frames, TRUE);
  mb = bench_harness_run ("masterwiden width=1.5 mono-bass=120", x, frames,
      TRUE);
  safe = bench_harness_run ("masterwiden width=1.5 mono-bass=120 "
      "safe-width=true", x, frames, TRUE);
  neutral = bench_harness_run ("masterwiden", x, frames, TRUE);
  if (w < 0 || mb < 0 || safe < 0 || neutral < 0) {
    fprintf (stderr, "masterwiden cannot run\n");
    g_free (x);
    return 1;
  }

  ffmpeg = g_find_program_in_path ("ffmpeg");
  if (ffmpeg) {
    gchar *dir = g_dir_make_tmp ("bench-masterwiden-XXXXXX", NULL);
    gchar *file = dir ? g_build_filename (dir, "music.f32", NULL) : NULL;

    if (file && g_file_set_contents (file, (const gchar *) x,
            frames * CHANNELS * sizeof (gfloat), NULL)) {
      ff = bench_ffmpeg_raw (ffmpeg, file, "stereotools=slev=1.5");
      ffnull = bench_ffmpeg_raw (ffmpeg, file, "anull");
      if (ff > 0 && ffnull > 0 && ff > ffnull)
        ffnet = ff - ffnull;
      g_unlink (file);
    }
    if (dir)
      g_rmdir (dir);
    g_free (file);
    g_free (ffmpeg);
  }

  report ("masterwiden width=1.5", w, seconds);
  report ("masterwiden width=1.5 mono-bass=120", mb, seconds);
  report ("masterwiden ... mono-bass=120 safe-width=true", safe, seconds);
  report ("masterwiden neutral (passthrough + meter)", neutral, seconds);
  report ("ffmpeg stereotools=slev=1.5 (whole command)", ff, seconds);
  report ("ffmpeg stereotools (filter: minus anull)", ffnet, seconds);

  printf ("goals:\n");
  if (ff > 0)
    printf ("  width vs ffmpeg stereotools: %.2fx (goal >= 5x): %s\n",
        ff / w, ff / w >= 5.0 ? "met" : "NOT met");
  else
    printf ("  width vs ffmpeg stereotools: peer not available, skipped\n");
  printf ("  mono-bass cost vs plain width: %.2fx (goal <= 2x): %s\n",
      mb / w, mb / w <= 2.0 ? "met" : "NOT met");

  g_free (x);
  return 0;
}
