/*
 * demo-people: the demo's population and what its members do, as real
 * members would: follow the bot and reply to it on their network (the
 * peers' control APIs stand in for their apps), find the upload link
 * in what the bot sent them, and upload their X archive through it.
 *
 * The population comes from the project's generator (gen-archive): X
 * handles, a follow graph, and an archive in X's layout per person.
 * Each person registers on one network, Mastodon when they are there,
 * else Bluesky; a third talk French.  Three extra parts of the script:
 * an impostor claims the most followed member's X handle (a contested
 * claim), a Mastodon bot account asks to register (the bot must not
 * answer it), and one member registers, then says "forget me".  Halfway
 * through the replies both peers cut the daemon's streams.
 */
#include "demo-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

#define MASTODON_ON	"0.6"	/* of the population; the rest: Bluesky */
#define MEAN_FOLLOWING	"12"
#define IMPOSTOR	"fan.of.everyone@piaille.example"
#define NEWSBOT		"newsbot@bots.example"

/* What members write: plain, typos, other wordings; %s: the X handle. */
static const char *const say_en[] = {
	"register @%s",
	"hi! please regsiter @%s",
	"my X handle is @%s",
	"Hello, register @%s thanks",
};
static const char *const say_fr[] = {
	"inscription @%s",
	"bonjour, mon compte X c'est x.com/%s",
	"inscirption @%s merci",
};
#define NSAY(a) (sizeof(a) / sizeof(a[0]))

static const char *
bot_of(const struct demo_member *m)
{
	if (m->network == NETWORK_MASTODON)
		return m->fr ? DEMO_MASTO_FR : DEMO_MASTO_EN;
	return m->fr ? DEMO_BSKY_FR : DEMO_BSKY_EN;
}

static struct demo_member *
add(struct demo *d, const char *x_handle, const char *account,
    enum network net, int fr, enum demo_role role)
{
	struct demo_member	*m;

	d->m = xreallocarray(d->m, d->nm + 1, sizeof(*d->m));
	m = &d->m[d->nm++];
	memset(m, 0, sizeof(*m));
	m->x_handle = xstrdup(x_handle);
	m->account = xstrdup(account);
	m->network = net;
	m->fr = fr;
	m->role = role;
	return m;
}

/* gen-archive, then the population file read into d->m. */
int
demo_population(struct demo *d)
{
	char	*gen, *out, *tsv, *log, n[16], seed[16], line[1024];
	char	*f[4], *p;
	FILE	*in;
	int	 i, rc;

	gen = xasprintf("%s/gen-archive", d->libexec);
	out = xasprintf("%s/pop", d->dir);
	log = xasprintf("%s/gen-archive.log", d->dir);
	snprintf(n, sizeof(n), "%d", d->members);
	snprintf(seed, sizeof(seed), "%u", d->seed);
	{
		const char *argv[] = { gen, "--users", n, "--archives", n, "--zip",
		    "--seed", seed, "--on-mastodon", MASTODON_ON,
		    "--on-bluesky", "1", "--mean-following", MEAN_FOLLOWING,
		    "--out", out, NULL };

		rc = demo_run(d, argv, log);
	}
	free(gen);
	free(log);
	if (rc != 0) {
		demo_fail(d, "gen-archive failed (see %s/gen-archive.log)",
		    d->dir);
		free(out);
		return -1;
	}
	tsv = xasprintf("%s/population.tsv", out);
	free(out);
	if ((in = fopen(tsv, "r")) == NULL) {
		demo_fail(d, "%s: cannot read it", tsv);
		free(tsv);
		return -1;
	}
	free(tsv);
	while (fgets(line, sizeof(line), in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		f[0] = line;
		for (i = 1; i < 4; i++) {
			if ((p = strchr(f[i - 1], '\t')) == NULL)
				break;
			*p = '\0';
			f[i] = p + 1;
		}
		if (i < 4)
			continue;
		i = (int)d->nm;
		if (*f[2] != '\0')
			add(d, f[1], f[2], NETWORK_MASTODON, i % 3 == 2,
			    ROLE_PLAIN);
		else
			add(d, f[1], f[3], NETWORK_BLUESKY, i % 3 == 2,
			    ROLE_PLAIN);
	}
	fclose(in);
	if (d->nm < 4) {
		demo_fail(d, "the population is too small (%zu)", d->nm);
		return -1;
	}
	/* the last Mastodon member changes their mind */
	for (i = (int)d->nm - 1; i >= 0; i--)
		if (d->m[i].network == NETWORK_MASTODON) {
			d->m[i].role = ROLE_FORGET;
			break;
		}
	/* the first (the most followed) is who an impostor claims to be */
	add(d, d->m[0].x_handle, IMPOSTOR, NETWORK_MASTODON, 0,
	    ROLE_IMPOSTOR);
	add(d, "newsbot_x", NEWSBOT, NETWORK_MASTODON, 0, ROLE_BOT);
	return 0;
}

/* HTML as Mastodon renders a mention: the bot's h-card, then text. */
static char *
mastodon_html(const char *bot, const char *text)
{
	char		*out, *o;
	const char	*t;
	size_t		 n = strlen(text);

	out = o = xmalloc(n * 6 + 1);
	for (t = text; *t != '\0'; t++) {
		if (*t == '\'') {
			memcpy(o, "&#39;", 5);
			o += 5;
		} else if (*t == '&') {
			memcpy(o, "&amp;", 5);
			o += 5;
		} else if (*t == '<' || *t == '>') {
			memcpy(o, *t == '<' ? "&lt;" : "&gt;", 4);
			o += 4;
		} else
			*o++ = *t;
	}
	*o = '\0';
	o = xasprintf("<p><span class=\"h-card\" translate=\"no\"><a "
	    "href=\"https://mastodon.test/@%s\" class=\"u-url mention\">"
	    "@<span>%s</span></a></span> %s</p>", bot, bot, out);
	free(out);
	return o;
}

/* A member writes text to their bot. */
static int
say(struct demo *d, struct demo_member *m, const char *text, int is_bot)
{
	json_t	*r;
	char	*html;

	if (m->network == NETWORK_MASTODON) {
		html = mastodon_html(bot_of(m), text);
		r = demo_peer_call(d, &d->masto, "POST", "/_peer/mention",
		    json_pack("{s:s, s:s, s:s, s:s, s:b}", "to", bot_of(m),
		    "from", m->account, "content", html, "language",
		    m->fr ? "fr" : "en", "bot", is_bot));
		free(html);
	} else {
		html = xasprintf("@%s %s", bot_of(m), text);
		r = demo_peer_call(d, &d->bsky, "POST", "/_peer/post",
		    json_pack("{s:s, s:s, s:[s]}", "from", m->account,
		    "text", html, "langs", m->fr ? "fr" : "en"));
		free(html);
	}
	if (r == NULL)
		return -1;
	/* where the bot's public answer will hang (the summary shows it) */
	if (m->network == NETWORK_BLUESKY && m->post_uri == NULL &&
	    json_string_value(json_object_get(r, "uri")) != NULL)
		m->post_uri = xstrdup(json_string_value(json_object_get(r,
		    "uri")));
	json_decref(r);
	return 0;
}

/* A wording with its one "%s" replaced by the handle. */
static char *
wording(const char *tmpl, const char *handle)
{
	const char	*at = strstr(tmpl, "%s");

	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, handle, at + 2);
}

/*
 * Halfway through, both networks cut the daemon's streams, as servers
 * do: what members write meanwhile must still be answered, once (the
 * daemon reconnects and catches up from its saved position).
 */
static int
drop_streams(struct demo *d)
{
	json_t	*r;

	if ((r = demo_peer_call(d, &d->masto, "POST", "/_peer/streaming",
	    json_pack("{s:b}", "drop", 1))) == NULL)
		return -1;
	json_decref(r);
	if ((r = demo_peer_call(d, &d->bsky, "POST", "/_peer/jetstream",
	    json_pack("{s:b}", "drop", 1))) == NULL)
		return -1;
	json_decref(r);
	return 0;
}

/*
 * Every member follows their bot (so that its private messages reach
 * them), then registers in their words.
 */
int
demo_register(struct demo *d)
{
	struct demo_member	*m;
	json_t			*r;
	char			*path;
	size_t			 i;

	for (i = 0; i < d->nm; i++) {
		m = &d->m[i];
		if (demo_interrupted)
			return -1;
		r = demo_peer_call(d, m->network == NETWORK_MASTODON ?
		    &d->masto : &d->bsky, "POST", "/_peer/follow",
		    json_pack("{s:s, s:s}", "to", bot_of(m), "from",
		    m->account));
		if (r == NULL)
			return -1;
		json_decref(r);
		m->said = wording(m->fr ? say_fr[i % NSAY(say_fr)] :
		    say_en[i % NSAY(say_en)], m->x_handle);
		if (say(d, m, m->said, m->role == ROLE_BOT) == -1)
			return -1;
		if (i == d->nm / 2 && drop_streams(d) == -1)
			return -1;
		if (m->network == NETWORK_BLUESKY) {
			path = xasprintf("/_peer/account?handle=%s",
			    m->account);
			r = demo_peer_call(d, &d->bsky, "GET", path, NULL);
			free(path);
			if (r == NULL)
				return -1;
			if (json_string_value(json_object_get(r, "did")) ==
			    NULL) {
				demo_fail(d, "bluesky-peer gave no DID for %s",
				    m->account);
				json_decref(r);
				return -1;
			}
			m->did = xstrdup(json_string_value(json_object_get(r,
			    "did")));
			json_decref(r);
		}
		if (i % 20 == 0)
			demo_view(d, 0);
	}
	return 0;
}

char *
demo_link_token(const char *text, const char *prefix)
{
	const char	*p = text != NULL ? strstr(text, prefix) : NULL;
	size_t		 n = 0;

	if (p == NULL)
		return NULL;
	p += strlen(prefix);
	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_')
		n++;
	return n >= 22 ? xasprintf("%.*s", (int)n, p) : NULL;
}

int
demo_is_bot_acct(const char *acct)
{
	return acct != NULL && (strcasecmp(acct, DEMO_MASTO_EN) == 0 ||
	    strcasecmp(acct, DEMO_MASTO_FR) == 0);
}

/* Read the links from what the bots sent; how many members have one. */
static size_t
read_links(struct demo *d)
{
	json_t		*all, *st;
	const char	*to, *text;
	size_t		 i, k, have = 0;

	if ((all = demo_peer_call(d, &d->masto, "GET", "/_peer/statuses",
	    NULL)) == NULL)
		return 0;
	json_array_foreach(all, i, st) {
		if (!demo_is_bot_acct(json_string_value(json_object_get(st,
		    "account"))))
			continue;
		to = json_string_value(json_array_get(json_object_get(st,
		    "mentions"), 0));
		text = json_string_value(json_object_get(st, "text"));
		for (k = 0; to != NULL && k < d->nm; k++)
			if (d->m[k].token == NULL && d->m[k].network ==
			    NETWORK_MASTODON && strcasecmp(d->m[k].account,
			    to) == 0)
				d->m[k].token = demo_link_token(text, "/u/");
	}
	json_decref(all);
	if ((all = demo_peer_call(d, &d->bsky, "GET", "/_peer/messages",
	    NULL)) == NULL)
		return 0;
	json_array_foreach(all, i, st) {
		to = json_string_value(json_object_get(st, "to"));
		text = json_string_value(json_object_get(st, "text"));
		for (k = 0; to != NULL && k < d->nm; k++)
			if (d->m[k].token == NULL && d->m[k].did != NULL &&
			    strcmp(d->m[k].did, to) == 0)
				d->m[k].token = demo_link_token(text, "/u/");
	}
	json_decref(all);
	for (k = 0; k < d->nm; k++)
		have += d->m[k].token != NULL;
	return have;
}

/* Wait until every member who should have a link has one. */
int
demo_collect_links(struct demo *d, int secs)
{
	int64_t	end = demo_now_ms() + (int64_t)secs * 1000;
	size_t	want = 0, k, have;

	for (k = 0; k < d->nm; k++)
		want += d->m[k].role == ROLE_PLAIN ||
		    d->m[k].role == ROLE_FORGET;
	for (;;) {
		if ((have = read_links(d)) >= want)
			break;
		if (!demo_alive(d) || d->error[0] != '\0')
			return -1;
		demo_view(d, 0);
		if (demo_now_ms() > end) {
			demo_fail(d, "%zu of %zu members got their upload link "
			    "within %d s", have, want, secs);
			return -1;
		}
		if (demo_sleep_ms(500) == -1)
			return -1;
	}
	for (k = 0; k < d->nm; k++)
		if (d->m[k].role == ROLE_BOT && d->m[k].token != NULL) {
			demo_fail(d, "the bot account %s was answered",
			    d->m[k].account);
			return -1;
		}
	return 0;
}

/*
 * Each member's archive zip to their link, one after the other (the
 * daemon reads archives on one worker; a busy answer is retried, and so
 * is a transfer that failed, as a browser retries when the server
 * closed the kept-alive connection just as the next request went: the
 * upload replaces the member's archive whole, twice is harmless).
 */
int
demo_upload_all(struct demo *d)
{
	struct demo_member	*m;
	char			*url, *zip, *answer;
	long			 status;
	size_t			 i;
	int			 tries;

	for (i = 0; i < d->nm; i++) {
		m = &d->m[i];
		if (m->role != ROLE_PLAIN)
			continue;
		url = xasprintf("http://127.0.0.1:%d/u/%s", d->port, m->token);
		zip = xasprintf("%s/pop/archives/%s.zip", d->dir, m->x_handle);
		for (tries = 0; tries < 50; tries++) {
			answer = NULL;
			status = demo_upload(url, zip, &answer);
			if ((status != 503 && status != 429 && status != -1) ||
			    !demo_alive(d) || demo_interrupted)
				break;
			free(answer);
			if (demo_sleep_ms(200) == -1)
				break;
		}
		if (status == -1)
			demo_fail(d, "%s's upload: %s", m->account,
			    demo_http_error());
		else if (status != 200)
			demo_fail(d, "%s's upload: HTTP %ld %.200s", m->account,
			    status, answer != NULL ? answer : "");
		free(answer);
		free(url);
		free(zip);
		if (status != 200)
			return -1;
		demo_view(d, 0);
	}
	return 0;
}

/*
 * One member in six asks to be introduced publicly on the day (a
 * separate opt-in); once registered, so that the bot knows them.
 */
int
demo_intros(struct demo *d)
{
	size_t	i, n = 0;

	for (i = 0; i < d->nm; i++) {
		if (d->m[i].role != ROLE_PLAIN || i % 6 != 1)
			continue;
		if (say(d, &d->m[i], d->m[i].fr ? "présentez-moi" :
		    "introduce me", 0) == -1)
			return -1;
		d->m[i].intro = 1;
		n++;
	}
	return demo_wait_db(d, "the introduction opt-ins", "SELECT count(*)"
	    " FROM member WHERE intro_optin = 1", NULL, (long long)n, 30);
}

/* The member who changes their mind, and the store forgetting them. */
int
demo_forget(struct demo *d)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < d->nm && rc == 0; i++) {
		const char	*args[] = { d->m[i].account, NULL };

		if (d->m[i].role != ROLE_FORGET)
			continue;
		if (say(d, &d->m[i], "forget me", 0) == -1)
			return -1;
		rc = demo_wait_db(d, "forget me", "SELECT count(*) FROM member"
		    " WHERE account = ?", args, 0, 30);
	}
	return rc;
}

void
demo_people_free(struct demo *d)
{
	size_t	i;

	for (i = 0; i < d->nm; i++) {
		free(d->m[i].x_handle);
		free(d->m[i].account);
		free(d->m[i].did);
		free(d->m[i].said);
		free(d->m[i].token);
		free(d->m[i].post_uri);
	}
	free(d->m);
	d->m = NULL;
	d->nm = 0;
}

/*
 * As a reader sees it: no WORD JOINER; the personal links (upload and
 * follows-import) hidden the way the daemon's log hides them.
 */
char *
demo_as_read(const char *text)
{
	char		*out = xmalloc(strlen(text) + 1), *o = out;
	const char	*t;

	for (t = text; *t != '\0'; t++) {
		/* strncmp: it stops at the end of the text */
		if (strncmp(t, "\xe2\x81\xa0", 3) == 0) {
			t += 2;
			continue;
		}
		*o++ = *t;
	}
	*o = '\0';
	log_redact_links(out);
	return out;
}
