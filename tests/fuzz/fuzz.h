/* gst-mastering fuzz targets: turning the fuzzer's bytes into parameters
 * and sample blocks.
 *
 * A target reads its parameters first (each clamped to the documented
 * range of the API it drives), then a sequence of blocks.  Each block
 * header chooses a size (0 .. FUZZ_MAX_FRAMES frames), a sample format, a
 * signal kind and level and a seed; the samples are synthesised from the
 * seed, so a few bytes give a long block.  The kinds include the hostile
 * ones: NaN, +-Inf, denormals, DC at full scale, +40 dBFS and huge values,
 * and raw bytes reinterpreted as floats (finite ones clamped to
 * FUZZ_HUGE so that a gain stage cannot legitimately overflow).
 *
 * Plain C, no GLib: the targets link the dsp library only.
 */
#ifndef MST_FUZZ_H
#define MST_FUZZ_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_FRAMES 4096
#define FUZZ_HUGE 1e10

typedef struct
{
  const uint8_t *p;
  size_t left;
} FuzzIn;

/* A failed invariant: print it and abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...) do {                                      \
    if (!(cond)) {                                                      \
      fprintf (stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
          #cond);                                                       \
      fprintf (stderr, __VA_ARGS__);                                    \
      fprintf (stderr, "\n");                                           \
      abort ();                                                         \
    }                                                                   \
  } while (0)

static inline uint8_t
fuzz_u8 (FuzzIn * in)
{
  uint8_t v;
  if (in->left == 0)
    return 0;
  v = *in->p++;
  in->left--;
  return v;
}

static inline uint32_t
fuzz_u32 (FuzzIn * in)
{
  uint32_t v = 0;
  int i;
  for (i = 0; i < 4; i++)
    v = (v << 8) | fuzz_u8 (in);
  return v;
}

/* A value in [lo, hi]: 16 bits of resolution, both ends reachable. */
static inline double
fuzz_range (FuzzIn * in, double lo, double hi)
{
  unsigned v = (unsigned) fuzz_u8 (in) << 8;
  v |= fuzz_u8 (in);
  return lo + (hi - lo) * (double) v / 65535.0;
}

/* A sample rate in MST_RATE_MIN .. MST_RATE_MAX: mostly a standard one,
 * sometimes any. */
static inline unsigned
fuzz_rate (FuzzIn * in)
{
  static const unsigned rates[] = { 8000, 11025, 16000, 22050, 32000, 44100,
    48000, 88200, 96000, 176400, 192000, 384000
  };
  uint8_t b = fuzz_u8 (in);
  if (b < 240)
    return rates[b % (sizeof (rates) / sizeof (rates[0]))];
  return 8000 + fuzz_u32 (in) % (384000 - 8000 + 1);
}

static inline uint32_t
fuzz_rand (uint32_t * s)
{
  /* xorshift32 (never 0) */
  uint32_t x = *s ? *s : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

static inline double
fuzz_uni (uint32_t * s)
{
  return (double) fuzz_rand (s) / 4294967296.0 * 2.0 - 1.0;
}

/* One hostile value. */
static inline double
fuzz_special (uint32_t * s)
{
  switch (fuzz_rand (s) % 9) {
    case 0:
      return NAN;
    case 1:
      return INFINITY;
    case 2:
      return -INFINITY;
    case 3:
      return 1e-40;             /* float denormal */
    case 4:
      return -1e-310;           /* double denormal */
    case 5:
      return 100.0;             /* +40 dBFS */
    case 6:
      return -FUZZ_HUGE;
    case 7:
      return 1.0;
    default:
      return 0.0;
  }
}

typedef struct
{
  size_t frames;                /* frames in the block */
  int f64;                      /* sample format: double (else float) */
  unsigned ctl;                 /* a byte for the target: setter changes */
  double *x;                    /* frames * channels samples */
  size_t nonfinite;             /* non-finite samples in x */
  double peak;                  /* largest finite |x| */
} FuzzBlock;

/* Reads a block header and synthesises its samples into b->x (allocated
 * for FUZZ_MAX_FRAMES * channels).  Returns 0 when the input is used up. */
static inline int
fuzz_block (FuzzIn * in, FuzzBlock * b, unsigned channels)
{
  uint8_t kind, lvl;
  uint32_t seed;
  double level, freq = 0.0;
  size_t i, n;

  if (in->left < 4)
    return 0;
  b->frames = (((size_t) fuzz_u8 (in) << 8) | fuzz_u8 (in)) %
      (FUZZ_MAX_FRAMES + 1);
  kind = fuzz_u8 (in);
  lvl = fuzz_u8 (in);
  b->ctl = fuzz_u8 (in);
  seed = fuzz_u32 (in);
  b->f64 = kind & 0x80;
  kind &= 0x7f;
  /* -120 .. +40 dBFS, and the extremes */
  level = lvl == 255 ? FUZZ_HUGE : lvl == 0 ? 0.0 :
      pow (10.0, (-120.0 + 160.0 * lvl / 254.0) / 20.0);
  n = b->frames * channels;
  switch (kind % 8) {
    case 0:                    /* noise */
      for (i = 0; i < n; i++)
        b->x[i] = level * fuzz_uni (&seed);
      break;
    case 1:                    /* noise with hostile values sprinkled */
      for (i = 0; i < n; i++)
        b->x[i] = fuzz_rand (&seed) % 16 == 0 ? fuzz_special (&seed) :
            level * fuzz_uni (&seed);
      break;
    case 2:                    /* DC */
      for (i = 0; i < n; i++)
        b->x[i] = level;
      break;
    case 3:                    /* alternating full swing: Nyquist */
      for (i = 0; i < n; i++)
        b->x[i] = (i / channels) % 2 ? -level : level;
      break;
    case 4:                    /* sine, fs / 4 shifted: inter-sample peaks */
      freq = (fuzz_rand (&seed) % 1000) / 2000.0;
      for (i = 0; i < n; i++)
        b->x[i] = level * sin (2.0 * M_PI * freq * (double) (i / channels)
            + 0.25 * M_PI);
      break;
    case 5:                    /* raw bytes as floats */
      for (i = 0; i < n; i++) {
        float f;
        uint32_t u = fuzz_u32 (in);
        memcpy (&f, &u, sizeof (f));
        b->x[i] = isfinite (f) ? fmax (-FUZZ_HUGE, fmin (FUZZ_HUGE, f)) : f;
      }
      break;
    case 6:                    /* all one hostile value */
      level = fuzz_special (&seed);
      for (i = 0; i < n; i++)
        b->x[i] = level;
      break;
    default:                   /* silence */
      for (i = 0; i < n; i++)
        b->x[i] = 0.0;
      break;
  }
  b->nonfinite = 0;
  b->peak = 0.0;
  for (i = 0; i < n; i++) {
    if (!b->f64 && isfinite (b->x[i]))
      b->x[i] = (float) b->x[i];
    if (!isfinite (b->x[i]))
      b->nonfinite++;
    else if (fabs (b->x[i]) > b->peak)
      b->peak = fabs (b->x[i]);
  }
  return 1;
}

/* Buffers for a target: x holds the block, f/d the samples in the
 * block's format (input), of/od an output. */
typedef struct
{
  double *x, *d, *od;
  float *f, *of;
} FuzzBufs;

static inline int
fuzz_bufs_init (FuzzBufs * b, unsigned channels)
{
  size_t n = (size_t) FUZZ_MAX_FRAMES * channels;
  b->x = calloc (n, sizeof (double));
  b->d = calloc (n, sizeof (double));
  b->od = calloc (n, sizeof (double));
  b->f = calloc (n, sizeof (float));
  b->of = calloc (n, sizeof (float));
  return b->x && b->d && b->od && b->f && b->of;
}

static inline void
fuzz_bufs_clear (FuzzBufs * b)
{
  free (b->x);
  free (b->d);
  free (b->od);
  free (b->f);
  free (b->of);
}

/* Copies the block into b->f or b->d (its format). */
static inline void
fuzz_bufs_load (FuzzBufs * bufs, const FuzzBlock * b, unsigned channels)
{
  size_t i, n = b->frames * channels;
  for (i = 0; i < n; i++) {
    bufs->d[i] = b->x[i];
    bufs->f[i] = (float) b->x[i];
  }
}

/* Largest |v| of an output; aborts on a non-finite sample. */
static inline double
fuzz_check_finite_f32 (const float *v, size_t n, const char *what)
{
  double m = 0.0;
  size_t i;
  for (i = 0; i < n; i++) {
    FUZZ_CHECK (isfinite (v[i]), "%s: sample %zu is %g", what, i,
        (double) v[i]);
    if (fabs (v[i]) > m)
      m = fabs (v[i]);
  }
  return m;
}

static inline double
fuzz_check_finite_f64 (const double *v, size_t n, const char *what)
{
  double m = 0.0;
  size_t i;
  for (i = 0; i < n; i++) {
    FUZZ_CHECK (isfinite (v[i]), "%s: sample %zu is %g", what, i, v[i]);
    if (fabs (v[i]) > m)
      m = fabs (v[i]);
  }
  return m;
}

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#endif /* MST_FUZZ_H */
