/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace show --flat --json`: the published flat views as JSON, one
 * object per distinct view (in the creation order of the first address
 * space showing it, as `show --flat` prints them).
 */
#include "tool.h"

static void
json_view(JsonBuilder *b, const struct map_load *ml,
	  struct memspace_flatview *fv)
{
	const struct memspace_region *root = memspace_flatview_get_root(fv);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "address_spaces");
	json_builder_begin_array(b);
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_addrspace *as = ml->addrspaces->pdata[i];
		struct memspace_flatview *other =
			memspace_addrspace_get_flatview(as);

		if (other == fv) {
			json_builder_add_string_value(
				b, memspace_addrspace_get_name(as));
		}
		memspace_flatview_unref(other);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "root");
	if (root) {
		json_builder_add_string_value(b,
					      memspace_region_get_name(root));
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "ranges");
	json_builder_begin_array(b);
	for (size_t i = 0; i < memspace_flatview_nr_ranges(fv); i++) {
		struct memspace_section sec;

		memspace_flatview_get_range(fv, i, &sec);
		json_builder_begin_object(b);
		tool_json_range_members(b, &sec);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
view_unref(void *fv)
{
	memspace_flatview_unref(fv);
}

int
tool_show_flat_json(const struct map_load *ml)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(view_unref);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "flat_views");
	json_builder_begin_array(b);
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_flatview *fv =
			memspace_addrspace_get_flatview(ml->addrspaces->pdata[i]);

		if (g_ptr_array_find(seen, fv, NULL)) {
			memspace_flatview_unref(fv);
			continue;
		}
		g_ptr_array_add(seen, fv);
		json_view(b, ml, fv);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return tool_json_print(b);
}
