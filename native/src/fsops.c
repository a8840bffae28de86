/* `berth-helper fs [--overlay DATA] OP ROOT ARGS...`: file work inside a container's root
 * for `cp`, volume copy-up and `-u` lookups (src/sys/rootFs.ts). Every container-side path
 * is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from an O_PATH fd of
 * ROOT; every later step is relative to the fds so found, with O_NOFOLLOW — a string path
 * is never walked again on the host, so a container swapping directories for symlinks
 * cannot send a read or a write outside its root.
 *
 * ROOT is a directory (a running container's /proc/PID/root, a volume's source dir, a host
 * directory), or `-`: the overlay of `--overlay DATA` (overlayfs mount options, as
 * "lowerdir=A:B,upperdir=U,workdir=W,index=off"; read-only when there is no upperdir),
 * mounted detached (fsmount) in a private mount namespace — it goes away with the process.
 *
 *   stat ROOT follow|nofollow PATH...  one line per PATH: dir, file, symlink, other or none
 *   read ROOT PATH...                   per PATH `SIZE\n` + the bytes of a regular file
 *                                       (symlinks followed in root), or `-\n` (missing or
 *                                       not a regular file); over 4 MiB is an error
 *   tar-out ROOT PATH follow|nofollow   a tar of PATH on stdout (native/src/fstar.c)
 *   tar-in ROOT DEST in-root|beneath    a tar from stdin extracted under DEST (native/src/fsuntar.c)
 *
 * No policy: which root, which names and owners all come from the caller. Errors: one line
 * `fs: OP `PATH`: strerror` on stderr, exit 1 (2 for usage). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fsops.h"
#include "helper.h"

#define READ_MAX (4 << 20)

noreturn void fs_fail(const char *op, const char *path, int err)
{
	fprintf(stderr, "fs: %s `%s`: %s\n", op, path, strerror(err));
	exit(1);
}

int fs_open(int rootfd, const char *path, int flags, int follow, enum fs_mode m)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)),
		.resolve = m == FS_IN_ROOT ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
		                           : RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/') path++;
	if (!*path) path = ".";
	for (int tries = 0;; tries++) {
		int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
		if (fd >= 0) return fd;
		/* EAGAIN: a rename raced a `..` step; the kernel asks us to try again. */
		if (errno != EAGAIN || tries >= 64) return -errno;
	}
}

int fs_reopen(int pathfd, int flags)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", pathfd);
	int fd = open(p, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int fs_fstat(int fd, struct stat *st)
{
	return fstat(fd, st) < 0 ? -errno : 0;
}

int fs_rmtree(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = 0;
	for (struct dirent *de; !r && (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		r = fs_rmtree(fd, de->d_name);
	}
	closedir(d);
	if (!r && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) r = -errno;
	return r;
}

/* The overlay of `data` as a detached mount; its root fd is the ROOT `-`. */
static int mount_overlay(const char *data)
{
	if (unshare(CLONE_NEWNS) < 0) fs_fail("unshare", "mount namespace", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fs_fail("mount", "/ (private)", errno);
	int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0) fs_fail("fsopen", "overlay", errno);
	char *opts = strdup(data), *save = NULL;
	int writable = 0;
	if (!opts) fs_fail("mount overlay", data, ENOMEM);
	for (char *kv = strtok_r(opts, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq) *eq = 0;
		if (!strcmp(kv, "upperdir")) writable = 1;
		int r;
		if (eq && !strcmp(kv, "lowerdir") && strlen(eq + 1) > 255) {
			/* fsconfig takes strings of at most 255 bytes: many layers go one at a time (lowerdir+, Linux 6.8) */
			r = 0;
			char *save2 = NULL;
			for (char *l = strtok_r(eq + 1, ":", &save2); l && r == 0; l = strtok_r(NULL, ":", &save2))
				r = fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", l, 0);
		} else {
			r = eq ? fsconfig(fsfd, FSCONFIG_SET_STRING, kv, eq + 1, 0) : fsconfig(fsfd, FSCONFIG_SET_FLAG, kv, NULL, 0);
		}
		if (r < 0) fs_fail("mount overlay", eq ? eq + 1 : kv, errno);
	}
	free(opts);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) fs_fail("mount overlay", data, errno);
	unsigned attrs = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | (writable ? 0 : MOUNT_ATTR_RDONLY);
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	if (mfd < 0) fs_fail("fsmount", "overlay", errno);
	close(fsfd);
	return mfd;
}

static int open_root(const char *root, int overlay)
{
	if (!strcmp(root, "-")) {
		if (overlay < 0) fs_fail("open", "-", EINVAL);
		return overlay;
	}
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) fs_fail("open", root, errno);
	return fd;
}

static const char *type_of(mode_t m)
{
	return S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "symlink" : "other";
}

static int op_stat(int rootfd, int follow, int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		int fd = fs_open(rootfd, paths[i], O_PATH, follow, FS_IN_ROOT);
		if (fd == -ENOENT || fd == -ENOTDIR) {
			puts("none");
			continue;
		}
		if (fd < 0) fs_fail("stat", paths[i], -fd);
		struct stat st;
		int r = fs_fstat(fd, &st);
		if (r < 0) fs_fail("stat", paths[i], -r);
		puts(type_of(st.st_mode));
		close(fd);
	}
	return fflush(stdout) ? 1 : 0;
}

/* One framed file (or `-`) on stdout. */
static void read_one(int rootfd, const char *path)
{
	int fd = fs_open(rootfd, path, O_PATH, 1, FS_IN_ROOT);
	struct stat st;
	if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP || (fd >= 0 && (fs_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))) {
		if (fd >= 0) close(fd);
		if (write_all(1, "-\n", 2) < 0) fs_fail("read", "stdout", errno);
		return;
	}
	if (fd < 0) fs_fail("read", path, -fd);
	if (st.st_size > READ_MAX) fs_fail("read", path, EFBIG);
	int rfd = fs_reopen(fd, O_RDONLY | O_NONBLOCK);
	close(fd);
	if (rfd < 0) fs_fail("read", path, -rfd);
	char *buf = malloc(READ_MAX + 1);
	size_t n = 0;
	if (!buf) fs_fail("read", path, ENOMEM);
	for (ssize_t r; n <= READ_MAX && (r = read(rfd, buf + n, READ_MAX + 1 - n)) != 0;) {
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) fs_fail("read", path, errno);
		n += (size_t)r;
	}
	if (n > READ_MAX) fs_fail("read", path, EFBIG);
	close(rfd);
	char len[32];
	int l = snprintf(len, sizeof len, "%zu\n", n);
	if (write_all(1, len, (size_t)l) < 0 || write_all(1, buf, n) < 0) fs_fail("read", "stdout", errno);
	free(buf);
}

static int usage(void)
{
	fprintf(stderr, "usage: berth-helper fs [--overlay DATA] stat ROOT follow|nofollow PATH... | read ROOT PATH... |"
	                " tar-out ROOT PATH follow|nofollow | tar-in ROOT DEST in-root|beneath  (ROOT `-`: the overlay)\n");
	return 2;
}

static int follow_word(const char *w)
{
	return !strcmp(w, "follow") ? 1 : !strcmp(w, "nofollow") ? 0 : -1;
}

int fs_main(int argc, char **argv)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(0);
	for (int fd = 0; fd <= 1; fd++) { /* stdio from a caller's non-blocking pipe: we want to wait */
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max; /* deep trees hold two fds a level */
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	const char *overlay = NULL;
	if (argc >= 2 && !strcmp(argv[0], "--overlay")) {
		overlay = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) return usage();
	const char *op = argv[0];
	int f = argc >= 3 ? follow_word(!strcmp(op, "stat") ? argv[2] : argv[argc - 1]) : -1;
	int ok = (!strcmp(op, "stat") && argc >= 4 && f >= 0) || (!strcmp(op, "read") && argc >= 3) ||
	         (!strcmp(op, "tar-out") && argc == 4 && f >= 0) ||
	         (!strcmp(op, "tar-in") && argc == 4 && (!strcmp(argv[3], "in-root") || !strcmp(argv[3], "beneath")));
	if (!ok) return usage();
	int rootfd = open_root(argv[1], overlay ? mount_overlay(overlay) : -1);
	if (!strcmp(op, "stat")) return op_stat(rootfd, f, argc - 3, argv + 3);
	if (!strcmp(op, "read")) {
		for (int i = 2; i < argc; i++) read_one(rootfd, argv[i]);
		return 0;
	}
	if (!strcmp(op, "tar-out")) tar_out(rootfd, argv[2], f);
	else tar_in(rootfd, argv[2], strcmp(argv[3], "beneath") ? FS_IN_ROOT : FS_BENEATH);
	return 0;
}
