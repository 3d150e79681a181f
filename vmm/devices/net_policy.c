/*
 * The network policy: options and checks (net_policy.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/net_policy.h"

static const char *const proto_names[] = {[NET_PROTO_TCP] = "tcp", [NET_PROTO_UDP] = "udp"};
static const char *const mode_names[] = {
    [NET_MODE_NONE] = "none", [NET_MODE_USER] = "user", [NET_MODE_HOST] = "host"};

void net_policy_init(struct net_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = NET_MODE_NONE;
}

int net_policy_set_mode(struct net_policy *p, const char *arg, char *err, size_t errlen)
{
	if (p->mode_given) {
		snprintf(err, errlen, "--network given twice");
		return -1;
	}
	for (int m = NET_MODE_NONE; m <= NET_MODE_HOST; m++)
		if (!strcmp(arg, mode_names[m])) {
			p->mode = (enum net_mode)m;
			p->mode_given = true;
			return 0;
		}
	snprintf(err, errlen, "--network '%s': must be none, user or host", arg);
	return -1;
}

/* A decimal port 1..65535 in s[0..n). */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static bool is_any(const struct net_publish *e)
{
	return e->family == AF_UNSPEC ||
	       (e->family == AF_INET && e->addr4.s_addr == htonl(INADDR_ANY)) ||
	       (e->family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&e->addr6));
}

/* Whether two publishes' host addresses can meet on one host port. */
static bool addrs_overlap(const struct net_publish *a, const struct net_publish *b)
{
	if (is_any(a) || is_any(b))
		return true;
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr4.s_addr == b->addr4.s_addr;
	return IN6_ARE_ADDR_EQUAL(&a->addr6, &b->addr6);
}

/* The host address of a publish, s[0..n): IPv4, or IPv6 in brackets. A
 * v4-mapped IPv6 address is kept as the IPv4 one it names. */
static int parse_host_addr(const char *s, size_t n, struct net_publish *e, char *why, size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 2];
	if (n == 0) {
		snprintf(why, whylen, "empty host address");
		return -1;
	}
	if (n >= sizeof(buf)) {
		snprintf(why, whylen, "host address too long");
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		if (buf[n - 1] != ']') {
			snprintf(why, whylen, "'[' without ']' around the IPv6 address");
			return -1;
		}
		buf[n - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, &e->addr6) != 1) {
			snprintf(why, whylen, "'%s' is not an IPv6 address", buf + 1);
			return -1;
		}
		e->family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&e->addr6)) {
			memcpy(&e->addr4, &e->addr6.s6_addr[12], 4);
			e->family = AF_INET;
		}
		return 0;
	}
	if (inet_pton(AF_INET, buf, &e->addr4) != 1) {
		snprintf(why, whylen, "'%s' is not an IPv4 address (an IPv6 one goes in brackets)",
			 buf);
		return -1;
	}
	e->family = AF_INET;
	return 0;
}

/* Parses arg into *e; -1 with the reason in why. */
static int parse_publish(const char *arg, struct net_publish *e, char *why, size_t whylen)
{
	size_t len = strlen(arg);
	const char *slash = strrchr(arg, '/');
	const char *ports = arg;

	memset(e, 0, sizeof(*e));
	e->proto = NET_PROTO_TCP;
	e->family = AF_UNSPEC;
	if (slash) {
		if (!strcmp(slash + 1, "tcp"))
			e->proto = NET_PROTO_TCP;
		else if (!strcmp(slash + 1, "udp"))
			e->proto = NET_PROTO_UDP;
		else {
			snprintf(why, whylen, "protocol '%s' is not tcp or udp", slash + 1);
			return -1;
		}
		len = (size_t)(slash - arg);
	}
	if (arg[0] == '[') {
		const char *close = memchr(arg, ']', len);
		if (!close) {
			snprintf(why, whylen, "'[' without ']' around the IPv6 address");
			return -1;
		}
		if (close + 1 == arg + len || close[1] != ':') {
			snprintf(why, whylen,
				 "the IPv6 address must be followed by ':HOSTPORT:GUESTPORT'");
			return -1;
		}
		if (parse_host_addr(arg, (size_t)(close + 1 - arg), e, why, whylen))
			return -1;
		ports = close + 2;
		len -= (size_t)(ports - arg);
	}
	const char *end = ports + len;
	const char *c1 = memchr(ports, ':', len);
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (!c1) {
		snprintf(why, whylen, "expected [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]");
		return -1;
	}
	if (c2) {
		if (ports != arg || memchr(c2 + 1, ':', (size_t)(end - c2 - 1))) {
			snprintf(why, whylen,
				 "too many ':' (an IPv6 host address goes in brackets)");
			return -1;
		}
		if (parse_host_addr(ports, (size_t)(c1 - ports), e, why, whylen))
			return -1;
		ports = c1 + 1;
		c1 = c2;
	}
	if (memchr(ports, '-', (size_t)(end - ports))) {
		snprintf(why, whylen, "port ranges are not supported");
		return -1;
	}
	if (parse_port(ports, (size_t)(c1 - ports), &e->host_port)) {
		snprintf(why, whylen, "host port '%.*s' is not a number from 1 to 65535",
			 (int)(c1 - ports), ports);
		return -1;
	}
	if (parse_port(c1 + 1, (size_t)(end - c1 - 1), &e->guest_port)) {
		snprintf(why, whylen, "guest port '%.*s' is not a number from 1 to 65535",
			 (int)(end - c1 - 1), c1 + 1);
		return -1;
	}
	return 0;
}

int net_policy_add_publish(struct net_policy *p, const char *arg, char *err, size_t errlen)
{
	struct net_publish e;
	char why[160];

	if (parse_publish(arg, &e, why, sizeof(why))) {
		snprintf(err, errlen, "--publish '%s': %s", arg, why);
		return -1;
	}
	for (int i = 0; i < p->npublish; i++) {
		const struct net_publish *o = &p->publish[i];
		if (o->proto != e.proto)
			continue;
		if (o->guest_port == e.guest_port) {
			snprintf(err, errlen,
				 "--publish '%s': guest port %u/%s is already published", arg,
				 e.guest_port, proto_names[e.proto]);
			return -1;
		}
		if (o->host_port == e.host_port && addrs_overlap(o, &e)) {
			snprintf(err, errlen,
				 "--publish '%s': host port %u/%s is already published", arg,
				 e.host_port, proto_names[e.proto]);
			return -1;
		}
	}
	if (p->npublish == NET_PUBLISH_MAX) {
		snprintf(err, errlen, "too many --publish options (at most %d)", NET_PUBLISH_MAX);
		return -1;
	}
	p->publish[p->npublish++] = e;
	return 0;
}

int net_policy_finish(struct net_policy *p, char *err, size_t errlen)
{
	if (p->npublish == 0)
		return 0;
	if (p->mode_given && p->mode != NET_MODE_USER) {
		snprintf(err, errlen, "--publish needs --network user, not --network %s",
			 mode_names[p->mode]);
		return -1;
	}
	p->mode = NET_MODE_USER;
	return 0;
}

/* Copies a guest socket address (AF_INET or AF_INET6) into *out: 0 or
 * Linux's errno for a short or foreign one. */
static int copy_addr(const struct sockaddr *sa, socklen_t len, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	switch (sa->sa_family) {
	case AF_INET:
		if (len < (socklen_t)sizeof(struct sockaddr_in))
			return -EINVAL;
		memcpy(out, sa, sizeof(struct sockaddr_in));
		return 0;
	case AF_INET6:
		/* Linux takes the RFC 2133 size, without sin6_scope_id. */
		if (len < (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
			return -EINVAL;
		memcpy(out, sa,
		       len < sizeof(struct sockaddr_in6) ? len : sizeof(struct sockaddr_in6));
		return 0;
	}
	return -EAFNOSUPPORT;
}

static uint16_t addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static const struct net_publish *find_guest_port(const struct net_policy *p, enum net_proto proto,
						 uint16_t port)
{
	for (int i = 0; i < p->npublish; i++)
		if (p->publish[i].proto == proto && p->publish[i].guest_port == port)
			return &p->publish[i];
	return NULL;
}

/* Puts the publish's own host address into *a (of a's family); 0, or -1 if
 * an AF_INET address cannot name the publish's IPv6 one. */
static int set_publish_addr(struct sockaddr_storage *a, const struct net_publish *e)
{
	if (e->family == AF_UNSPEC)
		return 0;
	if (a->ss_family == AF_INET) {
		if (e->family != AF_INET)
			return -1;
		((struct sockaddr_in *)a)->sin_addr = e->addr4;
		return 0;
	}
	struct in6_addr *a6 = &((struct sockaddr_in6 *)a)->sin6_addr;
	if (e->family == AF_INET6) {
		*a6 = e->addr6;
	} else {
		memset(a6, 0, sizeof(*a6));
		a6->s6_addr[10] = 0xff;
		a6->s6_addr[11] = 0xff;
		memcpy(&a6->s6_addr[12], &e->addr4, 4);
	}
	((struct sockaddr_in6 *)a)->sin6_scope_id = 0;
	return 0;
}

int net_policy_bind(const struct net_policy *p, enum net_proto proto, const struct sockaddr *guest,
		    socklen_t len, struct sockaddr_storage *host,
		    const struct net_publish **publish)
{
	if (publish)
		*publish = NULL;
	if (p->mode == NET_MODE_NONE)
		return -EACCES;
	int rc = copy_addr(guest, len, host);
	if (rc || p->mode == NET_MODE_HOST)
		return rc;

	uint16_t port = addr_port(host);
	sa_family_t family = host->ss_family;
	const struct net_publish *e = port ? find_guest_port(p, proto, port) : NULL;
	if (port && !e)
		return -EACCES;
	/* The guest's address is replaced: the any address, or the publish's. */
	memset(host, 0, sizeof(*host));
	host->ss_family = family;
	if (e) {
		if (set_publish_addr(host, e))
			return -EADDRNOTAVAIL;
		set_port(host, e->host_port);
	}
	if (publish)
		*publish = e;
	return 0;
}

int net_policy_listen(const struct net_policy *p, const struct net_publish *publish)
{
	if (p->mode == NET_MODE_HOST || (p->mode == NET_MODE_USER && publish))
		return 0;
	return -EACCES;
}

uint16_t net_policy_guest_port(const struct net_publish *publish, uint16_t host_port)
{
	return publish ? publish->guest_port : host_port;
}

/* Linux reaches the local host through 127.0.0.0/8, ::1 and the any
 * addresses (0.0.0.0 and :: as destinations), v4-mapped or not. */
static bool is_local(const struct sockaddr_storage *a)
{
	uint32_t v4;
	if (a->ss_family == AF_INET) {
		v4 = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);
	} else {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_UNSPECIFIED(a6))
			return true;
		if (!IN6_IS_ADDR_V4MAPPED(a6))
			return false;
		memcpy(&v4, &a6->s6_addr[12], 4);
		v4 = ntohl(v4);
	}
	return (v4 >> 24) == 127 || v4 == INADDR_ANY;
}

int net_policy_connect(const struct net_policy *p, enum net_proto proto, const struct sockaddr *dst,
		       socklen_t len, struct sockaddr_storage *host)
{
	if (p->mode == NET_MODE_NONE)
		return -EACCES;
	int rc = copy_addr(dst, len, host);
	if (rc || p->mode == NET_MODE_HOST || !is_local(host))
		return rc;
	/* The guest's loopback is the guest: only its own published ports. */
	const struct net_publish *e = find_guest_port(p, proto, addr_port(host));
	if (!e || set_publish_addr(host, e))
		return -ECONNREFUSED;
	set_port(host, e->host_port);
	return 0;
}

void net_policy_tcp_ports(const struct net_policy *p, uint16_t *ports, size_t *nports,
			  bool *bind_any, bool *connect_any)
{
	size_t n = 0;
	*bind_any = p->mode == NET_MODE_HOST;
	*connect_any = p->mode != NET_MODE_NONE;
	if (p->mode == NET_MODE_USER) {
		ports[n++] = 0;
		for (int i = 0; i < p->npublish; i++) {
			const struct net_publish *e = &p->publish[i];
			size_t j = 0;
			while (j < n && ports[j] != e->host_port)
				j++;
			if (e->proto == NET_PROTO_TCP && j == n)
				ports[n++] = e->host_port;
		}
	}
	*nports = n;
}
