/* ordering: interleaves stdout and stderr under each stdout buffering mode;
 * merged into one pipe, the order must be the host build's. */
#include <stdio.h>

static void burst(const char *mode)
{
	for (int i = 0; i < 3; i++) {
		printf("%s: out %d\n", mode, i);
		fprintf(stderr, "%s: err %d\n", mode, i);
	}
}

int main(void)
{
	burst("default");
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);
	burst("line-buffered");
	setvbuf(stdout, NULL, _IONBF, 0);
	burst("unbuffered");
	printf("last words, flushed by exit");
	return 7;
}
