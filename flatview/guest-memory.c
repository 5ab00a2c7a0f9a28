/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest-memory object: a sorted, validated array of guest regions
 * (binary-searched by the queries) and the region tree it maintains: one
 * RAM region per backend of default memory in `machine_ram`, aliases of it
 * in the root, and firmware, DAX and device regions in the root.
 *
 * Mutators run inside a transaction, so they hold the context's updater
 * lock from start to commit and are serialised by it.  The array is also
 * guarded by a reader-writer lock, held only while it is read or changed
 * (never across a commit), so queries work on any thread, and from
 * listener callbacks too.
 */
#include "config.h"

#include <inttypes.h>
#include <sys/mman.h>

#include "backend-internal.h"

/* A backend of default memory: its RAM region in machine_ram. */
struct gm_ram {
	struct memspace_backend *be;
	struct memspace_region *mr;
	uint64_t offset; /* in machine_ram */
	unsigned users; /* guest regions aliasing it */
};

struct gm_entry {
	struct memspace_guest_region desc; /* name and backend owned */
	struct memspace_region *mr; /* what sits in the root */
	struct gm_ram *ram; /* default memory only */
};

struct memspace_guest_memory {
	struct memspace *ms;
	struct memspace_addrspace *as;
	struct memspace_region *root;
	struct memspace_region *machine_ram;
	struct memspace_guest_layout layout;
	GRWLock lock; /* guards @entries and @last_addr */
	GPtrArray *entries; /* struct gm_entry, sorted by base */
	GPtrArray *rams; /* struct gm_ram, sorted by offset */
	uint64_t last_addr;
	unsigned ram_seq; /* for RAM region names */
};

static void
entry_free(struct gm_entry *e)
{
	memspace_region_unref(e->mr);
	memspace_backend_unref(e->desc.backend);
	g_free((char *)e->desc.name);
	g_free(e);
}

/* Index of the first entry whose base is above @gpa. */
static size_t
upper_bound(const struct memspace_guest_memory *gm, uint64_t gpa)
{
	size_t lo = 0, hi = gm->entries->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gm_entry *e = gm->entries->pdata[mid];

		if (e->desc.base <= gpa) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* The entry holding @gpa (under gm->lock), or NULL. */
static struct gm_entry *
entry_find(const struct memspace_guest_memory *gm, uint64_t gpa)
{
	size_t i = upper_bound(gm, gpa);
	struct gm_entry *e;

	if (i == 0) {
		return NULL;
	}
	e = gm->entries->pdata[i - 1];
	return gpa - e->desc.base < e->desc.size ? e : NULL;
}

static void
update_last_addr(struct memspace_guest_memory *gm)
{
	gm->last_addr = gm->layout.mem_start;
	for (size_t i = gm->entries->len; i-- > 0;) {
		const struct gm_entry *e = gm->entries->pdata[i];

		if (e->desc.type != MEMSPACE_GUEST_DAX_MEMORY) {
			uint64_t last = e->desc.base + e->desc.size - 1;

			gm->last_addr = MAX(last, gm->last_addr);
			return;
		}
	}
}

static int
check_desc(const struct memspace_guest_memory *gm,
	   const struct memspace_guest_region *r,
	   struct memspace_guest_range *ret_bad)
{
	bool needs_backend = r->type == MEMSPACE_GUEST_DEFAULT_MEMORY ||
			     r->type == MEMSPACE_GUEST_FIRMWARE_MEMORY;
	const struct memspace_backend *be = r->backend;

	if ((unsigned)r->type > MEMSPACE_GUEST_FIRMWARE_MEMORY ||
	    (needs_backend && !be)) {
		return -EINVAL;
	}
	if (be && r->type != MEMSPACE_GUEST_DEVICE_MEMORY &&
	    (r->backend_offset > be->size ||
	     r->size > be->size - r->backend_offset)) {
		return -EINVAL;
	}
	if (!memspace_guest_layout_region_valid(&gm->layout, r->type, r->base,
						r->size)) {
		if (ret_bad) {
			*ret_bad = (struct memspace_guest_range){ r->base,
								  r->size };
		}
		return -ERANGE;
	}
	return 0;
}

/* -EEXIST if @r intersects an entry (under gm->lock). */
static int
check_free(const struct memspace_guest_memory *gm,
	   const struct memspace_guest_region *r,
	   struct memspace_guest_range *ret_bad)
{
	size_t i = upper_bound(gm, r->base);

	/* Valid regions never wrap: only the two neighbours can overlap. */
	for (size_t k = i ? i - 1 : 0; k < i + 1 && k < gm->entries->len; k++) {
		const struct gm_entry *e = gm->entries->pdata[k];

		if (memspace_guest_ranges_intersect(
			    r->base, r->size, e->desc.base, e->desc.size)) {
			if (ret_bad) {
				*ret_bad = (struct memspace_guest_range){
					r->base, r->size
				};
			}
			return -EEXIST;
		}
	}
	return 0;
}

/* First free offset in machine_ram for @size bytes. */
static uint64_t
ram_place(const struct memspace_guest_memory *gm, uint64_t size, uint64_t align,
	  size_t *ret_index)
{
	uint64_t at = 0;
	size_t i;

	for (i = 0; i < gm->rams->len; i++) {
		const struct gm_ram *ram = gm->rams->pdata[i];

		if (at + size <= ram->offset) {
			break;
		}
		at = (ram->offset + ram->be->size + align - 1) / align * align;
	}
	*ret_index = i;
	return at;
}

/* The RAM region of @be in machine_ram, created on first use. */
static struct gm_ram *
ram_get(struct memspace_guest_memory *gm, struct memspace_backend *be)
{
	g_autofree char *name = NULL;
	struct gm_ram *ram;
	size_t idx;

	for (size_t i = 0; i < gm->rams->len; i++) {
		ram = gm->rams->pdata[i];
		if (ram->be == be) {
			return ram;
		}
	}
	ram = g_new0(struct gm_ram, 1);
	name = g_strdup_printf("ram%u", gm->ram_seq++);
	ram->be = memspace_backend_ref(be);
	ram->offset = ram_place(gm, be->size, be->page_size, &idx);
	ram->mr =
		memspace_region_new_ram_backend(gm->ms, name, be, 0, be->size);
	if (!ram->mr || memspace_region_add_subregion(
				gm->machine_ram, ram->offset, ram->mr) < 0) {
		memspace_region_unref(ram->mr);
		memspace_backend_unref(ram->be);
		g_free(ram);
		return NULL;
	}
	g_ptr_array_insert(gm->rams, (gint)idx, ram);
	return ram;
}

static void
ram_put(struct memspace_guest_memory *gm, struct gm_ram *ram)
{
	if (ram->users) {
		return;
	}
	memspace_region_del_subregion(gm->machine_ram, ram->mr);
	memspace_region_unref(ram->mr);
	memspace_backend_unref(ram->be);
	g_ptr_array_remove(gm->rams, ram);
	g_free(ram);
}

static const char *const type_prefix[] = {
	[MEMSPACE_GUEST_DEFAULT_MEMORY] = "ram",
	[MEMSPACE_GUEST_DEVICE_MEMORY] = "device",
	[MEMSPACE_GUEST_DAX_MEMORY] = "dax",
	[MEMSPACE_GUEST_FIRMWARE_MEMORY] = "firmware",
};

/* Create the tree region of @e (not mapped yet). */
static struct memspace_region *
entry_region(struct memspace_guest_memory *gm, struct gm_entry *e)
{
	const struct memspace_guest_region *d = &e->desc;

	switch (d->type) {
	case MEMSPACE_GUEST_DEFAULT_MEMORY:
		e->ram = ram_get(gm, d->backend);
		if (!e->ram) {
			return NULL;
		}
		e->ram->users++;
		return memspace_region_new_alias(gm->ms, d->name, e->ram->mr,
						 d->backend_offset, d->size);
	case MEMSPACE_GUEST_FIRMWARE_MEMORY:
		return memspace_region_new_ram_backend(gm->ms, d->name,
						       d->backend,
						       d->backend_offset,
						       d->size);
	case MEMSPACE_GUEST_DAX_MEMORY:
		if (d->backend) {
			return memspace_region_new_ram_backend(
				gm->ms, d->name, d->backend, d->backend_offset,
				d->size);
		}
		return memspace_region_new_container(gm->ms, d->name, d->size);
	case MEMSPACE_GUEST_DEVICE_MEMORY:
		return memspace_region_new_container(gm->ms, d->name, d->size);
	}
	return NULL;
}

/* Put @e into the tree (inside a transaction); nothing changes on error. */
static int
entry_map(struct memspace_guest_memory *gm, struct gm_entry *e)
{
	int ret = -ENOMEM;

	e->mr = entry_region(gm, e);
	if (e->mr) {
		if (!(e->desc.prot & PROT_WRITE) &&
		    e->desc.type != MEMSPACE_GUEST_DEVICE_MEMORY) {
			memspace_region_set_readonly(e->mr, true);
		}
		ret = memspace_region_add_subregion(gm->root, e->desc.base,
						    e->mr);
	}
	if (ret < 0) {
		e->mr = memspace_region_unref(e->mr);
		if (e->ram) {
			e->ram->users--;
			ram_put(gm, e->ram);
			e->ram = NULL;
		}
	}
	return ret;
}

static void
entry_unmap(struct memspace_guest_memory *gm, struct gm_entry *e)
{
	memspace_region_del_subregion(gm->root, e->mr);
	if (e->ram) {
		e->ram->users--;
		ram_put(gm, e->ram);
		e->ram = NULL;
	}
}

static struct gm_entry *
entry_new(const struct memspace_guest_region *r)
{
	struct gm_entry *e = g_new0(struct gm_entry, 1);
	unsigned type = (unsigned)r->type;

	e->desc = *r;
	e->desc.name = r->name ? g_strdup(r->name) :
				 g_strdup_printf("%s@0x%" PRIx64,
						 type_prefix[type], r->base);
	e->desc.backend = r->type == MEMSPACE_GUEST_DEVICE_MEMORY ?
				  NULL :
				  memspace_backend_ref(r->backend);
	return e;
}

/* Validate, map and index one region; inside the caller's transaction. */
static int
gm_insert_locked(struct memspace_guest_memory *gm,
		 const struct memspace_guest_region *r,
		 struct memspace_guest_range *ret_bad)
{
	struct gm_entry *e;
	int ret = check_desc(gm, r, ret_bad);

	if (ret == 0) {
		g_rw_lock_reader_lock(&gm->lock);
		ret = check_free(gm, r, ret_bad);
		g_rw_lock_reader_unlock(&gm->lock);
	}
	if (ret < 0) {
		return ret;
	}
	e = entry_new(r);
	ret = entry_map(gm, e);
	if (ret < 0) {
		entry_free(e);
		return ret;
	}
	g_rw_lock_writer_lock(&gm->lock);
	g_ptr_array_insert(gm->entries, (gint)upper_bound(gm, r->base), e);
	update_last_addr(gm);
	g_rw_lock_writer_unlock(&gm->lock);
	return 0;
}

static void
gm_remove_entry(struct memspace_guest_memory *gm, struct gm_entry *e)
{
	g_rw_lock_writer_lock(&gm->lock);
	g_ptr_array_remove(gm->entries, e);
	update_last_addr(gm);
	g_rw_lock_writer_unlock(&gm->lock);
	entry_unmap(gm, e);
	entry_free(e);
}

MEMSPACE_EXPORT int
memspace_guest_memory_insert(struct memspace_guest_memory *gm,
			     const struct memspace_guest_region *region,
			     struct memspace_guest_range *ret_bad)
{
	int ret, cret;

	if (!gm || !region) {
		return -EINVAL;
	}
	ret = memspace_transaction_begin(gm->ms);
	if (ret < 0) {
		return ret;
	}
	ret = gm_insert_locked(gm, region, ret_bad);
	cret = memspace_transaction_commit(gm->ms);
	return ret < 0 ? ret : cret;
}

MEMSPACE_EXPORT int
memspace_guest_memory_remove(struct memspace_guest_memory *gm, uint64_t base,
			     uint64_t size)
{
	struct gm_entry *e;
	int ret;

	if (!gm) {
		return -EINVAL;
	}
	ret = memspace_transaction_begin(gm->ms);
	if (ret < 0) {
		return ret;
	}
	g_rw_lock_reader_lock(&gm->lock);
	e = entry_find(gm, base);
	g_rw_lock_reader_unlock(&gm->lock);
	if (!e || e->desc.base != base || e->desc.size != size) {
		memspace_transaction_commit(gm->ms);
		return -ENOENT;
	}
	gm_remove_entry(gm, e);
	return memspace_transaction_commit(gm->ms);
}

static bool
layout_valid(const struct memspace_guest_layout *l)
{
	return l->mem_start <= l->mem_end && l->mem_end <= l->phys_end;
}

static struct memspace_guest_memory *
gm_alloc(struct memspace_addrspace *as,
	 const struct memspace_guest_layout *layout)
{
	struct memspace_guest_memory *gm =
		g_new0(struct memspace_guest_memory, 1);

	gm->ms = memspace_ref(memspace_addrspace_get_context(as));
	gm->as = as;
	gm->root = memspace_region_ref(memspace_addrspace_get_root(as));
	gm->layout = *layout;
	gm->last_addr = layout->mem_start;
	g_rw_lock_init(&gm->lock);
	gm->entries = g_ptr_array_new();
	gm->rams = g_ptr_array_new();
	gm->machine_ram = memspace_region_new_container(gm->ms, "machine_ram",
							MEMSPACE_SIZE_2_64);
	return gm;
}

static void
gm_free(struct memspace_guest_memory *gm)
{
	memspace_region_unref(gm->machine_ram);
	memspace_region_unref(gm->root);
	g_ptr_array_free(gm->entries, true);
	g_ptr_array_free(gm->rams, true);
	g_rw_lock_clear(&gm->lock);
	memspace_unref_internal(gm->ms);
	g_free(gm);
}

/* Remove every entry (inside a transaction). */
static void
gm_clear(struct memspace_guest_memory *gm)
{
	while (gm->entries->len) {
		gm_remove_entry(gm, gm->entries->pdata[gm->entries->len - 1]);
	}
}

static int
gm_fill(struct memspace_guest_memory *gm,
	const struct memspace_guest_region *regions, size_t nr,
	struct memspace_guest_range *ret_bad)
{
	/* Report intersections in address order: insert sorted by base. */
	g_autofree size_t *order = g_new(size_t, nr ? nr : 1);
	int ret = 0;

	for (size_t i = 0; i < nr; i++) {
		size_t j = i;

		for (; j > 0 && regions[order[j - 1]].base > regions[i].base;
		     j--) {
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	for (size_t i = 0; i < nr && ret == 0; i++) {
		ret = gm_insert_locked(gm, &regions[order[i]], ret_bad);
	}
	return ret;
}

MEMSPACE_EXPORT int
memspace_guest_memory_create(struct memspace_addrspace *as,
			  const struct memspace_guest_layout *layout,
			  const struct memspace_guest_region *regions,
			  size_t nr_regions,
			  struct memspace_guest_range *ret_bad,
			  struct memspace_guest_memory **ret)
{
	struct memspace_guest_memory *gm;
	struct memspace *ms;
	int err, cret;

	if (!ret) {
		return -EINVAL;
	}
	*ret = NULL;
	if (!as || !layout || (nr_regions && !regions) ||
	    !layout_valid(layout) ||
	    memspace_region_get_kind(memspace_addrspace_get_root(as)) !=
		    MEMSPACE_REGION_CONTAINER ||
	    memspace_addrspace_get_machine_ram(as)) {
		return -EINVAL;
	}
	ms = memspace_addrspace_get_context(as);
	err = memspace_transaction_begin(ms);
	if (err < 0) {
		return err;
	}
	gm = gm_alloc(as, layout);
	err = gm_fill(gm, regions, nr_regions, ret_bad);
	if (err < 0) {
		gm_clear(gm);
	}
	cret = memspace_transaction_commit(ms);
	if (err < 0) {
		gm_free(gm);
		return err;
	}
	memspace_addrspace_set_machine_ram(as, gm->machine_ram);
	*ret = gm;
	return cret;
}

MEMSPACE_EXPORT int
memspace_guest_memory_destroy(struct memspace_guest_memory *gm)
{
	int ret;

	if (!gm) {
		return 0;
	}
	ret = memspace_transaction_begin(gm->ms);
	if (ret < 0) {
		return ret;
	}
	gm_clear(gm);
	ret = memspace_transaction_commit(gm->ms);
	if (memspace_addrspace_get_machine_ram(gm->as) == gm->machine_ram) {
		memspace_addrspace_set_machine_ram(gm->as, NULL);
	}
	gm_free(gm);
	return ret;
}

MEMSPACE_EXPORT const struct memspace_guest_layout *
memspace_guest_memory_get_layout(const struct memspace_guest_memory *gm)
{
	if (!gm) {
		return NULL;
	}
	return &gm->layout;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_guest_memory_get_machine_ram(const struct memspace_guest_memory *gm)
{
	if (!gm) {
		return NULL;
	}
	return gm->machine_ram;
}

MEMSPACE_EXPORT size_t
memspace_guest_memory_count(struct memspace_guest_memory *gm)
{
	size_t n;

	if (!gm) {
		return 0;
	}

	g_rw_lock_reader_lock(&gm->lock);
	n = gm->entries->len;
	g_rw_lock_reader_unlock(&gm->lock);
	return n;
}

MEMSPACE_EXPORT int
memspace_guest_memory_find(struct memspace_guest_memory *gm, uint64_t gpa,
			   struct memspace_guest_region *ret)
{
	const struct gm_entry *e;

	if (!gm) {
		return -EINVAL;
	}
	g_rw_lock_reader_lock(&gm->lock);
	e = entry_find(gm, gpa);
	if (e && ret) {
		*ret = e->desc;
	}
	g_rw_lock_reader_unlock(&gm->lock);
	return e ? 0 : -ENOENT;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_guest_memory_get_region(struct memspace_guest_memory *gm, uint64_t gpa)
{
	const struct gm_entry *e;

	if (!gm) {
		errno = EINVAL;
		return NULL;
	}
	g_rw_lock_reader_lock(&gm->lock);
	e = entry_find(gm, gpa);
	g_rw_lock_reader_unlock(&gm->lock);
	if (!e) {
		errno = ENOENT;
		return NULL;
	}
	return e->mr;
}

MEMSPACE_EXPORT uint64_t
memspace_guest_memory_last_addr(struct memspace_guest_memory *gm)
{
	uint64_t last;

	if (!gm) {
		return 0;
	}

	g_rw_lock_reader_lock(&gm->lock);
	last = gm->last_addr;
	g_rw_lock_reader_unlock(&gm->lock);
	return last;
}

MEMSPACE_EXPORT bool
memspace_guest_memory_is_dax(struct memspace_guest_memory *gm, uint64_t gpa)
{
	struct memspace_guest_region r;

	if (!gm) {
		return false;
	}

	return memspace_guest_memory_find(gm, gpa, &r) == 0 &&
	       r.type == MEMSPACE_GUEST_DAX_MEMORY;
}

MEMSPACE_EXPORT int
memspace_guest_memory_get_prot(struct memspace_guest_memory *gm, uint64_t gpa)
{
	struct memspace_guest_region r;
	int ret = memspace_guest_memory_find(gm, gpa, &r);

	if (!gm) {
		return -EINVAL;
	}
	return ret < 0 ? ret : r.prot;
}

MEMSPACE_EXPORT int
memspace_guest_memory_get_numa_node(struct memspace_guest_memory *gm,
				    uint64_t gpa)
{
	struct memspace_guest_region r;
	int ret = memspace_guest_memory_find(gm, gpa, &r);

	if (!gm) {
		return -EINVAL;
	}

	if (ret < 0) {
		return ret;
	}
	return r.host_numa_node >= 0 ? r.host_numa_node : -ENODATA;
}

MEMSPACE_EXPORT int
memspace_guest_memory_walk(struct memspace_guest_memory *gm,
			   memspace_guest_walk_fn fn, void *opaque)
{
	g_autoptr(GArray) snap = NULL;
	int ret = 0;

	if (!gm || !fn) {
		return -EINVAL;
	}
	snap = g_array_new(false, false, sizeof(struct memspace_guest_region));
	g_rw_lock_reader_lock(&gm->lock);
	for (size_t i = 0; i < gm->entries->len; i++) {
		struct gm_entry *e = gm->entries->pdata[i];
		struct memspace_guest_region r = e->desc;

		r.name = g_strdup(r.name);
		r.backend = memspace_backend_ref(r.backend);
		g_array_append_val(snap, r);
	}
	g_rw_lock_reader_unlock(&gm->lock);
	for (size_t i = 0; i < snap->len; i++) {
		struct memspace_guest_region *r =
			&g_array_index(snap, struct memspace_guest_region, i);

		if (ret == 0) {
			ret = fn(opaque, r);
		}
		g_free((char *)r->name);
		memspace_backend_unref(r->backend);
	}
	return ret;
}
