/* Reads an Exodus file with the SEACAS C library (Debian libexodusii-dev) and prints, one line each, the
   times, the coordinates, every block's connectivity and every nodal, element and global variable at every
   step, values with 17 significant digits. The brook tests compare its output with brook's own reader. */
#include <exodusII.h>
#include <stdio.h>
#include <stdlib.h>

static void line(const char *what, const double *v, long n) {
  printf("%s", what);
  for (long k = 0; k < n; k++) printf(" %.17g", v[k]);
  printf("\n");
}

int main(int argc, char **argv) {
  int cpu = 8, io = 0;
  float version;
  if (argc != 2) return 2;
  int exo = ex_open(argv[1], EX_READ, &cpu, &io, &version);
  if (exo < 0) { fprintf(stderr, "ex_open failed\n"); return 1; }
  char title[MAX_LINE_LENGTH + 1];
  int dim, nodes, elems, nblk, nns, nss;
  if (ex_get_init(exo, title, &dim, &nodes, &elems, &nblk, &nns, &nss) < 0) return 1;
  int steps = ex_inquire_int(exo, EX_INQ_TIME);
  double *times = calloc(steps + 1, sizeof(double));
  ex_get_all_times(exo, times);
  line("times", times, steps);
  double *x = calloc(nodes + 1, 8), *y = calloc(nodes + 1, 8), *z = calloc(nodes + 1, 8);
  ex_get_coord(exo, x, y, z);
  line("coordx", x, nodes);
  int *ids = calloc(nblk + 1, sizeof(int));
  ex_get_ids(exo, EX_ELEM_BLOCK, ids);
  long *counts = calloc(nblk + 1, sizeof(long));
  for (int b = 0; b < nblk; b++) {
    char type[MAX_STR_LENGTH + 1];
    int n, npe, ne = 0, nf = 0, na;
    ex_get_block(exo, EX_ELEM_BLOCK, ids[b], type, &n, &npe, &ne, &nf, &na);
    counts[b] = n;
    int *conn = calloc((long)n * npe + 1, sizeof(int));
    ex_get_conn(exo, EX_ELEM_BLOCK, ids[b], conn, NULL, NULL);
    double *c = calloc((long)n * npe + 1, 8);
    for (long k = 0; k < (long)n * npe; k++) c[k] = conn[k];
    char what[64];
    snprintf(what, sizeof what, "connect %d %s", ids[b], type);
    line(what, c, (long)n * npe);
    free(conn), free(c);
  }
  double *vals = calloc((nodes > elems ? nodes : elems) + 1, 8);
  ex_entity_type kinds[] = {EX_NODAL, EX_ELEM_BLOCK, EX_GLOBAL};
  const char *labels[] = {"nodal", "element", "global"};
  for (int t = 0; t < 3; t++) {
    int nv = 0;
    ex_get_variable_param(exo, kinds[t], &nv);
    for (int v = 1; v <= nv; v++) {
      char name[MAX_STR_LENGTH + 1];
      ex_get_variable_name(exo, kinds[t], v, name);
      for (int s = 1; s <= steps; s++) {
        char what[160];
        if (t == 0) {
          if (ex_get_var(exo, s, EX_NODAL, v, 1, nodes, vals) < 0) return 1;
          snprintf(what, sizeof what, "nodal %s %d", name, s);
          line(what, vals, nodes);
        } else if (t == 1) {
          for (int b = 0; b < nblk; b++) {
            int *tab = calloc((long)nblk * nv + 1, sizeof(int));
            ex_get_truth_table(exo, EX_ELEM_BLOCK, nblk, nv, tab);
            int has = tab[b * nv + v - 1];
            free(tab);
            if (!has) continue;
            if (ex_get_var(exo, s, EX_ELEM_BLOCK, v, ids[b], counts[b], vals) < 0) return 1;
            snprintf(what, sizeof what, "element %s %d %d", name, ids[b], s);
            line(what, vals, counts[b]);
          }
        } else {
          double *g = calloc(nv + 1, 8);
          if (ex_get_var(exo, s, EX_GLOBAL, 1, 1, nv, g) < 0) return 1;
          snprintf(what, sizeof what, "global %s %d", name, s);
          line(what, g + v - 1, 1);
          free(g);
        }
      }
    }
  }
  ex_close(exo);
  return 0;
}
