/* The monitor's long-lived loop: output to log and attached clients, signals,
 * the init's exit, restart policy (with Docker's back-off) and health checks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor.h"

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void iso_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int status_code(int status)
{
	return status_code_of(status);
}

/*
 * temp + rename: readers never see half a file. No fsync: the runtime state directory
 * describes live processes, which a power loss ends anyway (runc keeps it on tmpfs).
 */
int write_state_file(const char *dir, const char *name, const char *content)
{
	char path[4200], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return -errno;
	write_all(fd, content, strlen(content));
	close(fd);
	return rename(tmp, path) < 0 ? -errno : 0;
}

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid it names one
 * process for good, so a reader can tell the init from a later process that reused its pid. */
static void start_time_of(pid_t pid, char *out, size_t len)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	out[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) return;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	if (!p) return;
	p += 2; /* field 3 */
	for (int field = 3; field < 22 && p; field++) p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
	if (!p) return;
	size_t k = strspn(p, "0123456789");
	if (k == 0 || k >= len) return;
	memcpy(out, p, k);
	out[k] = 0;
}

/* init.json: the current init (it changes on every restart), with its start time. */
void record_start(struct monitor *m)
{
	char rec[320], when[64], start[32];
	iso_now(when, sizeof(when));
	m->t_start = now_ns();
	start_time_of(m->init, start, sizeof(start));
	snprintf(rec, sizeof(rec), "{\"pid\":%d,\"pidStart\":\"%s\",\"restartCount\":%d,\"startedAt\":\"%s\"}\n", m->init, start, m->restart_count, when);
	if (m->state_dir) write_state_file(m->state_dir, "init.json", rec);
	health_init(&m->health, m->state_dir);
}

static void write_exit(struct monitor *m, int status, int restarting)
{
	char rec[512], when[64];
	iso_now(when, sizeof(when));
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	snprintf(rec, sizeof(rec), "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\",\"restartCount\":%d,\"restarting\":%s}\n",
	         m->init, status_code(status), sig, when, m->restart_count, restarting ? "true" : "false");
	if (m->state_dir) write_state_file(m->state_dir, "exit.json", rec);
}

static int stop_requested(struct monitor *m)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/stop-requested", m->state_dir ? m->state_dir : ".");
	return access(path, F_OK) == 0;
}

static int should_restart(struct monitor *m, int status)
{
	if (!m->restart || !strcmp(m->restart, "no") || stop_requested(m)) return 0;
	if (!strcmp(m->restart, "on-failure"))
		return status_code(status) != 0 && (m->max_retries <= 0 || m->restart_count < m->max_retries);
	return !strcmp(m->restart, "always") || !strcmp(m->restart, "unless-stopped");
}

static void copy_out(struct monitor *m, int fd, int stream)
{
	char buf[65536];
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r <= 0) {
		if (fd == m->pty && r <= 0 && errno != EAGAIN && errno != EINTR) { close(m->pty); m->pty = -1; m->sink.pty = m->sink.stdin_fd = -1; }
		return;
	}
	if (m->log) log_write(m->log, stream == 2 ? "stderr" : "stdout", buf, (size_t)r);
	if (m->attaching) attach_broadcast(&m->attach, stream, buf, (size_t)r);
}

/* `on_exit ARGV...`: start a command, detached, once the init has ended for good
 * (the engine removes a `run -d --rm` container this way, with no daemon). */
static void run_on_exit(struct monitor *m)
{
	if (!m->on_exit) return;
	pid_t c = fork();
	if (c != 0) return;
	sigprocmask(SIG_SETMASK, &m->oldmask, NULL);
	setsid();
	if (chdir("/") < 0) _exit(127); /* not the state directory, which `rm` is about to delete */
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	execv(m->on_exit[0], m->on_exit);
	_exit(127);
}

/* Docker's back-off: 100 ms doubling to 1 min, reset after 10 s of running. */
static long long backoff_ns(struct monitor *m, long long ran)
{
	static long long delay = 100000000LL;
	if (ran >= 10000000000LL) delay = 100000000LL;
	long long d = delay;
	delay = delay * 2 > 60000000000LL ? 60000000000LL : delay * 2;
	return d;
}

int supervise(struct monitor *m, struct plan *p)
{
	int status = 0, running = 1;
	long long restart_at = 0;
	if (m->ts >= 0) { close(m->ts); m->ts = -1; }
	for (;;) {
		struct pollfd fds[6 + 1 + ATTACH_MAX];
		int n = 0;
		fds[n++] = (struct pollfd){ .fd = m->sfd, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = m->sync, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = m->out[0], .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = m->err[0], .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = m->pty, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = m->health.out, .events = POLLIN };
		int a = n;
		if (m->attaching) n += attach_pollfds(&m->attach, fds + a);
		long long now = now_ns();
		long long wait = -1;
		if (!running) wait = restart_at > now ? (restart_at - now) / 1000000 + 1 : 0;
		long long hw = health_timeout(&m->health, now);
		if (running && hw >= 0 && (wait < 0 || hw < wait)) wait = hw;
		int r = poll(fds, n, (int)wait);
		if (r < 0 && errno != EINTR) break;
		now = now_ns();
		if (fds[1].revents) child_message(m);
		/* Accept before copying output: a client that connected before the init was released
		 * (an attach waiting for the start) must not miss its first bytes. */
		if (m->attaching) attach_handle(&m->attach, fds + a, &m->sink);
		if (fds[2].revents) copy_out(m, m->out[0], 1);
		if (fds[3].revents) copy_out(m, m->err[0], 2);
		if (fds[4].revents) copy_out(m, m->pty, 1);
		if (fds[5].revents) health_read(&m->health);
		if (running) health_tick(&m->health, m, now);
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(m->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGCHLD) {
					if (running) kill(m->init, (int)si.ssi_signo);
					else if (stop_requested(m)) { run_on_exit(m); return status_code(status); }
					continue;
				}
				int st;
				pid_t w;
				while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
					if (health_reap(&m->health, m, w, st)) continue;
					if (w != m->init) continue;
					status = st;
					running = 0;
					/* Drain what the init wrote before it ended. */
					while (m->out[0] >= 0 && poll(&(struct pollfd){ .fd = m->out[0], .events = POLLIN }, 1, 0) > 0) copy_out(m, m->out[0], 1);
					while (m->err[0] >= 0 && poll(&(struct pollfd){ .fd = m->err[0], .events = POLLIN }, 1, 0) > 0) copy_out(m, m->err[0], 2);
					while (m->pty >= 0 && poll(&(struct pollfd){ .fd = m->pty, .events = POLLIN }, 1, 0) > 0) copy_out(m, m->pty, 1);
					if (m->log) log_flush(m->log);
					int again = should_restart(m, st);
					write_exit(m, st, again);
					if (!again) {
						if (m->attaching) attach_close_all(&m->attach);
						run_on_exit(m);
						return status_code(st);
					}
					restart_at = now + backoff_ns(m, now - m->t_start);
				}
			}
		}
		if (!running && now >= restart_at) {
			if (stop_requested(m)) { run_on_exit(m); return status_code(status); }
			m->restart_count++;
			if (respawn(m, p) == 0) running = 1;
			else restart_at = now + backoff_ns(m, 0);
		}
	}
	return status_code(status);
}
