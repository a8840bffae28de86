/* The attach socket: clients get the container's output and feed its stdin.
 * Frames both ways use Docker's stdcopy header: [stream u8, 0, 0, 0, length u32 big-endian].
 * Client -> monitor streams: 0 stdin data, 3 resize ("ROWS COLS"), 4 close stdin.
 * Monitor -> client streams: 1 stdout, 2 stderr (a pty's output is all stdout). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "helper.h"

#define FRAME_MAX (1 << 20)

int attach_listen(struct attach *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < ATTACH_MAX; i++) a->c[i].fd = -1;
	a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->listen_fd < 0) return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(a->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(a->listen_fd, 8) < 0) return -errno;
	return 0;
}

int attach_pollfds(struct attach *a, struct pollfd *fds)
{
	int n = 0;
	fds[n++] = (struct pollfd){ .fd = a->listen_fd, .events = POLLIN };
	for (int i = 0; i < ATTACH_MAX; i++) fds[n++] = (struct pollfd){ .fd = a->c[i].fd, .events = POLLIN };
	return n;
}

static void drop(struct attach *a, int i)
{
	close(a->c[i].fd);
	a->c[i].fd = -1;
	free(a->c[i].buf);
	a->c[i].buf = NULL;
	a->c[i].len = 0;
}

static void frame(struct attach_sink *s, int stream, const unsigned char *p, size_t len)
{
	if (stream == 0 && s->stdin_fd >= 0) {
		if (write_all(s->stdin_fd, p, len) < 0) { close(s->stdin_fd); s->stdin_fd = -1; }
	} else if (stream == 3 && s->pty >= 0) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < 63 ? len : 63), (const char *)p);
		struct winsize ws = { 0 };
		if (sscanf(buf, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2) ioctl(s->pty, TIOCSWINSZ, &ws);
	} else if (stream == 4 && s->stdin_fd >= 0 && s->stdin_fd != s->pty) {
		close(s->stdin_fd);
		s->stdin_fd = -1;
	}
}

static void client_input(struct attach *a, int i, struct attach_sink *s)
{
	struct attach_client *c = &a->c[i];
	if (!c->buf) c->buf = malloc(FRAME_MAX + 8);
	ssize_t r = read(c->fd, c->buf + c->len, FRAME_MAX + 8 - c->len);
	if (r <= 0) {
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
		drop(a, i);
		return;
	}
	c->len += (size_t)r;
	size_t off = 0;
	while (c->len - off >= 8) {
		unsigned char *h = c->buf + off;
		size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		if (len > FRAME_MAX) { drop(a, i); return; }
		if (c->len - off < 8 + len) break;
		frame(s, h[0], h + 8, len);
		off += 8 + len;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

void attach_handle(struct attach *a, struct pollfd *fds, struct attach_sink *s)
{
	if (fds[0].revents & POLLIN) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		int slot = -1;
		for (int i = 0; i < ATTACH_MAX && fd >= 0; i++)
			if (a->c[i].fd < 0) { slot = i; break; }
		if (slot >= 0) a->c[slot].fd = fd;
		else if (fd >= 0) close(fd);
	}
	for (int i = 0; i < ATTACH_MAX; i++)
		if (a->c[i].fd >= 0 && fds[1 + i].fd == a->c[i].fd && fds[1 + i].revents) client_input(a, i, s);
}

void attach_broadcast(struct attach *a, int stream, const char *buf, size_t len)
{
	unsigned char h[8] = { (unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len };
	for (int i = 0; i < ATTACH_MAX; i++) {
		if (a->c[i].fd < 0) continue;
		if (write_all(a->c[i].fd, h, 8) < 0 || write_all(a->c[i].fd, buf, len) < 0) drop(a, i);
	}
}

/* The init is gone for good: tell clients by closing. */
void attach_close_all(struct attach *a)
{
	for (int i = 0; i < ATTACH_MAX; i++)
		if (a->c[i].fd >= 0) drop(a, i);
}
