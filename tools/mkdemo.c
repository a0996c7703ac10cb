/* gst-mastering: writes the bundled demo track.
 *
 * Usage: mkdemo OUT.wav
 *
 * 30 s of the music-like premaster from synth.h (drums with real
 * transients, bass, chords, quiet and loud sections), 48 kHz stereo,
 * 24-bit PCM WAV.  Sample peaks reach -1 dBFS and a synth stab puts
 * inter-sample peaks above 0 dBTP: a typical unmastered mix.  The output
 * is the same bit for bit on every machine; tests/tools/test-demo.c
 * checks its loudness with libebur128 so it cannot drift.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_RATE 48000
#define DEMO_CHANNELS 2
#define DEMO_SECONDS 30
#define DEMO_PEAK_DBFS (-1.0)
#define DEMO_SEED 20260101u
#define DEMO_BYTES_PER_SAMPLE 3

static void
put_le16 (unsigned char *p, unsigned v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

static void
put_le32 (unsigned char *p, unsigned long v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

/* Round to 24 bits with saturation.  The synthesiser scales to a sample
 * peak below full scale, so saturation never happens for the demo. */
static long
to_s24 (double v)
{
  double s = floor (v * 8388608.0 + 0.5);
  if (s > 8388607.0)
    s = 8388607.0;
  if (s < -8388608.0)
    s = -8388608.0;
  return (long) s;
}

int
main (int argc, char **argv)
{
  const size_t frames = (size_t) DEMO_RATE * DEMO_SECONDS;
  const size_t samples = frames * DEMO_CHANNELS;
  const unsigned long data_bytes
      = (unsigned long) samples * DEMO_BYTES_PER_SAMPLE;
  unsigned char hdr[44];
  unsigned char *pcm = NULL;
  double *x = NULL;
  FILE *f = NULL;
  size_t i;
  int ret = 1;

  if (argc != 2) {
    fprintf (stderr, "usage: %s OUT.wav\n", argv[0]);
    return 2;
  }

  x = malloc (samples * sizeof (double));
  pcm = malloc (data_bytes);
  if (!x || !pcm) {
    fprintf (stderr, "mkdemo: out of memory\n");
    goto done;
  }

  if (mst_synth_music_f64 (x, frames, DEMO_CHANNELS, DEMO_RATE, DEMO_PEAK_DBFS,
          DEMO_SEED)
      != 0) {
    fprintf (stderr, "mkdemo: synthesis failed\n");
    goto done;
  }

  for (i = 0; i < samples; i++) {
    unsigned long u = (unsigned long) to_s24 (x[i]) & 0xffffffUL;
    pcm[3 * i] = u & 0xff;
    pcm[3 * i + 1] = (u >> 8) & 0xff;
    pcm[3 * i + 2] = (u >> 16) & 0xff;
  }

  /* canonical 44-byte RIFF/WAVE header, WAVE_FORMAT_PCM */
  memcpy (hdr, "RIFF", 4);
  put_le32 (hdr + 4, 36 + data_bytes);
  memcpy (hdr + 8, "WAVEfmt ", 8);
  put_le32 (hdr + 16, 16);
  put_le16 (hdr + 20, 1);
  put_le16 (hdr + 22, DEMO_CHANNELS);
  put_le32 (hdr + 24, DEMO_RATE);
  put_le32 (hdr + 28,
      (unsigned long) DEMO_RATE * DEMO_CHANNELS * DEMO_BYTES_PER_SAMPLE);
  put_le16 (hdr + 32, DEMO_CHANNELS * DEMO_BYTES_PER_SAMPLE);
  put_le16 (hdr + 34, 8 * DEMO_BYTES_PER_SAMPLE);
  memcpy (hdr + 36, "data", 4);
  put_le32 (hdr + 40, data_bytes);

  f = fopen (argv[1], "wb");
  if (!f) {
    fprintf (stderr, "mkdemo: cannot create %s: %s\n", argv[1],
        strerror (errno));
    goto done;
  }
  if (fwrite (hdr, 1, sizeof (hdr), f) != sizeof (hdr)
      || fwrite (pcm, 1, data_bytes, f) != data_bytes) {
    fprintf (stderr, "mkdemo: cannot write %s: %s\n", argv[1],
        strerror (errno));
    goto done;
  }
  if (fclose (f) != 0) {
    f = NULL;
    fprintf (stderr, "mkdemo: cannot write %s: %s\n", argv[1],
        strerror (errno));
    goto done;
  }
  f = NULL;
  ret = 0;

done:
  if (f)
    fclose (f);
  if (ret != 0)
    remove (argv[1]);
  free (pcm);
  free (x);
  return ret;
}
