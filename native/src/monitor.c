/* The monitor: clones the container's init, relays setup messages to the runtime,
 * then stays behind (like conmon): reaps the init, forwards signals, copies its
 * output into the log and to attached clients, records how it ended, restarts it
 * by policy and runs its health checks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
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
#include <unistd.h>
#include "monitor.h"

/* setns(2) for the monitor itself, before clone: the init is born in that namespace (pid: its
 * children are). The monitor has nothing of its own in net/ipc/uts/cgroup namespaces to lose.
 * A user namespace comes last (the plan's order): the namespaces the clone makes belong to it, and
 * the monitor keeps its host uid 0, which still owns the cgroup and state files it writes. */
static void join_namespace(struct monitor *m, const char *type, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) fail(m->ts, "open namespace", path, errno);
	int t = !strcmp(type, "net") ? CLONE_NEWNET : !strcmp(type, "ipc") ? CLONE_NEWIPC : !strcmp(type, "uts") ? CLONE_NEWUTS
	      : !strcmp(type, "cgroup") ? CLONE_NEWCGROUP : !strcmp(type, "pid") ? CLONE_NEWPID : !strcmp(type, "user") ? CLONE_NEWUSER : 0;
	if (!t || setns(fd, t) < 0) fail(m->ts, "join namespace", path, t ? errno : EINVAL);
	close(fd);
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
		else if (!strcmp(n, "stdin_pipe")) m->stdin_pipe = 1;
		else if (!strcmp(n, "attach")) m->attach_path = op_arg(o, 0);
		else if (!strcmp(n, "clone")) {
			m->clone_flags = op_hex(o, 0);
			/* The cgroup namespace is made by the init once it is in its cgroups (child_main),
			 * so that its root is the container's own cgroup, not the monitor's. */
			if (m->clone_flags & CLONE_NEWCGROUP) { m->clone_flags &= ~(unsigned long)CLONE_NEWCGROUP; child_unshare_cgroup = 1; }
		}
		else if (!strcmp(n, "join_ns")) join_namespace(m, op_arg(o, 0), op_arg(o, 1));
		else if (!strcmp(n, "uid_map")) m->uid_map = op_arg(o, 0);
		else if (!strcmp(n, "gid_map")) m->gid_map = op_arg(o, 0);
		else if (!strcmp(n, "exec_fifo")) m->fifo = op_arg(o, 0);
		else if (!strcmp(n, "cgroup_procs") && m->ncgroup < 16) m->cgroup_procs[m->ncgroup++] = op_arg(o, 0);
		else if (!strcmp(n, "early_pid")) m->early_pid = 1;
		else if (!strcmp(n, "no_monitor")) { m->no_monitor = 1; child_no_pdeathsig = 1; }
		else if (!strcmp(n, "clone_into")) m->clone_into = op_arg(o, 0);
		else if (!strcmp(n, "bpf_devices")) {
			int e = attach_device_filter(op_arg(o, 0), op_arg(o, 1));
			if (e) fail(m->ts, "attach device filter to", op_arg(o, 0), e);
		} else if (!strcmp(n, "restart")) { m->restart = op_arg(o, 0); m->max_retries = (int)op_num(o, 1); }
		else if (!strcmp(n, "health")) health_parse(&m->health, o);
		else if (!strcmp(n, "on_exit") && o->argc > 0) m->on_exit = o->argv;
	}
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* clone3's arguments (linux/sched.h), spelled out: that header clashes with glibc's sched.h. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * clone(2), or with clone_into clone3(CLONE_INTO_CGROUP): the child is born in its cgroup2
 * directory, no migration (which waits for an RCU grace period). Returns -2 when the
 * kernel lacks it (before 5.7): the caller clones plainly and writes cgroup.procs.
 */
static pid_t clone_init(struct monitor *m)
{
	if (m->clone_into) {
		int cg = open(m->clone_into, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cg < 0) return -1;
		struct clone3_args a = { .flags = (uint64_t)m->clone_flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cg };
		pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		int e = errno;
		if (pid != 0) close(cg);
		if (pid >= 0) return pid;
		if (e != ENOSYS && e != E2BIG) { errno = e; return -1; }
		return -2;
	}
	return (pid_t)syscall(SYS_clone, m->clone_flags | SIGCHLD, 0, 0, 0, 0);
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
		return;
	}
	if (m->pty >= 0) close(m->pty);
	m->pty = master;
	m->sink.pty = master;
	m->sink.stdin_fd = master;
}

/* One message from the child. Returns 1 on `ready`, 2 on `error`, 3 on EOF (exec'd), 0 otherwise. */
int child_message(struct monitor *m)
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
	if (!strncmp(buf, "error", 5)) {
		if (m->ts < 0) fprintf(stderr, "berth-helper: %s\n", buf);
		return 2;
	}
	return 0;
}

static void child_stdio(struct monitor *m)
{
	if (!strcmp(m->stdio, "inherit") || m->terminal) return;
	int null = open("/dev/null", O_RDWR);
	dup2(m->stdin_pipe ? m->in[0] : null, 0);
	dup2(!strcmp(m->stdio, "log") ? m->out[1] : null, 1);
	dup2(!strcmp(m->stdio, "log") ? m->err[1] : null, 2);
	if (null > 2) close(null);
}

/* Clone the init and take it through setup. With the runtime on the line (the first start)
 * it decides when the child goes; on a restart the monitor lets it go at once.
 * Returns 0 when the init is running (or waiting for start), else its exit status code. */
static int spawn_init(struct monitor *m, struct plan *p)
{
	int sp[2], fifo = -1, e;
	if (m->fifo) {
		if (mkfifo(m->fifo, 0600) < 0 && errno != EEXIST) fail(m->ts, "mkfifo", m->fifo, errno);
		fifo = open(m->fifo, O_RDWR | O_CLOEXEC);
		if (fifo < 0) fail(m->ts, "open", m->fifo, errno);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) fail(m->ts, "socketpair", "sync", errno);
	m->t_clone = now_ns();
	pid_t pid = clone_init(m);
	int born_in = pid != -2 && m->clone_into; /* else it joins clone_into like the others */
	if (pid == -2) pid = (pid_t)syscall(SYS_clone, m->clone_flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) fail(m->ts, "clone", m->clone_into ? m->clone_into : "namespaces", errno);
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &m->oldmask, NULL);
		close(sp[0]);
		if (m->ts >= 0) close(m->ts);
		child_stdio(m);
		child_main(p, sp[1], fifo);
	}
	m->init = pid;
	m->sync = sp[0];
	close(sp[1]);
	if (fifo >= 0) close(fifo);
	int ts = m->ts >= 0 ? m->ts : 2;
	if (m->uid_map && (e = write_map(pid, "uid_map", m->uid_map)) < 0) { kill(pid, SIGKILL); fail(ts, "write", "uid_map", -e); }
	if (m->gid_map && (e = write_map(pid, "gid_map", m->gid_map)) < 0) { kill(pid, SIGKILL); fail(ts, "write", "gid_map", -e); }
	/* Into the cgroups before the child runs a single instruction of the plan. The first
	 * migration waits for an RCU grace period (~10 ms): with early_pid the runtime gets the
	 * pid first and does its own part (e.g. the network) meanwhile; `go` is read after. */
	if (m->ts >= 0 && m->early_pid) send_line(m->ts, "pid\t%d", pid);
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	for (int i = 0; i < m->ncgroup; i++)
		if ((e = write_file(m->cgroup_procs[i], pidstr)) < 0) { kill(pid, SIGKILL); fail(ts, "join cgroup", m->cgroup_procs[i], -e); }
	if (m->clone_into && !born_in) {
		char procs[4200];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", m->clone_into);
		if ((e = write_file(procs, pidstr)) < 0) { kill(pid, SIGKILL); fail(ts, "join cgroup", procs, -e); }
	}
	if (m->ts >= 0) {
		if (!m->early_pid) send_line(m->ts, "pid\t%d", pid);
		char line[256];
		long long t0 = now_ns();
		if (read_line(m->ts, line, sizeof(line)) <= 0 || strcmp(line, "go") != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			exit(1);
		}
		m->t_go = now_ns() - t0;
	}
	if (write(m->sync, "g", 1) != 1) fail(ts, "sync", "child", errno);
	record_start(m);
	for (;;) {
		int r = child_message(m);
		/* Held for `start` (create) is done at `ready`; otherwise wait for the exec itself. */
		if ((r == 1 && m->fifo) || r == 3) return 0;
		if (r == 2) {
			int st;
			waitpid(pid, &st, 0);
			return status_code(st) ? status_code(st) : 1;
		}
	}
}

int monitor_main(struct plan *p, int ts)
{
	struct monitor m = { .ts = ts, .stdio = "inherit", .pty = -1, .sync = -1, .in = { -1, -1 }, .out = { -1, -1 }, .err = { -1, -1 } };
	m.sink.stdin_fd = m.sink.pty = -1;
	m.health.pid = -1;
	m.health.out = -1;
	parse(&m, p);
	/* Live in the state directory: /proc/PID/cwd then names the container this monitor keeps,
	 * and says "(deleted)" once its root is gone (`berth system check` finds orphans that way). */
	if (m.state_dir && chdir(m.state_dir) < 0) fail(ts, "chdir", m.state_dir, errno);
	signal(SIGPIPE, SIG_IGN);
	if (!m.no_monitor) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* The pipes outlive restarts: the monitor keeps both ends. */
	if (!strcmp(m.stdio, "log")) {
		if (pipe2(m.out, O_CLOEXEC) < 0 || pipe2(m.err, O_CLOEXEC) < 0) fail(ts, "pipe", "stdio", errno);
		m.log = log_open(m.log_path, m.log_max, m.log_files);
		if (!m.log) fail(ts, "open log", m.log_path, errno);
	}
	if (m.stdin_pipe) {
		if (pipe2(m.in, O_CLOEXEC) < 0) fail(ts, "pipe", "stdin", errno);
		m.sink.stdin_fd = m.in[1];
	}
	if (m.attach_path) {
		int e = attach_listen(&m.attach, m.attach_path);
		if (e < 0) fail(ts, "listen", m.attach_path, -e);
		m.attaching = 1;
	}
	sigemptyset(&m.mask);
	int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaddset(&m.mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &m.mask, &m.oldmask);
	int code = spawn_init(&m, p);
	if (code || m.no_monitor) return code;
	m.fifo = NULL; /* restarts exec at once */
	m.sfd = signalfd(-1, &m.mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m.sfd < 0) fail(ts, "signalfd", "monitor", errno);
	return supervise(&m, p);
}

int respawn(struct monitor *m, struct plan *p)
{
	return spawn_init(m, p);
}
