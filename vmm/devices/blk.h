/*
 * The block device (docs/block.md): disks from --disk, one request ring per
 * disk in guest memory, an ioeventfd doorbell, one device thread per disk
 * and an irqfd interrupt.
 *
 * The device (blk_device, core/device.h): its setup calls blk_add for each
 * --disk before /dev/kvm is opened, its start blk_start after vm_create,
 * its stop blk_stop before vm_destroy. The guest queries and registers
 * rings through UKVM_HC_BLK_INFO and UKVM_HC_BLK_SETUP.
 */
#ifndef UKVM_BLK_H
#define UKVM_BLK_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unikvm/abi.h>

#include "core/gmem.h"

struct vm;

/* What a request is checked against. */
struct blk_geom {
	uint64_t sectors;     /* addressable sectors (a trailing partial one is not) */
	uint32_t sector_size; /* power of two >= 512 */
	bool read_only;
};

struct blk_disk {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	struct blk_geom geom;
	int kick_fd, irq_fd; /* the doorbell's ioeventfd, the irqfd */
	pthread_t thread;
	bool thread_started;
	struct blk *owner; /* for the device thread */
	unsigned index;
	int confine_status;	   /* the device thread's seccomp_confine_disk() */
	char confine_err[256];	   /* its reason if not 0 */
	_Atomic uint64_t ring_gpa; /* 0 until the guest sets the ring up */
	atomic_bool broken;	   /* a corrupt ring was found: served no more */
	/* Held by whoever serves the ring: the device thread, or the vCPU
	 * thread in blk_serve (which only tries it); it guards these two. */
	pthread_mutex_t serving;
	bool serving_init;
	uint32_t req_cons, cpl_prod;
	struct blk_counts {	     /* --stats (written by the device thread) */
		uint64_t requests;   /* requests served */
		uint64_t doorbells;  /* wake-ups by the doorbell (ioeventfd reads) */
		uint64_t interrupts; /* completion interrupts raised (irqfd writes) */
		uint64_t calls;	     /* host system calls made to serve the disk */
		uint64_t served;     /* blk_serve hypercalls that served the ring */
	} counts;
};

struct blk {
	unsigned count;
	struct blk_disk disk[UKVM_BLK_MAX];
	struct vm *vm;
	int stop_fd;	/* eventfd: wakes every device thread to stop */
	sem_t confined; /* posted by each device thread once it is confined (or failed) */
	bool confined_init;
	atomic_bool stopping;
};

/* The counts of every disk, summed (read after the run). */
struct blk_counts blk_counts(const struct blk *b);
/* Opens the disk named by an --disk argument, "PATH[,ro|,rw]". 0, or
 * EXIT_HOST_ERROR with a one-line reason in err (nothing opened). */
int blk_add(struct blk *b, const char *arg, char *err, size_t errlen);
/* Wires every disk into the VM (doorbells, MSI routes, irqfds) and starts
 * the device threads. 0, or EXIT_HOST_ERROR with a reason in err. */
int blk_start(struct blk *b, struct vm *vm, char *err, size_t errlen);
/* Stops the device threads (each finishes the request it is serving) and
 * closes the disks. Safe to call more than once, and after a failed start. */
void blk_stop(struct blk *b);
/* Called on every watchdog tick by the vCPU thread: raises the interrupt
 * again for a disk whose completions the guest has not consumed, in case
 * the one that announced them was lost (docs/block.md). */
void blk_watchdog(struct blk *b);

/* ---- request checks (pure: unit tested on fake guest memory) ----------- */

/* Checks a request copied out of the ring. Returns its UKVM_BLK_S_* status
 * (UKVM_BLK_S_OK: *buf is the host address of its buffer, NULL for a
 * flush), or -1 if its buffer is not in guest RAM (a corrupt ring), with
 * the reason in err. Checked in this order: op, length, range, read-only,
 * buffer. */
int blk_req_check(const struct gmem *m, const struct blk_geom *g, const struct ukvm_blk_req *r,
		  void **buf, char *err, size_t errlen);

/* Checks the indices of a ring: req_prod and cpl_cons as the guest wrote
 * them, req_cons and cpl_prod as the device keeps them. 0, or -1 with the
 * reason in err. */
int blk_ring_check(uint32_t req_prod, uint32_t cpl_cons, uint32_t req_cons, uint32_t cpl_prod,
		   char *err, size_t errlen);

#endif
