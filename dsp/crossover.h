/* gst-mastering dsp: Linkwitz-Riley crossovers (LR4, LR8).
 *
 * A Linkwitz-Riley crossover of order 2N at f0 squares an N-th order
 * Butterworth filter B_N (p), p = s / w0:
 *
 *   LP (p) = 1 / B_N (p)^2,   HP (p) = p^2N / B_N (p)^2
 *
 * (for N even, the two cases built here: LR4 = N 2, one Butterworth
 * section; LR8 = N 4, two sections).  Since B_N (p) B_N (-p) = 1 + p^2N,
 * the bands sum to the allpass
 *
 *   LP + HP = B_N (-p) / B_N (p) = AP (p),
 *
 * and on the j-omega axis LP = AP / (1 + w^2N), HP = AP w^2N / (1 + w^2N)
 * with w = f / f0: both bands carry exactly the phase of AP, both are -6 dB
 * at f0, and their sum is flat.  A signal that is not split but is mixed
 * with a band (or with a band of another split) must go through AP to stay
 * phase-aligned: mst_crossover_allpass_f64 is that compensation; AP is N/2
 * second-order allpass sections.  The bilinear transform keeps these
 * identities exactly (up to coefficient rounding), at every sample rate.
 *
 * Slopes: LR4 24 dB/octave (HP -38.3 dB at f0 / 3), LR8 48 dB/octave
 * (-76.3 dB at f0 / 3).
 *
 * All recursions run in double (biquad.h, direct form I).  Buffers are one
 * channel stream each (contiguous doubles); in-place use (in == out) is
 * allowed.  A non-finite input would poison the recursion forever: the
 * process functions reset any state that is not finite at the end of each
 * call, so the damage ends with that call (callers that need finite output
 * sanitise their input first).  Redesigning between calls while the state
 * runs on is allowed (frequency glides).
 */
#ifndef MST_CROSSOVER_H
#define MST_CROSSOVER_H

#include "biquad.h"

/* --- LR4 ---------------------------------------------------------------
 *
 * The common case, with a compact state: LP4 = lp lp, HP4 = hp hp,
 * AP = ap (one section, Q = 1/sqrt 2). */
/* Coefficients of one LR4 split:
 *   rate, freq  the design (Hz);
 *   lp, hp      the second-order Butterworth sections, each used twice;
 *   ap          the second-order allpass equal to LP4 + HP4. */
typedef struct
{
  double rate, freq;
  MstBiquad lp, hp, ap;
} MstLr4;

/* State of one channel of one LR4 split: lp[0], lp[1] the two low-pass
 * sections, hp[0], hp[1] the two high-pass sections.  The allpass
 * compensation keeps its own MstBiquadState. */
typedef struct
{
  MstBiquadState lp[2];
  MstBiquadState hp[2];
} MstLr4State;

/* Design an LR4 split at freq Hz, freq in (0, 0.45 rate].  MST_ERR_INVAL
 * otherwise (xo is then unchanged). */
int mst_lr4_design (MstLr4 * xo, double rate, double freq);

/* Zero the state of n channels. */
void mst_lr4_state_reset (MstLr4State * s, unsigned n);

/* Split one channel: low = LP4 (in), high = HP4 (in).  Either output may be
 * NULL (that band is then not computed and its state left alone); in may
 * alias either output, but low and high must differ. */
void mst_lr4_split_f64 (const MstLr4 * xo, MstLr4State * s, const double *in,
    double *low, double *high, size_t frames);

/* The high band alone (uses s->hp only), and the low band alone (s->lp). */
void mst_lr4_highpass_f64 (const MstLr4 * xo, MstLr4State * s,
    const double *in, double *out, size_t frames);
void mst_lr4_lowpass_f64 (const MstLr4 * xo, MstLr4State * s,
    const double *in, double *out, size_t frames);

/* Allpass compensation: out = AP (in), the phase of LP4 + HP4 with unit
 * magnitude.  s is one MstBiquadState per channel stream. */
void mst_lr4_allpass_f64 (const MstLr4 * xo, MstBiquadState * s,
    const double *in, double *out, size_t frames);

/* Magnitudes at freq Hz in dB of the low band, the high band and of their
 * sum (any pointer may be NULL). */
void mst_lr4_response_db (const MstLr4 * xo, double freq, double *low_db,
    double *high_db, double *sum_db);

/* --- any order (4 or 8) ----------------------------------------------- */

/* Butterworth sections per band (order / 2) and allpass sections
 * (order / 4) of the largest supported order. */
#define MST_CROSSOVER_MAX_SECTIONS 4
#define MST_CROSSOVER_MAX_AP_SECTIONS 2

/* Coefficients of one split:
 *   rate, freq  the design (Hz);
 *   order       4 (LR4) or 8 (LR8);
 *   n           sections per band: the Butterworth sections twice over
 *               (LR4: bw0 bw0, LR8: bw0 bw1 bw0 bw1);
 *   lp, hp      those sections for the low and the high band;
 *   n_ap, ap    the allpass sections, LP + HP = ap[0] ap[1] ... */
typedef struct
{
  double rate, freq;
  unsigned order;
  unsigned n;
  MstBiquad lp[MST_CROSSOVER_MAX_SECTIONS];
  MstBiquad hp[MST_CROSSOVER_MAX_SECTIONS];
  unsigned n_ap;
  MstBiquad ap[MST_CROSSOVER_MAX_AP_SECTIONS];
} MstCrossover;

/* State of one channel stream of one split (lp[k], hp[k]: section k). */
typedef struct
{
  MstBiquadState lp[MST_CROSSOVER_MAX_SECTIONS];
  MstBiquadState hp[MST_CROSSOVER_MAX_SECTIONS];
} MstCrossoverState;

/* State of one channel stream of the allpass compensation. */
typedef struct
{
  MstBiquadState ap[MST_CROSSOVER_MAX_AP_SECTIONS];
} MstCrossoverApState;

/* Design a split of order 4 or 8 at freq Hz, freq in (0, 0.45 rate].
 * MST_ERR_INVAL otherwise (xo is then unchanged). */
int mst_crossover_design (MstCrossover * xo, unsigned order, double rate,
    double freq);

/* Zero n states. */
void mst_crossover_state_reset (MstCrossoverState * s, unsigned n);
void mst_crossover_ap_state_reset (MstCrossoverApState * s, unsigned n);

/* Split one channel stream: low = LP (in), high = HP (in).  Either output
 * may be NULL (that band is then not computed and its state left alone);
 * in may alias either output, low and high must differ. */
void mst_crossover_split_f64 (const MstCrossover * xo, MstCrossoverState * s,
    const double *in, double *low, double *high, size_t frames);

/* One band alone (the high band uses s->hp only, the low band s->lp). */
void mst_crossover_highpass_f64 (const MstCrossover * xo,
    MstCrossoverState * s, const double *in, double *out, size_t frames);
void mst_crossover_lowpass_f64 (const MstCrossover * xo,
    MstCrossoverState * s, const double *in, double *out, size_t frames);

/* Allpass compensation: out = AP (in) = the phase of LP + HP, unit
 * magnitude. */
void mst_crossover_allpass_f64 (const MstCrossover * xo,
    MstCrossoverApState * s, const double *in, double *out, size_t frames);

/* Magnitudes in dB at freq Hz of the low band, the high band and their
 * sum (any pointer may be NULL). */
void mst_crossover_response_db (const MstCrossover * xo, double freq,
    double *low_db, double *high_db, double *sum_db);
#endif /* MST_CROSSOVER_H */
