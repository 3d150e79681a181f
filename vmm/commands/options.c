/*
 * The `unikvm run` option parser (options.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "commands/options.h"
#include "core/vm.h"

int usage_error(const char *fmt, const char *arg)
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
	case 'k':
	case 'K':
		unit = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		unit = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		unit = 1ULL << 30;
		end++;
		break;
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

/* Whether an --env of o gives the variable of "NAME=VALUE" var. */
static bool env_given(const struct run_options *o, const char *var)
{
	size_t n = strcspn(var, "=") + 1; /* the name and its '=' */
	for (int i = 0; i < o->nenv; i++)
		if (!strncmp(o->env[i], var, n))
			return true;
	return false;
}

void run_options_init(struct run_options *o)
{
	memset(o, 0, offsetof(struct run_options, env));
}

void run_options_guest_env(const struct run_options *o, char **out)
{
	static const char *const defaults[DEFAULT_ENV_COUNT] = {DEFAULT_ENV_PATH, DEFAULT_ENV_HOME};
	int n = 0;
	for (int i = 0; i < DEFAULT_ENV_COUNT && !o->no_default_env; i++)
		if (!env_given(o, defaults[i]))
			out[n++] = (char *)defaults[i];
	for (int i = 0; i < o->nenv; i++)
		out[n++] = o->env[i];
	out[n] = NULL;
}

enum {
	OPT_STATS = 256,
	OPT_TRACE_NOSYS,
	OPT_CORE,
	OPT_DISK,
	OPT_NO_SECCOMP,
	OPT_SECCOMP_LOG,
	OPT_NO_DEFAULT_ENV,
	OPT_NETWORK,
	OPT_RESOLV_CONF,
	OPT_HOSTS_FILE,
	OPT_SERVICES_FILE,
};

static const struct option longopts[] = {
    {"mem", required_argument, NULL, 'm'},
    {"env", required_argument, NULL, 'e'},
    {"no-default-env", no_argument, NULL, OPT_NO_DEFAULT_ENV},
    {"timeout", required_argument, NULL, 't'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"core", required_argument, NULL, OPT_CORE},
    {"disk", required_argument, NULL, OPT_DISK},
    {"dir", required_argument, NULL, 'd'},
    {"trace-nosys", no_argument, NULL, OPT_TRACE_NOSYS},
    {"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
    {"seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"publish", required_argument, NULL, 'p'},
    {"resolv-conf", required_argument, NULL, OPT_RESOLV_CONF},
    {"hosts-file", required_argument, NULL, OPT_HOSTS_FILE},
    {"services-file", required_argument, NULL, OPT_SERVICES_FILE},
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

static int set_mem(struct run_options *o, const char *arg)
{
	if (parse_size(arg, &o->mem) < 0 || o->mem == 0)
		return usage_error("--mem '%s': not a size like 256M or 1G", arg);
	o->mem_arg = arg;
	o->mem = round_mem(o->mem);
	if (o->mem < UKVM_MEM_MIN)
		return usage_error("--mem %s: less than the minimum, 32M", arg);
	if (o->mem > UKVM_MEM_MAX)
		return usage_error("--mem %s: more than the maximum, 3G", arg);
	return 0;
}

/* --network, -p/--publish: the policy's message as a usage error. */
static int net_option(struct run_options *o, int c, const char *arg)
{
	char err[256];
	int r = c == 'p' ? net_policy_add_publish(&o->net, arg, err, sizeof(err))
			 : net_policy_set_mode(&o->net, arg, err, sizeof(err));
	return r ? usage_error("%s", err) : 0;
}

/* --resolv-conf, --hosts-file, --services-file: opened by the device. */
static int etc_option(struct run_options *o, int which, const char *name, const char *arg)
{
	if (o->etc_files[which])
		return usage_error("%s given twice", name);
	if (!*arg)
		return usage_error("%s: no file name", name);
	o->etc_files[which] = arg;
	return 0;
}

/* Applies option c (getopt_long's value) with its value arg: 0,
 * RUN_OPTIONS_HELP, or EXIT_HOST_ERROR after a message. */
static int apply_option(struct run_options *o, int c, char *arg)
{
	switch (c) {
	case 'm':
		return set_mem(o, arg);
	case 'e':
		return add_env(o, arg);
	case OPT_NO_DEFAULT_ENV:
		o->no_default_env = true;
		return 0;
	case 't':
		if (parse_seconds(arg, &o->timeout_ms) < 0)
			return usage_error("--timeout '%s': not a number of seconds > 0", arg);
		return 0;
	case OPT_CORE:
		o->core_path = arg;
		return 0;
	case OPT_DISK:
		if (o->ndisks == UKVM_BLK_MAX)
			return usage_error("--disk %s: too many disks (at most 8)", arg);
		o->disks[o->ndisks++] = arg;
		return 0;
	case 'd':
		if (o->ndirs == UKVM_FS_MOUNTS_MAX)
			return usage_error("--dir %s: too many directories (at most 32)", arg);
		o->dirs[o->ndirs++] = arg;
		return 0;
	case OPT_STATS:
		o->stats = true;
		return 0;
	case OPT_TRACE_NOSYS:
		o->trace_nosys = true;
		return 0;
	case OPT_NO_SECCOMP:
		o->seccomp = UKVM_SECCOMP_OFF;
		return 0;
	case OPT_SECCOMP_LOG:
		o->seccomp = UKVM_SECCOMP_LOG;
		return 0;
	case OPT_NETWORK:
	case 'p':
		return net_option(o, c, arg);
	case OPT_RESOLV_CONF:
		return etc_option(o, UKVM_NET_ETC_RESOLV_CONF, "--resolv-conf", arg);
	case OPT_HOSTS_FILE:
		return etc_option(o, UKVM_NET_ETC_HOSTS, "--hosts-file", arg);
	case OPT_SERVICES_FILE:
		return etc_option(o, UKVM_NET_ETC_SERVICES, "--services-file", arg);
	case 'h':
		return RUN_OPTIONS_HELP;
	}
	return EXIT_HOST_ERROR; /* getopt_long gives no other value */
}

int run_options_parse(int argc, char **argv, struct run_options *o, bool pack, int *first)
{
	int c, r, at;
	char err[256];

	net_policy_init(&o->net);
	opterr = 0;
	optind = 0; /* glibc: start afresh (a bundle parses two lists) */
	for (;;) {
		at = optind ? optind : 1;
		if ((c = getopt_long(argc, argv, "+:m:e:t:d:p:ho:", longopts, NULL)) == -1)
			break;
		if (c == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		if (c == '?' || (c == 'o' && !pack))
			return usage_error("unknown option '%s'", argv[c == 'o' ? at : optind - 1]);
		if (c == 'o') {
			o->output = optarg;
			o->output_at = at;
			o->output_end = optind;
		} else if ((r = apply_option(o, c, optarg))) {
			return r;
		}
	}
	if (net_policy_finish(&o->net, err, sizeof(err)))
		return usage_error("%s", err);
	*first = optind;
	return 0;
}

int run_options_scan(int argc, char **argv, const char **output, char **kept, int *nkept,
		     int *first)
{
	struct run_options o;
	run_options_init(&o);
	int r;

	if ((r = run_options_parse(argc, argv, &o, output != NULL, first)))
		return r;
	if (output)
		*output = o.output;
	*nkept = 0;
	for (int i = 1; i < optind; i++)
		if (!o.output || i < o.output_at || i >= o.output_end)
			kept[(*nkept)++] = argv[i];
	return 0;
}
