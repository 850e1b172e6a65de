/*
 * token: the secrets in personal links (upload links, follows-import
 * links).  A token is 32 bytes from the kernel, written in base64url
 * without padding (TOKEN_CHARS characters); only its SHA-256 is stored,
 * so the store alone opens no link.
 */
#ifndef QUITX_TOKEN_H
#define QUITX_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES	32
#define TOKEN_CHARS	43	/* base64url of TOKEN_BYTES, no padding */
#define TOKEN_HASH_LEN	32	/* SHA-256 */

/*
 * A new token in out (TOKEN_CHARS + 1 bytes, NUL-terminated) and the
 * SHA-256 of its text in hash.  Fatal when the kernel has no random
 * bytes to give.  Wipe out with explicit_bzero once used.
 */
void	token_new(char *out, unsigned char hash[TOKEN_HASH_LEN]);

/*
 * 1 if s is shaped like token_new's tokens: exactly TOKEN_CHARS of
 * [A-Za-z0-9_-], the last one one of the 16 a 256-bit value can end
 * with.  Checked before any hashing or lookup.
 */
int	token_shape_ok(const char *s);

/* The SHA-256 of the token s (any text) in hash. */
void	token_hash(const char *s, unsigned char hash[TOKEN_HASH_LEN]);

#endif
