/*-------------------------------------------------------------------------
 *
 * scrypt_pbkdf2.h
 *	  PBKDF2-HMAC-SHA256 with one iteration, for scrypt_threads.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRYPT_PBKDF2_H
#define SCRYPT_PBKDF2_H

#include <stddef.h>
#include <stdint.h>

/* out (out_len bytes) = PBKDF2-HMAC-SHA256(pw, salt, 1); wipes its state. */
extern void scrypt_pbkdf2_sha256_once(const uint8_t *pw, size_t pw_len,
									  const uint8_t *salt, size_t salt_len,
									  uint8_t *out, size_t out_len);

#endif							/* SCRYPT_PBKDF2_H */
