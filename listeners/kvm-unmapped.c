/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest memory a KVM memory listener leaves without a slot, and why: the
 * bytes of partial host pages (QEMU trims them too), host memory that is
 * not page-congruent with its guest address, read-only memory without
 * KVM_CAP_READONLY_MEM, the last page below 2^64, or a slot the kernel
 * refused.  Every access there exits to userspace; this makes it visible.
 */
#include "config.h"

#include "kvm-internal.h"
#include "listener-internal.h"

/* Why [@s, @l] of @sec has no slot. */
static enum memspace_kvm_unmapped_reason
gap_reason(const struct memspace_kvm_listener *kl,
	   const struct memspace_section *sec, uint64_t s, uint64_t l)
{
	uint64_t ps = kl->kvm->page_size;
	uint64_t host = (uint64_t)(uintptr_t)memspace_region_get_host_ptr(
				sec->mr) + sec->offset_in_region;

	u128 first = ((u128)s + ps - 1) & ~(u128)(ps - 1);

	if ((host - sec->start) % ps != 0) {
		return MEMSPACE_KVM_UNMAPPED_MISALIGNED_HOST;
	}
	/* No whole page in the gap: trimmed, as QEMU does. */
	if (first + ps - 1 > l) {
		return MEMSPACE_KVM_UNMAPPED_PARTIAL_PAGE;
	}
	/* Only the last page below 2^64. */
	if (first == U128_2_64 - ps) {
		return MEMSPACE_KVM_UNMAPPED_TOP_PAGE;
	}
	return MEMSPACE_KVM_UNMAPPED_FAILED;
}

static int
report(const struct memspace_kvm_listener *kl,
       const struct memspace_section *sec, uint64_t s, uint64_t l,
       enum memspace_kvm_unmapped_reason why, memspace_kvm_unmapped_fn fn,
       void *opaque)
{
	struct memspace_kvm_unmapped u = {
		.start = s,
		.last = l,
		.mr = sec->mr,
		.offset_in_region = sec->offset_in_region + (s - sec->start),
		.reason = why ? why : gap_reason(kl, sec, s, l),
	};

	return fn(opaque, &u);
}

/* The parts of @sec no slot of @kl maps. */
static int
section_gaps(const struct memspace_kvm_listener *kl,
	     const struct memspace_section *sec, memspace_kvm_unmapped_fn fn,
	     void *opaque)
{
	uint64_t at = sec->start;
	GTreeNode *n = g_tree_lower_bound(kl->by_gpa, &at);
	GTreeNode *prev = n ? g_tree_node_previous(n) :
			      g_tree_node_last(kl->by_gpa);
	bool ro;
	int ret;

	if (!kvm_section_wants_slot(sec, &ro)) {
		return 0;
	}
	if (ro && !kl->kvm->readonly_mem) {
		return report(kl, sec, sec->start, sec->last,
			      MEMSPACE_KVM_UNMAPPED_READONLY, fn, opaque);
	}
	/* A slot starting below may reach into @sec. */
	if (prev) {
		const struct kvm_slot *p = g_tree_node_value(prev);

		if (p->gpa + p->size > at) {
			at = p->gpa + p->size;
		}
	}
	for (; n && at <= sec->last; n = g_tree_node_next(n)) {
		const struct kvm_slot *k = g_tree_node_value(n);

		if (k->gpa > sec->last) {
			break;
		}
		if (k->gpa > at) {
			ret = report(kl, sec, at, k->gpa - 1, 0, fn, opaque);
			if (ret) {
				return ret;
			}
		}
		if (k->gpa + k->size - 1 >= sec->last) {
			return 0;
		}
		at = k->gpa + k->size;
	}
	if (at > sec->last || at < sec->start) {
		return 0; /* covered to the end (@at wrapped at 2^64) */
	}
	return report(kl, sec, at, sec->last, 0, fn, opaque);
}

MEMSPACE_EXPORT int
memspace_kvm_listener_for_each_unmapped(const struct memspace_kvm_listener *kl,
					memspace_kvm_unmapped_fn fn,
					void *opaque)
{
	struct memspace_flatview *fv;
	int ret = 0;

	if (!kl || !fn) {
		return -EINVAL;
	}
	if (!kl->memory) {
		return 0;
	}
	updater_lock(kl->ms);
	fv = kl->l->as ? memspace_addrspace_get_flatview(kl->l->as) : NULL;
	for (size_t i = 0; fv && !ret && i < memspace_flatview_nr_ranges(fv);
	     i++) {
		struct memspace_section sec;

		(void)memspace_flatview_get_range(fv, i, &sec);
		ret = section_gaps(kl, &sec, fn, opaque);
	}
	memspace_flatview_unref(fv);
	updater_unlock(kl->ms);
	return ret;
}

MEMSPACE_EXPORT const char *
memspace_kvm_unmapped_reason_name(enum memspace_kvm_unmapped_reason why)
{
	switch (why) {
	case MEMSPACE_KVM_UNMAPPED_PARTIAL_PAGE:
		return "partial host page";
	case MEMSPACE_KVM_UNMAPPED_MISALIGNED_HOST:
		return "host address not page-congruent with guest address";
	case MEMSPACE_KVM_UNMAPPED_READONLY:
		return "read-only memory without KVM_CAP_READONLY_MEM";
	case MEMSPACE_KVM_UNMAPPED_TOP_PAGE:
		return "no slot reaches 2^64";
	case MEMSPACE_KVM_UNMAPPED_FAILED:
		return "the kernel refused the slot (listener out of sync)";
	}
	return "unknown";
}
