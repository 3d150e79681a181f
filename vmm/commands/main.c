/*
 * unikvm: run a unikernel ELF on KVM like a normal command. The command
 * table; each subcommand is a file of its own (commands.h).
 *
 * A bundle made by `unikvm pack` is this program with an image appended:
 * main() first checks whether it is one (bundle_main).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/exit_status.h"
#include "commands/commands.h"
#include "commands/options.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},
    {"pack", cmd_pack},
    {"inspect", cmd_inspect},
    {"probe", cmd_probe},
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, passed to the guest */
	int r = bundle_main(argc, argv);
	if (r >= 0)
		return r;
	if (argc < 2) {
		usage_print(stderr);
		return EXIT_HOST_ERROR;
	}
	const char *cmd = argv[1];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage_print(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("unikvm %s (guest ABI %d)\n", UKVM_VERSION, UKVM_ABI_VERSION);
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
