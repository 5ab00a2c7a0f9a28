/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace diff A B`: what a listener of each address space would be told
 * if the map changed from A to B, in listener order: the ranges deleted,
 * then the ranges added and kept, merged by address (QEMU's and memspace's
 * two-pass topology diff).
 *
 * The two maps are separate contexts.  Two exports of one context say
 * which regions are the same (memspace_export_json()'s "uid" under one
 * "source.context"); otherwise it is decided by matching the trees:
 * address spaces by name (and rank among equal names), their roots, then
 * subregions and alias targets of matched regions by name, identical
 * attributes first, then in order; remaining regions without a container
 * by name.
 */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "tool.h"

static int diff_run(int argc, char **argv);

const struct tool_command tool_diff_command = {
	.name = "diff",
	.synopsis = "[--json] A B",
	.summary = "what listeners are told when map A becomes map B",
	.run = diff_run,
};

static void
diff_help(void)
{
	tool_print_usage(stdout, &tool_diff_command);
	fputs("\n"
	      "For each address space whose flat view differs between the maps\n"
	      "A and B, print what its listeners would be told at the commit\n"
	      "that turns A into B, in listener order: deleted ranges (`-`),\n"
	      "then added (`+`) and kept (` `) ranges by address.  Exit status:\n"
	      "0 if A and B render the same, 1 if they differ, 2 on errors.\n"
	      "\n"
	      "  -j, --json  print a JSON document instead\n"
	      "  -h, --help  show this help\n",
	      stdout);
}

enum { DIFF_SAME = 0, DIFF_DIFFERENT = 1, DIFF_ERROR = 2 };

/* One region of a map document, for matching. */
struct dnode {
	const char *name;
	JsonObject *obj;
	int parent;
	GArray *children; /* int indices */
	int alias_target;
	int match; /* index in the other map, or -1 */
	GArray *evs; /* struct dev: the region's ioeventfds */
};

/* An ioeventfd as the export writes it (offset in its region). */
struct dev {
	uint64_t addr;
	uint64_t size;
	bool match_data;
	uint64_t data;
};

struct dmap {
	const char *path;
	struct map_load *ml;
	JsonParser *parser;
	struct dnode *nodes;
	guint nr;
	GHashTable *index; /* struct memspace_region * -> index + 1 */
};

static void
dmap_clear(struct dmap *m)
{
	map_load_free(m->ml);
	g_clear_object(&m->parser);
	for (guint i = 0; i < m->nr; i++) {
		g_array_free(m->nodes[i].children, TRUE);
		g_array_free(m->nodes[i].evs, TRUE);
	}
	g_free(m->nodes);
	if (m->index) {
		g_hash_table_unref(m->index);
	}
}

static int
member_int(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	return n && JSON_NODE_HOLDS_VALUE(n) ? (int)json_node_get_int(n) : -1;
}

static uint64_t
hex_member(JsonObject *o, const char *key)
{
	const char *s = json_object_get_string_member_with_default(o, key, "0");

	return g_ascii_strtoull(s, NULL, 16);
}

/* The "ioeventfds" extension of memspace_export_json(), if any. */
static GArray *
read_ioeventfds(JsonObject *o)
{
	GArray *evs = g_array_new(FALSE, FALSE, sizeof(struct dev));
	JsonArray *a;

	if (!json_object_has_member(o, "ioeventfds") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "ioeventfds"))) {
		return evs;
	}
	a = json_object_get_array_member(o, "ioeventfds");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *n = json_array_get_element(a, i);
		JsonObject *e;
		struct dev d;

		if (!JSON_NODE_HOLDS_OBJECT(n)) {
			continue;
		}
		e = json_node_get_object(n);
		d = (struct dev){
			.addr = hex_member(e, "addr"),
			.size = hex_member(e, "size"),
			.match_data = json_object_get_boolean_member_with_default(
				e, "match_data", FALSE),
			.data = hex_member(e, "data"),
		};
		g_array_append_val(evs, d);
	}
	return evs;
}

static int
lookup_id(GHashTable *by_id, int id)
{
	return (int)GPOINTER_TO_UINT(g_hash_table_lookup(
		       by_id, GINT_TO_POINTER(id))) - 1;
}

/* The loader has validated the document: read its structure.  The loaded
 * map lists its regions in document order. */
static void
dmap_index(struct dmap *m)
{
	JsonObject *doc = json_node_get_object(json_parser_get_root(m->parser));
	JsonArray *regions = json_object_get_array_member(doc, "regions");
	g_autoptr(GHashTable) by_id = g_hash_table_new(NULL, NULL);

	m->nr = json_array_get_length(regions);
	m->nodes = g_new0(struct dnode, m->nr);
	m->index = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < m->nr; i++) {
		JsonObject *o = json_array_get_object_element(regions, i);

		g_hash_table_insert(by_id, GINT_TO_POINTER(member_int(o, "id")),
				    GUINT_TO_POINTER(i + 1));
		g_hash_table_insert(m->index, m->ml->regions->pdata[i],
				    GUINT_TO_POINTER(i + 1));
	}
	for (guint i = 0; i < m->nr; i++) {
		JsonObject *o = json_array_get_object_element(regions, i);
		struct dnode *n = &m->nodes[i];
		JsonArray *c = json_object_get_array_member(o, "children");
		int parent = member_int(o, "parent");

		n->obj = o;
		n->name = json_object_get_string_member(o, "name");
		n->parent = parent < 0 ? -1 : lookup_id(by_id, parent);
		n->alias_target = -1;
		n->match = -1;
		n->children = g_array_new(FALSE, FALSE, sizeof(int));
		n->evs = read_ioeventfds(o);
		for (guint k = 0; k < json_array_get_length(c); k++) {
			int child = lookup_id(
				by_id, (int)json_array_get_int_element(c, k));

			g_array_append_val(n->children, child);
		}
		if (json_object_has_member(o, "alias")) {
			JsonObject *a = json_object_get_object_member(o, "alias");

			n->alias_target = lookup_id(by_id,
						    member_int(a, "target"));
		}
	}
}

static bool
dmap_load(struct dmap *m, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize len;

	m->path = path;
	if (!g_file_get_contents(path, &text, &len, &error)) {
		fprintf(stderr, "memspace: %s: cannot read: %s\n", path,
			error->message);
		return false;
	}
	m->ml = map_load_data(text, (gssize)len, &error);
	if (!m->ml) {
		fprintf(stderr, "memspace: %s: %s\n", path, error->message);
		return false;
	}
	m->parser = json_parser_new();
	if (!json_parser_load_from_data(m->parser, text, (gssize)len, NULL)) {
		fprintf(stderr, "memspace: %s: cannot parse\n", path);
		return false;
	}
	dmap_index(m);
	return true;
}

/* Matching. */

/* Same attributes as far as the matching cares (not the children). */
static bool
same_attrs(const struct dnode *a, const struct dnode *b)
{
	static const char *const keys[] = { "type", "addr", "size", "priority",
					    "enabled", "readonly",
					    "nonvolatile", "terminates" };

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		JsonNode *x = json_object_get_member(a->obj, keys[i]);
		JsonNode *y = json_object_get_member(b->obj, keys[i]);

		if (!x || !y || !json_node_equal(x, y)) {
			return false;
		}
	}
	return true;
}

static void
pair(struct dmap *a, struct dmap *b, int i, int j, GArray *queue)
{
	a->nodes[i].match = j;
	b->nodes[j].match = i;
	g_array_append_val(queue, i);
}

/* Pair the unmatched regions of @la and @lb (indices) with equal names:
 * identical attributes first, then in list order. */
static void
pair_lists(struct dmap *a, struct dmap *b, const GArray *la, const GArray *lb,
	   GArray *queue)
{
	for (int pass = 0; pass < 2; pass++) {
		for (guint x = 0; x < la->len; x++) {
			int i = g_array_index(la, int, x);

			for (guint y = 0; y < lb->len && a->nodes[i].match < 0;
			     y++) {
				int j = g_array_index(lb, int, y);

				if (b->nodes[j].match < 0 &&
				    strcmp(a->nodes[i].name,
					   b->nodes[j].name) == 0 &&
				    (pass || same_attrs(&a->nodes[i],
							&b->nodes[j]))) {
					pair(a, b, i, j, queue);
				}
			}
		}
	}
}

static void
pair_one(struct dmap *a, struct dmap *b, int i, int j, GArray *queue)
{
	if (i >= 0 && j >= 0 && a->nodes[i].match < 0 &&
	    b->nodes[j].match < 0) {
		pair(a, b, i, j, queue);
	}
}

/* Subregions and alias targets of matched regions, breadth first. */
static void
pair_closure(struct dmap *a, struct dmap *b, GArray *queue)
{
	for (guint q = 0; q < queue->len; q++) {
		int i = g_array_index(queue, int, q);
		int j = a->nodes[i].match;

		pair_lists(a, b, a->nodes[i].children, b->nodes[j].children,
			   queue);
		pair_one(a, b, a->nodes[i].alias_target,
			 b->nodes[j].alias_target, queue);
	}
}

static GArray *
parentless(const struct dmap *m)
{
	GArray *l = g_array_new(FALSE, FALSE, sizeof(int));

	for (guint i = 0; i < m->nr; i++) {
		if (m->nodes[i].parent < 0) {
			int v = (int)i;

			g_array_append_val(l, v);
		}
	}
	return l;
}

/* The address space of @m paired with @as of the other map: same name,
 * same rank among address spaces of that name. */
static struct memspace_addrspace *
as_partner(const struct map_load *ml, const struct map_load *other,
	   guint index)
{
	const char *name =
		memspace_addrspace_get_name(other->addrspaces->pdata[index]);
	guint rank = 0;

	for (guint i = 0; i < index; i++) {
		rank += strcmp(memspace_addrspace_get_name(
				       other->addrspaces->pdata[i]),
			       name) == 0;
	}
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_addrspace *as = ml->addrspaces->pdata[i];

		if (strcmp(memspace_addrspace_get_name(as), name) == 0 &&
		    rank-- == 0) {
			return as;
		}
	}
	return NULL;
}

static int
region_index(const struct dmap *m, const struct memspace_region *mr)
{
	return (int)GPOINTER_TO_UINT(g_hash_table_lookup(m->index, mr)) - 1;
}

/* The context number of an export, or NULL. */
static const char *
doc_context(const struct dmap *m)
{
	JsonObject *doc = json_node_get_object(json_parser_get_root(m->parser));
	JsonNode *src = json_object_get_member(doc, "source");

	if (!src || !JSON_NODE_HOLDS_OBJECT(src)) {
		return NULL;
	}
	return json_object_get_string_member_with_default(
		json_node_get_object(src), "context", NULL);
}

/*
 * Two exports of one context (same "source.context") name every region
 * with its creation number ("uid"): then a region is the same exactly when
 * its number is.  Returns false when that does not apply.
 */
static bool
match_by_uid(struct dmap *a, struct dmap *b)
{
	const char *ca = doc_context(a), *cb = doc_context(b);
	g_autoptr(GHashTable) uids = g_hash_table_new(g_int64_hash,
						      g_int64_equal);
	g_autofree gint64 *keys = g_new(gint64, b->nr);

	if (!ca || !cb || strcmp(ca, cb) != 0) {
		return false;
	}
	for (guint j = 0; j < b->nr; j++) {
		if (!json_object_has_member(b->nodes[j].obj, "uid")) {
			return false;
		}
		keys[j] = json_object_get_int_member(b->nodes[j].obj, "uid");
		g_hash_table_insert(uids, &keys[j], GUINT_TO_POINTER(j + 1));
	}
	for (guint i = 0; i < a->nr; i++) {
		gint64 uid;
		guint j;

		if (!json_object_has_member(a->nodes[i].obj, "uid")) {
			return false;
		}
		uid = json_object_get_int_member(a->nodes[i].obj, "uid");
		j = GPOINTER_TO_UINT(g_hash_table_lookup(uids, &uid));
		if (j) {
			a->nodes[i].match = (int)j - 1;
			b->nodes[j - 1].match = (int)i;
		}
	}
	return true;
}

static void
match_maps(struct dmap *a, struct dmap *b)
{
	g_autoptr(GArray) queue = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GArray) la = parentless(a);
	g_autoptr(GArray) lb = parentless(b);

	if (match_by_uid(a, b)) {
		return;
	}
	for (guint k = 0; k < b->ml->addrspaces->len; k++) {
		struct memspace_addrspace *as_a =
			as_partner(a->ml, b->ml, k);

		if (as_a) {
			pair_one(a, b,
				 region_index(a, memspace_addrspace_get_root(as_a)),
				 region_index(b, memspace_addrspace_get_root(
							 b->ml->addrspaces->pdata[k])),
				 queue);
		}
	}
	pair_closure(a, b, queue);
	pair_lists(a, b, la, lb, queue);
	pair_closure(a, b, queue);
}

/* The listener diff. */

/* A range with its region's identity across both maps. */
struct drange {
	struct memspace_section sec;
	int key;
};

static GArray *
view_ranges(const struct dmap *m, const struct dmap *other,
	    struct memspace_addrspace *as, bool is_b)
{
	GArray *r = g_array_new(FALSE, FALSE, sizeof(struct drange));
	struct memspace_flatview *fv;

	if (!as) {
		return r;
	}
	fv = memspace_addrspace_get_flatview(as);
	for (size_t i = 0; i < memspace_flatview_nr_ranges(fv); i++) {
		struct drange d;
		int idx;

		memspace_flatview_get_range(fv, i, &d.sec);
		idx = region_index(m, d.sec.mr);
		/* Regions of A keep their index; B's matched ones take it. */
		d.key = !is_b ? idx :
			m->nodes[idx].match >= 0 ? m->nodes[idx].match :
						   (int)other->nr + idx;
		g_array_append_val(r, d);
	}
	memspace_flatview_unref(fv);
	return r;
}

static bool
drange_equal(const struct drange *x, const struct drange *y)
{
	return x->key == y->key && x->sec.start == y->sec.start &&
	       x->sec.last == y->sec.last &&
	       x->sec.offset_in_region == y->sec.offset_in_region &&
	       x->sec.readonly == y->sec.readonly &&
	       x->sec.nonvolatile == y->sec.nonvolatile &&
	       x->sec.romd == y->sec.romd &&
	       x->sec.unmergeable == y->sec.unmergeable;
}

/*
 * An ioeventfd of an address space: visible where its whole byte range
 * (first byte for any size) lies in one flat range showing its region, at
 * that range's address (memspace's rule); @key and @ord identify the
 * registration across the maps (region, and rank among equal entries).
 */
struct dfd {
	struct dev e; /* addr: guest address */
	int key;
	guint ord;
	const struct memspace_section *sec; /* the range showing it */
	uint64_t offset;		     /* in the region */
};

static int
dfd_cmp(const void *pa, const void *pb)
{
	const struct dfd *a = pa, *b = pb;

	if (a->e.addr != b->e.addr) {
		return a->e.addr < b->e.addr ? -1 : 1;
	}
	if (a->e.size != b->e.size) {
		return a->e.size < b->e.size ? -1 : 1;
	}
	if (a->e.match_data != b->e.match_data) {
		return a->e.match_data ? 1 : -1;
	}
	if (a->e.data != b->e.data) {
		return a->e.data < b->e.data ? -1 : 1;
	}
	if (a->key != b->key) {
		return a->key < b->key ? -1 : 1;
	}
	return (a->ord > b->ord) - (a->ord < b->ord);
}

static GArray *
ioeventfd_set(const struct dmap *m, const GArray *ranges)
{
	GArray *set = g_array_new(FALSE, FALSE, sizeof(struct dfd));

	for (guint i = 0; i < ranges->len; i++) {
		const struct drange *r = &g_array_index(ranges, struct drange, i);
		const GArray *evs =
			m->nodes[region_index(m, r->sec.mr)].evs;
		uint64_t lo = r->sec.offset_in_region;
		uint64_t hi = lo + (r->sec.last - r->sec.start);

		for (guint k = 0; k < evs->len; k++) {
			const struct dev *e = &g_array_index(evs, struct dev, k);
			uint64_t elast = e->addr + (e->size ? e->size - 1 : 0);
			struct dfd f = { .e = *e, .key = r->key, .sec = &r->sec,
					 .offset = e->addr };

			if (e->addr < lo || e->addr > hi || elast > hi ||
			    elast < e->addr) {
				continue;
			}
			for (guint p = 0; p < k; p++) {
				const struct dev *q =
					&g_array_index(evs, struct dev, p);

				f.ord += q->addr == e->addr &&
					 q->size == e->size &&
					 q->match_data == e->match_data &&
					 q->data == e->data;
			}
			f.e.addr = r->sec.start + (e->addr - lo);
			g_array_append_val(set, f);
		}
	}
	g_array_sort(set, dfd_cmp);
	return set;
}

/* Entries only in @a (deleted: @del) or only in @b. */
static GArray *
ioeventfd_only(const GArray *a, const GArray *b)
{
	GArray *only = g_array_new(FALSE, FALSE, sizeof(struct dfd));
	guint i = 0, j = 0;

	while (i < a->len) {
		const struct dfd *x = &g_array_index(a, struct dfd, i);
		int c = j < b->len ? dfd_cmp(x, &g_array_index(b, struct dfd, j)) :
				     -1;

		if (c < 0) {
			g_array_append_val(only, *x);
			i++;
		} else if (c > 0) {
			j++;
		} else {
			i++;
			j++;
		}
	}
	return only;
}

enum dop { DOP_DEL, DOP_ADD, DOP_NOP };

static const char *const dop_names[] = { "region_del", "region_add",
					 "region_nop" };
static const char dop_marks[] = { '-', '+', ' ' };

struct devent {
	enum dop op;
	const struct memspace_section *sec;
};

/* The two passes of the topology diff, as events. */
static GArray *
diff_views(const GArray *o, const GArray *n)
{
	GArray *ev = g_array_new(FALSE, FALSE, sizeof(struct devent));

	for (int adding = 0; adding < 2; adding++) {
		guint i = 0, j = 0;

		while (i < o->len || j < n->len) {
			const struct drange *x =
				i < o->len ? &g_array_index(o, struct drange, i) :
					     NULL;
			const struct drange *y =
				j < n->len ? &g_array_index(n, struct drange, j) :
					     NULL;
			struct devent e;

			if (x && (!y || x->sec.start < y->sec.start ||
				  (x->sec.start == y->sec.start &&
				   !drange_equal(x, y)))) {
				e = (struct devent){ DOP_DEL, &x->sec };
				i++;
				if (adding) {
					continue;
				}
			} else if (x && drange_equal(x, y)) {
				e = (struct devent){ DOP_NOP, &y->sec };
				i++;
				j++;
				if (!adding) {
					continue;
				}
			} else {
				e = (struct devent){ DOP_ADD, &y->sec };
				j++;
				if (!adding) {
					continue;
				}
			}
			g_array_append_val(ev, e);
		}
	}
	return ev;
}

static bool
events_change(const GArray *ev)
{
	for (guint i = 0; i < ev->len; i++) {
		if (g_array_index(ev, struct devent, i).op != DOP_NOP) {
			return true;
		}
	}
	return false;
}

/* One address space of either map (or both). */
struct das {
	const char *name;
	guint index; /* in A, or in B if only there */
	struct memspace_addrspace *a, *b;
	GArray *old_r, *new_r, *events;
	GArray *old_fds, *new_fds, *fd_del, *fd_add;
};

static void
das_clear(struct das *d)
{
	g_array_free(d->old_r, TRUE);
	g_array_free(d->new_r, TRUE);
	g_array_free(d->events, TRUE);
	g_array_free(d->old_fds, TRUE);
	g_array_free(d->new_fds, TRUE);
	g_array_free(d->fd_del, TRUE);
	g_array_free(d->fd_add, TRUE);
}

/* Whether listeners of @d are told anything. */
static bool
das_changed(const struct das *d)
{
	return !d->a || !d->b || events_change(d->events) || d->fd_del->len ||
	       d->fd_add->len;
}

static GArray *
collect(struct dmap *a, struct dmap *b)
{
	GArray *all = g_array_new(FALSE, TRUE, sizeof(struct das));

	g_array_set_clear_func(all, (GDestroyNotify)das_clear);
	for (guint k = 0; k < a->ml->addrspaces->len; k++) {
		struct das d = { .a = a->ml->addrspaces->pdata[k], .index = k };

		d.name = memspace_addrspace_get_name(d.a);
		d.b = as_partner(b->ml, a->ml, k);
		g_array_append_val(all, d);
	}
	for (guint k = 0; k < b->ml->addrspaces->len; k++) {
		struct das d = { .b = b->ml->addrspaces->pdata[k], .index = k };

		if (!as_partner(a->ml, b->ml, k)) {
			d.name = memspace_addrspace_get_name(d.b);
			g_array_append_val(all, d);
		}
	}
	for (guint k = 0; k < all->len; k++) {
		struct das *d = &g_array_index(all, struct das, k);

		d->old_r = view_ranges(a, b, d->a, false);
		d->new_r = view_ranges(b, a, d->b, true);
		d->events = diff_views(d->old_r, d->new_r);
		/* A view that did not change is not re-reported. */
		if (!events_change(d->events)) {
			g_array_set_size(d->events, 0);
		}
		d->old_fds = ioeventfd_set(a, d->old_r);
		d->new_fds = ioeventfd_set(b, d->new_r);
		d->fd_del = ioeventfd_only(d->old_fds, d->new_fds);
		d->fd_add = ioeventfd_only(d->new_fds, d->old_fds);
	}
	return all;
}

/* "- ioeventfd ADDR/SIZE any|=DATA: NAME @OFFSET" */
static void
print_fds(const GArray *fds, char mark)
{
	for (guint i = 0; i < fds->len; i++) {
		const struct dfd *f = &g_array_index(fds, struct dfd, i);

		printf("%c ioeventfd %016" PRIx64 "/%" PRIu64, mark, f->e.addr,
		       f->e.size);
		if (f->e.match_data) {
			printf(" =%#" PRIx64, f->e.data);
		} else {
			fputs(" any", stdout);
		}
		printf(": %s @%016" PRIx64 "\n",
		       memspace_region_get_name(f->sec->mr), f->offset);
	}
}

static void
json_fds(JsonBuilder *jb, const char *key, const GArray *fds)
{
	json_builder_set_member_name(jb, key);
	json_builder_begin_array(jb);
	for (guint i = 0; i < fds->len; i++) {
		const struct dfd *f = &g_array_index(fds, struct dfd, i);

		json_builder_begin_object(jb);
		tool_json_hex(jb, "addr", f->e.addr);
		tool_json_hex(jb, "size", f->e.size);
		json_builder_set_member_name(jb, "match_data");
		json_builder_add_boolean_value(jb, f->e.match_data);
		tool_json_hex(jb, "data", f->e.data);
		json_builder_set_member_name(jb, "name");
		json_builder_add_string_value(
			jb, memspace_region_get_name(f->sec->mr));
		tool_json_hex(jb, "offset", f->offset);
		json_builder_end_object(jb);
	}
	json_builder_end_array(jb);
}

static void
print_text(const struct dmap *a, const struct dmap *b, const GArray *all)
{
	bool header = false;

	for (guint k = 0; k < all->len; k++) {
		const struct das *d = &g_array_index(all, struct das, k);

		if (!das_changed(d)) {
			continue;
		}
		if (!header) {
			printf("--- %s\n+++ %s\n", a->path, b->path);
			header = true;
		}
		printf("address-space: %s%s\n", d->name,
		       !d->a ? " (only in B)" : !d->b ? " (only in A)" : "");
		for (guint i = 0; i < d->events->len; i++) {
			const struct devent *e =
				&g_array_index(d->events, struct devent, i);

			printf("%c ", dop_marks[e->op]);
			tool_print_range(stdout, e->sec);
			putchar('\n');
		}
		print_fds(d->fd_del, '-');
		print_fds(d->fd_add, '+');
	}
}

static int
print_json(const GArray *all, bool changed)
{
	g_autoptr(JsonBuilder) jb = json_builder_new();

	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "changed");
	json_builder_add_boolean_value(jb, changed);
	json_builder_set_member_name(jb, "address_spaces");
	json_builder_begin_array(jb);
	for (guint k = 0; k < all->len; k++) {
		const struct das *d = &g_array_index(all, struct das, k);

		if (!das_changed(d)) {
			continue;
		}
		json_builder_begin_object(jb);
		json_builder_set_member_name(jb, "name");
		json_builder_add_string_value(jb, d->name);
		json_builder_set_member_name(jb, "index");
		json_builder_add_int_value(jb, d->index);
		json_builder_set_member_name(jb, "in");
		json_builder_add_string_value(jb, !d->a ? "B" : !d->b ? "A" :
								      "both");
		json_builder_set_member_name(jb, "events");
		json_builder_begin_array(jb);
		for (guint i = 0; i < d->events->len; i++) {
			const struct devent *e =
				&g_array_index(d->events, struct devent, i);

			json_builder_begin_object(jb);
			json_builder_set_member_name(jb, "callback");
			json_builder_add_string_value(jb, dop_names[e->op]);
			tool_json_range_members(jb, e->sec);
			json_builder_end_object(jb);
		}
		json_builder_end_array(jb);
		json_fds(jb, "eventfd_del", d->fd_del);
		json_fds(jb, "eventfd_add", d->fd_add);
		json_builder_end_object(jb);
	}
	json_builder_end_array(jb);
	json_builder_end_object(jb);
	return tool_json_print(jb);
}

static int
diff_maps(const char *path_a, const char *path_b, bool json)
{
	struct dmap a = { 0 }, b = { 0 };
	int status = DIFF_ERROR;

	if (dmap_load(&a, path_a) && dmap_load(&b, path_b)) {
		g_autoptr(GArray) all = NULL;
		bool changed = false;

		match_maps(&a, &b);
		all = collect(&a, &b);
		for (guint k = 0; k < all->len; k++) {
			const struct das *d = &g_array_index(all, struct das, k);

			changed |= das_changed(d);
		}
		if (json) {
			status = print_json(all, changed) == TOOL_OK ?
					 changed : DIFF_ERROR;
		} else {
			print_text(&a, &b, all);
			status = fflush(stdout) == 0 ? changed : DIFF_ERROR;
		}
	}
	dmap_clear(&a);
	dmap_clear(&b);
	return status;
}

static int
diff_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			diff_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_diff_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	if (argc - optind != 2) {
		return tool_usage_error(&tool_diff_command,
					"expected two maps A and B");
	}
	return diff_maps(argv[optind], argv[optind + 1], json);
}
