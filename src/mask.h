/*-------------------------------------------------------------------------
 *
 * mask.h
 *	  What eckid.pseudonymize() (mask.c) and a masked view's column with a
 *	  recipient (masked_view_pseudonym.c) share: the pseudonym prefix a call
 *	  site keeps for its rows, and the text of a pseudonym.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_MASK_H
#define ECKID_MASK_H

#include "fmgr.h"

#include "kdf.h"

/*
 * The hash of the key and a recipient that a call site keeps for its rows
 * (eckid.pseudonymize() in an export, a column of a masked view), and the
 * generation of the key it was computed with (secrets.h; no copy of the
 * key): the key file may be replaced between transactions.  As secret as
 * the key: wiped when the memory context it lives in goes.
 */
typedef struct KeptPrefix
{
	bool		valid;
	uint64		key_generation;
	KdfPseudonymPrefix prefix;
	MemoryContextCallback wipe;
} KeptPrefix;

/* A pseudonym as the text both return: 64 lowercase hex digits, palloc'd. */
extern text *eckid_pseudonym_text(const uint8_t pseudonym[PSEUDONYM_BYTES]);

/* Start keeping a prefix in kept, which lives in context cxt (wiped with it). */
extern void eckid_keep_prefix_in(KeptPrefix *kept, MemoryContext cxt);

/*
 * Make kept the prefix of key (of generation key_generation, secrets.h) and
 * recipient, computing it again unless it is one for that key already and
 * same_recipient says the recipient is the one it was computed for.
 * Returns whether it was computed again.
 */
extern bool eckid_keep_prefix_for(KeptPrefix *kept, const uint8_t *key, uint64 key_generation,
								  const char *recipient, size_t recipient_len, bool same_recipient);

/* Was kept computed with the key as it is now?  May read the key file. */
extern bool eckid_kept_prefix_is_current(const KeptPrefix *kept);

#endif							/* ECKID_MASK_H */
