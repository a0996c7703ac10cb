/* placeholder: being written */
typedef int mst_placeholder_truepeak;
