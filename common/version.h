/* SPDX-License-Identifier: MIT */
/* common/version.h - the tool's version, printed by --version and recorded
 * in every snapshot and manifest. */
#ifndef TOKENTRAIL_COMMON_VERSION_H
#define TOKENTRAIL_COMMON_VERSION_H

#define TOKENTRAIL_VERSION "0.1.0"

#endif
