/* gst-mastering dsp: ITU-R BS.1770-4 Annex 2 true-peak meter and
 * oversampled peak detector.
 *
 * A polyphase interpolating FIR oversamples each channel by 4x below
 * 96 kHz, 2x below 192 kHz and 1x (sample peak) above.  The FIR taps are
 * applied across a block by ORC kernels (mstorc.orc).  The same object
 * serves the meter (_add_*: running maxima) and the true-peak limiter
 * (_envelope_f32: one peak value per input sample, delayed by
 * mst_truepeak_latency () frames), so both see the same interpolated
 * signal.  Non-finite samples are counted, treated as 0, and never enter
 * the interpolator history.
 */
#ifndef MST_TRUEPEAK_H
#define MST_TRUEPEAK_H

#include "mst.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MstTruePeak MstTruePeak;

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX; NULL on
 * bad arguments or no memory. */
MstTruePeak *mst_truepeak_new (unsigned rate, unsigned channels);
void mst_truepeak_free (MstTruePeak *tp);
/* Clear the interpolator history and the maxima. */
void mst_truepeak_reset (MstTruePeak *tp);

/* Oversampling factor (4, 2 or 1). */
unsigned mst_truepeak_factor (const MstTruePeak *tp);
/* Delay of the interpolated signal against the input, in input frames. */
unsigned mst_truepeak_latency (const MstTruePeak *tp);

/* Meter: feed interleaved frames, update the per-channel maxima.  Returns
 * how many non-finite samples were replaced by 0. */
size_t mst_truepeak_add_f32 (MstTruePeak *tp, const float *x, size_t frames);
size_t mst_truepeak_add_f64 (MstTruePeak *tp, const double *x,
    size_t frames);
/* Feed digital silence (GAP buffers): advances the history. */
void mst_truepeak_add_silence (MstTruePeak *tp, size_t frames);

/* Maxima since the last reset, linear amplitude (1.0 = 0 dBFS/dBTP).
 * The true peak includes the sample peaks. */
double mst_truepeak_max (const MstTruePeak *tp, unsigned ch);
double mst_truepeak_sample_max (const MstTruePeak *tp, unsigned ch);

/* Detector for a limiter: channel ch, planar samples x[0..n).  Writes
 * env[i] = the largest absolute value of the oversampled signal between
 * input samples i - L and i - L + 1 (L = mst_truepeak_latency ()),
 * sample included.  Uses and advances the history of channel ch; does not
 * touch the meter maxima.  x and env may not overlap. */
void mst_truepeak_envelope_f32 (MstTruePeak *tp, unsigned ch,
    const float *x, size_t n, float *env);

#ifdef __cplusplus
}
#endif
#endif /* MST_TRUEPEAK_H */
