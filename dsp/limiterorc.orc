# gst-mastering ORC kernels of the limiter (limiter.c): the final
# gain * delayed-audio multiply and the scaled envelope of env mode.
# Stateless maps only; the gain recursions stay in C.  Plain-C twins in
# tests/dsp/test-limiter.c.
#
# ORC float rules apply: denormal inputs and results are flushed to zero.
# limiter.c therefore copies frames whose gain is exactly 1.0 instead of
# multiplying them, so the output stays bit-exact when nothing is limited.

# d[i] = s[i] * (float) g[i]  (one channel; the gains in double)
.function mst_orc_lim_gaind_f32
.dest 4 d1 float
.source 4 s1 float
.source 8 s2 double
.temp 4 t1
convdf t1, s2
mulf d1, s1, t1

# stereo interleaved: d[2i + c] = s[2i + c] * (float) g[i]
.function mst_orc_lim_gaind2_f32
.dest 8 d1 float
.source 8 s1 float
.source 8 s2 double
.temp 4 t1
.temp 8 t2
convdf t1, s2
mergelq t2, t1, t1
x2 mulf d1, s1, t2

# d[i] = s[i] * g[i], double
.function mst_orc_lim_gain_f64
.dest 8 d1 double
.source 8 s1 double
.source 8 s2 double
muld d1, s1, s2

# d[i] = s[i] * p, double (gains times the output scale)
.function mst_orc_lim_scale_f64
.dest 8 d1 double
.source 8 s1 double
.doubleparam 8 p1
muld d1, s1, p1

# d[i] = |(float) (s[i] * p)|, NaN saturated to +Inf (on the bit
# patterns of non-negative floats, NaN ranks above Inf): the envelope
# scaled by the gain (env mode)
.function mst_orc_lim_scale_env_f32
.dest 4 d1 float
.source 4 s1 float
.doubleparam 8 p1
.temp 8 t1
.temp 4 t2
convfd t1, s1
muld t1, t1, p1
convdf t2, t1
andl t2, t2, 0x7fffffff
minsl d1, t2, 0x7f800000
