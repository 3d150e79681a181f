/*
 * `unikvm pack`: one executable file from a unikernel and its run options,
 * and the other side, a bundle starting (docs/packaging.md).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/bundle.h"
#include "commands/commands.h"
#include "base/exit_status.h"
#include "base/log.h"
#include "commands/options.h"

#define SELF "/proc/self/exe"

static const char pack_usage[] =
    "usage: unikvm pack [run options] -o FILE IMAGE [--] [ARGS...]\n"
    "\n"
    "Writes FILE, one executable that holds this (static) unikvm, IMAGE, the run\n"
    "options and ARGS as default arguments. './FILE [ARGS...]' then boots IMAGE\n"
    "on any x86-64 Linux with /dev/kvm, with nothing else installed. The run\n"
    "options are those of 'unikvm run' (see 'unikvm run --help'), checked now\n"
    "and parsed again, as given, when FILE starts.\n"
    "\n"
    "Running FILE:\n"
    "  ./FILE                     the default ARGS\n"
    "  ./FILE ARGS...             these ARGS instead of the default ones\n"
    "  ./FILE --unikvm-OPT[=VAL]  adds the run option --OPT[=VAL] after the packed\n"
    "                             ones (leading words only; '--' ends them)\n"
    "  ./FILE --unikvm-help       what FILE holds and how to run it\n"
    "\n"
    "exit status of pack: 0; 125 bad option or host error; 126 IMAGE is not a\n"
    "runnable unikernel; 127 IMAGE cannot be opened. FILE exits as 'unikvm run'\n"
    "would, and with 126 if it is damaged. See docs/packaging.md.\n";

static int pack_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "unikvm: pack: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'unikvm pack --help')\n");
	return EXIT_HOST_ERROR;
}

/* 1 if the ELF in data asks for a program interpreter (is dynamic). */
static int is_dynamic(const uint8_t *data, size_t size)
{
	Elf *elf = elf_memory((char *)data, size);
	size_t n;
	int dyn = 0;

	if (!elf || elf_getphdrnum(elf, &n) != 0) {
		if (elf)
			elf_end(elf);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			dyn = 1;
	}
	elf_end(elf);
	return dyn;
}

/* Writes the bundle to a temporary file next to out, then renames it. */
static int write_bundle(const char *out, const uint8_t *stub, size_t stub_size,
			const struct image *img, char **opts, int nopts, char **args, int nargs)
{
	char err[512];
	size_t len = strlen(out) + 32;
	char *tmp = malloc(len);
	int fd, r;

	if (!tmp)
		return EXIT_HOST_ERROR;
	snprintf(tmp, len, "%s.tmp%ld", out, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0777)) < 0) {
		ukvm_perr("pack: %s", tmp);
		free(tmp);
		return EXIT_HOST_ERROR;
	}
	r = bundle_write(fd, stub, stub_size, img->file, img->file_size, opts, nopts, args, nargs,
			 err, sizeof(err));
	if (r)
		ukvm_err("pack: %s: %s", tmp, err);
	if (close(fd) != 0 && !r) {
		ukvm_perr("pack: %s", tmp);
		r = EXIT_HOST_ERROR;
	}
	if (!r && rename(tmp, out) != 0) {
		ukvm_perr("pack: %s", out);
		r = EXIT_HOST_ERROR;
	}
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

int cmd_pack(int argc, char **argv)
{
	const char *out = NULL;
	struct image img;
	uint8_t *self;
	size_t self_size;
	char err[512];
	int nopts, first, r;

	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(pack_usage, stdout);
			return 0;
		}
	}
	char **opts = calloc((size_t)argc + 1, sizeof(*opts));
	if (!opts)
		return EXIT_HOST_ERROR;
	if ((r = run_options_scan(argc, argv, &out, opts, &nopts, &first)) == RUN_OPTIONS_HELP) {
		fputs(pack_usage, stdout);
		r = 0;
		goto out;
	}
	if (r)
		goto out;
	r = EXIT_HOST_ERROR;
	if (!out) {
		for (int i = first; i < argc && strcmp(argv[i], "--"); i++) {
			if (!strcmp(argv[i], "-o") || !strncmp(argv[i], "--output", 8)) {
				pack_error("%s must come before IMAGE (what follows IMAGE is the "
					   "default arguments)",
					   argv[i]);
				goto out;
			}
		}
		pack_error("no output file given (-o FILE)%s", "");
		goto out;
	}
	if (first >= argc) {
		pack_error("no IMAGE given%s", "");
		goto out;
	}
	const char *path = argv[first];
	char **args = &argv[first + 1];
	int nargs = argc - first - 1;
	if (nargs && !strcmp(args[0], "--")) {
		args++;
		nargs--;
	}
	if ((r = image_open(&img, path, err, sizeof(err)))) {
		ukvm_err("pack: %s: %s", path, err);
		goto out;
	}
	if ((r = read_whole_file(SELF, 1ULL << 30, &self, &self_size, err, sizeof(err)))) {
		ukvm_err("pack: %s: %s", SELF, err);
		r = EXIT_HOST_ERROR;
	} else {
		if (is_dynamic(self, self_size)) {
			ukvm_err("pack: this unikvm is dynamically linked (a -DUKVM_SANITIZE=ON "
				 "build?); a bundle needs the static one");
			r = EXIT_HOST_ERROR;
		} else {
			r = write_bundle(out, self, self_size, &img, opts, nopts, args, nargs);
		}
		free(self);
	}
	image_close(&img);
out:
	free(opts);
	return r;
}

static void bundle_help(const char *name, const struct bundle *b)
{
	printf("usage: %s [--unikvm-OPTION[=VALUE]...] [--] [ARGS...]\n"
	       "\n"
	       "%s is a unikernel packed by 'unikvm pack': it boots on KVM (/dev/kvm) with\n"
	       "ARGS as its arguments, or with its default arguments if none are given.\n"
	       "Leading --unikvm-OPTION[=VALUE] words add 'unikvm run' options (--OPTION,\n"
	       "values after '=') after the packed ones: e.g. --unikvm-mem=512M,\n"
	       "--unikvm-env=NAME=VALUE, --unikvm-timeout=10, --unikvm-stats. '--' ends them.\n"
	       "\n",
	       name, name);
	bundle_print_words("packed options:   ", b->opts, b->nopts);
	bundle_print_words("default arguments:", b->args, b->nargs);
	printf("image:             %zu bytes (unikvm " UKVM_VERSION ", guest ABI %d)\n"
	       "\n"
	       "exit status: the guest's, or as 'unikvm run' (125 bad option or host error,\n"
	       "126 damaged bundle, 128+N crash); see docs/exit-codes.md.\n",
	       b->image_size, UKVM_ABI_VERSION);
}

/* Cheap test first: a plain unikvm ends with its section header table. */
static bool maybe_bundle(void)
{
	Elf64_Ehdr eh;
	struct stat st;
	int fd = open(SELF, O_RDONLY | O_CLOEXEC);
	bool r = true;

	if (fd < 0)
		return false; /* unreadable (mode --x): it cannot read a bundle either */
	if (fstat(fd, &st) == 0 && pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    (uint64_t)st.st_size == eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize)
		r = false;
	close(fd);
	return r;
}

int bundle_main(int argc, char **argv)
{
	struct bundle b;
	struct image img;
	char err[512];
	int r;

	if (!maybe_bundle())
		return -1;
	if ((r = bundle_read(&b, SELF, err, sizeof(err)))) {
		if (r == 1)
			return -1;
		if (r == 2) {
			ukvm_err("%s: damaged executable: it ends before its own ELF data "
				 "(truncated?)",
				 argv[0]);
			return EXIT_BAD_IMAGE;
		}
		ukvm_err("%s: %s", argv[0], err);
		return r;
	}
	char **optv = calloc((size_t)b.nopts + (size_t)argc + 1, sizeof(*optv));
	char **gargv = calloc((size_t)b.nargs + (size_t)argc + 1, sizeof(*gargv));
	if (!optv || !gargv) {
		r = EXIT_HOST_ERROR;
		goto out;
	}
	int optc;
	if (bundle_argv(&b, argc, argv, optv, &optc, gargv)) {
		bundle_help(argv[0], &b);
		r = 0;
		goto out;
	}
	if ((r = image_parse(&img, b.image, b.image_size, err, sizeof(err)))) {
		ukvm_err("%s: the packed image: %s", argv[0], err);
		goto out;
	}
	r = run_image_with_options(optc, optv, &img, argv[0], gargv);
out:
	free(optv);
	free(gargv);
	bundle_free(&b);
	return r;
}
