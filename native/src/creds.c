/* Identity and privilege ops: groups, uid/gid, capabilities, no_new_privs, seccomp. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

static int set_groups(const char *list)
{
	gid_t gids[256];
	int n = 0;
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", list);
	char *save = NULL;
	for (char *g = strtok_r(buf, ",", &save); g && n < 256; g = strtok_r(NULL, ",", &save)) gids[n++] = (gid_t)strtoul(g, NULL, 10);
	return setgroups(n, gids) < 0 ? errno : 0;
}

static int drop_bounding(unsigned long long keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap)) continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) break; /* past the kernel's last capability */
			return errno;
		}
	}
	return 0;
}

static int set_caps(unsigned long long eff, unsigned long long perm, unsigned long long inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32), .inheritable = (uint32_t)(inh >> 32) },
	};
	return syscall(SYS_capset, &hdr, data) < 0 ? errno : 0;
}

static int raise_ambient(unsigned long long mask)
{
	for (int cap = 0; cap < 64; cap++)
		if ((mask & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return errno;
	return 0;
}

static int hexdigit(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* seccomp FLAGS HEXPROGRAM */
static int install_seccomp(unsigned long flags, const char *hex)
{
	size_t bytes = strlen(hex) / 2;
	if (bytes == 0 || bytes % sizeof(struct sock_filter)) return EINVAL;
	unsigned char *buf = malloc(bytes);
	if (!buf) return ENOMEM;
	for (size_t i = 0; i < bytes; i++) buf[i] = (unsigned char)(hexdigit(hex[2 * i]) << 4 | hexdigit(hex[2 * i + 1]));
	struct sock_fprog prog = { .len = (unsigned short)(bytes / sizeof(struct sock_filter)), .filter = (struct sock_filter *)buf };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	int e = errno;
	free(buf);
	return r < 0 ? e : 0;
}

/* Returns -1 when the op is not one of ours, else 0 or an errno. */
int do_cred_op(const struct op *o, const char **what)
{
	const char *n = o->name;
	*what = op_arg(o, 0);
	if (!strcmp(n, "setgroups")) return set_groups(op_arg(o, 0));
	if (!strcmp(n, "setgid")) return setresgid(op_num(o, 0), op_num(o, 0), op_num(o, 0)) < 0 ? errno : 0;
	if (!strcmp(n, "setuid")) return setresuid(op_num(o, 0), op_num(o, 0), op_num(o, 0)) < 0 ? errno : 0;
	if (!strcmp(n, "keepcaps")) return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ? errno : 0;
	if (!strcmp(n, "bounding")) return drop_bounding(strtoull(op_arg(o, 0), NULL, 16));
	if (!strcmp(n, "caps"))
		return set_caps(strtoull(op_arg(o, 0), NULL, 16), strtoull(op_arg(o, 1), NULL, 16), strtoull(op_arg(o, 2), NULL, 16));
	if (!strcmp(n, "ambient")) return raise_ambient(strtoull(op_arg(o, 0), NULL, 16));
	if (!strcmp(n, "no_new_privs")) return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? errno : 0;
	if (!strcmp(n, "seccomp")) {
		*what = "filter";
		return install_seccomp(op_hex(o, 0), op_arg(o, 1));
	}
	return -1;
}
