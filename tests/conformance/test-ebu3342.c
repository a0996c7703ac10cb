/* gst-mastering: EBU Tech 3342 loudness range (LRA), minimum requirements
 * cases 1-4 with the test signals synthesised here (stereo 1 kHz sines,
 * level steps with continuous phase), at 44.1, 48 and 96 kHz, F32 input.
 * Cases 5 and 6 are programme files: not synthesisable.
 *
 *   1  -20 / -30 dBFS, 20 s each                     LRA = 10 LU
 *   2  -20 / -15 dBFS, 20 s each                     LRA =  5 LU
 *   3  -40 / -20 dBFS, 20 s each                     LRA = 20 LU
 *   4  -50 / -35 / -20 / -35 / -50 dBFS, 20 s each  LRA = 15 LU
 *
 * Tolerance +-1 LU (Tech 3342).  The measured values are printed.
 */
#include <gst/check/gstcheck.h>

#include <math.h>

#include "loudness.h"

#define TOL_LU 1.0

static const unsigned rates[] = { 44100, 48000, 96000 };

static double
measure (unsigned rate, const double *levels, unsigned n)
{
  MstLoudness *m = mst_loudness_new (rate, 2);
  unsigned chunk = rate / 10, s, i;
  float *buf = g_new (float, 2 * chunk);
  guint64 pos = 0, end = 0;
  double lra;

  for (s = 0; s < n; s++) {
    double amp = pow (10.0, levels[s] / 20.0);

    end += 20 * rate;
    while (pos < end) {
      unsigned len = (unsigned) MIN ((guint64) chunk, end - pos);
      for (i = 0; i < len; i++, pos++) {
        float v = (float) (amp * sin (2.0 * M_PI * 1000.0 * pos / rate));
        buf[2 * i] = buf[2 * i + 1] = v;
      }
      mst_loudness_add_f32 (m, buf, len);
    }
  }
  lra = mst_loudness_range (m);
  g_free (buf);
  mst_loudness_free (m);
  return lra;
}

static void
lra_case (const char *name, const double *levels, unsigned n, double want)
{
  unsigned r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    double lra = measure (rates[r], levels, n);

    g_print ("Tech 3342 %s at %u Hz: LRA %.3f LU (expected %.0f +-%.0f)\n",
        name, rates[r], lra, want, TOL_LU);
    fail_unless (fabs (lra - want) <= TOL_LU,
        "%s at %u Hz: LRA %.3f, expected %.0f", name, rates[r], lra, want);
  }
}

GST_START_TEST (test_case1)
{
  const double l[] = { -20, -30 };
  lra_case ("case 1", l, 2, 10.0);
}

GST_END_TEST;

GST_START_TEST (test_case2)
{
  const double l[] = { -20, -15 };
  lra_case ("case 2", l, 2, 5.0);
}

GST_END_TEST;

GST_START_TEST (test_case3)
{
  const double l[] = { -40, -20 };
  lra_case ("case 3", l, 2, 20.0);
}

GST_END_TEST;

GST_START_TEST (test_case4)
{
  const double l[] = { -50, -35, -20, -35, -50 };
  lra_case ("case 4", l, 5, 15.0);
}

GST_END_TEST;

static Suite *
ebu3342_suite (void)
{
  Suite *s = suite_create ("ebu3342");
  TCase *tc = tcase_create ("range");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_case1);
  tcase_add_test (tc, test_case2);
  tcase_add_test (tc, test_case3);
  tcase_add_test (tc, test_case4);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  mst_dsp_init ();
  return gst_check_run_suite (ebu3342_suite (), "ebu3342", __FILE__);
}
