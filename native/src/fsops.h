/* `berth-helper fs`: path work inside a container's root (native/src/fsops.c). */
#pragma once
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/types.h>

/* How paths below a root are resolved:
 * FS_IN_ROOT  symlinks are followed, confined to the root (RESOLVE_IN_ROOT): a container's view;
 * FS_BENEATH  no symlink is followed at all, `..` may not leave the root (host-side destinations). */
enum fs_mode { FS_IN_ROOT, FS_BENEATH };

/* Report `fs: OP `PATH`: strerror(err)` on stderr and exit 1. */
noreturn void fs_fail(const char *op, const char *path, int err);

/* openat2 of `path` below rootfd (leading slashes ignored, "" is the root itself); the last
 * component is followed only with `follow`. Returns an fd or -errno. */
int fs_open(int rootfd, const char *path, int flags, int follow, enum fs_mode m);

/* A readable fd for what the O_PATH fd `pathfd` names (the same inode, never re-walked). */
int fs_reopen(int pathfd, int flags);

/* rm -rf of the entry `name` in dirfd, never following a symlink. 0 or -errno. */
int fs_rmtree(int dirfd, const char *name);

/* fstat wrapper: 0 or -errno. */
int fs_fstat(int fd, struct stat *st);

/* fstartar.c / fsuntar.c */
void tar_out(int rootfd, const char *path, int follow);
void tar_in(int rootfd, const char *dest, enum fs_mode m);
