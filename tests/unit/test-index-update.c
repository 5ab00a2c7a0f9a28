/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental re-rendering: after every commit of random mutations (maps,
 * unmaps, moves, resizes, enables, flags, alias offsets, romd, regions
 * freed inside a transaction), the published view must be identical to a
 * full render of the same tree, and its index sound; and a listener
 * without region_nop (told only what changed, at a cost that follows the
 * change) must hear exactly what a full diff of the two views says.
 */
#include <glib.h>

#include "listener-internal.h"
#include "render-internal.h"
#include "test-listener-recorder.h"
#include "test-tree.h"

#define NR_POOL 40

struct model {
	struct memspace_region *root;
	struct memspace_addrspace *as;
	struct memspace_region *pool[NR_POOL];
	struct memspace_region *containers[4];
	GRand *rng;
	/* A listener on @as, and a sink for the full diffs to compare. */
	struct recorder heard, want;
	GPtrArray *heard_log, *want_log, *sink;
	struct memspace_addrspace *sink_as;
	struct memspace_flatview *last; /* the view the listener knows */
};

static struct model M;

static struct memspace_region *
pick(void)
{
	return M.pool[g_rand_int_range(M.rng, 0, NR_POOL)];
}

static struct memspace_region *
pick_parent(void)
{
	int k = g_rand_int_range(M.rng, 0, 5);

	return k == 4 ? M.root : M.containers[k];
}

static void
mutate_map(struct memspace_region *mr)
{
	struct memspace_region *parent = pick_parent();
	uint64_t addr = 0x1000ull * (uint64_t)g_rand_int_range(M.rng, 0, 64);

	if (memspace_region_get_parent(mr)) {
		(void)memspace_region_del_subregion(
			memspace_region_get_parent(mr), mr);
		return;
	}
	/* Failures (cycles) leave everything as it was. */
	(void)memspace_region_add_subregion_overlap(
		parent, addr, mr, g_rand_int_range(M.rng, -2, 3));
}

static void
mutate(void)
{
	struct memspace_region *mr = pick();

	switch (g_rand_int_range(M.rng, 0, 8)) {
	case 0:
	case 1:
		mutate_map(mr);
		break;
	case 2:
		(void)memspace_region_set_enabled(
			mr, !memspace_region_is_enabled(mr));
		break;
	case 3:
		(void)memspace_region_set_address(
			mr,
			0x800ull * (uint64_t)g_rand_int_range(M.rng, 0, 128));
		break;
	case 4:
		(void)memspace_region_set_readonly(mr, g_rand_boolean(M.rng));
		break;
	case 5:
		if (memspace_region_get_kind(mr) == MEMSPACE_REGION_ALIAS) {
			(void)memspace_region_set_alias_offset(
				mr, 0x400ull * (uint64_t)g_rand_int_range(
						       M.rng, 0, 8));
		} else if (memspace_region_get_kind(mr) ==
			   MEMSPACE_REGION_ROM_DEVICE) {
			(void)memspace_region_set_romd(mr,
						       g_rand_boolean(M.rng));
		}
		break;
	case 6:
		if (memspace_region_get_kind(mr) == MEMSPACE_REGION_IO ||
		    memspace_region_get_kind(mr) == MEMSPACE_REGION_CONTAINER) {
			(void)memspace_region_set_size(
				mr, 0x1000ull * (uint64_t)g_rand_int_range(
							M.rng, 1, 8));
		}
		break;
	default:
		(void)memspace_region_set_nonvolatile(mr,
						      g_rand_boolean(M.rng));
		break;
	}
}

/*
 * Half the aliases show container c3, in which regions come and go: a
 * change there must reach the views through the aliases too, even where
 * nothing changed under the aliases' own parents.
 */
static struct memspace_region *
make_region(unsigned i, struct memspace_region *ram)
{
	char name[16];

	g_snprintf(name, sizeof(name), "r%u", i);
	switch (i % 5) {
	case 0:
		return tt_io(name, 0x1000ull * (1 + i % 4));
	case 1:
		return tt_alias(name, i % 2 ? M.containers[3] : ram,
				0x1000ull * (i % 3), 0x2000);
	case 2:
		return tt_romdev(name, 0x2000);
	case 3:
		return tt_container(name, 0x3000);
	default:
		return tt_ram(name, 0x1000ull * (1 + i % 3));
	}
}

static void
model_setup(void)
{
	struct memspace_region *ram;

	tt_setup();
	M.rng = g_rand_new_with_seed(0xdecade);
	M.root = tt_container("root", MEMSPACE_SIZE_2_64);
	ram = tt_ram("backing", 0x8000);
	for (unsigned i = 0; i < 4; i++) {
		char name[8];

		g_snprintf(name, sizeof(name), "c%u", i);
		M.containers[i] = tt_container(name, 0x40000);
		tt_add(M.root, 0x40000ull * i, M.containers[i]);
	}
	for (unsigned i = 0; i < NR_POOL; i++) {
		M.pool[i] = make_region(i, ram);
	}
	M.as = tt_as("memory", M.root);
	M.heard_log = g_ptr_array_new_with_free_func(g_free);
	M.want_log = g_ptr_array_new_with_free_func(g_free);
	recorder_init(&M.heard, "l", M.heard_log);
	M.heard.l = memspace_listener_register(M.as, &recorder_change_ops,
					       &M.heard, 0, "heard");
	ck_assert_ptr_nonnull(M.heard.l);
	recorder_clear(M.heard_log);
	recorder_init(&M.want, "l", M.want_log);
	M.sink_as = tt_as("sink", tt_container("sink", 0x1000));
	M.want.l = memspace_listener_register(M.sink_as, &recorder_change_ops,
					      &M.want, 0, "want");
	ck_assert_ptr_nonnull(M.want.l);
	M.sink = g_ptr_array_new();
	g_ptr_array_add(M.sink, M.want.l);
	M.last = memspace_addrspace_get_flatview(M.as);
}

static void
model_reseed(guint32 seed)
{
	g_rand_set_seed(M.rng, seed);
}

static void
model_teardown(void)
{
	memspace_flatview_unref(M.last);
	memspace_listener_unregister(M.heard.l);
	memspace_listener_unregister(M.want.l);
	g_ptr_array_free(M.sink, TRUE);
	g_ptr_array_free(M.heard_log, TRUE);
	g_ptr_array_free(M.want_log, TRUE);
	g_rand_free(M.rng);
	tt_teardown();
}

static void
assert_view_is_full_render(void)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);
	struct memspace_flatview *full;

	full = flatview_render(fv->root, 0);
	if (!flatview_ranges_equal(fv, full)) {
		g_autofree char *a = test_format_flatview(fv);
		g_autofree char *b = test_format_flatview(full);

		ck_abort_msg("incremental view differs:\n%s\nfull render:\n%s",
			     a, b);
	}
	ck_assert(flat_index_verify(&fv->index));
	memspace_flatview_unref(full);
	/* What the listener heard against a full diff of the two views. */
	recorder_clear(M.want_log);
	if (fv != M.last) {
		topology_diff_listeners(M.sink, M.last, fv, true, NULL);
	}
	{
		g_autofree char *heard = recorder_text(M.heard_log);
		g_autofree char *want = recorder_text(M.want_log);

		ck_assert_str_eq(heard, want);
	}
	recorder_clear(M.heard_log);
	memspace_flatview_unref(M.last);
	M.last = fv;
}

/* The published view keeps a trace: the next commit can be partial. */
static void
assert_view_traced(void)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);

	ck_assert_ptr_nonnull(fv->trace);
	memspace_flatview_unref(fv);
}

START_TEST(update_matches_full_render)
{
	model_reseed(0xdecade + (guint32)_i);
	for (unsigned step = 0; step < 3000; step++) {
		bool batch = g_rand_int_range(M.rng, 0, 4) == 0;

		if (batch) {
			ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
			for (int k = g_rand_int_range(M.rng, 2, 6); k > 0;
			     k--) {
				mutate();
			}
			ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		} else {
			mutate();
		}
		assert_view_is_full_render();
	}
}
END_TEST

START_TEST(update_survives_regions_freed_in_transaction)
{
	for (unsigned step = 0; step < 200; step++) {
		struct memspace_region *mr = memspace_region_new_io(
			tt_ms, "tmp", 0x1000, NULL, NULL);
		struct memspace_region *parent = pick_parent();

		/* One commit per check: the listener's events are compared
		 * with the diff of the two views. */
		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		tt_add(parent, 0x1000ull * (step % 32), mr);
		if (step % 3 == 0) {
			ck_assert_int_eq(memspace_region_set_enabled(mr, false),
					 0);
		}
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		ck_assert_int_eq(memspace_region_del_subregion(parent, mr), 0);
		memspace_region_unref(mr); /* freed here, before the commit */
		mutate();
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
	}
}
END_TEST

/*
 * A tree of more walk steps than a 32-bit half of the old trace limit
 * (32768): the trace is kept at any size, and one change at a time is
 * still rendered incrementally and exactly.
 */
START_TEST(update_large_tree_matches_full_render)
{
	struct memspace_region *big = tt_container("big", 0x1000ull * 50000);
	struct memspace_region *leaf[40000];

	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (unsigned i = 0; i < G_N_ELEMENTS(leaf); i++) {
		leaf[i] = i % 16 == 5 ?
				  tt_alias("a", M.containers[3], 0, 0x1000) :
				  tt_io("l", 0x1000);
		tt_add(big, 0x1000ull * (i + i / 4), leaf[i]);
	}
	tt_add(M.root, 1ull << 40, big);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	assert_view_is_full_render();
	for (unsigned step = 0; step < 40; step++) {
		struct memspace_region *mr =
			leaf[g_rand_int_range(M.rng, 0, G_N_ELEMENTS(leaf))];

		if (step % 4 == 3) {
			mutate(); /* also inside c3, seen through aliases */
		} else if (step % 4 == 2) {
			(void)memspace_region_set_size(mr, 0x2000);
		} else if (step % 4 == 1) {
			(void)memspace_region_set_address(
				mr, memspace_region_get_address(mr) + 0x800);
		} else {
			(void)memspace_region_set_enabled(
				mr, !memspace_region_is_enabled(mr));
		}
		assert_view_is_full_render();
		assert_view_traced();
	}
}
END_TEST

static Suite *
update_suite(void)
{
	Suite *s = suite_create("index-update");
	TCase *tc = tcase_create("index-update:model");

	tcase_add_checked_fixture(tc, model_setup, model_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, update_matches_full_render, 0, 6);
	tcase_add_test(tc, update_survives_regions_freed_in_transaction);
	tcase_add_test(tc, update_large_tree_matches_full_render);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(update_suite)
