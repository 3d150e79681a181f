/*
 * Threads as musl's pthread_create makes them: clone with the thread
 * flags, a stack musl mapped, TLS in FS_BASE, the tid stored for the
 * parent and cleared (with a futex wake) for pthread_join when the thread
 * exits. Anything that would be a new process (fork, vfork, posix_spawn's
 * clone) stays ENOSYS, as fork does.
 *
 * A thread's kernel side is one allocation from the page allocator: its
 * kernel stack, then its struct thread and XSAVE area above the stack top.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>

#include "kernel.h"
#include "cpu.h"
#include "sched.h"

#define CLONE_THREAD_REQUIRED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_THREAD_OPTIONAL                                                                      \
	(CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |               \
	 CLONE_CHILD_SETTID | CLONE_DETACHED | CSIGNAL)
#define TID_MAX 0x3fffffff /* FUTEX_TID_MASK */
#define ROBUST_LIST_HEAD_SIZE 24
#define ROBUST_LIST_LIMIT 2048 /* as Linux: a loop or a huge list ends there */
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u

static int last_tid = 1;

static int new_tid(void)
{
	do
		last_tid = last_tid >= TID_MAX ? 2 : last_tid + 1;
	while (sched_find(last_tid));
	return last_tid;
}

/* A thread's kernel stack, struct and extended-state area, or 0. */
static struct thread *thread_alloc(void)
{
	uint64_t meta = ALIGN_UP(sizeof(struct thread), 64) + sched_xstate_size;
	uint64_t size = THREAD_KSTACK_SIZE + ALIGN_UP(meta, UKVM_PAGE_SIZE);
	/* The stack needs no zeroing: nothing reads it before writing it. */
	long base = mm_alloc_kernel(size, THREAD_KSTACK_SIZE);

	if (base < 0)
		return 0;
	uint64_t top = (uint64_t)base + THREAD_KSTACK_SIZE;
	struct thread *t = (struct thread *)(uintptr_t)top; /* zeroed */
	t->region = (void *)(uintptr_t)base;
	t->region_size = size;
	t->kstack_top = top;
	t->xstate = (void *)(uintptr_t)(top + ALIGN_UP(sizeof(struct thread), 64));
	return t;
}

/* The first switch to t returns into thread_first_run with RSP at a copy
 * of the parent's syscall frame, on the new thread's stack sp. */
static void lay_out_first_run(struct thread *t, const struct syscall_frame *parent, uint64_t sp)
{
	struct syscall_frame *f = (struct syscall_frame *)(uintptr_t)(t->kstack_top - sizeof(*f));
	*f = *parent;
	f->rsp = sp;
	uint64_t *k = (uint64_t *)f;
	*--k = (uint64_t)(uintptr_t)thread_first_run;
	for (int i = 0; i < 6; i++) /* rbp rbx r12 r13 r14 r15 for context_switch */
		*--k = 0;
	t->ksp = (uint64_t)(uintptr_t)k;
}

long sys_clone(const struct syscall_frame *f)
{
	uint64_t flags = f->a1, sp = f->a2, ptid = f->a3, ctid = f->a4, tls = f->a5;
	struct thread *self = current_thread();

	if ((flags & CLONE_THREAD_REQUIRED) != CLONE_THREAD_REQUIRED)
		return -ENOSYS; /* a new process: there is only one */
	if (flags & ~(uint64_t)(CLONE_THREAD_REQUIRED | CLONE_THREAD_OPTIONAL))
		return -EINVAL; /* vfork, namespaces, pidfd, ...: not for threads */
	if ((flags & CLONE_SETTLS) && tls >> 47)
		return -EPERM; /* not canonical: as arch_prctl */
	if (!user_range_ok(sp - 8, 8) || sp < 8)
		return -EINVAL; /* musl pops the start argument from it at once */
	if (((flags & CLONE_PARENT_SETTID) && !user_range_ok(ptid, 4)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !user_range_ok(ctid, 4)))
		return -EFAULT;
	if (sched_thread_count() >= THREADS_MAX)
		return -EAGAIN;
	struct thread *t = thread_alloc();
	if (!t)
		return -ENOMEM; /* musl's pthread_create returns EAGAIN */

	t->tid = new_tid();
	t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
	t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0;
	t->sigmask = self->sigmask;
	sched_save_xstate(t->xstate); /* the parent's x87/SSE/AVX state, as Linux copies it */
	lay_out_first_run(t, f, sp);
	if (flags & CLONE_PARENT_SETTID)
		*(volatile uint32_t *)(uintptr_t)ptid = (uint32_t)t->tid;
	if (flags & CLONE_CHILD_SETTID)
		*(volatile uint32_t *)(uintptr_t)ctid = (uint32_t)t->tid;
	sched_start(t);
	return t->tid;
}

/* What Linux does for a thread that dies holding robust futexes: each
 * lock word it owns gets FUTEX_OWNER_DIED and one waiter is woken. musl
 * walks the list itself in pthread_exit, so this matters only for a list
 * left behind by other code. Every pointer is the program's: checked. */
static void robust_list_release(const struct thread *t)
{
	uint64_t head = t->robust_list;
	if (!head || !user_range_ok(head, ROBUST_LIST_HEAD_SIZE))
		return;
	const int64_t offset = *(const int64_t *)(uintptr_t)(head + 8);
	uint64_t entry = *(const uint64_t *)(uintptr_t)head;
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		if (!user_range_ok(entry & ~1ull, 8))
			return;
		uint64_t lock = (entry & ~1ull) + (uint64_t)offset;
		if (lock % 4 || !user_range_ok(lock, 4))
			return;
		volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)lock;
		if ((*w & TID_MAX) == (uint32_t)t->tid) {
			*w = (*w & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
			futex_wake(lock, ~0u, 1);
		}
		entry = *(const uint64_t *)(uintptr_t)(entry & ~1ull);
	}
}

static int leader_status = -1; /* the main thread's exit status, once it has exited */

long sys_exit(const struct syscall_frame *f)
{
	struct thread *self = current_thread();
	int status = (int)(f->a1 & 0xff);

	if (sched_thread_count() ==
	    1) /* the last one: the process ends, with the leader's status */
		guest_exit(leader_status >= 0 ? leader_status : status);
	if (self->tid == 1)
		leader_status = status;
	robust_list_release(self);
	signal_thread_exit(self);
	if (self->clear_child_tid && user_range_ok(self->clear_child_tid, 4)) {
		*(volatile uint32_t *)(uintptr_t)self->clear_child_tid = 0;
		futex_wake(self->clear_child_tid, ~0u, 1);
	}
	sched_exit_current();
}

long sys_exit_group(const struct syscall_frame *f)
{
	guest_exit((int)f->a1); /* every thread ends with the VM */
}

long sys_set_tid_address(const struct syscall_frame *f)
{
	struct thread *self = current_thread();
	self->clear_child_tid = f->a1;
	return self->tid;
}

long sys_gettid(const struct syscall_frame *f)
{
	(void)f;
	return current_thread()->tid;
}

long sys_set_robust_list(const struct syscall_frame *f)
{
	if (f->a2 != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	current_thread()->robust_list = f->a1;
	current_thread()->robust_len = f->a2;
	return 0;
}

long sys_get_robust_list(const struct syscall_frame *f)
{
	int tid = (int)f->a1;
	struct thread *t = tid ? sched_find(tid) : current_thread();

	if (!t)
		return -ESRCH;
	if (!user_range_ok(f->a2, 8) || !user_range_ok(f->a3, 8))
		return -EFAULT;
	*(uint64_t *)(uintptr_t)f->a2 = t->robust_list;
	*(uint64_t *)(uintptr_t)f->a3 = ROBUST_LIST_HEAD_SIZE;
	return 0;
}

long sys_sched_yield(const struct syscall_frame *f)
{
	(void)f;
	sched_yield_cpu();
	return 0;
}

/* membarrier(2): with one vCPU every thread already sees this thread's
 * stores once it runs (a switch is a full barrier), so each command is
 * done on return. With several vCPUs, the expedited ones would IPI. */
#define MEMBARRIER_SUPPORTED 0x7f /* GLOBAL .. REGISTER_PRIVATE_EXPEDITED_SYNC_CORE */
#define MEMBARRIER_PRIVATE_EXPEDITED 8
#define MEMBARRIER_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MEMBARRIER_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64

long sys_membarrier(const struct syscall_frame *f)
{
	static unsigned registered;
	uint64_t cmd = f->a1;

	if (f->a2)
		return -EINVAL;
	if (cmd == 0)
		return MEMBARRIER_SUPPORTED;
	if (cmd & (cmd - 1) || !(cmd & MEMBARRIER_SUPPORTED))
		return -EINVAL;
	if (cmd == MEMBARRIER_REGISTER_PRIVATE_EXPEDITED ||
	    cmd == MEMBARRIER_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)
		registered |= (unsigned)cmd;
	if ((cmd == MEMBARRIER_PRIVATE_EXPEDITED &&
	     !(registered & MEMBARRIER_REGISTER_PRIVATE_EXPEDITED)) ||
	    (cmd == MEMBARRIER_PRIVATE_EXPEDITED_SYNC_CORE &&
	     !(registered & MEMBARRIER_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)))
		return -EPERM;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}
