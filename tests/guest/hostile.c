/*
 * hostile: a guest that misbehaves on purpose, one way per argument. Each
 * way must end with its expected report and status, and never crash or
 * hang the VMM (tests/CMakeLists.txt lists the expectations).
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unikvm/abi.h>

#define NOINLINE __attribute__((noinline))

static void out32(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

static struct ukvm_hc_writev hc;
static struct ukvm_iovec iov;

NOINLINE static void unknown_hypercall(void)
{
	out32(UKVM_HC_PORT_BASE + UKVM_HC_PORT_COUNT - 1, 0x1000);
}

NOINLINE static void unserved_port(void)
{
	out32(0x80, 0);
}

NOINLINE static void short_hypercall(void)
{
	__asm__ volatile("outb %0, %1" ::"a"((uint8_t)0), "Nd"((uint16_t)UKVM_HC_PORT_BASE));
}

NOINLINE static void wild_pointer(void)
{
	out32(UKVM_HC_PORT_BASE + UKVM_HC_WRITEV, 0xfffffff0u); /* beyond guest RAM */
}

NOINLINE static void huge_length(void)
{
	iov = (struct ukvm_iovec){.base = (uintptr_t) "x", .len = 1ULL << 62};
	hc = (struct ukvm_hc_writev){.fd = 1, .iovcnt = 1, .iov = (uintptr_t)&iov};
	out32(UKVM_HC_PORT_BASE + UKVM_HC_WRITEV, (uint32_t)(uintptr_t)&hc);
}

NOINLINE static void efault(void)
{
	long r = syscall(SYS_write, 1, (void *)16, 5);
	printf("write(1, 0x10, 5) = %ld, %s\n", r, strerror(errno));
	r = syscall(SYS_write, 1, (void *)-4096L, 4096);
	printf("write(1, -4096, 4096) = %ld, %s\n", r, strerror(errno));
}

NOINLINE static void null_deref(void)
{
	*(volatile int *)0 = 1;
}

/* The same once a line came on stdin: the test changes the image file
 * while the guest waits (tests/scripts/crash-image-truncated). */
static int *volatile nowhere; /* NULL, which the compiler cannot know */

NOINLINE static void null_after_stdin(void)
{
	char line[16];
	if (fgets(line, sizeof(line), stdin))
		*nowhere = 1;
}

NOINLINE static void divide_by_zero(void)
{
	volatile int zero = 0, hundred = 100; /* 1 / x would compile to a compare */
	printf("%d\n", hundred / zero);
}

NOINLINE static void invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

NOINLINE static void triple_fault(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} none = {0, 0};
	__asm__ volatile("lidt %0\n\tint3" ::"m"(none));
}

NOINLINE static void halt_forever(void)
{
	__asm__ volatile("cli\n\thlt");
}

static volatile int depth_limit = -1; /* never reached: the stack ends first */

NOINLINE static int recurse(int n)
{
	volatile char pad[4096];
	pad[0] = (char)n;
	if (n == depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

NOINLINE static void write_to_text(void)
{
	*(volatile uint8_t *)(uintptr_t)write_to_text = 0xc3;
}

NOINLINE static void exec_data(void)
{
	static uint8_t code[] = {0xc3}; /* ret, in .data: NX */
	((void (*)(void))(uintptr_t)code)();
}

NOINLINE static void heap_corruption(void)
{
	char *p = malloc(32), *header;
	__asm__("" : "=r"(header) : "0"(p - 16)); /* hide the overflow from -Werror */
	memset(header, 0x41, 64);
	__asm__ volatile("" ::"r"(p) : "memory"); /* keep the stores before free */
	free(p);
}

NOINLINE static void out_of_memory(void)
{
	size_t mib = 0;
	void *first = NULL, *p;
	while ((p = malloc(1 << 20))) {
		*(volatile char *)p = 1;
		if (!first)
			first = p;
		mib++;
	}
	printf("malloc failed with %s after %s\n", strerror(errno),
	       mib > 16 ? "many MiB" : "few MiB");
	p = malloc((size_t)1 << 40);
	printf("malloc(1 TiB) = %s\n", p ? "non-NULL" : "NULL");
	exit(3);
}

NOINLINE static void nosys(void)
{
	long r = syscall(SYS_fork);
	printf("fork() = %ld, %s\n", r, strerror(errno));
}

NOINLINE static void failed_assert(void)
{
	volatile int answer = 41;
	assert(answer == 42);
}

NOINLINE static void abort_way(void)
{
	abort();
}

static const struct {
	const char *name;
	void (*fn)(void);
} ways[] = {
    {"nosys", nosys},
    {"unknown-hypercall", unknown_hypercall},
    {"unserved-port", unserved_port},
    {"short-hypercall", short_hypercall},
    {"wild-pointer", wild_pointer},
    {"huge-length", huge_length},
    {"efault", efault},
    {"null", null_deref},
    {"null-after-stdin", null_after_stdin},
    {"div0", divide_by_zero},
    {"ud2", invalid_opcode},
    {"triple-fault", triple_fault},
    {"hlt", halt_forever},
    {"write-text", write_to_text},
    {"exec-data", exec_data},
    {"heap-corruption", heap_corruption},
    {"oom", out_of_memory},
    {"abort", abort_way},
    {"assert", failed_assert},
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "stack-overflow")) {
		printf("hostile: stack-overflow\n");
		fflush(stdout);
		return recurse(0);
	}
	for (size_t i = 0; argc == 2 && i < sizeof(ways) / sizeof(ways[0]); i++)
		if (!strcmp(argv[1], ways[i].name)) {
			printf("hostile: %s\n", ways[i].name);
			fflush(stdout);
			ways[i].fn();
			return 0;
		}
	fprintf(stderr, "usage: hostile WAY\n");
	return 2;
}
