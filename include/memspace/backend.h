/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory backends: the host memory behind guest RAM.
 *
 * A backend owns one host mapping and everything behind it (a memfd, a file
 * on hugetlbfs, the caller's fd, or nothing for anonymous memory).  It is
 * created from a struct memspace_backend_config, is reference counted, and
 * outlives every region created on it (each region holds a reference).
 * Several regions may be created on one backend, each on a window [offset,
 * offset + size) of it, as QEMU's pc.ram is seen through ram-below-4g and
 * ram-above-4g.
 *
 * Creation is all or nothing: when memspace_backend_new() fails (too few
 * huge pages, ENOMEM, a cancelled preallocation, a bad node), nothing is
 * left behind: no mapping, no fd and no file.
 *
 * Backends need no context and take no lock: a backend is immutable after
 * creation, so its getters may be called from any thread.
 */
#ifndef MEMSPACE_BACKEND_H
#define MEMSPACE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memspace_backend;

/**
 * enum memspace_backend_source - where a backend's memory comes from
 * @MEMSPACE_BACKEND_ANON: anonymous memory (private, or shared with
 *	children when @shared is set).  No fd.
 * @MEMSPACE_BACKEND_MEMFD: a memfd (shmem).  Its fd can be passed to another
 *	process (vhost-user).
 * @MEMSPACE_BACKEND_MEMFD_HUGETLB: a memfd created with MFD_HUGETLB and the
 *	huge page size @huge_page_size (0: the system's default size).
 * @MEMSPACE_BACKEND_HUGETLBFS: a file on hugetlbfs.  @path is a directory
 *	(a unique file is created in it and unlinked at once) or a file.
 * @MEMSPACE_BACKEND_FILE: a regular file at @path, mapped from @offset
 *	(file-backed or persistent memory).  A missing file is created (and
 *	removed again if creation fails); an empty one is grown to @offset +
 *	@size; a longer one is left as is; a shorter, non-empty one is an
 *	error.  A directory gets a unique file, unlinked at once, as for
 *	HUGETLBFS.  The page size is the file system's on hugetlbfs.
 * @MEMSPACE_BACKEND_FD: the caller's @fd, mapped from @offset.  memspace
 *	duplicates it (the caller keeps its own) and never resizes it.
 */
enum memspace_backend_source {
	MEMSPACE_BACKEND_ANON,
	MEMSPACE_BACKEND_MEMFD,
	MEMSPACE_BACKEND_MEMFD_HUGETLB,
	MEMSPACE_BACKEND_HUGETLBFS,
	MEMSPACE_BACKEND_FILE,
	MEMSPACE_BACKEND_FD,
};

/**
 * enum memspace_numa_policy - host NUMA placement of a backend
 * @MEMSPACE_NUMA_DEFAULT: the process's policy (no mbind).
 * @MEMSPACE_NUMA_BIND: allocate only on the given nodes.
 * @MEMSPACE_NUMA_PREFERRED: prefer the (single) given node.
 * @MEMSPACE_NUMA_INTERLEAVE: interleave pages over the given nodes.
 */
enum memspace_numa_policy {
	MEMSPACE_NUMA_DEFAULT,
	MEMSPACE_NUMA_BIND,
	MEMSPACE_NUMA_PREFERRED,
	MEMSPACE_NUMA_INTERLEAVE,
};

/**
 * typedef memspace_prealloc_progress_fn - preallocation progress callback
 * @opaque: the config's @progress_opaque.
 * @done: bytes populated so far.
 * @total: bytes to populate.
 *
 * Called on the thread that preallocates, at least once at the end and
 * about every 10 ms in between.
 *
 * Return: true to go on, false to cancel the preallocation.
 */
typedef bool (*memspace_prealloc_progress_fn)(void *opaque, uint64_t done,
					      uint64_t total);

/** MEMSPACE_BACKEND_MAX_NODES - highest host NUMA node number plus one */
#define MEMSPACE_BACKEND_MAX_NODES 1024

/**
 * struct memspace_backend_config - how to create a backend
 * @source: where the memory comes from.
 * @size: size of the mapping in bytes (> 0; for hugetlb sources a multiple
 *	of the huge page size).
 * @name: memfd name (shown in /proc/PID/maps), or NULL for "memspace".
 * @path: directory or file for HUGETLBFS and FILE.
 * @fd: the caller's fd for FD.
 * @offset: offset in the file or fd of the mapping's first byte (FILE and
 *	FD); a multiple of the page size.
 * @huge_page_size: huge page size for MEMFD_HUGETLB (0: default), ignored
 *	otherwise.
 * @shared: MAP_SHARED (writes reach the file, and other mappings of it)
 *	instead of MAP_PRIVATE.  memfd sources are meant to be shared.
 * @readonly: map without PROT_WRITE.
 * @thp: advise transparent huge pages (MADV_HUGEPAGE).
 * @dontfork: do not give the mapping to fork()ed children (MADV_DONTFORK).
 * @dump: include the memory in core dumps; otherwise MADV_DONTDUMP.
 * @noreserve: MAP_NORESERVE (no swap reservation).
 * @numa_policy: host NUMA policy, applied with mbind() (needs memspace
 *	built with libnuma).
 * @host_nodes: the policy's nodes (@nr_host_nodes entries, each below
 *	MEMSPACE_BACKEND_MAX_NODES); PREFERRED takes exactly one.
 * @nr_host_nodes: number of entries in @host_nodes.
 * @prealloc: populate every page before memspace_backend_new() returns.
 * @prealloc_threads: threads that populate (0 means 1; at most 64 are
 *	used).
 * @progress: optional progress callback of the preallocation.
 * @progress_opaque: first argument of @progress.
 * @cancel: optional flag another thread may set to true (a plain or
 *	atomic store) to cancel the preallocation.
 *
 * Zero-initialise and set what you need: the zero config is invalid only
 * because @size is 0.
 */
struct memspace_backend_config {
	enum memspace_backend_source source;
	uint64_t size;
	const char *name;
	const char *path;
	int fd;
	uint64_t offset;
	uint64_t huge_page_size;
	bool shared;
	bool readonly;
	bool thp;
	bool dontfork;
	bool dump;
	bool noreserve;
	enum memspace_numa_policy numa_policy;
	const unsigned *host_nodes;
	unsigned nr_host_nodes;
	bool prealloc;
	unsigned prealloc_threads;
	memspace_prealloc_progress_fn progress;
	void *progress_opaque;
	const bool *cancel;
};

/**
 * memspace_backend_new() - create a backend
 * @cfg: the configuration (only read during the call).
 *
 * Context: any.
 * Return: a backend with one reference, or NULL with errno set to
 * EINVAL: NULL @cfg, a size of 0, an offset that is not page aligned,
 *	a source needing @path without it, a size or offset that is not a
 *	multiple of the (huge) page size, a HUGETLBFS @path not on
 *	hugetlbfs, a huge page size that is not a power of two (or that the
 *	kernel does not have), or a NUMA node list that does not fit the
 *	policy;
 * ENOENT: @path (or its directory) does not exist;
 * ENOTDIR: a path component is not a directory;
 * EBADF: @fd is not an open fd (FD);
 * ERANGE: the file is shorter than @offset + @size and not empty (FILE), or
 *	the caller's fd is (FD);
 * ENODEV: a node in @host_nodes does not exist on this host;
 * EOPNOTSUPP: a NUMA policy was asked but memspace was built without
 *	libnuma, or the kernel lacks MFD_HUGETLB;
 * ENOMEM: the mapping or the preallocation failed (for hugetlb sources:
 *	too few free huge pages);
 * ECANCELED: the preallocation was cancelled;
 * or the errno of the failing open(), memfd_create(), ftruncate(), mmap(),
 * madvise() or mbind().  Nothing is left behind on failure.
 */
struct memspace_backend *
memspace_backend_new(const struct memspace_backend_config *cfg);

/**
 * memspace_backend_ref() - take a reference
 * @be: the backend (may be NULL).
 *
 * Context: any.
 * Return: @be.
 */
struct memspace_backend *memspace_backend_ref(struct memspace_backend *be);

/**
 * memspace_backend_unref() - drop a reference
 * @be: the backend (may be NULL).
 *
 * The last reference unmaps the memory and closes the fd.
 *
 * Context: any.
 * Return: NULL.
 */
struct memspace_backend *memspace_backend_unref(struct memspace_backend *be);

/**
 * memspace_backend_prealloc() - populate a backend's pages now
 * @be: the backend.
 * @offset: first byte to populate.
 * @size: number of bytes (rounded out to whole pages).
 * @threads: number of threads (0 means 1; at most 64 are used).
 * @progress: optional progress callback (false cancels).
 * @opaque: first argument of @progress.
 * @cancel: optional flag another thread may set to cancel.
 *
 * Uses MADV_POPULATE_WRITE where the kernel has it, and otherwise writes
 * each page (an atomic add of 0, so contents survive); a read-only mapping
 * is populated for reading (MADV_POPULATE_READ, or a load per page).
 * Pages populated before a cancellation stay populated.
 *
 * Context: any.
 * Return: 0, or -EINVAL (NULL @be, or a range outside it), -ECANCELED,
 * -ENOMEM (out of memory or huge pages, including a hugetlb mapping whose
 * pages ran out: MADV_POPULATE_WRITE's EFAULT).
 */
int memspace_backend_prealloc(struct memspace_backend *be, uint64_t offset,
			      uint64_t size, unsigned threads,
			      memspace_prealloc_progress_fn progress,
			      void *opaque, const bool *cancel);

/**
 * memspace_backend_get_host() - the host address of the first byte
 * @be: the backend.
 *
 * Context: any.
 * Return: the mapping.
 */
void *memspace_backend_get_host(const struct memspace_backend *be);

/**
 * memspace_backend_get_size() - the size of the mapping
 * @be: the backend.
 *
 * Context: any.
 * Return: the size in bytes.
 */
uint64_t memspace_backend_get_size(const struct memspace_backend *be);

/**
 * memspace_backend_get_page_size() - the backend's page size
 * @be: the backend.
 *
 * Context: any.
 * Return: the huge page size for hugetlb sources, otherwise the host page
 * size.
 */
uint64_t memspace_backend_get_page_size(const struct memspace_backend *be);

/**
 * memspace_backend_get_fd() - the fd behind the mapping
 * @be: the backend.
 * @ret_offset: if not NULL, set to the fd offset of the mapping's first
 *	byte.
 *
 * The fd belongs to the backend: dup() it to keep it longer.
 *
 * Context: any.
 * Return: the fd, or -1 for anonymous memory.
 */
int memspace_backend_get_fd(const struct memspace_backend *be,
			    uint64_t *ret_offset);

/**
 * memspace_backend_is_shared() - whether the mapping is MAP_SHARED
 * @be: the backend.
 *
 * Context: any.
 * Return: the flag.
 */
bool memspace_backend_is_shared(const struct memspace_backend *be);

/**
 * memspace_backend_is_readonly() - whether the mapping lacks PROT_WRITE
 * @be: the backend.
 *
 * Context: any.
 * Return: the flag.
 */
bool memspace_backend_is_readonly(const struct memspace_backend *be);

/**
 * memspace_backend_get_source() - where the memory comes from
 * @be: the backend.
 *
 * Context: any.
 * Return: the source.
 */
enum memspace_backend_source
memspace_backend_get_source(const struct memspace_backend *be);

/**
 * memspace_backend_source_name() - short name of a source
 * @source: the source.
 *
 * Context: any.
 * Return: "anon", "memfd", "memfd-hugetlb", "hugetlbfs", "file", "fd", or
 * "?" for an unknown value.
 */
const char *memspace_backend_source_name(enum memspace_backend_source source);

/**
 * memspace_backend_get_numa() - the backend's NUMA policy
 * @be: the backend.
 * @nodes: if not NULL, receives up to @max_nodes node numbers, ascending.
 * @max_nodes: room in @nodes.
 * @ret_nr_nodes: if not NULL, set to the number of nodes of the policy.
 *
 * Context: any.
 * Return: the policy.
 */
enum memspace_numa_policy
memspace_backend_get_numa(const struct memspace_backend *be, unsigned *nodes,
			  unsigned max_nodes, unsigned *ret_nr_nodes);

/**
 * memspace_numa_policy_name() - short name of a NUMA policy
 * @policy: the policy.
 *
 * Context: any.
 * Return: "default", "bind", "preferred", "interleave", or "?".
 */
const char *memspace_numa_policy_name(enum memspace_numa_policy policy);

/**
 * memspace_region_new_ram_backend() - create a RAM region on a backend
 * @ms: the context.
 * @name: name shown in dumps.
 * @be: the backend; the region takes a reference.
 * @offset: offset in @be of the region's first byte.
 * @size: size of the region (> 0, @offset + @size within @be).
 *
 * A region on a read-only backend is created read-only.
 *
 * Context: updater.
 * Return: the region, or NULL with errno set to EINVAL (NULL argument, a
 * size of 0, or a window that does not fit in @be).
 */
struct memspace_region *
memspace_region_new_ram_backend(struct memspace *ms, const char *name,
				struct memspace_backend *be, uint64_t offset,
				uint64_t size);

/**
 * memspace_region_new_ram_device_backend() - create a RAM device on a
 * backend
 * @ms: the context.
 * @name: name shown in dumps.
 * @be: the backend; the region takes a reference.
 * @offset: offset in @be.
 * @size: size of the region.
 *
 * Context: updater.
 * Return: as memspace_region_new_ram_backend().
 */
struct memspace_region *
memspace_region_new_ram_device_backend(struct memspace *ms, const char *name,
				       struct memspace_backend *be,
				       uint64_t offset, uint64_t size);

/**
 * memspace_region_get_backend() - the backend behind a region
 * @mr: the region (an alias is followed to its final target).
 * @ret_offset: if not NULL, set to the offset in the backend of the
 *	region's first byte.
 *
 * Context: any.
 * Return: the backend (borrowed), or NULL if @mr was not created on one.
 */
struct memspace_backend *
memspace_region_get_backend(const struct memspace_region *mr,
			    uint64_t *ret_offset);

/**
 * memspace_region_get_page_size() - page size of a region's host memory
 * @mr: the region (an alias is followed).
 *
 * Context: any.
 * Return: the backend's page size for a region on a backend, otherwise the
 * host page size.
 */
uint64_t memspace_region_get_page_size(const struct memspace_region *mr);

/**
 * memspace_region_get_fd() - the fd behind a region (QEMU's
 * memory_region_get_fd())
 * @mr: the region (an alias is followed).
 * @ret_offset: if not NULL, set to the fd offset of the region's first
 *	byte.
 *
 * Context: any.
 * Return: the backend's fd (owned by the backend), or -1 if @mr has none.
 */
int memspace_region_get_fd(const struct memspace_region *mr,
			   uint64_t *ret_offset);

/**
 * memspace_section_get_fd() - the fd and file offset behind a flat range
 * @sec: a flat range (from a listener callback or a translation).
 * @ret_offset: if not NULL, set to the fd offset of @sec->start.
 *
 * What vhost-user and migration need to share a range with another
 * process.
 *
 * Context: any thread holding the view @sec came from.
 * Return: the fd (owned by the backend), or -1 if the range has none (or
 * @sec is NULL).
 */
int memspace_section_get_fd(const struct memspace_section *sec,
			    uint64_t *ret_offset);

/**
 * memspace_show_backends() - print the host memory behind the RAM ranges
 * @ms: the context.
 * @out: where to print.
 *
 * Prints "backends:" and then one line per region with host memory shown
 * by a published view (first seen first, address spaces in creation
 * order): the address space and address where it is first seen, its name,
 * and its backend, for example "  memory 0000000000000000 ram0: memfd
 * shared page=4096 numa=bind:0 offset=0x0 fd-offset=0x0" (source, shared
 * or private, read-only, page size, NUMA policy and nodes, offset in the
 * backend and in its fd).  A region not created on a backend prints "anon
 * private" and whether memspace mapped its memory.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (NULL argument) or -EIO (writing to @out failed).
 */
int memspace_show_backends(struct memspace *ms, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_BACKEND_H */
