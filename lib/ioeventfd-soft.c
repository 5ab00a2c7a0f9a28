/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software ioeventfd matching on the write path (see ioeventfd-soft.h):
 * what KVM does in the kernel, done by memspace when the hypervisor does
 * not (StratoVirt's and QEMU's TCG behaviour).
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "flatview-internal.h"
#include "ioeventfd-soft.h"
#include "region-listen.h"

/*
 * The descriptor of an entry of @g's region whose first byte sits at
 * region offset @off, that intersects @g's part of the region from offset
 * @lo, and that a write of @size bytes of @value matches; or -1.
 */
static int
range_match(const struct flat_range *g, uint64_t off, uint64_t lo,
	    unsigned size, uint64_t value)
{
	const struct region_ioeventfds *evs = rcu_dereference(g->mr->ioeventfds);

	for (size_t i = 0; evs && i < evs->nr && evs->e[i].addr <= off; i++) {
		const struct region_ioeventfd *e = &evs->e[i];

		if (e->addr != off ||
		    e->addr + (e->size ? e->size - 1 : 0) < lo) {
			continue;
		}
		if (e->size == 0 ||
		    (e->size == size && (!e->match_data || e->data == value))) {
			return e->efd->fd;
		}
	}
	return -1;
}

bool
ioeventfd_soft_match(const struct flat_range *fr,
		     const struct flat_range *end, uint64_t addr,
		     uint64_t value, unsigned size)
{
	int fd = range_match(fr, fr->offset + (addr - fr->start), fr->offset,
			     size, value);
	uint64_t one = 1;
	ssize_t n;

	/* Entries at @addr of regions shown just above it, which the
	 * write's first bytes reach into (QEMU keeps them registered). */
	for (const struct flat_range *g = fr + 1;
	     fd < 0 && g < end && g->start - addr < IOEVENTFD_SOFT_REACH &&
	     g->start > addr;
	     g++) {
		if (g->start - addr <= g->offset) {
			fd = range_match(g, g->offset - (g->start - addr),
					 g->offset, size, value);
		}
	}
	if (fd < 0) {
		return false;
	}
	/* An eventfd counter at its maximum fails with EAGAIN (non-blocking)
	 * and is already signalled: the guest write is delivered either way. */
	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	return true;
}
