/* gst-mastering: the compressor core (dsp/compressor.c).
 *
 * Every figure is measured on the output of mst_compressor_process_*:
 *  - the static curve against the Giannoulis/Massberg/Reiss formula (0.1 dB);
 *  - attack and release on level steps (10 %);
 *  - the multiband crossover: flat sum (0.05 dB, 20 Hz - 20 kHz), equal to
 *    the allpass-filtered input (1e-9), other bands untouched (0.1 dB);
 *  - mix = 0 and ratio = 1 bit-exact, latency exact, glides smooth,
 *    non-finite input harmless;
 *  - the ORC kernels of compressororc.orc against their plain-C twins
 *    (bit-exact, ORC's denormal flushing reproduced);
 *  - the block-wise gain path against compressor.h's definitions evaluated
 *    one frame at a time (0.001 dB).
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <stdint.h>
#include <string.h>

#include "compressor.h"
#include "compressororc.h"
#include "crossover.h"
#include "orctwin.h"
#include "synth.h"

#define RATE 48000.0

/* ---- helpers ------------------------------------------------------------ */

/* The gain computer of the issue, written independently of the code under
 * test: output level for input level x. */
static double
curve (double x, double t, double r, double w)
{
  if (2.0 * (x - t) < -w)
    return x;
  if (2.0 * fabs (x - t) <= w)
    return x + (1.0 / r - 1.0) * (x - t + w / 2.0) * (x - t + w / 2.0)
        / (2.0 * w);
  return t + (x - t) / r;
}

/* Process in uneven blocks so block boundaries fall everywhere. */
static void
run_f64 (MstCompressor * c, const double *x, double *y, size_t frames,
    unsigned ch)
{
  size_t done = 0, blk = 37;

  while (done < frames) {
    size_t n = MIN (blk, frames - done);

    mst_compressor_process_f64 (c, x + done * ch, y + done * ch, n);
    done += n;
    blk = blk * 7 % 1999 + 1;
  }
}

static void
run_f32 (MstCompressor * c, const float *x, float *y, size_t frames,
    unsigned ch)
{
  size_t done = 0, blk = 37;

  while (done < frames) {
    size_t n = MIN (blk, frames - done);

    mst_compressor_process_f32 (c, x + done * ch, y + done * ch, n);
    done += n;
    blk = blk * 7 % 1999 + 1;
  }
}

/* Least-squares amplitude of the sinusoid of frequency f in channel k of
 * y[from..to) (exact for a pure sinusoid, whatever the window). */
static double
sine_amp (const double *y, unsigned ch, unsigned k, size_t from, size_t to,
    double f)
{
  double sss = 0, scc = 0, ssc = 0, sys = 0, syc = 0, det, a, b;
  size_t i;

  for (i = from; i < to; i++) {
    double s = sin (2.0 * M_PI * f * i / RATE);
    double c = cos (2.0 * M_PI * f * i / RATE);
    double v = y[i * ch + k];

    sss += s * s, scc += c * c, ssc += s * c;
    sys += v * s, syc += v * c;
  }
  det = sss * scc - ssc * ssc;
  a = (sys * scc - syc * ssc) / det;
  b = (syc * sss - sys * ssc) / det;
  return sqrt (a * a + b * b);
}

static MstCompressor *
new_comp (unsigned ch, unsigned bands, double la)
{
  MstCompressor *c = mst_compressor_new (ch, RATE, bands, la);

  fail_unless (c != NULL);
  return c;
}

/* ---- ORC kernels against their C twins ---------------------------------- */

/* f2u, flushf, flushd: orctwin.h */

static void
twin_gain_f32 (float *d, const float *s, const float *g, int n)
{
  int i;

  for (i = 0; i < n; i++)
    d[i] = flushf (flushf (s[i]) * flushf (g[i]));
}

static void
twin_gain2_f32 (float *d, const float *s, const float *g, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    d[2 * i] = flushf (flushf (s[2 * i]) * flushf (g[i]));
    d[2 * i + 1] = flushf (flushf (s[2 * i + 1]) * flushf (g[i]));
  }
}

static void
twin_gain_f64 (double *d, const double *s, const double *g, int n)
{
  int i;

  for (i = 0; i < n; i++)
    d[i] = flushd (flushd (s[i]) * flushd (g[i]));
}

GST_START_TEST (test_orc_twins)
{
  static const int lengths[] = { 1, 2, 3, 7, 16, 17, 100, 257, 1001 };
  enum
  { MAXN = 1024 };
  float *sf = g_new0 (float, 2 * MAXN + 8), *gf = g_new0 (float, MAXN + 8);
  float *df = g_new0 (float, 2 * MAXN + 8), *tf = g_new0 (float, 2 * MAXN);
  double *sd = g_new0 (double, MAXN), *gd = g_new0 (double, MAXN);
  double *dd = g_new0 (double, MAXN), *td = g_new0 (double, MAXN);
  MstRng rng;
  guint li;
  int i;

  mst_rng_seed (&rng, 7);
  for (i = 0; i < 2 * MAXN; i++) {
    sf[i] = (float) mst_rng_uniform (&rng);
    if (i % 97 == 5)
      sf[i] = 1e-40f;           /* denormal */
    if (i % 89 == 3)
      sf[i] = -0.0f;
  }
  for (i = 0; i < MAXN; i++) {
    gf[i] = (float) (0.1 + mst_rng_uniform (&rng) * 0.05 + 0.9);
    if (i % 61 == 7)
      gf[i] = 1e-38f;           /* product becomes denormal */
    sd[i] = mst_rng_uniform (&rng);
    if (i % 83 == 2)
      sd[i] = 1e-310;
    gd[i] = 0.5 + mst_rng_uniform (&rng) * 0.4;
  }

  for (li = 0; li < G_N_ELEMENTS (lengths); li++) {
    int n = lengths[li];

    mst_orc_comp_gain_f32 (df, sf, gf, n);
    twin_gain_f32 (tf, sf, gf, n);
    fail_unless (memcmp (df, tf, n * sizeof (float)) == 0, "gain_f32 n=%d", n);

    mst_orc_comp_gain2_f32 (df, sf, gf, n);
    twin_gain2_f32 (tf, sf, gf, n);
    fail_unless (memcmp (df, tf, 2 * n * sizeof (float)) == 0,
        "gain2_f32 n=%d", n);

    mst_orc_comp_gain_f64 (dd, sd, gd, n);
    twin_gain_f64 (td, sd, gd, n);
    fail_unless (memcmp (dd, td, n * sizeof (double)) == 0, "gain_f64 n=%d", n);
  }
  g_free (sf);
  g_free (gf);
  g_free (df);
  g_free (tf);
  g_free (sd);
  g_free (gd);
  g_free (dd);
  g_free (td);
}

GST_END_TEST;

/* ---- static curve ------------------------------------------------------- */

/* Steady 1 kHz sines (rms detector) or square waves (peak detector: |x| is
 * constant) at levels across the knee; the output level (sine: peak
 * amplitude, found by least squares; square: |y|) after 1 s must be the
 * curve's within 0.1 dB. */
static double
static_error (MstCompDetector det, gboolean square, double t, double r,
    double w, double makeup, gboolean auto_makeup, double *worst_level)
{
  const size_t frames = (size_t) RATE;
  double *x = g_new (double, frames * 2), *y = g_new (double, frames * 2);
  double worst = 0.0, level;
  size_t i;

  for (level = -40.0; level <= 0.01; level += 1.0) {
    MstCompressor *c = new_comp (2, 1, 0.0);
    double a = pow (10.0, level / 20.0), out_db, want, err;

    mst_compressor_set_detector (c, det);
    mst_compressor_set_threshold (c, 0, t);
    mst_compressor_set_ratio (c, 0, r);
    mst_compressor_set_knee (c, w);
    mst_compressor_set_makeup (c, 0, makeup);
    mst_compressor_set_auto_makeup (c, auto_makeup);
    if (square) {
      for (i = 0; i < frames; i++)
        x[2 * i] = x[2 * i + 1] = (i / 24) % 2 ? -a : a;
    } else {
      mst_synth_sine_f64 (x, frames, 2, 0x3, RATE, 1000.0, a, 0.0, 0);
    }
    run_f64 (c, x, y, frames, 2);
    if (square)
      out_db = 20.0 * log10 (fabs (y[2 * (frames - 1)]));
    else
      out_db = 20.0 * log10 (sine_amp (y, 2, 0, frames / 2, frames, 1000.0));
    want = curve (level, t, r, w) + makeup;
    if (auto_makeup)
      want -= curve (0.0, t, r, w);
    err = fabs (out_db - want);
    if (err > worst) {
      worst = err;
      *worst_level = level;
    }
    mst_compressor_free (c);
  }
  g_free (x);
  g_free (y);
  return worst;
}

GST_START_TEST (test_static_curve)
{
  static const struct
  {
    MstCompDetector det;
    gboolean square;
    double t, r, w, makeup;
    gboolean am;
  } cases[] = {
    {MST_COMP_DETECTOR_RMS, FALSE, -18.0, 2.0, 6.0, 0.0, FALSE},
    {MST_COMP_DETECTOR_RMS, FALSE, -20.0, 4.0, 10.0, 3.0, FALSE},
    {MST_COMP_DETECTOR_RMS, FALSE, -24.0, 20.0, 0.0, 0.0, FALSE},
    {MST_COMP_DETECTOR_RMS, FALSE, -12.0, 3.0, 6.0, 0.0, TRUE},
    {MST_COMP_DETECTOR_PEAK, TRUE, -18.0, 2.0, 6.0, 0.0, FALSE},
    {MST_COMP_DETECTOR_PEAK, TRUE, -30.0, 8.0, 12.0, -2.0, FALSE},
    {MST_COMP_DETECTOR_PEAK, FALSE, -18.0, 4.0, 6.0, 0.0, FALSE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    double at = 0.0;
    double e = static_error (cases[i].det, cases[i].square, cases[i].t,
        cases[i].r, cases[i].w, cases[i].makeup, cases[i].am, &at);

    GST_INFO ("curve case %u: worst error %.4f dB at %.0f dBFS", i, e, at);
    fail_unless (e <= 0.1, "case %u: %.3f dB off the curve at %.0f dBFS",
        i, e, at);
  }
}

GST_END_TEST;

/* ---- time constants ----------------------------------------------------- */

/* Peak detector, square wave (constant |x|), knee 0: the level steps from
 * -40 dBFS (no reduction) to -6 dBFS (gain reduction G) and back.  The
 * gain reduction (dB, from |y / x|) must cover 1 - 1/e of each step in the
 * attack and release times within 10 %. */
static void
measure_times (double attack, double release, gboolean auto_release,
    double *ta, double *tr)
{
  const size_t seg = (size_t) (RATE * (release * 8.0 + 500.0) / 1000.0);
  const size_t frames = 3 * seg;
  double *x = g_new (double, frames), *y = g_new (double, frames);
  MstCompressor *c = new_comp (1, 1, 0.0);
  double g_final, *gr = g_new (double, frames);
  size_t i;

  mst_compressor_set_detector (c, MST_COMP_DETECTOR_PEAK);
  mst_compressor_set_knee (c, 0.0);
  mst_compressor_set_threshold (c, 0, -20.0);
  mst_compressor_set_ratio (c, 0, 4.0);
  mst_compressor_set_attack (c, 0, attack);
  mst_compressor_set_release (c, 0, release);
  mst_compressor_set_auto_release (c, auto_release);
  for (i = 0; i < frames; i++) {
    double a = (i >= seg && i < 2 * seg) ? 0.5 : 0.01;

    x[i] = (i / 24) % 2 ? -a : a;
  }
  run_f64 (c, x, y, frames, 1);
  for (i = 0; i < frames; i++)
    gr[i] = -20.0 * log10 (fabs (y[i] / x[i]));

  g_final = gr[2 * seg - 1];    /* 10.5 dB */
  fail_unless (fabs (g_final - 0.75 * (20.0 * log10 (0.5) + 20.0)) < 0.01);
  for (i = seg; i < 2 * seg && gr[i] < g_final * (1.0 - exp (-1.0)); i++);
  *ta = (i - seg + 1) * 1000.0 / RATE;
  for (i = 2 * seg; i < frames && gr[i] > g_final * exp (-1.0); i++);
  *tr = (i - 2 * seg + 1) * 1000.0 / RATE;
  fail_unless (gr[frames - 1] < 0.01);
  mst_compressor_free (c);
  g_free (x);
  g_free (y);
  g_free (gr);
}

GST_START_TEST (test_time_constants)
{
  static const double settings[][2] = {
    {10.0, 120.0}, {1.0, 50.0}, {50.0, 500.0}, {0.5, 20.0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (settings); i++) {
    double ta, tr;

    measure_times (settings[i][0], settings[i][1], FALSE, &ta, &tr);
    GST_INFO ("attack %.1f ms -> %.3f ms, release %.1f ms -> %.3f ms",
        settings[i][0], ta, settings[i][1], tr);
    fail_unless (fabs (ta / settings[i][0] - 1.0) <= 0.1,
        "attack %.2f ms measured for %.2f", ta, settings[i][0]);
    fail_unless (fabs (tr / settings[i][1] - 1.0) <= 0.1,
        "release %.2f ms measured for %.2f", tr, settings[i][1]);
  }
}

GST_END_TEST;

/* Auto release: after a sustained (2 s) overload the gain recovers more
 * slowly than after a short (20 ms) one. */
static double
recovery_ms (size_t burst)
{
  const size_t pre = 4800, post = (size_t) RATE * 3, frames =
      pre + burst + post;
  double *x = g_new (double, frames), *y = g_new (double, frames);
  MstCompressor *c = new_comp (1, 1, 0.0);
  double peak = 0.0, t;
  size_t i;

  mst_compressor_set_detector (c, MST_COMP_DETECTOR_PEAK);
  mst_compressor_set_knee (c, 0.0);
  mst_compressor_set_threshold (c, 0, -20.0);
  mst_compressor_set_ratio (c, 0, 4.0);
  mst_compressor_set_attack (c, 0, 1.0);
  mst_compressor_set_auto_release (c, TRUE);
  for (i = 0; i < frames; i++) {
    double a = (i >= pre && i < pre + burst) ? 0.5 : 0.01;

    x[i] = (i / 24) % 2 ? -a : a;
  }
  run_f64 (c, x, y, frames, 1);
  peak = -20.0 * log10 (fabs (y[pre + burst - 1] / x[pre + burst - 1]));
  for (i = pre + burst; i < frames; i++)
    if (-20.0 * log10 (fabs (y[i] / x[i])) < peak * exp (-1.0))
      break;
  t = (i - pre - burst) * 1000.0 / RATE;
  mst_compressor_free (c);
  g_free (x);
  g_free (y);
  return t;
}

GST_START_TEST (test_auto_release)
{
  double fast = recovery_ms ((size_t) (0.02 * RATE));
  double slow = recovery_ms ((size_t) (2.0 * RATE));

  GST_INFO ("auto release: %.1f ms after 20 ms, %.1f ms after 2 s", fast, slow);
  /* 120 ms release: the fast stage is 40 ms, the slow one 360 ms */
  fail_unless (fast < 60.0, "%.1f ms", fast);
  fail_unless (slow > 2.0 * fast, "%.1f ms vs %.1f ms", slow, fast);
}

GST_END_TEST;

/* ---- multiband ---------------------------------------------------------- */

GST_START_TEST (test_multiband_flat)
{
  const size_t frames = (size_t) RATE;
  double *x = g_new (double, frames), *y = g_new (double, frames);
  unsigned bands;

  for (bands = 2; bands <= 4; bands++) {
    double f, worst = 0.0, wf = 0.0;
    int j;

    for (j = 0; j <= 30; j++) {
      MstCompressor *c = new_comp (1, bands, 0.0);
      double db;

      f = 20.0 * pow (1000.0, j / 30.0);
      for (unsigned b = 0; b < bands; b++)
        mst_compressor_set_ratio (c, b, 1.0);
      mst_synth_sine_f64 (x, frames, 1, 0x1, RATE, f, 0.5, 0.0, 0);
      run_f64 (c, x, y, frames, 1);
      db = 20.0 * log10 (sine_amp (y, 1, 0, frames / 2, frames, f) / 0.5);
      if (fabs (db) > worst)
        worst = fabs (db), wf = f;
      mst_compressor_free (c);
    }
    GST_INFO ("%u bands: flat within %.5f dB (worst at %.0f Hz)", bands,
        worst, wf);
    fail_unless (worst <= 0.05, "%u bands: %.4f dB at %.0f Hz", bands, worst,
        wf);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* With every band at ratio 1 the output is the input through the allpass
 * of every crossover (computed here with crossover.h directly). */
GST_START_TEST (test_multiband_allpass)
{
  const size_t frames = 20000;
  const double xo[3] = { 150.0, 1200.0, 7000.0 };
  double *x = g_new (double, frames * 2), *y = g_new (double, frames * 2);
  double *ref = g_new (double, frames);
  unsigned bands, k, b;
  size_t i;

  for (bands = 2; bands <= 4; bands++) {
    MstCompressor *c = new_comp (2, bands, 0.0);
    double worst = 0.0;

    for (b = 0; b < 3; b++)
      mst_compressor_set_crossover (c, b, xo[b]);
    for (b = 0; b < bands; b++)
      mst_compressor_set_ratio (c, b, 1.0);
    mst_synth_noise_f64 (x, frames, 2, 0x3, 0.3, 11 + bands);
    run_f64 (c, x, y, frames, 2);
    for (k = 0; k < 2; k++) {
      for (i = 0; i < frames; i++)
        ref[i] = x[i * 2 + k];
      for (b = 0; b < bands - 1; b++) {
        MstLr4 lr;
        MstBiquadState s;

        fail_unless (mst_lr4_design (&lr, RATE, xo[b]) == MST_OK);
        mst_biquad_state_reset (&s, 1);
        mst_lr4_allpass_f64 (&lr, &s, ref, ref, frames);
      }
      for (i = 0; i < frames; i++)
        worst = MAX (worst, fabs (y[i * 2 + k] - ref[i]));
    }
    GST_INFO ("%u bands: |out - allpass (in)| <= %g", bands, worst);
    fail_unless (worst <= 1e-9, "%u bands: %g", bands, worst);
    mst_compressor_free (c);
  }
  g_free (x);
  g_free (y);
  g_free (ref);
}

GST_END_TEST;

/* Three bands (crossovers 120 Hz and 2 kHz), one sine in each (30 Hz,
 * 490 Hz, 10 kHz, -12 dBFS).  Compressing the middle band hard must leave
 * the other two sines within 0.1 dB of their input level. */
GST_START_TEST (test_multiband_isolation)
{
  const size_t frames = (size_t) RATE;
  static const double freqs[3] = { 30.0, 490.0, 10000.0 };
  double *x = g_new0 (double, frames * 2), *y = g_new (double, frames * 2);
  MstCompressor *c = new_comp (2, 3, 0.0);
  const double a = 0.25;
  double db[3];
  unsigned b;

  for (b = 0; b < 3; b++)
    mst_synth_sine_f64 (x, frames, 2, 0x3, RATE, freqs[b], a, 0.3 * b, 1);
  mst_compressor_set_crossover (c, 0, 120.0);
  mst_compressor_set_crossover (c, 1, 2000.0);
  mst_compressor_set_ratio (c, 0, 1.0);
  mst_compressor_set_ratio (c, 2, 1.0);
  mst_compressor_set_threshold (c, 1, -36.0);
  mst_compressor_set_ratio (c, 1, 8.0);
  run_f64 (c, x, y, frames, 2);
  for (b = 0; b < 3; b++) {
    db[b] = 20.0 * log10 (sine_amp (y, 2, 1, frames / 2, frames, freqs[b]) / a);
    GST_INFO ("band %u sine %.0f Hz: %+.4f dB", b, freqs[b], db[b]);
  }
  fail_unless (fabs (db[0]) <= 0.1, "low band moved %.3f dB", db[0]);
  fail_unless (fabs (db[2]) <= 0.1, "high band moved %.3f dB", db[2]);
  /* -12 dBFS into T = -36, R = 8: 21 dB of reduction */
  fail_unless (db[1] < -20.0 && db[1] > -22.0, "mid band %.2f dB", db[1]);
  mst_compressor_free (c);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---- bit-exactness and latency ------------------------------------------ */

GST_START_TEST (test_bit_exact)
{
  const size_t frames = 30000;
  const unsigned ch = 2;
  double *x = g_new (double, frames * ch), *y = g_new (double, frames * ch);
  float *xf = g_new (float, frames * ch), *yf = g_new (float, frames * ch);
  static const double la[] = { 0.0, 1.0, 10.0 };
  guint li, bands, mode;

  mst_synth_music_f64 (x, frames, ch, RATE, -0.5, 3);
  mst_synth_to_f32 (xf, x, frames * ch);
  /* a few denormals: the unity path must pass them untouched */
  x[101] = 1e-310;
  xf[103] = 1e-41f;

  for (li = 0; li < G_N_ELEMENTS (la); li++) {
    for (bands = 1; bands <= 3; bands++) {
      for (mode = 0; mode < 2; mode++) {
        MstCompressor *c = new_comp (ch, bands, la[li]);
        unsigned L = mst_compressor_latency (c), b;
        size_t i;

        fail_unless_equals_int (L, (unsigned) floor (la[li] * RATE / 1000.0
                + 0.5));
        if (mode == 0) {
          /* mix 0 with heavy compression */
          mst_compressor_set_mix (c, 0.0);
          for (b = 0; b < bands; b++) {
            mst_compressor_set_threshold (c, b, -40.0);
            mst_compressor_set_ratio (c, b, 10.0);
            mst_compressor_set_makeup (c, b, 6.0);
          }
        } else if (bands == 1) {
          /* ratio 1, makeup 0, both detectors */
          mst_compressor_set_ratio (c, 0, 1.0);
          mst_compressor_set_threshold (c, 0, -60.0);
          mst_compressor_set_auto_makeup (c, TRUE);
          mst_compressor_set_detector (c, li % 2 ?
              MST_COMP_DETECTOR_PEAK : MST_COMP_DETECTOR_RMS);
        } else {
          mst_compressor_free (c);
          continue;
        }
        run_f64 (c, x, y, frames, ch);
        for (i = 0; i < L * ch; i++)
          fail_unless (y[i] == 0.0);
        fail_unless (memcmp (y + L * ch, x, (frames - L) * ch *
                sizeof (double)) == 0, "f64 bands %u mode %u la %g", bands,
            mode, la[li]);
        mst_compressor_reset (c);
        run_f32 (c, xf, yf, frames, ch);
        fail_unless (memcmp (yf + L * ch, xf, (frames - L) * ch *
                sizeof (float)) == 0, "f32 bands %u mode %u la %g", bands,
            mode, la[li]);
        mst_compressor_free (c);
      }
    }
  }
  g_free (x);
  g_free (y);
  g_free (xf);
  g_free (yf);
}

GST_END_TEST;

/* An impulse comes out exactly latency frames later (gain 1 below the
 * threshold, broadband, several rates). */
GST_START_TEST (test_latency)
{
  static const double rates[] = { 8000.0, 44100.0, 48000.0, 192000.0,
    384000.0
  };
  guint ri;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    double la;

    for (la = 0.0; la <= 10.0; la += 2.5) {
      MstCompressor *c = mst_compressor_new (1, rates[ri], 1, la);
      size_t frames = 8192, i, at = 0;
      double *x = g_new0 (double, frames), *y = g_new (double, frames);
      unsigned L = mst_compressor_latency (c);

      fail_unless (c != NULL);
      fail_unless_equals_int (L, (unsigned) floor (la * rates[ri] / 1000.0 +
              0.5));
      x[100] = 0.01;
      mst_compressor_process_f64 (c, x, y, frames);
      for (i = 0; i < frames; i++)
        if (y[i] != 0.0)
          at = i;
      fail_unless_equals_int (at, 100 + L);
      fail_unless (y[100 + L] == 0.01);
      mst_compressor_free (c);
      g_free (x);
      g_free (y);
    }
  }
}

GST_END_TEST;

/* ---- glides ------------------------------------------------------------- */

/* A steady square wave (rms detector reads a constant level) while the
 * threshold, ratio and makeup jump every 10 ms, all at once, with an
 * attack of 0.05 ms: the gain (|y / x|, dB) never moves by more than
 * 0.06 dB from one sample to the next (0.7 % of the sample value).  The
 * glides bound it: 18 dB of makeup, 20 dB of threshold at slope 0.9 and a
 * slope change of 0.57 at 24 dB over the threshold, each over 960
 * samples, add up to 0.050 dB per sample.  Without glides the jumps below
 * would be steps of up to 30 dB. */
GST_START_TEST (test_glide)
{
  const size_t frames = (size_t) RATE * 2, step = 480;
  double *x = g_new (double, frames), *y = g_new (double, frames);
  MstCompressor *c = new_comp (1, 1, 0.0);
  double worst = 0.0, prev = 0.0, moved = 0.0;
  size_t i, done;
  int k = 0;

  mst_compressor_set_attack (c, 0, 0.05);
  mst_compressor_set_release (c, 0, 1.0);
  for (i = 0; i < frames; i++)
    x[i] = (i / 24) % 2 ? -0.5 : 0.5;
  for (done = 0; done < frames; done += step, k++) {
    mst_compressor_set_threshold (c, 0, k % 3 ? -30.0 : -10.0);
    mst_compressor_set_ratio (c, 0, k % 4 < 2 ? 10.0 : 1.5);
    mst_compressor_set_makeup (c, 0, k % 5 < 2 ? 12.0 : -6.0);
    mst_compressor_process_f64 (c, x + done, y + done, step);
  }
  for (i = 0; i < frames; i++) {
    double g = 20.0 * log10 (fabs (y[i] / x[i]));

    if (i > 0)
      worst = MAX (worst, fabs (g - prev));
    moved = MAX (moved, fabs (g));
    prev = g;
  }
  GST_INFO ("largest gain step %.4f dB per sample (gain range %.1f dB)",
      worst, moved);
  fail_unless (moved > 10.0);
  fail_unless (worst <= 0.06, "gain step %.4f dB", worst);
  mst_compressor_free (c);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---- robustness --------------------------------------------------------- */

/* Inf and NaN input samples act as 0: the output equals that of the same
 * input with zeros in their place, and is finite. */
GST_START_TEST (test_nonfinite)
{
  const size_t frames = 20000;
  const unsigned ch = 2;
  double *x = g_new (double, frames * ch), *x0 = g_new (double, frames * ch);
  double *y = g_new (double, frames * ch), *y0 = g_new (double, frames * ch);
  float *xf = g_new (float, frames * ch), *yf = g_new (float, frames * ch);
  float *xf0 = g_new (float, frames * ch), *yf0 = g_new (float, frames * ch);
  unsigned bands;
  size_t i;

  mst_synth_music_f64 (x, frames, ch, RATE, -1.0, 5);
  memcpy (x0, x, frames * ch * sizeof (double));
  for (i = 500; i < frames * ch; i += 3001) {
    x[i] = (i / 3001) % 3 == 0 ? NAN : (i / 3001) % 3 == 1 ? INFINITY :
        -INFINITY;
    x0[i] = 0.0;
  }
  mst_synth_to_f32 (xf, x, frames * ch);
  mst_synth_to_f32 (xf0, x0, frames * ch);

  for (bands = 1; bands <= 4; bands++) {
    MstCompressor *c = new_comp (ch, bands, 2.0);
    MstCompressor *c0 = new_comp (ch, bands, 2.0);

    mst_compressor_set_sidechain_hpf (c, 100.0);
    mst_compressor_set_sidechain_hpf (c0, 100.0);
    run_f64 (c, x, y, frames, ch);
    run_f64 (c0, x0, y0, frames, ch);
    fail_unless (mst_compressor_take_nonfinite (c) > 0);
    for (i = 0; i < frames * ch; i++)
      fail_unless (isfinite (y[i]));
    fail_unless (memcmp (y, y0, frames * ch * sizeof (double)) == 0);

    mst_compressor_reset (c);
    mst_compressor_reset (c0);
    run_f32 (c, xf, yf, frames, ch);
    run_f32 (c0, xf0, yf0, frames, ch);
    for (i = 0; i < frames * ch; i++)
      fail_unless (isfinite (yf[i]));
    fail_unless (memcmp (yf, yf0, frames * ch * sizeof (float)) == 0);
    mst_compressor_free (c);
    mst_compressor_free (c0);
  }
  g_free (x);
  g_free (x0);
  g_free (y);
  g_free (y0);
  g_free (xf);
  g_free (yf);
  g_free (xf0);
  g_free (yf0);
}

GST_END_TEST;

/* Silence after loud material with auto makeup and extreme settings:
 * every output sample is exactly 0 and the reported gain reduction is
 * finite. */
GST_START_TEST (test_silence)
{
  const size_t frames = 48000;
  double *x = g_new0 (double, frames * 2), *y = g_new (double, frames * 2);
  unsigned bands;
  size_t i;

  for (bands = 1; bands <= 4; bands++) {
    MstCompressor *c = new_comp (2, bands, 0.0);
    unsigned b;

    mst_compressor_set_auto_makeup (c, TRUE);
    mst_compressor_set_detector (c, MST_COMP_DETECTOR_PEAK);
    for (b = 0; b < bands; b++) {
      mst_compressor_set_threshold (c, b, -60.0);
      mst_compressor_set_ratio (c, b, 20.0);
    }
    mst_synth_sine_f64 (x, frames / 2, 2, 0x3, RATE, 440.0, 1.0, 0.0, 0);
    memset (x + frames, 0, frames * sizeof (double));
    run_f64 (c, x, y, frames, 2);
    for (i = 0; i < frames * 2; i++)
      fail_unless (isfinite (y[i]));
    /* broadband: 0 in, 0 out; multiband: the crossover tails have died
     * out well before the last quarter second, even with 57 dB of
     * makeup */
    for (i = frames; i < frames * 2; i++)
      fail_unless (bands > 1 || y[i] == 0.0);
    for (i = frames * 3 / 2; i < frames * 2; i++)
      fail_unless (fabs (y[i]) < 1e-9, "%u bands: %g", bands, y[i]);
    for (b = 0; b < bands; b++)
      fail_unless (isfinite (mst_compressor_take_gain_reduction (c, b)));
    mst_compressor_free (c);
  }
  g_free (x);
  g_free (y);
}

GST_END_TEST;

GST_START_TEST (test_args)
{
  fail_unless (mst_compressor_new (0, RATE, 1, 0.0) == NULL);
  fail_unless (mst_compressor_new (9, RATE, 1, 0.0) == NULL);
  fail_unless (mst_compressor_new (2, 7999.0, 1, 0.0) == NULL);
  fail_unless (mst_compressor_new (2, 384001.0, 1, 0.0) == NULL);
  fail_unless (mst_compressor_new (2, RATE, 0, 0.0) == NULL);
  fail_unless (mst_compressor_new (2, RATE, 5, 0.0) == NULL);
  fail_unless (mst_compressor_new (2, RATE, 1, 10.5) == NULL);
  fail_unless (mst_compressor_new (2, RATE, 1, -1.0) == NULL);
  /* the exported curve is the formula */
  fail_unless (fabs (mst_compressor_curve (-15.0, -18.0, 2.0, 6.0) -
          curve (-15.0, -18.0, 2.0, 6.0)) < 1e-12);
  fail_unless (fabs (mst_compressor_curve (-16.0, -18.0, 4.0, 6.0) -
          curve (-16.0, -18.0, 4.0, 6.0)) < 1e-12);
}

GST_END_TEST;

/* ---- against a per-frame model ----------------------------------------- */

/* compressor.h's definitions evaluated one frame at a time with libm
 * (broadband, no lookahead, settings fixed from the start). */
typedef struct
{
  int rms, auto_release;
  double thr, ratio, knee, attack, release, makeup, link, mix;
} RefSettings;

static void
ref_model (const RefSettings * s, const double *x, double *y, size_t frames,
    unsigned ch)
{
  const double kw = 1.0 - exp (-1000.0 / (MST_COMP_RMS_WINDOW_MS * RATE));
  const double ka = 1.0 - exp (-1000.0 / (s->attack * RATE));
  const double kr = 1.0 - exp (-1000.0 / (s->release * RATE));
  const double kf = 1.0 - exp (-1000.0 / (s->release / 3.0 * RATE));
  const double ks = 1.0 - exp (-1000.0 / (s->release * 3.0 * RATE));
  const gboolean linked = s->link >= 1.0 || ch == 1;
  double ms[8] = { 0 }, h[8] = { 0 }, hf[8] = { 0 }, hs[8] = { 0 };
  double r[8] = { 0 };
  size_t i;
  unsigned k;

  for (i = 0; i < frames; i++) {
    double l[8], lmax = -INFINITY;

    for (k = 0; k < ch; k++) {
      double v = x[i * ch + k] * x[i * ch + k];

      if (s->rms) {
        ms[k] += kw * (v - ms[k]);
        v = 2.0 * ms[k];
      }
      l[k] = v > 0.0 ? 10.0 * log10 (v) : -1000.0;
      lmax = MAX (lmax, l[k]);
    }
    for (k = 0; k < (linked ? 1 : ch); k++) {
      double lv = linked ? lmax : l[k] + s->link * (lmax - l[k]);
      double t = lv - curve (lv, s->thr, s->ratio, s->knee), hh, g;
      unsigned j;

      if (s->auto_release) {
        hf[k] = MAX (t, hf[k] + kf * (t - hf[k]));
        hs[k] += ks * (t - hs[k]);
        hh = MAX (hf[k], hs[k]);
      } else {
        hh = h[k] = MAX (t, h[k] + kr * (t - h[k]));
      }
      r[k] = MIN (hh, r[k] + ka * (hh - r[k]));
      g = (1.0 - s->mix) + s->mix * pow (10.0, (s->makeup - r[k]) / 20.0);
      for (j = 0; j < ch; j++)
        if (linked || j == k)
          y[i * ch + j] = x[i * ch + j] * g;
    }
  }
}

/* The block-wise gain path (vectorised levels, gains, two-frame envelope
 * steps) against the per-frame model: detectors, links, auto release,
 * knees, makeup and mix, 1 to 3 channels, F64 and F32, within 0.001 dB. */
GST_START_TEST (test_reference)
{
  static const RefSettings set[] = {
    {1, 0, -18.0, 2.0, 6.0, 10.0, 120.0, 0.0, 1.0, 1.0},
    {0, 0, -24.0, 4.0, 0.0, 1.0, 50.0, 3.0, 1.0, 1.0},
    {1, 1, -30.0, 8.0, 12.0, 5.0, 200.0, 6.0, 0.5, 1.0},
    {0, 1, -20.0, 3.0, 6.0, 0.1, 20.0, -2.0, 0.0, 0.6},
    {1, 0, -36.0, 20.0, 24.0, 50.0, 500.0, 10.0, 0.0, 0.3},
  };
  const size_t frames = 48000;
  guint si, ch;

  for (ch = 1; ch <= 3; ch++) {
    double *x = g_new (double, frames * ch), *y = g_new (double, frames * ch);
    double *yr = g_new (double, frames * ch);
    float *xf = g_new (float, frames * ch), *yf = g_new (float, frames * ch);

    mst_synth_music_f64 (x, frames, ch, RATE, -1.0, 11);
    mst_synth_to_f32 (xf, x, frames * ch);
    for (si = 0; si < G_N_ELEMENTS (set); si++) {
      const RefSettings *s = &set[si];
      MstCompressor *c = new_comp (ch, 1, 0.0);
      double worst = 0.0, worstf = 0.0;
      size_t i;

      mst_compressor_set_detector (c, s->rms ? MST_COMP_DETECTOR_RMS :
          MST_COMP_DETECTOR_PEAK);
      mst_compressor_set_auto_release (c, s->auto_release);
      mst_compressor_set_threshold (c, 0, s->thr);
      mst_compressor_set_ratio (c, 0, s->ratio);
      mst_compressor_set_knee (c, s->knee);
      mst_compressor_set_attack (c, 0, s->attack);
      mst_compressor_set_release (c, 0, s->release);
      mst_compressor_set_makeup (c, 0, s->makeup);
      mst_compressor_set_link (c, s->link);
      mst_compressor_set_mix (c, s->mix);
      ref_model (s, x, yr, frames, ch);
      run_f64 (c, x, y, frames, ch);
      mst_compressor_reset (c);
      run_f32 (c, xf, yf, frames, ch);
      for (i = 0; i < frames * ch; i++) {
        if (fabs (yr[i]) < 1e-5)
          continue;
        worst = MAX (worst, fabs (20.0 * log10 (y[i] / yr[i])));
        worstf = MAX (worstf, fabs (20.0 * log10 (yf[i] / yr[i])));
      }
      fail_unless (worst < 0.001 && worstf < 0.001, "ch %u set %u: %g dB "
          "(F64), %g dB (F32)", ch, si, worst, worstf);
      mst_compressor_free (c);
    }
    g_free (x);
    g_free (y);
    g_free (yr);
    g_free (xf);
    g_free (yf);
  }
}

GST_END_TEST;

static Suite *
compressor_suite (void)
{
  Suite *s = suite_create ("compressor");
  TCase *tc = tcase_create ("general");

  mst_dsp_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_args);
  tcase_add_test (tc, test_orc_twins);
  tcase_add_test (tc, test_static_curve);
  tcase_add_test (tc, test_time_constants);
  tcase_add_test (tc, test_auto_release);
  tcase_add_test (tc, test_multiband_flat);
  tcase_add_test (tc, test_multiband_allpass);
  tcase_add_test (tc, test_multiband_isolation);
  tcase_add_test (tc, test_bit_exact);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_glide);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_silence);
  tcase_add_test (tc, test_reference);
  return s;
}

GST_CHECK_MAIN (compressor);
