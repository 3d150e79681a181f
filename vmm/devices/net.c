/*
 * The network device: the guest's sockets are host sockets (abi.h,
 * "Network"). This first version serves the ABI with --network none only:
 * socket() is -EACCES, every handle is -EBADF.
 */
#include <errno.h>

#include "core/hypercall.h"
#include "core/vm.h"

void hc_net_socket(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_socket *a)
{
	(void)a;
	HC_PUT_RET(vm, gpa, ukvm_hc_net_socket, -EACCES);
}

#define NET_NO_HANDLE(name, type)                                                                  \
	void hc_##name(struct vm *vm, uint64_t gpa, struct type *a)                                \
	{                                                                                          \
		(void)a;                                                                           \
		HC_PUT_RET(vm, gpa, type, -EBADF);                                                 \
	}
NET_NO_HANDLE(net_bind, ukvm_hc_net_addr)
NET_NO_HANDLE(net_connect, ukvm_hc_net_addr)
NET_NO_HANDLE(net_getsockname, ukvm_hc_net_addr)
NET_NO_HANDLE(net_getpeername, ukvm_hc_net_addr)
NET_NO_HANDLE(net_listen, ukvm_hc_net_handle)
NET_NO_HANDLE(net_shutdown, ukvm_hc_net_handle)
NET_NO_HANDLE(net_close, ukvm_hc_net_handle)
NET_NO_HANDLE(net_fionread, ukvm_hc_net_handle)
NET_NO_HANDLE(net_accept, ukvm_hc_net_accept)
NET_NO_HANDLE(net_sendmsg, ukvm_hc_net_msg)
NET_NO_HANDLE(net_recvmsg, ukvm_hc_net_msg)
NET_NO_HANDLE(net_getsockopt, ukvm_hc_net_sockopt)
NET_NO_HANDLE(net_setsockopt, ukvm_hc_net_sockopt)
NET_NO_HANDLE(net_sendfile, ukvm_hc_net_sendfile)

void hc_net_ev_setup(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_ev_setup *a)
{
	(void)a;
	HC_PUT_RET(vm, gpa, ukvm_hc_net_ev_setup, -ENOSYS);
}

void hc_net_etc(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_etc *a)
{
	(void)a;
	HC_PUT_RET(vm, gpa, ukvm_hc_net_etc, -ENOENT);
}

static const struct hc_row hypercalls[] = {
    HC_ROW(net_socket),	    HC_ROW(net_bind),	     HC_ROW(net_listen),
    HC_ROW(net_accept),	    HC_ROW(net_connect),     HC_ROW(net_sendmsg),
    HC_ROW(net_recvmsg),    HC_ROW(net_shutdown),    HC_ROW(net_getsockopt),
    HC_ROW(net_setsockopt), HC_ROW(net_getsockname), HC_ROW(net_getpeername),
    HC_ROW(net_close),	    HC_ROW(net_fionread),    HC_ROW(net_sendfile),
    HC_ROW(net_ev_setup),   HC_ROW(net_etc),
};

const struct device net_device = {
    .name = "net",
    DEVICE_HYPERCALLS(hypercalls),
};
