/* gst-mastering dsp: generic second-order IIR sections (biquads). */
#include "biquad.h"

#include <string.h>

void
mst_biquad_set_identity (MstBiquad * c)
{
  c->b0 = 1.0;
  c->b1 = c->b2 = c->a1 = c->a2 = 0.0;
}

int
mst_biquad_from_analog (MstBiquad * c, double rate, double f0,
    const double b[3], const double a[3])
{
  double k, k2, a0, a1, a2, b0, b1, b2;

  if (!(rate > 0.0) || !(f0 > 0.0) || !(f0 < 0.5 * rate))
    return MST_ERR_INVAL;

  /* p = s / w0 with s = w0 / tan (w0 T / 2) * (1 - z^-1) / (1 + z^-1),
   * i.e. p = (1 - z^-1) / (k (1 + z^-1)); multiply through by
   * k^2 (1 + z^-1)^2. */
  k = tan (M_PI * f0 / rate);
  k2 = k * k;

  b0 = b[0] * k2 + b[1] * k + b[2];
  b1 = 2.0 * (b[0] * k2 - b[2]);
  b2 = b[0] * k2 - b[1] * k + b[2];
  a0 = a[0] * k2 + a[1] * k + a[2];
  a1 = 2.0 * (a[0] * k2 - a[2]);
  a2 = a[0] * k2 - a[1] * k + a[2];

  if (a0 == 0.0 || !isfinite (a0))
    return MST_ERR_INVAL;

  c->b0 = b0 / a0;
  c->b1 = b1 / a0;
  c->b2 = b2 / a0;
  c->a1 = a1 / a0;
  c->a2 = a2 / a0;
  return MST_OK;
}

int
mst_biquad_design (MstBiquad * c, MstBiquadType type, double rate,
    double freq, double q, double gain_db)
{
  double b[3] = { 1.0, 0.0, 0.0 }, a[3] = { 1.0, 0.0, 0.0 };
  double g, sg;
  int second_order = 1;

  if (!isfinite (gain_db))
    return MST_ERR_INVAL;
  /* Amplitude at the shelf's half-gain point, as in the usual analogue
   * shelving prototypes: the full shelf gain is g * g. */
  g = pow (10.0, gain_db / 40.0);
  sg = sqrt (g);

  switch (type) {
    case MST_BIQUAD_IDENTITY:
      mst_biquad_set_identity (c);
      return MST_OK;
    case MST_BIQUAD_LOWPASS_1:
      b[0] = 1.0, b[1] = 0.0;
      a[0] = 1.0, a[1] = 1.0;
      second_order = 0;
      break;
    case MST_BIQUAD_HIGHPASS_1:
      b[0] = 0.0, b[1] = 1.0;
      a[0] = 1.0, a[1] = 1.0;
      second_order = 0;
      break;
    case MST_BIQUAD_ALLPASS_1:
      b[0] = 1.0, b[1] = -1.0;
      a[0] = 1.0, a[1] = 1.0;
      second_order = 0;
      break;
    default:
      break;
  }

  if (second_order) {
    if (!(q > 0.0) || !isfinite (q))
      return MST_ERR_INVAL;
    a[0] = 1.0, a[1] = 1.0 / q, a[2] = 1.0;
    switch (type) {
      case MST_BIQUAD_LOWPASS:
        b[0] = 1.0, b[1] = 0.0, b[2] = 0.0;
        break;
      case MST_BIQUAD_HIGHPASS:
        b[0] = 0.0, b[1] = 0.0, b[2] = 1.0;
        break;
      case MST_BIQUAD_BANDPASS:
        b[0] = 0.0, b[1] = 1.0 / q, b[2] = 0.0;
        break;
      case MST_BIQUAD_NOTCH:
        b[0] = 1.0, b[1] = 0.0, b[2] = 1.0;
        break;
      case MST_BIQUAD_ALLPASS:
        b[0] = 1.0, b[1] = -1.0 / q, b[2] = 1.0;
        break;
      case MST_BIQUAD_PEAK:
        b[0] = 1.0, b[1] = g / q, b[2] = 1.0;
        a[1] = 1.0 / (g * q);
        break;
      case MST_BIQUAD_LOWSHELF:
        b[0] = g * g, b[1] = g * sg / q, b[2] = g;
        a[0] = 1.0, a[1] = sg / q, a[2] = g;
        break;
      case MST_BIQUAD_HIGHSHELF:
        b[0] = g, b[1] = g * sg / q, b[2] = g * g;
        a[0] = g, a[1] = sg / q, a[2] = 1.0;
        break;
      default:
        return MST_ERR_INVAL;
    }
  }

  return mst_biquad_from_analog (c, rate, freq, b, a);
}

void
mst_biquad_response (const MstBiquad * c, double rate, double freq,
    double *mag, double *phase)
{
  /* H(e^jw) with z^-1 = cos w - j sin w. */
  double w = 2.0 * M_PI * freq / rate;
  double c1 = cos (w), s1 = sin (w), c2 = cos (2.0 * w), s2 = sin (2.0 * w);
  double nr = c->b0 + c->b1 * c1 + c->b2 * c2;
  double ni = -(c->b1 * s1 + c->b2 * s2);
  double dr = 1.0 + c->a1 * c1 + c->a2 * c2;
  double di = -(c->a1 * s1 + c->a2 * s2);

  if (mag)
    *mag = sqrt ((nr * nr + ni * ni) / (dr * dr + di * di));
  if (phase)
    *phase = atan2 (ni, nr) - atan2 (di, dr);
}

double
mst_biquad_cascade_response_db (const MstBiquad * c, unsigned n,
    double rate, double freq)
{
  double db = 0.0, mag;
  unsigned k;

  for (k = 0; k < n; k++) {
    mst_biquad_response (&c[k], rate, freq, &mag, NULL);
    db += mst_lin_to_db (mag);
  }
  return db;
}

void
mst_biquad_state_reset (MstBiquadState * s, unsigned n)
{
  memset (s, 0, sizeof (*s) * n);
}

void
mst_biquad_state_flush (MstBiquadState * s, unsigned n)
{
  unsigned k;

  for (k = 0; k < n; k++) {
    s[k].x1 = mst_flush_denormal (s[k].x1);
    s[k].x2 = mst_flush_denormal (s[k].x2);
    s[k].y1 = mst_flush_denormal (s[k].y1);
    s[k].y2 = mst_flush_denormal (s[k].y2);
  }
}

/* The per-channel loops are written once for both sample formats.  Two
 * channels share one loop where possible so that their recursions overlap
 * in the pipeline; the state lives in locals inside the loop. */
/* Interleaved F64 stereo with both channels in one vector: process_two's
 * operations in the same order, lane by lane, so the same bits at half
 * the instructions.  Returns 0 (nothing done) for other layouts. */
typedef double bq_v2d __attribute__((vector_size (16)));

static int
process_stereo_f64 (const MstBiquad * c, MstBiquadState * s,
    const double *in, double *out, size_t frames, unsigned channels)
{
  const bq_v2d b0 = { c->b0, c->b0 }, b1 = { c->b1, c->b1 };
  const bq_v2d b2 = { c->b2, c->b2 }, a1 = { c->a1, c->a1 };
  const bq_v2d a2 = { c->a2, c->a2 };
  bq_v2d x1, x2, y1, y2;
  size_t i;

  /* (s holds `channels` states: read the second only for stereo) */
  if (channels != 2)
    return 0;
  x1 = (bq_v2d) {
  s[0].x1, s[1].x1};
  x2 = (bq_v2d) {
  s[0].x2, s[1].x2};
  y1 = (bq_v2d) {
  s[0].y1, s[1].y1};
  y2 = (bq_v2d) {
  s[0].y2, s[1].y2};
  for (i = 0; i < frames; i++) {
    bq_v2d x, y;

    memcpy (&x, in + 2 * i, sizeof (x));
    y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    x2 = x1, x1 = x, y2 = y1, y1 = y;
    memcpy (out + 2 * i, &y, sizeof (y));
  }
  s[0].x1 = x1[0], s[0].x2 = x2[0], s[0].y1 = y1[0], s[0].y2 = y2[0];
  s[1].x1 = x1[1], s[1].x2 = x2[1], s[1].y1 = y1[1], s[1].y2 = y2[1];
  mst_biquad_state_flush (s, 2);
  return 1;
}

#define STEREO_f64 process_stereo_f64
#define STEREO_f32(c, s, in, out, frames, channels) 0

#define DEFINE_PROCESS(fmt, T)                                                \
static void                                                                   \
process_one_##fmt (const MstBiquad *c, MstBiquadState *s, const T *in,       \
    T *out, size_t frames, unsigned stride)                                   \
{                                                                             \
  const double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;   \
  double x1 = s->x1, x2 = s->x2, y1 = s->y1, y2 = s->y2;                      \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i < frames; i++) {                                              \
    double x = in[i * stride];                                                \
    double y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;                \
    x2 = x1;                                                                  \
    x1 = x;                                                                   \
    y2 = y1;                                                                  \
    y1 = y;                                                                   \
    out[i * stride] = (T) y;                                                  \
  }                                                                           \
  s->x1 = x1, s->x2 = x2, s->y1 = y1, s->y2 = y2;                             \
}                                                                             \
                                                                              \
static void                                                                   \
process_two_##fmt (const MstBiquad *c, MstBiquadState *s, const T *in,       \
    T *out, size_t frames, unsigned stride)                                   \
{                                                                             \
  const double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;   \
  double px1 = s[0].x1, px2 = s[0].x2, py1 = s[0].y1, py2 = s[0].y2;          \
  double qx1 = s[1].x1, qx2 = s[1].x2, qy1 = s[1].y1, qy2 = s[1].y2;          \
  size_t i;                                                                   \
                                                                              \
  for (i = 0; i < frames; i++) {                                              \
    double p = in[i * stride], q = in[i * stride + 1];                        \
    double yp = b0 * p + b1 * px1 + b2 * px2 - a2 * py2 - a1 * py1;           \
    double yq = b0 * q + b1 * qx1 + b2 * qx2 - a2 * qy2 - a1 * qy1;           \
    px2 = px1, px1 = p, py2 = py1, py1 = yp;                                  \
    qx2 = qx1, qx1 = q, qy2 = qy1, qy1 = yq;                                  \
    out[i * stride] = (T) yp;                                                 \
    out[i * stride + 1] = (T) yq;                                             \
  }                                                                           \
  s[0].x1 = px1, s[0].x2 = px2, s[0].y1 = py1, s[0].y2 = py2;                 \
  s[1].x1 = qx1, s[1].x2 = qx2, s[1].y1 = qy1, s[1].y2 = qy2;                 \
}                                                                             \
                                                                              \
void                                                                          \
mst_biquad_process_##fmt (const MstBiquad *c, MstBiquadState *s,             \
    const T *in, T *out, size_t frames, unsigned channels)                    \
{                                                                             \
  unsigned ch = 0;                                                            \
                                                                              \
  if (STEREO_##fmt (c, s, in, out, frames, channels))                         \
    return;                                                                   \
  for (; ch + 1 < channels; ch += 2)                                          \
    process_two_##fmt (c, s + ch, in + ch, out + ch, frames, channels);       \
  if (ch < channels)                                                          \
    process_one_##fmt (c, s + ch, in + ch, out + ch, frames, channels);       \
  mst_biquad_state_flush (s, channels);                                       \
}                                                                             \
                                                                              \
void                                                                          \
mst_biquad_cascade_process_##fmt (const MstBiquad *c, unsigned n,            \
    MstBiquadState *s, const T *in, T *out, size_t frames,                    \
    unsigned channels)                                                        \
{                                                                             \
  unsigned ch, k;                                                             \
  size_t i;                                                                   \
                                                                              \
  if (n == 1) {                                                               \
    mst_biquad_process_##fmt (c, s, in, out, frames, channels);              \
    return;                                                                   \
  }                                                                           \
  if (n == 0) {                                                               \
    if (in != out)                                                            \
      memmove (out, in, sizeof (T) * frames * channels);                      \
    return;                                                                   \
  }                                                                           \
  for (ch = 0; ch < channels; ch++) {                                         \
    MstBiquadState *st = s + (size_t) ch * n;                                 \
    for (i = 0; i < frames; i++) {                                            \
      double y = in[i * channels + ch];                                       \
      for (k = 0; k < n; k++)                                                 \
        y = mst_biquad_tick (&c[k], &st[k], y);                               \
      out[i * channels + ch] = (T) y;                                         \
    }                                                                         \
  }                                                                           \
  mst_biquad_state_flush (s, channels * n);                                   \
}

DEFINE_PROCESS (f64, double)
DEFINE_PROCESS (f32, float)
