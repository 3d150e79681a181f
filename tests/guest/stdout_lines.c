/* stdout_lines: prints N short lines (argv[1]); to a pipe, musl buffers
 * them, so the VMM should see a few writev hypercalls, not N. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	for (int i = 0; i < n; i++)
		printf("line %04d of output\n", i);
	return 0;
}
