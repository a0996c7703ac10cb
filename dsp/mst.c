/* gst-mastering dsp: shared helpers. */
#include "mst.h"

#ifndef DISABLE_ORC
#include <orc/orc.h>
#endif

void
mst_dsp_init (void)
{
#ifndef DISABLE_ORC
  /* orc_init () is idempotent and thread-safe. */
  orc_init ();
#endif
}
