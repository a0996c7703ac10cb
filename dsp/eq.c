/* gst-mastering dsp: mastering equaliser (band designs and the multi-band
 * processor).  See eq.h for the prototypes and the processing model. */
#include "eq.h"

#include <stdlib.h>
#include <string.h>
#include <complex.h>

/* ======================================================================
 * Analogue prototypes
 * ====================================================================== */

/* One analogue section H(p) = (b0 + b1 p + b2 p^2) / (a0 + a1 p + a2 p^2),
 * p = s / w0, plus how many of its zeros sit at DC (0, 1 or 2): the fit
 * keeps those exact. */
typedef struct
{
  double b[3], a[3];
  int dc_zeros;
} Section;

static double
section_mag2 (const Section * s, double u)
{
  /* |H (j u)|^2 */
  double u2 = u * u;
  double nr = s->b[0] - s->b[2] * u2, ni = s->b[1] * u;
  double dr = s->a[0] - s->a[2] * u2, di = s->a[1] * u;

  return (nr * nr + ni * ni) / (dr * dr + di * di);
}

static void
set_section (Section * s, double b0, double b1, double b2, double a0,
    double a1, double a2, int dc_zeros)
{
  s->b[0] = b0, s->b[1] = b1, s->b[2] = b2;
  s->a[0] = a0, s->a[1] = a1, s->a[2] = a2;
  s->dc_zeros = dc_zeros;
}

int
mst_eq_type_has_gain (MstEqType type)
{
  return type == MST_EQ_PEAK || type == MST_EQ_LOW_SHELF ||
      type == MST_EQ_HIGH_SHELF || type == MST_EQ_TILT;
}

/* The analogue sections of a band (eq.h describes them); returns how many
 * (0 for a gain type at 0 dB). */
static unsigned
prototype_sections (Section * s, MstEqType type, double gain_db, double q,
    unsigned order)
{
  double A = pow (10.0, gain_db / 40.0), sA = sqrt (A), g = A * A;
  unsigned n = 0, k, pairs;
  int hp = type == MST_EQ_HIGH_PASS;

  if (mst_eq_type_has_gain (type) && gain_db == 0.0)
    return 0;

  switch (type) {
    case MST_EQ_PEAK:
      set_section (&s[n++], 1.0, A / q, 1.0, 1.0, 1.0 / (A * q), 1.0, 0);
      break;
    case MST_EQ_LOW_SHELF:
      set_section (&s[n++], A * A, A * sA / q, A, 1.0, sA / q, A, 0);
      break;
    case MST_EQ_HIGH_SHELF:
      set_section (&s[n++], A, A * sA / q, A * A, A, sA / q, 1.0, 0);
      break;
    case MST_EQ_TILT:
      set_section (&s[n++], 1.0, sqrt (g), 0.0, sqrt (g), 1.0, 0.0, 0);
      break;
    case MST_EQ_HIGH_PASS:
    case MST_EQ_LOW_PASS:
      pairs = order / 2;
      for (k = 0; k < pairs; k++) {
        double qk = 1.0 / (2.0 * sin ((2 * k + 1) * M_PI / (2.0 * order)));
        if (k == pairs - 1)
          qk *= q / M_SQRT1_2;
        if (hp)
          set_section (&s[n++], 0.0, 0.0, 1.0, 1.0, 1.0 / qk, 1.0, 2);
        else
          set_section (&s[n++], 1.0, 0.0, 0.0, 1.0, 1.0 / qk, 1.0, 0);
      }
      if (order & 1) {
        if (hp)
          set_section (&s[n++], 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1);
        else
          set_section (&s[n++], 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0);
      }
      break;
  }
  return n;
}

double
mst_eq_prototype_db (MstEqType type, double freq, double gain_db, double q,
    unsigned order, double f)
{
  Section s[MST_EQ_MAX_SECTIONS];
  unsigned n = prototype_sections (s, type, gain_db, q, order), k;
  double m2 = 1.0;

  for (k = 0; k < n; k++)
    m2 *= section_mag2 (&s[k], f / freq);
  return m2 > 0.0 ? 10.0 * log10 (m2) : -INFINITY;
}

/* ======================================================================
 * Design: matched poles (or zeros) and a fitted magnitude
 *
 * The magnitude-squared response of a digital filter is a polynomial
 * ratio in x = sin^2 (w / 2): a factor 1 - r z^-1 contributes
 * |1 - r e^-jw|^2 = (1 - r)^2 + 4 r x, a conjugate pair the product of
 * two such factors.  A band is designed as a whole (all its sections
 * together):
 *
 *  1. One side of the prototype is mapped exactly: the poles (or, for
 *     cuts of peaks and shelves, the zeros) s_k go to z_k = exp (s_k T),
 *     the matched-z transform.  The digital resonances then sit exactly
 *     where the analogue ones are, at any rate, however close to Nyquist.
 *     This fixes one side's |.|^2 polynomial G (x).
 *  2. The other side's |.|^2 is a polynomial F (x) fitted so that F / G
 *     (or G / F) follows the prototype's |H|^2 with the least maximum
 *     relative error over 0 .. 0.45 fs (weighted least squares refined by
 *     Lawson's reweighting), points where the prototype is below -40 dB
 *     counting only against that floor.  Zeros of a high-pass at DC are
 *     kept exact (F = x^m R (x)).
 *  3. F is factored: each root x_k gives the root of
 *     z + 1 / z = 2 - 4 x_k inside the unit circle (spectral
 *     factorisation, minimum phase; for a denominator the poles are
 *     inside the unit circle because F > 0 on [0, 1]).  The roots are
 *     grouped into conjugate pairs, the sections are formed and the gain
 *     is set to centre the error.
 *
 * F may have a higher degree than G: extra sections (FIR or all-pole
 * biquads) are added only where the fit with the prototype's own number
 * of sections misses the aim, typically broad peaks and shelves near
 * Nyquist and cut filters with a high corner.
 * ====================================================================== */

#define GRID_MAX 256
/* Relative weight floor: stop-band values below -40 dB need not match. */
#define FIT_FLOOR 1e-4
/* Grid points above this fraction of the rate are not scored. */
#define FIT_BAND 0.45
/* Largest degree of a fitted polynomial, and number of columns. */
#define DEG_MAX (2 * MST_EQ_MAX_SECTIONS)
#define COLS_MAX (DEG_MAX + 1)

/* Least squares by Householder QR: a is rows x cols (row-major, cols <=
 * COLS_MAX), destroyed; rhs destroyed; solution in sol.  Columns are
 * equilibrated first.  Returns 0, or -1 when the system is rank
 * deficient. */
static int
lsq_solve (double *a, double *rhs, int rows, int cols, double *sol)
{
  double scale[COLS_MAX], r;
  int i, j, k;

  for (j = 0; j < cols; j++) {
    double nrm = 0.0;
    for (i = 0; i < rows; i++)
      nrm += a[i * cols + j] * a[i * cols + j];
    nrm = sqrt (nrm);
    if (!(nrm > 0.0) || !isfinite (nrm))
      return -1;
    scale[j] = 1.0 / nrm;
    for (i = 0; i < rows; i++)
      a[i * cols + j] *= scale[j];
  }

  for (k = 0; k < cols; k++) {
    double alpha = 0.0, vnorm2, dot;
    for (i = k; i < rows; i++)
      alpha += a[i * cols + k] * a[i * cols + k];
    alpha = sqrt (alpha);
    if (!(alpha > 1e-14))
      return -1;
    if (a[k * cols + k] > 0.0)
      alpha = -alpha;
    /* v = a[k:, k] - alpha e1, stored in place */
    a[k * cols + k] -= alpha;
    vnorm2 = 0.0;
    for (i = k; i < rows; i++)
      vnorm2 += a[i * cols + k] * a[i * cols + k];
    for (j = k + 1; j < cols; j++) {
      dot = 0.0;
      for (i = k; i < rows; i++)
        dot += a[i * cols + k] * a[i * cols + j];
      dot = 2.0 * dot / vnorm2;
      for (i = k; i < rows; i++)
        a[i * cols + j] -= dot * a[i * cols + k];
    }
    dot = 0.0;
    for (i = k; i < rows; i++)
      dot += a[i * cols + k] * rhs[i];
    dot = 2.0 * dot / vnorm2;
    for (i = k; i < rows; i++)
      rhs[i] -= dot * a[i * cols + k];
    /* R[k][k] = alpha */
    a[k * cols + k] = alpha;
  }

  for (k = cols - 1; k >= 0; k--) {
    r = rhs[k];
    for (j = k + 1; j < cols; j++)
      r -= a[k * cols + j] * sol[j];
    sol[k] = r / a[k * cols + k];
  }
  for (j = 0; j < cols; j++) {
    sol[j] *= scale[j];
    if (!isfinite (sol[j]))
      return -1;
  }
  return 0;
}

/* Magnitude-squared polynomial of a biquad in x = sin^2 (w / 2):
 * |c0 + c1 z^-1 + c2 z^-2|^2 = m[0] + m[1] x + m[2] x^2. */
static void
mag2_poly (double c0, double c1, double c2, double m[3])
{
  double B0 = (c0 + c1 + c2) * (c0 + c1 + c2);
  double B1 = (c0 - c1 + c2) * (c0 - c1 + c2);
  double B2 = -4.0 * c0 * c2;

  m[0] = B0;
  m[1] = B1 - B0 + 4.0 * B2;
  m[2] = -4.0 * B2;
}

/* The grid of one band: frequencies f (Hz), x = sin^2 (pi f / rate), the
 * prototype's |H|^2 t2, the fixed weight w and whether the point is
 * scored (0 .. FIT_BAND * rate; the points above keep the fit sane up to
 * Nyquist). */
typedef struct
{
  int n;
  double f[GRID_MAX], x[GRID_MAX], t2[GRID_MAX], w[GRID_MAX];
  int scored[GRID_MAX];
} Grid;

#define GRID_LOG 100
#define GRID_DENSE 12
#define GRID_TOP 8
#define GRID_UPPER 24

/* Dense points around a resonance of quadratic c0 + c1 p + c2 p^2. */
static void
grid_add_dense (Grid * g, const double c[3], double f0, double top)
{
  double fc, qq;
  int k;

  if (c[2] == 0.0 || c[0] == 0.0 || !(c[1] > 0.0))
    return;
  qq = sqrt (c[0] * c[2]) / c[1];
  if (qq < 0.6)
    return;
  fc = f0 * sqrt (c[0] / c[2]);
  for (k = -GRID_DENSE; k <= GRID_DENSE; k++) {
    double v = fc * exp (0.25 * k / qq);
    if (v < top && g->n < GRID_MAX - GRID_TOP)
      g->f[g->n++] = v;
  }
}

static void
make_grid (Grid * g, const Section * s, unsigned ns, double rate, double f0)
{
  double top = FIT_BAND * rate, lo = fmin (MST_EQ_FREQ_MIN, 0.25 * f0);
  int i, dc = 1;
  unsigned k;

  g->n = 0;
  for (k = 0; k < ns; k++)
    if (s[k].dc_zeros)
      dc = 0;
  if (dc)
    g->f[g->n++] = 0.0;
  for (i = 0; i < GRID_LOG; i++)
    g->f[g->n++] = lo * pow (top / lo, (double) i / (GRID_LOG - 1));
  /* the top of the band, where the prototype and a digital filter differ
   * most */
  for (i = 0; i < GRID_UPPER; i++)
    g->f[g->n++] = rate * (0.2 + (FIT_BAND - 0.2) * (i + 0.5) / GRID_UPPER);
  for (k = 0; k < ns; k++) {
    grid_add_dense (g, s[k].a, f0, top);
    grid_add_dense (g, s[k].b, f0, top);
  }
  /* above the scored band, up to just below Nyquist */
  for (i = 1; i <= GRID_TOP; i++)
    g->f[g->n++] = rate * (FIT_BAND + (0.4995 - FIT_BAND) * i / GRID_TOP);
  for (i = 0; i < g->n; i++) {
    double sx = sin (M_PI * g->f[i] / rate);
    g->x[i] = sx * sx;
    g->t2[i] = 1.0;
    for (k = 0; k < ns; k++)
      g->t2[i] *= section_mag2 (&s[k], g->f[i] / f0);
    g->scored[i] = g->f[i] <= top;
    g->w[i] = g->scored[i] ? 1.0 : 0.01;
  }
}

/* Matched-z image of the analogue polynomial c0 + c1 p + c2 p^2
 * (p = s / w0; w0t = w0 T): the monic digital polynomial
 * 1 + d[0] z^-1 + d[1] z^-2 whose roots are exp (p_k w0t).  *deg is its
 * degree.  -1 when a complex pair would alias (above Nyquist). */
static int
matched_quad (const double c[3], double w0t, double d[2], int *deg)
{
  d[0] = d[1] = 0.0;
  if (c[2] == 0.0) {
    *deg = c[1] != 0.0;
    if (*deg)
      d[0] = -exp (-c[0] / c[1] * w0t);
    return 0;
  }
  *deg = 2;
  {
    double re = -c[1] / (2.0 * c[2]);
    double disc = re * re - c[0] / c[2];
    if (disc >= 0.0) {
      double r1 = (re + sqrt (disc)) * w0t, r2 = (re - sqrt (disc)) * w0t;
      d[0] = -(exp (r1) + exp (r2));
      d[1] = exp (r1 + r2);
    } else {
      double im = sqrt (-disc) * w0t;
      if (im >= 0.999 * M_PI)
        return -1;
      d[0] = -2.0 * exp (re * w0t) * cos (im);
      d[1] = exp (2.0 * re * w0t);
    }
  }
  return 0;
}

/* Roots of c[0] + c[1] t + .. + c[d] t^d (c[d] != 0) by Durand-Kerner
 * iteration.  0, or -1 if it does not converge. */
static int
poly_roots (const double *c, int d, double complex *r)
{
  double complex z0 = 0.4 + 0.9 * I;
  double rad = 0.0;
  int i, j, it;

  for (i = 0; i < d; i++)
    rad = fmax (rad, pow (fabs (c[i] / c[d]), 1.0 / (d - i)));
  rad = fmin (fmax (rad, 1e-3), 1e6);
  for (i = 0; i < d; i++)
    r[i] = rad * cpow (z0, i);
  for (it = 0; it < 800; it++) {
    double change = 0.0;
    for (i = 0; i < d; i++) {
      double complex num = c[d], den = 1.0, dz;
      for (j = d - 1; j >= 0; j--)
        num = num * r[i] + c[j];
      num /= c[d];
      for (j = 0; j < d; j++)
        if (j != i)
          den *= r[i] - r[j];
      if (den == 0.0)
        den = 1e-30;
      dz = num / den;
      r[i] -= dz;
      change = fmax (change, cabs (dz) / (1e-300 + cabs (r[i])));
    }
    if (change < 1e-14)
      return 0;
  }
  /* clusters of close roots converge slowly: good enough */
  return 0;
}

/* A band under design: the grid and its fixed side. */
typedef struct
{
  Grid g;
  int inverse;                  /* fixed zeros, fitted poles */
  int dc_zeros;                 /* of the fitted side (high-pass) */
  unsigned nfix;                /* fixed quadratics */
  double fix[MST_EQ_MAX_SECTIONS][2];
  int fix_deg;                  /* total degree of the fixed side */
  double gv[GRID_MAX];          /* fixed side's |.|^2 on the grid */
  double xs;                    /* scale of x for the fit */
} Fit;

/* Set up the fixed side; -1 when it cannot be matched. */
static int
fit_init (Fit * ft, const Section * s, unsigned ns, double rate, double f0,
    int inverse)
{
  double w0t = 2.0 * M_PI * f0 / rate;
  unsigned k;
  int i;

  ft->inverse = inverse;
  ft->nfix = ns;
  ft->fix_deg = 0;
  ft->dc_zeros = 0;
  for (k = 0; k < ns; k++) {
    int deg;
    if (matched_quad (inverse ? s[k].b : s[k].a, w0t, ft->fix[k], &deg) < 0)
      return -1;
    ft->fix_deg += deg;
    if (!inverse)
      ft->dc_zeros += s[k].dc_zeros;
  }
  for (i = 0; i < ft->g.n; i++) {
    double v = 1.0, m[3], x = ft->g.x[i];
    for (k = 0; k < ns; k++) {
      mag2_poly (1.0, ft->fix[k][0], ft->fix[k][1], m);
      v *= m[0] + x * (m[1] + x * m[2]);
    }
    ft->gv[i] = v;
  }
  return 0;
}

/* Is F (coefficients c in t, degree d) positive on [0, 1]? */
static int
fmin01_ok (const Fit * ft, const double *c, int d)
{
  int i, j;

  for (i = 0; i <= 256; i++) {
    double t = (i / 256.0) / ft->xs, v = 0.0;
    for (j = d; j >= 0; j--)
      v = v * t + c[j];
    if (!(v > 0.0))
      return 0;
  }
  return 1;
}

/* Fit F (x) = x^m (c[0] + c[1] t + .. + c[d] t^d), t = x / xs, with
 * `lawson` reweighting passes.  Returns the largest relative error of the
 * best positive iterate (INFINITY if none), coefficients in c. */
static double
fit_side (const Fit * ft, int d, int lawson, double *c)
{
  const Grid *g = &ft->g;
  double mat[GRID_MAX * COLS_MAX], rhs[GRID_MAX], sol[COLS_MAX];
  double y[GRID_MAX], sc[GRID_MAX], lw[GRID_MAX], best = INFINITY;
  int cols = d + 1, m = ft->dc_zeros, i, j, it;

  for (i = 0; i < g->n; i++) {
    double xm = pow (g->x[i], m);
    if (ft->inverse) {
      y[i] = ft->gv[i] / g->t2[i];
      sc[i] = y[i];
    } else {
      y[i] = ft->gv[i] * g->t2[i];
      sc[i] = ft->gv[i] * fmax (g->t2[i], FIT_FLOOR);
    }
    /* fold x^m into the scale */
    y[i] /= xm;
    sc[i] /= xm;
    if (!(sc[i] > 0.0) || !isfinite (y[i] + sc[i]))
      return INFINITY;
    lw[i] = g->w[i];
  }
  for (it = 0; it <= lawson; it++) {
    double emax = 0.0, e[GRID_MAX], sum = 0.0, lifted[COLS_MAX];
    int lift, ok;
    for (i = 0; i < g->n; i++) {
      double t = g->x[i] / ft->xs, tp = 1.0, wi = lw[i] / sc[i];
      for (j = 0; j < cols; j++, tp *= t)
        mat[i * cols + j] = wi * tp;
      rhs[i] = wi * y[i];
    }
    if (lsq_solve (mat, rhs, g->n, cols, sol) < 0)
      return best;
    for (i = 0; i < g->n; i++) {
      double t = g->x[i] / ft->xs, v = 0.0;
      for (j = d; j >= 0; j--)
        v = v * t + sol[j];
      e[i] = fabs (v - y[i]) / sc[i];
      if (g->scored[i])
        emax = fmax (emax, e[i]);
    }
    /* F must be positive on [0, 1].  Where a fit dips below zero it is
     * far under the floor (near Nyquist): lift it there by a multiple of
     * t^d, which leaves the low frequencies alone. */
    memcpy (lifted, sol, sizeof (double) * cols);
    ok = 0;
    for (lift = 0; lift < 4; lift++) {
      double fmin01 = INFINITY, tmin = 1.0;
      for (i = 0; i < g->n + 64; i++) {
        double t = (i < g->n ? g->x[i] : (i - g->n + 1) / 64.0) / ft->xs;
        double v = 0.0;
        for (j = d; j >= 0; j--)
          v = v * t + lifted[j];
        if (v < fmin01)
          fmin01 = v, tmin = t;
      }
      if (fmin01 > 0.0) {
        ok = lift == 0 || fmin01_ok (ft, lifted, d);
        break;
      }
      if (tmin * ft->xs < 0.5)
        break;
      lifted[d] += (1e-300 - 2.0 * fmin01) / pow (tmin, d);
    }
    if (ok) {
      double el = 0.0;
      for (i = 0; i < g->n; i++) {
        double t = g->x[i] / ft->xs, v = 0.0;
        if (!g->scored[i])
          continue;
        for (j = d; j >= 0; j--)
          v = v * t + lifted[j];
        el = fmax (el, fabs (v - y[i]) / sc[i]);
      }
      if (el < best) {
        best = el;
        memcpy (c, lifted, sizeof (double) * cols);
      }
    }
    if (!(emax > 0.0) || !isfinite (emax))
      break;
    /* Lawson: the squared weight follows the error */
    for (i = 0; i < g->n; i++) {
      if (g->scored[i])
        lw[i] *= sqrt (e[i] / emax + 0.01);
      sum += lw[i];
    }
    for (i = 0; i < g->n; i++)
      lw[i] *= g->n / sum;
  }
  return best;
}

/* |H|^2 of n sections at x. */
static double
cascade_mag2 (const MstBiquad * c, unsigned n, double x)
{
  double r = 1.0, mb[3], ma[3];
  unsigned k;

  for (k = 0; k < n; k++) {
    mag2_poly (c[k].b0, c[k].b1, c[k].b2, mb);
    mag2_poly (1.0, c[k].a1, c[k].a2, ma);
    r *= (mb[0] + x * (mb[1] + x * mb[2])) / (ma[0] + x * (ma[1] + x * ma[2]));
  }
  return r;
}

/* Scale the cascade to centre its error on the grid; returns the error
 * (largest |ln| of |H|^2 over the prototype, points below FIT_FLOOR
 * counting only above it), INFINITY for unusable coefficients. */
static double
centre_gain (MstBiquad * c, unsigned n, const Grid * g)
{
  double rmin = INFINITY, rmax = 0.0, over = 0.0, k2, h2[GRID_MAX];
  int i;
  unsigned k;

  /* a factorisation that failed numerically: fmin and fmax below would
   * skip its NaN responses */
  for (k = 0; k < n; k++)
    if (!isfinite (c[k].b0) || !isfinite (c[k].b1) || !isfinite (c[k].b2)
        || !isfinite (c[k].a1) || !isfinite (c[k].a2))
      return INFINITY;
  for (i = 0; i < g->n; i++) {
    double r;
    if (!g->scored[i])
      continue;
    h2[i] = cascade_mag2 (c, n, g->x[i]);
    if (g->t2[i] < FIT_FLOOR)
      continue;
    r = h2[i] / g->t2[i];
    rmin = fmin (rmin, r);
    rmax = fmax (rmax, r);
  }
  if (!(rmin > 0.0) || !isfinite (rmax))
    return INFINITY;
  /* in logs: rmin * rmax underflows to 0 for a cut filter far above
   * Nyquist (every scored point deep in the stop band), and an infinite
   * k2 times a zero coefficient is NaN */
  k2 = exp (-0.5 * (log (rmin) + log (rmax)));
  if (!isfinite (k2))
    return INFINITY;
  for (i = 0; i < g->n; i++)
    if (g->scored[i] && g->t2[i] < FIT_FLOOR)
      over = fmax (over, log (h2[i] * k2 / FIT_FLOOR));
  k2 = sqrt (k2);
  c[0].b0 *= k2;
  c[0].b1 *= k2;
  c[0].b2 *= k2;
  return fmax (0.5 * log (rmax / rmin), over);
}

/* Factor the fitted polynomial (coefficients c in t, degree d, times
 * x^dc_zeros) into monic quadratics q[][2] (1 + q0 z^-1 + q1 z^-2);
 * returns their number or -1.  Roots are paired with their nearest
 * conjugate (clusters of near-double roots need not come out as exact
 * pairs). */
static int
factor_side (const Fit * ft, const double *c, int d, double q[][2])
{
  double complex r[DEG_MAX], z[DEG_MAX + 2 * MST_EQ_MAX_ORDER];
  double big = 0.0;
  int nz = 0, nq = 0, i, j, dd = d;

  /* drop negligible leading terms (compared at Nyquist, t = 1 / xs) */
  for (i = 0; i <= d; i++)
    big = fmax (big, fabs (c[i]) * pow (1.0 / ft->xs, i));
  while (dd > 0 && fabs (c[dd]) * pow (1.0 / ft->xs, dd) <= 1e-13 * big)
    dd--;
  if (dd > 0 && poly_roots (c, dd, r) < 0)
    return -1;
  for (i = 0; i < dd; i++) {
    double complex xr = r[i] * ft->xs, cc = 1.0 - 2.0 * xr;
    double complex sq = csqrt (cc * cc - 1.0), z1 = cc + sq, z2 = cc - sq;
    z[nz++] = cabs (z1) <= cabs (z2) ? z1 : z2;
  }
  for (i = 0; i < ft->dc_zeros; i++)
    z[nz++] = 1.0;
  while (nz > 0) {
    int bi = 0, bj = -1;
    double complex a, b;
    for (i = 1; i < nz; i++)
      if (fabs (cimag (z[i])) > fabs (cimag (z[bi])))
        bi = i;
    a = z[bi];
    z[bi] = z[--nz];
    for (j = 0; j < nz; j++)
      if (bj < 0 || cabs (z[j] - conj (a)) < cabs (z[bj] - conj (a)))
        bj = j;
    if (bj < 0) {
      q[nq][0] = -creal (a);
      q[nq][1] = 0.0;
    } else {
      b = z[bj];
      z[bj] = z[--nz];
      q[nq][0] = -creal (a + b);
      q[nq][1] = creal (a * b);
    }
    if (!isfinite (q[nq][0] + q[nq][1]))
      return -1;
    nq++;
  }
  return nq;
}

/* Angle of the roots of 1 + q0 z^-1 + q1 z^-2, for pairing. */
static double
quad_angle (const double q[2])
{
  double disc = q[0] * q[0] - 4.0 * q[1];

  if (disc >= 0.0)
    return q[0] > 0.0 ? M_PI : 0.0;
  return atan2 (sqrt (-disc), -q[0]);
}

/* One candidate design with `extra` sections beyond the prototype's;
 * returns its error (INFINITY when it fails), sections in sec. */
static double
fit_design (MstBiquad * sec, unsigned *nsec, const Fit * ft, int extra,
    int lawson)
{
  double c[COLS_MAX], q[DEG_MAX + 2 * MST_EQ_MAX_ORDER][2],
      fa[MST_EQ_MAX_SECTIONS], qa[DEG_MAX + 2 * MST_EQ_MAX_ORDER];
  int d = ft->fix_deg + 2 * extra - ft->dc_zeros, nq, i, j;
  int used[DEG_MAX + 2 * MST_EQ_MAX_ORDER];
  unsigned n, k;

  if (d < 0 || d > DEG_MAX)
    return INFINITY;
  if (!isfinite (fit_side (ft, d, lawson, c)))
    return INFINITY;
  nq = factor_side (ft, c, d, q);
  if (nq < 0)
    return INFINITY;
  n = (unsigned) nq > ft->nfix ? (unsigned) nq : ft->nfix;
  if (n > MST_EQ_MAX_SECTIONS)
    return INFINITY;
  /* pair the fixed quadratics with the fitted ones of nearest angle */
  for (i = 0; i < nq; i++) {
    used[i] = 0;
    qa[i] = quad_angle (q[i]);
  }
  for (k = 0; k < ft->nfix; k++)
    fa[k] = quad_angle (ft->fix[k]);
  for (k = 0; k < n; k++) {
    double fq[2] = { 0.0, 0.0 }, pq[2] = { 0.0, 0.0 };
    if (k < ft->nfix) {
      int bj = -1;
      fq[0] = ft->fix[k][0];
      fq[1] = ft->fix[k][1];
      for (j = 0; j < nq; j++)
        if (!used[j] && (bj < 0 || fabs (qa[j] - fa[k]) < fabs (qa[bj] -
                    fa[k])))
          bj = j;
      if (bj >= 0) {
        used[bj] = 1;
        pq[0] = q[bj][0];
        pq[1] = q[bj][1];
      }
    } else {
      for (j = 0; j < nq && used[j]; j++);
      if (j < nq) {
        used[j] = 1;
        pq[0] = q[j][0];
        pq[1] = q[j][1];
      }
    }
    if (ft->inverse) {
      sec[k].b0 = 1.0, sec[k].b1 = fq[0], sec[k].b2 = fq[1];
      sec[k].a1 = pq[0], sec[k].a2 = pq[1];
    } else {
      sec[k].b0 = 1.0, sec[k].b1 = pq[0], sec[k].b2 = pq[1];
      sec[k].a1 = fq[0], sec[k].a2 = fq[1];
    }
    if (!(fabs (sec[k].a2) < 1.0 - 1e-12) ||
        !(fabs (sec[k].a1) < 1.0 + sec[k].a2))
      return INFINITY;
  }
  *nsec = n;
  return centre_gain (sec, n, &ft->g);
}

/* Pre-warped bilinear design of every section: the fallback. */
static int
bilinear_design (MstBiquad * sec, const Section * s, unsigned ns, double rate,
    double f0)
{
  double f = fmin (f0, 0.49 * rate), k1 = tan (M_PI * f / rate);
  unsigned k;

  for (k = 0; k < ns; k++) {
    const double *b = s[k].b, *a = s[k].a;
    if (b[2] == 0.0 && a[2] == 0.0) {
      /* first order: p = (1 - z^-1) / (k1 (1 + z^-1)) */
      double a0 = a[0] * k1 + a[1];
      sec[k].b0 = (b[0] * k1 + b[1]) / a0;
      sec[k].b1 = (b[0] * k1 - b[1]) / a0;
      sec[k].b2 = 0.0;
      sec[k].a1 = (a[0] * k1 - a[1]) / a0;
      sec[k].a2 = 0.0;
    } else if (mst_biquad_from_analog (&sec[k], rate, f, b, a) != MST_OK) {
      return MST_ERR_INVAL;
    }
  }
  return MST_OK;
}

/* Error aim of a band in nepers of |H|^2 (0.05 dB): extra sections are
 * added only while the design misses it. */
#define BAND_AIM (0.05 * M_LN10 / 10.0)
#define LAWSON_FULL 10
#define LAWSON_QUICK 2

/* Natural frequency of c0 + c1 p + c2 p^2 relative to w0 (0: none). */
static double
quad_freq (const double c[3])
{
  if (c[2] != 0.0 && c[0] != 0.0)
    return sqrt (c[0] / c[2]);
  if (c[1] != 0.0 && c[0] != 0.0)
    return c[0] / c[1];
  return 0.0;
}

/* quick: one candidate only (used while gliding). */
static int
design_band_sections (MstBiquad * sec, unsigned *n, MstEqType type,
    double rate, double freq, double gain_db, double q, unsigned order,
    int quick)
{
  Section s[MST_EQ_MAX_SECTIONS];
  Fit ft;
  MstBiquad cand[MST_EQ_MAX_SECTIONS];
  double best = INFINITY;
  unsigned ns, nc = 0;
  int modes[2], nmodes = 1, mi, extra;

  ns = prototype_sections (s, type, gain_db, q, order);
  if (ns == 0) {
    *n = 0;
    return MST_OK;
  }
  make_grid (&ft.g, s, ns, rate, freq);
  ft.xs = sin (M_PI * fmin (freq, FIT_BAND * rate) / rate);
  ft.xs *= ft.xs;

  /* which side to match: the poles for cut filters and boosts of a peak;
   * for a cut of a peak the (sharper) zeros; for shelves and tilt the side
   * with the lower natural frequency.  The other side is tried too. */
  modes[0] = 0;
  modes[1] = 1;
  if (type == MST_EQ_HIGH_PASS)
    nmodes = 2;
  if (mst_eq_type_has_gain (type)) {
    if (type == MST_EQ_PEAK)
      modes[0] = gain_db < 0.0;
    else
      modes[0] = quad_freq (s[0].b) < quad_freq (s[0].a);
    modes[1] = !modes[0];
    nmodes = 2;
  }
  for (extra = 0; extra <= MST_EQ_MAX_SECTIONS; extra++) {
    for (mi = 0; mi < nmodes; mi++) {
      double e;
      if (fit_init (&ft, s, ns, rate, freq, modes[mi]) < 0)
        continue;
      e = fit_design (cand, &nc, &ft, extra, quick ? LAWSON_QUICK :
          LAWSON_FULL);
      if (e < best) {
        best = e;
        memcpy (sec, cand, sizeof (cand[0]) * nc);
        *n = nc;
      }
      if (quick && isfinite (best))
        return MST_OK;
    }
    if (best <= BAND_AIM || ft.fix_deg + 2 * extra >= DEG_MAX)
      break;
  }
  if (isfinite (best))
    return MST_OK;
  *n = ns;
  return bilinear_design (sec, s, ns, rate, freq);
}

int
mst_eq_design (MstBiquad * sec, unsigned *n, MstEqType type, double rate,
    double freq, double gain_db, double q, unsigned order)
{
  if (!(rate >= MST_RATE_MIN && rate <= MST_RATE_MAX) ||
      !(freq >= MST_EQ_FREQ_MIN && freq <= MST_EQ_FREQ_MAX) ||
      !(gain_db >= MST_EQ_GAIN_MIN && gain_db <= MST_EQ_GAIN_MAX) ||
      !(q >= MST_EQ_Q_MIN && q <= MST_EQ_Q_MAX) ||
      order < 1 || order > MST_EQ_MAX_ORDER || (unsigned) type > MST_EQ_TILT)
    return MST_ERR_INVAL;
  return design_band_sections (sec, n, type, rate, freq, gain_db, q, order, 0);
}

/* ======================================================================
 * Processor
 * ====================================================================== */

#include "kweight.h"

/* Two channels (a stereo pair, or M and S) in one vector. */
typedef double v2d __attribute__((vector_size (16)));

typedef struct
{
  v2d b0, b1, b2, a1, a2;
} Coef2;

typedef struct
{
  v2d x1, x2, y1, y2;
} State2;

/* Frames per block of the work buffer; while something glides, sections
 * are redesigned every GLIDE_BLOCK frames (scaled up with the rate). */
#define WORK_FRAMES 1024
#define GLIDE_BLOCK 32
#define PAIRS_MAX ((MST_CHANNELS_MAX + 1) / 2)
/* Parameter changes smaller than this (dB, or natural log of Hz / q)
 * finish the glide. */
#define SNAP 1e-4

/* One band of the processor.
 *   set       the user settings (targets);
 *   type, order, channels
 *             the shape that runs now (a change of these crossfades
 *             through amount = 0);
 *   lf, gain, lq
 *             running values: ln (freq), gain in dB (0 when the band is
 *             off), ln (q); they glide to the targets;
 *   amount    0..1, output crossfade of the band against its input (cut
 *             filters switching in or out, shape changes);
 *   nsec, sec the sections designed from the running values (nsec 0:
 *             the band is the identity);
 *   st        section states: st[k][pair], lanes as in the work buffer;
 *   designed  the running values have sections;
 *   quick     they are a quick (in-glide) design, to be redone in full
 *             when the glide arrives;
 *   prev, prev_amount
 *             sections and amount in use at the end of the last block:
 *             while gliding, each block ramps the coefficients sample by
 *             sample from prev to sec (padded with identity sections to
 *             the same count; the stability triangle is convex, so every
 *             intermediate section is stable). */
typedef struct
{
  MstEqBand set;
  MstEqType type;
  unsigned order;
  MstEqChannels channels;
  double lf, gain, lq, amount;
  unsigned nsec;
  MstBiquad sec[MST_EQ_MAX_SECTIONS];
  State2 st[MST_EQ_MAX_SECTIONS][PAIRS_MAX];
  int designed, quick;
  MstBiquad prev[MST_EQ_MAX_SECTIONS];
  double prev_amount;
} Band;

/* The processor:
 *   rate, channels  stream format;
 *   nbands          active bands (user setting);
 *   band            all MST_EQ_MAX_BANDS bands (inactive ones fade out);
 *   glide_coef      smoothing coefficient per glide block (0: none);
 *   out_db          output gain setting; auto_gain on/off;
 *   gain_db         applied gain now (output + auto), glides;
 *   curve_db        loudness change of the running curve (for auto gain);
 *   kw              K-weighting for the auto gain;
 *   work            de-interleaved pairs of the current block. */
struct MstEq
{
  unsigned rate, channels;
  unsigned nbands;
  Band band[MST_EQ_MAX_BANDS];
  double glide_ms, glide_coef;
  unsigned glide_block;
  double out_db, gain_db, curve_db;
  int auto_gain;
  MstKWeight kw;
  v2d work[PAIRS_MAX][WORK_FRAMES];
  v2d dry[WORK_FRAMES];
};

void
mst_eq_band_init (MstEqBand * b)
{
  b->type = MST_EQ_PEAK;
  b->freq = 1000.0;
  b->gain_db = 0.0;
  b->q = M_SQRT1_2;
  b->order = 2;
  b->channels = MST_EQ_STEREO;
  b->bypass = 0;
}

static int
band_valid (const MstEqBand * b)
{
  return (unsigned) b->type <= MST_EQ_TILT &&
      b->freq >= MST_EQ_FREQ_MIN && b->freq <= MST_EQ_FREQ_MAX &&
      b->gain_db >= MST_EQ_GAIN_MIN && b->gain_db <= MST_EQ_GAIN_MAX &&
      b->q >= MST_EQ_Q_MIN && b->q <= MST_EQ_Q_MAX &&
      b->order >= 1 && b->order <= MST_EQ_MAX_ORDER &&
      (unsigned) b->channels <= MST_EQ_RIGHT;
}

/* Is band i switched on by the settings? */
static int
band_on (const MstEq * eq, unsigned i)
{
  return i < eq->nbands && !eq->band[i].set.bypass;
}

static void
band_snap (MstEq * eq, unsigned i)
{
  Band *b = &eq->band[i];
  int on = band_on (eq, i);

  b->type = b->set.type;
  b->order = b->set.order;
  b->channels = b->set.channels;
  b->lf = log (b->set.freq);
  b->lq = log (b->set.q);
  b->gain = on && mst_eq_type_has_gain (b->type) ? b->set.gain_db : 0.0;
  b->amount = on || mst_eq_type_has_gain (b->type) ? 1.0 : 0.0;
  b->designed = 0;
}

static void
reset_states (Band * b)
{
  memset (b->st, 0, sizeof (b->st));
}

/* quick: a cheaper design for the intermediate steps of a glide (one
 * candidate, the prototype's number of sections); the full design is made
 * when the glide arrives. */
static void
design_band (MstEq * eq, Band * b, int quick)
{
  MstBiquad sec[MST_EQ_MAX_SECTIONS];
  unsigned n, was = b->nsec;
  double f = fmin (fmax (exp (b->lf), MST_EQ_FREQ_MIN), MST_EQ_FREQ_MAX);
  double q = fmin (fmax (exp (b->lq), MST_EQ_Q_MIN), MST_EQ_Q_MAX);

  if (design_band_sections (sec, &n, b->type, eq->rate, f, b->gain, q,
          b->order, quick) == MST_OK) {
    unsigned k;
    /* sections that did not run start as the identity, from rest (exact:
     * the identity ignores its state) */
    for (k = was; k < n; k++) {
      memset (b->st[k], 0, sizeof (b->st[k]));
      mst_biquad_set_identity (&b->prev[k]);
    }
    /* sections that are no longer needed ramp to the identity */
    for (k = n; k < was; k++)
      mst_biquad_set_identity (&sec[k]);
    n = n > was ? n : was;
    memcpy (b->sec, sec, sizeof (sec[0]) * n);
    b->nsec = n;
  }
  b->designed = 1;
  b->quick = quick;
}

static double
glide_to (double x, double target, double coef, int *moving)
{
  double d = target - x;

  if (fabs (d) < SNAP || coef >= 1.0)
    return target;
  *moving = 1;
  return x + coef * d;
}

static double
applied_gain_target (const MstEq * eq)
{
  return eq->out_db + (eq->auto_gain ? -eq->curve_db : 0.0);
}

static void end_ramps (MstEq * eq);

/* Loudness change of the running curve (see mst_eq_curve_loudness_db). */
static double curve_loudness (const Band * const *bands, unsigned n,
    double rate, const MstKWeight * kw);

static void
update_curve (MstEq * eq)
{
  const Band *bl[MST_EQ_MAX_BANDS];
  unsigned i;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++)
    bl[i] = &eq->band[i];
  eq->curve_db = curve_loudness (bl, MST_EQ_MAX_BANDS, eq->rate, &eq->kw);
}

/* Advance every glide by one glide block; returns TRUE while something
 * still moves. */
static int
step_glides (MstEq * eq)
{
  double c = eq->glide_coef;
  int moving = 0, changed = 0;
  unsigned i;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    Band *b = &eq->band[i];
    int on = band_on (eq, i), shape_change, m = 0;
    double lf = b->lf, lq = b->lq, gain = b->gain, amount = b->amount;
    double amount_target, gain_target;

    shape_change = b->type != b->set.type || b->order != b->set.order ||
        b->channels != b->set.channels;
    if (shape_change && (b->amount == 0.0 || (b->nsec == 0 &&
                mst_eq_type_has_gain (b->type)))) {
      /* the old shape is silent: switch, starting from neutral */
      b->type = b->set.type;
      b->order = b->set.order;
      b->channels = b->set.channels;
      b->lf = log (b->set.freq);
      b->lq = log (b->set.q);
      b->gain = 0.0;
      b->amount = mst_eq_type_has_gain (b->type) ? 1.0 : 0.0;
      b->nsec = 0;
      reset_states (b);
      b->designed = 0;
      shape_change = 0;
      lf = b->lf, lq = b->lq, gain = b->gain, amount = b->amount;
      changed = 1;
    }

    if (mst_eq_type_has_gain (b->type)) {
      gain_target = on && !shape_change ? b->set.gain_db : 0.0;
      amount_target = 1.0;
    } else {
      gain_target = 0.0;
      amount_target = on && !shape_change ? 1.0 : 0.0;
    }
    b->lf = glide_to (b->lf, log (b->set.freq), c, &m);
    b->lq = glide_to (b->lq, log (b->set.q), c, &m);
    b->gain = glide_to (b->gain, gain_target, c, &m);
    /* the crossfade is linear in amplitude: glide it faster in dB-like
     * terms would click, so it uses the same smoothing */
    b->amount = glide_to (b->amount, amount_target, c, &m);
    if (fabs (b->amount - amount_target) < 1e-3)
      b->amount = amount_target;
    moving |= m || shape_change;
    if (lf != b->lf || lq != b->lq || gain != b->gain || !b->designed ||
        (amount == 0.0 && b->amount > 0.0) || (b->quick && !m)) {
      if (mst_eq_type_has_gain (b->type) || b->amount > 0.0)
        design_band (eq, b, m);
      else
        b->designed = 1, b->quick = 0;  /* silent: nothing to design */
      changed = 1;
    }
    if (amount != b->amount)
      changed = 1;
  }
  if (changed)
    update_curve (eq);
  {
    int m = 0;
    eq->gain_db = glide_to (eq->gain_db, applied_gain_target (eq), c, &m);
    moving |= m;
  }
  return moving;
}

MstEq *
mst_eq_new (unsigned rate, unsigned channels)
{
  MstEq *eq;
  unsigned i;

  if (rate < MST_RATE_MIN || rate > MST_RATE_MAX || channels < 1 ||
      channels > MST_CHANNELS_MAX)
    return NULL;
  eq = calloc (1, sizeof (*eq));
  if (!eq)
    return NULL;
  eq->rate = rate;
  eq->channels = channels;
  if (mst_kweight_design (&eq->kw, rate) != MST_OK) {
    free (eq);
    return NULL;
  }
  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    mst_eq_band_init (&eq->band[i].set);
    band_snap (eq, i);
  }
  eq->glide_block = GLIDE_BLOCK * ((rate + 47999) / 48000);
  mst_eq_set_glide (eq, 10.0);
  mst_eq_reset (eq);
  return eq;
}

void
mst_eq_free (MstEq * eq)
{
  free (eq);
}

void
mst_eq_reset (MstEq * eq)
{
  unsigned i;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    Band *b = &eq->band[i];
    band_snap (eq, i);
    b->nsec = 0;
    reset_states (b);
    if (b->amount > 0.0)
      design_band (eq, b, 0);
    else
      b->designed = 1;
  }
  end_ramps (eq);
  update_curve (eq);
  eq->gain_db = applied_gain_target (eq);
}

void
mst_eq_set_glide (MstEq * eq, double ms)
{
  eq->glide_ms = ms;
  if (ms <= 0.0)
    eq->glide_coef = 1.0;
  else
    eq->glide_coef = 1.0 - exp (-(double) eq->glide_block /
        (ms * 1e-3 * eq->rate));
}

int
mst_eq_set_num_bands (MstEq * eq, unsigned n)
{
  if (n > MST_EQ_MAX_BANDS)
    return MST_ERR_INVAL;
  eq->nbands = n;
  return MST_OK;
}

int
mst_eq_set_band (MstEq * eq, unsigned i, const MstEqBand * band)
{
  if (i >= MST_EQ_MAX_BANDS || !band_valid (band))
    return MST_ERR_INVAL;
  eq->band[i].set = *band;
  eq->band[i].set.bypass = band->bypass ? 1 : 0;
  return MST_OK;
}

void
mst_eq_get_band (const MstEq * eq, unsigned i, MstEqBand * band)
{
  if (i < MST_EQ_MAX_BANDS)
    *band = eq->band[i].set;
}

int
mst_eq_set_output_gain (MstEq * eq, double db)
{
  if (!(db >= -24.0 && db <= 24.0))
    return MST_ERR_INVAL;
  eq->out_db = db;
  return MST_OK;
}

void
mst_eq_set_auto_gain (MstEq * eq, int enable)
{
  eq->auto_gain = enable ? 1 : 0;
}

double
mst_eq_auto_gain_db (const MstEq * eq)
{
  return eq->auto_gain ? -eq->curve_db : 0.0;
}

/* Does anything differ from the settings, or does a band run? */
static int
settled (const MstEq * eq)
{
  unsigned i;

  if (eq->gain_db != applied_gain_target (eq))
    return 0;
  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    const Band *b = &eq->band[i];
    int on = band_on (eq, i);
    if (b->type != b->set.type || b->order != b->set.order ||
        b->channels != b->set.channels || !b->designed)
      return 0;
    if (b->lf != log (b->set.freq) || b->lq != log (b->set.q))
      return 0;
    if (mst_eq_type_has_gain (b->type)) {
      if (b->gain != (on ? b->set.gain_db : 0.0))
        return 0;
    } else if (b->amount != (on ? 1.0 : 0.0)) {
      return 0;
    }
  }
  return 1;
}

int
mst_eq_is_passthrough (const MstEq * eq)
{
  unsigned i;

  if (!settled (eq) || eq->gain_db != 0.0)
    return 0;
  for (i = 0; i < MST_EQ_MAX_BANDS; i++)
    if (eq->band[i].nsec > 0 && eq->band[i].amount > 0.0)
      return 0;
  return 1;
}

/* ---- inner loops ------------------------------------------------------ */

/* One section over `frames` vectors in place, its state in registers. */
static void
run_one (const Coef2 * c, State2 * s, v2d * w, size_t frames)
{
  const v2d b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
  v2d x1 = s->x1, x2 = s->x2, y1 = s->y1, y2 = s->y2;
  size_t i;

  for (i = 0; i < frames; i++) {
    v2d x = w[i];
    v2d y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    x2 = x1, x1 = x, y2 = y1, y1 = y;
    w[i] = y;
  }
  s->x1 = x1, s->x2 = x2, s->y1 = y1, s->y2 = y2;
}

/* Two sections in series, both in registers: their recursions overlap. */
static void
run_two (const Coef2 * c, State2 * s, v2d * w, size_t frames)
{
  const v2d b0 = c[0].b0, b1 = c[0].b1, b2 = c[0].b2, a1 = c[0].a1;
  const v2d a2 = c[0].a2, d0 = c[1].b0, d1 = c[1].b1, d2 = c[1].b2;
  const v2d e1 = c[1].a1, e2 = c[1].a2;
  v2d x1 = s[0].x1, x2 = s[0].x2, y1 = s[0].y1, y2 = s[0].y2;
  v2d u1 = s[1].x1, u2 = s[1].x2, z1 = s[1].y1, z2 = s[1].y2;
  size_t i;

  for (i = 0; i < frames; i++) {
    v2d x = w[i];
    v2d y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    v2d z = d0 * y + d1 * u1 + d2 * u2 - e2 * z2 - e1 * z1;
    x2 = x1, x1 = x, y2 = y1, y1 = y;
    u2 = u1, u1 = y, z2 = z1, z1 = z;
    w[i] = z;
  }
  s[0].x1 = x1, s[0].x2 = x2, s[0].y1 = y1, s[0].y2 = y2;
  s[1].x1 = u1, s[1].x2 = u2, s[1].y1 = z1, s[1].y2 = z2;
}

/* n sections in series over `frames` vectors in place: section by section
 * (pairs at once), which is the per-frame cascade's arithmetic exactly,
 * with the states in registers. */
static void
run_cascade (const Coef2 * c, State2 * s, unsigned n, v2d * w, size_t frames)
{
  unsigned k = 0;

  for (; k + 1 < n; k += 2)
    run_two (c + k, s + k, w, frames);
  if (k < n)
    run_one (c + k, s + k, w, frames);
}

static v2d
splat2 (double a, double b)
{
  v2d v = { a, b };
  return v;
}

/* Coefficients of section k of band b for the lanes that it filters. */
static void
lane_coefs (Coef2 * c, const MstBiquad * s, int lane0, int lane1)
{
  c->b0 = splat2 (lane0 ? s->b0 : 1.0, lane1 ? s->b0 : 1.0);
  c->b1 = splat2 (lane0 ? s->b1 : 0.0, lane1 ? s->b1 : 0.0);
  c->b2 = splat2 (lane0 ? s->b2 : 0.0, lane1 ? s->b2 : 0.0);
  c->a1 = splat2 (lane0 ? s->a1 : 0.0, lane1 ? s->a1 : 0.0);
  c->a2 = splat2 (lane0 ? s->a2 : 0.0, lane1 ? s->a2 : 0.0);
}

static void
flush_state (State2 * s)
{
  unsigned l;

  for (l = 0; l < 2; l++) {
    s->x1[l] = mst_flush_denormal (s->x1[l]);
    s->x2[l] = mst_flush_denormal (s->x2[l]);
    s->y1[l] = mst_flush_denormal (s->y1[l]);
    s->y2[l] = mst_flush_denormal (s->y2[l]);
  }
}

/* Run the bands of one domain (ms = 0: L/R, 1: M/S) on pair p. */
static void
run_domain (MstEq * eq, unsigned p, int ms, size_t frames)
{
  Coef2 c[MST_EQ_MAX_BANDS * MST_EQ_MAX_SECTIONS];
  State2 s[MST_EQ_MAX_BANDS * MST_EQ_MAX_SECTIONS];
  State2 *owner[MST_EQ_MAX_BANDS * MST_EQ_MAX_SECTIONS];
  unsigned n = 0, i, k, j;
  v2d *w = eq->work[p];

  for (i = 0; i <= MST_EQ_MAX_BANDS; i++) {
    Band *b = i < MST_EQ_MAX_BANDS ? &eq->band[i] : NULL;
    int l0 = 0, l1 = 0, partial;

    if (b) {
      if (b->nsec == 0 || b->amount <= 0.0)
        continue;
      switch (b->channels) {
        case MST_EQ_STEREO:
          l0 = l1 = !ms;
          break;
        case MST_EQ_LEFT:
          l0 = !ms && p == 0;
          break;
        case MST_EQ_RIGHT:
          l1 = !ms && p == 0;
          break;
        case MST_EQ_MID:
          l0 = ms;
          break;
        case MST_EQ_SIDE:
          l1 = ms;
          break;
      }
      if (!l0 && !l1)
        continue;
    }
    partial = b && b->amount < 1.0;
    /* run what is queued before a partial band and at the end */
    if ((partial || !b) && n > 0) {
      run_cascade (c, s, n, w, frames);
      for (j = 0; j < n; j++) {
        flush_state (&s[j]);
        *owner[j] = s[j];
      }
      n = 0;
    }
    if (!b)
      break;
    for (k = 0; k < b->nsec; k++) {
      lane_coefs (&c[n], &b->sec[k], l0, l1);
      s[n] = b->st[k][p];
      owner[n++] = &b->st[k][p];
    }
    if (partial) {
      v2d a = splat2 (l0 ? b->amount : 0.0, l1 ? b->amount : 0.0);
      memcpy (eq->dry, w, sizeof (v2d) * frames);
      run_cascade (c, s, n, w, frames);
      for (j = 0; j < frames; j++)
        w[j] = eq->dry[j] + a * (w[j] - eq->dry[j]);
      for (j = 0; j < n; j++) {
        flush_state (&s[j]);
        *owner[j] = s[j];
      }
      n = 0;
    }
  }
}

/* Which lanes of pair p band b filters in domain ms (0: L/R, 1: M/S). */
static void
band_lanes (const Band * b, unsigned p, int ms, int *l0, int *l1)
{
  *l0 = *l1 = 0;
  switch (b->channels) {
    case MST_EQ_STEREO:
      *l0 = *l1 = !ms;
      break;
    case MST_EQ_LEFT:
      *l0 = !ms && p == 0;
      break;
    case MST_EQ_RIGHT:
      *l1 = !ms && p == 0;
      break;
    case MST_EQ_MID:
      *l0 = ms;
      break;
    case MST_EQ_SIDE:
      *l1 = ms;
      break;
  }
}

/* The gliding form of run_domain (): band by band, coefficients and
 * crossfade ramped sample by sample from the previous block's values. */
static void
run_domain_ramp (MstEq * eq, unsigned p, int ms, size_t frames)
{
  v2d *w = eq->work[p];
  const double inv = 1.0 / frames;
  unsigned i, k;
  size_t j;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    Band *b = &eq->band[i];
    Coef2 c[MST_EQ_MAX_SECTIONS], d[MST_EQ_MAX_SECTIONS];
    State2 s[MST_EQ_MAX_SECTIONS];
    int l0, l1, mix;
    unsigned n = b->nsec;
    v2d a0, da;

    if (n == 0 || (b->amount <= 0.0 && b->prev_amount <= 0.0))
      continue;
    band_lanes (b, p, ms, &l0, &l1);
    if (!l0 && !l1)
      continue;
    for (k = 0; k < n; k++) {
      Coef2 e;
      lane_coefs (&c[k], &b->prev[k], l0, l1);
      lane_coefs (&e, &b->sec[k], l0, l1);
      d[k].b0 = (e.b0 - c[k].b0) * inv;
      d[k].b1 = (e.b1 - c[k].b1) * inv;
      d[k].b2 = (e.b2 - c[k].b2) * inv;
      d[k].a1 = (e.a1 - c[k].a1) * inv;
      d[k].a2 = (e.a2 - c[k].a2) * inv;
      s[k] = b->st[k][p];
    }
    mix = b->amount < 1.0 || b->prev_amount < 1.0;
    a0 = splat2 (l0 ? b->prev_amount : 0.0, l1 ? b->prev_amount : 0.0);
    da = splat2 (l0 ? (b->amount - b->prev_amount) * inv : 0.0,
        l1 ? (b->amount - b->prev_amount) * inv : 0.0);
    for (j = 0; j < frames; j++) {
      v2d x = w[j], v = x;
      for (k = 0; k < n; k++) {
        Coef2 *ck = &c[k];
        State2 *st = &s[k];
        v2d y;
        ck->b0 += d[k].b0;
        ck->b1 += d[k].b1;
        ck->b2 += d[k].b2;
        ck->a1 += d[k].a1;
        ck->a2 += d[k].a2;
        y = ck->b0 * v + ck->b1 * st->x1 + ck->b2 * st->x2 -
            ck->a2 * st->y2 - ck->a1 * st->y1;
        st->x2 = st->x1;
        st->x1 = v;
        st->y2 = st->y1;
        st->y1 = y;
        v = y;
      }
      if (mix) {
        a0 += da;
        v = x + a0 * (v - x);
      }
      w[j] = v;
    }
    for (k = 0; k < n; k++) {
      flush_state (&s[k]);
      b->st[k][p] = s[k];
    }
  }
}

/* After a block: what ran becomes the start of the next ramp; bands that
 * ended as the identity stop running. */
static void
end_ramps (MstEq * eq)
{
  unsigned i, k;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    Band *b = &eq->band[i];
    int identity = 1;
    for (k = 0; k < b->nsec; k++) {
      const MstBiquad *c = &b->sec[k];
      b->prev[k] = *c;
      if (c->b0 != 1.0 || c->b1 != 0.0 || c->b2 != 0.0 || c->a1 != 0.0 ||
          c->a2 != 0.0)
        identity = 0;
    }
    b->prev_amount = b->amount;
    if (identity || (b->amount <= 0.0 && !mst_eq_type_has_gain (b->type))) {
      /* the identity, or a cut filter faded out: stop running it */
      b->nsec = 0;
      reset_states (b);
    }
  }
}

static int
has_ms_bands (const MstEq * eq)
{
  unsigned i;

  for (i = 0; i < MST_EQ_MAX_BANDS; i++) {
    const Band *b = &eq->band[i];
    if (b->nsec > 0 && (b->amount > 0.0 || b->prev_amount > 0.0) &&
        (b->channels == MST_EQ_MID || b->channels == MST_EQ_SIDE))
      return 1;
  }
  return 0;
}

static void
process_chunk (MstEq * eq, size_t frames, int ramp)
{
  unsigned p, pairs = (eq->channels + 1) / 2;
  size_t i;
  void (*run) (MstEq *, unsigned, int, size_t) = ramp ? run_domain_ramp :
      run_domain;

  for (p = 0; p < pairs; p++)
    run (eq, p, 0, frames);
  if (has_ms_bands (eq)) {
    v2d *w = eq->work[0];
    if (eq->channels >= 2) {
      const v2d half = { 0.5, 0.5 };
      for (i = 0; i < frames; i++) {
        v2d v = w[i], e = { v[0] + v[1], v[0] - v[1] };
        w[i] = e * half;
      }
    }
    run (eq, 0, 1, frames);
    if (eq->channels >= 2) {
      for (i = 0; i < frames; i++) {
        v2d v = w[i], d = { v[0] + v[1], v[0] - v[1] };
        w[i] = d;
      }
    }
  }
  if (ramp)
    end_ramps (eq);
}

#define DEFINE_PROCESS(fmt, T)                                                \
void                                                                          \
mst_eq_process_##fmt (MstEq *eq, T *x, size_t frames)                         \
{                                                                             \
  unsigned ch = eq->channels, pairs = (ch + 1) / 2, p, l;                     \
                                                                              \
  while (frames > 0) {                                                        \
    size_t n = frames < WORK_FRAMES ? frames : WORK_FRAMES, i;                \
    double g0, g1;                                                            \
    int gliding;                                                              \
                                                                              \
    if (mst_eq_is_passthrough (eq))                                           \
      return;                                                                 \
    gliding = !settled (eq);                                                  \
    if (gliding) {                                                            \
      if (n > eq->glide_block)                                                \
        n = eq->glide_block;                                                  \
      g0 = mst_db_to_lin (eq->gain_db);                                       \
      step_glides (eq);                                                       \
      g1 = mst_db_to_lin (eq->gain_db);                                       \
    } else {                                                                  \
      g0 = g1 = mst_db_to_lin (eq->gain_db);                                  \
    }                                                                         \
    for (p = 0; p < pairs; p++) {                                             \
      v2d *w = eq->work[p];                                                   \
      unsigned c0 = 2 * p, c1 = 2 * p + 1;                                    \
      for (i = 0; i < n; i++) {                                               \
        double a = x[i * ch + c0], b = c1 < ch ? x[i * ch + c1] : 0.0;       \
        v2d v = { isfinite (a) ? a : 0.0, isfinite (b) ? b : 0.0 };           \
        w[i] = v;                                                             \
      }                                                                       \
    }                                                                         \
    process_chunk (eq, n, gliding);                                           \
    for (p = 0; p < pairs; p++) {                                             \
      const v2d *w = eq->work[p];                                             \
      for (l = 0; l < 2 && 2 * p + l < ch; l++) {                             \
        T *o = x + 2 * p + l;                                                 \
        if (g0 == 1.0 && g1 == 1.0) {                                         \
          for (i = 0; i < n; i++)                                             \
            o[i * ch] = (T) w[i][l];                                          \
        } else if (g0 == g1) {                                                \
          for (i = 0; i < n; i++)                                             \
            o[i * ch] = (T) (w[i][l] * g0);                                   \
        } else {                                                              \
          double step = (g1 - g0) / n;                                        \
          for (i = 0; i < n; i++)                                             \
            o[i * ch] = (T) (w[i][l] * (g0 + step * (i + 1)));                \
        }                                                                     \
      }                                                                       \
    }                                                                         \
    x += n * ch;                                                              \
    frames -= n;                                                              \
  }                                                                           \
}

DEFINE_PROCESS (f64, double)
DEFINE_PROCESS (f32, float)
/* ---- auto gain ----------------------------------------------------------- */
#define CURVE_POINTS 64
#define CURVE_RHO 0.5
     static double
         curve_loudness_sections (const MstBiquad * const *secs,
    const unsigned *nsec, const MstEqChannels * chan, const double *amount,
    unsigned n, double rate, const MstKWeight * kw)
{
  double fhi = fmin (20000.0, FIT_BAND * rate), num = 0.0, den = 0.0;
  unsigned i, j, k;

  for (i = 0; i < CURVE_POINTS; i++) {
    double f = 20.0 * pow (fhi / 20.0, (i + 0.5) / CURVE_POINTS);
    double kwp = pow (10.0, mst_kweight_response_db (kw, rate, f) / 10.0);
    /* 2x2 transfer matrix on L/R, then on M/S (see eq.h) */
    double complex m[2][2];
    double complex hl = 1.0, hr = 1.0, hm = 1.0, hs = 1.0;
    double pw;

    for (j = 0; j < n; j++) {
      double complex h = 1.0;
      for (k = 0; k < nsec[j]; k++) {
        double mag, ph;
        mst_biquad_response (&secs[j][k], rate, f, &mag, &ph);
        h *= mag * cexp (I * ph);
      }
      h = 1.0 + amount[j] * (h - 1.0);
      switch (chan[j]) {
        case MST_EQ_STEREO:
          hl *= h, hr *= h;
          break;
        case MST_EQ_LEFT:
          hl *= h;
          break;
        case MST_EQ_RIGHT:
          hr *= h;
          break;
        case MST_EQ_MID:
          hm *= h;
          break;
        case MST_EQ_SIDE:
          hs *= h;
          break;
      }
    }
    /* diag (hl, hr) first, then the M/S stage
     * [[a, b], [b, a]], a = (hm + hs) / 2, b = (hm - hs) / 2 */
    {
      double complex a = 0.5 * (hm + hs), b = 0.5 * (hm - hs);
      m[0][0] = a * hl, m[0][1] = b * hr;
      m[1][0] = b * hl, m[1][1] = a * hr;
    }
    /* output power for input covariance [[1, rho], [rho, 1]] */
    pw = 0.0;
    for (j = 0; j < 2; j++) {
      double complex r0 = m[j][0], r1 = m[j][1];
      pw += creal (r0 * conj (r0) + r1 * conj (r1)) +
          2.0 * CURVE_RHO * creal (r0 * conj (r1));
    }
    num += kwp * pw;
    den += kwp * 2.0;
  }
  return 10.0 * log10 (num / den);
}

static double
curve_loudness (const Band * const *bands, unsigned n, double rate,
    const MstKWeight * kw)
{
  const MstBiquad *secs[MST_EQ_MAX_BANDS];
  unsigned nsec[MST_EQ_MAX_BANDS], i, m = 0;
  MstEqChannels chan[MST_EQ_MAX_BANDS];
  double amount[MST_EQ_MAX_BANDS];

  for (i = 0; i < n; i++) {
    if (bands[i]->nsec == 0 || bands[i]->amount <= 0.0)
      continue;
    secs[m] = bands[i]->sec;
    nsec[m] = bands[i]->nsec;
    chan[m] = bands[i]->channels;
    amount[m] = bands[i]->amount;
    m++;
  }
  if (m == 0)
    return 0.0;
  return curve_loudness_sections (secs, nsec, chan, amount, m, rate, kw);
}

double
mst_eq_curve_loudness_db (const MstEqBand * bands, unsigned n, double rate)
{
  MstBiquad sec[MST_EQ_MAX_BANDS][MST_EQ_MAX_SECTIONS];
  const MstBiquad *secs[MST_EQ_MAX_BANDS];
  unsigned nsec[MST_EQ_MAX_BANDS], i, m = 0;
  MstEqChannels chan[MST_EQ_MAX_BANDS];
  double amount[MST_EQ_MAX_BANDS];
  MstKWeight kw;

  if (mst_kweight_design (&kw, rate) != MST_OK)
    return 0.0;
  for (i = 0; i < n && i < MST_EQ_MAX_BANDS; i++) {
    const MstEqBand *b = &bands[i];
    if (b->bypass || mst_eq_design (sec[m], &nsec[m], b->type, rate,
            b->freq, b->gain_db, b->q, b->order) != MST_OK || nsec[m] == 0)
      continue;
    secs[m] = sec[m];
    chan[m] = b->channels;
    amount[m] = 1.0;
    m++;
  }
  if (m == 0)
    return 0.0;
  return curve_loudness_sections (secs, nsec, chan, amount, m, rate, &kw);
}
