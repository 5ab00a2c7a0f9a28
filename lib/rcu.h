/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The liburcu flavor the library is built against, chosen at configure time
 * (meson option rcu_flavor).  The library is LGPL-2.1-or-later, so it uses
 * liburcu's inline read side (_LGPL_SOURCE).
 */
#ifndef MEMSPACE_RCU_H
#define MEMSPACE_RCU_H

#include "config.h"

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif

/* MS_RCU_REGISTERED(): whether liburcu knows the calling thread (bp
 * registers threads itself on their first read-side section). */
#if defined(MEMSPACE_RCU_QSBR)
#include <urcu/urcu-qsbr.h>
#define MS_RCU(fn) urcu_qsbr_##fn
#define MS_RCU_REGISTERED() URCU_TLS(urcu_qsbr_reader).registered
#elif defined(MEMSPACE_RCU_MB)
#include <urcu/urcu-mb.h>
#define MS_RCU(fn) urcu_mb_##fn
#define MS_RCU_REGISTERED() URCU_TLS(urcu_mb_reader).registered
#elif defined(MEMSPACE_RCU_BP)
#include <urcu/urcu-bp.h>
#define MS_RCU(fn) urcu_bp_##fn
#define MS_RCU_REGISTERED() 1
#else
#include <urcu/urcu-memb.h>
#define MS_RCU(fn) urcu_memb_##fn
#define MS_RCU_REGISTERED() URCU_TLS(urcu_memb_reader).registered
#endif

#include <urcu/pointer.h>

/*
 * Every read-side section of the library starts here: a thread that never
 * called memspace_thread_register() is registered on first use (and
 * unregistered when it exits), or, with QSBR, which cannot register
 * readers behind their back, stopped with a message (lib/context.c).
 */
void memspace_thread_first_use(void);

static inline void
ms_rcu_read_lock(void)
{
	if (caa_unlikely(!MS_RCU_REGISTERED())) {
		memspace_thread_first_use();
	}
	MS_RCU(read_lock)();
}
#define ms_rcu_read_unlock() MS_RCU(read_unlock)()
#define ms_rcu_read_ongoing() MS_RCU(read_ongoing)()
#define ms_call_rcu(head, fn) MS_RCU(call_rcu)((head), (fn))
#define ms_rcu_barrier() MS_RCU(barrier)()
#define ms_synchronize_rcu() MS_RCU(synchronize_rcu)()

#endif /* MEMSPACE_RCU_H */
