/* args: prints every argument (but argv[0], which differs between the host
 * build and the unikernel) with its length, for the argv round trip. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("%d:%zu:[%s]\n", i, strlen(argv[i]), argv[i]);
	return 0;
}
