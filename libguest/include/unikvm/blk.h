/*
 * unikvm block device: the guest's API (docs/block.md).
 *
 * Disks are the VMM's --disk options, numbered from 0. The first call that
 * names a disk sets up its request ring. Every call returns a status:
 *   0                 done
 *   BLK_E_RANGE ...   the device refused the request (> 0, UKVM_BLK_S_*;
 *                     the disk is unchanged)
 *   -ENODEV, -EAGAIN  the driver refused it (< 0, -errno)
 * blk_strstatus() names any of them.
 *
 * Synchronous calls wait for their own request; asynchronous ones keep up
 * to BLK_QUEUE_MAX requests per disk in flight. Waiting sleeps in `hlt`
 * until the device's interrupt: no spinning, no VM exit. Both kinds can be
 * mixed on one disk. Buffers are any guest memory; lengths are multiples
 * of the sector size, at most UKVM_BLK_MAX_XFER.
 */
#ifndef UNIKVM_BLK_H
#define UNIKVM_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

#define BLK_QUEUE_MAX UKVM_BLK_RING_SIZE

#define BLK_OP_READ UKVM_BLK_OP_READ
#define BLK_OP_WRITE UKVM_BLK_OP_WRITE
#define BLK_OP_FLUSH UKVM_BLK_OP_FLUSH

#define BLK_E_RANGE UKVM_BLK_S_RANGE
#define BLK_E_BADLEN UKVM_BLK_S_BADLEN
#define BLK_E_READ_ONLY UKVM_BLK_S_READ_ONLY
#define BLK_E_BADOP UKVM_BLK_S_BADOP
#define BLK_E_IO UKVM_BLK_S_IOERR

struct blk_info {
	uint64_t sectors;     /* capacity */
	uint32_t sector_size; /* bytes */
	int read_only;
};

/* Number of disks attached. */
unsigned blk_count(void);
/* Geometry of disk: 0 or -ENODEV. */
int blk_info(unsigned disk, struct blk_info *info);

/* Synchronous: len bytes from/to sector; flush makes every write that
 * completed before it durable on the host (fdatasync). */
int blk_read(unsigned disk, uint64_t sector, void *buf, size_t len);
int blk_write(unsigned disk, uint64_t sector, const void *buf, size_t len);
int blk_flush(unsigned disk);

/* Asynchronous. blk_submit queues a request (op BLK_OP_*) tagged with
 * cookie and returns 0, or -EAGAIN when BLK_QUEUE_MAX requests of this
 * disk are in flight or completed but not yet collected. The device hears
 * of queued requests at the next blk_poll, blk_wait or blk_sleep (or any
 * synchronous call): a batch of submits costs one doorbell. */
struct blk_completion {
	uint64_t cookie;
	int status;
};
int blk_submit(unsigned disk, unsigned op, uint64_t sector, void *buf, size_t len, uint64_t cookie);
/* Collects up to n completions of disk's asynchronous requests, oldest
 * first, without waiting: the number collected, or -ENODEV. */
int blk_poll(unsigned disk, struct blk_completion *out, int n);
/* As blk_poll, but sleeps until at least one completes; 0 only if none is
 * in flight. */
int blk_wait(unsigned disk, struct blk_completion *out, int n);
/* Asynchronous requests of disk submitted and not yet collected. */
unsigned blk_pending(unsigned disk);
/* Sleeps until the next interrupt of any device. Race-free after an empty
 * blk_poll (programs run with interrupts off, so a completion that comes
 * in between wakes it at once): for waiting on several disks. */
void blk_sleep(void);

const char *blk_strstatus(int status);

#endif
