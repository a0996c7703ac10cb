/* gst-mastering: dsp/limiter.c, the true-peak lookahead limiter.
 *
 * Tolerances (from the masterlimit issue):
 *   ceiling: output true peak, measured by the 16x reference meter
 *     (tests/common/refpeak.c), at most ceiling + 0.01 dB;
 *   sample-peak mode: output sample peak at most the ceiling (exact);
 *   THD of a sine pushed 6 dB into the limiter: 50 Hz < 1 %, 1 kHz < 0.3 %;
 *   no click: sample-to-sample gain step at most 1 / N (N the moving
 *     average, about the lookahead), i.e. the attack is spread over the
 *     whole lookahead;
 *   transparency and latency: bit-exact;
 *   ORC kernels against their C twins: bit-exact.
 */
#include <gst/check/gstcheck.h>

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mst.h"
#include "limiter.h"
#include "limiterorc.h"
#include "refpeak.h"
#include "synth.h"

#define CEIL_TOL_DB 0.01

static double
db (double lin)
{
  return 20.0 * log10 (lin);
}

/* Run a whole interleaved f64 signal through the limiter in blocks of
 * varying size, drain the tail, and return the output aligned with the
 * input (out[i] is input frame i processed). */
static void
run_f64 (MstLimiter * lim, unsigned nch, const double *in, double *out,
    size_t frames)
{
  unsigned lat = mst_limiter_latency (lim);
  size_t total = frames + lat, pos = 0, k = 0;
  double *buf = g_new0 (double, total * nch);
  static const size_t sizes[] = { 1, 480, 1024, 7, 4096, 333, 64 };

  memcpy (buf, in, frames * nch * sizeof (double));
  while (pos < total) {
    size_t n = sizes[k++ % G_N_ELEMENTS (sizes)];
    if (n > total - pos)
      n = total - pos;
    mst_limiter_process_f64 (lim, buf + pos * nch, buf + pos * nch, n);
    pos += n;
  }
  memcpy (out, buf + (size_t) lat * nch, frames * nch * sizeof (double));
  g_free (buf);
}

static void
run_f32 (MstLimiter * lim, unsigned nch, const float *in, float *out,
    size_t frames)
{
  unsigned lat = mst_limiter_latency (lim);
  size_t total = frames + lat, pos = 0, k = 0;
  float *buf = g_new0 (float, total * nch);
  static const size_t sizes[] = { 1024, 3, 512, 4410, 100, 1 };

  memcpy (buf, in, frames * nch * sizeof (float));
  while (pos < total) {
    size_t n = sizes[k++ % G_N_ELEMENTS (sizes)];
    if (n > total - pos)
      n = total - pos;
    mst_limiter_process_f32 (lim, buf + pos * nch, buf + pos * nch, n);
    pos += n;
  }
  memcpy (out, buf + (size_t) lat * nch, frames * nch * sizeof (float));
  g_free (buf);
}

/* Worst output true peak over channels, dB, of an f32 signal. */
static double
tp_db_f32 (const float *x, size_t frames, unsigned nch)
{
  double m = 0.0;
  unsigned c;
  for (c = 0; c < nch; c++) {
    double v = mst_refpeak_f32 (x, frames, nch, c);
    if (v > m)
      m = v;
  }
  return db (m);
}

static double
tp_db_f64 (const double *x, size_t frames, unsigned nch)
{
  double m = 0.0;
  unsigned c;
  for (c = 0; c < nch; c++) {
    double v = mst_refpeak_f64 (x, frames, nch, c);
    if (v > m)
      m = v;
  }
  return db (m);
}

/* ------------------------------------------------------------------------ */
/* The signals of the issue, stereo, `frames` long. */

enum
{
  SIG_SINE_FS4,                 /* full scale at fs/4, 45 degrees: +3 dB ISP */
  SIG_SINE_997,                 /* 997 Hz, ceiling + 12 dB */
  SIG_SINE_50,                  /* 50 Hz, ceiling + 12 dB */
  SIG_SQUARE,                   /* naive 1 kHz square, ceiling + 12 dB */
  SIG_IMPULSES,                 /* single-sample impulses, ceiling + 12 dB */
  SIG_NOISE,                    /* white noise, peaks ceiling + 20 dB */
  SIG_DRUMS,                    /* synthetic drum loop, ceiling + 15 dB */
  SIG_HF_TONES,                 /* tones near 0.45 fs, ceiling + 12 dB */
  SIG_N
};

static const char *sig_names[SIG_N] = {
  "sine fs/4 45deg", "sine 997 Hz +12", "sine 50 Hz +12", "square +12",
  "impulses +12", "noise +20", "drums +15", "tones 0.45fs +12"
};

static void
make_signal (int sig, double *x, size_t frames, double rate, double ceil_db,
    uint64_t seed)
{
  double over = 0.0;
  size_t i;
  unsigned c;

  memset (x, 0, frames * 2 * sizeof (double));
  switch (sig) {
    case SIG_SINE_FS4:
      mst_synth_sine_f64 (x, frames, 2, 3, rate, rate / 4.0, 1.0,
          M_PI / 4.0, 0);
      return;
    case SIG_SINE_997:
      over = 12.0;
      mst_synth_sine_f64 (x, frames, 2, 3, rate, 997.0, 1.0, 0.3, 0);
      break;
    case SIG_SINE_50:
      over = 12.0;
      mst_synth_sine_f64 (x, frames, 2, 3, rate, 50.0, 1.0, 0.0, 0);
      break;
    case SIG_SQUARE:
      over = 12.0;
      for (i = 0; i < frames; i++) {
        double ph = fmod ((double) i * 1000.0 / rate, 1.0);
        x[2 * i] = x[2 * i + 1] = ph < 0.5 ? 1.0 : -1.0;
      }
      break;
    case SIG_IMPULSES:
      over = 12.0;
      for (i = 0; i < frames; i += (size_t) (rate / 10.0) + 17) {
        x[2 * i] = (i / 7) & 1 ? 1.0 : -1.0;
        if (i + 3 < frames)
          x[2 * (i + 3) + 1] = 1.0;
      }
      break;
    case SIG_NOISE:
      over = 20.0;
      mst_synth_noise_f64 (x, frames, 2, 3, 1.0 / sqrt (3.0), seed);
      break;
    case SIG_DRUMS:
      mst_synth_music_f64 (x, frames, 2, rate, ceil_db + 15.0, seed);
      return;
    case SIG_HF_TONES:
      over = 12.0;
      mst_synth_sine_f64 (x, frames, 2, 1, rate, 0.45 * rate, 0.6, 0.1, 0);
      mst_synth_sine_f64 (x, frames, 2, 1, rate, 0.43 * rate, 0.4, 1.0, 1);
      mst_synth_sine_f64 (x, frames, 2, 2, rate, 0.447 * rate, 1.0, 2.0, 0);
      break;
    default:
      g_assert_not_reached ();
  }
  {
    double g = mst_db_to_lin (ceil_db + over);
    for (i = 0; i < frames; i++)
      for (c = 0; c < 2; c++)
        x[2 * i + c] *= g;
  }
}

/* Limit with the defaults and the given ceiling; returns the output true
 * peak minus the ceiling, dB. */
static double
overshoot_f32 (int sig, unsigned rate, double ceil_db, double secs,
    uint64_t seed)
{
  size_t frames = (size_t) (secs * rate);
  double *x = g_new (double, frames * 2);
  float *xf = g_new (float, frames * 2);
  float *y = g_new (float, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, 5.0);
  double o;

  fail_unless (lim != NULL);
  mst_limiter_set_ceiling (lim, ceil_db);
  make_signal (sig, x, frames, rate, ceil_db, seed);
  mst_synth_to_f32 (xf, x, frames * 2);
  run_f32 (lim, 2, xf, y, frames);
  o = tp_db_f32 (y, frames, 2) - ceil_db;
  mst_limiter_free (lim);
  g_free (x);
  g_free (xf);
  g_free (y);
  return o;
}

GST_START_TEST (test_ceiling_holds)
{
  static const unsigned rates[] = { 44100, 48000, 96000 };
  static const double ceils[] = { 0.0, -1.0, -6.0 };
  double worst = -100.0;
  unsigned r, k;
  int s;

  for (s = 0; s < SIG_N; s++) {
    double worst_sig = -100.0;
    for (r = 0; r < G_N_ELEMENTS (rates); r++)
      for (k = 0; k < G_N_ELEMENTS (ceils); k++) {
        double o = overshoot_f32 (s, rates[r], ceils[k], 0.6, 11 + k);
        fail_unless (o <= CEIL_TOL_DB,
            "%s at %u Hz, ceiling %.0f dBTP: output true peak %+.4f dB "
            "over the ceiling", sig_names[s], rates[r], ceils[k], o);
        if (o > worst_sig)
          worst_sig = o;
      }
    GST_INFO ("%-18s worst output true peak vs ceiling %+.4f dB",
        sig_names[s], worst_sig);
    if (worst_sig > worst)
      worst = worst_sig;
  }
  GST_INFO ("worst of all: %+.4f dB", worst);
  /* the limiter must actually reach the ceiling, not hide far below */
  fail_unless (worst > -0.2, "never came closer than %.3f dB", worst);
}

GST_END_TEST;

/* Random music and noise at more rates and seeds, F64 path, 1 and 6
 * channels as well. */
GST_START_TEST (test_ceiling_random)
{
  static const unsigned rates[] = { 8000, 22050, 32000, 44100, 48000,
    88200, 96000, 192000
  };
  unsigned r, seed;
  double worst = -100.0;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    for (seed = 1; seed <= 3; seed++) {
      unsigned rate = rates[r];
      size_t frames = rate / 2;
      unsigned nch = seed == 3 ? 6 : seed == 2 ? 1 : 2;
      double *x = g_new (double, frames * 6);
      double *y = g_new (double, frames * 6);
      MstLimiter *lim = mst_limiter_new (rate, nch, 1.0 + 4.0 * seed);
      double ceil_db = -0.3 * seed, o;
      MstRng rng;
      size_t i;

      fail_unless (lim != NULL);
      mst_limiter_set_ceiling (lim, ceil_db);
      mst_limiter_set_release (lim, 20.0 * seed);
      mst_limiter_set_auto_release (lim, seed != 2);
      mst_rng_seed (&rng, seed * 977 + r);
      if (nch == 6) {
        for (i = 0; i < frames * 6; i++)
          x[i] = 3.0 * mst_rng_gauss (&rng);
      } else {
        double *m = g_new (double, frames * 2);
        mst_synth_music_f64 (m, frames, 2, rate, 12.0 + seed, seed);
        for (i = 0; i < frames; i++) {
          if (nch == 1) {
            x[i] = m[2 * i] + 0.2 * mst_rng_uniform (&rng);
          } else {
            x[2 * i] = m[2 * i] + 0.5 * mst_rng_uniform (&rng);
            x[2 * i + 1] = m[2 * i + 1];
          }
        }
        g_free (m);
      }
      run_f64 (lim, nch, x, y, frames);
      o = tp_db_f64 (y, frames, nch) - ceil_db;
      fail_unless (o <= CEIL_TOL_DB, "random %u ch at %u Hz: %+.4f dB over",
          nch, rate, o);
      if (o > worst)
        worst = o;
      mst_limiter_free (lim);
      g_free (x);
      g_free (y);
    }
  }
  GST_INFO ("random signals: worst output true peak vs ceiling %+.4f dB",
      worst);
}

GST_END_TEST;

/* Sample-peak mode: the sample peaks never exceed the ceiling at all. */
GST_START_TEST (test_sample_peak_mode)
{
  unsigned rate = 48000;
  size_t frames = rate, i;
  double *x = g_new (double, frames * 2);
  double *y = g_new (double, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, 5.0);
  double c = mst_db_to_lin (-3.0), m = 0.0;

  mst_limiter_set_ceiling (lim, -3.0);
  mst_limiter_set_true_peak (lim, 0);
  make_signal (SIG_DRUMS, x, frames, rate, -3.0, 5);
  run_f64 (lim, 2, x, y, frames);
  for (i = 0; i < frames * 2; i++)
    if (fabs (y[i]) > m)
      m = fabs (y[i]);
  fail_unless (m <= c, "sample peak %.9f over ceiling %.9f", m, c);
  fail_unless (m > c * 0.97, "sample peak %.4f never reached", m);
  /* the true peak of a sample-peak limited signal may exceed the
   * ceiling: that is the mode's documented limitation, and it shows
   * that true-peak detection is doing the work elsewhere */
  GST_INFO ("sample-peak mode: true peak %+.3f dB vs ceiling",
      tp_db_f64 (y, frames, 2) + 3.0);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Switching true peak off and on, and link 1 -> 0 -> 1, mid-stream keeps
 * the ceiling. */
GST_START_TEST (test_switching)
{
  unsigned rate = 44100;
  size_t frames = rate * 2, pos = 0, step = 4410;
  unsigned lat;
  double *x = g_new (double, frames * 2);
  double *buf;
  MstLimiter *lim = mst_limiter_new (rate, 2, 3.0);
  int k = 0;
  double o;

  lat = mst_limiter_latency (lim);
  buf = g_new0 (double, (frames + lat) * 2);
  make_signal (SIG_NOISE, x, frames, rate, -1.0, 3);
  /* make the channels different so unlinked gains differ */
  for (size_t i = 0; i < frames; i++)
    x[2 * i + 1] *= 0.3;
  memcpy (buf, x, frames * 2 * sizeof (double));
  while (pos < frames + lat) {
    size_t n = MIN (step, frames + lat - pos);
    mst_limiter_set_true_peak (lim, k % 3 != 1);
    mst_limiter_set_link (lim, k % 4 == 2 ? 0.0 : k % 4 == 3 ? 0.5 : 1.0);
    mst_limiter_process_f64 (lim, buf + pos * 2, buf + pos * 2, n);
    pos += n;
    k++;
  }
  /* only the true-peak-on stretches are bound by the true ceiling; the
   * sample peak bound holds everywhere */
  o = 0.0;
  for (size_t i = 0; i < frames * 2; i++)
    o = MAX (o, fabs (buf[lat * 2 + i]));
  fail_unless (db (o) <= -1.0 + 1e-9, "sample peak %+.4f dB", db (o));
  /* segment 0 (true peak on, linked): true peak within tolerance */
  o = db (mst_refpeak_range_f64 (buf + lat * 2, frames, 2, 0, 0,
          (long) step - 64));
  fail_unless (o <= -1.0 + CEIL_TOL_DB, "%+.4f dB", o + 1.0);
  /* segment 2 and 3 (on again after off; unlinked): true peak holds */
  o = db (mst_refpeak_range_f64 (buf + lat * 2, frames, 2, 0,
          2 * (long) step, 4 * (long) step));
  fail_unless (o <= -1.0 + CEIL_TOL_DB, "%+.4f dB", o + 1.0);
  o = db (mst_refpeak_range_f64 (buf + lat * 2, frames, 2, 1,
          2 * (long) step, 4 * (long) step));
  fail_unless (o <= -1.0 + CEIL_TOL_DB, "%+.4f dB", o + 1.0);
  /* back to linked (segment 4, 5): holds through the switch */
  o = db (mst_refpeak_range_f64 (buf + lat * 2, frames, 2, 1,
          4 * (long) step, 6 * (long) step));
  fail_unless (o <= -1.0 + CEIL_TOL_DB, "%+.4f dB", o + 1.0);
  mst_limiter_free (lim);
  g_free (x);
  g_free (buf);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

/* THD of channel 0 of y (frames long, after `skip`) for a tone of freq:
 * sqrt (sum of harmonics 2..15 power) / fundamental, by a DFT over an
 * integer number of periods. */
static double
thd (const double *y, unsigned nch, size_t skip, size_t frames, double rate,
    double freq)
{
  size_t period = (size_t) (rate / freq + 0.5);
  size_t len = (frames - skip) / period * period, i;
  double p1 = 0.0, ph = 0.0;
  int h;

  for (h = 1; h <= 15; h++) {
    double re = 0.0, im = 0.0, w = 2.0 * M_PI * freq * h / rate, p;
    if (freq * h >= rate / 2)
      break;
    for (i = 0; i < len; i++) {
      re += y[(skip + i) * nch] * cos (w * (double) i);
      im += y[(skip + i) * nch] * sin (w * (double) i);
    }
    p = re * re + im * im;
    if (h == 1)
      p1 = p;
    else
      ph += p;
  }
  return sqrt (ph / p1);
}

static double
thd_pushed (double freq, int auto_release, double release)
{
  unsigned rate = 48000;
  size_t frames = rate * 3;
  double *x = g_new (double, frames);
  double *y = g_new (double, frames);
  MstLimiter *lim = mst_limiter_new (rate, 1, 5.0);
  double v;

  mst_limiter_set_ceiling (lim, -1.0);
  mst_limiter_set_auto_release (lim, auto_release);
  mst_limiter_set_release (lim, release);
  mst_synth_sine_f64 (x, frames, 1, 1, rate, freq,
      mst_db_to_lin (-1.0 + 6.0), 0.0, 0);
  run_f64 (lim, 1, x, y, frames);
  v = thd (y, 1, rate, frames, rate, freq);
  /* it must really be limiting: output true peak at the ceiling */
  {
    double o = db (mst_refpeak_range_f64 (y, frames, 1, 0, rate, frames))
        + 1.0;
    fail_unless (o <= CEIL_TOL_DB && o > -0.1, "%.0f Hz output peak %+.3f "
        "dB vs ceiling", freq, o);
  }
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
  return v;
}

GST_START_TEST (test_thd)
{
  double t50 = thd_pushed (50.0, 1, 150.0);
  double t1k = thd_pushed (1000.0, 1, 150.0);
  double t50f = thd_pushed (50.0, 0, 150.0);

  GST_INFO ("THD pushed 6 dB: 50 Hz %.4f %%, 1 kHz %.4f %%, 50 Hz with "
      "fixed 150 ms release %.4f %%", 100 * t50, 100 * t1k, 100 * t50f);
  fail_unless (t50 < 0.01, "50 Hz THD %.3f %%", 100 * t50);
  fail_unless (t1k < 0.003, "1 kHz THD %.3f %%", 100 * t1k);
  fail_unless (t50f < 0.01, "50 Hz THD, fixed release %.3f %%", 100 * t50f);
}

GST_END_TEST;

/* A transient on a steady (DC) bed: the gain, y / x on the bed, moves by
 * at most 1 / N per sample (the attack spread over the lookahead). */
GST_START_TEST (test_no_clicks)
{
  unsigned rate = 48000;
  size_t frames = rate, i, burst = rate / 2;
  double *x = g_new (double, frames);
  double *y = g_new (double, frames);
  MstLimiter *lim = mst_limiter_new (rate, 1, 5.0);
  double prev = 1.0, jump = 0.0, gmin = 1.0;
  /* N = lookahead + 1 - edge frames: at least 240 - 4 at 5 ms */
  double bound = 1.0 / 236.0;

  for (i = 0; i < frames; i++)
    x[i] = 0.25;
  /* a 2 ms click 20 dB above the ceiling riding on the bed */
  for (i = burst; i < burst + 96; i++)
    x[i] += 8.0 * sin (2.0 * M_PI * 3000.0 * (double) (i - burst) / rate);
  run_f64 (lim, 1, x, y, frames);
  for (i = 1; i < frames; i++) {
    double g;
    if (i >= burst && i < burst + 96)
      continue;
    g = y[i] / x[i];
    if (i > 1 && fabs (g - prev) > jump && !(i - 1 >= burst && i - 1 <
            burst + 96))
      jump = fabs (g - prev);
    if (g < gmin)
      gmin = g;
    prev = g;
  }
  GST_INFO ("click test: gain min %.4f, largest step %.6f (bound %.6f)",
      gmin, jump, bound);
  fail_unless (gmin < 0.2, "the transient was not limited (gain %.3f)", gmin);
  fail_unless (jump <= bound, "gain step %.6f > %.6f", jump, bound);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Release: auto release recovers faster after a short transient than
 * after sustained limiting; a fixed release recovers at its rate. */
static double
recovery_ms (int auto_release, double sustain_s)
{
  unsigned rate = 48000;
  size_t frames = (size_t) ((sustain_s + 2.0) * rate), i, end;
  double *x = g_new (double, frames);
  double *y = g_new (double, frames);
  MstLimiter *lim = mst_limiter_new (rate, 1, 5.0);
  double t = -1.0;

  mst_limiter_set_auto_release (lim, auto_release);
  end = (size_t) (sustain_s * rate) + rate / 10;
  for (i = 0; i < frames; i++)
    x[i] = 0.1 * sin (2.0 * M_PI * 200.0 * (double) i / rate);
  for (i = rate / 10; i < end; i++)
    x[i] *= 40.0;
  run_f64 (lim, 1, x, y, frames);
  /* time from the end of the loud part until the gain (on the 200 Hz
   * peaks, measured per period) is within 1 dB of unity */
  for (i = end; i + 240 < frames; i += 240) {
    double m = 0.0;
    size_t k;
    for (k = 0; k < 240; k++)
      m = MAX (m, fabs (y[i + k]));
    if (m >= 0.1 * mst_db_to_lin (-1.0)) {
      t = (double) (i - end) * 1000.0 / rate;
      break;
    }
  }
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
  return t;
}

GST_START_TEST (test_release)
{
  double fast = recovery_ms (1, 0.005);
  double slow = recovery_ms (1, 3.0);
  double fixed = recovery_ms (0, 0.005);

  GST_INFO ("recovery to -1 dB: auto after 5 ms %.0f ms, after 3 s %.0f ms;"
      " fixed 150 ms release %.0f ms", fast, slow, fixed);
  fail_unless (fast > 0 && slow > 0 && fixed > 0);
  fail_unless (slow > 2.0 * fast, "auto release not program dependent");
  /* fixed 150 ms one-pole from gain 0.22 back to -1 dB:
   * ln (0.78 / 0.11) = 1.96 tau = 294 ms, plus the lookahead ramp */
  fail_unless (fixed > 250.0 && fixed < 400.0, "fixed release %.0f ms", fixed);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

/* 20 dB below the ceiling the output is the input delayed, bit-exact,
 * F32 and F64, including denormals and every channel count. */
GST_START_TEST (test_transparency)
{
  unsigned rates[] = { 44100, 96000 }, r, nch;

  for (r = 0; r < 2; r++) {
    for (nch = 1; nch <= 8; nch++) {
      unsigned rate = rates[r];
      size_t frames = rate / 2, i;
      double *x = g_new (double, frames * 8);
      double *y = g_new (double, frames * 8);
      float *xf = g_new (float, frames * 8);
      float *yf = g_new (float, frames * 8);
      MstLimiter *lim = mst_limiter_new (rate, nch, 5.0);
      MstLimiterStats st;

      mst_synth_music_f64 (x, frames, 1, rate, -1.0 - 20.0 - 3.0, nch);
      for (i = frames; i-- > 0;) {
        unsigned c;
        for (c = 0; c < nch; c++)
          x[i * nch + c] = x[i] * (1.0 - 0.1 * c);
      }
      /* the music peak is -24 dBFS, its true peak < -21 dBTP */
      x[100 * nch] = 1e-310;
      mst_synth_to_f32 (xf, x, frames * nch);
      xf[200 * nch] = 1e-40f;
      run_f64 (lim, nch, x, y, frames);
      fail_unless (memcmp (x, y, frames * nch * sizeof (double)) == 0,
          "f64 %u ch not bit-exact", nch);
      mst_limiter_take_stats (lim, &st);
      fail_unless (st.gain_min == 1.0);
      mst_limiter_reset (lim);
      run_f32 (lim, nch, xf, yf, frames);
      fail_unless (memcmp (xf, yf, frames * nch * sizeof (float)) == 0,
          "f32 %u ch not bit-exact", nch);
      mst_limiter_free (lim);
      g_free (x);
      g_free (y);
      g_free (xf);
      g_free (yf);
    }
  }
}

GST_END_TEST;

/* Latency: a small impulse comes out exactly latency frames later, and
 * the latency is lookahead + 16 frames of interpolation delay. */
GST_START_TEST (test_latency)
{
  static const unsigned rates[] = { 8000, 44100, 48000, 96000, 384000 };
  static const double la[] = { 1.0, 5.0, 20.0 };
  unsigned r, k;

  for (r = 0; r < G_N_ELEMENTS (rates); r++)
    for (k = 0; k < G_N_ELEMENTS (la); k++) {
      MstLimiter *lim = mst_limiter_new (rates[r], 1, la[k]);
      unsigned lat = mst_limiter_latency (lim);
      size_t n = lat + 100, i, found = 0;
      float *b = g_new0 (float, n);
      int hits = 0;

      fail_unless_equals_int (lat,
          (unsigned) floor (la[k] * rates[r] / 1000.0 + 0.5) + 31);
      b[10] = 0.5f;
      for (i = 0; i < n; i++)
        mst_limiter_process_f32 (lim, b + i, b + i, 1);
      for (i = 0; i < n; i++)
        if (b[i] != 0.0f) {
          found = i;
          hits++;
        }
      fail_unless_equals_int (hits, 1);
      fail_unless_equals_int (found, 10 + lat);
      fail_unless (b[found] == 0.5f);
      mst_limiter_free (lim);
      g_free (b);
    }
}

GST_END_TEST;

/* NaN / Inf never poison the detector or the gain; silence keeps unity
 * gain. */
GST_START_TEST (test_nonfinite)
{
  unsigned rate = 48000;
  size_t frames = rate / 2, i;
  float *x = g_new (float, frames * 2);
  float *y = g_new (float, frames * 2);
  double *xd = g_new (double, frames * 2);
  double *yd = g_new (double, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, 5.0);
  MstLimiterStats st;

  for (i = 0; i < frames * 2; i++)
    x[i] = 0.05f * (float) sin (0.01 * (double) i);
  x[1000] = NAN;
  x[1001] = INFINITY;
  x[3001] = -INFINITY;
  run_f32 (lim, 2, x, y, frames);
  for (i = 0; i < frames * 2; i++) {
    fail_unless (isfinite (y[i]));
    if (i != 1000 && i != 1001 && i != 3001)
      fail_unless (y[i] == x[i], "sample %u changed", (unsigned) i);
    else
      fail_unless (y[i] == 0.0f);
  }
  mst_limiter_take_stats (lim, &st);
  fail_unless_equals_int ((int) st.nonfinite, 3);
  fail_unless (st.gain_min == 1.0);

  /* F64 with input gain: NaN is replaced, no state poisoned */
  mst_limiter_reset (lim);
  mst_limiter_set_input_gain (lim, 6.0);
  for (i = 0; i < frames * 2; i++)
    xd[i] = i == 5000 ? NAN : 0.0;
  run_f64 (lim, 2, xd, yd, frames);
  for (i = 0; i < frames * 2; i++)
    fail_unless (yd[i] == 0.0);
  mst_limiter_take_stats (lim, &st);
  fail_unless (st.gain == 1.0 && st.gain_min == 1.0);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
  g_free (xd);
  g_free (yd);
}

GST_END_TEST;

/* Link: with link 0 a quiet channel is untouched while the loud one is
 * limited; with link 1 both get the same gain (image kept). */
GST_START_TEST (test_link)
{
  unsigned rate = 48000;
  size_t frames = rate / 2, i;
  double *x = g_new (double, frames * 2);
  double *y = g_new (double, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, 5.0);

  for (i = 0; i < frames; i++) {
    x[2 * i] = 2.0 * sin (2.0 * M_PI * 440.0 * (double) i / rate);
    x[2 * i + 1] = 0.1 * sin (2.0 * M_PI * 660.0 * (double) i / rate);
  }
  mst_limiter_set_link (lim, 0.0);
  run_f64 (lim, 2, x, y, frames);
  for (i = 0; i < frames; i++)
    fail_unless (y[2 * i + 1] == x[2 * i + 1]);
  fail_unless (db (mst_refpeak_f64 (y, frames, 2, 0)) <= -1.0 + CEIL_TOL_DB);

  mst_limiter_reset (lim);
  mst_limiter_set_link (lim, 1.0);
  run_f64 (lim, 2, x, y, frames);
  for (i = frames / 2; i < frames; i++) {
    if (fabs (x[2 * i]) > 0.5 && fabs (x[2 * i + 1]) > 0.05) {
      double gl = y[2 * i] / x[2 * i], gr = y[2 * i + 1] / x[2 * i + 1];
      fail_unless (fabs (gl - gr) < 1e-12, "gains %g %g", gl, gr);
      fail_unless (gl < 0.5);
    }
  }
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Input gain: applied, and a change glides (no zipper step). */
GST_START_TEST (test_input_gain)
{
  unsigned rate = 48000;
  size_t frames = rate / 2, half = frames / 2, i;
  double *x = g_new (double, frames);
  double *y = g_new (double, frames);
  MstLimiter *lim = mst_limiter_new (rate, 1, 5.0);
  unsigned lat = mst_limiter_latency (lim);
  double step = 0.0;

  for (i = 0; i < frames; i++)
    x[i] = 0.01;
  mst_limiter_set_input_gain (lim, -6.0);
  mst_limiter_process_f64 (lim, x, y, half);
  mst_limiter_set_input_gain (lim, 12.0);
  mst_limiter_process_f64 (lim, x + half, y + half, frames - half);
  fail_unless (fabs (y[half - 1] - 0.01 * mst_db_to_lin (-6.0)) < 1e-12);
  fail_unless (fabs (y[frames - 1] - 0.01 * mst_db_to_lin (12.0)) < 1e-9);
  for (i = lat + 1; i < frames; i++)
    step = MAX (step, fabs (y[i] - y[i - 1]));
  /* 0.02 of change spread over a 10 ms glide: steps of ~0.02 / 480 */
  fail_unless (step < 0.0001, "input gain step %g", step);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Extreme input (the Robustness issue): the ceiling holds for any finite
 * input, after the input gain up to FLT_MAX (F64 beyond it too), and the
 * statistics stay sane. */

enum
{
  EXT_SPRINKLED,                /* music with huge samples sprinkled in */
  EXT_DC,                       /* music interrupted by huge DC */
  EXT_NYQUIST,                  /* ... by a huge full swing at fs / 2 */
  EXT_BURSTS,                   /* bursts of huge noise (link 0.3) */
  EXT_SPIKES,                   /* single huge samples on one channel */
  EXT_TONE,                     /* ... by a huge tone at 0.45 fs */
  EXT_N
};

static void
make_extreme (int kind, double huge, double *x, size_t frames, unsigned nch,
    unsigned rate, uint64_t seed)
{
  double *m = g_new (double, frames * 2);
  MstRng r;
  size_t i;
  unsigned c;

  mst_rng_seed (&r, seed);
  mst_synth_music_f64 (m, frames, 2, rate, -3.0, seed);
  for (i = 0; i < frames; i++) {
    gboolean mid = i > frames / 4 && i < frames / 2;
    for (c = 0; c < nch; c++) {
      double v = m[2 * i + (c & 1)], u = mst_rng_uniform (&r);
      switch (kind) {
        case EXT_SPRINKLED:
          if (u > 0.999)
            v = u > 0.9995 ? huge : -huge;
          break;
        case EXT_DC:
          if (mid)
            v = huge;
          break;
        case EXT_NYQUIST:
          if (mid)
            v = (i & 1) ? huge : -huge;
          break;
        case EXT_BURSTS:
          if ((i / (rate / 20)) % 4 == 1)
            v = huge * mst_rng_uniform (&r);
          break;
        case EXT_SPIKES:
          if (i % (rate / 7) == 100 && c == 0)
            v = huge;
          break;
        default:
          if (mid)
            v = huge * sin (2.0 * M_PI * 0.45 * (double) i + c);
          break;
      }
      x[i * nch + c] = v;
    }
  }
  g_free (m);
}

GST_START_TEST (test_extreme_input)
{
  static const unsigned rates[] = { 44100, 384000 };
  static const double huges[] = { 1e10, FLT_MAX };
  static const double ceils[] = { -24.0, -14.3, -1.0, 0.0 };
  double worst = -100.0, worst_stat = -100.0;
  unsigned ri, hi, f64, tp;
  int kind;

  for (ri = 0; ri < G_N_ELEMENTS (rates); ri++)
    for (kind = 0; kind < EXT_N; kind++)
      for (hi = 0; hi < G_N_ELEMENTS (huges); hi++)
        for (f64 = 0; f64 < 2; f64++)
          for (tp = 0; tp < 2; tp++) {
            unsigned rate = rates[ri], nch = 1 + (kind + hi) % 5, c, lat;
            double ceil_db = ceils[(kind + hi + tp) % 4];
            double cl = mst_db_to_lin (ceil_db), sp = 0.0, o = 0.0;
            size_t frames = rate / 4, total, i;
            MstLimiter *lim = mst_limiter_new (rate, nch, 2.0 + 5.0 * hi);
            MstLimiterStats st;
            double *x, *y;

            mst_limiter_set_ceiling (lim, ceil_db);
            mst_limiter_set_true_peak (lim, tp);
            /* the largest input gain on 1e10: 6.3e11 */
            if (hi == 0)
              mst_limiter_set_input_gain (lim, MST_LIMITER_INPUT_GAIN_MAX);
            if (kind == EXT_BURSTS)
              mst_limiter_set_link (lim, 0.3);
            lat = mst_limiter_latency (lim);
            total = frames + lat;
            x = g_new0 (double, total * nch);
            y = g_new0 (double, total * nch);
            make_extreme (kind, huges[hi], x, frames, nch, rate, 3 + kind);
            if (f64) {
              /* F64 beyond the float range */
              for (i = 0; i < frames * nch && hi == 1; i++)
                if (fabs (x[i]) >= FLT_MAX)
                  x[i] *= 1e100;
              run_f64 (lim, nch, x, y, frames);
            } else {
              float *xf = g_new0 (float, total * nch);
              float *yf = g_new0 (float, total * nch);
              mst_synth_to_f32 (xf, x, frames * nch);
              run_f32 (lim, nch, xf, yf, frames);
              for (i = 0; i < frames * nch; i++)
                y[i] = yf[i];
              g_free (xf);
              g_free (yf);
            }
            mst_limiter_take_stats (lim, &st);
            for (i = 0; i < frames * nch; i++) {
              fail_unless (isfinite (y[i]));
              sp = MAX (sp, fabs (y[i]));
            }
            for (c = 0; c < nch && tp; c++)
              o = MAX (o, mst_refpeak_f64 (y, frames, nch, c));
            o = db (tp ? o : sp) - ceil_db;
            fail_unless (tp ? o <= CEIL_TOL_DB : sp <= cl,
                "kind %d, %g, %u Hz, %u ch, %s, true peak %d, ceiling "
                "%.1f: output peak %+.4f dB over", kind, huges[hi], rate,
                nch, f64 ? "F64" : "F32", tp, ceil_db, o);
            fail_unless (isfinite (st.input_peak) && st.input_peak > cl);
            fail_unless (st.output_peak <= cl, "statistics: output peak "
                "%+.4f dB over the ceiling", db (st.output_peak / cl));
            worst = MAX (worst, o);
            worst_stat = MAX (worst_stat, db (st.output_peak / cl));
            mst_limiter_free (lim);
            g_free (x);
            g_free (y);
          }
  GST_INFO ("extreme input: worst output peak vs ceiling %+.4f dB, "
      "statistics %+.4f dB", worst, worst_stat);
}

GST_END_TEST;

/* Link 0: the output peak estimate is per channel (a quiet channel's
 * unity gain never meets the loud channel's peak). */
GST_START_TEST (test_stats_unlinked)
{
  unsigned rate = 48000;
  size_t frames = rate / 2, i;
  double *x = g_new (double, frames * 2);
  double *y = g_new (double, frames * 2);
  MstLimiter *lim = mst_limiter_new (rate, 2, 5.0);
  double cl = mst_db_to_lin (-1.0);
  MstLimiterStats st;

  mst_limiter_set_link (lim, 0.0);
  for (i = 0; i < frames; i++) {
    x[2 * i] = 4.0 * sin (2.0 * M_PI * 440.0 * (double) i / rate);
    x[2 * i + 1] = 0.01 * sin (2.0 * M_PI * 660.0 * (double) i / rate);
  }
  run_f64 (lim, 2, x, y, frames);
  mst_limiter_take_stats (lim, &st);
  fail_unless (st.input_peak > 3.9, "input peak %g", st.input_peak);
  fail_unless (st.output_peak <= cl && st.output_peak > 0.9 * cl,
      "output peak %g, ceiling %g", st.output_peak, cl);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Detector only and envelope mode (loudnorm's file mode). */

/* Runs `frames` frames (+ the latency of silence) of x through
 * process_env with the envelope of detect (the same stream at unity
 * gain) scaled by g, the input being g * x, and through process on
 * g * x; the outputs, aligned, into ye and yp. */
static void
env_vs_process (unsigned rate, unsigned nch, gboolean tp, gboolean f64,
    const double *x, size_t frames, double g, double *ye, double *yp)
{
  MstLimiter *ld = mst_limiter_new (rate, nch, 5.0);
  MstLimiter *le = mst_limiter_new (rate, nch, 5.0);
  MstLimiter *lp = mst_limiter_new (rate, nch, 5.0);
  unsigned lat = mst_limiter_latency (ld);
  size_t total = frames + lat, pos = 0, k = 0, i;
  static const size_t sizes[] = { 4096, 1, 333, 1024, 7, 480 };
  double *xd = g_new0 (double, total * nch), *bd = NULL, *pd = NULL;
  float *xf = NULL, *bf = NULL, *pf = NULL;
  float *env = g_new (float, total);

  memcpy (xd, x, frames * nch * sizeof (double));
  if (f64) {
    bd = g_new (double, total * nch);
    pd = g_new (double, total * nch);
    for (i = 0; i < total * nch; i++)
      bd[i] = pd[i] = g * xd[i];
  } else {
    xf = g_new (float, total * nch);
    bf = g_new (float, total * nch);
    pf = g_new (float, total * nch);
    mst_synth_to_f32 (xf, xd, total * nch);
    for (i = 0; i < total * nch; i++)
      bf[i] = pf[i] = (float) (g * xf[i]);
  }
  mst_limiter_set_true_peak (ld, tp);
  mst_limiter_set_true_peak (le, tp);
  mst_limiter_set_true_peak (lp, tp);
  /* the envelope in blocks of another size than the processing */
  while (pos < total) {
    size_t n = MIN (sizes[k++ % G_N_ELEMENTS (sizes)] + 100, total - pos);
    if (f64)
      mst_limiter_detect_f64 (ld, xd + pos * nch, n, env + pos);
    else
      mst_limiter_detect_f32 (ld, xf + pos * nch, n, env + pos);
    pos += n;
  }
  for (pos = 0, k = 0; pos < total; pos += MIN (sizes[k], total - pos),
      k = (k + 1) % G_N_ELEMENTS (sizes)) {
    size_t n = MIN (sizes[k], total - pos);
    if (f64) {
      mst_limiter_process_env_f64 (le, bd + pos * nch, bd + pos * nch, n,
          env + pos, g);
      mst_limiter_process_f64 (lp, pd + pos * nch, pd + pos * nch, n);
    } else {
      mst_limiter_process_env_f32 (le, bf + pos * nch, bf + pos * nch, n,
          env + pos, g);
      mst_limiter_process_f32 (lp, pf + pos * nch, pf + pos * nch, n);
    }
  }
  for (i = 0; i < frames * nch; i++) {
    ye[i] = f64 ? bd[lat * nch + i] : bf[lat * nch + i];
    yp[i] = f64 ? pd[lat * nch + i] : pf[lat * nch + i];
  }
  mst_limiter_free (ld);
  mst_limiter_free (le);
  mst_limiter_free (lp);
  g_free (xd);
  g_free (bd);
  g_free (pd);
  g_free (xf);
  g_free (bf);
  g_free (pf);
  g_free (env);
}

/* Music driven 6 and 12 dB into the limiter: process_env with the
 * envelope of the unity-gain stream scaled by g gives the output of
 * process on g * x within 1e-5 relative, and the ceiling holds. */
GST_START_TEST (test_env_matches_process)
{
  static const unsigned rates[] = { 44100, 48000 };
  static const double overs[] = { 6.0, 12.0 };
  double worst_rel = 0.0, worst_tp = -100.0;
  size_t equal = 0, count = 0;
  unsigned r, o, tp, f64;

  for (r = 0; r < G_N_ELEMENTS (rates); r++)
    for (o = 0; o < G_N_ELEMENTS (overs); o++)
      for (tp = 0; tp < 2; tp++)
        for (f64 = 0; f64 < 2; f64++) {
          unsigned rate = rates[r], nch = 2, c;
          size_t frames = rate * 2, i;
          double *x = g_new (double, frames * nch);
          double *ye = g_new (double, frames * nch);
          double *yp = g_new (double, frames * nch);
          /* music with its peaks at the ceiling, driven `over` dB in */
          double g = mst_db_to_lin (overs[o]), rel = 0.0, t = 0.0;

          mst_synth_music_f64 (x, frames, nch, rate, -1.0, 7 + r);
          env_vs_process (rate, nch, tp, f64, x, frames, g, ye, yp);
          for (i = 0; i < frames * nch; i++) {
            count++;
            if (ye[i] == yp[i]) {
              equal++;
              continue;
            }
            rel = MAX (rel, fabs (ye[i] - yp[i]) / fabs (yp[i]));
          }
          fail_unless (rel <= 1e-5, "%u Hz, +%.0f dB, true peak %u, %s: "
              "relative difference %g", rate, overs[o], tp,
              f64 ? "F64" : "F32", rel);
          for (c = 0; c < nch; c++)
            t = MAX (t, tp ? mst_refpeak_f64 (ye, frames, nch, c) : 0.0);
          if (tp) {
            t = db (t) + 1.0;
            fail_unless (t <= CEIL_TOL_DB, "%u Hz, +%.0f dB, %s: output "
                "true peak %+.4f dB over", rate, overs[o],
                f64 ? "F64" : "F32", t);
            worst_tp = MAX (worst_tp, t);
          } else {
            for (i = 0; i < frames * nch; i++)
              fail_unless (fabs (ye[i]) <= mst_db_to_lin (-1.0));
          }
          worst_rel = MAX (worst_rel, rel);
          g_free (x);
          g_free (ye);
          g_free (yp);
        }
  GST_INFO ("envelope mode vs process: %" G_GSIZE_FORMAT " of %"
      G_GSIZE_FORMAT " samples equal, largest relative difference %g; "
      "output true peak vs ceiling %+.4f dB", equal, count, worst_rel,
      worst_tp);
}

GST_END_TEST;

/* The envelope of f32 x (frames + the latency of silence) from detect
 * with detect scale `scale` (0: the full one), in blocks of odd sizes. */
static float *
detect_env (unsigned rate, unsigned nch, const float *x, size_t total,
    double scale)
{
  MstLimiter *ld = mst_limiter_new (rate, nch, 5.0);
  static const size_t sizes[] = { 4096, 1, 333, 1024, 7, 480 };
  float *env = g_new (float, total);
  size_t pos = 0, k = 0;

  mst_limiter_set_ceiling (ld, -1.0);
  mst_limiter_set_detect_scale (ld, scale);
  while (pos < total) {
    size_t n = MIN (sizes[k++ % G_N_ELEMENTS (sizes)] + 50, total - pos);
    mst_limiter_detect_f32 (ld, x + pos * nch, n, env + pos);
    pos += n;
  }
  mst_limiter_free (ld);
  return env;
}

/* process_env of g * x with env scaled by g into y (total frames); the
 * smallest gain. */
static double
env_run (unsigned rate, unsigned nch, const float *x, size_t total,
    const float *env, double g, float *y)
{
  MstLimiter *lim = mst_limiter_new (rate, nch, 5.0);
  MstLimiterStats st;
  size_t i;

  mst_limiter_set_ceiling (lim, -1.0);
  for (i = 0; i < total * nch; i++)
    y[i] = (float) (g * x[i]);
  mst_limiter_process_env_f32 (lim, y, y, total, env, g);
  mst_limiter_take_stats (lim, &st);
  mst_limiter_free (lim);
  return st.gain_min;
}

/* An envelope made for scales up to S (mst_limiter_set_detect_scale)
 * skips the fit where no such scale reaches the ceiling, yet gives the
 * output of the full envelope bit for bit at every scale up to S, with
 * the limiter acting; above S it makes no promise. */
GST_START_TEST (test_env_detect_scale)
{
  static const unsigned rates[] = { 44100, 48000, 96000 };
  /* music (peaking at -12 dBFS) and signals whose bound is nearly reached
   * (tones near 0.45 fs, noise, a naive square: peaks over the ceiling at
   * S); S in dB, scales tested below it */
  static const int sigs[] = { -1, SIG_HF_TONES, SIG_NOISE, SIG_SQUARE };
  static const double tops[] = { 14.0, 20.0 };
  static const double below[] = { 0.0, 0.001, 1.5, 6.0, 30.0 };
  unsigned r, t, b, sg;

  for (r = 0; r < G_N_ELEMENTS (rates); r++)
    for (sg = 0; sg < G_N_ELEMENTS (sigs); sg++)
      for (t = 0; t < G_N_ELEMENTS (tops); t++) {
        unsigned rate = rates[r], nch = 2;
        size_t frames = rate * 3, total = frames + 400, i, differ = 0;
        double *xd = g_new0 (double, total * nch);
        float *x = g_new (float, total * nch);
        float *ya = g_new (float, total * nch);
        float *yb = g_new (float, total * nch);
        float *full, *part;
        double top = mst_db_to_lin (tops[t]), gmin = 1.0;

        if (sigs[sg] < 0)
          mst_synth_music_f64 (xd, frames, nch, rate, -12.0, 31 + r);
        else
          make_signal (sigs[sg], xd, frames, rate, -1.0 - tops[t] - 12.0 +
              3.0, 31 + r);
        /* a fade in over 36 dB: blocks at every level near the skip
         * threshold, whole blocks skipped at the start, limiting at the
         * end */
        for (i = 0; i < frames * nch; i++)
          xd[i] *= mst_db_to_lin (-36.0 + 36.0 * (double) (i / nch) / frames);
        mst_synth_to_f32 (x, xd, total * nch);
        full = detect_env (rate, nch, x, total, 0.0);
        part = detect_env (rate, nch, x, total, top);
        for (i = 0; i < total; i++) {
          if (part[i] == full[i])
            continue;
          differ++;
          /* a value that is not the bound stays under ceiling / S */
          fail_unless (part[i] * top < mst_db_to_lin (-1.0),
              "frame %" G_GSIZE_FORMAT ": %g at scale %g", i, part[i], top);
        }
        /* many frames skip the fit, so the test compares two envelopes */
        fail_unless (differ > total / 10, "%u Hz, signal %d, S %+.0f dB: "
            "only %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " frames differ",
            rate, sigs[sg], tops[t], differ, total);
        for (b = 0; b < G_N_ELEMENTS (below); b++) {
          double g = mst_db_to_lin (tops[t] - below[b]);
          double ga = env_run (rate, nch, x, total, full, g, ya);
          double gb = env_run (rate, nch, x, total, part, g, yb);

          fail_unless (memcmp (ya, yb, total * nch * sizeof (float)) == 0,
              "%u Hz, signal %d, S %+.0f dB, scale S - %g dB: the outputs "
              "differ", rate, sigs[sg], tops[t], below[b]);
          fail_unless (ga == gb);
          if (b == 0)
            gmin = ga;
        }
        /* at S the limiter acts, so the gains are not all trivially 1 */
        fail_unless (gmin < mst_db_to_lin (-1.0), "%u Hz, signal %d, S "
            "%+.0f dB: gain %g", rate, sigs[sg], tops[t], gmin);
        GST_INFO ("%u Hz, signal %d, S %+.0f dB: %" G_GSIZE_FORMAT " of %"
            G_GSIZE_FORMAT " envelope values are not the bound, outputs "
            "equal, deepest gain %.2f dB", rate, sigs[sg], tops[t], differ,
            total, db (gmin));
        g_free (xd);
        g_free (x);
        g_free (ya);
        g_free (yb);
        g_free (full);
        g_free (part);
      }
}

GST_END_TEST;

/* process_env_scaled (x, s) is gain s then process_env (s x): bit for bit
 * when s is a power of two, within float rounding otherwise; F32 and F64,
 * limiting 12 dB deep, in blocks of odd sizes. */
GST_START_TEST (test_env_scaled)
{
  static const double scales[] = { 4.0, 2.0, 2.985383, 1.41 };
  static const size_t sizes[] = { 4096, 1, 333, 1024, 7, 480 };
  unsigned rate = 48000, nch = 2, f64, k;
  size_t frames = rate * 2, total = frames + 400, i, pos, b;
  double *xd = g_new0 (double, total * nch);
  float *xf = g_new (float, total * nch);
  float *env = g_new (float, total);
  MstLimiter *ld = mst_limiter_new (rate, nch, 5.0);

  /* peaks at -1 + 12 dB over the ceiling at the largest scale */
  mst_synth_music_f64 (xd, frames, nch, rate, 1.5, 5);
  mst_synth_to_f32 (xf, xd, total * nch);
  mst_limiter_detect_f32 (ld, xf, total, env);
  for (f64 = 0; f64 < 2; f64++)
    for (k = 0; k < G_N_ELEMENTS (scales); k++) {
      double sc = scales[k], rel = 0.0;
      MstLimiter *la = mst_limiter_new (rate, nch, 5.0);
      MstLimiter *lb = mst_limiter_new (rate, nch, 5.0);
      MstLimiterStats sa, sb;
      double *da = g_new (double, total * nch), *db_ = g_new (double,
          total * nch);
      float *fa = g_new (float, total * nch), *fb = g_new (float, total * nch);

      mst_limiter_set_ceiling (la, -1.0);
      mst_limiter_set_ceiling (lb, -1.0);
      for (i = 0; i < total * nch; i++) {
        /* the F64 input is the F32 one (the envelope's stream) */
        da[i] = xf[i];
        db_[i] = sc * da[i];
        fb[i] = (float) (sc * xf[i]);
      }
      for (pos = 0, b = 0; pos < total; pos += MIN (sizes[b], total - pos),
          b = (b + 1) % G_N_ELEMENTS (sizes)) {
        size_t n = MIN (sizes[b], total - pos);
        if (f64) {
          mst_limiter_process_env_scaled_f64 (la, da + pos * nch,
              da + pos * nch, n, env + pos, sc);
          mst_limiter_process_env_f64 (lb, db_ + pos * nch, db_ + pos * nch,
              n, env + pos, sc);
        } else {
          mst_limiter_process_env_scaled_f32 (la, xf + pos * nch,
              fa + pos * nch, n, env + pos, sc);
          mst_limiter_process_env_f32 (lb, fb + pos * nch, fb + pos * nch,
              n, env + pos, sc);
        }
      }
      mst_limiter_take_stats (la, &sa);
      mst_limiter_take_stats (lb, &sb);
      fail_unless (sa.gain_min == sb.gain_min && sb.gain_min < 1.0);
      for (i = 0; i < total * nch; i++) {
        double a = f64 ? da[i] : fa[i], v = f64 ? db_[i] : fb[i];
        if (a != v)
          rel = MAX (rel, fabs (a - v) / fabs (v));
      }
      if (sc == 4.0 || sc == 2.0)
        fail_unless (rel == 0.0, "%s, scale %g: relative difference %g",
            f64 ? "F64" : "F32", sc, rel);
      else
        fail_unless (rel <= (f64 ? 1e-15 : 3e-7), "%s, scale %g: relative "
            "difference %g", f64 ? "F64" : "F32", sc, rel);
      GST_INFO ("%s, scale %g: largest relative difference %g, deepest gain "
          "%.2f dB", f64 ? "F64" : "F32", sc, rel, db (sb.gain_min));
      mst_limiter_free (la);
      mst_limiter_free (lb);
      g_free (da);
      g_free (db_);
      g_free (fa);
      g_free (fb);
    }
  mst_limiter_free (ld);
  g_free (xd);
  g_free (xf);
  g_free (env);
}

GST_END_TEST;

/* The gains alone (env_gains) applied to the held input (apply_gains)
 * give process_env_scaled's output without its delay, bit for bit: 1, 2
 * and 3 channels, F32 and F64, limiting 9 dB deep, non-finite and (F64)
 * out-of-range samples among them, in odd block sizes. */
GST_START_TEST (test_env_gains)
{
  static const size_t sizes[] = { 4096, 1, 333, 1024, 7, 480 };
  static const unsigned nchs[] = { 1, 2, 3 };
  const double sc = 2.2;
  unsigned rate = 48000, f64, ci;

  for (ci = 0; ci < G_N_ELEMENTS (nchs); ci++)
    for (f64 = 0; f64 < 2; f64++) {
      unsigned nch = nchs[ci];
      MstLimiter *ld = mst_limiter_new (rate, nch, 5.0);
      MstLimiter *la = mst_limiter_new (rate, nch, 5.0);
      MstLimiter *lb = mst_limiter_new (rate, nch, 5.0);
      unsigned lat = mst_limiter_latency (ld);
      size_t frames = rate, total = frames + lat, i, pos, b, nred = 0;
      size_t ncalls = 0;
      double *xd = g_new0 (double, total * nch), *ad = g_new0 (double,
          total * nch), *bd = g_new0 (double, total * nch);
      float *xf = g_new0 (float, total * nch), *af = g_new0 (float,
          total * nch), *bf = g_new0 (float, total * nch);
      float *env = g_new (float, total);
      double g[4096];
      MstLimiterStats sa, sb;

      mst_synth_music_f64 (xd, frames, nch, rate, 2.0, 11 + ci);
      mst_synth_to_f32 (xf, xd, total * nch);
      /* samples the delay line cleans: non-finite, F64 beyond float */
      xf[1000 * nch] = NAN;
      xf[3001 * nch] = -INFINITY;
      for (i = 0; i < total * nch; i++)
        xd[i] = xf[i];
      xd[7003 * nch] = 1e300;
      mst_limiter_detect_f32 (ld, xf, total, env);
      mst_limiter_set_ceiling (la, -1.0);
      mst_limiter_set_ceiling (lb, -1.0);
      /* with the delay line, over the stream and `lat` frames of silence */
      for (pos = 0, b = 0; pos < total; pos += MIN (sizes[b], total - pos),
          b = (b + 1) % G_N_ELEMENTS (sizes)) {
        size_t n = MIN (sizes[b], total - pos);
        if (f64)
          mst_limiter_process_env_scaled_f64 (la, xd + pos * nch,
              ad + pos * nch, n, env + pos, sc);
        else
          mst_limiter_process_env_scaled_f32 (la, xf + pos * nch,
              af + pos * nch, n, env + pos, sc);
      }
      /* without: the gains run `lat` steps ahead of the input */
      mst_limiter_env_gains (lb, env, lat, sc, g);
      for (pos = 0, b = 3; pos < frames; pos += MIN (sizes[b], frames - pos),
          b = (b + 1) % G_N_ELEMENTS (sizes)) {
        size_t n = MIN (sizes[b], frames - pos), k;
        size_t red = mst_limiter_env_gains (lb, env + lat + pos, n, sc, g);
        /* it says how far the reduced gains reach */
        for (k = n; k > 0 && g[k - 1] == sc; k--);
        fail_unless (red == k, "at %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT
            " steps to the last reduced gain, want %" G_GSIZE_FORMAT, pos,
            red, k);
        nred += red > 0;
        ncalls++;
        if (f64)
          mst_limiter_apply_gains_f64 (xd + pos * nch, bd + pos * nch, n,
              nch, g);
        else
          mst_limiter_apply_gains_f32 (xf + pos * nch, bf + pos * nch, n,
              nch, g);
      }
      mst_limiter_take_stats (la, &sa);
      mst_limiter_take_stats (lb, &sb);
      fail_unless (sb.gain_min < mst_db_to_lin (-6.0), "%u channels: gain "
          "%g", nch, sb.gain_min);
      fail_unless (sa.gain_min == sb.gain_min);
      /* then a silent envelope: the release runs out, and from then on
       * no call reduces */
      {
        float *zero = g_new0 (float, 4096);
        size_t k, red, last = 0;
        for (b = 0; b < 150; b++) {
          red = mst_limiter_env_gains (lb, zero, 4096, sc, g);
          for (k = 4096; k > 0 && g[k - 1] == sc; k--);
          fail_unless (red == k);
          nred += red > 0;
          ncalls++;
          if (red > 0)
            last = b;
        }
        fail_unless (last > 0 && last < 149, "release to call %" G_GSIZE_FORMAT,
            last);
        g_free (zero);
      }
      fail_unless (nred > 0 && nred < ncalls, "%" G_GSIZE_FORMAT " of %"
          G_GSIZE_FORMAT " calls reduce", nred, ncalls);
      for (i = 0; i < frames * nch; i++)
        fail_unless (f64 ? isfinite (bd[i]) : isfinite (bf[i]));
      if (f64)
        fail_unless (memcmp (ad + lat * nch, bd, frames * nch *
                sizeof (double)) == 0, "%u channels F64: outputs differ", nch);
      else
        fail_unless (memcmp (af + lat * nch, bf, frames * nch *
                sizeof (float)) == 0, "%u channels F32: outputs differ", nch);
      mst_limiter_free (ld);
      mst_limiter_free (la);
      mst_limiter_free (lb);
      g_free (xd);
      g_free (ad);
      g_free (bd);
      g_free (xf);
      g_free (af);
      g_free (bf);
      g_free (env);
    }
}

GST_END_TEST;

/* A gain that is a power of two scales every step of the detector
 * exactly: then process_env is process, bit for bit. */
GST_START_TEST (test_env_exact_pow2)
{
  unsigned rate = 48000, nch = 2;
  size_t frames = rate, i;
  double *x = g_new (double, frames * nch);
  double *ye = g_new (double, frames * nch);
  double *yp = g_new (double, frames * nch);

  mst_synth_music_f64 (x, frames, nch, rate, -1.0, 3);
  env_vs_process (rate, nch, TRUE, TRUE, x, frames, 4.0, ye, yp);
  for (i = 0; i < frames * nch; i++)
    fail_unless (ye[i] == yp[i], "sample %" G_GSIZE_FORMAT ": %.17g vs "
        "%.17g", i, ye[i], yp[i]);
  g_free (x);
  g_free (ye);
  g_free (yp);
}

GST_END_TEST;

/* Envelope mode and process may alternate on one object (process refills
 * its detector from the delay line); link < 1 acts as link 1 in envelope
 * mode; the ceiling holds throughout. */
GST_START_TEST (test_env_alternate)
{
  unsigned rate = 44100, nch = 2, lat, k = 0;
  size_t frames = rate * 2, total, pos = 0, i;
  double *x = g_new (double, frames * nch), *y, *env_in;
  float *env;
  MstLimiter *ld = mst_limiter_new (rate, nch, 3.0);
  MstLimiter *lim = mst_limiter_new (rate, nch, 3.0);
  double g = mst_db_to_lin (9.0), o = 0.0;

  lat = mst_limiter_latency (lim);
  total = frames + lat;
  env = g_new (float, total);
  env_in = g_new0 (double, total * nch);
  y = g_new0 (double, total * nch);
  mst_synth_music_f64 (x, frames, nch, rate, -1.0, 11);
  /* the channels differ, so that an unlinked gain would differ */
  for (i = 0; i < frames; i++)
    x[2 * i + 1] *= 0.25;
  memcpy (env_in, x, frames * nch * sizeof (double));
  mst_limiter_detect_f64 (ld, env_in, total, env);
  for (i = 0; i < total * nch; i++)
    y[i] = g * env_in[i];
  mst_limiter_set_link (lim, 0.0);
  while (pos < total) {
    size_t n = MIN (rate / 10, total - pos);
    if (k++ % 2 == 0)
      mst_limiter_process_env_f64 (lim, y + pos * nch, y + pos * nch, n,
          env + pos, g);
    else
      mst_limiter_process_f64 (lim, y + pos * nch, y + pos * nch, n);
    pos += n;
  }
  for (i = 0; i < nch; i++)
    o = MAX (o, mst_refpeak_f64 (y + lat * nch, frames, nch, i));
  fail_unless (db (o) <= -1.0 + CEIL_TOL_DB, "true peak %+.4f dB over",
      db (o) + 1.0);
  mst_limiter_free (ld);
  mst_limiter_free (lim);
  g_free (x);
  g_free (y);
  g_free (env_in);
  g_free (env);
}

GST_END_TEST;

/* ORC kernels against their C twins (ORC float rules: denormal inputs
 * and results flushed to zero, so the twins stay away from them). */
/* Runs x (F32, frames + latency with the tail) through lim in chunks of
 * the sizes in `sizes` (cycled; one call when NULL), with the envelope env
 * scaled by g (env mode) or the detector (env NULL), into y. */
static void
run_chunks (MstLimiter * lim, const float *x, float *y, size_t total,
    unsigned nch, const size_t *sizes, size_t nsizes, const float *env,
    double g)
{
  size_t pos = 0, k = 0;

  mst_limiter_reset (lim);
  while (pos < total) {
    size_t n = sizes ? MIN (sizes[k++ % nsizes], total - pos) : total - pos;

    if (env)
      mst_limiter_process_env_f32 (lim, x + pos * nch, y + pos * nch, n,
          env + pos, g);
    else
      mst_limiter_process_f32 (lim, x + pos * nch, y + pos * nch, n);
    pos += n;
  }
}

/* The output does not depend on how the stream is cut into calls: bursts
 * driven 12 dB into the limiter between quiet passages, whose release
 * tails run through quiet blocks (the idle gain computer) and through
 * blocks that limit; auto and fixed release, process and envelope mode. */
GST_START_TEST (test_segmentation_exact)
{
  static const size_t sizes[] = { 1, 7, 100, 255, 256, 257, 1000, 4410, 3 };
  static const size_t big[] = { 48000, 12345, 96000 };
  const unsigned rate = 48000, nch = 2;
  const size_t frames = 12 * rate;
  MstLimiter *lim = mst_limiter_new (rate, nch, 5.0);
  unsigned lat = mst_limiter_latency (lim);
  size_t total = frames + lat, i, diff;
  double *xd = g_new0 (double, total * nch);
  float *x = g_new0 (float, total * nch), *env = g_new (float, total);
  float *y0 = g_new (float, total * nch), *y1 = g_new (float, total * nch);
  float *y2 = g_new (float, total * nch);
  int mode, ar;

  mst_synth_music_f64 (xd, frames, nch, rate, -1.0, 11);
  for (i = 0; i < frames; i++) {
    /* 0.6 s at +12 dB every 3 s, -30 dB in between */
    double t = (double) (i % (3 * rate)) / rate;
    double gain = t < 0.6 ? 4.0 : 0.03;
    xd[2 * i] *= gain;
    xd[2 * i + 1] *= gain;
  }
  mst_synth_to_f32 (x, xd, total * nch);
  mst_limiter_detect_f32 (lim, x, total, env);

  for (mode = 0; mode < 2; mode++)
    for (ar = 0; ar < 2; ar++) {
      mst_limiter_set_auto_release (lim, ar);
      mst_limiter_set_release (lim, ar ? 150.0 : 40.0);
      run_chunks (lim, x, y0, total, nch, NULL, 0, mode ? env : NULL, 1.0);
      run_chunks (lim, x, y1, total, nch, sizes, G_N_ELEMENTS (sizes),
          mode ? env : NULL, 1.0);
      run_chunks (lim, x, y2, total, nch, big, G_N_ELEMENTS (big),
          mode ? env : NULL, 1.0);
      for (i = 0, diff = 0; i < total * nch; i++)
        diff += memcmp (&y0[i], &y1[i], sizeof (float)) != 0
            || memcmp (&y0[i], &y2[i], sizeof (float)) != 0;
      fail_unless (diff == 0, "%s, %s release: %" G_GSIZE_FORMAT " samples "
          "depend on the chunk sizes", mode ? "envelope" : "process",
          ar ? "auto" : "fixed", diff);
      /* the limiter did limit, and released back to unity */
      for (i = 0, diff = 0; i < frames * nch; i++)
        diff += y0[i + (size_t) lat * nch] != x[i];
      fail_unless (diff > frames / 10 && diff < frames * nch - frames / 10,
          "%" G_GSIZE_FORMAT " samples changed", diff);
    }
  mst_limiter_free (lim);
  g_free (xd);
  g_free (x);
  g_free (env);
  g_free (y0);
  g_free (y1);
  g_free (y2);
}

GST_END_TEST;

/* The detector's vector peak fit gives the scalar fit's bits, and raises
 * no floating-point exception flag (invalid, division by zero, overflow)
 * the scalar fit does not: sampled
 * sinusoids of every frequency up to fs/2 at 4x (the points the
 * detector sees), random points, and the edge cases (zeros, ties, signs,
 * flat tops, tiny and huge values). */
GST_START_TEST (test_fit_vector_exact)
{
  static const float edge[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f,
    1e-30f, -1e-30f, FLT_MIN, 3e38f, -3e38f, 0.99999f
  };
  GRand *rand = g_rand_new_with_seed (8);
  guint64 n, fitted = 0, diff = 0, flags = 0;
  const guint64 runs = 4000000;
  unsigned k;

  for (n = 0; n < runs; n++) {
    float q[6], a, b;
    guint kind = n % 3;
    int fa, fb;

    if (kind == 0) {
      /* a sinusoid sampled at 4x: frequency up to the 4x Nyquist/4 */
      double w = g_rand_double_range (rand, 0.0, G_PI / 4.0);
      double ph = g_rand_double_range (rand, 0.0, 2.0 * G_PI);
      double amp = pow (10.0, g_rand_double_range (rand, -6.0, 1.0));
      for (k = 0; k < 6; k++)
        q[k] = (float) (amp * cos (ph + w * k));
    } else if (kind == 1) {
      for (k = 0; k < 6; k++)
        q[k] = (float) g_rand_double_range (rand, -1.0, 1.0);
    } else {
      for (k = 0; k < 6; k++)
        q[k] = g_rand_boolean (rand)
            ? edge[g_rand_int_range (rand, 0, G_N_ELEMENTS (edge))]
            : (float) g_rand_double_range (rand, -1.0, 1.0);
    }
    feclearexcept (FE_ALL_EXCEPT);
    a = mst_limiter_fit_frame (q, 0);
    fa = fetestexcept (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW);
    feclearexcept (FE_ALL_EXCEPT);
    b = mst_limiter_fit_frame (q, 1);
    fb = fetestexcept (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW);
    if (memcmp (&a, &b, sizeof (a)) != 0)
      diff++;
    if (fa != fb)
      flags++;
    for (k = 1; k <= 4; k++)
      if (fabsf (q[k]) > 0.0f && fabsf (q[k]) >= fabsf (q[k - 1])
          && fabsf (q[k]) >= fabsf (q[k + 1])) {
        fitted++;
        break;
      }
  }
  feclearexcept (FE_ALL_EXCEPT);
  GST_INFO ("%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " with a "
      "local maximum, %" G_GUINT64_FORMAT " differ, %" G_GUINT64_FORMAT
      " raise other flags", runs, fitted, diff, flags);
  fail_unless (fitted > runs / 4);
  fail_unless_equals_uint64 (diff, 0);
  fail_unless_equals_uint64 (flags, 0);
  g_rand_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_orc_twins)
{
  static const double scales[] = { 1.0, 0.7071067811865476, 5.623413251903491,
    1e-3, 4.0
  };
  size_t n = 1003, i, k;
  float *s = g_new (float, 2 * n);
  float *d = g_new (float, 2 * n), *t = g_new (float, 2 * n);
  double *sd = g_new (double, n), *gd = g_new (double, n);
  double *dd = g_new (double, n);
  MstRng r;

  mst_dsp_init ();
  mst_rng_seed (&r, 42);
  for (i = 0; i < n; i++) {
    s[2 * i] = (float) mst_rng_uniform (&r);
    s[2 * i + 1] = (float) mst_rng_uniform (&r) * 4.0f;
    sd[i] = mst_rng_uniform (&r) * 3.0;
    /* gains of every size the limiter makes, 1.0 included */
    gd[i] = i % 7 == 0 ? 1.0 : pow (10.0, -3.0 * (mst_rng_uniform (&r) + 1.0));
  }
  mst_orc_lim_gaind_f32 (d, s, gd, (int) n);
  for (i = 0; i < n; i++)
    t[i] = s[i] * (float) gd[i];
  fail_unless (memcmp (d, t, n * sizeof (float)) == 0);
  mst_orc_lim_gaind2_f32 (d, s, gd, (int) n);
  for (i = 0; i < n; i++) {
    t[2 * i] = s[2 * i] * (float) gd[i];
    t[2 * i + 1] = s[2 * i + 1] * (float) gd[i];
  }
  fail_unless (memcmp (d, t, 2 * n * sizeof (float)) == 0);
  mst_orc_lim_gain_f64 (dd, sd, gd, (int) n);
  for (i = 0; i < n; i++)
    fail_unless (dd[i] == sd[i] * gd[i]);
  mst_orc_lim_scale_f64 (dd, sd, 0.3162277660168379, (int) n);
  for (i = 0; i < n; i++)
    fail_unless (dd[i] == sd[i] * 0.3162277660168379);
  /* the scaled envelope: signs, products beyond the float range, Inf and
   * NaN (both to +Inf) */
  for (i = 0; i < n; i++)
    s[i] = i % 11 == 0 ? -s[i] : i % 13 == 0 ? 3e38f : i % 17 == 0 ?
        INFINITY : i % 19 == 0 ? -INFINITY : i % 23 == 0 ? NAN : s[i];
  for (k = 0; k < G_N_ELEMENTS (scales); k++) {
    mst_orc_lim_scale_env_f32 (d, s, scales[k], (int) n);
    for (i = 0; i < n; i++) {
      t[i] = (float) fabs ((double) s[i] * scales[k]);
      if (!(t[i] <= FLT_MAX))
        t[i] = INFINITY;
    }
    fail_unless (memcmp (d, t, n * sizeof (float)) == 0, "scale %g", scales[k]);
  }
  g_free (s);
  g_free (d);
  g_free (t);
  g_free (sd);
  g_free (gd);
  g_free (dd);
}

GST_END_TEST;

GST_START_TEST (test_bad_args)
{
  MstLimiter *lim;

  fail_unless (mst_limiter_new (7999, 2, 5.0) == NULL);
  fail_unless (mst_limiter_new (384001, 2, 5.0) == NULL);
  fail_unless (mst_limiter_new (48000, 0, 5.0) == NULL);
  fail_unless (mst_limiter_new (48000, 9, 5.0) == NULL);
  fail_unless (mst_limiter_new (48000, 2, NAN) == NULL);
  /* out-of-range lookahead is clamped */
  lim = mst_limiter_new (48000, 2, 100.0);
  fail_unless_equals_int (mst_limiter_latency (lim), 960 + 31);
  mst_limiter_free (lim);
  lim = mst_limiter_new (384000, 8, 0.0);
  fail_unless_equals_int (mst_limiter_latency (lim), 384 + 31);
  mst_limiter_free (lim);
}

GST_END_TEST;

static Suite *
limiter_suite (void)
{
  Suite *s = suite_create ("limiter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_orc_twins);
  tcase_add_test (tc, test_fit_vector_exact);
  tcase_add_test (tc, test_bad_args);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_transparency);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_link);
  tcase_add_test (tc, test_input_gain);
  tcase_add_test (tc, test_no_clicks);
  tcase_add_test (tc, test_release);
  tcase_add_test (tc, test_thd);
  tcase_add_test (tc, test_sample_peak_mode);
  tcase_add_test (tc, test_switching);
  tcase_add_test (tc, test_ceiling_holds);
  tcase_add_test (tc, test_ceiling_random);
  tcase_add_test (tc, test_extreme_input);
  tcase_add_test (tc, test_stats_unlinked);
  tcase_add_test (tc, test_env_matches_process);
  tcase_add_test (tc, test_env_exact_pow2);
  tcase_add_test (tc, test_env_alternate);
  tcase_add_test (tc, test_env_detect_scale);
  tcase_add_test (tc, test_env_scaled);
  tcase_add_test (tc, test_env_gains);
  tcase_add_test (tc, test_segmentation_exact);
  return s;
}

GST_CHECK_MAIN (limiter);
