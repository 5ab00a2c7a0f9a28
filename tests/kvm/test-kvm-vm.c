/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_kvm_vm_open() and the vCPU run loop on a real /dev/kvm: the
 * limits are KVM's, failures leave no descriptor open, and a tiny
 * real-mode guest's port and MMIO exits reach memspace devices, with the
 * writes KVM buffered in the coalesced ring delivered before the exit
 * that follows them.
 *
 * Map: RAM 0-0x9ffff (code at 0x1000), "mmio" at 0xe0000 (coalesced
 * 0xe0000-0xe00ff); ports: "port" at 0x60-0x63.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "test-common.h"
#include "kvm-harness.h"

struct access {
	uint64_t addr;
	uint64_t data;
	bool write;
};

static struct {
	struct memspace *ms;
	struct memspace_region *sys, *ram, *mmio, *io_root, *port;
	struct memspace_addrspace *mem, *io;
	GArray *log;		/* struct access, both devices */
	struct memspace_kvm_vm *vm;
	struct memspace_kvm_vcpu *vcpu;
} t;

static enum memspace_access_result
dev_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	 struct memspace_attrs attrs)
{
	struct access a = { (uintptr_t)opaque + addr, 0xa0, false };

	*data = 0xa0;
	g_array_append_val(t.log, a);
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	struct access a = { (uintptr_t)opaque + addr, data, true };

	g_array_append_val(t.log, a);
	return MEMSPACE_ACCESS_OK;
}

static const struct memspace_region_ops dev_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.read = dev_read,
	.write = dev_write,
};

static void
setup(void)
{
	t.ms = memspace_new();
	t.log = g_array_new(FALSE, TRUE, sizeof(struct access));
	t.sys = memspace_region_new_container(t.ms, "system",
					      MEMSPACE_SIZE_2_64);
	t.ram = memspace_region_new_ram(t.ms, "ram", 0xa0000, NULL);
	t.mmio = memspace_region_new_io(t.ms, "mmio", 0x1000, &dev_ops,
					(void *)0xe0000);
	t.io_root = memspace_region_new_io(t.ms, "io", 0x10000, NULL, NULL);
	t.port = memspace_region_new_io(t.ms, "port", 4, &dev_ops,
					(void *)0x60);
	ck_assert_int_eq(memspace_region_add_subregion(t.sys, 0, t.ram), 0);
	ck_assert_int_eq(memspace_region_add_subregion(t.sys, 0xe0000, t.mmio),
			 0);
	ck_assert_int_eq(memspace_region_add_coalescing(t.mmio, 0, 0x100), 0);
	ck_assert_int_eq(memspace_region_add_subregion(t.io_root, 0x60, t.port),
			 0);
	t.mem = memspace_addrspace_create(t.ms, "memory", t.sys);
	t.io = memspace_addrspace_create(t.ms, "I/O", t.io_root);
}

static void
teardown(void)
{
	memspace_kvm_vcpu_destroy(t.vcpu);
	memspace_kvm_vm_close(t.vm);
	memspace_addrspace_destroy(t.mem);
	memspace_addrspace_destroy(t.io);
	memspace_region_unref(t.ram);
	memspace_region_unref(t.mmio);
	memspace_region_unref(t.port);
	memspace_region_unref(t.sys);
	memspace_region_unref(t.io_root);
	memspace_unref(t.ms);
	g_array_free(t.log, TRUE);
	memset(&t, 0, sizeof(t));
}

static unsigned
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d)) {
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(limits_are_kvms)
{
	const struct memspace_kvm_limits *l;
	int vm_fd;

	t.vm = memspace_kvm_vm_open(NULL, t.mem, t.io);
	ck_assert_ptr_nonnull(t.vm);
	l = memspace_kvm_vm_get_limits(t.vm);
	vm_fd = memspace_kvm_vm_get_fd(t.vm);
	ck_assert_int_eq(l->api_version, KVM_API_VERSION);
	ck_assert_int_eq(l->nr_memslots,
			 ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	ck_assert_int_eq(l->max_vcpus,
			 ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	ck_assert_int_eq(l->nr_vcpus,
			 ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS));
	ck_assert_int_eq(l->coalesced_mmio_page,
			 ioctl(vm_fd, KVM_CHECK_EXTENSION,
			       KVM_CAP_COALESCED_MMIO));
	ck_assert_uint_gt(l->vcpu_mmap_size, l->coalesced_mmio_page * 4096);
	ck_assert(l->readonly_mem && l->ioeventfd);
	ck_assert_uint_eq(memspace_kvm_get_nr_slots(
				  memspace_kvm_vm_get_kvm(t.vm)),
			  l->nr_memslots);
	/* The memory listener is attached: RAM has its slot. */
	ck_assert(memspace_kvm_listener_has_memory(
		memspace_kvm_vm_get_memory_listener(t.vm), 0, 0xa0000));
}
END_TEST

START_TEST(failures_leave_nothing_open)
{
	unsigned fds = count_fds();

	errno = 0;
	ck_assert_ptr_null(memspace_kvm_vm_open(NULL, NULL, t.io));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_kvm_vm_open("/nonexistent/kvm", t.mem,
						t.io));
	ck_assert_int_eq(errno, ENOENT);
	/* Not a KVM device: KVM_GET_API_VERSION fails. */
	ck_assert_ptr_null(memspace_kvm_vm_open("/dev/null", t.mem, t.io));
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_uint_eq(count_fds(), fds);
	ck_assert_ptr_null(memspace_kvm_vcpu_create(NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	t.vm = memspace_kvm_vm_open(NULL, t.mem, t.io);
	ck_assert_ptr_nonnull(t.vm);
	t.vcpu = memspace_kvm_vcpu_create(t.vm, 0);
	ck_assert_ptr_nonnull(t.vcpu);
	ck_assert_ptr_null(memspace_kvm_vcpu_create(t.vm, 0));
	ck_assert_int_eq(errno, EEXIST);
}
END_TEST

static void
real_mode_at(int fd, uint64_t rip)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = rip, .rflags = 2 };
	struct kvm_segment *segs[] = { &s.cs, &s.ds, &s.es, &s.ss };

	ck_assert_int_eq(ioctl(fd, KVM_GET_SREGS, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	ck_assert_int_eq(ioctl(fd, KVM_SET_SREGS, &s), 0);
	ck_assert_int_eq(ioctl(fd, KVM_SET_REGS, &r), 0);
}

static const struct access *
logged(unsigned i)
{
	ck_assert_uint_gt(t.log->len, i);
	return &g_array_index(t.log, struct access, i);
}

START_TEST(run_dispatches_exits_after_the_ring)
{
	uint8_t *ram = memspace_region_get_host_ptr(t.ram);
	uint8_t v = 0;

	KVMH_CODE(ram + 0x1000,
		  0xb0, 0x42,		/* mov al, 0x42 */
		  0xe6, 0x61,		/* out 0x61, al: exit */
		  0xe4, 0x60,		/* in al, 0x60: exit, reads 0xa0 */
		  0xa2, 0x00, 0x20,	/* mov [0x2000], al: RAM */
		  0xb8, 0x00, 0xe0,	/* mov ax, 0xe000 */
		  0x8e, 0xc0,		/* mov es, ax */
		  0x26, 0xa3, 0x10, 0x00, /* mov es:[0x10], ax: ring */
		  0x26, 0xa1, 0x00, 0x02, /* mov ax, es:[0x200]: exit */
		  0xf4);		/* hlt */
	t.vm = memspace_kvm_vm_open(NULL, t.mem, t.io);
	ck_assert_ptr_nonnull(t.vm);
	t.vcpu = memspace_kvm_vcpu_create(t.vm, 0);
	ck_assert_ptr_nonnull(t.vcpu);
	real_mode_at(memspace_kvm_vcpu_get_fd(t.vcpu), 0x1000);
	alarm(5);	/* a hung guest fails the test */
	/* One exit at a time, then all the rest. */
	ck_assert_int_eq(memspace_kvm_vcpu_run(t.vcpu, 1), KVM_EXIT_IO);
	ck_assert_uint_eq(t.log->len, 1);
	ck_assert_int_eq(memspace_kvm_vcpu_run(t.vcpu, 0), KVM_EXIT_HLT);
	alarm(0);
	ck_assert_uint_eq(t.log->len, 4);
	ck_assert(logged(0)->write);
	ck_assert_uint_eq(logged(0)->addr, 0x61);
	ck_assert_uint_eq(logged(0)->data, 0x42);
	ck_assert(!logged(1)->write);
	ck_assert_uint_eq(logged(1)->addr, 0x60);
	memcpy(&v, ram + 0x2000, 1);
	ck_assert_uint_eq(v, 0xa0);
	/* The buffered write reached the device before the read exited. */
	ck_assert(logged(2)->write);
	ck_assert_uint_eq(logged(2)->addr, 0xe0010);
	ck_assert_uint_eq(logged(2)->data, 0xe000);
	ck_assert(!logged(3)->write);
	ck_assert_uint_eq(logged(3)->addr, 0xe0200);
}
END_TEST

static Suite *
kvm_vm_suite(void)
{
	Suite *s = suite_create("kvm-vm");
	TCase *tc = tcase_create("kvm-vm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, limits_are_kvms);
	tcase_add_test(tc, failures_leave_nothing_open);
	tcase_add_test(tc, run_dispatches_exits_after_the_ring);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (!kvmh_usable()) {
		return KVMH_SKIP;
	}
	return test_run_suite(kvm_vm_suite());
}
