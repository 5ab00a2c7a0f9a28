/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_show(): QEMU 7.2 `info mtree` dumps, byte for byte.  The tree
 * dump prints each group of address spaces sharing a root, then every alias
 * target met; the flat dump prints each published view once.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "addrspace-internal.h"
#include "show-internal.h"

#define SHOW_ALL_FLAGS \
	(MEMSPACE_SHOW_FLAT | MEMSPACE_SHOW_OWNERS | MEMSPACE_SHOW_DISABLED)

#define ADDR_FMT "%016" PRIx64

/* Inclusive end of [start, start + size) in wrapping 64-bit arithmetic; an
 * empty extent prints as its start, as in QEMU. */
static uint64_t
show_last(uint64_t start, u128 size)
{
	return size ? start + (uint64_t)(size - 1) : start;
}

static void
show_owner(FILE *out, const struct memspace_region *mr)
{
	fprintf(out, " %s", mr->owner ? mr->owner : "orphan");
}

/*
 * Tree dump.  Every alias visited queues its target (deduplicated by
 * pointer); the queue grows while it is printed.
 */
struct show_tree {
	FILE *out;
	unsigned flags;
	GPtrArray *targets; /* alias targets, in order of first encounter */
	GHashTable *queued; /* the same regions, as a set */
};

static void
tree_queue_target(struct show_tree *st, struct memspace_region *target)
{
	if (g_hash_table_add(st->queued, target)) {
		g_ptr_array_add(st->targets, target);
	}
}

/* Address ascending, then priority descending; g_ptr_array_sort() is stable,
 * so equal keys keep render order (the newest first). */
static int
tree_child_cmp(const void *pa, const void *pb)
{
	const struct memspace_region *a = *(struct memspace_region *const *)pa;
	const struct memspace_region *b = *(struct memspace_region *const *)pb;

	if (a->addr != b->addr) {
		return a->addr < b->addr ? -1 : 1;
	}
	if (a->priority != b->priority) {
		return a->priority > b->priority ? -1 : 1;
	}
	return 0;
}

static void
tree_print_line(const struct show_tree *st, const struct memspace_region *mr,
		unsigned level, uint64_t start, uint64_t last)
{
	FILE *out = st->out;

	fprintf(out, "%*s" ADDR_FMT "-" ADDR_FMT " (prio %" PRId32 ", %s%s): ",
		(int)level * 2, "", start, last, mr->priority,
		mr->nonvolatile ? "nv-" : "", region_type_name(mr));
	if (mr->alias) {
		fprintf(out, "alias %s @%s " ADDR_FMT "-" ADDR_FMT, mr->name,
			mr->alias->name, mr->alias_offset,
			show_last(mr->alias_offset, mr->size));
	} else {
		fputs(mr->name, out);
	}
	if (!mr->enabled) {
		fputs(" [disabled]", out);
	}
	if (st->flags & MEMSPACE_SHOW_OWNERS) {
		show_owner(out, mr);
	}
	fputc('\n', out);
}

/* A region waiting to be printed, and where. */
struct tree_item {
	const struct memspace_region *mr;
	unsigned level;
	uint64_t base;
};

/* Print @mr at @level, its start being @base plus its own address. */
static void
tree_print_one(struct show_tree *st, const struct memspace_region *mr,
	       unsigned level, uint64_t base)
{
	uint64_t start = base + mr->addr;
	uint64_t last = show_last(start, mr->size);

	if (mr->alias) {
		tree_queue_target(st, mr->alias);
	}
	if (start < base || last < start) {
		fputs("[DETECTED OVERFLOW!] ", st->out);
	}
	if (mr->enabled || (st->flags & MEMSPACE_SHOW_DISABLED)) {
		tree_print_line(st, mr, level, start, last);
	}
}

/*
 * Print @root at @level and then, depth first, its subregions, which are
 * printed even when their parent is disabled and hidden.  A work stack
 * rather than recursion: trees may be nested 100k deep.
 */
static void
tree_print_node(struct show_tree *st, const struct memspace_region *root,
		unsigned level, uint64_t base)
{
	g_autoptr(GArray) stack = g_array_new(FALSE, FALSE,
					      sizeof(struct tree_item));
	g_autoptr(GPtrArray) kids = g_ptr_array_new();
	struct tree_item it = { root, level, base };

	g_array_append_val(stack, it);
	while (stack->len) {
		struct memspace_region *child;

		it = g_array_index(stack, struct tree_item, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		tree_print_one(st, it.mr, it.level, it.base);
		if (!it.mr->first_child) {
			continue;
		}
		g_ptr_array_set_size(kids, 0);
		region_for_each_child(child, it.mr) {
			g_ptr_array_add(kids, child);
		}
		g_ptr_array_sort(kids, tree_child_cmp);
		/* Pushed last to first, so that the first is printed next. */
		for (guint i = kids->len; i-- > 0;) {
			struct tree_item c = { kids->pdata[i], it.level + 1,
					       it.base + it.mr->addr };

			g_array_append_val(stack, c);
		}
	}
}

static int
tree_name_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* One `address-space:` block: every address space rooted at @root. */
static void
tree_print_group(struct show_tree *st, const GPtrArray *ases,
		 const struct memspace_region *root)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();

	for (guint i = 0; i < ases->len; i++) {
		const struct memspace_addrspace *as = ases->pdata[i];

		if (as->root == root) {
			g_ptr_array_add(names, as->name);
		}
	}
	g_ptr_array_sort(names, tree_name_cmp);
	for (guint i = 0; i < names->len; i++) {
		fprintf(st->out, "address-space: %s\n",
			(const char *)names->pdata[i]);
	}
	tree_print_node(st, root, 1, 0);
	fputc('\n', st->out);
}

static void
show_tree(struct memspace *ms, FILE *out, unsigned flags)
{
	g_autoptr(GPtrArray) targets = g_ptr_array_new();
	g_autoptr(GHashTable) queued = g_hash_table_new(NULL, NULL);
	g_autoptr(GHashTable) roots = g_hash_table_new(NULL, NULL);
	struct show_tree st = {
		.out = out,
		.flags = flags,
		.targets = targets,
		.queued = queued,
	};

	/* Groups in the creation order of their first address space. */
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		const struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		if (g_hash_table_add(roots, as->root)) {
			tree_print_group(&st, ms->addrspaces, as->root);
		}
	}
	/* The queue may grow while it is printed. */
	for (guint i = 0; i < targets->len; i++) {
		const struct memspace_region *mr = targets->pdata[i];

		fprintf(out, "memory-region: %s\n", mr->name);
		tree_print_node(&st, mr, 1, 0);
		fputc('\n', out);
	}
}

/* Flat dump. */
struct show_flat {
	FILE *out;
	unsigned flags;
	const struct show_accel *accel;
	const GPtrArray *ases;
};

/* One accelerator marker per address space of @fv that maps the range. */
static void
flat_print_accel(const struct show_flat *sf, const struct memspace_flatview *fv,
		 const struct flat_range *fr)
{
	const struct show_accel *accel = sf->accel;

	if (!accel || !accel->has_memory) {
		return;
	}
	for (guint i = 0; i < sf->ases->len; i++) {
		const struct memspace_addrspace *as = sf->ases->pdata[i];

		if (as->current == fv &&
		    accel->has_memory(accel->opaque, as, fr->start, fr->last)) {
			fprintf(sf->out, " %s", accel->name);
		}
	}
}

/* The priority shown is the terminating region's own; the type and nv-
 * come from the flags the range inherited on its path. */
static void
flat_print_range(const struct show_flat *sf, const struct memspace_flatview *fv,
		 const struct flat_range *fr)
{
	const struct memspace_region *mr = fr->mr;
	const char *type = fr->flags & RANGE_READONLY ? "rom" :
							region_type_name(mr);

	fprintf(sf->out,
		"  " ADDR_FMT "-" ADDR_FMT " (prio %" PRId32 ", %s%s): %s",
		fr->start, fr->last, mr->priority,
		fr->flags & RANGE_NONVOLATILE ? "nv-" : "", type, mr->name);
	if (fr->offset) {
		fprintf(sf->out, " @" ADDR_FMT, fr->offset);
	}
	if (sf->flags & MEMSPACE_SHOW_OWNERS) {
		show_owner(sf->out, mr);
	}
	flat_print_accel(sf, fv, fr);
	fputc('\n', sf->out);
}

static void
flat_print_addrspace(FILE *out, const struct memspace_addrspace *as)
{
	fprintf(out, " AS \"%s\", root: %s", as->name, as->root->name);
	if (as->root->alias) {
		fprintf(out, ", alias %s", as->root->alias->name);
	}
	fputc('\n', out);
}

static void
flat_print_view(const struct show_flat *sf, const struct memspace_flatview *fv,
		unsigned index)
{
	FILE *out = sf->out;
	struct ft_cursor c;
	const struct flat_range *fr;

	fprintf(out, "FlatView #%u\n", index);
	for (guint i = 0; i < sf->ases->len; i++) {
		const struct memspace_addrspace *as = sf->ases->pdata[i];

		if (as->current == fv) {
			flat_print_addrspace(out, as);
		}
	}
	fprintf(out, " Root memory region: %s\n",
		fv->root ? fv->root->name : "(none)");
	if (fv->nr == 0) {
		fputs("  No rendered FlatView\n\n", out);
		return;
	}
	flatview_for_each_range(fv, c, fr) {
		flat_print_range(sf, fv, fr);
	}
	fputc('\n', out);
}

static void
show_flat(struct memspace *ms, FILE *out, unsigned flags,
	  const struct show_accel *accel)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
	struct show_flat sf = {
		.out = out,
		.flags = flags,
		.accel = accel,
		.ases = ms->addrspaces,
	};
	unsigned index = 0;

	/* Views in the creation order of the first address space showing
	 * them.  The updater lock keeps as->current stable, so it is read
	 * directly rather than through rcu_dereference(). */
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		const struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		if (as->current && g_hash_table_add(seen, as->current)) {
			flat_print_view(&sf, as->current, index++);
		}
	}
}

int
show_print(struct memspace *ms, FILE *out, unsigned flags,
	   const struct show_accel *accel)
{
	if (!ms || !out || (flags & ~SHOW_ALL_FLAGS)) {
		return -EINVAL;
	}

	updater_lock(ms);
	if (flags & MEMSPACE_SHOW_FLAT) {
		show_flat(ms, out, flags, accel);
	} else {
		show_tree(ms, out, flags);
	}
	updater_unlock(ms);

	if (fflush(out) != 0 || ferror(out)) {
		return -EIO;
	}
	return 0;
}

MEMSPACE_EXPORT int
memspace_show(struct memspace *ms, FILE *out, unsigned flags)
{
	return show_print(ms, out, flags, NULL);
}
