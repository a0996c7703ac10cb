/* gst-mastering tests: the arithmetic of ORC's C backup, for plain-C twins
 * of the ORC kernels (tests compare each kernel with its twin bit for
 * bit, with ORC and with ORC_CODE=backup).
 *
 * ORC flushes denormals (ORC_DENORMAL, ORC_DENORMAL_DOUBLE: a zero
 * exponent keeps only the sign) on the operands and the result of every
 * float operation; the twins do the same.
 */
#ifndef MST_ORCTWIN_H
#define MST_ORCTWIN_H

#include <stdint.h>

static inline uint32_t
f2u (float f)
{
  union
  {
    float f;
    uint32_t u;
  } v;
  v.f = f;
  return v.u;
}

static inline float
u2f (uint32_t u)
{
  union
  {
    float f;
    uint32_t u;
  } v;
  v.u = u;
  return v.f;
}

static inline uint64_t
d2u (double d)
{
  union
  {
    double d;
    uint64_t u;
  } v;
  v.d = d;
  return v.u;
}

static inline double
u2d (uint64_t u)
{
  union
  {
    double d;
    uint64_t u;
  } v;
  v.u = u;
  return v.d;
}

/* ORC_DENORMAL / ORC_DENORMAL_DOUBLE */
static inline float
flushf (float f)
{
  uint32_t u = f2u (f);
  return u2f ((u & 0x7f800000u) == 0 ? (u & 0x80000000u) : u);
}

static inline double
flushd (double d)
{
  uint64_t u = d2u (d);
  return u2d ((u & 0x7ff0000000000000ull) == 0 ?
      (u & 0x8000000000000000ull) : u);
}

static inline float
addf (float a, float b)
{
  return flushf (flushf (a) + flushf (b));
}

static inline float
subf (float a, float b)
{
  return flushf (flushf (a) - flushf (b));
}

static inline float
mulf (float a, float b)
{
  return flushf (flushf (a) * flushf (b));
}

static inline double
addd (double a, double b)
{
  return flushd (flushd (a) + flushd (b));
}

static inline double
subd (double a, double b)
{
  return flushd (flushd (a) - flushd (b));
}

static inline double
muld (double a, double b)
{
  return flushd (flushd (a) * flushd (b));
}

/* convdf */
static inline float
convdf (double a)
{
  return flushf ((float) flushd (a));
}

#endif /* MST_ORCTWIN_H */
