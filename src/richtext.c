/*
 * richtext: Bluesky rich text (richtext.h).
 *
 * The official client finds facets with three regular expressions over
 * UTF-16 (@atproto/api, packages/api/src/rich-text/detection.ts and
 * util.ts) and converts the offsets to UTF-8.  Here the same rules are
 * hand-written scanners over the UTF-8 bytes, each linear in the text:
 * the offsets come out as byte offsets directly, and no regex engine
 * backtracks on hostile input.  The scanners read any bytes (an invalid
 * byte is one character that is neither a space nor punctuation), so
 * richtext_split can use them on whatever it is given; only the JSON
 * facets need valid UTF-8.
 *
 * Where the rules differ from the official client's, on purpose:
 *   - a mention's handle must be a valid handle (labels, hyphens, a TLD
 *     starting with a letter), where the client asks for the last label
 *     to be in its TLD list (or ".test"), and nothing else;
 *   - a bare domain's TLD is checked against a shorter built-in list,
 *     case-insensitively (the client's check is case-sensitive, so
 *     "Example.COM" is no link there);
 *   - a link's trailing punctuation is stripped repeatedly ("x.com..."),
 *     the client strips one character; "Https://" is a link too, and
 *     "https:///x" is none, nor a uri over 8192 bytes (the PDS would
 *     refuse the post for them: atproto's uri format);
 *   - a resolver answer that does not start with "did:" is no answer;
 *   - a tag may have 64 graphemes and 640 bytes (the lexicon's limits),
 *     the client counts 64 UTF-16 units;
 *   - overlapping facets (a mention or link inside a tag, "(@h.com" in a
 *     link) are kept by priority instead of all being sent.
 * Grapheme clusters come from libunistring 1.0's u8_grapheme_breaks,
 * which knows emoji ZWJ sequences and flag pairs (u8_grapheme_next only
 * looks at two characters at a time and gets both wrong); it predates
 * Unicode 15.1's Indic conjunct rule, so "क्षि" is two clusters here and
 * one in a current browser.
 */
#include "quitx/richtext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unigbrk.h>
#include <unistr.h>

#include "quitx/xmalloc.h"

#define RT_BAD			0xffffffffu	/* an invalid byte */
#define RT_HANDLE_MAX		253
#define RT_LABEL_MAX		63
#define RT_TAG_GRAPHEMES	64
#define RT_TAG_BYTES		640
#define RT_URI_MAX		8192	/* atproto's uri format */

enum rt_kind {
	RT_LINK,
	RT_MENTION,
	RT_TAG,
};

struct rt_token {
	size_t		 start, end;	/* the facet's bytes */
	size_t		 value;		/* where its value starts */
	enum rt_kind	 kind;
	int		 bare;		/* a link without http(s):// */
};

struct rt_tokens {
	struct rt_token	*v;
	size_t		 n, cap;
};

/*
 * Bare domains are links when their last label is one of these: every
 * country code in the root zone, then the generic TLDs people write.
 * Not "zip" or "mov": file names, far more often than sites.
 */
static const char *const rt_tlds[] = {
	"ac", "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar",
	"as", "at", "au", "aw", "ax", "az", "ba", "bb", "bd", "be", "bf",
	"bg", "bh", "bi", "bj", "bm", "bn", "bo", "br", "bs", "bt", "bw",
	"by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck", "cl",
	"cm", "cn", "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de",
	"dj", "dk", "dm", "do", "dz", "ec", "ee", "eg", "er", "es", "et",
	"eu", "fi", "fj", "fk", "fm", "fo", "fr", "ga", "gd", "ge", "gf",
	"gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq", "gr", "gs", "gt",
	"gu", "gw", "gy", "hk", "hm", "hn", "hr", "ht", "hu", "id", "ie",
	"il", "im", "in", "io", "iq", "ir", "is", "it", "je", "jm", "jo",
	"jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky",
	"kz", "la", "lb", "lc", "li", "lk", "lr", "ls", "lt", "lu", "lv",
	"ly", "ma", "mc", "md", "me", "mg", "mh", "mk", "ml", "mm", "mn",
	"mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my",
	"mz", "na", "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr",
	"nu", "nz", "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl", "pm",
	"pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru",
	"rw", "sa", "sb", "sc", "sd", "se", "sg", "sh", "si", "sk", "sl",
	"sm", "sn", "so", "sr", "ss", "st", "su", "sv", "sx", "sy", "sz",
	"tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to",
	"tr", "tt", "tv", "tw", "tz", "ua", "ug", "uk", "us", "uy", "uz",
	"va", "vc", "ve", "vg", "vi", "vn", "vu", "wf", "ws", "ye", "yt",
	"za", "zm", "zw",
	"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz",
	"name", "pro", "aero", "asia", "cat", "coop", "jobs", "mobi",
	"museum", "post", "tel", "travel", "app", "dev", "page", "blog",
	"shop", "store", "online", "site", "website", "tech", "xyz", "club",
	"art", "social", "news", "live", "studio", "design", "cloud",
	"space", "world", "today", "life", "email", "link", "click", "top",
	"fun", "network", "digital", "media", "agency", "company", "group",
	"team", "zone", "center", "community", "events", "games", "global",
	"guru", "host", "house", "land", "love", "ltd", "money", "photo",
	"photography", "pics", "press", "rocks", "run", "science",
	"services", "software", "solutions", "systems", "tips", "tools",
	"town", "video", "wiki", "work", "works", "cafe", "chat", "codes",
	"computer", "consulting", "education", "energy", "expert", "farm",
	"finance", "foundation", "garden", "green", "health", "institute",
	"international", "law", "legal", "lol", "one", "party", "place",
	"plus", "radio", "reviews", "school", "show", "stream", "style",
	"support", "vip", "eco", "earth", "fyi", "ink", "moe", "cool", "gay",
	"ninja", "berlin", "paris", "london", "nyc", "tokyo", "wales",
	"scot", "bzh", "quebec", "eus", "gal", "cymru", "brussels", "swiss",
	"africa", "amsterdam", "bayern", "hamburg", "koeln", "wien", "nrw",
	"barcelona", "madrid", "istanbul", "melbourne", "sydney", "boston",
	"miami", "vegas", "zuerich", "alsace", "corsica", "academy", "band",
	"bio", "book", "camp", "careers", "city", "coffee", "dog", "fans",
	"film", "food", "forum", "gallery", "guide", "help", "jetzt",
	"kitchen", "lgbt", "limited", "marketing", "menu", "mom", "new",
	"pet", "pizza", "pub", "rip", "sexy", "ski", "soy", "surf", "tattoo",
	"tube", "university", "vote", "wtf", "yoga", "foo", "how", "day",
	"meme", "nexus", "phd", "prof", "rsvp", "search", "here", "channel",
	"ing", "bot",
};

static int
rt_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
rt_alnum(unsigned char c)
{
	return rt_alpha(c) || (c >= '0' && c <= '9');
}

static unsigned char
rt_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * The character at s[i] (i < n) in *cp and its length: 1 and RT_BAD
 * for a byte that does not start a valid sequence.
 */
static size_t
rt_cp(const unsigned char *s, size_t n, size_t i, ucs4_t *cp)
{
	int	k;

	if (s[i] < 0x80) {
		*cp = s[i];
		return 1;
	}
	k = u8_mbtoucr(cp, s + i, n - i);
	if (k <= 0) {
		*cp = RT_BAD;
		return 1;
	}
	return (size_t)k;
}

/* The character that ends right before s[i]; RT_BAD if none is valid. */
static ucs4_t
rt_cp_before(const unsigned char *s, size_t n, size_t i)
{
	size_t	j;
	ucs4_t	cp;

	if (i == 0)
		return RT_BAD;
	j = i - 1;
	while (j > 0 && i - j < 4 && (s[j] & 0xc0) == 0x80)
		j--;
	if (rt_cp(s, n, j, &cp) != i - j)
		return RT_BAD;
	return cp;
}

/* JavaScript's \s: WhiteSpace and LineTerminator. */
static int
rt_space(ucs4_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff;
}

/* A space a text may be broken at (the no-break ones are not). */
static int
rt_break_space(ucs4_t c)
{
	return rt_space(c) && c != 0xa0 && c != 0x2007 && c != 0x202f &&
	    c != 0xfeff;
}

static int
rt_punct(ucs4_t c)
{
	return c != RT_BAD && uc_is_general_category(c, UC_CATEGORY_P);
}

/* What ends a tag: a space or a zero-width character. */
static int
rt_tag_stop(ucs4_t c)
{
	return rt_space(c) || c == 0xad || c == 0x2060 ||
	    (c >= 0x200a && c <= 0x200d) || c == 0x20e2;
}

/* Han, kana, CJK symbols and fullwidth forms: lines break between them. */
static int
rt_cjk(ucs4_t c)
{
	return (c >= 0x2e80 && c <= 0x2fdf) || (c > 0x3000 && c <= 0x9fff) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff01 && c <= 0xff60) ||
	    (c >= 0x20000 && c <= 0x3ffff);
}

static int
rt_cjk_stop(ucs4_t c)
{
	return c == 0x3002 || c == 0xff01 || c == 0xff0e || c == 0xff1f;
}

/* s[i] may start a mention or a link: at the start, after a space or '('. */
static int
rt_prefix_ok(const unsigned char *s, size_t n, size_t i, int paren)
{
	if (i == 0)
		return 1;
	if (paren && s[i - 1] == '(')
		return 1;
	return rt_space(rt_cp_before(s, n, i));
}

static void
rt_token_add(struct rt_tokens *t, enum rt_kind kind, size_t start,
    size_t end, size_t value, int bare)
{
	if (t->n == t->cap) {
		t->cap = t->cap * 2 + 8;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n].kind = kind;
	t->v[t->n].start = start;
	t->v[t->n].end = end;
	t->v[t->n].value = value;
	t->v[t->n].bare = bare;
	t->n++;
}

/*
 * Grapheme cluster starts of s[0..n): br[i] = 1 where one starts.  Each
 * run of valid UTF-8 is segmented on its own; an invalid byte is a
 * cluster by itself.
 */
static void
rt_breaks(const unsigned char *s, size_t n, char *br)
{
	size_t	i = 0, j, k;
	ucs4_t	cp;

	while (i < n) {
		for (j = i; j < n; j += k) {
			k = rt_cp(s, n, j, &cp);
			if (cp == RT_BAD)
				break;
		}
		if (j > i)
			u8_grapheme_breaks(s + i, j - i, br + i);
		if (j < n)
			br[j++] = 1;
		i = j;
	}
}

size_t
richtext_graphemes(const char *s, size_t len)
{
	char	*br;
	size_t	 i, g = 0;

	if (s == NULL || len == 0)
		return 0;
	br = xmalloc(len);
	rt_breaks((const unsigned char *)s, len, br);
	for (i = 0; i < len; i++)
		g += br[i] != 0;
	free(br);
	return g;
}

int
richtext_utf8_valid(const char *s, size_t len)
{
	if (s == NULL)
		return len == 0;
	return u8_check((const uint8_t *)s, len) == NULL &&
	    memchr(s, '\0', len) == NULL;
}

int
richtext_fits(const char *text, size_t max_graphemes, size_t max_bytes,
    size_t *graphemes)
{
	size_t	len, g;

	len = text != NULL ? strlen(text) : 0;
	g = richtext_graphemes(text, len);
	if (graphemes != NULL)
		*graphemes = g;
	return g <= max_graphemes && len <= max_bytes;
}

/*
 * A handle as atproto writes them: two labels or more of [A-Za-z0-9-],
 * 1 to 63 long, not starting or ending with '-', the last (the TLD)
 * starting with a letter; 253 bytes at most.
 */
static int
rt_handle_valid(const unsigned char *h, size_t n)
{
	size_t	i, start = 0, labels = 0;

	if (n == 0 || n > RT_HANDLE_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && h[i] != '.') {
			if (!rt_alnum(h[i]) && h[i] != '-')
				return 0;
			continue;
		}
		if (i == start || i - start > RT_LABEL_MAX ||
		    h[start] == '-' || h[i - 1] == '-')
			return 0;
		if (i == n && !rt_alpha(h[start]))
			return 0;
		labels++;
		start = i + 1;
	}
	return labels >= 2;
}

static int
rt_tld_known(const unsigned char *s, size_t n)
{
	size_t	i, j;

	for (i = 0; i < sizeof(rt_tlds) / sizeof(rt_tlds[0]); i++) {
		if (strlen(rt_tlds[i]) != n)
			continue;
		for (j = 0; j < n && rt_lower(s[j]) == (unsigned char)rt_tlds[i][j];
		    j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

int
richtext_tld_known(const char *s, size_t len)
{
	return s != NULL && len > 0 &&
	    rt_tld_known((const unsigned char *)s, len);
}

/* The end of the run of non-spaces at s[i]. */
static size_t
rt_nonspace_end(const unsigned char *s, size_t n, size_t i)
{
	ucs4_t	cp;
	size_t	k;

	for (; i < n; i += k) {
		k = rt_cp(s, n, i, &cp);
		if (rt_space(cp))
			break;
	}
	return i;
}

/* "http://" or "https://" at s[i], any case: its length, else 0. */
static size_t
rt_scheme(const unsigned char *s, size_t n, size_t i)
{
	static const char	*const schemes[] = { "https://", "http://" };
	size_t			 k, j, len;

	for (k = 0; k < 2; k++) {
		len = strlen(schemes[k]);
		if (n - i < len)
			continue;
		for (j = 0; j < len && rt_lower(s[i + j]) ==
		    (unsigned char)schemes[k][j]; j++)
			;
		if (j == len)
			return len;
	}
	return 0;
}

/*
 * Mentions: '@' at the start, after a space or '(', then the longest
 * [A-Za-z0-9.-]+ that ends at a word boundary (\b: a change between
 * [A-Za-z0-9_] and anything else), which must be a handle.
 */
static void
rt_mentions(const unsigned char *s, size_t n, struct rt_tokens *t)
{
	size_t	i, j, k;
	int	wa, wb;

	for (i = 0; i < n; i++) {
		if (s[i] != '@' || !rt_prefix_ok(s, n, i, 1))
			continue;
		for (j = i + 1; j < n && (rt_alnum(s[j]) || s[j] == '.' ||
		    s[j] == '-'); j++)
			;
		for (k = j; k > i + 1; k--) {
			wa = rt_alnum(s[k - 1]);
			wb = k < n && (rt_alnum(s[k]) || s[k] == '_');
			if (wa != wb)
				break;
		}
		if (k > i + 1 && rt_handle_valid(s + i + 1, k - i - 1))
			rt_token_add(t, RT_MENTION, i, k, i + 1, 0);
		if (j > i + 1)
			i = j - 1;
	}
}

/*
 * Links, at the start, after a space or '(': http(s):// and at least one
 * non-space but '/' (atproto's uri format wants a host), or a bare domain ([A-Za-z][A-Za-z0-9]* then one or more
 * .[A-Za-z0-9]+) with a known TLD; either runs to the next space.  A
 * candidate takes the whole run even when it is no link ("file.jpg/x").
 */
static void
rt_links(const unsigned char *s, size_t n, struct rt_tokens *t)
{
	size_t	i, j, k, end, tld, open, close;
	ucs4_t	cp;
	int	bare, ok;

	for (i = 0; i < n; i += k) {
		k = rt_cp(s, n, i, &cp);
		if (!rt_prefix_ok(s, n, i, 1))
			continue;
		if ((j = rt_scheme(s, n, i)) != 0 && i + j < n) {
			rt_cp(s, n, i + j, &cp);
			if (rt_space(cp))
				continue;
			end = rt_nonspace_end(s, n, i + j);
			bare = 0;
			/* the lexicon's uri format: no "https:///x" */
			ok = s[i + j] != '/';
		} else if (rt_alpha(s[i])) {
			for (j = i + 1; j < n && rt_alnum(s[j]); j++)
				;
			tld = 0;
			while (j + 1 < n && s[j] == '.' && rt_alnum(s[j + 1])) {
				tld = j + 1;
				for (j += 2; j < n && rt_alnum(s[j]); j++)
					;
			}
			if (tld == 0)
				continue;
			ok = rt_tld_known(s + tld, j - tld);
			end = rt_nonspace_end(s, n, j);
			bare = 1;
		} else
			continue;
		/* whatever the candidate was, the scan goes on after it */
		k = end - i;
		if (!ok)
			continue;
		for (open = close = 0, j = i; j < end; j++) {
			open += s[j] == '(';
			close += s[j] == ')';
		}
		for (;;) {
			if (memchr(".,;:!?", s[end - 1], 6) != NULL)
				end--;
			else if (s[end - 1] == ')' && close > open) {
				end--;
				close--;
			} else
				break;
		}
		if (!bare && end <= i + rt_scheme(s, n, i))
			continue;
		if (end - i + (bare ? 8 : 0) > RT_URI_MAX)
			continue;
		rt_token_add(t, RT_LINK, i, end, i, bare);
	}
}

/*
 * Tags: '#' or U+FF03 at the start or after a space, then the run up to
 * a space or zero-width character; not starting with U+FE0F; something
 * in it neither an ASCII digit nor punctuation; trailing punctuation
 * stripped; 64 graphemes and 640 bytes at most.
 */
static void
rt_tags(const unsigned char *s, size_t n, struct rt_tokens *t)
{
	size_t	i, b, j, k, keep, hl;
	ucs4_t	cp;
	int	qual, bad;

	for (i = 0; i < n; ) {
		hl = 0;
		if (s[i] == '#')
			hl = 1;
		else if (n - i >= 3 && s[i] == 0xef && s[i + 1] == 0xbc &&
		    s[i + 2] == 0x83)
			hl = 3;
		if (hl == 0 || (i > 0 && !rt_space(rt_cp_before(s, n, i)))) {
			i++;
			continue;
		}
		b = i + hl;
		qual = bad = 0;
		keep = b;
		for (j = b; j < n; j += k) {
			k = rt_cp(s, n, j, &cp);
			if (rt_tag_stop(cp))
				break;
			if (j == b && cp == 0xfe0f)
				bad = 1;
			if (!rt_punct(cp)) {
				keep = j + k;
				if (cp < '0' || cp > '9')
					qual = 1;
			}
		}
		if (!bad && qual && keep - b <= RT_TAG_BYTES &&
		    richtext_graphemes((const char *)s + b, keep - b) <=
		    RT_TAG_GRAPHEMES)
			rt_token_add(t, RT_TAG, i, keep, b, 0);
		i = j > b ? j : b;
	}
}

/* Every candidate, links first, then mentions, then tags. */
static void
rt_detect(const unsigned char *s, size_t n, struct rt_tokens *t)
{
	rt_links(s, n, t);
	rt_mentions(s, n, t);
	rt_tags(s, n, t);
}

struct rt_facet {
	size_t	 start;
	json_t	*json;
};

static int
rt_facet_cmp(const void *a, const void *b)
{
	const struct rt_facet	*x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The JSON value of a token's feature, or NULL for no facet. */
static json_t *
rt_feature_value(const unsigned char *s, const struct rt_token *tk,
    richtext_resolve_fn resolve, void *arg)
{
	json_t		*v;
	char		*buf;
	const char	*did;
	size_t		 len = tk->end - tk->value, i;

	switch (tk->kind) {
	case RT_LINK:
		if (!tk->bare)
			return json_stringn((const char *)s + tk->value, len);
		buf = xmalloc(len + 9);
		memcpy(buf, "https://", 8);
		memcpy(buf + 8, s + tk->value, len);
		v = json_stringn(buf, len + 8);
		free(buf);
		return v;
	case RT_MENTION:
		if (resolve == NULL)
			return NULL;
		buf = xmalloc(len + 1);
		for (i = 0; i < len; i++)
			buf[i] = (char)rt_lower(s[tk->value + i]);
		buf[len] = '\0';
		did = resolve(buf, arg);
		v = did != NULL && strncmp(did, "did:", 4) == 0 ?
		    json_string(did) : NULL;
		free(buf);
		return v;
	case RT_TAG:
		return json_stringn((const char *)s + tk->value, len);
	}
	return NULL;
}

json_t *
richtext_facets(const char *text, richtext_resolve_fn resolve, void *arg)
{
	static const char	*const types[] = {
		[RT_LINK] = "app.bsky.richtext.facet#link",
		[RT_MENTION] = "app.bsky.richtext.facet#mention",
		[RT_TAG] = "app.bsky.richtext.facet#tag",
	};
	static const char	*const keys[] = {
		[RT_LINK] = "uri", [RT_MENTION] = "did", [RT_TAG] = "tag",
	};
	const unsigned char	*s = (const unsigned char *)text;
	struct rt_tokens	 t = { NULL, 0, 0 };
	struct rt_facet		*acc;
	struct rt_token		*tk;
	json_t			*arr, *val, *facet;
	char			*used;
	size_t			 n, i, j, na = 0;

	if ((arr = json_array()) == NULL)
		return NULL;
	n = text != NULL ? strlen(text) : 0;
	if (n == 0 || !richtext_utf8_valid(text, n))
		return arr;
	rt_detect(s, n, &t);
	if (t.n == 0)
		return arr;
	used = xcalloc(n, 1);
	acc = xcalloc(t.n, sizeof(*acc));
	for (i = 0; i < t.n; i++) {
		tk = &t.v[i];
		for (j = tk->start; j < tk->end && !used[j]; j++)
			;
		if (j < tk->end)
			continue;
		if ((val = rt_feature_value(s, tk, resolve, arg)) == NULL)
			continue;
		facet = json_pack("{s:{s:I,s:I},s:[{s:s,s:o}]}",
		    "index", "byteStart", (json_int_t)tk->start,
		    "byteEnd", (json_int_t)tk->end,
		    "features", "$type", types[tk->kind], keys[tk->kind], val);
		if (facet == NULL)
			continue;
		memset(used + tk->start, 1, tk->end - tk->start);
		acc[na].start = tk->start;
		acc[na++].json = facet;
	}
	qsort(acc, na, sizeof(*acc), rt_facet_cmp);
	for (i = 0; i < na; i++)
		json_array_append_new(arr, acc[i].json);
	free(acc);
	free(used);
	free(t.v);
	return arr;
}

/*
 * The longest prefix of s[0..n) that fits: the largest cluster boundary
 * q <= maxb with at most maxg clusters before it (0 when the first
 * cluster alone is longer than maxb).  Cluster starts are computed into
 * br for a window that grows until the answer is known; br[0..q] are
 * right for every q up to the answer and the character there.
 */
static size_t
rt_fit(const unsigned char *s, size_t n, size_t maxg, size_t maxb, char *br)
{
	size_t	want, w, trust, q, g, lim;

	if (maxb > n)
		maxb = n;
	want = maxg >= maxb / 8 ? maxb : maxg * 8 + 32;
	if (want > maxb)
		want = maxb;
	for (;;) {
		w = n - want > 4 ? want + 4 : n;
		rt_breaks(s, w, br);
		/* a boundary needs the character after it, whole */
		trust = w == n ? n : w - 4;
		g = lim = 0;
		for (q = 1; q <= maxb && q <= trust; q++) {
			if (q == n || br[q]) {
				if (++g > maxg)
					return lim;
				lim = q;
				if (q == n)
					return lim;
			}
		}
		if (q > maxb)
			return lim;
		/* not known yet: a wider window */
		want = want > maxb / 2 ? maxb : want * 2;
	}
}

enum rt_brk {
	RT_BRK_BLANK,		/* a space run with a blank line */
	RT_BRK_LINE,		/* one with a line break */
	RT_BRK_SPACE,		/* any space run */
	RT_BRK_CJK_STOP,	/* after a CJK full stop */
	RT_BRK_CJK,		/* between CJK characters */
	RT_BRK_ANY,		/* any cluster boundary outside tokens */
	RT_BRK_COUNT
};

/* Line breaks in the space run at s[i] (up to 2, within s[0..w)). */
static int
rt_newlines(const unsigned char *s, size_t w, size_t i)
{
	ucs4_t	cp;
	size_t	k;
	int	nl = 0;

	for (; i < w && nl < 2; i += k) {
		k = rt_cp(s, w, i, &cp);
		if (!rt_break_space(cp))
			break;
		if (cp == '\n' || cp == 0x2028 ||
		    (cp == '\r' && (i + 1 >= w || s[i + 1] != '\n')))
			nl++;
		else if (cp == 0x2029)
			nl += 2;
	}
	return nl;
}

/*
 * The end of the space run at s[i]: the spaces a break drops.  A space
 * that a following mark joins ("\u0301") stays with it.
 */
static size_t
rt_space_end(const unsigned char *s, size_t n, size_t i)
{
	ucs4_t	cp, last = RT_BAD;
	size_t	k, last_at = i;

	for (; i < n; i += k) {
		k = rt_cp(s, n, i, &cp);
		if (!rt_break_space(cp))
			break;
		last = cp;
		last_at = i;
	}
	if (i < n && last != RT_BAD && cp != RT_BAD &&
	    !uc_is_grapheme_break(last, cp))
		return last_at;
	return i;
}

/*
 * Where to end the part at s[0..n) (n > lim): sets *cut and returns
 * where the next part starts.
 */
static size_t
rt_choose(const unsigned char *s, size_t n, size_t lim, size_t maxb,
    const char *br, const char *nobreak, size_t *cut)
{
	size_t	last[RT_BRK_COUNT] = { 0 }, q, k, half;
	ucs4_t	cp, prev = RT_BAD;
	int	nl, c, white;

	for (q = 0; q <= lim; q += k) {
		k = rt_cp(s, n, q, &cp);
		if (q > 0 && br[q] && !nobreak[q]) {
			white = rt_break_space(cp);
			if (white && !rt_break_space(prev)) {
				nl = rt_newlines(s, n, q);
				last[RT_BRK_SPACE] = q;
				if (nl >= 1)
					last[RT_BRK_LINE] = q;
				if (nl >= 2)
					last[RT_BRK_BLANK] = q;
			}
			if (rt_cjk_stop(prev))
				last[RT_BRK_CJK_STOP] = q;
			else if (!white && rt_cjk(prev) && rt_cjk(cp))
				last[RT_BRK_CJK] = q;
			last[RT_BRK_ANY] = q;
		}
		prev = cp;
	}
	/* a good break that leaves at least half the room used */
	half = lim / 2;
	for (c = RT_BRK_BLANK; c <= RT_BRK_CJK; c++)
		if (last[c] > 0 && last[c] >= half)
			break;
	/* else any space, CJK break, or boundary */
	if (c > RT_BRK_CJK)
		for (c = RT_BRK_SPACE; c <= RT_BRK_ANY; c++)
			if (last[c] > 0)
				break;
	if (c < RT_BRK_COUNT) {
		*cut = last[c];
		if (c <= RT_BRK_SPACE)
			return rt_space_end(s, n, last[c]);
		return last[c];
	}
	if (lim > 0) {
		/* a token longer than a part: cut it */
		*cut = lim;
		return lim;
	}
	/* a cluster longer than maxb: cut it between characters */
	for (q = 0; q < n; q += k) {
		k = rt_cp(s, n, q, &cp);
		if (q + k > maxb)
			break;
	}
	*cut = q;
	return q;
}

static void
rt_part_add(char ***v, size_t *np, size_t *cap, const char *s, size_t len)
{
	char	*p;

	if (*np + 1 >= *cap) {
		*cap = *cap * 2 + 4;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	(*v)[(*np)++] = p;
	(*v)[*np] = NULL;
}

size_t
richtext_split(const char *text, size_t max_graphemes, size_t max_bytes,
    char ***parts)
{
	const unsigned char	*s = (const unsigned char *)text;
	struct rt_tokens	 t = { NULL, 0, 0 };
	char			**v = NULL, *nobreak, *br;
	size_t			 n, pos = 0, np = 0, cap = 0, i, lim, cut, next;

	if (text == NULL) {
		text = "";
		s = (const unsigned char *)text;
	}
	if (max_graphemes < 1)
		max_graphemes = 1;
	if (max_bytes < 4)
		max_bytes = 4;
	n = strlen(text);
	nobreak = xcalloc(n + 1, 1);
	br = xmalloc(n + 1);
	rt_detect(s, n, &t);
	for (i = 0; i < t.n; i++)
		if (t.v[i].end - t.v[i].start > 1)
			memset(nobreak + t.v[i].start + 1, 1,
			    t.v[i].end - t.v[i].start - 1);
	free(t.v);
	do {
		lim = rt_fit(s + pos, n - pos, max_graphemes, max_bytes, br);
		if (lim == n - pos) {
			rt_part_add(&v, &np, &cap, text + pos, lim);
			break;
		}
		next = rt_choose(s + pos, n - pos, lim, max_bytes, br,
		    nobreak + pos, &cut);
		rt_part_add(&v, &np, &cap, text + pos, cut);
		pos += next;
	} while (pos < n);
	free(br);
	free(nobreak);
	*parts = v;
	return np;
}
