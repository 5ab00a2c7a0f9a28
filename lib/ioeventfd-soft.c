/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Software ioeventfd matching on the write path (see ioeventfd-soft.h). */
#include "config.h"

#include <unistd.h>

#include "ioeventfd-soft.h"
#include "region-listen.h"

bool
ioeventfd_soft_match(const struct memspace_region *mr, uint64_t offset,
		     uint64_t value, unsigned size)
{
	/* The descriptor stays open until a grace period after its entry
	 * left the region's array; we are inside a read-side section. */
	int fd = ioeventfd_match_rcu(mr, offset, size, value);
	uint64_t one = 1;

	if (fd < 0) {
		return false;
	}
	/* An eventfd counter saturating (EAGAIN) still means "signalled". */
	(void)write(fd, &one, sizeof(one));
	return true;
}
