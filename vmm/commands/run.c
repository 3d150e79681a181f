/*
 * unikvm run: the boot order. The image is opened and checked before
 * /dev/kvm is touched, so a bad image is reported the same way on every
 * machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "commands/commands.h"
#include "commands/options.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/landlock.h"
#include "core/vm.h"
#include "devices/blk.h"
#include "devices/files.h"
#include "devices/net.h"

/* The hidden test hook (tests/scripts/dir-cases): once confined, the VMM
 * opens this path (read-only, or for writing with a "w:" prefix) and says
 * on stderr what happened. */
#define TEST_LANDLOCK_PROBE_ENV "UKVM_TEST_LANDLOCK_PROBE"

static void landlock_probe(int abi)
{
	const char *probe = getenv(TEST_LANDLOCK_PROBE_ENV);
	if (!probe)
		return;
	bool wr = !strncmp(probe, "w:", 2);
	const char *path = wr ? probe + 2 : probe;
	int fd = open(path, (wr ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (abi == 0)
		ukvm_err("landlock probe: %s: %s (Landlock not offered by this kernel: "
			 "not covered)",
			 probe, fd >= 0 ? "opened" : strerror(e));
	else
		ukvm_err("landlock probe: %s: %s (Landlock ABI %d)", probe,
			 fd >= 0 ? "opened" : strerror(e), abi);
}

/* The hidden test hook (tests/scripts/net-cases): once confined, the VMM
 * binds a TCP socket to 127.0.0.1:PORT itself, past the network policy's
 * own check, and says on stderr what Landlock let through. */
#define TEST_LANDLOCK_BIND_ENV "UKVM_TEST_LANDLOCK_BIND"

static void landlock_bind_probe(int abi)
{
	const char *port = getenv(TEST_LANDLOCK_BIND_ENV);
	if (!port)
		return;
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(port)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&in, sizeof(in));
	const char *what = r == 0 ? "bound" : strerror(errno);
	if (fd >= 0)
		close(fd);
	if (abi < 4)
		ukvm_err("landlock bind probe: %s: %s (Landlock ABI %d: no network rules, not "
			 "covered)",
			 port, what, abi);
	else
		ukvm_err("landlock bind probe: %s: %s (Landlock ABI %d)", port, what, abi);
}

/* Confines the VMM with Landlock (core/landlock.c) before any device
 * thread exists (restrict_self covers the calling thread and those it
 * creates after): from here on it can reach on the file system only its
 * --dir mappings (read-only ones read-only) and the --core file (or, if it
 * is not there yet, the right to create files in its directory), and with
 * ABI >= 4 TCP binds only to the ports the network policy allows and
 * connects only with a network (net_policy_tcp_ports). Everything else the VMM uses
 * after setup is an fd opened before (/dev/kvm, the VM, disks, console
 * streams, the mappings' roots). Each path is held open (the mappings'
 * roots, *core_fd, closed by the caller after the run): a rule names an
 * inode, and on a file system without stable inodes (9p) a path looked
 * up again once its dentry is gone would match no rule. --no-seccomp
 * leaves the VMM unconfined too; ABI 0 (no Landlock) runs as before. */
static int landlock_run(const struct vm *vm, int *core_fd)
{
	struct landlock_path paths[UKVM_FS_MOUNTS_MAX + 2];
	char core_dir[4096], err[512];
	size_t n = 0;
	int abi;

	if (vm->seccomp == UKVM_SECCOMP_OFF)
		return 0;
	for (unsigned i = 0; vm->fs && i < vm->fs->nmounts; i++)
		paths[n++] = (struct landlock_path){.fd = vm->fs->mounts[i].root,
						    .writable = !vm->fs->mounts[i].ro};
	if (vm->core_path) {
		bool exists = (*core_fd = open(vm->core_path, O_PATH | O_CLOEXEC)) >= 0;
		if (exists) {
			paths[n++] = (struct landlock_path){
			    .path = vm->core_path, .fd = *core_fd, .writable = true};
		} else {
			/* core_write() creates it at a crash: its directory, create only */
			snprintf(core_dir, sizeof(core_dir), "%s", vm->core_path);
			char *slash = strrchr(core_dir, '/');
			if (!slash)
				snprintf(core_dir, sizeof(core_dir), ".");
			else
				slash[slash == core_dir] = '\0';
			if ((*core_fd = open(core_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
				ukvm_perr("--core %s: %s", vm->core_path, core_dir);
				return EXIT_HOST_ERROR;
			}
			paths[n++] = (struct landlock_path){
			    .path = core_dir, .fd = *core_fd, .create_only = true};
		}
	}
#ifdef UKVM_SANITIZED
	/* LeakSanitizer's check at exit reads /proc/self (docs/hardening.md) */
	paths[n++] = (struct landlock_path){.path = "/proc"};
#endif
	uint16_t ports[NET_PUBLISH_MAX + 1];
	struct landlock_policy policy = {.paths = paths, .npaths = n, .bind_ports = ports};
	if (vm->net)
		net_policy_tcp_ports(&vm->net->policy, ports, &policy.nbind_ports, &policy.bind_any,
				     &policy.connect_any);
	if (landlock_confine(&policy, &abi, err, sizeof(err))) {
		ukvm_err("cannot confine the VMM with Landlock (%s); --no-seccomp runs without it",
			 err);
		return EXIT_HOST_ERROR;
	}
	landlock_probe(abi);
	landlock_bind_probe(abi);
	return 0;
}

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void print_stats(const struct vm *vm, double setup_ms, double run_ms, uint64_t setup_ioctls)
{
	fprintf(stderr, "unikvm: stats: exits %llu, hypercalls:", (unsigned long long)vm->exits);
	for (unsigned i = 0; i < UKVM_HC_COUNT; i++)
		if (hypercall_arg_size(i))
			fprintf(stderr, " %s %llu", hypercall_name((unsigned)i),
				(unsigned long long)vm->hypercalls[i]);
	fprintf(
	    stderr,
	    "; wake-ups %llu; setup %.1f ms, run %.1f ms; setup ioctls %llu; page-table pages %u; "
	    "guest RAM touched %llu KiB",
	    (unsigned long long)vm->wakeups, setup_ms, run_ms, (unsigned long long)setup_ioctls,
	    vm->pt_pages, (unsigned long long)(gmem_resident(&vm->mem) >> 10));
	if (vm->blk) {
		struct blk_counts c = blk_counts(vm->blk);
		fprintf(
		    stderr,
		    "; disks: requests %llu, doorbells %llu, interrupts %llu, device calls %llu, "
		    "served in the exit %llu",
		    (unsigned long long)c.requests, (unsigned long long)c.doorbells,
		    (unsigned long long)c.interrupts, (unsigned long long)c.calls,
		    (unsigned long long)c.served);
	}
	fputc('\n', stderr);
}

/* Boots img (already open; closed here) with options o and guest argv
 * gargv (gargv[0] is name); returns the exit status. */
static int run_image(const struct run_options *o, struct image *img, const char *name, char **gargv,
		     const struct timespec *t0)
{
	struct layout layout;
	struct vm vm = {.kvm_fd = -1, .fd = -1, .vcpu_fd = -1};
	struct timespec t1, t2;
	char err[512], *genv[GUEST_ENV_MAX + 1];
	int r, core_fd = -1;

	run_options_guest_env(o, genv);
	vm.img = img;
	vm.stats = o->stats;
	vm.trace_nosys = o->trace_nosys;
	vm.seccomp = o->seccomp;
	vm.timeout_ms = o->timeout_ms;
	vm.layout = &layout;
	if ((r = devices_setup(&vm, o)))
		goto out;
	uint64_t need = round_mem(img->note.min_mem);
	uint64_t mem = o->mem ? o->mem : need > DEFAULT_MEM ? need : DEFAULT_MEM;
	if (need > mem || need > UKVM_MEM_MAX) {
		if (need > UKVM_MEM_MAX)
			ukvm_err("%s: the image asks for %llu MiB of RAM; the maximum is %llu",
				 name, (unsigned long long)(need >> 20),
				 (unsigned long long)(UKVM_MEM_MAX >> 20));
		else
			ukvm_err("%s: the image asks for %llu MiB of RAM; raise --mem", name,
				 (unsigned long long)(need >> 20));
		r = EXIT_BAD_IMAGE;
		goto out;
	}
	if ((r = layout_plan(&layout, img, mem, gargv, genv, err, sizeof(err)))) {
		ukvm_err("%s: %s", name, err);
		goto out;
	}
	if ((r = kvm_open(&vm, err, sizeof(err))) || (r = vm_create(&vm, mem, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	layout_small_pages(&layout, &vm.mem); /* before anything touches guest RAM */
	if ((r = landlock_run(&vm, &core_fd)) || (r = devices_start(&vm)))
		goto out;
	image_load(img, &vm.mem);
	layout_write(&layout, &vm, gargv, genv, o->trace_nosys ? UKVM_BOOT_TRACE_NOSYS : 0);
	if ((r = x86_boot_vcpu(&vm, &layout, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t setup_ioctls = kvm_setup_ioctls;
	r = vm_run(&vm);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (o->stats)
		print_stats(&vm, elapsed_ms(t0, &t1), elapsed_ms(&t1, &t2), setup_ioctls);
out:
	devices_stop(&vm); /* before guest RAM goes away */
	vm_destroy(&vm);
	image_close(img);
	if (core_fd >= 0)
		close(core_fd);
	if (vm_stop_signal()) {
		/* End as the signal would have ended us, like a normal command. */
		fflush(stdout);
		signal(vm_stop_signal(), SIG_DFL);
		raise(vm_stop_signal());
	}
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_options o;
	run_options_init(&o);
	struct image img;
	struct timespec t0;
	char err[512];
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, argv, &o, false, &first)) == RUN_OPTIONS_HELP) {
		usage_print(stdout);
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

int run_image_with_options(int argc, char **optv, struct image *img, const char *name, char **gargv)
{
	struct run_options o;
	run_options_init(&o);
	struct timespec t0;
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, optv, &o, false, &first))) {
		image_close(img);
		if (r != RUN_OPTIONS_HELP)
			return r;
		usage_print(stdout);
		return 0;
	}
	if (first < argc) {
		image_close(img);
		return usage_error("'%s' is not a run option", optv[first]);
	}
	return run_image(&o, img, name, gargv, &t0);
}
