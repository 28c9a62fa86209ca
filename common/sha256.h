/* SPDX-License-Identifier: MIT */
/*
 * common/sha256.h - SHA-256 over OpenSSL's libcrypto, for the digests in
 * the manifest and in SHA256SUMS.  A digest is computed incrementally:
 * sha256_init(), any number of sha256_update(), then sha256_final().
 */
#ifndef TOKENTRAIL_COMMON_SHA256_H
#define TOKENTRAIL_COMMON_SHA256_H

#include <stddef.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_SIZE   (SHA256_DIGEST_LEN * 2 + 1)

struct sha256 {
	void *ctx; /* the library's digest context, owned by the struct */
};

/*
 * Start a digest in *sha, which the caller owns.  Returns 0, or -1 after
 * reporting why (out of memory); on failure *sha holds nothing to release.
 */
int sha256_init(struct sha256 *sha);

/* Add len bytes at data to the digest.  Returns 0, or -1 after reporting. */
int sha256_update(struct sha256 *sha, const void *data, size_t len);

/*
 * Write the 32-byte digest to digest and release what *sha holds, on
 * success and on failure alike.  Returns 0, or -1 after reporting.
 */
int sha256_final(struct sha256 *sha, unsigned char digest[SHA256_DIGEST_LEN]);

/*
 * Release what *sha holds without finishing the digest, as on an error
 * path.  Safe to call after sha256_final() and on a struct whose
 * sha256_init() failed.
 */
void sha256_release(struct sha256 *sha);

/* Write digest as 64 lower-case hex digits and a NUL to hex. */
void sha256_hex(
    const unsigned char digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_SIZE]);

#endif
