/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `info mtree -f` under KVM: the flat dump with a ` KVM` marker after every
 * range that one of the VM's memory slots maps exactly, once per address
 * space of the view whose memory listener has that slot (QEMU 7.2's
 * has_memory).
 */
#include "config.h"

#include "kvm-internal.h"
#include "show-internal.h"

static bool
kvm_has_memory(void *opaque, const struct memspace_addrspace *as,
	       uint64_t start, uint64_t last)
{
	const struct memspace_kvm *kvm = opaque;

	if (last - start == UINT64_MAX) {
		return false;	/* no slot spans 2^64 bytes */
	}
	for (guint i = 0; i < kvm->listeners->len; i++) {
		const struct memspace_kvm_listener *kl =
			kvm->listeners->pdata[i];

		if (kl->memory &&
		    memspace_listener_get_addrspace(kl->l) == as &&
		    memspace_kvm_listener_has_memory(kl, start,
						     last - start + 1)) {
			return true;
		}
	}
	return false;
}

MEMSPACE_EXPORT int
memspace_kvm_show(struct memspace *ms, FILE *out, unsigned flags,
		  const struct memspace_kvm *kvm)
{
	const struct show_accel accel = {
		.name = "KVM",
		.has_memory = kvm_has_memory,
		.opaque = (void *)kvm,
	};

	if (!kvm) {
		return -EINVAL;
	}
	return show_print(ms, out, flags, &accel);
}
