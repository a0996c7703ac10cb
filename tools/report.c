/* gst-master: the report picture.
 *
 * One page, drawn with cairo (image surface written as PNG, or an SVG
 * surface): a title with the headline figures, then three panels sharing
 * the left margin:
 *   loudness:  short-term loudness (3 s window, every 100 ms) before
 *              (grey-blue) and after (orange) over time, the target as a
 *              dashed green line;
 *   limiter:   the true-peak limiter's gain reduction over time (red,
 *              hanging from 0 dB);
 *   spectrum:  the long-term spectrum of the mid signal before and after,
 *              1/6-octave smoothed, 20 Hz to 20 kHz on a log axis.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "report.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#define WIDTH 1200
#define HEIGHT 940
#define LEFT 78
#define RIGHT 24

typedef struct
{
  gdouble r, g, b;
} Rgb;

static const Rgb col_bg = { 1.0, 1.0, 1.0 };
static const Rgb col_text = { 0.13, 0.13, 0.16 };
static const Rgb col_dim = { 0.45, 0.45, 0.5 };
static const Rgb col_grid = { 0.9, 0.9, 0.92 };
static const Rgb col_before = { 0.42, 0.53, 0.68 };
static const Rgb col_after = { 0.93, 0.45, 0.10 };
static const Rgb col_target = { 0.10, 0.60, 0.30 };
static const Rgb col_gr = { 0.82, 0.16, 0.18 };

/* A panel: its box on the page and the ranges of its axes. */
typedef struct
{
  gdouble x, y, w, h;
  gdouble x0, x1;               /* seconds or log10 (Hz) */
  gdouble y0, y1;               /* dB, y1 on top */
} Panel;

gboolean
gm_report_name_ok (const gchar * path)
{
  return g_str_has_suffix (path, ".png") || g_str_has_suffix (path, ".PNG")
      || g_str_has_suffix (path, ".svg") || g_str_has_suffix (path, ".SVG");
}

static void
set_rgb (cairo_t * cr, const Rgb * c, gdouble alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, alpha);
}

static gdouble
px (const Panel * p, gdouble x)
{
  return p->x + (x - p->x0) / (p->x1 - p->x0) * p->w;
}

static gdouble
py (const Panel * p, gdouble y)
{
  y = CLAMP (y, p->y0, p->y1);
  return p->y + (p->y1 - y) / (p->y1 - p->y0) * p->h;
}

static void
text (cairo_t * cr, gdouble x, gdouble y, gdouble size, gboolean bold,
    const Rgb * c, gdouble align, const gchar * s)
{
  cairo_text_extents_t ext;

  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
      bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, s, &ext);
  set_rgb (cr, c, 1.0);
  cairo_move_to (cr, x - align * ext.x_advance, y);
  cairo_show_text (cr, s);
}

/* Frame, horizontal grid every ystep with labels "VALUE unit", title. */
static void
panel_frame (cairo_t * cr, const Panel * p, gdouble ystep, const gchar * unit,
    const gchar * title)
{
  gdouble v;

  cairo_set_line_width (cr, 1.0);
  for (v = ceil (p->y0 / ystep) * ystep; v <= p->y1 + 1e-9; v += ystep) {
    gchar buf[32];
    gdouble y = floor (py (p, v)) + 0.5;

    set_rgb (cr, &col_grid, 1.0);
    cairo_move_to (cr, p->x, y);
    cairo_line_to (cr, p->x + p->w, y);
    cairo_stroke (cr);
    g_snprintf (buf, sizeof (buf), "%.0f", v);
    text (cr, p->x - 8, y + 4, 11, FALSE, &col_dim, 1.0, buf);
  }
  text (cr, p->x - 8, p->y - 8, 11, FALSE, &col_dim, 1.0, unit);
  text (cr, p->x, p->y - 10, 15, TRUE, &col_text, 0.0, title);
  set_rgb (cr, &col_dim, 1.0);
  cairo_rectangle (cr, p->x + 0.5, p->y + 0.5, p->w - 1, p->h - 1);
  cairo_stroke (cr);
}

/* Vertical grid and labels of a time axis (seconds). */
static void
time_axis (cairo_t * cr, const Panel * p, gboolean labels)
{
  static const gdouble steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
    900, 1800, 3600
  };
  gdouble span = p->x1 - p->x0, step = steps[G_N_ELEMENTS (steps) - 1], t;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (steps); i++)
    if (span / steps[i] <= 12) {
      step = steps[i];
      break;
    }
  cairo_set_line_width (cr, 1.0);
  for (t = 0; t <= p->x1 + 1e-9; t += step) {
    gdouble x = floor (px (p, t)) + 0.5;
    gchar buf[32];

    set_rgb (cr, &col_grid, 1.0);
    cairo_move_to (cr, x, p->y);
    cairo_line_to (cr, x, p->y + p->h);
    cairo_stroke (cr);
    if (!labels)
      continue;
    if (span >= 120)
      g_snprintf (buf, sizeof (buf), "%d:%02d", (int) t / 60, (int) t % 60);
    else
      g_snprintf (buf, sizeof (buf), "%.0f s", t);
    text (cr, x, p->y + p->h + 15, 11, FALSE, &col_dim, 0.5, buf);
  }
}

/* A series as a line; values below the panel (silence, -inf) are drawn on
 * its floor. */
static void
series_line (cairo_t * cr, const Panel * p, const GArray * a, const Rgb * c,
    gdouble width)
{
  guint i;
  gboolean started = FALSE;

  if (!a || a->len == 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y, p->w, p->h);
  cairo_clip (cr);
  for (i = 0; i < a->len; i++) {
    const GmPoint *pt = &g_array_index (a, GmPoint, i);
    gdouble v = isnan (pt->v) ? p->y0 : pt->v;
    gdouble x = px (p, pt->t), y = py (p, v);

    if (!started)
      cairo_move_to (cr, x, y);
    else
      cairo_line_to (cr, x, y);
    started = TRUE;
  }
  set_rgb (cr, c, 1.0);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
legend (cairo_t * cr, gdouble x, gdouble y, const Rgb * c, gboolean dashed,
    const gchar * label)
{
  double dash[] = { 6.0, 4.0 };

  set_rgb (cr, c, 1.0);
  cairo_set_line_width (cr, 3.0);
  if (dashed)
    cairo_set_dash (cr, dash, 2, 0);
  cairo_move_to (cr, x, y - 4);
  cairo_line_to (cr, x + 22, y - 4);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  text (cr, x + 28, y, 12, FALSE, &col_text, 0.0, label);
}

static gdouble
series_max (const GArray * a, gdouble dflt)
{
  gdouble m = dflt;
  guint i;

  for (i = 0; a && i < a->len; i++) {
    gdouble v = g_array_index (a, GmPoint, i).v;
    if (isfinite (v) && v > m)
      m = v;
  }
  return m;
}

static gdouble
series_min (const GArray * a, gdouble dflt)
{
  gdouble m = dflt;
  guint i;

  for (i = 0; a && i < a->len; i++) {
    gdouble v = g_array_index (a, GmPoint, i).v;
    if (isfinite (v) && v < m)
      m = v;
  }
  return m;
}

static gdouble
duration_s (const GmMeasurement * m)
{
  gdouble d = 0;

  if (GST_CLOCK_TIME_IS_VALID (m->duration))
    d = (gdouble) m->duration / GST_SECOND;
  if (m->shortterm && m->shortterm->len > 0)
    d = MAX (d, g_array_index (m->shortterm, GmPoint, m->shortterm->len - 1).t);
  return MAX (d, 1.0);
}

static void
draw_loudness (cairo_t * cr, const Panel * pp, const GmJob * job)
{
  Panel p = *pp;
  gdouble target = job->settings->lufs;
  gdouble top = series_max (job->after.shortterm, target);
  double dash[] = { 8.0, 5.0 };
  gchar buf[64];

  top = MAX (top, series_max (job->before.shortterm, target));
  p.y1 = ceil ((top + 3) / 6) * 6;
  /* down to the quietest passage, at most 45 LU under the target */
  p.y0 = MIN (series_min (job->before.shortterm, target - 24),
      series_min (job->after.shortterm, target - 24)) - 3;
  p.y0 = MAX (p.y0, target - 45);
  p.y0 = floor (MIN (p.y0, p.y1 - 36) / 6) * 6;
  panel_frame (cr, &p, 6, "LUFS", "Short-term loudness");
  time_axis (cr, &p, FALSE);

  set_rgb (cr, &col_target, 1.0);
  cairo_set_line_width (cr, 2.0);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_move_to (cr, p.x, py (&p, target));
  cairo_line_to (cr, p.x + p.w, py (&p, target));
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  series_line (cr, &p, job->before.shortterm, &col_before, 1.8);
  series_line (cr, &p, job->after.shortterm, &col_after, 2.2);

  legend (cr, p.x + p.w - 470, p.y - 10, &col_before, FALSE, "before");
  legend (cr, p.x + p.w - 370, p.y - 10, &col_after, FALSE, "after");
  g_snprintf (buf, sizeof (buf), "target %.1f LUFS", target);
  legend (cr, p.x + p.w - 270, p.y - 10, &col_target, TRUE, buf);
}

static void
draw_gain_reduction (cairo_t * cr, const Panel * pp, const GmJob * job)
{
  Panel p = *pp;
  const GArray *a = job->after.gain_reduction;
  gdouble m = series_max (a, 0.0);
  guint i;

  /* drawn upside down: 0 dB on top, reduction downwards */
  p.y0 = -MAX (3.0, ceil (m * 1.2));
  p.y1 = 0;
  panel_frame (cr, &p, p.y0 < -12 ? 6 : (p.y0 < -6 ? 2 : 1), "dB",
      "Limiter gain reduction");
  time_axis (cr, &p, TRUE);
  if (!a || a->len == 0) {
    text (cr, p.x + p.w / 2, p.y + p.h / 2 + 5, 13, FALSE, &col_dim, 0.5,
        "no limiter messages");
    return;
  }
  cairo_save (cr);
  cairo_rectangle (cr, p.x, p.y, p.w, p.h);
  cairo_clip (cr);
  cairo_move_to (cr, px (&p, g_array_index (a, GmPoint, 0).t), py (&p, 0));
  for (i = 0; i < a->len; i++) {
    const GmPoint *pt = &g_array_index (a, GmPoint, i);
    cairo_line_to (cr, px (&p, pt->t), py (&p, -pt->v));
  }
  cairo_line_to (cr, px (&p, g_array_index (a, GmPoint, a->len - 1).t),
      py (&p, 0));
  cairo_close_path (cr);
  set_rgb (cr, &col_gr, 0.35);
  cairo_fill_preserve (cr);
  set_rgb (cr, &col_gr, 1.0);
  cairo_set_line_width (cr, 1.2);
  cairo_stroke (cr);
  cairo_restore (cr);
  {
    gchar buf[64];
    g_snprintf (buf, sizeof (buf), "max %.1f dB", m);
    text (cr, p.x + p.w - 8, p.y + p.h - 8, 12, FALSE, &col_gr, 1.0, buf);
  }
}

/* 1/6-octave smoothed spectrum in dB at n log-spaced points from f0 to f1
 * (NULL when not measured). */
static gdouble *
smooth_spectrum (const GmMeasurement * m, gdouble f0, gdouble f1, guint n)
{
  gdouble *out;
  gdouble hz = (gdouble) m->rate / GM_FFT_SIZE;
  guint i;

  if (!m->spectrum || m->rate <= 0)
    return NULL;
  out = g_new (gdouble, n);
  for (i = 0; i < n; i++) {
    gdouble f = f0 * pow (f1 / f0, (gdouble) i / (n - 1));
    gdouble lo = f * pow (2.0, -1.0 / 12), hi = f * pow (2.0, 1.0 / 12);
    gint k0 = (gint) floor (lo / hz), k1 = (gint) ceil (hi / hz), k;
    gdouble sum = 0;
    gint cnt = 0;

    k0 = CLAMP (k0, 1, GM_FFT_BINS - 1);
    k1 = CLAMP (k1, k0, GM_FFT_BINS - 1);
    if (k1 - k0 < 3) {
      /* narrower than a few bins (low frequencies): interpolate */
      gdouble pos = CLAMP (f / hz, 1.0, GM_FFT_BINS - 2.0);
      gint kk = (gint) floor (pos);
      gdouble w = pos - kk;

      sum = (1 - w) * m->spectrum[kk] + w * m->spectrum[kk + 1];
      cnt = 1;
    } else {
      for (k = k0; k <= k1; k++) {
        sum += m->spectrum[k];
        cnt++;
      }
    }
    out[i] = sum > 0 ? 10 * log10 (sum / cnt) : -200;
  }
  return out;
}

static void
spectrum_line (cairo_t * cr, const Panel * p, const gdouble * db, guint n,
    gdouble f0, gdouble f1, const Rgb * c, gdouble width)
{
  guint i;

  if (!db)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y, p->w, p->h);
  cairo_clip (cr);
  for (i = 0; i < n; i++) {
    gdouble lf = log10 (f0) + (log10 (f1) - log10 (f0)) * i / (n - 1);
    if (i == 0)
      cairo_move_to (cr, px (p, lf), py (p, db[i]));
    else
      cairo_line_to (cr, px (p, lf), py (p, db[i]));
  }
  set_rgb (cr, c, 1.0);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_spectrum (cairo_t * cr, const Panel * pp, const GmJob * job)
{
  static const gdouble ticks[] = { 20, 50, 100, 200, 500, 1000, 2000, 5000,
    10000, 20000
  };
  Panel p = *pp;
  const guint n = 400;
  gdouble f0 = 20.0, f1 = 20000.0, top = -200;
  gint rate = MIN (job->before.rate > 0 ? job->before.rate : 48000,
      job->after.rate > 0 ? job->after.rate : 48000);
  gdouble *b, *a;
  guint i;

  f1 = MIN (f1, rate / 2.0);
  b = smooth_spectrum (&job->before, f0, f1, n);
  a = smooth_spectrum (&job->after, f0, f1, n);
  for (i = 0; i < n; i++) {
    if (b)
      top = MAX (top, b[i]);
    if (a)
      top = MAX (top, a[i]);
  }
  p.x0 = log10 (f0);
  p.x1 = log10 (f1);
  p.y1 = ceil ((top + 3) / 10) * 10;
  p.y0 = p.y1 - 80;
  panel_frame (cr, &p, 10, "dB", "Long-term spectrum (1/6 octave)");
  cairo_set_line_width (cr, 1.0);
  for (i = 0; i < G_N_ELEMENTS (ticks); i++) {
    gdouble x;
    gchar buf[16];

    if (ticks[i] > f1)
      break;
    x = floor (px (&p, log10 (ticks[i]))) + 0.5;
    set_rgb (cr, &col_grid, 1.0);
    cairo_move_to (cr, x, p.y);
    cairo_line_to (cr, x, p.y + p.h);
    cairo_stroke (cr);
    if (ticks[i] >= 1000)
      g_snprintf (buf, sizeof (buf), "%.0fk", ticks[i] / 1000);
    else
      g_snprintf (buf, sizeof (buf), "%.0f", ticks[i]);
    text (cr, x, p.y + p.h + 15, 11, FALSE, &col_dim, 0.5, buf);
  }
  text (cr, p.x + p.w, p.y + p.h + 30, 11, FALSE, &col_dim, 1.0, "Hz");
  spectrum_line (cr, &p, b, n, f0, f1, &col_before, 1.8);
  spectrum_line (cr, &p, a, n, f0, f1, &col_after, 2.2);
  legend (cr, p.x + p.w - 170, p.y - 10, &col_before, FALSE, "before");
  legend (cr, p.x + p.w - 80, p.y - 10, &col_after, FALSE, "after");
  g_free (b);
  g_free (a);
}

/* Headline: "before -> after" of one figure. */
static void
figure (cairo_t * cr, gdouble x, gdouble y, const gchar * label,
    gdouble before, gdouble after, const gchar * f, const gchar * unit,
    gboolean good)
{
  gchar *bs = g_strdup_printf (f, before), *as = g_strdup_printf (f, after);
  gchar *s = g_strdup_printf ("%s \342\206\222 %s %s", bs, as, unit);

  text (cr, x, y, 11, FALSE, &col_dim, 0.0, label);
  text (cr, x, y + 20, 16, TRUE, good ? &col_text : &col_gr, 0.0, s);
  g_free (bs);
  g_free (as);
  g_free (s);
}

static void
draw_page (cairo_t * cr, const GmJob * job)
{
  const GmSettings *s = job->settings;
  const GmMeasurement *b = &job->before, *a = &job->after;
  gdouble dur = MAX (duration_s (b), duration_s (a));
  gdouble pw = WIDTH - LEFT - RIGHT;
  Panel loud = { LEFT, 150, pw, 330, 0, dur, 0, 0 };
  Panel gr = { LEFT, 520, pw, 110, 0, dur, 0, 0 };
  Panel spec = { LEFT, 690, pw, 200, 0, 1, 0, 0 };
  gchar *base_in = g_path_get_basename (job->in);
  gchar *base_out = g_path_get_basename (job->out);
  gchar *title = g_strdup_printf ("%s \342\206\222 %s", base_in, base_out);
  gchar *sub = g_strdup_printf ("preset %s: target %.1f LUFS, ceiling "
      "%.1f dBTP; %.1f s, %d Hz, %u channel%s", s->preset, s->lufs,
      s->ceiling, dur, b->rate, b->channels, b->channels == 1 ? "" : "s");

  set_rgb (cr, &col_bg, 1.0);
  cairo_paint (cr);
  text (cr, LEFT, 38, 22, TRUE, &col_text, 0.0, title);
  text (cr, LEFT, 60, 13, FALSE, &col_dim, 0.0, sub);

  figure (cr, LEFT, 92, "Integrated loudness", b->integrated, a->integrated,
      "%.1f", "LUFS", fabs (a->integrated - s->lufs) <= 0.1);
  figure (cr, LEFT + 290, 92, "True peak", b->max_true_peak,
      a->max_true_peak, "%+.1f", "dBTP", a->max_true_peak <= s->ceiling);
  figure (cr, LEFT + 540, 92, "Loudness range", b->range, a->range, "%.1f",
      "LU", TRUE);
  figure (cr, LEFT + 770, 92, "PLR", b->max_true_peak - b->integrated,
      a->max_true_peak - a->integrated, "%.1f", "LU", TRUE);

  draw_loudness (cr, &loud, job);
  draw_gain_reduction (cr, &gr, job);
  draw_spectrum (cr, &spec, job);

  g_free (base_in);
  g_free (base_out);
  g_free (title);
  g_free (sub);
}

gboolean
gm_report_draw (const gchar * path, const GmJob * job, GError ** error)
{
  gboolean svg = g_str_has_suffix (path, ".svg")
      || g_str_has_suffix (path, ".SVG");
  cairo_surface_t *surface;
  cairo_status_t st;
  cairo_t *cr;

  if (svg)
    surface = cairo_svg_surface_create (path, WIDTH, HEIGHT);
  else
    surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
  st = cairo_surface_status (surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s",
        cairo_status_to_string (st));
    cairo_surface_destroy (surface);
    return FALSE;
  }
  cr = cairo_create (surface);
  draw_page (cr, job);
  st = cairo_status (cr);
  cairo_destroy (cr);
  if (st == CAIRO_STATUS_SUCCESS && !svg)
    st = cairo_surface_write_to_png (surface, path);
  cairo_surface_finish (surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s",
        st == CAIRO_STATUS_WRITE_ERROR ? g_strerror (errno)
        : cairo_status_to_string (st));
    return FALSE;
  }
  return TRUE;
}
