/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The listener registry of a context and the hooks the commit path calls:
 * begin before the first change is reported, one topology diff per address
 * space whose view changed (after the new view is published), commit last.
 */
#ifndef MEMSPACE_LISTENER_INTERNAL_H
#define MEMSPACE_LISTENER_INTERNAL_H

#include "addrspace-internal.h"

struct listener_registry {
	/* Registered listeners, ordered by priority, then registration. */
	GPtrArray *listeners;
};

struct listener_registry *listener_registry_new(void);
void listener_registry_free(struct listener_registry *reg);

/* Start of a reported update: every listener's begin, ascending priority. */
int listeners_notify_begin(struct memspace *ms);
/* @as now shows @new_fv instead of @old_fv (both non-NULL, pinned). */
int listeners_notify_topology(struct memspace_addrspace *as,
			      struct memspace_flatview *old_fv,
			      struct memspace_flatview *new_fv);
/* End of a reported update: every listener's commit, ascending priority. */
int listeners_notify_commit(struct memspace *ms);

#endif /* MEMSPACE_LISTENER_INTERNAL_H */
