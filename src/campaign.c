/*
 * campaign: the day's posts and messages.  See campaign.h.
 */
#define LOG_TAG "campaign"
#include "quitx/campaign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "quitx/campaign-text.h"
#include "quitx/clock.h"
#include "quitx/follows.h"
#include "quitx/log.h"
#include "quitx/match.h"
#include "quitx/outbox-body.h"
#include "quitx/richtext.h"
#include "quitx/store.h"
#include "quitx/templates.h"
#include "quitx/xmalloc.h"

#define MASTODON_DEFAULT_CHARS	500
/* a Bluesky follow check older than this is asked again */
#define FOLLOWS_FRESH		86400
/* suggestions checked against a Bluesky member's follows, at most */
#define FOLLOWS_CHECK_MAX	120

int64_t
campaign_start_time(const struct config *conf)
{
	const struct config_campaign	*c = &conf->campaign;

	return clock_mktime_in(c->timezone, c->year, c->month, c->day,
	    c->hour, c->minute, 0, NULL);
}

int
campaign_started(struct store *st, const struct config *conf, int64_t now,
    int64_t *at)
{
	int64_t	start = campaign_start_time(conf), manual;
	int	rc;

	if ((rc = store_campaign_get_int(st, "started_at", &manual)) == -1)
		return -1;
	if (rc == 1 && manual < start)
		start = manual;
	*at = start;
	return now >= start;
}

int
campaign_start_now(struct store *st, int64_t now)
{
	char	v[32];
	int64_t	at;
	int	rc;

	if ((rc = store_campaign_get_int(st, "started_at", &at)) != 0)
		return rc == 1 ? 0 : -1;
	snprintf(v, sizeof(v), "%" PRId64, now);
	return store_campaign_set(st, "started_at", v, now);
}

/* Into the outbox, or to the dry run's hook. */
static int
emit(const struct campaign_env *env, const struct campaign_row *r,
    int64_t thread_parent, int64_t *id)
{
	struct outbox_new	row;

	if (env->emit != NULL) {
		*id = (int64_t)r->part + 1;
		return env->emit(r, env->arg);
	}
	memset(&row, 0, sizeof(row));
	row.bot_account_id = r->bot_account_id;
	row.member_id = r->member_id;
	row.thread_parent_id = thread_parent;
	row.kind = r->kind;
	row.priority = r->priority;
	row.idem_key = r->idem_key;
	row.body = r->body;
	row.not_before = env->now;
	row.recipient = r->recipient;
	return store_outbox_add(env->st, &row, id) == -1 ? -1 : 0;
}

static int
room_of(const struct campaign_env *env, int64_t bot_id)
{
	int	n = env->max_chars != NULL ? env->max_chars(bot_id,
		    env->arg) : 0;

	return n > 0 ? n : MASTODON_DEFAULT_CHARS;
}

/*
 * The bot a member's messages come from: theirs, else the first of
 * their network in their language, else the first of their network.
 */
static const struct bot_row *
bot_for(const struct bot_row *bots, size_t nbots, enum network net,
    enum lang lang, int64_t theirs)
{
	const struct bot_row	*any = NULL;
	size_t			 i;

	for (i = 0; i < nbots; i++)
		if (bots[i].id == theirs && bots[i].network == net)
			return &bots[i];
	for (i = 0; i < nbots; i++) {
		if (bots[i].network != net)
			continue;
		if (bots[i].lang == lang)
			return &bots[i];
		if (any == NULL)
			any = &bots[i];
	}
	return any;
}

/* The parts of a message or thread, as rows of one bot. */
static int
emit_parts(const struct campaign_env *env, const struct bot_row *bot,
    int64_t member_id, const char *recipient, enum lang lang,
    const char *kind, int priority, const char *idem_prefix, int thread,
    struct campaign_part *parts, size_t nparts)
{
	struct campaign_row	 r;
	enum visibility		 vis;
	int64_t			 parent = 0, id = 0;
	size_t			 i;
	char			*idem, *body;
	int			 rc = 0;

	vis = env->conf->campaign.intro_public ? VIS_PUBLIC : VIS_UNLISTED;
	for (i = 0; i < nparts && rc == 0; i++) {
		if (bot->network == NETWORK_MASTODON)
			body = recipient != NULL ? outbox_mastodon_answer(
			    recipient, parts[i].text, NULL, NULL, 1, lang) :
			    outbox_mastodon_status(parts[i].text, vis, lang);
		else
			body = recipient != NULL ? outbox_bluesky_chat(
			    recipient, parts[i].text, parts[i].facets,
			    env->now) : outbox_bluesky_post(parts[i].text,
			    parts[i].facets, NULL, lang, env->now);
		idem = xasprintf("%s:%zu", idem_prefix, i + 1);
		memset(&r, 0, sizeof(r));
		r.bot_account_id = bot->id;
		r.member_id = member_id;
		r.network = bot->network;
		r.kind = kind;
		r.priority = priority;
		r.idem_key = idem;
		r.body = body;
		r.text = parts[i].text;
		r.recipient = recipient;
		r.part = i;
		r.length = bot->network == NETWORK_MASTODON ?
		    campaign_mastodon_length(parts[i].text) :
		    richtext_graphemes(parts[i].text, strlen(parts[i].text));
		rc = emit(env, &r, thread ? parent : 0, &id);
		parent = id;
		explicit_bzero(body, strlen(body));
		free(body);
		free(idem);
	}
	return rc;
}

int
campaign_queue_intros(const struct campaign_env *env)
{
	struct intro_member	*m = NULL;
	struct bot_row		*bots = NULL;
	const struct bot_row	*bot;
	struct campaign_account	*list;
	struct campaign_part	*parts;
	size_t			 nm = 0, nbots = 0, i, j, n, nparts, posts = 0;
	char			*idem, v[32];
	int64_t			 done;
	int			 rc;

	/*
	 * The day's threads once; then, at most every intro_interval, one
	 * more per bot for those who opted in since the last.
	 */
	if ((rc = store_campaign_get_int(env->st, "intros_at", &done)) == -1)
		return -1;
	if (rc == 0)
		done = -1;
	else if (env->now - done < env->conf->campaign.intro_interval)
		return 0;
	if (store_intro_members(env->st, done, &m, &nm) == -1) {
		intro_members_free(m, nm);
		return -1;
	}
	/* a Bluesky member is introduced by handle: theirs first */
	for (i = 0, rc = 0; i < nm && env->resolve != NULL; i++)
		if (m[i].network == NETWORK_BLUESKY &&
		    !campaign_bluesky_named(m[i].account, m[i].handle) &&
		    (rc = env->resolve(m[i].id, m[i].account, env->arg)) != 0)
			break;
	if (rc != 0 || store_bot_accounts_active(env->st, &bots,
	    &nbots) == -1) {
		intro_members_free(m, nm);
		return rc == 1 ? 0 : -1;
	}
	list = xcalloc(nm + 1, sizeof(*list));
	rc = 0;
	for (i = 0; i < nbots && rc == 0; i++) {
		/* this bot's members: its own, and those whose bot is gone */
		for (j = n = 0; j < nm; j++) {
			bot = bot_for(bots, nbots, m[j].network, m[j].lang,
			    m[j].bot_account_id);
			if (bot != &bots[i])
				continue;
			list[n].network = m[j].network;
			list[n].account = m[j].account;
			list[n].handle = m[j].handle;
			n++;
		}
		if (n == 0)
			continue;
		if (campaign_intro_parts(env->conf->templates, bots[i].lang,
		    bots[i].network, (size_t)room_of(env, bots[i].id), list, n,
		    &parts, &nparts) == -1) {
			log_warnx("introductions of @%s: the template does "
			    "not fit", bots[i].handle);
			rc = -1;
			break;
		}
		idem = done == -1 ? xasprintf("intro:%" PRId64, bots[i].id) :
		    xasprintf("intro:%" PRId64 ":%" PRId64, bots[i].id, done);
		rc = emit_parts(env, &bots[i], 0, NULL, bots[i].lang, "intro",
		    PRIORITY_INTRO, idem, 1, parts, nparts);
		posts += nparts;
		free(idem);
		campaign_parts_free(parts, nparts);
	}
	free(list);
	intro_members_free(m, nm);
	bot_rows_free(bots, nbots);
	if (rc == -1)
		return -1;
	snprintf(v, sizeof(v), "%" PRId64, env->now);
	if (store_campaign_set(env->st, "intros_at", v, env->now) == -1)
		return -1;
	return (int)posts;
}

/*
 * Drop the Bluesky suggestions the member already follows there.  1
 * when some were not checked and a check was asked for (compose later).
 */
static int
drop_followed(const struct campaign_env *env, const struct member *m,
    struct suggestion *s, size_t *n)
{
	const char	**ask = NULL;
	size_t		  i, o, nask = 0;
	int		  f, rc = 0;

	for (i = o = 0; i < *n; i++) {
		/* the public graph answers in DIDs: handles go unchecked */
		if (s[i].network != NETWORK_BLUESKY || m->network !=
		    NETWORK_BLUESKY || i >= FOLLOWS_CHECK_MAX ||
		    strncmp(s[i].account, "did:", 4) != 0) {
			s[o++] = s[i];
			continue;
		}
		f = store_bsky_follows_get(env->st, m->id, s[i].account,
		    env->now - FOLLOWS_FRESH);
		if (f == -1)
			rc = -1;
		if (f == 2 && env->check != NULL) {
			ask = xreallocarray(ask, nask + 1, sizeof(*ask));
			ask[nask++] = s[i].account;
		}
		if (f == 1) {
			/* one element of the array: its strings only */
			free(s[i].account);
			free(s[i].handle);
			continue;
		}
		s[o++] = s[i];
	}
	*n = o;
	if (rc == 0 && nask > 0)
		rc = env->check(m->id, m->account, ask, nask, env->arg) == -1 ?
		    -1 : 1;
	free(ask);
	return rc;
}

/*
 * The Bluesky accounts a message lists are shown by handle, with a
 * mention facet on their DID: those still missing one are asked for
 * first.  1 when some were (compose later), 0, -1.
 */
static int
await_identities(const struct campaign_env *env, const struct suggestion *s,
    size_t n)
{
	size_t	i;
	int	r, wait = 0;

	if (env->resolve == NULL)
		return 0;
	for (i = 0; i < n && i < FOLLOWS_CHECK_MAX; i++) {
		if (s[i].network != NETWORK_BLUESKY ||
		    campaign_bluesky_named(s[i].account, s[i].handle))
			continue;
		if ((r = env->resolve(s[i].member_id, s[i].account,
		    env->arg)) == -1)
			return -1;
		wait |= r;
	}
	return wait;
}

int
campaign_queue_member(const struct campaign_env *env, int64_t member_id,
    enum compose_mode mode, int *deferred)
{
	struct member		 m;
	struct suggestion	*s = NULL;
	struct bot_row		*bots = NULL;
	const struct bot_row	*bot;
	struct campaign_account	*list = NULL;
	struct campaign_part	*parts = NULL;
	int64_t			*told = NULL, told_before;
	size_t			 ns = 0, nbots = 0, nparts = 0, i, nlist = 0;
	size_t			 ntold = 0, own = 0, mastodon = 0, max, room;
	char			*link = NULL, *idem = NULL;
	int			 rc = -1, r;

	*deferred = 0;
	memset(&m, 0, sizeof(m));
	if ((r = store_member_by_id(env->st, member_id, &m)) != 1)
		return r == 0 ? 0 : -1;
	if (m.messages_stopped && mode == COMPOSE_NEW) {
		rc = 0;
		goto out;
	}
	/* a chat goes to a DID: theirs is asked for first */
	if (m.network == NETWORK_BLUESKY && strncmp(m.account, "did:", 4) !=
	    0 && env->resolve != NULL) {
		*deferred = 1;
		rc = env->resolve(m.id, m.account, env->arg) == -1 ? -1 : 0;
		goto out;
	}
	if (store_suggestions_get(env->st, member_id, -1, 0, &s, &ns) == -1)
		goto out;
	if ((r = await_identities(env, s, ns)) == 0)
		r = drop_followed(env, &m, s, &ns);
	if (r != 0) {
		*deferred = r == 1;
		rc = r == 1 ? 0 : -1;
		goto out;
	}
	max = (size_t)env->conf->campaign.message_max;
	list = xcalloc(ns + 1, sizeof(*list));
	told = xcalloc(ns + 1, sizeof(*told));
	for (i = 0; i < ns; i++) {
		if (s[i].network == NETWORK_MASTODON)
			mastodon++;
		if (mode == COMPOSE_NEW && s[i].sent)
			continue;
		told[ntold++] = s[i].member_id;
		if (s[i].network != m.network)
			continue;
		own++;
		if (nlist < max) {
			list[nlist].network = s[i].network;
			list[nlist].account = s[i].account;
			list[nlist].handle = s[i].handle;
			nlist++;
		}
	}
	/* nothing new: nothing to say (the command says "none yet") */
	if (ntold == 0) {
		rc = 0;
		goto out;
	}
	if (store_bot_accounts_active(env->st, &bots, &nbots) == -1)
		goto out;
	if ((bot = bot_for(bots, nbots, m.network, m.lang,
	    m.bot_account_id)) == NULL) {
		log_warnx("member %" PRId64 ": no %s bot account to write "
		    "from", member_id, config_network_name(m.network));
		rc = 0;
		goto out;
	}
	if ((told_before = store_suggestions_told_count(env->st,
	    member_id)) == -1)
		goto out;
	if (mastodon > 0)
		link = env->dry_run ? xasprintf("%s/f/TOKEN",
		    env->conf->public_url != NULL ? env->conf->public_url :
		    "") : env->conf->public_url == NULL ? NULL :
		    follows_link(env->st, env->conf->public_url, member_id,
		    env->now);
	/* Mastodon: the "@member " the status starts with is counted */
	room = (size_t)room_of(env, bot->id);
	if (m.network == NETWORK_MASTODON)
		room -= strcspn(m.account, "@") + 2;
	if (campaign_suggestion_parts(env->conf->templates, m.lang, m.network,
	    room, list, nlist, own - nlist, link, link != NULL ? mastodon : 0,
	    told_before > 0 && mode == COMPOSE_NEW, &parts, &nparts) == -1) {
		log_warnx("member %" PRId64 ": the suggestions do not fit a "
		    "message", member_id);
		goto out;
	}
	idem = mode == COMPOSE_NEW ? xasprintf("suggest:%" PRId64 ":%" PRId64,
	    member_id, told_before) : xasprintf("suggest:%" PRId64
	    ":asked:%" PRId64, member_id, env->now);
	/*
	 * Chained: a part waits until the one before is out, so a 429 or
	 * a retry cannot reorder them (on Mastodon each replies to the
	 * last: one conversation).
	 */
	if (emit_parts(env, bot, member_id, m.account, m.lang, "suggestions",
	    PRIORITY_SUGGESTIONS, idem, 1, parts, nparts) == -1 ||
	    store_suggestions_told(env->st, member_id, told, ntold,
	    env->now) == -1)
		goto out;
	rc = (int)nparts;
out:
	if (link != NULL)
		explicit_bzero(link, strlen(link));
	free(link);
	free(idem);
	campaign_parts_free(parts, nparts);
	bot_rows_free(bots, nbots);
	free(told);
	free(list);
	suggestions_free(s, ns);
	member_clear(&m);
	return rc;
}

int
campaign_ask_follow(const struct campaign_env *env)
{
	struct parked		 p[64];
	struct member		 m;
	struct bot_row		*bots = NULL;
	struct campaign_part	 part;
	struct tmpl_vars	 v;
	const struct bot_row	*bot;
	size_t			 nbots = 0, i, j;
	char			*text, *idem, *line;
	int			 n, rc = 0;

	if ((n = store_outbox_parked(env->st, p, sizeof(p) /
	    sizeof(p[0]))) <= 0)
		return n == -1 ? -1 : 0;
	if (store_bot_accounts_active(env->st, &bots, &nbots) == -1)
		return -1;
	for (i = 0; i < (size_t)n && rc == 0; i++) {
		for (bot = NULL, j = 0; j < nbots; j++)
			if (bots[j].id == p[i].bot_account_id)
				bot = &bots[j];
		if (bot == NULL || bot->network != NETWORK_BLUESKY ||
		    store_member_by_id(env->st, p[i].member_id, &m) != 1)
			continue;
		/* named by handle: theirs first, unless it cannot be had */
		if (!campaign_bluesky_named(m.account, m.handle) &&
		    env->resolve != NULL &&
		    (rc = env->resolve(m.id, m.account, env->arg)) != 0) {
			rc = rc == 1 ? 0 : -1;
			member_clear(&m);
			continue;
		}
		memset(&v, 0, sizeof(v));
		v.bot = bot->handle;
		text = templates_render(env->conf->templates, m.lang,
		    T_ASK_FOLLOW, &v);
		/* a public post: it names them, so they are notified */
		line = xasprintf("@%s %s", m.handle != NULL ? m.handle :
		    m.account, text);
		part.text = line;
		/* a mention of them: the handle, or the DID when their
		   handle was never seen (Jetstream does not carry it) */
		part.facets = json_pack("[{s:{s:i, s:i}, s:[{s:s, s:s}]}]",
		    "index", "byteStart", 0, "byteEnd", (int)strcspn(line, " "),
		    "features", "$type", "app.bsky.richtext.facet#mention",
		    "did", m.account);
		idem = xasprintf("ask_follow:%" PRId64 ":%" PRId64, bot->id,
		    m.id);
		/* once: the key makes the next scans' rows no-ops */
		rc = emit_parts(env, bot, m.id, NULL, m.lang, "ask_follow",
		    PRIORITY_REPLY, idem, 0, &part, 1);
		json_decref(part.facets);
		free(idem);
		free(line);
		free(text);
		member_clear(&m);
	}
	bot_rows_free(bots, nbots);
	return rc;
}
