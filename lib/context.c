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

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Threads are unregistered when they exit through a key destructor, so
 * that registering on first use never leaves liburcu a dead reader.  The
 * key is process-wide, like liburcu's own reader registry.
 */
static pthread_key_t reader_key;
static pthread_once_t reader_key_once = PTHREAD_ONCE_INIT;

static void
reader_exit(void *arg)
{
	(void)arg;
	if (MS_RCU_REGISTERED()) {
		MS_RCU(unregister_thread)();
	}
}

static void
reader_key_create(void)
{
	if (pthread_key_create(&reader_key, reader_exit) != 0) {
		fputs("memspace: cannot create the RCU reader key\n", stderr);
		abort();
	}
}

MEMSPACE_EXPORT void
memspace_thread_register(void)
{
	if (MS_RCU_REGISTERED()) {
		return;
	}
	MS_RCU(register_thread)();
	(void)pthread_once(&reader_key_once, reader_key_create);
	(void)pthread_setspecific(reader_key, (void *)1);
}

MEMSPACE_EXPORT void
memspace_thread_unregister(void)
{
	if (!MS_RCU_REGISTERED()) {
		return;
	}
	MS_RCU(unregister_thread)();
}

MEMSPACE_EXPORT void
memspace_thread_first_use(void)
{
#ifdef MEMSPACE_RCU_QSBR
	/* A QSBR reader that never reports quiescent states would stall
	 * every writer: registering it silently is worse than stopping. */
	fputs("memspace: a thread entered an RCU read-side section without "
	      "memspace_thread_register() (required with the qsbr flavor)\n",
	      stderr);
	abort();
#else
	memspace_thread_register();
#endif
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
	if (ms->cycle_seeds) {
		g_ptr_array_free(ms->cycle_seeds, TRUE);
	}
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
