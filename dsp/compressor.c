/* gst-mastering dsp: mastering compressor, broadband and multiband.
 * See compressor.h for the signal path and the definitions. */
#include "compressor.h"
#include "biquad.h"
#include "crossover.h"
#include "mstorc.h"
#include "compressororc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Frames per internal block: every work buffer holds one block. */
#define CHUNK 256

/* dB per unit of log2 of an amplitude, and of a power */
#define DB_PER_LOG2 6.020599913279624
#define DB_PER_LOG2_POW 3.010299956639812

/* Power ceiling (+300 dB) of the detector: x^2 is clamped to it.  Powers
 * of 0 (or subnormal) need no floor: fast_log2 () gives them a level below
 * -3000 dB, under any threshold. */
#define POW_CEIL 1e30

/* Envelope values below this (dB) are flushed to exactly 0 at the end of
 * a block, so the gain becomes exactly 1 again after a release. */
#define ENV_FLOOR 1e-9

/* Parameters of the gain computer and the gain, per frame while a glide
 * is in progress (PRM_* * CHUNK + i in c->prm), else one value each. */
enum
{
  PRM_THR, PRM_SLOPE, PRM_HK, PRM_IK, PRM_MK, PRM_MIX, PRM_N
};

/* A linear ramp from cur to target in left steps (cur == target when
 * left == 0). */
typedef struct
{
  double cur, target, step;
  unsigned left;
} Glide;

/* One band (bands = 1: the broadband compressor).
 *
 * Settings (user units): threshold dB, ratio, attack/release ms, makeup
 * dB, bypass.
 * Derived: ka, kr   one-pole coefficients 1 - exp (-1 / (tau fs)) of the
 *                   attack and release;
 *          kf, ks   auto release: fast hold (tau_r / 3) and slow one-pole
 *                   (3 tau_r).
 * Glides:  thr      threshold dB;  slope  1 - 1/ratio;  knee  width dB;
 *          mk       makeup + output gain + automatic makeup, dB;
 *          mix      the band's wet share (0 when bypassed).
 * State per channel k (gain channel: only k = 0 when link = 1):
 *          ms[k]    mean square of the detector input (rms detector, every
 *                   channel);
 *          h[k]     hold stage (dB of gain reduction), hf/hs the fast and
 *                   slow stages of the auto release;
 *          r[k]     smoothed gain reduction (dB), what is applied;
 *          hpf[k]   sidechain high-pass state.
 *          gr_max   largest r since the last take.
 *          hist     delay line (multiband: planar, L + CHUNK per channel).
 * Cache:   p_knee   power (x^2 or 2 ms) of the knee start thr - knee/2,
 *                   for the threshold pk_thr and half knee pk_hk. */
typedef struct
{
  double threshold, ratio, attack, release, makeup;
  int bypass;

  double ka, kr, kf, ks;
  Glide thr, slope, knee, mk, mix;

  double pk_thr, pk_hk, p_knee;

  double ms[MST_CHANNELS_MAX];
  double h[MST_CHANNELS_MAX], hf[MST_CHANNELS_MAX], hs[MST_CHANNELS_MAX];
  double r[MST_CHANNELS_MAX];
  MstBiquadState hpf[MST_CHANNELS_MAX];
  double gr_max;
  double *hist;
} Band;

/* The compressor.
 *   channels, bands, rate, latency (frames), glide_len (frames);
 *   primed     0 until the first block: settings jump instead of gliding;
 *   knee .. out_gain, detector, auto_*   global settings;
 *   xover[3]   crossover settings (Hz), xo[] the designs in use (sorted);
 *   kw         one-pole coefficient of the rms window;
 *   hpf        sidechain high-pass design (hpf_on = 0: none);
 *   split[s][k], ap[a][k]  crossover states (multiband);
 *   fade       multiband: 1 = processed output, 0 = delayed raw input;
 *   x          block input as double (broadband: interleaved and
 *              sanitised; multiband: planar); y multiband output
 *              (interleaved);
 *   xf         sanitised copy of an F32 block (when it had Inf/NaN);
 *   sc         detector input (interleaved or planar), gain[b] the gains
 *              of band b (planar per gain channel, also the work buffer of
 *              band_gains ()), gainf F32 gains;
 *   lv         unlinked channels: the linked level (power, then dB);
 *   prm        per-frame gain computer parameters while gliding (PRM_*);
 *   bandbuf    multiband: band b, channel k at (b * channels + k) * CHUNK;
 *   histf/histd broadband delay lines (interleaved, L + CHUNK frames);
 *   rawhist    multiband: delay line of the input (planar);
 *   nonfinite  Inf/NaN input samples since the last take. */
struct MstCompressor
{
  unsigned channels, bands, latency, glide_len;
  double rate;
  int primed;

  double knee, hpf_hz, link, mix, out_gain;
  MstCompDetector detector;
  int auto_release, auto_makeup;
  double xover[3];

  double kw;
  int hpf_on;
  MstBiquad hpf;
  MstLr4 xo[3];
  MstLr4State split[3][MST_CHANNELS_MAX];
  MstBiquadState ap[2][MST_CHANNELS_MAX];
  Glide fade;

  Band band[MST_COMP_BANDS_MAX];

  double *x, *y, *sc, *gain, *lv, *prm, *bandbuf, *histd, *rawhist;
  float *xf, *gainf, *histf;
  size_t nonfinite;
};

/* ---- fast log2 / exp2 ------------------------------------------------- */

/* Both are written without branches or floating-point comparisons (integer
 * operations on the bits instead), so loops over them vectorise with the
 * baseline instruction set. */

static inline uint64_t
bits_of (double d)
{
  uint64_t u;

  memcpy (&u, &d, sizeof (u));
  return u;
}

static inline double
double_of (uint64_t u)
{
  double d;

  memcpy (&d, &u, sizeof (d));
  return d;
}

/* Bits of sqrt (1/2): the mantissa m is taken in [sqrt (1/2), sqrt (2)). */
#define LOG2_OFF 0x3fe6a09e667f3bcdULL

/* log2 (p) for a positive normal p (0 and subnormals give -1023 ..
 * -1021): p = 2^e m, m in [sqrt (1/2), sqrt (2)) split off with integer
 * operations, then log (m) = 2 atanh (s) with
 * s = (m - 1) / (m + 1), |s| <= 0.172: the first omitted term of the atanh
 * series is 2 s^11 / 11 < 7e-10, i.e. an error below 1e-8 dB. */
static inline double
fast_log2 (double p)
{
  uint64_t t = bits_of (p) + (0x3ff0000000000000ULL - LOG2_OFF);
  /* e + 1023 in the low bits of 2^52, as a double */
  double e = double_of ((t >> 52) | 0x4330000000000000ULL)
      - 4503599627371519.0;
  double m = double_of ((t & 0x000fffffffffffffULL) + LOG2_OFF);
  double s = (m - 1.0) / (m + 1.0), s2 = s * s, ln;

  ln = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0
                  + s2 * (1.0 / 9.0)))));
  return e + ln * M_LOG2E;
}

/* 2^v for |v| < 1000 (the callers' range is far smaller): v = k + f with k
 * the nearest integer, |z| = |f ln 2| <= ln2 / 2, Taylor to z^6, relative
 * error below 2e-7 (2e-6 dB); exactly 1 for v = 0. */
static inline double
fast_exp2 (double v)
{
  /* round to nearest with the 1.5 * 2^52 trick (no fast-math here); k is
   * then in the low bits of r */
  double r = v + 6755399441055744.0;
  double k = r - 6755399441055744.0;
  double z = (v - k) * M_LN2;
  double s = double_of ((bits_of (r) + 1023) << 52);

  return s * (1.0 + z * (1.0 + z * (1.0 / 2.0 + z * (1.0 / 6.0
                  + z * (1.0 / 24.0 + z * (1.0 / 120.0 +
                          z * (1.0 / 720.0)))))));
}

/* ---- glides ----------------------------------------------------------- */

static void
glide_jump (Glide * g)
{
  g->cur = g->target;
  g->left = 0;
}

static void
glide_set (Glide * g, double target, unsigned len, int primed)
{
  if (target == g->target && (g->left || g->cur == target))
    return;
  g->target = target;
  if (!primed || len == 0 || g->cur == target) {
    glide_jump (g);
    return;
  }
  g->step = (target - g->cur) / len;
  g->left = len;
}

static inline void
glide_tick (Glide * g)
{
  if (g->left) {
    if (--g->left == 0)
      g->cur = g->target;
    else
      g->cur += g->step;
  }
}

/* ---- curve ------------------------------------------------------------ */

double
mst_compressor_curve (double x, double thr, double ratio, double knee)
{
  double over = x - thr;

  if (2.0 * over <= -knee)
    return x;
  if (2.0 * over >= knee)
    return thr + over / ratio;
  over += 0.5 * knee;
  return x + (1.0 / ratio - 1.0) * over * over / (2.0 * knee);
}

/* Target gain reduction (dB, >= 0) for level L; slope = 1 - 1/R. */
static inline double
gc_target (double L, double thr, double slope, double knee)
{
  double over = L - thr, d;

  if (2.0 * over <= -knee)
    return 0.0;
  if (2.0 * over >= knee)
    return slope * over;
  d = over + 0.5 * knee;
  return slope * d * d / (2.0 * knee);
}

/* ---- settings --------------------------------------------------------- */

static double
coef (double ms, double rate)
{
  return 1.0 - exp (-1000.0 / (ms * rate));
}

static void
band_update (MstCompressor * c, Band * b)
{
  double slope = 1.0 - 1.0 / b->ratio;
  double mk = b->makeup + c->out_gain;

  if (c->auto_makeup)
    mk += gc_target (0.0, b->threshold, slope, c->knee);

  b->ka = coef (b->attack, c->rate);
  b->kr = coef (b->release, c->rate);
  b->kf = coef (b->release / 3.0, c->rate);
  b->ks = coef (b->release * 3.0, c->rate);

  glide_set (&b->thr, b->threshold, c->glide_len, c->primed);
  glide_set (&b->slope, slope, c->glide_len, c->primed);
  glide_set (&b->knee, c->knee, c->glide_len, c->primed);
  glide_set (&b->mk, mk, c->glide_len, c->primed);
  glide_set (&b->mix, b->bypass ? 0.0 : c->mix, c->glide_len, c->primed);
}

static void
update_all (MstCompressor * c)
{
  unsigned i;

  for (i = 0; i < c->bands; i++)
    band_update (c, &c->band[i]);
  glide_set (&c->fade, c->mix > 0.0 ? 1.0 : 0.0, c->glide_len, c->primed);
}

static void
update_crossovers (MstCompressor * c)
{
  double f[3], t, fmax = 0.45 * c->rate;
  unsigned n = c->bands - 1, i, j;

  for (i = 0; i < n; i++)
    f[i] = c->xover[i] < fmax ? c->xover[i] : fmax;
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && f[j] < f[j - 1]; j--)
      t = f[j], f[j] = f[j - 1], f[j - 1] = t;
  for (i = 0; i < n; i++)
    if (c->xo[i].freq != f[i])
      mst_lr4_design (&c->xo[i], c->rate, f[i]);
}

static void
update_hpf (MstCompressor * c)
{
  double f = c->hpf_hz;

  if (f > 0.45 * c->rate)
    f = 0.45 * c->rate;
  c->hpf_on = f > 0.0 && mst_biquad_design (&c->hpf, MST_BIQUAD_HIGHPASS,
      c->rate, f, M_SQRT1_2, 0.0) == MST_OK;
}

/* ---- life cycle ------------------------------------------------------- */

MstCompressor *
mst_compressor_new (unsigned channels, double rate, unsigned bands,
    double lookahead_ms)
{
  MstCompressor *c;
  size_t n, l;
  unsigned i;

  if (channels < 1 || channels > MST_CHANNELS_MAX || !(rate >= MST_RATE_MIN)
      || !(rate <= MST_RATE_MAX) || bands < 1 || bands > MST_COMP_BANDS_MAX
      || !(lookahead_ms >= 0.0) || !(lookahead_ms <= MST_COMP_LOOKAHEAD_MAX))
    return NULL;

  c = calloc (1, sizeof (*c));
  if (!c)
    return NULL;
  c->channels = channels;
  c->bands = bands;
  c->rate = rate;
  c->latency = (unsigned) floor (lookahead_ms * rate / 1000.0 + 0.5);
  c->glide_len = (unsigned) (MST_COMP_GLIDE_MS * rate / 1000.0 + 0.5);
  c->kw = coef (MST_COMP_RMS_WINDOW_MS, rate);

  n = (size_t) CHUNK *channels;
  l = (size_t) (c->latency + CHUNK) * channels;
  c->x = malloc (n * sizeof (double));
  c->y = malloc (n * sizeof (double));
  c->sc = malloc (n * sizeof (double));
  c->gain = calloc (bands * n, sizeof (double));
  c->lv = calloc (CHUNK, sizeof (double));
  c->prm = calloc (PRM_N * CHUNK, sizeof (double));
  c->xf = malloc (n * sizeof (float));
  c->gainf = malloc (n * sizeof (float));
  if (!c->x || !c->y || !c->sc || !c->gain || !c->lv || !c->prm || !c->xf
      || !c->gainf)
    goto fail;
  if (bands == 1) {
    c->histf = calloc (l, sizeof (float));
    c->histd = calloc (l, sizeof (double));
    if (!c->histf || !c->histd)
      goto fail;
  } else {
    c->bandbuf = malloc (bands * n * sizeof (double));
    c->rawhist = calloc (l, sizeof (double));
    if (!c->bandbuf || !c->rawhist)
      goto fail;
    for (i = 0; i < bands; i++) {
      c->band[i].hist = calloc (l, sizeof (double));
      if (!c->band[i].hist)
        goto fail;
    }
  }

  c->knee = MST_COMP_KNEE_DEFAULT;
  c->link = 1.0;
  c->mix = 1.0;
  c->detector = MST_COMP_DETECTOR_RMS;
  c->xover[0] = MST_COMP_XOVER_LOW_DEFAULT;
  c->xover[1] = MST_COMP_XOVER_MID_DEFAULT;
  c->xover[2] = MST_COMP_XOVER_HIGH_DEFAULT;
  for (i = 0; i < bands; i++) {
    Band *b = &c->band[i];

    b->threshold = MST_COMP_THRESHOLD_DEFAULT;
    b->ratio = MST_COMP_RATIO_DEFAULT;
    b->attack = MST_COMP_ATTACK_DEFAULT;
    b->release = MST_COMP_RELEASE_DEFAULT;
    /* differ from every real target so the first update sets them */
    b->thr.target = b->slope.target = b->knee.target = b->mk.target =
        b->mix.target = NAN;
    b->pk_thr = b->pk_hk = NAN;
  }
  c->fade.target = NAN;
  if (bands > 1)
    update_crossovers (c);
  update_all (c);
  mst_compressor_reset (c);
  return c;

fail:
  mst_compressor_free (c);
  return NULL;
}

void
mst_compressor_free (MstCompressor * c)
{
  unsigned i;

  if (!c)
    return;
  free (c->x);
  free (c->y);
  free (c->sc);
  free (c->gain);
  free (c->lv);
  free (c->prm);
  free (c->xf);
  free (c->gainf);
  free (c->histf);
  free (c->histd);
  free (c->bandbuf);
  free (c->rawhist);
  for (i = 0; i < MST_COMP_BANDS_MAX; i++)
    free (c->band[i].hist);
  free (c);
}

void
mst_compressor_reset (MstCompressor * c)
{
  size_t l = (size_t) (c->latency + CHUNK) * c->channels;
  unsigned i;

  for (i = 0; i < c->bands; i++) {
    Band *b = &c->band[i];

    memset (b->ms, 0, sizeof (b->ms));
    memset (b->h, 0, sizeof (b->h));
    memset (b->hf, 0, sizeof (b->hf));
    memset (b->hs, 0, sizeof (b->hs));
    memset (b->r, 0, sizeof (b->r));
    mst_biquad_state_reset (b->hpf, MST_CHANNELS_MAX);
    b->gr_max = 0.0;
    glide_jump (&b->thr);
    glide_jump (&b->slope);
    glide_jump (&b->knee);
    glide_jump (&b->mk);
    glide_jump (&b->mix);
    if (b->hist)
      memset (b->hist, 0, l * sizeof (double));
  }
  glide_jump (&c->fade);
  for (i = 0; i < 3; i++)
    mst_lr4_state_reset (c->split[i], MST_CHANNELS_MAX);
  mst_biquad_state_reset (c->ap[0], MST_CHANNELS_MAX);
  mst_biquad_state_reset (c->ap[1], MST_CHANNELS_MAX);
  if (c->histf)
    memset (c->histf, 0, l * sizeof (float));
  if (c->histd)
    memset (c->histd, 0, l * sizeof (double));
  if (c->rawhist)
    memset (c->rawhist, 0, l * sizeof (double));
  c->nonfinite = 0;
}

unsigned
mst_compressor_latency (const MstCompressor * c)
{
  return c->latency;
}

unsigned
mst_compressor_bands (const MstCompressor * c)
{
  return c->bands;
}

/* ---- setters ---------------------------------------------------------- */

static double
clampd (double v, double lo, double hi)
{
  if (!(v >= lo))
    return lo;
  return v > hi ? hi : v;
}

void
mst_compressor_set_knee (MstCompressor * c, double db)
{
  c->knee = clampd (db, MST_COMP_KNEE_MIN, MST_COMP_KNEE_MAX);
  update_all (c);
}

void
mst_compressor_set_detector (MstCompressor * c, MstCompDetector d)
{
  c->detector = d == MST_COMP_DETECTOR_PEAK ? d : MST_COMP_DETECTOR_RMS;
}

void
mst_compressor_set_sidechain_hpf (MstCompressor * c, double hz)
{
  double f = clampd (hz, 0.0, MST_COMP_HPF_MAX);

  if (f == c->hpf_hz)
    return;
  c->hpf_hz = f;
  update_hpf (c);
}

void
mst_compressor_set_link (MstCompressor * c, double link)
{
  c->link = clampd (link, 0.0, 1.0);
}

void
mst_compressor_set_auto_release (MstCompressor * c, int on)
{
  unsigned i, k;

  on = !!on;
  if (on == c->auto_release)
    return;
  /* hand the hold over so the gain does not jump */
  for (i = 0; i < c->bands; i++) {
    Band *b = &c->band[i];

    for (k = 0; k < MST_CHANNELS_MAX; k++) {
      if (on) {
        b->hf[k] = b->h[k];
        b->hs[k] = 0.0;
      } else {
        b->h[k] = b->hf[k] > b->hs[k] ? b->hf[k] : b->hs[k];
      }
    }
  }
  c->auto_release = on;
}

void
mst_compressor_set_auto_makeup (MstCompressor * c, int on)
{
  c->auto_makeup = !!on;
  update_all (c);
}

void
mst_compressor_set_mix (MstCompressor * c, double mix)
{
  c->mix = clampd (mix, 0.0, 1.0);
  update_all (c);
}

void
mst_compressor_set_output_gain (MstCompressor * c, double db)
{
  c->out_gain = clampd (db, MST_COMP_MAKEUP_MIN, MST_COMP_MAKEUP_MAX);
  update_all (c);
}

void
mst_compressor_set_crossover (MstCompressor * c, unsigned i, double hz)
{
  if (i > 2)
    return;
  c->xover[i] = clampd (hz, MST_COMP_XOVER_MIN, MST_COMP_XOVER_MAX);
  if (c->bands > 1)
    update_crossovers (c);
}

#define BAND_SETTER(name, field, lo, hi) \
void \
mst_compressor_set_##name (MstCompressor *c, unsigned band, double v) \
{ \
  if (band >= c->bands) \
    return; \
  c->band[band].field = clampd (v, lo, hi); \
  band_update (c, &c->band[band]); \
}

BAND_SETTER (threshold, threshold, MST_COMP_THRESHOLD_MIN,
    MST_COMP_THRESHOLD_MAX);
BAND_SETTER (ratio, ratio, MST_COMP_RATIO_MIN, MST_COMP_RATIO_MAX);
BAND_SETTER (attack, attack, MST_COMP_ATTACK_MIN, MST_COMP_ATTACK_MAX);
BAND_SETTER (release, release, MST_COMP_RELEASE_MIN, MST_COMP_RELEASE_MAX);
BAND_SETTER (makeup, makeup, MST_COMP_MAKEUP_MIN, MST_COMP_MAKEUP_MAX);

void
mst_compressor_set_bypass (MstCompressor * c, unsigned band, int on)
{
  if (band >= c->bands)
    return;
  c->band[band].bypass = !!on;
  band_update (c, &c->band[band]);
}

double
mst_compressor_take_gain_reduction (MstCompressor * c, unsigned band)
{
  double g;

  if (band >= c->bands)
    return 0.0;
  g = c->band[band].gr_max;
  c->band[band].gr_max = 0.0;
  return g;
}

size_t
mst_compressor_take_nonfinite (MstCompressor * c)
{
  size_t n = c->nonfinite;

  c->nonfinite = 0;
  return n;
}

/* ---- gains ------------------------------------------------------------ */

/* The stateless passes below run over whole groups of VEC frames, an inner
 * loop with a constant count, which the compiler vectorises.  Work buffers
 * are CHUNK frames long (a multiple of VEC) and zeroed when allocated: the
 * values a pass finds past frame n are finite leftovers, computed on and
 * never used. */
#define VEC 4

static inline size_t
vec_ceil (size_t n)
{
  return (n + VEC - 1) & ~(size_t) (VEC - 1);
}

/* max (x, 0) without a comparison (exact) */
static inline double
posp (double x)
{
  return 0.5 * (x + fabs (x));
}

static void
params_now (const Band * b, double *p)
{
  p[PRM_THR] = b->thr.cur;
  p[PRM_SLOPE] = b->slope.cur;
  p[PRM_HK] = 0.5 * b->knee.cur;
  p[PRM_IK] = b->knee.cur > 0.0 ? 0.5 / b->knee.cur : 0.0;
  p[PRM_MK] = b->mk.cur;
  p[PRM_MIX] = b->mix.cur;
}

/* Advance the glides of b by n frames, keeping every frame's values. */
static void
params_glide (Band * b, size_t n, double *prm)
{
  double p[PRM_N];
  size_t i;
  unsigned j;

  for (i = 0; i < n; i++) {
    glide_tick (&b->thr);
    glide_tick (&b->slope);
    glide_tick (&b->knee);
    glide_tick (&b->mk);
    glide_tick (&b->mix);
    params_now (b, p);
    for (j = 0; j < PRM_N; j++)
      prm[j * CHUNK + i] = p[j];
  }
}

/* Powers v (x^2 or 2 ms) to target gain reductions (dB), in
 * place.  blend: the levels move towards lm (dB, the linked level) by
 * link.  The soft knee without branches: with d the level over the knee
 * start clamped to [0, W], t = slope (d^2 / (2 W) + max (0, over - W/2)). */
static inline void
targets_run (double *v, const double *lm, double link, const double *prm,
    const double *p, int gliding, int blend, size_t n)
{
  const size_t nv = vec_ceil (n);
  size_t i;
  unsigned j;

  for (i = 0; i < nv; i += VEC) {
    for (j = 0; j < VEC; j++) {
      const size_t x = i + j;
      const double thr = gliding ? prm[PRM_THR * CHUNK + x] : p[PRM_THR];
      const double slope = gliding ? prm[PRM_SLOPE * CHUNK + x] : p[PRM_SLOPE];
      const double hk = gliding ? prm[PRM_HK * CHUNK + x] : p[PRM_HK];
      const double ik = gliding ? prm[PRM_IK * CHUNK + x] : p[PRM_IK];
      double l = DB_PER_LOG2_POW * fast_log2 (v[x]), over, d;

      if (blend)
        l += link * (lm[x] - l);
      over = l - thr;
      d = posp (over + hk);
      d = 2.0 * hk - posp (2.0 * hk - d);
      v[x] = slope * (d * d * ik + posp (over - hk));
    }
  }
}

/* Smoothed gain reductions r (dB) in v to gains, in place. */
static inline void
gains_run (double *v, const double *prm, const double *p, int gliding, size_t n)
{
  const size_t nv = vec_ceil (n);
  size_t i;
  unsigned j;

  for (i = 0; i < nv; i += VEC) {
    for (j = 0; j < VEC; j++) {
      const size_t x = i + j;
      const double mk = gliding ? prm[PRM_MK * CHUNK + x] : p[PRM_MK];
      const double mix = gliding ? prm[PRM_MIX * CHUNK + x] : p[PRM_MIX];
      double gg = fast_exp2 ((mk - v[x]) * (1.0 / DB_PER_LOG2));

      v[x] = (1.0 - mix) + mix * gg;
    }
  }
}

/* x^2, clamped to POW_CEIL */
static inline double
sq (double x)
{
  double q = x * x;

  return q < POW_CEIL ? q : POW_CEIL;
}

/* Detector powers of a linked stereo block, frame i at sc[i * ns] (left)
 * and sc[cs + i * ns] (right), or from F32 samples scf (interleaved) when
 * scf is not NULL: the larger of the two channels' powers into pmax.
 * Returns the largest power of the block.  The rms recursions advance two
 * frames per step, M_{i+1} = w^2 M_{i-1} + (w u_i + u_{i+1}) with
 * M = 2 ms, w = 1 - kw, u = 2 kw x^2: the dependency chain is half as
 * long as one frame per step. */
static double
detect2 (MstCompressor * c, Band * b, const double *sc, const float *scf,
    size_t cs, size_t ns, size_t n, double *pmax)
{
  const double kw = 2.0 * c->kw, cw = 1.0 - c->kw, cw2 = cw * cw;
  double m0 = 2.0 * b->ms[0], m1 = 2.0 * b->ms[1], top = 0.0;
  size_t i;

#define LOAD(i, k) (scf ? (double) scf[2 * (i) + (k)] : sc[(k) * cs + (i) * ns])
  if (c->detector == MST_COMP_DETECTOR_PEAK) {
    for (i = 0; i < n; i++) {
      double x0 = LOAD (i, 0), x1 = LOAD (i, 1);
      double q0 = sq (x0), q1 = sq (x1), q = q0 > q1 ? q0 : q1;

      pmax[i] = q;
      top = q > top ? q : top;
    }
    return top;
  }
  for (i = 0; i + 1 < n; i += 2) {
    double x00 = LOAD (i, 0), x01 = LOAD (i, 1);
    double x10 = LOAD (i + 1, 0), x11 = LOAD (i + 1, 1);
    double u00 = kw * sq (x00), u01 = kw * sq (x01);
    double u10 = kw * sq (x10), u11 = kw * sq (x11);
    double a0 = cw * m0 + u00, a1 = cw * m1 + u01, q;

    m0 = cw2 * m0 + (cw * u00 + u10);
    m1 = cw2 * m1 + (cw * u01 + u11);
    q = a0 > a1 ? a0 : a1;
    pmax[i] = q;
    top = q > top ? q : top;
    q = m0 > m1 ? m0 : m1;
    pmax[i + 1] = q;
    top = q > top ? q : top;
  }
  if (i < n) {
    double x0 = LOAD (i, 0), x1 = LOAD (i, 1), q;

    m0 = cw * m0 + kw * sq (x0);
    m1 = cw * m1 + kw * sq (x1);
    q = m0 > m1 ? m0 : m1;
    pmax[i] = q;
    top = q > top ? q : top;
  }
#undef LOAD
  b->ms[0] = mst_flush_denormal (0.5 * m0);
  b->ms[1] = mst_flush_denormal (0.5 * m1);
  return top;
}

/* Detector powers of n frames, sample of channel k, frame i at
 * sc[k * cs + i * ns]: x^2 (peak) or 2 ms (rms), x^2 clamped to POW_CEIL;
 * per channel into p + k * CHUNK (unless p is NULL), and the largest over
 * the channels into pmax.  Returns the largest power of the block.  A
 * power may be 0 (fast_log2 () then gives a level far below any
 * threshold). */
static double
detect (MstCompressor * c, Band * b, const double *sc, const float *scf,
    size_t cs, size_t ns, size_t n, double *p, double *pmax)
{
  const unsigned ch = c->channels;
  const int rms = c->detector == MST_COMP_DETECTOR_RMS;
  const double kw = c->kw, cw = 1.0 - c->kw;
  double top = 0.0;
  size_t i;
  unsigned k;

  if (ch == 2 && !p)
    return detect2 (c, b, sc, scf, cs, ns, n, pmax);

  for (k = 0; k < ch; k++) {
    const double *x = sc + k * cs;
    double m = b->ms[k];

    for (i = 0; i < n; i++) {
      double q = sq (x[i * ns]);

      if (rms) {
        m = cw * m + kw * q;
        q = 2.0 * m;
      }
      if (p)
        p[k * CHUNK + i] = q;
      pmax[i] = k == 0 || q > pmax[i] ? q : pmax[i];
    }
    b->ms[k] = mst_flush_denormal (m);
  }
  for (i = 0; i < n; i++)
    top = pmax[i] > top ? pmax[i] : top;
  return top;
}

static inline double
flush_env (double v)
{
  return v < ENV_FLOOR ? 0.0 : v;
}

/* The envelope of gain channel k over the targets t in v (see
 * compressor.h), replaced by the smoothed gain reductions r; returns the
 * largest r.  The only recursion of the gain path.  In the form
 *   h_i = max (t_i, c h_{i-1} + k t_i)          (c = 1 - k, >= 0)
 *   r_i = min (h_i, a r_{i-1} + ka h_i)          (a = 1 - ka, >= 0)
 * (the attack step lies between r and h: h > r attacks, h <= r follows the
 * hold) both distribute over max / min, so two frames are one step,
 *   h_{i+1} = max (t_{i+1}, c t_i + k t_{i+1}, c^2 h_{i-1} + c k t_i
 *                  + k t_{i+1})
 *   r_{i+1} = min (h_{i+1}, a h_i + ka h_{i+1}, a^2 r_{i-1} + a ka h_i
 *                  + ka h_{i+1})
 * and the dependency chains are half as long.  Selects (maxsd / minsd),
 * no branches: the attack / release choice flips with the programme. */
static double
envelope (Band * b, unsigned k, double *v, size_t n, int auto_release)
{
  const double ka = b->ka, ca = 1.0 - b->ka, ca2 = ca * ca, cka = ca * ka;
  const double kr = auto_release ? b->kf : b->kr, cr = 1.0 - kr;
  const double cr2 = cr * cr, ks = b->ks, cs = 1.0 - ks, cs2 = cs * cs;
  double h = auto_release ? b->hf[k] : b->h[k], hs = b->hs[k];
  double r = b->r[k], top = 0.0;
  size_t i;

  for (i = 0; i + 1 < n; i += 2) {
    const double t0 = v[i], t1 = v[i + 1], u0 = kr * t0, u1 = kr * t1;
    double h0 = cr * h + u0, h1 = cr * t0 + u1, r0, w;

    h0 = h0 < t0 ? t0 : h0;
    h1 = h1 < t1 ? t1 : h1;
    h = cr2 * h + (cr * u0 + u1);
    h = h < h1 ? h1 : h;
    h1 = h;
    if (auto_release) {
      /* h is the fast hold; the slow one-pole hs, h = max (hf, hs) */
      const double s0 = cs * hs + ks * t0;

      hs = cs2 * hs + (cs * ks * t0 + ks * t1);
      h0 = h0 > s0 ? h0 : s0;
      h1 = h1 > hs ? h1 : hs;
    }
    r0 = ca * r + ka * h0;
    r0 = r0 < h0 ? r0 : h0;
    w = ca * h0 + ka * h1;
    w = w < h1 ? w : h1;
    r = ca2 * r + (cka * h0 + ka * h1);
    r = r < w ? r : w;
    v[i] = r0;
    v[i + 1] = r;
    top = r0 > top ? r0 : top;
    top = r > top ? r : top;
  }
  if (i < n) {
    const double t = v[i];
    double h0 = cr * h + kr * t, a;

    h = h0 < t ? t : h0;
    h0 = h;
    if (auto_release) {
      hs = cs * hs + ks * t;
      h0 = h0 > hs ? h0 : hs;
    }
    a = ca * r + ka * h0;
    r = a < h0 ? a : h0;
    v[i] = r;
    top = r > top ? r : top;
  }
  if (auto_release) {
    b->hf[k] = flush_env (h);
    b->hs[k] = flush_env (hs);
  } else {
    b->h[k] = flush_env (h);
  }
  b->r[k] = flush_env (r);
  return top;
}

/* Nonzero when the envelope of gain channel k rests at 0 dB. */
static inline int
env_settled (const Band * b, unsigned k)
{
  return b->r[k] == 0.0 && b->h[k] == 0.0 && b->hf[k] == 0.0 && b->hs[k] == 0.0;
}

/* Gains of band b for n frames of detector input sc (sample of channel k,
 * frame i at sc[k * cs + i * ns]), or F32 scf (linked stereo only,
 * interleaved; sc is then not read).  Gains go to g[k * CHUNK + i] for each
 * gain channel k (one when linked).  Returns nonzero when every gain is
 * exactly 1 (g is then left unset).
 *
 * In passes over the block: detector (a recursion for rms), levels and
 * targets (vectorised), envelope (the recursion), gains (vectorised).  A
 * block whose power stays under the knee start needs no levels, and one
 * whose envelope also rests at 0 dB no envelope either. */
static int
band_gains (MstCompressor * c, Band * b, const double *sc, const float *scf,
    size_t cs, size_t ns, size_t n, double *g)
{
  const unsigned ch = c->channels;
  const int linked = c->link >= 1.0 || ch == 1;
  const unsigned ng = linked ? 1 : ch;
  const int ar = c->auto_release;
  const int gliding = b->thr.left || b->slope.left || b->knee.left
      || b->mk.left || b->mix.left;
  double *pmax = linked ? g : c->lv, *prm = c->prm;
  double p[PRM_N], top, rmax = 0.0;
  int below = 0;
  size_t i;
  unsigned k;

  top = detect (c, b, sc, scf, cs, ns, n, linked ? NULL : g, pmax);

  params_now (b, p);
  if (gliding) {
    params_glide (b, n, prm);
  } else {
    if (b->pk_thr != p[PRM_THR] || b->pk_hk != p[PRM_HK]) {
      b->pk_thr = p[PRM_THR];
      b->pk_hk = p[PRM_HK];
      b->p_knee = pow (10.0, (p[PRM_THR] - p[PRM_HK]) / 10.0);
    }
    below = top <= b->p_knee;
  }

  if (!below && !linked) {
    const size_t nv = vec_ceil (n);
    unsigned j;

    for (i = 0; i < nv; i += VEC)
      for (j = 0; j < VEC; j++)
        pmax[i + j] = DB_PER_LOG2_POW * fast_log2 (pmax[i + j]);
  }

  for (k = 0; k < ng; k++) {
    double *v = g + (size_t) k * CHUNK;

    if (below) {
      /* targets 0: nothing to do while the envelope rests */
      memset (v, 0, n * sizeof (double));
      if (env_settled (b, k))
        continue;
    } else if (gliding) {
      if (linked)
        targets_run (v, NULL, 0.0, prm, p, 1, 0, n);
      else
        targets_run (v, pmax, c->link, prm, p, 1, 1, n);
    } else {
      if (linked)
        targets_run (v, NULL, 0.0, prm, p, 0, 0, n);
      else
        targets_run (v, pmax, c->link, prm, p, 0, 1, n);
    }
    top = envelope (b, k, v, n, ar);
    rmax = top > rmax ? top : rmax;
  }
  if (rmax > b->gr_max)
    b->gr_max = rmax;

  if (!gliding && rmax == 0.0) {
    /* r = 0 all through: one gain for the block */
    double gg = (1.0 - p[PRM_MIX]) + p[PRM_MIX] *
        fast_exp2 (p[PRM_MK] * (1.0 / DB_PER_LOG2));

    if (gg == 1.0)
      return 1;
    for (k = 0; k < ng; k++)
      for (i = 0; i < n; i++)
        g[k * CHUNK + i] = gg;
    return 0;
  }

  for (k = 0; k < ng; k++) {
    double *v = g + (size_t) k * CHUNK;

    if (gliding)
      gains_run (v, prm, p, 1, n);
    else
      gains_run (v, prm, p, 0, n);
  }
  for (k = 0; k < ng; k++)
    for (i = 0; i < n; i++)
      if (g[k * CHUNK + i] != 1.0)
        return 0;
  return 1;
}

/* ---- broadband -------------------------------------------------------- */

/* Detector input from the (sanitised) block, through the sidechain
 * high-pass when it is on. */
static void
sidechain_hpf (MstCompressor * c, size_t n)
{
  if (c->hpf_on)
    mst_biquad_process_f64 (&c->hpf, c->band[0].hpf, c->sc, c->sc, n,
        c->channels);
}

/* F32 copy of n gains (whole groups of VEC, see above) */
static void
gains_to_f32 (float *restrict d, const double *restrict s, size_t n)
{
  const size_t nv = vec_ceil (n);
  size_t i;
  unsigned j;

  for (i = 0; i < nv; i += VEC)
    for (j = 0; j < VEC; j++)
      d[i + j] = (float) s[i + j];
}

static void
broadband_f32 (MstCompressor * c, const float *in, float *out, size_t n)
{
  const unsigned ch = c->channels;
  const size_t ns = n * ch, lat = (size_t) c->latency * ch;
  const float *src = in, *d;
  /* linked stereo without the sidechain filter: the detector reads the
   * F32 samples */
  const int direct = ch == 2 && c->link >= 1.0 && !c->hpf_on;
  int32_t bad = 0;
  size_t i;
  unsigned k;

  mst_orc_count_nonfinite_f32 (&bad, in, (int) ns);
  if (bad) {
    for (i = 0; i < ns; i++)
      c->xf[i] = isfinite (in[i]) ? in[i] : 0.0f;
    c->nonfinite += (size_t) bad;
    src = c->xf;
  }
  if (!direct) {
    for (i = 0; i < ns; i++)
      c->sc[i] = src[i];
    sidechain_hpf (c, n);
  }

  if (lat) {
    memcpy (c->histf + lat, src, ns * sizeof (float));
    d = c->histf;
  } else {
    d = src;
  }

  if (band_gains (c, &c->band[0], c->sc, direct ? src : NULL, 1, ch, n,
          c->gain)) {
    if (out != d)
      memmove (out, d, ns * sizeof (float));
  } else if (c->link >= 1.0 || ch == 1) {
    gains_to_f32 (c->gainf, c->gain, n);
    if (ch == 1) {
      mst_orc_comp_gain_f32 (out, d, c->gainf, (int) n);
    } else if (ch == 2) {
      mst_orc_comp_gain2_f32 (out, d, c->gainf, (int) n);
    } else {
      for (i = 0; i < n; i++)
        for (k = 0; k < ch; k++)
          out[i * ch + k] = d[i * ch + k] * c->gainf[i];
    }
  } else {
    for (i = 0; i < n; i++)
      for (k = 0; k < ch; k++)
        c->gainf[i * ch + k] = (float) c->gain[k * CHUNK + i];
    mst_orc_comp_gain_f32 (out, d, c->gainf, (int) ns);
  }

  if (lat)
    memmove (c->histf, c->histf + ns, lat * sizeof (float));
}

static void
broadband_f64 (MstCompressor * c, const double *in, double *out, size_t n)
{
  const unsigned ch = c->channels;
  const size_t ns = n * ch, lat = (size_t) c->latency * ch;
  const double *src = in, *d;
  size_t i, bad = 0;
  unsigned k;

  for (i = 0; i < ns; i++) {
    double v = in[i];

    bad += !isfinite (v);
    c->sc[i] = v;
  }
  if (bad) {
    for (i = 0; i < ns; i++) {
      if (!isfinite (c->sc[i]))
        c->sc[i] = 0.0;
      c->x[i] = c->sc[i];
    }
    c->nonfinite += bad;
    src = c->x;
  }
  sidechain_hpf (c, n);

  if (lat) {
    memcpy (c->histd + lat, src, ns * sizeof (double));
    d = c->histd;
  } else {
    d = src;
  }

  if (band_gains (c, &c->band[0], c->sc, NULL, 1, ch, n, c->gain)) {
    if (out != d)
      memmove (out, d, ns * sizeof (double));
  } else if (c->link >= 1.0 || ch == 1) {
    if (ch == 1) {
      mst_orc_comp_gain_f64 (out, d, c->gain, (int) n);
    } else {
      for (i = 0; i < n; i++)
        for (k = 0; k < ch; k++)
          out[i * ch + k] = d[i * ch + k] * c->gain[i];
    }
  } else {
    for (i = 0; i < n; i++)
      for (k = 0; k < ch; k++)
        out[i * ch + k] = d[i * ch + k] * c->gain[k * CHUNK + i];
  }

  if (lat)
    memmove (c->histd, c->histd + ns, lat * sizeof (double));
}

/* ---- multiband -------------------------------------------------------- */

static inline double *
bandptr (MstCompressor * c, unsigned b, unsigned k)
{
  return c->bandbuf + ((size_t) b * c->channels + k) * CHUNK;
}

/* Split the planar block c->x into the bands (see compressor.h). */
static void
split_bands (MstCompressor * c, size_t n)
{
  unsigned k;

  for (k = 0; k < c->channels; k++) {
    const double *x = c->x + (size_t) k * CHUNK;
    double *b0 = bandptr (c, 0, k), *b1 = bandptr (c, 1, k);

    switch (c->bands) {
      case 2:
        mst_lr4_split_f64 (&c->xo[0], &c->split[0][k], x, b0, b1, n);
        break;
      case 3:{
        double *b2 = bandptr (c, 2, k);

        mst_lr4_split_f64 (&c->xo[0], &c->split[0][k], x, b0, b1, n);
        mst_lr4_split_f64 (&c->xo[1], &c->split[1][k], b1, b1, b2, n);
        mst_lr4_allpass_f64 (&c->xo[1], &c->ap[0][k], b0, b0, n);
        break;
      }
      default:{
        double *b2 = bandptr (c, 2, k), *b3 = bandptr (c, 3, k);

        mst_lr4_split_f64 (&c->xo[1], &c->split[1][k], x, b0, b2, n);
        mst_lr4_allpass_f64 (&c->xo[2], &c->ap[0][k], b0, b0, n);
        mst_lr4_allpass_f64 (&c->xo[0], &c->ap[1][k], b2, b2, n);
        mst_lr4_split_f64 (&c->xo[0], &c->split[0][k], b0, b0, b1, n);
        mst_lr4_split_f64 (&c->xo[2], &c->split[2][k], b2, b2, b3, n);
        break;
      }
    }
  }
}

/* Delay a planar channel block through hist (L + CHUNK values); returns
 * the delayed samples (valid until the next shift). */
static inline const double *
delay_in (double *hist, unsigned lat, const double *x, size_t n)
{
  if (!lat)
    return x;
  memcpy (hist + lat, x, n * sizeof (double));
  return hist;
}

static inline void
delay_shift (double *hist, unsigned lat, size_t n)
{
  if (lat)
    memmove (hist, hist + n, lat * sizeof (double));
}

/* Multiband block: c->x holds the planar sanitised input; the output (as
 * double, interleaved) goes to y. */
static void
multiband (MstCompressor * c, double *y, size_t n)
{
  const unsigned ch = c->channels, nb = c->bands, lat = c->latency;
  const size_t hl = (size_t) lat + CHUNK;
  const int linked = c->link >= 1.0 || ch == 1;
  const double *d[MST_COMP_BANDS_MAX][MST_CHANNELS_MAX];
  const double *raw[MST_CHANNELS_MAX];
  size_t i;
  unsigned b, k;

  split_bands (c, n);

  for (b = 0; b < nb; b++) {
    Band *bd = &c->band[b];
    const double *sc = bandptr (c, b, 0);
    double *gb = c->gain + (size_t) b * ch * CHUNK;

    if (c->hpf_on) {
      for (k = 0; k < ch; k++)
        mst_biquad_process_f64 (&c->hpf, &bd->hpf[k], bandptr (c, b, k),
            c->sc + (size_t) k * CHUNK, n, 1);
      sc = c->sc;
    }
    if (band_gains (c, bd, sc, NULL, CHUNK, 1, n, gb)) {
      for (k = 0; k < (linked ? 1 : ch); k++)
        for (i = 0; i < n; i++)
          gb[k * CHUNK + i] = 1.0;
    }
    for (k = 0; k < ch; k++)
      d[b][k] = delay_in (bd->hist + k * hl, lat, bandptr (c, b, k), n);
  }
  for (k = 0; k < ch; k++)
    raw[k] = delay_in (c->rawhist + k * hl, lat, c->x + (size_t) k * CHUNK, n);

  /* sum of the bands, each times its gains */
  for (k = 0; k < ch; k++) {
    const size_t gk = linked ? 0 : (size_t) k * CHUNK;
    const double *g0 = c->gain + gk, *d0 = d[0][k], *d1 = d[1][k];
    const double *g1 = g0 + (size_t) ch * CHUNK;

    switch (nb) {
      case 2:
        for (i = 0; i < n; i++)
          y[i * ch + k] = d0[i] * g0[i] + d1[i] * g1[i];
        break;
      case 3:{
        const double *g2 = g1 + (size_t) ch * CHUNK, *d2 = d[2][k];

        for (i = 0; i < n; i++)
          y[i * ch + k] = d0[i] * g0[i] + d1[i] * g1[i] + d2[i] * g2[i];
        break;
      }
      default:{
        const double *g2 = g1 + (size_t) ch * CHUNK, *d2 = d[2][k];
        const double *g3 = g2 + (size_t) ch * CHUNK, *d3 = d[3][k];

        for (i = 0; i < n; i++)
          y[i * ch + k] = d0[i] * g0[i] + d1[i] * g1[i] + d2[i] * g2[i]
              + d3[i] * g3[i];
        break;
      }
    }
  }

  /* crossfade towards the raw input when mix is 0 */
  if (c->fade.left) {
    for (i = 0; i < n; i++) {
      double f;

      glide_tick (&c->fade);
      f = c->fade.cur;
      for (k = 0; k < ch; k++)
        y[i * ch + k] = raw[k][i] + f * (y[i * ch + k] - raw[k][i]);
    }
  } else if (c->fade.cur == 0.0) {
    for (k = 0; k < ch; k++)
      for (i = 0; i < n; i++)
        y[i * ch + k] = raw[k][i];
  }

  for (b = 0; b < nb; b++)
    for (k = 0; k < ch; k++)
      delay_shift (c->band[b].hist + k * hl, lat, n);
  for (k = 0; k < ch; k++)
    delay_shift (c->rawhist + k * hl, lat, n);
}

/* Planar, sanitised double copy of an interleaved block. */
#define LOAD_PLANAR(c, in, n) \
  do { \
    const unsigned ch_ = (c)->channels; \
    size_t i_; \
    unsigned k_; \
    for (i_ = 0; i_ < (n); i_++) { \
      for (k_ = 0; k_ < ch_; k_++) { \
        double v_ = (in)[i_ * ch_ + k_]; \
        if (!isfinite (v_)) { \
          v_ = 0.0; \
          (c)->nonfinite++; \
        } \
        (c)->x[(size_t) k_ * CHUNK + i_] = v_; \
      } \
    } \
  } while (0)

static void
multiband_f32 (MstCompressor * c, const float *in, float *out, size_t n)
{
  const size_t ns = n * c->channels;
  size_t i;

  LOAD_PLANAR (c, in, n);
  multiband (c, c->y, n);
  for (i = 0; i < ns; i++)
    out[i] = (float) c->y[i];
}

static void
multiband_f64 (MstCompressor * c, const double *in, double *out, size_t n)
{
  LOAD_PLANAR (c, in, n);
  multiband (c, out, n);
}

/* ---- entry points ----------------------------------------------------- */

void
mst_compressor_process_f32 (MstCompressor * c, const float *in, float *out,
    size_t frames)
{
  const unsigned ch = c->channels;
  MstFpMode fp_mode = mst_fp_mode_save ();
  size_t done;

  for (done = 0; done < frames; done += CHUNK) {
    size_t n = frames - done < CHUNK ? frames - done : CHUNK;

    if (c->bands == 1)
      broadband_f32 (c, in + done * ch, out + done * ch, n);
    else
      multiband_f32 (c, in + done * ch, out + done * ch, n);
  }
  if (frames)
    c->primed = 1;
  mst_fp_mode_restore (fp_mode);
}

void
mst_compressor_process_f64 (MstCompressor * c, const double *in,
    double *out, size_t frames)
{
  const unsigned ch = c->channels;
  MstFpMode fp_mode = mst_fp_mode_save ();
  size_t done;

  for (done = 0; done < frames; done += CHUNK) {
    size_t n = frames - done < CHUNK ? frames - done : CHUNK;

    if (c->bands == 1)
      broadband_f64 (c, in + done * ch, out + done * ch, n);
    else
      multiband_f64 (c, in + done * ch, out + done * ch, n);
  }
  if (frames)
    c->primed = 1;
  mst_fp_mode_restore (fp_mode);
}
