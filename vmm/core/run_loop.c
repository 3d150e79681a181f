/*
 * The run loop. Besides serving exits, it notices a vCPU that halted with
 * interrupts off: musl's a_crash() (abort's last resort, the stack
 * protector, malloc's corruption checks) is a bare `hlt`, and with the
 * in-kernel irqchip such a vCPU sleeps inside KVM_RUN for ever. A timer
 * signal interrupts KVM_RUN every WATCHDOG_MS; then the loop asks KVM
 * whether the vCPU is halted with IF=0 and reports a crash if so (with
 * IF=1, libguest finds musl's hlt itself when the next interrupt, at the
 * latest the wake-up backstop below, lands past it). The same
 * tick enforces --timeout, asks each device whether one of its threads
 * found the guest at fault (a corrupt disk ring) and lets each device do
 * its own watchdog work (the block device re-raises lost interrupts). An
 * idle guest thus costs a few wakeups a second. The run loop never names
 * a device: I/O ports go to the device that owns them (core/device.h).
 *
 * Signals from outside (UKVM_OUTSIDE_SIGNALS: SIGHUP, SIGINT, SIGQUIT,
 * SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH; unless unikvm was started with one
 * of them ignored, as nohup and background jobs of a shell are: then it
 * stays ignored, as for any command). The handler records the signal and
 * sets kvm_run.immediate_exit, so a KVM_RUN entered after the signal
 * returns at once too. The loop then looks at the guest's caught mask
 * (struct ukvm_signals at LOW_SIGNALS): a signal the guest catches or
 * ignores goes to it (its pending bit, then UKVM_SIGNAL_VECTOR by MSI) and
 * the run goes on; any other ends the run, and main() re-raises it after
 * cleaning up (SIGWINCH, ignored by default, is then dropped). The
 * watchdog's SIGUSR1 comes from a timer (SI_TIMER): only another SIGUSR1
 * counts as one from outside.
 *
 * The vCPU thread confines itself with seccomp (seccomp_filter.c) after setup,
 * just before the first KVM_RUN; what runs after the loop (teardown, the
 * re-raised signal) runs confined too.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/crash.h"

#define WATCHDOG_FIRST_MS 50
#define WATCHDOG_MS 250
#define RFLAGS_IF (1ULL << 9)
#define WAKE_TICKS 2 /* a halted vCPU is woken every 2 ticks (500 ms) */
#define KICK_SIGNAL SIGUSR1

static volatile sig_atomic_t stop_signal;
static _Atomic uint32_t host_pending; /* outside signals not yet looked at */
static struct kvm_run *volatile running;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == KICK_SIGNAL && si->si_code == SI_TIMER)
		return; /* the watchdog: only here to make KVM_RUN and blocking calls return EINTR
			 */
	struct kvm_run *r = running;
	atomic_fetch_or(&host_pending, 1u << sig);
	if (r)
		r->immediate_exit = 1;
}

static int install(int sig)
{
	struct sigaction sa = {.sa_sigaction = on_signal,
			       .sa_flags = SA_SIGINFO}; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static int start_watchdog(timer_t *t)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = KICK_SIGNAL};
	struct itimerspec its = {
	    .it_interval = {0, WATCHDOG_MS * 1000000L},
	    .it_value = {0, WATCHDOG_FIRST_MS * 1000000L},
	};
	if (install(KICK_SIGNAL) < 0 || timer_create(CLOCK_MONOTONIC, &sev, t) < 0)
		return -1;
	return timer_settime(*t, 0, &its, NULL);
}

/* Takes the outside signals that came: those the guest catches go to it,
 * the first other one (but SIGWINCH) becomes the stop signal. */
static void take_host_signals(struct vm *vm)
{
	/* The handler sets host_pending before immediate_exit: with none
	 * pending, a signal that comes after this look makes KVM_RUN return at
	 * once, and the next look takes it. */
	if (!atomic_load_explicit(&host_pending, memory_order_relaxed))
		return;
	if (!stop_signal && running)
		running->immediate_exit = 0; /* before the exchange: a later signal sets it again */
	uint32_t sigs = atomic_exchange(&host_pending, 0);
	if (!sigs)
		return;
	struct ukvm_signals *shared = gmem_host(&vm->mem, LOW_SIGNALS, sizeof(*shared));
	uint32_t caught = __atomic_load_n(&shared->caught, __ATOMIC_ACQUIRE) & UKVM_OUTSIDE_SIGNALS;
	uint32_t to_guest = sigs & caught;
	if (to_guest) {
		__atomic_fetch_or(&shared->pending, to_guest, __ATOMIC_SEQ_CST);
		struct kvm_msi msi = {.address_lo = UKVM_MSI_ADDR_APIC0,
				      .data = UKVM_SIGNAL_VECTOR};
		if (ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) < 0)
			ukvm_perr("KVM_SIGNAL_MSI (an outside signal to the guest)");
	}
	uint32_t stop = sigs & ~caught & ~(1u << SIGWINCH);
	if (stop && !stop_signal) {
		stop_signal = __builtin_ctz(stop);
		if (running)
			running->immediate_exit = 1;
	}
}

int vm_stop_signal(void)
{
	return stop_signal;
}

void vm_stop(struct vm *vm, int status)
{
	if (!vm->done) {
		vm->done = true;
		vm->status = status;
	}
}

void vm_fault(struct vm *vm, int status)
{
	int none = 0;
	atomic_compare_exchange_strong(&vm->thread_fault, &none, status);
}

/* Sends the wake-up interrupt (UKVM_WAKE_VECTOR, an MSI to the one LAPIC):
 * the guest EOIs it and looks again at what it waits for. */
static void wake_vcpu(struct vm *vm)
{
	struct kvm_msi msi = {.address_lo = UKVM_MSI_ADDR_APIC0, .data = UKVM_WAKE_VECTOR};
	if (ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) > 0)
		vm->wakeups++;
}

/* On each watchdog tick: a vCPU halted with interrupts off is a crash; one
 * halted with interrupts on for WAKE_TICKS ticks in a row gets the wake-up
 * interrupt, a backstop for an interrupt that was lost (a nested KVM can
 * lose a timer interrupt or the `sti; hlt` shadow): a guest that was
 * rightly asleep goes back to sleep, one that missed its wake-up goes on. */
static void check_halted(struct vm *vm)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;

	if (ioctl(vm->vcpu_fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED) {
		vm->halted_ticks = 0;
		return;
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0)
		return;
	if (!(r.rflags & RFLAGS_IF)) {
		report_halted(vm, &r);
		return;
	}
	if (++vm->halted_ticks >= WAKE_TICKS) {
		vm->halted_ticks = 0;
		wake_vcpu(vm);
	}
}

static void handle_io(struct vm *vm)
{
	const struct kvm_run *run = vm->run;
	uint16_t port = run->io.port;

	/* Hypercalls, most of the exits, first. */
	if ((unsigned)(port - UKVM_HC_PORT_BASE) >= UKVM_HC_PORT_COUNT) {
		const struct device *d = devices_port_owner(port);
		if (d) {
			d->port_exit(vm, run);
			return;
		}
		guest_error(vm, EXIT_BAD_HYPERCALL,
			    "%s of I/O port 0x%x, which unikvm does not serve",
			    run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read", port);
		return;
	}
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1) {
		guest_error(
		    vm, EXIT_BAD_HYPERCALL,
		    "malformed hypercall on port 0x%x (%s, %u bytes x %u): a hypercall is one "
		    "32-bit OUT",
		    port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size,
		    run->io.count);
		return;
	}
	uint32_t value;
	memcpy(&value, (const char *)run + run->io.data_offset, sizeof(value));
	hypercall_dispatch(vm, port - UKVM_HC_PORT_BASE, value);
}

static void handle_exit(struct vm *vm)
{
	const struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vm);
		break;
	case KVM_EXIT_SHUTDOWN:
		report_triple_fault(vm);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		report_internal_error(vm);
		break;
	case KVM_EXIT_MMIO:
		guest_error(vm, EXIT_FAULT, "%s of %u bytes at 0x%llx, outside guest RAM",
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ukvm_err("KVM could not enter the guest (hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vm_stop(vm, EXIT_HOST_ERROR);
		break;
	default:
		ukvm_err("unexpected KVM exit reason %u", run->exit_reason);
		vm_stop(vm, EXIT_HOST_ERROR);
		break;
	}
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t deadline_ms;

bool vm_check_stop(struct vm *vm)
{
	int status;

	if (vm->done)
		return true;
	take_host_signals(vm);
	if (stop_signal)
		vm_stop(vm, EXIT_SIGNAL_BASE + stop_signal);
	else if ((status = atomic_load_explicit(&vm->thread_fault, memory_order_acquire)))
		vm_stop(vm, status); /* reported by the device thread */
	else if (deadline_ms && now_ms() >= deadline_ms) {
		ukvm_err("guest timed out after %.3g s", (double)vm->timeout_ms / 1000);
		vm_stop(vm, EXIT_TIMEOUT);
	}
	return vm->done;
}

int vm_run(struct vm *vm)
{
	timer_t timer;

	deadline_ms = vm->timeout_ms ? now_ms() + vm->timeout_ms : 0;
	for (int sig = 1; sig < 32; sig++) {
		struct sigaction old;
		if (!(UKVM_OUTSIDE_SIGNALS & (1u << sig)) || sig == KICK_SIGNAL)
			continue; /* SIGUSR1: with the watchdog below */
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		if (install(sig) < 0) {
			ukvm_perr("sigaction");
			return EXIT_HOST_ERROR;
		}
	}
	if (start_watchdog(&timer) < 0) {
		ukvm_perr("cannot start the watchdog timer");
		return EXIT_HOST_ERROR;
	}
	/* Setup is over: from here on, only what the run and its end need. */
	char err[512];
	if (seccomp_confine_vcpu(vm, err, sizeof(err))) {
		ukvm_err("%s", err);
		timer_delete(timer);
		return EXIT_HOST_ERROR;
	}
	running = vm->run;
	if (atomic_load(&host_pending))
		vm->run->immediate_exit = 1; /* it came before `running` was set */
	while (!vm_check_stop(vm)) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				ukvm_perr("KVM_RUN");
				vm_stop(vm, EXIT_HOST_ERROR);
				break;
			}
			check_halted(vm);
			devices_tick(vm);
			continue;
		}
		vm->exits++;
		handle_exit(vm);
	}
	running = NULL;
	timer_delete(timer);
	signal(KICK_SIGNAL, SIG_DFL);
	return vm->status;
}
