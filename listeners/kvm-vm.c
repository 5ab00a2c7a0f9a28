/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A KVM VM whose memory follows memspace: /dev/kvm opened, the VM created,
 * its limits queried and the KVM listeners attached in one call; vCPUs
 * with their kvm_run area and coalesced ring mapped, and a run loop that
 * leaves the VMM only the exits memspace cannot handle.
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "kvm-internal.h"

#if MEMSPACE_HAVE_KVM

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

struct memspace_kvm_vm {
	int sys_fd;
	int vm_fd;
	struct memspace_kvm_limits limits;
	struct memspace_kvm *kvm;
	struct memspace_kvm_listener *mem_l;
	struct memspace_kvm_listener *io_l;
	struct memspace_addrspace *mem;
	struct memspace_addrspace *io;
	GMutex ring_lock;		/* one drainer of the shared ring */
	size_t page_size;
};

struct memspace_kvm_vcpu {
	struct memspace_kvm_vm *vm;
	int fd;
	struct kvm_run *run;
	void *ring;			/* NULL without coalesced MMIO */
};

static int
checked_ioctl(int fd, unsigned long req, unsigned long arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static unsigned
cap(int vm_fd, unsigned c)
{
	int v = checked_ioctl(vm_fd, KVM_CHECK_EXTENSION, c);

	return v > 0 ? (unsigned)v : 0;
}

/* Everything KVM tells about the VM; the slot limits as the listeners
 * read them. */
static int
query_limits(struct memspace_kvm_vm *vm)
{
	struct memspace_kvm_limits *l = &vm->limits;
	int size = checked_ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (size < 0) {
		return size;
	}
	l->vcpu_mmap_size = (size_t)size;
	l->nr_memslots = vm->kvm->nr_slots;
	l->nr_as_ids = vm->kvm->nr_as_ids;
	l->readonly_mem = vm->kvm->readonly_mem;
	l->ioeventfd = vm->kvm->ioeventfd;
	l->ioeventfd_any_length = vm->kvm->ioeventfd_any_length;
	l->coalesced_pio = vm->kvm->coalesced_pio;
	l->nr_vcpus = cap(vm->vm_fd, KVM_CAP_NR_VCPUS);
	l->max_vcpus = cap(vm->vm_fd, KVM_CAP_MAX_VCPUS);
	l->coalesced_mmio_page = cap(vm->vm_fd, KVM_CAP_COALESCED_MMIO);
	/* A ring page beyond the mapping cannot be used. */
	if ((uint64_t)(l->coalesced_mmio_page + 1) * vm->page_size >
	    l->vcpu_mmap_size) {
		l->coalesced_mmio_page = 0;
	}
	return 0;
}

static int
vm_create(struct memspace_kvm_vm *vm, const char *dev)
{
	vm->sys_fd = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		return -errno;
	}
	vm->limits.api_version = checked_ioctl(vm->sys_fd,
					       KVM_GET_API_VERSION, 0);
	if (vm->limits.api_version != KVM_API_VERSION) {
		return vm->limits.api_version < 0 ? vm->limits.api_version :
						    -EPROTO;
	}
	vm->vm_fd = checked_ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		return vm->vm_fd;
	}
	vm->kvm = memspace_kvm_create(vm->vm_fd);
	return vm->kvm ? 0 : -errno;
}

static int
attach(struct memspace_kvm_vm *vm)
{
	int ret = query_limits(vm);

	if (ret < 0) {
		return ret;
	}
	vm->mem_l = memspace_kvm_listener_register_memory(vm->kvm, vm->mem, 0);
	if (!vm->mem_l) {
		return -errno;
	}
	if (vm->io) {
		vm->io_l = memspace_kvm_listener_register_io(vm->kvm, vm->io);
		if (!vm->io_l) {
			return -errno;
		}
	}
	return 0;
}

MEMSPACE_EXPORT struct memspace_kvm_vm *
memspace_kvm_vm_open(const char *dev, struct memspace_addrspace *mem,
		     struct memspace_addrspace *io)
{
	struct memspace_kvm_vm *vm;
	int ret;

	if (!mem) {
		errno = EINVAL;
		return NULL;
	}
	vm = g_new0(struct memspace_kvm_vm, 1);
	vm->sys_fd = vm->vm_fd = -1;
	vm->mem = mem;
	vm->io = io;
	vm->page_size = (size_t)sysconf(_SC_PAGESIZE);
	g_mutex_init(&vm->ring_lock);
	ret = vm_create(vm, dev);
	if (ret == 0) {
		ret = attach(vm);
	}
	if (ret < 0) {
		memspace_kvm_vm_close(vm);
		errno = -ret;
		return NULL;
	}
	return vm;
}

MEMSPACE_EXPORT void
memspace_kvm_vm_close(struct memspace_kvm_vm *vm)
{
	if (!vm) {
		return;
	}
	/* Unregisters both listeners, deleting slots, eventfds and zones. */
	memspace_kvm_destroy(vm->kvm);
	if (vm->vm_fd >= 0) {
		close(vm->vm_fd);
	}
	if (vm->sys_fd >= 0) {
		close(vm->sys_fd);
	}
	g_mutex_clear(&vm->ring_lock);
	g_free(vm);
}

MEMSPACE_EXPORT int
memspace_kvm_vm_get_fd(const struct memspace_kvm_vm *vm)
{
	if (!vm) {
		return -1;
	}
	return vm->vm_fd;
}

MEMSPACE_EXPORT const struct memspace_kvm_limits *
memspace_kvm_vm_get_limits(const struct memspace_kvm_vm *vm)
{
	if (!vm) {
		return NULL;
	}
	return &vm->limits;
}

MEMSPACE_EXPORT struct memspace_kvm *
memspace_kvm_vm_get_kvm(const struct memspace_kvm_vm *vm)
{
	if (!vm) {
		return NULL;
	}
	return vm->kvm;
}

MEMSPACE_EXPORT struct memspace_kvm_listener *
memspace_kvm_vm_get_memory_listener(const struct memspace_kvm_vm *vm)
{
	if (!vm) {
		return NULL;
	}
	return vm->mem_l;
}

MEMSPACE_EXPORT struct memspace_kvm_vcpu *
memspace_kvm_vcpu_create(struct memspace_kvm_vm *vm, unsigned id)
{
	struct memspace_kvm_vcpu *vcpu;
	void *run;
	int fd, err;

	if (!vm) {
		errno = EINVAL;
		return NULL;
	}
	fd = checked_ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	run = mmap(NULL, vm->limits.vcpu_mmap_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	vcpu = g_new0(struct memspace_kvm_vcpu, 1);
	vcpu->vm = vm;
	vcpu->fd = fd;
	vcpu->run = run;
	if (vm->limits.coalesced_mmio_page) {
		vcpu->ring = (uint8_t *)run +
			     vm->limits.coalesced_mmio_page * vm->page_size;
	}
	return vcpu;
}

MEMSPACE_EXPORT void
memspace_kvm_vcpu_destroy(struct memspace_kvm_vcpu *vcpu)
{
	if (!vcpu) {
		return;
	}
	munmap(vcpu->run, vcpu->vm->limits.vcpu_mmap_size);
	close(vcpu->fd);
	g_free(vcpu);
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_get_fd(const struct memspace_kvm_vcpu *vcpu)
{
	if (!vcpu) {
		return -1;
	}
	return vcpu->fd;
}

MEMSPACE_EXPORT struct kvm_run *
memspace_kvm_vcpu_get_run(const struct memspace_kvm_vcpu *vcpu)
{
	if (!vcpu) {
		return NULL;
	}
	return vcpu->run;
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_handle_exit(struct memspace_kvm_vcpu *vcpu)
{
	struct memspace_kvm_vm *vm;
	struct memspace_attrs attrs = { 0 };
	int ret = 0;

	if (!vcpu) {
		return -EINVAL;
	}
	vm = vcpu->vm;

	if (vcpu->ring) {
		g_mutex_lock(&vm->ring_lock);
		ret = memspace_kvm_drain_coalesced(vm->mem, vm->io, vcpu->ring,
						   vm->page_size, attrs);
		g_mutex_unlock(&vm->ring_lock);
		if (ret < 0) {
			return ret;
		}
	}
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_IO:
		if (!vm->io) {
			return -EINVAL;
		}
		ret = memspace_kvm_dispatch_io(vm->io, vcpu->run,
					       vm->limits.vcpu_mmap_size,
					       attrs);
		break;
	case KVM_EXIT_MMIO:
		ret = memspace_kvm_dispatch_mmio(vm->mem, vcpu->run, attrs);
		break;
	default:
		return 0;
	}
	/* Decode errors are the guest's business (unassigned reads). */
	return ret < 0 ? ret : 1;
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_run(struct memspace_kvm_vcpu *vcpu, unsigned max_exits)
{
	unsigned n = 0;
	int ret;

	if (!vcpu) {
		return -EINVAL;
	}

	do {
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		if (ret < 0) {
			return -errno;
		}
		ret = memspace_kvm_vcpu_handle_exit(vcpu);
		if (ret <= 0) {
			return ret < 0 ? ret : (int)vcpu->run->exit_reason;
		}
	} while (++n != max_exits);
	return (int)vcpu->run->exit_reason;
}

#else

MEMSPACE_EXPORT struct memspace_kvm_vm *
memspace_kvm_vm_open(const char *dev, struct memspace_addrspace *mem,
		     struct memspace_addrspace *io)
{
	errno = mem ? ENOSYS : EINVAL;
	return NULL;
}

MEMSPACE_EXPORT void
memspace_kvm_vm_close(struct memspace_kvm_vm *vm)
{
}

MEMSPACE_EXPORT int
memspace_kvm_vm_get_fd(const struct memspace_kvm_vm *vm)
{
	return -1;
}

MEMSPACE_EXPORT const struct memspace_kvm_limits *
memspace_kvm_vm_get_limits(const struct memspace_kvm_vm *vm)
{
	return NULL;
}

MEMSPACE_EXPORT struct memspace_kvm *
memspace_kvm_vm_get_kvm(const struct memspace_kvm_vm *vm)
{
	return NULL;
}

MEMSPACE_EXPORT struct memspace_kvm_listener *
memspace_kvm_vm_get_memory_listener(const struct memspace_kvm_vm *vm)
{
	return NULL;
}

MEMSPACE_EXPORT struct memspace_kvm_vcpu *
memspace_kvm_vcpu_create(struct memspace_kvm_vm *vm, unsigned id)
{
	errno = vm ? ENOSYS : EINVAL;
	return NULL;
}

MEMSPACE_EXPORT void
memspace_kvm_vcpu_destroy(struct memspace_kvm_vcpu *vcpu)
{
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_get_fd(const struct memspace_kvm_vcpu *vcpu)
{
	return -1;
}

MEMSPACE_EXPORT struct kvm_run *
memspace_kvm_vcpu_get_run(const struct memspace_kvm_vcpu *vcpu)
{
	return NULL;
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_handle_exit(struct memspace_kvm_vcpu *vcpu)
{
	return -ENOSYS;
}

MEMSPACE_EXPORT int
memspace_kvm_vcpu_run(struct memspace_kvm_vcpu *vcpu, unsigned max_exits)
{
	return -ENOSYS;
}

#endif
