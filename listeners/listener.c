/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listener registration and the calls to one listener: the registry of a
 * context, the sorted per-address-space lists, the priority-direction rule,
 * calling one callback and recording its failure, and the replays on
 * registration, unregistration and resync.  The delivery protocol and its
 * order are in deliver.c; one commit's update is sent by update.c.
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
	if (reg->queue) {
		g_array_free(reg->queue, TRUE);
	}
	g_free(reg);
}

bool
listener_has(const struct memspace_listener *l, enum listener_cb cb)
{
	const struct memspace_listener_ops *o = l->ops;

	switch (cb) {
	case LCB_BEGIN:
		return o->begin;
	case LCB_COMMIT:
		return o->commit;
	case LCB_REGION_ADD:
		return o->region_add;
	case LCB_REGION_DEL:
		return o->region_del;
	case LCB_REGION_NOP:
		return o->region_nop;
	case LCB_LOG_START:
		return o->log_start;
	case LCB_LOG_STOP:
		return o->log_stop;
	case LCB_LOG_SYNC:
		return o->log_sync;
	case LCB_LOG_GLOBAL_START:
		return o->log_global_start;
	case LCB_LOG_GLOBAL_STOP:
		return o->log_global_stop;
	case LCB_EVENTFD_ADD:
		return o->eventfd_add;
	case LCB_EVENTFD_DEL:
		return o->eventfd_del;
	case LCB_COALESCED_ADD:
		return o->coalesced_io_add;
	case LCB_COALESCED_DEL:
		return o->coalesced_io_del;
	}
	return false;
}

bool
listener_cb_descending(enum listener_cb cb)
{
	return cb == LCB_REGION_DEL || cb == LCB_LOG_STOP ||
	       cb == LCB_LOG_GLOBAL_STOP || cb == LCB_EVENTFD_DEL ||
	       cb == LCB_COALESCED_DEL;
}

int
listener_call_raw(struct memspace_listener *l, const struct listener_event *ev)
{
	const struct memspace_listener_ops *o = l->ops;
	void *p = l->opaque;

	if (!listener_has(l, ev->cb)) {
		return 0;
	}
	switch (ev->cb) {
	case LCB_BEGIN:
		return o->begin(p);
	case LCB_COMMIT:
		return o->commit(p);
	case LCB_REGION_ADD:
		return o->region_add(p, ev->sec);
	case LCB_REGION_DEL:
		return o->region_del(p, ev->sec);
	case LCB_REGION_NOP:
		return o->region_nop(p, ev->sec);
	case LCB_LOG_START:
		return o->log_start(p, ev->sec, ev->old_mask, ev->new_mask);
	case LCB_LOG_STOP:
		return o->log_stop(p, ev->sec, ev->old_mask, ev->new_mask);
	case LCB_LOG_SYNC:
		return o->log_sync(p, ev->sec);
	case LCB_LOG_GLOBAL_START:
		return o->log_global_start(p);
	case LCB_LOG_GLOBAL_STOP:
		return o->log_global_stop(p);
	case LCB_EVENTFD_ADD:
		return o->eventfd_add(p, ev->sec, ev->e);
	case LCB_EVENTFD_DEL:
		return o->eventfd_del(p, ev->sec, ev->e);
	case LCB_COALESCED_ADD:
		return o->coalesced_io_add(p, ev->sec);
	case LCB_COALESCED_DEL:
		return o->coalesced_io_del(p, ev->sec);
	}
	return 0;
}

void
listener_call(struct memspace_listener *l, const struct listener_event *ev,
	      int *first)
{
	int r = listener_call_raw(l, ev);

	if (r >= 0) {
		return;
	}
	if (!l->error) {
		l->error = r;
	}
	if (first && !*first) {
		*first = r;
	}
}

void
listeners_call(GPtrArray *ls, const struct listener_event *ev, int *first)
{
	if (!ls) {
		return;
	}
	if (listener_cb_descending(ev->cb)) {
		for (guint i = ls->len; i-- > 0;) {
			listener_call(ls->pdata[i], ev, first);
		}
	} else {
		for (guint i = 0; i < ls->len; i++) {
			listener_call(ls->pdata[i], ev, first);
		}
	}
}

void
listeners_call_marked(GPtrArray *ls, enum listener_cb cb, int *first)
{
	struct listener_event ev = { .cb = cb };

	for (guint i = 0; i < ls->len; i++) {
		struct memspace_listener *l = ls->pdata[i];

		if (l->in_update) {
			listener_call(l, &ev, first);
		}
		if (cb == LCB_COMMIT) {
			l->in_update = false;
		}
	}
}

void
listeners_mark(GPtrArray *ls, const enum listener_cb *need)
{
	for (guint i = 0; ls && i < ls->len; i++) {
		struct memspace_listener *l = ls->pdata[i];

		if (!need || listener_has(l, *need)) {
			l->in_update = true;
		}
	}
}

/* Registration order: priority ascending, then registration sequence. */
static int
listener_order(const struct memspace_listener *a,
	       const struct memspace_listener *b)
{
	if (a->priority != b->priority) {
		return a->priority < b->priority ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
sorted_insert(GPtrArray *ls, struct memspace_listener *l)
{
	guint i = ls->len;

	while (i > 0 && listener_order(ls->pdata[i - 1], l) > 0) {
		i--;
	}
	g_ptr_array_insert(ls, (gint)i, l);
}

static bool
eventfd_capable(const struct memspace_listener *l)
{
	return l->ops->eventfd_add || l->ops->eventfd_del;
}

/* Put @l in the registry and its address space's list. */
static void
listener_link(struct memspace_listener *l)
{
	struct memspace_addrspace *as = l->as;
	struct as_listeners *al = as->lst;

	l->seq = l->ms->listeners->next_seq++;
	/* Its replay shows the current state: nothing queued concerns it. */
	l->queue_seen = l->ms->listeners->queue ? l->ms->listeners->queue->len
						: 0;
	sorted_insert(l->ms->listeners->listeners, l);
	if (!al) {
		al = as->lst = g_new0(struct as_listeners, 1);
		al->listeners = g_ptr_array_new();
	}
	sorted_insert(al->listeners, l);
	if (eventfd_capable(l) && al->nr_eventfd++ == 0) {
		al->ioeventfds = ioeventfd_set_build(as->current);
		al->set_serial = as->current->serial;
	}
}

static void
listener_unlink(struct memspace_listener *l)
{
	struct memspace_addrspace *as = l->as;
	struct as_listeners *al = as->lst;

	g_ptr_array_remove(l->ms->listeners->listeners, l);
	g_ptr_array_remove(al->listeners, l);
	if (eventfd_capable(l) && --al->nr_eventfd == 0) {
		ioeventfd_set_free(al->ioeventfds);
		al->ioeventfds = NULL;
	}
	if (al->listeners->len == 0) {
		g_ptr_array_free(al->listeners, TRUE);
		g_free(al);
		as->lst = NULL;
	}
	l->as = NULL;
}

static void
call(struct memspace_listener *l, enum listener_cb cb, int *first)
{
	listener_call(l, &(struct listener_event){ .cb = cb }, first);
}

/* Replay the ranges of the published view to @l alone. */
static void
replay_ranges(struct memspace_listener *l, bool adding, int *first)
{
	const struct memspace_flatview *fv = l->as->current;
	struct listener_target t = { .one = l };
	struct ft_cursor c;
	const struct flat_range *fr;

	flatview_for_each_range(fv, c, fr) {
		range_report(&t, fr, adding, true, first);
	}
}

/* Replay the ioeventfd set of @l's address space to @l alone. */
static void
replay_ioeventfds(struct memspace_listener *l, bool adding, int *first)
{
	const GArray *set = l->as->lst->ioeventfds;
	enum listener_cb cb = adding ? LCB_EVENTFD_ADD : LCB_EVENTFD_DEL;

	for (guint i = 0; set && i < set->len; i++) {
		const struct as_ioeventfd *ae =
			&g_array_index(set, struct as_ioeventfd, i);
		struct memspace_section sec;
		struct listener_event ev = {
			.cb = cb, .sec = &sec, .e = &ae->e
		};

		ioeventfd_section(ae, &sec);
		listener_call(l, &ev, first);
	}
}

/* How a replay goes: what it removes, what it adds, global logging. */
enum replay_kind {
	REPLAY_ADD,		/* registration */
	REPLAY_DEL,		/* unregistration */
	REPLAY_RESYNC,		/* removal then addition, no global calls */
};

/*
 * The replay itself.  A listener leaving or resyncing first gets what
 * mutations queued for it since the last commit, so that the removal
 * undoes exactly what it has been told.
 */
static void
replay_send(struct memspace_listener *l, enum replay_kind kind, int *first)
{
	bool global = l->ms->log_global && kind != REPLAY_RESYNC;

	call(l, LCB_BEGIN, first);
	if (kind != REPLAY_ADD) {
		listener_flush_queued(l, first);
	}
	if (kind == REPLAY_ADD && global) {
		call(l, LCB_LOG_GLOBAL_START, first);
	}
	if (kind != REPLAY_ADD) {
		replay_ranges(l, false, first);
		replay_ioeventfds(l, false, first);
	}
	if (kind != REPLAY_DEL) {
		replay_ranges(l, true, first);
		replay_ioeventfds(l, true, first);
	}
	if (kind == REPLAY_DEL && global) {
		call(l, LCB_LOG_GLOBAL_STOP, first);
	}
	call(l, LCB_COMMIT, first);
}

struct replay {
	struct memspace_listener *l;
	enum replay_kind kind;
};

static void
send_replay(void *arg, int *first)
{
	struct replay *r = arg;

	replay_send(r->l, r->kind, first);
}

/* A replay to @l alone, framed by begin and commit; the first error. */
static int
replay(struct memspace_listener *l, enum replay_kind kind)
{
	return listeners_deliver(l->ms, send_replay,
				 &(struct replay){ l, kind });
}

static void
listener_free(struct memspace_listener *l)
{
	struct memspace *ms = l->ms;

	g_free(l->name);
	g_free(l);
	memspace_unref_internal(ms);
}

MEMSPACE_EXPORT struct memspace_listener *
memspace_listener_register(struct memspace_addrspace *as,
			   const struct memspace_listener_ops *ops,
			   void *opaque, int priority, const char *name)
{
	struct memspace_listener *l;
	int ret;

	if (!as || !ops) {
		errno = EINVAL;
		return NULL;
	}
	if (ops->version == 0 || ops->version > MEMSPACE_LISTENER_OPS_VERSION) {
		errno = EPROTO;
		return NULL;
	}
	ret = updater_enter(as->ms);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	l = g_new0(struct memspace_listener, 1);
	*l = (struct memspace_listener){
		.ms = memspace_ref(as->ms), .as = as, .ops = ops,
		.opaque = opaque, .priority = priority,
		.name = g_strdup(name),
	};
	listener_link(l);
	ret = replay(l, REPLAY_ADD);
	if (ret < 0) {
		/* All or nothing: take back what the replay delivered. */
		(void)replay(l, REPLAY_DEL);
		listener_unlink(l);
		updater_commit(as->ms, 0);
		listener_free(l);
		errno = -ret;
		return NULL;
	}
	updater_commit(as->ms, 0);
	return l;
}

MEMSPACE_EXPORT int
memspace_listener_unregister(struct memspace_listener *l)
{
	struct memspace *ms;
	int ret, first = 0;

	if (!l) {
		return 0;
	}
	ms = l->ms;
	ret = updater_enter(ms);
	if (ret < 0) {
		return ret;
	}
	if (l->as) {
		first = replay(l, REPLAY_DEL);
		listener_unlink(l);
	}
	updater_commit(ms, 0);
	listener_free(l);
	return first ? -EREMOTEIO : 0;
}

MEMSPACE_EXPORT int
memspace_listener_resync(struct memspace_listener *l)
{
	int ret;

	if (!l) {
		return -EINVAL;
	}
	ret = updater_enter(l->ms);
	if (ret < 0) {
		return ret;
	}
	if (!l->as) {
		updater_commit(l->ms, 0);
		return -ENOENT;
	}
	l->error = 0;
	ret = replay(l, REPLAY_RESYNC) ? -EREMOTEIO : 0;
	updater_commit(l->ms, 0);
	return ret;
}

void
listeners_detach_addrspace(struct memspace_addrspace *as)
{
	GPtrArray *ls;

	/* Highest priority first, as for every removal. */
	while ((ls = addrspace_listeners(as)) && ls->len) {
		struct memspace_listener *l = ls->pdata[ls->len - 1];

		(void)replay(l, REPLAY_DEL);
		listener_unlink(l);
	}
	listener_queue_forget_addrspace(as);
}

MEMSPACE_EXPORT const char *
memspace_listener_get_name(const struct memspace_listener *l)
{
	if (!l) {
		return NULL;
	}
	return l->name;
}

MEMSPACE_EXPORT int
memspace_listener_get_priority(const struct memspace_listener *l)
{
	if (!l) {
		return 0;
	}
	return l->priority;
}

MEMSPACE_EXPORT struct memspace_addrspace *
memspace_listener_get_addrspace(const struct memspace_listener *l)
{
	if (!l) {
		return NULL;
	}
	return l->as;
}

MEMSPACE_EXPORT int
memspace_listener_get_error(const struct memspace_listener *l)
{
	if (!l) {
		return -EINVAL;
	}
	return l->error;
}
