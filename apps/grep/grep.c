/*
 * grep: prints the lines of stdin that contain a fixed string, like
 * `grep -F [-v] [-c] STRING`, with grep's exit statuses: 0 a line was
 * selected, 1 none was, 2 a usage error. The example that the README packs
 * into a single executable with `unikvm pack`.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: grep [-v] [-c] STRING\n");
	return 2;
}

int main(int argc, char **argv)
{
	int invert = 0, count_only = 0, opt;
	while ((opt = getopt(argc, argv, "vc")) != -1) {
		if (opt == 'v')
			invert = 1;
		else if (opt == 'c')
			count_only = 1;
		else
			return usage();
	}
	if (optind != argc - 1)
		return usage();
	const char *needle = argv[optind];

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long selected = 0;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		/* memmem, not strstr: a line may hold NUL bytes. */
		int match = memmem(line, (size_t)len, needle, strlen(needle)) != NULL;
		if (match == invert)
			continue;
		selected++;
		if (!count_only)
			fwrite(line, 1, (size_t)len, stdout);
	}
	free(line);
	if (count_only)
		printf("%lu\n", selected);
	if (ferror(stdin)) {
		perror("grep: stdin");
		return 2;
	}
	return selected ? 0 : 1;
}
