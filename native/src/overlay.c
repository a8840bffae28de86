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
	int first = 1;
	for (char *l = strtok_r(eq + 1, ":", &save); l; l = strtok_r(NULL, ":", &save), first = 0) {
		if (strlen(l) > FSCONFIG_STRING_MAX) return -ENOSYS;
		*plus = 1;
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", l, 0) == 0) continue;
		/* Before 6.8 overlayfs knows no lowerdir+ and says EINVAL to the first one. */
		return first && errno == EINVAL ? -ENOSYS : -errno;
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

int overlay_mount_legacy(const char *data, const char *target, unsigned long flags)
{
	if (strlen(data) > MOUNT_DATA_MAX) return -E2BIG;
	return mount("overlay", target, "overlay", flags, data) < 0 ? -errno : 0;
}
