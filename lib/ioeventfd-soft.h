/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software ioeventfds: on the write path of an address space whose
 * hypervisor does not match ioeventfds itself, a write matching one of the
 * region's ioeventfds signals the eventfd instead of reaching the device.
 */
#ifndef MEMSPACE_IOEVENTFD_SOFT_H
#define MEMSPACE_IOEVENTFD_SOFT_H

#include "region-internal.h"

/*
 * If a write of @size bytes of @value (host order, as the guest wrote it)
 * at @offset of @mr matches one of @mr's ioeventfds, signal it and return
 * true.  Lock-free; called inside the accessing thread's read-side section.
 */
bool ioeventfd_soft_match(const struct memspace_region *mr, uint64_t offset,
			  uint64_t value, unsigned size);

#endif /* MEMSPACE_IOEVENTFD_SOFT_H */
