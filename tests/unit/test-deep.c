/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trees nested 100k deep and alias chains 100k long, built in either
 * order, rendered, changed, dumped and freed.  Each test body runs on a
 * thread with a small stack, so that any code path recursing in
 * proportion to depth or chain length crashes here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-tree.h"

#define DEPTH 100000
#define STEP 0x10
#define SMALL_STACK (1u << 20) /* 10 bytes per level at 100k */

/* Run @fn on a thread with a 1 MiB stack. */
static void
run_on_small_stack(void (*fn)(void))
{
	pthread_attr_t attr;
	pthread_t t;

	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
	ck_assert_int_eq(pthread_create(&t, &attr, (void *(*)(void *))(void *)fn,
					NULL),
			 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
}

/*
 * A chain of @depth containers under @sys, each at STEP in its parent,
 * with @leaf at the bottom; built top-down or bottom-up in one
 * transaction.  Only @sys's reference is kept.
 */
static void
build_chain(struct memspace_region *sys, struct memspace_region *leaf,
	    unsigned depth, bool top_down)
{
	struct memspace_region **c = g_new(struct memspace_region *, depth);

	for (unsigned i = 0; i < depth; i++) {
		c[i] = memspace_region_new_container(tt_ms, "c", 1ull << 40);
		ck_assert_ptr_nonnull(c[i]);
	}
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	if (top_down) {
		tt_add(sys, STEP, c[0]);
		for (unsigned i = 1; i < depth; i++) {
			tt_add(c[i - 1], STEP, c[i]);
		}
		tt_add(c[depth - 1], 0, leaf);
	} else {
		tt_add(c[depth - 1], 0, leaf);
		for (unsigned i = depth - 1; i > 0; i--) {
			tt_add(c[i - 1], STEP, c[i]);
		}
		tt_add(sys, STEP, c[0]);
	}
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	for (unsigned i = 0; i < depth; i++) {
		memspace_region_unref(c[i]);
	}
	g_free(c);
}

static void
deep_tree(bool top_down)
{
	struct memspace_region *sys, *ram;
	struct memspace_addrspace *as;
	struct memspace_section sec;
	FILE *null = fopen("/dev/null", "w");

	memspace_thread_register();
	sys = memspace_region_new_container(tt_ms, "system", MEMSPACE_SIZE_2_64);
	ram = memspace_region_new_ram(tt_ms, "ram", 0x1000, NULL);
	as = memspace_addrspace_create(tt_ms, "memory", sys);
	build_chain(sys, ram, DEPTH, top_down);
	ck_assert_uint_eq(tt_nr_ranges(as), 1);
	sec = tt_section(as, 0);
	ck_assert_uint_eq(sec.start, (uint64_t)STEP * DEPTH);
	ck_assert_ptr_eq(sec.mr, ram);
	/* A change at the bottom re-renders through the whole depth. */
	ck_assert_int_eq(memspace_region_set_address(ram, 0x100), 0);
	ck_assert_uint_eq(tt_section(as, 0).start, (uint64_t)STEP * DEPTH + 0x100);
	ck_assert_int_eq(memspace_show(tt_ms, null, MEMSPACE_SHOW_FLAT), 0);
	fclose(null);
	/* Freeing the whole chain (the bottom last). */
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	memspace_region_unref(sys);
	memspace_region_unref(ram);
	memspace_thread_unregister();
}

static void
deep_tree_top_down(void)
{
	deep_tree(true);
}

static void
deep_tree_bottom_up(void)
{
	deep_tree(false);
}

START_TEST(deep_tree_100k_built_top_down_renders_and_frees)
{
	run_on_small_stack(deep_tree_top_down);
}
END_TEST

START_TEST(deep_tree_100k_built_bottom_up_renders_and_frees)
{
	run_on_small_stack(deep_tree_bottom_up);
}
END_TEST

static void
alias_chain(void)
{
	struct memspace_region *sys, *ram, *prev, *last;
	struct memspace_addrspace *as;
	struct memspace_section sec;

	memspace_thread_register();
	sys = memspace_region_new_container(tt_ms, "system", MEMSPACE_SIZE_2_64);
	ram = memspace_region_new_ram(tt_ms, "ram", 0x100000, NULL);
	as = memspace_addrspace_create(tt_ms, "memory", sys);
	prev = ram;
	/* The first alias shows ram from 0x1000, the others the whole of
	 * the previous one. */
	for (unsigned i = 0; i < DEPTH; i++) {
		struct memspace_region *a = memspace_region_new_alias(
			tt_ms, "a", prev, i == 0 ? 0x1000 : 0, 0x1000);

		ck_assert_ptr_nonnull(a);
		if (prev != ram) {
			memspace_region_unref(prev);
		}
		prev = a;
	}
	last = prev;
	tt_add(sys, 0x10000, last);
	sec = tt_section(as, 0);
	ck_assert_uint_eq(sec.start, 0x10000);
	ck_assert_uint_eq(sec.last, 0x10fff);
	ck_assert_ptr_eq(sec.mr, ram);
	ck_assert_uint_eq(sec.offset_in_region, 0x1000);
	ck_assert_int_eq(memspace_region_set_size(last, 0x800), 0);
	ck_assert_uint_eq(tt_section(as, 0).last, 0x107ff);
	/* Dropping the chain's head frees 100k aliases in a row. */
	ck_assert_int_eq(memspace_region_del_subregion(sys, last), 0);
	ck_assert_uint_eq(tt_nr_ranges(as), 0);
	memspace_region_unref(last);
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	memspace_region_unref(sys);
	memspace_region_unref(ram);
	memspace_thread_unregister();
}

START_TEST(alias_chain_100k_renders_and_frees)
{
	run_on_small_stack(alias_chain);
}
END_TEST

/* The tree dump of a deep tree (5000 levels: its output grows with the
 * square of the depth). */
static void
deep_show(void)
{
	struct memspace_region *sys, *ram;
	struct memspace_addrspace *as;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memspace_thread_register();
	sys = memspace_region_new_container(tt_ms, "system", MEMSPACE_SIZE_2_64);
	ram = memspace_region_new_ram(tt_ms, "ram", 0x1000, NULL);
	as = memspace_addrspace_create(tt_ms, "memory", sys);
	build_chain(sys, ram, 5000, true);
	ck_assert_int_eq(memspace_show(tt_ms, f, 0), 0);
	fclose(f);
	ck_assert_ptr_nonnull(g_strrstr(buf, "(prio 0, ram): ram\n"));
	ck_assert_uint_eq(len, strlen(buf));
	free(buf);
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	memspace_region_unref(sys);
	memspace_region_unref(ram);
	memspace_thread_unregister();
}

START_TEST(show_deep_tree_prints_every_level)
{
	run_on_small_stack(deep_show);
}
END_TEST

static Suite *
deep_suite(void)
{
	Suite *s = suite_create("deep");
	TCase *tc = tcase_create("deep:100k");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, deep_tree_100k_built_top_down_renders_and_frees);
	tcase_add_test(tc, deep_tree_100k_built_bottom_up_renders_and_frees);
	tcase_add_test(tc, alias_chain_100k_renders_and_frees);
	tcase_add_test(tc, show_deep_tree_prints_every_level);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(deep_suite)
