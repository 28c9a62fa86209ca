/* SPDX-License-Identifier: MIT */
/*
 * common/diag.c - formatting and writing of every diagnostic.  A message
 * is assembled in a local buffer and written with a single fwrite(), so
 * lines from concurrent workers stay whole.
 */
#include "common/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DIAG_LINE_MAX 2048

static bool diag_quiet;

void
diag_set_quiet(bool quiet)
{
	diag_quiet = quiet;
}

char *
diag_quote(char *dst, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t n = len > DIAG_QUOTE_EXCERPT ? DIAG_QUOTE_EXCERPT : len;
	char *p = dst;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*p++ = (char)c;
			continue;
		}
		*p++ = '\\';
		*p++ = 'x';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 0xf];
	}
	if (n < len) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p = '\0';
	return dst;
}

char *
diag_quote_str(char *dst, const char *src)
{
	return diag_quote(dst, src, strlen(src));
}

static bool
stderr_is_terminal(void)
{
	static int is_terminal = -1; /* not asked yet */

	if (is_terminal < 0)
		is_terminal = isatty(STDERR_FILENO);
	return is_terminal == 1;
}

/*
 * Write "tokentrail: <locus><severity>: <message><suffix>\n" in one call.
 * A message longer than the buffer is cut, never split.
 */
static void
diag_emit(const char *locus, const char *severity, const char *suffix,
    const char *fmt, va_list ap)
{
	char line[DIAG_LINE_MAX];
	size_t len;
	int n;

	/* On a terminal a progress line may stand where the cursor is:
	 * clear it first, so the message does not end in its remains. */
	n = snprintf(line, sizeof(line), "%stokentrail: %s%s%s",
	    stderr_is_terminal() ? "\033[K" : "", locus, severity,
	    *severity ? ": " : "");
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, "%s", suffix);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}

static void
diag_locus(char *dst, size_t cap, const char *path, unsigned long long line)
{
	char quoted[DIAG_QUOTE_SIZE];

	diag_quote_str(quoted, path);
	if (line > 0)
		snprintf(dst, cap, "%s:%llu: ", quoted, line);
	else
		snprintf(dst, cap, "%s: ", quoted);
}

int
diag_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit("", "error", "", fmt, ap);
	va_end(ap);
	return -1;
}

int
diag_error_errno(const char *fmt, ...)
{
	char suffix[256];
	int saved = errno;
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	va_start(ap, fmt);
	diag_emit("", "error", suffix, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int
diag_error_at(const char *path, unsigned long long line, const char *fmt, ...)
{
	char locus[DIAG_QUOTE_SIZE + 32];
	va_list ap;

	diag_locus(locus, sizeof(locus), path, line);
	va_start(ap, fmt);
	diag_emit(locus, "error", "", fmt, ap);
	va_end(ap);
	return -1;
}

void
diag_warn(const char *fmt, ...)
{
	va_list ap;

	if (diag_quiet)
		return;
	va_start(ap, fmt);
	diag_emit("", "warning", "", fmt, ap);
	va_end(ap);
}

void
diag_warn_at(const char *path, unsigned long long line, const char *fmt, ...)
{
	char locus[DIAG_QUOTE_SIZE + 32];
	va_list ap;

	if (diag_quiet)
		return;
	diag_locus(locus, sizeof(locus), path, line);
	va_start(ap, fmt);
	diag_emit(locus, "warning", "", fmt, ap);
	va_end(ap);
}

void
diag_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit("", "detail", "", fmt, ap);
	va_end(ap);
}

void
diag_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit("", "hint", "", fmt, ap);
	va_end(ap);
}

void
diag_note(const char *fmt, ...)
{
	va_list ap;

	if (diag_quiet)
		return;
	va_start(ap, fmt);
	diag_emit("", "", "", fmt, ap);
	va_end(ap);
}
