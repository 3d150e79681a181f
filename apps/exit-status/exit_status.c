/* exit-status: exits with the status given as its first argument. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: exit-status STATUS\n");
		return 2;
	}
	char *end;
	long status = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || status < 0 || status > 255) {
		fprintf(stderr, "exit-status: '%s' is not a status from 0 to 255\n", argv[1]);
		return 2;
	}
	exit((int)status);
}
