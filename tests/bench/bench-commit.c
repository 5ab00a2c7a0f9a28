/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Commit costs: full commits of random trees (three levels of nesting,
 * aliases into off-tree regions, overlapping siblings with priorities,
 * containers with their own backing), reader throughput while commits run
 * back to back, and one BAR toggled in a loaded map.
 */
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include <memspace/listener.h>

#include "bench.h"
#include "map-load.h"
#include "flatview-internal.h"
#include "rcu.h"
#include <memspace/reader.h>

#define PAGE 0x1000ull
#define NR_TARGETS 16

struct gen {
	struct memspace *ms;
	uint64_t seed;
	struct memspace_region *targets[NR_TARGETS];
	GPtrArray *leaves; /* toggled by the commit loop */
	GPtrArray *owned; /* every reference we hold */
};

static struct memspace_region *
gen_keep(struct gen *g, struct memspace_region *mr)
{
	g_ptr_array_add(g->owned, mr);
	return mr;
}

/* A leaf: 5% aliases into the shared off-tree targets, else I/O. */
static struct memspace_region *
gen_leaf(struct gen *g, uint64_t size)
{
	if (bench_rand(&g->seed) % 20 == 0) {
		uint64_t off = PAGE * bench_rand_range(&g->seed, 0, 240);

		return gen_keep(
			g,
			memspace_region_new_alias(
				g->ms, "alias",
				g->targets[bench_rand(&g->seed) % NR_TARGETS],
				off, size));
	}
	return gen_keep(g, memspace_region_new_io(g->ms, "leaf", size, NULL,
						  NULL));
}

/* Map @child at the cursor, or (10%) overlapping the previous sibling. */
static void
gen_place(struct gen *g, struct memspace_region *parent,
	  struct memspace_region *child, uint64_t size, uint64_t *cursor,
	  uint64_t prev)
{
	if (prev && bench_rand(&g->seed) % 10 == 0) {
		int32_t prio = (int32_t)bench_rand_range(&g->seed, 0, 4) - 2;

		memspace_region_add_subregion_overlap(
			parent, *cursor - prev / 2, child, prio);
		*cursor += size - prev / 2;
		return;
	}
	memspace_region_add_subregion(parent, *cursor, child);
	*cursor += size;
}

static uint64_t gen_level(struct gen *g, struct memspace_region *parent,
			  int depth, size_t leaves);

/* A container (5% with its own backing) holding @leaves leaves. */
static uint64_t
gen_container(struct gen *g, struct memspace_region *parent, int depth,
	      size_t leaves, uint64_t *cursor, uint64_t prev)
{
	bool backed = bench_rand(&g->seed) % 20 == 0;
	struct memspace_region *c = gen_keep(
		g, backed ? memspace_region_new_io(g->ms, "backed", 1, NULL,
						   NULL) :
			    memspace_region_new_container(g->ms, "c", 1));
	uint64_t span = gen_level(g, c, depth + 1, leaves);

	memspace_region_set_size(c, span);
	gen_place(g, parent, c, span, cursor, prev);
	return span;
}

static uint64_t
gen_level(struct gen *g, struct memspace_region *parent, int depth,
	  size_t leaves)
{
	uint64_t cursor = 0, prev = 0;

	if (depth == 3) {
		for (size_t i = 0; i < leaves; i++) {
			uint64_t size =
				PAGE * bench_rand_range(&g->seed, 1, 16);
			struct memspace_region *leaf = gen_leaf(g, size);

			gen_place(g, parent, leaf, size, &cursor, prev);
			g_ptr_array_add(g->leaves, leaf);
			prev = size;
		}
		return cursor;
	}
	/* Split the leaves among 2-15 children of roughly equal share. */
	size_t k = (size_t)bench_rand_range(&g->seed, 2, 15);
	size_t per = leaves / k ? leaves / k : 1;

	for (size_t done = 0; done < leaves; done += per) {
		size_t n = leaves - done < 2 * per ? leaves - done : per;

		prev = gen_container(g, parent, depth, n, &cursor, prev);
		if (n != per) {
			break;
		}
	}
	return cursor;
}

static void
gen_targets(struct gen *g)
{
	for (int i = 0; i < NR_TARGETS; i++) {
		struct memspace_region *t = gen_keep(
			g, memspace_region_new_io(g->ms, "target", 256 * PAGE,
						  NULL, NULL));
		uint64_t overlays = bench_rand_range(&g->seed, 1, 3);

		g->targets[i] = t;
		for (uint64_t j = 0; j < overlays; j++) {
			struct memspace_region *o = gen_keep(
				g, memspace_region_new_io(g->ms, "overlay",
							  PAGE, NULL, NULL));

			memspace_region_add_subregion(
				t, PAGE * bench_rand_range(&g->seed, 0, 255),
				o);
		}
	}
}

static int
noop_section(void *opaque, const struct memspace_section *sec)
{
	(void)opaque;
	(void)sec;
	return 0;
}

static const struct memspace_listener_ops noop_listener = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.region_add = noop_section,
	.region_del = noop_section,
	.region_nop = noop_section,
};

/* A listener that only wants what changed (as the KVM listener does). */
static const struct memspace_listener_ops diff_listener = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.region_add = noop_section,
	.region_del = noop_section,
};

/* A generated tree of @leaves leaves under a 2^64 root, committed. */
static struct memspace_region *
gen_tree(struct gen *g, size_t leaves)
{
	struct memspace_region *root;

	*g = (struct gen){ .ms = memspace_new(), .seed = 4242 + leaves };
	g->leaves = g_ptr_array_new();
	g->owned = g_ptr_array_new();
	root = gen_keep(g, memspace_region_new_container(g->ms, "root",
							 MEMSPACE_SIZE_2_64));
	memspace_transaction_begin(g->ms);
	gen_targets(g);
	(void)gen_level(g, root, 0, leaves);
	memspace_transaction_commit(g->ms);
	return root;
}

static void
gen_free(struct gen *g)
{
	for (guint i = 0; i < g->owned->len; i++) {
		memspace_region_unref(g->owned->pdata[i]);
	}
	g_ptr_array_free(g->owned, TRUE);
	g_ptr_array_free(g->leaves, TRUE);
	memspace_unref(g->ms);
}

/*
 * Mean milliseconds of a full commit of a tree: each commit toggles 64
 * random leaves in one transaction, more changed regions than the
 * incremental renderer takes on, so the whole tree is rendered and
 * indexed again, diffed against the old view (a few dozen ranges
 * differ) and published.
 */
static double
commit_tree_ms(size_t leaves, unsigned count)
{
	struct gen g;
	struct memspace_region *root = gen_tree(&g, leaves);
	struct memspace_addrspace *as;
	struct memspace_listener *l;
	uint64_t t0;

	as = memspace_addrspace_create(g.ms, "memory", root);
	/* A listener, so that each commit also diffs the views. */
	l = memspace_listener_register(as, &noop_listener, NULL, 0, "bench");
	t0 = bench_now_ns();
	for (unsigned i = 0; i < count; i++) {
		memspace_transaction_begin(g.ms);
		for (unsigned k = 0; k < 64; k++) {
			struct memspace_region *leaf =
				g.leaves->pdata[bench_rand(&g.seed) %
						g.leaves->len];

			memspace_region_set_enabled(
				leaf, !memspace_region_is_enabled(leaf));
		}
		memspace_transaction_commit(g.ms);
	}
	t0 = bench_now_ns() - t0;
	memspace_listener_unregister(l);
	memspace_addrspace_destroy(as);
	gen_free(&g);
	return (double)t0 / 1e6 / count;
}

void
bench_commits(struct bench_results *r)
{
	static const unsigned counts[BENCH_NR_COMMITS] = { 400, 100, 20 };

	bench_pin(0);
	for (int i = 0; i < BENCH_NR_COMMITS; i++) {
		r->commit_ms[i] =
			commit_tree_ms(bench_commit_sizes[i], counts[i]);
	}
}

/*
 * One change per commit on a random leaf, in rounds of six commits that
 * leave the tree as it was: disable, enable, move up a page, move back,
 * grow by a page, shrink back.
 */
static void
one_change(struct memspace_region *leaf, unsigned step)
{
	uint64_t addr = memspace_region_get_address(leaf);
	uint64_t size = (uint64_t)memspace_region_get_size(leaf);

	switch (step) {
	case 0:
	case 1:
		memspace_region_set_enabled(leaf, step == 1);
		break;
	case 2:
	case 3:
		memspace_region_set_address(leaf,
					    step == 2 ? addr + PAGE : addr - PAGE);
		break;
	default:
		memspace_region_set_size(leaf,
					 step == 4 ? size + PAGE : size - PAGE);
		break;
	}
}

/* Mean microseconds of a commit changing one region, over @rounds. */
static double
one_change_us(struct gen *g, unsigned rounds)
{
	uint64_t t0 = bench_now_ns();

	for (unsigned i = 0; i < rounds; i++) {
		struct memspace_region *leaf =
			g->leaves->pdata[bench_rand(&g->seed) % g->leaves->len];

		for (unsigned step = 0; step < 6; step++) {
			one_change(leaf, step);
		}
	}
	return (double)(bench_now_ns() - t0) / 1e3 / (6.0 * rounds);
}

void
bench_one_change(struct bench_results *r)
{
	static const unsigned rounds[BENCH_NR_ONE_CHANGE] = { 200, 20 };

	bench_pin(0);
	for (int i = 0; i < BENCH_NR_ONE_CHANGE; i++) {
		struct gen g;
		struct memspace_region *root =
			gen_tree(&g, bench_one_change_sizes[i]);
		struct memspace_addrspace *as =
			memspace_addrspace_create(g.ms, "memory", root);
		struct memspace_listener *l;

		(void)one_change_us(&g, 2); /* warm up the trace and caches */
		r->commit_one_change_us[i][0] = one_change_us(&g, rounds[i]);
		l = memspace_listener_register(as, &diff_listener, NULL, 0,
					       "bench");
		r->commit_one_change_us[i][1] = one_change_us(&g, rounds[i]);
		memspace_listener_unregister(l);
		memspace_addrspace_destroy(as);
		gen_free(&g);
	}
}

/*
 * Heap bytes in use (malloc arenas and large mappings), once the views
 * replaced earlier are freed.
 */
static size_t
heap_bytes(void)
{
	struct mallinfo2 mi;

	ms_rcu_barrier();
	mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Bytes per region: the heap growth from building and rendering a
 * 100k-leaf tree (regions, names, the view, its index and trace), over
 * the number of regions created.
 */
void
bench_region_memory(struct bench_results *r)
{
	size_t before = heap_bytes(), after;
	struct gen g;
	struct memspace_region *root = gen_tree(&g, 100000);
	struct memspace_addrspace *as =
		memspace_addrspace_create(g.ms, "memory", root);

	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);

	/* The tree and the index are heap blocks, counted by mallinfo. */
	after = heap_bytes();
	memspace_flatview_unref(fv);
	r->region_struct_bytes = (double)sizeof(struct memspace_region);
	r->bytes_per_region = ((double)after - (double)before) /
			      (double)g.owned->len;
	memspace_addrspace_destroy(as);
	gen_free(&g);
}

struct reader {
	struct memspace_addrspace *as;
	const uint64_t *q;
	volatile int phase; /* 0 run, 1 stop */
	uint64_t count;
};

static void *
reader_thread(void *arg)
{
	struct reader *rd = arg;
	uint64_t n = 0, acc = 0;

	bench_pin(0);
	memspace_thread_register();
	while (!rd->phase) {
		struct memspace_flatview *fv;
		struct memspace_section sec;

		memspace_rcu_read_lock();
		fv = memspace_addrspace_get_flatview_rcu(rd->as);
		for (unsigned i = 0; i < 256; i++) {
			uint64_t off = 0;

			(void)memspace_flatview_translate(
				fv, rd->q[(n + i) & ((1u << 20) - 1)], &sec,
				&off, NULL);
			acc += off;
		}
		memspace_rcu_read_unlock();
		n += 256;
	}
	memspace_thread_unregister();
	rd->count = n + (acc & bench_zero);
	return NULL;
}

/* Reader lookups per second over @ns, with or without commits. */
static double
reader_rate(struct reader *rd, struct memspace_region *toggle, uint64_t ns)
{
	pthread_t t;
	uint64_t t0, t1;
	unsigned i = 0;

	rd->phase = 0;
	pthread_create(&t, NULL, reader_thread, rd);
	t0 = bench_now_ns();
	do {
		if (toggle) {
			memspace_region_set_enabled(toggle, i++ & 1);
		} else {
			g_usleep(1000);
		}
		t1 = bench_now_ns();
	} while (t1 - t0 < ns);
	rd->phase = 1;
	pthread_join(t, NULL);
	return (double)rd->count / (double)(bench_now_ns() - t0);
}

void
bench_readers_during_commits(struct bench_results *r)
{
	struct bench_map *m = bench_map_new(65536, false, 9);
	struct reader rd = { .as = m->as,
			     .q = bench_map_queries(m, 1u << 20, 3) };
	struct memspace_region *toggle =
		memspace_region_new_io(m->ms, "toggle", PAGE, NULL, NULL);
	double idle[2], busy[2];
	struct call_rcu_data *crdp;

	/*
	 * As a VMM on a small host should: the updater runs on its own CPU,
	 * and so does the reclamation of the views it replaces (liburcu's
	 * call_rcu worker for this thread), away from the reader's CPU.
	 */
	bench_pin(1);
	crdp = MS_RCU(create_call_rcu_data)(0, 1);
	MS_RCU(set_thread_call_rcu_data)(crdp);
	memspace_region_add_subregion(m->root, 0x1000, toggle);
	for (int i = 0; i < 2; i++) {
		idle[i] = reader_rate(&rd, NULL, 1000000000ull);
		busy[i] = reader_rate(&rd, toggle, 1000000000ull);
	}
	r->readers_ratio = (busy[0] + busy[1]) / (idle[0] + idle[1]);
	memspace_region_unref(toggle);
	g_free((void *)rd.q);
	bench_map_free(m);
	MS_RCU(set_thread_call_rcu_data)(NULL);
	MS_RCU(call_rcu_data_free)(crdp);
	bench_pin(0);
}

/* Index in the document of the region with @id, or -1. */
static long
region_index(const char *path, long id)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonArray *regions;

	if (!json_parser_load_from_file(p, path, NULL)) {
		return -1;
	}
	regions = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(p)), "regions");
	for (guint i = 0; regions && i < json_array_get_length(regions); i++) {
		JsonObject *o = json_array_get_object_element(regions, i);

		if (json_object_get_int_member(o, "id") == id) {
			return (long)i;
		}
	}
	return -1;
}

static struct memspace_listener *
listen_memory(const struct map_load *ml)
{
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_addrspace *as = ml->addrspaces->pdata[i];

		if (g_strcmp0(memspace_addrspace_get_name(as), "memory") == 0) {
			return memspace_listener_register(as, &diff_listener,
							  NULL, 0, "bench");
		}
	}
	return NULL;
}

/* Mean microseconds of @count commits, each toggling @mr's enabled flag. */
static double
toggle_us(struct memspace_region *mr, long count)
{
	uint64_t t0 = bench_now_ns();

	for (long i = 0; i < count; i++) {
		memspace_region_set_enabled(mr,
					    !memspace_region_is_enabled(mr));
	}
	return (double)(bench_now_ns() - t0) / 1e3 / (double)count;
}

/* @path loaded, and its region with @id; NULL (message printed) if not. */
static struct map_load *
load_toggle(const char *path, long id, struct memspace_region **mr)
{
	g_autoptr(GError) err = NULL;
	struct map_load *ml = map_load_file(path, &err);
	long idx = ml ? region_index(path, id) : -1;

	if (!ml || idx < 0) {
		fprintf(stderr, "memspace-bench: %s: %s\n", path,
			err ? err->message : "no region with that id");
		map_load_free(ml);
		return NULL;
	}
	*mr = ml->regions->pdata[idx];
	return ml;
}

int
bench_commit_map(const char *path, long id, long count, bool listener)
{
	struct memspace_region *mr;
	struct map_load *ml = count > 0 ? load_toggle(path, id, &mr) : NULL;
	struct memspace_listener *l;
	double us;

	if (!ml) {
		if (count <= 0) {
			fprintf(stderr, "memspace-bench: %s: count must be "
				"positive\n", path);
		}
		return 1;
	}
	bench_pin(0);
	l = listener ? listen_memory(ml) : NULL;
	us = toggle_us(mr, count);
	printf("%.2f us per commit (%ld commits toggling region %ld \"%s\"%s)\n",
	       us, count, id, memspace_region_get_name(mr),
	       l ? ", one listener diffing the memory view" : "");
	memspace_listener_unregister(l);
	map_load_free(ml);
	return 0;
}

/*
 * The BAR toggle of `memspace-bench commit` on the 200-device q35 sample
 * of tests/data (the region its toggle_id names), bare and with a diffing
 * listener on the memory address space: microseconds per commit.
 */
void
bench_bar_toggle(struct bench_results *r)
{
	static const char sample[] = BENCH_SAMPLES "/x86-q35-200-virtio-net";
	g_autofree char *path = g_strconcat(sample, "/tree.json", NULL);
	g_autofree char *id_path = g_strconcat(sample, "/toggle_id", NULL);
	g_autofree char *id_text = NULL;
	struct memspace_region *mr;
	struct memspace_listener *l;
	struct map_load *ml;

	r->bar_toggle_us[0] = r->bar_toggle_us[1] = NAN;
	if (!g_file_get_contents(id_path, &id_text, NULL, NULL)) {
		fprintf(stderr, "memspace-bench: %s: cannot read\n", id_path);
		return;
	}
	ml = load_toggle(path, strtol(id_text, NULL, 10), &mr);
	if (!ml) {
		return;
	}
	bench_pin(0);
	(void)toggle_us(mr, 200); /* warm up the trace and caches */
	r->bar_toggle_us[0] = toggle_us(mr, 20000);
	l = listen_memory(ml);
	(void)toggle_us(mr, 200);
	r->bar_toggle_us[1] = toggle_us(mr, 20000);
	memspace_listener_unregister(l);
	map_load_free(ml);
}
