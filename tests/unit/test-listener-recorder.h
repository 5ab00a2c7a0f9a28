/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A recording listener for tests: every callback becomes one text line in
 * a log shared by all recorders of a test, so that ordering across
 * listeners is visible and failures read like a log.  A recorder can fail
 * its Nth call of one callback, or run a hook from inside a callback.
 */
#ifndef MEMSPACE_TEST_LISTENER_RECORDER_H
#define MEMSPACE_TEST_LISTENER_RECORDER_H

#include <glib.h>

#include <memspace/memspace.h>
#include <memspace/listener.h>

struct recorder {
	const char *tag;		/* prefix of every line */
	GPtrArray *log;			/* shared log of char * lines */
	struct memspace_listener *l;	/* set by recorder_register() */
	/* Failure injection: the @fail_nth call (1 = next) of @fail_cb. */
	const char *fail_cb;
	unsigned fail_nth;
	int fail_err;
	/* Hook run inside every call of @hook_cb; its result is logged. */
	const char *hook_cb;
	int (*hook)(struct recorder *rec);
	int hook_result;
	void *data;			/* for the hook */
};

/* Listener ops that record every callback (and all callbacks present). */
extern const struct memspace_listener_ops recorder_ops;
/* Ops with only topology callbacks (no eventfd, coalesced or log). */
extern const struct memspace_listener_ops recorder_topology_ops;

/*
 * Ops for what changed only: region add/del, log start/stop and the
 * coalesced parts; no region_nop, begin or commit.
 */
extern const struct memspace_listener_ops recorder_change_ops;

/* Initialise @rec with @tag logging into @log. */
void recorder_init(struct recorder *rec, const char *tag, GPtrArray *log);

/* Register @rec on @as (asserts success). */
void recorder_register(struct recorder *rec, struct memspace_addrspace *as,
		       int priority);

/*
 * recorder_init(), recorder_register() at priority 0, then clear @log of
 * the replay: for tests that only look at what later commits deliver.
 */
void recorder_attach(struct recorder *rec, const char *tag, GPtrArray *log,
		     struct memspace_addrspace *as);

/* Unregister @rec (asserts the result is @expect). */
void recorder_unregister(struct recorder *rec, int expect);

/* The log as one string, lines joined by '\n' with a final '\n'. */
char *recorder_text(GPtrArray *log);

/* Clear the log. */
void recorder_clear(GPtrArray *log);

/*
 * Compare the log with the NULL-terminated @lines, then clear it; on
 * mismatch fail the test showing both.
 */
void recorder_expect_(GPtrArray *log, const char *const *lines,
		      const char *file, int line);
#define recorder_expect(log, ...)                                             \
	recorder_expect_((log), (const char *const[]){ __VA_ARGS__, NULL },    \
			 __FILE__, __LINE__)
#define recorder_expect_empty(log)                                            \
	recorder_expect_((log), (const char *const[]){ NULL }, __FILE__,       \
			 __LINE__)

#endif /* MEMSPACE_TEST_LISTENER_RECORDER_H */
