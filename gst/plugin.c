/* gst-mastering: the `mastering` plugin.
 *
 * Registration only: every element lives in its own gst<element>.c.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/gst.h>

#include "mst.h"
#include "gstloudnorm.h"
#include "gstmastercomp.h"
#include "gstmasterwiden.h"
#include "gstmasteq.h"
#include "gstmasterlimit.h"
#include "gstautomaster.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  mst_dsp_init ();

  ret |= GST_ELEMENT_REGISTER (loudnorm, plugin);
  ret |= GST_ELEMENT_REGISTER (mastercomp, plugin);
  ret |= GST_ELEMENT_REGISTER (masterwiden, plugin);
  ret |= GST_ELEMENT_REGISTER (masteq, plugin);
  ret |= GST_ELEMENT_REGISTER (masterlimit, plugin);
  ret |= GST_ELEMENT_REGISTER (automaster, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mastering,
    "Mastering: loudness metering and normalisation, true-peak limiting, "
    "EQ, dynamics and stereo imaging",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN);
