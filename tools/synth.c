/* gst-mastering: deterministic test and demo signals. */
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void
mst_rng_seed (MstRng * r, uint64_t seed)
{
  r->s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  if (r->s == 0)
    r->s = 1;
}

uint64_t
mst_rng_next (MstRng * r)
{
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

double
mst_rng_uniform (MstRng * r)
{
  /* 53 random bits -> [0, 1) -> [-1, 1) */
  return (double) (mst_rng_next (r) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

double
mst_rng_gauss (MstRng * r)
{
  double u1, u2;
  do
    u1 = 0.5 * (mst_rng_uniform (r) + 1.0);
  while (u1 <= 1e-300);
  u2 = 0.5 * (mst_rng_uniform (r) + 1.0);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2);
}

void
mst_synth_sine_f64 (double *x, size_t frames, unsigned channels,
    unsigned channel_mask, double rate, double freq, double amp,
    double phase, int add)
{
  size_t n;
  unsigned c;
  double w = 2.0 * M_PI * freq / rate;

  for (n = 0; n < frames; n++) {
    /* phase from the index, not accumulated: exact for long signals */
    double v = amp * sin (w * (double) n + phase);
    for (c = 0; c < channels; c++) {
      if (!(channel_mask & (1u << c)))
        continue;
      if (add)
        x[n * channels + c] += v;
      else
        x[n * channels + c] = v;
    }
  }
}

void
mst_synth_noise_f64 (double *x, size_t frames, unsigned channels,
    unsigned channel_mask, double rms, uint64_t seed)
{
  MstRng r;
  size_t n;
  unsigned c;
  /* uniform in [-1, 1) has RMS 1/sqrt(3) */
  double g = rms * sqrt (3.0);

  mst_rng_seed (&r, seed);
  for (n = 0; n < frames; n++)
    for (c = 0; c < channels; c++)
      if (channel_mask & (1u << c))
        x[n * channels + c] = g * mst_rng_uniform (&r);
}

void
mst_synth_to_f32 (float *dst, const double *src, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    dst[i] = (float) src[i];
}

/* --- band limiting --------------------------------------------------------- */

static double
synth_bessel_i0 (double x)
{
  double s = 1.0, t = 1.0, q = x * x / 4.0;
  int k;

  for (k = 1; k < 300; k++) {
    t *= q / ((double) k * (double) k);
    s += t;
    if (t < 1e-18 * s)
      break;
  }
  return s;
}

int
mst_synth_lowpass_f64 (double *x, size_t frames, unsigned channels,
    double rate, double cutoff_hz)
{
  enum
  { HALF = 255 };
  const double beta = 8.0;
  double h[2 * HALF + 1], fc, i0b, sum = 0.0;
  double *col;
  size_t n;
  unsigned c;
  int k;

  if (!x || channels == 0 || rate <= 0.0 || cutoff_hz <= 0.0 ||
      cutoff_hz >= rate / 2.0)
    return -1;
  col = malloc (frames * sizeof (double));
  if (!col)
    return -1;

  fc = cutoff_hz / rate;
  i0b = synth_bessel_i0 (beta);
  for (k = -HALF; k <= HALF; k++) {
    double r = (double) k / HALF;
    double w = synth_bessel_i0 (beta * sqrt (1.0 - r * r)) / i0b;
    double s = k == 0 ? 2.0 * fc : sin (2.0 * M_PI * fc * k) / (M_PI * k);
    h[k + HALF] = s * w;
    sum += h[k + HALF];
  }
  for (k = 0; k <= 2 * HALF; k++)
    h[k] /= sum;

  for (c = 0; c < channels; c++) {
    for (n = 0; n < frames; n++)
      col[n] = x[n * channels + c];
    for (n = 0; n < frames; n++) {
      double acc = 0.0;
      long lo = (long) n - HALF, hi = (long) n + HALF, i;
      if (lo < 0)
        lo = 0;
      if (hi > (long) frames - 1)
        hi = (long) frames - 1;
      for (i = lo; i <= hi; i++)
        acc += h[i - (long) n + HALF] * col[i];
      x[n * channels + c] = acc;
    }
  }
  free (col);
  return 0;
}

/* --- music-like programme ------------------------------------------------ */

/* Section gains (dB) per 4-bar phrase: intro, verse, chorus, breakdown,
 * verse, chorus, outro.  Layers: bit 0 drums, 1 bass, 2 chords, 3 hats. */
static const struct
{
  double gain_db;
  unsigned layers;
} sections[] = {
  {-8.0, 0x4 | 0x8},
  {-6.0, 0xf},
  {0.0, 0xf},
  {-18.0, 0x4},
  {-6.0, 0xf},
  {0.0, 0xf},
  {-10.0, 0x4 | 0x2},
};

#define N_SECTIONS (sizeof (sections) / sizeof (sections[0]))

/* chord roots (Hz) of a I-vi-IV-V style progression, one per bar */
static const double roots[4] = { 55.0, 46.25, 41.2, 49.0 };

int
mst_synth_music_f64 (double *x, size_t frames, unsigned channels,
    double rate, double peak_dbfs, uint64_t seed)
{
  const double beat = 0.5;      /* 120 bpm */
  const double bar = 4 * beat;
  const double phrase = 4 * bar;
  MstRng r;
  size_t n;
  unsigned c;
  double peak = 0.0, g, hat_prev = 0.0, hat_hp = 0.0;
  double zap_f = rate <= 48000.0 ? rate / 4.0 : 12000.0;

  if (!x || channels == 0 || rate <= 0.0)
    return -1;

  mst_rng_seed (&r, seed);

  for (n = 0; n < frames; n++) {
    double t = (double) n / rate;
    size_t sec = (size_t) (t / phrase) % N_SECTIONS;
    double sg = pow (10.0, sections[sec].gain_db / 20.0);
    unsigned layers = sections[sec].layers;
    double tb = fmod (t, beat); /* time in beat */
    int beat_i = (int) (fmod (t, bar) / beat);
    int bar_i = (int) (t / bar) % 4;
    double root = roots[bar_i];
    double mid = 0.0, side = 0.0, left = 0.0, right = 0.0;
    double noise = mst_rng_uniform (&r);

    if (layers & 0x1) {
      /* kick on beats 0 and 2: pitch sweep 150 -> 45 Hz with a click; the
       * loud low body sets the sample peaks, as in a real premaster */
      if (beat_i == 0 || beat_i == 2) {
        double ph = 2.0 * M_PI * (45.0 * tb + 105.0 * 0.03 *
            (1.0 - exp (-tb / 0.03)));
        mid += 1.7 * sin (ph) * exp (-tb / 0.18);
        if (tb < 0.002)
          mid += 0.5 * noise * (1.0 - tb / 0.002);
      }
      /* snare on beats 1 and 3: noise burst plus a 190 Hz body */
      if (beat_i == 1 || beat_i == 3) {
        double e = exp (-tb / 0.07);
        mid += 0.45 * noise * e + 0.35 * sin (2.0 * M_PI * 190.0 * tb) *
            exp (-tb / 0.05);
        side += 0.08 * noise * e;
      }
    }

    if (layers & 0x8) {
      /* hi-hat every eighth: differentiated noise, fast decay, panned */
      double t8 = fmod (t, beat / 2.0);
      double hp = noise - hat_prev;
      hat_prev = noise;
      hat_hp = hp * 0.3 * exp (-t8 / 0.03);
      left += 0.4 * hat_hp;
      right += 0.9 * hat_hp;
    }

    if (layers & 0x2) {
      /* bass: eighth notes on the root, a few harmonics, plucked */
      double t8 = fmod (t, beat / 2.0);
      double env = exp (-t8 / 0.25) * (1.0 - exp (-t8 / 0.004));
      double b = 0.0;
      int k;
      for (k = 1; k <= 4; k++)
        b += sin (2.0 * M_PI * root * k * t) / k;
      mid += 0.45 * env * b;
    }

    if (layers & 0x4) {
      /* sustained triad an octave and a fifth up, detuned L/R */
      static const double ratios[3] = { 4.0, 5.04, 6.0 };
      double tbar = fmod (t, bar);
      double env = 1.0 - exp (-tbar / 0.08);
      int v, k;
      for (v = 0; v < 3; v++) {
        double f = root * ratios[v];
        for (k = 1; k <= 3; k++) {
          double a = 0.06 * env / k;
          left += a * sin (2.0 * M_PI * f * k * t * 1.002);
          right += a * sin (2.0 * M_PI * f * k * t * 0.998 + 0.3);
        }
      }
    }

    /* a 5 ms bright blip in each chorus: a tone at fs/4 with 45 degree
     * phase whose peaks fall between samples: the loudest true peaks,
     * above the sample peaks, and far enough from Nyquist that every
     * true-peak meter reads them alike; too short to move the short-term
     * loudness */
    if (sections[sec].gain_db == 0.0) {
      double tp = fmod (t, phrase);
      if (tp > 6.0 && tp < 6.005) {
        double e = sin (M_PI * (tp - 6.0) / 0.005);
        double z = 3.6 * e * e * sin (2.0 * M_PI * zap_f * t + M_PI / 4.0);
        left += z;
        right += z;
      }
    }

    {
      double lv = sg * (mid + side + left);
      double rv = sg * (mid - side + right);
      for (c = 0; c < channels; c++) {
        double v;
        if (channels == 1)
          v = 0.5 * (lv + rv);
        else if (c == 0)
          v = lv;
        else if (c == 1)
          v = rv;
        else
          v = 0.3 * sg * (mid + 0.2 * mst_rng_uniform (&r)) * (c ==
              3 ? 0.5 : 1.0);
        x[n * channels + c] = v;
        if (fabs (v) > peak)
          peak = fabs (v);
      }
    }
  }

  if (peak > 0.0) {
    g = pow (10.0, peak_dbfs / 20.0) / peak;
    for (n = 0; n < frames * channels; n++)
      x[n] *= g;
  }
  return 0;
}

/* --- speech-like programme ----------------------------------------------- */

int
mst_synth_speech_f64 (double *x, size_t frames, unsigned channels,
    double rate, double peak_dbfs, double talk_s, double pause_s, uint64_t seed)
{
  MstRng r;
  size_t n;
  unsigned c;
  double peak = 0.0, g, lp = 0.0;
  double cycle = talk_s + pause_s;
  double syl_start = 0.0, syl_len = 0.2, f0 = 120.0, amp = 1.0;

  if (!x || channels == 0 || rate <= 0.0 || talk_s <= 0.0 || pause_s < 0.0)
    return -1;

  mst_rng_seed (&r, seed);

  for (n = 0; n < frames; n++) {
    double t = (double) n / rate;
    double tc = fmod (t, cycle);
    double v = 0.0;

    if (tc < talk_s) {
      double ts = t - syl_start;
      if (ts >= syl_len + 0.04 || ts < 0.0) {
        /* next syllable: 120-280 ms, its own pitch and level */
        syl_start = t;
        ts = 0.0;
        syl_len = 0.12 + 0.16 * (0.5 + 0.5 * mst_rng_uniform (&r));
        f0 = 110.0 + 40.0 * mst_rng_uniform (&r);
        amp = pow (10.0, (-4.0 + 4.0 * mst_rng_uniform (&r)) / 20.0);
      }
      if (ts < syl_len) {
        double e = sin (M_PI * ts / syl_len);
        double voiced = 0.0;
        int k;
        for (k = 1; k <= 12; k++) {
          /* a formant-like spectral tilt around 500 Hz */
          double f = f0 * k;
          double w = 1.0 / (1.0 + pow ((f - 500.0) / 400.0, 2.0));
          voiced += w * sin (2.0 * M_PI * f * t);
        }
        lp += 0.3 * (mst_rng_uniform (&r) - lp);
        v = amp * e * e * (0.5 * voiced + 0.15 * lp);
      }
    }
    /* a quiet room noise floor, 60 dB under the voice */
    v += 0.001 * mst_rng_uniform (&r);

    for (c = 0; c < channels; c++)
      x[n * channels + c] = v;
    if (fabs (v) > peak)
      peak = fabs (v);
  }

  if (peak > 0.0) {
    g = pow (10.0, peak_dbfs / 20.0) / peak;
    for (n = 0; n < frames * channels; n++)
      x[n] *= g;
  }
  return 0;
}
