/*
 * The options of `unikvm run` (also packed into bundles by `unikvm pack`
 * and given to a bundle as --unikvm-OPT): parsed into struct run_options
 * without exiting or allocating, so that the fuzz target
 * tests/fuzz/fuzz_cli.c calls the parser the commands use.
 */
#ifndef UKVM_OPTIONS_H
#define UKVM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <unikvm/abi.h>

#include "core/seccomp.h"
#include "devices/net_policy.h"

#define ENV_MAX 4096
/* The environment every guest starts with unless --no-default-env:
 * host-independent, as a container's (docker gives PATH and HOME too);
 * an --env of the same name replaces one. */
#define DEFAULT_ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define DEFAULT_ENV_HOME "HOME=/"
#define DEFAULT_ENV_COUNT 2
#define GUEST_ENV_MAX (ENV_MAX + DEFAULT_ENV_COUNT)
#define RUN_OPTIONS_HELP (-1) /* -h/--help: the caller prints its usage */

struct run_options {
	const char *output;	   /* pack: -o FILE */
	int output_at, output_end; /* pack: argv[output_at..output_end) held -o */
	uint64_t mem;		   /* 0: not given */
	const char *mem_arg;
	int nenv;
	bool no_default_env;
	bool stats, trace_nosys;
	enum ukvm_seccomp seccomp; /* UKVM_SECCOMP_KILL (0) unless asked */
	uint64_t timeout_ms;
	const char *core_path;
	const char *disks[UKVM_BLK_MAX + 1];
	int ndisks;
	const char *dirs[UKVM_FS_MOUNTS_MAX + 1]; /* --dir, opened by run_image */
	int ndirs;
	struct net_policy net;			   /* --network, -p/--publish */
	const char *etc_files[UKVM_NET_ETC_COUNT]; /* --resolv-conf, --hosts-file, ... */
	/* Last: run_options_init leaves these 32 KiB alone, so a run without
	 * --env touches none of their pages (each first touch of a page
	 * costs a zeroed page: boot time). [0, nenv) are set. */
	char *env[ENV_MAX]; /* into argv or environ */
};

/* Empties o: every option unset. */
void run_options_init(struct run_options *o);

/* Parses argv[1..] up to the first word that is not an option (optind,
 * also in *first); pack: also -o/--output FILE. o must start zeroed. 0,
 * RUN_OPTIONS_HELP, or EXIT_HOST_ERROR after a one-line message. */
int run_options_parse(int argc, char **argv, struct run_options *o, bool pack, int *first);

/* Parses run options in argv[1..]; with output non-NULL, -o/--output FILE
 * too (returned there, NULL if absent). kept (argc entries) receives the
 * option words but -o's, *first the index of the first non-option word.
 * 0, RUN_OPTIONS_HELP, or EXIT_HOST_ERROR after a one-line message. */
int run_options_scan(int argc, char **argv, const char **output, char **kept, int *nkept,
		     int *first);

/* The guest's environment into out (GUEST_ENV_MAX + 1 entries, NULL-
 * terminated): the default variables whose names no --env gives (unless
 * --no-default-env), then the --env ones in their order. */
void run_options_guest_env(const struct run_options *o, char **out);

/* "unikvm: " fmt with arg, and a hint to --help, on stderr; returns
 * EXIT_HOST_ERROR. */
int usage_error(const char *fmt, const char *arg);

#endif
