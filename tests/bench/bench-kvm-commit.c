/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-kvm-commit: the cost of one commit that moves one BAR while the KVM
 * memory listener is attached (real /dev/kvm when usable, else the fake
 * backend), on two maps:
 *   - a PC with 2 GiB of RAM, ROMs and 16 RAM-device BARs (VFIO-like),
 *     moving one RAM-device BAR: re-render, diff, one in-place slot move;
 *   - QEMU's q35 with 200 virtio-net devices (conformance sample), with two
 *     ioeventfds per device, moving device 100's BAR container: re-render,
 *     diff, the device's ioeventfds deassigned and assigned again.
 * Prints median, p90 and p99 per commit.  Timings are informative only.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if MEMSPACE_HAVE_KVM
#include <linux/kvm.h>
#endif

#include <glib.h>

#include <memspace/memspace.h>
#include <memspace/kvm.h>

#include "map-load.h"
#include "test-common.h"

#define NR_BARS 16
#define BAR_SIZE 0x10000ull

struct vm {
	int kvm_fd;
	int vm_fd;
	struct memspace_kvm_fake *fake;
	struct memspace_kvm *kvm;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
report(const char *what, uint64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("%-58s median %8.1f us  p90 %8.1f us  p99 %8.1f us  (%zu)\n",
	       what, ns[n / 2] / 1e3, ns[n * 9 / 10] / 1e3,
	       ns[n * 99 / 100] / 1e3, n);
}

static bool
vm_open(struct vm *vm, bool fake)
{
	*vm = (struct vm){ .kvm_fd = -1, .vm_fd = -1 };
#if MEMSPACE_HAVE_KVM
	if (!fake) {
		if (test_kvm_open_vm(&vm->kvm_fd, &vm->vm_fd) == 0) {
			vm->kvm = memspace_kvm_create(vm->vm_fd);
		}
		if (vm->kvm) {
			return true;
		}
	}
#endif
	vm->fake = memspace_kvm_fake_create();
	vm->kvm = memspace_kvm_create_with_backend(memspace_kvm_fake_backend(),
						vm->fake);
	return false;
}

static void
vm_close(struct vm *vm)
{
	memspace_kvm_destroy(vm->kvm);
	memspace_kvm_fake_destroy(vm->fake);
	if (vm->vm_fd >= 0) {
		close(vm->vm_fd);
	}
	if (vm->kvm_fd >= 0) {
		close(vm->kvm_fd);
	}
}

/* Move @mr between @a and @b @n times, timing each commit. */
static void
time_moves(struct memspace_region *mr, uint64_t a, uint64_t b, uint64_t *ns,
	   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		if (memspace_region_set_address(mr, i % 2 ? a : b) < 0) {
			fprintf(stderr, "bench-kvm-commit: commit failed\n");
			exit(1);
		}
		ns[i] = now_ns() - t0;
	}
}

static struct memspace_region *
pc_ram(struct memspace *ms, GPtrArray *own, const char *name, uint64_t size,
       bool ro)
{
	struct memspace_region *mr = memspace_region_new_ram(ms, name, size,
							     NULL);

	g_ptr_array_add(own, mr);
	if (ro) {
		memspace_region_set_readonly(mr, true);
	}
	return mr;
}

static void
bench_pc(struct vm *vm, size_t n)
{
	struct memspace *ms = memspace_new();
	g_autoptr(GPtrArray) own = g_ptr_array_new();
	struct memspace_region *root = memspace_region_new_container(
		ms, "system", MEMSPACE_SIZE_2_64);
	void *bars = mmap(NULL, NR_BARS * BAR_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct memspace_region *bar[NR_BARS];
	struct memspace_addrspace *as;
	struct memspace_kvm_listener *kl;
	uint64_t *ns = g_new(uint64_t, n);

	g_ptr_array_add(own, root);
	memspace_region_add_subregion(root, 0, pc_ram(ms, own, "ram",
						      0x80000000, false));
	memspace_region_add_subregion(root, 0xc0000, pc_ram(ms, own, "rom",
							    0x20000, true));
	memspace_region_add_subregion(root, 0xfffc0000,
				      pc_ram(ms, own, "bios", 0x40000, true));
	for (int i = 0; i < NR_BARS; i++) {
		bar[i] = memspace_region_new_ram_device(
			ms, "bar", BAR_SIZE, (uint8_t *)bars + i * BAR_SIZE);
		g_ptr_array_add(own, bar[i]);
		memspace_region_add_subregion(root, 0xe0000000 + i * 0x100000,
					      bar[i]);
	}
	as = memspace_addrspace_create(ms, "memory", root);
	kl = memspace_kvm_listener_register_memory(vm->kvm, as, 0);
	time_moves(bar[7], 0xe0700000, 0xf0000000, ns, n);
	report("pc, 2 GiB + 16 RAM-device BARs: move one BAR (slot move)", ns,
	       n);
	memspace_kvm_listener_unregister(kl);
	time_moves(bar[7], 0xe0700000, 0xf0000000, ns, n);
	report("  same, no listener", ns, n);
	memspace_addrspace_destroy(as);
	for (guint i = 0; i < own->len; i++) {
		memspace_region_unref(own->pdata[i]);
	}
	memspace_unref(ms);
	munmap(bars, NR_BARS * BAR_SIZE);
	g_free(ns);
}

static struct memspace_addrspace *
find_as(const struct map_load *ml, const char *name)
{
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_addrspace *as = ml->addrspaces->pdata[i];

		if (!strcmp(memspace_addrspace_get_name(as), name)) {
			return as;
		}
	}
	return NULL;
}

/* Two ioeventfds (any length) on every virtio notify region. */
static void
add_doorbells(struct map_load *ml, int efd)
{
	for (guint i = 0; i < ml->regions->len; i++) {
		struct memspace_region *mr = ml->regions->pdata[i];

		if (strcmp(memspace_region_get_name(mr),
			   "virtio-pci-notify-virtio-net") == 0) {
			memspace_region_add_eventfd(mr, 0, 0, false, 0, efd);
			memspace_region_add_eventfd(mr, 4, 0, false, 0, efd);
		}
	}
}

/* Device 100's BAR container: the n-th "virtio-pci" region mapped at
 * 0x800190000 in the sample. */
static struct memspace_region *
find_bar(const struct map_load *ml)
{
	for (guint i = 0; i < ml->regions->len; i++) {
		struct memspace_region *mr = ml->regions->pdata[i];

		if (!strcmp(memspace_region_get_name(mr), "virtio-pci") &&
		    memspace_region_get_address(mr) == 0x800190000ull) {
			return mr;
		}
	}
	return NULL;
}

static void
bench_q35(struct vm *vm, const char *path, size_t n)
{
	g_autoptr(GError) err = NULL;
	struct map_load *ml = map_load_file(path, &err);
	int efd = eventfd(0, EFD_CLOEXEC);
	struct memspace_addrspace *as = ml ? find_as(ml, "memory") : NULL;
	struct memspace_region *bar = ml ? find_bar(ml) : NULL;
	struct memspace_kvm_listener *kl;
	uint64_t *ns = g_new(uint64_t, n);

	if (!as || !bar) {
		printf("q35-200-virtio-net: sample not available (%s)\n",
		       err ? err->message : path);
		map_load_free(ml);
		g_free(ns);
		return;
	}
	kl = memspace_kvm_listener_register_memory(vm->kvm, as, 0);
	time_moves(bar, 0x800190000ull, 0x900000000ull, ns, n);
	report("q35 + 200 virtio-net: move one BAR (no slot changes)", ns, n);
	/* Now with doorbells: the device's two move with its BAR. */
	add_doorbells(ml, efd);
	time_moves(bar, 0x800190000ull, 0x900000000ull, ns, n);
	report("  with 400 ioeventfds (2 deassigned + 2 assigned)", ns, n);
	memspace_kvm_listener_unregister(kl);
	time_moves(bar, 0x800190000ull, 0x900000000ull, ns, n);
	report("  same, no listener", ns, n);
	map_load_free(ml);
	close(efd);
	g_free(ns);
}

int
main(int argc, char **argv)
{
	bool fake = argc > 1 && !strcmp(argv[1], "--fake");
	const char *sample = argc > 1 + fake ? argv[1 + fake] :
			     BENCH_SAMPLES "/x86-q35-200-virtio-net/tree.json";
	struct vm vm;
	bool real = vm_open(&vm, fake);

	printf("bench-kvm-commit: %s backend\n",
	       real ? "real KVM (/dev/kvm)" : "fake KVM");
	bench_pc(&vm, 2000);
	bench_q35(&vm, sample, 400);
	vm_close(&vm);
	return 0;
}
