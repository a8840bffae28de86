/* Health checks, run by the monitor on schedule (no daemon): each check is this
 * same binary in exec mode inside the container; results go to health.json in
 * Docker's shape: {"Status","FailingStreak","Log":[{"Start","End","ExitCode","Output"}]}. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor.h"

#define MS 1000000LL

/* health INTERVAL_MS TIMEOUT_MS START_PERIOD_MS RETRIES EXEC_PLAN */
void health_parse(struct health *h, const struct op *o)
{
	h->enabled = 1;
	h->interval_ms = op_num(o, 0) > 0 ? op_num(o, 0) : 30000;
	h->timeout_ms = op_num(o, 1) > 0 ? op_num(o, 1) : 30000;
	h->start_period_ms = op_num(o, 2);
	h->retries = op_num(o, 3) > 0 ? (int)op_num(o, 3) : 3;
	h->plan = op_arg(o, 4);
}

static const char *state_dir;

static void save(struct health *h)
{
	static char rec[6 * 6144 + 256];
	size_t n = (size_t)snprintf(rec, sizeof(rec), "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[", h->status, h->failing_streak);
	for (int i = 0; i < h->nlog; i++) n += (size_t)snprintf(rec + n, sizeof(rec) - n, "%s%s", i ? "," : "", h->log[i]);
	snprintf(rec + n, sizeof(rec) - n, "]}\n");
	if (state_dir) write_state_file(state_dir, "health.json", rec);
}

void health_init(struct health *h, const char *dir)
{
	if (!h->enabled) return;
	state_dir = dir;
	h->status = "starting";
	h->failing_streak = 0;
	h->container_start = now_ns();
	h->next = h->container_start + h->interval_ms * MS;
	save(h);
}

/* Milliseconds until the monitor must look at health again, or -1. */
long long health_timeout(struct health *h, long long now)
{
	if (!h->enabled) return -1;
	long long at = h->pid > 0 ? h->deadline : h->next;
	return at > now ? (at - now) / MS + 1 : 0;
}

void health_tick(struct health *h, struct monitor *m, long long now)
{
	if (!h->enabled) return;
	if (h->pid > 0) {
		if (now >= h->deadline) kill(h->pid, SIGKILL);
		return;
	}
	if (now < h->next) return;
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0) return;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", m->init);
	pid_t c = fork();
	if (c < 0) { close(out[0]); close(out[1]); return; }
	if (c == 0) {
		sigprocmask(SIG_SETMASK, &m->oldmask, NULL);
		if (chdir("/") < 0) _exit(126);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execl("/proc/self/exe", "berth-helper", "exec", h->plan, pid, (char *)NULL);
		_exit(126);
	}
	close(out[1]);
	h->pid = c;
	h->out = out[0];
	h->outlen = 0;
	h->started = now;
	h->deadline = now + h->timeout_ms * MS;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->started_wall_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void health_read(struct health *h)
{
	char buf[4096];
	ssize_t r = read(h->out, buf, sizeof(buf));
	if (r <= 0) { close(h->out); h->out = -1; return; }
	size_t room = sizeof(h->output) - 1 - h->outlen;
	size_t take = (size_t)r < room ? (size_t)r : room;
	memcpy(h->output + h->outlen, buf, take);
	h->outlen += take;
}

static void iso_of(long long wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	         tm.tm_sec, wall_ns % 1000000000LL);
}

/* Returns 1 when pid was the health check. */
int health_reap(struct health *h, struct monitor *m, pid_t pid, int status)
{
	if (!h->enabled || pid != h->pid) return 0;
	while (h->out >= 0) health_read(h);
	long long now = now_ns();
	int timed_out = now >= h->deadline && WIFSIGNALED(status);
	int code = timed_out ? -1 : status_code(status);
	if (timed_out) h->outlen = (size_t)snprintf(h->output, sizeof(h->output), "Health check exceeded timeout (%lldms)", h->timeout_ms);
	char start[64], end[64], out[sizeof(h->output) * 6 + 1];
	iso_of(h->started_wall_ns, start, sizeof(start));
	iso_now(end, sizeof(end));
	size_t n = json_escape(out, h->output, h->outlen);
	out[n] = 0;
	if (h->nlog == 5) {
		memmove(h->log[0], h->log[1], sizeof(h->log[0]) * 4);
		h->nlog = 4;
	}
	snprintf(h->log[h->nlog++], sizeof(h->log[0]), "{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":\"%.5000s\"}", start, end, code, out);
	int in_start_period = now - h->container_start < h->start_period_ms * MS;
	if (code == 0) {
		h->failing_streak = 0;
		h->status = "healthy";
	} else if (!in_start_period) {
		h->failing_streak++;
		if (h->failing_streak >= h->retries) h->status = "unhealthy";
	}
	save(h);
	h->pid = -1;
	h->next = now + h->interval_ms * MS;
	(void)m;
	return 1;
}
