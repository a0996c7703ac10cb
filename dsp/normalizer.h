/* gst-mastering dsp: loudness normaliser (the gain logic of `loudnorm`).
 *
 * Live one-pass normalisation for streams of unknown length: interleaved
 * F32 or F64 frames in, the same number of frames out, delayed by
 * mst_normalizer_latency () frames (the lookahead plus the latency of the
 * true-peak limiter that follows the gain).
 *
 * Signal path:
 *   in -> BS.1770 meter (momentary loudness every 10 ms hop)
 *      -> lookahead delay line -> x smoothed gain -> true-peak limiter -> out
 *
 * Gain computer, once per hop (10 ms of audio):
 *  - the momentary loudness of the newest 400 ms enters a history that
 *    covers 3 s before the output position and the lookahead after it;
 *  - gating: blocks under -70 LUFS or more than 20 LU under the programme
 *    loudness are ignored, so pauses and silence never pull the gain up;
 *    when the whole window is gated out the gain is held;
 *  - the programme loudness is the gated energy mean of all blocks so far
 *    with a memory of about two minutes (so a long stream adapts slowly);
 *  - the local loudness is the gated energy mean of the window; it may
 *    deviate from the programme loudness by up to half the loudness-range
 *    target either way untouched, only the excess is corrected;
 *  - desired gain = target - programme - excess, at most max-gain;
 *  - the applied gain follows it with a 0.4 s one-pole, each 10 ms step
 *    bounded by MST_NORMALIZER_MAX_STEP_DB, and is interpolated linearly
 *    inside a hop, so it never steps;
 *  - the limiter (dsp/limiter.h) keeps the true peak under the limit.
 * The gain starts at 0 dB; once the lookahead has filled (the first input
 * frame is about to reach the gain) it is set directly to the desired
 * value, if any block passed the gates, and follows as above from then on.
 *
 * Helpers for the constant-gain modes are at the end.
 */
#ifndef MST_NORMALIZER_H
#define MST_NORMALIZER_H

#include "mst.h"
#include "limiter.h"
#include "loudness.h"

typedef struct MstNormalizer MstNormalizer;

#define MST_NORMALIZER_LOOKAHEAD_MIN 100.0
#define MST_NORMALIZER_LOOKAHEAD_MAX 10000.0
#define MST_NORMALIZER_LOOKAHEAD_DEFAULT 3000.0
#define MST_NORMALIZER_LRA_MIN 1.0
#define MST_NORMALIZER_LRA_MAX 50.0
#define MST_NORMALIZER_LRA_DEFAULT 11.0
#define MST_NORMALIZER_MAX_GAIN_MIN 0.0
#define MST_NORMALIZER_MAX_GAIN_MAX 60.0
#define MST_NORMALIZER_MAX_GAIN_DEFAULT 24.0
/* Largest change of the gain in any 10 ms, in dB. */
#define MST_NORMALIZER_MAX_STEP_DB 0.05

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX,
 * lookahead in ms (clamped to the range above).  NULL on bad arguments or
 * no memory.  Defaults: target -14 LUFS, true-peak limit -1 dBTP,
 * loudness-range target 11 LU, max gain 24 dB. */
MstNormalizer *mst_normalizer_new (unsigned rate, unsigned channels,
    double lookahead_ms);
void mst_normalizer_free (MstNormalizer * n);
/* Empty delay line, gain 0 dB, nothing measured; settings kept. */
void mst_normalizer_reset (MstNormalizer * n);

/* Delay of the output against the input in frames: lookahead + limiter. */
unsigned mst_normalizer_latency (const MstNormalizer * n);

void mst_normalizer_set_target (MstNormalizer * n, double lufs);
void mst_normalizer_set_true_peak_limit (MstNormalizer * n, double dbtp);
void mst_normalizer_set_lra_target (MstNormalizer * n, double lu);
void mst_normalizer_set_max_gain (MstNormalizer * n, double db);
/* BS.1770 channel weight, as mst_loudness_set_channel_weight. */
int mst_normalizer_set_channel_weight (MstNormalizer * n, unsigned ch,
    double weight);

/* Process `frames` interleaved frames; out may be the same buffer as in.
 * in NULL: digital silence. */
void mst_normalizer_process_f32 (MstNormalizer * n, const float *in,
    float *out, size_t frames);
void mst_normalizer_process_f64 (MstNormalizer * n, const double *in,
    double *out, size_t frames);
/* End of the stream: `frames` frames of silence push the delay line out,
 * as process with in NULL, but the silence is not metered (it is not
 * part of the programme): the meter keeps the programme's last values
 * and the gain follows them to the end. */
void mst_normalizer_drain_f32 (MstNormalizer * n, float *out, size_t frames);
void mst_normalizer_drain_f64 (MstNormalizer * n, double *out, size_t frames);

/* The BS.1770 meter the gain follows: the input as processed (silence
 * for in NULL, not the drain).  A host can report the input loudness from
 * it instead of running a second meter on the same frames. */
const MstLoudness *mst_normalizer_meter (const MstNormalizer * n);
/* Restart that meter's measurement (integrated, range, maxima).  Its
 * momentary window restarts too, so for 400 ms the gain sees a partial
 * window. */
void mst_normalizer_reset_meter (MstNormalizer * n);

/* Gain applied (before the limiter) to the last output frame, in dB. */
double mst_normalizer_gain (const MstNormalizer * n);
/* The limiter's statistics since the last call (see limiter.h). */
void mst_normalizer_take_stats (MstNormalizer * n, MstLimiterStats * st);

/* Constant gain for the static and file modes: out[i] = in[i] * gain
 * (linear), in NULL gives zeros; out may be in. */
void mst_gain_apply_f32 (const float *in, float *out, size_t n, double gain);
void mst_gain_apply_f64 (const double *in, double *out, size_t n, double gain);
#endif /* MST_NORMALIZER_H */
