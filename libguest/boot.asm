; libguest boot code: the ELF entry, the syscall entry and the trap stubs.
;
; Everything runs at CPL0 in one address space. The VMM starts the vCPU in
; long mode at _unikvm_start with RDI = boot info and interrupts off.

bits 64
default rel

extern kernel_main          ; void kernel_main(const struct ukvm_boot_info *)
extern syscall_dispatch     ; long syscall_dispatch(struct syscall_frame *)
extern trap_dispatch        ; int trap_dispatch(struct trap_frame *)
extern sched_preempt        ; void sched_preempt(struct trap_frame *)
extern cpu0                 ; struct cpu (kernel/sched.h)

CPU_USER_RSP equ 0          ; offsets in struct cpu
CPU_KSTACK_TOP equ 8
CPU_IN_KERNEL equ 16
TRAP_FRAME_QWORDS equ 22    ; struct trap_frame (kernel/trap.h)

section .text

global _unikvm_start
_unikvm_start:
	lea rsp, [boot_stack_top]
	xor ebp, ebp
	call kernel_main        ; does not return
	ud2

; void enter_program(uint64_t sp, void (*entry)(void))
; Switches to the main stack and jumps to musl's _start with the registers
; a Linux process starts with (rdx = 0: no rtld fini function).
global enter_program
enter_program:
	mov rsp, rdi
	mov rax, rsi
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor edi, edi
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	jmp rax

; The `syscall` instruction at CPL0 lands here (LSTAR) with RCX = return
; address, R11 = RFLAGS, interrupts off (FMASK) and RSP still on the
; caller's stack, whose 128-byte red zone may hold live data. So switch to
; the current thread's kernel stack (cpu0.kstack_top: kernel/sched.h)
; before touching memory below RSP. Linux preserves every register but
; RAX, RCX and R11; the C side is built with -mgeneral-regs-only, so vector
; registers are never touched. Return is `jmp rcx`: `sysret` would drop to
; CPL3. RFLAGS is restored while still on the kernel stack, so nothing is
; pushed into the red zone.
;
; Interrupts stay off on the whole kernel side (the scheduler switches
; threads only where it chooses to). A program with several threads runs
; with IF=1 (kernel/sched.h); its RFLAGS are then restored with IF off, and
; `sti` comes last, before `jmp rcx`: its one-instruction shadow lets the
; jump complete, so a pending interrupt lands in the program, never on
; this stack's last words. (Where the shadow is lost, as under QEMU's TCG,
; the interrupt lands on the jump, with every register and RSP already the
; program's and nothing left on the kernel stack: preempting it there is
; as safe as in the program itself.)
;
; The frame built here is struct syscall_frame (kernel/syscall.h). A new
; thread starts at syscall_return with a copy of its parent's frame.
global syscall_entry
syscall_entry:
	mov [cpu0 + CPU_USER_RSP], rsp
	mov rsp, [cpu0 + CPU_KSTACK_TOP]
	push qword [cpu0 + CPU_USER_RSP]
	push rcx                ; rip
	push r11                ; rflags
	push r15
	push r14
	push r13
	push r12
	push rbp
	push rbx
	push r9                 ; arg 6
	push r8                 ; arg 5
	push r10                ; arg 4
	push rdx                ; arg 3
	push rsi                ; arg 2
	push rdi                ; arg 1
	push rax                ; nr
	mov qword [cpu0 + CPU_IN_KERNEL], 1
	mov rdi, rsp            ; 16 pushes: RSP stays 16-byte aligned
	call syscall_dispatch
global syscall_return
syscall_return:
	add rsp, 8              ; nr: RAX now holds the result
	pop rdi
	pop rsi
	pop rdx
	pop r10
	pop r8
	pop r9
	pop rbx
	pop rbp
	pop r12
	pop r13
	pop r14
	pop r15
	mov qword [cpu0 + CPU_IN_KERNEL], 0
	bt qword [rsp], 9       ; IF in the RFLAGS to restore (flags are popped next)
	jc .interrupts_on
	popfq                   ; the caller's RFLAGS (was R11)
	pop rcx
	mov r11, [rsp - 16]     ; Linux leaves RFLAGS in R11 too
	pop rsp
	jmp rcx
.interrupts_on:
	mov r11, [rsp]          ; RFLAGS for R11, with IF
	btr qword [rsp], 9
	popfq                   ; ... but IF stays off until the sti
	pop rcx
	pop rsp
	sti
	jmp rcx

; Trap stubs: one per vector, every one on an IST stack (the IDT says
; which), so a fault never writes below an app's RSP. Each pushes a dummy
; error code where the CPU pushes none, then the vector number, and jumps
; to trap_common, which saves the general registers as struct trap_frame
; (kernel/trap.h) and calls trap_dispatch.
%macro TRAP_NOERR 1
trap_stub_%1:
	push 0
	push %1
	jmp trap_common
%endmacro
%macro TRAP_ERR 1
trap_stub_%1:
	push %1
	jmp trap_common
%endmacro

%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	TRAP_ERR %[v]
%else
	TRAP_NOERR %[v]
%endif
%assign v v + 1
%endrep

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp            ; 22 qwords on a 16-aligned IST: aligned
	call trap_dispatch
	test eax, eax
	jnz trap_preempt
trap_return:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

; void return_to_program(const struct trap_frame *f): back to the program
; with every register of f (rt_sigreturn: RAX, RCX and R11 too), by iretq.
global return_to_program
return_to_program:
	mov rsp, rdi
	mov qword [cpu0 + CPU_IN_KERNEL], 0
	jmp trap_return

; The timer interrupted program code and another thread is due, or the
; thread has a signal to take. The IST
; stack is the CPU's, not the thread's, so the frame moves to the top of
; the thread's own kernel stack (empty: the thread was in program code)
; before the switch; the thread resumes here later and returns to the
; program with iretq from that stack.
trap_preempt:
	mov rsi, rsp
	mov rdi, [cpu0 + CPU_KSTACK_TOP]
	sub rdi, TRAP_FRAME_QWORDS * 8
	mov rsp, rdi            ; 16-aligned: the top is, and 22 * 8 is
	mov ecx, TRAP_FRAME_QWORDS
	rep movsq
	mov qword [cpu0 + CPU_IN_KERNEL], 1
	mov rdi, rsp
	call sched_preempt
	mov qword [cpu0 + CPU_IN_KERNEL], 0
	jmp trap_return

section .rodata
align 8
global trap_stubs
trap_stubs:                 ; const uint64_t trap_stubs[256]
%assign v 0
%rep 256
	dq trap_stub_%[v]
%assign v v + 1
%endrep

section .bss
align 16
boot_stack:
	resb 16384
boot_stack_top:
syscall_stack:                  ; the main thread's kernel stack
	resb 65536
global syscall_stack_top
syscall_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
