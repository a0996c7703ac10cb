/* gst-mastering dsp: generic second-order IIR sections (biquads).
 *
 * Coefficients are normalised so that a0 = 1:
 *
 *   H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
 *
 * Filters are designed from analogue prototypes with the bilinear transform,
 * pre-warped at the prototype's characteristic frequency, so a design gives
 * the same response (at that frequency) at every sample rate.  The recursion
 * always runs in double, in direct form I (four state values per channel and
 * section): its loop-carried dependency is one multiply and one add, which
 * keeps several channels in flight at once, and coefficient changes between
 * blocks do not disturb the state.
 *
 * State is per channel (and per section for cascades) and is owned by the
 * caller, so one coefficient set serves any number of channels and modules
 * (EQ, crossovers, K-weighting) can embed states in their own structs.
 * The process functions flush denormal state values to zero at the end of
 * every call, so denormals never persist inside the loops.
 *
 * Buffers are interleaved (frames * channels values); in-place operation
 * (in == out) is allowed everywhere.
 */
#ifndef MST_BIQUAD_H
#define MST_BIQUAD_H

#include "mst.h"

/* Coefficients of one section, a0 normalised to 1. */
typedef struct
{
  double b0, b1, b2;
  double a1, a2;
} MstBiquad;

/* Direct form I state of one channel of one section:
 *   x1, x2  previous two inputs;
 *   y1, y2  previous two outputs. */
typedef struct
{
  double x1, x2;
  double y1, y2;
} MstBiquadState;

/* Filter shapes for mst_biquad_design ().  Second-order shapes follow the
 * usual analogue prototypes (pre-warped at freq); q is the quality factor
 * (0.7071 = Butterworth for LOWPASS/HIGHPASS; for the shelves q = 0.7071
 * gives the steepest monotonic shelf).  gain_db is used by PEAK and the
 * shelves only.  The _1 shapes are first order (b2 = a2 = 0, q unused). */
typedef enum
{
  MST_BIQUAD_IDENTITY = 0,
  MST_BIQUAD_LOWPASS,
  MST_BIQUAD_HIGHPASS,
  MST_BIQUAD_BANDPASS,          /* constant 0 dB peak gain */
  MST_BIQUAD_NOTCH,
  MST_BIQUAD_ALLPASS,
  MST_BIQUAD_PEAK,
  MST_BIQUAD_LOWSHELF,
  MST_BIQUAD_HIGHSHELF,
  MST_BIQUAD_LOWPASS_1,
  MST_BIQUAD_HIGHPASS_1,
  MST_BIQUAD_ALLPASS_1,
} MstBiquadType;

/* --- design ------------------------------------------------------------ */

/* H(z) = 1. */
void mst_biquad_set_identity (MstBiquad * c);

/* Bilinear transform of the analogue prototype
 *
 *   H(s) = (B0 + B1 p + B2 p^2) / (A0 + A1 p + A2 p^2),   p = s / w0,
 *   w0 = 2 pi f0,
 *
 * with the frequency axis pre-warped so that the digital response at f0
 * equals the analogue response at f0.  b[] = {B0, B1, B2},
 * a[] = {A0, A1, A2}.  MST_ERR_INVAL if rate <= 0, f0 is not in
 * (0, rate / 2) or the transformed a0 is 0. */
int mst_biquad_from_analog (MstBiquad * c, double rate, double f0,
    const double b[3], const double a[3]);

/* Standard shapes (see MstBiquadType), freq in Hz in (0, rate / 2), q > 0
 * for second-order shapes, gain_db finite.  MST_ERR_INVAL otherwise, and
 * c is then left unchanged. */
int mst_biquad_design (MstBiquad * c, MstBiquadType type, double rate,
    double freq, double q, double gain_db);

/* Complex response of the section at freq Hz: magnitude (linear) and phase
 * (radians) in *mag and *phase (either may be NULL). */
void mst_biquad_response (const MstBiquad * c, double rate, double freq,
    double *mag, double *phase);
/* Magnitude of a cascade of n sections, in dB (-INFINITY at a zero). */
double mst_biquad_cascade_response_db (const MstBiquad * c, unsigned n,
    double rate, double freq);

/* --- state and processing ---------------------------------------------- */

/* Zero n states. */
void mst_biquad_state_reset (MstBiquadState * s, unsigned n);
/* Flush denormal values of n states to zero (the process functions do this
 * themselves at the end of each call). */
void mst_biquad_state_flush (MstBiquadState * s, unsigned n);

/* One section over an interleaved buffer, one state per channel
 * (s[0..channels-1]). */
void mst_biquad_process_f64 (const MstBiquad * c, MstBiquadState * s,
    const double *in, double *out, size_t frames, unsigned channels);
void mst_biquad_process_f32 (const MstBiquad * c, MstBiquadState * s,
    const float *in, float *out, size_t frames, unsigned channels);

/* n sections in series (c[0] first) over an interleaved buffer, with no
 * rounding to the sample format between sections.  States are laid out
 * per channel: s[ch * n + k] is section k of channel ch. */
void mst_biquad_cascade_process_f64 (const MstBiquad * c, unsigned n,
    MstBiquadState * s, const double *in, double *out, size_t frames,
    unsigned channels);
void mst_biquad_cascade_process_f32 (const MstBiquad * c, unsigned n,
    MstBiquadState * s, const float *in, float *out, size_t frames,
    unsigned channels);

/* One sample through one section (for control paths and tests; the block
 * functions above are the fast path). */
static inline double
mst_biquad_tick (const MstBiquad * c, MstBiquadState * s, double x)
{
  double y = c->b0 * x + c->b1 * s->x1 + c->b2 * s->x2 - c->a2 * s->y2
      - c->a1 * s->y1;

  s->x2 = s->x1;
  s->x1 = x;
  s->y2 = s->y1;
  s->y1 = y;
  return y;
}
#endif /* MST_BIQUAD_H */
