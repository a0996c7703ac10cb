/* gst-mastering: tests of gst-master's measuring pipeline (tools/measure.c)
 * on synthetic 32-bit float WAV files.
 *
 *  - RMS, crest factor and correlation of a sine in both channels, and of
 *    channels in opposite phase;
 *  - the long-term spectrum: a sine on a bin centre shows its power there
 *    (1.0 = a full-scale sine) within 0.1 dB;
 *  - past about 175 s only one FFT frame in k is transformed: a programme
 *    whose first half is one tone and second half another shows each at
 *    half its power (within 0.2 dB), so the frames are spread over the
 *    whole programme, and the RMS still covers every sample.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "measure.h"
#include "wavwrite.h"

#define RATE 48000
/* bin k of the 8192-point FFT at 48 kHz is k * 5.859375 Hz */
#define BIN_A 171
#define BIN_B 500
#define BIN_HZ ((gdouble) RATE / GM_FFT_SIZE)

/* Writes `seconds` of stereo IEEE float WAV: left = a sin (2 pi f t),
 * right = sign * left, with f = fa for t < split, fb after. */
static gchar *
write_tones (gdouble seconds, gdouble a, gdouble fa, gdouble fb,
    gdouble split, gdouble sign)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("test-measure-XXXXXX.wav", &path, NULL);
  gsize frames = (gsize) (seconds * RATE), i, done = 0;
  guint8 head[44];
  FILE *f;

  fail_unless (fd >= 0);
  f = fdopen (fd, "wb");
  fail_unless (f != NULL);
  mst_wav_header (head, frames, 2, RATE, 32);
  fail_unless (fwrite (head, 1, 44, f) == 44);
  while (done < frames) {
    gdouble buf[2 * 4096];
    gsize n = MIN (frames - done, (gsize) 4096);

    for (i = 0; i < n; i++) {
      gdouble t = (gdouble) (done + i) / RATE;
      gdouble v = a * sin (2.0 * G_PI * (t < split ? fa : fb) * t);

      buf[2 * i] = v;
      buf[2 * i + 1] = sign * v;
    }
    fail_unless (mst_wav_put (f, buf, n, 2, 32) == 0);
    done += n;
  }
  fail_unless (fclose (f) == 0);
  return path;
}

/* Power (dB, 1.0 = a full-scale sine) of the spectrum around bin k. */
static gdouble
bin_db (const GmMeasurement * m, guint k)
{
  gdouble p = 0.0;
  guint j;

  /* the largest of the bin and its neighbours: a bin-centred sine's power
   * is its bin's */
  for (j = k - 1; j <= k + 1; j++)
    p = MAX (p, m->spectrum[j]);
  return 10.0 * log10 (p);
}

static void
measure (const gchar * path, GmMeasurement * m)
{
  gchar *failure = NULL;

  gm_measurement_init (m);
  if (!gm_measure_file (path, TRUE, m, NULL, NULL, NULL, &failure))
    fail ("%s: %s", path, failure);
  fail_unless (m->spectrum != NULL);
}

GST_START_TEST (test_sine)
{
  gdouble fa = BIN_A * BIN_HZ;
  gchar *path = write_tones (20.0, 0.5, fa, fa, 1e9, 1.0);
  GmMeasurement m;

  measure (path, &m);
  GST_INFO ("rms %.3f dB, crest %.3f dB, correlation %.4f, bin %u %.3f dB",
      m.rms, m.crest, m.correlation, BIN_A, bin_db (&m, BIN_A));
  /* mean square of a sine of amplitude 0.5: 0.125 */
  fail_unless (fabs (m.rms - 10.0 * log10 (0.125)) < 0.01, "rms %.3f", m.rms);
  fail_unless (fabs (m.crest - 3.01) < 0.05, "crest %.3f", m.crest);
  fail_unless (fabs (m.correlation - 1.0) < 1e-6);
  fail_unless (fabs (bin_db (&m, BIN_A) - 20.0 * log10 (0.5)) < 0.1,
      "bin %u: %.3f dB", BIN_A, bin_db (&m, BIN_A));
  /* far from the tone: nothing but the window's leakage */
  fail_unless (bin_db (&m, BIN_B) < -100.0, "bin %u: %.1f dB", BIN_B,
      bin_db (&m, BIN_B));
  gm_measurement_clear (&m);
  g_unlink (path);
  g_free (path);

  /* the right channel in opposite phase */
  path = write_tones (5.0, 0.5, fa, fa, 1e9, -1.0);
  measure (path, &m);
  fail_unless (fabs (m.correlation + 1.0) < 1e-6, "%.6f", m.correlation);
  gm_measurement_clear (&m);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_long_spectrum)
{
  /* 240 s: 1406 FFT frames, so one in two is transformed */
  const gdouble seconds = 240.0;
  gchar *path = write_tones (seconds, 0.5, BIN_A * BIN_HZ, BIN_B * BIN_HZ,
      seconds / 2.0, 1.0);
  gdouble half = 20.0 * log10 (0.5) - 10.0 * log10 (2.0);
  GmMeasurement m;

  measure (path, &m);
  GST_INFO ("rms %.3f dB, bin %u %.3f dB, bin %u %.3f dB (expected %.3f "
      "each)", m.rms, BIN_A, bin_db (&m, BIN_A), BIN_B, bin_db (&m, BIN_B),
      half);
  fail_unless (fabs (m.rms - 10.0 * log10 (0.125)) < 0.01, "rms %.3f", m.rms);
  fail_unless (fabs (bin_db (&m, BIN_A) - half) < 0.2, "bin %u: %.3f dB",
      BIN_A, bin_db (&m, BIN_A));
  fail_unless (fabs (bin_db (&m, BIN_B) - half) < 0.2, "bin %u: %.3f dB",
      BIN_B, bin_db (&m, BIN_B));
  gm_measurement_clear (&m);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

static Suite *
measure_suite (void)
{
  Suite *s = suite_create ("measure");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sine);
  tcase_add_test (tc, test_long_spectrum);
  return s;
}

GST_CHECK_MAIN (measure);
