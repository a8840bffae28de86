/* `berth-init CMD...` (the helper bound into the container for --init): pid 1 that
 * starts CMD, forwards signals to it, reaps every zombie and exits with CMD's status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

int init_main(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "berth-init: usage: berth-init [--] CMD [ARG...]\n");
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) { perror("berth-init: fork"); return 1; }
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		setpgid(0, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		int sig;
		if (sigwait(&all, &sig) != 0) continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == child) return status_code_of(st);
	}
}
