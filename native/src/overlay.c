/* Overlay mounts from mount data ("lowerdir=A:B,upperdir=U,workdir=W,index=off"), for the
 * container's root (mounts.c) and the helper's file views (fsops.c).
 *
 * fsconfig(2) takes a string of at most 255 bytes (the kernel copies it with
 * strndup_user(.., 256)), which the lowerdir of an image of more than a few layers exceeds;
 * such a lowerdir goes one layer at a time as `lowerdir+` (Linux 6.8; overlayfs stacks up
 * to 500). A kernel without lowerdir+ (6.1) or without fsopen gets mount(2), whose data is
 * one page: the caller falls back when overlay_fsmount returns -ENOSYS (so does a long
 * upperdir or workdir, which no fsconfig key can split). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "helper.h"

#define FSCONFIG_STRING_MAX 255
#define MOUNT_DATA_MAX 4095

/* One option `kv` (NUL-terminated, modified) into the context: 0, -errno, or -ENOSYS when the
 * kernel cannot take it through fsconfig. */
static int overlay_option(int fsfd, char *kv, int *plus)
{
	char *eq = strchr(kv, '=');
	if (!eq) return fsconfig(fsfd, FSCONFIG_SET_FLAG, kv, NULL, 0) < 0 ? -errno : 0;
	*eq = 0;
	const char *v = eq + 1;
	if (strlen(v) <= FSCONFIG_STRING_MAX) return fsconfig(fsfd, FSCONFIG_SET_STRING, kv, v, 0) < 0 ? -errno : 0;
	if (strcmp(kv, "lowerdir")) return -ENOSYS; /* a long upperdir or workdir: mount(2) takes it */
	char *save = NULL;
	for (char *l = strtok_r(eq + 1, ":", &save); l; l = strtok_r(NULL, ":", &save)) {
		if (strlen(l) > FSCONFIG_STRING_MAX) return -ENOSYS;
		*plus = 1;
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", l, 0) == 0) continue;
		/* Before 6.8 overlayfs knows no lowerdir+ and says EINVAL to the first one; before 6.5
		 * the legacy context takes them into one page and says EINVAL past it. mount(2) then
		 * says what is really wrong. */
		return errno == EINVAL ? -ENOSYS : -errno;
	}
	return 0;
}

int overlay_fsmount(const char *data, unsigned attrs, const char **what)
{
	static char failed[256];
	*what = "overlay";
	int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0) return errno == ENOSYS ? -ENOSYS : -errno;
	char *opts = strdup(data), *save = NULL;
	int r = opts ? 0 : -ENOMEM, plus = 0;
	for (char *kv = opts ? strtok_r(opts, ",", &save) : NULL; kv && r == 0; kv = strtok_r(NULL, ",", &save)) {
		snprintf(failed, sizeof(failed), "%s", kv);
		r = overlay_option(fsfd, kv, &plus);
		if (r < 0) *what = failed;
	}
	free(opts);
	/* Before 6.5 overlayfs has no fs_context of its own: the kernel's legacy one takes any key
	 * (lowerdir+ too) into a mount(2) data string, and only the create says EINVAL. */
	if (r == 0 && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) r = plus && errno == EINVAL ? -ENOSYS : -errno;
	if (r == 0 && (r = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs)) < 0) r = -errno;
	close(fsfd);
	return r;
}

/* `data` with the lowerdir entries under the directory of its last entry (the store's layer
 * links) made relative to that directory, which goes to *base; NULL when there is nothing to
 * shorten. The policy side counts the same (src/image/Snapshotter.ts, legacyOverlayData). */
static char *relative_lowers(const char *data, char **base)
{
	const char *ld = strncmp(data, "lowerdir=", 9) == 0 ? data : strstr(data, ",lowerdir=");
	if (!ld) return NULL;
	const char *start = ld + (*ld == ',' ? 10 : 9), *end = strchrnul(start, ',');
	const char *last = end, *slash = NULL;
	while (last > start && last[-1] != ':') last--;
	for (const char *p = last; p < end; p++)
		if (*p == '/') slash = p;
	if (*last != '/' || !slash || slash == last) return NULL;
	size_t blen = (size_t)(slash - last);
	char *out = malloc(strlen(data) + 1);
	if (!out || !(*base = strndup(last, blen))) {
		free(out);
		return NULL;
	}
	char *o = out;
	memcpy(o, data, (size_t)(start - data));
	o += start - data;
	for (const char *e = start; e < end;) {
		const char *next = memchr(e, ':', (size_t)(end - e));
		if (!next) next = end;
		size_t n = (size_t)(next - e);
		if (n > blen + 1 && strncmp(e, *base, blen) == 0 && e[blen] == '/') e += blen + 1, n -= blen + 1;
		if (o > out + (start - data)) *o++ = ':';
		memcpy(o, e, n);
		o += n;
		e = next < end ? next + 1 : end;
	}
	strcpy(o, end);
	return out;
}

/* mount(2) takes one page of data: past it, the layer links go relative to their directory and
 * the mount is made from there, as overlayfs resolves relative lower dirs against the caller's
 * working directory (which is restored). `target` is absolute. */
int overlay_mount_legacy(const char *data, const char *target, unsigned long flags)
{
	if (strlen(data) <= MOUNT_DATA_MAX) return mount("overlay", target, "overlay", flags, data) < 0 ? -errno : 0;
	char *base = NULL, *rel = relative_lowers(data, &base);
	int r = -E2BIG;
	if (rel && strlen(rel) <= MOUNT_DATA_MAX) {
		int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cwd < 0) r = -errno;
		else {
			r = chdir(base) < 0 ? -errno : mount("overlay", target, "overlay", flags, rel) < 0 ? -errno : 0;
			if (fchdir(cwd) < 0 && r == 0) r = -errno;
			close(cwd);
		}
	}
	free(rel);
	free(base);
	return r;
}
