/*
 * bluesky-send: outbox rows become posts (putRecord) and chat messages.
 *
 * A post row's body is {"post":{"rkey":TID,"record":{...}}}: the record
 * key and the exact record (createdAt included) were fixed when the row
 * was queued, so a resend after an unknown outcome is the same putRecord,
 * which the PDS answers with the same cid and does nothing (a second
 * createRecord on the key would answer 500).  A row threaded under
 * another (thread_parent_id) gets its reply refs at send time from the
 * parent's record (getRecord on our own repo): the parent never changes,
 * so every attempt still sends the same record.
 *
 * A chat row is {"chat":{"to":DID,"text":...,"facets":[...]?,
 * "queued_at":ISO}}.  Chat has no idempotency key: when an earlier
 * attempt of the row went out (attempts > 0: written before the call),
 * the conversation's recent messages are read first, and one from the
 * bot with the same text sent since the row was queued counts as sent.
 * A recipient whose settings refuse the bot is SEND_UNREACHABLE.
 *
 * A post row may list pictures ("images": [{file, alt}], outbox-body.h):
 * each is checked (PNG, JPEG, GIF or WebP by its bytes, at most the
 * 1,000,000 bytes app.bsky.embed.images takes), uploaded with
 * com.atproto.repo.uploadBlob, and its blob reference written into the
 * row at once, so that a retry or a restart reuses it.  The record gets
 * its embed from those references when it is sent: the same bytes give
 * the same CID, so every attempt still sends the same record.
 */
#define LOG_TAG "bluesky"
#include "bluesky-internal.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/http-headers.h"
#include "quitx/log.h"
#include "quitx/media.h"
#include "quitx/outbox.h"
#include "quitx/outbox-body.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define POST_NSID	"app.bsky.feed.post"
#define IMAGES_MAX	4	/* app.bsky.embed.images */
#define WRITE_POINTS	2	/* what putRecord costs of the budget */
#define READ_RESERVE	5	/* reads kept for notifications */
#define DEDUP_LOOKBACK	50	/* messages read before a resend */
/*
 * ratelimit-reset is in whole seconds, and the reference PDS rounds the
 * window's end down (xrpc-server's rate-limiter-http.ts, Math.floor): the
 * budget may come back up to a second after the second it names.  Going
 * at that second met a 429 in about one window in two.
 */
#define RESET_SLACK	1

/* When a budget the headers describe is back for sure. */
static time_t
budget_back(const struct http_ratelimit *rl)
{
	return rl->reset + RESET_SLACK;
}

struct send_ctx {
	struct bluesky		*b;
	send_done_fn		 done;
	void			*arg;
	struct bsky_call	*call;
	json_t			*body;		/* the row's */
	char			*parent_uri;	/* threaded under */
	int			 resend;	/* an attempt went before */
	char			*convo;
	int64_t			 row_id;
	size_t			 image;		/* the picture in hand */
	int			 added_embed;	/* to the row's record, here */
	int			 added_reply;
};

static void
ctx_free(struct send_ctx *c)
{
	json_decref(c->body);
	free(c->parent_uri);
	free(c->convo);
	free(c);
}

static void
finish(struct send_ctx *c, enum send_outcome outcome, const char *remote_id,
    const char *error, time_t retry_at)
{
	struct send_result	 res;
	struct bluesky		*b = c->b;
	send_done_fn		 done = c->done;
	void			*arg = c->arg;

	b->send_ctx = NULL;
	memset(&res, 0, sizeof(res));
	res.outcome = outcome;
	res.remote_id = remote_id;
	res.error = error;
	res.retry_at = retry_at;
	ctx_free(c);
	done(&res, arg);
}

/*
 * An answer that is not a success, as the pacer's outcome.  A chat 429
 * (the chat service may hold one for hours) defers chat rows only:
 * public replies keep going.
 */
static void
finish_error(struct send_ctx *c, const struct http_response *res,
    const struct bsky_error *err, const struct http_ratelimit *rl)
{
	char	*why = bsky_error_text(err, res->error);
	time_t	 now = time(NULL), at;
	int	 chat = json_object_get(c->body, "chat") != NULL;

	if (res->status == 429) {
		/* Retry-After first: the chat service's may be long */
		at = res->retry_after > 0 ? now + res->retry_after :
		    rl->present && rl->reset > now ? budget_back(rl) :
		    now + 60;
		if (chat)
			c->b->chat_not_before = at;
		finish(c, chat ? SEND_DEFERRED : SEND_RATE_LIMITED, NULL, why,
		    at);
	} else if (res->status == 0 || res->status >= 500 ||
	    res->status == 401 || (err->name != NULL &&
	    (strcmp(err->name, "ExpiredToken") == 0 ||
	    (strcmp(err->name, "InvalidToken") == 0 && (err->message == NULL ||
	    strstr(err->message, "Bad token method") == NULL)))))
		/* a session problem: the next attempt has a new one */
		finish(c, SEND_RETRY, NULL, why, 0);
	else
		finish(c, SEND_REFUSED, NULL, why, 0);
	free(why);
}

/* --- posts --- */

static void	save_body(struct send_ctx *c);

/* The PDS no longer has a blob the record names (unused for too long). */
static int
blob_gone(const struct bsky_error *err)
{
	return err->message != NULL && (strcasestr(err->message,
	    "could not find blob") != NULL || strcasestr(err->message,
	    "blob not found") != NULL);
}

/* Upload the pictures again on the next attempt: the same CIDs come back. */
static void
forget_blobs(struct send_ctx *c)
{
	json_t	*im, *record;
	size_t	 i;

	json_array_foreach(json_object_get(c->body, OUTBOX_BLUESKY_IMAGES), i,
	    im)
		json_object_del(im, "blob");
	/* the stored body never holds the embed: it is made at send time */
	record = json_object_get(json_object_get(c->body, "post"), "record");
	if (c->added_embed)
		json_object_del(record, "embed");
	if (c->added_reply)
		json_object_del(record, "reply");
	save_body(c);
	finish(c, SEND_RETRY, NULL, "the PDS no longer has the pictures; "
	    "uploading them again", 0);
}

static void
on_put(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*root = NULL;
	json_error_t	 jerr;
	const char	*uri;

	c->call = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	uri = json_string_value(json_object_get(root, "uri"));
	if (res->status == 200 && uri != NULL)
		finish(c, SEND_OK, uri, NULL, 0);
	else if (res->status == 200)
		finish(c, SEND_RETRY, NULL, "putRecord: no uri in the answer",
		    0);
	else if (res->status == 400 && blob_gone(err))
		forget_blobs(c);
	else
		finish_error(c, res, err, &b->rl_write);
	json_decref(root);
}

static void
put_record(struct send_ctx *c)
{
	json_t	*post = json_object_get(c->body, "post"), *o;
	char	*body;

	o = json_pack("{s:s, s:s, s:O, s:O}", "repo", c->b->did,
	    "collection", POST_NSID, "rkey", json_object_get(post, "rkey"),
	    "record", json_object_get(post, "record"));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	c->call = bsky_xrpc(c->b, "POST", "com.atproto.repo.putRecord", NULL,
	    body, BSKY_CALL_WRITE, on_put, c);
	free(body);
}

/* The parent's record is read: thread the post under it. */
static void
on_parent(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*root = NULL, *record, *parent, *proot;
	json_error_t	 jerr;
	const char	*uri, *cid;

	c->call = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	uri = json_string_value(json_object_get(root, "uri"));
	cid = json_string_value(json_object_get(root, "cid"));
	if (uri == NULL || cid == NULL) {
		if (res->status == 200)
			finish(c, SEND_RETRY, NULL, "getRecord: no uri or cid",
			    0);
		else
			finish_error(c, res, err, &b->rl);
		json_decref(root);
		return;
	}
	parent = json_pack("{s:s, s:s}", "uri", uri, "cid", cid);
	proot = json_object_get(json_object_get(json_object_get(root,
	    "value"), "reply"), "root");
	record = json_object_get(json_object_get(c->body, "post"), "record");
	json_object_set_new(record, "reply", json_pack("{s:O, s:O}", "root",
	    json_is_object(proot) ? proot : parent, "parent", parent));
	c->added_reply = 1;
	json_decref(parent);
	json_decref(root);
	put_record(c);
}

/* The record's embed, from the pictures' blob references. */
static void
attach_images(struct send_ctx *c)
{
	json_t	*record, *images, *im, *out, *e;
	size_t	 i;

	images = json_object_get(c->body, OUTBOX_BLUESKY_IMAGES);
	record = json_object_get(json_object_get(c->body, "post"), "record");
	if (json_array_size(images) == 0 ||
	    json_object_get(record, "embed") != NULL)
		return;
	out = json_array();
	json_array_foreach(images, i, im) {
		e = json_pack("{s:O, s:O}", "image", json_object_get(im,
		    "blob"), "alt", json_object_get(im, "alt"));
		if (json_is_integer(json_object_get(im, "width")) &&
		    json_is_integer(json_object_get(im, "height")))
			json_object_set_new(e, "aspectRatio", json_pack(
			    "{s:O, s:O}", "width", json_object_get(im, "width"),
			    "height", json_object_get(im, "height")));
		json_array_append_new(out, e);
	}
	json_object_set_new(record, "embed", json_pack("{s:s, s:o}", "$type",
	    "app.bsky.embed.images", "images", out));
	c->added_embed = 1;
}

static void
send_post(struct send_ctx *c)
{
	char	 did[512], *query, *erepo, *erkey;
	const char *rkey;
	json_t	*record = json_object_get(json_object_get(c->body, "post"),
		    "record");

	if (c->parent_uri == NULL || json_object_get(record, "reply") != NULL) {
		put_record(c);
		return;
	}
	/* at://did/app.bsky.feed.post/rkey: our own earlier post */
	rkey = strrchr(c->parent_uri, '/');
	if (bsky_uri_did(c->parent_uri, did, sizeof(did)) == -1 ||
	    rkey == NULL) {
		finish(c, SEND_REFUSED, NULL, "the thread's parent is not an "
		    "at-uri", 0);
		return;
	}
	erepo = curl_easy_escape(NULL, did, 0);
	erkey = curl_easy_escape(NULL, rkey + 1, 0);
	query = xasprintf("repo=%s&collection=%s&rkey=%s", erepo, POST_NSID,
	    erkey);
	curl_free(erepo);
	curl_free(erkey);
	c->call = bsky_xrpc(c->b, "GET", "com.atproto.repo.getRecord", query,
	    NULL, 0, on_parent, c);
	free(query);
}

/* --- pictures --- */

/* Write the blob references learnt into the row, for the next attempt. */
static void
save_body(struct send_ctx *c)
{
	char	*s;

	if ((s = json_dumps(c->body, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	if (store_outbox_set_body(c->b->env.store, c->row_id, s) == -1)
		log_warnx("%s: row %lld: the blob references are not saved",
		    c->b->label, (long long)c->row_id);
	free(s);
}

static void	next_blob(struct send_ctx *c);

static void
on_blob(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*blob, *im;
	char		 why[128];

	c->call = NULL;
	if (res->status != 200) {
		finish_error(c, res, err, &b->rl);
		return;
	}
	if ((blob = media_bsky_blob_parse(res->body, res->len, why,
	    sizeof(why))) == NULL) {
		finish(c, SEND_RETRY, NULL, why, 0);
		return;
	}
	im = json_array_get(json_object_get(c->body, OUTBOX_BLUESKY_IMAGES),
	    c->image);
	json_object_set_new(im, "blob", blob);
	/* the next attempt reuses it (a blob unreferenced for long is
	   removed, but the same bytes uploaded again give the same CID) */
	save_body(c);
	c->image++;
	next_blob(c);
}

/* Upload the next picture without a blob, or send the post. */
static void
next_blob(struct send_ctx *c)
{
	struct media_file	 f;
	json_t			*images, *im;
	const char		*file;
	char			 why[512];

	images = json_object_get(c->body, OUTBOX_BLUESKY_IMAGES);
	for (; c->image < json_array_size(images); c->image++) {
		im = json_array_get(images, c->image);
		if (json_is_object(json_object_get(im, "blob")))
			continue;
		file = json_string_value(json_object_get(im, "file"));
		if (file == NULL || !json_is_string(json_object_get(im,
		    "alt"))) {
			snprintf(why, sizeof(why), "picture %zu has no file or "
			    "no alt text", c->image + 1);
			finish(c, SEND_REFUSED, NULL, why, 0);
			return;
		}
		if (media_load(file, MEDIA_BSKY_IMAGE_MAX,
		    (1u << MEDIA_TYPE_COUNT) - 1, "Bluesky", &f, why,
		    sizeof(why)) == -1) {
			finish(c, SEND_REFUSED, NULL, why, 0);
			return;
		}
		if (f.width > 0 && f.height > 0) {
			json_object_set_new(im, "width",
			    json_integer((json_int_t)f.width));
			json_object_set_new(im, "height",
			    json_integer((json_int_t)f.height));
		}
		log_info("%s: row %lld: uploading %s", c->b->label,
		    (long long)c->row_id, file);
		c->call = bsky_xrpc_raw(c->b, "com.atproto.repo.uploadBlob",
		    f.mime, f.data, f.len, on_blob, c);
		media_file_clear(&f);
		return;
	}
	attach_images(c);
	send_post(c);
}

/* --- chat --- */

/* The refusals the chat service answers for a recipient's settings. */
static int
chat_refused(const struct bsky_error *err)
{
	static const char *const names[] = { "MessagesDisabled",
	    "NotFollowedBySender", "BlockedActor", "BlockedSubject",
	    "RecipientNotFound" };
	static const char *const texts[] = { "disabled incoming messages",
	    "requires incoming messages to come from someone they follow",
	    "block between recipient and sender", "recipient does not exist" };
	size_t	i;

	if (err->status != 400)
		return 0;
	for (i = 0; err->name != NULL && i < sizeof(names) / sizeof(*names);
	    i++)
		if (strcmp(err->name, names[i]) == 0)
			return 1;
	for (i = 0; err->message != NULL &&
	    i < sizeof(texts) / sizeof(*texts); i++)
		if (strstr(err->message, texts[i]) != NULL)
			return 1;
	return 0;
}

static void
on_sent_message(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*root = NULL;
	json_error_t	 jerr;
	const char	*id;

	c->call = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	id = json_string_value(json_object_get(root, "id"));
	if (res->status == 200 && id != NULL)
		finish(c, SEND_OK, id, NULL, 0);
	else if (res->status == 200)
		finish(c, SEND_RETRY, NULL, "sendMessage: no id in the answer",
		    0);
	else if (chat_refused(err)) {
		char *why = bsky_error_text(err, NULL);
		finish(c, SEND_UNREACHABLE, NULL, why, 0);
		free(why);
	} else
		finish_error(c, res, err, &b->rl_chat);
	json_decref(root);
}

static void
send_message(struct send_ctx *c)
{
	json_t	*chat = json_object_get(c->body, "chat"), *msg, *o;
	char	*body;

	msg = json_pack("{s:O}", "text", json_object_get(chat, "text"));
	if (json_is_array(json_object_get(chat, "facets")) &&
	    json_array_size(json_object_get(chat, "facets")) > 0)
		json_object_set(msg, "facets", json_object_get(chat,
		    "facets"));
	o = json_pack("{s:s, s:o}", "convoId", c->convo, "message", msg);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	c->call = bsky_xrpc(c->b, "POST", "chat.bsky.convo.sendMessage", NULL,
	    body, BSKY_CALL_CHAT, on_sent_message, c);
	explicit_bzero(body, strlen(body));
	free(body);
}

/* Before a resend: is the message already in the conversation? */
static void
on_messages(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*root = NULL, *m, *chat;
	json_error_t	 jerr;
	const char	*text, *queued, *sent, *from, *id;
	size_t		 i;

	c->call = NULL;
	if (res->status != 200) {
		finish_error(c, res, err, &b->rl_chat);
		return;
	}
	root = json_loadb(res->body, res->len, 0, &jerr);
	chat = json_object_get(c->body, "chat");
	text = json_string_value(json_object_get(chat, "text"));
	queued = json_string_value(json_object_get(chat, "queued_at"));
	json_array_foreach(json_object_get(root, "messages"), i, m) {
		from = json_string_value(json_object_get(json_object_get(m,
		    "sender"), "did"));
		sent = json_string_value(json_object_get(m, "sentAt"));
		id = json_string_value(json_object_get(m, "id"));
		if (from == NULL || id == NULL || strcmp(from, b->did) != 0 ||
		    text == NULL || json_string_value(json_object_get(m,
		    "text")) == NULL || strcmp(json_string_value(
		    json_object_get(m, "text")), text) != 0)
			continue;
		/* ISO 8601 UTC: text order is time order */
		if (queued != NULL && sent != NULL && strcmp(sent, queued) < 0)
			continue;
		log_info("%s: message already in the conversation: not sent "
		    "again", b->label);
		finish(c, SEND_OK, id, NULL, 0);
		json_decref(root);
		return;
	}
	json_decref(root);
	send_message(c);
}

static void
on_convo(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct send_ctx	*c = arg;
	json_t		*root = NULL;
	json_error_t	 jerr;
	const char	*id;
	char		*query, *esc, *why;

	c->call = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	id = json_string_value(json_object_get(json_object_get(root, "convo"),
	    "id"));
	if (id == NULL) {
		if (res->status == 200)
			finish(c, SEND_RETRY, NULL, "getConvoForMembers: no "
			    "convo id", 0);
		else if (chat_refused(err)) {
			why = bsky_error_text(err, NULL);
			finish(c, SEND_UNREACHABLE, NULL, why, 0);
			free(why);
		} else
			finish_error(c, res, err, &b->rl_chat);
		json_decref(root);
		return;
	}
	c->convo = xstrdup(id);
	json_decref(root);
	if (!c->resend) {
		send_message(c);
		return;
	}
	esc = curl_easy_escape(NULL, c->convo, 0);
	query = xasprintf("convoId=%s&limit=%d", esc, DEDUP_LOOKBACK);
	curl_free(esc);
	c->call = bsky_xrpc(b, "GET", "chat.bsky.convo.getMessages", query,
	    NULL, BSKY_CALL_CHAT, on_messages, c);
	free(query);
}

static void
send_chat(struct send_ctx *c)
{
	const char	*to = json_string_value(json_object_get(
			    json_object_get(c->body, "chat"), "to"));
	char		*query, *esc;

	esc = curl_easy_escape(NULL, to, 0);
	query = xasprintf("members=%s", esc);
	curl_free(esc);
	c->call = bsky_xrpc(c->b, "GET", "chat.bsky.convo.getConvoForMembers",
	    query, NULL, BSKY_CALL_CHAT, on_convo, c);
	free(query);
}

/* --- the pacer's side --- */

static void
send_row(void *net, const struct outbox_row *row, send_done_fn done,
    void *arg)
{
	struct bluesky	*b = net;
	struct send_ctx	*c;
	json_t		*body, *post, *chat, *images;
	json_error_t	 jerr;
	time_t		 now;

	c = xcalloc(1, sizeof(*c));
	c->b = b;
	c->done = done;
	c->arg = arg;
	c->resend = row->attempts > 0;
	c->row_id = row->id;
	b->send_ctx = c;
	body = json_loads(row->body, JSON_REJECT_DUPLICATES, &jerr);
	post = json_object_get(body, "post");
	chat = json_object_get(body, "chat");
	c->body = body;
	images = json_object_get(body, OUTBOX_BLUESKY_IMAGES);
	if (post != NULL && json_is_string(json_object_get(post, "rkey")) &&
	    json_is_object(json_object_get(post, "record")) &&
	    (images == NULL || (json_is_array(images) &&
	    json_array_size(images) <= IMAGES_MAX))) {
		if (row->thread_parent_id != 0) {
			if (row->parent_remote_id == NULL) {
				finish(c, SEND_RETRY, NULL, "the thread's "
				    "parent is not sent yet", 0);
				return;
			}
			c->parent_uri = xstrdup(row->parent_remote_id);
		}
		next_blob(c);
	} else if (chat != NULL &&
	    json_is_string(json_object_get(chat, "to")) &&
	    json_is_string(json_object_get(chat, "text"))) {
		now = time(NULL);
		if (b->rl_chat.present && b->rl_chat.remaining <= 0 &&
		    budget_back(&b->rl_chat) > b->chat_not_before)
			b->chat_not_before = budget_back(&b->rl_chat);
		if (now < b->chat_not_before)
			finish(c, SEND_DEFERRED, NULL, "chat limit",
			    b->chat_not_before);
		else
			send_chat(c);
	}
	else
		finish(c, SEND_REFUSED, NULL, "row body is neither a post nor "
		    "a chat message", 0);
}

/* Wait for a reset rather than spend the budget on 429s. */
static time_t
ready_at(void *net, time_t now)
{
	struct bluesky	*b = net;
	time_t		 when = now;

	if (b->rl_write.present && b->rl_write.remaining < WRITE_POINTS &&
	    budget_back(&b->rl_write) > when)
		when = budget_back(&b->rl_write);
	if (b->rl.present && b->rl.remaining <= READ_RESERVE &&
	    budget_back(&b->rl) > when)
		when = budget_back(&b->rl);
	return when;
}

static int
usable(void *net)
{
	struct bluesky	*b = net;

	return bsky_session_open(b) && b->state != BLUESKY_STARTING;
}

void
bsky_send_cancel(struct bluesky *b)
{
	struct send_ctx	*c = b->send_ctx;

	if (c == NULL)
		return;
	bsky_call_cancel(c->call);
	ctx_free(c);
	b->send_ctx = NULL;
}

void
bsky_send_start(struct bluesky *b)
{
	struct outbox_net	net;

	if (b->pacer != NULL)
		return;
	net.send = send_row;
	net.ready_at = ready_at;
	net.usable = usable;
	net.net = b;
	b->pacer = outbox_pacer_create(b->env.lws, b->env.store,
	    b->bot_account_id, b->label, &net);
}
