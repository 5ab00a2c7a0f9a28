/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The example VMM's guest-physical and port map, shared by the VMM (C) and
 * its guest (guest.S): only #defines, so that both can include it.
 */
#ifndef MEMSPACE_VMM_MAP_H
#define MEMSPACE_VMM_MAP_H

#define VMM_RAM_BASE		0x00000000
#define VMM_RAM_SIZE		0x00200000	/* 2 MiB: one huge page */
#define VMM_DIMM_BASE		0x40000000	/* hot-plugged, 2 MiB */
#define VMM_DIMM_SIZE		0x00200000
#define VMM_PCI_BASE		0x80000000	/* container, priority -1 */
#define VMM_PCI_SIZE		0x80000000
#define VMM_BAR_RAM		0xc0000000	/* 64 KiB RAM BAR ... */
#define VMM_BAR_RAM_MOVED	0xc0100000	/* ... moved here */
#define VMM_BAR_RAM_SIZE	0x00010000
#define VMM_BAR_MMIO		0xc0200000	/* 4 KiB MMIO BAR */
#define VMM_DEV_BASE		0xd0000000	/* MMIO device, 4 KiB */
#define VMM_ROM_BASE		0xffff0000	/* 64 KiB ROM: the guest */
#define VMM_ROM_SIZE		0x00010000

/* Device registers (offsets in the device). */
#define VMM_DEV_ID		0x000	/* read: VMM_DEV_ID_VALUE */
#define VMM_DEV_SCRATCH		0x004	/* read/write */
#define VMM_DEV_DOORBELL	0x008	/* 4-byte writes: ioeventfd */
#define VMM_DEV_LOG		0x100	/* coalesced zone 0x100-0x1ff */
#define VMM_DEV_ID_VALUE	0x6d656d73	/* "smem" */
#define VMM_BAR_MMIO_VALUE	0xba5eba11

/* Ports. */
#define VMM_PORT_SERIAL		0x3f8	/* 8 registers; output at +0 */
#define VMM_PORT_CTL		0xf0	/* 1-byte command to the VMM */
#define VMM_PORT_REPORT		0xf4	/* 4-byte value the guest saw */
/* (0xf0-0xf7 is one device of the VMM.) */

/* Commands written to VMM_PORT_CTL; each ends a step. */
#define VMM_CTL_MOVE_BAR	1
#define VMM_CTL_DISABLE_BAR	2
#define VMM_CTL_ENABLE_BAR	3
#define VMM_CTL_PLUG_DIMM	4
#define VMM_CTL_UNPLUG_DIMM	5

#endif /* MEMSPACE_VMM_MAP_H */
