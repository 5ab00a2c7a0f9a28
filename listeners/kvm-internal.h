/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM listener internals: the VM state (backend, capabilities), the slot
 * table of a memory listener and the work queued until commit.
 *
 * Invariants: a listener's slot table is exactly what the kernel has for
 * its address-space id (every successful ioctl updates it, a failed one
 * leaves it); slots never overlap; each slot holds a reference on the
 * region whose host memory it maps; a slot whose deletion failed is marked
 * stale and deleted again at the start of every commit until it goes.
 */
#ifndef MEMSPACE_KVM_INTERNAL_H
#define MEMSPACE_KVM_INTERNAL_H

#include <memspace/kvm.h>

#include "listener-internal.h"

struct memspace_kvm {
	const struct memspace_kvm_backend *be;
	void *be_opaque;
	void *own_opaque;		/* ours to free, or NULL */
	uint32_t nr_slots;
	unsigned nr_as_ids;
	bool readonly_mem;
	bool ioeventfd;
	bool ioeventfd_any_length;
	bool coalesced_mmio;
	bool coalesced_pio;
	uint64_t page_size;
	uint64_t max_slot_size;
	GPtrArray *listeners;		/* struct memspace_kvm_listener */
};

/* One slot as the kernel has it. */
struct kvm_slot {
	uint32_t id;			/* without address-space bits */
	uint32_t flags;
	uint64_t gpa;			/* key of the by_gpa tree */
	uint64_t size;
	uint64_t uaddr;
	struct memspace_region *mr;	/* referenced */
	uint64_t offset;		/* of @gpa in @mr */
	unsigned log_mask;		/* clients of its dirty log */
	bool stale;			/* deletion failed: retry */
};

/* A section queued until commit. */
struct kvm_queued {
	struct memspace_section sec;
	unsigned new_mask;		/* log changes: the new mask */
	bool consumed;			/* adds: done by a move */
};

/* A coalesced zone with the number of times it was reported. */
struct kvm_zone_ref {
	struct memspace_kvm_zone zone;
	unsigned count;
};

struct memspace_kvm_listener {
	struct memspace_kvm *kvm;
	struct memspace *ms;		/* referenced */
	struct memspace_listener *l;
	bool memory;			/* slots, MMIO; else PIO */
	uint16_t as_id;
	GPtrArray *slots;		/* kvm_slot * by id; NULL: free */
	uint32_t free_hint;		/* every id below it is used */
	GTree *by_gpa;			/* &slot->gpa -> slot */
	GArray *q_del;			/* struct kvm_queued */
	GArray *q_add;
	GArray *q_log;
	GHashTable *eventfds;		/* struct memspace_kvm_ioeventfd set */
	GArray *zones;			/* struct kvm_zone_ref */
};

/* Listener ops: memory (slots, MMIO eventfds and zones), with and without
 * ioeventfds, and port I/O. */
extern const struct memspace_listener_ops kvm_memory_ops;
extern const struct memspace_listener_ops kvm_memory_noeventfd_ops;
extern const struct memspace_listener_ops kvm_io_ops;
extern const struct memspace_listener_ops kvm_io_noeventfd_ops;

/* kvm-memslot.c */
/*
 * Whether @sec is served by host memory a slot could map, whatever the
 * VM's capabilities; *@ret_ro: whether it is read-only.
 */
bool kvm_section_wants_slot(const struct memspace_section *sec, bool *ret_ro);
/*
 * Whether @sec is served by host memory a slot can map (read-only ones
 * only with the capability); *@ret_ro: whether it is read-only.
 */
bool kvm_section_backed(const struct memspace_kvm *kvm,
			const struct memspace_section *sec, bool *ret_ro);
void kvm_slots_init(struct memspace_kvm_listener *kl);
void kvm_slots_fini(struct memspace_kvm_listener *kl);
int kvm_mem_region_add(void *opaque, const struct memspace_section *sec);
int kvm_mem_region_del(void *opaque, const struct memspace_section *sec);
/* Both log_start and log_stop: queue the slot's new dirty-log mask. */
int kvm_mem_log_change(void *opaque, const struct memspace_section *sec,
		       unsigned old_mask, unsigned new_mask);
int kvm_mem_log_sync(void *opaque, const struct memspace_section *sec);
int kvm_mem_commit(void *opaque);

/* kvm-ioeventfd.c */
void kvm_io_init(struct memspace_kvm_listener *kl);
void kvm_io_fini(struct memspace_kvm_listener *kl);
int kvm_eventfd_add(void *opaque, const struct memspace_section *sec,
		    const struct memspace_ioeventfd *e);
int kvm_eventfd_del(void *opaque, const struct memspace_section *sec,
		    const struct memspace_ioeventfd *e);
int kvm_coalesced_add(void *opaque, const struct memspace_section *sec);
int kvm_coalesced_del(void *opaque, const struct memspace_section *sec);

/* kvm-ioctl.c: the real backend on @vm_fd (allocated opaque in
 * *@ret_opaque), or -ENOSYS without <linux/kvm.h>. */
int kvm_ioctl_backend(int vm_fd, const struct memspace_kvm_backend **ret_be,
		      void **ret_opaque);

#endif /* MEMSPACE_KVM_INTERNAL_H */
