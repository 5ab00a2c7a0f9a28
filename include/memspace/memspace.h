/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace: a QEMU-style memory model for virtual machine monitors.
 *
 * This umbrella header declares the context and transactions and includes
 * every other public header except <memspace/reader.h> (opt-in, below) and
 * <memspace/kvm.h>.
 *
 * Threading contract.  One context owns every region, address space, flat
 * view and listener created from it; there is no global state.  Updates
 * (creating, mutating and destroying regions and address spaces,
 * transactions, listener registration) may come from any thread: the
 * library serialises them on the context's updater lock, and listener
 * callbacks run on the updating thread with that lock held.  Any number of
 * reader threads may look at published flat views at the same time without
 * taking a lock: either inside an RCU read-side section (memspace_read_lock()
 * and memspace_read_unlock(), on a thread registered with
 * memspace_thread_register()), or by holding a counted reference from
 * memspace_addrspace_get_flatview().  Flat views are immutable once
 * published; a replaced view is freed after an RCU grace period, once its
 * last reference is gone.
 *
 * The library is built against one liburcu flavor (meson option
 * rcu_flavor, default memb); memspace_rcu_flavor() names it.  Threads that
 * use liburcu directly must use that flavor.
 */
#ifndef MEMSPACE_H
#define MEMSPACE_H

#include <memspace/types.h>
#include <memspace/region.h>
#include <memspace/addrspace.h>
#include <memspace/flatview.h>
#include <memspace/show.h>
#include <memspace/export.h>
#include <memspace/listener.h>
#include <memspace/access.h>
#include <memspace/cache.h>
#include <memspace/backend.h>
#include <memspace/guest-memory.h>
#include <memspace/guest-access.h>
/*
 * <memspace/reader.h> (the read side inlined from liburcu's static headers)
 * is opt-in: include it where the read side is hot.  Without it, use
 * memspace_read_lock() and memspace_read_unlock().
 */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_new() - create a context
 *
 * Context: any.  The calling thread is registered as an RCU reader of the
 * library's flavor if it was not already.
 * Return: a new context with one reference (never NULL: allocation failures
 * abort, as in GLib).
 */
struct memspace *memspace_new(void);

/**
 * memspace_ref() - take a reference on a context
 * @ms: the context (may be NULL).
 *
 * Context: any.
 * Return: @ms.
 */
struct memspace *memspace_ref(struct memspace *ms);

/**
 * memspace_unref() - drop a reference on a context
 * @ms: the context (may be NULL).
 *
 * Regions and address spaces hold references on their context.  When the
 * last one goes, the context waits for pending RCU callbacks and is freed.
 *
 * Context: updater, outside any RCU read-side section and outside any
 * transaction (it waits for RCU callbacks, which may need the updater lock).
 * Return: NULL.
 */
struct memspace *memspace_unref(struct memspace *ms);

/**
 * memspace_transaction_begin() - open a (possibly nested) transaction
 * @ms: the context.
 *
 * Mutations made until the matching outermost commit are rendered and
 * published together.  Readers keep seeing the previous views until then.
 * The calling thread holds the updater lock until the outermost commit, so
 * other updating threads wait.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (@ms is NULL) or -EDEADLK (called from a listener
 * callback).
 */
int memspace_transaction_begin(struct memspace *ms);

/**
 * memspace_transaction_commit() - close a transaction
 * @ms: the context.
 *
 * At the outermost commit, every flat view whose region tree changed is
 * rendered once (address spaces whose roots reduce to the same region share
 * it), published with rcu_assign_pointer(), and then the listeners are told
 * what changed.  A commit without effective changes renders nothing and
 * notifies nobody.
 *
 * Context: updater, on the thread that began the transaction.
 * Return: 0, or -EINVAL (@ms is NULL), -EPERM (no transaction is open on
 * this thread), -EDEADLK (called from a listener callback) or -EREMOTEIO
 * (the changes were made and published, but a listener callback failed;
 * see memspace_listener_get_error()).
 */
int memspace_transaction_commit(struct memspace *ms);

/**
 * memspace_transaction_depth() - how deeply transactions are nested
 * @ms: the context.
 *
 * Context: updater.
 * Return: the nesting depth (0 outside a transaction).
 */
unsigned memspace_transaction_depth(struct memspace *ms);

/**
 * memspace_thread_register() - register the calling thread as an RCU reader
 *
 * Needed before a thread's first memspace_read_lock().  Idempotent per
 * thread: registering a registered thread does nothing.
 *
 * Context: any thread, not inside a read-side section.
 */
void memspace_thread_register(void);

/**
 * memspace_thread_unregister() - unregister the calling thread
 *
 * Call before a registered thread exits.
 *
 * Context: a registered thread, outside any read-side section.
 */
void memspace_thread_unregister(void);

/**
 * memspace_read_lock() - enter an RCU read-side section
 *
 * Sections nest.  Views dereferenced inside stay valid until the matching
 * memspace_read_unlock().
 *
 * Context: a registered thread.
 */
void memspace_read_lock(void);

/**
 * memspace_read_unlock() - leave an RCU read-side section
 *
 * Context: a registered thread inside a read-side section.
 */
void memspace_read_unlock(void);

/**
 * memspace_quiescent_state() - report a quiescent state (QSBR flavor)
 *
 * With the qsbr flavor, registered threads must call this periodically
 * outside read-side sections; with other flavors it does nothing.
 *
 * Context: a registered thread, outside any read-side section.
 */
void memspace_quiescent_state(void);

/**
 * memspace_rcu_flavor() - the liburcu flavor the library was built with
 *
 * Context: any.
 * Return: "memb", "qsbr", "mb" or "bp".
 */
const char *memspace_rcu_flavor(void);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_H */
