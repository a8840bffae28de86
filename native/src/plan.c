/* Parse a plan file: one op per line, TAB-separated, percent-encoded fields. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helper.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decode %XX in place. */
static void decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		int hi, lo;
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static int parse_line(char *line, struct op *o)
{
	int fields = 1;
	for (char *c = line; *c; c++)
		if (*c == '\t') fields++;
	o->argv = calloc(fields, sizeof(char *));
	if (!o->argv) return -ENOMEM;
	o->name = line;
	o->argc = 0;
	char *c = strchr(line, '\t');
	while (c) {
		*c = 0;
		o->argv[o->argc++] = c + 1;
		c = strchr(c + 1, '\t');
	}
	for (int i = 0; i < o->argc; i++) decode(o->argv[i]);
	return 0;
}

int plan_load(const char *path, struct plan *p)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size > (64 << 20)) {
		close(fd);
		return -EFBIG;
	}
	char *buf = malloc(st.st_size + 1);
	if (!buf) { close(fd); return -ENOMEM; }
	ssize_t got = 0;
	while (got < st.st_size) {
		ssize_t r = read(fd, buf + got, st.st_size - got);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) { close(fd); return r < 0 ? -errno : -EIO; }
		got += r;
	}
	close(fd);
	buf[got] = 0;
	int lines = 0;
	for (char *c = buf; *c; c++)
		if (*c == '\n') lines++;
	p->ops = calloc(lines + 1, sizeof(struct op));
	if (!p->ops) return -ENOMEM;
	p->n = 0;
	p->child_start = -1;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!*line || *line == '#') continue;
		struct op *o = &p->ops[p->n];
		if (parse_line(line, o) < 0) return -ENOMEM;
		if (strcmp(o->name, "begin") == 0) p->child_start = p->n + 1;
		p->n++;
	}
	if (p->child_start < 0) return -EINVAL;
	return 0;
}

const char *op_arg(const struct op *o, int i)
{
	return i < o->argc ? o->argv[i] : "";
}

unsigned long op_hex(const struct op *o, int i)
{
	return strtoul(op_arg(o, i), NULL, 16);
}

long long op_num(const struct op *o, int i)
{
	return strtoll(op_arg(o, i), NULL, 10);
}
