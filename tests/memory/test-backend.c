/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory backends: every source and option, proved through /proc where the
 * kernel shows it (smaps VmFlags, numa_maps, maps permissions), the
 * StratoVirt host-memory cases (file shorter, longer, empty; directory
 * paths), preallocation and its cancellation, every error case without a
 * leaked fd, mapping or file, and 10,000 create/destroy cycles.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "config.h"
#include "memory-probe.h"
#include "test-common.h"

#define MIB (1ull << 20)

/* Under ASan freed memory sits in a quarantine: RSS is not comparable. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static uint64_t page;
static char *tmpdir;

static void
setup(void)
{
	page = (uint64_t)sysconf(_SC_PAGESIZE);
	tmpdir = probe_tmpdir();
	ck_assert_ptr_nonnull(tmpdir);
}

static void
teardown(void)
{
	probe_rmdir(tmpdir);
	g_free(tmpdir);
}

static struct memspace_backend *
backend_or_fail(const struct memspace_backend_config *cfg)
{
	struct memspace_backend *be = memspace_backend_new(cfg);

	ck_assert_msg(be, "memspace_backend_new: %s", strerror(errno));
	return be;
}

static char *
path_in_tmp(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static void
write_file(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

START_TEST(backend_anon_private_getters)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_ANON,
					       .size = 4 * page };
	struct memspace_backend *be = backend_or_fail(&cfg);
	uint64_t off = 1;
	uint8_t *host = memspace_backend_get_host(be);
	g_autofree char *perms = probe_perms(host);

	ck_assert_uint_eq(memspace_backend_get_size(be), 4 * page);
	ck_assert_uint_eq(memspace_backend_get_page_size(be), page);
	ck_assert_int_eq(memspace_backend_get_fd(be, &off), -1);
	ck_assert_uint_eq(off, 0);
	ck_assert(!memspace_backend_is_shared(be));
	ck_assert(!memspace_backend_is_readonly(be));
	ck_assert_int_eq(memspace_backend_get_source(be), MEMSPACE_BACKEND_ANON);
	ck_assert_str_eq(memspace_backend_source_name(MEMSPACE_BACKEND_ANON),
			 "anon");
	ck_assert_str_eq(perms, "rw-p");
	host[4 * page - 1] = 0x5a;
	ck_assert_uint_eq(host[4 * page - 1], 0x5a);
	ck_assert_ptr_eq(memspace_backend_ref(be), be);
	ck_assert_ptr_null(memspace_backend_unref(be));
	ck_assert(probe_mapped(host));	/* one reference left */
	ck_assert_ptr_null(memspace_backend_unref(be));
	ck_assert(!probe_mapped(host));
	ck_assert_ptr_null(memspace_backend_unref(NULL));
}
END_TEST

START_TEST(backend_memfd_seen_through_second_mapping)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = 2 * page,
					       .shared = true,
					       .name = "guest-ram" };
	struct memspace_backend *be = backend_or_fail(&cfg);
	uint64_t off = 7;
	int fd = memspace_backend_get_fd(be, &off);
	uint8_t *host = memspace_backend_get_host(be), *view;
	g_autofree char *perms = probe_perms(host);
	g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", fd);
	g_autofree char *target = g_file_read_link(link, NULL);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(off, 0);
	ck_assert(memspace_backend_is_shared(be));
	ck_assert_str_eq(perms, "rw-s");
	ck_assert_msg(strstr(target, "memfd:guest-ram"), "%s", target);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	view = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(view, MAP_FAILED);
	host[page + 3] = 0xa7;
	ck_assert_uint_eq(view[page + 3], 0xa7);
	munmap(view, 2 * page);
	memspace_backend_unref(be);
}
END_TEST

START_TEST(backend_memfd_private_copies_on_write)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = page };
	struct memspace_backend *be = backend_or_fail(&cfg);
	int fd = memspace_backend_get_fd(be, NULL);
	uint8_t *host = memspace_backend_get_host(be), byte = 1;
	g_autofree char *perms = probe_perms(host);

	ck_assert_str_eq(perms, "rw-p");
	host[0] = 0x42;
	ck_assert_int_eq(pread(fd, &byte, 1, 0), 1);
	ck_assert_uint_eq(byte, 0);	/* the file did not see it */
	memspace_backend_unref(be);
}
END_TEST

START_TEST(backend_file_offset_shared_and_private)
{
	g_autofree char *path = path_in_tmp("pmem");
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = 2 * page,
					       .path = path,
					       .offset = 3 * page,
					       .shared = true };
	struct memspace_backend *be;
	uint8_t *host, byte = 0;
	uint64_t off;
	int fd;

	write_file(path, 8 * page);
	be = backend_or_fail(&cfg);
	host = memspace_backend_get_host(be);
	fd = memspace_backend_get_fd(be, &off);
	ck_assert_uint_eq(off, 3 * page);
	host[5] = 0x33;
	ck_assert_int_eq(pread(fd, &byte, 1, (off_t)(3 * page + 5)), 1);
	ck_assert_uint_eq(byte, 0x33);
	memspace_backend_unref(be);
	ck_assert_uint_eq(file_size(path), 8 * page);	/* longer: untouched */

	cfg.shared = false;
	be = backend_or_fail(&cfg);
	host = memspace_backend_get_host(be);
	ck_assert_uint_eq(host[5], 0x33);	/* persistent */
	host[5] = 0x44;
	memspace_backend_unref(be);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, &byte, 1, (off_t)(3 * page + 5)), 1);
	close(fd);
	ck_assert_uint_eq(byte, 0x33);	/* private writes stay private */
}
END_TEST

/* StratoVirt: a new file is created and sized; an empty one is grown. */
START_TEST(backend_file_new_and_empty_are_grown)
{
	g_autofree char *path = path_in_tmp("new");
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = 4 * page,
					       .path = path,
					       .shared = true };
	struct memspace_backend *be = backend_or_fail(&cfg);

	ck_assert_uint_eq(file_size(path), 4 * page);
	memspace_backend_unref(be);
	ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));	/* kept */

	write_file(path, 0);
	cfg.offset = page;
	be = backend_or_fail(&cfg);
	ck_assert_uint_eq(file_size(path), 5 * page);
	memspace_backend_unref(be);
}
END_TEST

/* StratoVirt: a shorter, non-empty file is an error and stays as it was. */
START_TEST(backend_file_shorter_fails_cleanly)
{
	g_autofree char *path = path_in_tmp("short");
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = 4 * page,
					       .path = path,
					       .shared = true };
	unsigned fds, maps;

	write_file(path, 2 * page);
	fds = probe_fd_count();
	maps = probe_map_count_size(cfg.size);
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_uint_eq(file_size(path), 2 * page);
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
}
END_TEST

/* StratoVirt: a directory gets a unique file, unlinked at once. */
START_TEST(backend_directory_gets_unlinked_file)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = 2 * page,
					       .path = tmpdir,
					       .shared = true };
	struct memspace_backend *a = backend_or_fail(&cfg);
	struct memspace_backend *b = backend_or_fail(&cfg);
	struct stat sa, sb;
	int fa = memspace_backend_get_fd(a, NULL);

	ck_assert_uint_eq(probe_dir_count(tmpdir), 0);
	ck_assert_int_eq(fstat(fa, &sa), 0);
	ck_assert_int_eq(fstat(memspace_backend_get_fd(b, NULL), &sb), 0);
	ck_assert_uint_eq(sa.st_nlink, 0);
	ck_assert_uint_ne(sa.st_ino, sb.st_ino);	/* unique files */
	ck_assert_uint_eq((uint64_t)sa.st_size, 2 * page);
	memspace_backend_unref(a);
	memspace_backend_unref(b);
}
END_TEST

START_TEST(backend_caller_fd_with_offset)
{
	int fd = memfd_create("caller", MFD_CLOEXEC);
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FD,
					       .size = 2 * page,
					       .offset = page,
					       .shared = true };
	struct memspace_backend *be;
	uint8_t byte = 0;
	uint64_t off;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(3 * page)), 0);
	cfg.fd = fd;
	be = backend_or_fail(&cfg);
	ck_assert_int_ne(memspace_backend_get_fd(be, &off), fd);	/* a dup */
	ck_assert_uint_eq(off, page);
	((uint8_t *)memspace_backend_get_host(be))[9] = 0x99;
	ck_assert_int_eq(pread(fd, &byte, 1, (off_t)page + 9), 1);
	ck_assert_uint_eq(byte, 0x99);
	close(fd);	/* the backend keeps its own */
	((uint8_t *)memspace_backend_get_host(be))[10] = 1;
	memspace_backend_unref(be);

	/* An fd shorter than offset + size is never resized. */
	fd = memfd_create("short", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(fd, (off_t)page), 0);
	cfg.fd = fd;
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ERANGE);
	close(fd);
}
END_TEST

START_TEST(backend_readonly_mapping)
{
	g_autofree char *path = path_in_tmp("rom");
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = page,
					       .path = path,
					       .readonly = true };
	struct memspace_backend *be;
	g_autofree char *perms = NULL;

	/* Read-only never creates or grows a file. */
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ENOENT);
	write_file(path, page);
	be = backend_or_fail(&cfg);
	perms = probe_perms(memspace_backend_get_host(be));
	ck_assert_str_eq(perms, "r--p");
	ck_assert(memspace_backend_is_readonly(be));
	memspace_backend_unref(be);
}
END_TEST

/* smaps VmFlags: hg (MADV_HUGEPAGE), dc (MADV_DONTFORK), dd (MADV_DONTDUMP),
 * nr (MAP_NORESERVE), sh (shared). */
START_TEST(backend_options_in_smaps)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_ANON,
					       .size = 4 * MIB };
	struct memspace_backend *be = backend_or_fail(&cfg);
	void *host = memspace_backend_get_host(be);

	ck_assert(!probe_vmflag(host, "hg"));
	ck_assert(!probe_vmflag(host, "dc"));
	ck_assert(probe_vmflag(host, "dd"));	/* no dump unless asked */
	ck_assert(!probe_vmflag(host, "nr"));
	memspace_backend_unref(be);

	cfg.thp = cfg.dontfork = cfg.dump = cfg.noreserve = cfg.shared = true;
	be = backend_or_fail(&cfg);
	host = memspace_backend_get_host(be);
	ck_assert(probe_vmflag(host, "hg"));
	ck_assert(probe_vmflag(host, "dc"));
	ck_assert(!probe_vmflag(host, "dd"));
	ck_assert(probe_vmflag(host, "nr"));
	ck_assert(probe_vmflag(host, "sh"));
	memspace_backend_unref(be);
}
END_TEST

/* MADV_DONTFORK in effect: a child faults on the mapping. */
START_TEST(backend_dontfork_hides_memory_from_children)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = page,
					       .shared = true,
					       .dontfork = true };
	struct memspace_backend *be = backend_or_fail(&cfg);
	volatile uint8_t *host = memspace_backend_get_host(be);
	int status;
	pid_t pid;

	host[0] = 1;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* not a sanitizer's handler */
		_exit(host[0] == 1 ? 0 : 2);	/* SIGSEGV expected */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
	memspace_backend_unref(be);
}
END_TEST

static void
numa_case(enum memspace_numa_policy policy, const char *word)
{
	unsigned node = 0, got[2] = { 9, 9 }, nr = 0;
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_ANON,
					       .size = 2 * MIB,
					       .numa_policy = policy,
					       .host_nodes = &node,
					       .nr_host_nodes = 1,
					       .prealloc = true };
	struct memspace_backend *be = memspace_backend_new(&cfg);
	g_autofree char *line = NULL;

	if (!MEMSPACE_HAVE_NUMA) {
		ck_assert_ptr_null(be);
		ck_assert_int_eq(errno, EOPNOTSUPP);
		return;
	}
	ck_assert_msg(be, "%s: %s", word, strerror(errno));
	line = probe_numa_maps(memspace_backend_get_host(be));
	ck_assert_msg(line && strstr(line, word), "numa_maps: %s", line);
	ck_assert_msg(strstr(line, "N0="), "pages not on node 0: %s", line);
	ck_assert_int_eq(memspace_backend_get_numa(be, got, 2, &nr), policy);
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_eq(got[0], 0);
	memspace_backend_unref(be);
}

START_TEST(backend_numa_policy_in_numa_maps)
{
	numa_case(MEMSPACE_NUMA_BIND, " bind:0 ");
	numa_case(MEMSPACE_NUMA_PREFERRED, " prefer:0 ");
	numa_case(MEMSPACE_NUMA_INTERLEAVE, " interleave:0 ");
}
END_TEST

/*
 * glibc keeps the stacks of joined threads mapped for reuse: run
 * preallocation threads once so that later counts of mappings compare
 * like with like.
 */
static void
warm_thread_stacks(void)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_ANON,
					       .size = 16 * MIB,
					       .prealloc = true,
					       .prealloc_threads = 4 };

	memspace_backend_unref(backend_or_fail(&cfg));
}

struct progress {
	unsigned calls;
	uint64_t last_done, total;
	bool cancel_at_first;
};

static bool
on_progress(void *opaque, uint64_t done, uint64_t total)
{
	struct progress *p = opaque;

	ck_assert_uint_ge(done, p->last_done);
	p->calls++;
	p->last_done = done;
	p->total = total;
	return !p->cancel_at_first;
}

START_TEST(backend_prealloc_threads_populate_everything)
{
	struct progress pr = { 0 };
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = 64 * MIB,
					       .shared = true,
					       .prealloc = true,
					       .prealloc_threads = 4,
					       .progress = on_progress,
					       .progress_opaque = &pr };
	struct memspace_backend *be = backend_or_fail(&cfg);
	g_autofree char *rss = probe_smaps_field(memspace_backend_get_host(be),
						 "Rss");

	ck_assert_msg(rss && g_ascii_strtoull(rss, NULL, 10) == 64 * 1024,
		      "Rss %s", rss);
	ck_assert_uint_ge(pr.calls, 1);
	ck_assert_uint_eq(pr.last_done, 64 * MIB);
	ck_assert_uint_eq(pr.total, 64 * MIB);
	memspace_backend_unref(be);
}
END_TEST

START_TEST(backend_prealloc_of_a_window_keeps_contents)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_ANON,
					       .size = 8 * MIB };
	struct memspace_backend *be = backend_or_fail(&cfg);
	uint8_t *host = memspace_backend_get_host(be);
	g_autofree char *rss = NULL;

	host[MIB] = 0x11;
	ck_assert_int_eq(memspace_backend_prealloc(be, MIB, 2 * MIB, 3, NULL,
						   NULL, NULL),
			 0);
	rss = probe_smaps_field(host, "Rss");
	ck_assert_msg(g_ascii_strtoull(rss, NULL, 10) >= 2 * 1024 &&
			      g_ascii_strtoull(rss, NULL, 10) < 8 * 1024,
		      "Rss %s", rss);
	ck_assert_uint_eq(host[MIB], 0x11);
	ck_assert_int_eq(memspace_backend_prealloc(be, 8 * MIB, 1, 1, NULL,
						   NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_backend_prealloc(NULL, 0, 1, 1, NULL, NULL,
						   NULL),
			 -EINVAL);
	memspace_backend_unref(be);
}
END_TEST

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Make this process's kernel look older than 5.14: madvise() refuses
 * MADV_POPULATE_READ and MADV_POPULATE_WRITE with EINVAL, as a kernel
 * without them does.  Returns false where seccomp is unavailable.
 */
static bool
hide_madv_populate(void)
{
#if defined(__x86_64__)
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_madvise, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MADV_POPULATE_READ, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MADV_POPULATE_WRITE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { G_N_ELEMENTS(prog), prog };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == 0;
#else
	return false;
#endif
}

/* The child of backend_prealloc_without_madv_populate_touches_pages. */
static int
prealloc_by_touching(void)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = 16 * MIB,
					       .shared = true };
	struct memspace_backend *be;
	uint8_t *host;
	g_autofree char *rss = NULL;
	void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (probe == MAP_FAILED || !hide_madv_populate()) {
		return 77;
	}
	/* The fallback is really needed now. */
	if (madvise(probe, 4096, MADV_POPULATE_WRITE) == 0 ||
	    errno != EINVAL) {
		return 2;
	}
	be = memspace_backend_new(&cfg);
	if (!be) {
		return 3;
	}
	host = memspace_backend_get_host(be);
	host[5 * MIB] = 0x5a;
	if (memspace_backend_prealloc(be, 0, 16 * MIB, 3, NULL, NULL, NULL)) {
		return 4;
	}
	rss = probe_smaps_field(host, "Rss");
	if (!rss || g_ascii_strtoull(rss, NULL, 10) != 16 * 1024) {
		fprintf(stderr, "Rss %s\n", rss ? rss : "?");
		return 5;
	}
	/* Touching keeps the contents. */
	if (host[5 * MIB] != 0x5a || host[6 * MIB] != 0) {
		return 6;
	}
	memspace_backend_unref(be);
	return 0;
}

/* On kernels without MADV_POPULATE_WRITE every page is written instead. */
START_TEST(backend_prealloc_without_madv_populate_touches_pages)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		_exit(prealloc_by_touching());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		return; /* no seccomp here: nothing to prove */
	}
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* Cancelled from the progress callback, or by a flag: nothing is left. */
START_TEST(backend_prealloc_cancel_leaves_nothing)
{
	struct progress pr = { .cancel_at_first = true };
	bool cancel = true;
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = 512 * MIB,
					       .shared = true,
					       .prealloc = true,
					       .prealloc_threads = 2,
					       .progress = on_progress,
					       .progress_opaque = &pr };
	unsigned fds, maps;
	uint64_t rss;

	warm_thread_stacks();
	fds = probe_fd_count();
	maps = probe_map_count_size(cfg.size);
	rss = probe_rss();

	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ECANCELED);
	ck_assert_uint_ge(pr.calls, 1);
	ck_assert_uint_lt(pr.last_done, 512 * MIB);
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
	ck_assert_uint_lt(probe_rss(), rss + 64 * MIB);

	cfg.progress = NULL;
	cfg.cancel = &cancel;
	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert_int_eq(errno, ECANCELED);
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
}
END_TEST

struct error_case {
	const char *what;
	struct memspace_backend_config cfg;
	const char *path;	/* under tmpdir, "" = tmpdir itself */
	int err;
};

static const unsigned no_such_node = 1000;
static const unsigned two_nodes[2] = { 0, 0 };

static const struct error_case error_cases[] = {
	{ "size 0", { .source = MEMSPACE_BACKEND_ANON }, NULL, EINVAL },
	{ "unaligned offset",
	  { .source = MEMSPACE_BACKEND_FILE, .size = 0x13000, .offset = 100 },
	  "f", EINVAL },
	{ "anonymous with offset",
	  { .source = MEMSPACE_BACKEND_ANON, .size = 0x13000, .offset = 4096 },
	  NULL, EINVAL },
	{ "hugetlb size not a multiple",
	  { .source = MEMSPACE_BACKEND_MEMFD_HUGETLB, .size = 0x13000 }, NULL,
	  EINVAL },
	{ "huge page size not a power of two",
	  { .source = MEMSPACE_BACKEND_MEMFD_HUGETLB, .size = 3 << 21,
	    .huge_page_size = 3 << 20 },
	  NULL, EINVAL },
	{ "missing directory",
	  { .source = MEMSPACE_BACKEND_FILE, .size = 0x13000, .shared = true },
	  "missing/dir/file", ENOENT },
	{ "hugetlbfs path not on hugetlbfs",
	  { .source = MEMSPACE_BACKEND_HUGETLBFS, .size = 2 << 20 }, "", EINVAL },
	{ "file source without a path",
	  { .source = MEMSPACE_BACKEND_FILE, .size = 0x13000 }, NULL, EINVAL },
	{ "bad fd", { .source = MEMSPACE_BACKEND_FD, .size = 0x13000, .fd = -1 },
	  NULL, EBADF },
	{ "closed fd", { .source = MEMSPACE_BACKEND_FD, .size = 0x13000, .fd = 1000 },
	  NULL, EBADF },
	{ "node that does not exist",
	  { .source = MEMSPACE_BACKEND_ANON, .size = 0x13000,
	    .numa_policy = MEMSPACE_NUMA_BIND, .host_nodes = &no_such_node,
	    .nr_host_nodes = 1 },
	  NULL, MEMSPACE_HAVE_NUMA ? ENODEV : EOPNOTSUPP },
	{ "preferred with two nodes",
	  { .source = MEMSPACE_BACKEND_ANON, .size = 0x13000,
	    .numa_policy = MEMSPACE_NUMA_PREFERRED, .host_nodes = two_nodes,
	    .nr_host_nodes = 2 },
	  NULL, EINVAL },
	{ "default policy with nodes",
	  { .source = MEMSPACE_BACKEND_ANON, .size = 0x13000,
	    .host_nodes = two_nodes, .nr_host_nodes = 1 },
	  NULL, EINVAL },
	{ "bind without nodes",
	  { .source = MEMSPACE_BACKEND_ANON, .size = 0x13000,
	    .numa_policy = MEMSPACE_NUMA_BIND },
	  NULL, EINVAL },
	{ "unknown source", { .source = 99, .size = 0x13000 }, NULL, EINVAL },
	{ "too few huge pages",
	  { .source = MEMSPACE_BACKEND_MEMFD_HUGETLB, .size = 1ull << 40,
	    .shared = true },
	  NULL, ENOMEM },
	{ "too few huge pages while preallocating",
	  { .source = MEMSPACE_BACKEND_MEMFD_HUGETLB, .size = 1ull << 40,
	    .shared = true, .noreserve = true, .prealloc = true },
	  NULL, ENOMEM },
};

/* Each error: the errno, and no fd, mapping or file left behind. */
START_TEST(backend_errors_leave_nothing)
{
	const struct error_case *c = &error_cases[_i];
	struct memspace_backend_config cfg = c->cfg;
	g_autofree char *path = c->path ? path_in_tmp(c->path) : NULL;
	unsigned fds, maps, files;
	struct memspace_backend *be;

	warm_thread_stacks();
	fds = probe_fd_count();
	maps = probe_map_count_size(cfg.size);
	files = probe_dir_count(tmpdir);

	if (path) {
		cfg.path = path;
	}
	errno = 0;
	be = memspace_backend_new(&cfg);
	ck_assert_msg(!be, "%s: created", c->what);
	ck_assert_msg(errno == c->err, "%s: errno %d (%s), expected %d",
		      c->what, errno, strerror(errno), c->err);
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
	ck_assert_uint_eq(probe_dir_count(tmpdir), files);
}
END_TEST

/* A file this call created is removed again when a later step fails. */
START_TEST(backend_created_file_removed_on_failure)
{
	g_autofree char *path = path_in_tmp("huge");
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_FILE,
					       .size = 1ull << 52,
					       .path = path,
					       .shared = true };
	unsigned fds = probe_fd_count(), maps = probe_map_count_size(cfg.size);

	ck_assert_ptr_null(memspace_backend_new(&cfg));
	ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
}
END_TEST

/* Dragonball's leak test: 10,000 cycles, fds and RSS flat. */
START_TEST(backend_ten_thousand_cycles_are_flat)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = MIB + 3 * page,
					       .shared = true };
	unsigned fds = probe_fd_count(), maps = probe_map_count_size(cfg.size);
	uint64_t rss0 = 0;
	int next;

	for (unsigned i = 0; i < 10000; i++) {
		struct memspace_backend *be = backend_or_fail(&cfg);
		uint8_t *host = memspace_backend_get_host(be);

		host[0] = (uint8_t)i;
		host[cfg.size - 1] = (uint8_t)i;
		memspace_backend_unref(be);
		if (i == 100) {
			rss0 = probe_rss();
		}
	}
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(cfg.size), maps);
	if (!SANITIZED) {
		ck_assert_uint_lt(probe_rss(), rss0 + 4 * MIB);
	}
	next = dup(0);
	ck_assert_int_lt(next, 1000);
	close(next);
}
END_TEST

static Suite *
backend_suite(void)
{
	Suite *s = suite_create("backend");
	TCase *ts = tcase_create("backend:sources");
	TCase *to = tcase_create("backend:options");
	TCase *tp = tcase_create("backend:prealloc");
	TCase *te = tcase_create("backend:errors");

	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, backend_anon_private_getters);
	tcase_add_test(ts, backend_memfd_seen_through_second_mapping);
	tcase_add_test(ts, backend_memfd_private_copies_on_write);
	tcase_add_test(ts, backend_file_offset_shared_and_private);
	tcase_add_test(ts, backend_file_new_and_empty_are_grown);
	tcase_add_test(ts, backend_file_shorter_fails_cleanly);
	tcase_add_test(ts, backend_directory_gets_unlinked_file);
	tcase_add_test(ts, backend_caller_fd_with_offset);
	tcase_add_test(ts, backend_readonly_mapping);
	suite_add_tcase(s, ts);
	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, backend_options_in_smaps);
	tcase_add_test(to, backend_dontfork_hides_memory_from_children);
	tcase_add_test(to, backend_numa_policy_in_numa_maps);
	suite_add_tcase(s, to);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, backend_prealloc_threads_populate_everything);
	tcase_add_test(tp, backend_prealloc_of_a_window_keeps_contents);
	tcase_add_test(tp, backend_prealloc_without_madv_populate_touches_pages);
	tcase_add_test(tp, backend_prealloc_cancel_leaves_nothing);
	suite_add_tcase(s, tp);
	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_loop_test(te, backend_errors_leave_nothing, 0,
			    (int)ARRAY_SIZE(error_cases));
	tcase_add_test(te, backend_created_file_removed_on_failure);
	tcase_add_test(te, backend_ten_thousand_cycles_are_flat);
	tcase_set_timeout(te, 120);
	suite_add_tcase(s, te);
	return s;
}

TEST_MAIN(backend_suite)
