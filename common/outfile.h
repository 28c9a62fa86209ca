/* SPDX-License-Identifier: MIT */
/*
 * common/outfile.h - an output file that is either complete or absent.
 * It is written under a temporary name in its target directory, flushed
 * and synced by outfile_finish(), and renamed into place by
 * outfile_commit(); outfile_abort() removes the temporary file.  Several
 * outputs can be finished first and committed together at the end.
 *
 * What is written is hashed and written to the file by a thread of the
 * file's own, so that the writer goes on while the kernel copies its
 * bytes; outfile_finish() gives the SHA-256 of exactly the bytes written,
 * and nobody needs to read the file again to list it in SHA256SUMS.
 */
#ifndef TOKENTRAIL_COMMON_OUTFILE_H
#define TOKENTRAIL_COMMON_OUTFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/sha256.h"

struct outfile_writer;

struct outfile {
	char *path;     /* final name */
	char *tmp_path; /* ".name.XXXXXX" beside it, while it exists */
	FILE *fp;       /* open until outfile_finish() */
	struct outfile_writer *writer; /* behind fp, until outfile_finish() */
	bool is_closing;               /* outfile_close() was called */
	uint64_t size; /* bytes written, set by outfile_finish() */
	char sha256[SHA256_HEX_SIZE]; /* their digest, likewise */
};

/*
 * Create the temporary file for path, mode 0644 before umask.  Returns 0,
 * or reports why and returns -1 with nothing created.
 */
int outfile_open(struct outfile *out, const char *path);

/*
 * Start finishing the file without waiting: what is buffered is handed to
 * the writer thread, which writes it and syncs the file, while the
 * caller goes on.  outfile_finish() must still follow; it waits for the
 * thread.  Returns 0, or reports a write error already known and returns
 * -1.
 */
int outfile_close(struct outfile *out);

/*
 * Flush, sync and close the temporary file and set size and sha256.
 * Returns 0, or reports the write error (a full disk shows here) and
 * returns -1; the temporary file remains until outfile_abort().
 */
int outfile_finish(struct outfile *out);

/*
 * Rename the finished temporary file to the final name.  Returns 0, or
 * reports why and returns -1.
 */
int outfile_commit(struct outfile *out);

/* Close and remove the temporary file if there is one; free the names.
 * Safe to call after outfile_commit() and on a zeroed struct. */
void outfile_abort(struct outfile *out);

/* Sync the directory that holds path, so that renames into it last.
 * Returns 0, or reports why and returns -1. */
int outfile_sync_dir(const char *path);

#endif
