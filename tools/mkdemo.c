/* placeholder: being written */
#include <stdio.h>
int main (int argc, char **argv) { FILE *f; if (argc < 2) return 1; f = fopen (argv[1], "wb"); if (!f) return 1; fclose (f); return 0; }
