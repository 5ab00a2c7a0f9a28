/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Model-based fuzzing of the public API.  The input bytes drive a sequence
 * of mutations (every region kind, aliases including aliases of their own
 * ancestors, priorities, enable, read-only, moves, resizes, nested
 * transactions, ioeventfds, several address spaces on any region, whose
 * roots are then mapped, moved, unmapped and re-added, resized to 0 or to
 * 2^64, reduced to a child or an alias; windows crossing 2^64) applied
 * both to memspace and to a model of the tree.  After every outermost commit, each
 * address space is checked:
 *   - its view against a naive per-address oracle walking the model (no
 *     flatview code involved), at every edge of the view and of the model;
 *   - memspace_flatview_translate() at the same addresses;
 *   - a listener's mirror of the view, built from region_add/region_del;
 *   - for the first address space, the slots of the fake KVM backend.
 * A refused mutation must leave everything as it was.  Any mismatch
 * aborts with the model and the view printed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include <memspace/access.h>
#include <memspace/memspace.h>
#include <memspace/listener.h>
#include <memspace/show.h>
#if MEMSPACE_HAVE_KVM
#include <memspace/kvm.h>
#endif

#include "fuzz.h"

typedef __int128 i128;

#define TWO_64 ((i128)1 << 64)
#define MAX_NODES 20
#define MAX_ASES 3
#define MAX_EVENTFDS 4
#define MAX_DEPTH 48 /* oracle walk: deeper means an endless recursion */
/* Oracle steps per address space and commit: ancestor aliases nested a
 * few dozen passes deep, each pass with several windows over an address
 * that all end in holes, make the naive walk exponential. */
#define MAX_STEPS 1000000u
#define PAGE 0x1000u

struct node {
	struct memspace_region *mr;
	char name[8];
	enum memspace_region_kind kind;
	i128 size;
	uint64_t host_size; /* RAM kinds: the limit of set_size */
	uint64_t addr;
	int32_t prio;
	bool enabled, readonly, nonvolatile, unmergeable, romd;
	int parent; /* -1: not mapped */
	int target; /* alias target, -1 otherwise */
	uint64_t alias_offset;
	int children[MAX_NODES]; /* render order */
	int nr_children;
	int fds[MAX_EVENTFDS]; /* I/O regions: ioeventfds, 4 bytes at */
	uint64_t fd_addr[MAX_EVENTFDS];
	int nr_fds;
};

struct mirror {
	GArray *ranges; /* struct memspace_section, sorted */
	GArray *eventfds; /* struct memspace_ioeventfd */
};

struct space {
	struct memspace_addrspace *as;
	struct memspace_listener *l;
	struct mirror mirror;
};

struct fuzz {
	const uint8_t *in;
	size_t len;
	struct memspace *ms;
	struct node nodes[MAX_NODES];
	int nr;
	struct space spaces[MAX_ASES];
	unsigned depth; /* transactions open */
	bool too_deep; /* the oracle met an endless recursion or ran out */
	unsigned steps; /* oracle steps left for the current check */
#if MEMSPACE_HAVE_KVM
	struct memspace_kvm_fake *fake;
	struct memspace_kvm *kvm;
	struct memspace_kvm_listener *kl;
#endif
};

/* ---- input -------------------------------------------------------------- */

/* The next input byte modulo @n (0 once the input is used up). */
static unsigned
take(struct fuzz *f, unsigned n)
{
	unsigned v;

	if (!f->len) {
		return 0;
	}
	v = *f->in++;
	f->len--;
	return n ? v % n : 0;
}

static const uint64_t sizes[] = { 0x1000, 0x2000,  0x800, 0x100, 0x3000,
				  0x8000, 0x10000, 0,	  0x1800 };
static const uint64_t addrs[] = { 0,
				  0x1000,
				  0x2000,
				  0x800,
				  0x3000,
				  0x100,
				  0x8000,
				  0xf000,
				  0x1800,
				  0x4000,
				  0xfffffffffffff000ull,
				  0xffffffffffffffffull };

static uint64_t
take_addr(struct fuzz *f)
{
	return addrs[take(f, G_N_ELEMENTS(addrs))];
}

static i128
take_size(struct fuzz *f, bool ram_kind)
{
	unsigned n = take(f, G_N_ELEMENTS(sizes) + 1);

	if (n == G_N_ELEMENTS(sizes)) {
		return ram_kind ? 0x1000 : TWO_64;
	}
	if (ram_kind && sizes[n] == 0) {
		return 0x100;
	}
	return sizes[n];
}

static uint64_t
size_to_api(i128 size)
{
	return size >= TWO_64 ? MEMSPACE_SIZE_2_64 : (uint64_t)size;
}

/* ---- reporting ---------------------------------------------------------- */

static void
dump_node(const struct fuzz *f, GString *s, int i, int depth)
{
	const struct node *n = &f->nodes[i];

	if (depth > MAX_DEPTH) {
		g_string_append_printf(s, "%*s...\n", depth * 2, "");
		return;
	}
	g_string_append_printf(
		s,
		"%*s%s kind %d addr 0x%" PRIx64 " size 0x%" PRIx64
		"%s prio %d%s%s%s%s%s",
		depth * 2, "", n->name, n->kind, n->addr, size_to_api(n->size),
		n->size >= TWO_64 ? "(2^64)" : "", n->prio,
		n->enabled ? "" : " disabled", n->readonly ? " ro" : "",
		n->nonvolatile ? " nv" : "", n->unmergeable ? " um" : "",
		n->kind == MEMSPACE_REGION_ROM_DEVICE && !n->romd ?
			" romd-off" :
			"");
	if (n->target >= 0) {
		g_string_append_printf(s, " -> %s @0x%" PRIx64,
				       f->nodes[n->target].name,
				       n->alias_offset);
	}
	g_string_append_c(s, '\n');
	for (int c = 0; c < n->nr_children; c++) {
		dump_node(f, s, n->children[c], depth + 1);
	}
}

static void
dump_view(GString *s, struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	size_t nr = fv ? memspace_flatview_nr_ranges(fv) : 0;

	for (size_t i = 0; i < nr; i++) {
		struct memspace_section sec;

		memspace_flatview_get_range(fv, i, &sec);
		g_string_append_printf(
			s,
			"  [%" PRIx64 ", %" PRIx64 "] %s @%" PRIx64
			"%s%s%s%s\n",
			sec.start, sec.last, memspace_region_get_name(sec.mr),
			sec.offset_in_region, sec.readonly ? " ro" : "",
			sec.nonvolatile ? " nv" : "", sec.romd ? " romd" : "",
			sec.unmergeable ? " um" : "");
	}
	memspace_flatview_unref(fv);
}

static void G_GNUC_PRINTF(3, 4) G_GNUC_NORETURN
	fuzz_fail(const struct fuzz *f, int space, const char *fmt, ...)
{
	g_autoptr(GString) s = g_string_new("fuzz-api: ");
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(s, fmt, ap);
	va_end(ap);
	g_string_append(s, "\nmodel:\n");
	for (int i = 0; i < f->nr; i++) {
		if (f->nodes[i].parent < 0) {
			dump_node(f, s, i, 0);
		}
	}
	if (space >= 0 && f->spaces[space].as) {
		struct memspace_addrspace *fresh;

		g_string_append_printf(s, "view of address space %d:\n", space);
		dump_view(s, f->spaces[space].as);
		/* A first render tells stale incremental views apart. */
		fresh = f->depth ? NULL :
				   memspace_addrspace_create(
					   f->ms, "fresh",
					   memspace_addrspace_get_root(
						   f->spaces[space].as));
		if (fresh) {
			g_string_append(s, "first render of the same root:\n");
			dump_view(s, fresh);
			memspace_addrspace_destroy(fresh);
		}
	}
	fputs(s->str, stderr);
	fputs("engine trees:\n", stderr);
	memspace_show(f->ms, stderr, MEMSPACE_SHOW_DISABLED);
	abort();
}

#define CHECK(f, space, cond, ...)                            \
	do {                                                  \
		if (!(cond)) {                                \
			fuzz_fail((f), (space), __VA_ARGS__); \
		}                                             \
	} while (0)

/* ---- the model ---------------------------------------------------------- */

static void
model_link(struct fuzz *f, int parent, int child)
{
	struct node *p = &f->nodes[parent];
	int at = p->nr_children;

	for (int i = 0; i < p->nr_children; i++) {
		if (f->nodes[p->children[i]].prio <= f->nodes[child].prio) {
			at = i;
			break;
		}
	}
	memmove(&p->children[at + 1], &p->children[at],
		(size_t)(p->nr_children - at) * sizeof(p->children[0]));
	p->children[at] = child;
	p->nr_children++;
	f->nodes[child].parent = parent;
}

static void
model_unlink(struct fuzz *f, int child)
{
	struct node *p = &f->nodes[f->nodes[child].parent];
	int at = 0;

	while (p->children[at] != child) {
		at++;
	}
	memmove(&p->children[at], &p->children[at + 1],
		(size_t)(p->nr_children - at - 1) * sizeof(p->children[0]));
	p->nr_children--;
	f->nodes[child].parent = -1;
}

/* Whether @to can be reached from @from by subregion and alias edges. */
static bool
reaches(const struct fuzz *f, int from, int to)
{
	bool seen[MAX_NODES] = { false };
	int stack[MAX_NODES * (MAX_NODES + 1) + 1];
	int top = 0;

	stack[top++] = from;
	while (top) {
		int i = stack[--top];
		const struct node *n = &f->nodes[i];

		if (i == to) {
			return true;
		}
		if (seen[i]) {
			continue;
		}
		seen[i] = true;
		if (n->target >= 0) {
			stack[top++] = n->target;
		}
		for (int c = 0; c < n->nr_children; c++) {
			stack[top++] = n->children[c];
		}
	}
	return false;
}

/* Whether some region reaches itself: only then may a mutator say ELOOP. */
static bool
has_cycle(const struct fuzz *f)
{
	for (int i = 0; i < f->nr; i++) {
		const struct node *n = &f->nodes[i];

		if (n->target >= 0 && reaches(f, n->target, i)) {
			return true;
		}
		for (int c = 0; c < n->nr_children; c++) {
			if (reaches(f, n->children[c], i)) {
				return true;
			}
		}
	}
	return false;
}

/* Whether node @from reaches a node on a cycle (or is one). */
static bool
reaches_cycle(const struct fuzz *f, int from)
{
	for (int i = 0; i < f->nr; i++) {
		const struct node *n = &f->nodes[i];
		bool on_cycle = n->target >= 0 && reaches(f, n->target, i);

		for (int c = 0; !on_cycle && c < n->nr_children; c++) {
			on_cycle = reaches(f, n->children[c], i);
		}
		if (on_cycle && reaches(f, from, i)) {
			return true;
		}
	}
	return false;
}

static bool
is_terminating(const struct node *n)
{
	return n->kind != MEMSPACE_REGION_CONTAINER &&
	       n->kind != MEMSPACE_REGION_ALIAS;
}

/* ---- the oracle: one address at a time, as QEMU renders ----------------- */

struct hit {
	int node;
	uint64_t offset;
	bool readonly, nonvolatile, unmergeable, romd;
};

static bool
contains(i128 start, i128 size, i128 x)
{
	return x >= start && x - start < size;
}

/*
 * Whether region @i, placed at @base (its container's origin) and clipped
 * to [@clo, @chi), serves address @a; children first in render order, then
 * the region itself if it terminates.
 */
static bool
resolve(struct fuzz *f, int i, i128 base, i128 clo, i128 chi, bool ro, bool nv,
	bool um, i128 a, int depth, struct hit *hit)
{
	const struct node *n = &f->nodes[i];
	i128 lo, hi;

	if (depth > MAX_DEPTH || !f->steps) {
		f->too_deep = true;
		return false;
	}
	f->steps--;
	if (!n->enabled) {
		return false;
	}
	base += n->addr;
	ro |= n->readonly;
	nv |= n->nonvolatile;
	um |= n->unmergeable;
	if (!contains(base, n->size, clo) && !contains(clo, chi - clo, base)) {
		return false;
	}
	lo = base > clo ? base : clo;
	hi = base + n->size < chi ? base + n->size : chi;
	if (a < lo || a >= hi) {
		return false;
	}
	if (n->kind == MEMSPACE_REGION_ALIAS) {
		base -= f->nodes[n->target].addr;
		base -= n->alias_offset;
		return resolve(f, n->target, base, lo, hi, ro, nv, um, a,
			       depth + 1, hit);
	}
	for (int c = 0; c < n->nr_children; c++) {
		if (resolve(f, n->children[c], base, lo, hi, ro, nv, um, a,
			    depth + 1, hit)) {
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

static void
add_probe(GArray *probes, i128 v)
{
	if (v >= 0 && v < TWO_64) {
		uint64_t u = (uint64_t)v;

		g_array_append_val(probes, u);
	}
}

/* The clip edges of every piece of the model, as probe addresses. */
static void
model_edges(const struct fuzz *f, int i, i128 base, i128 clo, i128 chi,
	    int depth, GArray *probes, unsigned *budget)
{
	const struct node *n = &f->nodes[i];
	i128 lo, hi;

	if (!n->enabled || !*budget || depth > MAX_DEPTH) {
		return;
	}
	--*budget;
	base += n->addr;
	if (!contains(base, n->size, clo) && !contains(clo, chi - clo, base)) {
		return;
	}
	lo = base > clo ? base : clo;
	hi = base + n->size < chi ? base + n->size : chi;
	add_probe(probes, lo - 1);
	add_probe(probes, lo);
	add_probe(probes, hi - 1);
	add_probe(probes, hi);
	if (n->kind == MEMSPACE_REGION_ALIAS) {
		model_edges(f, n->target,
			    base - f->nodes[n->target].addr - n->alias_offset,
			    lo, hi, depth + 1, probes, budget);
		return;
	}
	for (int c = 0; c < n->nr_children; c++) {
		model_edges(f, n->children[c], base, lo, hi, depth + 1, probes,
			    budget);
	}
}

/* ---- the listener mirror ------------------------------------------------ */

static bool
same_section(const struct memspace_section *a, const struct memspace_section *b)
{
	return a->start == b->start && a->last == b->last && a->mr == b->mr &&
	       a->offset_in_region == b->offset_in_region &&
	       a->readonly == b->readonly && a->nonvolatile == b->nonvolatile &&
	       a->romd == b->romd && a->unmergeable == b->unmergeable;
}

static int
mirror_add(void *opaque, const struct memspace_section *sec)
{
	struct mirror *m = opaque;
	guint at = 0;

	while (at < m->ranges->len &&
	       g_array_index(m->ranges, struct memspace_section, at).last <
		       sec->start) {
		at++;
	}
	if (at < m->ranges->len &&
	    g_array_index(m->ranges, struct memspace_section, at).start <=
		    sec->last) {
		fprintf(stderr,
			"fuzz-api: region_add of [%" PRIx64 ", %" PRIx64
			"] overlaps a range the listener has\n",
			sec->start, sec->last);
		abort();
	}
	g_array_insert_val(m->ranges, at, *sec);
	return 0;
}

static int
mirror_del(void *opaque, const struct memspace_section *sec)
{
	struct mirror *m = opaque;

	for (guint i = 0; i < m->ranges->len; i++) {
		if (same_section(&g_array_index(m->ranges,
						struct memspace_section, i),
				 sec)) {
			g_array_remove_index(m->ranges, i);
			return 0;
		}
	}
	fprintf(stderr,
		"fuzz-api: region_del of [%" PRIx64 ", %" PRIx64
		"], which the listener never got\n",
		sec->start, sec->last);
	abort();
}

static bool
same_eventfd(const struct memspace_ioeventfd *a,
	     const struct memspace_ioeventfd *b)
{
	return a->addr == b->addr && a->size == b->size && a->fd == b->fd &&
	       a->match_data == b->match_data && a->data == b->data;
}

static int
mirror_eventfd_add(void *opaque, const struct memspace_section *sec,
		   const struct memspace_ioeventfd *e)
{
	struct mirror *m = opaque;

	for (guint i = 0; i < m->eventfds->len; i++) {
		if (same_eventfd(&g_array_index(m->eventfds,
						struct memspace_ioeventfd, i),
				 e)) {
			fprintf(stderr,
				"fuzz-api: eventfd_add of 0x%" PRIx64
				" twice\n",
				e->addr);
			abort();
		}
	}
	g_array_append_val(m->eventfds, *e);
	return 0;
}

static int
mirror_eventfd_del(void *opaque, const struct memspace_section *sec,
		   const struct memspace_ioeventfd *e)
{
	struct mirror *m = opaque;

	for (guint i = 0; i < m->eventfds->len; i++) {
		if (same_eventfd(&g_array_index(m->eventfds,
						struct memspace_ioeventfd, i),
				 e)) {
			g_array_remove_index(m->eventfds, i);
			return 0;
		}
	}
	fprintf(stderr,
		"fuzz-api: eventfd_del of 0x%" PRIx64
		", which the listener never got\n",
		e->addr);
	abort();
}

static const struct memspace_listener_ops mirror_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.region_add = mirror_add,
	.region_del = mirror_del,
	.eventfd_add = mirror_eventfd_add,
	.eventfd_del = mirror_eventfd_del,
};

/* ---- checks after a commit ---------------------------------------------- */

static const struct memspace_section *
find_range(const struct memspace_section *secs, size_t nr, uint64_t a)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (secs[mid].last < a) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < nr && secs[lo].start <= a ? &secs[lo] : NULL;
}

static int
node_of(const struct fuzz *f, const struct memspace_region *mr)
{
	for (int i = 0; i < f->nr; i++) {
		if (f->nodes[i].mr == mr) {
			return i;
		}
	}
	return -1;
}

static int
root_of(const struct fuzz *f, const struct space *sp)
{
	return node_of(f, memspace_addrspace_get_root(sp->as));
}

/* One address: the oracle, the view and translate() agree. */
static void
check_probe(struct fuzz *f, int s, int root, const struct memspace_flatview *fv,
	    const struct memspace_section *secs, size_t nr, uint64_t a)
{
	struct hit want;
	bool expect;
	const struct memspace_section *got = find_range(secs, nr, a);
	struct memspace_section tsec;
	uint64_t toff = 0, tlen = 0;
	int tret;

	f->too_deep = false;
	expect = resolve(f, root, 0, 0, TWO_64, false, false, false, a, 0,
			 &want);
	if (f->too_deep) {
		return; /* an endless tree, or too many paths: not judged */
	}
	CHECK(f, s, expect == (got != NULL),
	      "address 0x%" PRIx64 ": oracle says %s, view says %s", a,
	      expect ? f->nodes[want.node].name : "(hole)",
	      got ? memspace_region_get_name(got->mr) : "(hole)");
	tret = memspace_flatview_translate(fv, a, &tsec, &toff, &tlen);
	CHECK(f, s, (tret == 0) == expect,
	      "address 0x%" PRIx64 ": translate returns %d", a, tret);
	if (!expect) {
		return;
	}
	CHECK(f, s,
	      got->mr == f->nodes[want.node].mr &&
		      got->offset_in_region + (a - got->start) == want.offset &&
		      got->readonly == want.readonly &&
		      got->nonvolatile == want.nonvolatile &&
		      got->unmergeable == want.unmergeable &&
		      got->romd == want.romd,
	      "address 0x%" PRIx64 ": oracle says %s @0x%" PRIx64
	      "%s%s%s%s, view says %s @0x%" PRIx64 "%s%s%s%s",
	      a, f->nodes[want.node].name, want.offset,
	      want.readonly ? " ro" : "", want.nonvolatile ? " nv" : "",
	      want.unmergeable ? " um" : "", want.romd ? " romd" : "",
	      memspace_region_get_name(got->mr),
	      got->offset_in_region + (a - got->start),
	      got->readonly ? " ro" : "", got->nonvolatile ? " nv" : "",
	      got->unmergeable ? " um" : "", got->romd ? " romd" : "");
	CHECK(f, s,
	      same_section(&tsec, got) && toff == want.offset &&
		      tlen == (got->last - a == UINT64_MAX ? UINT64_MAX :
							     got->last - a + 1),
	      "address 0x%" PRIx64 ": translate gives [%" PRIx64 ", %" PRIx64
	      "] @0x%" PRIx64 " len 0x%" PRIx64,
	      a, tsec.start, tsec.last, toff, tlen);
}

static bool
mergeable(const struct memspace_section *a, const struct memspace_section *b)
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
check_space(struct fuzz *f, int s)
{
	struct space *sp = &f->spaces[s];
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(sp->as);
	size_t nr = fv ? memspace_flatview_nr_ranges(fv) : 0;
	g_autofree struct memspace_section *secs =
		g_new0(struct memspace_section, nr + 1);
	g_autoptr(GArray) probes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	unsigned budget = 4000;
	int root = root_of(f, sp);

	f->steps = MAX_STEPS;
	CHECK(f, s, fv && root >= 0, "no view or unknown root");
	for (size_t i = 0; i < nr; i++) {
		CHECK(f, s, memspace_flatview_get_range(fv, i, &secs[i]) == 0,
		      "get_range %zu", i);
		CHECK(f, s,
		      secs[i].start <= secs[i].last &&
			      (i == 0 || secs[i].start > secs[i - 1].last) &&
			      node_of(f, secs[i].mr) >= 0,
		      "range %zu malformed", i);
		CHECK(f, s, i == 0 || !mergeable(&secs[i - 1], &secs[i]),
		      "ranges %zu and %zu should have merged", i - 1, i);
		add_probe(probes, (i128)secs[i].start - 1);
		add_probe(probes, secs[i].start);
		add_probe(probes, secs[i].last);
		add_probe(probes, (i128)secs[i].last + 1);
	}
	/* The mirror is the view. */
	CHECK(f, s, sp->mirror.ranges->len == nr,
	      "the listener has %u ranges, the view %zu",
	      sp->mirror.ranges->len, nr);
	for (size_t i = 0; i < nr; i++) {
		const struct memspace_section *m = &g_array_index(
			sp->mirror.ranges, struct memspace_section, i);

		CHECK(f, s, same_section(m, &secs[i]),
		      "listener range %zu is [%" PRIx64 ", %" PRIx64 "] %s", i,
		      m->start, m->last, memspace_region_get_name(m->mr));
	}
	model_edges(f, root, 0, 0, TWO_64, 0, probes, &budget);
	for (guint k = 0; k < probes->len; k++) {
		check_probe(f, s, root, fv, secs, nr,
			    g_array_index(probes, uint64_t, k));
	}
	memspace_flatview_unref(fv);
}

#if MEMSPACE_HAVE_KVM
/* One guest page as a slot maps it. */
struct page {
	uint64_t gpa;
	uint64_t uaddr;
	bool ro;
};

static gint
page_cmp(gconstpointer a, gconstpointer b)
{
	const struct page *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* The pages each range of the view should have in a slot. */
static void
expected_pages(const struct memspace_section *sec, GArray *pages)
{
	enum memspace_region_kind kind = memspace_region_get_kind(sec->mr);
	uint8_t *host = memspace_region_get_host_ptr(sec->mr);
	bool ro = sec->readonly;
	i128 start = ((i128)sec->start + PAGE - 1) & ~(i128)(PAGE - 1);
	i128 end = ((i128)sec->last + 1) & ~(i128)(PAGE - 1);

	if (kind == MEMSPACE_REGION_ROM_DEVICE && sec->romd) {
		ro = true;
	} else if (kind != MEMSPACE_REGION_RAM &&
		   kind != MEMSPACE_REGION_RAM_DEVICE) {
		return;
	}
	if (!host || end > TWO_64 - PAGE) {
		end = host ? TWO_64 - PAGE : start;
	}
	for (i128 a = start; a < end; a += PAGE) {
		struct page p = {
			.gpa = (uint64_t)a,
			.uaddr = (uint64_t)(uintptr_t)host +
				 sec->offset_in_region +
				 (uint64_t)(a - sec->start),
			.ro = ro,
		};

		if (p.uaddr % PAGE) {
			return; /* not page-congruent: no slot */
		}
		g_array_append_val(pages, p);
	}
}

static void
check_kvm(struct fuzz *f)
{
	struct memspace_flatview *fv =
		memspace_addrspace_get_flatview(f->spaces[0].as);
	size_t nr = memspace_flatview_nr_ranges(fv);
	g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(struct page));
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(struct page));
	uint32_t nr_slots = memspace_kvm_get_nr_slots(f->kvm);
	size_t live = memspace_kvm_fake_nr_slots(f->fake);

	CHECK(f, 0,
	      memspace_listener_get_error(
		      memspace_kvm_listener_get_listener(f->kl)) == 0,
	      "the KVM listener is out of sync");
	for (size_t i = 0; i < nr; i++) {
		struct memspace_section sec;

		memspace_flatview_get_range(fv, i, &sec);
		expected_pages(&sec, want);
	}
	memspace_flatview_unref(fv);
	/* Slot ids are allocated lowest first: stop after the live ones. */
	for (uint32_t id = 0; id < nr_slots && live; id++) {
		struct memspace_kvm_memslot slot = { .slot = id };

		if (memspace_kvm_fake_get_slot(f->fake, id, &slot) < 0) {
			continue;
		}
		live--;
		if (!slot.memory_size) {
			continue;
		}
		for (uint64_t off = 0; off < slot.memory_size; off += PAGE) {
			struct page p = {
				.gpa = slot.guest_phys_addr + off,
				.uaddr = slot.userspace_addr + off,
				.ro = slot.flags & MEMSPACE_KVM_MEM_READONLY,
			};

			g_array_append_val(got, p);
		}
	}
	g_array_sort(got, page_cmp);
	CHECK(f, 0, got->len == want->len,
	      "KVM has %u pages in slots, the view %u", got->len, want->len);
	for (guint i = 0; i < got->len; i++) {
		const struct page *g = &g_array_index(got, struct page, i);
		const struct page *w = &g_array_index(want, struct page, i);

		CHECK(f, 0,
		      g->gpa == w->gpa && g->uaddr == w->uaddr &&
			      g->ro == w->ro,
		      "KVM page 0x%" PRIx64 " -> 0x%" PRIx64
		      "%s, view page 0x%" PRIx64 " -> 0x%" PRIx64 "%s",
		      g->gpa, g->uaddr, g->ro ? " ro" : "", w->gpa, w->uaddr,
		      w->ro ? " ro" : "");
	}
}
#endif

static void
check_all(struct fuzz *f)
{
	for (int s = 0; s < MAX_ASES; s++) {
		if (f->spaces[s].as) {
			check_space(f, s);
		}
	}
#if MEMSPACE_HAVE_KVM
	check_kvm(f);
#endif
}

/* ---- mutations ---------------------------------------------------------- */

/* A mutator's result: applied (0) or refused with an allowed error. */
static bool
applied(struct fuzz *f, const char *what, int ret, bool loop_possible)
{
	if (ret == 0) {
		return true;
	}
	CHECK(f, -1, (ret == -ELOOP && loop_possible) || ret == -EOVERFLOW,
	      "%s: unexpected error %d", what, ret);
	return false;
}

/*
 * Host memory of RAM devices: one buffer per node index, mapped once and
 * reused by later inputs (regions of earlier inputs may still wait for
 * their RCU release, but nothing accesses them any more).
 */
#define RAMD_SIZE 0x10000u

static void *
ramd_memory(int i)
{
	static void *buffers[MAX_NODES];

	if (!buffers[i]) {
		buffers[i] = mmap(NULL, RAMD_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buffers[i] == MAP_FAILED) {
			abort();
		}
	}
	return buffers[i];
}

/*
 * The context, shared by all inputs: memspace_unref() waits for RCU
 * callbacks, which would cost more than most inputs.  Every input leaves
 * it empty (no regions, no address spaces).
 */
static struct memspace *
shared_context(void)
{
	static struct memspace *ms;

	if (!ms) {
		ms = memspace_new();
	}
	return ms;
}

static int
new_node(struct fuzz *f, enum memspace_region_kind kind, i128 size, int target,
	 uint64_t alias_offset)
{
	int i = f->nr;
	struct node *n = &f->nodes[i];
	uint64_t api = size_to_api(size);

	*n = (struct node){
		.kind = kind,
		.size = size,
		.enabled = true,
		.romd = true,
		.parent = -1,
		.target = target,
		.alias_offset = alias_offset,
	};
	snprintf(n->name, sizeof(n->name), "n%d", i);
	switch (kind) {
	case MEMSPACE_REGION_CONTAINER:
		n->mr = memspace_region_new_container(f->ms, n->name, api);
		break;
	case MEMSPACE_REGION_RAM:
		n->mr = memspace_region_new_ram(f->ms, n->name, api, NULL);
		n->host_size = api;
		break;
	case MEMSPACE_REGION_IO:
		n->mr = memspace_region_new_io(f->ms, n->name, api, NULL, NULL);
		break;
	case MEMSPACE_REGION_ROM_DEVICE:
		n->mr = memspace_region_new_rom_device(f->ms, n->name, api,
						       NULL, NULL, NULL);
		n->host_size = api;
		break;
	case MEMSPACE_REGION_RAM_DEVICE:
		n->host_size = api;
		n->mr = memspace_region_new_ram_device(f->ms, n->name, api,
						       ramd_memory(i));
		break;
	case MEMSPACE_REGION_ALIAS:
		n->mr = memspace_region_new_alias(
			f->ms, n->name, f->nodes[target].mr, alias_offset, api);
		break;
	}
	if (!n->mr) {
		CHECK(f, -1, errno == EOVERFLOW,
		      "creating %s (kind %d): errno %d", n->name, kind, errno);
		return -1;
	}
	CHECK(f, -1, memspace_region_get_kind(n->mr) == n->kind, "kind of %s",
	      n->name);
	f->nr++;
	return i;
}

static void
op_new(struct fuzz *f)
{
	static const enum memspace_region_kind kinds[] = {
		MEMSPACE_REGION_CONTAINER,  MEMSPACE_REGION_RAM,
		MEMSPACE_REGION_IO,	    MEMSPACE_REGION_ROM_DEVICE,
		MEMSPACE_REGION_ALIAS,	    MEMSPACE_REGION_ALIAS,
		MEMSPACE_REGION_RAM_DEVICE,
	};
	enum memspace_region_kind kind = kinds[take(f, G_N_ELEMENTS(kinds))];
	bool ram_kind = kind == MEMSPACE_REGION_RAM ||
			kind == MEMSPACE_REGION_ROM_DEVICE ||
			kind == MEMSPACE_REGION_RAM_DEVICE;
	i128 size = take_size(f, ram_kind);

	if (f->nr >= MAX_NODES) {
		return;
	}
	if (kind == MEMSPACE_REGION_ALIAS) {
		/* Any target: a container that will hold the alias too. */
		int target = (int)take(f, (unsigned)f->nr);
		uint64_t offset = take_addr(f) & ~0xffull;

		new_node(f, kind, size, target, offset);
		return;
	}
	new_node(f, kind, size, -1, 0);
}

static int
take_node(struct fuzz *f)
{
	return (int)take(f, (unsigned)f->nr);
}

static void
op_map(struct fuzz *f)
{
	int child = take_node(f);
	int parent = take_node(f);
	uint64_t addr = take_addr(f);
	int32_t prio = (int32_t)take(f, 5) - 2;
	struct node *c = &f->nodes[child];
	int ret;

	if (c->parent >= 0 ||
	    f->nodes[parent].kind == MEMSPACE_REGION_ALIAS) {
		return;
	}
	if (parent == child) {
		ret = memspace_region_add_subregion(f->nodes[parent].mr, addr,
						    c->mr);
		CHECK(f, -1, ret == -ELOOP || ret == -EINVAL,
		      "mapping %s into itself: %d", c->name, ret);
		return;
	}
	if (prio == 0 && take(f, 2)) {
		ret = memspace_region_add_subregion(f->nodes[parent].mr, addr,
						    c->mr);
	} else {
		ret = memspace_region_add_subregion_overlap(f->nodes[parent].mr,
							    addr, c->mr, prio);
	}
	/* Refused if it closes a cycle, or brings one into some view. */
	if (!applied(f, "add_subregion", ret,
		     reaches(f, child, parent) || reaches_cycle(f, child))) {
		return;
	}
	c->addr = addr;
	c->prio = prio;
	model_link(f, parent, child);
}

static void
op_unmap(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];

	if (n->parent < 0) {
		return;
	}
	CHECK(f, -1,
	      memspace_region_del_subregion(f->nodes[n->parent].mr, n->mr) == 0,
	      "del_subregion %s", n->name);
	model_unlink(f, i);
}

static void
op_flag(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];
	int ret;

	switch (take(f, 5)) {
	case 0:
		ret = memspace_region_set_enabled(n->mr, !n->enabled);
		if (applied(f, "set_enabled", ret, has_cycle(f))) {
			n->enabled = !n->enabled;
		}
		break;
	case 1:
		ret = memspace_region_set_readonly(n->mr, !n->readonly);
		if (applied(f, "set_readonly", ret, false)) {
			n->readonly = !n->readonly;
		}
		break;
	case 2:
		ret = memspace_region_set_nonvolatile(n->mr, !n->nonvolatile);
		if (applied(f, "set_nonvolatile", ret, false)) {
			n->nonvolatile = !n->nonvolatile;
		}
		break;
	case 3:
		ret = memspace_region_set_unmergeable(n->mr, !n->unmergeable);
		if (applied(f, "set_unmergeable", ret, false)) {
			n->unmergeable = !n->unmergeable;
		}
		break;
	default:
		if (n->kind == MEMSPACE_REGION_ROM_DEVICE) {
			ret = memspace_region_set_romd(n->mr, !n->romd);
			if (applied(f, "set_romd", ret, false)) {
				n->romd = !n->romd;
			}
		}
		break;
	}
}

static void
op_move(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];
	uint64_t addr = take(f, 4) ? take_addr(f) : n->addr;
	int ret = memspace_region_set_address(n->mr, addr);

	if (!applied(f, "set_address", ret, has_cycle(f))) {
		return;
	}
	if (n->parent >= 0 && addr != n->addr) {
		int parent = n->parent;

		model_unlink(f, i);
		n->addr = addr;
		model_link(f, parent, i);
	}
	n->addr = addr;
}

static void
op_resize(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];
	i128 size = take_size(f, n->host_size != 0);
	int ret;

	if (n->host_size && size > n->host_size) {
		size = n->host_size;
	}
	ret = memspace_region_set_size(n->mr, size_to_api(size));
	if (applied(f, "set_size", ret, has_cycle(f))) {
		n->size = size;
	}
}

static void
op_alias_offset(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];
	uint64_t offset = take_addr(f) & ~0xffull;
	int ret;

	if (n->kind != MEMSPACE_REGION_ALIAS) {
		return;
	}
	ret = memspace_region_set_alias_offset(n->mr, offset);
	if (applied(f, "set_alias_offset", ret, has_cycle(f))) {
		n->alias_offset = offset;
	}
}

static void
op_eventfd(struct fuzz *f)
{
	int i = take_node(f);
	struct node *n = &f->nodes[i];
	uint64_t addr = take(f, 8) * 4;
	int fd;

	if (n->kind != MEMSPACE_REGION_IO) {
		return;
	}
	if (n->nr_fds && take(f, 2)) {
		int k = (int)take(f, (unsigned)n->nr_fds);

		CHECK(f, -1,
		      memspace_region_del_eventfd(n->mr, n->fd_addr[k], 4,
						  false, 0, n->fds[k]) == 0,
		      "del_eventfd");
		close(n->fds[k]);
		n->nr_fds--;
		n->fds[k] = n->fds[n->nr_fds];
		n->fd_addr[k] = n->fd_addr[n->nr_fds];
		return;
	}
	if (n->nr_fds == MAX_EVENTFDS) {
		return;
	}
	for (int k = 0; k < n->nr_fds; k++) {
		if (n->fd_addr[k] == addr) {
			return;
		}
	}
	fd = eventfd(0, EFD_CLOEXEC);
	CHECK(f, -1, fd >= 0, "eventfd");
	if (memspace_region_add_eventfd(n->mr, addr, 4, false, 0, fd) < 0) {
		close(fd); /* beyond the region: refused */
		CHECK(f, -1, (i128)addr + 4 > n->size, "add_eventfd refused");
		return;
	}
	n->fds[n->nr_fds] = fd;
	n->fd_addr[n->nr_fds++] = addr;
}

static void
space_create(struct fuzz *f, int s, int root)
{
	struct space *sp = &f->spaces[s];
	char name[8];

	snprintf(name, sizeof(name), "as%d", s);
	sp->as = memspace_addrspace_create(f->ms, name, f->nodes[root].mr);
	if (getenv("FUZZ_API_TRACE")) {
		fprintf(stderr, "%s on %s%s\n", name, f->nodes[root].name,
			sp->as ? "" : ": refused");
	}
	/* Refused only if the render would go round cycles too long. */
	if (!sp->as && errno == ELOOP && reaches_cycle(f, root)) {
		return;
	}
	CHECK(f, -1, sp->as, "addrspace_new on %s", f->nodes[root].name);
	sp->mirror.ranges =
		g_array_new(FALSE, FALSE, sizeof(struct memspace_section));
	sp->mirror.eventfds =
		g_array_new(FALSE, FALSE, sizeof(struct memspace_ioeventfd));
	sp->l = memspace_listener_register(sp->as, &mirror_ops, &sp->mirror, 0,
					   "mirror");
	CHECK(f, s, sp->l, "listener_register");
}

static void
space_destroy(struct fuzz *f, int s)
{
	struct space *sp = &f->spaces[s];

	CHECK(f, s, memspace_listener_unregister(sp->l) == 0, "unregister");
	CHECK(f, s, memspace_addrspace_destroy(sp->as) == 0, "destroy");
	g_array_free(sp->mirror.ranges, TRUE);
	g_array_free(sp->mirror.eventfds, TRUE);
	memset(sp, 0, sizeof(*sp));
}

/* Address spaces 1 and 2 come and go, on any region. */
static void
op_space(struct fuzz *f)
{
	int s = 1 + (int)take(f, MAX_ASES - 1);

	if (f->depth) {
		return;
	}
	int root;

	if (f->spaces[s].as) {
		space_destroy(f, s);
		return;
	}
	root = take_node(f);
	space_create(f, s, root);
}

/* The view pointers of every space, to check that a transaction defers. */
static void
views(struct fuzz *f, struct memspace_flatview **ret)
{
	for (int s = 0; s < MAX_ASES; s++) {
		ret[s] = f->spaces[s].as ? memspace_addrspace_get_flatview(
						   f->spaces[s].as) :
					   NULL;
		memspace_flatview_unref(ret[s]);
	}
}

static void
run(struct fuzz *f)
{
	struct memspace_flatview *held[MAX_ASES];
	bool trace = getenv("FUZZ_API_TRACE") != NULL;

	while (f->len) {
		struct memspace_flatview *now[MAX_ASES];
		unsigned op = take(f, 12);

		if (trace) {
			fprintf(stderr, "op %u, %zu bytes left, %d nodes\n", op,
				f->len, f->nr);
		}
		switch (op) {
		case 0:
		case 1:
			op_new(f);
			break;
		case 2:
		case 3:
			op_map(f);
			break;
		case 4:
			op_unmap(f);
			break;
		case 5:
			op_flag(f);
			break;
		case 6:
			op_move(f);
			break;
		case 7:
			op_resize(f);
			break;
		case 8:
			op_alias_offset(f);
			break;
		case 9:
			op_eventfd(f);
			break;
		case 10:
			op_space(f);
			break;
		default:
			if (take(f, 2) && f->depth < 3) {
				if (!f->depth) {
					views(f, held);
				}
				CHECK(f, -1,
				      memspace_transaction_begin(f->ms) == 0,
				      "begin");
				f->depth++;
			} else if (f->depth) {
				CHECK(f, -1,
				      memspace_transaction_commit(f->ms) == 0,
				      "commit");
				f->depth--;
			}
			break;
		}
		if (f->depth) {
			views(f, now);
			CHECK(f, 0, !memcmp(now, held, sizeof(now)),
			      "a view changed inside a transaction");
		} else {
			check_all(f);
		}
	}
	while (f->depth) {
		CHECK(f, -1, memspace_transaction_commit(f->ms) == 0, "commit");
		f->depth--;
	}
	check_all(f);
}

static void
setup(struct fuzz *f)
{
	f->ms = shared_context();
	new_node(f, MEMSPACE_REGION_CONTAINER, take(f, 4) ? TWO_64 : 0x10000,
		 -1, 0);
	space_create(f, 0, 0);
#if MEMSPACE_HAVE_KVM
	f->fake = memspace_kvm_fake_create();
	f->kvm = memspace_kvm_create_with_backend(memspace_kvm_fake_backend(),
					       f->fake);
	CHECK(f, -1, f->kvm, "kvm_new");
	f->kl = memspace_kvm_listener_register_memory(f->kvm, f->spaces[0].as,
						      0);
	CHECK(f, -1, f->kl, "kvm listener");
#endif
}

static void
teardown(struct fuzz *f)
{
#if MEMSPACE_HAVE_KVM
	CHECK(f, -1, memspace_kvm_listener_unregister(f->kl) == 0,
	      "kvm unregister");
	memspace_kvm_destroy(f->kvm);
	memspace_kvm_fake_destroy(f->fake);
#endif
	for (int s = 0; s < MAX_ASES; s++) {
		if (f->spaces[s].as) {
			space_destroy(f, s);
		}
	}
	for (int i = 0; i < f->nr; i++) {
		memspace_region_unref(f->nodes[i].mr);
	}
	for (int i = 0; i < f->nr; i++) {
		for (int k = 0; k < f->nodes[i].nr_fds; k++) {
			close(f->nodes[i].fds[k]);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = g_new0(struct fuzz, 1);

	f->in = data;
	f->len = size;
	setup(f);
	run(f);
	teardown(f);
	g_free(f);
	return 0;
}
