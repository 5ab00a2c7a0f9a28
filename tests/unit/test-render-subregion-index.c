/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The subregion index (lib/subregion-index.h) that windowed re-renders use
 * to visit only the subregions of a large parent meeting their window.
 *
 * Its queries against a brute-force scan of the list, for random
 * subregions (overlapping, wide, of size 0, past 2^64) and windows; and
 * commits of random changes to large parents (subregions added, removed,
 * moved, resized, re-prioritised, enabled and disabled; aliases into the
 * parents, a parent nested in another, an address space rooted at one),
 * each view checked against a full render (which walks every list).
 */
#include <glib.h>

#include "render-internal.h"
#include "subregion-index.h"
#include "test-tree.h"

/* The subregions of @parent meeting [@lo, @hi) with a non-zero size, in
 * list order, by walking the list (the positions into @out). */
static uint32_t
brute_force(struct memspace_region *parent, i128 lo, i128 hi, uint32_t *out)
{
	struct memspace_region *c;
	uint32_t ord = 0, m = 0;

	region_for_each_child(c, parent) {
		if (c->size && (i128)c->addr < hi &&
		    (i128)c->addr + (i128)c->size > lo) {
			out[m++] = ord;
		}
		ord++;
	}
	return m;
}

/* Query [@lo, @hi) of @parent; if answered, compare with the list. */
static bool
check_query(struct memspace_region *parent, i128 lo, i128 hi)
{
	uint32_t want[512], got[512], n, m;
	struct subregion_query q;

	ck_assert_uint_le(parent->nr_children, G_N_ELEMENTS(want));
	if (!subregion_index_find(parent, lo, hi, &q)) {
		return false;
	}
	ck_assert_uint_le(q.max, parent->nr_children);
	m = subregion_index_collect(&q, got);
	ck_assert_uint_le(m, q.max);
	n = brute_force(parent, lo, hi, want);
	ck_assert_uint_eq(m, n);
	for (uint32_t i = 0; i < m; i++) {
		ck_assert_uint_eq(got[i], want[i]);
		ck_assert_ptr_eq(subregion_index_child(parent, got[i]),
				 subregion_index_child(parent, want[i]));
	}
	return true;
}

/* A commit: the context's count of commits moves on (a change to a
 * region in no tree). */
static struct memspace_region *tick_mr;

static void
tick(void)
{
	ck_assert_int_eq(memspace_region_set_enabled(
				 tick_mr, !memspace_region_is_enabled(tick_mr)),
			 0);
}

static void
setup(void)
{
	tt_setup();
	tick_mr = tt_io("tick", 0x1000);
}

/* Commits and queries until @parent's index is built (as the renders of
 * a few commits would). */
static void
index_ready(struct memspace_region *parent)
{
	struct subregion_query q;

	for (unsigned k = 0; k < 200 && !subregion_index_ready(parent); k++) {
		tick();
		(void)subregion_index_find(parent, 0, 1, &q);
	}
	ck_assert(subregion_index_ready(parent));
}

/* A random window around [0, 2^20), now and then from far below or to
 * past 2^64. */
static void
random_window(GRand *rng, i128 *lo, i128 *hi)
{
	*lo = (i128)g_rand_int_range(rng, -0x1000, 0x100000);
	*hi = *lo + 1 + g_rand_int_range(rng, 0, 0x8000);
	switch (g_rand_int_range(rng, 0, 16)) {
	case 0:
		*lo = -((i128)1 << 70);
		break;
	case 1:
		*hi = (i128)1 << 66;
		break;
	case 2:
		*lo = (i128)UINT64_MAX - g_rand_int_range(rng, 0, 0x1000);
		*hi = *lo + 0x2000;
		break;
	case 3:
		/* Past 2^64 (the index declines). */
		*lo = ((i128)1 << 64) + g_rand_int_range(rng, 0, 0x1000);
		*hi = *lo + 0x2000;
		break;
	default:
		break;
	}
}

/*
 * @n subregions at random, some overlapping with other priorities, some
 * wide (a tenth of the space or more), some of size 0, a few reaching past
 * 2^64; windows queried against the list, also after changes (the index
 * rebuilt when stale).
 */
START_TEST(subregion_index_query_matches_list)
{
	GRand *rng = g_rand_new_with_seed(0x5b + (guint32)_i);
	struct memspace_region *bus = tt_container("bus", MEMSPACE_SIZE_2_64);
	struct memspace_region *kid[300];
	unsigned n = 20 + 40 * (unsigned)_i, answered = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t size =
			0x1000ull * (uint64_t)g_rand_int_range(rng, 1, 4);
		uint64_t addr =
			0x1000ull * (uint64_t)g_rand_int_range(rng, 0, 256);

		switch (g_rand_int_range(rng, 0, 12)) {
		case 0:
			size = 0x1000ull *
			       (uint64_t)g_rand_int_range(rng, 16, 200);
			break;
		case 1:
			size = 0;
			break;
		case 2:
			addr = UINT64_MAX - 0xfff;
			size = 0x10000;
			break;
		default:
			break;
		}
		kid[i] = memspace_region_new_container(tt_ms, "k", size);
		ck_assert_ptr_nonnull(kid[i]);
		tt_add_prio(bus, addr, kid[i], g_rand_int_range(rng, -3, 4));
		memspace_region_unref(kid[i]);
	}
	for (unsigned round = 0; round < 20; round++) {
		index_ready(bus);
		for (unsigned k = 0; k < 200; k++) {
			i128 lo, hi;

			random_window(rng, &lo, &hi);
			answered += check_query(bus, lo, hi);
		}
		/* Changes: a move, a resize, a re-added subregion. */
		struct memspace_region *mr = kid[g_rand_int_range(rng, 0, n)];

		ck_assert_int_eq(memspace_region_set_address(
					 mr,
					 0x1000ull * (uint64_t)g_rand_int_range(
							     rng, 0, 256)),
				 0);
		mr = kid[g_rand_int_range(rng, 0, n)];
		ck_assert_int_eq(memspace_region_set_size(
					 mr,
					 0x1000ull * (uint64_t)g_rand_int_range(
							     rng, 0, 40)),
				 0);
		mr = memspace_region_ref(kid[g_rand_int_range(rng, 0, n)]);
		ck_assert_int_eq(memspace_region_del_subregion(bus, mr), 0);
		tt_add_prio(bus, memspace_region_get_address(mr), mr,
			    g_rand_int_range(rng, -3, 4));
		memspace_region_unref(mr);
	}
	/* Most windows are narrow: the index answers them. */
	ck_assert_uint_gt(answered, 20 * 200 / 2);
	g_rand_free(rng);
}
END_TEST

/*
 * One subregion spanning all the others at the lowest priority (QEMU's
 * PCI hole background, or a catch-all I/O region): set aside as wide, so
 * that narrow windows still look at a few subregions only.
 */
START_TEST(subregion_index_wide_subregion_set_aside)
{
	struct memspace_region *bus = tt_container("bus", MEMSPACE_SIZE_2_64);
	uint32_t got[8];
	struct subregion_query q;

	tt_add_prio(bus, 0, tt_io("background", 1ull << 32), -1);
	for (unsigned i = 0; i < 200; i++) {
		tt_add(bus, 0x10000ull * i, tt_io("bar", 0x1000));
	}
	index_ready(bus);
	ck_assert(subregion_index_find(bus, 0x50000, 0x50800, &q));
	ck_assert_uint_le(q.max, 2 + SUBREGION_INDEX_WIDE);
	ck_assert_uint_eq(subregion_index_collect(&q, got), 2);
	/* List order: the BAR (priority 0) before the background. */
	ck_assert_uint_eq(
		memspace_region_get_address(subregion_index_child(bus, got[0])),
		0x50000);
	ck_assert_uint_eq(
		memspace_region_get_address(subregion_index_child(bus, got[1])),
		0);
	/* A window meeting most of them: the list is walked instead. */
	ck_assert(!subregion_index_find(bus, 0, 0x1000000, &q));
	/* Stale after a change, and not rebuilt within the same commit,
	 * nor before queries asked again. */
	tt_add(bus, 0x8000, tt_io("late", 0x1000));
	ck_assert(!subregion_index_find(bus, 0x50000, 0x50800, &q));
	tick();
	ck_assert(!subregion_index_find(bus, 0x50000, 0x50800, &q));
	ck_assert(!subregion_index_ready(bus));
	index_ready(bus);
	ck_assert(subregion_index_find(bus, 0x8000, 0x8001, &q));
	ck_assert_uint_eq(subregion_index_collect(&q, got), 2);
}
END_TEST

/*
 * Small parents get no index, and a parent that shrinks below the
 * threshold drops its own.
 */
START_TEST(subregion_index_only_for_large_parents)
{
	struct memspace_region *bus = tt_container("bus", MEMSPACE_SIZE_2_64);
	struct memspace_region *kid[SUBREGION_INDEX_MIN + 1];
	struct subregion_query q;

	for (unsigned i = 0; i < G_N_ELEMENTS(kid); i++) {
		kid[i] = tt_io("k", 0x1000);
		tt_add(bus, 0x1000ull * i, kid[i]);
		ck_assert_ptr_null(bus->subregion_index);
	}
	index_ready(bus);
	ck_assert(subregion_index_find(bus, 0, 0x1000, &q));
	ck_assert_int_eq(memspace_region_del_subregion(bus, kid[0]), 0);
	/* The next query of the stale index finds it too small: it goes. */
	ck_assert(!subregion_index_find(bus, 0, 0x1000, &q));
	ck_assert_ptr_null(bus->subregion_index);
}
END_TEST

/* The view of @as against a full render of its own (reduced) root. */
static void
assert_view_is_full_render(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	/* Every list walked. */
	struct memspace_flatview *full = flatview_rerender(NULL, fv->root, 0);

	if (!flatview_ranges_equal(fv, full)) {
		g_autofree char *a = test_format_flatview(fv);
		g_autofree char *b = test_format_flatview(full);

		ck_abort_msg("%s: view differs:\n%s\nfull render:\n%s",
			     memspace_addrspace_get_name(as), a, b);
	}
	memspace_flatview_unref(full);
	memspace_flatview_unref(fv);
}

/*
 * A subregion grown over another one that comes after it in the list:
 * windowed renders of the other one must find it (the index went stale
 * when it grew), before and after the index is rebuilt.
 */
START_TEST(subregion_index_sees_grown_subregion)
{
	struct memspace_region *bus = tt_container("bus", 0x100000);
	struct memspace_region *a = tt_io("a", 0x1000);
	struct memspace_region *b = tt_io("b", 0x1000);
	struct memspace_addrspace *as;
	uint64_t before;

	tt_add_prio(bus, 0, a, 1);
	tt_add(bus, 0x10000, b);
	for (unsigned i = 0; i < 40; i++) {
		tt_add(bus, 0x80000 + 0x1000ull * i, tt_io("filler", 0x1000));
	}
	as = tt_as("bus", bus);
	for (unsigned i = 0; i < 40 && !subregion_index_ready(bus); i++) {
		ck_assert_int_eq(memspace_region_set_enabled(
					 b, !memspace_region_is_enabled(b)),
				 0);
	}
	ck_assert(subregion_index_ready(bus));
	before = subregion_index_answered(bus);
	ck_assert_int_eq(memspace_region_set_size(a, 0x20000), 0);
	assert_view_is_full_render(as);
	for (unsigned i = 0; i < 40; i++) {
		ck_assert_int_eq(memspace_region_set_enabled(
					 b, !memspace_region_is_enabled(b)),
				 0);
		assert_view_is_full_render(as);
	}
	/* Rebuilt, and used, meanwhile. */
	ck_assert(subregion_index_ready(bus));
	ck_assert_uint_gt(subregion_index_answered(bus), before + 20);
}
END_TEST

/*
 * The model of the commit test: a bus of NR_KIDS subregions (some
 * containers of their own, one of them large), aliases showing windows of
 * the bus in the root, and spare regions to add.
 */
#define NR_KIDS 90
#define NR_SPARE 20

struct model {
	GRand *rng;
	struct memspace_region *root, *bus, *sub;
	struct memspace_region *kid[NR_KIDS + NR_SPARE];
	struct memspace_addrspace *as[2];
};

static struct model M;

static uint64_t
kid_size(void)
{
	switch (g_rand_int_range(M.rng, 0, 12)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return 0x1000ull * (uint64_t)g_rand_int_range(M.rng, 1, 160);
	default:
		return 0x1000ull * (uint64_t)g_rand_int_range(M.rng, 1, 5);
	}
}

static uint64_t
kid_addr(void)
{
	return 0x1000ull * (uint64_t)g_rand_int_range(M.rng, 0, 512);
}

static void
model_build(void)
{
	M.root = tt_container("root", MEMSPACE_SIZE_2_64);
	M.bus = tt_container("bus", 0x200000);
	M.sub = tt_container("sub", 0x40000);
	for (unsigned i = 0; i < NR_KIDS + NR_SPARE; i++) {
		struct memspace_region *mr;

		switch (i % 9) {
		case 3:
			mr = tt_ram("ram", 0x100000);
			(void)memspace_region_set_size(mr, kid_size());
			break;
		case 5:
			/* Another kid's window, shifted. */
			mr = tt_alias("a", M.kid[i - 2], 0x800, kid_size());
			break;
		default:
			mr = tt_io("io", kid_size());
			break;
		}
		M.kid[i] = mr;
	}
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (unsigned i = 0; i < NR_KIDS; i++) {
		/* One in three into the nested container. */
		tt_add_prio(i % 3 == 1 ? M.sub : M.bus, kid_addr(), M.kid[i],
			    g_rand_int_range(M.rng, -2, 3));
	}
	tt_add_prio(M.bus, 0x30000, M.sub, 1);
	tt_add(M.root, 1ull << 32, M.bus);
	/* Windows of the bus, as QEMU's PCI holes show the PCI space. */
	tt_add(M.root, 0x100000, tt_alias("hole", M.bus, 0x80000, 0x80000));
	tt_add_prio(M.root, 0x180000,
		    tt_alias("hole2", M.bus, 0x1f000, 0x30000), 1);
	/* The bus placed below 0 (its byte 0 at -0x8e000). */
	tt_add(M.root, 0x2000, tt_alias("hole3", M.bus, 0x90000, 0x8000));
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	M.as[0] = tt_as("sys", M.root);
	M.as[1] = tt_as("bus", M.bus);
}

/* A spare or mapped kid: change its mapping or geometry. */
static void
mutate_geometry(struct memspace_region *mr)
{
	struct memspace_region *parent = memspace_region_get_parent(mr);

	switch (g_rand_int_range(M.rng, 0, 4)) {
	case 0:
		(void)memspace_region_set_address(mr, kid_addr());
		break;
	case 1:
		(void)memspace_region_set_size(mr, kid_size());
		break;
	case 2:
		/* Re-prioritised: removed and added again. */
		if (parent) {
			memspace_region_ref(mr);
			(void)memspace_region_del_subregion(parent, mr);
			(void)memspace_region_add_subregion_overlap(
				parent, memspace_region_get_address(mr), mr,
				g_rand_int_range(M.rng, -2, 3));
			memspace_region_unref(mr);
		}
		break;
	default:
		if (parent) {
			(void)memspace_region_del_subregion(parent, mr);
		} else {
			(void)memspace_region_add_subregion_overlap(
				g_rand_boolean(M.rng) ? M.bus : M.sub,
				kid_addr(), mr, g_rand_int_range(M.rng, -2, 3));
		}
		break;
	}
}

/* One change: mostly ones that leave the index standing. */
static void
mutate(bool geometry)
{
	struct memspace_region *mr =
		M.kid[g_rand_int_range(M.rng, 0, NR_KIDS + NR_SPARE)];

	if (geometry) {
		mutate_geometry(mr);
	} else if (g_rand_int_range(M.rng, 0, 4) == 0) {
		(void)memspace_region_set_readonly(
			mr, !memspace_region_is_readonly(mr));
	} else {
		(void)memspace_region_set_enabled(
			mr, !memspace_region_is_enabled(mr));
	}
}

/* Each address space's view against a full render of its root. */
static void
assert_views_are_full_renders(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(M.as); i++) {
		assert_view_is_full_render(M.as[i]);
	}
}

/*
 * Commits of one change, or (one in four) a transaction of several; in
 * turns, a change of geometry every few commits (the index mostly stale)
 * and every few tens (the index, rebuilt some commits after it went
 * stale, serves the ones in between).
 */
START_TEST(subregion_index_commits_match_full_render)
{
	uint64_t answered = 0;

	M.rng = g_rand_new_with_seed(0x1d3 + (guint32)_i);
	model_build();
	for (unsigned step = 0; step < 3000; step++) {
		/* Phases of many changes of geometry and of few. */
		bool geometry =
			g_rand_int_range(M.rng, 0, step % 200 < 100 ? 3 : 40) ==
			0;

		if (g_rand_int_range(M.rng, 0, 4) == 0) {
			ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
			for (int k = g_rand_int_range(M.rng, 2, 6); k > 0;
			     k--) {
				mutate(geometry && k % 2);
			}
			ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		} else {
			mutate(geometry);
		}
		assert_views_are_full_renders();
	}
	answered = subregion_index_answered(M.bus) +
		   subregion_index_answered(M.sub);
	/* The windowed renders did go through the indexes. */
	ck_assert_uint_gt(answered, 3000 / 4);
	g_rand_free(M.rng);
}
END_TEST

static Suite *
subregion_index_suite(void)
{
	Suite *s = suite_create("subregion_index");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, subregion_index_query_matches_list, 0, 6);
	tcase_add_test(tc, subregion_index_wide_subregion_set_aside);
	tcase_add_test(tc, subregion_index_only_for_large_parents);
	tcase_add_test(tc, subregion_index_sees_grown_subregion);
	tcase_add_loop_test(tc, subregion_index_commits_match_full_render, 0,
			    4);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(subregion_index_suite)
