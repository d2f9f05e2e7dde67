/*
 * trace_out.c - the trace tool's output files, which never cost the user a
 * file:
 *
 * - a regular file (new, or one a symlink names) is written to a temporary
 *   file beside it and renamed over it only once every byte is written: a
 *   failed write leaves the old file as it was, and no half-written one;
 * - anything else (/dev/null, a pipe, a device; a regular file that is
 *   our stdout, has hard links or another owner; a dangling symlink; a
 *   directory we may not create a temporary in) is written in place and
 *   never removed: removing the path of a device on a failed write took
 *   /dev/full away once;
 * - a rename that cannot replace the file (bind-mounted alone, another file
 *   system) becomes a copy over it;
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

/* Is st the file that fd 0, 1 or 2 is (`OUT=/dev/stdout` with stdout a
 * file): renaming over it would leave the open descriptor on a deleted
 * file. */
static bool is_std_stream(const struct stat *st)
{
	struct stat sd;
	for (int fd = 0; fd <= 2; fd++)
		if (fstat(fd, &sd) == 0 && sd.st_dev == st->st_dev && sd.st_ino == st->st_ino)
			return true;
	return false;
}

/* Temporaries not renamed yet, removed at any exit (io_fail included). */
static void out_cleanup(void)
{
	for (unsigned i = 0; i < MAX_OUTPUTS; i++)
		if (outs[i].tmp)
			unlink(outs[i].tmp);
}

FILE *out_open(const char *path)
{
	static bool registered;
	if (!registered)
		atexit(out_cleanup);
	registered = true;
	struct out *o = out_slot(path);
	struct stat st, lst;
	bool exists = stat(path, &st) == 0;
	if (exists)
		refuse_input(path, &st);
	/* In place: not a regular file; a symlink to nothing yet (fopen makes
	 * its target); a file with other names (hard links), another owner, or
	 * open as our stdin/stdout/stderr, which a rename would cut off. */
	if ((exists && (!S_ISREG(st.st_mode) || st.st_nlink > 1 || st.st_uid != geteuid() ||
			is_std_stream(&st))) ||
	    (!exists && lstat(path, &lst) == 0))
		return open_in_place(path, o);
	/* The file a symlink names, so that the link stays a link. */
	char real[PATH_MAX];
	const char *final = exists && realpath(path, real) ? real : path;
	size_t n = strlen(final);
	o->final = xcalloc(1, n + 1, path);
	memcpy(o->final, final, n);
	o->tmp = xcalloc(1, n + 16, path);
	snprintf(o->tmp, n + 16, "%s.tmp-XXXXXX", final);
	int fd = mkstemp(o->tmp);
	if (fd < 0) { /* a directory we may not create in: the file itself, then */
		free(o->tmp);
		free(o->final);
		return open_in_place(path, o);
	}
	/* mkstemp makes it 0600: give it the mode the file had, or a new file's. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, exists ? st.st_mode & 0777 : 0666 & ~mask) != 0) {
		unlink(o->tmp);
		io_fail(path, strerror(errno));
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		unlink(o->tmp);
		io_fail(path, strerror(errno));
	}
	return o->f;
}

/* rename could not put tmp in final's place (a file bind-mounted alone is
 * busy; another file system): copy it there instead. */
static bool copy_over(const char *tmp, const char *final)
{
	FILE *in = fopen(tmp, "rb"), *out = in ? fopen(final, "wb") : 0;
	char buf[1 << 16];
	size_t k;
	bool ok = in && out;
	while (ok && (k = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, k, out) == k;
	ok &= in && !ferror(in);
	if (in)
		fclose(in);
	if (out)
		ok &= fclose(out) == 0;
	return ok;
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
	if (ok && tmp && rename(tmp, final) != 0 && !copy_over(tmp, final)) {
		why = strerror(errno);
		ok = false;
	}
	if (tmp)
		unlink(tmp); /* renamed already, copied, or failed: the old file as it was */
	free(tmp);
	free(final);
	if (!ok)
		io_fail(path, why);
}
