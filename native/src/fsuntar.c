/* `fs tar-in ROOT DEST in-root|beneath`: extract a tar from stdin under DEST (resolved in
 * ROOT). Names are taken relative to DEST (leading `/` and `.` dropped; `..` refused; `.`
 * is DEST itself). For every entry its parent is resolved again from ROOT with openat2 and
 * the last component is made relative to that fd: a non-directory in the way is removed
 * (a directory in the way of a non-directory too, recursively), files are created
 * O_CREAT|O_EXCL|O_NOFOLLOW and symlinks with symlinkat — nothing is ever written through
 * a symlink. Owners, modes and times come from the tar and are set on the open fd
 * (symlinks: fchownat/utimensat with AT_SYMLINK_NOFOLLOW); directory times last.
 *   in-root  symlinks below DEST are followed inside ROOT (a container's view); hard links
 *            are made; devices and fifos are skipped
 *   beneath  no symlink is followed below ROOT and `..` cannot leave it (host-side
 *            destinations); hard links, devices and fifos are refused */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsops.h"
#include "helper.h"

#define BLOCK 512
#define META_MAX (1 << 20)

/* ---- input ---- */

static unsigned char ibuf[1 << 17];
static size_t ipos, ilen;

/* Up to n bytes of stdin; fewer only at its end. */
static size_t in_read(void *dst, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (ipos == ilen) {
			ssize_t r = read(0, ibuf, sizeof ibuf);
			if (r < 0 && errno == EINTR) continue;
			if (r < 0) fs_fail("tar-in", "stdin", errno);
			if (r == 0) break;
			ipos = 0;
			ilen = (size_t)r;
		}
		size_t k = ilen - ipos < n - got ? ilen - ipos : n - got;
		if (dst) memcpy((char *)dst + got, ibuf + ipos, k);
		ipos += k;
		got += k;
	}
	return got;
}

static void in_exact(void *dst, size_t n, const char *what)
{
	if (in_read(dst, n) != n) fs_fail("tar-in", what, ENODATA); /* cut short */
}

static void in_skip(unsigned long long n, const char *what)
{
	while (n) {
		size_t k = n > (1 << 20) ? (1 << 20) : (size_t)n;
		in_exact(NULL, k, what);
		n -= k;
	}
}

static unsigned long long pad_of(unsigned long long n)
{
	return (BLOCK - n % BLOCK) % BLOCK;
}

/* ---- headers ---- */

static unsigned long long num(const unsigned char *f, size_t len)
{
	unsigned long long v = 0;
	if (f[0] & 0x80) { /* base-256, positive only */
		for (size_t i = 1; i < len; i++) v = v << 8 | f[i];
		return v;
	}
	size_t i = 0;
	while (i < len && (f[i] == ' ' || f[i] == 0)) i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) v = v * 8 + (unsigned)(f[i] - '0');
	return v;
}

static int checksum_ok(const unsigned char *b)
{
	unsigned long long want = num(b + 148, 8);
	unsigned long u = 0;
	long s = 0;
	for (int i = 0; i < BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : b[i];
		u += c;
		s += (signed char)c;
	}
	return want == u || (long long)want == s;
}

struct entry {
	char *name, *link;
	char type;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	unsigned long long size;
	struct timespec mtime;
};

struct meta { /* pax and GNU long-name records for the next entry */
	char *path, *link;
	int has_uid, has_gid, has_size, has_mtime;
	unsigned long long uid, gid, size;
	struct timespec mtime;
};

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) fs_fail("tar-in", "header", ENOMEM);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static struct timespec parse_time(const char *s)
{
	struct timespec t = { strtoll(s, NULL, 10), 0 };
	const char *dot = strchr(s, '.');
	if (dot) {
		long ns = 0;
		int digits = 0;
		for (const char *p = dot + 1; *p >= '0' && *p <= '9' && digits < 9; p++, digits++) ns = ns * 10 + (*p - '0');
		while (digits++ < 9) ns *= 10;
		t.tv_nsec = t.tv_sec < 0 ? 0 : ns;
	}
	return t;
}

static void pax_parse(struct meta *m, char *buf, size_t len)
{
	size_t i = 0;
	while (i < len && buf[i]) {
		char *end;
		unsigned long n = strtoul(buf + i, &end, 10);
		if (*end != ' ' || n == 0 || n > len - i || buf[i + n - 1] != '\n') fs_fail("tar-in", "pax header", EINVAL);
		char *key = end + 1, *rec_end = buf + i + n - 1;
		char *eq = memchr(key, '=', (size_t)(rec_end - key));
		if (!eq) fs_fail("tar-in", "pax header", EINVAL);
		*eq = 0;
		char *val = eq + 1;
		size_t vl = (size_t)(rec_end - val);
		if (!strcmp(key, "path")) free(m->path), m->path = dupn(val, vl);
		else if (!strcmp(key, "linkpath")) free(m->link), m->link = dupn(val, vl);
		else if (!strcmp(key, "uid")) m->has_uid = 1, m->uid = strtoull(val, NULL, 10);
		else if (!strcmp(key, "gid")) m->has_gid = 1, m->gid = strtoull(val, NULL, 10);
		else if (!strcmp(key, "size")) m->has_size = 1, m->size = strtoull(val, NULL, 10);
		else if (!strcmp(key, "mtime")) *rec_end = 0, m->has_mtime = 1, m->mtime = parse_time(val);
		else if (!strncmp(key, "GNU.sparse", 10)) fs_fail("tar-in", "sparse file", ENOTSUP);
		i += n;
	}
}

static char *read_meta(unsigned long long size)
{
	if (size > META_MAX) fs_fail("tar-in", "tar header", EFBIG);
	char *buf = malloc((size_t)size + 1);
	if (!buf) fs_fail("tar-in", "tar header", ENOMEM);
	in_exact(buf, (size_t)size, "tar header");
	buf[size] = 0;
	in_skip(pad_of(size), "tar header");
	return buf;
}

/* The next entry (0 at the end of the archive), with pax / GNU records folded in. */
static int next_entry(struct entry *e)
{
	unsigned char b[BLOCK];
	struct meta m = { 0 };
	int zeros = 0;
	for (;;) {
		size_t got = in_read(b, BLOCK);
		if (got == 0) return 0; /* end of input at a block boundary */
		if (got != BLOCK) fs_fail("tar-in", "stdin", ENODATA);
		int zero = 1;
		for (int i = 0; i < BLOCK && zero; i++) zero = !b[i];
		if (zero) {
			if (++zeros == 2) return 0;
			continue;
		}
		zeros = 0;
		if (!checksum_ok(b)) fs_fail("tar-in", "tar header", EINVAL);
		char t = (char)b[156];
		unsigned long long size = num(b + 124, 12);
		if (t == 'x' || t == 'g' || t == 'L' || t == 'K') {
			char *buf = read_meta(size);
			if (t == 'x') pax_parse(&m, buf, (size_t)size);
			if (t == 'L') free(m.path), m.path = buf;
			else if (t == 'K') free(m.link), m.link = buf;
			else free(buf);
			continue;
		}
		if (t == 'S') fs_fail("tar-in", "sparse file", ENOTSUP);
		if (m.path) e->name = m.path;
		else {
			char name[256 + 2] = "";
			size_t nl = strnlen((char *)b, 100);
			if (!memcmp(b + 257, "ustar\0", 6) && b[345]) {
				size_t pl = strnlen((char *)b + 345, 155);
				memcpy(name, b + 345, pl);
				name[pl] = '/';
				memcpy(name + pl + 1, b, nl);
				nl += pl + 1;
			} else memcpy(name, b, nl);
			e->name = dupn(name, nl);
		}
		e->link = m.link ? m.link : dupn((char *)b + 157, strnlen((char *)b + 157, 100));
		e->type = t == '\0' || t == '7' ? '0' : t;
		e->mode = (mode_t)(num(b + 100, 8) & 07777);
		e->uid = (uid_t)(m.has_uid ? m.uid : num(b + 108, 8));
		e->gid = (gid_t)(m.has_gid ? m.gid : num(b + 116, 8));
		e->size = m.has_size ? m.size : size;
		e->mtime = m.has_mtime ? m.mtime : (struct timespec){ (time_t)num(b + 136, 12), 0 };
		return 1;
	}
}

/* ---- extraction ---- */

struct ctx {
	int rootfd;
	const char *dest;
	enum fs_mode mode;
	struct { char *path; struct timespec t; } *dirs; /* directory times, set at the end */
	size_t ndirs, capdirs;
};

/* DEST + the clean relative form of `name`; *base points at its last component ("" for DEST). */
static char *entry_path(const struct ctx *c, const char *name, char **base)
{
	size_t dl = strlen(c->dest);
	char *out = malloc(dl + strlen(name) + 3);
	if (!out) fs_fail("tar-in", name, ENOMEM);
	memcpy(out, c->dest, dl);
	size_t o = dl;
	*base = out + o;
	for (const char *p = name; *p;) {
		while (*p == '/') p++;
		const char *s = p;
		while (*p && *p != '/') p++;
		size_t n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.')) continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') fs_fail("tar-in", name, EINVAL);
		out[o++] = '/';
		*base = out + o;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = 0;
	return out;
}

static void set_owner_mode(int fd, const struct entry *e)
{
	if (fchown(fd, e->uid, e->gid) < 0) fs_fail("tar-in", e->name, errno);
	if (fchmod(fd, e->mode) < 0) fs_fail("tar-in", e->name, errno); /* after chown: it clears set-id bits */
}

/* Directories missing between DEST and `end` (a '/' in path) are made 0755, as tar does;
 * each step is resolved from the root again. */
static void make_parents(const struct ctx *c, char *path, char *end, const char *name)
{
	for (char *p = path + strlen(c->dest) + 1; p < end; p++) {
		if (*p != '/') continue;
		*p = 0;
		int fd = fs_open(c->rootfd, path, O_PATH | O_DIRECTORY, 1, c->mode);
		if (fd == -ENOENT) {
			char *slash = strrchr(path, '/');
			*slash = 0;
			int pfd = fs_open(c->rootfd, path, O_PATH | O_DIRECTORY, 1, c->mode);
			*slash = '/';
			if (pfd < 0) fs_fail("tar-in", name, -pfd);
			if (mkdirat(pfd, slash + 1, 0755) < 0 && errno != EEXIST) fs_fail("tar-in", name, errno);
			close(pfd);
		} else if (fd < 0) {
			fs_fail("tar-in", name, -fd);
		} else {
			close(fd);
		}
		*p = '/';
	}
}

/* The parent of `path` (everything before `base`) as an O_PATH directory fd. */
static int open_parent(const struct ctx *c, char *path, char *base, const char *name)
{
	char saved = base[-1];
	base[-1] = 0;
	int fd = fs_open(c->rootfd, path, O_PATH | O_DIRECTORY, 1, c->mode);
	base[-1] = saved;
	if (fd == -ENOENT) {
		make_parents(c, path, base, name);
		base[-1] = 0;
		fd = fs_open(c->rootfd, path, O_PATH | O_DIRECTORY, 1, c->mode);
		base[-1] = saved;
	}
	if (fd < 0) fs_fail("tar-in", name, -fd);
	return fd;
}

/* Make room for `base` in pfd: anything but a directory that may stay is removed. Returns whether a directory stays. */
static int clear_way(int pfd, const char *base, int keep_dir, const char *name)
{
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT) return 0;
		fs_fail("tar-in", name, errno);
	}
	if (keep_dir && S_ISDIR(st.st_mode)) return 1;
	int r = fs_rmtree(pfd, base);
	if (r < 0) fs_fail("tar-in", name, -r);
	return 0;
}

static void defer_times(struct ctx *c, char *path, struct timespec t)
{
	if (c->ndirs == c->capdirs) {
		c->capdirs = c->capdirs ? c->capdirs * 2 : 64;
		c->dirs = realloc(c->dirs, c->capdirs * sizeof *c->dirs);
		if (!c->dirs) fs_fail("tar-in", path, ENOMEM);
	}
	c->dirs[c->ndirs].path = path;
	c->dirs[c->ndirs++].t = t;
}

static void make_dir(struct ctx *c, const struct entry *e, char *path, char *base)
{
	int fd;
	if (!*base) { /* DEST itself */
		fd = fs_open(c->rootfd, path, O_RDONLY | O_DIRECTORY, 1, c->mode);
	} else {
		int pfd = open_parent(c, path, base, e->name);
		if (!clear_way(pfd, base, 1, e->name) && mkdirat(pfd, base, 0700) < 0 && errno != EEXIST) fs_fail("tar-in", e->name, errno);
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd;
		close(pfd);
	}
	if (fd < 0) fs_fail("tar-in", e->name, -fd);
	set_owner_mode(fd, e);
	close(fd);
	defer_times(c, path, e->mtime);
}

static void make_file(const struct ctx *c, const struct entry *e, char *path, char *base)
{
	int pfd = open_parent(c, path, base, e->name);
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		clear_way(pfd, base, 0, e->name);
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) fs_fail("tar-in", e->name, errno);
	}
	if (fd < 0) fs_fail("tar-in", e->name, EEXIST);
	close(pfd);
	static char buf[1 << 17];
	for (unsigned long long left = e->size; left;) {
		size_t k = left < sizeof buf ? (size_t)left : sizeof buf;
		in_exact(buf, k, e->name);
		if (write_all(fd, buf, k) < 0) fs_fail("tar-in", e->name, errno);
		left -= k;
	}
	in_skip(pad_of(e->size), e->name);
	set_owner_mode(fd, e);
	struct timespec ts[2] = { e->mtime, e->mtime };
	if (futimens(fd, ts) < 0) fs_fail("tar-in", e->name, errno);
	if (close(fd) < 0) fs_fail("tar-in", e->name, errno);
}

static void make_symlink(const struct ctx *c, const struct entry *e, char *path, char *base)
{
	int pfd = open_parent(c, path, base, e->name);
	clear_way(pfd, base, 0, e->name);
	if (symlinkat(e->link, pfd, base) < 0) fs_fail("tar-in", e->name, errno);
	struct timespec ts[2] = { e->mtime, e->mtime };
	if (fchownat(pfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 || utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0) fs_fail("tar-in", e->name, errno);
	close(pfd);
}

static void make_hardlink(const struct ctx *c, const struct entry *e, char *path, char *base)
{
	char *tbase;
	char *target = entry_path(c, e->link, &tbase);
	if (!*tbase) fs_fail("tar-in", e->link, EISDIR);
	int tfd = open_parent(c, target, tbase, e->link);
	int pfd = open_parent(c, path, base, e->name);
	clear_way(pfd, base, 0, e->name);
	if (linkat(tfd, tbase, pfd, base, 0) < 0) fs_fail("tar-in", e->name, errno);
	close(pfd);
	close(tfd);
	free(target);
}

static void extract(struct ctx *c, struct entry *e)
{
	char *base;
	char *path = entry_path(c, e->name, &base);
	int special = e->type == '3' || e->type == '4' || e->type == '6';
	if (c->mode == FS_BENEATH && (special || e->type == '1')) fs_fail("tar-in", e->name, EPERM);
	if (*base == 0 && e->type != '5') fs_fail("tar-in", e->name, EISDIR);
	if (e->type == '0') return make_file(c, e, path, base), free(path);
	/* Other entries have no data we use (a size some writers give them is skipped). */
	in_skip(e->size + pad_of(e->size), e->name);
	if (e->type == '5') return make_dir(c, e, path, base); /* keeps path */
	if (e->type == '2') make_symlink(c, e, path, base);
	else if (e->type == '1') make_hardlink(c, e, path, base);
	free(path); /* devices and fifos: skipped */
}

void tar_in(int rootfd, const char *dest, enum fs_mode m)
{
	struct ctx c = { .rootfd = rootfd, .dest = dest, .mode = m };
	int dfd = fs_open(rootfd, dest, O_PATH | O_DIRECTORY, 1, m);
	if (dfd < 0) fs_fail("tar-in", dest, -dfd);
	close(dfd);
	struct entry e;
	while (next_entry(&e)) {
		if (strchr("0125346", e.type) && e.type) extract(&c, &e);
		else in_skip(e.size + pad_of(e.size), e.name); /* unknown types (volume labels, ...) */
		free(e.name);
		free(e.link);
	}
	/* Directory times last (making their entries changed them); deepest first. */
	for (size_t i = c.ndirs; i-- > 0;) {
		int top = strlen(c.dirs[i].path) == strlen(dest); /* DEST itself: resolved as it was */
		int fd = fs_open(rootfd, c.dirs[i].path, O_RDONLY | O_DIRECTORY, top, m);
		struct timespec ts[2] = { c.dirs[i].t, c.dirs[i].t };
		if (fd >= 0 && futimens(fd, ts) < 0) fs_fail("tar-in", c.dirs[i].path, errno);
		if (fd >= 0) close(fd);
		free(c.dirs[i].path);
	}
	free(c.dirs);
}
