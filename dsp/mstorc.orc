# gst-mastering ORC kernels.  Stateless per-sample maps and reduction
# steps only; recursions stay in C.  Each kernel has a plain-C twin in tests/dsp/test-orc.c.

.function mst_orc_scale_f32
.dest 4 d1 float
.source 4 s1 float
.floatparam 4 p1
mulf d1, s1, p1

# --- true peak (truepeak.c) -----------------------------------------------
#
# Float kernels follow ORC's float rules: denormal inputs and results are
# flushed to (signed) zero, in the compiled code and in the C backup alike.
# The sum of eight products is always formed as the same tree,
#   ((s1*p1 + s2*p2) + (s3*p3 + s4*p4)) + ((s5*p5 + s6*p6) + (s7*p7 + s8*p8)),
# which the C twins in tests/dsp/test-orc.c reproduce operation by operation.
#
# The abs/max kernels work on the bit patterns of IEEE floats as signed
# 32-bit integers: with the sign bit cleared, integer order is float order
# (+Inf and NaN compare above every finite value), so they are exact, free
# of denormal flushing and identical in every backend.

# d = 8-tap FIR: sum of s_k * p_k (the first 8 taps of a phase)
.function mst_orc_fir8_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
.source 4 s3 float
.source 4 s4 float
.source 4 s5 float
.source 4 s6 float
.source 4 s7 float
.source 4 s8 float
.floatparam 4 p1
.floatparam 4 p2
.floatparam 4 p3
.floatparam 4 p4
.floatparam 4 p5
.floatparam 4 p6
.floatparam 4 p7
.floatparam 4 p8
.temp 4 t1
.temp 4 t2
.temp 4 t3
.temp 4 t4
mulf t1, s1, p1
mulf t2, s2, p2
addf t1, t1, t2
mulf t2, s3, p3
mulf t3, s4, p4
addf t2, t2, t3
addf t1, t1, t2
mulf t2, s5, p5
mulf t3, s6, p6
addf t2, t2, t3
mulf t3, s7, p7
mulf t4, s8, p8
addf t3, t3, t4
addf t2, t2, t3
addf d1, t1, t2

# d = d + 8-tap FIR (further taps of a phase)
.function mst_orc_mac8_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
.source 4 s3 float
.source 4 s4 float
.source 4 s5 float
.source 4 s6 float
.source 4 s7 float
.source 4 s8 float
.floatparam 4 p1
.floatparam 4 p2
.floatparam 4 p3
.floatparam 4 p4
.floatparam 4 p5
.floatparam 4 p6
.floatparam 4 p7
.floatparam 4 p8
.temp 4 t1
.temp 4 t2
.temp 4 t3
.temp 4 t4
mulf t1, s1, p1
mulf t2, s2, p2
addf t1, t1, t2
mulf t2, s3, p3
mulf t3, s4, p4
addf t2, t2, t3
addf t1, t1, t2
mulf t2, s5, p5
mulf t3, s6, p6
addf t2, t2, t3
mulf t3, s7, p7
mulf t4, s8, p8
addf t3, t3, t4
addf t2, t2, t3
addf t1, t1, t2
addf d1, d1, t1

# d1 = d1 + 8-tap FIR (last taps of a phase), then d2 = max (d2, |d1|)
.function mst_orc_mac8_absmax_f32
.dest 4 d1 float
.dest 4 d2 float
.source 4 s1 float
.source 4 s2 float
.source 4 s3 float
.source 4 s4 float
.source 4 s5 float
.source 4 s6 float
.source 4 s7 float
.source 4 s8 float
.floatparam 4 p1
.floatparam 4 p2
.floatparam 4 p3
.floatparam 4 p4
.floatparam 4 p5
.floatparam 4 p6
.floatparam 4 p7
.floatparam 4 p8
.temp 4 t1
.temp 4 t2
.temp 4 t3
.temp 4 t4
mulf t1, s1, p1
mulf t2, s2, p2
addf t1, t1, t2
mulf t2, s3, p3
mulf t3, s4, p4
addf t2, t2, t3
addf t1, t1, t2
mulf t2, s5, p5
mulf t3, s6, p6
addf t2, t2, t3
mulf t3, s7, p7
mulf t4, s8, p8
addf t3, t3, t4
addf t2, t2, t3
addf t1, t1, t2
addf d1, d1, t1
andl t1, d1, 0x7fffffff
maxsl d2, d2, t1

# d = max (|s1|, |s2|)  (abs-max map)
.function mst_orc_absmax2_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
.temp 4 t1
.temp 4 t2
andl t1, s1, 0x7fffffff
andl t2, s2, 0x7fffffff
maxsl d1, t1, t2

# d[i] = max (|s[2i]|, |s[2i+1]|)  (pairwise abs-max reduction step)
.function mst_orc_absmax_pair_f32
.dest 4 d1 float
.source 8 s1 float
.temp 4 t1
.temp 4 t2
splitql t2, t1, s1
andl t1, t1, 0x7fffffff
andl t2, t2, 0x7fffffff
maxsl d1, t1, t2

# number of non-finite values (Inf, NaN) in s
.function mst_orc_count_nonfinite_f32
.accumulator 4 a1 int
.source 4 s1 float
.temp 4 t1
andl t1, s1, 0x7fffffff
cmpgtsl t1, t1, 0x7f7fffff
andl t1, t1, 1
accl a1, t1

# stereo deinterleave: d1[i] = s[2i], d2[i] = s[2i+1]
.function mst_orc_deinterleave2_f32
.dest 4 d1 float
.dest 4 d2 float
.source 8 s1 float
splitql d2, d1, s1
