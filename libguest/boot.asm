; libguest boot code: the ELF entry, the syscall entry and the trap stubs.
;
; Everything runs at CPL0 in one address space. The VMM starts the vCPU in
; long mode at _unikvm_start with RDI = boot info and interrupts off.

bits 64
default rel

extern kernel_main          ; void kernel_main(const struct ukvm_boot_info *)
extern syscall_dispatch     ; long syscall_dispatch(struct syscall_frame *)
extern trap_dispatch        ; void trap_dispatch(struct trap_frame *)

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
; the syscall stack before touching memory below RSP. Linux preserves every
; register but RAX, RCX and R11; the C side is built with
; -mgeneral-regs-only, so vector registers are never touched. Return is
; `jmp rcx`: `sysret` would drop to CPL3. RFLAGS is restored while still on
; the syscall stack, so nothing is pushed into the red zone.
;
; The frame built here is struct syscall_frame (kernel/syscall.h).
global syscall_entry
syscall_entry:
	mov [syscall_user_rsp], rsp
	lea rsp, [syscall_stack_top]
	push qword [syscall_user_rsp]
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
	mov rdi, rsp            ; 16 pushes: RSP stays 16-byte aligned
	call syscall_dispatch
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
	popfq                   ; the caller's RFLAGS (was R11)
	pop rcx
	mov r11, [rsp - 16]     ; Linux leaves RFLAGS in R11 too
	pop rsp
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
syscall_stack:
	resb 65536
syscall_stack_top:
syscall_user_rsp:
	resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
