/* Runs a fuzz target without libFuzzer, as a regular test: first on every
 * file of the directories (or files) given as arguments (the inputs that
 * once failed, tests/fuzz/regress/<target>/), then on MST_FUZZ_RANDOM
 * (default 300) pseudo-random inputs from a fixed seed.  A failed
 * invariant aborts, which fails the test; with MST_FUZZ_SAVE=FILE each
 * random input is written to FILE before it runs (the failing one is
 * left there, to replay).  Built with the normal build
 * (gcc, ORC), so the kernels the plugin uses are covered too. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

static size_t
run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf;
  long len;

  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    exit (1);
  }
  fseek (f, 0, SEEK_END);
  len = ftell (f);
  fseek (f, 0, SEEK_SET);
  buf = malloc (len > 0 ? (size_t) len : 1);
  if (!buf || (len > 0 && fread (buf, 1, (size_t) len, f) != (size_t) len)) {
    fprintf (stderr, "cannot read %s\n", path);
    exit (1);
  }
  fclose (f);
  printf ("%s (%ld bytes)\n", path, len);
  fflush (stdout);
  LLVMFuzzerTestOneInput (buf, (size_t) len);
  free (buf);
  return 1;
}

static size_t
run_path (const char *path)
{
  struct stat st;
  DIR *d;
  struct dirent *e;
  size_t n = 0;
  char full[4096];

  if (stat (path, &st) != 0)
    return 0;
  if (!S_ISDIR (st.st_mode))
    return run_file (path);
  d = opendir (path);
  if (!d)
    return 0;
  while ((e = readdir (d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf (full, sizeof (full), "%s/%s", path, e->d_name);
    n += run_file (full);
  }
  closedir (d);
  return n;
}

int
main (int argc, char **argv)
{
  uint8_t buf[2048];
  uint32_t seed = 0x12345678u;
  const char *env = getenv ("MST_FUZZ_RANDOM");
  const char *save = getenv ("MST_FUZZ_SAVE");
  unsigned count = env ? (unsigned) atoi (env) : 300, i;
  size_t files = 0, len, k;
  int a;

  for (a = 1; a < argc; a++)
    files += run_path (argv[a]);
  for (i = 0; i < count; i++) {
    len = 16 + fuzz_rand (&seed) % (sizeof (buf) - 16);
    for (k = 0; k < len; k++)
      buf[k] = (uint8_t) fuzz_rand (&seed);
    if (save) {
      FILE *f = fopen (save, "wb");
      if (f) {
        fwrite (buf, 1, len, f);
        fclose (f);
      }
    }
    LLVMFuzzerTestOneInput (buf, len);
  }
  printf ("%zu stored and %u random inputs passed\n", files, count);
  return 0;
}
