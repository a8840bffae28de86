/* `fs tar-out ROOT PATH follow|nofollow`: PATH (resolved in ROOT; its last component
 * followed only with `follow`) as a tar on stdout. The top entry is named `.`, the ones
 * below it `a`, `a/b`, ... (the caller renames). ustar headers, with a pax header for a long
 * name or link target and for ids, sizes or times that overflow their fields. Regular files,
 * directories and symlinks with mode, uid/gid and mtime; every file its own copy (no hard
 * links); devices, fifos and sockets are left out. Each object is opened O_PATH|O_NOFOLLOW
 * relative to its parent's fd, checked with fstat, and only then reopened for reading
 * (so a swap can never make us open a device or leave the tree). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsops.h"
#include "helper.h"

#define BLOCK 512
#define NAME_MAX_TAR (64 << 10)

static char obuf[1 << 16];
static size_t olen;

static void out_flush(void)
{
	if (olen && write_all(1, obuf, olen) < 0) fs_fail("tar-out", "stdout", errno);
	olen = 0;
}

static void out_put(const void *p, size_t n)
{
	if (olen + n > sizeof obuf) out_flush();
	if (n > sizeof obuf) {
		if (write_all(1, p, n) < 0) fs_fail("tar-out", "stdout", errno);
		return;
	}
	memcpy(obuf + olen, p, n);
	olen += n;
}

static void out_zeros(size_t n)
{
	static const char z[BLOCK];
	while (n) {
		size_t k = n < BLOCK ? n : BLOCK;
		out_put(z, k);
		n -= k;
	}
}

/* v in octal filling len-1 digits + NUL; 0 when it does not fit. */
static int octal(char *f, size_t len, unsigned long long v)
{
	if ((len - 1) * 3 < 64 && v >> ((len - 1) * 3)) return 0;
	snprintf(f, len, "%0*llo", (int)(len - 1), v);
	return 1;
}

struct pax {
	char *buf;
	size_t len, cap;
};

static void pax_add(struct pax *p, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, n = body + 1;
	for (;;) {
		int d = snprintf(NULL, 0, "%zu", n);
		if (body + (size_t)d == n) break;
		n = body + (size_t)d;
	}
	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->buf = realloc(p->buf, p->cap);
		if (!p->buf) fs_fail("tar-out", key, ENOMEM);
	}
	snprintf(p->buf + p->len, n + 1, "%zu %s=%s\n", n, key, val);
	p->len += n;
}

struct ent {
	const char *name;
	char type;
	const struct stat *st;
	unsigned long long size;
	const char *link;
};

static void ustar(char *b, const char *name, char type, const struct stat *st, unsigned long long size, const char *link, struct pax *p)
{
	char num[32];
	memset(b, 0, BLOCK);
	if (strlen(name) > 100 && p) pax_add(p, "path", name);
	strncpy(b, name, 100);
	octal(b + 100, 8, st ? st->st_mode & 07777 : 0644);
	if (!octal(b + 108, 8, st ? st->st_uid : 0) && p) snprintf(num, sizeof num, "%u", (unsigned)st->st_uid), pax_add(p, "uid", num);
	if (!octal(b + 116, 8, st ? st->st_gid : 0) && p) snprintf(num, sizeof num, "%u", (unsigned)st->st_gid), pax_add(p, "gid", num);
	if (!octal(b + 124, 12, size) && p) snprintf(num, sizeof num, "%llu", size), pax_add(p, "size", num), octal(b + 124, 12, 0);
	long long mt = st ? (long long)st->st_mtim.tv_sec : 0;
	if ((mt < 0 || !octal(b + 136, 12, (unsigned long long)mt)) && p) snprintf(num, sizeof num, "%lld", mt), pax_add(p, "mtime", num), octal(b + 136, 12, 0);
	b[156] = type;
	if (link && strlen(link) > 100 && p) pax_add(p, "linkpath", link);
	if (link) strncpy(b + 157, link, 100);
	memcpy(b + 257, "ustar\0" "00", 8);
	memset(b + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < BLOCK; i++) sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
	b[155] = ' ';
}

static void header(const struct ent *e)
{
	char b[BLOCK];
	struct pax p = { 0 };
	ustar(b, e->name, e->type, e->st, e->size, e->link, &p);
	if (p.len) {
		char ph[BLOCK];
		ustar(ph, "././@PaxHeader", 'x', NULL, p.len, NULL, NULL);
		out_put(ph, BLOCK);
		out_put(p.buf, p.len);
		out_zeros((BLOCK - p.len % BLOCK) % BLOCK);
		free(p.buf);
	}
	out_put(b, BLOCK);
}

/* Exactly `size` bytes of fd (zeros if it shrank meanwhile), then the padding. */
static void file_data(int fd, unsigned long long size, const char *name)
{
	unsigned long long left = size;
	out_flush();
	while (left) {
		ssize_t n = sendfile(1, fd, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS)) break;
		if (n < 0) fs_fail("tar-out", errno == EPIPE ? "stdout" : name, errno);
		if (n == 0) break;
		left -= (unsigned long long)n;
	}
	static char buf[1 << 16];
	while (left) {
		ssize_t n = read(fd, buf, left < sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) fs_fail("tar-out", name, errno);
		if (n == 0) break;
		out_put(buf, (size_t)n);
		left -= (unsigned long long)n;
	}
	out_zeros((size_t)left + (BLOCK - size % BLOCK) % BLOCK);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in the directory fd (not closed). */
static char **dir_names(int fd, size_t *n, const char *name)
{
	int dfd = dup(fd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) fs_fail("tar-out", name, errno);
	size_t cap = 16;
	char **v = malloc(cap * sizeof *v);
	*n = 0;
	for (struct dirent *de; v && (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v))) break;
		if (!(v[(*n)++] = strdup(de->d_name))) fs_fail("tar-out", name, ENOMEM);
	}
	if (!v) fs_fail("tar-out", name, ENOMEM);
	closedir(d);
	qsort(v, *n, sizeof *v, by_name);
	return v;
}

static void emit(int fd, char *name, size_t nlen);

static void emit_dir(int pfd, const struct stat *st, char *name, size_t nlen)
{
	int fd = fs_reopen(pfd, O_RDONLY | O_DIRECTORY);
	if (fd < 0) fs_fail("tar-out", name, -fd);
	struct ent e = { .name = name, .type = '5', .st = st };
	int top = !strcmp(name, ".");
	size_t base = top ? 0 : nlen + 1; /* children: `a`, or `DIR/a` */
	if (!top) name[nlen] = '/', name[nlen + 1] = 0;
	header(&e);
	size_t n;
	char **names = dir_names(fd, &n, name);
	for (size_t i = 0; i < n; i++) {
		size_t cl = strlen(names[i]);
		if (base + cl + 2 > NAME_MAX_TAR) fs_fail("tar-out", names[i], ENAMETOOLONG);
		memcpy(name + base, names[i], cl + 1);
		int cfd = openat(fd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 && errno != ENOENT) fs_fail("tar-out", name, errno);
		if (cfd >= 0) emit(cfd, name, base + cl); /* a name gone meanwhile is skipped */
		if (cfd >= 0) close(cfd);
		free(names[i]);
	}
	free(names);
	close(fd);
	name[nlen] = 0;
}

/* The entry for the O_PATH fd `fd`, named `name` (a buffer of NAME_MAX_TAR). */
static void emit(int fd, char *name, size_t nlen)
{
	struct stat st;
	int r = fs_fstat(fd, &st);
	if (r < 0) fs_fail("tar-out", name, -r);
	if (S_ISDIR(st.st_mode)) return emit_dir(fd, &st, name, nlen);
	if (S_ISLNK(st.st_mode)) {
		char link[4096];
		ssize_t n = readlinkat(fd, "", link, sizeof link - 1);
		if (n < 0) fs_fail("tar-out", name, errno);
		link[n] = 0;
		struct ent e = { .name = name, .type = '2', .st = &st, .link = link };
		return header(&e);
	}
	if (!S_ISREG(st.st_mode)) return;
	int rfd = fs_reopen(fd, O_RDONLY | O_NONBLOCK);
	if (rfd < 0) fs_fail("tar-out", name, -rfd);
	if ((r = fs_fstat(rfd, &st)) < 0 || !S_ISREG(st.st_mode)) fs_fail("tar-out", name, r < 0 ? -r : EINVAL);
	struct ent e = { .name = name, .type = '0', .st = &st, .size = (unsigned long long)st.st_size };
	header(&e);
	file_data(rfd, e.size, name);
	close(rfd);
}

void tar_out(int rootfd, const char *path, int follow)
{
	int fd = fs_open(rootfd, path, O_PATH, follow, FS_IN_ROOT);
	if (fd < 0) fs_fail("tar-out", path, -fd);
	char *name = malloc(NAME_MAX_TAR);
	if (!name) fs_fail("tar-out", path, ENOMEM);
	strcpy(name, ".");
	emit(fd, name, 1);
	out_zeros(2 * BLOCK);
	out_flush();
	close(fd);
	free(name);
}
