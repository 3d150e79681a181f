/*
 * unikvm guest/host ABI: the one contract between libguest and the VMM.
 *
 * Included by both sides (C99, no host or guest headers beyond <stdint.h>)
 * and by the linker script through the C preprocessor (UKVM_ABI_LDS defined:
 * constants only). Every address in here is a guest-physical address
 * (ukvm_gpa_t); guest RAM is identity mapped, so on the guest side it is
 * also the virtual address. The host never dereferences one directly: it
 * goes through the VMM's checked translator (vmm/core/gmem.h).
 *
 * Change anything below and bump UKVM_ABI_VERSION: the VMM refuses an image
 * whose note carries another version.
 */
#ifndef UNIKVM_ABI_H
#define UNIKVM_ABI_H

/* 4: 16384 sockets (the event page), the block ring's idle_seq and no_irq */
#define UKVM_ABI_VERSION 5

/* ---- Memory map (see docs/memory-map.md) -------------------------------- */

/* Lowest address an image segment may occupy. [0, UKVM_IMAGE_BASE) belongs
 * to the VMM (page 0 unmapped, page tables, GDT, boot info). */
#define UKVM_IMAGE_BASE 0x100000
#define UKVM_PAGE_SIZE 4096
/* Guest RAM is one range [0, mem) below the 32-bit MMIO hole. */
#define UKVM_MEM_MIN (32 << 20)
#define UKVM_MEM_MAX (3072ULL << 20)
#define UKVM_MEM_ALIGN (2 << 20)

/* ---- ELF note: what the image is and needs ------------------------------ */

#define UKVM_NOTE_NAME "unikvm" /* namesz 7, including the NUL */
#define UKVM_NOTE_TYPE_IMAGE 0x554b0001

/* ---- Hypercalls --------------------------------------------------------- */

/* A hypercall is a 32-bit OUT to port UKVM_HC_PORT_BASE + nr; the value is
 * the guest-physical address of the argument struct of that hypercall. */
#define UKVM_HC_PORT_BASE 0x500
#define UKVM_HC_PORT_COUNT 0x80

/* Every hypercall, once: X(number, NAME, name, argument struct). This list
 * is the source of the UKVM_HC_* numbers and UKVM_HC_COUNT below, the VMM's
 * dispatch table and the names in its messages (vmm/core/hypercall.c), the
 * guest's typed callers (libguest/kernel/hypercall.h), the fuzzers' tables
 * and seeds (tests/fuzz/) and the table in docs/abi.md (repo.hypercall-table
 * checks it). The number must stay below UKVM_HC_PORT_COUNT. Adding one:
 * docs/architecture.md, "How to add a hypercall". */
/* clang-format off */
#define UKVM_HYPERCALLS(X)                                                  \
	X(0,  EXIT,        exit,        ukvm_hc_exit)        /* end the VM */ \
	X(1,  WRITEV,      writev,      ukvm_hc_writev)      /* console output */ \
	X(2,  READ,        read,        ukvm_hc_read)        /* console input */ \
	X(3,  CRASH,       crash,       ukvm_hc_crash)       /* fatal error report */ \
	X(4,  NOSYS,       nosys,       ukvm_hc_nosys)       /* unimplemented syscall */ \
	X(5,  CLOCK,       clock,       ukvm_hc_clock)       /* the host's clocks now */ \
	X(6,  DEADLOCK,    deadlock,    ukvm_hc_deadlock)    /* every thread blocked for ever */ \
	X(7,  HALTS,       halts,       ukvm_hc_halts)       /* times the vCPU ran hlt */ \
	/* 8..15: block device (section below) */ \
	X(8,  BLK_INFO,    blk_info,    ukvm_hc_blk_info)    /* a disk's geometry */ \
	X(9,  BLK_SETUP,   blk_setup,   ukvm_hc_blk_setup)   /* register a ring */ \
	X(10, BLK_SERVE,   blk_serve,   ukvm_hc_blk_serve)   /* serve the ring now */ \
	/* 16..47: files (--dir) and system services (section below) */ \
	X(16, FS_MOUNT,    fs_mount,    ukvm_hc_fs_mount)    /* the i-th --dir mapping */ \
	X(17, FS_OPEN,     fs_open,     ukvm_hc_fs_path)     /* open, ret = handle */ \
	X(18, FS_CLOSE,    fs_close,    ukvm_hc_fs_handle)   /* close a handle */ \
	X(19, FS_PREADV,   fs_preadv,   ukvm_hc_fs_io)       /* read into iovecs */ \
	X(20, FS_PWRITEV,  fs_pwritev,  ukvm_hc_fs_io)       /* write from iovecs */ \
	X(21, FS_SEEK,     fs_seek,     ukvm_hc_fs_handle)   /* arg offset, op whence */ \
	X(22, FS_STAT,     fs_stat,     ukvm_hc_fs_stat)     /* by handle or path */ \
	X(23, FS_GETDENTS, fs_getdents, ukvm_hc_fs_buf)      /* linux_dirent64 records */ \
	X(24, FS_MKDIR,    fs_mkdir,    ukvm_hc_fs_path)     /* mode */ \
	X(25, FS_UNLINK,   fs_unlink,   ukvm_hc_fs_path)     /* flags 0 or AT_REMOVEDIR */ \
	X(26, FS_RENAME,   fs_rename,   ukvm_hc_fs_rename)   /* RENAME_* flags */ \
	X(27, FS_TRUNCATE, fs_truncate, ukvm_hc_fs_handle)   /* arg length */ \
	X(28, FS_FSYNC,    fs_fsync,    ukvm_hc_fs_handle)   /* op 1 = data only */ \
	X(29, FS_ACCESS,   fs_access,   ukvm_hc_fs_path)     /* mode R_OK|W_OK|X_OK */ \
	X(30, FS_READLINK, fs_readlink, ukvm_hc_fs_readlink) /* a symlink's contents */ \
	X(31, RANDOM,      random,      ukvm_hc_fs_buf)      /* random bytes */ \
	X(32, POLL_STDIN,  poll_stdin,  ukvm_hc_poll_stdin)  /* wait for stdin */ \
	X(33, FS_CHMOD,    fs_chmod,    ukvm_hc_fs_attr)     /* mode */ \
	X(34, FS_UTIMENS,  fs_utimens,  ukvm_hc_fs_attr)     /* times */ \
	X(35, FS_SYMLINK,  fs_symlink,  ukvm_hc_fs_symlink)  /* a new symlink */ \
	X(36, FS_LINK,     fs_link,     ukvm_hc_fs_rename)   /* a hard link (flags 0) */ \
	X(37, FS_STATFS,   fs_statfs,   ukvm_hc_fs_statfs)   /* by handle or path */ \
	/* 48..79: network (section below) */ \
	X(48, NET_SOCKET,      net_socket,      ukvm_hc_net_socket)   /* ret = handle */ \
	X(49, NET_BIND,        net_bind,        ukvm_hc_net_addr)     /* addr IN */ \
	X(50, NET_LISTEN,      net_listen,      ukvm_hc_net_handle)   /* arg backlog */ \
	X(51, NET_ACCEPT,      net_accept,      ukvm_hc_net_accept)   /* ret = new handle */ \
	X(52, NET_CONNECT,     net_connect,     ukvm_hc_net_addr)     /* addr IN */ \
	X(53, NET_SENDMSG,     net_sendmsg,     ukvm_hc_net_msg)      /* send, sendto, write */ \
	X(54, NET_RECVMSG,     net_recvmsg,     ukvm_hc_net_msg)      /* recv, recvfrom, read */ \
	X(55, NET_SHUTDOWN,    net_shutdown,    ukvm_hc_net_handle)   /* arg SHUT_* */ \
	X(56, NET_GETSOCKOPT,  net_getsockopt,  ukvm_hc_net_sockopt)  /* whitelisted options */ \
	X(57, NET_SETSOCKOPT,  net_setsockopt,  ukvm_hc_net_sockopt)  /* whitelisted options */ \
	X(58, NET_GETSOCKNAME, net_getsockname, ukvm_hc_net_addr)     /* addr OUT */ \
	X(59, NET_GETPEERNAME, net_getpeername, ukvm_hc_net_addr)     /* addr OUT */ \
	X(60, NET_CLOSE,       net_close,       ukvm_hc_net_handle)   /* frees the handle */ \
	X(61, NET_FIONREAD,    net_fionread,    ukvm_hc_net_handle)   /* ret = bytes queued */ \
	X(62, NET_SENDFILE,    net_sendfile,    ukvm_hc_net_sendfile) /* --dir handle -> socket */ \
	X(63, NET_EV_SETUP,    net_ev_setup,    ukvm_hc_net_ev_setup) /* register the event page */ \
	X(64, NET_ETC,         net_etc,         ukvm_hc_net_etc)      /* /etc/resolv.conf, hosts, services */
/* clang-format on */

#ifndef UKVM_ABI_LDS
#include <stdint.h>

/* UKVM_HC_EXIT, UKVM_HC_WRITEV, ...: the numbers of the list above. */
#define UKVM_HC_ENUM(nr, NAME, name, type) UKVM_HC_##NAME = nr,
enum ukvm_hc_nr { UKVM_HYPERCALLS(UKVM_HC_ENUM) };
#undef UKVM_HC_ENUM

/* The highest number + 1: the size of a union of one char[nr + 1] per
 * hypercall. */
#define UKVM_HC_SLOT(nr, NAME, name, type) char NAME[(nr) + 1];
union ukvm_hc_slots {
	UKVM_HYPERCALLS(UKVM_HC_SLOT)
};
#undef UKVM_HC_SLOT
#define UKVM_HC_COUNT ((unsigned)sizeof(union ukvm_hc_slots))
_Static_assert(UKVM_HC_COUNT <= UKVM_HC_PORT_COUNT, "hypercall numbers fit the port range");

typedef uint64_t ukvm_gpa_t;

/* The descriptor of the UKVM_NOTE_TYPE_IMAGE note. */
struct ukvm_note_image {
	uint32_t abi_version; /* UKVM_ABI_VERSION the image was built for */
	uint32_t flags;	      /* none defined yet: must be 0 */
	uint64_t min_mem;     /* bytes of guest RAM the image needs; 0: default */
};
_Static_assert(sizeof(struct ukvm_note_image) == 16, "note size");

/* Boot info: RDI points at it when the vCPU starts at the ELF entry. It is
 * in the VMM's low area, mapped read-only. */
#define UKVM_BOOT_TRACE_NOSYS (1u << 0) /* report ENOSYS syscalls to VMM */

struct ukvm_winsize {
	uint16_t rows, cols, xpixel, ypixel;
};
_Static_assert(sizeof(struct ukvm_winsize) == 8, "winsize size");

struct ukvm_boot_info {
	uint32_t abi_version;
	uint32_t flags;	     /* UKVM_BOOT_* */
	uint64_t mem_size;   /* guest RAM is [0, mem_size) */
	uint64_t heap_start; /* [heap_start, heap_end): free RAM, RW, NX */
	uint64_t heap_end;
	uint64_t stack_top;  /* main stack: [stack_top - stack_size, stack_top) */
	uint64_t stack_size; /* with an unmapped guard below it */
	uint64_t argc;	     /* argv: argc+1 addresses, the last 0 */
	ukvm_gpa_t argv;
	uint64_t envc; /* envp: envc+1 addresses, the last 0 */
	ukvm_gpa_t envp;
	uint8_t seed[32];   /* random bytes from the host (AT_RANDOM, ...) */
	uint32_t stdio_tty; /* bit n: host fd n (0..2) is a terminal */
	uint32_t reserved;
	struct ukvm_winsize winsize[3]; /* for the terminals among fd 0..2 */
};
_Static_assert(sizeof(struct ukvm_boot_info) == 144, "boot info size");

struct ukvm_hc_exit {
	uint32_t status; /* IN: 0..255 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct ukvm_hc_exit) == 8, "exit size");

struct ukvm_iovec {
	ukvm_gpa_t base;
	uint64_t len;
};
_Static_assert(sizeof(struct ukvm_iovec) == 16, "iovec size");

#define UKVM_IOV_MAX 1024
struct ukvm_hc_writev {
	uint32_t fd;	 /* IN: 1 or 2 */
	uint32_t iovcnt; /* IN: 0..UKVM_IOV_MAX */
	ukvm_gpa_t iov;	 /* IN: iovcnt struct ukvm_iovec */
	int64_t ret;	 /* OUT: bytes written, or -errno (Linux values) */
};
_Static_assert(sizeof(struct ukvm_hc_writev) == 24, "writev size");

#define UKVM_READ_F_NONBLOCK (1u << 0) /* ukvm_hc_read.flags: -EAGAIN instead of waiting */
struct ukvm_hc_read {
	uint32_t fd;	/* IN: 0 */
	uint32_t flags; /* IN: UKVM_READ_F_* */
	ukvm_gpa_t buf; /* IN */
	uint64_t len;	/* IN */
	int64_t ret;	/* OUT: bytes read (0 at EOF), or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_read) == 32, "read size");

/* CPU state at a crash, in the guest's own words. */
struct ukvm_cpu_state {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, cr2, error_code, fs_base;
};
_Static_assert(sizeof(struct ukvm_cpu_state) == 21 * 8, "cpu state size");

#define UKVM_CRASH_EXCEPTION 1 /* info: the vector; state: at the fault */
#define UKVM_CRASH_SIGNAL 2    /* info: the signal the guest raised on itself */
#define UKVM_CRASH_INTERRUPT 3 /* info: an interrupt vector nobody expected */
#define UKVM_CRASH_HALT 4      /* info 0; state: at a hlt of program code (a_crash) */

struct ukvm_hc_crash {
	uint32_t kind;		     /* IN: UKVM_CRASH_* */
	uint32_t info;		     /* IN: vector or signal number */
	struct ukvm_cpu_state state; /* IN */
};
_Static_assert(sizeof(struct ukvm_hc_crash) == 8 + 21 * 8, "crash size");

/* One blocked thread of a deadlock report. */
#define UKVM_WAIT_OTHER 0  /* not in a wait (a report should never list one) */
#define UKVM_WAIT_FUTEX 1  /* addr: the futex word */
#define UKVM_WAIT_SIGNAL 2 /* sigsuspend, sigtimedwait, pause */
#define UKVM_WAIT_SLEEP 3  /* nanosleep, clock_nanosleep */
#define UKVM_WAIT_IO 4	   /* addr: the file's wait queue (pipe, eventfd, timerfd, socket) */
#define UKVM_WAIT_POLL 5   /* poll, select, epoll_wait; addr: the epoll, or 0 */
#define UKVM_WAIT_COUNT 6  /* one more than the last: every value below has a name */
struct ukvm_thread_wait {
	uint32_t tid;		/* IN */
	uint32_t what;		/* IN: UKVM_WAIT_* */
	uint64_t addr;		/* IN */
	uint64_t rip, rsp, rbp; /* IN: the program at its blocking syscall */
};
_Static_assert(sizeof(struct ukvm_thread_wait) == 40, "thread wait size");

#define UKVM_DEADLOCK_MAX 64 /* entries a report may list */
struct ukvm_hc_deadlock {
	uint32_t count;	    /* IN: entries in threads, at most UKVM_DEADLOCK_MAX */
	uint32_t total;	    /* IN: threads in the guest (count may be fewer) */
	ukvm_gpa_t threads; /* IN: struct ukvm_thread_wait[count] */
};
_Static_assert(sizeof(struct ukvm_hc_deadlock) == 16, "deadlock size");

/* How many times the vCPU has executed hlt since it was created. */
struct ukvm_hc_halts {
	uint64_t count; /* OUT */
	int64_t ret;	/* OUT: 0, or -ENOSYS where KVM cannot tell */
};
_Static_assert(sizeof(struct ukvm_hc_halts) == 16, "halts size");

struct ukvm_hc_nosys {
	uint64_t nr;  /* IN: the Linux x86-64 syscall number */
	uint64_t rip; /* IN: where the syscall instruction returns to */
};
_Static_assert(sizeof(struct ukvm_hc_nosys) == 16, "nosys size");

/* The guest reads its TSC before and after this hypercall and pairs the
 * host's clocks with the midpoint (error: at most half the round trip). */
struct ukvm_hc_clock {
	uint64_t tsc_khz;      /* OUT: TSC ticks per millisecond */
	uint64_t realtime_ns;  /* OUT: host CLOCK_REALTIME */
	uint64_t monotonic_ns; /* OUT: host CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct ukvm_hc_clock) == 24, "clock size");

/* The interrupt of every device, and the VMM's wake-up backstop: while the
 * vCPU stays halted with interrupts on, the VMM sends it every 500 ms. The
 * guest EOIs it and looks again at what it waits for (the time, its
 * completion rings), so a lost interrupt costs at most that long. */
#define UKVM_WAKE_VECTOR 0x50

/* ---- Signals from outside (docs/exit-codes.md) ----------------------------
 *
 * One page of guest RAM at UKVM_SIGNALS_GPA, in the VMM's low area but
 * writable by the guest, holds struct ukvm_signals. The guest keeps in
 * `caught` the outside signals it has a handler for or ignores (bit n:
 * signal n, only bits of UKVM_OUTSIDE_SIGNALS count). When unikvm gets one
 * of those, the VMM ORs its bit into `pending` (atomically) and raises
 * UKVM_SIGNAL_VECTOR; the guest takes `pending` with an atomic exchange
 * and sends each signal to itself (si_code SI_USER). An outside signal the
 * guest does not catch ends the run as before (status 128 + n). */
#define UKVM_SIGNALS_GPA 0x8000
#define UKVM_SIGNAL_VECTOR 0x52
#define UKVM_OUTSIDE_SIGNALS                                                                       \
	((1u << 1) | (1u << 2) | (1u << 3) | (1u << 10) | (1u << 12) | (1u << 15) | (1u << 28))
/* SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH */

struct ukvm_signals {
	uint32_t caught;  /* guest writes: bit n, signal n has a handler or SIG_IGN */
	uint32_t pending; /* VMM ORs bits in, guest exchanges it with 0 */
};
_Static_assert(sizeof(struct ukvm_signals) == 8, "signals size");

/* ---- Block device (docs/block.md) --------------------------------------- */

/* Disks are numbered 0..count-1 in the order of --disk options. Each has one
 * ring in guest memory that the guest registers with UKVM_HC_BLK_SETUP. The
 * guest publishes requests by advancing req_prod, then (after a full
 * barrier) reads no_kick and idle_seq and, unless no_kick is 1 or it rang
 * already at this idle_seq (the device has not gone idle since), writes any
 * 32-bit value to the disk's doorbell port (a KVM ioeventfd: no exit to the
 * VMM thread). A device thread serves the requests in order, writes one
 * completion per request, advances cpl_prod and, unless no_irq is 1,
 * raises UKVM_BLK_VECTOR (an MSI through a KVM irqfd) after each batch.
 *
 * Indices are free-running uint32 counters; slot = index % UKVM_BLK_RING_SIZE.
 * The guest may have at most UKVM_BLK_RING_SIZE requests that are submitted
 * and whose completion it has not consumed: req_prod - cpl_cons <= RING_SIZE.
 * Breaking that, or a buffer outside guest RAM, is a corrupt ring: the VMM
 * reports it and stops the VM (requests completed before stay done). */
#define UKVM_BLK_MAX 8			 /* disks */
#define UKVM_BLK_DOORBELL_BASE 0x600	 /* disk n: port 0x600 + n, 32-bit OUT */
#define UKVM_BLK_VECTOR UKVM_WAKE_VECTOR /* interrupt vector of every disk */
#define UKVM_BLK_RING_SIZE 128		 /* slots; a power of two */
#define UKVM_BLK_MAX_XFER (4u << 20)	 /* bytes per request */

#define UKVM_BLK_F_READ_ONLY (1u << 0) /* ukvm_hc_blk_info.flags */

/* ukvm_blk_req.op */
#define UKVM_BLK_OP_READ 0  /* disk -> buf */
#define UKVM_BLK_OP_WRITE 1 /* buf -> disk */
#define UKVM_BLK_OP_FLUSH 2 /* earlier writes durable (fdatasync); sector, len, buf ignored */

/* ukvm_blk_cpl.status: each failure changes nothing on the disk. */
#define UKVM_BLK_S_OK 0
#define UKVM_BLK_S_RANGE 1     /* [sector, sector + len) goes past the end */
#define UKVM_BLK_S_BADLEN 2    /* len 0, not a multiple of the sector size, or > MAX_XFER */
#define UKVM_BLK_S_READ_ONLY 3 /* write to a read-only disk */
#define UKVM_BLK_S_BADOP 4     /* unknown op */
#define UKVM_BLK_S_IOERR 5     /* the host's read, write or fdatasync failed */

struct ukvm_hc_blk_info {
	uint32_t disk;	      /* IN */
	uint32_t count;	      /* OUT: number of disks (always set) */
	uint32_t flags;	      /* OUT: UKVM_BLK_F_* */
	uint32_t sector_size; /* OUT: bytes, a power of two >= 512 */
	uint64_t sectors;     /* OUT: capacity; a trailing partial sector is left out */
	int64_t ret;	      /* OUT: 0, or -ENODEV if disk >= count */
};
_Static_assert(sizeof(struct ukvm_hc_blk_info) == 32, "blk info size");

struct ukvm_hc_blk_setup {
	uint32_t disk; /* IN */
	uint32_t reserved;
	ukvm_gpa_t ring; /* IN: struct ukvm_blk_ring, 64-byte aligned, zeroed */
	int64_t ret;	 /* OUT: 0, -ENODEV (no such disk), -EBUSY (set up
			  * before), -EINVAL (misaligned) */
};
_Static_assert(sizeof(struct ukvm_hc_blk_setup) == 24, "blk setup size");

/* The synchronous path for a lone request (docs/block.md): the VMM serves
 * what the ring of disk `disk` holds on the vCPU thread, before the
 * hypercall returns, and raises no interrupt for it. For a guest that
 * waits anyway, on an idle device: it replaces the doorbell, the device
 * thread's wake-up and the completion interrupt with this one exit. */
struct ukvm_hc_blk_serve {
	uint32_t disk; /* IN */
	uint32_t reserved;
	int64_t ret; /* OUT: 0 (served: the completions are in the ring),
		      * -ENODEV (no such disk, or its ring is not set up),
		      * -EBUSY (the device thread is serving: ring the
		      * doorbell as usual); a corrupt ring stops the VM */
};
_Static_assert(sizeof(struct ukvm_hc_blk_serve) == 16, "blk serve size");

struct ukvm_blk_req {
	uint64_t id;	 /* the guest's tag, copied into the completion */
	uint32_t op;	 /* UKVM_BLK_OP_* */
	uint32_t len;	 /* bytes: a multiple of the sector size */
	uint64_t sector; /* first sector */
	ukvm_gpa_t buf;	 /* len bytes of guest RAM */
};
_Static_assert(sizeof(struct ukvm_blk_req) == 32, "blk req size");

struct ukvm_blk_cpl {
	uint64_t id;	 /* of the request */
	uint32_t status; /* UKVM_BLK_S_* */
	uint32_t reserved;
};
_Static_assert(sizeof(struct ukvm_blk_cpl) == 16, "blk cpl size");

struct ukvm_blk_ring {
	uint32_t req_prod; /* written by the guest: requests [.., req_prod) are ready */
	uint32_t no_kick;  /* written by the VMM: 1 while its device thread is
			    * serving and will see new requests without a kick */
	uint32_t idle_seq; /* written by the VMM: +1 each time its device thread
			    * stops serving (before its last look at req_prod) */
	uint32_t pad0[13];
	uint32_t cpl_prod; /* written by the VMM: completions [.., cpl_prod) are ready */
	uint32_t cpl_cons; /* written by the guest: completions it has consumed */
	uint32_t no_irq;   /* written by the guest: 1 while it is not sleeping and
			    * will look at cpl_prod without a completion interrupt;
			    * 0 (the default) asks for one after each batch */
	uint32_t pad1[13];
	struct ukvm_blk_req req[UKVM_BLK_RING_SIZE];
	struct ukvm_blk_cpl cpl[UKVM_BLK_RING_SIZE];
};
_Static_assert(sizeof(struct ukvm_blk_ring) == 128 + 48 * UKVM_BLK_RING_SIZE, "blk ring size");
_Static_assert((UKVM_BLK_RING_SIZE & (UKVM_BLK_RING_SIZE - 1)) == 0, "ring size power of two");

/* ---- Files (--dir) and system services (hypercalls 16..47) --------------
 *
 * Each `--dir` is a mapping: a host directory, the guest path it appears
 * at, and whether it is read-only. The guest resolves its own paths (cwd,
 * "..", the mount table) and names a file by (mapping index, path relative
 * to the mapping's root); the VMM resolves that path beneath the mapping's
 * root on the host and never outside it. Open files are handles: indexes
 * into the VMM's fixed table of host fds; handles 0..2 name the VMM's own
 * standard streams (UKVM_HC_FS_STAT and UKVM_HC_FS_STATFS only). Results
 * are -errno (Linux). */
#define UKVM_FS_PATH_MAX 4096	   /* bytes, with the NUL the guest does not send */
#define UKVM_FS_HANDLES_MAX 256	   /* open handles per guest: EMFILE beyond */
#define UKVM_FS_MOUNTS_MAX 32	   /* --dir options */
#define UKVM_FS_MOUNT_RO (1u << 0) /* ukvm_hc_fs_mount.flags */
#define UKVM_FS_STDIO_HANDLES 3	   /* handles 0..2: the host's fd 0..2 */
#define UKVM_RANDOM_MAX (1u << 20) /* bytes per UKVM_HC_RANDOM */

struct ukvm_hc_fs_mount {
	uint32_t index;	 /* IN: 0.. */
	uint32_t flags;	 /* OUT: UKVM_FS_MOUNT_* */
	ukvm_gpa_t path; /* IN: buffer for the guest path (absolute, NUL-terminated) */
	uint64_t len;	 /* IN: its size */
	uint32_t umask;	 /* OUT: the VMM's umask at start (the guest's first umask) */
	uint32_t reserved;
	int64_t ret; /* OUT: length of the path, -ENOENT past the last, -ERANGE */
};
_Static_assert(sizeof(struct ukvm_hc_fs_mount) == 40, "fs_mount size");

/* A file: mapping index and a path relative to its root (no leading '/',
 * "" for the root itself, no NUL inside, len < UKVM_FS_PATH_MAX). */
struct ukvm_fs_path {
	uint32_t mount;
	uint32_t len;
	ukvm_gpa_t path;
};
_Static_assert(sizeof(struct ukvm_fs_path) == 16, "fs_path size");

struct ukvm_hc_fs_path {
	struct ukvm_fs_path p; /* IN */
	uint32_t flags;	       /* IN: Linux open flags / AT_REMOVEDIR */
	uint32_t mode;	       /* IN: creation mode / access mode */
	int64_t ret;	       /* OUT: handle (open) or 0, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_path) == 32, "fs_path hc size");

struct ukvm_hc_fs_handle {
	int32_t handle; /* IN */
	uint32_t op;	/* IN: whence (seek), 1 = data only (fsync) */
	int64_t arg;	/* IN: offset (seek), length (truncate) */
	int64_t ret;	/* OUT: new offset (seek) or 0, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_handle) == 24, "fs_handle size");

/* Straight between the host file and guest memory (preadv/pwritev). */
struct ukvm_hc_fs_io {
	int32_t handle;	 /* IN */
	uint32_t iovcnt; /* IN: 0..UKVM_IOV_MAX */
	ukvm_gpa_t iov;	 /* IN: iovcnt struct ukvm_iovec */
	int64_t offset;	 /* IN: file offset, or -1: the handle's position */
	int64_t ret;	 /* OUT: bytes, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_io) == 32, "fs_io size");

struct ukvm_hc_fs_buf {
	int32_t handle; /* IN (getdents); unused (random) */
	uint32_t reserved;
	ukvm_gpa_t buf; /* IN */
	uint64_t len;	/* IN */
	int64_t ret;	/* OUT: bytes, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_buf) == 32, "fs_buf size");

struct ukvm_stat {
	uint64_t dev, ino, nlink, size, blocks, rdev;
	uint32_t mode, uid, gid, blksize;
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec, reserved;
};
_Static_assert(sizeof(struct ukvm_stat) == 104, "stat size");

struct ukvm_hc_fs_stat {
	int32_t handle;	       /* IN: >= 0: that handle; -1: by path */
	uint32_t flags;	       /* IN: AT_SYMLINK_NOFOLLOW (by path) */
	struct ukvm_fs_path p; /* IN (by path) */
	ukvm_gpa_t st;	       /* IN: where the struct ukvm_stat goes */
	int64_t ret;	       /* OUT: 0 or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_stat) == 40, "fs_stat size");

/* Linux's struct statfs: the file system a file is on. flags are Linux's
 * ST_* (with ST_RDONLY on a read-only mapping, whatever the host says). */
struct ukvm_statfs {
	uint64_t type; /* magic number: EXT4_SUPER_MAGIC, TMPFS_MAGIC, ... */
	uint64_t bsize, blocks, bfree, bavail, files, ffree;
	uint32_t fsid[2];
	uint64_t namelen, frsize, flags;
};
_Static_assert(sizeof(struct ukvm_statfs) == 88, "statfs size");

struct ukvm_hc_fs_statfs {
	int32_t handle; /* IN: >= 0: that handle (0..2: the VMM's streams); -1: by path */
	uint32_t reserved;
	struct ukvm_fs_path p; /* IN (by path; a last symlink is followed inside the mapping) */
	ukvm_gpa_t sfs;	       /* IN: where the struct ukvm_statfs goes */
	int64_t ret;	       /* OUT: 0 or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_statfs) == 40, "fs_statfs size");

struct ukvm_hc_fs_rename {
	struct ukvm_fs_path from, to; /* IN: another mapping: -EXDEV */
	uint32_t flags;		      /* IN: RENAME_NOREPLACE, RENAME_EXCHANGE */
	uint32_t reserved;
	int64_t ret; /* OUT */
};
_Static_assert(sizeof(struct ukvm_hc_fs_rename) == 48, "fs_rename size");

struct ukvm_hc_fs_readlink {
	struct ukvm_fs_path p; /* IN */
	ukvm_gpa_t buf;	       /* IN */
	uint64_t len;	       /* IN */
	int64_t ret;	       /* OUT: bytes (no NUL), or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_fs_readlink) == 40, "fs_readlink size");

/* chmod / utimensat of a handle or a path (following a last symlink
 * unless AT_SYMLINK_NOFOLLOW; it is followed only inside the mapping). */
struct ukvm_hc_fs_attr {
	int32_t handle;	       /* IN: >= 3: that handle; -1: by path */
	uint32_t flags;	       /* IN: AT_SYMLINK_NOFOLLOW */
	struct ukvm_fs_path p; /* IN (by path) */
	uint32_t mode;	       /* IN: chmod */
	uint32_t reserved;
	int64_t times[4]; /* IN: utimens: atime sec, nsec, mtime sec, nsec
			   * (nsec UTIME_NOW or UTIME_OMIT as on Linux) */
	int64_t ret;	  /* OUT */
};
_Static_assert(sizeof(struct ukvm_hc_fs_attr) == 72, "fs_attr size");

struct ukvm_hc_fs_symlink {
	ukvm_gpa_t target;     /* IN: the link's contents (not resolved) */
	uint64_t target_len;   /* IN: 1..UKVM_FS_PATH_MAX - 1 */
	struct ukvm_fs_path p; /* IN: the new link */
	int64_t ret;	       /* OUT */
};
_Static_assert(sizeof(struct ukvm_hc_fs_symlink) == 40, "fs_symlink size");

/* Waits until the host's stdin is readable (or at EOF) or timeout_ms
 * passes (-1: no limit). */
struct ukvm_hc_poll_stdin {
	int32_t timeout_ms; /* IN */
	uint32_t reserved;
	int64_t ret; /* OUT: 1 readable, 0 timed out, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_poll_stdin) == 16, "poll_stdin size");

/* ---- Network (hypercalls 48..79, docs/abi.md "Network") ------------------
 *
 * The guest's sockets are host sockets that the VMM opens on its behalf
 * (AF_INET/AF_INET6, SOCK_STREAM/SOCK_DGRAM only) under the policy of the
 * command line (--network, --publish), checked at every bind, listen,
 * connect and send with an address. A socket is a handle: an index
 * 1..UKVM_NET_SOCKETS_MAX into the VMM's table; the guest never names a
 * host fd. Values (domains, types, flags, errno, socket options, poll bits)
 * are Linux's. Results are -errno.
 *
 * The VMM never blocks in a socket call: every host socket is non-blocking,
 * and a call that would wait returns -EAGAIN (connect: -EINPROGRESS). The
 * guest waits for readiness through the event page below and calls again:
 * blocking sockets, MSG_WAITALL, SO_RCVTIMEO and SO_SNDTIMEO are the
 * guest's. The VMM always sends with MSG_NOSIGNAL: a closed peer is -EPIPE,
 * and the guest raises SIGPIPE unless the program asked MSG_NOSIGNAL.
 *
 * Host readiness: one VMM event thread waits in epoll (edge triggered, IN,
 * OUT, RDHUP) on every host socket and on stdin. Each event ORs its poll
 * bits (POLLIN 0x1, POLLOUT 0x4, POLLERR 0x8, POLLHUP 0x10, POLLRDHUP
 * 0x2000) into slot[handle].ready of the guest's event page, sets the
 * handle's bit in changed[] (both with atomic OR), and raises
 * UKVM_NET_VECTOR (an MSI through a KVM irqfd) when a bit that was off
 * turned on and is in slot[handle].want. The guest clears the bits it is
 * about to consume (atomic AND) BEFORE each recv, send, accept or stdin
 * read, so an edge after the clear is never lost; it takes changed[] words
 * with an atomic exchange in its interrupt handler. Handle
 * UKVM_NET_STDIN_HANDLE (0) is the host's stdin (always readable when its
 * fd cannot be polled: a regular file, /dev/null). A handle's slot is
 * zeroed by the VMM when the handle is created; events of a closed handle
 * are dropped. */
#define UKVM_NET_SOCKETS_MAX 16384  /* open sockets per guest: -EMFILE beyond */
#define UKVM_NET_STDIN_HANDLE 0	    /* the event page's slot of the host's stdin */
#define UKVM_NET_VECTOR 0x51	    /* host readiness events */
#define UKVM_NET_EV_SLOTS 16448	    /* >= 1 + SOCKETS_MAX, a multiple of 64 */
#define UKVM_NET_ADDR_MAX 128	    /* sizeof(struct sockaddr_storage) */
#define UKVM_NET_OPT_MAX 16	    /* bytes of a socket option's value */
#define UKVM_NET_ETC_MAX (1u << 20) /* bytes of an /etc file */

struct ukvm_net_ev_slot {
	uint32_t ready; /* written by the VMM (OR) and the guest (AND): poll bits */
	uint32_t want;	/* written by the guest: bits worth an interrupt */
};
_Static_assert(sizeof(struct ukvm_net_ev_slot) == 8, "ev slot size");

struct ukvm_net_events {
	uint64_t changed[UKVM_NET_EV_SLOTS / 64]; /* bit h: slot h's ready gained bits */
	struct ukvm_net_ev_slot slot[UKVM_NET_EV_SLOTS];
};
_Static_assert(sizeof(struct ukvm_net_events) == 257 * 8 + 16448 * 8, "net events size");
_Static_assert(UKVM_NET_EV_SLOTS % 64 == 0 && UKVM_NET_EV_SLOTS > UKVM_NET_SOCKETS_MAX,
	       "every handle has a slot");

/* A socket address as Linux's struct sockaddr_in/_in6, in a fixed buffer.
 * IN: len bytes of data (0: none). OUT: the address's full length (the
 * guest truncates to the program's buffer as Linux does). */
struct ukvm_sockaddr {
	uint32_t len;
	uint32_t reserved;
	uint8_t data[UKVM_NET_ADDR_MAX];
};
_Static_assert(sizeof(struct ukvm_sockaddr) == 136, "sockaddr size");

struct ukvm_hc_net_socket {
	int32_t domain;	  /* IN: AF_INET, AF_INET6 (others: -EAFNOSUPPORT) */
	int32_t type;	  /* IN: SOCK_STREAM, SOCK_DGRAM, | SOCK_NONBLOCK | SOCK_CLOEXEC
			   * (the guest's flags; the host socket is always non-blocking) */
	int32_t protocol; /* IN: 0, IPPROTO_TCP (stream), IPPROTO_UDP (dgram) */
	uint32_t reserved;
	int64_t ret; /* OUT: a handle, or -EACCES (--network none), -EMFILE, ... */
};
_Static_assert(sizeof(struct ukvm_hc_net_socket) == 24, "net_socket size");

/* bind, connect (addr IN); getsockname, getpeername (addr OUT). */
struct ukvm_hc_net_addr {
	int32_t handle; /* IN */
	uint32_t reserved;
	struct ukvm_sockaddr addr;
	int64_t ret; /* OUT: 0 or -errno (connect: -EINPROGRESS, then SO_ERROR) */
};
_Static_assert(sizeof(struct ukvm_hc_net_addr) == 152, "net_addr size");

/* listen (arg: backlog), shutdown (arg: SHUT_RD/WR/RDWR), close (arg 0),
 * fionread (arg 0; ret: bytes queued). */
struct ukvm_hc_net_handle {
	int32_t handle; /* IN */
	int32_t arg;	/* IN */
	int64_t ret;	/* OUT */
};
_Static_assert(sizeof(struct ukvm_hc_net_handle) == 16, "net_handle size");

struct ukvm_hc_net_accept {
	int32_t handle;		   /* IN: a listening socket */
	uint32_t flags;		   /* IN: accept4's SOCK_NONBLOCK | SOCK_CLOEXEC (others -EINVAL) */
	struct ukvm_sockaddr peer; /* OUT */
	int64_t ret;		   /* OUT: the new handle, or -EAGAIN, -EMFILE, ... */
};
_Static_assert(sizeof(struct ukvm_hc_net_accept) == 152, "net_accept size");

/* sendmsg (also send, sendto, write, writev) and recvmsg (also recv,
 * recvfrom, read, readv): one host sendmsg/recvmsg between the socket and
 * up to UKVM_IOV_MAX guest buffers. flags: send MSG_OOB, MSG_DONTROUTE,
 * MSG_DONTWAIT, MSG_EOR, MSG_MORE, MSG_NOSIGNAL; recv MSG_OOB, MSG_PEEK,
 * MSG_TRUNC, MSG_DONTWAIT, MSG_WAITALL (accepted and dropped: the VMM
 * returns what is there, the guest loops); others -EOPNOTSUPP. */
struct ukvm_hc_net_msg {
	int32_t handle;		   /* IN */
	uint32_t flags;		   /* IN: MSG_* */
	ukvm_gpa_t iov;		   /* IN: iovcnt struct ukvm_iovec */
	uint32_t iovcnt;	   /* IN: 0..UKVM_IOV_MAX */
	uint32_t msg_flags;	   /* OUT (recv): MSG_TRUNC, MSG_CTRUNC, MSG_OOB, MSG_EOR */
	struct ukvm_sockaddr addr; /* send: IN, the destination (len 0: none);
				    * recv: OUT, the source (len 0: none) */
	int64_t ret;		   /* OUT: bytes (recv with MSG_TRUNC on a datagram: its full
				    * length), 0 at EOF, or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_net_msg) == 168, "net_msg size");

/* Options the VMM passes to the host (others -ENOPROTOOPT): SOL_SOCKET
 * SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF,
 * SO_LINGER, SO_BROADCAST, SO_OOBINLINE, SO_ERROR (get), SO_TYPE (get),
 * SO_ACCEPTCONN (get), SO_DOMAIN (get), SO_PROTOCOL (get); IPPROTO_TCP
 * TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_CORK,
 * TCP_QUICKACK, TCP_USER_TIMEOUT, TCP_DEFER_ACCEPT; IPPROTO_IP IP_TOS,
 * IP_TTL; IPPROTO_IPV6 IPV6_V6ONLY, IPV6_TCLASS, IPV6_UNICAST_HOPS.
 * SO_RCVTIMEO and SO_SNDTIMEO never reach the VMM: they are the guest's. */
struct ukvm_hc_net_sockopt {
	int32_t handle; /* IN */
	int32_t level;	/* IN */
	int32_t name;	/* IN */
	uint32_t len;	/* IN: set: bytes of val; get: its capacity. OUT (get): bytes */
	uint8_t val[UKVM_NET_OPT_MAX]; /* IN (set) / OUT (get) */
	int64_t ret;		       /* OUT: 0 or -errno */
};
_Static_assert(sizeof(struct ukvm_hc_net_sockopt) == 40, "net_sockopt size");

/* One host sendfile from a --dir file handle (UKVM_HC_FS_OPEN) to a socket:
 * no copy through the guest. */
struct ukvm_hc_net_sendfile {
	int32_t sock;	   /* IN: socket handle */
	int32_t fs_handle; /* IN: file handle of a --dir mapping */
	int64_t offset;	   /* IN: file offset, or -1: the handle's position (advanced);
			    * OUT: the offset after the bytes sent (offset >= 0) */
	uint64_t count;	   /* IN */
	int64_t ret;	   /* OUT: bytes sent, or -errno (-EAGAIN: socket full) */
};
_Static_assert(sizeof(struct ukvm_hc_net_sendfile) == 32, "net_sendfile size");

/* Registers the event page (struct ukvm_net_events) once, at boot. */
struct ukvm_hc_net_ev_setup {
	ukvm_gpa_t events; /* IN: page aligned, zeroed, inside guest RAM */
	uint64_t size;	   /* IN: sizeof(struct ukvm_net_events) */
	int64_t ret;	   /* OUT: 1 (slot 0, stdin, is served), 0 (it is not: no
			    * network), -EINVAL (misaligned, wrong size), -EBUSY (again) */
};
_Static_assert(sizeof(struct ukvm_hc_net_ev_setup) == 24, "net_ev_setup size");

/* The guest's /etc files, read-only: the host's at start unless
 * --resolv-conf, --hosts-file or --services-file replaced them. */
#define UKVM_NET_ETC_RESOLV_CONF 0
#define UKVM_NET_ETC_HOSTS 1
#define UKVM_NET_ETC_SERVICES 2
#define UKVM_NET_ETC_COUNT 3
struct ukvm_hc_net_etc {
	uint32_t which; /* IN: UKVM_NET_ETC_* */
	uint32_t reserved;
	ukvm_gpa_t buf; /* IN: min(len, size) bytes are copied there */
	uint64_t len;	/* IN (0: just ask the size) */
	int64_t ret;	/* OUT: the file's size (<= UKVM_NET_ETC_MAX), -ENOENT (none),
			 * -EINVAL (which) */
};
_Static_assert(sizeof(struct ukvm_hc_net_etc) == 32, "net_etc size");

#endif /* UKVM_ABI_LDS */
#endif /* UNIKVM_ABI_H */
