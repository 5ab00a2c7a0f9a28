/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdint.h>
#include <sys/mman.h>

#include "slab.h"

#define HUGE_SIZE ((size_t)2 << 20)

/*
 * @len bytes (a multiple of HUGE_SIZE) at an address aligned to
 * HUGE_SIZE, so that every 2 MiB of the slab can be a huge page: map
 * HUGE_SIZE more and give back the head and tail around the aligned part.
 */
static void *
map_aligned(size_t len)
{
	char *p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED) {
		return MAP_FAILED;
	}
	head = (HUGE_SIZE - ((uintptr_t)p & (HUGE_SIZE - 1))) & (HUGE_SIZE - 1);
	if (head) {
		munmap(p, head);
	}
	munmap(p + head + len, HUGE_SIZE - head);
	return p + head;
}

struct slab *
slab_new(size_t size, size_t align, size_t cap)
{
	struct slab *s = g_new0(struct slab, 1);
	void *p = MAP_FAILED;

	s->live = 1;
	s->size = size;
	s->cap = cap;
	s->len = size * cap;
	if (s->len >= HUGE_SIZE) {
		s->len = (s->len + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
		p = map_aligned(s->len);
	}
	if (p != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
		(void)madvise(p, s->len, MADV_HUGEPAGE);
#endif
		s->mapped = true;
		s->cap = s->len / size;
		s->mem = p;
	} else {
		s->mem = g_aligned_alloc(cap, size, align);
	}
	return s;
}

void *
slab_take(struct slab *s)
{
	if (s->used == s->cap) {
		return NULL;
	}
	g_atomic_int_inc(&s->live);
	return s->mem + s->size * s->used++;
}

void
slab_put(struct slab *s)
{
	if (!g_atomic_int_dec_and_test(&s->live)) {
		return;
	}
	if (s->mapped) {
		munmap(s->mem, s->len);
	} else {
		g_aligned_free(s->mem);
	}
	g_free(s);
}
