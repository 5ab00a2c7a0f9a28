/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering: 2^64 sizes, the top of the address space, and clipping by
 * containers and roots.
 */
#include <stdint.h>

#include "test-tree.h"

#define SZ_2_64 MEMSPACE_SIZE_2_64

/* ---- 2^64 sizes ----------------------------------------------------- */

START_TEST(render_size_2_64_io_root)
{
	struct memspace_region *io = tt_io("io", SZ_2_64);
	struct memspace_addrspace *as = tt_as("as", io);
	static const struct expect_range exp[] = {
		{ 0, UINT64_MAX, "io", 0 },
	};
	struct memspace_section sec = { 0 };

	ck_assert_uint_eq(memspace_region_get_size(io), UINT64_MAX);
	test_assert_view_ro(as, exp);
	sec = tt_section(as, 0);
	ck_assert_ptr_eq(sec.mr, io);
	ck_assert_uint_eq(sec.start, 0);
	ck_assert_uint_eq(sec.last, UINT64_MAX);
}
END_TEST

START_TEST(render_size_2_64_clipped_by_root)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x1000, UINT64_MAX, "big", 0 },
	};

	tt_add(sys, 0x1000, big);
	as = tt_as("as", sys);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_size_2_64_nested_offsets)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *c2 = tt_container("c2", SZ_2_64);
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_region *low = tt_ram("low", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "low", 0 },
		{ 0x2000, UINT64_MAX, "big", 0 },
	};

	tt_add(c2, 0x1000, big);
	tt_add(sys, 0x1000, c2);
	tt_add(sys, 0, low);
	as = tt_as("as", sys);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_size_2_64_set_size)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *r = tt_io("r", 0x1000);
	struct memspace_region *other = tt_io("other", 0x1000);
	struct memspace_addrspace *as = tt_as("as", sys);
	static const struct expect_range whole[] = {
		{ 0, UINT64_MAX, "r", 0 },
	};
	static const struct expect_range shrunk[] = {
		{ 0x0000, 0x1fff, "r", 0 },
		{ 0x10000, 0x10fff, "other", 0 },
	};

	tt_add_prio(sys, 0x10000, other, -1);
	tt_add(sys, 0, r);
	ck_assert_int_eq(memspace_region_set_size(r, SZ_2_64), 0);
	ck_assert_uint_eq(memspace_region_get_size(r), UINT64_MAX);
	test_assert_view_ro(as, whole);
	ck_assert_int_eq(memspace_region_set_size(r, 0x2000), 0);
	ck_assert_uint_eq(memspace_region_get_size(r), 0x2000);
	test_assert_view_ro(as, shrunk);
}
END_TEST

START_TEST(render_size_2_64_alias_high_offset)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_region *top = tt_alias("top", big,
					       UINT64_MAX - 0xfff, 0x1000);
	struct memspace_region *bot = tt_alias("bot", big, 0, 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "big", UINT64_MAX - 0xfff },
		{ 0x4000, 0x4fff, "big", 0 },
	};

	tt_add(root, 0, top);
	tt_add(root, 0x4000, bot);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_size_top_of_space)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *top = tt_io("top", 0x1000);
	struct memspace_region *over = tt_io("over", 0x1000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_region *lo = tt_alias("lo", ram, 0, 0x800);
	struct memspace_region *hi = tt_alias("hi", ram, 0x800, 0x800);
	struct memspace_region *c = tt_container("c", 0x4000);
	struct memspace_region *beyond = tt_io("beyond", 0x800);
	struct memspace_addrspace *as = tt_as("as", sys);
	static const struct expect_range exp[] = {
		{ 0xffffffffffff0000ull, 0xffffffffffff0fffull, "top", 0 },
		{ 0xfffffffffffff000ull, UINT64_MAX, "ram", 0 },
	};
	static const struct expect_range clipped[] = {
		{ 0xffffffffffff0000ull, 0xffffffffffff0fffull, "top", 0 },
		{ 0xffffffffffffe800ull, 0xffffffffffffefffull, "over", 0 },
		{ 0xfffffffffffff000ull, UINT64_MAX, "ram", 0 },
	};

	tt_add(sys, 0xffffffffffff0000ull, top);
	/* Two halves of ram meeting at the very end merge into one range. */
	tt_add(sys, 0xfffffffffffff000ull, lo);
	tt_add(sys, 0xfffffffffffff800ull, hi);
	test_assert_view_ro(as, exp);
	/* A container reaching past 2^64 is clipped, and its children. */
	tt_add(c, 0x800, over);
	tt_add(c, 0x3000, beyond);
	tt_add_prio(sys, 0xffffffffffffe000ull, c, -1);
	test_assert_view_ro(as, clipped);
}
END_TEST

START_TEST(render_container_clips_child)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *c = tt_container("c", 0x1000);
	struct memspace_region *x = tt_ram("x", 0x2000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x1800, 0x1fff, "x", 0 },
	};

	tt_add(c, 0x800, x);
	tt_add(root, 0x1000, c);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);

	/* Entirely outside its container: invisible, though still mapped. */
	ck_assert_int_eq(memspace_region_set_address(x, 0x1800), 0);
	ck_assert_ptr_eq(memspace_region_get_parent(x), c);
	test_assert_view_empty(as);
}
END_TEST

START_TEST(render_root_clips_to_its_size)
{
	struct memspace_region *root = tt_container("root", 0x3000);
	struct memspace_region *x = tt_ram("x", 0x2000);
	struct memspace_region *y = tt_ram("y", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "y", 0 },
		{ 0x2000, 0x2fff, "x", 0 },
	};

	tt_add(root, 0x2000, x);
	tt_add(root, 0, y);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
}
END_TEST

static Suite *
render_size_suite(void)
{
	Suite *s = suite_create("render-size");
	TCase *tc;

	tc = tcase_create("render:size");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_size_2_64_io_root);
	tcase_add_test(tc, render_size_2_64_clipped_by_root);
	tcase_add_test(tc, render_size_2_64_nested_offsets);
	tcase_add_test(tc, render_size_2_64_set_size);
	tcase_add_test(tc, render_size_2_64_alias_high_offset);
	tcase_add_test(tc, render_size_top_of_space);
	tcase_add_test(tc, render_container_clips_child);
	tcase_add_test(tc, render_root_clips_to_its_size);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_size_suite)
