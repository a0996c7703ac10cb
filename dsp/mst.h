/* gst-mastering dsp: shared helpers.
 *
 * Plain C99, no GStreamer, no GLib.  Every dsp module includes this.
 */
#ifndef MST_H
#define MST_H

#include <math.h>
#include <stddef.h>

#if defined(__SSE__) && !defined(DISABLE_ORC)
#include <xmmintrin.h>
#endif


/* Supported ranges, shared by every module and element. */
#define MST_RATE_MIN 8000
#define MST_RATE_MAX 384000
#define MST_CHANNELS_MAX 8
/* Return codes of the dsp API. */
enum
{
  MST_OK = 0,
  MST_ERR_NOMEM = -1,
  MST_ERR_INVAL = -2,
};

/* Prepare the kernels (initialises ORC when it is used).  Idempotent and
 * thread-safe; call before the first _new() of any module. */
void mst_dsp_init (void);

/* How many of the n samples are Inf or NaN (the F32 count is an ORC
 * kernel: no branch per sample). */
size_t mst_count_nonfinite_f32 (const float *x, size_t n);
size_t mst_count_nonfinite_f64 (const double *x, size_t n);

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

/* The caller's floating-point mode.  ORC 0.4.33's compiled float kernels
 * switch the calling thread to flush-to-zero / denormals-are-zero (MXCSR)
 * and leave it so.  Every public dsp function that runs ORC kernels saves
 * the mode on entry and restores it before returning, so neither the
 * caller's code nor our C recursions run in a mode the caller did not
 * choose, and results do not depend on whether ORC or its C backup ran. */
typedef unsigned int MstFpMode;

static inline MstFpMode
mst_fp_mode_save (void)
{
#if defined(__SSE__) && !defined(DISABLE_ORC)
  return _mm_getcsr ();
#else
  return 0;
#endif
}

static inline void
mst_fp_mode_restore (MstFpMode mode)
{
#if defined(__SSE__) && !defined(DISABLE_ORC)
  _mm_setcsr (mode);
#else
  (void) mode;
#endif
}
#endif /* MST_H */
