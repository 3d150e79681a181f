/*
 * vmm/image/bundle.c: bundles written and parsed in memory (so ASan builds, whose
 * unikvm cannot pack, still check this parser of untrusted bytes). The stub
 * is the hello image (any ELF whose size is its extent will do). Every
 * truncation near the end and at spaced points before, and a flip of every
 * byte after the stub, must be refused; never a crash or a bad read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "image/bundle.h"
#include "image/elf_image.h"
#include "base/exit_status.h"

static uint8_t *stub, *bundle;
static size_t stub_size, bundle_size;
static char *opts[] = {"--mem", "64M", "-e", "A=1"};
static char *args[] = {"x", "", "two words"};

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (read_whole_file(UKVM_TEST_HELLO, 1 << 30, &stub, &stub_size, err, sizeof(err)))
		return -1;
	int fd = memfd_create("bundle", 0);
	if (fd < 0 || bundle_write(fd, stub, stub_size, (const uint8_t *)"IMAGE", 5, opts, 4, args,
				   3, err, sizeof(err)))
		return -1;
	bundle_size = (size_t)lseek(fd, 0, SEEK_END);
	bundle = malloc(bundle_size);
	if (!bundle || pread(fd, bundle, bundle_size, 0) != (ssize_t)bundle_size)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(stub);
	free(bundle);
	return 0;
}

/* Parses a copy of the first len bytes of buf; returns bundle_parse's result. */
static int parse_copy(const uint8_t *buf, size_t len, struct bundle *b, char *err, size_t errlen)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	int r = bundle_parse(b, copy, len, err, errlen);
	if (r)
		free(copy); /* on success b owns it */
	return r;
}

static void test_roundtrip(void **state)
{
	struct bundle b;
	char err[256];
	(void)state;
	assert_int_equal(bundle_size, stub_size + 5 + 8 + 6 + 4 + 3 + 4 + 2 + 1 + 10 + 48);
	assert_int_equal(parse_copy(bundle, bundle_size, &b, err, sizeof(err)), 0);
	assert_int_equal(b.image_size, 5);
	assert_memory_equal(b.image, "IMAGE", 5);
	assert_int_equal(b.nopts, 4);
	assert_int_equal(b.nargs, 3);
	for (int i = 0; i < 4; i++)
		assert_string_equal(b.opts[i], opts[i]);
	assert_null(b.opts[4]);
	for (int i = 0; i < 3; i++)
		assert_string_equal(b.args[i], args[i]);
	assert_null(b.args[3]);
	bundle_free(&b);
}

static void test_plain_elf_is_not_a_bundle(void **state)
{
	struct bundle b;
	char err[256];
	(void)state;
	assert_int_equal(parse_copy(stub, stub_size, &b, err, sizeof(err)), 1);
	assert_int_equal(parse_copy((const uint8_t *)"#!/bin/sh\n", 10, &b, err, sizeof(err)), 1);
	assert_int_equal(parse_copy(stub, 0, &b, err, sizeof(err)), 1);
}

static void test_truncated(void **state)
{
	struct bundle b;
	char err[256];
	(void)state;
	for (size_t len = bundle_size - 1; len > 0; len -= len > bundle_size - 200 ? 1
							   : len > 997		   ? 997
										   : len) {
		int r = parse_copy(bundle, len, &b, err, sizeof(err));
		if (len == stub_size)
			assert_int_equal(r, 1); /* exactly the stub: a plain ELF */
		else if (len < stub_size)
			assert_true(r == 2 || r == 1);
		else
			assert_int_equal(r, EXIT_BAD_IMAGE);
	}
}

static void test_every_flip(void **state)
{
	struct bundle b;
	char err[256];
	uint8_t *copy = malloc(bundle_size);
	(void)state;
	assert_non_null(copy);
	memcpy(copy, bundle, bundle_size);
	for (size_t i = stub_size; i < bundle_size; i++) {
		copy[i] ^= 0x40;
		assert_int_equal(parse_copy(copy, bundle_size, &b, err, sizeof(err)),
				 EXIT_BAD_IMAGE);
		copy[i] ^= 0x40;
	}
	free(copy);
}

/* Rewrites the trailer's CRC after a change, so the config checks behind
 * it are reached. */
static void fix_crc(uint8_t *buf, size_t size)
{
	uint32_t crc = (uint32_t)crc32_z(crc32_z(0, Z_NULL, 0), buf, size - 4);
	memcpy(buf + size - 4, &crc, 4);
}

static void test_config_checked(void **state)
{
	struct bundle b;
	char err[256];
	uint8_t *copy = malloc(bundle_size);
	size_t config = bundle_size - 48 - 38; /* 8 bytes of counts + 30 of strings */
	uint32_t n = 70000;
	(void)state;
	assert_non_null(copy);

	memcpy(copy, bundle, bundle_size);
	fix_crc(copy, bundle_size);
	assert_int_equal(parse_copy(copy, bundle_size, &b, err, sizeof(err)), 0);
	bundle_free(&b);

	memcpy(copy + config, &n, 4);
	fix_crc(copy, bundle_size);
	assert_int_equal(parse_copy(copy, bundle_size, &b, err, sizeof(err)), EXIT_BAD_IMAGE);
	assert_string_equal(err, "corrupt bundle: 70000 options and 3 arguments");

	memcpy(copy, bundle, bundle_size);
	copy[bundle_size - 49] = 'y'; /* the last string's NUL */
	fix_crc(copy, bundle_size);
	assert_int_equal(parse_copy(copy, bundle_size, &b, err, sizeof(err)), EXIT_BAD_IMAGE);
	assert_string_equal(err, "corrupt bundle: configuration string 6 not terminated");

	memcpy(copy, bundle, bundle_size);
	n = 2;
	memcpy(copy + config + 4, &n, 4); /* one argument fewer: stray bytes */
	fix_crc(copy, bundle_size);
	assert_int_equal(parse_copy(copy, bundle_size, &b, err, sizeof(err)), EXIT_BAD_IMAGE);
	assert_string_equal(err, "corrupt bundle: 10 stray bytes after the configuration");
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),	   cmocka_unit_test(test_plain_elf_is_not_a_bundle),
	    cmocka_unit_test(test_truncated),	   cmocka_unit_test(test_every_flip),
	    cmocka_unit_test(test_config_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
