/* gst-mastering dsp: ITU-R BS.1770-4 K-weighting pre-filter.
 *
 * Two sections: a high shelf (+4 dB above ~1.7 kHz, the acoustic effect of
 * the head) and the RLB high-pass (~38 Hz).  Both are designed from
 * analogue prototypes with the pre-warped bilinear transform
 * (mst_biquad_from_analog ()), so the response is the same at every sample
 * rate; at 48 kHz the coefficients are those of the BS.1770-4 table.
 *
 * The BS.1770 table's high-pass numerator is (1, -2, 1): its pass-band gain
 * is 1/(1 + k/Q + k^2) above unity, k = tan (pi f0 / 48000), about
 * +0.0434 dB.  The -0.691 dB loudness offset was calibrated with that
 * gain, so the prototype here carries the same constant pass-band gain
 * (mst_kweight_rlb_gain ()) at every rate (a meter at 44.1 or 96 kHz then reads
 * what a 48 kHz meter reads after resampling).
 *
 * The energy functions run both sections fused per channel, in double, and
 * accumulate the sum of squares of the K-weighted signal: the inner loop of
 * the loudness meter.
 */
#ifndef MST_KWEIGHT_H
#define MST_KWEIGHT_H

#include "biquad.h"

/* Analogue prototype of the shelf:
 *   H(p) = (1 + (Vb / Q) p + Vh p^2) / (1 + p / Q + p^2),  p = s / w0,
 *   Vh = 10^(G / 20), Vb = Vh^MST_KWEIGHT_SHELF_VB_EXP. */
#define MST_KWEIGHT_SHELF_F0 1681.974450955533
#define MST_KWEIGHT_SHELF_G_DB 3.999843853973347
#define MST_KWEIGHT_SHELF_Q 0.7071752369554196
#define MST_KWEIGHT_SHELF_VB_EXP 0.4996667741545416
/* Analogue prototype of the RLB high-pass:
 *   H(p) = g p^2 / (1 + p / Q + p^2)
 * (see mst_kweight_rlb_gain ()). */
#define MST_KWEIGHT_RLB_F0 38.13547087602444
#define MST_KWEIGHT_RLB_Q 0.5003270373238773
/* g = 1 + k / Q + k^2, k = tan (pi MST_KWEIGHT_RLB_F0 /
 * 48000): the pass-band gain of the BS.1770 48 kHz high-pass. */
double mst_kweight_rlb_gain (void);

/* The two sections for one sample rate.  shelf and highpass are the plain
 * (textbook) sections; the energy functions use the fused form derived
 * from them in mst_kweight_design (). */
typedef struct
{
  MstBiquad shelf;
  MstBiquad highpass;
  /* fused form: shelf numerator pre-multiplied by highpass.b0, so the
   * high-pass numerator becomes (1, -2, 1). */
  double fb0, fb1, fb2, fa1, fa2;       /* scaled shelf */
  double ha1, ha2;              /* high-pass denominator */
  /* the energy functions use fused multiply-adds (the CPU has them; set
   * by mst_kweight_design) */
  int fma;
} MstKWeight;

/* Design for rate Hz (MST_RATE_MIN..MST_RATE_MAX).  MST_ERR_INVAL
 * otherwise. */
int mst_kweight_design (MstKWeight * k, double rate);

/* Magnitude response of the digital filter at freq Hz, in dB. */
double mst_kweight_response_db (const MstKWeight * k, double rate, double freq);

/* Per-channel filter state for the energy functions: MST_KWEIGHT_STATES
 * MstBiquadState per channel, channel ch at st[ch * MST_KWEIGHT_STATES].
 * The values are those of the fused form: only the energy functions (and
 * mst_biquad_state_reset / _flush) should touch them. */
#define MST_KWEIGHT_STATES 2

/* Filter `frames` interleaved frames of `channels` channels and add each
 * channel's sum of squared K-weighted samples to sumsq[ch].  On a CPU
 * with fused multiply-add the recursions use it (one rounding less per
 * term, a shorter dependency chain): the sums then differ from those of
 * another CPU in the last bits, never between channel layouts or calls.
 * Denormal state is flushed on return.  Non-finite input propagates into the sums
 * and the state: the caller checks the sums and restores the state. */
void mst_kweight_energy_f32 (const MstKWeight * k, MstBiquadState * st,
    const float *x, size_t frames, unsigned channels, double *sumsq);
void mst_kweight_energy_f64 (const MstKWeight * k, MstBiquadState * st,
    const double *x, size_t frames, unsigned channels, double *sumsq);
#endif /* MST_KWEIGHT_H */
