/*
 * `unikvm inspect [--json] FILE`: what a unikernel image (or a bundle made
 * by `unikvm pack`) is and needs, for a person or as JSON. The JSON is
 * written by hand (json_string below escapes per RFC 8259): a few dozen
 * lines, where a JSON library would be one more dependency that the static
 * VMM in every bundle carries.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "image/bundle.h"
#include "commands/commands.h"
#include "base/exit_status.h"
#include "base/log.h"
#include "core/vm.h"

static const char inspect_usage[] =
    "usage: unikvm inspect [--json] FILE\n"
    "\n"
    "Prints what FILE, a unikernel image or a bundle made by 'unikvm pack', is\n"
    "and needs: its guest ABI version, entry point, memory, devices and loadable\n"
    "segments (address, sizes, permissions); for a bundle also the packed run\n"
    "options and default arguments. --json prints one JSON object instead\n"
    "(fields in docs/toolchain.md).\n"
    "\n"
    "exit status: 0; 125 bad option; 126 FILE is not a unikernel (or a damaged\n"
    "bundle); 127 FILE cannot be opened.\n";

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate or beyond U+10FFFF */
	return len;
}

/* s as a JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 replaced with U+FFFD. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	putchar('"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
		} else if (c >= 0x80) {
			size_t len = utf8_len(s + i, n - i);
			if (len) {
				fwrite(s + i, 1, len, stdout);
				i += len;
				continue;
			}
			printf("\\ufffd");
		} else {
			putchar(c);
		}
		i++;
	}
	putchar('"');
}

static void json_strings(char **v, int n)
{
	putchar('[');
	for (int i = 0; i < n; i++) {
		if (i)
			printf(", ");
		json_string(v[i]);
	}
	putchar(']');
}

static const char *perms(uint32_t flags, char buf[4])
{
	buf[0] = flags & SEG_R ? 'r' : '-';
	buf[1] = flags & SEG_W ? 'w' : '-';
	buf[2] = flags & SEG_X ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

static uint64_t run_mem(const struct image *img)
{
	uint64_t need = round_mem(img->note.min_mem);
	return need > DEFAULT_MEM ? need : DEFAULT_MEM;
}

/* Whether the image links libguest's block driver (<unikvm/blk.h>): then it
 * can use disks, given with --disk. The console is always there. */
static bool uses_block(const struct image *img)
{
	image_read_symbols(img);
	for (size_t i = 0; i < img->nsyms; i++)
		if (!strcmp(img->syms[i].name, "blk_info"))
			return true;
	return false;
}

static void print_json(const char *path, const struct image *img, const struct bundle *b)
{
	uint64_t off;
	const struct symbol *sym = image_symbol(img, img->entry, &off);
	char p[4];

	printf("{\"file\": ");
	json_string(path);
	printf(", \"kind\": \"%s\", \"abi_version\": %u, \"entry\": %llu, \"entry_symbol\": ",
	       b ? "bundle" : "image", img->note.abi_version, (unsigned long long)img->entry);
	if (sym && off == 0)
		json_string(sym->name);
	else
		printf("null");
	printf(", \"image_end\": %llu, \"min_mem\": %llu, \"run_mem\": %llu, "
	       "\"devices\": [\"console\"%s], \"segments\": [",
	       (unsigned long long)img->end, (unsigned long long)img->note.min_mem,
	       (unsigned long long)run_mem(img), uses_block(img) ? ", \"block\"" : "");
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		printf("%s{\"vaddr\": %llu, \"memsz\": %llu, \"filesz\": %llu, \"offset\": %llu, "
		       "\"flags\": \"%s\"}",
		       i ? ", " : "", (unsigned long long)s->vaddr, (unsigned long long)s->memsz,
		       (unsigned long long)s->filesz, (unsigned long long)s->offset,
		       perms(s->flags, p));
	}
	printf("]");
	if (b) {
		printf(", \"bundle\": {\"format_version\": %d, \"image_size\": %zu, \"options\": ",
		       BUNDLE_VERSION, b->image_size);
		json_strings(b->opts, b->nopts);
		printf(", \"args\": ");
		json_strings(b->args, b->nargs);
		printf("}");
	}
	printf("}\n");
}

static void print_text(const char *path, const struct image *img, const struct bundle *b)
{
	uint64_t off;
	const struct symbol *sym = image_symbol(img, img->entry, &off);
	char p[4];

	printf("file:         %s\n", path);
	printf("kind:         %s\n", b ? "bundle (unikvm pack)" : "unikernel image");
	printf("abi version:  %u\n", img->note.abi_version);
	printf("entry:        0x%llx", (unsigned long long)img->entry);
	if (sym && off == 0)
		printf(" <%s>", sym->name);
	printf("\nimage end:    0x%llx\n", (unsigned long long)img->end);
	if (img->note.min_mem)
		printf("memory:       asks for %llu MiB; runs with %llu MiB unless --mem\n",
		       (unsigned long long)(img->note.min_mem >> 20),
		       (unsigned long long)(run_mem(img) >> 20));
	else
		printf("memory:       no minimum; runs with %llu MiB unless --mem\n",
		       (unsigned long long)(run_mem(img) >> 20));
	printf("devices:      console%s\n",
	       uses_block(img) ? ", block (links <unikvm/blk.h>: give it disks with --disk)" : "");
	printf("segments:     %-18s %-10s %-10s %s\n", "address", "memsz", "filesz", "flags");
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		printf("              0x%-16llx 0x%-8llx 0x%-8llx %s\n",
		       (unsigned long long)s->vaddr, (unsigned long long)s->memsz,
		       (unsigned long long)s->filesz, perms(s->flags, p));
	}
	if (b) {
		bundle_print_words("run options: ", b->opts, b->nopts);
		bundle_print_words("default args:", b->args, b->nargs);
	}
}

int cmd_inspect(int argc, char **argv)
{
	struct bundle b;
	struct image img;
	const char *path = NULL;
	bool json = false;
	char err[512];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(inspect_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			ukvm_err("unknown option '%s' (try 'unikvm inspect --help')", argv[i]);
			return EXIT_HOST_ERROR;
		} else if (path) {
			ukvm_err("inspect: one FILE only (try 'unikvm inspect --help')");
			return EXIT_HOST_ERROR;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		ukvm_err("inspect: no FILE given (try 'unikvm inspect --help')");
		return EXIT_HOST_ERROR;
	}
	r = bundle_read(&b, path, err, sizeof(err));
	if (r == 0)
		r = image_parse(&img, b.image, b.image_size, err, sizeof(err));
	else if (r == 1 || r == 2)
		r = image_open(&img, path, err, sizeof(err));
	if (r) {
		ukvm_err("%s: %s", path, err);
		bundle_free(&b);
		return r;
	}
	if (json)
		print_json(path, &img, b.file ? &b : NULL);
	else
		print_text(path, &img, b.file ? &b : NULL);
	image_close(&img);
	bundle_free(&b);
	return fflush(stdout) == 0 ? 0 : EXIT_HOST_ERROR;
}
