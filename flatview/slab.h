/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Slabs: one allocation cut into equal objects for a bulk build (the
 * leaves of a rendered tree, the pages of a fresh index), so that large
 * views sit on transparent huge pages (a lookup then misses the TLB at
 * most once) and pay no per-object allocator overhead.  The slab counts
 * its live objects and goes when the last is put back, from any thread.
 */
#ifndef MEMSPACE_FLATVIEW_SLAB_H
#define MEMSPACE_FLATVIEW_SLAB_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

struct slab {
	gint live; /* objects out, + 1 while the builder holds the slab */
	char *mem;
	size_t len;
	size_t size; /* of one object */
	size_t used;
	size_t cap;
	bool mapped;
};

/* A slab of @cap objects of @size bytes, aligned to @align. */
struct slab *slab_new(size_t size, size_t align, size_t cap);

/* The next object, or NULL when the slab is full. */
void *slab_take(struct slab *s);

/* An object of @s is freed (the builder's hold too, once). */
void slab_put(struct slab *s);

#endif /* MEMSPACE_FLATVIEW_SLAB_H */
