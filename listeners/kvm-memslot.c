/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM memory-slot listener: which ranges become slots (trimmed to host
 * pages), the slot table (lowest free id, ordered by guest address), and
 * the commit that applies the queued changes in the order KVM needs:
 * deletions and in-place moves, then dirty-log flag flips, then additions.
 */
#include "config.h"

#include "kvm-internal.h"

/* A range as a slot would map it (before splitting to the size limit). */
struct plan {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t offset;		/* of @gpa in the region */
	uint32_t flags;
};

/* A deleted slot whose mapping reappears elsewhere in the same commit. */
struct move {
	struct kvm_slot *slot;
	uint64_t gpa;
	guint add;			/* index in q_add */
};

static void
record(int *first, int r)
{
	if (r < 0 && !*first) {
		*first = r;
	}
}

static gint
gpa_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
kvm_slots_init(struct memspace_kvm_listener *kl)
{
	kl->slots = g_ptr_array_new();
	kl->by_gpa = g_tree_new_full(gpa_cmp, NULL, NULL, NULL);
	kl->q_del = g_array_new(FALSE, FALSE, sizeof(struct kvm_queued));
	kl->q_add = g_array_new(FALSE, FALSE, sizeof(struct kvm_queued));
	kl->q_log = g_array_new(FALSE, FALSE, sizeof(struct kvm_queued));
}

void
kvm_slots_fini(struct memspace_kvm_listener *kl)
{
	for (guint i = 0; i < kl->slots->len; i++) {
		struct kvm_slot *s = kl->slots->pdata[i];

		if (s) {
			memspace_region_unref(s->mr);
			g_free(s);
		}
	}
	g_ptr_array_free(kl->slots, TRUE);
	g_tree_destroy(kl->by_gpa);
	g_array_free(kl->q_del, TRUE);
	g_array_free(kl->q_add, TRUE);
	g_array_free(kl->q_log, TRUE);
}

static uint32_t
kernel_id(const struct memspace_kvm_listener *kl, const struct kvm_slot *s)
{
	return s->id | (uint32_t)kl->as_id << 16;
}

bool
kvm_section_wants_slot(const struct memspace_section *sec, bool *ret_ro)
{
	*ret_ro = false;
	switch (memspace_region_get_kind(sec->mr)) {
	case MEMSPACE_REGION_RAM:
	case MEMSPACE_REGION_RAM_DEVICE:
		*ret_ro = sec->readonly;
		break;
	case MEMSPACE_REGION_ROM_DEVICE:
		if (!sec->romd) {
			return false;
		}
		*ret_ro = true;
		break;
	case MEMSPACE_REGION_CONTAINER:
	case MEMSPACE_REGION_IO:
	case MEMSPACE_REGION_ALIAS:
		return false;
	}
	return memspace_region_get_host_ptr(sec->mr) != NULL;
}

bool
kvm_section_backed(const struct memspace_kvm *kvm,
		   const struct memspace_section *sec, bool *ret_ro)
{
	return kvm_section_wants_slot(sec, ret_ro) &&
	       (!*ret_ro || kvm->readonly_mem);
}

/*
 * The whole host pages of @sec, as QEMU's kvm_align_section trims them;
 * false if none is left or the host address is not aligned like the guest
 * address.  The bytes trimmed off stay MMIO exits.
 */
static bool
plan_section(const struct memspace_kvm_listener *kl,
	     const struct memspace_section *sec, struct plan *p)
{
	/* Whole pages of the backend (huge pages on hugetlbfs). */
	uint64_t ps = MAX(kl->kvm->page_size,
			  memspace_region_get_page_size(sec->mr));
	u128 start = ((u128)sec->start + ps - 1) & ~(u128)(ps - 1);
	u128 end = ((u128)sec->last + 1) & ~(u128)(ps - 1);
	bool ro;

	if (!kl->memory || !kvm_section_backed(kl->kvm, sec, &ro)) {
		return false;
	}
	if (end > U128_2_64 - ps) {
		end = U128_2_64 - ps;	/* no slot reaches 2^64 */
	}
	if (end <= start) {
		return false;
	}
	p->gpa = (uint64_t)start;
	p->size = (uint64_t)(end - start);
	p->offset = sec->offset_in_region + (p->gpa - sec->start);
	p->uaddr = (uint64_t)(uintptr_t)memspace_region_get_host_ptr(sec->mr) +
		   p->offset;
	p->flags = (ro ? MEMSPACE_KVM_MEM_READONLY : 0) |
		   (sec->dirty_log_mask ? MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES : 0);
	return p->uaddr % ps == 0;
}

/* The slots that map @p for @mr (several if the range was split). */
static void
plan_slots(const struct memspace_kvm_listener *kl,
	   const struct memspace_region *mr, const struct plan *p,
	   GPtrArray *out)
{
	GTreeNode *n = g_tree_lower_bound(kl->by_gpa, &p->gpa);

	for (; n; n = g_tree_node_next(n)) {
		struct kvm_slot *s = g_tree_node_value(n);

		if (s->gpa - p->gpa >= p->size) {
			break;
		}
		if (!s->stale && s->mr == mr &&
		    s->offset == p->offset + (s->gpa - p->gpa)) {
			g_ptr_array_add(out, s);
		}
	}
}

/* Whether a slot other than @except overlaps [gpa, gpa + size). */
static bool
overlaps(const struct memspace_kvm_listener *kl, uint64_t gpa, uint64_t size,
	 const struct kvm_slot *except)
{
	GTreeNode *n = g_tree_lower_bound(kl->by_gpa, &gpa);
	GTreeNode *prev = n ? g_tree_node_previous(n) :
			      g_tree_node_last(kl->by_gpa);

	for (; n; n = g_tree_node_next(n)) {
		struct kvm_slot *s = g_tree_node_value(n);

		if (s->gpa - gpa >= size) {
			break;
		}
		if (s != except) {
			return true;
		}
	}
	if (prev) {
		struct kvm_slot *s = g_tree_node_value(prev);

		return s != except && s->gpa + s->size > gpa;
	}
	return false;
}

static int
set_region(const struct memspace_kvm_listener *kl, const struct kvm_slot *s,
	   uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct memspace_kvm_memslot m = {
		.slot = kernel_id(kl, s),
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = s->uaddr,
	};

	return kl->kvm->be->set_user_memory_region(kl->kvm->be_opaque, &m);
}

/* The lowest free slot id. */
static int
alloc_id(const struct memspace_kvm_listener *kl, uint32_t *ret_id)
{
	uint32_t i = kl->free_hint;

	while (i < kl->slots->len && kl->slots->pdata[i]) {
		i++;
	}
	if (i >= kl->kvm->nr_slots) {
		return -ENOSPC;
	}
	*ret_id = i;
	return 0;
}

static void
table_insert(struct memspace_kvm_listener *kl, struct kvm_slot *s)
{
	if (s->id >= kl->slots->len) {
		g_ptr_array_set_size(kl->slots, (gint)s->id + 1);
	}
	kl->slots->pdata[s->id] = s;
	g_tree_insert(kl->by_gpa, &s->gpa, s);
	/* Ids are taken lowest first: everything below is in use. */
	kl->free_hint = s->id + 1;
}

static void
table_remove(struct memspace_kvm_listener *kl, struct kvm_slot *s)
{
	g_tree_remove(kl->by_gpa, &s->gpa);
	kl->slots->pdata[s->id] = NULL;
	kl->free_hint = MIN(kl->free_hint, s->id);
	memspace_region_unref(s->mr);
	g_free(s);
}

/* Merge the slot's dirty log into its region's bitmap. */
static int
slot_sync(const struct memspace_kvm_listener *kl, const struct kvm_slot *s)
{
	uint64_t ps = kl->kvm->page_size, pages = s->size / ps;
	g_autofree uint64_t *bm = g_new0(uint64_t, (pages + 63) / 64);
	int ret;

	ret = kl->kvm->be->get_dirty_log(kl->kvm->be_opaque, kernel_id(kl, s),
					 bm);
	if (ret < 0) {
		return ret;
	}
	if (s->offset % ps == 0) {
		return memspace_region_merge_dirty(s->mr, s->offset, bm, pages,
						   s->log_mask);
	}
	/* Host memory not page aligned: a slot page spans two bitmap pages. */
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t off = s->offset + i * ps;

		if (bm[i / 64] & (1ull << (i % 64))) {
			(void)memspace_region_set_dirty(s->mr, off, ps);
		}
	}
	return 0;
}

static int
slot_delete(struct memspace_kvm_listener *kl, struct kvm_slot *s)
{
	int ret = 0, r;

	if (s->flags & MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES) {
		/* Keep the guest writes since the last sync. */
		ret = slot_sync(kl, s);
	}
	r = set_region(kl, s, s->gpa, 0, s->flags);
	if (r < 0) {
		s->stale = true;
		return r;
	}
	table_remove(kl, s);
	return ret;
}

/* Retry the deletions that failed in earlier commits. */
static void
retry_stale(struct memspace_kvm_listener *kl, int *first)
{
	for (guint i = 0; i < kl->slots->len; i++) {
		struct kvm_slot *s = kl->slots->pdata[i];

		if (s && s->stale) {
			record(first, slot_delete(kl, s));
		}
	}
}

static int
slot_add(struct memspace_kvm_listener *kl, const struct memspace_section *sec,
	 const struct plan *p)
{
	struct kvm_slot *s;
	uint32_t id;
	int ret;

	if (overlaps(kl, p->gpa, p->size, NULL)) {
		return -EEXIST;	/* an earlier delete failed */
	}
	ret = alloc_id(kl, &id);
	if (ret < 0) {
		return ret;
	}
	s = g_new0(struct kvm_slot, 1);
	*s = (struct kvm_slot){
		.id = id, .flags = p->flags, .gpa = p->gpa, .size = p->size,
		.uaddr = p->uaddr, .offset = p->offset,
		.log_mask = sec->dirty_log_mask,
	};
	ret = set_region(kl, s, s->gpa, s->size, s->flags);
	if (ret < 0) {
		g_free(s);
		return ret;
	}
	s->mr = memspace_region_ref(sec->mr);
	table_insert(kl, s);
	return 0;
}

/* Add @p as slots of at most the size limit. */
static void
plan_add(struct memspace_kvm_listener *kl, const struct memspace_section *sec,
	 const struct plan *p, int *first)
{
	uint64_t max = kl->kvm->max_slot_size;

	for (uint64_t off = 0; off < p->size; off += max) {
		struct plan chunk = *p;

		chunk.gpa += off;
		chunk.uaddr += off;
		chunk.offset += off;
		chunk.size = MIN(max, p->size - off);
		record(first, slot_add(kl, sec, &chunk));
	}
}

/* A queued addition that maps exactly what @s maps, somewhere else. */
static bool
find_move(struct memspace_kvm_listener *kl, struct kvm_slot *s,
	  struct move *mv)
{
	for (guint i = 0; i < kl->q_add->len; i++) {
		struct kvm_queued *q = &g_array_index(kl->q_add,
						      struct kvm_queued, i);
		struct plan p;

		if (q->consumed || q->sec.mr != s->mr ||
		    !plan_section(kl, &q->sec, &p)) {
			continue;
		}
		if (p.size == s->size && p.offset == s->offset &&
		    p.uaddr == s->uaddr && p.flags == s->flags &&
		    p.size <= kl->kvm->max_slot_size) {
			q->consumed = true;
			*mv = (struct move){ s, p.gpa, i };
			return true;
		}
	}
	return false;
}

/* Move in place when nothing is in the way; else delete (added later). */
static void
apply_move(struct memspace_kvm_listener *kl, const struct move *mv,
	   int *first)
{
	struct kvm_slot *s = mv->slot;
	struct kvm_queued *q = &g_array_index(kl->q_add, struct kvm_queued,
					      mv->add);
	int r;

	if (mv->gpa == s->gpa) {
		/* Deleted and added again unchanged (a resync). */
		s->log_mask = q->sec.dirty_log_mask;
		return;
	}
	if (!overlaps(kl, mv->gpa, s->size, s)) {
		r = set_region(kl, s, mv->gpa, s->size, s->flags);
		if (r == 0) {
			g_tree_remove(kl->by_gpa, &s->gpa);
			s->gpa = mv->gpa;
			s->log_mask = q->sec.dirty_log_mask;
			g_tree_insert(kl->by_gpa, &s->gpa, s);
			return;
		}
		record(first, r);
	}
	record(first, slot_delete(kl, s));
	q->consumed = false;
}

static void
apply_dels(struct memspace_kvm_listener *kl, int *first)
{
	g_autoptr(GPtrArray) victims = g_ptr_array_new();
	g_autoptr(GArray) moves = g_array_new(FALSE, FALSE,
					      sizeof(struct move));

	for (guint i = 0; i < kl->q_del->len; i++) {
		struct kvm_queued *q = &g_array_index(kl->q_del,
						      struct kvm_queued, i);
		g_autoptr(GPtrArray) found = g_ptr_array_new();
		struct move mv;
		struct plan p;

		if (!plan_section(kl, &q->sec, &p)) {
			continue;
		}
		plan_slots(kl, q->sec.mr, &p, found);
		if (found->len == 1 && find_move(kl, found->pdata[0], &mv)) {
			g_array_append_val(moves, mv);
			continue;
		}
		for (guint k = 0; k < found->len; k++) {
			g_ptr_array_add(victims, found->pdata[k]);
		}
	}
	/* Deletes first: a move may land where a deleted slot was. */
	for (guint i = 0; i < victims->len; i++) {
		record(first, slot_delete(kl, victims->pdata[i]));
	}
	for (guint i = 0; i < moves->len; i++) {
		apply_move(kl, &g_array_index(moves, struct move, i), first);
	}
}

/* Flip KVM_MEM_LOG_DIRTY_PAGES in place, the only flag KVM changes so. */
static void
apply_log(struct memspace_kvm_listener *kl, const struct kvm_queued *q,
	  int *first)
{
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	struct plan p;

	if (!plan_section(kl, &q->sec, &p)) {
		return;
	}
	plan_slots(kl, q->sec.mr, &p, found);
	for (guint k = 0; k < found->len; k++) {
		struct kvm_slot *s = found->pdata[k];
		uint32_t want = (s->flags & ~MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES) |
				(q->new_mask ? MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES
					     : 0);
		int r;

		if (want != s->flags && !q->new_mask) {
			record(first, slot_sync(kl, s));
		}
		r = want == s->flags ? 0 :
		    set_region(kl, s, s->gpa, s->size, want);
		if (r < 0) {
			record(first, r);
			continue;
		}
		s->flags = want;
		s->log_mask = q->new_mask;
	}
}

static void
apply_adds(struct memspace_kvm_listener *kl, int *first)
{
	for (guint i = 0; i < kl->q_add->len; i++) {
		struct kvm_queued *q = &g_array_index(kl->q_add,
						      struct kvm_queued, i);
		struct plan p;

		if (!q->consumed && plan_section(kl, &q->sec, &p)) {
			plan_add(kl, &q->sec, &p, first);
		}
	}
}

int
kvm_mem_commit(void *opaque)
{
	struct memspace_kvm_listener *kl = opaque;
	int first = 0;

	retry_stale(kl, &first);
	apply_dels(kl, &first);
	for (guint i = 0; i < kl->q_log->len; i++) {
		apply_log(kl, &g_array_index(kl->q_log, struct kvm_queued, i),
			  &first);
	}
	apply_adds(kl, &first);
	g_array_set_size(kl->q_del, 0);
	g_array_set_size(kl->q_add, 0);
	g_array_set_size(kl->q_log, 0);
	return first;
}

static void
queue(GArray *q, const struct memspace_section *sec, unsigned new_mask)
{
	struct kvm_queued e = { .sec = *sec, .new_mask = new_mask };

	g_array_append_val(q, e);
}

int
kvm_mem_region_add(void *opaque, const struct memspace_section *sec)
{
	struct memspace_kvm_listener *kl = opaque;
	bool ro;

	if (kvm_section_backed(kl->kvm, sec, &ro)) {
		queue(kl->q_add, sec, sec->dirty_log_mask);
	}
	return 0;
}

int
kvm_mem_region_del(void *opaque, const struct memspace_section *sec)
{
	struct memspace_kvm_listener *kl = opaque;
	bool ro;

	if (kvm_section_backed(kl->kvm, sec, &ro)) {
		queue(kl->q_del, sec, sec->dirty_log_mask);
	}
	return 0;
}

int
kvm_mem_log_change(void *opaque, const struct memspace_section *sec,
		   unsigned old_mask, unsigned new_mask)
{
	struct memspace_kvm_listener *kl = opaque;

	queue(kl->q_log, sec, new_mask);
	return 0;
}

int
kvm_mem_log_sync(void *opaque, const struct memspace_section *sec)
{
	struct memspace_kvm_listener *kl = opaque;
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	struct plan p;
	int first = 0;

	if (!plan_section(kl, sec, &p)) {
		return 0;
	}
	plan_slots(kl, sec->mr, &p, found);
	for (guint k = 0; k < found->len; k++) {
		struct kvm_slot *s = found->pdata[k];

		if (s->flags & MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES) {
			record(&first, slot_sync(kl, s));
		}
	}
	return first;
}

/* The table changes at commits: readers take the (recursive) updater
 * lock of the listener's context. */
MEMSPACE_EXPORT bool
memspace_kvm_listener_has_memory(const struct memspace_kvm_listener *kl,
				 uint64_t start, uint64_t size)
{
	const struct kvm_slot *s;
	bool ret;

	if (!kl) {
		return false;
	}
	updater_lock(kl->ms);
	s = g_tree_lookup(kl->by_gpa, &start);
	ret = s && !s->stale && s->size == size;
	updater_unlock(kl->ms);
	return ret;
}

MEMSPACE_EXPORT size_t
memspace_kvm_listener_nr_slots(const struct memspace_kvm_listener *kl)
{
	size_t n;

	if (!kl) {
		return 0;
	}
	updater_lock(kl->ms);
	n = (size_t)g_tree_nnodes(kl->by_gpa);
	updater_unlock(kl->ms);
	return n;
}

MEMSPACE_EXPORT int
memspace_kvm_listener_for_each_slot(const struct memspace_kvm_listener *kl,
				    memspace_kvm_slot_fn fn, void *opaque)
{
	int ret = 0;

	if (!kl || !fn) {
		return -EINVAL;
	}
	updater_lock(kl->ms);
	for (guint i = 0; !ret && i < kl->slots->len; i++) {
		const struct kvm_slot *s = kl->slots->pdata[i];
		struct memspace_kvm_memslot m;

		if (!s) {
			continue;
		}
		m = (struct memspace_kvm_memslot){
			kernel_id(kl, s), s->flags, s->gpa, s->size, s->uaddr
		};
		ret = fn(opaque, &m);
	}
	updater_unlock(kl->ms);
	return ret;
}
