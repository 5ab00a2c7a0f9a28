/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-region state that listeners are told about: ioeventfd records
 * (with the descriptors memspace owns), coalesced parts, and the dirty-log
 * mask and bitmaps.
 *
 * Invariants: a region's ioeventfd array is immutable once published (the
 * updater replaces it with rcu_assign_pointer() and frees the old one after
 * a grace period) and sorted by ioeventfd_key_cmp(); an owned descriptor
 * is closed one grace period after its last reference goes; a dirty bitmap,
 * once published, lives as long as its region.
 */
#ifndef MEMSPACE_REGION_LISTEN_H
#define MEMSPACE_REGION_LISTEN_H

#include <memspace/listener.h>

#include "region-internal.h"
#include "rcu.h"

/* A descriptor memspace duplicated and owns, shared by set entries. */
struct ioeventfd_fd {
	struct rcu_head rcu;
	gint refcount;
	int fd;
};

struct ioeventfd_fd *ioeventfd_fd_ref(struct ioeventfd_fd *efd);
/* The last reference closes the descriptor after a grace period. */
void ioeventfd_fd_unref(struct ioeventfd_fd *efd);

/* One ioeventfd of a region; @addr is an offset in the region. */
struct region_ioeventfd {
	uint64_t addr;
	uint64_t size;		/* 0: any size */
	bool match_data;
	uint64_t data;		/* 0 unless @match_data */
	int user_fd;		/* the caller's number, for deletion */
	struct ioeventfd_fd *efd;	/* one reference */
};

struct region_ioeventfds {
	struct rcu_head rcu;
	size_t nr;
	struct region_ioeventfd e[];
};

/*
 * Order of ioeventfds in a region and in an address space set: address,
 * size, match_data (false first), data, then the owned descriptor.
 */
static inline int
ioeventfd_key_cmp(uint64_t a_addr, uint64_t a_size, bool a_match,
		  uint64_t a_data, int a_fd, uint64_t b_addr, uint64_t b_size,
		  bool b_match, uint64_t b_data, int b_fd)
{
	if (a_addr != b_addr) {
		return a_addr < b_addr ? -1 : 1;
	}
	if (a_size != b_size) {
		return a_size < b_size ? -1 : 1;
	}
	if (a_match != b_match) {
		return a_match ? 1 : -1;
	}
	if (a_data != b_data) {
		return a_data < b_data ? -1 : 1;
	}
	return (a_fd > b_fd) - (a_fd < b_fd);
}

/*
 * ioeventfd_match_rcu() - software ioeventfd matching for the write path
 * of an address space whose hypervisor does not match them: the owned
 * descriptor to signal for a write of @size bytes of @data at @addr of
 * @mr, or -1.
 * Context: RCU reader.
 */
int ioeventfd_match_rcu(const struct memspace_region *mr, uint64_t addr,
			unsigned size, uint64_t data);

/* A coalesced part of a region (region offsets, inclusive). */
struct coalesced_part {
	uint64_t start;
	uint64_t last;
};

/* Number of dirty-log clients (enum memspace_dirty_client bits). */
#define DIRTY_CLIENTS 3

/* Index of a single client bit, or -1 if @client is not exactly one. */
static inline int
dirty_client_index(unsigned client)
{
	if (client == 0 || (client & (client - 1)) ||
	    client >= 1u << DIRTY_CLIENTS) {
		return -1;
	}
	return __builtin_ctz(client);
}

/*
 * dirty_log_update_mask() - recompute @mr's dirty-log mask from its
 * set_log() counts and global logging, marking @mr dirty if it changed.
 * Context: updater, inside updater_enter().
 */
void dirty_log_update_mask(struct memspace_region *mr);

/* Recompute every host-memory region's mask after global logging flipped. */
void dirty_log_update_all_masks(struct memspace *ms);

/* Set the mask of a region that is in no view yet.  Context: updater. */
void dirty_log_init_mask(struct memspace_region *mr);

/* The host page size, the granule of dirty bitmaps. */
uint64_t dirty_page_size(void);

#endif /* MEMSPACE_REGION_LISTEN_H */
