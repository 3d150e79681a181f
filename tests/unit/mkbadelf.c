/*
 * mkbadelf BASE DIR: writes every mutation of bad_images.c of the image
 * BASE as DIR/NAME, and DIR/list with one line per image:
 *
 *   NAME STATUS MESSAGE-SUBSTRING
 *
 * (the substring is the rest of the line). bad-images.sh reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad_images.h"

static int write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (size) {
		ssize_t n = write(fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		size -= (size_t)n;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	uint8_t *base;
	size_t base_size;
	char path[4096], tmp[4096];
	int bad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: mkbadelf BASE-IMAGE DIR\n");
		return 2;
	}
	const char *dir = argv[2];
	if (bad_images_read_file(argv[1], &base, &base_size) != 0) {
		fprintf(stderr, "mkbadelf: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkbadelf: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/list.tmp", dir);
	FILE *list = fopen(tmp, "w");
	if (!list) {
		fprintf(stderr, "mkbadelf: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < bad_images_count; i++) {
		const struct bad_image *bi = &bad_images[i];
		struct bad_buf b;
		if (bad_image_make(bi, base, base_size, &b) != 0) {
			fprintf(stderr, "mkbadelf: %s: %s\n", bi->name, b.why);
			bad = 1;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, bi->name);
		if (write_file(path, b.data, b.size) != 0) {
			fprintf(stderr, "mkbadelf: %s: %s\n", path, strerror(errno));
			bad = 1;
		}
		fprintf(list, "%s %d %s\n", bi->name, bi->status, b.msg);
		bad_buf_free(&b);
	}
	free(base);
	if (fclose(list) != 0 || bad) {
		unlink(tmp);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/list", dir);
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "mkbadelf: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}
