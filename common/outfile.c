/* SPDX-License-Identifier: MIT */
/*
 * common/outfile.c - temporary file, fsync, rename: outputs that a reader
 * never sees half-written.
 */
#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"

#define OUTFILE_BUFFER (1024 * 1024)

/* The process umask; reading it means setting it, so it is set back. */
static mode_t
current_umask(void)
{
	mode_t mask = umask(022);

	umask(mask);
	return mask;
}

/* "dir/.base.XXXXXX" for path "dir/base"; NULL when memory ran out. */
static char *
temp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dir_len;
	size_t len = strlen(path) + sizeof(".") + sizeof(".XXXXXX");
	char *tmp = malloc(len);

	if (tmp)
		snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
	return tmp;
}

int
outfile_open(struct outfile *out, const char *path)
{
	char quoted[DIAG_QUOTE_SIZE];
	int fd;

	memset(out, 0, sizeof(*out));
	out->path = strdup(path);
	out->tmp_path = temp_name_for(path);
	if (!out->path || !out->tmp_path) {
		outfile_abort(out);
		return diag_error("out of memory");
	}
	fd = mkstemp(out->tmp_path);
	if (fd < 0) {
		diag_error_errno("could not create a file beside \"%s\"",
		    diag_quote_str(quoted, path));
		free(out->tmp_path);
		out->tmp_path = NULL;
		outfile_abort(out);
		return -1;
	}
	/* mkstemp() makes 0600; outputs are ordinary files. */
	fchmod(fd, 0644 & ~current_umask());
	out->fp = fdopen(fd, "wb");
	if (!out->fp) {
		close(fd);
		diag_error_errno("could not open file \"%s\"",
		    diag_quote_str(quoted, out->tmp_path));
		outfile_abort(out);
		return -1;
	}
	setvbuf(out->fp, NULL, _IOFBF, OUTFILE_BUFFER);
	return 0;
}

int
outfile_finish(struct outfile *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	FILE *fp = out->fp;
	int failed;

	out->fp = NULL;
	failed = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
	if (fclose(fp) != 0)
		failed = 1;
	if (failed)
		return diag_error_errno("could not write file \"%s\"",
		    diag_quote_str(quoted, out->path));
	return 0;
}

int
outfile_commit(struct outfile *out)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (rename(out->tmp_path, out->path) != 0)
		return diag_error_errno("could not rename a file to \"%s\"",
		    diag_quote_str(quoted, out->path));
	free(out->tmp_path);
	out->tmp_path = NULL;
	return 0;
}

void
outfile_abort(struct outfile *out)
{
	if (out->fp)
		fclose(out->fp);
	if (out->tmp_path)
		unlink(out->tmp_path);
	free(out->tmp_path);
	free(out->path);
	memset(out, 0, sizeof(*out));
}

int
outfile_sync_dir(const char *path)
{
	char quoted[DIAG_QUOTE_SIZE];
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return diag_error("out of memory");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = diag_error_errno("could not sync the directory of \"%s\"",
		    diag_quote_str(quoted, path));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}
