/* libFuzzer target: dsp/compressor (broadband and multiband).
 *
 * Random rate, channels, bands (1..4) and lookahead; every setting drawn
 * from its documented range at the start and changed between blocks;
 * blocks of any size and content, F32 or F64, in place or not.
 * Invariants: finite output, the non-finite count is exact, the gain
 * reduction is finite and >= 0, the latency is the documented rounding
 * of the lookahead. */
#include "fuzz.h"
#include "compressor.h"

/* Changes one setting; returns 1 after a reset (which also clears the
 * non-finite count). */
static int
set_one (MstCompressor * c, FuzzIn * in, unsigned bands, unsigned what)
{
  unsigned band = fuzz_u8 (in) % bands;
  switch (what % 16) {
    case 0:
      mst_compressor_set_knee (c, fuzz_range (in, MST_COMP_KNEE_MIN,
              MST_COMP_KNEE_MAX));
      break;
    case 1:
      mst_compressor_set_detector (c, fuzz_u8 (in) & 1 ?
          MST_COMP_DETECTOR_RMS : MST_COMP_DETECTOR_PEAK);
      break;
    case 2:
      mst_compressor_set_sidechain_hpf (c, fuzz_u8 (in) & 1 ? 0.0 :
          fuzz_range (in, 0.0, MST_COMP_HPF_MAX));
      break;
    case 3:
      mst_compressor_set_link (c, fuzz_range (in, 0.0, 1.0));
      break;
    case 4:
      mst_compressor_set_auto_release (c, fuzz_u8 (in) & 1);
      break;
    case 5:
      mst_compressor_set_auto_makeup (c, fuzz_u8 (in) & 1);
      break;
    case 6:
      mst_compressor_set_mix (c, fuzz_range (in, 0.0, 1.0));
      break;
    case 7:
      mst_compressor_set_output_gain (c, fuzz_range (in, MST_COMP_MAKEUP_MIN,
              MST_COMP_MAKEUP_MAX));
      break;
    case 8:
      mst_compressor_set_crossover (c, fuzz_u8 (in) % 3,
          fuzz_range (in, MST_COMP_XOVER_MIN, MST_COMP_XOVER_MAX));
      break;
    case 9:
      mst_compressor_set_threshold (c, band, fuzz_range (in,
              MST_COMP_THRESHOLD_MIN, MST_COMP_THRESHOLD_MAX));
      break;
    case 10:
      mst_compressor_set_ratio (c, band, fuzz_range (in, MST_COMP_RATIO_MIN,
              MST_COMP_RATIO_MAX));
      break;
    case 11:
      mst_compressor_set_attack (c, band, fuzz_range (in,
              MST_COMP_ATTACK_MIN, MST_COMP_ATTACK_MAX));
      break;
    case 12:
      mst_compressor_set_release (c, band, fuzz_range (in,
              MST_COMP_RELEASE_MIN, MST_COMP_RELEASE_MAX));
      break;
    case 13:
      mst_compressor_set_makeup (c, band, fuzz_range (in,
              MST_COMP_MAKEUP_MIN, MST_COMP_MAKEUP_MAX));
      break;
    case 14:
      mst_compressor_set_bypass (c, band, fuzz_u8 (in) & 1);
      break;
    default:
      if (fuzz_u8 (in) == 0) {
        mst_compressor_reset (c);
        return 1;
      }
      break;
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstCompressor *c;
  unsigned rate, channels, bands, i, nset;
  double lookahead;
  size_t nonfinite = 0;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  bands = 1 + fuzz_u8 (&in) % MST_COMP_BANDS_MAX;
  lookahead = fuzz_u8 (&in) & 1 ? 0.0 : fuzz_range (&in, 0.0,
      MST_COMP_LOOKAHEAD_MAX);
  c = mst_compressor_new (channels, rate, bands, lookahead);
  FUZZ_CHECK (c != NULL, "new (%u, %u, %u, %g)", channels, rate, bands,
      lookahead);
  FUZZ_CHECK (mst_compressor_bands (c) == bands, "bands");
  FUZZ_CHECK (mst_compressor_latency (c) ==
      (unsigned) lround (lookahead * rate / 1000.0), "latency %u for %g ms",
      mst_compressor_latency (c), lookahead);
  FUZZ_CHECK (mst_compressor_new (channels, rate, MST_COMP_BANDS_MAX + 1,
          0.0) == NULL, "too many bands accepted");
  nset = fuzz_u8 (&in) % 24;
  for (i = 0; i < nset; i++)
    set_one (c, &in, bands, fuzz_u8 (&in));

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t n = b.frames * channels, bad;
    unsigned k;
    fuzz_bufs_load (&bufs, &b, channels);
    if ((b.ctl & 1) && set_one (c, &in, bands, b.ctl >> 1))
      nonfinite = 0;
    nonfinite += b.nonfinite;
    if (b.f64) {
      double *out = (b.ctl & 0x40) ? bufs.d : bufs.od;
      mst_compressor_process_f64 (c, bufs.d, out, b.frames);
      fuzz_check_finite_f64 (out, n, "compressor f64");
    } else {
      float *out = (b.ctl & 0x40) ? bufs.f : bufs.of;
      mst_compressor_process_f32 (c, bufs.f, out, b.frames);
      fuzz_check_finite_f32 (out, n, "compressor f32");
    }
    if (b.ctl & 0x80) {
      bad = mst_compressor_take_nonfinite (c);
      FUZZ_CHECK (bad == nonfinite, "%zu non-finite counted, %zu fed", bad,
          nonfinite);
      nonfinite = 0;
      for (k = 0; k < bands; k++) {
        double gr = mst_compressor_take_gain_reduction (c, k);
        FUZZ_CHECK (isfinite (gr) && gr >= 0.0, "band %u gain reduction %g",
            k, gr);
      }
    }
  }
  mst_compressor_free (c);
  fuzz_bufs_clear (&bufs);
  return 0;
}
