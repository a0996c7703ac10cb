/* gst-mastering: the mid/side imager (dsp/stereo.h), its ORC kernels
 * (dsp/stereoorc.orc) against plain-C twins, and the Linkwitz-Riley
 * crossovers (dsp/crossover.h).
 *
 * The twins reproduce ORC's semantics operation by operation (ORC_DENORMAL:
 * denormal operands and results flushed to signed zero, same order of
 * operations), so kernel and twin must agree bit for bit (0 ulp), with
 * ORC's compiled code and with ORC_CODE=backup.  Other tolerances come from
 * the issue: 0.01 dB for gains and flatness, 40 dB of side removal at
 * 40 Hz with mono bass at 120 Hz, 0.1 dB for a 1 kHz side tone.
 */
#include <gst/check/gstcheck.h>

#include <stdint.h>
#include <string.h>

#include "mst.h"
#include "crossover.h"
#include "stereo.h"
#include "stereoorc.h"
#include "orctwin.h"
#include "synth.h"

#define RATE 48000.0

static const int lengths[] = { 1, 2, 3, 7, 8, 16, 17, 100, 255, 256, 1001 };

#define N_LENGTHS (sizeof (lengths) / sizeof (lengths[0]))
#define MAXLEN 1024

/* ---- plain-C twins of stereoorc.orc ----------------------------------- */

/* f2u, d2u, flushf, flushd, addf ... muld, convdf: orctwin.h */

/* subf k, x, x; cmpeqf k, k, k; and: the bits of x when finite, else 0. */
static inline float
sanitise (float x)
{
  float k = subf (x, x);
  return flushf (k) == flushf (k) ? x : u2f (0);
}

static void
twin_gain (float *x, float a, float b, float c, float d, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    float l = sanitise (x[2 * i]), r = sanitise (x[2 * i + 1]);
    float m = addf (l, r), s = subf (l, r);

    x[2 * i] = addf (mulf (m, a), mulf (s, b));
    x[2 * i + 1] = subf (mulf (m, c), mulf (s, d));
  }
}

static void
twin_gain_ramp (float *x, const float *idx, float a, float da, float b,
    float db, float c, float dc, float d, float dd, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    float l = sanitise (x[2 * i]), r = sanitise (x[2 * i + 1]);
    float m = addf (l, r), s = subf (l, r);
    float ga = addf (mulf (idx[i], da), a), gb = addf (mulf (idx[i], db), b);
    float gc = addf (mulf (idx[i], dc), c), gd = addf (mulf (idx[i], dd), d);

    x[2 * i] = addf (mulf (m, ga), mulf (s, gb));
    x[2 * i + 1] = subf (mulf (m, gc), mulf (s, gd));
  }
}

static void
twin_encode (double *m, double *s, const float *x, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    double l = flushf (sanitise (x[2 * i])), r =
        flushf (sanitise (x[2 * i + 1]));

    m[i] = addd (l, r);
    s[i] = subd (l, r);
  }
}

static void
twin_decode_ramp (float *x, const double *m, const double *s,
    const double *idx, double a, double da, double b, double db, double c,
    double dc, double d, double dd, int n)
{
  int i;

  for (i = 0; i < n; i++) {
    double ga = a, gb = b, gc = c, gd = d;

    if (idx) {
      ga = addd (muld (idx[i], da), a);
      gb = addd (muld (idx[i], db), b);
      gc = addd (muld (idx[i], dc), c);
      gd = addd (muld (idx[i], dd), d);
    }
    x[2 * i] = convdf (addd (muld (m[i], ga), muld (s[i], gb)));
    x[2 * i + 1] = convdf (subd (muld (m[i], gc), muld (s[i], gd)));
  }
}

/* Interleaved test input: noise with NaN, +-Inf, denormals, signed zeros
 * and pairs whose sum or difference is denormal. */
static void
fill_specials (float *x, int n, MstRng * rng)
{
  int i;

  for (i = 0; i < 2 * n; i++) {
    x[i] = (float) mst_rng_uniform (rng);
    switch (i % 41) {
      case 3:
        x[i] = NAN;
        break;
      case 7:
        x[i] = INFINITY;
        break;
      case 11:
        x[i] = -INFINITY;
        break;
      case 13:
        x[i] = 1e-40f;
        break;
      case 17:
        x[i] = -0.0f;
        break;
      case 20:
        x[i] = 1.5e-38f;
        break;
      case 21:
        x[i] = -1.4e-38f;       /* frame 10: l + r denormal */
        break;
      default:
        break;
    }
  }
}

static void
fill_doubles (double *x, int n, MstRng * rng)
{
  int i;

  for (i = 0; i < n; i++) {
    x[i] = 2.0 * mst_rng_uniform (rng);
    if (i % 37 == 5)
      x[i] = 1e-310;
    if (i % 37 == 9)
      x[i] = -0.0;
    if (i % 37 == 12)
      x[i] = 1e-39;             /* becomes a float denormal */
  }
}

/* 16-byte aligned storage; offsets of 0 or 2 floats keep the 8-byte ORC
 * elements aligned to their size. */
static float buf_a[2 * MAXLEN + 8] __attribute__((aligned (16)));
static float buf_b[2 * MAXLEN + 8] __attribute__((aligned (16)));
static double m_a[MAXLEN + 4], s_a[MAXLEN + 4], m_b[MAXLEN + 4],
    s_b[MAXLEN + 4], idx_d[MAXLEN];
static float idx_f[MAXLEN];

static void
assert_same_f32 (const float *a, const float *b, int n, const char *what,
    int len)
{
  int i;

  for (i = 0; i < n; i++) {
    fail_unless (f2u (a[i]) == f2u (b[i]),
        "%s, length %d, value %d: orc %.9g (0x%08x) != twin %.9g (0x%08x)",
        what, len, i, a[i], f2u (a[i]), b[i], f2u (b[i]));
  }
}

static void
assert_same_f64 (const double *a, const double *b, int n, const char *what,
    int len)
{
  int i;

  for (i = 0; i < n; i++) {
    fail_unless (d2u (a[i]) == d2u (b[i]),
        "%s, length %d, value %d: orc %.17g != twin %.17g", what, len, i,
        a[i], b[i]);
  }
}

GST_START_TEST (test_orc_gain)
{
  MstRng rng;
  unsigned k, off;

  mst_rng_seed (&rng, 1);
  for (k = 0; k < N_LENGTHS; k++) {
    for (off = 0; off <= 2; off += 2) {
      int n = lengths[k];
      float g[4];
      int j;

      for (j = 0; j < 4; j++)
        g[j] = (float) (1.5 * mst_rng_uniform (&rng));
      fill_specials (buf_a + off, n, &rng);
      memcpy (buf_b + off, buf_a + off, 2 * n * sizeof (float));
      mst_orc_ms_gain_f32 (buf_a + off, g[0], g[1], g[2], g[3], n);
      twin_gain (buf_b + off, g[0], g[1], g[2], g[3], n);
      assert_same_f32 (buf_a + off, buf_b + off, 2 * n, "ms_gain", n);
      for (j = 0; j < 2 * n; j++)
        fail_unless (isfinite (buf_a[off + j]));
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_orc_gain_ramp)
{
  MstRng rng;
  unsigned k, off;
  int i;

  for (i = 0; i < MAXLEN; i++)
    idx_f[i] = (float) i;
  mst_rng_seed (&rng, 2);
  for (k = 0; k < N_LENGTHS; k++) {
    for (off = 0; off <= 2; off += 2) {
      int n = lengths[k];
      float g[8];
      int j;

      for (j = 0; j < 8; j++)
        g[j] = (float) (j % 2 ? 1e-3 * mst_rng_uniform (&rng) :
            mst_rng_uniform (&rng));
      fill_specials (buf_a + off, n, &rng);
      memcpy (buf_b + off, buf_a + off, 2 * n * sizeof (float));
      mst_orc_ms_gain_ramp_f32 (buf_a + off, idx_f, g[0], g[1], g[2], g[3],
          g[4], g[5], g[6], g[7], n);
      twin_gain_ramp (buf_b + off, idx_f, g[0], g[1], g[2], g[3], g[4], g[5],
          g[6], g[7], n);
      assert_same_f32 (buf_a + off, buf_b + off, 2 * n, "ms_gain_ramp", n);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_orc_encode)
{
  MstRng rng;
  unsigned k;

  mst_rng_seed (&rng, 3);
  for (k = 0; k < N_LENGTHS; k++) {
    int n = lengths[k];

    fill_specials (buf_a, n, &rng);
    mst_orc_ms_encode_f32 (m_a, s_a, buf_a, n);
    twin_encode (m_b, s_b, buf_a, n);
    assert_same_f64 (m_a, m_b, n, "ms_encode (m)", n);
    assert_same_f64 (s_a, s_b, n, "ms_encode (s)", n);
  }
}

GST_END_TEST;

GST_START_TEST (test_orc_decode)
{
  MstRng rng;
  unsigned k, off;
  int i;

  for (i = 0; i < MAXLEN; i++)
    idx_d[i] = (double) i;
  mst_rng_seed (&rng, 4);
  for (k = 0; k < N_LENGTHS; k++) {
    for (off = 0; off <= 2; off += 2) {
      int n = lengths[k];
      double g[8];
      int j;

      for (j = 0; j < 8; j++)
        g[j] = j % 2 ? 1e-3 * mst_rng_uniform (&rng) : mst_rng_uniform (&rng);
      fill_doubles (m_a, n, &rng);
      fill_doubles (s_a, n, &rng);

      mst_orc_ms_decode_f32 (buf_a + off, m_a, s_a, g[0], g[2], g[4], g[6], n);
      twin_decode_ramp (buf_b + off, m_a, s_a, NULL, g[0], 0, g[2], 0, g[4],
          0, g[6], 0, n);
      assert_same_f32 (buf_a + off, buf_b + off, 2 * n, "ms_decode", n);

      mst_orc_ms_decode_ramp_f32 (buf_a + off, m_a, s_a, idx_d, g[0], g[1],
          g[2], g[3], g[4], g[5], g[6], g[7], n);
      twin_decode_ramp (buf_b + off, m_a, s_a, idx_d, g[0], g[1], g[2], g[3],
          g[4], g[5], g[6], g[7], n);
      assert_same_f32 (buf_a + off, buf_b + off, 2 * n, "ms_decode_ramp", n);
    }
  }
}

GST_END_TEST;

/* ---- crossovers ------------------------------------------------------- */

static const double xo_rates[] = { 8000, 44100, 48000, 96000, 192000,
  384000
};

static const double xo_freqs[] = { 20, 120, 1000, 3000 };

/* LP + HP is flat within 0.01 dB from 5 Hz to 0.49 rate, both bands are
 * -6.02 dB at f0, the high band drops at the designed slope. */
GST_START_TEST (test_crossover_response)
{
  unsigned r, f, o, k;

  for (o = 4; o <= 8; o += 4) {
    for (r = 0; r < G_N_ELEMENTS (xo_rates); r++) {
      for (f = 0; f < G_N_ELEMENTS (xo_freqs); f++) {
        double rate = xo_rates[r], f0 = xo_freqs[f], lo, hi, sum;
        MstCrossover xo;

        if (f0 > 0.45 * rate)
          continue;
        fail_unless_equals_int (mst_crossover_design (&xo, o, rate, f0),
            MST_OK);
        for (k = 0; k <= 200; k++) {
          double fr = 5.0 * pow (0.49 * rate / 5.0, k / 200.0);

          mst_crossover_response_db (&xo, fr, NULL, NULL, &sum);
          fail_unless (fabs (sum) <= 0.01, "LR%u %g Hz at %g Hz: sum %g dB "
              "at %g Hz", o, f0, rate, sum, fr);
        }
        mst_crossover_response_db (&xo, f0, &lo, &hi, NULL);
        fail_unless (fabs (lo + 6.0206) <= 0.01, "low %g dB at f0", lo);
        fail_unless (fabs (hi + 6.0206) <= 0.01, "high %g dB at f0", hi);
        {
          /* |HP| = w^2N / (1 + w^2N), w = 1/3, for the analogue prototype;
           * the bilinear transform only makes it steeper, and matches it
           * well below the Nyquist frequency */
          double w = pow (1.0 / 3.0, o), want = 20.0 * log10 (w / (1.0 + w));

          mst_crossover_response_db (&xo, f0 / 3.0, NULL, &hi, NULL);
          fail_unless (hi <= want + 0.05, "LR%u high at f0/3: %g dB, "
              "want <= %g dB (rate %g, f0 %g)", o, hi, want, rate, f0);
          if (f0 <= 0.01 * rate)
            fail_unless (fabs (hi - want) <= 0.05, "LR%u high at f0/3: %g "
                "dB, want %g dB (rate %g, f0 %g)", o, hi, want, rate, f0);
        }
      }
    }
  }
  fail_unless (mst_crossover_design (NULL, 6, 48000, 100) == MST_ERR_INVAL);
  {
    MstCrossover xo;

    fail_unless (mst_crossover_design (&xo, 4, 48000, 0) == MST_ERR_INVAL);
    fail_unless (mst_crossover_design (&xo, 8, 48000, 22000) == MST_ERR_INVAL);
  }
}

GST_END_TEST;

/* In the time domain: low + high == allpass (1e-9 of a unit-peak input),
 * for the generic splits and the LR4 API, block by block. */
GST_START_TEST (test_crossover_sum_is_allpass)
{
  enum
  { N = 4800, BLOCK = 333 };
  static double x[N], lo[N], hi[N], ap[N];
  unsigned o;
  size_t i, pos;

  mst_synth_noise_f64 (x, N, 1, 1, 0.3, 7);
  x[100] = 1.0;
  for (o = 4; o <= 8; o += 4) {
    MstCrossover xo;
    MstCrossoverState s;
    MstCrossoverApState a;
    double err = 0.0;

    mst_crossover_design (&xo, o, 48000, 150);
    mst_crossover_state_reset (&s, 1);
    mst_crossover_ap_state_reset (&a, 1);
    for (pos = 0; pos < N; pos += BLOCK) {
      size_t n = MIN (BLOCK, N - pos);

      mst_crossover_split_f64 (&xo, &s, x + pos, lo + pos, hi + pos, n);
      mst_crossover_allpass_f64 (&xo, &a, x + pos, ap + pos, n);
    }
    for (i = 0; i < N; i++)
      err = MAX (err, fabs (lo[i] + hi[i] - ap[i]));
    fail_unless (err <= 1e-9, "LR%u: |low + high - allpass| = %g", o, err);
  }
  {
    MstLr4 xo;
    MstLr4State s;
    MstBiquadState a;
    MstCrossover ref;
    MstCrossoverState rs;
    double err = 0.0;

    fail_unless_equals_int (mst_lr4_design (&xo, 48000, 150), MST_OK);
    mst_crossover_design (&ref, 4, 48000, 150);
    mst_lr4_state_reset (&s, 1);
    mst_crossover_state_reset (&rs, 1);
    mst_biquad_state_reset (&a, 1);
    /* in place: the high band overwrites the input */
    memcpy (hi, x, sizeof (x));
    mst_lr4_split_f64 (&xo, &s, hi, lo, hi, N);
    mst_lr4_allpass_f64 (&xo, &a, x, ap, N);
    for (i = 0; i < N; i++)
      err = MAX (err, fabs (lo[i] + hi[i] - ap[i]));
    fail_unless (err <= 1e-9, "LR4 API: |low + high - allpass| = %g", err);
    /* and it is the order-4 generic split */
    mst_crossover_highpass_f64 (&ref, &rs, x, ap, N);
    for (i = 0; i < N; i++)
      fail_unless (ap[i] == hi[i]);
  }
}

GST_END_TEST;

/* A NaN poisons one call at most. */
GST_START_TEST (test_crossover_non_finite)
{
  double x[64], y[64];
  MstCrossover xo;
  MstCrossoverState s;
  MstCrossoverApState a;
  int i;

  mst_crossover_design (&xo, 8, 48000, 120);
  mst_crossover_state_reset (&s, 1);
  mst_crossover_ap_state_reset (&a, 1);
  for (i = 0; i < 64; i++)
    x[i] = sin (i * 0.1);
  x[10] = NAN;
  mst_crossover_highpass_f64 (&xo, &s, x, y, 64);
  mst_crossover_allpass_f64 (&xo, &a, x, y, 64);
  x[10] = 0.0;
  mst_crossover_highpass_f64 (&xo, &s, x, y, 64);
  for (i = 0; i < 64; i++)
    fail_unless (isfinite (y[i]));
  mst_crossover_allpass_f64 (&xo, &a, x, y, 64);
  for (i = 0; i < 64; i++)
    fail_unless (isfinite (y[i]));
}

GST_END_TEST;

/* ---- the imager ------------------------------------------------------- */

typedef struct
{
  double ll, rr, mm, ss;
} Energy;

/* Energies of interleaved stereo frames [from, to); mid = (L + R) / 2,
 * side = (L - R) / 2. */
static Energy
energy_f64 (const double *x, size_t from, size_t to)
{
  Energy e = { 0, 0, 0, 0 };
  size_t i;

  for (i = from; i < to; i++) {
    double l = x[2 * i], r = x[2 * i + 1];

    e.ll += l * l, e.rr += r * r;
    e.mm += 0.25 * (l + r) * (l + r), e.ss += 0.25 * (l - r) * (l - r);
  }
  return e;
}

static Energy
energy_f32 (const float *x, size_t from, size_t to)
{
  Energy e = { 0, 0, 0, 0 };
  size_t i;

  for (i = from; i < to; i++) {
    double l = x[2 * i], r = x[2 * i + 1];

    e.ll += l * l, e.rr += r * r;
    e.mm += 0.25 * (l + r) * (l + r), e.ss += 0.25 * (l - r) * (l - r);
  }
  return e;
}

static double
db10 (double a, double b)
{
  return 10.0 * log10 (a / b);
}

/* A stereo test programme: independent noise on both channels plus a
 * common part, so it has both mid and side. */
static void
make_programme (double *x, size_t frames, uint64_t seed)
{
  static double common[48000 * 2];
  size_t i;

  g_assert (frames <= 48000);
  mst_synth_noise_f64 (x, frames, 2, 3, 0.2, seed);
  mst_synth_noise_f64 (common, frames, 1, 1, 0.2, seed + 100);
  for (i = 0; i < frames; i++) {
    x[2 * i] += common[i];
    x[2 * i + 1] += common[i];
  }
}

GST_START_TEST (test_stereo_neutral)
{
  MstStereo *st = mst_stereo_new (RATE);

  fail_unless (st != NULL);
  fail_unless (mst_stereo_is_neutral (st));
  mst_stereo_set_width (st, 1.2);
  fail_if (mst_stereo_is_neutral (st));
  mst_stereo_set_width (st, 1.0);
  /* back to neutral settings, but a glide is under way */
  fail_if (mst_stereo_is_neutral (st));
  {
    static float x[2 * 4800];
    mst_stereo_process_f32 (st, x, 4800);
  }
  fail_unless (mst_stereo_is_neutral (st));
  mst_stereo_set_mono_bass (st, 100);
  fail_if (mst_stereo_is_neutral (st));
  mst_stereo_set_mono_bass (st, 0);
  mst_stereo_set_safe_width (st, 1, 0.3);
  /* safe width never narrows: at width 1 it has nothing to do */
  fail_unless (mst_stereo_is_neutral (st));
  fail_unless (mst_stereo_new (1000) == NULL);
  mst_stereo_free (st);
}

GST_END_TEST;

/* width = 0: L == R exactly, f32 and f64, with and without mono bass,
 * and the output is finite for non-finite input. */
GST_START_TEST (test_stereo_width_zero)
{
  enum
  { N = 9600 };
  static double xd[2 * N];
  static float xf[2 * N];
  int mb;
  size_t i;

  for (mb = 0; mb <= 1; mb++) {
    MstStereo *st = mst_stereo_new (RATE);

    mst_stereo_set_width (st, 0.0);
    mst_stereo_set_mono_bass (st, mb ? 120.0 : 0.0);
    mst_stereo_reset (st);

    make_programme (xd, N, 11);
    xd[2 * 100] = NAN;
    xd[2 * 200 + 1] = INFINITY;
    mst_synth_to_f32 (xf, xd, 2 * N);
    mst_stereo_process_f64 (st, xd, N);
    mst_stereo_reset (st);
    mst_stereo_process_f32 (st, xf, N);
    for (i = 0; i < N; i++) {
      fail_unless (xd[2 * i] == xd[2 * i + 1], "f64 frame %u: %g != %g",
          (unsigned) i, xd[2 * i], xd[2 * i + 1]);
      fail_unless (xf[2 * i] == xf[2 * i + 1], "f32 frame %u: %g != %g",
          (unsigned) i, xf[2 * i], xf[2 * i + 1]);
      fail_unless (isfinite (xd[2 * i]) && isfinite (xf[2 * i]));
    }
    mst_stereo_free (st);
  }
}

GST_END_TEST;

/* A width w scales the side by 20 log10 w dB (0.01 dB) and leaves the mid
 * unchanged (0.01 dB); side-gain and mid-gain act the same in dB. */
GST_START_TEST (test_stereo_width_scaling)
{
  enum
  { N = 48000 };
  static double in[2 * N], xd[2 * N];
  static float xf[2 * N], inf[2 * N];
  static const double widths[] = { 0.25, 0.5, 0.9, 1.5, 2.0 };
  Energy e0, ed, ef;
  unsigned k;

  make_programme (in, N, 21);
  mst_synth_to_f32 (inf, in, 2 * N);
  e0 = energy_f64 (in, 0, N);

  for (k = 0; k < G_N_ELEMENTS (widths); k++) {
    MstStereo *st = mst_stereo_new (RATE);
    double want = 20.0 * log10 (widths[k]);

    mst_stereo_set_width (st, widths[k]);
    mst_stereo_reset (st);
    memcpy (xd, in, sizeof (in));
    memcpy (xf, inf, sizeof (inf));
    mst_stereo_process_f64 (st, xd, N);
    mst_stereo_reset (st);
    mst_stereo_process_f32 (st, xf, N);
    ed = energy_f64 (xd, 0, N);
    ef = energy_f32 (xf, 0, N);
    fail_unless (fabs (db10 (ed.ss, e0.ss) - want) <= 0.01,
        "f64 width %g: side %g dB", widths[k], db10 (ed.ss, e0.ss));
    fail_unless (fabs (db10 (ef.ss, e0.ss) - want) <= 0.01,
        "f32 width %g: side %g dB", widths[k], db10 (ef.ss, e0.ss));
    fail_unless (fabs (db10 (ed.mm, e0.mm)) <= 0.01);
    fail_unless (fabs (db10 (ef.mm, e0.mm)) <= 0.01);
    mst_stereo_free (st);
  }

  {
    MstStereo *st = mst_stereo_new (RATE);

    mst_stereo_set_side_gain_db (st, -4.0);
    mst_stereo_set_mid_gain_db (st, 2.5);
    mst_stereo_reset (st);
    memcpy (xd, in, sizeof (in));
    mst_stereo_process_f64 (st, xd, N);
    ed = energy_f64 (xd, 0, N);
    fail_unless (fabs (db10 (ed.ss, e0.ss) + 4.0) <= 0.01);
    fail_unless (fabs (db10 (ed.mm, e0.mm) - 2.5) <= 0.01);

    /* balance 0.5: the left channel at -6.02 dB, the right untouched */
    mst_stereo_set_side_gain_db (st, 0.0);
    mst_stereo_set_mid_gain_db (st, 0.0);
    mst_stereo_set_balance (st, 0.5);
    mst_stereo_reset (st);
    memcpy (xd, in, sizeof (in));
    mst_stereo_process_f64 (st, xd, N);
    ed = energy_f64 (xd, 0, N);
    fail_unless (fabs (db10 (ed.ll, e0.ll) + 6.0206) <= 0.01);
    fail_unless (fabs (db10 (ed.rr, e0.rr)) <= 0.01);
    mst_stereo_free (st);
  }
}

GST_END_TEST;

/* Mono bass at 120 Hz: a 40 Hz side tone loses >= 40 dB, a 1 kHz side tone
 * stays within 0.1 dB, mid tones keep their level within 0.01 dB (the mid
 * path sums flat), for f32 and f64 and at 44.1 and 96 kHz. */
static void
check_mono_bass (double rate, int f64)
{
  const size_t n = (size_t) rate;       /* 1 s, the first 0.5 s settle */
  double *x = g_new (double, 2 * n);
  float *xf = g_new (float, 2 * n);
  struct
  {
    double freq;
    int side;
    double min_drop, max_drop;
  } cases[] = {
    {40.0, 1, 40.0, 1000.0},
    {1000.0, 1, -0.1, 0.1},
    {40.0, 0, -0.01, 0.01},
    {120.0, 0, -0.01, 0.01},
    {1000.0, 0, -0.01, 0.01},
  };
  unsigned k;

  for (k = 0; k < G_N_ELEMENTS (cases); k++) {
    MstStereo *st = mst_stereo_new (rate);
    Energy e0, e1;
    double drop, in_e, out_e;

    mst_stereo_set_mono_bass (st, 120.0);
    mst_stereo_reset (st);
    /* L = sin, R = -sin (side) or R = sin (mid) */
    mst_synth_sine_f64 (x, n, 2, 1, rate, cases[k].freq, 0.5, 0.0, 0);
    mst_synth_sine_f64 (x, n, 2, 2, rate, cases[k].freq, 0.5,
        cases[k].side ? M_PI : 0.0, 0);
    e0 = energy_f64 (x, n / 2, n);
    if (f64) {
      mst_stereo_process_f64 (st, x, n);
      e1 = energy_f64 (x, n / 2, n);
    } else {
      mst_synth_to_f32 (xf, x, 2 * n);
      mst_stereo_process_f32 (st, xf, n);
      e1 = energy_f32 (xf, n / 2, n);
    }
    in_e = cases[k].side ? e0.ss : e0.mm;
    out_e = cases[k].side ? e1.ss : e1.mm;
    drop = db10 (in_e, out_e);
    fail_unless (drop >= cases[k].min_drop && drop <= cases[k].max_drop,
        "%s %g Hz at %g Hz (%s): level drop %g dB, want %g..%g",
        cases[k].side ? "side" : "mid", cases[k].freq, rate,
        f64 ? "f64" : "f32", drop, cases[k].min_drop, cases[k].max_drop);
    mst_stereo_free (st);
  }
  g_free (x);
  g_free (xf);
}

GST_START_TEST (test_stereo_mono_bass)
{
  check_mono_bass (48000, 0);
  check_mono_bass (48000, 1);
  check_mono_bass (44100, 0);
  check_mono_bass (96000, 1);
}

GST_END_TEST;

/* Largest sample-to-sample step of one channel over frames [from, to). */
static double
max_step (const double *x, size_t ch, size_t from, size_t to)
{
  double m = 0.0;
  size_t i;

  for (i = from + 1; i < to; i++)
    m = MAX (m, fabs (x[2 * i + ch] - x[2 * (i - 1) + ch]));
  return m;
}

/* Settings jump while a 50 Hz side+mid signal plays (L = 0.6 sin,
 * R = 0.2 sin: mid 0.4, side 0.2).  Width toggling 0 <-> 2 every 200 ms:
 * the glide keeps every output step within the signal's own largest step at
 * the widest setting plus the glide's share; an abrupt switch would add a
 * step of up to 2 * 0.2 * 2 = 0.8.  Mono bass toggling 0 <-> 150 Hz every
 * 300 ms at width 1: the split glides at 12 octaves/s, which moves a
 * passing tone's frequency by at most 6.6 Hz (+13 % on the step of a 50 Hz
 * tone; the bound allows 20 %); an abrupt switch to the filtered path would add a step of up to
 * |m - AP (m)|, i.e. ~0.8 here. */
static double
run_toggles (int width, int mono_bass, double *x, size_t n)
{
  MstStereo *st = mst_stereo_new (RATE);
  size_t pos;
  double got;

  mst_synth_sine_f64 (x, n, 2, 1, RATE, 50.0, 0.6, 0.0, 0);
  mst_synth_sine_f64 (x, n, 2, 2, RATE, 50.0, 0.2, 0.0, 0);
  mst_stereo_set_width (st, width ? 0.0 : 1.0);
  mst_stereo_reset (st);
  for (pos = 0; pos < n; pos += 480) {
    if (width && pos % 9600 == 0)
      mst_stereo_set_width (st, (pos / 9600) % 2 ? 0.0 : 2.0);
    if (mono_bass && pos % 14400 == 0)
      mst_stereo_set_mono_bass (st, (pos / 14400) % 2 ? 0.0 : 150.0);
    mst_stereo_process_f64 (st, x + 2 * pos, 480);
  }
  got = MAX (max_step (x, 0, 0, n), max_step (x, 1, 0, n));
  mst_stereo_free (st);
  return got;
}

GST_START_TEST (test_stereo_glide)
{
  enum
  { N = 96000 };
  static double x[2 * N];
  double own, bound, got;

  /* at width 2 the peak is 0.4 + 2 * 0.2 = 0.8, the largest step
   * 0.8 * 2 pi 50 / 48000; the glide of the side gain (2 over 960
   * samples) adds at most 0.2 * 2 / 960 */
  own = 0.8 * 2.0 * M_PI * 50.0 / RATE;
  bound = own + 2.0 * 0.2 / (MST_STEREO_GLIDE_MS * 1e-3 * RATE) + 1e-6;
  got = run_toggles (1, 0, x, N);
  fail_unless (got <= bound, "width: largest step %g > bound %g", got, bound);

  /* at width 1 the peak is L = 0.6 */
  own = 0.6 * 2.0 * M_PI * 50.0 / RATE;
  bound = 1.2 * own;
  got = run_toggles (0, 1, x, N);
  fail_unless (got <= bound, "mono bass: largest step %g > bound %g", got,
      bound);
}

GST_END_TEST;

/* Safe width keeps the correlation of a widened mix at the floor. */
GST_START_TEST (test_stereo_safe_width)
{
  enum
  { N = 48000 };
  static double in[2 * N], x[2 * N];
  MstStereoMeter m;
  double c_plain, c_safe, c_in;
  MstStereo *st;

  /* common and independent parts of equal power: correlation 0.5;
   * width 2 takes it to (1.5 - 4 * 0.5) / (1.5 + 4 * 0.5) = -0.14 */
  make_programme (in, N, 31);
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, in + N, N / 2);
  mst_stereo_meter_read (&m, &c_in, NULL, NULL);

  st = mst_stereo_new (RATE);
  mst_stereo_set_width (st, 2.0);
  mst_stereo_reset (st);
  memcpy (x, in, sizeof (in));
  mst_stereo_process_f64 (st, x, N);
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, x + N, N / 2);
  mst_stereo_meter_read (&m, &c_plain, NULL, NULL);
  fail_unless (c_plain < 0.0, "plain width 2: correlation %g", c_plain);

  mst_stereo_set_safe_width (st, 1, 0.2);
  mst_stereo_reset (st);
  memcpy (x, in, sizeof (in));
  mst_stereo_process_f64 (st, x, N);
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, x + N, N / 2);
  mst_stereo_meter_read (&m, &c_safe, NULL, NULL);
  /* 0.02: the estimate runs over 100 ms windows of noise */
  fail_unless (c_safe >= 0.2 - 0.02, "safe width: correlation %g", c_safe);
  /* and it only took back what was needed: still wider than the input */
  fail_unless (c_safe < c_in - 0.1, "safe width: correlation %g, input %g",
      c_safe, c_in);
  fail_unless (mst_stereo_get_side_gain (st) > 1.0
      && mst_stereo_get_side_gain (st) < 2.0);
  mst_stereo_free (st);
}

GST_END_TEST;

/* The meter: +1 mono, -1 inverted, ~0 independent noise, 0 for silence. */
GST_START_TEST (test_stereo_meter)
{
  enum
  { N = 48000 };
  static double x[2 * N];
  static float xf[2 * N];
  MstStereoMeter m;
  double c, ms, bal;
  size_t i;

  mst_synth_noise_f64 (x, N, 2, 1, 0.3, 41);
  for (i = 0; i < N; i++)
    x[2 * i + 1] = x[2 * i];
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, x, N);
  mst_stereo_meter_read (&m, &c, &ms, &bal);
  fail_unless (fabs (c - 1.0) <= 1e-9, "mono: %g", c);
  fail_unless (ms >= 100.0, "mono: mid/side %g dB", ms);
  fail_unless (fabs (bal) <= 1e-9);

  for (i = 0; i < N; i++)
    x[2 * i + 1] = -0.5 * x[2 * i];
  mst_synth_to_f32 (xf, x, 2 * N);
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f32 (&m, xf, N);
  mst_stereo_meter_read (&m, &c, &ms, &bal);
  fail_unless (fabs (c + 1.0) <= 1e-6, "inverted: %g", c);
  /* L = x, R = -x / 2: mid x / 4, side 3x / 4: -9.54 dB; L/R +6.02 dB */
  fail_unless (fabs (ms + 9.5424) <= 0.01, "inverted: mid/side %g dB", ms);
  fail_unless (fabs (bal - 6.0206) <= 0.01, "inverted: balance %g dB", bal);

  mst_synth_noise_f64 (x, N, 2, 3, 0.3, 43);
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, x, N);
  mst_stereo_meter_read (&m, &c, &ms, NULL);
  /* the estimate's standard deviation is 1 / sqrt (N) = 0.005 */
  fail_unless (fabs (c) <= 0.03, "independent noise: %g", c);
  fail_unless (fabs (ms) <= 0.3, "independent noise: mid/side %g dB", ms);

  memset (x, 0, sizeof (x));
  mst_stereo_meter_reset (&m);
  mst_stereo_meter_add_f64 (&m, x, N);
  mst_stereo_meter_read (&m, &c, &ms, &bal);
  fail_unless (c == 0.0 && ms == 0.0 && bal == 0.0);

  x[10] = NAN;
  mst_stereo_meter_add_f64 (&m, x, N);
  mst_stereo_meter_read (&m, &c, &ms, &bal);
  fail_unless (c == 0.0 && ms == 0.0 && bal == 0.0);
}

GST_END_TEST;

/* Unaligned F32 buffers (4-byte offset) take the bounce path and give the
 * same result as aligned ones. */
GST_START_TEST (test_stereo_unaligned)
{
  enum
  { N = 1000 };
  static float a[2 * N + 4] __attribute__((aligned (16)));
  static float b[2 * N + 4] __attribute__((aligned (16)));
  static double x[2 * N];
  MstStereo *s1 = mst_stereo_new (RATE), *s2 = mst_stereo_new (RATE);
  int mb;

  for (mb = 0; mb <= 1; mb++) {
    mst_stereo_set_width (s1, 1.7);
    mst_stereo_set_width (s2, 1.7);
    mst_stereo_set_mono_bass (s1, mb ? 100.0 : 0.0);
    mst_stereo_set_mono_bass (s2, mb ? 100.0 : 0.0);
    mst_stereo_reset (s1);
    mst_stereo_reset (s2);
    make_programme (x, N, 51);
    mst_synth_to_f32 (a, x, 2 * N);
    mst_synth_to_f32 (b + 1, x, 2 * N);
    mst_stereo_process_f32 (s1, a, N);
    mst_stereo_process_f32 (s2, b + 1, N);
    fail_unless (memcmp (a, b + 1, 2 * N * sizeof (float)) == 0);
  }
  mst_stereo_free (s1);
  mst_stereo_free (s2);
}

GST_END_TEST;

static Suite *
stereo_suite (void)
{
  Suite *s = suite_create ("stereo");
  TCase *tc = tcase_create ("general");

  mst_dsp_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_orc_gain);
  tcase_add_test (tc, test_orc_gain_ramp);
  tcase_add_test (tc, test_orc_encode);
  tcase_add_test (tc, test_orc_decode);
  tcase_add_test (tc, test_crossover_response);
  tcase_add_test (tc, test_crossover_sum_is_allpass);
  tcase_add_test (tc, test_crossover_non_finite);
  tcase_add_test (tc, test_stereo_neutral);
  tcase_add_test (tc, test_stereo_width_zero);
  tcase_add_test (tc, test_stereo_width_scaling);
  tcase_add_test (tc, test_stereo_mono_bass);
  tcase_add_test (tc, test_stereo_glide);
  tcase_add_test (tc, test_stereo_safe_width);
  tcase_add_test (tc, test_stereo_meter);
  tcase_add_test (tc, test_stereo_unaligned);
  return s;
}

GST_CHECK_MAIN (stereo);
