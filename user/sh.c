/*
 * sh - the shell (docs/user.md).
 *
 *   $ [quota=PAGES] NAME [ARG...] [&] [@CPU]   run program NAME
 *   $ progs | wait | help                     built-ins
 *   $ !COMMAND                                a kernel monitor command, even if a
 *                                             program has its name (`!ps`)
 *   $ anything else                           a kernel monitor command (sys_monitor)
 *
 * A program runs in the foreground unless the line ends with `&`; `@CPU`
 * picks its CPU (default: the shell's).  The child gets a container of
 * PAGES pages split from the shell's (default DEFAULT_QUOTA, or half of
 * what the shell has left if that is less).
 */
#include "ulib.h"

#define LINE_MAX 256
#define WORDS_MAX (LINE_MAX / 2)
#define DEFAULT_QUOTA 256ul
#define MAX_BG 64

static int bg[MAX_BG]; /* background children not yet waited for */
static int nbg;

/* Reads one line with sys_getc, echoing; backspace (0x7f, 0x08) edits.  False if
 * the line did not fit (what did not fit is not echoed). */
static bool readline(char *buf, size_t n)
{
	size_t len = 0;
	bool fits = true;

	for (;;) {
		int c = sys_getc();

		if (c == '\r' || c == '\n') {
			sys_putc('\n');
			break;
		}
		if (c == 0x7f || c == '\b') {
			if (len > 0) {
				len--;
				sys_putc('\b');
				sys_putc(' ');
				sys_putc('\b');
			}
		} else if (c == '\t' || (c >= ' ' && c < 0x7f)) {
			if (len + 1 < n) {
				buf[len++] = c == '\t' ? ' ' : (char)c;
				sys_putc(c == '\t' ? ' ' : c);
			} else {
				fits = false;
			}
		}
	}
	buf[len] = '\0';
	return fits;
}

/* Splits line in place at spaces; returns the number of words. */
static int split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || n == max)
			return n;
		words[n++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static void cmd_progs(void)
{
	char name[PROC_NAME_MAX + 8];

	for (int i = 0; prog_get_name(i, name, sizeof(name)); i++)
		printf("%3d %s\n", i, name);
}

static void report(int pid, int status, bool always)
{
	if (status != 0 || always)
		printf("[%d] exit %d%s\n", pid, status, status == EXIT_KILLED ? " (killed)" : "");
}

static void cmd_wait(void)
{
	for (int i = 0; i < nbg; i++) {
		int status, err = sys_wait(bg[i], &status);

		if (err != E_SUCC)
			printf("sh: wait %d: %s\n", bg[i], errname(err));
		else
			report(bg[i], status, true);
	}
	nbg = 0;
}

static void cmd_help(void);

/* The shell's own commands; none takes arguments. */
static const struct {
	const char *name, *what;
	void (*fn)(void);
} builtins[] = {
	{ "progs", "it lists the programs", cmd_progs },
	{ "wait", "it waits for every background program", cmd_wait },
	{ "help", "it lists the commands", cmd_help },
};

static int builtin_find(const char *name)
{
	for (int i = 0; i < (int)(sizeof(builtins) / sizeof(builtins[0])); i++)
		if (strcmp(name, builtins[i].name) == 0)
			return i;
	return -1;
}

static void cmd_help(void)
{
	printf("  [quota=PAGES] NAME [ARG...] [&] [@CPU]  run a program (default quota %lu pages)\n"
	       "  progs                                   the programs\n"
	       "  wait                                    wait for the background programs\n"
	       "  help                                    this text\n"
	       "  !COMMAND                                a monitor command, even one named as a program\n"
	       "  anything else: a kernel monitor command (try 'help' there: ps, logs, quit, ...)\n",
	       DEFAULT_QUOTA);
	sys_monitor("help");
}

/* Runs words[0] (a program) with the other words; returns false if it is no program. */
static bool run(char **words, int n, unsigned long quota, bool quota_given)
{
	char args[SPAWN_ARGS_MAX];
	size_t len = 0;
	int prog = prog_find(words[0]), cpu = SPAWN_ANY_CPU, pid, err;
	bool background = false;

	if (prog < 0)
		return false;
	/* Trailing `&` and `@CPU`, in either order. */
	while (n > 1) {
		long v;

		if (strcmp(words[n - 1], "&") == 0) {
			background = true;
		} else if (words[n - 1][0] == '@') {
			if (!parse_long(words[n - 1] + 1, &v) || v < 0) {
				printf("sh: bad cpu '%s'\n", words[n - 1]);
				return true;
			}
			if (v >= sys_ncpu()) {
				printf("sh: no cpu %ld: this machine has cpus 0..%d\n", v,
				       sys_ncpu() - 1);
				return true;
			}
			cpu = (int)v;
		} else {
			break;
		}
		n--;
	}
	/* The kernel would refuse them (E_INVAL_ADDR): say why here. */
	if (n - 1 > SPAWN_WORDS_MAX) {
		printf("sh: %s: %d arguments, at most %d\n", words[0], n - 1, SPAWN_WORDS_MAX);
		return true;
	}
	args[0] = '\0';
	for (int i = 1; i < n; i++) {
		size_t w = strlen(words[i]);

		if (len + w + 2 > sizeof(args)) {
			printf("sh: arguments longer than %d bytes\n", SPAWN_ARGS_MAX - 1);
			return true;
		}
		if (len > 0)
			args[len++] = ' ';
		memcpy(args + len, words[i], w + 1);
		len += w;
	}
	if (!quota_given) {
		unsigned long left = sys_get_quota();
		quota = left / 2 < DEFAULT_QUOTA ? left / 2 : DEFAULT_QUOTA;
	}
	err = sys_spawn(prog, quota, args, cpu, &pid);
	if (err != E_SUCC) {
		printf("sh: %s: %s (quota %lu pages, %lu left)\n", words[0], errname(err), quota,
		       sys_get_quota());
		return true;
	}
	if (background) {
		if (nbg < MAX_BG)
			bg[nbg++] = pid;
		printf("[%d]\n", pid);
	} else {
		int status;

		err = sys_wait(pid, &status);
		if (err != E_SUCC)
			printf("sh: wait %d: %s\n", pid, errname(err));
		else
			report(pid, status, false);
	}
	return true;
}

/* A kernel monitor command: the words with one space between them; bang: typed
 * as !COMMAND (so no shell command or program was meant). */
static void monitor(char **words, int n, bool bang)
{
	char cmd[LINE_MAX];
	int err;

	cmd[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strlcpy(cmd + strlen(cmd), " ", sizeof(cmd) - strlen(cmd));
		strlcpy(cmd + strlen(cmd), words[i], sizeof(cmd) - strlen(cmd));
	}
	err = sys_monitor(cmd);
	if (err == E_INVAL_ID && bang && (builtin_find(words[0]) >= 0 || prog_find(words[0]) >= 0))
		printf("sh: no monitor command '%s': %s is the shell's; type it without '!'\n",
		       words[0], words[0]);
	else if (err == E_INVAL_ID && bang)
		printf("sh: no monitor command '%s' (try !help)\n", words[0]);
	else if (err == E_INVAL_ID)
		printf("sh: unknown command: %s\n", words[0]);
	else if (err != E_SUCC)
		printf("sh: %s: %s\n", words[0], errname(err));
}

static void execute(char *line)
{
	char *all[WORDS_MAX], **words = all;
	unsigned long quota = 0;
	bool quota_given = false;
	int n;

	n = split(line, all, WORDS_MAX);
	if (n == 0)
		return;
	if (words[0][0] == '!') { /* straight to the monitor */
		if (words[0][1] != '\0') {
			words[0]++;
		} else {
			words++;
			n--;
		}
		if (n > 0)
			monitor(words, n, true);
		return;
	}
	int b = builtin_find(words[0]);
	if (b >= 0 && n > 1) {
		printf("sh: usage: %s (no arguments: %s)\n", words[0], builtins[b].what);
		return;
	}
	if (b >= 0) {
		builtins[b].fn();
		return;
	}
	if (strncmp(words[0], "quota=", 6) == 0) {
		long v;

		if (!parse_long(words[0] + 6, &v) || v < 0) {
			printf("sh: bad quota '%s'\n", words[0]);
			return;
		}
		if (n == 1) {
			printf("sh: quota= needs a program\n");
			return;
		}
		quota = (unsigned long)v;
		quota_given = true;
		words++;
		n--;
	}
	if (run(words, n, quota, quota_given))
		return;
	if (quota_given) {
		printf("sh: no program '%s' (try progs)\n", words[0]);
		return;
	}
	monitor(words, n, false);
}

int main(int argc, char **argv)
{
	char line[LINE_MAX];

	printf("sh: pid %d, %lu pages, %d cpus; 'help' lists the commands\n", sys_getpid(),
	       sys_get_quota(), sys_ncpu());
	for (;;) {
		printf("$ ");
		flush();
		if (readline(line, sizeof(line)))
			execute(line);
		else /* a cut line would run something else than typed */
			printf("sh: line longer than %d characters: not run\n", LINE_MAX - 1);
		flush();
	}
}
