/* gst-mastering: every dsp entry point that runs ORC kernels hands the
 * caller back the floating-point mode (MXCSR on x86) it had.
 *
 * ORC 0.4.33's compiled float kernels switch the calling thread to
 * flush-to-zero / denormals-are-zero and leave it so; a library must not
 * change its caller's arithmetic behind its back.  Each check runs a
 * module on loud noise (so its kernels really run: limiting, compression,
 * widening, true-peak interpolation) and compares the mode before and
 * after.  Without SSE (or with ORC disabled) there is nothing to check and
 * the test only runs the modules.
 */
#include <gst/check/gstcheck.h>

#include "compressor.h"
#include "limiter.h"
#include "stereo.h"
#include "truepeak.h"
#include "synth.h"

#define RATE 48000
#define FRAMES 8192

static float *xf, *yf, *env;
static double *xd, *yd;

static MstFpMode
mode_now (void)
{
  return mst_fp_mode_save ();
}

static void
setup (void)
{
  mst_dsp_init ();
  xd = g_new (double, FRAMES * 2);
  yd = g_new (double, FRAMES * 2);
  xf = g_new (float, FRAMES * 2);
  yf = g_new (float, FRAMES * 2);
  env = g_new (float, FRAMES * 4);
  /* +12 dBFS noise: every module has work to do */
  mst_synth_noise_f64 (xd, FRAMES, 2, 3, 4.0, 7);
  mst_synth_to_f32 (xf, xd, FRAMES * 2);
}

static void
teardown (void)
{
  g_free (xd);
  g_free (yd);
  g_free (xf);
  g_free (yf);
  g_free (env);
}

GST_START_TEST (test_truepeak)
{
  MstTruePeak *tp = mst_truepeak_new (RATE, 2);
  MstFpMode before = mode_now ();

  mst_truepeak_add_f32 (tp, xf, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  mst_truepeak_add_f64 (tp, xd, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  mst_truepeak_envelope_f32 (tp, 0, xf, FRAMES, env);
  fail_unless_equals_int (mode_now (), before);
  mst_truepeak_upsample_f32 (tp, 1, xf, FRAMES / 4, env);
  fail_unless_equals_int (mode_now (), before);
  mst_truepeak_free (tp);
}

GST_END_TEST;

GST_START_TEST (test_limiter)
{
  MstLimiter *lim = mst_limiter_new (RATE, 2, 5.0);
  MstFpMode before = mode_now ();

  mst_limiter_process_f32 (lim, xf, yf, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  mst_limiter_process_f64 (lim, xd, yd, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  mst_limiter_free (lim);
}

GST_END_TEST;

GST_START_TEST (test_compressor)
{
  unsigned bands;

  for (bands = 1; bands <= 3; bands += 2) {
    MstCompressor *c = mst_compressor_new (2, RATE, bands, 2.0);
    MstFpMode before = mode_now ();

    mst_compressor_process_f32 (c, xf, yf, FRAMES);
    fail_unless_equals_int (mode_now (), before);
    mst_compressor_process_f64 (c, xd, yd, FRAMES);
    fail_unless_equals_int (mode_now (), before);
    mst_compressor_free (c);
  }
}

GST_END_TEST;

GST_START_TEST (test_stereo)
{
  MstStereo *st = mst_stereo_new (RATE);
  MstFpMode before = mode_now ();

  mst_stereo_set_width (st, 1.5);
  mst_stereo_set_mono_bass (st, 120.0);
  memcpy (yf, xf, FRAMES * 2 * sizeof (float));
  mst_stereo_process_f32 (st, yf, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  memcpy (yd, xd, FRAMES * 2 * sizeof (double));
  mst_stereo_process_f64 (st, yd, FRAMES);
  fail_unless_equals_int (mode_now (), before);
  mst_stereo_free (st);
}

GST_END_TEST;

static Suite *
fpmode_suite (void)
{
  Suite *s = suite_create ("fpmode");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_truepeak);
  tcase_add_test (tc, test_limiter);
  tcase_add_test (tc, test_compressor);
  tcase_add_test (tc, test_stereo);
  return s;
}

GST_CHECK_MAIN (fpmode);
