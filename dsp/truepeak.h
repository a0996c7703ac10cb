/* gst-mastering dsp: ITU-R BS.1770-4 Annex 2 true-peak meter and
 * oversampled peak detector.
 *
 * A polyphase interpolating FIR oversamples each channel by 4x below
 * 96 kHz and 2x below 192 kHz.  From 192 kHz up the factor is 1x: the
 * true peak is the sample peak (no interpolation, latency 0), which
 * BS.1770-4 allows since the audio band then lies far below fs / 4.  The
 * filter is a Kaiser-windowed sinc, 32 taps per phase, flat within 0.05 dB
 * up to 0.45 fs (see truepeak.c).  The FIR taps are applied across a block
 * by ORC kernels (mstorc.orc).  The same object serves the meter (_add_*:
 * running maxima) and the true-peak limiter (_envelope_f32: one peak value
 * per input sample, delayed by mst_truepeak_latency () frames), so both see
 * the same interpolated signal.  Non-finite samples are counted, treated as
 * 0, and never enter the interpolator history.  Interpolation runs in
 * single precision, also for f64 input (whose sample peak is exact).
 */
#ifndef MST_TRUEPEAK_H
#define MST_TRUEPEAK_H

#include "mst.h"

typedef struct MstTruePeak MstTruePeak;

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX; NULL on
 * bad arguments or no memory. */
MstTruePeak *mst_truepeak_new (unsigned rate, unsigned channels);
void mst_truepeak_free (MstTruePeak * tp);
/* Clear the interpolator history and the maxima. */
void mst_truepeak_reset (MstTruePeak * tp);

/* Oversampling factor (4, 2 or 1). */
unsigned mst_truepeak_factor (const MstTruePeak * tp);
/* Delay of the interpolated signal against the input, in input frames
 * (16 for 4x and 2x, 0 for 1x). */
unsigned mst_truepeak_latency (const MstTruePeak * tp);

/* Meter: feed interleaved frames, update the per-channel maxima.  Returns
 * how many non-finite samples were replaced by 0. */
size_t mst_truepeak_add_f32 (MstTruePeak * tp, const float *x, size_t frames);
size_t mst_truepeak_add_f64 (MstTruePeak * tp, const double *x, size_t frames);
/* Feed digital silence (GAP buffers): advances the history.  At the end of
 * a stream, feeding mst_truepeak_latency () frames of silence also meters
 * the inter-sample peaks of the last frames (as a DAC would see them when
 * the signal stops). */
void mst_truepeak_add_silence (MstTruePeak * tp, size_t frames);

/* Maxima since the last reset, linear amplitude (1.0 = 0 dBFS/dBTP).
 * The true peak includes the sample peaks.  ch >= channels gives 0. */
double mst_truepeak_max (const MstTruePeak * tp, unsigned ch);
double mst_truepeak_sample_max (const MstTruePeak * tp, unsigned ch);

/* Detector for a limiter: channel ch, planar samples x[0..n).  Writes
 * env[i] = the largest absolute value of the oversampled signal over the
 * half-open interval [i - L, i - L + 1) of input sample positions
 * (L = mst_truepeak_latency ()): |x[i - L]| itself and the factor - 1
 * interpolated values after it (x before the first sample after a reset
 * counts as 0).  An impulse at x[k] thus shows up as env[k + L] = |x[k]|.
 * A peak between input samples j and j + 1 appears in env[j + L].
 * Uses and advances the history of channel ch (shared with _add_*, so use
 * one object either as a meter or as a detector); does not touch the meter
 * maxima.  x and env may not overlap. */
void mst_truepeak_envelope_f32 (MstTruePeak * tp, unsigned ch,
    const float *x, size_t n, float *env);

/* Limiter detector support (added after the first contract, additive).
 *
 * mst_truepeak_new_factor: like mst_truepeak_new but with the
 * oversampling factor chosen by the caller (1 .. 4) at every rate, so a
 * limiter can keep 4x above 96 kHz.  NULL on bad arguments.
 *
 * mst_truepeak_upsample_f32: the oversampled signal itself.  For planar
 * input x[0..n) of channel ch writes y[i * F + p], p = 0 .. F - 1, the
 * interpolated value at x position i - L + p / F (L =
 * mst_truepeak_latency (), F = mst_truepeak_factor ()); phase 0 is the
 * input sample.  Uses and advances the history of channel ch like
 * _envelope_f32; y holds n * F floats and may not overlap x. */
MstTruePeak *mst_truepeak_new_factor (unsigned rate, unsigned channels,
    unsigned factor);
void mst_truepeak_upsample_f32 (MstTruePeak * tp, unsigned ch,
    const float *x, size_t n, float *y);

/* mst_truepeak_skip_f32: advances the history of channel ch over x[0..n)
 * as mst_truepeak_upsample_f32 does, without computing the points (the
 * points after it are those of an upsample of the whole stream).
 *
 * mst_truepeak_point_bound: every interpolated point is at most this
 * times the largest |x| of the samples it is computed from (the largest
 * sum of |taps| over the phases, >= 1), before float rounding. */
void mst_truepeak_skip_f32 (MstTruePeak * tp, unsigned ch, const float *x,
    size_t n);
double mst_truepeak_point_bound (const MstTruePeak * tp);
#endif /* MST_TRUEPEAK_H */
