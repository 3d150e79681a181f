/* The network policy (vmm/devices/net_policy.c): --network and --publish
 * parsing, the bind/listen/connect checks, the Landlock port list. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/net_policy.h"

/* A policy from command-line words: "--network=MODE" or a publish. 0, or
 * -1 with the message in err. */
static int make(struct net_policy *p, char *err, size_t errlen, const char *const *args)
{
	net_policy_init(p);
	err[0] = '\0';
	for (; *args; args++) {
		int rc = !strncmp(*args, "--network=", 10)
			     ? net_policy_set_mode(p, *args + 10, err, errlen)
			     : net_policy_add_publish(p, *args, err, errlen);
		if (rc)
			return rc;
	}
	return net_policy_finish(p, err, errlen);
}

#define POLICY(p, ...)                                                                             \
	do {                                                                                       \
		char err_[256];                                                                    \
		const char *const args_[] = {__VA_ARGS__, NULL};                                   \
		if (make(p, err_, sizeof(err_), args_))                                            \
			fail_msg("%s", err_);                                                      \
	} while (0)

static void expect_error(const char *want, const char *const *args)
{
	struct net_policy p;
	char err[256];
	assert_int_equal(make(&p, err, sizeof(err), args), -1);
	assert_string_equal(err, want);
}

#define BAD(want, ...)                                                                             \
	do {                                                                                       \
		const char *const args_[] = {__VA_ARGS__, NULL};                                   \
		expect_error(want, args_);                                                         \
	} while (0)

static void check_publish(const struct net_publish *e, enum net_proto proto, sa_family_t family,
			  const char *addr, uint16_t host_port, uint16_t guest_port)
{
	char buf[INET6_ADDRSTRLEN] = "";
	assert_int_equal(e->proto, proto);
	assert_int_equal(e->family, family);
	if (family == AF_INET)
		inet_ntop(AF_INET, &e->addr4, buf, sizeof(buf));
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, &e->addr6, buf, sizeof(buf));
	assert_string_equal(buf, addr);
	assert_int_equal(e->host_port, host_port);
	assert_int_equal(e->guest_port, guest_port);
}

static void test_modes(void **state)
{
	struct net_policy p;
	char err[128];
	(void)state;
	net_policy_init(&p);
	assert_int_equal(net_policy_finish(&p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, NET_MODE_NONE);
	POLICY(&p, "--network=none");
	assert_int_equal(p.mode, NET_MODE_NONE);
	POLICY(&p, "--network=user");
	assert_int_equal(p.mode, NET_MODE_USER);
	assert_int_equal(p.npublish, 0);
	POLICY(&p, "--network=host");
	assert_int_equal(p.mode, NET_MODE_HOST);
	/* A publish implies user, before or after --network user. */
	POLICY(&p, "80:8080");
	assert_int_equal(p.mode, NET_MODE_USER);
	POLICY(&p, "80:8080", "--network=user");
	assert_int_equal(p.mode, NET_MODE_USER);
}

static void test_mode_errors(void **state)
{
	(void)state;
	BAD("--network 'bridge': must be none, user or host", "--network=bridge");
	BAD("--network '': must be none, user or host", "--network=");
	BAD("--network 'User': must be none, user or host", "--network=User");
	BAD("--network given twice", "--network=user", "--network=user");
	BAD("--network given twice", "--network=none", "--network=host");
	BAD("--publish needs --network user, not --network none", "--network=none", "80:80");
	BAD("--publish needs --network user, not --network host", "80:80", "--network=host");
}

static void test_publish_forms(void **state)
{
	struct net_policy p;
	(void)state;
	POLICY(&p, "8080:80", "53:5353/udp", "127.0.0.1:9000:90/tcp", "[::1]:9001:91",
	       "[2001:db8::7]:443:443/udp", "[::ffff:10.0.0.1]:444:444", "0.0.0.0:1:65535",
	       "65535:1", "[::]:2:2", "00080:81");
	assert_int_equal(p.npublish, 10);
	check_publish(&p.publish[0], NET_PROTO_TCP, AF_UNSPEC, "", 8080, 80);
	check_publish(&p.publish[1], NET_PROTO_UDP, AF_UNSPEC, "", 53, 5353);
	check_publish(&p.publish[2], NET_PROTO_TCP, AF_INET, "127.0.0.1", 9000, 90);
	check_publish(&p.publish[3], NET_PROTO_TCP, AF_INET6, "::1", 9001, 91);
	check_publish(&p.publish[4], NET_PROTO_UDP, AF_INET6, "2001:db8::7", 443, 443);
	check_publish(&p.publish[5], NET_PROTO_TCP, AF_INET, "10.0.0.1", 444, 444);
	check_publish(&p.publish[6], NET_PROTO_TCP, AF_INET, "0.0.0.0", 1, 65535);
	check_publish(&p.publish[7], NET_PROTO_TCP, AF_UNSPEC, "", 65535, 1);
	check_publish(&p.publish[8], NET_PROTO_TCP, AF_INET6, "::", 2, 2);
	check_publish(&p.publish[9], NET_PROTO_TCP, AF_UNSPEC, "", 80, 81);
	/* The same ports in tcp and udp are different publishes. */
	POLICY(&p, "80:80", "80:80/udp");
	assert_int_equal(p.npublish, 2);
	/* One host port on two distinct addresses. */
	POLICY(&p, "127.0.0.1:80:80", "10.0.0.1:80:81", "[::1]:80:82");
	assert_int_equal(p.npublish, 3);
}

static void test_publish_errors(void **state)
{
	(void)state;
	BAD("--publish '80': expected [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]", "80");
	BAD("--publish '': expected [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]", "");
	BAD("--publish '80:80/sctp': protocol 'sctp' is not tcp or udp", "80:80/sctp");
	BAD("--publish '80:80/': protocol '' is not tcp or udp", "80:80/");
	BAD("--publish '80:80/TCP': protocol 'TCP' is not tcp or udp", "80:80/TCP");
	BAD("--publish '0:80': host port '0' is not a number from 1 to 65535", "0:80");
	BAD("--publish '80:0': guest port '0' is not a number from 1 to 65535", "80:0");
	BAD("--publish '65536:80': host port '65536' is not a number from 1 to 65535", "65536:80");
	BAD("--publish '80:100000': guest port '100000' is not a number from 1 to 65535",
	    "80:100000");
	BAD("--publish ':80': host port '' is not a number from 1 to 65535", ":80");
	BAD("--publish '80:': guest port '' is not a number from 1 to 65535", "80:");
	BAD("--publish '+80:80': host port '+80' is not a number from 1 to 65535", "+80:80");
	BAD("--publish '80:8x': guest port '8x' is not a number from 1 to 65535", "80:8x");
	BAD("--publish '80:80 ': guest port '80 ' is not a number from 1 to 65535", "80:80 ");
	BAD("--publish '8000-8010:80': port ranges are not supported", "8000-8010:80");
	BAD("--publish ':80:80': empty host address", ":80:80");
	BAD("--publish '1.2.3:80:80': '1.2.3' is not an IPv4 address (an IPv6 one goes in "
	    "brackets)",
	    "1.2.3:80:80");
	BAD("--publish 'localhost:80:80': 'localhost' is not an IPv4 address (an IPv6 one goes in "
	    "brackets)",
	    "localhost:80:80");
	BAD("--publish '::1:80:80': too many ':' (an IPv6 host address goes in brackets)",
	    "::1:80:80");
	BAD("--publish '1.2.3.4:80:80:80': too many ':' (an IPv6 host address goes in brackets)",
	    "1.2.3.4:80:80:80");
	BAD("--publish '[::1:80:80': '[' without ']' around the IPv6 address", "[::1:80:80");
	BAD("--publish '[::1]80:80': the IPv6 address must be followed by ':HOSTPORT:GUESTPORT'",
	    "[::1]80:80");
	BAD("--publish '[::1]': the IPv6 address must be followed by ':HOSTPORT:GUESTPORT'",
	    "[::1]");
	BAD("--publish '[1.2.3.4]:80:80': '1.2.3.4' is not an IPv6 address", "[1.2.3.4]:80:80");
	BAD("--publish '[]:80:80': '' is not an IPv6 address", "[]:80:80");
	BAD("--publish '[::1]:1:2:3': too many ':' (an IPv6 host address goes in brackets)",
	    "[::1]:1:2:3");
	BAD("--publish '[::1]:80': expected [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]", "[::1]:80");
	BAD("--publish '[1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa]:1:1': host address too "
	    "long",
	    "[1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa]:1:1");
}

static void test_publish_conflicts(void **state)
{
	(void)state;
	BAD("--publish '8080:80': guest port 80/tcp is already published", "8080:80", "8080:80");
	BAD("--publish '8081:80/tcp': guest port 80/tcp is already published", "8080:80",
	    "8081:80/tcp");
	BAD("--publish '8080:81': host port 8080/tcp is already published", "8080:80", "8080:81");
	BAD("--publish '53:54/udp': host port 53/udp is already published", "53:53/udp",
	    "53:54/udp");
	/* All addresses overlap every address, a specific one its equal. */
	BAD("--publish '127.0.0.1:8080:81': host port 8080/tcp is already published", "8080:80",
	    "127.0.0.1:8080:81");
	BAD("--publish '8080:81': host port 8080/tcp is already published", "[::1]:8080:80",
	    "8080:81");
	BAD("--publish '[::]:8080:81': host port 8080/tcp is already published", "10.0.0.1:8080:80",
	    "[::]:8080:81");
	BAD("--publish '0.0.0.0:8080:81': host port 8080/tcp is already published",
	    "10.0.0.1:8080:80", "0.0.0.0:8080:81");
	BAD("--publish '[::ffff:10.0.0.1]:8080:81': host port 8080/tcp is already published",
	    "10.0.0.1:8080:80", "[::ffff:10.0.0.1]:8080:81");
	BAD("--publish '[::1]:8080:81': host port 8080/tcp is already published", "[::1]:8080:80",
	    "[::1]:8080:81");

	struct net_policy p;
	char err[128];
	net_policy_init(&p);
	for (int i = 1; i <= NET_PUBLISH_MAX; i++) {
		char arg[32];
		snprintf(arg, sizeof(arg), "%d:%d", 1000 + i, i);
		assert_int_equal(net_policy_add_publish(&p, arg, err, sizeof(err)), 0);
	}
	assert_int_equal(net_policy_add_publish(&p, "2000:2000", err, sizeof(err)), -1);
	assert_string_equal(err, "too many --publish options (at most 64)");
}

static socklen_t sin4(struct sockaddr_storage *s, const char *addr, uint16_t port)
{
	struct sockaddr_in *a = (struct sockaddr_in *)s;
	memset(s, 0, sizeof(*s));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &a->sin_addr), 1);
	return sizeof(*a);
}

static socklen_t sin6(struct sockaddr_storage *s, const char *addr, uint16_t port)
{
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)s;
	memset(s, 0, sizeof(*s));
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
	return sizeof(*a);
}

/* *s as "ADDR PORT" (IPv6 in brackets). */
static const char *show(const struct sockaddr_storage *s)
{
	static char out[INET6_ADDRSTRLEN + 16];
	char a[INET6_ADDRSTRLEN];
	if (s->ss_family == AF_INET) {
		const struct sockaddr_in *v = (const struct sockaddr_in *)s;
		inet_ntop(AF_INET, &v->sin_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "%s %u", a, ntohs(v->sin_port));
	} else {
		const struct sockaddr_in6 *v = (const struct sockaddr_in6 *)s;
		inet_ntop(AF_INET6, &v->sin6_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "[%s] %u", a, ntohs(v->sin6_port));
	}
	return out;
}

static void expect_bind(const struct net_policy *p, enum net_proto proto, bool v6, const char *addr,
			uint16_t port, int want_rc, const char *want_host, int want_guest_port)
{
	struct sockaddr_storage g, h;
	const struct net_publish *e = (const void *)1;
	socklen_t len = v6 ? sin6(&g, addr, port) : sin4(&g, addr, port);
	assert_int_equal(net_policy_bind(p, proto, (struct sockaddr *)&g, len, &h, &e), want_rc);
	if (want_rc) {
		assert_null(e);
		return;
	}
	assert_string_equal(show(&h), want_host);
	assert_int_equal(net_policy_guest_port(e, (uint16_t)atoi(strrchr(want_host, ' ') + 1)),
			 want_guest_port);
	assert_int_equal(net_policy_listen(p, e), e || p->mode == NET_MODE_HOST ? 0 : -EACCES);
}

static void test_bind_none_and_host(void **state)
{
	struct net_policy p;
	(void)state;
	POLICY(&p, "--network=none");
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 80, -EACCES, NULL, 0);
	expect_bind(&p, NET_PROTO_UDP, true, "::", 0, -EACCES, NULL, 0);
	assert_int_equal(net_policy_listen(&p, NULL), -EACCES);

	POLICY(&p, "--network=host");
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 80, 0, "0.0.0.0 80", 80);
	expect_bind(&p, NET_PROTO_TCP, false, "127.0.0.1", 0, 0, "127.0.0.1 0", 0);
	expect_bind(&p, NET_PROTO_UDP, true, "::1", 65535, 0, "[::1] 65535", 65535);
	assert_int_equal(net_policy_listen(&p, NULL), 0);
}

static void test_bind_user(void **state)
{
	struct net_policy p;
	(void)state;
	POLICY(&p, "8080:80", "127.0.0.1:5353:53/udp", "[::1]:9443:443", "10.1.2.3:2222:22");
	/* The guest's address is replaced by the publish's. */
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 80, 0, "0.0.0.0 8080", 80);
	expect_bind(&p, NET_PROTO_TCP, false, "127.0.0.1", 80, 0, "0.0.0.0 8080", 80);
	expect_bind(&p, NET_PROTO_TCP, true, "::", 80, 0, "[::] 8080", 80);
	expect_bind(&p, NET_PROTO_UDP, false, "0.0.0.0", 53, 0, "127.0.0.1 5353", 53);
	expect_bind(&p, NET_PROTO_UDP, true, "::", 53, 0, "[::ffff:127.0.0.1] 5353", 53);
	expect_bind(&p, NET_PROTO_TCP, true, "::", 443, 0, "[::1] 9443", 443);
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 443, -EADDRNOTAVAIL, NULL, 0);
	expect_bind(&p, NET_PROTO_TCP, false, "192.168.0.9", 22, 0, "10.1.2.3 2222", 22);
	/* Unpublished: the port, or the protocol; the host port is not a guest port. */
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 81, -EACCES, NULL, 0);
	expect_bind(&p, NET_PROTO_UDP, false, "0.0.0.0", 80, -EACCES, NULL, 0);
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 53, -EACCES, NULL, 0);
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 8080, -EACCES, NULL, 0);
	/* Port 0: an ephemeral host port on the any address; no listen. */
	expect_bind(&p, NET_PROTO_TCP, false, "127.0.0.1", 0, 0, "0.0.0.0 0", 0);
	expect_bind(&p, NET_PROTO_UDP, true, "::1", 0, 0, "[::] 0", 0);
	assert_int_equal(net_policy_guest_port(NULL, 41234), 41234);

	/* user without publishes: only ephemeral ports. */
	POLICY(&p, "--network=user");
	expect_bind(&p, NET_PROTO_TCP, false, "0.0.0.0", 80, -EACCES, NULL, 0);
	expect_bind(&p, NET_PROTO_UDP, false, "0.0.0.0", 0, 0, "0.0.0.0 0", 0);
	assert_int_equal(net_policy_listen(&p, NULL), -EACCES);
}

static void test_bad_addresses(void **state)
{
	struct net_policy p;
	struct sockaddr_storage g, h;
	(void)state;
	for (int m = 0; m < 2; m++) {
		if (m)
			POLICY(&p, "--network=host");
		else
			POLICY(&p, "80:80");
		socklen_t l4 = sin4(&g, "1.2.3.4", 80);
		assert_int_equal(
		    net_policy_bind(&p, NET_PROTO_TCP, (struct sockaddr *)&g, l4 - 1, &h, NULL),
		    -EINVAL);
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_TCP, (struct sockaddr *)&g, l4 - 1, &h),
		    -EINVAL);
		assert_int_equal(
		    net_policy_bind(&p, NET_PROTO_TCP, (struct sockaddr *)&g, 1, &h, NULL),
		    -EINVAL);
		assert_int_equal(net_policy_bind(&p, NET_PROTO_TCP, NULL, 16, &h, NULL), -EINVAL);
		socklen_t l6 = sin6(&g, "::1", 80);
		/* RFC 2133's 24 bytes are enough, 23 are not. */
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_TCP, (struct sockaddr *)&g, 24, &h), 0);
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_TCP, (struct sockaddr *)&g, 23, &h), -EINVAL);
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_TCP, (struct sockaddr *)&g, l6, &h), 0);
		g.ss_family = AF_UNIX;
		assert_int_equal(
		    net_policy_bind(&p, NET_PROTO_TCP, (struct sockaddr *)&g, l6, &h, NULL),
		    -EAFNOSUPPORT);
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_TCP, (struct sockaddr *)&g, l6, &h),
		    -EAFNOSUPPORT);
		g.ss_family = AF_NETLINK;
		assert_int_equal(
		    net_policy_connect(&p, NET_PROTO_UDP, (struct sockaddr *)&g, l6, &h),
		    -EAFNOSUPPORT);
	}
}

static void expect_connect(const struct net_policy *p, enum net_proto proto, bool v6,
			   const char *addr, uint16_t port, int want_rc, const char *want_host)
{
	struct sockaddr_storage d, h;
	socklen_t len = v6 ? sin6(&d, addr, port) : sin4(&d, addr, port);
	assert_int_equal(net_policy_connect(p, proto, (struct sockaddr *)&d, len, &h), want_rc);
	if (!want_rc)
		assert_string_equal(show(&h), want_host);
}

static void test_connect(void **state)
{
	struct net_policy p;
	(void)state;
	POLICY(&p, "--network=none");
	expect_connect(&p, NET_PROTO_TCP, false, "93.184.216.34", 80, -EACCES, NULL);
	expect_connect(&p, NET_PROTO_UDP, true, "2001:db8::1", 53, -EACCES, NULL);

	POLICY(&p, "--network=host");
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.1", 22, 0, "127.0.0.1 22");
	expect_connect(&p, NET_PROTO_UDP, true, "::1", 53, 0, "[::1] 53");
	expect_connect(&p, NET_PROTO_TCP, false, "10.0.0.1", 0, 0, "10.0.0.1 0");

	POLICY(&p, "8080:80", "127.0.0.1:5353:53/udp", "[::1]:9443:443", "10.1.2.3:2222:22");
	/* Outbound is passed on, port 0 included. */
	expect_connect(&p, NET_PROTO_TCP, false, "93.184.216.34", 80, 0, "93.184.216.34 80");
	expect_connect(&p, NET_PROTO_UDP, false, "8.8.8.8", 53, 0, "8.8.8.8 53");
	expect_connect(&p, NET_PROTO_TCP, true, "2001:db8::1", 8080, 0, "[2001:db8::1] 8080");
	expect_connect(&p, NET_PROTO_UDP, false, "10.0.0.1", 0, 0, "10.0.0.1 0");
	/* The guest's loopback reaches its own published services... */
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.1", 80, 0, "127.0.0.1 8080");
	expect_connect(&p, NET_PROTO_TCP, false, "127.1.2.3", 80, 0, "127.1.2.3 8080");
	expect_connect(&p, NET_PROTO_TCP, false, "0.0.0.0", 80, 0, "0.0.0.0 8080");
	expect_connect(&p, NET_PROTO_TCP, true, "::1", 80, 0, "[::1] 8080");
	expect_connect(&p, NET_PROTO_TCP, true, "::", 80, 0, "[::] 8080");
	expect_connect(&p, NET_PROTO_TCP, true, "::ffff:127.0.0.1", 80, 0,
		       "[::ffff:127.0.0.1] 8080");
	expect_connect(&p, NET_PROTO_UDP, false, "127.0.0.1", 53, 0, "127.0.0.1 5353");
	expect_connect(&p, NET_PROTO_UDP, true, "::1", 53, 0, "[::ffff:127.0.0.1] 5353");
	expect_connect(&p, NET_PROTO_TCP, true, "::1", 443, 0, "[::1] 9443");
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.1", 443, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.1", 22, 0, "10.1.2.3 2222");
	/* ...and nothing else on the host's loopback. */
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.1", 8080, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_TCP, false, "127.0.0.53", 53, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_UDP, false, "127.0.0.1", 80, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_TCP, false, "0.0.0.0", 22222, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_TCP, true, "::", 5432, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_TCP, true, "::ffff:0.0.0.0", 5432, -ECONNREFUSED, NULL);
	expect_connect(&p, NET_PROTO_UDP, true, "::ffff:127.0.0.1", 0, -ECONNREFUSED, NULL);
	/* Not loopback: 128.0.0.1, ::2, ::ffff:10.0.0.1. */
	expect_connect(&p, NET_PROTO_TCP, false, "128.0.0.1", 8080, 0, "128.0.0.1 8080");
	expect_connect(&p, NET_PROTO_TCP, true, "::2", 8080, 0, "[::2] 8080");
	expect_connect(&p, NET_PROTO_TCP, true, "::ffff:10.0.0.1", 8080, 0,
		       "[::ffff:10.0.0.1] 8080");
}

static void expect_ports(const struct net_policy *p, bool want_bind_any, bool want_connect_any,
			 const uint16_t *want, size_t nwant)
{
	uint16_t ports[NET_PUBLISH_MAX + 1];
	size_t n = 99;
	bool bind_any = !want_bind_any, connect_any = !want_connect_any;
	net_policy_tcp_ports(p, ports, &n, &bind_any, &connect_any);
	assert_int_equal(bind_any, want_bind_any);
	assert_int_equal(connect_any, want_connect_any);
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ports[i], want[i]);
}

static void test_tcp_ports(void **state)
{
	struct net_policy p;
	(void)state;
	POLICY(&p, "--network=none");
	expect_ports(&p, false, false, NULL, 0);
	POLICY(&p, "--network=host");
	expect_ports(&p, true, true, NULL, 0);
	POLICY(&p, "--network=user");
	expect_ports(&p, false, true, (const uint16_t[]){0}, 1);
	/* UDP publishes are not TCP ports; one host port on two addresses once. */
	POLICY(&p, "8080:80", "53:53/udp", "127.0.0.1:9000:90", "10.0.0.1:9000:91",
	       "[::1]:443:443");
	expect_ports(&p, false, true, (const uint16_t[]){0, 8080, 9000, 443}, 4);

	/* The most publishes fit the array. */
	char err[64];
	net_policy_init(&p);
	for (int i = 1; i <= NET_PUBLISH_MAX; i++) {
		char arg[32];
		snprintf(arg, sizeof(arg), "%d:%d", i, i);
		assert_int_equal(net_policy_add_publish(&p, arg, err, sizeof(err)), 0);
	}
	assert_int_equal(net_policy_finish(&p, err, sizeof(err)), 0);
	uint16_t want[NET_PUBLISH_MAX + 1];
	for (int i = 0; i <= NET_PUBLISH_MAX; i++)
		want[i] = (uint16_t)i;
	expect_ports(&p, false, true, want, NET_PUBLISH_MAX + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_mode_errors),
	    cmocka_unit_test(test_publish_forms),
	    cmocka_unit_test(test_publish_errors),
	    cmocka_unit_test(test_publish_conflicts),
	    cmocka_unit_test(test_bind_none_and_host),
	    cmocka_unit_test(test_bind_user),
	    cmocka_unit_test(test_bad_addresses),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_tcp_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
