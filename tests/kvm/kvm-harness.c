/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real-KVM test harness: probing, VM and vCPU setup, guarded KVM_RUN and
 * exit checks (see kvm-harness.h). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvm-harness.h"
#include "test-common.h"

/* Identity-map and TSS pages for Intel real mode, out of every test map. */
#define IDENTITY_MAP_ADDR 0xfffbc000ull
#define TSS_ADDR 0xfffbd000ull

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Arm a one-shot watchdog: a hung KVM_RUN returns EINTR. */
static void
watchdog(unsigned ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = {
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
	};

	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

static int
smoke_run(int kvm_fd, int vm_fd)
{
	uint8_t *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region r = {
		.memory_size = 0x1000, .userspace_addr = (uintptr_t)mem,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_run *run;
	int vcpu, size, ret = -1;

	mem[0] = 0xe6;	/* out 0x10, al */
	mem[1] = 0x10;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ||
	    (vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0)) < 0) {
		return -1;
	}
	size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run != MAP_FAILED && ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0) {
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		watchdog(1000);
		if (ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0 &&
		    ioctl(vcpu, KVM_SET_REGS, &regs) == 0 &&
		    ioctl(vcpu, KVM_RUN, 0) == 0 &&
		    run->exit_reason == KVM_EXIT_IO && run->io.port == 0x10) {
			ret = 0;
		}
		watchdog(0);
		munmap(run, (size_t)size);
	}
	close(vcpu);
	munmap(mem, 0x1000);
	return ret;
}

static const char *
probe(void)
{
	static const int caps[] = {
		KVM_CAP_READONLY_MEM, KVM_CAP_IOEVENTFD,
		KVM_CAP_IOEVENTFD_ANY_LENGTH, KVM_CAP_COALESCED_MMIO,
		KVM_CAP_USER_MEMORY,
	};
	const char *why = NULL;
	int kvm_fd, vm_fd, ret = test_kvm_open_vm(&kvm_fd, &vm_fd);

	if (ret == -EPROTO) {
		return "unexpected KVM API version";
	}
	if (ret < 0) {
		return "cannot open /dev/kvm or create a VM";
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(vm_fd, KVM_CHECK_EXTENSION, caps[i]) <= 0) {
			why = "a needed capability is missing";
		}
	}
	if (!why && smoke_run(kvm_fd, vm_fd) < 0) {
		why = "the smoke guest did not exit with KVM_EXIT_IO";
	}
	close(vm_fd);
	close(kvm_fd);
	return why;
}

bool
kvmh_usable(void)
{
	const char *why = probe();

	if (why) {
		fprintf(stderr, "KVM unusable (%s): skipping\n", why);
	}
	return !why;
}

void
kvmh_vm_create(struct kvmh_vm *vm)
{
	uint64_t ident = IDENTITY_MAP_ADDR;

	*vm = (struct kvmh_vm){ .vcpu_fd = -1 };
	ck_assert_int_eq(test_kvm_open_vm(&vm->kvm_fd, &vm->vm_fd), 0);
	/* Harmless here; Intel needs them for real mode without
	 * unrestricted guest.  Before any vCPU exists. */
	ck_assert_int_eq(ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident),
			 0);
	ck_assert_int_eq(ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR), 0);
}

static void
set_real_mode(struct kvmh_vm *vm, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = rip, .rflags = 2, .rsp = 0x8000 };
	struct kvm_segment *segs[] = {
		&sregs.cs, &sregs.ds, &sregs.es,
		&sregs.ss, &sregs.fs, &sregs.gs,
	};

	ck_assert_int_eq(ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs), 0);
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	ck_assert_int_eq(ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs), 0);
	ck_assert_int_eq(ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs), 0);
}

void
kvmh_vcpu_create(struct kvmh_vm *vm, uint64_t rip)
{
	int size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(vm->vcpu_fd, 0);
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ck_assert_int_gt(size, 0);
	vm->run_size = (size_t)size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	ck_assert_ptr_ne(vm->run, MAP_FAILED);
	set_real_mode(vm, rip);
}

void
kvmh_vcpu_restart(struct kvmh_vm *vm, uint64_t rip)
{
	set_real_mode(vm, rip);
}

void
kvmh_vm_destroy(struct kvmh_vm *vm)
{
	if (vm->run) {
		munmap(vm->run, vm->run_size);
	}
	if (vm->vcpu_fd >= 0) {
		close(vm->vcpu_fd);
	}
	close(vm->vm_fd);
	close(vm->kvm_fd);
}

unsigned
kvmh_run(struct kvmh_vm *vm)
{
	int r;

	watchdog(2000);
	r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	watchdog(0);
	ck_assert_msg(r == 0, "KVM_RUN: %s%s", strerror(errno),
		      errno == EINTR ? " (guest hung)" : "");
	return vm->run->exit_reason;
}

void
kvmh_expect_out(struct kvmh_vm *vm, uint16_t port, uint32_t value,
		unsigned size)
{
	struct kvm_run *run = vm->run;
	uint32_t got = 0;

	ck_assert_uint_eq(kvmh_run(vm), KVM_EXIT_IO);
	ck_assert_uint_eq(run->io.direction, KVM_EXIT_IO_OUT);
	ck_assert_uint_eq(run->io.port, port);
	ck_assert_uint_eq(run->io.size, size);
	memcpy(&got, (uint8_t *)run + run->io.data_offset, size);
	ck_assert_uint_eq(got, value);
}

void
kvmh_expect_mmio_write(struct kvmh_vm *vm, uint64_t addr, uint64_t value,
		       unsigned len)
{
	struct kvm_run *run = vm->run;
	uint64_t got = 0;

	ck_assert_uint_eq(kvmh_run(vm), KVM_EXIT_MMIO);
	ck_assert(run->mmio.is_write);
	ck_assert_uint_eq(run->mmio.phys_addr, addr);
	ck_assert_uint_eq(run->mmio.len, len);
	memcpy(&got, run->mmio.data, len);
	ck_assert_uint_eq(got, value);
}

void
kvmh_expect_mmio_read(struct kvmh_vm *vm, uint64_t addr, uint64_t value,
		      unsigned len)
{
	struct kvm_run *run = vm->run;

	ck_assert_uint_eq(kvmh_run(vm), KVM_EXIT_MMIO);
	ck_assert(!run->mmio.is_write);
	ck_assert_uint_eq(run->mmio.phys_addr, addr);
	ck_assert_uint_eq(run->mmio.len, len);
	memcpy(run->mmio.data, &value, len);
}

void
kvmh_expect_hlt(struct kvmh_vm *vm)
{
	ck_assert_uint_eq(kvmh_run(vm), KVM_EXIT_HLT);
}

bool
kvmh_range_mapped(struct kvmh_vm *vm, uint64_t gpa, uint64_t size)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	int nr = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	struct kvm_userspace_memory_region r = {
		.slot = (uint32_t)nr - 1,	/* never used by the listener */
		.guest_phys_addr = gpa,
		.memory_size = size,
		/* The host range is only checked when the guest faults. */
		.userspace_addr = (uintptr_t)page,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		ck_assert_int_eq(errno, EEXIST);
		return true;
	}
	r.memory_size = 0;
	ck_assert_int_eq(ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r), 0);
	return false;
}

bool
kvmh_slot_logging(struct kvmh_vm *vm, uint32_t slot)
{
	static uint64_t bitmap[4096];
	struct kvm_dirty_log d = { .slot = slot };

	d.dirty_bitmap = bitmap;
	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &d) == 0) {
		return true;
	}
	ck_assert_int_eq(errno, ENOENT);
	return false;
}
