/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host NUMA policy of a backend: mbind() over a node set, through libnuma
 * when memspace is built with it (meson -Dnuma), as QEMU's host memory
 * backends do.
 */
#include "config.h"

#include "backend-internal.h"

#if MEMSPACE_HAVE_NUMA
#include <numa.h>
#include <numaif.h>
#endif

#define BITS_PER_LONG (8 * sizeof(unsigned long))

int
backend_numa_check(enum memspace_numa_policy policy, const unsigned *nodes,
		   unsigned nr_nodes)
{
	if (nr_nodes && !nodes) {
		return -EINVAL;
	}
	switch (policy) {
	case MEMSPACE_NUMA_DEFAULT:
		return nr_nodes ? -EINVAL : 0;
	case MEMSPACE_NUMA_PREFERRED:
		if (nr_nodes != 1) {
			return -EINVAL;
		}
		break;
	case MEMSPACE_NUMA_BIND:
	case MEMSPACE_NUMA_INTERLEAVE:
		if (!nr_nodes) {
			return -EINVAL;
		}
		break;
	default:
		return -EINVAL;
	}
	for (unsigned i = 0; i < nr_nodes; i++) {
		if (nodes[i] >= MEMSPACE_BACKEND_MAX_NODES) {
			return -ENODEV;
		}
	}
#if MEMSPACE_HAVE_NUMA
	if (numa_available() < 0) {
		return -EOPNOTSUPP;
	}
	for (unsigned i = 0; i < nr_nodes; i++) {
		if ((int)nodes[i] > numa_max_node() ||
		    !numa_bitmask_isbitset(numa_all_nodes_ptr, nodes[i])) {
			return -ENODEV;
		}
	}
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

int
backend_numa_apply(const struct memspace_backend *be)
{
#if MEMSPACE_HAVE_NUMA
	unsigned long mask[MEMSPACE_BACKEND_MAX_NODES / BITS_PER_LONG] = { 0 };
	unsigned long maxnode = 0;
	int mode;

	if (be->numa_policy == MEMSPACE_NUMA_DEFAULT) {
		return 0;
	}
	for (unsigned i = 0; i < be->nr_nodes; i++) {
		unsigned n = be->nodes[i];

		mask[n / BITS_PER_LONG] |= 1ul << (n % BITS_PER_LONG);
		maxnode = n + 1 > maxnode ? n + 1 : maxnode;
	}
	mode = be->numa_policy == MEMSPACE_NUMA_BIND	  ? MPOL_BIND :
	       be->numa_policy == MEMSPACE_NUMA_PREFERRED ? MPOL_PREFERRED :
							    MPOL_INTERLEAVE;
	/* The kernel reads maxnode - 1 bits: pass one more (as QEMU does). */
	if (mbind(be->host, be->size, mode, mask, maxnode + 1,
		  MPOL_MF_STRICT | MPOL_MF_MOVE) < 0) {
		return -errno;
	}
	return 0;
#else
	return be->numa_policy == MEMSPACE_NUMA_DEFAULT ? 0 : -EOPNOTSUPP;
#endif
}

MEMSPACE_EXPORT const char *
memspace_numa_policy_name(enum memspace_numa_policy policy)
{
	switch (policy) {
	case MEMSPACE_NUMA_DEFAULT:
		return "default";
	case MEMSPACE_NUMA_BIND:
		return "bind";
	case MEMSPACE_NUMA_PREFERRED:
		return "preferred";
	case MEMSPACE_NUMA_INTERLEAVE:
		return "interleave";
	}
	return "?";
}
