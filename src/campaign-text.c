/*
 * campaign-text: the texts of the campaign day (campaign-text.h).
 *
 * A message is a list of lines; parts are filled line by line, each new
 * candidate measured whole the way its network counts (Mastodon's rules
 * below, Bluesky's graphemes and bytes), so what is measured is exactly
 * what is sent.  Filling each part as far as it goes gives the fewest
 * parts: a part that starts later never holds less.
 *
 * Mastodon's count (app/validators/status_length_validator.rb): the
 * text with every URL (twitter-text's extractor, with a protocol)
 * replaced by 23 characters and every mention (Account::MENTION_RE not
 * followed by '@', a Latin accent or "://") by "@user", in grapheme
 * clusters.  Re-implemented for ASCII: wherever a URL or a mention is
 * not certain by these rules (non-ASCII around it, a TLD not in the
 * list, parentheses...), the count takes the larger reading, so that a
 * part measured to fit does fit.
 */
#include "quitx/campaign-text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/outbox-body.h"
#include "quitx/richtext.h"
#include "quitx/xmalloc.h"

#define WJ		"\xe2\x81\xa0"		/* U+2060 WORD JOINER */
#define WJ_LEN		3
#define URL_MAX		4096	/* twitter-text's longest URL */
#define HOST_MAX	253
#define LABEL_MAX	63

/* A growing string. */
struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_word(unsigned char c)
{
	return is_alnum(c) || c == '_';
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* "http://" or "https://" at s, any case: its length, else 0. */
static size_t
scheme_len(const unsigned char *s)
{
	if (strncasecmp((const char *)s, "https://", 8) == 0)
		return 8;
	if (strncasecmp((const char *)s, "http://", 7) == 0)
		return 7;
	return 0;
}

/*
 * A host as twitter-text takes it for certain: two labels or more of
 * [A-Za-z0-9-], not starting or ending with '-', the last a known TLD.
 * Its length, else 0.
 */
static size_t
host_len(const unsigned char *s, size_t n)
{
	size_t	i, start = 0, labels = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && (is_alnum(s[i]) || s[i] == '-'))
			continue;
		if (i == start || i - start > LABEL_MAX || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		labels++;
		if (i == n || s[i] != '.' || i + 1 == n ||
		    !(is_alnum(s[i + 1]) || s[i + 1] == '-'))
			break;
		start = i + 1;
	}
	if (labels < 2 || i > HOST_MAX ||
	    !richtext_tld_known((const char *)s + start, i - start))
		return 0;
	return i;
}

/*
 * The URL whose scheme starts at s[i]: sets *url to its length when
 * Mastodon surely takes s[i..i+*url) for a URL, else 0, and returns the
 * end of the run of non-blanks it is in.
 */
static size_t
url_at(const unsigned char *s, size_t n, size_t i, size_t *url)
{
	static const char	path_chars[] = "-._~/=+#%";
	static const char	end_chars[] = "=_#/+-";
	static const char	trailing[] = ".,;:!?'\")";
	size_t			run, end, j, h;

	*url = 0;
	for (run = i; run < n && !is_blank(s[run]); run++)
		;
	/* trailing punctuation is no part of a URL, and counts as itself */
	for (end = run; end > i && memchr(trailing, s[end - 1],
	    sizeof(trailing) - 1) != NULL; end--)
		;
	if (end - i > URL_MAX)
		return run;
	j = i + scheme_len(s + i);
	if ((h = host_len(s + j, end - j)) == 0)
		return run;
	j += h;
	if (j < end && s[j] == ':') {
		for (j++; j < end && s[j] >= '0' && s[j] <= '9'; j++)
			;
	}
	if (j < end && s[j] != '/')
		return run;
	for (; j < end; j++)
		if (!is_alnum(s[j]) && strchr(path_chars, s[j]) == NULL)
			return run;
	if (!is_alnum(s[end - 1]) && strchr(end_chars, s[end - 1]) == NULL)
		return run;
	*url = end - i;
	return run;
}

/*
 * A mention at s[i] ('@', not after '=', '/' or a word character): sets
 * *user to the length of "@user" and returns the mention's end when
 * Mastodon surely takes it for one, else 0.
 */
static size_t
mention_at(const unsigned char *s, size_t n, size_t i, size_t *user)
{
	size_t	j, k;

	if (i > 0 && (s[i - 1] == '=' || s[i - 1] == '/' ||
	    is_word(s[i - 1]) || s[i - 1] >= 0x80))
		return 0;
	/* [a-z0-9_]+([.-]+[a-z0-9_]+)* then (@[word]+([.-]+[word]+)*)? */
	for (j = i + 1; j < n && is_word(s[j]); j++)
		;
	if (j == i + 1)
		return 0;
	for (;;) {
		for (k = j; k < n && (s[k] == '.' || s[k] == '-'); k++)
			;
		if (k == j || k == n || !is_word(s[k]))
			break;
		for (j = k; j < n && is_word(s[j]); j++)
			;
	}
	*user = j - i;
	if (j + 1 < n && s[j] == '@' && is_word(s[j + 1])) {
		for (j++; j < n && is_word(s[j]); j++)
			;
		for (;;) {
			for (k = j; k < n && (s[k] == '.' || s[k] == '-'); k++)
				;
			if (k == j || k == n || !is_word(s[k]))
				break;
			for (j = k; j < n && is_word(s[j]); j++)
				;
		}
		if (j - (i + *user + 1) > HOST_MAX)
			return 0;
	}
	/* what Mastodon rejects after it, or Unicode it would read on */
	if (j < n && (s[j] == '@' || s[j] >= 0x80 ||
	    strncmp((const char *)s + j, "://", 3) == 0))
		return 0;
	return j;
}

size_t
campaign_mastodon_length(const char *text)
{
	const unsigned char	*s = (const unsigned char *)text;
	struct buf		 b = { NULL, 0, 0 };
	size_t			 n, i = 0, run, url, end, user, count;
	int			 url_ok;

	if (text == NULL)
		return 0;
	n = strlen(text);
	buf_add(&b, "", 0);
	while (i < n) {
		if (scheme_len(s + i) != 0) {
			url_ok = i == 0 || (!is_alnum(s[i - 1]) &&
			    strchr("@$#", s[i - 1]) == NULL);
			run = url_at(s, n, i, &url);
			if (url_ok && url > 0) {
				buf_add(&b, "xxxxxxxxxxxxxxxxxxxxxxx",
				    CAMPAIGN_MASTODON_URL_CHARS);
				i += url;
				continue;
			}
			if (url_ok || s[i - 1] >= 0x80) {
				/* maybe a URL: both readings at once */
				buf_add(&b, "xxxxxxxxxxxxxxxxxxxxxxx",
				    CAMPAIGN_MASTODON_URL_CHARS);
				buf_add(&b, text + i, run - i);
				i = run;
				continue;
			}
		} else if (s[i] == '@' && (end = mention_at(s, n, i,
		    &user)) != 0) {
			buf_add(&b, text + i, user);
			i = end;
			continue;
		}
		buf_add(&b, text + i, 1);
		i++;
	}
	count = richtext_graphemes(b.s, b.len);
	free(b.s);
	return count;
}

static const char *
network_title(enum network net)
{
	return net == NETWORK_MASTODON ? "Mastodon" : "Bluesky";
}

/* One line of a message; did: a mention facet over "@handle" at its start. */
struct line {
	char		*text;
	const char	*did;
	size_t		 mention;	/* bytes of "@handle" */
	int		 gap;		/* a blank line before it, inside a part */
};

struct lines {
	struct line	*v;
	size_t		 n, cap;
};

static struct line *
line_add(struct lines *l, char *text, int gap)
{
	struct line	*ln;

	if (l->n == l->cap) {
		l->cap = l->cap * 2 + 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	ln = &l->v[l->n++];
	memset(ln, 0, sizeof(*ln));
	ln->text = text;
	ln->gap = gap;
	return ln;
}

static void
lines_free(struct lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

/* Parts being filled. */
struct packer {
	enum network		 net;
	size_t			 room;		/* Mastodon */
	size_t			 max_g, max_b;	/* Bluesky */
	const char		*lead;		/* each part starts with it */
	struct campaign_part	*v;
	size_t			 n, cap;
	struct buf		 cur;		/* the part being filled */
	int			 open;
	json_t			*mentions;	/* its mention facets */
};

static int
fits(const struct packer *pk, const char *text)
{
	if (pk->net == NETWORK_MASTODON)
		return campaign_mastodon_length(text) <= pk->room;
	return richtext_fits(text, pk->max_g, pk->max_b, NULL);
}

static json_t *
mention_facet(size_t start, size_t end, const char *did)
{
	return json_pack("{s:{s:I,s:I},s:[{s:s,s:s}]}",
	    "index", "byteStart", (json_int_t)start, "byteEnd", (json_int_t)end,
	    "features", "$type", "app.bsky.richtext.facet#mention", "did", did);
}

static size_t
facet_start(json_t *f)
{
	return (size_t)json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteStart"));
}

static size_t
facet_end(json_t *f)
{
	return (size_t)json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteEnd"));
}

static int
facet_cmp(const void *a, const void *b)
{
	size_t	x = facet_start(*(json_t *const *)a);
	size_t	y = facet_start(*(json_t *const *)b);

	return x < y ? -1 : x > y;
}

/*
 * A Bluesky part's facets: its mentions, and the links and tags the
 * official client would find in the rest (the CSV link, a #tag in a
 * template), sorted, never overlapping.
 */
static json_t *
part_facets(const char *text, json_t *mentions)
{
	json_t	*found, *f, *out, **all;
	size_t	 i, j, n = 0, s, e;

	found = richtext_facets(text, NULL, NULL);
	all = xcalloc(json_array_size(mentions) + json_array_size(found) + 1,
	    sizeof(*all));
	json_array_foreach(mentions, i, f)
		all[n++] = f;
	json_array_foreach(found, i, f) {
		s = facet_start(f);
		e = facet_end(f);
		for (j = 0; j < json_array_size(mentions); j++)
			if (s < facet_end(json_array_get(mentions, j)) &&
			    facet_start(json_array_get(mentions, j)) < e)
				break;
		if (j == json_array_size(mentions))
			all[n++] = f;
	}
	qsort(all, n, sizeof(*all), facet_cmp);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, all[i]);
	free(all);
	json_decref(found);
	return out;
}

static void
pack_flush(struct packer *pk)
{
	struct campaign_part	*p;

	if (!pk->open)
		return;
	if (pk->n == pk->cap) {
		pk->cap = pk->cap * 2 + 4;
		pk->v = xreallocarray(pk->v, pk->cap, sizeof(*pk->v));
	}
	p = &pk->v[pk->n++];
	p->text = pk->cur.s;
	p->facets = pk->net == NETWORK_BLUESKY ?
	    part_facets(p->text, pk->mentions) : NULL;
	json_decref(pk->mentions);
	pk->mentions = NULL;
	memset(&pk->cur, 0, sizeof(pk->cur));
	pk->open = 0;
}

/* The part so far, then sep and the line: what it would be. */
static void
candidate(struct buf *c, const struct packer *pk, const struct line *ln,
    size_t *at)
{
	memset(c, 0, sizeof(*c));
	if (pk->open) {
		buf_add(c, pk->cur.s, pk->cur.len);
		buf_str(c, ln->gap ? "\n\n" : "\n");
	} else if (pk->lead != NULL) {
		buf_str(c, pk->lead);
		buf_str(c, "\n\n");
	}
	*at = c->len;
	buf_str(c, ln->text);
}

/* Add a line to the part, or to a new one; -1 when it fits none. */
static int
pack_line(struct packer *pk, const struct line *ln)
{
	struct buf	c;
	size_t		at;

	candidate(&c, pk, ln, &at);
	if (!fits(pk, c.s)) {
		free(c.s);
		if (!pk->open)
			return -1;
		pack_flush(pk);
		candidate(&c, pk, ln, &at);
		if (!fits(pk, c.s)) {
			free(c.s);
			return -1;
		}
	}
	free(pk->cur.s);
	pk->cur = c;
	if (!pk->open)
		pk->mentions = json_array();
	pk->open = 1;
	if (ln->did != NULL && pk->net == NETWORK_BLUESKY)
		json_array_append_new(pk->mentions, mention_facet(at,
		    at + ln->mention, ln->did));
	return 0;
}

static int
pack_all(struct packer *pk, const struct lines *l,
    struct campaign_part **parts, size_t *nparts)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (pack_line(pk, &l->v[i]) == -1) {
			free(pk->cur.s);
			json_decref(pk->mentions);
			campaign_parts_free(pk->v, pk->n);
			return -1;
		}
	pack_flush(pk);
	*parts = pk->v;
	*nparts = pk->n;
	return 0;
}

static void
pack_init(struct packer *pk, enum network net, size_t room, size_t max_g,
    size_t max_b)
{
	memset(pk, 0, sizeof(*pk));
	pk->net = net;
	pk->room = room;
	pk->max_g = max_g;
	pk->max_b = max_b;
}

/* A template in lang, made safe for the network: NULL when empty. */
static char *
render(const struct templates *t, enum lang lang, enum network net,
    enum tmpl which, const struct tmpl_vars *v)
{
	char	*text, *safe;

	text = templates_render(t, lang, which, v);
	if (text[0] == '\0') {
		free(text);
		return NULL;
	}
	if (net != NETWORK_MASTODON)
		return text;
	safe = outbox_unmention(text);
	free(text);
	return safe;
}

/*
 * A suggested account's line.  On Mastodon its '@' are unmentioned; on
 * Bluesky a known handle gets its mention facet.
 */
static void
account_line(struct lines *l, enum network net,
    const struct campaign_account *a, int gap)
{
	struct line	*ln;
	char		*text, *safe;
	int		 facet = 0;

	if (a->network == NETWORK_BLUESKY && a->handle != NULL &&
	    a->handle[0] != '\0') {
		text = xasprintf("@%s", a->handle);
		facet = strncmp(a->account, "did:", 4) == 0;
	} else if (a->network == NETWORK_BLUESKY)
		text = xstrdup(a->account);
	else
		text = xasprintf("@%s", a->account);
	if (net == NETWORK_MASTODON) {
		safe = outbox_unmention(text);
		free(text);
		text = safe;
		facet = 0;
	}
	ln = line_add(l, text, gap);
	if (facet) {
		ln->did = a->account;
		ln->mention = strlen(text);
	}
}

int
campaign_suggestion_parts(const struct templates *t, enum lang lang,
    enum network net, size_t room, const struct campaign_account *list,
    size_t n, size_t more, const char *csv_link, size_t csv_count,
    int followup, struct campaign_part **parts, size_t *nparts)
{
	struct tmpl_vars	 v;
	struct lines		 l = { NULL, 0, 0 };
	struct packer		 pk;
	char			 count[32], *text;
	size_t			 i;
	int			 rc = -1;

	*parts = NULL;
	*nparts = 0;
	if (t == NULL)
		return -1;
	memset(&v, 0, sizeof(v));
	v.network = network_title(net);
	v.count = count;
	snprintf(count, sizeof(count), "%zu", n + more);
	/* none on their network (all on Mastodon): no empty list */
	if (n + more > 0) {
		if ((text = render(t, lang, net, followup ?
		    T_SUGGESTIONS_FOLLOWUP_HEADER : T_SUGGESTIONS_HEADER,
		    &v)) == NULL)
			goto out;
		line_add(&l, text, 0);
	}
	for (i = 0; i < n; i++)
		account_line(&l, net, &list[i], i == 0);
	if (more > 0) {
		snprintf(count, sizeof(count), "%zu", more);
		if ((text = render(t, lang, net, T_SUGGESTIONS_MORE, &v)) ==
		    NULL)
			goto out;
		line_add(&l, text, n == 0);
	}
	if (csv_link != NULL) {
		snprintf(count, sizeof(count), "%zu", csv_count);
		v.link = csv_link;
		/* to a Bluesky member, those on Mastodon are not listed */
		if ((text = render(t, lang, net, net == NETWORK_MASTODON ?
		    T_SUGGESTIONS_CSV : T_SUGGESTIONS_CSV_ELSEWHERE, &v)) ==
		    NULL)
			goto out;
		line_add(&l, text, n + more > 0);
	}
	pack_init(&pk, net, room, RICHTEXT_CHAT_GRAPHEMES,
	    RICHTEXT_CHAT_BYTES);
	rc = pack_all(&pk, &l, parts, nparts);
out:
	lines_free(&l);
	return rc;
}

int
campaign_intro_parts(const struct templates *t, enum lang lang,
    enum network net, size_t room, const struct campaign_account *members,
    size_t n, struct campaign_part **parts, size_t *nparts)
{
	struct tmpl_vars	 v;
	struct lines		 l = { NULL, 0, 0 };
	struct packer		 pk;
	struct line		*ln;
	const struct campaign_account *m;
	char			*header;
	size_t			 i;
	int			 rc;

	*parts = NULL;
	*nparts = 0;
	if (t == NULL)
		return -1;
	memset(&v, 0, sizeof(v));
	v.network = network_title(net);
	if ((header = render(t, lang, net, T_INTRO_HEADER, &v)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		m = &members[i];
		/* no one to mention: another network's, or no handle known */
		if (m->network != net || m->account == NULL)
			continue;
		if (net == NETWORK_MASTODON) {
			line_add(&l, xasprintf("@%s", m->account), 0);
			continue;
		}
		if (!campaign_bluesky_named(m->account, m->handle))
			continue;
		ln = line_add(&l, xasprintf("@%s", m->handle), 0);
		ln->did = m->account;
		ln->mention = strlen(ln->text);
	}
	pack_init(&pk, net, room, RICHTEXT_POST_GRAPHEMES,
	    RICHTEXT_POST_BYTES);
	pk.lead = header;
	rc = pack_all(&pk, &l, parts, nparts);
	lines_free(&l);
	free(header);
	return rc;
}

int
campaign_bluesky_named(const char *account, const char *handle)
{
	return strncmp(account, "did:", 4) == 0 && handle != NULL &&
	    *handle != '\0';
}

void
campaign_parts_free(struct campaign_part *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(p[i].text);
		json_decref(p[i].facets);
	}
	free(p);
}

/* Something else than an address would break the file (or a spreadsheet). */
static int
csv_account_ok(const char *a)
{
	const unsigned char	*p;

	if (a == NULL || a[0] == '@' || strchr(a, '@') == NULL)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ',' || *p == '"')
			return 0;
	return 1;
}

char *
campaign_follows_csv(const char *const *accounts, size_t n, size_t *len)
{
	struct buf	b = { NULL, 0, 0 };
	size_t		i;

	buf_str(&b, "Account address,Show boosts,Notify on new posts,"
	    "Languages\n");
	for (i = 0; i < n; i++) {
		if (!csv_account_ok(accounts[i]))
			continue;
		buf_str(&b, accounts[i]);
		buf_str(&b, ",true,false,\n");
	}
	if (len != NULL)
		*len = b.len;
	return b.s;
}
