/*
 * fuzz-richtext: any bytes as a text to post.  The input is
 *
 *	G B TEXT
 *
 * G and B (one byte each) give the limits for richtext_split: 1 + G
 * graphemes and 4 + 4 * B bytes; the text is the bytes after them up to
 * the first NUL (the API takes C strings).  The whole input is also
 * counted as bytes with NULs.  Every result must keep the promises
 * richtext.h makes, whatever the input:
 *   - grapheme counts between 1 and the length (0 for nothing);
 *   - facets only for valid UTF-8, in bounds, sorted, not overlapping,
 *     on character boundaries, their values the text they cover;
 *   - split parts that fit, are not empty (unless the one part of a text
 *     that fits) and give the text back with the spaces at the breaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistr.h>

#include "quitx/richtext.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_resolver {
	char	did[600];
};

/* Handles of even length resolve to did:plc:<handle>, odd ones do not. */
static const char *
fuzz_resolve(const char *handle, void *arg)
{
	struct fuzz_resolver	*r = arg;

	if (strlen(handle) % 2 != 0)
		return NULL;
	snprintf(r->did, sizeof(r->did), "did:plc:%s", handle);
	return r->did;
}

/* The length of the breaking space at s (the split's set), else 0. */
static size_t
fuzz_space(const char *s)
{
	static const char	*const spaces[] = {
		"\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82",
		"\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
		"\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x81\x9f", "\xe3\x80\x80",
	};
	size_t			 i;

	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	for (i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++)
		if (strncmp(s, spaces[i], 3) == 0)
			return 3;
	return 0;
}

static int
fuzz_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static size_t
fuzz_int(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		abort();
	return (size_t)json_integer_value(v);
}

static const char *
fuzz_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		abort();
	return s;
}

static void
fuzz_check_facets(const char *text, size_t len, int valid)
{
	struct fuzz_resolver	 r;
	json_t			*a, *f, *feats, *feat;
	const char		*type, *v;
	char			 did[600];
	size_t			 i, j, start, end, prev = 0, hl;

	a = richtext_facets(text, fuzz_resolve, &r);
	if (!json_is_array(a) || (!valid && json_array_size(a) != 0))
		abort();
	for (i = 0; i < json_array_size(a); i++) {
		f = json_array_get(a, i);
		start = fuzz_int(json_object_get(f, "index"), "byteStart");
		end = fuzz_int(json_object_get(f, "index"), "byteEnd");
		if (start >= end || end > len || start < prev)
			abort();
		if (fuzz_cont((unsigned char)text[start]) ||
		    (end < len && fuzz_cont((unsigned char)text[end])))
			abort();
		prev = end;
		feats = json_object_get(f, "features");
		if (json_array_size(feats) != 1)
			abort();
		feat = json_array_get(feats, 0);
		type = fuzz_str(feat, "$type");
		if (strcmp(type, "app.bsky.richtext.facet#link") == 0) {
			v = fuzz_str(feat, "uri");
			if (strncmp(v, "https://", 8) == 0 &&
			    strlen(v) == end - start + 8 &&
			    memcmp(v + 8, text + start, end - start) == 0)
				continue;	/* a bare domain */
			if (strlen(v) != end - start ||
			    memcmp(v, text + start, end - start) != 0 ||
			    strncasecmp(v, "http", 4) != 0)
				abort();
		} else if (strcmp(type, "app.bsky.richtext.facet#tag") == 0) {
			v = fuzz_str(feat, "tag");
			hl = text[start] == '#' ? 1 :
			    strncmp(text + start, "\xef\xbc\x83", 3) == 0 ? 3 : 0;
			if (hl == 0 || strlen(v) != end - start - hl ||
			    memcmp(v, text + start + hl, end - start - hl) != 0)
				abort();
		} else if (strcmp(type, "app.bsky.richtext.facet#mention") ==
		    0) {
			v = fuzz_str(feat, "did");
			if (text[start] != '@' || end - start - 1 > 253 ||
			    (end - start - 1) % 2 != 0)
				abort();
			memcpy(did, "did:plc:", 8);
			for (j = start + 1; j < end; j++)
				did[8 + j - start - 1] = (char)(text[j] >= 'A' &&
				    text[j] <= 'Z' ? text[j] - 'A' + 'a' : text[j]);
			did[8 + end - start - 1] = '\0';
			if (strcmp(v, did) != 0)
				abort();
		} else
			abort();
	}
	json_decref(a);
}

/*
 * Where part can follow in text after the positions in at[0..n): at a
 * position or past spaces after it (not before the first part).  The
 * positions right after it go to out; returns how many.
 */
static size_t
fuzz_follow(const char *text, const size_t *at, size_t n, const char *part,
    int first, size_t *out)
{
	size_t	i, j, k, q, no = 0, pl = strlen(part);

	for (i = 0; i < n; i++) {
		for (q = at[i];; q += k) {
			if (strncmp(text + q, part, pl) == 0) {
				for (j = 0; j < no && out[j] != q + pl; j++)
					;
				if (j == no)
					out[no++] = q + pl;
			}
			if (first || (k = fuzz_space(text + q)) == 0)
				break;
		}
	}
	return no;
}

static void
fuzz_check_split(const char *text, size_t len, size_t maxg, size_t maxb)
{
	char		**parts;
	size_t		 *at, *next, *tmp, n, na = 1, i, q, k;

	n = richtext_split(text, maxg, maxb, &parts);
	if (n == 0 || parts == NULL || parts[n] != NULL)
		abort();
	if (n == 1 && richtext_fits(text, maxg, maxb, NULL) &&
	    strcmp(parts[0], text) != 0)
		abort();
	at = calloc(len + 1, sizeof(*at));
	next = calloc(len + 1, sizeof(*next));
	if (at == NULL || next == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (!richtext_fits(parts[i], maxg, maxb, NULL))
			abort();
		if (n > 1 && parts[i][0] == '\0')
			abort();
		if ((na = fuzz_follow(text, at, na, parts[i], i == 0,
		    next)) == 0)
			abort();
		tmp = at;
		at = next;
		next = tmp;
		free(parts[i]);
	}
	free(parts);
	/* nothing but spaces after the last part */
	for (i = 0; i < na; i++) {
		for (q = at[i]; q < len; q += k)
			if ((k = fuzz_space(text + q)) == 0)
				break;
		if (q == len)
			break;
	}
	if (i == na)
		abort();
	free(at);
	free(next);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text;
	size_t	 g, len, maxg, maxb;
	int	 valid;

	g = richtext_graphemes((const char *)data, size);
	if (g > size || (size > 0 && g == 0))
		abort();
	if (size < 2)
		return 0;
	maxg = 1 + (size_t)data[0];
	maxb = 4 + 4 * (size_t)data[1];
	text = malloc(size - 1);
	if (text == NULL)
		abort();
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	len = strlen(text);

	valid = richtext_utf8_valid(text, len);
	if (valid != (u8_check((const uint8_t *)text, len) == NULL))
		abort();
	if (richtext_utf8_valid((const char *)data + 2, size - 2) !=
	    (u8_check(data + 2, size - 2) == NULL &&
	    memchr(data + 2, '\0', size - 2) == NULL))
		abort();
	if (richtext_graphemes(text, len) > len)
		abort();

	fuzz_check_facets(text, len, valid);
	fuzz_check_split(text, len, maxg, maxb);
	fuzz_check_split(text, len, RICHTEXT_POST_GRAPHEMES,
	    RICHTEXT_POST_BYTES);
	free(text);
	return 0;
}
