/*
 * Signals: rt_sigaction handlers run, on the frame Linux builds for them
 * (struct rt_sigframe: musl's restorer address, a ucontext, a siginfo,
 * the XSAVE state), with per-thread masks and queues, SA_SIGINFO,
 * SA_RESTART, SA_ONSTACK with sigaltstack, SA_RESETHAND, SA_NODEFER, and
 * rt_sigreturn restoring every register (docs/architecture.md, "Signals").
 *
 * A signal is delivered when its thread goes back to program code: at the
 * end of a syscall (syscall_dispatch), or after an interrupt or a
 * preemption (trap_common). A thread blocked in a syscall is woken; the
 * syscall ends with an internal ERESTART code that becomes EINTR, or a
 * restart (RIP back onto the `syscall` instruction) under SA_RESTART, as
 * Linux decides. A signal whose action is the default "terminate" ends
 * the VM at once (128 + the signal, with a crash report for the core-
 * dumping ones), as Linux ends the whole thread group.
 *
 * Signals of faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL from an exception)
 * are not delivered: a fault is a crash report, handler or not.
 */
#include <errno.h>
#include <signal.h>

#include "kernel.h"
#include "cpu.h"
#include "ksignal.h"
#include "sched.h"

#define SIG_DFL_V 0
#define SIG_IGN_V 1
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SIGRT_FIRST 32
#define RFLAGS_CF_TO_AC 0x40dd5ull /* CF PF AF ZF SF TF DF OF AC: what sigreturn may set */
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_FIXED 0x2ull
#define REDZONE 128
#define NODES 512
#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define SS_ONSTACK_V 1
#define SS_DISABLE_V 2
#define SS_AUTODISARM_V (1u << 31)

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

/* The x86-64 sigcontext: the program's registers in a ucontext. */
struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct ksigcontext) == 256, "sigcontext size");

struct kstack_t {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

struct kucontext {
	uint64_t flags, link;
	struct kstack_t stack;
	struct ksigcontext mcontext;
	uint64_t sigmask;
};
_Static_assert(sizeof(struct kucontext) == 304, "ucontext size");

struct rt_sigframe {
	uint64_t pretcode; /* sa_restorer: the handler returns there */
	struct kucontext uc;
	struct ksiginfo info;
};
_Static_assert(sizeof(struct rt_sigframe) == 440, "sigframe size");

static struct ksigaction actions[KSIG_MAX + 1]; /* one process: shared by all threads */
static struct sigpending process_pending;
static struct signode nodes[NODES], *free_nodes;
static int nodes_ready;
/* The extended state a handler starts with: x87 and SSE defaults. */
static uint8_t init_xstate[4096] __attribute__((aligned(64)));

static int bad_signal(uint64_t sig)
{
	return sig < 1 || sig > KSIG_MAX;
}

static int default_ignores(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH: /* ignore */
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU: /* no job control: nothing to stop */
		return 1;
	}
	return 0;
}

static int ignored(int sig)
{
	uint64_t h = actions[sig].handler;
	return h == SIG_IGN_V || (h == SIG_DFL_V && default_ignores(sig));
}

static int default_terminates(int sig)
{
	return actions[sig].handler == SIG_DFL_V && !default_ignores(sig);
}

/* ---- signals from outside (UKVM_SIGNALS_GPA, abi.h) --------------------- */

static volatile struct ukvm_signals *const outside =
    (volatile struct ukvm_signals *)(uintptr_t)UKVM_SIGNALS_GPA;
static uint32_t outside_handled; /* outside signals with a handler (not SIG_IGN) */

/* Tells the VMM which outside signals the guest catches or ignores: after
 * every change of an action. */
static void outside_update(void)
{
	uint32_t caught = 0, handled = 0;
	for (int sig = 1; sig < 32; sig++) {
		if (!(UKVM_OUTSIDE_SIGNALS & (1u << sig)) || actions[sig].handler == SIG_DFL_V)
			continue;
		caught |= 1u << sig;
		if (actions[sig].handler != SIG_IGN_V)
			handled |= 1u << sig;
	}
	outside_handled = handled;
	__atomic_store_n(&outside->caught, caught, __ATOMIC_RELEASE);
}

int signal_outside_handled(void)
{
	return outside_handled != 0;
}

void signal_outside_interrupt(void)
{
	uint32_t sigs = __atomic_exchange_n(&outside->pending, 0, __ATOMIC_SEQ_CST);
	sigs &= UKVM_OUTSIDE_SIGNALS;
	while (sigs) {
		int sig = __builtin_ctz(sigs);
		sigs &= sigs - 1;
		/* from another process: the host's, which the guest cannot name */
		struct ksiginfo info = {.signo = sig, .code = SI_USER};
		signal_send(0, &info);
	}
}

/* ---- queues ------------------------------------------------------------- */

static struct signode *node_alloc(void)
{
	if (!nodes_ready) {
		for (int i = 0; i < NODES; i++) {
			nodes[i].next = free_nodes;
			free_nodes = &nodes[i];
		}
		nodes_ready = 1;
	}
	struct signode *n = free_nodes;
	if (n)
		free_nodes = n->next;
	return n;
}

static void node_free(struct signode *n)
{
	n->next = free_nodes;
	free_nodes = n;
}

static int enqueue(struct sigpending *p, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (sig < SIGRT_FIRST && (p->mask & SIGBIT(sig)))
		return 0; /* a standard signal is pending once */
	struct signode *n = node_alloc();
	if (!n) {
		if (sig >= SIGRT_FIRST)
			return -EAGAIN;
		p->mask |= SIGBIT(sig); /* pending, its siginfo made up on delivery */
		return 0;
	}
	n->info = *info;
	n->next = 0;
	struct signode **tail = &p->head;
	while (*tail)
		tail = &(*tail)->next;
	*tail = n;
	p->mask |= SIGBIT(sig);
	return 0;
}

/* Takes the first queued sig of p into *info. */
static void dequeue(struct sigpending *p, int sig, struct ksiginfo *info)
{
	struct signode **pp = &p->head, *found = 0;
	int more = 0;
	while (*pp) {
		struct signode *n = *pp;
		if (n->info.signo == sig) {
			if (!found) {
				found = n;
				*pp = n->next;
				continue;
			}
			more = 1;
		}
		pp = &n->next;
	}
	if (found) {
		*info = found->info;
		node_free(found);
	} else {
		*info = (struct ksiginfo){.signo = sig, .code = SI_KERNEL};
	}
	if (!more)
		p->mask &= ~SIGBIT(sig);
	if (info->code == SI_TIMER)
		timers_delivered(info);
}

static void discard(struct sigpending *p, int sig)
{
	struct ksiginfo info;
	while (p->mask & SIGBIT(sig))
		dequeue(p, sig, &info);
}

void signal_thread_exit(struct thread *t)
{
	struct sigpending *p = &t->sig.pending;
	while (p->head) {
		struct signode *n = p->head;
		p->head = n->next;
		node_free(n);
	}
	p->mask = 0;
}

/* Signals t could take now: pending for it or the process, not blocked
 * (or waited for by rt_sigtimedwait). */
static uint64_t takeable(const struct thread *t)
{
	return (t->sig.pending.mask | process_pending.mask) & (~t->sigmask | t->sig.waiting);
}

int signal_pending(const struct thread *t)
{
	return takeable(t) != 0; /* (a 64-bit mask: never return it as an int) */
}

/* ---- sending ------------------------------------------------------------ */

NORETURN static void die(int sig)
{
	struct thread *t = current_thread();
	struct ukvm_cpu_state st = {0};
	if (cpu0.in_kernel && t->frame)
		frame_state(t->frame, &st); /* where the program made its syscall */
	guest_die_by_signal(sig, &st);
}

static int wants(const struct thread *t, int sig)
{
	return ((~t->sigmask | t->sig.waiting) & SIGBIT(sig)) != 0;
}

int signal_send(struct thread *t, const struct ksiginfo *info)
{
	int sig = info->signo, r;

	if (ignored(sig) && !(t && (t->sig.waiting & SIGBIT(sig))))
		return 0; /* discarded at once, as Linux does */
	if (sig == SIGABRT && default_terminates(sig) && (!t || t == current_thread()))
		die(sig); /* abort(): its report where it raised it, even while raise() blocks it */
	if (!t) {	  /* to the process: the current thread, else one that takes it */
		struct thread *c = current_thread();
		t = wants(c, sig) ? c : 0;
		for (struct thread *u = sched_first(); !t && u; u = u->all_next)
			if (wants(u, sig))
				t = u;
		if (sig == SIGKILL ||
		    (t && default_terminates(sig) && !(t->sig.waiting & SIGBIT(sig))))
			die(sig);
		if ((r = enqueue(&process_pending, info)))
			return r;
	} else {
		if (sig == SIGKILL ||
		    (wants(t, sig) && default_terminates(sig) && !(t->sig.waiting & SIGBIT(sig))))
			die(sig);
		if ((r = enqueue(&t->sig.pending, info)))
			return r;
	}
	if (t && t->state == THREAD_BLOCKED && wants(t, sig))
		sched_wake(t, -EINTR);
	return 0;
}

/* ---- delivery ----------------------------------------------------------- */

/* The next signal the current thread takes, with its action; 0 if none.
 * Ignored ones are dropped; a default "terminate" ends the VM. */
static int pick(struct thread *t, struct ksiginfo *info, struct ksigaction *act)
{
	for (;;) {
		uint64_t own = t->sig.pending.mask & ~t->sigmask;
		uint64_t shared = process_pending.mask & ~t->sigmask;
		if (!own && !shared)
			return 0;
		int sig = __builtin_ctzll(own ? own : shared) + 1;
		dequeue(own ? &t->sig.pending : &process_pending, sig, info);
		if (ignored(sig))
			continue;
		if (actions[sig].handler == SIG_DFL_V)
			die(sig);
		*act = actions[sig];
		if (act->flags & SA_RESETHAND) {
			actions[sig].handler = SIG_DFL_V;
			outside_update();
		}
		return sig;
	}
}

static int on_altstack(const struct thread *t, uint64_t sp)
{
	return t->sig.alt_size && sp > t->sig.alt_sp && sp - t->sig.alt_sp <= t->sig.alt_size;
}

static int use_xsave(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return (r[2] >> 27) & 1;
}

static void xsave_to(void *area)
{
	if (use_xsave())
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void xrstor_from(const void *area)
{
	if (use_xsave())
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

/* Builds the frame of signal sig on the program's stack (or the alternate
 * one) from the registers regs, and sets regs to enter the handler. */
static void setup_frame(struct thread *t, struct ksigcontext *regs, int sig,
			const struct ksiginfo *info, const struct ksigaction *act)
{
	uint64_t xsize = sched_xstate_size, sp = regs->rsp;
	int onstack = on_altstack(t, sp);

	if ((act->flags & SA_ONSTACK) && t->sig.alt_size && !t->sig.alt_disabled && !onstack)
		sp = t->sig.alt_sp + t->sig.alt_size;
	else
		sp -= REDZONE;
	uint64_t fp = (sp - xsize) & ~63ull;
	sp = ((fp - sizeof(struct rt_sigframe)) & ~15ull) - 8;
	if (sp > fp || !user_range_ok(sp, fp + xsize - sp))
		die(SIGSEGV); /* no room for the frame: as Linux's force_sigsegv */

	struct rt_sigframe *fr = (struct rt_sigframe *)(uintptr_t)sp;
	kmemset(fr, 0, sizeof(*fr));
	fr->pretcode = (act->flags & SA_RESTORER) ? act->restorer : 0;
	fr->uc.flags = (use_xsave() ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr->uc.stack =
	    (struct kstack_t){.sp = t->sig.alt_sp,
			      .flags = t->sig.alt_disabled || !t->sig.alt_size ? SS_DISABLE_V
				       : onstack			       ? SS_ONSTACK_V
									       : 0,
			      .size = t->sig.alt_size};
	fr->uc.mcontext = *regs;
	fr->uc.mcontext.cs = 0x08;
	fr->uc.mcontext.ss = 0x10;
	fr->uc.mcontext.oldmask = t->sigmask;
	fr->uc.mcontext.fpstate = fp;
	fr->uc.sigmask = t->sig.restore_mask ? t->sig.saved_mask : t->sigmask;
	t->sig.restore_mask = 0;
	fr->info = *info;
	kmemset((void *)(uintptr_t)fp, 0, 64 + 512); /* the legacy area and XSAVE header */
	xsave_to((void *)(uintptr_t)fp);
	uint32_t *sw = (uint32_t *)(uintptr_t)(fp + 464); /* fx_sw_bytes, as Linux fills them */
	sw[0] = FP_XSTATE_MAGIC1;
	sw[1] = (uint32_t)xsize + 4;
	if (use_xsave()) {
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		sw[2] = lo;
		sw[3] = hi;
		sw[4] = (uint32_t)xsize;
		if (fp + xsize + 4 <= (uint64_t)boot_info.mem_size)
			*(uint32_t *)(uintptr_t)(fp + xsize) = FP_XSTATE_MAGIC2;
	}
	xrstor_from(init_xstate); /* the handler starts with the default state */

	regs->rdi = (uint64_t)sig;
	regs->rsi = (uint64_t)(uintptr_t)&fr->info;
	regs->rdx = (uint64_t)(uintptr_t)&fr->uc;
	regs->rax = 0;
	regs->rsp = sp;
	regs->rip = act->handler;
	regs->eflags &= ~(RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
	t->sigmask |= act->mask;
	if (!(act->flags & SA_NODEFER))
		t->sigmask |= SIGBIT(sig);
	t->sigmask &= ~UNBLOCKABLE;
}

static int is_restart(long r)
{
	return r == -ERESTARTSYS || r == -ERESTARTNOHAND || r == -ERESTART_RESTARTBLOCK;
}

/* Delivers every signal the thread takes now, each handler's frame on top
 * of the last (so the last one taken runs first, as on Linux). r: the
 * syscall's result if regs come from one (0 otherwise). */
static void deliver(struct thread *t, struct ksigcontext *regs, long r, uint64_t nr)
{
	struct ksiginfo info;
	struct ksigaction act;
	int sig, handled = 0;

	while ((sig = pick(t, &info, &act))) {
		if (!handled && is_restart(r)) {
			if (r == -ERESTARTSYS && (act.flags & SA_RESTART)) {
				regs->rax = nr; /* back onto the syscall instruction */
				regs->rip -= 2;
			} else {
				regs->rax = (uint64_t)-EINTR;
			}
		}
		handled = 1;
		setup_frame(t, regs, sig, &info, &act);
	}
	if (!handled && is_restart(r)) {
		if (r == -ERESTART_RESTARTBLOCK) {
			regs->rax = (uint64_t)-EINTR;
		} else {
			regs->rax = nr; /* no handler ran: the syscall goes on */
			regs->rip -= 2;
		}
	}
	if (!handled && t->sig.restore_mask) { /* rt_sigsuspend without a handler */
		t->sigmask = t->sig.saved_mask;
		t->sig.restore_mask = 0;
	}
}

long signal_syscall_return(struct syscall_frame *f, long r)
{
	struct thread *t = current_thread();

	if (!is_restart(r) && !t->sig.restore_mask && !signal_pending(t))
		return r;
	struct ksigcontext regs = {
	    .r8 = f->a5,
	    .r9 = f->a6,
	    .r10 = f->a4,
	    .r11 = f->rflags,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	    .rdi = f->a1,
	    .rsi = f->a2,
	    .rbp = f->rbp,
	    .rbx = f->rbx,
	    .rdx = f->a3,
	    .rax = (uint64_t)r,
	    .rcx = f->rip,
	    .rsp = f->rsp,
	    .rip = f->rip,
	    .eflags = f->rflags,
	};
	deliver(t, &regs, r, f->nr);
	f->a1 = regs.rdi;
	f->a2 = regs.rsi;
	f->a3 = regs.rdx;
	f->a4 = regs.r10;
	f->a5 = regs.r8;
	f->a6 = regs.r9;
	f->rbx = regs.rbx;
	f->rbp = regs.rbp;
	f->r12 = regs.r12;
	f->r13 = regs.r13;
	f->r14 = regs.r14;
	f->r15 = regs.r15;
	f->rip = regs.rip;
	f->rsp = regs.rsp;
	f->rflags = regs.eflags;
	return (long)regs.rax;
}

static void regs_from_trap(const struct trap_frame *f, struct ksigcontext *r)
{
	*r = (struct ksigcontext){
	    .r8 = f->r8,
	    .r9 = f->r9,
	    .r10 = f->r10,
	    .r11 = f->r11,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	    .rdi = f->rdi,
	    .rsi = f->rsi,
	    .rbp = f->rbp,
	    .rbx = f->rbx,
	    .rdx = f->rdx,
	    .rax = f->rax,
	    .rcx = f->rcx,
	    .rsp = f->rsp,
	    .rip = f->rip,
	    .eflags = f->rflags,
	};
}

static void regs_to_trap(const struct ksigcontext *r, struct trap_frame *f)
{
	f->r8 = r->r8;
	f->r9 = r->r9;
	f->r10 = r->r10;
	f->r11 = r->r11;
	f->r12 = r->r12;
	f->r13 = r->r13;
	f->r14 = r->r14;
	f->r15 = r->r15;
	f->rdi = r->rdi;
	f->rsi = r->rsi;
	f->rbp = r->rbp;
	f->rbx = r->rbx;
	f->rdx = r->rdx;
	f->rax = r->rax;
	f->rcx = r->rcx;
	f->rsp = r->rsp;
	f->rip = r->rip;
	f->rflags = r->eflags;
	f->cs = 0x08;
	f->ss = 0x10;
}

void signal_trap_return(struct trap_frame *f)
{
	struct thread *t = current_thread();
	if (!signal_pending(t))
		return;
	struct ksigcontext regs;
	regs_from_trap(f, &regs);
	deliver(t, &regs, 0, 0);
	regs_to_trap(&regs, f);
}

/* ---- the syscalls ------------------------------------------------------- */

long sys_rt_sigaction(const struct syscall_frame *f)
{
	uint64_t sig = f->a1, act = f->a2, old = f->a3;

	if (bad_signal(sig) || f->a4 != 8)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if ((act && !user_range_ok(act, sizeof(struct ksigaction))) ||
	    (old && !user_range_ok(old, sizeof(struct ksigaction))))
		return -EFAULT;
	struct ksigaction prev = actions[sig];
	if (act) {
		struct ksigaction a = *(const struct ksigaction *)(uintptr_t)act;
		a.mask &= ~UNBLOCKABLE;
		actions[sig] = a;
		outside_update();
		if (ignored((int)sig)) { /* POSIX: pending ones go */
			discard(&process_pending, (int)sig);
			for (struct thread *t = sched_first(); t; t = t->all_next)
				discard(&t->sig.pending, (int)sig);
		}
	}
	if (old)
		*(struct ksigaction *)(uintptr_t)old = prev;
	return 0;
}

long sys_rt_sigprocmask(const struct syscall_frame *f)
{
	uint64_t how = f->a1, set = f->a2, old = f->a3;
	uint64_t *mask = &current_thread()->sigmask;

	if (f->a4 != 8)
		return -EINVAL;
	if ((set && !user_range_ok(set, 8)) || (old && !user_range_ok(old, 8)))
		return -EFAULT;
	uint64_t prev = *mask;
	if (set) {
		uint64_t s = *(const uint64_t *)(uintptr_t)set;
		switch (how) {
		case SIG_BLOCK:
			*mask |= s;
			break;
		case SIG_UNBLOCK:
			*mask &= ~s;
			break;
		case SIG_SETMASK:
			*mask = s;
			break;
		default:
			return -EINVAL;
		}
		*mask &= ~UNBLOCKABLE;
	}
	if (old)
		*(uint64_t *)(uintptr_t)old = prev;
	return 0; /* signals it unblocked are delivered on the way out */
}

long sys_rt_sigpending(const struct syscall_frame *f)
{
	struct thread *t = current_thread();
	if (f->a2 > 8)
		return -EINVAL;
	if (!user_range_ok(f->a1, f->a2))
		return -EFAULT;
	uint64_t set = (t->sig.pending.mask | process_pending.mask) & t->sigmask;
	kmemcpy((void *)(uintptr_t)f->a1, &set, f->a2);
	return 0;
}

/* A trap frame that returns to the program at regs, in t's own storage. */
static struct trap_frame *trap_frame_of(struct thread *t, const struct ksigcontext *regs)
{
	struct trap_frame *tf = &t->return_frame;
	kmemset(tf, 0, sizeof(*tf));
	regs_to_trap(regs, tf);
	return tf;
}

static int canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

long sys_rt_sigreturn(const struct syscall_frame *f)
{
	struct thread *t = current_thread();
	uint64_t frame = f->rsp - 8; /* the handler's ret popped pretcode */

	if (!user_range_ok(frame, sizeof(struct rt_sigframe)))
		die(SIGSEGV);
	const struct kucontext *uc = &((const struct rt_sigframe *)(uintptr_t)frame)->uc;
	struct ksigcontext regs = uc->mcontext;
	if (!canonical(regs.rip) || !canonical(regs.rsp))
		die(SIGSEGV);
	regs.eflags =
	    (f->rflags & ~RFLAGS_CF_TO_AC) | (regs.eflags & RFLAGS_CF_TO_AC) | RFLAGS_FIXED;
	uint64_t fp = regs.fpstate;
	if (fp) {
		if (fp % 64 || !user_range_ok(fp, sched_xstate_size))
			die(SIGSEGV);
		const uint64_t *hdr = (const uint64_t *)(uintptr_t)(fp + 512);
		if (use_xsave()) { /* a header xrstor would fault on */
			uint32_t lo, hi;
			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			if ((hdr[0] & ~((uint64_t)hi << 32 | lo)) || hdr[1] ||
			    (hdr[2] | hdr[3] | hdr[4] | hdr[5] | hdr[6] | hdr[7]))
				die(SIGSEGV);
		}
		uint32_t mxcsr = *(const uint32_t *)(uintptr_t)(fp + 24);
		if (mxcsr & 0xffff0000u)
			die(SIGSEGV); /* reserved MXCSR bits: xrstor would fault */
		xrstor_from((const void *)(uintptr_t)fp);
	} else {
		xrstor_from(init_xstate);
	}
	t->sigmask = uc->sigmask & ~UNBLOCKABLE;
	struct kstack_t ss = uc->stack; /* restore_altstack: as sigaltstack would */
	if (!on_altstack(t, regs.rsp)) {
		t->sig.alt_disabled = (ss.flags & SS_DISABLE_V) != 0;
		if (!t->sig.alt_disabled && ss.size >= MINSIGSTKSZ) {
			t->sig.alt_sp = ss.sp;
			t->sig.alt_size = ss.size;
		}
	}
	deliver(t, &regs, 0, 0); /* signals the old mask blocked come now */
	struct trap_frame *tf = trap_frame_of(t, &regs);
	tf->rflags = sched_user_rflags(tf->rflags);
	return_to_program(tf); /* every register back, RAX and RCX too */
}

long sys_rt_sigsuspend(const struct syscall_frame *f)
{
	struct thread *t = current_thread();

	if (f->a2 != 8)
		return -EINVAL;
	if (!user_range_ok(f->a1, 8))
		return -EFAULT;
	t->sig.saved_mask = t->sigmask;
	t->sig.restore_mask = 1;
	t->sigmask = *(const uint64_t *)(uintptr_t)f->a1 & ~UNBLOCKABLE;
	while (!signal_pending(t))
		sched_block(WAIT_SIGNAL, 0, 0);
	return -ERESTARTNOHAND; /* EINTR once the handler ran */
}

long sys_pause(const struct syscall_frame *f)
{
	struct thread *t = current_thread();
	(void)f;
	while (!signal_pending(t))
		sched_block(WAIT_SIGNAL, 0, 0);
	return -ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(const struct syscall_frame *f)
{
	struct thread *t = current_thread();
	uint64_t deadline = 0, ns;
	struct ksiginfo info;

	if (f->a4 != 8)
		return -EINVAL;
	if (!user_range_ok(f->a1, 8) || (f->a2 && !user_range_ok(f->a2, sizeof(info))))
		return -EFAULT;
	uint64_t set = *(const uint64_t *)(uintptr_t)f->a1 & ~UNBLOCKABLE;
	if (f->a3) {
		int64_t r = read_timespec(f->a3, &ns);
		if (r)
			return r;
		deadline = tsc_after_ns(ns);
	}
	int r = 0;
	for (;;) {
		uint64_t own = t->sig.pending.mask & set, shared = process_pending.mask & set;
		if (own || shared) {
			int sig = __builtin_ctzll(own ? own : shared) + 1;
			dequeue(own ? &t->sig.pending : &process_pending, sig, &info);
			if (f->a2)
				*(struct ksiginfo *)(uintptr_t)f->a2 = info;
			return sig;
		}
		if (r == -ETIMEDOUT || (f->a3 && !ns))
			return -EAGAIN;
		if (r == -EINTR && signal_pending(t) && !(takeable(t) & set))
			return -EINTR; /* another signal, to be handled */
		t->sig.waiting = set;
		r = sched_block(WAIT_SIGNAL, 0, deadline);
		t->sig.waiting = 0;
	}
}

long sys_sigaltstack(const struct syscall_frame *f)
{
	struct thread *t = current_thread();
	uint64_t ss = f->a1, old = f->a2;
	int onstack = on_altstack(t, f->rsp);

	if ((ss && !user_range_ok(ss, sizeof(struct kstack_t))) ||
	    (old && !user_range_ok(old, sizeof(struct kstack_t))))
		return -EFAULT;
	struct kstack_t prev = {.sp = t->sig.alt_sp,
				.flags = onstack				   ? SS_ONSTACK_V
					 : t->sig.alt_disabled || !t->sig.alt_size ? SS_DISABLE_V
										   : 0,
				.size = t->sig.alt_size};
	if (ss) {
		struct kstack_t n = *(const struct kstack_t *)(uintptr_t)ss;
		uint32_t flags = (uint32_t)n.flags & ~SS_AUTODISARM_V;
		if (onstack)
			return -EPERM;
		if (flags != 0 && flags != SS_DISABLE_V)
			return -EINVAL;
		if (flags == SS_DISABLE_V) {
			t->sig.alt_disabled = 1;
			t->sig.alt_sp = t->sig.alt_size = 0;
		} else {
			if (n.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->sig.alt_disabled = 0;
			t->sig.alt_sp = n.sp;
			t->sig.alt_size = n.size;
		}
	}
	if (old)
		*(struct kstack_t *)(uintptr_t)old = prev;
	return 0;
}

static long send_checked(struct thread *t, uint64_t sig, int code)
{
	if (sig > KSIG_MAX)
		return -EINVAL;
	if (sig == 0)
		return 0;
	struct ksiginfo info = {.signo = (int)sig, .code = code};
	info.f.pid = 1;
	return signal_send(t, &info);
}

long sys_kill(const struct syscall_frame *f)
{
	int64_t pid = (int64_t)f->a1;
	if (pid != 1 && pid != 0 && pid != -1)
		return -ESRCH; /* one process */
	return send_checked(0, f->a2, SI_USER);
}

static struct thread *thread_arg(uint64_t tid, long *err)
{
	struct thread *t = 0;
	*err = (int64_t)tid <= 0				? -EINVAL
	       : tid > INT32_MAX || !(t = sched_find((int)tid)) ? -ESRCH
								: 0;
	return t;
}

long sys_tkill(const struct syscall_frame *f)
{
	long err;
	struct thread *t = thread_arg(f->a1, &err);
	return t ? send_checked(t, f->a2, SI_TKILL) : err;
}

long sys_tgkill(const struct syscall_frame *f)
{
	long err;
	if ((int64_t)f->a1 <= 0)
		return -EINVAL;
	struct thread *t = thread_arg(f->a2, &err);
	if (!t)
		return err;
	return f->a1 != 1 ? -ESRCH : send_checked(t, f->a3, SI_TKILL);
}

/* rt_sigqueueinfo and rt_tgsigqueueinfo: the siginfo is the program's own
 * (only to itself: there is no other process). */
static long queue_info(struct thread *t, uint64_t sig, uint64_t uinfo)
{
	if (bad_signal(sig))
		return -EINVAL;
	if (!user_range_ok(uinfo, sizeof(struct ksiginfo)))
		return -EFAULT;
	struct ksiginfo info = *(const struct ksiginfo *)(uintptr_t)uinfo;
	info.signo = (int)sig;
	return signal_send(t, &info);
}

long sys_rt_sigqueueinfo(const struct syscall_frame *f)
{
	if (f->a1 != 1)
		return -ESRCH;
	return queue_info(0, f->a2, f->a3);
}

long sys_rt_tgsigqueueinfo(const struct syscall_frame *f)
{
	long err;
	if (f->a1 != 1)
		return -ESRCH;
	struct thread *t = thread_arg(f->a2, &err);
	return t ? queue_info(t, f->a3, f->a4) : err;
}

void signal_init(void)
{
	/* x87 control word and MXCSR at their reset values, nothing else */
	*(uint16_t *)(void *)init_xstate = 0x37f;
	*(uint32_t *)(void *)(init_xstate + 24) = 0x1f80;
	*(uint32_t *)(void *)(init_xstate + 28) = 0xffff; /* MXCSR_MASK, ignored by xrstor */
}
