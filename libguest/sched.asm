; libguest thread switching (kernel/sched.c, docs/architecture.md "Threads").

bits 64
default rel

extern syscall_return       ; boot.asm: the way back from a syscall
extern thread_start_hook    ; void thread_start_hook(struct syscall_frame *)

section .text

; void context_switch(uint64_t *save_ksp, uint64_t new_ksp)
; The callee-saved registers go on this thread's kernel stack and its RSP
; into *save_ksp; the next thread's are taken from new_ksp, where it saved
; them the same way (or where thread_create laid out a first run). The
; extended state and FS_BASE are the caller's business (sched.c).
global context_switch
context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new thread's first switch returns here, with RSP at the copy of its
; parent's syscall frame; it leaves clone with RAX = 0, on its own stack.
global thread_first_run
thread_first_run:
	mov rdi, rsp
	call thread_start_hook
	xor eax, eax
	jmp syscall_return

; void cpu_idle_halt(void): `sti; hlt; cli`, the one place the CPU sleeps.
; sti's one-instruction shadow keeps an interrupt from landing before hlt;
; where the shadow is lost (seen under QEMU's TCG), trap_dispatch steps
; an interrupt taken at cpu_idle_hlt_insn over the hlt, so the wakeup it
; brings is never slept through.
global cpu_idle_halt
global cpu_idle_hlt_insn
cpu_idle_halt:
	sti
cpu_idle_hlt_insn:
	hlt
	cli
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
