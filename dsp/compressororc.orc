# gst-mastering ORC kernels of the compressor (compressor.c): gain
# application, a stateless per-sample map.  Each kernel has a plain-C twin
# in tests/dsp/test-compressor.c.  Float kernels follow ORC's float rules
# (denormal operands and results flushed to signed zero); the compressor
# copies the delayed input instead of calling them when every gain of a
# block is exactly 1, so the unity case stays bit-exact.

# d = s * g  (mono, or any layout with one gain per sample)
.function mst_orc_comp_gain_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
mulf d1, s1, s2

# stereo interleaved, one gain per frame: d[2i+c] = s[2i+c] * g[i]
.function mst_orc_comp_gain2_f32
.dest 8 d1 float
.source 8 s1 float
.source 4 s2 float
.temp 4 l
.temp 4 r
splitql r, l, s1
mulf l, l, s2
mulf r, r, s2
mergelq d1, l, r

# d = s * g in double (mono, or one gain per sample)
.function mst_orc_comp_gain_f64
.dest 8 d1 double
.source 8 s1 double
.source 8 s2 double
muld d1, s1, s2
