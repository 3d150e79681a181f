/*
 * unikvm: run a unikernel ELF on KVM like a normal command.
 *
 *   unikvm run [options] IMAGE [--] [ARGS...]
 *   unikvm probe
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

#include "blk.h"
#include "exit_status.h"
#include "log.h"
#include "vm.h"

#define DEFAULT_MEM (128ULL << 20)
#define ENV_MAX 4096


static const char usage_text[] =
	"usage: unikvm run [options] IMAGE [--] [ARGS...]\n"
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
	"      --stats           print VM exits, hypercalls and timings on stderr at the end\n"
	"      --trace-nosys     print each syscall the guest makes that libguest does\n"
	"                        not implement (it returns ENOSYS)\n"
	"  -h, --help            this text\n"
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
	"         pipe, 159 unknown hypercall or corrupt disk ring;\n"
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

static uint64_t round_mem(uint64_t v)
{
	return v > UINT64_MAX - UKVM_MEM_ALIGN ? UINT64_MAX : (v + UKVM_MEM_ALIGN - 1) & ~(uint64_t)(UKVM_MEM_ALIGN - 1);
}

struct run_options {
	uint64_t mem; /* 0: not given */
	const char *mem_arg;
	char *env[ENV_MAX + 1];
	int nenv;
	bool stats, trace_nosys;
	uint64_t timeout_ms;
	const char *core_path;
	const char *disks[UKVM_BLK_MAX + 1];
	int ndisks;
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
		const char *v = getenv(arg);
		if (!v)
			return 0; /* like docker: an unset host variable stays unset */
		char *kv = malloc(namelen + strlen(v) + 2);
		if (!kv)
			return EXIT_HOST_ERROR;
		sprintf(kv, "%s=%s", arg, v);
		arg = kv;
	}
	o->env[o->nenv++] = arg;
	return 0;
}

static int parse_run_options(int argc, char **argv, struct run_options *o)
{
	enum { OPT_STATS = 256, OPT_TRACE_NOSYS, OPT_CORE, OPT_DISK };
	static const struct option longopts[] = {
		{"mem", required_argument, NULL, 'm'},
		{"env", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'},
		{"stats", no_argument, NULL, OPT_STATS},
		{"core", required_argument, NULL, OPT_CORE},
		{"disk", required_argument, NULL, OPT_DISK},
		{"trace-nosys", no_argument, NULL, OPT_TRACE_NOSYS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:m:e:t:h", longopts, NULL)) != -1) {
		switch (c) {
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
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_TRACE_NOSYS:
			o->trace_nosys = true;
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
	fprintf(stderr, "; setup %.1f ms, run %.1f ms\n", setup_ms, run_ms);
}

static int cmd_run(int argc, char **argv)
{
	struct run_options o = {0};
	struct image img;
	struct layout layout;
	struct vm vm = {.kvm_fd = -1, .fd = -1, .vcpu_fd = -1};
	struct blk blk = {.stop_fd = -1};
	struct timespec t0, t1, t2;
	char err[512];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = parse_run_options(argc, argv, &o)))
		return r;
	if (optind >= argc)
		return usage_error("run: no IMAGE given%s", "");
	char **gargv = &argv[optind];
	const char *path = gargv[0];
	if (gargv[1] && !strcmp(gargv[1], "--")) {
		gargv[1] = gargv[0]; /* drop the "--": argv[0] stays the image */
		gargv++;
	}

	for (int i = 0; i < o.ndisks; i++) {
		if ((r = blk_add(&blk, o.disks[i], err, sizeof(err)))) {
			ukvm_err("%s", err);
			blk_stop(&blk);
			return r;
		}
	}
	if ((r = image_open(&img, path, err, sizeof(err)))) {
		ukvm_err("%s: %s", path, err);
		blk_stop(&blk);
		return r;
	}
	uint64_t need = round_mem(img.note.min_mem);
	uint64_t mem = o.mem ? o.mem : need > DEFAULT_MEM ? need : DEFAULT_MEM;
	if (need > mem || need > UKVM_MEM_MAX) {
		ukvm_err("%s: the image asks for %llu MiB of RAM; %s", path,
			 (unsigned long long)(need >> 20),
			 need > UKVM_MEM_MAX ? "the maximum is 3072" : "raise --mem");
		image_close(&img);
		blk_stop(&blk);
		return EXIT_BAD_IMAGE;
	}
	vm.img = &img;
	vm.stats = o.stats;
	vm.trace_nosys = o.trace_nosys;
	vm.timeout_ms = o.timeout_ms;
	vm.core_path = o.core_path;
	vm.layout = &layout;
	if ((r = layout_plan(&layout, &img, mem, gargv, o.env, err, sizeof(err)))) {
		ukvm_err("%s: %s", path, err);
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
	image_load(&img, &vm.mem);
	layout_write(&layout, &vm, gargv, o.env, o.trace_nosys ? UKVM_BOOT_TRACE_NOSYS : 0);
	if ((r = x86_boot_vcpu(&vm, &layout, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r = vm_run(&vm);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (o.stats)
		print_stats(&vm, elapsed_ms(&t0, &t1), elapsed_ms(&t1, &t2));
out:
	blk_stop(&blk); /* before guest RAM goes away */
	vm_destroy(&vm);
	image_close(&img);
	if (vm_stop_signal()) {
		/* End as the signal would have ended us, like a normal command. */
		fflush(stdout);
		signal(vm_stop_signal(), SIG_DFL);
		raise(vm_stop_signal());
	}
	return r;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, passed to the guest */
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_HOST_ERROR;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
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
