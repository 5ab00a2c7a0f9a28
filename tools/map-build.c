/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building a validated struct map_spec with memspace's public API: regions
 * first (alias targets before their aliases), then their attributes and
 * containment, all in one transaction; address spaces last.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "map-spec.h"

static bool build_fail(GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

static bool
build_fail(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return map_fail(error, MAP_LOAD_ERROR_BUILD, "%s", msg);
}

/* memspace's errno values, worded for the context of a map file. */
static const char *
build_strerror(int err)
{
	switch (err) {
	case ELOOP:
		return "an alias would show itself, so rendering would never end";
	default:
		return g_strerror(err);
	}
}

/* A RAM device needs memory the caller maps; the map keeps it until freed. */
static struct memspace_region *
new_ram_device(struct map_load *ml, const struct map_node *n)
{
	struct map_mapping m = { .len = n->size ? n->size : 1 };

	m.addr = mmap(NULL, m.len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.addr == MAP_FAILED) {
		return NULL;
	}
	g_array_append_val(ml->mappings, m);
	return memspace_region_new_ram_device(ml->ms, n->name, n->size, m.addr);
}

/* Imported I/O and ROM device regions have no device model: no callbacks. */
static struct memspace_region *
new_plain(struct map_load *ml, const struct map_node *n)
{
	struct memspace *ms = ml->ms;

	if (strcmp(n->type, "i/o") == 0) {
		return n->terminates ?
			       memspace_region_new_io(ms, n->name, n->size,
						      NULL, NULL) :
			       memspace_region_new_container(ms, n->name,
							     n->size);
	}
	if (strcmp(n->type, "romd") == 0) {
		return memspace_region_new_rom_device(ms, n->name, n->size,
						      NULL, NULL, NULL);
	}
	if (strcmp(n->type, "ramd") == 0) {
		return new_ram_device(ml, n);
	}
	return memspace_region_new_ram(ms, n->name, n->size, NULL);
}

static bool
build_plain(struct map_load *ml, struct map_node *n, GError **error)
{
	bool backed = strcmp(n->type, "i/o") != 0;

	if (backed && n->size == UINT64_MAX) {
		return build_fail(error,
				  "region %" PRId32
				  ": a region of type \"%s\" cannot be 2^64 "
				  "bytes",
				  n->id, n->type);
	}

	struct memspace_region *mr = new_plain(ml, n);

	if (!mr) {
		return build_fail(error,
				  "region %" PRId32 ": cannot create: %s",
				  n->id, build_strerror(errno));
	}
	n->mr = map_load_keep(ml, mr);
	return true;
}

static bool
build_one_alias(struct map_load *ml, struct map_node *n, GError **error)
{
	struct memspace_region *mr = memspace_region_new_alias(
		ml->ms, n->name, n->alias->mr, n->alias_offset, n->size);

	if (!mr) {
		return build_fail(error,
				  "region %" PRId32 ": cannot create alias: %s",
				  n->id, build_strerror(errno));
	}
	n->mr = map_load_keep(ml, mr);
	return true;
}

/*
 * Targets first, without recursion: stack the chain of aliases not built
 * yet, then build it from its far end; map_spec_finish() ruled out alias
 * cycles.
 */
static bool
build_alias(struct map_load *ml, struct map_node *n, GPtrArray *chain,
	    GError **error)
{
	g_ptr_array_set_size(chain, 0);
	for (; !n->mr; n = n->alias) {
		g_ptr_array_add(chain, n);
	}
	while (chain->len) {
		if (!build_one_alias(ml, chain->pdata[chain->len - 1], error)) {
			return false;
		}
		g_ptr_array_set_size(chain, chain->len - 1);
	}
	return true;
}

static bool
build_attrs(const struct map_node *n, GError **error)
{
	bool readonly = n->readonly ||
			(!n->alias && strcmp(n->type, "rom") == 0);
	int ret = 0;

	if (!n->enabled) {
		ret = memspace_region_set_enabled(n->mr, false);
	}
	if (!ret && readonly) {
		ret = memspace_region_set_readonly(n->mr, true);
	}
	if (!ret && n->nonvolatile) {
		ret = memspace_region_set_nonvolatile(n->mr, true);
	}
	if (!ret && n->owner) {
		ret = memspace_region_set_owner(n->mr, n->owner);
	}
	/* A root's addr shifts the views of its address spaces. */
	if (!ret && !n->parent && n->addr) {
		ret = memspace_region_set_address(n->mr, n->addr);
	}
	if (ret < 0) {
		return build_fail(error, "region %" PRId32 ": %s", n->id,
				  build_strerror(-ret));
	}
	return true;
}

/* The list is in render order, where the newest of equal priorities comes
 * first: map in reverse so that ties resolve as listed. */
static bool
build_children(const struct map_node *n, GError **error)
{
	for (unsigned i = n->nr_children; i-- > 0;) {
		const struct map_node *c = n->children[i];
		int ret = memspace_region_add_subregion_overlap(
			n->mr, c->addr, c->mr, c->priority);

		if (ret < 0) {
			return build_fail(error,
					  "region %" PRId32
					  ": cannot map region %" PRId32 ": %s",
					  n->id, c->id, build_strerror(-ret));
		}
	}
	return true;
}

static bool
build_regions(struct map_load *ml, struct map_spec *spec, GError **error)
{
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		struct map_node *n = &spec->nodes[i];

		if (!n->alias && !build_plain(ml, n, error)) {
			return false;
		}
	}
	g_autoptr(GPtrArray) chain = g_ptr_array_new();

	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		struct map_node *n = &spec->nodes[i];

		if (n->alias && !build_alias(ml, n, chain, error)) {
			return false;
		}
	}
	for (unsigned i = 0; i < spec->nr_nodes; i++) {
		if (!build_attrs(&spec->nodes[i], error) ||
		    !build_children(&spec->nodes[i], error)) {
			return false;
		}
	}
	return true;
}

static bool
build_addrspaces(struct map_load *ml, const struct map_spec *spec,
		 GError **error)
{
	for (unsigned i = 0; i < spec->nr_ases; i++) {
		const struct map_as *mas = &spec->ases[i];
		struct memspace_addrspace *as = memspace_addrspace_create(
			ml->ms, mas->name, mas->root_mr);

		if (!as) {
			return build_fail(
				error, "address_spaces[%u]: cannot create: %s",
				i, build_strerror(errno));
		}
		g_ptr_array_add(ml->addrspaces, as);
	}
	return true;
}

bool
map_build(struct map_load *ml, struct map_spec *spec, GError **error)
{
	int ret = memspace_transaction_begin(ml->ms);
	bool ok;

	if (ret < 0) {
		return build_fail(error, "cannot begin a transaction: %s",
				  build_strerror(-ret));
	}
	ok = build_regions(ml, spec, error);
	ret = memspace_transaction_commit(ml->ms);
	if (ok) {
		/* The same references, in document order. */
		for (unsigned i = 0; i < spec->nr_nodes; i++) {
			ml->regions->pdata[i] = spec->nodes[i].mr;
		}
	}
	if (ok && ret < 0) {
		return build_fail(error, "cannot commit: %s",
				  build_strerror(-ret));
	}
	if (!ok) {
		return false;
	}
	/* Created after the commit, each address space gets the view rendered
	 * once for its root, or shares one; the regions of the spec are not
	 * needed for that, and their memory goes first. */
	map_spec_release_nodes(spec);
	return build_addrspaces(ml, spec, error);
}
