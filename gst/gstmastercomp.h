/* gst-mastering: mastercomp, a mastering compressor, broadband and
 * multiband.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_MASTERCOMP_H__
#define __GST_MASTERCOMP_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "compressor.h"

G_BEGIN_DECLS
#define GST_TYPE_MASTERCOMP            (gst_mastercomp_get_type ())
#define GST_MASTERCOMP(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MASTERCOMP, GstMastercomp))
#define GST_MASTERCOMP_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MASTERCOMP, GstMastercompClass))
#define GST_IS_MASTERCOMP(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MASTERCOMP))
#define GST_IS_MASTERCOMP_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MASTERCOMP))
#define GST_TYPE_MASTERCOMP_BAND       (gst_mastercomp_band_get_type ())
#define GST_MASTERCOMP_BAND(obj)       (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MASTERCOMP_BAND, GstMastercompBand))
#define GST_TYPE_MASTERCOMP_DETECTOR   (gst_mastercomp_detector_get_type ())
typedef struct _GstMastercomp GstMastercomp;
typedef struct _GstMastercompClass GstMastercompClass;
typedef struct _GstMastercompBand GstMastercompBand;
typedef struct _GstMastercompBandClass GstMastercompBandClass;

/**
 * GstMastercompDetector:
 * @GST_MASTERCOMP_DETECTOR_PEAK: instantaneous sample magnitude
 * @GST_MASTERCOMP_DETECTOR_RMS: 10 ms mean square, calibrated so that a
 *   sine reads its peak level
 *
 * What level the threshold is compared with.
 */
typedef enum
{
  GST_MASTERCOMP_DETECTOR_PEAK = MST_COMP_DETECTOR_PEAK,
  GST_MASTERCOMP_DETECTOR_RMS = MST_COMP_DETECTOR_RMS,
} GstMastercompDetector;

/* Settings of one band: written under the band object's lock. */
typedef struct
{
  gdouble threshold;            /* dBFS */
  gdouble ratio;
  gdouble attack;               /* ms */
  gdouble release;              /* ms */
  gdouble makeup;               /* dB */
  gboolean bypass;
} GstMastercompBandSettings;

/**
 * GstMastercompBand:
 *
 * One band of a multiband #GstMastercomp, reached through #GstChildProxy as
 * `band0` .. `band3`.
 */
struct _GstMastercompBand
{
  GstObject parent;

  /*< private > */
  GstMastercompBandSettings settings;   /* under the object lock */
};

struct _GstMastercompBandClass
{
  GstObjectClass parent_class;
};

/* Element settings: written by set_property under the object lock, copied
 * once per buffer by the streaming thread. */
typedef struct
{
  gdouble threshold, ratio, knee, attack, release, makeup, mix;
  gboolean auto_release, auto_makeup;
  GstMastercompDetector detector;
  gdouble sidechain_hpf, link, lookahead;
  guint bands;
  gdouble xover[3];
  gboolean post_messages;
  GstClockTime interval;
} GstMastercompSettings;

/**
 * GstMastercomp:
 *
 * Opaque instance structure.
 */
struct _GstMastercomp
{
  GstAudioFilter parent;

  /*< private > */
  /* Under the object lock: settings, what the application asked for.
   * band[] are the four band objects (always alive, parented to the
   * element; the first `bands` are exposed when bands > 1). */
  GstMastercompSettings settings;
  GstMastercompBand *band[MST_COMP_BANDS_MAX];

  /* Streaming thread only (and setup/stop, which never run concurrently
   * with it):
   *  cur, cur_band   settings in effect (copied once per buffer);
   *  comp            the compressor, NULL until caps are set; its band
   *                  count and lookahead are fixed at creation;
   *  channels, rate, bpf, is_f64   the negotiated format;
   *  latency         lookahead in frames;
   *  skip            output frames still to drop at the stream start
   *                  (the delay line's initial silence);
   *  ts_base         timestamp of the first input frame after a reset
   *                  or discontinuity (NONE until then);
   *  frames_in       input frames since ts_base;
   *  frames_out      output frames since ts_base (timestamps are computed
   *                  from ts_base so they never drift);
   *  interval_frames frames per message, num_frames counted so far,
   *                  msg_start input frame (since ts_base) of the
   *                  message interval;
   *  gr[]            largest gain reduction per band in the interval;
   *  nonfinite_warned  the bus warning about Inf/NaN input was posted
   *                  (once between start and stop). */
  GstMastercompSettings cur;
  GstMastercompBandSettings cur_band[MST_COMP_BANDS_MAX];
  MstCompressor *comp;
  guint channels, rate, bpf;
  gboolean is_f64;
  guint latency;
  guint64 skip;
  GstClockTime ts_base;
  guint64 frames_in, frames_out;
  guint64 interval_frames, num_frames, msg_start;
  gdouble gr[MST_COMP_BANDS_MAX];
  gboolean nonfinite_warned;
};

struct _GstMastercompClass
{
  GstAudioFilterClass parent_class;
};

GType gst_mastercomp_get_type (void);
GType gst_mastercomp_band_get_type (void);
GType gst_mastercomp_detector_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (mastercomp);

G_END_DECLS
#endif /* __GST_MASTERCOMP_H__ */
