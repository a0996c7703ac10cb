/* gst-mastering tests: reference true-peak meter (see refpeak.h). */
#include "refpeak.h"

#include <math.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define OVER 16
#define HALF MST_REFPEAK_HALF
#define TAPS (2 * HALF)
#define BETA 9.0
#define SKIP_BLOCK 64

static double
bessel_i0 (double x)
{
  double s = 1.0, t = 1.0, q = x * x / 4.0;
  int k;

  for (k = 1; k < 500; k++) {
    t *= q / ((double) k * (double) k);
    s += t;
    if (t < 1e-18 * s)
      break;
  }
  return s;
}

/* h[p][j]: weight of x[m - HALF + 1 + j] for the value at m + p / OVER;
 * returns the largest sum of |h| over the phases. */
static double
design (double h[OVER][TAPS])
{
  double i0b = bessel_i0 (BETA), l1max = 1.0;
  int p, j;

  for (p = 1; p < OVER; p++) {
    double sum = 0.0, l1 = 0.0;
    for (j = 0; j < TAPS; j++) {
      double d = (double) p / OVER + HALF - 1 - j;
      double r = d / HALF;
      double w = bessel_i0 (BETA * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
      h[p][j] = sin (M_PI * d) / (M_PI * d) * w;
      sum += h[p][j];
    }
    for (j = 0; j < TAPS; j++) {
      h[p][j] /= sum;
      l1 += fabs (h[p][j]);
    }
    if (l1 > l1max)
      l1max = l1;
  }
  return l1max;
}

typedef struct
{
  const double *xd;
  const float *xf;
  size_t frames;
  unsigned channels, ch;
} Src;

static inline double
sample (const Src * s, long i)
{
  size_t k;
  if (i < 0 || (size_t) i >= s->frames)
    return 0.0;
  k = (size_t) i *s->channels + s->ch;
  return s->xd ? s->xd[k] : (double) s->xf[k];
}

static double
refpeak (const Src * s, long from, long to)
{
  double (*h)[TAPS] = malloc (sizeof (double) * OVER * TAPS);
  double *w = malloc (sizeof (double) * (TAPS + SKIP_BLOCK + 1));
  double l1, best = 0.0;
  long b0;

  if (!h || !w) {
    free (h);
    free (w);
    return NAN;
  }
  l1 = design (h);

  /* blocks of positions [b0, b1); each also evaluates the position before
   * and after it so that a local maximum on a block edge gets its
   * parabolic fit.  The window holds x[b0 - HALF .. b1 + HALF]. */
  for (b0 = from; b0 < to; b0 += SKIP_BLOCK) {
    long b1 = b0 + SKIP_BLOCK < to ? b0 + SKIP_BLOCK : to;
    long base = b0 - HALF, m, len = b1 - b0 + TAPS + 1, i;
    double amax = 0.0, prev2 = 0.0, prev1 = 0.0;
    long prev1_pos = 0;
    int have = 0;

    for (i = 0; i < len; i++) {
      w[i] = sample (s, base + i);
      if (fabs (w[i]) > amax)
        amax = fabs (w[i]);
    }
    /* exact skip: no value in this block can exceed amax * l1, and the
     * parabolic fit adds far less than 1 % */
    if (amax * l1 * 1.01 < best)
      continue;

    for (m = b0 - 1; m <= b1; m++) {
      int p;
      for (p = 0; p < OVER; p++) {
        double y, a;
        if (p == 0) {
          y = w[m - base];
        } else {
          /* taps x[m - HALF + 1 .. m + HALF] */
          const double *hp = h[p], *xs = w + (m - base) - HALF + 1;
          int j;
          y = 0.0;
          for (j = 0; j < TAPS; j++)
            y += hp[j] * xs[j];
        }
        a = fabs (y);
        if (m >= b0 && m < b1 && a > best)
          best = a;
        /* parabolic fit through a local maximum of |y| whose centre
         * belongs to this block */
        if (have == 2 && prev1 >= prev2 && prev1 >= a && prev1 > 0.0 &&
            prev1_pos >= b0 && prev1_pos < b1) {
          double den = prev2 - 2.0 * prev1 + a;
          if (den < 0.0) {
            double d = 0.5 * (prev2 - a) / den;
            double pk = prev1 - 0.25 * (prev2 - a) * d;
            if (pk > best)
              best = pk;
          }
        }
        prev2 = prev1;
        prev1 = a;
        prev1_pos = m;
        if (have < 2)
          have++;
      }
    }
  }
  free (h);
  free (w);
  return best;
}

double
mst_refpeak_range_f64 (const double *x, size_t frames, unsigned channels,
    unsigned ch, long from, long to)
{
  Src s = { x, NULL, frames, channels, ch };
  return refpeak (&s, from, to);
}

double
mst_refpeak_f64 (const double *x, size_t frames, unsigned channels, unsigned ch)
{
  Src s = { x, NULL, frames, channels, ch };
  return refpeak (&s, -HALF, (long) frames + HALF);
}

double
mst_refpeak_f32 (const float *x, size_t frames, unsigned channels, unsigned ch)
{
  Src s = { NULL, x, frames, channels, ch };
  return refpeak (&s, -HALF, (long) frames + HALF);
}
