/* gst-mastering tests: WAV reader and libebur128 reference measurement.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "refmeter.h"
#include "refpeak.h"

#include <ebur128.h>
#include <math.h>
#include <string.h>

static guint32
le32 (const guint8 * p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static guint16
le16 (const guint8 * p)
{
  return p[0] | (p[1] << 8);
}

gboolean
ref_wav_read (const gchar * path, RefWav * wav, gchar ** error)
{
  gchar *contents = NULL;
  gsize len = 0, pos = 12, i, n, bps;
  const guint8 *d;
  const guint8 *data = NULL;
  gsize data_len = 0;
  gboolean have_fmt = FALSE;
  GError *err = NULL;

  memset (wav, 0, sizeof (*wav));
  if (!g_file_get_contents (path, &contents, &len, &err)) {
    *error = g_strdup (err->message);
    g_clear_error (&err);
    return FALSE;
  }
  d = (const guint8 *) contents;
  if (len < 12 || memcmp (d, "RIFF", 4) != 0 || memcmp (d + 8, "WAVE", 4)) {
    *error = g_strdup ("not a RIFF/WAVE file");
    goto fail;
  }

  while (pos + 8 <= len) {
    gsize size = le32 (d + pos + 4);
    const guint8 *body = d + pos + 8;

    if (size > len - pos - 8)
      size = len - pos - 8;
    if (memcmp (d + pos, "fmt ", 4) == 0 && size >= 16) {
      if (le16 (body) != 1) {
        *error = g_strdup ("not integer PCM (WAVE_FORMAT_PCM)");
        goto fail;
      }
      wav->channels = le16 (body + 2);
      wav->rate = le32 (body + 4);
      wav->bits = le16 (body + 14);
      have_fmt = TRUE;
    } else if (memcmp (d + pos, "data", 4) == 0) {
      data = body;
      data_len = size;
    }
    pos += 8 + size + (size & 1);
  }
  if (!have_fmt || !data || wav->channels == 0
      || wav->channels > REF_MAX_CHANNELS
      || (wav->bits != 16 && wav->bits != 24 && wav->bits != 32)) {
    *error = g_strdup ("missing or unsupported fmt/data chunk");
    goto fail;
  }

  bps = wav->bits / 8;
  wav->frames = data_len / (bps * wav->channels);
  n = wav->frames * wav->channels;
  wav->samples = g_new (gdouble, n);
  for (i = 0; i < n; i++) {
    const guint8 *p = data + i * bps;
    gint32 v;
    if (bps == 2)
      v = (gint16) le16 (p);
    else if (bps == 3)
      v = (gint32) ((guint32) (p[0] << 8 | p[1] << 16 | (guint32) p[2] << 24))
          >> 8;
    else
      v = (gint32) le32 (p);
    wav->samples[i] = v / (gdouble) (1u << (wav->bits - 1));
  }
  g_free (contents);
  return TRUE;

fail:
  g_free (contents);
  return FALSE;
}

void
ref_wav_clear (RefWav * wav)
{
  g_free (wav->samples);
  memset (wav, 0, sizeof (*wav));
}

static gdouble
lin_to_db (gdouble v)
{
  return v > 0.0 ? 20.0 * log10 (v) : -INFINITY;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* EBU Tech 3342: short-term values above -70 LUFS, then above their power
 * mean - 20 LU; the range is the 95th minus the 10th percentile (nearest
 * rank).  -INFINITY when nothing passes the gates. */
static gdouble
tech3342_range (GArray * st)
{
  GArray *g = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble sum = 0.0, rel, lra = -INFINITY;
  guint i, n;

  for (i = 0; i < st->len; i++) {
    gdouble v = g_array_index (st, gdouble, i);
    if (v > -70.0) {
      g_array_append_val (g, v);
      sum += pow (10.0, v / 10.0);
    }
  }
  if (g->len > 0) {
    GArray *h = g_array_new (FALSE, FALSE, sizeof (gdouble));
    rel = 10.0 * log10 (sum / g->len) - 20.0;
    for (i = 0; i < g->len; i++)
      if (g_array_index (g, gdouble, i) >= rel)
        g_array_append_val (h, g_array_index (g, gdouble, i));
    g_array_sort (h, cmp_double);
    n = h->len;
    if (n > 0)
      lra = g_array_index (h, gdouble, (guint) floor (0.95 * (n - 1) + 0.5))
          - g_array_index (h, gdouble, (guint) floor (0.10 * (n - 1) + 0.5));
    g_array_free (h, TRUE);
  }
  g_array_free (g, TRUE);
  return lra;
}

gboolean
ref_measure (const RefWav * wav, RefLoudness * out)
{
  GArray *st_values = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint hops = 0;
  const gsize hop = wav->rate / 100;    /* 10 ms */
  ebur128_state *st;
  gsize done = 0;
  guint c;

  st = ebur128_init (wav->channels, wav->rate,
      EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I
      | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
  if (!st) {
    g_array_free (st_values, TRUE);
    return FALSE;
  }

  out->max_momentary = -INFINITY;
  out->max_shortterm = -INFINITY;
  while (done < wav->frames) {
    gsize n = MIN (hop, wav->frames - done);
    gdouble m, s;

    if (ebur128_add_frames_double (st, wav->samples + done * wav->channels, n)
        != EBUR128_SUCCESS)
      goto fail;
    done += n;
    if (ebur128_loudness_momentary (st, &m) == EBUR128_SUCCESS)
      out->max_momentary = MAX (out->max_momentary, m);
    if (ebur128_loudness_shortterm (st, &s) == EBUR128_SUCCESS) {
      out->max_shortterm = MAX (out->max_shortterm, s);
      /* every 100 ms from the first full 3 s window */
      if (++hops % 10 == 0 && done >= 3 * wav->rate)
        g_array_append_val (st_values, s);
    }
  }
  out->range_10hz = tech3342_range (st_values);

  if (ebur128_loudness_global (st, &out->integrated) != EBUR128_SUCCESS
      || ebur128_loudness_range (st, &out->range) != EBUR128_SUCCESS)
    goto fail;
  out->max_true_peak = -INFINITY;
  out->max_sample_peak = -INFINITY;
  out->max_exact_true_peak = -INFINITY;
  for (c = 0; c < wav->channels; c++) {
    gdouble tp, sp;
    if (ebur128_true_peak (st, c, &tp) != EBUR128_SUCCESS
        || ebur128_sample_peak (st, c, &sp) != EBUR128_SUCCESS)
      goto fail;
    out->true_peak[c] = lin_to_db (tp);
    out->sample_peak[c] = lin_to_db (sp);
    out->max_true_peak = MAX (out->max_true_peak, out->true_peak[c]);
    out->max_sample_peak = MAX (out->max_sample_peak, out->sample_peak[c]);
    out->exact_true_peak[c] =
        lin_to_db (mst_refpeak_f64 (wav->samples, wav->frames, wav->channels,
            c));
    out->max_exact_true_peak =
        MAX (out->max_exact_true_peak, out->exact_true_peak[c]);
  }
  ebur128_destroy (&st);
  g_array_free (st_values, TRUE);
  return TRUE;

fail:
  ebur128_destroy (&st);
  g_array_free (st_values, TRUE);
  return FALSE;
}
