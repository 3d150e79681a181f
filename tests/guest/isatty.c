/* isatty: prints what isatty() says of fd 0, 1 and 2 (stdio's buffering
 * follows it), then the terminal's size if fd 1 is one. */
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	struct winsize ws;
	int t0 = isatty(0), t1 = isatty(1), t2 = isatty(2);
	printf("isatty: %d %d %d\n", t0, t1, t2);
	if (t1 && ioctl(1, TIOCGWINSZ, &ws) == 0)
		printf("size: %dx%d\n", ws.ws_col, ws.ws_row);
	return 0;
}
