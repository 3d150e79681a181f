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
#include <errno.h>
#include <getopt.h>
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
#include "vm.h"

#define ENV_MAX 4096


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

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "unikvm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'unikvm --help')\n");
	return EXIT_HOST_ERROR;
}

/* "64M", "1G", "512K", "256" (MiB). 0, or -1 if not a size. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t unit = 1ULL << 20;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': unit = 1ULL << 10; end++; break;
	case 'm': case 'M': unit = 1ULL << 20; end++; break;
	case 'g': case 'G': unit = 1ULL << 30; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B' && unit != 1ULL << 20)
		end++;
	if (*end || v > UINT64_MAX / unit)
		return -1;
	*out = v * unit;
	return 0;
}

/* "2", "0.5": seconds, more than 0 and at most a year, in ms (rounded up). */
static int parse_seconds(const char *s, uint64_t *ms)
{
	char *end;
	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 365 * 24 * 3600.0)
		return -1;
	*ms = (uint64_t)(v * 1000);
	if ((double)*ms < v * 1000)
		(*ms)++;
	return 0;
}

struct run_options {
	const char *output; /* pack: -o FILE */
	int output_at, output_end; /* pack: argv[output_at..output_end) held -o */
	uint64_t mem; /* 0: not given */
	const char *mem_arg;
	char *env[ENV_MAX + 1];
	int nenv;
	bool stats, trace_nosys;
	enum ukvm_seccomp seccomp;
	uint64_t timeout_ms;
	const char *core_path;
	const char *disks[UKVM_BLK_MAX + 1];
	int ndisks;
	const char *dirs[UKVM_FS_MOUNTS_MAX + 1]; /* --dir, opened by run_image */
	int ndirs;
};

static int add_env(struct run_options *o, char *arg)
{
	char *eq = strchr(arg, '=');
	size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg);

	if (namelen == 0)
		return usage_error("--env '%s': no variable name", arg);
	if (o->nenv == ENV_MAX)
		return usage_error("too many --env options (at most %s)", "4096");
	if (!eq) {
		/* The host's own "NAME=VALUE" string: nothing to allocate. */
		char **e = environ;
		while (*e && (strncmp(*e, arg, namelen) || (*e)[namelen] != '='))
			e++;
		if (!*e)
			return 0; /* like docker: an unset host variable stays unset */
		arg = *e;
	}
	o->env[o->nenv++] = arg;
	return 0;
}

/* Parses argv[1..] up to the first word that is not an option (optind).
 * pack: also -o/--output FILE. */
static int parse_run_options(int argc, char **argv, struct run_options *o, bool pack)
{
	enum { OPT_STATS = 256, OPT_TRACE_NOSYS, OPT_CORE, OPT_DISK, OPT_NO_SECCOMP,
	       OPT_SECCOMP_LOG };
	static const struct option longopts[] = {
		{"mem", required_argument, NULL, 'm'},
		{"env", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'},
		{"stats", no_argument, NULL, OPT_STATS},
		{"core", required_argument, NULL, OPT_CORE},
		{"disk", required_argument, NULL, OPT_DISK},
		{"dir", required_argument, NULL, 'd'},
		{"trace-nosys", no_argument, NULL, OPT_TRACE_NOSYS},
		{"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
		{"seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG},
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int c, r, at;

	opterr = 0;
	optind = 0; /* glibc: start afresh (a bundle parses two lists) */
	for (;;) {
		at = optind ? optind : 1;
		if ((c = getopt_long(argc, argv, "+:m:e:t:d:ho:", longopts, NULL)) == -1)
			break;
		if (c == 'o' && !pack)
			return usage_error("unknown option '%s'", argv[at]);
		switch (c) {
		case 'o':
			o->output = optarg;
			o->output_at = at;
			o->output_end = optind;
			break;
		case 'm':
			if (parse_size(optarg, &o->mem) < 0 || o->mem == 0)
				return usage_error("--mem '%s': not a size like 256M or 1G", optarg);
			o->mem_arg = optarg;
			o->mem = round_mem(o->mem);
			if (o->mem < UKVM_MEM_MIN)
				return usage_error("--mem %s: less than the minimum, 32M", optarg);
			if (o->mem > UKVM_MEM_MAX)
				return usage_error("--mem %s: more than the maximum, 3G", optarg);
			break;
		case 'e':
			if ((r = add_env(o, optarg)))
				return r;
			break;
		case 't':
			if (parse_seconds(optarg, &o->timeout_ms) < 0)
				return usage_error("--timeout '%s': not a number of seconds > 0", optarg);
			break;
		case OPT_CORE:
			o->core_path = optarg;
			break;
		case OPT_DISK:
			if (o->ndisks == UKVM_BLK_MAX)
				return usage_error("--disk %s: too many disks (at most 8)", optarg);
			o->disks[o->ndisks++] = optarg;
			break;
		case 'd':
			if (o->ndirs == UKVM_FS_MOUNTS_MAX)
				return usage_error("--dir %s: too many directories (at most 32)", optarg);
			o->dirs[o->ndirs++] = optarg;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_TRACE_NOSYS:
			o->trace_nosys = true;
			break;
		case OPT_NO_SECCOMP:
			o->seccomp = UKVM_SECCOMP_OFF;
			break;
		case OPT_SECCOMP_LOG:
			o->seccomp = UKVM_SECCOMP_LOG;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return 0;
}

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
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = parse_run_options(argc, argv, &o, false)))
		return r;
	if (optind >= argc)
		return usage_error("run: no IMAGE given%s", "");
	char **gargv = &argv[optind];
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

int run_options_scan(int argc, char **argv, const char **output, char **kept, int *nkept,
		     int *first)
{
	struct run_options o = {0};
	int r;

	if ((r = parse_run_options(argc, argv, &o, output != NULL)))
		return r;
	*first = optind;
	if (output)
		*output = o.output;
	*nkept = 0;
	for (int i = 1; i < optind; i++)
		if (!o.output || i < o.output_at || i >= o.output_end)
			kept[(*nkept)++] = argv[i];
	return 0;
}

int run_image_with_options(int argc, char **optv, struct image *img, const char *name,
			   char **gargv)
{
	struct run_options o = {0};
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = parse_run_options(argc, optv, &o, false))) {
		image_close(img);
		return r;
	}
	if (optind < argc) {
		image_close(img);
		return usage_error("'%s' is not a run option", optv[optind]);
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
