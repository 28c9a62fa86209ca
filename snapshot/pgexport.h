/* SPDX-License-Identifier: MIT */
/*
 * snapshot/pgexport.h - reads the Bitbucket tables from PostgreSQL into the
 * snapshot sink: the first stage of PostgreSQL -> snapshot -> parse ->
 * join -> CSV.
 */
#ifndef TOKENTRAIL_SNAPSHOT_PGEXPORT_H
#define TOKENTRAIL_SNAPSHOT_PGEXPORT_H

#include "snapshot/sqlite_out.h"

struct pgexport_options {
	const char *conninfo; /* as psql -d takes it; NULL: environment */
	const char *schema;   /* holds the Bitbucket tables, e.g. "public" */
};

/*
 * Connect, pin the session settings, and copy every table of
 * snapfmt_tables that the schema has into out, inside one REPEATABLE READ,
 * READ ONLY transaction, streaming the rows with COPY.  Records the source
 * (host, port, database, user, server version and time zone, schema, and
 * the query of each table) in tokentrail_meta.  The connection string and
 * any password are never printed or stored.  Returns 0, or -1 after
 * reporting what failed (connection, missing table or column, a table the
 * role may not read, ...); out stays owned by the caller, who aborts it.
 */
int pgexport_run(const struct pgexport_options *opts, struct sqlite_out *out);

#endif
