/* gst-mastering tests: running the gst-master binary and keeping what it
 * said. */
#ifndef MST_TOOLRUN_H
#define MST_TOOLRUN_H

#include <gst/check/gstcheck.h>
#include <string.h>
#include <sys/wait.h>

typedef struct
{
  gint exit_status;
  gchar *out;
  gchar *err;
} ToolRun;

/* Runs tool with the NULL-terminated args (without argv[0]) and the
 * environment envp (NULL: ours).  GST_DEBUG is dropped: stderr must hold
 * what the tool says, not GStreamer's debug log.  Fails the test if it
 * cannot run or does not exit normally. */
static inline void
tool_runv (ToolRun * run, const gchar * tool, gchar ** envp,
    const gchar * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar **env = g_environ_unsetenv (envp ? g_strdupv (envp) : g_get_environ (),
      "GST_DEBUG");
  GError *error = NULL;
  gint status = 0;
  guint i;

  g_ptr_array_add (argv, (gpointer) tool);
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  memset (run, 0, sizeof (*run));
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, env,
          G_SPAWN_DEFAULT, NULL, NULL, &run->out, &run->err, &status, &error),
      "cannot run %s: %s", tool, error ? error->message : "?");
  fail_unless (WIFEXITED (status), "gst-master did not exit normally");
  run->exit_status = WEXITSTATUS (status);
  g_ptr_array_free (argv, TRUE);
  g_strfreev (env);
  GST_INFO ("exit %d\nstdout:\n%s\nstderr:\n%s", run->exit_status, run->out,
      run->err);
}

static inline void
tool_run_clear (ToolRun * run)
{
  g_free (run->out);
  g_free (run->err);
}

#endif /* MST_TOOLRUN_H */
