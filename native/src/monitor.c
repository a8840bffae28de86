/* The monitor: clones the container's init, relays setup messages to the runtime,
 * then stays behind (like conmon): reaps the init, forwards signals, copies its
 * output into the log and records how it ended. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "helper.h"

struct monitor {
	const char *id, *state_dir, *stdio, *log_path, *console, *fifo, *uid_map, *gid_map;
	const char *cgroup_procs[16];
	int ncgroup;
	long long log_max;
	int log_files, terminal;
	unsigned long clone_flags;
	int ts;            /* runtime's channel; -1 once it has gone */
	int sync;          /* the child's seqpacket socket; -1 after exec */
	int out, err, pty; /* what we copy into the log */
	struct logfile *log;
	pid_t init;
	long long t_clone, t_go;
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void parse(struct monitor *m, struct plan *p)
{
	for (int i = 0; i < p->child_start - 1; i++) {
		const struct op *o = &p->ops[i];
		const char *n = o->name;
		if (!strcmp(n, "id")) m->id = op_arg(o, 0);
		else if (!strcmp(n, "state_dir")) m->state_dir = op_arg(o, 0);
		else if (!strcmp(n, "stdio")) {
			m->stdio = op_arg(o, 0);
			m->log_path = op_arg(o, 1);
			m->log_max = op_num(o, 2);
			m->log_files = (int)op_num(o, 3);
		} else if (!strcmp(n, "terminal")) { m->terminal = 1; m->console = op_arg(o, 0); }
		else if (!strcmp(n, "clone")) m->clone_flags = op_hex(o, 0);
		else if (!strcmp(n, "uid_map")) m->uid_map = op_arg(o, 0);
		else if (!strcmp(n, "gid_map")) m->gid_map = op_arg(o, 0);
		else if (!strcmp(n, "exec_fifo")) m->fifo = op_arg(o, 0);
		else if (!strcmp(n, "cgroup_procs") && m->ncgroup < 16) m->cgroup_procs[m->ncgroup++] = op_arg(o, 0);
	}
}

/* "0 100000 65536,1 ..." -> one mapping per line into /proc/PID/{uid,gid}_map */
static int write_map(pid_t pid, const char *which, const char *map)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, which);
	snprintf(buf, sizeof(buf), "%s", map);
	for (char *c = buf; *c; c++)
		if (*c == ',') *c = '\n';
	return write_file(path, buf);
}

static void give_console(struct monitor *m, int master, const char *name)
{
	if (m->console && *m->console && strcmp(m->console, "-") != 0) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", m->console);
		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 || send_fd(s, master, name) < 0)
			report_error(m->ts >= 0 ? m->ts : 2, "console socket", m->console, errno);
		if (s >= 0) close(s);
		close(master);
	} else {
		m->pty = master;
	}
}

/* Handle one message from the child. Returns 1 on `ready`, 2 on `error`, 3 on EOF (exec'd), 0 otherwise. */
static int child_message(struct monitor *m)
{
	char buf[8192];
	int fd;
	int r = recv_fd(m->sync, buf, sizeof(buf), &fd);
	if (r <= 0 && fd < 0) {
		close(m->sync);
		m->sync = -1;
		if (m->ts >= 0) send_line(m->ts, "exec\t%lld\t%lld", now_ns() - m->t_clone, m->t_go);
		return 3;
	}
	if (fd >= 0) { give_console(m, fd, buf); return 0; }
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n') buf[--len] = 0;
	if (m->ts >= 0) send_line(m->ts, "%s", buf);
	if (!strcmp(buf, "ready")) return 1;
	if (!strncmp(buf, "error", 5)) return 2;
	return 0;
}

static void write_exit(struct monitor *m, int status)
{
	char path[4200], tmp[4200], rec[512];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + sig;
	snprintf(rec, sizeof(rec), "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n",
	         m->init, code, sig, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	snprintf(path, sizeof(path), "%s/exit.json", m->state_dir);
	snprintf(tmp, sizeof(tmp), "%s/.exit.json.tmp", m->state_dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return;
	write_all(fd, rec, strlen(rec));
	fsync(fd);
	close(fd);
	rename(tmp, path);
}

static int copy_out(struct monitor *m, int *fd, const char *stream)
{
	char buf[65536];
	ssize_t r = read(*fd, buf, sizeof(buf));
	if (r > 0) {
		if (m->log) log_write(m->log, stream, buf, (size_t)r);
		return 1;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
	close(*fd);
	*fd = -1;
	return 0;
}

static int status_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The long-lived part: until the init exits. */
static int supervise(struct monitor *m, int sfd)
{
	int status = 0, done = 0;
	while (!done || m->out >= 0 || m->err >= 0 || m->pty >= 0) {
		struct pollfd fds[5] = {
			{ .fd = sfd, .events = POLLIN }, { .fd = m->sync, .events = POLLIN }, { .fd = m->out, .events = POLLIN },
			{ .fd = m->err, .events = POLLIN }, { .fd = m->pty, .events = POLLIN },
		};
		/* Once the init is gone, drain what is left without waiting. */
		int r = poll(fds, 5, done ? 0 : -1);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0 && done) break;
		if (fds[1].revents) child_message(m);
		if (fds[2].revents) copy_out(m, &m->out, "stdout");
		if (fds[3].revents) copy_out(m, &m->err, "stderr");
		if (fds[4].revents) copy_out(m, &m->pty, "stdout");
		if (!(fds[0].revents & POLLIN)) continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si)) continue;
		if (si.ssi_signo != SIGCHLD) {
			kill(m->init, (int)si.ssi_signo);
			continue;
		}
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == m->init) { status = st; done = 1; }
	}
	if (m->log) log_flush(m->log);
	write_exit(m, status);
	return status_code(status);
}

static void child_stdio(struct monitor *m, int out[2], int err[2])
{
	if (!strcmp(m->stdio, "inherit") || m->terminal) return;
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(!strcmp(m->stdio, "log") ? out[1] : null, 1);
	dup2(!strcmp(m->stdio, "log") ? err[1] : null, 2);
	if (null > 2) close(null);
}

int monitor_main(struct plan *p, int ts)
{
	struct monitor m = { .ts = ts, .stdio = "inherit", .out = -1, .err = -1, .pty = -1, .sync = -1 };
	parse(&m, p);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, sp[2], fifo = -1;
	if (!strcmp(m.stdio, "log")) {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) fail(ts, "pipe", "stdio", errno);
		m.log = log_open(m.log_path, m.log_max, m.log_files);
		if (!m.log) fail(ts, "open log", m.log_path, errno);
	}
	if (m.fifo) {
		if (mkfifo(m.fifo, 0600) < 0 && errno != EEXIST) fail(ts, "mkfifo", m.fifo, errno);
		fifo = open(m.fifo, O_RDWR | O_CLOEXEC);
		if (fifo < 0) fail(ts, "open", m.fifo, errno);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) fail(ts, "socketpair", "sync", errno);
	sigset_t mask, old;
	sigemptyset(&mask);
	int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	m.t_clone = now_ns();
	pid_t pid = (pid_t)syscall(SYS_clone, m.clone_flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) fail(ts, "clone", "namespaces", errno);
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sp[0]);
		close(ts);
		child_stdio(&m, out, err);
		child_main(p, sp[1], fifo);
	}
	m.init = pid;
	m.sync = sp[0];
	close(sp[1]);
	if (fifo >= 0) close(fifo);
	if (out[1] >= 0) { close(out[1]); close(err[1]); m.out = out[0]; m.err = err[0]; }
	int e;
	if (m.uid_map && (e = write_map(pid, "uid_map", m.uid_map)) < 0) { kill(pid, SIGKILL); fail(ts, "write", "uid_map", -e); }
	if (m.gid_map && (e = write_map(pid, "gid_map", m.gid_map)) < 0) { kill(pid, SIGKILL); fail(ts, "write", "gid_map", -e); }
	/* Into the cgroups before the child runs a single instruction of the plan. */
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	for (int i = 0; i < m.ncgroup; i++)
		if ((e = write_file(m.cgroup_procs[i], pidstr)) < 0) { kill(pid, SIGKILL); fail(ts, "join cgroup", m.cgroup_procs[i], -e); }
	send_line(ts, "pid\t%d", pid);
	char line[256];
	long long t0 = now_ns();
	if (read_line(ts, line, sizeof(line)) <= 0 || strcmp(line, "go") != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	m.t_go = now_ns() - t0;
	if (write(sp[0], "g", 1) != 1) fail(ts, "sync", "child", errno);
	/* Setup: until the child is ready (waiting for start, or exec'd) or failed. */
	for (;;) {
		int r = child_message(&m);
		if (r == 1 || r == 3) break;
		if (r == 2) {
			int st;
			waitpid(pid, &st, 0);
			return status_code(st);
		}
	}
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) fail(ts, "signalfd", "monitor", errno);
	if (m.ts >= 0 && m.sync < 0) { /* already exec'd: the runtime may go */ }
	return supervise(&m, sfd);
}
