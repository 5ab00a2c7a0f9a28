/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regions on memory backends: RAM and RAM device regions created on a
 * window of a backend, and what listeners ask of them (the backend, its
 * page size, the fd and file offset behind a region or a flat range).
 */
#include "config.h"

#include <unistd.h>

#include "backend-internal.h"
#include "region-internal.h"

static struct memspace_region *
new_on_backend(struct memspace *ms, const char *name,
	       struct memspace_backend *be, uint64_t offset, uint64_t size,
	       bool device)
{
	struct memspace_region *mr;
	void *host;

	if (!ms || !name || !be || !size || offset > be->size ||
	    size > be->size - offset) {
		errno = EINVAL;
		return NULL;
	}
	host = be->host + offset;
	mr = device ? memspace_region_new_ram_device(ms, name, size, host) :
		      memspace_region_new_ram(ms, name, size, host);
	if (!mr) {
		return NULL;
	}
	mr->backend = memspace_backend_ref(be);
	mr->backend_offset = offset;
	mr->readonly = be->readonly;
	return mr;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_ram_backend(struct memspace *ms, const char *name,
				struct memspace_backend *be, uint64_t offset,
				uint64_t size)
{
	return new_on_backend(ms, name, be, offset, size, false);
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_ram_device_backend(struct memspace *ms, const char *name,
				       struct memspace_backend *be,
				       uint64_t offset, uint64_t size)
{
	return new_on_backend(ms, name, be, offset, size, true);
}

MEMSPACE_EXPORT struct memspace_backend *
memspace_region_get_backend(const struct memspace_region *mr,
			    uint64_t *ret_offset)
{
	uint64_t add = 0;

	if (!mr) {
		return NULL;
	}
	for (; mr->alias; mr = mr->alias) {
		add += mr->alias_offset;
	}
	if (ret_offset) {
		*ret_offset = mr->backend ? mr->backend_offset + add : 0;
	}
	return mr->backend;
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_page_size(const struct memspace_region *mr)
{
	const struct memspace_backend *be =
		memspace_region_get_backend(mr, NULL);

	if (!mr) {
		return 0;
	}
	return be ? be->page_size : (uint64_t)sysconf(_SC_PAGESIZE);
}

MEMSPACE_EXPORT int
memspace_region_get_fd(const struct memspace_region *mr, uint64_t *ret_offset)
{
	uint64_t off;
	const struct memspace_backend *be =
		memspace_region_get_backend(mr, &off);

	if (!be || be->fd < 0) {
		return -1;
	}
	if (ret_offset) {
		*ret_offset = be->offset + off;
	}
	return be->fd;
}

MEMSPACE_EXPORT int
memspace_section_get_fd(const struct memspace_section *sec,
			uint64_t *ret_offset)
{
	uint64_t off;
	int fd;

	if (!sec || !sec->mr) {
		return -1;
	}
	fd = memspace_region_get_fd(sec->mr, &off);
	if (fd >= 0 && ret_offset) {
		*ret_offset = off + sec->offset_in_region;
	}
	return fd;
}
