/* SPDX-License-Identifier: MIT */
/*
 * common/banned.h - functions tokentrail never calls, turned into compile
 * errors.  The Makefile includes it first in every translation unit
 * (-include), so it pulls in the headers that declare these functions
 * before it redefines their names; their include guards keep later
 * includes from seeing the macros.
 */
#ifndef TOKENTRAIL_COMMON_BANNED_H
#define TOKENTRAIL_COMMON_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_banned_in_tokentrail

#undef strcpy
#define strcpy(d, s) BANNED(strcpy)
#undef strcat
#define strcat(d, s) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef strtok
#define strtok(s, d) BANNED(strtok)
#undef atoi
#define atoi(s) BANNED(atoi)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)

#endif
