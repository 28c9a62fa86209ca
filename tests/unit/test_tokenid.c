/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_tokenid.c - analyze/tokenid.c: decoding the id from
 * token strings built here (and REST's documented example), every reason
 * a string is refused, and the line reader on real files: line numbers,
 * CRLF, over-long lines, buffer boundaries and the wiping of its buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/tokenid.h"

/* Room for a token with prefix, white space and a NUL. */
#define TOKEN_SIZE 128

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard Base64 of len bytes (a multiple of 3) into out. */
static void
encode(const unsigned char *raw, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i + 2 < len; i += 3) {
		unsigned long v = (unsigned long)raw[i] << 16 |
		    (unsigned long)raw[i + 1] << 8 | raw[i + 2];

		for (int k = 3; k >= 0; k--)
			out[o++] = b64[(v >> (6 * k)) & 63];
	}
	out[o] = '\0';
}

/* prefix + base64(head (13 bytes) + a secret of 20 bytes from seed). */
static void
make_token(char *out, const char *prefix, const char *head, unsigned seed)
{
	unsigned char raw[33];
	size_t n = strlen(prefix);

	memcpy(raw, head, 13);
	for (size_t i = 13; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(seed * 37 + i * 101);
	memcpy(out, prefix, n);
	encode(raw, sizeof(raw), out + n);
}

static enum tokenid_status
decode(const char *text, char *id, size_t *where)
{
	return tokenid_decode(text, strlen(text), id, where);
}

static void
test_documented_example(void **state)
{
	char id[TOKENID_SIZE];
	size_t where = 99;

	(void)state;
	assert_int_equal(
	    decode("MjUyOTczNTE1MDY5On2rDbID2EgYpH8AVOECHv0saruQ", id, &where),
	    TOKENID_OK);
	assert_string_equal(id, "252973515069");
	assert_int_equal(where, 0);
	assert_int_equal(
	    decode("  BBDC-MjUyOTczNTE1MDY5On2rDbID2EgYpH8AVOECHv0saruQ\r\n",
	        id, &where),
	    TOKENID_OK);
	assert_string_equal(id, "252973515069");
}

static void
test_built_tokens(void **state)
{
	char token[TOKEN_SIZE], id[TOKENID_SIZE];
	size_t where;

	(void)state;
	for (unsigned seed = 0; seed < 64; seed++) {
		make_token(
		    token, seed % 2 ? "BBDC-" : "", "012345678901:", seed);
		assert_int_equal(strlen(token), seed % 2 ? 49 : 44);
		assert_int_equal(decode(token, id, &where), TOKENID_OK);
		assert_string_equal(id, "012345678901");
	}
}

static void
test_empty(void **state)
{
	char id[TOKENID_SIZE];
	size_t where;

	(void)state;
	assert_int_equal(decode("", id, &where), TOKENID_EMPTY);
	assert_int_equal(decode(" \t\r\n\v\f", id, &where), TOKENID_EMPTY);
}

static void
test_not_base64(void **state)
{
	char token[TOKEN_SIZE], id[TOKENID_SIZE];
	size_t where;

	(void)state;
	assert_int_equal(decode("hello world", id, &where), TOKENID_NOT_BASE64);
	assert_int_equal(where, 6);
	assert_int_equal(decode("  bbdc-MjUy", id, &where), TOKENID_NOT_BASE64);
	assert_int_equal(where, 7);

	/* URL-safe characters and padding are not the token alphabet. */
	make_token(token, "BBDC-", "123456789012:", 1);
	token[20] = '-';
	assert_int_equal(decode(token, id, &where), TOKENID_NOT_BASE64);
	assert_int_equal(where, 21);
	token[20] = '_';
	assert_int_equal(decode(token, id, &where), TOKENID_NOT_BASE64);
	token[20] = 'A';
	token[48] = '=';
	assert_int_equal(decode(token, id, &where), TOKENID_NOT_BASE64);
	assert_int_equal(where, 49);

	/* A NUL byte inside counts, since the length is given. */
	make_token(token, "", "123456789012:", 2);
	token[3] = '\0';
	assert_int_equal(
	    tokenid_decode(token, 44, id, &where), TOKENID_NOT_BASE64);
	assert_int_equal(where, 4);
}

/*
 * Every byte at the end of the body: the 64 characters of the standard
 * alphabet are taken (there they only touch the secret), white space is
 * trimmed, leaving 43 characters, and every other byte is refused.
 */
static void
test_alphabet(void **state)
{
	char token[TOKEN_SIZE], id[TOKENID_SIZE];
	size_t where;

	(void)state;
	make_token(token, "BBDC-", "123456789012:", 7);
	for (int c = 0; c < 256; c++) {
		token[48] = (char)c;
		if (c != 0 && strchr(b64, c)) {
			assert_int_equal(
			    tokenid_decode(token, 49, id, &where), TOKENID_OK);
			assert_string_equal(id, "123456789012");
		} else if (c != 0 && strchr(" \t\r\n\v\f", c)) {
			assert_int_equal(tokenid_decode(token, 49, id, &where),
			    TOKENID_WRONG_LENGTH);
			assert_int_equal(where, 43);
		} else {
			assert_int_equal(tokenid_decode(token, 49, id, &where),
			    TOKENID_NOT_BASE64);
			assert_int_equal(where, 49);
		}
	}
}

static void
test_wrong_length(void **state)
{
	char token[TOKEN_SIZE], id[TOKENID_SIZE];
	unsigned char raw[36] = "123456789012:";
	size_t where;

	(void)state;
	assert_int_equal(decode("BBDC-", id, &where), TOKENID_WRONG_LENGTH);
	assert_int_equal(where, 0);
	make_token(token, "BBDC-", "123456789012:", 3);
	token[48] = '\0';
	assert_int_equal(decode(token, id, &where), TOKENID_WRONG_LENGTH);
	assert_int_equal(where, 43);
	make_token(token, "", "123456789012:", 3);
	memcpy(token + 44, "QQ", 3);
	assert_int_equal(decode(token, id, &where), TOKENID_WRONG_LENGTH);
	assert_int_equal(where, 46);
	encode(raw, sizeof(raw), token);
	assert_int_equal(decode(token, id, &where), TOKENID_WRONG_LENGTH);
	assert_int_equal(where, 48);
}

static void
test_wrong_shape(void **state)
{
	char token[TOKEN_SIZE], id[TOKENID_SIZE];
	size_t where;

	(void)state;
	make_token(token, "BBDC-", "12345678901a:", 4);
	assert_int_equal(decode(token, id, &where), TOKENID_NOT_DIGITS);
	make_token(token, "BBDC-", " 12345678901:", 4);
	assert_int_equal(decode(token, id, &where), TOKENID_NOT_DIGITS);
	make_token(token, "", "123456789012;", 5);
	assert_int_equal(decode(token, id, &where), TOKENID_NO_COLON);
	make_token(token, "", "1234567890123", 5);
	assert_int_equal(decode(token, id, &where), TOKENID_NO_COLON);
	assert_int_equal(where, 0);
}

/* A temporary file holding len bytes; returns its path (static). */
static const char *
temp_file(const void *bytes, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_tokenid.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void
expect_line(struct tokenid_lines *in, enum tokenid_line want, const char *text,
    unsigned long long line_no)
{
	const char *got = NULL;
	size_t len = 0;

	assert_int_equal(tokenid_lines_next(in, &got, &len), want);
	assert_int_equal(in->line_no, line_no);
	if (want == TOKENID_LINE_TEXT) {
		assert_int_equal(len, strlen(text));
		assert_memory_equal(got, text, len);
	}
}

static void
test_lines(void **state)
{
	static const char data[] = "one\n\ntwo\r\n  three \nlast";
	struct tokenid_lines in;
	const char *path = temp_file(data, sizeof(data) - 1);

	(void)state;
	assert_int_equal(tokenid_lines_open(&in, path), 0);
	expect_line(&in, TOKENID_LINE_TEXT, "one", 1);
	expect_line(&in, TOKENID_LINE_TEXT, "", 2);
	expect_line(&in, TOKENID_LINE_TEXT, "two\r", 3);
	expect_line(&in, TOKENID_LINE_TEXT, "  three ", 4);
	expect_line(&in, TOKENID_LINE_TEXT, "last", 5);
	expect_line(&in, TOKENID_LINE_END, NULL, 5);
	expect_line(&in, TOKENID_LINE_END, NULL, 5);
	tokenid_lines_close(&in);
	unlink(path);
}

/* Lines of the maximum length and one more, across buffer boundaries. */
static void
test_long_lines(void **state)
{
	size_t size = 3 * (TOKENID_LINE_MAX + 2) + 10;
	char *data = malloc(size), *p = data;
	struct tokenid_lines in;
	const char *path;
	char *full = malloc(TOKENID_LINE_MAX + 1);

	(void)state;
	assert_non_null(data);
	assert_non_null(full);
	memset(full, 'x', TOKENID_LINE_MAX);
	full[TOKENID_LINE_MAX] = '\0';
	for (int i = 0; i < 3; i++) {
		memset(p, 'x', TOKENID_LINE_MAX + (size_t)(i == 1));
		p += TOKENID_LINE_MAX + (size_t)(i == 1);
		*p++ = '\n';
	}
	memcpy(p, "end\n", 4);
	p += 4;
	path = temp_file(data, (size_t)(p - data));

	assert_int_equal(tokenid_lines_open(&in, path), 0);
	expect_line(&in, TOKENID_LINE_TEXT, full, 1);
	expect_line(&in, TOKENID_LINE_TOO_LONG, NULL, 2);
	expect_line(&in, TOKENID_LINE_TEXT, full, 3);
	expect_line(&in, TOKENID_LINE_TEXT, "end", 4);
	expect_line(&in, TOKENID_LINE_END, NULL, 4);
	tokenid_lines_close(&in);
	unlink(path);
	free(data);
	free(full);
}

/* A line far longer than the read buffer is skipped as a whole. */
static void
test_huge_line(void **state)
{
	size_t size = 10 * 1024 * 1024;
	char *data = malloc(size + 8);
	struct tokenid_lines in;
	const char *path;

	(void)state;
	assert_non_null(data);
	memset(data, 'A', size);
	memcpy(data + size, "\nnext", 5);
	path = temp_file(data, size + 5);
	assert_int_equal(tokenid_lines_open(&in, path), 0);
	expect_line(&in, TOKENID_LINE_TOO_LONG, NULL, 1);
	expect_line(&in, TOKENID_LINE_TEXT, "next", 2);
	expect_line(&in, TOKENID_LINE_END, NULL, 2);
	tokenid_lines_close(&in);
	unlink(path);
	free(data);
}

static bool
is_zero(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* After use and after close, no buffer keeps the token's bytes. */
static void
test_wiped(void **state)
{
	char token[TOKEN_SIZE];
	struct tokenid_lines in;
	const char *path;

	(void)state;
	make_token(token, "BBDC-", "123456789012:", 6);
	memcpy(token + 49, "\n", 2);
	path = temp_file(token, 50);
	assert_int_equal(tokenid_lines_open(&in, path), 0);
	token[49] = '\0';
	expect_line(&in, TOKENID_LINE_TEXT, token, 1);
	expect_line(&in, TOKENID_LINE_END, NULL, 1);
	assert_true(is_zero(in.line, sizeof(in.line)));
	tokenid_lines_close(&in);
	assert_true(is_zero(in.buf, sizeof(in.buf)));
	assert_int_equal(in.fd, -1);
	unlink(path);
}

static void
test_open_missing(void **state)
{
	struct tokenid_lines in;

	(void)state;
	assert_int_equal(
	    tokenid_lines_open(&in, "/nonexistent/tokentrail/tokens"), -1);
	tokenid_lines_close(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_example),
		cmocka_unit_test(test_built_tokens),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_not_base64),
		cmocka_unit_test(test_alphabet),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_wrong_shape),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_wiped),
		cmocka_unit_test(test_open_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
