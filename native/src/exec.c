/* `berth-helper exec PLAN PID`: a new process inside a running container. It joins
 * every namespace of PID that differs from ours (user last), forks into the pid
 * namespace, is placed in the container's cgroups, then runs the plan's child part.
 * With `terminal` it gets a pty of the container's devpts, proxied to our stdio. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "helper.h"

/* The user namespace last: as root of the host's user namespace we may join every namespace
 * (a container's persistent network namespace is owned by the host's); once inside the
 * container's user namespace we could not join that one any more. */
static const struct { const char *name; int type; } NS[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS }, { "user", CLONE_NEWUSER },
};
#define NNS (sizeof(NS) / sizeof(NS[0]))

/* Open the target's namespaces that differ from ours; -1 for the shared ones. */
static int open_namespaces(int pid, int fds[NNS])
{
	for (size_t i = 0; i < NNS; i++) {
		char path[64], self[64];
		struct stat a, b;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, NS[i].name);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", NS[i].name);
		fds[i] = -1;
		if (stat(path, &a) < 0) return errno;
		if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) return errno;
	}
	return 0;
}

/* Without a terminal the process gets pipes, never our own fds (the caller's terminal: TIOCSTI,
 * /proc/self/fd/0 reopened). pipes[i] = { process end, our end } for stdin, stdout, stderr. */
static int stdio_pipes(int pipes[3][2])
{
	for (int i = 0; i < 3; i++) {
		int f[2];
		if (pipe2(f, O_CLOEXEC) < 0) return errno;
		pipes[i][0] = i == 0 ? f[0] : f[1];
		pipes[i][1] = i == 0 ? f[1] : f[0];
	}
	return 0;
}

static noreturn void joiner(struct plan *p, int fds[NNS], int sync, int pipes[3][2])
{
	for (size_t i = 0; i < NNS; i++)
		if (fds[i] >= 0 && setns(fds[i], NS[i].type) < 0) fail(sync, "setns", NS[i].name, errno);
	pid_t c = fork();
	if (c < 0) fail(sync, "fork", "exec", errno);
	if (c == 0) {
		child_no_pdeathsig = 1;
		if (pipes) {
			/* Its own session, stdio on the pipes (with a terminal, `console` does both). */
			if (setsid() < 0) fail(sync, "setsid", "exec", errno);
			for (int i = 0; i < 3; i++)
				if (dup2(pipes[i][0], i) < 0) fail(sync, "dup2", "stdio", errno);
		}
		child_main(p, sync, -1);
	}
	send_line(sync, "pid\t%d", c);
	_exit(0);
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0) ioctl(to, TIOCSWINSZ, &ws);
}

/* The caller's resize channel (the Engine API's exec resize): lines `resize\tROWS\tCOLS` set
 * the pty's size; on EOF or error it is closed and marked -1. */
static void read_resize(int *ctl, int pty, char *line, size_t *n, size_t cap)
{
	char c[64];
	ssize_t r = read(*ctl, c, sizeof(c));
	if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
	if (r <= 0) { close(*ctl); *ctl = -1; return; }
	for (ssize_t i = 0; i < r; i++) {
		if (c[i] != '\n') { if (*n < cap - 1) line[(*n)++] = c[i]; continue; }
		line[*n] = 0;
		*n = 0;
		struct winsize ws = { 0 };
		if (pty >= 0 && sscanf(line, "resize\t%hu\t%hu", &ws.ws_row, &ws.ws_col) == 2) ioctl(pty, TIOCSWINSZ, &ws);
	}
}

/* Copy one read from `from` to `to`; on EOF or error close `from` and mark it -1. */
static void pump(int *from, int to, char *buf, size_t len)
{
	ssize_t n = read(*from, buf, len);
	if (n > 0) { write_all(to, buf, (size_t)n); return; }
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
	close(*from);
	*from = -1;
}

/* Proxy our stdio and the process's (its pty, or its stdout/stderr pipes; our stdin goes to
 * `in`) until it ends and its output is drained; returns its wait status. */
static int proxy(pid_t pid, int out, int err, int in, int sfd, int ctl)
{
	int status = 0, done = 0, stdin_open = in >= 0;
	char buf[32768], line[64];
	size_t nline = 0;
	while (!done || out >= 0 || err >= 0) {
		struct pollfd fds[5] = { { .fd = sfd, .events = POLLIN }, { .fd = out, .events = POLLIN }, { .fd = stdin_open ? 0 : -1, .events = POLLIN }, { .fd = err, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
		int r = poll(fds, 5, done ? 0 : -1);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0 && done) break;
		if (fds[1].revents) pump(&out, 1, buf, sizeof(buf));
		if (fds[3].revents) pump(&err, 2, buf, sizeof(buf));
		if (fds[2].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n > 0) write_all(in, buf, (size_t)n);
			else {
				stdin_open = 0;
				if (in != out) { close(in); in = -1; } /* EOF on a pipe; a pty keeps its master */
			}
		}
		if (fds[4].revents) read_resize(&ctl, out == in ? out : -1, line, &nline, sizeof(line));
		if (!(fds[0].revents & POLLIN)) continue;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH) { if (out >= 0 && out == in) copy_winsize(0, out); continue; }
			if (si.ssi_signo != SIGCHLD) { kill(pid, (int)si.ssi_signo); continue; }
			int st;
			pid_t w;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == pid) { status = st; done = 1; }
		}
	}
	return status;
}

/* direct mode with a terminal: the pty master goes to the caller's console socket (runc's --console-socket). */
static void send_console(const char *path, int master, const char *name, int out)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 || send_fd(s, master, name) < 0)
		report_error(out, "console socket", path, errno);
	if (s >= 0) close(s);
	close(master);
}

int exec_main(struct plan *p, int pid, int ts)
{
	int terminal = 0, direct = 0, resizable = 0, fds[NNS];
	const char *console_socket = NULL;
	const char *cgroups[16];
	int ncg = 0;
	for (int i = 0; i < p->child_start - 1; i++) {
		const struct op *o = &p->ops[i];
		if (!strcmp(o->name, "terminal")) terminal = 1;
		/* direct: the process keeps our stdio and goes to our nearest subreaper (a containerd shim)
		 * once it runs; we do not wait for it (runc exec --detach). */
		else if (!strcmp(o->name, "direct")) direct = 1;
		/* resize_chan: after `exec`, the sync channel stays open for `resize` lines (a pty without a terminal on our stdin). */
		else if (!strcmp(o->name, "resize_chan")) resizable = 1;
		else if (!strcmp(o->name, "console_socket")) console_socket = op_arg(o, 0);
		else if (!strcmp(o->name, "cgroup_procs") && ncg < 16) cgroups[ncg++] = op_arg(o, 0);
	}
	int out = ts >= 0 ? ts : 2;
	signal(SIGPIPE, SIG_IGN);
	if (!direct) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	int e = open_namespaces(pid, fds);
	if (e) fail(out, "open namespaces of", "the container", e == ENOENT ? ESRCH : e);
	int pipes[3][2], sp[2];
	if (!terminal && !direct && (e = stdio_pipes(pipes))) fail(out, "pipe", "stdio", e);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) fail(out, "socketpair", "sync", errno);
	sigset_t mask, old;
	sigemptyset(&mask);
	int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	pid_t j = fork();
	if (j < 0) fail(out, "fork", "exec", errno);
	if (j == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sp[0]);
		if (ts >= 0) close(ts);
		joiner(p, fds, sp[1], terminal || direct ? NULL : pipes);
	}
	if (!terminal && !direct)
		for (int i = 0; i < 3; i++) close(pipes[i][0]);
	close(sp[1]);
	for (size_t i = 0; i < NNS; i++) if (fds[i] >= 0) close(fds[i]);
	char msg[8192];
	int fd, st;
	int r = recv_fd(sp[0], msg, sizeof(msg), &fd);
	waitpid(j, &st, 0);
	if (r <= 0 || strncmp(msg, "pid\t", 4) != 0) {
		if (r > 0) { msg[strcspn(msg, "\n")] = 0; send_line(out, "%s", msg); }
		return 126;
	}
	pid_t child = (pid_t)atoi(msg + 4);
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%d", child);
	for (int i = 0; i < ncg; i++)
		if ((e = write_file(cgroups[i], pidstr)) < 0) { kill(child, SIGKILL); fail(out, "join cgroup", cgroups[i], -e); }
	if (ts >= 0) send_line(ts, "pid\t%d", child);
	if (write(sp[0], "g", 1) != 1) fail(out, "sync", "exec", errno);
	int pty = -1;
	for (;;) {
		r = recv_fd(sp[0], msg, sizeof(msg), &fd);
		if (r <= 0 && fd < 0) break; /* exec'd */
		if (fd >= 0 && direct) { msg[strcspn(msg, "\n")] = 0; send_console(console_socket ? console_socket : "", fd, msg, out); continue; }
		if (fd >= 0) { pty = fd; if (isatty(0)) copy_winsize(0, pty); continue; }
		msg[strcspn(msg, "\n")] = 0;
		if (!strncmp(msg, "error", 5)) {
			send_line(out, "%s", msg);
			waitpid(child, &st, 0);
			return status_code_of(st);
		}
	}
	close(sp[0]);
	int ctl = -1;
	if (ts >= 0) {
		send_line(ts, "exec\t0\t0");
		if (resizable && terminal && !direct) ctl = ts;
		else close(ts);
	}
	if (direct) return 0;
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (terminal) return status_code_of(proxy(child, pty, -1, pty, sfd, ctl));
	return status_code_of(proxy(child, pipes[1][1], pipes[2][1], pipes[0][1], sfd, -1));
}
