/* gst-mastering: `gst-master IN OUT` (mastering) end to end.
 *
 * Runs the built tool on short synthetic programmes written by the test and
 * measures what it wrote with libebur128 and the 16x reference true-peak
 * meter (refmeter.c), independent of the project's meters:
 *  - programmes at -30, -20 and -8 LUFS land within 0.1 LU of every
 *    preset's target with the true peak under its ceiling;
 *  - mono at 44.1 kHz keeps its rate and channel count;
 *  - --intensity 0 only scales: output = input x one constant (within the
 *    24-bit rounding of the output) when no limiting is needed;
 *  - a batch with -j 2 writes the same bytes as -j 1;
 *  - FLAC, Ogg Vorbis and Opus outputs, the report picture (PNG, SVG);
 *  - errors: missing, empty, corrupt, video-only and 8-channel inputs, an
 *    unwritable output, impossible targets: one line on stderr, non-zero
 *    exit status, no output and no temporary file left;
 *  - Ctrl-C (SIGINT) removes the partial output.
 *
 * Usage (meson test): test-master GST-MASTER presets|other
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "refmeter.h"
#include "toolrun.h"
#include "wavwrite.h"
#include "synth.h"

#define RATE 48000

static const gchar *tool_path;
static gchar *tmp_dir;

/* --- helpers ------------------------------------------------------------- */

/* Runs gst-master with a NULL-terminated argv (without argv[0]). */
#define run_tool(run, ...)                                                     \
  G_STMT_START {                                                               \
    const gchar *const _a[] = {__VA_ARGS__, NULL};                             \
    tool_runv (run, tool_path, NULL, _a);                                      \
  }                                                                            \
  G_STMT_END

static gchar *
tmp_path (const gchar * name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Writes interleaved doubles as a WAV file: bits 16 or 24 (integer PCM,
 * rounded, clipped) or 32 (IEEE float). */
static void
write_wav (const gchar * path, const gdouble * x, gsize frames,
    guint channels, guint rate, guint bits)
{
  fail_unless (mst_wav_write (path, x, frames, channels, rate, bits) == 0,
      "cannot write %s", path);
}

/* A stereo music-like programme of `seconds`, scaled to `lufs`
 * (libebur128). */
static gdouble *
programme (gdouble seconds, gdouble lufs, guint64 seed, gsize * frames)
{
  gsize n = (gsize) (seconds * RATE);
  gdouble *x = g_new0 (gdouble, n * 2);
  RefWav w = { RATE, 2, 32, n, x };
  RefLoudness l;
  gdouble g;
  gsize i;

  fail_unless (mst_synth_music_f64 (x, n, 2, RATE, -6.0, seed) == 0);
  fail_unless (ref_measure (&w, &l));
  g = pow (10.0, (lufs - l.integrated) / 20.0);
  for (i = 0; i < n * 2; i++)
    x[i] *= g;
  *frames = n;
  return x;
}

static void
measure_file (const gchar * path, RefWav * w, RefLoudness * l)
{
  gchar *error = NULL;

  fail_unless (ref_wav_read (path, w, &error), "%s: %s", path, error);
  fail_unless (ref_measure (w, l));
}

/* Nothing named .*.partial-* is left in the test directory. */
static void
assert_no_partial (void)
{
  GDir *d = g_dir_open (tmp_dir, 0, NULL);
  const gchar *name;

  fail_unless (d != NULL);
  while ((name = g_dir_read_name (d)))
    fail_unless (strstr (name, ".partial-") == NULL, "left behind: %s", name);
  g_dir_close (d);
}

static guint
count_lines (const gchar * s)
{
  guint n = 0;

  for (; *s; s++)
    if (*s == '\n')
      n++;
  return n;
}

/* --- tests --------------------------------------------------------------- */

static const struct
{
  const gchar *name;
  gdouble lufs, ceiling;
} presets[] = {
  {"streaming", -14.0, -1.0},
  {"apple", -16.0, -1.0},
  {"podcast", -16.0, -1.0},
  {"broadcast", -23.0, -1.0},
  {"atsc", -24.0, -2.0},
  {"club", -9.0, -0.5},
};

static const gdouble levels[] = { -30.0, -20.0, -8.0 };

/* Every preset from every level: within 0.1 LU, under the ceiling.  All
 * eighteen runs are made; the failures are listed together. */
GST_START_TEST (test_presets)
{
  GString *bad = g_string_new (NULL);
  guint li, pi;

  for (li = 0; li < G_N_ELEMENTS (levels); li++) {
    gsize frames;
    gdouble *x = programme (6.0, levels[li], 7 + li, &frames);
    gchar *in = tmp_path ("programme.wav");

    /* float input: the -8 LUFS programme peaks above 0 dBFS */
    write_wav (in, x, frames, 2, RATE, 32);
    g_free (x);
    for (pi = 0; pi < G_N_ELEMENTS (presets); pi++) {
      gchar *out = tmp_path ("master.wav");
      RefWav w;
      RefLoudness l;
      ToolRun run;

      run_tool (&run, in, out, "--preset", presets[pi].name);
      /* not a terminal: no progress bar, nothing on stderr */
      fail_unless_equals_string (run.err, "");
      measure_file (out, &w, &l);
      fail_unless_equals_int (w.rate, RATE);
      fail_unless_equals_int (w.bits, 24);
      fail_unless_equals_int (w.frames, frames);
      GST_INFO ("%s from %.0f LUFS: %.2f LUFS, %.2f dBTP", presets[pi].name,
          levels[li], l.integrated, l.max_exact_true_peak);
      if (run.exit_status != 0 || !strstr (run.out, "Result: on target")
          || fabs (l.integrated - presets[pi].lufs) > 0.1
          || l.max_exact_true_peak > presets[pi].ceiling
          || l.max_true_peak > presets[pi].ceiling)
        g_string_append_printf (bad, "\n%s from %.0f LUFS: exit %d, "
            "libebur128 %.2f LUFS (target %.1f), true peak %.3f dBTP (16x), "
            "%.3f dBTP (libebur128), ceiling %.1f", presets[pi].name,
            levels[li], run.exit_status, l.integrated, presets[pi].lufs,
            l.max_exact_true_peak, l.max_true_peak, presets[pi].ceiling);
      /* a miss is explained in the table and the exit status */
      if (run.exit_status == 4)
        fail_unless (strstr (run.out, "TARGET MISSED") != NULL);
      ref_wav_clear (&w);
      tool_run_clear (&run);
      g_unlink (out);
      g_free (out);
    }
    g_unlink (in);
    g_free (in);
  }
  assert_no_partial ();
  fail_unless (bad->len == 0, "off target:%s", bad->str);
  g_string_free (bad, TRUE);
}

GST_END_TEST;

/* --intensity 0 where no limiting is needed: one gain, nothing else. */
GST_START_TEST (test_intensity_zero)
{
  gchar *in = tmp_path ("quiet.wav"), *out = tmp_path ("gain.wav");
  gsize frames, i;
  gdouble *x = programme (10.0, -30.0, 3, &frames);
  gdouble sxy = 0, sxx = 0, k, err = 0, peak_in = 0;
  RefWav a, b;
  RefLoudness la, lb;
  ToolRun run;

  write_wav (in, x, frames, 2, RATE, 24);
  g_free (x);
  measure_file (in, &a, &la);
  for (i = 0; i < a.frames * 2; i++)
    peak_in = MAX (peak_in, fabs (a.samples[i]));
  /* +4 dB of gain keeps the true peak far under -1 dBTP */
  fail_unless (la.max_exact_true_peak + 4.0 < -2.0);

  run_tool (&run, in, out, "--intensity", "0", "--lufs", "-26",
      "--ceiling", "-1");
  fail_unless_equals_int (run.exit_status, 0);
  measure_file (out, &b, &lb);
  fail_unless_equals_int (b.frames, a.frames);
  for (i = 0; i < a.frames * 2; i++) {
    sxy += a.samples[i] * b.samples[i];
    sxx += a.samples[i] * a.samples[i];
  }
  k = sxy / sxx;
  for (i = 0; i < a.frames * 2; i++)
    err = MAX (err, fabs (b.samples[i] - k * a.samples[i]));
  GST_INFO ("gain %.6f (%.3f dB), max deviation %.3g (%.2f LSB of 24 bits)",
      k, 20 * log10 (k), err, err * 8388608.0);
  /* the output's 24-bit rounding (0.5 LSB) plus float rounding in the
   * chain; anything the chain did besides the gain would be far larger */
  fail_unless (err <= 1.0 / 8388608.0, "deviation %.3g: more than a gain", err);
  fail_unless (fabs (lb.integrated - -26.0) <= 0.1, "%.2f LUFS", lb.integrated);
  fail_unless (fabs (20 * log10 (k) - (lb.integrated - la.integrated)) < 0.05);

  ref_wav_clear (&a);
  ref_wav_clear (&b);
  tool_run_clear (&run);
  g_unlink (in);
  g_unlink (out);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

/* Mono at 44.1 kHz: the rate and the channel count are kept. */
GST_START_TEST (test_mono_44k)
{
  gchar *in = tmp_path ("mono.wav"), *out = tmp_path ("mono-master.wav");
  gsize frames = 8 * 44100, i;
  gdouble *x = g_new (gdouble, frames);
  RefWav w;
  RefLoudness l;
  ToolRun run;

  fail_unless (mst_synth_music_f64 (x, frames, 1, 44100, -12.0, 21) == 0);
  for (i = 0; i < frames; i++)
    x[i] *= 0.5;
  write_wav (in, x, frames, 1, 44100, 24);
  g_free (x);
  run_tool (&run, in, out, "--preset", "broadcast");
  fail_unless_equals_int (run.exit_status, 0);
  fail_unless (strstr (run.out, "n/a") != NULL, "mono correlation: %s",
      run.out);
  measure_file (out, &w, &l);
  fail_unless_equals_int (w.rate, 44100);
  fail_unless_equals_int (w.channels, 1);
  fail_unless_equals_int (w.frames, frames);
  fail_unless (fabs (l.integrated - -23.0) <= 0.1, "%.2f LUFS", l.integrated);
  fail_unless (l.max_exact_true_peak <= -1.0, "%.3f dBTP",
      l.max_exact_true_peak);
  ref_wav_clear (&w);
  tool_run_clear (&run);
  g_unlink (in);
  g_unlink (out);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

static gboolean
same_contents (const gchar * p, const gchar * q)
{
  gchar *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  gboolean same;

  fail_unless (g_file_get_contents (p, &a, &la, NULL), "%s", p);
  fail_unless (g_file_get_contents (q, &b, &lb, NULL), "%s", q);
  same = la == lb && memcmp (a, b, la) == 0;
  g_free (a);
  g_free (b);
  return same;
}

/* -j 2 writes the same bytes as -j 1 (16-bit: the dither too). */
GST_START_TEST (test_batch_parallel)
{
  gchar *dir1 = tmp_path ("seq"), *dir2 = tmp_path ("par");
  gchar *in[3];
  guint i;
  ToolRun run;

  g_mkdir (dir1, 0700);
  g_mkdir (dir2, 0700);
  for (i = 0; i < 3; i++) {
    gsize frames;
    gdouble *x = programme (6.0, -30.0 + 8 * i, 11 + i, &frames);
    gchar *name = g_strdup_printf ("song %u.wav", i + 1);

    in[i] = tmp_path (name);
    write_wav (in[i], x, frames, 2, RATE, 32);
    g_free (x);
    g_free (name);
  }
  run_tool (&run, "-o", dir1, "--bits", "16", "-j", "1", in[0], in[1], in[2]);
  fail_unless_equals_int (run.exit_status, 0);
  fail_unless_equals_int (g_strv_length (g_strsplit (run.out, "Result: on "
              "target", -1)) - 1, 3);
  tool_run_clear (&run);
  run_tool (&run, "-o", dir2, "--bits", "16", "-j", "2", in[0], in[1], in[2]);
  fail_unless_equals_int (run.exit_status, 0);
  tool_run_clear (&run);

  for (i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("song %u.wav", i + 1);
    gchar *a = g_build_filename (dir1, name, NULL);
    gchar *b = g_build_filename (dir2, name, NULL);
    RefWav w;
    RefLoudness l;

    fail_unless (same_contents (a, b), "%s and %s differ", a, b);
    measure_file (a, &w, &l);
    fail_unless_equals_int (w.bits, 16);
    fail_unless (fabs (l.integrated - -14.0) <= 0.1);
    ref_wav_clear (&w);
    g_unlink (a);
    g_unlink (b);
    g_unlink (in[i]);
    g_free (a);
    g_free (b);
    g_free (name);
    g_free (in[i]);
  }
  g_rmdir (dir1);
  g_rmdir (dir2);
  g_free (dir1);
  g_free (dir2);
}

GST_END_TEST;

/* FLAC, Ogg Vorbis and Opus outputs, and the report pictures. */
GST_START_TEST (test_formats_and_report)
{
  static const gchar *const outs[] = { "m.flac", "m.ogg", "m.opus" };
  gchar *in = tmp_path ("fmt.wav"), *png = tmp_path ("r.png");
  gchar *svg = tmp_path ("r.svg");
  gsize frames, len;
  gdouble *x = programme (6.0, -20.0, 5, &frames);
  gchar *data;
  guint i;

  write_wav (in, x, frames, 2, RATE, 24);
  g_free (x);
  for (i = 0; i < G_N_ELEMENTS (outs); i++) {
    gchar *out = tmp_path (outs[i]);
    ToolRun run;

    run_tool (&run, in, out, "--preset", "apple", "--report",
        i == 0 ? png : svg);
    fail_unless_equals_int (run.exit_status, 0);
    fail_unless (strstr (run.out, "Result: on target") != NULL);
    fail_unless (strstr (run.out, "Correlation") != NULL);
    fail_unless (g_file_test (out, G_FILE_TEST_IS_REGULAR));
    tool_run_clear (&run);
    /* what was written decodes and measures near the target */
    run_tool (&run, "--analyze", out);
    fail_unless_equals_int (run.exit_status, 0);
    tool_run_clear (&run);
    g_unlink (out);
    g_free (out);
  }
  fail_unless (g_file_get_contents (png, &data, &len, NULL));
  fail_unless (len > 20000 && memcmp (data, "\211PNG\r\n\032\n", 8) == 0);
  g_free (data);
  fail_unless (g_file_get_contents (svg, &data, &len, NULL));
  fail_unless (strstr (data, "<svg") != NULL);
  g_free (data);
  g_unlink (png);
  g_unlink (svg);
  g_unlink (in);
  g_free (in);
  g_free (png);
  g_free (svg);
  assert_no_partial ();
}

GST_END_TEST;

/* IN gives exit status `status` and one error line with frag; OUT is not
 * written. */
static void
check_error (const gchar * in, const gchar * out, gint status,
    const gchar * frag)
{
  ToolRun run;

  run_tool (&run, in, out);
  fail_unless_equals_int (run.exit_status, status);
  fail_unless_equals_int (count_lines (run.err), 1);
  fail_unless (g_str_has_prefix (run.err, "gst-master: "), "%s", run.err);
  fail_unless (strstr (run.err, frag) != NULL, "'%s' not in: %s", frag,
      run.err);
  fail_unless_equals_string (run.out, "");
  fail_unless (!g_file_test (out, G_FILE_TEST_EXISTS), "%s written", out);
  assert_no_partial ();
  tool_run_clear (&run);
}

GST_START_TEST (test_bad_inputs)
{
  gchar *out = tmp_path ("never.wav");
  gchar *missing = tmp_path ("no such track.wav");
  gchar *empty = tmp_path ("empty.wav");
  gchar *corrupt = tmp_path ("corrupt.flac");
  gchar *video = tmp_path ("video.png");
  gchar *surround = tmp_path ("surround.wav");
  gchar *desc;
  GRand *rand = g_rand_new_with_seed (20260102);
  guint8 junk[32768];
  gdouble *x;
  GstElement *p;
  GstMessage *msg;
  guint i;

  check_error (missing, out, 1, "no such file");

  fail_unless (g_file_set_contents (empty, "", 0, NULL));
  check_error (empty, out, 1, "empty file");

  for (i = 0; i < sizeof (junk); i++)
    junk[i] = g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  fail_unless (g_file_set_contents (corrupt, (gchar *) junk, sizeof (junk),
          NULL));
  check_error (corrupt, out, 1, "cannot decode");

  desc = g_strdup_printf ("videotestsrc num-buffers=1 ! "
      "video/x-raw,width=64,height=48 ! pngenc ! filesink location=\"%s\"",
      video);
  p = gst_parse_launch (desc, NULL);
  fail_unless (p != NULL);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  check_error (video, out, 1, "no audio stream");

  x = g_new0 (gdouble, RATE * 2 * 8);
  mst_synth_noise_f64 (x, RATE * 2, 8, 0xff, 0.1, 1);
  write_wav (surround, x, RATE * 2, 8, RATE, 24);
  g_free (x);
  check_error (surround, out, 1, "8 channels");

  g_unlink (empty);
  g_unlink (corrupt);
  g_unlink (video);
  g_unlink (surround);
  g_free (desc);
  g_free (out);
  g_free (missing);
  g_free (empty);
  g_free (corrupt);
  g_free (video);
  g_free (surround);
}

GST_END_TEST;

GST_START_TEST (test_bad_outputs)
{
  gchar *in = tmp_path ("ok.wav");
  gchar *nodir = tmp_path ("missing-dir/out.wav");
  gchar *out = tmp_path ("out.wav");
  gsize frames;
  gdouble *x = programme (3.0, -20.0, 9, &frames);
  ToolRun run;

  write_wav (in, x, frames, 2, RATE, 24);
  g_free (x);
  check_error (in, nodir, 1, "cannot write");

  run_tool (&run, in, out, "--lufs", "-5", "--ceiling", "-10");
  fail_unless_equals_int (run.exit_status, 2);
  fail_unless (strstr (run.err, "impossible targets") != NULL, "%s", run.err);
  fail_unless_equals_int (count_lines (run.err), 1);
  fail_unless (!g_file_test (out, G_FILE_TEST_EXISTS));
  tool_run_clear (&run);

  run_tool (&run, in, tmp_dir);
  fail_unless_equals_int (run.exit_status, 2);
  fail_unless (strstr (run.err, "output format") != NULL, "%s", run.err);
  tool_run_clear (&run);

  run_tool (&run, in, in);
  fail_unless_equals_int (run.exit_status, 1);
  fail_unless (strstr (run.err, "is the input") != NULL, "%s", run.err);
  tool_run_clear (&run);

  run_tool (&run, in, out, "--preset", "loud");
  fail_unless_equals_int (run.exit_status, 2);
  fail_unless (strstr (run.err, "unknown preset") != NULL, "%s", run.err);
  tool_run_clear (&run);

  g_unlink (in);
  g_free (in);
  g_free (nodir);
  g_free (out);
}

GST_END_TEST;

/* SIGINT while rendering: exit status 130, no output, no partial file. */
GST_START_TEST (test_interrupt)
{
  gchar *in = tmp_path ("long.wav"), *out = tmp_path ("long-master.wav");
  const gchar *argv[] = { tool_path, in, out, NULL };
  gsize frames = 120 * RATE;
  gdouble *x = g_new (gdouble, frames * 2);
  GError *error = NULL;
  GPid pid;
  gint status = 0, tries;
  gboolean seen = FALSE;

  mst_synth_noise_f64 (x, frames, 2, 0x3, 0.05, 13);
  write_wav (in, x, frames, 2, RATE, 24);
  g_free (x);
  fail_unless (g_spawn_async (NULL, (gchar **) argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
          | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error), "%s",
      error ? error->message : "?");
  /* wait for the temporary output to appear */
  for (tries = 0; tries < 400 && !seen; tries++) {
    GDir *d = g_dir_open (tmp_dir, 0, NULL);
    const gchar *name;

    while ((name = g_dir_read_name (d)))
      if (strstr (name, ".long-master.wav.partial-"))
        seen = TRUE;
    g_dir_close (d);
    if (!seen)
      g_usleep (10000);
  }
  fail_unless (seen, "no temporary output appeared");
  kill (pid, SIGINT);
  fail_unless (waitpid (pid, &status, 0) == pid);
  g_spawn_close_pid (pid);
  fail_unless (WIFEXITED (status));
  fail_unless_equals_int (WEXITSTATUS (status), 130);
  fail_unless (!g_file_test (out, G_FILE_TEST_EXISTS));
  assert_no_partial ();
  g_unlink (in);
  g_free (in);
  g_free (out);
}

GST_END_TEST;

/* part "presets": the eighteen preset runs; part "other": the rest (two
 * meson tests, each well under a minute). */
static Suite *
master_suite (const gchar * part)
{
  Suite *s = suite_create ("gst-master-master");
  TCase *tc = tcase_create (part);

  suite_add_tcase (s, tc);
  if (strcmp (part, "presets") == 0) {
    tcase_add_test (tc, test_presets);
    return s;
  }
  tcase_add_test (tc, test_intensity_zero);
  tcase_add_test (tc, test_mono_44k);
  tcase_add_test (tc, test_batch_parallel);
  tcase_add_test (tc, test_formats_and_report);
  tcase_add_test (tc, test_bad_inputs);
  tcase_add_test (tc, test_bad_outputs);
  tcase_add_test (tc, test_interrupt);
  return s;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  Suite *s;
  int ret;

  if (argc != 3 || (strcmp (argv[2], "presets") != 0
          && strcmp (argv[2], "other") != 0)) {
    g_printerr ("usage: %s GST-MASTER presets|other\n", argv[0]);
    return 2;
  }
  tool_path = argv[1];
  tmp_dir = g_dir_make_tmp ("gst-master-master-XXXXXX", &error);
  if (!tmp_dir) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  gst_check_init (&argc, &argv);
  s = master_suite (argv[2]);
  ret = gst_check_run_suite (s, "gst-master-master", __FILE__);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
