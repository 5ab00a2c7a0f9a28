/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering after mutations (size, address, removal), region kinds and
 * inherited flags.
 */
#include <stdint.h>

#include "test-tree.h"

/* The section of the view of @as that contains @addr, if any. */
static bool
find_section(struct memspace_addrspace *as, uint64_t addr,
	     struct memspace_section *ret)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	size_t n = memspace_flatview_nr_ranges(fv);
	bool found = false;

	for (size_t i = 0; i < n && !found; i++) {
		ck_assert_int_eq(memspace_flatview_get_range(fv, i, ret), 0);
		found = ret->start <= addr && addr <= ret->last;
	}
	memspace_flatview_unref(fv);
	return found;
}

/* ---- terminating parents and clipping ------------------------ */

START_TEST(render_terminating_parent_children_win)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *m = tt_io("m", 0x1000);
	struct memspace_region *n = tt_io("n", 0x800);
	struct memspace_region *other = tt_ram("other", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "r", 0x0000 },
		{ 0x1000, 0x1fff, "m", 0x0000 },
		{ 0x2000, 0x2fff, "r", 0x2000 },
		{ 0x3000, 0x37ff, "n", 0x0000 },
		{ 0x3800, 0x3fff, "r", 0x3800 },
		{ 0x8000, 0x8fff, "other", 0x0000 },
	};

	tt_add(r, 0x1000, m);
	/* A child's negative priority does not matter against its parent. */
	tt_add_prio(r, 0x3000, n, -5);
	tt_add(root, 0, r);
	tt_add(root, 0x8000, other);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- mutations ---------------------------------------------------------- */

START_TEST(render_set_size_grows_and_shrinks)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_ram("bg", 0x10000);
	struct memspace_region *io = tt_io("io", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range grown[] = {
		{ 0x0000, 0x0fff, "bg", 0x0000 },
		{ 0x1000, 0x3fff, "io", 0x0000 },
		{ 0x4000, 0xffff, "bg", 0x4000 },
	};
	static const struct expect_range shrunk[] = {
		{ 0x0000, 0x0fff, "bg", 0x0000 },
		{ 0x1000, 0x17ff, "io", 0x0000 },
		{ 0x1800, 0xffff, "bg", 0x1800 },
	};

	tt_add_prio(root, 0, bg, -1);
	tt_add(root, 0x1000, io);
	ck_assert_int_eq(memspace_region_set_size(io, 0x3000), 0);
	ck_assert_uint_eq(memspace_region_get_size(io), 0x3000);
	test_assert_view_ro(as, grown);
	ck_assert_int_eq(memspace_region_set_size(io, 0x800), 0);
	test_assert_view_ro(as, shrunk);
}
END_TEST

START_TEST(render_set_size_ram_shrinks)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range shrunk[] = {
		{ 0x0000, 0x0fff, "r", 0 },
		{ 0x8000, 0x8fff, "o", 0 },
	};
	static const struct expect_range regrown[] = {
		{ 0x0000, 0x3fff, "r", 0 },
		{ 0x8000, 0x8fff, "o", 0 },
	};

	tt_add(root, 0, r);
	tt_add(root, 0x8000, o);
	ck_assert_int_eq(memspace_region_set_size(r, 0x1000), 0);
	test_assert_view_ro(as, shrunk);
	/* Growing back within the host memory is fine. */
	ck_assert_int_eq(memspace_region_set_size(r, 0x4000), 0);
	test_assert_view_ro(as, regrown);
}
END_TEST

START_TEST(render_set_address_moves_region)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_ram("y", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range before[] = {
		{ 0x1000, 0x1fff, "x", 0 },
		{ 0x3000, 0x3fff, "y", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x3000, 0x3fff, "y", 0 },
		{ 0x5000, 0x5fff, "x", 0 },
	};

	tt_add(root, 0x1000, x);
	tt_add(root, 0x3000, y);
	test_assert_view_ro(as, before);
	ck_assert_int_eq(memspace_region_set_address(x, 0x5000), 0);
	ck_assert_uint_eq(memspace_region_get_address(x), 0x5000);
	test_assert_view_ro(as, after);
}
END_TEST

START_TEST(render_set_address_unmapped_then_add)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_ram("y", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "x", 0 },
		{ 0x9000, 0x9fff, "y", 0 },
	};

	tt_add(root, 0x9000, y);
	/* Not mapped: only records the address, add_subregion overrides. */
	ck_assert_int_eq(memspace_region_set_address(x, 0x7000), 0);
	tt_add(root, 0x2000, x);
	ck_assert_uint_eq(memspace_region_get_address(x), 0x2000);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_root_address_shifts_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x10000, 0x10fff, "a", 0 },
		{ 0x12000, 0x12fff, "b", 0 },
	};

	tt_add(root, 0, a);
	tt_add(root, 0x2000, b);
	ck_assert_int_eq(memspace_region_set_address(root, 0x10000), 0);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_del_subregion_removes_range)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_ram("y", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x3000, 0x3fff, "y", 0 },
	};

	tt_add(root, 0x1000, x);
	tt_add(root, 0x3000, y);
	ck_assert_int_eq(memspace_region_del_subregion(root, x), 0);
	ck_assert_ptr_null(memspace_region_get_parent(x));
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- region kinds ----------------------------------------------- */

START_TEST(render_romd_toggles_section_flag)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *flash = tt_romdev("flash", 0x1000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "flash", 0 },
		{ 0x8000, 0x8fff, "ram", 0 },
	};
	struct memspace_flatview *held;
	struct memspace_section sec;

	tt_add(root, 0, flash);
	tt_add(root, 0x8000, ram);
	test_assert_view_ro(as, exp);
	sec = tt_section(as, 0);
	ck_assert_ptr_eq(sec.mr, flash);
	ck_assert(sec.romd);
	ck_assert(!sec.readonly);
	ck_assert(!tt_section(as, 1).romd);
	ck_assert(memspace_region_is_romd(flash));

	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	tt_assert_new_view(as, held);
	ck_assert(!memspace_region_is_romd(flash));
	test_assert_view_ro(as, exp);
	ck_assert(!tt_section(as, 0).romd);

	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	ck_assert(tt_section(as, 0).romd);

	ck_assert_int_eq(memspace_region_set_romd(ram, false), -ENOTTY);
	ck_assert(!tt_section(as, 1).romd);
}
END_TEST

START_TEST(render_romd_off_on_in_transaction)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *flash = tt_romdev("flash", 0x1000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "flash", 0 },
		{ 0x8000, 0x8fff, "ram", 0 },
	};

	tt_add(root, 0, flash);
	tt_add(root, 0x8000, ram);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	ck_assert(tt_section(as, 0).romd);	/* not yet published */
	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view_ro(as, exp);
	ck_assert(tt_section(as, 0).romd);
}
END_TEST

START_TEST(render_ram_device_section)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *rd = tt_ramdev("bar", 0x2000);
	struct memspace_region *io = tt_io("io", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x1000, 0x2fff, "bar", 0 },
		{ 0x8000, 0x8fff, "io", 0 },
	};
	struct memspace_section sec;

	tt_add(root, 0x1000, rd);
	tt_add(root, 0x8000, io);
	test_assert_view_ro(as, exp);
	sec = tt_section(as, 0);
	ck_assert_ptr_eq(sec.mr, rd);
	ck_assert_int_eq(memspace_region_get_kind(sec.mr),
			 MEMSPACE_REGION_RAM_DEVICE);
	ck_assert(!sec.romd);
	ck_assert(!sec.readonly);
	ck_assert(!sec.nonvolatile);
}
END_TEST

/* ---- inherited flags -------------------------------------------- */

START_TEST(render_readonly_inherited)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *roc = tt_container("roc", 0x1000);
	struct memspace_region *m = tt_ram("m", 0x1000);
	struct memspace_region *m2 = tt_ram("m2", 0x1000);
	struct memspace_region *ra = tt_alias("ra", m2, 0, 0x1000);
	struct memspace_region *m3 = tt_ram("m3", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "m", 0, true },
		{ 0x4000, 0x4fff, "m2", 0, true },
		{ 0x8000, 0x8fff, "m3", 0, false },
	};
	static const struct expect_range cleared[] = {
		{ 0x1000, 0x1fff, "m", 0, false },
		{ 0x4000, 0x4fff, "m2", 0, true },
		{ 0x8000, 0x8fff, "m3", 0, true },
	};

	ck_assert_int_eq(memspace_region_set_readonly(roc, true), 0);
	ck_assert_int_eq(memspace_region_set_readonly(ra, true), 0);
	tt_add(roc, 0, m);
	tt_add(root, 0x1000, roc);
	tt_add(root, 0x4000, ra);
	tt_add(root, 0x8000, m3);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
	/* The regions themselves are not read-only. */
	ck_assert(memspace_region_is_readonly(roc));
	ck_assert(memspace_region_is_readonly(ra));
	ck_assert(!memspace_region_is_readonly(m));
	ck_assert(!memspace_region_is_readonly(m2));

	ck_assert_int_eq(memspace_region_set_readonly(roc, false), 0);
	ck_assert_int_eq(memspace_region_set_readonly(m3, true), 0);
	test_assert_view_ro(as, cleared);
}
END_TEST

START_TEST(render_nonvolatile_inherited)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *nvc = tt_container("nvc", 0x1000);
	struct memspace_region *p = tt_ram("p", 0x1000);
	struct memspace_region *q = tt_ram("q", 0x1000);
	struct memspace_region *s = tt_ram("s", 0x1000);
	struct memspace_region *nva = tt_alias("nva", s, 0, 0x1000);
	struct memspace_addrspace *as;
	struct memspace_section sec;

	ck_assert_int_eq(memspace_region_set_nonvolatile(nvc, true), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(nva, true), 0);
	tt_add(nvc, 0, p);
	tt_add(root, 0x1000, nvc);
	tt_add(root, 0x3000, q);
	tt_add(root, 0x5000, nva);
	as = tt_as("as", root);
	ck_assert_uint_eq(tt_nr_ranges(as), 3);
	ck_assert(find_section(as, 0x1000, &sec));
	ck_assert_ptr_eq(sec.mr, p);
	ck_assert(sec.nonvolatile);
	ck_assert(!sec.readonly);
	ck_assert(find_section(as, 0x3000, &sec));
	ck_assert_ptr_eq(sec.mr, q);
	ck_assert(!sec.nonvolatile);
	ck_assert(find_section(as, 0x5000, &sec));
	ck_assert_ptr_eq(sec.mr, s);
	ck_assert(sec.nonvolatile);
	ck_assert(memspace_region_is_nonvolatile(nvc));
	ck_assert(!memspace_region_is_nonvolatile(p));

	ck_assert_int_eq(memspace_region_set_nonvolatile(nvc, false), 0);
	ck_assert(find_section(as, 0x1000, &sec));
	ck_assert(!sec.nonvolatile);
}
END_TEST

static Suite *
render_mutate_suite(void)
{
	Suite *s = suite_create("render-mutate");
	TCase *tc;

	tc = tcase_create("render:mutate");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_terminating_parent_children_win);
	tcase_add_test(tc, render_set_size_grows_and_shrinks);
	tcase_add_test(tc, render_set_size_ram_shrinks);
	tcase_add_test(tc, render_set_address_moves_region);
	tcase_add_test(tc, render_set_address_unmapped_then_add);
	tcase_add_test(tc, render_root_address_shifts_view);
	tcase_add_test(tc, render_del_subregion_removes_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:kinds");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_romd_toggles_section_flag);
	tcase_add_test(tc, render_romd_off_on_in_transaction);
	tcase_add_test(tc, render_ram_device_section);
	tcase_add_test(tc, render_readonly_inherited);
	tcase_add_test(tc, render_nonvolatile_inherited);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_mutate_suite)
