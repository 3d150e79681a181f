/*
 * Guest RAM: a page allocator over [heap_start, heap_end) from the boot
 * info, for brk and anonymous mmap. Two bitmaps: `used` (allocated now)
 * and `dirty` (handed out at least once, so it must be zeroed before it is
 * handed out again; pages never touched are still the host's zero pages).
 * The program break grows up from the bottom; mmap allocates top-down, as
 * on classic Unix, and the two meet in the middle. Exhaustion is -ENOMEM.
 * Protections are not enforced: mprotect succeeds and changes nothing.
 */
#include <errno.h>
#include <sys/mman.h>

#include "kernel.h"

#define PAGE UKVM_PAGE_SIZE

static uint64_t base;	/* address of page 0 of the pool */
static uint64_t npages; /* pages in the pool */
static uint64_t *used, *dirty;
static uint64_t brk_start, brk_cur;

static int bit(const uint64_t *map, uint64_t i)
{
	return (int)(map[i / 64] >> (i % 64) & 1);
}

static void set_bit(uint64_t *map, uint64_t i, int v)
{
	if (v)
		map[i / 64] |= 1ULL << (i % 64);
	else
		map[i / 64] &= ~(1ULL << (i % 64));
}

static uint64_t addr_of(uint64_t page)
{
	return base + page * PAGE;
}

/* Whether [addr, addr + n pages) is inside the pool; sets *first. */
static int pool_range(uint64_t addr, uint64_t n, uint64_t *first)
{
	if (addr < base || addr % PAGE)
		return 0;
	uint64_t i = (addr - base) / PAGE;
	if (i > npages || n > npages - i)
		return 0;
	*first = i;
	return 1;
}

static int range_free(uint64_t i, uint64_t n)
{
	for (uint64_t k = i; k < i + n; k++)
		if (bit(used, k))
			return 0;
	return 1;
}

/* Zeroes one page, 8 bytes a store: the same speed as kmemset's byte
 * string on hardware (ERMS), 8 times fewer steps where `rep` is emulated
 * one step at a time (QEMU's TCG, the sandbox). */
static void zero_page(uint64_t addr)
{
	uint64_t n = PAGE / 8;
	void *p = (void *)(uintptr_t)addr;
	__asm__ volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0ull) : "memory");
}

/* Marks pages i..i+n used; the dirty ones from the keep-th on are zeroed
 * (the first keep pages are the caller's to fill: a kernel stack). */
static void take(uint64_t i, uint64_t n, uint64_t keep)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (k >= i + keep && bit(dirty, k))
			zero_page(addr_of(k));
		set_bit(used, k, 1);
		set_bit(dirty, k, 1);
	}
}

static void release(uint64_t i, uint64_t n)
{
	for (uint64_t k = i; k < i + n; k++)
		set_bit(used, k, 0);
}

/* The highest run of n free pages; returns npages if there is none. */
static uint64_t find_top_down(uint64_t n)
{
	uint64_t run = 0;
	for (uint64_t k = npages; k-- > 0;) {
		if (k % 64 == 63 && used[k / 64] == ~0ULL) {
			run = 0;
			k -= 63;
			continue;
		}
		run = bit(used, k) ? 0 : run + 1;
		if (run == n)
			return k;
	}
	return npages;
}

void mm_init(void)
{
	uint64_t start = ALIGN_UP(boot_info.heap_start, PAGE);
	uint64_t end = boot_info.heap_end & ~(uint64_t)(PAGE - 1);
	uint64_t total = end > start ? (end - start) / PAGE : 0;
	uint64_t words = (total + 63) / 64;
	uint64_t meta = ALIGN_UP(2 * words * 8, PAGE) / PAGE;

	used = (uint64_t *)(uintptr_t)start;
	dirty = used + words;
	kmemset(used, 0, 2 * words * 8);
	base = start + meta * PAGE;
	npages = total > meta ? total - meta : 0;
	for (uint64_t k = npages; k < words * 64; k++)
		set_bit(used, k, 1); /* the tail of the last word is not RAM */
	brk_start = brk_cur = base;
}

long mm_brk(uint64_t addr)
{
	uint64_t cur_end = ALIGN_UP(brk_cur, PAGE), new_end = ALIGN_UP(addr, PAGE), i, n;

	if (addr < brk_start || !pool_range(brk_start, (new_end - brk_start) / PAGE, &i))
		return (long)brk_cur;
	if (new_end > cur_end) {
		pool_range(cur_end, 0, &i);
		n = (new_end - cur_end) / PAGE;
		if (!range_free(i, n))
			return (long)brk_cur;
		take(i, n, 0);
	} else if (new_end < cur_end) {
		pool_range(new_end, 0, &i);
		release(i, (cur_end - new_end) / PAGE);
	}
	brk_cur = addr;
	return (long)brk_cur;
}

long mm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	(void)prot;
	(void)fd;
	int type = flags & MAP_TYPE;
	uint64_t i, n;

	if (!len || off % PAGE || (type != MAP_PRIVATE && type != MAP_SHARED))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no file mappings yet */
	if (len > npages * PAGE)
		return -ENOMEM;
	n = ALIGN_UP(len, PAGE) / PAGE;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr % PAGE)
			return -EINVAL;
		if (!pool_range(addr, n, &i))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !range_free(i, n))
			return -EEXIST;
	} else {
		i = find_top_down(n);
		if (i == npages)
			return -ENOMEM;
	}
	take(i, n, 0);
	return (long)addr_of(i);
}

long mm_alloc_kernel(uint64_t len, uint64_t unzeroed)
{
	uint64_t n = ALIGN_UP(len, PAGE) / PAGE, i = n <= npages ? find_top_down(n) : npages;

	if (i == npages)
		return -ENOMEM;
	take(i, n, unzeroed / PAGE);
	return (long)addr_of(i);
}

long mm_munmap(uint64_t addr, uint64_t len)
{
	if (!len || addr % PAGE)
		return -EINVAL;
	uint64_t lo = addr < base ? base : addr;
	uint64_t top = addr_of(npages);
	uint64_t hi = len > top || addr > top - len ? top : ALIGN_UP(addr + len, PAGE);
	uint64_t i;

	if (lo < hi && pool_range(lo, (hi - lo) / PAGE, &i))
		release(i, (hi - lo) / PAGE);
	return 0;
}

long mm_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t new_addr)
{
	(void)new_addr;
	uint64_t i, j, oldn, newn;

	if (flags & ~MREMAP_MAYMOVE)
		return -EINVAL; /* MREMAP_FIXED and DONTUNMAP are not offered */
	if (old % PAGE || !oldlen || !newlen)
		return -EINVAL;
	if (oldlen > npages * PAGE || newlen > npages * PAGE)
		return -ENOMEM;
	oldn = ALIGN_UP(oldlen, PAGE) / PAGE;
	newn = ALIGN_UP(newlen, PAGE) / PAGE;
	if (!pool_range(old, oldn, &i))
		return -EFAULT;
	if (newn <= oldn) {
		release(i + newn, oldn - newn);
		return (long)old;
	}
	if (i + newn <= npages && range_free(i + oldn, newn - oldn)) {
		take(i + oldn, newn - oldn, 0);
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	j = find_top_down(newn);
	if (j == npages)
		return -ENOMEM;
	take(j, newn, 0);
	kmemcpy((void *)(uintptr_t)addr_of(j), (void *)(uintptr_t)old, oldn * PAGE);
	release(i, oldn);
	return (long)addr_of(j);
}

int user_range_ok(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return 1; /* like Linux: musl passes {NULL, 0} iovecs */
	/* The VMM's low area is to the program what kernel memory is on
	 * Linux: readable here, but never a syscall buffer (EFAULT). */
	return addr >= UKVM_IMAGE_BASE && len <= boot_info.mem_size &&
	       addr <= boot_info.mem_size - len;
}

uint64_t mm_free_bytes(void)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < npages; i++)
		n += !bit(used, i);
	return n * PAGE;
}
