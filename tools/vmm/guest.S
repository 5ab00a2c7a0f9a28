/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The example VMM's guest: 32-bit protected mode, flat segments, paging
 * off, run from the ROM at VMM_ROM_BASE (the VMM copies the bytes between
 * vmm_guest_start and vmm_guest_end there).  It has no stack and no data
 * in RAM except what it tests.  Every value it checks goes out to the
 * report port, where the VMM compares it; a byte to the control port ends
 * a step and asks the VMM to change the map.  The code runs at CPL0, which
 * KVM-PVM emulates (about 0.6 us an instruction): it is kept short.
 */
#include "vmm-map.h"

#define ROM(label) (VMM_ROM_BASE + ((label) - vmm_guest_start))

.macro print msg, end
	movl	$ROM(\msg), %esi
	movl	$(\end - \msg), %ecx
	movw	$VMM_PORT_SERIAL, %dx
	rep outsb			/* string I/O: one exit, count bytes */
.endm

.macro report
	outl	%eax, $VMM_PORT_REPORT
.endm

.macro ctl cmd
	movb	$\cmd, %al
	outb	%al, $VMM_PORT_CTL
.endm

	.section .rodata.vmm_guest, "a"
	.globl	vmm_guest_start, vmm_guest_end
	.code32
vmm_guest_start:
	/* Step 1, boot: serial, RAM, the device, the doorbell, the BARs. */
	print	hello, hello_end
	movl	$0x12345678, VMM_RAM_BASE + 0x1000
	movl	VMM_RAM_BASE + 0x1000, %eax
	report
	movl	VMM_DEV_BASE + VMM_DEV_ID, %eax
	report
	movl	$0xabcd, VMM_DEV_BASE + VMM_DEV_SCRATCH
	movl	VMM_DEV_BASE + VMM_DEV_SCRATCH, %eax
	report
	movl	$1, VMM_DEV_BASE + VMM_DEV_DOORBELL	/* no exits: eventfd */
	movl	$1, VMM_DEV_BASE + VMM_DEV_DOORBELL
	movl	$1, VMM_DEV_BASE + VMM_DEV_DOORBELL
	movl	$1, VMM_DEV_BASE + VMM_DEV_LOG		/* no exits: ring */
	movl	$2, VMM_DEV_BASE + VMM_DEV_LOG + 4
	movl	$3, VMM_DEV_BASE + VMM_DEV_LOG + 8
	movl	$4, VMM_DEV_BASE + VMM_DEV_LOG + 12
	movl	$0x5a5a5a5a, VMM_BAR_RAM		/* RAM BAR: a slot */
	movl	VMM_BAR_MMIO, %eax			/* drains the ring */
	report
	ctl	VMM_CTL_MOVE_BAR

	/* Step 2: the RAM BAR moved, its contents with it. */
	print	moved, moved_end
	movl	VMM_BAR_RAM_MOVED, %eax
	report
	movl	VMM_BAR_RAM, %eax			/* a hole now: 0 */
	report
	ctl	VMM_CTL_DISABLE_BAR

	/* Step 3: disabled, it reads as nothing. */
	movl	VMM_BAR_RAM_MOVED, %eax
	report
	ctl	VMM_CTL_ENABLE_BAR

	/* Step 4: enabled again, with its contents. */
	movl	VMM_BAR_RAM_MOVED, %eax
	report
	ctl	VMM_CTL_PLUG_DIMM

	/* Step 5: write both ends of the hot-plugged DIMM. */
	movl	$0xd1d1d1d1, VMM_DIMM_BASE
	movl	$0x2d2d2d2d, VMM_DIMM_BASE + VMM_DIMM_SIZE - 4
	movl	VMM_DIMM_BASE, %eax
	report
	ctl	VMM_CTL_UNPLUG_DIMM

	/* Step 6: unplugged, it reads as nothing. */
	movl	VMM_DIMM_BASE, %eax
	report
	print	bye, bye_end
	hlt

hello:	.ascii	"memspace-vmm guest: hello\n"
hello_end:
moved:	.ascii	"guest: BAR moved\n"
moved_end:
bye:	.ascii	"guest: bye\n"
bye_end:
vmm_guest_end:

	.section .note.GNU-stack, "", @progbits
