/* berth-helper: `run PLAN` (a container and its monitor; sync channel on fd 3),
 * `exec PLAN PID` (a process in a running container), `init` (pid 1 for --init), `pause` (a pod's infra); `idmap-mount`, `net`, `fs`
 * and `peer-context` (who is at the other end of the unix socket on fd 3: native/src/peer.c) (docs/plan.md, "Other modes"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

int status_code_of(int status);

static int has_fd3(void)
{
	return fcntl(3, F_GETFD) >= 0;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "berth-init")) return init_main(argc - 1 - (argc > 1 && !strcmp(argv[1], "--")), argv + 1 + (argc > 1 && !strcmp(argv[1], "--")));
	if (!strcmp(base, "pause") || (argc == 2 && !strcmp(argv[1], "pause"))) return pause_main();
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("berth-helper 0.1.0");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "init")) {
		int skip = argc > 2 && !strcmp(argv[2], "--");
		return init_main(argc - 2 - skip, argv + 2 + skip);
	}
	if (argc >= 2 && !strcmp(argv[1], "idmap-mount")) { int idmap_main(int, char **); return idmap_main(argc - 2, argv + 2); }
	if (argc >= 2 && !strcmp(argv[1], "fs")) { int fs_main(int, char **); return fs_main(argc - 2, argv + 2); }
	if (argc == 2 && !strcmp(argv[1], "peer-context")) { int peer_main(int, char **); return peer_main(argc - 2, argv + 2); }
	if (argc >= 3 && !strcmp(argv[1], "net")) { int net_main(int, char **); return net_main(argc - 2, argv + 2); }
	int exec = argc == 4 && !strcmp(argv[1], "exec");
	if (!exec && (argc != 3 || strcmp(argv[1], "run") != 0)) {
		fprintf(stderr, "usage: berth-helper run PLAN | exec PLAN PID | init CMD...  (sync channel on fd 3)\n");
		return 2;
	}
	int ts = has_fd3() ? 3 : -1;
	int r = start_sealed(argc, argv, 2);
	if (r < 0) fail(ts >= 0 ? ts : 2, "run sealed copy of", "/proc/self/exe", -r);
	struct plan p;
	r = plan_load(argv[2], &p);
	if (r < 0) fail(ts >= 0 ? ts : 2, "load plan", argv[2], -r);
	if (!strncmp(argv[2], "/proc/self/fd/", 14)) close(atoi(argv[2] + 14));
	if (exec) return exec_main(&p, atoi(argv[3]), ts);
	if (ts < 0) {
		fprintf(stderr, "berth-helper run: the sync channel (fd 3) is missing\n");
		return 2;
	}
	return monitor_main(&p, ts);
}
