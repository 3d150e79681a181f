/*
 * The network device (abi.h "Network", docs/network.md): the guest's
 * sockets are non-blocking host sockets that the VMM opens on its behalf
 * under the policy of --network and --publish (net_policy.h).
 *
 *   net.c         the device, its options and /etc files, the socket table
 *                 and the socket hypercalls (on the vCPU thread)
 *   net_events.c  the event page and the one event thread: epoll on every
 *                 host socket, readiness bits into guest RAM, the interrupt
 *
 * A handle h (1..UKVM_NET_SOCKETS_MAX) is socks[h]. The vCPU thread is the
 * only one that opens or closes sockets; the event thread only reads the
 * table, under lock, to drop the events of a handle closed (or closed and
 * reused) since epoll reported them: epoll's data is the handle and the
 * generation of its socket.
 */
#ifndef UKVM_NET_H
#define UKVM_NET_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

#include "devices/net_policy.h"

struct vm;

/* The limit of open files the VMM raises its soft one to (towards the
 * hard one) when the guest has a network: every handle, and its own. */
#define NET_NOFILE_WANTED (UKVM_NET_SOCKETS_MAX + 256)

struct net_sock {
	int fd;	      /* -1: free */
	uint32_t gen; /* bumped at each close (under net.lock) */
	int type;     /* SOCK_STREAM or SOCK_DGRAM */
	sa_family_t family;
	const struct net_publish *publish; /* what its bind came from, or NULL */
};

struct net_etc_file {
	char *data; /* NULL: absent (-ENOENT) */
	size_t len;
};

struct net {
	struct vm *vm;
	struct net_policy policy;
	bool told_none;	  /* the --network none line was printed */
	bool told_nofile; /* the line about the host's limit of open files */
	int free_hint;	  /* no handle below it is free (a search starts there) */
	int high;	  /* handles past it were never used: free, and not set up */
	uint64_t nofile;  /* the soft limit of open files, as raised at setup */
	struct net_etc_file etc[UKVM_NET_ETC_COUNT];
	/* the event thread (net_events.c) */
	int epfd, irq_fd, stop_fd;
	pthread_t thread;
	bool thread_started, confined_init;
	sem_t confined;
	int confine_status;
	char confine_err[256];
	bool stdin_watched;  /* fd 0 is in epoll at UKVM_NET_STDIN_HANDLE */
	bool stdin_readable; /* fd 0 cannot be watched (a file, /dev/null): always */
	/* Held by the event thread while it delivers a batch of events, and by
	 * the vCPU thread while it opens or closes a handle or sets up the
	 * page: a closed handle's events are never delivered. */
	pthread_mutex_t lock;
	struct ukvm_net_events *ev; /* in guest RAM; NULL before net_ev_setup */
	struct net_sock socks[UKVM_NET_SOCKETS_MAX + 1];
};

/* Sets up n empty, with policy, as vm's network (vm->net = n); no socket,
 * no thread, no /etc file (the device's setup adds those; the fuzz target
 * uses it alone). */
void net_init(struct net *n, struct vm *vm, const struct net_policy *policy);

/* After each read of stdin (console.c): a stdin epoll cannot watch is
 * readable again in slot 0, whatever the guest cleared. */
void net_stdin_read(struct vm *vm);

/* net_events.c, called by net.c. */
int net_events_start(struct net *n, char *err, size_t errlen);
void net_events_stop(struct net *n);
/* Starts watching socks[h] (just opened): its slot zeroed, its fd in
 * epoll. 0 or -errno (the caller closes the socket). */
int net_events_add(struct net *n, int h);
/* After a change of state that epoll reports no edge for (listen,
 * connect): slot h's ready bits become the socket's state now (an
 * unconnected socket's POLLOUT | POLLHUP from its creation are dropped,
 * with any event in flight). 0 or -errno. */
int net_events_rearm(struct net *n, int h);
/* Asks epoll for slot h's state once more, keeping its bits and events in
 * flight: a new edge for what is ready now (a listener with more
 * connections queued after an accept). 0 or -errno. */
int net_events_requery(struct net *n, int h);
/* Stops watching socks[h] and closes it: the handle is free on return. */
void net_events_close(struct net *n, int h);

#endif
