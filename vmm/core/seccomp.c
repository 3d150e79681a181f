/*
 * The seccomp filters of the VMM's threads. Each allow list is the
 * smallest this code was found to need, with the glibc internals behind
 * its calls (static glibc 2.36: fstat is newfstatat, open is openat,
 * fchmodat with AT_SYMLINK_NOFOLLOW opens an O_PATH fd first, raise is
 * tgkill). docs/hardening.md explains every entry; keep it in step.
 *
 * The SIGSYS handler uses only async-signal-safe code: a table lookup for
 * the name, write(2) and exit_group.
 */
#include "core/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/device.h"
#include "core/vm.h"

/* The hidden test hook (tests/CMakeLists.txt, seccomp.*): when it names
 * the role of a thread ("vcpu", "disk0", ...), that thread makes a
 * forbidden call right after it is confined (violate_if_asked). */
#define TEST_VIOLATE_ENV "UKVM_TEST_SECCOMP_VIOLATE"

/* si_code of a SIGSYS from seccomp (<asm-generic/siginfo.h>; glibc's
 * headers lack it and clash with that one). */
#define SIGSYS_FROM_SECCOMP 1

/* What the calling thread is, for the report of a forbidden call. */
static _Thread_local char thread_role[32];

/* ---- the report of a forbidden call ------------------------------------- */

static size_t append(char *buf, size_t n, size_t size, const char *s)
{
	while (*s && n + 1 < size)
		buf[n++] = *s++;
	return n;
}

static size_t append_uint(char *buf, size_t n, size_t size, unsigned long v)
{
	char digits[24];
	size_t k = sizeof(digits) - 1;
	digits[k] = '\0';
	do
		digits[--k] = (char)('0' + v % 10);
	while ((v /= 10) && k > 0);
	return append(buf, n, size, digits + k);
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char line[320];
	size_t n = 0;

	(void)sig;
	(void)ctx;
	if (si->si_code != SIGSYS_FROM_SECCOMP)
		return; /* sent by kill(1), not a trapped call: ignored */
	unsigned long nr = (unsigned long)(unsigned)si->si_syscall;
	n = append(line, n, sizeof(line), "unikvm: seccomp: the ");
	n = append(line, n, sizeof(line), thread_role[0] ? thread_role : "unconfined");
	n = append(line, n, sizeof(line), " thread made system call ");
	n = append(line, n, sizeof(line), syscall_name(nr));
	n = append(line, n, sizeof(line), " (");
	n = append_uint(line, n, sizeof(line), nr);
	n = append(line, n, sizeof(line),
		   "), which its filter forbids: unikvm stops here "
		   "(a bug in unikvm, or an attack on it; see docs/hardening.md)\n");
	if (write(2, line, n) < 0) {
		/* nothing more to say */
	}
	/* The raw call: a sanitizer's _exit would run its leak check here. */
	syscall(SYS_exit_group, EXIT_SECCOMP);
}

/* ---- building a filter -------------------------------------------------- */

void seccomp_allow(struct seccomp_rules *r, const char *name, int nr, unsigned n,
		   const struct scmp_arg_cmp *cmp)
{
	int e = seccomp_rule_add_exact_array(r->ctx, SCMP_ACT_ALLOW, nr, n, cmp);
	if (e < 0 && !r->err) {
		r->err = e;
		r->bad = name;
	}
}

#ifdef UKVM_SANITIZED
/* The sanitized build (UKVM_SANITIZE) only: what the ASan and LSan
 * runtimes call on their own, found with --seccomp-log. Shadow and
 * allocator memory in every thread; the leak check at exit stops the world
 * with a clone of the main thread that ptrace()s the others and reads
 * /proc/self. A test build: this widens every filter (docs/hardening.md). */
static void sanitizer_rules(struct seccomp_rules *r)
{
	ALLOW(r, mmap);
	ALLOW(r, munmap);
	ALLOW(r, madvise);
	ALLOW(r, sigaltstack);
	ALLOW(r, rt_sigaction);
	ALLOW(r, prctl);
	ALLOW(r, clone);
	ALLOW(r, ptrace);
	ALLOW(r, wait4);
	ALLOW(r, getppid);
	ALLOW(r, sched_yield);
	ALLOW(r, open);
	ALLOW(r, read);
	ALLOW(r, lseek);
	ALLOW(r, getdents);
	ALLOW(r, exit);
	ALLOW(r, clock_gettime); /* the allocator's clock, where the vDSO cannot */
}
#endif

/* What every confined thread needs. */
static void allow_common(struct seccomp_rules *r)
{
	ALLOW(r, exit_group);	      /* the end of the process (and of a forbidden call) */
	ALLOW_IF(r, write, FD_IS(2)); /* reports on stderr (log.c, the SIGSYS handler) */
	ALLOW(r, rt_sigreturn);	      /* the end of a signal handler */
	ALLOW(r, restart_syscall);    /* a call resumed after SIGSTOP/SIGCONT */
	ALLOW(r, rt_sigprocmask);     /* glibc: around raise(), at the end of a thread */
	/* Locks (stdio's, pthread_join's, semaphores): wait and wake only, not
	 * requeue or PI, whatever the private and clock flags. */
	static const int futex_ops[] = {FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET,
					FUTEX_WAKE_BITSET};
	for (size_t i = 0; i < sizeof(futex_ops) / sizeof(futex_ops[0]); i++)
		ALLOW_IF(r, futex,
			 arg_masked_eq(1, (scmp_datum_t)FUTEX_CMD_MASK & 0xffffffffu,
				       (scmp_datum_t)futex_ops[i]));
	/* glibc returns a freed thread stack or malloc arena with
	 * MADV_DONTNEED, nothing else. */
	ALLOW_IF(r, madvise, arg_eq(2, MADV_DONTNEED));
#ifdef UKVM_SANITIZED
	sanitizer_rules(r);
#endif
}

/* Creates r for mode; false (err set) if libseccomp cannot. */
bool seccomp_rules_init(struct seccomp_rules *r, enum ukvm_seccomp mode)
{
	*r = (struct seccomp_rules){0};
	r->ctx = seccomp_init(mode == UKVM_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (!r->ctx) {
		r->err = -ENOMEM;
		r->bad = "seccomp_init";
		return false;
	}
	/* Another architecture's calls (int 0x80, x32) end the process at once. */
	int e = seccomp_attr_set(r->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree of syscall numbers, not a list checked in order: every
	 * call the thread makes runs the filter, KVM_RUN and the disks' pread
	 * included (docs/hardening.md, "Cost"). */
	if (e == 0)
		e = seccomp_attr_set(r->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (e < 0) {
		r->err = e;
		r->bad = "seccomp_attr_set";
		return false;
	}
	allow_common(r);
	return true;
}

/* The hidden test hook: a forbidden call from this thread if asked: a
 * socket for its role's name, a KVM ioctl it may not make for that name
 * with "-ioctl" (vCPU only: a read-only one, KVM_GET_SREGS). */
static void violate_if_asked(const char *hook_name, int vcpu_fd)
{
	const char *want = getenv(TEST_VIOLATE_ENV);
	size_t n = strlen(hook_name);
	struct kvm_sregs sregs;

	if (!want || strncmp(want, hook_name, n))
		return;
	if (!want[n]) /* with --seccomp-log each goes ahead; its result does not matter */
		(void)socket(AF_INET, SOCK_STREAM, 0);
	else if (!strcmp(want + n, "-ioctl") && vcpu_fd >= 0)
		(void)ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
}

/* Loads r's filter on the calling thread (SIGSYS unblocked and handled
 * first), frees r; role names the thread in reports. */
static int load(struct seccomp_rules *r, const char *role, const char *hook_name, int vcpu_fd,
		char *err, size_t errlen)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigset_t sys;

	sigfillset(&sa.sa_mask);
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	/* A trapped call's SIGSYS must reach the handler: a blocked one would
	 * kill the process with no report. */
	if (!r->err &&
	    (sigaction(SIGSYS, &sa, NULL) < 0 || pthread_sigmask(SIG_UNBLOCK, &sys, NULL) != 0)) {
		r->err = -errno;
		r->bad = "sigaction";
	}
	snprintf(thread_role, sizeof(thread_role), "%s", role);
	if (!r->err && (r->err = seccomp_load(r->ctx)) < 0)
		r->bad = "seccomp_load";
	if (r->ctx)
		seccomp_release(r->ctx);
	if (r->err)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "cannot confine the %s thread with seccomp (%s: %s); "
				 "--no-seccomp runs without it",
				 role, r->bad, strerror(-r->err));
	violate_if_asked(hook_name, vcpu_fd);
	return 0;
}

int seccomp_rules_load(struct seccomp_rules *r, const char *role, const char *hook_name, char *err,
		       size_t errlen)
{
	return load(r, role, hook_name, -1, err, errlen);
}

/* ---- the vCPU thread ---------------------------------------------------- */

/* The run loop, the watchdog, the end of the run (teardown in
 * commands/run.c, re-raising a stop signal). What the devices' hypercalls
 * need, each device adds (devices_seccomp_vcpu). */
static void allow_vcpu_core(struct seccomp_rules *r, const struct vm *vm)
{
	static const unsigned long vcpu_ioctls[] = {
	    KVM_RUN,	      /* the run loop */
	    KVM_GET_MP_STATE, /* the watchdog: halted with interrupts off? */
	    KVM_GET_REGS,     /* the watchdog, crash reports */
	};
	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++)
		ALLOW_IF(r, ioctl, FD_IS(vm->vcpu_fd), arg_eq(1, (scmp_datum_t)vcpu_ioctls[i]));
	/* the watchdog's wake-up interrupt */
	ALLOW_IF(r, ioctl, FD_IS(vm->fd), arg_eq(1, (scmp_datum_t)KVM_SIGNAL_MSI));
	ALLOW(r, clock_gettime); /* --timeout (if the vDSO cannot) */
	ALLOW(r, timer_delete);	 /* the watchdog timer, after the run */
	/* After the run: unmap guest RAM, close every fd. */
	ALLOW(r, close);
	ALLOW(r, munmap);
	/* malloc (stdio, libelf's teardown): never executable memory. */
	ALLOW(r, brk);
	ALLOW_IF(r, mmap, arg_masked_eq(2, PROT_EXEC, 0));
	ALLOW_IF(r, mprotect, arg_masked_eq(2, PROT_EXEC, 0));
	/* glibc's qsort asks sysinfo for the RAM size before it mallocs: the
	 * symbol table, sorted when the first crash report needs it. */
	ALLOW(r, sysinfo);
	/* The same: a guard against a mapped image truncated since it was
	 * opened (image_read_symbols). */
	ALLOW_IF(r, rt_sigaction, arg_eq(0, (scmp_datum_t)SIGBUS));
	/* Restore a stop signal's default action and raise it at itself
	 * (commands/run.c, core/run_loop.c), or the watchdog's signal's after
	 * the run. */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		ALLOW_IF(r, rt_sigaction, arg_eq(0, (scmp_datum_t)sigs[i]));
	ALLOW(r, getpid);
	ALLOW(r, gettid);
	ALLOW_IF(r, tgkill, arg_eq(0, (scmp_datum_t)getpid()), arg_eq(1, (scmp_datum_t)gettid()));
	if (vm->stats)
		ALLOW(r, mincore); /* guest RAM touched, for --stats */
}

int seccomp_confine_vcpu(const struct vm *vm, char *err, size_t errlen)
{
	struct seccomp_rules r;

	if (vm->seccomp == UKVM_SECCOMP_PROBE)
		return 0;
	if (vm->seccomp == UKVM_SECCOMP_OFF) {
		ukvm_err("warning: --no-seccomp: the VMM runs unconfined, with every system call "
			 "open to it (for debugging only)");
		return 0;
	}
	if (seccomp_rules_init(&r, vm->seccomp)) {
		allow_vcpu_core(&r, vm);
		devices_seccomp_vcpu(vm, &r);
	}
	return load(&r, "vCPU", "vcpu", vm->vcpu_fd, err, errlen);
}
