/* gst-mastering dsp: mid/side stereo imager and stereo meter.
 *
 * The imager works on interleaved stereo (L, R) in place.  With
 *
 *   m = L + R,   s = L - R
 *
 * (the factor 1/2 of the usual M/S encode is folded into the gains), every
 * setting is one 2x2 matrix on (m, s):
 *
 *   L' = a m + b s,   R' = c m - d s
 *   a = gm bl / 2,  b = gs bl / 2,  c = gm br / 2,  d = gs br / 2
 *
 * where gm is the mid gain, gs = width * side gain, and bl, br the balance
 * gains (balance > 0 attenuates the left channel by (1 - balance), < 0 the
 * right one by (1 + balance); neither is ever boosted).  width = 0 makes
 * b = d = 0, so L' and R' are the same product a m: exactly equal.
 *
 * Mono bass: below mono_bass Hz the side signal is removed with an LR6
 * split (Linkwitz-Riley, 36 dB/octave: a third-order Butterworth filter
 * squared, B (p) = (1 + p) (1 + p + p^2)).  The side goes through the high
 * band, s -> HP6 (s) = p^6 / B (p)^2, and the mid through the allpass
 * m -> -AP (m), AP = B (-p) / B (p).  For odd Butterworth order the bands
 * sum to an allpass with one band inverted, LP6 - HP6 = AP, and on the
 * j-omega axis HP6 = -AP w^6 / (1 + w^6) (w = f / mono_bass): the side
 * keeps exactly the phase of the mid and the mid path sums flat.  -AP is 1
 * well above the split and -1 well below it (the mid bass comes out with
 * its polarity turned; the high band is never inverted).  LR6: a side tone
 * at a third of the split frequency must lose at least 40 dB; LR4 takes
 * 38.3 dB there, LR6 57.3 dB (and 0.13 dB at twice the split frequency).
 * The split is three second-order sections in double, run on mid and side
 * at once (the two lanes of one SSE2 recursion; an AVX2 + FMA build of the
 * fused pass where the CPU has it), in one pass with the encode and the
 * decode.
 *
 * Turning mono bass on starts the split at MST_STEREO_XO_START_HZ, where it
 * is an identity for audible content, with its state primed as such, and
 * glides it up to the target; turning it off glides it down there and
 * fades the dry path in over MST_STEREO_XO_FADE_MS.  The glide runs at
 * MST_STEREO_XO_GLIDE_OCT octaves per second: a constant speed in log
 * frequency bounds how fast the allpass phase turns (at most 5 rad per
 * e-fold of frequency for LR6), so a tone passing the moving split shifts
 * its frequency by 6.6 Hz at most.  From off to 120 Hz takes 0.85 s.
 *
 * Safe width: when on, the side gain is limited so that the phase
 * correlation of the output, estimated from the mid and side energies of the
 * input over MST_STEREO_SAFE_WINDOW_MS, stays at or above the floor.  With
 * E_m, E_s the (windowed) energies, the correlation of the output is at
 * least (gm^2 E_m - gs^2 E_s) / (gm^2 E_m + gs^2 E_s) (the mid/side cross
 * term only raises it), so the limit is
 *
 *   gs <= gm sqrt (E_m (1 - floor) / (E_s (1 + floor))).
 *
 * It never narrows the image below the source's own (gs is never pushed
 * below min (gs, gm)) and balance does not change the correlation.
 *
 * Every gain change (settings, safe width) is a per-sample linear ramp over
 * MST_STEREO_GLIDE_MS from the current value, so changes never click.
 *
 * The stateless per-sample maps are ORC kernels for F32 (stereo.orc: the
 * matrix in place, and the encode to / decode from double planar m, s
 * while mono bass fades or the matrix glides); F64 uses the same
 * arithmetic in plain C (an ORC
 * variable is at most 8 bytes, one double, not a stereo frame).  Non-finite
 * input samples are replaced by 0 on every processing path, so the output
 * is finite and NaN/Inf never reach the filter state.  A neutral imager
 * (mst_stereo_is_neutral) must not be run at all when bit-exact
 * passthrough is wanted: the matrix rounds.
 */
#ifndef MST_STEREO_H
#define MST_STEREO_H

#include "mst.h"

#define MST_STEREO_GLIDE_MS 20.0
#define MST_STEREO_XO_ORDER 6
#define MST_STEREO_XO_START_HZ 0.1
#define MST_STEREO_XO_GLIDE_OCT 12.0
#define MST_STEREO_XO_FADE_MS 20.0
#define MST_STEREO_SAFE_WINDOW_MS 100.0
/* Ranges of the settings (the setters clamp to them). */
#define MST_STEREO_WIDTH_MAX 2.0
#define MST_STEREO_GAIN_DB_MIN -60.0
#define MST_STEREO_GAIN_DB_MAX 12.0
#define MST_STEREO_MONO_BASS_MAX 1000.0
#define MST_STEREO_FLOOR_MAX 0.9
typedef struct MstStereo MstStereo;

/* A new imager for rate Hz (MST_RATE_MIN..MST_RATE_MAX), neutral
 * settings.  NULL on a bad rate or out of memory. */
MstStereo *mst_stereo_new (double rate);
void mst_stereo_free (MstStereo * st);

/* Forget the signal (filter state, safe-width estimate) and jump every
 * glide to its target: the next sample is processed with the current
 * settings as if they had always been set. */
void mst_stereo_reset (MstStereo * st);

/* Settings in user units; they take effect (gliding) at the next process
 * call.  width 0..2, gains in dB (-60..12), balance -1..1, mono_bass Hz
 * (0 = off, else up to 1000 and at most 0.45 rate), floor 0..0.9. */
void mst_stereo_set_width (MstStereo * st, double width);
void mst_stereo_set_mid_gain_db (MstStereo * st, double db);
void mst_stereo_set_side_gain_db (MstStereo * st, double db);
void mst_stereo_set_balance (MstStereo * st, double balance);
void mst_stereo_set_mono_bass (MstStereo * st, double hz);
void mst_stereo_set_safe_width (MstStereo * st, int enable, double floor);

/* Nonzero when the settings are neutral and no glide or fade is under
 * way: processing would only round, the caller should pass through.  Call
 * after the setters: it accounts for pending settings. */
int mst_stereo_is_neutral (MstStereo * st);

/* Audio that the caller passes through untouched while the imager is
 * neutral: the imager keeps its last frames to start the split from. */
void mst_stereo_observe_f32 (MstStereo * st, const float *x, size_t frames);
void mst_stereo_observe_f64 (MstStereo * st, const double *x, size_t frames);

/* Process interleaved stereo in place. */
void mst_stereo_process_f32 (MstStereo * st, float *x, size_t frames);
void mst_stereo_process_f64 (MstStereo * st, double *x, size_t frames);

/* The current side gain gs after safe width and glides (for meters and
 * tests), and the current mono-bass split frequency (0 when off). */
double mst_stereo_get_side_gain (const MstStereo * st);
double mst_stereo_get_mono_bass (const MstStereo * st);

/* --- stereo meter ---------------------------------------------------- */

/* Running sums over interleaved stereo: ll = sum L^2, rr = sum R^2,
 * lr = sum L R, frames counted. */
typedef struct
{
  double ll, rr, lr;
  size_t frames;
} MstStereoMeter;

void mst_stereo_meter_reset (MstStereoMeter * m);
void mst_stereo_meter_add_f32 (MstStereoMeter * m, const float *x,
    size_t frames);
void mst_stereo_meter_add_f64 (MstStereoMeter * m, const double *x,
    size_t frames);

/* Read the meter (any pointer may be NULL):
 *   correlation  sum L R / sqrt (sum L^2 sum R^2), -1..+1, 0 when either
 *                channel is silent;
 *   mid_side_db  10 log10 (E_mid / E_side), M = (L + R) / 2,
 *                S = (L - R) / 2, clamped to +-MST_STEREO_METER_DB_MAX;
 *   balance_db   10 log10 (E_L / E_R), clamped the same way.
 * Ratios of two zero energies are 0 dB; non-finite sums read as silence. */
#define MST_STEREO_METER_DB_MAX 200.0
void mst_stereo_meter_read (const MstStereoMeter * m, double *correlation,
    double *mid_side_db, double *balance_db);
#endif /* MST_STEREO_H */
