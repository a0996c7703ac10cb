/* gst-mastering dsp: true-peak lookahead limiter.
 *
 * Host-agnostic core of the `masterlimit` element (and of the true-peak
 * protection of `loudnorm`).  Interleaved F32 or F64 frames in, the same
 * number of frames out, delayed by mst_limiter_latency () frames.
 *
 * Signal path per frame:
 *   input gain (glides) -> delay line ------------------------> x gain -> out
 *                       \-> 4x oversampled peak detector -> gain computer /
 * The gain computer turns the detected peaks into the required gain
 * ceiling / peak, takes a sliding minimum over the lookahead window (plus a
 * short hold), smooths it with a moving average of the lookahead length and
 * finally applies the release.  Every stage can only lower the gain below
 * what the moving average allows, and the average has fully reached the
 * required gain of a peak when that peak leaves the delay line: the ceiling
 * is a guarantee of the construction, not of a time constant.
 *
 * When no gain reduction is needed the gain is exactly 1.0 and the output
 * is the delayed input, bit for bit.
 *
 * Setters take user units (dB, dBTP, ms) and may be called between any two
 * process calls; the lookahead is fixed at creation (it sets the latency).
 */
#ifndef MST_LIMITER_H
#define MST_LIMITER_H

#include "mst.h"

typedef struct MstLimiter MstLimiter;

/* Property ranges and defaults shared with the elements. */
#define MST_LIMITER_CEILING_MIN -24.0
#define MST_LIMITER_CEILING_MAX 0.0
#define MST_LIMITER_CEILING_DEFAULT -1.0
#define MST_LIMITER_INPUT_GAIN_MIN -24.0
#define MST_LIMITER_INPUT_GAIN_MAX 36.0
#define MST_LIMITER_LOOKAHEAD_MIN 1.0
#define MST_LIMITER_LOOKAHEAD_MAX 20.0
#define MST_LIMITER_LOOKAHEAD_DEFAULT 5.0
#define MST_LIMITER_RELEASE_MIN 1.0
#define MST_LIMITER_RELEASE_MAX 2000.0
#define MST_LIMITER_RELEASE_DEFAULT 150.0

/* Gain statistics since the last mst_limiter_take_stats ().  Gains are
 * linear (1.0 = no reduction).  Peaks saturate at FLT_MAX. */
typedef struct
{
  double gain;                  /* gain of the last output frame (the
                                 * smallest over channels) */
  double gain_min;              /* smallest gain applied */
  double input_peak;            /* largest detected (true) peak after the
                                 * input gain, linear: the 4x detector's
                                 * peak fit, without its safety terms
                                 * (envelope mode: env * env_scale, which
                                 * includes them) */
  double output_peak;           /* the same peaks times the gain applied
                                 * to them (per channel when link < 1):
                                 * the output peak as the detector sees
                                 * it; at most the ceiling */
  size_t nonfinite;             /* Inf/NaN input samples replaced by 0 */
} MstLimiterStats;

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX, lookahead
 * in ms (clamped to MST_LIMITER_LOOKAHEAD_MIN..MAX).  NULL on bad
 * arguments or no memory.  Defaults: ceiling -1 dBTP, input gain 0 dB,
 * release 150 ms, auto release on, true peak on, link 1. */
MstLimiter *mst_limiter_new (unsigned rate, unsigned channels,
    double lookahead_ms);
void mst_limiter_free (MstLimiter * lim);
/* Back to the state after _new: empty (silent) delay line, gain 1; the
 * settings are kept and the input gain jumps to its target. */
void mst_limiter_reset (MstLimiter * lim);

/* Delay of the output against the input, in frames: the lookahead plus the
 * detector's interpolation delay.  Constant for the object's life. */
unsigned mst_limiter_latency (const MstLimiter * lim);

/* Ceiling in dBTP (dBFS when true peak is off). */
void mst_limiter_set_ceiling (MstLimiter * lim, double dbtp);
/* Gain before the detector in dB; changes glide over about 10 ms. */
void mst_limiter_set_input_gain (MstLimiter * lim, double db);
/* Release time constant in ms. */
void mst_limiter_set_release (MstLimiter * lim, double ms);
/* Program-dependent release: a hold that covers a bass period, release
 * `release / 4` back to the recent average reduction after a short
 * transient and `2 * release` from there on sustained material. */
void mst_limiter_set_auto_release (MstLimiter * lim, int on);
/* Detect the peaks of the 4x oversampled signal (nonzero) or the sample
 * peaks only (zero).  The latency does not change. */
void mst_limiter_set_true_peak (MstLimiter * lim, int on);
/* Channel link 0..1: 1 = one gain for all channels (the stereo image is
 * kept), 0 = each channel limited on its own, in between a blend. */
void mst_limiter_set_link (MstLimiter * lim, double link);

/* Process `frames` interleaved frames.  out may be the same buffer as in.
 * Non-finite input samples are replaced by 0 (counted in the stats).  The
 * ceiling holds for any finite input (F64 values beyond the float range,
 * after the input gain, are clamped to +-FLT_MAX). */
void mst_limiter_process_f32 (MstLimiter * lim, const float *in, float *out,
    size_t frames);
void mst_limiter_process_f64 (MstLimiter * lim, const double *in,
    double *out, size_t frames);

/* Detector only: the linked envelope (the bound of the true peak the gain
 * computer turns into a required gain, the max over channels) of `frames`
 * input frames, one float per frame: env[i] belongs to the step of input
 * frame i, as in the limiter's own timing (it bounds the true peak around
 * input frame i - (latency - lookahead)).  Consumes the frames (a
 * following call continues the stream) but produces no output and leaves
 * the gain computer, the delay line and the statistics alone.  Input gain
 * is not applied; non-finite samples count as 0.  The envelope does not
 * depend on the ceiling (the peak fit is computed at every frame, which
 * makes this about as costly as mst_limiter_process_*), so it may be
 * reused with any ceiling and scale (but see
 * mst_limiter_set_detect_scale ()).  True peak on or off as set
 * (off: the sample peaks).  Use an object for detection from a reset (or
 * _new) on; a later mst_limiter_process_* on the same object refills the
 * detector from its delay line first. */
void mst_limiter_detect_f32 (MstLimiter * lim, const float *in,
    size_t frames, float *env);
void mst_limiter_detect_f64 (MstLimiter * lim, const double *in,
    size_t frames, float *env);

/* For envelopes that will only be used with env_scale <= scale and the
 * ceiling set while they are detected: mst_limiter_detect_* then fits the
 * peak (and computes its near-Nyquist bound) only at the frames whose
 * bound, times scale, can reach that ceiling, which is most of its cost
 * on programme below it.  The other frames get a value under
 * ceiling / scale that is not their bound; with any env_scale <= scale
 * and that ceiling they ask for gain 1 either way, so
 * mst_limiter_process_env_* gives the output of the full envelope, bit
 * for bit (only the statistics' input and output peaks may read lower).
 * 0 (the default after _new, kept by reset): the full envelope. */
void mst_limiter_set_detect_scale (MstLimiter * lim, double scale);

/* As mst_limiter_process_f32/f64, with the detector replaced by
 * env[i] * env_scale (env from mst_limiter_detect_* on the same stream
 * from a reset, frame for frame: env[i] for input frame i; env_scale the
 * factor between that stream and `in`, e.g. the constant gain applied to
 * it; its sign is ignored).  The ceiling holds as with the detector (the
 * detector's margin covers the rounding of env_scale * env, and a NaN or
 * overflowing product counts as an infinite peak).  Differences to
 * mst_limiter_process_*:
 *  - the input gain is not applied (in is limited as given: fold any gain
 *    into in and env_scale);
 *  - the gain is linked whatever the link setting (the envelope is the
 *    linked one): link < 1 acts as link 1;
 *  - the statistics' peaks are env * env_scale, i.e. the detector's bound
 *    including its HF term, not the peak fit alone.
 * The detector does not run, so a following mst_limiter_process_* on the
 * same object first refills it from the delay line (exact again from its
 * first frame); the two may alternate. */
void mst_limiter_process_env_f32 (MstLimiter * lim, const float *in,
    float *out, size_t frames, const float *env, double env_scale);
void mst_limiter_process_env_f64 (MstLimiter * lim, const double *in,
    double *out, size_t frames, const float *env, double env_scale);

/* mst_limiter_process_env_* of scale * in, with env (in's own envelope)
 * scaled by scale, in one pass: the delay line holds in as given and the
 * output is in times scale times the limiter's gain (one multiply per
 * sample, where applying the gain first takes a second pass over the
 * data).  The rounding differs from scaling first (within float
 * rounding; bit for bit the same when scale is a power of two).  The
 * delay line holds unscaled frames, so feed a stream (from a reset) to
 * this call alone, not alternating with the other process calls. */
void mst_limiter_process_env_scaled_f32 (MstLimiter * lim, const float *in,
    float *out, size_t frames, const float *env, double scale);
void mst_limiter_process_env_scaled_f64 (MstLimiter * lim,
    const double *in, double *out, size_t frames, const float *env,
    double scale);

/* Envelope mode without the delay line, for a stream held whole:
 * mst_limiter_env_gains fills gain[0..n) with the gains of the next n
 * steps, from env[0..n) * scale, each times scale (the factor the output
 * of that step gets in mst_limiter_process_env_scaled_*; gain NULL: the
 * steps run, their gains are not kept).  The gain of
 * step s belongs to input frame s - latency, so with env read `latency`
 * frames ahead of the input (the first `latency` gains, those of the
 * frames before the stream, dropped), mst_limiter_apply_gains_* on the
 * input frames gives process_env_scaled's output, bit for bit, without
 * its delay.  Statistics as process_env, except output_peak, which
 * env_gains does not keep.  Returns how many of the n steps run up to
 * the last whose limiter gain is under 1.0 (0: none; every gain is then
 * exactly scale).  Use from a reset, not
 * alternating with the process calls.  apply_gains: out[i] = in[i] times
 * gain[i] for every channel of frame i (in NULL: silence), non-finite
 * samples counting as 0 and F64 beyond the float range clamped, as the
 * delay line takes them; out may be in. */
size_t mst_limiter_env_gains (MstLimiter * lim, const float *env, size_t n,
    double scale, double *gain);
void mst_limiter_apply_gains_f32 (const float *in, float *out,
    size_t frames, unsigned channels, const double *gain);
void mst_limiter_apply_gains_f64 (const double *in, double *out,
    size_t frames, unsigned channels, const double *gain);

/* Copy the statistics out and start new ones. */
void mst_limiter_take_stats (MstLimiter * lim, MstLimiterStats * stats);

/* For tests: the detector's peak of one frame from its six 4x points
 * q[0..5] (4i - 2 .. 4i + 3), with the scalar code (vector 0) or the
 * vector code the build uses (vector 1; the scalar one without it). */
float mst_limiter_fit_frame (const float *q, int vector);
#endif /* MST_LIMITER_H */
