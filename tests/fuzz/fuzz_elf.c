/*
 * Fuzz target: an image as the VMM reads it. image_parse() runs every
 * check image_open() does (ELF header, the unikvm note, each PT_LOAD
 * against the memory map and the file, W^X, the entry point, the symbol
 * table); an accepted image then goes through layout_plan() and the
 * symbol lookups crash reports use.
 */
#include <stddef.h>
#include <stdint.h>

#include "image/elf_image.h"
#include "core/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const argv[] = {"image", "an argument", NULL};
	static char *const envp[] = {"HOME=/", NULL};
	struct image img;
	struct layout l;
	char err[512];

	if (image_parse(&img, data, size, err, sizeof(err)))
		return 0;
	(void)layout_plan(&l, &img, 128ULL << 20, argv, envp, err, sizeof(err));
	for (unsigned i = 0; i < img.nseg; i++) {
		uint64_t off;
		(void)image_symbol(&img, img.seg[i].vaddr, &off);
		(void)image_symbol(&img, img.seg[i].vaddr + img.seg[i].memsz - 1, &off);
		(void)image_is_code(&img, img.seg[i].vaddr);
	}
	image_close(&img);
	return 0;
}
