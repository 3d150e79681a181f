/*
 * The block device driver (unikvm/blk.h, docs/block.md).
 *
 * Each disk has a ring in libguest's own memory, set up on first use. A
 * request takes a slot (its id in the ring is the slot number) from submit
 * until the program has its status: synchronous calls wait for their own
 * slot, asynchronous completions queue up in completion order until
 * blk_poll collects them. So at most UKVM_BLK_RING_SIZE requests are ever
 * outstanding, which is what the VMM demands of the ring.
 *
 * Interrupts only for a sleeper: the ring's no_irq is 1 while the guest
 * runs, so the device raises no completion interrupt that nobody waits
 * for; before it sleeps the guest clears it (on every disk) and looks at
 * cpl_prod once more, and sets it again when it wakes (the device reads
 * no_irq after it publishes cpl_prod: one of the two sees the other).
 *
 * A lone synchronous request on an idle device (nothing else outstanding,
 * no_kick 0) goes by the blk_serve hypercall instead: the VMM serves the
 * ring on the vCPU thread within that exit, so the request costs one exit
 * and no wake-up or interrupt, as a plain synchronous hypercall would.
 * The request still travels through the ring, with the ring's checks.
 *
 * Waiting: programs run with interrupts off. The driver looks at cpl_prod
 * and, if nothing new came, runs `sti; hlt`: the interrupt of a completion
 * that lands after the look is held pending until `sti` and then ends the
 * `hlt` (sti's one-instruction shadow covers the gap), so no wakeup is lost.
 * Each `hlt` also arms the TSC-deadline timer BACKSTOP_MS ahead: under the
 * nested test sandbox (QEMU TCG's AMD-V) the sti shadow is sometimes lost,
 * the interrupt is taken before `hlt`, and the backstop (with the VMM's
 * watchdog, docs/block.md) turns that into a short delay instead of a hang.
 */
#include <errno.h>
#include <unikvm/blk.h>

#include "kernel.h"
#include "cpu.h"

#define BACKSTOP_MS 10

enum slot_state { SLOT_FREE, SLOT_INFLIGHT, SLOT_DONE };

struct slot {
	uint64_t cookie;
	uint32_t status;
	uint8_t state; /* enum slot_state */
	uint8_t async;
};

struct disk {
	int ready;
	struct blk_info info;
	uint32_t req_prod, cpl_cons; /* our copies of the ring's indices */
	uint32_t rang_at;	     /* the ring's idle_seq when we last rang */
	uint32_t told_prod;	     /* req_prod when the device was last told */
	unsigned used;		     /* slots not SLOT_FREE */
	unsigned async_pending;	     /* async slots not yet collected */
	struct slot slot[UKVM_BLK_RING_SIZE];
	uint16_t done[UKVM_BLK_RING_SIZE]; /* async slots completed, oldest first */
	uint32_t done_head, done_tail;
};

static struct ukvm_blk_ring rings[UKVM_BLK_MAX] __attribute__((aligned(UKVM_PAGE_SIZE)));
static struct disk disks[UKVM_BLK_MAX];
static unsigned disk_count;
static int count_known;

unsigned blk_count(void)
{
	if (!count_known) {
		struct ukvm_hc_blk_info hc = {.disk = 0};
		hc_blk_info(&hc);
		disk_count = hc.count < UKVM_BLK_MAX ? hc.count : UKVM_BLK_MAX;
		count_known = 1;
	}
	return disk_count;
}

/* The disk, its ring set up; NULL if there is no such disk. */
static struct disk *disk_get(unsigned n)
{
	if (n >= blk_count())
		return NULL;
	struct disk *d = &disks[n];
	if (d->ready)
		return d;

	struct ukvm_hc_blk_info info = {.disk = n};
	hc_blk_info(&info);
	if (info.ret)
		return NULL;
	rings[n].no_irq = 1;		    /* until the first sleep */
	d->rang_at = rings[n].idle_seq - 1; /* not rung yet */
	struct ukvm_hc_blk_setup setup = {.disk = n, .ring = (uint64_t)(uintptr_t)&rings[n]};
	hc_blk_setup(&setup);
	if (setup.ret)
		return NULL;
	d->info = (struct blk_info){
	    .sectors = info.sectors,
	    .sector_size = info.sector_size,
	    .read_only = !!(info.flags & UKVM_BLK_F_READ_ONLY),
	};
	d->ready = 1;
	return d;
}

int blk_info(unsigned n, struct blk_info *info)
{
	struct disk *d = disk_get(n);
	if (!d)
		return -ENODEV;
	*info = d->info;
	return 0;
}

/* Moves the completions the device published into their slots. */
static void reap(unsigned n)
{
	struct disk *d = &disks[n];
	struct ukvm_blk_ring *ring = &rings[n];
	uint32_t prod = __atomic_load_n(&ring->cpl_prod, __ATOMIC_ACQUIRE);

	while (d->cpl_cons != prod) {
		struct ukvm_blk_cpl c = ring->cpl[d->cpl_cons % UKVM_BLK_RING_SIZE];
		d->cpl_cons++;
		if (c.id >= UKVM_BLK_RING_SIZE || d->slot[c.id].state != SLOT_INFLIGHT)
			continue; /* not ours: the VMM's bug; nothing waits for it */
		struct slot *s = &d->slot[c.id];
		s->state = SLOT_DONE;
		s->status = c.status;
		if (s->async)
			d->done[d->done_tail++ % UKVM_BLK_RING_SIZE] = (uint16_t)c.id;
	}
	__atomic_store_n(&ring->cpl_cons, d->cpl_cons, __ATOMIC_RELEASE);
}

static void kick(unsigned n);

/* Sets no_irq on every disk in use to v; with v 0, whether a completion
 * came that is not reaped yet (then the caller must not sleep). */
static int set_no_irq(uint32_t v)
{
	int unreaped = 0;
	for (unsigned n = 0; n < UKVM_BLK_MAX; n++) {
		if (!disks[n].ready)
			continue;
		__atomic_store_n(&rings[n].no_irq, v, __ATOMIC_SEQ_CST);
		if (!v &&
		    __atomic_load_n(&rings[n].cpl_prod, __ATOMIC_SEQ_CST) != disks[n].cpl_cons)
			unreaped = 1;
	}
	return unreaped;
}

void blk_sleep(void)
{
	for (unsigned n = 0; n < UKVM_BLK_MAX; n++)
		kick(n);
	__asm__ volatile("cli" ::: "memory");
	if (!set_no_irq(0))
		cpu_halt_until(rdtsc() + tsc_per_ms() * BACKSTOP_MS);
	set_no_irq(1);
}

/* Sleeps until the device publishes a completion we have not reaped. */
static void wait_completion(unsigned n)
{
	__asm__ volatile("cli" ::: "memory");
	if (__atomic_load_n(&rings[n].cpl_prod, __ATOMIC_ACQUIRE) == disks[n].cpl_cons)
		blk_sleep();
}

/* Tells the device about requests queued since the last time, with the
 * doorbell unless it needs none: a busy device picks them up by itself, and
 * so does one that has not gone idle since our last doorbell (ABI header). */
static void kick(unsigned n)
{
	struct disk *d = &disks[n];
	if (!d->ready || d->told_prod == d->req_prod)
		return;
	d->told_prod = d->req_prod;
	__atomic_store_n(&rings[n].req_prod, d->req_prod, __ATOMIC_SEQ_CST);
	uint32_t idle = __atomic_load_n(&rings[n].idle_seq, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&rings[n].no_kick, __ATOMIC_SEQ_CST) && idle != d->rang_at) {
		outl((uint16_t)(UKVM_BLK_DOORBELL_BASE + n), 0);
		d->rang_at = idle;
	}
}

/* The synchronous path: when the request just queued is the only one
 * outstanding and the device thread is not serving, asks the VMM to serve
 * the ring in this exit. 1 if it did (the completion is in the ring), 0 if
 * the doorbell must go as usual (-EBUSY: the device thread is serving). */
static int serve_now(unsigned n)
{
	struct disk *d = &disks[n];
	if (d->used != 1 || __atomic_load_n(&rings[n].no_kick, __ATOMIC_SEQ_CST))
		return 0;
	__atomic_store_n(&rings[n].req_prod, d->req_prod, __ATOMIC_SEQ_CST);
	struct ukvm_hc_blk_serve hc = {.disk = n};
	hc_blk_serve(&hc);
	if (hc.ret)
		return 0; /* kick() tells the device thread */
	d->told_prod = d->req_prod;
	return 1;
}

/* Queues a request in a free slot (kick() tells the device): the slot, or
 * -EAGAIN if every slot is taken. */
static int submit(unsigned n, unsigned op, uint64_t sector, const void *buf, size_t len,
		  uint64_t cookie, int async)
{
	struct disk *d = &disks[n];
	unsigned id = 0;

	if (d->used == UKVM_BLK_RING_SIZE)
		return -EAGAIN;
	while (d->slot[id].state != SLOT_FREE)
		id++;
	d->slot[id] =
	    (struct slot){.cookie = cookie, .state = SLOT_INFLIGHT, .async = (uint8_t)async};
	d->used++;
	rings[n].req[d->req_prod % UKVM_BLK_RING_SIZE] = (struct ukvm_blk_req){
	    .id = id,
	    .op = op,
	    /* a length that does not fit is refused by the device, as too long */
	    .len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
	    .sector = sector,
	    .buf = (uint64_t)(uintptr_t)buf,
	};
	d->req_prod++;
	return (int)id;
}

static void slot_free(struct disk *d, unsigned id)
{
	d->slot[id].state = SLOT_FREE;
	d->used--;
}

static int sync_request(unsigned n, unsigned op, uint64_t sector, const void *buf, size_t len)
{
	struct disk *d = disk_get(n);
	if (!d)
		return -ENODEV;
	int id = submit(n, op, sector, buf, len, 0, 0);
	if (id < 0)
		return id;
	if (!serve_now(n))
		kick(n);
	for (;;) {
		reap(n);
		if (d->slot[id].state == SLOT_DONE)
			break;
		wait_completion(n);
	}
	int status = (int)d->slot[id].status;
	slot_free(d, (unsigned)id);
	return status;
}

int blk_read(unsigned disk, uint64_t sector, void *buf, size_t len)
{
	return sync_request(disk, UKVM_BLK_OP_READ, sector, buf, len);
}

int blk_write(unsigned disk, uint64_t sector, const void *buf, size_t len)
{
	return sync_request(disk, UKVM_BLK_OP_WRITE, sector, buf, len);
}

int blk_flush(unsigned disk)
{
	return sync_request(disk, UKVM_BLK_OP_FLUSH, 0, NULL, 0);
}

int blk_submit(unsigned n, unsigned op, uint64_t sector, void *buf, size_t len, uint64_t cookie)
{
	struct disk *d = disk_get(n);
	if (!d)
		return -ENODEV;
	int id = submit(n, op, sector, buf, len, cookie, 1);
	if (id < 0)
		return id;
	d->async_pending++;
	return 0;
}

int blk_poll(unsigned n, struct blk_completion *out, int max)
{
	struct disk *d = disk_get(n);
	int k = 0;

	if (!d)
		return -ENODEV;
	kick(n);
	reap(n);
	while (k < max && d->done_head != d->done_tail) {
		unsigned id = d->done[d->done_head++ % UKVM_BLK_RING_SIZE];
		out[k++] = (struct blk_completion){.cookie = d->slot[id].cookie,
						   .status = (int)d->slot[id].status};
		slot_free(d, id);
		d->async_pending--;
	}
	return k;
}

int blk_wait(unsigned n, struct blk_completion *out, int max)
{
	for (;;) {
		int k = blk_poll(n, out, max);
		if (k != 0 || disks[n].async_pending == 0 || max <= 0)
			return k;
		wait_completion(n);
	}
}

unsigned blk_pending(unsigned n)
{
	return n < UKVM_BLK_MAX ? disks[n].async_pending : 0;
}

const char *blk_strstatus(int status)
{
	switch (status) {
	case UKVM_BLK_S_OK:
		return "OK";
	case UKVM_BLK_S_RANGE:
		return "beyond the end of the disk";
	case UKVM_BLK_S_BADLEN:
		return "bad length (0, not whole sectors, or too long)";
	case UKVM_BLK_S_READ_ONLY:
		return "read-only disk";
	case UKVM_BLK_S_BADOP:
		return "unknown operation";
	case UKVM_BLK_S_IOERR:
		return "I/O error on the host";
	case -ENODEV:
		return "no such disk";
	case -EAGAIN:
		return "queue full";
	default:
		return "unknown status";
	}
}
