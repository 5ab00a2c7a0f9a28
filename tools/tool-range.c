/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flat ranges as the tool prints them: the `info mtree -f` line and the
 * JSON object of the --json outputs.
 */
#include <inttypes.h>

#include "tool.h"

const char *
tool_range_type(const struct memspace_section *sec)
{
	if (sec->readonly) {
		return "rom";
	}
	switch (memspace_region_get_kind(sec->mr)) {
	case MEMSPACE_REGION_RAM_DEVICE:
		return "ramd";
	case MEMSPACE_REGION_ROM_DEVICE:
		return sec->romd ? "romd" : "i/o";
	case MEMSPACE_REGION_RAM:
		return "ram";
	case MEMSPACE_REGION_IO:
	case MEMSPACE_REGION_CONTAINER:
	case MEMSPACE_REGION_ALIAS:
		break;
	}
	return "i/o";
}

void
tool_print_range(FILE *out, const struct memspace_section *sec)
{
	fprintf(out,
		"%016" PRIx64 "-%016" PRIx64 " (prio %" PRId32 ", %s%s): %s",
		sec->start, sec->last, memspace_region_get_priority(sec->mr),
		sec->nonvolatile ? "nv-" : "", tool_range_type(sec),
		memspace_region_get_name(sec->mr));
	if (sec->offset_in_region) {
		fprintf(out, " @%016" PRIx64, sec->offset_in_region);
	}
}

void
tool_json_hex(JsonBuilder *b, const char *key, uint64_t v)
{
	g_autofree char *s = g_strdup_printf("0x%" PRIx64, v);

	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, s);
}

void
tool_json_range_members(JsonBuilder *b, const struct memspace_section *sec)
{
	tool_json_hex(b, "start", sec->start);
	tool_json_hex(b, "last", sec->last);
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, memspace_region_get_priority(sec->mr));
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, tool_range_type(sec));
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, memspace_region_get_name(sec->mr));
	tool_json_hex(b, "offset", sec->offset_in_region);
	json_builder_set_member_name(b, "readonly");
	json_builder_add_boolean_value(b, sec->readonly);
	json_builder_set_member_name(b, "nonvolatile");
	json_builder_add_boolean_value(b, sec->nonvolatile);
	json_builder_set_member_name(b, "romd");
	json_builder_add_boolean_value(b, sec->romd);
}

int
tool_json_print(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = NULL;

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	text = json_generator_to_data(gen, NULL);
	fputs(text, stdout);
	fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("memspace: cannot write to stdout\n", stderr);
		return TOOL_FAILED;
	}
	return TOOL_OK;
}
