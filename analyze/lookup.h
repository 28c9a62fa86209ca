/* SPDX-License-Identifier: MIT */
/*
 * analyze/lookup.h - one CSV row per token id with the snapshot's record
 * of it, for "tokentrail lookup" and "tokentrail identify".  An id the
 * snapshot does not have still gets a row: kind "unknown", in_snapshot
 * "no".  The README lists the columns.
 */
#ifndef TOKENTRAIL_ANALYZE_LOOKUP_H
#define TOKENTRAIL_ANALYZE_LOOKUP_H

#include <stddef.h>

#include "analyze/snapdb.h"
#include "common/csvout.h"

/*
 * Write the header row: first (such as "line") when it is not NULL, then
 * the lookup columns.
 */
void lookup_header(struct csvout *csv, const char *first);

/*
 * Append the lookup cells of token id (len bytes) to the current row,
 * without ending it.  Returns 0, or -1 after reporting that memory ran
 * out.  Write errors are left in csv for the caller to check.
 */
int lookup_cells(
    struct csvout *csv, const struct snapdb *db, const char *id, size_t len);

/*
 * Flush rows written to standard output.  Returns 0, or -1 after reporting
 * that a write failed (a full disk, a closed pipe).
 */
int lookup_flush(struct csvout *csv);

#endif
