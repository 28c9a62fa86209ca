/* SPDX-License-Identifier: MIT */
/*
 * analyze/tokenid.c - decodes the id from a leaked token string and reads
 * such strings line by line with read(2), so that no stdio buffer keeps a
 * copy of a secret.  A token line looks like
 *     BBDC-MjUyOTczNTE1MDY5On2rDbID2EgYpH8AVOECHv0saruQ
 * Every buffer that held token bytes is wiped with explicit_bzero().
 */
#include "analyze/tokenid.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"

#define PREFIX     "BBDC-"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* Bytes a token body decodes to: id, colon, 20-byte secret. */
#define RAW_LEN 33

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* The 6-bit value of a standard Base64 character, or -1. */
static int
base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode exactly TOKENID_BODY_LEN checked characters into raw. */
static void
decode_body(const char *body, unsigned char *raw)
{
	for (size_t i = 0, o = 0; i < TOKENID_BODY_LEN; i += 4, o += 3) {
		unsigned long v = 0;

		for (size_t k = 0; k < 4; k++)
			v = v << 6 | (unsigned long)base64_value(body[i + k]);
		raw[o] = (unsigned char)(v >> 16);
		raw[o + 1] = (unsigned char)(v >> 8);
		raw[o + 2] = (unsigned char)v;
	}
}

/* Check the shape of the decoded bytes and copy the id out. */
static enum tokenid_status
check_raw(const unsigned char *raw, char *id)
{
	for (size_t i = 0; i < TOKENID_LEN; i++)
		if (raw[i] < '0' || raw[i] > '9')
			return TOKENID_NOT_DIGITS;
	if (raw[TOKENID_LEN] != ':')
		return TOKENID_NO_COLON;
	memcpy(id, raw, TOKENID_LEN);
	id[TOKENID_LEN] = '\0';
	return TOKENID_OK;
}

enum tokenid_status
tokenid_decode(const char *text, size_t len, char *id, size_t *where)
{
	unsigned char raw[RAW_LEN];
	enum tokenid_status status;
	size_t start = 0, end = len;

	*where = 0;
	while (start < end && is_space(text[start]))
		start++;
	while (end > start && is_space(text[end - 1]))
		end--;
	if (start == end)
		return TOKENID_EMPTY;
	if (end - start >= PREFIX_LEN &&
	    memcmp(text + start, PREFIX, PREFIX_LEN) == 0)
		start += PREFIX_LEN;

	for (size_t i = start; i < end; i++)
		if (base64_value(text[i]) < 0) {
			*where = i + 1;
			return TOKENID_NOT_BASE64;
		}
	if (end - start != TOKENID_BODY_LEN) {
		*where = end - start;
		return TOKENID_WRONG_LENGTH;
	}

	decode_body(text + start, raw);
	status = check_raw(raw, id);
	explicit_bzero(raw, sizeof(raw));
	return status;
}

/* Only the last bytes can start a token, so at most 65 short tails are
 * tried. */
bool
tokenid_is_in_argument(const char *arg)
{
	char id[TOKENID_SIZE];
	size_t len = strlen(arg), where;

	for (size_t k = len > 64 ? len - 64 : 0; k < len; k++)
		if (tokenid_decode(arg + k, len - k, id, &where) == TOKENID_OK)
			return true;
	return false;
}

int
tokenid_lines_open(struct tokenid_lines *in, const char *path)
{
	char quoted[DIAG_QUOTE_SIZE];

	memset(in, 0, sizeof(*in));
	in->path = path;
	in->fd = -1;
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		return 0;
	}
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in->fd < 0)
		return diag_error_errno(
		    "could not open file \"%s\"", diag_quote_str(quoted, path));
	return 0;
}

/* Refill buf; returns 0 (is_eof set at the end) or -1 after reporting. */
static int
refill(struct tokenid_lines *in)
{
	char quoted[DIAG_QUOTE_SIZE];
	ssize_t n;

	explicit_bzero(in->buf, in->end);
	in->start = in->end = 0;
	do
		n = read(in->fd, in->buf, sizeof(in->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return diag_error_errno("could not read file \"%s\"",
		    diag_quote_str(quoted, in->path));
	if (n == 0)
		in->is_eof = true;
	in->end = (size_t)n;
	return 0;
}

/*
 * Move the bytes up to the next LF into line (as far as they fit).
 * Returns true when the LF was found.
 */
static bool
take_bytes(struct tokenid_lines *in, bool *is_too_long)
{
	const char *from = in->buf + in->start;
	size_t avail = in->end - in->start;
	const char *lf = memchr(from, '\n', avail);
	size_t n = lf ? (size_t)(lf - from) : avail;

	if (n > sizeof(in->line) - in->line_len) {
		*is_too_long = true;
	} else if (!*is_too_long) {
		memcpy(in->line + in->line_len, from, n);
		in->line_len += n;
	}
	in->start += lf ? n + 1 : n;
	return lf != NULL;
}

enum tokenid_line
tokenid_lines_next(struct tokenid_lines *in, const char **text, size_t *len)
{
	bool is_too_long = false, has_bytes = false;

	explicit_bzero(in->line, in->line_len);
	in->line_len = 0;
	for (;;) {
		if (in->start == in->end) {
			if (in->is_eof)
				break;
			if (refill(in) != 0)
				return TOKENID_LINE_ERROR;
			continue;
		}
		has_bytes = true;
		if (take_bytes(in, &is_too_long))
			break;
	}
	if (!has_bytes)
		return TOKENID_LINE_END;
	in->line_no++;
	*text = in->line;
	*len = in->line_len;
	return is_too_long ? TOKENID_LINE_TOO_LONG : TOKENID_LINE_TEXT;
}

void
tokenid_lines_close(struct tokenid_lines *in)
{
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	explicit_bzero(in->buf, sizeof(in->buf));
	explicit_bzero(in->line, sizeof(in->line));
	in->start = in->end = in->line_len = 0;
}
