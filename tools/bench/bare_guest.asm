; The baseline guest of the benchmarks (bare_vmm.c): 16-bit real-mode code
; loaded at guest-physical 0. With ECX = N it times N port writes, each one
; exit to the VMM, with the TSC, leaving the two readings at BARE_TSC_AT,
; then writes port BARE_PORT_DONE. Real mode keeps the baseline free of
; page tables and mode switches: what is left is the cost of an exit.
BARE_PORT_EXIT equ 0x10
BARE_PORT_DONE equ 0x11
BARE_TSC_AT equ 0x800

section .rodata
global bare_guest_start, bare_guest_end
bits 16
bare_guest_start:
	xor ax, ax
	mov ds, ax
	rdtsc
	mov [BARE_TSC_AT], eax
	mov [BARE_TSC_AT + 4], edx
.loop:
	out BARE_PORT_EXIT, al
	dec ecx
	jnz .loop
	rdtsc
	mov [BARE_TSC_AT + 8], eax
	mov [BARE_TSC_AT + 12], edx
	out BARE_PORT_DONE, al
	hlt
bare_guest_end:
section .note.GNU-stack noalloc noexec nowrite progbits
