/* SPDX-License-Identifier: MIT */
/*
 * snapshot/sqlite_out.h - the one row sink of "tokentrail snapshot": the
 * exporters (PostgreSQL, CSV) feed it table by table and row by row, and it
 * writes the SQLite snapshot atomically (temporary file in the target
 * directory, integrity check, fsync, rename).
 *
 * Use: sqlite_out_open(), then per table sqlite_out_table_begin(), per row
 * sqlite_out_value() for each column and sqlite_out_row() (or
 * sqlite_out_skip_row()), then sqlite_out_table_end(); finally
 * sqlite_out_meta() for provenance and sqlite_out_commit(), or
 * sqlite_out_abort() on any failure.
 */
#ifndef TOKENTRAIL_SNAPSHOT_SQLITE_OUT_H
#define TOKENTRAIL_SNAPSHOT_SQLITE_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/snapfmt.h"

/* sqlite_out_value(): the text is not a valid value of the column's type. */
#define SQLITE_OUT_INVALID (-2)

struct sqlite_out;
struct progress;

/*
 * Start a snapshot that will become path.  Refuses an existing path unless
 * force is set.  Creates a temporary file next to path, holding the empty
 * tokentrail_meta table.  Returns the sink, which the caller must end with
 * sqlite_out_commit() or sqlite_out_abort(), or NULL after reporting why.
 */
struct sqlite_out *sqlite_out_open(const char *path, bool force);

/*
 * Create table (source name kept) with n_cols columns named names[i] and
 * typed types[i] (INTEGER for integers and booleans, TEXT otherwise), and
 * prepare its insert.  The strings are copied.  Returns 0 or -1 (reported).
 */
int sqlite_out_table_begin(struct sqlite_out *out, const char *table,
    size_t n_cols, const char *const *names, const enum snapfmt_type *types);

/*
 * Set column col of the current row from the text (text, len), or to NULL
 * when text is NULL.  Integers and booleans are converted with
 * snapfmt_parse_integer() and snapfmt_parse_boolean().  Returns 0, -1 after
 * reporting a failure, or SQLITE_OUT_INVALID, unreported, when the text
 * does not fit the column's type: the caller knows where it came from and
 * reports it.  text is copied.
 */
int sqlite_out_value(
    struct sqlite_out *out, size_t col, const char *text, size_t len);

/*
 * Insert the current row, whose every column must have been set; rows are
 * written in batches, the last at sqlite_out_table_end().  Returns 0 or -1.
 */
int sqlite_out_row(struct sqlite_out *out);

/* Forget the values set for the current row without inserting it. */
void sqlite_out_skip_row(struct sqlite_out *out);

/*
 * Finish the current table: create the indexes the catalog lists for it
 * and record its rows.<table> and columns.<table> in tokentrail_meta.
 * Returns 0 or -1 (reported).
 */
int sqlite_out_table_end(struct sqlite_out *out);

/*
 * Set *is_token_user to whether user_id is the USER_ID of some row already
 * written to the token table (SNAPFMT_TOKEN_TABLE).  Returns 0 or -1.
 */
int sqlite_out_is_token_user(
    struct sqlite_out *out, long long user_id, bool *is_token_user);

/*
 * Set *is_owner to whether name (len bytes) is the name of a
 * sta_normal_user row already in the snapshot, that is of a token owner.
 * sta_normal_user must have been loaded before.  Returns 0, or -1 after
 * reporting.
 */
int sqlite_out_is_owner_name(
    struct sqlite_out *out, const char *name, size_t len, bool *is_owner);

/*
 * Tell progress (borrowed; NULL for none) of the text bytes of every row
 * written and of every table completed.
 */
void sqlite_out_set_progress(struct sqlite_out *out, struct progress *progress);

/* Record (key, value) in tokentrail_meta.  Returns 0 or -1 (reported). */
int sqlite_out_meta(struct sqlite_out *out, const char *key, const char *value);

/*
 * Write format_version, tool_version and finished_utc, commit, set the
 * application_id and user_version, run PRAGMA integrity_check, close,
 * fsync and move the file to its path (without replacing an existing file
 * unless forced).  Frees out in every case.  Returns 0, or -1 after
 * reporting why, with the temporary file removed.
 */
int sqlite_out_commit(struct sqlite_out *out);

/*
 * The name of the temporary file being built, so that a signal handler can
 * remove it.  Valid until sqlite_out_commit() or sqlite_out_abort().
 */
const char *sqlite_out_tmp_path(const struct sqlite_out *out);

/* Discard the snapshot: close and remove the temporary file, free out. */
void sqlite_out_abort(struct sqlite_out *out);

#endif
