/*
 * markup: text from anywhere (member handles, post texts) made safe to
 * put inside XML or HTML, in element content and in quoted attributes.
 */
#ifndef QUITX_MARKUP_H
#define QUITX_MARKUP_H

#include <stdio.h>

/*
 * Write s to f with & < > " ' as character references, control
 * characters (but tab and newline) dropped, since XML allows none, and
 * bytes that are not UTF-8 written as U+FFFD: whatever s holds, the
 * document stays well-formed.
 */
void	markup_escape(FILE *f, const char *s);

#endif
