/* roots: square and cube roots of its arguments, and what configure found. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
#if defined(HAVE_SYS_RANDOM_H) && defined(HAVE_GETRANDOM) && !defined(HAVE_NOSUCH_H) &&            \
    !defined(HAVE_LIBNOPE) && SIZEOF_LONG == 8 && !defined(WORDS_BIGENDIAN)
	puts("configure: as expected");
#else
	puts("configure: unexpected");
#endif
	for (int i = 1; i < argc; i++)
		printf("%s: sqrt %.3f cbrt %.3f\n", argv[i], sqrt(atof(argv[i])),
		       cbrt(atof(argv[i])));
	return 0;
}
