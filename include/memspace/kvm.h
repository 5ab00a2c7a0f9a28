/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM listeners: keep a VM's memory slots, ioeventfds and coalesced
 * MMIO/PIO zones exactly in step with memspace address spaces.
 *
 * Every kernel call goes through a small backend table (struct
 * memspace_kvm_backend): memspace_kvm_new() uses the real one (ioctls on a
 * VM descriptor); memspace_kvm_new_with_backend() takes any other, such as
 * the fake below, which enforces KVM's rules in memory for tests.
 *
 * Memory slots.  Every flat range served by host memory becomes one slot
 * (several if it exceeds the maximum slot size): RAM (read-only ranges,
 * that is ROMs, with KVM_MEM_READONLY), ROM devices in romd mode
 * (read-only), and RAM devices.  Other ranges stay without a slot, so guest
 * accesses there exit to the VMM.  KVM needs the guest address, size and
 * host address of a slot page aligned, so a range is trimmed to the whole
 * host pages inside it, as QEMU does: the start rounds up, the end rounds
 * down, the host address moves with the start; a range with no whole page
 * left (or whose host address is not aligned like its guest address) gets
 * no slot and is served by the VMM's exit path.  Slot ids are the lowest
 * free ones, reused right after a delete.
 *
 * Changes are queued by region_add, region_del, log_start and log_stop and
 * applied at commit, deletions first (KVM refuses overlapping slots): a
 * deleted range whose region, host address, size and flags reappear at a
 * new guest address in the same commit (a BAR move) is moved in place with
 * one ioctl when nothing occupies the target; size, host address and
 * read-only changes are delete + add (KVM cannot change them in place);
 * dirty-logging changes only flip KVM_MEM_LOG_DIRTY_PAGES in place.  A
 * logged slot's dirty log is merged into its region's bitmap before the
 * slot is deleted or stops logging, and on every log_sync.
 *
 * Failures.  If an ioctl fails, the listener's slot table keeps matching
 * what the kernel has (a failed add frees its id, a failed delete keeps its
 * slot), the remaining operations are still attempted, and commit returns
 * the first error, so memspace marks the listener out of sync and the
 * commit returns -EREMOTEIO (see <memspace/listener.h>).
 *
 * ioeventfds (KVM_IOEVENTFD) and coalesced zones are applied as they are
 * reported, MMIO ones by the memory listener and PIO ones by the I/O
 * listener.  KVM unregisters every coalesced zone inside the range of an
 * unregistration, so the listeners count identical zones and register
 * again the ones still wanted; the VMM must drain the coalesced ring
 * before it handles any exit.
 */
#ifndef MEMSPACE_KVM_H
#define MEMSPACE_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <memspace/types.h>
#include <memspace/listener.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memspace_kvm;
struct memspace_kvm_listener;
struct memspace_kvm_fake;

/* Slot flags: the values of <linux/kvm.h>. */
#define MEMSPACE_KVM_MEM_LOG_DIRTY_PAGES (1u << 0)
#define MEMSPACE_KVM_MEM_READONLY (1u << 1)

/* ioeventfd request flags: the values of <linux/kvm.h>. */
#define MEMSPACE_KVM_IOEVENTFD_DATAMATCH (1u << 0)
#define MEMSPACE_KVM_IOEVENTFD_PIO (1u << 1)
#define MEMSPACE_KVM_IOEVENTFD_DEASSIGN (1u << 2)

/**
 * enum memspace_kvm_cap - the capabilities the listeners ask about
 *
 * The values are KVM_CAP_* numbers.
 */
enum memspace_kvm_cap {
	MEMSPACE_KVM_CAP_NR_MEMSLOTS = 10,
	MEMSPACE_KVM_CAP_COALESCED_MMIO = 15,
	MEMSPACE_KVM_CAP_IOEVENTFD = 36,
	MEMSPACE_KVM_CAP_READONLY_MEM = 81,
	MEMSPACE_KVM_CAP_MULTI_ADDRESS_SPACE = 118,
	MEMSPACE_KVM_CAP_IOEVENTFD_ANY_LENGTH = 122,
	MEMSPACE_KVM_CAP_COALESCED_PIO = 162,
};

/**
 * struct memspace_kvm_memslot - one memory slot (KVM's
 * struct kvm_userspace_memory_region)
 * @slot: slot id, with the KVM address-space id in bits 16-31.
 * @flags: MEMSPACE_KVM_MEM_* bits.
 * @guest_phys_addr: first guest address.
 * @memory_size: size in bytes; 0 deletes the slot.
 * @userspace_addr: host address of the first byte.
 */
struct memspace_kvm_memslot {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
};

/**
 * struct memspace_kvm_ioeventfd - one KVM_IOEVENTFD request
 * @datamatch: value to match (with MEMSPACE_KVM_IOEVENTFD_DATAMATCH).
 * @addr: guest address or port.
 * @len: access size 1, 2, 4 or 8; 0 for any.
 * @fd: the eventfd.
 * @flags: MEMSPACE_KVM_IOEVENTFD_* bits.
 */
struct memspace_kvm_ioeventfd {
	uint64_t datamatch;
	uint64_t addr;
	uint32_t len;
	int32_t fd;
	uint32_t flags;
};

/**
 * struct memspace_kvm_zone - one coalesced MMIO or PIO zone
 * @addr: first guest address or port.
 * @size: length.
 * @pio: a port I/O zone.
 */
struct memspace_kvm_zone {
	uint64_t addr;
	uint32_t size;
	bool pio;
};

/** MEMSPACE_KVM_BACKEND_VERSION - current version of the backend table */
#define MEMSPACE_KVM_BACKEND_VERSION 1

/**
 * struct memspace_kvm_backend - the kernel calls of the KVM listeners
 * @version: set to MEMSPACE_KVM_BACKEND_VERSION.
 * @check_extension: KVM_CHECK_EXTENSION on the VM: the capability's value
 *	(0 if absent).
 * @set_user_memory_region: KVM_SET_USER_MEMORY_REGION.
 * @get_dirty_log: KVM_GET_DIRTY_LOG of @slot into @bitmap (one bit per
 *	page of the slot, in 64-bit words).
 * @ioeventfd: KVM_IOEVENTFD.
 * @register_coalesced: KVM_REGISTER_COALESCED_MMIO.
 * @unregister_coalesced: KVM_UNREGISTER_COALESCED_MMIO.
 *
 * Each member is mandatory, takes the opaque pointer given with the table
 * first, and returns 0 (or the capability value) or a negative errno.
 */
struct memspace_kvm_backend {
	unsigned version;
	int (*check_extension)(void *opaque, unsigned cap);
	int (*set_user_memory_region)(void *opaque,
				      const struct memspace_kvm_memslot *slot);
	int (*get_dirty_log)(void *opaque, uint32_t slot, uint64_t *bitmap);
	int (*ioeventfd)(void *opaque,
			 const struct memspace_kvm_ioeventfd *req);
	int (*register_coalesced)(void *opaque,
				  const struct memspace_kvm_zone *zone);
	int (*unregister_coalesced)(void *opaque,
				    const struct memspace_kvm_zone *zone);
};

/**
 * memspace_kvm_new() - KVM state for a VM, with the real ioctl backend
 * @vm_fd: the VM descriptor (from KVM_CREATE_VM); not owned, it must stay
 *	open until memspace_kvm_destroy().
 *
 * Context: any.
 * Return: the state, or NULL with errno set to EBADF (@vm_fd < 0), ENOSYS
 * (memspace was built without <linux/kvm.h>) or the error of a
 * capability query.
 */
struct memspace_kvm *memspace_kvm_new(int vm_fd);

/**
 * memspace_kvm_new_with_backend() - KVM state with another backend
 * @backend: the kernel calls (must outlive the state).
 * @opaque: their first argument.
 *
 * The capabilities are queried once, here.
 *
 * Context: any.
 * Return: the state, or NULL with errno set to EINVAL (NULL @backend or a
 * NULL member), EPROTO (unsupported version), or the error of a capability
 * query.
 */
struct memspace_kvm *
memspace_kvm_new_with_backend(const struct memspace_kvm_backend *backend,
			      void *opaque);

/**
 * memspace_kvm_destroy() - unregister every listener and free the state
 * @kvm: the state (may be NULL).
 *
 * Listeners still registered are unregistered first, which deletes their
 * slots, ioeventfds and zones.
 *
 * Context: updater of the contexts of its listeners.
 */
void memspace_kvm_destroy(struct memspace_kvm *kvm);

/**
 * memspace_kvm_set_max_slot_size() - cap the size of one slot
 * @kvm: the state.
 * @size: the largest slot, in bytes (a multiple of the page size);
 *	larger ranges are split.  The default is KVM's limit, 2^31 - 1 pages.
 *
 * Applies to slots created afterwards.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL @kvm, or @size is 0 or not page aligned).
 */
int memspace_kvm_set_max_slot_size(struct memspace_kvm *kvm, uint64_t size);

/**
 * memspace_kvm_get_nr_slots() - the number of slot ids per address space
 * @kvm: the state.
 *
 * Context: any.
 * Return: KVM_CAP_NR_MEMSLOTS (32 if the capability is absent).
 */
uint32_t memspace_kvm_get_nr_slots(const struct memspace_kvm *kvm);

/**
 * memspace_kvm_listener_register_memory() - map an address space's RAM
 * into a VM
 * @kvm: the VM state.
 * @as: the guest physical address space (QEMU's "memory").
 * @as_id: KVM address-space id (0; 1 for x86 SMM), below the
 *	KVM_CAP_MULTI_ADDRESS_SPACE count.
 *
 * Registers, with priority MEMSPACE_LISTENER_PRIORITY_ACCEL, a listener
 * that keeps slots, MMIO ioeventfds and coalesced MMIO zones for @as; the
 * current map is applied at once.  ioeventfds are handled by KVM when it
 * supports them and @as's hyp_ioeventfd_enabled flag was not set to false;
 * the flag is then set to true.
 *
 * Context: updater, not from a listener callback.
 * Return: the listener, or NULL with errno set to EINVAL (NULL argument or
 * @as_id out of range), EBUSY (@kvm already has a memory listener for
 * @as_id) or the registration error (see memspace_listener_register(); a
 * failing ioctl, for instance).
 */
struct memspace_kvm_listener *
memspace_kvm_listener_register_memory(struct memspace_kvm *kvm,
				      struct memspace_addrspace *as,
				      unsigned as_id);

/**
 * memspace_kvm_listener_register_io() - route an I/O port space's
 * ioeventfds and coalesced zones to KVM
 * @kvm: the VM state.
 * @as: the port I/O address space.
 *
 * As memspace_kvm_listener_register_memory(), with KVM_IOEVENTFD_FLAG_PIO
 * and coalesced PIO zones, and no slots.
 *
 * Context: updater, not from a listener callback.
 * Return: the listener, or NULL with errno set as above.
 */
struct memspace_kvm_listener *
memspace_kvm_listener_register_io(struct memspace_kvm *kvm,
				  struct memspace_addrspace *as);

/**
 * memspace_kvm_listener_unregister() - unregister a KVM listener and free it
 * @kl: the listener (may be NULL).
 *
 * Its slots, ioeventfds and zones are deleted from the VM.
 *
 * Context: updater, not from a listener callback.
 * Return: 0, -EDEADLK (from a callback; nothing done) or -EREMOTEIO (freed,
 * but a kernel call failed).
 */
int memspace_kvm_listener_unregister(struct memspace_kvm_listener *kl);

/**
 * memspace_kvm_listener_get_listener() - the generic listener handle
 * @kl: the KVM listener.
 *
 * For memspace_listener_get_error() and memspace_listener_resync(); do not
 * unregister it directly.
 *
 * Context: any.
 * Return: the handle (borrowed).
 */
struct memspace_listener *
memspace_kvm_listener_get_listener(const struct memspace_kvm_listener *kl);

/**
 * memspace_kvm_listener_has_memory() - whether one slot maps exactly a range
 * @kl: a memory listener.
 * @start: first guest address.
 * @size: size in bytes.
 *
 * QEMU's has_memory: `info mtree -f` under KVM marks such ranges ` KVM`.
 *
 * Context: updater.
 * Return: true if a slot starts at @start and is @size bytes long.
 */
bool memspace_kvm_listener_has_memory(const struct memspace_kvm_listener *kl,
				      uint64_t start, uint64_t size);

/**
 * memspace_kvm_listener_nr_slots() - the number of slots a listener holds
 * @kl: the listener.
 *
 * Context: updater.
 * Return: the count.
 */
size_t memspace_kvm_listener_nr_slots(const struct memspace_kvm_listener *kl);

/**
 * memspace_kvm_slot_fn - callback of memspace_kvm_listener_for_each_slot()
 * @opaque: as given.
 * @slot: one slot as the kernel has it.
 *
 * Return: 0 to continue, anything else stops the walk with that value.
 */
typedef int (*memspace_kvm_slot_fn)(void *opaque,
				    const struct memspace_kvm_memslot *slot);

/**
 * memspace_kvm_listener_for_each_slot() - walk the slot table
 * @kl: the listener.
 * @fn: called per slot, in ascending slot id order.
 * @opaque: passed to @fn.
 *
 * Context: updater.
 * Return: 0 after a full walk, the first non-zero value of @fn, or -EINVAL.
 */
int memspace_kvm_listener_for_each_slot(const struct memspace_kvm_listener *kl,
					memspace_kvm_slot_fn fn, void *opaque);

/**
 * memspace_kvm_show() - memspace_show() with KVM's slot markers
 * @ms: the context.
 * @out: where to print.
 * @flags: as for memspace_show().
 * @kvm: the VM state whose memory listeners mark ranges.
 *
 * The flat dump (MEMSPACE_SHOW_FLAT) prints ` KVM` after a range once for
 * every address space showing the view whose memory listener (of @kvm)
 * has a slot mapping exactly that range, as QEMU 7.2 does under KVM.  The
 * tree dump is memspace_show()'s.
 *
 * Context: updater.
 * Return: as memspace_show(), or -EINVAL for a NULL @kvm.
 */
int memspace_kvm_show(struct memspace *ms, FILE *out, unsigned flags,
		      const struct memspace_kvm *kvm);

/**
 * memspace_kvm_fake_create() - a fake KVM for tests and dry runs
 *
 * Records slots, ioeventfds and zones in memory and enforces the rules KVM
 * enforces (kvm-on-this-machine-kind.md §3, §5, §6): page alignment, no
 * overlap (EEXIST), in place only moves and dirty-log toggles (EINVAL
 * otherwise), slot id range, ioeventfd collisions and exact deassign,
 * unregistration of every zone inside a range.  Capabilities are those of
 * the reference machine (32764 slots, one address space, read-only slots,
 * ioeventfds of any length, coalesced MMIO and PIO).
 *
 * Context: any.
 * Return: the fake (never NULL).
 */
struct memspace_kvm_fake *memspace_kvm_fake_create(void);

/**
 * memspace_kvm_fake_destroy() - free a fake
 * @fake: the fake (may be NULL).
 *
 * Context: any, once no KVM state uses it.
 */
void memspace_kvm_fake_destroy(struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_backend() - the backend table of fakes
 *
 * Pass it with a fake as opaque to memspace_kvm_new_with_backend().
 *
 * Context: any.
 * Return: the table.
 */
const struct memspace_kvm_backend *memspace_kvm_fake_backend(void);

/**
 * memspace_kvm_fake_set_cap() - change a capability before use
 * @fake: the fake.
 * @cap: the capability.
 * @value: its new value.
 *
 * Context: any, before memspace_kvm_new_with_backend().
 */
void memspace_kvm_fake_set_cap(struct memspace_kvm_fake *fake, unsigned cap,
			       int value);

/**
 * memspace_kvm_fake_fail_call() - make one future call fail
 * @fake: the fake.
 * @nth: which call, counting from the next one (1) and every call except
 *	check_extension; 0 cancels.
 * @err: the negative errno it returns, without effect.
 *
 * Context: any.
 */
void memspace_kvm_fake_fail_call(struct memspace_kvm_fake *fake, unsigned nth,
				 int err);

/**
 * memspace_kvm_fake_get_log() - the calls made so far
 * @fake: the fake.
 *
 * One line per call, for example "set slot=1 gpa=0xc0000 size=0x20000
 * uaddr=... flags=ro = 0" or "ioeventfd addr=0x1000 len=2 ... = -17".
 *
 * Context: any.
 * Return: the text (valid until the next call on @fake).
 */
const char *memspace_kvm_fake_get_log(const struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_clear_log() - forget the calls recorded so far
 * @fake: the fake.
 *
 * Context: any.
 */
void memspace_kvm_fake_clear_log(struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_get_slot() - a slot as the fake kernel has it
 * @fake: the fake.
 * @slot: the slot id (with address-space bits).
 * @ret_slot: filled on success.
 *
 * Context: any.
 * Return: 0, or -ENOENT (no such slot).
 */
int memspace_kvm_fake_get_slot(const struct memspace_kvm_fake *fake,
			       uint32_t slot,
			       struct memspace_kvm_memslot *ret_slot);

/**
 * memspace_kvm_fake_nr_slots() - how many slots the fake kernel has
 * @fake: the fake.
 *
 * Context: any.
 * Return: the count.
 */
size_t memspace_kvm_fake_nr_slots(const struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_nr_ioeventfds() - how many ioeventfds are assigned
 * @fake: the fake.
 *
 * Context: any.
 * Return: the count.
 */
size_t memspace_kvm_fake_nr_ioeventfds(const struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_nr_zones() - how many coalesced zones are registered
 * @fake: the fake.
 *
 * Context: any.
 * Return: the count (duplicates count twice, as in KVM).
 */
size_t memspace_kvm_fake_nr_zones(const struct memspace_kvm_fake *fake);

/**
 * memspace_kvm_fake_dirty_page() - simulate a guest write
 * @fake: the fake.
 * @slot: a slot logging dirty pages.
 * @page: page index in the slot.
 *
 * Context: any.
 * Return: 0, or -ENOENT (no such logging slot) or -ERANGE.
 */
int memspace_kvm_fake_dirty_page(struct memspace_kvm_fake *fake,
				 uint32_t slot, uint64_t page);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_KVM_H */
