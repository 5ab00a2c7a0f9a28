/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recording listener shared by the listener, ioeventfd and dirty-log
 * tests: one text line per callback. */
#include <check.h>
#include <inttypes.h>
#include <string.h>

#include "test-listener-recorder.h"

void
recorder_init(struct recorder *rec, const char *tag, GPtrArray *log)
{
	*rec = (struct recorder){ .tag = tag, .log = log };
}

static void G_GNUC_PRINTF(2, 3)
logf_(struct recorder *rec, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(rec->log, g_strdup_printf("%s %s", rec->tag, s));
	g_free(s);
}

/* Hook and failure injection for one call of @cb. */
static int
outcome(struct recorder *rec, const char *cb)
{
	if (rec->hook && rec->hook_cb && strcmp(rec->hook_cb, cb) == 0) {
		rec->hook_result = rec->hook(rec);
	}
	if (rec->fail_cb && strcmp(rec->fail_cb, cb) == 0 && rec->fail_nth) {
		if (--rec->fail_nth == 0) {
			logf_(rec, "(%s fails with %d)", cb, rec->fail_err);
			return rec->fail_err;
		}
	}
	return 0;
}

/* "[start-last] name@off" plus flags. */
static char *
sec_str(const struct memspace_section *sec)
{
	return g_strdup_printf("[%" PRIx64 "-%" PRIx64 "] %s@%" PRIx64 "%s%s%s",
			       sec->start, sec->last,
			       memspace_region_get_name(sec->mr),
			       sec->offset_in_region,
			       sec->readonly ? " ro" : "",
			       sec->romd ? " romd" : "",
			       sec->dirty_log_mask ? " log" : "");
}

static int
rec_simple(void *opaque, const char *cb)
{
	struct recorder *rec = opaque;

	logf_(rec, "%s", cb);
	return outcome(rec, cb);
}

static int
rec_sec(void *opaque, const char *cb, const struct memspace_section *sec)
{
	struct recorder *rec = opaque;
	g_autofree char *s = sec_str(sec);

	logf_(rec, "%s %s", cb, s);
	return outcome(rec, cb);
}

static int
rec_log(void *opaque, const char *cb, const struct memspace_section *sec,
	unsigned old_mask, unsigned new_mask)
{
	struct recorder *rec = opaque;
	g_autofree char *s = sec_str(sec);

	logf_(rec, "%s %s %u->%u", cb, s, old_mask, new_mask);
	return outcome(rec, cb);
}

static int
rec_eventfd(void *opaque, const char *cb, const struct memspace_section *sec,
	    const struct memspace_ioeventfd *e)
{
	struct recorder *rec = opaque;
	g_autofree char *data = e->match_data ?
		g_strdup_printf("=%" PRIx64, e->data) : g_strdup("any");

	ck_assert_uint_eq(sec->start, e->addr);
	logf_(rec, "%s %" PRIx64 "/%" PRIu64 " %s %s@%" PRIx64, cb, e->addr,
	      e->size, data, memspace_region_get_name(sec->mr),
	      sec->offset_in_region);
	return outcome(rec, cb);
}

static int
r_begin(void *o)
{
	return rec_simple(o, "begin");
}

static int
r_commit(void *o)
{
	return rec_simple(o, "commit");
}

static int
r_gstart(void *o)
{
	return rec_simple(o, "log_global_start");
}

static int
r_gstop(void *o)
{
	return rec_simple(o, "log_global_stop");
}

static int
r_add(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "add", s);
}

static int
r_del(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "del", s);
}

static int
r_nop(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "nop", s);
}

static int
r_sync(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "log_sync", s);
}

static int
r_cadd(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "coalesced_add", s);
}

static int
r_cdel(void *o, const struct memspace_section *s)
{
	return rec_sec(o, "coalesced_del", s);
}

static int
r_lstart(void *o, const struct memspace_section *s, unsigned a, unsigned b)
{
	return rec_log(o, "log_start", s, a, b);
}

static int
r_lstop(void *o, const struct memspace_section *s, unsigned a, unsigned b)
{
	return rec_log(o, "log_stop", s, a, b);
}

static int
r_eadd(void *o, const struct memspace_section *s,
       const struct memspace_ioeventfd *e)
{
	return rec_eventfd(o, "eventfd_add", s, e);
}

static int
r_edel(void *o, const struct memspace_section *s,
       const struct memspace_ioeventfd *e)
{
	return rec_eventfd(o, "eventfd_del", s, e);
}

const struct memspace_listener_ops recorder_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.begin = r_begin,
	.commit = r_commit,
	.region_add = r_add,
	.region_del = r_del,
	.region_nop = r_nop,
	.log_start = r_lstart,
	.log_stop = r_lstop,
	.log_sync = r_sync,
	.log_global_start = r_gstart,
	.log_global_stop = r_gstop,
	.eventfd_add = r_eadd,
	.eventfd_del = r_edel,
	.coalesced_io_add = r_cadd,
	.coalesced_io_del = r_cdel,
};

const struct memspace_listener_ops recorder_topology_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.begin = r_begin,
	.commit = r_commit,
	.region_add = r_add,
	.region_del = r_del,
	.region_nop = r_nop,
};

void
recorder_register(struct recorder *rec, struct memspace_addrspace *as,
		  int priority)
{
	rec->l = memspace_listener_register(as, &recorder_ops, rec, priority,
					    rec->tag);
	ck_assert_msg(rec->l != NULL, "register failed: %s",
		      g_strerror(errno));
}

void
recorder_attach(struct recorder *rec, const char *tag, GPtrArray *log,
		struct memspace_addrspace *as)
{
	recorder_init(rec, tag, log);
	recorder_register(rec, as, 0);
	recorder_clear(log);
}

void
recorder_unregister(struct recorder *rec, int expect)
{
	ck_assert_int_eq(memspace_listener_unregister(rec->l), expect);
	rec->l = NULL;
}

char *
recorder_text(GPtrArray *log)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < log->len; i++) {
		g_string_append_printf(s, "%s\n", (char *)log->pdata[i]);
	}
	return g_string_free(s, FALSE);
}

void
recorder_clear(GPtrArray *log)
{
	g_ptr_array_set_size(log, 0);
}

void
recorder_expect_(GPtrArray *log, const char *const *lines, const char *file,
		 int line)
{
	g_autofree char *got = recorder_text(log);
	GString *want = g_string_new(NULL);

	for (size_t i = 0; lines[i]; i++) {
		g_string_append_printf(want, "%s\n", lines[i]);
	}
	if (strcmp(want->str, got) != 0) {
		ck_abort_msg("%s:%d: callback log mismatch\n"
			     "expected:\n%sgot:\n%s", file, line, want->str,
			     got);
	}
	g_string_free(want, TRUE);
	recorder_clear(log);
}

const struct memspace_listener_ops recorder_change_ops = {
	.version = MEMSPACE_LISTENER_OPS_VERSION,
	.region_add = r_add,
	.region_del = r_del,
	.log_start = r_lstart,
	.log_stop = r_lstop,
	.coalesced_io_add = r_cadd,
	.coalesced_io_del = r_cdel,
};
