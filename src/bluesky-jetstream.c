/*
 * bluesky-jetstream: one WebSocket to Jetstream's /subscribe for every
 * Bluesky bot of the daemon, with wantedCollections app.bsky.feed.post
 * and app.bsky.graph.follow.
 *
 * Jetstream cannot filter "posts that mention X": the connection carries
 * every post of the network, and the filter (bluesky-parse.c) keeps the
 * few that concern a bot.  A kept event and its time_us are written in
 * one transaction; the position of the others is saved every few
 * seconds.  On (re)connection the stream resumes from the saved
 * position less a few seconds: Jetstream replays from there and the
 * inbox drops what it already has.  When a connection fails the next
 * configured URL is tried; while none works the accounts poll their
 * notifications.
 */
#define LOG_TAG "bluesky"
#include "bluesky-internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/bluesky-parse.h"
#include "quitx/config.h"
#include "quitx/backoff.h"
#include "quitx/log.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define FRAME_MAX		(1u << 20)	/* larger frames are dropped */
#define CURSOR_STREAM		"jetstream"
#define CURSOR_SAVE_US		(5 * LWS_US_PER_SEC)
#define RESUME_BACK_US		INT64_C(5000000)	/* replay 5 s before */

struct bluesky_jetstream {
	struct bluesky_env	 env;
	struct bluesky		*accounts[BSKY_BOTS_MAX];
	size_t			 naccounts;
	/* the filter: bots whose DID is known, and their rows */
	const char		*dids[BSKY_BOTS_MAX];
	int64_t			 bot_ids[BSKY_BOTS_MAX];
	size_t			 ndids;

	size_t			 url;		/* index in conf->jetstream */
	struct http_request	*probe;
	struct lws		*ws;
	int			 established;
	int			 failures;
	int			 ping_due;
	int			 stopping;
	time_t			 last_rx;
	char			*buf;
	size_t			 len;
	int64_t			 time_us;	/* last event read */
	int64_t			 saved_us;	/* last position written */
	uint64_t		 events;	/* read since start */
	lws_sorted_usec_list_t	 retry;
	lws_sorted_usec_list_t	 watch;
	lws_sorted_usec_list_t	 save;
};

static void	js_connect(struct bluesky_jetstream *js);

int
bluesky_jetstream_up(const struct bluesky_jetstream *js)
{
	return js != NULL && js->ws != NULL && js->established;
}

static void
tell_accounts(struct bluesky_jetstream *js, int up)
{
	size_t	i;

	for (i = 0; i < js->naccounts; i++)
		bsky_jetstream_changed(js->accounts[i], up);
}

static void
save_position(struct bluesky_jetstream *js)
{
	char	pos[24];

	if (js->time_us <= js->saved_us)
		return;
	snprintf(pos, sizeof(pos), "%" PRId64, js->time_us);
	if (store_inbox_add(js->env.store, 0, NULL, 0, CURSOR_STREAM,
	    pos) >= 0)
		js->saved_us = js->time_us;
}

static void
on_save(lws_sorted_usec_list_t *sul)
{
	struct bluesky_jetstream *js = lws_container_of(sul,
	    struct bluesky_jetstream, save);

	save_position(js);
	if (js->ws != NULL)
		lws_sul_schedule(js->env.lws, 0, &js->save, on_save,
		    CURSOR_SAVE_US);
}

static void
on_retry(lws_sorted_usec_list_t *sul)
{
	struct bluesky_jetstream *js = lws_container_of(sul,
	    struct bluesky_jetstream, retry);

	js_connect(js);
}

/* A connection failed or ended: the next URL, after a while. */
static void
schedule_reconnect(struct bluesky_jetstream *js)
{
	lws_usec_t	us;

	if (js->stopping || js->ndids == 0)
		return;
	save_position(js);
	if (js->env.conf->njetstream > 1)
		js->url = (js->url + 1) % js->env.conf->njetstream;
	/* one quick try per URL before backing off */
	us = js->env.conf->njetstream > 1 &&
	    js->failures < (int)js->env.conf->njetstream ?
	    LWS_US_PER_SEC / 2 : backoff_reconnect(js->failures);
	js->failures++;
	log_info("jetstream: reconnecting to %s in %.1f s",
	    js->env.conf->jetstream[js->url], (double)us / LWS_US_PER_SEC);
	lws_sul_schedule(js->env.lws, 0, &js->retry, on_retry, us);
}

static void
on_watch(lws_sorted_usec_list_t *sul)
{
	struct bluesky_jetstream *js = lws_container_of(sul,
	    struct bluesky_jetstream, watch);
	time_t		 silent = time(NULL) - js->last_rx;
	int		 timeout = js->env.stream_timeout;

	if (js->ws == NULL || !js->established)
		return;
	if (silent >= timeout) {
		log_warnx("jetstream: silent for %lld s: reconnecting",
		    (long long)silent);
		lws_set_timeout(js->ws, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	if (silent >= timeout / 3 && !js->ping_due) {
		js->ping_due = 1;
		lws_callback_on_writable(js->ws);
	}
	lws_sul_schedule(js->env.lws, 0, &js->watch, on_watch,
	    LWS_US_PER_SEC);
}

static void
on_frame(struct bluesky_jetstream *js, const char *frame, size_t len)
{
	struct bsky_event	 ev;
	struct inbox_event	 evs[BSKY_BOTS_MAX];
	char			 err[128], pos[24];
	size_t			 i, n = 0;
	int			 rc, added;

	rc = bsky_jetstream_parse(frame, len, js->dids, js->ndids, &ev, err,
	    sizeof(err));
	js->events++;
	if (rc == -1)
		log_warnx("jetstream: event not understood: %s", err);
	if (rc != 1) {
		if (ev.time_us > js->time_us)
			js->time_us = ev.time_us;
		return;
	}
	memset(evs, 0, sizeof(evs));
	for (i = 0; i < js->ndids; i++) {
		if (!(ev.bots & (UINT64_C(1) << i)))
			continue;
		evs[n].event_id = ev.uri;
		evs[n].kind = ev.kind == BSKY_FOLLOW ? "follow" : "mention";
		evs[n].payload = ev.payload;
		evs[n].state = INBOX_NEW;
		evs[n].bot_account_id = js->bot_ids[i];
		n++;
	}
	if (ev.time_us > js->time_us)
		js->time_us = ev.time_us;
	snprintf(pos, sizeof(pos), "%" PRId64, js->time_us);
	added = store_inbox_add(js->env.store, 0, evs, n, CURSOR_STREAM, pos);
	if (added < 0) {
		/* not stored: read it again from the saved position */
		log_warnx("jetstream: the store refused an event; "
		    "reconnecting to read it again");
		js->time_us = js->saved_us;
		if (js->ws != NULL)
			lws_set_timeout(js->ws, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_ASYNC);
	} else {
		js->saved_us = js->time_us;
		if (added > 0)
			log_info("jetstream: %s %s", evs[0].kind, ev.uri);
	}
	bsky_event_clear(&ev);
}

static int
js_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bluesky_jetstream *js = lws_get_opaque_user_data(wsi);
	unsigned char		 ping[LWS_PRE + 8];
	int			 status;

	(void)user;
	if (js == NULL || lws_get_protocol(wsi) == NULL ||
	    strcmp(lws_get_protocol(wsi)->name,
	    bluesky_jetstream_protocol.name) != 0)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		js->established = 1;
		js->last_rx = time(NULL);
		js->ping_due = 0;
		log_info("jetstream: connected to %s",
		    js->env.conf->jetstream[js->url]);
		lws_sul_schedule(js->env.lws, 0, &js->watch, on_watch,
		    LWS_US_PER_SEC);
		lws_sul_schedule(js->env.lws, 0, &js->save, on_save,
		    CURSOR_SAVE_US);
		tell_accounts(js, 1);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		js->last_rx = time(NULL);
		js->failures = 0;
		if (lws_frame_is_binary(wsi))
			break;
		if (js->len + len > FRAME_MAX) {
			if (js->len <= FRAME_MAX)
				log_warnx("jetstream: frame over %u bytes "
				    "dropped", FRAME_MAX);
			js->len = FRAME_MAX + 1;	/* drop until final */
		} else if (js->len <= FRAME_MAX) {
			js->buf = xreallocarray(js->buf, 1, js->len + len + 1);
			memcpy(js->buf + js->len, in, len);
			js->len += len;
			js->buf[js->len] = '\0';
		}
		if (!lws_is_final_fragment(wsi))
			break;
		if (js->len <= FRAME_MAX)
			on_frame(js, js->buf, js->len);
		js->len = 0;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		js->last_rx = time(NULL);
		js->ping_due = 0;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (js->ping_due == 1) {
			js->ping_due = 2;
			if (lws_write(wsi, ping + LWS_PRE, 0,
			    LWS_WRITE_PING) < 0)
				return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		status = (int)lws_http_client_http_response(wsi);
		js->ws = NULL;
		js->established = 0;
		js->len = 0;
		if (status != 0)
			log_warnx("jetstream: %s refused: HTTP %d",
			    js->env.conf->jetstream[js->url], status);
		else
			log_warnx("jetstream: connection to %s failed: %s",
			    js->env.conf->jetstream[js->url], in != NULL ?
			    (const char *)in : "unknown error");
		schedule_reconnect(js);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		js->ws = NULL;
		js->len = 0;
		lws_sul_cancel(&js->watch);
		lws_sul_cancel(&js->save);
		if (js->established) {
			js->established = 0;
			if (!js->stopping) {
				log_warnx("jetstream: connection closed "
				    "(%" PRIu64 " events read)", js->events);
				tell_accounts(js, 0);
			}
		}
		schedule_reconnect(js);
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols bluesky_jetstream_protocol = {
	"quitx-bluesky-jetstream", js_callback, 0, 65536, 0, NULL, 0,
};

/* The path and query: the collections, and where to resume. */
static char *
subscribe_path(struct bluesky_jetstream *js, const char *url)
{
	const char	*path = url + strlen("wss://") + strcspn(url +
			    strlen("wss://"), "/");
	char		 cursor[40] = "";
	int64_t		 from;

	if (js->saved_us > 0) {
		from = js->saved_us - RESUME_BACK_US;
		snprintf(cursor, sizeof(cursor), "&cursor=%" PRId64,
		    from > 0 ? from : 1);
	}
	return xasprintf("%s?wantedCollections=app.bsky.feed.post"
	    "&wantedCollections=app.bsky.graph.follow%s", path, cursor);
}

static void
js_open(struct bluesky_jetstream *js, const char *ip)
{
	struct lws_client_connect_info	 i;
	const char			*url = js->env.conf->jetstream[js->url];
	char				 host[256], *colon, *path;
	int				 port = 443;

	snprintf(host, sizeof(host), "%.*s",
	    (int)strcspn(url + strlen("wss://"), "/"), url + strlen("wss://"));
	path = subscribe_path(js, url);
	memset(&i, 0, sizeof(i));
	i.context = js->env.lws;
	i.vhost = js->env.vhost;
	i.address = ip;
	i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	i.path = path;
	i.host = host;
	i.origin = host;
	i.local_protocol_name = bluesky_jetstream_protocol.name;
	i.opaque_user_data = js;
	i.pwsi = &js->ws;
	/* "[v6]:port", "host:port" or "host": the port, if any */
	if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(colon, ']') == NULL)
		port = (int)strtol(colon + 1, NULL, 10);
	i.port = port;
	log_debug("jetstream: connecting to %s (%s)", url, ip);
	if (lws_client_connect_via_info(&i) == NULL) {
		js->ws = NULL;
		if (lws_dll2_is_detached(&js->retry.list))
			schedule_reconnect(js);
	}
	free(path);
}

/*
 * The probe: a plain GET of the URL through libcurl, whose resolver (a
 * thread) finds the address where lws would block the loop on DNS.  Any
 * HTTP answer means the host is there.
 */
static void
on_probe(const struct http_response *res, void *arg)
{
	struct bluesky_jetstream *js = arg;

	js->probe = NULL;
	if (res->status == 0 || res->primary_ip[0] == '\0') {
		log_warnx("jetstream: %s unreachable: %s",
		    js->env.conf->jetstream[js->url], res->status == 0 ?
		    res->error : "no address");
		schedule_reconnect(js);
		return;
	}
	js_open(js, res->primary_ip);
}

static void
js_connect(struct bluesky_jetstream *js)
{
	char	*url;

	if (js->stopping || js->ws != NULL || js->probe != NULL ||
	    js->ndids == 0 || js->env.conf->njetstream == 0)
		return;
	url = xasprintf("https://%s", js->env.conf->jetstream[js->url] +
	    strlen("wss://"));
	js->probe = http_request_new(js->env.http, "GET", url);
	free(url);
	http_request_timeout(js->probe, 15);
	http_request_send(js->probe, on_probe, js);
}

/* The filter from the accounts that know their DID. */
static void
filter_rebuild(struct bluesky_jetstream *js)
{
	size_t	i;

	js->ndids = 0;
	for (i = 0; i < js->naccounts; i++) {
		if (bluesky_did(js->accounts[i]) == NULL)
			continue;
		js->dids[js->ndids] = bluesky_did(js->accounts[i]);
		js->bot_ids[js->ndids] = js->accounts[i]->bot_account_id;
		js->ndids++;
	}
}

void
bsky_jetstream_attach(struct bluesky_jetstream *js, struct bluesky *b)
{
	size_t	i;

	for (i = 0; i < js->naccounts; i++)
		if (js->accounts[i] == b)
			return;
	if (js->naccounts == BSKY_BOTS_MAX) {
		log_warnx("%s: more than %d Bluesky accounts: this one is "
		    "polled only", b->label, BSKY_BOTS_MAX);
		return;
	}
	js->accounts[js->naccounts++] = b;
	bsky_jetstream_kick(js);
}

void
bsky_jetstream_detach(struct bluesky_jetstream *js, struct bluesky *b)
{
	size_t	i;

	for (i = 0; i < js->naccounts; i++) {
		if (js->accounts[i] != b)
			continue;
		memmove(&js->accounts[i], &js->accounts[i + 1],
		    (js->naccounts - i - 1) * sizeof(js->accounts[0]));
		js->naccounts--;
		filter_rebuild(js);
		return;
	}
}

void
bsky_jetstream_kick(struct bluesky_jetstream *js)
{
	filter_rebuild(js);
	/* the filter is applied as frames arrive: no need to reconnect */
	if (js->ws == NULL && lws_dll2_is_detached(&js->retry.list))
		js_connect(js);
}

struct bluesky_jetstream *
bluesky_jetstream_create(const struct bluesky_env *env)
{
	struct bluesky_jetstream	*js = xcalloc(1, sizeof(*js));
	char				*pos = NULL, *end;
	long long			 v;

	js->env = *env;
	if (store_cursor_get(env->store, CURSOR_STREAM, &pos) == 1) {
		v = strtoll(pos, &end, 10);
		if (*end == '\0' && v > 0)
			js->saved_us = js->time_us = v;
		else
			log_warnx("jetstream: saved position is not a time; "
			    "reading from now");
	}
	free(pos);
	if (env->conf->njetstream == 0)
		log_info("jetstream: no URL configured: notifications are "
		    "polled");
	return js;
}

void
bluesky_jetstream_free(struct bluesky_jetstream *js)
{
	if (js == NULL)
		return;
	js->stopping = 1;
	save_position(js);
	lws_sul_cancel(&js->retry);
	lws_sul_cancel(&js->watch);
	lws_sul_cancel(&js->save);
	http_request_cancel(js->probe);
	if (js->ws != NULL) {
		lws_set_opaque_user_data(js->ws, NULL);
		lws_set_timeout(js->ws, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
	free(js->buf);
	free(js);
}
