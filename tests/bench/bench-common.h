/* gst-mastering benchmarks: the helpers every benchmark shares. */
#ifndef MST_BENCH_COMMON_H
#define MST_BENCH_COMMON_H

#include <glib.h>
#include <sys/resource.h>

/* Wall clock, seconds (monotonic). */
gdouble bench_now_s (void);
/* CPU seconds (user + system) of RUSAGE_SELF or RUSAGE_CHILDREN. */
gdouble bench_cpu_s (int who);
/* CPU seconds of the calling thread. */
gdouble bench_thread_cpu_s (void);
/* Whether GStreamer has an element factory of that name. */
gboolean bench_have_element (const gchar * name);
/* The music-like programme of tools/synth.h (sample peak -1 dBFS) as
 * interleaved F32; NULL when out of memory.  Free with g_free (). */
gfloat *bench_music_f32 (gsize frames, guint channels, guint rate,
    guint64 seed);

/* Runs a launch line to EOS: CPU seconds of this process (all threads),
 * the wall-clock seconds in *wall; < 0 on error (printed). */
gdouble bench_run_pipeline (const gchar * desc, gdouble * wall);
/* ffmpeg with the filter af on a raw file of 48 kHz stereo F32: CPU
 * seconds of the child, < 0 when it fails. */
gdouble bench_ffmpeg_raw (const gchar * ffmpeg, const gchar * file,
    const gchar * af);

/* CPU seconds of this thread for the launch line (in a GstHarness) over
 * the 48 kHz stereo F32 samples x, pushed in buffers of 4096 frames with
 * timestamps (writable: into a writable copy of x, made beforehand, else
 * read-only memory wrapping x), then EOS; < 0 when the element cannot be
 * made or a push fails. */
gdouble bench_harness_run (const gchar * launch, const gfloat * x,
    gsize frames, gboolean writable);

#endif /* MST_BENCH_COMMON_H */
