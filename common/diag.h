/* SPDX-License-Identifier: MIT */
/*
 * common/diag.h - the one place that writes diagnostics to stderr.
 *
 * Every message has the form "tokentrail: [locus: ]severity: text".  Text
 * that came from evidence (log bytes, file names, token names) must pass
 * through diag_quote() first so that it never reaches a terminal raw.
 * Each call writes its whole line with one write, so messages from worker
 * threads do not interleave.
 */
#ifndef TOKENTRAIL_COMMON_DIAG_H
#define TOKENTRAIL_COMMON_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#define DIAG_PRINTF(fmt_index, first_arg)                                      \
	__attribute__((format(printf, fmt_index, first_arg)))

/* Longest excerpt diag_quote() keeps before it cuts with "...". */
#define DIAG_QUOTE_EXCERPT 64
/* Size of the buffer diag_quote() writes to: every byte may become \xNN. */
#define DIAG_QUOTE_SIZE (DIAG_QUOTE_EXCERPT * 4 + 4)

/*
 * Silence warnings (errors always print).  Set once, before any thread
 * starts.
 */
void diag_set_quiet(bool quiet);

/*
 * Copy at most DIAG_QUOTE_EXCERPT bytes of src into dst as printable ASCII:
 * bytes outside 0x20..0x7e, the double quote and the backslash become \xNN,
 * and "..." marks a cut.  dst must hold DIAG_QUOTE_SIZE bytes.  Returns dst.
 */
char *diag_quote(char *dst, const void *src, size_t len);

/* diag_quote() for a NUL-terminated string. */
char *diag_quote_str(char *dst, const char *src);

/* "tokentrail: error: ..."; always returns -1. */
int diag_error(const char *fmt, ...) DIAG_PRINTF(1, 2);

/* As diag_error(), followed by ": " and strerror(errno); returns -1. */
int diag_error_errno(const char *fmt, ...) DIAG_PRINTF(1, 2);

/* "tokentrail: path:line: error: ..."; path is quoted; returns -1. */
int diag_error_at(const char *path, unsigned long long line, const char *fmt,
    ...) DIAG_PRINTF(3, 4);

/* "tokentrail: warning: ...", unless quiet. */
void diag_warn(const char *fmt, ...) DIAG_PRINTF(1, 2);

/* "tokentrail: path:line: warning: ...", unless quiet; line 0 omits it. */
void diag_warn_at(const char *path, unsigned long long line, const char *fmt,
    ...) DIAG_PRINTF(3, 4);

/* "tokentrail: detail: ..." and "tokentrail: hint: ...": full sentences. */
void diag_detail(const char *fmt, ...) DIAG_PRINTF(1, 2);
void diag_hint(const char *fmt, ...) DIAG_PRINTF(1, 2);

/* "tokentrail: ..." with no severity, unless quiet: summaries. */
void diag_note(const char *fmt, ...) DIAG_PRINTF(1, 2);

#endif
