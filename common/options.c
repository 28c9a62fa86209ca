/* SPDX-License-Identifier: MIT */
/* common/options.c - checked conversion of command-line numbers. */
#include "common/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "common/diag.h"

int
parse_uint_option(const char *name, const char *arg, unsigned long min,
    unsigned long max, unsigned long *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end != '\0' || errno != 0 ||
	    value < min || value > max)
		return diag_error("invalid value \"%s\" for option %s: "
				  "expected a whole number from %lu to %lu",
		    diag_quote_str(quoted, arg), name, min, max);
	*out = value;
	return 0;
}
