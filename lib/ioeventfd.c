/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-region ioeventfd records: registration, removal, and the descriptors
 * memspace duplicates so that a caller closing its eventfd early cannot
 * break the commit that removes it.
 *
 * A region's records form an immutable sorted array replaced under the
 * updater lock with rcu_assign_pointer(), so the software write path can
 * match against it lock-free.  Changing records only flags the context
 * (ioeventfd_pending); the next commit rebuilds the address-space sets
 * without re-rendering any view.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "region-listen.h"

struct ioeventfd_fd *
ioeventfd_fd_ref(struct ioeventfd_fd *efd)
{
	g_atomic_int_inc(&efd->refcount);
	return efd;
}

static void
efd_close_rcu(struct rcu_head *head)
{
	struct ioeventfd_fd *efd = caa_container_of(head, struct ioeventfd_fd,
						    rcu);

	(void)close(efd->fd);
	g_free(efd);
}

void
ioeventfd_fd_unref(struct ioeventfd_fd *efd)
{
	/* A software-path reader may still be about to write to it. */
	if (efd && g_atomic_int_dec_and_test(&efd->refcount)) {
		ms_call_rcu(&efd->rcu, efd_close_rcu);
	}
}

static size_t
evs_size(size_t nr)
{
	return sizeof(struct region_ioeventfds) +
	       nr * sizeof(struct region_ioeventfd);
}

static void
evs_free_rcu(struct rcu_head *head)
{
	g_free(caa_container_of(head, struct region_ioeventfds, rcu));
}

/* Replace @mr's array; the old one goes after a grace period. */
static void
evs_publish(struct memspace_region *mr, struct region_ioeventfds *evs)
{
	struct region_ioeventfds *old = mr->ioeventfds;

	rcu_assign_pointer(mr->ioeventfds, evs);
	if (old) {
		ms_call_rcu(&old->rcu, evs_free_rcu);
	}
	mr->ms->ioeventfd_pending = true;
}

static int
entry_cmp(const struct region_ioeventfd *a, const struct region_ioeventfd *b)
{
	return ioeventfd_key_cmp(a->addr, a->size, a->match_data, a->data,
				 a->efd->fd, b->addr, b->size, b->match_data,
				 b->data, b->efd->fd);
}

static struct region_ioeventfds *
evs_insert(const struct region_ioeventfds *old,
	   const struct region_ioeventfd *ne)
{
	size_t n = old ? old->nr : 0, pos = 0;
	struct region_ioeventfds *evs = g_malloc0(evs_size(n + 1));

	while (pos < n && entry_cmp(&old->e[pos], ne) < 0) {
		pos++;
	}
	evs->nr = n + 1;
	if (pos) {
		memcpy(evs->e, old->e, pos * sizeof(evs->e[0]));
	}
	evs->e[pos] = *ne;
	if (n > pos) {
		memcpy(&evs->e[pos + 1], &old->e[pos],
		       (n - pos) * sizeof(evs->e[0]));
	}
	return evs;
}

static struct region_ioeventfds *
evs_remove(const struct region_ioeventfds *old, size_t idx)
{
	struct region_ioeventfds *evs;

	if (old->nr == 1) {
		return NULL;
	}
	evs = g_malloc0(evs_size(old->nr - 1));
	evs->nr = old->nr - 1;
	memcpy(evs->e, old->e, idx * sizeof(evs->e[0]));
	memcpy(&evs->e[idx], &old->e[idx + 1],
	       (old->nr - idx - 1) * sizeof(evs->e[0]));
	return evs;
}

/* Index of the entry the caller registered with these values, or -1. */
static ssize_t
evs_find(const struct region_ioeventfds *evs, uint64_t addr, uint64_t size,
	 bool match_data, uint64_t data, int fd)
{
	for (size_t i = 0; evs && i < evs->nr; i++) {
		const struct region_ioeventfd *e = &evs->e[i];

		if (e->addr == addr && e->size == size &&
		    e->match_data == match_data && e->data == data &&
		    e->user_fd == fd) {
			return (ssize_t)i;
		}
	}
	return -1;
}

static int
check_args(const struct memspace_region *mr, uint64_t addr, uint64_t size,
	   bool match_data)
{
	if (size != 0 && size != 1 && size != 2 && size != 4 && size != 8) {
		return -EINVAL;
	}
	if (match_data && size == 0) {
		return -EINVAL;
	}
	if (mr->kind != MEMSPACE_REGION_IO &&
	    mr->kind != MEMSPACE_REGION_ROM_DEVICE) {
		return -ENOTTY;
	}
	if ((u128)addr + (size ? size : 1) > mr->size) {
		return -ERANGE;
	}
	return 0;
}

/* Validate, duplicate @fd and insert; 0 or a negative errno. */
static int
add_locked(struct memspace_region *mr, uint64_t addr, uint64_t size,
	   bool match_data, uint64_t data, int fd)
{
	struct region_ioeventfd ne;
	int ret = check_args(mr, addr, size, match_data);
	int dup;

	if (ret < 0) {
		return ret;
	}
	if (evs_find(mr->ioeventfds, addr, size, match_data, data, fd) >= 0) {
		return -EEXIST;
	}
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		return -errno;
	}
	ne = (struct region_ioeventfd){
		.addr = addr, .size = size, .match_data = match_data,
		.data = data, .user_fd = fd,
		.efd = g_new0(struct ioeventfd_fd, 1),
	};
	ne.efd->refcount = 1;
	ne.efd->fd = dup;
	evs_publish(mr, evs_insert(mr->ioeventfds, &ne));
	return 0;
}

MEMSPACE_EXPORT int
memspace_region_add_eventfd(struct memspace_region *mr, uint64_t addr,
			    uint64_t size, bool match_data, uint64_t data,
			    int fd)
{
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	ret = add_locked(mr, addr, size, match_data, match_data ? data : 0, fd);
	return updater_commit(mr->ms, ret);
}

MEMSPACE_EXPORT int
memspace_region_del_eventfd(struct memspace_region *mr, uint64_t addr,
			    uint64_t size, bool match_data, uint64_t data,
			    int fd)
{
	struct ioeventfd_fd *efd;
	ssize_t idx;
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	idx = evs_find(mr->ioeventfds, addr, size, match_data,
		       match_data ? data : 0, fd);
	if (idx < 0) {
		return updater_commit(mr->ms, -ENOENT);
	}
	efd = mr->ioeventfds->e[idx].efd;
	evs_publish(mr, evs_remove(mr->ioeventfds, (size_t)idx));
	/* Address-space sets still holding it keep it open until the
	 * commit has reported eventfd_del. */
	ioeventfd_fd_unref(efd);
	return updater_commit(mr->ms, 0);
}

int
ioeventfd_match_rcu(const struct memspace_region *mr, uint64_t addr,
		    unsigned size, uint64_t data)
{
	const struct region_ioeventfds *evs = rcu_dereference(mr->ioeventfds);

	for (size_t i = 0; evs && i < evs->nr && evs->e[i].addr <= addr; i++) {
		const struct region_ioeventfd *e = &evs->e[i];

		if (e->addr != addr) {
			continue;
		}
		if (e->size == 0 ||
		    (e->size == size && (!e->match_data || e->data == data))) {
			return e->efd->fd;
		}
	}
	return -1;
}
