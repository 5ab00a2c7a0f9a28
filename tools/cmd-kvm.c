/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM commands of the memspace tool: `memspace kvm-slots` prints the
 * memory slots the KVM memory listener makes of a map, and `memspace show
 * --kvm` prints the flat views with QEMU's ` KVM` markers.  The map is
 * loaded into a real VM (/dev/kvm), or with --fake into memspace's fake KVM
 * backend, which enforces the same rules without a kernel.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#if MEMSPACE_HAVE_KVM
#include <linux/kvm.h>
#endif

#include <memspace/kvm.h>

#include "tool.h"

/* A VM for one command: real or fake. */
struct tool_vm {
	int kvm_fd;
	int vm_fd;
	struct memspace_kvm_fake *fake;
	struct memspace_kvm *kvm;
};

/*
 * Tests share test_kvm_open_vm() (tests/common); the tool keeps its own
 * copy on purpose, since it links no test code.
 */
static int
vm_open_real(struct tool_vm *vm)
{
#if MEMSPACE_HAVE_KVM
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		return -errno;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		return -errno;
	}
	vm->kvm = memspace_kvm_create(vm->vm_fd);
	return vm->kvm ? 0 : -errno;
#else
	return -ENOSYS;
#endif
}

/* Open a VM; on failure print why and return false. */
static bool
vm_open(struct tool_vm *vm, bool fake, const char *cmd)
{
	int ret = 0;

	*vm = (struct tool_vm){ .kvm_fd = -1, .vm_fd = -1 };
	if (fake) {
		vm->fake = memspace_kvm_fake_create();
		vm->kvm = memspace_kvm_create_with_backend(
			memspace_kvm_fake_backend(), vm->fake);
		ret = vm->kvm ? 0 : -errno;
	} else {
		ret = vm_open_real(vm);
	}
	if (ret < 0) {
		fprintf(stderr, "memspace: %s: cannot create a KVM VM: %s\n",
			cmd, ret == -ENOSYS ? "built without KVM support"
					    : strerror(-ret));
	}
	return ret == 0;
}

static void
vm_close(struct tool_vm *vm)
{
	memspace_kvm_destroy(vm->kvm);
	memspace_kvm_fake_destroy(vm->fake);
	if (vm->vm_fd >= 0) {
		close(vm->vm_fd);
	}
	if (vm->kvm_fd >= 0) {
		close(vm->kvm_fd);
	}
}

/* Register the memory listener on @as; print why it failed. */
static struct memspace_kvm_listener *
map_into(struct tool_vm *vm, struct memspace_addrspace *as, const char *cmd)
{
	struct memspace_kvm_listener *kl =
		memspace_kvm_listener_register_memory(vm->kvm, as, 0);

	if (!kl) {
		fprintf(stderr, "memspace: %s: mapping \"%s\" into KVM: %s\n",
			cmd, memspace_addrspace_get_name(as), strerror(errno));
	}
	return kl;
}

int
tool_kvm_show(struct map_load *ml, unsigned flags)
{
	struct memspace_addrspace *as = tool_find_addrspace(ml, "memory");
	struct tool_vm vm;
	int ret;

	if (!vm_open(&vm, false, "show --kvm")) {
		return TOOL_FAILED;
	}
	/* As under QEMU, only the "memory" address space has KVM slots. */
	if (as && !map_into(&vm, as, "show --kvm")) {
		vm_close(&vm);
		return TOOL_FAILED;
	}
	ret = memspace_kvm_show(ml->ms, stdout, flags, vm.kvm);
	vm_close(&vm);
	if (ret < 0) {
		fprintf(stderr, "memspace: show: %s\n", strerror(-ret));
		return TOOL_FAILED;
	}
	return TOOL_OK;
}

static int kvm_slots_run(int argc, char **argv);

const struct tool_command tool_kvm_slots_command = {
	.name = "kvm-slots",
	.synopsis = "[--fake] [--as NAME] [--json] [MAP]",
	.summary = "print the KVM memory slots a map becomes",
	.run = kvm_slots_run,
};

static void
kvm_slots_help(void)
{
	tool_print_usage(stdout, &tool_kvm_slots_command);
	fputs("\n"
	      "Map an address space of MAP (a qemu-mtree-tree/1 JSON file;\n"
	      "without MAP, the built-in PC) into a KVM VM with memspace's\n"
	      "KVM memory listener and print its slot table: slot id, guest\n"
	      "range, size and flags (ro: KVM_MEM_READONLY, log:\n"
	      "KVM_MEM_LOG_DIRTY_PAGES).\n"
	      "\n"
	      "      --fake      use the fake KVM backend (no /dev/kvm)\n"
	      "      --as NAME   the address space to map (default: memory)\n"
	      "      --json      print a JSON document instead\n"
	      "  -h, --help      show this help\n",
	      stdout);
}

static int
print_slot(void *opaque, const struct memspace_kvm_memslot *m)
{
	static const char *const names[] = { "-", "log", "ro", "ro,log" };

	printf("%5" PRIu32 " %016" PRIx64 "-%016" PRIx64 " %#14" PRIx64 " %s\n",
	       m->slot, m->guest_phys_addr,
	       m->guest_phys_addr + m->memory_size - 1, m->memory_size,
	       names[m->flags & 3]);
	return 0;
}

/* One line per guest memory range without a slot, after the table. */
static int
print_unmapped(void *opaque, const struct memspace_kvm_unmapped *u)
{
	bool *first = opaque;

	if (*first) {
		printf("\nwithout a slot (every access exits):\n");
		*first = false;
	}
	printf("      %016" PRIx64 "-%016" PRIx64 " %s @%#" PRIx64 ": %s\n",
	       u->start, u->last, memspace_region_get_name(u->mr),
	       u->offset_in_region,
	       memspace_kvm_unmapped_reason_name(u->reason));
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int
kvm_slots_parse(int argc, char **argv, bool *ret_fake, const char **ret_as,
		bool *ret_json)
{
	static const struct option options[] = {
		{ "fake", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'F':
			*ret_fake = true;
			break;
		case 'j':
			*ret_json = true;
			break;
		case 'a':
			*ret_as = optarg;
			break;
		case 'h':
			kvm_slots_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_kvm_slots_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	if (argc - optind > 1) {
		return tool_usage_error(&tool_kvm_slots_command,
					"too many arguments");
	}
	return -1;
}

static int
json_slot(void *opaque, const struct memspace_kvm_memslot *m)
{
	JsonBuilder *b = opaque;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "slot");
	json_builder_add_int_value(b, m->slot);
	tool_json_hex(b, "start", m->guest_phys_addr);
	tool_json_hex(b, "last", m->guest_phys_addr + m->memory_size - 1);
	tool_json_hex(b, "size", m->memory_size);
	json_builder_set_member_name(b, "readonly");
	json_builder_add_boolean_value(b, m->flags & 2);
	json_builder_set_member_name(b, "log_dirty_pages");
	json_builder_add_boolean_value(b, m->flags & 1);
	json_builder_end_object(b);
	return 0;
}

static int
json_unmapped(void *opaque, const struct memspace_kvm_unmapped *u)
{
	JsonBuilder *b = opaque;

	json_builder_begin_object(b);
	tool_json_hex(b, "start", u->start);
	tool_json_hex(b, "last", u->last);
	json_builder_set_member_name(b, "region");
	json_builder_add_string_value(b, memspace_region_get_name(u->mr));
	tool_json_hex(b, "offset", u->offset_in_region);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(
		b, memspace_kvm_unmapped_reason_name(u->reason));
	json_builder_end_object(b);
	return 0;
}

static int
kvm_slots_json(struct memspace_kvm_listener *kl, const char *name, bool fake)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "address_space");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "backend");
	json_builder_add_string_value(b, fake ? "fake" : "kvm");
	json_builder_set_member_name(b, "slots");
	json_builder_begin_array(b);
	(void)memspace_kvm_listener_for_each_slot(kl, json_slot, b);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "without_slot");
	json_builder_begin_array(b);
	(void)memspace_kvm_listener_for_each_unmapped(kl, json_unmapped, b);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return tool_json_print(b);
}

static int
kvm_slots_print(struct map_load *ml, const char *name, bool fake, bool json)
{
	int status = TOOL_FAILED;

	struct memspace_addrspace *as = tool_find_addrspace(ml, name);
	struct memspace_kvm_listener *kl;
	struct tool_vm vm;

	if (!as) {
		fprintf(stderr,
			"memspace: kvm-slots: no address space \"%s\"\n", name);
		return TOOL_FAILED;
	}
	if (!vm_open(&vm, fake, "kvm-slots")) {
		return TOOL_FAILED;
	}
	kl = map_into(&vm, as, "kvm-slots");
	if (kl && json) {
		status = kvm_slots_json(kl, name, fake);
	} else if (kl) {
		bool first = true;

		printf("%5s %-33s %14s %s\n", "slot", "guest range", "size",
		       "flags");
		(void)memspace_kvm_listener_for_each_slot(kl, print_slot, NULL);
		(void)memspace_kvm_listener_for_each_unmapped(
			kl, print_unmapped, &first);
		status = TOOL_OK;
	}
	vm_close(&vm);
	return status;
}

static int
kvm_slots_run(int argc, char **argv)
{
	const char *name = "memory";
	bool fake = false, json = false;
	struct map_load *ml;
	int status = kvm_slots_parse(argc, argv, &fake, &name, &json);

	if (status >= 0) {
		return status;
	}
	ml = tool_load_map(optind < argc ? argv[optind] : NULL);
	if (!ml) {
		return TOOL_FAILED;
	}
	status = kvm_slots_print(ml, name, fake, json);
	map_load_free(ml);
	return status;
}
