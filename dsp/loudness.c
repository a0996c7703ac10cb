/* gst-mastering dsp: ITU-R BS.1770-4 / EBU R128 loudness meter.
 *
 * Data flow.  Input is cut into chunks that never straddle a hop boundary
 * nor a 100 ms boundary.  Each chunk goes through the fused K-weighting
 * (kweight.c), which returns per-channel sums of squares; their weighted
 * sum is added to the current hop and to the current 100 ms quarter.
 *
 *  - Hops.  The hop divides both the 400 ms and the 3 s windows exactly
 *    (see choose_hop ()), so momentary and short-term are exact window
 *    sums of the last M and S hop energies, summed afresh at every hop
 *    (no running sum, so no drift and no cancellation error after loud
 *    passages): from a ring of hop energies and a ring of the sums of
 *    whole groups of GROUP hops (each summed once, when complete), so a
 *    window costs its partial groups at both ends and one term per whole
 *    group.  The maxima are taken over every hop.
 *  - Quarters.  The 100 ms grid starts at the first frame; quarter k ends
 *    at frame round ((k + 1) rate / 10), so the grid never drifts even
 *    where 100 ms is not a whole number of frames.  Every completed
 *    quarter closes a 400 ms gating block (the last four quarters), whose
 *    mean square goes into the block histogram, and feeds the latest
 *    short-term value (once a full 3 s window has been seen) into the
 *    loudness-range histogram: 10 Hz, as EBU Tech 3342 asks.
 *  - Histograms.  Fine bins of 0.01 LU from -70 to +30 LUFS plus one
 *    overflow bin, each with the count and the sum of the energies that
 *    fell in it; bins are grouped by 1 LU with group totals so that gating
 *    and percentile queries touch at most ~200 bins.  Values at or below
 *    the absolute gate (-70 LUFS) are not stored.  A gated mean is exact
 *    except for the one bin the relative threshold falls in (taken whole
 *    or not at all, by its mean); a percentile is the mean energy of the
 *    bin holding that rank.
 *
 * Segment log: a segment ends wherever a chunk may not straddle (hop and
 * quarter boundaries), so segments do not depend on how the stream is
 * fed.  The log holds each completed segment's weighted energy and end
 * frame, and the filter state at the start of every segment (the open
 * one's too).  A replay adds g^2 times the energies where the chunks would
 * have added theirs, closes hops and quarters as add_frames does, and
 * leaves g times the logged state behind.
 *
 * Non-finite input: the filter state is saved before each chunk; when the
 * chunk's energy comes out non-finite the state is restored and the chunk
 * is run again from a sanitised copy (non-finite samples replaced by 0
 * and counted).  The clean path pays one state copy per chunk.
 */
#include "loudness.h"
#include "kweight.h"

#include <stdlib.h>
#include <string.h>

/* Histogram layout. */
#define HIST_MIN_LUFS (-70.0)
#define HIST_BINS_PER_LU 100
#define HIST_FINE 10000         /* 0.01 LU bins from -70 to +30 LUFS */
#define HIST_BINS (HIST_FINE + 1)       /* + overflow */
#define HIST_GROUP 100
#define HIST_GROUPS ((HIST_BINS + HIST_GROUP - 1) / HIST_GROUP)

/* Hops per group of the window sums. */
#define GROUP 10

/* BS.1770 loudness of a (weighted) mean square. */
#define LUFS(e) (-0.691 + 10.0 * log10 (e))

/* count[i], sum[i]: how many energies fell into bin i and their sum;
 * gcount[g], gsum[g]: the same per group of HIST_GROUP bins;
 * total_count, total_sum: over all bins. */
typedef struct
{
  unsigned long long count[HIST_BINS];
  double sum[HIST_BINS];
  unsigned long long gcount[HIST_GROUPS];
  double gsum[HIST_GROUPS];
  unsigned long long total_count;
  double total_sum;
} Hist;

/* Settings:
 *   rate, channels   stream format;
 *   weight[]         BS.1770 channel power weights.
 * Fixed at _new ():
 *   kw               K-weighting coefficients;
 *   hop              frames per hop (<= 10 ms);
 *   m_hops, s_hops   momentary / short-term window length in hops;
 *   e_abs            energy of the absolute gate (-70 LUFS).
 * State:
 *   st[]             K-weighting state, MST_KWEIGHT_STATES per channel;
 *   frames           frames fed since reset;
 *   hop_fill, hop_acc     frames and weighted energy of the open hop;
 *   ring[], ring_pos      last s_hops hop energies (zeros before the
 *                         stream), ring_pos = slot of the oldest, hop k
 *                         in slot k % s_hops;
 *   gsum[]                sums of the last n_groups whole groups of hops,
 *                         group j (hops GROUP j ..) in slot j % n_groups;
 *   hops                  completed hops;
 *   m_energy, s_energy    mean squares of the latest windows;
 *   m_max, s_max          their maxima;
 *   quarters              completed 100 ms quarters;
 *   q_start, q_end        frame range of the open quarter;
 *   q_acc                 its weighted energy;
 *   q_sum[], q_len[]      energy and length of the last four quarters;
 *   blocks, st_hist       gating-block and short-term histograms.
 *   log                   segment log written to, or NULL;
 *   segs, seg_start       completed segments, first frame of the open one;
 *   seg_acc               its weighted energy.
 * Scratch: sane (sanitised copy of one chunk), zeros (one hop of
 * silence). */
struct MstLoudness
{
  unsigned rate, channels;
  double weight[MST_CHANNELS_MAX];

  MstKWeight kw;
  unsigned hop, m_hops, s_hops;
  double e_abs;

  MstBiquadState st[MST_CHANNELS_MAX * MST_KWEIGHT_STATES];
  unsigned long long frames;
  unsigned hop_fill;
  double hop_acc;
  double *ring;
  unsigned ring_pos;
  double *gsum;
  unsigned n_groups;
  unsigned long long hops;
  double m_energy, s_energy, m_max, s_max;
  unsigned long long quarters, q_start, q_end;
  double q_acc;
  double q_sum[4];
  unsigned q_len[4];
  Hist blocks, st_hist;
  MstLoudnessLog *log;
  unsigned long long segs, seg_start;
  double seg_acc;

  double *sane;
  double *zeros;
};

/* n, cap:    completed segments, room for them;
 * energy[k]: weighted energy of segment k, end[k] its end frame;
 * state:     (cap + 1) * nst filter states, segment k's start at k * nst;
 * nst:       states per segment (channels * MST_KWEIGHT_STATES);
 * usable:    0 when the recording is not from the first frame or ran out
 *            of memory. */
struct MstLoudnessLog
{
  size_t n, cap;
  double *energy;
  unsigned long long *end;
  MstBiquadState *state;
  unsigned nst;
  int usable;
};

/* --- histogram --------------------------------------------------------- */

static int
hist_bin_of_lufs (double l)
{
  double b = floor ((l - HIST_MIN_LUFS) * HIST_BINS_PER_LU);

  if (!(b >= 0.0))
    return b < 0.0 ? -1 : HIST_FINE;
  if (b >= HIST_FINE)
    return HIST_FINE;
  return (int) b;
}

/* Store energy e (> 0); the caller has applied the absolute gate. */
static void
hist_add (Hist * h, double e)
{
  int i = hist_bin_of_lufs (LUFS (e));

  if (i < 0)
    i = 0;                      /* rounding right at the gate */
  h->count[i]++;
  h->sum[i] += e;
  h->gcount[i / HIST_GROUP]++;
  h->gsum[i / HIST_GROUP] += e;
  h->total_count++;
  h->total_sum += e;
}

/* The entries above energy threshold thr: *first = first bin included
 * (bins first..HIST_FINE), with their count and energy sum.  The bin that
 * holds the threshold is included when its mean energy is above it. */
static void
hist_above (const Hist * h, double thr, int *first, unsigned long long *count,
    double *sum)
{
  int t = thr > 0.0 ? hist_bin_of_lufs (LUFS (thr)) : -1;
  int i, g, gend;
  unsigned long long c = 0;
  double s = 0.0;

  if (t < 0) {
    *first = 0;
    *count = h->total_count;
    *sum = h->total_sum;
    return;
  }
  /* bins above t in t's group, then whole groups */
  g = t / HIST_GROUP;
  gend = (g + 1) * HIST_GROUP;
  if (gend > HIST_BINS)
    gend = HIST_BINS;
  for (i = t + 1; i < gend; i++) {
    c += h->count[i];
    s += h->sum[i];
  }
  for (g = g + 1; g < HIST_GROUPS; g++) {
    c += h->gcount[g];
    s += h->gsum[g];
  }
  *first = t + 1;
  if (h->count[t] > 0 && h->sum[t] / (double) h->count[t] > thr) {
    c += h->count[t];
    s += h->sum[t];
    *first = t;
  }
  *count = c;
  *sum = s;
}

/* Mean energy of the bin holding the entry of rank r (0-based, ascending)
 * among the entries of bins first..HIST_FINE. */
static double
hist_rank_energy (const Hist * h, int first, unsigned long long r)
{
  int i = first, g, gend;

  /* finish first's group bin by bin */
  gend = (first / HIST_GROUP + 1) * HIST_GROUP;
  if (gend > HIST_BINS)
    gend = HIST_BINS;
  for (; i < gend; i++) {
    if (r < h->count[i])
      return h->sum[i] / (double) h->count[i];
    r -= h->count[i];
  }
  /* skip whole groups, then walk the group that holds r */
  for (g = gend / HIST_GROUP; g < HIST_GROUPS; g++) {
    if (r < h->gcount[g])
      break;
    r -= h->gcount[g];
  }
  if (g >= HIST_GROUPS)
    return 0.0;                 /* not reached: r < count */
  for (i = g * HIST_GROUP; i < HIST_BINS; i++) {
    if (r < h->count[i])
      return h->sum[i] / (double) h->count[i];
    r -= h->count[i];
  }
  return 0.0;
}

/* --- construction ------------------------------------------------------ */

static unsigned
gcd_u (unsigned a, unsigned b)
{
  while (b) {
    unsigned t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* The hop is the largest divisor of gcd (400 ms, 3 s) in frames that is
 * at most 10 ms: 480 at 48 kHz, 441 at 44.1 kHz, 147 at 22.05 kHz, 105 at
 * 11.025 kHz, 80 at 8 kHz.  Both windows are then exact and the hop also
 * divides 20 ms at the usual rates, the spacing of the EBU Tech 3341
 * burst positions.  A rate without such a divisor of at least 2.5 ms (no
 * standard rate) gets a 10 ms hop and windows rounded to whole hops. */
static void
choose_hop (unsigned rate, unsigned *hop, unsigned *m_hops, unsigned *s_hops)
{
  unsigned wm = (2 * rate + 2) / 5;     /* round (0.4 rate) */
  unsigned ws = 3 * rate;
  unsigned g = gcd_u (wm, ws), lim = rate / 100, h = 0, d;

  for (d = lim; d >= 1; d--) {
    if (g % d == 0) {
      h = d;
      break;
    }
  }
  if ((unsigned long long) h * 400 >= rate) {
    *hop = h;
    *m_hops = wm / h;
    *s_hops = ws / h;
  } else {
    *hop = lim;
    *m_hops = (wm + lim / 2) / lim;
    *s_hops = (ws + lim / 2) / lim;
  }
}

MstLoudness *
mst_loudness_new (unsigned rate, unsigned channels)
{
  MstLoudness *m;
  unsigned c;

  if (rate < MST_RATE_MIN || rate > MST_RATE_MAX || channels < 1
      || channels > MST_CHANNELS_MAX)
    return NULL;

  m = calloc (1, sizeof (*m));
  if (!m)
    return NULL;
  m->rate = rate;
  m->channels = channels;
  for (c = 0; c < MST_CHANNELS_MAX; c++)
    m->weight[c] = 1.0;
  if (mst_kweight_design (&m->kw, rate) != MST_OK)
    goto fail;
  choose_hop (rate, &m->hop, &m->m_hops, &m->s_hops);
  m->e_abs = pow (10.0, (-70.0 + 0.691) / 10.0);

  m->ring = calloc (m->s_hops, sizeof (double));
  /* every whole group inside the longest window, and the one before */
  m->n_groups = m->s_hops / GROUP + 2;
  m->gsum = calloc (m->n_groups, sizeof (double));
  m->sane = malloc (sizeof (double) * m->hop * channels);
  m->zeros = calloc ((size_t) m->hop * channels, sizeof (double));
  if (!m->ring || !m->gsum || !m->sane || !m->zeros)
    goto fail;

  mst_loudness_reset (m);
  return m;

fail:
  mst_loudness_free (m);
  return NULL;
}

MstLoudnessLog *
mst_loudness_log_new (void)
{
  return calloc (1, sizeof (MstLoudnessLog));
}

void
mst_loudness_log_free (MstLoudnessLog * log)
{
  if (!log)
    return;
  free (log->energy);
  free (log->end);
  free (log->state);
  free (log);
}

/* Room for one more completed segment (and the state after it); 0 when
 * memory ran out (the log is then unusable). */
static int
log_grow (MstLoudnessLog * log)
{
  size_t cap = log->cap ? 2 * log->cap : 1024;
  double *e;
  unsigned long long *end;
  MstBiquadState *st;

  if (log->n < log->cap)
    return 1;
  if (cap > ((size_t) -1) / (sizeof (MstBiquadState) * (log->nst + 1)))
    return 0;
  e = realloc (log->energy, cap * sizeof (double));
  if (e)
    log->energy = e;
  end = realloc (log->end, cap * sizeof (unsigned long long));
  if (end)
    log->end = end;
  st = realloc (log->state, (cap + 1) * log->nst * sizeof (MstBiquadState));
  if (st)
    log->state = st;
  if (!e || !end || !st)
    return 0;
  log->cap = cap;
  return 1;
}

/* Start the log over at m's position: usable when that is the first
 * frame. */
static void
log_restart (MstLoudness * m)
{
  MstLoudnessLog *log = m->log;
  unsigned nst = m->channels * MST_KWEIGHT_STATES;

  if (nst != log->nst) {
    /* the states are sized for nst */
    free (log->state);
    log->state = NULL;
    log->cap = 0;
    log->nst = nst;
  }
  log->n = 0;
  log->usable = m->frames == 0 && log_grow (log);
  if (log->usable)
    memcpy (log->state, m->st, log->nst * sizeof (MstBiquadState));
}

void
mst_loudness_set_log (MstLoudness * m, MstLoudnessLog * log)
{
  m->log = log;
  if (log)
    log_restart (m);
}

void
mst_loudness_free (MstLoudness * m)
{
  if (!m)
    return;
  free (m->ring);
  free (m->gsum);
  free (m->sane);
  free (m->zeros);
  free (m);
}

void
mst_loudness_reset (MstLoudness * m)
{
  mst_biquad_state_reset (m->st, MST_CHANNELS_MAX * MST_KWEIGHT_STATES);
  m->frames = 0;
  m->hop_fill = 0;
  m->hop_acc = 0.0;
  memset (m->ring, 0, sizeof (double) * m->s_hops);
  memset (m->gsum, 0, sizeof (double) * m->n_groups);
  m->ring_pos = 0;
  m->hops = 0;
  m->m_energy = m->s_energy = 0.0;
  m->m_max = m->s_max = 0.0;
  m->quarters = 0;
  m->q_start = 0;
  m->q_end = ((unsigned long long) m->rate + 5) / 10;
  m->q_acc = 0.0;
  memset (m->q_sum, 0, sizeof (m->q_sum));
  memset (m->q_len, 0, sizeof (m->q_len));
  memset (&m->blocks, 0, sizeof (m->blocks));
  memset (&m->st_hist, 0, sizeof (m->st_hist));
  m->segs = m->seg_start = 0;
  m->seg_acc = 0.0;
  if (m->log)
    log_restart (m);
}

int
mst_loudness_set_channel_weight (MstLoudness * m, unsigned ch, double weight)
{
  if (ch >= m->channels || !(weight >= 0.0) || !isfinite (weight))
    return MST_ERR_INVAL;
  m->weight[ch] = weight;
  return MST_OK;
}

/* --- processing -------------------------------------------------------- */

enum
{
  SRC_F32,
  SRC_F64,
  SRC_SILENCE,
};

/* Sum of the energies of hops [a, b] (b the newest, b - a < s_hops;
 * a < 0: before the stream, silence). */
static double
window_sum (const MstLoudness * m, long long a, long long b)
{
  const unsigned n = m->s_hops;
  double sum = 0.0;
  long long k, ga, gb;

  if (a < 0)
    a = 0;
  if (a > b)
    return 0.0;
  ga = a / GROUP;
  gb = b / GROUP;
  if (ga == gb) {
    for (k = a; k <= b; k++)
      sum += m->ring[k % n];
    return sum;
  }
  for (k = a; k < (ga + 1) * GROUP; k++)
    sum += m->ring[k % n];
  for (k = ga + 1; k < gb; k++)
    sum += m->gsum[k % m->n_groups];
  for (k = gb * GROUP; k <= b; k++)
    sum += m->ring[k % n];
  return sum;
}

static void
end_hop (MstLoudness * m)
{
  unsigned n = m->s_hops;
  long long t = (long long) m->hops;    /* the hop that ends */

  m->ring[m->ring_pos] = m->hop_acc;
  m->ring_pos = m->ring_pos + 1 == n ? 0 : m->ring_pos + 1;
  m->hops++;
  m->hop_acc = 0.0;
  m->hop_fill = 0;
  if (t % GROUP == GROUP - 1)
    m->gsum[(t / GROUP) % m->n_groups] = window_sum (m, t - GROUP + 1, t);

  m->m_energy = window_sum (m, t - m->m_hops + 1, t) /
      ((double) m->m_hops * m->hop);
  m->s_energy = window_sum (m, t - n + 1, t) / ((double) n * m->hop);
  if (m->m_energy > m->m_max)
    m->m_max = m->m_energy;
  if (m->s_energy > m->s_max)
    m->s_max = m->s_energy;
}

static void
end_quarter (MstLoudness * m)
{
  unsigned k = (unsigned) (m->quarters & 3), i, len = 0;
  double e = 0.0;

  m->q_sum[k] = m->q_acc;
  m->q_len[k] = (unsigned) (m->q_end - m->q_start);
  m->quarters++;
  m->q_acc = 0.0;
  m->q_start = m->q_end;
  m->q_end = ((m->quarters + 1) * m->rate + 5) / 10;

  if (m->quarters >= 4) {
    for (i = 0; i < 4; i++) {
      e += m->q_sum[i];
      len += m->q_len[i];
    }
    e /= len;
    if (e > m->e_abs)
      hist_add (&m->blocks, e);
  }
  if (m->hops >= m->s_hops && m->s_energy > m->e_abs)
    hist_add (&m->st_hist, m->s_energy);
}

/* The open segment ends at m->frames: log it and the state after it. */
static void
end_segment (MstLoudness * m)
{
  MstLoudnessLog *log = m->log;

  if (log && log->usable) {
    log->energy[log->n] = m->seg_acc;
    log->end[log->n] = m->frames;
    log->n++;
    memcpy (log->state + log->n * log->nst, m->st,
        log->nst * sizeof (MstBiquadState));
    if (!log_grow (log))
      log->usable = 0;
  }
  m->segs++;
  m->seg_start = m->frames;
  m->seg_acc = 0.0;
}

static size_t
sanitise (double *dst, const void *src, int kind, size_t n)
{
  size_t i, bad = 0;

  if (kind == SRC_F32) {
    const float *s = src;
    for (i = 0; i < n; i++) {
      double v = s[i];
      if (!isfinite (v)) {
        v = 0.0;
        bad++;
      }
      dst[i] = v;
    }
  } else {
    const double *s = src;
    for (i = 0; i < n; i++) {
      double v = s[i];
      if (!isfinite (v)) {
        v = 0.0;
        bad++;
      }
      dst[i] = v;
    }
  }
  return bad;
}

/* One chunk of n frames (n <= hop). */
static size_t
run_chunk (MstLoudness * m, const void *x, int kind, size_t n)
{
  MstBiquadState saved[MST_CHANNELS_MAX * MST_KWEIGHT_STATES];
  double sums[MST_CHANNELS_MAX];
  unsigned ch = m->channels, nst = ch * MST_KWEIGHT_STATES, c;
  double total = 0.0, e = 0.0;
  size_t bad = 0;

  memset (sums, 0, sizeof (double) * ch);
  memcpy (saved, m->st, sizeof (MstBiquadState) * nst);
  if (kind == SRC_F32)
    mst_kweight_energy_f32 (&m->kw, m->st, x, n, ch, sums);
  else
    mst_kweight_energy_f64 (&m->kw, m->st, x, n, ch, sums);
  for (c = 0; c < ch; c++)
    total += sums[c];

  if (!isfinite (total)) {
    memcpy (m->st, saved, sizeof (MstBiquadState) * nst);
    bad = sanitise (m->sane, x, kind, n * ch);
    memset (sums, 0, sizeof (double) * ch);
    mst_kweight_energy_f64 (&m->kw, m->st, m->sane, n, ch, sums);
    total = 0.0;
    for (c = 0; c < ch; c++)
      total += sums[c];
    if (!isfinite (total)) {
      /* finite samples so large that their squares overflow: not
       * measurable; drop the chunk rather than poison every window */
      mst_biquad_state_reset (m->st, nst);
      memset (sums, 0, sizeof (double) * ch);
    }
  }

  for (c = 0; c < ch; c++)
    e += m->weight[c] * sums[c];
  m->hop_acc += e;
  m->q_acc += e;
  m->seg_acc += e;
  return bad;
}

/* After a chunk: close the segment, hop and quarter that end at
 * m->frames. */
static void
end_boundaries (MstLoudness * m)
{
  if (m->hop_fill == m->hop || m->frames == m->q_end)
    end_segment (m);
  if (m->hop_fill == m->hop)
    end_hop (m);
  if (m->frames == m->q_end)
    end_quarter (m);
}

static size_t
add_frames (MstLoudness * m, const void *x, int kind, size_t frames)
{
  size_t bad = 0;
  unsigned ch = m->channels;

  while (frames > 0) {
    size_t n = m->hop - m->hop_fill;
    unsigned long long q_left = m->q_end - m->frames;

    if (n > frames)
      n = frames;
    if (n > q_left)
      n = (size_t) q_left;

    if (kind == SRC_SILENCE)
      bad += run_chunk (m, m->zeros, SRC_F64, n);
    else
      bad += run_chunk (m, x, kind, n);

    m->frames += n;
    m->hop_fill += (unsigned) n;
    frames -= n;
    if (kind == SRC_F32)
      x = (const float *) x + n * ch;
    else if (kind == SRC_F64)
      x = (const double *) x + n * ch;
    end_boundaries (m);
  }
  return bad;
}

unsigned long long
mst_loudness_segment_end (const MstLoudness * m)
{
  unsigned long long hop_end = m->frames + (m->hop - m->hop_fill);

  return hop_end < m->q_end ? hop_end : m->q_end;
}

int
mst_loudness_add_logged (MstLoudness * m, const MstLoudnessLog * log,
    double gain, size_t frames)
{
  unsigned long long end = m->frames + frames;
  unsigned nst = m->channels * MST_KWEIGHT_STATES, i;
  size_t s = (size_t) m->segs, k;
  const MstBiquadState *st;
  double g2 = gain * gain;

  /* whole logged segments from the start of m's open one */
  if (!log->usable || log->nst != nst || m->log || m->frames != m->seg_start
      || s >= log->n || (s > 0 && log->end[s - 1] != m->frames)
      || !isfinite (gain))
    return MST_ERR_INVAL;
  for (k = s; k < log->n && log->end[k] < end; k++);
  if (k == log->n || log->end[k] != end)
    return MST_ERR_INVAL;

  for (k = s; m->frames < end; k++) {
    unsigned n = (unsigned) (log->end[k] - m->frames);
    double e = g2 * log->energy[k];

    m->hop_acc += e;
    m->q_acc += e;
    m->seg_acc += e;
    m->frames += n;
    m->hop_fill += n;
    end_boundaries (m);
  }
  /* the state after the last one */
  st = log->state + k * nst;
  for (i = 0; i < nst; i++) {
    m->st[i].x1 = gain * st[i].x1;
    m->st[i].x2 = gain * st[i].x2;
    m->st[i].y1 = gain * st[i].y1;
    m->st[i].y2 = gain * st[i].y2;
  }
  return MST_OK;
}

size_t
mst_loudness_add_f32 (MstLoudness * m, const float *x, size_t frames)
{
  return add_frames (m, x, SRC_F32, frames);
}

size_t
mst_loudness_add_f64 (MstLoudness * m, const double *x, size_t frames)
{
  return add_frames (m, x, SRC_F64, frames);
}

void
mst_loudness_add_silence (MstLoudness * m, size_t frames)
{
  add_frames (m, NULL, SRC_SILENCE, frames);
}

/* --- results ----------------------------------------------------------- */

static double
lufs_or_inf (double e)
{
  return e > 0.0 ? LUFS (e) : -INFINITY;
}

double
mst_loudness_momentary (const MstLoudness * m)
{
  return lufs_or_inf (m->m_energy);
}

double
mst_loudness_shortterm (const MstLoudness * m)
{
  return lufs_or_inf (m->s_energy);
}

double
mst_loudness_max_momentary (const MstLoudness * m)
{
  return lufs_or_inf (m->m_max);
}

double
mst_loudness_max_shortterm (const MstLoudness * m)
{
  return lufs_or_inf (m->s_max);
}

double
mst_loudness_integrated (const MstLoudness * m)
{
  const Hist *h = &m->blocks;
  unsigned long long count;
  double sum;
  int first;

  if (h->total_count == 0)
    return -INFINITY;
  /* relative gate: 10 LU below the absolutely gated mean */
  hist_above (h, 0.1 * (h->total_sum / (double) h->total_count), &first,
      &count, &sum);
  if (count == 0)
    return -INFINITY;
  return LUFS (sum / (double) count);
}

double
mst_loudness_range (const MstLoudness * m)
{
  const Hist *h = &m->st_hist;
  unsigned long long count, lo, hi;
  double sum, e_lo, e_hi;
  int first;

  if (h->total_count == 0)
    return -INFINITY;
  /* relative gate: 20 LU below the absolutely gated mean */
  hist_above (h, 0.01 * (h->total_sum / (double) h->total_count), &first,
      &count, &sum);
  if (count == 0)
    return -INFINITY;
  /* 10th and 95th percentiles, nearest rank as libebur128 takes them */
  lo = (unsigned long long) ((double) (count - 1) * 0.1 + 0.5);
  hi = (unsigned long long) ((double) (count - 1) * 0.95 + 0.5);
  e_lo = hist_rank_energy (h, first, lo);
  e_hi = hist_rank_energy (h, first, hi);
  if (!(e_lo > 0.0) || !(e_hi > 0.0))
    return -INFINITY;
  return 10.0 * log10 (e_hi / e_lo);
}

unsigned long long
mst_loudness_frames (const MstLoudness * m)
{
  return m->frames;
}
