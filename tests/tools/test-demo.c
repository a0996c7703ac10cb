/* gst-mastering: the bundled demo track (tools/mkdemo.c) is what the
 * README promises: 48 kHz stereo 24-bit PCM, 30 s, a premaster with
 * integrated loudness between -24 and -20 LUFS, sample peaks near
 * -1 dBFS and inter-sample peaks above 0 dBTP, quiet and loud passages.
 * Measured with libebur128, independent of our meter.
 *
 * Usage (meson test): test-demo DEMO.wav
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "refmeter.h"

static const gchar *demo_path;

GST_START_TEST (test_demo_format)
{
  RefWav wav;
  gchar *error = NULL;

  fail_unless (ref_wav_read (demo_path, &wav, &error), "%s: %s", demo_path,
      error);
  fail_unless_equals_int (wav.rate, 48000);
  fail_unless_equals_int (wav.channels, 2);
  fail_unless_equals_int (wav.bits, 24);
  fail_unless_equals_uint64 (wav.frames, 30 * 48000);
  ref_wav_clear (&wav);
}

GST_END_TEST;

GST_START_TEST (test_demo_loudness)
{
  RefWav wav;
  RefLoudness ref;
  gchar *error = NULL;

  fail_unless (ref_wav_read (demo_path, &wav, &error), "%s: %s", demo_path,
      error);
  fail_unless (ref_measure (&wav, &ref));
  GST_INFO
      ("demo: I %.2f LUFS, LRA %.2f LU (10 Hz: %.2f), TP %.2f/%.2f dBTP (exact "
      "%.2f/%.2f), SP %.2f/%.2f dBFS, max M %.2f, max S %.2f LUFS",
      ref.integrated, ref.range, ref.range_10hz, ref.true_peak[0],
      ref.true_peak[1], ref.exact_true_peak[0], ref.exact_true_peak[1],
      ref.sample_peak[0], ref.sample_peak[1], ref.max_momentary,
      ref.max_shortterm);

  /* a premaster: quieter than any delivery target */
  fail_unless (ref.integrated >= -24.0 && ref.integrated <= -20.0,
      "integrated %.2f LUFS not in [-24, -20]", ref.integrated);
  /* scaled to a -1 dBFS sample peak, then rounded to 24 bits */
  fail_unless (fabs (ref.max_sample_peak - -1.0) <= 0.01,
      "sample peak %.3f dBFS, expected -1.00 +- 0.01", ref.max_sample_peak);
  /* inter-sample peaks over full scale, what a true-peak limiter is for;
   * from content far from Nyquist, so that libebur128 and the exact
   * reconstruction agree (see refmeter.h) and any meter shows them */
  fail_unless (ref.max_true_peak > 0.3 && ref.max_true_peak < 3.0,
      "libebur128 true peak %.2f dBTP, expected in (+0.3, +3)",
      ref.max_true_peak);
  fail_unless (fabs (ref.max_exact_true_peak - ref.max_true_peak) <= 0.2,
      "exact true peak %.2f dBTP, libebur128 %.2f dBTP: differ > 0.2 dB",
      ref.max_exact_true_peak, ref.max_true_peak);
  /* quiet and loud passages */
  fail_unless (ref.range >= 10.0 && ref.range <= 30.0,
      "loudness range %.2f LU not in [10, 30]", ref.range);
  fail_unless (ref.max_momentary - ref.integrated >= 3.0,
      "max momentary %.2f LUFS only %.2f LU above integrated",
      ref.max_momentary, ref.max_momentary - ref.integrated);
  ref_wav_clear (&wav);
}

GST_END_TEST;

static Suite *
demo_suite (void)
{
  Suite *s = suite_create ("demo");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_demo_format);
  tcase_add_test (tc, test_demo_loudness);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  if (argc != 2) {
    g_printerr ("usage: %s DEMO.wav\n", argv[0]);
    return 2;
  }
  demo_path = argv[1];
  gst_check_init (&argc, &argv);
  s = demo_suite ();
  return gst_check_run_suite (s, "demo", __FILE__);
}
