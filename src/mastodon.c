/*
 * mastodon: one Mastodon bot account's life: start-up checks, catch-up
 * and polling over REST, and what goes to the inbox.  The stream is in
 * mastodon-stream.c, sending in mastodon-send.c.
 *
 * Order of events, so that nothing is missed: the stream connects and
 * a catch-up runs (again after every reconnect).  Notifications are
 * fetched with min_id, oldest page first, each page written with the
 * cursor in one transaction; frames that arrive meanwhile are stored
 * (the inbox dedupes by id) but move the cursor only once the catch-up
 * has reached the present.
 */
#define LOG_TAG "mastodon"
#include "mastodon-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "quitx/config.h"
#include "quitx/http.h"
#include "quitx/backoff.h"
#include "quitx/log.h"
#include "quitx/mastodon-parse.h"
#include "quitx/outbox.h"
#include "quitx/secret.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define CATCHUP_LIMIT	80	/* the API's maximum page */
#define SECRET_MAX	4096

static void	start_credentials(struct mastodon *m);

const char *
mastodon_state_name(enum mastodon_state s)
{
	switch (s) {
	case MASTODON_STARTING:		return "starting";
	case MASTODON_STREAMING:	return "streaming";
	case MASTODON_POLLING:		return "polling";
	case MASTODON_DISABLED:		return "disabled";
	}
	return "?";
}

enum mastodon_state
mastodon_state(const struct mastodon *m)
{
	return m->state;
}

int64_t
mastodon_bot_id(const struct mastodon *m)
{
	return m->bot_account_id;
}

const char *
mastodon_handle(const struct mastodon *m)
{
	return m->handle;
}

const char *
mastodon_server(const struct mastodon *m)
{
	return m->server;
}

void
mastodon_set_state(struct mastodon *m, enum mastodon_state s)
{
	if (m->state == s || m->state == MASTODON_DISABLED)
		return;
	log_debug("%s: %s -> %s", m->label, mastodon_state_name(m->state),
	    mastodon_state_name(s));
	m->state = s;
}

/* No more reading: cancel the read in flight, the timers, the stream. */
static void
quiesce(struct mastodon *m)
{
	http_request_cancel(m->req);
	m->req = NULL;
	lws_sul_cancel(&m->start_timer);
	lws_sul_cancel(&m->poll_timer);
	mastodon_stream_close(m);
	mastodon_stream_cancel_timers(m);
}

/* The token was refused: say so once, clearly, and stop trying. */
void
mastodon_disable(struct mastodon *m, const char *why)
{
	char	esc[256];

	log_errx("%s: %s; this account is disabled until the token in its "
	    "token_file or credential is fixed and quitx is restarted",
	    m->label, log_escape(esc, sizeof(esc), why));
	m->state = MASTODON_DISABLED;
	quiesce(m);
}

char *
mastodon_error_text(const char *body, size_t len, long status)
{
	json_t		*root;
	json_error_t	 jerr;
	const char	*e;
	char		*out = NULL;

	if ((root = json_loadb(body, len, 0, &jerr)) != NULL) {
		e = json_string_value(json_object_get(root, "error"));
		if (e != NULL)
			out = xasprintf("%ld %s", status, e);
		json_decref(root);
	}
	if (out == NULL)
		out = status != 0 ? xasprintf("HTTP %ld", status) :
		    xstrdup("no answer");
	return out;
}

void
mastodon_note_budget(struct mastodon *m, const struct http_ratelimit *rl)
{
	if (rl->present)
		m->rl = *rl;
}

/* A request to the account's server with its token. */
static struct http_request *
api_request(struct mastodon *m, const char *method, const char *path)
{
	struct http_request	*r;
	char			*url;

	url = xasprintf("%s%s", m->server, path);
	r = http_request_new(m->env.http, method, url);
	free(url);
	http_request_header(r, m->auth);
	http_request_header(r, "Accept: application/json");
	return r;
}

static void
on_start_timer(lws_sorted_usec_list_t *sul)
{
	struct mastodon	*m = lws_container_of(sul, struct mastodon,
			    start_timer);

	start_credentials(m);
}

static void
start_retry(struct mastodon *m, const char *what, const char *why)
{
	lws_usec_t	us = backoff_start(++m->start_failures);

	log_warnx("%s: %s: %s; trying again in %d s", m->label, what, why,
	    (int)(us / LWS_US_PER_SEC));
	lws_sul_schedule(m->env.lws, 0, &m->start_timer, on_start_timer, us);
}

/* --- inbox --- */

/*
 * What to keep of a notification: mentions and follows; the bot's own
 * statuses and other bots are kept as ignored (so the cursor and the
 * record agree), everything else is not stored.
 */
static int
classify(struct mastodon *m, const struct mastodon_notification *n,
    struct inbox_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->event_id = n->id;
	ev->state = INBOX_NEW;
	switch (n->type) {
	case MASTODON_NOTIF_MENTION:
		ev->kind = "mention";
		if (m->me_id != NULL && n->account_id != NULL &&
		    strcmp(n->account_id, m->me_id) == 0) {
			ev->state = INBOX_IGNORED;
			ev->reason = "the bot's own status";
		} else if (n->account_bot) {
			ev->state = INBOX_IGNORED;
			ev->reason = "from a bot account";
		}
		return 1;
	case MASTODON_NOTIF_FOLLOW:
		ev->kind = "follow";
		return 1;
	case MASTODON_NOTIF_OTHER:
		break;
	}
	return 0;
}

static void
log_stored(struct mastodon *m, const struct mastodon_notification *n,
    const struct inbox_event *ev)
{
	char	acct[128];

	log_escape(acct, sizeof(acct), n->account_acct != NULL ?
	    n->account_acct : "?");
	if (ev->state == INBOX_IGNORED)
		log_info("%s: %s %s from @%s ignored: %s", m->label, ev->kind,
		    n->id, acct, ev->reason);
	else
		log_info("%s: %s %s from @%s", m->label, ev->kind, n->id, acct);
}

/* Move the cursor forward only: a late or replayed id never rewinds it. */
static const char *
cursor_after(struct mastodon *m, const char *id)
{
	if (m->cursor == NULL || mastodon_id_cmp(id, m->cursor) > 0)
		return id;
	return m->cursor;
}

static void
cursor_set(struct mastodon *m, const char *id)
{
	if (id != m->cursor) {
		free(m->cursor);
		m->cursor = xstrdup(id);
	}
}

int
mastodon_store_notification(struct mastodon *m, const char *json, size_t len,
    int advance_cursor)
{
	struct mastodon_notification	 n;
	struct inbox_event		 ev;
	const char			*cursor = NULL;
	char				 err[128];
	int				 keep, added;

	if (mastodon_notification_parse(json, len, &n, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: notification not understood: %s", m->label, err);
		return -1;
	}
	if (!mastodon_id_valid(n.id)) {
		log_warnx("%s: notification with an odd id ignored", m->label);
		mastodon_notification_clear(&n);
		return -1;
	}
	keep = classify(m, &n, &ev);
	if (advance_cursor)
		cursor = cursor_after(m, n.id);
	if (!keep && cursor == NULL) {
		mastodon_notification_clear(&n);
		return 0;
	}
	if (!keep)
		ev.payload = NULL;
	else
		ev.payload = json;
	added = store_inbox_add(m->env.store, m->bot_account_id, &ev,
	    keep ? 1 : 0, cursor != NULL ? m->cursor_name : NULL, cursor);
	if (added > 0)
		log_stored(m, &n, &ev);
	if (added >= 0 && cursor != NULL)
		cursor_set(m, cursor);
	mastodon_notification_clear(&n);
	return added < 0 ? -2 : added;
}

/* --- catch-up --- */

static void	catch_up_page(struct mastodon *m, const char *url);

/*
 * Write one page (newest first, as the API orders it) oldest first, with
 * the newest id as the cursor, in one transaction.  Returns the number
 * of notifications on the page, or -1.
 */
static int
store_page(struct mastodon *m, const char *body, size_t len)
{
	struct mastodon_notification	*ns, **evn;
	struct inbox_event		*evs;
	char				**texts, err[128];
	const char			*newest = NULL;
	json_t				*root, *e;
	json_error_t			 jerr;
	size_t				 i, count, nev = 0, nparsed = 0;
	int				 added;

	if ((root = json_loadb(body, len, 0, &jerr)) == NULL ||
	    !json_is_array(root)) {
		log_warnx("%s: notifications: not a JSON array", m->label);
		json_decref(root);
		return -1;
	}
	count = json_array_size(root);
	ns = xcalloc(count + 1, sizeof(*ns));
	evs = xcalloc(count + 1, sizeof(*evs));
	evn = xcalloc(count + 1, sizeof(*evn));
	texts = xcalloc(count + 1, sizeof(*texts));
	for (i = count; i-- > 0;) {
		e = json_array_get(root, i);
		texts[nparsed] = json_dumps(e, JSON_COMPACT);
		if (texts[nparsed] == NULL || mastodon_notification_parse(
		    texts[nparsed], strlen(texts[nparsed]), &ns[nparsed], err,
		    sizeof(err)) == -1 || !mastodon_id_valid(ns[nparsed].id)) {
			log_warnx("%s: a notification was not understood "
			    "and is skipped", m->label);
			mastodon_notification_clear(&ns[nparsed]);
			free(texts[nparsed]);
			texts[nparsed] = NULL;
			continue;
		}
		if (newest == NULL ||
		    mastodon_id_cmp(ns[nparsed].id, newest) > 0)
			newest = ns[nparsed].id;
		if (classify(m, &ns[nparsed], &evs[nev])) {
			evs[nev].payload = texts[nparsed];
			evn[nev++] = &ns[nparsed];
		}
		nparsed++;
	}
	added = 0;
	if (newest != NULL) {
		newest = cursor_after(m, newest);
		added = store_inbox_add(m->env.store, m->bot_account_id, evs,
		    nev, m->cursor_name, newest);
		if (added >= 0)
			cursor_set(m, newest);
	}
	if (added > 0) {
		log_info("%s: catch-up stored %d new notification%s", m->label,
		    added, added == 1 ? "" : "s");
		for (i = 0; i < nev; i++)
			if (evs[i].added)
				log_stored(m, evn[i], &evs[i]);
	}
	for (i = 0; i < nparsed; i++) {
		mastodon_notification_clear(&ns[i]);
		free(texts[i]);
	}
	free(ns);
	free(evs);
	free(evn);
	free(texts);
	json_decref(root);
	return added < 0 ? -1 : (int)count;
}

/* A catch-up reached an empty page: the inbox holds everything so far. */
static void
catch_up_done(struct mastodon *m)
{
	m->catching_up = 0;
	if (m->catchup_again && !m->stopping) {
		m->catchup_again = 0;
		mastodon_catch_up(m);
		return;
	}
	m->caught_up = 1;
}

static void
on_poll_timer(lws_sorted_usec_list_t *sul)
{
	struct mastodon	*m = lws_container_of(sul, struct mastodon,
			    poll_timer);

	if (m->state == MASTODON_POLLING || m->catchup_pending) {
		m->catchup_pending = 0;
		mastodon_catch_up(m);
	}
	if (m->state == MASTODON_POLLING && !m->stopping &&
	    lws_dll2_is_detached(&m->poll_timer.list))
		lws_sul_schedule(m->env.lws, 0, &m->poll_timer, on_poll_timer,
		    (lws_usec_t)m->env.poll_interval * LWS_US_PER_SEC);
}

/*
 * A catch-up did not reach the present: until one does, stream frames
 * must not move the cursor past the gap.  The timer tries again.
 */
void
mastodon_catch_up_failed(struct mastodon *m, int wait)
{
	m->catching_up = 0;
	m->catchup_again = 0;
	m->caught_up = 0;
	if (m->stopping || m->state == MASTODON_DISABLED)
		return;
	m->catchup_pending = 1;
	lws_sul_schedule(m->env.lws, 0, &m->poll_timer, on_poll_timer,
	    (lws_usec_t)wait * LWS_US_PER_SEC);
}

/*
 * Forward from the cursor, oldest first.  No cursor (first start): from
 * the beginning, since bot accounts are made for the campaign and every
 * mention they ever got is a member talking to it.  include_filtered:
 * since 4.3 the server filters private mentions from accounts the bot
 * does not follow, and never streams them; members' DMs are such.
 */
static char *
catch_up_url(struct mastodon *m)
{
	return xasprintf("%s/api/v1/notifications?types[]=mention&"
	    "types[]=follow&include_filtered=true&limit=%d&min_id=%s",
	    m->server, CATCHUP_LIMIT, m->cursor != NULL ? m->cursor : "0");
}

/* The next page: the server's rel="prev" link when it stays on our host. */
static char *
next_page_url(struct mastodon *m, const struct http_response *res)
{
	size_t	n = strlen(m->server);

	if (res->link_prev != NULL &&
	    strncmp(res->link_prev, m->server, n) == 0 &&
	    strncmp(res->link_prev + n, "/api/v1/notifications?", 22) == 0)
		return xstrdup(res->link_prev);
	return catch_up_url(m);
}

static void
on_catch_up(const struct http_response *res, void *arg)
{
	struct mastodon	*m = arg;
	char		*why, *url;
	int		 n, wait;

	m->req = NULL;
	mastodon_note_budget(m, &res->rl);
	if (res->status == 200) {
		if ((n = store_page(m, res->body, res->len)) > 0) {
			url = next_page_url(m, res);
			catch_up_page(m, url);
			free(url);
			return;
		}
		if (n == 0) {
			log_debug("%s: caught up (cursor %s)", m->label,
			    m->cursor != NULL ? m->cursor : "none");
			catch_up_done(m);
		} else
			mastodon_catch_up_failed(m, m->env.poll_interval);
		return;
	}
	why = res->status != 0 ?
	    mastodon_error_text(res->body, res->len, res->status) :
	    xstrdup(res->error);
	if (res->status == 401 || res->status == 403) {
		mastodon_disable(m, why);
		free(why);
		catch_up_done(m);
		return;
	}
	/* try again later: after the reset when rate limited */
	wait = m->env.poll_interval;
	if (res->status == 429 && res->rl.reset > time(NULL))
		wait = (int)(res->rl.reset - time(NULL)) + 1;
	log_warnx("%s: catch-up failed: %s; again in %d s", m->label, why,
	    wait);
	free(why);
	mastodon_catch_up_failed(m, wait);
}

static void
catch_up_page(struct mastodon *m, const char *url)
{
	struct http_request	*r;

	r = http_request_new(m->env.http, "GET", url);
	http_request_header(r, m->auth);
	http_request_header(r, "Accept: application/json");
	m->req = r;
	http_request_send(r, on_catch_up, m);
}

void
mastodon_catch_up(struct mastodon *m)
{
	char	*url;

	if (m->stopping || m->state == MASTODON_DISABLED ||
	    m->state == MASTODON_STARTING)
		return;
	if (m->catching_up) {
		m->catchup_again = 1;
		return;
	}
	m->catching_up = 1;
	url = catch_up_url(m);
	catch_up_page(m, url);
	free(url);
}

/* Polling takes over while the stream is down. */
void
mastodon_start_polling(struct mastodon *m)
{
	if (m->stopping || m->state == MASTODON_DISABLED)
		return;
	mastodon_set_state(m, MASTODON_POLLING);
	if (!lws_dll2_is_detached(&m->poll_timer.list))
		return;
	lws_sul_schedule(m->env.lws, 0, &m->poll_timer, on_poll_timer,
	    (lws_usec_t)m->env.poll_interval * LWS_US_PER_SEC);
}

/* --- account lookup --- */

struct lookup_ctx {
	struct mastodon		*m;
	mastodon_lookup_fn	 done;
	void			*arg;
};

static void
on_lookup(const struct http_response *res, void *arg)
{
	struct lookup_ctx	*c = arg;
	struct mastodon_account	 a;
	json_t			*root = NULL;
	json_error_t		 jerr;
	char			*why = NULL;

	memset(&a, 0, sizeof(a));
	mastodon_note_budget(c->m, &res->rl);
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	a.id = json_string_value(json_object_get(root, "id"));
	a.acct = json_string_value(json_object_get(root, "acct"));
	if (a.id != NULL && a.acct != NULL && mastodon_id_valid(a.id)) {
		a.found = 1;
		a.bot = json_is_true(json_object_get(root, "bot"));
	} else if (res->status != 404) {
		why = res->status == 200 ? xstrdup("not an Account entity") :
		    res->status != 0 ? mastodon_error_text(res->body,
		    res->len, res->status) : xstrdup(res->error);
		a.error = why;
	}
	c->done(&a, c->arg);
	json_decref(root);
	free(why);
	free(c);
}

struct http_request *
mastodon_lookup(struct mastodon *m, const char *acct, mastodon_lookup_fn done,
    void *arg)
{
	struct lookup_ctx	*c;
	struct http_request	*r;
	char			*esc, *path;

	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->done = done;
	c->arg = arg;
	esc = curl_easy_escape(NULL, acct[0] == '@' ? acct + 1 : acct, 0);
	if (esc == NULL)
		fatalx("out of memory");
	path = xasprintf("/api/v1/accounts/lookup?acct=%s", esc);
	curl_free(esc);
	r = api_request(m, "GET", path);
	free(path);
	http_request_send(r, on_lookup, c);
	return r;
}

void
mastodon_lookup_cancel(struct http_request *r)
{
	/* the context goes with the request: see http_request_cancel */
	if (r != NULL)
		free(http_request_cancel_arg(r));
}

int
mastodon_max_chars(const struct mastodon *m)
{
	return m->max_chars;
}

/* --- start-up: who am I, where is the stream --- */

/* "wss://host[:port]" from the instance, or the server's own host. */
static char *
streaming_url(struct mastodon *m, json_t *instance)
{
	const char	*v;

	v = json_string_value(json_object_get(json_object_get(json_object_get(
	    instance, "configuration"), "urls"), "streaming"));
	if (v != NULL && strncmp(v, "wss://", 6) == 0 && strlen(v) > 6 &&
	    strlen(v) < 256 && strpbrk(v + 6, "/?#@ ") == NULL)
		return xstrdup(v);
	if (v != NULL)
		log_warnx("%s: the instance's streaming URL is not a plain "
		    "wss:// origin; using the server's host", m->label);
	return xasprintf("wss://%s", m->server + strlen("https://"));
}

/*
 * The domain in local accounts' addresses (LOCAL_DOMAIN), which may
 * differ from the host serving the API (WEB_DOMAIN).
 */
static char *
instance_domain(struct mastodon *m, json_t *instance)
{
	const char	*v = json_string_value(json_object_get(instance,
			    "domain"));
	char		*host;
	size_t		 n;

	if (v != NULL && (n = strlen(v)) > 0 && n < 254 &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n)
		return xstrdup(v);
	host = xstrdup(m->server + strlen("https://"));
	host[strcspn(host, ":/")] = '\0';
	return host;
}

static void
on_instance(const struct http_response *res, void *arg)
{
	struct mastodon	*m = arg;
	json_t		*root = NULL, *mc;
	json_error_t	 jerr;
	char		*why;

	m->req = NULL;
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	if (root == NULL && res->status != 404) {
		why = res->status != 0 ? mastodon_error_text(res->body,
		    res->len, res->status) : xstrdup(res->error);
		start_retry(m, "reading the instance (/api/v2/instance)", why);
		free(why);
		return;
	}
	/* 404: a server before 4.0; its host serves the stream */
	free(m->stream_url);
	m->stream_url = streaming_url(m, root);
	free(m->domain);
	m->domain = instance_domain(m, root);
	mc = json_object_get(json_object_get(json_object_get(root,
	    "configuration"), "statuses"), "max_characters");
	m->max_chars = json_is_integer(mc) && json_integer_value(mc) > 0 &&
	    json_integer_value(mc) < 1000000 ? (int)json_integer_value(mc) :
	    500;
	mastodon_media_limits(m, root);
	json_decref(root);
	m->start_failures = 0;
	log_info("%s: connected as %s (id %s); %d characters per post; "
	    "stream %s", m->label, m->me_acct, m->me_id, m->max_chars,
	    m->stream_url);
	m->state = MASTODON_POLLING;
	mastodon_catch_up(m);
	mastodon_stream_connect(m);
	mastodon_send_start(m);
}

static void
on_credentials(const struct http_response *res, void *arg)
{
	struct mastodon	*m = arg;
	json_t		*root = NULL;
	json_error_t	 jerr;
	const char	*id, *acct;
	char		*why;

	m->req = NULL;
	mastodon_note_budget(m, &res->rl);
	if (res->status == 401 || res->status == 403) {
		why = mastodon_error_text(res->body, res->len, res->status);
		mastodon_disable(m, why);
		free(why);
		return;
	}
	if (res->status == 200)
		root = json_loadb(res->body, res->len, 0, &jerr);
	id = json_string_value(json_object_get(root, "id"));
	acct = json_string_value(json_object_get(root, "acct"));
	if (id == NULL || acct == NULL || !mastodon_id_valid(id)) {
		why = res->status == 200 ? xstrdup("not an Account entity") :
		    res->status != 0 ? mastodon_error_text(res->body, res->len,
		    res->status) : xstrdup(res->error);
		start_retry(m, "checking the token (verify_credentials)", why);
		free(why);
		json_decref(root);
		return;
	}
	free(m->me_id);
	free(m->me_acct);
	m->me_id = xstrdup(id);
	m->me_acct = xstrdup(acct);
	json_decref(root);
	if (strcasecmp(m->me_acct, m->handle) != 0)
		log_warnx("%s: the token belongs to @%s, not @%s", m->label,
		    m->me_acct, m->handle);
	store_bot_account_set_remote(m->env.store, m->bot_account_id, m->me_id);
	m->req = api_request(m, "GET", "/api/v2/instance");
	http_request_send(m->req, on_instance, m);
}

static void
start_credentials(struct mastodon *m)
{
	m->req = api_request(m, "GET", "/api/v1/accounts/verify_credentials");
	http_request_send(m->req, on_credentials, m);
}

struct mastodon *
mastodon_start(const struct mastodon_env *env,
    const struct config_account *acct, int64_t bot_account_id)
{
	struct mastodon	*m;
	char		 secret[SECRET_MAX], why[512];
	long		 n;

	n = secret_read(acct, secret, sizeof(secret), why, sizeof(why));
	if (n <= 0) {
		log_errx("mastodon @%s on %s: %s", acct->handle, acct->server,
		    n == 0 ? "the token is empty" : why);
		explicit_bzero(secret, sizeof(secret));
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->env = *env;
	m->label = xasprintf("@%s on %s", acct->handle, acct->server);
	m->server = xstrdup(acct->server);
	m->handle = xstrdup(acct->handle);
	m->bot_account_id = bot_account_id;
	m->auth = xasprintf("Authorization: Bearer %s", secret);
	explicit_bzero(secret, sizeof(secret));
	m->cursor_name = xasprintf("mastodon:%lld", (long long)bot_account_id);
	m->max_chars = 500;
	mastodon_media_limits(m, NULL);
	m->state = MASTODON_STARTING;
	if (store_cursor_get(env->store, m->cursor_name, &m->cursor) == 1 &&
	    !mastodon_id_valid(m->cursor)) {
		log_warnx("%s: saved cursor is not an id; catching up from "
		    "the start", m->label);
		free(m->cursor);
		m->cursor = NULL;
	}
	log_info("%s: starting (notifications after %s)", m->label,
	    m->cursor != NULL ? m->cursor : "the first");
	start_credentials(m);
	return m;
}

void
mastodon_stop(struct mastodon *m)
{
	if (m == NULL || m->stopping)
		return;
	m->stopping = 1;
	quiesce(m);
}

int
mastodon_busy(const struct mastodon *m)
{
	return m->send_req != NULL;
}

void
mastodon_free(struct mastodon *m)
{
	if (m == NULL)
		return;
	mastodon_stop(m);
	mastodon_send_cancel(m);
	outbox_pacer_free(m->pacer);
	free(m->ws_buf);
	explicit_bzero(m->auth, strlen(m->auth));
	free(m->auth);
	free(m->label);
	free(m->server);
	free(m->handle);
	free(m->cursor_name);
	free(m->cursor);
	free(m->me_id);
	free(m->me_acct);
	free(m->stream_url);
	free(m->domain);
	free(m);
}
