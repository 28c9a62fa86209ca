/* SPDX-License-Identifier: MIT */
/* common/options.h - checked conversion of command-line numbers. */
#ifndef TOKENTRAIL_COMMON_OPTIONS_H
#define TOKENTRAIL_COMMON_OPTIONS_H

/*
 * Parse arg as a decimal number in [min, max] for option name.  Returns 0
 * and sets *out, or reports what is wrong and returns -1.
 */
int parse_uint_option(const char *name, const char *arg, unsigned long min,
    unsigned long max, unsigned long *out);

#endif
