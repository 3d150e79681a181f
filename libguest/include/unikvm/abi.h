/*
 * unikvm guest/host ABI: the one contract between libguest and the VMM.
 *
 * Included by both sides (C99, no host or guest headers beyond <stdint.h>)
 * and by the linker script through the C preprocessor (UKVM_ABI_LDS defined:
 * constants only). Every address in here is a guest-physical address
 * (ukvm_gpa_t); guest RAM is identity mapped, so on the guest side it is
 * also the virtual address. The host never dereferences one directly: it
 * goes through the VMM's checked translator (vmm/gmem.h).
 *
 * Change anything below and bump UKVM_ABI_VERSION: the VMM refuses an image
 * whose note carries another version.
 */
#ifndef UNIKVM_ABI_H
#define UNIKVM_ABI_H

#define UKVM_ABI_VERSION 1

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
#define UKVM_HC_PORT_COUNT 0x40

#define UKVM_HC_EXIT 0   /* struct ukvm_hc_exit: end the VM */
#define UKVM_HC_WRITEV 1 /* struct ukvm_hc_writev: console output */
#define UKVM_HC_READ 2   /* struct ukvm_hc_read: console input */
#define UKVM_HC_CRASH 3  /* struct ukvm_hc_crash: fatal error report */
#define UKVM_HC_NOSYS 4  /* struct ukvm_hc_nosys: unimplemented syscall */
#define UKVM_HC_CLOCK 5  /* struct ukvm_hc_clock: the host's clocks now */
#define UKVM_HC_COUNT 6

#ifndef UKVM_ABI_LDS
#include <stdint.h>

typedef uint64_t ukvm_gpa_t;

/* The descriptor of the UKVM_NOTE_TYPE_IMAGE note. */
struct ukvm_note_image {
	uint32_t abi_version; /* UKVM_ABI_VERSION the image was built for */
	uint32_t flags;       /* none defined yet: must be 0 */
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
	uint32_t flags;       /* UKVM_BOOT_* */
	uint64_t mem_size;    /* guest RAM is [0, mem_size) */
	uint64_t heap_start;  /* [heap_start, heap_end): free RAM, RW, NX */
	uint64_t heap_end;
	uint64_t stack_top;   /* main stack: [stack_top - stack_size, stack_top) */
	uint64_t stack_size;  /* with an unmapped guard below it */
	uint64_t argc;        /* argv: argc+1 addresses, the last 0 */
	ukvm_gpa_t argv;
	uint64_t envc;        /* envp: envc+1 addresses, the last 0 */
	ukvm_gpa_t envp;
	uint8_t seed[32];     /* random bytes from the host (AT_RANDOM, ...) */
	uint32_t stdio_tty;   /* bit n: host fd n (0..2) is a terminal */
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
	uint32_t fd;     /* IN: 1 or 2 */
	uint32_t iovcnt; /* IN: 0..UKVM_IOV_MAX */
	ukvm_gpa_t iov;  /* IN: iovcnt struct ukvm_iovec */
	int64_t ret;     /* OUT: bytes written, or -errno (Linux values) */
};
_Static_assert(sizeof(struct ukvm_hc_writev) == 24, "writev size");

struct ukvm_hc_read {
	uint32_t fd; /* IN: 0 */
	uint32_t reserved;
	ukvm_gpa_t buf; /* IN */
	uint64_t len;   /* IN */
	int64_t ret;    /* OUT: bytes read (0 at EOF), or -errno */
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

struct ukvm_hc_crash {
	uint32_t kind; /* IN: UKVM_CRASH_* */
	uint32_t info; /* IN: vector or signal number */
	struct ukvm_cpu_state state; /* IN */
};
_Static_assert(sizeof(struct ukvm_hc_crash) == 8 + 21 * 8, "crash size");

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

#endif /* UKVM_ABI_LDS */
#endif /* UNIKVM_ABI_H */
