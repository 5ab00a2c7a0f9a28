/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Huge pages: memfd with MFD_HUGETLB and files on hugetlbfs, with pages
 * the test reserves itself.  Needs root (it writes
 * /proc/sys/vm/nr_hugepages, restored at the end, and mounts a private
 * hugetlbfs); exits 77 (skipped) otherwise, or if no huge page can be
 * reserved.  Also checks that the KVM slot listener aligns slots to the
 * backend's huge pages (with memspace's fake KVM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "config.h"
#include "memory-probe.h"
#include "test-common.h"

#if MEMSPACE_HAVE_KVM
#include <memspace/kvm.h>
#endif

#define MIB (1ull << 20)
#define NR_PATH "/proc/sys/vm/nr_hugepages"

static uint64_t huge;		/* default huge page size */
static char *mnt;		/* our hugetlbfs mount, or NULL */

static long
meminfo(const char *field)
{
	g_autofree char *text = NULL;
	const char *p;
	long v = -1;

	if (g_file_get_contents("/proc/meminfo", &text, NULL, NULL) &&
	    (p = strstr(text, field))) {
		sscanf(p + strlen(field), ": %ld", &v);
	}
	return v;
}

static long
read_nr(void)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(NR_PATH, &text, NULL, NULL)) {
		return -1;
	}
	return strtol(text, NULL, 10);
}

static bool
write_nr(long n)
{
	FILE *f = fopen(NR_PATH, "w");	/* not g_file_set_contents: /proc */
	bool ok;

	if (!f) {
		return false;
	}
	ok = fprintf(f, "%ld\n", n) > 0;
	return fclose(f) == 0 && ok && read_nr() == n;
}

START_TEST(hugetlb_memfd_uses_huge_pages)
{
	struct memspace_backend_config cfg = {
		.source = MEMSPACE_BACKEND_MEMFD_HUGETLB,
		.size = 2 * huge,
		.shared = true,
		.prealloc = true,
		.prealloc_threads = 2,
	};
	long free0 = meminfo("HugePages_Free");
	struct memspace_backend *be = memspace_backend_new(&cfg);
	g_autofree char *kps = NULL;
	uint8_t *host, *view;
	int fd;

	ck_assert_msg(be, "%s", strerror(errno));
	host = memspace_backend_get_host(be);
	ck_assert_uint_eq(memspace_backend_get_page_size(be), huge);
	ck_assert(probe_vmflag(host, "ht"));
	kps = probe_smaps_field(host, "KernelPageSize");
	ck_assert_uint_eq(g_ascii_strtoull(kps, NULL, 10) * 1024, huge);
	ck_assert_int_eq(meminfo("HugePages_Free"), free0 - 2);	/* populated */
	fd = memspace_backend_get_fd(be, NULL);
	view = mmap(NULL, 2 * huge, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(view, MAP_FAILED);
	host[huge + 1] = 0x77;
	ck_assert_uint_eq(view[huge + 1], 0x77);
	munmap(view, 2 * huge);
	memspace_backend_unref(be);
	ck_assert_int_eq(meminfo("HugePages_Free"), free0);

	/* An explicit page size; a size that is not a multiple. */
	cfg.huge_page_size = huge;
	cfg.prealloc = false;
	be = memspace_backend_new(&cfg);
	ck_assert_ptr_nonnull(be);
	memspace_backend_unref(be);
	cfg.size = huge + huge / 2;
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Too few huge pages: ENOMEM, and nothing is left behind. */
START_TEST(hugetlb_too_few_pages_leaves_nothing)
{
	long free0 = meminfo("HugePages_Free");
	struct memspace_backend_config cfg = {
		.source = mnt ? MEMSPACE_BACKEND_HUGETLBFS
			      : MEMSPACE_BACKEND_MEMFD_HUGETLB,
		.size = (uint64_t)(free0 + 1) * huge,
		.path = mnt,
		.shared = true,
	};
	unsigned fds = probe_fd_count(), maps = probe_map_count_size(cfg.size);

	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
	if (mnt) {
		ck_assert_uint_eq(probe_dir_count(mnt), 0);
	}
	ck_assert_int_eq(meminfo("HugePages_Free"), free0);
	ck_assert_int_eq(meminfo("HugePages_Rsvd"), 0);
}
END_TEST

START_TEST(hugetlbfs_directory_and_file)
{
	g_autofree char *file = g_build_filename(mnt, "guest", NULL);
	struct memspace_backend_config cfg = {
		.source = MEMSPACE_BACKEND_HUGETLBFS,
		.size = 2 * huge,
		.path = mnt,
		.shared = true,
		.prealloc = true,
	};
	struct memspace_backend *be = memspace_backend_new(&cfg);
	struct stat st;

	ck_assert_msg(be, "%s", strerror(errno));
	ck_assert_uint_eq(memspace_backend_get_page_size(be), huge);
	ck_assert_uint_eq(probe_dir_count(mnt), 0);	/* unlinked at once */
	ck_assert_int_eq(fstat(memspace_backend_get_fd(be, NULL), &st), 0);
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert(probe_vmflag(memspace_backend_get_host(be), "ht"));
	memspace_backend_unref(be);

	/* A named file is created, sized, and kept. */
	cfg.path = file;
	be = memspace_backend_new(&cfg);
	ck_assert_ptr_nonnull(be);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, 2 * huge);
	memspace_backend_unref(be);
	unlink(file);

	/* Not a multiple of the huge page size: EINVAL, no file. */
	cfg.size = MIB;
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(!g_file_test(file, G_FILE_TEST_EXISTS));
}
END_TEST

#if MEMSPACE_HAVE_KVM
/* The slot listener trims to whole backend (huge) pages. */
START_TEST(hugetlb_kvm_slots_use_backend_page_size)
{
	struct memspace_backend_config cfg = {
		.source = MEMSPACE_BACKEND_MEMFD_HUGETLB,
		.size = 2 * huge,
		.shared = true,
	};
	struct memspace_backend *be = memspace_backend_new(&cfg);
	struct memspace *ms = memspace_new();
	struct memspace_region *root =
		memspace_region_new_container(ms, "system", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram, *alias;
	struct memspace_addrspace *as;
	struct memspace_kvm_fake *fake = memspace_kvm_fake_create();
	struct memspace_kvm *kvm =
		memspace_kvm_create_with_backend(memspace_kvm_fake_backend(), fake);
	struct memspace_kvm_listener *kl;

	ck_assert_ptr_nonnull(be);
	ram = memspace_region_new_ram_backend(ms, "ram", be, 0, 2 * huge);
	ck_assert_uint_eq(memspace_region_get_page_size(ram), huge);
	/* Its second half-page onwards at the same guest offset: with 4 KiB
	 * pages the slot would start at huge/2, with the backend's huge
	 * pages only [huge, 2 huge) is whole. */
	alias = memspace_region_new_alias(ms, "window", ram, huge / 2,
					  huge + huge / 2);
	ck_assert_int_eq(memspace_region_add_subregion(root, huge / 2, alias),
			 0);
	as = memspace_addrspace_create(ms, "memory", root);
	kl = memspace_kvm_listener_register_memory(kvm, as, 0);
	ck_assert_ptr_nonnull(kl);
	ck_assert_uint_eq(memspace_kvm_listener_nr_slots(kl), 1);
	ck_assert(memspace_kvm_listener_has_memory(kl, huge, huge));
	memspace_kvm_destroy(kvm);
	memspace_kvm_fake_destroy(fake);
	memspace_addrspace_destroy(as);
	memspace_region_unref(alias);
	memspace_region_unref(ram);
	memspace_region_unref(root);
	memspace_unref(ms);
	memspace_backend_unref(be);
}
END_TEST
#endif

static Suite *
hugetlb_suite(void)
{
	Suite *s = suite_create("hugetlb");
	TCase *tc = tcase_create("hugetlb");

	tcase_add_test(tc, hugetlb_memfd_uses_huge_pages);
	tcase_add_test(tc, hugetlb_too_few_pages_leaves_nothing);
	if (mnt) {
		tcase_add_test(tc, hugetlbfs_directory_and_file);
	}
#if MEMSPACE_HAVE_KVM
	tcase_add_test(tc, hugetlb_kvm_slots_use_backend_page_size);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	long old = read_nr();
	int ret;

	if (geteuid() != 0 || old < 0) {
		fprintf(stderr, "not root: huge pages cannot be reserved\n");
		return 77;
	}
	huge = (uint64_t)meminfo("Hugepagesize") * 1024;
	if (!write_nr(old + 4) || meminfo("HugePages_Free") < 4) {
		write_nr(old);
		fprintf(stderr, "no huge pages could be reserved\n");
		return 77;
	}
	mnt = probe_tmpdir();
	if (mount("memspace-test", mnt, "hugetlbfs", 0, NULL) < 0) {
		fprintf(stderr, "hugetlbfs mount: %s (hugetlbfs cases skipped)\n",
			strerror(errno));
		g_rmdir(mnt);
		g_clear_pointer(&mnt, g_free);
	}
	ret = test_run_suite(hugetlb_suite());
	if (mnt) {
		umount(mnt);
		g_rmdir(mnt);
	}
	write_nr(old);
	return ret;
}
