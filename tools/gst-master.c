/* gst-master: command-line front end of gst-mastering.
 *
 *   gst-master --analyze FILE...
 *
 * decodes each FILE with `filesrc ! decodebin ! audioconvert ! loudnorm
 * mode=measure ! fakesink`, reads the final `loudnorm` element message
 * (posted at EOS) and prints an EBU R128 report: integrated loudness,
 * loudness range, true peak and sample peak (maximum and per channel),
 * maximum momentary and short-term loudness.
 *
 * main () only parses the command line and dispatches to one function per
 * job, so mastering (`gst-master IN OUT ...`), presets and batch runs slot
 * in beside run_analyze ().
 *
 * Exit status: 0 success, 1 a file could not be analysed, 2 usage error,
 * 3 a needed GStreamer element is missing.
 *
 * Copyright (C) 2026 gst-mastering developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/pbutils/pbutils.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_NO_ELEMENT 3

#define PLUGIN_HINT                                                            \
  "build the project and set GST_PLUGIN_PATH to its gst/ directory "           \
  "(GST_PLUGIN_PATH=build/gst) or install it with 'meson install -C build'"

/* Measurement of one file, from the final loudnorm message.  Loudness in
 * LUFS, range in LU, peaks in dBTP / dBFS; -INFINITY where undefined. */
typedef struct
{
  gdouble integrated;
  gdouble range;
  gdouble max_true_peak;
  gdouble max_momentary;
  gdouble max_shortterm;
  guint channels;
  gdouble true_peak[64];
  gdouble sample_peak[64];
  gint rate;
  GstAudioChannelPosition position[64];
  GstClockTime duration;
} Report;

/* Shared between the streaming threads (decodebin pad-added,
 * no-more-pads) and the main thread.  convert is set before the pipeline
 * starts; the flags are read and written with g_atomic_int_* only. */
typedef struct
{
  GstElement *convert;
  gint linked_audio;
  gint saw_no_more_pads;
} Decode;

static const gchar *
channel_label (GstAudioChannelPosition pos, guint ch, gchar * buf, gsize len)
{
  switch (pos) {
    case GST_AUDIO_CHANNEL_POSITION_MONO:
      return "mono";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT:
      return "L";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT:
      return "R";
    case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER:
      return "C";
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
      return "LFE";
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
      return "Ls";
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
      return "Rs";
    default:
      g_snprintf (buf, len, "ch%u", ch + 1);
      return buf;
  }
}

/* "-22.6", "+0.7" (sign for peaks), "-inf" */
static gchar *
format_db (gdouble v, gboolean sign)
{
  if (isnan (v))
    return g_strdup ("n/a");
  if (isinf (v))
    return g_strdup (v < 0 ? "-inf" : "+inf");
  return g_strdup_printf (sign ? "%+.1f" : "%.1f", v);
}

/* "  LABEL                  VALUE UNIT", values from column 25 */
static void
print_value (const gchar * label, gdouble v, gboolean sign, const gchar * unit)
{
  gchar *s = format_db (v, sign);

  g_print ("  %-22s %s %s\n", label, s, unit);
  g_free (s);
}

static void
print_channels (const Report * r, const gdouble * v, const gchar * unit)
{
  guint c;

  for (c = 0; c < r->channels; c++) {
    gchar buf[16];
    gchar *s = format_db (v[c], TRUE);

    g_print ("    %-20s %s %s\n",
        channel_label (r->position[c], c, buf, sizeof (buf)), s, unit);
    g_free (s);
  }
}

static void
print_report (const gchar * file, const Report * r)
{
  gdouble max_sample_peak = -INFINITY;
  guint c;

  for (c = 0; c < r->channels; c++)
    max_sample_peak = MAX (max_sample_peak, r->sample_peak[c]);

  g_print ("Loudness report: %s\n", file);
  if (GST_CLOCK_TIME_IS_VALID (r->duration))
    g_print ("  %-22s %.3f s, %d Hz, %u channel%s\n",
        "Duration:", (gdouble) r->duration / GST_SECOND, r->rate,
        r->channels, r->channels == 1 ? "" : "s");
  else
    g_print ("  %-22s %d Hz, %u channel%s\n", "Format:", r->rate, r->channels,
        r->channels == 1 ? "" : "s");
  print_value ("Integrated loudness:", r->integrated, FALSE, "LUFS");
  print_value ("Loudness range:", r->range, FALSE, "LU");
  print_value ("True peak (max):", r->max_true_peak, TRUE, "dBTP");
  print_channels (r, r->true_peak, "dBTP");
  print_value ("Sample peak (max):", max_sample_peak, TRUE, "dBFS");
  print_channels (r, r->sample_peak, "dBFS");
  print_value ("Max momentary:", r->max_momentary, FALSE, "LUFS");
  print_value ("Max short-term:", r->max_shortterm, FALSE, "LUFS");
}

static gboolean
get_double (const GstStructure * st, const gchar * name, gdouble * v)
{
  if (!gst_structure_get_double (st, name, v)) {
    *v = NAN;
    return FALSE;
  }
  return TRUE;
}

/* Per-channel array of doubles; returns its length (at most max). */
static guint
get_double_array (const GstStructure * st, const gchar * name, gdouble * v,
    guint max)
{
  const GValue *arr = gst_structure_get_value (st, name);
  guint i, n;

  if (!arr || !GST_VALUE_HOLDS_ARRAY (arr))
    return 0;
  n = MIN (gst_value_array_get_size (arr), max);
  for (i = 0; i < n; i++) {
    const GValue *e = gst_value_array_get_value (arr, i);
    v[i] = G_VALUE_HOLDS_DOUBLE (e) ? g_value_get_double (e) : NAN;
  }
  return n;
}

static gboolean
report_from_message (const GstStructure * st, Report * r)
{
  gboolean ok = TRUE;
  guint ntp, nsp;

  ok &= get_double (st, "integrated-loudness", &r->integrated);
  ok &= get_double (st, "loudness-range", &r->range);
  ok &= get_double (st, "max-true-peak", &r->max_true_peak);
  ok &= get_double (st, "max-momentary-loudness", &r->max_momentary);
  ok &= get_double (st, "max-shortterm-loudness", &r->max_shortterm);
  ntp = get_double_array (st, "true-peak", r->true_peak,
      G_N_ELEMENTS (r->true_peak));
  nsp = get_double_array (st, "sample-peak", r->sample_peak,
      G_N_ELEMENTS (r->sample_peak));
  if (ntp == 0 || ntp != nsp)
    ok = FALSE;
  r->channels = MIN (ntp, nsp);
  return ok;
}

static gboolean
is_audio_pad (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean audio = FALSE;

  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0) {
    const gchar *name
        = gst_structure_get_name (gst_caps_get_structure (caps, 0));
    audio = g_str_has_prefix (name, "audio/");
  }
  if (caps)
    gst_caps_unref (caps);
  return audio;
}

/* decodebin: link the first audio stream, leave the others unlinked. */
static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  Decode *d = user_data;
  GstPad *sink;

  if (!is_audio_pad (pad) || g_atomic_int_get (&d->linked_audio))
    return;
  sink = gst_element_get_static_pad (d->convert, "sink");
  if (!gst_pad_is_linked (sink) && gst_pad_link (pad, sink) == GST_PAD_LINK_OK)
    g_atomic_int_set (&d->linked_audio, 1);
  gst_object_unref (sink);
}

static void
on_no_more_pads (GstElement * decodebin, gpointer user_data)
{
  Decode *d = user_data;

  g_atomic_int_set (&d->saw_no_more_pads, 1);
  if (!g_atomic_int_get (&d->linked_audio))
    gst_element_post_message (decodebin,
        gst_message_new_application (GST_OBJECT (decodebin),
            gst_structure_new_empty ("gst-master-no-audio")));
}

/* Sets a property from its string form if the element has it (so this
 * tool keeps working with older and newer element versions). */
static void
set_arg_if_exists (GstElement * e, const gchar * prop, const gchar * value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop))
    gst_util_set_object_arg (G_OBJECT (e), prop, value);
}

/* One-line description of a pipeline error for FILE. */
static gchar *
describe_error (GError * err, const Decode * d, const gchar * missing)
{
  if (missing)
    return g_strdup_printf ("cannot decode: no decoder installed for %s",
        missing);
  if (g_atomic_int_get ((gint *) & d->saw_no_more_pads)
      && !g_atomic_int_get ((gint *) & d->linked_audio))
    return g_strdup ("no audio stream");
  if (err->domain == GST_STREAM_ERROR
      && (err->code == GST_STREAM_ERROR_TYPE_NOT_FOUND
          || err->code == GST_STREAM_ERROR_WRONG_TYPE
          || err->code == GST_STREAM_ERROR_DECODE
          || err->code == GST_STREAM_ERROR_DEMUX))
    return g_strdup_printf ("cannot decode: not an audio or media file "
        "this system can read (%s)", err->message);
  if (err->domain == GST_CORE_ERROR
      && err->code == GST_CORE_ERROR_MISSING_PLUGIN)
    return g_strdup_printf ("cannot decode: %s", err->message);
  if (err->domain == GST_STREAM_ERROR && err->code == GST_STREAM_ERROR_FORMAT)
    return g_strdup_printf ("unsupported audio format (loudnorm takes 1-8 "
        "channels): %s", err->message);
  return g_strdup (err->message);
}

/* Runs the measuring pipeline on FILE.  On failure prints one line to
 * stderr and returns FALSE. */
static gboolean
analyze_file (const gchar * file, Report * r)
{
  GstElement *pipeline = NULL, *src = NULL, *dec = NULL, *conv = NULL,
      *meter = NULL, *sink = NULL;
  GstStructure *last = NULL;
  gboolean last_is_final = FALSE;
  gchar *missing = NULL;
  gchar *failure = NULL;
  Decode d = { NULL, 0, 0 };
  GstBus *bus = NULL;
  gboolean done = FALSE, ok = FALSE;

  if (!g_file_test (file, G_FILE_TEST_EXISTS)) {
    g_printerr ("gst-master: %s: no such file\n", file);
    return FALSE;
  }
  if (g_file_test (file, G_FILE_TEST_IS_DIR)) {
    g_printerr ("gst-master: %s: is a directory\n", file);
    return FALSE;
  }

  pipeline = gst_pipeline_new ("analyze");
  src = gst_element_factory_make ("filesrc", "src");
  dec = gst_element_factory_make ("decodebin", "decode");
  conv = gst_element_factory_make ("audioconvert", "convert");
  meter = gst_element_factory_make ("loudnorm", "meter");
  sink = gst_element_factory_make ("fakesink", "sink");
  if (!src || !dec || !conv || !meter || !sink) {
    /* checked up front in main (); only reached on a broken registry */
    g_printerr ("gst-master: %s: cannot create the pipeline\n", file);
    gst_clear_object (&src);
    gst_clear_object (&dec);
    gst_clear_object (&conv);
    gst_clear_object (&meter);
    gst_clear_object (&sink);
    gst_object_unref (pipeline);
    return FALSE;
  }

  g_object_set (src, "location", file, NULL);
  set_arg_if_exists (meter, "mode", "measure");
  set_arg_if_exists (meter, "post-messages", "true");
  /* only the final message is used: few periodic ones */
  set_arg_if_exists (meter, "interval", "10000000000");
  g_object_set (sink, "sync", FALSE, NULL);

  gst_bin_add_many (GST_BIN (pipeline), src, dec, conv, meter, sink, NULL);
  if (!gst_element_link (src, dec)
      || !gst_element_link_many (conv, meter, sink, NULL)) {
    g_printerr ("gst-master: %s: cannot link the pipeline\n", file);
    gst_object_unref (pipeline);
    return FALSE;
  }

  d.convert = conv;
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), &d);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), &d);

  bus = gst_element_get_bus (pipeline);
  /* on failure an error message on the bus says why */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_ELEMENT
        | GST_MESSAGE_APPLICATION);
    const GstStructure *st;

    if (!msg)
      break;
    st = gst_message_get_structure (msg);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ELEMENT:
        if (GST_MESSAGE_SRC (msg) == GST_OBJECT (meter)
            && gst_structure_has_name (st, "loudnorm")) {
          gboolean final = FALSE;
          gst_structure_get_boolean (st, "final", &final);
          if (final || !last_is_final) {
            if (last)
              gst_structure_free (last);
            last = gst_structure_copy (st);
            last_is_final = final;
          }
        } else if (gst_is_missing_plugin_message (msg) && !missing) {
          missing = gst_missing_plugin_message_get_description (msg);
        }
        break;
      case GST_MESSAGE_APPLICATION:
        if (gst_structure_has_name (st, "gst-master-no-audio")) {
          failure = g_strdup ("no audio stream");
          done = TRUE;
        }
        break;
      case GST_MESSAGE_ERROR:{
        GError *err = NULL;
        gst_message_parse_error (msg, &err, NULL);
        failure = describe_error (err, &d, missing);
        g_clear_error (&err);
        done = TRUE;
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        ok = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }

  if (ok && !g_atomic_int_get (&d.linked_audio)) {
    failure = g_strdup ("no audio stream");
    ok = FALSE;
  }
  if (ok && !last) {
    failure = g_strdup ("no loudness measurement (the file has no audio "
        "samples, or 'loudnorm' posted no message)");
    ok = FALSE;
  }

  if (ok) {
    GstPad *pad = gst_element_get_static_pad (meter, "sink");
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstAudioInfo info;
    gint64 dur = -1;
    guint c;

    memset (r, 0, sizeof (*r));
    for (c = 0; c < G_N_ELEMENTS (r->position); c++)
      r->position[c] = GST_AUDIO_CHANNEL_POSITION_INVALID;
    if (caps && gst_audio_info_from_caps (&info, caps)) {
      r->rate = GST_AUDIO_INFO_RATE (&info);
      for (c = 0; c < (guint) GST_AUDIO_INFO_CHANNELS (&info)
          && c < G_N_ELEMENTS (r->position); c++)
        r->position[c] = info.position[c];
    }
    if (caps)
      gst_caps_unref (caps);
    gst_object_unref (pad);
    r->duration = GST_CLOCK_TIME_NONE;
    if (gst_element_query_duration (pipeline, GST_FORMAT_TIME, &dur)
        && dur >= 0)
      r->duration = dur;

    if (!report_from_message (last, r)) {
      failure = g_strdup ("the 'loudnorm' message lacks fields this tool "
          "needs (plugin and tool versions differ?)");
      ok = FALSE;
    }
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (failure)
    g_printerr ("gst-master: %s: %s\n", file, failure);

  g_free (failure);
  g_free (missing);
  if (last)
    gst_structure_free (last);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ok;
}

/* gst-master --analyze FILE... */
static int
run_analyze (gchar ** files)
{
  int ret = EXIT_SUCCESS;
  guint i;

  for (i = 0; files[i]; i++) {
    Report r;

    if (i > 0)
      g_print ("\n");
    if (analyze_file (files[i], &r))
      print_report (files[i], &r);
    else
      ret = EXIT_FAILED;
  }
  return ret;
}

/* Elements every job needs; one line per missing one. */
static gboolean
check_elements (void)
{
  static const gchar *const needed[] = {
    "filesrc", "decodebin", "audioconvert", "fakesink", "loudnorm",
  };
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (needed); i++) {
    GstElementFactory *f = gst_element_factory_find (needed[i]);
    if (f) {
      gst_object_unref (f);
      continue;
    }
    if (strcmp (needed[i], "loudnorm") == 0)
      g_printerr ("gst-master: GStreamer element 'loudnorm' not found: "
          PLUGIN_HINT "\n");
    else
      g_printerr ("gst-master: GStreamer element '%s' not found: install "
          "gstreamer1.0-plugins-base\n", needed[i]);
    ok = FALSE;
  }
  return ok;
}

int
main (int argc, char **argv)
{
  gboolean analyze = FALSE;
  gchar **files = NULL;
  GOptionEntry entries[]
      = { {"analyze", 'a', 0, G_OPTION_ARG_NONE, &analyze,
          "Measure each FILE (EBU R128 / ITU-R BS.1770-4) and print a "
          "loudness report",
      NULL},
  {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
      "FILE..."},
  {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  int ret;

  ctx = g_option_context_new ("--analyze FILE... - loudness analysis and "
      "mastering");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_summary (ctx,
      "Analyse the loudness of audio files with the gst-mastering 'loudnorm'\n"
      "element: integrated loudness (LUFS), loudness range (LU), true peak\n"
      "(dBTP) and sample peak (dBFS) per channel and maximum, maximum\n"
      "momentary and short-term loudness (LUFS).  Any file GStreamer can\n"
      "decode is accepted; the first audio stream is measured.");
  g_option_context_set_description (ctx,
      "Examples:\n"
      "  gst-master --analyze song.flac\n"
      "  gst-master --analyze \"My Album/01 Intro.wav\" \"My Album/02.wav\"\n"
      "\n"
      "The 'loudnorm' element comes from the 'mastering' plugin: after\n"
      "'meson install -C build' GStreamer finds it; from a build tree set\n"
      "GST_PLUGIN_PATH=build/gst.\n"
      "\n"
      "Exit status: 0 success, 1 a file could not be analysed, 2 usage\n"
      "error, 3 a needed GStreamer element is missing.");

  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("gst-master: %s (see --help)\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return EXIT_USAGE;
  }
  g_option_context_free (ctx);

  if (!analyze) {
    g_printerr ("gst-master: nothing to do: use --analyze FILE... "
        "(see --help)\n");
    g_strfreev (files);
    return EXIT_USAGE;
  }
  if (!files || !files[0]) {
    g_printerr ("gst-master: --analyze needs at least one FILE "
        "(see --help)\n");
    g_strfreev (files);
    return EXIT_USAGE;
  }

  if (!check_elements ()) {
    g_strfreev (files);
    return EXIT_NO_ELEMENT;
  }

  ret = run_analyze (files);

  g_strfreev (files);
  gst_deinit ();
  return ret;
}
