/* berth-helper: `berth-helper run PLAN` with the runtime's sync channel on fd 3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("berth-helper 0.1.0");
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "usage: berth-helper run PLAN (sync channel on fd 3)\n");
		return 2;
	}
	struct plan p;
	int r = plan_load(argv[2], &p);
	if (r < 0) fail(3, "load plan", argv[2], -r);
	return monitor_main(&p, 3);
}
