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

#if defined(MEMSPACE_RCU_QSBR)
#include <urcu/urcu-qsbr.h>
#define MS_RCU(fn) urcu_qsbr_##fn
#elif defined(MEMSPACE_RCU_MB)
#include <urcu/urcu-mb.h>
#define MS_RCU(fn) urcu_mb_##fn
#elif defined(MEMSPACE_RCU_BP)
#include <urcu/urcu-bp.h>
#define MS_RCU(fn) urcu_bp_##fn
#else
#include <urcu/urcu-memb.h>
#define MS_RCU(fn) urcu_memb_##fn
#endif

#include <urcu/pointer.h>

#define ms_rcu_read_lock() MS_RCU(read_lock)()
#define ms_rcu_read_unlock() MS_RCU(read_unlock)()
#define ms_rcu_read_ongoing() MS_RCU(read_ongoing)()
#define ms_call_rcu(head, fn) MS_RCU(call_rcu)((head), (fn))
#define ms_rcu_barrier() MS_RCU(barrier)()
#define ms_synchronize_rcu() MS_RCU(synchronize_rcu)()

#endif /* MEMSPACE_RCU_H */
