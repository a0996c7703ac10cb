/* gst-mastering tests: "child::property=value" settings after the launch
 * (see childargs.h). */
#include "childargs.h"

#include <string.h>

gchar *
mst_childargs_split (const gchar * desc, gchar *** child_args)
{
  gchar **words = g_strsplit (desc, " ", -1), **w;
  GString *plain = g_string_new (NULL);
  GPtrArray *args = g_ptr_array_new ();

  for (w = words; *w; w++) {
    if (**w == '\0')
      continue;
    if (strstr (*w, "::") != NULL) {
      g_ptr_array_add (args, g_strdup (*w));
    } else {
      if (plain->len > 0)
        g_string_append_c (plain, ' ');
      g_string_append (plain, *w);
    }
  }
  g_ptr_array_add (args, NULL);
  *child_args = (gchar **) g_ptr_array_free (args, FALSE);
  g_strfreev (words);
  return g_string_free (plain, FALSE);
}

const gchar *
mst_childargs_set (GstChildProxy * proxy, gchar ** child_args)
{
  gchar **w;

  for (w = child_args; *w; w++) {
    const gchar *eq = strchr (*w, '=');
    gchar *path;
    GObject *target = NULL;
    GParamSpec *pspec = NULL;
    GValue v = G_VALUE_INIT;
    gboolean ok;

    if (eq == NULL)
      return *w;
    path = g_strndup (*w, eq - *w);
    ok = gst_child_proxy_lookup (proxy, path, &target, &pspec);
    g_free (path);
    if (!ok)
      return *w;
    g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (pspec));
    ok = gst_value_deserialize_with_pspec (&v, eq + 1, pspec);
    if (ok)
      g_object_set_property (target, pspec->name, &v);
    g_value_unset (&v);
    g_object_unref (target);
    if (!ok)
      return *w;
  }
  return NULL;
}
