/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering region trees into flat views: QEMU's documented cases and edges. */
#include <stdint.h>

#include "test-tree.h"

#define SZ_2_64 MEMSPACE_SIZE_2_64

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

/* ---- holes in a higher-priority container ------------------- */

START_TEST(render_hole_shows_lower_sibling)
{
	struct memspace_region *a = tt_container("A", 0x8000);
	struct memspace_addrspace *as = tt_as("as", a);
	struct memspace_region *b = tt_container("B", 0x4000);
	struct memspace_region *c = tt_io("C", 0x6000);
	struct memspace_region *d = tt_io("D", 0x1000);
	struct memspace_region *e = tt_io("E", 0x1000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "C", 0x0000 },
		{ 0x2000, 0x2fff, "D", 0x0000 },
		{ 0x3000, 0x3fff, "C", 0x3000 },
		{ 0x4000, 0x4fff, "E", 0x0000 },
		{ 0x5000, 0x5fff, "C", 0x5000 },
	};

	/* Built after the address space exists: every call commits. */
	tt_add_prio(a, 0x2000, b, 2);
	tt_add_prio(a, 0, c, 1);
	tt_add(b, 0, d);
	tt_add(b, 0x2000, e);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_hole_filled_by_terminating_parent)
{
	struct memspace_region *a = tt_container("A", 0x8000);
	struct memspace_region *b = tt_io("B", 0x4000);
	struct memspace_region *c = tt_io("C", 0x6000);
	struct memspace_region *d = tt_io("D", 0x1000);
	struct memspace_region *e = tt_io("E", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "C", 0x0000 },
		{ 0x2000, 0x2fff, "D", 0x0000 },
		{ 0x3000, 0x3fff, "B", 0x1000 },
		{ 0x4000, 0x4fff, "E", 0x0000 },
		{ 0x5000, 0x5fff, "B", 0x3000 },
	};

	/* Built before the address space: rendered once at creation. */
	tt_add(b, 0, d);
	tt_add(b, 0x2000, e);
	tt_add_prio(a, 0x2000, b, 2);
	tt_add_prio(a, 0, c, 1);
	as = tt_as("as", a);
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- priority ties ------------------------------------------------- */

START_TEST(render_tie_newest_wins)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_tie_moved_region_wins)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range moved[] = {
		{ 0x0800, 0x27ff, "X", 0x0000 },
		{ 0x2800, 0x2fff, "Y", 0x1800 },
	};
	static const struct expect_range back[] = {
		{ 0x0000, 0x1fff, "X", 0x0000 },
		{ 0x2000, 0x2fff, "Y", 0x1000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	ck_assert_int_eq(memspace_region_set_address(x, 0x800), 0);
	ck_assert_uint_eq(memspace_region_get_address(x), 0x800);
	test_assert_view_ro(as, moved);
	/* Moving back re-adds again: X still precedes Y. */
	ck_assert_int_eq(memspace_region_set_address(x, 0), 0);
	test_assert_view_ro(as, back);
}
END_TEST

START_TEST(render_tie_same_address_keeps_order)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	/* Not a move: X is not re-added and Y keeps winning the tie. */
	ck_assert_int_eq(memspace_region_set_address(x, 0), 0);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_tie_add_resets_priority)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range prio1[] = {
		{ 0x0000, 0x1fff, "X", 0x0000 },
		{ 0x2000, 0x2fff, "Y", 0x1000 },
	};
	static const struct expect_range only_y[] = {
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};
	static const struct expect_range y_newest[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add_prio(r, 0, x, 1);
	tt_add(r, 0x1000, y);
	ck_assert_int_eq(memspace_region_get_priority(x), 1);
	test_assert_view_ro(as, prio1);

	ck_assert_int_eq(memspace_region_del_subregion(r, x), 0);
	ck_assert_ptr_null(memspace_region_get_parent(x));
	test_assert_view_ro(as, only_y);

	/* Plain add: priority silently back to 0. */
	tt_add(r, 0, x);
	ck_assert_int_eq(memspace_region_get_priority(x), 0);
	test_assert_view_ro(as, prio1);

	/* Re-adding Y now makes it the newest of priority 0: it wins. */
	ck_assert_int_eq(memspace_region_del_subregion(r, y), 0);
	tt_add(r, 0x1000, y);
	test_assert_view_ro(as, y_newest);
}
END_TEST

/* ---- other priority orderings ----------------------------------- */

START_TEST(render_priority_background_below_siblings)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_region *a = tt_ram("A", 0x2000);
	struct memspace_region *b = tt_ram("B", 0x2000);
	struct memspace_region *bg = tt_ram("Bg", 0x4000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "A", 0x0000 },
		{ 0x1000, 0x2fff, "B", 0x0000 },
		{ 0x3000, 0x3fff, "Bg", 0x3000 },
	};

	tt_add(root, 0, a);
	tt_add(root, 0x1000, b);
	tt_add_prio(root, 0, bg, -1);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_negative_ordering)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *n1 = tt_ram("n1", 0x2000);
	struct memspace_region *z = tt_io("z", 0x800);
	struct memspace_region *n2 = tt_ram("n2", 0x4000);
	struct memspace_region *p = tt_io("p", 0x400);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "n2", 0x0000 },
		{ 0x1000, 0x17ff, "n1", 0x0000 },
		{ 0x1800, 0x1bff, "p", 0x0000 },
		{ 0x1c00, 0x27ff, "n1", 0x0c00 },
		{ 0x2800, 0x2fff, "z", 0x0000 },
		{ 0x3000, 0x3fff, "n2", 0x3000 },
	};

	tt_add_prio(root, 0x1000, n1, -1);
	tt_add(root, 0x2800, z);
	tt_add_prio(root, 0, n2, -2);
	/* Same priority as n1 but newer: p wins where they overlap. */
	tt_add_prio(root, 0x1800, p, -1);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_extremes_ordered)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *lo = tt_ram("lo", 0x4000);
	struct memspace_region *hi = tt_ram("hi", 0x2000);
	struct memspace_region *mid = tt_ram("mid", 0x4000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "mid", 0x0000 },
		{ 0x1000, 0x2fff, "hi", 0x0000 },
		{ 0x3000, 0x3fff, "mid", 0x3000 },
	};

	tt_add_prio(root, 0, lo, INT32_MIN);
	tt_add_prio(root, 0x1000, hi, INT32_MAX);
	tt_add(root, 0, mid);
	ck_assert_int_eq(memspace_region_get_priority(lo), INT32_MIN);
	ck_assert_int_eq(memspace_region_get_priority(hi), INT32_MAX);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_local_to_container)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *w = tt_container("w", 0x2000);
	struct memspace_region *c = tt_ram("c", 0x1000);
	struct memspace_region *s = tt_ram("s", 0x4000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "s", 0x0000 },
		{ 0x1000, 0x1fff, "c", 0x0000 },
		{ 0x2000, 0x3fff, "s", 0x2000 },
	};

	/* c's own priority only matters inside w; w beats s. */
	tt_add_prio(w, 0x1000, c, -100);
	tt_add_prio(root, 0, w, 5);
	tt_add_prio(root, 0, s, 1);
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- disabled regions -------------------------------------------- */

START_TEST(render_disabled_overlay_shows_lower)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *lo = tt_ram("lo", 0x10000);
	struct memspace_region *win = tt_container("win", 0x2000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range on[] = {
		{ 0x0000, 0x3fff, "lo", 0x0000 },
		{ 0x4000, 0x4fff, "dev", 0x0000 },
		{ 0x5000, 0xffff, "lo", 0x5000 },
	};
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "lo", 0x0000 },
	};

	tt_add(root, 0, lo);
	tt_add_prio(root, 0x4000, win, 1);
	tt_add(win, 0, dev);
	as = tt_as("as", root);
	test_assert_view_ro(as, on);

	ck_assert_int_eq(memspace_region_set_enabled(win, false), 0);
	ck_assert(!memspace_region_is_enabled(win));
	/* dev itself is still enabled, only hidden with its parent. */
	ck_assert(memspace_region_is_enabled(dev));
	test_assert_view_ro(as, off);

	ck_assert_int_eq(memspace_region_set_enabled(win, true), 0);
	test_assert_view_ro(as, on);
}
END_TEST

START_TEST(render_disabled_leaf_merges_neighbours)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *lo = tt_ram("lo", 0x10000);
	struct memspace_region *win = tt_container("win", 0x2000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0xffff, "lo", 0x0000 },
	};

	tt_add(root, 0, lo);
	tt_add_prio(root, 0x4000, win, 1);
	tt_add(win, 0, dev);
	ck_assert_int_eq(memspace_region_set_enabled(dev, false), 0);
	/* win is a container: its holes show lo, which merges back. */
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_disabled_alias_shows_lower)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_io("bg", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x2000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range on[] = {
		{ 0x0000, 0x7fff, "bg", 0x0000 },
		{ 0x8000, 0x8fff, "r", 0x1000 },
		{ 0x9000, 0xffff, "bg", 0x9000 },
	};
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};

	tt_add_prio(root, 0, bg, -1);
	tt_add(root, 0x8000, a);
	test_assert_view_ro(as, on);
	ck_assert_int_eq(memspace_region_set_enabled(a, false), 0);
	test_assert_view_ro(as, off);
}
END_TEST

START_TEST(render_disabled_alias_target_hidden)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_io("bg", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x2000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};

	tt_add_prio(root, 0, bg, -1);
	tt_add(root, 0x8000, a);
	/* The alias is enabled, but its (unmapped) target is not. */
	ck_assert_int_eq(memspace_region_set_enabled(r, false), 0);
	test_assert_view_ro(as, off);
}
END_TEST

/* ---- zero sizes ----------------------------------------------------- */

START_TEST(render_zero_size_hides_subtree)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_ram("bg", 0x10000);
	struct memspace_region *z = tt_container("Z", 0);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *r2 = tt_ram("r2", 0x1000);
	struct memspace_region *za = tt_alias("za", r2, 0, 0);
	struct memspace_region *zio = tt_io("zio", 0);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};
	static const struct expect_range grown[] = {
		{ 0x0000, 0x0fff, "bg", 0x0000 },
		{ 0x1000, 0x1fff, "r", 0x0000 },
		{ 0x2000, 0xffff, "bg", 0x2000 },
	};

	tt_add(root, 0, bg);
	tt_add_prio(root, 0x1000, z, 1);
	tt_add(z, 0, r);
	tt_add_prio(root, 0x2000, za, 1);
	tt_add_prio(root, 0x3000, zio, 1);
	as = tt_as("as", root);
	ck_assert_uint_eq(memspace_region_get_size(z), 0);
	ck_assert_uint_eq(memspace_region_get_size(za), 0);
	test_assert_view_ro(as, exp);

	/* Growing the container reveals its child. */
	ck_assert_int_eq(memspace_region_set_size(z, 0x1000), 0);
	test_assert_view_ro(as, grown);
}
END_TEST

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

/* ---- alias windows --------------------------------------------- */

START_TEST(render_alias_window_past_target_end)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_region *a1 = tt_alias("a1", ram, 0, 0x3000);
	struct memspace_region *a2 = tt_alias("a2", ram, 0x3000, 0x2000);
	struct memspace_region *a3 = tt_alias("a3", ram, 0x4000, 0x1000);
	struct memspace_region *a4 = tt_alias("a4", ram, 0x5000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x00000, 0x02fff, "ram", 0x0000 },
		{ 0x10000, 0x10fff, "ram", 0x3000 },
	};

	tt_add(root, 0, a1);
	tt_add(root, 0x10000, a2);
	/* Offsets at or beyond the end of the target render nothing. */
	tt_add(root, 0x20000, a3);
	tt_add(root, 0x30000, a4);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_of_alias_negative_bases)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_region *r = tt_ram("R", 0x10000);
	struct memspace_region *a1 = tt_alias("A1", r, 0x4000, 0x8000);
	struct memspace_region *a2 = tt_alias("A2", a1, 0x2000, 0x2000);
	struct memspace_region *a3 = tt_alias("A3", a1, 0x7000, 0x2000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x00100, 0x020ff, "R", 0x6000 },
		{ 0x10000, 0x10fff, "R", 0xb000 },
	};

	tt_add(root, 0x100, a2);
	/* A3's window runs past the end of A1's: clipped by A1. */
	tt_add(root, 0x10000, a3);
	ck_assert_ptr_eq(memspace_region_get_alias_target(a2), a1);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_ignores_target_address)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *a = tt_alias("a", r, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "r", 0 },
		{ 0x8000, 0x8fff, "r", 0 },
	};

	/* The target is mapped itself at 0x8000 and aliased at 0x1000. */
	tt_add(root, 0x8000, r);
	tt_add(root, 0x1000, a);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_shows_target_subregions)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *t = tt_container("t", 0x4000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_io("y", 0x1000);
	struct memspace_region *a = tt_alias("a", t, 0x800, 0x3000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x4000, 0x47ff, "x", 0x800 },
		{ 0x5800, 0x67ff, "y", 0x000 },
	};

	tt_add(t, 0, x);
	tt_add(t, 0x2000, y);
	tt_add(root, 0x4000, a);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_set_offset_moves_window)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *a = tt_alias("a", r, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range at0[] = {
		{ 0x2000, 0x2fff, "r", 0x0000 },
	};
	static const struct expect_range at2000[] = {
		{ 0x2000, 0x2fff, "r", 0x2000 },
	};
	static const struct expect_range at3800[] = {
		{ 0x2000, 0x27ff, "r", 0x3800 },
	};

	tt_add(root, 0x2000, a);
	test_assert_view_ro(as, at0);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x2000), 0);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), 0x2000);
	test_assert_view_ro(as, at2000);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x3800), 0);
	test_assert_view_ro(as, at3800);
}
END_TEST

START_TEST(render_alias_set_size_resizes_window)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range grown[] = {
		{ 0x0000, 0x2fff, "r", 0x1000 },
	};

	tt_add(root, 0, a);
	ck_assert_int_eq(memspace_region_set_size(a, 0x8000), 0);
	test_assert_view_ro(as, grown);
	ck_assert_int_eq(memspace_region_set_size(a, 0), 0);
	test_assert_view_empty(as);
}
END_TEST

/* ---- merging -------------------------------------------------------- */

struct merge_tree {
	struct memspace_region *root, *ram, *l, *h;
	struct memspace_addrspace *as;
};

static struct merge_tree
merge_tree(void)
{
	struct merge_tree t;

	t.root = tt_container("root", 0x10000);
	t.ram = tt_ram("ram", 0x4000);
	t.l = tt_alias("L", t.ram, 0, 0x2000);
	t.h = tt_alias("H", t.ram, 0x2000, 0x2000);
	tt_add(t.root, 0, t.l);
	tt_add(t.root, 0x2000, t.h);
	t.as = tt_as("as", t.root);
	return t;
}

START_TEST(render_merge_across_aliases)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_blocked_by_readonly)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000, false },
		{ 0x2000, 0x3fff, "ram", 0x2000, true },
	};
	static const struct expect_range merged[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	ck_assert_int_eq(memspace_region_set_readonly(t.h, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert_int_eq(memspace_region_set_readonly(t.h, false), 0);
	test_assert_view_ro(t.as, merged);
}
END_TEST

START_TEST(render_merge_blocked_by_unmergeable)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x3fff, "ram", 0x2000 },
	};
	static const struct expect_range merged[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	ck_assert_int_eq(memspace_region_set_unmergeable(t.l, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert(tt_section(t.as, 0).unmergeable);
	ck_assert(!tt_section(t.as, 1).unmergeable);
	ck_assert(!tt_section(t.as, 0).readonly);
	ck_assert_int_eq(memspace_region_set_unmergeable(t.l, false), 0);
	test_assert_view_ro(t.as, merged);
	ck_assert(!tt_section(t.as, 0).unmergeable);
}
END_TEST

START_TEST(render_merge_blocked_by_nonvolatile)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x3fff, "ram", 0x2000 },
	};

	ck_assert_int_eq(memspace_region_set_nonvolatile(t.h, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert(!tt_section(t.as, 0).nonvolatile);
	ck_assert(tt_section(t.as, 1).nonvolatile);
}
END_TEST

START_TEST(render_merge_blocked_by_offset)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x37ff, "ram", 0x2800 },
	};

	ck_assert_int_eq(memspace_region_set_alias_offset(t.h, 0x2800), 0);
	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_blocked_by_gap)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x3000, 0x4fff, "ram", 0x2000 },
	};

	ck_assert_int_eq(memspace_region_set_address(t.h, 0x3000), 0);
	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_needs_same_region)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *p = tt_ram("p", 0x1000);
	struct memspace_region *q = tt_ram("q", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "p", 0 },
		{ 0x1000, 0x1fff, "q", 0 },
	};

	tt_add(root, 0, p);
	tt_add(root, 0x1000, q);
	test_assert_view_ro(as, exp);
}
END_TEST

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

/* ---- flat-view sharing --------------------------------------------- */

struct share_tree {
	struct memspace_region *system, *ram;
	struct memspace_addrspace *as1;
};

static struct share_tree
share_tree(void)
{
	struct share_tree t;

	t.system = tt_container("system", SZ_2_64);
	t.ram = tt_ram("ram", 0x1000);
	tt_add(t.system, 0x2000, t.ram);
	t.as1 = tt_as("as1", t.system);
	return t;
}

START_TEST(render_share_full_alias_root)
{
	struct share_tree t = share_tree();
	struct memspace_region *sa = tt_alias("sa", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as2 = tt_as("as2", sa);
	struct memspace_flatview *v1 = tt_hold_view(t.as1);
	struct memspace_flatview *v2 = tt_hold_view(as2);
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "ram", 0 },
	};

	ck_assert_ptr_eq(v1, v2);
	ck_assert_ptr_eq(memspace_flatview_get_root(v1), t.system);
	ck_assert_ptr_eq(memspace_addrspace_get_root(as2), sa);
	test_assert_view_ro(as2, exp);
	memspace_flatview_unref(v1);
	memspace_flatview_unref(v2);

	/* A change in system re-renders one view, still shared. */
	ck_assert_int_eq(memspace_region_set_address(t.ram, 0x3000), 0);
	ck_assert_ptr_eq(tt_view_ptr(t.as1), tt_view_ptr(as2));
}
END_TEST

START_TEST(render_share_offset_alias_separate)
{
	struct share_tree t = share_tree();
	struct memspace_region *sb = tt_alias("sb", t.system, 0x1000,
					      0xfffffffffffff000ull);
	struct memspace_addrspace *as2 = tt_as("as2", sb);
	struct memspace_flatview *v2 = tt_hold_view(as2);
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "ram", 0 },
	};

	ck_assert_ptr_ne(tt_view_ptr(t.as1), v2);
	ck_assert_ptr_eq(memspace_flatview_get_root(v2), sb);
	test_assert_view_ro(as2, exp);
	memspace_flatview_unref(v2);
}
END_TEST

START_TEST(render_share_container_single_child)
{
	struct share_tree t = share_tree();
	struct memspace_region *bmc = tt_container("bmc", SZ_2_64);
	struct memspace_region *bm = tt_alias("bm", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as3;
	struct memspace_flatview *v1, *v3;

	tt_add(bmc, 0, bm);
	as3 = tt_as("as3", bmc);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));

	v1 = tt_hold_view(t.as1);
	ck_assert_int_eq(memspace_region_set_enabled(bm, false), 0);
	v3 = tt_hold_view(as3);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(v3), 0);
	ck_assert_ptr_null(memspace_flatview_get_root(v3));
	memspace_flatview_unref(v3);
	/* system's tree did not change: its view was not re-rendered. */
	tt_assert_same_view(t.as1, v1);

	ck_assert_int_eq(memspace_region_set_enabled(bm, true), 0);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));
}
END_TEST

START_TEST(render_share_two_children_not_reduced)
{
	struct share_tree t = share_tree();
	struct memspace_region *bmc = tt_container("bmc", SZ_2_64);
	struct memspace_region *bm = tt_alias("bm", t.system, 0, SZ_2_64);
	struct memspace_region *extra = tt_io("extra", 0x1000);
	struct memspace_addrspace *as3;
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "ram", 0 },
		{ 0x8000, 0x8fff, "extra", 0 },
	};

	tt_add(bmc, 0, bm);
	tt_add_prio(bmc, 0x8000, extra, 1);
	as3 = tt_as("as3", bmc);
	ck_assert_ptr_ne(tt_view_ptr(as3), tt_view_ptr(t.as1));
	test_assert_view_ro(as3, exp);

	/* Disabling the second child makes the container reducible. */
	ck_assert_int_eq(memspace_region_set_enabled(extra, false), 0);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));
}
END_TEST

START_TEST(render_share_readonly_alias_not_shared)
{
	struct share_tree t = share_tree();
	struct memspace_region *sa = tt_alias("sa", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as2;
	static const struct expect_range ro[] = {
		{ 0x2000, 0x2fff, "ram", 0, true },
	};
	static const struct expect_range rw[] = {
		{ 0x2000, 0x2fff, "ram", 0, false },
	};

	ck_assert_int_eq(memspace_region_set_readonly(sa, true), 0);
	as2 = tt_as("as2", sa);
	/* memspace keeps the flag QEMU's root reduction drops. */
	ck_assert_ptr_ne(tt_view_ptr(as2), tt_view_ptr(t.as1));
	test_assert_view_ro(as2, ro);
	test_assert_view_ro(t.as1, rw);

	ck_assert_int_eq(memspace_region_set_readonly(sa, false), 0);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(t.as1));
	test_assert_view_ro(as2, rw);
}
END_TEST

START_TEST(render_share_empty_container_root)
{
	struct memspace_region *c = tt_container("c", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as = tt_as("as", c);
	struct memspace_flatview *fv = tt_hold_view(as);

	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 0);
	ck_assert_ptr_null(memspace_flatview_get_root(fv));
	memspace_flatview_unref(fv);

	tt_add(c, 0x1000, r);
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 1);
	ck_assert_ptr_nonnull(memspace_flatview_get_root(fv));
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_share_flagged_container_root_keeps_flags)
{
	struct memspace_region *roc = tt_container("roc", 0x10000);
	struct memspace_region *nvc = tt_container("nvc", 0x10000);
	struct memspace_region *m = tt_ram("m", 0x4000);
	struct memspace_region *n = tt_ram("n", 0x4000);
	struct memspace_addrspace *as_m, *as_ro, *as_nv;
	struct memspace_section sec;
	static const struct expect_range ro[] = {
		{ 0x0000, 0x3fff, "m", 0, true },
	};

	tt_add(roc, 0, m);
	tt_add(nvc, 0, n);
	ck_assert_int_eq(memspace_region_set_readonly(roc, true), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(nvc, true), 0);
	as_m = tt_as("as_m", m);
	as_ro = tt_as("as_ro", roc);
	as_nv = tt_as("as_nv", nvc);
	/* Reducing roc to m would drop the flag: not shared. */
	ck_assert_ptr_ne(tt_view_ptr(as_ro), tt_view_ptr(as_m));
	test_assert_view_ro(as_ro, ro);
	ck_assert(!tt_section(as_m, 0).readonly);
	sec = tt_section(as_nv, 0);
	ck_assert_ptr_eq(sec.mr, n);
	ck_assert(sec.nonvolatile);
}
END_TEST

START_TEST(render_share_alias_root_target_mapped_elsewhere)
{
	struct memspace_region *sys = tt_container("system", 0x100000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_region *sa = tt_alias("sa", r, 0, 0x1000);
	struct memspace_addrspace *as_sys, *as_sa;
	static const struct expect_range sys_exp[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x5000, 0x5fff, "r", 0 },
	};
	static const struct expect_range sa_exp[] = {
		{ 0x0000, 0x0fff, "r", 0 },
	};

	tt_add(sys, 0x5000, r);
	tt_add(sys, 0, o);
	as_sys = tt_as("as_sys", sys);
	as_sa = tt_as("as_sa", sa);
	test_assert_view_ro(as_sys, sys_exp);
	/* The alias shows r at 0, whatever r's own address in system. */
	test_assert_view_ro(as_sa, sa_exp);
}
END_TEST

START_TEST(render_root_address_with_single_child)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x10000, 0x10fff, "r", 0 },
	};

	tt_add(root, 0, r);
	ck_assert_int_eq(memspace_region_set_address(root, 0x10000), 0);
	as = tt_as("as", root);
	/* The root's own address shifts the view, reduced or not. */
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- transactions ------------------------------------------- */

START_TEST(render_txn_empty_keeps_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_noop_mutations_keep_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	/* Each of these leaves the tree as it was. */
	ck_assert_int_eq(memspace_region_set_enabled(r, true), 0);
	ck_assert_int_eq(memspace_region_set_readonly(r, false), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(r, false), 0);
	ck_assert_int_eq(memspace_region_set_unmergeable(r, false), 0);
	ck_assert_int_eq(memspace_region_set_size(r, 0x1000), 0);
	ck_assert_int_eq(memspace_region_set_owner(r, "owner"), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_unreachable_change_keeps_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_region *loose = tt_container("loose", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	tt_add(loose, 0, x);
	ck_assert_int_eq(memspace_region_set_address(x, 0x2000), 0);
	ck_assert_int_eq(memspace_region_set_readonly(loose, true), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_view_unchanged_until_commit)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 1);
	tt_add(root, 0x1000, r);
	/* Mutations are visible through getters at once... */
	ck_assert_ptr_eq(memspace_region_get_parent(r), root);
	/* ...but the published view is the old one. */
	ck_assert_ptr_eq(tt_view_ptr(as), held);
	test_assert_view_ro(as, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	test_assert_view_ro(as, after);
	test_assert_flatview_ro(held, before);
	tt_assert_new_view(as, held);
}
END_TEST

START_TEST(render_txn_nested_publishes_at_outermost)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x4000, 0x4fff, "r", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 2);
	tt_add(root, 0x4000, r);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 1);
	ck_assert_ptr_eq(tt_view_ptr(as), held);
	test_assert_view_ro(as, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	test_assert_view_ro(as, after);
	tt_assert_new_view(as, held);
}
END_TEST

START_TEST(render_txn_add_del_same_ranges)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *x = tt_io("x", 0x4000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add_prio(root, 0, x, 3);
	ck_assert_int_eq(memspace_region_del_subregion(root, x), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view_ro(as, exp);
	ck_assert_ptr_null(memspace_region_get_parent(x));
}
END_TEST

START_TEST(render_txn_new_addrspace_sees_published_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as1, *as2;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
	};

	/* Two children: root does not reduce, before or after the add. */
	tt_add(root, 0, a);
	tt_add(root, 0x8000, b);
	as1 = tt_as("as1", root);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, r);
	as2 = tt_as("as2", root);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(as1));
	test_assert_view_ro(as2, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(as1));
	test_assert_view_ro(as2, after);
}
END_TEST

START_TEST(render_txn_new_addrspace_renders_current_tree)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
	};

	tt_add(root, 0, a);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, r);
	/* No address space shows root yet: rendered from the tree as is. */
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_target_change_rerenders)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *t = tt_container("t", 0x4000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_io("y", 0x1000);
	struct memspace_region *a = tt_alias("a", t, 0, 0x4000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range one[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x8000, 0x8fff, "x", 0 },
	};
	static const struct expect_range two[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x8000, 0x8fff, "x", 0 },
		{ 0xa000, 0xafff, "y", 0 },
	};
	static const struct expect_range moved[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x9000, 0x9fff, "x", 0 },
		{ 0xa000, 0xafff, "y", 0 },
	};

	tt_add(t, 0, x);
	tt_add(root, 0x8000, a);
	tt_add(root, 0, o);
	test_assert_view_ro(as, one);
	/* t is not mapped: only the alias makes its changes visible. */
	tt_add(t, 0x2000, y);
	test_assert_view_ro(as, two);
	ck_assert_int_eq(memspace_region_set_address(x, 0x1000), 0);
	test_assert_view_ro(as, moved);
}
END_TEST

START_TEST(render_replaced_region_new_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r1 = tt_ram("r", 0x1000);
	struct memspace_region *r2 = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r1);
	tt_add(root, 0x8000, o);
	held = tt_hold_view(as);
	/* Same geometry and name, different region: not the same view. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_del_subregion(root, r1), 0);
	tt_add(root, 0x1000, r2);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	tt_assert_new_view(as, held);
	ck_assert_ptr_eq(tt_section(as, 0).mr, r2);
}
END_TEST

/* ---- flat view accessors ------------------------------------------------ */

struct collect {
	struct memspace_section secs[16];
	size_t n;
	size_t stop_at;		/* return 42 on this call (1-based); 0: never */
};

static int
collect_cb(void *opaque, const struct memspace_section *sec)
{
	struct collect *c = opaque;

	ck_assert_uint_lt(c->n, ARRAY_SIZE(c->secs));
	c->secs[c->n++] = *sec;
	return c->n == c->stop_at ? 42 : 0;
}

START_TEST(render_for_each_matches_get_range)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *m = tt_io("m", 0x1000);
	struct memspace_region *f = tt_romdev("f", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *fv;
	struct collect c = { .n = 0 };

	tt_add(r, 0x1000, m);
	tt_add(root, 0, r);
	tt_add(root, 0x8000, f);
	ck_assert_int_eq(memspace_region_set_readonly(f, true), 0);
	as = tt_as("as", root);
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 4);
	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 4);
	for (size_t i = 0; i < c.n; i++) {
		struct memspace_section sec;

		ck_assert_int_eq(memspace_flatview_get_range(fv, i, &sec), 0);
		ck_assert_ptr_eq(sec.mr, c.secs[i].mr);
		ck_assert_uint_eq(sec.start, c.secs[i].start);
		ck_assert_uint_eq(sec.last, c.secs[i].last);
		ck_assert_uint_eq(sec.offset_in_region,
				  c.secs[i].offset_in_region);
		ck_assert_int_eq(sec.readonly, c.secs[i].readonly);
		ck_assert_int_eq(sec.nonvolatile, c.secs[i].nonvolatile);
		ck_assert_int_eq(sec.romd, c.secs[i].romd);
		ck_assert_int_eq(sec.unmergeable, c.secs[i].unmergeable);
		ck_assert_int_eq(sec.dirty_log_mask, c.secs[i].dirty_log_mask);
		if (i > 0) {
			ck_assert_uint_gt(sec.start, c.secs[i - 1].last);
		}
	}
	ck_assert_ptr_eq(c.secs[1].mr, m);
	ck_assert_ptr_eq(c.secs[3].mr, f);
	ck_assert(c.secs[3].readonly);
	ck_assert(c.secs[3].romd);
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_for_each_stops_early)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *fv;
	struct collect c = { .n = 0, .stop_at = 2 };
	static const char *const names[] = { "a", "b", "c", "d" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		tt_add(root, i * 0x2000, tt_ram(names[i], 0x1000));
	}
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 4);
	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 42);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(memspace_region_get_name(c.secs[1].mr), "b");
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_for_each_empty_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *fv = tt_hold_view(as);
	struct memspace_section sec;
	struct collect c = { .n = 0, .stop_at = 1 };

	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, &sec), -ERANGE);
	memspace_flatview_unref(fv);
}
END_TEST

static Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("render:priority");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_hole_shows_lower_sibling);
	tcase_add_test(tc, render_hole_filled_by_terminating_parent);
	tcase_add_test(tc, render_tie_newest_wins);
	tcase_add_test(tc, render_tie_moved_region_wins);
	tcase_add_test(tc, render_tie_same_address_keeps_order);
	tcase_add_test(tc, render_tie_add_resets_priority);
	tcase_add_test(tc, render_priority_background_below_siblings);
	tcase_add_test(tc, render_priority_negative_ordering);
	tcase_add_test(tc, render_priority_extremes_ordered);
	tcase_add_test(tc, render_priority_local_to_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:enabled");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_disabled_overlay_shows_lower);
	tcase_add_test(tc, render_disabled_leaf_merges_neighbours);
	tcase_add_test(tc, render_disabled_alias_shows_lower);
	tcase_add_test(tc, render_disabled_alias_target_hidden);
	tcase_add_test(tc, render_zero_size_hides_subtree);
	suite_add_tcase(s, tc);

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

	tc = tcase_create("render:alias");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_alias_window_past_target_end);
	tcase_add_test(tc, render_alias_of_alias_negative_bases);
	tcase_add_test(tc, render_alias_ignores_target_address);
	tcase_add_test(tc, render_alias_shows_target_subregions);
	tcase_add_test(tc, render_alias_set_offset_moves_window);
	tcase_add_test(tc, render_alias_set_size_resizes_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:merge");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_merge_across_aliases);
	tcase_add_test(tc, render_merge_blocked_by_readonly);
	tcase_add_test(tc, render_merge_blocked_by_unmergeable);
	tcase_add_test(tc, render_merge_blocked_by_nonvolatile);
	tcase_add_test(tc, render_merge_blocked_by_offset);
	tcase_add_test(tc, render_merge_blocked_by_gap);
	tcase_add_test(tc, render_merge_needs_same_region);
	suite_add_tcase(s, tc);

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

	tc = tcase_create("render:share");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_share_full_alias_root);
	tcase_add_test(tc, render_share_offset_alias_separate);
	tcase_add_test(tc, render_share_container_single_child);
	tcase_add_test(tc, render_share_two_children_not_reduced);
	tcase_add_test(tc, render_share_readonly_alias_not_shared);
	tcase_add_test(tc, render_share_empty_container_root);
	tcase_add_test(tc, render_share_flagged_container_root_keeps_flags);
	tcase_add_test(tc, render_share_alias_root_target_mapped_elsewhere);
	tcase_add_test(tc, render_root_address_with_single_child);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:transaction");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_txn_empty_keeps_view);
	tcase_add_test(tc, render_txn_noop_mutations_keep_view);
	tcase_add_test(tc, render_txn_unreachable_change_keeps_view);
	tcase_add_test(tc, render_txn_view_unchanged_until_commit);
	tcase_add_test(tc, render_txn_nested_publishes_at_outermost);
	tcase_add_test(tc, render_txn_add_del_same_ranges);
	tcase_add_test(tc, render_txn_new_addrspace_sees_published_view);
	tcase_add_test(tc, render_txn_new_addrspace_renders_current_tree);
	tcase_add_test(tc, render_alias_target_change_rerenders);
	tcase_add_test(tc, render_replaced_region_new_view);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:flatview");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_for_each_matches_get_range);
	tcase_add_test(tc, render_for_each_stops_early);
	tcase_add_test(tc, render_for_each_empty_view);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_suite)
