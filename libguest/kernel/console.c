/*
 * The host's standard streams: stdout and stderr through the writev
 * hypercall (a closed pipe ends the program as SIGPIPE would), stdin
 * through the read hypercall, and the terminal window size from the boot
 * info. files.c decides which guest fd is which stream.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "kernel.h"
#include "cpu.h"
#include "syscall.h"

long console_writev(const struct syscall_frame *f, int stream, const struct ukvm_iovec *iov,
		    uint64_t cnt)
{
	struct ukvm_hc_writev hc = {
	    .fd = (uint32_t)stream, .iovcnt = (uint32_t)cnt, .iov = (uint64_t)(uintptr_t)iov};
	hypercall(UKVM_HC_WRITEV, &hc);
	if (hc.ret == -EPIPE) {
		/* Like Linux: the default action of SIGPIPE ends the program. */
		struct ukvm_cpu_state st;
		frame_state(f, &st);
		guest_die_by_signal(SIGPIPE, &st);
	}
	return hc.ret;
}

long console_read(uint64_t buf, uint64_t len)
{
	if (len == 0)
		return 0;
	struct ukvm_hc_read hc = {.fd = 0, .buf = buf, .len = len};
	hypercall(UKVM_HC_READ, &hc);
	return hc.ret;
}

long console_ioctl(int stream, uint64_t req, uint64_t arg)
{
	if (req != TIOCGWINSZ || !(boot_info.stdio_tty & (1u << stream)))
		return -ENOTTY;
	if (!user_range_ok(arg, sizeof(struct winsize)))
		return -EFAULT;
	const struct ukvm_winsize *w = &boot_info.winsize[stream];
	*(struct winsize *)(uintptr_t)arg = (struct winsize){
	    .ws_row = w->rows, .ws_col = w->cols, .ws_xpixel = w->xpixel, .ws_ypixel = w->ypixel};
	return 0;
}

int console_poll_stdin(int timeout_ms)
{
	struct ukvm_hc_poll_stdin hc = {.timeout_ms = timeout_ms};
	hypercall(UKVM_HC_POLL_STDIN, &hc);
	return (int)hc.ret;
}
