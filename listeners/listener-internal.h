/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listener internals: the registry of a context, the per-address-space
 * listener list and ioeventfd set, callback delivery in priority order, and
 * the entry points of the commit path (report the published changes of one
 * commit) and of address-space destruction.
 *
 * Invariants: every list of listeners is sorted by (priority, registration
 * sequence); a listener is in its address space's list exactly when it is
 * in the registry; an address space's ioeventfd set exists exactly while it
 * has an eventfd-capable listener, and then equals what its published view
 * shows.
 */
#ifndef MEMSPACE_LISTENER_INTERNAL_H
#define MEMSPACE_LISTENER_INTERNAL_H

#include <memspace/listener.h>

#include "addrspace-internal.h"
#include "region-listen.h"

struct memspace_listener {
	struct memspace *ms;		/* referenced */
	struct memspace_addrspace *as;	/* NULL once detached */
	const struct memspace_listener_ops *ops;
	void *opaque;
	int priority;
	uint64_t seq;			/* registration order */
	char *name;
	int error;			/* first error while out of sync */
	bool in_update;			/* in the update delivered */
	guint queue_seen;		/* queued events it already has */
};

struct listener_registry {
	GPtrArray *listeners;		/* all registered, sorted */
	uint64_t next_seq;
	GArray *queue;			/* struct queued_event, or NULL */
};

/* One element of an address space's ioeventfd set. */
struct as_ioeventfd {
	struct memspace_ioeventfd e;	/* e.fd is efd->fd */
	struct ioeventfd_fd *efd;	/* referenced */
	struct memspace_region *mr;	/* referenced */
	uint64_t offset;		/* of e.addr in @mr */
	uint8_t flags;			/* range_flags of its range */
	uint8_t dirty_log_mask;
};

struct as_listeners {
	GPtrArray *listeners;		/* sorted */
	unsigned nr_eventfd;		/* eventfd-capable listeners */
	GArray *ioeventfds;		/* as_ioeventfd, or NULL */
};

struct listener_registry *listener_registry_new(void);
void listener_registry_free(struct listener_registry *reg);

/* The listeners of @as (NULL or empty when it has none). */
static inline GPtrArray *
addrspace_listeners(const struct memspace_addrspace *as)
{
	return as->lst ? as->lst->listeners : NULL;
}

/* Which callback a delivery is for. */
enum listener_cb {
	LCB_BEGIN,
	LCB_COMMIT,
	LCB_REGION_ADD,
	LCB_REGION_DEL,
	LCB_REGION_NOP,
	LCB_LOG_START,
	LCB_LOG_STOP,
	LCB_LOG_SYNC,
	LCB_LOG_GLOBAL_START,
	LCB_LOG_GLOBAL_STOP,
	LCB_EVENTFD_ADD,
	LCB_EVENTFD_DEL,
	LCB_COALESCED_ADD,
	LCB_COALESCED_DEL,
};

/* One callback with its arguments. */
struct listener_event {
	enum listener_cb cb;
	const struct memspace_section *sec;
	unsigned old_mask;
	unsigned new_mask;
	const struct memspace_ioeventfd *e;
};

/* Whether @l implements @cb. */
bool listener_has(const struct memspace_listener *l, enum listener_cb cb);

/* Whether @cb is delivered in descending priority. */
bool listener_cb_descending(enum listener_cb cb);

/* Call @ev on @l alone; the raw result, nothing recorded. */
int listener_call_raw(struct memspace_listener *l,
		      const struct listener_event *ev);

/*
 * Call @ev on @l and record a failure: @l goes out of sync and *@first
 * (when not NULL) keeps the first error of the update.
 */
void listener_call(struct memspace_listener *l,
		   const struct listener_event *ev, int *first);

/* Call @ev on every listener of @ls in @ev's direction. */
void listeners_call(GPtrArray *ls, const struct listener_event *ev,
		    int *first);

/* Call @cb on every listener of @ls whose in_update is set. */
void listeners_call_marked(GPtrArray *ls, enum listener_cb cb, int *first);

/*
 * Mark the listeners of @ls (those implementing *@need, or all if @need is
 * NULL) as part of the update being delivered: they get its begin and
 * commit.  listeners_call_marked() with LCB_COMMIT clears the marks.
 */
void listeners_mark(GPtrArray *ls, const enum listener_cb *need);

/*
 * listeners_deliver() - run @send, which calls listeners and records the
 * first failure in *@first, with ms->in_callback set.  The only place that
 * sets that flag (listeners/deliver.c describes the protocol and order).
 * Return: the first failure, or 0.
 */
int listeners_deliver(struct memspace *ms,
		      void (*send)(void *arg, int *first), void *arg);

/* Where an event goes: @one alone, or else every listener of @ls. */
struct listener_target {
	GPtrArray *ls;
	struct memspace_listener *one;
};

/*
 * range_report() - the events of one range entering (@adding) or leaving
 * a listener's view, written once for the topology diff and the replays.
 * Entering: region_add, coalesced_io_add per part, then (@with_log and the
 * range is logged) log_start.  Leaving: the mirror image, log_stop,
 * coalesced_io_del per part, region_del.  The diff passes @with_log false
 * (a range's mask travels with region_add; changes come with region_nop),
 * replays pass true, as QEMU's listener_add_address_space() does.
 */
void range_report(const struct listener_target *t,
		  const struct flat_range *fr, bool adding, bool with_log,
		  int *first);

/*
 * An event a mutation queued for the next commit: a coalesced part of a
 * section of @as's published view (@as set), or a global dirty-logging
 * start or stop (@as NULL).  @dead: @as went away before the commit.
 */
struct queued_event {
	struct memspace_addrspace *as;
	enum listener_cb cb;
	struct memspace_section sec;
	bool dead;
};

void listener_queue_section(struct memspace_addrspace *as,
			    enum listener_cb cb,
			    const struct memspace_section *sec);
void listener_queue_global(struct memspace *ms, enum listener_cb cb);
bool listener_queue_pending(const struct memspace *ms);
void listener_queue_forget_addrspace(struct memspace_addrspace *as);
/* Whether queue entry @qe (at @idx) is for @l and not yet seen by it. */
bool queued_for(const struct memspace_listener *l,
		const struct queued_event *qe, guint idx);
/* The net queued global event for @l: START, STOP, or LCB_BEGIN (none). */
enum listener_cb listener_queued_global(const struct memspace_listener *l);
/* Give @l alone what is queued for it (before it leaves or resyncs). */
void listener_flush_queued(struct memspace_listener *l, int *first);
/* After a commit delivered the queue: empty it. */
void listener_queue_clear(struct memspace *ms);

/*
 * The update one commit reports: views of address spaces that changed
 * (already published), ioeventfd sets to rebuild, and the queued events.
 * Delivery (through listeners_deliver(), in the order listeners/deliver.c
 * gives) empties the queue and clears ms->ioeventfd_pending.
 */
struct listener_update;
struct listener_update *listener_update_new(struct memspace *ms);
void listener_update_add_view(struct listener_update *up,
			      struct memspace_addrspace *as,
			      struct memspace_flatview *old_fv);
/* Deliver and free @up.  Return: 0, or -EREMOTEIO (a listener failed). */
int listener_update_run(struct listener_update *up);

/* Unregister (with the removal replay) every listener of @as. */
void listeners_detach_addrspace(struct memspace_addrspace *as);

/*
 * topology_diff() - report @as going from @old_fv to @new_fv to the
 * listeners of @as: the delete pass, then the add/nop pass.
 */
void topology_diff(struct memspace_addrspace *as,
		   const struct memspace_flatview *old_fv,
		   const struct memspace_flatview *new_fv, int *first);

/*
 * Call @fn for each coalesced part of @fr's region (or only for @only, if
 * not NULL) that intersects @fr, with the section clipped to the part.
 * Every part is visited (QEMU's replay stops at the first part outside the
 * range).
 */
void coalesced_for_each_part(const struct flat_range *fr,
			     const struct coalesced_part *only,
			     void (*fn)(void *arg,
					const struct memspace_section *sec),
			     void *arg);

/* The sorted ioeventfd set @fv shows (struct as_ioeventfd). */
GArray *ioeventfd_set_build(const struct memspace_flatview *fv);
void ioeventfd_set_free(GArray *set);
bool ioeventfd_set_equal(const GArray *a, const GArray *b);
/* The section an entry is reported with. */
void ioeventfd_section(const struct as_ioeventfd *ae,
		       struct memspace_section *sec);
/* Report old -> new to @ls: every eventfd_del, then every eventfd_add. */
void ioeventfd_set_diff(GPtrArray *ls, const GArray *old_set,
			const GArray *new_set, int *first);

#endif /* MEMSPACE_LISTENER_INTERNAL_H */
