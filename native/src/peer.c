/* berth-helper peer-context: what the kernel says about the process at the other end of the
 * connected unix socket on fd 3 (the accelerator's check of its caller, src/sys/procContext.ts).
 * Prints "pid N", then the peer's context in the form src/sys/procContext.ts ownContext() gives
 * the accelerator's own: "nice N", "ns <link>" for cgroup ipc mnt net pid user uts, "root <link>",
 * the Uid, Gid, Groups, Cap..., NoNewPrivs and Seccomp... lines of its status, then its limits file.
 *
 * The peer is taken from SO_PEERPIDFD (Linux 6.5+: a pidfd for the process that connected, so a
 * reused pid cannot stand in for it), else SO_PEERCRED's pid opened with pidfd_open. Everything
 * is read through /proc/PID; afterwards the pidfd must still name a live process (so PID was not
 * reused while we read), and the socket's peer must still be connected. Exits 1 with a message on
 * stderr when any of it fails: the accelerator then refuses to run the command warm. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static int bad(const char *what, int err)
{
	fprintf(stderr, "berth-helper peer-context: %s: %s\n", what, strerror(err));
	return 1;
}

/* The pid a pidfd refers to, from /proc/self/fdinfo ("Pid:" line); <= 0 if gone or not visible. */
static int pidfd_pid(int pidfd)
{
	char path[64], data[1024];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) return -1;
	ssize_t n = read(f, data, sizeof data - 1);
	close(f);
	if (n <= 0) return -1;
	data[n] = 0;
	char *p = strstr(data, "\nPid:");
	return p ? atoi(p + 5) : -1;
}

static int put_file(const char *path, int status_only)
{
	char data[16384];
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) return -errno;
	size_t len = 0;
	for (ssize_t n; len < sizeof data - 1 && (n = read(f, data + len, sizeof data - 1 - len)) != 0; len += (size_t)n) {
		if (n < 0) {
			int e = errno;
			close(f);
			return -e;
		}
	}
	close(f);
	data[len] = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		static const char *keep[] = {"Uid:", "Gid:", "Groups:", "Cap", "NoNewPrivs:", "Seccomp:", "Seccomp_filters:"};
		int want = !status_only;
		for (size_t i = 0; !want && i < sizeof keep / sizeof *keep; i++) want = !strncmp(line, keep[i], strlen(keep[i]));
		if (want) printf("%s\n", line);
	}
	return 0;
}

int peer_main(int argc, char **argv)
{
	int pidfd = -1;
	socklen_t len = sizeof pidfd;
	if (getsockopt(3, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		if (errno != ENOPROTOOPT) return bad("SO_PEERPIDFD", errno);
		/* Before Linux 6.5: the pid recorded at connect(), opened now. */
		struct ucred cred;
		len = sizeof cred;
		if (getsockopt(3, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return bad("SO_PEERCRED", errno);
		if (cred.pid <= 0) return bad("SO_PEERCRED", ESRCH);
		pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
		if (pidfd < 0) return bad("pidfd_open", errno);
	}
	int pid = pidfd_pid(pidfd);
	if (pid <= 0) return bad("peer pid", ESRCH);

	printf("pid %d\n", pid);
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, (id_t)pid);
	if (errno) return bad("getpriority", errno);
	printf("nice %d\n", nice);
	static const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"};
	char path[64], link[4096];
	for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns[i]);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n < 0) return bad(path, errno);
		link[n] = 0;
		printf("ns %s\n", link);
	}
	snprintf(path, sizeof path, "/proc/%d/root", pid);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n < 0) return bad(path, errno);
	link[n] = 0;
	printf("root %s\n", link);
	int r;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((r = put_file(path, 1)) < 0) return bad(path, -r);
	snprintf(path, sizeof path, "/proc/%d/limits", pid);
	if ((r = put_file(path, 0)) < 0) return bad(path, -r);

	/* Still the same process (a pidfd never follows a reused pid), still at the other end. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) return bad("peer exited", errno);
	struct pollfd p = {.fd = 3, .events = POLLRDHUP};
	if (poll(&p, 1, 0) < 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) return bad("peer hung up", ECONNRESET);
	if (fflush(stdout) != 0 || ferror(stdout)) return bad("stdout", EIO);
	return 0;
}
