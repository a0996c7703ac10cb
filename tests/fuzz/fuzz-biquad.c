/* libFuzzer target: dsp/biquad and dsp/crossover (designs and sections).
 *
 * Random shapes, rates, frequencies, q and gains, inside and outside the
 * documented domains; random LR4/LR8 splits.  Invariants: a design outside
 * its domain returns MST_ERR_INVAL and leaves the coefficients unchanged;
 * one inside succeeds with finite coefficients; the sections and splits
 * keep finite input (up to FUZZ_HUGE) finite; NaN never leaks into a
 * state through the block functions' denormal flush. */
#include "fuzz.h"
#include "biquad.h"
#include "crossover.h"

static int
finite_coefs (const MstBiquad * c)
{
  return isfinite (c->b0) && isfinite (c->b1) && isfinite (c->b2) &&
      isfinite (c->a1) && isfinite (c->a2);
}

static double
value (FuzzIn * in, double lo, double hi)
{
  uint8_t k = fuzz_u8 (in);
  switch (k) {
    case 0:
      return NAN;
    case 1:
      return 0.0;
    case 2:
      return -1.0;
    case 3:
      return hi;
    case 4:
      return INFINITY;
    default:
      return fuzz_range (in, lo, hi);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstBiquad c[4], before;
  MstBiquadState s[4 * MST_CHANNELS_MAX];
  MstCrossover xo;
  MstCrossoverState xs;
  MstCrossoverApState as;
  double *low, *high, rate, freq, q, gain;
  unsigned channels, nsec, k, order;
  int r;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  nsec = 1 + fuzz_u8 (&in) % 4;
  for (k = 0; k < nsec; k++) {
    MstBiquadType type = (MstBiquadType) (fuzz_u8 (&in) % 12);
    int valid;
    freq = value (&in, 0.0, rate / 2.0);
    q = value (&in, 0.0, 50.0);
    gain = value (&in, -60.0, 60.0);
    valid = freq > 0.0 && freq < rate / 2.0 && q > 0.0 && isfinite (q) &&
        isfinite (gain);
    mst_biquad_set_identity (&c[k]);
    before = c[k];
    r = mst_biquad_design (&c[k], type, rate, freq, q, gain);
    if (r != MST_OK)
      FUZZ_CHECK (memcmp (&before, &c[k], sizeof (before)) == 0,
          "refused design changed the section");
    else
      FUZZ_CHECK (finite_coefs (&c[k]), "type %d rate %g freq %g q %g gain "
          "%g: coefficients not finite", type, rate, freq, q, gain);
    if (valid)
      FUZZ_CHECK (r == MST_OK, "valid design refused: type %d rate %g freq "
          "%g q %g gain %g", type, rate, freq, q, gain);
    if (r != MST_OK)
      mst_biquad_set_identity (&c[k]);
  }
  mst_biquad_state_reset (s, nsec * channels);

  order = fuzz_u8 (&in) & 1 ? 8 : 4;
  freq = value (&in, 0.0, 0.45 * rate);
  r = mst_crossover_design (&xo, order, rate, freq);
  if (freq > 0.0 && freq <= 0.45 * rate)
    FUZZ_CHECK (r == MST_OK, "crossover %u at %g Hz refused", order, freq);
  if (r != MST_OK)
    mst_crossover_design (&xo, order, rate, 0.1 * rate);
  mst_crossover_state_reset (&xs, 1);
  mst_crossover_ap_state_reset (&as, 1);

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  low = bufs.od;
  high = calloc (FUZZ_MAX_FRAMES, sizeof (double));
  if (!high)
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t n = b.frames * channels, i;
    /* the sections promise nothing for NaN/Inf input: finite only */
    for (i = 0; i < n; i++)
      if (!isfinite (b.x[i]))
        b.x[i] = 0.0;
    fuzz_bufs_load (&bufs, &b, channels);
    if (b.f64) {
      mst_biquad_cascade_process_f64 (c, nsec, s, bufs.d, bufs.d, b.frames,
          channels);
      fuzz_check_finite_f64 (bufs.d, n, "cascade f64");
    } else if (b.ctl & 1) {
      mst_biquad_process_f32 (c, s, bufs.f, bufs.of, b.frames, channels);
      fuzz_check_finite_f32 (bufs.of, n, "section f32");
    } else {
      mst_biquad_cascade_process_f32 (c, nsec, s, bufs.f, bufs.f, b.frames,
          channels);
      fuzz_check_finite_f32 (bufs.f, n, "cascade f32");
    }
    /* channel 0 of the block through the split (planar) */
    for (i = 0; i < b.frames; i++)
      bufs.x[i] = b.x[i * channels];
    switch (b.ctl % 4) {
      case 0:
        mst_crossover_split_f64 (&xo, &xs, bufs.x, low, high, b.frames);
        fuzz_check_finite_f64 (high, b.frames, "split high");
        break;
      case 1:
        mst_crossover_highpass_f64 (&xo, &xs, bufs.x, low, b.frames);
        break;
      case 2:
        mst_crossover_lowpass_f64 (&xo, &xs, bufs.x, low, b.frames);
        break;
      default:
        mst_crossover_allpass_f64 (&xo, &as, bufs.x, low, b.frames);
        break;
    }
    fuzz_check_finite_f64 (low, b.frames, "crossover");
  }
  free (high);
  fuzz_bufs_clear (&bufs);
  return 0;
}
