/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct memspace_backend, shared by lib/backend.c (creation), the NUMA
 * policy (lib/backend-numa.c) and preallocation (lib/prealloc.c).
 */
#ifndef MEMSPACE_BACKEND_INTERNAL_H
#define MEMSPACE_BACKEND_INTERNAL_H

#include "memspace-private.h"

struct memspace_backend {
	gint refcount;
	enum memspace_backend_source source;
	uint8_t *host;
	uint64_t size;
	uint64_t page_size;
	int fd; /* -1 for anonymous memory */
	uint64_t offset; /* fd offset of host[0] */
	bool shared;
	bool readonly;
	enum memspace_numa_policy numa_policy;
	unsigned *nodes; /* ascending */
	unsigned nr_nodes;
};

/* Check a policy and its nodes against the host (lib/backend-numa.c). */
int backend_numa_check(enum memspace_numa_policy policy, const unsigned *nodes,
		       unsigned nr_nodes);

/* Apply the policy of @be to its whole mapping. */
int backend_numa_apply(const struct memspace_backend *be);

#endif /* MEMSPACE_BACKEND_INTERNAL_H */
