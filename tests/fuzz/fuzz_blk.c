/*
 * Fuzz target: the block device's checks of what the guest puts in its
 * ring, the functions the device thread calls (vmm/devices/blk.c): the ring
 * indices (blk_ring_check) and each request (blk_req_check) against guest
 * RAM and a disk's geometry.
 *
 * Input: 16 bytes of indices (req_prod, cpl_cons, req_cons, cpl_prod), 16
 * bytes of geometry (sectors, sector size as a power of two, read-only),
 * then requests of sizeof(struct ukvm_blk_req) each.
 */
#include <stdint.h>
#include <string.h>

#include "devices/blk.h"
#include "core/gmem.h"

#define MEM (2ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gmem mem;
	uint32_t idx[4];
	uint64_t sectors;
	uint8_t shift, ro;
	char err[256];

	if (!mem.host && gmem_init(&mem, MEM) < 0)
		__builtin_trap();
	mem.floor = UKVM_IMAGE_BASE; /* as for a VM (vmm/core/kvm.c) */
	if (size < 32)
		return 0;
	memcpy(idx, data, sizeof(idx));
	memcpy(&sectors, data + 16, sizeof(sectors));
	shift = data[24];
	ro = data[25];
	(void)blk_ring_check(idx[0], idx[1], idx[2], idx[3], err, sizeof(err));

	struct blk_geom g = {
	    .sectors = sectors, .sector_size = 512u << (shift % 4), .read_only = ro & 1};
	for (size_t off = 32; off + sizeof(struct ukvm_blk_req) <= size;
	     off += sizeof(struct ukvm_blk_req)) {
		struct ukvm_blk_req r;
		void *buf = NULL;
		memcpy(&r, data + off, sizeof(r));
		int st = blk_req_check(&mem, &g, &r, &buf, err, sizeof(err));
		if (st == UKVM_BLK_S_OK && r.op != UKVM_BLK_OP_FLUSH) {
			/* The buffer must be the whole request, inside guest RAM. */
			const uint8_t *p = buf;
			if (!p || p < mem.host || p + r.len > mem.host + MEM)
				__builtin_trap();
		}
	}
	return 0;
}
