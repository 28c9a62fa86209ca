/* SPDX-License-Identifier: MIT */
/*
 * snapshot/pgstream.c - a reader thread and a bounded ring of COPY rows.
 * The reader blocks in PQgetCopyData() and pushes each row; the consumer
 * takes every waiting row at once, so the lock is taken once per batch on
 * its side.  Ownership of a row moves reader -> ring -> batch -> caller.
 */
#include "snapshot/pgstream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

struct pgstream {
	PGconn *conn;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	char *ring[PGSTREAM_MAX_LINES]; /* rows waiting, from head */
	int ring_len[PGSTREAM_MAX_LINES];
	size_t head, n;                  /* first waiting row, rows waiting */
	size_t bytes;                    /* bytes waiting */
	bool is_done;                    /* the reader has finished */
	bool is_cancelled;               /* the consumer gave up */
	int final;                       /* PQgetCopyData()'s last value */
	char *batch[PGSTREAM_MAX_LINES]; /* rows taken by the consumer */
	int batch_len[PGSTREAM_MAX_LINES];
	size_t batch_pos, batch_n;
};

/* Wait for room and queue one row; false when the consumer gave up. */
static bool
push_row(struct pgstream *s, char *line, int len)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	while (!s->is_cancelled &&
	    (s->n == PGSTREAM_MAX_LINES ||
	        (s->n > 0 && s->bytes + (size_t)len > PGSTREAM_MAX_BYTES)))
		pthread_cond_wait(&s->not_full, &s->mu);
	ok = !s->is_cancelled;
	if (ok) {
		size_t tail = (s->head + s->n) % PGSTREAM_MAX_LINES;

		s->ring[tail] = line;
		s->ring_len[tail] = len;
		s->n++;
		s->bytes += (size_t)len;
		pthread_cond_signal(&s->not_empty);
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

static void *
reader_main(void *arg)
{
	struct pgstream *s = arg;
	char *line;
	int len;

	while ((len = PQgetCopyData(s->conn, &line, 0)) > 0) {
		if (!push_row(s, line, len)) {
			PQfreemem(line);
			len = 0;
			break;
		}
	}
	pthread_mutex_lock(&s->mu);
	s->is_done = true;
	s->final = len;
	pthread_cond_signal(&s->not_empty);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct pgstream *
pgstream_open(PGconn *conn)
{
	struct pgstream *s = calloc(1, sizeof(*s));

	if (!s) {
		diag_error("out of memory");
		return NULL;
	}
	s->conn = conn;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->not_empty, NULL);
	pthread_cond_init(&s->not_full, NULL);
	if (pthread_create(&s->thread, NULL, reader_main, s) != 0) {
		diag_error("could not start a thread to read from the server");
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->not_empty);
		pthread_cond_destroy(&s->not_full);
		free(s);
		return NULL;
	}
	return s;
}

/* Move every waiting row into the batch; false at the end of the rows. */
static bool
take_batch(struct pgstream *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->n == 0 && !s->is_done)
		pthread_cond_wait(&s->not_empty, &s->mu);
	for (size_t i = 0; i < s->n; i++) {
		size_t at = (s->head + i) % PGSTREAM_MAX_LINES;

		s->batch[i] = s->ring[at];
		s->batch_len[i] = s->ring_len[at];
	}
	s->batch_n = s->n;
	s->batch_pos = 0;
	s->head = (s->head + s->n) % PGSTREAM_MAX_LINES;
	s->n = 0;
	s->bytes = 0;
	pthread_cond_signal(&s->not_full);
	pthread_mutex_unlock(&s->mu);
	return s->batch_n > 0;
}

int
pgstream_next(struct pgstream *s, char **line)
{
	if (s->batch_pos == s->batch_n && !take_batch(s))
		return 0;
	*line = s->batch[s->batch_pos];
	return s->batch_len[s->batch_pos++];
}

int
pgstream_close(struct pgstream *s)
{
	int final;

	pthread_mutex_lock(&s->mu);
	s->is_cancelled = true;
	pthread_cond_signal(&s->not_full);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);

	for (size_t i = s->batch_pos; i < s->batch_n; i++)
		PQfreemem(s->batch[i]);
	for (size_t i = 0; i < s->n; i++)
		PQfreemem(s->ring[(s->head + i) % PGSTREAM_MAX_LINES]);
	final = s->final;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->not_empty);
	pthread_cond_destroy(&s->not_full);
	free(s);
	return final;
}
