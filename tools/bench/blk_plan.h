/*
 * The block benchmark's plan, shared by the guest (blk_guest.c) and the host
 * baseline (blk_host.c) so both do the same requests at the same offsets:
 * sequential and random, read and write, 4 KiB and 1 MiB. Both take a
 * divisor of the request counts (unikvm-bench --quick uses 16).
 */
#ifndef BLK_PLAN_H
#define BLK_PLAN_H

#include <stdint.h>

struct bench_case {
	const char *name; /* "seq-read-4k" */
	int write, random;
	uint32_t size; /* bytes per request */
	uint32_t ops;  /* requests per run, before the divisor */
};

static const struct bench_case bench_cases[] = {
    {"seq-read-4k", 0, 0, 4096, 8192},	  {"rand-read-4k", 0, 1, 4096, 8192},
    {"seq-write-4k", 1, 0, 4096, 8192},	  {"rand-write-4k", 1, 1, 4096, 8192},
    {"seq-read-1m", 0, 0, 1 << 20, 256},  {"rand-read-1m", 0, 1, 1 << 20, 256},
    {"seq-write-1m", 1, 0, 1 << 20, 256}, {"rand-write-1m", 1, 1, 1 << 20, 256},
};
#define BENCH_NCASES (sizeof(bench_cases) / sizeof(bench_cases[0]))

/* The divisor from argument `s` (default 1), or 0 if it is not 1..256. */
static inline uint32_t bench_divisor(const char *s)
{
	unsigned long d = 0;
	if (!s)
		return 1;
	while (*s >= '0' && *s <= '9' && d <= 256)
		d = d * 10 + (unsigned long)(*s++ - '0');
	return *s || d < 1 || d > 256 ? 0 : (uint32_t)d;
}

/* Byte offset of request i of case c on a disk of `bytes` (a multiple of
 * 1 MiB): sequential wraps around, random is a fixed xorshift sequence. */
static inline uint64_t bench_offset(const struct bench_case *c, uint32_t i, uint64_t bytes)
{
	uint64_t slots = bytes / c->size;
	if (!c->random)
		return (uint64_t)i % slots * c->size;
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)i * 0xbf58476d1ce4e5b9ULL);
	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return x % slots * c->size;
}

#endif /* BLK_PLAN_H */
