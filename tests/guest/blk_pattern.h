/*
 * The deterministic data of the block tests, shared by the test guest
 * (tests/guest/blk.c) and the host checker (tests/tools/blkpattern.c): the
 * 8-byte word at byte offset off of disk `disk` in generation `gen`.
 */
#ifndef BLK_PATTERN_H
#define BLK_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t blk_pattern_word(unsigned disk, unsigned gen, uint64_t off)
{
	uint64_t z = ((uint64_t)gen << 56) ^ ((uint64_t)disk << 48) ^ (off >> 3);
	z += 0x9e3779b97f4a7c15ULL; /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fills buf with the pattern of bytes [off, off + len); off and len are
 * multiples of 8. */
static inline void blk_pattern_fill(void *buf, unsigned disk, unsigned gen, uint64_t off,
				    size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = blk_pattern_word(disk, gen, off + i);
		memcpy((char *)buf + i, &w, 8);
	}
}

/* The first byte offset in buf that differs from the pattern, or len. */
static inline size_t blk_pattern_diff(const void *buf, unsigned disk, unsigned gen, uint64_t off,
				      size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = blk_pattern_word(disk, gen, off + i);
		if (memcmp((const char *)buf + i, &w, 8))
			return i;
	}
	return len;
}

#endif
