/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM listeners: keep a VM's memory slots, ioeventfds and coalesced
 * MMIO/PIO zones exactly in step with memspace address spaces.
 *
 * Every kernel call goes through a small backend table (struct
 * memspace_kvm_backend): memspace_kvm_create() uses the real one (ioctls on a
 * VM descriptor); memspace_kvm_create_with_backend() takes any other, such as
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
 *
 * Running a VM.  memspace_kvm_vm_open() does the set-up every VMM writes:
 * it opens /dev/kvm, creates the VM, queries its limits and attaches the
 * memory listener (slots, MMIO ioeventfds, coalesced MMIO) and the I/O
 * listener (PIO ioeventfds, coalesced PIO) in one call.
 * memspace_kvm_vcpu_create() creates a vCPU and maps its kvm_run area and the
 * coalesced ring; memspace_kvm_vcpu_run() enters the guest and, on return,
 * drains the ring and dispatches KVM_EXIT_IO and KVM_EXIT_MMIO through the
 * address spaces, so that a VMM's loop only handles the other exits.  The
 * same steps are available separately (memspace_kvm_dispatch_io(),
 * memspace_kvm_dispatch_mmio(), memspace_kvm_drain_coalesced()) for VMMs
 * that run vCPUs themselves.  struct kvm_run is only declared here:
 * include <linux/kvm.h> to look inside it.
 */
#ifndef MEMSPACE_KVM_H
#define MEMSPACE_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <memspace/types.h>
#include <memspace/listener.h>
#include <memspace/region.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memspace_kvm;
struct memspace_kvm_listener;
struct memspace_kvm_fake;
struct memspace_kvm_vm;
struct memspace_kvm_vcpu;
struct kvm_run;

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
 * memspace_kvm_create() - KVM state for a VM, with the real ioctl backend
 * @vm_fd: the VM descriptor (from KVM_CREATE_VM); not owned, it must stay
 *	open until memspace_kvm_destroy().
 *
 * Context: any.
 * Return: the state, or NULL with errno set to EBADF (@vm_fd < 0), ENOSYS
 * (memspace was built without <linux/kvm.h>) or the error of a
 * capability query.
 */
struct memspace_kvm *memspace_kvm_create(int vm_fd);

/**
 * memspace_kvm_create_with_backend() - KVM state with another backend
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
memspace_kvm_create_with_backend(const struct memspace_kvm_backend *backend,
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
 * enum memspace_kvm_unmapped_reason - why guest memory has no slot
 * @MEMSPACE_KVM_UNMAPPED_PARTIAL_PAGE: the bytes of a host page the range
 *	covers only partly (trimmed, as QEMU's kvm_align_section does).
 * @MEMSPACE_KVM_UNMAPPED_MISALIGNED_HOST: the host address is not
 *	page-congruent with the guest address, so no page can be mapped.
 * @MEMSPACE_KVM_UNMAPPED_READONLY: read-only memory (ROM, romd) and no
 *	KVM_CAP_READONLY_MEM.
 * @MEMSPACE_KVM_UNMAPPED_TOP_PAGE: the last page below 2^64, which no slot
 *	can reach.
 * @MEMSPACE_KVM_UNMAPPED_FAILED: whole pages a slot should map, but the
 *	kernel refused it (see memspace_listener_get_error()).
 */
enum memspace_kvm_unmapped_reason {
	MEMSPACE_KVM_UNMAPPED_PARTIAL_PAGE = 1,
	MEMSPACE_KVM_UNMAPPED_MISALIGNED_HOST,
	MEMSPACE_KVM_UNMAPPED_READONLY,
	MEMSPACE_KVM_UNMAPPED_TOP_PAGE,
	MEMSPACE_KVM_UNMAPPED_FAILED,
};

/**
 * struct memspace_kvm_unmapped - guest memory left without a slot
 * @start: first guest address.
 * @last: last guest address (inclusive).
 * @mr: the region with the memory (borrowed).
 * @offset_in_region: offset of @start in @mr.
 * @reason: why no slot maps it; every access there exits to userspace.
 */
struct memspace_kvm_unmapped {
	uint64_t start;
	uint64_t last;
	struct memspace_region *mr;
	uint64_t offset_in_region;
	enum memspace_kvm_unmapped_reason reason;
};

/**
 * memspace_kvm_unmapped_fn - callback of
 * memspace_kvm_listener_for_each_unmapped()
 * @opaque: as given.
 * @u: one range without a slot.
 *
 * Return: 0 to continue, anything else stops the walk with that value.
 */
typedef int (*memspace_kvm_unmapped_fn)(void *opaque,
					const struct memspace_kvm_unmapped *u);

/**
 * memspace_kvm_listener_for_each_unmapped() - guest memory without a slot
 * @kl: the listener (a port I/O listener has none).
 * @fn: called per range of RAM, ROM, RAM device or romd memory in the
 *	address space's view that no slot maps, in address order.
 * @opaque: passed to @fn.
 *
 * Context: updater.
 * Return: 0 after a full walk, the first non-zero value of @fn, or -EINVAL
 * (@kl or @fn NULL).
 */
int memspace_kvm_listener_for_each_unmapped(
	const struct memspace_kvm_listener *kl, memspace_kvm_unmapped_fn fn,
	void *opaque);

/**
 * memspace_kvm_unmapped_reason_name() - a reason in words
 * @why: the reason.
 *
 * Context: any.
 * Return: a static string ("unknown" for values not in the enum).
 */
const char *
memspace_kvm_unmapped_reason_name(enum memspace_kvm_unmapped_reason why);

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
 * memspace_kvm_dispatch_io() - perform a KVM_EXIT_IO through an address
 * space
 * @io: the port I/O address space.
 * @run: the vCPU's kvm_run area, holding a KVM_EXIT_IO exit.
 * @run_size: bytes mapped at @run (KVM_GET_VCPU_MMAP_SIZE).
 * @attrs: attributes of the accesses.
 *
 * The exit's data lies at @run + io.data_offset: io.count items of
 * io.size bytes back to back (io.count > 1 for string I/O such as
 * `rep outsb`).  Each item is one access of io.size bytes at io.port, in
 * order; an `in` stores what it reads into the item, for the next
 * KVM_RUN to hand to the guest.
 *
 * Context: a registered thread (see memspace_addrspace_rw()).
 * Return: the OR of the items' enum memspace_access_result (0 when all
 * succeeded), or -EINVAL (NULL argument, the exit is not KVM_EXIT_IO, a
 * size other than 1, 2 or 4, a count of 0, or data reaching past
 * @run_size; nothing is accessed) or -ENOSYS (built without
 * <linux/kvm.h>).
 */
int memspace_kvm_dispatch_io(struct memspace_addrspace *io,
			     struct kvm_run *run, size_t run_size,
			     struct memspace_attrs attrs);

/**
 * memspace_kvm_dispatch_mmio() - perform a KVM_EXIT_MMIO through an address
 * space
 * @mem: the guest physical address space.
 * @run: the vCPU's kvm_run area, holding a KVM_EXIT_MMIO exit.
 * @attrs: attributes of the access.
 *
 * One access of mmio.len bytes at mmio.phys_addr; a read stores the value
 * in mmio.data for the next KVM_RUN.  Writes to ROM are dropped (they exit
 * because ROM slots are read-only).
 *
 * Context: a registered thread.
 * Return: the access's enum memspace_access_result, or -EINVAL (NULL
 * argument, not KVM_EXIT_MMIO, or a length of 0 or above 8; nothing is
 * accessed) or -ENOSYS.
 */
int memspace_kvm_dispatch_mmio(struct memspace_addrspace *mem,
			       struct kvm_run *run,
			       struct memspace_attrs attrs);

/**
 * memspace_kvm_drain_coalesced() - replay the writes KVM buffered in the
 * coalesced MMIO/PIO ring
 * @mem: the guest physical address space (MMIO entries).
 * @io: the port I/O address space (PIO entries); may be NULL if the VM has
 *	no coalesced PIO zone.
 * @ring: the ring page (KVM_CAP_COALESCED_MMIO pages into a vCPU's
 *	mapping; struct kvm_coalesced_mmio_ring).
 * @ring_size: the ring's size in bytes (the host page size).
 * @attrs: attributes of the writes.
 *
 * Entries from the ring's first to its last index (as read on entry) are
 * written, in order, to @mem or @io, and first is advanced past them.  Call
 * it before handling any exit, so that buffered writes reach their devices
 * before the access that exited.  The ring is shared by the VM's vCPUs:
 * calls for one VM must not run concurrently.
 *
 * Context: a registered thread.
 * Return: the number of entries written, or -EINVAL (NULL @mem or @ring,
 * @ring_size too small for one entry, a PIO entry with NULL @io) or -EIO
 * (an index or an entry length out of range); on error the ring is left
 * as it was and nothing is written.
 */
int memspace_kvm_drain_coalesced(struct memspace_addrspace *mem,
				 struct memspace_addrspace *io, void *ring,
				 size_t ring_size,
				 struct memspace_attrs attrs);

/**
 * struct memspace_kvm_limits - what KVM allows a VM, queried at open
 * @api_version: KVM_GET_API_VERSION (12).
 * @nr_memslots: KVM_CAP_NR_MEMSLOTS: slot ids per address space.
 * @nr_as_ids: KVM_CAP_MULTI_ADDRESS_SPACE (1 if absent).
 * @nr_vcpus: KVM_CAP_NR_VCPUS: the recommended number of vCPUs.
 * @max_vcpus: KVM_CAP_MAX_VCPUS.
 * @coalesced_mmio_page: KVM_CAP_COALESCED_MMIO: the page of the vCPU
 *	mapping holding the coalesced ring (0: no coalesced MMIO).
 * @vcpu_mmap_size: KVM_GET_VCPU_MMAP_SIZE.
 * @readonly_mem: KVM_CAP_READONLY_MEM.
 * @ioeventfd: KVM_CAP_IOEVENTFD.
 * @ioeventfd_any_length: KVM_CAP_IOEVENTFD_ANY_LENGTH.
 * @coalesced_pio: KVM_CAP_COALESCED_PIO.
 */
struct memspace_kvm_limits {
	int api_version;
	uint32_t nr_memslots;
	unsigned nr_as_ids;
	unsigned nr_vcpus;
	unsigned max_vcpus;
	unsigned coalesced_mmio_page;
	size_t vcpu_mmap_size;
	bool readonly_mem;
	bool ioeventfd;
	bool ioeventfd_any_length;
	bool coalesced_pio;
};

/**
 * memspace_kvm_vm_open() - create a KVM VM whose memory follows memspace
 * @dev: the KVM device, or NULL for "/dev/kvm".
 * @mem: the guest physical address space: its RAM becomes memory slots of
 *	KVM address space 0, its MMIO ioeventfds and coalesced zones are
 *	registered.
 * @io: the port I/O address space for PIO ioeventfds and coalesced PIO
 *	zones, or NULL.
 *
 * Opens @dev, checks the API version, creates the VM, queries its limits
 * (struct memspace_kvm_limits) and registers the KVM listeners on @mem and
 * @io, which apply the current maps at once and follow every later commit.
 * Architecture set-up that depends on the guest map (on x86 Intel,
 * KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR) is left to the caller,
 * on memspace_kvm_vm_get_fd(), before the first vCPU.
 *
 * Context: updater, not from a listener callback.
 * Return: the VM, or NULL with errno set to EINVAL (NULL @mem), ENOSYS
 * (built without <linux/kvm.h>), EPROTO (API version other than 12), the
 * error of open() (ENOENT, EACCES, ...) or KVM_CREATE_VM, or the error of
 * a listener registration (see memspace_kvm_listener_register_memory());
 * nothing is left open.
 */
struct memspace_kvm_vm *memspace_kvm_vm_open(const char *dev,
					     struct memspace_addrspace *mem,
					     struct memspace_addrspace *io);

/**
 * memspace_kvm_vm_close() - unregister the listeners and close the VM
 * @vm: the VM (may be NULL); its vCPUs must be destroyed first.
 *
 * Context: updater, not from a listener callback.
 */
void memspace_kvm_vm_close(struct memspace_kvm_vm *vm);

/**
 * memspace_kvm_vm_get_fd() - the VM descriptor
 * @vm: the VM.
 *
 * For the caller's own VM ioctls (irqchip, TSS, ...); owned by @vm.
 *
 * Context: any.
 * Return: the descriptor.
 */
int memspace_kvm_vm_get_fd(const struct memspace_kvm_vm *vm);

/**
 * memspace_kvm_vm_get_limits() - the limits queried at open
 * @vm: the VM.
 *
 * Context: any.
 * Return: the limits (owned by @vm).
 */
const struct memspace_kvm_limits *
memspace_kvm_vm_get_limits(const struct memspace_kvm_vm *vm);

/**
 * memspace_kvm_vm_get_kvm() - the KVM state of the VM's listeners
 * @vm: the VM.
 *
 * For memspace_kvm_show() and memspace_kvm_set_max_slot_size().
 *
 * Context: any.
 * Return: the state (owned by @vm).
 */
struct memspace_kvm *memspace_kvm_vm_get_kvm(const struct memspace_kvm_vm *vm);

/**
 * memspace_kvm_vm_get_memory_listener() - the memory listener
 * @vm: the VM.
 *
 * For memspace_kvm_listener_for_each_slot() and the generic listener.
 *
 * Context: any.
 * Return: the listener (owned by @vm).
 */
struct memspace_kvm_listener *
memspace_kvm_vm_get_memory_listener(const struct memspace_kvm_vm *vm);

/**
 * memspace_kvm_vcpu_create() - create a vCPU and map its run area
 * @vm: the VM.
 * @id: the vCPU id.
 *
 * Context: any thread (the vCPU is then used by one thread at a time).
 * Return: the vCPU, or NULL with errno set to EINVAL (NULL @vm) or the
 * error of KVM_CREATE_VCPU (EEXIST for an id in use, EINVAL above the
 * limit) or of mmap().
 */
struct memspace_kvm_vcpu *memspace_kvm_vcpu_create(struct memspace_kvm_vm *vm,
						unsigned id);

/**
 * memspace_kvm_vcpu_destroy() - unmap and close a vCPU
 * @vcpu: the vCPU (may be NULL).
 *
 * Context: the thread using @vcpu.
 */
void memspace_kvm_vcpu_destroy(struct memspace_kvm_vcpu *vcpu);

/**
 * memspace_kvm_vcpu_get_fd() - the vCPU descriptor
 * @vcpu: the vCPU.
 *
 * For register set-up (KVM_SET_REGS, KVM_SET_SREGS, ...); owned by @vcpu.
 *
 * Context: any.
 * Return: the descriptor.
 */
int memspace_kvm_vcpu_get_fd(const struct memspace_kvm_vcpu *vcpu);

/**
 * memspace_kvm_vcpu_get_run() - the vCPU's kvm_run area
 * @vcpu: the vCPU.
 *
 * Context: the thread using @vcpu.
 * Return: the mapping (valid until memspace_kvm_vcpu_destroy()).
 */
struct kvm_run *memspace_kvm_vcpu_get_run(const struct memspace_kvm_vcpu *vcpu);

/**
 * memspace_kvm_vcpu_handle_exit() - finish the exit the vCPU is in
 * @vcpu: the vCPU, after KVM_RUN returned.
 *
 * Drains the coalesced ring (memspace_kvm_drain_coalesced(), serialised
 * between the VM's vCPUs), then dispatches a KVM_EXIT_IO through the I/O
 * address space (decode errors are ignored: unassigned ports read as all
 * ones) or a KVM_EXIT_MMIO through the memory address space.
 *
 * Context: the thread using @vcpu, registered with
 * memspace_thread_register().
 * Return: 1 if the exit was IO or MMIO and was dispatched, 0 for any other
 * exit (the caller handles it), or -EINVAL (an IO exit without an I/O
 * address space, or a malformed exit) or -EIO (a corrupt coalesced ring).
 */
int memspace_kvm_vcpu_handle_exit(struct memspace_kvm_vcpu *vcpu);

/**
 * memspace_kvm_vcpu_run() - run the vCPU until an exit memspace does not
 * handle
 * @vcpu: the vCPU.
 *
 * KVM_RUN, then memspace_kvm_vcpu_handle_exit(), repeated while the exits
 * are IO or MMIO ones, at most @max_exits times (0: no limit).
 *
 * Context: as memspace_kvm_vcpu_handle_exit().
 * Return: the exit reason (KVM_EXIT_*) of the last exit: one that is
 * not IO or MMIO, or an IO or MMIO one after @max_exits exits; or a
 * negative errno: the error of KVM_RUN (-EINTR when a signal interrupted
 * it) or of memspace_kvm_vcpu_handle_exit().
 */
int memspace_kvm_vcpu_run(struct memspace_kvm_vcpu *vcpu, unsigned max_exits);

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
 * Pass it with a fake as opaque to memspace_kvm_create_with_backend().
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
 * Context: any, before memspace_kvm_create_with_backend().
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
