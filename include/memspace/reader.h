/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inline RCU read side: memspace_rcu_read_lock() and
 * memspace_rcu_read_unlock() compile to liburcu's own inline fast paths for
 * the flavor the library was built with, about a nanosecond per section
 * with the default memb flavor instead of two library calls (ten times
 * that).  They are interchangeable with memspace_read_lock() and
 * memspace_read_unlock(): the same section, the same nesting rules.
 *
 * Including this header makes the program reference liburcu's reader
 * state directly, so it must link the flavor's library (pkg-config
 * liburcu-<flavor>) besides libmemspace.  These few lines are the
 * "small inline functions" LGPL-2.1 section 5 lets any program use.
 */
#ifndef MEMSPACE_READER_H
#define MEMSPACE_READER_H

#include <memspace/rcu-flavor.h>

#if defined(MEMSPACE_RCU_FLAVOR_QSBR)
#include <urcu/static/urcu-qsbr.h>
#define MEMSPACE_RCU_READ_LOCK_() _urcu_qsbr_read_lock()
#define MEMSPACE_RCU_READ_UNLOCK_() _urcu_qsbr_read_unlock()
#define MEMSPACE_RCU_REGISTERED_() URCU_TLS(urcu_qsbr_reader).registered
#elif defined(MEMSPACE_RCU_FLAVOR_MB)
#include <urcu/static/urcu-mb.h>
#define MEMSPACE_RCU_READ_LOCK_() _urcu_mb_read_lock()
#define MEMSPACE_RCU_READ_UNLOCK_() _urcu_mb_read_unlock()
#define MEMSPACE_RCU_REGISTERED_() URCU_TLS(urcu_mb_reader).registered
#elif defined(MEMSPACE_RCU_FLAVOR_BP)
#include <urcu/static/urcu-bp.h>
#define MEMSPACE_RCU_READ_LOCK_() _urcu_bp_read_lock()
#define MEMSPACE_RCU_READ_UNLOCK_() _urcu_bp_read_unlock()
#define MEMSPACE_RCU_REGISTERED_() 1 /* bp registers on first use */
#else
#include <urcu/static/urcu-memb.h>
#define MEMSPACE_RCU_READ_LOCK_() _urcu_memb_read_lock()
#define MEMSPACE_RCU_READ_UNLOCK_() _urcu_memb_read_unlock()
#define MEMSPACE_RCU_REGISTERED_() URCU_TLS(urcu_memb_reader).registered
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_thread_first_use() - register a thread on its first section
 *
 * Called by memspace_rcu_read_lock() (and the library's own read-side
 * sections) when the calling thread is not registered yet: registers it,
 * as memspace_thread_register() does, and unregisters it when it exits.
 * With the qsbr flavor, which cannot register a reader behind its back
 * (it would stall every writer), prints one line and aborts instead.
 *
 * Context: any thread.
 */
void memspace_thread_first_use(void);

/**
 * memspace_rcu_read_lock() - enter an RCU read-side section, inline
 *
 * Same semantics as memspace_read_lock(): views, sections and host
 * addresses obtained inside stay valid until the matching unlock.  A
 * thread not registered yet is registered here (one predictable branch).
 *
 * Context: any thread (with qsbr: registered with
 * memspace_thread_register()).
 */
static inline void
memspace_rcu_read_lock(void)
{
	if (__builtin_expect(!MEMSPACE_RCU_REGISTERED_(), 0)) {
		memspace_thread_first_use();
	}
	MEMSPACE_RCU_READ_LOCK_();
}

/**
 * memspace_rcu_read_unlock() - leave an RCU read-side section, inline
 *
 * Context: a registered thread inside a read-side section.
 */
static inline void
memspace_rcu_read_unlock(void)
{
	MEMSPACE_RCU_READ_UNLOCK_();
}

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_READER_H */
