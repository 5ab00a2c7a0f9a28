/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Region caches and window caches: hits, misses, and above all that no
 * cache ever hands out a host address from a view that a commit replaced.
 */
#include <string.h>

#include <glib.h>

#include "test-tree.h"
#include <memspace/reader.h>

static struct memspace_region *root;
static struct memspace_addrspace *as;

static void
setup(void)
{
	tt_setup();
	root = tt_container("system", MEMSPACE_SIZE_2_64);
	as = tt_as("memory", root);
}

static uint8_t *
host_of(struct memspace_region *mr)
{
	return memspace_region_get_host_ptr(mr);
}

/* get_host_address inside a read-side section, as documented. */
static void *
host_addr(uint64_t addr, struct memspace_region_cache *c)
{
	void *p;

	memspace_rcu_read_lock();
	p = memspace_addrspace_get_host_address(as, addr, c);
	memspace_rcu_read_unlock();
	return p;
}

START_TEST(cache_fill_describes_the_range)
{
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_region *io = tt_io("dev", 0x100);
	struct memspace_region_cache c = { 0 };

	tt_add(root, 0x10000, ram);
	tt_add(root, 0x20000, io);
	ck_assert_int_eq(memspace_addrspace_get_region_cache(as, 0x11000, &c),
			 0);
	ck_assert_int_eq(c.kind, MEMSPACE_REGION_RAM);
	ck_assert_ptr_eq(c.host_base, host_of(ram));
	ck_assert_uint_eq(c.start, 0x10000);
	ck_assert_uint_eq(c.last, 0x13fff);
	ck_assert(!c.readonly);
	ck_assert_int_eq(memspace_addrspace_get_region_cache(as, 0x20010, &c),
			 0);
	ck_assert_int_eq(c.kind, MEMSPACE_REGION_IO);
	ck_assert_ptr_null(c.host_base);
	ck_assert_int_eq(memspace_addrspace_get_region_cache(as, 0x30000, &c),
			 -ENOENT);
	ck_assert(!memspace_region_cache_hit(&c, as, 0x30000));
	ck_assert_int_eq(memspace_addrspace_get_region_cache(NULL, 0, &c),
			 -EINVAL);
}
END_TEST

START_TEST(cache_hit_does_not_refill)
{
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_region_cache c = { 0 }, before;

	tt_add(root, 0x10000, ram);
	ck_assert_ptr_null(host_addr(0x5000, &c));
	ck_assert(!memspace_region_cache_hit(&c, as, 0x10000));
	ck_assert_ptr_eq(host_addr(0x10000, &c), host_of(ram));
	before = c;
	ck_assert(memspace_region_cache_hit(&c, as, 0x13fff));
	ck_assert_ptr_eq(host_addr(0x13fff, &c), host_of(ram) + 0x3fff);
	ck_assert_mem_eq(&c, &before, sizeof(c));
	ck_assert(!memspace_region_cache_hit(&c, as, 0x14000));
	ck_assert(!memspace_region_cache_hit(&c, NULL, 0x10000));
}
END_TEST

START_TEST(cache_never_stale_after_replacement)
{
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_region_cache c = { 0 };

	tt_add(root, 0x1000, a);
	ck_assert_ptr_eq(host_addr(0x1800, &c), host_of(a) + 0x800);
	/* Same address, same size, another backing. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_del_subregion(root, a), 0);
	tt_add(root, 0x1000, b);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert(!memspace_region_cache_hit(&c, as, 0x1800));
	ck_assert_ptr_eq(host_addr(0x1800, &c), host_of(b) + 0x800);
}
END_TEST

START_TEST(cache_never_stale_after_move_disable_or_overlay)
{
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *ov = tt_io("overlay", 0x100);
	struct memspace_region_cache c = { 0 };

	tt_add(root, 0x1000, a);
	ck_assert_ptr_nonnull(host_addr(0x1000, &c));
	ck_assert_int_eq(memspace_region_set_address(a, 0x8000), 0);
	ck_assert_ptr_null(host_addr(0x1000, &c));
	ck_assert_ptr_eq(host_addr(0x8000, &c), host_of(a));
	ck_assert_int_eq(memspace_region_set_enabled(a, false), 0);
	ck_assert_ptr_null(host_addr(0x8000, &c));
	ck_assert_int_eq(memspace_region_set_enabled(a, true), 0);
	ck_assert_ptr_eq(host_addr(0x8010, &c), host_of(a) + 0x10);
	tt_add_prio(root, 0x8000, ov, 1);
	ck_assert_ptr_null(host_addr(0x8010, &c));
	ck_assert_ptr_eq(host_addr(0x8100, &c), host_of(a) + 0x100);
	ck_assert_uint_eq(c.start, 0x8100);
}
END_TEST

START_TEST(cache_readonly_range_is_flagged)
{
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_region *ro = tt_alias("ro", ram, 0, 0x1000);
	struct memspace_region_cache c = { 0 };

	memspace_region_set_readonly(ro, true);
	tt_add(root, 0x4000, ro);
	ck_assert_ptr_eq(host_addr(0x4000, &c), host_of(ram));
	ck_assert(c.readonly);
}
END_TEST

START_TEST(cache_is_per_address_space)
{
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_region *root2 =
		tt_container("other", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as2 = tt_as("other", root2);
	struct memspace_region_cache c = { 0 };

	tt_add(root, 0x1000, ram);
	ck_assert_ptr_nonnull(host_addr(0x1000, &c));
	memspace_rcu_read_lock();
	ck_assert_ptr_null(
		memspace_addrspace_get_host_address(as2, 0x1000, &c));
	memspace_rcu_read_unlock();
}
END_TEST

START_TEST(window_fast_path_and_rebuild)
{
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_window_cache w;
	uint32_t v = 0x11223344, out = 0;

	tt_add(root, 0x1000, a);
	ck_assert_int_eq(
		memspace_window_cache_init(&w, as, 0x1100, 0x100, true), 0);
	ck_assert_int_eq(memspace_window_cache_write(&w, 0x10, &v, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(host_of(a) + 0x110, &v, 4);
	ck_assert_int_eq(memspace_window_cache_refresh(&w), 0);
	/* Replace the RAM: the window follows. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_del_subregion(root, a), 0);
	tt_add(root, 0x1000, b);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	host_of(b)[0x110] = 0x99;
	ck_assert_int_eq(memspace_window_cache_read(&w, 0x10, &out, 1),
			 MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(out, 0x99);
	ck_assert_int_eq(memspace_window_cache_refresh(&w), 0);
	ck_assert_int_eq(memspace_window_cache_write(&w, 0x10, &v, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(host_of(b) + 0x110, &v, 4);
	ck_assert_uint_ne(host_of(a)[0x110], 0x99);
	/* Gone entirely: accesses see the hole. */
	ck_assert_int_eq(memspace_region_del_subregion(root, b), 0);
	ck_assert_int_eq(memspace_window_cache_read(&w, 0, &out, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	memspace_window_cache_finish(&w);
	memspace_window_cache_finish(&w);
}
END_TEST

START_TEST(window_slow_paths)
{
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_region *rom = tt_ram("rom", 0x1000);
	struct memspace_window_cache w;
	uint8_t buf[0x20], out[0x20];

	memspace_region_set_readonly(rom, true);
	tt_add(root, 0x1000, a);
	tt_add(root, 0x2000, b);
	tt_add(root, 0x3000, rom);
	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(0x40 + i);
	}
	/* A window across two ranges takes the general path. */
	ck_assert_int_eq(
		memspace_window_cache_init(&w, as, 0x1ff0, 0x20, false), 0);
	ck_assert_int_eq(memspace_window_cache_write(&w, 0, buf, 0x20),
			 MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(memspace_window_cache_read(&w, 0, out, 0x20),
			 MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(out, buf, 0x20);
	ck_assert_mem_eq(host_of(b), buf + 0x10, 0x10);
	ck_assert_int_eq(memspace_window_cache_read(&w, 0x10, out, 0x11),
			 MEMSPACE_ACCESS_DENIED);
	ck_assert_int_eq(memspace_window_cache_read(&w, UINT64_MAX, out, 2),
			 MEMSPACE_ACCESS_DENIED);
	memspace_window_cache_finish(&w);
	/* A ROM window reads directly but refuses writes. */
	ck_assert_int_eq(memspace_window_cache_init(&w, as, 0x3000, 0x10, true),
			 0);
	ck_assert_int_eq(memspace_window_cache_write(&w, 0, buf, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_window_cache_read(&w, 0, out, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(out[0], 0);
	memspace_window_cache_finish(&w);
	ck_assert_int_eq(memspace_window_cache_init(&w, as, UINT64_MAX, 2,
						    false),
			 -EINVAL);
	ck_assert_int_eq(memspace_window_cache_init(&w, as, 0, 0, false),
			 -EINVAL);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache:region");

	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, cache_fill_describes_the_range);
	tcase_add_test(tc, cache_hit_does_not_refill);
	tcase_add_test(tc, cache_never_stale_after_replacement);
	tcase_add_test(tc, cache_never_stale_after_move_disable_or_overlay);
	tcase_add_test(tc, cache_readonly_range_is_flagged);
	tcase_add_test(tc, cache_is_per_address_space);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache:window");
	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, window_fast_path_and_rebuild);
	tcase_add_test(tc, window_slow_paths);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cache_suite)
