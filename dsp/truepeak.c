/* gst-mastering dsp: ITU-R BS.1770-4 Annex 2 true-peak meter and
 * oversampled peak detector.
 *
 * Interpolation filter
 * --------------------
 * One normalised design serves every rate: a Kaiser-windowed sinc with
 * cutoff at the input Nyquist frequency, TP_TAPS (32) input taps per phase,
 * beta 5.0.  The prototype is evaluated directly at the F - 1 fractional
 * positions p / F (p = 1 .. F - 1), so there is no per-rate table and no
 * long prototype in memory.  Because sinc () is zero at every nonzero
 * integer, phase 0 is a pure delay of TP_HALF input samples: it is the
 * input itself and is never computed.  Each phase is scaled to unity DC
 * gain.  Measured on the design (tests/dsp/test-truepeak.c re-measures it):
 * every phase is flat within 0.025 dB up to 0.40 fs and within 0.04 dB up
 * to 0.45 fs, so a sine at 19.8 kHz / 44.1 kHz still reads within 0.05 dB,
 * far inside the Tech 3341 tolerance of +0.2/-0.4 dB.  (BS.1770's example
 * filter, 12 taps per phase, droops by more than 1 dB there.)  32 taps are
 * four calls of the 8-tap ORC kernels per phase.
 *
 * Factor: 4x below 96 kHz, 2x below 192 kHz, 1x (the sample peak, no
 * interpolation and no latency) from 192 kHz up, as BS.1770-4 allows.
 *
 * Timing
 * ------
 * Per channel a planar buffer holds TP_TAPS samples of history followed by
 * the block:  b[0 .. T) = x[s - T .. s),  b[T .. T + n) = x[s .. s + n).
 * Block output i (0 <= i < n) covers the interval [m, m + 1) with
 * m = s + i - TP_HALF: its phase-0 value is x[m] = b[TP_HALF + i] and its
 * phase-p value y_p[i] = sum_k g_p[k] * b[i + 1 + k], k = 0 .. T - 1,
 * reads x[m - T/2 + 1 .. m + T/2], the newest being x[s + i].  Hence the
 * latency is TP_HALF input frames.
 *
 * Exact skipping
 * --------------
 * |y_p[i]| <= max |x over its taps| * sum_k |g_p[k]|.  The meter splits a
 * block into chunks of TP_CHUNK outputs; the taps of chunk j lie in input
 * chunks j - 1 and j (chunk -1 being the history), whose maxima are known
 * from the sample-peak reduction.  When that bound (with a margin far
 * larger than float rounding) cannot exceed the channel's current true
 * peak, the chunk cannot raise it and its FIR is skipped.  The history is
 * updated regardless, so the result is identical to computing everything.
 *
 * Non-finite input
 * ----------------
 * The sample-peak reduction works on IEEE bit patterns, where Inf and NaN
 * compare above every finite value: the clean path costs one comparison
 * per block.  Only a block that has one takes a slow path that replaces
 * Inf/NaN by 0 (counted) before anything enters the history.
 */
#include "truepeak.h"

#include <float.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mstorc.h"


#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define TP_TAPS 32              /* input taps per phase, multiple of 8 */
#define TP_HALF (TP_TAPS / 2)   /* latency in input frames (F > 1) */
#define TP_BETA 5.0             /* Kaiser window parameter */
#define TP_BLOCK 1024           /* frames per internal block */
#define TP_CHUNK 32             /* outputs per skip decision, >= TP_TAPS */
#define TP_NCHUNK (TP_BLOCK / TP_CHUNK)
#define TP_PHASES_MAX 3
/* Relative margin on the skip bound: float rounding of a 32-tap sum is
 * below 32 * 2^-24 = 2e-6 of the bound. */
#define TP_SKIP_MARGIN 1.0001

/* Per-channel state.
 *
 * buf:        TP_TAPS history samples then up to TP_BLOCK block samples
 *             (padded to whole chunks with zeros), 16-byte aligned at
 *             buf + TP_TAPS; only the first `taps` entries carry history.
 * hist_max:   max |x| over the history part, as IEEE bits of a
 *             non-negative float (used for the skip bound of chunk 0).
 * tp_max:     largest |interpolated value| seen, phase 0 (the samples of
 *             float input) included.
 * sample_max: largest |input sample| seen, in double (f64 input is
 *             measured before its conversion to float).
 */
typedef struct
{
  float *buf;
  uint32_t hist_max;
  float tp_max;
  double sample_max;
} TpChannel;

/* rate, channels: as created.
 * factor:     oversampling factor F (4, 2, 1); nphases = F - 1.
 * taps:       TP_TAPS when F > 1, else 0 (no history needed).
 * coef:       coef[p - 1][k] = g_p[k], the phase-p taps in float.
 * l1:         max over phases of sum_k |g_p[k]| (skip bound factor).
 * ch:         per-channel state.
 * tmp, run:   scratch of TP_BLOCK floats: FIR partial sums and the
 *             per-output running abs-max of a run.
 * red:        2 * TP_BLOCK / 2 floats of reduction scratch.
 * mem:        the single allocation everything above lives in.
 */
struct MstTruePeak
{
  unsigned rate;
  unsigned channels;
  unsigned factor;
  unsigned nphases;
  unsigned taps;
  float coef[TP_PHASES_MAX][TP_TAPS];
  double l1;
  TpChannel ch[MST_CHANNELS_MAX];
  float *tmp;
  float *run;
  float *red;
  void *mem;
};

/* ------------------------------------------------------------------------ */

static double
bessel_i0 (double x)
{
  double s = 1.0, t = 1.0, q = x * x / 4.0;
  int k;

  for (k = 1; k < 200; k++) {
    t *= q / ((double) k * (double) k);
    s += t;
    if (t < 1e-17 * s)
      break;
  }
  return s;
}

static void
design (MstTruePeak * tp)
{
  const double half = TP_TAPS / 2.0;
  double i0b = bessel_i0 (TP_BETA);
  unsigned p, k;

  tp->l1 = 1.0;
  for (p = 1; p < tp->factor; p++) {
    double g[TP_TAPS], sum = 0.0, l1 = 0.0;

    for (k = 0; k < TP_TAPS; k++) {
      /* distance from tap k to the output position, in input samples */
      double d = (double) p / tp->factor + half - 1.0 - k;
      double r = d / half;
      double w = bessel_i0 (TP_BETA * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
      g[k] = sin (M_PI * d) / (M_PI * d) * w;
      sum += g[k];
    }
    for (k = 0; k < TP_TAPS; k++) {
      tp->coef[p - 1][k] = (float) (g[k] / sum);
      l1 += fabs ((double) tp->coef[p - 1][k]);
    }
    if (l1 > tp->l1)
      tp->l1 = l1;
  }
}

static inline float
bits_to_float (uint32_t u)
{
  union
  {
    uint32_t u;
    float f;
  } v;
  v.u = u;
  return v.f;
}

static inline uint32_t
float_to_absbits (float f)
{
  union
  {
    uint32_t u;
    float f;
  } v;
  v.f = f;
  return v.u & 0x7fffffffu;
}

/* Max |x[0..n)| as IEEE bits; n > 0.  scratch holds n / 2 + 1 floats
 * (two halves used alternately).  Pairwise ORC passes, short C tail. */
static uint32_t
absmax_bits (const float *x, size_t n, float *scratch_a, float *scratch_b)
{
  uint32_t acc = 0;
  const float *src = x;
  float *dst = scratch_a;
  size_t i;

  while (n >= 16) {
    size_t h = n / 2;
    if (n & 1) {
      uint32_t t = float_to_absbits (src[n - 1]);
      if (t > acc)
        acc = t;
    }
    mst_orc_absmax_pair_f32 (dst, src, (int) h);
    n = h;
    src = dst;
    dst = dst == scratch_a ? scratch_b : scratch_a;
  }
  for (i = 0; i < n; i++) {
    uint32_t t = float_to_absbits (src[i]);
    if (t > acc)
      acc = t;
  }
  return acc;
}

/* Replace non-finite samples by 0; returns how many. */
static size_t
clean (float *x, size_t n)
{
  size_t i, bad = 0;

  for (i = 0; i < n; i++) {
    if (float_to_absbits (x[i]) >= 0x7f800000u) {
      x[i] = 0.0f;
      bad++;
    }
  }
  return bad;
}

/* Interpolate phases 1 .. F-1 for block outputs [i0, i1) of buffer b and
 * fold |y| into m[i0 .. i1) (m[i] = max (m[i], |y_p[i]|)). */
static void
fir_run (MstTruePeak * tp, const float *b, float *m, size_t i0, size_t i1)
{
  int n = (int) (i1 - i0);
  unsigned p;
  float *t = tp->tmp + i0;
  MstFpMode fp_mode = mst_fp_mode_save ();

  for (p = 0; p < tp->nphases; p++) {
    const float *g = tp->coef[p];
    const float *s = b + 1 + i0;
    unsigned q;

    mst_orc_fir8_f32 (t, s, s + 1, s + 2, s + 3, s + 4, s + 5, s + 6,
        s + 7, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], n);
    for (q = 8; q + 8 < TP_TAPS; q += 8)
      mst_orc_mac8_f32 (t, s + q, s + q + 1, s + q + 2, s + q + 3,
          s + q + 4, s + q + 5, s + q + 6, s + q + 7, g[q], g[q + 1],
          g[q + 2], g[q + 3], g[q + 4], g[q + 5], g[q + 6], g[q + 7], n);
    mst_orc_mac8_absmax_f32 (t, m + i0, s + q, s + q + 1, s + q + 2,
        s + q + 3, s + q + 4, s + q + 5, s + q + 6, s + q + 7, g[q],
        g[q + 1], g[q + 2], g[q + 3], g[q + 4], g[q + 5], g[q + 6],
        g[q + 7], n);
  }
  mst_fp_mode_restore (fp_mode);
}

/* Shift the last `taps` samples of the block into the history. */
static void
keep_history (MstTruePeak * tp, TpChannel * c, size_t n)
{
  unsigned k;
  uint32_t h = 0;

  if (tp->taps == 0)
    return;
  memmove (c->buf, c->buf + n, tp->taps * sizeof (float));
  for (k = 0; k < tp->taps; k++) {
    uint32_t t = float_to_absbits (c->buf[k]);
    if (t > h)
      h = t;
  }
  c->hist_max = h;
}

/* Meter one channel: its block of n (<= TP_BLOCK) samples is in
 * buf[taps ..].  Returns the number of non-finite samples replaced. */
static size_t
meter_block (MstTruePeak * tp, TpChannel * c, size_t n, int update_sample)
{
  float *b = c->buf;
  float *xb = b + tp->taps;
  size_t npad = (n + TP_CHUNK - 1) / TP_CHUNK * TP_CHUNK;
  size_t nchunk = npad / TP_CHUNK, j, bad = 0;
  uint32_t cm[TP_NCHUNK], all = 0, prev;
  float thr;

  if (npad > n)
    memset (xb + n, 0, (npad - n) * sizeof (float));

  for (;;) {
    /* chunk maxima: five pairwise passes take 32 samples to 1 */
    const float *src = xb;
    float *dst = tp->red;
    size_t len = npad / 2;

    while (len >= nchunk) {
      mst_orc_absmax_pair_f32 (dst, src, (int) len);
      src = dst;
      dst = dst == tp->red ? tp->red + TP_BLOCK / 2 : tp->red;
      if (len == nchunk)
        break;
      len /= 2;
    }
    all = 0;
    for (j = 0; j < nchunk; j++) {
      cm[j] = float_to_absbits (src[j]);
      if (cm[j] > all)
        all = cm[j];
    }
    if (all < 0x7f800000u)
      break;
    bad += clean (xb, n);
  }

  if (update_sample && bits_to_float (all) > c->sample_max)
    c->sample_max = bits_to_float (all);
  /* the samples are the phase-0 values of the interpolated signal */
  thr = bits_to_float (all) > c->tp_max ? bits_to_float (all) : c->tp_max;

  if (tp->nphases > 0) {
    size_t run0 = 0;
    int in_run = 0;

    prev = c->hist_max;
    for (j = 0; j <= nchunk; j++) {
      int need = 0;
      if (j < nchunk) {
        uint32_t mb = cm[j] > prev ? cm[j] : prev;
        need = (double) bits_to_float (mb) * tp->l1 * TP_SKIP_MARGIN >
            (double) thr;
        prev = cm[j];
      }
      if (need && !in_run) {
        run0 = j * TP_CHUNK;
        in_run = 1;
      } else if (!need && in_run) {
        size_t run1 = j * TP_CHUNK < n ? j * TP_CHUNK : n;
        uint32_t rm;
        memset (tp->run + run0, 0, (run1 - run0) * sizeof (float));
        fir_run (tp, b, tp->run, run0, run1);
        rm = absmax_bits (tp->run + run0, run1 - run0, tp->red,
            tp->red + TP_BLOCK / 2);
        if (bits_to_float (rm) > thr)
          thr = bits_to_float (rm);
        in_run = 0;
      }
    }
  }
  c->tp_max = thr;
  keep_history (tp, c, n);
  return bad;
}

/* ------------------------------------------------------------------------ */

MstTruePeak *
mst_truepeak_new (unsigned rate, unsigned channels)
{
  MstTruePeak *tp;
  /* per channel: history, block, padding; rounded up to 64 bytes */
  size_t per_ch = ((TP_TAPS + TP_BLOCK + 4) * sizeof (float) + 63) &
      ~(size_t) 63, total;
  unsigned c;
  char *p;

  if (rate < MST_RATE_MIN || rate > MST_RATE_MAX || channels < 1 ||
      channels > MST_CHANNELS_MAX)
    return NULL;

  mst_dsp_init ();

  tp = calloc (1, sizeof (MstTruePeak));
  if (!tp)
    return NULL;
  tp->rate = rate;
  tp->channels = channels;
  tp->factor = rate < 96000 ? 4 : rate < 192000 ? 2 : 1;
  tp->nphases = tp->factor - 1;
  tp->taps = tp->factor > 1 ? TP_TAPS : 0;
  design (tp);

  /* channel buffers, tmp, run, red (TP_BLOCK floats each); every block
   * start 64-byte aligned */
  total = channels * per_ch + 3 * TP_BLOCK * sizeof (float) + 64;
  tp->mem = calloc (1, total);
  if (!tp->mem) {
    free (tp);
    return NULL;
  }
  p = (char *) (((uintptr_t) tp->mem + 63) & ~(uintptr_t) 63);
  for (c = 0; c < channels; c++) {
    /* per_ch is whole 64 bytes, so buf + TP_TAPS stays aligned */
    tp->ch[c].buf = (float *) p;
    p += per_ch;
  }
  tp->tmp = (float *) p;
  tp->run = tp->tmp + TP_BLOCK;
  tp->red = tp->run + TP_BLOCK;

  mst_truepeak_reset (tp);
  return tp;
}

void
mst_truepeak_free (MstTruePeak * tp)
{
  if (!tp)
    return;
  free (tp->mem);
  free (tp);
}

void
mst_truepeak_reset (MstTruePeak * tp)
{
  unsigned c;

  for (c = 0; c < tp->channels; c++) {
    memset (tp->ch[c].buf, 0, TP_TAPS * sizeof (float));
    tp->ch[c].hist_max = 0;
    tp->ch[c].tp_max = 0.0f;
    tp->ch[c].sample_max = 0.0;
  }
}

unsigned
mst_truepeak_factor (const MstTruePeak * tp)
{
  return tp->factor;
}

unsigned
mst_truepeak_latency (const MstTruePeak * tp)
{
  return tp->taps / 2;
}

size_t
mst_truepeak_add_f32 (MstTruePeak * tp, const float *x, size_t frames)
{
  unsigned nch = tp->channels, c;
  size_t bad = 0;

  while (frames > 0) {
    size_t n = frames < TP_BLOCK ? frames : TP_BLOCK, i;

    if (nch == 1) {
      memcpy (tp->ch[0].buf + tp->taps, x, n * sizeof (float));
    } else if (nch == 2 && ((uintptr_t) x & 7) == 0) {
      /* ORC reads the frames as 8-byte elements: they must be aligned */
      mst_orc_deinterleave2_f32 (tp->ch[0].buf + tp->taps,
          tp->ch[1].buf + tp->taps, x, (int) n);
    } else {
      for (c = 0; c < nch; c++) {
        float *d = tp->ch[c].buf + tp->taps;
        const float *s = x + c;
        for (i = 0; i < n; i++)
          d[i] = s[i * nch];
      }
    }
    for (c = 0; c < nch; c++)
      bad += meter_block (tp, &tp->ch[c], n, 1);
    x += n * nch;
    frames -= n;
  }
  return bad;
}

size_t
mst_truepeak_add_f64 (MstTruePeak * tp, const double *x, size_t frames)
{
  unsigned nch = tp->channels, c;
  size_t bad = 0;

  while (frames > 0) {
    size_t n = frames < TP_BLOCK ? frames : TP_BLOCK, i;

    for (c = 0; c < nch; c++) {
      TpChannel *ch = &tp->ch[c];
      float *d = ch->buf + tp->taps;
      const double *s = x + c;
      double smax = ch->sample_max;

      for (i = 0; i < n; i++) {
        double v = s[i * nch], a = fabs (v);
        if (a <= FLT_MAX) {
          d[i] = (float) v;
          if (a > smax)
            smax = a;
        } else if (a <= DBL_MAX) {
          /* finite but beyond float range: saturate */
          d[i] = v > 0.0 ? FLT_MAX : -FLT_MAX;
          if (a > smax)
            smax = a;
        } else {
          d[i] = 0.0f;
          bad++;
        }
      }
      ch->sample_max = smax;
      meter_block (tp, ch, n, 0);
    }
    x += n * nch;
    frames -= n;
  }
  return bad;
}

void
mst_truepeak_add_silence (MstTruePeak * tp, size_t frames)
{
  unsigned c;
  size_t n;

  /* after `taps` zeros the history is all zero and further zeros produce
   * zero output: feeding at most `taps` frames is exact */
  if (frames > tp->taps)
    frames = tp->taps;
  n = frames;
  if (n == 0)
    return;
  for (c = 0; c < tp->channels; c++) {
    memset (tp->ch[c].buf + tp->taps, 0, n * sizeof (float));
    meter_block (tp, &tp->ch[c], n, 1);
  }
}

double
mst_truepeak_max (const MstTruePeak * tp, unsigned ch)
{
  const TpChannel *c;

  if (ch >= tp->channels)
    return 0.0;
  c = &tp->ch[ch];
  return c->sample_max > (double) c->tp_max ? c->sample_max :
      (double) c->tp_max;
}

double
mst_truepeak_sample_max (const MstTruePeak * tp, unsigned ch)
{
  if (ch >= tp->channels)
    return 0.0;
  return tp->ch[ch].sample_max;
}

void
mst_truepeak_envelope_f32 (MstTruePeak * tp, unsigned ch, const float *x,
    size_t n, float *env)
{
  TpChannel *c;

  if (ch >= tp->channels)
    return;
  c = &tp->ch[ch];

  while (n > 0) {
    size_t len = n < TP_BLOCK ? n : TP_BLOCK;
    float *xb = c->buf + tp->taps;

    memcpy (xb, x, len * sizeof (float));
    {
      int bad = 0;
      mst_orc_count_nonfinite_f32 (&bad, xb, (int) len);
      if (bad)
        clean (xb, len);
    }
    /* phase 0: the input delayed by the latency */
    mst_orc_absmax2_f32 (env, c->buf + tp->taps / 2, c->buf + tp->taps / 2,
        (int) len);
    if (tp->nphases > 0)
      fir_run (tp, c->buf, env, 0, len);
    keep_history (tp, c, len);
    x += len;
    env += len;
    n -= len;
  }
}

/* ------------------------------------------------------------------------ */
/* Limiter detector support (additive API, see truepeak.h). */

MstTruePeak *
mst_truepeak_new_factor (unsigned rate, unsigned channels, unsigned factor)
{
  MstTruePeak *tp;

  if (factor < 1 || factor > TP_PHASES_MAX + 1)
    return NULL;
  tp = mst_truepeak_new (rate, channels);
  if (!tp)
    return NULL;
  /* the buffers do not depend on the factor: only the design changes */
  tp->factor = factor;
  tp->nphases = factor - 1;
  tp->taps = factor > 1 ? TP_TAPS : 0;
  design (tp);
  mst_truepeak_reset (tp);
  return tp;
}

/* y[f i + q] = point q of block output i, i < n: x0[i] for q = 0, then
 * ph[q - 1][i].  SSE2: a 4x4 (or 2x4) transpose per four outputs. */
static void
interleave (float *y, const float *x0, float *const *ph, unsigned f, size_t n)
{
  size_t i = 0;
  unsigned q;

#if defined(__SSE2__)
  if (f == 4) {
    for (; i + 4 <= n; i += 4) {
      __m128 a = _mm_loadu_ps (x0 + i), b = _mm_loadu_ps (ph[0] + i);
      __m128 c = _mm_loadu_ps (ph[1] + i), d = _mm_loadu_ps (ph[2] + i);

      _MM_TRANSPOSE4_PS (a, b, c, d);
      _mm_storeu_ps (y + 4 * i, a);
      _mm_storeu_ps (y + 4 * i + 4, b);
      _mm_storeu_ps (y + 4 * i + 8, c);
      _mm_storeu_ps (y + 4 * i + 12, d);
    }
  } else if (f == 2) {
    for (; i + 4 <= n; i += 4) {
      __m128 a = _mm_loadu_ps (x0 + i), b = _mm_loadu_ps (ph[0] + i);

      _mm_storeu_ps (y + 2 * i, _mm_unpacklo_ps (a, b));
      _mm_storeu_ps (y + 2 * i + 4, _mm_unpackhi_ps (a, b));
    }
  }
#endif
  for (; i < n; i++) {
    y[i * f] = x0[i];
    for (q = 1; q < f; q++)
      y[i * f + q] = ph[q - 1][i];
  }
}

void
mst_truepeak_upsample_f32 (MstTruePeak * tp, unsigned ch, const float *x,
    size_t n, float *y)
{
  /* the phases' outputs: TP_BLOCK floats each */
  float *ph[TP_PHASES_MAX];
  TpChannel *c;
  unsigned f = tp->factor;
  MstFpMode fp_mode;

  if (ch >= tp->channels)
    return;
  c = &tp->ch[ch];
  fp_mode = mst_fp_mode_save ();
  ph[0] = tp->tmp;
  ph[1] = tp->run;
  ph[2] = tp->red;

  while (n > 0) {
    size_t len = n < TP_BLOCK ? n : TP_BLOCK;
    float *xb = c->buf + tp->taps;
    const float *x0 = c->buf + tp->taps / 2;
    unsigned p;

    memcpy (xb, x, len * sizeof (float));
    {
      int32_t bad = 0;
      mst_orc_count_nonfinite_f32 (&bad, xb, (int) len);
      if (bad)
        clean (xb, len);
    }
    for (p = 0; p < tp->nphases; p++) {
      const float *g = tp->coef[p];
      const float *s = c->buf + 1;
      float *t = ph[p];
      unsigned q;

      mst_orc_fir8_f32 (t, s, s + 1, s + 2, s + 3, s + 4, s + 5, s + 6,
          s + 7, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], (int) len);
      for (q = 8; q < TP_TAPS; q += 8)
        mst_orc_mac8_f32 (t, s + q, s + q + 1, s + q + 2, s + q + 3,
            s + q + 4, s + q + 5, s + q + 6, s + q + 7, g[q], g[q + 1],
            g[q + 2], g[q + 3], g[q + 4], g[q + 5], g[q + 6], g[q + 7],
            (int) len);
    }
    /* phase 0 is the input delayed by the latency */
    interleave (y, x0, ph, f, len);
    keep_history (tp, c, len);
    x += len;
    y += len * f;
    n -= len;
  }
  mst_fp_mode_restore (fp_mode);
}

void
mst_truepeak_skip_f32 (MstTruePeak * tp, unsigned ch, const float *x, size_t n)
{
  TpChannel *c;

  if (ch >= tp->channels)
    return;
  c = &tp->ch[ch];
  /* only the last `taps` samples stay */
  if (n > tp->taps) {
    x += n - tp->taps;
    n = tp->taps;
  }
  if (n == 0)
    return;
  memcpy (c->buf + tp->taps, x, n * sizeof (float));
  clean (c->buf + tp->taps, n);
  keep_history (tp, c, n);
}

double
mst_truepeak_point_bound (const MstTruePeak * tp)
{
  return tp->l1;
}
