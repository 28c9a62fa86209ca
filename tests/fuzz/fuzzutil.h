/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzzutil.h - helpers shared by the libFuzzer targets: the
 * entry point's prototype, a check that aborts with a message (so that
 * libFuzzer keeps the input), and writing an input to a file.
 */
#ifndef TOKENTRAIL_TESTS_FUZZUTIL_H
#define TOKENTRAIL_TESTS_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The function libFuzzer calls with every input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with "fuzz check failed: what" when ok is false. */
#define FUZZ_CHECK(ok, what) \
	((ok) ? (void)0 : fuzz_fail((what), __FILE__, __LINE__))

/* Print the failed check's text and place, then abort(). */
_Noreturn void fuzz_fail(const char *what, const char *file, int line);

/*
 * Replace the file at path with len bytes of data.  Aborts when the file
 * cannot be written: a target that cannot set up its input is broken.
 */
void fuzz_write_file(const char *path, const void *data, size_t len);

/*
 * Create a private directory under $TMPDIR (or /tmp) once per process and
 * return its name, which stays valid until exit, when the directory and
 * the files in it are removed.  Aborts on failure.
 */
const char *fuzz_tmpdir(void);

#endif
