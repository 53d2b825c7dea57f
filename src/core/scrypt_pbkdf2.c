/*-------------------------------------------------------------------------
 *
 * scrypt_pbkdf2.c
 *	  The PBKDF2-HMAC-SHA256 steps of scrypt (one iteration), from
 *	  libsodium's HMAC.
 *
 * scrypt(P, S, N, r, p) = PBKDF2(P, ROMix(B_1) || ... || ROMix(B_p), 1)
 * with B = PBKDF2(P, S, 1): only ROMix is vectorised (scrypt_simd.c).
 * Plain C, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#include "scrypt_pbkdf2.h"

#include <string.h>

#include <sodium.h>

/* PBKDF2-HMAC-SHA256 with one iteration, from libsodium's HMAC. */
void
scrypt_pbkdf2_sha256_once(const uint8_t *pw, size_t pw_len, const uint8_t *salt, size_t salt_len,
						  uint8_t *out, size_t out_len)
{
	crypto_auth_hmacsha256_state base;
	crypto_auth_hmacsha256_state st;
	uint8_t		u[32];

	crypto_auth_hmacsha256_init(&base, pw, pw_len);
	crypto_auth_hmacsha256_update(&base, salt, salt_len);
	for (uint32_t i = 1; (size_t) (i - 1) * 32 < out_len; i++)
	{
		uint8_t		ctr[4] = {(uint8_t) (i >> 24), (uint8_t) (i >> 16), (uint8_t) (i >> 8), (uint8_t) i};
		size_t		off = (size_t) (i - 1) * 32;
		size_t		n = out_len - off < 32 ? out_len - off : 32;

		memcpy(&st, &base, sizeof(st));
		crypto_auth_hmacsha256_update(&st, ctr, 4);
		crypto_auth_hmacsha256_final(&st, u);
		memcpy(out + off, u, n);
	}
	sodium_memzero(&base, sizeof(base));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(u, sizeof(u));
}
