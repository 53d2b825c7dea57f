/*-------------------------------------------------------------------------
 *
 * retention.h
 *	  eckid.nv_retention: how long finished Nummervoorziening work is kept
 *	  (read by eckid.nv_purge(), sql/install/53_erasure.sql).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_RETENTION_H
#define ECKID_RETENTION_H

/* Called once from _PG_init(): defines eckid.nv_retention. */
extern void RetentionInit(void);

#endif							/* ECKID_RETENTION_H */
