/* ps - the process table: every live slot of sys_proc_info 0..63. */
#include "ulib.h"

#define SLOTS 64

static const char *state_name(int state)
{
	switch (state) {
	case 1:
		return "run";
	case 2:
		return "sleep";
	case 3:
		return "exited";
	default:
		return "?";
	}
}

int main(int argc, char **argv)
{
	struct proc_info pi;
	int n = 0;

	printf("slot  pid cpu state  parent  quota  usage   syscalls name\n");
	for (int slot = 0; slot < SLOTS; slot++) {
		int err = sys_proc_info(slot, &pi);

		if (err == E_INVAL_PID) /* a free slot */
			continue;
		if (err != E_SUCC) {
			printf("ps: slot %d: %s\n", slot, errname(err));
			return 1;
		}
		pi.name[PROC_NAME_MAX - 1] = '\0';
		printf("%4d %4d %3d %-6s %6d %6lu %6lu %10lu %s\n", slot, pi.pid, pi.cpu,
		       state_name(pi.state), pi.parent, pi.quota, pi.usage, pi.syscalls, pi.name);
		n++;
	}
	printf("ps: %d processes\n", n);
	return 0;
}
