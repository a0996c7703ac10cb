/* libFuzzer target: dsp/truepeak (meter and limiter detector).
 *
 * A meter object (_add_*, silence feeds, resets) and a detector object
 * (_envelope_f32 or _upsample_f32, any factor 1..4) fed the same blocks.
 * Invariants: the non-finite count is exact; the maxima are finite, the
 * sample maximum is the largest finite |x| fed (exact: the samples are
 * floats or doubles compared as such), the true peak is not below it;
 * envelope and oversampled values are finite. */
#include "fuzz.h"
#include "truepeak.h"

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstTruePeak *tp, *det;
  unsigned rate, channels, ch, factor, upsample;
  double smax[MST_CHANNELS_MAX] = { 0 };
  float *plane, *env;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  factor = 1 + fuzz_u8 (&in) % 4;
  upsample = fuzz_u8 (&in) & 1;
  tp = mst_truepeak_new (rate, channels);
  det = mst_truepeak_new_factor (rate, channels, factor);
  FUZZ_CHECK (tp && det, "new (%u, %u, %u)", rate, channels, factor);
  FUZZ_CHECK (mst_truepeak_factor (det) == factor, "factor %u",
      mst_truepeak_factor (det));
  FUZZ_CHECK (mst_truepeak_new_factor (rate, channels, 5) == NULL,
      "factor 5 accepted");
  FUZZ_CHECK (mst_truepeak_new (rate, 0) == NULL, "0 channels accepted");
  FUZZ_CHECK (mst_truepeak_new (7999, channels) == NULL, "rate 7999");

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  plane = calloc (FUZZ_MAX_FRAMES, sizeof (float));
  env = calloc ((size_t) FUZZ_MAX_FRAMES * 4, sizeof (float));
  if (!plane || !env)
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t bad, i;
    fuzz_bufs_load (&bufs, &b, channels);
    if (b.ctl % 16 == 0) {
      mst_truepeak_add_silence (tp, b.frames);
    } else if (b.ctl % 16 == 1) {
      mst_truepeak_reset (tp);
      mst_truepeak_reset (det);
      for (ch = 0; ch < channels; ch++)
        smax[ch] = 0.0;
      continue;
    } else {
      bad = b.f64 ? mst_truepeak_add_f64 (tp, bufs.d, b.frames) :
          mst_truepeak_add_f32 (tp, bufs.f, b.frames);
      FUZZ_CHECK (bad == b.nonfinite, "%zu non-finite reported, %zu fed",
          bad, b.nonfinite);
      for (i = 0; i < b.frames * channels; i++) {
        double v = b.f64 ? bufs.d[i] : bufs.f[i];
        if (isfinite (v) && fabs (v) > smax[i % channels])
          smax[i % channels] = fabs (v);
      }
    }
    for (ch = 0; ch < channels; ch++) {
      double t = mst_truepeak_max (tp, ch), s =
          mst_truepeak_sample_max (tp, ch);
      FUZZ_CHECK (isfinite (t) && isfinite (s), "maxima %g %g", t, s);
      FUZZ_CHECK (s == smax[ch], "sample max %.17g, fed %.17g", s, smax[ch]);
      FUZZ_CHECK (t >= s, "true peak %.17g below sample peak %.17g", t, s);
    }
    FUZZ_CHECK (mst_truepeak_max (tp, channels) == 0.0, "ch >= channels");

    /* detector: planar samples of one channel (finite or not) */
    ch = b.ctl % channels;
    for (i = 0; i < b.frames; i++)
      plane[i] = bufs.f[i * channels + ch];
    if (upsample) {
      mst_truepeak_upsample_f32 (det, ch, plane, b.frames, env);
      fuzz_check_finite_f32 (env, b.frames * factor, "upsampled");
    } else {
      mst_truepeak_envelope_f32 (det, ch, plane, b.frames, env);
      fuzz_check_finite_f32 (env, b.frames, "envelope");
      for (i = 0; i < b.frames; i++)
        FUZZ_CHECK (env[i] >= 0.0f, "envelope %g", (double) env[i]);
    }
  }
  free (plane);
  free (env);
  mst_truepeak_free (tp);
  mst_truepeak_free (det);
  fuzz_bufs_clear (&bufs);
  return 0;
}
