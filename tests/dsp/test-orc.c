/* gst-mastering: every ORC kernel of dsp/mstorc.orc against its plain-C
 * twin.
 *
 * The twins reproduce ORC's float semantics operation by operation
 * (ORC_DENORMAL: denormal operands and results flushed to signed zero) and
 * the kernels' fixed order of summation, so every comparison is bit-exact
 * (tolerance 0 ulp), with ORC's compiled code and with ORC_CODE=backup.
 * Lengths are odd and even, short and long; pointers are offset by 0..3
 * floats from 16-byte alignment (sources of 8-byte elements by 0 or 2:
 * ORC requires every array aligned to its element size); inputs mix normal values, denormals,
 * signed zeros and (for the integer-domain kernels) Inf and NaN.
 */
#include <gst/check/gstcheck.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mst.h"
#include "mstorc.h"
#include "orctwin.h"
#include "synth.h"

static const int lengths[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 100,
  257, 1001
};

#define N_LENGTHS (sizeof (lengths) / sizeof (lengths[0]))
#define MAXLEN 1024
#define PAD 16

/* ---- plain-C twins ------------------------------------------------------ */

/* f2u, flushf, mulf, addf: orctwin.h */

static float
tree8 (const float *const s[8], const float p[8], int i)
{
  float t1, t2, t3, t4;

  t1 = mulf (s[0][i], p[0]);
  t2 = mulf (s[1][i], p[1]);
  t1 = addf (t1, t2);
  t2 = mulf (s[2][i], p[2]);
  t3 = mulf (s[3][i], p[3]);
  t2 = addf (t2, t3);
  t1 = addf (t1, t2);
  t2 = mulf (s[4][i], p[4]);
  t3 = mulf (s[5][i], p[5]);
  t2 = addf (t2, t3);
  t3 = mulf (s[6][i], p[6]);
  t4 = mulf (s[7][i], p[7]);
  t3 = addf (t3, t4);
  t2 = addf (t2, t3);
  return addf (t1, t2);
}

static void
c_scale_f32 (float *d, const float *s, float p, int n)
{
  int i;
  for (i = 0; i < n; i++)
    d[i] = mulf (s[i], p);
}

static void
c_fir8_f32 (float *d, const float *const s[8], const float p[8], int n)
{
  int i;
  for (i = 0; i < n; i++)
    d[i] = tree8 (s, p, i);
}

static void
c_mac8_f32 (float *d, const float *const s[8], const float p[8], int n)
{
  int i;
  for (i = 0; i < n; i++)
    d[i] = addf (d[i], tree8 (s, p, i));
}

static void
c_mac8_absmax_f32 (float *d1, float *d2, const float *const s[8],
    const float p[8], int n)
{
  int i;
  for (i = 0; i < n; i++) {
    int32_t a, b;
    d1[i] = addf (d1[i], tree8 (s, p, i));
    a = (int32_t) (f2u (d1[i]) & 0x7fffffffu);
    b = (int32_t) f2u (d2[i]);
    d2[i] = u2f ((uint32_t) (a > b ? a : b));
  }
}

static void
c_absmax2_f32 (float *d, const float *s1, const float *s2, int n)
{
  int i;
  for (i = 0; i < n; i++) {
    uint32_t a = f2u (s1[i]) & 0x7fffffffu, b = f2u (s2[i]) & 0x7fffffffu;
    d[i] = u2f (a > b ? a : b);
  }
}

static void
c_absmax_pair_f32 (float *d, const float *s, int n)
{
  int i;
  for (i = 0; i < n; i++)
    c_absmax2_f32 (d + i, s + 2 * i, s + 2 * i + 1, 1);
}

static int
c_count_nonfinite_f32 (const float *s, int n)
{
  int i, c = 0;
  for (i = 0; i < n; i++)
    c += (f2u (s[i]) & 0x7fffffffu) > 0x7f7fffffu;
  return c;
}

static void
c_deinterleave2_f32 (float *d1, float *d2, const float *s, int n)
{
  int i;
  for (i = 0; i < n; i++) {
    d1[i] = s[2 * i];
    d2[i] = s[2 * i + 1];
  }
}

/* ---- test data ---------------------------------------------------------- */

/* 16-byte aligned storage; slot k is offset by `off` floats */
static float store[12][2 * MAXLEN + 4 * PAD] __attribute__((aligned (64)));

static float *
slot (int k, int off)
{
  return store[k] + PAD + off;
}

/* Mixed finite data: normals, a few denormals, signed zeros.  With
 * nonfinite, also +-Inf and NaNs. */
static void
fill (float *x, int n, uint64_t seed, int nonfinite)
{
  MstRng r;
  int i;

  mst_rng_seed (&r, seed);
  for (i = 0; i < n; i++) {
    uint64_t k = mst_rng_next (&r) % 16;
    double g = mst_rng_gauss (&r);
    if (k == 0)
      x[i] = (float) (g * 1e-39);       /* denormal */
    else if (k == 1)
      x[i] = g < 0 ? -0.0f : 0.0f;
    else if (k == 2)
      x[i] = (float) (g * 1e-20);       /* products underflow */
    else if (nonfinite && k == 3)
      x[i] = g < 0 ? -INFINITY : INFINITY;
    else if (nonfinite && k == 4)
      x[i] = u2f (0x7fc00000u | (uint32_t) (mst_rng_next (&r) & 0x3fffff) |
          (g < 0 ? 0x80000000u : 0));
    else
      x[i] = (float) g;
  }
}

static int
bits_equal (const float *a, const float *b, int n, int *where)
{
  int i;
  for (i = 0; i < n; i++) {
    if (f2u (a[i]) != f2u (b[i])) {
      *where = i;
      return 0;
    }
  }
  return 1;
}

static void
fill_params (float p[8], uint64_t seed)
{
  MstRng r;
  int k;

  mst_rng_seed (&r, seed);
  for (k = 0; k < 8; k++)
    p[k] = (float) mst_rng_gauss (&r);
  p[3] = 1e-39f;                /* a denormal coefficient is flushed too */
}

#define CHECK_BITS(a, b, n, what, len, off) G_STMT_START {              \
    int where_ = -1;                                                     \
    fail_unless (bits_equal (a, b, n, &where_),                          \
        "%s: n=%d off=%d: element %d differs: %.9g (0x%08x) vs "         \
        "%.9g (0x%08x)", what, len, off, where_, (a)[where_],            \
        f2u ((a)[where_]), (b)[where_], f2u ((b)[where_]));             \
  } G_STMT_END

/* ---- tests -------------------------------------------------------------- */

GST_START_TEST (test_scale)
{
  unsigned li;
  int off;

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li];
      float *s = slot (0, off), *d = slot (1, (off + 1) % 4), *e = slot (2, 0);
      fill (s, n, 11 + n + off, 0);
      mst_orc_scale_f32 (d, s, 0.7071f, n);
      c_scale_f32 (e, s, 0.7071f, n);
      CHECK_BITS (d, e, n, "scale", n, off);
    }
  }
}

GST_END_TEST;

/* kind 0: fir8, 1: mac8, 2: mac8_absmax */
static void
check_fir (int kind)
{
  unsigned li;
  int off;
  static const char *names[] = { "fir8", "mac8", "mac8_absmax" };

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li], k;
      float *x = slot (0, off);
      const float *s[8];
      float p[8];
      float *d = slot (1, (off + 3) % 4), *e = slot (2, 1);
      float *m = slot (3, off), *me = slot (4, 2);

      fill (x, n + 8, 1000 + 7 * n + off + kind, 0);
      fill_params (p, 77 + n + off);
      for (k = 0; k < 8; k++)
        s[k] = x + k;           /* consecutive taps: unaligned sources */
      fill (d, n, 5 + n, 0);
      memcpy (e, d, n * sizeof (float));
      fill (m, n, 9 + n, 0);
      for (k = 0; k < n; k++)
        m[k] = u2f (f2u (m[k]) & 0x7fffffffu);
      memcpy (me, m, n * sizeof (float));

      if (kind == 0) {
        mst_orc_fir8_f32 (d, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], n);
        c_fir8_f32 (e, s, p, n);
      } else if (kind == 1) {
        mst_orc_mac8_f32 (d, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], n);
        c_mac8_f32 (e, s, p, n);
      } else {
        mst_orc_mac8_absmax_f32 (d, m, s[0], s[1], s[2], s[3], s[4], s[5],
            s[6], s[7], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], n);
        c_mac8_absmax_f32 (e, me, s, p, n);
        CHECK_BITS (m, me, n, "mac8_absmax (max)", n, off);
      }
      CHECK_BITS (d, e, n, names[kind], n, off);
    }
  }
}

GST_START_TEST (test_fir8)
{
  check_fir (0);
}

GST_END_TEST;

GST_START_TEST (test_mac8)
{
  check_fir (1);
}

GST_END_TEST;

GST_START_TEST (test_mac8_absmax)
{
  check_fir (2);
}

GST_END_TEST;

GST_START_TEST (test_absmax2)
{
  unsigned li;
  int off;

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li];
      float *a = slot (0, off), *b = slot (1, 3 - off);
      float *d = slot (2, (off + 2) % 4), *e = slot (3, 0);
      fill (a, n, 300 + n + off, 1);
      fill (b, n, 400 + n + off, 1);
      mst_orc_absmax2_f32 (d, a, b, n);
      c_absmax2_f32 (e, a, b, n);
      CHECK_BITS (d, e, n, "absmax2", n, off);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_absmax_pair)
{
  unsigned li;
  int off;

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li] / 2 + 1;
      float *s = slot (0, off & 2), *d = slot (1, (off + 1) % 4), *e =
          slot (2, 0);
      fill (s, 2 * n, 500 + n + off, 1);
      mst_orc_absmax_pair_f32 (d, s, n);
      c_absmax_pair_f32 (e, s, n);
      CHECK_BITS (d, e, n, "absmax_pair", n, off);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_count_nonfinite)
{
  unsigned li;
  int off;

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li], got = -1, want;
      float *s = slot (0, off);
      fill (s, n, 600 + n + off, 1);
      if (n > 3) {
        s[n - 1] = u2f (0x7f800001u);   /* smallest NaN payload */
        s[0] = -FLT_MAX;        /* largest finite: not counted */
      }
      mst_orc_count_nonfinite_f32 (&got, s, n);
      want = c_count_nonfinite_f32 (s, n);
      fail_unless_equals_int (got, want);
      /* the twin itself must see what we planted */
      if (n > 3)
        fail_unless (want >= 1);
      /* and the helper the elements use */
      fail_unless_equals_int ((int) mst_count_nonfinite_f32 (s, n), want);
    }
  }
}

GST_END_TEST;

/* mst_count_nonfinite_f64: Inf, -Inf and NaN counted, the largest and
 * the smallest doubles not. */
GST_START_TEST (test_count_nonfinite_f64)
{
  double x[1003];
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = i % 3 == 0 ? DBL_MAX : i % 3 == 1 ? -DBL_MIN : 0.5;
  fail_unless_equals_int ((int) mst_count_nonfinite_f64 (x, 1003), 0);
  x[0] = INFINITY;
  x[500] = -INFINITY;
  x[1002] = NAN;
  fail_unless_equals_int ((int) mst_count_nonfinite_f64 (x, 1003), 3);
  fail_unless_equals_int ((int) mst_count_nonfinite_f64 (x, 1002), 2);
}

GST_END_TEST;

GST_START_TEST (test_deinterleave2)
{
  unsigned li;
  int off;

  for (li = 0; li < N_LENGTHS; li++) {
    for (off = 0; off < 4; off++) {
      int n = lengths[li];
      float *s = slot (0, off & 2), *l = slot (1, (off + 1) % 4),
          *r = slot (2, (off + 2) % 4), *le = slot (3, 0), *re = slot (4, 0);
      fill (s, 2 * n, 700 + n + off, 1);
      mst_orc_deinterleave2_f32 (l, r, s, n);
      c_deinterleave2_f32 (le, re, s, n);
      CHECK_BITS (l, le, n, "deinterleave2 (first)", n, off);
      CHECK_BITS (r, re, n, "deinterleave2 (second)", n, off);
    }
  }
}

GST_END_TEST;

/* The twins must really model ORC's denormal flushing: a product that
 * underflows is 0 in both, a denormal source value contributes 0. */
GST_START_TEST (test_denormal_semantics)
{
  float *x = slot (0, 1), *d = slot (1, 0), *e = slot (2, 0);
  const float *s[8];
  float p[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  int k;

  for (k = 0; k < 16; k++)
    x[k] = 0.0f;
  x[0] = 1e-39f;                /* denormal source */
  x[1] = 1e-20f;                /* 1e-20 * 1e-20 underflows */
  p[1] = 1e-20f;
  for (k = 0; k < 8; k++)
    s[k] = x + k;
  mst_orc_fir8_f32 (d, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
      p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], 1);
  c_fir8_f32 (e, s, p, 1);
  fail_unless (d[0] == 0.0f, "ORC result %g, expected flushed 0", d[0]);
  fail_unless (e[0] == 0.0f, "C twin result %g, expected flushed 0", e[0]);
}

GST_END_TEST;

static Suite *
orc_suite (void)
{
  Suite *s = suite_create ("orc");
  TCase *tc = tcase_create ("kernels");

  mst_dsp_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_scale);
  tcase_add_test (tc, test_fir8);
  tcase_add_test (tc, test_count_nonfinite_f64);
  tcase_add_test (tc, test_mac8);
  tcase_add_test (tc, test_mac8_absmax);
  tcase_add_test (tc, test_absmax2);
  tcase_add_test (tc, test_absmax_pair);
  tcase_add_test (tc, test_count_nonfinite);
  tcase_add_test (tc, test_deinterleave2);
  tcase_add_test (tc, test_denormal_semantics);
  return s;
}

GST_CHECK_MAIN (orc);
