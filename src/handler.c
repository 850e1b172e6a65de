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
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "quitx/bluesky-parse.h"
#include "quitx/campaign.h"
#include "quitx/command.h"
#include "quitx/config.h"
#include "quitx/conversation.h"
#include "quitx/daemon.h"
#include "quitx/log.h"
#include "quitx/mastodon-parse.h"
#include "quitx/outbox-body.h"
#include "quitx/richtext.h"
#include "quitx/store.h"
#include "quitx/templates.h"
#include "quitx/token.h"
#include "quitx/xmalloc.h"

#define HANDLER_TICK_US		(500 * LWS_US_PER_MS)
#define HANDLER_BATCH		100
#define REPLY_PRIORITY		10	/* before announcements and bulk */
#define CONTESTED_TELL_MAX	8

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

/*
 * A new upload link; only the token's SHA-256 is stored, so the store
 * alone cannot be used to upload.
 */
static char *
upload_link(struct store *st, const struct config *conf, int64_t member_id,
    int64_t now)
{
	unsigned char	 hash[TOKEN_HASH_LEN];
	char		 token[TOKEN_CHARS + 1], *link;

	token_new(token, hash);
	if (store_upload_token_add(st, member_id, hash, sizeof(hash), now,
	    now + (int64_t)conf->upload_link_days * 86400) == -1) {
		explicit_bzero(token, sizeof(token));
		return NULL;
	}
	link = xasprintf("%s/u/%s", conf->public_url, token);
	explicit_bzero(token, sizeof(token));
	return link;
}

/*
 * Bluesky answers: a public one replies to their post (a thread's first
 * part; the others get their refs when sent).  No mention facets: a
 * reply notifies its author, and other @names in it notify no one.
 */
static char *
bluesky_post_body(const struct incoming *in, const char *text, int first,
    enum lang lang, int64_t now)
{
	struct bsky_reply_refs	r;

	if (!first || in->bp.uri == NULL || in->bp.cid == NULL)
		return outbox_bluesky_post(text, NULL, NULL, lang, now);
	r.root_uri = in->bp.root_uri != NULL ? in->bp.root_uri : in->bp.uri;
	r.root_cid = in->bp.root_cid != NULL ? in->bp.root_cid : in->bp.cid;
	r.parent_uri = in->bp.uri;
	r.parent_cid = in->bp.cid;
	return outbox_bluesky_post(text, NULL, &r, lang, now);
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
		body = outbox_mastodon_answer(account, text, in != NULL ?
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
		body = chat ? outbox_bluesky_chat(account, parts[i], NULL, now) :
		    bluesky_post_body(in, parts[i], i == 0, lang, now);
		key = i == 0 ? xstrdup(idem) : xasprintf("%s/%zu", idem, i + 1);
		/*
		 * Each part goes once the one before is sent: a public
		 * thread replies to it, chat parts keep their order.
		 */
		rc = queue(st, bot_id, member_id, id, kind, key, body,
		    account, now, &id);
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

static int
mastodon_chars(int64_t bot_id, void *arg)
{
	return daemon_max_chars(arg, bot_id);
}

/*
 * `suggestions` once the day has started: their whole list now, as the
 * day's message (followed Bluesky accounts as last checked), or "no one
 * yet" through the template.  1 when sent, 0 to answer with the
 * template instead, -1.
 */
static int
suggestions_now(struct handler *h, const struct incoming *in,
    int64_t member_id, enum lang lang, int64_t now)
{
	struct campaign_env	 env;
	struct tmpl_vars	 v;
	int64_t			 at;
	char			*text, *idem;
	int			 n, deferred, rc;

	if (member_id == 0 || (n = campaign_started(h->ds->store, h->ds->conf,
	    now, &at)) == 0)
		return 0;
	if (n == -1)
		return -1;
	memset(&env, 0, sizeof(env));
	env.st = h->ds->store;
	env.conf = h->ds->conf;
	env.now = now;
	env.max_chars = mastodon_chars;
	env.arg = (void *)(uintptr_t)h->ds;
	if ((n = campaign_queue_member(&env, member_id, COMPOSE_ALL,
	    &deferred)) != 0)
		return n < 0 ? -1 : 1;
	memset(&v, 0, sizeof(v));
	text = templates_render(h->ds->conf->templates, lang,
	    T_SUGGESTIONS_NONE, &v);
	idem = xasprintf("reply:%lld:none", (long long)in->inbox_id);
	rc = queue_answer(h->ds->store, in, in->network, in->bot_id, member_id,
	    in->network == NETWORK_MASTODON ? in->author : in->account, text,
	    1, lang, "private", idem, now);
	free(idem);
	free(text);
	return rc == -1 ? -1 : 1;
}

/* Apply the decision and queue the answers.  Inside the transaction. */
static int
apply(struct handler *h, const struct incoming *in,
    const struct command *cmd, const struct decision *d, int answer_now,
    int64_t now, const char **outcome)
{
	struct store		*st = h->ds->store;
	const struct config	*conf = h->ds->conf;
	struct member		 m;
	struct person		 p;
	int64_t			 member_id = 0;
	char			*link = NULL, *text, *idem;
	const char		*kind;
	size_t			 i;
	int			 created = 0, auto_link_off, rc = -1, n;

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
	/* handles change: the one they write with now */
	if (member_id != 0 && in->network == NETWORK_BLUESKY &&
	    in->bp.handle != NULL && store_member_set_handle(st, member_id,
	    in->bp.handle) == -1)
		goto out;
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
		if (d->answers[i].which == T_SUGGESTIONS_LATER) {
			if ((n = suggestions_now(h, in, member_id, cmd->lang,
			    now)) == -1) {
				rc = -1;
				break;
			}
			if (n == 1)
				continue;	/* the list went instead */
		}
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
	int			 rc = -1, answer_now, others = 0, call, n = 0;

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
		/* the messages their settings refused can go now */
		if (rc == 0 && (n = store_outbox_unpark(st, in.bot_id,
		    in.account, now)) > 0)
			log_info("@%s: %d waiting message%s sent again", acct,
			    n, n == 1 ? "" : "s");
		if (n == -1)
			rc = -1;
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
	rc = apply(h, &in, &cmd, &d, answer_now, now, &outcome);
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
