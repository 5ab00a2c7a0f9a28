/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a parsed `info mtree` dump to a region graph: which printed lines
 * are the same region, which region each alias targets, and the attributes
 * the text does not show (conformance/FORMAT.md, "What the tree dump does
 * NOT contain"), recovered from the flat dump when one is given.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "mtree-text.h"
#include "tool.h"

#define MT_ERROR (g_quark_from_static_string("mtree-text-error"))

static bool
is_alias(const struct mt_node *n)
{
	return n->target_name != NULL;
}

static bool
is_io(const struct mt_node *n)
{
	return strcmp(n->type, "i/o") == 0;
}

/* Offset in the printed parent (a level-1 line: its own address). */
static uint64_t
node_addr(const struct mt_node *n)
{
	return n->parent ? n->start - n->parent->start : n->start;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0x100000001b3ull;
}

static uint64_t
mix_str(uint64_t h, const char *s)
{
	return mix(h, s ? g_str_hash(s) : 0x5bd1e995u);
}

/* Everything a line prints except its absolute start. */
static uint64_t
line_hash(const struct mt_node *n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = mix_str(h, n->name);
	h = mix_str(h, n->type);
	h = mix_str(h, n->owner);
	h = mix_str(h, n->target_name);
	h = mix(h, n->size);
	h = mix(h, n->alias_offset);
	h = mix(h, (uint64_t)(uint32_t)n->priority);
	return mix(h, (uint64_t)n->nonvolatile << 2 | (uint64_t)n->enabled << 1 |
			      n->hidden);
}

/* Children have larger print indices than their parent. */
static void
compute_hashes(struct mt_tree *t)
{
	for (guint i = t->nodes->len; i-- > 0;) {
		struct mt_node *n = t->nodes->pdata[i];

		n->hash = line_hash(n);
		n->nr_nodes = 1;
		for (guint c = 0; c < n->children->len; c++) {
			struct mt_node *k = n->children->pdata[c];

			n->hash = mix(mix(n->hash, k->start - n->start),
				      k->hash);
			n->nr_nodes += k->nr_nodes;
		}
	}
}

static bool
same_line(const struct mt_node *a, const struct mt_node *b)
{
	return g_strcmp0(a->name, b->name) == 0 &&
	       strcmp(a->type, b->type) == 0 &&
	       g_strcmp0(a->owner, b->owner) == 0 &&
	       g_strcmp0(a->target_name, b->target_name) == 0 &&
	       a->size == b->size && a->alias_offset == b->alias_offset &&
	       a->priority == b->priority && a->nonvolatile == b->nonvolatile &&
	       a->enabled == b->enabled && a->hidden == b->hidden &&
	       a->children->len == b->children->len;
}

/* Same printed subtree (relative addresses). */
static bool
same_print(const struct mt_node *a, const struct mt_node *b)
{
	if (a->hash != b->hash || !same_line(a, b)) {
		return false;
	}
	for (guint i = 0; i < a->children->len; i++) {
		const struct mt_node *x = a->children->pdata[i];
		const struct mt_node *y = b->children->pdata[i];

		if (x->start - a->start != y->start - b->start ||
		    !same_print(x, y)) {
			return false;
		}
	}
	return true;
}

static void
map_canon(struct mt_node *dup, struct mt_node *orig)
{
	dup->canon = orig;
	for (guint i = 0; i < dup->children->len; i++) {
		map_canon(dup->children->pdata[i], orig->children->pdata[i]);
	}
}

static struct mt_block *
block_of(const struct mt_tree *t, const struct mt_node *n)
{
	return t->blocks->pdata[n->block];
}

/* Larger blocks first; address-space blocks before memory-region blocks of
 * the same size (a memory-region block may repeat an address space's
 * root, never the other way round). */
static int
block_size_cmp(const void *pa, const void *pb)
{
	const struct mt_block *a = *(struct mt_block *const *)pa;
	const struct mt_block *b = *(struct mt_block *const *)pb;

	if (a->root->nr_nodes != b->root->nr_nodes) {
		return a->root->nr_nodes > b->root->nr_nodes ? -1 : 1;
	}
	if (!a->mr_name != !b->mr_name) {
		return a->mr_name ? 1 : -1;
	}
	return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * A block prints a region again when its tree equals, line for line, a
 * subtree printed in another block at the region's own address: QEMU
 * prints `memory-region: system` after the `memory` address space, and
 * `memory-region: pc.bios` although pc.bios sits inside pci.
 */
static void
find_repeated_blocks(struct mt_tree *t)
{
	g_autoptr(GPtrArray) order = g_ptr_array_sized_new(t->blocks->len);
	g_autoptr(GHashTable) claimed = g_hash_table_new(NULL, NULL);

	for (guint i = 0; i < t->blocks->len; i++) {
		g_ptr_array_add(order, t->blocks->pdata[i]);
	}

	g_ptr_array_sort(order, block_size_cmp);
	for (guint i = 0; i < order->len; i++) {
		struct mt_block *b = order->pdata[i];

		for (guint j = 0; j < t->nodes->len && !b->dup_of; j++) {
			struct mt_node *n = t->nodes->pdata[j];
			struct mt_block *nb = block_of(t, n);

			if (nb == b || nb->dup_of ||
			    (!n->parent && (!b->mr_name || nb->mr_name)) ||
			    g_hash_table_contains(claimed, n) ||
			    node_addr(n) != b->root->start ||
			    !same_print(b->root, n)) {
				continue;
			}
			b->dup_of = n;
			g_hash_table_add(claimed, n);
			map_canon(b->root, n);
		}
	}
}

/* The region a memory-region block prints. */
static struct mt_node *
block_region(const struct mt_block *b)
{
	return b->dup_of ? b->dup_of->canon : b->root;
}

/* Whether a subregion of @target lies in the window @alias shows. */
static bool
shows_content(const struct mt_node *alias, const struct mt_node *target)
{
	for (guint i = 0; i < target->children->len; i++) {
		const struct mt_node *c = target->children->pdata[i];
		uint64_t off = c->start - target->start - alias->alias_offset;

		if (alias->size == UINT64_MAX || off < alias->size) {
			return true;
		}
	}
	return false;
}

static int
target_score(const struct mt_node *alias, const struct mt_node *target)
{
	int score = 0;

	if (alias->owner && g_strcmp0(alias->owner, target->owner) == 0) {
		score += 8;
	}
	if (strcmp(alias->type, target->type) == 0) {
		score += 4;
	}
	if (shows_content(alias, target)) {
		score += 2;
	}
	if (target->size == UINT64_MAX ||
	    (alias->alias_offset < target->size &&
	     alias->size - 1 <= target->size - 1 - alias->alias_offset)) {
		score += 1;
	}
	return score;
}

/*
 * QEMU queues the target of every alias it meets while printing (each
 * region once) and prints the queue as memory-region blocks: replaying
 * that, an alias targets either a block already queued or the next one.
 * Among same-named candidates, the owner, the type, whether the window
 * shows some of the candidate's subregions and whether it fits decide; on
 * a tie, the next block (a new target), else the first queued one.
 */
static bool
resolve_targets(struct mt_tree *t, GError **error)
{
	g_autoptr(GPtrArray) mr = g_ptr_array_new();
	guint next = 0;

	for (guint i = 0; i < t->blocks->len; i++) {
		struct mt_block *b = t->blocks->pdata[i];

		if (b->mr_name) {
			g_ptr_array_add(mr, b);
		}
	}
	for (guint i = 0; i < t->nodes->len; i++) {
		struct mt_node *a = t->nodes->pdata[i];
		struct mt_node *best = NULL;
		int best_score = -1;
		guint best_new = G_MAXUINT;

		if (!is_alias(a)) {
			continue;
		}
		for (guint j = 0; j < mr->len; j++) {
			struct mt_block *b = mr->pdata[j];
			struct mt_node *r = block_region(b);
			int score;

			if (strcmp(b->mr_name, a->target_name) != 0) {
				continue;
			}
			if (j >= next && best_new != G_MAXUINT) {
				break; /* only the first new block counts */
			}
			score = target_score(a, r);
			if (score > best_score ||
			    (score == best_score && j >= next)) {
				best = r;
				best_score = score;
				best_new = j >= next ? j : G_MAXUINT;
			}
			if (j >= next) {
				break;
			}
		}
		if (!best) {
			return g_set_error(error, MT_ERROR, 0,
					   "%u: alias target \"%s\" is printed "
					   "in no memory-region block",
					   a->line, a->target_name),
			       false;
		}
		if (best_new != G_MAXUINT) {
			next = best_new + 1;
		}
		if (!a->canon->target) {
			a->canon->target = best;
		}
	}
	return true;
}

/*
 * Render order among siblings: priority descending; at the same address
 * the print order (which is QEMU's list order); otherwise the tree does not
 * tell, and the smaller region, then the higher address, wins (FORMAT.md).
 */
static int
render_cmp(const void *pa, const void *pb)
{
	const struct mt_node *a = *(struct mt_node *const *)pa;
	const struct mt_node *b = *(struct mt_node *const *)pb;

	if (a->priority != b->priority) {
		return a->priority > b->priority ? -1 : 1;
	}
	if (a->start != b->start) {
		if (a->size != b->size) {
			return a->size < b->size ? -1 : 1;
		}
		return a->start > b->start ? -1 : 1;
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

static void
sort_render_order(struct mt_tree *t)
{
	for (guint i = 0; i < t->nodes->len; i++) {
		struct mt_node *n = t->nodes->pdata[i];

		if (n->canon == n) {
			g_ptr_array_sort(n->children, render_cmp);
		}
	}
}

/* Flat-dump inference. */

struct walk {
	uint64_t addr;
	const char *name;
	GPtrArray *path; /* from the terminating region up */
	uint64_t end;	 /* last address of the piece found */
};

static void
walk_bound(struct walk *w, const struct mt_node *n, uint64_t abs)
{
	if (n->size != UINT64_MAX && n->size &&
	    abs + (n->size - 1) >= w->addr) {
		w->end = MIN(w->end, abs + (n->size - 1));
	}
}

static bool
covers(uint64_t base, const struct mt_node *n, uint64_t addr)
{
	uint64_t off = addr - base;

	return n->size == UINT64_MAX || off < n->size;
}

/* The region named w->name that renders w->addr below @n (placed at
 * @base + its address), or NULL; a container of that name with subregions
 * counts, since it may terminate. */
static struct mt_node *
walk_find(struct walk *w, struct mt_node *n, uint64_t base)
{
	uint64_t abs = base + node_addr(n);
	struct mt_node *found = NULL;

	if (!n->enabled || !covers(abs, n, w->addr)) {
		return NULL;
	}
	if (n->target) {
		found = walk_find(w, n->target,
				  abs - n->alias_offset - node_addr(n->target));
	} else {
		for (guint i = 0; i < n->children->len && !found; i++) {
			found = walk_find(w, n->children->pdata[i], abs);
		}
		if (!found && strcmp(n->name, w->name) == 0 &&
		    (n->terminates || n->children->len)) {
			walk_bound(w, n, abs);
			return n; /* the caller's path starts here */
		}
	}
	if (found) {
		g_ptr_array_add(w->path, n);
		walk_bound(w, n, abs);
	}
	return found;
}

/* The root regions of the address spaces named in a flat view. */
static void
view_roots(struct mt_tree *t, const struct mt_view *v, GPtrArray *roots)
{
	for (guint i = 0; i < t->blocks->len; i++) {
		struct mt_block *b = t->blocks->pdata[i];
		struct mt_node *root = b->dup_of ? b->dup_of : b->root;

		for (guint j = 0; j < b->as_names->len; j++) {
			for (guint k = 0; k < v->as_names->len; k++) {
				if (strcmp(b->as_names->pdata[j],
					   v->as_names->pdata[k]) == 0 &&
				    strcmp(root->name,
					   v->root_names->pdata[k]) == 0 &&
				    !g_ptr_array_find(roots, root, NULL)) {
					g_ptr_array_add(roots, root);
				}
			}
		}
	}
}

/* A range printed `rom` whose path has no read-only region: the nearest
 * alias on the path, else the nearest container, else the region itself. */
static void
infer_readonly(GPtrArray *path, struct mt_node *found)
{
	struct mt_node *pick = NULL;

	if (found->readonly) {
		return;
	}
	for (guint i = 0; i < path->len; i++) {
		if (((struct mt_node *)path->pdata[i])->readonly) {
			return;
		}
	}
	for (guint i = 0; i < path->len && !pick; i++) {
		struct mt_node *n = path->pdata[i];

		if (is_alias(n)) {
			pick = n;
		}
	}
	for (guint i = 0; i < path->len && !pick; i++) {
		struct mt_node *n = path->pdata[i];

		if (!n->terminates) {
			pick = n;
		}
	}
	if (!pick) {
		pick = found;
	}
	pick->readonly = true;
	pick->inferred_readonly = true;
}

static void
infer_from_range(struct mt_tree *t, GPtrArray *roots,
		 const struct mt_range *r)
{
	g_autoptr(GPtrArray) path = g_ptr_array_new();
	struct walk w = { .addr = r->start, .name = r->name, .path = path };

	/* A range may merge pieces reached through different aliases. */
	for (;;) {
		struct mt_node *found = NULL;

		for (guint i = 0; i < roots->len && !found; i++) {
			g_ptr_array_set_size(path, 0);
			w.end = UINT64_MAX;
			found = walk_find(&w, roots->pdata[i], 0);
		}
		if (!found) {
			return; /* reported by the caller's comparison */
		}
		if (!found->terminates) {
			found->terminates = true;
			found->inferred_terminates = true;
		}
		if (strcmp(r->type, "rom") != 0) {
			return;
		}
		infer_readonly(path, found);
		if (w.end >= r->last) {
			return;
		}
		w.addr = w.end + 1;
	}
}

static bool
enabled_chain(const struct mt_node *n)
{
	for (; n; n = n->parent) {
		if (!n->enabled) {
			return false;
		}
	}
	return true;
}

static void
infer_from_flat(struct mt_tree *t, GPtrArray *views)
{
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < views->len; i++) {
		const struct mt_view *v = views->pdata[i];

		for (guint j = 0; j < v->ranges->len; j++) {
			g_hash_table_add(names, g_array_index(v->ranges,
							      struct mt_range,
							      j).name);
		}
	}
	/* An enabled I/O leaf that no range names is an empty container
	 * (if it terminated, it would show somewhere, or be hidden by
	 * regions that hide a container's holes as well). */
	for (guint i = 0; i < t->nodes->len; i++) {
		struct mt_node *n = t->nodes->pdata[i];

		if (n->canon == n && !is_alias(n) && is_io(n) && !n->hidden &&
		    !n->children->len && enabled_chain(n) &&
		    !g_hash_table_contains(names, n->name)) {
			n->terminates = false;
			n->inferred_terminates = true;
		}
	}
	for (guint i = 0; i < views->len; i++) {
		const struct mt_view *v = views->pdata[i];
		g_autoptr(GPtrArray) roots = g_ptr_array_new();

		view_roots(t, v, roots);
		for (guint j = 0; j < v->ranges->len; j++) {
			infer_from_range(t, roots,
					 &g_array_index(v->ranges,
							struct mt_range, j));
		}
	}
}

bool
mt_import_resolve(struct mt_tree *t, GPtrArray *views, GError **error)
{
	int id = 0;

	compute_hashes(t);
	find_repeated_blocks(t);
	if (!resolve_targets(t, error)) {
		return false;
	}
	sort_render_order(t);
	for (guint i = 0; i < t->nodes->len; i++) {
		struct mt_node *n = t->nodes->pdata[i];

		if (n->canon != n) {
			continue;
		}
		n->id = id++;
		/* The tree alone: an I/O leaf is a device, an I/O region
		 * with subregions a container. */
		n->terminates = !is_alias(n) && !n->hidden &&
				(!is_io(n) || !n->children->len);
	}
	if (views) {
		infer_from_flat(t, views);
	}
	return true;
}

GPtrArray *
mt_import_regions(struct mt_tree *t)
{
	GPtrArray *regions = g_ptr_array_new();

	for (guint i = 0; i < t->nodes->len; i++) {
		struct mt_node *n = t->nodes->pdata[i];

		if (n->canon == n) {
			g_ptr_array_add(regions, n);
		}
	}
	return regions;
}

/* JSON. */

static void
add_bool(JsonBuilder *b, const char *key, bool v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, v);
}

static void
add_inferred(JsonBuilder *b, const struct mt_node *n)
{
	if (!n->inferred_terminates && !n->inferred_readonly &&
	    !n->inferred_size) {
		return;
	}
	json_builder_set_member_name(b, "inferred");
	json_builder_begin_array(b);
	if (n->inferred_terminates) {
		json_builder_add_string_value(b, "terminates");
	}
	if (n->inferred_readonly) {
		json_builder_add_string_value(b, "readonly");
	}
	if (n->inferred_size) {
		json_builder_add_string_value(b, "size");
	}
	json_builder_end_array(b);
}

static void
add_region(JsonBuilder *b, const struct mt_node *n)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, n->id);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, n->name);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, n->type);
	tool_json_hex(b, "addr", node_addr(n));
	json_builder_set_member_name(b, "size");
	if (n->size == UINT64_MAX) {
		json_builder_add_string_value(b, "0x10000000000000000");
	} else {
		g_autofree char *s = g_strdup_printf("0x%" PRIx64, n->size);

		json_builder_add_string_value(b, s);
	}
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, n->priority);
	add_bool(b, "enabled", n->enabled);
	add_bool(b, "terminates", n->terminates);
	add_bool(b, "readonly", n->readonly);
	add_bool(b, "nonvolatile", n->nonvolatile);
	add_bool(b, "romd_mode", strcmp(n->type, "romd") == 0 && !n->target);
	json_builder_set_member_name(b, "parent");
	if (n->parent) {
		json_builder_add_int_value(b, n->parent->id);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "children");
	json_builder_begin_array(b);
	for (guint i = 0; i < n->children->len; i++) {
		json_builder_add_int_value(
			b, ((struct mt_node *)n->children->pdata[i])->id);
	}
	json_builder_end_array(b);
	if (n->target) {
		json_builder_set_member_name(b, "alias");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "target");
		json_builder_add_int_value(b, n->target->id);
		json_builder_set_member_name(b, "target_name");
		json_builder_add_string_value(b, n->target->name);
		tool_json_hex(b, "offset", n->alias_offset);
		json_builder_end_object(b);
	}
	if (n->size_ambiguous) {
		add_bool(b, "size_ambiguous", true);
	}
	if (n->hidden) {
		add_bool(b, "hidden", true);
	}
	add_inferred(b, n);
	if (n->owner) {
		json_builder_set_member_name(b, "owner");
		json_builder_add_string_value(b, n->owner);
	}
	json_builder_end_object(b);
}

char *
mt_import_json(struct mt_tree *t, JsonNode *source)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GPtrArray) regions = mt_import_regions(t);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "format");
	json_builder_add_string_value(b, "qemu-mtree-tree/1");
	json_builder_set_member_name(b, "source");
	json_builder_add_value(b, source);
	json_builder_set_member_name(b, "address_spaces");
	json_builder_begin_array(b);
	for (guint i = 0; i < t->blocks->len; i++) {
		const struct mt_block *blk = t->blocks->pdata[i];
		const struct mt_node *as_root =
			blk->dup_of ? blk->dup_of : blk->root;

		for (guint j = 0; j < blk->as_names->len; j++) {
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "name");
			json_builder_add_string_value(b,
						      blk->as_names->pdata[j]);
			json_builder_set_member_name(b, "root");
			json_builder_add_int_value(b, as_root->id);
			json_builder_end_object(b);
		}
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "regions");
	json_builder_begin_array(b);
	for (guint i = 0; i < regions->len; i++) {
		add_region(b, regions->pdata[i]);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 1);
	return json_generator_to_data(gen, NULL);
}
