/* gst-mastering: unit tests of the K-weighting filter, the generic biquad
 * and the BS.1770 loudness meter (dsp/biquad, dsp/kweight, dsp/loudness).
 */
#include <gst/check/gstcheck.h>

#include <complex.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "kweight.h"
#include "loudness.h"
#include "synth.h"

/* ITU-R BS.1770-4 Annex 1, Tables 1 and 2: the 48 kHz coefficients. */
static const double bs1770_shelf[5] = {
  1.53512485958697, -2.69169618940638, 1.19839281085285,
  -1.69065929318241, 0.73248077421585
};

static const double bs1770_hp[5] = {
  1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621
};

/* The analogue prototype, written out independently of dsp/: the shelf
 * and the RLB high-pass evaluated at s = j 2 pi f.  freq_shelf and freq_hp
 * let a caller evaluate each section at its own (warped) frequency. */
static double
prototype_db (double freq_shelf, double freq_hp)
{
  double vh = pow (10.0, MST_KWEIGHT_SHELF_G_DB / 20.0);
  double vb = pow (vh, MST_KWEIGHT_SHELF_VB_EXP);
  double q1 = MST_KWEIGHT_SHELF_Q, q2 = MST_KWEIGHT_RLB_Q;
  double k48 = tan (M_PI * MST_KWEIGHT_RLB_F0 / 48000.0);
  double g = 1.0 + k48 / q2 + k48 * k48;
  double complex p1 = I * freq_shelf / MST_KWEIGHT_SHELF_F0;
  double complex p2 = I * freq_hp / MST_KWEIGHT_RLB_F0;
  double complex h1 = (1.0 + vb / q1 * p1 + vh * p1 * p1)
      / (1.0 + p1 / q1 + p1 * p1);
  double complex h2 = g * p2 * p2 / (1.0 + p2 / q2 + p2 * p2);

  return 20.0 * log10 (cabs (h1 * h2));
}

/* Analogue frequency that the bilinear transform pre-warped at f0 maps to
 * digital frequency f. */
static double
warped (double f, double f0, double rate)
{
  return f0 * tan (M_PI * f / rate) / tan (M_PI * f0 / rate);
}

static double
coefs_db (const double *c, double rate, double f)
{
  MstBiquad b = { c[0], c[1], c[2], c[3], c[4] };
  double mag;

  mst_biquad_response (&b, rate, f, &mag, NULL);
  return 20.0 * log10 (mag);
}

static const unsigned rates[] = {
  8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400,
  192000, 384000
};

GST_START_TEST (test_kweight_bs1770_coefficients)
{
  MstKWeight k;

  /* the 48 kHz design reproduces the BS.1770 table (issue: ~1e-6) */
  fail_unless_equals_int (mst_kweight_design (&k, 48000), MST_OK);
  fail_unless (fabs (k.shelf.b0 - bs1770_shelf[0]) < 1e-6);
  fail_unless (fabs (k.shelf.b1 - bs1770_shelf[1]) < 1e-6);
  fail_unless (fabs (k.shelf.b2 - bs1770_shelf[2]) < 1e-6);
  fail_unless (fabs (k.shelf.a1 - bs1770_shelf[3]) < 1e-6);
  fail_unless (fabs (k.shelf.a2 - bs1770_shelf[4]) < 1e-6);
  fail_unless (fabs (k.highpass.b0 - bs1770_hp[0]) < 1e-6);
  fail_unless (fabs (k.highpass.b1 - bs1770_hp[1]) < 1e-6);
  fail_unless (fabs (k.highpass.b2 - bs1770_hp[2]) < 1e-6);
  fail_unless (fabs (k.highpass.a1 - bs1770_hp[3]) < 1e-6);
  fail_unless (fabs (k.highpass.a2 - bs1770_hp[4]) < 1e-6);

  fail_unless_equals_int (mst_kweight_design (&k, 7999), MST_ERR_INVAL);
  fail_unless_equals_int (mst_kweight_design (&k, 384001), MST_ERR_INVAL);
}

GST_END_TEST;

/* The interleaved-stereo K-weighting (vectorised where the build allows)
 * gives bit for bit what the generic two-channel loop gives: the same
 * signal as channels 0-1 and 2-3 of a four-channel stream, F32 and F64,
 * in odd-sized chunks so the state carries across calls. */
GST_START_TEST (test_kweight_stereo_exact)
{
  const size_t frames = 48000;
  static const size_t chunks[] = { 1, 7, 480, 4099 };
  MstKWeight k;
  float *s32 = malloc (frames * 2 * sizeof (float));
  float *q32 = malloc (frames * 4 * sizeof (float));
  double *s64 = malloc (frames * 2 * sizeof (double));
  double *q64 = malloc (frames * 4 * sizeof (double));
  unsigned f64, c;
  size_t i;
  GRand *rand = g_rand_new_with_seed (1770);

  fail_unless_equals_int (mst_kweight_design (&k, 44100), MST_OK);
  for (i = 0; i < frames * 2; i++) {
    /* noise plus a loud low tone (the high-pass state matters) */
    double v = g_rand_double_range (rand, -0.5, 0.5)
        + 0.4 * sin (2.0 * M_PI * 31.0 * (double) (i / 2) / 44100.0 + i % 2);
    s32[i] = (float) v;
    s64[i] = v;
  }
  for (i = 0; i < frames; i++)
    for (c = 0; c < 4; c++) {
      q32[4 * i + c] = s32[2 * i + c % 2];
      q64[4 * i + c] = s64[2 * i + c % 2];
    }
  for (f64 = 0; f64 < 2; f64++) {
    MstBiquadState st2[2 * MST_KWEIGHT_STATES], st4[4 * MST_KWEIGHT_STATES];
    double sum2[2] = { 0.0, 0.0 }, sum4[4] = { 0.0, 0.0, 0.0, 0.0 };
    size_t pos = 0, n = 0;

    memset (st2, 0, sizeof (st2));
    memset (st4, 0, sizeof (st4));
    while (pos < frames) {
      size_t len = chunks[n++ % G_N_ELEMENTS (chunks)];

      len = MIN (len, frames - pos);
      if (f64) {
        mst_kweight_energy_f64 (&k, st2, s64 + 2 * pos, len, 2, sum2);
        mst_kweight_energy_f64 (&k, st4, q64 + 4 * pos, len, 4, sum4);
      } else {
        mst_kweight_energy_f32 (&k, st2, s32 + 2 * pos, len, 2, sum2);
        mst_kweight_energy_f32 (&k, st4, q32 + 4 * pos, len, 4, sum4);
      }
      pos += len;
    }
    for (c = 0; c < 2; c++) {
      fail_unless (sum2[c] > 0.0, "f64 %u channel %u: sum %g", f64, c, sum2[c]);
      fail_unless (sum2[c] == sum4[c] && sum2[c] == sum4[c + 2],
          "f64 %u channel %u: stereo %.17g, generic %.17g / %.17g", f64, c,
          sum2[c], sum4[c], sum4[c + 2]);
      fail_unless (memcmp (&st2[c * MST_KWEIGHT_STATES],
              &st4[c * MST_KWEIGHT_STATES],
              MST_KWEIGHT_STATES * sizeof (MstBiquadState)) == 0,
          "f64 %u channel %u: filter states differ", f64, c);
    }
  }
  g_rand_free (rand);
  free (s32);
  free (q32);
  free (s64);
  free (q64);
}

GST_END_TEST;

/* The fused multiply-add build (on a CPU that has it) and the plain one
 * agree far inside any loudness tolerance: 1e-12 relative on the sums of
 * squares of a minute of noise and low tones. */
GST_START_TEST (test_kweight_fma_agrees)
{
  const size_t frames = 48000 * 60;
  MstKWeight k;
  float *x = malloc (frames * 2 * sizeof (float));
  GRand *rand = g_rand_new_with_seed (3341);
  double sums[2][2] = { {0.0, 0.0}, {0.0, 0.0} }, rel = 0.0;
  int have, v;
  size_t i;
  unsigned c;

  fail_unless_equals_int (mst_kweight_design (&k, 48000), MST_OK);
  have = k.fma;
  for (i = 0; i < frames * 2; i++)
    x[i] = (float) (g_rand_double_range (rand, -0.3, 0.3)
        + 0.5 * sin (2.0 * M_PI * 41.0 * (double) (i / 2) / 48000.0));
  for (v = 0; v < 2; v++) {
    MstBiquadState st[2 * MST_KWEIGHT_STATES];

    memset (st, 0, sizeof (st));
    k.fma = v ? have : 0;
    for (i = 0; i < frames; i += 4800)
      mst_kweight_energy_f32 (&k, st, x + 2 * i, MIN (4800, frames - i), 2,
          sums[v]);
  }
  for (c = 0; c < 2; c++)
    rel = MAX (rel, fabs (sums[1][c] - sums[0][c]) / sums[0][c]);
  GST_INFO ("fused multiply-add %s: relative difference %g",
      have ? "in use" : "not available", rel);
  fail_unless (rel <= 1e-12, "relative difference %g", rel);
  g_rand_free (rand);
  free (x);
}

GST_END_TEST;

GST_START_TEST (test_kweight_response)
{
  static const double freqs[] = {
    10, 20, 38.1, 60, 100, 250, 500, 997, 1681.97, 2000, 3000, 3900
  };
  unsigned r, f;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    double rate = rates[r];
    MstKWeight k;

    fail_unless_equals_int (mst_kweight_design (&k, rate), MST_OK);
    for (f = 0; f < G_N_ELEMENTS (freqs); f++) {
      double fr = freqs[f], dig = mst_kweight_response_db (&k, rate, fr);
      /* the bilinear transform maps every digital frequency onto the
       * prototype at the section's warped frequency: 0.01 dB (issue) */
      double ana = prototype_db (warped (fr, MST_KWEIGHT_SHELF_F0, rate),
          warped (fr, MST_KWEIGHT_RLB_F0, rate));

      fail_unless (fabs (dig - ana) < 0.01,
          "rate %g, %g Hz: digital %.5f dB, prototype %.5f dB", rate, fr,
          dig, ana);
      /* where warping is negligible (f <= 3 kHz at >= 44.1 kHz) the
       * response is the prototype's and the 48 kHz table's: 0.01 dB */
      if (rate >= 44100 && fr <= 3000) {
        ana = prototype_db (fr, fr);
        fail_unless (fabs (dig - ana) < 0.01, "rate %g, %g Hz: %.5f vs %.5f",
            rate, fr, dig, ana);
        ana = coefs_db (bs1770_shelf, 48000, fr) + coefs_db (bs1770_hp,
            48000, fr);
        fail_unless (fabs (dig - ana) < 0.01, "rate %g, %g Hz: %.5f vs "
            "BS.1770 table %.5f", rate, fr, dig, ana);
      }
    }
  }
  /* The -0.691 dB offset cancels the filter at 997 Hz: the prototype's gain
   * there is +0.691 dB within 0.01 dB. */
  fail_unless (fabs (prototype_db (997.0, 997.0) - 0.691) < 0.01,
      "997 Hz: %.5f dB", prototype_db (997.0, 997.0));
}

GST_END_TEST;

/* The generic biquad: shapes against their analogue definitions at the
 * design frequency (where pre-warping makes them exact), processing
 * against mst_biquad_tick, cascades against repeated sections. */
GST_START_TEST (test_biquad)
{
  MstBiquad c[2];
  MstBiquadState s[6], t[4];    /* s: two sections of 3 channels */
  double in[2 * 512], out[2 * 512], ref[2 * 512], mag, ph;
  float inf[2 * 512], outf[2 * 512];
  unsigned i, ch;

  /* peak +6 dB at 1 kHz: exactly +6 dB at 1 kHz at any rate */
  fail_unless_equals_int (mst_biquad_design (&c[0], MST_BIQUAD_PEAK, 44100,
          1000, 1.0, 6.0), MST_OK);
  mst_biquad_response (&c[0], 44100, 1000, &mag, NULL);
  fail_unless (fabs (20 * log10 (mag) - 6.0) < 1e-9);
  /* Butterworth low-pass: -3.0103 dB at fc, unity at DC */
  mst_biquad_design (&c[0], MST_BIQUAD_LOWPASS, 8000, 3000, M_SQRT1_2, 0);
  mst_biquad_response (&c[0], 8000, 3000, &mag, NULL);
  fail_unless (fabs (20 * log10 (mag) + 3.0103) < 1e-3);
  mst_biquad_response (&c[0], 8000, 0.001, &mag, NULL);
  fail_unless (fabs (mag - 1.0) < 1e-9);
  /* high shelf +12 dB: +6 dB at f0, +12 dB near Nyquist (within 0.1) */
  mst_biquad_design (&c[0], MST_BIQUAD_HIGHSHELF, 48000, 2000, M_SQRT1_2, 12.0);
  mst_biquad_response (&c[0], 48000, 2000, &mag, NULL);
  fail_unless (fabs (20 * log10 (mag) - 6.0) < 1e-9);
  mst_biquad_response (&c[0], 48000, 23000, &mag, NULL);
  fail_unless (fabs (20 * log10 (mag) - 12.0) < 0.1);
  /* all-pass: unity magnitude, -180 degrees at f0 */
  mst_biquad_design (&c[0], MST_BIQUAD_ALLPASS, 48000, 500, 0.7, 0);
  mst_biquad_response (&c[0], 48000, 500, &mag, &ph);
  fail_unless (fabs (mag - 1.0) < 1e-12);
  fail_unless (fabs (fabs (remainder (ph, 2 * M_PI)) - M_PI) < 1e-9);
  /* bad arguments */
  fail_unless_equals_int (mst_biquad_design (&c[0], MST_BIQUAD_LOWPASS,
          48000, 24000, 0.7, 0), MST_ERR_INVAL);
  fail_unless_equals_int (mst_biquad_design (&c[0], MST_BIQUAD_PEAK,
          48000, 1000, 0.0, 3), MST_ERR_INVAL);

  /* block processing == per-sample reference, stereo interleaved, also
   * in place and across calls */
  mst_biquad_design (&c[0], MST_BIQUAD_PEAK, 48000, 300, 2.0, -8.0);
  mst_biquad_design (&c[1], MST_BIQUAD_HIGHPASS, 48000, 80, 0.6, 0);
  mst_synth_noise_f64 (in, 512, 2, 3, 0.3, 7);
  mst_biquad_state_reset (s, 2);
  mst_biquad_state_reset (t, 2);
  for (i = 0; i < 512; i++)
    for (ch = 0; ch < 2; ch++)
      ref[2 * i + ch] = mst_biquad_tick (&c[0], &t[ch], in[2 * i + ch]);
  mst_biquad_process_f64 (&c[0], s, in, out, 200, 2);
  mst_biquad_process_f64 (&c[0], s, in + 400, out + 400, 312, 2);
  for (i = 0; i < 1024; i++)
    fail_unless (fabs (out[i] - ref[i]) < 1e-15);
  /* f32 path: the same recursion, rounded to float on output only */
  mst_synth_to_f32 (inf, in, 1024);
  mst_biquad_state_reset (s, 2);
  mst_biquad_process_f32 (&c[0], s, inf, outf, 512, 2);
  for (i = 0; i < 1024; i++)
    fail_unless (fabs (outf[i] - ref[i]) < 1e-6);

  /* cascade of two == two single sections, mono and 3 channels */
  for (ch = 1; ch <= 3; ch += 2) {
    mst_synth_noise_f64 (in, 300, ch, 7, 0.3, 9);
    mst_biquad_state_reset (s, 2 * ch);
    mst_biquad_cascade_process_f64 (c, 2, s, in, out, 300, ch);
    for (i = 0; i < ch; i++) {
      unsigned n;
      mst_biquad_state_reset (t, 2);
      for (n = 0; n < 300; n++) {
        double y = mst_biquad_tick (&c[0], &t[0], in[n * ch + i]);
        y = mst_biquad_tick (&c[1], &t[1], y);
        fail_unless (fabs (out[n * ch + i] - y) < 1e-15);
      }
    }
  }
  /* cascade response = sum of section responses in dB */
  fail_unless (fabs (mst_biquad_cascade_response_db (c, 2, 48000, 300)
          - (coefs_db (&c[0].b0, 48000, 300) + coefs_db (&c[1].b0, 48000,
                  300))) < 1e-9);

  /* denormals are flushed at the end of a block */
  mst_biquad_state_reset (s, 1);
  s[0].y1 = 1e-310;
  s[0].y2 = -1e-312;
  in[0] = 0.0;
  mst_biquad_process_f64 (&c[0], s, in, out, 1, 1);
  fail_unless (s[0].y1 == 0.0 && s[0].y2 == 0.0);
}

GST_END_TEST;

/* stereo 1 kHz at dbfs on both channels for seconds */
static double *
make_tone (unsigned rate, unsigned channels, double freq, double dbfs,
    double seconds, size_t *frames)
{
  size_t n = (size_t) llround (seconds * rate);
  double *x = g_new0 (double, n * channels);

  mst_synth_sine_f64 (x, n, channels, (1u << channels) - 1, rate, freq,
      pow (10.0, dbfs / 20.0), 0.0, 0);
  *frames = n;
  return x;
}

/* Expected loudness of a sine at dbfs on n channels: the prototype's
 * gain at the tone, -0.691, +10 log10 (n) - 3.01 (mean square of a sine). */
static double
tone_lufs (double freq, double dbfs, unsigned n, double rate)
{
  double g = prototype_db (warped (freq, MST_KWEIGHT_SHELF_F0, rate),
      warped (freq, MST_KWEIGHT_RLB_F0, rate));

  return dbfs + g - 0.691 + 10.0 * log10 (n * 0.5);
}

GST_START_TEST (test_silence_and_reset)
{
  MstLoudness *m = mst_loudness_new (48000, 2);
  size_t n;
  double *x = make_tone (48000, 2, 1000, -20, 5, &n);

  fail_unless (m != NULL);
  /* nothing fed */
  fail_unless (isinf (mst_loudness_momentary (m)));
  fail_unless (isinf (mst_loudness_integrated (m)));
  fail_unless (isinf (mst_loudness_range (m)));
  fail_unless (isinf (mst_loudness_max_shortterm (m)));
  /* digital silence, both ways */
  mst_loudness_add_silence (m, 48000 * 5);
  fail_unless_equals_int (mst_loudness_add_f64 (m, x, 0), 0);
  memset (x, 0, sizeof (double) * 2 * 48000);
  mst_loudness_add_f64 (m, x, 48000);
  fail_unless (mst_loudness_momentary (m) == -INFINITY);
  fail_unless (mst_loudness_shortterm (m) == -INFINITY);
  fail_unless (mst_loudness_integrated (m) == -INFINITY);
  fail_unless (mst_loudness_range (m) == -INFINITY);
  fail_unless (mst_loudness_max_momentary (m) == -INFINITY);
  fail_unless (mst_loudness_frames (m) == 48000 * 6);
  g_free (x);

  /* a tone, then reset: everything forgotten */
  x = make_tone (48000, 2, 1000, -20, 5, &n);
  mst_loudness_add_f64 (m, x, n);
  fail_unless (isfinite (mst_loudness_integrated (m)));
  mst_loudness_reset (m);
  fail_unless (mst_loudness_frames (m) == 0);
  fail_unless (mst_loudness_integrated (m) == -INFINITY);
  fail_unless (mst_loudness_max_momentary (m) == -INFINITY);
  mst_loudness_add_silence (m, 48000);
  fail_unless (mst_loudness_momentary (m) == -INFINITY,
      "filter state survived reset: %g", mst_loudness_momentary (m));
  /* after loud then silent input, the windows go back to exact silence
   * (no running-sum residue) */
  mst_loudness_add_f64 (m, x, n);
  mst_loudness_add_silence (m, 48000 * 4);
  fail_unless (mst_loudness_shortterm (m) < -200.0
      || mst_loudness_shortterm (m) == -INFINITY);

  fail_unless (mst_loudness_new (7999, 2) == NULL);
  fail_unless (mst_loudness_new (48000, 0) == NULL);
  fail_unless (mst_loudness_new (48000, MST_CHANNELS_MAX + 1) == NULL);
  g_free (x);
  mst_loudness_free (m);
}

GST_END_TEST;

GST_START_TEST (test_channel_weights)
{
  MstLoudness *a = mst_loudness_new (48000, 2), *b = mst_loudness_new (48000,
      2);
  size_t n, i;
  double *x = make_tone (48000, 2, 1000, -20, 10, &n);

  /* channel 1 silent: weight 1.41 on channel 0 raises every value by
   * 10 log10 (1.41) = 1.4922 LU */
  for (i = 0; i < n; i++)
    x[2 * i + 1] = 0.0;
  fail_unless_equals_int (mst_loudness_set_channel_weight (b, 0, 1.41), MST_OK);
  mst_loudness_add_f64 (a, x, n);
  mst_loudness_add_f64 (b, x, n);
  fail_unless (fabs (mst_loudness_integrated (b) - mst_loudness_integrated (a)
          - 10 * log10 (1.41)) < 0.001);
  fail_unless (fabs (mst_loudness_momentary (b) - mst_loudness_momentary (a)
          - 10 * log10 (1.41)) < 0.001);
  /* mono on one channel of two reads the mono figure */
  fail_unless (fabs (mst_loudness_integrated (a) - tone_lufs (1000, -20, 1,
              48000)) < 0.01);

  /* weight 0 excludes the channel (LFE) */
  mst_loudness_reset (b);
  fail_unless_equals_int (mst_loudness_set_channel_weight (b, 0, 0.0), MST_OK);
  mst_loudness_add_f64 (b, x, n);
  fail_unless (mst_loudness_integrated (b) == -INFINITY);

  fail_unless_equals_int (mst_loudness_set_channel_weight (b, 2, 1.0),
      MST_ERR_INVAL);
  fail_unless_equals_int (mst_loudness_set_channel_weight (b, 0, -1.0),
      MST_ERR_INVAL);
  fail_unless_equals_int (mst_loudness_set_channel_weight (b, 0, NAN),
      MST_ERR_INVAL);
  g_free (x);
  mst_loudness_free (a);
  mst_loudness_free (b);
}

GST_END_TEST;

GST_START_TEST (test_nonfinite)
{
  MstLoudness *a = mst_loudness_new (44100, 2), *b = mst_loudness_new (44100,
      2), *c = mst_loudness_new (44100, 2);
  size_t n, i, bad = 0, got;
  double *x = make_tone (44100, 2, 1000, -20, 12, &n);
  double *y = g_memdup2 (x, sizeof (double) * 2 * n);
  float *yf = g_new (float, 2 * n);

  /* 200 non-finite samples, in bursts and alone, on both channels */
  for (i = 0; i < 200; i++) {
    size_t at = (i * 2654435761u) % (2 * n);
    y[at] = (i % 3 == 0) ? NAN : (i % 3 == 1) ? INFINITY : -INFINITY;
  }
  for (i = 0; i < 2 * n; i++)
    bad += !isfinite (y[i]);
  mst_synth_to_f32 (yf, y, 2 * n);

  mst_loudness_add_f64 (a, x, n);
  got = 0;
  for (i = 0; i < n; i += 1000)
    got += mst_loudness_add_f64 (b, y + 2 * i, MIN (1000, n - i));
  fail_unless_equals_int (got, bad);
  fail_unless_equals_int (mst_loudness_add_f32 (c, yf, n), bad);

  /* nothing poisoned: every value finite, and the few zeroed samples
   * change the tone's loudness by far less than 0.01 LU */
  fail_unless (isfinite (mst_loudness_integrated (b)));
  fail_unless (isfinite (mst_loudness_momentary (b)));
  fail_unless (isfinite (mst_loudness_range (b)));
  fail_unless (isfinite (mst_loudness_max_shortterm (b)));
  fail_unless (fabs (mst_loudness_integrated (b) - mst_loudness_integrated (a))
      < 0.01);
  fail_unless (fabs (mst_loudness_integrated (c) - mst_loudness_integrated (a))
      < 0.01);
  fail_unless (fabs (mst_loudness_momentary (b) - mst_loudness_momentary (a))
      < 0.01);

  /* a clean stream after the bad one keeps measuring normally */
  mst_loudness_reset (b);
  bad = 0;
  for (i = 0; i < 2000; i++)
    bad += !isfinite (y[i]);
  fail_unless_equals_int (mst_loudness_add_f64 (b, y, 1000), bad);
  mst_loudness_add_f64 (b, x, n);
  fail_unless (fabs (mst_loudness_shortterm (b) - mst_loudness_shortterm (a))
      < 0.01);

  g_free (x);
  g_free (y);
  g_free (yf);
  mst_loudness_free (a);
  mst_loudness_free (b);
  mst_loudness_free (c);
}

GST_END_TEST;

GST_START_TEST (test_f32_f64_and_chunking)
{
  unsigned rate = 48000;
  size_t n = rate * 30, i;
  double *x = g_new (double, 2 * n);
  float *xf = g_new (float, 2 * n);
  double *xr = g_new (double, 2 * n);
  MstLoudness *a = mst_loudness_new (rate, 2), *b = mst_loudness_new (rate, 2),
      *c = mst_loudness_new (rate, 2);

  fail_unless (mst_synth_music_f64 (x, n, 2, rate, -1.0, 11) == 0);
  mst_synth_to_f32 (xf, x, 2 * n);
  for (i = 0; i < 2 * n; i++)
    xr[i] = xf[i];

  /* f32 and f64 of the same (float-representable) samples agree to
   * rounding: 1e-6 LU */
  mst_loudness_add_f64 (a, xr, n);
  mst_loudness_add_f32 (b, xf, n);
  fail_unless (fabs (mst_loudness_integrated (a) - mst_loudness_integrated (b))
      < 1e-6);
  fail_unless (fabs (mst_loudness_range (a) - mst_loudness_range (b)) < 1e-6);
  fail_unless (fabs (mst_loudness_max_momentary (a) -
          mst_loudness_max_momentary (b)) < 1e-6);

  /* chunking does not matter: odd pieces straddling every boundary */
  for (i = 0; i < n;) {
    size_t k = MIN (n - i, 1 + (i * 7919) % 3001);
    mst_loudness_add_f32 (c, xf + 2 * i, k);
    i += k;
  }
  fail_unless (fabs (mst_loudness_integrated (c) - mst_loudness_integrated (b))
      < 1e-9);
  fail_unless (fabs (mst_loudness_range (c) - mst_loudness_range (b)) < 1e-9);
  fail_unless (fabs (mst_loudness_shortterm (c) - mst_loudness_shortterm (b))
      < 1e-9);
  fail_unless (fabs (mst_loudness_max_shortterm (c) -
          mst_loudness_max_shortterm (b)) < 1e-9);
  fail_unless (mst_loudness_frames (c) == n);

  g_free (x);
  g_free (xf);
  g_free (xr);
  mst_loudness_free (a);
  mst_loudness_free (b);
  mst_loudness_free (c);
}

GST_END_TEST;

/* Momentary and short-term at every hop are the mean squares of the last
 * 400 ms and 3 s of hop energies, taken here from the K-weighting run hop
 * by hop: within 1e-9 LU from the first hop on (windows reaching before
 * the stream count silence), across a 0 dBFS passage and a -60 dBFS one
 * after it (no residue of the loud hops once they left the window), at
 * 48 kHz (10 ms hops) and 11.025 kHz (105-frame hops: 42 and 315 per
 * window). */
static void
check_windows (unsigned rate)
{
  MstLoudness *m = mst_loudness_new (rate, 1);
  unsigned hop = (unsigned) mst_loudness_segment_end (m);
  unsigned mh = (unsigned) llround (0.4 * rate / hop);
  unsigned sh = (unsigned) llround (3.0 * rate / hop);
  size_t nh = (size_t) 12 * rate / hop, n = nh * hop, t, k;
  double *x = g_new (double, n), *e = g_new0 (double, nh);
  MstBiquadState st[MST_KWEIGHT_STATES];
  MstKWeight kw;

  fail_unless (mst_synth_music_f64 (x, n, 1, rate, -20.0, 9) == 0);
  for (t = 0; t < n; t++) {
    double sec = (double) t / rate;
    if (sec >= 5.0 && sec < 6.0)
      x[t] *= 10.0;
    else if (sec >= 6.0)
      x[t] *= 0.001;
  }
  fail_unless (mst_kweight_design (&kw, rate) == MST_OK);
  mst_biquad_state_reset (st, MST_KWEIGHT_STATES);
  for (t = 0; t < nh; t++)
    mst_kweight_energy_f64 (&kw, st, x + t * hop, hop, 1, &e[t]);

  for (t = 0; t < nh; t++) {
    double sm = 0.0, ss = 0.0, want_m, want_s;
    mst_loudness_add_f64 (m, x + t * hop, hop);
    for (k = 0; k < sh && k <= t; k++) {
      ss += e[t - k];
      if (k < mh)
        sm += e[t - k];
    }
    want_m = -0.691 + 10.0 * log10 (sm / ((double) mh * hop));
    want_s = -0.691 + 10.0 * log10 (ss / ((double) sh * hop));
    fail_unless (fabs (mst_loudness_momentary (m) - want_m) < 1e-9,
        "%u Hz, hop %" G_GSIZE_FORMAT ": M %.12f want %.12f", rate, t,
        mst_loudness_momentary (m), want_m);
    fail_unless (fabs (mst_loudness_shortterm (m) - want_s) < 1e-9,
        "%u Hz, hop %" G_GSIZE_FORMAT ": S %.12f want %.12f", rate, t,
        mst_loudness_shortterm (m), want_s);
  }
  mst_loudness_free (m);
  g_free (x);
  g_free (e);
}

GST_START_TEST (test_window_sums)
{
  check_windows (48000);
  check_windows (11025);
}

GST_END_TEST;

/* Segment log: meter C takes runs of whole segments of g * x from meter
 * A's log of x and is fed the samples of the runs between them (in odd
 * pieces); it reads what meter B, fed every sample of g * x, reads:
 * within 1e-9 LU for I, LRA, M, S and their maxima (the energies are
 * summed in another order), at a rate whose 100 ms grid is not a whole
 * number of hops too, with silence and a non-finite sample on the way.
 * Calls that do not start and end on the log's grid are refused and
 * leave the meter as it was; a log not started at the first frame is
 * unusable. */
static void
check_log_replay (unsigned rate, unsigned ch, double g)
{
  size_t n = (size_t) rate * 20, i, pos;
  double *x = g_new (double, n * ch), *y = g_new (double, n * ch);
  MstLoudness *a = mst_loudness_new (rate, ch), *b = mst_loudness_new (rate,
      ch), *c = mst_loudness_new (rate, ch), *d = mst_loudness_new (rate, ch);
  MstLoudnessLog *log = mst_loudness_log_new ();
  unsigned run = 0, replayed = 0, fed = 0;

  fail_unless (mst_synth_music_f64 (x, n, ch, rate, -1.0, 5) == 0);
  /* a second of digital silence and one NaN */
  memset (x + (size_t) rate * 5 * ch, 0, sizeof (double) * rate * ch);
  x[(size_t) rate * 9 * ch + 1] = NAN;
  for (i = 0; i < n * ch; i++)
    y[i] = g * x[i];

  mst_loudness_set_log (a, log);
  for (pos = 0; pos < n;) {
    size_t k = MIN (n - pos, 1 + (pos * 7919) % 2999);
    mst_loudness_add_f64 (a, x + pos * ch, k);
    pos += k;
  }
  mst_loudness_add_f64 (b, y, n);

  /* not at a segment start: refused, nothing changes */
  mst_loudness_add_f64 (c, y, 1);
  fail_unless (mst_loudness_add_logged (c, log, g,
          (size_t) mst_loudness_segment_end (c) - 1) == MST_ERR_INVAL);
  fail_unless (mst_loudness_frames (c) == 1);
  mst_loudness_reset (c);

  for (pos = 0; pos < n; run++) {
    /* the end of the next 1..12 segments: where grid meter d, fed
     * silence in step with c, gets to */
    unsigned segs = 1 + (run * 5) % 12, k;
    unsigned long long end = pos;

    for (k = 0; k < segs && end < n; k++) {
      unsigned long long e = MIN (mst_loudness_segment_end (d), n);
      mst_loudness_add_silence (d, (size_t) (e - end));
      end = e;
    }
    if (run % 2 == 0 && end < n) {
      /* not ending on the grid: refused */
      fail_unless (mst_loudness_add_logged (c, log, g,
              (size_t) (end - pos + 1)) == MST_ERR_INVAL);
      fail_unless (mst_loudness_frames (c) == pos);
      fail_unless (mst_loudness_add_logged (c, log, g,
              (size_t) (end - pos)) == MST_OK);
      replayed++;
    } else {
      /* the samples, in two pieces */
      size_t len = (size_t) (end - pos), h = len / 3;
      mst_loudness_add_f64 (c, y + pos * ch, h);
      mst_loudness_add_f64 (c, y + (pos + h) * ch, len - h);
      fed++;
    }
    pos = (size_t) end;
  }
  fail_unless (replayed > 50 && fed > 50, "%u runs replayed, %u fed",
      replayed, fed);
  fail_unless (mst_loudness_frames (c) == n);
  fail_unless (fabs (mst_loudness_integrated (c) -
          mst_loudness_integrated (b)) < 1e-9, "%u Hz, %u ch, gain %g: I %.9f "
      "want %.9f", rate, ch, g, mst_loudness_integrated (c),
      mst_loudness_integrated (b));
  fail_unless (fabs (mst_loudness_range (c) - mst_loudness_range (b)) < 1e-9);
  fail_unless (fabs (mst_loudness_momentary (c) -
          mst_loudness_momentary (b)) < 1e-9);
  fail_unless (fabs (mst_loudness_shortterm (c) -
          mst_loudness_shortterm (b)) < 1e-9);
  fail_unless (fabs (mst_loudness_max_momentary (c) -
          mst_loudness_max_momentary (b)) < 1e-9);
  fail_unless (fabs (mst_loudness_max_shortterm (c) -
          mst_loudness_max_shortterm (b)) < 1e-9);

  /* a log started after the first frame cannot be replayed */
  mst_loudness_reset (c);
  mst_loudness_set_log (a, NULL);
  mst_loudness_set_log (a, log);
  fail_unless (mst_loudness_add_logged (c, log, g,
          (size_t) mst_loudness_segment_end (c)) == MST_ERR_INVAL);
  /* a reset starts it over at the first frame */
  mst_loudness_reset (a);
  mst_loudness_add_f64 (a, x, rate);
  fail_unless (mst_loudness_add_logged (c, log, g,
          (size_t) mst_loudness_segment_end (c)) == MST_OK);

  mst_loudness_free (a);
  mst_loudness_free (b);
  mst_loudness_free (c);
  mst_loudness_free (d);
  mst_loudness_log_free (log);
  g_free (x);
  g_free (y);
}

GST_START_TEST (test_log_replay)
{
  check_log_replay (48000, 2, 0.5);
  check_log_replay (48000, 2, 0.7071);
  check_log_replay (11025, 1, 1.9);
  check_log_replay (44100, 3, 0.25);
}

GST_END_TEST;

/* The gates, where Tech 3341 cannot tell them apart.  Relative gate:
 * 60 s at -23 dBFS then 10 s at -32 dBFS (stereo, 1 kHz): the absolutely
 * gated mean is 0.58 LU under the body, so the gate sits 10.58 LU under
 * it and the -32 section (9 LU under) counts: I = body - 0.58.  At -34
 * (11 LU under) it is dropped: I = body.  A -8 LU gate would drop both,
 * a -12 LU gate keep both.  Absolute gate: -65 dBFS for 10 s then -72 for
 * 10 s: the relative gate (-75) would keep the tail, only the -70 LUFS
 * gate drops it.  Tolerance 0.05 LU (blocks straddling a level step). */
static double
steps_integrated (double l1, double s1, double l2, double s2)
{
  unsigned rate = 48000;
  size_t n1, n2;
  double *a = make_tone (rate, 2, 1000, l1, s1, &n1);
  double *b = make_tone (rate, 2, 1000, l2, s2, &n2);
  MstLoudness *m = mst_loudness_new (rate, 2);
  double v;

  mst_loudness_add_f64 (m, a, n1);
  mst_loudness_add_f64 (m, b, n2);
  v = mst_loudness_integrated (m);
  g_free (a);
  g_free (b);
  mst_loudness_free (m);
  return v;
}

GST_START_TEST (test_gates)
{
  double body = tone_lufs (1000, -23, 2, 48000);
  double in = body + 10 * log10 ((60 + 10 * pow (10, -0.9)) / 70);
  double v;

  v = steps_integrated (-23, 60, -32, 10);
  fail_unless (fabs (v - in) < 0.05, "-32 tail: %.3f want %.3f", v, in);
  v = steps_integrated (-23, 60, -34, 10);
  fail_unless (fabs (v - body) < 0.05, "-34 tail: %.3f want %.3f", v, body);
  v = steps_integrated (-65, 10, -72, 10);
  body = tone_lufs (1000, -65, 2, 48000);
  /* three blocks straddle the step, all above -70: 0.1 LU */
  fail_unless (fabs (v - body) < 0.1, "-72 tail: %.3f want %.3f", v, body);
  /* everything under -70 LUFS: undefined */
  fail_unless (steps_integrated (-71, 5, -80, 5) == -INFINITY);
}

GST_END_TEST;

/* Odd and extreme rates: a stereo -23 dBFS tone (1 kHz, and 100 Hz where
 * 1 kHz is near Nyquist's warping) reads the prototype's value, within
 * the 0.1 LU of EBU Tech 3341, for I, M and S; the momentary and
 * short-term windows are still whole (a 400 ms burst reads the same
 * maximum as a steady tone).  44101 Hz has no exact hop: windows are
 * rounded to 10 ms hops. */
GST_START_TEST (test_rates)
{
  static const unsigned r[] = { 8000, 11025, 22050, 32000, 44101, 88200,
    192000, 384000
  };
  unsigned i;

  for (i = 0; i < G_N_ELEMENTS (r); i++) {
    unsigned rate = r[i];
    size_t n, b0, k;
    double *x = make_tone (rate, 2, 1000, -23, 10, &n);
    double want = tone_lufs (1000, -23, 2, rate);
    MstLoudness *m = mst_loudness_new (rate, 2);

    fail_unless (m != NULL);
    mst_loudness_add_f64 (m, x, n);
    fail_unless (fabs (mst_loudness_integrated (m) - want) < 0.1,
        "%u Hz: I %.4f want %.4f", rate, mst_loudness_integrated (m), want);
    fail_unless (fabs (mst_loudness_momentary (m) - want) < 0.1);
    fail_unless (fabs (mst_loudness_shortterm (m) - want) < 0.1);
    fail_unless (fabs (mst_loudness_range (m)) < 0.1);

    /* 400 ms burst at 20 ms into silence */
    mst_loudness_reset (m);
    b0 = (size_t) llround (0.02 * rate);
    k = (size_t) llround (0.4 * rate);
    mst_loudness_add_silence (m, b0);
    mst_loudness_add_f64 (m, x, k);
    mst_loudness_add_silence (m, rate);
    fail_unless (fabs (mst_loudness_max_momentary (m) - want) < 0.1,
        "%u Hz: max M %.4f want %.4f", rate, mst_loudness_max_momentary (m),
        want);
    g_free (x);
    mst_loudness_free (m);
  }
}

GST_END_TEST;

/* Memory stays bounded over a long stream: the heap in use after 10 and
 * after 70 minutes of programme is the same, and the integrated value of
 * a steady signal stays right. */
GST_START_TEST (test_bounded_memory)
{
  unsigned rate = 8000;
  size_t n = rate * 60, i;
  double *x = g_new (double, n);
  MstLoudness *m = mst_loudness_new (rate, 1);
  struct mallinfo2 before, after;
  double want;

  mst_synth_noise_f64 (x, n, 1, 1, 0.1, 3);
  for (i = 0; i < 10; i++)
    mst_loudness_add_f64 (m, x, n);
  want = mst_loudness_integrated (m);
  before = mallinfo2 ();
  for (i = 0; i < 60; i++)
    mst_loudness_add_f64 (m, x, n);
  after = mallinfo2 ();
  fail_unless_equals_int (after.uordblks, before.uordblks);
  fail_unless (mst_loudness_frames (m) == 70ull * n);
  fail_unless (fabs (mst_loudness_integrated (m) - want) < 0.01);
  fail_unless (mst_loudness_range (m) >= 0.0 && mst_loudness_range (m) < 1.0);
  g_free (x);
  mst_loudness_free (m);
}

GST_END_TEST;

static Suite *
loudness_suite (void)
{
  Suite *s = suite_create ("loudness");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_kweight_bs1770_coefficients);
  tcase_add_test (tc, test_kweight_response);
  tcase_add_test (tc, test_kweight_stereo_exact);
  tcase_add_test (tc, test_kweight_fma_agrees);
  tcase_add_test (tc, test_biquad);
  tcase_add_test (tc, test_silence_and_reset);
  tcase_add_test (tc, test_channel_weights);
  tcase_add_test (tc, test_gates);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_f32_f64_and_chunking);
  tcase_add_test (tc, test_log_replay);
  tcase_add_test (tc, test_window_sums);
  tcase_add_test (tc, test_rates);
  tcase_add_test (tc, test_bounded_memory);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  mst_dsp_init ();
  return gst_check_run_suite (loudness_suite (), "loudness", __FILE__);
}
