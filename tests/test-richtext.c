/*
 * test-richtext: Bluesky rich text and record keys.  Grapheme counts
 * and byte lengths on the scripts and emoji members write, facets as the
 * official client finds them (many cases are its own test cases, from
 * @atproto/api tests/rich-text-detection.test.ts), splitting long texts
 * at the post and chat limits, and TIDs.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/richtext.h"
#include "quitx/tid.h"
#include "quitx/xmalloc.h"

#define FAMILY	"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d" \
		"\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6"	/* 25 bytes */
#define FAMILY2	"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d" \
		"\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa7"	/* 25 bytes */
#define THUMB	"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"	/* U+1F44D U+1F3FD */
#define FR	"\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"	/* regional F R */
#define DE	"\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"	/* regional D E */
#define RI_I	"\xf0\x9f\x87\xae"			/* regional I */
#define COMB	"\xcc\x81"				/* U+0301 */
#define JP	"\xe6\x97\xa5"				/* U+65E5 */

/* A handle resolver that knows a few, and counts what it is asked. */
struct resolver {
	int	calls;
	char	last[256];
};

static const char *
fake_resolve(const char *handle, void *arg)
{
	static const struct {
		const char	*handle, *did;
	} known[] = {
		{ "alice.bsky.social", "did:plc:alice" },
		{ "handle.com", "did:plc:handle" },
		{ "full123-chars.test", "did:plc:full" },
		{ "bob.example.com", "did:web:bob.example.com" },
		{ "broken.example.com", "not-a-did" },
	};
	struct resolver	*r = arg;
	size_t		 i;

	r->calls++;
	snprintf(r->last, sizeof(r->last), "%s", handle);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].handle, handle) == 0)
			return known[i].did;
	return NULL;
}

static json_t *
facets(const char *text)
{
	struct resolver	r = { 0, "" };
	json_t		*a;

	a = richtext_facets(text, fake_resolve, &r);
	assert_non_null(a);
	assert_true(json_is_array(a));
	return a;
}

/* Facet i of a: bytes [start, end), a single feature of kind with value. */
static void
assert_facet(json_t *a, size_t i, size_t start, size_t end, const char *kind,
    const char *value)
{
	json_t		*f, *idx, *feats, *feat;
	char		 type[64];
	const char	*key;

	f = json_array_get(a, i);
	assert_non_null(f);
	idx = json_object_get(f, "index");
	assert_int_equal(json_integer_value(json_object_get(idx, "byteStart")),
	    start);
	assert_int_equal(json_integer_value(json_object_get(idx, "byteEnd")),
	    end);
	feats = json_object_get(f, "features");
	assert_int_equal(json_array_size(feats), 1);
	feat = json_array_get(feats, 0);
	snprintf(type, sizeof(type), "app.bsky.richtext.facet#%s", kind);
	assert_string_equal(json_string_value(json_object_get(feat, "$type")),
	    type);
	key = strcmp(kind, "link") == 0 ? "uri" :
	    strcmp(kind, "mention") == 0 ? "did" : "tag";
	assert_string_equal(json_string_value(json_object_get(feat, key)),
	    value);
}

/* text has exactly one facet, of that kind and value, at [start, end). */
static void
assert_one(const char *text, size_t start, size_t end, const char *kind,
    const char *value)
{
	json_t	*a = facets(text);

	if (json_array_size(a) != 1)
		fail_msg("\"%s\": %zu facets", text, json_array_size(a));
	assert_facet(a, 0, start, end, kind, value);
	json_decref(a);
}

static void
assert_none(const char *text)
{
	json_t	*a = facets(text);

	if (json_array_size(a) != 0)
		fail_msg("\"%s\": %zu facets", text, json_array_size(a));
	json_decref(a);
}

/* a string of n copies of unit */
static char *
repeat(const char *unit, size_t n)
{
	size_t	 ul = strlen(unit), i;
	char	*s = xmalloc(ul * n + 1);

	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

static void
test_graphemes(void **state)
{
	static const struct {
		const char	*s;
		size_t		 graphemes, bytes;
	} cases[] = {
		{ "", 0, 0 },
		{ "abc", 3, 3 },
		{ "\xc3\xa9", 1, 2 },			/* é precomposed */
		{ "e" COMB, 1, 3 },			/* é combining */
		{ "cafe" COMB " caf\xc3\xa9", 9, 12 },
		{ "a" COMB COMB COMB, 1, 7 },		/* stacked marks */
		{ THUMB, 1, 8 },			/* 👍🏽 */
		{ FAMILY, 1, 25 },			/* 👩‍👩‍👧‍👦 */
		{ FAMILY2 " " FAMILY, 3, 51 },
		{ FR, 1, 8 },				/* 🇫🇷 */
		{ FR DE, 2, 16 },			/* 🇫🇷🇩🇪 */
		{ FR DE RI_I, 3, 20 },			/* odd one alone */
		{ "#\xef\xb8\x8f\xe2\x83\xa3", 1, 7 },	/* keycap #️⃣ */
		{ "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
		    1, 14 },				/* 🏳️‍🌈 */
		{ JP "\xe6\x9c\xac\xe8\xaa\x9e", 3, 9 },	/* 日本語 */
		{ "\xed\x95\x9c\xea\xb5\xad", 2, 6 },	/* 한국 */
		{ "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 1, 9 }, /* 각 as jamo */
		/* مرحبا (Arabic, right to left) */
		{ "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", 5, 10 },
		/* بِسْمِ: letters with harakat, marks join their letter */
		{ "\xd8\xa8\xd9\x90\xd8\xb3\xd9\x92\xd9\x85\xd9\x90", 3, 12 },
		/* שלום (Hebrew) */
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 4, 8 },
		{ "\r\n", 1, 2 },
		{ "a\r\nb", 3, 4 },
	};
	size_t	i, g;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(strlen(cases[i].s), cases[i].bytes);
		g = richtext_graphemes(cases[i].s, strlen(cases[i].s));
		if (g != cases[i].graphemes)
			fail_msg("case %zu: %zu graphemes, want %zu", i, g,
			    cases[i].graphemes);
		assert_true(richtext_utf8_valid(cases[i].s,
		    strlen(cases[i].s)));
	}
	/* a length, not the NUL, ends the string */
	assert_int_equal(richtext_graphemes("ab\0cd", 5), 5);
	assert_int_equal(richtext_graphemes("abcd", 2), 2);
	assert_int_equal(richtext_graphemes(NULL, 0), 0);
}

static void
test_graphemes_invalid(void **state)
{
	(void)state;
	/* each bad byte is one */
	assert_int_equal(richtext_graphemes("\xff\xfe", 2), 2);
	assert_int_equal(richtext_graphemes("a\xc3", 2), 2);
	assert_int_equal(richtext_graphemes("\xe2\x82", 2), 2);
	assert_int_equal(richtext_graphemes("\xc3\xa9\x80", 3), 2);
	assert_int_equal(richtext_graphemes("\xc0\x80", 2), 2);	/* overlong */
	assert_int_equal(richtext_graphemes("\xed\xa0\x80", 3), 3); /* surrogate */
	/* a mark after a bad byte starts a cluster of its own */
	assert_int_equal(richtext_graphemes("\xff" COMB "x", 4), 3);
	assert_int_equal(richtext_graphemes(FAMILY "\xff" FAMILY, 51), 3);

	assert_true(richtext_utf8_valid("", 0));
	assert_true(richtext_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_false(richtext_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(richtext_utf8_valid("\xc0\x80", 2));
	assert_false(richtext_utf8_valid("\xed\xa0\x80", 3));
	assert_false(richtext_utf8_valid("\xe2\x82", 2));
	assert_false(richtext_utf8_valid("a\0b", 3));
	assert_false(richtext_utf8_valid("\x80", 1));
}

static void
test_fits(void **state)
{
	char	*s;
	size_t	 g;

	(void)state;
	s = repeat("a", 300);
	assert_true(richtext_fits(s, RICHTEXT_POST_GRAPHEMES,
	    RICHTEXT_POST_BYTES, &g));
	assert_int_equal(g, 300);
	free(s);
	s = repeat("a", 301);
	assert_false(richtext_fits(s, RICHTEXT_POST_GRAPHEMES,
	    RICHTEXT_POST_BYTES, &g));
	assert_int_equal(g, 301);
	free(s);

	/* 300 thumbs with a skin tone: 300 graphemes, 2400 bytes */
	s = repeat(THUMB, 300);
	assert_true(richtext_fits(s, 300, 3000, &g));
	assert_int_equal(g, 300);
	free(s);
	/* 200 families: 200 graphemes, but 5000 bytes */
	s = repeat(FAMILY, 200);
	assert_false(richtext_fits(s, 300, 3000, &g));
	assert_int_equal(g, 200);
	assert_true(richtext_fits(s, RICHTEXT_CHAT_GRAPHEMES,
	    RICHTEXT_CHAT_BYTES, NULL));
	free(s);
	/* 120 families: exactly 3000 bytes */
	s = repeat(FAMILY, 120);
	assert_true(richtext_fits(s, 300, 3000, &g));
	assert_int_equal(g, 120);
	free(s);
	/* CJK: 1000 characters are 3000 bytes, too many graphemes for a post */
	s = repeat(JP, 1000);
	assert_false(richtext_fits(s, 300, 3000, &g));
	assert_int_equal(g, 1000);
	assert_true(richtext_fits(s, 1000, 10000, NULL));
	free(s);
	s = repeat(JP, 1001);
	assert_false(richtext_fits(s, 1001, 3000, NULL));
	free(s);
	assert_true(richtext_fits("", 0, 0, &g));
	assert_int_equal(g, 0);
}

static void
test_mentions(void **state)
{
	struct resolver	 r = { 0, "" };
	json_t		*a;
	char		*dump;

	(void)state;
	assert_one("@alice.bsky.social hello", 0, 18, "mention",
	    "did:plc:alice");
	assert_one("hello @alice.bsky.social", 6, 24, "mention",
	    "did:plc:alice");
	assert_one("hello (@alice.bsky.social)", 7, 25, "mention",
	    "did:plc:alice");
	assert_one("@handle.com!@#$chars", 0, 11, "mention", "did:plc:handle");
	assert_one("end of a sentence, @handle.com.", 19, 30, "mention",
	    "did:plc:handle");
	assert_one("@full123-chars.test", 0, 19, "mention", "did:plc:full");
	assert_one("line\n@handle.com", 5, 16, "mention", "did:plc:handle");
	/* after a family emoji (25 bytes): byte offsets, not characters */
	assert_one(FAMILY2 " @handle.com " FAMILY2, 26, 37, "mention",
	    "did:plc:handle");
	/* after Arabic and Hebrew (right to left; offsets are logical) */
	assert_one("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 @alice.bsky.social",
	    11, 29, "mention", "did:plc:alice");
	assert_one("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d @alice.bsky.social!", 9, 27,
	    "mention", "did:plc:alice");
	/* after an ideographic space (U+3000, a space for JavaScript) */
	assert_one(JP "\xe3\x80\x80@handle.com", 6, 17, "mention",
	    "did:plc:handle");
	/* handles are looked up lowercased */
	assert_one("Hi @Alice.Bsky.Social", 3, 21, "mention", "did:plc:alice");

	a = facets("@handle.com @handle.com\n@alice.bsky.social");
	assert_int_equal(json_array_size(a), 3);
	assert_facet(a, 0, 0, 11, "mention", "did:plc:handle");
	assert_facet(a, 1, 12, 23, "mention", "did:plc:handle");
	assert_facet(a, 2, 24, 42, "mention", "did:plc:alice");
	json_decref(a);

	a = facets("@alice.bsky.social");
	dump = json_dumps(a, JSON_COMPACT);
	assert_string_equal(dump, "[{\"index\":{\"byteStart\":0,\"byteEnd\":18},"
	    "\"features\":[{\"$type\":\"app.bsky.richtext.facet#mention\","
	    "\"did\":\"did:plc:alice\"}]}]");
	free(dump);
	json_decref(a);

	/* not mentions */
	assert_none("not@right");
	assert_none("mail me@handle.com");
	assert_none("@alice");			/* one label */
	assert_none("@foo.123");		/* TLD starts with a digit */
	assert_none("@-bad.com");
	assert_none("@bad-.com");
	assert_none("@a..com");
	/* a lone '@' is no mention, but the domain after it is a link */
	assert_one("@ handle.com", 2, 12, "link", "https://handle.com");
	assert_none("x@handle.com");
	assert_none("\xc2\xa0" "x@handle.com");

	/* a handle that does not resolve: asked, but no facet */
	a = richtext_facets("hi @nobody.bsky.social and @alice.bsky.social",
	    fake_resolve, &r);
	assert_int_equal(r.calls, 2);
	assert_int_equal(json_array_size(a), 1);
	assert_facet(a, 0, 27, 45, "mention", "did:plc:alice");
	json_decref(a);
	r.calls = 0;
	a = richtext_facets("cc @Nobody.Example.COM.", fake_resolve, &r);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.last, "nobody.example.com");
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/* a resolver answer that is no DID makes no facet */
	r.calls = 0;
	a = richtext_facets("@broken.example.com", fake_resolve, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/* not asked for what is no handle */
	r.calls = 0;
	a = richtext_facets("@alice @foo.1 a@b.com", fake_resolve, &r);
	assert_int_equal(r.calls, 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/* no resolver: no mentions, other facets still */
	a = richtext_facets("@alice.bsky.social #tag", NULL, NULL);
	assert_int_equal(json_array_size(a), 1);
	assert_facet(a, 0, 19, 23, "tag", "tag");
	json_decref(a);
}

static void
test_links(void **state)
{
	json_t	*a;
	char	*s, *t;

	(void)state;
	assert_one("start https://middle.com end", 6, 24, "link",
	    "https://middle.com");
	assert_one("start https://middle.com/foo/bar?baz=bux#hash end", 6, 45,
	    "link", "https://middle.com/foo/bar?baz=bux#hash");
	assert_one("http://start.com/foo middle end", 0, 20, "link",
	    "http://start.com/foo");
	assert_one("start middle.com/foo/bar end", 6, 24, "link",
	    "https://middle.com/foo/bar");
	assert_one("a example.com/index.php php link", 2, 23, "link",
	    "https://example.com/index.php");
	assert_one("a trailing bsky.app: colon", 11, 19, "link",
	    "https://bsky.app");
	assert_one("parenthentical (https://foo.com)", 16, 31, "link",
	    "https://foo.com");
	assert_one("except for https://foo.com/thing_(cool)", 11, 39, "link",
	    "https://foo.com/thing_(cool)");
	assert_one("(see https://en.wikipedia.org/wiki/Foo_(bar)).", 5, 44,
	    "link", "https://en.wikipedia.org/wiki/Foo_(bar)");
	assert_one("wait... https://x.com/a...", 8, 23, "link",
	    "https://x.com/a");
	assert_one("Classic article https://socket3.wordpress.com/2018/02/03/"
	    "designing-windows-95s-user-interface/ ", 16, 94, "link",
	    "https://socket3.wordpress.com/2018/02/03/"
	    "designing-windows-95s-user-interface/");
	/* the TLD in any case, a scheme in any case */
	assert_one("see Example.COM", 4, 15, "link", "https://Example.COM");
	assert_one("Https://x.org", 0, 13, "link", "Https://x.org");
	/* non-ASCII in the path: bytes */
	assert_one("voir https://fr.wikipedia.org/wiki/\xc3\x89" "cologie ok", 5,
	    44, "link", "https://fr.wikipedia.org/wiki/\xc3\x89" "cologie");
	assert_one(JP "\xe6\x9c\xac\xe8\xaa\x9e https://example.jp/"
	    "\xe3\x83\x91\xe3\x82\xb9 \xe7\xb5\x82", 10, 35, "link",
	    "https://example.jp/\xe3\x83\x91\xe3\x82\xb9");

	a = facets("punctuation https://foo.com, https://bar.com/whatever; "
	    "https://baz.com.");
	assert_int_equal(json_array_size(a), 3);
	assert_facet(a, 0, 12, 27, "link", "https://foo.com");
	assert_facet(a, 1, 29, 53, "link", "https://bar.com/whatever");
	assert_facet(a, 2, 55, 70, "link", "https://baz.com");
	json_decref(a);
	a = facets("newline1.com\nnewline2.com");
	assert_int_equal(json_array_size(a), 2);
	assert_facet(a, 0, 0, 12, "link", "https://newline1.com");
	assert_facet(a, 1, 13, 25, "link", "https://newline2.com");
	json_decref(a);

	assert_none("not.. a..url ..here");
	assert_none("e.g.");
	assert_none("something-cool.jpg");
	assert_none("website.com.jpg");
	assert_none("e.g./foo");
	assert_none("website.com.jpg/foo");
	assert_none("archive.zip");
	assert_none("https://");
	assert_none("https:// x");
	assert_none("https://...");
	assert_none("https:///path");	/* no host: the PDS would refuse it */
	/* nor a uri over 8192 bytes */
	t = repeat("p", 8192 - 14);
	s = xasprintf("https://x.com/%s", t);
	assert_one(s, 0, 8192, "link", s);
	free(s);
	s = xasprintf("https://x.com/%s/", t);
	assert_none(s);
	free(s);
	free(t);
	assert_none("xhttps://foo.com");
	assert_none("1.5 or 3.14");
}

static void
test_tags(void **state)
{
	json_t	*a;
	char	*s, *t;

	(void)state;
	assert_one("#a", 0, 2, "tag", "a");
	assert_one("#1a", 0, 3, "tag", "1a");
	assert_one("body #tag body", 5, 9, "tag", "tag");
	assert_one("body #a1", 5, 8, "tag", "a1");
	assert_one("its a #double#rainbow", 6, 21, "tag", "double#rainbow");
	assert_one("##hashash", 0, 9, "tag", "#hashash");
	assert_one("some #n0n3s@n5e!", 5, 15, "tag", "n0n3s@n5e");
	assert_one("works #with,punctuation", 6, 23, "tag", "with,punctuation");
	assert_one("strips #multi_trailing___...", 7, 22, "tag",
	    "multi_trailing");
	assert_one("this ##\xef\xb8\x8f\xe2\x83\xa3tag should be a tag", 5, 16,
	    "tag", "#\xef\xb8\x8f\xe2\x83\xa3tag");
	assert_one("this #t\nag should be a tag", 5, 7, "tag", "t");
	assert_one("match (a\xe2\x80\x8b" "b): #ab", 15, 18, "tag", "ab");
	assert_one("#ab\xe2\x80\x8b" "c", 0, 3, "tag", "ab");
	assert_one("no match: #a\xe2\x83\xa2" "b", 10, 12, "tag", "a");
	assert_one("full width number sign: \xef\xbc\x83tag", 24, 30, "tag",
	    "tag");
	/* accents, precomposed and combining */
	assert_one("#\xc3\xa9" "cologie!", 0, 10, "tag", "\xc3\xa9" "cologie");
	assert_one("vive #e" COMB "cologie.", 5, 16, "tag",
	    "e" COMB "cologie");
	assert_none("l'#\xc3\xa9" "cologie");
	/* right to left: #سلام after مرحبا, #שלום */
	assert_one("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 #\xd8\xb3\xd9\x84"
	    "\xd8\xa7\xd9\x85", 11, 20, "tag", "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85");
	assert_one("#\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 0, 9, "tag",
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");

	a = facets("strips trailing #punctuation, #like. #this!");
	assert_int_equal(json_array_size(a), 3);
	assert_facet(a, 0, 16, 28, "tag", "punctuation");
	assert_facet(a, 1, 30, 35, "tag", "like");
	assert_facet(a, 2, 37, 42, "tag", "this");
	json_decref(a);
	a = facets("works with #\xf0\x9f\xa6\x8b emoji, and #butter"
	    "\xf0\x9f\xa6\x8b" "fly");
	assert_int_equal(json_array_size(a), 2);
	assert_facet(a, 0, 11, 16, "tag", "\xf0\x9f\xa6\x8b");
	assert_facet(a, 1, 28, 42, "tag", "butter\xf0\x9f\xa6\x8b" "fly");
	json_decref(a);

	assert_none("#1");
	assert_none("body #1");
	assert_none("#");
	assert_none("#?");
	assert_none("text #");
	assert_none("text # text");
	assert_none("##");
	assert_none("no match 1?: #1?");
	assert_none("this #\xef\xb8\x8f\xe2\x83\xa3tag should not be a tag");
	assert_none("no match: #\xe2\x83\xa2tag");
	assert_none("not#inside");
	assert_none("#12345 #2024!");

	/* 64 graphemes is the most */
	t = repeat("a", 64);
	s = xasprintf("body #%s!", t);
	assert_one(s, 5, 70, "tag", t);
	free(s);
	free(t);
	t = repeat("a", 65);
	s = xasprintf("body #%s", t);
	assert_none(s);
	free(s);
	free(t);
	/* 64 thumbs with a skin tone are 64 graphemes, 512 bytes: fine */
	t = repeat(THUMB, 64);
	s = xasprintf("#%s", t);
	assert_one(s, 0, 513, "tag", t);
	free(s);
	free(t);
	t = repeat(THUMB, 65);
	s = xasprintf("#%s", t);
	assert_none(s);
	free(s);
	free(t);
	/* 64 graphemes of 11 bytes (5 marks each) are over 640 bytes */
	t = repeat("e" COMB COMB COMB COMB COMB, 64);
	s = xasprintf("#%s", t);
	assert_none(s);
	free(s);
	free(t);
	t = repeat("e" COMB COMB COMB COMB COMB, 58);
	s = xasprintf("#%s", t);
	assert_one(s, 0, 639, "tag", t);
	free(s);
	free(t);
	/* a zero-width joiner ends a tag, as in the official client */
	assert_one("#" FAMILY, 0, 5, "tag", "\xf0\x9f\x91\xa9");
	t = repeat("\xc3\xa9", 64);
	s = xasprintf("#%s", t);
	assert_one(s, 0, 129, "tag", t);
	free(s);
	free(t);
}

static void
test_overlap(void **state)
{
	struct resolver	 r = { 0, "" };
	json_t		*a;

	(void)state;
	/* a mention inside a link: the link, and the handle not looked up */
	a = richtext_facets("https://a.com/(@alice.bsky.social", fake_resolve,
	    &r);
	assert_int_equal(r.calls, 0);
	assert_int_equal(json_array_size(a), 1);
	assert_facet(a, 0, 0, 33, "link", "https://a.com/(@alice.bsky.social");
	json_decref(a);
	/* a link inside a tag: the link */
	assert_one("#tag(example.com", 5, 16, "link", "https://example.com");
	/* a mention inside a tag: the mention */
	assert_one("#x(@alice.bsky.social", 3, 21, "mention", "did:plc:alice");
	/* ... unless it does not resolve: then the tag */
	assert_one("#x(@nobody.bsky.social", 0, 22, "tag",
	    "x(@nobody.bsky.social");

	/* all three, sorted by position whatever the kind */
	a = facets("#first see https://x.com/p?q=1, ask @alice.bsky.social "
	    "(or bob.example.com) #last");
	assert_int_equal(json_array_size(a), 5);
	assert_facet(a, 0, 0, 6, "tag", "first");
	assert_facet(a, 1, 11, 30, "link", "https://x.com/p?q=1");
	assert_facet(a, 2, 36, 54, "mention", "did:plc:alice");
	assert_facet(a, 3, 59, 74, "link", "https://bob.example.com");
	assert_facet(a, 4, 76, 81, "tag", "last");
	json_decref(a);
	/* the same handle as a mention and, without '@', as a link */
	a = facets("@bob.example.com bob.example.com");
	assert_int_equal(json_array_size(a), 2);
	assert_facet(a, 0, 0, 16, "mention", "did:web:bob.example.com");
	assert_facet(a, 1, 17, 32, "link", "https://bob.example.com");
	json_decref(a);
}

static void
test_facets_invalid(void **state)
{
	json_t	*a;

	(void)state;
	/* not valid UTF-8: no facets at all */
	a = richtext_facets("https://x.com \xff #tag", fake_resolve, NULL);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = richtext_facets(NULL, NULL, NULL);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_none("");
	assert_none("plain text, nothing to see.");
}

/* Is the break-droppable space c (the split's set)? */
static size_t
space_len(const char *s)
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

/*
 * The parts of text each fit, are not empty, start and end on grapheme
 * boundaries (when whole is set) and give the text back with the spaces
 * at the breaks.
 */
static void
check_split(const char *text, char **parts, size_t n, size_t maxg,
    size_t maxb, int whole)
{
	const char	*p = text;
	size_t		 i, k, len, off, total;

	assert_true(n >= 1);
	assert_null(parts[n]);
	total = richtext_graphemes(text, strlen(text));
	for (i = 0; i < n; i++) {
		assert_true(richtext_fits(parts[i], maxg, maxb, NULL));
		if (n > 1)
			assert_true(parts[i][0] != '\0');
		len = strlen(parts[i]);
		while (strncmp(p, parts[i], len) != 0) {
			k = i > 0 ? space_len(p) : 0;
			if (k == 0)
				fail_msg("part %zu does not follow at byte %zu",
				    i, (size_t)(p - text));
			p += k;
		}
		off = (size_t)(p - text);
		if (whole && off > 0)
			assert_int_equal(richtext_graphemes(text, off) +
			    richtext_graphemes(p, strlen(p)), total);
		p += len;
	}
	while (*p != '\0') {
		if ((k = space_len(p)) == 0)
			fail_msg("text left after the parts at byte %zu",
			    (size_t)(p - text));
		p += k;
	}
}

static void
free_parts(char **parts, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}

static void
test_split_fits(void **state)
{
	char	**parts;
	size_t	  n;

	(void)state;
	n = richtext_split("  short, with spaces  \n", 300, 3000, &parts);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0], "  short, with spaces  \n");
	assert_null(parts[1]);
	free_parts(parts, n);
	n = richtext_split("", 300, 3000, &parts);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0], "");
	free_parts(parts, n);
	n = richtext_split(NULL, 300, 3000, &parts);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0], "");
	free_parts(parts, n);
}

static void
test_split_paragraphs(void **state)
{
	char	*a, *b, *c, *text, **parts;
	size_t	 n;

	(void)state;
	a = repeat("word ", 30);	/* 150 */
	a[149] = '.';
	b = repeat("more ", 12);	/* 60 */
	b[59] = '.';
	c = repeat("tail ", 40);	/* 200 */
	c[199] = '.';
	/* a blank line past half the room wins over a later space */
	text = xasprintf("%s\n%s\n\n%s", a, b, c);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 211);
	assert_memory_equal(parts[0] + 151, b, 60);
	assert_string_equal(parts[1], c);
	free_parts(parts, n);
	free(text);
	/* then a line break past half the room */
	text = xasprintf("%s\n%s %s", a, b, c);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], a);
	free_parts(parts, n);
	free(text);
	/* a blank line too early: the last space instead */
	text = xasprintf("intro\n\n%s%s", c, c);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 7 + 290 - 1);
	assert_memory_equal(parts[0], "intro\n\ntail tail", 16);
	free_parts(parts, n);
	free(text);
	/* CRLF is one line break, not a blank line: the later break wins */
	text = xasprintf("%s\r\n%s\n%s", a, b, c);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 212);
	assert_string_equal(parts[1], c);
	free_parts(parts, n);
	free(text);
	/* CRLF and runs of spaces at a break are dropped whole */
	text = xasprintf("%s \r\n\r\n \t%s", c, c);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], c);
	assert_string_equal(parts[1], c);
	free_parts(parts, n);
	free(text);
	free(a);
	free(b);
	free(c);
}

static void
test_split_emoji_edge(void **state)
{
	char	*x, *text, **parts;
	size_t	 n, g;

	(void)state;
	/* the 300th grapheme is an emoji of 8 bytes: it stays whole */
	x = repeat("x", 299);
	text = xasprintf("%s" THUMB THUMB "yyy", x);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 299 + 8);
	assert_true(richtext_fits(parts[0], 300, 3000, &g));
	assert_int_equal(g, 300);
	assert_string_equal(parts[1], THUMB "yyy");
	free_parts(parts, n);
	free(text);
	/* a family of 25 bytes at the edge */
	text = xasprintf("%s" FAMILY FAMILY, x);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], FAMILY);
	free_parts(parts, n);
	free(text);
	/* flags pair from the start of their run, whatever the cut */
	text = xasprintf("%s" FR DE RI_I, x);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], DE RI_I);
	free_parts(parts, n);
	free(text);
	free(x);
	/* the byte limit at the middle of an emoji: it goes to the next part */
	x = repeat("a", 2996);
	text = xasprintf("%s" THUMB "bbb", x);
	n = richtext_split(text, 300000, 3000, &parts);
	check_split(text, parts, n, 300000, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], x);
	assert_string_equal(parts[1], THUMB "bbb");
	free_parts(parts, n);
	free(text);
	free(x);
	/* combining accents stay on their letter */
	x = repeat("e" COMB, 400);
	n = richtext_split(x, 300, 3000, &parts);
	check_split(x, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 900);
	free_parts(parts, n);
	free(x);
}

static void
test_split_bytes_first(void **state)
{
	char	*text, **parts, *w;
	size_t	 n, i, g;

	(void)state;
	/* families and spaces: 3000 bytes come long before 300 graphemes */
	text = repeat(FAMILY " ", 200);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	/* 115 families and their spaces are 2989 bytes */
	assert_int_equal(strlen(parts[0]), 115 * 26 - 1);
	for (i = 0; i < n; i++) {
		assert_true(richtext_fits(parts[i], 300, 3000, &g));
		assert_true(g < 300);
		assert_memory_equal(parts[i], FAMILY, 25);
	}
	free_parts(parts, n);
	free(text);
	/* CJK with full stops, no spaces: after a full stop */
	w = repeat(JP, 59);
	text = xasprintf("%s\xe3\x80\x82%s\xe3\x80\x82%s\xe3\x80\x82%s"
	    "\xe3\x80\x82%s\xe3\x80\x82%s\xe3\x80\x82", w, w, w, w, w, w);
	/* 1200 graphemes allowed: the bytes decide (3000 = 1000 chars) */
	n = richtext_split(text, 1200, 3000, &parts);
	assert_int_equal(n, 1);
	free_parts(parts, n);
	n = richtext_split(text, 1200, 600, &parts);
	check_split(text, parts, n, 1200, 600, 1);
	assert_int_equal(n, 2);
	/* three sentences of 60 characters are 540 bytes */
	assert_int_equal(strlen(parts[0]), 540);
	assert_string_equal(parts[0] + 537, "\xe3\x80\x82");
	free_parts(parts, n);
	/* the post limits: the graphemes decide, still after a full stop */
	free(text);
	free(w);
	w = repeat(JP, 99);
	text = xasprintf("%s\xe3\x80\x82%s\xe3\x80\x82%s\xe3\x80\x82%s"
	    "\xe3\x80\x82", w, w, w, w);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(richtext_graphemes(parts[0], strlen(parts[0])), 300);
	free_parts(parts, n);
	free(text);
	free(w);
	/* ideographic spaces are spaces to break at, and dropped there */
	w = repeat(JP, 50);
	text = xasprintf("%s\xe3\x80\x80%s\xe3\x80\x80%s\xe3\x80\x80%s"
	    "\xe3\x80\x80%s\xe3\x80\x80%s\xe3\x80\x80%s", w, w, w, w, w, w, w);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(richtext_graphemes(parts[0], strlen(parts[0])), 254);
	assert_memory_equal(parts[1], JP, 3);
	assert_int_equal(strlen(parts[1]), 2 * 150 + 3);
	free_parts(parts, n);
	free(text);
	free(w);
	/* CJK without any stop: between characters, all the room used */
	text = repeat(JP, 2500);
	n = richtext_split(text, 1000, 10000, &parts);
	check_split(text, parts, n, 1000, 10000, 1);
	assert_int_equal(n, 3);
	assert_int_equal(strlen(parts[0]), 3000);
	assert_int_equal(strlen(parts[2]), 1500);
	free_parts(parts, n);
	free(text);
}

static void
test_split_tokens(void **state)
{
	char	*words, *text, *url, *path, **parts;
	size_t	 n;

	(void)state;
	words = repeat("word ", 56);	/* 280 */
	/* a link across the limit moves whole to the next part */
	text = xasprintf("%shttps://example.com/a/long/path/to/read", words);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], "https://example.com/a/long/path/to/read");
	free_parts(parts, n);
	free(text);
	/* a mention and a tag too */
	text = xasprintf("%sand @alice.bsky.social", words);
	n = richtext_split(text, 290, 3000, &parts);
	check_split(text, parts, n, 290, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], "@alice.bsky.social");
	free_parts(parts, n);
	free(text);
	text = xasprintf("%s#writing_a_longish_tag", words);
	n = richtext_split(text, 290, 3000, &parts);
	check_split(text, parts, n, 290, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], "#writing_a_longish_tag");
	free_parts(parts, n);
	free(text);
	/* a link longer than a part: cut inside it, at the limit */
	path = repeat("p", 500);
	text = xasprintf("https://x.com/%s", path);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 300);
	free_parts(parts, n);
	free(text);
	free(path);
	/* no space at all: a hard break, but before the link, not in it */
	path = repeat("a", 280);
	text = xasprintf("%s(https://example.com/abcdefgh)", path);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 281);
	assert_string_equal(parts[1], "https://example.com/abcdefgh)");
	free_parts(parts, n);
	free(text);
	text = xasprintf("%s(@alice.bsky.social)", path);
	n = richtext_split(text, 290, 3000, &parts);
	check_split(text, parts, n, 290, 3000, 1);
	assert_int_equal(n, 2);
	assert_string_equal(parts[1], "@alice.bsky.social)");
	free_parts(parts, n);
	free(text);
	free(path);
	path = repeat("p", 500);
	/* the link is broken only when it alone is too long */
	url = xasprintf("https://x.com/%s", path);
	text = xasprintf("see %s", url);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 3);
	assert_string_equal(parts[0], "see");
	assert_int_equal(strlen(parts[1]), 300);
	free_parts(parts, n);
	free(text);
	free(url);
	free(path);
	free(words);
}

static void
test_split_rtl(void **state)
{
	char	*text, **parts;
	size_t	 n, i;

	(void)state;
	/* مرحبا بالعالم (Arabic) and שלום עולם (Hebrew), many times */
	text = repeat("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd8\xa7"
	    "\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85 \xd7\xa9\xd7\x9c\xd7\x95"
	    "\xd7\x9d \xd7\xa2\xd7\x95\xd7\x9c\xd7\x9d ", 40);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		/* each part starts with a word and ends with one */
		assert_true(parts[i][0] != ' ');
		/* but the text's own final space is kept */
		assert_true((parts[i][strlen(parts[i]) - 1] == ' ') ==
		    (i == n - 1));
	}
	free_parts(parts, n);
	free(text);
}

static void
test_split_odd(void **state)
{
	char	*text, **parts, *x;
	size_t	 n;

	(void)state;
	/* one cluster longer than the byte limit: cut between characters */
	x = repeat(COMB, 2000);
	text = xasprintf("e%s", x);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 0);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 2999);
	free_parts(parts, n);
	free(text);
	free(x);
	/* invalid bytes: one grapheme each, nothing lost */
	x = repeat("\xff\xfe \xc3", 200);
	n = richtext_split(x, 100, 3000, &parts);
	check_split(x, parts, n, 100, 3000, 1);
	assert_true(n >= 8);
	free_parts(parts, n);
	free(x);
	/* tiny limits are raised to one grapheme and 4 bytes */
	n = richtext_split("ab" THUMB, 0, 0, &parts);
	check_split("ab" THUMB, parts, n, 1, 4, 0);
	assert_int_equal(n, 4);
	assert_string_equal(parts[2], "\xf0\x9f\x91\x8d");
	free_parts(parts, n);
	/* nothing but spaces, too long: space parts, nothing lost */
	x = repeat(" ", 700);
	n = richtext_split(x, 300, 3000, &parts);
	check_split(x, parts, n, 300, 3000, 1);
	assert_int_equal(n, 3);
	free_parts(parts, n);
	free(x);
	/* spaces between the parts are dropped, the final ones kept */
	x = repeat("ab ", 150);
	text = xasprintf("%s   ", x);
	n = richtext_split(text, 300, 3000, &parts);
	check_split(text, parts, n, 300, 3000, 1);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(parts[0]), 299);
	assert_int_equal(strlen(parts[1]), 153);
	free_parts(parts, n);
	free(text);
	free(x);
}

/* The 64-bit value of a TID. */
static uint64_t
tid_value(const char *s)
{
	static const char	alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";
	uint64_t		v = 0;
	size_t			i;

	for (i = 0; i < TID_LEN; i++)
		v = (v << 5) | (uint64_t)(strchr(alphabet, s[i]) - alphabet);
	return v;
}

static void
test_tid_format(void **state)
{
	char	t[TID_LEN + 1];

	(void)state;
	/* from an atproto implementation's tests (hexpds) */
	tid_format(t, UINT64_C(1706732639995761), 243);
	assert_string_equal(t, "3kkciofrlvlbn");
	assert_true(tid_valid(t));
	tid_format(t, 0, 0);
	assert_string_equal(t, "2222222222222");
	tid_format(t, (UINT64_C(1) << 53) - 1, 1023);
	assert_string_equal(t, "bzzzzzzzzzzzz");
	assert_true(tid_valid(t));
	/* only the low 53 and 10 bits count */
	tid_format(t, UINT64_C(1) << 53, 1024);
	assert_string_equal(t, "2222222222222");
	tid_format(t, UINT64_C(1706732639995761), 0);
	assert_int_equal(tid_value(t) >> 10, UINT64_C(1706732639995761));
	assert_int_equal(tid_value(t) & 1023, 0);
	tid_format(t, 1, 31);
	assert_string_equal(t, "222222222232z");
}

static void
test_tid_valid(void **state)
{
	(void)state;
	assert_true(tid_valid("3jzfcijpj2z2a"));
	assert_true(tid_valid("7777777777777"));
	assert_true(tid_valid("3zzzzzzzzzzzz"));
	assert_true(tid_valid("jzzzzzzzzzzzz"));
	assert_false(tid_valid("kzzzzzzzzzzzz"));	/* top bit set */
	assert_false(tid_valid("3jzfcijpj2z2"));
	assert_false(tid_valid("3jzfcijpj2z2aa"));
	assert_false(tid_valid("3JZFCIJPJ2Z2A"));
	assert_false(tid_valid("3jzfcijpj2z21"));
	assert_false(tid_valid("3jzfcijpj2z28"));
	assert_false(tid_valid("3jzf-cij-pj2z-2a"));
	assert_false(tid_valid(""));
	assert_false(tid_valid(NULL));
}

static void
test_tid_sortable(void **state)
{
	char		a[TID_LEN + 1], b[TID_LEN + 1];
	uint64_t	t;
	unsigned	c;

	(void)state;
	/* later time, any clock: sorts after, as text */
	for (t = 1; t < (UINT64_C(1) << 52); t = t * 3 + 7)
		for (c = 0; c < 1024; c += 341) {
			tid_format(a, t, 1023);
			tid_format(b, t + 1, c);
			assert_true(strcmp(a, b) < 0);
			tid_format(b, t * 3 + 7, c);
			assert_true(strcmp(a, b) < 0);
			assert_true(tid_valid(a) && tid_valid(b));
		}
}

static void
test_tid_monotonic(void **state)
{
	char		prev[TID_LEN + 1], cur[TID_LEN + 1];
	uint64_t	v0, v;
	int		i;

	(void)state;
	tid_next(prev);
	assert_true(tid_valid(prev));
	v0 = tid_value(prev);
	for (i = 0; i < 20000; i++) {
		tid_next(cur);
		assert_true(tid_valid(cur));
		assert_true(strcmp(prev, cur) < 0);
		/* one clock id for the whole process */
		assert_string_equal(cur + 11, prev + 11);
		memcpy(prev, cur, sizeof(cur));
	}
	/* the clock steps back an hour: still later, by one microsecond */
	v = tid_value(prev) >> 10;
	tid_next_at(cur, v - UINT64_C(3600000000));
	assert_true(strcmp(prev, cur) < 0);
	assert_int_equal(tid_value(cur) >> 10, v + 1);
	tid_next_at(prev, v + 1);
	assert_int_equal(tid_value(prev) >> 10, v + 2);
	/* and a clock ahead is taken as it is */
	tid_next_at(cur, v + 1000);
	assert_int_equal(tid_value(cur) >> 10, v + 1000);
	assert_int_equal(tid_value(cur) & 1023, v0 & 1023);
	/* back to the clock: still after all of those, and after 2023 */
	tid_next(cur);
	assert_true((tid_value(cur) >> 10) >= v + 1001);
	assert_true((tid_value(cur) >> 10) > UINT64_C(1700000000000000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graphemes),
		cmocka_unit_test(test_graphemes_invalid),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_facets_invalid),
		cmocka_unit_test(test_split_fits),
		cmocka_unit_test(test_split_paragraphs),
		cmocka_unit_test(test_split_emoji_edge),
		cmocka_unit_test(test_split_bytes_first),
		cmocka_unit_test(test_split_tokens),
		cmocka_unit_test(test_split_rtl),
		cmocka_unit_test(test_split_odd),
		cmocka_unit_test(test_tid_format),
		cmocka_unit_test(test_tid_valid),
		cmocka_unit_test(test_tid_sortable),
		cmocka_unit_test(test_tid_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
