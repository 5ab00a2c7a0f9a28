/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The built-in machine `memspace show` prints without a map file: a q35-like
 * PC with 4 GiB of RAM and a VGA card, after firmware assigned the PCI BARs
 * and MMCONFIG, with SMRAM closed and the PAM windows still at reset.  Owner
 * labels are those QEMU prints for such a machine.
 */
#include <errno.h>

#include "tool.h"

#define GiB (UINT64_C(1) << 30)
#define RAM_SIZE (4 * GiB)
#define BELOW_4G (2 * GiB)

#define UNATTACHED "parent:{obj path=/machine/unattached}"
#define DEV(n) "owner:{dev path=/machine/unattached/device[" #n "]}"
#define MCH "owner:{dev path=/machine/q35/mch}"
#define Q35 "owner:{dev path=/machine/q35}"
#define VGA "owner:{dev path=/machine/peripheral-anon/device[0]}"

/* A callback-less I/O region: name, place in its parent, owner label. */
struct dev_region {
	const char *name;
	uint64_t addr;
	uint64_t size;
	int32_t priority;
	const char *owner;
};

/* The regions the builders pass to each other. */
struct pc {
	struct map_load *ml;
	struct memspace *ms;
	struct memspace_region *system;
	struct memspace_region *pci;
	struct memspace_region *ram;
	struct memspace_region *smram;
};

static const struct dev_region io_ports[] = {
	{ "dma-chan", 0x0, 0x8, 0, DEV(3) },
	{ "dma-cont", 0x8, 0x8, 0, DEV(3) },
	{ "pic", 0x20, 0x2, 0, DEV(5) },
	{ "pit", 0x40, 0x4, 0, DEV(9) },
	{ "i8042-data", 0x60, 0x1, 0, DEV(11) },
	{ "pcspk", 0x61, 0x1, 0, DEV(10) },
	{ "i8042-cmd", 0x64, 0x1, 0, DEV(11) },
	{ "kvmvapic", 0x7e, 0x2, 0, DEV(1) },
	{ "ioport80", 0x80, 0x1, 0, UNATTACHED },
	{ "dma-page", 0x81, 0x3, 0, DEV(3) },
	{ "dma-page", 0x87, 0x1, 0, DEV(3) },
	{ "dma-page", 0x89, 0x3, 0, DEV(4) },
	{ "dma-page", 0x8f, 0x1, 0, DEV(4) },
	{ "port92", 0x92, 0x1, 0, DEV(14) },
	{ "pic", 0xa0, 0x2, 0, DEV(6) },
	{ "apm-io", 0xb2, 0x2, 0, DEV(2) },
	{ "dma-chan", 0xc0, 0x10, 0, DEV(4) },
	{ "dma-cont", 0xd0, 0x10, 0, DEV(4) },
	{ "ioportF0", 0xf0, 0x1, 0, UNATTACHED },
	{ "vbe", 0x1ce, 0x4, 0, VGA },
	{ "vga", 0x3b4, 0x2, 0, VGA },
	{ "vga", 0x3ba, 0x1, 0, VGA },
	{ "vga", 0x3c0, 0x10, 0, VGA },
	{ "vga", 0x3d4, 0x2, 0, VGA },
	{ "vga", 0x3da, 0x1, 0, VGA },
	{ "elcr", 0x4d0, 0x1, 0, DEV(5) },
	{ "elcr", 0x4d1, 0x1, 0, DEV(6) },
	{ "fwcfg", 0x510, 0x2, 0, "owner:{dev path=/machine/fw_cfg}" },
	{ "fwcfg.dma", 0x514, 0x8, 0, "owner:{dev path=/machine/fw_cfg}" },
	{ "acpi-pci-hotplug", 0xcc0, 0x18, 0, DEV(2) },
	{ "acpi-cpu-hotplug", 0xcd8, 0x20, 0, DEV(2) },
	{ "pci-conf-idx", 0xcf8, 0x4, 0, Q35 },
	{ "lpc-reset-control", 0xcf9, 0x1, 1, DEV(2) },
	{ "pci-conf-data", 0xcfc, 0x4, 0, Q35 },
};

static const struct dev_region pm_ports[] = {
	{ "acpi-evt", 0x0, 0x4, 0, DEV(2) },
	{ "acpi-cnt", 0x4, 0x2, 0, DEV(2) },
	{ "acpi-tmr", 0x8, 0x4, 0, DEV(2) },
	{ "acpi-gpe0", 0x20, 0x10, 0, DEV(2) },
	{ "acpi-smi", 0x30, 0x8, 0, DEV(2) },
	{ "sm-tco", 0x60, 0x20, 0, DEV(2) },
};

static const struct dev_region chipset_mmio[] = {
	{ "pcie-mmcfg-mmio", 0xb0000000, 0x10000000, 0, Q35 },
	{ "ioapic", 0xfec00000, 0x1000, 0,
	  "owner:{dev path=/machine/q35/ioapic}" },
	{ "hpet", 0xfed00000, 0x400, 0, DEV(7) },
	{ "apic-msi", 0xfee00000, 0x100000, 4096,
	  "owner:{dev path=/machine/unattached/device[0]/lapic}" },
};

static const struct dev_region vga_mmio[] = {
	{ "edid", 0x0, 0x180, 0, VGA },
	{ "vga ioports remapped", 0x400, 0x20, 0, VGA },
	{ "bochs dispi interface", 0x500, 0x16, 0, VGA },
	{ "qemu extended regs", 0x600, 0x8, 0, VGA },
};

/* The machine is fixed: any failure is a bug. */
static void
must(int ret)
{
	if (ret < 0) {
		g_error("default map: %s", g_strerror(-ret));
	}
}

static struct memspace_region *
keep(struct pc *pc, struct memspace_region *mr, const char *owner)
{
	if (!mr) {
		g_error("default map: %s", g_strerror(errno));
	}
	map_load_keep(pc->ml, mr);
	must(memspace_region_set_owner(mr, owner));
	return mr;
}

static struct memspace_region *
map_at(struct memspace_region *parent, uint64_t addr,
       struct memspace_region *mr, int32_t priority)
{
	must(memspace_region_add_subregion_overlap(parent, addr, mr, priority));
	return mr;
}

static struct memspace_region *
add_io(struct pc *pc, struct memspace_region *parent,
       const struct dev_region *d)
{
	struct memspace_region *mr =
		memspace_region_new_io(pc->ms, d->name, d->size, NULL, NULL);

	return map_at(parent, d->addr, keep(pc, mr, d->owner), d->priority);
}

static void
add_io_table(struct pc *pc, struct memspace_region *parent,
	     const struct dev_region *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		add_io(pc, parent, &table[i]);
	}
}

static struct memspace_region *
new_alias(struct pc *pc, const char *name, struct memspace_region *target,
	  uint64_t offset, uint64_t size, const char *owner)
{
	return keep(pc,
		    memspace_region_new_alias(pc->ms, name, target, offset,
					      size),
		    owner);
}

static struct memspace_region *
new_container(struct pc *pc, const char *name, uint64_t size, const char *owner)
{
	return keep(pc, memspace_region_new_container(pc->ms, name, size),
		    owner);
}

static struct memspace_region *
new_rom(struct pc *pc, const char *name, uint64_t size)
{
	struct memspace_region *mr =
		keep(pc, memspace_region_new_ram(pc->ms, name, size, NULL),
		     UNATTACHED);

	must(memspace_region_set_readonly(mr, true));
	return mr;
}

static void
build_ram(struct pc *pc)
{
	pc->ram = keep(
		pc, memspace_region_new_ram(pc->ms, "pc.ram", RAM_SIZE, NULL),
		"owner:{obj path=/objects/pc.ram}");
	map_at(pc->system, 0,
	       new_alias(pc, "ram-below-4g", pc->ram, 0, BELOW_4G, UNATTACHED),
	       0);
	map_at(pc->system, 4 * GiB,
	       new_alias(pc, "ram-above-4g", pc->ram, BELOW_4G,
			 RAM_SIZE - BELOW_4G, UNATTACHED),
	       0);
}

static void
build_vga(struct pc *pc)
{
	struct memspace_region *vram = keep(
		pc, memspace_region_new_ram(pc->ms, "vga.vram", 16 << 20, NULL),
		VGA);
	struct memspace_region *mmio = keep(
		pc,
		memspace_region_new_io(pc->ms, "vga.mmio", 0x1000, NULL, NULL),
		VGA);

	add_io(pc, pc->pci,
	       &(struct dev_region){ "vga-lowmem", 0xa0000, 0x20000, 1, VGA });
	map_at(pc->pci, 0xfd000000, vram, 1);
	map_at(pc->pci, 0xfebf0000, mmio, 1);
	add_io_table(pc, mmio, vga_mmio, G_N_ELEMENTS(vga_mmio));
}

/* The PCI hole, with the firmware images below 1 MiB and 4 GiB. */
static void
build_pci(struct pc *pc)
{
	struct memspace_region *bios = new_rom(pc, "pc.bios", 256 << 10);
	struct memspace_region *isa_bios = new_alias(
		pc, "isa-bios", bios, 128 << 10, 128 << 10, UNATTACHED);

	pc->pci = new_container(pc, "pci", MEMSPACE_SIZE_2_64, UNATTACHED);
	map_at(pc->system, 0, pc->pci, -1);
	map_at(pc->pci, 0xfffc0000, bios, 0);
	map_at(pc->pci, 0xc0000, new_rom(pc, "pc.rom", 128 << 10), 1);
	must(memspace_region_set_readonly(isa_bios, true));
	map_at(pc->pci, 0xe0000, isa_bios, 1);
	build_vga(pc);
}

/* Each 16 KiB (64 KiB for the last) segment of 0xc0000-0xfffff has four
 * windows, exactly one enabled: at reset, the one onto PCI. */
static void
build_pam(struct pc *pc)
{
	for (uint64_t start = 0xc0000; start < 0x100000;) {
		uint64_t size = start < 0xf0000 ? 0x4000 : 0x10000;
		struct memspace_region *windows[] = {
			new_alias(pc, "pam-pci", pc->pci, start, size, MCH),
			new_alias(pc, "pam-rom", pc->ram, start, size, MCH),
			new_alias(pc, "pam-pci", pc->ram, start, size, MCH),
			new_alias(pc, "pam-ram", pc->ram, start, size, MCH),
		};

		for (size_t i = 0; i < G_N_ELEMENTS(windows); i++) {
			must(memspace_region_set_enabled(windows[i], i == 0));
			map_at(pc->system, start, windows[i], 1);
		}
		must(memspace_region_set_readonly(windows[1], true));
		start += size;
	}
}

/* The SMRAM container only the SMM address space sees. */
static void
build_smram_windows(struct pc *pc)
{
	static const struct {
		const char *name;
		uint64_t addr, offset, size;
	} windows[] = {
		{ "smbase-window", 0x30000, 0x30000, 0x20000 },
		{ "smram-low", 0xa0000, 0xa0000, 0x20000 },
		{ "tseg-window", BELOW_4G, BELOW_4G, 0 },
		{ "smram-high", 0xfeda0000, 0xa0000, 0x20000 },
	};

	pc->smram = new_container(pc, "smram", 4 * GiB, MCH);
	for (size_t i = 0; i < G_N_ELEMENTS(windows); i++) {
		struct memspace_region *mr =
			new_alias(pc, windows[i].name, pc->ram,
				  windows[i].offset, windows[i].size, MCH);

		must(memspace_region_set_enabled(mr, false));
		map_at(pc->smram, windows[i].addr, mr, 0);
	}
}

/* What the MCH maps into the system bus for SMRAM, closed. */
static void
build_smram(struct pc *pc)
{
	struct memspace_region *mr;

	mr = add_io(pc, pc->system,
		    &(struct dev_region){ "smbase-blackhole", 0x30000, 0x20000,
					  1, MCH });
	must(memspace_region_set_enabled(mr, false));
	map_at(pc->system, 0xa0000,
	       new_alias(pc, "smram-region", pc->pci, 0xa0000, 0x20000, MCH),
	       1);
	mr = add_io(pc, pc->system,
		    &(struct dev_region){ "tseg-blackhole", BELOW_4G, 0, 1,
					  MCH });
	must(memspace_region_set_enabled(mr, false));
	mr = new_alias(pc, "smram-open-high", pc->ram, 0xa0000, 0x20000, MCH);
	must(memspace_region_set_enabled(mr, false));
	map_at(pc->system, 0xfeda0000, mr, 1);
	build_smram_windows(pc);
}

static struct memspace_region *
build_io(struct pc *pc)
{
	struct memspace_region *io = keep(
		pc, memspace_region_new_io(pc->ms, "io", 0x10000, NULL, NULL),
		UNATTACHED);
	struct memspace_region *pm = new_container(pc, "ich9-pm", 0x80, DEV(2));
	struct memspace_region *rtc = add_io(
		pc, io, &(struct dev_region){ "rtc", 0x70, 0x2, 0, DEV(8) });

	add_io(pc, rtc,
	       &(struct dev_region){ "rtc-index", 0x0, 0x1, 0, DEV(8) });
	add_io_table(pc, io, io_ports, G_N_ELEMENTS(io_ports));
	/* The PM block stays disabled until firmware sets its base. */
	must(memspace_region_set_enabled(pm, false));
	map_at(io, 0, pm, 0);
	add_io_table(pc, pm, pm_ports, G_N_ELEMENTS(pm_ports));
	return io;
}

/* cpu-smm-0's root: SMRAM over the whole system bus. */
static struct memspace_region *
build_smm_root(struct pc *pc)
{
	struct memspace_region *root =
		new_container(pc, "memory", MEMSPACE_SIZE_2_64, DEV(0));

	map_at(root, 0, new_alias(pc, "smram", pc->smram, 0, 4 * GiB, DEV(0)),
	       1);
	map_at(root, 0,
	       new_alias(pc, "memory", pc->system, 0, MEMSPACE_SIZE_2_64,
			 DEV(0)),
	       0);
	return root;
}

/* A PCI function's DMA view; bus mastering is off until a driver runs. */
static struct memspace_region *
build_bus_master(struct pc *pc, const char *owner)
{
	struct memspace_region *root = new_container(pc, "bus master container",
						     MEMSPACE_SIZE_2_64, owner);
	struct memspace_region *window = new_alias(
		pc, "bus master", pc->system, 0, MEMSPACE_SIZE_2_64, owner);

	must(memspace_region_set_enabled(window, false));
	map_at(root, 0, window, 0);
	return root;
}

static void
add_addrspace(struct pc *pc, const char *name, struct memspace_region *root)
{
	struct memspace_addrspace *as =
		memspace_addrspace_create(pc->ms, name, root);

	if (!as) {
		g_error("default map: %s", g_strerror(errno));
	}
	g_ptr_array_add(pc->ml->addrspaces, as);
}

struct map_load *
default_map_new(void)
{
	struct map_load *ml = map_load_new();
	struct pc pc = { .ml = ml, .ms = ml->ms };
	struct memspace_region *io, *smm, *lpc;

	must(memspace_transaction_begin(pc.ms));
	pc.system =
		new_container(&pc, "system", MEMSPACE_SIZE_2_64, UNATTACHED);
	build_ram(&pc);
	build_pci(&pc);
	build_pam(&pc);
	build_smram(&pc);
	add_io_table(&pc, pc.system, chipset_mmio, G_N_ELEMENTS(chipset_mmio));
	io = build_io(&pc);
	smm = build_smm_root(&pc);
	lpc = build_bus_master(&pc, DEV(2));
	must(memspace_transaction_commit(pc.ms));

	add_addrspace(&pc, "memory", pc.system);
	add_addrspace(&pc, "I/O", io);
	add_addrspace(&pc, "ICH9-LPC", lpc);
	add_addrspace(&pc, "cpu-memory-0", pc.system);
	add_addrspace(&pc, "cpu-smm-0", smm);
	return ml;
}
