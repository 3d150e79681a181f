/* Messages on stderr, each one line starting with "unikvm: ". */
#ifndef UKVM_LOG_H
#define UKVM_LOG_H

#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

void ukvm_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* ukvm_err plus ": strerror(errno)" of the errno at the call. */
void ukvm_perr(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Formats a one-line reason into err (for functions that leave printing to
 * their caller) and returns status. */
int ukvm_fail(char *err, size_t errlen, int status, const char *fmt, ...) PRINTF_LIKE(4, 5);

#endif
