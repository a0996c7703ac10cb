/* gst-master: command-line front end of gst-mastering.
 *
 *   gst-master IN OUT [--preset NAME] [--lufs X] [--ceiling Y]
 *                     [--intensity N] [--bits 16|24] [--report FILE]
 *   gst-master -o DIR [--format wav|flac|ogg|opus] [-j N] [options] IN...
 *   gst-master --analyze FILE...
 *
 * Mastering (master.c): an analysis pass, a render pass through the
 * `automaster` element into a temporary file renamed at the end, the
 * result measured on what is written, and a before/after table; with
 * --report a picture (report.c).  A batch runs its files in a GThreadPool
 * of N workers, each job with its own pipelines, so the outputs do not
 * depend on -j.  A progress bar is drawn on stderr when it is a terminal.
 *
 * --analyze decodes each FILE with `filesrc ! decodebin ! audioconvert !
 * loudnorm mode=measure ! fakesink` (measure.c) and prints an EBU R128
 * report.
 *
 * Exit status: 0 success, 1 a file failed, 2 usage error, 3 a needed
 * GStreamer element is missing, 4 an output was written but missed its
 * targets, 130 interrupted.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"
#include "measure.h"
#include "report.h"

#define PLUGIN_HINT                                                            \
  "build the project and set GST_PLUGIN_PATH to its gst/ directory "           \
  "(GST_PLUGIN_PATH=build/gst) or install it with 'meson install -C build'"

/* Set by SIGINT / SIGTERM; jobs poll it and remove their partial output. */
static volatile sig_atomic_t interrupted = 0;

static void
on_signal (int sig)
{
  interrupted = 1;
}

static void
install_signal_handlers (void)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  /* a second Ctrl-C kills at once */
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

static const gchar *
channel_label (GstAudioChannelPosition pos, guint ch, gchar * buf, gsize len)
{
  switch (pos) {
    case GST_AUDIO_CHANNEL_POSITION_MONO:
      return "mono";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT:
      return "L";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT:
      return "R";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER:
      return "C";
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
      return "LFE";
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
      return "Ls";
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
      return "Rs";
    default:
      g_snprintf (buf, len, "ch%u", ch + 1);
      return buf;
  }
}

/* "-22.6", "+0.7" (sign for peaks), "-inf" */
static gchar *
format_db (gdouble v, gboolean sign)
{
  if (isnan (v))
    return g_strdup ("n/a");
  if (isinf (v))
    return g_strdup (v < 0 ? "-inf" : "+inf");
  return g_strdup_printf (sign ? "%+.1f" : "%.1f", v);
}

/* "  LABEL                  VALUE UNIT", values from column 25 */
static void
print_value (const gchar * label, gdouble v, gboolean sign, const gchar * unit)
{
  gchar *s = format_db (v, sign);

  g_print ("  %-22s %s %s\n", label, s, unit);
  g_free (s);
}

static void
print_channels (const GmMeasurement * r, const gdouble * v, const gchar * unit)
{
  guint c;

  for (c = 0; c < r->channels; c++) {
    gchar buf[16];
    gchar *s = format_db (v[c], TRUE);

    g_print ("    %-20s %s %s\n",
        channel_label (r->position[c], c, buf, sizeof (buf)), s, unit);
    g_free (s);
  }
}

static void
print_report (const gchar * file, const GmMeasurement * r)
{
  gdouble max_sample_peak = -INFINITY;
  guint c;

  for (c = 0; c < r->channels; c++)
    max_sample_peak = MAX (max_sample_peak, r->sample_peak[c]);

  g_print ("Loudness report: %s\n", file);
  if (GST_CLOCK_TIME_IS_VALID (r->duration))
    g_print ("  %-22s %.3f s, %d Hz, %u channel%s\n",
        "Duration:", (gdouble) r->duration / GST_SECOND, r->rate,
        r->channels, r->channels == 1 ? "" : "s");
  else
    g_print ("  %-22s %d Hz, %u channel%s\n", "Format:", r->rate, r->channels,
        r->channels == 1 ? "" : "s");
  print_value ("Integrated loudness:", r->integrated, FALSE, "LUFS");
  print_value ("Loudness range:", r->range, FALSE, "LU");
  print_value ("True peak (max):", r->max_true_peak, TRUE, "dBTP");
  print_channels (r, r->true_peak, "dBTP");
  print_value ("Sample peak (max):", max_sample_peak, TRUE, "dBFS");
  print_channels (r, r->sample_peak, "dBFS");
  print_value ("Max momentary:", r->max_momentary, FALSE, "LUFS");
  print_value ("Max short-term:", r->max_shortterm, FALSE, "LUFS");
}

/* --- analyze ------------------------------------------------------------- */

/* gst-master --analyze FILE... */
static int
run_analyze (gchar ** files)
{
  int ret = EXIT_SUCCESS;
  guint i;

  for (i = 0; files[i]; i++) {
    GmMeasurement m;
    gchar *failure = NULL;

    if (i > 0)
      g_print ("\n");
    gm_measurement_init (&m);
    if (gm_measure_file (files[i], FALSE, &m, NULL, NULL, NULL, &failure))
      print_report (files[i], &m);
    else {
      g_printerr ("gst-master: %s: %s\n", files[i], failure);
      g_free (failure);
      ret = GM_EXIT_FAILED;
    }
    gm_measurement_clear (&m);
  }
  return ret;
}

/* --- master: a run of jobs with a progress bar ---------------------------- */

/* The jobs of one run.  lock guards the progress fields of every job
 * (fraction, seconds), done and the printing of results; cond is signalled
 * when a job ends. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GmJob *jobs;
  guint n_jobs;
  guint done;
  gdouble *fraction;            /* per job, 0..1 */
  gdouble *seconds;             /* per job: input duration, 0 unknown */
  gint64 start_us;
  gboolean tty;
  gboolean bar_shown;
} Run;

typedef struct
{
  Run *run;
  guint index;
} JobRef;

static gboolean
cancel_cb (gpointer user_data)
{
  return interrupted != 0;
}

static void
progress_cb (gdouble fraction, gdouble duration, gpointer user_data)
{
  JobRef *ref = user_data;

  g_mutex_lock (&ref->run->lock);
  ref->run->fraction[ref->index] = fraction;
  ref->run->seconds[ref->index] = duration;
  g_mutex_unlock (&ref->run->lock);
}

/* "[##########..........]  52%  118x realtime  0:07 left"; lock held. */
static void
draw_bar (Run * run)
{
  gdouble total = 0, media = 0, f, elapsed;
  gchar bar[31], left[32] = "", speed[32] = "", files[32] = "";
  guint i, n;

  for (i = 0; i < run->n_jobs; i++) {
    total += run->fraction[i];
    /* audio mastered (all passes), once the duration is known */
    media += run->fraction[i] * run->seconds[i];
  }
  f = total / run->n_jobs;
  elapsed = (g_get_monotonic_time () - run->start_us) / 1e6;
  n = (guint) (f * 30 + 0.5);
  for (i = 0; i < 30; i++)
    bar[i] = i < n ? '#' : '.';
  bar[30] = 0;
  if (elapsed > 0.5 && media > 0)
    g_snprintf (speed, sizeof (speed), "%5.0fx realtime", media / elapsed);
  if (elapsed > 1.0 && f > 0.02) {
    gint s = (gint) (elapsed * (1 - f) / f + 0.5);
    g_snprintf (left, sizeof (left), "%d:%02d left", s / 60, s % 60);
  }
  if (run->n_jobs > 1)
    g_snprintf (files, sizeof (files), "%u/%u files", run->done, run->n_jobs);
  fprintf (stderr, "\r[%s] %3.0f%%  %s  %s  %s\033[K", bar, f * 100, speed,
      left, files);
  fflush (stderr);
  run->bar_shown = TRUE;
}

static void
clear_bar (Run * run)
{
  if (run->bar_shown) {
    fprintf (stderr, "\r\033[K");
    fflush (stderr);
    run->bar_shown = FALSE;
  }
}

/* Prints a finished job's table or error; lock held. */
static void
print_job (Run * run, GmJob * job)
{
  clear_bar (run);
  if (job->error) {
    g_printerr ("gst-master: %s: %s\n", job->in, job->error);
    return;
  }
  if (run->n_jobs > 1 && run->done > 1)
    g_print ("\n");
  g_print ("%s", job->text->str);
  fflush (stdout);
}

static void
job_thread (gpointer data, gpointer user_data)
{
  Run *run = user_data;
  guint index = GPOINTER_TO_UINT (data) - 1;
  GmJob *job = &run->jobs[index];
  JobRef ref = { run, index };

  job->progress = progress_cb;
  job->cancel = cancel_cb;
  job->user_data = &ref;
  if (!interrupted)
    gm_master_file (job);
  else
    job->status = GM_EXIT_INTERRUPTED;

  g_mutex_lock (&run->lock);
  run->fraction[index] = 1.0;
  run->done++;
  if (job->status != GM_EXIT_INTERRUPTED)
    print_job (run, job);
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
}

/* Masters every job with at most `threads` at a time; returns the exit
 * status. */
static int
run_jobs (GmJob * jobs, guint n, guint threads)
{
  Run run;
  GThreadPool *pool;
  GError *err = NULL;
  int ret = 0;
  guint i;

  memset (&run, 0, sizeof (run));
  g_mutex_init (&run.lock);
  g_cond_init (&run.cond);
  run.jobs = jobs;
  run.n_jobs = n;
  run.fraction = g_new0 (gdouble, n);
  run.seconds = g_new0 (gdouble, n);
  run.start_us = g_get_monotonic_time ();
  run.tty = isatty (STDERR_FILENO) && g_getenv ("TERM")
      && strcmp (g_getenv ("TERM"), "dumb") != 0;

  pool = g_thread_pool_new (job_thread, &run, MAX (threads, 1), TRUE, &err);
  for (i = 0; i < n; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);

  g_mutex_lock (&run.lock);
  while (run.done < n) {
    gint64 until = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;

    g_cond_wait_until (&run.cond, &run.lock, until);
    if (run.tty && run.done < n && !interrupted)
      draw_bar (&run);
  }
  clear_bar (&run);
  g_mutex_unlock (&run.lock);
  g_thread_pool_free (pool, FALSE, TRUE);

  for (i = 0; i < n; i++) {
    gint s = jobs[i].status;
    /* the most serious status wins: interrupted, failed, target missed */
    if (s == GM_EXIT_INTERRUPTED || ret == GM_EXIT_INTERRUPTED)
      ret = GM_EXIT_INTERRUPTED;
    else if (s == GM_EXIT_FAILED || ret == GM_EXIT_FAILED)
      ret = GM_EXIT_FAILED;
    else if (s != 0)
      ret = s;
  }
  if (interrupted)
    g_printerr ("gst-master: interrupted, no partial output left\n");

  g_free (run.fraction);
  g_free (run.seconds);
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.cond);
  return ret;
}

/* --- command line -------------------------------------------------------- */

static gboolean
element_exists (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* Elements --analyze needs; one line per missing one. */
static gboolean
check_elements (gboolean master)
{
  static const gchar *const needed[] = {
    "filesrc", "decodebin", "audioconvert", "fakesink", "loudnorm",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (needed); i++) {
    if (element_exists (needed[i]))
      continue;
    if (strcmp (needed[i], "loudnorm") == 0)
      g_printerr ("gst-master: GStreamer element 'loudnorm' not found: "
          PLUGIN_HINT "\n");
    else
      g_printerr ("gst-master: GStreamer element '%s' not found: install "
          "gstreamer1.0-plugins-base\n", needed[i]);
    return FALSE;
  }
  if (master && !element_exists ("automaster")) {
    g_printerr ("gst-master: GStreamer element 'automaster' not found: "
        PLUGIN_HINT "\n");
    return FALSE;
  }
  return TRUE;
}

static int
usage_error (const gchar * msg)
{
  g_printerr ("gst-master: %s (see --help)\n", msg);
  return GM_EXIT_USAGE;
}

/* OUT name of IN in DIR with the format's extension. */
static gchar *
batch_output (const gchar * dir, const gchar * in, GmFormat format)
{
  gchar *base = g_path_get_basename (in);
  gchar *dot = strrchr (base, '.');
  gchar *name, *path;

  if (dot && dot != base)
    *dot = 0;
  name = g_strconcat (base, gm_format_extension (format), NULL);
  path = g_build_filename (dir, name, NULL);
  g_free (base);
  g_free (name);
  return path;
}

int
main (int argc, char **argv)
{
  gboolean analyze = FALSE;
  gchar **files = NULL;
  gchar *preset = NULL, *report = NULL, *outdir = NULL, *format = NULL;
  gdouble lufs = NAN, ceiling = NAN;
  gint intensity = -1, bits = 24, jobs_n = 1;
  GOptionEntry entries[] = {
    {"preset", 'p', 0, G_OPTION_ARG_STRING, &preset,
        "Target preset: streaming (-14 LUFS, -1 dBTP, the default), apple "
          "(-16/-1), podcast (-16/-1), broadcast (-23/-1), atsc (-24/-2), "
          "club (-9/-0.5)", "NAME"},
    {"lufs", 'l', 0, G_OPTION_ARG_DOUBLE, &lufs,
          "Target integrated loudness (LUFS, -70..0; overrides the preset's)",
        "X"},
    {"ceiling", 'c', 0, G_OPTION_ARG_DOUBLE, &ceiling,
          "True-peak ceiling (dBTP, -20..0; overrides the preset's)",
        "Y"},
    {"intensity", 'i', 0, G_OPTION_ARG_INT, &intensity,
        "How much EQ, compression and limiting (0..100, default 50; 0: "
          "loudness gain and ceiling only)", "N"},
    {"bits", 'b', 0, G_OPTION_ARG_INT, &bits,
        "Bits per sample of WAV and FLAC output: 24 (default) or 16 "
          "(TPDF dither)", "16|24"},
    {"report", 'r', 0, G_OPTION_ARG_FILENAME, &report,
        "Draw a report picture (.png or .svg)", "FILE"},
    {"output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
        "Batch: master every IN into DIR (same base name)", "DIR"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
        "Batch: output format wav (default), flac, ogg or opus", "FMT"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs_n,
        "Batch: master N files in parallel (default 1)", "N"},
    {"analyze", 'a', 0, G_OPTION_ARG_NONE, &analyze,
        "Only measure each FILE (EBU R128 / ITU-R BS.1770-4) and print a "
          "loudness report", NULL},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
        NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  GmSettings settings;
  const GmPreset *pr;
  GmFormat fmt = GM_FORMAT_WAV;
  GmJob *jobs;
  guint n, i;
  int ret;

  ctx = g_option_context_new ("IN OUT - master audio files (or: -o DIR "
      "IN..., --analyze FILE...)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_summary (ctx,
      "Master IN into OUT with the gst-mastering 'automaster' chain (EQ,\n"
      "compressor, stereo imager, true-peak limiter, loudness normaliser):\n"
      "an analysis pass, a render pass, then the written file is measured\n"
      "and a before/after table printed (integrated loudness, loudness\n"
      "range, true peak, sample peak, PLR, crest factor, correlation).\n"
      "IN: anything GStreamer decodes (mono or stereo).  OUT: .wav or\n"
      ".flac (24-bit, or 16-bit with TPDF dither; input sample rate kept),\n"
      ".ogg (Vorbis, input rate) or .opus (48 kHz).");
  g_option_context_set_description (ctx,
      "Examples:\n"
      "  gst-master mix.wav master.wav\n"
      "  gst-master mix.flac master.flac --preset apple --report mix.png\n"
      "  gst-master --lufs -11 --ceiling -0.8 --intensity 70 in.wav out.wav\n"
      "  gst-master -o masters/ -j 2 --format flac *.wav\n"
      "  gst-master --analyze song.flac\n"
      "\n"
      "The result must land within 0.1 LU of the target loudness with its\n"
      "true peak under the ceiling, measured on the written samples; for\n"
      "Ogg Vorbis and Opus on the encoder's input (the decoded file is\n"
      "measured and shown too: lossy encoding moves peaks).  The output is\n"
      "written under a temporary name and renamed when complete.\n"
      "\n"
      "The elements come from the 'mastering' plugin: after\n"
      "'meson install -C build' GStreamer finds it; from a build tree set\n"
      "GST_PLUGIN_PATH=build/gst.\n"
      "\n"
      "Exit status: 0 success, 1 a file failed (nothing written for it),\n"
      "2 usage error, 3 a needed GStreamer element is missing, 4 an output\n"
      "was written but missed its targets (the table says why), 130\n"
      "interrupted.");

  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    ret = usage_error (err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return ret;
  }
  g_option_context_free (ctx);
  n = files ? g_strv_length (files) : 0;

  if (analyze) {
    if (n == 0) {
      g_strfreev (files);
      return usage_error ("--analyze needs at least one FILE");
    }
    if (!check_elements (FALSE)) {
      g_strfreev (files);
      return GM_EXIT_NO_ELEMENT;
    }
    ret = run_analyze (files);
    g_strfreev (files);
    gst_deinit ();
    return ret;
  }

  /* mastering: check the command line before touching any file */
  ret = 0;
  pr = gm_preset_find (preset ? preset : "streaming");
  if (n == 0)
    ret = usage_error ("nothing to do: give IN OUT, -o DIR IN..., or "
        "--analyze FILE...");
  else if (!outdir && n != 2)
    ret = usage_error ("give one IN and one OUT, or -o DIR for a batch");
  else if (!pr) {
    gchar *m = g_strdup_printf ("unknown preset '%s': use streaming, apple, "
        "podcast, broadcast, atsc or club", preset);
    ret = usage_error (m);
    g_free (m);
  } else if (!isnan (lufs) && (lufs < -70 || lufs > 0))
    ret = usage_error ("--lufs must be between -70 and 0 LUFS");
  else if (!isnan (ceiling) && (ceiling < -20 || ceiling > 0))
    ret = usage_error ("--ceiling must be between -20 and 0 dBTP");
  else if (intensity != -1 && (intensity < 0 || intensity > 100))
    ret = usage_error ("--intensity must be between 0 and 100");
  else if (bits != 16 && bits != 24)
    ret = usage_error ("--bits must be 16 or 24");
  else if (jobs_n < 1 || jobs_n > 64)
    ret = usage_error ("-j must be between 1 and 64");
  else if (report && !gm_report_name_ok (report))
    ret = usage_error ("--report FILE must end in .png or .svg");
  else if (report && outdir)
    ret = usage_error ("--report draws one file's report: not with -o");
  else if (format && !outdir)
    ret = usage_error ("--format is for -o DIR; OUT's extension gives the "
        "format");
  if (ret == 0 && outdir) {
    gchar *ext = format ? g_strconcat (".", format, NULL) : NULL;
    if (ext && !gm_format_from_name (ext, &fmt))
      ret = usage_error ("--format must be wav, flac, ogg or opus");
    else if (!g_file_test (outdir, G_FILE_TEST_IS_DIR)) {
      g_printerr ("gst-master: %s: no such directory\n", outdir);
      ret = GM_EXIT_FAILED;
    }
    g_free (ext);
  } else if (ret == 0 && !gm_format_from_name (files[1], &fmt)) {
    gchar *m = g_strdup_printf ("cannot tell the output format of '%s': "
        "use .wav, .flac, .ogg or .opus", files[1]);
    ret = usage_error (m);
    g_free (m);
  }
  if (ret == 0) {
    settings.preset = pr->nick;
    settings.lufs = isnan (lufs) ? pr->lufs : lufs;
    settings.ceiling = isnan (ceiling) ? pr->ceiling : ceiling;
    settings.intensity = intensity;
    settings.bits = bits;
    if (settings.lufs > settings.ceiling) {
      gchar *m = g_strdup_printf ("impossible targets: %.1f LUFS with true "
          "peaks under %.1f dBTP (a programme's true peak is above its "
          "loudness: lower --lufs or raise --ceiling)", settings.lufs,
          settings.ceiling);
      ret = usage_error (m);
      g_free (m);
    }
  }
  if (ret == 0 && report) {
    gchar *dir = g_path_get_dirname (report);

    if (g_access (dir, W_OK) != 0) {
      g_printerr ("gst-master: cannot write the report %s: %s\n", report,
          g_strerror (errno));
      ret = GM_EXIT_FAILED;
    }
    g_free (dir);
  }
  if (ret == 0) {
    gchar *failure = NULL;

    if (!check_elements (TRUE))
      ret = GM_EXIT_NO_ELEMENT;
    else if (!gm_master_check_elements (fmt, &failure)) {
      g_printerr ("gst-master: %s\n", failure);
      g_free (failure);
      ret = GM_EXIT_NO_ELEMENT;
    }
  }
  if (ret != 0) {
    g_strfreev (files);
    g_free (preset);
    g_free (report);
    g_free (outdir);
    g_free (format);
    return ret;
  }

  if (outdir) {
    jobs = g_new0 (GmJob, n);
    for (i = 0; i < n; i++) {
      jobs[i].in = g_strdup (files[i]);
      jobs[i].out = batch_output (outdir, files[i], fmt);
      jobs[i].format = fmt;
      jobs[i].settings = &settings;
    }
    /* two inputs with the same base name would race for one output */
    for (i = 0; i < n && ret == 0; i++) {
      guint k;
      for (k = 0; k < i; k++)
        if (strcmp (jobs[i].out, jobs[k].out) == 0) {
          g_printerr ("gst-master: %s and %s would both be written to %s\n",
              jobs[k].in, jobs[i].in, jobs[i].out);
          ret = GM_EXIT_USAGE;
          break;
        }
    }
  } else {
    n = 1;
    jobs = g_new0 (GmJob, 1);
    jobs[0].in = g_strdup (files[0]);
    jobs[0].out = g_strdup (files[1]);
    jobs[0].report = g_strdup (report);
    jobs[0].format = fmt;
    jobs[0].settings = &settings;
  }

  if (ret == 0) {
    install_signal_handlers ();
    ret = run_jobs (jobs, n, outdir ? (guint) jobs_n : 1);
  }

  for (i = 0; i < n; i++) {
    gm_job_clear (&jobs[i]);
    g_free (jobs[i].in);
    g_free (jobs[i].out);
    g_free (jobs[i].report);
  }
  g_free (jobs);
  g_strfreev (files);
  g_free (preset);
  g_free (report);
  g_free (outdir);
  g_free (format);
  gst_deinit ();
  return ret;
}
