/*
 * markup: escaping text for XML and HTML (markup.h).
 */
#include "quitx/markup.h"

#include <string.h>

#include <unistr.h>

void
markup_escape(FILE *f, const char *s)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 left = strlen(s);
	ucs4_t		 c;
	int		 n;

	while (left > 0) {
		if ((n = u8_mbtoucr(&c, p, left)) < 0) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			p++;
			left--;
			continue;
		}
		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* C0 and C1 controls, and the noncharacters XML forbids */
			if ((c < 0x20 && c != '\t' && c != '\n') ||
			    (c >= 0x7f && c < 0xa0) || c == 0xfffe ||
			    c == 0xffff)
				break;
			fwrite(p, 1, (size_t)n, f);
			break;
		}
		p += n;
		left -= (size_t)n;
	}
}
