/*
 * cat: copies stdin to stdout, byte for byte, like cat(1) with no
 * arguments. The example of a filter: `printf 'a\nb\n' | unikvm run cat`.
 * Big reads and writes go straight between the host's streams and guest
 * memory, one exit each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

int main(void)
{
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			fprintf(stderr, "cat: read: %s\n", strerror(errno));
			return 1;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(1, buf + done, (size_t)(n - done));
			if (w < 0) {
				fprintf(stderr, "cat: write: %s\n", strerror(errno));
				return 1;
			}
			done += w;
		}
	}
}
