/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Header-only helpers to build region trees in tests and release them. */
#ifndef MEMSPACE_TEST_TREE_H
#define MEMSPACE_TEST_TREE_H

#include <errno.h>
#include <stdint.h>

#include <glib.h>

#include "test-common.h"

/*
 * One test's context and everything it owns.  tt_setup() and tt_teardown()
 * are meant as a checked fixture: the teardown destroys the address spaces,
 * drops the test's region references, drops the context (which waits for
 * pending RCU frees) and only then frees host buffers regions may use.
 */
static struct memspace *tt_ms;
static GPtrArray *tt_regions;
static GPtrArray *tt_spaces;
static GPtrArray *tt_buffers;

static const struct memspace_region_ops tt_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
};

static inline void
tt_setup(void)
{
	tt_ms = memspace_new();
	ck_assert_ptr_nonnull(tt_ms);
	tt_regions = g_ptr_array_new();
	tt_spaces = g_ptr_array_new();
	tt_buffers = g_ptr_array_new_with_free_func(g_free);
}

static inline void
tt_teardown(void)
{
	/* A failed assertion (without fork) may leave a transaction open. */
	while (memspace_transaction_depth(tt_ms) > 0) {
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	}
	for (guint i = 0; i < tt_spaces->len; i++) {
		ck_assert_int_eq(memspace_addrspace_destroy(tt_spaces->pdata[i]),
				 0);
	}
	for (guint i = 0; i < tt_regions->len; i++) {
		ck_assert_ptr_null(memspace_region_unref(tt_regions->pdata[i]));
	}
	g_ptr_array_free(tt_spaces, TRUE);
	g_ptr_array_free(tt_regions, TRUE);
	ck_assert_ptr_null(memspace_unref(tt_ms));
	g_ptr_array_free(tt_buffers, TRUE);
	tt_ms = NULL;
}

/* Keep the caller's reference on @mr until the teardown. */
static inline struct memspace_region *
tt_keep(struct memspace_region *mr)
{
	ck_assert_msg(mr != NULL, "region constructor failed: %s",
		      g_strerror(errno));
	g_ptr_array_add(tt_regions, mr);
	return mr;
}

/* Host memory that outlives every region of the test. */
static inline void *
tt_buffer(size_t size)
{
	void *p = g_malloc0(size);

	g_ptr_array_add(tt_buffers, p);
	return p;
}

static inline struct memspace_region *
tt_container(const char *name, uint64_t size)
{
	return tt_keep(memspace_region_new_container(tt_ms, name, size));
}

static inline struct memspace_region *
tt_ram(const char *name, uint64_t size)
{
	return tt_keep(memspace_region_new_ram(tt_ms, name, size, NULL));
}

static inline struct memspace_region *
tt_io(const char *name, uint64_t size)
{
	return tt_keep(memspace_region_new_io(tt_ms, name, size, &tt_ops, NULL));
}

static inline struct memspace_region *
tt_romdev(const char *name, uint64_t size)
{
	return tt_keep(memspace_region_new_rom_device(tt_ms, name, size,
						      &tt_ops, NULL, NULL));
}

static inline struct memspace_region *
tt_ramdev(const char *name, uint64_t size)
{
	return tt_keep(memspace_region_new_ram_device(tt_ms, name, size,
						      tt_buffer(size)));
}

static inline struct memspace_region *
tt_alias(const char *name, struct memspace_region *target, uint64_t offset,
	 uint64_t size)
{
	return tt_keep(memspace_region_new_alias(tt_ms, name, target, offset,
						 size));
}

#define tt_add(parent, offset, child)                                         \
	ck_assert_int_eq(memspace_region_add_subregion((parent), (offset),     \
						       (child)), 0)
#define tt_add_prio(parent, offset, child, prio)                              \
	ck_assert_int_eq(memspace_region_add_subregion_overlap(                \
				 (parent), (offset), (child), (prio)), 0)

static inline struct memspace_addrspace *
tt_as(const char *name, struct memspace_region *root)
{
	struct memspace_addrspace *as = memspace_addrspace_create(tt_ms, name, root);

	ck_assert_msg(as != NULL, "memspace_addrspace_create failed: %s",
		      g_strerror(errno));
	g_ptr_array_add(tt_spaces, as);
	return as;
}

/* Destroy an address space created by tt_as() before the teardown. */
static inline void
tt_as_destroy(struct memspace_addrspace *as)
{
	ck_assert(g_ptr_array_remove(tt_spaces, as));
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
}

/* The published view of @as, without keeping a reference (for identity). */
static inline const struct memspace_flatview *
tt_view_ptr(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);

	ck_assert_ptr_nonnull(fv);
	memspace_flatview_unref(fv);
	return fv;
}

/*
 * A counted reference on the published view of @as.  Holding it while
 * checking that an operation left the view alone makes the pointer
 * comparison meaningful: the old view cannot be freed and its address
 * reused by a new one.
 */
static inline struct memspace_flatview *
tt_hold_view(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);

	ck_assert_ptr_nonnull(fv);
	return fv;
}

/* Assert the published view of @as is still @held (and release @held). */
#define tt_assert_same_view(as, held)                                         \
	do {                                                                  \
		struct memspace_flatview *now_ =                              \
			memspace_addrspace_get_flatview(as);                  \
		ck_assert_ptr_eq(now_, (held));                               \
		memspace_flatview_unref(now_);                                \
		memspace_flatview_unref(held);                                \
	} while (0)

/* Assert the published view of @as is not @held (and release @held). */
#define tt_assert_new_view(as, held)                                          \
	do {                                                                  \
		struct memspace_flatview *now_ =                              \
			memspace_addrspace_get_flatview(as);                  \
		ck_assert_ptr_ne(now_, (held));                               \
		memspace_flatview_unref(now_);                                \
		memspace_flatview_unref(held);                                \
	} while (0)

/* Section @index of the view of @as. */
static inline struct memspace_section
tt_section(struct memspace_addrspace *as, size_t index)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	struct memspace_section sec;

	ck_assert_uint_lt(index, memspace_flatview_nr_ranges(fv));
	ck_assert_int_eq(memspace_flatview_get_range(fv, index, &sec), 0);
	memspace_flatview_unref(fv);
	return sec;
}

/* Number of ranges in the view of @as. */
static inline size_t
tt_nr_ranges(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	size_t n = memspace_flatview_nr_ranges(fv);

	memspace_flatview_unref(fv);
	return n;
}

#endif /* MEMSPACE_TEST_TREE_H */
