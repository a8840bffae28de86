/* `berth-helper idmap-mount UIDMAP GIDMAP SRC DST [SRC DST]...`: idmapped bind mounts
 * for `--userns` (src/sys/idmapMount.ts). Each SRC is cloned (open_tree), given the
 * idmapping of a throwaway user namespace holding UIDMAP/GIDMAP (mount_setattr
 * MOUNT_ATTR_IDMAP) and attached at DST (move_mount), so a file owned by id X in SRC
 * is seen at DST as owned by X's host id. Maps are "inside outside count" entries
 * joined by ',' (as the plan's uid_map op). Errors: one line `idmap-mount: OP `PATH`: ERR`. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static int idmap_fail(const char *op, const char *path, int err)
{
	fprintf(stderr, "idmap-mount: %s `%s`: %s\n", op, path, strerror(err));
	return 1;
}

static int write_map(pid_t pid, const char *file, const char *map)
{
	char path[64], buf[4096];
	size_t n = strlen(map);
	if (n >= sizeof buf) return -E2BIG;
	for (size_t i = 0; i <= n; i++) buf[i] = map[i] == ',' ? '\n' : map[i];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -errno;
	ssize_t w = write(fd, buf, n);
	int e = w < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* A user namespace with the maps, as an fd; its only process is gone on return. */
static int userns_fd(const char *uidmap, const char *gidmap)
{
	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) return -errno;
	pid_t pid = fork();
	if (pid < 0) return -errno;
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		char c = unshare(CLONE_NEWUSER) ? 'e' : 'k';
		if (write(ready[1], &c, 1) != 1) _exit(1);
		if (read(go[0], &c, 1) < 0) _exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c = 0;
	int e = read(ready[0], &c, 1) == 1 && c == 'k' ? 0 : -EPERM;
	char path[64];
	int fd = -1;
	if (!e) e = write_map(pid, "uid_map", uidmap);
	if (!e) e = write_map(pid, "gid_map", gidmap);
	if (!e) {
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) e = -errno;
	}
	close(go[1]);
	close(ready[0]);
	waitpid(pid, NULL, 0);
	return e ? e : fd;
}

int idmap_main(int argc, char **argv)
{
	if (argc < 4 || argc % 2) {
		fprintf(stderr, "usage: berth-helper idmap-mount UIDMAP GIDMAP SRC DST [SRC DST]...\n");
		return 2;
	}
	int ns = userns_fd(argv[0], argv[1]);
	if (ns < 0) return idmap_fail("user namespace", argv[0], -ns);
	for (int i = 2; i + 1 < argc; i += 2) {
		int fd = open_tree(AT_FDCWD, argv[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fd < 0) return idmap_fail("open_tree", argv[i], errno);
		struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned)ns };
		if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof a)) return idmap_fail("mount_setattr", argv[i], errno);
		if (move_mount(fd, "", AT_FDCWD, argv[i + 1], MOVE_MOUNT_F_EMPTY_PATH)) return idmap_fail("move_mount", argv[i + 1], errno);
		close(fd);
	}
	close(ns);
	return 0;
}
