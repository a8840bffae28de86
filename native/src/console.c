/* Pseudo-terminals: the child opens one in its own devpts and hands the master over. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include "helper.h"

int send_fd(int sock, int fd, const char *payload)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = strlen(payload) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Receive one message; *fd is -1 when it carried none. Returns bytes or -errno; 0 on EOF. */
int recv_fd(int sock, char *buf, size_t len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	*fd = -1;
	ssize_t r;
	do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
	if (r < 0) return -errno;
	buf[r] = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
	return (int)r;
}

/* In the container (after /dev/pts is mounted): new pty, the slave becomes stdio and the
 * controlling terminal, the master goes to the monitor. rows/cols > 0: its size from the start. */
int setup_console(int sync_fd, int rows, int cols)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) return errno;
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0) return errno;
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) return errno;
	if (rows > 0 && cols > 0 && rows <= 65535 && cols <= 65535) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0) return errno;
	}
	int n = 0;
	char name[64] = "console";
	if (ioctl(master, TIOCGPTN, &n) == 0) snprintf(name, sizeof(name), "/dev/pts/%d", n);
	if (send_fd(sync_fd, master, name) < 0) return errno;
	close(master);
	if (setsid() < 0) return errno;
	if (ioctl(slave, TIOCSCTTY, 0) < 0) return errno;
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0) return errno;
	if (slave > 2) close(slave);
	return 0;
}
