/* gst-mastering dsp: true-peak lookahead limiter.
 *
 * Timing
 * ------
 * Frame t enters the delay line at step t.  The detector reports a bound
 * of the true peak around input frame t - Ld (Ld = LIM_DET_DELAY = 31
 * frames: 16 of interpolation delay, 15 to centre the near-Nyquist bound;
 * kept in sample-peak mode too so that the latency never changes).  The
 * gain computer turns that peak into the required gain r and, Da frames
 * later (Da = lookahead), the gain it outputs is applied to frame
 * t - Ld - Da as it leaves the delay line.  Latency = Ld + Da.
 *
 * Detector
 * --------
 * The oversampler of truepeak.c (4x at every rate, 32-tap Kaiser-windowed
 * sinc per phase) gives 4 points per input interval.  Sampling the
 * continuous waveform only at those points under-reads a peak that falls
 * between them: by up to 0.56 dB for a tone at 0.45 fs.  At every local
 * maximum of |points| near the ceiling the peak is re-estimated by fitting
 * a sinusoid A cos (w t + phi) through the point and its two neighbours
 * (exact for a pure tone; a parabola when the curvature is too small to
 * fit w).  The interpolation filter rolls off above 0.45 fs (-4 dB at
 * 0.48 fs for the half-sample phase), so energy up there (white noise,
 * naive squares, cymbals at 44.1 kHz) has true peaks no fit can recover:
 * a bound for that band is added, |triangular low-pass of (-1)^t x|
 * (the band 0.44..0.5 fs moved to 0..0.06 fs), maximised over
 * +- LIM_HF_SPAN frames.  A fixed margin (LIM_MARGIN_DB) covers float
 * rounding and the small new inter-sample peaks created by the gain
 * modulation itself; tests/dsp/test-limiter.c measures the result against
 * an independent 16x meter.
 *
 * A block is detected in passes: the oversampler writes the points of the
 * whole block after those of the previous LIM_ENV_DLY frames (kept as
 * history), the raw peak of every frame (largest |point|) is an integer
 * max over the IEEE bit patterns (ORC), the near-Nyquist bound runs as one
 * recursion per channel, and the fit is computed only for the frames
 * whose raw peak plus bound can reach the ceiling.
 *
 * Gain computer (per linked group, or per channel when link < 1)
 * --------------------------------------------------------------
 *   r[t]  = min (1, ceiling / peak[t])
 *   m[t]  = min r[t - W + 1 .. t]          sliding minimum, W = N + 2 E + H
 *   s[t]  = 1 - mean (1 - m[t - N + 1 .. t])  moving average of N frames
 *   g[t]  = s[t] when s falls, else a release from g[t - 1] towards s[t]
 * The output frame j = t - Ld - Da with Da = N - 1 + E: every one of the N
 * windows averaged into s[t] contains the peaks of frames j - E .. j + E,
 * so s[t] <= r of each of them, and g <= s.  E (LIM_EDGE) keeps the gain
 * flat a few frames around a peak, so the interpolated output between two
 * frames sees the same gain as the frames themselves.  H is the hold of
 * auto release (a sustained bass keeps a constant gain instead of being
 * modulated at twice its frequency).  The sliding minimum is a monotone
 * deque (amortised O(1)); the moving average keeps a count of nonzero
 * terms, so once the window holds no reduction s is exactly 1.0.  A block
 * of r = 1 that finds the gain computer idle (no reduction anywhere in its
 * windows, g = 1) only advances its clocks.
 *
 * Release: fixed, g += a (s - g) with a from `release`; auto, a fast
 * release (release / 4) while g is below the recent average gain (a short
 * transient dipped deeper than the programme needs) and a slow one
 * (2 release) from there on, the average being a one-pole of g over
 * 4 release.  g snaps to exactly 1.0 when within LIM_SNAP of it, and so
 * does the average.
 *
 * Release towards 1.0 (s = 1: no reduction left in the windows), which
 * after every limited passage runs for seconds, is computed in closed form
 * instead of by the recursion: with u = 1 - g and v = 1 - avg from an
 * anchor step t0, u = u0 q^k and v = p^k (v0 - c) + c q^k (k = t - t0,
 * q = 1 - a, p = 1 - a_avg, c = a_avg u0 q / (q - p)), powers from tables.
 * Every step depends on the anchor only, not on the step before, so a
 * block of it has no chain of dependent operations.  The anchor moves to
 * the step before when the phase starts (s reaches 1), every LIM_REL_SPAN
 * steps, when auto release turns from fast to slow (g reaches avg), when
 * g snaps to 1.0 (u0 = 0: the average goes on alone) and when the release
 * settings change; anchors depend on the steps alone, never on how the
 * stream is cut into blocks, so the output does not either.
 *
 * Extreme input
 * -------------
 * The ceiling holds for any finite input up to FLT_MAX after the input
 * gain (F64 beyond the float range is clamped to +-FLT_MAX, the range of
 * the detector; F32 gain overflow likewise).  What keeps it there:
 *  - s = 1 - mean (1 - m) carries an absolute rounding error of up to
 *    about N ulp of 1.0 (the terms and their running sum are near 1), which
 *    is no longer small against a gain of 1e-10 (1e10 samples): the gain
 *    came out 0.15 dB too high at 384 kHz, and its jitter made steps
 *    whose interpolated overshoot broke through.  Below LIM_DEEP
 *    (-140 dB, where that error stays below 2e-5 of s; full-scale input
 *    at the largest input gain and lowest ceiling needs about -70 dB) s
 *    is the mean of the terms m themselves, whose running sum is summed
 *    afresh whenever its accumulated rounding could exceed 2^-30 of it
 *    (after a large term left; O(N), at most once per window).  Above
 *    LIM_DEEP nothing changes.
 *  - the interpolator overflows near FLT_MAX (Inf, or NaN from Inf - Inf):
 *    the integer max ranks Inf and NaN above every finite point, and such
 *    a frame's peak is +Inf, its required gain 0 (and m = 0 makes the mean
 *    exactly 0).
 *  - the near-Nyquist bound's running sums are re-summed every
 *    LIM_HF_LEN steps; a value of LIM_HF_BIG or more would leave a
 *    rounding residue of its size in them when it leaves the window, so
 *    for 2 LIM_HF_LEN steps after one enters they are re-summed at every
 *    step.
 * The statistics saturate at FLT_MAX, and the output peak estimate is per
 * channel when the gains are (it multiplied the loudest channel's peak by
 * the largest gain, that of a quiet channel).
 *
 * Speed
 * -----
 * Most blocks of a programme are quiet: raw peak + a bound of the HF term
 * (max |x| over its window, through the raw peaks, which include the
 * samples) stays under the fit threshold.  Such a block needs no fit and
 * no HF values, only the HF state after it, which depends on its last 64
 * frames alone (the running sums restart from exact re-sums every
 * LIM_HF_LEN steps).  Likewise a gain computer with no reduction left in
 * its windows only releases g (and moves avg) over a block of r = 1.  All
 * of it is exact: the output is bit for bit that of the plain per-frame
 * recursions.
 *
 * Detector only / envelope mode
 * -----------------------------
 * mst_limiter_detect_* runs the detector alone (on its own step counter)
 * and returns the linked envelope, with the fit computed at every frame
 * (the fit depends on the ceiling, the envelope may be reused at any gain
 * and ceiling), or, with a detect scale S set, only where S times the
 * bound can reach the ceiling (detect_thr ()): that envelope serves every
 * scale up to S at that ceiling, with the same gains.  mst_limiter_process_env_* replaces the detector by
 * env * env_scale: the envelope of a linear detector scales with its
 * input, up to float rounding, which the margin covers.  The detector
 * then skips those frames, so a following mst_limiter_process_* first
 * refills it from the delay line (as switching true peak on does).
 */
#include "limiter.h"

#include <float.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "truepeak.h"

#ifndef DISABLE_ORC
#include <orc/orc.h>
#endif
#include "mstorc.h"
#include "limiterorc.h"

#define LIM_BLOCK 256           /* frames per internal block */
#define LIM_FACTOR 4            /* detector oversampling, every rate */
#define LIM_EDGE 4              /* E: flat-gain frames each side of a peak */
#define LIM_HOLD_S 0.020        /* H of auto release, seconds */
#define LIM_MARGIN_DB 0.02      /* detector margin, dB */
#define LIM_GLIDE_S 0.010       /* input-gain glide time constant */
#define LIM_PRIME 96            /* frames that refill the detector state */
#define LIM_HF_LEN 16           /* HF bound: two moving sums of this length */
#define LIM_HF_SPAN 16          /* HF bound: max over at least +- this */
/* Detector delay: the HF bound for frame f needs x up to f + 2 LEN - 1. */
#define LIM_DET_DELAY (2 * LIM_HF_LEN - 1)
#define LIM_TP_DELAY 16         /* the oversampler's own delay (32 taps) */
#define LIM_ENV_DLY (LIM_DET_DELAY - LIM_TP_DELAY)
/* Oversampled points kept from the previous block: those of the last
 * LIM_ENV_DLY frames and the two before them (a fit's left neighbours). */
#define LIM_OS_HIST (LIM_FACTOR * LIM_ENV_DLY + 2)
#define LIM_SNAP 1e-6           /* release snaps to 1.0 within this */
#define LIM_REL_SPAN 256        /* release to 1.0: steps between anchors */
#define LIM_SKIP_MIN 64         /* detect_skip: smallest block */
/* Largest peak between two 4x points relative to the larger point, for
 * any tone below fs / 2: 1 / cos (pi / 8). */
#define LIM_FIT_MAX 1.0824
#define LIM_COS_MIN 0.70710678  /* cos (pi / 4): the 4x phase step at fs/2 */
/* Below this average gain (-140 dB) the average is taken over the terms
 * m themselves (see "Extreme input"). */
#define LIM_DEEP 1e-7
/* HF bound: |x| from which the running sums are re-summed every step. */
#define LIM_HF_BIG 1048576.0

/* Release regimes towards 1.0 (which coefficient a) */
enum
{
  LIM_REL_FIXED,                /* a_rel */
  LIM_REL_FAST,                 /* auto release, g below avg: a_fast */
  LIM_REL_SLOW                  /* auto release, from g >= avg on: a_slow */
};

/* Which call fed the detector last (see "Detector only"). */
enum
{
  LIM_MODE_PROCESS,             /* process: detector in step with the ring */
  LIM_MODE_ENV,                 /* process_env: the detector skipped frames */
  LIM_MODE_DETECT               /* detect: the detector on its own stream */
};

/* One gain computer.
 *
 * dq_idx, dq_val: the sliding-minimum deque, a ring of dq_mask + 1
 *                 entries starting at dq_head, dq_len long; values
 *                 increase from head to back, indices are detector steps.
 * box:            ring of the last N terms 1 - m; box_pos is the oldest.
 * box_sum:        sum of box (re-summed exactly every N steps).
 * box_nz:         number of nonzero terms in box.
 * box_m, m_sum:   the same N terms as m itself and their sum, for gains
 *                 below LIM_DEEP; m_err: a bound of the rounding error of
 *                 m_sum since it was last summed afresh, in units of
 *                 DBL_EPSILON / 2.
 * g:              the gain after release (the output gain).
 * avg:            recent average of g (auto release).
 * rel_on:         a release towards 1.0 is under way (see the top of the
 *                 file), regime rel_reg, anchored at step rel_t0 with
 *                 u0 = 1 - g, v0 = 1 - avg there and the constant rel_c;
 *                 rel_u, rel_v: u and v of the latest step.
 */
typedef struct
{
  uint64_t *dq_idx;
  double *dq_val;
  unsigned dq_head, dq_len;
  double *box;
  unsigned box_pos, box_nz;
  double box_sum;
  double *box_m;
  double m_sum, m_err;
  double g;
  double avg;
  int rel_on, rel_reg;
  uint64_t rel_t0;
  double rel_u0, rel_v0, rel_c, rel_u, rel_v;
} LimPipe;

/* Detector state of one channel.
 *
 * os_hist:      the oversampled points of the last LIM_ENV_DLY frames and
 *               the two before them; raw_hist: the raw peaks (largest
 *               |point|) of the last LIM_ENV_DLY frames.  Delayed to line
 *               up with the HF bound, the fit is only computed when
 *               raw + bound can reach the ceiling.
 * v_hist, s1_hist: rings of LIM_HF_LEN: the modulated input (-1)^t x and
 *               the first moving sum, for the second one.
 * s1, s2:       the two moving sums (a triangular window of 2 LEN - 1).
 * hf_cur, hf_p1, hf_p2: maxima of |s2| over the current chunk of LEN
 *               steps (so far) and the two before it.
 * pos:          position in the LEN-sized rings.
 * big:          steps left in which s1, s2 are re-summed at every step
 *               (after a value of LIM_HF_BIG or more came in).
 * x_tail:       a bound of |x| over input frames -48 .. -17 before the
 *               next block (for the quiet-block test).
 * hf_t:         the step the HF state (s1 .. big) belongs to: quiet blocks
 *               leave it behind, the next loud block brings it up to date
 *               from the input history in front of det[] (all of it
 *               depends on the last 64 frames only, once that many have
 *               passed).
 */
typedef struct
{
  float os_hist[LIM_OS_HIST];
  float raw_hist[LIM_ENV_DLY];
  double v_hist[LIM_HF_LEN];
  double s1_hist[LIM_HF_LEN];
  double s1, s2;
  double hf_cur, hf_p1, hf_p2;
  unsigned pos;
  unsigned big;
  float x_tail;
  uint64_t hf_t;
} LimDet;

/* Settings (user units converted once by the setters):
 *
 * ceiling:      linear ceiling, the detector margin applied (c_eff).
 * ceiling_db:   as set, dBTP.
 * gin_target:   linear input gain; gin: the gliding value in use.
 * a_glide:      one-pole coefficient of the input-gain glide.
 * release_ms:   as set; a_rel, a_fast, a_slow, a_avg: one-pole
 *               coefficients of the fixed, fast, slow release and of the
 *               average (see the top of the file).
 * auto_release, true_peak: flags.
 * link:         0..1.
 * rel_q, rel_p: powers 0 .. LIM_REL_SPAN of 1 - a for the release
 *               regimes (LIM_REL_*) and of 1 - a_avg.
 *
 * Geometry (fixed at _new):
 *
 * rate, channels.
 * la:           Da, lookahead in frames (the gain computer's delay).
 * n_avg:        N, length of the moving average; edge: E; hold: H (auto);
 *               dq_cap: N + 2 E + H + 1, the most a deque holds (sets the
 *               link switch-back time); dq_mask: its ring size - 1 (a
 *               power of two).
 * lat_det:      Ld, detector delay; latency = Ld + Da.
 * ring, ring_len, ring_pos: the delay line, ring_len frames of the
 *               input format (float or double, interleaved), next write
 *               at ring_pos.  Holds at least latency + LIM_BLOCK +
 *               LIM_PRIME frames; a block may wrap around its end.
 *
 * State:
 *
 * tp:           the oversampler (4x); Det (per channel): the detector
 *               state besides the oversampler's, see LimDet.
 * step:         gain computer step counter (indices in the deques; the
 *               detector's in process mode).
 * det_step:     the detector's step counter in detect mode.
 * det_scale:    detect mode's largest env_scale (0: any), see
 *               detect_thr ().
 * mode:         which call fed the detector last (LIM_MODE_*).
 * pipes[0]:     the linked gain computer; pipes[1..]: per channel when
 *               npipes == channels (link < 1, or during the switch back
 *               to linked: link_countdown steps in which every pipe is fed
 *               the linked gain until all windows hold only linked values).
 * stats:        gain statistics since the last take.
 * det:          per channel, planar detector input of a block, after
 *               LIM_PRIME frames of history.
 * osw, m2, hfw: detector scratch of one channel: the points (after
 *               LIM_OS_HIST of history), pairwise maxima, the HF bound
 *               per frame.
 * env, pk, gain: block scratch per channel: peak bounds (LIM_BLOCK +
 *               LIM_ENV_DLY: the detector's raw peaks first), measured
 *               peaks (no HF bound), gains.
 * elink, mlink, rbuf, gainf: block scratch: linked bound and peak,
 *               required gains, float gains.
 * pk_ring, pkc_ring, pk_pos: the linked and the per-channel measured
 *               peaks delayed by the lookahead (la frames each), to
 *               estimate the output peak (gain * peak) for the stats.
 * n_one:        how many linked gains of the block are exactly 1.0.
 */
struct MstLimiter
{
  double ceiling;
  double ceiling_db;
  double gin_target;
  double gin;
  double a_glide;
  double release_ms;
  double a_rel, a_fast, a_slow, a_avg;
  int auto_release;
  int true_peak;
  double link;
  double det_scale;
  double rel_q[3][LIM_REL_SPAN + 1];
  double rel_p[LIM_REL_SPAN + 1];

  unsigned rate;
  unsigned channels;
  unsigned la;
  unsigned n_avg;
  unsigned edge;
  unsigned hold;
  unsigned dq_cap;
  unsigned dq_mask;
  unsigned lat_det;
  size_t ring_len;
  size_t ring_pos;
  void *ring;
  int ring_f64;

  MstTruePeak *tp;
  LimDet det_st[MST_CHANNELS_MAX];
  uint64_t step;
  uint64_t det_step;
  int mode;
  LimPipe pipes[MST_CHANNELS_MAX];
  unsigned npipes;
  uint64_t link_countdown;
  MstLimiterStats stats;

  float *det[MST_CHANNELS_MAX];
  float *osw;
  float *m2;
  float *hfw;
  float *env[MST_CHANNELS_MAX];
  float *pk[MST_CHANNELS_MAX];
  double *gain[MST_CHANNELS_MAX];
  float *elink;
  float *mlink;
  double *rbuf;
  float *gainf;
  float *pk_ring;
  float *pkc_ring;
  unsigned pk_pos;
  size_t n_one;
  void *scratch;
};

/* Largest |v[i]| of n floats: the max of the bit patterns with the sign
 * cleared, as signed integers (exact; Inf and NaN above every finite
 * value).  Eight lanes, which the compiler vectorises. */
static float
abs_max (const float *v, size_t n)
{
  const uint32_t *u = (const uint32_t *) v;
  int32_t m[8] = { 0 }, r = 0;
  size_t i, k;
  float f;

  for (i = 0; i + 8 <= n; i += 8)
    for (k = 0; k < 8; k++) {
      int32_t a = (int32_t) (u[i + k] & 0x7fffffffu);
      m[k] = a > m[k] ? a : m[k];
    }
  for (; i < n; i++) {
    int32_t a = (int32_t) (u[i] & 0x7fffffffu);
    r = a > r ? a : r;
  }
  for (k = 0; k < 8; k++)
    r = m[k] > r ? m[k] : r;
  memcpy (&f, &r, sizeof (f));
  return f;
}

/* ------------------------------------------------------------------------ */
/* Gain computer */

static void
pipe_reset (LimPipe * p, const MstLimiter * lim)
{
  unsigned k;

  p->dq_head = 0;
  p->dq_len = 0;
  memset (p->box, 0, lim->n_avg * sizeof (double));
  p->box_pos = 0;
  p->box_nz = 0;
  p->box_sum = 0.0;
  for (k = 0; k < lim->n_avg; k++)
    p->box_m[k] = 1.0;
  p->m_sum = (double) lim->n_avg;
  p->m_err = 0.0;
  p->g = 1.0;
  p->avg = 1.0;
  p->rel_on = 0;
  p->rel_u = p->rel_v = 0.0;
}

static void
pipe_copy (LimPipe * d, const LimPipe * s, const MstLimiter * lim)
{
  memcpy (d->dq_idx, s->dq_idx, (lim->dq_mask + 1) * sizeof (uint64_t));
  memcpy (d->dq_val, s->dq_val, (lim->dq_mask + 1) * sizeof (double));
  memcpy (d->box, s->box, lim->n_avg * sizeof (double));
  memcpy (d->box_m, s->box_m, lim->n_avg * sizeof (double));
  d->dq_head = s->dq_head;
  d->dq_len = s->dq_len;
  d->box_pos = s->box_pos;
  d->box_nz = s->box_nz;
  d->box_sum = s->box_sum;
  d->m_sum = s->m_sum;
  d->m_err = s->m_err;
  d->g = s->g;
  d->avg = s->avg;
  d->rel_on = s->rel_on;
  d->rel_reg = s->rel_reg;
  d->rel_t0 = s->rel_t0;
  d->rel_u0 = s->rel_u0;
  d->rel_v0 = s->rel_v0;
  d->rel_c = s->rel_c;
  d->rel_u = s->rel_u;
  d->rel_v = s->rel_v;
}

/* Anchors the release towards 1.0 at step t with u = 1 - g, v = 1 - avg
 * there, in regime reg. */
static void
rel_anchor (LimPipe * p, const MstLimiter * lim, uint64_t t, double u,
    double v, int reg)
{
  p->rel_on = 1;
  p->rel_reg = reg;
  p->rel_t0 = t;
  p->rel_u0 = p->rel_u = u;
  p->rel_v0 = p->rel_v = v;
  p->rel_c = 0.0;
  if (lim->auto_release && u != 0.0) {
    double q = lim->rel_q[reg][1], pa = lim->rel_p[1];
    p->rel_c = lim->a_avg * u * q / (q - pa);
  }
}

/* Step t of a release towards 1.0 (s = 1 and g or avg below 1.0, or the
 * release under way): g and avg (in and out) from the anchor. */
static inline void
rel_step (LimPipe * p, const MstLimiter * lim, uint64_t t, double *g,
    double *avg)
{
  const int ar = lim->auto_release;
  uint64_t k;
  double u, v = 0.0, qk;

  if (!p->rel_on)
    rel_anchor (p, lim, t - 1, 1.0 - *g, 1.0 - *avg, !ar ? LIM_REL_FIXED :
        *g < *avg ? LIM_REL_FAST : LIM_REL_SLOW);
  k = t - p->rel_t0;
  if (p->rel_reg == LIM_REL_FAST && p->rel_u <= p->rel_v) {
    /* g reached avg at the step before: slow from here on */
    rel_anchor (p, lim, t - 1, p->rel_u, p->rel_v, LIM_REL_SLOW);
    k = 1;
  } else if (k > LIM_REL_SPAN) {
    rel_anchor (p, lim, t - 1, p->rel_u, p->rel_v, p->rel_reg);
    k = 1;
  }
  qk = lim->rel_q[p->rel_reg][k];
  u = p->rel_u0 * qk;
  if (u < LIM_SNAP)
    u = 0.0;
  *g = 1.0 - u;
  p->rel_u = u;
  if (ar) {
    v = lim->rel_p[k] * (p->rel_v0 - p->rel_c) + p->rel_c * qk;
    if (v < LIM_SNAP)
      v = 0.0;
    *avg = 1.0 - v;
    p->rel_v = v;
  }
  if (u == 0.0) {
    if (v == 0.0)
      p->rel_on = 0;
    else if (p->rel_u0 != 0.0)
      /* g snapped to 1.0: the average goes on alone */
      rel_anchor (p, lim, t, 0.0, v, p->rel_reg);
  }
}

/* Whether a step of s = 1 is a release step (rel_step). */
static inline int
rel_due (const LimPipe * p, int ar, double g, double avg)
{
  return p->rel_on || g < 1.0 || (ar && avg < 1.0);
}

/* Sum of the N terms m afresh (all >= 0: relative error below
 * N DBL_EPSILON / 2). */
static double
pipe_m_sum (const LimPipe * p, const MstLimiter * lim)
{
  unsigned k;
  double sum = 0.0;

  for (k = 0; k < lim->n_avg; k++)
    sum += p->box_m[k];
  return sum;
}

/* The statistics of a block of linked gains g[i] (the output peak as
 * max g[i] * md[i], md the peaks the gains are applied to): running
 * values in, updated out. */
typedef struct
{
  double out_max;
  double gain_min;
  size_t n_one;
} LimBlockStats;

/* Whether no reduction is left in any window of the gain computer (the
 * deque holds one entry 1.0, the moving average is 1.0): with r = 1, a step
 * then only releases g towards 1.0 (and moves avg). */
static int
pipe_quiet (const LimPipe * p)
{
  return p->dq_len == 1 && p->dq_val[p->dq_head] == 1.0 && p->box_nz == 0;
}

/* n steps of r = 1 from t on a quiet gain computer: exactly what pipe_run
 * would do (the deque keeps one entry 1.0, now of the last step, the box
 * stays all zero, s = 1.0), with the release towards 1.0 as the only
 * motion (no chain of dependent steps: see rel_step).  Fills gv, unless g
 * is 1.0 from the start (every gain 1.0), and the block statistics
 * (the output peak against the peaks md, none when md is NULL). */
static void
pipe_release (LimPipe * p, const MstLimiter * lim, uint64_t t, size_t n,
    double *gv, const float *md, LimBlockStats * bs)
{
  const int ar = lim->auto_release;
  double g = p->g, avg = p->avg, om = bs->out_max, gm = bs->gain_min;
  size_t i, k, n1 = 0;
  int unity = g == 1.0;

  p->dq_idx[p->dq_head] = t + n - 1;
  p->box_pos = (unsigned) ((p->box_pos + n) % lim->n_avg);
  p->box_sum = 0.0;
  /* every term m is 1.0 */
  p->m_sum = (double) lim->n_avg;
  p->m_err = 0.0;

  if (unity) {
    /* g stays 1.0; only the average may move */
    for (i = 0; i < n && rel_due (p, ar, g, avg); i++)
      rel_step (p, lim, t + i, &g, &avg);
    i = 0;
  } else {
    for (i = 0; i < n && rel_due (p, ar, g, avg);) {
      if (p->rel_on) {
        /* the steps of this anchor up to the next event (a snap, the
         * switch to slow, the anchor's span) are rel_step's arithmetic
         * without its tests: an event step is left to rel_step */
        const double *qt = lim->rel_q[p->rel_reg], *pt = lim->rel_p;
        const double u0 = p->rel_u0, c = p->rel_c, v0c = p->rel_v0 - c;
        const int fast = p->rel_reg == LIM_REL_FAST;
        uint64_t k0 = t + i - p->rel_t0;
        double u = p->rel_u, v = p->rel_v;
        size_t m = n - i, j;

        if (k0 + m - 1 > LIM_REL_SPAN)
          m = k0 <= LIM_REL_SPAN ? (size_t) (LIM_REL_SPAN - k0 + 1) : 0;
        for (j = 0; j < m; j++) {
          double qk = qt[k0 + j], un = u0 * qk, vn = 0.0;

          if ((fast && u <= v) || un < LIM_SNAP)
            break;
          if (ar) {
            vn = pt[k0 + j] * v0c + c * qk;
            if (vn < LIM_SNAP)
              break;
            v = vn;
          }
          u = un;
          g = 1.0 - u;
          gv[i + j] = g;
        }
        if (j > 0) {
          /* the statistics of the run: u falls, so g rises and the run's
           * smallest gain is its first (two maxima break the chain) */
          gm = gv[i] < gm ? gv[i] : gm;
          if (md) {
            double om2 = om;
            size_t h;

            for (h = 0; h + 1 < j; h += 2) {
              double o0 = gv[i + h] * md[i + h];
              double o1 = gv[i + h + 1] * md[i + h + 1];
              om = o0 > om ? o0 : om;
              om2 = o1 > om2 ? o1 : om2;
            }
            if (h < j) {
              double o0 = gv[i + h] * md[i + h];
              om = o0 > om ? o0 : om;
            }
            om = om2 > om ? om2 : om;
          }
          p->rel_u = u;
          if (ar) {
            p->rel_v = v;
            avg = 1.0 - v;
          }
          i += j;
          continue;
        }
      }
      rel_step (p, lim, t + i, &g, &avg);
      gv[i] = g;
      if (md)
        om = g * md[i] > om ? g * md[i] : om;
      gm = g < gm ? g : gm;
      n1 += g == 1.0;
      i++;
    }
    for (k = i; k < n; k++)
      gv[k] = 1.0;
  }
  /* the frames at gain 1.0 from step i on */
  if (i < n && md) {
    double m = abs_max (md + i, n - i);
    om = m > om ? m : om;
  }
  bs->n_one += n1 + (n - i);
  bs->out_max = om;
  bs->gain_min = gm;
  p->g = g;
  p->avg = avg;
}

/* n steps from t: required gains r[i] in, output gains g[i] out.  The
 * state lives in locals for the block. */
static void
pipe_run (LimPipe * p, const MstLimiter * lim, uint64_t t, unsigned win,
    const double *rv, double *gv, size_t n, const float *md, LimBlockStats * bs)
{
  const unsigned mask = lim->dq_mask, nb = lim->n_avg;
  const int ar = lim->auto_release;
  const double a_rel = lim->a_rel, a_fast = lim->a_fast;
  const double a_slow = lim->a_slow, a_avg = lim->a_avg;
  uint64_t *dq_idx = p->dq_idx;
  double *dq_val = p->dq_val, *box = p->box, *box_m = p->box_m;
  unsigned head = p->dq_head, len = p->dq_len;
  unsigned bpos = p->box_pos, nz = p->box_nz;
  double bsum = p->box_sum, g = p->g, avg = p->avg;
  double msum = p->m_sum, merr = p->m_err;
  double om = bs ? bs->out_max : 0.0, gm = bs ? bs->gain_min : 1.0;
  size_t i, n1 = 0;

  for (i = 0; i < n; i++, t++) {
    double r = rv[i], m, d, old, s, dm;
    unsigned back;

    /* sliding minimum over the last `win` steps */
    while (len > 0 && !(dq_val[(head + len - 1) & mask] < r))
      len--;
    back = (head + len) & mask;
    dq_idx[back] = t;
    dq_val[back] = r;
    len++;
    while (dq_idx[head] + win <= t) {
      head = (head + 1) & mask;
      len--;
    }
    m = dq_val[head];

    /* moving average of 1 - m over nb steps; the terms m themselves go
     * along for the deep gains */
    d = 1.0 - m;
    old = box[bpos];
    box[bpos] = d;
    nz += (d != 0.0) - (old != 0.0);
    dm = m - box_m[bpos];
    box_m[bpos] = m;
    msum += dm;
    merr += fabs (dm) + msum;
    if (++bpos == nb) {
      unsigned k;
      double sum = 0.0, sum_m = 0.0;
      bpos = 0;
      for (k = 0; k < nb; k++) {
        sum += box[k];
        sum_m += box_m[k];
      }
      bsum = sum;
      msum = sum_m;
      merr = 0.0;
    } else {
      bsum += d - old;
    }
    if (nz == 0) {
      bsum = 0.0;
      s = 1.0;
    } else {
      s = 1.0 - bsum / (double) nb;
      if (s > 1.0)
        s = 1.0;
      if (s < LIM_DEEP) {
        /* 1 - mean (1 - m) has an absolute error of some ulp of 1.0:
         * the mean of m instead, summed afresh when the running sum may
         * be off by more than 2^-30 of itself */
        if (merr > msum * 4194304.0) {
          msum = pipe_m_sum (p, lim);
          merr = 0.0;
        }
        s = msum / (double) nb;
        if (s > 1.0)
          s = 1.0;
      }
    }

    /* release */
    if (s == 1.0 && rel_due (p, ar, g, avg)) {
      rel_step (p, lim, t, &g, &avg);
    } else {
      p->rel_on = 0;
      if (s <= g) {
        g = s;
      } else {
        double a = a_rel;
        if (ar)
          a = g < avg ? a_fast : a_slow;
        g += a * (s - g);
      }
      if (ar)
        avg += a_avg * (g - avg);
    }
    gv[i] = g;
    if (bs) {
      if (md)
        om = g * md[i] > om ? g * md[i] : om;
      gm = g < gm ? g : gm;
      n1 += g == 1.0;
    }
  }
  if (bs) {
    bs->out_max = om;
    bs->gain_min = gm;
    bs->n_one += n1;
  }
  p->dq_head = head;
  p->dq_len = len;
  p->box_pos = bpos;
  p->box_nz = nz;
  p->box_sum = bsum;
  p->m_sum = msum;
  p->m_err = merr;
  p->g = g;
  p->avg = avg;
}

/* ------------------------------------------------------------------------ */
/* Detector */

/* Peak of the continuous signal near point k (local maximum of |a|) from
 * the point and its neighbours am, ap. */
static inline float
fit_peak (float am, float a0, float ap)
{
  double c0 = fabs ((double) a0);
  double s = a0 < 0.0f ? -1.0 : 1.0;
  double bm = s * am, bp = s * ap;
  double den = 2.0 * c0 - bm - bp;
  double diff = bp - bm;
  double cw, sw2, pk;

  if (c0 <= 0.0 || den <= 0.0)
    return (float) c0;
  cw = (bm + bp) / (2.0 * c0);
  if (cw > 0.9999) {
    /* too little curvature to fit a frequency: parabola */
    pk = c0 + diff * diff / (8.0 * den);
  } else {
    if (cw < LIM_COS_MIN)
      cw = LIM_COS_MIN;
    sw2 = 1.0 - cw * cw;
    pk = sqrt (c0 * c0 + diff * diff / (4.0 * sw2));
  }
  if (pk > c0 * LIM_FIT_MAX)
    pk = c0 * LIM_FIT_MAX;
  return (float) pk;
}

/* Largest |point| of a frame's four points q[1..4] (q: the six points
 * 4i - 2 .. 4i + 3 around frame i). */
static inline float
raw_peak (const float *q)
{
  float e = fabsf (q[1]), v;

  v = fabsf (q[2]);
  e = v > e ? v : e;
  v = fabsf (q[3]);
  e = v > e ? v : e;
  v = fabsf (q[4]);
  return v > e ? v : e;
}

/* Refined peak of a frame: the sinusoid fit at every local maximum among
 * q[1..4] (skipped where even its largest result, LIM_FIT_MAX times the
 * point, could not exceed the peak so far). */
static float
fit_frame (const float *q)
{
  float e = raw_peak (q);
  int k;

  for (k = 1; k <= 4; k++) {
    float v = fabsf (q[k]);
    if (v > 0.0f && v >= fabsf (q[k - 1]) && v >= fabsf (q[k + 1]) &&
        (double) v * LIM_FIT_MAX > (double) e) {
      float pk = fit_peak (q[k - 1], q[k], q[k + 1]);
      if (pk > e)
        e = pk;
    }
  }
  return e;
}

#if defined(__SSE2__)
/* fit_peak of two points at once (double lanes; am, a0, ap as in
 * fit_peak), the same operations in the same order, so the same bits.
 * Lanes outside `use` are not candidates: they get harmless points, and
 * the lanes that fit_peak returns early from (c0 or den <= 0) and the sine
 * fit of the lanes that take the parabola get harmless divisors, so no
 * 0 / 0, x / 0 or overflow raises a floating-point flag the scalar code
 * does not raise. */
static inline __m128d
fit_peak_sse2 (__m128d am, __m128d a0, __m128d ap, __m128d use)
{
  const __m128d sign = _mm_set1_pd (-0.0), one = _mm_set1_pd (1.0);
  __m128d c0, s, bm, bp, den, den_s, diff, d2, cw, para, cwc, sw2, sine;
  __m128d use_para, pk, cap, flat;

  am = _mm_and_pd (use, am);
  ap = _mm_and_pd (use, ap);
  a0 = _mm_or_pd (_mm_and_pd (use, a0), _mm_andnot_pd (use, one));
  c0 = _mm_andnot_pd (sign, a0);
  /* s * am with s = -1 for a negative a0: the sign flipped */
  s = _mm_and_pd (sign, a0);
  bm = _mm_xor_pd (am, s);
  bp = _mm_xor_pd (ap, s);
  den = _mm_sub_pd (_mm_sub_pd (_mm_mul_pd (_mm_set1_pd (2.0), c0), bm), bp);
  /* c0 > 0 in every lane now; den <= 0: the point itself */
  flat = _mm_cmple_pd (den, _mm_setzero_pd ());
  den_s = _mm_or_pd (_mm_and_pd (flat, one), _mm_andnot_pd (flat, den));
  diff = _mm_sub_pd (bp, bm);
  d2 = _mm_mul_pd (diff, diff);
  cw = _mm_div_pd (_mm_add_pd (bm, bp), _mm_mul_pd (_mm_set1_pd (2.0), c0));
  para = _mm_add_pd (c0, _mm_div_pd (d2,
          _mm_mul_pd (_mm_set1_pd (8.0), den_s)));
  use_para = _mm_cmpgt_pd (cw, _mm_set1_pd (0.9999));
  /* the sine lanes have cw <= 0.9999: the upper clamp only keeps the
   * parabola lanes' sw2 away from 0 */
  cwc = _mm_min_pd (_mm_max_pd (cw, _mm_set1_pd (LIM_COS_MIN)),
      _mm_set1_pd (0.9999));
  sw2 = _mm_sub_pd (one, _mm_mul_pd (cwc, cwc));
  sine = _mm_sqrt_pd (_mm_add_pd (_mm_mul_pd (c0, c0),
          _mm_div_pd (d2, _mm_mul_pd (_mm_set1_pd (4.0), sw2))));
  pk = _mm_or_pd (_mm_and_pd (use_para, para), _mm_andnot_pd (use_para, sine));
  cap = _mm_mul_pd (c0, _mm_set1_pd (LIM_FIT_MAX));
  pk = _mm_or_pd (_mm_and_pd (_mm_cmpgt_pd (pk, cap), cap),
      _mm_andnot_pd (_mm_cmpgt_pd (pk, cap), pk));
  return _mm_or_pd (_mm_and_pd (flat, c0), _mm_andnot_pd (flat, pk));
}

/* The lane masks of candidate bits b0 and b1. */
static inline __m128d
lane_mask (int b0, int b1)
{
  return _mm_castsi128_pd (_mm_set_epi64x (b1 ? -1 : 0, b0 ? -1 : 0));
}

/* fit_frame with the four candidate points side by side: every local
 * maximum is fitted (the scalar loop's skip only leaves out fits that
 * cannot raise the maximum) and the maximum is taken in the same order
 * with the same comparison, so the result is the same. */
static inline float
fit_frame_sse2 (const float *q)
{
  const __m128 abs_mask = _mm_castsi128_ps (_mm_set1_epi32 (0x7fffffff));
  __m128 qm = _mm_loadu_ps (q), q0 = _mm_loadu_ps (q + 1);
  __m128 qp = _mm_loadu_ps (q + 2);
  __m128 v0 = _mm_and_ps (q0, abs_mask);
  __m128 cand = _mm_and_ps (_mm_cmpgt_ps (v0, _mm_setzero_ps ()),
      _mm_and_ps (_mm_cmpge_ps (v0, _mm_and_ps (qm, abs_mask)),
          _mm_cmpge_ps (v0, _mm_and_ps (qp, abs_mask))));
  int mask = _mm_movemask_ps (cand), k;
  float e = raw_peak (q), pk[4];

  if (mask == 0)
    return e;
  /* each pair only where it holds a candidate (one, mostly) */
  if (mask & 3) {
    __m128d f = fit_peak_sse2 (_mm_cvtps_pd (qm), _mm_cvtps_pd (q0),
        _mm_cvtps_pd (qp), lane_mask (mask & 1, mask & 2));
    _mm_storel_pi ((__m64 *) pk, _mm_cvtpd_ps (f));
  }
  if (mask & 12) {
    __m128 hm = _mm_movehl_ps (qm, qm), h0 = _mm_movehl_ps (q0, q0);
    __m128 hp = _mm_movehl_ps (qp, qp);
    __m128d f = fit_peak_sse2 (_mm_cvtps_pd (hm), _mm_cvtps_pd (h0),
        _mm_cvtps_pd (hp), lane_mask (mask & 4, mask & 8));
    _mm_storel_pi ((__m64 *) (pk + 2), _mm_cvtpd_ps (f));
  }
  for (k = 0; k < 4; k++)
    if ((mask & (1 << k)) && pk[k] > e)
      e = pk[k];
  return e;
}

#define FIT_FRAME fit_frame_sse2
#else
#define FIT_FRAME fit_frame
#endif

float
mst_limiter_fit_frame (const float *q, int vector)
{
#if defined(__SSE2__)
  if (vector)
    return fit_frame_sse2 (q);
#endif
  (void) vector;
  return fit_frame (q);
}

static void
det_reset (LimDet * d)
{
  memset (d, 0, sizeof (LimDet));
}

/* Near-Nyquist bound of channel state d for the steps t0 .. t0 + n - 1
 * (x[i] the input frame of step t0 + i): hf[i] = max over +- SPAN frames
 * of |triangular low-pass of (-1)^t x|, centred on frame t0 + i -
 * LIM_DET_DELAY.  With hf NULL only the state advances (the same
 * arithmetic). */
static inline void
hf_run (LimDet * d, const float *x, size_t n, uint64_t t0, float *hf)
{
  const double norm = 1.0 / (LIM_HF_LEN * LIM_HF_LEN);
  double *vh = d->v_hist, *s1h = d->s1_hist;
  double s1 = d->s1, s2 = d->s2;
  double hf_cur = d->hf_cur, hf_p1 = d->hf_p1, hf_p2 = d->hf_p2;
  double hf_pm = hf_p1 > hf_p2 ? hf_p1 : hf_p2;
  unsigned pos = d->pos, big = d->big;
  int odd = (int) (t0 & 1);
  size_t i;

  for (i = 0; i < n; i++) {
    double v = odd ? -(double) x[i] : (double) x[i], b;
    odd ^= 1;

    /* triangular low-pass of (-1)^t x, centred on frame t - (LEN - 1) */
    s1 += v - vh[pos];
    vh[pos] = v;
    if (fabs (v) >= LIM_HF_BIG)
      big = 2 * LIM_HF_LEN;
    if (big == 0) {
      s2 += s1 - s1h[pos];
      s1h[pos] = s1;
      if (++pos == LIM_HF_LEN) {
        unsigned k;
        double a = 0.0, b2 = 0.0;
        pos = 0;
        for (k = 0; k < LIM_HF_LEN; k++) {
          a += vh[k];
          b2 += s1h[k];
        }
        s1 = a;
        s2 = b2;
      }
    } else {
      /* a huge value in the windows: sums afresh, so no residue of it
       * stays behind when it leaves */
      unsigned k;
      double a = 0.0, b2 = 0.0;
      for (k = 0; k < LIM_HF_LEN; k++)
        a += vh[k];
      s1 = a;
      s1h[pos] = s1;
      for (k = 0; k < LIM_HF_LEN; k++)
        b2 += s1h[k];
      s2 = b2;
      if (++pos == LIM_HF_LEN)
        pos = 0;
      big--;
    }
    b = fabs (s2) * norm;

    /* its maximum over (at least) +- SPAN frames around frame
     * t - LIM_DET_DELAY: the current chunk of LEN frames so far and the
     * two before it */
    if (b > hf_cur)
      hf_cur = b;
    if (hf)
      hf[i] = (float) (hf_cur > hf_pm ? hf_cur : hf_pm);
    if (pos == 0) {
      hf_p2 = hf_p1;
      hf_p1 = hf_cur;
      hf_cur = 0.0;
      hf_pm = hf_p1 > hf_p2 ? hf_p1 : hf_p2;
    }
  }
  d->s1 = s1;
  d->s2 = s2;
  d->pos = pos;
  d->big = big;
  d->hf_cur = hf_cur;
  d->hf_p1 = hf_p1;
  d->hf_p2 = hf_p2;
}

static void
hf_bound (LimDet * d, const float *x, size_t n, uint64_t t0, float *hf)
{
  hf_run (d, x, n, t0, hf);
}

/* Left fold of 16 values from 0.0, as the re-sum of the running sums. */
static inline double
hf_fold (const double *v)
{
  double a = 0.0;
  unsigned k;

  for (k = 0; k < LIM_HF_LEN; k++)
    a += v[k];
  return a;
}

/* The same state change as hf_bound without its output, when no value of
 * LIM_HF_BIG or more is involved (big == 0, |x| < LIM_HF_BIG).  The
 * running sums restart from exact re-sums at every wrap of pos, so the
 * state after the block only depends on its last chunks of LIM_HF_LEN
 * steps: C3 after the last wrap (0 .. 15 steps), the full C2 and C1
 * before it (their maxima become hf_p1, hf_p2; those before are shifted
 * out) and C0, whose running s1 the s2 of C1 subtracts and re-sums.  Each
 * chunk's running s1 starts from the re-sum of the v of the chunk before,
 * its running s2 from the re-sum of that chunk's running s1: the chunks
 * are independent chains, computed side by side. */
static void
hf_advance (LimDet * d, const float *x, size_t n, uint64_t t0)
{
  const double norm = 1.0 / (LIM_HF_LEN * LIM_HF_LEN);
  const size_t len = LIM_HF_LEN;
  size_t w_first = len - 1 - d->pos, w_last, ws, base, len3, k;
  /* e: v of steps base = ws - 31 .., f: running s1 of C0 .. C3 */
  double e[5 * LIM_HF_LEN], f[4 * LIM_HF_LEN];
  double a0, a1, a2, a3, b1, b2, b3, s21, s22, s23, m1, m2, m3;

  if (d->big != 0 || n <= w_first + 4 * len) {
    hf_run (d, x, n, t0, NULL);
    return;
  }
  w_last = w_first + (n - 1 - w_first) / len * len;
  ws = w_last - 2 * len;
  base = ws + 1 - 2 * len;
  len3 = n - 1 - w_last;
  for (k = 0; k < n - base; k++)
    e[k] = ((t0 + base + k) & 1) ? -(double) x[base + k] : (double) x[base + k];

  /* s1: chunk j (steps ws - 15 + 16 j ..) from the re-sum of the 16 v
   * before it */
  a0 = hf_fold (e);
  a1 = hf_fold (e + len);
  a2 = hf_fold (e + 2 * len);
  a3 = hf_fold (e + 3 * len);
  for (k = 0; k < len; k++) {
    a0 += e[len + k] - e[k];
    f[k] = a0;
    a1 += e[2 * len + k] - e[len + k];
    f[len + k] = a1;
    a2 += e[3 * len + k] - e[2 * len + k];
    f[2 * len + k] = a2;
    if (k < len3) {
      a3 += e[4 * len + k] - e[3 * len + k];
      f[3 * len + k] = a3;
    }
  }

  /* s2 of C1 .. C3 from the re-sum of the running s1 before; at the wraps
   * ending C1 and C2 the re-sum itself */
  b1 = hf_fold (f);
  b2 = hf_fold (f + len);
  b3 = hf_fold (f + 2 * len);
  s21 = b1;
  s22 = b2;
  s23 = b3;
  m1 = m2 = m3 = 0.0;
  for (k = 0; k < len; k++) {
    double v1, v2;
    s21 += f[len + k] - f[k];
    s22 += f[2 * len + k] - f[len + k];
    v1 = fabs (k == len - 1 ? b2 : s21) * norm;
    v2 = fabs (k == len - 1 ? b3 : s22) * norm;
    m1 = v1 > m1 ? v1 : m1;
    m2 = v2 > m2 ? v2 : m2;
    if (k < len3) {
      double v3;
      s23 += f[3 * len + k] - f[2 * len + k];
      v3 = fabs (s23) * norm;
      m3 = v3 > m3 ? v3 : m3;
    }
  }

  /* the rings: position p last written in C3 (p < len3) or C2 */
  for (k = 0; k < len; k++) {
    d->v_hist[k] = k < len3 ? e[4 * len + k] : e[3 * len + k];
    d->s1_hist[k] = k < len3 ? f[3 * len + k] : f[2 * len + k];
  }
  d->s1 = a3;
  d->s2 = s23;
  d->pos = (unsigned) len3;
  d->hf_p2 = m1;
  d->hf_p1 = m2;
  d->hf_cur = m3;
}

/* Detect mode with a threshold: a block whose points cannot reach the
 * quiet test's threshold, judged from its samples alone, is quiet without
 * computing them.  Every point of the block's frames comes from input
 * frames -47 .. n - 15 and the HF bound reaches back to frame -48 (the
 * history holds LIM_PRIME): with B = max |x| over frames -LIM_PRIME ..
 * n - 1, the raw peaks are at most point_bound * B (plus float rounding)
 * and the HF term at most B or the maxima of the chunks before, so when
 * those stay under thr, detect () would find the block quiet and write
 * values under thr.  Only the state the next block reads is computed: the
 * points of the last LIM_TP_DELAY frames (os_hist), the raw peaks of the
 * last LIM_ENV_DLY (raw_hist) and x_tail (from B's frames, a bound of
 * the frames it stands for); the oversampler's history skips the rest.
 * env[0..n) gets the bound (under thr).  Returns 0, doing nothing, when
 * the block may not be quiet. */
static int
detect_skip (MstLimiter * lim, unsigned c, size_t n, float *env, float thr)
{
  LimDet *d = &lim->det_st[c];
  float *x = lim->det[c], *osw = lim->osw, *tail;
  float b = abs_max (x - LIM_PRIME, LIM_PRIME + n);
  double rb = mst_truepeak_point_bound (lim->tp) * b * (1.0 + 1e-5);
  double hb = b;
  size_t i;

  hb = hb > d->hf_cur ? hb : d->hf_cur;
  hb = hb > d->hf_p1 ? hb : d->hf_p1;
  hb = hb > d->hf_p2 ? hb : d->hf_p2;
  hb *= 1.0 + 1e-9;
  if (!(rb + hb < thr * (1.0 - 1e-6)))
    return 0;

  /* the points of the last LIM_TP_DELAY frames, where a full run puts
   * them (os_hist takes the last LIM_OS_HIST of them) */
  mst_truepeak_skip_f32 (lim->tp, c, x, n - LIM_TP_DELAY);
  tail = osw + LIM_OS_HIST + LIM_FACTOR * (n - LIM_TP_DELAY);
  mst_truepeak_upsample_f32 (lim->tp, c, x + n - LIM_TP_DELAY,
      LIM_TP_DELAY, tail);
  /* raw peaks of frames n .. n + LIM_ENV_DLY - 1 of rawb (= env), from
   * points 4i - 1 .. 4i + 2 of block frame i = n - LIM_ENV_DLY .. n - 1 */
  for (i = n - LIM_ENV_DLY; i < n; i++)
    env[LIM_ENV_DLY + i] = raw_peak (osw + LIM_OS_HIST + LIM_FACTOR * i - 2);
  for (i = 0; i < n; i++)
    env[i] = (float) rb;
  d->x_tail = b;
  memcpy (d->os_hist, osw + LIM_FACTOR * n, sizeof (d->os_hist));
  memcpy (d->raw_hist, env + n, sizeof (d->raw_hist));
  memmove (x - LIM_PRIME, x + n - LIM_PRIME, LIM_PRIME * sizeof (float));
  return 1;
}

/* Detector of channel c for the block's steps t0 .. t0 + n - 1 (the input
 * frame of step t0 + i in lim->det[c][i], after LIM_PRIME frames of
 * history; n <= LIM_BLOCK): env[i] = bound of the true peak around frame
 * t0 + i - LIM_DET_DELAY, pk[i] = the same without the HF bound.  The fit
 * is computed where raw + bound >= thr.  *pk_max = the largest pk[i].
 * Returns 1 for a quiet block (below thr everywhere): then env[i] is the
 * raw peak, pk is left alone and stands for the same (gains ()). */
static int
detect (MstLimiter * lim, unsigned c, size_t n, uint64_t t0, float *env,
    float *pk, float thr, float *pk_max)
{
  LimDet *d = &lim->det_st[c];
  float *x = lim->det[c];
  /* the raw peaks go to env (as the bounds of a quiet block), after
   * LIM_ENV_DLY of history and before LIM_ENV_DLY for the next block */
  float *osw = lim->osw, *rawb = env, *hfw = lim->hfw;
  float r_used, r_new, x_end;
  double hb;
  int quiet;
  size_t i;

  if (lim->mode == LIM_MODE_DETECT && thr > 0.0f && n >= LIM_SKIP_MIN
      && detect_skip (lim, c, n, env, thr))
    return 1;

  /* points: os[k] = osw[LIM_OS_HIST + k], those of frame i are
   * os[4i - 2 .. 4i + 3], so frame i - LIM_ENV_DLY's start at osw[4i] */
  memcpy (osw, d->os_hist, sizeof (d->os_hist));
  mst_truepeak_upsample_f32 (lim->tp, c, x, n, osw + LIM_OS_HIST);
  /* raw peak of frame i: max |os[4i - 1 .. 4i + 2]|, as pairs of pairs;
   * rawb[i] is that of frame i - LIM_ENV_DLY */
  memcpy (rawb, d->raw_hist, sizeof (d->raw_hist));
  mst_orc_absmax_pair_f32 (lim->m2, osw + LIM_OS_HIST - 1, (int) (2 * n));
  mst_orc_absmax_pair_f32 (rawb + LIM_ENV_DLY, lim->m2, (int) n);

  /* A bound of the HF term over the block: b <= max |x| over its 31
   * frames, plus the rounding of the running sums, which reaches back 15
   * frames more (input frames -48 .. n - 1); the maxima of the chunks
   * before count too.  A frame's raw peak is at least |x| of its own
   * sample (the point of phase 0), so the new raw peaks
   * rawb[LIM_ENV_DLY ..] bound |x| of frames -16 .. n - 17. */
  r_used = abs_max (rawb, n);
  x_end = abs_max (x + n - LIM_TP_DELAY, LIM_TP_DELAY);
  if (n >= 2 * LIM_TP_DELAY) {
    /* for the next block: |x| of frames n - 48 .. n - 17, whose raw
     * peaks are the last 32 new ones (these include the 15 after
     * r_used's) */
    float x_tail = abs_max (rawb + LIM_ENV_DLY + n - 2 * LIM_TP_DELAY,
        2 * LIM_TP_DELAY);
    r_new = r_used > x_tail ? r_used : x_tail;
    hb = d->x_tail;
    d->x_tail = x_tail;
  } else {
    r_new = abs_max (rawb + n, LIM_ENV_DLY);
    r_new = r_used > r_new ? r_used : r_new;
    hb = d->x_tail;
    d->x_tail = d->x_tail > r_new ? d->x_tail : r_new;
  }
  hb = hb > r_new ? hb : r_new;
  hb = hb > x_end ? hb : x_end;
  /* the maxima of the chunks before: those of the state, and while it
   * lags behind, a bound of the maxima it would hold now (|x| over the 93
   * frames before the block) */
  if (t0 != d->hf_t) {
    float x_hist = abs_max (x - LIM_PRIME, LIM_PRIME);
    hb = hb > x_hist ? hb : x_hist;
  }
  hb *= 1.0 + 1e-9;
  hb = hb > d->hf_cur ? hb : d->hf_cur;
  hb = hb > d->hf_p1 ? hb : d->hf_p1;
  hb = hb > d->hf_p2 ? hb : d->hf_p2;
  quiet = (double) r_used + hb < thr * (1.0 - 1e-6);
  if (quiet) {
    /* quiet block: raw + hf < thr everywhere, so no fit, and env is
     * below the ceiling whatever hf is; the HF state can wait */
    *pk_max = r_used;
  } else {
    /* the HF state up to step t0 first: from where it is if the frames
     * since are still in the history, else afresh from the last
     * LIM_PRIME frames (which it depends on alone; quiet frames are far
     * below LIM_HF_BIG) */
    uint64_t lag = t0 - d->hf_t;
    if (lag > LIM_PRIME) {
      d->pos = (unsigned) ((d->pos + lag - LIM_PRIME) % LIM_HF_LEN);
      d->big = 0;
      lag = LIM_PRIME;
    }
    if (lag > 0)
      hf_advance (d, x - lag, (size_t) lag, t0 - lag);
    hf_bound (d, x, n, t0, hfw);
    d->hf_t = t0 + n;
    for (i = 0; i < n; i++) {
      float ro = rawb[i], hf = hfw[i], e = ro;

      /* the fit only where the result can matter; an overflowed point
       * (Inf, NaN) makes the peak infinite */
      if (!(ro + hf < thr))
        e = ro <= FLT_MAX ? FIT_FRAME (osw + 4 * i) : INFINITY;
      pk[i] = e;
      env[i] = e + hf;
    }
    *pk_max = abs_max (pk, n);
  }
  memcpy (d->os_hist, osw + LIM_FACTOR * n, sizeof (d->os_hist));
  memcpy (d->raw_hist, rawb + n, sizeof (d->raw_hist));

  /* the last LIM_PRIME input frames stay in front of the next block */
  memmove (x - LIM_PRIME, x + n - LIM_PRIME, LIM_PRIME * sizeof (float));
  return quiet;
}

/* ------------------------------------------------------------------------ */

static double
one_pole (double tau_s, double rate)
{
  return 1.0 - exp (-1.0 / (tau_s * rate));
}

/* Releases under way start again from their latest step (new
 * coefficients or regime). */
static void
rel_refresh (MstLimiter * lim)
{
  unsigned c;

  for (c = 0; c < lim->channels; c++) {
    LimPipe *p = &lim->pipes[c];

    if (p->rel_on)
      rel_anchor (p, lim, lim->step - 1, p->rel_u, p->rel_v,
          !lim->auto_release ? LIM_REL_FIXED : p->rel_u > p->rel_v ?
          LIM_REL_FAST : LIM_REL_SLOW);
  }
}

static void
update_release (MstLimiter * lim)
{
  double r = lim->release_ms / 1000.0;
  const double *a[3];
  unsigned j, k;

  lim->a_rel = one_pole (r, lim->rate);
  lim->a_fast = one_pole (r / 4.0, lim->rate);
  lim->a_slow = one_pole (r * 2.0, lim->rate);
  lim->a_avg = one_pole (r * 4.0, lim->rate);
  a[LIM_REL_FIXED] = &lim->a_rel;
  a[LIM_REL_FAST] = &lim->a_fast;
  a[LIM_REL_SLOW] = &lim->a_slow;
  for (j = 0; j < 3; j++) {
    lim->rel_q[j][0] = 1.0;
    for (k = 1; k <= LIM_REL_SPAN; k++)
      lim->rel_q[j][k] = lim->rel_q[j][k - 1] * (1.0 - *a[j]);
  }
  lim->rel_p[0] = 1.0;
  for (k = 1; k <= LIM_REL_SPAN; k++)
    lim->rel_p[k] = lim->rel_p[k - 1] * (1.0 - lim->a_avg);
  rel_refresh (lim);
}

/* Smallest power of two >= v, minus one. */
static unsigned
pow2_mask (unsigned v)
{
  unsigned m = 1;

  while (m < v)
    m <<= 1;
  return m - 1;
}

MstLimiter *
mst_limiter_new (unsigned rate, unsigned channels, double lookahead_ms)
{
  MstLimiter *lim;
  size_t sz, ring_bytes, elem;
  unsigned c, la, latency;
  char *p;

  if (rate < MST_RATE_MIN || rate > MST_RATE_MAX || channels < 1 ||
      channels > MST_CHANNELS_MAX || !(lookahead_ms == lookahead_ms))
    return NULL;
  if (lookahead_ms < MST_LIMITER_LOOKAHEAD_MIN)
    lookahead_ms = MST_LIMITER_LOOKAHEAD_MIN;
  if (lookahead_ms > MST_LIMITER_LOOKAHEAD_MAX)
    lookahead_ms = MST_LIMITER_LOOKAHEAD_MAX;

  mst_dsp_init ();

  lim = calloc (1, sizeof (MstLimiter));
  if (!lim)
    return NULL;
  lim->rate = rate;
  lim->channels = channels;

  la = (unsigned) floor (lookahead_ms * rate / 1000.0 + 0.5);
  lim->la = la;
  lim->edge = la / 2 < LIM_EDGE ? la / 2 : LIM_EDGE;
  lim->n_avg = la + 1 - lim->edge;
  lim->hold = (unsigned) floor (LIM_HOLD_S * rate + 0.5);
  lim->dq_cap = lim->n_avg + 2 * lim->edge + lim->hold + 1;
  lim->dq_mask = pow2_mask (lim->dq_cap);

  lim->tp = mst_truepeak_new_factor (rate, channels, LIM_FACTOR);
  if (!lim->tp)
    goto fail;
  if (mst_truepeak_latency (lim->tp) != LIM_TP_DELAY)
    goto fail;
  lim->lat_det = LIM_DET_DELAY;
  latency = lim->lat_det + la;
  lim->ring_len = latency + LIM_BLOCK + LIM_PRIME;

  /* one allocation for the ring (double-sized, serves both formats), the
   * pipes and the scratch */
  elem = sizeof (double);
  ring_bytes = (lim->ring_len * channels * elem + 63) & ~(size_t) 63;
  sz = ring_bytes;
  sz += channels * ((lim->dq_mask + 1) * (sizeof (uint64_t) +
          sizeof (double)) + 2 * lim->n_avg * sizeof (double));
  sz += channels * ((LIM_PRIME + LIM_ENV_DLY + 3 * LIM_BLOCK) *
      sizeof (float) + LIM_BLOCK * sizeof (double));
  sz += (size_t) (channels + 1) * la * sizeof (float);
  sz += (64 + 1 + LIM_BLOCK * LIM_FACTOR) * sizeof (float);
  sz += 6 * LIM_BLOCK * sizeof (float);
  sz += LIM_BLOCK * sizeof (double);
  sz += LIM_BLOCK * MST_CHANNELS_MAX * sizeof (float);
  sz += 64 * (8 * channels + 16);
  lim->scratch = calloc (1, sz);
  if (!lim->scratch)
    goto fail;
  p = (char *) (((uintptr_t) lim->scratch + 63) & ~(uintptr_t) 63);
#define LIM_TAKE(dst, type, count) \
  do { \
    dst = (type *) p; \
    p += ((count) * sizeof (type) + 63) & ~(size_t) 63; \
  } while (0)
  lim->ring = p;
  p += ring_bytes;
  for (c = 0; c < channels; c++) {
    LIM_TAKE (lim->pipes[c].dq_idx, uint64_t, lim->dq_mask + 1);
    LIM_TAKE (lim->pipes[c].dq_val, double, lim->dq_mask + 1);
    LIM_TAKE (lim->pipes[c].box, double, lim->n_avg);
    LIM_TAKE (lim->pipes[c].box_m, double, lim->n_avg);
    LIM_TAKE (lim->det[c], float, LIM_PRIME + LIM_BLOCK);
    lim->det[c] += LIM_PRIME;
    LIM_TAKE (lim->env[c], float, LIM_BLOCK + LIM_ENV_DLY);
    LIM_TAKE (lim->pk[c], float, LIM_BLOCK);
    LIM_TAKE (lim->gain[c], double, LIM_BLOCK);
  }
  LIM_TAKE (lim->pk_ring, float, la);
  LIM_TAKE (lim->pkc_ring, float, (size_t) channels * la);
  /* osw + LIM_OS_HIST - 1 (the first pair of the raw peaks, an 8-byte
   * ORC source) on a 64-byte boundary */
  LIM_TAKE (lim->osw, float, 64 + 1 + LIM_BLOCK * LIM_FACTOR);
  lim->osw += 64 - (LIM_OS_HIST - 1);
  LIM_TAKE (lim->m2, float, 2 * LIM_BLOCK);
  LIM_TAKE (lim->hfw, float, LIM_BLOCK);
  LIM_TAKE (lim->elink, float, LIM_BLOCK);
  LIM_TAKE (lim->mlink, float, LIM_BLOCK);
  LIM_TAKE (lim->rbuf, double, LIM_BLOCK);
  LIM_TAKE (lim->gainf, float, LIM_BLOCK * MST_CHANNELS_MAX);
#undef LIM_TAKE

  lim->ceiling_db = MST_LIMITER_CEILING_DEFAULT;
  lim->ceiling = mst_db_to_lin (lim->ceiling_db - LIM_MARGIN_DB);
  lim->gin_target = 1.0;
  lim->gin = 1.0;
  lim->a_glide = one_pole (LIM_GLIDE_S, rate);
  lim->release_ms = MST_LIMITER_RELEASE_DEFAULT;
  update_release (lim);
  lim->auto_release = 1;
  lim->true_peak = 1;
  lim->link = 1.0;

  mst_limiter_reset (lim);
  return lim;

fail:
  mst_limiter_free (lim);
  return NULL;
}

void
mst_limiter_free (MstLimiter * lim)
{
  if (!lim)
    return;
  mst_truepeak_free (lim->tp);
  free (lim->scratch);
  free (lim);
}

void
mst_limiter_reset (MstLimiter * lim)
{
  unsigned c;

  memset (lim->ring, 0, lim->ring_len * lim->channels * sizeof (double));
  lim->ring_pos = 0;
  mst_truepeak_reset (lim->tp);
  /* steps start high so that priming can look back without wrapping */
  lim->step = (uint64_t) 1 << 32;
  lim->det_step = lim->step;
  lim->mode = LIM_MODE_PROCESS;
  for (c = 0; c < lim->channels; c++) {
    det_reset (&lim->det_st[c]);
    lim->det_st[c].hf_t = lim->step;
    memset (lim->det[c] - LIM_PRIME, 0, LIM_PRIME * sizeof (float));
  }
  for (c = 0; c < lim->channels; c++)
    pipe_reset (&lim->pipes[c], lim);
  lim->npipes = 1;
  lim->link_countdown = 0;
  memset (lim->pk_ring, 0, lim->la * sizeof (float));
  memset (lim->pkc_ring, 0, (size_t) lim->channels * lim->la * sizeof (float));
  lim->pk_pos = 0;
  lim->gin = lim->gin_target;
  memset (&lim->stats, 0, sizeof (lim->stats));
  lim->stats.gain = 1.0;
  lim->stats.gain_min = 1.0;
}

unsigned
mst_limiter_latency (const MstLimiter * lim)
{
  return lim->lat_det + lim->la;
}

void
mst_limiter_set_ceiling (MstLimiter * lim, double dbtp)
{
  if (!(dbtp == dbtp))
    return;
  if (dbtp < MST_LIMITER_CEILING_MIN)
    dbtp = MST_LIMITER_CEILING_MIN;
  if (dbtp > MST_LIMITER_CEILING_MAX)
    dbtp = MST_LIMITER_CEILING_MAX;
  lim->ceiling_db = dbtp;
  lim->ceiling = mst_db_to_lin (dbtp - LIM_MARGIN_DB);
}

void
mst_limiter_set_input_gain (MstLimiter * lim, double db)
{
  if (!(db == db))
    return;
  if (db < MST_LIMITER_INPUT_GAIN_MIN)
    db = MST_LIMITER_INPUT_GAIN_MIN;
  if (db > MST_LIMITER_INPUT_GAIN_MAX)
    db = MST_LIMITER_INPUT_GAIN_MAX;
  lim->gin_target = db == 0.0 ? 1.0 : mst_db_to_lin (db);
}

void
mst_limiter_set_release (MstLimiter * lim, double ms)
{
  if (!(ms == ms))
    return;
  if (ms < MST_LIMITER_RELEASE_MIN)
    ms = MST_LIMITER_RELEASE_MIN;
  if (ms > MST_LIMITER_RELEASE_MAX)
    ms = MST_LIMITER_RELEASE_MAX;
  if (ms == lim->release_ms)
    return;
  lim->release_ms = ms;
  update_release (lim);
}

void
mst_limiter_set_auto_release (MstLimiter * lim, int on)
{
  unsigned c;

  on = on != 0;
  if (on && !lim->auto_release) {
    for (c = 0; c < lim->channels; c++) {
      lim->pipes[c].avg = lim->pipes[c].g;
      lim->pipes[c].rel_v = lim->pipes[c].rel_u;
    }
  }
  lim->auto_release = on;
  rel_refresh (lim);
}

/* Frame ring_pos + off of the ring (off may be negative: frames already
 * written), channel c, as float. */
static float
ring_frame (const MstLimiter * lim, long off, unsigned c)
{
  size_t pos = (size_t) ((long) lim->ring_pos + (long) lim->ring_len + off) %
      lim->ring_len;
  size_t k = pos * lim->channels + c;

  if (lim->ring_f64) {
    double v = ((const double *) lim->ring)[k];
    if (v > FLT_MAX)
      return FLT_MAX;
    if (v < -FLT_MAX)
      return -FLT_MAX;
    return (float) v;
  }
  return ((const float *) lim->ring)[k];
}

/* Detect mode's fit threshold (the thr of detect ()): 0, the fit at
 * every frame, unless det_scale is set.  Then the envelope only serves
 * env_scale <= det_scale with the ceiling of now, and a frame whose raw
 * peak plus HF bound stays under ceiling / (det_scale LIM_FIT_MAX) asks
 * for gain 1 there whatever its fit: its bound is at most LIM_FIT_MAX
 * times that sum.  The value it gets instead (the raw peak, or the sum)
 * is under that too, so the gains are those of the full envelope; the
 * factor 1 + 1e-5 covers the float rounding of the bound and of
 * env * env_scale. */
static float
detect_thr (const MstLimiter * lim)
{
  if (!(lim->det_scale > 0.0))
    return 0.0f;
  return (float) (lim->ceiling / (lim->det_scale * LIM_FIT_MAX * (1.0 + 1e-5)));
}

/* Refill the oversampler and the detector state from the last LIM_PRIME
 * frames (the delay line, or in detect mode the detector's own input
 * history), so the detector is exact from the next frame on. */
static void
prime_detector (MstLimiter * lim)
{
  float thr = lim->mode == LIM_MODE_DETECT ? detect_thr (lim) :
      (float) lim->ceiling / (float) LIM_FIT_MAX;
  uint64_t t = lim->mode == LIM_MODE_DETECT ? lim->det_step : lim->step;
  unsigned c, k;

  mst_truepeak_reset (lim->tp);
  for (c = 0; c < lim->channels; c++) {
    float *x = lim->det[c], pk_max;
    det_reset (&lim->det_st[c]);
    lim->det_st[c].hf_t = t - LIM_PRIME;
    if (lim->mode == LIM_MODE_DETECT) {
      memcpy (x, x - LIM_PRIME, LIM_PRIME * sizeof (float));
    } else {
      for (k = 0; k < LIM_PRIME; k++)
        x[k] = ring_frame (lim, (long) k - LIM_PRIME, c);
    }
    detect (lim, c, LIM_PRIME, t - LIM_PRIME, lim->env[c], lim->pk[c], thr,
        &pk_max);
  }
}

void
mst_limiter_set_true_peak (MstLimiter * lim, int on)
{
  on = on != 0;
  /* switched on: refill the oversampler history, so the detector is exact
   * from the first frame again */
  if (on && !lim->true_peak)
    prime_detector (lim);
  lim->true_peak = on;
}

void
mst_limiter_set_detect_scale (MstLimiter * lim, double scale)
{
  lim->det_scale = scale > 0.0 && scale <= DBL_MAX ? scale : 0.0;
}

void
mst_limiter_set_link (MstLimiter * lim, double link)
{
  if (!(link == link))
    return;
  lim->link = link < 0.0 ? 0.0 : link > 1.0 ? 1.0 : link;
}

void
mst_limiter_take_stats (MstLimiter * lim, MstLimiterStats * stats)
{
  *stats = lim->stats;
  lim->stats.gain_min = lim->stats.gain;
  lim->stats.input_peak = 0.0;
  lim->stats.output_peak = 0.0;
  lim->stats.nonfinite = 0;
}

/* ------------------------------------------------------------------------ */
/* Block processing */

/* Input gain (when apply_gain) and delay line, F32: writes n frames into
 * the ring at frame position pos (no wrap: the caller splits) and, when
 * `det`, the planar detector input from frame `off` of the block on. */
static void
input_f32_seg (MstLimiter * lim, const float *in, size_t pos, size_t off,
    size_t n, int apply_gain, int det)
{
  unsigned nch = lim->channels, c;
  float *r = (float *) lim->ring + pos * nch;
  size_t i, total = n * nch;

  if (!apply_gain || (lim->gin == 1.0 && lim->gin_target == 1.0)) {
    int32_t bad = 0;
    memcpy (r, in, total * sizeof (float));
    mst_orc_count_nonfinite_f32 (&bad, r, (int) total);
    if (bad) {
      for (i = 0; i < total; i++)
        if (!isfinite (r[i]))
          r[i] = 0.0f;
      lim->stats.nonfinite += (size_t) bad;
    }
  } else {
    double g = lim->gin, gt = lim->gin_target, a = lim->a_glide;
    for (i = 0; i < n; i++) {
      if (g != gt) {
        g += a * (gt - g);
        if (fabs (gt - g) <= 1e-9 * gt)
          g = gt;
      }
      for (c = 0; c < nch; c++) {
        float v = (float) (g * (double) in[i * nch + c]);
        if (!isfinite (v)) {
          if (!isfinite (in[i * nch + c]))
            lim->stats.nonfinite++;
          v = isfinite (in[i * nch + c]) ?
              (in[i * nch + c] > 0.0f ? FLT_MAX : -FLT_MAX) : 0.0f;
        }
        r[i * nch + c] = v;
      }
    }
    lim->gin = g;
  }
  if (!det)
    return;
  if (nch == 1) {
    memcpy (lim->det[0] + off, r, n * sizeof (float));
  } else if (nch == 2) {
    mst_orc_deinterleave2_f32 (lim->det[0] + off, lim->det[1] + off, r,
        (int) n);
  } else {
    for (c = 0; c < nch; c++)
      for (i = 0; i < n; i++)
        lim->det[c][off + i] = r[i * nch + c];
  }
}

/* The same for F64.  Values beyond the float range (the detector's) are
 * clamped to +-FLT_MAX in the delay line too, so the detector sees what
 * leaves it. */
static void
input_f64_seg (MstLimiter * lim, const double *in, size_t pos, size_t off,
    size_t n, int apply_gain, int det)
{
  unsigned nch = lim->channels, c;
  double *r = (double *) lim->ring + pos * nch;
  double g = apply_gain ? lim->gin : 1.0;
  double gt = apply_gain ? lim->gin_target : 1.0, a = lim->a_glide;
  size_t i;

  for (i = 0; i < n; i++) {
    if (g != gt) {
      g += a * (gt - g);
      if (fabs (gt - g) <= 1e-9 * gt)
        g = gt;
    }
    for (c = 0; c < nch; c++) {
      double x = in[i * nch + c];
      double v = g == 1.0 ? x : g * x;
      if (!(fabs (v) <= FLT_MAX)) {
        if (!isfinite (x)) {
          lim->stats.nonfinite++;
          v = 0.0;
        } else {
          v = x > 0.0 ? FLT_MAX : -FLT_MAX;
        }
      }
      r[i * nch + c] = v;
      if (det)
        lim->det[c][off + i] = (float) v;
    }
  }
  if (apply_gain)
    lim->gin = g;
}

/* n frames (n <= LIM_BLOCK) into the delay line at ring_pos, wrapping. */
static void
input (MstLimiter * lim, const void *in, size_t n, int f64, int apply_gain,
    int det)
{
  size_t done = 0, pos = lim->ring_pos;

  while (done < n) {
    size_t len = n - done;
    if (pos + len > lim->ring_len)
      len = lim->ring_len - pos;
    if (f64)
      input_f64_seg (lim, (const double *) in + done * lim->channels, pos,
          done, len, apply_gain, det);
    else
      input_f32_seg (lim, (const float *) in + done * lim->channels, pos,
          done, len, apply_gain, det);
    pos = pos + len == lim->ring_len ? 0 : pos + len;
    done += len;
  }
}

/* Sample-peak mode: env = pk = |frame i - Ld| of the ring, per channel. */
static void
sample_peaks (MstLimiter * lim, size_t n)
{
  unsigned nch = lim->channels, c;
  size_t pos = (lim->ring_pos + lim->ring_len - lim->lat_det) % lim->ring_len;
  size_t i = 0;

  while (i < n) {
    size_t len = n - i, k;
    if (pos + len > lim->ring_len)
      len = lim->ring_len - pos;
    for (c = 0; c < nch; c++) {
      float *e = lim->env[c] + i, *p = lim->pk[c] + i;
      if (lim->ring_f64) {
        const double *r = (const double *) lim->ring + pos * nch + c;
        for (k = 0; k < len; k++) {
          double v = fabs (r[k * nch]);
          e[k] = p[k] = v > FLT_MAX ? FLT_MAX : (float) v;
        }
      } else {
        const float *r = (const float *) lim->ring + pos * nch + c;
        for (k = 0; k < len; k++)
          e[k] = p[k] = fabsf (r[k * nch]);
      }
    }
    i += len;
    pos = pos + len == lim->ring_len ? 0 : pos + len;
  }
}

/* Saturates a measured peak for the statistics (an overflowed detector
 * point reads +Inf). */
static inline float
stat_peak (float v)
{
  return v > FLT_MAX ? FLT_MAX : v;
}

/* n frames through a delay of la frames held in ring from position pos:
 * out[i] = in[i - la] (ring[pos + i] while i < la), then the ring holds
 * the last la values.  Returns the position after the block. */
static unsigned
delay_block (float *ring, unsigned la, unsigned pos, const float *in,
    float *out, size_t n)
{
  size_t i = 0, k;

  if (out) {
    for (i = 0; i < n && i < la; i += k) {
      k = la - (pos + i) % la;
      if (k > n - i)
        k = n - i;
      if (k > la - i)
        k = la - i;
      memcpy (out + i, ring + (pos + i) % la, k * sizeof (float));
    }
    if (n > la)
      memcpy (out + la, in, (n - la) * sizeof (float));
  }
  for (i = n > la ? n - la : 0; i < n; i += k) {
    k = la - (pos + i) % la;
    if (k > n - i)
      k = n - i;
    memcpy (ring + (pos + i) % la, in + i, k * sizeof (float));
  }
  return (unsigned) ((pos + n) % la);
}

/* Linked maximum of n values of `nsrc` planar arrays: the array itself for
 * one, else into out (tmp: scratch of n). */
static const float *
link_max (float *const *src, unsigned nsrc, float *out, float *tmp, size_t n)
{
  unsigned c;

  if (nsrc == 1)
    return src[0];
  mst_orc_absmax2_f32 (out, src[0], src[1], (int) n);
  for (c = 2; c < nsrc; c++) {
    memcpy (tmp, out, n * sizeof (float));
    mst_orc_absmax2_f32 (out, tmp, src[c], (int) n);
  }
  return out;
}

/* Gain computers for the n frames just written, from the per-channel
 * bounds lim->env[c] and peaks lim->pk[c] (c < nenv: channels, or 1 in
 * envelope mode where env[0] stands for every channel; env_is_pk: the
 * bounds are the peaks, lim->pk is not filled; pk_max: the largest peak,
 * < 0 when unknown); fills lim->gain[p][0..n) for p < npipes.  peaks 0
 * (linked gains only): no output peak statistics, whose delay rings are
 * then left as they are.
 * Returns 1 when every gain is exactly 1.0 (then lim->gain may not be
 * filled). */
static int
gains (MstLimiter * lim, size_t n, unsigned nenv, int env_is_pk, float pk_max,
    int peaks)
{
  unsigned nch = lim->channels, c, p;
  float ceil_f = (float) lim->ceiling;
  double ceil_d = lim->ceiling;
  /* env mode: one linked envelope, so the gain is linked */
  double link = nenv == 1 ? 1.0 : lim->link;
  unsigned win = lim->n_avg + 2 * lim->edge +
      (lim->auto_release ? lim->hold : 0);
  unsigned la = lim->la, pos = lim->pk_pos;
  double peak_max = lim->stats.input_peak;
  double out_max = lim->stats.output_peak;
  double gain_min = lim->stats.gain_min, g = lim->stats.gain;
  const float *el, *ml;
  float mmax;
  double *rv = lim->rbuf;
  int unity = 1;
  size_t i, n_one = 0;

  /* linked bound and peak (the bit patterns' max: exact for these
   * non-negative values) */
  el = link_max (lim->env, nenv, lim->elink, lim->m2, n);
  ml = env_is_pk ? el : link_max (lim->pk, nenv, lim->mlink, lim->m2, n);
  mmax = pk_max >= 0.0f ? pk_max : abs_max (ml, n);
  if (mmax > FLT_MAX) {
    /* saturate an overflowed peak for the statistics */
    float *m_sat = lim->m2 + LIM_BLOCK;
    for (i = 0; i < n; i++)
      m_sat[i] = stat_peak (ml[i]);
    ml = m_sat;
    mmax = FLT_MAX;
  }
  if (mmax > peak_max)
    peak_max = mmax;

  /* linked / per-channel mode */
  if (link < 1.0) {
    if (lim->npipes == 1) {
      for (c = 1; c < nch; c++)
        pipe_copy (&lim->pipes[c], &lim->pipes[0], lim);
    }
    lim->npipes = nch;
    lim->link_countdown = 0;
  } else if (lim->npipes > 1 && lim->link_countdown == 0) {
    lim->link_countdown = lim->dq_cap + lim->n_avg + lim->hold + 1;
  }

  if (lim->npipes == 1) {
    LimPipe *pp = &lim->pipes[0];
    float *md = peaks ? lim->hfw : NULL;
    LimBlockStats bs;

    /* the linked peak delayed by the lookahead, to meet its gain */
    if (peaks)
      pos = delay_block (lim->pk_ring, la, pos, ml, md, n);
    else
      pos = (unsigned) ((pos + n) % la);
    bs.out_max = out_max;
    bs.gain_min = gain_min;
    bs.n_one = 0;
    if ((env_is_pk ? mmax : abs_max (el, n)) <= ceil_f && pipe_quiet (pp)) {
      /* no reduction anywhere: only the release (and avg) move */
      pipe_release (pp, lim, lim->step, n, lim->gain[0], md, &bs);
    } else {
      for (i = 0; i < n; i++) {
        float e = el[i];
        rv[i] = e > ceil_f ? ceil_d / (double) e : 1.0;
      }
      pipe_run (pp, lim, lim->step, win, rv, lim->gain[0], n, md, &bs);
    }
    out_max = bs.out_max;
    gain_min = bs.gain_min;
    n_one = bs.n_one;
    g = pp->g;
    /* the per-channel peaks go along, for the per-channel statistics */
    for (c = 0; c < nch && peaks; c++) {
      const float *pc = nenv == 1 ? ml : env_is_pk ? lim->env[c] : lim->pk[c];
      if (pc != ml && mmax >= FLT_MAX) {
        float *m_sat = lim->elink;
        for (i = 0; i < n; i++)
          m_sat[i] = stat_peak (pc[i]);
        pc = m_sat;
      }
      delay_block (lim->pkc_ring + (size_t) c * la, la, lim->pk_pos, pc,
          NULL, n);
    }
    unity = n_one == n;
  } else {
    for (p = 0; p < nch; p++) {
      for (i = 0; i < n; i++) {
        float e = el[i];
        double r_link = e > ceil_f ? ceil_d / (double) e : 1.0, r = r_link;
        if (link < 1.0) {
          float ec = lim->env[p][i];
          double rc = ec > ceil_f ? ceil_d / (double) ec : 1.0;
          r = rc + link * (r_link - rc);
          if (r > rc)
            r = rc;
        }
        rv[i] = r;
      }
      pipe_run (&lim->pipes[p], lim, lim->step, win, rv, lim->gain[p], n,
          NULL, NULL);
    }

    /* statistics: each channel's peak delayed by the lookahead times its
     * gain */
    for (i = 0; i < n; i++) {
      double om = 0.0;
      lim->pk_ring[pos] = ml[i];
      g = 1.0;
      for (c = 0; c < nch; c++) {
        float *q = &lim->pkc_ring[c * la + pos];
        double gc = lim->gain[c][i];
        if (gc * *q > om)
          om = gc * *q;
        *q = stat_peak (nenv == 1 ? ml[i] : env_is_pk ? lim->env[c][i] :
            lim->pk[c][i]);
        if (gc < g)
          g = gc;
      }
      pos = pos + 1 == la ? 0 : pos + 1;
      if (om > out_max)
        out_max = om;
      if (g != 1.0)
        unity = 0;
      if (g < gain_min)
        gain_min = g;
      /* pipe 0's gains serve all channels if the switch back to linked
       * ends with this block */
      if (lim->gain[0][i] == 1.0)
        n_one++;
    }
  }
  lim->pk_pos = pos;
  lim->n_one = n_one;
  lim->stats.input_peak = peak_max;
  lim->stats.output_peak = out_max;
  lim->stats.gain_min = gain_min;
  lim->stats.gain = g;
  lim->step += n;

  if (lim->link_countdown > 0) {
    lim->link_countdown = lim->link_countdown > n ? lim->link_countdown - n : 0;
    if (lim->link_countdown == 0)
      lim->npipes = 1;
  }
  return unity;
}

/* Output of n frames read from the ring at frame position `pos` (no wrap)
 * with gains lim->gain[*][off ..]. */
static void
output_f32 (MstLimiter * lim, float *out, size_t pos, size_t off, size_t n,
    int unity)
{
  unsigned nch = lim->channels, c;
  const float *r = (const float *) lim->ring + pos * nch;
  size_t i;

  if (unity) {
    memmove (out, r, n * nch * sizeof (float));
    return;
  }
  if (lim->npipes == 1) {
    const double *g = lim->gain[0] + off;
    if (nch == 1) {
      mst_orc_lim_gaind_f32 (out, r, g, (int) n);
    } else if (nch == 2) {
      mst_orc_lim_gaind2_f32 (out, r, g, (int) n);
    } else {
      float *gf = lim->gainf;
      for (i = 0; i < n; i++)
        gf[i] = (float) g[i];
      for (i = 0; i < n; i++)
        for (c = 0; c < nch; c++)
          out[i * nch + c] = r[i * nch + c] * gf[i];
    }
    /* frames at exactly unity gain stay bit-exact (ORC flushes
     * denormals) */
    if (lim->n_one > 0) {
      for (i = 0; i < n; i++)
        if (g[i] == 1.0)
          for (c = 0; c < nch; c++)
            out[i * nch + c] = r[i * nch + c];
    }
  } else {
    for (i = 0; i < n; i++)
      for (c = 0; c < nch; c++) {
        double g = lim->gain[c][off + i];
        out[i * nch + c] = g == 1.0 ? r[i * nch + c] :
            (float) (g * (double) r[i * nch + c]);
      }
  }
}

static void
output_f64 (MstLimiter * lim, double *out, size_t pos, size_t off, size_t n,
    int unity)
{
  unsigned nch = lim->channels, c;
  const double *r = (const double *) lim->ring + pos * nch;
  size_t i;

  if (unity) {
    memmove (out, r, n * nch * sizeof (double));
    return;
  }
  if (lim->npipes == 1) {
    const double *g = lim->gain[0] + off;
    if (nch == 1) {
      mst_orc_lim_gain_f64 (out, r, g, (int) n);
      if (lim->n_one > 0) {
        for (i = 0; i < n; i++)
          if (g[i] == 1.0)
            out[i] = r[i];
      }
    } else {
      for (i = 0; i < n; i++)
        for (c = 0; c < nch; c++)
          out[i * nch + c] = g[i] * r[i * nch + c];
    }
  } else {
    for (i = 0; i < n; i++)
      for (c = 0; c < nch; c++)
        out[i * nch + c] = lim->gain[c][off + i] * r[i * nch + c];
  }
}

/* The linked envelope of env mode for a block: env * scale, saturated at
 * +Inf (NaN too), as the bound of "channel" 0, which gains () takes for
 * the peak as well (env_is_pk). */
static void
scale_env (MstLimiter * lim, const float *env, double scale, size_t n)
{
  mst_orc_lim_scale_env_f32 (lim->env[0], env, scale, (int) n);
}

/* process_env_scaled: the gains of the block (unity: all 1.0, gain[]
 * maybe not filled) times the output scale, for every pipe in use. */
static void
scale_gains (MstLimiter * lim, size_t n, int unity, double scale)
{
  unsigned p;
  size_t i;

  for (p = 0; p < lim->npipes; p++) {
    double *g = lim->gain[p];
    if (unity) {
      for (i = 0; i < n; i++)
        g[i] = scale;
    } else {
      for (i = 0; i < n; i++)
        g[i] *= scale;
    }
  }
  /* no frame is copied through unchanged */
  lim->n_one = 0;
}

/* process (env NULL), process_env (out_scale 1) or process_env_scaled */
static void
process (MstLimiter * lim, const void *in, void *out, size_t frames, int f64,
    const float *env, double env_scale, double out_scale)
{
  unsigned nch = lim->channels, c;
  size_t esz = f64 ? sizeof (double) : sizeof (float);
  size_t lat = mst_limiter_latency (lim);
  float thr = (float) lim->ceiling / (float) LIM_FIT_MAX;

  if (lim->ring_f64 != f64) {
    /* format change: start from silence in the new format */
    lim->ring_f64 = f64;
    mst_limiter_reset (lim);
  }
  if (env) {
    lim->mode = LIM_MODE_ENV;
  } else if (lim->mode != LIM_MODE_PROCESS) {
    /* the detector missed frames (env mode) or ran on another stream
     * (detect mode): refill it from the delay line */
    lim->mode = LIM_MODE_PROCESS;
    if (lim->true_peak)
      prime_detector (lim);
  }

  while (frames > 0) {
    size_t n = frames < LIM_BLOCK ? frames : LIM_BLOCK;
    size_t rp, done;
    int unity, det = !env && lim->true_peak;

    /* Blocks end at the end of the ring while per-channel gain
     * computers run: the switch back to linked happens at the end of a
     * block, and these are the block bounds it always had.  Otherwise a
     * block may wrap around the ring. */
    if (lim->npipes > 1 && lim->ring_pos + n > lim->ring_len)
      n = lim->ring_len - lim->ring_pos;

    /* the output frames of this block are read before the input
     * overwrites them only if they alias; the ring holds latency + block
     * frames, so writing n new frames never reaches the n oldest
     * unread ones */
    input (lim, in, n, f64, !env, det);
    if (env) {
      scale_env (lim, env, env_scale, n);
      env += n;
      unity = gains (lim, n, 1, 1, -1.0f, 1);
      if (out_scale != 1.0) {
        scale_gains (lim, n, unity, out_scale);
        unity = 0;
      }
    } else {
      int quiet[MST_CHANNELS_MAX], env_is_pk = 1;
      float pk_max = -1.0f, m;
      if (det) {
        pk_max = 0.0f;
        for (c = 0; c < nch; c++) {
          quiet[c] = detect (lim, c, n, lim->step, lim->env[c], lim->pk[c],
              thr, &m);
          env_is_pk &= quiet[c];
          pk_max = m > pk_max ? m : pk_max;
        }
        /* a quiet channel's peaks are its bounds */
        for (c = 0; c < nch && !env_is_pk; c++)
          if (quiet[c])
            memcpy (lim->pk[c], lim->env[c], n * sizeof (float));
      } else {
        sample_peaks (lim, n);
      }
      unity = gains (lim, n, nch, env_is_pk, pk_max, 1);
    }

    rp = (lim->ring_pos + lim->ring_len - lat) % lim->ring_len;
    done = 0;
    while (done < n) {
      size_t len = n - done;
      if (rp + len > lim->ring_len)
        len = lim->ring_len - rp;
      if (f64)
        output_f64 (lim, (double *) out + done * nch, rp, done, len, unity);
      else
        output_f32 (lim, (float *) out + done * nch, rp, done, len, unity);
      rp = rp + len == lim->ring_len ? 0 : rp + len;
      done += len;
    }

    lim->ring_pos += n;
    if (lim->ring_pos >= lim->ring_len)
      lim->ring_pos -= lim->ring_len;
    in = (const char *) in + n * nch * esz;
    out = (char *) out + n * nch * esz;
    frames -= n;
  }
}

void
mst_limiter_process_f32 (MstLimiter * lim, const float *in, float *out,
    size_t frames)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 0, NULL, 1.0, 1.0);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_f64 (MstLimiter * lim, const double *in, double *out,
    size_t frames)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 1, NULL, 1.0, 1.0);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_env_f32 (MstLimiter * lim, const float *in, float *out,
    size_t frames, const float *env, double env_scale)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 0, env, env_scale, 1.0);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_env_f64 (MstLimiter * lim, const double *in,
    double *out, size_t frames, const float *env, double env_scale)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 1, env, env_scale, 1.0);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_env_scaled_f32 (MstLimiter * lim, const float *in,
    float *out, size_t frames, const float *env, double scale)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 0, env, scale, scale);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_env_scaled_f64 (MstLimiter * lim, const double *in,
    double *out, size_t frames, const float *env, double scale)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 1, env, scale, scale);
  mst_fp_mode_restore (fp_mode);
}

size_t
mst_limiter_env_gains (MstLimiter * lim, const float *env, size_t n,
    double scale, double *gain)
{
  MstFpMode fp_mode = mst_fp_mode_save ();
  size_t done = 0, reduced = 0;

  lim->mode = LIM_MODE_ENV;
  while (n > 0) {
    size_t len = n < LIM_BLOCK ? n : LIM_BLOCK;
    int unity;

    scale_env (lim, env, scale, len);
    unity = gains (lim, len, 1, 1, -1.0f, 0);
    if (!unity) {
      /* the last gain under 1.0 */
      size_t i = len;
      while (i > 0 && lim->gain[0][i - 1] == 1.0)
        i--;
      if (i > 0)
        reduced = done + i;
    }
    done += len;
    if (gain) {
      /* pipe 0's gains (scale_gains () into gain) */
      if (unity) {
        size_t i;
        for (i = 0; i < len; i++)
          gain[i] = scale;
      } else {
        mst_orc_lim_scale_f64 (gain, lim->gain[0], scale, (int) len);
      }
      lim->n_one = 0;
      gain += len;
    }
    env += len;
    n -= len;
  }
  mst_fp_mode_restore (fp_mode);
  return reduced;
}

/* output_f32 / output_f64 with every gain applied (scaled gains: no frame
 * is copied through), from in instead of the delay line; the input
 * cleaned as input () cleans it for the delay line (non-finite samples
 * 0, F64 beyond the float range clamped), into out first when it needs
 * it. */
void
mst_limiter_apply_gains_f32 (const float *in, float *out, size_t frames,
    unsigned channels, const double *gain)
{
  MstFpMode fp_mode = mst_fp_mode_save ();
  size_t i, total = frames * channels;
  int32_t bad = 0;
  unsigned c;

  if (!in) {
    memset (out, 0, total * sizeof (float));
    mst_fp_mode_restore (fp_mode);
    return;
  }
  mst_orc_count_nonfinite_f32 (&bad, in, (int) total);
  if (bad) {
    for (i = 0; i < total; i++)
      out[i] = isfinite (in[i]) ? in[i] : 0.0f;
    in = out;
  }
  if (channels == 1) {
    mst_orc_lim_gaind_f32 (out, in, gain, (int) frames);
  } else if (channels == 2) {
    mst_orc_lim_gaind2_f32 (out, in, gain, (int) frames);
  } else {
    for (i = 0; i < frames; i++) {
      float g = (float) gain[i];
      for (c = 0; c < channels; c++)
        out[i * channels + c] = in[i * channels + c] * g;
    }
  }
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_apply_gains_f64 (const double *in, double *out, size_t frames,
    unsigned channels, const double *gain)
{
  MstFpMode fp_mode = mst_fp_mode_save ();
  size_t i, total = frames * channels;
  unsigned c;

  if (!in) {
    memset (out, 0, total * sizeof (double));
    mst_fp_mode_restore (fp_mode);
    return;
  }
  i = 0;
  while (i < total && fabs (in[i]) <= FLT_MAX)
    i++;
  if (i < total) {
    for (i = 0; i < total; i++) {
      double x = in[i];
      out[i] = fabs (x) <= FLT_MAX ? x : !isfinite (x) ? 0.0 :
          x > 0.0 ? FLT_MAX : -FLT_MAX;
    }
    in = out;
  }
  if (channels == 1) {
    mst_orc_lim_gain_f64 (out, in, gain, (int) frames);
  } else {
    for (i = 0; i < frames; i++)
      for (c = 0; c < channels; c++)
        out[i * channels + c] = gain[i] * in[i * channels + c];
  }
  mst_fp_mode_restore (fp_mode);
}

/* Detector only: planar, cleaned input into lim->det[c][0..n) (after the
 * LIM_PRIME frames of history), the linked envelope out. */
static void
detect_block (MstLimiter * lim, size_t n, float *env)
{
  unsigned nch = lim->channels, c;
  float thr = detect_thr (lim);
  size_t i;

  for (c = 0; c < nch; c++) {
    float *x = lim->det[c];
    if (lim->true_peak) {
      float pk_max;
      detect (lim, c, n, lim->det_step, lim->env[c], lim->pk[c], thr, &pk_max);
    } else {
      for (i = 0; i < n; i++)
        lim->env[c][i] = fabsf (x[(long) i - LIM_DET_DELAY]);
      /* the last LIM_PRIME frames stay in front of the next block */
      memmove (x - LIM_PRIME, x + n - LIM_PRIME, LIM_PRIME * sizeof (float));
    }
  }
  /* linked: the bounds are non-negative and never NaN, so their largest
   * bit pattern is the largest value */
  if (nch == 1) {
    memcpy (env, lim->env[0], n * sizeof (float));
  } else if (nch == 2) {
    mst_orc_absmax2_f32 (env, lim->env[0], lim->env[1], (int) n);
  } else {
    for (i = 0; i < n; i++) {
      float e = 0.0f;
      for (c = 0; c < nch; c++)
        if (lim->env[c][i] > e)
          e = lim->env[c][i];
      env[i] = e;
    }
  }
  lim->det_step += n;
}

void
mst_limiter_detect_f32 (MstLimiter * lim, const float *in, size_t frames,
    float *env)
{
  MstFpMode fp_mode = mst_fp_mode_save ();
  unsigned nch = lim->channels, c;

  lim->mode = LIM_MODE_DETECT;
  while (frames > 0) {
    size_t n = frames < LIM_BLOCK ? frames : LIM_BLOCK, i;
    int32_t bad = 0;

    if (nch == 1) {
      memcpy (lim->det[0], in, n * sizeof (float));
    } else if (nch == 2) {
      mst_orc_deinterleave2_f32 (lim->det[0], lim->det[1], in, (int) n);
    } else {
      for (c = 0; c < nch; c++)
        for (i = 0; i < n; i++)
          lim->det[c][i] = in[i * nch + c];
    }
    mst_orc_count_nonfinite_f32 (&bad, in, (int) (n * nch));
    if (bad) {
      for (c = 0; c < nch; c++)
        for (i = 0; i < n; i++)
          if (!isfinite (lim->det[c][i]))
            lim->det[c][i] = 0.0f;
    }
    detect_block (lim, n, env);
    in += n * nch;
    env += n;
    frames -= n;
  }
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_detect_f64 (MstLimiter * lim, const double *in, size_t frames,
    float *env)
{
  MstFpMode fp_mode = mst_fp_mode_save ();
  unsigned nch = lim->channels, c;

  lim->mode = LIM_MODE_DETECT;
  while (frames > 0) {
    size_t n = frames < LIM_BLOCK ? frames : LIM_BLOCK, i;

    for (i = 0; i < n; i++)
      for (c = 0; c < nch; c++) {
        double v = in[i * nch + c];
        if (!(fabs (v) <= FLT_MAX))
          v = isfinite (v) ? (v > 0.0 ? FLT_MAX : -FLT_MAX) : 0.0;
        lim->det[c][i] = (float) v;
      }
    detect_block (lim, n, env);
    in += n * nch;
    env += n;
    frames -= n;
  }
  mst_fp_mode_restore (fp_mode);
}
