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

#include "map-spec.h"

#define MAP_FORMAT "qemu-mtree-tree/1"
#define MAP_2_64 ((unsigned __int128)1 << 64)

/* A reader's state: the spec being filled and the JSON objects behind it. */
struct spec_reader {
	struct map_spec *spec;
	JsonObject **objs; /* the object of each node */
	GHashTable *by_id; /* id -> struct map_node */
};

static bool fail(GError **error, enum map_load_error code, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static bool
fail(GError **error, enum map_load_error code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, MAP_LOAD_ERROR, code, msg);
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
		fail(error, MAP_LOAD_ERROR_SCHEMA, "%s: missing field \"%s\"",
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
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
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
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
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
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be an integer", where, name);
	}
	*ret = json_node_get_int(node);
	if (*ret < min || *ret > max) {
		return fail(
			error, MAP_LOAD_ERROR_RANGE,
			"%s: field \"%s\" is out of range (%" G_GINT64_FORMAT
			")",
			where, name, *ret);
	}
	return true;
}

/* "0x" and at least one hex digit; -ERANGE above 2^64. */
static int
parse_hex(const char *s, unsigned __int128 *ret)
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
		fail(error, MAP_LOAD_ERROR_RANGE,
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
	    parse_hex(json_node_get_string(node), ret) == -EINVAL) {
		fail(error, MAP_LOAD_ERROR_SCHEMA,
		     "%s: field \"%s\" must be a hex string (\"0x...\") or a "
		     "non-negative integer",
		     where, name);
		return -EINVAL;
	}
	return parse_hex(json_node_get_string(node), ret);
}

static bool
range_fail(GError **error, const char *where, const char *name, const char *why)
{
	return fail(error, MAP_LOAD_ERROR_RANGE,
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
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be an array", where, name);
	}
	*ret = json_node_get_array(node);
	return true;
}

static bool
read_object(JsonNode *node, const char *where, JsonObject **ret, GError **error)
{
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: must be an object", where);
	}
	*ret = json_node_get_object(node);
	return true;
}

/* A region id in a reference field (null allowed when @ret_node may be
 * NULL); dangling ids are errors. */
static bool
resolve_id(const struct spec_reader *rd, JsonNode *node, const char *where,
	   const char *name, bool nullable, struct map_node **ret_node,
	   GError **error)
{
	if (nullable && JSON_NODE_HOLDS_NULL(node)) {
		*ret_node = NULL;
		return true;
	}
	if (!holds(node, G_TYPE_INT64)) {
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"%s\" must be a region id%s", where,
			    name, nullable ? " or null" : "");
	}

	gint64 id = json_node_get_int(node);
	struct map_node *n = NULL;

	if (id >= 0 && id <= INT32_MAX) {
		n = g_hash_table_lookup(rd->by_id, GINT_TO_POINTER((gint)id));
	}
	if (!n) {
		return fail(error, MAP_LOAD_ERROR_LINK,
			    "%s: field \"%s\" names region %" G_GINT64_FORMAT
			    ", which does not exist",
			    where, name, id);
	}
	*ret_node = n;
	return true;
}

static bool
read_ref(const struct spec_reader *rd, JsonObject *obj, const char *where,
	 const char *name, bool nullable, struct map_node **ret_node,
	 GError **error)
{
	JsonNode *node = field(obj, where, name, error);

	return node &&
	       resolve_id(rd, node, where, name, nullable, ret_node, error);
}

static bool
read_owner(JsonObject *obj, const char *where, const char **ret, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "owner");

	*ret = NULL;
	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		return true;
	}
	if (!holds(node, G_TYPE_STRING)) {
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: field \"owner\" must be a string", where);
	}
	/* QEMU prints "orphan" for a region without owner or parent. */
	if (strcmp(json_node_get_string(node), "orphan") != 0) {
		*ret = json_node_get_string(node);
	}
	return true;
}

static bool
type_known(const char *type)
{
	static const char *const words[] = { "ram", "rom", "romd", "ramd",
					     "i/o" };

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (strcmp(type, words[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* The attributes of one region; links are resolved by link_region(). */
static bool
read_region(JsonObject *obj, const char *where, struct map_node *n,
	    GError **error)
{
	gint64 id, priority;

	if (!read_int(obj, where, "id", 0, INT32_MAX, &id, error) ||
	    !read_string(obj, where, "name", &n->name, error) ||
	    !read_string(obj, where, "type", &n->type, error) ||
	    !read_u64(obj, where, "addr", &n->addr, error) ||
	    !read_size(obj, where, "size", &n->size, error) ||
	    !read_int(obj, where, "priority", INT32_MIN, INT32_MAX, &priority,
		      error) ||
	    !read_bool(obj, where, "enabled", &n->enabled, error) ||
	    !read_bool(obj, where, "terminates", &n->terminates, error) ||
	    !read_bool(obj, where, "readonly", &n->readonly, error) ||
	    !read_bool(obj, where, "nonvolatile", &n->nonvolatile, error) ||
	    !read_owner(obj, where, &n->owner, error)) {
		return false;
	}
	if (!type_known(n->type)) {
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "%s: unknown type \"%s\"", where, n->type);
	}
	n->id = (int32_t)id;
	n->priority = (int32_t)priority;
	return true;
}

static bool
read_regions(struct spec_reader *rd, JsonArray *regions, GError **error)
{
	struct map_spec *spec = rd->spec;

	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		g_autofree char *where = g_strdup_printf("regions[%u]", i);
		struct map_node *n = &spec->nodes[i];

		if (!read_object(json_array_get_element(regions, i), where,
				 &rd->objs[i], error) ||
		    !read_region(rd->objs[i], where, n, error)) {
			return false;
		}
		if (!g_hash_table_insert(rd->by_id, GINT_TO_POINTER(n->id),
					 n)) {
			return fail(error, MAP_LOAD_ERROR_LINK,
				    "%s: duplicate region id %" PRId32, where,
				    n->id);
		}
	}
	return true;
}

static bool
link_children(struct spec_reader *rd, struct map_node *n, const char *where,
	      GError **error)
{
	JsonArray *children;

	if (!read_array(rd->objs[n - rd->spec->nodes], where, "children",
			&children, error)) {
		return false;
	}
	n->nr_children = json_array_get_length(children);
	n->children = g_new0(struct map_node *, n->nr_children);
	for (unsigned i = 0; i < n->nr_children; i++) {
		if (!resolve_id(rd, json_array_get_element(children, i), where,
				"children", false, &n->children[i], error)) {
			return false;
		}
	}
	return true;
}

static bool
link_alias(struct spec_reader *rd, struct map_node *n, const char *where,
	   GError **error)
{
	JsonNode *node =
		json_object_get_member(rd->objs[n - rd->spec->nodes], "alias");
	g_autofree char *alias_where = g_strdup_printf("%s: alias", where);
	JsonObject *alias = NULL;

	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		return true;
	}
	if (!read_object(node, alias_where, &alias, error)) {
		return false;
	}
	return read_ref(rd, alias, alias_where, "target", false, &n->alias,
			error) &&
	       read_u64(alias, alias_where, "offset", &n->alias_offset, error);
}

/* Resolve the ids of parent, children and alias target. */
static bool
link_region(struct spec_reader *rd, struct map_node *n, GError **error)
{
	g_autofree char *where = g_strdup_printf("region %" PRId32, n->id);
	JsonObject *obj = rd->objs[n - rd->spec->nodes];

	return read_ref(rd, obj, where, "parent", true, &n->parent, error) &&
	       link_children(rd, n, where, error) &&
	       link_alias(rd, n, where, error);
}

/* @c is listed by @n; @slot records who listed it first. */
static bool
check_listed(struct map_node *n, struct map_node *c, struct map_node **slot,
	     GError **error)
{
	if (*slot == n) {
		return fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32
			    " is listed twice as a child of region %" PRId32,
			    c->id, n->id);
	}
	if (*slot) {
		return fail(error, MAP_LOAD_ERROR_LINK,
			    "region %" PRId32 " is listed as a child of region "
			    "%" PRId32 " and of region %" PRId32,
			    c->id, (*slot)->id, n->id);
	}
	*slot = n;
	if (c->parent != n) {
		return fail(error, MAP_LOAD_ERROR_LINK,
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
			return fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32 " names region %" PRId32
				    " as its parent, which does not list it",
				    n->id, n->parent->id);
		}
	}
	return true;
}

/* A chain longer than the number of regions must loop. */
static bool
check_cycles(const struct map_spec *spec, GError **error)
{
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		const struct map_node *up = &spec->nodes[i];
		const struct map_node *along = up;

		for (unsigned steps = 0; up && steps <= spec->nr_nodes;
		     steps++) {
			up = up->parent;
		}
		for (unsigned steps = 0; along && steps <= spec->nr_nodes;
		     steps++) {
			along = along->alias;
		}
		if (up) {
			return fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32
				    " is its own ancestor (containment cycle)",
				    spec->nodes[i].id);
		}
		if (along) {
			return fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32
				    " is part of an alias cycle",
				    spec->nodes[i].id);
		}
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
			return fail(error, MAP_LOAD_ERROR_LINK,
				    "region %" PRId32
				    " is an alias and cannot have children",
				    n->id);
		}
		if (!n->alias && !n->terminates && strcmp(n->type, "i/o")) {
			return fail(error, MAP_LOAD_ERROR_SCHEMA,
				    "region %" PRId32
				    ": a region of type \"%s\" must terminate",
				    n->id, n->type);
		}
	}
	return true;
}

static bool
read_addrspaces(struct spec_reader *rd, JsonArray *ases, GError **error)
{
	struct map_spec *spec = rd->spec;

	for (unsigned i = 0; i < spec->nr_ases; i++) {
		g_autofree char *where =
			g_strdup_printf("address_spaces[%u]", i);
		struct map_as *as = &spec->ases[i];
		JsonObject *obj = NULL;

		if (!read_object(json_array_get_element(ases, i), where, &obj,
				 error) ||
		    !read_string(obj, where, "name", &as->name, error) ||
		    !read_ref(rd, obj, where, "root", false, &as->root,
			      error)) {
			return false;
		}
	}
	return true;
}

static bool
read_format(JsonObject *doc, GError **error)
{
	const char *format;

	if (!read_string(doc, "document", "format", &format, error)) {
		return false;
	}
	if (strcmp(format, MAP_FORMAT) != 0) {
		return fail(error, MAP_LOAD_ERROR_SCHEMA,
			    "unsupported format \"%s\" (expected \"" MAP_FORMAT
			    "\")",
			    format);
	}
	return true;
}

static bool
read_spec(struct spec_reader *rd, JsonObject *doc, GError **error)
{
	struct map_spec *spec = rd->spec;
	JsonArray *regions, *ases;

	if (!read_format(doc, error) ||
	    !read_array(doc, "document", "regions", &regions, error) ||
	    !read_array(doc, "document", "address_spaces", &ases, error)) {
		return false;
	}
	spec->nr_nodes = json_array_get_length(regions);
	spec->nodes = g_new0(struct map_node, spec->nr_nodes);
	spec->nr_ases = json_array_get_length(ases);
	spec->ases = g_new0(struct map_as, spec->nr_ases);
	rd->objs = g_new0(JsonObject *, spec->nr_nodes);
	if (!read_regions(rd, regions, error)) {
		return false;
	}
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		if (!link_region(rd, &spec->nodes[i], error)) {
			return false;
		}
	}
	return check_children(spec, error) && check_cycles(spec, error) &&
	       check_kinds(spec, error) && read_addrspaces(rd, ases, error);
}

struct map_spec *
map_spec_parse(JsonNode *root, GError **error)
{
	g_autoptr(GHashTable) by_id = g_hash_table_new(NULL, NULL);
	struct spec_reader rd = {
		.spec = g_new0(struct map_spec, 1),
		.by_id = by_id,
	};
	bool ok;

	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		map_spec_free(rd.spec);
		fail(error, MAP_LOAD_ERROR_SCHEMA,
		     "the document is not a JSON object");
		return NULL;
	}
	ok = read_spec(&rd, json_node_get_object(root), error);
	g_free(rd.objs);
	if (!ok) {
		map_spec_free(rd.spec);
		return NULL;
	}
	return rd.spec;
}

void
map_spec_free(struct map_spec *spec)
{
	if (!spec) {
		return;
	}
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		g_free(spec->nodes[i].children);
	}
	g_free(spec->nodes);
	g_free(spec->ases);
	g_free(spec);
}
