/*
 * bluesky: one Bluesky bot account's life: identity, session, XRPC calls
 * that survive an expired token, and notifications polling.  Jetstream
 * is in bluesky-jetstream.c, sending in bluesky-send.c.
 *
 * Order at start: resolveHandle on the configured server, the DID
 * document (PLC directory or did:web) for the PDS, createSession on the
 * configured server (for accounts hosted by Bluesky that is the
 * entryway, which names the real PDS in the session's DID document),
 * then a catch-up of the notifications, Jetstream, and the outbox.
 *
 * A session is made once per start.  Every call that meets ExpiredToken
 * waits while one refreshSession runs, then goes again once; only when
 * refreshing fails is a new session made, at most once a minute (the
 * server allows 30 in five minutes and 300 a day per account).
 */
#define LOG_TAG "bluesky"
#include "bluesky-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/config.h"
#include "quitx/backoff.h"
#include "quitx/log.h"
#include "quitx/outbox.h"
#include "quitx/secret.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define SECRET_MAX		1024
#define CREATE_MIN_SECS		60	/* between two createSession */
#define REFRESH_AHEAD_SECS	300	/* refresh before the token expires */
#define NOTIF_PAGE		50
#define NOTIF_PAGES_MAX		10	/* a catch-up reads at most this */

struct bsky_call {
	lws_dll2_t		 list;
	struct bluesky		*b;
	char			*method;
	char			*nsid;
	char			*query;
	char			*body;
	size_t			 blen;
	char			*ctype;		/* the body's; NULL: JSON */
	int			 flags;
	int			 retried;	/* sent again after a refresh */
	unsigned		 gen;		/* the session it was sent with */
	struct http_request	*req;		/* NULL: waiting for a session */
	bsky_done_fn		 done;
	void			*arg;
};

static void	session_create(struct bluesky *b);
static void	session_refresh(struct bluesky *b);
static void	poll_schedule(struct bluesky *b, int secs);
static void	catch_up(struct bluesky *b);

const char *
bluesky_state_name(enum bluesky_state s)
{
	switch (s) {
	case BLUESKY_STARTING:	return "starting";
	case BLUESKY_STREAMING:	return "streaming";
	case BLUESKY_POLLING:	return "polling";
	case BLUESKY_DISABLED:	return "disabled";
	}
	return "?";
}

enum bluesky_state
bluesky_state(const struct bluesky *b)
{
	return b->state;
}

const char *
bluesky_handle(const struct bluesky *b)
{
	return b->handle;
}

const char *
bluesky_did(const struct bluesky *b)
{
	return b->did;
}

void
bsky_set_state(struct bluesky *b, enum bluesky_state s)
{
	if (b->state == s || b->state == BLUESKY_DISABLED)
		return;
	log_debug("%s: %s -> %s", b->label, bluesky_state_name(b->state),
	    bluesky_state_name(s));
	b->state = s;
}

int
bsky_session_open(const struct bluesky *b)
{
	return b->access != NULL && !b->stopping &&
	    b->state != BLUESKY_DISABLED;
}

char *
bsky_error_text(const struct bsky_error *e, const char *transport)
{
	char	msg[160], name[64];

	if (e->status == 0)
		return xasprintf("no answer: %s", transport != NULL ?
		    transport : "?");
	log_escape(name, sizeof(name), e->name != NULL ? e->name : "");
	log_escape(msg, sizeof(msg), e->message != NULL ? e->message : "");
	if (e->name == NULL)
		return xasprintf("HTTP %ld", e->status);
	if (e->message == NULL)
		return xasprintf("%ld %s", e->status, name);
	return xasprintf("%ld %s: %s", e->status, name, msg);
}

/* --- calls --- */

static void	call_issue(struct bsky_call *c);

static void
call_free(struct bsky_call *c)
{
	lws_dll2_remove(&c->list);
	free(c->method);
	free(c->nsid);
	free(c->query);
	if (c->body != NULL)
		explicit_bzero(c->body, c->blen);
	free(c->body);
	free(c->ctype);
	free(c);
}

/* Run done and forget the call. */
static void
call_finish(struct bsky_call *c, const struct http_response *res,
    const struct bsky_error *err)
{
	bsky_done_fn	 done = c->done;
	void		*arg = c->arg;
	struct bluesky	*b = c->b;

	call_free(c);
	done(b, res, err, arg);
}

/* Fail a call that cannot go (no session). */
static void
call_fail(struct bsky_call *c, const char *why)
{
	struct http_response	res;
	struct bsky_error	err;

	memset(&res, 0, sizeof(res));
	res.error = why;
	res.body = "";
	res.primary_ip = "";
	memset(&err, 0, sizeof(err));
	call_finish(c, &res, &err);
}

static void
note_budget(struct bluesky *b, int flags, const struct http_ratelimit *rl)
{
	if (!rl->present)
		return;
	if (flags & BSKY_CALL_CHAT)
		b->rl_chat = *rl;
	else if (flags & BSKY_CALL_WRITE)
		b->rl_write = *rl;
	else
		b->rl = *rl;
}

static void
on_call(const struct http_response *res, void *arg)
{
	struct bsky_call	*c = arg;
	struct bluesky		*b = c->b;
	struct bsky_error	 err;
	json_t			*root = NULL;
	json_error_t		 jerr;

	c->req = NULL;
	note_budget(b, c->flags, &res->rl);
	memset(&err, 0, sizeof(err));
	err.status = res->status;
	if (res->status >= 400)
		root = json_loadb(res->body, res->len, 0, &jerr);
	err.name = json_string_value(json_object_get(root, "error"));
	err.message = json_string_value(json_object_get(root, "message"));
	/* an expired access token: refresh once, then go again */
	if ((res->status == 400 || res->status == 401) && err.name != NULL &&
	    strcmp(err.name, "ExpiredToken") == 0 && !c->retried &&
	    !b->stopping) {
		json_decref(root);
		c->retried = 1;
		if (c->gen != b->session_gen && !b->refreshing) {
			/* another call refreshed it meanwhile */
			call_issue(c);
			return;
		}
		log_info("%s: access token expired; refreshing", b->label);
		session_refresh(b);
		return;		/* the call waits (req NULL) */
	}
	call_finish(c, res, &err);
	json_decref(root);
}

static void
call_issue(struct bsky_call *c)
{
	struct bluesky	*b = c->b;
	char		*url, *proxy;

	url = xasprintf("%s/xrpc/%s%s%s", b->pds, c->nsid,
	    c->query != NULL ? "?" : "", c->query != NULL ? c->query : "");
	c->req = http_request_new(b->env.http, c->method, url);
	c->gen = b->session_gen;
	free(url);
	http_request_header(c->req, b->access);
	http_request_header(c->req, "Accept: application/json");
	if (c->flags & BSKY_CALL_CHAT) {
		proxy = xasprintf("atproto-proxy: %s",
		    b->env.conf->chat_service);
		http_request_header(c->req, proxy);
		free(proxy);
	}
	if (c->body != NULL)
		http_request_body(c->req, c->ctype != NULL ? c->ctype :
		    "application/json", c->body, c->blen);
	if (c->flags & BSKY_CALL_UPLOAD)
		http_request_timeout(c->req, BSKY_UPLOAD_TIMEOUT);
	http_request_send(c->req, on_call, c);
}

/* Send c now, or when the session is back. */
static struct bsky_call *
call_start(struct bsky_call *c)
{
	struct bluesky	*b = c->b;

	lws_dll2_add_tail(&c->list, &b->calls);
	if (b->access != NULL && !b->refreshing)
		call_issue(c);
	else if (b->pds != NULL && b->state != BLUESKY_DISABLED &&
	    !b->refreshing && b->session_req == NULL)
		session_refresh(b);
	return c;
}

struct bsky_call *
bsky_xrpc(struct bluesky *b, const char *method, const char *nsid,
    const char *query, const char *body, int flags, bsky_done_fn done,
    void *arg)
{
	struct bsky_call	*c = xcalloc(1, sizeof(*c));

	c->b = b;
	c->method = xstrdup(method);
	c->nsid = xstrdup(nsid);
	c->query = query != NULL ? xstrdup(query) : NULL;
	c->body = body != NULL ? xstrdup(body) : NULL;
	c->blen = body != NULL ? strlen(body) : 0;
	c->flags = flags;
	c->done = done;
	c->arg = arg;
	return call_start(c);
}

struct bsky_call *
bsky_xrpc_raw(struct bluesky *b, const char *nsid, const char *type,
    const void *body, size_t len, bsky_done_fn done, void *arg)
{
	struct bsky_call	*c = xcalloc(1, sizeof(*c));

	c->b = b;
	c->method = xstrdup("POST");
	c->nsid = xstrdup(nsid);
	c->body = xmalloc(len + 1);
	memcpy(c->body, body, len);
	c->blen = len;
	c->ctype = xstrdup(type);
	c->flags = BSKY_CALL_UPLOAD;
	c->done = done;
	c->arg = arg;
	return call_start(c);
}

void *
bsky_call_cancel_arg(struct bsky_call *c)
{
	void	*arg = c->arg;

	bsky_call_cancel(c);
	return arg;
}

void
bsky_call_cancel(struct bsky_call *c)
{
	if (c == NULL)
		return;
	http_request_cancel(c->req);
	call_free(c);
}

/* Send every call waiting for the session, or fail them all. */
static void
calls_resume(struct bluesky *b, const char *why)
{
	struct lws_dll2	*d, *next;
	struct bsky_call *c;

	for (d = lws_dll2_get_head(&b->calls); d != NULL; d = next) {
		next = d->next;
		c = lws_container_of(d, struct bsky_call, list);
		if (c->req != NULL)
			continue;
		if (why == NULL)
			call_issue(c);
		else
			call_fail(c, why);
	}
}

/* --- session --- */

static void	start_identity(struct bluesky *b);

static void
on_start_timer(lws_sorted_usec_list_t *sul)
{
	struct bluesky	*b = lws_container_of(sul, struct bluesky,
			    start_timer);

	if (b->did == NULL || b->pds == NULL)
		start_identity(b);
	else
		session_create(b);
}

static void
start_retry_in(struct bluesky *b, const char *what, const char *why,
    lws_usec_t us)
{
	log_warnx("%s: %s: %s; trying again in %d s", b->label, what, why,
	    (int)(us / LWS_US_PER_SEC));
	lws_sul_schedule(b->env.lws, 0, &b->start_timer, on_start_timer, us);
}

static void
start_retry(struct bluesky *b, const char *what, const char *why)
{
	start_retry_in(b, what, why, backoff_start(++b->start_failures));
}

static void
disable(struct bluesky *b, const char *why)
{
	log_errx("%s: %s; the account stays off until the configuration "
	    "is fixed and quitx restarted", b->label, why);
	b->state = BLUESKY_DISABLED;
	lws_sul_cancel(&b->poll_timer);
	lws_sul_cancel(&b->refresh_timer);
	calls_resume(b, "the account is disabled");
}

/* The error of a session call's answer, for the log; malloc'd. */
static char *
answer_error(const struct http_response *res, json_t *root)
{
	struct bsky_error	e;

	memset(&e, 0, sizeof(e));
	e.status = res->status;
	e.name = json_string_value(json_object_get(root, "error"));
	e.message = json_string_value(json_object_get(root, "message"));
	return bsky_error_text(&e, res->error);
}

/* The "exp" of a JWT, without checking it (the server does); 0. */
static time_t
jwt_exp(const char *jwt)
{
	static const char	 b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char		*p, *q, *pos;
	unsigned char		 out[1024];
	size_t			 n = 0;
	uint32_t		 acc = 0;
	int			 bits = 0;
	json_t			*o;
	json_error_t		 jerr;
	time_t			 exp = 0;

	if ((p = strchr(jwt, '.')) == NULL || (q = strchr(p + 1, '.')) ==
	    NULL)
		return 0;
	for (p++; p < q && n < sizeof(out); p++) {
		if ((pos = memchr(b64, *p, 64)) == NULL || *p == '\0')
			return 0;
		acc = acc << 6 | (uint32_t)(pos - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if ((o = json_loadb((const char *)out, n, 0, &jerr)) != NULL &&
	    json_is_integer(json_object_get(o, "exp")))
		exp = (time_t)json_integer_value(json_object_get(o, "exp"));
	json_decref(o);
	return exp;
}

static void
on_refresh_timer(lws_sorted_usec_list_t *sul)
{
	struct bluesky	*b = lws_container_of(sul, struct bluesky,
			    refresh_timer);

	session_refresh(b);
}

static void	session_ready(struct bluesky *b, int first);

/* Keep the tokens of a createSession or refreshSession answer. */
static int
session_take(struct bluesky *b, json_t *root)
{
	const char	*access, *refresh, *did;
	time_t		 now = time(NULL), at;

	access = json_string_value(json_object_get(root, "accessJwt"));
	refresh = json_string_value(json_object_get(root, "refreshJwt"));
	did = json_string_value(json_object_get(root, "did"));
	if (access == NULL || refresh == NULL ||
	    (did != NULL && b->did != NULL && strcmp(did, b->did) != 0))
		return -1;
	if (b->access != NULL) {
		explicit_bzero(b->access, strlen(b->access));
		free(b->access);
	}
	if (b->refresh != NULL) {
		explicit_bzero(b->refresh, strlen(b->refresh));
		free(b->refresh);
	}
	b->access = xasprintf("Authorization: Bearer %s", access);
	b->session_gen++;
	b->refresh = xstrdup(refresh);
	b->access_exp = jwt_exp(access);
	/* ahead of expiry; an unknown expiry waits for ExpiredToken */
	if (b->access_exp != 0 && !b->stopping) {
		at = b->access_exp - REFRESH_AHEAD_SECS;
		if (at < now + 10)
			at = now + 10;
		lws_sul_schedule(b->env.lws, 0, &b->refresh_timer,
		    on_refresh_timer, (lws_usec_t)(at - now) * LWS_US_PER_SEC);
	}
	return 0;
}

static void
on_created(const struct http_response *res, void *arg)
{
	struct bluesky	*b = arg;
	json_t		*root;
	json_error_t	 jerr;
	char		*why;
	const char	*name;
	time_t		 now = time(NULL);
	int		 first = !b->connected;

	b->session_req = NULL;
	root = json_loadb(res->body, res->len, 0, &jerr);
	if (res->status == 200 && session_take(b, root) == 0) {
		json_decref(root);
		b->refreshing = 0;
		b->start_failures = 0;
		session_ready(b, first);
		return;
	}
	b->refreshing = 0;
	why = res->status == 200 ? xstrdup("not a session") :
	    answer_error(res, root);
	name = json_string_value(json_object_get(root, "error"));
	if (res->status == 401 || (name != NULL &&
	    (strcmp(name, "AuthFactorTokenRequired") == 0 ||
	    strcmp(name, "AccountTakedown") == 0))) {
		/* a wrong password stays wrong: never loop on this call */
		disable(b, why);
	} else {
		calls_resume(b, "no session");
		/* a 429 holds every later try until the server's time */
		if (res->status == 429)
			b->create_not_before = res->retry_after > 0 ?
			    now + res->retry_after : res->rl.reset > now ?
			    res->rl.reset + 1 : now + 300;
		if (b->create_not_before > now)
			start_retry_in(b, "opening a session", why,
			    (lws_usec_t)(b->create_not_before - now) *
			    LWS_US_PER_SEC);
		else
			start_retry(b, "opening a session", why);
	}
	free(why);
	json_decref(root);
}

static void
session_create(struct bluesky *b)
{
	json_t		*o;
	char		*body, *url;
	time_t		 now = time(NULL);

	if (b->stopping || b->state == BLUESKY_DISABLED ||
	    b->session_req != NULL)
		return;
	/* never sooner than a minute after the last, nor than a 429 says */
	if (b->last_create != 0 && b->create_not_before < b->last_create +
	    CREATE_MIN_SECS)
		b->create_not_before = b->last_create + CREATE_MIN_SECS;
	if (now < b->create_not_before) {
		/* calls do not wait that long: their rows retry later */
		calls_resume(b, "no session yet");
		start_retry_in(b, "opening a session", "waiting for the "
		    "server's limit on new sessions", (lws_usec_t)(
		    b->create_not_before - now) * LWS_US_PER_SEC);
		return;
	}
	b->last_create = now;
	b->refreshing = 1;
	o = json_pack("{s:s, s:s}", "identifier", b->did != NULL ? b->did :
	    b->handle, "password", b->password);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	url = xasprintf("%s/xrpc/com.atproto.server.createSession",
	    b->server);
	b->session_req = http_request_new(b->env.http, "POST", url);
	free(url);
	http_request_header(b->session_req, "Accept: application/json");
	http_request_body(b->session_req, "application/json", body,
	    strlen(body));
	explicit_bzero(body, strlen(body));
	free(body);
	log_info("%s: opening a session", b->label);
	http_request_send(b->session_req, on_created, b);
}

static void
on_refreshed(const struct http_response *res, void *arg)
{
	struct bluesky	*b = arg;
	json_t		*root;
	json_error_t	 jerr;
	char		*why;

	b->session_req = NULL;
	root = json_loadb(res->body, res->len, 0, &jerr);
	if (res->status == 200 && session_take(b, root) == 0) {
		json_decref(root);
		b->refreshing = 0;
		log_info("%s: session refreshed", b->label);
		calls_resume(b, NULL);
		return;
	}
	why = res->status == 200 ? xstrdup("not a session") :
	    answer_error(res, root);
	json_decref(root);
	if (res->status == 400 || res->status == 401) {
		/* revoked or expired for good: a new session */
		log_warnx("%s: refreshing the session failed (%s); opening a "
		    "new one", b->label, why);
		free(why);
		b->refreshing = 0;
		/* the dead tokens would send every call into this again */
		explicit_bzero(b->access, strlen(b->access));
		free(b->access);
		b->access = NULL;
		explicit_bzero(b->refresh, strlen(b->refresh));
		free(b->refresh);
		b->refresh = NULL;
		session_create(b);
		return;
	}
	/* the server is away: calls fail now, the timer tries again */
	b->refreshing = 0;
	log_warnx("%s: refreshing the session failed: %s; trying again in "
	    "30 s", b->label, why);
	free(why);
	calls_resume(b, "the session could not be refreshed");
	lws_sul_schedule(b->env.lws, 0, &b->refresh_timer, on_refresh_timer,
	    30 * LWS_US_PER_SEC);
}

static void
session_refresh(struct bluesky *b)
{
	char	*url, *auth;

	if (b->stopping || b->state == BLUESKY_DISABLED ||
	    b->session_req != NULL)
		return;
	if (b->refresh == NULL) {
		session_create(b);
		return;
	}
	b->refreshing = 1;
	url = xasprintf("%s/xrpc/com.atproto.server.refreshSession", b->pds);
	b->session_req = http_request_new(b->env.http, "POST", url);
	free(url);
	auth = xasprintf("Authorization: Bearer %s", b->refresh);
	http_request_header(b->session_req, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	http_request_header(b->session_req, "Accept: application/json");
	http_request_send(b->session_req, on_refreshed, b);
}

static void
session_ready(struct bluesky *b, int first)
{
	calls_resume(b, NULL);
	if (b->stopping)
		return;
	if (!first) {
		log_info("%s: new session", b->label);
		return;
	}
	b->connected = 1;
	log_info("%s: connected as %s on %s", b->label, b->did, b->pds);
	store_bot_account_set_remote(b->env.store, b->bot_account_id, b->did);
	bsky_set_state(b, bluesky_jetstream_up(b->js) ? BLUESKY_STREAMING :
	    BLUESKY_POLLING);
	catch_up(b);
	bsky_jetstream_attach(b->js, b);
	bsky_send_start(b);
}

/* The PDS a DID document names (#atproto_pds), normalized; or NULL. */
static char *
did_doc_pds(json_t *doc, const char *did, const char *handle, int *aka)
{
	json_t		*svc, *v;
	const char	*id, *type, *ep;
	size_t		 i, n;
	char		*want;

	*aka = 0;
	if (strcmp(json_string_value(json_object_get(doc, "id")) != NULL ?
	    json_string_value(json_object_get(doc, "id")) : "", did) != 0)
		return NULL;
	want = xasprintf("at://%s", handle);
	json_array_foreach(json_object_get(doc, "alsoKnownAs"), i, v)
		if (json_is_string(v) && strcasecmp(json_string_value(v),
		    want) == 0)
			*aka = 1;
	free(want);
	json_array_foreach(json_object_get(doc, "service"), i, svc) {
		id = json_string_value(json_object_get(svc, "id"));
		type = json_string_value(json_object_get(svc, "type"));
		ep = json_string_value(json_object_get(svc, "serviceEndpoint"));
		if (id == NULL || ep == NULL || type == NULL ||
		    (strcmp(id, "#atproto_pds") != 0 &&
		    (strncmp(id, did, strlen(did)) != 0 ||
		    strcmp(id + strlen(did), "#atproto_pds") != 0)) ||
		    strcmp(type, "AtprotoPersonalDataServer") != 0)
			continue;
		/* https only: the session's tokens go there */
		if (strncasecmp(ep, "https://", 8) != 0)
			return NULL;
		n = strlen(ep);
		while (n > 8 && ep[n - 1] == '/')
			n--;
		return xasprintf("%.*s", (int)n, ep);
	}
	return NULL;
}

static void
on_did_doc(const struct http_response *res, void *arg)
{
	struct bluesky	*b = arg;
	json_t		*doc = NULL;
	json_error_t	 jerr;
	char		*pds, *why;
	int		 aka;

	b->session_req = NULL;
	if (res->status == 200)
		doc = json_loadb(res->body, res->len, 0, &jerr);
	if ((pds = did_doc_pds(doc, b->did, b->handle, &aka)) == NULL) {
		why = res->status == 200 ? xstrdup("no https #atproto_pds "
		    "service in it") : answer_error(res, NULL);
		json_decref(doc);
		start_retry(b, "reading the DID document", why);
		free(why);
		return;
	}
	json_decref(doc);
	if (!aka)
		log_warnx("%s: the DID document of %s does not claim the "
		    "handle", b->label, b->did);
	free(b->pds);
	b->pds = pds;
	session_create(b);
}

static void
on_resolved(const struct http_response *res, void *arg)
{
	struct bluesky	*b = arg;
	json_t		*root;
	json_error_t	 jerr;
	const char	*did;
	char		*why, *url;
	size_t		 n;

	b->session_req = NULL;
	root = json_loadb(res->body, res->len, 0, &jerr);
	did = json_string_value(json_object_get(root, "did"));
	if (res->status != 200 || did == NULL ||
	    (strncmp(did, "did:plc:", 8) != 0 &&
	    strncmp(did, "did:web:", 8) != 0) ||
	    strcspn(did, "/?#% \"\\") != strlen(did)) {
		why = res->status == 200 ? xstrdup("not a did:plc or did:web") :
		    answer_error(res, root);
		json_decref(root);
		start_retry(b, "resolving the handle", why);
		free(why);
		return;
	}
	free(b->did);
	b->did = xstrdup(did);
	json_decref(root);
	if (strncmp(b->did, "did:plc:", 8) == 0)
		url = xasprintf("%s/%s", b->env.conf->plc, b->did);
	else {
		/* did:web:host (ports are written %3A): its well-known doc */
		n = strcspn(b->did + 8, ":");
		if (b->did[8 + n] != '\0') {
			start_retry(b, "resolving the handle", "a did:web with "
			    "a path is not supported");
			return;
		}
		url = xasprintf("https://%s/.well-known/did.json", b->did + 8);
		if ((why = strstr(url, "%3A")) != NULL) {
			*why = ':';
			memmove(why + 1, why + 3, strlen(why + 3) + 1);
		}
	}
	b->session_req = http_request_new(b->env.http, "GET", url);
	free(url);
	http_request_header(b->session_req, "Accept: application/json");
	http_request_send(b->session_req, on_did_doc, b);
}

static void
start_identity(struct bluesky *b)
{
	char	*url;

	if (b->stopping || b->session_req != NULL)
		return;
	url = xasprintf("%s/xrpc/com.atproto.identity.resolveHandle?handle=%s",
	    b->server, b->handle);
	b->session_req = http_request_new(b->env.http, "GET", url);
	free(url);
	http_request_header(b->session_req, "Accept: application/json");
	http_request_send(b->session_req, on_resolved, b);
}

/* --- notifications: at start, and while Jetstream is down --- */

struct catch_up {
	json_t	*items;		/* entries kept, newest first */
	char	*newest;	/* indexedAt of the first entry seen */
	int	 pages;
};

static void	catch_up_page(struct bluesky *b, struct catch_up *cu,
		    const char *cursor);

/* Write what the catch-up kept, oldest first, with the new cursor. */
static int
catch_up_store(struct bluesky *b, struct catch_up *cu)
{
	struct inbox_event	*evs;
	struct bsky_event	*bev;
	size_t			 i, n = json_array_size(cu->items), k = 0;
	char			 err[128];
	int			 added;

	evs = xcalloc(n + 1, sizeof(*evs));
	bev = xcalloc(n + 1, sizeof(*bev));
	for (i = n; i-- > 0;) {
		if (bsky_notification_parse(json_array_get(cu->items, i),
		    b->did, &bev[k], err, sizeof(err)) != 1)
			continue;
		evs[k].event_id = bev[k].uri;
		evs[k].kind = bev[k].kind == BSKY_FOLLOW ? "follow" :
		    "mention";
		evs[k].payload = bev[k].payload;
		evs[k].state = INBOX_NEW;
		k++;
	}
	added = store_inbox_add(b->env.store, b->bot_account_id, evs, k,
	    cu->newest != NULL ? b->cursor_name : NULL, cu->newest);
	if (added > 0)
		log_info("%s: %d new from notifications", b->label, added);
	for (i = 0; i < k; i++)
		bsky_event_clear(&bev[i]);
	free(bev);
	free(evs);
	if (added >= 0 && cu->newest != NULL) {
		free(b->cursor);
		b->cursor = xstrdup(cu->newest);
	}
	return added;
}

static void
catch_up_free(struct catch_up *cu)
{
	json_decref(cu->items);
	free(cu->newest);
	free(cu);
}

static void
catch_up_end(struct bluesky *b, struct catch_up *cu, int ok)
{
	if (ok && catch_up_store(b, cu) >= 0)
		b->caught_up = 1;
	catch_up_free(cu);
	if (!bluesky_jetstream_up(b->js) || !b->caught_up)
		poll_schedule(b, b->env.poll_interval);
}

static void
on_notifications(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct catch_up	*cu = arg;
	json_t		*root = NULL, *list, *n;
	json_error_t	 jerr;
	const char	*at, *next;
	char		*why;
	size_t		 i;
	int		 reached = 0;

	b->poll_call = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	list = json_object_get(root, "notifications");
	if (!json_is_array(list)) {
		why = res->status == 200 ? xstrdup("not a notification list") :
		    bsky_error_text(err, res->error);
		log_warnx("%s: reading notifications: %s", b->label, why);
		free(why);
		json_decref(root);
		catch_up_end(b, cu, 0);
		return;
	}
	json_array_foreach(list, i, n) {
		at = json_string_value(json_object_get(n, "indexedAt"));
		if (at == NULL)
			continue;
		if (cu->newest == NULL)
			cu->newest = xstrdup(at);
		/* ISO 8601 in UTC from one server: text order is time order */
		if (b->cursor != NULL && strcmp(at, b->cursor) < 0) {
			reached = 1;
			break;
		}
		json_array_append(cu->items, n);
	}
	next = json_string_value(json_object_get(root, "cursor"));
	/* a first start reads one page: older mentions are history */
	if (!reached && next != NULL && b->cursor != NULL &&
	    json_array_size(list) > 0) {
		if (++cu->pages < NOTIF_PAGES_MAX) {
			catch_up_page(b, cu, next);
			json_decref(root);
			return;
		}
		log_warnx("%s: more than %d notifications since the last "
		    "read: older ones are not read", b->label,
		    NOTIF_PAGE * NOTIF_PAGES_MAX);
	}
	json_decref(root);
	catch_up_end(b, cu, 1);
}

static void
catch_up_page(struct bluesky *b, struct catch_up *cu, const char *cursor)
{
	char	*query, *esc = NULL;

	if (cursor != NULL)
		esc = curl_easy_escape(NULL, cursor, 0);
	/* only what the bot acts on: likes would crowd mentions out */
	query = xasprintf("limit=%d&reasons=mention&reasons=reply"
	    "&reasons=follow%s%s", NOTIF_PAGE, esc != NULL ?
	    "&cursor=" : "", esc != NULL ? esc : "");
	curl_free(esc);
	b->poll_call = bsky_xrpc(b, "GET",
	    "app.bsky.notification.listNotifications", query, NULL, 0,
	    on_notifications, cu);
	free(query);
}

static void
catch_up(struct bluesky *b)
{
	struct catch_up	*cu;

	if (b->poll_call != NULL || !bsky_session_open(b))
		return;
	lws_sul_cancel(&b->poll_timer);
	cu = xcalloc(1, sizeof(*cu));
	cu->items = json_array();
	catch_up_page(b, cu, NULL);
}

static void
on_poll_timer(lws_sorted_usec_list_t *sul)
{
	struct bluesky	*b = lws_container_of(sul, struct bluesky,
			    poll_timer);

	catch_up(b);
}

static void
poll_schedule(struct bluesky *b, int secs)
{
	if (b->stopping || b->state == BLUESKY_DISABLED)
		return;
	lws_sul_schedule(b->env.lws, 0, &b->poll_timer, on_poll_timer,
	    (lws_usec_t)secs * LWS_US_PER_SEC);
}

void
bsky_jetstream_changed(struct bluesky *b, int up)
{
	if (!b->connected || b->state == BLUESKY_DISABLED)
		return;
	if (up) {
		bsky_set_state(b, BLUESKY_STREAMING);
		if (b->caught_up)
			lws_sul_cancel(&b->poll_timer);
	} else {
		bsky_set_state(b, BLUESKY_POLLING);
		log_info("%s: Jetstream down: polling notifications every "
		    "%d s", b->label, b->env.poll_interval);
		catch_up(b);
	}
}

/* --- life --- */

struct bluesky *
bluesky_start(const struct bluesky_env *env, struct bluesky_jetstream *js,
    const struct config_account *acct, int64_t bot_account_id)
{
	struct bluesky	*b;
	char		 secret[SECRET_MAX], why[512];
	long		 n;

	n = secret_read(acct, secret, sizeof(secret), why, sizeof(why));
	if (n <= 0) {
		log_errx("bluesky @%s: %s", acct->handle, n == 0 ?
		    "the app password is empty" : why);
		explicit_bzero(secret, sizeof(secret));
		return NULL;
	}
	b = xcalloc(1, sizeof(*b));
	b->env = *env;
	b->js = js;
	b->label = xasprintf("@%s (bluesky)", acct->handle);
	b->server = xstrdup(acct->server);
	b->handle = xstrdup(acct->handle);
	b->bot_account_id = bot_account_id;
	b->password = xstrdup(secret);
	explicit_bzero(secret, sizeof(secret));
	b->cursor_name = xasprintf("bluesky:%lld:notifications",
	    (long long)bot_account_id);
	b->state = BLUESKY_STARTING;
	(void)store_cursor_get(env->store, b->cursor_name, &b->cursor);
	log_info("%s: starting", b->label);
	start_identity(b);
	return b;
}

void
bluesky_stop(struct bluesky *b)
{
	if (b == NULL || b->stopping)
		return;
	b->stopping = 1;
	bsky_jetstream_detach(b->js, b);
	lws_sul_cancel(&b->start_timer);
	lws_sul_cancel(&b->poll_timer);
	lws_sul_cancel(&b->refresh_timer);
	if (b->poll_call != NULL)
		catch_up_free(bsky_call_cancel_arg(b->poll_call));
	b->poll_call = NULL;
}

int
bluesky_busy(const struct bluesky *b)
{
	return b->send_ctx != NULL;
}

void
bluesky_free(struct bluesky *b)
{
	struct lws_dll2	*d;

	if (b == NULL)
		return;
	bluesky_stop(b);
	/* an answer during the drain may have armed a timer again */
	bsky_jetstream_detach(b->js, b);
	lws_sul_cancel(&b->start_timer);
	lws_sul_cancel(&b->poll_timer);
	lws_sul_cancel(&b->refresh_timer);
	bsky_send_cancel(b);
	outbox_pacer_free(b->pacer);
	http_request_cancel(b->session_req);
	while ((d = lws_dll2_get_head(&b->calls)) != NULL)
		bsky_call_cancel(lws_container_of(d, struct bsky_call, list));
	explicit_bzero(b->password, strlen(b->password));
	free(b->password);
	if (b->access != NULL)
		explicit_bzero(b->access, strlen(b->access));
	free(b->access);
	if (b->refresh != NULL)
		explicit_bzero(b->refresh, strlen(b->refresh));
	free(b->refresh);
	free(b->label);
	free(b->server);
	free(b->handle);
	free(b->cursor_name);
	free(b->cursor);
	free(b->did);
	free(b->pds);
	free(b);
}

/* --- the public graph --- */

struct relationships {
	bluesky_relationships_fn	 done;
	void				*arg;
	char				**others;
	size_t				 n;
};

static void
on_relationships(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct relationships	*r = arg;
	json_t			*root = NULL, *list, *v;
	json_error_t		 jerr;
	const char		*did, **followed;
	char			*why;
	size_t			 i, k, nf = 0;

	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	list = json_object_get(root, "relationships");
	if (!json_is_array(list)) {
		why = res->status == 200 ? xstrdup("not a relationship list") :
		    bsky_error_text(err, res->error);
		log_warnx("%s: reading follows: %s", b->label, why);
		free(why);
		r->done(-1, NULL, 0, r->arg);
	} else {
		followed = xcalloc(json_array_size(list) + 1,
		    sizeof(*followed));
		/* only DIDs asked about count: the answer is not trusted */
		json_array_foreach(list, i, v) {
			did = json_string_value(json_object_get(v, "did"));
			if (did == NULL || !json_is_string(json_object_get(v,
			    "following")))
				continue;
			for (k = 0; k < r->n; k++)
				if (strcmp(r->others[k], did) == 0) {
					followed[nf++] = r->others[k];
					break;
				}
		}
		r->done(0, followed, nf, r->arg);
		free(followed);
	}
	json_decref(root);
	for (i = 0; i < r->n; i++)
		free(r->others[i]);
	free(r->others);
	free(r);
}

int
bluesky_relationships(struct bluesky *b, const char *actor,
    const char *const *others, size_t n, bluesky_relationships_fn done,
    void *arg)
{
	struct relationships	*r;
	char			*esc, *query, *q;
	size_t			 i;

	if (n == 0 || n > BLUESKY_RELATIONSHIPS_MAX || !bsky_session_open(b) ||
	    b->stopping)
		return -1;
	esc = curl_escape(actor, 0);
	query = xasprintf("actor=%s", esc);
	curl_free(esc);
	r = xcalloc(1, sizeof(*r));
	r->done = done;
	r->arg = arg;
	r->others = xcalloc(n, sizeof(*r->others));
	r->n = n;
	for (i = 0; i < n; i++) {
		r->others[i] = xstrdup(others[i]);
		esc = curl_escape(others[i], 0);
		q = xasprintf("%s&others=%s", query, esc);
		curl_free(esc);
		free(query);
		query = q;
	}
	(void)bsky_xrpc(b, "GET", "app.bsky.graph.getRelationships", query,
	    NULL, 0, on_relationships, r);
	free(query);
	return 0;
}

/* --- a member's handle to their DID --- */

struct resolution {
	bluesky_resolved_fn	 done;
	void			*arg;
};

static void
on_member_resolved(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct resolution	*r = arg;
	json_t			*root = NULL;
	json_error_t		 jerr;
	const char		*did = NULL;
	char			*why;

	if (res->status == 200) {
		root = json_loadb(res->body, res->len, 0, &jerr);
		did = json_string_value(json_object_get(root, "did"));
		/* a DID goes into URLs and facets: its shape is checked */
		if (did != NULL && ((strncmp(did, "did:plc:", 8) != 0 &&
		    strncmp(did, "did:web:", 8) != 0) ||
		    strcspn(did, "/?#% \"\\") != strlen(did)))
			did = NULL;
	}
	if (did == NULL) {
		why = res->status == 200 ? xstrdup("not a did:plc or did:web") :
		    bsky_error_text(err, res->error);
		log_warnx("%s: resolving a member's handle: %s", b->label, why);
		free(why);
	}
	/* 400: the handle resolves to nothing (gone, or never existed) */
	r->done(did, did == NULL && res->status == 400, r->arg);
	json_decref(root);
	free(r);
}

/* One identity question: nsid?param=value, answered through done. */
static int
ask_identity(struct bluesky *b, const char *nsid, const char *param,
    const char *value, bsky_done_fn on_answer, bluesky_resolved_fn done,
    void *arg)
{
	struct resolution	*r;
	char			*esc, *query;

	if (!bsky_session_open(b) || b->stopping)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->done = done;
	r->arg = arg;
	esc = curl_escape(value, 0);
	query = xasprintf("%s=%s", param, esc);
	curl_free(esc);
	(void)bsky_xrpc(b, "GET", nsid, query, NULL, 0, on_answer, r);
	free(query);
	return 0;
}

int
bluesky_resolve_handle(struct bluesky *b, const char *handle,
    bluesky_resolved_fn done, void *arg)
{
	return ask_identity(b, "com.atproto.identity.resolveHandle", "handle",
	    handle, on_member_resolved, done, arg);
}

static void
on_member_profile(struct bluesky *b, const struct http_response *res,
    const struct bsky_error *err, void *arg)
{
	struct resolution	*r = arg;
	json_t			*root = NULL;
	json_error_t		 jerr;
	const char		*handle = NULL;
	char			*why;

	if (res->status == 200) {
		root = json_loadb(res->body, res->len, 0, &jerr);
		handle = json_string_value(json_object_get(root, "handle"));
		/* it goes into the text members read: a valid one only */
		if (handle != NULL && (!config_dns_name_valid(handle) ||
		    strcmp(handle, "handle.invalid") == 0))
			handle = NULL;
	}
	if (handle == NULL) {
		why = res->status == 200 ? xstrdup("no valid handle") :
		    bsky_error_text(err, res->error);
		log_warnx("%s: reading a member's profile: %s", b->label, why);
		free(why);
	}
	r->done(handle, handle == NULL && (res->status == 200 ||
	    res->status == 400), r->arg);
	json_decref(root);
	free(r);
}

int
bluesky_profile_handle(struct bluesky *b, const char *did,
    bluesky_resolved_fn done, void *arg)
{
	return ask_identity(b, "app.bsky.actor.getProfile", "actor", did,
	    on_member_profile, done, arg);
}

int
bluesky_usable(const struct bluesky *b)
{
	return bsky_session_open(b) && !b->stopping;
}

int64_t
bluesky_bot_id(const struct bluesky *b)
{
	return b->bot_account_id;
}
