/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal real-KVM harness for the kvm suite: probe whether KVM is usable
 * (exit 77 otherwise), create a VM and one vCPU, run tiny real-mode guests
 * under a watchdog, check the exits they make, and ask the kernel about
 * slots directly.  Guest memory itself comes from memspace's KVM listener.
 */
#ifndef MEMSPACE_KVM_HARNESS_H
#define MEMSPACE_KVM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exit code meson reads as "skipped". */
#define KVMH_SKIP 77

struct kvmh_vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
};

/*
 * kvmh_usable() - whether KVM works well enough for the suite: /dev/kvm
 * opens, the API version and the needed capabilities are there, and a
 * smoke guest runs.
 * Prints the reason on stderr when it does not.
 */
bool kvmh_usable(void);

/* Create a VM (no vCPU yet); fails the test on error. */
void kvmh_vm_create(struct kvmh_vm *vm);
/* Create vCPU 0 in real mode at CS:IP 0:@rip, all segment bases 0. */
void kvmh_vcpu_create(struct kvmh_vm *vm, uint64_t rip);
/* Restart the vCPU at @rip (after a HLT). */
void kvmh_vcpu_restart(struct kvmh_vm *vm, uint64_t rip);
void kvmh_vm_destroy(struct kvmh_vm *vm);

/* Run until the next exit; the test fails if the guest hangs (2 s). */
unsigned kvmh_run(struct kvmh_vm *vm);

/* Run and expect exactly this next exit (fails the test otherwise). */
void kvmh_expect_out(struct kvmh_vm *vm, uint16_t port, uint32_t value,
		     unsigned size);
void kvmh_expect_mmio_write(struct kvmh_vm *vm, uint64_t addr,
			    uint64_t value, unsigned len);
/* An MMIO read at @addr, answered with @value. */
void kvmh_expect_mmio_read(struct kvmh_vm *vm, uint64_t addr, uint64_t value,
			   unsigned len);
void kvmh_expect_hlt(struct kvmh_vm *vm);

/*
 * Ask the kernel whether any memory slot overlaps [gpa, gpa + size): try to
 * create a probe slot there (EEXIST means occupied) and delete it again.
 */
bool kvmh_range_mapped(struct kvmh_vm *vm, uint64_t gpa, uint64_t size);

/* Ask the kernel whether @slot exists and logs dirty pages. */
bool kvmh_slot_logging(struct kvmh_vm *vm, uint32_t slot);

/* Copy real-mode code bytes to @dst. */
#define KVMH_CODE(dst, ...)                                                   \
	do {                                                                  \
		const uint8_t code_[] = { __VA_ARGS__ };                      \
		memcpy((dst), code_, sizeof(code_));                          \
	} while (0)

#endif /* MEMSPACE_KVM_HARNESS_H */
