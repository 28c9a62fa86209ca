/* SPDX-License-Identifier: MIT */
/*
 * common/progress.c - the progress line of long runs and the interruption
 * flag.  The line is not a diagnostic, so it bypasses diag.c: it is drawn
 * with one write of "\r<text>ESC[K\r", leaving the cursor in column 0 so
 * that a warning printed meanwhile overwrites it instead of joining it.
 */
#include "common/progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/diag.h"

#define TICK_NS      250000000L /* four redraws a second */
#define LINE_MAX_LEN 160

static volatile sig_atomic_t interrupted;

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

char *
progress_format_bytes(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1000) {
		snprintf(buf, size, "%llu B", (unsigned long long)n);
		return buf;
	}
	for (v /= 1000; v >= 999.95 && u + 1 < sizeof(units) / sizeof(*units);
	     u++)
		v /= 1000;
	snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

/* "12 s", "4 min 05 s", "2 h 03 min" */
static void
format_duration(char *buf, size_t size, double seconds)
{
	unsigned long s = seconds < 0 ? 0 : (unsigned long)(seconds + 0.5);

	if (s < 60)
		snprintf(buf, size, "%lu s", s);
	else if (s < 3600)
		snprintf(buf, size, "%lu min %02lu s", s / 60, s % 60);
	else
		snprintf(buf, size, "%lu h %02lu min", s / 3600, s / 60 % 60);
}

/* Draw the line; called with p->lock held. */
/* The line when the total is not known: what was done and how fast. */
static int
format_open_ended(const struct progress *p, char *line, size_t size,
    const char *done, const char *rate)
{
	if (p->files_total == 0)
		return snprintf(line, size, "\r%s: %s, %s/s, %zu %s\033[K\r",
		    p->what, done, rate, p->files_done, p->items);
	return snprintf(line, size, "\r%s: %s, %s/s, %zu of %zu %s\033[K\r",
	    p->what, done, rate, p->files_done, p->files_total, p->items);
}

static void
draw(const struct progress *p)
{
	char line[LINE_MAX_LEN], done[16], total[16], rate[16], left[48];
	double elapsed = seconds_since(&p->started);
	double per_s = elapsed > 0 ? (double)p->bytes_done / elapsed : 0;
	unsigned pct = p->bytes_total
	    ? (unsigned)(p->bytes_done * 100 / p->bytes_total)
	    : 0;
	int len;

	progress_format_bytes(done, sizeof(done), p->bytes_done);
	progress_format_bytes(total, sizeof(total), p->bytes_total);
	progress_format_bytes(rate, sizeof(rate), (uint64_t)per_s);
	if (per_s > 0 && p->bytes_done < p->bytes_total)
		format_duration(left, sizeof(left),
		    (double)(p->bytes_total - p->bytes_done) / per_s);
	else
		snprintf(left, sizeof(left), "%s", p->bytes_done ? "0 s" : "?");
	if (p->bytes_total == 0)
		len = format_open_ended(p, line, sizeof(line), done, rate);
	else
		len = snprintf(line, sizeof(line),
		    "\r%s: %s of %s (%u%%), %s/s, %s left, %zu of %zu "
		    "%s\033[K\r",
		    p->what, done, total, pct, rate, left, p->files_done,
		    p->files_total, p->items);
	if (len > 0)
		fwrite(line, 1,
		    (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1,
		    stderr);
	fflush(stderr);
}

static void *
ticker_main(void *arg)
{
	struct progress *p = arg;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	while (!p->is_stopping) {
		draw(p);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TICK_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!p->is_stopping &&
		    pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
progress_start(struct progress *p, const char *what, bool is_shown,
    uint64_t bytes_total, size_t files_total, const char *items)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->items = items;
	p->bytes_total = bytes_total;
	p->files_total = files_total;
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	if (!is_shown)
		return 0;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->ticker, NULL, ticker_main, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		return diag_error("could not start the progress display");
	}
	p->is_shown = true;
	return 0;
}

void
progress_advance(struct progress *p, uint64_t n_bytes, size_t n_files)
{
	if (!p->is_shown)
		return;
	pthread_mutex_lock(&p->lock);
	p->bytes_done += n_bytes;
	p->files_done += n_files;
	pthread_mutex_unlock(&p->lock);
}

void
progress_stop(struct progress *p)
{
	if (!p->is_shown)
		return;
	pthread_mutex_lock(&p->lock);
	p->is_stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->ticker, NULL);
	draw(p);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	p->is_shown = false;
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void
progress_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = (int)(SA_RESETHAND | SA_RESTART);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

bool
progress_is_interrupted(void)
{
	return interrupted != 0;
}
