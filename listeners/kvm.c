/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM state of a VM (its backend and capabilities) and the lifecycle of
 * its listeners: registration on an address space, unregistration, and the
 * queries the CLI and tests use.
 */
#include "config.h"

#include <unistd.h>

#include "kvm-internal.h"

/* KVM's limit on the pages of one slot (KVM_MEM_MAX_NR_PAGES). */
#define KVM_MAX_SLOT_PAGES ((1ull << 31) - 1)

const struct memspace_listener_ops kvm_memory_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.commit = kvm_mem_commit,
	.region_add = kvm_mem_region_add,
	.region_del = kvm_mem_region_del,
	.log_start = kvm_mem_log_change,
	.log_stop = kvm_mem_log_change,
	.log_sync = kvm_mem_log_sync,
	.eventfd_add = kvm_eventfd_add,
	.eventfd_del = kvm_eventfd_del,
	.coalesced_io_add = kvm_coalesced_add,
	.coalesced_io_del = kvm_coalesced_del,
};

const struct memspace_listener_ops kvm_memory_noeventfd_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.commit = kvm_mem_commit,
	.region_add = kvm_mem_region_add,
	.region_del = kvm_mem_region_del,
	.log_start = kvm_mem_log_change,
	.log_stop = kvm_mem_log_change,
	.log_sync = kvm_mem_log_sync,
	.coalesced_io_add = kvm_coalesced_add,
	.coalesced_io_del = kvm_coalesced_del,
};

const struct memspace_listener_ops kvm_io_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.eventfd_add = kvm_eventfd_add,
	.eventfd_del = kvm_eventfd_del,
	.coalesced_io_add = kvm_coalesced_add,
	.coalesced_io_del = kvm_coalesced_del,
};

const struct memspace_listener_ops kvm_io_noeventfd_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.coalesced_io_add = kvm_coalesced_add,
	.coalesced_io_del = kvm_coalesced_del,
};

static int
query_caps(struct memspace_kvm *kvm)
{
	static const unsigned caps[] = {
		MEMSPACE_KVM_CAP_NR_MEMSLOTS,
		MEMSPACE_KVM_CAP_MULTI_ADDRESS_SPACE,
		MEMSPACE_KVM_CAP_READONLY_MEM,
		MEMSPACE_KVM_CAP_IOEVENTFD,
		MEMSPACE_KVM_CAP_IOEVENTFD_ANY_LENGTH,
		MEMSPACE_KVM_CAP_COALESCED_MMIO,
		MEMSPACE_KVM_CAP_COALESCED_PIO,
	};
	int v[ARRAY_SIZE(caps)];

	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		v[i] = kvm->be->check_extension(kvm->be_opaque, caps[i]);
		if (v[i] < 0) {
			return v[i];
		}
	}
	/* KVM's historic default when the capability is missing. */
	kvm->nr_slots = v[0] > 0 ? (uint32_t)v[0] : 32;
	kvm->nr_as_ids = v[1] > 0 ? (unsigned)v[1] : 1;
	kvm->readonly_mem = v[2] > 0;
	kvm->ioeventfd = v[3] > 0;
	kvm->ioeventfd_any_length = v[4] > 0;
	kvm->coalesced_mmio = v[5] > 0;
	kvm->coalesced_pio = v[6] > 0;
	return 0;
}

static bool
backend_complete(const struct memspace_kvm_backend *be)
{
	return be->check_extension && be->set_user_memory_region &&
	       be->get_dirty_log && be->ioeventfd && be->register_coalesced &&
	       be->unregister_coalesced;
}

static struct memspace_kvm *
kvm_create(const struct memspace_kvm_backend *be, void *opaque, void *own)
{
	struct memspace_kvm *kvm = g_new0(struct memspace_kvm, 1);
	int ret;

	kvm->be = be;
	kvm->be_opaque = opaque;
	kvm->own_opaque = own;
	kvm->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	kvm->max_slot_size = KVM_MAX_SLOT_PAGES * kvm->page_size;
	kvm->listeners = g_ptr_array_new();
	ret = query_caps(kvm);
	if (ret < 0) {
		memspace_kvm_destroy(kvm);
		errno = -ret;
		return NULL;
	}
	return kvm;
}

MEMSPACE_EXPORT struct memspace_kvm *
memspace_kvm_create_with_backend(const struct memspace_kvm_backend *backend,
			      void *opaque)
{
	if (!backend || !backend_complete(backend)) {
		errno = EINVAL;
		return NULL;
	}
	if (backend->version == 0 ||
	    backend->version > MEMSPACE_KVM_BACKEND_VERSION) {
		errno = EPROTO;
		return NULL;
	}
	return kvm_create(backend, opaque, NULL);
}

MEMSPACE_EXPORT struct memspace_kvm *
memspace_kvm_create(int vm_fd)
{
	const struct memspace_kvm_backend *be;
	void *opaque;
	int ret;

	if (vm_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	ret = kvm_ioctl_backend(vm_fd, &be, &opaque);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	return kvm_create(be, opaque, opaque);
}

MEMSPACE_EXPORT void
memspace_kvm_destroy(struct memspace_kvm *kvm)
{
	if (!kvm) {
		return;
	}
	while (kvm->listeners->len) {
		(void)memspace_kvm_listener_unregister(
			kvm->listeners->pdata[kvm->listeners->len - 1]);
	}
	g_ptr_array_free(kvm->listeners, TRUE);
	g_free(kvm->own_opaque);
	g_free(kvm);
}

MEMSPACE_EXPORT int
memspace_kvm_set_max_slot_size(struct memspace_kvm *kvm, uint64_t size)
{
	if (!kvm || size == 0 || size % kvm->page_size) {
		return -EINVAL;
	}
	kvm->max_slot_size = size;
	return 0;
}

MEMSPACE_EXPORT uint32_t
memspace_kvm_get_nr_slots(const struct memspace_kvm *kvm)
{
	if (!kvm) {
		return 0;
	}
	return kvm->nr_slots;
}

static struct memspace_kvm_listener *
listener_new(struct memspace_kvm *kvm, struct memspace_addrspace *as,
	     bool memory, unsigned as_id)
{
	struct memspace_kvm_listener *kl = g_new0(struct memspace_kvm_listener,
						  1);

	kl->kvm = kvm;
	kl->ms = memspace_ref(memspace_addrspace_get_context(as));
	kl->memory = memory;
	kl->as_id = (uint16_t)as_id;
	kvm_slots_init(kl);
	kvm_io_init(kl);
	return kl;
}

static void
listener_free(struct memspace_kvm_listener *kl)
{
	kvm_io_fini(kl);
	kvm_slots_fini(kl);
	memspace_unref_internal(kl->ms);
	g_free(kl);
}

/*
 * Whether KVM matches @as's ioeventfds: it can, and the VMM did not ask
 * for software matching.  Records the decision in @as.
 */
static bool
use_kvm_ioeventfds(struct memspace_kvm *kvm, struct memspace_addrspace *as)
{
	int ret;

	if (!kvm->ioeventfd) {
		return false;
	}
	ret = memspace_addrspace_set_hyp_ioeventfd_enabled(as, true);
	return ret == 0 || memspace_addrspace_get_hyp_ioeventfd_enabled(as);
}

static bool
memory_id_taken(const struct memspace_kvm *kvm, unsigned as_id)
{
	for (guint i = 0; i < kvm->listeners->len; i++) {
		const struct memspace_kvm_listener *kl =
			kvm->listeners->pdata[i];

		if (kl->memory && kl->as_id == as_id) {
			return true;
		}
	}
	return false;
}

static struct memspace_kvm_listener *
register_listener(struct memspace_kvm *kvm, struct memspace_addrspace *as,
		  bool memory, unsigned as_id)
{
	struct memspace_kvm_listener *kl;
	bool eventfds = use_kvm_ioeventfds(kvm, as);
	const struct memspace_listener_ops *ops = memory ?
		(eventfds ? &kvm_memory_ops : &kvm_memory_noeventfd_ops) :
		(eventfds ? &kvm_io_ops : &kvm_io_noeventfd_ops);

	kl = listener_new(kvm, as, memory, as_id);
	kl->l = memspace_listener_register(as, ops, kl,
					   MEMSPACE_LISTENER_PRIORITY_ACCEL,
					   memory ? "kvm-memory" : "kvm-io");
	if (!kl->l) {
		int err = errno;

		listener_free(kl);
		errno = err;
		return NULL;
	}
	g_ptr_array_add(kvm->listeners, kl);
	return kl;
}

MEMSPACE_EXPORT struct memspace_kvm_listener *
memspace_kvm_listener_register_memory(struct memspace_kvm *kvm,
				      struct memspace_addrspace *as,
				      unsigned as_id)
{
	if (!kvm || !as || as_id >= kvm->nr_as_ids) {
		errno = EINVAL;
		return NULL;
	}
	if (memory_id_taken(kvm, as_id)) {
		errno = EBUSY;
		return NULL;
	}
	return register_listener(kvm, as, true, as_id);
}

MEMSPACE_EXPORT struct memspace_kvm_listener *
memspace_kvm_listener_register_io(struct memspace_kvm *kvm,
				  struct memspace_addrspace *as)
{
	if (!kvm || !as) {
		errno = EINVAL;
		return NULL;
	}
	return register_listener(kvm, as, false, 0);
}

MEMSPACE_EXPORT int
memspace_kvm_listener_unregister(struct memspace_kvm_listener *kl)
{
	int ret;

	if (!kl) {
		return 0;
	}
	ret = memspace_listener_unregister(kl->l);
	if (ret == -EDEADLK) {
		return ret;
	}
	g_ptr_array_remove(kl->kvm->listeners, kl);
	listener_free(kl);
	return ret;
}

MEMSPACE_EXPORT struct memspace_listener *
memspace_kvm_listener_get_listener(const struct memspace_kvm_listener *kl)
{
	if (!kl) {
		return NULL;
	}
	return kl->l;
}
