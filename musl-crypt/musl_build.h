/*
 * What musl's own build gives every libc source through its internal
 * src/include/features.h (musl's Makefile puts src/include first on the
 * include path), for the crypt sources in upstream/ that Debian's musl-dev
 * leaves out. Force-included (-include) so the files stay unchanged.
 */
#ifndef UKVM_MUSL_BUILD_H
#define UKVM_MUSL_BUILD_H

#define hidden __attribute__((__visibility__("hidden")))
#define weak_alias(old, new) extern __typeof(old) new __attribute__((__weak__, __alias__(#old)))

#endif
