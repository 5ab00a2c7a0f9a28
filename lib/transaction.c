/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nestable transactions.  A transaction holds the updater lock from its
 * begin to its outermost commit; the outermost commit renders and publishes.
 */
#include "memspace-private.h"

MEMSPACE_EXPORT int
memspace_transaction_begin(struct memspace *ms)
{
	if (!ms) {
		return -EINVAL;
	}
	/* The lock taken here is released by the matching commit. */
	return updater_enter(ms);
}

MEMSPACE_EXPORT int
memspace_transaction_commit(struct memspace *ms)
{
	int ret;

	if (!ms) {
		return -EINVAL;
	}
	updater_lock(ms);
	if (ms->in_callback) {
		updater_unlock(ms);
		return -EDEADLK;
	}
	if (ms->depth == 0) {
		updater_unlock(ms);
		return -EPERM;
	}
	/* Release the lock taken by begin; updater_commit() drops ours. */
	updater_unlock(ms);
	ret = updater_commit(ms, 0);
	return ret;
}

MEMSPACE_EXPORT unsigned
memspace_transaction_depth(struct memspace *ms)
{
	unsigned depth;

	if (!ms) {
		return 0;
	}
	updater_lock(ms);
	depth = ms->depth;
	updater_unlock(ms);
	return depth;
}
