/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RCU torture: readers walk published views while a writer keeps committing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-tree.h"

/*
 * Readers check every view they see for internal consistency and read the
 * name of every region it shows.  The writer replaces views thousands of
 * times a second, and the regions it unmaps are only referenced by the tree
 * and by views, so a view or region freed before its readers are done is a
 * use-after-free that AddressSanitizer reports.
 */

#define NR_READERS 4
#define NR_LEAVES 16
#define NR_CONTAINERS 4

struct torture {
	struct memspace_addrspace *as;
	struct memspace_region *root;
	struct memspace_region *containers[NR_CONTAINERS];
	struct memspace_region *target;	/* permanent target of alias leaves */
	/* Mapped leaves (borrowed: only the tree holds them), or NULL. */
	struct memspace_region *leaves[NR_LEAVES];
	int leaf_parent[NR_LEAVES];	/* -1: root */
	GHashTable *names;		/* every terminating region's name */
	gint stop;
	gint64 deadline;
	guint64 commits;
};

struct reader {
	struct torture *t;
	unsigned id;
	guint64 iterations;
	guint64 view_changes;	/* a different view than the last one */
	guint64 ranges_seen;
	guint64 counted_walks;
	char *error;		/* first inconsistency found */
};

static struct torture T;

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Walk @fv; returns NULL or a description of the first problem. */
static char *
check_view(const struct memspace_flatview *fv, guint64 *ranges)
{
	size_t nr = memspace_flatview_nr_ranges(fv);
	struct memspace_section prev = { 0 };

	for (size_t i = 0; i < nr; i++) {
		struct memspace_section sec;
		const char *name;

		if (memspace_flatview_get_range(fv, i, &sec) != 0) {
			return g_strdup_printf("get_range(%zu) of %zu failed", i, nr);
		}
		if (sec.start > sec.last) {
			return g_strdup_printf("range %zu inverted", i);
		}
		if (i > 0 && sec.start <= prev.last) {
			return g_strdup_printf("range %zu overlaps or is unsorted",
					       i);
		}
		if (sec.mr == NULL) {
			return g_strdup_printf("range %zu has no region", i);
		}
		name = memspace_region_get_name(sec.mr);
		if (name == NULL || !g_hash_table_contains(T.names, name)) {
			return g_strdup_printf("range %zu: unexpected region %s", i,
					       name ? name : "(null)");
		}
		if (!memspace_region_is_terminating(sec.mr) ||
		    memspace_region_get_kind(sec.mr) == MEMSPACE_REGION_ALIAS) {
			return g_strdup_printf("range %zu: %s does not terminate",
					       i, name);
		}
		if (sec.last - sec.start >= 0x100000) {
			return g_strdup_printf("range %zu: %s too large", i, name);
		}
		prev = sec;
		++*ranges;
	}
	return NULL;
}

static gpointer
reader_thread(gpointer opaque)
{
	struct reader *rd = opaque;
	const struct memspace_flatview *last = NULL;
	struct memspace_flatview *kept = NULL;
	unsigned kept_for = 0;
	uint64_t rng = 0x1234567ull * (rd->id + 1);

	memspace_thread_register();
	while (!g_atomic_int_get(&rd->t->stop) && rd->error == NULL) {
		struct memspace_flatview *fv;

		memspace_read_lock();
		fv = memspace_addrspace_get_flatview_rcu(rd->t->as);
		if (fv != last) {
			rd->view_changes++;
			last = fv;	/* compared only, never dereferenced */
		}
		rd->error = check_view(fv, &rd->ranges_seen);
		memspace_read_unlock();

		/* Sometimes keep a counted reference over a few iterations. */
		if (kept == NULL && xorshift(&rng) % 8 == 0) {
			kept = memspace_addrspace_get_flatview(rd->t->as);
			kept_for = 1 + xorshift(&rng) % 16;
		}
		if (kept != NULL && rd->error == NULL) {
			rd->error = check_view(kept, &rd->ranges_seen);
			if (--kept_for == 0) {
				memspace_flatview_unref(kept);
				kept = NULL;
				rd->counted_walks++;
			}
		}
		memspace_quiescent_state();
		rd->iterations++;
	}
	memspace_flatview_unref(kept);
	memspace_thread_unregister();
	return NULL;
}

/* A new leaf @i of its kind (one reference, owned by the caller). */
static struct memspace_region *
new_leaf(unsigned i)
{
	char name[16];
	struct memspace_region *mr;

	g_snprintf(name, sizeof(name), "leaf%u", i);
	switch (i % 4) {
	case 0:
		mr = memspace_region_new_ram(tt_ms, name, 0x1000 * (1 + i % 3),
					     NULL);
		break;
	case 1:
		mr = memspace_region_new_io(tt_ms, name, 0x800, &tt_ops, NULL);
		break;
	case 2:
		mr = memspace_region_new_rom_device(tt_ms, name, 0x1000, &tt_ops,
						    NULL, NULL);
		break;
	default:
		mr = memspace_region_new_alias(tt_ms, name, T.target,
					       (i % 3) * 0x400, 0x1000);
		break;
	}
	ck_assert_ptr_nonnull(mr);
	return mr;
}

/*
 * Create leaf @i and map it; the tree then holds its only reference, so
 * unmapping it later lets it be freed once no view shows it.
 */
static void
map_new_leaf(unsigned i, int parent, uint64_t addr, int32_t prio)
{
	struct memspace_region *mr = new_leaf(i);
	struct memspace_region *p = parent < 0 ? T.root : T.containers[parent];

	ck_assert_int_eq(memspace_region_add_subregion_overlap(p, addr, mr, prio),
			 0);
	memspace_region_unref(mr);
	T.leaves[i] = mr;
	T.leaf_parent[i] = parent;
}

/* One random topology change. */
static void
writer_step(uint64_t *rng)
{
	unsigned i = xorshift(rng) % NR_LEAVES;
	struct memspace_region *leaf = T.leaves[i];
	uint64_t r = xorshift(rng) % 6;

	if (leaf == NULL) {
		map_new_leaf(i, (int)(xorshift(rng) % (NR_CONTAINERS + 1)) - 1,
			     (xorshift(rng) % 0x40) * 0x400,
			     (int32_t)(xorshift(rng) % 5) - 2);
		return;
	}
	switch (r) {
	case 0:	/* unmap: the leaf is freed after the views showing it */
		ck_assert_int_eq(memspace_region_del_subregion(
					 T.leaf_parent[i] < 0 ? T.root :
					 T.containers[T.leaf_parent[i]], leaf), 0);
		T.leaves[i] = NULL;
		break;
	case 1:	/* move */
		ck_assert_int_eq(memspace_region_set_address(
					 leaf, (xorshift(rng) % 0x40) * 0x400), 0);
		break;
	case 2:
		ck_assert_int_eq(memspace_region_set_enabled(
					 leaf, xorshift(rng) % 4 != 0), 0);
		break;
	case 3: {
		unsigned c = xorshift(rng) % NR_CONTAINERS;

		ck_assert_int_eq(memspace_region_set_enabled(
					 T.containers[c], xorshift(rng) % 3 != 0),
				 0);
		break;
	}
	case 4: {
		unsigned c = xorshift(rng) % NR_CONTAINERS;

		ck_assert_int_eq(memspace_region_set_address(
					 T.containers[c],
					 (xorshift(rng) % 0x20) * 0x800), 0);
		break;
	}
	default:
		ck_assert_int_eq(memspace_region_set_readonly(
					 leaf, xorshift(rng) % 2), 0);
		break;
	}
}

static gpointer
writer_thread(gpointer opaque)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	memspace_thread_register();
	while (g_get_monotonic_time() < T.deadline) {
		if (xorshift(&rng) % 4 == 0) {
			unsigned n = 2 + xorshift(&rng) % 6;

			ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
			for (unsigned k = 0; k < n; k++) {
				writer_step(&rng);
			}
			ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		} else {
			writer_step(&rng);
		}
		T.commits++;
		memspace_quiescent_state();	/* lets qsbr grace periods end */
	}
	g_atomic_int_set(&T.stop, 1);
	memspace_thread_unregister();
	return NULL;
}

static double
torture_seconds(void)
{
	const char *env = getenv("MEMSPACE_TORTURE_SECONDS");
	double s = env ? g_ascii_strtod(env, NULL) : 0.0;

	return s > 0.0 ? s : 2.0;
}

START_TEST(rcu_readers_survive_writer)
{
	struct reader readers[NR_READERS];
	GThread *threads[NR_READERS];
	GThread *writer;
	guint64 total_changes = 0;
	char name[16];

	memset(&T, 0, sizeof(T));
	T.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	T.root = tt_container("root", 0x100000);
	for (unsigned c = 0; c < NR_CONTAINERS; c++) {
		g_snprintf(name, sizeof(name), "c%u", c);
		T.containers[c] = tt_container(name, 0x8000 + c * 0x4000);
		tt_add_prio(T.root, c * 0x10000, T.containers[c], (int)c - 1);
	}
	T.target = tt_ram("target", 0x2000);
	g_hash_table_add(T.names, g_strdup("target"));
	for (unsigned i = 0; i < NR_LEAVES; i++) {
		if (i % 4 != 3) {
			g_hash_table_add(T.names, g_strdup_printf("leaf%u", i));
		}
		map_new_leaf(i, (int)(i % (NR_CONTAINERS + 1)) - 1,
			     (i % 8) * 0x1000, 0);
	}
	T.as = tt_as("torture", T.root);
	T.deadline = g_get_monotonic_time() +
		     (gint64)(torture_seconds() * G_USEC_PER_SEC);

	for (unsigned r = 0; r < NR_READERS; r++) {
		readers[r] = (struct reader){ .t = &T, .id = r };
		threads[r] = g_thread_new("reader", reader_thread, &readers[r]);
	}
	writer = g_thread_new("writer", writer_thread, NULL);
	g_thread_join(writer);
	for (unsigned r = 0; r < NR_READERS; r++) {
		g_thread_join(threads[r]);
	}

	for (unsigned r = 0; r < NR_READERS; r++) {
		ck_assert_msg(readers[r].error == NULL, "reader %u: %s", r,
			      readers[r].error);
		ck_assert_uint_gt(readers[r].iterations, 100);
		ck_assert_uint_gt(readers[r].ranges_seen, 0);
		total_changes += readers[r].view_changes;
	}
	fprintf(stderr, "rcu torture: %" G_GUINT64_FORMAT " writer steps, "
		"%" G_GUINT64_FORMAT " view changes seen by %d readers\n",
		T.commits, total_changes, NR_READERS);
	for (unsigned r = 0; r < NR_READERS; r++) {
		fprintf(stderr, "  reader %u: %" G_GUINT64_FORMAT " iterations, "
			"%" G_GUINT64_FORMAT " ranges, %" G_GUINT64_FORMAT
			" counted walks\n", r, readers[r].iterations,
			readers[r].ranges_seen, readers[r].counted_walks);
	}
	ck_assert_uint_gt(T.commits, 1000);
	/* Readers saw many different views, not one stale pointer. */
	ck_assert_msg(total_changes >= 50, "readers saw only %" G_GUINT64_FORMAT
		      " view changes in %" G_GUINT64_FORMAT " commits",
		      total_changes, T.commits);

	g_hash_table_destroy(T.names);
}
END_TEST

static Suite *
rcu_suite(void)
{
	Suite *s = suite_create("rcu");
	TCase *tc = tcase_create("rcu:torture");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_set_timeout(tc, torture_seconds() + 60);
	tcase_add_test(tc, rcu_readers_survive_writer);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(rcu_suite)
