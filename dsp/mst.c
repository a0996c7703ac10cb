/* gst-mastering dsp: shared helpers. */
#include "mst.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>

#ifndef DISABLE_ORC
#include <orc/orc.h>
#endif
#include "mstorc.h"

void
mst_dsp_init (void)
{
#ifndef DISABLE_ORC
  /* orc_init () is idempotent and thread-safe. */
  orc_init ();
#endif
}

size_t
mst_count_nonfinite_f32 (const float *x, size_t n)
{
  size_t total = 0;

  while (n > 0) {
    size_t k = n < (size_t) INT_MAX ? n : (size_t) INT_MAX;
    int32_t bad = 0;

    mst_orc_count_nonfinite_f32 (&bad, x, (int) k);
    total += (size_t) bad;
    x += k;
    n -= k;
  }
  return total;
}

size_t
mst_count_nonfinite_f64 (const double *x, size_t n)
{
  size_t i, bad = 0;

  for (i = 0; i < n; i++)
    bad += !isfinite (x[i]);
  return bad;
}
