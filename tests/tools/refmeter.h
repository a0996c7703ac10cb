/* gst-mastering tests: WAV reader and libebur128 reference measurement,
 * shared by the tests of the demo track and of gst-master.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef MST_TEST_REFMETER_H
#define MST_TEST_REFMETER_H

#include <glib.h>

#define REF_MAX_CHANNELS 8

/* An integer PCM WAV file read into interleaved doubles (1.0 = 0 dBFS). */
typedef struct
{
  guint rate;
  guint channels;
  guint bits;
  gsize frames;
  gdouble *samples;
} RefWav;

/* libebur128's view of a signal.  Loudness in LUFS, range in LU, peaks in
 * dBTP / dBFS.  Momentary and short-term maxima are taken every 10 ms.
 *
 * libebur128's 4x true-peak interpolator rolls off early and reads the
 * peaks of content near Nyquist (e.g. full-band noise) up to ~1.5 dB low,
 * so the exact true peak of the band-limited reconstruction
 * (tests/common/refpeak.h) is given beside it.
 *
 * libebur128 takes the loudness range from short-term values every second;
 * EBU Tech 3342 asks for at least 10 Hz, which matters on a short
 * programme with abrupt sections like the demo.  range_10hz is the range
 * computed as Tech 3342 describes from libebur128's short-term loudness
 * every 100 ms. */
typedef struct
{
  gdouble integrated;
  gdouble range;
  gdouble range_10hz;
  gdouble true_peak[REF_MAX_CHANNELS];
  gdouble exact_true_peak[REF_MAX_CHANNELS];
  gdouble sample_peak[REF_MAX_CHANNELS];
  gdouble max_true_peak;
  gdouble max_exact_true_peak;
  gdouble max_sample_peak;
  gdouble max_momentary;
  gdouble max_shortterm;
} RefLoudness;

/* Reads a canonical or chunked RIFF/WAVE file with 16-, 24- or 32-bit
 * integer PCM.  FALSE (and a message in *error) on anything else. */
gboolean ref_wav_read (const gchar * path, RefWav * wav, gchar ** error);
void ref_wav_clear (RefWav * wav);

gboolean ref_measure (const RefWav * wav, RefLoudness * out);

#endif /* MST_TEST_REFMETER_H */
