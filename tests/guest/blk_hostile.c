/*
 * blk_hostile: a guest that drives disk 0's ring by hand, bypassing the
 * driver, and breaks it on purpose, one way per argument. Every way that
 * corrupts the ring first completes a write of "hostile!" x 64 to sector 0,
 * which must stay on the disk. tests/CMakeLists.txt holds the expectations.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unikvm/abi.h>

static struct ukvm_blk_ring ring __attribute__((aligned(4096)));
static char data[512];

static void out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

static void hypercall(unsigned nr, void *arg)
{
	out32(UKVM_HC_PORT_BASE + nr, (uint32_t)(uintptr_t)arg);
}

static void say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static long setup(uint64_t gpa)
{
	struct ukvm_hc_blk_setup hc = {.disk = 0, .ring = gpa};
	hypercall(UKVM_HC_BLK_SETUP, &hc);
	return (long)hc.ret;
}

static void doorbell(void)
{
	out32(UKVM_BLK_DOORBELL_BASE, 0);
}

static void put(uint32_t i, uint32_t op, uint64_t sector, uint32_t len, uint64_t buf)
{
	ring.req[i % UKVM_BLK_RING_SIZE] =
	    (struct ukvm_blk_req){.id = i, .op = op, .len = len, .sector = sector, .buf = buf};
}

/* Polls until n completions are in (the driver's way of sleeping is
 * tested elsewhere; this guest only needs the write done). */
static void wait_completions(uint32_t n)
{
	while (__atomic_load_n(&ring.cpl_prod, __ATOMIC_ACQUIRE) < n)
		__asm__ volatile("pause" ::: "memory");
}

/* One good write, completed: the data that must survive. */
static void good_write(void)
{
	for (int i = 0; i < 512; i += 8)
		memcpy(data + i, "hostile!", 8);
	if (setup((uintptr_t)&ring)) {
		say("setup failed");
		return;
	}
	put(0, UKVM_BLK_OP_WRITE, 0, 512, (uintptr_t)data);
	__atomic_store_n(&ring.req_prod, 1, __ATOMIC_RELEASE);
	doorbell();
	wait_completions(1);
	printf("write 0: status %u\n", ring.cpl[0].status);
	fflush(stdout);
}

static void sleep_forever(void)
{
	for (;;)
		__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *way = argc > 1 ? argv[1] : "";
	printf("blk_hostile: %s\n", way);
	fflush(stdout);

	if (!strcmp(way, "setup-twice")) {
		/* Not fatal: -EBUSY, -EINVAL, -ENODEV come back as statuses. */
		printf("setup: %ld\n", setup((uintptr_t)&ring));
		printf("again: %ld\n", setup((uintptr_t)&ring));
		struct ukvm_hc_blk_setup hc = {.disk = 9, .ring = (uintptr_t)&ring};
		hypercall(UKVM_HC_BLK_SETUP, &hc);
		printf("disk 9: %ld\n", (long)hc.ret);
		return 0;
	}
	if (!strcmp(way, "ring-misaligned")) {
		printf("setup: %ld\n", setup((uintptr_t)&ring + 8));
		return 0;
	}
	if (!strcmp(way, "ring-outside")) {
		setup(0xfffff000ULL);
		say("not reached");
		return 1;
	}
	if (!strcmp(way, "doorbell-early")) {
		doorbell();
		sleep_forever();
	}
	if (!strcmp(way, "doorbell-byte")) {
		__asm__ volatile("outb %0, %1" ::"a"((uint8_t)0),
				 "Nd"((uint16_t)UKVM_BLK_DOORBELL_BASE));
		return 1;
	}
	good_write();
	if (!strcmp(way, "index")) {
		/* req_prod far ahead of what the device has seen */
		__atomic_store_n(&ring.req_prod, 1 + 1000, __ATOMIC_RELEASE);
	} else if (!strcmp(way, "overrun")) {
		/* 129 outstanding: the one completion was never consumed */
		for (uint32_t i = 1; i <= UKVM_BLK_RING_SIZE; i++)
			put(i, UKVM_BLK_OP_READ, 0, 512, (uintptr_t)data);
		__atomic_store_n(&ring.req_prod, 1 + UKVM_BLK_RING_SIZE, __ATOMIC_RELEASE);
	} else if (!strcmp(way, "cpl-cons")) {
		/* consumed completions that were never produced */
		__atomic_store_n(&ring.cpl_cons, 5, __ATOMIC_RELEASE);
		put(1, UKVM_BLK_OP_READ, 0, 512, (uintptr_t)data);
		__atomic_store_n(&ring.req_prod, 2, __ATOMIC_RELEASE);
	} else if (!strcmp(way, "buffer")) {
		/* a write whose buffer runs past the end of guest RAM */
		put(1, UKVM_BLK_OP_WRITE, 1, 4096, 0xfffff000ULL);
		__atomic_store_n(&ring.req_prod, 2, __ATOMIC_RELEASE);
	} else if (!strcmp(way, "buffer-page0")) {
		put(1, UKVM_BLK_OP_READ, 1, 512, 0);
		__atomic_store_n(&ring.req_prod, 2, __ATOMIC_RELEASE);
	} else {
		say("unknown way");
		return 2;
	}
	doorbell();
	sleep_forever();
}
