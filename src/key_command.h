/*-------------------------------------------------------------------------
 *
 * key_command.h
 *	  Running eckid.key_command: the local derivation key read from a shell
 *	  command's standard output, as core's ssl_passphrase_command.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_KEY_COMMAND_H
#define ECKID_KEY_COMMAND_H

#include "kdf.h"

/*
 * Run command with /bin/sh -c in a process group of its own, standard input
 * from /dev/null, and write the key it prints (secrets.h's key format) into
 * key, which the caller owns (locked memory).  Raises an error, with key
 * wiped, when the command cannot be started, is still running after
 * timeout_s seconds (its whole process group is killed; 38000), exits
 * other than with status 0 (38000), or prints anything but a key (F0000).
 * Its standard error goes to the server log only (errdetail_log), never to
 * the client; its standard output is never quoted.  Every buffer that held
 * its output is wiped before this returns or raises.
 */
extern void eckid_run_key_command(const char *command, int timeout_s,
								  uint8_t key[LOCAL_KEY_BYTES]);

#endif							/* ECKID_KEY_COMMAND_H */
