/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioeventfds and coalesced zones of the KVM listeners, applied as they are
 * reported.  Each listener remembers what the kernel has, so that a removal
 * of something whose addition failed is a no-op instead of an ENOENT, and
 * counts identical coalesced zones: KVM accepts duplicates silently, and
 * one unregistration drops every zone inside its range, so the zones still
 * wanted there are registered again.
 */
#include "config.h"

#include "kvm-internal.h"

static guint
req_hash(gconstpointer p)
{
	const struct memspace_kvm_ioeventfd *r = p;

	return g_int64_hash(&r->addr) ^ g_int64_hash(&r->datamatch) ^
	       (r->len * 0x9e3779b9u) ^ (guint)r->fd ^ (r->flags << 29);
}

static gboolean
req_equal(gconstpointer a, gconstpointer b)
{
	const struct memspace_kvm_ioeventfd *x = a, *y = b;

	return x->addr == y->addr && x->datamatch == y->datamatch &&
	       x->len == y->len && x->fd == y->fd && x->flags == y->flags;
}

void
kvm_io_init(struct memspace_kvm_listener *kl)
{
	kl->eventfds = g_hash_table_new_full(req_hash, req_equal, g_free, NULL);
	kl->zones = g_array_new(FALSE, FALSE, sizeof(struct kvm_zone_ref));
}

void
kvm_io_fini(struct memspace_kvm_listener *kl)
{
	g_hash_table_destroy(kl->eventfds);
	g_array_free(kl->zones, TRUE);
}

static struct memspace_kvm_ioeventfd
make_req(const struct memspace_kvm_listener *kl,
	 const struct memspace_ioeventfd *e)
{
	return (struct memspace_kvm_ioeventfd){
		.datamatch = e->match_data ? e->data : 0,
		.addr = e->addr,
		.len = (uint32_t)e->size,
		.fd = e->fd,
		.flags = (kl->memory ? 0 : MEMSPACE_KVM_IOEVENTFD_PIO) |
			 (e->match_data ? MEMSPACE_KVM_IOEVENTFD_DATAMATCH : 0),
	};
}

int
kvm_eventfd_add(void *opaque, const struct memspace_section *sec,
		const struct memspace_ioeventfd *e)
{
	struct memspace_kvm_listener *kl = opaque;
	struct memspace_kvm_ioeventfd req = make_req(kl, e);
	int ret;

	if (e->size == 0 && !kl->kvm->ioeventfd_any_length) {
		return -EOPNOTSUPP;
	}
	if (g_hash_table_contains(kl->eventfds, &req)) {
		return -EEXIST;
	}
	ret = kl->kvm->be->ioeventfd(kl->kvm->be_opaque, &req);
	if (ret < 0) {
		return ret;
	}
	g_hash_table_add(kl->eventfds, g_memdup2(&req, sizeof(req)));
	return 0;
}

int
kvm_eventfd_del(void *opaque, const struct memspace_section *sec,
		const struct memspace_ioeventfd *e)
{
	struct memspace_kvm_listener *kl = opaque;
	struct memspace_kvm_ioeventfd req = make_req(kl, e);
	struct memspace_kvm_ioeventfd deassign = req;
	int ret;

	if (!g_hash_table_contains(kl->eventfds, &req)) {
		return 0;	/* its addition failed */
	}
	deassign.flags |= MEMSPACE_KVM_IOEVENTFD_DEASSIGN;
	ret = kl->kvm->be->ioeventfd(kl->kvm->be_opaque, &deassign);
	if (ret < 0) {
		return ret;
	}
	g_hash_table_remove(kl->eventfds, &req);
	return 0;
}

static bool
zones_supported(const struct memspace_kvm_listener *kl)
{
	return kl->memory ? kl->kvm->coalesced_mmio : kl->kvm->coalesced_pio;
}

static int
zone_of(const struct memspace_kvm_listener *kl,
	const struct memspace_section *sec, struct memspace_kvm_zone *z)
{
	if (sec->last - sec->start >= UINT32_MAX) {
		return -ERANGE;	/* KVM zones are at most 4 GiB - 1 */
	}
	*z = (struct memspace_kvm_zone){
		.addr = sec->start,
		.size = (uint32_t)(sec->last - sec->start + 1),
		.pio = !kl->memory,
	};
	return 0;
}

static struct kvm_zone_ref *
zone_at(const struct memspace_kvm_listener *kl, guint i)
{
	return &g_array_index(kl->zones, struct kvm_zone_ref, i);
}

static struct kvm_zone_ref *
zone_find(const struct memspace_kvm_listener *kl,
	  const struct memspace_kvm_zone *z)
{
	for (guint i = 0; i < kl->zones->len; i++) {
		struct kvm_zone_ref *zr = zone_at(kl, i);

		if (zr->zone.addr == z->addr && zr->zone.size == z->size) {
			return zr;
		}
	}
	return NULL;
}

int
kvm_coalesced_add(void *opaque, const struct memspace_section *sec)
{
	struct memspace_kvm_listener *kl = opaque;
	struct memspace_kvm_zone z;
	struct kvm_zone_ref *zr, nz;
	int ret;

	/* Without the capability writes simply exit: nothing to do. */
	if (!zones_supported(kl)) {
		return 0;
	}
	ret = zone_of(kl, sec, &z);
	if (ret < 0) {
		return ret;
	}
	zr = zone_find(kl, &z);
	if (zr) {
		zr->count++;
		return 0;
	}
	ret = kl->kvm->be->register_coalesced(kl->kvm->be_opaque, &z);
	if (ret < 0) {
		return ret;
	}
	nz = (struct kvm_zone_ref){ z, 1 };
	g_array_append_val(kl->zones, nz);
	return 0;
}

/* KVM dropped every zone inside @gone: register the wanted ones again. */
static int
zones_restore(struct memspace_kvm_listener *kl,
	      const struct memspace_kvm_zone *gone)
{
	int first = 0;

	for (guint i = 0; i < kl->zones->len; i++) {
		struct kvm_zone_ref *zr = zone_at(kl, i);
		int r;

		if (zr->zone.addr < gone->addr ||
		    zr->zone.addr + zr->zone.size > gone->addr + gone->size) {
			continue;
		}
		r = kl->kvm->be->register_coalesced(kl->kvm->be_opaque,
						    &zr->zone);
		if (r < 0 && !first) {
			first = r;
		}
	}
	return first;
}

int
kvm_coalesced_del(void *opaque, const struct memspace_section *sec)
{
	struct memspace_kvm_listener *kl = opaque;
	struct memspace_kvm_zone z;
	struct kvm_zone_ref *zr;
	int ret;

	if (!zones_supported(kl) || zone_of(kl, sec, &z) < 0) {
		return 0;
	}
	zr = zone_find(kl, &z);
	if (!zr || --zr->count > 0) {
		return 0;
	}
	g_array_remove_index(kl->zones, (guint)(zr - zone_at(kl, 0)));
	ret = kl->kvm->be->unregister_coalesced(kl->kvm->be_opaque, &z);
	if (ret < 0) {
		return ret;
	}
	return zones_restore(kl, &z);
}
