/* gst-mastering dsp: mastering equaliser (band designs and the multi-band
 * processor).
 *
 * Band types and their analogue prototypes (p = s / w0, w0 = 2 pi freq,
 * g = 10^(gain / 20), A = 10^(gain / 40) = sqrt (g)):
 *
 *   PEAK        (p^2 + (A / q) p + 1) / (p^2 + p / (A q) + 1)
 *               gain at freq; q sets the bandwidth.
 *   LOW_SHELF   A (p^2 + (sqrt (A) / q) p + A) / (A p^2 + (sqrt (A) / q) p + 1)
 *               gain below freq, 0 dB above, gain / 2 at freq.
 *   HIGH_SHELF  A (A p^2 + (sqrt (A) / q) p + 1) / (p^2 + (sqrt (A) / q) p + A)
 *               0 dB below freq, gain above, gain / 2 at freq.
 *   HIGH_PASS   Butterworth of `order` 1..8: sections p^2 / (p^2 + p / Q_k + 1),
 *               Q_k = 1 / (2 sin ((2k + 1) pi / (2 order))), k = 0 ..
 *               order / 2 - 1, times p / (p + 1) for an odd order.  The
 *               section with the highest Q_k (k = order / 2 - 1) uses
 *               Q_k q / sqrt (1/2) instead: q = 0.7071 is Butterworth, a
 *               larger q adds a resonance at the corner (for order 2, q is
 *               the section's Q).  q is unused for order 1.
 *   LOW_PASS    the same with 1 / (p^2 + p / Q_k + 1) and 1 / (p + 1).
 *   TILT        (sqrt (g) p + 1) / (p + sqrt (g)): -gain/2 dB at DC,
 *               +gain/2 dB at high frequencies, 0 dB at freq (the pivot);
 *               gain is the difference between the two extremes.  q unused.
 *
 * A band is designed as a whole: one side of the prototype (the poles, or
 * for cuts of peaks and shelves the zeros) is mapped exactly by the
 * matched-z transform z = exp (s T), and the other side's
 * magnitude-squared polynomial in x = sin^2 (w / 2) is fitted to the
 * prototype's |H|^2 over 0 .. 0.45 rate (weighted least squares on the
 * relative error, Lawson reweighting towards minimax, a -40 dB floor for
 * deep stop bands), then spectrally factorised into minimum-phase
 * sections.  Unlike the bilinear transform this does not cramp the
 * response near Nyquist; where the prototype's own number of sections
 * misses the aim, extra FIR or all-pole sections are added (up to
 * MST_EQ_MAX_SECTIONS).  Every type is within 0.1 dB of its prototype
 * from 20 Hz to 0.45 rate at 44.1, 48 and 96 kHz over the whole parameter
 * range (see docs/masteq.md).
 *
 * The processor runs up to MST_EQ_MAX_BANDS bands in series in double
 * precision.  Each band applies to all channels (STEREO), the mid or side
 * signal M = (L + R) / 2, S = (L - R) / 2 of channels 0 and 1 (MID, SIDE),
 * or channel 0 or 1 only (LEFT, RIGHT).  Bands on L/R run first, then the
 * bands on M/S.  Changes glide: parameters move smoothly (freq and q in
 * log, gain in dB) and the sections are redesigned every few samples; a
 * change of type or order, and switching a cut filter in or out, crossfade
 * the band's output.
 */
#ifndef MST_EQ_H
#define MST_EQ_H

#include "biquad.h"

#define MST_EQ_MAX_BANDS 16
#define MST_EQ_MAX_ORDER 8
/* Biquad sections of one band: four for an order-8 cut filter, plus up to
 * two extra sections of the fitted side (see docs/masteq.md). */
#define MST_EQ_MAX_SECTIONS 6

#define MST_EQ_FREQ_MIN 10.0
#define MST_EQ_FREQ_MAX 40000.0
#define MST_EQ_GAIN_MIN -24.0
#define MST_EQ_GAIN_MAX 24.0
#define MST_EQ_Q_MIN 0.1
#define MST_EQ_Q_MAX 20.0

typedef enum
{
  MST_EQ_PEAK = 0,
  MST_EQ_LOW_SHELF,
  MST_EQ_HIGH_SHELF,
  MST_EQ_HIGH_PASS,
  MST_EQ_LOW_PASS,
  MST_EQ_TILT,
} MstEqType;

typedef enum
{
  MST_EQ_STEREO = 0,
  MST_EQ_MID,
  MST_EQ_SIDE,
  MST_EQ_LEFT,
  MST_EQ_RIGHT,
} MstEqChannels;

/* User settings of one band. */
typedef struct
{
  MstEqType type;
  double freq;                  /* Hz */
  double gain_db;               /* dB (PEAK, shelves, TILT) */
  double q;                     /* quality / resonance */
  unsigned order;               /* 1..8 (cut filters) */
  MstEqChannels channels;
  int bypass;
} MstEqBand;

/* Defaults: PEAK, 1000 Hz, 0 dB, q 0.7071, order 2, STEREO, not bypassed. */
void mst_eq_band_init (MstEqBand * b);

/* TRUE for the types with a gain (PEAK, shelves, TILT): at 0 dB they are
 * the identity. */
int mst_eq_type_has_gain (MstEqType type);

/* --- design ------------------------------------------------------------ */

/* Design the sections of one band for `rate` Hz.  Writes *n sections
 * (0 for a gain type at 0 dB) into sec[MST_EQ_MAX_SECTIONS].
 * MST_ERR_INVAL on bad arguments (values outside the ranges above,
 * rate outside MST_RATE_MIN..MST_RATE_MAX). */
int mst_eq_design (MstBiquad * sec, unsigned *n, MstEqType type, double rate,
    double freq, double gain_db, double q, unsigned order);

/* Magnitude of the analogue prototype at f Hz, in dB. */
double mst_eq_prototype_db (MstEqType type, double freq, double gain_db,
    double q, unsigned order, double f);

/* --- processor --------------------------------------------------------- */

typedef struct MstEq MstEq;

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX. */
MstEq *mst_eq_new (unsigned rate, unsigned channels);
void mst_eq_free (MstEq * eq);
/* Clear the filter state and finish every glide at once. */
void mst_eq_reset (MstEq * eq);

/* Glide time constant in ms (default 10 ms: a change settles within about
 * 40 ms).  0 applies changes at once (tests only: that zippers). */
void mst_eq_set_glide (MstEq * eq, double ms);

/* Number of active bands, 0..MST_EQ_MAX_BANDS (bands beyond it fade out
 * as if bypassed). */
int mst_eq_set_num_bands (MstEq * eq, unsigned n);
/* Settings of band i (0..MST_EQ_MAX_BANDS-1).  MST_ERR_INVAL on values
 * out of range; the band is then unchanged. */
int mst_eq_set_band (MstEq * eq, unsigned i, const MstEqBand * band);
void mst_eq_get_band (const MstEq * eq, unsigned i, MstEqBand * band);
/* Output gain in dB (-24..+24). */
int mst_eq_set_output_gain (MstEq * eq, double db);
/* Automatic gain: compensate the loudness change of the EQ curve (see
 * mst_eq_auto_gain_db ()). */
void mst_eq_set_auto_gain (MstEq * eq, int enable);

/* Loudness change of the EQ curve of the given bands, in dB, as
 * BS.1770 K-weighted power on a pink spectrum (equal power per octave,
 * 20 Hz .. min (20 kHz, 0.45 rate)) with stereo channels of correlation
 * 0.5; the auto gain is its negative.  Computed from the digital
 * responses, so it is exact for the filters that run. */
double mst_eq_curve_loudness_db (const MstEqBand * bands, unsigned n,
    double rate);
/* Gain the auto-gain option applies now (dB, 0 when disabled). */
double mst_eq_auto_gain_db (const MstEq * eq);

/* TRUE when the processor is the identity right now: no active band
 * changes anything, output gain 0 dB, nothing gliding.  The process
 * functions then leave the buffer untouched. */
int mst_eq_is_passthrough (const MstEq * eq);

/* Process interleaved frames in place.  Non-finite input samples are
 * replaced by 0 before they reach the filter state. */
void mst_eq_process_f32 (MstEq * eq, float *x, size_t frames);
void mst_eq_process_f64 (MstEq * eq, double *x, size_t frames);

#endif /* MST_EQ_H */
