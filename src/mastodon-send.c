/*
 * mastodon-send: an outbox row becomes POST /api/v1/statuses.
 *
 * The row's body is the request's JSON (status, visibility, language,
 * in_reply_to_id).  Keys starting with "quitx_" are ours and are taken
 * out before sending: "quitx_to" names the account a direct message is
 * for, so that a 200 whose mentions[] lacks it (Mastodon silently drops
 * a mention it cannot resolve) is reported as undelivered, not sent.
 * The row's idempotency key goes in Idempotency-Key: the server answers
 * a repeat with the status it already made.
 *
 * Pictures ("quitx_images": [{file, alt}], outbox-body.h) are uploaded
 * first, one at a time (POST /api/v2/media, multipart: file and
 * description = the alt text), each checked before against the limits
 * the instance gave (image_size_limit, supported_mime_types).  Each
 * MediaAttachment id is written into the row as soon as it is known, so
 * a retry or a restart reuses it; one still processing (202) is polled
 * (GET /api/v1/media/:id) until its url is set.  An id the server no
 * longer knows (404 there, or 422 "not found" on posting: unattached
 * media are removed after a day) is forgotten and the picture uploaded
 * again.  The media endpoint has its own budget (30 per 30 minutes on
 * a stock instance): a row that needs an upload while it is spent waits
 * alone (SEND_DEFERRED), the account's other rows go on.
 */
#define LOG_TAG "mastodon"
#include "mastodon-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "quitx/http.h"
#include "quitx/log.h"
#include "quitx/media.h"
#include "quitx/outbox.h"
#include "quitx/outbox-body.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* an upload older than this is made again: unattached media are
   removed after a day */
#define MEDIA_REUSE_MAX		(12 * 3600)
/* looks at a picture still processing before the attempt gives up */
#define MEDIA_POLLS		12
#define MEDIA_POLL_FIRST_US	(LWS_US_PER_SEC / 4)
#define MEDIA_POLL_MAX_US	(5 * LWS_US_PER_SEC)
#define MEDIA_TIMEOUT		120	/* seconds for one upload */
/* what an instance that does not say takes (Mastodon 3.x) */
#define MEDIA_DEFAULT_SIZE	(8u << 20)
#define MEDIA_DEFAULT_ALT	1500

struct send_ctx {
	struct mastodon		*m;
	send_done_fn		 done;
	void			*arg;
	char			*to;		/* quitx_to: the DM's recipient */
	int64_t			 row_id;
	json_t			*body;		/* the row's, ids noted in it */
	size_t			 image;		/* the picture in hand */
	int			 polls;
	int			 with_media;	/* media_ids went with the post */
	struct outbox_row	 row;		/* idem_key, parent_remote_id */
	lws_sorted_usec_list_t	 poll;
};

/* acct as the bot's server writes it: "user" for its own users. */
static int
acct_matches(const struct mastodon *m, const char *got, const char *want)
{
	const char	*host;
	size_t		 n;

	if (strcasecmp(got, want) == 0)
		return 1;
	/*
	 * "user" == "user@our.domain": the instance's account domain, or
	 * the host of its API (how quitx spells local members).
	 */
	n = strlen(got);
	if (strchr(got, '@') != NULL || strncasecmp(got, want, n) != 0 ||
	    want[n] != '@')
		return 0;
	want += n + 1;
	host = m->server + strlen("https://");
	return (m->domain != NULL && strcasecmp(want, m->domain) == 0) ||
	    (strncasecmp(want, host, strcspn(host, ":")) == 0 &&
	    want[strcspn(host, ":")] == '\0');
}

static int
mentions_include(const struct mastodon *m, json_t *status, const char *to)
{
	json_t		*mention;
	const char	*acct;
	size_t		 i;

	json_array_foreach(json_object_get(status, "mentions"), i, mention) {
		acct = json_string_value(json_object_get(mention, "acct"));
		if (acct != NULL && acct_matches(m, acct, to))
			return 1;
	}
	return 0;
}

static void
ctx_free(struct send_ctx *c)
{
	json_decref(c->body);
	free(c->row.idem_key);
	free(c->row.parent_remote_id);
	free(c->to);
	free(c);
}

static void
finish(struct send_ctx *c, enum send_outcome outcome, const char *remote_id,
    const char *error, time_t retry_at)
{
	struct send_result	 res;
	struct mastodon		*m = c->m;

	res.outcome = outcome;
	res.remote_id = remote_id;
	res.error = error;
	res.retry_at = retry_at;
	m->send_req = NULL;
	m->send_ctx = NULL;
	lws_sul_cancel(&c->poll);
	c->done(&res, c->arg);
	ctx_free(c);
}

static void	next_image(struct send_ctx *c);

static json_t *
images_of(struct send_ctx *c)
{
	return json_object_get(c->body, OUTBOX_MASTODON_IMAGES);
}

/* Write what was learnt into the row, for the next attempt. */
static void
save_body(struct send_ctx *c)
{
	char	*s;

	if ((s = json_dumps(c->body, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	if (store_outbox_set_body(c->m->env.store, c->row_id, s) == -1)
		log_warnx("%s: row %lld: the uploaded pictures' ids are not "
		    "saved; a retry uploads them again", c->m->label,
		    (long long)c->row_id);
	free(s);
}

/* Forget a picture's upload (gone from the server, or too old). */
static void
forget_upload(json_t *im)
{
	json_object_del(im, "id");
	json_object_del(im, "uploaded_at");
	json_object_del(im, "ready");
}

/* The outcome of an answer that is not a success, from any request. */
static void
finish_error(struct send_ctx *c, const struct http_response *res,
    const char *what, int media)
{
	struct mastodon	*m = c->m;
	char		*why, *msg;
	time_t		 at;

	if (res->status == 0) {
		msg = xasprintf("%s: %s", what, res->error);
		finish(c, SEND_RETRY, NULL, msg, 0);
		free(msg);
		return;
	}
	why = mastodon_error_text(res->body, res->len, res->status);
	msg = xasprintf("%s: %s", what, why);
	free(why);
	if (res->status == 429) {
		at = res->retry_after > 0 ? time(NULL) + res->retry_after :
		    res->rl.reset > 0 ? res->rl.reset : time(NULL) + 60;
		/* the media budget is this row's own: the others go on */
		finish(c, media ? SEND_DEFERRED : SEND_RATE_LIMITED, NULL, msg,
		    at);
	} else if (res->status >= 500 || res->status == 408)
		finish(c, SEND_RETRY, NULL, msg, 0);
	else if (res->status == 401) {
		finish(c, SEND_RETRY, NULL, msg, 0);
		mastodon_disable(m, msg);
	} else
		finish(c, SEND_REFUSED, NULL, msg, 0);
	free(msg);
}

static void	poll_media(struct send_ctx *c);

static void
on_poll_timer(lws_sorted_usec_list_t *sul)
{
	struct send_ctx	*c = lws_container_of(sul, struct send_ctx, poll);

	poll_media(c);
}

/* Look again later at a picture still processing. */
static void
poll_later(struct send_ctx *c)
{
	lws_usec_t	us = MEDIA_POLL_FIRST_US;
	int		i;

	if (c->polls >= MEDIA_POLLS) {
		finish(c, SEND_RETRY, NULL, "a picture is still processing "
		    "on the server", 0);
		return;
	}
	for (i = 0; i < c->polls && us < MEDIA_POLL_MAX_US; i++)
		us *= 2;
	if (us > MEDIA_POLL_MAX_US)
		us = MEDIA_POLL_MAX_US;
	c->polls++;
	lws_sul_schedule(c->m->env.lws, 0, &c->poll, on_poll_timer, us);
}

/* POST /api/v2/media or GET /api/v1/media/:id answered with an entity. */
static void
media_answer(struct send_ctx *c, const struct http_response *res)
{
	json_t	*im = json_array_get(images_of(c), c->image);
	char	 why[128], *id, *msg;
	int	 ready;

	if (media_mastodon_parse(res->body, res->len, &id, &ready, why,
	    sizeof(why)) == -1) {
		msg = xasprintf("uploading a picture: %s", why);
		finish(c, SEND_RETRY, NULL, msg, 0);
		free(msg);
		return;
	}
	if (json_object_get(im, "id") == NULL) {
		json_object_set_new(im, "id", json_string(id));
		json_object_set_new(im, "uploaded_at",
		    json_integer((json_int_t)time(NULL)));
	}
	free(id);
	json_object_set_new(im, "ready", json_boolean(ready));
	save_body(c);
	if (!ready) {
		poll_later(c);
		return;
	}
	c->image++;
	c->polls = 0;
	next_image(c);
}

static void
on_media(const struct http_response *res, void *arg)
{
	struct send_ctx	*c = arg;
	struct mastodon	*m = c->m;

	m->send_req = NULL;
	if (res->rl.present)
		mastodon_note_budget(m, &res->rl);
	if (res->status == 200) {
		media_answer(c, res);
		return;
	}
	if (res->status == 206) {		/* still processing */
		poll_later(c);
		return;
	}
	if (res->status == 404) {
		/* removed meanwhile: upload it again */
		log_info("%s: row %lld: an uploaded picture is gone; "
		    "uploading it again", m->label, (long long)c->row_id);
		forget_upload(json_array_get(images_of(c), c->image));
		save_body(c);
		next_image(c);
		return;
	}
	finish_error(c, res, "reading an uploaded picture", 0);
}

static void
poll_media(struct send_ctx *c)
{
	struct mastodon	*m = c->m;
	json_t		*im = json_array_get(images_of(c), c->image);
	char		*url;

	url = xasprintf("%s/api/v1/media/%s", m->server,
	    json_string_value(json_object_get(im, "id")));
	m->send_req = http_request_new(m->env.http, "GET", url);
	free(url);
	http_request_header(m->send_req, m->auth);
	http_request_send(m->send_req, on_media, c);
}

static void
on_uploaded(const struct http_response *res, void *arg)
{
	struct send_ctx	*c = arg;
	struct mastodon	*m = c->m;

	m->send_req = NULL;
	/* the media endpoint's own limiter */
	if (res->rl.present)
		m->rl_media = res->rl;
	if (res->status == 200 || res->status == 202)
		media_answer(c, res);
	else
		finish_error(c, res, "uploading a picture", 1);
}

/* Characters as Mastodon counts a description: code points. */
static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
upload(struct send_ctx *c, json_t *im)
{
	struct mastodon		*m = c->m;
	struct media_file	 f;
	const char		*file, *alt;
	char			 why[512], ctype[96], *body, *url;
	size_t			 len;
	time_t			 now = time(NULL);

	file = json_string_value(json_object_get(im, "file"));
	alt = json_string_value(json_object_get(im, "alt"));
	if (file == NULL || alt == NULL) {
		snprintf(why, sizeof(why), "picture %zu has no file or no alt "
		    "text", c->image + 1);
		finish(c, SEND_REFUSED, NULL, why, 0);
		return;
	}
	if (utf8_chars(alt) > m->media_alt_limit) {
		snprintf(why, sizeof(why), "image %s: its alt text is longer "
		    "than the %zu characters this instance takes", file,
		    m->media_alt_limit);
		finish(c, SEND_REFUSED, NULL, why, 0);
		return;
	}
	if (media_load(file, m->media_size_limit, m->media_types,
	    "this Mastodon instance", &f, why, sizeof(why)) == -1) {
		finish(c, SEND_REFUSED, NULL, why, 0);
		return;
	}
	if (m->rl_media.present && m->rl_media.remaining <= 0 &&
	    m->rl_media.reset > now) {
		media_file_clear(&f);
		finish(c, SEND_DEFERRED, NULL, "the media upload budget is "
		    "spent", m->rl_media.reset);
		return;
	}
	body = media_multipart(&f, file, alt, &len, ctype, sizeof(ctype));
	media_file_clear(&f);
	url = xasprintf("%s/api/v2/media", m->server);
	m->send_req = http_request_new(m->env.http, "POST", url);
	free(url);
	http_request_header(m->send_req, m->auth);
	http_request_body(m->send_req, ctype, body, len);
	http_request_timeout(m->send_req, MEDIA_TIMEOUT);
	free(body);
	log_info("%s: row %lld: uploading %s", m->label, (long long)c->row_id,
	    file);
	http_request_send(m->send_req, on_uploaded, c);
}

/* 422 on posting: media ids the server does not know (any more). */
static int
media_not_found(const struct http_response *res)
{
	char	*why = mastodon_error_text(res->body, res->len, res->status);
	int	 gone = strstr(why, "not found") != NULL ||
		    strstr(why, "already attached") != NULL;

	free(why);
	return gone;
}

static void
on_posted(const struct http_response *res, void *arg)
{
	struct send_ctx	*c = arg;
	struct mastodon	*m = c->m;
	json_t		*root = NULL, *im;
	json_error_t	 jerr;
	const char	*id = NULL;
	char		*msg;
	size_t		 i;

	m->send_req = NULL;
	/* statuses have their own, tighter limiter: keep it apart */
	if (res->rl.present)
		m->rl_post = res->rl;
	if (res->status >= 200 && res->status < 300) {
		root = json_loadb(res->body, res->len, 0, &jerr);
		id = json_string_value(json_object_get(root, "id"));
		if (id == NULL)
			/* the post may exist: the same key makes a retry safe */
			finish(c, SEND_RETRY, NULL, "answer without a status "
			    "id", 0);
		else if (c->to != NULL && !mentions_include(m, root, c->to)) {
			/* posted, but to nobody: keep its id for the record */
			msg = xasprintf("@%s could not be mentioned: the "
			    "message reached nobody", c->to);
			finish(c, SEND_REFUSED, id, msg, 0);
			free(msg);
		} else
			finish(c, SEND_OK, id, NULL, 0);
		json_decref(root);
		return;
	}
	if (res->status == 422 && c->with_media && media_not_found(res)) {
		/* removed unattached: the next attempt uploads again */
		json_array_foreach(images_of(c), i, im)
			forget_upload(im);
		save_body(c);
		finish(c, SEND_RETRY, NULL, "the uploaded pictures are gone "
		    "from the server; uploading them again", 0);
		return;
	}
	if (res->status == 422 && c->with_media && strstr(res->body,
	    "processing") != NULL) {
		finish(c, SEND_RETRY, NULL, "a picture is still processing", 0);
		return;
	}
	finish_error(c, res, "posting", 0);
}

/* The request body: the row's JSON without our keys, with its pictures. */
static char *
request_body(struct send_ctx *c, const struct outbox_row *row)
{
	json_t		*body, *v, *ids = NULL, *im;
	const char	*key;
	void		*tmp;
	char		*text;
	size_t		 i;

	body = json_deep_copy(c->body);
	json_array_foreach(images_of(c), i, im) {
		if (ids == NULL)
			ids = json_array();
		json_array_append(ids, json_object_get(im, "id"));
	}
	json_object_foreach_safe(body, tmp, key, v)
		if (strncmp(key, "quitx_", 6) == 0)
			json_object_del(body, key);
	if (ids != NULL) {
		json_object_set_new(body, "media_ids", ids);
		c->with_media = 1;
	}
	if (row->parent_remote_id != NULL &&
	    json_object_get(body, "in_reply_to_id") == NULL)
		json_object_set_new(body, "in_reply_to_id",
		    json_string(row->parent_remote_id));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

/* POST /api/v1/statuses, once every picture is on the server. */
static void
post_status(struct send_ctx *c, const struct outbox_row *row)
{
	struct mastodon	*m = c->m;
	char		*body, *url, *key;

	body = request_body(c, row);
	url = xasprintf("%s/api/v1/statuses", m->server);
	m->send_req = http_request_new(m->env.http, "POST", url);
	free(url);
	http_request_header(m->send_req, m->auth);
	key = xasprintf("Idempotency-Key: %s", row->idem_key);
	http_request_header(m->send_req, key);
	free(key);
	http_request_body(m->send_req, "application/json", body,
	    strlen(body));
	free(body);
	http_request_send(m->send_req, on_posted, c);
}

/*
 * The next picture to upload or to wait for, or the post when all are
 * on the server.  The row is needed again for the post: what it holds
 * besides the body (the key, the parent) is kept in the context.
 */
static void
next_image(struct send_ctx *c)
{
	json_t	*images = images_of(c), *im, *at;
	time_t	 now = time(NULL);

	for (; c->image < json_array_size(images); c->image++) {
		im = json_array_get(images, c->image);
		if (json_is_string(json_object_get(im, "id"))) {
			at = json_object_get(im, "uploaded_at");
			if (!json_is_integer(at) || json_integer_value(at) +
			    MEDIA_REUSE_MAX < now)
				forget_upload(im);
			else if (json_is_true(json_object_get(im, "ready")))
				continue;
			else {
				poll_media(c);
				return;
			}
		}
		upload(c, im);
		return;
	}
	post_status(c, &c->row);
}

static void
send_row(void *net, const struct outbox_row *row, send_done_fn done,
    void *arg)
{
	struct mastodon		*m = net;
	struct send_result	 res;
	struct send_ctx		*c;
	json_t			*body, *v, *images;
	json_error_t		 jerr;

	body = json_loads(row->body, JSON_REJECT_DUPLICATES, &jerr);
	images = json_object_get(body, OUTBOX_MASTODON_IMAGES);
	if (!json_is_object(body) ||
	    !json_is_string(json_object_get(body, "status")) ||
	    (images != NULL && (!json_is_array(images) ||
	    json_array_size(images) > MASTODON_MEDIA_MAX))) {
		memset(&res, 0, sizeof(res));
		res.outcome = SEND_REFUSED;
		res.error = "row body is not a status object";
		json_decref(body);
		done(&res, arg);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->done = done;
	c->arg = arg;
	c->body = body;
	c->row_id = row->id;
	c->row.idem_key = xstrdup(row->idem_key);
	c->row.parent_remote_id = row->parent_remote_id != NULL ?
	    xstrdup(row->parent_remote_id) : NULL;
	if ((v = json_object_get(body, "quitx_to")) != NULL &&
	    json_is_string(v))
		c->to = xstrdup(json_string_value(v));
	m->send_ctx = c;
	next_image(c);
}

/* The pictures an instance takes, from its configuration. */
void
mastodon_media_limits(struct mastodon *m, json_t *instance)
{
	json_t		*ma, *v, *t;
	size_t		 i;
	enum media_type	 k;

	ma = json_object_get(json_object_get(instance, "configuration"),
	    "media_attachments");
	v = json_object_get(ma, "image_size_limit");
	m->media_size_limit = json_is_integer(v) && json_integer_value(v) > 0 ?
	    (size_t)json_integer_value(v) : MEDIA_DEFAULT_SIZE;
	if (m->media_size_limit > MEDIA_FILE_MAX)
		m->media_size_limit = MEDIA_FILE_MAX;
	v = json_object_get(ma, "description_limit");
	m->media_alt_limit = json_is_integer(v) && json_integer_value(v) > 0 ?
	    (size_t)json_integer_value(v) : MEDIA_DEFAULT_ALT;
	v = json_object_get(ma, "supported_mime_types");
	if (!json_is_array(v)) {
		m->media_types = (1u << MEDIA_TYPE_COUNT) - 1;
		return;
	}
	m->media_types = 0;
	json_array_foreach(v, i, t)
		for (k = 0; k < MEDIA_TYPE_COUNT; k++)
			if (json_is_string(t) && strcmp(json_string_value(t),
			    media_mime(k)) == 0)
				m->media_types |= 1u << k;
}

/* Keep the last requests of the window for reading notifications. */
#define BUDGET_RESERVE	5

/* Wait for a reset rather than spend the budget on 429s. */
static time_t
ready_at(void *net, time_t now)
{
	struct mastodon	*m = net;
	time_t		 when = now;

	if (m->rl.present && m->rl.remaining <= BUDGET_RESERVE &&
	    m->rl.reset > when)
		when = m->rl.reset;
	if (m->rl_post.present && m->rl_post.remaining <= 0 &&
	    m->rl_post.reset > when)
		when = m->rl_post.reset;
	return when;
}

/* Drop a send in flight without a callback (the account is freed). */
void
mastodon_send_cancel(struct mastodon *m)
{
	struct send_ctx	*c = m->send_ctx;

	http_request_cancel(m->send_req);
	m->send_req = NULL;
	if (c != NULL) {
		lws_sul_cancel(&c->poll);
		ctx_free(c);
	}
	m->send_ctx = NULL;
}

static int
usable(void *net)
{
	struct mastodon	*m = net;

	return !m->stopping && m->state != MASTODON_DISABLED &&
	    m->state != MASTODON_STARTING;
}

void
mastodon_send_start(struct mastodon *m)
{
	struct outbox_net	net;

	if (m->pacer != NULL)
		return;
	net.send = send_row;
	net.ready_at = ready_at;
	net.usable = usable;
	net.net = m;
	m->pacer = outbox_pacer_create(m->env.lws, m->env.store,
	    m->bot_account_id, m->label, &net);
}
