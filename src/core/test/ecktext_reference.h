/*-------------------------------------------------------------------------
 *
 * ecktext_reference.h
 *	  A second, deliberately simple statement of eckid_parse()'s rules.
 *
 * src/core/test/test_ecktext.c and test/fuzz/fuzz_text.c compare eckid_parse()
 * with it on random and mutated input: same verdict, same status, position
 * and count, same 80 bytes.  It shares no code with src/core/ecktext.c, so a
 * speed-up there cannot change what is accepted or how a rejection is
 * described without one of them noticing.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKTEXT_REFERENCE_H
#define ECKTEXT_REFERENCE_H

#include "ecktext.h"

extern bool eckid_parse_reference(const char *text, size_t len,
								  EckIdValue *value, EckIdParseError *err);

#endif							/* ECKTEXT_REFERENCE_H */
