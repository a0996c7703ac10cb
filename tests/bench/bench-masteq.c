/* Benchmark: masteq with 5 bands against equalizer-nbands (5 bands),
 * ffmpeg with 5 `equalizer` filters and LSP Parametric Equalizer x16
 * Stereo (lv2, 5 bell filters), on the same 10 minutes of synthesised
 * 48 kHz stereo music (MST_BENCH_SECONDS overrides).  Prints x-realtime;
 * a missing peer prints "peer not available, skipped".
 *
 * GStreamer elements are timed in one GstHarness each, pushing 4096-frame
 * F32 buffers (one deep copy of the signal per buffer, the same for every
 * element).  ffmpeg reads the same samples as raw F32 from a file, single
 * threaded; its time without filters (anull) is reported as well. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/resource.h>

#include "bench-common.h"
#include "synth.h"

#define RATE 48000
#define BLOCK 4096
#define CAPS "audio/x-raw,format=" GST_AUDIO_NE (F32) \
  ",layout=interleaved,rate=48000,channels=2"

static double seconds = 600.0;
static float *signal_f32;
static gsize signal_frames;

/* CPU time of this process (the measured work runs in this thread: the
 * harness pushes and pulls synchronously), steadier than wall time on a
 * shared machine. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double
time_element (const gchar * desc)
{
  GstHarness *h;
  GstBuffer *tmpl;
  gsize total = (gsize) (seconds * RATE), done = 0, pos = 0;
  double t0, t1;

  h = gst_harness_new_parse (desc);
  if (!h)
    return -1.0;
  gst_harness_set_caps_str (h, CAPS, CAPS);
  tmpl = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, signal_f32,
      signal_frames * 2 * sizeof (float), 0,
      signal_frames * 2 * sizeof (float), NULL, NULL);
  t0 = cpu_seconds ();
  while (done < total) {
    gsize n = MIN (BLOCK, total - done), off;
    GstBuffer *b, *o;
    if (pos + n > signal_frames)
      pos = 0;
    off = pos * 2 * sizeof (float);
    b = gst_buffer_copy_region (tmpl, GST_BUFFER_COPY_MEMORY |
        GST_BUFFER_COPY_DEEP, off, n * 2 * sizeof (float));
    if (gst_harness_push (h, b) != GST_FLOW_OK)
      break;
    o = gst_harness_pull (h);
    gst_buffer_unref (o);
    done += n;
    pos += n;
  }
  t1 = cpu_seconds ();
  gst_buffer_unref (tmpl);
  gst_harness_teardown (h);
  if (done < total)
    return -1.0;
  return seconds / (t1 - t0);
}

static void
report (const gchar * what, double x)
{
  if (x > 0.0)
    g_print ("  %-52s %8.0fx realtime\n", what, x);
  else
    g_print ("  %-52s peer not available, skipped\n", what);
}

/* CPU time (user + system) of an ffmpeg run in seconds, < 0 when it
 * fails. */
static double
time_ffmpeg (const gchar * raw, const gchar * filters)
{
  gchar *cmd;
  double t0, t1;
  int rc, loops = (int) (seconds / ((double) signal_frames / RATE) + 0.5);

  cmd = g_strdup_printf ("ffmpeg -nostdin -hide_banner -loglevel error "
      "-threads 1 -filter_threads 1 -stream_loop %d -f f32le -ar 48000 "
      "-ac 2 -i '%s' -af '%s' -f null - >/dev/null 2>&1", loops - 1, raw,
      filters);
  t0 = bench_cpu_s (RUSAGE_CHILDREN);
  rc = system (cmd);
  t1 = bench_cpu_s (RUSAGE_CHILDREN);
  g_free (cmd);
  if (rc != 0)
    return -1.0;
  return t1 - t0;
}

int
main (int argc, char **argv)
{
  const gchar *env = g_getenv ("MST_BENCH_SECONDS");
  double *d, x;
  gchar *raw, *ffbin;
  FILE *f;

  gst_init (&argc, &argv);
  if (env && atof (env) > 0.0)
    seconds = atof (env);

  /* 60 s of music, looped */
  signal_frames = (gsize) (MIN (seconds, 60.0) * RATE);
  d = g_new (double, signal_frames * 2);
  mst_synth_music_f64 (d, signal_frames, 2, RATE, -1.0, 42);
  signal_f32 = g_new (float, signal_frames * 2);
  mst_synth_to_f32 (signal_f32, d, signal_frames * 2);
  g_free (d);

  g_print ("masteq: 5 bands, %.0f s of 48 kHz stereo F32\n", seconds);

  x = time_element ("masteq num-bands=5 "
      "band0::type=high-pass band0::freq=30 band0::order=2 "
      "band1::type=low-shelf band1::freq=90 band1::gain=1.5 "
      "band2::type=peak band2::freq=300 band2::gain=-2 band2::q=1 "
      "band3::type=peak band3::freq=2500 band3::gain=1 band3::q=1.4 "
      "band4::type=high-shelf band4::freq=10000 band4::gain=2");
  report ("masteq (5 bands: HP, low shelf, 2 peaks, high shelf)", x);
  x = time_element ("masteq num-bands=5 "
      "band0::type=peak band0::freq=60 band0::gain=1 "
      "band1::type=peak band1::freq=250 band1::gain=-1 band1::channels=mid "
      "band2::type=peak band2::freq=1000 band2::gain=1 band2::channels=side "
      "band3::type=peak band3::freq=4000 band3::gain=-1 "
      "band4::type=peak band4::freq=12000 band4::gain=1");
  report ("masteq (5 peaks, one mid, one side)", x);

  if (bench_have_element ("equalizer-nbands")) {
    x = time_element ("equalizer-nbands num-bands=5 "
        "band0::freq=60 band0::gain=1 band1::freq=250 band1::gain=-1 "
        "band2::freq=1000 band2::gain=1 band3::freq=4000 band3::gain=-1 "
        "band4::freq=12000 band4::gain=1");
  } else {
    x = -1.0;
  }
  report ("equalizer-nbands (5 bands)", x);

  if (bench_have_element ("lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo")) {
    x = time_element ("lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo "
        "enabled=true ft-0=1 f-0=60 g-0=1.122 q-0=0.7 "
        "ft-1=1 f-1=250 g-1=0.891 q-1=0.7 ft-2=1 f-2=1000 g-2=1.122 q-2=0.7 "
        "ft-3=1 f-3=4000 g-3=0.891 q-3=0.7 ft-4=1 f-4=12000 g-4=1.122 "
        "q-4=0.7");
  } else {
    x = -1.0;
  }
  report ("LSP Parametric Equalizer x16 Stereo (lv2, 5 bells)", x);

  ffbin = g_find_program_in_path ("ffmpeg");
  raw = g_build_filename (g_get_tmp_dir (), "bench-masteq.f32", NULL);
  f = ffbin ? fopen (raw, "wb") : NULL;
  if (f && fwrite (signal_f32, sizeof (float), signal_frames * 2, f) ==
      signal_frames * 2 && fclose (f) == 0) {
    double tn = time_ffmpeg (raw, "anull");
    double te = time_ffmpeg (raw, "equalizer=f=60:t=q:w=0.7:g=1,"
        "equalizer=f=250:t=q:w=0.7:g=-1,equalizer=f=1000:t=q:w=0.7:g=1,"
        "equalizer=f=4000:t=q:w=0.7:g=-1,equalizer=f=12000:t=q:w=0.7:g=1");
    report ("ffmpeg 5x equalizer (whole run)", te > 0 ? seconds / te : -1);
    if (te > tn && tn > 0)
      report ("ffmpeg 5x equalizer (minus the anull run)", seconds / (te - tn));
  } else {
    if (f)
      fclose (f);
    report ("ffmpeg 5x equalizer", -1.0);
  }
  g_unlink (raw);
  g_free (raw);
  g_free (ffbin);
  g_free (signal_f32);
  return 0;
}
