/*
 * quote: outside bytes (a file's content, a name in a zip) made safe to
 * put in an error message, a log line or a page.
 */
#ifndef QUITX_QUOTE_H
#define QUITX_QUOTE_H

#include <stddef.h>

/*
 * At most max of the len bytes at src, as printable ASCII: '"' and '\'
 * escaped with '\', every other byte outside 0x20-0x7e as \xHH, and
 * "..." when cut short (by max or by dstsize).  dst is always
 * NUL-terminated (dstsize > 0); returns dst.
 */
const char	*quote_ascii(char *dst, size_t dstsize, const void *src,
		    size_t len, size_t max);

#endif
