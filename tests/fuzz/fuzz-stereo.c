/* libFuzzer target: dsp/stereo (mid/side imager and stereo meter).
 *
 * Random rate and settings over their whole ranges (and beyond: the
 * setters clamp), changed between blocks, including mono bass switching
 * on and off mid-glide; observe (the neutral passthrough) and process
 * calls; blocks of any size and content, F32 or F64.  Invariants: finite
 * output, the side gain and split frequency are finite and within range,
 * the meter reads correlation in [-1, 1] and bounded dB values even after
 * NaN, Inf and huge input. */
#include "fuzz.h"
#include "stereo.h"

static void
set_one (MstStereo * st, FuzzIn * in, unsigned what)
{
  switch (what % 7) {
    case 0:
      mst_stereo_set_width (st, fuzz_range (in, -1.0, 3.0));
      break;
    case 1:
      mst_stereo_set_mid_gain_db (st, fuzz_range (in, -100.0, 40.0));
      break;
    case 2:
      mst_stereo_set_side_gain_db (st, fuzz_range (in, -100.0, 40.0));
      break;
    case 3:
      mst_stereo_set_balance (st, fuzz_range (in, -2.0, 2.0));
      break;
    case 4:
      mst_stereo_set_mono_bass (st, fuzz_u8 (in) & 1 ? 0.0 :
          fuzz_range (in, 0.0, 2.0 * MST_STEREO_MONO_BASS_MAX));
      break;
    case 5:
      mst_stereo_set_safe_width (st, fuzz_u8 (in) & 1, fuzz_range (in, -0.5,
              1.0));
      break;
    default:
      if (fuzz_u8 (in) == 0)
        mst_stereo_reset (st);
      break;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzBufs bufs;
  FuzzBlock b;
  MstStereo *st;
  MstStereoMeter meter;
  unsigned rate, i, nset;

  mst_dsp_init ();
  rate = fuzz_rate (&in);
  st = mst_stereo_new (rate);
  FUZZ_CHECK (st != NULL, "new (%u)", rate);
  FUZZ_CHECK (mst_stereo_new (0.0) == NULL, "rate 0 accepted");
  mst_stereo_meter_reset (&meter);
  nset = fuzz_u8 (&in) % 16;
  for (i = 0; i < nset; i++)
    set_one (st, &in, fuzz_u8 (&in));

  if (!fuzz_bufs_init (&bufs, 2))
    abort ();
  b.x = bufs.x;
  while (fuzz_block (&in, &b, 2)) {
    size_t n = b.frames * 2;
    double corr, ms, bal, gs, mb;
    fuzz_bufs_load (&bufs, &b, 2);
    if (b.ctl & 1)
      set_one (st, &in, b.ctl >> 1);
    if ((b.ctl & 0x80) && mst_stereo_is_neutral (st)) {
      if (b.f64)
        mst_stereo_observe_f64 (st, bufs.d, b.frames);
      else
        mst_stereo_observe_f32 (st, bufs.f, b.frames);
    } else if (b.f64) {
      mst_stereo_process_f64 (st, bufs.d, b.frames);
      fuzz_check_finite_f64 (bufs.d, n, "stereo f64");
    } else {
      mst_stereo_process_f32 (st, bufs.f, b.frames);
      fuzz_check_finite_f32 (bufs.f, n, "stereo f32");
    }
    gs = mst_stereo_get_side_gain (st);
    mb = mst_stereo_get_mono_bass (st);
    FUZZ_CHECK (isfinite (gs) && gs >= 0.0, "side gain %g", gs);
    FUZZ_CHECK (isfinite (mb) && mb >= 0.0 && mb <= 0.45 * rate + 1e-9 &&
        mb <= MST_STEREO_MONO_BASS_MAX, "mono bass %g", mb);

    /* the meter on the (hostile) input */
    if (b.f64)
      mst_stereo_meter_add_f64 (&meter, b.x, b.frames);
    else {
      size_t i;
      for (i = 0; i < n; i++)
        bufs.of[i] = (float) b.x[i];
      mst_stereo_meter_add_f32 (&meter, bufs.of, b.frames);
    }
    mst_stereo_meter_read (&meter, &corr, &ms, &bal);
    FUZZ_CHECK (corr >= -1.0 && corr <= 1.0, "correlation %g", corr);
    FUZZ_CHECK (fabs (ms) <= MST_STEREO_METER_DB_MAX, "mid/side %g dB", ms);
    FUZZ_CHECK (fabs (bal) <= MST_STEREO_METER_DB_MAX, "balance %g dB", bal);
  }
  mst_stereo_free (st);
  fuzz_bufs_clear (&bufs);
  return 0;
}
