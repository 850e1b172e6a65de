/*
 * secret: reading an account's token or app password from where the
 * config says it lives.  The value is only ever held in caller memory; no
 * function here logs it or puts it in an error message.
 */
#ifndef QUITX_SECRET_H
#define QUITX_SECRET_H

#include <stddef.h>

#include "quitx/config.h"

/*
 * Check that the secret exists, is a regular non-empty file and is not
 * readable by group or others.  On failure returns -1 and writes the
 * reason (naming the file, never its content) to why.
 */
int	secret_check(const struct config_account *acct, char *why, size_t whysize);

/*
 * Read the secret into buf (NUL-terminated, trailing newline removed).
 * Returns its length, or -1 with the reason in why.  Callers wipe buf
 * with explicit_bzero when done.
 */
long	secret_read(const struct config_account *acct, char *buf, size_t size,
	    char *why, size_t whysize);

#endif
