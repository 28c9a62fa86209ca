/* SPDX-License-Identifier: MIT */
/*
 * common/sha256.c - SHA-256 through libcrypto's EVP interface.  The EVP
 * context is opaque, so struct sha256 holds a pointer to it; it is freed
 * by sha256_final() or sha256_release().
 */
#include "common/sha256.h"

#include <openssl/evp.h>

#include "common/diag.h"

int
sha256_init(struct sha256 *sha)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	sha->ctx = NULL;
	if (ctx == NULL)
		return diag_error(
		    "could not start a SHA-256 digest: out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return diag_error("could not start a SHA-256 digest");
	}
	sha->ctx = ctx;
	return 0;
}

int
sha256_update(struct sha256 *sha, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (EVP_DigestUpdate(sha->ctx, data, len) != 1)
		return diag_error("could not update a SHA-256 digest");
	return 0;
}

int
sha256_final(struct sha256 *sha, unsigned char digest[SHA256_DIGEST_LEN])
{
	unsigned int len = 0;
	int rc = 0;

	if (EVP_DigestFinal_ex(sha->ctx, digest, &len) != 1 ||
	    len != SHA256_DIGEST_LEN)
		rc = diag_error("could not finish a SHA-256 digest");
	sha256_release(sha);
	return rc;
}

void
sha256_release(struct sha256 *sha)
{
	EVP_MD_CTX_free(sha->ctx);
	sha->ctx = NULL;
}

void
sha256_hex(
    const unsigned char digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < SHA256_DIGEST_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[2 * SHA256_DIGEST_LEN] = '\0';
}
