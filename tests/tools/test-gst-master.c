/* gst-mastering: `gst-master --analyze` end to end.
 *
 * Runs the built tool on the built demo track (under a file name with
 * spaces) and checks the report against libebur128 on the same file and
 * against the ranges the demo is made for; then the error cases: missing
 * file, undecodable input, a file without audio, no `loudnorm` element,
 * usage errors.  Each error must be one line on stderr and a non-zero exit
 * status.
 *
 * Usage (meson test): test-gst-master GST-MASTER DEMO.wav
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include <string.h>

#include "refmeter.h"
#include "toolrun.h"

static const gchar *tool_path;
static const gchar *demo_path;
static gchar *tmp_dir;

/* Runs gst-master with args (NULL-terminated) and environment envp (NULL:
 * ours). */
static void
run_tool (ToolRun * run, gchar ** envp, const gchar * first_arg, ...)
{
  GPtrArray *args = g_ptr_array_new ();
  const gchar *a;
  va_list ap;

  va_start (ap, first_arg);
  for (a = first_arg; a; a = va_arg (ap, const gchar *))
      g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  tool_runv (run, tool_path, envp, (const gchar * const *) args->pdata);
  g_ptr_array_free (args, TRUE);
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

/* stderr holds exactly one line from gst-master containing each of the
 * given fragments. */
static void
assert_one_error_line (const ToolRun * run, const gchar * frag1,
    const gchar * frag2)
{
  fail_unless_equals_int (count_lines (run->err), 1);
  fail_unless (g_str_has_prefix (run->err, "gst-master: "), "stderr: %s",
      run->err);
  fail_unless (strstr (run->err, frag1) != NULL, "'%s' not in: %s", frag1,
      run->err);
  if (frag2)
    fail_unless (strstr (run->err, frag2) != NULL, "'%s' not in: %s", frag2,
        run->err);
}

/* gst-master failed with exit_status, one error line, nothing on stdout */
static void
assert_failed (const ToolRun * run, gint exit_status, const gchar * frag1,
    const gchar * frag2)
{
  fail_unless_equals_int (run->exit_status, exit_status);
  assert_one_error_line (run, frag1, frag2);
  fail_unless_equals_string (run->out, "");
}

/* --- report parsing ------------------------------------------------------ */

typedef struct
{
  gdouble integrated, range, max_tp, max_sp, max_m, max_s;
  gdouble tp[2], sp[2];
  gchar *tp_labels[2], *sp_labels[2];
  gdouble seconds;
  gint rate, channels;
} Parsed;

/* Value after "label" on its line (NAN when absent). */
static gdouble
value_after (const gchar * text, const gchar * label)
{
  const gchar *p = strstr (text, label);
  gdouble v;

  if (!p || sscanf (p + strlen (label), "%lf", &v) != 1)
    return NAN;
  return v;
}

/* The n per-channel lines "    LABEL  VALUE UNIT" after "header". */
static guint
channel_values (const gchar * text, const gchar * header, gdouble * v,
    gchar ** labels, guint max)
{
  const gchar *p = strstr (text, header);
  guint n = 0;

  if (!p)
    return 0;
  p = strchr (p, '\n');
  while (p && n < max && g_str_has_prefix (p + 1, "    ")) {
    gchar label[16];
    if (sscanf (p + 1, " %15s %lf", label, &v[n]) != 2)
      break;
    labels[n] = g_strdup (label);
    n++;
    p = strchr (p + 1, '\n');
  }
  return n;
}

static void
parse_report (const gchar * out, Parsed * r)
{
  const gchar *d;

  memset (r, 0, sizeof (*r));
  r->integrated = value_after (out, "Integrated loudness:");
  r->range = value_after (out, "Loudness range:");
  r->max_tp = value_after (out, "True peak (max):");
  r->max_sp = value_after (out, "Sample peak (max):");
  r->max_m = value_after (out, "Max momentary:");
  r->max_s = value_after (out, "Max short-term:");
  fail_unless_equals_int (channel_values (out, "True peak (max):", r->tp,
          r->tp_labels, 2), 2);
  fail_unless_equals_int (channel_values (out, "Sample peak (max):", r->sp,
          r->sp_labels, 2), 2);
  d = strstr (out, "Duration:");
  fail_unless (d != NULL, "no duration in report");
  fail_unless_equals_int (sscanf (d, "Duration: %lf s, %d Hz, %d channels",
          &r->seconds, &r->rate, &r->channels), 3);
}

static void
parsed_clear (Parsed * r)
{
  guint i;

  for (i = 0; i < 2; i++) {
    g_free (r->tp_labels[i]);
    g_free (r->sp_labels[i]);
  }
}

#define assert_close(what, got, want, tol)                                     \
  fail_unless (fabs ((got) - (want)) <= (tol),                                 \
               "%s: report %.2f, libebur128 %.2f (tolerance %.2f)", what,      \
               (double)(got), (double)(want), (double)(tol))

#define assert_tp(what, got, exact)                                            \
  fail_unless ((got) >= (exact)-0.3 && (got) <= (exact) + 0.15,                \
               "%s: report %.2f dBTP, exact %.2f dBTP (tolerance -0.3/+0.15)", \
               what, (double)(got), (double)(exact))

/* --- tests --------------------------------------------------------------- */

GST_START_TEST (test_analyze_demo)
{
  gchar *copy = g_build_filename (tmp_dir, "demo track (premaster).wav", NULL);
  gchar *contents = NULL;
  gsize len = 0;
  RefWav wav;
  RefLoudness ref;
  gchar *error = NULL;
  ToolRun run;
  Parsed r;

  /* a name with spaces and parentheses: must reach filesrc unchanged */
  fail_unless (g_file_get_contents (demo_path, &contents, &len, NULL));
  fail_unless (g_file_set_contents (copy, contents, len, NULL));
  g_free (contents);

  fail_unless (ref_wav_read (copy, &wav, &error), "%s", error);
  fail_unless (ref_measure (&wav, &ref));
  ref_wav_clear (&wav);

  run_tool (&run, NULL, "--analyze", copy, NULL);
  fail_unless_equals_int (run.exit_status, 0);
  fail_unless (strstr (run.err, "gst-master:") == NULL, "stderr: %s", run.err);
  fail_unless (strstr (run.out, copy) != NULL, "file name not in report");
  parse_report (run.out, &r);

  fail_unless (fabs (r.seconds - 30.0) <= 0.001, "duration %.3f s", r.seconds);
  fail_unless_equals_int (r.rate, 48000);
  fail_unless_equals_int (r.channels, 2);
  fail_unless_equals_string (r.tp_labels[0], "L");
  fail_unless_equals_string (r.tp_labels[1], "R");
  fail_unless_equals_string (r.sp_labels[0], "L");
  fail_unless_equals_string (r.sp_labels[1], "R");

  /* the ranges the demo is made for (tests/tools/test-demo.c) */
  fail_unless (r.integrated >= -24.0 && r.integrated <= -20.0,
      "integrated %.1f LUFS", r.integrated);
  fail_unless (r.max_tp > 0.0, "true peak %.1f dBTP", r.max_tp);
  fail_unless (fabs (r.max_sp - -1.0) <= 0.05, "sample peak %.1f dBFS",
      r.max_sp);

  /* the report agrees with an independent meter; the report rounds to
   * 0.1, so each tolerance includes 0.05 for the rounding */
  assert_close ("integrated", r.integrated, ref.integrated, 0.15);
  assert_close ("loudness range", r.range, ref.range_10hz, 0.35);
  /* true peak against the exact reconstruction: a 4x oversampling meter
   * (BS.1770-4 Annex 2) reads the demo's 12 kHz peaks at most 0.17 dB low
   * (a peak midway between its points: cos (pi / 16)), never high beyond
   * its filter ripple; plus 0.05 for the rounding */
  assert_tp ("max true peak", r.max_tp, ref.max_exact_true_peak);
  assert_tp ("true peak L", r.tp[0], ref.exact_true_peak[0]);
  assert_tp ("true peak R", r.tp[1], ref.exact_true_peak[1]);
  assert_close ("max sample peak", r.max_sp, ref.max_sample_peak, 0.06);
  assert_close ("sample peak L", r.sp[0], ref.sample_peak[0], 0.06);
  assert_close ("sample peak R", r.sp[1], ref.sample_peak[1], 0.06);
  assert_close ("max momentary", r.max_m, ref.max_momentary, 0.3);
  assert_close ("max short-term", r.max_s, ref.max_shortterm, 0.3);

  /* the maxima are the maxima of the channels */
  fail_unless (fabs (r.max_tp - MAX (r.tp[0], r.tp[1])) <= 0.051);
  fail_unless (fabs (r.max_sp - MAX (r.sp[0], r.sp[1])) <= 0.051);

  parsed_clear (&r);
  tool_run_clear (&run);
  g_unlink (copy);
  g_free (copy);
}

GST_END_TEST;

/* Several files in one run: a report for each readable one, an error line
 * for the others, exit status 1. */
GST_START_TEST (test_analyze_batch)
{
  gchar *missing = g_build_filename (tmp_dir, "missing.wav", NULL);
  ToolRun run;

  run_tool (&run, NULL, "--analyze", demo_path, missing, NULL);
  fail_unless_equals_int (run.exit_status, 1);
  fail_unless (strstr (run.out, "Integrated loudness:") != NULL);
  assert_one_error_line (&run, missing, "no such file");
  tool_run_clear (&run);
  g_free (missing);
}

GST_END_TEST;

GST_START_TEST (test_missing_file)
{
  gchar *missing = g_build_filename (tmp_dir, "no such track.wav", NULL);
  ToolRun run;

  run_tool (&run, NULL, "--analyze", missing, NULL);
  assert_failed (&run, 1, missing, "no such file");
  tool_run_clear (&run);
  g_free (missing);
}

GST_END_TEST;

static void
check_undecodable (const gchar * name, const gchar * data, gsize len)
{
  gchar *path = g_build_filename (tmp_dir, name, NULL);
  ToolRun run;

  fail_unless (g_file_set_contents (path, data, len, NULL));
  run_tool (&run, NULL, "--analyze", path, NULL);
  assert_failed (&run, 1, path, "cannot decode");
  tool_run_clear (&run);
  g_unlink (path);
  g_free (path);
}

GST_START_TEST (test_not_audio_text)
{
  const gchar *text = "Track list\n1. Intro\n2. Verse\n3. Chorus\n";

  check_undecodable ("notes.wav", text, strlen (text));
}

GST_END_TEST;

GST_START_TEST (test_not_audio_binary)
{
  GRand *rand = g_rand_new_with_seed (20260101);
  guint8 junk[16384];
  guint i;

  for (i = 0; i < sizeof (junk); i++)
    junk[i] = g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  check_undecodable ("junk.flac", (const gchar *) junk, sizeof (junk));
}

GST_END_TEST;

/* A decodable file without audio: a PNG image. */
GST_START_TEST (test_no_audio_stream)
{
  gchar *path = g_build_filename (tmp_dir, "cover.png", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 ! "
      "video/x-raw,width=64,height=48 ! pngenc ! filesink location=\"%s\"",
      path);
  GError *error = NULL;
  GstElement *p = gst_parse_launch (desc, &error);
  GstMessage *msg;
  ToolRun run;

  fail_unless (p != NULL, "%s", error ? error->message : "?");
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  run_tool (&run, NULL, "--analyze", path, NULL);
  assert_failed (&run, 1, path, "no audio stream");
  tool_run_clear (&run);
  g_unlink (path);
  g_free (path);
  g_free (desc);
}

GST_END_TEST;

/* Without the plugin: a hint where to find it, exit status 3. */
GST_START_TEST (test_no_loudnorm)
{
  gchar **envp = g_get_environ ();
  gchar *registry = g_build_filename (tmp_dir, "empty-registry.bin", NULL);
  gchar *home = g_build_filename (tmp_dir, "home", NULL);
  ToolRun run;

  g_mkdir_with_parents (home, 0700);
  envp = g_environ_unsetenv (envp, "GST_PLUGIN_PATH");
  envp = g_environ_unsetenv (envp, "GST_PLUGIN_PATH_1_0");
  envp = g_environ_unsetenv (envp, "GST_PLUGIN_SYSTEM_PATH");
  envp = g_environ_unsetenv (envp, "GST_PLUGIN_SYSTEM_PATH_1_0");
  envp = g_environ_setenv (envp, "GST_REGISTRY_1_0", registry, TRUE);
  envp = g_environ_setenv (envp, "HOME", home, TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", home, TRUE);

  run_tool (&run, envp, "--analyze", demo_path, NULL);
  assert_failed (&run, 3, "'loudnorm' not found", "GST_PLUGIN_PATH");
  fail_unless (strstr (run.err, "meson install") != NULL);

  tool_run_clear (&run);
  g_unlink (registry);
  g_rmdir (home);
  g_free (registry);
  g_free (home);
  g_strfreev (envp);
}

GST_END_TEST;

GST_START_TEST (test_usage)
{
  ToolRun run;

  run_tool (&run, NULL, "--help", NULL);
  fail_unless_equals_int (run.exit_status, 0);
  fail_unless (strstr (run.out, "--analyze") != NULL);
  fail_unless (strstr (run.out, "GST_PLUGIN_PATH") != NULL);
  tool_run_clear (&run);

  run_tool (&run, NULL, NULL);
  assert_failed (&run, 2, "--analyze", NULL);
  tool_run_clear (&run);

  run_tool (&run, NULL, "--analyze", NULL);
  assert_failed (&run, 2, "FILE", NULL);
  tool_run_clear (&run);

  run_tool (&run, NULL, "--no-such-option", demo_path, NULL);
  assert_failed (&run, 2, "--no-such-option", NULL);
  tool_run_clear (&run);
}

GST_END_TEST;

static Suite *
gst_master_suite (void)
{
  Suite *s = suite_create ("gst-master");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_analyze_demo);
  tcase_add_test (tc, test_analyze_batch);
  tcase_add_test (tc, test_missing_file);
  tcase_add_test (tc, test_not_audio_text);
  tcase_add_test (tc, test_not_audio_binary);
  tcase_add_test (tc, test_no_audio_stream);
  tcase_add_test (tc, test_no_loudnorm);
  tcase_add_test (tc, test_usage);
  return s;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  Suite *s;
  int ret;

  if (argc != 3) {
    g_printerr ("usage: %s GST-MASTER DEMO.wav\n", argv[0]);
    return 2;
  }
  tool_path = argv[1];
  demo_path = argv[2];
  tmp_dir = g_dir_make_tmp ("gst-master-test-XXXXXX", &error);
  if (!tmp_dir) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  gst_check_init (&argc, &argv);
  s = gst_master_suite ();
  ret = gst_check_run_suite (s, "gst-master", __FILE__);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
