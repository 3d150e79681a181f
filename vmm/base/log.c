#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vmsg(const char *fmt, va_list ap, const char *tail)
{
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (tail)
		fprintf(stderr, "unikvm: %s: %s\n", buf, tail);
	else
		fprintf(stderr, "unikvm: %s\n", buf);
}

void ukvm_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

int ukvm_fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

void ukvm_perr(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, strerror(e));
	va_end(ap);
}
