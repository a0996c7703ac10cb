/* gst-mastering example: an application that embeds `automaster` and
 * shows a live loudness meter from its `loudnorm` messages.
 *
 *   meter-app [FILE] [PRESET]
 *
 * With FILE, the file is mastered in `live` mode (so the meter moves while
 * it plays) and played to a fake sink in real time; without FILE a 5 s
 * live test signal is used.  PRESET is one of streaming, apple, podcast,
 * broadcast, atsc, club, custom (default streaming).  One line per message:
 * momentary, short-term and integrated loudness (LUFS), the gain loudnorm
 * applies (dB), the output loudness after it (LUFS) and masterlimit's gain
 * reduction (dB).  On a terminal the line is redrawn in place.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

typedef struct
{
  GMainLoop *loop;
  gboolean tty;
  gdouble limiter_gr;           /* dB, from the last masterlimit message */
  gint ret;
} App;

static gdouble
get_double (const GstStructure * s, const gchar * field)
{
  gdouble v = 0.0;

  gst_structure_get_double (s, field, &v);
  return v;
}

static void
print_meter (App * app, const GstStructure * s)
{
  gboolean final = FALSE;
  GstClockTime ts = GST_CLOCK_TIME_NONE;

  gst_structure_get_boolean (s, "final", &final);
  gst_structure_get_uint64 (s, "running-time", &ts);
  /* momentary, short-term and integrated are measured on loudnorm's
   * input; output-integrated-loudness after its gain and limiter */
  g_print ("%s%" GST_TIME_FORMAT "  M %6.1f  S %6.1f  I %6.1f LUFS  "
      "gain %+5.1f dB  out %6.1f LUFS  limiter %4.1f dB%s",
      app->tty ? "\r" : "", GST_TIME_ARGS (ts),
      get_double (s, "momentary-loudness"),
      get_double (s, "shortterm-loudness"),
      get_double (s, "integrated-loudness"), get_double (s, "gain"),
      get_double (s, "output-integrated-loudness"), fabs (app->limiter_gr),
      app->tty && !final ? "" : "\n");
  if (final)
    g_print ("final: output %.2f LUFS (input %.2f LUFS, max true peak "
        "%.2f dBTP)\n", get_double (s, "output-integrated-loudness"),
        get_double (s, "integrated-loudness"), get_double (s, "max-true-peak"));
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  const GstStructure *s;
  GError *err = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      /* the children's messages come through the bin unchanged */
      s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, "loudnorm"))
        print_meter (app, s);
      else if (gst_structure_has_name (s, "masterlimit"))
        app->limiter_gr = get_double (s, "gain-reduction");
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error from %s: %s\n", GST_OBJECT_NAME (msg->src),
          err->message);
      g_clear_error (&err);
      app->ret = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  App app = { NULL, FALSE, 0.0, 0 };
  GstElement *pipeline, *master;
  GError *err = NULL;
  GstBus *bus;
  gchar *desc, *uri;

  gst_init (&argc, &argv);

  if (argc > 1) {
    uri = gst_filename_to_uri (argv[1], &err);
    if (uri == NULL) {
      g_printerr ("%s: %s\n", argv[1], err->message);
      return 1;
    }
    desc = g_strdup_printf ("uridecodebin uri=%s ! audioconvert ! "
        "audioresample ! automaster name=master mode=live ! "
        "fakesink sync=true", uri);
    g_free (uri);
  } else {
    desc = g_strdup ("audiotestsrc is-live=true wave=pink-noise volume=0.1 "
        "samplesperbuffer=4800 num-buffers=50 ! "
        "audio/x-raw,format=F32LE,rate=48000,channels=2 ! "
        "automaster name=master mode=live ! fakesink sync=true");
  }
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("pipeline: %s\n", err->message);
    return 1;
  }

  master = gst_bin_get_by_name (GST_BIN (pipeline), "master");
  if (argc > 2)
    gst_util_set_object_arg (G_OBJECT (master), "preset", argv[2]);
  /* a meter wants frequent readings and a short lookahead; set the
   * children after the preset (it rewrites the chain settings) */
  gst_child_proxy_set (GST_CHILD_PROXY (master),
      "loudnorm::interval", (guint64) (200 * GST_MSECOND),
      "loudnorm::lookahead", 500, "limit::interval",
      (guint64) (200 * GST_MSECOND), NULL);
  gst_object_unref (master);

  app.loop = g_main_loop_new (NULL, FALSE);
  app.tty = isatty (STDOUT_FILENO);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_message, &app);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("could not start the pipeline\n");
    app.ret = 1;
  } else {
    g_main_loop_run (app.loop);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);
  return app.ret;
}
