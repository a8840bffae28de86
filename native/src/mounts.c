/* Filesystem ops of the child: mounts, device nodes, pivot_root, masking. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "helper.h"

#define PROPAGATION (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/* Flags a remount must keep: in a user namespace they are locked. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0) return 0;
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

/* Create the mount point inside the root and return an O_PATH fd to it. */
static int prepare_target(struct mount_ctx *m, const char *source, const char *target, unsigned long flags)
{
	struct stat st;
	int is_file = (flags & MS_BIND) && stat(source, &st) == 0 && !S_ISDIR(st.st_mode);
	int r = is_file ? create_file_in_root(m->rootfd, target, 0644) : mkdirs_in_root(m->rootfd, target, 0755);
	if (r < 0) return r;
	return open_in_root(m->rootfd, target, O_PATH);
}

/* MS_* flags as MOUNT_ATTR_* (those an overlay of a root or volume is given). */
static unsigned mount_attrs(unsigned long flags)
{
	return (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) | (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
	       (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) | (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0) |
	       (flags & MS_NOATIME ? MOUNT_ATTR_NOATIME : 0) | (flags & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0);
}

/* An overlay on the O_PATH fd `fd` (`proc` its /proc path): fsmount + move_mount, so a
 * lowerdir of any number of layers fits; mount(2) (one page of data) where the kernel needs it. */
static int mount_overlay_on(int fd, const char *proc, const char *data, unsigned long flags, const char **what)
{
	const char *opt;
	int mfd = overlay_fsmount(data, mount_attrs(flags), &opt);
	if (mfd == -ENOSYS) return -overlay_mount_legacy(data, proc, flags);
	if (mfd < 0) {
		*what = opt;
		return -mfd;
	}
	int r = move_mount(mfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ? errno : 0;
	close(mfd);
	return r;
}

/* mount SOURCE TARGET FSTYPE FLAGS DATA */
int do_mount_op(struct mount_ctx *m, const struct op *o, const char **what)
{
	const char *source = op_arg(o, 0), *target = op_arg(o, 1), *fstype = op_arg(o, 2), *data = op_arg(o, 4);
	unsigned long flags = op_hex(o, 3);
	*what = target;
	int fd = prepare_target(m, source, target, flags);
	if (fd < 0) return -fd;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int err = 0;
	unsigned long prop = flags & PROPAGATION;
	unsigned long base = flags & ~PROPAGATION;
	if (base & MS_BIND) {
		if (mount(source, proc, NULL, MS_BIND | (base & MS_REC), NULL) < 0) {
			err = errno;
			goto out;
		}
		unsigned long extra = base & ~(MS_BIND | MS_REC | MS_REMOUNT);
		if (extra) {
			/* Reopen: the fd still points at the covered directory. */
			close(fd);
			fd = open_in_root(m->rootfd, target, O_PATH);
			if (fd < 0) return -fd;
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			if (mount(NULL, proc, NULL, MS_REMOUNT | MS_BIND | extra | locked_flags(proc), NULL) < 0) {
				err = errno;
				goto out;
			}
		}
	} else if (!strcmp(fstype, "overlay")) {
		if ((err = mount_overlay_on(fd, proc, data, base, what))) goto out;
	} else if (mount(*source ? source : fstype, proc, fstype, base, *data ? data : NULL) < 0) {
		err = errno;
		goto out;
	}
	if (prop) {
		close(fd);
		fd = open_in_root(m->rootfd, target, O_PATH);
		if (fd < 0) return -fd;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (mount(NULL, proc, NULL, prop | (base & MS_REC), NULL) < 0) err = errno;
	}
out:
	close(fd);
	return err;
}

int do_pivot_root(struct mount_ctx *m, const char **what)
{
	*what = m->rootfs;
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0) return errno;
	int err = 0;
	if (fchdir(m->rootfd) < 0) { err = errno; goto out; }
	/* m->rootfd is O_PATH; fchdir accepts it. pivot_root(".", ".") stacks the old root under the new one. */
	if (syscall(SYS_pivot_root, ".", ".") < 0) { err = errno; goto out; }
	if (fchdir(oldroot) < 0) { err = errno; goto out; }
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) { err = errno; goto out; }
	if (umount2(".", MNT_DETACH) < 0) { err = errno; goto out; }
	if (chdir("/") < 0) { err = errno; goto out; }
	close(m->rootfd);
	m->rootfd = -1;
out:
	close(oldroot);
	return err;
}

/* Without pivot_root (runc --no-pivot, e.g. a rootfs on a ramfs): move the rootfs onto / and chroot into it. */
int do_move_root(struct mount_ctx *m, const char **what)
{
	*what = m->rootfs;
	if (fchdir(m->rootfd) < 0) return errno;
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return errno;
	if (chroot(".") < 0 || chdir("/") < 0) return errno;
	close(m->rootfd);
	m->rootfd = -1;
	return 0;
}

/* Hide a path: /dev/null over a file, an empty read-only tmpfs over a directory. */
int do_mask(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) return errno == ENOENT ? 0 : errno;
	int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1")
	                            : mount("/dev/null", path, NULL, MS_BIND, NULL);
	return r < 0 ? errno : 0;
}

int do_readonly(const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return errno == ENOENT ? 0 : errno;
	return do_remount_ro(path);
}

int do_remount_ro(const char *path)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(path), NULL) < 0) return errno;
	return 0;
}
