/* gst-mastering: masteq, a mastering equaliser with stereo and mid/side
 * bands.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_MASTEQ_H__
#define __GST_MASTEQ_H__

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "eq.h"

G_BEGIN_DECLS
#define GST_TYPE_MASTEQ_BAND_TYPE (gst_masteq_band_type_get_type ())
    GType gst_masteq_band_type_get_type (void);
#define GST_TYPE_MASTEQ_CHANNELS (gst_masteq_channels_get_type ())
GType gst_masteq_channels_get_type (void);

/* One band: a child object named band0 .. band15. */
#define GST_TYPE_MASTEQ_BAND (gst_masteq_band_get_type ())
G_DECLARE_FINAL_TYPE (GstMasteqBand, gst_masteq_band, GST, MASTEQ_BAND,
    GstObject)
     struct _GstMasteqBand
     {
       GstObject parent;

       /* settings, under the band's object lock */
       MstEqBand set;
     };

#define GST_TYPE_MASTEQ (gst_masteq_get_type ())
G_DECLARE_FINAL_TYPE (GstMasteq, gst_masteq, GST, MASTEQ, GstAudioFilter)
     struct _GstMasteq
     {
       GstAudioFilter parent;

       /* settings, under the object lock */
       guint num_bands;
       gdouble output_gain;
       gboolean auto_gain;
       GstMasteqBand *bands[MST_EQ_MAX_BANDS];

       /* streaming state */
       MstEq *eq;
       gdouble auto_gain_db;    /* last applied, for the read-only property */
       gboolean nonfinite_warned;       /* Inf/NaN input reported (once
                                         * between start and stop) */
     };

GST_ELEMENT_REGISTER_DECLARE (masteq);

G_END_DECLS
#endif /* __GST_MASTEQ_H__ */
