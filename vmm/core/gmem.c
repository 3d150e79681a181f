#include "core/gmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define GUARD_PAGE 4096

int gmem_init(struct gmem *m, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->host = p;
	m->size = size;
	m->floor = GUARD_PAGE;
	return 0;
}

void gmem_free(struct gmem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	m->host = NULL;
	m->size = 0;
}

uint64_t gmem_resident(const struct gmem *m)
{
	enum { PAGE = 4096, CHUNK = 4096 /* pages per mincore() call */ };
	unsigned char vec[CHUNK];
	uint64_t pages = m->size / PAGE, resident = 0;

	for (uint64_t p = 0; p < pages; p += CHUNK) {
		uint64_t n = pages - p < CHUNK ? pages - p : CHUNK;
		if (mincore(m->host + p * PAGE, n * PAGE, vec) < 0)
			return 0;
		for (uint64_t i = 0; i < n; i++)
			resident += vec[i] & 1;
	}
	return resident * PAGE;
}

void gmem_small_pages(const struct gmem *m, uint64_t start, uint64_t end)
{
	if (start < end && end <= m->size)
		(void)madvise(m->host + start, end - start, MADV_NOHUGEPAGE);
}

void *gmem_at(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (gpa < m->floor || gpa >= m->size || len > m->size - gpa)
		return NULL;
	return m->host + gpa;
}

int gmem_read(const struct gmem *m, uint64_t gpa, void *dst, size_t len)
{
	const void *p = gmem_at(m, gpa, len);
	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(const struct gmem *m, uint64_t gpa, const void *src, size_t len)
{
	void *p = gmem_at(m, gpa, len);
	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

void *gmem_host(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		abort();
	return m->host + gpa;
}
