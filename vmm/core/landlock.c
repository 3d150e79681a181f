/*
 * Landlock for the VMM. Debian 12's uapi header is Linux 6.1's (ABI 2):
 * the rights and structs of later ABIs are defined here when it lacks
 * them, with the kernel's values, and asked for only where the running
 * kernel reports that ABI.
 */
#include "core/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT_VALUE 2
struct landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};
#else
#define LANDLOCK_RULE_NET_PORT_VALUE LANDLOCK_RULE_NET_PORT
#endif

/* The ruleset attribute of ABI 4 (handled_access_net after _fs). */
struct ruleset_attr_v4 {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

#define FS_READ                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE_V1                                                                                \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                               \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                             \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

/* The file rights ABI abi handles. */
static uint64_t fs_rights(int abi, bool writable)
{
	uint64_t r = FS_READ;
	if (!writable)
		return r;
	r |= FS_WRITE_V1;
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

static int add_path(int ruleset, int abi, const struct landlock_path *p, char *err, size_t errlen)
{
	const char *name = p->path ? p->path : "a mapped directory";
	int fd = p->fd > 0 ? p->fd : open(p->path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "landlock: %s: %s", name, strerror(errno));
		return -1;
	}
	struct landlock_path_beneath_attr attr = {.allowed_access = fs_rights(abi, p->writable),
						  .parent_fd = fd};
	if (p->create_only)
		attr.allowed_access = LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_WRITE_FILE |
				      (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	/* A regular file takes only the rights that apply to files. */
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		attr.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
				       LANDLOCK_ACCESS_FS_WRITE_FILE |
				       (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0) |
				       (abi >= 5 ? LANDLOCK_ACCESS_FS_IOCTL_DEV : 0);
	long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
	int e = errno;
	if (p->fd <= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "landlock: rule for %s: %s", name, strerror(e));
		return -1;
	}
	return 0;
}

static int add_port(int ruleset, uint64_t access, uint16_t port, char *err, size_t errlen)
{
	struct landlock_net_port_attr attr = {.allowed_access = access, .port = port};
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_NET_PORT_VALUE, &attr, 0) < 0) {
		snprintf(err, errlen, "landlock: rule for TCP port %u: %s", port, strerror(errno));
		return -1;
	}
	return 0;
}

int landlock_confine(const struct landlock_policy *policy, int *abi_out, char *err, size_t errlen)
{
	int abi = landlock_abi();
	if (abi_out)
		*abi_out = abi;
	if (abi == 0)
		return 0;
	struct ruleset_attr_v4 attr = {.handled_access_fs = fs_rights(abi, true)};
	size_t attr_size = sizeof(uint64_t);
	if (abi >= 4) {
		/* Connect to any port: Landlock has no wildcard port, so connect
		 * is then left unhandled; otherwise handled with no rule, so
		 * every TCP connect fails. */
		attr.handled_access_net =
		    (policy->bind_any ? 0 : LANDLOCK_ACCESS_NET_BIND_TCP) |
		    (policy->connect_any ? 0 : LANDLOCK_ACCESS_NET_CONNECT_TCP);
		attr_size = sizeof(attr);
	}
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0) {
		snprintf(err, errlen, "landlock: create_ruleset: %s", strerror(errno));
		return -1;
	}
	int rc = -1;
	for (size_t i = 0; i < policy->npaths; i++)
		if (add_path(ruleset, abi, &policy->paths[i], err, errlen))
			goto out;
	if (abi >= 4 && !policy->bind_any) {
		for (size_t i = 0; i < policy->nbind_ports; i++)
			if (add_port(ruleset, LANDLOCK_ACCESS_NET_BIND_TCP, policy->bind_ports[i],
				     err, errlen))
				goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		snprintf(err, errlen, "landlock: restrict_self: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(ruleset);
	return rc;
}
