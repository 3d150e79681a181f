/*
 * config.json -> `unikvm run` command line (oci_spec.h, docs/oci.md).
 * Parsed with Debian's jansson; every path inside the container's root is
 * resolved with openat2(RESOLVE_IN_ROOT), so a symbolic link in an image
 * cannot lead out of its root file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <unikvm/abi.h>

#include "base/log.h"
#include "image/elf_image.h"
#include "spec.h"

void strvec_push(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = realloc(sv->v, sv->cap * sizeof(*sv->v));
		if (!sv->v)
			abort();
	}
	sv->v[sv->n] = strdup(s);
	if (!sv->v[sv->n])
		abort();
	sv->v[++sv->n] = NULL;
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	strvec_push(sv, s);
	free(s);
}

void strvec_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strvec){0};
}

void oci_spec_free(struct oci_spec *spec)
{
	free(spec->rootfs);
	free(spec->cwd);
	json_decref(spec->annotations);
	strvec_free(&spec->cmd);
	if (spec->netns_fd >= 0)
		close(spec->netns_fd);
	*spec = (struct oci_spec){.netns_fd = -1};
}

/* Formats a one-line reason into err; -1. */
#define FAIL(...) ukvm_fail(err, errlen, -1, __VA_ARGS__)

/* Opens path (absolute or not: relative to the root) inside the directory
 * rootfd as if it were "/", following links without leaving it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned)flags | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* The host path of fd (what it resolved to); malloc'd, or NULL. */
static char *fd_path(int fd)
{
	char link[64], buf[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* The host path of path inside the root (a regular file if want_file), or
 * NULL with errno set. */
static char *resolve_in_root(int rootfd, const char *path, bool want_file)
{
	int fd = open_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *p = NULL;
	if (fstat(fd, &st))
		goto out;
	if (want_file && !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	p = fd_path(fd);
out:
	close(fd);
	return p;
}

static const char *json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The value of NAME in a process.env array (NAME=VALUE strings), or NULL. */
static const char *env_get(json_t *env, const char *name)
{
	size_t i, len = strlen(name);
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, name, len) && s[len] == '=')
			return s + len + 1;
	}
	return NULL;
}

/* Finds the program args[0] names in the root: an absolute path, a path
 * relative to cwd, or a bare name looked up in the container's PATH. */
static char *find_program(int rootfd, const char *arg0, const char *cwd, json_t *env)
{
	if (strchr(arg0, '/')) {
		char *p, *full;
		if (arg0[0] == '/')
			return resolve_in_root(rootfd, arg0, true);
		if (asprintf(&full, "%s/%s", cwd, arg0) < 0)
			return NULL;
		p = resolve_in_root(rootfd, full, true);
		free(full);
		return p;
	}
	const char *path = env_get(env, "PATH");
	char *dirs =
	    strdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL, *p = NULL;
	errno = ENOENT;
	for (char *d = strtok_r(dirs, ":", &save); d && !p; d = strtok_r(NULL, ":", &save)) {
		char *full;
		if (asprintf(&full, "%s/%s", d, arg0) < 0)
			break;
		p = resolve_in_root(rootfd, full, true);
		free(full);
	}
	free(dirs);
	return p;
}

static bool has_option(json_t *options, const char *opt)
{
	size_t i;
	json_t *o;
	json_array_foreach(options, i, o)
	{
		if (json_is_string(o) && !strcmp(json_string_value(o), opt))
			return true;
	}
	return false;
}

/* The destinations Kubernetes bind-mounts as files into every container
 * (the kubelet writes them for Linux containers); a unikernel gets none. */
static bool is_kubelet_file(const char *dest)
{
	static const char *const files[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
					    "/dev/termination-log"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(dest, files[i]))
			return true;
	return false;
}

/* Strips trailing slashes (but not the root's) in place. */
static void trim_slashes(char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

/* mounts -> --dir options in dirs; *cwd_mapped set if one of them is the
 * working directory (that one goes first: the guest starts there). */
static int map_mounts(json_t *mounts, const char *cwd, struct strvec *dirs, bool *cwd_mapped,
		      char *err, size_t errlen)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
	{
		const char *type = json_str(m, "type"), *src = json_str(m, "source");
		const char *dest = json_str(m, "destination");
		json_t *opts = json_object_get(m, "options");
		if (!dest)
			return FAIL("mounts[%zu]: no destination", i);
		bool bind = (type && !strcmp(type, "bind")) || has_option(opts, "bind") ||
			    has_option(opts, "rbind");
		if (!bind)
			continue; /* a Linux kernel file system: a unikernel has none */
		if (!src || src[0] != '/')
			return FAIL("mount on %s: the source must be an absolute host path", dest);
		if (dest[0] != '/')
			return FAIL("mount on %s: the destination must be an absolute path", dest);
		if (strchr(src, ':') || strchr(dest, ':'))
			return FAIL("mount %s on %s: unikvm cannot map a path containing ':'", src,
				    dest);
		struct stat st;
		if (stat(src, &st))
			return FAIL("mount %s on %s: %s", src, dest, strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			if (is_kubelet_file(dest))
				continue;
			return FAIL(
			    "mount %s on %s: only directories can be mapped into a unikernel", src,
			    dest);
		}
		char *d = strdup(dest);
		trim_slashes(d);
		char *opt;
		if (asprintf(&opt, "--dir=%s:%s%s", src, d, has_option(opts, "ro") ? ":ro" : "") <
		    0)
			abort();
		if (!*cwd_mapped && !strcmp(d, cwd)) {
			*cwd_mapped = true;
			/* first: the guest starts in the first mapping's path */
			strvec_push(dirs, opt);
			char *first = dirs->v[dirs->n - 1];
			memmove(dirs->v + 1, dirs->v, (dirs->n - 1) * sizeof(char *));
			dirs->v[0] = first;
		} else {
			strvec_push(dirs, opt);
		}
		free(opt);
		free(d);
	}
	return 0;
}

/* The host's node of block device maj:min: udev's /dev/block/MAJ:MIN, else
 * the device's own path if the host has that very device there (ctr run
 * --device /dev/loop0 gives the host's path; a host without udev has no
 * /dev/block). NULL if neither is that device. */
static const char *host_block_node(const char *path, long long maj, long long min, char *buf,
				   size_t len)
{
	const char *cand[] = {buf, path};
	struct stat st;
	snprintf(buf, len, "/dev/block/%lld:%lld", maj, min);
	for (size_t i = 0; i < 2; i++)
		if (cand[i][0] == '/' && stat(cand[i], &st) == 0 && S_ISBLK(st.st_mode) &&
		    major(st.st_rdev) == maj && minor(st.st_rdev) == min)
			return cand[i];
	return NULL;
}

/* linux.devices: block devices -> --disk with the host's node. */
static int map_devices(json_t *devices, struct strvec *cmd, char *err, size_t errlen)
{
	size_t i;
	json_t *d;
	json_array_foreach(devices, i, d)
	{
		const char *type = json_str(d, "type"), *path = json_str(d, "path"), *node;
		json_t *maj = json_object_get(d, "major"), *min = json_object_get(d, "minor");
		char buf[64];
		if (!path)
			path = "?";
		if (!type || strcmp(type, "b"))
			return FAIL(
			    "device %s: a unikernel has block devices only (type \"b\"), not "
			    "\"%s\"",
			    path, type ? type : "");
		if (!json_is_integer(maj) || !json_is_integer(min) || json_integer_value(maj) < 0 ||
		    json_integer_value(min) < 0)
			return FAIL("device %s: no major and minor number", path);
		node = host_block_node(path, json_integer_value(maj), json_integer_value(min), buf,
				       sizeof(buf));
		if (!node)
			return FAIL(
			    "device %s (%lld:%lld): the host has no such block device (neither %s "
			    "nor %s is it)",
			    path, (long long)json_integer_value(maj),
			    (long long)json_integer_value(min), buf, path);
		strvec_pushf(cmd, "--disk=%s", node);
	}
	return 0;
}

/* What /unikvm.json says of the network: "network" (none, user or host;
 * NULL if not given) and "ports" (the image's ExposedPorts, "PORT/PROTO"). */
struct run_network {
	char *mode;
	struct strvec ports;
};

/* The image's "network" and "ports", checked; 0, or -1 with a reason. */
static int read_run_network(json_t *rc, struct run_network *net, char *err, size_t errlen)
{
	json_t *mode = json_object_get(rc, "network"), *ports = json_object_get(rc, "ports"), *p;
	if (mode) {
		const char *m = json_string_value(mode);
		if (!m || (strcmp(m, "none") && strcmp(m, "user") && strcmp(m, "host")))
			return FAIL("/%s: network: not \"none\", \"user\" or \"host\"",
				    OCI_RUN_CONFIG);
		net->mode = strdup(m);
	}
	if (ports && !json_is_array(ports))
		return FAIL("/%s: ports: not an array", OCI_RUN_CONFIG);
	size_t i;
	json_array_foreach(ports, i, p)
	{
		const char *s = json_string_value(p);
		unsigned port;
		char proto[4];
		int end = 0;
		if (!s || sscanf(s, "%5u/%3[a-z]%n", &port, proto, &end) != 2 || s[end] ||
		    port < 1 || port > 65535 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
			return FAIL("/%s: ports[%zu]: not PORT/tcp or PORT/udp", OCI_RUN_CONFIG, i);
		strvec_push(&net->ports, s);
	}
	return 0;
}

/* The image's /unikvm.json: "mem" (a --mem value) into *mem, "disks"
 * ([{"path": P, "ro": bool}], paths inside the root) as --disk options,
 * the network into *net. */
static int read_run_config(int rootfd, struct strvec *cmd, char **mem, struct run_network *net,
			   char *err, size_t errlen)
{
	int fd = open_in_root(rootfd, OCI_RUN_CONFIG, O_RDONLY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return FAIL("/%s in the container's root: %s", OCI_RUN_CONFIG, strerror(errno));
	}
	json_error_t je;
	json_t *rc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	if (!json_is_object(rc)) {
		json_decref(rc);
		return FAIL("/%s in the container's root: not a JSON object (%s)", OCI_RUN_CONFIG,
			    rc ? "wrong type" : je.text);
	}
	const char *m = json_str(rc, "mem");
	if (m)
		*mem = strdup(m);
	if (read_run_network(rc, net, err, errlen)) {
		json_decref(rc);
		return -1;
	}
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(rc, "disks"), i, d)
	{
		const char *p = json_str(d, "path");
		char *host = p ? resolve_in_root(rootfd, p, true) : NULL;
		if (!host) {
			json_decref(rc);
			return FAIL("/%s: disk %zu: %s", OCI_RUN_CONFIG, i,
				    p ? strerror(errno) : "no path");
		}
		strvec_pushf(cmd, "--disk=%s%s", host,
			     json_is_true(json_object_get(d, "ro")) ? ",ro" : "");
		free(host);
	}
	json_decref(rc);
	return 0;
}

/* What oci_spec_load works on: config.json's parts and what it resolved. */
struct bundle_load {
	const char *bundle; /* absolute */
	char *path;	    /* BUNDLE/config.json, for messages */
	json_t *cfg;	    /* config.json (owned) */
	json_t *proc;	    /* its process object */
	int rootfd;	    /* the root file system, O_PATH */
	bool root_ro;	    /* root.readonly */
	char *cwd;	    /* process.cwd, trailing slashes stripped */
	char *image;	    /* the host path of process.args[0], inside the root */
};

/* config.json: a JSON object of OCI version 1.x; NULL with a reason. */
static json_t *read_config(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!cfg) {
		if (access(path, F_OK))
			FAIL("%s: %s", path, strerror(errno));
		else
			FAIL("%s: line %d: %s", path, je.line, je.text);
		return NULL;
	}
	const char *ver = json_str(cfg, "ociVersion");
	if (!json_is_object(cfg))
		FAIL("%s: not a JSON object", path);
	else if (!ver || strncmp(ver, "1.", 2))
		FAIL("%s: ociVersion \"%s\": this runtime reads version 1.x", path, ver ? ver : "");
	else
		return cfg;
	json_decref(cfg);
	return NULL;
}

/* A Kubernetes pod's sandbox container (see OCI_CRI_CONTAINER_TYPE). */
static bool is_pod_sandbox(json_t *annotations)
{
	const char *ctype = json_str(annotations, OCI_CRI_CONTAINER_TYPE);
	return ctype && !strcmp(ctype, "sandbox");
}

/* root.path (relative to the bundle, or absolute) -> spec->rootfs, l->rootfd,
 * l->root_ro. */
static int open_root(struct bundle_load *l, struct oci_spec *spec, char *err, size_t errlen)
{
	json_t *root = json_object_get(l->cfg, "root");
	const char *rp = json_str(root, "path");
	char *rootfs;
	if (!rp)
		return FAIL("%s: no root.path", l->path);
	if (asprintf(&rootfs, "%s%s%s", rp[0] == '/' ? "" : l->bundle, rp[0] == '/' ? "" : "/",
		     rp) < 0)
		abort();
	spec->rootfs = realpath(rootfs, NULL);
	if (!spec->rootfs) {
		FAIL("root %s: %s", rootfs, strerror(errno));
		free(rootfs);
		return -1;
	}
	free(rootfs);
	l->rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->rootfd < 0)
		return FAIL("root %s: %s", spec->rootfs, strerror(errno));
	l->root_ro = json_is_true(json_object_get(root, "readonly"));
	return 0;
}

/* process: an object whose args are strings, at least one -> l->proc,
 * l->cwd, spec->terminal. */
static int read_process(struct bundle_load *l, struct oci_spec *spec, char *err, size_t errlen)
{
	size_t i;
	json_t *a;
	l->proc = json_object_get(l->cfg, "process");
	if (!json_is_object(l->proc))
		return FAIL("%s: no process", l->path);
	spec->terminal = json_is_true(json_object_get(l->proc, "terminal"));
	json_t *args = json_object_get(l->proc, "args");
	if (!json_is_array(args) || !json_array_size(args))
		return FAIL("%s: process.args is empty: nothing to run", l->path);
	json_array_foreach(args, i, a)
	{
		if (!json_is_string(a))
			return FAIL("%s: process.args[%zu] is not a string", l->path, i);
	}
	const char *cwd = json_str(l->proc, "cwd");
	l->cwd = strdup(cwd && cwd[0] ? cwd : "/");
	trim_slashes(l->cwd);
	return 0;
}

/* process.args[0] -> l->image, which must be a unikernel. */
static int find_image(struct bundle_load *l, char *err, size_t errlen)
{
	const char *arg0 = json_string_value(json_array_get(json_object_get(l->proc, "args"), 0));
	struct image img;
	char why[256];
	l->image = find_program(l->rootfd, arg0, l->cwd, json_object_get(l->proc, "env"));
	if (!l->image)
		return FAIL("%s: not found in the container's root file system (%s)", arg0,
			    strerror(errno));
	if (image_open(&img, l->image, why, sizeof(why)))
		return FAIL("%s is not a unikernel (%s): unikvm-oci runs only images built with "
			    "unikvm-cc; run Linux containers with runc",
			    arg0, why);
	image_close(&img);
	return 0;
}

/* The root at /, the bind mounts -> --dir options, the working directory's
 * mapping first (the guest starts in the first mapping's path). */
static int map_files(const struct bundle_load *l, const char *rootfs, struct strvec *cmd, char *err,
		     size_t errlen)
{
	struct strvec dirs = {0};
	bool cwd_mapped = !strcmp(l->cwd, "/");
	int r = -1;
	if (cwd_mapped)
		strvec_pushf(&dirs, "--dir=%s:/%s", rootfs, l->root_ro ? ":ro" : "");
	if (map_mounts(json_object_get(l->cfg, "mounts"), l->cwd, &dirs, &cwd_mapped, err, errlen))
		goto out;
	if (!cwd_mapped) {
		FAIL("process.cwd %s: a unikernel starts in / or in a mounted directory; %s is "
		     "neither",
		     l->cwd, l->cwd);
		goto out;
	}
	if (strcmp(l->cwd, "/"))
		strvec_pushf(&dirs, "--dir=%s:/%s", rootfs, l->root_ro ? ":ro" : "");
	for (size_t i = 0; i < dirs.n; i++)
		strvec_push(cmd, dirs.v[i]);
	r = 0;
out:
	strvec_free(&dirs);
	return r;
}

/* The image's /unikvm.json disks; memory: the container's limit (in whole
 * MiB, within unikvm's bounds), else the image's own. */
static int map_memory(const struct bundle_load *l, struct strvec *cmd, struct run_network *net,
		      char *err, size_t errlen)
{
	const long long min_mib = UKVM_MEM_MIN >> 20, max_mib = UKVM_MEM_MAX >> 20;
	char *mem = NULL;
	if (read_run_config(l->rootfd, cmd, &mem, net, err, errlen)) {
		free(mem);
		return -1;
	}
	json_t *limit = json_object_get(
	    json_object_get(json_object_get(json_object_get(l->cfg, "linux"), "resources"),
			    "memory"),
	    "limit");
	if (json_is_integer(limit) && json_integer_value(limit) > 0) {
		long long mib = json_integer_value(limit) >> 20;
		free(mem);
		mem = NULL;
		if (mib < min_mib)
			return FAIL("memory limit %lld bytes: a unikernel needs at least %lldM",
				    (long long)json_integer_value(limit), min_mib);
		if (asprintf(&mem, "%lldM", mib > max_mib ? max_mib : mib) < 0)
			abort();
	}
	if (mem)
		strvec_pushf(cmd, "--mem=%s", mem);
	free(mem);
	return 0;
}

/* linux.namespaces' entry of type network: its path opened (O_RDONLY,
 * checked to be a network namespace) into spec->netns_fd, or no path: a new
 * one (spec->netns_new). 0, or -1 with a reason. */
static int read_netns(json_t *linux_, struct oci_spec *spec, char *err, size_t errlen)
{
	json_t *nss = json_object_get(linux_, "namespaces"), *ns;
	size_t i;
	if (nss && !json_is_array(nss))
		return FAIL("linux.namespaces: not an array");
	json_array_foreach(nss, i, ns)
	{
		const char *type = json_str(ns, "type"), *path = json_str(ns, "path");
		if (!type || strcmp(type, "network"))
			continue;
		if (spec->netns_fd >= 0 || spec->netns_new)
			return FAIL("linux.namespaces: more than one network namespace");
		if (!path || !*path) {
			spec->netns_new = true;
			continue;
		}
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return FAIL("network namespace %s: %s", path, strerror(errno));
		int type_ = ioctl(fd, NS_GET_NSTYPE);
		if (type_ != CLONE_NEWNET) {
			close(fd);
			return FAIL("network namespace %s: %s", path,
				    type_ < 0 ? "not a namespace file (/proc/PID/ns/net or a "
						"bind mount of one)"
					      : "a namespace of another type");
		}
		spec->netns_fd = fd;
	}
	return 0;
}

/* The network: in the container's own network namespace (a pod's, from
 * CNI) the guest has that namespace's sockets (--network host), unless its
 * image asks for none; in the runtime's namespace (no network entry, as
 * `ctr run --net-host` gives) the image's ports are published on the host
 * (-p PORT:PORT), or its mode given, else none, as before. */
static void map_network(const struct oci_spec *spec, const struct run_network *net,
			struct strvec *cmd)
{
	const char *mode = net->mode;
	if (spec->netns_fd >= 0 || spec->netns_new) {
		strvec_pushf(cmd, "--network=%s", mode && !strcmp(mode, "none") ? "none" : "host");
		return;
	}
	if (!mode && !net->ports.n)
		return;
	if (mode && strcmp(mode, "user")) {
		strvec_pushf(cmd, "--network=%s", mode); /* none or host: nothing to publish */
		return;
	}
	strvec_push(cmd, "--network=user");
	for (size_t i = 0; i < net->ports.n; i++) {
		unsigned port = (unsigned)strtoul(net->ports.v[i], NULL, 10);
		strvec_pushf(cmd, "--publish=%u:%s", port, net->ports.v[i]);
	}
}

/* process.env -> --env: only NAME=VALUE (a bare NAME would pass the
 * host's). It replaces unikvm's default environment, as in runc, which
 * adds only HOME when process.env has none (or an empty one): the user's
 * home, "/" for a user without a passwd entry, as a unikernel's is. */
static int map_env(json_t *env, struct strvec *cmd, char *err, size_t errlen)
{
	size_t i;
	json_t *e;
	bool home = false;
	strvec_push(cmd, "--no-default-env");
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (!s || !strchr(s, '=') || s[0] == '=')
			return FAIL("process.env[%zu]: not NAME=VALUE", i);
		if (!strcmp(s, "HOME="))
			continue;
		home |= !strncmp(s, "HOME=", 5);
		strvec_pushf(cmd, "--env=%s", s);
	}
	if (!home)
		strvec_push(cmd, "--env=HOME=/");
	return 0;
}

/* The image, relative to the root (unikvm runs there: the guest's argv[0]
 * then names no host directory), then -- and process.args[1..]. */
static int push_program(const struct bundle_load *l, const char *rootfs, struct strvec *cmd,
			char *err, size_t errlen)
{
	json_t *args = json_object_get(l->proc, "args"), *a;
	size_t i, rl = strlen(rootfs);
	if (strncmp(l->image, rootfs, rl) || l->image[rl] != '/')
		return FAIL("%s: resolved outside the container's root",
			    json_string_value(json_array_get(args, 0)));
	strvec_pushf(cmd, "./%s", l->image + rl + 1);
	strvec_push(cmd, "--");
	json_array_foreach(args, i, a)
	{
		if (i)
			strvec_push(cmd, json_string_value(a));
	}
	return 0;
}

int oci_spec_load(const char *bundle, const char *unikvm, struct oci_spec *spec, char *err,
		  size_t errlen)
{
	struct bundle_load l = {.bundle = bundle, .rootfd = -1};
	int r = -1;

	struct run_network net = {0};
	*spec = (struct oci_spec){.netns_fd = -1};
	if (asprintf(&l.path, "%s/config.json", bundle) < 0)
		abort();
	if (!(l.cfg = read_config(l.path, err, errlen)))
		goto out;
	json_t *ann = json_object_get(l.cfg, "annotations");
	spec->annotations = json_is_object(ann) ? json_incref(ann) : json_object();
	if (read_netns(json_object_get(l.cfg, "linux"), spec, err, errlen))
		goto out;
	if (is_pod_sandbox(spec->annotations)) {
		spec->placeholder = true;
		spec->rootfs = strdup("/");
		spec->cwd = strdup("/");
		r = 0;
		goto out;
	}
	if (open_root(&l, spec, err, errlen) || read_process(&l, spec, err, errlen) ||
	    find_image(&l, err, errlen))
		goto out;
	strvec_push(&spec->cmd, unikvm);
	strvec_push(&spec->cmd, "run");
	if (map_files(&l, spec->rootfs, &spec->cmd, err, errlen) ||
	    map_memory(&l, &spec->cmd, &net, err, errlen) ||
	    map_devices(json_object_get(json_object_get(l.cfg, "linux"), "devices"), &spec->cmd,
			err, errlen) ||
	    map_env(json_object_get(l.proc, "env"), &spec->cmd, err, errlen))
		goto out;
	map_network(spec, &net, &spec->cmd);
	if (push_program(&l, spec->rootfs, &spec->cmd, err, errlen))
		goto out;
	spec->cwd = strdup(spec->rootfs);
	r = 0;
out:
	free(net.mode);
	strvec_free(&net.ports);
	free(l.path);
	free(l.cwd);
	free(l.image);
	if (l.rootfd >= 0)
		close(l.rootfd);
	json_decref(l.cfg);
	if (r)
		oci_spec_free(spec);
	return r;
}
