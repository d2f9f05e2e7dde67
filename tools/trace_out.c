/*
 * trace_out.c - the trace tool's output files, which never cost the user a
 * file:
 *
 * - a regular file (new, or one a symlink names) is written to a temporary
 *   file beside it and renamed over it only once every byte is written: a
 *   failed write leaves the old file as it was, and no half-written one;
 * - anything else (/dev/null, /dev/stdout, a pipe, a device) is written in
 *   place and never removed: removing the path of a device on a failed
 *   write took /dev/full away once;
 * - an output that is one of the command's inputs (`timeline T --json T`)
 *   is refused before anything is written;
 * - a live output (stream-drain) is written in place as it comes: what it
 *   holds is worth keeping even if the drainer dies.
 *
 * (A write error on standard output: cli_init, host/cli.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tools/trace_tool.h"

#define MAX_INPUTS 64
#define MAX_OUTPUTS 4

static struct {
	dev_t dev;
	ino_t ino;
} inputs[MAX_INPUTS];
static unsigned ninputs;

static struct out {
	FILE *f;
	char *tmp;   /* the temporary file, NULL: written in place */
	char *final; /* where it goes (a symlink resolved) */
} outs[MAX_OUTPUTS];

void trace_note_input(int fd)
{
	struct stat st;
	if (ninputs < MAX_INPUTS && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		inputs[ninputs].dev = st.st_dev;
		inputs[ninputs].ino = st.st_ino;
		ninputs++;
	}
}

static void refuse_input(const char *path, const struct stat *st)
{
	for (unsigned i = 0; i < ninputs; i++)
		if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino)
			io_fail(path, "is also an input of this command: refusing to write over it");
}

static struct out *out_slot(const char *path)
{
	for (unsigned i = 0; i < MAX_OUTPUTS; i++)
		if (!outs[i].f)
			return &outs[i];
	io_fail(path, "too many output files at once");
}

static FILE *open_in_place(const char *path, struct out *o)
{
	o->f = fopen(path, "wb");
	if (!o->f)
		io_fail(path, strerror(errno));
	o->tmp = 0;
	o->final = 0;
	return o->f;
}

FILE *out_open_live(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		refuse_input(path, &st);
	return open_in_place(path, out_slot(path));
}

FILE *out_open(const char *path)
{
	struct out *o = out_slot(path);
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (exists) {
		refuse_input(path, &st);
		if (!S_ISREG(st.st_mode))
			return open_in_place(path, o);
	}
	/* The file a symlink names, so that the link stays a link. */
	char real[PATH_MAX];
	const char *final = exists && realpath(path, real) ? real : path;
	size_t n = strlen(final);
	o->final = xcalloc(1, n + 1, path);
	memcpy(o->final, final, n);
	o->tmp = xcalloc(1, n + 16, path);
	snprintf(o->tmp, n + 16, "%s.tmp-XXXXXX", final);
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		io_fail(path, strerror(errno));
	/* mkstemp makes it 0600: give it the mode the file had, or a new file's. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask);
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		unlink(o->tmp);
		io_fail(path, strerror(errno));
	}
	return o->f;
}

void out_close(FILE *f, const char *path, bool ok)
{
	struct out *o = 0;
	for (unsigned i = 0; i < MAX_OUTPUTS; i++)
		if (outs[i].f == f)
			o = &outs[i];
	errno = 0;
	ok &= !ferror(f);
	ok &= fclose(f) == 0;
	const char *why = errno ? strerror(errno) : "write failed";
	char *tmp = o ? o->tmp : 0, *final = o ? o->final : 0;
	if (o)
		memset(o, 0, sizeof *o);
	if (ok && tmp && rename(tmp, final) != 0) {
		why = strerror(errno);
		ok = false;
	}
	if (!ok && tmp)
		unlink(tmp); /* the old file, if any, is as it was */
	free(tmp);
	free(final);
	if (!ok)
		io_fail(path, why);
}
