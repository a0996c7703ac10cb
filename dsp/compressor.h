/* gst-mastering dsp: mastering compressor, broadband and multiband.
 *
 * Host-agnostic core of the `mastercomp` element.  Interleaved F32 or F64
 * frames in, the same number of frames out, delayed by
 * mst_compressor_latency () frames (the lookahead).
 *
 * Signal path of one band (bands = 1 is the broadband compressor):
 *
 *   input -> [LR4 split] -> band ------------------------> delay -> x g -> sum
 *                             \-> [sidechain HPF] -> detector -> gain
 *                                 computer -> envelope -> g /
 *
 * Detector.  The level L (dB) that the threshold refers to is calibrated so
 * that a steady sine reads its peak level with both detectors:
 *   peak:  L = 20 log10 |x|, the instantaneous magnitude;
 *   rms:   L = 10 log10 (2 ms), ms a one-pole mean square of x^2 with a
 *          time constant of MST_COMP_RMS_WINDOW_MS (a sine of amplitude A
 *          reads 20 log10 A, i.e. its RMS + 3.01 dB, as in AES17).
 * With link = 1 the channels share one level (the largest), with link = 0
 * each channel has its own, in between the levels (dB) are blended:
 *   L_c = L_c + link (max_k L_k - L_c).
 *
 * Gain computer (Giannoulis, Massberg, Reiss 2012), threshold T, ratio R,
 * knee width W (dB), output level y for input level x:
 *   2 (x - T) <= -W:     y = x
 *   2 |x - T| <  W:      y = x + (1/R - 1) (x - T + W/2)^2 / (2 W)
 *   2 (x - T) >=  W:     y = T + (x - T) / R
 * The target gain reduction is t = x - y >= 0 (dB).
 *
 * Envelope, in the dB domain, per gain channel:
 *   hold:    h = max (t, h + kr (t - h))    instant rise, release tau_r;
 *   attack:  r = h > r ? r + ka (h - r) : h  attack tau_a, falls with h;
 * so a step of the target from 0 to G gives r = G (1 - exp (-t / tau_a))
 * and a step from G to 0 gives r = G exp (-t / tau_r): attack and release
 * are the times in which the gain reduction (dB) covers 1 - 1/e of a step.
 * Auto release replaces the hold by two stages, h = max (hf, hs): a fast
 * hold hf with release tau_r / 3 and a slow symmetric one-pole hs towards t
 * with time constant 3 tau_r; short transients only charge hf and recover
 * fast, sustained compression charges hs and recovers slowly.
 *
 * Gain: g = 10^((M - r) / 20), M the makeup (dB, plus the automatic makeup
 * M_auto = t (0 dBFS) when enabled, so that a full-scale level keeps its
 * level; bounded by the curve, never by the signal).  The applied gain is
 * (1 - mix) + mix g: at mix = 0 the output is the delayed input bit for bit,
 * and g = 1 exactly whenever r = 0 and M = 0 (ratio 1, or below the knee).
 *
 * Multiband: 2..4 bands split by LR4 crossovers (crossover.h) with allpass
 * compensation, so the bands sum to the input through the allpasses of all
 * crossovers (flat magnitude).  Each band has its own threshold, ratio,
 * attack, release, makeup and bypass; the output gain is added to every
 * band's makeup.  Mix blends each compressed band with the same band
 * uncompressed (no comb filtering); only mix = 0 exactly bypasses the
 * crossovers, with a 20 ms crossfade, so the output is then the delayed
 * input bit for bit.
 *
 * Threshold, ratio, knee, makeup, mix, output gain and bypass glide over
 * MST_COMP_GLIDE_MS (linear ramps); time constants, detector, link and
 * sidechain filter apply at once (they only move the target of the
 * envelope, which smooths them).  Non-finite input samples are replaced by
 * 0 before anything else, so they never reach a filter or detector state.
 */
#ifndef MST_COMPRESSOR_H
#define MST_COMPRESSOR_H

#include "mst.h"

typedef struct MstCompressor MstCompressor;

typedef enum
{
  MST_COMP_DETECTOR_PEAK = 0,
  MST_COMP_DETECTOR_RMS = 1,
} MstCompDetector;

#define MST_COMP_BANDS_MAX 4
#define MST_COMP_RMS_WINDOW_MS 10.0
#define MST_COMP_GLIDE_MS 20.0

/* Ranges and defaults shared with the element. */
#define MST_COMP_THRESHOLD_MIN -60.0
#define MST_COMP_THRESHOLD_MAX 0.0
#define MST_COMP_THRESHOLD_DEFAULT -18.0
#define MST_COMP_RATIO_MIN 1.0
#define MST_COMP_RATIO_MAX 20.0
#define MST_COMP_RATIO_DEFAULT 2.0
#define MST_COMP_KNEE_MIN 0.0
#define MST_COMP_KNEE_MAX 24.0
#define MST_COMP_KNEE_DEFAULT 6.0
#define MST_COMP_ATTACK_MIN 0.05
#define MST_COMP_ATTACK_MAX 500.0
#define MST_COMP_ATTACK_DEFAULT 10.0
#define MST_COMP_RELEASE_MIN 1.0
#define MST_COMP_RELEASE_MAX 5000.0
#define MST_COMP_RELEASE_DEFAULT 120.0
#define MST_COMP_MAKEUP_MIN -24.0
#define MST_COMP_MAKEUP_MAX 24.0
#define MST_COMP_LOOKAHEAD_MAX 10.0
#define MST_COMP_HPF_MAX 500.0
#define MST_COMP_XOVER_MIN 20.0
#define MST_COMP_XOVER_MAX 20000.0
#define MST_COMP_XOVER_LOW_DEFAULT 120.0
#define MST_COMP_XOVER_MID_DEFAULT 2000.0
#define MST_COMP_XOVER_HIGH_DEFAULT 8000.0

/* The static curve: output level (dB) for input level x_db. */
double mst_compressor_curve (double x_db, double threshold_db, double ratio,
    double knee_db);

/* channels 1..MST_CHANNELS_MAX, rate MST_RATE_MIN..MST_RATE_MAX, bands
 * 1..MST_COMP_BANDS_MAX, lookahead 0..MST_COMP_LOOKAHEAD_MAX ms.  NULL on
 * bad arguments or no memory.  Every band starts at the defaults above,
 * mix 1, detector rms, link 1, no sidechain filter, no auto release or
 * makeup, crossovers at the defaults. */
MstCompressor *mst_compressor_new (unsigned channels, double rate,
    unsigned bands, double lookahead_ms);
void mst_compressor_free (MstCompressor * c);
/* Silent delay lines, filters and envelopes; settings kept, glides jump to
 * their targets. */
void mst_compressor_reset (MstCompressor * c);

/* Output delay in frames: round (lookahead_ms * rate / 1000). */
unsigned mst_compressor_latency (const MstCompressor * c);
unsigned mst_compressor_bands (const MstCompressor * c);

/* Global settings. */
void mst_compressor_set_knee (MstCompressor * c, double db);
void mst_compressor_set_detector (MstCompressor * c, MstCompDetector d);
/* 0 = off, else a 2nd-order Butterworth high-pass in the detector path
 * (clamped to 0.45 rate). */
void mst_compressor_set_sidechain_hpf (MstCompressor * c, double hz);
void mst_compressor_set_link (MstCompressor * c, double link);
void mst_compressor_set_auto_release (MstCompressor * c, int on);
void mst_compressor_set_auto_makeup (MstCompressor * c, int on);
void mst_compressor_set_mix (MstCompressor * c, double mix);
/* dB added to every band's makeup (the multiband output gain). */
void mst_compressor_set_output_gain (MstCompressor * c, double db);
/* Crossover i (0 = low, 1 = mid, 2 = high) in Hz; the bands - 1 first
 * ones are used, sorted ascending and clamped to 0.45 rate. */
void mst_compressor_set_crossover (MstCompressor * c, unsigned i, double hz);

/* Per-band settings (band 0 is the broadband compressor). */
void mst_compressor_set_threshold (MstCompressor * c, unsigned band, double db);
void mst_compressor_set_ratio (MstCompressor * c, unsigned band, double ratio);
void mst_compressor_set_attack (MstCompressor * c, unsigned band, double ms);
void mst_compressor_set_release (MstCompressor * c, unsigned band, double ms);
void mst_compressor_set_makeup (MstCompressor * c, unsigned band, double db);
void mst_compressor_set_bypass (MstCompressor * c, unsigned band, int on);

/* in and out may be the same buffer. */
void mst_compressor_process_f32 (MstCompressor * c, const float *in,
    float *out, size_t frames);
void mst_compressor_process_f64 (MstCompressor * c, const double *in,
    double *out, size_t frames);

/* Largest gain reduction (dB, >= 0, over channels) of the band since the
 * previous call; resets it. */
double mst_compressor_take_gain_reduction (MstCompressor * c, unsigned band);
/* Non-finite input samples replaced by 0 since the previous call. */
size_t mst_compressor_take_nonfinite (MstCompressor * c);
#endif /* MST_COMPRESSOR_H */
