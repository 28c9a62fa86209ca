/* SPDX-License-Identifier: MIT */
/*
 * analyze/tokenid.h - the token id inside a leaked HTTP access token, for
 * "tokentrail identify": token lines -> decode -> lookup row.
 *
 * A token is [BBDC-]base64(<12 ASCII digits> ":" <20 random bytes>): 44
 * characters of the standard alphabet, no padding, 49 with the prefix.
 * The secret never leaves the buffers of this module and of the caller's
 * line, and those are wiped with explicit_bzero() once used.
 */
#ifndef TOKENTRAIL_ANALYZE_TOKENID_H
#define TOKENTRAIL_ANALYZE_TOKENID_H

#include <stdbool.h>
#include <stddef.h>

/* Digits in a token id, and the size of a buffer holding one. */
#define TOKENID_LEN  12
#define TOKENID_SIZE (TOKENID_LEN + 1)

/* Base64 characters in a token without its prefix. */
#define TOKENID_BODY_LEN 44

/* Longest input line kept; longer lines are discarded unread. */
#define TOKENID_LINE_MAX 1024

/* The outcome of tokenid_decode(). */
enum tokenid_status {
	TOKENID_OK = 0,       /* the id was decoded */
	TOKENID_EMPTY,        /* nothing but white space */
	TOKENID_NOT_BASE64,   /* a character outside the Base64 alphabet */
	TOKENID_WRONG_LENGTH, /* not 44 Base64 characters */
	TOKENID_NOT_DIGITS,   /* decoded bytes 0..11 are not all digits */
	TOKENID_NO_COLON,     /* decoded byte 12 is not ':' */
};

/*
 * Decode the token id from len bytes of text, ignoring white space around
 * it and an optional "BBDC-" prefix.  On TOKENID_OK, id holds the 12 digits
 * and a NUL.  For TOKENID_NOT_BASE64, *where is the 1-based position of
 * the first offending byte in text; for TOKENID_WRONG_LENGTH, the number
 * of Base64 characters found; otherwise 0.  The decoded secret is wiped
 * before returning; text is left as it is, for the caller to wipe.
 */
enum tokenid_status
tokenid_decode(const char *text, size_t len, char *id, size_t *where);

/*
 * True when arg (a NUL-terminated command-line argument) ends in a token:
 * on its own, as an option's value ("--log-tz=TOKEN", "-sTOKEN") or as a
 * mistyped option or command ("--TOKEN").  A message about such an
 * argument must not repeat it.
 */
bool tokenid_is_in_argument(const char *arg);

/* Lines of token strings read from a file or standard input. */
struct tokenid_lines {
	const char *path;           /* as given; "-" is standard input */
	int fd;                     /* -1 when closed */
	unsigned long long line_no; /* of the line last returned */
	char buf[4096];             /* bytes read and not yet returned */
	size_t start, end;          /* unreturned bytes are buf[start..end) */
	bool is_eof;
	char line[TOKENID_LINE_MAX];
	size_t line_len;
};

/* The outcome of tokenid_lines_next(). */
enum tokenid_line {
	TOKENID_LINE_ERROR = -1, /* a read error, already reported */
	TOKENID_LINE_END = 0,    /* no more lines */
	TOKENID_LINE_TEXT,       /* a line, without its LF */
	TOKENID_LINE_TOO_LONG,   /* a line over TOKENID_LINE_MAX bytes,
	                            skipped */
};

/*
 * Open path read-only ("-" is standard input, which is never closed).
 * The caller owns in.  Returns 0, or -1 after reporting why.
 */
int tokenid_lines_open(struct tokenid_lines *in, const char *path);

/*
 * Read the next line.  On TOKENID_LINE_TEXT, *text and *len give it; it
 * stays valid until the next call, which wipes it.  in->line_no counts
 * every line, the skipped ones too.  A last line without LF counts.
 */
enum tokenid_line
tokenid_lines_next(struct tokenid_lines *in, const char **text, size_t *len);

/* Close the file and wipe every buffer; accepts a closed in. */
void tokenid_lines_close(struct tokenid_lines *in);

#endif
