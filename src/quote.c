/*
 * quote: outside bytes as printable ASCII (quote.h).
 */
#include "quitx/quote.h"

#include <stdio.h>
#include <string.h>

const char *
quote_ascii(char *dst, size_t dstsize, const void *src, size_t len,
    size_t max)
{
	const unsigned char	*s = src;
	size_t			 i, o = 0;

	/* the longest step, \xHH, needs 4 bytes and the NUL one more */
	for (i = 0; i < len && i < max && o + 5 < dstsize; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)s[i];
		} else if (s[i] >= 0x20 && s[i] < 0x7f)
			dst[o++] = (char)s[i];
		else
			o += (size_t)snprintf(dst + o, dstsize - o, "\\x%02x",
			    s[i]);
	}
	if (i < len && o + 4 < dstsize) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}
