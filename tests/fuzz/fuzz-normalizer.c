/* libFuzzer target: dsp/normalizer (the gain logic of `loudnorm` dynamic).
 *
 * Random rate, channels, lookahead, target, true-peak limit, loudness
 * range target, max gain and channel weights; settings other than the
 * limit change between blocks; NULL input (silence) blocks; F32 or F64.
 * Invariants: finite output, a finite gain no larger than the max gain,
 * the constant-gain helpers keep finite input finite; with
 * MST_FUZZ_CEILING set (off by default, see fuzz-limiter.c) also the
 * output true peak under the limit (+0.01 dB, the limiter's own 4x
 * detector on the output).  One sample format per stream (that of the
 * first block). */
#include "fuzz.h"
#include "normalizer.h"
#include "truepeak.h"

#define TOL 1.001152

static int check_limit = -1;

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  int f64_run = -1;
  MstNormalizer *nz;
  MstTruePeak *meter;
  unsigned rate, channels, ch;
  double lookahead, limit, lim_lin, max_gain, smax = 0.0;

  mst_dsp_init ();
  if (check_limit < 0)
    check_limit = getenv ("MST_FUZZ_CEILING") != NULL;
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  /* the longest lookaheads only at low rates: each input allocates it */
  lookahead = fuzz_range (&in, MST_NORMALIZER_LOOKAHEAD_MIN,
      rate * channels <= 96000 ? MST_NORMALIZER_LOOKAHEAD_MAX : 1000.0);
  limit = fuzz_range (&in, MST_LIMITER_CEILING_MIN, MST_LIMITER_CEILING_MAX);
  max_gain = fuzz_range (&in, MST_NORMALIZER_MAX_GAIN_MIN,
      MST_NORMALIZER_MAX_GAIN_MAX);
  lim_lin = pow (10.0, limit / 20.0);
  nz = mst_normalizer_new (rate, channels, lookahead);
  meter = mst_truepeak_new_factor (rate, channels, 4);
  FUZZ_CHECK (nz && meter, "new (%u, %u, %g)", rate, channels, lookahead);
  mst_normalizer_set_true_peak_limit (nz, limit);
  mst_normalizer_set_max_gain (nz, max_gain);
  mst_normalizer_set_target (nz, fuzz_range (&in, -70.0, 0.0));
  mst_normalizer_set_lra_target (nz, fuzz_range (&in, 0.0, 60.0));
  for (ch = 0; ch < channels; ch++)
    FUZZ_CHECK (mst_normalizer_set_channel_weight (nz, ch,
            fuzz_range (&in, 0.0, 2.0)) == MST_OK, "weight");

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t n = b.frames * channels;
    double g;
    /* one format per stream, that of the first block: a format change
     * restarts the limiter from silence (documented), which is a step a
     * ceiling cannot hold across */
    if (f64_run < 0)
      f64_run = b.f64 != 0;
    b.f64 = f64_run;
    fuzz_bufs_load (&bufs, &b, channels);
    switch (b.ctl % 8) {
      case 0:
        mst_normalizer_set_target (nz, -70.0 + (b.ctl >> 3) * 70.0 / 31.0);
        break;
      case 1:
        mst_normalizer_set_lra_target (nz, 1.0 + (b.ctl >> 3) * 49.0 / 31.0);
        break;
      case 2:
        if (b.ctl == 2) {
          mst_normalizer_reset (nz);
          mst_truepeak_reset (meter);
        }
        break;
      default:
        break;
    }
    if (b.f64) {
      double *out = (b.ctl & 0x40) ? bufs.d : bufs.od;
      mst_normalizer_process_f64 (nz, (b.ctl & 0x20) ? NULL : bufs.d, out,
          b.frames);
      smax = fmax (smax, fuzz_check_finite_f64 (out, n, "normalizer f64"));
      mst_truepeak_add_f64 (meter, out, b.frames);
    } else {
      float *out = (b.ctl & 0x40) ? bufs.f : bufs.of;
      mst_normalizer_process_f32 (nz, (b.ctl & 0x20) ? NULL : bufs.f, out,
          b.frames);
      smax = fmax (smax, fuzz_check_finite_f32 (out, n, "normalizer f32"));
      mst_truepeak_add_f32 (meter, out, b.frames);
    }
    /* only with MST_FUZZ_CEILING, like fuzz-limiter: the limiter that
     * ends the chain can overshoot (known issue) */
    for (ch = 0; check_limit && ch < channels; ch++) {
      double t = mst_truepeak_max (meter, ch);
      FUZZ_CHECK (t <= lim_lin * TOL, "channel %u true peak %.3f dBTP over "
          "the limit %.3f dBTP", ch, 20 * log10 (t), limit);
    }
    g = mst_normalizer_gain (nz);
    FUZZ_CHECK (isfinite (g) && g <= max_gain + 1e-9, "gain %g dB (max %g)",
        g, max_gain);

    /* the constant-gain helpers */
    if (b.f64) {
      mst_gain_apply_f64 (bufs.d, bufs.od, n, pow (10.0, (b.ctl % 64 - 32) /
              20.0));
    } else {
      mst_gain_apply_f32 (NULL, bufs.of, n, 2.0);
      fuzz_check_finite_f32 (bufs.of, n, "gain of silence");
    }
  }
  mst_normalizer_free (nz);
  mst_truepeak_free (meter);
  fuzz_bufs_clear (&bufs);
  return 0;
}
