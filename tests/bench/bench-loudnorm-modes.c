/* gst-mastering benchmark: loudnorm mode=file and mode=dynamic against
 * ffmpeg loudnorm (one-pass dynamic, and the two-pass linear workflow).
 *
 * Synthesises 10 minutes (MST_BENCH_SECONDS overrides) of the music-like
 * programme, 48 kHz stereo F32, sample peak -1 dBFS (about -22 LUFS), and
 * normalises it to -14 LUFS with a -1 dBTP limit, which needs about +8 dB
 * of gain with the peaks driven into the limiter:
 *  (a) loudnorm mode=file (filesrc ! rawaudioparse ! loudnorm ! filesink);
 *  (b) loudnorm mode=dynamic, the same pipeline;
 *  (c) ffmpeg loudnorm one-pass (dynamic), I=-14:TP=-1:LRA=11;
 *  (d) ffmpeg loudnorm two passes: print_format=json, then linear=true
 *      with the measured values (CPU time of both passes).
 * x-realtime is the programme length over the CPU time (user + system) of
 * our process for the pipelines, of the ffmpeg children for ffmpeg.  Each
 * output is measured with libebur128 (integrated loudness, at the
 * output's own rate: ffmpeg loudnorm writes 192 kHz) and the BS.1770
 * true-peak meter of dsp/truepeak.c.  Without ffmpeg the peers print
 * "peer not available, skipped".
 */
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <ebur128.h>

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "truepeak.h"
#include "bench-common.h"
#include "synth.h"

#define RATE 48000
#define CHANNELS 2
#define TARGET -14.0
#define LIMIT -1.0

static gdouble last_wall;

/* Run a command; CPU seconds of the child, < 0 on error.  stderr_out
 * receives its standard error if not NULL. */
static gdouble
run_command (const gchar * cmd, gchar ** stderr_out)
{
  gint status = -1;
  gdouble t0 = bench_now_s (), c0 = bench_cpu_s (RUSAGE_CHILDREN), t = -1.0;

  if (g_spawn_command_line_sync (cmd, NULL, stderr_out, &status, NULL)
      && status == 0)
    t = bench_cpu_s (RUSAGE_CHILDREN) - c0;
  last_wall = bench_now_s () - t0;
  return t;
}

static void
report (const gchar * name, gdouble secs, gdouble cpu, gdouble wall,
    const gchar * path, guint rate)
{
  gchar *data = NULL;
  gsize len = 0, frames;
  ebur128_state *st;
  MstTruePeak *tp;
  gdouble i = -HUGE_VAL, m = 0.0;
  guint c;

  if (cpu <= 0.0 || !g_file_get_contents (path, &data, &len, NULL)) {
    g_print ("%-36s failed\n", name);
    return;
  }
  frames = len / (sizeof (gfloat) * CHANNELS);
  st = ebur128_init (CHANNELS, rate, EBUR128_MODE_I);
  ebur128_add_frames_float (st, (const gfloat *) data, frames);
  ebur128_loudness_global (st, &i);
  ebur128_destroy (&st);
  tp = mst_truepeak_new (rate, CHANNELS);
  mst_truepeak_add_f32 (tp, (const gfloat *) data, frames);
  mst_truepeak_add_silence (tp, mst_truepeak_latency (tp));
  for (c = 0; c < CHANNELS; c++)
    m = MAX (m, mst_truepeak_max (tp, c));
  mst_truepeak_free (tp);
  if (wall <= 0.0)              /* the input: nothing was timed */
    g_print ("%-36s %33s  %6u Hz  %.3f LUFS (%+.3f LU)  true peak %+.2f "
        "dBTP\n", name, "", rate, i, i - TARGET, 20 * log10 (m));
  else
    g_print ("%-36s %6.0fx realtime (CPU; wall %5.0fx)  %6u Hz  "
        "%.3f LUFS (%+.3f LU)  true peak %+.2f dBTP\n", name, secs / cpu,
        secs / wall, rate, i, i - TARGET, 20 * log10 (m));
  g_free (data);
}

/* A number after "key" : in ffmpeg's JSON. */
static gchar *
json_value (const gchar * json, const gchar * key)
{
  gchar *pat = g_strdup_printf ("\"%s\"", key);
  const gchar *p = strstr (json, pat), *q;

  g_free (pat);
  if (!p)
    return NULL;
  p = strchr (p + strlen (key) + 2, '"');
  if (!p)
    return NULL;
  q = strchr (p + 1, '"');
  return q ? g_strndup (p + 1, q - p - 1) : NULL;
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  gdouble secs = env ? g_ascii_strtod (env, NULL) : 600.0;
  gsize frames = (gsize) (secs * RATE);
  gdouble *x = g_new (gdouble, frames * CHANNELS);
  gfloat *xf = g_new (gfloat, frames * CHANNELS);
  gchar *dir = g_dir_make_tmp ("bench-loudnorm-modes-XXXXXX", NULL);
  gchar *in = g_build_filename (dir, "in.raw", NULL);
  gchar *out = g_build_filename (dir, "out.raw", NULL);
  const gchar *parse = "rawaudioparse use-sink-caps=false format=pcm "
      "pcm-format=f32le sample-rate=48000 num-channels=2";
  static const gchar *modes[] = { "file", "dynamic" };
  gchar *desc, *ffmpeg;
  gdouble cpu;
  guint k;

  gst_init (&argc, &argv);
  mst_dsp_init ();
  g_print ("loudnorm modes benchmark: %.0f s of 48 kHz stereo music, sample "
      "peak -1 dBFS, target %.0f LUFS, limit %.0f dBTP\n", secs, TARGET, LIMIT);

  mst_synth_music_f64 (x, frames, CHANNELS, RATE, -1.0, 1);
  mst_synth_to_f32 (xf, x, frames * CHANNELS);
  g_free (x);
  if (!g_file_set_contents (in, (const gchar *) xf,
          frames * CHANNELS * sizeof (gfloat), NULL)) {
    g_printerr ("cannot write %s\n", in);
    return 1;
  }
  g_free (xf);
  report ("input", secs, 1.0, 0.0, in, RATE);

  for (k = 0; k < G_N_ELEMENTS (modes); k++) {
    gchar *name = g_strdup_printf ("loudnorm mode=%s", modes[k]);

    desc = g_strdup_printf ("filesrc location=%s blocksize=32768 ! %s ! "
        "loudnorm mode=%s target-loudness=%g true-peak-limit=%g "
        "max-duration=%" G_GUINT64_FORMAT " post-messages=false ! "
        "filesink location=%s", in, parse, modes[k], TARGET, LIMIT,
        (guint64) ((secs + 60) * GST_SECOND), out);
    cpu = bench_run_pipeline (desc, &last_wall);
    g_free (desc);
    report (name, secs, cpu, last_wall, out, RATE);
    g_free (name);
  }

  ffmpeg = g_find_program_in_path ("ffmpeg");
  if (!ffmpeg) {
    g_print ("%-36s peer not available, skipped\n", "ffmpeg loudnorm");
  } else {
    gchar *cmd, *err = NULL;
    gdouble cpu1, wall1;

    /* (c) one pass, dynamic (ffmpeg resamples to 192 kHz) */
    cmd = g_strdup_printf ("%s -nostdin -hide_banner -loglevel error -y "
        "-f f32le -ar 48000 -ac 2 -i %s -af loudnorm=I=%g:TP=%g:LRA=11 "
        "-f f32le -ar 192000 %s", ffmpeg, in, TARGET, LIMIT, out);
    cpu = run_command (cmd, NULL);
    g_free (cmd);
    report ("ffmpeg loudnorm, one pass (dynamic)", secs, cpu, last_wall,
        out, 192000);

    /* (d) two passes: measure, then linear with the measured values */
    cmd = g_strdup_printf ("%s -nostdin -hide_banner -loglevel info -y "
        "-f f32le -ar 48000 -ac 2 -i %s -af loudnorm=I=%g:TP=%g:LRA=11:"
        "print_format=json -f null -", ffmpeg, in, TARGET, LIMIT);
    cpu1 = run_command (cmd, &err);
    wall1 = last_wall;
    g_free (cmd);
    if (cpu1 > 0.0 && err) {
      gchar *mi = json_value (err, "input_i");
      gchar *mtp = json_value (err, "input_tp");
      gchar *mlra = json_value (err, "input_lra");
      gchar *mth = json_value (err, "input_thresh");
      gchar *off = json_value (err, "target_offset");

      if (mi && mtp && mlra && mth && off) {
        cmd = g_strdup_printf ("%s -nostdin -hide_banner -loglevel error -y "
            "-f f32le -ar 48000 -ac 2 -i %s -af loudnorm=I=%g:TP=%g:LRA=11:"
            "measured_I=%s:measured_TP=%s:measured_LRA=%s:"
            "measured_thresh=%s:offset=%s:linear=true -f f32le -ar 192000 %s",
            ffmpeg, in, TARGET, LIMIT, mi, mtp, mlra, mth, off, out);
        cpu = run_command (cmd, NULL);
        g_free (cmd);
        if (cpu > 0.0)
          cpu += cpu1;
        last_wall += wall1;
        report ("ffmpeg loudnorm, two passes (linear)", secs, cpu, last_wall,
            out, 192000);
      } else {
        g_print ("%-36s failed (no JSON)\n", "ffmpeg loudnorm two passes");
      }
      g_free (mi);
      g_free (mtp);
      g_free (mlra);
      g_free (mth);
      g_free (off);
    } else {
      g_print ("%-36s failed\n", "ffmpeg loudnorm two passes");
    }
    g_free (err);
    g_free (ffmpeg);
  }

  g_unlink (in);
  g_unlink (out);
  g_rmdir (dir);
  g_free (in);
  g_free (out);
  g_free (dir);
  return 0;
}
