/* gst-mastering dsp: Linkwitz-Riley crossovers (LR4, LR8). */
#include "crossover.h"

/* Keep a state that went non-finite from poisoning every later call. */
static void
sanitise_state (MstBiquadState * s, unsigned n)
{
  unsigned k;

  for (k = 0; k < n; k++) {
    if (!isfinite (s[k].x1) || !isfinite (s[k].x2) || !isfinite (s[k].y1)
        || !isfinite (s[k].y2))
      mst_biquad_state_reset (&s[k], 1);
  }
  mst_biquad_state_flush (s, n);
}

int
mst_crossover_design (MstCrossover * xo, unsigned order, double rate,
    double freq)
{
  MstCrossover t;
  unsigned nb, k;

  if (order != 4 && order != 8)
    return MST_ERR_INVAL;
  if (!(rate > 0.0) || !(freq > 0.0) || !(freq <= 0.45 * rate))
    return MST_ERR_INVAL;

  t.rate = rate;
  t.freq = freq;
  t.order = order;
  nb = order / 4;               /* Butterworth sections of B_N, N = order / 2 */
  t.n = 2 * nb;
  t.n_ap = nb;
  for (k = 0; k < nb; k++) {
    /* Pole pair k of B_N: Q = -1 / (2 cos (pi (2k + N + 1) / 2N)). */
    double n2 = order / 2;
    double q = -0.5 / cos (M_PI * (2.0 * k + n2 + 1.0) / (2.0 * n2));

    if (mst_biquad_design (&t.lp[k], MST_BIQUAD_LOWPASS, rate, freq, q,
            0.0) != MST_OK
        || mst_biquad_design (&t.hp[k], MST_BIQUAD_HIGHPASS, rate, freq, q,
            0.0) != MST_OK
        || mst_biquad_design (&t.ap[k], MST_BIQUAD_ALLPASS, rate, freq, q,
            0.0) != MST_OK)
      return MST_ERR_INVAL;
    t.lp[k + nb] = t.lp[k];
    t.hp[k + nb] = t.hp[k];
  }
  *xo = t;
  return MST_OK;
}

void
mst_crossover_state_reset (MstCrossoverState * s, unsigned n)
{
  unsigned k;

  for (k = 0; k < n; k++) {
    mst_biquad_state_reset (s[k].lp, MST_CROSSOVER_MAX_SECTIONS);
    mst_biquad_state_reset (s[k].hp, MST_CROSSOVER_MAX_SECTIONS);
  }
}

void
mst_crossover_ap_state_reset (MstCrossoverApState * s, unsigned n)
{
  unsigned k;

  for (k = 0; k < n; k++)
    mst_biquad_state_reset (s[k].ap, MST_CROSSOVER_MAX_AP_SECTIONS);
}

/* One direct form I section on locals. */
#define SECTION(c, x, x1, x2, y1, y2, y)                                      \
  do {                                                                        \
    y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a2 * y2 - c.a1 * y1;             \
    x2 = x1, x1 = x, y2 = y1, y1 = y;                                         \
  } while (0)

/* Two sections in series, fused so their recursions overlap. */
static void
cascade2 (const MstBiquad * c, MstBiquadState * s, const double *in,
    double *out, size_t frames)
{
  const MstBiquad c0 = c[0], c1 = c[1];
  double px1 = s[0].x1, px2 = s[0].x2, py1 = s[0].y1, py2 = s[0].y2;
  double qx1 = s[1].x1, qx2 = s[1].x2, qy1 = s[1].y1, qy2 = s[1].y2;
  size_t i;

  for (i = 0; i < frames; i++) {
    double x = in[i], y, z;

    SECTION (c0, x, px1, px2, py1, py2, y);
    SECTION (c1, y, qx1, qx2, qy1, qy2, z);
    out[i] = z;
  }
  s[0].x1 = px1, s[0].x2 = px2, s[0].y1 = py1, s[0].y2 = py2;
  s[1].x1 = qx1, s[1].x2 = qx2, s[1].y1 = qy1, s[1].y2 = qy2;
  sanitise_state (s, 2);
}

/* Four sections in series, fused. */
static void
cascade4 (const MstBiquad * c, MstBiquadState * s, const double *in,
    double *out, size_t frames)
{
  const MstBiquad c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
  double ax1 = s[0].x1, ax2 = s[0].x2, ay1 = s[0].y1, ay2 = s[0].y2;
  double bx1 = s[1].x1, bx2 = s[1].x2, by1 = s[1].y1, by2 = s[1].y2;
  double cx1 = s[2].x1, cx2 = s[2].x2, cy1 = s[2].y1, cy2 = s[2].y2;
  double dx1 = s[3].x1, dx2 = s[3].x2, dy1 = s[3].y1, dy2 = s[3].y2;
  size_t i;

  for (i = 0; i < frames; i++) {
    double x = in[i], y0, y1, y2, y3;

    SECTION (c0, x, ax1, ax2, ay1, ay2, y0);
    SECTION (c1, y0, bx1, bx2, by1, by2, y1);
    SECTION (c2, y1, cx1, cx2, cy1, cy2, y2);
    SECTION (c3, y2, dx1, dx2, dy1, dy2, y3);
    out[i] = y3;
  }
  s[0].x1 = ax1, s[0].x2 = ax2, s[0].y1 = ay1, s[0].y2 = ay2;
  s[1].x1 = bx1, s[1].x2 = bx2, s[1].y1 = by1, s[1].y2 = by2;
  s[2].x1 = cx1, s[2].x2 = cx2, s[2].y1 = cy1, s[2].y2 = cy2;
  s[3].x1 = dx1, s[3].x2 = dx2, s[3].y1 = dy1, s[3].y2 = dy2;
  sanitise_state (s, 4);
}

static void
cascade (const MstBiquad * c, unsigned n, MstBiquadState * s,
    const double *in, double *out, size_t frames)
{
  switch (n) {
    case 1:
      mst_biquad_process_f64 (c, s, in, out, frames, 1);
      sanitise_state (s, 1);
      break;
    case 2:
      cascade2 (c, s, in, out, frames);
      break;
    case 4:
      cascade4 (c, s, in, out, frames);
      break;
    default:
      break;
  }
}

void
mst_crossover_highpass_f64 (const MstCrossover * xo, MstCrossoverState * s,
    const double *in, double *out, size_t frames)
{
  cascade (xo->hp, xo->n, s->hp, in, out, frames);
}

void
mst_crossover_lowpass_f64 (const MstCrossover * xo, MstCrossoverState * s,
    const double *in, double *out, size_t frames)
{
  cascade (xo->lp, xo->n, s->lp, in, out, frames);
}

void
mst_crossover_split_f64 (const MstCrossover * xo, MstCrossoverState * s,
    const double *in, double *low, double *high, size_t frames)
{
  if (low && high) {
    /* Never overwrite the input before the other band has read it. */
    if (in == high) {
      cascade (xo->lp, xo->n, s->lp, in, low, frames);
      cascade (xo->hp, xo->n, s->hp, in, high, frames);
    } else {
      cascade (xo->hp, xo->n, s->hp, in, high, frames);
      cascade (xo->lp, xo->n, s->lp, in, low, frames);
    }
  } else if (low) {
    cascade (xo->lp, xo->n, s->lp, in, low, frames);
  } else if (high) {
    cascade (xo->hp, xo->n, s->hp, in, high, frames);
  }
}

void
mst_crossover_allpass_f64 (const MstCrossover * xo, MstCrossoverApState * s,
    const double *in, double *out, size_t frames)
{
  cascade (xo->ap, xo->n_ap, s->ap, in, out, frames);
}

void
mst_crossover_response_db (const MstCrossover * xo, double freq,
    double *low_db, double *high_db, double *sum_db)
{
  double lm = 1.0, lph = 0.0, hm = 1.0, hph = 0.0, m, ph, re, im;
  unsigned k;

  for (k = 0; k < xo->n; k++) {
    mst_biquad_response (&xo->lp[k], xo->rate, freq, &m, &ph);
    lm *= m, lph += ph;
    mst_biquad_response (&xo->hp[k], xo->rate, freq, &m, &ph);
    hm *= m, hph += ph;
  }
  if (low_db)
    *low_db = mst_lin_to_db (lm);
  if (high_db)
    *high_db = mst_lin_to_db (hm);
  if (sum_db) {
    re = lm * cos (lph) + hm * cos (hph);
    im = lm * sin (lph) + hm * sin (hph);
    *sum_db = mst_lin_to_db (sqrt (re * re + im * im));
  }
}

/* --- LR4 ------------------------------------------------------------- */

int
mst_lr4_design (MstLr4 * xo, double rate, double freq)
{
  MstCrossover t;

  if (mst_crossover_design (&t, 4, rate, freq) != MST_OK)
    return MST_ERR_INVAL;
  xo->rate = rate;
  xo->freq = freq;
  xo->lp = t.lp[0];
  xo->hp = t.hp[0];
  xo->ap = t.ap[0];
  return MST_OK;
}

void
mst_lr4_state_reset (MstLr4State * s, unsigned n)
{
  unsigned k;

  for (k = 0; k < n; k++) {
    mst_biquad_state_reset (s[k].lp, 2);
    mst_biquad_state_reset (s[k].hp, 2);
  }
}

void
mst_lr4_highpass_f64 (const MstLr4 * xo, MstLr4State * s, const double *in,
    double *out, size_t frames)
{
  const MstBiquad c[2] = { xo->hp, xo->hp };

  cascade2 (c, s->hp, in, out, frames);
}

void
mst_lr4_lowpass_f64 (const MstLr4 * xo, MstLr4State * s, const double *in,
    double *out, size_t frames)
{
  const MstBiquad c[2] = { xo->lp, xo->lp };

  cascade2 (c, s->lp, in, out, frames);
}

void
mst_lr4_split_f64 (const MstLr4 * xo, MstLr4State * s, const double *in,
    double *low, double *high, size_t frames)
{
  if (low && high) {
    if (in == high) {
      mst_lr4_lowpass_f64 (xo, s, in, low, frames);
      mst_lr4_highpass_f64 (xo, s, in, high, frames);
    } else {
      mst_lr4_highpass_f64 (xo, s, in, high, frames);
      mst_lr4_lowpass_f64 (xo, s, in, low, frames);
    }
  } else if (low) {
    mst_lr4_lowpass_f64 (xo, s, in, low, frames);
  } else if (high) {
    mst_lr4_highpass_f64 (xo, s, in, high, frames);
  }
}

void
mst_lr4_allpass_f64 (const MstLr4 * xo, MstBiquadState * s, const double *in,
    double *out, size_t frames)
{
  cascade (&xo->ap, 1, s, in, out, frames);
}

void
mst_lr4_response_db (const MstLr4 * xo, double freq, double *low_db,
    double *high_db, double *sum_db)
{
  MstCrossover t;

  t.rate = xo->rate;
  t.freq = xo->freq;
  t.order = 4;
  t.n = 2;
  t.lp[0] = t.lp[1] = xo->lp;
  t.hp[0] = t.hp[1] = xo->hp;
  t.n_ap = 1;
  t.ap[0] = xo->ap;
  mst_crossover_response_db (&t, freq, low_db, high_db, sum_db);
}
