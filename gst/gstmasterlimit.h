/* gst-mastering: masterlimit, a true-peak lookahead limiter whose ceiling
 * is never crossed.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_MASTERLIMIT_H__
#define __GST_MASTERLIMIT_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "limiter.h"

G_BEGIN_DECLS
#define GST_TYPE_MASTERLIMIT (gst_masterlimit_get_type ())
#define GST_MASTERLIMIT(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MASTERLIMIT, GstMasterlimit))
#define GST_MASTERLIMIT_CLASS(klass) \
  (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MASTERLIMIT, \
      GstMasterlimitClass))
#define GST_IS_MASTERLIMIT(obj) \
  (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MASTERLIMIT))
#define GST_IS_MASTERLIMIT_CLASS(klass) \
  (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MASTERLIMIT))
typedef struct _GstMasterlimit GstMasterlimit;
typedef struct _GstMasterlimitClass GstMasterlimitClass;

/* User settings: written by set_property under the object lock, copied
 * once per buffer by the streaming thread. */
typedef struct
{
  gdouble ceiling;              /* dBTP */
  gdouble input_gain;           /* dB */
  gdouble lookahead;            /* ms; applied when the stream (re)starts */
  gdouble release;              /* ms */
  gboolean auto_release;
  gboolean true_peak;
  gdouble link;                 /* 0..1 */
  GstClockTime interval;        /* ns between messages */
  gboolean post_messages;
} GstMasterlimitSettings;

/**
 * GstMasterlimit:
 *
 * Opaque instance structure.
 */
struct _GstMasterlimit
{
  GstAudioFilter parent;

  /*< private > */
  /* Under the object lock. */
  GstMasterlimitSettings settings;

  /* Streaming thread only (setup, stop and the flush/EOS handlers never
   * run concurrently with it):
   *  cur           settings in effect;
   *  lim           the limiter core, created in setup for the format;
   *  meter_in/out  BS.1770 true-peak meters of input and output (for the
   *                messages);
   *  rate, channels, bpf, is_f64: the negotiated format;
   *  latency       frames (mst_limiter_latency);
   *  start_ts, start_offset: timestamp and offset of the first input frame
   *                since the last (re)start;
   *  nsamples_in   frames received since then; nsamples_out frames pushed
   *                (each output frame carries the timestamp of the input
   *                frame it comes from);
   *  msg_frames    output frames since the last message; msg_gain,
   *                msg_gain_min: last and smallest gain in that time;
   *                msg_in_peak, msg_out_peak: detected peaks (linear);
   *  nonfinite_warned: the Inf/NaN warning was posted. */
  GstMasterlimitSettings cur;
  MstLimiter *lim;
  guint rate, channels, bpf;
  gboolean is_f64;
  guint latency;
  GstClockTime start_ts;
  guint64 start_offset;
  guint64 nsamples_in;
  guint64 nsamples_out;
  guint64 msg_frames;
  gdouble msg_in_peak;
  gdouble msg_out_peak;
  gdouble msg_gain;
  gdouble msg_gain_min;
  gboolean nonfinite_warned;
};

struct _GstMasterlimitClass
{
  GstAudioFilterClass parent_class;
};

GType gst_masterlimit_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (masterlimit);

G_END_DECLS
#endif /* __GST_MASTERLIMIT_H__ */
