# gst-mastering ORC kernels of the limiter (limiter.c): the final
# gain * delayed-audio multiply.  Stateless maps only; the gain recursions
# stay in C.  Plain-C twins in tests/dsp/test-limiter.c.
#
# ORC float rules apply: denormal inputs and results are flushed to zero.
# limiter.c therefore copies frames whose gain is exactly 1.0 instead of
# multiplying them, so the output stays bit-exact when nothing is limited.

# d[i] = s[i] * g[i]  (one channel, or one gain per sample)
.function mst_orc_lim_gain_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
mulf d1, s1, s2

# stereo interleaved: d[2i + c] = s[2i + c] * g[i]
.function mst_orc_lim_gain2_f32
.dest 8 d1 float
.source 8 s1 float
.source 4 s2 float
.temp 8 t1
mergelq t1, s2, s2
x2 mulf d1, s1, t1

# d[i] = s[i] * g[i], double
.function mst_orc_lim_gain_f64
.dest 8 d1 double
.source 8 s1 double
.source 8 s2 double
muld d1, s1, s2
