/* gst-mastering: automaster, the whole mastering chain in one bin
 * (masteq ! mastercomp ! masterwiden ! masterlimit ! loudnorm) set up by a
 * preset and one intensity control.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_AUTOMASTER_H__
#define __GST_AUTOMASTER_H__

#include <gst/gst.h>

G_BEGIN_DECLS
#define GST_TYPE_AUTOMASTER (gst_automaster_get_type ())
#define GST_AUTOMASTER(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_AUTOMASTER, GstAutomaster))
#define GST_AUTOMASTER_CLASS(klass) \
  (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_AUTOMASTER, \
      GstAutomasterClass))
#define GST_IS_AUTOMASTER(obj) \
  (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_AUTOMASTER))
#define GST_IS_AUTOMASTER_CLASS(klass) \
  (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_AUTOMASTER))
#define GST_TYPE_AUTOMASTER_PRESET (gst_automaster_preset_get_type ())
#define GST_TYPE_AUTOMASTER_MODE (gst_automaster_mode_get_type ())
typedef struct _GstAutomaster GstAutomaster;
typedef struct _GstAutomasterClass GstAutomasterClass;

/**
 * GstAutomasterPreset:
 * @GST_AUTOMASTER_PRESET_STREAMING: -14 LUFS, -1 dBTP (Spotify, YouTube,
 *     Tidal, Amazon)
 * @GST_AUTOMASTER_PRESET_APPLE: -16 LUFS, -1 dBTP (Apple Music Sound Check)
 * @GST_AUTOMASTER_PRESET_PODCAST: -16 LUFS, -1 dBTP, speech-friendly
 *     compression and EQ
 * @GST_AUTOMASTER_PRESET_BROADCAST: -23 LUFS, -1 dBTP (EBU R128)
 * @GST_AUTOMASTER_PRESET_ATSC: -24 LKFS, -2 dBTP (ATSC A/85)
 * @GST_AUTOMASTER_PRESET_CLUB: -9 LUFS, -0.5 dBTP, more limiting
 * @GST_AUTOMASTER_PRESET_CUSTOM: the targets as set, streaming character
 *
 * Loudness targets and chain character.
 */
typedef enum
{
  GST_AUTOMASTER_PRESET_STREAMING,
  GST_AUTOMASTER_PRESET_APPLE,
  GST_AUTOMASTER_PRESET_PODCAST,
  GST_AUTOMASTER_PRESET_BROADCAST,
  GST_AUTOMASTER_PRESET_ATSC,
  GST_AUTOMASTER_PRESET_CLUB,
  GST_AUTOMASTER_PRESET_CUSTOM
} GstAutomasterPreset;

/**
 * GstAutomasterMode:
 * @GST_AUTOMASTER_MODE_FILE: loudnorm mode `file`: holds the stream until
 *     EOS, then one gain (not for live pipelines)
 * @GST_AUTOMASTER_MODE_LIVE: loudnorm mode `dynamic`: lookahead, smoothed
 *     gain, live-capable
 */
typedef enum
{
  GST_AUTOMASTER_MODE_FILE,
  GST_AUTOMASTER_MODE_LIVE
} GstAutomasterMode;

/* Settings, under the object lock (written by set_property):
 *  preset, intensity (0..100), mode: as the properties;
 *  target_loudness (LUFS), true_peak_limit (dBTP): what loudnorm aims at,
 *      set by the preset or explicitly (the last write wins).
 *
 * The children never change after init: eq, comp, widen, limit and
 * loudnorm point at the bin's own children (no extra reference).
 *
 * Streaming state, written only by the caps event probe on eq's sink pad
 * (the streaming thread, before the caps reach the chain) and read by the
 * caps query probes around the imager:
 *  widen_bypassed: comp is linked straight to limit because the stream is
 *      not stereo (masterwiden takes stereo only). */
struct _GstAutomaster
{
  GstBin parent;

  /*< private > */
  GstAutomasterPreset preset;
  gdouble intensity;
  GstAutomasterMode mode;
  gdouble target_loudness;
  gdouble true_peak_limit;

  GstElement *eq;
  GstElement *comp;
  GstElement *widen;
  GstElement *limit;
  GstElement *loudnorm;

  gboolean widen_bypassed;
};

struct _GstAutomasterClass
{
  GstBinClass parent_class;
};

GType gst_automaster_get_type (void);
GType gst_automaster_preset_get_type (void);
GType gst_automaster_mode_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (automaster);

G_END_DECLS
#endif /* __GST_AUTOMASTER_H__ */
