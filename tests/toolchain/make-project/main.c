/* calc: cube roots of its arguments, and what ./configure found. */
#include <stdio.h>
#include <stdlib.h>
#include "calc.h"
#include "config.h"

int main(int argc, char **argv)
{
	printf("getrandom %d, libnope %d, shared %d\n", HAVE_GETRANDOM, HAVE_LIBNOPE, HAVE_SHARED);
	for (int i = 1; i < argc; i++)
		printf("cbrt(%s) = %.3f\n", argv[i], cube_root(atof(argv[i])));
	return argc == 1 ? 1 : 0;
}
