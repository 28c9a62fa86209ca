/* SPDX-License-Identifier: MIT */
/*
 * common/outfile.c - temporary file, fsync, rename: outputs that a reader
 * never sees half-written.  The stream handed to the caller is a
 * fopencookie() stream whose bytes are copied into one of two buffers; a
 * writer thread takes each full buffer, adds it to the file's SHA-256,
 * writes it and starts its writeback to disk, while the caller fills the
 * other.  When the file is complete the thread syncs it, so that a caller
 * that closed it with outfile_close() goes on meanwhile.
 */
#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"

/* Each of the two buffers.  The stream itself is unbuffered: what the
 * caller writes is copied once, into the buffer being filled. */
#define WRITER_BUFFER (256 * 1024)

/*
 * The two buffers: the caller copies into buf[filling]; a full one is
 * handed over as the pending one, which the thread hashes and writes.
 * lock guards pending_len, is_closing, is_synced_on_close and error.
 */
struct outfile_writer {
	int fd;
	struct sha256 sha;
	char *buf[2];
	size_t filled; /* bytes in buf[filling] */
	int filling;
	size_t pending_len; /* bytes of buf[!filling] to write, or 0 */
	bool is_closing;
	bool is_synced_on_close; /* the thread fsyncs before it ends */
	int error;     /* errno of the first failed write or fsync, or 0 */
	uint64_t size; /* bytes handed to the thread */
	uint64_t written; /* bytes the thread wrote; its own */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

/* Write all of data to fd; 0, or the errno of the failure. */
static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Ask the kernel to start writing the len bytes just written to disk,
 * without waiting for it, so that the fsync() when the file is complete
 * finds most of the file already there instead of waiting for all of it:
 * the two large reports took about half a second each there on the bench
 * set.  Only a hint: where sync_file_range() is missing or fails, the
 * fsync() still does all of it.
 */
static void
start_writeback(struct outfile_writer *w, size_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(
	    w->fd, (off_t)w->written, (off_t)len, SYNC_FILE_RANGE_WRITE);
#endif
	w->written += len;
}

static void *
writer_main(void *arg)
{
	struct outfile_writer *w = arg;
	bool is_sync_due;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->pending_len == 0 && !w->is_closing)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->pending_len == 0)
			break;
		const char *data = w->buf[!w->filling];
		size_t len = w->pending_len;
		int error = w->error;

		pthread_mutex_unlock(&w->lock);
		if (error == 0 && sha256_update(&w->sha, data, len) != 0)
			error = ENOMEM;
		if (error == 0)
			error = write_all(w->fd, data, len);
		if (error == 0)
			start_writeback(w, len);
		pthread_mutex_lock(&w->lock);
		w->error = error;
		w->pending_len = 0;
		pthread_cond_broadcast(&w->wake);
	}
	is_sync_due = w->is_synced_on_close && w->error == 0;
	pthread_mutex_unlock(&w->lock);

	/* The file is complete: sync it here, so that the caller can go on
	 * while the disk catches up (outfile_close()). */
	if (is_sync_due && fsync(w->fd) != 0) {
		int error = errno;

		pthread_mutex_lock(&w->lock);
		w->error = error;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

/* Hand the filled buffer to the thread once it took the last one; 0, or
 * -1 with errno set when a write already failed. */
static int
writer_hand_over(struct outfile_writer *w)
{
	int error;

	pthread_mutex_lock(&w->lock);
	while (w->pending_len > 0)
		pthread_cond_wait(&w->wake, &w->lock);
	error = w->error;
	if (error == 0 && w->filled > 0) {
		w->pending_len = w->filled;
		w->size += w->filled;
		w->filling = !w->filling;
		w->filled = 0;
		pthread_cond_broadcast(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	if (error == 0)
		return 0;
	errno = error;
	return -1;
}

/* The stream's write function: copy into the buffers. */
static ssize_t
cookie_write(void *cookie, const char *data, size_t len)
{
	struct outfile_writer *w = cookie;
	size_t done = 0;

	while (done < len) {
		size_t n = WRITER_BUFFER - w->filled;

		if (n > len - done)
			n = len - done;
		memcpy(w->buf[w->filling] + w->filled, data + done, n);
		w->filled += n;
		done += n;
		if (w->filled == WRITER_BUFFER && writer_hand_over(w) != 0)
			return -1;
	}
	return (ssize_t)len;
}

/* Have the thread sync the file once it wrote all of it: a file being
 * finished, not abandoned. */
static void
writer_want_sync(struct outfile_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->is_synced_on_close = true;
	pthread_mutex_unlock(&w->lock);
}

/* Hand over what the buffer holds and tell the thread to end once it
 * wrote it; 0, or -1 with errno set when a write already failed. */
static int
writer_start_closing(struct outfile_writer *w)
{
	int rc = writer_hand_over(w);

	pthread_mutex_lock(&w->lock);
	w->is_closing = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* The stream's close function: the rest goes out, the thread ends. */
static int
cookie_close(void *cookie)
{
	struct outfile_writer *w = cookie;
	int rc = writer_start_closing(w), error;

	pthread_join(w->thread, NULL);
	error = w->error;
	if (rc == 0 && error != 0) {
		errno = error;
		rc = -1;
	}
	return rc;
}

static void
writer_free(struct outfile_writer *w)
{
	if (!w)
		return;
	sha256_release(&w->sha);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->buf[0]);
	free(w->buf[1]);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

/* Start the thread with SIGINT and SIGTERM blocked: they are the
 * business of the threads that do the work. */
static int
writer_start(struct outfile_writer *w)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* A writer over fd (which it then owns) and its stream; NULL when
 * memory or threads ran out. */
static struct outfile_writer *
writer_open(int fd, FILE **fp)
{
	static const cookie_io_functions_t io = { .write = cookie_write,
		.close = cookie_close };
	struct outfile_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		close(fd);
		return NULL;
	}
	w->fd = fd;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->buf[0] = malloc(WRITER_BUFFER);
	w->buf[1] = malloc(WRITER_BUFFER);
	if (!w->buf[0] || !w->buf[1] || sha256_init(&w->sha) != 0 ||
	    writer_start(w) != 0) {
		writer_free(w);
		return NULL;
	}
	*fp = fopencookie(w, "w", io);
	if (!*fp) {
		cookie_close(w);
		writer_free(w);
		return NULL;
	}
	setvbuf(*fp, NULL, _IONBF, 0);
	return w;
}

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
	out->writer = writer_open(fd, &out->fp);
	if (!out->writer) {
		diag_error("could not start writing file \"%s\": out of memory "
		           "or threads",
		    diag_quote_str(quoted, out->tmp_path));
		outfile_abort(out);
		return -1;
	}
	return 0;
}

int
outfile_close(struct outfile *out)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (out->is_closing)
		return 0;
	out->is_closing = true;
	writer_want_sync(out->writer);
	if (fflush(out->fp) == 0 && !ferror(out->fp) &&
	    writer_start_closing(out->writer) == 0)
		return 0;
	return diag_error_errno(
	    "could not write file \"%s\"", diag_quote_str(quoted, out->path));
}

int
outfile_finish(struct outfile *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	unsigned char digest[SHA256_DIGEST_LEN];
	struct outfile_writer *w = out->writer;
	FILE *fp = out->fp;
	int failed, error = 0;

	/* The thread syncs the file before it ends; fclose() waits. */
	writer_want_sync(w);
	out->fp = NULL;
	out->writer = NULL;
	out->is_closing = false;
	failed = fflush(fp) != 0 || ferror(fp);
	if (failed)
		error = errno;
	if (fclose(fp) != 0 && !failed) {
		failed = 1;
		error = errno;
	}
	/* A write or the sync of the thread failed: its errno, whatever
	 * errno says. */
	if (failed && w->error != 0)
		error = w->error;
	if (!failed && sha256_final(&w->sha, digest) == 0) {
		sha256_hex(digest, out->sha256);
		out->size = w->size;
	} else if (!failed) {
		failed = 1;
		error = ENOMEM;
	}
	writer_free(w);
	if (failed) {
		errno = error;
		return diag_error_errno("could not write file \"%s\"",
		    diag_quote_str(quoted, out->path));
	}
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
	writer_free(out->writer);
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
