/* gst-mastering dsp: mid/side stereo imager and stereo meter. */
#include "stereo.h"
#include "biquad.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stereoorc.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* A second build of the fused mono-bass pass for CPUs with AVX2 and FMA,
 * chosen at run time (GCC and clang on x86-64). */
#if defined(__SSE2__) && defined(__x86_64__) \
    && (defined(__GNUC__) || defined(__clang__))
#define XO_HAVE_AVX2 1
#define XO_AVX2 __attribute__ ((target ("avx2,fma")))
#include <immintrin.h>
#else
#define XO_HAVE_AVX2 0
#endif

/* Frames per inner block of the split and safe-width paths (and the
 * length of the ramp index tables). */
#define CHUNK 256

/* Second-order sections of the mono-bass split, each run on the mid and
 * the side at once (see xo_design). */
#define XO_SECTIONS 3

/* Settings (user units, as last set):
 *   width, mid_db, side_db, balance, mono_bass, safe, floor;
 *   dirty          settings changed since the gains below were derived.
 * Gains derived from the settings:
 *   gm, gs         mid gain and side gain (width * side gain), linear;
 *   bl, br         balance gains of the left and right channel.
 * Matrix glide (L' = a m + b s, R' = c m - d s; index 0..3 = a..d):
 *   cur            the coefficients of the last processed sample;
 *   tgt            where the glide goes;
 *   step           per-sample increment while ramp_left > 0;
 *   ramp_left      samples left in the glide; cur == tgt when 0;
 *   glide_n        length of a glide in samples.
 * Mono bass:
 *   xo_target      requested split frequency (0 = off);
 *   xo_on          the split path runs (also while fading in or out);
 *   xo_freq        current split frequency (glides to the target);
 *   xc             split coefficients at xo_freq: xc[k][j] is coefficient
 *                  j (b1, b2, a1, a2; b0 is 1) of section k, [0] for the
 *                  mid lane, [1] for the side lane (see xo_design);
 *   xg             gain of the mid and the side lane after the sections;
 *   avx2           the CPU runs the AVX2 + FMA build of the fused pass;
 *   xh             direct form I history of section k: xh[k][0..3] = x1,
 *                  x2, y1, y2 (last and one-before-last input and output),
 *                  [..][0] mid, [..][1] side;
 *   mix            crossfade of the last sample, 0 = dry m, s, 1 = split;
 *   mix_rate       crossfade increment per sample;
 *   xo_speed       frequency glide speed, natural log units per sample;
 *   prev_m, prev_s the last two input frames as m, s (index 0 the last),
 *                  to prime the split when it starts.
 * Safe width:
 *   em, es         windowed mean energies of the input m and s;
 *   safe_primed    em, es hold an estimate (else the next block sets it);
 *   safe_tau       estimation window in samples.
 * Scratch:
 *   idx_f, idx_d   0, 1, 2, ... for the ramp kernels;
 *   m, s           planar mid and side of one block (split path);
 *   dm, ds         the dry mid and side during crossfades;
 *   bounce         CHUNK aligned F32 frames for unaligned buffers. */
struct MstStereo
{
  double rate;

  double width, mid_db, side_db, balance, mono_bass, floor;
  int safe;
  int dirty;

  double gm, gs, bl, br;

  double cur[4], tgt[4], step[4];
  size_t ramp_left, glide_n;

  double xo_target;
  int xo_on;
  double xo_freq;
  double xc[XO_SECTIONS][4][2], xg[2];
  int avx2;
  double xh[XO_SECTIONS][4][2];
  double mix, mix_rate, xo_speed;
  double prev_m[2], prev_s[2];

  double em, es;
  int safe_primed;
  double safe_tau;

  float idx_f[CHUNK];
  double idx_d[CHUNK];
  double m[CHUNK], s[CHUNK], dm[CHUNK], ds[CHUNK];
  double bounce[CHUNK];
};

static double
clampd (double v, double lo, double hi)
{
  if (!(v >= lo))               /* also catches NaN */
    return lo;
  return v > hi ? hi : v;
}

/* --- gains and glides -------------------------------------------------- */

static void
derive_gains (MstStereo * st)
{
  st->gm = mst_db_to_lin (st->mid_db);
  st->gs = st->width * mst_db_to_lin (st->side_db);
  st->bl = st->balance > 0.0 ? 1.0 - st->balance : 1.0;
  st->br = st->balance < 0.0 ? 1.0 + st->balance : 1.0;
  /* Exact neutral values, whatever pow () rounds to. */
  if (st->mid_db == 0.0)
    st->gm = 1.0;
  if (st->side_db == 0.0)
    st->gs = st->width;
  st->dirty = 0;
}

/* The side gain after safe width. */
static double
safe_side_gain (const MstStereo * st)
{
  double cap;

  if (!st->safe || !st->safe_primed || st->gs <= st->gm)
    return st->gs;
  if (!(st->es > 0.0))
    return st->gs;
  cap = st->gm * sqrt (st->em * (1.0 - st->floor)
      / (st->es * (1.0 + st->floor)));
  if (cap < st->gm)
    cap = st->gm;
  return cap < st->gs ? cap : st->gs;
}

/* Set the glide target from the gains; start a glide when it moved. */
static void
update_target (MstStereo * st)
{
  double gs = safe_side_gain (st), t[4];
  int k, moved = 0;

  t[0] = 0.5 * st->gm * st->bl;
  t[1] = 0.5 * gs * st->bl;
  t[2] = 0.5 * st->gm * st->br;
  t[3] = 0.5 * gs * st->br;
  for (k = 0; k < 4; k++) {
    if (t[k] != st->tgt[k])
      moved = 1;
    st->tgt[k] = t[k];
  }
  if (!moved)
    return;
  for (k = 0; k < 4; k++)
    st->step[k] = (st->tgt[k] - st->cur[k]) / (double) st->glide_n;
  st->ramp_left = st->glide_n;
}

/* Advance the glide by n samples (n <= ramp_left). */
static void
advance_glide (MstStereo * st, size_t n)
{
  int k;

  st->ramp_left -= n;
  for (k = 0; k < 4; k++)
    st->cur[k] = st->ramp_left ? st->cur[k] + (double) n *st->step[k]
    : st->tgt[k];
}

/* --- plain-C F64 maps (same arithmetic as the F32 ORC kernels) --------- */

static inline double
finite_or_zero (double v)
{
  return isfinite (v) ? v : 0.0;
}

static void
gain_f64 (double *x, size_t n, double a, double b, double c, double d)
{
  size_t i;

  for (i = 0; i < n; i++) {
    double l = finite_or_zero (x[2 * i]), r = finite_or_zero (x[2 * i + 1]);
    double m = l + r, s = l - r;

    x[2 * i] = a * m + b * s;
    x[2 * i + 1] = c * m - d * s;
  }
}

static void
gain_ramp_f64 (double *x, size_t n, const double *g, const double *dg)
{
  size_t i;

  for (i = 0; i < n; i++) {
    double l = finite_or_zero (x[2 * i]), r = finite_or_zero (x[2 * i + 1]);
    double m = l + r, s = l - r, k = (double) i;

    x[2 * i] = (g[0] + k * dg[0]) * m + (g[1] + k * dg[1]) * s;
    x[2 * i + 1] = (g[2] + k * dg[2]) * m - (g[3] + k * dg[3]) * s;
  }
}

static void
encode_f64 (double *m, double *s, const double *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    double l = finite_or_zero (x[2 * i]), r = finite_or_zero (x[2 * i + 1]);

    m[i] = l + r;
    s[i] = l - r;
  }
}

static void
decode_f64 (double *x, const double *m, const double *s, size_t n,
    const double *g, const double *dg)
{
  size_t i;

  if (!dg) {
    for (i = 0; i < n; i++) {
      x[2 * i] = g[0] * m[i] + g[1] * s[i];
      x[2 * i + 1] = g[2] * m[i] - g[3] * s[i];
    }
    return;
  }
  for (i = 0; i < n; i++) {
    double k = (double) i;

    x[2 * i] = (g[0] + k * dg[0]) * m[i] + (g[1] + k * dg[1]) * s[i];
    x[2 * i + 1] = (g[2] + k * dg[2]) * m[i] - (g[3] + k * dg[3]) * s[i];
  }
}

/* --- matrix over a run of frames, following the glide ------------------ */

static void
apply_gain (MstStereo * st, void *buf, int f64, size_t n)
{
  float *xf = buf;
  double *xd = buf;

  while (n > 0) {
    size_t k = n;

    if (st->ramp_left == 0) {
      if (f64)
        gain_f64 (xd, k, st->cur[0], st->cur[1], st->cur[2], st->cur[3]);
      else
        mst_orc_ms_gain_f32 (xf, st->cur[0], st->cur[1], st->cur[2],
            st->cur[3], k);
    } else {
      double g[4];
      int j;

      if (k > st->ramp_left)
        k = st->ramp_left;
      if (k > CHUNK)
        k = CHUNK;
      /* Sample i of this run gets cur + (i + 1) step. */
      for (j = 0; j < 4; j++)
        g[j] = st->cur[j] + st->step[j];
      if (f64)
        gain_ramp_f64 (xd, k, g, st->step);
      else
        mst_orc_ms_gain_ramp_f32 (xf, st->idx_f, g[0], st->step[0], g[1],
            st->step[1], g[2], st->step[2], g[3], st->step[3], k);
      advance_glide (st, k);
    }
    xf += 2 * k;
    xd += 2 * k;
    n -= k;
  }
}

/* Decode m, s of one block (n <= CHUNK) into buf, following the glide. */
static void
apply_decode (MstStereo * st, void *buf, int f64, size_t n)
{
  float *xf = buf;
  double *xd = buf;
  const double *m = st->m, *s = st->s;

  while (n > 0) {
    size_t k = n;

    if (st->ramp_left == 0) {
      if (f64)
        decode_f64 (xd, m, s, k, st->cur, NULL);
      else
        mst_orc_ms_decode_f32 (xf, m, s, st->cur[0], st->cur[1], st->cur[2],
            st->cur[3], k);
    } else {
      double g[4];
      int j;

      if (k > st->ramp_left)
        k = st->ramp_left;
      for (j = 0; j < 4; j++)
        g[j] = st->cur[j] + st->step[j];
      if (f64)
        decode_f64 (xd, m, s, k, g, st->step);
      else
        mst_orc_ms_decode_ramp_f32 (xf, m, s, st->idx_d, g[0], st->step[0],
            g[1], st->step[1], g[2], st->step[2], g[3], st->step[3], k);
      advance_glide (st, k);
    }
    xf += 2 * k;
    xd += 2 * k;
    m += k;
    s += k;
    n -= k;
  }
}

/* --- safe width -------------------------------------------------------- */

static int
safe_active (const MstStereo * st)
{
  return st->safe && st->gs > st->gm;
}

/* Fold the mid and side energy of n input frames into the estimate and
 * retarget the glide. */
static void
safe_update (MstStereo * st, const void *buf, int f64, size_t n)
{
  const float *xf = buf;
  const double *xd = buf;
  double em0 = 0.0, es0 = 0.0, em1 = 0.0, es1 = 0.0, em, es, alpha;
  size_t i;

  if (f64) {
    for (i = 0; i + 1 < n; i += 2) {
      double m0 = xd[2 * i] + xd[2 * i + 1], s0 = xd[2 * i] - xd[2 * i + 1];
      double m1 = xd[2 * i + 2] + xd[2 * i + 3];
      double s1 = xd[2 * i + 2] - xd[2 * i + 3];
      em0 += m0 * m0, es0 += s0 * s0, em1 += m1 * m1, es1 += s1 * s1;
    }
    for (; i < n; i++) {
      double m0 = xd[2 * i] + xd[2 * i + 1], s0 = xd[2 * i] - xd[2 * i + 1];
      em0 += m0 * m0, es0 += s0 * s0;
    }
  } else {
    for (i = 0; i + 1 < n; i += 2) {
      double l0 = xf[2 * i], r0 = xf[2 * i + 1];
      double l1 = xf[2 * i + 2], r1 = xf[2 * i + 3];
      em0 += (l0 + r0) * (l0 + r0), es0 += (l0 - r0) * (l0 - r0);
      em1 += (l1 + r1) * (l1 + r1), es1 += (l1 - r1) * (l1 - r1);
    }
    for (; i < n; i++) {
      double l0 = xf[2 * i], r0 = xf[2 * i + 1];
      em0 += (l0 + r0) * (l0 + r0), es0 += (l0 - r0) * (l0 - r0);
    }
  }
  em = (em0 + em1) / (double) n;
  es = (es0 + es1) / (double) n;
  if (isfinite (em) && isfinite (es)) {
    if (!st->safe_primed) {
      st->em = em, st->es = es;
      st->safe_primed = 1;
    } else {
      alpha = 1.0 - exp (-(double) n / st->safe_tau);
      st->em += alpha * (em - st->em);
      st->es += alpha * (es - st->es);
    }
  }
  update_target (st);
}

/* --- mono bass --------------------------------------------------------- */

#if defined(__GNUC__)
#define XO_INLINE static inline __attribute__ ((always_inline))
#else
#define XO_INLINE static inline
#endif

/* The LR6 split at freq Hz as three sections, each run on the mid lane
 * and the side lane at once.  With B (p) = (1 + p) (1 + p + p^2) the
 * third-order Butterworth polynomial and AP = B (-p) / B (p):
 *
 *   side  HP6 = p^6 / B (p)^2:      HP2 (Q 1), HP2 (Q 1), HP1 HP1;
 *   mid   -AP = -AP1 AP2:           AP2 (Q 1), -AP1, identity;
 *
 * HP6 = -AP w^6 / (1 + w^6) on the j-omega axis, so the side carries
 * exactly the phase of the mid.  Each section is close to an identity
 * well above freq (the sign of the first-order allpass is turned for
 * that), which lets xo_start prime them as identities. */
static void
xo_design (MstStereo * st, double freq)
{
  MstBiquad ap2, hp2, sec[XO_SECTIONS][2];
  double k, p1, h1;
  int i;

  if (mst_biquad_design (&ap2, MST_BIQUAD_ALLPASS, st->rate, freq, 1.0,
          0.0) != MST_OK
      || mst_biquad_design (&hp2, MST_BIQUAD_HIGHPASS, st->rate, freq, 1.0,
          0.0) != MST_OK)
    return;                     /* out of range: keep the last design */
  /* The first-order sections, bilinear with the same pre-warping:
   * AP1 = (p1 + z^-1) / (1 + p1 z^-1), HP1 = h1 (1 - z^-1) / (1 + p1 z^-1). */
  k = tan (M_PI * freq / st->rate);
  p1 = (k - 1.0) / (k + 1.0);
  h1 = 1.0 / (k + 1.0);

  sec[0][0] = ap2;
  sec[1][0].b0 = -p1;
  sec[1][0].b1 = -1.0;
  sec[1][0].b2 = 0.0;
  sec[1][0].a1 = p1;
  sec[1][0].a2 = 0.0;
  mst_biquad_set_identity (&sec[2][0]);

  sec[0][1] = hp2;
  sec[1][1] = hp2;
  sec[2][1].b0 = h1 * h1;
  sec[2][1].b1 = -2.0 * h1 * h1;
  sec[2][1].b2 = h1 * h1;
  sec[2][1].a1 = 2.0 * p1;
  sec[2][1].a2 = p1 * p1;

  /* b0 = 1 in every section (none has b0 = 0: |p1| >= 0.41 since
   * freq <= rate / 8), the products of the b0 are the lane gains */
  st->xg[0] = st->xg[1] = 1.0;
  for (i = 0; i < XO_SECTIONS; i++) {
    int j;

    for (j = 0; j < 2; j++) {
      double b0 = sec[i][j].b0;

      st->xc[i][0][j] = sec[i][j].b1 / b0;
      st->xc[i][1][j] = sec[i][j].b2 / b0;
      st->xc[i][2][j] = sec[i][j].a1;
      st->xc[i][3][j] = sec[i][j].a2;
      st->xg[j] *= b0;
    }
  }
}

/* A history that went non-finite (only a finite input far beyond any
 * sample format can do that) restarts from silence; denormals are
 * flushed. */
static void
xo_sanitise (MstStereo * st)
{
  double *h = &st->xh[0][0][0];
  size_t k, n = sizeof (st->xh) / sizeof (double);

  for (k = 0; k < n; k++) {
    if (!isfinite (h[k])) {
      memset (st->xh, 0, sizeof (st->xh));
      return;
    }
  }
  for (k = 0; k < n; k++)
    h[k] = mst_flush_denormal (h[k]);
}

/* The split over n frames of interleaved buf, fused with the encode
 * (m = L + R, s = L - R, non-finite samples read as 0) and, when out_m is
 * NULL, with the decode: L' = a m + b s, R' = c m - d s with the constant
 * matrix st->cur.  Else the split m, s are stored in out_m, out_s.  Mid
 * and side are the two lanes of one direct form I cascade, sections with
 * b0 = 1 (xo_design):
 *
 *   y = x + b1 x1 + b2 x2 - a2 y2 - a1 y1
 *
 * (the recursion's own term last) and the gains xg applied at the end. */
#if defined(__SSE2__)

/* Section k on x, history h##k##0..3 = x1, x2, y1, y2. */
#define XO_SECTION(k, x, y)                                                   \
  do {                                                                        \
    __m128d t_ = _mm_add_pd (_mm_add_pd (x, _mm_mul_pd (c[k][0], h##k##0)),   \
        _mm_mul_pd (c[k][1], h##k##1));                                       \
    t_ = _mm_sub_pd (t_, _mm_mul_pd (c[k][3], h##k##3));                      \
    y = _mm_sub_pd (t_, _mm_mul_pd (c[k][2], h##k##2));                       \
    h##k##1 = h##k##0;                                                        \
    h##k##0 = x;                                                              \
    h##k##3 = h##k##2;                                                        \
    h##k##2 = y;                                                              \
  } while (0)

/* Frame i of buf as (m, s). */
#define XO_READ(i, x)                                                         \
  do {                                                                        \
    __m128d v_;                                                               \
    if (f64)                                                                  \
      v_ = _mm_loadu_pd ((const double *) buf + 2 * (i));                     \
    else                                                                      \
      v_ = _mm_cvtps_pd (_mm_castsi128_ps (_mm_loadl_epi64 ((const __m128i *) \
                  ((const float *) buf + 2 * (i)))));                         \
    /* x - x is 0 exactly when x is finite */                                 \
    v_ = _mm_and_pd (v_, _mm_cmpeq_pd (_mm_sub_pd (v_, v_),                   \
            _mm_setzero_pd ()));                                              \
    x = _mm_add_pd (_mm_unpacklo_pd (v_, v_),                                 \
        _mm_xor_pd (_mm_unpackhi_pd (v_, v_), neg_hi));                       \
  } while (0)

/* The split (m, s) y of frame i: to out_m, out_s or decoded into buf. */
#define XO_WRITE(i, y)                                                        \
  do {                                                                        \
    if (out_m) {                                                              \
      __m128d g_ = _mm_mul_pd (y, gain);                                      \
      _mm_storel_pd (out_m + (i), g_);                                        \
      _mm_storeh_pd (out_s + (i), g_);                                        \
    } else {                                                                  \
      __m128d p_ = _mm_mul_pd (y, gl), q_ = _mm_mul_pd (y, gr);               \
      __m128d o_ = _mm_add_pd (_mm_unpacklo_pd (p_, q_),                      \
          _mm_unpackhi_pd (p_, q_));                                          \
      if (f64)                                                                \
        _mm_storeu_pd ((double *) buf + 2 * (i), o_);                         \
      else                                                                    \
        _mm_storel_epi64 ((__m128i *) ((float *) buf + 2 * (i)),              \
            _mm_castps_si128 (_mm_cvtpd_ps (o_)));                            \
    }                                                                         \
  } while (0)

#define XO_LOAD_STATE                                                         \
  do {                                                                        \
    for (k = 0; k < XO_SECTIONS; k++)                                         \
      for (j = 0; j < 4; j++)                                                 \
        c[k][j] = _mm_loadu_pd (st->xc[k][j]);                                \
    h00 = _mm_loadu_pd (st->xh[0][0]);                                        \
    h01 = _mm_loadu_pd (st->xh[0][1]);                                        \
    h02 = _mm_loadu_pd (st->xh[0][2]);                                        \
    h03 = _mm_loadu_pd (st->xh[0][3]);                                        \
    h10 = _mm_loadu_pd (st->xh[1][0]);                                        \
    h11 = _mm_loadu_pd (st->xh[1][1]);                                        \
    h12 = _mm_loadu_pd (st->xh[1][2]);                                        \
    h13 = _mm_loadu_pd (st->xh[1][3]);                                        \
    h20 = _mm_loadu_pd (st->xh[2][0]);                                        \
    h21 = _mm_loadu_pd (st->xh[2][1]);                                        \
    h22 = _mm_loadu_pd (st->xh[2][2]);                                        \
    h23 = _mm_loadu_pd (st->xh[2][3]);                                        \
  } while (0)

#define XO_STORE_STATE                                                        \
  do {                                                                        \
    _mm_storeu_pd (st->xh[0][0], h00);                                        \
    _mm_storeu_pd (st->xh[0][1], h01);                                        \
    _mm_storeu_pd (st->xh[0][2], h02);                                        \
    _mm_storeu_pd (st->xh[0][3], h03);                                        \
    _mm_storeu_pd (st->xh[1][0], h10);                                        \
    _mm_storeu_pd (st->xh[1][1], h11);                                        \
    _mm_storeu_pd (st->xh[1][2], h12);                                        \
    _mm_storeu_pd (st->xh[1][3], h13);                                        \
    _mm_storeu_pd (st->xh[2][0], h20);                                        \
    _mm_storeu_pd (st->xh[2][1], h21);                                        \
    _mm_storeu_pd (st->xh[2][2], h22);                                        \
    _mm_storeu_pd (st->xh[2][3], h23);                                        \
    xo_sanitise (st);                                                         \
  } while (0)

XO_INLINE void
xo_kernel (MstStereo * st, void *buf, int f64, size_t n, double *out_m,
    double *out_s)
{
  __m128d c[XO_SECTIONS][4];
  __m128d h00, h01, h02, h03, h10, h11, h12, h13, h20, h21, h22, h23;
  __m128d x, u0, u1, y;
  const __m128d neg_hi = _mm_set_pd (-0.0, 0.0);
  const __m128d gain = _mm_loadu_pd (st->xg);
  const __m128d gl = _mm_mul_pd (_mm_set_pd (st->cur[1], st->cur[0]), gain);
  const __m128d gr = _mm_mul_pd (_mm_set_pd (-st->cur[3], st->cur[2]), gain);
  size_t i;
  int k, j;

  if (n == 0)
    return;
  XO_LOAD_STATE;
  /* Skewed: iteration i runs section 2 on frame i - 2, section 1 on frame
   * i - 1 and section 0 on frame i, so the three recursions of an
   * iteration are independent and overlap.  Frame i - 2 is written after
   * frame i was read: in place is safe. */
  XO_READ (0, x);
  XO_SECTION (0, x, u0);
  XO_SECTION (1, u0, u1);
  if (n == 1) {
    XO_SECTION (2, u1, y);
    XO_WRITE (0, y);
    goto done;
  }
  XO_READ (1, x);
  XO_SECTION (0, x, u0);
  for (i = 2; i < n; i++) {
    XO_SECTION (2, u1, y);
    XO_SECTION (1, u0, u1);
    XO_READ (i, x);
    XO_SECTION (0, x, u0);
    XO_WRITE (i - 2, y);
  }
  XO_SECTION (2, u1, y);
  XO_SECTION (1, u0, u1);
  XO_WRITE (n - 2, y);
  XO_SECTION (2, u1, y);
  XO_WRITE (n - 1, y);

done:
  XO_STORE_STATE;
}

#if XO_HAVE_AVX2
/* The fused path (out_m NULL) on CPUs with AVX2 and FMA: the same
 * recursion with fused multiply-adds, as (x + b1 x1) + (b2 x2 - a2 y2) -
 * a1 y1 (two short chains), and the encode and decode of two frames per
 * instruction.  It rounds differently from the SSE2 build, well below
 * the precision of any sample format. */
#undef XO_SECTION
#define XO_SECTION(k, x, y)                                                   \
  do {                                                                        \
    __m128d t_ = _mm_add_pd (_mm_fmadd_pd (c[k][0], h##k##0, x),             \
        _mm_fnmadd_pd (c[k][3], h##k##3, _mm_mul_pd (c[k][1], h##k##1)));     \
    y = _mm_fnmadd_pd (c[k][2], h##k##2, t_);                                 \
    h##k##1 = h##k##0;                                                        \
    h##k##0 = x;                                                              \
    h##k##3 = h##k##2;                                                        \
    h##k##2 = y;                                                              \
  } while (0)

/* Frames i and i + 1 of buf as (m, s) in xa and xb. */
#define XO_READ2(i, xa, xb)                                                   \
  do {                                                                        \
    __m256d v_;                                                               \
    if (f64)                                                                  \
      v_ = _mm256_loadu_pd ((const double *) buf + 2 * (i));                  \
    else                                                                      \
      v_ = _mm256_cvtps_pd (_mm_loadu_ps ((const float *) buf + 2 * (i)));    \
    v_ = _mm256_and_pd (v_, _mm256_cmp_pd (_mm256_sub_pd (v_, v_),            \
            _mm256_setzero_pd (), _CMP_EQ_OQ));                               \
    v_ = _mm256_add_pd (_mm256_movedup_pd (v_),                               \
        _mm256_xor_pd (_mm256_permute_pd (v_, 15), neg_odd));                 \
    xa = _mm256_castpd256_pd128 (v_);                                         \
    xb = _mm256_extractf128_pd (v_, 1);                                       \
  } while (0)

/* The split (m, s) ya, yb of frames i and i + 1, decoded into buf. */
#define XO_WRITE2(i, ya, yb)                                                  \
  do {                                                                        \
    __m256d y_ = _mm256_insertf128_pd (_mm256_castpd128_pd256 (ya), yb, 1);   \
    __m256d o_ = _mm256_fmadd_pd (_mm256_permute_pd (y_, 15), gs,             \
        _mm256_mul_pd (_mm256_movedup_pd (y_), gm));                          \
    if (f64)                                                                  \
      _mm256_storeu_pd ((double *) buf + 2 * (i), o_);                        \
    else                                                                      \
      _mm_storeu_ps ((float *) buf + 2 * (i), _mm256_cvtpd_ps (o_));          \
  } while (0)

XO_INLINE XO_AVX2 void
xo_fused_avx2 (MstStereo * st, void *buf, int f64, size_t n)
{
  __m128d c[XO_SECTIONS][4];
  __m128d h00, h01, h02, h03, h10, h11, h12, h13, h20, h21, h22, h23;
  __m128d xa, xb, u0, u1, ya, yb;
  const __m256d neg_odd = _mm256_set_pd (-0.0, 0.0, -0.0, 0.0);
  /* (a, c) g_mid and (b, -d) g_side, for two frames */
  const __m256d gm = _mm256_set_pd (st->cur[2] * st->xg[0],
      st->cur[0] * st->xg[0], st->cur[2] * st->xg[0], st->cur[0] * st->xg[0]);
  const __m256d gs = _mm256_set_pd (-st->cur[3] * st->xg[1],
      st->cur[1] * st->xg[1], -st->cur[3] * st->xg[1], st->cur[1] * st->xg[1]);
  size_t i;
  int k, j;

  XO_LOAD_STATE;
  /* As xo_kernel, two frames per iteration. */
  XO_READ2 (0, xa, xb);
  XO_SECTION (0, xa, u0);
  XO_SECTION (1, u0, u1);
  XO_SECTION (0, xb, u0);
  for (i = 2; i + 1 < n; i += 2) {
    XO_SECTION (2, u1, ya);
    XO_SECTION (1, u0, u1);
    XO_READ2 (i, xa, xb);
    XO_SECTION (0, xa, u0);
    XO_SECTION (2, u1, yb);
    XO_SECTION (1, u0, u1);
    XO_SECTION (0, xb, u0);
    XO_WRITE2 (i - 2, ya, yb);
  }
  XO_SECTION (2, u1, ya);
  XO_SECTION (1, u0, u1);
  XO_SECTION (2, u1, yb);
  XO_WRITE2 (i - 2, ya, yb);
  /* leave no dirty upper halves to the SSE code that follows */
  _mm256_zeroupper ();

  XO_STORE_STATE;
}

static XO_AVX2 void
xo_fused_avx2_f32 (MstStereo * st, void *buf, size_t n)
{
  xo_fused_avx2 (st, buf, 0, n);
}

static XO_AVX2 void
xo_fused_avx2_f64 (MstStereo * st, void *buf, size_t n)
{
  xo_fused_avx2 (st, buf, 1, n);
}
#endif /* XO_HAVE_AVX2 */

#else
/* The same arithmetic, lane by lane and unskewed. */
XO_INLINE void
xo_kernel (MstStereo * st, void *buf, int f64, size_t n, double *out_m,
    double *out_s)
{
  double (*c)[4][2] = st->xc, h[XO_SECTIONS][4][2];
  size_t i;
  int k, j;

  memcpy (h, st->xh, sizeof (h));
  for (i = 0; i < n; i++) {
    double l, r, x[2];

    if (f64)
      l = ((double *) buf)[2 * i], r = ((double *) buf)[2 * i + 1];
    else
      l = ((float *) buf)[2 * i], r = ((float *) buf)[2 * i + 1];
    l = finite_or_zero (l);
    r = finite_or_zero (r);
    x[0] = l + r;
    x[1] = l - r;
    for (k = 0; k < XO_SECTIONS; k++) {
      for (j = 0; j < 2; j++) {
        double y = x[j] + c[k][0][j] * h[k][0][j] + c[k][1][j] * h[k][1][j]
            - c[k][3][j] * h[k][3][j] - c[k][2][j] * h[k][2][j];

        h[k][1][j] = h[k][0][j];
        h[k][0][j] = x[j];
        h[k][3][j] = h[k][2][j];
        h[k][2][j] = y;
        x[j] = y;
      }
    }
    x[0] *= st->xg[0];
    x[1] *= st->xg[1];
    if (out_m) {
      out_m[i] = x[0];
      out_s[i] = x[1];
    } else {
      l = st->cur[0] * x[0] + st->cur[1] * x[1];
      r = st->cur[2] * x[0] + -st->cur[3] * x[1];
      if (f64)
        ((double *) buf)[2 * i] = l, ((double *) buf)[2 * i + 1] = r;
      else
        ((float *) buf)[2 * i] = (float) l, ((float *) buf)[2 * i + 1] =
            (float) r;
    }
  }
  memcpy (st->xh, h, sizeof (h));
  xo_sanitise (st);
}
#endif

/* The fused pass (encode, split, decode) over n frames. */
static void
xo_fused (MstStereo * st, void *buf, int f64, size_t n)
{
#if XO_HAVE_AVX2
  if (st->avx2 && n >= 2) {
    size_t even = n & ~(size_t) 1;

    if (f64)
      xo_fused_avx2_f64 (st, buf, even);
    else
      xo_fused_avx2_f32 (st, buf, even);
    buf = (char *) buf + even * (f64 ? 2 * sizeof (double) :
        2 * sizeof (float));
    n -= even;
  }
#endif
  if (f64)
    xo_kernel (st, buf, 1, n, NULL, NULL);
  else
    xo_kernel (st, buf, 0, n, NULL, NULL);
}

/* Start the split at MST_STEREO_XO_START_HZ with every section primed as
 * if it had been an identity filter on the last two input frames: at that
 * frequency the split is an identity for any audible content (the phase
 * of the allpass is within 1.2 degrees of none at 20 Hz), so the split path
 * takes over from the dry path without a transient and without a
 * crossfade. */
static void
xo_start (MstStereo * st)
{
  unsigned k;

  st->xo_on = 1;
  st->xo_freq = st->xo_target < MST_STEREO_XO_START_HZ ?
      st->xo_target : MST_STEREO_XO_START_HZ;
  xo_design (st, st->xo_freq);
  for (k = 0; k < XO_SECTIONS; k++) {
    st->xh[k][0][0] = st->xh[k][2][0] = st->prev_m[0];
    st->xh[k][1][0] = st->xh[k][3][0] = st->prev_m[1];
    st->xh[k][0][1] = st->xh[k][2][1] = st->prev_s[0];
    st->xh[k][1][1] = st->xh[k][3][1] = st->prev_s[1];
  }
  st->mix = 1.0;
}

/* The last two input frames of a block as m, s (index 0 the last), for
 * priming the split: read before the block is processed in place. */
static void
read_tail (const void *buf, int f64, size_t frames, double pm[2], double ps[2])
{
  size_t k;

  for (k = 0; k < 2 && k < frames; k++) {
    size_t i = frames - 1 - k;
    double l, r;

    if (f64)
      l = ((const double *) buf)[2 * i], r = ((const double *) buf)[2 * i + 1];
    else
      l = ((const float *) buf)[2 * i], r = ((const float *) buf)[2 * i + 1];
    l = isfinite (l) ? l : 0.0;
    r = isfinite (r) ? r : 0.0;
    pm[k] = l + r;
    ps[k] = l - r;
  }
  if (frames == 1) {
    pm[1] = pm[0];
    ps[1] = ps[0];
  }
}

/* Glide the split frequency for a block of n frames; returns the crossfade
 * direction wanted (1 = towards the split, 0 = towards dry). */
static int
xo_glide (MstStereo * st, size_t n)
{
  double goal, r;

  if (st->xo_target > 0.0)
    goal = st->xo_target;
  else
    goal = st->xo_freq < MST_STEREO_XO_START_HZ ?
        st->xo_freq : MST_STEREO_XO_START_HZ;

  if (st->xo_freq != goal) {
    /* constant speed in log frequency: bounded phase velocity */
    double step = (double) n * st->xo_speed;


    r = log (goal / st->xo_freq);
    if (fabs (r) <= step)
      st->xo_freq = goal;
    else
      st->xo_freq *= exp (r > 0.0 ? step : -step);
    xo_design (st, st->xo_freq);
  }
  /* Fade out only once the split has glided down. */
  return st->xo_target > 0.0 || st->xo_freq != goal;
}

/* One block (n <= CHUNK) through encode, split, crossfade and decode: one
 * fused pass when neither a crossfade nor a matrix glide runs. */
static void
xo_block (MstStereo * st, void *buf, int f64, size_t n)
{
  int want = xo_glide (st, n);
  int fading = want ? st->mix < 1.0 : st->mix > 0.0;
  size_t i;

  if (!fading && st->ramp_left == 0 && st->mix > 0.0) {
    xo_fused (st, buf, f64, n);
    return;
  }

  if (fading) {
    if (f64)
      encode_f64 (st->dm, st->ds, buf, n);
    else
      mst_orc_ms_encode_f32 (st->dm, st->ds, buf, n);
  }
  if (f64)
    xo_kernel (st, buf, 1, n, st->m, st->s);
  else
    xo_kernel (st, buf, 0, n, st->m, st->s);

  if (fading) {
    double rate = want ? st->mix_rate : -st->mix_rate, w = st->mix;

    for (i = 0; i < n; i++) {
      w = st->mix + (double) (i + 1) * rate;
      w = w < 0.0 ? 0.0 : w > 1.0 ? 1.0 : w;
      st->m[i] = st->dm[i] + w * (st->m[i] - st->dm[i]);
      st->s[i] = st->ds[i] + w * (st->s[i] - st->ds[i]);
    }
    st->mix = w;
  }

  apply_decode (st, buf, f64, n);

  if (!want && st->mix <= 0.0)
    st->xo_on = 0;
}

/* --- public API -------------------------------------------------------- */

MstStereo *
mst_stereo_new (double rate)
{
  MstStereo *st;
  int i;

  if (!(rate >= MST_RATE_MIN) || !(rate <= MST_RATE_MAX))
    return NULL;
  st = calloc (1, sizeof (*st));
  if (!st)
    return NULL;

  st->rate = rate;
#if XO_HAVE_AVX2
  __builtin_cpu_init ();
  st->avx2 = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#endif
  st->glide_n = (size_t) lround (MST_STEREO_GLIDE_MS * 1e-3 * rate);
  st->mix_rate = 1.0 / (MST_STEREO_XO_FADE_MS * 1e-3 * rate);
  st->xo_speed = MST_STEREO_XO_GLIDE_OCT * M_LN2 / rate;
  st->safe_tau = MST_STEREO_SAFE_WINDOW_MS * 1e-3 * rate;
  for (i = 0; i < CHUNK; i++) {
    st->idx_f[i] = (float) i;
    st->idx_d[i] = (double) i;
  }

  st->width = 1.0;
  st->floor = 0.0;
  st->dirty = 1;
  mst_stereo_reset (st);
  return st;
}

void
mst_stereo_free (MstStereo * st)
{
  free (st);
}

void
mst_stereo_reset (MstStereo * st)
{
  int k;

  st->safe_primed = 0;
  st->em = st->es = 0.0;
  st->prev_m[0] = st->prev_m[1] = st->prev_s[0] = st->prev_s[1] = 0.0;
  if (st->dirty)
    derive_gains (st);
  update_target (st);
  for (k = 0; k < 4; k++) {
    st->cur[k] = st->tgt[k];
    st->step[k] = 0.0;
  }
  st->ramp_left = 0;

  st->xo_on = 0;
  if (st->xo_target > 0.0) {
    xo_start (st);
    st->xo_freq = st->xo_target;
    xo_design (st, st->xo_freq);
    st->mix = 1.0;
  }
}

void
mst_stereo_set_width (MstStereo * st, double width)
{
  st->width = clampd (width, 0.0, MST_STEREO_WIDTH_MAX);
  st->dirty = 1;
}

void
mst_stereo_set_mid_gain_db (MstStereo * st, double db)
{
  st->mid_db = clampd (db, MST_STEREO_GAIN_DB_MIN, MST_STEREO_GAIN_DB_MAX);
  st->dirty = 1;
}

void
mst_stereo_set_side_gain_db (MstStereo * st, double db)
{
  st->side_db = clampd (db, MST_STEREO_GAIN_DB_MIN, MST_STEREO_GAIN_DB_MAX);
  st->dirty = 1;
}

void
mst_stereo_set_balance (MstStereo * st, double balance)
{
  st->balance = clampd (balance, -1.0, 1.0);
  st->dirty = 1;
}

void
mst_stereo_set_mono_bass (MstStereo * st, double hz)
{
  double max = 0.45 * st->rate;

  if (max > MST_STEREO_MONO_BASS_MAX)
    max = MST_STEREO_MONO_BASS_MAX;
  st->mono_bass = clampd (hz, 0.0, max);
  st->xo_target = st->mono_bass;
}

void
mst_stereo_set_safe_width (MstStereo * st, int enable, double floor)
{
  st->safe = enable != 0;
  st->floor = clampd (floor, 0.0, MST_STEREO_FLOOR_MAX);
  if (!st->safe)
    st->safe_primed = 0;
  st->dirty = 1;
}

int
mst_stereo_is_neutral (MstStereo * st)
{
  if (st->dirty) {
    derive_gains (st);
    update_target (st);
  }
  return st->ramp_left == 0 && st->cur[0] == 0.5 && st->cur[1] == 0.5
      && st->cur[2] == 0.5 && st->cur[3] == 0.5 && st->tgt[0] == 0.5
      && st->tgt[1] == 0.5 && st->tgt[2] == 0.5 && st->tgt[3] == 0.5
      && !st->xo_on && st->xo_target == 0.0;
}

static void
process_aligned (MstStereo * st, void *buf, int f64, size_t frames)
{
  size_t esize = f64 ? 2 * sizeof (double) : 2 * sizeof (float);
  char *x = buf;
  double tail_m[2], tail_s[2];

  if (st->dirty) {
    derive_gains (st);
    update_target (st);
  }
  if (!safe_active (st))
    st->safe_primed = 0;

  if (frames == 0)
    return;
  read_tail (x, f64, frames, tail_m, tail_s);
  if (!st->xo_on && st->xo_target > 0.0)
    xo_start (st);
  /* the next call's priming values */
  if (frames == 1) {
    tail_m[1] = st->prev_m[0];
    tail_s[1] = st->prev_s[0];
  }
  memcpy (st->prev_m, tail_m, sizeof (tail_m));
  memcpy (st->prev_s, tail_s, sizeof (tail_s));

  if (!st->xo_on && !safe_active (st)) {
    apply_gain (st, x, f64, frames);
    return;
  }

  while (frames > 0) {
    size_t n = frames < CHUNK ? frames : CHUNK;

    /* a settled split runs over the whole buffer in one fused pass */
    if (st->xo_on && !safe_active (st) && st->ramp_left == 0
        && st->xo_target > 0.0 && st->xo_freq == st->xo_target
        && st->mix >= 1.0)
      n = frames;
    if (safe_active (st))
      safe_update (st, x, f64, n);
    if (st->xo_on)
      xo_block (st, x, f64, n);
    else
      apply_gain (st, x, f64, n);
    x += n * esize;
    frames -= n;
  }
}

/* ORC needs its 8-byte frames aligned to 8 bytes: a buffer that is not
 * (never the case for whole frames in a GStreamer buffer) goes through an
 * aligned bounce buffer. */
static void
process (MstStereo * st, void *buf, int f64, size_t frames)
{
  float *x = buf;

  if (f64 || ((uintptr_t) buf & 7) == 0) {
    process_aligned (st, buf, f64, frames);
    return;
  }
  while (frames > 0) {
    size_t n = frames < CHUNK ? frames : CHUNK;

    memcpy (st->bounce, x, n * 2 * sizeof (float));
    process_aligned (st, st->bounce, 0, n);
    memcpy (x, st->bounce, n * 2 * sizeof (float));
    x += 2 * n;
    frames -= n;
  }
}

void
mst_stereo_observe_f32 (MstStereo * st, const float *x, size_t frames)
{
  double m[2], s[2];

  if (frames == 0)
    return;
  read_tail (x, 0, frames, m, s);
  if (frames == 1) {
    m[1] = st->prev_m[0];
    s[1] = st->prev_s[0];
  }
  memcpy (st->prev_m, m, sizeof (m));
  memcpy (st->prev_s, s, sizeof (s));
}

void
mst_stereo_observe_f64 (MstStereo * st, const double *x, size_t frames)
{
  double m[2], s[2];

  if (frames == 0)
    return;
  read_tail (x, 1, frames, m, s);
  if (frames == 1) {
    m[1] = st->prev_m[0];
    s[1] = st->prev_s[0];
  }
  memcpy (st->prev_m, m, sizeof (m));
  memcpy (st->prev_s, s, sizeof (s));
}

void
mst_stereo_process_f32 (MstStereo * st, float *x, size_t frames)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (st, x, 0, frames);
  mst_fp_mode_restore (fp_mode);
}

void
mst_stereo_process_f64 (MstStereo * st, double *x, size_t frames)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (st, x, 1, frames);
  mst_fp_mode_restore (fp_mode);
}

double
mst_stereo_get_side_gain (const MstStereo * st)
{
  double bl = st->bl > 0.0 ? st->bl : 1.0;

  return 2.0 * st->cur[1] / bl;
}

double
mst_stereo_get_mono_bass (const MstStereo * st)
{
  return st->xo_on ? st->xo_freq : 0.0;
}

/* --- stereo meter ------------------------------------------------------ */

void
mst_stereo_meter_reset (MstStereoMeter * m)
{
  memset (m, 0, sizeof (*m));
}

/* Two interleaved sets of sums keep the additions' latency hidden. */
#define DEFINE_METER_ADD(fmt, T)                                              \
void                                                                          \
mst_stereo_meter_add_##fmt (MstStereoMeter *m, const T *x, size_t frames)     \
{                                                                             \
  double ll0 = 0.0, rr0 = 0.0, lr0 = 0.0, ll1 = 0.0, rr1 = 0.0, lr1 = 0.0;   \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i + 1 < frames; i += 2) {                                       \
    double l0 = x[2 * i], r0 = x[2 * i + 1];                                  \
    double l1 = x[2 * i + 2], r1 = x[2 * i + 3];                              \
    ll0 += l0 * l0, rr0 += r0 * r0, lr0 += l0 * r0;                           \
    ll1 += l1 * l1, rr1 += r1 * r1, lr1 += l1 * r1;                           \
  }                                                                           \
  for (; i < frames; i++) {                                                   \
    double l0 = x[2 * i], r0 = x[2 * i + 1];                                  \
    ll0 += l0 * l0, rr0 += r0 * r0, lr0 += l0 * r0;                           \
  }                                                                           \
  m->ll += ll0 + ll1;                                                         \
  m->rr += rr0 + rr1;                                                         \
  m->lr += lr0 + lr1;                                                         \
  m->frames += frames;                                                        \
}

DEFINE_METER_ADD (f32, float)
DEFINE_METER_ADD (f64, double)
     static double ratio_db (double num, double den)
{
  if (num <= 0.0 && den <= 0.0)
    return 0.0;
  if (den <= 0.0)
    return MST_STEREO_METER_DB_MAX;
  if (num <= 0.0)
    return -MST_STEREO_METER_DB_MAX;
  return clampd (10.0 * log10 (num / den), -MST_STEREO_METER_DB_MAX,
      MST_STEREO_METER_DB_MAX);
}

void
mst_stereo_meter_read (const MstStereoMeter * m, double *correlation,
    double *mid_side_db, double *balance_db)
{
  double ll = m->ll, rr = m->rr, lr = m->lr, em, es, c = 0.0;

  if (!isfinite (ll) || !isfinite (rr) || !isfinite (lr))
    ll = rr = lr = 0.0;
  /* E_mid = sum ((L + R) / 2)^2, E_side = sum ((L - R) / 2)^2. */
  em = 0.25 * (ll + rr + 2.0 * lr);
  es = 0.25 * (ll + rr - 2.0 * lr);
  em = em > 0.0 ? em : 0.0;
  es = es > 0.0 ? es : 0.0;
  if (ll > 0.0 && rr > 0.0)
    c = clampd (lr / sqrt (ll * rr), -1.0, 1.0);

  if (correlation)
    *correlation = c;
  if (mid_side_db)
    *mid_side_db = ratio_db (em, es);
  if (balance_db)
    *balance_db = ratio_db (ll, rr);
}
