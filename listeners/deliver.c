/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one delivery protocol: every callback reaches a listener through
 * listeners_deliver(), which alone sets ms->in_callback (so a mutator
 * called from a callback fails with -EDEADLK); the events one range sends
 * are written once, in range_report(); and events that a mutation inside an
 * open transaction causes (coalesced parts, global dirty logging) are
 * queued here and delivered by the commit that reports the transaction's
 * topology, in this order:
 *
 *	log_global_start   (queued; ascending priority, before begin)
 *	begin
 *	coalesced_io_add/del (queued; computed against the published view)
 *	topology diffs      (topology_diff(): region_del..., then add/nop)
 *	ioeventfd diffs     (ioeventfd_set_diff())
 *	commit
 *	log_global_stop    (queued; descending priority, after commit)
 *
 * which is also the order of the same calls made outside a transaction.
 * Each listener keeps how much of the queue it has already seen: a listener
 * registered inside the transaction got the current state from its replay,
 * and one that leaves (unregistration, resync, address-space destruction)
 * gets what is queued for it first, so its removal replay undoes exactly
 * what it was told.  Queued global events alternate start/stop; a listener
 * gets only the net one.
 */
#include "config.h"

#include "listener-internal.h"

int
listeners_deliver(struct memspace *ms, void (*send)(void *arg, int *first),
		  void *arg)
{
	int first = 0;

	assert(!ms->in_callback);
	ms->in_callback = true;
	send(arg, &first);
	ms->in_callback = false;
	return first;
}

static void
listener_target_call(const struct listener_target *t,
		     const struct listener_event *ev, int *first)
{
	if (t->one) {
		listener_call(t->one, ev, first);
	} else {
		listeners_call(t->ls, ev, first);
	}
}

struct part_call {
	const struct listener_target *t;
	enum listener_cb cb;
	int *first;
};

static void
part_call(void *arg, const struct memspace_section *sec)
{
	struct part_call *pc = arg;

	listener_target_call(pc->t, &(struct listener_event){
		.cb = pc->cb, .sec = sec }, pc->first);
}

void
range_report(const struct listener_target *t, const struct flat_range *fr,
	     bool adding, bool with_log, int *first)
{
	struct part_call pc = { t, LCB_COALESCED_DEL, first };
	unsigned mask = with_log ? fr->dirty_log_mask : 0;
	struct memspace_section sec;

	flat_range_to_section(fr, &sec);
	if (adding) {
		pc.cb = LCB_COALESCED_ADD;
		listener_target_call(t, &(struct listener_event){
			.cb = LCB_REGION_ADD, .sec = &sec }, first);
		coalesced_for_each_part(fr, NULL, part_call, &pc);
		if (mask) {
			listener_target_call(t, &(struct listener_event){
				LCB_LOG_START, &sec, 0, mask }, first);
		}
		return;
	}
	if (mask) {
		listener_target_call(t, &(struct listener_event){
			LCB_LOG_STOP, &sec, mask, 0 }, first);
	}
	coalesced_for_each_part(fr, NULL, part_call, &pc);
	listener_target_call(t, &(struct listener_event){
		.cb = LCB_REGION_DEL, .sec = &sec }, first);
}

/* The queue of a context (in its listener registry). */
static GArray *
queue_of(struct memspace *ms)
{
	struct listener_registry *reg = ms->listeners;

	if (!reg->queue) {
		reg->queue = g_array_new(FALSE, FALSE,
					 sizeof(struct queued_event));
	}
	return reg->queue;
}

void
listener_queue_section(struct memspace_addrspace *as, enum listener_cb cb,
		       const struct memspace_section *sec)
{
	struct queued_event qe = { .as = as, .cb = cb, .sec = *sec };

	g_array_append_val(queue_of(as->ms), qe);
}

void
listener_queue_global(struct memspace *ms, enum listener_cb cb)
{
	struct queued_event qe = { .cb = cb };

	g_array_append_val(queue_of(ms), qe);
}

bool
listener_queue_pending(const struct memspace *ms)
{
	return ms->listeners->queue && ms->listeners->queue->len;
}

void
listener_queue_forget_addrspace(struct memspace_addrspace *as)
{
	GArray *q = as->ms->listeners->queue;

	for (guint i = 0; q && i < q->len; i++) {
		struct queued_event *qe = &g_array_index(q, struct queued_event,
							 i);

		if (qe->as == as) {
			qe->dead = true;
		}
	}
}

bool
queued_for(const struct memspace_listener *l, const struct queued_event *qe,
	   guint idx)
{
	return idx >= l->queue_seen && !qe->dead &&
	       (qe->as ? qe->as == l->as && listener_has(l, qe->cb) : true);
}

enum listener_cb
listener_queued_global(const struct memspace_listener *l)
{
	GArray *q = l->ms->listeners->queue;
	enum listener_cb net = LCB_BEGIN;
	bool odd = false;

	for (guint i = 0; q && i < q->len; i++) {
		struct queued_event *qe = &g_array_index(q, struct queued_event,
							 i);

		if (!qe->as && queued_for(l, qe, i)) {
			odd = !odd;
			net = qe->cb;
		}
	}
	return odd ? net : LCB_BEGIN;
}

/* The queued coalesced events of @l's address space, to @l alone. */
static void
flush_sections(struct memspace_listener *l, int *first)
{
	GArray *q = l->ms->listeners->queue;

	for (guint i = 0; i < q->len; i++) {
		struct queued_event *qe = &g_array_index(q, struct queued_event,
							 i);
		struct listener_event ev = { .cb = qe->cb, .sec = &qe->sec };

		if (qe->as && queued_for(l, qe, i)) {
			listener_call(l, &ev, first);
		}
	}
}

void
listener_flush_queued(struct memspace_listener *l, int *first)
{
	GArray *q = l->ms->listeners->queue;
	enum listener_cb global = listener_queued_global(l);

	if (!q) {
		return;
	}
	if (global == LCB_LOG_GLOBAL_START) {
		listener_call(l, &(struct listener_event){ .cb = global },
			      first);
	}
	flush_sections(l, first);
	if (global == LCB_LOG_GLOBAL_STOP) {
		listener_call(l, &(struct listener_event){ .cb = global },
			      first);
	}
	l->queue_seen = q->len;
}

void
listener_queue_clear(struct memspace *ms)
{
	struct listener_registry *reg = ms->listeners;

	for (guint i = 0; i < reg->listeners->len; i++) {
		((struct memspace_listener *)reg->listeners->pdata[i])
			->queue_seen = 0;
	}
	if (reg->queue) {
		g_array_set_size(reg->queue, 0);
	}
}
