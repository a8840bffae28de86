/* berth-helper: the mechanism half of berth. It carries out a plan written by
 * src/runtime/plan.ts (format: docs/plan.md) and holds no policy of its own. */
#pragma once
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

struct op {
	char *name;
	int argc;
	char **argv;
};

struct plan {
	struct op *ops;
	int n;
	int child_start; /* index of the first op after `begin` */
};

/* sealed.c: non-dumpable, clean environment, running from a sealed memfd copy of ourselves. */
int start_sealed(int argc, char **argv, int plan_arg);
int close_fds_except(int a, int b); /* every fd >= 3 but a and b (-1: none) */

/* plan.c */
int plan_load(const char *path, struct plan *p);
const char *op_arg(const struct op *o, int i); /* "" when missing */
unsigned long op_hex(const struct op *o, int i);
long long op_num(const struct op *o, int i);

/* report.c: messages on the sync channel, one per line (or packet). */
void send_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_error(int fd, const char *step, const char *path, int err);
noreturn void fail(int fd, const char *step, const char *path, int err);
int read_line(int fd, char *buf, size_t len); /* bytes read, 0 on EOF, -1 on error */
int write_all(int fd, const void *buf, size_t len);

/* fsutil.c: path resolution that never leaves the container's rootfs. */
int open_in_root(int rootfd, const char *rel, int flags);
int mkdirs_in_root(int rootfd, const char *rel, mode_t mode);
int create_file_in_root(int rootfd, const char *rel, mode_t mode);
int write_file(const char *path, const char *data);

/* mounts.c: the child's filesystem ops. Return 0 or an errno; *path names the object. */
struct mount_ctx {
	int rootfd;           /* -1 until `rootfs` */
	char rootfs[4096];
};
int do_mount_op(struct mount_ctx *m, const struct op *o, const char **what);
int do_pivot_root(struct mount_ctx *m, const char **what);
int do_move_root(struct mount_ctx *m, const char **what); /* --no-pivot: MS_MOVE onto / and chroot */
int do_mask(const char *path);
int do_readonly(const char *path);
int do_remount_ro(const char *path);

/* creds.c: identity, capabilities, seccomp. */
int do_cred_op(const struct op *o, const char **what);

/* hooks.c */
int run_hook(const struct op *o, const char *state_json);

/* console.c */
int setup_console(int sync_fd, int rows, int cols);
int send_fd(int sock, int fd, const char *payload);
int recv_fd(int sock, char *buf, size_t len, int *fd);

/* child.c */
extern int child_no_pdeathsig;
extern int child_unshare_cgroup;
noreturn void child_main(struct plan *p, int sync_fd, int fifo_fd);

/* monitor.c */
int monitor_main(struct plan *p, int ts_fd);

/* attach.c */
#define ATTACH_MAX 8
struct pollfd;
struct attach_client {
	int fd;
	unsigned char *buf;
	size_t len;
};
struct attach {
	int listen_fd;
	struct attach_client c[ATTACH_MAX];
};
struct attach_sink {
	int stdin_fd; /* where stdin frames go: a pipe or the pty master */
	int pty;      /* for resize */
};
int attach_listen(struct attach *a, const char *path);
int attach_pollfds(struct attach *a, struct pollfd *fds); /* fills 1 + ATTACH_MAX entries */
void attach_handle(struct attach *a, struct pollfd *fds, struct attach_sink *s);
void attach_broadcast(struct attach *a, int stream, const char *buf, size_t len);
void attach_close_all(struct attach *a);

/* wait status -> exit code: the code, or 128 + signal */
int status_code_of(int status);

/* bpfdev.c: cgroup v2 device filter */
int attach_device_filter(const char *cgroup_dir, const char *hex);

/* exec.c: run a process inside a running container's namespaces and cgroup. */
int exec_main(struct plan *p, int pid, int ts_fd);

/* init.c: a minimal pid 1 that reaps zombies and forwards signals. */
int init_main(int argc, char **argv);
int pause_main(void);

/* logs.c */
size_t json_escape(char *out, const char *in, size_t len);
struct logfile;
struct logfile *log_open(const char *path, long long max_size, int max_files);
void log_write(struct logfile *l, const char *stream, const char *buf, size_t len);
void log_flush(struct logfile *l);

/* overlay.c: a detached overlay mount (fsmount) of mount data `data` with MOUNT_ATTR_* `attrs`:
 * its fd, or -errno (`what`: the option at fault), or -ENOSYS when this kernel needs mount(2)
 * (no fsopen, or a lowerdir over fsconfig's 255 bytes and no lowerdir+). */
int overlay_fsmount(const char *data, unsigned attrs, const char **what);
/* mount(2) of overlay `data` (one page at most, else -E2BIG) on `target`: 0 or -errno. */
int overlay_mount_legacy(const char *data, const char *target, unsigned long flags);
