/*
 * From the VMM's hand-off to musl's _start: CPU tables, syscall MSRs, the
 * page allocator, then the initial stack a Linux process starts with
 * (argc, argv, envp, auxv), which musl's crt1.o and __libc_start_main read.
 */
#include <elf.h>

#include "kernel.h"
#include "cpu.h"
#include "fd.h"
#include "syscall.h"
#include "sched.h"
#include "sock.h"

struct ukvm_boot_info boot_info;

extern const Elf64_Ehdr __ehdr_start; /* the linker script loads the headers */
extern char _start[];		      /* musl's crt1.o */
NORETURN void enter_program(uint64_t sp, void *entry);

/* The note the VMM reads before loading anything (ABI header). */
extern char __unikvm_min_mem[]; /* linker script; --defsym overrides it */
static const struct {
	Elf64_Nhdr hdr;
	char name[8];
	struct ukvm_note_image desc;
} __attribute__((packed)) image_note __attribute__((used, section(".note.unikvm"), aligned(4))) = {
    .hdr = {.n_namesz = sizeof(UKVM_NOTE_NAME),
	    .n_descsz = sizeof(struct ukvm_note_image),
	    .n_type = UKVM_NOTE_TYPE_IMAGE},
    .name = UKVM_NOTE_NAME,
    .desc = {.abi_version = UKVM_ABI_VERSION, .min_mem = (uint64_t)(uintptr_t)__unikvm_min_mem},
};

static uint64_t push_bytes(uint64_t sp, const void *src, size_t n)
{
	sp = (sp - n) & ~(uint64_t)15;
	kmemcpy((void *)(uintptr_t)sp, src, n);
	return sp;
}

static uint64_t build_initial_stack(void)
{
	static const char platform[] = "x86_64";
	const uint64_t *argv = (const uint64_t *)(uintptr_t)boot_info.argv;
	const uint64_t *envp = (const uint64_t *)(uintptr_t)boot_info.envp;
	uint64_t argc = boot_info.argc, envc = boot_info.envc;
	uint32_t id[4];
	uint64_t sp = boot_info.stack_top;

	uint64_t random = sp = push_bytes(sp, boot_info.seed, 16);
	uint64_t plat = sp = push_bytes(sp, platform, sizeof(platform));
	cpuid(1, 0, id);

	const uint64_t auxv[][2] = {
	    {AT_PHDR, (uint64_t)(uintptr_t)&__ehdr_start + __ehdr_start.e_phoff},
	    {AT_PHENT, sizeof(Elf64_Phdr)},
	    {AT_PHNUM, __ehdr_start.e_phnum},
	    {AT_PAGESZ, UKVM_PAGE_SIZE},
	    {AT_ENTRY, (uint64_t)(uintptr_t)_start},
	    {AT_HWCAP, id[3]},
	    {AT_CLKTCK, 100},
	    {AT_PLATFORM, plat},
	    {AT_RANDOM, random},
	    {AT_UID, 0},
	    {AT_EUID, 0},
	    {AT_GID, 0},
	    {AT_EGID, 0},
	    {AT_SECURE, 0},
	    {AT_EXECFN, argc ? argv[0] : 0},
	    {AT_NULL, 0},
	};
	uint64_t words = 1 + (argc + 1) + (envc + 1) + 2 * ARRAY_SIZE(auxv);
	sp = (sp - words * 8) & ~(uint64_t)15;

	uint64_t *w = (uint64_t *)(uintptr_t)sp;
	*w++ = argc;
	for (uint64_t i = 0; i < argc; i++)
		*w++ = argv[i];
	*w++ = 0;
	for (uint64_t i = 0; i < envc; i++)
		*w++ = envp[i];
	*w++ = 0;
	kmemcpy(w, auxv, sizeof(auxv));
	return sp;
}

void kernel_main(const struct ukvm_boot_info *bi)
{
	boot_info = *bi;
	time_init();
	trap_init();
	apic_init();
	syscall_init();
	mm_init();
	inet_init(); /* before fd_init: the console asks it how stdin waits */
	fd_init();
	sched_init();
	signal_init();
	files_init();
	enter_program(build_initial_stack(), _start);
}
