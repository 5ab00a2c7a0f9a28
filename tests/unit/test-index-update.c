/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental re-rendering: after every commit of random mutations (maps,
 * unmaps, moves, resizes, enables, flags, alias offsets, romd, regions
 * freed inside a transaction), the published view must be identical to a
 * full render of the same tree, and its index sound.
 */
#include <glib.h>

#include "render-internal.h"
#include "test-tree.h"

#define NR_POOL 40

struct model {
	struct memspace_region *root;
	struct memspace_addrspace *as;
	struct memspace_region *pool[NR_POOL];
	struct memspace_region *containers[4];
	GRand *rng;
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

static struct memspace_region *
make_region(unsigned i, struct memspace_region *ram)
{
	char name[16];

	g_snprintf(name, sizeof(name), "r%u", i);
	switch (i % 5) {
	case 0:
		return tt_io(name, 0x1000ull * (1 + i % 4));
	case 1:
		return tt_alias(name, ram, 0x1000ull * (i % 3), 0x2000);
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
}

static void
model_reseed(guint32 seed)
{
	g_rand_set_seed(M.rng, seed);
}

static void
model_teardown(void)
{
	g_rand_free(M.rng);
	tt_teardown();
}

static void
assert_view_is_full_render(void)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);
	struct memspace_flatview *full;

	/* Without a current view, a full render. */
	full = flatview_rerender(NULL, fv->root, 0);
	if (!flatview_ranges_equal(fv, full)) {
		g_autofree char *a = test_format_flatview(fv);
		g_autofree char *b = test_format_flatview(full);

		ck_abort_msg("incremental view differs:\n%s\nfull render:\n%s",
			     a, b);
	}
	ck_assert(flat_index_verify(&fv->index));
	memspace_flatview_unref(full);
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

		tt_add(parent, 0x1000ull * (step % 32), mr);
		if (step % 3 == 0) {
			ck_assert_int_eq(memspace_region_set_enabled(mr, false),
					 0);
		}
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

static Suite *
update_suite(void)
{
	Suite *s = suite_create("index-update");
	TCase *tc = tcase_create("index-update:model");

	tcase_add_checked_fixture(tc, model_setup, model_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, update_matches_full_render, 0, 6);
	tcase_add_test(tc, update_survives_regions_freed_in_transaction);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(update_suite)
