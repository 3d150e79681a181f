/*
 * Core files of crashed guests (`unikvm run --core FILE`), in the format of
 * a Linux process core, so that `gdb IMAGE FILE` shows where the guest
 * stopped: an ELF ET_CORE with one NT_PRSTATUS note (signal and
 * registers) and one PT_LOAD per mapped region of guest memory (guest
 * addresses are identity mapped, so vaddr = guest-physical). Pages that
 * are all zero are left as holes: a 128 MiB guest gives a sparse file.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#include "base/log.h"
#include "commands/options.h"
#include "core/device.h"
#include "core/vm.h"
#include "devices/crash.h"

#define PAGE UKVM_PAGE_SIZE
#define NOTE_NAME "CORE"

/* Packed: the descriptor follows the 4-byte-aligned name at offset 20,
 * where the compiler would pad an 8-byte-aligned struct to 24. */
struct __attribute__((packed)) prstatus_note {
	Elf64_Nhdr hdr;
	char name[8]; /* "CORE" and padding to 4 bytes */
	struct elf_prstatus st;
};

static void fill_regs(elf_gregset_t reg, const struct ukvm_cpu_state *s)
{
	struct user_regs_struct r = {
	    .r15 = s->r15,
	    .r14 = s->r14,
	    .r13 = s->r13,
	    .r12 = s->r12,
	    .rbp = s->rbp,
	    .rbx = s->rbx,
	    .r11 = s->r11,
	    .r10 = s->r10,
	    .r9 = s->r9,
	    .r8 = s->r8,
	    .rax = s->rax,
	    .rcx = s->rcx,
	    .rdx = s->rdx,
	    .rsi = s->rsi,
	    .rdi = s->rdi,
	    .orig_rax = (unsigned long long)-1,
	    .rip = s->rip,
	    .cs = 0x08,
	    .eflags = s->rflags,
	    .rsp = s->rsp,
	    .ss = 0x10,
	    .fs_base = s->fs_base,
	};
	_Static_assert(sizeof(r) == sizeof(elf_gregset_t), "gregset layout");
	memcpy(reg, &r, sizeof(r));
}

static int write_all_at(int fd, const void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (const char *)buf + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];
	return !memcmp(p, zero, PAGE);
}

int core_write(const struct vm *vm, const char *path, const struct ukvm_cpu_state *s, int sig)
{
	const struct layout *l = vm->layout;
	unsigned n = l->nregions;
	Elf64_Ehdr eh = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
			ELFOSABI_NONE},
	    .e_type = ET_CORE,
	    .e_machine = EM_X86_64,
	    .e_version = EV_CURRENT,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = (uint16_t)(n + 1),
	};
	Elf64_Phdr ph[REGION_MAX + 1];
	struct prstatus_note note = {
	    .hdr = {.n_namesz = sizeof(NOTE_NAME),
		    .n_descsz = sizeof(struct elf_prstatus),
		    .n_type = NT_PRSTATUS},
	    .name = NOTE_NAME,
	};
	off_t off = (off_t)(sizeof(eh) + (n + 1) * sizeof(Elf64_Phdr));
	int fd, r = -1;

	struct elf_prstatus st = {.pr_info.si_signo = sig, .pr_cursig = (short)sig, .pr_pid = 1};
	fill_regs(st.pr_reg, s);
	memcpy(&note.st, &st, sizeof(st)); /* built aligned, stored packed */
	ph[0] = (Elf64_Phdr){
	    .p_type = PT_NOTE, .p_offset = (uint64_t)off, .p_filesz = sizeof(note), .p_align = 4};
	off = (off_t)(((uint64_t)off + sizeof(note) + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	for (unsigned i = 0; i < n; i++) {
		const struct region *g = &l->regions[i];
		ph[i + 1] = (Elf64_Phdr){
		    .p_type = PT_LOAD,
		    .p_offset = (uint64_t)off,
		    .p_vaddr = g->start,
		    .p_filesz = g->end - g->start,
		    .p_memsz = g->end - g->start,
		    .p_align = PAGE,
		    .p_flags = (g->flags & SEG_R ? PF_R : 0) | (g->flags & SEG_W ? PF_W : 0) |
			       (g->flags & SEG_X ? PF_X : 0),
		};
		off += (off_t)(g->end - g->start);
	}

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		ukvm_perr("cannot write the core file %s", path);
		return -1;
	}
	if (write_all_at(fd, &eh, sizeof(eh), 0) ||
	    write_all_at(fd, ph, (n + 1) * sizeof(ph[0]), sizeof(eh)) ||
	    write_all_at(fd, &note, sizeof(note), (off_t)ph[0].p_offset))
		goto out;
	for (unsigned i = 0; i < n; i++) {
		const struct region *g = &l->regions[i];
		for (uint64_t a = g->start; a < g->end; a += PAGE) {
			const uint8_t *p = gmem_host(&vm->mem, a, PAGE);
			if (!page_is_zero(p) &&
			    write_all_at(fd, p, PAGE, (off_t)(ph[i + 1].p_offset + (a - g->start))))
				goto out;
		}
	}
	r = ftruncate(fd, off);
out:
	if (r < 0)
		ukvm_perr("cannot write the core file %s", path);
	else
		ukvm_err("core file written to %s (open it with: gdb IMAGE %s)", path, path);
	close(fd);
	return r;
}

static int core_dump_setup(struct vm *vm, const struct run_options *o, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	vm->core_path = o->core_path;
	return 0;
}

/* core_write(): open(path, exactly these flags), pwrite, ftruncate. */
static void core_dump_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	if (!vm->core_path)
		return;
	ALLOW_IF(r, openat, arg_eq(2, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC));
	ALLOW(r, pwrite64);
	ALLOW(r, ftruncate);
}

const struct device core_dump_device = {
    .name = "core dump",
    .usage = "      --core FILE       when the guest crashes, write a core file that\n"
	     "                        'gdb IMAGE FILE' opens\n",
    .setup = core_dump_setup,
    .seccomp_vcpu = core_dump_seccomp,
};
