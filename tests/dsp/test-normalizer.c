/* gst-mastering: dsp/normalizer.c, the live loudness normaliser of
 * loudnorm mode=dynamic.
 *
 * Tolerances (from the loudnorm issue):
 *   integrated loudness of the output within 1 LU of the target (EBU R128
 *     live tolerance) on a 3-minute programme with loud and quiet sections;
 *   output true peak (16x reference meter) at most the limit + 0.01 dB;
 *   gain steps at most MST_NORMALIZER_MAX_STEP_DB per 10 ms;
 *   speech with pauses: the gain during a pause within 1 dB of the gain
 *     before it;
 *   latency and sample count exact; silence in, silence out.
 */
#include <gst/check/gstcheck.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mst.h"
#include "loudness.h"
#include "normalizer.h"
#include "refpeak.h"
#include "synth.h"

#define RATE 48000

/* 3 minutes of music-like programme: loud, quiet (-12 dB), loud, medium
 * (-4 dB) sections of 45 s (input about -27 LUFS, LRA about 20 LU). */
static double *
make_programme (size_t *frames_out)
{
  size_t frames = (size_t) 180 * RATE, i;
  double *x = malloc (frames * 2 * sizeof (double));
  static const double sec_db[4] = { 0.0, -8.0, 0.0, -4.0 };

  fail_unless (x != NULL);
  fail_unless_equals_int (mst_synth_music_f64 (x, frames, 2, RATE, -3.0,
          11), 0);
  for (i = 0; i < frames; i++) {
    double g = mst_db_to_lin (sec_db[(i / (45 * RATE)) % 4]);

    x[2 * i] *= g;
    x[2 * i + 1] *= g;
  }
  *frames_out = frames;
  return x;
}

static double
integrated (const double *x, size_t frames, unsigned ch, double *lra)
{
  MstLoudness *m = mst_loudness_new (RATE, ch);
  double i;

  mst_loudness_add_f64 (m, x, frames);
  i = mst_loudness_integrated (m);
  if (lra)
    *lra = mst_loudness_range (m);
  mst_loudness_free (m);
  return i;
}

/* Run x through n in hops of 10 ms, draining the latency, output aligned
 * with the input.  gains[k] (if not NULL) receives the gain after hop k. */
static void
run (MstNormalizer * n, const double *x, double *y, size_t frames,
    unsigned ch, double *gains)
{
  unsigned lat = mst_normalizer_latency (n);
  size_t hop = RATE / 100, done = 0, k = 0;
  double *tmp = malloc ((frames + lat) * ch * sizeof (double));

  fail_unless (tmp != NULL);
  while (done < frames) {
    size_t m = MIN (hop, frames - done);

    mst_normalizer_process_f64 (n, x + done * ch, tmp + done * ch, m);
    if (gains)
      gains[k++] = mst_normalizer_gain (n);
    done += m;
  }
  mst_normalizer_process_f64 (n, NULL, tmp + frames * ch, lat);
  memcpy (y, tmp + (size_t) lat * ch, frames * ch * sizeof (double));
  free (tmp);
}

static double
true_peak_db (const double *y, size_t frames, unsigned ch, double limit)
{
  /* the 16x reference meter around every sample within 4 dB of the
   * limit (an inter-sample peak needs a neighbouring sample that high) */
  double thr = mst_db_to_lin (limit - 4.0), tp = 0.0;
  unsigned c;

  for (c = 0; c < ch; c++) {
    size_t i = 0;

    while (i < frames) {
      size_t s;

      if (fabs (y[i * ch + c]) <= thr) {
        i++;
        continue;
      }
      s = i;
      while (i < frames && fabs (y[i * ch + c]) > thr)
        i++;
      tp = MAX (tp, mst_refpeak_range_f64 (y, frames, ch, c, (long) s - 2,
              (long) i + 2));
    }
  }
  return mst_lin_to_db (tp);
}

GST_START_TEST (test_bad_args)
{
  fail_unless (mst_normalizer_new (1000, 2, 3000) == NULL);
  fail_unless (mst_normalizer_new (RATE, 0, 3000) == NULL);
  fail_unless (mst_normalizer_new (RATE, MST_CHANNELS_MAX + 1, 3000) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_latency_and_silence)
{
  MstNormalizer *n = mst_normalizer_new (RATE, 2, 3000);
  MstNormalizer *m = mst_normalizer_new (RATE, 2, 100);
  MstLimiter *lim = mst_limiter_new (RATE, 2, MST_LIMITER_LOOKAHEAD_DEFAULT);
  size_t frames = 5 * RATE, i;
  double *x = calloc (frames * 2, sizeof (double));
  double *y = malloc (frames * 2 * sizeof (double));
  unsigned lat_lim = mst_limiter_latency (lim);

  fail_unless_equals_int (mst_normalizer_latency (n), 3 * RATE + lat_lim);
  fail_unless_equals_int (mst_normalizer_latency (m), RATE / 10 + lat_lim);

  /* silence in, silence out, gain 0 dB, no NaN */
  run (n, x, y, frames, 2, NULL);
  for (i = 0; i < frames * 2 && y[i] == 0.0; i++);
  fail_unless_equals_uint64 (i, frames * 2);
  fail_unless (mst_normalizer_gain (n) == 0.0);

  /* in NULL is silence too */
  mst_normalizer_process_f64 (n, NULL, y, 1000);
  for (i = 0; i < 2000; i++)
    fail_unless (y[i] == 0.0);

  /* the delay: a tone starting at frame 1000 comes out exactly latency
   * frames later */
  mst_normalizer_reset (m);
  mst_synth_sine_f64 (x + 2000, frames - 1000, 2, 0x3, RATE, 1000.0, 0.1,
      0.5, 0);
  mst_normalizer_process_f64 (m, x, y, frames);
  for (i = 0; i < frames * 2 && y[i] == 0.0; i++);
  fail_unless_equals_int (i / 2, 1000 + mst_normalizer_latency (m));
  for (; i < frames * 2 && isfinite (y[i]); i++);
  fail_unless_equals_uint64 (i, frames * 2);

  mst_limiter_free (lim);
  mst_normalizer_free (n);
  mst_normalizer_free (m);
  free (x);
  free (y);
}

GST_END_TEST;

GST_START_TEST (test_programme)
{
  static const double targets[] = { -23.0, -16.0, -14.0 };
  size_t frames, hops, k, t;
  double *x = make_programme (&frames);
  double *y = malloc (frames * 2 * sizeof (double));
  double lra_in, in_i = integrated (x, frames, 2, &lra_in);

  hops = frames / (RATE / 100);
  for (t = 0; t < G_N_ELEMENTS (targets); t++) {
    MstNormalizer *n = mst_normalizer_new (RATE, 2, 3000);
    double *gains = malloc (hops * sizeof (double));
    double lra_out, out_i, tp, max_step = 0.0;

    mst_normalizer_set_target (n, targets[t]);
    mst_normalizer_set_true_peak_limit (n, -1.0);
    run (n, x, y, frames, 2, gains);
    out_i = integrated (y, frames, 2, &lra_out);
    tp = true_peak_db (y, frames, 2, -1.0);
    /* from the gain set when the lookahead filled (0 dB before: only
     * the delay line's silence came out) */
    for (k = 0; k + 1 < hops && gains[k] == 0.0; k++);
    for (k = k + 1; k < hops; k++)
      max_step = MAX (max_step, fabs (gains[k] - gains[k - 1]));
    GST_INFO ("target %.1f: input %.2f LUFS LRA %.2f, output %.2f LUFS "
        "LRA %.2f, true peak %.3f dBTP, largest step %.4f dB", targets[t],
        in_i, lra_in, out_i, lra_out, tp, max_step);
    fail_unless (fabs (out_i - targets[t]) <= 1.0,
        "integrated %.2f, target %.1f", out_i, targets[t]);
    fail_unless (tp <= -1.0 + 0.01, "true peak %.3f", tp);
    fail_unless (max_step <= MST_NORMALIZER_MAX_STEP_DB + 1e-9,
        "gain step %.4f dB per 10 ms", max_step);
    /* the programme's range (about 20 LU) comes down towards 11, never
     * below what the target asks */
    fail_unless (lra_out >= MIN (lra_in, 11.0) - 1.0, "LRA %.2f -> %.2f",
        lra_in, lra_out);
    fail_unless (lra_out <= lra_in + 0.5, "LRA %.2f -> %.2f", lra_in, lra_out);
    free (gains);
    mst_normalizer_free (n);
  }

  /* a lower loudness-range target compresses more */
  {
    MstNormalizer *n = mst_normalizer_new (RATE, 2, 3000);
    double lra_out;

    mst_normalizer_set_target (n, -16.0);
    mst_normalizer_set_lra_target (n, 5.0);
    run (n, x, y, frames, 2, NULL);
    integrated (y, frames, 2, &lra_out);
    GST_INFO ("LRA target 5: %.2f -> %.2f", lra_in, lra_out);
    fail_unless (lra_out < lra_in - 3.0, "LRA %.2f -> %.2f", lra_in, lra_out);
    mst_normalizer_free (n);
  }
  free (x);
  free (y);
}

GST_END_TEST;

GST_START_TEST (test_speech_pauses)
{
  /* 4 s of talk, 2.5 s pauses: the gain must not rise in the pauses */
  size_t frames = (size_t) 60 * RATE, hop = RATE / 100, hops = frames / hop;
  double *x = malloc (frames * sizeof (double));
  double *y = malloc (frames * sizeof (double));
  double *gains = malloc (hops * sizeof (double));
  MstNormalizer *n = mst_normalizer_new (RATE, 1, 3000);
  unsigned lat = mst_normalizer_latency (n);
  double worst = 0.0, out_i;
  size_t k;

  fail_unless_equals_int (mst_synth_speech_f64 (x, frames, 1, RATE, -6.0,
          4.0, 2.5, 5), 0);
  mst_normalizer_set_target (n, -16.0);
  run (n, x, y, frames, 1, gains);
  out_i = integrated (y, frames, 1, NULL);

  /* gains[k] is the gain at output frame (k + 1) * hop - lat; compare each
   * pause (6.5 s cycles, from 4 s to 6.5 s) with the gain just before */
  for (k = 0; k < hops; k++) {
    double t = ((double) (k + 1) * hop - lat) / RATE, tc;
    double before;
    size_t kb;

    if (t < 13.0)               /* settle over the first two cycles */
      continue;
    tc = fmod (t, 6.5);
    if (tc < 4.0)
      continue;
    kb = k - (size_t) ((tc - 3.9) * 100.0);
    before = gains[kb];
    worst = MAX (worst, fabs (gains[k] - before));
  }
  GST_INFO ("speech: output %.2f LUFS, largest gain move in a pause %.3f dB",
      out_i, worst);
  fail_unless (worst <= 1.0, "gain moved %.3f dB in a pause", worst);
  fail_unless (fabs (out_i + 16.0) <= 1.0, "integrated %.2f", out_i);

  mst_normalizer_free (n);
  free (x);
  free (y);
  free (gains);
}

GST_END_TEST;

GST_START_TEST (test_max_gain)
{
  /* a very quiet programme: the gain stops at max-gain */
  size_t frames = (size_t) 20 * RATE, hop = RATE / 100, k;
  double *x = malloc (frames * 2 * sizeof (double));
  double *y = malloc (frames * 2 * sizeof (double));
  double *gains = malloc (frames / hop * sizeof (double));
  MstNormalizer *n = mst_normalizer_new (RATE, 2, 1000);

  mst_synth_music_f64 (x, frames, 2, RATE, -50.0, 3);
  mst_normalizer_set_max_gain (n, 10.0);
  run (n, x, y, frames, 2, gains);
  for (k = 0; k < frames / hop; k++)
    fail_unless (gains[k] <= 10.0 + 1e-9, "gain %.3f", gains[k]);
  fail_unless (gains[frames / hop - 1] > 9.9);

  mst_normalizer_free (n);
  free (x);
  free (y);
  free (gains);
}

GST_END_TEST;

GST_START_TEST (test_f32_matches_f64)
{
  size_t frames = (size_t) 10 * RATE, i;
  double *x = malloc (frames * 2 * sizeof (double));
  double *y = malloc (frames * 2 * sizeof (double));
  float *xf = malloc (frames * 2 * sizeof (float));
  MstNormalizer *a = mst_normalizer_new (RATE, 2, 500);
  MstNormalizer *b = mst_normalizer_new (RATE, 2, 500);
  double err = 0.0;

  mst_synth_music_f64 (x, frames, 2, RATE, -6.0, 9);
  mst_synth_to_f32 (xf, x, frames * 2);
  for (i = 0; i < frames * 2; i++)
    x[i] = xf[i];
  mst_normalizer_process_f64 (a, x, y, frames);
  /* in place */
  mst_normalizer_process_f32 (b, xf, xf, frames);
  for (i = 0; i < frames * 2; i++)
    err = MAX (err, fabs (y[i] - xf[i]));
  fail_unless (err < 1e-5, "f32 vs f64 %g", err);
  fail_unless (fabs (mst_normalizer_gain (a) - mst_normalizer_gain (b)) < 1e-6);

  /* the constant-gain helpers */
  mst_gain_apply_f64 (x, y, 4, 2.0);
  for (i = 0; i < 4; i++)
    fail_unless (y[i] == 2.0 * x[i]);
  mst_gain_apply_f32 (NULL, xf, 4, 2.0);
  for (i = 0; i < 4; i++)
    fail_unless (xf[i] == 0.0f);

  mst_normalizer_free (a);
  mst_normalizer_free (b);
  free (x);
  free (y);
  free (xf);
}

GST_END_TEST;

static Suite *
normalizer_suite (void)
{
  Suite *s = suite_create ("normalizer");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  mst_dsp_init ();
  tcase_add_test (tc, test_bad_args);
  tcase_add_test (tc, test_latency_and_silence);
  tcase_add_test (tc, test_programme);
  tcase_add_test (tc, test_speech_pauses);
  tcase_add_test (tc, test_max_gain);
  tcase_add_test (tc, test_f32_matches_f64);
  return s;
}

GST_CHECK_MAIN (normalizer);
