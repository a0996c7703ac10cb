/* gst-mastering tests and benchmarks: writing WAV files of test signals
 * (plain C, no GLib). */
#ifndef MST_WAVWRITE_H
#define MST_WAVWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The 44-byte header of a WAV file of `frames` frames: bits 16 or 24
 * (integer PCM) or 32 (IEEE float). */
void mst_wav_header (uint8_t head[44], size_t frames, unsigned channels,
    unsigned rate, unsigned bits);

/* Appends interleaved doubles (frames * channels) to f as samples of
 * `bits` (16, 24: rounded and clipped; 32: float).  0 on success. */
int mst_wav_put (FILE * f, const double *x, size_t frames, unsigned channels,
    unsigned bits);

/* The whole file at path.  0 on success. */
int mst_wav_write (const char *path, const double *x, size_t frames,
    unsigned channels, unsigned rate, unsigned bits);

#endif /* MST_WAVWRITE_H */
