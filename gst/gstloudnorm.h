/* gst-mastering: loudnorm, an ITU-R BS.1770-4 / EBU R128 loudness meter
 * and normaliser (static, file and dynamic modes).
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_LOUDNORM_H__
#define __GST_LOUDNORM_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "loudness.h"
#include "truepeak.h"
#include "limiter.h"
#include "normalizer.h"

G_BEGIN_DECLS
#define GST_TYPE_LOUDNORM (gst_loudnorm_get_type ())
#define GST_LOUDNORM(obj)                                                      \
  (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_LOUDNORM, GstLoudnorm))
#define GST_LOUDNORM_CLASS(klass)                                              \
  (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_LOUDNORM, GstLoudnormClass))
#define GST_IS_LOUDNORM(obj)                                                   \
  (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_LOUDNORM))
#define GST_IS_LOUDNORM_CLASS(klass)                                           \
  (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_LOUDNORM))
#define GST_TYPE_LOUDNORM_MODE (gst_loudnorm_mode_get_type ())
typedef struct _GstLoudnorm GstLoudnorm;
typedef struct _GstLoudnormClass GstLoudnormClass;

/**
 * GstLoudnormMode:
 * @GST_LOUDNORM_MODE_MEASURE: measure only; the output is the input,
 *   bit for bit, in place.
 * @GST_LOUDNORM_MODE_STATIC: second pass of a two-pass workflow: one
 *   constant gain from #GstLoudnorm:measured-loudness, true-peak limited.
 * @GST_LOUDNORM_MODE_FILE: both passes in one pipeline: holds the stream
 *   until EOS, then pushes it with one refined gain, true-peak limited.
 * @GST_LOUDNORM_MODE_DYNAMIC: live one-pass normalisation with a
 *   lookahead, true-peak limited.
 *
 * What the element does with the audio besides measuring it.
 */
typedef enum
{
  GST_LOUDNORM_MODE_MEASURE = 0,
  GST_LOUDNORM_MODE_STATIC = 1,
  GST_LOUDNORM_MODE_FILE = 2,
  GST_LOUDNORM_MODE_DYNAMIC = 3,
} GstLoudnormMode;

/* User settings: written by set_property under the object lock, copied
 * once per buffer by the streaming thread. */
typedef struct
{
  GstLoudnormMode mode;
  gdouble target_loudness;      /* LUFS */
  gdouble true_peak_limit;      /* dBTP */
  GstClockTime interval;        /* ns between messages */
  gboolean post_messages;
  gboolean dual_mono;
  gdouble measured_loudness;    /* LUFS, < -70 = unset */
  gdouble measured_true_peak;   /* dBTP, < -99 = unset */
  GstClockTime max_duration;    /* ns, file mode */
  guint lookahead;              /* ms, dynamic mode */
  gdouble lra_target;           /* LU, dynamic mode */
  gdouble max_gain;             /* dB, file and dynamic modes */
} GstLoudnormSettings;

/**
 * GstLoudnorm:
 *
 * Opaque instance structure.
 */
struct _GstLoudnorm
{
  GstAudioFilter parent;

  /*< private > */
  /* Under the object lock:
   *  settings       what the application asked for;
   *  reset_pending  the reset signal was emitted; the streaming thread
   *                 restarts the measurement before the next data. */
  GstLoudnormSettings settings;
  gboolean reset_pending;

  /* Streaming thread only (also setup/stop, which never run concurrently
   * with it):
   *  cur              settings in effect, copied from settings;
   *  meter, tp        the BS.1770 loudness meter and the true-peak meter,
   *                   NULL until caps are set;
   *  channels, rate   of the negotiated format; is_f64 for F64 samples;
   *  weights          BS.1770 channel weights in effect (from the channel
   *                   positions and dual-mono);
   *  interval_frames  frames per periodic message (>= 1);
   *  num_frames       frames measured since the last periodic message;
   *  ts_base          timestamp of the first frame after the last reset,
   *                   DISCONT or first timestamped data (NONE until then);
   *  base_frames      frames from ts_base to the start of the current
   *                   message interval (timestamps are computed from
   *                   ts_base so they never drift);
   *  non_finite       NaN/Inf samples seen since the last reset;
   *  warned           a non-finite warning was posted since the last
   *                   reset;
   *  tp_flushed       the true-peak interpolator tail was flushed (EOS). */
  GstLoudnormSettings cur;
  MstLoudness *meter;
  MstTruePeak *tp;
  guint channels;
  guint rate;
  gboolean is_f64;
  gdouble weights[MST_CHANNELS_MAX];
  guint64 interval_frames;
  GstClockTime ts_base;
  guint64 base_frames;
  guint64 num_frames;
  guint64 non_finite;
  gboolean warned;
  gboolean tp_flushed;

  /* Normalising modes, streaming thread only:
   *  mode             the mode in effect, latched at setup (mode and
   *                   lookahead take effect in READY);
   *  lim              true-peak limiter of the static and file modes;
   *  norm             normaliser (with its own limiter) of dynamic mode;
   *  out_meter        BS.1770 meter on the output;
   *  in_log           file mode: the segment log of `meter`, from which
   *                   the measuring passes meter the stretches the
   *                   limiter leaves alone;
   *  latency          output delay in frames (limiter or normaliser);
   *  bpf              bytes per frame;
   *  nsamples_in/out  frames processed / output since the stream start;
   *  start_ts, start_offset  timestamp and offset of the first frame: the
   *                   output timestamps are computed from them;
   *  gain_db, gain_lin  the gain applied now (constant modes: the gain);
   *  min_lim_gain     smallest limiter gain since the stream start;
   *  held, held_frames  file mode: the buffers held until EOS (as
   *                   received) and their frame count;
   *  env, env_len, env_cap  file mode: the limiter's detector envelope of
   *                   the held stream at unity gain, one float per frame
   *                   (plus the drain's silence), computed at EOS for
   *                   gains up to env_scale, so that every pass only runs
   *                   the gain computer (NULL when it could not be
   *                   allocated: the passes then run the detector);
   *  env_scale        the largest linear gain env serves (0: none yet);
   *  env_pos          the frame of env the running pass has reached;
   *  env_off          the envelope was given up for this stream;
   *  out_replay       file mode: the final pass repeats the last measuring
   *                   pass, whose output loudness out_meter holds;
   *  draining         the frames being processed are the drain's silence;
   *  failed           an error was posted: drop data until a reset;
   *  warned_limit     static mode: the predicted-limiting warning was
   *                   posted;
   *  gr_on            `loudnorm-limiter` messages are posted for the
   *                   output (not during file mode's measuring passes);
   *  gr_base, gr_frames  first output frame of the message interval and
   *                   the output frames in it so far;
   *  gr_min, gr_last  the limiter's smallest gain over the interval and
   *                   the gain of its last frame. */
  GstLoudnormMode mode;
  MstLimiter *lim;
  MstNormalizer *norm;
  MstLoudness *out_meter;
  MstLoudnessLog *in_log;
  guint latency;
  gsize bpf;
  guint64 nsamples_in;
  guint64 nsamples_out;
  GstClockTime start_ts;
  guint64 start_offset;
  gdouble gain_db;
  gdouble gain_lin;
  gdouble min_lim_gain;
  GQueue held;
  guint64 held_frames;
  gfloat *env;
  guint64 env_len, env_cap, env_pos;
  gdouble env_scale;
  gboolean env_off;
  gboolean out_replay;
  gboolean draining;
  gboolean failed;
  gboolean warned_limit;
  gboolean gr_on;
  guint64 gr_base, gr_frames;
  gdouble gr_min, gr_last;
};

struct _GstLoudnormClass
{
  GstAudioFilterClass parent_class;

  /* action signal */
  void (*reset) (GstLoudnorm * self);
};

GType gst_loudnorm_get_type (void);
GType gst_loudnorm_mode_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (loudnorm);

G_END_DECLS
#endif /* __GST_LOUDNORM_H__ */
