/* libFuzzer target: dsp/limiter (true-peak lookahead limiter).
 *
 * Random rate, channels, lookahead, ceiling and detector mode (fixed for
 * the run); input gain, release, auto release and link change between
 * blocks; blocks of any size and content, F32 or F64, in place or not.
 * A block whose control byte is 7 mod 8 and at least 128 is scaled up by
 * 2^8 .. 2^128 first (finite values clamped to +-FLT_MAX): the ceiling
 * promise covers any finite input.
 * Invariants: the output is finite; the non-finite count is exact; the
 * ceiling: the output's peak, measured by an independent instance of the
 * limiter's own detector (the 4x interpolator of dsp/truepeak; the sample
 * peak when true peak is off), and the statistics' output peak stay under
 * it (+0.01 dB); the statistics are finite.  MST_FUZZ_CEILING=0 in the
 * environment leaves the ceiling checks out.  One sample format per
 * stream (that of the first block): a format change restarts the limiter
 * from silence (documented). */
#include <float.h>

#include "fuzz.h"
#include "limiter.h"
#include "truepeak.h"

/* 0.01 dB */
#define TOL 1.001152

static int check_ceiling = -1;

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  int f64_run = -1;
  MstLimiter *lim;
  MstTruePeak *meter;
  MstLimiterStats st;
  unsigned rate, channels, ch, true_peak;
  double lookahead, ceiling, ceil_lin, smax = 0.0;
  size_t nonfinite = 0;

  mst_dsp_init ();
  if (check_ceiling < 0) {
    const char *e = getenv ("MST_FUZZ_CEILING");
    check_ceiling = !(e && strcmp (e, "0") == 0);
  }
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  lookahead = fuzz_range (&in, MST_LIMITER_LOOKAHEAD_MIN,
      MST_LIMITER_LOOKAHEAD_MAX);
  ceiling = fuzz_range (&in, MST_LIMITER_CEILING_MIN, MST_LIMITER_CEILING_MAX);
  true_peak = !(fuzz_u8 (&in) % 4 == 0);
  ceil_lin = pow (10.0, ceiling / 20.0);
  lim = mst_limiter_new (rate, channels, lookahead);
  meter = mst_truepeak_new_factor (rate, channels, 4);
  FUZZ_CHECK (lim && meter, "new (%u, %u, %g)", rate, channels, lookahead);
  mst_limiter_set_ceiling (lim, ceiling);
  mst_limiter_set_true_peak (lim, true_peak);

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t n = b.frames * channels;
    /* one format per stream, that of the first block: a format change
     * restarts the limiter from silence (documented), which is a step a
     * ceiling cannot hold across */
    if (f64_run < 0)
      f64_run = b.f64 != 0;
    b.f64 = f64_run;
    if (b.ctl % 8 == 7 && b.ctl >= 128) {
      /* huge: up to FLT_MAX (1e10 * 2^128 is beyond it) */
      double s = ldexp (1.0, 8 * (int) ((b.ctl >> 3) - 15));
      size_t i;
      for (i = 0; i < n; i++)
        if (isfinite (b.x[i]))
          b.x[i] = fmax (-FLT_MAX, fmin (FLT_MAX, b.x[i] * s));
    }
    fuzz_bufs_load (&bufs, &b, channels);
    switch (b.ctl % 8) {
      case 0:
        mst_limiter_set_input_gain (lim, MST_LIMITER_INPUT_GAIN_MIN +
            (b.ctl >> 3) * (MST_LIMITER_INPUT_GAIN_MAX -
                MST_LIMITER_INPUT_GAIN_MIN) / 31.0);
        break;
      case 1:
        mst_limiter_set_release (lim, MST_LIMITER_RELEASE_MIN +
            (b.ctl >> 3) * (MST_LIMITER_RELEASE_MAX -
                MST_LIMITER_RELEASE_MIN) / 31.0);
        break;
      case 2:
        mst_limiter_set_auto_release (lim, b.ctl & 8);
        break;
      case 3:
        mst_limiter_set_link (lim, (b.ctl >> 3) / 31.0);
        break;
      case 4:
        if (b.ctl == 4) {
          mst_limiter_reset (lim);
          mst_truepeak_reset (meter);
          smax = 0.0;
          nonfinite = 0;        /* the reset clears the statistics */
        }
        break;
      default:
        break;
    }
    nonfinite += b.nonfinite;
    if (b.f64) {
      double *out = (b.ctl & 0x40) ? bufs.d : bufs.od;
      mst_limiter_process_f64 (lim, bufs.d, out, b.frames);
      smax = fmax (smax, fuzz_check_finite_f64 (out, n, "limiter f64"));
      mst_truepeak_add_f64 (meter, out, b.frames);
    } else {
      float *out = (b.ctl & 0x40) ? bufs.f : bufs.of;
      mst_limiter_process_f32 (lim, bufs.f, out, b.frames);
      smax = fmax (smax, fuzz_check_finite_f32 (out, n, "limiter f32"));
      mst_truepeak_add_f32 (meter, out, b.frames);
    }
    if (check_ceiling)
      FUZZ_CHECK (smax <= ceil_lin * TOL, "sample peak %.3f dB over the "
          "ceiling %.3f dB", 20 * log10 (smax), ceiling);
    if (check_ceiling && true_peak) {
      for (ch = 0; ch < channels; ch++) {
        double t = mst_truepeak_max (meter, ch);
        FUZZ_CHECK (t <= ceil_lin * TOL, "channel %u true peak %.3f dBTP "
            "over the ceiling %.3f dBTP", ch, 20 * log10 (t), ceiling);
      }
    }
    if (b.ctl % 8 == 5) {
      mst_limiter_take_stats (lim, &st);
      FUZZ_CHECK (st.nonfinite == nonfinite, "%zu non-finite counted, %zu "
          "fed", st.nonfinite, nonfinite);
      FUZZ_CHECK (isfinite (st.gain) && isfinite (st.gain_min) &&
          isfinite (st.input_peak) && isfinite (st.output_peak),
          "stats %g %g %g %g", st.gain, st.gain_min, st.input_peak,
          st.output_peak);
      FUZZ_CHECK (!check_ceiling || !true_peak ||
          st.output_peak <= ceil_lin * TOL,
          "stats output peak %.3f dB over the ceiling %.3f",
          20 * log10 (st.output_peak), ceiling);
      nonfinite = 0;
    }
  }
  mst_limiter_free (lim);
  mst_truepeak_free (meter);
  fuzz_bufs_clear (&bufs);
  return 0;
}
