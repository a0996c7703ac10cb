# gst-mastering ORC kernels of the mid/side imager (dsp/stereo.h).  The file
# is not called stereo.orc: its generated header would shadow stereo.h.
#
# Interleaved stereo F32 is one 8-byte ORC element per frame (L, R).  With
# m = L + R and s = L - R every kernel applies the matrix
#
#   L' = a m + b s,   R' = c m - d s
#
# (the encode's 1/2 is folded into a..d).  Non-finite input samples become 0
# first: x - x is 0 for finite x and NaN otherwise, and NaN != NaN, so
# cmpeqf gives an all-ones mask exactly for the finite values.  The _ramp
# kernels take g = g0 + idx[i] * dg per coefficient, idx being 0, 1, 2, ...
# Plain-C twins: tests/dsp/test-stereo.c.

# Matrix in place, constant coefficients.
.function mst_orc_ms_gain_f32
.dest 8 d1 float
.floatparam 4 a
.floatparam 4 b
.floatparam 4 c
.floatparam 4 d
.temp 8 x
.temp 8 k
.temp 4 l
.temp 4 r
.temp 4 m
.temp 4 s
.temp 4 t
x2 subf k, d1, d1
x2 cmpeqf k, k, k
andq x, d1, k
select0ql l, x
select1ql r, x
addf m, l, r
subf s, l, r
mulf l, m, a
mulf t, s, b
addf l, l, t
mulf r, m, c
mulf t, s, d
subf r, r, t
mergelq d1, l, r

# Matrix in place, coefficients ramping linearly.
.function mst_orc_ms_gain_ramp_f32
.dest 8 d1 float
.source 4 idx float
.floatparam 4 a
.floatparam 4 da
.floatparam 4 b
.floatparam 4 db
.floatparam 4 c
.floatparam 4 dc
.floatparam 4 d
.floatparam 4 dd
.temp 8 x
.temp 8 k
.temp 4 l
.temp 4 r
.temp 4 m
.temp 4 s
.temp 4 t
.temp 4 g
x2 subf k, d1, d1
x2 cmpeqf k, k, k
andq x, d1, k
select0ql l, x
select1ql r, x
addf m, l, r
subf s, l, r
mulf g, idx, da
addf g, g, a
mulf l, m, g
mulf g, idx, db
addf g, g, b
mulf t, s, g
addf l, l, t
mulf g, idx, dc
addf g, g, c
mulf r, m, g
mulf g, idx, dd
addf g, g, d
mulf t, s, g
subf r, r, t
mergelq d1, l, r

# Encode to double planar m = L + R, s = L - R (around the crossover).
.function mst_orc_ms_encode_f32
.dest 8 m double
.dest 8 s double
.source 8 s1 float
.temp 8 x
.temp 8 k
.temp 4 l
.temp 4 r
.temp 8 ld
.temp 8 rd
x2 subf k, s1, s1
x2 cmpeqf k, k, k
andq x, s1, k
select0ql l, x
select1ql r, x
convfd ld, l
convfd rd, r
addd m, ld, rd
subd s, ld, rd

# Decode double planar m, s through the matrix to interleaved F32.
.function mst_orc_ms_decode_f32
.dest 8 d1 float
.source 8 m double
.source 8 s double
.doubleparam 8 a
.doubleparam 8 b
.doubleparam 8 c
.doubleparam 8 d
.temp 8 l
.temp 8 r
.temp 8 t
.temp 4 lf
.temp 4 rf
muld l, m, a
muld t, s, b
addd l, l, t
muld r, m, c
muld t, s, d
subd r, r, t
convdf lf, l
convdf rf, r
mergelq d1, lf, rf

# The same with coefficients ramping linearly.
.function mst_orc_ms_decode_ramp_f32
.dest 8 d1 float
.source 8 m double
.source 8 s double
.source 8 idx double
.doubleparam 8 a
.doubleparam 8 da
.doubleparam 8 b
.doubleparam 8 db
.doubleparam 8 c
.doubleparam 8 dc
.doubleparam 8 d
.doubleparam 8 dd
.temp 8 l
.temp 8 r
.temp 8 t
.temp 8 g
.temp 4 lf
.temp 4 rf
muld g, idx, da
addd g, g, a
muld l, m, g
muld g, idx, db
addd g, g, b
muld t, s, g
addd l, l, t
muld g, idx, dc
addd g, g, c
muld r, m, g
muld g, idx, dd
addd g, g, d
muld t, s, g
subd r, r, t
convdf lf, l
convdf rf, r
mergelq d1, lf, rf
