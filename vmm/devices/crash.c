/*
 * Reports of a guest that died: what happened, RIP with its symbol, the
 * faulting address of a page fault, the registers and a backtrace, on
 * stderr; the exit status a shell user expects of a crashed program
 * (128 + the signal Linux would have sent).
 *
 * The backtrace follows the frame-pointer chain (unikvm-cc builds with
 * -fno-omit-frame-pointer); musl's own functions have none, so where the
 * chain breaks at once the stack is scanned for return addresses (marked
 * as found on the stack). Every frame is read through gmem.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/crash.h"

#define BACKTRACE_MAX 32
#define INSN_MAX 15
#define STACK_SCAN_WORDS 2048
#define RESET_RIP 0xfff0 /* where an x86 CPU starts after a reset */

static const struct {
	const char *mnemonic, *name;
	int sig;
} exceptions[32] = {
    [0] = {"#DE", "divide error", SIGFPE},
    [1] = {"#DB", "debug exception", SIGTRAP},
    [2] = {"NMI", "non-maskable interrupt", SIGSEGV},
    [3] = {"#BP", "breakpoint", SIGTRAP},
    [4] = {"#OF", "overflow", SIGSEGV},
    [5] = {"#BR", "bound range exceeded", SIGSEGV},
    [6] = {"#UD", "invalid opcode", SIGILL},
    [7] = {"#NM", "device not available", SIGFPE},
    [8] = {"#DF", "double fault", SIGSEGV},
    [10] = {"#TS", "invalid TSS", SIGSEGV},
    [11] = {"#NP", "segment not present", SIGBUS},
    [12] = {"#SS", "stack-segment fault", SIGBUS},
    [13] = {"#GP", "general protection fault", SIGSEGV},
    [14] = {"#PF", "page fault", SIGSEGV},
    [16] = {"#MF", "x87 floating-point error", SIGFPE},
    [17] = {"#AC", "alignment check", SIGBUS},
    [18] = {"#MC", "machine check", SIGBUS},
    [19] = {"#XM", "SIMD floating-point exception", SIGFPE},
    [20] = {"#VE", "virtualization exception", SIGSEGV},
    [21] = {"#CP", "control protection exception", SIGSEGV},
};

/* "0x1234 <main+0x10>"; the symbol is looked up at addr - bias (1 for a
 * return address, which may point past the end of a function whose last
 * instruction is a call to a noreturn function). */
static const char *describe(const struct vm *vm, uint64_t addr, uint64_t bias, char *buf,
			    size_t len)
{
	uint64_t off = 0;
	const struct symbol *s = vm->img ? image_symbol(vm->img, addr - bias, &off) : NULL;
	if (s)
		snprintf(buf, len, "0x%" PRIx64 " <%s+0x%" PRIx64 ">", addr, s->name, off + bias);
	else
		snprintf(buf, len, "0x%" PRIx64, addr);
	return buf;
}

const char *describe_addr(const struct vm *vm, uint64_t addr, char *buf, size_t len)
{
	return describe(vm, addr, 0, buf, len);
}

static void print_registers(const struct ukvm_cpu_state *s)
{
	fprintf(stderr,
		"unikvm:   rax %016" PRIx64 "  rbx %016" PRIx64 "  rcx %016" PRIx64
		"  rdx %016" PRIx64 "\n"
		"unikvm:   rsi %016" PRIx64 "  rdi %016" PRIx64 "  rbp %016" PRIx64
		"  rsp %016" PRIx64 "\n"
		"unikvm:   r8  %016" PRIx64 "  r9  %016" PRIx64 "  r10 %016" PRIx64
		"  r11 %016" PRIx64 "\n"
		"unikvm:   r12 %016" PRIx64 "  r13 %016" PRIx64 "  r14 %016" PRIx64
		"  r15 %016" PRIx64 "\n"
		"unikvm:   rip %016" PRIx64 "  rflags %08" PRIx64 "  fs_base %016" PRIx64 "\n",
		s->rax, s->rbx, s->rcx, s->rdx, s->rsi, s->rdi, s->rbp, s->rsp, s->r8, s->r9,
		s->r10, s->r11, s->r12, s->r13, s->r14, s->r15, s->rip, s->rflags, s->fs_base);
}

/* Prints frames [first, last] that all returned to addr, as one line if
 * there are several (deep recursion); `mark` flags frames found by stack
 * scanning. */
static void print_frames(const struct vm *vm, int first, int last, uint64_t addr, const char *mark)
{
	char where[256];
	describe(vm, addr, first > 0, where, sizeof(where));
	if (first == last)
		fprintf(stderr, "unikvm:   #%-2d %s%s\n", first, where, mark);
	else
		fprintf(stderr, "unikvm:   #%d-#%d %s (%d times)%s\n", first, last, where,
			last - first + 1, mark);
}

static bool is_code(const struct vm *vm, uint64_t addr)
{
	return vm->img && image_is_code(vm->img, addr);
}

/* Whether addr follows a call instruction: a `call rel32` into code, or
 * an indirect `call` (opcode ff /2) of 2 to 7 bytes. This is what a return
 * address on the stack looks like. */
static bool after_call(const struct vm *vm, uint64_t addr)
{
	uint8_t insn[7];
	int32_t rel;
	if (!is_code(vm, addr) || gmem_read(&vm->mem, addr - 7, insn, 7) < 0)
		return false;
	if (insn[2] == 0xe8) {
		memcpy(&rel, insn + 3, 4);
		if (is_code(vm, addr + (uint64_t)(int64_t)rel))
			return true;
	}
	for (int len = 2; len <= 7; len++)
		if (insn[7 - len] == 0xff && (insn[8 - len] >> 3 & 7) == 2)
			return true;
	return false;
}

/* The caller of a function stopped on its first instruction (before
 * `push rbp`) or its second (after it): its return address is on top of
 * the stack, and RBP is still the caller's frame. 0 otherwise. */
static uint64_t caller_before_frame(const struct vm *vm, const struct ukvm_cpu_state *s)
{
	uint64_t off, ret;
	uint8_t first;
	const struct symbol *sym = vm->img ? image_symbol(vm->img, s->rip, &off) : NULL;

	if (!sym || off > 1 || gmem_read(&vm->mem, sym->addr, &first, 1) < 0 ||
	    (off == 1 && first != 0x55 /* push rbp */))
		return 0;
	if (gmem_read(&vm->mem, s->rsp + 8 * off, &ret, 8) < 0 || !is_code(vm, ret))
		return 0;
	return ret;
}

/* The frame-pointer chain (unikvm-cc keeps frame pointers). musl's own
 * functions have none: where the chain breaks at once, the stack is
 * scanned for return addresses instead, and those frames are marked. */
static void print_backtrace(const struct vm *vm, const struct ukvm_cpu_state *s)
{
	uint64_t fp = s->rbp, frame[2], prev = s->rip, ret;
	int depth = 1, first = 0;

	fprintf(stderr, "unikvm: backtrace:\n");
	if ((ret = caller_before_frame(vm, s))) {
		print_frames(vm, 0, 0, prev, "");
		first = depth++;
		prev = ret;
	}
	for (; depth < BACKTRACE_MAX; depth++) {
		/* Stop where the chain leaves the stack or the return address
		 * leaves the code. */
		if (fp % 8 || gmem_read(&vm->mem, fp, frame, sizeof(frame)) < 0 ||
		    !is_code(vm, frame[1]))
			break;
		if (frame[1] != prev) {
			print_frames(vm, first, depth - 1, prev, "");
			first = depth;
			prev = frame[1];
		}
		if (frame[0] <= fp) {
			depth++; /* this frame counts; its caller's is not on the stack */
			break;
		}
		fp = frame[0];
	}
	print_frames(vm, first, depth - 1 < first ? first : depth - 1, prev, "");
	if (depth > 1)
		return;
	for (uint64_t sp = s->rsp, n = 0; n < STACK_SCAN_WORDS && depth < BACKTRACE_MAX;
	     n++, sp += 8)
		if (gmem_read(&vm->mem, sp, &ret, 8) == 0 && after_call(vm, ret))
			print_frames(vm, depth, depth, ret, " (found on the stack)"), depth++;
}

static void print_state(const struct vm *vm, const struct ukvm_cpu_state *s)
{
	print_registers(s);
	print_backtrace(vm, s);
}

/* Ends the run of a crashed guest: core file if asked for, status. */
static void crash_end(struct vm *vm, const struct ukvm_cpu_state *s, int sig)
{
	if (vm->core_path && vm->layout)
		core_write(vm, vm->core_path, s, sig);
	vm_stop(vm, EXIT_SIGNAL_BASE + sig);
}

static void report_exception(struct vm *vm, uint32_t vector, const struct ukvm_cpu_state *s)
{
	char where[256];
	int sig = vector < 32 && exceptions[vector].name ? exceptions[vector].sig : SIGSEGV;
	const char *name =
	    vector < 32 && exceptions[vector].name ? exceptions[vector].name : "reserved exception";
	const char *mn =
	    vector < 32 && exceptions[vector].name ? exceptions[vector].mnemonic : "#??";

	ukvm_err("guest crashed: %s (%s, vector %u) at %s", name, mn, vector,
		 describe_addr(vm, s->rip, where, sizeof(where)));
	if (vector == 14)
		ukvm_err("  %s of address 0x%" PRIx64 " (%s page)%s",
			 s->error_code & 2    ? "write"
			 : s->error_code & 16 ? "instruction fetch"
					      : "read",
			 s->cr2, s->error_code & 1 ? "protected" : "unmapped",
			 s->cr2 < UKVM_PAGE_SIZE ? ": NULL pointer dereference" : "");
	else if (s->error_code)
		ukvm_err("  error code 0x%" PRIx64, s->error_code);
	print_state(vm, s);
	crash_end(vm, s, sig);
}

static int signal_dumps_core(int sig)
{
	switch (sig) {
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGQUIT:
	case SIGSEGV:
	case SIGSYS:
	case SIGTRAP:
	case SIGXCPU:
	case SIGXFSZ:
		return 1;
	}
	return 0;
}

/* musl's a_crash(): a hlt at s->rip, found by the watchdog (the vCPU
 * halted there) or by libguest (an interrupt woke it there). */
static void report_program_hlt(struct vm *vm, struct ukvm_cpu_state *s, const char *how)
{
	char where[256];
	ukvm_err("guest crashed: the C library stopped the program (hlt %s, as musl's abort, stack "
		 "protector and malloc checks do) at %s",
		 how, describe_addr(vm, s->rip, where, sizeof(where)));
	print_state(vm, s);
	crash_end(vm, s, SIGABRT);
}

void hc_crash(struct vm *vm, uint64_t gpa, struct ukvm_hc_crash *arg)
{
	struct ukvm_hc_crash a = *arg;
	char where[256];

	(void)gpa;
	switch (a.kind) {
	case UKVM_CRASH_EXCEPTION:
		if (a.info >= 32)
			break;
		report_exception(vm, a.info, &a.state);
		return;
	case UKVM_CRASH_SIGNAL:
		if (a.info < 1 || a.info > 64)
			break;
		if (signal_dumps_core((int)a.info)) {
			ukvm_err("guest %s (signal %u, %s) at %s",
				 a.info == SIGABRT ? "aborted" : "killed itself", a.info,
				 strsignal((int)a.info),
				 describe_addr(vm, a.state.rip, where, sizeof(where)));
			print_state(vm, &a.state);
			crash_end(vm, &a.state, (int)a.info);
		}
		vm_stop(vm, EXIT_SIGNAL_BASE + (int)(a.info & 0x7f));
		return;
	case UKVM_CRASH_HALT:
		if (a.info)
			break;
		report_program_hlt(vm, &a.state, "in program code");
		return;
	case UKVM_CRASH_INTERRUPT:
		ukvm_err("guest crashed: unexpected interrupt, vector %u, at %s", a.info,
			 describe_addr(vm, a.state.rip, where, sizeof(where)));
		print_state(vm, &a.state);
		crash_end(vm, &a.state, SIGSEGV);
		return;
	}
	guest_error(vm, EXIT_BAD_HYPERCALL, "crash hypercall: unknown kind %u / info %u", a.kind,
		    a.info);
}

static void state_from_kvm(const struct kvm_regs *r, struct ukvm_cpu_state *s)
{
	*s = (struct ukvm_cpu_state){
	    .rax = r->rax,
	    .rbx = r->rbx,
	    .rcx = r->rcx,
	    .rdx = r->rdx,
	    .rsi = r->rsi,
	    .rdi = r->rdi,
	    .rbp = r->rbp,
	    .rsp = r->rsp,
	    .r8 = r->r8,
	    .r9 = r->r9,
	    .r10 = r->r10,
	    .r11 = r->r11,
	    .r12 = r->r12,
	    .r13 = r->r13,
	    .r14 = r->r14,
	    .r15 = r->r15,
	    .rip = r->rip,
	    .rflags = r->rflags,
	};
}

void report_halted(struct vm *vm, const struct kvm_regs *r)
{
	struct ukvm_cpu_state s;

	state_from_kvm(r, &s);
	s.rip = r->rip - 1; /* RIP is past the one-byte hlt */
	report_program_hlt(vm, &s, "with interrupts off");
}

void report_triple_fault(struct vm *vm)
{
	struct kvm_regs r;
	struct ukvm_cpu_state s;
	char where[256];

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || r.rip == RESET_RIP) {
		/* AMD's KVM resets the vCPU before it reports the shutdown. */
		ukvm_err("guest crashed: triple fault (CPU reset); the CPU state before the reset "
			 "is lost (an exception while the IDT or the IST stacks were unusable?)");
	} else {
		state_from_kvm(&r, &s);
		ukvm_err("guest crashed: triple fault (CPU reset), last RIP %s",
			 describe_addr(vm, r.rip, where, sizeof(where)));
		print_state(vm, &s);
	}
	vm_stop(vm, EXIT_FAULT);
}

static const char *internal_suberror(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failed";
	default:
		return "unknown";
	}
}

void report_internal_error(struct vm *vm)
{
	struct kvm_regs r;
	char where[256], bytes[3 * INSN_MAX + 1] = "unreadable";
	uint32_t sub = vm->run->internal.suberror;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0)
		memset(&r, 0, sizeof(r));
	const uint8_t *insn = gmem_at(&vm->mem, r.rip, INSN_MAX);
	if (insn)
		for (int i = 0; i < INSN_MAX; i++)
			snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, "%02x%s", insn[i],
				 i + 1 < INSN_MAX ? " " : "");
	ukvm_err("KVM could not run the guest: internal error, suberror %u (%s), at %s", sub,
		 internal_suberror(sub), describe_addr(vm, r.rip, where, sizeof(where)));
	ukvm_err("  instruction bytes: %s", bytes);
	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		ukvm_err(
		    "hint: this /dev/kvm is a software KVM (kvm_pvm) that emulates ring-0 code "
		    "and cannot run SSE there; run under tools/kvm-run, which uses the sandbox");
	else
		ukvm_err("hint: a software or nested KVM may not emulate this instruction; "
			 "'unikvm probe' tells whether this /dev/kvm can run unikernels");
	vm_stop(vm, EXIT_HOST_ERROR);
}

/* The name of each UKVM_WAIT_* in a deadlock report; 0 for a value the
 * guest made up. unit.hypercall checks that every value below
 * UKVM_WAIT_COUNT has one. */
static const char *deadlock_wait_name(uint32_t what)
{
	static const char *const names[] = {
	    [UKVM_WAIT_OTHER] = "not waiting",
	    [UKVM_WAIT_FUTEX] = "futex wait",
	    [UKVM_WAIT_SIGNAL] = "signal wait",
	    [UKVM_WAIT_SLEEP] = "sleep",
	    [UKVM_WAIT_IO] = "file wait (pipe, eventfd, timerfd or socket)",
	    [UKVM_WAIT_POLL] = "poll, select or epoll wait",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == UKVM_WAIT_COUNT, "a wait has no name");
	return what < UKVM_WAIT_COUNT ? names[what] : 0;
}

/* Every thread of the guest is blocked and nothing can wake one (no timed
 * wait, no device): the guest lists them, the report names each one's
 * wait and where its program is, and the run ends instead of hanging. */
void hc_deadlock(struct vm *vm, uint64_t gpa, struct ukvm_hc_deadlock *arg)
{
	struct ukvm_hc_deadlock a = *arg;
	struct ukvm_thread_wait w[UKVM_DEADLOCK_MAX];
	char where[256];

	(void)gpa;
	if (a.count > UKVM_DEADLOCK_MAX || a.count > a.total) {
		guest_error(vm, EXIT_BAD_HYPERCALL,
			    "deadlock hypercall: %u threads listed of %u (at most %u)", a.count,
			    a.total, UKVM_DEADLOCK_MAX);
		return;
	}
	if (a.count) {
		const void *list =
		    hc_buf(vm, UKVM_HC_DEADLOCK, "thread list", a.threads, a.count * sizeof(w[0]));
		if (!list)
			return;
		memcpy(w, list, a.count * sizeof(w[0])); /* the guest may change it meanwhile */
	}
	ukvm_err("guest deadlock: all %u thread%s blocked and nothing can wake %s", a.total,
		 a.total == 1 ? " is" : "s are", a.total == 1 ? "it" : "them");
	for (uint32_t i = 0; i < a.count; i++) {
		const char *name = deadlock_wait_name(w[i].what);
		char on[48] = "";
		if (w[i].addr && (w[i].what == UKVM_WAIT_FUTEX || w[i].what == UKVM_WAIT_IO ||
				  w[i].what == UKVM_WAIT_POLL))
			snprintf(on, sizeof(on), " on 0x%" PRIx64, w[i].addr);
		if (name)
			ukvm_err("  thread %u: %s%s, from %s", w[i].tid, name, on,
				 describe_addr(vm, w[i].rip, where, sizeof(where)));
		else
			ukvm_err("  thread %u: unknown wait %u, from %s", w[i].tid, w[i].what,
				 describe_addr(vm, w[i].rip, where, sizeof(where)));
		struct ukvm_cpu_state s = {.rip = w[i].rip, .rsp = w[i].rsp, .rbp = w[i].rbp};
		print_backtrace(vm, &s);
	}
	if (a.count < a.total)
		ukvm_err("  (and %u more)", a.total - a.count);
	vm_stop(vm, EXIT_DEADLOCK);
}

static const struct hc_row hypercalls[] = {HC_ROW(crash), HC_ROW(deadlock)};

const struct device crash_device = {
    .name = "crash report",
    DEVICE_HYPERCALLS(hypercalls),
};
