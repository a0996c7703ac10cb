/* gst-mastering tests: reference true-peak meter.
 *
 * An independent, slow and accurate measure of the true peak (the maximum
 * of the band-limited reconstruction) for the tests: 16x oversampling by a
 * Kaiser-windowed sinc of 128 taps per phase (beta 9, about 90 dB image
 * rejection, passband flat within 0.001 dB up to 0.45 fs), run in double,
 * then a parabolic fit through every local maximum of the 16x signal.  The
 * result is within 0.01 dB of the analytic peak for signals up to 0.45 fs
 * (tests/dsp/test-truepeak.c checks this against sine peaks).
 *
 * Samples outside the buffer are taken as 0 (the reconstruction of a
 * signal that starts and stops there).  Plain C, no GLib.
 */
#ifndef MST_REFPEAK_H
#define MST_REFPEAK_H

#include <stddef.h>

/* Half length of the interpolator in input samples: the reconstruction is
 * nonzero up to this far outside the buffer. */
#define MST_REFPEAK_HALF 64

/* True peak (linear) of channel ch of interleaved x[frames * channels]:
 * the maximum of |reconstruction| over the input positions t in
 * [from, to), which may extend beyond [0, frames) (the tails). */
double mst_refpeak_range_f64 (const double *x, size_t frames,
    unsigned channels, unsigned ch, long from, long to);

/* Whole signal including its tails: t in [-HALF, frames + HALF). */
double mst_refpeak_f64 (const double *x, size_t frames, unsigned channels,
    unsigned ch);
double mst_refpeak_f32 (const float *x, size_t frames, unsigned channels,
    unsigned ch);

#endif /* MST_REFPEAK_H */
