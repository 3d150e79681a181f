/*
 * The network load tests' data (tests/guest/netserve.c and the host tool
 * tests/tools/netpeer.c): a stream of pseudo-random bytes that either side
 * can produce at any offset, and a running checksum that does not depend
 * on how the stream was cut into reads. Both work on 8-byte words, so a
 * gigabyte costs little even in an emulated guest. And a write of all of
 * a buffer.
 */
#ifndef NET_PATTERN_H
#define NET_PATTERN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Word k of the stream of SEED (splitmix64 of both). */
static inline uint64_t net_pattern_word(uint64_t seed, uint64_t k)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ull + k + 1;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes [off, off + n) of the stream of SEED into buf. */
static inline void net_pattern_fill(void *buf, uint64_t seed, uint64_t off, size_t n)
{
	unsigned char *p = buf;
	while (n) {
		uint64_t w = net_pattern_word(seed, off / 8);
		size_t skip = off % 8, take = 8 - skip < n ? 8 - skip : n;
		memcpy(p, (unsigned char *)&w + skip, take);
		p += take;
		off += take;
		n -= take;
	}
}

/* A checksum of a byte stream: FNV-1a over its 8-byte words (the last one
 * zero-padded), with the length. */
struct net_sum {
	uint64_t hash, len;
	uint64_t word; /* bytes of the word being filled */
	unsigned have; /* how many */
};

static inline void net_sum_init(struct net_sum *s)
{
	s->hash = 0xcbf29ce484222325ull;
	s->len = s->word = 0;
	s->have = 0;
}

static inline void net_sum_add(struct net_sum *s, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	s->len += n;
	while (n) {
		if (s->have == 0 && n >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			s->hash = (s->hash ^ w) * 0x100000001b3ull;
			p += 8;
			n -= 8;
			continue;
		}
		s->word |= (uint64_t)*p++ << (8 * s->have);
		n--;
		if (++s->have == 8) {
			s->hash = (s->hash ^ s->word) * 0x100000001b3ull;
			s->word = 0;
			s->have = 0;
		}
	}
}

static inline uint64_t net_sum_value(const struct net_sum *s)
{
	uint64_t h = s->hash;
	if (s->have)
		h = (h ^ s->word) * 0x100000001b3ull;
	return (h ^ s->len) * 0x100000001b3ull;
}

/* Writes all n bytes (a blocking fd); 0, or -1 with errno (0: a write
 * returned 0). */
static inline int net_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

#endif
