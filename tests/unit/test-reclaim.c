/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Region lifetime under epoch reclamation: a region that died stays alive
 * exactly as long as a view that may show it, or a reference, does.
 * Liveness is observed through the region's anonymous host mapping, which
 * memspace unmaps when it frees the region.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test-tree.h"

#define PAGE 0x1000

static bool
mapped(void *p)
{
	return msync(p, PAGE, MS_ASYNC) == 0;
}

/* Freeing happens after an RCU grace period: wait for it, boundedly. */
static bool
becomes_unmapped(void *p)
{
	for (int i = 0; i < 2000; i++) {
		if (!mapped(p)) {
			return true;
		}
		g_usleep(1000);
	}
	return false;
}

/* A RAM region mapped by memspace, owned by the tree only. */
static struct memspace_region *
tree_only_ram(struct memspace_region *root, uint64_t addr, void **ret_host)
{
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "r", PAGE, NULL);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(memspace_region_add_subregion(root, addr, r), 0);
	*ret_host = memspace_region_get_host_ptr(r);
	memspace_region_unref(r);
	return r;
}

START_TEST(reclaim_held_view_keeps_dead_region)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	void *host;
	struct memspace_region *r = tree_only_ram(root, PAGE, &host);
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	struct memspace_section sec;

	ck_assert_int_eq(memspace_region_del_subregion(root, r), 0);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 1);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, &sec), 0);
	ck_assert_ptr_eq(sec.mr, r);
	/* Dead (no reference, not in the tree), but the held view shows it. */
	g_usleep(20000);
	ck_assert(mapped(host));
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "r");
	memspace_flatview_unref(fv);
	ck_assert(becomes_unmapped(host));
}
END_TEST

START_TEST(reclaim_dead_region_freed_at_once_without_views)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "r", PAGE, NULL);
	void *host = memspace_region_get_host_ptr(r);

	tt_as("as", root);
	/* No view shows anything (the root renders nothing), so nothing
	 * holds the region back. */
	memspace_region_unref(r);
	ck_assert(!mapped(host));
}
END_TEST

START_TEST(reclaim_resurrected_region_lives_on)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	void *host;
	struct memspace_region *r = tree_only_ram(root, PAGE, &host);
	struct memspace_flatview *old = memspace_addrspace_get_flatview(as);
	struct memspace_flatview *cur;
	struct memspace_section sec;

	ck_assert_int_eq(memspace_region_del_subregion(root, r), 0);
	/* A listener-like holder takes a reference from the old view. */
	ck_assert_int_eq(memspace_flatview_get_range(old, 0, &sec), 0);
	memspace_region_ref(sec.mr);
	memspace_flatview_unref(old);
	g_usleep(20000);
	ck_assert(mapped(host));
	/* Mapped again, shown by a newer view, then dead again. */
	ck_assert_int_eq(memspace_region_add_subregion(root, 2 * PAGE, r), 0);
	memspace_region_unref(r);
	cur = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(memspace_region_del_subregion(root, r), 0);
	g_usleep(20000);
	ck_assert(mapped(host));
	ck_assert_int_eq(memspace_flatview_get_range(cur, 0, &sec), 0);
	ck_assert_uint_eq(sec.start, 2 * PAGE);
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "r");
	memspace_flatview_unref(cur);
	ck_assert(becomes_unmapped(host));
}
END_TEST

START_TEST(reclaim_views_released_out_of_order)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *views[4];
	struct memspace_region *regions[4];
	void *hosts[4];

	for (int i = 0; i < 4; i++) {
		regions[i] = tree_only_ram(root, (uint64_t)i * PAGE, &hosts[i]);
		views[i] = memspace_addrspace_get_flatview(as);
	}
	/* Kill every region; view i shows regions 0..i. */
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(memspace_region_del_subregion(root, regions[i]),
				 0);
	}
	/* Dropping the newest view frees nothing: older ones show them. */
	memspace_flatview_unref(views[3]);
	g_usleep(20000);
	for (int i = 0; i < 4; i++) {
		ck_assert(mapped(hosts[i]));
	}
	memspace_flatview_unref(views[1]);
	memspace_flatview_unref(views[2]);
	g_usleep(20000);
	ck_assert(mapped(hosts[0]));
	memspace_flatview_unref(views[0]);
	for (int i = 0; i < 4; i++) {
		ck_assert(becomes_unmapped(hosts[i]));
	}
}
END_TEST

static Suite *
reclaim_suite(void)
{
	Suite *s = suite_create("reclaim");
	TCase *tc = tcase_create("lifetime");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, reclaim_held_view_keeps_dead_region);
	tcase_add_test(tc, reclaim_dead_region_freed_at_once_without_views);
	tcase_add_test(tc, reclaim_resurrected_region_lives_on);
	tcase_add_test(tc, reclaim_views_released_out_of_order);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(reclaim_suite)
