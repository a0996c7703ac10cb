/* gst-mastering: EBU Tech 3341 (2016 / 2023 editions) "EBU Mode" meter
 * minimum requirements, Table 1, with the test signals synthesised here.
 *
 * Loudness cases 1-6 and 9-14 (7 and 8 are programme files: not
 * synthesisable) at 44.1, 48 and 96 kHz, fed as F32 like the elements do.
 * Every expected value is from the document, tolerance +-0.1 LU.
 *
 * The signals are 1 kHz sines on all channels (in phase), switched in
 * level at segment boundaries with continuous phase:
 *   1  -23 dBFS, 20 s                                    M, S, I = -23.0
 *   2  -33 dBFS, 20 s                                    M, S, I = -33.0
 *   3  -36 / -23 / -36 dBFS, 10 / 60 / 10 s              I = -23.0
 *   4  -72 / -36 / -23 / -36 / -72 dBFS, 10/10/60/10/10 s I = -23.0
 *   5  -26 / -20 / -26 dBFS, 20 / 20.1 / 20 s            I = -23.0
 *   6  5.0: L, R -28, C -24, Ls, Rs -30 dBFS, 20 s       I = -23.0
 *      (surround channel weight 1.41, as the element sets it)
 *   9  5 x (1.34 s at -20, 1.66 s at -30 dBFS)           S = -23.0 after 3 s
 *  10  20 signals: i x 150 ms silence, 3 s at -23 dBFS,
 *      1 s silence (i = 0..19)                           max S = -23.0 each
 *  11  one stream of 20 segments of 6 s: i x 150 ms silence, 3 s at
 *      -38 + i dBFS, silence to the segment end          max S at the end of
 *                                                        segment i = -38 + i
 *  12  25 x (0.18 s at -20, 0.22 s at -30 dBFS)          M = -23.0 after 1 s
 *  13  20 signals: i x 20 ms silence, 400 ms at -23 dBFS,
 *      1 s silence                                       max M = -23.0 each
 *  14  one stream of 20 segments of 0.8 s: i x 20 ms silence, 0.4 s at
 *      -38 + i dBFS, silence to the segment end          max M at the end of
 *                                                        segment i = -38 + i
 * Cases 10/11/13/14 are bursts exactly one window long at offsets that
 * a meter updating every 100 ms would miss; they hold only if the
 * momentary and short-term maxima are evaluated on a fine grid.
 */
#include <gst/check/gstcheck.h>

#include <math.h>

#include "loudness.h"

#define TONE_HZ 1000.0
#define TOL_LU 0.1              /* EBU Tech 3341, section 2.9 */
#define SILENCE (-INFINITY)

static const unsigned rates[] = { 44100, 48000, 96000 };

typedef struct
{
  double dbfs;                  /* SILENCE for digital silence */
  double seconds;
} Seg;

typedef void (*ChunkFunc) (MstLoudness * m, double t, gpointer user);

/* Feed segs (level per segment, plus chan_db[ch] per channel when not
 * NULL) to m in 10 ms chunks, calling func after each chunk with the
 * stream time at its end. */
static void
feed (MstLoudness * m, unsigned rate, unsigned channels,
    const double *chan_db, const Seg * segs, unsigned nsegs, ChunkFunc func,
    gpointer user)
{
  unsigned chunk = rate / 100, s = 0, c;
  float *buf = g_new (float, (size_t) chunk * channels);
  double amp[8], cum = 0.0;
  guint64 n = 0, end, total;

  /* segment boundaries from cumulative times: no drift */
  for (s = 0; s < nsegs; s++)
    cum += segs[s].seconds;
  total = (guint64) llround (cum * rate);

  s = 0;
  cum = segs[0].seconds;
  end = (guint64) llround (cum * rate);
  while (n < total) {
    unsigned len = (unsigned) MIN ((guint64) chunk, total - n), i;

    for (i = 0; i < len; i++, n++) {
      double v;
      while (n >= end && s + 1 < nsegs) {
        s++;
        cum += segs[s].seconds;
        end = (guint64) llround (cum * rate);
      }
      for (c = 0; c < channels; c++) {
        double db = segs[s].dbfs + (chan_db ? chan_db[c] : 0.0);
        amp[c] = isinf (db) ? 0.0 : pow (10.0, db / 20.0);
      }
      v = sin (2.0 * M_PI * TONE_HZ * (double) n / rate);
      for (c = 0; c < channels; c++)
        buf[i * channels + c] = (float) (amp[c] * v);
    }
    fail_unless_equals_int (mst_loudness_add_f32 (m, buf, len), 0);
    if (func)
      func (m, (double) n / rate, user);
  }
  g_free (buf);
}

static void
check_lu (double got, double want, const char *what, unsigned rate)
{
  fail_unless (fabs (got - want) <= TOL_LU,
      "%s at %u Hz: %.3f, expected %.1f +-%.1f", what, rate, got, want, TOL_LU);
}

static void
steady_case (const Seg * segs, unsigned nsegs, double want, gboolean ms,
    const char *name)
{
  unsigned r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    MstLoudness *m = mst_loudness_new (rates[r], 2);

    feed (m, rates[r], 2, NULL, segs, nsegs, NULL, NULL);
    check_lu (mst_loudness_integrated (m), want, name, rates[r]);
    if (ms) {
      check_lu (mst_loudness_momentary (m), want, name, rates[r]);
      check_lu (mst_loudness_shortterm (m), want, name, rates[r]);
    }
    mst_loudness_free (m);
  }
}

GST_START_TEST (test_case1)
{
  const Seg s[] = { {-23, 20} };
  steady_case (s, 1, -23.0, TRUE, "case 1");
}

GST_END_TEST;

GST_START_TEST (test_case2)
{
  const Seg s[] = { {-33, 20} };
  steady_case (s, 1, -33.0, TRUE, "case 2");
}

GST_END_TEST;

GST_START_TEST (test_case3)
{
  const Seg s[] = { {-36, 10}, {-23, 60}, {-36, 10} };
  steady_case (s, 3, -23.0, FALSE, "case 3");
}

GST_END_TEST;

GST_START_TEST (test_case4)
{
  const Seg s[] = { {-72, 10}, {-36, 10}, {-23, 60}, {-36, 10}, {-72, 10} };
  steady_case (s, 5, -23.0, FALSE, "case 4");
}

GST_END_TEST;

GST_START_TEST (test_case5)
{
  const Seg s[] = { {-26, 20}, {-20, 20.1}, {-26, 20} };
  steady_case (s, 3, -23.0, FALSE, "case 5");
}

GST_END_TEST;

GST_START_TEST (test_case6)
{
  /* L, R, C, Ls, Rs with BS.1770 weights 1, 1, 1, 1.41, 1.41 */
  const double chan_db[5] = { -28, -28, -24, -30, -30 };
  const double weight[5] = { 1.0, 1.0, 1.0, 1.41, 1.41 };
  const Seg s[] = { {0, 20} };
  unsigned r, c;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    MstLoudness *m = mst_loudness_new (rates[r], 5);

    for (c = 0; c < 5; c++)
      fail_unless_equals_int (mst_loudness_set_channel_weight (m, c,
              weight[c]), MST_OK);
    feed (m, rates[r], 5, chan_db, s, 1, NULL, NULL);
    check_lu (mst_loudness_integrated (m), -23.0, "case 6", rates[r]);
    mst_loudness_free (m);
  }
}

GST_END_TEST;

/* cases 9 and 12: a value that must stay at -23 once the window is full */
typedef struct
{
  gboolean shortterm;
  double from;
  double lo, hi;
  unsigned checked;
} Constant;

static void
constant_cb (MstLoudness * m, double t, gpointer user)
{
  Constant *k = user;
  double v;

  if (t < k->from - 1e-9)
    return;
  v = k->shortterm ? mst_loudness_shortterm (m) : mst_loudness_momentary (m);
  k->lo = MIN (k->lo, v);
  k->hi = MAX (k->hi, v);
  k->checked++;
}

static void
constant_case (const Seg * pair, unsigned repeats, gboolean shortterm,
    double from, const char *name)
{
  Seg *s = g_new (Seg, 2 * repeats);
  unsigned r, i;

  for (i = 0; i < repeats; i++) {
    s[2 * i] = pair[0];
    s[2 * i + 1] = pair[1];
  }
  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    MstLoudness *m = mst_loudness_new (rates[r], 2);
    Constant k = { shortterm, from, INFINITY, -INFINITY, 0 };

    feed (m, rates[r], 2, NULL, s, 2 * repeats, constant_cb, &k);
    fail_unless (k.checked > 100);
    check_lu (k.lo, -23.0, name, rates[r]);
    check_lu (k.hi, -23.0, name, rates[r]);
    mst_loudness_free (m);
  }
  g_free (s);
}

GST_START_TEST (test_case9)
{
  const Seg pair[] = { {-20, 1.34}, {-30, 1.66} };
  constant_case (pair, 5, TRUE, 3.0, "case 9: S after 3 s");
}

GST_END_TEST;

GST_START_TEST (test_case12)
{
  const Seg pair[] = { {-20, 0.18}, {-30, 0.22} };
  constant_case (pair, 25, FALSE, 1.0, "case 12: M after 1 s");
}

GST_END_TEST;

/* cases 10 and 13: one burst, one window long, per signal */
static void
burst_case (double step, double burst, gboolean shortterm, const char *name)
{
  unsigned r, i;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    for (i = 0; i < 20; i++) {
      const Seg s[] = { {SILENCE, i * step}, {-23, burst}, {SILENCE, 1.0} };
      MstLoudness *m = mst_loudness_new (rates[r], 2);
      double v;

      /* a zero-length first segment is fine: it ends at frame 0 */
      feed (m, rates[r], 2, NULL, s, 3, NULL, NULL);
      v = shortterm ? mst_loudness_max_shortterm (m) :
          mst_loudness_max_momentary (m);
      fail_unless (fabs (v - -23.0) <= TOL_LU,
          "%s, signal %u at %u Hz: %.3f, expected -23.0", name, i + 1,
          rates[r], v);
      mst_loudness_free (m);
    }
  }
}

GST_START_TEST (test_case10)
{
  burst_case (0.15, 3.0, TRUE, "case 10: max S");
}

GST_END_TEST;

GST_START_TEST (test_case13)
{
  burst_case (0.02, 0.4, FALSE, "case 13: max M");
}

GST_END_TEST;

/* cases 11 and 14: rising bursts in one stream; the running maximum at
 * the end of segment i is -38 + i */
typedef struct
{
  gboolean shortterm;
  double seg;
  unsigned next;
  double got[20];
} Stair;

static void
stair_cb (MstLoudness * m, double t, gpointer user)
{
  Stair *k = user;

  if (k->next < 20 && t >= (k->next + 1) * k->seg - 1e-9) {
    k->got[k->next] = k->shortterm ? mst_loudness_max_shortterm (m) :
        mst_loudness_max_momentary (m);
    k->next++;
  }
}

static void
stair_case (double step, double burst, gboolean shortterm, const char *name)
{
  Seg s[60];
  unsigned r, i;

  for (i = 0; i < 20; i++) {
    s[3 * i].dbfs = SILENCE;
    s[3 * i].seconds = i * step;
    s[3 * i + 1].dbfs = -38.0 + i;
    s[3 * i + 1].seconds = burst;
    s[3 * i + 2].dbfs = SILENCE;
    s[3 * i + 2].seconds = burst - i * step;
  }
  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    MstLoudness *m = mst_loudness_new (rates[r], 2);
    Stair k = { shortterm, 2.0 * burst, 0, {0}
    };

    feed (m, rates[r], 2, NULL, s, 60, stair_cb, &k);
    fail_unless_equals_int (k.next, 20);
    for (i = 0; i < 20; i++)
      fail_unless (fabs (k.got[i] - (-38.0 + i)) <= TOL_LU,
          "%s, segment %u at %u Hz: %.3f, expected %.1f", name, i + 1,
          rates[r], k.got[i], -38.0 + i);
    mst_loudness_free (m);
  }
}

GST_START_TEST (test_case11)
{
  stair_case (0.15, 3.0, TRUE, "case 11: max S");
}

GST_END_TEST;

GST_START_TEST (test_case14)
{
  stair_case (0.02, 0.4, FALSE, "case 14: max M");
}

GST_END_TEST;

static Suite *
ebu3341_suite (void)
{
  Suite *s = suite_create ("ebu3341");
  TCase *tc = tcase_create ("loudness");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_case1);
  tcase_add_test (tc, test_case2);
  tcase_add_test (tc, test_case3);
  tcase_add_test (tc, test_case4);
  tcase_add_test (tc, test_case5);
  tcase_add_test (tc, test_case6);
  tcase_add_test (tc, test_case9);
  tcase_add_test (tc, test_case10);
  tcase_add_test (tc, test_case11);
  tcase_add_test (tc, test_case12);
  tcase_add_test (tc, test_case13);
  tcase_add_test (tc, test_case14);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  mst_dsp_init ();
  return gst_check_run_suite (ebu3341_suite (), "ebu3341", __FILE__);
}
