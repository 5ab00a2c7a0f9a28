/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The listener registry.  Listeners are registered through the listener
 * API; the commit path reports each published change here.
 */
#include "config.h"

#include "listener-internal.h"

struct listener_registry *
listener_registry_new(void)
{
	struct listener_registry *reg = g_new0(struct listener_registry, 1);

	reg->listeners = g_ptr_array_new();
	return reg;
}

void
listener_registry_free(struct listener_registry *reg)
{
	assert(reg->listeners->len == 0);
	g_ptr_array_free(reg->listeners, TRUE);
	g_free(reg);
}

int
listeners_notify_begin(struct memspace *ms)
{
	(void)ms;
	return 0;
}

int
listeners_notify_topology(struct memspace_addrspace *as,
			  struct memspace_flatview *old_fv,
			  struct memspace_flatview *new_fv)
{
	(void)as;
	(void)old_fv;
	(void)new_fv;
	return 0;
}

int
listeners_notify_commit(struct memspace *ms)
{
	(void)ms;
	return 0;
}
