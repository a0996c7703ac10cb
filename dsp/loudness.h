/* gst-mastering dsp: ITU-R BS.1770-4 / EBU R128 loudness meter.
 *
 * K-weighting (kweight.h) per channel in double precision, channel weights,
 * then energies in hops of at most 10 ms:
 *  - momentary: mean square over the last 400 ms, evaluated every hop;
 *  - short-term: last 3 s, evaluated every hop;
 *  - integrated: 400 ms gating blocks every 100 ms, absolute gate -70 LUFS,
 *    relative gate -10 LU, from a histogram of block energies (bounded
 *    memory for streams of any length);
 *  - loudness range: EBU Tech 3342, short-term values at >= 10 Hz,
 *    absolute gate -70 LUFS, relative gate -20 LU, 10th to 95th percentile.
 * Before the first sample the stream is taken to be silence, so windows
 * are defined from the first hop on.
 *
 * Precision: the hop divides 400 ms and 3 s exactly at every standard
 * rate (480 frames at 48 kHz, 441 at 44.1 kHz, 147 at 22.05 kHz), so the
 * momentary and short-term values and their maxima are exact window
 * means.  Gating blocks and the short-term values of the loudness range
 * are taken on the 100 ms grid from the first frame (the range once a
 * full 3 s window exists).  The histograms have 0.01 LU bins holding
 * count and energy sum: the gated means are exact except for the one bin
 * a relative threshold falls in, the percentiles are within one bin.
 * Memory is fixed at _new () (about 330 kB): streams may be of any length.
 *
 * Non-finite input samples are counted, treated as 0, and never enter the
 * filter state.
 */
#ifndef MST_LOUDNESS_H
#define MST_LOUDNESS_H

#include "mst.h"

typedef struct MstLoudness MstLoudness;

/* rate MST_RATE_MIN..MST_RATE_MAX, channels 1..MST_CHANNELS_MAX; NULL on
 * bad arguments or no memory.  Every channel starts with weight 1.0. */
MstLoudness *mst_loudness_new (unsigned rate, unsigned channels);
void mst_loudness_free (MstLoudness * m);
/* Forget everything measured (filter state, windows, histograms, maxima). */
void mst_loudness_reset (MstLoudness * m);

/* BS.1770 power weight of channel ch: 1.0 (L, R, C), 1.41 (surround),
 * 0.0 excludes the channel (LFE).  MST_ERR_INVAL on a bad ch or weight. */
int mst_loudness_set_channel_weight (MstLoudness * m, unsigned ch,
    double weight);

/* Feed interleaved frames (any count, any chunking: the results do not
 * depend on it).  Returns how many non-finite samples were replaced by 0. */
size_t mst_loudness_add_f32 (MstLoudness * m, const float *x, size_t frames);
size_t mst_loudness_add_f64 (MstLoudness * m, const double *x, size_t frames);
/* Feed digital silence (GAP buffers). */
void mst_loudness_add_silence (MstLoudness * m, size_t frames);

/* Results in LUFS (loudness) or LU (range); -INFINITY where undefined
 * (nothing above the gates yet). */
double mst_loudness_momentary (const MstLoudness * m);
double mst_loudness_shortterm (const MstLoudness * m);
double mst_loudness_integrated (const MstLoudness * m);
double mst_loudness_range (const MstLoudness * m);
double mst_loudness_max_momentary (const MstLoudness * m);
double mst_loudness_max_shortterm (const MstLoudness * m);

/* Frames fed since the last reset. */
unsigned long long mst_loudness_frames (const MstLoudness * m);

/* Segment log.  A meter cuts its stream into segments that end at every
 * hop and every 100 ms boundary; with a log set it records, per segment,
 * the weighted energy and the filter state at its start.  Another meter
 * of the same rate, channels and weights, fed the same stream times a
 * constant gain g from its first frame, may take whole segments from the
 * log instead of filtering their frames (mst_loudness_add_logged): their
 * energies times g^2 and, after them, the filter state times g.  The
 * filters are linear, so that is what feeding g times the samples gives,
 * up to the rounding of those samples.  Memory grows with the stream:
 * about 16 + 64 * channels bytes per hop. */
typedef struct MstLoudnessLog MstLoudnessLog;
MstLoudnessLog *mst_loudness_log_new (void);
void mst_loudness_log_free (MstLoudnessLog * log);
/* m records into log (emptied first) from now on, NULL to stop; the log
 * is only usable when m starts from its first frame (fed nothing since
 * its last reset; a reset empties the log again).  One log per meter. */
void mst_loudness_set_log (MstLoudness * m, MstLoudnessLog * log);
/* Frame where the segment m is in ends (relative to m's first frame). */
unsigned long long mst_loudness_segment_end (const MstLoudness * m);
/* Feed m `frames` frames of the logged stream times gain: m must be at
 * the start of a segment, on the log's grid, and frames must end where a
 * logged segment ends, and m must keep no log of its own.  MST_ERR_INVAL
 * (m unchanged) when not, or when the log ran out of memory; the caller
 * then feeds the samples. */
int mst_loudness_add_logged (MstLoudness * m, const MstLoudnessLog * log,
    double gain, size_t frames);
#endif /* MST_LOUDNESS_H */
