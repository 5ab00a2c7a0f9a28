/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Randomized rendering test: the engine's flat view against a naive oracle. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "test-tree.h"

/*
 * The test keeps its own model of the region tree, including the order of
 * every region's subregions (priority descending, most recently added or
 * moved first among equal priorities), and resolves single addresses by
 * walking that model exactly as QEMU's render_memory_region() does: depth
 * first in subregion order, children before the terminating region itself,
 * each level clipping to its extent, flags OR-ed along the path, the first
 * terminating region whose clip covers the address wins.
 */

typedef __int128 i128;
typedef unsigned __int128 u128;

#define TWO_64 ((i128)1 << 64)
#define MAX_NODES 64
#define NR_RANDOM 60
#define NR_ITERATIONS 20
#define NR_MUTATIONS 40
#define ROOT_SIZE 0x20000u

struct node {
	struct memspace_region *mr;
	char name[16];
	enum memspace_region_kind kind;
	i128 size;
	uint64_t host_size;	/* RAM kinds: the limit of set_size */
	uint64_t addr;
	int32_t prio;
	bool enabled, readonly, nonvolatile, unmergeable, romd;
	bool pinned;		/* never mutated (keeps the root unreducible) */
	int parent;		/* -1: not mapped */
	int target;		/* alias target, -1 otherwise */
	uint64_t alias_offset;
	int children[MAX_NODES];	/* render order */
	int nr_children;
};

struct model {
	struct node nodes[MAX_NODES];
	int nr;
	uint64_t rng;
	unsigned seed;
	struct memspace_addrspace *as;
};

static struct model M;

/* ---- deterministic randomness (splitmix64) ----------------------------- */

static uint64_t
rnd(void)
{
	uint64_t z = (M.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool
chance(unsigned percent)
{
	return rnd_below(100) < percent;
}

static uint64_t
size_to_api(i128 size)
{
	return size >= TWO_64 ? UINT64_MAX : (uint64_t)size;
}

/* ---- the model ---------------------------------------------------------- */

static bool
is_terminating(const struct node *n)
{
	return n->kind != MEMSPACE_REGION_CONTAINER &&
	       n->kind != MEMSPACE_REGION_ALIAS;
}

static void
dump_node(GString *s, int i, int depth)
{
	const struct node *n = &M.nodes[i];

	g_string_append_printf(s, "%*s%s kind %d addr 0x%" PRIx64
			       " size 0x%" PRIx64 "%s prio %d%s%s%s%s%s",
			       depth * 2, "", n->name, n->kind, n->addr,
			       size_to_api(n->size),
			       n->size >= TWO_64 ? "(2^64)" : "", n->prio,
			       n->enabled ? "" : " disabled",
			       n->readonly ? " ro" : "",
			       n->nonvolatile ? " nv" : "",
			       n->unmergeable ? " um" : "",
			       n->kind == MEMSPACE_REGION_ROM_DEVICE && !n->romd ?
				       " romd-off" : "");
	if (n->target >= 0) {
		g_string_append_printf(s, " -> %s @0x%" PRIx64,
				       M.nodes[n->target].name, n->alias_offset);
	}
	g_string_append_c(s, '\n');
	for (int c = 0; c < n->nr_children; c++) {
		dump_node(s, n->children[c], depth + 1);
	}
}

static char *
dump_model(void)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "seed %u\n", M.seed);
	for (int i = 0; i < M.nr; i++) {
		if (M.nodes[i].parent < 0) {
			dump_node(s, i, 0);
		}
	}
	return g_string_free(s, FALSE);
}

static void
model_link(int parent, int child)
{
	struct node *p = &M.nodes[parent];
	int at = p->nr_children;

	for (int i = 0; i < p->nr_children; i++) {
		if (M.nodes[p->children[i]].prio <= M.nodes[child].prio) {
			at = i;
			break;
		}
	}
	memmove(&p->children[at + 1], &p->children[at],
		(p->nr_children - at) * sizeof(p->children[0]));
	p->children[at] = child;
	p->nr_children++;
	M.nodes[child].parent = parent;
}

static void
model_unlink(int child)
{
	struct node *p = &M.nodes[M.nodes[child].parent];
	int at = -1;

	for (int i = 0; i < p->nr_children; i++) {
		if (p->children[i] == child) {
			at = i;
		}
	}
	ck_assert_int_ge(at, 0);
	memmove(&p->children[at], &p->children[at + 1],
		(p->nr_children - at - 1) * sizeof(p->children[0]));
	p->nr_children--;
	M.nodes[child].parent = -1;
}

/* Whether @to is reachable from @from through subregions and alias targets. */
static bool
reachable(int from, int to, bool *seen)
{
	const struct node *n = &M.nodes[from];

	if (from == to) {
		return true;
	}
	if (seen[from]) {
		return false;
	}
	seen[from] = true;
	if (n->target >= 0 && reachable(n->target, to, seen)) {
		return true;
	}
	for (int i = 0; i < n->nr_children; i++) {
		if (reachable(n->children[i], to, seen)) {
			return true;
		}
	}
	return false;
}

static bool
would_loop(int parent, int child)
{
	bool seen[MAX_NODES] = { false };

	return reachable(child, parent, seen);
}

/* Whether node @i lies on a cycle of the graph (through an alias). */
static bool
on_cycle(int i)
{
	const struct node *n = &M.nodes[i];
	bool seen[MAX_NODES] = { false };

	if (n->target >= 0 && reachable(n->target, i, seen)) {
		return true;
	}
	for (int c = 0; c < n->nr_children; c++) {
		memset(seen, 0, sizeof(seen));
		if (reachable(n->children[c], i, seen)) {
			return true;
		}
	}
	return false;
}

/* Whether node @i reaches a node on a cycle (or lies on one). */
static bool
reaches_cycle(int i)
{
	for (int k = 0; k < M.nr; k++) {
		bool seen[MAX_NODES] = { false };

		if (on_cycle(k) && reachable(i, k, seen)) {
			return true;
		}
	}
	return false;
}

/* A geometry change is refused only for a region that reaches a cycle
 * (a root's render then goes round it too long). */
static bool
geometry_refused(int i, int ret)
{
	ck_assert_msg(ret == 0 || (ret == -ELOOP && reaches_cycle(i)),
		      "seed %u: changing %s: got %d", M.seed, M.nodes[i].name,
		      ret);
	return ret < 0;
}

/* ---- the oracle --------------------------------------------------------- */

struct hit {
	int node;
	uint64_t offset;
	bool readonly, nonvolatile, unmergeable, romd;
};

static bool
range_contains(i128 start, i128 size, i128 x)
{
	return x >= start && x - start < size;
}

static bool
resolve(int i, i128 base, i128 clo, i128 chi, bool ro, bool nv, bool um,
	i128 a, struct hit *hit)
{
	const struct node *n = &M.nodes[i];
	i128 lo, hi;

	if (!n->enabled) {
		return false;
	}
	base += n->addr;
	ro |= n->readonly;
	nv |= n->nonvolatile;
	um |= n->unmergeable;
	/* QEMU's intersection test, then the narrowed clip. */
	if (!range_contains(base, n->size, clo) &&
	    !range_contains(clo, chi - clo, base)) {
		return false;
	}
	lo = base > clo ? base : clo;
	hi = base + n->size < chi ? base + n->size : chi;
	if (a < lo || a >= hi) {
		return false;	/* nothing beneath can claim @a */
	}
	if (n->kind == MEMSPACE_REGION_ALIAS) {
		base -= M.nodes[n->target].addr;
		base -= n->alias_offset;
		return resolve(n->target, base, lo, hi, ro, nv, um, a, hit);
	}
	for (int c = 0; c < n->nr_children; c++) {
		if (resolve(n->children[c], base, lo, hi, ro, nv, um, a, hit)) {
			return true;
		}
	}
	if (!is_terminating(n)) {
		return false;
	}
	*hit = (struct hit){
		.node = i,
		.offset = (uint64_t)(a - base),
		.readonly = ro,
		.nonvolatile = nv,
		.unmergeable = um,
		.romd = n->kind == MEMSPACE_REGION_ROM_DEVICE && n->romd,
	};
	return true;
}

/* Collect the clip boundaries of every rendered piece as probe addresses. */
static void
collect_bounds(int i, i128 base, i128 clo, i128 chi, GArray *probes,
	       unsigned *budget)
{
	const struct node *n = &M.nodes[i];
	i128 lo, hi;
	i128 cand[4];

	if (!n->enabled || *budget == 0) {
		return;
	}
	--*budget;
	base += n->addr;
	if (!range_contains(base, n->size, clo) &&
	    !range_contains(clo, chi - clo, base)) {
		return;
	}
	lo = base > clo ? base : clo;
	hi = base + n->size < chi ? base + n->size : chi;
	cand[0] = lo - 1;
	cand[1] = lo;
	cand[2] = hi - 1;
	cand[3] = hi;
	for (size_t k = 0; k < ARRAY_SIZE(cand); k++) {
		if (cand[k] >= 0 && cand[k] < TWO_64) {
			uint64_t v = (uint64_t)cand[k];

			g_array_append_val(probes, v);
		}
	}
	if (n->kind == MEMSPACE_REGION_ALIAS) {
		collect_bounds(n->target,
			       base - M.nodes[n->target].addr - n->alias_offset,
			       lo, hi, probes, budget);
		return;
	}
	for (int c = 0; c < n->nr_children; c++) {
		collect_bounds(n->children[c], base, lo, hi, probes, budget);
	}
}

/* ---- comparison --------------------------------------------------------- */

static int
node_of(const struct memspace_region *mr)
{
	for (int i = 0; i < M.nr; i++) {
		if (M.nodes[i].mr == mr) {
			return i;
		}
	}
	return -1;
}

static bool
can_merge(const struct memspace_section *a, const struct memspace_section *b)
{
	return a->last != UINT64_MAX && a->last + 1 == b->start &&
	       a->mr == b->mr &&
	       a->offset_in_region + (a->last - a->start + 1) ==
		       b->offset_in_region &&
	       a->readonly == b->readonly && a->nonvolatile == b->nonvolatile &&
	       a->romd == b->romd && a->dirty_log_mask == b->dirty_log_mask &&
	       !a->unmergeable && !b->unmergeable;
}

static void
fail_with_context(const char *what, struct memspace_flatview *fv)
{
	g_autofree char *model = dump_model();
	g_autofree char *view = test_format_flatview(fv);

	ck_abort_msg("%s\nmodel:\n%sview:\n%s", what, model, view);
}

static void
report_mismatch(const char *when, uint64_t a, const struct hit *want,
		const struct memspace_section *got,
		struct memspace_flatview *fv)
{
	g_autofree char *msg = g_strdup_printf(
		"%s: address 0x%" PRIx64 ": oracle says %s @0x%" PRIx64
		"%s%s%s%s, engine says %s @0x%" PRIx64 "%s%s%s%s",
		when, a, want ? M.nodes[want->node].name : "(hole)",
		want ? want->offset : 0,
		want && want->readonly ? " ro" : "",
		want && want->nonvolatile ? " nv" : "",
		want && want->unmergeable ? " um" : "",
		want && want->romd ? " romd" : "",
		got ? memspace_region_get_name(got->mr) : "(hole)",
		got ? got->offset_in_region + (a - got->start) : 0,
		got && got->readonly ? " ro" : "",
		got && got->nonvolatile ? " nv" : "",
		got && got->unmergeable ? " um" : "",
		got && got->romd ? " romd" : "");

	fail_with_context(msg, fv);
}

static void
compare_with_oracle(const char *when)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(M.as);
	size_t nr = memspace_flatview_nr_ranges(fv);
	struct memspace_section *secs = g_new0(struct memspace_section, nr + 1);
	GArray *probes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	unsigned budget = 20000;

	for (size_t i = 0; i < nr; i++) {
		ck_assert_int_eq(memspace_flatview_get_range(fv, i, &secs[i]), 0);
		if (secs[i].start > secs[i].last ||
		    (i > 0 && secs[i].start <= secs[i - 1].last) ||
		    node_of(secs[i].mr) < 0) {
			g_autofree char *msg = g_strdup_printf(
				"%s: range %zu malformed or unknown region", when, i);

			fail_with_context(msg, fv);
		}
		if (i > 0 && can_merge(&secs[i - 1], &secs[i])) {
			g_autofree char *msg = g_strdup_printf(
				"%s: ranges %zu and %zu should have merged", when,
				i - 1, i);

			fail_with_context(msg, fv);
		}
		for (int d = -1; d <= 1; d++) {
			uint64_t v = secs[i].start + d;
			uint64_t w = secs[i].last + d;

			if (!(d < 0 && secs[i].start == 0)) {
				g_array_append_val(probes, v);
			}
			if (!(d > 0 && secs[i].last == UINT64_MAX)) {
				g_array_append_val(probes, w);
			}
		}
	}
	collect_bounds(0, 0, 0, TWO_64, probes, &budget);
	for (int k = 0; k < 32; k++) {
		uint64_t v = rnd_below(ROOT_SIZE + 0x1000);

		g_array_append_val(probes, v);
	}

	for (guint k = 0; k < probes->len; k++) {
		uint64_t a = g_array_index(probes, uint64_t, k);
		struct hit want;
		bool expect = resolve(0, 0, 0, TWO_64, false, false, false, a,
				      &want);
		const struct memspace_section *got = NULL;
		size_t lo = 0, hi = nr;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (secs[mid].last < a) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo < nr && secs[lo].start <= a && a <= secs[lo].last) {
			got = &secs[lo];
		}
		if (!expect && !got) {
			continue;
		}
		if (expect && got && got->mr == M.nodes[want.node].mr &&
		    got->offset_in_region + (a - got->start) == want.offset &&
		    got->readonly == want.readonly &&
		    got->nonvolatile == want.nonvolatile &&
		    got->unmergeable == want.unmergeable &&
		    got->romd == want.romd) {
			continue;
		}

		report_mismatch(when, a, expect ? &want : NULL, got, fv);
	}
	g_array_free(probes, TRUE);
	g_free(secs);
	memspace_flatview_unref(fv);
}

/* ---- building and mutating --------------------------------------------- */

static i128
random_size(enum memspace_region_kind kind)
{
	bool ram_kind = kind == MEMSPACE_REGION_RAM ||
			kind == MEMSPACE_REGION_ROM_DEVICE ||
			kind == MEMSPACE_REGION_RAM_DEVICE;

	if (chance(3)) {
		/* Zero-sized host memory cannot be mapped: resize later. */
		return ram_kind ? 0x100 : 0;
	}
	if (!ram_kind && chance(2)) {
		return TWO_64;
	}
	return (i128)(1 + rnd_below(0x80)) * 0x100;
}

static int
new_node(enum memspace_region_kind kind, i128 size, int target,
	 uint64_t alias_offset)
{
	int i = M.nr++;
	struct node *n = &M.nodes[i];
	uint64_t api_size = size_to_api(size);

	ck_assert_int_lt(i, MAX_NODES);
	*n = (struct node){
		.kind = kind,
		.size = size,
		.enabled = true,
		.romd = true,
		.parent = -1,
		.target = target,
		.alias_offset = alias_offset,
	};
	snprintf(n->name, sizeof(n->name), "n%02d", i);
	switch (kind) {
	case MEMSPACE_REGION_CONTAINER:
		n->mr = tt_container(n->name, api_size);
		break;
	case MEMSPACE_REGION_RAM:
		n->mr = tt_ram(n->name, api_size);
		n->host_size = api_size;
		break;
	case MEMSPACE_REGION_IO:
		n->mr = tt_io(n->name, api_size);
		break;
	case MEMSPACE_REGION_ROM_DEVICE:
		n->mr = tt_romdev(n->name, api_size);
		n->host_size = api_size;
		break;
	case MEMSPACE_REGION_RAM_DEVICE:
		n->mr = tt_ramdev(n->name, api_size);
		n->host_size = api_size;
		break;
	case MEMSPACE_REGION_ALIAS:
		n->mr = tt_alias(n->name, M.nodes[target].mr, alias_offset,
				 api_size);
		break;
	}
	ck_assert_int_eq(memspace_region_get_kind(n->mr), kind);
	return i;
}

static bool
can_be_parent(int i)
{
	return i >= 0 && M.nodes[i].kind != MEMSPACE_REGION_ALIAS &&
	       !M.nodes[i].pinned;
}

static uint64_t
random_addr_in(int parent)
{
	i128 size = M.nodes[parent].size;
	uint64_t span = size >= ROOT_SIZE ? ROOT_SIZE : (uint64_t)size;

	return rnd_below(span + 0x400) & ~0xffull;
}

static int32_t
random_prio(void)
{
	return (int32_t)rnd_below(5) - 2;
}

/* Map @child under a random parent; returns whether it got mapped. */
static bool
map_random(int child)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		int parent = chance(45) ? 0 : (int)rnd_below(M.nr);
		uint64_t addr;
		int32_t prio;
		int ret;

		if (!can_be_parent(parent) || parent == child) {
			continue;
		}
		addr = random_addr_in(parent);
		prio = random_prio();
		if (prio == 0 && chance(50)) {
			ret = memspace_region_add_subregion(M.nodes[parent].mr,
							    addr,
							    M.nodes[child].mr);
		} else {
			ret = memspace_region_add_subregion_overlap(
				M.nodes[parent].mr, addr, M.nodes[child].mr,
				prio);
		}
		/* A cycle through an alias is accepted when its windows
		 * end the recursion (the oracle then renders it too); a
		 * mapping that closes one, or brings one into the views
		 * showing @parent, may be refused. */
		if ((would_loop(parent, child) || reaches_cycle(child)) &&
		    ret == -ELOOP) {
			continue;
		}
		ck_assert_msg(ret != -ELOOP, "seed %u: adding %s into %s: "
			      "-ELOOP without a cycle", M.seed,
			      M.nodes[child].name, M.nodes[parent].name);
		ck_assert_msg(ret == 0, "seed %u: adding %s into %s: got %d",
			      M.seed, M.nodes[child].name, M.nodes[parent].name,
			      ret);
		M.nodes[child].addr = addr;
		M.nodes[child].prio = prio;
		model_link(parent, child);
		return true;
	}
	return false;
}

static int
random_node(void)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		int i = 1 + (int)rnd_below(M.nr - 1);

		if (!M.nodes[i].pinned) {
			return i;
		}
	}
	return -1;
}

static void
build_random_tree(void)
{
	int pin0, pin1;
	int order[MAX_NODES];

	new_node(MEMSPACE_REGION_CONTAINER, ROOT_SIZE, -1, 0);
	/* Two fixed children so that the root never reduces to a child. */
	pin0 = new_node(MEMSPACE_REGION_IO, 0x800, -1, 0);
	pin1 = new_node(MEMSPACE_REGION_IO, 0x800, -1, 0);
	M.nodes[pin0].pinned = M.nodes[pin1].pinned = true;
	M.nodes[pin0].prio = M.nodes[pin1].prio = 3;
	M.nodes[pin0].addr = ROOT_SIZE - 0x2000;
	M.nodes[pin1].addr = ROOT_SIZE - 0x1000;
	tt_add_prio(M.nodes[0].mr, M.nodes[pin0].addr, M.nodes[pin0].mr, 3);
	tt_add_prio(M.nodes[0].mr, M.nodes[pin1].addr, M.nodes[pin1].mr, 3);
	model_link(0, pin0);
	model_link(0, pin1);

	for (int k = 0; k < NR_RANDOM; k++) {
		uint64_t r = rnd_below(100);
		enum memspace_region_kind kind =
			r < 25 ? MEMSPACE_REGION_CONTAINER :
			r < 45 ? MEMSPACE_REGION_RAM :
			r < 60 ? MEMSPACE_REGION_IO :
			r < 65 ? MEMSPACE_REGION_ROM_DEVICE :
			r < 68 ? MEMSPACE_REGION_RAM_DEVICE :
				 MEMSPACE_REGION_ALIAS;

		if (kind == MEMSPACE_REGION_ALIAS) {
			int target = chance(3) ? 0 : random_node();
			i128 tsize;
			uint64_t offset;

			if (target < 0) {
				kind = MEMSPACE_REGION_CONTAINER;
			} else {
				tsize = M.nodes[target].size;
				offset = rnd_below((tsize > ROOT_SIZE ?
							    ROOT_SIZE :
							    (uint64_t)tsize) +
						   0x200) & ~0xffull;
				new_node(kind, random_size(MEMSPACE_REGION_RAM),
					 target, offset);
				continue;
			}
		}
		new_node(kind, random_size(kind), -1, 0);
	}

	/* The address space exists while the tree grows: many commits. */
	M.as = tt_as("model", M.nodes[0].mr);

	for (int i = 0; i < M.nr; i++) {
		order[i] = i;
	}
	for (int i = M.nr - 1; i > 0; i--) {
		int j = (int)rnd_below(i + 1);
		int t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (int k = 0; k < M.nr; k++) {
		int i = order[k];
		struct node *n = &M.nodes[i];

		if (i == 0 || n->pinned) {
			continue;
		}
		if (chance(85)) {
			map_random(i);
		}
		if (chance(10)) {
			n->enabled = false;
			ck_assert_int_eq(memspace_region_set_enabled(n->mr, false), 0);
		}
		if (chance(12)) {
			n->readonly = true;
			ck_assert_int_eq(memspace_region_set_readonly(n->mr, true), 0);
		}
		if (chance(8)) {
			n->nonvolatile = true;
			ck_assert_int_eq(memspace_region_set_nonvolatile(n->mr, true), 0);
		}
		if (chance(5)) {
			n->unmergeable = true;
			ck_assert_int_eq(memspace_region_set_unmergeable(n->mr, true), 0);
		}
		if (n->kind == MEMSPACE_REGION_ROM_DEVICE && chance(40)) {
			n->romd = false;
			ck_assert_int_eq(memspace_region_set_romd(n->mr, false), 0);
		}
	}
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
}

/* One random mutation applied to the engine and to the model. */
static void
mutate(void)
{
	int i = random_node();
	struct node *n;
	uint64_t v;

	if (i < 0) {
		return;
	}
	n = &M.nodes[i];
	switch (rnd_below(10)) {
	case 0:	/* move */
		v = n->parent >= 0 ? random_addr_in(n->parent) : rnd_below(0x1000);
		if (chance(20)) {
			v = n->addr;	/* not a move: order kept */
		}
		if (geometry_refused(i, memspace_region_set_address(n->mr, v))) {
			break;
		}
		if (n->parent >= 0 && v != n->addr) {
			int parent = n->parent;

			model_unlink(i);
			n->addr = v;
			model_link(parent, i);
		}
		n->addr = v;
		break;
	case 1:	/* unmap or map */
		if (n->parent >= 0) {
			ck_assert_int_eq(memspace_region_del_subregion(
						 M.nodes[n->parent].mr, n->mr), 0);
			model_unlink(i);
		} else {
			map_random(i);
		}
		break;
	case 2:
		n->enabled = !n->enabled;
		ck_assert_int_eq(memspace_region_set_enabled(n->mr, n->enabled), 0);
		break;
	case 3:
		n->readonly = !n->readonly;
		ck_assert_int_eq(memspace_region_set_readonly(n->mr, n->readonly), 0);
		break;
	case 4:
		n->nonvolatile = !n->nonvolatile;
		ck_assert_int_eq(memspace_region_set_nonvolatile(n->mr,
								 n->nonvolatile), 0);
		break;
	case 5:
		if (chance(50)) {
			n->unmergeable = !n->unmergeable;
			ck_assert_int_eq(memspace_region_set_unmergeable(
						 n->mr, n->unmergeable), 0);
		} else if (n->kind == MEMSPACE_REGION_ROM_DEVICE) {
			n->romd = !n->romd;
			ck_assert_int_eq(memspace_region_set_romd(n->mr, n->romd), 0);
		}
		break;
	case 6: {	/* resize */
		i128 size = random_size(n->kind);

		if (n->host_size && size > n->host_size) {
			size = n->host_size;
		}
		if (n->kind == MEMSPACE_REGION_ALIAS &&
		    n->alias_offset + size > TWO_64) {
			size = 0x1000;
		}
		if (geometry_refused(i, memspace_region_set_size(
						n->mr, size_to_api(size)))) {
			break;
		}
		n->size = size;
		ck_assert_uint_eq(memspace_region_get_size(n->mr), size_to_api(size));
		break;
	}
	case 7:	/* move an alias window */
		if (n->kind == MEMSPACE_REGION_ALIAS && n->size < TWO_64) {
			v = rnd_below(0x8000) & ~0xffull;
			if (geometry_refused(i, memspace_region_set_alias_offset(
							n->mr, v))) {
				break;
			}
			n->alias_offset = v;
		}
		break;
	case 8:	/* change priority: del + add_overlap */
		if (n->parent >= 0) {
			int parent = n->parent;
			int32_t prio = random_prio();

			ck_assert_int_eq(memspace_region_del_subregion(
						 M.nodes[parent].mr, n->mr), 0);
			model_unlink(i);
			tt_add_prio(M.nodes[parent].mr, n->addr, n->mr, prio);
			n->prio = prio;
			model_link(parent, i);
		}
		break;
	default:	/* re-add with plain add: priority back to 0 */
		if (n->parent >= 0) {
			int parent = n->parent;

			ck_assert_int_eq(memspace_region_del_subregion(
						 M.nodes[parent].mr, n->mr), 0);
			model_unlink(i);
			tt_add(M.nodes[parent].mr, n->addr, n->mr);
			n->prio = 0;
			model_link(parent, i);
		}
		break;
	}
}

START_TEST(render_model_matches_oracle)
{
	char when[64];

	memset(&M, 0, sizeof(M));
	M.seed = 0x5eed0000u + (unsigned)_i;
	M.rng = M.seed;
	build_random_tree();
	compare_with_oracle("after build");

	for (int k = 0; k < NR_MUTATIONS; k++) {
		if (chance(25)) {
			/* A batch inside one transaction: published at once. */
			struct memspace_flatview *held = tt_hold_view(M.as);
			int batch = 2 + (int)rnd_below(4);

			ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
			for (int b = 0; b < batch; b++) {
				mutate();
				ck_assert_ptr_eq(tt_view_ptr(M.as), held);
			}
			ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
			memspace_flatview_unref(held);
		} else {
			mutate();
		}
		snprintf(when, sizeof(when), "seed %u mutation %d", M.seed, k);
		compare_with_oracle(when);
	}
}
END_TEST

static Suite *
render_model_suite(void)
{
	Suite *s = suite_create("render-model");
	TCase *tc = tcase_create("render:model");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_loop_test(tc, render_model_matches_oracle, 0, NR_ITERATIONS);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(render_model_suite)
