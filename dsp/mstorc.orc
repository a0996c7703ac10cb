# gst-mastering ORC kernels.  Stateless per-sample maps only; recursions
# stay in C.  Each kernel has a plain-C twin in tests/dsp/test-orc.c.

.function mst_orc_scale_f32
.dest 4 d1 float
.source 4 s1 float
.floatparam 4 p1
mulf d1, s1, p1
