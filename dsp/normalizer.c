/* gst-mastering dsp: loudness normaliser.  See normalizer.h. */
#include "normalizer.h"
#include "loudness.h"

#include <stdlib.h>
#include <string.h>

#define ABS_GATE -70.0
/* relative gates: the programme loudness as BS.1770 integrated loudness,
 * the local window as the loudness range (so quiet passages count) */
#define REL_GATE_PROG -10.0
#define REL_GATE -20.0
#define PAST_MS 3000.0
#define LONG_MEMORY_S 120.0
#define SMOOTH_S 0.4
/* most loudness the gain makes up for the limiter's work */
#define MAX_MAKEUP_DB 6.0

/* State:
 *  rate, channels    the format;
 *  hop               frames per gain update (10 ms, at least 1);
 *  hop_left          frames still to come in the current hop;
 *  delay             lookahead in frames (delay line length);
 *  dl, dl_pos        the delay line (interleaved, in the format being
 *                    processed: float or double), write position;
 *  dl_f64            the format the delay line holds;
 *  meter             BS.1770 meter on the input (momentary per hop);
 *  blk, nblk, blk_pos  momentary energies (0 = gated out by -70 LUFS) of
 *                    the last nblk hops: 3 s before the output position
 *                    and the lookahead after it;
 *  long_e, long_n    decaying sums of the gated block energies and their
 *                    count: the programme loudness;
 *  decay             their forgetting factor per gated block;
 *  alpha, step       one-pole coefficient and largest step per hop (dB);
 *  g0, g1            gain (dB) at the start and end of the current hop;
 *  desired           last desired gain (held while everything is gated);
 *  primed            the gain has been set directly (once the
 *                    lookahead has filled, just before the first input
 *                    frame reaches the gain);
 *  fed               frames fed since the reset, up to delay;
 *  target, lra, max_gain  settings;
 *  lim               the true-peak limiter after the gain;
 *  pre_e, post_e     decaying energy sums of the signal before and after
 *                    the limiter (same memory as the programme loudness):
 *                    their ratio is the loudness the limiter takes away,
 *                    which the gain makes up for (up to MAX_MAKEUP_DB). */
struct MstNormalizer
{
  unsigned rate, channels;
  size_t hop, hop_left, delay;
  void *dl;
  size_t dl_pos;
  int dl_f64;
  MstLoudness *meter;
  double *blk;
  size_t nblk, blk_pos;
  double long_e, long_n, decay;
  double alpha, step;
  double g0, g1, desired;
  int primed;
  size_t fed;
  double target, lra, max_gain;
  MstLimiter *lim;
  double pre_e, post_e;
  int draining;
};

MstNormalizer *
mst_normalizer_new (unsigned rate, unsigned channels, double lookahead_ms)
{
  MstNormalizer *n;

  if (rate < MST_RATE_MIN || rate > MST_RATE_MAX || channels < 1
      || channels > MST_CHANNELS_MAX)
    return NULL;
  if (!(lookahead_ms >= MST_NORMALIZER_LOOKAHEAD_MIN))
    lookahead_ms = MST_NORMALIZER_LOOKAHEAD_MIN;
  if (lookahead_ms > MST_NORMALIZER_LOOKAHEAD_MAX)
    lookahead_ms = MST_NORMALIZER_LOOKAHEAD_MAX;

  n = calloc (1, sizeof (*n));
  if (!n)
    return NULL;
  n->rate = rate;
  n->channels = channels;
  n->hop = (size_t) floor (rate / 100.0 + 0.5);
  if (n->hop < 1)
    n->hop = 1;
  n->delay = (size_t) floor (lookahead_ms * rate / 1000.0 + 0.5);
  n->nblk = (size_t) ceil ((PAST_MS * rate / 1000.0 + n->delay) / n->hop);
  n->dl = calloc (n->delay * channels, sizeof (double));
  n->blk = calloc (n->nblk, sizeof (double));
  n->meter = mst_loudness_new (rate, channels);
  n->lim = mst_limiter_new (rate, channels, MST_LIMITER_LOOKAHEAD_DEFAULT);
  if (!n->dl || !n->blk || !n->meter || !n->lim)
    goto fail;

  n->decay = exp (-(double) n->hop / rate / LONG_MEMORY_S);
  n->alpha = 1.0 - exp (-(double) n->hop / rate / SMOOTH_S);
  n->step = MST_NORMALIZER_MAX_STEP_DB * (n->hop * 100.0 / rate);
  n->target = -14.0;
  n->lra = MST_NORMALIZER_LRA_DEFAULT;
  n->max_gain = MST_NORMALIZER_MAX_GAIN_DEFAULT;
  mst_limiter_set_ceiling (n->lim, -1.0);
  mst_normalizer_reset (n);
  return n;

fail:
  mst_normalizer_free (n);
  return NULL;
}

void
mst_normalizer_free (MstNormalizer * n)
{
  if (!n)
    return;
  free (n->dl);
  free (n->blk);
  if (n->meter)
    mst_loudness_free (n->meter);
  if (n->lim)
    mst_limiter_free (n->lim);
  free (n);
}

void
mst_normalizer_reset (MstNormalizer * n)
{
  memset (n->dl, 0, n->delay * n->channels * sizeof (double));
  memset (n->blk, 0, n->nblk * sizeof (double));
  n->dl_pos = 0;
  n->dl_f64 = 0;
  n->blk_pos = 0;
  n->hop_left = n->hop;
  n->long_e = n->long_n = 0.0;
  n->g0 = n->g1 = n->desired = 0.0;
  n->primed = 0;
  n->fed = 0;
  n->pre_e = n->post_e = 0.0;
  mst_loudness_reset (n->meter);
  mst_limiter_reset (n->lim);
}

unsigned
mst_normalizer_latency (const MstNormalizer * n)
{
  return (unsigned) n->delay + mst_limiter_latency (n->lim);
}

void
mst_normalizer_set_target (MstNormalizer * n, double lufs)
{
  n->target = lufs;
}

void
mst_normalizer_set_true_peak_limit (MstNormalizer * n, double dbtp)
{
  mst_limiter_set_ceiling (n->lim, dbtp);
}

void
mst_normalizer_set_lra_target (MstNormalizer * n, double lu)
{
  if (lu < MST_NORMALIZER_LRA_MIN)
    lu = MST_NORMALIZER_LRA_MIN;
  if (lu > MST_NORMALIZER_LRA_MAX)
    lu = MST_NORMALIZER_LRA_MAX;
  n->lra = lu;
}

void
mst_normalizer_set_max_gain (MstNormalizer * n, double db)
{
  n->max_gain = db;
}

int
mst_normalizer_set_channel_weight (MstNormalizer * n, unsigned ch,
    double weight)
{
  return mst_loudness_set_channel_weight (n->meter, ch, weight);
}

double
mst_normalizer_gain (const MstNormalizer * n)
{
  return n->g0;
}

void
mst_normalizer_take_stats (MstNormalizer * n, MstLimiterStats * st)
{
  mst_limiter_take_stats (n->lim, st);
}

static inline double
energy_to_lufs (double e)
{
  return e > 0.0 ? -0.691 + 10.0 * log10 (e) : -INFINITY;
}

/* End of a hop: the newest momentary block enters the history, the gain
 * for the next hop is computed. */
static void
end_of_hop (MstNormalizer * n)
{
  double m = mst_loudness_momentary (n->meter);
  double e = m > ABS_GATE ? pow (10.0, (m + 0.691) / 10.0) : 0.0;
  double prog = energy_to_lufs (n->long_n > 0.0 ? n->long_e / n->long_n : 0);
  double gate_e, sum = 0.0, g, d, half = n->lra / 2.0;
  size_t i, cnt = 0;

  n->blk[n->blk_pos] = e;
  n->blk_pos = (n->blk_pos + 1) % n->nblk;

  if (e > 0.0 && (!(prog > -INFINITY) || m > prog + REL_GATE_PROG)) {
    n->long_e = n->long_e * n->decay + e;
    n->long_n = n->long_n * n->decay + 1.0;
    prog = energy_to_lufs (n->long_e / n->long_n);
  }

  if (prog > -INFINITY) {
    gate_e = pow (10.0, (prog + REL_GATE + 0.691) / 10.0);
    for (i = 0; i < n->nblk; i++) {
      if (n->blk[i] > 0.0 && n->blk[i] > gate_e) {
        sum += n->blk[i];
        cnt++;
      }
    }
  }

  if (cnt > 0) {
    d = energy_to_lufs (sum / cnt) - prog;
    if (d > half)
      d -= half;
    else if (d < -half)
      d += half;
    else
      d = 0.0;
    g = n->target - prog - d;
    if (n->post_e > 0.0 && n->pre_e > n->post_e) {
      double makeup = 10.0 * log10 (n->pre_e / n->post_e);
      g += makeup < MAX_MAKEUP_DB ? makeup : MAX_MAKEUP_DB;
    }
    if (g > n->max_gain)
      g = n->max_gain;
    n->desired = g;
    if (!n->primed && n->fed >= n->delay) {
      n->primed = 1;
      n->g0 = n->g1 = g;
    }
  }

  n->g0 = n->g1;
  if (!n->primed)
    return;
  d = (n->desired - n->g1) * n->alpha;
  if (d > n->step)
    d = n->step;
  else if (d < -n->step)
    d = -n->step;
  n->g1 += d;
}

/* Sum of squares with four partial sums (independent additions, so the
 * loop is not bound by the latency of one). */
#define DEFINE_SUMSQ(suffix, type)                                            \
static double                                                                 \
sumsq_##suffix (const type * x, size_t n)                                     \
{                                                                             \
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                              \
  size_t j = 0;                                                               \
                                                                              \
  for (; j + 4 <= n; j += 4) {                                                \
    s0 += (double) x[j] * x[j];                                               \
    s1 += (double) x[j + 1] * x[j + 1];                                       \
    s2 += (double) x[j + 2] * x[j + 2];                                       \
    s3 += (double) x[j + 3] * x[j + 3];                                       \
  }                                                                           \
  for (; j < n; j++)                                                          \
    s0 += (double) x[j] * x[j];                                               \
  return (s0 + s1) + (s2 + s3);                                               \
}

DEFINE_SUMSQ (f32, float);
DEFINE_SUMSQ (f64, double);

/* The delay line holds the input in its own format (a float holds a
 * float sample exactly, so the output is the same as with doubles). */
#define DEFINE_PROCESS(suffix, type, add, limit, is_f64)                      \
void                                                                          \
mst_normalizer_process_##suffix (MstNormalizer * n, const type * in,          \
    type * out, size_t frames)                                                \
{                                                                             \
  unsigned ch = n->channels, c;                                               \
  type *start = out, *dl = (type *) n->dl;                                    \
  size_t total = frames;                                                      \
  double e_pre, e_post, dec;                                                  \
                                                                              \
  if (n->dl_f64 != is_f64) {                                                  \
    /* format change: the line restarts from silence */                      \
    memset (n->dl, 0, n->delay * ch * sizeof (double));                       \
    n->dl_f64 = is_f64;                                                       \
  }                                                                           \
  while (frames > 0) {                                                        \
    size_t k = frames < n->hop_left ? frames : n->hop_left, i;                \
    double a0 = mst_db_to_lin (n->g0), a1 = mst_db_to_lin (n->g1);            \
    double pos = (double) (n->hop - n->hop_left), inv = 1.0 / n->hop;         \
                                                                              \
    if (in)                                                                   \
      add (n->meter, in, k);                                                  \
    else if (!n->draining)                                                    \
      mst_loudness_add_silence (n->meter, k);                                 \
    for (i = 0; i < k; i++) {                                                 \
      type *d = dl + n->dl_pos * ch;                                          \
      double t = (pos + i + 1) * inv, a = a0 + (a1 - a0) * t;                 \
                                                                              \
      if (ch == 2) {                                                          \
        type x0 = in ? in[2 * i] : 0, x1 = in ? in[2 * i + 1] : 0;            \
        out[2 * i] = (type) (d[0] * a);                                       \
        out[2 * i + 1] = (type) (d[1] * a);                                   \
        d[0] = x0;                                                            \
        d[1] = x1;                                                            \
      } else {                                                                \
        for (c = 0; c < ch; c++) {                                            \
          type x = in ? in[i * ch + c] : 0;                                   \
          out[i * ch + c] = (type) (d[c] * a);                                \
          d[c] = x;                                                           \
        }                                                                     \
      }                                                                       \
      if (++n->dl_pos == n->delay)                                            \
        n->dl_pos = 0;                                                        \
    }                                                                         \
    n->hop_left -= k;                                                         \
    if (n->fed < n->delay)                                                    \
      n->fed += k;                                                            \
    if (n->hop_left == 0) {                                                   \
      end_of_hop (n);                                                         \
      n->hop_left = n->hop;                                                   \
    }                                                                         \
    if (in)                                                                   \
      in += k * ch;                                                           \
    out += k * ch;                                                            \
    frames -= k;                                                              \
  }                                                                           \
  e_pre = sumsq_##suffix (start, total * ch);                                 \
  limit (n->lim, start, start, total);                                        \
  e_post = sumsq_##suffix (start, total * ch);                                \
  if (isfinite (e_pre) && isfinite (e_post)) {                                \
    dec = exp (-(double) total / n->rate / LONG_MEMORY_S);                    \
    n->pre_e = n->pre_e * dec + e_pre;                                        \
    n->post_e = n->post_e * dec + e_post;                                     \
  }                                                                           \
}

DEFINE_PROCESS (f32, float, mst_loudness_add_f32, mst_limiter_process_f32, 0);
DEFINE_PROCESS (f64, double, mst_loudness_add_f64, mst_limiter_process_f64, 1);

void
mst_normalizer_drain_f32 (MstNormalizer * n, float *out, size_t frames)
{
  n->draining = 1;
  mst_normalizer_process_f32 (n, NULL, out, frames);
  n->draining = 0;
}

void
mst_normalizer_drain_f64 (MstNormalizer * n, double *out, size_t frames)
{
  n->draining = 1;
  mst_normalizer_process_f64 (n, NULL, out, frames);
  n->draining = 0;
}

const MstLoudness *
mst_normalizer_meter (const MstNormalizer * n)
{
  return n->meter;
}

void
mst_normalizer_reset_meter (MstNormalizer * n)
{
  mst_loudness_reset (n->meter);
}

void
mst_gain_apply_f32 (const float *in, float *out, size_t n, double gain)
{
  float g = (float) gain;
  size_t i;

  if (n == 0)
    return;
  if (!in) {
    memset (out, 0, n * sizeof (float));
    return;
  }
  for (i = 0; i < n; i++)
    out[i] = in[i] * g;
}

void
mst_gain_apply_f64 (const double *in, double *out, size_t n, double gain)
{
  size_t i;

  if (n == 0)
    return;
  if (!in) {
    memset (out, 0, n * sizeof (double));
    return;
  }
  for (i = 0; i < n; i++)
    out[i] = in[i] * gain;
}
