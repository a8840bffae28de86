/* Container logs in Docker's json-file format, rotated at max_size over max_files files:
 *   {"log":"line\n","stream":"stdout","time":"2026-01-02T03:04:05.123456789Z"} */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "helper.h"

#define PARTIAL_MAX 16384

struct logfile {
	char path[4096];
	int fd;
	long long size, max_size;
	int max_files;
	char partial[2][PARTIAL_MAX];
	size_t plen[2];
};

struct logfile *log_open(const char *path, long long max_size, int max_files)
{
	struct logfile *l = calloc(1, sizeof(*l));
	if (!l) return NULL;
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->max_files = 1;
	/* No path: keep nothing (emit writes only to an open fd, and an empty file never rotates). */
	if (!*path) { l->fd = -1; return l; }
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0) { free(l); return NULL; }
	struct stat st;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	l->max_size = max_size;
	l->max_files = max_files < 1 ? 1 : max_files;
	return l;
}

static void rotate(struct logfile *l)
{
	char from[4200], to[4200];
	for (int i = l->max_files - 1; i >= 1; i--) {
		if (i == 1) snprintf(from, sizeof(from), "%s", l->path);
		else snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", l->path, i);
		rename(from, to);
	}
	close(l->fd);
	if (l->max_files == 1) unlink(l->path);
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
	l->size = 0;
}

size_t json_escape(char *out, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == '"' || ch == '\\') { out[o++] = '\\'; out[o++] = (char)ch; }
		else if (ch == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
		else if (ch == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
		else if (ch == '\t') { out[o++] = '\\'; out[o++] = 't'; }
		else if (ch < 0x20 || ch == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			o += 4;
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else out[o++] = (char)ch;
	}
	return o;
}

static void emit(struct logfile *l, const char *stream, const char *line, size_t len)
{
	static char rec[PARTIAL_MAX * 6 + 256];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = (size_t)snprintf(rec, 16, "{\"log\":\"");
	n += json_escape(rec + n, line, len);
	n += (size_t)snprintf(rec + n, 200, "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n", stream,
	                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	if (l->max_size > 0 && l->size > 0 && l->size + (long long)n > l->max_size) rotate(l);
	if (l->fd >= 0 && write_all(l->fd, rec, n) == 0) l->size += (long long)n;
}

void log_write(struct logfile *l, const char *stream, const char *buf, size_t len)
{
	int s = strcmp(stream, "stderr") == 0;
	for (size_t i = 0; i < len; i++) {
		l->partial[s][l->plen[s]++] = buf[i];
		if (buf[i] == '\n' || l->plen[s] == PARTIAL_MAX) {
			emit(l, stream, l->partial[s], l->plen[s]);
			l->plen[s] = 0;
		}
	}
}

void log_flush(struct logfile *l)
{
	if (l->plen[0]) emit(l, "stdout", l->partial[0], l->plen[0]);
	if (l->plen[1]) emit(l, "stderr", l->partial[1], l->plen[1]);
	l->plen[0] = l->plen[1] = 0;
}
