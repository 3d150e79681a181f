/*
 * The block device: see blk.h and docs/block.md.
 *
 * The guest's kick on a disk's doorbell port signals that disk's ioeventfd
 * inside KVM; the vCPU keeps running. The disk's device thread wakes, reads
 * the ring's indices once, checks them, then copies each request into a
 * local, checks it and serves it with pread/pwrite straight between the
 * file and guest RAM. Each completion is published at once; the interrupt
 * (an MSI through the disk's irqfd) follows each batch.
 *
 * The device threads block every signal (but seccomp's SIGSYS), so the
 * watchdog and stop signals reach the vCPU thread. Each confines itself
 * with seccomp (seccomp_filter.c) before blk_start returns, so before the guest
 * runs. On each watchdog tick the vCPU thread re-raises
 * the interrupt of a disk whose completions are still unconsumed
 * (blk_watchdog): a guest that lost one then wakes within a tick. A
 * corrupt ring ends only its disk's thread: it asks the run loop to end
 * the run (vm_fault), which it does after its current exit or at the
 * next watchdog tick.
 *
 * The synchronous path (blk_serve): a guest that waits for a lone request
 * on an idle device asks the vCPU thread to serve the ring itself, in the
 * hypercall's exit: one exit, no thread wake-up, no interrupt. Whoever
 * serves holds the disk's `serving` lock; the vCPU thread only tries it,
 * and a busy device thread (which will see the request) answers -EBUSY.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/fds.h"
#include "base/log.h"
#include "commands/options.h"
#include "core/hypercall.h"
#include "core/seccomp.h"
#include "core/vm.h"
#include "devices/blk.h"

#define RING_ALIGN 64
#define DEFAULT_SECTOR 512

/* ---- opening disks ------------------------------------------------------ */

/* "PATH", "PATH,ro", "PATH,rw": the path and whether it is read-only. */
static int parse_disk_arg(const char *arg, char **path, bool *ro, char *err, size_t errlen)
{
	const char *comma = strrchr(arg, ',');
	size_t len = strlen(arg);

	*ro = false;
	if (comma) {
		if (!strcmp(comma + 1, "ro"))
			*ro = true;
		else if (strcmp(comma + 1, "rw"))
			return ukvm_fail(
			    err, errlen, EXIT_HOST_ERROR,
			    "--disk '%s': unknown flag '%s' (PATH, PATH,ro or PATH,rw)", arg,
			    comma + 1);
		len = (size_t)(comma - arg);
	}
	if (len == 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "--disk '%s': no file name", arg);
	*path = strndup(arg, len);
	return *path ? 0 : ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
}

/* Size and sector size of an open disk: a regular file (512-byte sectors)
 * or a block device (its logical sector size). */
static int disk_geometry(struct blk_disk *d, const struct stat *st, char *err, size_t errlen)
{
	uint64_t bytes;
	int ssz = DEFAULT_SECTOR;

	if (S_ISREG(st->st_mode)) {
		bytes = (uint64_t)st->st_size;
	} else if (S_ISBLK(st->st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0 || ioctl(d->fd, BLKSSZGET, &ssz) < 0)
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "--disk %s: cannot read its size: %s", d->path,
					 strerror(errno));
		if (ssz < DEFAULT_SECTOR || (ssz & (ssz - 1)))
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "--disk %s: odd sector size %d", d->path, ssz);
	} else {
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "--disk %s: not a regular file or a block device", d->path);
	}
	d->geom.sector_size = (uint32_t)ssz;
	d->geom.sectors = bytes / (uint64_t)ssz;
	return 0;
}

int blk_add(struct blk *b, const char *arg, char *err, size_t errlen)
{
	struct blk_disk *d = &b->disk[b->count];
	struct stat st;
	bool ro;
	int r;

	if (b->count == UKVM_BLK_MAX)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "--disk %s: too many disks (at most %d)", arg, UKVM_BLK_MAX);
	memset(d, 0, sizeof(*d));
	d->fd = d->kick_fd = d->irq_fd = -1;
	if ((r = parse_disk_arg(arg, &d->path, &ro, err, errlen)))
		return r;
	d->geom.read_only = ro;
	d->fd = open(d->path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0 && errno == EISDIR) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR, "--disk %s: is a directory", d->path);
		goto fail;
	}
	if (d->fd < 0) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR, "--disk %s: %s%s", d->path,
			      strerror(errno),
			      errno == EACCES && !ro ? " (add ,ro to open it read-only)" : "");
		goto fail;
	}
	if (fstat(d->fd, &st) < 0) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR, "--disk %s: %s", d->path,
			      strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < b->count; i++) {
		if (b->disk[i].dev == st.st_dev && b->disk[i].ino == st.st_ino) {
			r = ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				      "--disk %s: the same file as disk %u (%s)", d->path, i,
				      b->disk[i].path);
			goto fail;
		}
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	if (S_ISDIR(st.st_mode)) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR, "--disk %s: is a directory", d->path);
		goto fail;
	}
	if ((r = disk_geometry(d, &st, err, errlen)))
		goto fail;
	/* Two VMs writing one disk would corrupt it: a read-write disk takes an
	 * exclusive lock, a read-only one a shared lock (advisory, as qemu). */
	if (flock(d->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR,
			      "--disk %s: in use by another process (it holds a lock on it)",
			      d->path);
		goto fail;
	} /* other errors: a file system without locks (some network ones); go on */
	if ((r = pthread_mutex_init(&d->serving, NULL))) {
		r = ukvm_fail(err, errlen, EXIT_HOST_ERROR, "pthread_mutex_init: %s", strerror(r));
		goto fail;
	}
	d->serving_init = true;
	b->count++;
	return 0;
fail:
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	memset(d, 0, sizeof(*d));
	return r;
}

/* ---- checks ------------------------------------------------------------- */

int blk_req_check(const struct gmem *m, const struct blk_geom *g, const struct ukvm_blk_req *r,
		  void **buf, char *err, size_t errlen)
{
	*buf = NULL;
	if (r->op == UKVM_BLK_OP_FLUSH)
		return UKVM_BLK_S_OK;
	if (r->op != UKVM_BLK_OP_READ && r->op != UKVM_BLK_OP_WRITE)
		return UKVM_BLK_S_BADOP;
	if (r->len == 0 || r->len % g->sector_size || r->len > UKVM_BLK_MAX_XFER)
		return UKVM_BLK_S_BADLEN;
	uint64_t n = r->len / g->sector_size;
	if (r->sector > g->sectors || n > g->sectors - r->sector)
		return UKVM_BLK_S_RANGE;
	if (r->op == UKVM_BLK_OP_WRITE && g->read_only)
		return UKVM_BLK_S_READ_ONLY;
	*buf = gmem_at(m, r->buf, r->len);
	if (!*buf) {
		snprintf(err, errlen, "request %llu: buffer [0x%llx, +0x%x) outside guest RAM",
			 (unsigned long long)r->id, (unsigned long long)r->buf, r->len);
		return -1;
	}
	return UKVM_BLK_S_OK;
}

int blk_ring_check(uint32_t req_prod, uint32_t cpl_cons, uint32_t req_cons, uint32_t cpl_prod,
		   char *err, size_t errlen)
{
	if (req_prod - req_cons > UKVM_BLK_RING_SIZE) {
		snprintf(err, errlen, "req_prod %u is %u past the device's %u (ring size %u)",
			 req_prod, req_prod - req_cons, req_cons, UKVM_BLK_RING_SIZE);
		return -1;
	}
	if (cpl_prod - cpl_cons > UKVM_BLK_RING_SIZE) {
		snprintf(err, errlen, "cpl_cons %u does not follow cpl_prod %u", cpl_cons,
			 cpl_prod);
		return -1;
	}
	if (req_prod - cpl_cons > UKVM_BLK_RING_SIZE) {
		snprintf(err, errlen,
			 "%u requests outstanding (req_prod %u, cpl_cons %u): more than "
			 "the ring's %u",
			 req_prod - cpl_cons, req_prod, cpl_cons, UKVM_BLK_RING_SIZE);
		return -1;
	}
	return 0;
}

/* ---- the device thread -------------------------------------------------- */

/* --stats counts: relaxed atomics, read by the vCPU thread at the end. */
#define COUNT(c) __atomic_fetch_add(&(c), 1, __ATOMIC_RELAXED)

static uint32_t disk_io(struct blk_disk *d, uint32_t op, void *buf, uint64_t sector, uint32_t len)
{
	uint64_t off = sector * d->geom.sector_size;
	size_t done = 0;

	if (op == UKVM_BLK_OP_FLUSH)
		return (void)COUNT(d->counts.calls), fdatasync(d->fd) == 0 || d->geom.read_only
							 ? UKVM_BLK_S_OK
							 : UKVM_BLK_S_IOERR;
	while (done < len) {
		char *p = (char *)buf + done;
		COUNT(d->counts.calls);
		ssize_t n = op == UKVM_BLK_OP_READ
				? pread(d->fd, p, len - done, (off_t)(off + done))
				: pwrite(d->fd, p, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return UKVM_BLK_S_IOERR; /* 0: the file shrank under us */
		done += (size_t)n;
	}
	return UKVM_BLK_S_OK;
}

static void corrupt(struct blk *b, unsigned i, int status, const char *why)
{
	atomic_store(&b->disk[i].broken, true);
	ukvm_err("guest error: disk %u (%s): corrupt request ring: %s", i, b->disk[i].path, why);
	vm_fault(b->vm, status);
}

static void raise_irq(struct blk_disk *d)
{
	uint64_t one = 1;
	COUNT(d->counts.interrupts);
	COUNT(d->counts.calls);
	if (write(d->irq_fd, &one, sizeof(one)) != sizeof(one))
		ukvm_perr("disk %s: irqfd", d->path);
}

/* Serves what the ring holds. -1 after a corrupt ring. */
static int serve_ring(struct blk *b, unsigned i)
{
	struct blk_disk *d = &b->disk[i];
	struct ukvm_blk_ring *ring = gmem_at(&b->vm->mem, atomic_load(&d->ring_gpa), sizeof(*ring));
	char why[256];

	for (;;) {
		uint32_t prod = __atomic_load_n(&ring->req_prod, __ATOMIC_ACQUIRE);
		uint32_t cpl_cons = __atomic_load_n(&ring->cpl_cons, __ATOMIC_ACQUIRE);
		if (blk_ring_check(prod, cpl_cons, d->req_cons, d->cpl_prod, why, sizeof(why)) <
		    0) {
			corrupt(b, i, EXIT_BAD_HYPERCALL, why);
			return -1;
		}
		if (prod == d->req_cons)
			return 0;
		while (d->req_cons != prod && !atomic_load(&b->stopping)) {
			struct ukvm_blk_req req;
			void *buf;
			memcpy(&req, &ring->req[d->req_cons % UKVM_BLK_RING_SIZE], sizeof(req));
			int st = blk_req_check(&b->vm->mem, &d->geom, &req, &buf, why, sizeof(why));
			if (st < 0) {
				raise_irq(d); /* for what completed before */
				corrupt(b, i, EXIT_FAULT, why);
				return -1;
			}
			if (st == UKVM_BLK_S_OK)
				st = (int)disk_io(d, req.op, buf, req.sector, req.len);
			struct ukvm_blk_cpl cpl = {.id = req.id, .status = (uint32_t)st};
			memcpy(&ring->cpl[d->cpl_prod % UKVM_BLK_RING_SIZE], &cpl, sizeof(cpl));
			d->req_cons++;
			d->cpl_prod++;
			COUNT(d->counts.requests);
			__atomic_store_n(&ring->cpl_prod, d->cpl_prod, __ATOMIC_SEQ_CST);
		}
		/* The guest clears no_irq before it looks at cpl_prod and sleeps
		 * (both with full barriers): either it sees these completions
		 * or we see its request for an interrupt. */
		if (!__atomic_load_n(&ring->no_irq, __ATOMIC_SEQ_CST))
			raise_irq(d);
		if (atomic_load(&b->stopping))
			return 0;
	}
}

/* Serves until the ring stays empty. While it runs, no_kick tells the guest
 * that doorbells are not needed. Before sleeping it clears no_kick, counts
 * idle_seq up and looks once more: the guest publishes req_prod before it
 * reads no_kick and idle_seq, we write both before we read req_prod (all
 * with full barriers), so either it rings or we see its request. A guest
 * that rang at the idle_seq it reads needs no second doorbell: the first
 * one still wakes us, and we look at req_prod after waking. */
static int serve_until_idle(struct blk *b, unsigned i)
{
	struct blk_disk *d = &b->disk[i];
	struct ukvm_blk_ring *ring = gmem_at(&b->vm->mem, atomic_load(&d->ring_gpa), sizeof(*ring));

	for (;;) {
		__atomic_store_n(&ring->no_kick, 1, __ATOMIC_SEQ_CST);
		if (serve_ring(b, i) < 0)
			return -1;
		__atomic_store_n(&ring->no_kick, 0, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&ring->idle_seq, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&ring->req_prod, __ATOMIC_SEQ_CST) == d->req_cons ||
		    atomic_load(&b->stopping))
			return 0;
	}
}

/* Confines the calling thread, the device thread of disk d, to its own
 * fds: the doorbell eventfd, the irqfd, the disk file. 0, or
 * EXIT_HOST_ERROR with the reason in err (no warning for --no-seccomp:
 * the vCPU thread gives it). */
static int confine_disk_thread(enum ukvm_seccomp mode, const struct blk_disk *d, char *err,
			       size_t errlen)
{
	char role[24], hook[16];
	struct seccomp_rules r;

	if (mode == UKVM_SECCOMP_OFF)
		return 0;
	if (seccomp_rules_init(&r, mode)) {
		ALLOW(&r, poll); /* the doorbell and the stop eventfd (fds in memory) */
		ALLOW_IF(&r, read, FD_IS(d->kick_fd)); /* the doorbell */
		ALLOW_IF(&r, write, FD_IS(d->irq_fd)); /* the completion interrupt */
		ALLOW_IF(&r, pread64, FD_IS(d->fd));   /* the disk's own file */
		if (!d->geom.read_only)
			ALLOW_IF(&r, pwrite64, FD_IS(d->fd));
		ALLOW_IF(&r, fdatasync, FD_IS(d->fd));
		ALLOW(&r, exit); /* the end of the thread */
	}
	snprintf(role, sizeof(role), "disk %u device", d->index);
	snprintf(hook, sizeof(hook), "disk%u", d->index);
	return seccomp_rules_load(&r, role, hook, err, errlen);
}

static void *device_thread(void *p)
{
	struct blk_disk *d = p;
	struct blk *b = d->owner;
	unsigned i = d->index;
	struct pollfd fds[2] = {{.fd = d->kick_fd, .events = POLLIN},
				{.fd = b->stop_fd, .events = POLLIN}};
	bool broken = false;
	char name[16];

	snprintf(name, sizeof(name), "unikvm-disk%u", i); /* for ps and tests */
	pthread_setname_np(pthread_self(), name);
	d->confine_status =
	    confine_disk_thread(b->vm->seccomp, d, d->confine_err, sizeof(d->confine_err));
	sem_post(&b->confined);
	if (d->confine_status)
		return NULL;
	while (!atomic_load(&b->stopping)) {
		uint64_t v;
		COUNT(d->counts.calls);
		if (poll(fds, broken ? 1 : 2, -1) < 0 && errno != EINTR)
			break;
		if (!(fds[0].revents & POLLIN) || broken)
			continue;
		COUNT(d->counts.calls);
		if (read(d->kick_fd, &v, sizeof(v)) != sizeof(v))
			continue;
		COUNT(d->counts.doorbells);
		if (atomic_load(&d->ring_gpa) == 0) {
			char why[80];
			snprintf(why, sizeof(why), "doorbell rung before the ring was set up");
			corrupt(b, i, EXIT_BAD_HYPERCALL, why);
			broken = true;
		} else {
			pthread_mutex_lock(&d->serving);
			broken = atomic_load(&d->broken) || serve_until_idle(b, i) < 0;
			pthread_mutex_unlock(&d->serving);
		}
		if (broken) /* wait for the stop only */
			fds[0] = fds[1];
	}
	return NULL;
}

/* ---- wiring into KVM ---------------------------------------------------- */

static int wire_disk(struct blk *b, unsigned i, char *err, size_t errlen)
{
	struct blk_disk *d = &b->disk[i];
	int vm_fd = b->vm->fd;

	d->kick_fd = eventfd(0, EFD_CLOEXEC);
	d->irq_fd = eventfd(0, EFD_CLOEXEC);
	if (d->kick_fd < 0 || d->irq_fd < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "eventfd: %s", strerror(errno));
	struct kvm_ioeventfd io = {
	    .addr = UKVM_BLK_DOORBELL_BASE + i,
	    .len = 4,
	    .fd = d->kick_fd,
	    .flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	if (KVM_IOCTL(vm_fd, KVM_IOEVENTFD, &io, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	struct kvm_irqfd irq = {.fd = (uint32_t)d->irq_fd, .gsi = VM_GSI_BLK + i};
	if (KVM_IOCTL(vm_fd, KVM_IRQFD, &irq, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	return 0;
}

struct blk_counts blk_counts(const struct blk *b)
{
	struct blk_counts t = {0};
	for (unsigned i = 0; b && i < b->count; i++) {
		const struct blk_counts *c = &b->disk[i].counts;
		t.requests += __atomic_load_n(&c->requests, __ATOMIC_RELAXED);
		t.doorbells += __atomic_load_n(&c->doorbells, __ATOMIC_RELAXED);
		t.interrupts += __atomic_load_n(&c->interrupts, __ATOMIC_RELAXED);
		t.calls += __atomic_load_n(&c->calls, __ATOMIC_RELAXED);
		t.served += __atomic_load_n(&c->served, __ATOMIC_RELAXED);
	}
	return t;
}

int blk_start(struct blk *b, struct vm *vm, char *err, size_t errlen)
{
	static const struct kvm_cap caps[] = {
	    KVM_CAP(KVM_CAP_IOEVENTFD),
	    KVM_CAP(KVM_CAP_IRQFD),
	    KVM_CAP(KVM_CAP_IRQ_ROUTING),
	};
	sigset_t all, old;
	int r;

	b->vm = vm;
	vm->blk = b;
	b->stop_fd = -1;
	if (b->count == 0)
		return 0;
	if ((r = kvm_require(vm, caps, sizeof(caps) / sizeof(caps[0]), "--disk", err, errlen)))
		return r;
	if ((b->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "eventfd: %s", strerror(errno));
	for (unsigned i = 0; i < b->count; i++)
		if ((r = vm_add_msi_route(vm, VM_GSI_BLK + i, UKVM_BLK_VECTOR, err, errlen)) ||
		    (r = wire_disk(b, i, err, errlen)))
			return r;

	if (sem_init(&b->confined, 0, 0) < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "sem_init: %s", strerror(errno));
	b->confined_init = true;
	/* The threads inherit a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < b->count; i++) {
		b->disk[i].owner = b;
		b->disk[i].index = i;
		if ((r = pthread_create(&b->disk[i].thread, NULL, device_thread, &b->disk[i]))) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "pthread_create: %s",
					 strerror(r));
		}
		b->disk[i].thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* No guest code runs before every device thread is confined. */
	for (unsigned i = 0; i < b->count; i++)
		while (sem_wait(&b->confined) < 0 && errno == EINTR)
			;
	for (unsigned i = 0; i < b->count; i++)
		if (b->disk[i].confine_status)
			return ukvm_fail(err, errlen, b->disk[i].confine_status, "%s",
					 b->disk[i].confine_err);
	return 0;
}

void blk_stop(struct blk *b)
{
	uint64_t one = 1;

	atomic_store(&b->stopping, true);
	if (b->stop_fd >= 0 && write(b->stop_fd, &one, sizeof(one)) != sizeof(one))
		ukvm_perr("blk stop eventfd");
	for (unsigned i = 0; i < b->count; i++) {
		struct blk_disk *d = &b->disk[i];
		if (d->thread_started)
			pthread_join(d->thread, NULL);
		d->thread_started = false;
		FDS_CLOSE(&d->kick_fd, &d->irq_fd, &d->fd);
		if (d->serving_init)
			pthread_mutex_destroy(&d->serving);
		d->serving_init = false;
		free(d->path);
		d->path = NULL;
	}
	b->count = 0;
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	b->stop_fd = -1;
	if (b->confined_init)
		sem_destroy(&b->confined);
	b->confined_init = false;
}

void blk_watchdog(struct blk *b)
{
	for (unsigned i = 0; i < b->count; i++) {
		struct blk_disk *d = &b->disk[i];
		uint64_t gpa = atomic_load(&d->ring_gpa);
		if (!gpa || !d->thread_started)
			continue;
		struct ukvm_blk_ring *ring = gmem_at(&b->vm->mem, gpa, sizeof(*ring));
		if (__atomic_load_n(&ring->cpl_prod, __ATOMIC_ACQUIRE) !=
		    __atomic_load_n(&ring->cpl_cons, __ATOMIC_ACQUIRE))
			raise_irq(d);
	}
}

/* ---- hypercalls --------------------------------------------------------- */

void hc_blk_info(struct vm *vm, uint64_t gpa, struct ukvm_hc_blk_info *a)
{
	uint32_t disk = a->disk;
	unsigned count = vm->blk ? vm->blk->count : 0;
	*a = (struct ukvm_hc_blk_info){.disk = disk, .count = count, .ret = -ENODEV};
	if (disk < count) {
		const struct blk_geom *g = &vm->blk->disk[disk].geom;
		a->flags = g->read_only ? UKVM_BLK_F_READ_ONLY : 0;
		a->sector_size = g->sector_size;
		a->sectors = g->sectors;
		a->ret = 0;
	}
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

void hc_blk_setup(struct vm *vm, uint64_t gpa, struct ukvm_hc_blk_setup *a)
{
	uint32_t disk = a->disk;
	uint64_t ring = a->ring;
	if (!vm->blk || disk >= vm->blk->count) {
		a->ret = -ENODEV;
	} else if (atomic_load(&vm->blk->disk[disk].ring_gpa)) {
		a->ret = -EBUSY;
	} else if (ring % RING_ALIGN) {
		a->ret = -EINVAL;
	} else if (!hc_buf(vm, UKVM_HC_BLK_SETUP, "ring", ring, sizeof(struct ukvm_blk_ring))) {
		return;
	} else {
		atomic_store(&vm->blk->disk[disk].ring_gpa, ring);
		a->ret = 0;
	}
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

void hc_blk_serve(struct vm *vm, uint64_t gpa, struct ukvm_hc_blk_serve *a)
{
	uint32_t disk = a->disk;
	struct blk *b = vm->blk;
	struct blk_disk *d = b && disk < b->count ? &b->disk[disk] : NULL;

	*a = (struct ukvm_hc_blk_serve){.disk = disk, .ret = -ENODEV};
	if (d && atomic_load(&d->ring_gpa) && !atomic_load(&d->broken)) {
		a->ret = -EBUSY;
		if (pthread_mutex_trylock(&d->serving) == 0) {
			int r = serve_ring(b, disk);
			pthread_mutex_unlock(&d->serving);
			if (r < 0) { /* corrupt(): reported; the VM ends now */
				vm_stop(vm, atomic_load(&vm->thread_fault));
				return;
			}
			COUNT(d->counts.served);
			a->ret = 0;
		}
	}
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

/* ---- the device --------------------------------------------------------- */

static int blk_setup(struct vm *vm, const struct run_options *o, char *err, size_t errlen)
{
	int r;

	if (o->ndisks == 0)
		return 0;
	/* Disks are opened here, not by the option parser, which `pack` also
	 * runs: a bundle opens the host's files when it runs. */
	if (!(vm->blk = calloc(1, sizeof(*vm->blk))))
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
	vm->blk->stop_fd = -1;
	for (int i = 0; i < o->ndisks; i++)
		if ((r = blk_add(vm->blk, o->disks[i], err, errlen)))
			return r;
	return 0;
}

static int blk_device_start(struct vm *vm, char *err, size_t errlen)
{
	return vm->blk ? blk_start(vm->blk, vm, err, errlen) : 0;
}

static void blk_device_tick(struct vm *vm)
{
	if (vm->blk)
		blk_watchdog(vm->blk);
}

static void blk_device_stop(struct vm *vm)
{
	if (!vm->blk)
		return;
	blk_stop(vm->blk);
	free(vm->blk);
	vm->blk = NULL;
}

/* An exit on a doorbell: a served one (a 32-bit OUT) never exits, KVM's
 * ioeventfd takes it. */
static void blk_port_exit(struct vm *vm, const struct kvm_run *run)
{
	uint16_t port = run->io.port;
	unsigned disk = port - UKVM_BLK_DOORBELL_BASE;

	if (vm->blk && disk < vm->blk->count)
		guest_error(vm, EXIT_BAD_HYPERCALL,
			    "%s of %u bytes on the doorbell of disk %u "
			    "(port 0x%x): a doorbell is one 32-bit OUT",
			    run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read", run->io.size,
			    disk, port);
	else
		guest_error(vm, EXIT_BAD_HYPERCALL,
			    "doorbell of disk %u (port 0x%x), which does "
			    "not exist",
			    disk, port);
}

/* The vCPU thread: the watchdog re-raises a disk's lost interrupt
 * (blk_watchdog); blk_serve serves a ring as the device thread does, on
 * the disk's own file; after the run, blk_stop wakes the device threads. */
static void blk_seccomp_vcpu(const struct vm *vm, struct seccomp_rules *r)
{
	if (!vm->blk)
		return;
	for (unsigned i = 0; i < vm->blk->count; i++) {
		const struct blk_disk *d = &vm->blk->disk[i];
		ALLOW_IF(r, write, FD_IS(d->irq_fd));
		ALLOW_IF(r, pread64, FD_IS(d->fd));
		if (!d->geom.read_only)
			ALLOW_IF(r, pwrite64, FD_IS(d->fd));
		ALLOW_IF(r, fdatasync, FD_IS(d->fd));
	}
	if (vm->blk->stop_fd >= 0)
		ALLOW_IF(r, write, FD_IS(vm->blk->stop_fd));
}

static const struct hc_row hypercalls[] = {HC_ROW(blk_info), HC_ROW(blk_setup), HC_ROW(blk_serve)};

const struct device blk_device = {
    .name = "block",
    .usage = "      --disk PATH[,ro]  attach a disk (repeatable, up to 8: disk 0, 1, ... in\n"
	     "                        order): a regular file or a block device, opened\n"
	     "                        read-write, or read-only with ,ro (,rw: the default).\n"
	     "                        Sectors of 512 bytes (a block device's own size); a\n"
	     "                        trailing partial sector is not used. See docs/block.md\n",
    DEVICE_HYPERCALLS(hypercalls),
    .port_base = UKVM_BLK_DOORBELL_BASE,
    .nports = UKVM_BLK_MAX,
    .port_exit = blk_port_exit,
    .setup = blk_setup,
    .start = blk_device_start,
    .tick = blk_device_tick,
    .stop = blk_device_stop,
    .seccomp_vcpu = blk_seccomp_vcpu,
};
