/* libFuzzer target: dsp/loudness (BS.1770 meter).
 *
 * Random rate, channels and channel weights, blocks of any size and
 * content (F32/F64, silence feeds between them).  Invariants: the count
 * of replaced non-finite samples is exact, the frame counter is exact,
 * every result is finite or -INFINITY (never NaN or +Inf), the range is
 * >= 0 and the maxima are not below the current values. */
#include "fuzz.h"
#include "loudness.h"

static void
check_value (double v, const char *what)
{
  FUZZ_CHECK (!isnan (v) && v != INFINITY, "%s = %g", what, v);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstLoudness *m;
  unsigned rate, channels, ch;
  unsigned long long frames = 0;
  double v;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  m = mst_loudness_new (rate, channels);
  FUZZ_CHECK (m != NULL, "new (%u, %u)", rate, channels);
  for (ch = 0; ch < channels; ch++)
    FUZZ_CHECK (mst_loudness_set_channel_weight (m, ch,
            fuzz_range (&in, 0.0, 2.0)) == MST_OK, "weight");
  /* bad arguments are refused */
  FUZZ_CHECK (mst_loudness_set_channel_weight (m, channels, 1.0) != MST_OK,
      "weight of channel %u", channels);
  FUZZ_CHECK (mst_loudness_set_channel_weight (m, 0, NAN) != MST_OK,
      "NaN weight");

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t bad;
    fuzz_bufs_load (&bufs, &b, channels);
    if (b.ctl % 16 == 0) {
      mst_loudness_add_silence (m, b.frames);
    } else if (b.ctl % 16 == 1) {
      mst_loudness_reset (m);
      frames = 0;
      continue;
    } else {
      bad = b.f64 ? mst_loudness_add_f64 (m, bufs.d, b.frames) :
          mst_loudness_add_f32 (m, bufs.f, b.frames);
      FUZZ_CHECK (bad == b.nonfinite, "%zu non-finite reported, %zu fed",
          bad, b.nonfinite);
    }
    frames += b.frames;
    FUZZ_CHECK (mst_loudness_frames (m) == frames, "frames %llu != %llu",
        mst_loudness_frames (m), frames);
    check_value (mst_loudness_momentary (m), "momentary");
    check_value (mst_loudness_shortterm (m), "short-term");
    check_value (mst_loudness_integrated (m), "integrated");
    v = mst_loudness_range (m);
    check_value (v, "range");
    FUZZ_CHECK (v == -INFINITY || v >= 0.0, "range %g", v);
    check_value (mst_loudness_max_momentary (m), "max momentary");
    check_value (mst_loudness_max_shortterm (m), "max short-term");
    FUZZ_CHECK (mst_loudness_max_momentary (m) >=
        mst_loudness_momentary (m), "max momentary below momentary");
    FUZZ_CHECK (mst_loudness_max_shortterm (m) >=
        mst_loudness_shortterm (m), "max short-term below short-term");
  }
  mst_loudness_free (m);
  fuzz_bufs_clear (&bufs);
  return 0;
}
