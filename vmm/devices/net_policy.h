/*
 * The network policy (issue 17, items 3 and 5): what `--network` and
 * `-p/--publish` allow, and the checks the network device makes at every
 * bind, listen, connect and sendto. Pure host code: no KVM, no socket is
 * opened here. The device (devices/net.c) calls it; it is not wired yet.
 *
 * Modes, in podman's and docker's words:
 *   none  (the default) every check refuses with -EACCES.
 *   user  outbound TCP and UDP through the host; the guest binds only its
 *         published ports (and port 0, an ephemeral host port, for clients);
 *         the guest's loopback is the guest itself: 127.0.0.0/8 and ::1
 *         reach its own published ports, nothing else on the host's
 *         loopback.
 *   host  the guest's sockets are the host's: any address, any port.
 *
 * A publish is [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]: HOSTADDR an IPv4
 * address or an IPv6 one in brackets (all addresses when absent, as docker
 * does), ports 1..65535, tcp by default. One guest port of a protocol has
 * one host socket, so a (protocol, guest port) is published once, and two
 * publishes may not claim the same host port of a protocol on overlapping
 * addresses (the host would refuse the second bind at run time).
 *
 * Parsing functions return 0, or -1 with a one-line message in err (no
 * "unikvm: " prefix, no newline) that the caller prints before exiting with
 * the usage status. Checks return 0 or a negative errno for the guest.
 */
#ifndef UKVM_NET_POLICY_H
#define UKVM_NET_POLICY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_PUBLISH_MAX 64

enum net_mode { NET_MODE_NONE, NET_MODE_USER, NET_MODE_HOST };
enum net_proto { NET_PROTO_TCP, NET_PROTO_UDP };

struct net_publish {
	enum net_proto proto;
	sa_family_t family; /* AF_UNSPEC: all addresses; else AF_INET or AF_INET6 */
	struct in_addr addr4;
	struct in6_addr addr6;
	uint16_t host_port;
	uint16_t guest_port;
};

struct net_policy {
	enum net_mode mode;
	bool mode_given; /* --network was on the command line */
	int npublish;
	struct net_publish publish[NET_PUBLISH_MAX];
};

void net_policy_init(struct net_policy *p);

/* --network ARG: "none", "user" or "host". Given twice is refused. */
int net_policy_set_mode(struct net_policy *p, const char *arg, char *err, size_t errlen);

/* -p/--publish ARG, repeatable. */
int net_policy_add_publish(struct net_policy *p, const char *arg, char *err, size_t errlen);

/* After the last option: a publish implies user mode; with an explicit
 * --network none or host a publish is refused (docker drops it silently in
 * host mode: here it is a mistake worth a message). */
int net_policy_finish(struct net_policy *p, char *err, size_t errlen);

/*
 * The guest binds a socket of proto to *guest (AF_INET or AF_INET6, len
 * bytes). On 0, *host is what the VMM binds the host socket to and
 * *publish (if not NULL) the publish it came from, or NULL.
 *   none: -EACCES.
 *   host: *host = *guest, any port, 0 included.
 *   user: port 0 binds the guest's family's any address, port 0 (an
 *         ephemeral host port: a client's local end, a UDP socket waiting
 *         for replies); a published port binds the publish's host address
 *         and port (an IPv4 publish on an AF_INET6 socket as the mapped
 *         ::ffff:a.b.c.d; an IPv6 publish on an AF_INET socket is
 *         -EADDRNOTAVAIL); whatever address the guest named is replaced;
 *         another port is -EACCES.
 * A family other than AF_INET/AF_INET6 or a short len is -EAFNOSUPPORT or
 * -EINVAL, as Linux answers.
 */
int net_policy_bind(const struct net_policy *p, enum net_proto proto, const struct sockaddr *guest,
		    socklen_t len, struct sockaddr_storage *host,
		    const struct net_publish **publish);

/* Whether a TCP socket bound through net_policy_bind may listen: host mode
 * always, user mode only a published port (publish != NULL), so a guest
 * cannot serve on an ephemeral port. 0 or -EACCES. */
int net_policy_listen(const struct net_policy *p, const struct net_publish *publish);

/* The port the guest sees in getsockname for a host socket bound to
 * host_port through publish (NULL: not published): the guest port of the
 * publish, else host_port itself (host mode, ephemeral ports). */
uint16_t net_policy_guest_port(const struct net_publish *publish, uint16_t host_port);

/*
 * The guest connects, or sends a datagram, to *dst. On 0, *host is the
 * destination the VMM uses.
 *   none: -EACCES.
 *   host: *host = *dst.
 *   user: *host = *dst, except on loopback (127.0.0.0/8, ::1, ::ffff:127.x):
 *         a published guest port of proto becomes 127.0.0.1 or ::1 (the
 *         publish's own address if it names one) and its host port; any
 *         other loopback port is -ECONNREFUSED, for TCP and UDP alike (the
 *         guest has nothing listening there, and the host's own loopback
 *         services stay out of reach).
 * Port 0 is passed on: the host answers as Linux does (ECONNREFUSED for
 * TCP, EINVAL for a UDP sendto).
 */
int net_policy_connect(const struct net_policy *p, enum net_proto proto, const struct sockaddr *dst,
		       socklen_t len, struct sockaddr_storage *host);

/*
 * The host TCP ports the VMM may bind, for Landlock's network rules
 * (core/landlock.h's bind_ports/nbind_ports/connect_any), written to
 * ports[0..*nports) (ports holds NET_PUBLISH_MAX + 1 entries).
 *   none: no port, *connect_any false.
 *   user: each published TCP host port once, and 0 (Landlock's rule for
 *         ephemeral binds), *connect_any true.
 *   host: *bind_any true (no bind rule can be made: any port), no port,
 *         *connect_any true.
 */
void net_policy_tcp_ports(const struct net_policy *p, uint16_t *ports, size_t *nports,
			  bool *bind_any, bool *connect_any);

#endif
