/* unikvm's main.c with its main() renamed, for reruns.c, which calls it
 * again and again in one process. */
#define main unikvm_main
int unikvm_main(int argc, char **argv);
#include "../../vmm/commands/main.c"
