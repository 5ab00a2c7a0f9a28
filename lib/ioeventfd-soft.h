/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software ioeventfds: on the write path of an address space whose
 * hypervisor does not match ioeventfds itself, a write matching one of the
 * region's ioeventfds signals the eventfd instead of reaching the device.
 */
#ifndef MEMSPACE_IOEVENTFD_SOFT_H
#define MEMSPACE_IOEVENTFD_SOFT_H

#include "region-internal.h"

struct flat_range;

/* Entries start at most this far before the first byte they cover. */
#define IOEVENTFD_SOFT_REACH 8

/*
 * If a write of @size bytes of @value (host order, as the guest wrote it)
 * at address @addr, which lies in range @fr, followed in the view by
 * the ranges up to @end (those starting within IOEVENTFD_SOFT_REACH bytes
 * of @addr, copied next to it by the caller), matches an ioeventfd of the address space's set (KVM's
 * rule: the entry's address is @addr, its size @size or any, its value
 * @value or any), signal it and return true.  The set is that of
 * listeners/ioeventfd-diff.c: the entries of every region whose range
 * intersects them, so the software path agrees with KVM.  Lock-free;
 * called inside the accessing thread's read-side section.
 */
bool ioeventfd_soft_match(const struct flat_range *fr,
			  const struct flat_range *end, uint64_t addr,
			  uint64_t value, unsigned size);

#endif /* MEMSPACE_IOEVENTFD_SOFT_H */
