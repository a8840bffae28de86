/* cgroup v2 device control: load a BPF_PROG_TYPE_CGROUP_DEVICE program (compiled by
 * src/runtime/cgroups/compileDeviceFilter.ts) and attach it to the container's cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

static int hexnib(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Returns 0 or an errno. */
int attach_device_filter(const char *cgroup_dir, const char *hex)
{
	size_t n = strlen(hex) / 2;
	if (n == 0 || n % 8) return EINVAL;
	unsigned char *prog = malloc(n);
	if (!prog) return ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int hi = hexnib(hex[2 * i]), lo = hexnib(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) { free(prog); return EINVAL; }
		prog[i] = (unsigned char)(hi << 4 | lo);
	}
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (unsigned long)prog;
	a.insn_cnt = (unsigned)(n / 8);
	a.license = (unsigned long)"Apache-2.0";
	int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	int err = errno;
	free(prog);
	if (pfd < 0) return err;
	int cfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0) { err = errno; close(pfd); return err; }
	memset(&a, 0, sizeof(a));
	a.target_fd = (unsigned)cfd;
	a.attach_bpf_fd = (unsigned)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	long r = syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a));
	err = errno;
	close(cfd);
	close(pfd); /* the attachment keeps the program alive as long as the cgroup */
	return r < 0 ? err : 0;
}
