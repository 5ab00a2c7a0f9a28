/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace-vmm: a small KVM VMM whose whole memory map is memspace's.
 *
 *   memspace-vmm [--memory anon|memfd|hugetlbfs[:DIR]|file:PATH]
 *                [--selftest] [--dump-dir DIR]
 *
 * Guest-physical map (vmm-map.h), built once, then changed by the guest:
 *   0x00000000  ram       2 MiB, guest memory on the --memory backend
 *   0x40000000  dimm0     2 MiB, hot-plugged and unplugged at the guest's
 *                         request (its own backend of the same kind)
 *   0x80000000  pci       container, priority -1, holding
 *     0xc0000000  bar0-ram  64 KiB RAM BAR (moved to 0xc0100000)
 *     0xc0200000  bar1-mmio 4 KiB MMIO BAR
 *   0xd0000000  dev       MMIO device: ID, scratch, an ioeventfd doorbell
 *                         and a coalesced log window
 *   0xffff0000  rom       64 KiB firmware holding the guest (guest.S)
 * Ports: serial at 0x3f8, a control register at 0xf0 (the guest asks for
 * map changes there), a report register at 0xf4 (values the guest saw).
 *
 * memspace_kvm_vm_open() attaches the KVM listeners, so every change below
 * reaches KVM's slots, ioeventfds and coalesced zones by itself;
 * memspace_kvm_vcpu_run() dispatches every IO and MMIO exit to the
 * devices.  After each step the VMM prints the flat view and the slot
 * table; --selftest also checks what the guest reported, the exit count,
 * the devices and the slots, and exits 1 on any mismatch (77 when KVM or
 * huge pages are not available).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <glib.h>

#include <memspace/memspace.h>

#include "vmm-map.h"

#define SKIP 77
#define MAX_REPORTS 4

/* The guest, linked in from guest.S. */
extern const uint8_t vmm_guest_start[], vmm_guest_end[];

/* What each step of the guest must show: it ends with @cmd (0: HLT). */
struct step {
	const char *name;
	unsigned exits;
	unsigned nr_reports;
	uint32_t reports[MAX_REPORTS];
	unsigned cmd;
	uint64_t slot;		/* after @cmd, a slot maps [slot, +size) ... */
	uint64_t slot_size;
	bool slot_present;	/* ... or no longer does */
};

static const struct step steps[] = {
	{ "boot", 9, 4, { 0x12345678, VMM_DEV_ID_VALUE, 0xabcd,
			   VMM_BAR_MMIO_VALUE },
	  VMM_CTL_MOVE_BAR, VMM_BAR_RAM_MOVED, VMM_BAR_RAM_SIZE, true },
	{ "bar-moved", 4, 2, { 0x5a5a5a5a, 0 },
	  VMM_CTL_DISABLE_BAR, VMM_BAR_RAM_MOVED, VMM_BAR_RAM_SIZE, false },
	{ "bar-disabled", 3, 1, { 0 },
	  VMM_CTL_ENABLE_BAR, VMM_BAR_RAM_MOVED, VMM_BAR_RAM_SIZE, true },
	{ "bar-enabled", 2, 1, { 0x5a5a5a5a },
	  VMM_CTL_PLUG_DIMM, VMM_DIMM_BASE, VMM_DIMM_SIZE, true },
	{ "dimm-plugged", 2, 1, { 0xd1d1d1d1 },
	  VMM_CTL_UNPLUG_DIMM, VMM_DIMM_BASE, VMM_DIMM_SIZE, false },
	{ "dimm-unplugged", 3, 1, { 0 }, 0, 0, 0, false },
};
#define NR_STEPS (sizeof(steps) / sizeof(steps[0]))

static const char serial_expected[] =
	"memspace-vmm guest: hello\nguest: BAR moved\nguest: bye\n";

struct vmm {
	/* Options. */
	const char *memory;
	bool selftest;
	const char *dump_dir;
	/* The map. */
	struct memspace *ms;
	GPtrArray *regions;		/* every region we created */
	struct memspace_region *bar_ram;
	struct memspace_addrspace *mem, *io;
	struct memspace_guest_memory *gm;
	struct memspace_backend *ram_be, *dimm_be, *rom_be;
	int doorbell;
	/* KVM. */
	struct memspace_kvm_vm *vm;
	struct memspace_kvm_vcpu *vcpu;
	/* What the devices saw. */
	GString *serial_out;
	uint32_t reports[MAX_REPORTS];
	unsigned nr_reports;
	uint32_t log[8];
	unsigned nr_log;
	unsigned nr_log_at_bar_read;	/* the ring drained before the exit */
	uint32_t scratch;
	unsigned cmd;		/* written to the control port, 0: none */
	unsigned failures;
};

/* ---- devices: callbacks run on the vCPU thread, inside the exit ---- */

static enum memspace_access_result
serial_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	     struct memspace_attrs attrs)
{
	struct vmm *v = opaque;

	if (addr == 0) {
		g_string_append_c(v->serial_out, (char)data);
		fputc((int)data, stdout);
	}
	return MEMSPACE_ACCESS_OK;
}

/* The VMM's own ports: control at +0, report at +4. */
static enum memspace_access_result
vmm_port_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	       struct memspace_attrs attrs)
{
	struct vmm *v = opaque;

	if (addr == 0) {
		/* Map changes must not commit from a callback: run() does. */
		v->cmd = (unsigned)data;
	} else if (addr == 4 && v->nr_reports++ < MAX_REPORTS) {
		v->reports[v->nr_reports - 1] = (uint32_t)data;
	}
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
dev_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	 struct memspace_attrs attrs)
{
	struct vmm *v = opaque;

	*data = addr == VMM_DEV_ID ? VMM_DEV_ID_VALUE :
		addr == VMM_DEV_SCRATCH ? v->scratch : 0;
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	struct vmm *v = opaque;

	if (addr == VMM_DEV_SCRATCH) {
		v->scratch = (uint32_t)data;
	} else if (addr >= VMM_DEV_LOG && v->nr_log < 8) {
		v->log[v->nr_log++] = (uint32_t)data;
	}
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
bar_mmio_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	      struct memspace_attrs attrs)
{
	struct vmm *v = opaque;

	v->nr_log_at_bar_read = v->nr_log;
	*data = addr == 0 ? VMM_BAR_MMIO_VALUE : 0;
	return MEMSPACE_ACCESS_OK;
}

#define OPS(r, w)                                                             \
	{ .version = MEMSPACE_REGION_OPS_VERSION, .read = (r), .write = (w),  \
	  .valid_max_access_size = 4, .impl_max_access_size = 4 }
static const struct memspace_region_ops serial_ops = OPS(NULL, serial_write);
static const struct memspace_region_ops vmm_port_ops = OPS(NULL,
							   vmm_port_write);
static const struct memspace_region_ops dev_ops = OPS(dev_read, dev_write);
static const struct memspace_region_ops bar_mmio_ops = OPS(bar_mmio_read,
							   NULL);

/* ---- building the map ---- */

static void
unref_region(void *mr)
{
	memspace_region_unref(mr);
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "memspace-vmm: %s: %s\n", what, strerror(err));
	exit(1);
}

/* A backend of the kind --memory names (exits with 2 on an unknown
 * kind); @offset is used by file:PATH, where the RAM and the DIMM share
 * one file. */
static struct memspace_backend *
backend_new(const char *spec, const char *name, uint64_t size,
	    uint64_t offset)
{
	struct memspace_backend_config cfg = {
		.size = size, .name = name, .shared = true,
	};

	if (!strcmp(spec, "anon")) {
		cfg.source = MEMSPACE_BACKEND_ANON;
		cfg.shared = false;
	} else if (!strcmp(spec, "memfd")) {
		cfg.source = MEMSPACE_BACKEND_MEMFD;
	} else if (!strcmp(spec, "hugetlbfs")) {
		cfg.source = MEMSPACE_BACKEND_MEMFD_HUGETLB;
		cfg.huge_page_size = 2 << 20;
	} else if (!strncmp(spec, "hugetlbfs:", 10)) {
		cfg.source = MEMSPACE_BACKEND_HUGETLBFS;
		cfg.path = spec + 10;
	} else if (!strncmp(spec, "file:", 5) && spec[5]) {
		cfg.source = MEMSPACE_BACKEND_FILE;
		cfg.path = spec + 5;
		cfg.offset = offset;
	} else {
		fprintf(stderr, "memspace-vmm: --memory %s: unknown backend\n",
			spec);
		exit(2);
	}
	return memspace_backend_new(&cfg);
}

static struct memspace_region *
keep(struct vmm *v, struct memspace_region *mr)
{
	if (!mr) {
		die("region", errno);
	}
	g_ptr_array_add(v->regions, mr);
	return mr;
}

/* Map @mr into @parent at @addr with priority @prio. */
static struct memspace_region *
map(struct memspace_region *parent, uint64_t addr, int prio,
    struct memspace_region *mr)
{
	int ret = memspace_region_add_subregion_overlap(parent, addr, mr, prio);

	if (ret < 0) {
		die(memspace_region_get_name(mr), -ret);
	}
	return mr;
}

static struct memspace_region *
io_new(struct vmm *v, const char *name, uint64_t size,
       const struct memspace_region_ops *ops)
{
	return keep(v, memspace_region_new_io(v->ms, name, size, ops, v));
}

static void
build_backends(struct vmm *v)
{
	bool huge = !strncmp(v->memory, "hugetlbfs", 9);

	/* The DIMM first: with file:PATH it grows the file to hold both. */
	v->dimm_be = backend_new(v->memory, "dimm0", VMM_DIMM_SIZE,
				 VMM_RAM_SIZE);
	if (v->dimm_be) {
		v->ram_be = backend_new(v->memory, "ram", VMM_RAM_SIZE, 0);
	}
	if (!v->ram_be) {
		if (huge && v->selftest &&
		    (errno == ENOMEM || errno == EOPNOTSUPP)) {
			fprintf(stderr, "memspace-vmm: no huge pages: "
				"skipping\n");
			exit(SKIP);
		}
		die(v->memory, errno);
	}
	v->rom_be = backend_new("anon", "rom", VMM_ROM_SIZE, 0);
	if (!v->rom_be) {
		die("rom", errno);
	}
	memcpy(memspace_backend_get_host(v->rom_be), vmm_guest_start,
	       (size_t)(vmm_guest_end - vmm_guest_start));
}

static void
build_map(struct vmm *v)
{
	const struct memspace_guest_layout layout = {
		.phys_end = 1ull << 32, .mem_start = 0,
		.mem_end = VMM_PCI_BASE,
	};
	struct memspace_guest_region r[2];
	struct memspace_region *sys, *io_root, *pci, *dev;
	int ret;

	build_backends(v);
	sys = keep(v, memspace_region_new_container(v->ms, "system",
						    MEMSPACE_SIZE_2_64));
	io_root = io_new(v, "io", 0x10000, NULL);
	v->mem = memspace_addrspace_create(v->ms, "memory", sys);
	v->io = memspace_addrspace_create(v->ms, "I/O", io_root);
	memspace_transaction_begin(v->ms);
	/* RAM and ROM through the guest-memory layer. */
	memspace_guest_region_init(&r[0], MEMSPACE_GUEST_DEFAULT_MEMORY,
				   VMM_RAM_BASE, VMM_RAM_SIZE);
	r[0].name = "ram";
	r[0].backend = v->ram_be;
	memspace_guest_region_init(&r[1], MEMSPACE_GUEST_FIRMWARE_MEMORY,
				   VMM_ROM_BASE, VMM_ROM_SIZE);
	r[1].name = "rom";
	r[1].backend = v->rom_be;
	ret = memspace_guest_memory_create(v->mem, &layout, r, 2, NULL, &v->gm);
	if (ret < 0) {
		die("guest memory", -ret);
	}
	/* The PCI-like hole, under everything else, with its two BARs. */
	pci = keep(v, memspace_region_new_container(v->ms, "pci",
						    VMM_PCI_SIZE));
	map(sys, VMM_PCI_BASE, -1, pci);
	v->bar_ram = keep(v, memspace_region_new_ram(v->ms, "bar0-ram",
						     VMM_BAR_RAM_SIZE, NULL));
	map(pci, VMM_BAR_RAM - VMM_PCI_BASE, 0, v->bar_ram);
	map(pci, VMM_BAR_MMIO - VMM_PCI_BASE, 0,
	    io_new(v, "bar1-mmio", 0x1000, &bar_mmio_ops));
	/* The device: a doorbell that never exits, a coalesced log. */
	dev = map(sys, VMM_DEV_BASE, 0, io_new(v, "dev", 0x1000, &dev_ops));
	v->doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->doorbell < 0) {
		die("eventfd", errno);
	}
	ret = memspace_region_add_eventfd(dev, VMM_DEV_DOORBELL, 4, false, 0,
					  v->doorbell);
	if (ret == 0) {
		ret = memspace_region_add_coalescing(dev, VMM_DEV_LOG, 0x100);
	}
	if (ret < 0) {
		die("dev", -ret);
	}
	/* Ports. */
	map(io_root, VMM_PORT_SERIAL, 0, io_new(v, "serial", 8, &serial_ops));
	map(io_root, VMM_PORT_CTL, 0, io_new(v, "vmm", 8, &vmm_port_ops));
	ret = memspace_transaction_commit(v->ms);
	if (ret < 0) {
		die("commit", -ret);
	}
}

/* ---- KVM ---- */

/* 32-bit protected mode, flat 4 GiB segments, paging off, at the ROM. */
static void
vcpu_setup(struct vmm *v)
{
	int fd = memspace_kvm_vcpu_get_fd(v->vcpu);
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_regs regs = { .rip = VMM_ROM_BASE, .rflags = 0x2 };
	struct kvm_sregs sregs;

	data.selector = 0x10;
	data.type = 0x3;
	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0) {
		die("KVM_GET_SREGS", errno);
	}
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x31;	/* PE, ET, NE */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(fd, KVM_SET_REGS, &regs) < 0) {
		die("vCPU registers", errno);
	}
}

static void
kvm_start(struct vmm *v)
{
	const struct memspace_kvm_limits *l;

	v->vm = memspace_kvm_vm_open(NULL, v->mem, v->io);
	if (v->vm) {
		v->vcpu = memspace_kvm_vcpu_create(v->vm, 0);
	}
	if (!v->vcpu) {
		fprintf(stderr, "memspace-vmm: KVM: %s%s\n", strerror(errno),
			v->selftest ? ": skipping" : "");
		exit(v->selftest ? SKIP : 1);
	}
	l = memspace_kvm_vm_get_limits(v->vm);
	printf("KVM: %u memory slots, %u vCPUs max, coalesced ring at page "
	       "%u, vCPU mapping %zu bytes\n", l->nr_memslots, l->max_vcpus,
	       l->coalesced_mmio_page, l->vcpu_mmap_size);
	vcpu_setup(v);
}

/* ---- steps ---- */

static int
print_slot(void *opaque, const struct memspace_kvm_memslot *s)
{
	printf("  slot %-3u 0x%08" PRIx64 "-0x%08" PRIx64 " %s%s\n", s->slot,
	       s->guest_phys_addr, s->guest_phys_addr + s->memory_size - 1,
	       s->flags & MEMSPACE_KVM_MEM_READONLY ? "ro" : "rw",
	       s->flags & MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES ? " log" : "");
	return 0;
}

/* The map step @n (named @name) runs on: flat view and slots. */
static void
show(struct vmm *v, unsigned n, const char *name)
{
	struct memspace_kvm_listener *kl =
		memspace_kvm_vm_get_memory_listener(v->vm);

	printf("-- map %u, %s:\n", n, name);
	memspace_kvm_show(v->ms, stdout, MEMSPACE_SHOW_FLAT,
			  memspace_kvm_vm_get_kvm(v->vm));
	printf("KVM slots:\n");
	memspace_kvm_listener_for_each_slot(kl, print_slot, NULL);
	if (v->dump_dir) {
		g_autofree char *path = g_strdup_printf("%s/%u-%s.json",
							v->dump_dir, n, name);
		FILE *f = fopen(path, "w");

		if (!f || memspace_export_json(v->ms, f) < 0 || fclose(f)) {
			die(path, errno ? errno : EIO);
		}
	}
}

static void
check(struct vmm *v, const char *step, bool ok, const char *what)
{
	if (v->selftest && !ok) {
		fprintf(stderr, "memspace-vmm: selftest: step %s: %s\n", step,
			what);
		v->failures++;
	}
}

static int
apply(struct vmm *v, unsigned cmd)
{
	struct memspace_guest_region dimm;

	switch (cmd) {
	case VMM_CTL_MOVE_BAR:
		return memspace_region_set_address(
			v->bar_ram, VMM_BAR_RAM_MOVED - VMM_PCI_BASE);
	case VMM_CTL_DISABLE_BAR:
	case VMM_CTL_ENABLE_BAR:
		return memspace_region_set_enabled(
			v->bar_ram, cmd == VMM_CTL_ENABLE_BAR);
	case VMM_CTL_PLUG_DIMM:
		memspace_guest_region_init(&dimm,
					   MEMSPACE_GUEST_DEFAULT_MEMORY,
					   VMM_DIMM_BASE, VMM_DIMM_SIZE);
		dimm.name = "dimm0";
		dimm.backend = v->dimm_be;
		dimm.hotplug = true;
		return memspace_guest_memory_insert(v->gm, &dimm, NULL);
	case VMM_CTL_UNPLUG_DIMM:
		return memspace_guest_memory_remove(v->gm, VMM_DIMM_BASE,
						    VMM_DIMM_SIZE);
	}
	return -EINVAL;
}

/* Whether @be's bytes at @offset read @value, in memory and, for fd
 * backends, in the file or memfd as well. */
static bool
backend_holds(struct memspace_backend *be, uint64_t offset, uint32_t value)
{
	const uint8_t *host = memspace_backend_get_host(be);
	uint64_t fd_off;
	int fd = memspace_backend_get_fd(be, &fd_off);
	uint32_t got;

	memcpy(&got, host + offset, 4);
	if (got != value) {
		return false;
	}
	if (fd < 0 || !memspace_backend_is_shared(be)) {
		return true;
	}
	return pread(fd, &got, 4, (off_t)(fd_off + offset)) == 4 &&
	       got == value;
}

/* Step @n's guest code ended after @exits exits besides @serial ones on
 * the serial port: check, apply its command, show the new map. */
static void
end_step(struct vmm *v, unsigned n, unsigned exits, unsigned serial)
{
	const struct step *s = &steps[n];
	uint64_t rings = 0;
	int ret;

	printf("== step %u %s: %u exits (and %u serial output exits)\n", n + 1,
	       s->name, exits, serial);
	check(v, s->name, exits == s->exits, "unexpected exit count");
	check(v, s->name, v->nr_reports == s->nr_reports &&
		  !memcmp(v->reports, s->reports, 4 * s->nr_reports),
	      "the guest reported unexpected values");
	check(v, s->name, v->cmd == s->cmd, "unexpected command");
	if (n == 0) {
		static const uint32_t log[] = { 1, 2, 3, 4 };

		check(v, s->name, read(v->doorbell, &rings, 8) == 8 &&
			  rings == 3, "doorbell not rung 3 times");
		check(v, s->name, v->nr_log == 4 && !memcmp(v->log, log, 16) &&
			  v->nr_log_at_bar_read == 4,
		      "coalesced writes lost, reordered or late");
		check(v, s->name, backend_holds(v->ram_be, 0x1000, 0x12345678),
		      "RAM write not in the backend");
	}
	if (s->cmd == VMM_CTL_UNPLUG_DIMM) {
		check(v, s->name,
		      backend_holds(v->dimm_be, 0, 0xd1d1d1d1) &&
			  backend_holds(v->dimm_be, VMM_DIMM_SIZE - 4,
					0x2d2d2d2d),
		      "DIMM writes not in its backend");
	}
	if (s->cmd) {
		ret = apply(v, s->cmd);
		if (ret < 0) {
			die(s->name, -ret);
		}
		check(v, s->name,
		      memspace_kvm_listener_has_memory(
			      memspace_kvm_vm_get_memory_listener(v->vm),
			      s->slot, s->slot_size) == s->slot_present,
		      "the slot table did not follow");
	} else {
		check(v, s->name, !strcmp(v->serial_out->str, serial_expected),
		      "unexpected serial output");
	}
	show(v, n + 1, n + 1 < NR_STEPS ? steps[n + 1].name : "halted");
	v->nr_reports = 0;
	v->cmd = 0;
}

static void
on_alarm(int sig)
{
}

static void
run(struct vmm *v)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_run *r = memspace_kvm_vcpu_get_run(v->vcpu);
	unsigned n = 0, exits = 0, serial = 0;
	int ret;

	/* A hung guest makes KVM_RUN fail with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	show(v, 0, steps[0].name);
	while (n < NR_STEPS) {
		ret = memspace_kvm_vcpu_run(v->vcpu, 1);
		/* String output exits once per string, or (KVM-PVM) per byte. */
		if (ret == KVM_EXIT_IO && r->io.port == VMM_PORT_SERIAL) {
			serial++;
			continue;
		}
		exits++;
		if (ret == KVM_EXIT_HLT) {
			end_step(v, n, exits, serial);
			break;
		}
		if (ret != KVM_EXIT_IO && ret != KVM_EXIT_MMIO) {
			fprintf(stderr, "memspace-vmm: step %s: %s %d\n",
				steps[n].name, ret < 0 ? strerror(-ret) :
				"unexpected exit", ret);
			exit(1);
		}
		if (v->cmd) {
			end_step(v, n++, exits, serial);
			exits = serial = 0;
		}
	}
	alarm(0);
	check(v, "end", n == NR_STEPS - 1, "the guest stopped early");
}

/* ---- main ---- */

static void
teardown(struct vmm *v)
{
	memspace_kvm_vcpu_destroy(v->vcpu);
	memspace_kvm_vm_close(v->vm);
	memspace_guest_memory_destroy(v->gm);
	memspace_addrspace_destroy(v->mem);
	memspace_addrspace_destroy(v->io);
	g_ptr_array_unref(v->regions);
	memspace_backend_unref(v->ram_be);
	memspace_backend_unref(v->dimm_be);
	memspace_backend_unref(v->rom_be);
	close(v->doorbell);
	g_string_free(v->serial_out, TRUE);
	memspace_unref(v->ms);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: memspace-vmm [--memory anon|memfd|hugetlbfs"
		"[:DIR]|file:PATH] [--selftest] [--dump-dir DIR]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "selftest", no_argument, NULL, 's' },
		{ "dump-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vmm v = { .memory = "anon", .doorbell = -1 };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			v.memory = optarg;
			break;
		case 's':
			v.selftest = true;
			break;
		case 'd':
			v.dump_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	v.ms = memspace_new();
	v.regions = g_ptr_array_new_with_free_func(unref_region);
	v.serial_out = g_string_new(NULL);
	build_map(&v);
	kvm_start(&v);
	run(&v);
	teardown(&v);
	if (v.selftest) {
		printf("selftest: %s\n", v.failures ? "FAILED" : "passed");
	}
	return v.failures ? 1 : 0;
}
