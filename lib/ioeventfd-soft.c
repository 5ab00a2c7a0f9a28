/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software ioeventfd matching on the write path (see ioeventfd-soft.h):
 * what KVM does in the kernel, done by memspace when the hypervisor does
 * not (StratoVirt's and QEMU's TCG behaviour).
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "ioeventfd-soft.h"
#include "region-listen.h"

bool
ioeventfd_soft_match(const struct memspace_region *mr, uint64_t offset,
		     uint64_t value, unsigned size)
{
	int fd = ioeventfd_match_rcu(mr, offset, size, value);
	uint64_t one = 1;
	ssize_t n;

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
