/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regression tests for the places where memspace disagreed with QEMU or
 * kept a stale view (issue 7, engine defects): ancestor aliases, root
 * lines of tree dumps, 2^64 wraps, incremental commits of moved or empty
 * roots, and trees 100k deep.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test-tree.h"

#define SZ_2_64 MEMSPACE_SIZE_2_64

/* memspace_show() into a string (g_free it). */
static char *
show_text(unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(memspace_show(tt_ms, f, flags), 0);
	fclose(f);
	return buf;
}

/* ---- defect 1: an alias whose target is its own ancestor ---------------- */

/*
 * Arm SSE-200: the CPU container maps, at 0x5000_0000, an alias of itself
 * at offset 0x4000_0000, so the secure peripheral window shows the
 * non-secure one.  The window never reaches the alias itself.
 */
START_TEST(alias_of_ancestor_renders_when_window_avoids_itself)
{
	struct memspace_region *cpu = tt_container("arm-sse-cpu-container0",
						   SZ_2_64);
	struct memspace_region *ns = tt_io("ns-periph", 0x1000);
	struct memspace_region *ram = tt_ram("sram", 0x1000);
	struct memspace_region *sec = tt_alias("alias 0", cpu, 0x40000000,
					       0x10000000);
	struct memspace_addrspace *as = tt_as("cpu-memory-0", cpu);
	static const struct expect_range exp[] = {
		{ 0x0, 0xfff, "sram", 0 },
		{ 0x40000000, 0x40000fff, "ns-periph", 0 },
		{ 0x50000000, 0x50000fff, "ns-periph", 0 },
	};

	tt_add(cpu, 0, ram);
	tt_add(cpu, 0x40000000, ns);
	tt_add(cpu, 0x50000000, sec);
	test_assert_view(as, exp);
	/* Moving the window within the safe range keeps rendering. */
	ck_assert_int_eq(memspace_region_set_alias_offset(sec, 0x3ffff000), 0);
	ck_assert_uint_eq(tt_section(as, 2).start, 0x50001000);
}
END_TEST

/* An alias of an ancestor whose window shows the alias itself again. */
START_TEST(alias_of_ancestor_refused_when_window_reaches_itself)
{
	struct memspace_region *cpu = tt_container("cpu", SZ_2_64);
	struct memspace_region *self = tt_alias("self", cpu, 0, 0x1000);
	struct memspace_region *shift = tt_alias("shift", cpu, 0x1000, 0x2000);
	struct memspace_region *io = tt_io("io", 0x1000);
	struct memspace_region *io2 = tt_io("io2", 0x100);
	struct memspace_addrspace *as = tt_as("memory", cpu);
	static const struct expect_range exp[] = {
		{ 0x4000, 0x4fff, "io", 0 },
		{ 0xf800, 0xf8ff, "io2", 0 },
	};
	static const struct expect_range nested[] = {
		{ 0x4000, 0x4fff, "io", 0 },
		{ 0xf800, 0xf8ff, "io2", 0 },
		{ 0x10000, 0x100ff, "io2", 0 },
		{ 0x10800, 0x108ff, "io2", 0 },
		{ 0x11000, 0x110ff, "io2", 0 },
		{ 0x11800, 0x118ff, "io2", 0 },
	};

	tt_add(cpu, 0x4000, io);
	tt_add(cpu, 0xf800, io2);
	/* Same place, same window: recursion without end. */
	ck_assert_int_eq(memspace_region_add_subregion(cpu, 0, self), -ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(self));
	/* Shown 0x1000 lower than it sits: never reaches itself again. */
	ck_assert_int_eq(memspace_region_add_subregion(cpu, 0x10000, shift), 0);
	/* Shown where it sits: the same walk again and again. */
	ck_assert_int_eq(memspace_region_set_alias_offset(shift, 0x10000),
			 -ELOOP);
	ck_assert_uint_eq(memspace_region_get_alias_offset(shift), 0x1000);
	/* Sliding by one byte per pass: 0x2000 passes, refused as endless. */
	ck_assert_int_eq(memspace_region_set_alias_offset(shift, 0xffff),
			 -ELOOP);
	/* Sliding by 0x800: four nested passes, rendered as QEMU does. */
	ck_assert_int_eq(memspace_region_set_alias_offset(shift, 0xf800), 0);
	test_assert_view(as, nested);
	ck_assert_int_eq(memspace_region_set_alias_offset(shift, 0x1000), 0);
	ck_assert_int_eq(memspace_region_set_address(shift, 0x1000), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_address(shift), 0x10000);
	ck_assert_int_eq(memspace_region_set_size(shift, 0x1000000), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_size(shift), 0x2000);
	ck_assert_int_eq(memspace_region_del_subregion(cpu, shift), 0);
	test_assert_view(as, exp);
}
END_TEST

/* Through a nested container and a second alias, decided the same way. */
START_TEST(alias_of_ancestor_refused_through_two_aliases)
{
	struct memspace_region *top = tt_container("top", 0x100000);
	struct memspace_region *mid = tt_container("mid", 0x10000);
	struct memspace_region *a = tt_alias("a", top, 0, 0x10000);
	struct memspace_region *b = tt_alias("b", a, 0, 0x10000);

	tt_add(top, 0, mid);
	/* mid at 0 shows top at 0 which holds mid at 0: forever. */
	ck_assert_int_eq(memspace_region_add_subregion(mid, 0, b), -ELOOP);
	/* mid at 0, window of top at 0x20000: never back into mid. */
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x20000), 0);
	ck_assert_int_eq(memspace_region_add_subregion(mid, 0, b), 0);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), 0x20000);
	/* Two nested passes, then the window misses mid. */
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x8000), 0);
	ck_assert_int_eq(memspace_region_del_subregion(mid, b), 0);
}
END_TEST

/* Size 0 blocks every cycle; growing it later is checked then. */
START_TEST(alias_of_ancestor_of_size_0_renders_nothing)
{
	struct memspace_region *c = tt_container("c", 0);
	struct memspace_region *a = tt_alias("a", c, 0, 0);
	struct memspace_addrspace *as;

	tt_add(c, 0, a);
	as = tt_as("c", c);
	ck_assert_uint_eq(tt_nr_ranges(as), 0);
	ck_assert_int_eq(memspace_region_set_size(c, 0x1000), 0);
	ck_assert_int_eq(memspace_region_set_size(a, 0x1000), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_size(a), 0);
	ck_assert_uint_eq(tt_nr_ranges(as), 0);
}
END_TEST

/* Plain containment cycles stay refused whatever the geometry. */
START_TEST(alias_of_ancestor_containment_cycle_still_refused)
{
	struct memspace_region *p = tt_container("p", 0x1000);
	struct memspace_region *c = tt_container("c", 0x1000);

	tt_add(p, 0, c);
	ck_assert_int_eq(memspace_region_add_subregion(c, 0x800, p), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(c, 0x10000, p), -ELOOP);
}
END_TEST

/* ---- defect 2: the root line of a root mapped elsewhere ------------------ */

START_TEST(show_root_line_uses_own_priority_and_address)
{
	struct memspace_region *secure = tt_container("secure-memory", SZ_2_64);
	struct memspace_region *sys = tt_container("system", 0x10000000);
	struct memspace_region *ram = tt_ram("mach-virt.ram", 0x1000);
	g_autofree char *text = NULL;

	tt_add(sys, 0x1000, ram);
	tt_add_prio(secure, 0x20000000, sys, -1);
	tt_as("memory", sys);
	tt_as("secure-memory", secure);
	text = show_text(0);
	ck_assert_msg(strstr(text, "address-space: memory\n"
				   "  0000000020000000-000000002fffffff "
				   "(prio -1, i/o): system\n"),
		      "%s", text);
}
END_TEST

/* ---- defect 3: merging across a 2^64 offset wrap ------------------------- */

START_TEST(merge_refused_across_offset_wrap)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_region *hi = tt_alias("hi", big, UINT64_MAX - 0xfff,
					      0x1000);
	struct memspace_region *lo = tt_alias("lo", big, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("memory", sys);
	static const struct expect_range exp[] = {
		{ 0x10000, 0x10fff, "big", UINT64_MAX - 0xfff },
		{ 0x11000, 0x11fff, "big", 0 },
	};

	tt_add(sys, 0x10000, hi);
	tt_add(sys, 0x11000, lo);
	test_assert_view(as, exp);
}
END_TEST

/* ---- defect 4: alias windows past 2^64 ----------------------------------- */

START_TEST(alias_window_past_2_64_clipped_when_rendered)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_region *a = tt_alias("a", big, UINT64_MAX - 0xfff,
					     0x3000);
	struct memspace_region *b = tt_alias("b", big, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("memory", sys);
	static const struct expect_range exp[] = {
		{ 0x10000, 0x10fff, "big", UINT64_MAX - 0xfff },
	};
	static const struct expect_range exp3[] = {
		{ 0x10000, 0x107ff, "big", UINT64_MAX - 0x7ff },
	};

	tt_add(sys, 0x10000, a);
	test_assert_view(as, exp);
	ck_assert_int_eq(memspace_region_set_size(b, SZ_2_64), 0);
	ck_assert_int_eq(memspace_region_set_alias_offset(b, UINT64_MAX), 0);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, UINT64_MAX - 0x7ff),
			 0);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a),
			  UINT64_MAX - 0x7ff);
	ck_assert_uint_eq(memspace_region_get_size(a), 0x3000);
	test_assert_view(as, exp3);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, UINT64_MAX - 0xfff),
			 0);
	test_assert_view(as, exp);
}
END_TEST

/* ---- defect 10: a root of size 0 ----------------------------------------- */

START_TEST(commit_root_of_size_0_grown_renders)
{
	struct memspace_region *sys = tt_container("system", 0);
	struct memspace_region *r1 = tt_ram("r1", 0x1000);
	struct memspace_region *r2 = tt_ram("r2", 0x1000);
	struct memspace_addrspace *as = tt_as("memory", sys);
	static const struct expect_range exp[] = {
		{ 0x0, 0xfff, "r1", 0 },
		{ 0x2000, 0x2fff, "r2", 0 },
	};

	tt_add(sys, 0, r1);
	tt_add(sys, 0x2000, r2);
	ck_assert_uint_eq(tt_nr_ranges(as), 0);
	ck_assert_int_eq(memspace_region_set_size(sys, SZ_2_64), 0);
	test_assert_view(as, exp);
}
END_TEST

START_TEST(commit_reduced_root_of_size_0_grown_renders)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *c = tt_container("c", 0);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as = tt_as("memory", sys);
	static const struct expect_range exp[] = {
		{ 0x100, 0x10ff, "ram", 0 },
	};

	tt_add(sys, 0, c);
	tt_add(c, 0x100, ram);
	ck_assert_uint_eq(tt_nr_ranges(as), 0);
	ck_assert_int_eq(memspace_region_set_size(c, 0x10000), 0);
	test_assert_view(as, exp);
}
END_TEST

START_TEST(commit_root_of_size_0_in_transaction_renders)
{
	struct memspace_region *sys = tt_container("system", 0x10000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0, 0xfff, "ram", 0 },
	};

	tt_add(sys, 0, ram);
	memspace_transaction_begin(tt_ms);
	ck_assert_int_eq(memspace_region_set_size(sys, 0), 0);
	as = tt_as("memory", sys);
	ck_assert_int_eq(memspace_region_set_size(sys, 0x10000), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view(as, exp);
}
END_TEST

/* ---- defect 11: a root moved by delete and re-add ------------------------ */

START_TEST(commit_root_moved_by_readd_renders_at_new_address)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *other = tt_container("other", SZ_2_64);
	struct memspace_region *dev = tt_container("dev", 0x10000);
	struct memspace_region *io = tt_io("io", 0x1000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range at1[] = {
		{ 0x1100, 0x20ff, "io", 0 },
	};
	static const struct expect_range at2[] = {
		{ 0x2100, 0x30ff, "io", 0 },
	};
	static const struct expect_range at3[] = {
		{ 0x3100, 0x40ff, "io", 0 },
	};

	tt_add(sys, 0x10000, ram);
	tt_add(dev, 0x100, io);
	tt_add(sys, 0x1000, dev);
	as = tt_as("dev", dev);
	test_assert_view(as, at1);
	ck_assert_int_eq(memspace_region_del_subregion(sys, dev), 0);
	tt_add(sys, 0x2000, dev);
	test_assert_view(as, at2);
	ck_assert_int_eq(memspace_region_del_subregion(sys, dev), 0);
	tt_add(other, 0x3000, dev);
	test_assert_view(as, at3);
}
END_TEST

START_TEST(commit_root_alias_moved_renders_at_new_address)
{
	struct memspace_region *sys = tt_container("system", SZ_2_64);
	struct memspace_region *other = tt_container("other", SZ_2_64);
	struct memspace_region *io = tt_io("io", 0x10000);
	struct memspace_region *a = tt_alias("a", io, 0x100, 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range at1[] = {
		{ 0x1000, 0x1fff, "io", 0x100 },
	};
	static const struct expect_range at2[] = {
		{ 0x5000, 0x5fff, "io", 0x100 },
	};

	tt_add(sys, 0x1000, a);
	as = tt_as("a", a);
	test_assert_view(as, at1);
	memspace_transaction_begin(tt_ms);
	ck_assert_int_eq(memspace_region_del_subregion(sys, a), 0);
	tt_add(other, 0x5000, a);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view(as, at2);
}
END_TEST

/*
 * A refused add_subregion() leaves the region as it was, its address and
 * priority included: as an address space's root, an unmapped region still
 * shifts the view by its address (found by fuzz-api once roots were
 * fuzzed: the refused check reset both to 0).
 */
START_TEST(refused_add_keeps_root_address_and_priority)
{
	struct memspace_region *cpu = tt_container("cpu", SZ_2_64);
	struct memspace_region *other = tt_container("other", 0x10000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_region *self = tt_alias("self", cpu, 0, 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x5000, 0x5fff, "ram", 0 },
	};

	tt_add(cpu, 0, ram);
	ck_assert_int_eq(
		memspace_region_add_subregion_overlap(other, 0x5000, self, 2),
		0);
	ck_assert_int_eq(memspace_region_del_subregion(other, self), 0);
	as = tt_as("on-self", self);
	test_assert_view(as, exp);
	/* At 0 in its own target: the window shows itself without end. */
	ck_assert_int_eq(memspace_region_add_subregion_overlap(cpu, 0, self, 3),
			 -ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(self));
	ck_assert_uint_eq(memspace_region_get_address(self), 0x5000);
	ck_assert_int_eq(memspace_region_get_priority(self), 2);
	test_assert_view(as, exp);
	/* A first render agrees. */
	tt_as_destroy(as);
	as = tt_as("fresh", self);
	test_assert_view(as, exp);
}
END_TEST

/*
 * A container showing itself through two aliases (one shifted by half a
 * kilobyte, one through another alias shifted further), then a third,
 * small one: no region nests in itself more than the limit, but each
 * pass through the container forks in three, and a render from the top
 * would take millions of steps.  The mapping that opens the fan-out is
 * refused and changes nothing; the view stays as it was.  (Found by
 * fuzz-api: the windowed re-render ran out of memory.)
 */
START_TEST(alias_fan_out_through_self_aliases_refused)
{
	struct memspace_region *n0 = tt_container("n0", 0x10000);
	struct memspace_addrspace *as = tt_as("as", n0);
	struct memspace_region *n1 = tt_alias("n1", n0, 0, 0x10000);
	struct memspace_region *n3 = tt_alias("n3", n1, 0x2000, 0x10000);
	struct memspace_region *n4 = tt_alias("n4", n0, 0, 0x3000);
	struct memspace_flatview *before, *after;

	ck_assert_int_eq(memspace_region_add_subregion(n0, 0x800, n1), 0);
	ck_assert_int_eq(memspace_region_add_subregion(n0, 0xf000, n3), 0);
	before = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(
		memspace_region_add_subregion_overlap(n0, 0x100, n4, 2),
		-ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(n4));
	after = memspace_addrspace_get_flatview(as);
	ck_assert_ptr_eq(before, after);
	memspace_flatview_unref(before);
	memspace_flatview_unref(after);
}
END_TEST

/* Everything memspace_show() prints of the tree and of the views. */
static char *
show_all(void)
{
	g_autofree char *tree = show_text(MEMSPACE_SHOW_DISABLED);
	g_autofree char *flat = show_text(MEMSPACE_SHOW_FLAT);

	return g_strconcat(tree, flat, NULL);
}

/*
 * The fuzz input's fan-out: container n0 holds n1 (all of n0) at 0x800
 * and n3 (n1 from 0x2000) at 0x4000; n4 (n0's first 0x3000) is left for
 * the test to map at 0x100.
 */
struct fan_out {
	struct memspace_region *n0, *n1, *n3, *n4;
};

static struct fan_out
fan_out_new(void)
{
	struct fan_out f;

	f.n0 = tt_container("n0", 0x10000);
	f.n1 = tt_alias("n1", f.n0, 0, 0x10000);
	f.n3 = tt_alias("n3", f.n1, 0x2000, 0x10000);
	f.n4 = tt_alias("n4", f.n0, 0, 0x3000);
	tt_add(f.n0, 0x800, f.n1);
	tt_add(f.n0, 0x4000, f.n3);
	return f;
}

/*
 * The same fan-out below ancestors that clip it away: the top of the tree
 * shows nothing of it, but address spaces rooted at the container (and at
 * one of its aliases) show it whole, some 735 million steps.  The cycle
 * check walked from the top only and let the third alias through; the
 * commit's render then grew its trace past 8 GiB.  (Found by fuzz-api:
 * tests/fuzz/corpus/api/api-render-memory-blowup.)  Refused, and nothing
 * changes: not the tree, not a view.
 */
START_TEST(alias_fan_out_below_clipping_ancestor_refused)
{
	struct memspace_region *n6 = tt_ram("n6", 0x800);
	struct memspace_region *n2 = tt_romdev("n2", 0x1000);
	struct fan_out f = fan_out_new();
	struct memspace_region *n0 = f.n0;
	struct memspace_addrspace *as[3];
	struct memspace_flatview *held[3];
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;

	tt_add_prio(n6, 0x2000, n2, 2);
	tt_add(n2, 0x1800, n0);
	ck_assert_int_eq(memspace_region_set_enabled(n0, false), 0);
	as[0] = tt_as("on-n0", n0);
	as[1] = tt_as("on-n3", f.n3);
	as[2] = tt_as("on-n6", n6);
	for (int i = 0; i < 3; i++) {
		held[i] = tt_hold_view(as[i]);
	}
	before = show_all();
	ck_assert_int_eq(
		memspace_region_add_subregion_overlap(n0, 0x100, f.n4, 2),
		-ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(f.n4));
	after = show_all();
	ck_assert_str_eq(after, before);
	for (int i = 0; i < 3; i++) {
		tt_assert_same_view(as[i], held[i]);
	}
	/* Enabled, the container's views render as a first render does. */
	ck_assert_int_eq(memspace_region_set_enabled(n0, true), 0);
	g_free(after);
	after = test_format_view(as[0]);
	{
		struct memspace_addrspace *fresh = tt_as("fresh", n0);
		g_autofree char *first = test_format_view(fresh);

		ck_assert_str_eq(after, first);
	}
}
END_TEST

/*
 * A fan-out no address space shows is allowed; then every change that
 * would bring it into a view is refused, though none of them closes a
 * cycle or touches a region on one: moving or mapping its container into
 * the root's window, growing the root over it, rooting an address space
 * at it.
 */
START_TEST(alias_fan_out_brought_into_view_refused)
{
	struct memspace_region *top = tt_container("top", 0x10000);
	struct memspace_region *win = tt_container("win", 0x10000);
	struct fan_out f = fan_out_new();
	struct memspace_region *n0 = f.n0;
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_addrspace *as = tt_as("top", top);
	struct memspace_flatview *held;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;

	tt_add(top, 0, ram);
	tt_add(top, 0x20000, win);
	tt_add(win, 0, n0);
	tt_add_prio(n0, 0x100, f.n4, 2);
	held = tt_hold_view(as);
	before = show_all();
	ck_assert_int_eq(memspace_region_set_address(win, 0), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_address(win), 0x20000);
	ck_assert_int_eq(memspace_region_set_size(top, 0x30000), -ELOOP);
	ck_assert_uint_eq(memspace_region_get_size(top), 0x10000);
	ck_assert_ptr_null(memspace_addrspace_create(tt_ms, "n0", n0));
	ck_assert_int_eq(errno, ELOOP);
	after = show_all();
	ck_assert_str_eq(after, before);
	tt_assert_same_view(as, held);
	/* Mapped again, into the window: refused; out of it: fine. */
	ck_assert_int_eq(memspace_region_del_subregion(top, win), 0);
	ck_assert_int_eq(memspace_region_add_subregion(top, 0, win),
			 -ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(win));
	tt_add(top, 0x20000, win);
	g_free(after);
	after = show_all();
	ck_assert_str_eq(after, before);
	/* Without the third alias, the fan-out renders. */
	ck_assert_int_eq(memspace_region_del_subregion(n0, f.n4), 0);
	ck_assert_int_eq(memspace_region_set_address(win, 0), 0);
	ck_assert_ptr_nonnull(tt_as("n0", n0));
	ck_assert_ptr_eq(tt_section(as, 0).mr, ram);
}
END_TEST

static Suite *
qemu_edges_suite(void)
{
	Suite *s = suite_create("qemu-edges");
	TCase *tc;

	tc = tcase_create("edges:alias-of-ancestor");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, alias_of_ancestor_renders_when_window_avoids_itself);
	tcase_add_test(tc, alias_of_ancestor_refused_when_window_reaches_itself);
	tcase_add_test(tc, alias_of_ancestor_refused_through_two_aliases);
	tcase_add_test(tc, alias_of_ancestor_containment_cycle_still_refused);
	tcase_add_test(tc, alias_of_ancestor_of_size_0_renders_nothing);
	tcase_add_test(tc, refused_add_keeps_root_address_and_priority);
	tcase_add_test(tc, alias_fan_out_through_self_aliases_refused);
	tcase_add_test(tc, alias_fan_out_below_clipping_ancestor_refused);
	tcase_add_test(tc, alias_fan_out_brought_into_view_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges:show");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, show_root_line_uses_own_priority_and_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges:2^64");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, merge_refused_across_offset_wrap);
	tcase_add_test(tc, alias_window_past_2_64_clipped_when_rendered);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges:stale-root");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, commit_root_of_size_0_grown_renders);
	tcase_add_test(tc, commit_reduced_root_of_size_0_grown_renders);
	tcase_add_test(tc, commit_root_of_size_0_in_transaction_renders);
	tcase_add_test(tc, commit_root_moved_by_readd_renders_at_new_address);
	tcase_add_test(tc, commit_root_alias_moved_renders_at_new_address);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(qemu_edges_suite)
