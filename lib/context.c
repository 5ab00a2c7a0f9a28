/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: lifecycle of struct memspace (built by context_new(), which
 * memspace_new() in listeners/commit.c calls to install the commit
 * pipeline), the updater lock and frame (updater_enter(), updater_commit()),
 * and the thin wrappers over the liburcu flavor the library is built
 * against.
 */
#include "config.h"

#include "memspace-private.h"
#include "rcu.h"
#include "reclaim.h"

/* Per-thread registration state, mirroring liburcu's own per-thread state. */
static __thread bool thread_registered;

MEMSPACE_EXPORT void
memspace_thread_register(void)
{
	if (thread_registered) {
		return;
	}
	MS_RCU(register_thread)();
	thread_registered = true;
}

MEMSPACE_EXPORT void
memspace_thread_unregister(void)
{
	if (!thread_registered) {
		return;
	}
	MS_RCU(unregister_thread)();
	thread_registered = false;
}

MEMSPACE_EXPORT void
memspace_read_lock(void)
{
	ms_rcu_read_lock();
}

MEMSPACE_EXPORT void
memspace_read_unlock(void)
{
	ms_rcu_read_unlock();
}

MEMSPACE_EXPORT void
memspace_quiescent_state(void)
{
	MS_RCU(quiescent_state)();
}

MEMSPACE_EXPORT const char *
memspace_rcu_flavor(void)
{
	return MEMSPACE_RCU_FLAVOR;
}

struct memspace *
context_new(const struct commit_hook *hook)
{
	struct memspace *ms = g_new0(struct memspace, 1);

	memspace_thread_register();
	ms->refcount = 1;
	g_rec_mutex_init(&ms->lock);
	ms->gen = 1;
	ms->instance = (uint64_t)g_random_int() << 32 | g_random_int();
	ms->addrspaces = g_ptr_array_new();
	reclaim_init(ms);
	ms->hook = hook;
	return ms;
}

MEMSPACE_EXPORT struct memspace *
memspace_ref(struct memspace *ms)
{
	if (ms) {
		g_atomic_int_inc(&ms->refcount);
	}
	return ms;
}

static void
memspace_free(struct memspace *ms)
{
	assert(ms->addrspaces->len == 0);
	g_ptr_array_free(ms->addrspaces, TRUE);
	ms->hook->finish(ms);
	reclaim_finish(ms);
	g_rec_mutex_clear(&ms->lock);
	g_free(ms);
}

void
memspace_unref_internal(struct memspace *ms)
{
	if (ms && g_atomic_int_dec_and_test(&ms->refcount)) {
		memspace_free(ms);
	}
}

MEMSPACE_EXPORT struct memspace *
memspace_unref(struct memspace *ms)
{
	if (!ms) {
		return NULL;
	}
	if (g_atomic_int_dec_and_test(&ms->refcount)) {
		memspace_free(ms);
		return NULL;
	}
	/*
	 * Objects still hold references.  Often those are only views and
	 * regions queued for freeing after a grace period: let the queued
	 * callbacks run so that dropping the last user reference really
	 * releases the memory (they may free @ms; do not touch it after).
	 */
#ifdef MEMSPACE_RCU_QSBR
	/* An online QSBR thread would hold up the grace period it waits for. */
	MS_RCU(thread_offline)();
	ms_rcu_barrier();
	MS_RCU(thread_online)();
#else
	ms_rcu_barrier();
#endif
	return NULL;
}

void
updater_lock(struct memspace *ms)
{
	g_rec_mutex_lock(&ms->lock);
}

void
updater_unlock(struct memspace *ms)
{
	g_rec_mutex_unlock(&ms->lock);
}

int
updater_enter(struct memspace *ms)
{
	updater_lock(ms);
	if (ms->in_callback) {
		updater_unlock(ms);
		return -EDEADLK;
	}
	ms->depth++;
	return 0;
}

int
updater_commit(struct memspace *ms, int ret)
{
	int r = 0;

	assert(ms->depth > 0);
	if (--ms->depth == 0) {
		r = ms->hook->commit(ms);
	}
	updater_unlock(ms);
	return ret < 0 ? ret : r;
}
