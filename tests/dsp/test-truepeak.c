/* gst-mastering: dsp/truepeak.c, the BS.1770-4 Annex 2 true-peak meter
 * and oversampled peak detector, and tests/common/refpeak.c, the
 * reference meter other tests rely on.
 *
 * Tolerances: true-peak readings of sines +0.2/-0.4 dB (BS.1770-4 Annex 2
 * and EBU Tech 3341); long sines up to 0.45 fs within 0.1 dB (the flatness
 * the design promises); the reference meter within 0.01 dB of analytic
 * peaks; paths that must compute the same thing (envelope vs meter, any
 * block split, skipped vs computed chunks, channel layouts) bit-exact.
 */
#include <gst/check/gstcheck.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mst.h"
#include "truepeak.h"
#include "refpeak.h"
#include "synth.h"

#ifdef __SSE__
#include <xmmintrin.h>
#endif

#define TOL_HI_DB 0.2
#define TOL_LO_DB 0.4

static double
db (double lin)
{
  return 20.0 * log10 (lin);
}

/* raised-cosine fade in/out over `ramp` frames (mono) */
static void
fade (double *x, size_t frames, size_t ramp)
{
  size_t i;
  for (i = 0; i < ramp; i++) {
    double g = 0.5 - 0.5 * cos (M_PI * (double) i / (double) ramp);
    x[i] *= g;
    x[frames - 1 - i] *= g;
  }
}

/* Meter a mono f32 signal completely (tail flushed); linear true peak. */
static double
meter_f32 (unsigned rate, const float *x, size_t frames)
{
  MstTruePeak *tp = mst_truepeak_new (rate, 1);
  double v;

  fail_unless (tp != NULL);
  mst_truepeak_add_f32 (tp, x, frames);
  mst_truepeak_add_silence (tp, mst_truepeak_latency (tp));
  v = mst_truepeak_max (tp, 0);
  mst_truepeak_free (tp);
  return v;
}

GST_START_TEST (test_factor_latency)
{
  static const struct
  {
    unsigned rate, factor;
  } cases[] = {
    {8000, 4}, {44100, 4}, {48000, 4}, {88200, 4}, {95999, 4},
    {96000, 2}, {176400, 2}, {191999, 2}, {192000, 1},
    {384000, 1},
  };
  unsigned i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MstTruePeak *tp = mst_truepeak_new (cases[i].rate, 2);
    fail_unless (tp != NULL);
    fail_unless_equals_int (mst_truepeak_factor (tp), cases[i].factor);
    /* 32 taps per phase: 16 frames of delay, none without interpolation */
    fail_unless_equals_int (mst_truepeak_latency (tp),
        cases[i].factor > 1 ? 16 : 0);
    mst_truepeak_free (tp);
  }
  fail_unless (mst_truepeak_new (MST_RATE_MIN - 1, 2) == NULL);
  fail_unless (mst_truepeak_new (MST_RATE_MAX + 1, 2) == NULL);
  fail_unless (mst_truepeak_new (48000, 0) == NULL);
  fail_unless (mst_truepeak_new (48000, MST_CHANNELS_MAX + 1) == NULL);
}

GST_END_TEST;

/* Long sines (every phase of the waveform visited): the reading is the
 * interpolator's gain, i.e. its flatness, up to 0.45 fs. */
GST_START_TEST (test_sine_sweep)
{
  static const unsigned rates[] = { 44100, 48000, 96000 };
  unsigned ri;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    unsigned rate = rates[ri];
    size_t frames = rate / 5;
    double *x = g_new (double, frames);
    float *xf = g_new (float, frames);
    double f, lo = 1e9, hi = -1e9;
    int ph;

    for (f = 50.0; f <= 0.45 * rate; f *= 1.05) {
      for (ph = 0; ph < 3; ph++) {
        double amp = 0.5, e;
        mst_synth_sine_f64 (x, frames, 1, 1, rate, f, amp, 0.3 + ph * 1.9, 0);
        fade (x, frames, rate / 50);
        mst_synth_to_f32 (xf, x, frames);
        e = db (meter_f32 (rate, xf, frames) / amp);
        lo = MIN (lo, e);
        hi = MAX (hi, e);
        fail_unless (e <= 0.1 && e >= -0.1,
            "%u Hz: %.1f Hz sine reads %+.4f dB (flatness 0.1 dB)", rate, f, e);
      }
    }
    /* also the exact edge of the promised band */
    f = 0.45 * rate;
    mst_synth_sine_f64 (x, frames, 1, 1, rate, f, 0.5, 0.1, 0);
    fade (x, frames, rate / 50);
    mst_synth_to_f32 (xf, x, frames);
    {
      double e = db (meter_f32 (rate, xf, frames) / 0.5);
      lo = MIN (lo, e);
      hi = MAX (hi, e);
      fail_unless (fabs (e) <= 0.1, "%u Hz: 0.45 fs reads %+.4f dB", rate, e);
    }
    GST_INFO ("%u Hz: long sines 50 Hz .. 0.45 fs read %+.4f .. %+.4f dB",
        rate, lo, hi);
    g_print ("truepeak sweep %u Hz: error %+.4f .. %+.4f dB\n", rate, lo, hi);
    g_free (x);
    g_free (xf);
  }
}

GST_END_TEST;

/* Short-period sines at many phases: the peak may fall between the points
 * of the oversampled grid, which BS.1770 accepts within +0.2/-0.4 dB for
 * the frequencies the factor is meant for (up to fs/3 at 4x, fs/6 at 2x). */
GST_START_TEST (test_sine_phases)
{
  static const unsigned rates[] = { 8000, 44100, 48000, 96000, 176400 };
  static const double divisors[] = { 3.0, 4.0, 5.0, 6.0, 8.0, 12.0, 7.3 };
  unsigned ri, di;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    unsigned rate = rates[ri];
    size_t frames = 4096;
    double *x = g_new (double, frames);
    float *xf = g_new (float, frames);
    double lo = 1e9, hi = -1e9;
    MstTruePeak *probe = mst_truepeak_new (rate, 1);
    unsigned factor = mst_truepeak_factor (probe);

    mst_truepeak_free (probe);
    for (di = 0; di < G_N_ELEMENTS (divisors); di++) {
      double f = rate / divisors[di];
      int k;
      if (factor == 2 && divisors[di] < 6.0)
        continue;
      for (k = 0; k < 48; k++) {
        double phase = 2.0 * M_PI * k / 48.0, e;
        mst_synth_sine_f64 (x, frames, 1, 1, rate, f, 0.7, phase, 0);
        fade (x, frames, 256);
        mst_synth_to_f32 (xf, x, frames);
        e = db (meter_f32 (rate, xf, frames) / 0.7);
        lo = MIN (lo, e);
        hi = MAX (hi, e);
        fail_unless (e <= TOL_HI_DB && e >= -TOL_LO_DB,
            "%u Hz: fs/%.1f sine, phase %d/48 reads %+.4f dB", rate,
            divisors[di], k, e);
      }
    }
    g_print ("truepeak phases %u Hz (x%u): error %+.4f .. %+.4f dB\n", rate,
        factor, lo, hi);
    g_free (x);
    g_free (xf);
  }
}

GST_END_TEST;

/* An impulse at x[k] shows up at env[k + latency]; a band-limited pulse
 * peaking half-way between x[j] and x[j + 1] at env[j + latency]. */
GST_START_TEST (test_impulse_latency)
{
  static const unsigned rates[] = { 44100, 96000, 192000 };
  unsigned ri;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    MstTruePeak *tp = mst_truepeak_new (rates[ri], 1);
    unsigned L = mst_truepeak_latency (tp);
    size_t n = 3000, k = 1234, i, arg = 0;
    float *x = g_new0 (float, n), *env = g_new0 (float, n);

    x[k] = -0.8f;
    mst_truepeak_envelope_f32 (tp, 0, x, n, env);
    for (i = 0; i < n; i++)
      if (env[i] > env[arg])
        arg = i;
    fail_unless_equals_int ((int) arg, (int) (k + L));
    fail_unless_equals_float (env[k + L], 0.8f);
    if (L > 0) {
      /* the interval before the impulse holds its interpolated rise */
      fail_unless (env[k + L - 1] > 0.5f && env[k + L - 1] < 0.8f,
          "env[k+L-1] = %g", env[k + L - 1]);
      fail_unless (env[k + L + 1] < 0.3f, "env[k+L+1] = %g", env[k + L + 1]);
    } else {
      fail_unless (env[k - 1] == 0.0f && env[k + 1] == 0.0f);
    }

    /* pulse: windowed sinc band-limited to 0.4 fs centred at k + 0.5 */
    if (L > 0) {
      double *p = g_new0 (double, n);
      for (i = 0; i < n; i++) {
        double t = (double) i - (double) k - 0.5, s, w;
        s = sin (M_PI * 0.8 * t) / (M_PI * 0.8 * t);
        w = fabs (t) < 400 ? 0.5 + 0.5 * cos (M_PI * t / 400.0) : 0.0;
        p[i] = 0.9 * s * w;
      }
      mst_synth_to_f32 (x, p, n);
      mst_truepeak_reset (tp);
      mst_truepeak_envelope_f32 (tp, 0, x, n, env);
      arg = 0;
      for (i = 0; i < n; i++)
        if (env[i] > env[arg])
          arg = i;
      fail_unless_equals_int ((int) arg, (int) (k + L));
      /* the grid point k + 1/2 is the peak itself (BS.1770 tolerance) */
      fail_unless (db (env[arg] / 0.9) <= TOL_HI_DB &&
          db (env[arg] / 0.9) >= -TOL_LO_DB, "pulse peak %g", env[arg]);
      g_free (p);
    }
    g_free (x);
    g_free (env);
    mst_truepeak_free (tp);
  }
}

GST_END_TEST;

/* The envelope (no skipping, any block split) and the meter (exact
 * skipping) see the same interpolated values: same maxima, bit-exact. */
GST_START_TEST (test_envelope_vs_meter)
{
  unsigned rate = 48000, nch = 2, c;
  size_t frames = rate * 8, i;
  double *xd = g_new (double, frames * nch);
  float *xf = g_new (float, frames * nch);
  MstTruePeak *meter = mst_truepeak_new (rate, nch);
  MstTruePeak *det = mst_truepeak_new (rate, nch);
  unsigned L = mst_truepeak_latency (det);
  float *plane = g_new (float, frames + L), *env = g_new (float, frames + L);
  float *env2 = g_new (float, frames + L);

  fail_unless (mst_synth_music_f64 (xd, frames, nch, rate, -1.0, 3) == 0);
  mst_synth_to_f32 (xf, xd, frames * nch);
  mst_truepeak_add_f32 (meter, xf, frames);
  mst_truepeak_add_silence (meter, L);

  for (c = 0; c < nch; c++) {
    float emax = 0.0f;
    size_t pos = 0, step = 1;
    for (i = 0; i < frames; i++)
      plane[i] = xf[i * nch + c];
    for (i = frames; i < frames + L; i++)
      plane[i] = 0.0f;
    mst_truepeak_envelope_f32 (det, c, plane, frames + L, env);
    for (i = 0; i < frames + L; i++)
      emax = MAX (emax, env[i]);
    fail_unless (emax == (float) mst_truepeak_max (meter, c),
        "ch %u: envelope max %.9g, meter %.9g", c, emax,
        mst_truepeak_max (meter, c));
    /* interior envelope values match a delayed copy exactly where the
     * signal sits on the grid: env[i] >= |x[i - L]| */
    for (i = L; i < frames + L; i++)
      fail_unless (env[i] >= fabsf (plane[i - L]));

    /* any block split gives the same envelope */
    mst_truepeak_reset (det);
    while (pos < frames + L) {
      size_t n = MIN (step, frames + L - pos);
      mst_truepeak_envelope_f32 (det, c, plane + pos, n, env2 + pos);
      pos += n;
      step = step * 7 % 3001 + 1;
    }
    fail_unless (memcmp (env, env2, (frames + L) * sizeof (float)) == 0);
  }
  g_free (xd);
  g_free (xf);
  g_free (plane);
  g_free (env);
  g_free (env2);
  mst_truepeak_free (meter);
  mst_truepeak_free (det);
}

GST_END_TEST;

/* mst_truepeak_upsample_f32 writes point q of output j at y[F j + q]:
 * x[j - 16] for q = 0, else the phase-q interpolation
 * sum_k g_q[k] x[j - 31 + k] of the documented design (32-tap
 * Kaiser-windowed sinc, beta 5, unity DC gain per phase), here computed
 * in double from the formula: within 1e-6 of full scale, at 4x (48 kHz)
 * and 2x (96 kHz), in calls of odd sizes (1 to past one internal
 * block). */
static double
kaiser_i0 (double x)
{
  double s = 1.0, t = 1.0;
  int k;

  for (k = 1; k < 40; k++) {
    t *= (x / (2.0 * k)) * (x / (2.0 * k));
    s += t;
  }
  return s;
}

GST_START_TEST (test_upsample_layout)
{
  static const unsigned rates[] = { 48000, 96000 };
  static const size_t sizes[] = { 1, 7, 300, 1029, 4, 2, 513 };
  const size_t n = 4000;
  float *x = g_new (float, n), *y = g_new (float, 4 * n);
  unsigned r, f, q, k;
  size_t i, pos, step;
  MstRng rng;

  mst_rng_seed (&rng, 5);
  for (i = 0; i < n; i++)
    x[i] = (float) (2.0 * mst_rng_uniform (&rng) - 1.0);
  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    MstTruePeak *tp = mst_truepeak_new (rates[r], 1);
    double g[4][32];

    f = mst_truepeak_factor (tp);
    fail_unless (f == (rates[r] < 96000 ? 4u : 2u));
    for (q = 1; q < f; q++) {
      double sum = 0.0;
      for (k = 0; k < 32; k++) {
        double d = (double) q / f + 15.0 - k, rr = d / 16.0;
        double w = kaiser_i0 (5.0 * sqrt (fmax (0.0, 1.0 - rr * rr))) /
            kaiser_i0 (5.0);
        g[q][k] = sin (G_PI * d) / (G_PI * d) * w;
        sum += g[q][k];
      }
      for (k = 0; k < 32; k++)
        g[q][k] /= sum;
    }
    for (pos = 0, step = 0; pos < n; step++) {
      size_t len = MIN (sizes[step % G_N_ELEMENTS (sizes)], n - pos);
      mst_truepeak_upsample_f32 (tp, 0, x + pos, len, y + f * pos);
      pos += len;
    }
    for (i = 0; i < n; i++) {
      long j = (long) i;
      fail_unless (y[f * i] == (j >= 16 ? x[j - 16] : 0.0f));
      for (q = 1; q < f; q++) {
        double want = 0.0;
        for (k = 0; k < 32; k++)
          if (j - 31 + (long) k >= 0)
            want += g[q][k] * x[j - 31 + k];
        fail_unless (fabs (y[f * i + q] - want) < 1e-6, "%u Hz, output %"
            G_GSIZE_FORMAT " point %u: %.9g want %.9g", rates[r], i, q,
            y[f * i + q], want);
      }
    }
    mst_truepeak_free (tp);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Splitting the input differently must not change the meter (the skip
 * decisions change, the result may not). */
GST_START_TEST (test_block_split)
{
  unsigned rate = 44100, nch = 2;
  size_t frames = rate * 4, pos = 0, step = 1;
  double *xd = g_new (double, frames * nch);
  float *xf = g_new (float, frames * nch);
  MstTruePeak *a = mst_truepeak_new (rate, nch), *b =
      mst_truepeak_new (rate, nch);

  mst_synth_music_f64 (xd, frames, nch, rate, -3.0, 9);
  mst_synth_to_f32 (xf, xd, frames * nch);
  mst_truepeak_add_f32 (a, xf, frames);
  while (pos < frames) {
    size_t n = MIN (step, frames - pos);
    mst_truepeak_add_f32 (b, xf + pos * nch, n);
    pos += n;
    step = step * 5 % 4099 + 1;
  }
  fail_unless (mst_truepeak_max (a, 0) == mst_truepeak_max (b, 0));
  fail_unless (mst_truepeak_max (a, 1) == mst_truepeak_max (b, 1));
  fail_unless (mst_truepeak_sample_max (a, 1) ==
      mst_truepeak_sample_max (b, 1));
  g_free (xd);
  g_free (xf);
  mst_truepeak_free (a);
  mst_truepeak_free (b);
}

GST_END_TEST;

GST_START_TEST (test_f32_f64)
{
  unsigned rate = 48000, nch = 2, c;
  size_t frames = rate * 3, i;
  double *xd = g_new (double, frames * nch);
  float *xf = g_new (float, frames * nch);
  MstTruePeak *a = mst_truepeak_new (rate, nch), *b =
      mst_truepeak_new (rate, nch);

  mst_synth_music_f64 (xd, frames, nch, rate, -0.5, 5);
  mst_synth_to_f32 (xf, xd, frames * nch);
  mst_truepeak_add_f32 (a, xf, frames);
  mst_truepeak_add_f64 (b, xd, frames);
  for (c = 0; c < nch; c++) {
    double smax = 0.0;
    for (i = 0; i < frames; i++)
      smax = MAX (smax, fabs (xd[i * nch + c]));
    /* f64 sample peak is exact; f32 is the float rounding of it */
    fail_unless (mst_truepeak_sample_max (b, c) == smax);
    fail_unless (fabs (mst_truepeak_sample_max (a, c) - smax) <=
        smax * FLT_EPSILON);
    /* the interpolation sees the same floats: within float rounding */
    fail_unless (fabs (mst_truepeak_max (a, c) - mst_truepeak_max (b, c)) <=
        mst_truepeak_max (b, c) * FLT_EPSILON, "ch %u: %.9g vs %.9g", c,
        mst_truepeak_max (a, c), mst_truepeak_max (b, c));
  }
  g_free (xd);
  g_free (xf);
  mst_truepeak_free (a);
  mst_truepeak_free (b);
}

GST_END_TEST;

/* Inf/NaN: counted, metered as 0, never in the history.  Denormals pass. */
GST_START_TEST (test_nonfinite)
{
  unsigned rate = 48000, nch = 2;
  size_t frames = 20000, i, planted = 0;
  double *xd = g_new (double, frames * nch);
  double *zd = g_new (double, frames * nch);
  float *xf = g_new (float, frames * nch), *zf = g_new (float, frames * nch);
  MstTruePeak *a = mst_truepeak_new (rate, nch), *b =
      mst_truepeak_new (rate, nch);
  float *env = g_new (float, frames), *envz = g_new (float, frames);
  float *pl = g_new (float, frames), *plz = g_new (float, frames);

  mst_synth_sine_f64 (xd, frames, nch, 3, rate, 1000.0, 0.25, 0.0, 0);
  memcpy (zd, xd, frames * nch * sizeof (double));
  for (i = 100; i < frames * nch; i += 997) {
    xd[i] = (i / 997) % 3 == 0 ? NAN : (i / 997) % 3 == 1 ? INFINITY :
        -INFINITY;
    zd[i] = 0.0;
    planted++;
  }
  mst_synth_to_f32 (xf, xd, frames * nch);
  mst_synth_to_f32 (zf, zd, frames * nch);

  fail_unless_equals_int ((int) mst_truepeak_add_f32 (a, xf, frames),
      (int) planted);
  mst_truepeak_add_f32 (b, zf, frames);
  fail_unless (mst_truepeak_max (a, 0) == mst_truepeak_max (b, 0));
  fail_unless (mst_truepeak_max (a, 1) == mst_truepeak_max (b, 1));
  fail_unless (isfinite (mst_truepeak_max (a, 0)));

  mst_truepeak_reset (a);
  mst_truepeak_reset (b);
  fail_unless_equals_int ((int) mst_truepeak_add_f64 (a, xd, frames),
      (int) planted);
  mst_truepeak_add_f64 (b, zd, frames);
  fail_unless (mst_truepeak_max (a, 1) == mst_truepeak_max (b, 1));
  fail_unless (mst_truepeak_sample_max (a, 1) ==
      mst_truepeak_sample_max (b, 1));

  /* the envelope too */
  mst_truepeak_reset (a);
  mst_truepeak_reset (b);
  for (i = 0; i < frames; i++) {
    pl[i] = xf[i * nch];
    plz[i] = zf[i * nch];
  }
  mst_truepeak_envelope_f32 (a, 0, pl, frames, env);
  mst_truepeak_envelope_f32 (b, 0, plz, frames, envz);
  fail_unless (memcmp (env, envz, frames * sizeof (float)) == 0);

  /* denormal input is a valid (tiny) signal */
  mst_truepeak_reset (a);
  for (i = 0; i < frames * nch; i++)
    xf[i] = (i & 1) ? 1e-39f : -2e-39f;
  fail_unless_equals_int ((int) mst_truepeak_add_f32 (a, xf, frames), 0);
  fail_unless (mst_truepeak_sample_max (a, 0) == (double) 2e-39f);
  fail_unless (mst_truepeak_max (a, 0) < 1e-30);

  g_free (xd);
  g_free (zd);
  g_free (xf);
  g_free (zf);
  g_free (env);
  g_free (envz);
  g_free (pl);
  g_free (plz);
  mst_truepeak_free (a);
  mst_truepeak_free (b);
}

GST_END_TEST;

GST_START_TEST (test_reset)
{
  unsigned rate = 44100;
  size_t frames = 5000;
  double *xd = g_new (double, frames);
  float *loud = g_new (float, frames), *quiet = g_new (float, frames);
  MstTruePeak *a = mst_truepeak_new (rate, 1), *b = mst_truepeak_new (rate, 1);
  float e1[1000], e2[64];

  mst_synth_sine_f64 (xd, frames, 1, 1, rate, rate / 4.0, 0.9, M_PI / 4, 0);
  mst_synth_to_f32 (loud, xd, frames);
  mst_synth_sine_f64 (xd, frames, 1, 1, rate, 1000.0, 0.1, 0.0, 0);
  mst_synth_to_f32 (quiet, xd, frames);

  mst_truepeak_add_f32 (a, loud, frames);
  fail_unless (mst_truepeak_max (a, 0) > 0.85);
  mst_truepeak_reset (a);
  fail_unless (mst_truepeak_max (a, 0) == 0.0);
  fail_unless (mst_truepeak_sample_max (a, 0) == 0.0);
  /* no history survives: same as a fresh meter */
  mst_truepeak_add_f32 (a, quiet, frames);
  mst_truepeak_add_f32 (b, quiet, frames);
  fail_unless (mst_truepeak_max (a, 0) == mst_truepeak_max (b, 0));
  mst_truepeak_reset (a);
  mst_truepeak_reset (b);
  mst_truepeak_envelope_f32 (a, 0, loud, 1000, e1);
  mst_truepeak_reset (a);
  mst_truepeak_envelope_f32 (a, 0, quiet, 64, e1);
  mst_truepeak_envelope_f32 (b, 0, quiet, 64, e2);
  fail_unless (memcmp (e1, e2, sizeof (e2)) == 0);
  g_free (xd);
  g_free (loud);
  g_free (quiet);
  mst_truepeak_free (a);
  mst_truepeak_free (b);
}

GST_END_TEST;

/* 1..8 channels: each channel metered on its own, no cross-talk; stereo
 * also from a misaligned buffer (the non-ORC deinterleave). */
GST_START_TEST (test_channels)
{
  unsigned rate = 48000, nch;
  size_t frames = 6000;

  for (nch = 1; nch <= MST_CHANNELS_MAX; nch++) {
    double *xd = g_new (double, frames * nch);
    float *xf = g_new (float, frames * nch + 1), *mono = g_new (float, frames);
    MstTruePeak *tp = mst_truepeak_new (rate, nch);
    unsigned c;
    size_t i;

    double *tone = g_new (double, frames);

    for (c = 0; c < nch; c++) {
      mst_synth_sine_f64 (tone, frames, 1, 1, rate, 1000.0 + 2500.0 * c,
          0.1 + 0.1 * c, 0.5 * c, 0);
      fade (tone, frames, 1000);
      for (i = 0; i < frames; i++)
        xd[i * nch + c] = tone[i];
    }
    g_free (tone);
    mst_synth_to_f32 (xf + 1, xd, frames * nch);
    mst_truepeak_add_f32 (tp, xf + 1, frames);
    mst_truepeak_add_silence (tp, mst_truepeak_latency (tp));
    for (c = 0; c < nch; c++) {
      double ref;
      for (i = 0; i < frames; i++)
        mono[i] = xf[1 + i * nch + c];
      ref = meter_f32 (rate, mono, frames);
      /* the same floats through the same filter: bit-exact */
      fail_unless (mst_truepeak_max (tp, c) == ref,
          "%u ch, ch %u: %.9g vs mono %.9g", nch, c, mst_truepeak_max (tp, c),
          ref);
      /* and it is the channel's own tone (flatness 0.1 dB) */
      fail_unless (fabs (db (mst_truepeak_max (tp, c) / (0.1 + 0.1 * c))) <=
          0.1);
    }
    fail_unless (mst_truepeak_max (tp, nch) == 0.0);
    g_free (xd);
    g_free (xf);
    g_free (mono);
    mst_truepeak_free (tp);
  }
}

GST_END_TEST;

GST_START_TEST (test_extreme_rates)
{
  size_t frames = 8000, i;
  double *xd = g_new (double, frames);
  float *xf = g_new (float, frames), *env = g_new (float, frames);
  MstTruePeak *tp;
  double e;

  /* 8 kHz, 4x: 1 kHz at 45 degrees, samples at 0.707 of the peak */
  mst_synth_sine_f64 (xd, frames, 1, 1, 8000, 1000.0, 0.5, M_PI / 4, 0);
  fade (xd, frames, 400);
  mst_synth_to_f32 (xf, xd, frames);
  e = db (meter_f32 (8000, xf, frames) / 0.5);
  fail_unless (e <= TOL_HI_DB && e >= -TOL_LO_DB, "8 kHz: %+.4f dB", e);

  /* 384 kHz, 1x: the true peak is the sample peak, no delay */
  tp = mst_truepeak_new (384000, 1);
  fail_unless_equals_int (mst_truepeak_factor (tp), 1);
  mst_synth_sine_f64 (xd, frames, 1, 1, 384000, 96000.0, 0.5, M_PI / 4, 0);
  mst_synth_to_f32 (xf, xd, frames);
  mst_truepeak_add_f32 (tp, xf, frames);
  fail_unless (mst_truepeak_max (tp, 0) == mst_truepeak_sample_max (tp, 0));
  fail_unless (fabs (mst_truepeak_max (tp, 0) - 0.5 * M_SQRT1_2) < 1e-6);
  mst_truepeak_reset (tp);
  mst_truepeak_envelope_f32 (tp, 0, xf, frames, env);
  for (i = 0; i < frames; i++)
    fail_unless (env[i] == fabsf (xf[i]));
  mst_truepeak_free (tp);
  g_free (xd);
  g_free (xf);
  g_free (env);
}

GST_END_TEST;

/* The reference meter: within 0.01 dB of analytic sine peaks up to
 * 0.45 fs, for short signals whose peak falls anywhere between samples. */
GST_START_TEST (test_refpeak_accuracy)
{
  static const unsigned rates[] = { 44100, 48000 };
  unsigned ri;
  double worst = 0.0;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    unsigned rate = rates[ri];
    size_t frames = 600;
    double *x = g_new (double, frames), f;
    int k;

    for (f = 200.0; f <= 0.45 * rate; f *= 1.37) {
      for (k = 0; k < 5; k++) {
        double r;
        mst_synth_sine_f64 (x, frames, 1, 1, rate, f, 0.8, 0.37 + 1.3 * k, 0);
        fade (x, frames, 200);
        /* the faded plateau's peak is exactly 0.8 only if it contains a
         * crest: 200 frames of plateau hold at least one for f >= 200 Hz */
        r = db (mst_refpeak_f64 (x, frames, 1, 0) / 0.8);
        worst = MAX (worst, fabs (r));
        fail_unless (fabs (r) <= 0.01, "%u Hz: %.1f Hz reads %+.5f dB", rate,
            f, r);
      }
    }
    /* inter-sample peaks on purpose: fs/4 at 45 degrees, fs/3 at 30 */
    for (k = 0; k < 2; k++) {
      double r;
      mst_synth_sine_f64 (x, frames, 1, 1, rate, rate / (k ? 3.0 : 4.0), 0.8,
          k ? M_PI / 6 : M_PI / 4, 0);
      fade (x, frames, 200);
      r = db (mst_refpeak_f64 (x, frames, 1, 0) / 0.8);
      worst = MAX (worst, fabs (r));
      fail_unless (fabs (r) <= 0.01, "fs/%d: %+.5f dB", k ? 3 : 4, r);
    }
    g_free (x);
  }
  g_print ("refpeak: worst error %.5f dB\n", worst);

  /* ... and a range excludes what lies outside it */
  {
    double x[400];
    memset (x, 0, sizeof (x));
    x[100] = 1.0;
    x[300] = 0.5;
    fail_unless (fabs (mst_refpeak_range_f64 (x, 400, 1, 0, 200, 400) - 0.5)
        < 1e-9);
    fail_unless (fabs (mst_refpeak_f64 (x, 400, 1, 0) - 1.0) < 1e-9);
  }
}

GST_END_TEST;

/* Our meter against the reference on a programme band-limited to 0.44 fs:
 * above within the flatness (+0.1 dB), below within the BS.1770 tolerance
 * (-0.4 dB: a transient peak may fall between the points of the 4x grid,
 * which the reference resolves). */
GST_START_TEST (test_vs_refpeak)
{
  unsigned rate = 44100, nch = 2, c;
  size_t frames = rate * 3;
  double *xd = g_new (double, frames * nch);
  float *xf = g_new (float, frames * nch);
  MstTruePeak *tp = mst_truepeak_new (rate, nch);

  mst_synth_music_f64 (xd, frames, nch, rate, -1.0, 11);
  fail_unless (mst_synth_lowpass_f64 (xd, frames, nch, rate, 0.44 * rate) == 0);
  mst_synth_to_f32 (xf, xd, frames * nch);
  mst_truepeak_add_f32 (tp, xf, frames);
  mst_truepeak_add_silence (tp, mst_truepeak_latency (tp));
  for (c = 0; c < nch; c++) {
    double r = mst_refpeak_f32 (xf, frames, nch, c);
    double e = db (mst_truepeak_max (tp, c) / r);
    g_print ("truepeak vs refpeak ch %u: %+.4f dB\n", c, e);
    fail_unless (e <= 0.1 && e >= -TOL_LO_DB, "ch %u: %+.4f dB", c, e);
  }
  g_free (xd);
  g_free (xf);
  mst_truepeak_free (tp);
}

GST_END_TEST;

/* ORC's compiled float kernels switch the thread to flush-to-zero /
 * denormals-are-zero; the true-peak API must hand the caller back the
 * floating-point mode it had. */
GST_START_TEST (test_fp_mode)
{
#ifdef __SSE__
  unsigned rate = 48000;
  size_t frames = 4096;
  double *xd = g_new (double, frames * 2);
  float *xf = g_new (float, frames * 2), *env = g_new (float, frames);
  MstTruePeak *tp = mst_truepeak_new (rate, 2);
  unsigned int before = _mm_getcsr ();

  mst_synth_noise_f64 (xd, frames, 2, 3, 0.3, 1);
  mst_synth_to_f32 (xf, xd, frames * 2);
  mst_truepeak_add_f32 (tp, xf, frames);
  fail_unless_equals_int (_mm_getcsr (), before);
  mst_truepeak_add_f64 (tp, xd, frames);
  fail_unless_equals_int (_mm_getcsr (), before);
  mst_truepeak_envelope_f32 (tp, 0, xf, frames, env);
  fail_unless_equals_int (_mm_getcsr (), before);
  g_free (xd);
  g_free (xf);
  g_free (env);
  mst_truepeak_free (tp);
#endif
}

GST_END_TEST;

static Suite *
truepeak_suite (void)
{
  Suite *s = suite_create ("truepeak");
  TCase *tc = tcase_create ("general");

  mst_dsp_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_factor_latency);
  tcase_add_test (tc, test_sine_sweep);
  tcase_add_test (tc, test_sine_phases);
  tcase_add_test (tc, test_impulse_latency);
  tcase_add_test (tc, test_envelope_vs_meter);
  tcase_add_test (tc, test_upsample_layout);
  tcase_add_test (tc, test_block_split);
  tcase_add_test (tc, test_f32_f64);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_reset);
  tcase_add_test (tc, test_channels);
  tcase_add_test (tc, test_extreme_rates);
  tcase_add_test (tc, test_refpeak_accuracy);
  tcase_add_test (tc, test_vs_refpeak);
  tcase_add_test (tc, test_fp_mode);
  return s;
}

GST_CHECK_MAIN (truepeak);
