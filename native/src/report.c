/* The sync channel: short text messages, `error` carrying {step, path, errno}. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

int status_code_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0) return -1;
		p += w;
		len -= w;
	}
	return 0;
}

void send_line(int fd, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if (n > (int)sizeof(buf) - 2) n = sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(fd, buf, n);
}

/* Tabs and newlines would break the framing; the path is the user's, so keep it readable. */
static void clean(char *dst, const char *src, size_t len)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < len; i++) dst[i] = (src[i] == '\t' || src[i] == '\n') ? ' ' : src[i];
	dst[i] = 0;
}

void report_error(int fd, const char *step, const char *path, int err)
{
	char p[4096], msg[256];
	clean(p, path, sizeof(p));
	snprintf(msg, sizeof(msg), "%s", strerror(err));
	if (msg[0] && isupper((unsigned char)msg[0]) && !isupper((unsigned char)msg[1])) msg[0] = tolower((unsigned char)msg[0]);
	send_line(fd, "error\t%s\t%s\t%d\t%s", step, p, err, msg);
}

noreturn void fail(int fd, const char *step, const char *path, int err)
{
	report_error(fd, step, path, err);
	_exit(err == ENOENT ? 127 : err == EACCES ? 126 : 1);
}

int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return -1;
		if (r == 0) break;
		if (buf[n] == '\n') break;
		n++;
	}
	buf[n] = 0;
	return (int)n == 0 ? 0 : (int)n;
}
