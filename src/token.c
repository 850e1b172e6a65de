/*
 * token: random link secrets and their hashes (token.h).
 */
#define LOG_TAG "token"
#include "quitx/token.h"

#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "quitx/log.h"

static const char	b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_";

void
token_hash(const char *s, unsigned char hash[TOKEN_HASH_LEN])
{
	unsigned int	hlen = 0;

	if (EVP_Digest(s, strlen(s), hash, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen != TOKEN_HASH_LEN)
		fatalx("SHA-256 failed");
}

void
token_new(char *out, unsigned char hash[TOKEN_HASH_LEN])
{
	unsigned char	raw[TOKEN_BYTES];
	size_t		i, o = 0;
	unsigned long	v;
	ssize_t		got;

	/* a short read only happens for large requests; never for 32 bytes */
	if ((got = getrandom(raw, sizeof(raw), 0)) != (ssize_t)sizeof(raw))
		fatal("getrandom");
	for (i = 0; i < sizeof(raw); i += 3) {
		v = (unsigned long)raw[i] << 16;
		if (i + 1 < sizeof(raw))
			v |= (unsigned long)raw[i + 1] << 8;
		if (i + 2 < sizeof(raw))
			v |= raw[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (i + 1 < sizeof(raw))
			out[o++] = b64url[(v >> 6) & 63];
		if (i + 2 < sizeof(raw))
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	token_hash(out, hash);
}

int
token_shape_ok(const char *s)
{
	const char	*last;
	size_t		 n;

	if (s == NULL)
		return 0;
	n = strnlen(s, TOKEN_CHARS + 1);
	if (n != TOKEN_CHARS || strspn(s, b64url) != TOKEN_CHARS)
		return 0;
	/* 256 bits leave the last character's two low bits zero */
	last = strchr(b64url, s[TOKEN_CHARS - 1]);
	return ((last - b64url) & 3) == 0;
}
