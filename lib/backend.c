/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory backends: creating the host memory behind guest RAM from a
 * config (anonymous memory, memfd, hugetlb memfd, hugetlbfs, a file, or
 * the caller's fd), its mapping options, reference counting and getters.
 *
 * Creation is all or nothing: every step that fails undoes the earlier
 * ones (unmap, close, unlink a file this call created).
 */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/memfd.h>

#include "backend-internal.h"

/* The fd being set up, and what to undo if creation fails. */
struct backend_file {
	int fd;
	uint64_t page_size;
	char *created; /* a path this call created, or NULL */
};

static uint64_t
host_page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The default huge page size, from /proc/meminfo. */
static int
default_huge_page_size(uint64_t *ret)
{
	g_autofree char *text = NULL;
	const char *p;
	unsigned long long kb;

	if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL)) {
		return -EOPNOTSUPP;
	}
	p = strstr(text, "Hugepagesize:");
	if (!p || sscanf(p, "Hugepagesize: %llu kB", &kb) != 1 || !kb) {
		return -EOPNOTSUPP;
	}
	*ret = (uint64_t)kb * 1024;
	return 0;
}

static int
open_memfd(const struct memspace_backend_config *cfg, struct backend_file *f)
{
	unsigned flags = MFD_CLOEXEC;
	uint64_t hps = cfg->huge_page_size;
	int ret;

	if (cfg->source == MEMSPACE_BACKEND_MEMFD_HUGETLB) {
		if (!hps && (ret = default_huge_page_size(&hps)) < 0) {
			return ret;
		}
		if ((hps & (hps - 1)) || hps < host_page_size()) {
			return -EINVAL;
		}
		flags |= MFD_HUGETLB |
			 ((unsigned)__builtin_ctzll(hps) << MFD_HUGE_SHIFT);
		f->page_size = hps;
	}
	if (cfg->size % f->page_size) {
		return -EINVAL;
	}
	f->fd = memfd_create(cfg->name ? cfg->name : "memspace", flags);
	if (f->fd < 0) {
		return -errno;
	}
	return ftruncate(f->fd, (off_t)cfg->size) < 0 ? -errno : 0;
}

/* Open @path: a directory gets a unique file, unlinked at once. */
static int
open_path(const struct memspace_backend_config *cfg, struct backend_file *f)
{
	struct stat st;

	if (!cfg->path) {
		return -EINVAL;
	}
	if (stat(cfg->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		g_autofree char *tmpl =
			g_strdup_printf("%s/memspace-XXXXXX", cfg->path);

		f->fd = mkostemp(tmpl, O_CLOEXEC);
		if (f->fd < 0) {
			return -errno;
		}
		unlink(tmpl);
		return 0;
	}
	f->fd = open(cfg->path,
		     (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (f->fd < 0 && errno == ENOENT && !cfg->readonly) {
		f->fd = open(cfg->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			     0600);
		if (f->fd >= 0) {
			f->created = g_strdup(cfg->path);
		}
	}
	return f->fd < 0 ? -errno : 0;
}

/* Page size from the file system; size checks; grow an empty file. */
static int
check_file(const struct memspace_backend_config *cfg, struct backend_file *f,
	   bool may_grow)
{
	uint64_t end = cfg->offset + cfg->size;
	struct statfs sfs;
	struct stat st;

	if (fstatfs(f->fd, &sfs) < 0 || fstat(f->fd, &st) < 0) {
		return -errno;
	}
	if (sfs.f_type == HUGETLBFS_MAGIC) {
		f->page_size = (uint64_t)sfs.f_bsize;
	} else if (cfg->source == MEMSPACE_BACKEND_HUGETLBFS) {
		return -EINVAL;
	}
	if (cfg->size % f->page_size || cfg->offset % f->page_size) {
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size >= end) {
		return 0;
	}
	if (st.st_size != 0 || !may_grow || cfg->readonly) {
		return -ERANGE;
	}
	return ftruncate(f->fd, (off_t)end) < 0 ? -errno : 0;
}

static int
open_fd(const struct memspace_backend_config *cfg, struct backend_file *f)
{
	struct stat st;

	if (cfg->fd < 0 || fstat(cfg->fd, &st) < 0) {
		return -EBADF;
	}
	f->fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 0);
	return f->fd < 0 ? -errno : check_file(cfg, f, false);
}

static int
backend_open(const struct memspace_backend_config *cfg, struct backend_file *f)
{
	int ret;

	switch (cfg->source) {
	case MEMSPACE_BACKEND_ANON:
		return 0;
	case MEMSPACE_BACKEND_MEMFD:
	case MEMSPACE_BACKEND_MEMFD_HUGETLB:
		return open_memfd(cfg, f);
	case MEMSPACE_BACKEND_HUGETLBFS:
	case MEMSPACE_BACKEND_FILE:
		ret = open_path(cfg, f);
		return ret < 0 ? ret : check_file(cfg, f, true);
	case MEMSPACE_BACKEND_FD:
		return open_fd(cfg, f);
	}
	return -EINVAL;
}

static int
check_config(const struct memspace_backend_config *cfg)
{
	uint64_t ps = host_page_size();

	if (!cfg || !cfg->size || cfg->offset % ps ||
	    cfg->offset + cfg->size < cfg->offset ||
	    cfg->size > (uint64_t)SIZE_MAX) {
		return -EINVAL;
	}
	if (cfg->source == MEMSPACE_BACKEND_ANON && cfg->offset) {
		return -EINVAL;
	}
	return backend_numa_check(cfg->numa_policy, cfg->host_nodes,
				  cfg->nr_host_nodes);
}

static int
map_and_advise(struct memspace_backend *be,
	       const struct memspace_backend_config *cfg)
{
	int prot = PROT_READ | (cfg->readonly ? 0 : PROT_WRITE);
	int flags = (cfg->shared ? MAP_SHARED : MAP_PRIVATE) |
		    (be->fd < 0 ? MAP_ANONYMOUS : 0) |
		    (cfg->noreserve ? MAP_NORESERVE : 0);
	void *host =
		mmap(NULL, be->size, prot, flags, be->fd, (off_t)be->offset);

	if (host == MAP_FAILED) {
		return -errno;
	}
	be->host = host;
	if ((cfg->thp && madvise(host, be->size, MADV_HUGEPAGE) < 0) ||
	    (cfg->dontfork && madvise(host, be->size, MADV_DONTFORK) < 0) ||
	    (!cfg->dump && madvise(host, be->size, MADV_DONTDUMP) < 0)) {
		return -errno;
	}
	return backend_numa_apply(be);
}

static void
backend_free(struct memspace_backend *be)
{
	if (be->host) {
		munmap(be->host, be->size);
	}
	if (be->fd >= 0) {
		close(be->fd);
	}
	g_free(be->nodes);
	g_free(be);
}

static int
uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static struct memspace_backend *
backend_alloc(const struct memspace_backend_config *cfg,
	      const struct backend_file *f)
{
	struct memspace_backend *be = g_new0(struct memspace_backend, 1);

	be->refcount = 1;
	be->source = cfg->source;
	be->size = cfg->size;
	be->page_size = f->page_size;
	be->fd = f->fd;
	be->offset = cfg->offset;
	be->shared = cfg->shared;
	be->readonly = cfg->readonly;
	be->numa_policy = cfg->numa_policy;
	be->nr_nodes = cfg->nr_host_nodes;
	be->nodes = g_memdup2(cfg->host_nodes,
			      sizeof(unsigned) * cfg->nr_host_nodes);
	if (be->nodes) {
		qsort(be->nodes, be->nr_nodes, sizeof(unsigned), uint_cmp);
	}
	return be;
}

MEMSPACE_EXPORT struct memspace_backend *
memspace_backend_new(const struct memspace_backend_config *cfg)
{
	struct backend_file f = { .fd = -1, .page_size = host_page_size() };
	struct memspace_backend *be = NULL;
	int ret = check_config(cfg);

	if (ret == 0) {
		ret = backend_open(cfg, &f);
	}
	if (ret == 0) {
		be = backend_alloc(cfg, &f);
		f.fd = -1; /* owned by @be now */
		ret = map_and_advise(be, cfg);
	}
	if (ret == 0 && cfg->prealloc) {
		ret = memspace_backend_prealloc(
			be, 0, be->size, cfg->prealloc_threads, cfg->progress,
			cfg->progress_opaque, cfg->cancel);
	}
	if (ret == 0) {
		g_free(f.created);
		return be;
	}
	if (be) {
		backend_free(be);
	}
	if (f.fd >= 0) {
		close(f.fd);
	}
	if (f.created) {
		unlink(f.created);
		g_free(f.created);
	}
	errno = -ret;
	return NULL;
}

MEMSPACE_EXPORT struct memspace_backend *
memspace_backend_ref(struct memspace_backend *be)
{
	if (be) {
		g_atomic_int_inc(&be->refcount);
	}
	return be;
}

MEMSPACE_EXPORT struct memspace_backend *
memspace_backend_unref(struct memspace_backend *be)
{
	if (be && g_atomic_int_dec_and_test(&be->refcount)) {
		backend_free(be);
	}
	return NULL;
}

MEMSPACE_EXPORT void *
memspace_backend_get_host(const struct memspace_backend *be)
{
	if (!be) {
		return NULL;
	}
	return be->host;
}

MEMSPACE_EXPORT uint64_t
memspace_backend_get_size(const struct memspace_backend *be)
{
	if (!be) {
		return 0;
	}
	return be->size;
}

MEMSPACE_EXPORT uint64_t
memspace_backend_get_page_size(const struct memspace_backend *be)
{
	if (!be) {
		return 0;
	}
	return be->page_size;
}

MEMSPACE_EXPORT int
memspace_backend_get_fd(const struct memspace_backend *be, uint64_t *ret_offset)
{
	if (!be) {
		return -1;
	}

	if (ret_offset) {
		*ret_offset = be->offset;
	}
	return be->fd;
}

MEMSPACE_EXPORT bool
memspace_backend_is_shared(const struct memspace_backend *be)
{
	if (!be) {
		return false;
	}
	return be->shared;
}

MEMSPACE_EXPORT bool
memspace_backend_is_readonly(const struct memspace_backend *be)
{
	if (!be) {
		return false;
	}
	return be->readonly;
}

MEMSPACE_EXPORT enum memspace_backend_source
memspace_backend_get_source(const struct memspace_backend *be)
{
	if (!be) {
		return MEMSPACE_BACKEND_ANON;
	}
	return be->source;
}

MEMSPACE_EXPORT const char *
memspace_backend_source_name(enum memspace_backend_source source)
{
	static const char *const names[] = {
		[MEMSPACE_BACKEND_ANON] = "anon",
		[MEMSPACE_BACKEND_MEMFD] = "memfd",
		[MEMSPACE_BACKEND_MEMFD_HUGETLB] = "memfd-hugetlb",
		[MEMSPACE_BACKEND_HUGETLBFS] = "hugetlbfs",
		[MEMSPACE_BACKEND_FILE] = "file",
		[MEMSPACE_BACKEND_FD] = "fd",
	};

	return (unsigned)source < ARRAY_SIZE(names) ? names[source] : "?";
}

MEMSPACE_EXPORT enum memspace_numa_policy
memspace_backend_get_numa(const struct memspace_backend *be, unsigned *nodes,
			  unsigned max_nodes, unsigned *ret_nr_nodes)
{
	for (unsigned i = 0; nodes && i < be->nr_nodes && i < max_nodes; i++) {
		nodes[i] = be->nodes[i];
	}
	if (ret_nr_nodes) {
		*ret_nr_nodes = be->nr_nodes;
	}
	return be->numa_policy;
}
