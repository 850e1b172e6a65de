/*
 * html-text: the plain text a reader sees in a Mastodon status's HTML
 * content (status.content), for parsing commands and handles out of it.
 *
 * Paragraphs are separated by a blank line, <br> is a line break,
 * entities are decoded and runs of whitespace collapse as a browser would
 * show them.  Links keep their whole text: Mastodon hides the "https://"
 * and the tail of long URLs in <span class="invisible">, and those spans
 * are kept, so a link reads as the full URL it points to.
 */
#ifndef QUITX_HTML_TEXT_H
#define QUITX_HTML_TEXT_H

#include <stddef.h>

/*
 * Input past this many bytes is ignored (cut at a character boundary
 * before parsing): a status is at most a few thousand characters, and the
 * bound keeps the parser's time and memory small on hostile input.
 */
#define HTML_TEXT_MAX	(64 * 1024)

/*
 * The plain text of len bytes of HTML (need not be NUL-terminated).
 * Returns a malloc'd, NUL-terminated string that is valid UTF-8, holds no
 * control character other than '\n' and has no leading or trailing
 * whitespace on any line; it is "" for empty or unparsable input, never
 * NULL.  Invalid UTF-8 in the input becomes U+FFFD.
 */
char	*html_text(const char *html, size_t len);

#endif
