/* gst-mastering: deterministic test and demo signals.
 *
 * Used by the demo track generator, the tests and the benchmarks, so every
 * figure is measured on signals anybody can regenerate bit for bit.  Plain
 * C99, no GLib.  All outputs are interleaved; amplitudes are linear
 * (1.0 = 0 dBFS).
 */
#ifndef MST_SYNTH_H
#define MST_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* Small, fast, deterministic PRNG (xorshift64*). */
typedef struct
{
  uint64_t s;
} MstRng;

void mst_rng_seed (MstRng * r, uint64_t seed);
uint64_t mst_rng_next (MstRng * r);
/* Uniform in [-1, 1). */
double mst_rng_uniform (MstRng * r);
/* Standard normal (mean 0, variance 1). */
double mst_rng_gauss (MstRng * r);

/* Sine: x[n*channels + c] = amp * sin (2 pi freq n / rate + phase) on every
 * channel whose bit is set in channel_mask (others untouched).  Phase in
 * radians.  Accumulates (+=) when add is nonzero, else overwrites. */
void mst_synth_sine_f64 (double *x, size_t frames, unsigned channels,
    unsigned channel_mask, double rate, double freq, double amp,
    double phase, int add);

/* White (uniform) noise with the given RMS on every channel in
 * channel_mask, independent per channel.  Overwrites. */
void mst_synth_noise_f64 (double *x, size_t frames, unsigned channels,
    unsigned channel_mask, double rms, uint64_t seed);

/* A music-like stereo (or N-channel) programme: kick, snare and hi-hat with
 * real transients, bass line, sustained chords, arranged in sections of
 * different loudness (quiet intro, loud chorus, breakdown).  The result is
 * scaled so that its sample peak is peak_dbfs.  Deterministic for a seed.
 * Channels beyond 2 get decorrelated ambience.  Returns 0 on success. */
int mst_synth_music_f64 (double *x, size_t frames, unsigned channels,
    double rate, double peak_dbfs, uint64_t seed);

/* Speech-like mono programme on every channel: syllables of 120-280 ms
 * (voiced harmonics of a 110-150 Hz pitch with a formant-like tilt, plus
 * some noise) for talk_s seconds, then a pause of pause_s seconds holding
 * only a room-noise floor 60 dB under the voice, repeated.  Scaled so the
 * sample peak is peak_dbfs.  Deterministic for a seed.  Returns 0 on
 * success. */
int mst_synth_speech_f64 (double *x, size_t frames, unsigned channels,
    double rate, double peak_dbfs, double talk_s, double pause_s,
    uint64_t seed);

/* Linear-phase low-pass in place on every channel: a Kaiser-windowed sinc
 * of 511 taps (about 80 dB stopband, transition about 0.01 rate wide,
 * centred on cutoff_hz), without delay (the filter is centred, samples
 * outside the buffer count as 0).  Band-limits noise or a programme, e.g.
 * to compare true-peak meters whose interpolators differ near Nyquist.
 * Returns 0 on success, -1 on bad arguments or no memory. */
int mst_synth_lowpass_f64 (double *x, size_t frames, unsigned channels,
    double rate, double cutoff_hz);

/* Conversions. */
void mst_synth_to_f32 (float *dst, const double *src, size_t n);

#endif /* MST_SYNTH_H */
