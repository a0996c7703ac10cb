/* libFuzzer target: dsp/eq (band design and the multi-band processor).
 *
 * Random rate and channels; bands set with any type, order, channel
 * routing and bypass, parameters mostly inside the documented ranges and
 * sometimes outside (or NaN), changed between blocks while gliding (glide
 * 0 .. 50 ms); output gain and auto gain; blocks of any size and content,
 * F32 or F64.  Invariants: a setting out of range is refused and leaves the
 * band unchanged, a design inside the ranges succeeds with finite
 * coefficients, the output is finite, and while the processor is the
 * identity (mst_eq_is_passthrough) the buffer is left untouched, NaN and
 * Inf included (documented: the caller passes through; this also holds
 * for the rest of a buffer in which a glide reaches the identity). */
#include "fuzz.h"
#include "eq.h"

static double
param (FuzzIn * in, double lo, double hi)
{
  uint8_t k = fuzz_u8 (in);
  if (k == 0)
    return NAN;
  if (k == 1)
    return lo - 1.0;
  if (k == 2)
    return hi * 2.0;
  if (k < 64)
    return k & 1 ? lo : hi;
  return fuzz_range (in, lo, hi);
}

static int
in_range (const MstEqBand * b)
{
  return b->freq >= MST_EQ_FREQ_MIN && b->freq <= MST_EQ_FREQ_MAX &&
      b->gain_db >= MST_EQ_GAIN_MIN && b->gain_db <= MST_EQ_GAIN_MAX &&
      b->q >= MST_EQ_Q_MIN && b->q <= MST_EQ_Q_MAX && b->order >= 1 &&
      b->order <= MST_EQ_MAX_ORDER;
}

static void
set_band (MstEq * eq, FuzzIn * in, unsigned rate)
{
  MstEqBand band, old, now;
  MstBiquad sec[MST_EQ_MAX_SECTIONS];
  unsigned i = fuzz_u8 (in) % MST_EQ_MAX_BANDS, n, k;
  int r;

  mst_eq_band_init (&band);
  band.type = (MstEqType) (fuzz_u8 (in) % 6);
  band.freq = param (in, MST_EQ_FREQ_MIN, MST_EQ_FREQ_MAX);
  band.gain_db = param (in, MST_EQ_GAIN_MIN, MST_EQ_GAIN_MAX);
  band.q = param (in, MST_EQ_Q_MIN, MST_EQ_Q_MAX);
  band.order = fuzz_u8 (in) % (MST_EQ_MAX_ORDER + 2);
  band.channels = (MstEqChannels) (fuzz_u8 (in) % 5);
  band.bypass = fuzz_u8 (in) % 8 == 0;

  mst_eq_get_band (eq, i, &old);
  r = mst_eq_set_band (eq, i, &band);
  mst_eq_get_band (eq, i, &now);
  if (r != MST_OK)
    FUZZ_CHECK (memcmp (&old, &now, sizeof (old)) == 0, "refused band %u "
        "changed", i);
  if (in_range (&band)) {
    FUZZ_CHECK (r == MST_OK, "band in range refused: type %d freq %g gain "
        "%g q %g order %u", band.type, band.freq, band.gain_db, band.q,
        band.order);
    r = mst_eq_design (sec, &n, band.type, rate, band.freq, band.gain_db,
        band.q, band.order);
    FUZZ_CHECK (r == MST_OK && n <= MST_EQ_MAX_SECTIONS, "design %d n %u",
        r, n);
    for (k = 0; k < n; k++)
      FUZZ_CHECK (isfinite (sec[k].b0) && isfinite (sec[k].b1) &&
          isfinite (sec[k].b2) && isfinite (sec[k].a1) &&
          isfinite (sec[k].a2), "section %u not finite: type %d freq %g "
          "gain %g q %g order %u rate %u", k, band.type, band.freq,
          band.gain_db, band.q, band.order, rate);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstEq *eq;
  unsigned rate, channels, i, nset;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  channels = 1 + fuzz_u8 (&in) % MST_CHANNELS_MAX;
  eq = mst_eq_new (rate, channels);
  FUZZ_CHECK (eq != NULL, "new (%u, %u)", rate, channels);
  mst_eq_set_glide (eq, fuzz_range (&in, 0.0, 50.0));
  FUZZ_CHECK (mst_eq_set_num_bands (eq, MST_EQ_MAX_BANDS + 1) != MST_OK,
      "too many bands accepted");
  mst_eq_set_num_bands (eq, fuzz_u8 (&in) % (MST_EQ_MAX_BANDS + 1));
  mst_eq_set_auto_gain (eq, fuzz_u8 (&in) & 1);
  mst_eq_set_output_gain (eq, param (&in, MST_EQ_GAIN_MIN, MST_EQ_GAIN_MAX));
  nset = fuzz_u8 (&in) % 20;
  for (i = 0; i < nset; i++)
    set_band (eq, &in, rate);

  if (!fuzz_bufs_init (&bufs, channels))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, channels)) {
    size_t n = b.frames * channels;
    fuzz_bufs_load (&bufs, &b, channels);
    switch (b.ctl % 8) {
      case 0:
        set_band (eq, &in, rate);
        break;
      case 1:
        mst_eq_set_num_bands (eq, (b.ctl >> 3) % (MST_EQ_MAX_BANDS + 1));
        break;
      case 2:
        mst_eq_set_output_gain (eq, param (&in, MST_EQ_GAIN_MIN,
                MST_EQ_GAIN_MAX));
        break;
      case 3:
        mst_eq_set_auto_gain (eq, b.ctl & 8);
        break;
      case 4:
        if (b.ctl == 4)
          mst_eq_reset (eq);
        break;
      default:
        break;
    }
    FUZZ_CHECK (isfinite (mst_eq_auto_gain_db (eq)), "auto gain %g",
        mst_eq_auto_gain_db (eq));
    /* the identity leaves the buffer untouched (NaN included) */
    if (mst_eq_is_passthrough (eq)) {
      memcpy (bufs.od, bufs.d, n * sizeof (double));
      memcpy (bufs.of, bufs.f, n * sizeof (float));
      if (b.f64) {
        mst_eq_process_f64 (eq, bufs.d, b.frames);
        FUZZ_CHECK (memcmp (bufs.od, bufs.d, n * sizeof (double)) == 0,
            "passthrough changed the f64 samples");
      } else {
        mst_eq_process_f32 (eq, bufs.f, b.frames);
        FUZZ_CHECK (memcmp (bufs.of, bufs.f, n * sizeof (float)) == 0,
            "passthrough changed the f32 samples");
      }
    } else {
      /* finite, except where the processor reached the identity within
       * the call (a glide ended): from there on the buffer is untouched */
      int ident;
      size_t k;
      memcpy (bufs.od, bufs.d, n * sizeof (double));
      memcpy (bufs.of, bufs.f, n * sizeof (float));
      if (b.f64)
        mst_eq_process_f64 (eq, bufs.d, b.frames);
      else
        mst_eq_process_f32 (eq, bufs.f, b.frames);
      ident = mst_eq_is_passthrough (eq);
      for (k = 0; k < n; k++) {
        int untouched = b.f64 ?
            memcmp (&bufs.d[k], &bufs.od[k], sizeof (double)) == 0 :
            memcmp (&bufs.f[k], &bufs.of[k], sizeof (float)) == 0;
        double v = b.f64 ? bufs.d[k] : bufs.f[k];
        FUZZ_CHECK (isfinite (v) || (ident && untouched), "eq %s: sample "
            "%zu is %g", b.f64 ? "f64" : "f32", k, v);
      }
    }
  }
  mst_eq_free (eq);
  fuzz_bufs_clear (&bufs);
  return 0;
}
