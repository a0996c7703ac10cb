/* gst-mastering tests: the "child::property=value" words of a launch line,
 * set after the launch.
 *
 * gst_parse_launch () of GStreamer 1.22.0 keeps a reference to the child
 * it looks up for every "child::property=value" it sets
 * (gst_parse_element_make () never unrefs what gst_child_proxy_lookup ()
 * gives it), and gst_harness_new_parse () goes through the same parser:
 * the leak checks of the sanitizer run would report each one.  The tests
 * launch the description without these words and set them afterwards the
 * way the parser does: the child looked up with gst_child_proxy_lookup (),
 * the value deserialized for the property's type.
 */
#ifndef MST_CHILDARGS_H
#define MST_CHILDARGS_H

#include <gst/gst.h>

/* desc without its "child::property=value" words (free with g_free ());
 * *child_args gets those words in their order, NULL-terminated (free with
 * g_strfreev ()). */
gchar *mst_childargs_split (const gchar * desc, gchar *** child_args);

/* Sets every "child::property=value" of child_args (child paths may nest:
 * "eq::band0::gain=1") on proxy, in order.  Returns NULL, or the first
 * word that names no child property or whose value does not parse (the
 * words before it are set). */
const gchar *mst_childargs_set (GstChildProxy * proxy, gchar ** child_args);

#endif /* MST_CHILDARGS_H */
