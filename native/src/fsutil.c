/* Resolve paths inside the container's rootfs with openat2(RESOLVE_IN_ROOT):
 * a symlink in the image can never send a mount or a device node outside it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

static int openat2_in_root(int rootfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (unsigned long long)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*rel == '/') rel++;
	if (!*rel) rel = ".";
	int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int open_in_root(int rootfd, const char *rel, int flags)
{
	if (rootfd < 0) {
		int fd = open(rel, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return openat2_in_root(rootfd, rel, flags);
}

/* mkdir -p, one component at a time, each step resolved inside the root. */
int mkdirs_in_root(int rootfd, const char *rel, mode_t mode)
{
	char buf[4096];
	if (strlen(rel) >= sizeof(buf)) return -ENAMETOOLONG;
	strcpy(buf, rel);
	int dirfd = rootfd >= 0 ? dup(rootfd) : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) return -errno;
	char *save = NULL;
	for (char *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0) continue;
		if (mkdirat(dirfd, part, mode) < 0 && errno != EEXIST) {
			int e = errno;
			close(dirfd);
			return -e;
		}
		struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
		int next;
		if (rootfd >= 0) {
			/* Resolve from the root again so `..` and symlinks stay inside it. */
			size_t upto = (size_t)(part - buf) + strlen(part);
			char prefix[4096];
			memcpy(prefix, rel, upto);
			prefix[upto] = 0;
			next = (int)syscall(SYS_openat2, rootfd, prefix[0] == '/' ? prefix + 1 : prefix, &how, sizeof(how));
		} else {
			next = openat(dirfd, part, O_PATH | O_DIRECTORY | O_CLOEXEC);
		}
		int e = errno;
		close(dirfd);
		if (next < 0) return -e;
		dirfd = next;
	}
	close(dirfd);
	return 0;
}

/* Make sure a regular file exists at rel (for bind-mounting a file onto it). */
int create_file_in_root(int rootfd, const char *rel, mode_t mode)
{
	char dir[4096];
	if (strlen(rel) >= sizeof(dir)) return -ENAMETOOLONG;
	strcpy(dir, rel);
	char *slash = strrchr(dir, '/');
	const char *name = rel;
	if (slash) {
		*slash = 0;
		name = rel + (slash - dir) + 1;
		int r = mkdirs_in_root(rootfd, dir, 0755);
		if (r < 0) return r;
	} else {
		dir[0] = 0;
	}
	int dfd = open_in_root(rootfd, dir[0] ? dir : (rootfd >= 0 ? "." : "/"), O_PATH | O_DIRECTORY);
	if (dfd < 0) return dfd;
	int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	int e = errno;
	close(dfd);
	if (fd < 0 && e != EEXIST && e != ELOOP) return -e;
	if (fd >= 0) close(fd);
	return 0;
}

int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -errno;
	int r = write_all(fd, data, strlen(data));
	int e = errno;
	close(fd);
	return r < 0 ? -e : 0;
}
