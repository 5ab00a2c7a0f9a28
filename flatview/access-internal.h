/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The access engine shared by the address-space accessors (access.c) and
 * the fixed-window caches (cache.c): one access over one flat view.
 */
#ifndef MEMSPACE_ACCESS_INTERNAL_H
#define MEMSPACE_ACCESS_INTERNAL_H

#include "addrspace-internal.h"

#include <memspace/access.h>

/**
 * struct access_ctx - what one access needs besides the view
 * @as: the address space (its root decides memory versus I/O space and
 *	its hyp_ioeventfd_enabled flag software ioeventfd matching).
 * @attrs: the access attributes.
 * @is_write: direction.
 */
struct access_ctx {
	struct memspace_addrspace *as;
	struct memspace_attrs attrs;
	bool is_write;
};

/* Read or write @len bytes at @addr through @fv (held by the caller). */
enum memspace_access_result flatview_access(const struct memspace_flatview *fv,
					    const struct access_ctx *ctx,
					    uint64_t addr, uint8_t *buf,
					    uint64_t len);

#endif /* MEMSPACE_ACCESS_INTERNAL_H */
