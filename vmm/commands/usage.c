/* The text of `unikvm --help` (and of `unikvm run --help`). */
#include <stdio.h>

#include "commands/commands.h"
#include "commands/options.h"
#include "core/device.h"

static const char usage_head[] =
    "usage: unikvm run [options] IMAGE [--] [ARGS...]\n"
    "       unikvm pack [options] -o FILE IMAGE [--] [ARGS...]\n"
    "       unikvm inspect [--json] FILE\n"
    "       unikvm probe\n"
    "       unikvm --help | --version\n"
    "\n"
    "run: boot IMAGE, a unikernel built with unikvm-cc, with ARGS as its arguments\n"
    "(argv[0] is IMAGE as given). Its stdout, stderr and stdin are unikvm's own,\n"
    "and unikvm exits with the guest's exit status.\n"
    "\n"
    "options for run:\n"
    "  -m, --mem SIZE        guest RAM: a number with K, M or G (binary units), or\n"
    "                        MiB without a suffix; rounded up to 2 MiB; 32M..3G.\n"
    "                        Default: 128M, or what the image's note asks for.\n"
    "                        Host memory is only used as the guest touches it.\n"
    "  -e, --env NAME=VALUE  set an environment variable in the guest (repeatable);\n"
    "  -e, --env NAME        pass the host's NAME through. Nothing else of the\n"
    "                        host's environment reaches the guest, which starts\n"
    "                        with " DEFAULT_ENV_PATH " and " DEFAULT_ENV_HOME "\n"
    "                        unless --env gives them\n"
    "      --no-default-env  without those two: only the --env variables\n"
    "  -t, --timeout SECONDS end the guest after SECONDS (decimals allowed) with\n"
    "                        status 124, as timeout(1) does\n";

/* Between them: each device's options (devices_usage). */
static const char usage_tail[] =
    "      --stats           print on stderr at the end: VM exits, hypercalls, setup\n"
    "                        ioctls, page-table pages, guest RAM touched, timings\n"
    "      --trace-nosys     print each syscall the guest makes that libguest does\n"
    "                        not implement (it returns ENOSYS)\n"
    "      --no-seccomp      run the VMM without its seccomp filters and Landlock\n"
    "                        rules, for debugging only (it says so on stderr). By\n"
    "                        default each VMM thread may make only the system calls\n"
    "                        it needs once the guest runs; any other ends unikvm\n"
    "                        with 159 and a report line; with Landlock (Linux\n"
    "                        5.13+) it may open only the --dir and --core paths,\n"
    "                        and (6.7+) bind only the TCP ports --network allows\n"
    "                        (older kernels: not covered, see docs/hardening.md)\n"
    "      --seccomp-log     keep the filters but let a forbidden call go ahead,\n"
    "                        logged by the kernel (dmesg), to find what one misses\n"
    "  -h, --help            this text\n"
    "\n"
    "pack: write FILE, one executable that boots IMAGE with these options and\n"
    "ARGS as its default arguments on any x86-64 Linux with KVM (unikvm pack --help).\n"
    "\n"
    "inspect: print the ABI version, entry point, memory, devices and segments of\n"
    "a unikernel image or bundle; --json for JSON (unikvm inspect --help).\n"
    "\n"
    "probe: check that /dev/kvm can run ring-0 guest code natively (a software\n"
    "KVM cannot); exit 0 if so, 1 with the reason if not.\n"
    "\n"
    "exit status:\n"
    "  0-255  the guest's own exit status\n"
    "  124    --timeout expired\n"
    "  125    unikvm failed: bad option (a --disk that cannot be used), no\n"
    "         usable /dev/kvm, host error\n"
    "  126    IMAGE is not a runnable unikernel (bad ELF, ABI mismatch, too big)\n"
    "  127    IMAGE cannot be opened\n"
    "  128+N  the guest died as a process killed by signal N would: 134 abort or\n"
    "         libc crash, 136 divide error, 139 CPU fault, triple fault or bad\n"
    "         pointer given to the VMM (or in a disk request), 141 broken stdout\n"
    "         pipe, 159 unknown hypercall or corrupt disk ring (or unikvm itself\n"
    "         made a system call its seccomp filter forbids: the report says so);\n"
    "         130, 143, 129, 131, 138, 140 when unikvm gets SIGINT, SIGTERM, SIGHUP,\n"
    "         SIGQUIT, SIGUSR1, SIGUSR2 and the program has no handler for it (with\n"
    "         one, the guest's handler runs and the program decides)\n"
    "See docs/exit-codes.md.\n";

static void put(const char *text, void *f)
{
	fputs(text, f);
}

void usage_print(FILE *f)
{
	fputs(usage_head, f);
	devices_usage(put, f);
	fputs(usage_tail, f);
}
