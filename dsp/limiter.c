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
 * terms, so once the window holds no reduction s is exactly 1.0.
 *
 * Release: fixed, g += a (s - g) with a from `release`; auto, a fast
 * release (release / 4) while g is below the recent average gain (a short
 * transient dipped deeper than the programme needs) and a slow one
 * (2 release) from there on, the average being a one-pole of g over
 * 4 release.  g snaps to exactly 1.0 when within LIM_SNAP of it.
 */
#include "limiter.h"

#include <float.h>
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
#define LIM_SNAP 1e-6           /* release snaps to 1.0 within this */
/* Largest peak between two 4x points relative to the larger point, for
 * any tone below fs / 2: 1 / cos (pi / 8). */
#define LIM_FIT_MAX 1.0824
#define LIM_COS_MIN 0.70710678  /* cos (pi / 4): the 4x phase step at fs/2 */

/* One gain computer.
 *
 * dq_idx, dq_val: the sliding-minimum deque, a ring of dq_cap entries
 *                 starting at dq_head, dq_len long; values increase from
 *                 head to back, indices are detector steps.
 * box:            ring of the last N terms 1 - m; box_pos is the oldest.
 * box_sum:        sum of box (re-summed exactly every N steps).
 * box_nz:         number of nonzero terms in box.
 * g:              the gain after release (the output gain).
 * avg:            recent average of g (auto release).
 */
typedef struct
{
  uint64_t *dq_idx;
  double *dq_val;
  unsigned dq_head, dq_len;
  double *box;
  unsigned box_pos, box_nz;
  double box_sum;
  double g;
  double avg;
} LimPipe;

/* Detector state of one channel.
 *
 * carry:        the last two oversampled points (the refinement needs one
 *               neighbour on each side of a point).
 * pts, raw:     ring of LIM_ENV_DLY frames: the six oversampled points
 *               around each frame and their largest magnitude; delayed to
 *               line up with the HF bound, the fit is only computed when
 *               raw + bound can reach the ceiling.
 * v_hist, s1_hist: rings of LIM_HF_LEN: the modulated input (-1)^t x and
 *               the first moving sum, for the second one.
 * s1, s2:       the two moving sums (a triangular window of 2 LEN - 1).
 * hf_cur, hf_p1, hf_p2: maxima of |s2| over the current chunk of LEN
 *               steps (so far) and the two before it.
 * pos:          position in the LEN-sized rings and in env_dly.
 */
typedef struct
{
  float carry[2];
  float pts[LIM_ENV_DLY][6];
  float raw[LIM_ENV_DLY];
  double v_hist[LIM_HF_LEN];
  double s1_hist[LIM_HF_LEN];
  double s1, s2;
  double hf_cur, hf_p1, hf_p2;
  unsigned pos, dpos;
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
 *
 * Geometry (fixed at _new):
 *
 * rate, channels.
 * la:           Da, lookahead in frames (the gain computer's delay).
 * n_avg:        N, length of the moving average; edge: E; hold: H (auto);
 *               dq_cap: capacity of a deque (N + 2 E + H + 1).
 * lat_det:      Ld, detector delay; latency = Ld + Da.
 * ring, ring_len, ring_pos: the delay line, ring_len frames of the
 *               input format (float or double, interleaved), next write
 *               at ring_pos.  Holds at least latency + LIM_BLOCK +
 *               LIM_PRIME frames.
 *
 * State:
 *
 * tp:           the oversampler (4x); Det (per channel): the detector
 *               state besides the oversampler's, see LimDet.
 * step:         detector step counter (indices in the deques).
 * pipes[0]:     the linked gain computer; pipes[1..]: per channel when
 *               npipes == channels (link < 1, or during the switch back
 *               to linked: link_countdown steps in which every pipe is fed
 *               the linked gain until all windows hold only linked values).
 * stats:        gain statistics since the last take.
 * det, os, env, pk, gain: block scratch (planar detector input,
 *               oversampled points, per-channel peak bounds, per-channel
 *               measured peaks (no HF bound), per-channel gains).
 * pk_ring, pk_pos: the linked measured peak delayed by the lookahead, to
 *               estimate the output peak (gain * peak) for the stats.
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

  unsigned rate;
  unsigned channels;
  unsigned la;
  unsigned n_avg;
  unsigned edge;
  unsigned hold;
  unsigned dq_cap;
  unsigned lat_det;
  size_t ring_len;
  size_t ring_pos;
  void *ring;
  int ring_f64;

  MstTruePeak *tp;
  LimDet det_st[MST_CHANNELS_MAX];
  uint64_t step;
  LimPipe pipes[MST_CHANNELS_MAX];
  unsigned npipes;
  uint64_t link_countdown;
  MstLimiterStats stats;

  float *det[MST_CHANNELS_MAX];
  float *os;
  float *env[MST_CHANNELS_MAX];
  float *pk[MST_CHANNELS_MAX];
  float *pk_ring;
  unsigned pk_pos;
  double *gain[MST_CHANNELS_MAX];
  float *gainf;
  void *scratch;
};

/* ------------------------------------------------------------------------ */
/* Gain computer */

static void
pipe_reset (LimPipe * p, const MstLimiter * lim)
{
  p->dq_head = 0;
  p->dq_len = 0;
  memset (p->box, 0, lim->n_avg * sizeof (double));
  p->box_pos = 0;
  p->box_nz = 0;
  p->box_sum = 0.0;
  p->g = 1.0;
  p->avg = 1.0;
}

static void
pipe_copy (LimPipe * d, const LimPipe * s, const MstLimiter * lim)
{
  memcpy (d->dq_idx, s->dq_idx, lim->dq_cap * sizeof (uint64_t));
  memcpy (d->dq_val, s->dq_val, lim->dq_cap * sizeof (double));
  memcpy (d->box, s->box, lim->n_avg * sizeof (double));
  d->dq_head = s->dq_head;
  d->dq_len = s->dq_len;
  d->box_pos = s->box_pos;
  d->box_nz = s->box_nz;
  d->box_sum = s->box_sum;
  d->g = s->g;
  d->avg = s->avg;
}

/* One step: required gain r in, output gain out. */
static inline double
pipe_step (LimPipe * p, const MstLimiter * lim, uint64_t t, unsigned win,
    double r)
{
  unsigned cap = lim->dq_cap, n = lim->n_avg;
  unsigned back;
  double m, d, old, s, g;

  /* sliding minimum over the last `win` steps */
  while (p->dq_len > 0) {
    back = p->dq_head + p->dq_len - 1;
    if (back >= cap)
      back -= cap;
    if (p->dq_val[back] < r)
      break;
    p->dq_len--;
  }
  back = p->dq_head + p->dq_len;
  if (back >= cap)
    back -= cap;
  p->dq_idx[back] = t;
  p->dq_val[back] = r;
  p->dq_len++;
  while (p->dq_idx[p->dq_head] + win <= t) {
    p->dq_head = p->dq_head + 1 == cap ? 0 : p->dq_head + 1;
    p->dq_len--;
  }
  m = p->dq_val[p->dq_head];

  /* moving average of 1 - m over n steps */
  d = 1.0 - m;
  old = p->box[p->box_pos];
  p->box[p->box_pos] = d;
  p->box_nz += (d != 0.0) - (old != 0.0);
  if (++p->box_pos == n) {
    unsigned k;
    double sum = 0.0;
    p->box_pos = 0;
    for (k = 0; k < n; k++)
      sum += p->box[k];
    p->box_sum = sum;
  } else {
    p->box_sum += d - old;
  }
  if (p->box_nz == 0) {
    p->box_sum = 0.0;
    s = 1.0;
  } else {
    s = 1.0 - p->box_sum / (double) n;
    if (s > 1.0)
      s = 1.0;
  }

  /* release */
  g = p->g;
  if (s <= g) {
    g = s;
  } else {
    double a = lim->a_rel;
    if (lim->auto_release)
      a = g < p->avg ? lim->a_fast : lim->a_slow;
    g += a * (s - g);
    if (s == 1.0 && 1.0 - g < LIM_SNAP)
      g = 1.0;
  }
  if (lim->auto_release)
    p->avg += lim->a_avg * (g - p->avg);
  p->g = g;
  return g;
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
 * q[1..4]. */
static float
fit_frame (const float *q)
{
  float e = raw_peak (q);
  int k;

  for (k = 1; k <= 4; k++) {
    float v = fabsf (q[k]);
    if (v > 0.0f && v >= fabsf (q[k - 1]) && v >= fabsf (q[k + 1])) {
      float pk = fit_peak (q[k - 1], q[k], q[k + 1]);
      if (pk > e)
        e = pk;
    }
  }
  return e;
}

static void
det_reset (LimDet * d)
{
  memset (d, 0, sizeof (LimDet));
}

/* Detector of channel c for the block's steps t0 .. t0 + n - 1 (x[i] is
 * the input frame of step t0 + i): env[i] = bound of the true peak around
 * frame t0 + i - LIM_DET_DELAY. */
static void
detect (MstLimiter * lim, unsigned c, const float *x, size_t n, uint64_t t0,
    float *env, float *pk)
{
  LimDet *d = &lim->det_st[c];
  const double norm = 1.0 / (LIM_HF_LEN * LIM_HF_LEN);
  size_t i;

  const float *os = lim->os;
  const float thr = (float) lim->ceiling / (float) LIM_FIT_MAX;

  /* the recursions run on locals (no aliasing through d) */
  double s1 = d->s1, s2 = d->s2;
  unsigned pos = d->pos, dpos = d->dpos;
  double hf_cur = d->hf_cur, hf_p1 = d->hf_p1, hf_p2 = d->hf_p2;

  /* points of frames t0 + i - LIM_TP_DELAY */
  mst_truepeak_upsample_f32 (lim->tp, c, x, n, lim->os);

  for (i = 0; i < n; i++) {
    uint64_t t = t0 + i;
    double v = (t & 1) ? -(double) x[i] : (double) x[i], b;
    float e, hf, *q = d->pts[dpos];

    /* the frame leaving the delay: its points, then this frame's in */
    float q_old[6];
    float raw_old = d->raw[dpos];
    memcpy (q_old, q, sizeof (q_old));
    if (i == 0) {
      q[0] = d->carry[0];
      q[1] = d->carry[1];
    } else {
      q[0] = os[4 * i - 2];
      q[1] = os[4 * i - 1];
    }
    q[2] = os[4 * i];
    q[3] = os[4 * i + 1];
    q[4] = os[4 * i + 2];
    q[5] = os[4 * i + 3];
    d->raw[dpos] = raw_peak (q);
    dpos = dpos + 1 == LIM_ENV_DLY ? 0 : dpos + 1;

    /* near-Nyquist envelope: triangular low-pass of (-1)^t x, centred on
     * frame t - (LEN - 1) */
    s1 += v - d->v_hist[pos];
    d->v_hist[pos] = v;
    s2 += s1 - d->s1_hist[pos];
    d->s1_hist[pos] = s1;
    if (++pos == LIM_HF_LEN) {
      unsigned k;
      double a = 0.0, b2 = 0.0;
      pos = 0;
      for (k = 0; k < LIM_HF_LEN; k++) {
        a += d->v_hist[k];
        b2 += d->s1_hist[k];
      }
      s1 = a;
      s2 = b2;
    }
    b = fabs (s2) * norm;

    /* its maximum over (at least) +- SPAN frames around frame
     * t - LIM_DET_DELAY: the current chunk of LEN frames so far and the
     * two before it */
    if (b > hf_cur)
      hf_cur = b;
    hf = (float) (hf_cur > hf_p1 ? (hf_cur > hf_p2 ? hf_cur : hf_p2) :
        (hf_p1 > hf_p2 ? hf_p1 : hf_p2));
    if (pos == 0) {
      hf_p2 = hf_p1;
      hf_p1 = hf_cur;
      hf_cur = 0.0;
    }

    /* the fit only where the result can matter */
    e = raw_old;
    if (raw_old + hf >= thr)
      e = fit_frame (q_old);
    pk[i] = e;
    env[i] = e + hf;
  }
  d->carry[0] = os[4 * n - 2];
  d->carry[1] = os[4 * n - 1];
  d->s1 = s1;
  d->s2 = s2;
  d->pos = pos;
  d->dpos = dpos;
  d->hf_cur = hf_cur;
  d->hf_p1 = hf_p1;
  d->hf_p2 = hf_p2;
}

/* ------------------------------------------------------------------------ */

static double
one_pole (double tau_s, double rate)
{
  return 1.0 - exp (-1.0 / (tau_s * rate));
}

static void
update_release (MstLimiter * lim)
{
  double r = lim->release_ms / 1000.0;

  lim->a_rel = one_pole (r, lim->rate);
  lim->a_fast = one_pole (r / 4.0, lim->rate);
  lim->a_slow = one_pole (r * 2.0, lim->rate);
  lim->a_avg = one_pole (r * 4.0, lim->rate);
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
  sz += channels * (lim->dq_cap * (sizeof (uint64_t) + sizeof (double)) +
      lim->n_avg * sizeof (double));
  sz += channels * LIM_BLOCK * (3 * sizeof (float) + sizeof (double));
  sz += la * sizeof (float);
  sz += LIM_BLOCK * LIM_FACTOR * sizeof (float);
  sz += LIM_BLOCK * MST_CHANNELS_MAX * sizeof (float);
  sz += 64 * (5 * channels + 8);
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
    LIM_TAKE (lim->pipes[c].dq_idx, uint64_t, lim->dq_cap);
    LIM_TAKE (lim->pipes[c].dq_val, double, lim->dq_cap);
    LIM_TAKE (lim->pipes[c].box, double, lim->n_avg);
    LIM_TAKE (lim->det[c], float, LIM_BLOCK);
    LIM_TAKE (lim->env[c], float, LIM_BLOCK);
    LIM_TAKE (lim->pk[c], float, LIM_BLOCK);
    LIM_TAKE (lim->gain[c], double, LIM_BLOCK);
  }
  LIM_TAKE (lim->os, float, LIM_BLOCK * LIM_FACTOR);
  LIM_TAKE (lim->pk_ring, float, la);
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
  for (c = 0; c < lim->channels; c++)
    det_reset (&lim->det_st[c]);
  for (c = 0; c < lim->channels; c++)
    pipe_reset (&lim->pipes[c], lim);
  lim->npipes = 1;
  lim->link_countdown = 0;
  memset (lim->pk_ring, 0, lim->la * sizeof (float));
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
    for (c = 0; c < lim->channels; c++)
      lim->pipes[c].avg = lim->pipes[c].g;
  }
  lim->auto_release = on;
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

void
mst_limiter_set_true_peak (MstLimiter * lim, int on)
{
  unsigned c, k;

  on = on != 0;
  if (on && !lim->true_peak) {
    /* refill the oversampler history from the delay line, so the detector
     * is exact from the first frame again */
    mst_truepeak_reset (lim->tp);
    for (c = 0; c < lim->channels; c++) {
      float *x = lim->det[c];
      det_reset (&lim->det_st[c]);
      for (k = 0; k < LIM_PRIME; k++)
        x[k] = ring_frame (lim, (long) k - LIM_PRIME, c);
      detect (lim, c, x, LIM_PRIME, lim->step - LIM_PRIME, lim->env[c],
          lim->pk[c]);
    }
  }
  lim->true_peak = on;
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

/* Input gain and delay line, F32: writes the block into the ring at
 * ring_pos and the planar detector input.  n <= LIM_BLOCK, no wrap inside
 * (the caller splits). */
static void
input_f32 (MstLimiter * lim, const float *in, size_t n)
{
  unsigned nch = lim->channels, c;
  float *r = (float *) lim->ring + lim->ring_pos * nch;
  size_t i, total = n * nch;

  if (lim->gin == 1.0 && lim->gin_target == 1.0) {
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
  if (!lim->true_peak)
    return;
  if (nch == 1) {
    memcpy (lim->det[0], r, n * sizeof (float));
  } else if (nch == 2) {
    mst_orc_deinterleave2_f32 (lim->det[0], lim->det[1], r, (int) n);
  } else {
    for (c = 0; c < nch; c++)
      for (i = 0; i < n; i++)
        lim->det[c][i] = r[i * nch + c];
  }
}

static void
input_f64 (MstLimiter * lim, const double *in, size_t n)
{
  unsigned nch = lim->channels, c;
  double *r = (double *) lim->ring + lim->ring_pos * nch;
  double g = lim->gin, gt = lim->gin_target, a = lim->a_glide;
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
      float f;
      if (!isfinite (v)) {
        if (!isfinite (x))
          lim->stats.nonfinite++;
        v = isfinite (x) ? (x > 0.0 ? DBL_MAX : -DBL_MAX) : 0.0;
      }
      r[i * nch + c] = v;
      f = v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX : (float) v;
      lim->det[c][i] = f;
    }
  }
  lim->gin = g;
}

/* Detector and gain computers for the n frames just written; fills
 * lim->gain[p][0..n) for p < npipes.  Returns 1 when every gain is exactly
 * 1.0. */
static int
gains (MstLimiter * lim, size_t n)
{
  unsigned nch = lim->channels, c, p;
  float ceil_f = (float) lim->ceiling;
  double ceil_d = lim->ceiling;
  double link = lim->link;
  unsigned win = lim->n_avg + 2 * lim->edge +
      (lim->auto_release ? lim->hold : 0);
  double peak_max = lim->stats.input_peak;
  double out_max = lim->stats.output_peak;
  int unity = 1;
  size_t i;

  /* peaks per channel and frame */
  for (c = 0; c < nch; c++) {
    if (lim->true_peak) {
      detect (lim, c, lim->det[c], n, lim->step, lim->env[c], lim->pk[c]);
    } else {
      for (i = 0; i < n; i++)
        lim->env[c][i] = lim->pk[c][i] =
            fabsf (ring_frame (lim, (long) i - (long) lim->lat_det, c));
    }
  }

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

  for (i = 0; i < n; i++) {
    float e = 0.0f, m = 0.0f, md;
    double r_link, gmin = 1.0, gmax;
    uint64_t t = lim->step++;

    for (c = 0; c < nch; c++) {
      if (lim->env[c][i] > e)
        e = lim->env[c][i];
      if (lim->pk[c][i] > m)
        m = lim->pk[c][i];
    }
    if (m > peak_max)
      peak_max = m;
    md = lim->pk_ring[lim->pk_pos];
    lim->pk_ring[lim->pk_pos] = m;
    lim->pk_pos = lim->pk_pos + 1 == lim->la ? 0 : lim->pk_pos + 1;
    r_link = e > ceil_f ? ceil_d / (double) e : 1.0;

    if (lim->npipes == 1) {
      gmin = pipe_step (&lim->pipes[0], lim, t, win, r_link);
      lim->gain[0][i] = gmin;
    } else {
      for (p = 0; p < nch; p++) {
        double r = r_link, g;
        if (link < 1.0) {
          float ec = lim->env[p][i];
          double rc = ec > ceil_f ? ceil_d / (double) ec : 1.0;
          r = rc + link * (r_link - rc);
          if (r > rc)
            r = rc;
        }
        g = pipe_step (&lim->pipes[p], lim, t, win, r);
        lim->gain[p][i] = g;
        if (g < gmin)
          gmin = g;
      }
    }
    gmax = gmin;
    if (lim->npipes > 1)
      for (p = 0; p < nch; p++)
        if (lim->gain[p][i] > gmax)
          gmax = lim->gain[p][i];
    if (gmax * md > out_max)
      out_max = gmax * md;
    if (gmin != 1.0)
      unity = 0;
    if (gmin < lim->stats.gain_min)
      lim->stats.gain_min = gmin;
    lim->stats.gain = gmin;
  }
  lim->stats.input_peak = peak_max;
  lim->stats.output_peak = out_max;

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
    float *gf = lim->gainf;
    for (i = 0; i < n; i++)
      gf[i] = (float) g[i];
    if (nch == 1)
      mst_orc_lim_gain_f32 (out, r, gf, (int) n);
    else if (nch == 2)
      mst_orc_lim_gain2_f32 (out, r, gf, (int) n);
    else
      for (i = 0; i < n; i++)
        for (c = 0; c < nch; c++)
          out[i * nch + c] = r[i * nch + c] * gf[i];
    /* frames at exactly unity gain stay bit-exact (ORC flushes
     * denormals) */
    for (i = 0; i < n; i++)
      if (g[i] == 1.0)
        for (c = 0; c < nch; c++)
          out[i * nch + c] = r[i * nch + c];
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
      for (i = 0; i < n; i++)
        if (g[i] == 1.0)
          out[i] = r[i];
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

static void
process (MstLimiter * lim, const void *in, void *out, size_t frames, int f64)
{
  unsigned nch = lim->channels;
  size_t esz = f64 ? sizeof (double) : sizeof (float);
  size_t lat = mst_limiter_latency (lim);

  if (lim->ring_f64 != f64) {
    /* format change: start from silence in the new format */
    lim->ring_f64 = f64;
    mst_limiter_reset (lim);
  }

  while (frames > 0) {
    size_t n = frames < LIM_BLOCK ? frames : LIM_BLOCK;
    size_t rp, done;
    int unity;

    /* keep writes contiguous in the ring */
    if (lim->ring_pos + n > lim->ring_len)
      n = lim->ring_len - lim->ring_pos;

    /* the output frames of this block are read before the input
     * overwrites them only if they alias; the ring holds latency + block
     * frames, so writing n new frames never reaches the n oldest
     * unread ones */
    if (f64)
      input_f64 (lim, (const double *) in, n);
    else
      input_f32 (lim, (const float *) in, n);
    unity = gains (lim, n);

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
    if (lim->ring_pos == lim->ring_len)
      lim->ring_pos = 0;
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

  process (lim, in, out, frames, 0);
  mst_fp_mode_restore (fp_mode);
}

void
mst_limiter_process_f64 (MstLimiter * lim, const double *in, double *out,
    size_t frames)
{
  MstFpMode fp_mode = mst_fp_mode_save ();

  process (lim, in, out, frames, 1);
  mst_fp_mode_restore (fp_mode);
}
