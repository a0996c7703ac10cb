/* gst-mastering: masterwiden, a mid/side stereo imager with mono-safe bass
 * and a phase-correlation meter.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_MASTER_WIDEN_H__
#define __GST_MASTER_WIDEN_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "stereo.h"

G_BEGIN_DECLS
#define GST_TYPE_MASTER_WIDEN            (gst_master_widen_get_type ())
#define GST_MASTER_WIDEN(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MASTER_WIDEN, GstMasterWiden))
#define GST_MASTER_WIDEN_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MASTER_WIDEN, GstMasterWidenClass))
#define GST_IS_MASTER_WIDEN(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MASTER_WIDEN))
#define GST_IS_MASTER_WIDEN_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MASTER_WIDEN))
typedef struct _GstMasterWiden GstMasterWiden;
typedef struct _GstMasterWidenClass GstMasterWidenClass;

/* User settings: written by set_property under the object lock, copied
 * once per buffer by the streaming thread. */
typedef struct
{
  gdouble width;                /* 0..2, 1 = unchanged */
  gdouble mono_bass;            /* Hz, 0 = off */
  gdouble balance;              /* -1..1 */
  gdouble side_gain;            /* dB */
  gdouble mid_gain;             /* dB */
  gboolean safe_width;
  gdouble correlation_floor;    /* 0..0.9, for safe_width */
  gboolean post_messages;
  GstClockTime interval;        /* ns between messages */
} GstMasterWidenSettings;

/**
 * GstMasterWiden:
 *
 * Opaque instance structure.
 */
struct _GstMasterWiden
{
  GstAudioFilter parent;

  /*< private > */
  /* Under the object lock:
   *  settings         what the application asked for;
   *  refused_channels channel count of the last stream refused at
   *                   negotiation (warned about once). */
  GstMasterWidenSettings settings;
  gint refused_channels;

  /* Streaming thread only (also setup/stop, which never run concurrently
   * with it):
   *  cur              settings in effect, copied from settings;
   *  st               the imager, NULL until caps are set;
   *  meter            sums of the output over the current interval;
   *  rate, is_f64     the negotiated format;
   *  interval_frames  frames per message (>= 1);
   *  ts_base          timestamp of the first frame after the last reset,
   *                   DISCONT or first timestamped data (NONE until then);
   *  base_frames      frames from ts_base to the start of the current
   *                   interval (timestamps never drift);
   *  num_frames       frames metered in the current interval;
   *  nonfinite_warned Inf/NaN input reported (once between start and
   *                   stop; the input is scanned until then). */
  GstMasterWidenSettings cur;
  MstStereo *st;
  MstStereoMeter meter;
  guint rate;
  gboolean is_f64;
  guint64 interval_frames;
  GstClockTime ts_base;
  guint64 base_frames;
  guint64 num_frames;
  gboolean nonfinite_warned;
};

struct _GstMasterWidenClass
{
  GstAudioFilterClass parent_class;
};

GType gst_master_widen_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (masterwiden);

G_END_DECLS
#endif /* __GST_MASTER_WIDEN_H__ */
