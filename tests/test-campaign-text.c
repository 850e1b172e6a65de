/*
 * test-campaign-text: the campaign day's texts.  Mastodon's length count
 * (URLs, mentions, WORD JOINERs, emoji), the members' suggestion
 * messages and the public introductions on both networks (split at the
 * edge of the limits, never inside a line, each part full before the
 * next starts, Bluesky facets on the right bytes), the follows-import
 * CSV byte for byte, and the new messages' load-time checks.  The
 * project's message files are used ($QUITX_MESSAGES, else
 * ./conf/messages), and variants of them with emoji.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/campaign-text.h"
#include "quitx/config.h"
#include "quitx/richtext.h"
#include "quitx/templates.h"
#include "quitx/xmalloc.h"

#define WJ	"\xe2\x81\xa0"		/* U+2060 WORD JOINER */
#define FAMILY	"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d" \
		"\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6"	/* 1 cluster */
#define PARTY	"\xf0\x9f\x8e\x89"			/* U+1F389 */
#define FLAG_FR	"\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"	/* 1 cluster */
#define COMB	"\xcc\x81"				/* U+0301 */
#define LINK	"https://quitx.example.org/f/" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const char *
messages_dir(void)
{
	const char	*d = getenv("QUITX_MESSAGES");

	return d != NULL ? d : "conf/messages";
}

static struct templates *
load_dir(const char *dir)
{
	struct config_errors	 errs = { NULL, 0 };
	struct templates	*t;
	size_t			 i;

	t = templates_load(dir, (1u << LANG_EN) | (1u << LANG_FR), &errs);
	for (i = 0; i < errs.count; i++)
		print_message("%s\n", errs.msgs[i]);
	config_errors_clear(&errs);
	return t;
}

/*
 * A copy of the project's messages in a new folder, with the keys of
 * en_extra (whole "key = ...;" lines) replaced in en.conf.
 */
static char *
custom_messages(const char *en_extra)
{
	char	*dir = tu_tmpdir(), *path, *src, *out, *line, *save, *key, *k;
	size_t	 cap;

	path = xasprintf("%s/fr.conf", messages_dir());
	src = tu_slurp(path);
	assert_non_null(src);
	free(tu_write(dir, "fr.conf", 0644, "%s", src));
	free(src);
	free(path);
	path = xasprintf("%s/en.conf", messages_dir());
	src = tu_slurp(path);
	assert_non_null(src);
	free(path);
	cap = strlen(src) + strlen(en_extra) + 2;
	out = xcalloc(cap, 1);
	for (line = strtok_r(src, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		key = xasprintf("\n%.*s = ", (int)strcspn(line, " "), line);
		k = strstr(en_extra, key + 1);
		/* a key of en_extra: at its start or after a line break */
		if (line[0] == '#' || k == NULL || (k != en_extra &&
		    k[-1] != '\n')) {
			strncat(out, line, cap - strlen(out) - 1);
			strncat(out, "\n", cap - strlen(out) - 1);
		}
		free(key);
	}
	strncat(out, en_extra, cap - strlen(out) - 1);
	free(tu_write(dir, "en.conf", 0644, "%s", out));
	free(out);
	free(src);
	return dir;
}

/* s with a WORD JOINER after each '@', as Mastodon parts have them. */
static char *
wj(const char *s)
{
	char	*out = xcalloc(strlen(s) * 4 + 1, 1), *o = out;

	for (; *s != '\0'; s++) {
		*o++ = *s;
		if (*s == '@') {
			memcpy(o, WJ, 3);
			o += 3;
		}
	}
	return out;
}

static int
setup(void **state)
{
	struct templates	*t = load_dir(messages_dir());

	assert_non_null(t);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	templates_free(*state);
	return 0;
}

static char *
render(const struct templates *t, enum lang lang, enum tmpl which,
    const char *count, const char *network, const char *link)
{
	struct tmpl_vars	v;

	memset(&v, 0, sizeof(v));
	v.count = count;
	v.network = network;
	v.link = link;
	return templates_render(t, lang, which, &v);
}

static size_t
graphemes(const char *s)
{
	return richtext_graphemes(s, strlen(s));
}

/* The lines a message is made of, and whether a blank line comes before. */
struct want {
	char	*line[2048];
	int	 gap[2048];
	size_t	 n;
};

static void
want_add(struct want *w, char *line, int gap)
{
	assert_true(w->n < 2048);
	w->line[w->n] = line;
	w->gap[w->n++] = gap;
}

static void
want_clear(struct want *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		free(w->line[i]);
	w->n = 0;
}

static int
fits(enum network net, size_t room, size_t max_g, size_t max_b,
    const char *text)
{
	if (net == NETWORK_MASTODON)
		return campaign_mastodon_length(text) <= room;
	return richtext_fits(text, max_g, max_b, NULL);
}

/*
 * The parts are the wanted lines in order, each part within the limits
 * and as full as it can be (the next part's first line did not fit);
 * with lead, each part starts with it and a blank line.
 */
static void
check_parts(const struct campaign_part *p, size_t np, enum network net,
    size_t room, size_t max_g, size_t max_b, const struct want *w,
    const char *lead)
{
	char		*copy, *line, *save, *cand, *body;
	size_t		 i, k = 0, first;

	for (i = 0; i < np; i++) {
		if (!fits(net, room, max_g, max_b, p[i].text))
			fail_msg("part %zu is over the limit:\n%s", i,
			    p[i].text);
		assert_true(net == NETWORK_BLUESKY ? p[i].facets != NULL :
		    p[i].facets == NULL);
		body = p[i].text;
		if (lead != NULL) {
			assert_memory_equal(body, lead, strlen(lead));
			assert_memory_equal(body + strlen(lead), "\n\n", 2);
			body += strlen(lead) + 2;
		}
		first = k;
		copy = xstrdup(body);
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (k >= w->n)
				fail_msg("an extra line: %s", line);
			assert_string_equal(line, w->line[k]);
			/* a blank line exactly where wanted, inside a part */
			if (k > first)
				assert_true((line[-1] == '\n') == w->gap[k]);
			k++;
		}
		free(copy);
		assert_true(k > first);
		/* greedy: the next part's first line would not have fit */
		if (i > 0) {
			cand = xasprintf("%s%s%s", p[i - 1].text,
			    w->gap[first] ? "\n\n" : "\n", w->line[first]);
			if (fits(net, room, max_g, max_b, cand))
				fail_msg("part %zu could have taken \"%s\"",
				    i - 1, w->line[first]);
			free(cand);
		}
	}
	assert_int_equal(k, w->n);
}

static size_t
facet_int(json_t *f, const char *key)
{
	return (size_t)json_integer_value(json_object_get(json_object_get(f,
	    "index"), key));
}

/*
 * Each mention facet covers exactly "@handle" of an account with that
 * DID, and every such line has one; facets are sorted and apart.
 * Returns the mention facets seen.
 */
static size_t
check_facets(const struct campaign_part *p, size_t np,
    const struct campaign_account *list, size_t n)
{
	json_t		*f, *feat;
	const char	*type, *did;
	char		*slice;
	size_t		 i, j, k, s, e, prev, mentions = 0;

	for (i = 0; i < np; i++) {
		prev = 0;
		json_array_foreach(p[i].facets, j, f) {
			s = facet_int(f, "byteStart");
			e = facet_int(f, "byteEnd");
			assert_true(s >= prev && s < e && e <= strlen(p[i].text));
			prev = e;
			slice = xasprintf("%.*s", (int)(e - s), p[i].text + s);
			feat = json_array_get(json_object_get(f, "features"), 0);
			type = json_string_value(json_object_get(feat, "$type"));
			if (strcmp(type, "app.bsky.richtext.facet#mention") == 0) {
				did = json_string_value(json_object_get(feat,
				    "did"));
				for (k = 0; k < n; k++)
					if (list[k].network == NETWORK_BLUESKY &&
					    strcmp(list[k].account, did) == 0)
						break;
				assert_true(k < n);
				assert_non_null(list[k].handle);
				assert_true(slice[0] == '@');
				assert_string_equal(slice + 1, list[k].handle);
				/* a line of its own */
				assert_true(s == 0 || p[i].text[s - 1] == '\n');
				assert_true(p[i].text[e] == '\n' ||
				    p[i].text[e] == '\0');
				mentions++;
			} else if (strcmp(type,
			    "app.bsky.richtext.facet#link") == 0) {
				assert_string_equal(slice, json_string_value(
				    json_object_get(feat, "uri")));
			}
			free(slice);
		}
	}
	return mentions;
}

/* ---- Mastodon's count ---- */

static void
test_mastodon_length(void **state)
{
	(void)state;
	assert_int_equal(campaign_mastodon_length(""), 0);
	assert_int_equal(campaign_mastodon_length("hello"), 5);
	/* every URL is 23, whatever its length */
	assert_int_equal(campaign_mastodon_length("see " LINK), 4 + 23);
	assert_int_equal(campaign_mastodon_length("https://a.org"), 23);
	assert_int_equal(campaign_mastodon_length("HTTP://A.ORG/x then"),
	    23 + 5);
	/* trailing punctuation is not part of it */
	assert_int_equal(campaign_mastodon_length("(" LINK ")."), 1 + 23 + 2);
	assert_int_equal(campaign_mastodon_length(LINK "\n" LINK), 47);
	/* stuck to a word: no URL for Mastodon, counted in full */
	assert_int_equal(campaign_mastodon_length("x" LINK),
	    1 + strlen(LINK));
	/* not a URL Mastodon surely takes: both readings, never less */
	assert_int_equal(campaign_mastodon_length("https://localhost/x"),
	    23 + 19);
	assert_int_equal(campaign_mastodon_length("https://a.invalidtld/x"),
	    23 + 22);
	/* a mention counts as @user, its domain is free */
	assert_int_equal(campaign_mastodon_length("@alice@mastodon.social hi"),
	    9);
	assert_int_equal(campaign_mastodon_length("hi @bob"), 7);
	assert_int_equal(campaign_mastodon_length("@a.b-c@x.example.org\n@d@e"),
	    6 + 1 + 2);
	/* after a word character, '/' or '=': no mention */
	assert_int_equal(campaign_mastodon_length("me@bob@x.org"), 12);
	assert_int_equal(campaign_mastodon_length("a/@bob@x.org"), 12);
	/* what Mastodon rejects after one, or Unicode: in full */
	assert_int_equal(campaign_mastodon_length("@bob@x.org@y"), 12);
	assert_int_equal(campaign_mastodon_length("@bob@x.orgé"), 11);
	/* a WORD JOINER after '@': no mention, and a cluster of its own */
	assert_int_equal(campaign_mastodon_length("@" WJ "alice@" WJ
	    "example.org"), 1 + 1 + 5 + 1 + 1 + 11);
	/* clusters: emoji sequences, flags, combining marks */
	assert_int_equal(campaign_mastodon_length(FAMILY FLAG_FR "e" COMB),
	    3);
	assert_int_equal(campaign_mastodon_length("@zoe@x.org " FAMILY), 6);
	assert_int_equal(campaign_mastodon_length("Préférences"), 11);
	/* '@' in a path: Mastodon ends the URL before it, or not */
	assert_true(campaign_mastodon_length("https://x.org/a.@bob") >=
	    23 + 5);
}

/* ---- the follows-import file ---- */

static void
test_follows_csv(void **state)
{
	const char *const	 accts[] = { "ann@a.example", "bob@b.example",
				    "bad,one@x.org", "noat", "quo\"te@x.org",
				    "zoé@café.example" };
	char			*csv;
	size_t			 len;

	(void)state;
	csv = campaign_follows_csv(accts, 6, &len);
	assert_string_equal(csv,
	    "Account address,Show boosts,Notify on new posts,Languages\n"
	    "ann@a.example,true,false,\n"
	    "bob@b.example,true,false,\n"
	    "zoé@café.example,true,false,\n");
	assert_int_equal(len, strlen(csv));
	free(csv);
	csv = campaign_follows_csv(NULL, 0, &len);
	assert_string_equal(csv,
	    "Account address,Show boosts,Notify on new posts,Languages\n");
	assert_int_equal(len, 58);
	free(csv);
}

/* ---- suggestions on Mastodon ---- */

static void
test_suggestions_mastodon(void **state)
{
	const struct templates		*t = *state;
	const struct campaign_account	 list[] = {
		{ NETWORK_MASTODON, "ann@a.example", NULL },
		{ NETWORK_BLUESKY, "did:plc:bobbob", "bob.bsky.social" },
		{ NETWORK_BLUESKY, "did:plc:nohandle", NULL },
	};
	struct campaign_part		*p;
	char				*h, *want;
	size_t				 np;

	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, 480, list, 3, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_null(p[0].facets);
	h = render(t, LANG_EN, T_SUGGESTIONS_HEADER, "3", "Mastodon", NULL);
	assert_non_null(strstr(h, "(3)"));
	/* no '@' left that Mastodon would take for a recipient */
	want = xasprintf("%s\n\n@" WJ "ann@" WJ "a.example\n"
	    "@" WJ "bob.bsky.social\ndid:plc:nohandle", h);
	assert_string_equal(p[0].text, want);
	assert_int_equal(campaign_mastodon_length(p[0].text), graphemes(want));
	campaign_parts_free(p, np);
	free(want);
	free(h);

	/* followup, more and the CSV line, in French */
	assert_int_equal(campaign_suggestion_parts(t, LANG_FR,
	    NETWORK_MASTODON, 480, list, 1, 4, LINK, 3, 1, &p, &np), 0);
	assert_int_equal(np, 1);
	h = render(t, LANG_FR, T_SUGGESTIONS_FOLLOWUP_HEADER, "5", "Mastodon",
	    NULL);
	assert_non_null(strstr(h, "Depuis mon dernier message"));
	assert_non_null(strstr(h, "(5)"));
	want = xasprintf("%s\n\n@" WJ "ann@" WJ "a.example\n"
	    "…et 4 de plus.\n\n"
	    "Pour suivre les 3 sur Mastodon d'un coup : téléchargez " LINK
	    " puis dans Préférences > Import et export > Importer, choisissez"
	    " « Liste d'abonnements ».", h);
	assert_string_equal(p[0].text, want);
	/* the link counts 23 */
	assert_int_equal(campaign_mastodon_length(p[0].text),
	    graphemes(want) - strlen(LINK) + 23);
	campaign_parts_free(p, np);
	free(want);
	free(h);
}

/* The edge: a line that exactly fills a part, and one character over. */
static void
test_suggestions_mastodon_edge(void **state)
{
	const struct templates		*t = *state;
	const struct campaign_account	 list[] = {
		{ NETWORK_MASTODON, "ann@a.example", NULL },
		{ NETWORK_MASTODON, "bob@b.example", NULL },
	};
	const struct campaign_account	 huge[] = {
		{ NETWORK_MASTODON, "c@cccccccccccccccccccccccccccccccccc"
		    "ccccccccccccccccccccccccccccccccccccccccccccc.example",
		    NULL },
	};
	struct campaign_part		*p;
	char				*h, *l1, *l2, *all, *first, *rest;
	size_t				 np, room;

	h = render(t, LANG_EN, T_SUGGESTIONS_HEADER, "2", "Mastodon", NULL);
	l1 = xstrdup("@" WJ "ann@" WJ "a.example");
	l2 = xstrdup("@" WJ "bob@" WJ "b.example");
	all = xasprintf("%s\n\n%s\n%s", h, l1, l2);
	first = xasprintf("%s\n\n%s", h, l1);
	rest = xasprintf("%s\n%s", l1, l2);

	/* exactly full: one part */
	room = campaign_mastodon_length(all);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room, list, 2, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_string_equal(p[0].text, all);
	campaign_parts_free(p, np);

	/* one over: the last line goes on, whole */
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room - 1, list, 2, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 2);
	assert_string_equal(p[0].text, first);
	assert_string_equal(p[1].text, l2);
	campaign_parts_free(p, np);

	/* the header alone, then the list */
	room = campaign_mastodon_length(first) - 1;
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room, list, 2, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 2);
	assert_string_equal(p[0].text, h);
	assert_string_equal(p[1].text, rest);
	campaign_parts_free(p, np);

	/* the header does not fit at all; a line does not fit alone */
	room = campaign_mastodon_length(h);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room - 1, list, 2, 0, NULL, 0, 0, &p, &np), -1);
	assert_null(p);
	assert_int_equal(np, 0);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room, huge, 1, 0, NULL, 0, 0, &p, &np), -1);
	assert_null(p);
	/* no templates */
	assert_int_equal(campaign_suggestion_parts(NULL, LANG_EN,
	    NETWORK_MASTODON, 500, list, 2, 0, NULL, 0, 0, &p, &np), -1);
	free(h);
	free(l1);
	free(l2);
	free(all);
	free(first);
	free(rest);
}

/* The CSV line, its URL counted 23, exactly filling the last part. */
static void
test_suggestions_mastodon_csv_edge(void **state)
{
	const struct templates		*t = *state;
	const struct campaign_account	 list[] = {
		{ NETWORK_MASTODON, "ann@a.example", NULL },
	};
	struct campaign_part		*p;
	char				*h, *csv, *all, *first;
	size_t				 np, room;

	h = render(t, LANG_EN, T_SUGGESTIONS_HEADER, "1", "Mastodon", NULL);
	csv = render(t, LANG_EN, T_SUGGESTIONS_CSV, "1", NULL, LINK);
	assert_non_null(strstr(csv, "Preferences > Import and export > Import"));
	assert_non_null(strstr(csv, "\"Following list\""));
	first = xasprintf("%s\n\n@" WJ "ann@" WJ "a.example", h);
	all = xasprintf("%s\n\n%s", first, csv);
	room = campaign_mastodon_length(all);
	assert_int_equal(room, graphemes(all) - strlen(LINK) + 23);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room, list, 1, 0, LINK, 1, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_string_equal(p[0].text, all);
	campaign_parts_free(p, np);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room - 1, list, 1, 0, LINK, 1, 0, &p, &np), 0);
	assert_int_equal(np, 2);
	assert_string_equal(p[0].text, first);
	assert_string_equal(p[1].text, csv);
	campaign_parts_free(p, np);
	/* the CSV line alone is over: no message */
	room = campaign_mastodon_length(csv);
	assert_true(room > campaign_mastodon_length(first));
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room - 1, list, 1, 0, LINK, 1, 0, &p, &np), -1);
	free(h);
	free(csv);
	free(first);
	free(all);
}

/* Many accounts: every part within the room, full, lines whole. */
static void
test_suggestions_mastodon_many(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 list[300];
	struct campaign_part	*p;
	struct want		 w;
	char			*accts[300], count[16];
	size_t			 i, np, room;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < 300; i++) {
		/* some with accents in the domain: counted in full */
		accts[i] = xasprintf(i % 7 == 0 ? "zoé%zu@café%zu.example" :
		    "user%zu@instance%zu.example.org", i, i % 13);
		list[i].network = NETWORK_MASTODON;
		list[i].account = accts[i];
		list[i].handle = NULL;
	}
	for (room = 180; room <= 500; room += 41) {
		snprintf(count, sizeof(count), "%d", 300 + 12);
		want_add(&w, render(t, LANG_FR, T_SUGGESTIONS_HEADER, count,
		    "Mastodon", NULL), 0);
		for (i = 0; i < 300; i++) {
			char	*l = xasprintf("@%s", accts[i]);

			want_add(&w, wj(l), i == 0);
			free(l);
		}
		want_add(&w, xstrdup("…et 12 de plus."), 0);
		want_add(&w, render(t, LANG_FR, T_SUGGESTIONS_CSV, "250",
		    NULL, LINK), 1);
		assert_int_equal(campaign_suggestion_parts(t, LANG_FR,
		    NETWORK_MASTODON, room, list, 300, 12, LINK, 250, 0, &p,
		    &np), 0);
		assert_true(np > 1);
		check_parts(p, np, NETWORK_MASTODON, room, 0, 0, &w, NULL);
		campaign_parts_free(p, np);
		want_clear(&w);
	}
	for (i = 0; i < 300; i++)
		free(accts[i]);
}

/* ---- suggestions on Bluesky: chat messages with mention facets ---- */

static void
test_suggestions_bluesky(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 list[400];
	struct campaign_part	*p;
	struct want		 w;
	char			*accts[400], *handles[400];
	size_t			 i, np, mentions = 0, want_mentions = 0;

	memset(&w, 0, sizeof(w));
	want_add(&w, render(t, LANG_FR, T_SUGGESTIONS_HEADER, "400",
	    "Bluesky", NULL), 0);
	for (i = 0; i < 400; i++) {
		handles[i] = NULL;
		if (i % 10 == 3) {
			/* a Mastodon account: plain, no WORD JOINER */
			accts[i] = xasprintf("léa%zu@café.example", i);
			list[i].network = NETWORK_MASTODON;
			want_add(&w, xasprintf("@%s", accts[i]), i == 0);
		} else if (i % 10 == 7) {
			/* no handle known: the DID, no facet */
			accts[i] = xasprintf("did:plc:nohandle%zu", i);
			list[i].network = NETWORK_BLUESKY;
			want_add(&w, xstrdup(accts[i]), i == 0);
		} else {
			accts[i] = xasprintf("did:plc:user%zu", i);
			handles[i] = xasprintf("user-%zu.%s", i, i % 2 ?
			    "bsky.social" : "example-with-a-long-domain.fr");
			list[i].network = NETWORK_BLUESKY;
			want_add(&w, xasprintf("@%s", handles[i]), i == 0);
			want_mentions++;
		}
		list[i].account = accts[i];
		list[i].handle = handles[i];
	}
	want_add(&w, render(t, LANG_FR, T_SUGGESTIONS_CSV_ELSEWHERE, "40", NULL,
	    LINK), 1);
	assert_int_equal(campaign_suggestion_parts(t, LANG_FR, NETWORK_BLUESKY,
	    0, list, 400, 0, LINK, 40, 0, &p, &np), 0);
	assert_true(np > 1);
	check_parts(p, np, NETWORK_BLUESKY, 0, RICHTEXT_CHAT_GRAPHEMES,
	    RICHTEXT_CHAT_BYTES, &w, NULL);
	mentions = check_facets(p, np, list, 400);
	assert_int_equal(mentions, want_mentions);
	/* the CSV link has its link facet, in the last part */
	{
		char	*dump = json_dumps(p[np - 1].facets, JSON_COMPACT);

		assert_non_null(strstr(dump, "\"uri\":\"" LINK "\""));
		free(dump);
	}
	campaign_parts_free(p, np);
	want_clear(&w);
	for (i = 0; i < 400; i++) {
		free(accts[i]);
		free(handles[i]);
	}
}

/* Accents before a facet: its offsets are bytes, not characters. */
static void
test_suggestions_bluesky_offsets(void **state)
{
	const struct templates		*t = *state;
	const struct campaign_account	 list[] = {
		{ NETWORK_MASTODON, "zoé@café.example", NULL },
		{ NETWORK_BLUESKY, "did:plc:aaa", "alice.bsky.social" },
		{ NETWORK_BLUESKY, "did:plc:bbb", "bob.test" },
	};
	struct campaign_part		*p;
	json_t				*f;
	char				*h, *want;
	size_t				 np, s;

	assert_int_equal(campaign_suggestion_parts(t, LANG_FR, NETWORK_BLUESKY,
	    0, list, 3, 0, NULL, 0, 1, &p, &np), 0);
	assert_int_equal(np, 1);
	h = render(t, LANG_FR, T_SUGGESTIONS_FOLLOWUP_HEADER, "3", "Bluesky",
	    NULL);
	want = xasprintf("%s\n\n@zoé@café.example\n@alice.bsky.social\n"
	    "@bob.test", h);
	assert_string_equal(p[0].text, want);
	assert_int_equal(json_array_size(p[0].facets), 2);
	f = json_array_get(p[0].facets, 0);
	s = strlen(h) + 2 + 19 + 1;
	/* before it, bytes and characters differ */
	assert_true(s > graphemes(h) + 2 + 17 + 1);
	assert_int_equal(facet_int(f, "byteStart"), s);
	assert_int_equal(facet_int(f, "byteEnd"), s + 18);
	f = json_array_get(p[0].facets, 1);
	assert_int_equal(facet_int(f, "byteStart"), s + 19);
	assert_int_equal(facet_int(f, "byteEnd"), s + 28);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(f, "features"), 0), "did")), "did:plc:bbb");
	check_facets(p, np, list, 3);
	campaign_parts_free(p, np);
	free(want);
	free(h);
}

/*
 * A Bluesky member whose matches are all on Mastodon: no empty list
 * under a "(0)" header, only where to find them.
 */
static void
test_suggestions_bluesky_elsewhere(void **state)
{
	const struct templates	*t = *state;
	struct campaign_part	*p;
	char			*want;
	size_t			 np;

	assert_int_equal(campaign_suggestion_parts(t, LANG_EN, NETWORK_BLUESKY,
	    0, NULL, 0, 0, LINK, 4, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	want = render(t, LANG_EN, T_SUGGESTIONS_CSV_ELSEWHERE, "4", NULL,
	    LINK);
	assert_string_equal(p[0].text, want);
	assert_non_null(strstr(p[0].text, "4 of the people you followed"));
	campaign_parts_free(p, np);
	free(want);
}

/* The byte limit binds before the grapheme limit: long clusters. */
static void
test_suggestions_bluesky_bytes(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 list[100];
	struct campaign_part	*p;
	struct want		 w;
	char			*acct, *marks;
	size_t			 i, np;

	memset(&w, 0, sizeof(w));
	/* one cluster of 241 bytes in each address */
	marks = xcalloc(120 * 2 + 1, 1);
	for (i = 0; i < 120; i++)
		memcpy(marks + 2 * i, COMB, 2);
	acct = xasprintf("u@e%s.example", marks);
	free(marks);
	want_add(&w, render(t, LANG_EN, T_SUGGESTIONS_HEADER, "100",
	    "Bluesky", NULL), 0);
	for (i = 0; i < 100; i++) {
		list[i].network = NETWORK_MASTODON;
		list[i].account = acct;
		list[i].handle = NULL;
		want_add(&w, xasprintf("@%s", acct), i == 0);
	}
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN, NETWORK_BLUESKY,
	    0, list, 100, 0, NULL, 0, 0, &p, &np), 0);
	assert_true(np >= 3);
	for (i = 0; i < np; i++) {
		assert_true(strlen(p[i].text) <= RICHTEXT_CHAT_BYTES);
		assert_true(graphemes(p[i].text) < 600);
	}
	check_parts(p, np, NETWORK_BLUESKY, 0, RICHTEXT_CHAT_GRAPHEMES,
	    RICHTEXT_CHAT_BYTES, &w, NULL);
	campaign_parts_free(p, np);
	want_clear(&w);
	free(acct);
}

/* Exactly 1000 graphemes: one message; 1001: two. */
static void
test_suggestions_bluesky_edge(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 list[2];
	struct campaign_part	*p;
	char			*h, *a1, *a2, *all;
	size_t			 np, used, k;

	h = render(t, LANG_EN, T_SUGGESTIONS_HEADER, "2", "Bluesky", NULL);
	a1 = xstrdup("ann@a.example");
	/* header, blank line, "@ann@a.example", "\n@x@" + k + ".example" */
	used = graphemes(h) + 2 + 14 + 1 + 3 + 8;
	assert_true(used < RICHTEXT_CHAT_GRAPHEMES);
	k = RICHTEXT_CHAT_GRAPHEMES - used;
	a2 = xcalloc(k + 16, 1);
	memcpy(a2, "x@", 2);
	memset(a2 + 2, 'b', k);
	memcpy(a2 + 2 + k, ".example", 9);
	list[0].network = list[1].network = NETWORK_MASTODON;
	list[0].account = a1;
	list[1].account = a2;
	list[0].handle = list[1].handle = NULL;
	all = xasprintf("%s\n\n@%s\n@%s", h, a1, a2);
	assert_int_equal(graphemes(all), RICHTEXT_CHAT_GRAPHEMES);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN, NETWORK_BLUESKY,
	    0, list, 2, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_string_equal(p[0].text, all);
	campaign_parts_free(p, np);
	free(all);
	/* one more */
	a2 = xreallocarray(a2, k + 17, 1);
	memcpy(a2 + 2 + k, "b.example", 10);
	list[1].account = a2;
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN, NETWORK_BLUESKY,
	    0, list, 2, 0, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 2);
	all = xasprintf("%s\n\n@%s", h, a1);
	assert_string_equal(p[0].text, all);
	free(all);
	all = xasprintf("@%s", a2);
	assert_string_equal(p[1].text, all);
	free(all);
	campaign_parts_free(p, np);
	free(h);
	free(a1);
	free(a2);
}

/* ---- templates with emoji, and with an '@' ---- */

static void
test_emoji_templates(void **state)
{
	const struct campaign_account	 list[] = {
		{ NETWORK_MASTODON, "ann@a.example", NULL },
		{ NETWORK_MASTODON, "bob@b.example", NULL },
	};
	struct templates		*t;
	struct campaign_part		*p;
	char				*dir, *want;
	size_t				 np, room;

	(void)state;
	dir = custom_messages(
	    "suggestions_header = \"" PARTY FAMILY FLAG_FR " {count} on X, "
	    "ask @team or @{network}:\";\n"
	    "suggestions_more = \"" FAMILY " +{count}\";\n");
	t = load_dir(dir);
	assert_non_null(t);
	want = xasprintf(PARTY FAMILY FLAG_FR " 5 on X, ask @" WJ "team or @"
	    WJ "Mastodon:\n\n@" WJ "ann@" WJ "a.example\n@" WJ "bob@" WJ
	    "b.example\n" FAMILY " +3");
	/* the emoji are one character each for Mastodon */
	room = campaign_mastodon_length(want);
	assert_int_equal(room, graphemes(want));
	assert_int_equal(room, 3 + 34 + 2 + 16 + 1 + 16 + 1 + 4);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room, list, 2, 3, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_string_equal(p[0].text, want);
	campaign_parts_free(p, np);
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_MASTODON, room - 1, list, 2, 3, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 2);
	assert_string_equal(p[1].text, FAMILY " +3");
	campaign_parts_free(p, np);
	/* on Bluesky the template's '@' stay as written: no facet there */
	assert_int_equal(campaign_suggestion_parts(t, LANG_EN,
	    NETWORK_BLUESKY, 0, list, 2, 3, NULL, 0, 0, &p, &np), 0);
	assert_int_equal(np, 1);
	assert_non_null(strstr(p[0].text, "ask @team or @Bluesky:"));
	assert_int_equal(json_array_size(p[0].facets), 0);
	campaign_parts_free(p, np);
	free(want);
	templates_free(t);
	tu_rmtree(dir);
	free(dir);
}

/* The new messages are checked when loaded, like the others. */
static void
test_template_checks(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct templates	*t;
	char			*dir, *all;
	size_t			 i;

	(void)state;
	dir = custom_messages(
	    "intro_header = \"Welcome, everyone who left X for {network}! "
	    "If you followed them there, you can follow them here: they "
	    "are the same people, with the same voices, and they will be "
	    "glad to see you again, {network} friends\";\n"
	    "suggestions_more = \"and {days} more\";\n");
	t = templates_load(dir, 1u << LANG_EN, &errs);
	assert_null(t);
	all = xstrdup("");
	for (i = 0; i < errs.count; i++) {
		char	*n = xasprintf("%s%s\n", all, errs.msgs[i]);

		free(all);
		all = n;
	}
	assert_non_null(strstr(all, "'intro_header' can be"));
	assert_non_null(strstr(all, "at most 200 fit in a post"));
	assert_non_null(strstr(all, "'suggestions_more': {days} is not a "
	    "placeholder this message can use"));
	free(all);
	config_errors_clear(&errs);
	tu_rmtree(dir);
	free(dir);
}

/* The project's texts: in each language, with their placeholders filled. */
static void
test_project_texts(void **state)
{
	const struct templates	*t = *state;
	struct tmpl_vars	 v;
	char			*s;
	int			 lang;

	memset(&v, 0, sizeof(v));
	v.count = "7";
	v.network = "Bluesky";
	v.bot = "HelloQuitX";
	v.link = LINK;
	for (lang = 0; lang < LANG_COUNT; lang++) {
		s = templates_render(t, (enum lang)lang, T_SUGGESTIONS_HEADER,
		    &v);
		assert_non_null(strstr(s, "7"));
		free(s);
		s = templates_render(t, (enum lang)lang, T_SUGGESTIONS_MORE, &v);
		assert_non_null(strstr(s, "7"));
		free(s);
		s = templates_render(t, (enum lang)lang, T_SUGGESTIONS_CSV, &v);
		assert_non_null(strstr(s, LINK));
		assert_non_null(strstr(s, "7"));
		free(s);
		s = templates_render(t, (enum lang)lang, T_INTRO_HEADER, &v);
		assert_non_null(strstr(s, "Bluesky"));
		assert_true(graphemes(s) <= TEMPLATE_MAX_POST_CHARS);
		free(s);
		s = templates_render(t, (enum lang)lang, T_ASK_FOLLOW, &v);
		assert_non_null(strstr(s, "@HelloQuitX"));
		free(s);
		s = templates_render(t, (enum lang)lang, T_SUGGESTIONS_NONE, &v);
		assert_true(strlen(s) > 0);
		free(s);
	}
	s = templates_render(t, LANG_FR, T_SUGGESTIONS_NONE, &v);
	assert_non_null(strstr(s, "quelqu'un"));
	free(s);
	assert_string_equal(templates_key(T_ASK_FOLLOW), "ask_follow");
}

/* ---- introductions ---- */

static void
test_intro_mastodon(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 m[120];
	struct campaign_part	*p;
	struct want		 w;
	char			*accts[120], *h;
	size_t			 i, np, room;

	memset(&w, 0, sizeof(w));
	h = render(t, LANG_EN, T_INTRO_HEADER, NULL, "Mastodon", NULL);
	for (i = 0; i < 120; i++) {
		/* long domains: free in Mastodon's count */
		accts[i] = xasprintf("member%zu@a-rather-long-instance-name-"
		    "%zu.example.org", i, i);
		m[i].network = i % 11 == 5 ? NETWORK_BLUESKY :
		    NETWORK_MASTODON;
		m[i].account = accts[i];
		m[i].handle = "someone.bsky.social";
		if (m[i].network == NETWORK_MASTODON)
			want_add(&w, xasprintf("@%s", accts[i]), 0);
	}
	for (room = 120; room <= 500; room += 95) {
		assert_int_equal(campaign_intro_parts(t, LANG_EN,
		    NETWORK_MASTODON, room, m, 120, &p, &np), 0);
		assert_true(np > 1);
		check_parts(p, np, NETWORK_MASTODON, room, 0, 0, &w, h);
		for (i = 0; i < np; i++) {
			/* real mentions: no WORD JOINER; domains counted free */
			assert_null(strstr(p[i].text, WJ));
			assert_true(campaign_mastodon_length(p[i].text) <
			    graphemes(p[i].text));
			assert_null(strstr(p[i].text, "someone"));
		}
		campaign_parts_free(p, np);
	}
	/* exactly one member more than fits, counted as "@user" */
	{
		const struct campaign_account	two[] = {
			{ NETWORK_MASTODON, "ann@a.example", NULL },
			{ NETWORK_MASTODON, "bob@b.example", NULL },
		};
		char	*all = xasprintf("%s\n\n@ann@a.example\n@bob@b.example",
			    h);

		room = campaign_mastodon_length(all);
		assert_int_equal(room, graphemes(h) + 2 + 4 + 1 + 4);
		assert_int_equal(campaign_intro_parts(t, LANG_EN,
		    NETWORK_MASTODON, room, two, 2, &p, &np), 0);
		assert_int_equal(np, 1);
		assert_string_equal(p[0].text, all);
		campaign_parts_free(p, np);
		assert_int_equal(campaign_intro_parts(t, LANG_EN,
		    NETWORK_MASTODON, room - 1, two, 2, &p, &np), 0);
		assert_int_equal(np, 2);
		free(all);
		all = xasprintf("%s\n\n@bob@b.example", h);
		assert_string_equal(p[1].text, all);
		free(all);
		campaign_parts_free(p, np);
		/* the header and one member do not fit: nothing */
		assert_int_equal(campaign_intro_parts(t, LANG_EN,
		    NETWORK_MASTODON, graphemes(h) + 5, two, 2, &p, &np), -1);
		assert_null(p);
	}
	want_clear(&w);
	for (i = 0; i < 120; i++)
		free(accts[i]);
	free(h);
}

static void
test_intro_bluesky(void **state)
{
	const struct templates	*t = *state;
	struct campaign_account	 m[200];
	struct campaign_part	*p;
	struct want		 w;
	char			*accts[200], *handles[200], *h;
	size_t			 i, np, want_mentions = 0;

	memset(&w, 0, sizeof(w));
	h = render(t, LANG_FR, T_INTRO_HEADER, NULL, "Bluesky", NULL);
	for (i = 0; i < 200; i++) {
		accts[i] = xasprintf("did:plc:m%zu", i);
		handles[i] = i % 9 == 4 ? NULL : xasprintf("membre-%zu.bsky."
		    "social", i);
		m[i].network = i % 13 == 6 ? NETWORK_MASTODON :
		    NETWORK_BLUESKY;
		m[i].account = accts[i];
		m[i].handle = handles[i];
		/* no handle, or on Mastodon: no one to mention, skipped */
		if (handles[i] != NULL && m[i].network == NETWORK_BLUESKY) {
			want_add(&w, xasprintf("@%s", handles[i]), 0);
			want_mentions++;
		}
	}
	assert_int_equal(campaign_intro_parts(t, LANG_FR, NETWORK_BLUESKY, 0,
	    m, 200, &p, &np), 0);
	assert_true(np > 5);
	check_parts(p, np, NETWORK_BLUESKY, 0, RICHTEXT_POST_GRAPHEMES,
	    RICHTEXT_POST_BYTES, &w, h);
	assert_int_equal(check_facets(p, np, m, 200), want_mentions);
	for (i = 0; i < np; i++)
		assert_null(strstr(p[i].text, "did:plc"));
	campaign_parts_free(p, np);
	/* no one to introduce: no post */
	assert_int_equal(campaign_intro_parts(t, LANG_FR, NETWORK_BLUESKY, 0,
	    m + 4, 1, &p, &np), 0);
	assert_int_equal(np, 0);
	assert_null(p);
	want_clear(&w);
	for (i = 0; i < 200; i++) {
		free(accts[i]);
		free(handles[i]);
	}
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mastodon_length),
		cmocka_unit_test(test_follows_csv),
		cmocka_unit_test(test_suggestions_mastodon),
		cmocka_unit_test(test_suggestions_mastodon_edge),
		cmocka_unit_test(test_suggestions_mastodon_csv_edge),
		cmocka_unit_test(test_suggestions_mastodon_many),
		cmocka_unit_test(test_suggestions_bluesky),
		cmocka_unit_test(test_suggestions_bluesky_offsets),
		cmocka_unit_test(test_suggestions_bluesky_elsewhere),
		cmocka_unit_test(test_suggestions_bluesky_bytes),
		cmocka_unit_test(test_suggestions_bluesky_edge),
		cmocka_unit_test(test_emoji_templates),
		cmocka_unit_test(test_template_checks),
		cmocka_unit_test(test_project_texts),
		cmocka_unit_test(test_intro_mastodon),
		cmocka_unit_test(test_intro_bluesky),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
