/* SPDX-License-Identifier: MIT */
/*
 * snapshot/pgstream.h - reads the rows of a running COPY ... TO STDOUT on a
 * thread of its own, so that the server's work and the network overlap with
 * writing the snapshot.  Between the two threads at most
 * PGSTREAM_MAX_LINES rows and about PGSTREAM_MAX_BYTES bytes wait, so
 * memory stays bounded whatever the table's size.
 */
#ifndef TOKENTRAIL_SNAPSHOT_PGSTREAM_H
#define TOKENTRAIL_SNAPSHOT_PGSTREAM_H

#include <stddef.h>

#include <libpq-fe.h>

#define PGSTREAM_MAX_LINES 1024
#define PGSTREAM_MAX_BYTES (4u << 20)

struct pgstream;

/*
 * Start reading conn, whose last command started COPY OUT.  Until
 * pgstream_close(), conn belongs to the reader thread.  Returns the stream
 * or NULL after reporting why.
 */
struct pgstream *pgstream_open(PGconn *conn);

/*
 * The next row, as PQgetCopyData() returns it (ending with a newline).
 * Returns its length and sets *line, which the caller frees with
 * PQfreemem(), or returns 0 at the end of the rows.  The end may be an
 * error; pgstream_close() tells.
 */
int pgstream_next(struct pgstream *s, char **line);

/*
 * Stop the reader thread (early, when the caller gives up before the end:
 * conn is then left mid-COPY and only fit for PQfinish()), free what is
 * left and s itself.  Returns PQgetCopyData()'s final value: -1 when the
 * rows ended normally, -2 on a read error, 0 when stopped early.
 */
int pgstream_close(struct pgstream *s);

#endif
