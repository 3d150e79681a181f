/*
 * attack: a guest that attacks the VMM on purpose, one way per argument
 * (`attack WAY`). corpus.cmake lists every way with the report and status
 * it must end with; the VMM must never crash, hang or leak because of one.
 * Runs with --mem 64M, so RAM ends at MEM_END.
 *
 * Results the guest sees (a hypercall's ret, a syscall's errno) are
 * printed on stderr as "attack: result ...", after "attack: WAY" on
 * stdout, so a test can tell how far the guest got.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unikvm/abi.h>

#define MEM_END (64ULL << 20)
#define LOW_PML4 0x1000ULL /* docs/memory-map.md */
#define LOW_BOOT_INFO 0x7000ULL

#define NOINLINE __attribute__((noinline))

int main(int argc, char **argv);
/* The event page is this program's, not libguest's (libguest/kernel/inet.c). */
const char unikvm_raw_net_events[1];

static void out32(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

static void hc(unsigned nr, uint64_t gpa)
{
	out32((uint16_t)(UKVM_HC_PORT_BASE + nr), (uint32_t)gpa);
}

static uintptr_t addr(const volatile void *p)
{
	return (uintptr_t)p;
}

static void result(const char *what, long long v)
{
	fprintf(stderr, "attack: result %s %lld\n", what, v);
}

/* ---- argument structs in the wrong place ---------------------------------- */

static const uint64_t places[] = {
    0x8,	   /* page 0 */
    LOW_PML4,	   /* the page tables */
    LOW_BOOT_INFO, /* the boot info */
    MEM_END,	   /* the first byte after RAM */
    MEM_END - 4,   /* straddling the end of RAM */
    0xfffffffcULL, /* the top of the 32-bit range */
};
static const char *const place_names[] = {"page0", "low", "bootinfo", "end", "straddle", "top"};
static const char *const hc_names[] = {"exit", "writev", "read", "crash", "nosys", "clock"};

static int arg_attack(const char *way)
{
	for (unsigned n = 0; n < sizeof(hc_names) / sizeof(hc_names[0]); n++)
		for (unsigned p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
			char name[64];
			snprintf(name, sizeof(name), "arg-%s-%s", hc_names[n], place_names[p]);
			if (!strcmp(way, name)) {
				hc(n, places[p]);
				return 1;
			}
		}
	return 0;
}

/* ---- writev ------------------------------------------------------------ */

static struct ukvm_hc_writev wv;
static struct ukvm_iovec iov[UKVM_IOV_MAX + 1];

static void writev_with(uint32_t fd, uint32_t cnt, uint64_t iovs)
{
	wv = (struct ukvm_hc_writev){.fd = fd, .iovcnt = cnt, .iov = iovs, .ret = 0x7777};
	hc(UKVM_HC_WRITEV, addr(&wv));
	result("ret", wv.ret);
}

static void writev_buf(uint64_t base, uint64_t len)
{
	iov[0] = (struct ukvm_iovec){base, len};
	writev_with(1, 1, addr(iov));
}

static void writev_fd_bad(uint32_t fd)
{
	iov[0] = (struct ukvm_iovec){addr("x\n"), 2};
	writev_with(fd, 1, addr(iov));
}
static void writev_fd_0(void)
{
	writev_fd_bad(0);
}
static void writev_fd_3(void)
{
	writev_fd_bad(3);
}
static void writev_fd_max(void)
{
	writev_fd_bad(UINT32_MAX);
}
static void writev_cnt_1025(void)
{
	writev_with(1, UKVM_IOV_MAX + 1, addr(iov));
}
static void writev_cnt_max(void)
{
	writev_with(1, UINT32_MAX, addr(iov));
}
static void writev_iov_page0(void)
{
	writev_with(1, 1, 0x10);
}
static void writev_iov_low(void)
{
	writev_with(1, 1, LOW_PML4);
}
static void writev_iov_end(void)
{
	writev_with(1, 1, MEM_END);
}
static void writev_iov_straddle(void)
{
	writev_with(1, 2, MEM_END - 16);
}
static void writev_iov_self(void)
{
	writev_with(1, 1, addr(&wv));
}
static void writev_buf_page0(void)
{
	writev_buf(0x10, 4);
}
static void writev_buf_low(void)
{
	writev_buf(LOW_BOOT_INFO, 144);
}
static void writev_buf_end(void)
{
	writev_buf(MEM_END, 1);
}
static void writev_buf_straddle(void)
{
	writev_buf(MEM_END - 2, 4);
}
static void writev_buf_overflow(void)
{
	writev_buf(0x200000, UINT64_MAX - 0xfffff);
}
static void writev_buf_second_bad(void)
{
	iov[0] = (struct ukvm_iovec){addr("abc\n"), 4};
	iov[1] = (struct ukvm_iovec){MEM_END - 1, 2};
	writev_with(1, 2, addr(iov));
}
static void writev_empty_wild(void)
{
	writev_buf(0xdead00000000ULL, 0);
}
static void writev_1024_iovecs(void)
{
	for (int i = 0; i < UKVM_IOV_MAX; i++)
		iov[i] = (struct ukvm_iovec){addr("y"), 1};
	writev_with(1, UKVM_IOV_MAX, addr(iov));
	write(1, "\n", 1);
}

/* ---- read ---------------------------------------------------------------- */

static struct ukvm_hc_read rd;
static char rdbuf[64];

static void read_with(uint32_t fd, uint64_t buf, uint64_t len)
{
	rd = (struct ukvm_hc_read){.fd = fd, .buf = buf, .len = len, .ret = 0x7777};
	hc(UKVM_HC_READ, addr(&rd));
	result("ret", rd.ret);
}

static void read_fd_1(void)
{
	read_with(1, addr(rdbuf), sizeof(rdbuf));
}
static void read_fd_max(void)
{
	read_with(UINT32_MAX, addr(rdbuf), sizeof(rdbuf));
}
static void read_buf_page0(void)
{
	read_with(0, 0x10, 16);
}
static void read_buf_low(void)
{
	read_with(0, LOW_PML4, 4096);
}
static void read_buf_end(void)
{
	read_with(0, MEM_END, 1);
}
static void read_buf_straddle(void)
{
	read_with(0, MEM_END - 2, 4);
}
static void read_buf_overflow(void)
{
	read_with(0, 0x200000, UINT64_MAX - 0xfffff);
}
static void read_len_0_wild(void)
{
	read_with(0, 0xdead00000000ULL, 0);
}
/* Reads stdin over its own argument struct: the VMM must have copied the
 * fields first, and writes ret last. */
static void read_into_self(void)
{
	read_with(0, addr(&rd), sizeof(rd));
}

/* ---- exit, nosys --------------------------------------------------------- */

static struct ukvm_hc_exit ex;
static void exit_with(uint32_t status)
{
	ex = (struct ukvm_hc_exit){.status = status};
	hc(UKVM_HC_EXIT, addr(&ex));
}
static void exit_256(void)
{
	exit_with(256);
}
static void exit_max(void)
{
	exit_with(UINT32_MAX);
}

static struct ukvm_hc_nosys ns;
static void nosys_with(uint64_t nr, uint64_t rip)
{
	ns = (struct ukvm_hc_nosys){.nr = nr, .rip = rip};
	hc(UKVM_HC_NOSYS, addr(&ns));
	result("returned", 0);
}
static void nosys_huge_nr(void)
{
	nosys_with(UINT64_MAX, addr(main));
}
static void nosys_wild_rip(void)
{
	nosys_with(39, 0xdead00000000ULL);
}

/* ---- crash reports with lying contents ----------------------------------- */

static struct ukvm_hc_crash cr;
static uint64_t frames[4];

static void crash_with(uint32_t kind, uint32_t info)
{
	cr.kind = kind;
	cr.info = info;
	if (!cr.state.rip)
		cr.state.rip = addr(main);
	hc(UKVM_HC_CRASH, addr(&cr));
	result("returned", 0);
}
static void crash_kind_0(void)
{
	crash_with(0, 0);
}
static void crash_kind_max(void)
{
	crash_with(UINT32_MAX, 0);
}
static void crash_exception_32(void)
{
	crash_with(UKVM_CRASH_EXCEPTION, 32);
}
static void crash_exception_max(void)
{
	crash_with(UKVM_CRASH_EXCEPTION, UINT32_MAX);
}
static void crash_exception_9(void)
{
	crash_with(UKVM_CRASH_EXCEPTION, 9);
}
static void crash_signal_0(void)
{
	crash_with(UKVM_CRASH_SIGNAL, 0);
}
static void crash_signal_65(void)
{
	crash_with(UKVM_CRASH_SIGNAL, 65);
}
static void crash_signal_9(void)
{
	crash_with(UKVM_CRASH_SIGNAL, 9);
}
static void crash_signal_15(void)
{
	crash_with(UKVM_CRASH_SIGNAL, 15);
}
static void crash_interrupt_max(void)
{
	crash_with(UKVM_CRASH_INTERRUPT, UINT32_MAX);
}
static void crash_wild_registers(void)
{
	memset(&cr.state, 0xff, sizeof(cr.state));
	crash_with(UKVM_CRASH_EXCEPTION, 14);
}
static void crash_rbp_loop(void)
{
	frames[0] = addr(&frames[0]); /* saved rbp pointing at itself */
	frames[1] = addr(main);
	cr.state.rbp = cr.state.rsp = addr(frames);
	crash_with(UKVM_CRASH_EXCEPTION, 13);
}
static void crash_rbp_end(void)
{
	cr.state.rbp = cr.state.rsp = MEM_END - 8;
	crash_with(UKVM_CRASH_EXCEPTION, 13);
}
static void crash_rbp_low(void)
{
	cr.state.rbp = cr.state.rsp = LOW_BOOT_INFO;
	crash_with(UKVM_CRASH_EXCEPTION, 13);
}

/* ---- I/O ports ------------------------------------------------------------ */

static void port_out8_0x80(void)
{
	__asm__ volatile("outb %%al, $0x80" ::"a"(0));
}
static void port_in8_0x80(void)
{
	uint8_t v;
	__asm__ volatile("inb $0x80, %%al" : "=a"(v));
	result("in", v);
}
static void port_out32_0x3f8(void)
{
	out32(0x3f8, 0);
}
static void port_in32_hc(void)
{
	uint32_t v;
	__asm__ volatile("inl %%dx, %%eax"
			 : "=a"(v)
			 : "d"((uint16_t)(UKVM_HC_PORT_BASE + UKVM_HC_EXIT)));
	result("in", v);
}
static void port_out16_hc(void)
{
	__asm__ volatile("outw %%ax, %%dx" ::"a"(0),
			 "d"((uint16_t)(UKVM_HC_PORT_BASE + UKVM_HC_WRITEV)));
}
static void port_hc_last(void)
{
	out32(UKVM_HC_PORT_BASE + UKVM_HC_PORT_COUNT - 1, addr(&ex));
}
static void port_hc_above(void)
{
	out32(UKVM_HC_PORT_BASE + UKVM_HC_PORT_COUNT, addr(&ex));
}
static void port_hc_below(void)
{
	out32(UKVM_HC_PORT_BASE - 1, addr(&ex));
}
static void port_pci_config(void)
{
	out32(0xcf8, 0x80000000u);
}
static void port_out8_0xffff(void)
{
	__asm__ volatile("outb %%al, %%dx" ::"a"(0), "d"((uint16_t)0xffff));
}
static void port_out32_0(void)
{
	out32(0, 0);
}

/* ---- MSRs, exceptions, CPU state ------------------------------------------ */

static void msr_read(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	result("rdmsr", ((long long)hi << 32) | lo);
}
static void msr_write(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	result("wrmsr", 0);
}
static void msr_read_bogus(void)
{
	msr_read(0xdeadbeef);
}
static void msr_write_bogus(void)
{
	msr_write(0xdeadbeef, 1);
}
static void msr_write_efer_0(void)
{
	msr_write(0xc0000080, 0);
}
static void msr_write_lstar_0(void)
{
	msr_write(0xc0000082, 0);
	write(1, "x\n", 2);
}

#define INT_WAY(n)                                                                                 \
	static void int_##n(void)                                                                  \
	{                                                                                          \
		__asm__ volatile("int $" #n);                                                      \
		result("int", n);                                                                  \
	}                                                                                          \
	extern int int_way_end /* so that each use ends with a semicolon */
INT_WAY(0);
INT_WAY(1);
INT_WAY(2);
INT_WAY(3);
INT_WAY(4);
INT_WAY(6);
INT_WAY(8);
INT_WAY(13);
INT_WAY(14);
INT_WAY(18);
INT_WAY(32);
INT_WAY(128);
INT_WAY(255);

static void cr3_zero(void)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(0UL));
}
static void cr0_no_paging(void)
{
	unsigned long cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 & ~(1UL << 31)));
}
static void bad_segment(void)
{
	__asm__ volatile("mov %0, %%ds" ::"r"(0x1234));
}
static void write_boot_info(void)
{
	*(volatile uint32_t *)LOW_BOOT_INFO = 0;
}
static void write_page_table(void)
{
	*(volatile uint64_t *)LOW_PML4 = 0;
}
static void jump_zero(void)
{
	((void (*)(void))0)();
}
static void jump_beyond(void)
{
	((void (*)(void))(uintptr_t)MEM_END)();
}
static void exec_stack(void)
{
	volatile uint8_t code[16] = {0xc3};
	((void (*)(void))(uintptr_t)code)();
}
static void spin(void)
{
	for (;;)
		__asm__ volatile("");
}
static void spin_cli(void)
{
	__asm__ volatile("cli");
	for (;;)
		__asm__ volatile("");
}
static void sleep_forever(void)
{
	for (;;)
		__asm__ volatile("sti; hlt");
}

/* ---- memory -------------------------------------------------------------- */

static void mmap_result(void *p)
{
	result(p == MAP_FAILED ? "mmap-errno" : "mmap-ok", p == MAP_FAILED ? errno : 0);
}
static void mmap_huge(void)
{
	mmap_result(
	    mmap(NULL, 1ULL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}
static void mmap_fixed_text(void)
{
	mmap_result(mmap((void *)((uintptr_t)main & ~4095UL), 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
}
static void mmap_fixed_low(void)
{
	mmap_result(mmap((void *)LOW_PML4, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
}
static void munmap_text(void)
{
	result("munmap", munmap((void *)((uintptr_t)main & ~4095UL), 4096) ? errno : 0);
}
/* mprotect is a stub (docs/syscalls.md): W^X must hold all the same. */
NOINLINE static void mprotect_text(void)
{
	void *page = (void *)((uintptr_t)mprotect_text & ~4095UL);
	result("mprotect", mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) ? errno : 0);
	*(volatile uint8_t *)(uintptr_t)mprotect_text = 0xc3;
}
static void brk_huge(void)
{
	result("sbrk-failed", sbrk(1L << 40) == (void *)-1);
}
/* Every page of the heap touched, until malloc fails. */
static void eat_memory(void)
{
	size_t mib = 0;
	for (char *p; (p = malloc(1 << 20)); mib++)
		memset(p, 'm', 1 << 20);
	result("malloc-mib", (long long)mib);
}

/* ---- floods --------------------------------------------------------------- */

static void flood(int fd)
{
	static char buf[1 << 16];
	memset(buf, 'f', sizeof(buf));
	for (int i = 0; i < 512; i++) /* 32 MiB */
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			exit(1);
}
static void flood_stdout(void)
{
	flood(1);
}
static void flood_stderr(void)
{
	flood(2);
}
static void flood_both(void)
{
	static char buf[4096];
	memset(buf, 'b', sizeof(buf));
	for (int i = 0; i < 8192; i++) /* 16 MiB each, interleaved */
		if (write(1 + (i & 1), buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			exit(1);
}

/* ---- the block ring (disk 0: 128 sectors, read-write; see disk-attack) ------
 * Each way drives disk 0's ring by hand. Sector 1 is where the good
 * requests write; the harness checks that nothing else on the disk
 * changed, beyond the sectors a way names, and that its size did not. */

#define DISK_SECTORS 128
#define SLOTS UKVM_BLK_RING_SIZE

static struct ukvm_blk_ring ring __attribute__((aligned(4096)));
static uint8_t blkbuf[UKVM_BLK_RING_SIZE][512] __attribute__((aligned(4096)));
static uint32_t prod; /* the guest's req_prod */

static void blk_ring_setup(void)
{
	static struct ukvm_hc_blk_setup su;
	su = (struct ukvm_hc_blk_setup){.disk = 0, .ring = addr(&ring)};
	hc(UKVM_HC_BLK_SETUP, addr(&su));
	if (su.ret) {
		result("blk_setup", su.ret);
		exit(1);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		memset(blkbuf[i], 'A' + i % 26, 512);
}

static void kick(void)
{
	out32(UKVM_BLK_DOORBELL_BASE, 0);
}

static volatile struct ukvm_blk_req *slot(uint32_t i)
{
	return &ring.req[i % SLOTS];
}

static void put_req(uint32_t i, uint32_t op, uint64_t sector, uint32_t len, uint64_t buf)
{
	*slot(i) =
	    (struct ukvm_blk_req){.id = i, .op = op, .len = len, .sector = sector, .buf = buf};
}

static void publish(uint32_t p)
{
	__atomic_store_n(&ring.req_prod, p, __ATOMIC_SEQ_CST);
}

/* Waits (polling, at most about `spins` pauses) until every request up to
 * prod is complete, then consumes the completions; counts their statuses. */
static uint32_t statuses[8];
static int wait_all(unsigned long spins)
{
	while (__atomic_load_n(&ring.cpl_prod, __ATOMIC_ACQUIRE) != prod && spins--)
		__asm__ volatile("pause" ::: "memory");
	uint32_t done = __atomic_load_n(&ring.cpl_prod, __ATOMIC_ACQUIRE);
	for (uint32_t c = ring.cpl_cons; c != done; c++)
		statuses[ring.cpl[c % SLOTS].status & 7]++;
	__atomic_store_n(&ring.cpl_cons, done, __ATOMIC_SEQ_CST);
	return done == prod ? 0 : -1;
}

static void blk_report(const char *way)
{
	printf("%s: ok %u range %u badlen %u badop %u ioerr %u\n", way, statuses[0], statuses[1],
	       statuses[2], statuses[4], statuses[5]);
}

/* A request rewritten field by field while the device may be reading it:
 * good (sector 1), past the end, straddling it, a buffer straddling the
 * end of RAM or in the low area, a read, an unknown op. The device copies
 * each request once: it serves a consistent (perhaps torn, but checked)
 * copy, or stops the VM for a buffer outside RAM. May change sectors 1, 2
 * and 127 (a torn sector 127 with length 512). */
static void blk_toctou_desc(void)
{
	static const uint64_t sectors[] = {1, DISK_SECTORS - 1, DISK_SECTORS, 1ULL << 62};
	static const uint32_t lens[] = {512, 1024, UKVM_BLK_MAX_XFER + 512, 0};
	static const uint32_t ops[] = {UKVM_BLK_OP_WRITE, UKVM_BLK_OP_READ, 99, UKVM_BLK_OP_WRITE};

	blk_ring_setup();
	for (uint32_t round = 0; round < 2000; round++) {
		volatile struct ukvm_blk_req *r = slot(prod);
		put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0]));
		publish(++prod);
		kick();
		for (unsigned k = 0; k < 64; k++) {
			r->sector = sectors[(k + round) % 4];
			r->len = lens[(k / 4 + round) % 4];
			/* a buffer outside RAM in one round of 100 */
			r->buf = round % 100 == 99 ? (k & 1 ? MEM_END - 256 : LOW_PML4)
						   : addr(blkbuf[k & 1]);
			r->op = ops[(k / 2) % 4];
		}
		r->op = UKVM_BLK_OP_WRITE, r->sector = 1, r->len = 512, r->buf = addr(blkbuf[0]);
		wait_all(1UL << 24);
	}
	blk_report("blk-toctou-desc");
}

/* req_prod flipped between the truth, far ahead and behind while the
 * device reads it: it serves what it saw or reports a corrupt ring. */
static void blk_toctou_index(void)
{
	blk_ring_setup();
	for (uint32_t round = 0; round < 2000; round++) {
		put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0]));
		publish(++prod);
		kick();
		for (unsigned k = 0; k < 64; k++)
			publish(k % 3 == 0 ? prod + 1000 : k % 3 == 1 ? prod - 5 : prod);
		publish(prod);
		kick();
		wait_all(1UL << 24);
	}
	blk_report("blk-toctou-index");
}

/* cpl_cons flipped to values that break the invariants, likewise. */
static void blk_toctou_cpl_cons(void)
{
	blk_ring_setup();
	for (uint32_t round = 0; round < 2000; round++) {
		uint32_t cons = ring.cpl_cons;
		put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0]));
		publish(++prod);
		kick();
		for (unsigned k = 0; k < 64; k++)
			__atomic_store_n(&ring.cpl_cons, k & 1 ? cons + 77 : cons - 200,
					 __ATOMIC_SEQ_CST);
		__atomic_store_n(&ring.cpl_cons, cons, __ATOMIC_SEQ_CST);
		wait_all(1UL << 24);
	}
	blk_report("blk-toctou-cpl-cons");
}

/* req_prod moved back after two requests completed: a corrupt ring. */
static void blk_prod_backwards(void)
{
	blk_ring_setup();
	for (int i = 0; i < 2; i++)
		put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0])), publish(++prod);
	kick();
	wait_all(1UL << 30);
	blk_report("blk-prod-backwards");
	fflush(stdout);
	publish(1);
	kick();
	for (;;)
		__asm__ volatile("sti; hlt");
}

/* 4000 writes in batches of 100: the slots wrap round 31 times and the
 * free-running indices pass multiples of the ring size mid-batch; then
 * each of sectors 64..127 holds the last write to it. */
static void blk_wrap(void)
{
	blk_ring_setup();
	for (uint32_t i = 0; i < 4000;) {
		for (int k = 0; k < 100; k++, i++)
			put_req(prod, UKVM_BLK_OP_WRITE, 64 + i % 64, 512, addr(blkbuf[i % SLOTS])),
			    publish(++prod);
		kick();
		if (wait_all(1UL << 30) < 0)
			exit(1);
	}
	static uint8_t back[64][512];
	for (uint32_t s = 0; s < 64; s++)
		put_req(prod, UKVM_BLK_OP_READ, 64 + s, 512, addr(back[s])), publish(++prod);
	kick();
	wait_all(1UL << 30);
	int bad = 0;
	for (uint32_t s = 0; s < 64; s++) { /* the last i < 4000 with i % 64 == s */
		uint32_t last = 3968 + s < 4000 ? 3968 + s : 3904 + s;
		bad += memcmp(back[s], blkbuf[last % SLOTS], 512) != 0;
	}
	blk_report("blk-wrap");
	printf("blk-wrap: %d sectors differ\n", bad);
}

/* Every slot the same request (one id), published at once. */
static void blk_dup(void)
{
	blk_ring_setup();
	for (uint32_t i = 0; i < SLOTS; i++)
		ring.req[i] = (struct ukvm_blk_req){.id = 7,
						    .op = UKVM_BLK_OP_WRITE,
						    .len = 512,
						    .sector = 1,
						    .buf = addr(blkbuf[0])};
	prod = SLOTS;
	publish(prod);
	kick();
	wait_all(1UL << 30);
	int other = 0;
	for (uint32_t i = 0; i < SLOTS; i++)
		other += ring.cpl[i].id != 7;
	blk_report("blk-dup");
	printf("blk-dup: %d completions with another id\n", other);
}

/* STORM doorbells, a request every 256 of them (storm) or none
 * (storm-idle); all requests complete. (Each doorbell is a VM exit: in the
 * test sandbox, a nested KVM on an emulated CPU, 2^15 take about a minute.) */
#define STORM (1u << 15)
static void storm(int every)
{
	blk_ring_setup();
	for (uint32_t k = 0; k < STORM; k++) {
		if (every && k % 256 == 0) {
			if (prod - ring.cpl_cons == SLOTS)
				wait_all(1UL << 30);
			put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0]));
			publish(++prod);
		}
		kick();
	}
	wait_all(1UL << 30);
	put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0]));
	publish(++prod);
	kick();
	wait_all(1UL << 30);
}
static void blk_storm(void)
{
	storm(1);
	blk_report("blk-storm");
}
static void blk_storm_idle(void)
{
	storm(0);
	blk_report("blk-storm-idle");
}

/* Requests whose buffer is the ring itself: a read overwrites the indices
 * and requests with disk data, a write sends them to the disk. */
static void blk_buf_ring(void)
{
	blk_ring_setup();
	put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(&ring)), publish(++prod);
	put_req(prod, UKVM_BLK_OP_READ, 2, 4096, addr(&ring)), publish(++prod);
	put_req(prod, UKVM_BLK_OP_WRITE, 1, 512, addr(blkbuf[0])), publish(++prod);
	kick();
	for (unsigned long spins = 1UL << 24; spins--;)
		__asm__ volatile("pause" ::: "memory");
	printf("blk-buf-ring: survived\n");
}

/* ---- --dir, by raw hypercalls (see dir-attack) ----------------------------
 * Mapping 0 is the harness's root/, next to outside/secret; root/rel-link
 * and root/abs-link lead to it. These paths skip libguest's own checks: the
 * VMM alone must keep them inside. Each prints "WAY: RESULT..." on stdout. */

static struct ukvm_hc_fs_path fsp;
static struct ukvm_hc_fs_rename fsr;
static struct ukvm_hc_fs_attr fsa;
static struct ukvm_hc_fs_symlink fsl;

static struct ukvm_fs_path fs_path(const char *p)
{
	return (struct ukvm_fs_path){.mount = 0, .len = (uint32_t)strlen(p), .path = addr(p)};
}

static long fs_call(unsigned nr, const char *p, uint32_t flags, uint32_t mode)
{
	fsp =
	    (struct ukvm_hc_fs_path){.p = fs_path(p), .flags = flags, .mode = mode, .ret = 0x7777};
	hc(nr, addr(&fsp));
	return (long)fsp.ret;
}

static long fs_two(unsigned nr, const char *from, const char *to, uint32_t flags)
{
	fsr = (struct ukvm_hc_fs_rename){
	    .from = fs_path(from), .to = fs_path(to), .flags = flags, .ret = 0x7777};
	hc(nr, addr(&fsr));
	return (long)fsr.ret;
}

static long fs_attr(unsigned nr, const char *p, uint32_t flags)
{
	fsa = (struct ukvm_hc_fs_attr){.handle = -1,
				       .flags = flags,
				       .p = fs_path(p),
				       .mode = 0777,
				       .times = {1, 0, 1, 0},
				       .ret = 0x7777};
	hc(nr, addr(&fsa));
	return (long)fsa.ret;
}

static const char *way_now; /* for fs_say */
static void fs_say(long r)
{
	printf("%s: %ld\n", way_now, r);
}

static void fs_unlink_out(void)
{
	fs_say(fs_call(UKVM_HC_FS_UNLINK, "../outside/secret", 0, 0));
}
static void fs_rmdir_out(void)
{
	fs_say(fs_call(UKVM_HC_FS_UNLINK, "../outside", 0x200, 0));
}
static void fs_mkdir_out(void)
{
	fs_say(fs_call(UKVM_HC_FS_MKDIR, "../newdir", 0, 0755));
}
static void fs_create_out(void)
{
	fs_say(fs_call(UKVM_HC_FS_OPEN, "../created", 0101, 0644));
}
static void fs_trunc_via_link(void)
{
	fs_say(fs_call(UKVM_HC_FS_OPEN, "rel-link", 01001, 0));
}
static void fs_open_via_abs(void)
{
	fs_say(fs_call(UKVM_HC_FS_OPEN, "abs-link", 2, 0));
}
static void fs_open_absolute(void)
{
	fs_say(fs_call(UKVM_HC_FS_OPEN, "/etc/passwd", 0, 0));
}
static void fs_rename_out(void)
{
	fs_say(fs_two(UKVM_HC_FS_RENAME, "inside.txt", "../outside/moved", 0));
}
static void fs_rename_in(void)
{
	fs_say(fs_two(UKVM_HC_FS_RENAME, "../outside/secret", "stolen", 0));
}
static void fs_exchange_out(void)
{
	fs_say(fs_two(UKVM_HC_FS_RENAME, "inside.txt", "../outside/secret", 2));
}
static void fs_rename_via_link(void)
{
	fs_say(fs_two(UKVM_HC_FS_RENAME, "rel-link/x", "y", 0));
}
static void fs_link_out(void)
{
	fs_say(fs_two(UKVM_HC_FS_LINK, "../outside/secret", "hard", 0));
}
static void fs_unlink_root(void)
{
	fs_say(fs_call(UKVM_HC_FS_UNLINK, "", 0x200, 0));
}
static void fs_rename_root(void)
{
	fs_say(fs_two(UKVM_HC_FS_RENAME, "", "moved-root", 0));
}
static void fs_chmod_via_link(void)
{
	fs_say(fs_attr(UKVM_HC_FS_CHMOD, "rel-link", 0));
}
static void fs_chmod_out(void)
{
	fs_say(fs_attr(UKVM_HC_FS_CHMOD, "../outside/secret", 0x100));
}
static void fs_utimens_via_abs(void)
{
	fs_say(fs_attr(UKVM_HC_FS_UTIMENS, "abs-link", 0));
}
static void fs_open_nul(void)
{
	static const char p[] = "inside.txt\0/../../outside/secret";
	fsp = (struct ukvm_hc_fs_path){.p = {.len = sizeof(p) - 1, .path = addr(p)}, .ret = 0x7777};
	hc(UKVM_HC_FS_OPEN, addr(&fsp));
	fs_say((long)fsp.ret);
}
static void fs_open_too_long(void)
{
	static char p[UKVM_FS_PATH_MAX + 1];
	memset(p, 'a', UKVM_FS_PATH_MAX);
	fs_say(fs_call(UKVM_HC_FS_OPEN, p, 0, 0));
}
static void fs_mount_none(void)
{
	fsp =
	    (struct ukvm_hc_fs_path){.p = {.mount = 7, .len = 1, .path = addr("x")}, .ret = 0x7777};
	hc(UKVM_HC_FS_OPEN, addr(&fsp));
	fs_say((long)fsp.ret);
}
/* A symlink out, made by the guest, then followed: refused; removed. */
static void fs_symlink_out(void)
{
	fsl = (struct ukvm_hc_fs_symlink){
	    .target = addr("../outside"), .target_len = 10, .p = fs_path("esc"), .ret = 0x7777};
	hc(UKVM_HC_FS_SYMLINK, addr(&fsl));
	long made = (long)fsl.ret;
	long open = fs_call(UKVM_HC_FS_OPEN, "esc/secret", 01002, 0);
	printf("%s: %ld %ld %ld\n", way_now, made, open, fs_call(UKVM_HC_FS_UNLINK, "esc", 0, 0));
}
/* Handles until the table is full, then close them all. */
static void fs_handles(void)
{
	int opened = 0;
	long r;
	while ((r = fs_call(UKVM_HC_FS_OPEN, "inside.txt", 0, 0)) >= 0)
		opened++;
	int closed = 0;
	for (int32_t h = 0; h < 3 + UKVM_FS_HANDLES_MAX + 8; h++) {
		static struct ukvm_hc_fs_handle fh;
		fh = (struct ukvm_hc_fs_handle){.handle = h};
		hc(UKVM_HC_FS_CLOSE, addr(&fh));
		closed += fh.ret == 0;
	}
	printf("%s: %d opened, then %ld, %d closed\n", way_now, opened, r, closed);
}
static void fs_path_end(void)
{
	fsp = (struct ukvm_hc_fs_path){.p = {.len = 4, .path = MEM_END - 2}};
	hc(UKVM_HC_FS_OPEN, addr(&fsp));
}
static void fs_readlink_low(void)
{
	static struct ukvm_hc_fs_readlink rl;
	rl = (struct ukvm_hc_fs_readlink){.p = fs_path("rel-link"), .buf = LOW_PML4, .len = 64};
	hc(UKVM_HC_FS_READLINK, addr(&rl));
}
static void fs_stat_low(void)
{
	static struct ukvm_hc_fs_stat st;
	st = (struct ukvm_hc_fs_stat){.handle = -1, .p = fs_path(""), .st = LOW_BOOT_INFO};
	hc(UKVM_HC_FS_STAT, addr(&st));
}
/* statfs of what lies outside, by "..", by each link: refused, and the
 * result buffer is left as it was. */
static void fs_statfs_out(void)
{
	static const char *const paths[] = {"../outside", "rel-link", "abs-link", "sub/../.."};
	static struct ukvm_hc_fs_statfs sf;
	static struct ukvm_statfs out;
	printf("%s:", way_now);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		memset(&out, 0x5a, sizeof(out));
		sf = (struct ukvm_hc_fs_statfs){
		    .handle = -1, .p = fs_path(paths[i]), .sfs = addr(&out), .ret = 0x7777};
		hc(UKVM_HC_FS_STATFS, addr(&sf));
		printf(" %ld%s", (long)sf.ret,
		       out.type == 0x5a5a5a5a5a5a5a5aULL ? "" : " (written)");
	}
	printf("\n");
}
static void fs_statfs_low(void)
{
	static struct ukvm_hc_fs_statfs sf;
	sf = (struct ukvm_hc_fs_statfs){.handle = -1, .p = fs_path(""), .sfs = LOW_BOOT_INFO};
	hc(UKVM_HC_FS_STATFS, addr(&sf));
}

/* ---- the network, by raw hypercalls ----------------------------------------- */

static struct ukvm_hc_net_msg nm;

static void net_msg_cnt_max(void)
{
	nm = (struct ukvm_hc_net_msg){.handle = 1, .iov = addr(iov), .iovcnt = UINT32_MAX};
	hc(UKVM_HC_NET_SENDMSG, addr(&nm));
}

static void net_msg_iov_straddle(void)
{
	nm = (struct ukvm_hc_net_msg){.handle = 1, .iov = MEM_END - 16, .iovcnt = 2};
	hc(UKVM_HC_NET_RECVMSG, addr(&nm));
}

static void net_msg_buf_low(void)
{
	iov[0] = (struct ukvm_iovec){.base = LOW_BOOT_INFO, .len = 0x90};
	nm = (struct ukvm_hc_net_msg){.handle = 1, .iov = addr(iov), .iovcnt = 1};
	hc(UKVM_HC_NET_RECVMSG, addr(&nm));
}

static void net_ev_at(uint64_t gpa)
{
	static struct ukvm_hc_net_ev_setup a;
	a = (struct ukvm_hc_net_ev_setup){.events = gpa, .size = sizeof(struct ukvm_net_events)};
	hc(UKVM_HC_NET_EV_SETUP, addr(&a));
	result("ev_setup", a.ret);
}

static void net_ev_low(void)
{
	net_ev_at(LOW_PML4);
}

static void net_ev_straddle(void)
{
	net_ev_at(MEM_END - UKVM_PAGE_SIZE);
}

static void net_ev_twice(void)
{
	static struct ukvm_net_events ev __attribute__((aligned(UKVM_PAGE_SIZE)));
	net_ev_at(addr(&ev));
	net_ev_at(addr(&ev));
	net_ev_at(addr(&ev) + 64);
}

static void net_etc_straddle(void)
{
	static struct ukvm_hc_net_etc a;
	a = (struct ukvm_hc_net_etc){.which = UKVM_NET_ETC_HOSTS, .buf = MEM_END - 4, .len = 4096};
	hc(UKVM_HC_NET_ETC, addr(&a));
}

/* Sockets until the VMM refuses (--network user): EMFILE, from its table
 * or from the host's limit of open files, whichever comes first. */
static void net_socket_flood(void)
{
	static struct ukvm_hc_net_socket a;
	long n = 0;
	do {
		a = (struct ukvm_hc_net_socket){.domain = 2 /* AF_INET */, .type = 2 /* DGRAM */};
		hc(UKVM_HC_NET_SOCKET, addr(&a));
	} while (a.ret > 0 && ++n < 100000);
	result("socket-flood", a.ret);
}

/* Handles never opened, and one closed twice. */
static void net_handles(void)
{
	static struct ukvm_hc_net_socket s;
	static struct ukvm_hc_net_handle h;
	static const int32_t bad[] = {0, -1, INT32_MIN, INT32_MAX, UKVM_NET_SOCKETS_MAX + 1, 2};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = (struct ukvm_hc_net_handle){.handle = bad[i]};
		hc(UKVM_HC_NET_FIONREAD, addr(&h));
		result("fionread", h.ret);
	}
	s = (struct ukvm_hc_net_socket){.domain = 2 /* AF_INET */, .type = 1 /* STREAM */};
	hc(UKVM_HC_NET_SOCKET, addr(&s));
	for (int i = 0; i < 2; i++) {
		h = (struct ukvm_hc_net_handle){.handle = (int32_t)s.ret};
		hc(UKVM_HC_NET_CLOSE, addr(&h));
		result("close", h.ret);
	}
}

/* ---- resource bounds (see reruns.c) -----------------------------------------
 * Every path of the VMM that could allocate for the guest, at its limit:
 * every file handle (twice), the block ring full 32 times, 4 MiB on each
 * console stream. Needs --dir HOST:/data (with a file f) and a disk. */
static void hammer(void)
{
	int fds[UKVM_FS_HANDLES_MAX + 1], files = 0;
	for (int round = 0; round < 2; round++) {
		int n = 0;
		while (n <= UKVM_FS_HANDLES_MAX && (fds[n] = open("/data/f", O_RDONLY)) >= 0)
			n++;
		files += n;
		while (n--)
			close(fds[n]);
	}
	blk_ring_setup();
	for (int round = 0; round < 32; round++) {
		for (uint32_t i = 0; i < SLOTS; i++)
			put_req(prod, UKVM_BLK_OP_READ, i % DISK_SECTORS, 512, addr(blkbuf[i])),
			    publish(++prod);
		kick();
		wait_all(1UL << 30);
	}
	static char buf[1 << 16];
	memset(buf, 'h', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(1, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    write(2, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			exit(1);
	printf("\nhammer: %d files, %u requests OK\n", files, statuses[0]);
}

#define WAY(name, fn)                                                                              \
	{                                                                                          \
		name, fn                                                                           \
	}
static const struct {
	const char *name;
	void (*fn)(void);
} ways[] = {
    WAY("writev-fd-0", writev_fd_0),
    WAY("writev-fd-3", writev_fd_3),
    WAY("writev-fd-max", writev_fd_max),
    WAY("writev-iovcnt-1025", writev_cnt_1025),
    WAY("writev-iovcnt-max", writev_cnt_max),
    WAY("writev-iov-page0", writev_iov_page0),
    WAY("writev-iov-low", writev_iov_low),
    WAY("writev-iov-end", writev_iov_end),
    WAY("writev-iov-straddle", writev_iov_straddle),
    WAY("writev-iov-self", writev_iov_self),
    WAY("writev-buf-page0", writev_buf_page0),
    WAY("writev-buf-low", writev_buf_low),
    WAY("writev-buf-end", writev_buf_end),
    WAY("writev-buf-straddle", writev_buf_straddle),
    WAY("writev-buf-overflow", writev_buf_overflow),
    WAY("writev-buf-second-bad", writev_buf_second_bad),
    WAY("writev-empty-wild", writev_empty_wild),
    WAY("writev-1024-iovecs", writev_1024_iovecs),
    WAY("read-fd-1", read_fd_1),
    WAY("read-fd-max", read_fd_max),
    WAY("read-buf-page0", read_buf_page0),
    WAY("read-buf-low", read_buf_low),
    WAY("read-buf-end", read_buf_end),
    WAY("read-buf-straddle", read_buf_straddle),
    WAY("read-buf-overflow", read_buf_overflow),
    WAY("read-len-0-wild", read_len_0_wild),
    WAY("read-into-self", read_into_self),
    WAY("exit-256", exit_256),
    WAY("exit-max", exit_max),
    WAY("nosys-huge-nr", nosys_huge_nr),
    WAY("nosys-wild-rip", nosys_wild_rip),
    WAY("crash-kind-0", crash_kind_0),
    WAY("crash-kind-max", crash_kind_max),
    WAY("crash-exception-32", crash_exception_32),
    WAY("crash-exception-max", crash_exception_max),
    WAY("crash-exception-9", crash_exception_9),
    WAY("crash-signal-0", crash_signal_0),
    WAY("crash-signal-65", crash_signal_65),
    WAY("crash-signal-9", crash_signal_9),
    WAY("crash-signal-15", crash_signal_15),
    WAY("crash-interrupt-max", crash_interrupt_max),
    WAY("crash-wild-registers", crash_wild_registers),
    WAY("crash-rbp-loop", crash_rbp_loop),
    WAY("crash-rbp-end", crash_rbp_end),
    WAY("crash-rbp-low", crash_rbp_low),
    WAY("port-out8-0x80", port_out8_0x80),
    WAY("port-in8-0x80", port_in8_0x80),
    WAY("port-out32-0x3f8", port_out32_0x3f8),
    WAY("port-in32-hc", port_in32_hc),
    WAY("port-out16-hc", port_out16_hc),
    WAY("port-hc-last", port_hc_last),
    WAY("port-hc-above", port_hc_above),
    WAY("port-hc-below", port_hc_below),
    WAY("port-pci-config", port_pci_config),
    WAY("port-out8-0xffff", port_out8_0xffff),
    WAY("port-out32-0", port_out32_0),
    WAY("msr-read-bogus", msr_read_bogus),
    WAY("msr-write-bogus", msr_write_bogus),
    WAY("msr-write-efer-0", msr_write_efer_0),
    WAY("msr-write-lstar-0", msr_write_lstar_0),
    WAY("int-0", int_0),
    WAY("int-1", int_1),
    WAY("int-2", int_2),
    WAY("int-3", int_3),
    WAY("int-4", int_4),
    WAY("int-6", int_6),
    WAY("int-8", int_8),
    WAY("int-13", int_13),
    WAY("int-14", int_14),
    WAY("int-18", int_18),
    WAY("int-32", int_32),
    WAY("int-128", int_128),
    WAY("int-255", int_255),
    WAY("cr3-zero", cr3_zero),
    WAY("cr0-no-paging", cr0_no_paging),
    WAY("bad-segment", bad_segment),
    WAY("write-boot-info", write_boot_info),
    WAY("write-page-table", write_page_table),
    WAY("jump-zero", jump_zero),
    WAY("jump-beyond", jump_beyond),
    WAY("exec-stack", exec_stack),
    WAY("spin", spin),
    WAY("spin-cli", spin_cli),
    WAY("sleep-forever", sleep_forever),
    WAY("mmap-huge", mmap_huge),
    WAY("mmap-fixed-text", mmap_fixed_text),
    WAY("mmap-fixed-low", mmap_fixed_low),
    WAY("munmap-text", munmap_text),
    WAY("mprotect-text", mprotect_text),
    WAY("brk-huge", brk_huge),
    WAY("eat-memory", eat_memory),
    WAY("flood-stdout", flood_stdout),
    WAY("flood-stderr", flood_stderr),
    WAY("flood-both", flood_both),
    WAY("blk-toctou-desc", blk_toctou_desc),
    WAY("blk-toctou-index", blk_toctou_index),
    WAY("blk-toctou-cpl-cons", blk_toctou_cpl_cons),
    WAY("blk-prod-backwards", blk_prod_backwards),
    WAY("blk-wrap", blk_wrap),
    WAY("blk-dup", blk_dup),
    WAY("blk-storm", blk_storm),
    WAY("blk-storm-idle", blk_storm_idle),
    WAY("blk-buf-ring", blk_buf_ring),
    WAY("fs-unlink-out", fs_unlink_out),
    WAY("fs-rmdir-out", fs_rmdir_out),
    WAY("fs-mkdir-out", fs_mkdir_out),
    WAY("fs-create-out", fs_create_out),
    WAY("fs-trunc-via-link", fs_trunc_via_link),
    WAY("fs-open-via-abs", fs_open_via_abs),
    WAY("fs-open-absolute", fs_open_absolute),
    WAY("fs-rename-out", fs_rename_out),
    WAY("fs-rename-in", fs_rename_in),
    WAY("fs-exchange-out", fs_exchange_out),
    WAY("fs-rename-via-link", fs_rename_via_link),
    WAY("fs-link-out", fs_link_out),
    WAY("fs-unlink-root", fs_unlink_root),
    WAY("fs-rename-root", fs_rename_root),
    WAY("fs-chmod-via-link", fs_chmod_via_link),
    WAY("fs-chmod-out", fs_chmod_out),
    WAY("fs-utimens-via-abs", fs_utimens_via_abs),
    WAY("fs-open-nul", fs_open_nul),
    WAY("fs-open-too-long", fs_open_too_long),
    WAY("fs-mount-none", fs_mount_none),
    WAY("fs-symlink-out", fs_symlink_out),
    WAY("fs-handles", fs_handles),
    WAY("fs-path-end", fs_path_end),
    WAY("fs-readlink-low", fs_readlink_low),
    WAY("fs-stat-low", fs_stat_low),
    WAY("fs-statfs-out", fs_statfs_out),
    WAY("fs-statfs-low", fs_statfs_low),
    WAY("hammer", hammer),
    WAY("net-msg-iovcnt-max", net_msg_cnt_max),
    WAY("net-msg-iov-straddle", net_msg_iov_straddle),
    WAY("net-msg-buf-low", net_msg_buf_low),
    WAY("net-ev-low", net_ev_low),
    WAY("net-ev-straddle", net_ev_straddle),
    WAY("net-ev-twice", net_ev_twice),
    WAY("net-etc-straddle", net_etc_straddle),
    WAY("net-socket-flood", net_socket_flood),
    WAY("net-handles", net_handles),
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: attack WAY\n");
		return 2;
	}
	printf("attack: %s\n", argv[1]);
	fflush(stdout);
	if (arg_attack(argv[1]))
		return 0;
	way_now = argv[1];
	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
		if (!strcmp(argv[1], ways[i].name)) {
			ways[i].fn();
			return 0;
		}
	fprintf(stderr, "attack: no way '%s'\n", argv[1]);
	return 2;
}
