/*
 * unikvm: run a unikernel ELF on KVM like a normal command.
 *
 *   unikvm run [options] IMAGE [--] [ARGS...]
 *   unikvm pack [options] -o FILE IMAGE [--] [ARGS...]   (pack.c)
 *   unikvm inspect [--json] FILE                         (inspect.c)
 *   unikvm probe                                         (probe.c)
 *
 * A bundle made by `unikvm pack` is this program with an image appended:
 * main() first checks whether it is one (bundle_main).
 *
 * Boot order: the image is opened and checked before /dev/kvm is touched,
 * so a bad image is reported the same way on every machine.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "blk.h"
#include "exit_status.h"
#include "files.h"
#include "log.h"
#include "options.h"
#include "vm.h"


static const char usage_text[] =
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
	"                        host's environment reaches the guest.\n"
	"  -t, --timeout SECONDS end the guest after SECONDS (decimals allowed) with\n"
	"                        status 124, as timeout(1) does\n"
	"      --core FILE       when the guest crashes, write a core file that\n"
	"                        'gdb IMAGE FILE' opens\n"
	"      --disk PATH[,ro]  attach a disk (repeatable, up to 8: disk 0, 1, ... in\n"
	"                        order): a regular file or a block device, opened\n"
	"                        read-write, or read-only with ,ro (,rw: the default).\n"
	"                        Sectors of 512 bytes (a block device's own size); a\n"
	"                        trailing partial sector is not used. See docs/block.md\n"
	"  -d, --dir HOST_PATH[:GUEST_PATH][:ro]\n"
	"                        make the host directory HOST_PATH visible to the guest\n"
	"                        at GUEST_PATH (default /), read-only with :ro\n"
	"                        (repeatable). The guest starts in the first one's\n"
	"                        GUEST_PATH; nothing else of the host's files is\n"
	"                        visible, and no path leads out of a mapping.\n"
	"      --stats           print VM exits, hypercalls and timings on stderr at the end\n"
	"      --trace-nosys     print each syscall the guest makes that libguest does\n"
	"                        not implement (it returns ENOSYS)\n"
	"      --no-seccomp      run the VMM without its seccomp filters, for debugging\n"
	"                        only (it says so on stderr). By default each VMM thread\n"
	"                        may make only the system calls it needs once the guest\n"
	"                        runs; any other ends unikvm with 159 and a report line\n"
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
	"         130, 143, 129, 131 when unikvm gets SIGINT, SIGTERM, SIGHUP, SIGQUIT\n"
	"See docs/exit-codes.md.\n";

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void print_stats(const struct vm *vm, double setup_ms, double run_ms)
{
	fprintf(stderr, "unikvm: stats: exits %llu, hypercalls:", (unsigned long long)vm->exits);
	for (int i = 0; i < UKVM_HC_COUNT; i++)
		if (strcmp(hypercall_name((unsigned)i), "?"))
			fprintf(stderr, " %s %llu", hypercall_name((unsigned)i), (unsigned long long)vm->hypercalls[i]);
	fprintf(stderr, "; setup %.1f ms, run %.1f ms; guest RAM touched %llu KiB\n", setup_ms,
		run_ms, (unsigned long long)(gmem_resident(&vm->mem) >> 10));
}

/* Boots img (already open; closed here) with options o and guest argv
 * gargv (gargv[0] is name); returns the exit status. */
static int run_image(const struct run_options *o, struct image *img, const char *name,
		     char **gargv, const struct timespec *t0)
{
	struct layout layout;
	struct vm vm = {.kvm_fd = -1, .fd = -1, .vcpu_fd = -1};
	struct blk blk = {.stop_fd = -1};
	static struct fs fs;
	struct timespec t1, t2;
	char err[512];
	int r;

	/* Disks are opened here, not by the option parser, which `pack` also
	 * runs: a bundle opens the host's files when it runs. */
	for (int i = 0; i < o->ndisks; i++) {
		if ((r = blk_add(&blk, o->disks[i], err, sizeof(err)))) {
			ukvm_err("%s", err);
			blk_stop(&blk);
			image_close(img);
			return r;
		}
	}
	/* The same for --dir: the host directories of where it runs. */
	fs_init(&fs);
	for (int i = 0; i < o->ndirs; i++) {
		if (fs_add_dir(&fs, o->dirs[i], err, sizeof(err)) < 0) {
			ukvm_err("%s", err);
			fs_close(&fs);
			blk_stop(&blk);
			image_close(img);
			return EXIT_HOST_ERROR;
		}
	}
	uint64_t need = round_mem(img->note.min_mem);
	uint64_t mem = o->mem ? o->mem : need > DEFAULT_MEM ? need : DEFAULT_MEM;
	if (need > mem || need > UKVM_MEM_MAX) {
		ukvm_err("%s: the image asks for %llu MiB of RAM; %s", name,
			 (unsigned long long)(need >> 20),
			 need > UKVM_MEM_MAX ? "the maximum is 3072" : "raise --mem");
		image_close(img);
		blk_stop(&blk);
		fs_close(&fs);
		return EXIT_BAD_IMAGE;
	}
	vm.img = img;
	vm.stats = o->stats;
	vm.trace_nosys = o->trace_nosys;
	vm.seccomp = o->seccomp;
	vm.timeout_ms = o->timeout_ms;
	vm.core_path = o->core_path;
	vm.fs = &fs;
	vm.layout = &layout;
	if ((r = layout_plan(&layout, img, mem, gargv, o->env, err, sizeof(err)))) {
		ukvm_err("%s: %s", name, err);
		goto out;
	}
	if ((r = kvm_open(&vm, err, sizeof(err))) || (r = vm_create(&vm, mem, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	if ((r = blk_start(&blk, &vm, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	image_load(img, &vm.mem);
	layout_write(&layout, &vm, gargv, o->env, o->trace_nosys ? UKVM_BOOT_TRACE_NOSYS : 0);
	if ((r = x86_boot_vcpu(&vm, &layout, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r = vm_run(&vm);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (o->stats)
		print_stats(&vm, elapsed_ms(t0, &t1), elapsed_ms(&t1, &t2));
out:
	blk_stop(&blk); /* before guest RAM goes away */
	vm_destroy(&vm);
	image_close(img);
	fs_close(&fs);
	if (vm_stop_signal()) {
		/* End as the signal would have ended us, like a normal command. */
		fflush(stdout);
		signal(vm_stop_signal(), SIG_DFL);
		raise(vm_stop_signal());
	}
	return r;
}

static int cmd_run(int argc, char **argv)
{
	struct run_options o = {0};
	struct image img;
	struct timespec t0;
	char err[512];
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, argv, &o, false, &first)) == RUN_OPTIONS_HELP) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (r)
		return r;
	if (first >= argc)
		return usage_error("run: no IMAGE given%s", "");
	char **gargv = &argv[first];
	const char *path = gargv[0];
	if (gargv[1] && !strcmp(gargv[1], "--")) {
		gargv[1] = gargv[0]; /* drop the "--": argv[0] stays the image */
		gargv++;
	}

	if ((r = image_open(&img, path, err, sizeof(err)))) {
		ukvm_err("%s: %s", path, err);
		return r;
	}
	return run_image(&o, &img, path, gargv, &t0);
}

int run_image_with_options(int argc, char **optv, struct image *img, const char *name,
			   char **gargv)
{
	struct run_options o = {0};
	struct timespec t0;
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, optv, &o, false, &first))) {
		image_close(img);
		if (r != RUN_OPTIONS_HELP)
			return r;
		fputs(usage_text, stdout);
		return 0;
	}
	if (first < argc) {
		image_close(img);
		return usage_error("'%s' is not a run option", optv[first]);
	}
	return run_image(&o, img, name, gargv, &t0);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, passed to the guest */
	int r = bundle_main(argc, argv);
	if (r >= 0)
		return r;
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_HOST_ERROR;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "pack"))
		return cmd_pack(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(cmd, "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("unikvm %s (guest ABI %d)\n", UKVM_VERSION, UKVM_ABI_VERSION);
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
