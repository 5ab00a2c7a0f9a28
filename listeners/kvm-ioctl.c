/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real KVM backend: each backend call is one ioctl on the VM
 * descriptor.  Built only when <linux/kvm.h> is available.
 */
#include "config.h"

#include "kvm-internal.h"

#if MEMSPACE_HAVE_KVM

#include <sys/ioctl.h>
#include <linux/kvm.h>

/* memspace's copies of the uAPI values must match the header's. */
G_STATIC_ASSERT(MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES == KVM_MEM_LOG_DIRTY_PAGES);
G_STATIC_ASSERT(MEMSPACE_KVM_MEM_READONLY == KVM_MEM_READONLY);
G_STATIC_ASSERT(MEMSPACE_KVM_IOEVENTFD_PIO == KVM_IOEVENTFD_FLAG_PIO);
G_STATIC_ASSERT(MEMSPACE_KVM_IOEVENTFD_DATAMATCH ==
		KVM_IOEVENTFD_FLAG_DATAMATCH);
G_STATIC_ASSERT(MEMSPACE_KVM_IOEVENTFD_DEASSIGN ==
		KVM_IOEVENTFD_FLAG_DEASSIGN);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_NR_MEMSLOTS == KVM_CAP_NR_MEMSLOTS);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_COALESCED_MMIO == KVM_CAP_COALESCED_MMIO);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_IOEVENTFD == KVM_CAP_IOEVENTFD);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_READONLY_MEM == KVM_CAP_READONLY_MEM);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_MULTI_ADDRESS_SPACE ==
		KVM_CAP_MULTI_ADDRESS_SPACE);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_IOEVENTFD_ANY_LENGTH ==
		KVM_CAP_IOEVENTFD_ANY_LENGTH);
G_STATIC_ASSERT(MEMSPACE_KVM_CAP_COALESCED_PIO == KVM_CAP_COALESCED_PIO);

struct ioctl_backend {
	int vm_fd;
};

static int
vm_ioctl(void *opaque, unsigned long req, unsigned long arg)
{
	const struct ioctl_backend *b = opaque;
	int r;

	do {
		r = ioctl(b->vm_fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static int
check_extension(void *opaque, unsigned cap)
{
	return vm_ioctl(opaque, KVM_CHECK_EXTENSION, cap);
}

static int
set_user_memory_region(void *opaque, const struct memspace_kvm_memslot *m)
{
	struct kvm_userspace_memory_region r = {
		.slot = m->slot,
		.flags = m->flags,
		.guest_phys_addr = m->guest_phys_addr,
		.memory_size = m->memory_size,
		.userspace_addr = m->userspace_addr,
	};

	return vm_ioctl(opaque, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

static int
get_dirty_log(void *opaque, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log d = { .slot = slot };

	d.dirty_bitmap = bitmap;
	return vm_ioctl(opaque, KVM_GET_DIRTY_LOG, (unsigned long)&d);
}

static int
ioeventfd(void *opaque, const struct memspace_kvm_ioeventfd *req)
{
	struct kvm_ioeventfd k = {
		.datamatch = req->datamatch,
		.addr = req->addr,
		.len = req->len,
		.fd = req->fd,
		.flags = req->flags,
	};

	return vm_ioctl(opaque, KVM_IOEVENTFD, (unsigned long)&k);
}

static int
coalesced(void *opaque, const struct memspace_kvm_zone *z, unsigned long req)
{
	struct kvm_coalesced_mmio_zone k = {
		.addr = z->addr,
		.size = z->size,
		.pio = z->pio,
	};

	return vm_ioctl(opaque, req, (unsigned long)&k);
}

static int
register_coalesced(void *opaque, const struct memspace_kvm_zone *z)
{
	return coalesced(opaque, z, KVM_REGISTER_COALESCED_MMIO);
}

static int
unregister_coalesced(void *opaque, const struct memspace_kvm_zone *z)
{
	return coalesced(opaque, z, KVM_UNREGISTER_COALESCED_MMIO);
}

static const struct memspace_kvm_backend ioctl_backend = {
	.version = MEMSPACE_KVM_BACKEND_VERSION,
	.check_extension = check_extension,
	.set_user_memory_region = set_user_memory_region,
	.get_dirty_log = get_dirty_log,
	.ioeventfd = ioeventfd,
	.register_coalesced = register_coalesced,
	.unregister_coalesced = unregister_coalesced,
};

int
kvm_ioctl_backend(int vm_fd, const struct memspace_kvm_backend **ret_be,
		  void **ret_opaque)
{
	struct ioctl_backend *b = g_new0(struct ioctl_backend, 1);

	b->vm_fd = vm_fd;
	*ret_be = &ioctl_backend;
	*ret_opaque = b;
	return 0;
}

#else

int
kvm_ioctl_backend(int vm_fd, const struct memspace_kvm_backend **ret_be,
		  void **ret_opaque)
{
	return -ENOSYS;
}

#endif
