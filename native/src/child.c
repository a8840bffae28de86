/* The container's init before exec: runs the child part of the plan in order. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "helper.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct child {
	int sync;
	int fifo;
	struct mount_ctx m;
	char **env;
	int nenv;
	char *hook_state;
	char exec_path[4096];
};

/* Bring up lo in a new network namespace (no `ip` process needed). */
static int loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) return errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int err = 0;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) err = errno;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) err = errno;
	}
	close(s);
	return err;
}

static int ns_type(const char *t)
{
	static const struct { const char *name; int flag; } types[] = {
		{ "net", CLONE_NEWNET }, { "network", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "mnt", CLONE_NEWNS }, { "mount", CLONE_NEWNS }, { "cgroup", CLONE_NEWCGROUP }, { "user", CLONE_NEWUSER },
		{ "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i].name)) return types[i].flag;
	return 0;
}

/* mknod TARGET MODE TYPE MAJOR MINOR UID GID; falls back to bind-mounting the host's node. */
static int do_mknod(struct child *c, const struct op *o)
{
	const char *target = op_arg(o, 0);
	mode_t mode = (mode_t)strtoul(op_arg(o, 1), NULL, 8);
	char t = op_arg(o, 2)[0];
	mode |= t == 'b' ? S_IFBLK : t == 'p' ? S_IFIFO : S_IFCHR;
	dev_t dev = makedev(op_num(o, 3), op_num(o, 4));
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", target);
	char *slash = strrchr(dir, '/');
	const char *name = target;
	if (slash) { *slash = 0; name = target + (slash - dir) + 1; }
	int r = mkdirs_in_root(c->m.rootfd, dir, 0755);
	if (r < 0) return -r;
	int dfd = open_in_root(c->m.rootfd, dir, O_PATH | O_DIRECTORY);
	if (dfd < 0) return -dfd;
	/* The same node already there (an image's /dev): keep it rather than unlink and remake it. */
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == (mode & S_IFMT) && st.st_rdev == dev) {
		close(dfd);
		return 0;
	}
	unlinkat(dfd, name, 0);
	int err = 0;
	if (mknodat(dfd, name, mode, dev) < 0) {
		if (errno != EPERM) { err = errno; goto out; }
		/* In a user namespace: bind the host's node instead. */
		int f = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (f < 0) { err = errno; goto out; }
		close(f);
		char src[4200], proc[64];
		snprintf(src, sizeof(src), "/%s", target);
		int tfd = openat(dfd, name, O_PATH | O_CLOEXEC);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
		if (mount(src, proc, NULL, MS_BIND, NULL) < 0) err = errno;
		close(tfd);
		goto out;
	}
	if (fchownat(dfd, name, (uid_t)op_num(o, 5), (gid_t)op_num(o, 6), AT_SYMLINK_NOFOLLOW) < 0) err = errno;
	else if (fchmodat(dfd, name, mode & 07777, 0) < 0) err = errno;
out:
	close(dfd);
	return err;
}

static int do_symlink(struct child *c, const struct op *o)
{
	const char *link = op_arg(o, 1);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", link);
	char *slash = strrchr(dir, '/');
	const char *name = link;
	if (slash) { *slash = 0; name = link + (slash - dir) + 1; }
	int dfd = open_in_root(c->m.rootfd, dir, O_PATH | O_DIRECTORY);
	if (dfd < 0) return -dfd;
	int r = symlinkat(op_arg(o, 0), dfd, name);
	int e = errno;
	close(dfd);
	return r < 0 && e != EEXIST ? e : 0;
}

static int do_rootfs(struct child *c, const char *path)
{
	snprintf(c->m.rootfs, sizeof(c->m.rootfs), "%s", path);
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return errno;
	c->m.rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return c->m.rootfd < 0 ? errno : 0;
}

static int do_sysctl(const char *key, const char *value)
{
	char path[512];
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (char *p = path + 10; *p; p++)
		if (*p == '.') *p = '/';
	return -write_file(path, value);
}

static int do_rlimit(const struct op *o)
{
	struct rlimit rl;
	const char *s = op_arg(o, 1), *h = op_arg(o, 2);
	rl.rlim_cur = !strcmp(s, "unlimited") ? RLIM_INFINITY : strtoull(s, NULL, 10);
	rl.rlim_max = !strcmp(h, "unlimited") ? RLIM_INFINITY : strtoull(h, NULL, 10);
	return setrlimit((int)op_num(o, 0), &rl) < 0 ? errno : 0;
}

static int read_all_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return errno;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r <= 0) break;
		len += r;
	}
	close(fd);
	buf[len] = 0;
	*out = buf;
	return 0;
}

/* Look the program up the way execvp would, with the container's PATH, as the container's user. */
static int resolve_exec(struct child *c, const char *file, char *out, size_t len)
{
	if (strchr(file, '/')) {
		snprintf(out, len, "%s", file);
	} else {
		const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		for (int i = 0; i < c->nenv; i++)
			if (!strncmp(c->env[i], "PATH=", 5)) path = c->env[i] + 5;
		char buf[8192];
		snprintf(buf, sizeof(buf), "%s", path);
		char *save = NULL;
		int found_noexec = 0;
		for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(out, len, "%s/%s", *d ? d : ".", file);
			struct stat st;
			if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(out, X_OK) == 0) return 0;
				found_noexec = 1;
			}
		}
		return found_noexec ? EACCES : ENOENT;
	}
	struct stat st;
	if (stat(out, &st) < 0) return errno;
	if (S_ISDIR(st.st_mode)) return EACCES;
	return access(out, X_OK) < 0 ? errno : 0;
}

/* `wait_start`: tell the runtime we are ready, then block until `start` writes the FIFO. */
static int wait_start(struct child *c)
{
	send_line(c->sync, "ready");
	if (c->fifo < 0) return 0;
	char b;
	ssize_t r;
	do r = read(c->fifo, &b, 1); while (r < 0 && errno == EINTR);
	if (r != 1) return r < 0 ? errno : EPIPE;
	close(c->fifo);
	c->fifo = -1;
	return 0;
}

/* `exec ARG0 ARG1...`: the program was found by `check_exec`. */
static noreturn void do_exec(struct child *c, const struct op *o)
{
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	c->env = realloc(c->env, sizeof(char *) * (c->nenv + 1));
	c->env[c->nenv] = NULL;
	execve(c->exec_path, o->argv, c->env);
	fail(c->sync, "exec", c->exec_path, errno);
}

/* Stdio on the host's /dev/null (opened by the monitor) would let the container chmod or chown
 * that host node through /proc/self/fd/N: once in the new root, use the container's own. */
static int reopen_null_stdio(const char **what)
{
	int null = -1;
	for (int i = 0; i < 3; i++) {
		struct stat st;
		if (fstat(i, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) continue;
		if (null < 0 && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) { *what = "/dev/null"; return errno; }
		if (dup2(null, i) < 0) return errno;
	}
	if (null >= 0) close(null);
	return 0;
}

/* `cwd PATH`: resolved inside the container's root (no magic links such as /proc/self/fd/N, no
 * `..` above it), then entered by fd. The caller has closed every fd it does not pass on. */
static int enter_cwd(const char *path)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) return errno;
	int fd = open_in_root(root, path, O_PATH | O_DIRECTORY);
	close(root);
	if (fd < 0) return -fd;
	int r = fchdir(fd) < 0 ? errno : 0;
	close(fd);
	return r;
}

static int run_op(struct child *c, const struct op *o, const char **what)
{
	const char *n = o->name, *a0 = op_arg(o, 0);
	*what = a0;
	if (!strcmp(n, "join_ns")) {
		int fd = open(op_arg(o, 1), O_RDONLY | O_CLOEXEC);
		*what = op_arg(o, 1);
		if (fd < 0) return errno;
		int r = setns(fd, ns_type(a0));
		close(fd);
		return r < 0 ? errno : 0;
	}
	if (!strcmp(n, "lo_up")) { *what = "lo"; return loopback_up(); }
	if (!strcmp(n, "unshare")) { *what = "namespaces"; return unshare((int)op_hex(o, 0)) < 0 ? errno : 0; }
	if (!strcmp(n, "become_root")) {
		/* In a new user namespace we start as an unmapped id: become its root first. */
		*what = "user namespace";
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) return errno;
		return setgroups(0, NULL) < 0 && errno != EPERM ? errno : 0;
	}
	if (!strcmp(n, "sethostname")) return sethostname(a0, strlen(a0)) < 0 ? errno : 0;
	if (!strcmp(n, "setdomainname")) return setdomainname(a0, strlen(a0)) < 0 ? errno : 0;
	if (!strcmp(n, "propagation")) { *what = "/"; return mount(NULL, "/", NULL, op_hex(o, 0), NULL) < 0 ? errno : 0; }
	if (!strcmp(n, "rootfs")) return do_rootfs(c, a0);
	if (!strcmp(n, "mount")) return do_mount_op(&c->m, o, what);
	if (!strcmp(n, "mknod")) return do_mknod(c, o);
	if (!strcmp(n, "symlink")) { *what = op_arg(o, 1); return do_symlink(c, o); }
	if (!strcmp(n, "pivot_root")) {
		int r = do_pivot_root(&c->m, what);
		return r ? r : reopen_null_stdio(what);
	}
	if (!strcmp(n, "move_root")) {
		int r = do_move_root(&c->m, what);
		return r ? r : reopen_null_stdio(what);
	}
	if (!strcmp(n, "apparmor")) {
		/* The profile the next execve switches to (the runtime checked the host has AppArmor). */
		char buf[512];
		snprintf(buf, sizeof(buf), "exec %s", a0);
		*what = "/proc/self/attr/apparmor/exec";
		int r = write_file(*what, buf);
		if (r == -ENOENT) { *what = "/proc/self/attr/exec"; r = write_file(*what, buf); }
		return -r;
	}
	if (!strcmp(n, "chroot")) return chroot(a0) < 0 || chdir("/") < 0 ? errno : 0;
	if (!strcmp(n, "mask")) return do_mask(a0);
	if (!strcmp(n, "readonly")) return do_readonly(a0);
	if (!strcmp(n, "remount_ro")) return do_remount_ro(a0);
	if (!strcmp(n, "sysctl")) return do_sysctl(a0, op_arg(o, 1));
	if (!strcmp(n, "rlimit")) { *what = op_arg(o, 3); return do_rlimit(o); }
	if (!strcmp(n, "oom_score_adj")) { *what = "/proc/self/oom_score_adj"; return -write_file(*what, a0); }
	if (!strcmp(n, "umask")) { umask((mode_t)strtoul(a0, NULL, 8)); return 0; }
	if (!strcmp(n, "cwd")) return enter_cwd(a0);
	if (!strcmp(n, "console")) { *what = "/dev/ptmx"; return setup_console(c->sync, atoi(a0), atoi(op_arg(o, 1))); }
	if (!strcmp(n, "check_exec")) return resolve_exec(c, a0, c->exec_path, sizeof(c->exec_path));
	if (!strcmp(n, "wait_start")) { *what = "exec.fifo"; return wait_start(c); }
	if (!strcmp(n, "hook_state")) return read_all_file(a0, &c->hook_state);
	if (!strcmp(n, "hook")) { *what = op_arg(o, 1); return run_hook(o, c->hook_state ? c->hook_state : "{}"); }
	if (!strcmp(n, "env")) {
		c->env = realloc(c->env, sizeof(char *) * (c->nenv + 1));
		c->env[c->nenv++] = o->argv[0];
		return 0;
	}
	int r = do_cred_op(o, what);
	/* A change of credentials resets dumpability to fs.suid_dumpable: stay non-dumpable until exec. */
	if (r >= 0) { prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); return r; }
	*what = n;
	return EINVAL;
}

int child_no_pdeathsig;
int child_unshare_cgroup;

noreturn void child_main(struct plan *p, int sync_fd, int fifo_fd)
{
	struct child c = { .sync = sync_fd, .fifo = fifo_fd, .m = { .rootfd = -1 } };
	/* Before any op: no fd of the monitor's (cgroup dirs, logs, sockets) is left to reach the host through. */
	close_fds_except(sync_fd, fifo_fd);
	/* The monitor ignores SIGPIPE; the container's process starts with the default, as under runc. */
	signal(SIGPIPE, SIG_DFL);
	/* Not the monitor's working directory (its state directory on the host). */
	if (chdir("/") < 0) _exit(1);
	/* Die with the monitor until exec. Not in exec mode: there our parent exits at once. */
	if (getppid() != 1 && !child_no_pdeathsig) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Wait for the go-ahead: the runtime has placed us in our cgroups and set up the network. */
	char go;
	ssize_t r;
	do r = read(sync_fd, &go, 1); while (r < 0 && errno == EINTR);
	if (r != 1) _exit(1);
	if (child_unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0) fail(sync_fd, "unshare", "cgroup namespace", errno);
	for (int i = p->child_start; i < p->n; i++) {
		const struct op *o = &p->ops[i];
		if (!strcmp(o->name, "exec")) do_exec(&c, o);
		const char *what = "";
		int err = run_op(&c, o, &what);
		if (err) {
			char step[4200];
			if (!strcmp(o->name, "mount")) snprintf(step, sizeof(step), "mount %s on", op_arg(o, 0));
			else snprintf(step, sizeof(step), "%s", o->name);
			fail(sync_fd, step, what, err);
		}
	}
	fail(sync_fd, "plan", "no exec op", EINVAL);
}
