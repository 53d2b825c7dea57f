/*-------------------------------------------------------------------------
 *
 * log_hook.h
 *	  eckid.log_redaction and the emit_log_hook that applies it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_LOG_HOOK_H
#define ECKID_LOG_HOOK_H

/*
 * Called once from _PG_init(): defines eckid.log_redaction and installs the
 * hook, chained to the one installed before it.
 */
extern void LogRedactionInit(void);

#endif							/* ECKID_LOG_HOOK_H */
