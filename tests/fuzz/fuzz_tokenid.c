/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_tokenid.c - the token decoder behind "tokentrail
 * identify" on any text, and its line reader on the same bytes written to
 * a file.  A decoded id is 12 digits; a refusal's position lies inside the
 * text; every line read is decoded as identify does.
 */
#include <stdio.h>
#include <string.h>

#include "analyze/tokenid.h"
#include "common/diag.h"
#include "tests/fuzz/fuzzutil.h"

static void
decode(const char *text, size_t len)
{
	char id[TOKENID_SIZE];
	size_t where = 0;
	enum tokenid_status st = tokenid_decode(text, len, id, &where);

	switch (st) {
	case TOKENID_OK:
		FUZZ_CHECK(strlen(id) == TOKENID_LEN, "id length");
		for (size_t i = 0; i < TOKENID_LEN; i++)
			FUZZ_CHECK(id[i] >= '0' && id[i] <= '9', "id digit");
		break;
	case TOKENID_NOT_BASE64:
		FUZZ_CHECK(where >= 1 && where <= len, "position outside");
		break;
	case TOKENID_EMPTY:
	case TOKENID_WRONG_LENGTH:
	case TOKENID_NOT_DIGITS:
	case TOKENID_NO_COLON:
		break;
	default:
		FUZZ_CHECK(0, "unknown status");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200];
	struct tokenid_lines in;
	enum tokenid_line r;
	const char *text;
	size_t len;

	diag_set_quiet(true);
	decode((const char *)data, size);

	snprintf(path, sizeof(path), "%s/tokens", fuzz_tmpdir());
	fuzz_write_file(path, data, size);
	FUZZ_CHECK(tokenid_lines_open(&in, path) == 0, "open");
	while ((r = tokenid_lines_next(&in, &text, &len)) != TOKENID_LINE_END) {
		FUZZ_CHECK(r != TOKENID_LINE_ERROR, "read error");
		if (r == TOKENID_LINE_TEXT) {
			FUZZ_CHECK(len <= TOKENID_LINE_MAX, "line too long");
			decode(text, len);
		}
	}
	tokenid_lines_close(&in);
	return 0;
}
