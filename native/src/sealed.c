/* Starting clean, before anything touches a container: the helper runs from a view of its binary
 * that no one can write (so a container that execs /proc/self/exe, or reopens it, reaches nothing
 * it could change: CVE-2019-5736), with only the environment it needs, non-dumpable, and with the
 * plan passed as an open fd instead of a host path in its command line.
 *
 * The view is a read-only bind mount of the binary that is never attached anywhere (open_tree +
 * mount_setattr): nothing appears in any mount table, it goes away with the last process running
 * it, and the text pages stay the host file's, shared by every monitor. Where the kernel lacks
 * that, a sealed memfd copy (as runc) costs the binary's size per process instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Whether this process already runs from a read-only mount or a memfd sealed against writing. */
static int running_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	struct statvfs vfs;
	int seals = fcntl(fd, F_GET_SEALS);
	int ro = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
	close(fd);
	return ro || (seals >= 0 && (seals & SEALS) == SEALS);
}

/* Our binary on a detached read-only bind mount (an O_PATH fd to exec), or -1. */
static int readonly_view(void)
{
	int fd = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) return -1;
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) { close(fd); return -1; }
	return fd;
}

/* A memfd holding a copy of our own binary, sealed: no write, resize or new seals, ever. */
static int sealed_copy(void)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0) return -1;
	struct stat st;
	int m = -1;
	if (fstat(self, &st) == 0) {
		m = memfd_create("berth-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
		if (m < 0 && errno == EINVAL) m = memfd_create("berth-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	}
	off_t left = m >= 0 ? st.st_size : 0;
	while (left > 0) {
		ssize_t n = sendfile(m, self, NULL, (size_t)left);
		if (n <= 0) { close(m); m = -1; break; }
		left -= n;
	}
	close(self);
	if (m >= 0 && fcntl(m, F_ADD_SEALS, SEALS) < 0) { close(m); m = -1; }
	return m;
}

/* The environment the helper keeps: PATH (hooks and on_exit resolve programs with it) and
 * BERTH_HELPER. Nothing else of the operator's environment. */
static char **clean_env(void)
{
	static char *env[3];
	static char path[4096], helper[4200];
	const char *p = getenv("PATH"), *h = getenv("BERTH_HELPER");
	int n = 0;
	snprintf(path, sizeof(path), "PATH=%s", p && *p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env[n++] = path;
	if (h) { snprintf(helper, sizeof(helper), "BERTH_HELPER=%s", h); env[n++] = helper; }
	env[n] = NULL;
	return env;
}

/*
 * For `run` and `exec`: become non-dumpable at once; then, unless already sealed, re-exec from
 * the sealed copy with argv[plan_arg] replaced by /proc/self/fd/N of the opened plan, and the
 * clean environment. Returns only when running sealed (or when sealing is impossible: then the
 * caller refuses to go on).
 */
int start_sealed(int argc, char **argv, int plan_arg)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (running_sealed()) return 0;
	int m = readonly_view();
	if (m < 0) m = sealed_copy();
	if (m < 0) return -errno;
	int plan = open(argv[plan_arg], O_RDONLY); /* inherited across the exec, closed once loaded */
	if (plan < 0) { int e = errno; close(m); return -e; }
	char fdpath[32];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", plan);
	char *args[8];
	int n = 0;
	args[n++] = "berth-helper";
	for (int i = 1; i < argc && n < 7; i++) args[n++] = i == plan_arg ? fdpath : argv[i];
	args[n] = NULL;
	syscall(SYS_execveat, m, "", args, clean_env(), AT_EMPTY_PATH);
	int e = errno;
	close(plan);
	close(m);
	return -e;
}

static void close_between(unsigned lo, unsigned hi)
{
	if (lo <= hi) syscall(SYS_close_range, lo, hi, 0);
}

/* Close every fd from 3 up but a and b (-1: none): nothing of the monitor's reaches the container. */
int close_fds_except(int a, int b)
{
	if (a > b) { int t = a; a = b; b = t; }
	unsigned next = 3;
	int keep[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3) continue;
		if ((unsigned)keep[i] > next) close_between(next, (unsigned)keep[i] - 1);
		next = (unsigned)keep[i] + 1;
	}
	close_between(next, ~0U);
	return 0;
}
