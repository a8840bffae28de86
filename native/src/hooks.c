/* OCI hooks that must run inside the container's namespaces
 * (createContainer, startContainer): `hook TIMEOUT PATH ARGC ARG... ENV...`. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "helper.h"

int run_hook(const struct op *o, const char *state_json)
{
	int timeout = (int)op_num(o, 0);
	const char *path = op_arg(o, 1);
	int argc = (int)op_num(o, 2);
	if (argc < 0 || 3 + argc > o->argc) return EINVAL;
	char **argv = calloc(argc + 1, sizeof(char *));
	int nenv = o->argc - 3 - argc;
	char **envp = calloc(nenv + 1, sizeof(char *));
	if (!argv || !envp) return ENOMEM;
	for (int i = 0; i < argc; i++) argv[i] = o->argv[3 + i];
	for (int i = 0; i < nenv; i++) envp[i] = o->argv[3 + argc + i];
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0) return errno;
	pid_t pid = fork();
	if (pid < 0) return errno;
	if (pid == 0) {
		dup2(in[0], 0);
		execve(path, argv, envp);
		_exit(127);
	}
	close(in[0]);
	write_all(in[1], state_json, strlen(state_json));
	close(in[1]);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);
		if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECANCELED;
		if (r < 0 && errno != EINTR) return errno;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout > 0 && now.tv_sec - start.tv_sec >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return ETIMEDOUT;
		}
		usleep(5000);
	}
}
