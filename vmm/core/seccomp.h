/*
 * The VMM's seccomp filters (libseccomp): each thread confines itself,
 * after setup and before it serves the guest, to the system calls (and
 * where it matters, the arguments) that its role needs. docs/hardening.md
 * lists every allowed call and why.
 *
 * A forbidden call traps (SECCOMP_RET_TRAP): a SIGSYS handler prints one
 * line naming the call and the thread, and ends the process with
 * EXIT_SECCOMP. Calls from a foreign architecture (int 0x80, x32) kill
 * the process at once.
 */
#ifndef UKVM_SECCOMP_FILTER_H
#define UKVM_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

enum ukvm_seccomp {
	UKVM_SECCOMP_KILL,  /* the default: a forbidden call ends the run */
	UKVM_SECCOMP_LOG,   /* --seccomp-log: the kernel logs it, the call goes ahead */
	UKVM_SECCOMP_OFF,   /* --no-seccomp: no filter (debugging only) */
	UKVM_SECCOMP_PROBE, /* `unikvm probe`: no filter, no warning (its guest is
			     * built in, and it needs the host afterwards) */
};

#include <seccomp.h>

struct vm;

/* A filter being built. Rules are added with the macros below; the first
 * libseccomp error is kept and reported when the filter is loaded. */
struct seccomp_rules {
	scmp_filter_ctx ctx;
	int err;	 /* the first libseccomp error (-errno), 0: none */
	const char *bad; /* the call it came with */
};

/* Allows system call nr (called name in errors) when all of cmp[0..n) hold. */
void seccomp_allow(struct seccomp_rules *r, const char *name, int nr, unsigned n,
		   const struct scmp_arg_cmp *cmp);

/* clang-format off */
#define SECCOMP_ARGS(...) (const struct scmp_arg_cmp[]){__VA_ARGS__}
/* clang-format on */
#define SECCOMP_NARGS(...)                                                                         \
	(unsigned)(sizeof(SECCOMP_ARGS(__VA_ARGS__)) / sizeof(struct scmp_arg_cmp))
/* ALLOW(r, read): any arguments. ALLOW_IF(r, read, arg_eq(0, ...), ...):
 * only with these (all of them). Several rules for one call: any of them. */
#define ALLOW(r, name) seccomp_allow(r, #name, SCMP_SYS(name), 0, NULL)
#define ALLOW_IF(r, name, ...)                                                                     \
	seccomp_allow(r, #name, SCMP_SYS(name), SECCOMP_NARGS(__VA_ARGS__),                        \
		      SECCOMP_ARGS(__VA_ARGS__))
#define FD_IS(fd) arg_eq(0, (scmp_datum_t)(fd))

/* Argument n equals v; masked with mask, equals v. (libseccomp's SCMP_An
 * macros leave a field out, which clang warns about.) */
static inline struct scmp_arg_cmp arg_eq(unsigned n, scmp_datum_t v)
{
	return (struct scmp_arg_cmp){.arg = n, .op = SCMP_CMP_EQ, .datum_a = v};
}

static inline struct scmp_arg_cmp arg_masked_eq(unsigned n, scmp_datum_t mask, scmp_datum_t v)
{
	return (struct scmp_arg_cmp){
	    .arg = n, .op = SCMP_CMP_MASKED_EQ, .datum_a = mask, .datum_b = v};
}

/* Starts a filter for a device thread with what every confined thread
 * needs; false (r->err set) if libseccomp cannot. */
bool seccomp_rules_init(struct seccomp_rules *r, enum ukvm_seccomp mode);
/* Loads r's filter on the calling thread and frees r. role names the
 * thread in reports ("disk 0 device"), hook_name in the test hook
 * ("disk0"). 0, or EXIT_HOST_ERROR with a one-line reason in err. */
int seccomp_rules_load(struct seccomp_rules *r, const char *role, const char *hook_name, char *err,
		       size_t errlen);

/* Confines the calling thread, the vCPU thread, to what the run loop, the
 * teardown and every device's hypercalls need with vm's options
 * (devices_seccomp_vcpu). With UKVM_SECCOMP_OFF, prints a warning instead.
 * 0, or EXIT_HOST_ERROR with a one-line reason in err. */
int seccomp_confine_vcpu(const struct vm *vm, char *err, size_t errlen);

#endif
