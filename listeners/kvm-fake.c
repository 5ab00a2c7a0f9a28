/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake KVM backend: slots, ioeventfds and coalesced zones kept in memory
 * under the rules the kernel enforces (as measured in
 * kvm-on-this-machine-kind.md), a text log of every call, and failure
 * injection.  Unit tests and `memspace kvm-slots --fake` use it.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "kvm-internal.h"

#define FAKE_PAGE 4096ull
#define FAKE_MAX_PAGES ((1ull << 31) - 1)
#define FAKE_GPA_LIMIT (1ull << 52)
#define FAKE_USER_LIMIT (1ull << 47)

struct fake_slot {
	struct memspace_kvm_memslot m;
	uint64_t *dirty;		/* while logging */
};

struct memspace_kvm_fake {
	GHashTable *slots;		/* slot id -> struct fake_slot */
	GArray *ioeventfds;		/* struct memspace_kvm_ioeventfd */
	GArray *zones;			/* struct memspace_kvm_zone */
	GHashTable *caps;		/* overrides: cap -> value */
	unsigned fail_in;		/* calls until the injected failure */
	int fail_err;
	GString *log;
};

static void
slot_free(gpointer p)
{
	struct fake_slot *s = p;

	g_free(s->dirty);
	g_free(s);
}

MEMSPACE_EXPORT struct memspace_kvm_fake *
memspace_kvm_fake_create(void)
{
	struct memspace_kvm_fake *f = g_new0(struct memspace_kvm_fake, 1);

	f->slots = g_hash_table_new_full(NULL, NULL, NULL, slot_free);
	f->ioeventfds = g_array_new(FALSE, FALSE,
				    sizeof(struct memspace_kvm_ioeventfd));
	f->zones = g_array_new(FALSE, FALSE, sizeof(struct memspace_kvm_zone));
	f->caps = g_hash_table_new(NULL, NULL);
	f->log = g_string_new(NULL);
	return f;
}

MEMSPACE_EXPORT void
memspace_kvm_fake_destroy(struct memspace_kvm_fake *f)
{
	if (!f) {
		return;
	}
	g_hash_table_destroy(f->slots);
	g_array_free(f->ioeventfds, TRUE);
	g_array_free(f->zones, TRUE);
	g_hash_table_destroy(f->caps);
	g_string_free(f->log, TRUE);
	g_free(f);
}

static int
default_cap(unsigned cap)
{
	switch (cap) {
	case MEMSPACE_KVM_CAP_NR_MEMSLOTS:
		return 32764;
	case MEMSPACE_KVM_CAP_COALESCED_MMIO:
		return 2;
	case MEMSPACE_KVM_CAP_MULTI_ADDRESS_SPACE:
		return 0;
	case MEMSPACE_KVM_CAP_IOEVENTFD:
	case MEMSPACE_KVM_CAP_READONLY_MEM:
	case MEMSPACE_KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case MEMSPACE_KVM_CAP_COALESCED_PIO:
		return 1;
	default:
		return 0;
	}
}

static int
fake_cap(const struct memspace_kvm_fake *f, unsigned cap)
{
	gpointer v;

	if (g_hash_table_lookup_extended(f->caps, GUINT_TO_POINTER(cap), NULL,
					 &v)) {
		return GPOINTER_TO_INT(v);
	}
	return default_cap(cap);
}

MEMSPACE_EXPORT void
memspace_kvm_fake_set_cap(struct memspace_kvm_fake *f, unsigned cap,
			  int value)
{
	if (!f) {
		return;
	}
	g_hash_table_insert(f->caps, GUINT_TO_POINTER(cap),
			    GINT_TO_POINTER(value));
}

MEMSPACE_EXPORT void
memspace_kvm_fake_fail_call(struct memspace_kvm_fake *f, unsigned nth, int err)
{
	if (!f) {
		return;
	}
	f->fail_in = nth;
	f->fail_err = err;
}

/* The injected failure, if this call is the chosen one. */
static int
injected(struct memspace_kvm_fake *f)
{
	if (f->fail_in && --f->fail_in == 0) {
		return f->fail_err;
	}
	return 0;
}

static int
check_extension(void *opaque, unsigned cap)
{
	return fake_cap(opaque, cap);
}

static bool
ranges_overlap(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return a < b + bsize && b < a + asize;
}

/* Whether another slot of the same address space overlaps @m. */
static bool
slot_collides(struct memspace_kvm_fake *f, const struct memspace_kvm_memslot *m)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, f->slots);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct fake_slot *s = v;

		if (s->m.slot != m->slot && s->m.slot >> 16 == m->slot >> 16 &&
		    ranges_overlap(s->m.guest_phys_addr, s->m.memory_size,
				   m->guest_phys_addr, m->memory_size)) {
			return true;
		}
	}
	return false;
}

static int
check_slot(struct memspace_kvm_fake *f, const struct memspace_kvm_memslot *m)
{
	int nr_as = MAX(fake_cap(f, MEMSPACE_KVM_CAP_MULTI_ADDRESS_SPACE), 1);
	int nr_slots = fake_cap(f, MEMSPACE_KVM_CAP_NR_MEMSLOTS);

	if ((m->slot & 0xffff) >= (uint32_t)nr_slots ||
	    m->slot >> 16 >= (uint32_t)nr_as) {
		return -EINVAL;
	}
	if (m->flags & ~(MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES |
			 MEMSPACE_KVM_MEM_READONLY)) {
		return -EINVAL;
	}
	if (m->memory_size == 0) {
		return 0;
	}
	if ((m->guest_phys_addr | m->memory_size | m->userspace_addr) &
	    (FAKE_PAGE - 1)) {
		return -EINVAL;
	}
	if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr ||
	    m->guest_phys_addr + m->memory_size > FAKE_GPA_LIMIT ||
	    m->userspace_addr >= FAKE_USER_LIMIT ||
	    m->memory_size / FAKE_PAGE > FAKE_MAX_PAGES) {
		return -EINVAL;
	}
	return 0;
}

static void
set_logging(struct fake_slot *s, bool on)
{
	if (!on) {
		g_clear_pointer(&s->dirty, g_free);
	} else if (!s->dirty) {
		s->dirty = g_new0(uint64_t,
				  (s->m.memory_size / FAKE_PAGE + 63) / 64);
	}
}

/* Change an existing slot: only a move or a dirty-log toggle. */
static int
change_slot(struct memspace_kvm_fake *f, struct fake_slot *s,
	    const struct memspace_kvm_memslot *m)
{
	if (m->memory_size != s->m.memory_size ||
	    m->userspace_addr != s->m.userspace_addr ||
	    ((m->flags ^ s->m.flags) & MEMSPACE_KVM_MEM_READONLY)) {
		return -EINVAL;
	}
	if (m->guest_phys_addr != s->m.guest_phys_addr && slot_collides(f, m)) {
		return -EEXIST;
	}
	s->m = *m;
	set_logging(s, m->flags & MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES);
	return 0;
}

static int
apply_slot(struct memspace_kvm_fake *f, const struct memspace_kvm_memslot *m)
{
	struct fake_slot *s = g_hash_table_lookup(f->slots,
						  GUINT_TO_POINTER(m->slot));
	int ret = check_slot(f, m);

	if (ret < 0) {
		return ret;
	}
	if (m->memory_size == 0) {
		/* Addresses and flags of a deletion are ignored. */
		if (!g_hash_table_remove(f->slots, GUINT_TO_POINTER(m->slot))) {
			return -EINVAL;
		}
		return 0;
	}
	if (s) {
		return change_slot(f, s, m);
	}
	if (slot_collides(f, m)) {
		return -EEXIST;
	}
	s = g_new0(struct fake_slot, 1);
	s->m = *m;
	set_logging(s, m->flags & MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES);
	g_hash_table_insert(f->slots, GUINT_TO_POINTER(m->slot), s);
	return 0;
}

static const char *
flags_str(uint32_t flags)
{
	static const char *const names[] = { "-", "log", "ro", "log,ro" };

	return names[flags & 3];
}

static int
set_user_memory_region(void *opaque, const struct memspace_kvm_memslot *m)
{
	struct memspace_kvm_fake *f = opaque;
	int ret = injected(f);

	if (!ret) {
		ret = apply_slot(f, m);
	}
	if (m->memory_size == 0) {
		g_string_append_printf(f->log, "delete slot=%u = %d\n", m->slot,
				       ret);
		return ret;
	}
	g_string_append_printf(f->log, "set slot=%u gpa=0x%" PRIx64
			       " size=0x%" PRIx64 " flags=%s = %d\n", m->slot,
			       m->guest_phys_addr, m->memory_size,
			       flags_str(m->flags), ret);
	return ret;
}

static int
get_dirty_log(void *opaque, uint32_t slot, uint64_t *bitmap)
{
	struct memspace_kvm_fake *f = opaque;
	struct fake_slot *s = g_hash_table_lookup(f->slots,
						  GUINT_TO_POINTER(slot));
	int ret = injected(f);

	if (!ret && (!s || !s->dirty)) {
		ret = -ENOENT;
	}
	if (!ret) {
		size_t words = (s->m.memory_size / FAKE_PAGE + 63) / 64;

		memcpy(bitmap, s->dirty, words * sizeof(uint64_t));
		memset(s->dirty, 0, words * sizeof(uint64_t));
	}
	g_string_append_printf(f->log, "dirty_log slot=%u = %d\n", slot, ret);
	return ret;
}

/* KVM's collision rule: same address, and lengths or data overlap. */
static bool
eventfd_collides(const struct memspace_kvm_ioeventfd *a,
		 const struct memspace_kvm_ioeventfd *b)
{
	bool wild_a = !(a->flags & MEMSPACE_KVM_IOEVENTFD_DATAMATCH);
	bool wild_b = !(b->flags & MEMSPACE_KVM_IOEVENTFD_DATAMATCH);

	if (a->addr != b->addr ||
	    (a->flags & MEMSPACE_KVM_IOEVENTFD_PIO) !=
	    (b->flags & MEMSPACE_KVM_IOEVENTFD_PIO)) {
		return false;
	}
	return !a->len || !b->len ||
	       (a->len == b->len &&
		(wild_a || wild_b || a->datamatch == b->datamatch));
}

static int
check_eventfd(const struct memspace_kvm_ioeventfd *r)
{
	if (r->flags & ~7u) {
		return -EINVAL;
	}
	if (r->len != 0 && r->len != 1 && r->len != 2 && r->len != 4 &&
	    r->len != 8) {
		return -EINVAL;
	}
	if (r->len == 0 && (r->flags & MEMSPACE_KVM_IOEVENTFD_DATAMATCH)) {
		return -EINVAL;
	}
	if (r->addr + r->len < r->addr) {
		return -EINVAL;
	}
	return r->fd < 0 ? -EBADF : 0;
}

/* Index of the exact entry @r names (deassign), or -1. */
static gint
eventfd_find(const struct memspace_kvm_fake *f,
	     const struct memspace_kvm_ioeventfd *r)
{
	uint32_t keep = MEMSPACE_KVM_IOEVENTFD_PIO |
			MEMSPACE_KVM_IOEVENTFD_DATAMATCH;

	for (guint i = 0; i < f->ioeventfds->len; i++) {
		const struct memspace_kvm_ioeventfd *e = &g_array_index(
			f->ioeventfds, struct memspace_kvm_ioeventfd, i);

		if (e->addr == r->addr && e->len == r->len && e->fd == r->fd &&
		    (e->flags & keep) == (r->flags & keep) &&
		    (!(e->flags & MEMSPACE_KVM_IOEVENTFD_DATAMATCH) ||
		     e->datamatch == r->datamatch)) {
			return (gint)i;
		}
	}
	return -1;
}

static int
apply_eventfd(struct memspace_kvm_fake *f,
	      const struct memspace_kvm_ioeventfd *r)
{
	int ret = check_eventfd(r);
	gint i;

	if (ret < 0) {
		return ret;
	}
	if (r->flags & MEMSPACE_KVM_IOEVENTFD_DEASSIGN) {
		i = eventfd_find(f, r);
		if (i < 0) {
			return -ENOENT;
		}
		g_array_remove_index(f->ioeventfds, (guint)i);
		return 0;
	}
	for (guint k = 0; k < f->ioeventfds->len; k++) {
		const struct memspace_kvm_ioeventfd *e =
			&((const struct memspace_kvm_ioeventfd *)
				  (const void *)f->ioeventfds->data)[k];

		if (eventfd_collides(e, r)) {
			return -EEXIST;
		}
	}
	g_array_append_val(f->ioeventfds, *r);
	return 0;
}

static int
ioeventfd(void *opaque, const struct memspace_kvm_ioeventfd *r)
{
	struct memspace_kvm_fake *f = opaque;
	int ret = injected(f);

	if (!ret) {
		ret = apply_eventfd(f, r);
	}
	g_string_append_printf(
		f->log, "ioeventfd %s%s addr=0x%" PRIx64 " len=%u%s = %d\n",
		r->flags & MEMSPACE_KVM_IOEVENTFD_DEASSIGN ? "deassign"
							   : "assign",
		r->flags & MEMSPACE_KVM_IOEVENTFD_PIO ? " pio" : "", r->addr,
		r->len, r->flags & MEMSPACE_KVM_IOEVENTFD_DATAMATCH ?
		" datamatch" : "", ret);
	return ret;
}

static int
register_coalesced(void *opaque, const struct memspace_kvm_zone *z)
{
	struct memspace_kvm_fake *f = opaque;
	int ret = injected(f);

	if (!ret) {
		g_array_append_val(f->zones, *z);
	}
	g_string_append_printf(f->log, "coalesced register%s addr=0x%" PRIx64
			       " size=0x%x = %d\n", z->pio ? " pio" : "",
			       z->addr, z->size, ret);
	return ret;
}

/* KVM removes every zone inside the range, and never fails for none. */
static int
unregister_coalesced(void *opaque, const struct memspace_kvm_zone *z)
{
	struct memspace_kvm_fake *f = opaque;
	int ret = injected(f);

	for (guint i = 0; !ret && i < f->zones->len;) {
		const struct memspace_kvm_zone *w =
			&g_array_index(f->zones, struct memspace_kvm_zone, i);

		if (w->pio == z->pio && w->addr >= z->addr &&
		    w->addr + w->size <= z->addr + z->size) {
			g_array_remove_index(f->zones, i);
		} else {
			i++;
		}
	}
	g_string_append_printf(f->log, "coalesced unregister%s addr=0x%" PRIx64
			       " size=0x%x = %d\n", z->pio ? " pio" : "",
			       z->addr, z->size, ret);
	return ret;
}

static const struct memspace_kvm_backend fake_backend = {
	.version = MEMSPACE_KVM_BACKEND_VERSION,
	.check_extension = check_extension,
	.set_user_memory_region = set_user_memory_region,
	.get_dirty_log = get_dirty_log,
	.ioeventfd = ioeventfd,
	.register_coalesced = register_coalesced,
	.unregister_coalesced = unregister_coalesced,
};

MEMSPACE_EXPORT const struct memspace_kvm_backend *
memspace_kvm_fake_backend(void)
{
	return &fake_backend;
}

MEMSPACE_EXPORT const char *
memspace_kvm_fake_get_log(const struct memspace_kvm_fake *f)
{
	if (!f) {
		return NULL;
	}
	return f->log->str;
}

MEMSPACE_EXPORT void
memspace_kvm_fake_clear_log(struct memspace_kvm_fake *f)
{
	if (f) {
		g_string_truncate(f->log, 0);
	}
}

MEMSPACE_EXPORT int
memspace_kvm_fake_get_slot(const struct memspace_kvm_fake *f, uint32_t slot,
			   struct memspace_kvm_memslot *ret_slot)
{
	const struct fake_slot *s =
		f ? g_hash_table_lookup(f->slots, GUINT_TO_POINTER(slot)) : NULL;

	if (!f || !ret_slot) {
		return -EINVAL;
	}

	if (!s) {
		return -ENOENT;
	}
	*ret_slot = s->m;
	return 0;
}

MEMSPACE_EXPORT size_t
memspace_kvm_fake_nr_slots(const struct memspace_kvm_fake *f)
{
	if (!f) {
		return 0;
	}
	return g_hash_table_size(f->slots);
}

MEMSPACE_EXPORT size_t
memspace_kvm_fake_nr_ioeventfds(const struct memspace_kvm_fake *f)
{
	if (!f) {
		return 0;
	}
	return f->ioeventfds->len;
}

MEMSPACE_EXPORT size_t
memspace_kvm_fake_nr_zones(const struct memspace_kvm_fake *f)
{
	if (!f) {
		return 0;
	}
	return f->zones->len;
}

MEMSPACE_EXPORT int
memspace_kvm_fake_dirty_page(struct memspace_kvm_fake *f, uint32_t slot,
			     uint64_t page)
{
	struct fake_slot *s =
		f ? g_hash_table_lookup(f->slots, GUINT_TO_POINTER(slot)) : NULL;

	if (!f) {
		return -EINVAL;
	}
	if (!s || !s->dirty) {
		return -ENOENT;
	}
	if (page >= s->m.memory_size / FAKE_PAGE) {
		return -ERANGE;
	}
	s->dirty[page / 64] |= 1ull << (page % 64);
	return 0;
}
