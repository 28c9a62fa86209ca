/* SPDX-License-Identifier: MIT */
/*
 * analyze/parse.h - one access-log line to a record of fields.  Second
 * stage of analyze: file -> lines -> parse -> join -> reports.
 *
 * A layout B line (Bitbucket Server 4.0 to Data Center 9.x), 13 fields:
 *
 *   10.0.0.5,172.16.1.1 | https | o@1C42G8Bx514x1250x0 | alice |
 *   2024-05-01 08:34:12,345 | "GET /scm/prj/repo.git/info/refs HTTP/1.1" |
 *   "" "git/2.39.2" | 200 | 0 | 1337 | access-token:id:123456789012, refs |
 *   6 | 1irez8i |
 *
 * (one line in the file).  Fields are separated by " | " and the line ends
 * in " |".  Layout A (Stash, 10 fields) and layout G (Mesh, 15 fields) are
 * recognised too.  Fixed fields are taken from both ends, so separators
 * that a client smuggled into the action or details stay inside those
 * fields: such a line is parsed and marked repaired, not set aside.  The
 * record points into the caller's line and is valid as long as it is.
 */
#ifndef TOKENTRAIL_ANALYZE_PARSE_H
#define TOKENTRAIL_ANALYZE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/logtime.h"

/* Bytes of a line; never NUL-terminated. */
struct span {
	const char *ptr;
	size_t len;
};

enum parse_layout {
	LAYOUT_A, /* Stash 1.x-3.x: no status or byte counts */
	LAYOUT_B, /* Bitbucket Server 4.0 to Data Center 9.x */
	LAYOUT_G, /* 8.x Mesh (gRPC) */
};

/* Why a line was set aside; PARSE_OK when it was parsed. */
enum parse_outcome {
	PARSE_OK = 0,
	PARSE_BLANK,           /* empty or only white space */
	PARSE_TOO_LONG,        /* longer than the reader keeps */
	PARSE_UNRECOGNIZED,    /* fits no layout from both ends */
	PARSE_BAD_REQUEST_ID,  /* field 2 is not a request id */
	PARSE_BAD_TIMESTAMP,   /* the time field is not a timestamp */
	PARSE_N_OUTCOMES
};

struct logrec {
	enum parse_layout layout;
	bool is_output;       /* "o" line (request end), else "i" line */
	bool is_repaired;     /* extra separators were kept inside fields */
	struct span address;  /* client first, then proxies, comma-joined */
	struct span protocol; /* http, https, ssh, grpc */
	struct span request_id; /* the whole id, with its i/o letter */
	struct span node;     /* node token of the id; empty before 3.2 */
	struct span user;     /* "-" when none */
	struct logtime_local time;
	struct span raw_action;  /* the action field(s) as logged */
	struct span raw_details; /* the details field(s) as logged */
	struct span action;   /* "GET /x HTTP/1.1" without the quotes, or
	                         "SSH - git-upload-pack '/P/r.git'" */
	struct span method;   /* GET, POST, ...; empty for SSH and gRPC */
	struct span target;   /* URL path, or the SSH command's path */
	struct span referer;  /* without quotes; empty when absent */
	struct span user_agent; /* without quotes; empty when absent */
	struct span status;   /* "-" on i lines and in layout A */
	struct span bytes_read;
	struct span bytes_written;
	struct span labels;   /* "-" when none */
	struct span duration; /* milliseconds, "-" on i lines */
	struct span session;
	struct span token_id; /* digits of the single access-token:id: label,
	                         empty when there is none */
	unsigned n_token_labels; /* access-token:id: elements in labels */
};

/* Stable name of an outcome, used in the manifest: "blank", "too-long",
 * "unrecognized-layout", "bad-request-id", "bad-timestamp". */
const char *parse_outcome_name(enum parse_outcome outcome);

/*
 * Split line (len bytes, no terminator) into *rec.  Returns PARSE_OK, or
 * the reason the line is set aside, after which *rec holds nothing of
 * use.  Never reads outside the line and never allocates.
 */
enum parse_outcome parse_line(const char *line, size_t len,
    struct logrec *rec);

/*
 * parse_line() in two steps, for callers that need the request's own
 * text (action, method, target, referer, user agent) of only some lines:
 * parse_line_fields() decides the outcome and fills every field but
 * those five, which stay empty; parse_line_request() then fills them
 * from raw_action and raw_details.  Together they give what parse_line()
 * gives.
 */
enum parse_outcome parse_line_fields(const char *line, size_t len,
    struct logrec *rec);
void parse_line_request(struct logrec *rec);

/* Separators a split keeps from the start and from the end of a line. */
#define LINE_SEP_HEAD 8
#define LINE_SEP_TAIL 32

/* A line body split into fields: positions of the '|' of each " | ". */
struct line_fields {
	const char *line;
	size_t body_len;            /* bytes before the final " |" */
	size_t n;                   /* fields: separators + 1 */
	size_t head[LINE_SEP_HEAD]; /* separators 0 .. LINE_SEP_HEAD - 1 */
	size_t tail[LINE_SEP_TAIL]; /* separator k at tail[k % LINE_SEP_TAIL] */
};

/*
 * Split the first body_len bytes of line at every " | " found from the
 * left, as repeated parse_next_separator() calls would, each search going
 * on two bytes after the last separator's '|'.  *f points into line.
 */
void
parse_split_fields(const char *line, size_t body_len, struct line_fields *f);

/*
 * Position p of the first " | " separator of s[from .. end - 1] whose
 * '|' lies after from: the smallest p > from with p + 1 < end and s[p - 1],
 * s[p], s[p + 1] being ' ', '|', ' '; end when there is none.  A caller
 * that goes on after a separator at q passes from = q + 2, so that two
 * separators never share a space.  s is the start of the text: bytes
 * before from may be read, none at or after end.
 */
size_t parse_next_separator(const char *s, size_t from, size_t end);

/*
 * True when labels holds exactly one element "access-token:id:" followed
 * by digits only: *id is set to those digits.  An element is delimited by
 * ", " or the ends of the labels field, so the text of a quoted
 * ssh:label:'...' element can never produce a match.  *n_found counts all
 * token elements, well-formed or not.
 */
bool parse_token_label(struct span labels, struct span *id,
    unsigned *n_found);

#endif
