/* env: prints its environment, one variable a line, and getenv of argv[1..]. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
	for (char **e = environ; *e; e++)
		printf("%s\n", *e);
	for (int i = 1; i < argc; i++)
		printf("getenv(%s) = %s\n", argv[i], getenv(argv[i]) ? getenv(argv[i]) : "(null)");
	return 0;
}
