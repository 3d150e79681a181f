/*
 * blkpattern DISK GEN BYTES: writes the block tests' pattern (generation
 * GEN of disk DISK, tests/guest/blk_pattern.h) for bytes [0, BYTES) to
 * stdout, so a test compares a disk file with cmp.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../guest/blk_pattern.h"

int main(int argc, char **argv)
{
	static char buf[1 << 16];

	if (argc != 4) {
		fprintf(stderr, "usage: blkpattern DISK GEN BYTES\n");
		return 2;
	}
	unsigned disk = (unsigned)strtoul(argv[1], NULL, 0),
		 gen = (unsigned)strtoul(argv[2], NULL, 0);
	unsigned long long bytes = strtoull(argv[3], NULL, 0);
	for (unsigned long long off = 0; off < bytes; off += sizeof(buf)) {
		size_t n = bytes - off < sizeof(buf) ? (size_t)(bytes - off) : sizeof(buf);
		blk_pattern_fill(buf, disk, gen, off, (n + 7) & ~(size_t)7);
		if (fwrite(buf, 1, n, stdout) != n)
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
