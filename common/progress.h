/* SPDX-License-Identifier: MIT */
/*
 * common/progress.h - what a long run shows the analyst while it works: a
 * progress line on stderr (bytes done out of the total, rate, time left,
 * files done) redrawn four times a second by a thread of its own, and
 * whether SIGINT or SIGTERM asked the run to stop.
 *
 * Use: progress_catch_signals() once, progress_start(), progress_advance()
 * from any thread as input is read and each input is done, progress_stop();
 * the run polls progress_is_interrupted() between steps and cleans up when
 * it says so.
 */
#ifndef TOKENTRAIL_COMMON_PROGRESS_H
#define TOKENTRAIL_COMMON_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct progress {
	const char *what;     /* "analyze": the line starts with it */
	bool is_shown;        /* false: every call does nothing */
	bool is_stopping;     /* the ticker thread is asked to end */
	uint64_t bytes_total; /* input bytes as stored */
	uint64_t bytes_done;
	size_t files_total;   /* inputs: files, or tables for snapshot */
	size_t files_done;
	const char *items;    /* what the inputs are called: "files" */
	struct timespec started; /* CLOCK_MONOTONIC */
	pthread_mutex_t lock;    /* guards the fields above */
	pthread_cond_t wake;     /* signalled by progress_stop() */
	pthread_t ticker;
};

/*
 * Start showing progress of a run named what (a static string) over
 * files_total inputs, called items ("files", "tables"; static), of
 * bytes_total bytes; 0 when the total is not known in advance, and the
 * line then shows no share and no time left (and no count of inputs to
 * come when files_total is 0 too).  Nothing is shown unless
 * is_shown, which the caller sets when stderr is a terminal and -q is
 * off.  Returns 0, or -1 after reporting that the ticker thread could not
 * start (the run can go on without it: p is then silent).
 */
int progress_start(struct progress *p, const char *what, bool is_shown,
    uint64_t bytes_total, size_t files_total, const char *items);

/* Count n_files more inputs of n_bytes bytes as done; thread-safe. */
void progress_advance(struct progress *p, uint64_t n_bytes, size_t n_files);

/*
 * Stop the ticker, draw the final state and end the line with a newline.
 * Safe on a p that is silent or was never started (zeroed).
 */
void progress_stop(struct progress *p);

/*
 * Make SIGINT and SIGTERM set the flag that progress_is_interrupted()
 * reads instead of killing the process; a second signal kills it.  Call
 * once, before any thread starts.
 */
void progress_catch_signals(void);

/* True once SIGINT or SIGTERM arrived after progress_catch_signals(). */
bool progress_is_interrupted(void);

/*
 * Format n bytes for people, "512 B", "3.4 kB", "1.2 MB", "7.0 GB" (powers
 * of 1000), into buf of size bytes.  Returns buf.
 */
char *progress_format_bytes(char *buf, size_t size, uint64_t n);

#endif
