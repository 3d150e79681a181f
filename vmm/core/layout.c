/*
 * The guest memory map (docs/memory-map.md):
 *
 *   [0, 4K)                      unmapped: a NULL dereference faults
 *   [4K, UKVM_IMAGE_BASE)        the VMM's low area, read-only: page
 *                                tables, GDT, boot info
 *   image segments               their own permissions (R, R+X, RW)
 *   [heap_start, heap_end)       free RAM for libguest's allocator, RW NX
 *   [heap_end, +GUARD_SIZE)      unmapped: stack overflow guard
 *   [stack bottom, args_start)   main stack, RW NX
 *   [args_start, mem_size)       argv/envp strings and arrays, RW NX
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/vm.h"

#define PAGE UKVM_PAGE_SIZE
#define HUGE_2M (2ULL << 20)
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

static size_t strings_size(char *const v[], size_t *count)
{
	size_t n = 0, i;
	for (i = 0; v[i]; i++)
		n += strlen(v[i]) + 1;
	*count = i;
	return n;
}

void layout_small_pages(const struct layout *l, const struct gmem *m)
{
	gmem_small_pages(m, 0, ALIGN_UP(l->heap_start, HUGE_2M));
	gmem_small_pages(m, m->size - STACK_SIZE, m->size);
}

static void add_region(struct layout *l, uint64_t start, uint64_t end, uint32_t flags)
{
	l->regions[l->nregions++] = (struct region){start, end, flags};
}

int layout_plan(struct layout *l, const struct image *img, uint64_t mem_size, char *const argv[],
		char *const envp[], char *err, size_t errlen)
{
	size_t argc, envc;
	uint64_t args = strings_size(argv, &argc) + strings_size(envp, &envc);
	uint64_t image_end = ALIGN_UP(img->end, PAGE);

	memset(l, 0, sizeof(*l));
	args += (argc + envc + 2) * sizeof(uint64_t) + 16;
	if (args > ARGS_MAX)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "arguments and environment take %llu bytes; the limit is %llu",
				 (unsigned long long)args, (unsigned long long)ARGS_MAX);
	if (image_end + HEAP_MIN + GUARD_SIZE + STACK_SIZE > mem_size)
		return ukvm_fail(
		    err, errlen, EXIT_BAD_IMAGE,
		    "the image needs more memory than %llu MiB: it ends at %llu MiB, and "
		    "heap, guard and stack take %llu MiB more (raise --mem)",
		    (unsigned long long)(mem_size >> 20), (unsigned long long)(image_end >> 20),
		    (unsigned long long)((HEAP_MIN + GUARD_SIZE + STACK_SIZE) >> 20));

	l->mem_size = mem_size;
	l->entry = img->entry;
	l->args_start = (mem_size - args) & ~(uint64_t)15;
	l->stack_top = l->args_start & ~(uint64_t)15;
	l->stack_size = l->stack_top - (mem_size - STACK_SIZE);
	l->heap_start = image_end;
	l->heap_end = mem_size - STACK_SIZE - GUARD_SIZE;

	add_region(l, PAGE, LOW_SIGNALS, SEG_R);
	add_region(l, LOW_SIGNALS, LOW_SIGNALS + PAGE, SEG_R | SEG_W); /* signals from outside */
	add_region(l, LOW_SIGNALS + PAGE, UKVM_IMAGE_BASE, SEG_R);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		add_region(l, s->vaddr & ~(uint64_t)(PAGE - 1), ALIGN_UP(s->vaddr + s->memsz, PAGE),
			   s->flags & (SEG_R | SEG_W | SEG_X));
	}
	add_region(l, l->heap_start, l->heap_end, SEG_R | SEG_W);
	add_region(l, mem_size - STACK_SIZE, mem_size, SEG_R | SEG_W);
	return 0;
}

/* Copies strings to *top (growing down) and their addresses to arr. */
static void put_strings(struct vm *vm, char *const v[], uint64_t *cursor, uint64_t arr)
{
	size_t i;
	for (i = 0; v[i]; i++) {
		size_t n = strlen(v[i]) + 1;
		memcpy(gmem_host(&vm->mem, *cursor, n), v[i], n);
		memcpy(gmem_host(&vm->mem, arr + i * 8, 8), cursor, 8);
		*cursor += n;
	}
	memset(gmem_host(&vm->mem, arr + i * 8, 8), 0, 8);
}

static void get_winsize(int fd, struct ukvm_winsize *w)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		*w = (struct ukvm_winsize){ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel};
}

void layout_write(const struct layout *l, struct vm *vm, char *const argv[], char *const envp[],
		  uint32_t boot_flags)
{
	size_t argc, envc;
	strings_size(argv, &argc);
	strings_size(envp, &envc);

	uint64_t argv_arr = l->args_start;
	uint64_t envp_arr = argv_arr + (argc + 1) * 8;
	uint64_t cursor = envp_arr + (envc + 1) * 8;
	put_strings(vm, argv, &cursor, argv_arr);
	put_strings(vm, envp, &cursor, envp_arr);

	struct ukvm_boot_info bi = {
	    .abi_version = UKVM_ABI_VERSION,
	    .flags = boot_flags,
	    .mem_size = l->mem_size,
	    .heap_start = l->heap_start,
	    .heap_end = l->heap_end,
	    .stack_top = l->stack_top,
	    .stack_size = l->stack_size,
	    .argc = argc,
	    .argv = argv_arr,
	    .envc = envc,
	    .envp = envp_arr,
	};
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd)) {
			bi.stdio_tty |= 1u << fd;
			get_winsize(fd, &bi.winsize[fd]);
		}
	if (getentropy(bi.seed, sizeof(bi.seed)) != 0) {
		/* getentropy cannot fail for 32 bytes on Linux >= 3.17 */
		perror("getentropy");
	}
	memcpy(gmem_host(&vm->mem, LOW_BOOT_INFO, sizeof(bi)), &bi, sizeof(bi));
}
