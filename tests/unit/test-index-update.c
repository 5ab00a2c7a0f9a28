/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental re-rendering: after every commit of random mutations (maps,
 * unmaps, moves, resizes, enables, flags, alias offsets, romd, regions
 * freed inside a transaction), the published view must be identical to a
 * full render of the same tree, and its index sound.  Besides the main
 * address space, address spaces rooted at a mapped container, at an alias
 * and at a wrapper container (whose root reduces to its only child) see
 * their roots resized (to 0 too), moved, and deleted and re-added.  A
 * listener without region_nop (told only what changed, at a cost that
 * follows the change) must hear exactly what a full diff of the two views
 * of the main address space says.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>

#include "addrspace-internal.h"
#include "listener-internal.h"
#include "render-internal.h"
#include "test-listener-recorder.h"
#include "test-tree.h"

#define NR_POOL 40
#define NR_SPACES 10
#define FIRST_DMA 4 /* spaces from here on: DMA spaces, as in QEMU */

struct model {
	struct memspace_region *root;
	struct memspace_addrspace *as;
	struct memspace_addrspace *spaces[NR_SPACES]; /* [0] is @as */
	struct memspace_region *wrapper;
	struct memspace_region *pool[NR_POOL];
	struct memspace_region *containers[4];
	struct memspace_region *bus_master[NR_SPACES]; /* from FIRST_DMA */
	GRand *rng;
	/* A listener on @as, and a sink for the full diffs to compare. */
	struct recorder heard, want;
	GPtrArray *heard_log, *want_log, *sink;
	struct memspace_addrspace *sink_as;
	struct memspace_flatview *last; /* the view the listener knows */
	/* An eventfd-capable listener, so that @as keeps an ioeventfd set. */
	struct recorder efd;
	GPtrArray *efd_log;
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

/* A size for a root: 0 now and then, 2^64 for containers. */
static uint64_t
root_size(struct memspace_region *mr)
{
	switch (g_rand_int_range(M.rng, 0, 4)) {
	case 0:
		return 0;
	case 1:
		if (memspace_region_get_kind(mr) == MEMSPACE_REGION_CONTAINER) {
			return MEMSPACE_SIZE_2_64;
		}
		/* fall through */
	default:
		return 0x1000ull * (uint64_t)g_rand_int_range(M.rng, 1, 0x48);
	}
}

/* Resize, move, or delete and re-add (elsewhere) an address space's root. */
static void
mutate_root(void)
{
	int k = g_rand_int_range(M.rng, 0, NR_SPACES);
	struct memspace_region *mr = memspace_addrspace_get_root(M.spaces[k]);
	struct memspace_region *parent = memspace_region_get_parent(mr);
	uint64_t addr = 0x800ull * (uint64_t)g_rand_int_range(M.rng, 0, 128);

	if (k == 3 && g_rand_boolean(M.rng)) {
		/* The wrapper's only child: its reduced root. */
		mr = M.pool[3];
		parent = memspace_region_get_parent(mr);
	}
	switch (g_rand_int_range(M.rng, 0, 3)) {
	case 0:
		if (mr != M.root) {
			(void)memspace_region_set_size(mr, root_size(mr));
		} else if (g_rand_boolean(M.rng)) {
			(void)memspace_region_set_size(mr, 0);
		} else {
			(void)memspace_region_set_size(mr, MEMSPACE_SIZE_2_64);
		}
		break;
	case 1:
		(void)memspace_region_set_address(mr, addr);
		break;
	default:
		if (!parent) {
			parent = pick_parent();
			if (parent != mr) {
				(void)memspace_region_add_subregion(parent, addr,
								    mr);
			}
			break;
		}
		memspace_region_ref(mr);
		(void)memspace_region_del_subregion(parent, mr);
		if (g_rand_boolean(M.rng)) {
			parent = mr == M.pool[3] ? M.wrapper : pick_parent();
		}
		if (parent != mr) {
			(void)memspace_region_add_subregion(
				parent, mr == M.pool[3] ? 0 : addr, mr);
		}
		memspace_region_unref(mr);
		break;
	}
}

/* A DMA space's alias: bus mastering on or off, a flag, an offset. */
static void
mutate_bus_master(void)
{
	struct memspace_region *bm =
		M.bus_master[g_rand_int_range(M.rng, FIRST_DMA, NR_SPACES)];

	switch (g_rand_int_range(M.rng, 0, 4)) {
	case 0:
	case 1:
		(void)memspace_region_set_enabled(
			bm, !memspace_region_is_enabled(bm));
		break;
	case 2:
		(void)memspace_region_set_readonly(bm, g_rand_boolean(M.rng));
		break;
	default:
		(void)memspace_region_set_alias_offset(
			bm, g_rand_boolean(M.rng) ? 0 : 0x1000);
		break;
	}
}

static void
mutate(void)
{
	struct memspace_region *mr = pick();

	if (g_rand_int_range(M.rng, 0, 6) == 0) {
		mutate_root();
		return;
	}
	if (g_rand_int_range(M.rng, 0, 8) == 0) {
		mutate_bus_master();
		return;
	}
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

static struct memspace_listener_ops heard_ops;
static struct memspace_listener_ops efd_ops;

/*
 * Doorbells on the I/O and ROM device regions of the pool (at offsets
 * that moves, resizes and aliases cut in and out of view), and a listener
 * that keeps the main space's ioeventfd set.
 */
static void
model_add_eventfds(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ck_assert_int_ge(fd, 0);
	for (unsigned i = 0; i < NR_POOL; i++) {
		enum memspace_region_kind kind =
			memspace_region_get_kind(M.pool[i]);

		if (kind != MEMSPACE_REGION_IO &&
		    kind != MEMSPACE_REGION_ROM_DEVICE) {
			continue;
		}
		ck_assert_int_eq(memspace_region_add_eventfd(M.pool[i],
							     0x10 * i, 4, true,
							     i, fd),
				 0);
		ck_assert_int_eq(memspace_region_add_eventfd(
					 M.pool[i], 0x800 + i, 0, false, 0, fd),
				 0);
		/* Across the 0x400 boundaries alias offsets cut at. */
		ck_assert_int_eq(memspace_region_add_eventfd(M.pool[i], 0x3fe,
							     4, true, i + 100,
							     fd),
				 0);
	}
	close(fd);
	M.efd_log = g_ptr_array_new_with_free_func(g_free);
	recorder_init(&M.efd, "e", M.efd_log);
	efd_ops = (struct memspace_listener_ops){
		.version = MEMSPACE_LISTENER_OPS_VERSION,
		.eventfd_add = recorder_ops.eventfd_add,
		.eventfd_del = recorder_ops.eventfd_del,
	};
	M.efd.l = memspace_listener_register(M.as, &efd_ops, &M.efd, 0, "efd");
	ck_assert_ptr_nonnull(M.efd.l);
}

/* The main space's ioeventfd set, kept across commits, against a build. */
static void
assert_ioeventfd_set_is_built(void)
{
	GArray *want = ioeventfd_set_build(M.as->current);

	ck_assert(ioeventfd_set_equal(M.as->lst->ioeventfds, want));
	ioeventfd_set_free(want);
	recorder_clear(M.efd_log);
}

/*
 * At the end of each commit the main space's listener took part in, what
 * a full diff of the view it knew and the new one says, for the sink.
 */
static int
heard_commit(void *opaque)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);

	(void)opaque;
	if (fv != M.last) {
		topology_diff_listeners(M.sink, M.last, fv, true, NULL);
	}
	memspace_flatview_unref(M.last);
	M.last = fv;
	return 0;
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
	M.spaces[0] = M.as;
	M.spaces[1] = tt_as("device", M.containers[1]);
	M.spaces[2] = tt_as("window", M.pool[1]); /* an alias */
	M.wrapper = tt_container("wrapper", 0x10000);
	tt_add(M.wrapper, 0, M.pool[3]);
	tt_add(M.containers[2], 0x8000, M.wrapper);
	M.spaces[3] = tt_as("wrapped", M.wrapper);
	/*
	 * A PCI device's DMA space: a container holding an alias of the
	 * memory it can reach, enabled while it is a bus master.  Most
	 * reduce to the root (or to c1) and share its view.
	 */
	for (unsigned i = FIRST_DMA; i < NR_SPACES; i++) {
		char name[8];
		struct memspace_region *dma;
		bool dev = i == NR_SPACES - 1;

		g_snprintf(name, sizeof(name), "dma%u", i);
		dma = tt_container(name, MEMSPACE_SIZE_2_64);
		M.bus_master[i] =
			dev ? tt_alias("bm", M.containers[1], 0, 0x40000) :
			      tt_alias("bm", M.root, 0, MEMSPACE_SIZE_2_64);
		tt_add(dma, 0, M.bus_master[i]);
		(void)memspace_region_set_enabled(M.bus_master[i], i % 3 != 0);
		M.spaces[i] = tt_as(name, dma);
	}
	M.heard_log = g_ptr_array_new_with_free_func(g_free);
	M.want_log = g_ptr_array_new_with_free_func(g_free);
	recorder_init(&M.heard, "l", M.heard_log);
	/* The view the listener knows once registered (heard_commit). */
	M.last = memspace_addrspace_get_flatview(M.as);
	heard_ops = recorder_change_ops;
	heard_ops.commit = heard_commit;
	M.heard.l = memspace_listener_register(M.as, &heard_ops, &M.heard, 0,
					       "heard");
	ck_assert_ptr_nonnull(M.heard.l);
	recorder_clear(M.heard_log);
	recorder_init(&M.want, "l", M.want_log);
	M.sink_as = tt_as("sink", tt_container("sink", 0x1000));
	M.want.l = memspace_listener_register(M.sink_as, &recorder_change_ops,
					      &M.want, 0, "want");
	ck_assert_ptr_nonnull(M.want.l);
	M.sink = g_ptr_array_new();
	g_ptr_array_add(M.sink, M.want.l);
	model_add_eventfds();
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
	memspace_listener_unregister(M.efd.l);
	g_ptr_array_free(M.efd_log, TRUE);
	g_ptr_array_free(M.sink, TRUE);
	g_ptr_array_free(M.heard_log, TRUE);
	g_ptr_array_free(M.want_log, TRUE);
	g_rand_free(M.rng);
	tt_teardown();
}

static bool
same_ranges(const struct memspace_flatview *a, const struct memspace_flatview *b)
{
	struct ft_cursor ca, cb;
	const struct flat_range *x, *y;

	if (a->nr != b->nr || a->tree.nr != a->nr) {
		return false;
	}
	ft_cursor_seek(&cb, &b->tree, 0);
	flatview_for_each_range(a, ca, x) {
		y = ft_cursor_get(&cb);
		ft_cursor_next(&cb);

		if (x->start != y->start || x->last != y->last ||
		    x->mr != y->mr || x->offset != y->offset ||
		    x->flags != y->flags ||
		    x->dirty_log_mask != y->dirty_log_mask) {
			return false;
		}
	}
	return true;
}

/* The view of @as against a full render of its own (unreduced) root. */
static void
assert_space_is_full_render(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	struct memspace_flatview *full;

	/* The reduced root the view comes from renders the same; without
	 * a current view, flatview_rerender() renders in full. */
	full = flatview_rerender(NULL, memspace_addrspace_get_root(as), 0);
	if (!same_ranges(fv, full)) {
		g_autofree char *a = test_format_flatview(fv);
		g_autofree char *b = test_format_flatview(full);

		ck_abort_msg("%s: incremental view differs:\n%s\nfull render:\n%s",
			     memspace_addrspace_get_name(as), a, b);
	}
	ck_assert(ft_verify(&fv->tree));
	ck_assert(flat_index_verify(&fv->index));
	/* The index carried over from the previous view, bit for bit the
	 * one a full build gives when it kept the same bucket geometry
	 * (entries point into the view's own leaves, so compare a build
	 * over this very tree). */
	{
		struct flat_index again;

		flat_index_build(&again, &fv->tree);
		if (again.base == fv->index.base &&
		    again.shift == fv->index.shift &&
		    again.nr_buckets == fv->index.nr_buckets) {
			ck_assert(flat_index_equal(&fv->index, &again));
		}
		flat_index_free(&again);
	}
	memspace_flatview_unref(full);
	memspace_flatview_unref(fv);
}

/* What the listener of the main space heard against the full diffs. */
static void
assert_listener_heard_diff(void)
{
	g_autofree char *heard = recorder_text(M.heard_log);
	g_autofree char *want = recorder_text(M.want_log);

	ck_assert_str_eq(heard, want);
	recorder_clear(M.heard_log);
	recorder_clear(M.want_log);
}

/* The published view keeps a trace: the next commit can be partial. */
static void
assert_view_traced(void)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);

	ck_assert_ptr_nonnull(fv->trace);
	memspace_flatview_unref(fv);
}

static void
assert_view_is_full_render(void)
{
	for (unsigned i = 0; i < NR_SPACES; i++) {
		assert_space_is_full_render(M.spaces[i]);
	}
	assert_listener_heard_diff();
	assert_ioeventfd_set_is_built();
}

/*
 * @steps commits of one mutation, or (one in four) of a transaction of
 * @lo to @hi - 1 of them, each checked against a full render.
 */
static void
run_mutations(unsigned steps, int lo, int hi)
{
	for (unsigned step = 0; step < steps; step++) {
		bool batch = g_rand_int_range(M.rng, 0, 4) == 0;

		if (batch) {
			ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
			for (int k = g_rand_int_range(M.rng, lo, hi); k > 0;
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

START_TEST(update_matches_full_render)
{
	model_reseed(0xdecade + (guint32)_i);
	run_mutations(3000, 2, 6);
}
END_TEST

/*
 * Transactions changing more regions than the context lists as changed
 * (MS_TOUCHED_MAX): those commits find the changes by loading every
 * region's generations, the single changes around them through the list.
 */
START_TEST(update_matches_full_render_big_transactions)
{
	model_reseed(0xb16 + (guint32)_i);
	run_mutations(600, MS_TOUCHED_MAX / 2, 3 * MS_TOUCHED_MAX);
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
 * One commit in which a subregion the trace has no step for (it sat
 * outside its parent's clip) moves into view, and a sibling that has a
 * step moves too: the parent's whole subtree is walked again, in place of
 * the sibling's own, and the trace stays sound for the commits after.
 */
START_TEST(update_parent_span_replaces_child_spans)
{
	struct memspace_region *p = tt_container("p", 0x10000);
	struct memspace_region *a = tt_io("a", 0x1000);
	struct memspace_region *b = tt_io("b", 0x1000);
	struct memspace_region *w = tt_alias("w", p, 0, 0x4000);

	tt_add(p, 0x1000, a);
	tt_add(p, 0x8000, b);
	tt_add(M.root, 1ull << 41, w);
	assert_view_is_full_render();
	for (unsigned step = 0; step < 8; step++) {
		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		ck_assert_int_eq(memspace_region_set_address(
					 b, step % 2 ? 0x8000 : 0x2000),
				 0);
		ck_assert_int_eq(memspace_region_set_address(
					 a, step % 4 < 2 ? 0x3000 : 0x1000),
				 0);
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
		assert_view_traced();
		/* One change alone, through the trace the commit left. */
		ck_assert_int_eq(memspace_region_set_enabled(
					 a, !memspace_region_is_enabled(a)),
				 0);
		assert_view_is_full_render();
	}
}
END_TEST

/* A container of @n leaves (every 16th an alias of c3), mapped at 1 TiB. */
static void
map_big_container(struct memspace_region **leaf, unsigned n)
{
	struct memspace_region *big = tt_container("big", 0x1000ull * 50000);

	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (unsigned i = 0; i < n; i++) {
		leaf[i] = i % 16 == 5 ?
				  tt_alias("a", M.containers[3], 0, 0x1000) :
				  tt_io("l", 0x1000);
		tt_add(big, 0x1000ull * (i + i / 4), leaf[i]);
	}
	tt_add(M.root, 1ull << 40, big);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	assert_view_is_full_render();
}

/*
 * A tree of more walk steps than a 32-bit half of the old trace limit
 * (32768): the trace is kept at any size, and one change at a time is
 * still rendered incrementally and exactly.
 */
START_TEST(update_large_tree_matches_full_render)
{
	struct memspace_region *leaf[40000];

	map_big_container(leaf, G_N_ELEMENTS(leaf));
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

/*
 * A tree of 40 containers of 1000 leaves each (a B+ tree of the ranges
 * three levels high): transactions change up to 24 leaves spread over
 * the tree at once, and whole containers are disabled, enabled, moved
 * over their neighbours and resized, which removes and inserts leaves'
 * worth of ranges in one splice.  Every step equals a full render, with
 * the listener's events and the ioeventfd set.
 */
START_TEST(update_large_tree_many_changes_match_full_render)
{
	struct memspace_region *big = tt_container("big", 0x1000ull * 60000);
	struct memspace_region *box[40];
	struct memspace_region *leaf[40 * 1000];

	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (unsigned b = 0; b < G_N_ELEMENTS(box); b++) {
		box[b] = tt_container("box", 0x1000ull * 1400);
		for (unsigned i = 0; i < 1000; i++) {
			struct memspace_region *l =
				i % 13 == 7 ? tt_alias("a", M.containers[3], 0,
						       0x1000) :
					      tt_io("l", 0x1000);

			leaf[b * 1000 + i] = l;
			tt_add(box[b], 0x1000ull * (i + i / 3), l);
		}
		tt_add(big, 0x1000ull * 1400 * b, box[b]);
	}
	tt_add(M.root, 1ull << 40, big);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	assert_view_is_full_render();
	for (unsigned step = 0; step < 30; step++) {
		struct memspace_region *bx =
			box[g_rand_int_range(M.rng, 0, G_N_ELEMENTS(box))];
		unsigned n = (unsigned)g_rand_int_range(M.rng, 1, 25);

		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		switch (step % 5) {
		case 0:
		case 1:
			for (unsigned k = 0; k < n; k++) {
				struct memspace_region *mr = leaf[g_rand_int_range(
					M.rng, 0, G_N_ELEMENTS(leaf))];

				(void)memspace_region_set_enabled(
					mr, !memspace_region_is_enabled(mr));
			}
			break;
		case 2:
			(void)memspace_region_set_enabled(
				bx, !memspace_region_is_enabled(bx));
			break;
		case 3:
			/* Over half of the next box, which it now hides
			 * where they overlap (it was added later). */
			(void)memspace_region_set_address(
				bx, memspace_region_get_address(bx) +
					    0x1000ull * 700 * (step % 2 ? 1 : 3));
			break;
		default:
			(void)memspace_region_set_size(
				bx, 0x1000ull * g_rand_int_range(M.rng, 1, 1400));
			break;
		}
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
	}
}
END_TEST

/* Replays seen so far (the scratch's count, carried from view to view). */
static uint64_t
replays_seen(void)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);
	uint64_t n = fv->scratch ? fv->scratch->nr_replays : 0;

	memspace_flatview_unref(fv);
	return n;
}

/*
 * Changes below the roots of the address spaces: regions mapped and
 * unmapped in the containers, enabled, moved, resized, flagged.
 */
static void
mutate_below_roots(void)
{
	struct memspace_region *mr = pick();
	struct memspace_region *parent = memspace_region_get_parent(mr);

	for (unsigned i = 0; i < NR_SPACES; i++) {
		if (mr == memspace_addrspace_get_root(M.spaces[i]) ||
		    parent == memspace_addrspace_get_root(M.spaces[i]) ||
		    mr == M.pool[3]) {
			return;
		}
	}
	switch (g_rand_int_range(M.rng, 0, 6)) {
	case 0:
		if (parent) {
			(void)memspace_region_del_subregion(parent, mr);
		} else {
			(void)memspace_region_add_subregion_overlap(
				M.containers[g_rand_int_range(M.rng, 0, 4)],
				0x1000ull * (uint64_t)g_rand_int_range(M.rng, 0,
								       64),
				mr, g_rand_int_range(M.rng, -2, 3));
		}
		break;
	case 1:
		(void)memspace_region_set_address(
			mr, 0x800ull * (uint64_t)g_rand_int_range(M.rng, 0, 128));
		break;
	case 2:
		(void)memspace_region_set_readonly(mr, g_rand_boolean(M.rng));
		break;
	case 3:
		if (memspace_region_get_kind(mr) == MEMSPACE_REGION_IO) {
			(void)memspace_region_set_size(
				mr, 0x1000ull * (uint64_t)g_rand_int_range(
							M.rng, 1, 8));
		}
		break;
	default:
		(void)memspace_region_set_enabled(
			mr, !memspace_region_is_enabled(mr));
		break;
	}
}

/*
 * Commits of many mutations at once: more changed regions than the
 * windowed re-render takes, so full renders, replayed from the last one
 * where the tree kept its shape and walked again where it did not.
 */
START_TEST(update_big_batches_match_full_render)
{
	/* While it shows, the view has an unmergeable range, which the
	 * windowed re-render leaves to full renders. */
	struct memspace_region *um = tt_io("um", 0x1000);
	uint64_t replays = 0;

	model_reseed(0xba7c4 + (guint32)_i);
	ck_assert_int_eq(memspace_region_set_unmergeable(um, true), 0);
	tt_add(M.containers[0], 0x3f000, um);
	for (unsigned step = 0; step < 400; step++) {
		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		if (step % 8 == 0) {
			(void)memspace_region_set_enabled(
				um, !memspace_region_is_enabled(um));
		}
		for (int k = g_rand_int_range(M.rng, 1, 48); k > 0; k--) {
			if (step % 4) {
				mutate_below_roots();
			} else {
				mutate();
			}
		}
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
		replays = MAX(replays, replays_seen());
	}
	ck_assert_uint_gt(replays, 0);
}
END_TEST

/*
 * The same at size: dozens of leaves of a large tree enabled, moved past
 * their neighbours, resized and changed inside the aliased container in
 * each commit.
 */
START_TEST(update_large_tree_big_batches_match_full_render)
{
	struct memspace_region *leaf[20000];
	uint64_t replays = 0;

	map_big_container(leaf, G_N_ELEMENTS(leaf));
	for (unsigned step = 0; step < 24; step++) {
		ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
		for (unsigned k = 0; k < 64; k++) {
			struct memspace_region *mr = leaf[g_rand_int_range(
				M.rng, 0, G_N_ELEMENTS(leaf))];

			if (step % 6 == 5 && k % 8 == 0) {
				mutate();
			} else if (step % 6 == 4 && k % 8 == 1) {
				(void)memspace_region_set_address(
					mr, memspace_region_get_address(mr) +
						    0x800);
			} else if (step % 6 == 3 && k % 8 == 2) {
				(void)memspace_region_set_size(mr, 0x1800);
			} else {
				(void)memspace_region_set_enabled(
					mr, !memspace_region_is_enabled(mr));
			}
		}
		ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
		assert_view_is_full_render();
		assert_view_traced();
		replays = MAX(replays, replays_seen());
	}
	ck_assert_uint_gt(replays, 12);
}
END_TEST

/*
 * A subregion moved in a windowed commit wins ties from then on; the
 * windowed re-render leaves its trace step where it was.  A later full
 * render must not replay the pieces in the old order.
 */
START_TEST(update_replay_sees_earlier_moves)
{
	struct memspace_region *c = tt_container("c", 0x10000);
	struct memspace_region *a = tt_io("a", 0x2000);
	struct memspace_region *b = tt_io("b", 0x2000);
	struct memspace_region *um = tt_io("um", 0x1000);
	struct memspace_region *x = tt_io("x", 0x1000);

	ck_assert_int_eq(memspace_region_set_unmergeable(um, true), 0);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(c, 0, a);
	tt_add(c, 0x1000, b); /* newer: wins [0x1000, 0x2000) */
	tt_add(c, 0x8000, um);
	tt_add(c, 0x9000, x);
	tt_add(M.root, 1ull << 44, c);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	assert_view_is_full_render();
	/* Full renders while the unmergeable range shows: traced, then
	 * replayed. */
	ck_assert_int_eq(memspace_region_set_enabled(x, false), 0);
	assert_view_is_full_render();
	ck_assert_int_eq(memspace_region_set_enabled(um, false), 0);
	assert_view_is_full_render();
	/* Windowed: @a moves and now wins [0x800, 0x2800). */
	ck_assert_int_eq(memspace_region_set_address(a, 0x800), 0);
	assert_view_is_full_render();
	/* Full again, with the moved region's step where it was. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_set_enabled(um, true), 0);
	ck_assert_int_eq(memspace_region_set_enabled(x, true), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	assert_view_is_full_render();
	/* And a subregion clipped out in a windowed commit. */
	ck_assert_int_eq(memspace_region_set_enabled(um, false), 0);
	assert_view_is_full_render();
	ck_assert_int_eq(memspace_region_set_address(b, 0x20000), 0);
	assert_view_is_full_render();
	ck_assert_int_eq(memspace_region_set_enabled(um, true), 0);
	assert_view_is_full_render();
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
	tcase_add_loop_test(tc, update_matches_full_render_big_transactions, 0,
			    2);
	tcase_add_test(tc, update_survives_regions_freed_in_transaction);
	tcase_add_test(tc, update_parent_span_replaces_child_spans);
	tcase_add_test(tc, update_large_tree_matches_full_render);
	tcase_add_test(tc, update_large_tree_many_changes_match_full_render);
	tcase_add_loop_test(tc, update_big_batches_match_full_render, 0, 3);
	tcase_add_test(tc, update_large_tree_big_batches_match_full_render);
	tcase_add_test(tc, update_replay_sees_earlier_moves);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(update_suite)
