/*
 * The block device's request and ring checks (vmm/devices/blk.c) on fake guest
 * memory: every status class, every boundary, overflow-safe ranges, the
 * ring-index rules, and the blk_info/blk_setup/blk_serve hypercalls, with no
 * /dev/kvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/blk.h"
#include "base/exit_status.h"
#include "core/gmem.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"

#define MEM (1ULL << 20)

static struct gmem mem;
static const struct blk_geom rw = {.sectors = 100, .sector_size = 512};
static const struct blk_geom ro = {.sectors = 100, .sector_size = 512, .read_only = true};
static const struct blk_geom big = {.sectors = 8, .sector_size = 4096};
static char err[256];

static int setup(void **state)
{
	(void)state;
	return gmem_init(&mem, MEM);
}

static int teardown(void **state)
{
	(void)state;
	gmem_free(&mem);
	return 0;
}

static int check(const struct blk_geom *g, uint32_t op, uint64_t sector, uint32_t len, uint64_t buf,
		 void **host)
{
	struct ukvm_blk_req r = {.id = 7, .op = op, .len = len, .sector = sector, .buf = buf};
	err[0] = 0;
	return blk_req_check(&mem, g, &r, host, err, sizeof(err));
}

static void good_requests(void **state)
{
	void *p;
	(void)state;
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 512, 0x2000, &p), UKVM_BLK_S_OK);
	assert_ptr_equal(p, mem.host + 0x2000);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 99, 512, 0x2000, &p), UKVM_BLK_S_OK);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 0, 100 * 512, 0x10000, &p), UKVM_BLK_S_OK);
	/* the buffer may end exactly at the end of RAM */
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 4096, MEM - 4096, &p), UKVM_BLK_S_OK);
	assert_int_equal(check(&big, UKVM_BLK_OP_READ, 7, 4096, 0x3000, &p), UKVM_BLK_S_OK);
	/* a flush ignores sector, length and buffer */
	assert_int_equal(check(&ro, UKVM_BLK_OP_FLUSH, UINT64_MAX, 3, 0, &p), UKVM_BLK_S_OK);
	assert_null(p);
}

static void bad_op_and_length(void **state)
{
	void *p;
	(void)state;
	assert_int_equal(check(&rw, 3, 0, 512, 0x2000, &p), UKVM_BLK_S_BADOP);
	assert_int_equal(check(&rw, UINT32_MAX, 0, 512, 0x2000, &p), UKVM_BLK_S_BADOP);
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 0, 0x2000, &p), UKVM_BLK_S_BADLEN);
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 511, 0x2000, &p), UKVM_BLK_S_BADLEN);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 0, 513, 0x2000, &p), UKVM_BLK_S_BADLEN);
	assert_int_equal(check(&big, UKVM_BLK_OP_READ, 0, 512, 0x2000, &p), UKVM_BLK_S_BADLEN);
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, UKVM_BLK_MAX_XFER + 512, 0x2000, &p),
			 UKVM_BLK_S_BADLEN);
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, UINT32_MAX, 0x2000, &p),
			 UKVM_BLK_S_BADLEN);
	/* the status comes before the buffer check: a bad length never faults */
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 0, 0, &p), UKVM_BLK_S_BADLEN);
}

static void range(void **state)
{
	void *p;
	(void)state;
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 100, 512, 0x2000, &p), UKVM_BLK_S_RANGE);
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 99, 1024, 0x2000, &p), UKVM_BLK_S_RANGE);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, UINT64_MAX, 512, 0x2000, &p),
			 UKVM_BLK_S_RANGE);
	/* sector + n would wrap around to a small number */
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, UINT64_MAX - 1, 4096, 0x2000, &p),
			 UKVM_BLK_S_RANGE);
	const struct blk_geom empty = {.sectors = 0, .sector_size = 512};
	assert_int_equal(check(&empty, UKVM_BLK_OP_READ, 0, 512, 0x2000, &p), UKVM_BLK_S_RANGE);
}

static void read_only(void **state)
{
	void *p;
	(void)state;
	assert_int_equal(check(&ro, UKVM_BLK_OP_WRITE, 0, 512, 0x2000, &p), UKVM_BLK_S_READ_ONLY);
	assert_int_equal(check(&ro, UKVM_BLK_OP_READ, 0, 512, 0x2000, &p), UKVM_BLK_S_OK);
	/* past the end is reported as such, even on a read-only disk */
	assert_int_equal(check(&ro, UKVM_BLK_OP_WRITE, 100, 512, 0x2000, &p), UKVM_BLK_S_RANGE);
}

static void buffer_outside_ram(void **state)
{
	void *p = (void *)1;
	(void)state;
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 512, 0, &p), -1);
	assert_null(p);
	assert_string_equal(err, "request 7: buffer [0x0, +0x200) outside guest RAM");
	assert_int_equal(check(&rw, UKVM_BLK_OP_READ, 0, 512, 0xe00, &p), -1); /* inside page 0 */
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 0, 4096, MEM - 2048, &p), -1);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 0, 512, MEM, &p), -1);
	assert_int_equal(check(&rw, UKVM_BLK_OP_WRITE, 0, 512, UINT64_MAX - 100, &p), -1);
	assert_string_equal(err,
			    "request 7: buffer [0xffffffffffffff9b, +0x200) outside guest RAM");
}

static void ring_indices(void **state)
{
	(void)state;
	assert_int_equal(blk_ring_check(0, 0, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(blk_ring_check(128, 0, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(blk_ring_check(129, 0, 0, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "req_prod 129 is 129 past the device's 0 (ring size 128)");
	/* behind the device: a huge distance, as unsigned */
	assert_int_equal(blk_ring_check(4, 4, 5, 5, err, sizeof(err)), -1);
	/* free-running indices wrap around 2^32 */
	assert_int_equal(
	    blk_ring_check(10, UINT32_MAX - 100, UINT32_MAX - 5, UINT32_MAX - 5, err, sizeof(err)),
	    0);
	/* consumed completions that do not exist */
	assert_int_equal(blk_ring_check(3, 4, 3, 3, err, sizeof(err)), -1);
	assert_string_equal(err, "cpl_cons 4 does not follow cpl_prod 3");
	/* outstanding (submitted, completion not consumed) over the ring size */
	assert_int_equal(blk_ring_check(129, 0, 1, 1, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "129 requests outstanding (req_prod 129, cpl_cons 0): more than the ring's 128");
	assert_int_equal(blk_ring_check(129, 1, 1, 1, err, sizeof(err)), 0);
}

/* ---- the hypercalls, on a VM with RAM and two fake disks, no KVM ---- */

#define ARG 0x10000ULL
#define RING 0x20000ULL

static struct vm vm;
static struct blk blk;

static int vm_setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	memset(&blk, 0, sizeof(blk));
	vm.kvm_fd = vm.fd = vm.vcpu_fd = -1;
	vm.devices = devices_map(NULL, 0);
	blk.count = 2;
	blk.disk[0].geom = rw;
	blk.disk[1].geom = ro;
	blk.stop_fd = -1;
	vm.blk = &blk;
	return gmem_init(&vm.mem, MEM);
}

static int vm_teardown(void **state)
{
	(void)state;
	gmem_free(&vm.mem);
	return 0;
}

static struct ukvm_hc_blk_info info_call(uint32_t disk)
{
	struct ukvm_hc_blk_info a = {.disk = disk, .count = 77, .sectors = 77, .ret = 77};
	gmem_write(&vm.mem, ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_BLK_INFO, ARG);
	gmem_read(&vm.mem, ARG, &a, sizeof(a));
	return a;
}

static void hc_info(void **state)
{
	(void)state;
	struct ukvm_hc_blk_info a = info_call(1);
	assert_int_equal(a.ret, 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.sectors, 100);
	assert_int_equal(a.sector_size, 512);
	assert_int_equal(a.flags, UKVM_BLK_F_READ_ONLY);
	a = info_call(0);
	assert_int_equal(a.flags, 0);
	a = info_call(2);
	assert_int_equal(a.ret, -ENODEV);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.sectors, 0); /* nothing left over from the guest */
	vm.blk = NULL;
	a = info_call(0);
	assert_int_equal(a.ret, -ENODEV);
	assert_int_equal(a.count, 0);
	assert_false(vm.done);
	hypercall_dispatch(&vm, UKVM_HC_BLK_INFO,
			   MEM - 8); /* the struct runs past the end of RAM */
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static int64_t setup_call(uint32_t disk, uint64_t ring)
{
	struct ukvm_hc_blk_setup a = {.disk = disk, .ring = ring, .ret = 77};
	gmem_write(&vm.mem, ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_BLK_SETUP, ARG);
	gmem_read(&vm.mem, ARG, &a, sizeof(a));
	return a.ret;
}

static void hc_setup(void **state)
{
	(void)state;
	assert_int_equal(setup_call(2, RING), -ENODEV);
	assert_int_equal(setup_call(UINT32_MAX, RING), -ENODEV);
	assert_int_equal(setup_call(0, RING + 8), -EINVAL);
	assert_int_equal(setup_call(0, RING), 0);
	assert_int_equal(atomic_load(&blk.disk[0].ring_gpa), RING);
	assert_int_equal(setup_call(0, RING + 0x4000), -EBUSY);
	assert_int_equal(atomic_load(&blk.disk[0].ring_gpa), RING);
	assert_false(vm.done);
	/* the ring must fit whole: ending one byte past RAM is fatal */
	setup_call(1, MEM - sizeof(struct ukvm_blk_ring) + 64);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
	assert_int_equal(atomic_load(&blk.disk[1].ring_gpa), 0);
}

static void hc_setup_ring_at_end(void **state)
{
	(void)state;
	uint64_t at = (MEM - sizeof(struct ukvm_blk_ring)) & ~63ULL;
	assert_int_equal(setup_call(1, at), 0);
	assert_false(vm.done);
}

/* ---- blk_serve: the ring served on the calling (vCPU) thread ---- */

#define BUF 0x40000ULL

static int serve_setup(void **state)
{
	int r = vm_setup(state);
	blk.vm = &vm;
	for (unsigned i = 0; i < blk.count; i++) {
		struct blk_disk *d = &blk.disk[i];
		d->fd = memfd_create("disk", MFD_CLOEXEC);
		char sector[512];
		for (unsigned k = 0; k < 100; k++) { /* sector k is full of byte k */
			memset(sector, (int)k, sizeof(sector));
			if (d->fd < 0 || write(d->fd, sector, sizeof(sector)) != sizeof(sector))
				return -1;
		}
		pthread_mutex_init(&d->serving, NULL);
		d->serving_init = true;
		d->kick_fd = d->irq_fd = -1; /* the interrupt before a corrupt ring fails */
		d->path = "fake";
	}
	return r;
}

static int serve_teardown(void **state)
{
	for (unsigned i = 0; i < blk.count; i++) {
		close(blk.disk[i].fd);
		pthread_mutex_destroy(&blk.disk[i].serving);
	}
	return vm_teardown(state);
}

static int64_t serve_call(uint32_t disk)
{
	struct ukvm_hc_blk_serve a = {.disk = disk, .ret = 77};
	gmem_write(&vm.mem, ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_BLK_SERVE, ARG);
	gmem_read(&vm.mem, ARG, &a, sizeof(a));
	return a.ret;
}

static struct ukvm_blk_ring *ring_at(uint64_t gpa)
{
	return gmem_at(&vm.mem, gpa, sizeof(struct ukvm_blk_ring));
}

/* Queues a request on the guest's side of the ring at gpa. */
static void queue(uint64_t gpa, struct ukvm_blk_req req)
{
	struct ukvm_blk_ring *r = ring_at(gpa);
	r->req[r->req_prod % UKVM_BLK_RING_SIZE] = req;
	r->req_prod++;
}

static void hc_serve(void **state)
{
	(void)state;
	struct ukvm_blk_ring *ring = ring_at(RING);

	assert_int_equal(serve_call(0), -ENODEV); /* no ring yet */
	assert_int_equal(serve_call(2), -ENODEV);
	assert_int_equal(serve_call(UINT32_MAX), -ENODEV);
	assert_int_equal(setup_call(0, RING), 0);
	ring->no_irq = 1;
	assert_int_equal(serve_call(0), 0); /* an empty ring: nothing to do */
	assert_int_equal(ring->cpl_prod, 0);

	/* two reads and a write to the read-write disk, served in the call */
	queue(RING, (struct ukvm_blk_req){
			.id = 5, .op = UKVM_BLK_OP_READ, .len = 1024, .sector = 7, .buf = BUF});
	queue(RING, (struct ukvm_blk_req){.id = 9,
					  .op = UKVM_BLK_OP_READ,
					  .len = 512,
					  .sector = 100,
					  .buf = BUF}); /* past the end */
	assert_int_equal(serve_call(0), 0);
	assert_int_equal(ring->cpl_prod, 2);
	assert_int_equal(ring->cpl[0].id, 5);
	assert_int_equal(ring->cpl[0].status, UKVM_BLK_S_OK);
	assert_int_equal(ring->cpl[1].id, 9);
	assert_int_equal(ring->cpl[1].status, UKVM_BLK_S_RANGE);
	const unsigned char *buf = gmem_at(&vm.mem, BUF, 1024);
	assert_int_equal(buf[0], 7);
	assert_int_equal(buf[1023], 8);
	assert_int_equal(blk.disk[0].counts.served, 2);
	assert_int_equal(blk.disk[0].counts.requests, 2);

	/* the device thread serving: -EBUSY, and the request stays queued */
	queue(RING, (struct ukvm_blk_req){.id = 1, .op = UKVM_BLK_OP_FLUSH});
	pthread_mutex_lock(&blk.disk[0].serving);
	assert_int_equal(serve_call(0), -EBUSY);
	pthread_mutex_unlock(&blk.disk[0].serving);
	assert_int_equal(ring->cpl_prod, 2);
	assert_int_equal(serve_call(0), 0);
	assert_int_equal(ring->cpl_prod, 3);
	assert_int_equal(ring->cpl[2].status, UKVM_BLK_S_OK);
	assert_false(vm.done);
}

static void hc_serve_corrupt(void **state)
{
	(void)state;
	struct ukvm_blk_ring *ring = ring_at(RING);

	/* a buffer outside guest RAM stops the VM in the call (139) */
	assert_int_equal(setup_call(0, RING), 0);
	queue(RING,
	      (struct ukvm_blk_req){
		  .id = 3, .op = UKVM_BLK_OP_READ, .len = 512, .sector = 0, .buf = MEM - 256});
	serve_call(0);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
	assert_true(atomic_load(&blk.disk[0].broken));
	assert_int_equal(ring->cpl_prod, 0);
	/* and the disk is served no more */
	vm.done = false;
	atomic_store(&vm.thread_fault, 0);
	assert_int_equal(serve_call(0), -ENODEV);

	/* indices past the ring: 159, as from the device thread */
	assert_int_equal(setup_call(1, RING + 0x4000), 0);
	ring_at(RING + 0x4000)->req_prod = UKVM_BLK_RING_SIZE + 1;
	serve_call(1);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_BAD_HYPERCALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(good_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_op_and_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(range, setup, teardown),
	    cmocka_unit_test_setup_teardown(read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(buffer_outside_ram, setup, teardown),
	    cmocka_unit_test(ring_indices),
	    cmocka_unit_test_setup_teardown(hc_info, vm_setup, vm_teardown),
	    cmocka_unit_test_setup_teardown(hc_setup, vm_setup, vm_teardown),
	    cmocka_unit_test_setup_teardown(hc_setup_ring_at_end, vm_setup, vm_teardown),
	    cmocka_unit_test_setup_teardown(hc_serve, serve_setup, serve_teardown),
	    cmocka_unit_test_setup_teardown(hc_serve_corrupt, serve_setup, serve_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
