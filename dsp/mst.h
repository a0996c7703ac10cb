/* gst-mastering dsp: shared helpers.
 *
 * Plain C99, no GStreamer, no GLib.  Every dsp module includes this.
 */
#ifndef MST_H
#define MST_H

#include <math.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes of the dsp API. */
enum
{
  MST_OK = 0,
  MST_ERR_NOMEM = -1,
  MST_ERR_INVAL = -2,
};

/* Supported ranges, shared by every module and element. */
#define MST_RATE_MIN 8000
#define MST_RATE_MAX 384000
#define MST_CHANNELS_MAX 8

/* Prepare the kernels (initialises ORC when it is used).  Idempotent and
 * thread-safe; call before the first _new() of any module. */
void mst_dsp_init (void);

/* dB <-> linear amplitude.  mst_lin_to_db (0) is -INFINITY. */
static inline double
mst_db_to_lin (double db)
{
  return pow (10.0, db / 20.0);
}

static inline double
mst_lin_to_db (double lin)
{
  return lin > 0.0 ? 20.0 * log10 (lin) : -INFINITY;
}

/* Flush a denormal (or tiny) double to zero; used on recursive state at
 * block boundaries so denormals never enter filter loops. */
static inline double
mst_flush_denormal (double x)
{
  return fabs (x) < 1e-30 ? 0.0 : x;
}

#ifdef __cplusplus
}
#endif
#endif /* MST_H */
