/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a `qemu-mtree-tree/1` document into a struct map_spec: field
 * types, number ranges, and the consistency of ids, parents, children and
 * alias targets.  Every error is one line naming the offending region.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "map-scan.h"
#include "map-spec.h"

#define MAP_FORMAT "qemu-mtree-tree/1"
#define MAP_2_64 ((unsigned __int128)1 << 64)

bool
map_fail(GError **error, enum map_load_error code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *line = map_escape_line(msg);

	g_set_error_literal(error, MAP_LOAD_ERROR, code, line);
	return false;
}

static bool
holds(JsonNode *node, GType type)
{
	return JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == type;
}

static JsonNode *
field(JsonObject *obj, const char *where, const char *name, GError **error)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (!node) {
		map_fail(error, MAP_LOAD_ERROR_SCHEMA, "%s: missing field \"%s\"",
		     where, name);
	}
	return node;
}

static bool
read_string(JsonObject *obj, const char *where, const char *name,
	    const char **ret, GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	if (!node) {
		return false;
	}
	if (!holds(node, G_TYPE_STRING)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be a string", where, name);
	}
	*ret = json_node_get_string(node);
	return true;
}

static bool
read_bool(JsonObject *obj, const char *where, const char *name, bool *ret,
	  GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	if (!node) {
		return false;
	}
	if (!holds(node, G_TYPE_BOOLEAN)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be true or false", where,
			    name);
	}
	*ret = json_node_get_boolean(node);
	return true;
}

static bool
read_int(JsonObject *obj, const char *where, const char *name, gint64 min,
	 gint64 max, gint64 *ret, GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	if (!node) {
		return false;
	}
	if (!holds(node, G_TYPE_INT64)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be an integer", where, name);
	}
	*ret = json_node_get_int(node);
	if (*ret < min || *ret > max) {
		return map_fail(
			error, MAP_LOAD_ERROR_RANGE,
			"%s: field \"%s\" is out of range (%" G_GINT64_FORMAT
			")",
			where, name, *ret);
	}
	return true;
}

int
map_parse_hex(const char *s, unsigned __int128 *ret)
{
	unsigned __int128 v = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) {
		return -EINVAL;
	}
	for (s += 2; *s; s++) {
		int digit = g_ascii_xdigit_value(*s);

		if (digit < 0) {
			return -EINVAL;
		}
		v = v * 16 + (unsigned)digit;
		if (v > MAP_2_64) {
			return -ERANGE;
		}
	}
	*ret = v;
	return 0;
}

/*
 * An address, size or offset: a hex string, or a JSON integer.  json-glib
 * wraps integers of 2^63 and more to negative values, so large numbers must
 * be strings.  Return 0, -EINVAL with @error set, or -ERANGE (above 2^64)
 * with @error unset.
 */
static int
read_number(JsonObject *obj, const char *where, const char *name,
	    unsigned __int128 *ret, GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	if (!node) {
		return -EINVAL;
	}
	if (holds(node, G_TYPE_INT64) && json_node_get_int(node) < 0) {
		map_fail(error, MAP_LOAD_ERROR_RANGE,
		     "%s: field \"%s\" is negative (write numbers of 2^63 or "
		     "more as hex strings)",
		     where, name);
		return -EINVAL;
	}
	if (holds(node, G_TYPE_INT64)) {
		*ret = (uint64_t)json_node_get_int(node);
		return 0;
	}
	if (!holds(node, G_TYPE_STRING) ||
	    map_parse_hex(json_node_get_string(node), ret) == -EINVAL) {
		map_fail(error, MAP_LOAD_ERROR_SCHEMA,
		     "%s: field \"%s\" must be a hex string (\"0x...\") or a "
		     "non-negative integer",
		     where, name);
		return -EINVAL;
	}
	return map_parse_hex(json_node_get_string(node), ret);
}

static bool
range_fail(GError **error, const char *where, const char *name, const char *why)
{
	return map_fail(error, MAP_LOAD_ERROR_RANGE,
		    "%s: field \"%s\" is out of range (%s)", where, name, why);
}

/* An address or offset: below 2^64. */
static bool
read_u64(JsonObject *obj, const char *where, const char *name, uint64_t *ret,
	 GError **error)
{
	unsigned __int128 v;
	int err = read_number(obj, where, name, &v, error);

	if (err == -EINVAL) {
		return false;
	}
	if (err == -ERANGE || v >= MAP_2_64) {
		return range_fail(error, where, name, "2^64 or more");
	}
	*ret = (uint64_t)v;
	return true;
}

/* A size: up to 2^64, returned in API form (UINT64_MAX means 2^64). */
static bool
read_size(JsonObject *obj, const char *where, const char *name, uint64_t *ret,
	  GError **error)
{
	unsigned __int128 v;
	int err = read_number(obj, where, name, &v, error);

	if (err == -EINVAL) {
		return false;
	}
	if (err == -ERANGE) {
		return range_fail(error, where, name, "more than 2^64");
	}
	if (v == MAP_2_64 - 1) {
		return range_fail(error, where, name,
				  "2^64 - 1 cannot be expressed");
	}
	*ret = v == MAP_2_64 ? UINT64_MAX : (uint64_t)v;
	return true;
}

static bool
read_array(JsonObject *obj, const char *where, const char *name,
	   JsonArray **ret, GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	if (!node) {
		return false;
	}
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be an array", where, name);
	}
	*ret = json_node_get_array(node);
	return true;
}

static bool
read_object(JsonNode *node, const char *where, JsonObject **ret, GError **error)
{
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: must be an object", where);
	}
	*ret = json_node_get_object(node);
	return true;
}

/*
 * A text field shown in dumps, one line per region: line breaks (newline,
 * carriage return, vertical tab, form feed) are refused; NUL never gets
 * here (see map-scan.c).  Other characters, tabs included, are kept.
 */
static bool
read_label(struct map_spec *spec, JsonObject *obj, const char *where,
	   const char *name, const char **ret, GError **error)
{
	const char *s;

	if (!read_string(obj, where, name, &s, error)) {
		return false;
	}
	if (strpbrk(s, "\n\r\v\f")) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
				"%s: field \"%s\" contains a line break", where,
				name);
	}
	*ret = g_string_chunk_insert(spec->strings, s);
	return true;
}

/* A region id in a reference field, resolved later; @ret_set is false for
 * null when @nullable. */
static bool
read_id(JsonNode *node, const char *where, const char *name, bool nullable,
	gint64 *ret, bool *ret_set, GError **error)
{
	if (nullable && JSON_NODE_HOLDS_NULL(node)) {
		*ret_set = false;
		return true;
	}
	if (!holds(node, G_TYPE_INT64)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be a region id%s", where,
			    name, nullable ? " or null" : "");
	}
	*ret = json_node_get_int(node);
	*ret_set = true;
	return true;
}

static bool
read_owner(struct map_spec *spec, JsonObject *obj, const char *where,
	   const char **ret, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "owner");

	*ret = NULL;
	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		return true;
	}
	if (!holds(node, G_TYPE_STRING)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"owner\" must be a string", where);
	}
	/* QEMU prints "orphan" for a region without owner or parent. */
	if (strcmp(json_node_get_string(node), "orphan") == 0) {
		return true;
	}
	return read_label(spec, obj, where, "owner", ret, error);
}

const char *
map_type_word(const char *type, size_t len)
{
	static const char *const words[] = { "ram", "rom", "romd", "ramd",
					     "i/o" };

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (strlen(words[i]) == len && memcmp(type, words[i], len) == 0) {
			return words[i];
		}
	}
	return NULL;
}

/* The attributes of one region. */
static bool
read_attrs(struct map_spec *spec, JsonObject *obj, const char *where,
	   struct map_node *n, GError **error)
{
	gint64 id, priority;
	const char *type;

	if (!read_int(obj, where, "id", 0, INT32_MAX, &id, error) ||
	    !read_label(spec, obj, where, "name", &n->name, error) ||
	    !read_string(obj, where, "type", &type, error) ||
	    !read_u64(obj, where, "addr", &n->addr, error) ||
	    !read_size(obj, where, "size", &n->size, error) ||
	    !read_int(obj, where, "priority", INT32_MIN, INT32_MAX, &priority,
		      error) ||
	    !read_bool(obj, where, "enabled", &n->enabled, error) ||
	    !read_bool(obj, where, "terminates", &n->terminates, error) ||
	    !read_bool(obj, where, "readonly", &n->readonly, error) ||
	    !read_bool(obj, where, "nonvolatile", &n->nonvolatile, error) ||
	    !read_owner(spec, obj, where, &n->owner, error)) {
		return false;
	}
	n->type = map_type_word(type, strlen(type));
	if (!n->type) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: unknown type \"%s\"", where, type);
	}
	n->id = (int32_t)id;
	n->priority = (int32_t)priority;
	return true;
}

static bool
read_children(struct map_spec *spec, JsonObject *obj, const char *where,
	      struct map_node *n, GError **error)
{
	JsonArray *children;

	if (!read_array(obj, where, "children", &children, error)) {
		return false;
	}
	n->first_child = spec->child_ids->len;
	n->nr_children = json_array_get_length(children);
	for (unsigned i = 0; i < n->nr_children; i++) {
		gint64 id;
		bool set;

		if (!read_id(json_array_get_element(children, i), where,
			     "children", false, &id, &set, error)) {
			return false;
		}
		g_array_append_val(spec->child_ids, id);
	}
	return true;
}

static bool
read_alias(JsonObject *obj, const char *where, struct map_node *n,
	   GError **error)
{
	JsonNode *node = json_object_get_member(obj, "alias");
	g_autofree char *alias_where = NULL;
	JsonObject *alias = NULL;
	JsonNode *target;

	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		return true;
	}
	alias_where = g_strdup_printf("%s: alias", where);
	if (!read_object(node, alias_where, &alias, error)) {
		return false;
	}
	target = field(alias, alias_where, "target", error);
	return target &&
	       read_id(target, alias_where, "target", false, &n->alias_ref,
		       &n->has_alias, error) &&
	       read_u64(alias, alias_where, "offset", &n->alias_offset, error);
}

/* The reference fields: parent, children, alias. */
static bool
read_links(struct map_spec *spec, JsonObject *obj, struct map_node *n,
	   GError **error)
{
	g_autofree char *where = g_strdup_printf("region %" PRId32, n->id);
	JsonNode *parent = field(obj, where, "parent", error);

	return parent &&
	       read_id(parent, where, "parent", true, &n->parent_ref,
		       &n->has_parent, error) &&
	       read_children(spec, obj, where, n, error) &&
	       read_alias(obj, where, n, error);
}

struct map_spec *
map_spec_new(void)
{
	struct map_spec *spec = g_new0(struct map_spec, 1);

	spec->strings = g_string_chunk_new(1 << 16);
	spec->node_array = g_array_new(FALSE, TRUE, sizeof(struct map_node));
	spec->child_ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	return spec;
}

bool
map_spec_add_region(struct map_spec *spec, JsonNode *node, unsigned index,
		    GError **error)
{
	char where[32];
	struct map_node n = { 0 };
	JsonObject *obj = NULL;

	g_snprintf(where, sizeof(where), "regions[%u]", index);
	if (!read_object(node, where, &obj, error) ||
	    !read_attrs(spec, obj, where, &n, error) ||
	    !read_links(spec, obj, &n, error)) {
		return false;
	}
	g_array_append_val(spec->node_array, n);
	return true;
}

/*
 * Id -> node: a table indexed by id when ids are dense enough (they are
 * 0-based and dense in files QEMU's dumps produce), a hash table otherwise.
 */
struct id_index {
	struct map_node **table;
	gint64 table_len;
	GHashTable *hash;
};

static bool
index_ids(struct map_spec *spec, struct id_index *ix, GError **error)
{
	gint64 max = -1;

	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		max = MAX(max, (gint64)spec->nodes[i].id);
	}
	if (max < 4 * (gint64)spec->nr_nodes + 64) {
		ix->table_len = max + 1;
		ix->table = g_new0(struct map_node *, ix->table_len);
	} else {
		ix->hash = g_hash_table_new(NULL, NULL);
	}
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		struct map_node *n = &spec->nodes[i];
		bool fresh;

		if (ix->table) {
			fresh = !ix->table[n->id];
			ix->table[n->id] = n;
		} else {
			fresh = g_hash_table_insert(
				ix->hash, GINT_TO_POINTER(n->id), n);
		}
		if (!fresh) {
			return map_fail(error, MAP_LOAD_ERROR_LINK,
				    "regions[%u]: duplicate region id %" PRId32,
				    i, n->id);
		}
	}
	return true;
}

static void
index_free(struct id_index *ix)
{
	g_free(ix->table);
	if (ix->hash) {
		g_hash_table_destroy(ix->hash);
	}
}

/* Dangling ids are errors. */
static bool
resolve(const struct id_index *ix, gint64 id, const char *where,
	const char *name, struct map_node **ret, GError **error)
{
	struct map_node *n = NULL;

	if (id >= 0 && id <= INT32_MAX) {
		if (ix->table) {
			n = id < ix->table_len ? ix->table[id] : NULL;
		} else {
			n = g_hash_table_lookup(ix->hash,
						GINT_TO_POINTER((gint)id));
		}
	}
	if (!n) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "%s: field \"%s\" names region %" G_GINT64_FORMAT
			    ", which does not exist",
			    where, name, id);
	}
	*ret = n;
	return true;
}

static bool
link_region(struct map_spec *spec, const struct id_index *ix,
	    struct map_node *n, GError **error)
{
	char where[32];
	/* Without children, the arrays may be empty (NULL). */
	const gint64 *ids =
		n->nr_children ?
			&g_array_index(spec->child_ids, gint64, n->first_child) :
			NULL;

	g_snprintf(where, sizeof(where), "region %" PRId32, n->id);
	if (n->has_parent &&
	    !resolve(ix, n->parent_ref, where, "parent", &n->parent, error)) {
		return false;
	}
	n->children = n->nr_children ? spec->links + n->first_child : NULL;
	for (unsigned i = 0; i < n->nr_children; i++) {
		if (!resolve(ix, ids[i], where, "children", &n->children[i],
			     error)) {
			return false;
		}
	}
	if (n->has_alias) {
		char alias_where[48];

		g_snprintf(alias_where, sizeof(alias_where), "%s: alias",
			   where);
		return resolve(ix, n->alias_ref, alias_where, "target",
			       &n->alias, error);
	}
	return true;
}

static bool
link_regions(struct map_spec *spec, GError **error)
{
	struct id_index ix = { 0 };
	bool ok = index_ids(spec, &ix, error);

	spec->links = g_new0(struct map_node *, spec->child_ids->len);
	for (unsigned i = 0; ok && i < spec->nr_nodes; i++) {
		ok = link_region(spec, &ix, &spec->nodes[i], error);
	}
	index_free(&ix);
	g_array_set_size(spec->child_ids, 0);
	return ok;
}

/* @c is listed by @n; @slot records who listed it first. */
static bool
check_listed(struct map_node *n, struct map_node *c, struct map_node **slot,
	     GError **error)
{
	if (*slot == n) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32
			    " is listed twice as a child of region %" PRId32,
			    c->id, n->id);
	}
	if (*slot) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32 " is listed as a child of region "
			    "%" PRId32 " and of region %" PRId32,
			    c->id, (*slot)->id, n->id);
	}
	*slot = n;
	if (c->parent != n) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32 " is listed as a child of region "
			    "%" PRId32 " but does not name it as its parent",
			    c->id, n->id);
	}
	return true;
}

/* Every child names its parent, which lists it exactly once. */
static bool
check_children(const struct map_spec *spec, GError **error)
{
	g_autofree struct map_node **listed_by =
		g_new0(struct map_node *, spec->nr_nodes);

	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		struct map_node *n = &spec->nodes[i];

		for (unsigned j = 0; j < n->nr_children; j++) {
			struct map_node *c = n->children[j];

			if (!check_listed(n, c, &listed_by[c - spec->nodes],
					  error)) {
				return false;
			}
		}
	}
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		struct map_node *n = &spec->nodes[i];

		if (n->parent && listed_by[i] != n->parent) {
			return map_fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32 " names region %" PRId32
				    " as its parent, which does not list it",
				    n->id, n->parent->id);
		}
	}
	return true;
}

/*
 * The first node (in document order) on a cycle of @next, or NULL; linear:
 * each node is walked once, marked with the start of the walk that met it.
 */
static const struct map_node *
find_cycle(const struct map_spec *spec,
	   struct map_node *(*next)(const struct map_node *n))
{
	g_autofree unsigned *mark = g_new0(unsigned, spec->nr_nodes);
	const struct map_node *found = NULL;

	for (unsigned i = 0; i < spec->nr_nodes && !found; i++) {
		const struct map_node *n = &spec->nodes[i];

		while (n && !mark[n - spec->nodes]) {
			mark[n - spec->nodes] = i + 1;
			n = next(n);
		}
		if (n && mark[n - spec->nodes] == i + 1) {
			found = n;
		}
	}
	if (!found) {
		return NULL;
	}
	/* Report the member of the cycle that comes first in the file. */
	const struct map_node *first = found;

	for (const struct map_node *n = next(found); n != found; n = next(n)) {
		if (n < first) {
			first = n;
		}
	}
	return first;
}

static struct map_node *
next_parent(const struct map_node *n)
{
	return n->parent;
}

static struct map_node *
next_alias(const struct map_node *n)
{
	return n->alias;
}

static bool
check_cycles(const struct map_spec *spec, GError **error)
{
	const struct map_node *n = find_cycle(spec, next_parent);

	if (n) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32
			    " is its own ancestor (containment cycle)",
			    n->id);
	}
	n = find_cycle(spec, next_alias);
	if (n) {
		return map_fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32 " is part of an alias cycle",
			    n->id);
	}
	return true;
}

/* Kinds: an alias has no subregions; memory-backed types terminate. */
static bool
check_kinds(const struct map_spec *spec, GError **error)
{
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		const struct map_node *n = &spec->nodes[i];

		if (n->alias && n->nr_children) {
			return map_fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32
				    " is an alias and cannot have children",
				    n->id);
		}
		if (!n->alias && !n->terminates && strcmp(n->type, "i/o")) {
			return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
				    "region %" PRId32
				    ": a region of type \"%s\" must terminate",
				    n->id, n->type);
		}
	}
	return true;
}

static bool
read_addrspaces(struct map_spec *spec, JsonArray *ases, GError **error)
{
	struct id_index ix = { 0 };
	bool ok = index_ids(spec, &ix, error);

	spec->nr_ases = json_array_get_length(ases);
	spec->ases = g_new0(struct map_as, spec->nr_ases);
	for (unsigned i = 0; ok && i < spec->nr_ases; i++) {
		char where[40];
		struct map_as *as = &spec->ases[i];
		JsonObject *obj = NULL;
		JsonNode *root;
		gint64 id;
		bool set;

		g_snprintf(where, sizeof(where), "address_spaces[%u]", i);
		ok = read_object(json_array_get_element(ases, i), where, &obj,
				 error) &&
		     read_label(spec, obj, where, "name", &as->name, error) &&
		     (root = field(obj, where, "root", error)) &&
		     read_id(root, where, "root", false, &id, &set, error) &&
		     resolve(&ix, id, where, "root", &as->root, error);
	}
	index_free(&ix);
	return ok;
}

static bool
read_format(JsonObject *doc, GError **error)
{
	const char *format;

	if (!read_string(doc, "document", "format", &format, error)) {
		return false;
	}
	if (strcmp(format, MAP_FORMAT) != 0) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "unsupported format \"%s\" (expected \"" MAP_FORMAT
			    "\")",
			    format);
	}
	return true;
}

bool
map_spec_finish(struct map_spec *spec, JsonNode *root, GError **error)
{
	JsonArray *regions, *ases;
	JsonObject *doc;

	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		return map_fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "the document is not a JSON object");
	}
	doc = json_node_get_object(root);
	if (!read_format(doc, error) ||
	    !read_array(doc, "document", "regions", &regions, error) ||
	    !read_array(doc, "document", "address_spaces", &ases, error)) {
		return false;
	}
	/* Regions the pre-scan did not cut out (an escaped key). */
	for (unsigned i = 0; i < json_array_get_length(regions); i++) {
		if (!map_spec_add_region(spec, json_array_get_element(regions, i),
					 spec->node_array->len, error)) {
			return false;
		}
	}
	spec->nr_nodes = spec->node_array->len;
	spec->nodes = (struct map_node *)(void *)spec->node_array->data;
	return link_regions(spec, error) && check_children(spec, error) &&
	       check_cycles(spec, error) && check_kinds(spec, error) &&
	       read_addrspaces(spec, ases, error);
}

void
map_spec_release_nodes(struct map_spec *spec)
{
	for (unsigned i = 0; i < spec->nr_ases; i++) {
		spec->ases[i].root_mr = spec->ases[i].root->mr;
		spec->ases[i].root = NULL;
	}
	g_array_set_size(spec->node_array, 0);
	g_array_free(spec->node_array, TRUE);
	spec->node_array = g_array_new(FALSE, TRUE, sizeof(struct map_node));
	spec->nodes = NULL;
	spec->nr_nodes = 0;
	g_clear_pointer(&spec->links, g_free);
}

void
map_spec_free(struct map_spec *spec)
{
	if (!spec) {
		return;
	}
	g_string_chunk_free(spec->strings);
	g_array_free(spec->node_array, TRUE);
	g_array_free(spec->child_ids, TRUE);
	g_free(spec->links);
	g_free(spec->ases);
	g_free(spec);
}
