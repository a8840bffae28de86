/* The monitor's state, shared by monitor.c (setup), supervise.c (the loop) and health.c. */
#pragma once
#include <signal.h>
#include "helper.h"

struct health {
	int enabled;
	long long interval_ms, timeout_ms, start_period_ms;
	int retries;
	const char *plan;          /* exec plan for the check */
	pid_t pid;                 /* running check, or -1 */
	int out;                   /* its output pipe */
	char output[4096];
	size_t outlen;
	long long started, deadline, next, started_wall_ns, container_start;
	int failing_streak;
	const char *status;        /* starting, healthy, unhealthy */
	char log[5][6144];         /* last results as JSON objects */
	int nlog;
};

struct monitor {
	const char *id, *state_dir, *stdio, *log_path, *console, *fifo, *uid_map, *gid_map, *attach_path;
	const char *cgroup_procs[16];
	int ncgroup;
	int early_pid; /* report the pid before joining the cgroups (op early_pid) */
	int no_monitor; /* op no_monitor: exit once the init is set up, it goes to the nearest subreaper (a containerd shim) */
	long long log_max;
	int log_files, terminal, stdin_pipe, attaching;
	unsigned long clone_flags;
	const char *clone_into; /* cgroup2 dir the init is born in (op clone_into) */
	const char *restart;       /* no, always, on-failure, unless-stopped */
	char **on_exit;            /* a command to start once the init has ended for good */
	int max_retries, restart_count;
	int ts;                    /* runtime's channel; -1 once it has gone */
	int sync;                  /* the child's seqpacket socket; -1 after exec */
	int in[2], out[2], err[2], pty;
	int sfd;
	sigset_t mask, oldmask;
	struct logfile *log;
	struct attach attach;
	struct attach_sink sink;
	struct health health;
	pid_t init;
	long long t_clone, t_go, t_start;
};

long long now_ns(void);
void iso_now(char *buf, size_t len);
int status_code(int status);
int child_message(struct monitor *m);
void record_start(struct monitor *m);
int supervise(struct monitor *m, struct plan *p);
int respawn(struct monitor *m, struct plan *p);
int write_state_file(const char *dir, const char *name, const char *content);

void health_parse(struct health *h, const struct op *o);
void health_init(struct health *h, const char *state_dir);
long long health_timeout(struct health *h, long long now);
void health_tick(struct health *h, struct monitor *m, long long now);
int health_reap(struct health *h, struct monitor *m, pid_t pid, int status);
void health_read(struct health *h);
