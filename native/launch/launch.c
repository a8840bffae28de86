/*
 * berth-launch: the first thing `bin/berth` runs. A Node process takes ~100 ms to start
 * before it does anything; a warm berth process (the accelerator, started by the CLI
 * itself and gone when idle) has it done already. This program only carries a command
 * to it and the results back; it holds no policy:
 *
 *   berth-launch ENTRY [ARG...]
 *   berth-launch --print-socket ENTRY      (where ENTRY's accelerator listens; for tests)
 *
 * 1. Connect to the accelerator's socket ($BERTH_ACCEL_SOCK, else one per installation:
 *    /run/berth/accel-<hash of ENTRY's real path>.sock for root, /tmp/berth-accel-<uid>-<hash>.sock
 *    for others) and check that the peer runs as our uid. Nothing there: exec
 *    `node ENTRY -- ARG...` with BERTH_LAUNCHER=none.
 * 2. Send the request: "BRQ1", u32 length, then NUL-terminated strings:
 *    cwd, umask (octal), tty flags of fds 0/1/2 ("ttt"/"-t-"...), columns, rows,
 *    our context (nice, namespaces, capabilities, rlimits: what a cold berth would
 *    inherit), argc, the args, then every environment string.
 * 3. Relay replies, frames of u8 type + u32 length + data: 1 stdout, 2 stderr,
 *    3 exit code (4 bytes, little endian), 4 "run it yourself" (exec node as in 1, with
 *    BERTH_LAUNCHER=busy), 5 "the command died of signal N" (raise N here).
 *    Signals we get (INT, TERM, HUP, QUIT, USR1, USR2, WINCH) are passed on to the
 *    peer by pid, as the shell would have delivered them to a cold berth process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

enum { F_STDOUT = 1, F_STDERR = 2, F_EXIT = 3, F_COLD = 4, F_SIGNAL = 5 };

static int sigpipe_fds[2] = {-1, -1};

static void on_signal(int sig) {
	int saved = errno;
	unsigned char s = (unsigned char)sig;
	if (write(sigpipe_fds[1], &s, 1) < 0) { /* full: the signal is dropped, as a burst would be */ }
	errno = saved;
}

static void cold(char *entry, int argc, char **argv, const char *why) {
	setenv("BERTH_LAUNCHER", why, 1);
	char **args = calloc((size_t)argc + 4, sizeof(char *));
	if (!args) { perror("berth"); exit(125); }
	int n = 0;
	args[n++] = "node";
	args[n++] = entry;
	args[n++] = "--";
	for (int i = 2; i < argc; i++) args[n++] = argv[i];
	args[n] = NULL;
	execvp("node", args);
	fprintf(stderr, "berth: exec node: %s\n", strerror(errno));
	exit(125);
}

/* FNV-1a 64 of the entry's real path: one accelerator per berth installation. */
static unsigned long long install_hash(const char *entry) {
	char real[4096];
	const char *p = realpath(entry, real) ? real : entry;
	unsigned long long h = 0xcbf29ce484222325ULL;
	for (; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Keep in step with acceleratorSocket() in src/cli/accelerator/worker.ts. */
static const char *socket_path(const char *entry, char *buf, size_t len) {
	const char *p = getenv("BERTH_ACCEL_SOCK");
	if (p && *p) return p;
	unsigned long long h = install_hash(entry);
	if (getuid() == 0) snprintf(buf, len, "/run/berth/accel-%016llx.sock", h);
	else snprintf(buf, len, "/tmp/berth-accel-%u-%016llx.sock", (unsigned)getuid(), h);
	return buf;
}

/* A connected socket to a peer running as our uid, or -1. */
static int connect_accel(const char *entry, pid_t *peer) {
	char buf[108];
	const char *path = socket_path(entry, buf, sizeof buf);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path) return -1;
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
	struct ucred cr;
	socklen_t cl = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || cr.uid != getuid()) { close(fd); return -1; }
	*peer = cr.pid;
	return fd;
}

struct buf { char *p; size_t len, cap; };

static void put(struct buf *b, const void *data, size_t n) {
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n) cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) { perror("berth"); exit(125); }
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s) { put(b, s, strlen(s) + 1); }

static int write_all(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *dst, size_t n) {
	char *p = dst;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void put_file(struct buf *b, const char *path, const char *only) {
	char data[8192];
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f < 0 ? -1 : read(f, data, sizeof data - 1);
	if (f >= 0) close(f);
	if (n <= 0) return;
	data[n] = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		if (only && strncmp(line, "Cap", 3) != 0 && strncmp(line, "NoNewPrivs", 10) != 0 && strncmp(line, "Seccomp:", 8) != 0) continue;
		put(b, line, strlen(line));
		put(b, "\n", 1);
	}
}

/* What a cold berth would inherit from us and a warm one cannot take on: namespaces, nice,
 * capabilities, no_new_privs, seccomp, rlimits. The accelerator compares it with its own. */
static void put_context(struct buf *b) {
	static const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"};
	char tmp[256], link[128];
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	snprintf(tmp, sizeof tmp, "nice %d\n", errno ? 0 : nice);
	put(b, tmp, strlen(tmp));
	for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
		snprintf(tmp, sizeof tmp, "/proc/self/ns/%s", ns[i]);
		ssize_t n = readlink(tmp, link, sizeof link - 1);
		link[n > 0 ? n : 0] = 0;
		snprintf(tmp, sizeof tmp, "ns %s\n", link);
		put(b, tmp, strlen(tmp));
	}
	put_file(b, "/proc/self/status", "caps");
	put_file(b, "/proc/self/limits", NULL);
	put(b, "", 1);
}

static void send_request(int fd, int argc, char **argv) {
	struct buf b = {0};
	char tmp[64];
	char cwd[4096];
	put(&b, "BRQ1\0\0\0\0", 8);
	put_str(&b, getcwd(cwd, sizeof cwd) ? cwd : "/");
	mode_t m = umask(0);
	umask(m);
	snprintf(tmp, sizeof tmp, "%o", (unsigned)m);
	put_str(&b, tmp);
	char ttys[4] = {isatty(0) ? 't' : '-', isatty(1) ? 't' : '-', isatty(2) ? 't' : '-', 0};
	put_str(&b, ttys);
	struct winsize ws = {0};
	int tfd = isatty(1) ? 1 : isatty(2) ? 2 : 0;
	if (ioctl(tfd, TIOCGWINSZ, &ws) < 0) memset(&ws, 0, sizeof ws);
	snprintf(tmp, sizeof tmp, "%u", ws.ws_col);
	put_str(&b, tmp);
	snprintf(tmp, sizeof tmp, "%u", ws.ws_row);
	put_str(&b, tmp);
	put_context(&b);
	snprintf(tmp, sizeof tmp, "%d", argc - 2);
	put_str(&b, tmp);
	for (int i = 2; i < argc; i++) put_str(&b, argv[i]);
	for (char **e = environ; *e; e++) put_str(&b, *e);
	uint32_t len = (uint32_t)(b.len - 8);
	memcpy(b.p + 4, &len, 4);
	if (write_all(fd, b.p, b.len) < 0) { fprintf(stderr, "berth: accelerator: %s\n", strerror(errno)); exit(125); }
	free(b.p);
}

static void die_of(int sig) {
	signal(sig, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	exit(128 + sig);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: berth-launch ENTRY [ARG...]\n");
		return 125;
	}
	if (argc == 3 && strcmp(argv[1], "--print-socket") == 0) { /* for tests: where ENTRY's accelerator listens */
		char buf[108];
		puts(socket_path(argv[2], buf, sizeof buf));
		return 0;
	}
	if (getenv("BERTH_ACCEL") && strcmp(getenv("BERTH_ACCEL"), "0") == 0) cold(argv[1], argc, argv, "off");
	pid_t peer = 0;
	int fd = connect_accel(argv[1], &peer);
	if (fd < 0) cold(argv[1], argc, argv, "none");
	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) cold(argv[1], argc, argv, "none");
	static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	send_request(fd, argc, argv);

	int last_signal = 0;
	char *data = NULL;
	size_t cap = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sigpipe_fds[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR) continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			unsigned char s;
			while (read(sigpipe_fds[0], &s, 1) == 1) {
				last_signal = s;
				if (peer > 0) kill(peer, s);
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
		unsigned char hdr[5];
		if (read_all(fd, hdr, 5) < 0) break;
		uint32_t len;
		memcpy(&len, hdr + 1, 4);
		if (len > cap) {
			free(data);
			cap = len;
			data = malloc(cap);
			if (!data) { perror("berth"); return 125; }
		}
		if (len && read_all(fd, data, len) < 0) break;
		switch (hdr[0]) {
		case F_STDOUT:
		case F_STDERR:
			if (write_all(hdr[0], data, len) < 0 && errno == EPIPE) die_of(SIGPIPE);
			break;
		case F_EXIT: {
			int32_t code = 0;
			if (len >= 4) memcpy(&code, data, 4);
			return code & 0xff;
		}
		case F_COLD:
			close(fd);
			cold(argv[1], argc, argv, "busy");
			break;
		case F_SIGNAL:
			if (len >= 4) {
				int32_t sig;
				memcpy(&sig, data, 4);
				die_of(sig);
			}
			break;
		default:
			break;
		}
	}
	/* The accelerator went away mid-command: most likely the signal we passed on ended it. */
	if (last_signal) die_of(last_signal);
	fprintf(stderr, "berth: the accelerator ended without an exit status\n");
	return 125;
}
