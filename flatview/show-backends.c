/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_show_backends(): the host memory behind every RAM range of the
 * published views, one line per region (`memspace show --backends`).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "addrspace-internal.h"
#include "backend-internal.h"
#include "region-internal.h"

struct show_ctx {
	FILE *out;
	const char *as_name;
	GHashTable *seen; /* regions already printed */
};

static void
print_nodes(FILE *out, const struct memspace_backend *be)
{
	fprintf(out, " numa=%s", memspace_numa_policy_name(be->numa_policy));
	for (unsigned i = 0; i < be->nr_nodes; i++) {
		fprintf(out, "%c%u", i ? ',' : ':', be->nodes[i]);
	}
}

static void
print_region(FILE *out, const char *as_name, uint64_t start,
	     const struct memspace_region *mr)
{
	const struct memspace_backend *be = mr->backend;

	fprintf(out, "  %s %016" PRIx64 " %s: ", as_name, start, mr->name);
	if (!be) {
		fprintf(out, "anon private page=%ld numa=default (%s)\n",
			sysconf(_SC_PAGESIZE),
			mr->host_owned ? "mapped by memspace" :
					 "caller memory");
		return;
	}
	fprintf(out, "%s %s%s page=%" PRIu64,
		memspace_backend_source_name(be->source),
		be->shared ? "shared" : "private",
		be->readonly ? " readonly" : "", be->page_size);
	print_nodes(out, be);
	fprintf(out, " offset=0x%" PRIx64, mr->backend_offset);
	if (be->fd >= 0) {
		fprintf(out, " fd-offset=0x%" PRIx64,
			be->offset + mr->backend_offset);
	}
	fputc('\n', out);
}

static int
show_range(void *opaque, const struct memspace_section *sec)
{
	struct show_ctx *ctx = opaque;

	if (!region_has_backing(sec->mr) ||
	    !g_hash_table_add(ctx->seen, sec->mr)) {
		return 0;
	}
	print_region(ctx->out, ctx->as_name, sec->start, sec->mr);
	return 0;
}

MEMSPACE_EXPORT int
memspace_show_backends(struct memspace *ms, FILE *out)
{
	struct show_ctx ctx = { .out = out };

	if (!ms || !out) {
		return -EINVAL;
	}
	ctx.seen = g_hash_table_new(NULL, NULL);
	updater_lock(ms);
	fputs("backends:\n", out);
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		ctx.as_name = as->name;
		memspace_flatview_for_each(as->current, show_range, &ctx);
	}
	updater_unlock(ms);
	g_hash_table_destroy(ctx.seen);
	return ferror(out) ? -EIO : 0;
}
