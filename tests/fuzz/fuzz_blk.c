/*
 * Fuzz target: the block device's checks of what the guest puts in its
 * ring, the functions the device thread calls (vmm/devices/blk.c): the ring
 * indices (blk_ring_check) and each request (blk_req_check) against guest
 * RAM and a disk's geometry.
 *
 * Input: a struct blk_head (inputs.h, 32 bytes): 16 bytes of indices
 * (req_prod, cpl_cons, req_cons, cpl_prod), 16 bytes of geometry (sectors,
 * sector size as a power of two, read-only); then requests of
 * sizeof(struct ukvm_blk_req) each. Its seeds are written by fuzz_seeds
 * (fuzz_seeds.c).
 */
#include <stdint.h>
#include <string.h>

#include "devices/blk.h"
#include "core/gmem.h"
#include "inputs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gmem mem;
	struct blk_head h;
	char err[256];

	if (!mem.host && gmem_init(&mem, BLK_MEM) < 0)
		__builtin_trap();
	mem.floor = UKVM_IMAGE_BASE; /* as for a VM (vmm/core/kvm.c) */
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	(void)blk_ring_check(h.req_prod, h.cpl_cons, h.req_cons, h.cpl_prod, err, sizeof(err));

	struct blk_geom g = {
	    .sectors = h.sectors, .sector_size = 512u << (h.shift % 4), .read_only = h.ro & 1};
	for (size_t off = sizeof(h); off + sizeof(struct ukvm_blk_req) <= size;
	     off += sizeof(struct ukvm_blk_req)) {
		struct ukvm_blk_req r;
		void *buf = NULL;
		memcpy(&r, data + off, sizeof(r));
		int st = blk_req_check(&mem, &g, &r, &buf, err, sizeof(err));
		if (st == UKVM_BLK_S_OK && r.op != UKVM_BLK_OP_FLUSH) {
			/* The buffer must be the whole request, inside guest RAM. */
			const uint8_t *p = buf;
			if (!p || p < mem.host || p + r.len > mem.host + BLK_MEM)
				__builtin_trap();
		}
	}
	return 0;
}
