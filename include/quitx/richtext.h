/*
 * richtext: Bluesky rich text.  Grapheme counts and UTF-8 checks for the
 * length limits, facets (mentions, links, tags) with UTF-8 byte offsets,
 * and splitting a long text into parts that each fit.  Pure functions:
 * no I/O, no logging (a mention's handle is resolved by the caller's
 * callback).
 *
 * Limits (lexicons app.bsky.feed.post and chat.bsky.convo.defs): a post
 * is at most 300 graphemes AND 3000 bytes, a chat message 1000 graphemes
 * AND 10000 bytes.
 *
 * Detection follows the official client (@atproto/api RichText
 * detectFacets), re-implemented over UTF-8 bytes:
 *   - mention: '@' at the start, after a space (JavaScript's \s) or after
 *     '(', then [A-Za-z0-9.-]+ cut back to a word boundary; the handle
 *     must be a syntactically valid handle (two labels or more, each
 *     1-63 of [A-Za-z0-9-] not starting or ending with '-', the last
 *     starting with a letter, 253 bytes at most) and must resolve: no
 *     facet otherwise.  The resolver gets the handle lowercased.
 *   - link: at the start, after a space or after '(': http:// or
 *     https:// (any case) and what follows up to a space, not starting
 *     with '/' (atproto's uri format wants a host, and 8192 bytes at
 *     most); or a bare domain (labels of [A-Za-z0-9], the first starting
 *     with a letter, no hyphens) whose last label is a known TLD (a
 *     built-in list: every country code and the common generic TLDs),
 *     and what follows up to a space; the uri of a bare domain gets
 *     "https://".  Trailing .,;:!? are stripped, and a closing ')' when
 *     the link has more ')' than '(', repeatedly.
 *   - tag: '#' or U+FF03 at the start or after a space, then a run of
 *     anything but spaces and zero-width characters (U+00AD, U+200A-D,
 *     U+2060, U+20E2), not starting with U+FE0F, holding at least one
 *     character that is neither an ASCII digit nor punctuation (\p{P});
 *     trailing punctuation stripped; at most 64 graphemes and 640 bytes.
 *     The tag value has no '#'.
 * Facets never overlap: links win over mentions, mentions over tags.
 */
#ifndef QUITX_RICHTEXT_H
#define QUITX_RICHTEXT_H

#include <stddef.h>

#include <jansson.h>

#define RICHTEXT_POST_GRAPHEMES	300
#define RICHTEXT_POST_BYTES	3000
#define RICHTEXT_CHAT_GRAPHEMES	1000
#define RICHTEXT_CHAT_BYTES	10000

/*
 * Extended grapheme clusters (UAX #29, libunistring's
 * u8_grapheme_breaks) in s[0..len).  Each byte of invalid UTF-8 counts
 * as one cluster of its own.
 */
size_t	richtext_graphemes(const char *s, size_t len);

/* 1 if s[0..len) is valid UTF-8 (shortest forms, no surrogates) with no NUL. */
int	richtext_utf8_valid(const char *s, size_t len);

/*
 * The DID of a handle (given without '@', lowercased), or NULL when it
 * does not resolve.  The string is copied before the next call; one not
 * starting with "did:" counts as no answer.
 */
typedef const char *(*richtext_resolve_fn)(const char *handle, void *arg);

/*
 * The facets of text (NUL-terminated): a new JSON array (the caller owns
 * the reference), possibly empty, of
 *	{"index":{"byteStart":S,"byteEnd":E},"features":[{"$type":...}]}
 * sorted by byteStart, not overlapping, each on UTF-8 character
 * boundaries.  Text that is not valid UTF-8 has no facets.  resolve is
 * called once per mention candidate that no link covers; NULL: no
 * mentions.
 */
json_t	*richtext_facets(const char *text, richtext_resolve_fn resolve,
	    void *arg);

/*
 * 1 when text has at most max_graphemes graphemes and max_bytes bytes,
 * else 0.  Sets *graphemes (when not NULL) to its grapheme count.
 */
int	richtext_fits(const char *text, size_t max_graphemes, size_t max_bytes,
	    size_t *graphemes);

/*
 * Split text into parts that each fit the limits (max_graphemes is
 * raised to 1 and max_bytes to 4 at least), for a long post thread or
 * chat message.  Text that fits is one part, unchanged.  Otherwise each
 * part is as long as it can be, then cut back to the last of these, the
 * first kind that leaves at least half the room used: a blank line, a
 * line break, a space, a CJK full stop, a boundary between CJK
 * characters; failing that the last space, CJK full stop or CJK
 * boundary anywhere; then the last grapheme boundary.  Never inside a
 * grapheme cluster, nor inside a mention, link or tag (resolved or not)
 * unless one alone is longer than a part; a cluster longer than
 * max_bytes alone is cut between code points.  The spaces at a break
 * (\t \n \v \f \r, U+0020 and the breaking Unicode spaces, not U+00A0,
 * U+2007, U+202F, U+FEFF) belong to no part; nothing else is lost or
 * changed: the parts, with the spaces at the breaks put back, are the
 * text.  Parts are never empty (but a whole text that fits may be "").
 *
 * Returns the number of parts (1 or more) and sets *parts to a malloc'd
 * array of that many malloc'd strings, then NULL; free each, then it.
 */
size_t	richtext_split(const char *text, size_t max_graphemes,
	    size_t max_bytes, char ***parts);

/*
 * 1 if s[0..len) (any case, no dot) is in the built-in TLD list that bare
 * domains are checked against; every entry is a real TLD, so other
 * link finders (Mastodon's) know it too.
 */
int	richtext_tld_known(const char *s, size_t len);

#endif
