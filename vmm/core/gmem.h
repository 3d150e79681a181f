/*
 * Guest RAM and the one checked path into it.
 *
 * Every guest-supplied address goes through gmem_at(): the whole range
 * [gpa, gpa + len) must lie inside guest RAM and at or above the floor,
 * checked without overflow. The floor is page 1 by default; a VM raises it
 * to UKVM_IMAGE_BASE, so that no hypercall can name the VMM's low area
 * (page tables, GDT, boot info), which the guest itself may only read. Callers copy what they read
 * into locals before they check or use it: the guest can change its memory at any time.
 */
#ifndef UKVM_GMEM_H
#define UKVM_GMEM_H

#include <stddef.h>
#include <stdint.h>

struct gmem {
	uint8_t *host;	/* host mapping of guest-physical 0 */
	uint64_t size;	/* bytes */
	uint64_t floor; /* lowest guest address gmem_at() accepts */
};

/* Maps size bytes of lazily allocated, zeroed memory. 0 or -errno. */
int gmem_init(struct gmem *m, uint64_t size);
void gmem_free(struct gmem *m);
/* Bytes of guest RAM the host has actually allocated (touched pages). */
uint64_t gmem_resident(const struct gmem *m);
/* Asks the host for 4 KiB pages, not transparent huge pages, in
 * [start, end) (page-aligned): for ranges the guest touches sparsely, where
 * a huge page would be zeroed whole at the first touch. Best effort. */
void gmem_small_pages(const struct gmem *m, uint64_t start, uint64_t end);

/* Host pointer to [gpa, gpa + len), or NULL if any of it is outside guest
 * RAM or below the floor. len 0 is valid anywhere a 1-byte range would be. */
void *gmem_at(const struct gmem *m, uint64_t gpa, uint64_t len);

/* Copy out of / into guest memory through gmem_at(): 0, or -1 if the range
 * is not valid guest memory. */
int gmem_read(const struct gmem *m, uint64_t gpa, void *dst, size_t len);
int gmem_write(const struct gmem *m, uint64_t gpa, const void *src, size_t len);

/* Host pointer to guest memory, for the VMM's own layout code (no page 0
 * rule, abort()s on a bad range: the VMM's own bug, never guest input). */
void *gmem_host(const struct gmem *m, uint64_t gpa, uint64_t len);

#endif
