/* smash: overflows a stack buffer; built with -fstack-protector-strong, so
 * musl's __stack_chk_fail stops it (its a_crash is a `hlt`). */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static void overflow(const char *s, size_t n)
{
	char buf[16];
	memcpy(buf, s, n);
	printf("%s\n", buf);
}

int main(int argc, char **argv)
{
	static char big[256];
	(void)argv;
	memset(big, 'A', sizeof(big) - 1);
	printf("smash\n");
	fflush(stdout);
	overflow(big, argc > 1 ? sizeof(big) : 8);
	return 0;
}
