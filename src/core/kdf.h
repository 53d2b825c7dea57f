/*-------------------------------------------------------------------------
 *
 * kdf.h
 *	  The key derivations eckid computes, on top of libsodium, in plain C.
 *
 * No PostgreSQL dependency: src/core/test/test_kdf.c links this file alone and
 * checks it against RFC 7914 and the Kennisnet vector.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KDF_H
#define KDF_H

#include <stddef.h>
#include <stdint.h>

#include "blake2b.h"
#include "ecktext.h"
#include "pgn.h"				/* HPGN_HEX_LEN, PGN_MAX_BYTES */

/* Kennisnet's HPgn parameters (since 2016-05-26): N = 2^17, r = 8, p = 4. */
#define HPGN_SCRYPT_N		UINT64_C(131072)
#define HPGN_SCRYPT_R		8
#define HPGN_SCRYPT_P		4

/* Limits eckid enforces before calling libsodium (documented in docs/). */
#define SALT_MAX_BYTES		3072	/* decoded; base64 text up to 4096 */
#define SALT_B64_MAX_LEN	4096

#define LOCAL_KEY_BYTES		32

/*
 * Longest chain or sector id accepted by the local ECK iD derivation.  Real
 * ids are URIs of about 80 bytes; the limit keeps the length prefix honest.
 */
#define LOCAL_ID_MAX_BYTES	65535

/*
 * eckid.pseudonymize(): a keyed per-recipient pseudonym of 32 bytes (64 hex
 * digits).  A recipient is 1 to RECIPIENT_MAX_BYTES bytes.
 */
#define PSEUDONYM_BYTES		32
#define PSEUDONYM_HEX_LEN	(2 * PSEUDONYM_BYTES)
#define RECIPIENT_MAX_BYTES	65535

/*
 * How to run scrypt, given by the caller (the server's settings live in
 * scrypt_settings.c; this layer reads none).  implementation: the AVX-512
 * path of scrypt_simd.c when the CPU has it, else libsodium (AUTO); or
 * libsodium always.  threads: how many the bulk path kdf_hpgn_multi() uses,
 * the calling thread included.  huge_pages: whether the AVX-512 path takes
 * its memory from the reserved huge pages first.  stop, if set, is asked between slices of
 * the AVX-512 path whether to give up (then -1 with errno ECANCELED).  A
 * NULL options pointer means AUTO, one thread, huge pages, no stop.
 */
#define KDF_SCRYPT_AUTO			0
#define KDF_SCRYPT_LIBSODIUM	1

typedef struct KdfScryptOptions
{
	int			implementation;
	int			threads;
	int			huge_pages;		/* see ScryptSimdOptions in scrypt_simd.h */
	int			(*stop) (void *arg);
	void	   *stop_arg;
} KdfScryptOptions;

/* Does scrypt with these options run the AVX-512 path?  The one place that asks. */
extern int	kdf_scrypt_uses_simd(const KdfScryptOptions *options);

/*
 * Bytes of memory one HPgn needs with these options, or (bulk) one thread
 * of kdf_hpgn_multi(): for the messages, computed from the parameters.
 */
extern uint64_t kdf_hpgn_memory_bytes(const KdfScryptOptions *options, int bulk);

/*
 * scrypt with libsodium's crypto_pwhash_scryptsalsa208sha256_ll, after
 * checking every length and parameter so that libsodium never reaches its
 * misuse handler.  Returns 0 on success; -1 with errno set otherwise
 * (ENOMEM when the memory could not be had, EINVAL for bad parameters).
 */
extern int	kdf_scrypt(const uint8_t *password, size_t password_len,
					   const uint8_t *salt, size_t salt_len,
					   uint64_t N, uint32_t r, uint32_t p,
					   uint8_t *out, size_t out_len,
					   const KdfScryptOptions *options);

/*
 * The HPgn: scrypt with Kennisnet's parameters over an already lowercased
 * PGN, written as 64 lowercase hex digits plus NUL into hex_out.  pgn_len
 * must be 1 to PGN_MAX_BYTES and salt_len 1 to SALT_MAX_BYTES (else -1 with
 * errno EINVAL); the caller enforces the PGN rules of docs/derivation.md.
 * Returns 0, or -1 with errno as kdf_scrypt().
 */
extern int	kdf_hpgn(const uint8_t *pgn_lower, size_t pgn_len,
					 const uint8_t *salt, size_t salt_len,
					 char hex_out[HPGN_HEX_LEN + 1],
					 const KdfScryptOptions *options);

/*
 * n HPgns at once, with the same salt, on options->threads threads of the
 * AVX-512 path (scrypt_simd_multi(): helper threads block every signal and
 * call only libc and libsodium).  Same length rules as kdf_hpgn().  Returns
 * 0, or -1 with errno: ENOTSUP when the AVX-512 path is not available or
 * not chosen (the caller then hashes one at a time with kdf_hpgn()),
 * ENOMEM, ECANCELED (options->stop said stop) or EINVAL.  On failure no
 * hex_out[i] holds a value.
 */
extern int	kdf_hpgn_multi(size_t n, const uint8_t *const *pgn_lower,
						   const size_t *pgn_len,
						   const uint8_t *salt, size_t salt_len,
						   char (*hex_out)[HPGN_HEX_LEN + 1],
						   const KdfScryptOptions *options);

/*
 * n HPgns at once, each with its own salt (the requests of several sessions
 * hashed together by an HPgn worker), otherwise as kdf_hpgn_multi(), which
 * is this function with one salt for all.
 */
extern int	kdf_hpgn_each(size_t n, const uint8_t *const *pgn_lower,
						  const size_t *pgn_len,
						  const uint8_t *const *salt, const size_t *salt_len,
						  char (*hex_out)[HPGN_HEX_LEN + 1],
						  const KdfScryptOptions *options);

/*
 * Local derivation (docs/derivation.md specifies it byte for byte):
 *
 *   stamp digest = BLAKE2b-512(key, "eckid/v1/stampseudonym" 0x00 || hpgn)
 *   eckid digest = BLAKE2b-512(key, "eckid/v1/eckid" 0x00
 *                   || u8 len(stamp segment) || stamp segment
 *                   || stamp digest (64 bytes)
 *                   || u32be len(chain) || chain || u32be len(sector) || sector)
 *
 * hpgn is the 64 lowercase hex digits of a valid HPgn; the stamp segment is
 * the segment of the Stampseudonym (1 to 16 of [a-z0-9], NUL-padded).
 * Return 0, or -1 with errno EINVAL when an argument is out of range: hpgn
 * not 64 lowercase hex digits, a malformed segment, chain or sector empty or
 * over LOCAL_ID_MAX_BYTES.
 */
extern int	kdf_local_stampseudonym(const uint8_t key[LOCAL_KEY_BYTES],
									const char *hpgn, size_t hpgn_len,
									uint8_t digest_out[ECKID_DIGEST_LEN]);
extern int	kdf_local_eckid(const uint8_t key[LOCAL_KEY_BYTES],
							const EckIdValue *stampseudonym,
							const char *chain, size_t chain_len,
							const char *sector, size_t sector_len,
							uint8_t digest_out[ECKID_DIGEST_LEN]);

/*
 * Per-recipient pseudonym (docs/derivation.md specifies it byte for byte):
 *
 *   pseudonym = BLAKE2b-256(key, "eckid/v1/pseudonymize" 0x00
 *                || u32be len(recipient) || recipient
 *                || u8 len(segment) || segment
 *                || digest (64 bytes))
 *
 * of the segment and digest of a valid eckid value.  Returns 0, or -1 with
 * errno EINVAL when an argument is out of range: a malformed value, a
 * recipient empty or over RECIPIENT_MAX_BYTES.
 */
extern int	kdf_pseudonymize(const uint8_t key[LOCAL_KEY_BYTES],
							 const EckIdValue *value,
							 const char *recipient, size_t recipient_len,
							 uint8_t out[PSEUDONYM_BYTES]);

/*
 * The same pseudonym in two steps, for many values of one recipient (the
 * rows of a masked view): the hash of the key, the domain and the recipient
 * is the same for every value, so kdf_pseudonym_prefix() computes it once
 * and kdf_pseudonym_of() continues a copy of it per value.  Both use
 * blake2b.c, not libsodium, so that the key block is compressed once per
 * prefix rather than once per value (blake2b.h).  The prefix is as secret as
 * the key: kdf_pseudonym_forget() wipes it.
 */
typedef struct KdfPseudonymPrefix
{
	Blake2bState state;
} KdfPseudonymPrefix;

extern int	kdf_pseudonym_prefix(const uint8_t key[LOCAL_KEY_BYTES],
								 const char *recipient, size_t recipient_len,
								 KdfPseudonymPrefix *prefix);
extern int	kdf_pseudonym_of(const KdfPseudonymPrefix *prefix, const EckIdValue *value,
							 uint8_t out[PSEUDONYM_BYTES]);
extern void kdf_pseudonym_forget(KdfPseudonymPrefix *prefix);

#endif							/* KDF_H */
