/*-------------------------------------------------------------------------
 *
 * blake2b.h
 *	  Keyed BLAKE2b (RFC 7693) whose state may be continued from a copy: the
 *	  per-recipient pseudonyms of a masked view.
 *
 * libsodium computes the same function (crypto_generichash), and eckid uses
 * it for everything else.  Its state, though, keeps up to two blocks
 * buffered, so a state copied after the key and the recipient still holds
 * the key block uncompressed, and every value continued from that copy pays
 * for compressing the key block again: two compressions where one does.
 * This state compresses a full buffer as soon as more input arrives (as RFC
 * 7693's reference code does), so a copy taken after the recipient has the
 * key block behind it.  src/core/test/test_blake2b.c checks every result against
 * libsodium.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_BLAKE2B_H
#define ECKID_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2B_BLOCK_BYTES		128
#define BLAKE2B_MAX_KEY_BYTES	64
#define BLAKE2B_MAX_OUT_BYTES	64

typedef struct Blake2bState
{
	uint64_t	h[8];			/* chained state */
	uint64_t	t[2];			/* bytes compressed so far, 128 bits */
	uint8_t		buf[BLAKE2B_BLOCK_BYTES];	/* input not yet compressed */
	size_t		buflen;			/* bytes in buf, 0 to BLAKE2B_BLOCK_BYTES */
	size_t		outlen;			/* digest length asked for at init */
} Blake2bState;

/*
 * Start a keyed hash of outlen bytes.  Returns 0, or -1 with errno EINVAL
 * when outlen is not 1..64 or keylen not 1..64 (an unkeyed hash is not
 * needed here).
 */
extern int	blake2b_init_key(Blake2bState *state, size_t outlen,
							 const uint8_t *key, size_t keylen);

/* Add inlen bytes of input. */
extern void blake2b_update(Blake2bState *state, const uint8_t *in, size_t inlen);

/*
 * Write the digest (the outlen bytes asked for at init) and wipe the state;
 * the state must not be used again.
 */
extern void blake2b_final(Blake2bState *state, uint8_t *out);

/* Wipe a state that will not be finished. */
extern void blake2b_forget(Blake2bState *state);

#endif							/* ECKID_BLAKE2B_H */
