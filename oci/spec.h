/*
 * An OCI bundle's config.json turned into the `unikvm run` command line
 * that boots the unikernel it names (unikvm-oci create; docs/oci.md).
 *
 * What config.json asks for and a unikernel can do becomes an option:
 * root.path -> --dir ROOTFS:/ (":ro" with root.readonly), bind mounts of
 * directories -> --dir, block devices -> --disk, process.env -> --env
 * NAME=VALUE, linux.resources.memory.limit -> --mem. What it asks for and
 * cannot be honoured (a working directory no mapping provides,
 * character devices, bind mounts of files) is refused with a reason; the
 * kernel file systems every Linux container gets (proc, sysfs, tmpfs,
 * devpts, mqueue, cgroup) are not given to a unikernel, which has none.
 */
#ifndef UKVM_OCI_SPEC_H
#define UKVM_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A growing NULL-terminated vector of malloc'd strings. */
struct strvec {
	char **v;
	size_t n, cap;
};

void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strvec_free(struct strvec *sv);

/* The image's own run configuration, /unikvm.json in its root file system
 * (written by unikvm-oci-image): the guest memory it wants and its disks. */
#define OCI_RUN_CONFIG "unikvm.json"

struct oci_spec {
	char *rootfs;	     /* the bundle's root file system, absolute */
	json_t *annotations; /* config.json's annotations (an object; owned) */
	struct strvec cmd;   /* unikvm run options, IMAGE, --, ARGS; argv[0] = unikvm */
	char *cwd;	     /* the directory to exec unikvm in (the rootfs) */
	bool placeholder;    /* a Kubernetes pod sandbox: nothing to boot */
	bool terminal;	     /* process.terminal: stdio on a pty (--console-socket) */
	/* linux.namespaces' network entry: the VMM runs in that namespace
	 * (netns_fd, opened and checked at load) or in a new one (netns_new);
	 * neither: in the runtime's own, as before. */
	int netns_fd;
	bool netns_new;
};

/* The annotation the CRI plugin puts on a pod's sandbox ("pause")
 * container. A unikernel pod has no namespaces for it to hold: the runtime
 * gives it a placeholder process that only waits for its signal and never
 * runs the sandbox image. */
#define OCI_CRI_CONTAINER_TYPE "io.kubernetes.cri.container-type"

/* Reads BUNDLE/config.json and builds spec->cmd with `unikvm` as the VMM to
 * run. 0, or -1 with a one-line reason in err (the container is refused). */
int oci_spec_load(const char *bundle, const char *unikvm, struct oci_spec *spec, char *err,
		  size_t errlen);
void oci_spec_free(struct oci_spec *spec);

#endif
