/* SPDX-License-Identifier: MIT */
/*
 * snapshot/csvimport.h - builds the snapshot from CSV files that a DBA
 * exported with psql, for sites where the analyst gets no connection.
 */
#ifndef TOKENTRAIL_SNAPSHOT_CSVIMPORT_H
#define TOKENTRAIL_SNAPSHOT_CSVIMPORT_H

#include "snapshot/sqlite_out.h"

/* Largest field accepted in a CSV file, in bytes. */
#define CSVIMPORT_FIELD_MAX (16u << 20)

/*
 * Load DIR/<table>.csv for every table of snapfmt_tables into out, in
 * catalog order, with the row filters the database route applies.  Each
 * file is what psql's "\copy (SELECT * FROM t) TO 't.csv' WITH (FORMAT csv,
 * HEADER)" writes: a header row of column names, an unquoted empty field
 * for NULL, "" for the empty string, t/f for booleans.  Column types come
 * from the catalog; unknown columns are text.  A missing optional file is
 * skipped.  Records source and directory in tokentrail_meta.  Returns 0,
 * or -1 after reporting the first problem as "path:line: error: ...";
 * out stays owned by the caller, who aborts it.
 */
int csvimport_run(const char *dir, struct sqlite_out *out);

#endif
