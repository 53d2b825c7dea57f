/*-------------------------------------------------------------------------
 *
 * kdf.c
 *	  The key derivations eckid computes, on top of libsodium, in plain C.
 *
 * Three kinds of derivation live here:
 *
 * - the HPgn, Kennisnet's first-level hash of a PGN: scrypt with fixed
 *	 parameters (docs/derivation.md), which must match Kennisnet's reference
 *	 clients bit for bit;
 * - the local Stampseudonym and ECK iD: keyed BLAKE2b-512 over messages with
 *	 a domain-separation prefix and explicit lengths, so that no two different
 *	 inputs can give the same message;
 * - the per-recipient pseudonym of eckid.pseudonymize() and of masked views:
 *	 keyed BLAKE2b-256, built the same way under a prefix of its own, with
 *	 blake2b.c (checked against libsodium) because a masked view computes
 *	 one per row.
 *
 * libsodium answers some misuse (a wrong buffer size, say) with abort(),
 * which inside a backend takes the whole server through crash recovery.
 * Every function here therefore checks its arguments itself and returns -1
 * with errno set before libsodium could object.  Nothing here raises a
 * PostgreSQL error: the fmgr glue in hpgn.c and derive.c does that.
 *
 *-------------------------------------------------------------------------
 */
#include "kdf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pgn.h"
#include "scrypt_simd.h"

static const KdfScryptOptions default_options = {KDF_SCRYPT_AUTO, 1, 1, NULL, NULL};

/* The AVX-512 path's options for these. */
static ScryptSimdOptions
SimdOptions(const KdfScryptOptions *options)
{
	ScryptSimdOptions simd;

	simd.threads = options->threads < 1 ? 1 : options->threads;
	simd.huge_pages = options->huge_pages;
	simd.stop = options->stop;
	simd.stop_arg = options->stop_arg;
	return simd;
}

/* Domain-separation prefixes; the terminating NUL is part of the message. */
#define STAMP_DOMAIN	"eckid/v1/stampseudonym"
#define ECKID_DOMAIN	"eckid/v1/eckid"
#define PSEUDONYM_DOMAIN "eckid/v1/pseudonymize"

/*
 * libsodium's scrypt refuses N above 2^32 - 1 and outputs above
 * (2^32 - 1) * 32 bytes; its PBKDF2 step abort()s on the latter where size_t
 * is wide enough to ask for it.
 */
#define SCRYPT_N_MAX		UINT64_C(4294967295)
#define SCRYPT_OUT_MAX		((UINT64_C(4294967295)) * 32)

int
kdf_scrypt_uses_simd(const KdfScryptOptions *options)
{
	if (options == NULL)
		options = &default_options;
	return options->implementation == KDF_SCRYPT_AUTO && scrypt_simd_available();
}

uint64_t
kdf_hpgn_memory_bytes(const KdfScryptOptions *options, int bulk)
{
	/* a thread of the bulk path works on up to 8 lanes (two HPgns) at once */
	if (bulk)
		return 8 * scrypt_simd_lane_bytes(HPGN_SCRYPT_N, HPGN_SCRYPT_R);
	/* the AVX-512 path gives each of the p lanes its own V */
	if (kdf_scrypt_uses_simd(options))
		return HPGN_SCRYPT_P * scrypt_simd_lane_bytes(HPGN_SCRYPT_N, HPGN_SCRYPT_R);
	/* libsodium: 128 * r * (N + p) bytes, the lanes one after another */
	return UINT64_C(128) * HPGN_SCRYPT_R * (HPGN_SCRYPT_N + HPGN_SCRYPT_P);
}

int
kdf_scrypt(const uint8_t *password, size_t password_len,
		   const uint8_t *salt, size_t salt_len,
		   uint64_t N, uint32_t r, uint32_t p,
		   uint8_t *out, size_t out_len,
		   const KdfScryptOptions *options)
{
	if (options == NULL)
		options = &default_options;

	if ((password == NULL && password_len > 0) ||
		(salt == NULL && salt_len > 0) ||
		out == NULL || out_len == 0)
	{
		errno = EINVAL;
		return -1;
	}
	/* N must be a power of two greater than 1 (RFC 7914, section 2) */
	if (N < 2 || (N & (N - 1)) != 0 || N > SCRYPT_N_MAX)
	{
		errno = EINVAL;
		return -1;
	}
	/* r * p < 2^30 (RFC 7914, section 2); computed in 64 bits, no overflow */
	if (r == 0 || p == 0 || (uint64_t) r * (uint64_t) p >= (UINT64_C(1) << 30))
	{
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t) out_len > SCRYPT_OUT_MAX ||
		out_len > crypto_pwhash_scryptsalsa208sha256_BYTES_MAX)
	{
		errno = EINVAL;
		return -1;
	}

	if (kdf_scrypt_uses_simd(options))
	{
		ScryptSimdOptions simd = SimdOptions(options);

		return scrypt_simd(password, password_len, salt, salt_len, N, r, p,
						   out, out_len, &simd);
	}

	/*
	 * libsodium allocates the 128 * r * (N + p) bytes itself and fails with
	 * errno = ENOMEM when it cannot; pass that on unchanged.
	 */
	errno = 0;
	if (crypto_pwhash_scryptsalsa208sha256_ll(password, password_len,
											  salt, salt_len, N, r, p,
											  out, out_len) != 0)
	{
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
kdf_hpgn(const uint8_t *pgn_lower, size_t pgn_len,
		 const uint8_t *salt, size_t salt_len,
		 char hex_out[HPGN_HEX_LEN + 1],
		 const KdfScryptOptions *options)
{
	uint8_t		hash[HPGN_BYTES];
	int			save_errno;

	if (pgn_lower == NULL || pgn_len == 0 || pgn_len > PGN_MAX_BYTES ||
		salt == NULL || salt_len == 0 || salt_len > SALT_MAX_BYTES ||
		hex_out == NULL)
	{
		errno = EINVAL;
		return -1;
	}

	if (kdf_scrypt(pgn_lower, pgn_len, salt, salt_len,
				   HPGN_SCRYPT_N, HPGN_SCRYPT_R, HPGN_SCRYPT_P,
				   hash, sizeof(hash), options) != 0)
	{
		save_errno = errno;
		sodium_memzero(hash, sizeof(hash));
		errno = save_errno;
		return -1;
	}

	/* sodium_bin2hex writes lowercase digits and a NUL: 65 bytes here */
	sodium_bin2hex(hex_out, HPGN_HEX_LEN + 1, hash, sizeof(hash));
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

int
kdf_hpgn_each(size_t n, const uint8_t *const *pgn_lower, const size_t *pgn_len,
			  const uint8_t *const *salt, const size_t *salt_len,
			  char (*hex_out)[HPGN_HEX_LEN + 1],
			  const KdfScryptOptions *options)
{
	uint8_t    *hashes;
	uint8_t   **outs;
	int			rc = -1;
	int			save_errno;

	if (n == 0 || pgn_lower == NULL || pgn_len == NULL || hex_out == NULL ||
		salt == NULL || salt_len == NULL)
	{
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (pgn_lower[i] == NULL || pgn_len[i] == 0 || pgn_len[i] > PGN_MAX_BYTES ||
			salt[i] == NULL || salt_len[i] == 0 || salt_len[i] > SALT_MAX_BYTES)
		{
			errno = EINVAL;
			return -1;
		}
	if (options == NULL)
		options = &default_options;
	if (!kdf_scrypt_uses_simd(options))
	{
		errno = ENOTSUP;
		return -1;
	}
	if (n > SIZE_MAX / HPGN_BYTES)
	{
		errno = ENOMEM;
		return -1;
	}

	hashes = malloc(n * HPGN_BYTES);
	outs = malloc(n * sizeof(*outs));
	if (hashes == NULL || outs == NULL)
		errno = ENOMEM;
	else
	{
		ScryptSimdOptions simd = SimdOptions(options);

		for (size_t i = 0; i < n; i++)
			outs[i] = hashes + i * HPGN_BYTES;
		rc = scrypt_simd_multi(n, pgn_lower, pgn_len, salt, salt_len,
							   HPGN_SCRYPT_N, HPGN_SCRYPT_R, HPGN_SCRYPT_P,
							   outs, HPGN_BYTES, &simd);
		if (rc == 0)
			for (size_t i = 0; i < n; i++)
				sodium_bin2hex(hex_out[i], HPGN_HEX_LEN + 1, outs[i], HPGN_BYTES);
	}

	save_errno = errno;
	if (hashes != NULL)
		sodium_memzero(hashes, n * HPGN_BYTES);
	free(hashes);
	free(outs);
	errno = save_errno;
	return rc;
}

int
kdf_hpgn_multi(size_t n, const uint8_t *const *pgn_lower, const size_t *pgn_len,
			   const uint8_t *salt, size_t salt_len,
			   char (*hex_out)[HPGN_HEX_LEN + 1],
			   const KdfScryptOptions *options)
{
	const uint8_t **salts;
	size_t	   *salt_lens;
	int			rc = -1;
	int			save_errno;

	if (n == 0 || n > SIZE_MAX / sizeof(*salts))
	{
		errno = n == 0 ? EINVAL : ENOMEM;
		return -1;
	}
	salts = malloc(n * sizeof(*salts));
	salt_lens = malloc(n * sizeof(*salt_lens));
	if (salts == NULL || salt_lens == NULL)
		errno = ENOMEM;
	else
	{
		/* the same salt for every PGN: pointers to the one copy */
		for (size_t i = 0; i < n; i++)
		{
			salts[i] = salt;
			salt_lens[i] = salt_len;
		}
		rc = kdf_hpgn_each(n, pgn_lower, pgn_len, salts, salt_lens, hex_out, options);
	}
	save_errno = errno;
	free(salts);
	free(salt_lens);
	errno = save_errno;
	return rc;
}

static void
PutU32BE(uint8_t buf[4], uint32_t v)
{
	buf[0] = (uint8_t) (v >> 24);
	buf[1] = (uint8_t) (v >> 16);
	buf[2] = (uint8_t) (v >> 8);
	buf[3] = (uint8_t) v;
}

/*
 * Finish a keyed BLAKE2b started by one of the functions below: the state is
 * wiped whatever happened, and on any libsodium failure (rc != 0, which the
 * checked lengths make impossible) so is the output, with errno EINVAL.
 */
static int
FinishKeyedHash(crypto_generichash_state *st, int rc, uint8_t *out, size_t out_len)
{
	rc |= crypto_generichash_final(st, out, out_len);
	sodium_memzero(st, sizeof(*st));
	if (rc != 0)
	{
		sodium_memzero(out, out_len);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
kdf_local_stampseudonym(const uint8_t key[LOCAL_KEY_BYTES],
						const char *hpgn, size_t hpgn_len,
						uint8_t digest_out[ECKID_DIGEST_LEN])
{
	crypto_generichash_state st;
	int			rc = 0;

	if (key == NULL || digest_out == NULL || hpgn == NULL || !pgn_hpgn_is_valid(hpgn, hpgn_len))
	{
		errno = EINVAL;
		return -1;
	}

	/* lengths are compile-time constants within libsodium's limits */
	rc |= crypto_generichash_init(&st, key, LOCAL_KEY_BYTES, ECKID_DIGEST_LEN);
	rc |= crypto_generichash_update(&st, (const uint8_t *) STAMP_DOMAIN,
									sizeof(STAMP_DOMAIN));	/* with its NUL */
	rc |= crypto_generichash_update(&st, (const uint8_t *) hpgn, hpgn_len);
	return FinishKeyedHash(&st, rc, digest_out, ECKID_DIGEST_LEN);
}

int
kdf_local_eckid(const uint8_t key[LOCAL_KEY_BYTES],
				const EckIdValue *stampseudonym,
				const char *chain, size_t chain_len,
				const char *sector, size_t sector_len,
				uint8_t digest_out[ECKID_DIGEST_LEN])
{
	crypto_generichash_state st;
	uint8_t		seglen;
	uint8_t		chain_prefix[4];
	uint8_t		sector_prefix[4];
	size_t		segment_len;
	int			rc = 0;

	if (key == NULL || stampseudonym == NULL || digest_out == NULL ||
		chain == NULL || chain_len == 0 || chain_len > LOCAL_ID_MAX_BYTES ||
		sector == NULL || sector_len == 0 || sector_len > LOCAL_ID_MAX_BYTES)
	{
		errno = EINVAL;
		return -1;
	}
	segment_len = eckid_segment_length(stampseudonym);
	if (segment_len == 0)
	{
		errno = EINVAL;
		return -1;
	}

	seglen = (uint8_t) segment_len;
	PutU32BE(chain_prefix, (uint32_t) chain_len);
	PutU32BE(sector_prefix, (uint32_t) sector_len);

	rc |= crypto_generichash_init(&st, key, LOCAL_KEY_BYTES, ECKID_DIGEST_LEN);
	rc |= crypto_generichash_update(&st, (const uint8_t *) ECKID_DOMAIN,
									sizeof(ECKID_DOMAIN));	/* with its NUL */
	rc |= crypto_generichash_update(&st, &seglen, 1);
	rc |= crypto_generichash_update(&st, (const uint8_t *) stampseudonym->segment,
									segment_len);
	rc |= crypto_generichash_update(&st, stampseudonym->digest, ECKID_DIGEST_LEN);
	rc |= crypto_generichash_update(&st, chain_prefix, sizeof(chain_prefix));
	rc |= crypto_generichash_update(&st, (const uint8_t *) chain, chain_len);
	rc |= crypto_generichash_update(&st, sector_prefix, sizeof(sector_prefix));
	rc |= crypto_generichash_update(&st, (const uint8_t *) sector, sector_len);
	return FinishKeyedHash(&st, rc, digest_out, ECKID_DIGEST_LEN);
}

int
kdf_pseudonym_prefix(const uint8_t key[LOCAL_KEY_BYTES],
					 const char *recipient, size_t recipient_len,
					 KdfPseudonymPrefix *prefix)
{
	uint8_t		recipient_prefix[4];

	if (key == NULL || prefix == NULL ||
		recipient == NULL || recipient_len == 0 || recipient_len > RECIPIENT_MAX_BYTES)
	{
		errno = EINVAL;
		return -1;
	}
	PutU32BE(recipient_prefix, (uint32_t) recipient_len);

	/* 32-byte key and output: within BLAKE2b's limits (1..64 bytes) */
	if (blake2b_init_key(&prefix->state, PSEUDONYM_BYTES, key, LOCAL_KEY_BYTES) != 0)
		return -1;
	blake2b_update(&prefix->state, (const uint8_t *) PSEUDONYM_DOMAIN,
				   sizeof(PSEUDONYM_DOMAIN));	/* with its NUL */
	blake2b_update(&prefix->state, recipient_prefix, sizeof(recipient_prefix));
	blake2b_update(&prefix->state, (const uint8_t *) recipient, recipient_len);
	return 0;
}

int
kdf_pseudonym_of(const KdfPseudonymPrefix *prefix, const EckIdValue *value,
				 uint8_t out[PSEUDONYM_BYTES])
{
	Blake2bState st;
	uint8_t		seglen;
	size_t		segment_len;

	if (prefix == NULL || value == NULL || out == NULL ||
		prefix->state.outlen != PSEUDONYM_BYTES)
	{
		errno = EINVAL;
		return -1;
	}
	segment_len = eckid_segment_length(value);
	if (segment_len == 0)
	{
		errno = EINVAL;
		return -1;
	}
	seglen = (uint8_t) segment_len;

	st = prefix->state;
	blake2b_update(&st, &seglen, 1);
	blake2b_update(&st, (const uint8_t *) value->segment, segment_len);
	blake2b_update(&st, value->digest, ECKID_DIGEST_LEN);
	blake2b_final(&st, out);	/* wipes st */
	return 0;
}

void
kdf_pseudonym_forget(KdfPseudonymPrefix *prefix)
{
	blake2b_forget(&prefix->state);
}

int
kdf_pseudonymize(const uint8_t key[LOCAL_KEY_BYTES],
				 const EckIdValue *value,
				 const char *recipient, size_t recipient_len,
				 uint8_t out[PSEUDONYM_BYTES])
{
	KdfPseudonymPrefix prefix;
	int			rc;

	if (out == NULL || value == NULL)
	{
		errno = EINVAL;
		return -1;
	}
	if (kdf_pseudonym_prefix(key, recipient, recipient_len, &prefix) != 0)
		return -1;
	rc = kdf_pseudonym_of(&prefix, value, out);
	kdf_pseudonym_forget(&prefix);
	return rc;
}
