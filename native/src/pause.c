/* `berth-helper pause` (or the helper named `pause`): a pod's infra process. It holds the
 * pod's namespaces open: sleeps in pause(2), reaps any child it inherits (it is pid 1 of a
 * shared pid namespace) and exits 0 on SIGTERM or SIGINT (pid 1 has no default action). */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_child(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int pause_main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	for (;;) pause();
}
