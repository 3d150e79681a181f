/*
 * Fuzz target: the command line. The `unikvm run` option parser
 * (run_options_parse, vmm/commands/options.c), as `unikvm run` calls it, as
 * `unikvm pack` does (with -o, through run_options_scan), and as a bundle
 * does: its packed options and the --unikvm-OPT words of its command line
 * (bundle_argv, vmm/image/bundle.c) and then the parser on the result.
 *
 * Input: byte 0 picks the caller (mod 3: run, pack, bundle), byte 1 how
 * many of the words are a bundle's packed options (the rest are its
 * default arguments), then words separated by NUL bytes (each word is its
 * own allocation, so ASan sees a read past any of them). Checks what the
 * callers rely on: an accepted command line has its first non-option word
 * inside argv, --mem in range, counts within their arrays, every --env
 * string from argv or the environment, and a bundle's argv in bounds.
 * Run with -close_fd_mask=3 (messages go to stderr).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/bundle.h"
#include "commands/options.h"
#include "core/vm.h"

#define WORDS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern char **environ;

static bool from(char *s, char **v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] && s >= v[i] && s <= v[i] + strlen(v[i]))
			return true;
	return false;
}

static void check(const struct run_options *o, int first, int argc, char **argv)
{
	if (first < 1 || first > argc)
		__builtin_trap();
	if (o->mem && (o->mem < UKVM_MEM_MIN || o->mem > UKVM_MEM_MAX || o->mem % UKVM_MEM_ALIGN))
		__builtin_trap();
	if (o->nenv > ENV_MAX || o->ndisks > UKVM_BLK_MAX || o->ndirs > UKVM_FS_MOUNTS_MAX)
		__builtin_trap();
	int nenv = 0;
	while (environ[nenv])
		nenv++;
	for (int i = 0; i < o->nenv; i++)
		if (!from(o->env[i], argv, argc) && !from(o->env[i], environ, nenv))
			__builtin_trap();
	for (int i = 0; i < o->ndisks; i++)
		(void)strlen(o->disks[i]);
	for (int i = 0; i < o->ndirs; i++)
		(void)strlen(o->dirs[i]);
	if (o->core_path)
		(void)strlen(o->core_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	char *words[WORDS_MAX + 1];
	int n = 0;

	if (!init) {
		/* for --env NAME: one set, one set to "", one unset */
		setenv("UKVM_FUZZ_SET", "value", 1);
		setenv("UKVM_FUZZ_EMPTY", "", 1);
		unsetenv("UKVM_FUZZ_UNSET");
		init = true;
	}
	if (size < 2)
		return 0;
	unsigned mode = data[0] % 3, npacked = data[1];
	words[n++] = strdup(mode == 2 ? "./bundle" : mode == 1 ? "pack" : "run");
	for (size_t i = 2; i < size && n < WORDS_MAX;) {
		const uint8_t *end = memchr(data + i, 0, size - i);
		size_t len = end ? (size_t)(end - (data + i)) : size - i;
		words[n] = malloc(len + 1);
		memcpy(words[n], data + i, len);
		words[n++][len] = '\0';
		i += len + 1;
	}
	words[n] = NULL;
	char *argv[WORDS_MAX + 1];
	memcpy(argv, words, sizeof(argv)); /* the parser may permute or rewrite argv */
	struct run_options o = {0};
	int first, r;

	if (mode == 0) {
		if ((r = run_options_parse(n, argv, &o, false, &first)) == 0)
			check(&o, first, n, argv);
	} else if (mode == 1) {
		const char *out;
		char *kept[WORDS_MAX + 1];
		int nkept;
		if (run_options_scan(n, argv, &out, kept, &nkept, &first) == 0) {
			if (nkept < 0 || nkept >= first || (out && !from((char *)out, argv, n)))
				__builtin_trap();
			for (int i = 0; i < nkept; i++)
				if (!from(kept[i], argv, n))
					__builtin_trap();
		}
	} else {
		/* words[1..1+npacked) packed options, the rest default arguments;
		 * the command line is the default arguments' words again. */
		int nrest = n - 1;
		int nopts = (int)npacked < nrest ? (int)npacked : nrest;
		struct bundle b = {.opts = argv + 1,
				   .nopts = nopts,
				   .args = argv + 1 + nopts,
				   .nargs = nrest - nopts};
		char *cmdline[WORDS_MAX + 1], *dups[WORDS_MAX];
		int ncmd = 0;
		cmdline[ncmd++] = argv[0];
		for (int i = 0; i < b.nargs; i++) /* bundle_argv rewrites them */
			cmdline[ncmd++] = dups[i] = strdup(b.args[i]);
		cmdline[ncmd] = NULL;
		char *optv[2 * WORDS_MAX + 2], *gargv[2 * WORDS_MAX + 2];
		int optc;
		if (bundle_argv(&b, ncmd, cmdline, optv, &optc, gargv) == 0) {
			if (optc < 1 || optc > b.nopts + ncmd || optv[optc] || gargv[0] != argv[0])
				__builtin_trap();
			if ((r = run_options_parse(optc, optv, &o, false, &first)) == 0)
				check(&o, first, optc, optv);
		}
		for (int i = 0; i < b.nargs; i++)
			free(dups[i]);
	}
	for (int i = 0; i < n; i++)
		free(words[i]);
	return 0;
}
