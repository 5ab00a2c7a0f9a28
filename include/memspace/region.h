/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory regions: the nodes of the tree that address spaces render.
 *
 * A region is one of six kinds (enum memspace_region_kind).  Containers,
 * RAM, I/O, ROM and RAM devices can hold subregions; aliases cannot.  Each
 * region has at most one parent.  Among the subregions of one parent, a
 * higher priority wins where they overlap; among equal priorities the most
 * recently added (or moved) subregion wins, exactly as in QEMU.
 *
 * Regions are reference counted.  A constructor returns a region holding one
 * reference, which the caller owns.  A parent holds a reference on each of
 * its subregions, an alias on its target and an address space on its root.
 * Flat views take no reference per region they show; instead a region whose
 * last reference goes is freed only once every view that could show it is
 * gone (epoch reclamation), so a region stays valid while any published
 * view (or a reader inside an RCU read-side section that saw such a view)
 * can still reach it.
 *
 * Every mutator below takes effect at the end of the outermost transaction
 * (memspace_transaction_commit()); outside a transaction it commits at once.
 * Mutators serialise on the context's updater lock.  Calling one from inside
 * a listener callback is refused with -EDEADLK, and a mutator that fails
 * leaves the tree, the views and the listeners exactly as they were.
 *
 * A mutator that commits (outside a transaction) may also return
 * -EREMOTEIO: the change was made and published, but a listener callback
 * failed while being told about it (see memspace_listener_get_error()).
 */
#ifndef MEMSPACE_REGION_H
#define MEMSPACE_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum memspace_access_result - outcome of a guest-visible access (a bit set)
 * @MEMSPACE_ACCESS_OK: the access completed.
 * @MEMSPACE_ACCESS_DEVICE_ERROR: the device reported an error.
 * @MEMSPACE_ACCESS_DECODE_ERROR: nothing (or nothing accepting) is there.
 * @MEMSPACE_ACCESS_DENIED: the access is not permitted.
 */
enum memspace_access_result {
	MEMSPACE_ACCESS_OK = 0,
	MEMSPACE_ACCESS_DEVICE_ERROR = 1u << 0,
	MEMSPACE_ACCESS_DECODE_ERROR = 1u << 1,
	MEMSPACE_ACCESS_DENIED = 1u << 2,
};

/**
 * struct memspace_attrs - attributes of one access
 * @secure: the access comes from the secure world.
 * @user: the access is made at user privilege.
 * @debug: a debugger access (may write ROM).
 * @requester_id: bus requester id of the initiator (PCI BDF, for example).
 */
struct memspace_attrs {
	bool secure;
	bool user;
	bool debug;
	uint16_t requester_id;
};

/**
 * enum memspace_endianness - byte order of a device's registers
 * @MEMSPACE_ENDIAN_NATIVE: the host's byte order.
 * @MEMSPACE_ENDIAN_LITTLE: little endian.
 * @MEMSPACE_ENDIAN_BIG: big endian.
 */
enum memspace_endianness {
	MEMSPACE_ENDIAN_NATIVE,
	MEMSPACE_ENDIAN_LITTLE,
	MEMSPACE_ENDIAN_BIG,
};

/** MEMSPACE_REGION_OPS_VERSION - current version of struct memspace_region_ops */
#define MEMSPACE_REGION_OPS_VERSION 1

/**
 * struct memspace_region_ops - callbacks of an I/O or ROM device region
 * @version: set to MEMSPACE_REGION_OPS_VERSION.
 * @read: read @size bytes at @addr (offset in the region) into @data.  May be
 *	NULL: reads then fail with MEMSPACE_ACCESS_DECODE_ERROR.
 * @write: write the low @size bytes of @data at @addr.  May be NULL.
 * @accepts: optional veto of an access before it is dispatched.
 * @endianness: byte order of the device.
 * @valid_min_access_size: smallest access the device accepts (0 means 1).
 * @valid_max_access_size: largest access the device accepts.  0 means 4,
 *	as in QEMU: guest accesses through an address space reach the device
 *	in chunks of at most 4 bytes.  (A direct
 *	memspace_region_dispatch_read()/_write() of any size is then valid,
 *	and split by @impl_max_access_size: QEMU's compatibility rule.)
 * @valid_unaligned: the device accepts unaligned accesses.
 * @impl_min_access_size: smallest access the callbacks implement (0 means 1).
 * @impl_max_access_size: largest access the callbacks implement (0 means 4).
 * @impl_unaligned: the callbacks handle unaligned accesses themselves.
 *
 * @opaque (given at region creation) is the first argument of every
 * callback.  Members are only ever appended.
 */
struct memspace_region_ops {
	unsigned version;
	enum memspace_access_result (*read)(void *opaque, uint64_t addr,
					    uint64_t *data, unsigned size,
					    struct memspace_attrs attrs);
	enum memspace_access_result (*write)(void *opaque, uint64_t addr,
					     uint64_t data, unsigned size,
					     struct memspace_attrs attrs);
	bool (*accepts)(void *opaque, uint64_t addr, unsigned size,
			bool is_write, struct memspace_attrs attrs);
	enum memspace_endianness endianness;
	unsigned valid_min_access_size;
	unsigned valid_max_access_size;
	bool valid_unaligned;
	unsigned impl_min_access_size;
	unsigned impl_max_access_size;
	bool impl_unaligned;
};

/**
 * memspace_region_new_container() - create a container region
 * @ms: the context.
 * @name: name shown in dumps (copied; may contain any characters).
 * @size: size in bytes; MEMSPACE_SIZE_2_64 means 2^64.
 *
 * Context: updater.
 * Return: a new region with one reference, or NULL with errno set to EINVAL
 * if @ms or @name is NULL.
 */
struct memspace_region *
memspace_region_new_container(struct memspace *ms, const char *name,
			      uint64_t size);

/**
 * memspace_region_new_ram() - create a RAM region
 * @ms: the context.
 * @name: name shown in dumps.
 * @size: size in bytes.
 * @host: host memory backing the region (at least @size bytes, owned by the
 *	caller and kept mapped until the region is freed), or NULL to let
 *	memspace map anonymous memory of @size bytes.
 *
 * A ROM is a RAM region made read-only with memspace_region_set_readonly().
 *
 * Context: updater.
 * Return: a new region with one reference, or NULL with errno set to EINVAL
 * (bad argument, or @size of 2^64), or ENOMEM (the mapping failed).
 */
struct memspace_region *
memspace_region_new_ram(struct memspace *ms, const char *name, uint64_t size,
			void *host);

/**
 * memspace_region_new_io() - create an I/O (MMIO or port) region
 * @ms: the context.
 * @name: name shown in dumps.
 * @size: size in bytes; MEMSPACE_SIZE_2_64 means 2^64.
 * @ops: the callbacks, or NULL for a reservation that rejects every access.
 *	Must stay valid for the region's lifetime.
 * @opaque: first argument of every callback.
 *
 * An I/O region terminates: it serves every address of its extent that
 * none of its subregions claims (QEMU's "io" and "rtc" regions work so).
 *
 * Context: updater.
 * Return: a new region, or NULL with errno set to EINVAL (bad argument),
 * EPROTO (@ops->version is not supported) or EDOM (@ops sets impl_unaligned
 * without valid_unaligned, or a minimum access size above its maximum).
 */
struct memspace_region *
memspace_region_new_io(struct memspace *ms, const char *name, uint64_t size,
		       const struct memspace_region_ops *ops, void *opaque);

/**
 * memspace_region_new_rom_device() - create a ROM device region
 * @ms: the context.
 * @name: name shown in dumps.
 * @size: size in bytes.
 * @ops: the callbacks, or NULL: writes (and reads outside romd mode) are
 *	then rejected, as for a reservation.  Must outlive the region.
 * @opaque: first argument of every callback.
 * @host: host memory with the ROM contents, or NULL to map anonymous memory.
 *
 * The region starts in romd mode: reads come from @host, writes go to
 * @ops.  memspace_region_set_romd() switches reads to @ops as well.
 *
 * Context: updater.
 * Return: a new region, or NULL with errno set as for
 * memspace_region_new_ram() and memspace_region_new_io().
 */
struct memspace_region *
memspace_region_new_rom_device(struct memspace *ms, const char *name,
			       uint64_t size,
			       const struct memspace_region_ops *ops,
			       void *opaque, void *host);

/**
 * memspace_region_new_ram_device() - create a RAM device region
 * @ms: the context.
 * @name: name shown in dumps.
 * @size: size in bytes.
 * @host: the mapped device memory (mandatory, at least @size bytes).
 *
 * Context: updater.
 * Return: a new region, or NULL with errno set to EINVAL.
 */
struct memspace_region *
memspace_region_new_ram_device(struct memspace *ms, const char *name,
			       uint64_t size, void *host);

/**
 * memspace_region_new_alias() - create an alias of part of another region
 * @ms: the context.
 * @name: name shown in dumps.
 * @target: the aliased region (may itself be an alias); the alias holds a
 *	reference on it.
 * @offset: offset in @target of the alias's first byte.
 * @size: size of the window; MEMSPACE_SIZE_2_64 means 2^64.
 *
 * A window that reaches past the end of @target leaves a hole there; so
 * does one that runs past 2^64 (@offset + @size may exceed it, as in QEMU:
 * the window is clipped when rendered).
 *
 * Context: updater.
 * Return: a new region, or NULL with errno set to EINVAL (NULL argument)
 * or EXDEV (@target belongs to another context).
 */
struct memspace_region *
memspace_region_new_alias(struct memspace *ms, const char *name,
			  struct memspace_region *target, uint64_t offset,
			  uint64_t size);

/**
 * memspace_region_ref() - take a reference on a region
 * @mr: the region (may be NULL).
 *
 * Context: any.
 * Return: @mr.
 */
struct memspace_region *memspace_region_ref(struct memspace_region *mr);

/**
 * memspace_region_unref() - drop a reference on a region
 * @mr: the region (may be NULL).
 *
 * The region is freed when its last reference goes and every view that
 * could show it is gone: a region still mapped in a container is kept alive
 * by that reference, and one shown by a view is kept until the view goes
 * (views hold no reference, see above).
 *
 * Context: any.
 * Return: NULL.
 */
struct memspace_region *memspace_region_unref(struct memspace_region *mr);

/**
 * memspace_region_add_subregion() - map @child into @parent at @offset
 * @parent: the container (any kind but an alias).
 * @offset: offset of @child inside @parent.
 * @child: the region to map; @parent takes a reference on it.
 *
 * Like QEMU's memory_region_add_subregion(), the child gets priority 0.
 *
 * Context: updater.
 * Return: 0 on success, or
 * -EINVAL: an argument is NULL, or @child is @parent;
 * -EXDEV: the regions belong to different contexts;
 * -ENOTDIR: @parent is an alias, which cannot have subregions;
 * -EEXIST: @child is already a subregion of @parent;
 * -EBUSY: @child is already a subregion of another region;
 * -ELOOP: @child would contain @parent, or rendering would recurse without
 *	end or at too high a cost: an alias would then show one of its
 *	ancestors so that some region, rendered with its whole extent
 *	visible, passes through itself nested more than 64 deep (or takes
 *	more than 2^20 steps in such passes); or the render of some address
 *	space, from its root, would take more than 2^20 steps inside passes
 *	through a region already being rendered (several aliases of one
 *	container fork at every pass).  The latter is checked whenever
 *	@child reaches a cycle (an alias showing an ancestor), even if this
 *	mapping closes none: it may bring the cycle into a view.  An alias
 *	showing an ancestor through a window that never reaches the alias
 *	again (Arm SSE-200) is fine.  Decided here, so the call fails and
 *	nothing changes; disabled regions count as enabled;
 * -EDEADLK: called from a listener callback.
 */
int memspace_region_add_subregion(struct memspace_region *parent,
				  uint64_t offset,
				  struct memspace_region *child);

/**
 * memspace_region_add_subregion_overlap() - map @child with a priority
 * @parent: the container.
 * @offset: offset of @child inside @parent.
 * @child: the region to map.
 * @priority: signed priority among the subregions of @parent.
 *
 * Context: updater.
 * Return: as memspace_region_add_subregion().
 */
int memspace_region_add_subregion_overlap(struct memspace_region *parent,
					  uint64_t offset,
					  struct memspace_region *child,
					  int32_t priority);

/**
 * memspace_region_del_subregion() - unmap @child from @parent
 * @parent: the container.
 * @child: one of its subregions; @parent drops its reference.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL argument), -ENOENT (@child is not a subregion
 * of @parent) or -EDEADLK (called from a listener callback).
 */
int memspace_region_del_subregion(struct memspace_region *parent,
				  struct memspace_region *child);

/**
 * memspace_region_set_enabled() - enable or disable a region
 * @mr: the region.
 * @enabled: new state.  A disabled region and its subtree render nothing,
 *	as if removed, and hide nothing beneath them.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL) or -EDEADLK (called from a listener callback).
 */
int memspace_region_set_enabled(struct memspace_region *mr, bool enabled);

/**
 * memspace_region_set_readonly() - mark a region read-only
 * @mr: the region.
 * @readonly: new state; inherited by every range rendered beneath @mr,
 *	through containers and aliases.
 *
 * Context: updater.
 * Return: 0, or -EINVAL or -EDEADLK as memspace_region_set_enabled().
 */
int memspace_region_set_readonly(struct memspace_region *mr, bool readonly);

/**
 * memspace_region_set_nonvolatile() - mark a region non-volatile
 * @mr: the region.
 * @nonvolatile: new state; inherited like the read-only flag.
 *
 * Context: updater.
 * Return: 0, or -EINVAL or -EDEADLK as memspace_region_set_enabled().
 */
int memspace_region_set_nonvolatile(struct memspace_region *mr,
				    bool nonvolatile);

/**
 * memspace_region_set_unmergeable() - keep a region's ranges apart
 * @mr: the region.
 * @unmergeable: new state; ranges rendered beneath @mr are never merged
 *	with their neighbours (QEMU's virtio-mem memslot aliases).
 *
 * Context: updater.
 * Return: 0, or -EINVAL or -EDEADLK as memspace_region_set_enabled().
 */
int memspace_region_set_unmergeable(struct memspace_region *mr,
				    bool unmergeable);

/**
 * memspace_region_set_romd() - switch a ROM device in or out of romd mode
 * @mr: a ROM device region.
 * @romd: true: reads come from memory; false: reads go to the callbacks.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL), -ENOTTY (@mr is not a ROM device) or
 * -EDEADLK (called from a listener callback).
 */
int memspace_region_set_romd(struct memspace_region *mr, bool romd);

/**
 * memspace_region_set_address() - move a region inside its parent
 * @mr: the region.
 * @addr: new offset in its parent (or, for a root, the offset its
 *	address spaces' views are shifted by).
 *
 * As in QEMU, moving a mapped region to a new address re-adds it, so it
 * then wins ties against siblings of equal priority.
 *
 * Context: updater.
 * Return: 0, or -EINVAL or -EDEADLK as memspace_region_set_enabled(), or
 * -ELOOP (@mr reaches a cycle, and rendering would then recurse without
 * end or at too high a cost, as for memspace_region_add_subregion();
 * nothing changes).
 */
int memspace_region_set_address(struct memspace_region *mr, uint64_t addr);

/**
 * memspace_region_set_size() - resize a region
 * @mr: the region.
 * @size: new size; MEMSPACE_SIZE_2_64 means 2^64.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL), -EDEADLK (called from a listener callback),
 * -ERANGE (@mr has host memory and @size exceeds it) or -ELOOP (@mr
 * reaches a cycle, and rendering would then recurse without end or at too
 * high a cost, as for memspace_region_add_subregion(); nothing changes).  An alias's window may run past 2^64 (clipped when
 * rendered).
 */
int memspace_region_set_size(struct memspace_region *mr, uint64_t size);

/**
 * memspace_region_set_alias_offset() - move an alias's window
 * @mr: an alias.
 * @offset: new offset into the target.
 *
 * The window may run past 2^64 (clipped when rendered).
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL), -ENOTTY (@mr is not an alias), -EDEADLK or
 * -ELOOP (@mr reaches a cycle, and rendering would then recurse without
 * end or at too high a cost, as for memspace_region_add_subregion();
 * nothing changes).
 */
int memspace_region_set_alias_offset(struct memspace_region *mr,
				     uint64_t offset);

/**
 * memspace_region_set_owner() - set the owner label shown by `-o` dumps
 * @mr: the region.
 * @owner: text printed after the name (QEMU prints, for example,
 *	"owner:{dev id=rp3}"), copied; NULL prints "orphan".
 *
 * The label does not affect rendering and needs no commit.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (@mr is NULL).
 */
int memspace_region_set_owner(struct memspace_region *mr, const char *owner);

/**
 * memspace_region_get_kind() - the kind of a region
 * @mr: the region.
 *
 * Context: any.
 * Return: its kind.
 */
enum memspace_region_kind memspace_region_get_kind(const struct memspace_region *mr);

/**
 * memspace_region_get_name() - the name of a region
 * @mr: the region.
 *
 * Context: any.
 * Return: the name, valid while @mr is.
 */
const char *memspace_region_get_name(const struct memspace_region *mr);

/**
 * memspace_region_get_owner() - the owner label of a region
 * @mr: the region.
 *
 * Context: updater.
 * Return: the label, or NULL if none was set.
 */
const char *memspace_region_get_owner(const struct memspace_region *mr);

/**
 * memspace_region_get_size() - the size of a region
 * @mr: the region.
 *
 * Context: updater.
 * Return: the size in bytes; UINT64_MAX for a region of 2^64 bytes.
 */
uint64_t memspace_region_get_size(const struct memspace_region *mr);

/**
 * memspace_region_get_address() - the offset of a region in its parent
 * @mr: the region.
 *
 * Context: updater.
 * Return: the offset.
 */
uint64_t memspace_region_get_address(const struct memspace_region *mr);

/**
 * memspace_region_get_priority() - the priority of a region in its parent
 * @mr: the region.
 *
 * Context: updater.
 * Return: the priority.
 */
int32_t memspace_region_get_priority(const struct memspace_region *mr);

/**
 * memspace_region_get_parent() - the container a region is mapped in
 * @mr: the region.
 *
 * Context: updater.
 * Return: the parent (borrowed), or NULL if @mr is not mapped.
 */
struct memspace_region *
memspace_region_get_parent(const struct memspace_region *mr);

/**
 * memspace_region_get_alias_target() - the region an alias points to
 * @mr: the region.
 *
 * Context: any.
 * Return: the target (borrowed), or NULL if @mr is not an alias.
 */
struct memspace_region *
memspace_region_get_alias_target(const struct memspace_region *mr);

/**
 * memspace_region_get_alias_offset() - the window offset of an alias
 * @mr: the region.
 *
 * Context: updater.
 * Return: the offset into the target (0 if @mr is not an alias).
 */
uint64_t memspace_region_get_alias_offset(const struct memspace_region *mr);

/**
 * memspace_region_get_host_ptr() - host memory behind a region
 * @mr: a RAM, ROM device or RAM device region.
 *
 * Context: any.
 * Return: the first byte of its host memory, or NULL for other kinds.
 */
void *memspace_region_get_host_ptr(const struct memspace_region *mr);

/**
 * memspace_region_is_enabled() - whether a region is enabled
 * @mr: the region.
 *
 * Context: updater.
 * Return: the flag.
 */
bool memspace_region_is_enabled(const struct memspace_region *mr);

/**
 * memspace_region_is_readonly() - the region's own read-only flag
 * @mr: the region.
 *
 * Context: updater.
 * Return: the flag (not what it inherits from its ancestors).
 */
bool memspace_region_is_readonly(const struct memspace_region *mr);

/**
 * memspace_region_is_nonvolatile() - the region's own non-volatile flag
 * @mr: the region.
 *
 * Context: updater.
 * Return: the flag.
 */
bool memspace_region_is_nonvolatile(const struct memspace_region *mr);

/**
 * memspace_region_is_romd() - whether a ROM device is in romd mode
 * @mr: the region.
 *
 * Context: updater.
 * Return: true for a ROM device in romd mode, false otherwise.
 */
bool memspace_region_is_romd(const struct memspace_region *mr);

/**
 * memspace_region_is_terminating() - whether a region renders itself
 * @mr: the region.
 *
 * RAM, I/O, ROM device and RAM device regions terminate: they fill the
 * parts of their extent that their subregions leave free.  Containers and
 * aliases do not.
 *
 * Context: any.
 * Return: true if @mr terminates.
 */
bool memspace_region_is_terminating(const struct memspace_region *mr);

/**
 * enum memspace_dirty_client - dirty-log clients, as bits of a mask
 * @MEMSPACE_DIRTY_VGA: display emulation (framebuffer scan-out).
 * @MEMSPACE_DIRTY_CODE: translated-code invalidation.
 * @MEMSPACE_DIRTY_MIGRATION: live migration; set on every RAM and ROM
 *	device region while global dirty logging is on.
 *
 * A region's dirty-log mask is the set of clients logging it; a section
 * carries the mask of its region when the view was rendered.
 */
enum memspace_dirty_client {
	MEMSPACE_DIRTY_VGA = 1u << 0,
	MEMSPACE_DIRTY_CODE = 1u << 1,
	MEMSPACE_DIRTY_MIGRATION = 1u << 2,
};

/** MEMSPACE_DIRTY_ALL - every dirty-log client */
#define MEMSPACE_DIRTY_ALL                                                    \
	(MEMSPACE_DIRTY_VGA | MEMSPACE_DIRTY_CODE | MEMSPACE_DIRTY_MIGRATION)

/*
 * Region state that listeners follow: ioeventfds, coalesced parts and dirty
 * logging (QEMU's memory_region_add_eventfd(), memory_region_add_coalescing(),
 * memory_region_set_log()).  What listeners are told is in listener.h.
 */

/**
 * memspace_region_add_eventfd() - signal an eventfd instead of calling a
 * device for matching writes
 * @mr: an I/O or ROM device region.
 * @addr: offset of the register in @mr.
 * @size: access size that matches: 1, 2, 4 or 8; 0 matches any size.
 * @match_data: match only writes of @data (not allowed with @size 0).
 * @data: the value, as the guest writes it (host-order integer).
 * @fd: an eventfd.  memspace duplicates it (close-on-exec) and keeps the
 *	duplicate open until no listener can refer to the entry any more,
 *	so the caller may close @fd whenever it likes, even before the
 *	commit that removes the entry (QEMU aborts in that case).
 *
 * The entry is visible in an address space wherever its byte range (its
 * first byte, for any-size entries) intersects a flat range showing @mr,
 * at the address that range gives its first byte, as in QEMU (even when
 * another region covers part of it); a region shown twice (two aliases)
 * yields two entries.  Without a hypervisor matching them, the write path
 * matches the same entries as KVM would (the guest's whole access at the
 * entry's address).  At the
 * next commit each address space with an eventfd-capable listener
 * rebuilds its sorted set and reports the difference.  A change that
 * touches only ioeventfds does not re-render any view.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL @mr, bad @size, @match_data with @size 0),
 * -ENOTTY (@mr is not an I/O or ROM device region), -ERANGE (the range
 * is outside @mr), -EEXIST (KVM would refuse it beside an entry of @mr:
 * same @addr and either of any size, or the same size with either not
 * matching data or both the same @data, whatever the descriptor), -EBADF or
 * -EMFILE (@fd could not be duplicated), -EDEADLK (called from a
 * callback), or -EREMOTEIO as for any commit.
 */
int memspace_region_add_eventfd(struct memspace_region *mr, uint64_t addr,
				uint64_t size, bool match_data, uint64_t data,
				int fd);

/**
 * memspace_region_del_eventfd() - remove an ioeventfd
 * @mr: the region.
 * @addr: as given to memspace_region_add_eventfd().
 * @size: as given (0 removes only an any-size entry; unlike QEMU it is
 *	not a wildcard).
 * @match_data: as given.
 * @data: as given (ignored unless @match_data).
 * @fd: the descriptor given when adding (compared by number).
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL @mr), -ENOENT (no such entry), -EDEADLK, or
 * -EREMOTEIO as for any commit.
 */
int memspace_region_del_eventfd(struct memspace_region *mr, uint64_t addr,
				uint64_t size, bool match_data, uint64_t data,
				int fd);

/**
 * memspace_region_add_coalescing() - let writes to part of a region be
 * buffered (KVM's coalesced MMIO or PIO)
 * @mr: an I/O region.
 * @offset: first byte of the part.
 * @size: its length (at least 1).
 *
 * Where @mr is visible, listeners get coalesced_io_add for the visible
 * parts at the commit that closes this call (its own, or the outermost
 * commit of the open transaction; after begin, before the topology, see
 * listener.h), and later as the parts appear and disappear with the
 * topology.  Overlapping parts are allowed.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL @mr or @size 0), -ENOTTY (@mr is not an I/O
 * region), -ERANGE (outside @mr), -EEXIST (the same part is registered),
 * -EDEADLK, or -EREMOTEIO (a listener failed).
 */
int memspace_region_add_coalescing(struct memspace_region *mr,
				   uint64_t offset, uint64_t size);

/**
 * memspace_region_clear_coalescing() - remove every coalesced part of a
 * region
 * @mr: the region.
 *
 * Visible parts are reported with coalesced_io_del at the commit that
 * closes this call, as for memspace_region_add_coalescing().
 *
 * Context: updater.
 * Return: 0, or -EINVAL, -EDEADLK or -EREMOTEIO as above.
 */
int memspace_region_clear_coalescing(struct memspace_region *mr);

/**
 * memspace_region_set_log() - turn a dirty-log client on or off for a
 * region
 * @mr: a RAM, ROM device or RAM device region.
 * @client: one enum memspace_dirty_client bit.
 * @on: true to start, false to stop.
 *
 * Calls nest per client: the client logs @mr while it has more starts
 * than stops.  When the region's mask changes, the next commit re-renders
 * and listeners see region_nop plus log_start or log_stop for its ranges.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL @mr, or @client not exactly one client),
 * -ENOTTY (@mr has no host memory), -EALREADY (stopping a client that
 * does not log @mr), -EOVERFLOW (too many nested starts), -EDEADLK, or
 * -EREMOTEIO as for any commit.
 */
int memspace_region_set_log(struct memspace_region *mr, unsigned client,
			    bool on);

/**
 * memspace_region_get_log() - the dirty-log mask of a region
 * @mr: the region.
 *
 * Context: any.
 * Return: the clients logging @mr (including global migration logging).
 */
unsigned memspace_region_get_log(const struct memspace_region *mr);

/**
 * memspace_region_set_dirty() - mark bytes of a region dirty
 * @mr: a RAM, ROM device or RAM device region.
 * @offset: first byte.
 * @size: number of bytes (at least 1).
 *
 * Marks every host page touched by the range dirty for each client that
 * logs @mr now.  Device models call this after writing guest memory from
 * the host, since KVM's log only sees guest writes.  Lock-free.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (NULL @mr or @size 0), -ENOTTY (no host memory) or
 * -ERANGE (outside @mr).
 */
int memspace_region_set_dirty(struct memspace_region *mr, uint64_t offset,
			      uint64_t size);

/**
 * memspace_region_merge_dirty() - merge a page bitmap into a region's log
 * @mr: a region with host memory.
 * @offset: offset of the page that bit 0 describes (page aligned).
 * @bitmap: one bit per host page, least significant bit first in each
 *	64-bit word.
 * @nr_pages: number of bits.
 * @clients: the clients to mark (a mask; bits that do not log @mr are
 *	ignored).
 *
 * This is what log_sync callbacks (the KVM listener's KVM_GET_DIRTY_LOG)
 * use.  Lock-free.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (NULL argument or unaligned @offset), -ENOTTY or
 * -ERANGE.
 */
int memspace_region_merge_dirty(struct memspace_region *mr, uint64_t offset,
				const uint64_t *bitmap, uint64_t nr_pages,
				unsigned clients);

/**
 * memspace_region_test_dirty() - whether any page of a range is dirty
 * @mr: the region.
 * @client: one client bit.
 * @offset: first byte.
 * @size: number of bytes (at least 1).
 *
 * Context: any thread.
 * Return: true if a page touched by the range is dirty for @client (false
 * also for invalid arguments).
 */
bool memspace_region_test_dirty(struct memspace_region *mr, unsigned client,
				uint64_t offset, uint64_t size);

/**
 * memspace_region_get_and_clear_dirty() - read and clear dirty pages
 * @mr: the region.
 * @client: one client bit.
 * @offset: first byte.
 * @size: number of bytes (at least 1).
 * @ret_bitmap: if not NULL, filled with one bit per page touched by the
 *	range, bit 0 for the page holding @offset (least significant bit
 *	first; (pages + 63) / 64 words).
 *
 * Each page is read and cleared atomically, so concurrent markers are
 * never lost.
 *
 * Context: any thread.
 * Return: the number of dirty pages found (0 or more, saturated at
 * INT_MAX), or -EINVAL (bad argument), -ENOTTY or -ERANGE.
 */
int memspace_region_get_and_clear_dirty(struct memspace_region *mr,
					unsigned client, uint64_t offset,
					uint64_t size, uint64_t *ret_bitmap);

/**
 * memspace_dirty_page_size() - the granule of dirty bitmaps
 *
 * Context: any.
 * Return: the host page size in bytes.
 */
uint64_t memspace_dirty_page_size(void);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_REGION_H */
