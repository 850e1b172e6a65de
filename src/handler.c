/*
 * handler: inbox events become store changes and answers.  See handler.h.
 *
 * The network-specific part is small: reading who wrote what from the
 * event (a Mastodon Notification here) and writing an answer the way the
 * network wants it (a status replying to theirs, `direct` when private).
 * The rules themselves are conversation.c's, the same for every network.
 */
#define LOG_TAG "handler"
#include "quitx/handler.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/evp.h>

#include "quitx/bluesky-parse.h"
#include "quitx/command.h"
#include "quitx/config.h"
#include "quitx/conversation.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/mastodon-parse.h"
#include "quitx/richtext.h"
#include "quitx/store.h"
#include "quitx/templates.h"
#include "quitx/tid.h"
#include "quitx/xmalloc.h"

#define HANDLER_TICK_US		(500 * LWS_US_PER_MS)
#define HANDLER_BATCH		100
#define REPLY_PRIORITY		10	/* before announcements and bulk */
#define TOKEN_BYTES		32	/* 256 bits, base64url: 43 characters */
#define CONTESTED_TELL_MAX	8
/* a resent chat message is looked for among those sent since queueing,
   less this much for the chat service's clock */
#define CHAT_CLOCK_SLACK	300

struct handler {
	struct lws_context		*lws;
	const struct daemon_state	*ds;
	lws_sorted_usec_list_t		 tick;
	time_t				 pruned;
};

/* One event, read: who wrote, what, where to answer. */
struct incoming {
	int64_t		 inbox_id;
	int64_t		 bot_id;
	enum network	 network;
	char		*bot_server;
	char		*bot_handle;
	enum lang	 bot_lang;
	char		*account;	/* the member key: user@host, or DID */
	const char	*alias;		/* how the event spells them ("user") */
	const char	*status_id;	/* the post to answer */
	const char	*visibility;
	const char	*author;	/* as the reply names them */
	const char	*text;		/* what they wrote, as text */
	const char	*in_reply_to;	/* the post theirs answers, or NULL */
	const char *const *mentions;	/* accounts their post mentions */
	size_t		 nmentions;
	int		 from_bot;	/* the account says it is a bot */
	struct mastodon_notification n;
	struct bsky_post bp;
};

/* Mastodon's visibilities, from widest to narrowest. */
static const char *const visibilities[] = { "public", "unlisted", "private",
    "direct" };
#define VIS_UNLISTED	1
#define VIS_PRIVATE	2
#define VIS_DIRECT	3

static int
visibility_rank(const char *v)
{
	int	i;

	for (i = 0; v != NULL && i <= VIS_DIRECT; i++)
		if (strcmp(v, visibilities[i]) == 0)
			return i;
	return VIS_DIRECT;	/* unknown: the narrowest */
}

/*
 * A new upload link: TOKEN_BYTES from the kernel, base64url; only its
 * SHA-256 is stored, so the store alone cannot be used to upload.
 */
static char *
upload_link(struct store *st, const struct config *conf, int64_t member_id,
    int64_t now)
{
	static const char	 b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		 raw[TOKEN_BYTES], hash[EVP_MAX_MD_SIZE];
	char			 token[TOKEN_BYTES * 4 / 3 + 4], *link;
	unsigned int		 hlen = 0;
	size_t			 i, o = 0;
	uint32_t		 v;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		fatal("getrandom");
	for (i = 0; i < sizeof(raw); i += 3) {
		v = (uint32_t)raw[i] << 16;
		if (i + 1 < sizeof(raw))
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < sizeof(raw))
			v |= raw[i + 2];
		token[o++] = b64[(v >> 18) & 63];
		token[o++] = b64[(v >> 12) & 63];
		if (i + 1 < sizeof(raw))
			token[o++] = b64[(v >> 6) & 63];
		if (i + 2 < sizeof(raw))
			token[o++] = b64[v & 63];
	}
	token[o] = '\0';
	if (EVP_Digest(token, o, hash, &hlen, EVP_sha256(), NULL) != 1)
		fatalx("SHA-256 failed");
	explicit_bzero(raw, sizeof(raw));
	if (store_upload_token_add(st, member_id, hash, hlen, now,
	    now + (int64_t)conf->upload_link_days * 86400) == -1) {
		explicit_bzero(token, sizeof(token));
		return NULL;
	}
	link = xasprintf("%s/u/%s", conf->public_url, token);
	explicit_bzero(token, sizeof(token));
	return link;
}

/*
 * Only the person answered may be mentioned: an X handle written @jack,
 * an example like @yourXhandle or an account echoed back would otherwise
 * notify (and, in a direct message, let read) whoever has that name on
 * the bot's server.  A WORD JOINER after each '@' keeps the text as it
 * reads while Mastodon's mention syntax no longer matches.
 */
static char *
unmention(const char *text)
{
	static const char	 wj[] = "\xe2\x81\xa0";	/* U+2060 */
	const char		*p;
	char			*out, *o;
	size_t			 n = 0;

	for (p = text; *p != '\0'; p++)
		if (*p == '@')
			n++;
	out = o = xmalloc(strlen(text) + n * (sizeof(wj) - 1) + 1);
	for (p = text; *p != '\0'; p++) {
		*o++ = *p;
		if (*p == '@' && (isalnum((unsigned char)p[1]) || p[1] == '_')) {
			memcpy(o, wj, sizeof(wj) - 1);
			o += sizeof(wj) - 1;
		}
	}
	*o = '\0';
	return out;
}

/*
 * A Mastodon answer: a status starting with their @acct, replying to
 * their post; private answers are `direct` (and must reach them: the
 * sender checks mentions[]), the others no wider than their post and
 * never public (unlisted keeps replies out of public timelines).
 */
static char *
mastodon_body(const char *acct, const char *text, const char *reply_to,
    const char *their_visibility, int private, enum lang lang)
{
	json_t	*o;
	char	*status, *body, *safe;
	int	 rank = visibility_rank(their_visibility);

	/*
	 * Private answers are direct; a reply to a followers-only post is
	 * direct too, since "private" from the bot would reach the bot's
	 * followers, that is every member.
	 */
	if (private || rank >= VIS_PRIVATE)
		rank = VIS_DIRECT;
	else if (rank < VIS_UNLISTED)
		rank = VIS_UNLISTED;
	safe = unmention(text);
	status = xasprintf("@%s %s", acct, safe);
	explicit_bzero(safe, strlen(safe));
	free(safe);
	o = json_pack("{s:s, s:s, s:s}", "status", status,
	    "visibility", visibilities[rank], "language",
	    config_lang_name(lang));
	if (reply_to != NULL)
		json_object_set_new(o, "in_reply_to_id", json_string(reply_to));
	if (rank == VIS_DIRECT)
		json_object_set_new(o, "quitx_to", json_string(acct));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	explicit_bzero(status, strlen(status));
	free(status);
	return body;
}

/* "2026-11-23T10:00:00.000Z": the form atproto's datetimes take. */
static void
iso_time(char *out, size_t size, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/*
 * A Bluesky chat message: private answers.  No mention facets (nobody
 * is notified through a message); links get theirs.
 */
static char *
bluesky_chat_body(const char *did, const char *text, int64_t now)
{
	json_t	*o;
	char	 at[32], *body;

	iso_time(at, sizeof(at), now - CHAT_CLOCK_SLACK);
	o = json_pack("{s:{s:s, s:s, s:o, s:s}}", "chat", "to", did, "text",
	    text, "facets", richtext_facets(text, NULL, NULL), "queued_at", at);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return body;
}

/*
 * A Bluesky post answering theirs: the record is complete, its key
 * chosen, before the row is queued, so every attempt sends the same
 * putRecord.  A reply notifies the author without a mention; other
 * @names in the text get no facet and notify no one.  A part after the
 * first (a thread) gets its reply refs when sent.
 */
static char *
bluesky_post_body(const struct incoming *in, const char *text, int first,
    enum lang lang, int64_t now)
{
	json_t	*record, *o;
	char	 rkey[TID_LEN + 1], at[32], *body;

	tid_next(rkey);
	iso_time(at, sizeof(at), now);
	record = json_pack("{s:s, s:s, s:s, s:[s], s:o}", "$type",
	    "app.bsky.feed.post", "text", text, "createdAt", at, "langs",
	    config_lang_name(lang), "facets", richtext_facets(text, NULL,
	    NULL));
	if (first && in->bp.uri != NULL && in->bp.cid != NULL)
		json_object_set_new(record, "reply", json_pack(
		    "{s:{s:s, s:s}, s:{s:s, s:s}}",
		    "root", "uri", in->bp.root_uri != NULL ? in->bp.root_uri :
		    in->bp.uri, "cid", in->bp.root_cid != NULL ?
		    in->bp.root_cid : in->bp.cid,
		    "parent", "uri", in->bp.uri, "cid", in->bp.cid));
	o = json_pack("{s:{s:s, s:o}}", "post", "rkey", rkey, "record",
	    record);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return body;
}

/* Queue one row; *id is its id (threads chain on it).  0 or -1. */
static int
queue(struct store *st, int64_t bot_id, int64_t member_id,
    int64_t thread_parent_id, const char *kind, const char *idem,
    const char *body, const char *recipient, int64_t now, int64_t *id)
{
	struct outbox_new	row;

	memset(&row, 0, sizeof(row));
	row.bot_account_id = bot_id;
	row.member_id = member_id;
	row.thread_parent_id = thread_parent_id;
	row.kind = kind;
	row.priority = REPLY_PRIORITY;
	row.idem_key = idem;
	row.body = body;
	row.not_before = now;
	row.recipient = recipient;
	return store_outbox_add(st, &row, id) == -1 ? -1 : 0;
}

/*
 * Queue one answer: on Mastodon one status; on Bluesky a chat message
 * when private, else a reply, split into a thread when it is over the
 * post limit (idem keys: idem, then idem/2, idem/3...).
 */
static int
queue_answer(struct store *st, const struct incoming *in,
    enum network network, int64_t bot_id, int64_t member_id,
    const char *account, const char *text, int private, enum lang lang,
    const char *kind, const char *idem, int64_t now)
{
	char			**parts = NULL, *body, *key;
	int64_t			 id = 0;
	size_t			 i, n;
	int			 rc = 0, chat = private || in == NULL;

	if (network == NETWORK_MASTODON) {
		body = mastodon_body(account, text, in != NULL ?
		    in->status_id : NULL, in != NULL ? in->visibility : NULL,
		    private, lang);
		rc = queue(st, bot_id, member_id, 0, kind, idem, body, account,
		    now, &id);
		explicit_bzero(body, strlen(body));
		free(body);
		return rc;
	}
	n = chat ? richtext_split(text, RICHTEXT_CHAT_GRAPHEMES,
	    RICHTEXT_CHAT_BYTES, &parts) : richtext_split(text,
	    RICHTEXT_POST_GRAPHEMES, RICHTEXT_POST_BYTES, &parts);
	for (i = 0; i < n && rc == 0; i++) {
		body = chat ? bluesky_chat_body(account, parts[i], now) :
		    bluesky_post_body(in, parts[i], i == 0, lang, now);
		key = i == 0 ? xstrdup(idem) : xasprintf("%s/%zu", idem, i + 1);
		/* a public thread: each part goes once its parent is sent */
		rc = queue(st, bot_id, member_id, chat ? 0 : id, kind, key,
		    body, account, now, &id);
		free(key);
		explicit_bzero(body, strlen(body));
		free(body);
	}
	for (i = 0; i < n; i++) {
		explicit_bzero(parts[i], strlen(parts[i]));
		free(parts[i]);
	}
	free(parts);
	return rc;
}

/* Tell the other claimants of a handle, privately, on their own bot. */
static int
tell_others(struct store *st, const struct config *conf,
    const struct incoming *in, int64_t member_id, const char *handle,
    int64_t now)
{
	struct claimant		 others[CONTESTED_TELL_MAX];
	struct tmpl_vars	 v;
	enum network		 net;
	enum lang		 lang;
	char			*server, *bot, *text, *idem, *p;
	int			 n, i, rc = 0;

	if ((n = store_claim_others(st, member_id, handle, others,
	    CONTESTED_TELL_MAX)) == -1)
		return -1;
	for (i = 0; i < n && i < CONTESTED_TELL_MAX; i++) {
		/* they asked for silence: the team sees it in quitx stats */
		if (others[i].stopped) {
			claimant_clear(&others[i]);
			continue;
		}
		if (others[i].bot_account_id == 0 ||
		    store_bot_account_get(st, others[i].bot_account_id, &net,
		    &server, &bot, &lang) != 1) {
			log_info("contested @%s: another claimant has no bot "
			    "account left to write through; not told", handle);
			claimant_clear(&others[i]);
			continue;
		}
		memset(&v, 0, sizeof(v));
		v.handle = handle;
		v.bot = bot;
		text = templates_render(conf->templates, others[i].lang,
		    T_CONTESTED_OTHER, &v);
		/* once per claimant, handle and contender, however often
		   the contender claims it again */
		idem = xasprintf("contested:%s:%s:%s", handle, in->account,
		    others[i].account);
		for (p = idem; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (queue_answer(st, NULL, net, others[i].bot_account_id,
		    others[i].member_id, others[i].account, text, 1,
		    others[i].lang, "private", idem, now) == -1)
			rc = -1;
		free(idem);
		free(text);
		free(server);
		free(bot);
		claimant_clear(&others[i]);
	}
	return rc;
}

/* Apply the decision and queue the answers.  Inside the transaction. */
static int
apply(struct store *st, const struct config *conf, const struct incoming *in,
    const struct command *cmd, const struct decision *d, int answer_now,
    int64_t now, const char **outcome)
{
	struct member		 m;
	struct person		 p;
	int64_t			 member_id = 0;
	char			*link = NULL, *text, *idem;
	const char		*kind;
	size_t			 i;
	int			 created = 0, auto_link_off, rc = -1;

	memset(&m, 0, sizeof(m));
	if (store_member_get(st, in->network, in->account, &m) == -1)
		return -1;
	member_id = m.id;
	*outcome = "answered";
	if (d->forget) {
		if (store_member_forget(st, member_id, in->network,
		    in->account, in->alias, in->bot_id, in->inbox_id) == -1)
			goto out;
		member_id = 0;
		*outcome = "forgotten";
	}
	if (d->register_claim) {
		if (store_member_upsert(st, in->network, in->account, cmd->lang,
		    in->bot_id, now, &member_id, &created) == -1 ||
		    store_claim_set(st, member_id, cmd->handle, now) == -1)
			goto out;
		*outcome = created ? "registered" : "claim updated";
		/* under the reply limit only: no one is pestered through us */
		if (d->tell_others && answer_now && tell_others(st, conf, in,
		    member_id, cmd->handle, now) == -1)
			goto out;
	}
	if (d->set_intro != -1 && store_member_set_flag(st, member_id,
	    FLAG_INTRO, d->set_intro, now) == -1)
		goto out;
	if (d->set_stopped != -1) {
		if (store_member_set_flag(st, member_id, FLAG_MESSAGES_STOPPED,
		    d->set_stopped, now) == -1)
			goto out;
		if (d->set_stopped && store_outbox_cancel_private(st,
		    member_id, in->account) == -1)
			goto out;
	}
	if (!answer_now) {
		*outcome = "not answered (reply limit)";
		rc = 0;
		goto out;
	}
	/* registering while stopped: the link waits until asked for */
	auto_link_off = m.messages_stopped && cmd->kind == CMD_REGISTER;
	if (d->upload_link && !auto_link_off && (link = upload_link(st, conf,
	    member_id, now)) == NULL)
		goto out;

	memset(&p, 0, sizeof(p));
	p.member = member_id != 0;
	p.claim_handle = m.claim_handle;
	p.proof = m.claim_proof;
	p.follows_bot = store_bot_follower_has(st, in->bot_id,
	    in->account) == 1;
	rc = 0;
	for (i = 0; i < d->nanswers && rc == 0; i++) {
		if (d->answers[i].which == T_UPLOAD_LINK && link == NULL)
			continue;
		text = conversation_text(conf, cmd, &p, in->bot_handle, link,
		    d->answers[i].which);
		kind = d->is_help ? "help" : d->answers[i].private ?
		    "private" : "reply";
		idem = xasprintf("reply:%lld:%zu", (long long)in->inbox_id, i);
		rc = queue_answer(st, in, in->network, in->bot_id,
		    d->forget ? 0 : member_id, in->network ==
		    NETWORK_MASTODON ? in->author : in->account, text,
		    d->answers[i].private, cmd->lang, kind, idem, now);
		free(idem);
		explicit_bzero(text, strlen(text));
		free(text);
	}
out:
	if (link != NULL)
		explicit_bzero(link, strlen(link));
	free(link);
	member_clear(&m);
	return rc;
}

/* Who wrote, from a Mastodon Notification.  0, or -1 with a reason. */
static int
read_mastodon(struct incoming *in, const char *payload, const char **why)
{
	char	 err[128];
	size_t	 n;

	if (mastodon_notification_parse(payload, strlen(payload), &in->n, err,
	    sizeof(err)) == -1) {
		*why = "not a notification";
		return -1;
	}
	if (in->n.account_acct == NULL) {
		*why = "no account";
		return -1;
	}
	/* local accounts are "user": the member key always has the host */
	in->alias = in->n.account_acct;
	if (strchr(in->n.account_acct, '@') != NULL)
		in->account = xstrdup(in->n.account_acct);
	else {
		n = strcspn(in->bot_server + strlen("https://"), ":/");
		in->account = xasprintf("%s@%.*s", in->n.account_acct, (int)n,
		    in->bot_server + strlen("https://"));
	}
	in->status_id = in->n.status_id;
	in->visibility = in->n.status_visibility;
	in->author = in->n.account_acct;
	in->text = in->n.text;
	in->in_reply_to = in->n.in_reply_to_id;
	in->mentions = (const char *const *)in->n.mentions;
	in->nmentions = in->n.nmentions;
	in->from_bot = in->n.account_bot;
	return 0;
}

/* Who wrote, from a Bluesky inbox payload.  0, or -1 with a reason. */
static int
read_bluesky(struct incoming *in, const char *payload, const char **why)
{
	char	err[128];

	if (bsky_post_parse(payload, &in->bp, err, sizeof(err)) == -1) {
		*why = "not a Bluesky event";
		return -1;
	}
	/* the member key is the DID: handles change, DIDs do not */
	in->account = xstrdup(in->bp.did);
	in->alias = in->bp.handle;
	in->author = in->bp.handle != NULL ? in->bp.handle : in->bp.did;
	in->status_id = in->bp.uri;
	in->text = in->bp.text;
	in->in_reply_to = in->bp.parent_uri;
	in->mentions = (const char *const *)in->bp.mentions;
	in->nmentions = in->bp.nmentions;
	return 0;
}

static void
incoming_clear(struct incoming *in)
{
	free(in->bot_server);
	free(in->bot_handle);
	free(in->account);
	mastodon_notification_clear(&in->n);
	bsky_post_clear(&in->bp);
	memset(in, 0, sizeof(*in));
}

/* One event, in the caller's transaction; sets the state to record. */
static int
handle_event(struct handler *h, const struct inbox_row *row,
    enum inbox_state *state, const char **reason)
{
	const struct config	*conf = h->ds->conf;
	struct store		*st = h->ds->store;
	struct incoming		 in;
	struct command_input	 ci;
	struct command		 cmd;
	struct person		 p;
	struct member		 m;
	struct decision		 d;
	int64_t			 now = (int64_t)time(NULL), sent;
	char			 acct[128];
	const char		*outcome = "";
	int			 rc = -1, answer_now, others = 0, call;

	memset(&in, 0, sizeof(in));
	memset(&m, 0, sizeof(m));
	*state = INBOX_DONE;
	*reason = NULL;
	in.inbox_id = row->id;
	in.bot_id = row->bot_account_id;
	if (store_bot_account_get(st, row->bot_account_id, &in.network,
	    &in.bot_server, &in.bot_handle, &in.bot_lang) != 1)
		return -1;
	if ((in.network == NETWORK_MASTODON ? read_mastodon(&in,
	    row->payload, reason) : read_bluesky(&in, row->payload,
	    reason)) == -1) {
		*state = INBOX_FAILED;
		rc = 0;
		goto out;
	}
	log_escape(acct, sizeof(acct), in.account);
	if (strcmp(row->kind, "follow") == 0) {
		rc = store_bot_follower_add(st, in.bot_id, in.account, now);
		log_info("@%s follows @%s", acct, in.bot_handle);
		goto out;
	}
	if (strcmp(row->kind, "mention") != 0 || in.from_bot ||
	    strcasecmp(in.author, in.bot_handle) == 0) {
		/* never answer the bot itself or another bot */
		*state = INBOX_IGNORED;
		*reason = in.from_bot ? "from a bot account" :
		    "not a mention by a person";
		rc = 0;
		goto out;
	}
	call = in.in_reply_to != NULL && store_outbox_is_sent_kind(st,
	    in.bot_id, in.in_reply_to, "call") == 1;
	memset(&ci, 0, sizeof(ci));
	ci.text = in.text != NULL ? in.text : "";
	ci.len = strlen(ci.text);
	ci.mentions = in.mentions;
	ci.nmentions = in.nmentions;
	ci.bot_handle = in.bot_handle;
	ci.reply_to_call = call;
	ci.hint = in.bot_lang;
	command_parse(&ci, &cmd);
	/* a language the campaign does not speak: the bot's own */
	if (!(conf->campaign.languages & (1u << cmd.lang)))
		cmd.lang = in.bot_lang;
	if (cmd.kind == CMD_NONE) {
		*state = INBOX_IGNORED;
		*reason = "nothing asked";
		rc = 0;
		goto out;
	}

	if (store_member_get(st, in.network, in.account, &m) == -1)
		goto out;
	memset(&p, 0, sizeof(p));
	p.member = m.id != 0;
	p.claim_handle = m.claim_handle;
	p.proof = m.claim_proof;
	p.follows_bot = store_bot_follower_has(st, in.bot_id, in.account) == 1;
	if (cmd.kind == CMD_REGISTER && cmd.refusal == REFUSE_NONE &&
	    (others = store_claim_others(st, m.id, cmd.handle, NULL, 0)) == -1)
		goto out;
	p.others_claiming = others;
	conversation_decide(&cmd, &p, conf->public_url != NULL, &d);

	/* a loop breaker per person, and the help once a day */
	sent = store_outbox_count_to(st, in.account, NULL, now - 3600);
	answer_now = sent >= 0 && sent < conf->replies_per_hour;
	if (d.is_help && store_outbox_count_to(st, in.account, "help",
	    now - 86400) > 0)
		answer_now = 0;
	rc = apply(st, conf, &in, &cmd, &d, answer_now, now, &outcome);
	/* the X handle only at debug: the journal outlives forget me */
	if (rc == 0)
		log_info("@%s: %s (%s) -> %s", acct, command_name(cmd.kind),
		    config_lang_name(cmd.lang), outcome);
	if (rc == 0 && cmd.kind == CMD_REGISTER && cmd.handle[0] != '\0')
		log_debug("@%s: claims X handle @%s", acct, cmd.handle);
out:
	member_clear(&m);
	incoming_clear(&in);
	return rc;
}

int
handler_run(struct handler *h, size_t max)
{
	struct store		*st = h->ds->store;
	struct inbox_row	 row;
	enum inbox_state	 state;
	const char		*reason;
	size_t			 done = 0;
	int			 rc;

	while (done < max) {
		if (store_transaction_begin(st) == -1)
			return -1;
		if ((rc = store_inbox_next_new(st, &row)) != 1) {
			store_transaction_rollback(st);
			return rc == 0 ? (int)done : -1;
		}
		if (handle_event(h, &row, &state, &reason) == -1 ||
		    store_inbox_mark(st, row.id, state, reason) == -1 ||
		    store_transaction_commit(st) == -1) {
			/* nothing of it stays; marked failed on its own */
			store_transaction_rollback(st);
			if (store_inbox_mark(st, row.id, INBOX_FAILED,
			    "could not be handled (see the log)") == -1) {
				/* the store refuses writes: back off */
				log_warnx("inbox event %lld could not be handled "
				    "nor marked; trying again later",
				    (long long)row.id);
				inbox_row_clear(&row);
				return -1;
			}
			log_warnx("inbox event %lld could not be handled; "
			    "marked failed", (long long)row.id);
		}
		inbox_row_clear(&row);
		done++;
	}
	return (int)done;
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct handler	*h = lws_container_of(sul, struct handler, tick);
	time_t		 now = time(NULL);

	/* a store refusing writes is retried in 5 s, not in a hot loop */
	if (handler_run(h, HANDLER_BATCH) == -1) {
		lws_sul_schedule(h->lws, 0, &h->tick, on_tick,
		    5 * LWS_US_PER_SEC);
		return;
	}
	if (now - h->pruned >= 3600) {
		h->pruned = now;
		(void)store_outbox_prune(h->ds->store, (int64_t)now - 86400);
	}
	lws_sul_schedule(h->lws, 0, &h->tick, on_tick, HANDLER_TICK_US);
}

struct handler *
handler_create(struct lws_context *lws, const struct daemon_state *ds)
{
	struct handler	*h = xcalloc(1, sizeof(*h));

	h->lws = lws;
	h->ds = ds;
	lws_sul_schedule(lws, 0, &h->tick, on_tick, HANDLER_TICK_US);
	return h;
}

void
handler_free(struct handler *h)
{
	if (h == NULL)
		return;
	lws_sul_cancel(&h->tick);
	free(h);
}
