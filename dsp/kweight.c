/* gst-mastering dsp: ITU-R BS.1770-4 K-weighting pre-filter. */
#include "kweight.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* A second build of the energy loops with fused multiply-adds, chosen at
 * run time (GCC and clang on x86-64). */
#if defined(__SSE2__) && defined(__x86_64__) \
    && (defined(__GNUC__) || defined(__clang__))
#define KW_HAVE_FMA 1
#define KW_FMA __attribute__ ((target ("fma")))
#include <immintrin.h>
#else
#define KW_HAVE_FMA 0
#endif

double
mst_kweight_rlb_gain (void)
{
  double k = tan (M_PI * MST_KWEIGHT_RLB_F0 / 48000.0);

  return 1.0 + k / MST_KWEIGHT_RLB_Q + k * k;
}

int
mst_kweight_design (MstKWeight * k, double rate)
{
  double vh, vb, g;
  double sb[3], sa[3], hb[3], ha[3];

  if (!(rate >= MST_RATE_MIN && rate <= MST_RATE_MAX))
    return MST_ERR_INVAL;

  vh = pow (10.0, MST_KWEIGHT_SHELF_G_DB / 20.0);
  vb = pow (vh, MST_KWEIGHT_SHELF_VB_EXP);
  sb[0] = 1.0;
  sb[1] = vb / MST_KWEIGHT_SHELF_Q;
  sb[2] = vh;
  sa[0] = 1.0;
  sa[1] = 1.0 / MST_KWEIGHT_SHELF_Q;
  sa[2] = 1.0;

  g = mst_kweight_rlb_gain ();
  hb[0] = 0.0;
  hb[1] = 0.0;
  hb[2] = g;
  ha[0] = 1.0;
  ha[1] = 1.0 / MST_KWEIGHT_RLB_Q;
  ha[2] = 1.0;

  if (mst_biquad_from_analog (&k->shelf, rate, MST_KWEIGHT_SHELF_F0, sb,
          sa) != MST_OK)
    return MST_ERR_INVAL;
  if (mst_biquad_from_analog (&k->highpass, rate, MST_KWEIGHT_RLB_F0, hb,
          ha) != MST_OK)
    return MST_ERR_INVAL;

  /* The high-pass numerator is b0 (1, -2, 1): move b0 into the shelf. */
  k->fb0 = k->shelf.b0 * k->highpass.b0;
  k->fb1 = k->shelf.b1 * k->highpass.b0;
  k->fb2 = k->shelf.b2 * k->highpass.b0;
  k->fa1 = k->shelf.a1;
  k->fa2 = k->shelf.a2;
  k->ha1 = k->highpass.a1;
  k->ha2 = k->highpass.a2;
#if KW_HAVE_FMA
  k->fma = __builtin_cpu_supports ("fma");
#else
  k->fma = 0;
#endif
  return MST_OK;
}

double
mst_kweight_response_db (const MstKWeight * k, double rate, double freq)
{
  return mst_biquad_cascade_response_db (&k->shelf, 2, rate, freq);
}

/* Fused K-weighting of one or two channels (stride = channels).  Direct
 * form I; the high-pass input history is the shelf output history, so a
 * channel carries six values:
 *   x1, x2  input;  y1, y2  shelf output (scaled);  z1, z2  output.
 * They live in MstBiquadState pairs as st[0] = {x1, x2, y1, y2} and
 * st[1] = {y1, y2, z1, z2} (st[1].x1/x2 mirror st[0].y1/y2).
 *
 * Each recursion's loop-carried path is one multiply and one subtract
 * (the a1 term is added last); two channels in one loop keep four
 * recursions in flight. */
#define KW_LOAD(p, s)                                                         \
  double p##x1 = (s)[0].x1, p##x2 = (s)[0].x2, p##y1 = (s)[0].y1,             \
      p##y2 = (s)[0].y2, p##z1 = (s)[1].y1, p##z2 = (s)[1].y2,                \
      p##acc = 0.0

#define KW_STEP(p, xin)                                                       \
  do {                                                                        \
    double x_ = (xin);                                                        \
    double y_ = b0 * x_ + b1 * p##x1 + b2 * p##x2 - a2 * p##y2 - a1 * p##y1;  \
    double z_ = ((y_ - p##y1) - (p##y1 - p##y2)) - h2 * p##z2 - h1 * p##z1;   \
    p##x2 = p##x1;                                                            \
    p##x1 = x_;                                                               \
    p##y2 = p##y1;                                                            \
    p##y1 = y_;                                                               \
    p##z2 = p##z1;                                                            \
    p##z1 = z_;                                                               \
    p##acc += z_ * z_;                                                        \
  } while (0)

#define KW_STORE(p, s, sum)                                                   \
  do {                                                                        \
    (s)[0].x1 = mst_flush_denormal (p##x1);                                   \
    (s)[0].x2 = mst_flush_denormal (p##x2);                                   \
    (s)[0].y1 = (s)[1].x1 = mst_flush_denormal (p##y1);                       \
    (s)[0].y2 = (s)[1].x2 = mst_flush_denormal (p##y2);                       \
    (s)[1].y1 = mst_flush_denormal (p##z1);                                   \
    (s)[1].y2 = mst_flush_denormal (p##z2);                                   \
    (sum) += p##acc;                                                          \
  } while (0)

#define KW_COEFS(k)                                                           \
  const double b0 = (k)->fb0, b1 = (k)->fb1, b2 = (k)->fb2;                   \
  const double a1 = (k)->fa1, a2 = (k)->fa2, h1 = (k)->ha1, h2 = (k)->ha2

#if defined(__SSE2__)
/* Interleaved stereo with both channels in one SSE2 register: the same
 * operations in the same order as KW_STEP, lane by lane (no fused
 * multiply-add), so the result is bit-identical to the scalar loop at
 * about half the instructions. */
#define KW_V(v) _mm_set1_pd (v)

/* The state of both channels as lanes (0 left, 1 right). */
typedef struct
{
  __m128d x1, x2, y1, y2, z1, z2;
} KwPair;

static inline void
kw_pair_load (KwPair * p, const MstBiquadState * s)
{
  const MstBiquadState *r = s + MST_KWEIGHT_STATES;     /* right channel */

  p->x1 = _mm_set_pd (r[0].x1, s[0].x1);
  p->x2 = _mm_set_pd (r[0].x2, s[0].x2);
  p->y1 = _mm_set_pd (r[0].y1, s[0].y1);
  p->y2 = _mm_set_pd (r[0].y2, s[0].y2);
  p->z1 = _mm_set_pd (r[1].y1, s[1].y1);
  p->z2 = _mm_set_pd (r[1].y2, s[1].y2);
}

/* Back into s (denormals flushed), the lanes of acc added to sum. */
static inline void
kw_pair_store (const KwPair * p, __m128d acc, MstBiquadState * s, double *sum)
{
  double v[7][2];
  unsigned c;

  _mm_storeu_pd (v[0], p->x1);
  _mm_storeu_pd (v[1], p->x2);
  _mm_storeu_pd (v[2], p->y1);
  _mm_storeu_pd (v[3], p->y2);
  _mm_storeu_pd (v[4], p->z1);
  _mm_storeu_pd (v[5], p->z2);
  _mm_storeu_pd (v[6], acc);
  for (c = 0; c < 2; c++) {
    MstBiquadState *st = s + c * MST_KWEIGHT_STATES;
    st[0].x1 = mst_flush_denormal (v[0][c]);
    st[0].x2 = mst_flush_denormal (v[1][c]);
    st[0].y1 = st[1].x1 = mst_flush_denormal (v[2][c]);
    st[0].y2 = st[1].x2 = mst_flush_denormal (v[3][c]);
    st[1].y1 = mst_flush_denormal (v[4][c]);
    st[1].y2 = mst_flush_denormal (v[5][c]);
    sum[c] += v[6][c];
  }
}

static void
energy_stereo_sse2 (const MstKWeight * k, MstBiquadState * s, const float *xf,
    const double *xd, size_t frames, double *sum)
{
  const __m128d b0 = KW_V (k->fb0), b1 = KW_V (k->fb1), b2 = KW_V (k->fb2);
  const __m128d a1 = KW_V (k->fa1), a2 = KW_V (k->fa2);
  const __m128d h1 = KW_V (k->ha1), h2 = KW_V (k->ha2);
  KwPair p;
  __m128d x1, x2, y1, y2, z1, z2, acc = _mm_setzero_pd ();
  size_t i;

  kw_pair_load (&p, s);
  x1 = p.x1, x2 = p.x2, y1 = p.y1, y2 = p.y2, z1 = p.z1, z2 = p.z2;

  for (i = 0; i < frames; i++) {
    __m128d x, y, z;

    if (xf)
      x = _mm_cvtps_pd (_mm_castpd_ps (_mm_load_sd ((const double *)
                  (const void *) (xf + 2 * i))));
    else
      x = _mm_loadu_pd (xd + 2 * i);
    y = _mm_sub_pd (_mm_sub_pd (_mm_add_pd (_mm_add_pd (_mm_mul_pd (b0, x),
                    _mm_mul_pd (b1, x1)), _mm_mul_pd (b2, x2)),
            _mm_mul_pd (a2, y2)), _mm_mul_pd (a1, y1));
    z = _mm_sub_pd (_mm_sub_pd (_mm_sub_pd (_mm_sub_pd (y, y1),
                _mm_sub_pd (y1, y2)), _mm_mul_pd (h2, z2)), _mm_mul_pd (h1,
            z1));
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    acc = _mm_add_pd (acc, _mm_mul_pd (z, z));
  }

  p.x1 = x1, p.x2 = x2, p.y1 = y1, p.y2 = y2, p.z1 = z1, p.z2 = z2;
  kw_pair_store (&p, acc, s, sum);
}

#undef KW_V
#define KW_STEREO_F32(k, s, x, n, sum) energy_stereo_sse2 (k, s, x, NULL, n, sum)
#define KW_STEREO_F64(k, s, x, n, sum) energy_stereo_sse2 (k, s, NULL, x, n, sum)
#else
#define KW_STEREO_F32(k, s, x, n, sum) energy_stereo_f32 (k, s, x, n, sum)
#define KW_STEREO_F64(k, s, x, n, sum) energy_stereo_f64 (k, s, x, n, sum)
#endif

/* The one- and two-channel loops (any stride) of a step and a target. */
#define DEFINE_ENERGY_LOOPS(sfx, T, ATTR, STEP)                               \
static ATTR void                                                              \
energy_one_##sfx (const MstKWeight *k, MstBiquadState *s, const T *x,        \
    size_t frames, unsigned stride, double *sum)                              \
{                                                                             \
  KW_COEFS (k);                                                               \
  KW_LOAD (p, s);                                                             \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i < frames; i++)                                                \
    STEP (p, x[i * stride]);                                                  \
  KW_STORE (p, s, *sum);                                                      \
}                                                                             \
                                                                              \
static ATTR void                                                              \
energy_two_##sfx (const MstKWeight *k, MstBiquadState *s, const T *x,        \
    size_t frames, unsigned stride, double *sum)                              \
{                                                                             \
  KW_COEFS (k);                                                               \
  KW_LOAD (p, s);                                                             \
  KW_LOAD (q, s + MST_KWEIGHT_STATES);                                        \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i < frames; i++) {                                              \
    STEP (p, x[i * stride]);                                                  \
    STEP (q, x[i * stride + 1]);                                              \
  }                                                                           \
  KW_STORE (p, s, sum[0]);                                                    \
  KW_STORE (q, s + MST_KWEIGHT_STATES, sum[1]);                               \
}

DEFINE_ENERGY_LOOPS (f32, float,, KW_STEP)
DEFINE_ENERGY_LOOPS (f64, double,, KW_STEP)
#if KW_HAVE_FMA
/* The fused multiply-add build: y and z each end in one fused operation,
 * so each recursion's loop-carried path is a single fused multiply-add.
 * The scalar loops (fma () compiles to the instruction under the target
 * attribute) and the stereo vector loop do the same operations in the
 * same order, so every layout gives the same bits. */
#define KW_STEP_FMA(p, xin)                                                   \
  do {                                                                        \
    double x_ = (xin);                                                        \
    double t_ = fma (-a2, p##y2, fma (b2, p##x2, fma (b1, p##x1, b0 * x_)));  \
    double y_ = fma (-a1, p##y1, t_);                                         \
    double z_ = fma (-h1, p##z1, fma (-h2, p##z2,                             \
            (y_ - p##y1) - (p##y1 - p##y2)));                                 \
    p##x2 = p##x1;                                                            \
    p##x1 = x_;                                                               \
    p##y2 = p##y1;                                                            \
    p##y1 = y_;                                                               \
    p##z2 = p##z1;                                                            \
    p##z1 = z_;                                                               \
    p##acc += z_ * z_;                                                        \
  } while (0)
/* Interleaved stereo, both channels in one register, KW_STEP_FMA lane by
 * lane. */
     static KW_FMA void
         energy_stereo_fma (const MstKWeight * k, MstBiquadState * s,
    const float *xf, const double *xd, size_t frames, double *sum)
{
  const __m128d b0 = _mm_set1_pd (k->fb0), b1 = _mm_set1_pd (k->fb1);
  const __m128d b2 = _mm_set1_pd (k->fb2), na1 = _mm_set1_pd (-k->fa1);
  const __m128d na2 = _mm_set1_pd (-k->fa2), nh1 = _mm_set1_pd (-k->ha1);
  const __m128d nh2 = _mm_set1_pd (-k->ha2);
  KwPair p;
  __m128d x1, x2, y1, y2, z1, z2, acc = _mm_setzero_pd ();
  size_t i;

  kw_pair_load (&p, s);
  x1 = p.x1, x2 = p.x2, y1 = p.y1, y2 = p.y2, z1 = p.z1, z2 = p.z2;

  for (i = 0; i < frames; i++) {
    __m128d x, t, y, z;

    if (xf)
      x = _mm_cvtps_pd (_mm_castpd_ps (_mm_load_sd ((const double *)
                  (const void *) (xf + 2 * i))));
    else
      x = _mm_loadu_pd (xd + 2 * i);
    t = _mm_fmadd_pd (na2, y2, _mm_fmadd_pd (b2, x2, _mm_fmadd_pd (b1, x1,
                _mm_mul_pd (b0, x))));
    y = _mm_fmadd_pd (na1, y1, t);
    z = _mm_fmadd_pd (nh1, z1, _mm_fmadd_pd (nh2, z2,
            _mm_sub_pd (_mm_sub_pd (y, y1), _mm_sub_pd (y1, y2))));
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    acc = _mm_add_pd (acc, _mm_mul_pd (z, z));
  }

  p.x1 = x1, p.x2 = x2, p.y1 = y1, p.y2 = y2, p.z1 = z1, p.z2 = z2;
  kw_pair_store (&p, acc, s, sum);
}

DEFINE_ENERGY_LOOPS (fma_f32, float, KW_FMA, KW_STEP_FMA)
DEFINE_ENERGY_LOOPS (fma_f64, double, KW_FMA, KW_STEP_FMA)
/* The fused build for any layout; 0 when the CPU has no fused
 * multiply-add (the caller runs the plain loops). */
#define DEFINE_ENERGY_FMA_ANY(fmt, T, STEREO)                                 \
static int                                                                    \
energy_fma_##fmt (const MstKWeight *k, MstBiquadState *st, const T *x,       \
    size_t frames, unsigned channels, double *sumsq)                          \
{                                                                             \
  unsigned ch = 0;                                                            \
                                                                              \
  if (!k->fma)                                                                \
    return 0;                                                                 \
  if (channels == 2) {                                                        \
    STEREO;                                                                   \
    return 1;                                                                 \
  }                                                                           \
  for (; ch + 1 < channels; ch += 2)                                          \
    energy_two_fma_##fmt (k, st + ch * MST_KWEIGHT_STATES, x + ch, frames,    \
        channels, sumsq + ch);                                                \
  if (ch < channels)                                                          \
    energy_one_fma_##fmt (k, st + ch * MST_KWEIGHT_STATES, x + ch, frames,    \
        channels, sumsq + ch);                                                \
  return 1;                                                                   \
}
DEFINE_ENERGY_FMA_ANY (f32, float,
    energy_stereo_fma (k, st, x, NULL, frames, sumsq))
DEFINE_ENERGY_FMA_ANY (f64, double,
    energy_stereo_fma (k, st, NULL, x, frames, sumsq))
#define KW_FMA_RUN(fmt, k, st, x, n, ch, sum) \
  if (energy_fma_##fmt (k, st, x, n, ch, sum)) \
    return
#else
#define KW_FMA_RUN(fmt, k, st, x, n, ch, sum) do { } while (0)
#endif
#define DEFINE_ENERGY(fmt, T, FMT)                                                 \
/* Interleaved stereo: the stride is a constant (the SSE2 build uses        \
 * energy_stereo_sse2 instead). */                                            \
static inline void                                                            \
energy_stereo_##fmt (const MstKWeight *k, MstBiquadState *s, const T *x,     \
    size_t frames, double *sum)                                               \
{                                                                             \
  KW_COEFS (k);                                                               \
  KW_LOAD (p, s);                                                             \
  KW_LOAD (q, s + MST_KWEIGHT_STATES);                                        \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i < frames; i++) {                                              \
    KW_STEP (p, x[2 * i]);                                                    \
    KW_STEP (q, x[2 * i + 1]);                                                \
  }                                                                           \
  KW_STORE (p, s, sum[0]);                                                    \
  KW_STORE (q, s + MST_KWEIGHT_STATES, sum[1]);                               \
}                                                                             \
                                                                              \
void                                                                          \
mst_kweight_energy_##fmt (const MstKWeight *k, MstBiquadState *st,           \
    const T *x, size_t frames, unsigned channels, double *sumsq)              \
{                                                                             \
  unsigned ch = 0;                                                            \
                                                                              \
  KW_FMA_RUN (fmt, k, st, x, frames, channels, sumsq);                        \
  if (channels == 2) {                                                        \
    KW_STEREO_##FMT (k, st, x, frames, sumsq);                                \
    return;                                                                   \
  }                                                                           \
  for (; ch + 1 < channels; ch += 2)                                          \
    energy_two_##fmt (k, st + ch * MST_KWEIGHT_STATES, x + ch, frames,        \
        channels, sumsq + ch);                                                \
  if (ch < channels)                                                          \
    energy_one_##fmt (k, st + ch * MST_KWEIGHT_STATES, x + ch, frames,        \
        channels, sumsq + ch);                                                \
}
DEFINE_ENERGY (f32, float, F32)
DEFINE_ENERGY (f64, double, F64)
