/*
 * html-text: Mastodon status HTML to plain text, through libxml2's HTML
 * parser (which knows the entities and HTML's implied and misnested tags)
 * and a walk of the tree it builds.
 *
 * The walk emits text nodes and turns elements into breaks: a paragraph
 * boundary owes a blank line, a line-level block or <br> a line break.
 * Breaks and collapsed spaces are owed, not written, until more text
 * comes, so none ever lead or trail the result.
 *
 * What Mastodon's markup means for the text:
 *   - mentions <a class="u-url mention">@<span>user</span></a> and hashtags
 *     read as their text: "@user", "#tag";
 *   - <span class="invisible"> is KEPT.  Mastodon shortens a long link to
 *     <span class="invisible">https://</span><span class="ellipsis">host/pa
 *     </span><span class="invisible">th</span> and clients draw an
 *     ellipsis; the three parts together are the full URL, which is what
 *     the author wrote and what a handle or link parser needs.  For the
 *     same reason <span class="ellipsis"> adds no "...".
 *   - <script>, <style> and <head> (title) are not shown, so dropped.
 */
#define LOG_TAG "html-text"
#include "quitx/html-text.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "quitx/xmalloc.h"

/* UTF-8 for U+FFFD, what an invalid input byte becomes */
#define HTML_TEXT_REPLACEMENT	"\xef\xbf\xbd"

struct html_text_buf {
	char	*s;
	size_t	 len, cap;
	int	 nl;		/* line breaks owed to the next text */
	int	 space;		/* a collapsed space owed to it */
	int	 pre;		/* inside <pre>: whitespace is kept */
};

enum html_text_kind {
	HTML_TEXT_INLINE,	/* its text only (also unknown tags) */
	HTML_TEXT_SKIP,		/* not shown, nor its content */
	HTML_TEXT_BR,		/* one line break */
	HTML_TEXT_LINE,		/* a block on its own line */
	HTML_TEXT_PARA,		/* a block set apart by a blank line */
	HTML_TEXT_CELL,		/* a table cell: spaced from the next */
};

static const struct {
	const char		*name;
	enum html_text_kind	 kind;
} html_text_elems[] = {
	{ "br", HTML_TEXT_BR },
	{ "p", HTML_TEXT_PARA },
	{ "blockquote", HTML_TEXT_PARA },
	{ "pre", HTML_TEXT_PARA },
	{ "h1", HTML_TEXT_PARA }, { "h2", HTML_TEXT_PARA },
	{ "h3", HTML_TEXT_PARA }, { "h4", HTML_TEXT_PARA },
	{ "h5", HTML_TEXT_PARA }, { "h6", HTML_TEXT_PARA },
	{ "ul", HTML_TEXT_PARA }, { "ol", HTML_TEXT_PARA },
	{ "dl", HTML_TEXT_PARA }, { "table", HTML_TEXT_PARA },
	{ "figure", HTML_TEXT_PARA },
	{ "div", HTML_TEXT_LINE }, { "li", HTML_TEXT_LINE },
	{ "dt", HTML_TEXT_LINE }, { "dd", HTML_TEXT_LINE },
	{ "tr", HTML_TEXT_LINE }, { "hr", HTML_TEXT_LINE },
	{ "section", HTML_TEXT_LINE }, { "article", HTML_TEXT_LINE },
	{ "header", HTML_TEXT_LINE }, { "footer", HTML_TEXT_LINE },
	{ "aside", HTML_TEXT_LINE }, { "nav", HTML_TEXT_LINE },
	{ "main", HTML_TEXT_LINE }, { "address", HTML_TEXT_LINE },
	{ "details", HTML_TEXT_LINE }, { "summary", HTML_TEXT_LINE },
	{ "figcaption", HTML_TEXT_LINE }, { "caption", HTML_TEXT_LINE },
	{ "td", HTML_TEXT_CELL }, { "th", HTML_TEXT_CELL },
	{ "head", HTML_TEXT_SKIP }, { "title", HTML_TEXT_SKIP },
	{ "script", HTML_TEXT_SKIP }, { "style", HTML_TEXT_SKIP },
	{ "template", HTML_TEXT_SKIP },
};

static pthread_once_t	html_text_once = PTHREAD_ONCE_INIT;

/* libxml2's global state must be set up once, before any thread parses. */
static void
html_text_init(void)
{
	xmlInitParser();
}

static void
html_text_put(struct html_text_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n) {
		while (b->cap - b->len <= n)
			b->cap = b->cap == 0 ? 256 : b->cap * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * Length of the valid UTF-8 sequence at s (1..4, at most n bytes), or 0
 * if s does not start one: bad lead byte, overlong form, surrogate, past
 * U+10FFFF or cut short.
 */
static size_t
html_text_utf8_len(const unsigned char *s, size_t n)
{
	size_t		len, i;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Append s to b as valid UTF-8 without control characters: each byte
 * that does not start a valid sequence becomes U+FFFD, C0 controls other
 * than whitespace, DEL and C1 controls are dropped (they are never text a
 * reader sees, and they would reach logs and replies).
 */
static void
html_text_scrub(struct html_text_buf *b, const unsigned char *s, size_t n)
{
	size_t	i = 0, len;

	while (i < n) {
		if ((len = html_text_utf8_len(s + i, n - i)) == 0) {
			html_text_put(b, HTML_TEXT_REPLACEMENT, 3);
			i++;
			continue;
		}
		if ((len == 1 && ((s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r' && s[i] != '\f') ||
		    s[i] == 0x7f)) || (len == 2 && s[i] == 0xc2 &&
		    s[i + 1] < 0xa0)) {
			i += len;
			continue;
		}
		html_text_put(b, (const char *)s + i, len);
		i += len;
	}
}

/* Write what the next text is owed: line breaks, else one space. */
static void
html_text_flush(struct html_text_buf *b)
{
	if (b->len == 0) {
		/* nothing before: the result never starts with a break */
		b->nl = 0;
		b->space = 0;
		return;
	}
	if (b->nl > 0) {
		for (; b->nl > 0; b->nl--)
			html_text_put(b, "\n", 1);
	} else if (b->space)
		html_text_put(b, " ", 1);
	b->space = 0;
}

static void
html_text_owe_lines(struct html_text_buf *b, int n)
{
	if (b->nl < n)
		b->nl = n;
}

/*
 * A text node: ASCII whitespace runs collapse to one owed space (HTML's
 * rendering), except inside <pre> where they are kept.  A no-break space
 * (U+00A0, "&nbsp;") does not collapse but becomes a plain space, so that
 * whoever splits the text on spaces sees it as one.
 */
static void
html_text_chars(struct html_text_buf *b, const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
		case '\f':
			if (!b->pre)
				b->space = 1;
			else if (s[i] == '\n')
				b->nl++;
			else if (s[i] != '\r') {
				html_text_flush(b);
				html_text_put(b, " ", 1);
			}
			continue;
		case 0xc2:
			if (i + 1 < n && s[i + 1] == 0xa0) {
				html_text_flush(b);
				html_text_put(b, " ", 1);
				i++;
				continue;
			}
			break;
		}
		html_text_flush(b);
		html_text_put(b, (const char *)s + i, 1);
	}
}

static enum html_text_kind
html_text_kind(const xmlNode *node)
{
	size_t	i;

	for (i = 0; i < sizeof(html_text_elems) / sizeof(html_text_elems[0]);
	    i++) {
		if (strcmp((const char *)node->name,
		    html_text_elems[i].name) == 0)
			return html_text_elems[i].kind;
	}
	return HTML_TEXT_INLINE;
}

/* Entering a node; returns 1 if its children are to be visited. */
static int
html_text_enter(struct html_text_buf *b, const xmlNode *node)
{
	switch (node->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (node->content != NULL)
			html_text_chars(b, node->content,
			    strlen((const char *)node->content));
		return 0;
	case XML_ELEMENT_NODE:
		break;
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
		return 1;
	default:
		/* comments, processing instructions, the DTD */
		return 0;
	}
	switch (html_text_kind(node)) {
	case HTML_TEXT_SKIP:
		return 0;
	case HTML_TEXT_BR:
		b->nl++;
		return 0;
	case HTML_TEXT_LINE:
		html_text_owe_lines(b, 1);
		break;
	case HTML_TEXT_PARA:
		html_text_owe_lines(b, 2);
		if (strcmp((const char *)node->name, "pre") == 0)
			b->pre++;
		break;
	case HTML_TEXT_CELL:
		b->space = 1;
		break;
	case HTML_TEXT_INLINE:
		break;
	}
	return 1;
}

static void
html_text_leave(struct html_text_buf *b, const xmlNode *node)
{
	if (node->type != XML_ELEMENT_NODE)
		return;
	switch (html_text_kind(node)) {
	case HTML_TEXT_LINE:
		html_text_owe_lines(b, 1);
		break;
	case HTML_TEXT_PARA:
		html_text_owe_lines(b, 2);
		if (strcmp((const char *)node->name, "pre") == 0 && b->pre > 0)
			b->pre--;
		break;
	case HTML_TEXT_CELL:
		b->space = 1;
		break;
	default:
		break;
	}
}

/*
 * Depth-first walk by the tree's own links rather than by recursion:
 * a hostile status can nest elements thousands deep.
 */
static void
html_text_walk(struct html_text_buf *b, xmlNode *top)
{
	xmlNode	*node = top;

	while (node != NULL) {
		if (html_text_enter(b, node) && node->children != NULL) {
			node = node->children;
			continue;
		}
		for (;;) {
			html_text_leave(b, node);
			if (node == top) {
				node = NULL;
				break;
			}
			if (node->next != NULL) {
				node = node->next;
				break;
			}
			node = node->parent;
		}
	}
}

/*
 * The final text: scrubbed again (character references can name C1
 * controls), each line trimmed of spaces, no leading or trailing empty
 * lines.
 */
static char *
html_text_finish(struct html_text_buf *b)
{
	struct html_text_buf	 out = { NULL, 0, 0, 0, 0, 0 };
	size_t			 i, eol, start, end, len = 0;
	char			*s;

	html_text_put(&out, "", 0);
	html_text_scrub(&out, (const unsigned char *)b->s, b->len);
	/* in place: the write position (len) never passes the read one */
	s = out.s;
	for (i = 0; i <= out.len; i = eol + 1) {
		for (eol = i; eol < out.len && s[eol] != '\n'; eol++)
			;
		start = i;
		end = eol;
		while (start < end && (s[start] == ' ' || s[start] == '\t'))
			start++;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		memmove(s + len, s + start, end - start);
		len += end - start;
		if (eol < out.len)
			s[len++] = '\n';
	}
	for (start = 0; start < len && s[start] == '\n'; start++)
		;
	while (len > start && s[len - 1] == '\n')
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	return s;
}

char *
html_text(const char *html, size_t len)
{
	struct html_text_buf	 in = { NULL, 0, 0, 0, 0, 0 };
	struct html_text_buf	 b = { NULL, 0, 0, 0, 0, 0 };
	const unsigned char	*s = (const unsigned char *)html;
	htmlDocPtr		 doc;
	char			*text;

	pthread_once(&html_text_once, html_text_init);
	if (html == NULL)
		len = 0;
	if (len > HTML_TEXT_MAX) {
		/* cut before the lead byte of a character the limit splits */
		len = HTML_TEXT_MAX;
		while (len > HTML_TEXT_MAX - 3 && (s[len] & 0xc0) == 0x80)
			len--;
	}
	/*
	 * Told the input is UTF-8, libxml2 2.9 copies invalid bytes into
	 * the tree as they are: scrub them first (the final scrub in
	 * html_text_finish is only a second line of defence).
	 */
	html_text_put(&in, "", 0);
	html_text_scrub(&in, s, len);
	/*
	 * No HTML_PARSE_NOBLANKS: it drops whitespace-only text nodes,
	 * and the space between two links or mentions is one.
	 */
	doc = htmlReadMemory(in.s, (int)in.len, NULL, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	free(in.s);
	if (doc != NULL) {
		html_text_walk(&b, (xmlNode *)doc);
		xmlFreeDoc(doc);
	}
	text = html_text_finish(&b);
	free(b.s);
	return text;
}
