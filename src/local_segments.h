/*-------------------------------------------------------------------------
 *
 * local_segments.h
 *	  The segments given to locally derived values
 *	  (eckid.local_*_segment).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_LOCAL_SEGMENTS_H
#define ECKID_LOCAL_SEGMENTS_H

/* Called once from _PG_init(): defines eckid.local_*_segment. */
extern void LocalSegmentsInit(void);

/*
 * Segments given to locally derived values (eckid.local_*_segment), always
 * 1 to 16 of [a-z0-9] and none of Nummervoorziening's (the check hook).
 */
extern const char *eckid_local_stampseudonym_segment(void);
extern const char *eckid_local_eckid_segment(void);

#endif							/* ECKID_LOCAL_SEGMENTS_H */
