/* gst-mastering tests and benchmarks: writing WAV files of test signals. */
#include "wavwrite.h"

#include <math.h>
#include <string.h>

static void
put_le (uint8_t * p, uint32_t v, unsigned n)
{
  unsigned i;

  for (i = 0; i < n; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

void
mst_wav_header (uint8_t head[44], size_t frames, unsigned channels,
    unsigned rate, unsigned bits)
{
  unsigned bps = bits / 8;
  uint32_t data = (uint32_t) (frames * channels * bps);

  memcpy (head, "RIFF", 4);
  put_le (head + 4, 36 + data, 4);
  memcpy (head + 8, "WAVEfmt ", 8);
  put_le (head + 16, 16, 4);
  put_le (head + 20, bits == 32 ? 3 : 1, 2);
  put_le (head + 22, channels, 2);
  put_le (head + 24, rate, 4);
  put_le (head + 28, rate * channels * bps, 4);
  put_le (head + 32, channels * bps, 2);
  put_le (head + 34, bits, 2);
  memcpy (head + 36, "data", 4);
  put_le (head + 40, data, 4);
}

int
mst_wav_put (FILE * f, const double *x, size_t frames, unsigned channels,
    unsigned bits)
{
  unsigned bps = bits / 8;
  uint8_t buf[4096 * 4];
  size_t n = frames * channels, done = 0;

  while (done < n) {
    size_t len = n - done < 4096 ? n - done : 4096, i;
    uint8_t *p = buf;

    for (i = 0; i < len; i++, p += bps) {
      double v = x[done + i];

      if (bits == 32) {
        float s = (float) v;
        uint32_t u;

        memcpy (&u, &s, 4);
        put_le (p, u, 4);
      } else {
        double full = bits == 16 ? 32768.0 : 8388608.0;
        double r = round (v * full);

        r = r < -full ? -full : (r > full - 1 ? full - 1 : r);
        put_le (p, (uint32_t) (int32_t) r, bps);
      }
    }
    if (fwrite (buf, bps, len, f) != len)
      return -1;
    done += len;
  }
  return 0;
}

int
mst_wav_write (const char *path, const double *x, size_t frames,
    unsigned channels, unsigned rate, unsigned bits)
{
  uint8_t head[44];
  FILE *f = fopen (path, "wb");
  int ok;

  if (!f)
    return -1;
  mst_wav_header (head, frames, channels, rate, bits);
  ok = fwrite (head, 1, 44, f) == 44
      && mst_wav_put (f, x, frames, channels, bits) == 0;
  if (fclose (f) != 0)
    ok = 0;
  return ok ? 0 : -1;
}
