/*
 * mastodon-stream: the WebSocket to /api/v1/streaming, stream
 * user:notification.
 *
 * The token goes in the Authorization header of the upgrade, never in
 * the URL (which proxies log).  The server sends no replay, so every
 * (re)connection is followed by a catch-up; a 401 at the upgrade means
 * the token was revoked and the account stops.  A silent connection (no
 * frame and no pong for streams.timeout seconds) is closed and opened
 * again; while it is down the account polls.
 */
#define LOG_TAG "mastodon"
#include "mastodon-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/http.h"
#include "quitx/backoff.h"
#include "quitx/log.h"
#include "quitx/mastodon-parse.h"
#include "quitx/xmalloc.h"

#define FRAME_MAX	(1u << 20)	/* larger frames are dropped */

static void	on_retry(lws_sorted_usec_list_t *sul);

static void
schedule_reconnect(struct mastodon *m)
{
	lws_usec_t	us;

	if (m->stopping || m->state == MASTODON_DISABLED)
		return;
	us = backoff_reconnect(++m->ws_failures);
	log_info("%s: stream reconnects in %.1f s; polling meanwhile",
	    m->label, (double)us / LWS_US_PER_SEC);
	lws_sul_schedule(m->env.lws, 0, &m->ws_retry, on_retry, us);
	mastodon_start_polling(m);
}

static void
on_watch(lws_sorted_usec_list_t *sul)
{
	struct mastodon	*m = lws_container_of(sul, struct mastodon, ws_watch);
	time_t		 silent = time(NULL) - m->ws_last_rx;
	int		 timeout = m->env.stream_timeout;

	if (m->ws == NULL || !m->ws_established)
		return;
	if (silent >= timeout) {
		log_warnx("%s: stream silent for %lld s: reconnecting",
		    m->label, (long long)silent);
		lws_set_timeout(m->ws, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	/* ask for a pong once a third of the timeout passed in silence */
	if (silent >= timeout / 3 && !m->ws_ping_due) {
		m->ws_ping_due = 1;
		lws_callback_on_writable(m->ws);
	}
	lws_sul_schedule(m->env.lws, 0, &m->ws_watch, on_watch,
	    LWS_US_PER_SEC);
}

static void
on_frame(struct mastodon *m, const char *frame, size_t len)
{
	enum mastodon_event	 ev;
	char			*payload = NULL, err[128], esc[256];

	if (mastodon_frame_parse(frame, len, &ev, &payload, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: stream frame not understood: %s", m->label, err);
		return;
	}
	switch (ev) {
	case MASTODON_EV_NOTIFICATION:
		/* the cursor moves only once a catch-up reached the present */
		if (mastodon_store_notification(m, payload, strlen(payload),
		    m->caught_up && !m->catching_up) == -2)
			/* not stored: fetch it again before moving on */
			mastodon_catch_up_failed(m, 1);
		break;
	case MASTODON_EV_ERROR:
		log_warnx("%s: the streaming server says: %s", m->label,
		    log_escape(esc, sizeof(esc), payload != NULL ? payload :
		    "?"));
		break;
	case MASTODON_EV_DELETE:
	case MASTODON_EV_OTHER:
		break;
	}
	free(payload);
}

static int
stream_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct mastodon	*m = lws_get_opaque_user_data(wsi);
	unsigned char	 ping[LWS_PRE + 8];
	unsigned char	**p, *end;
	const char	*bearer;
	int		 status;

	(void)user;
	/* protocols[0] also hears about the vhost's other connections */
	if (m == NULL || lws_get_protocol(wsi) == NULL ||
	    strcmp(lws_get_protocol(wsi)->name,
	    mastodon_stream_protocol.name) != 0)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		p = (unsigned char **)in;
		end = *p + len;
		bearer = m->auth + strlen("Authorization: ");
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)"authorization:",
		    (const unsigned char *)bearer, (int)strlen(bearer), p, end))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		m->ws_established = 1;
		m->ws_last_rx = time(NULL);
		m->ws_ping_due = 0;
		log_info("%s: stream connected", m->label);
		mastodon_set_state(m, MASTODON_STREAMING);
		lws_sul_schedule(m->env.lws, 0, &m->ws_watch, on_watch,
		    LWS_US_PER_SEC);
		/*
		 * The stream has no replay: fetch what came meanwhile, unless
		 * a failed catch-up is already waiting (a rate-limit reset).
		 */
		m->caught_up = 0;
		if (!m->catchup_pending) {
			lws_sul_cancel(&m->poll_timer);
			mastodon_catch_up(m);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		m->ws_last_rx = time(NULL);
		/* the backoff resets once the server really talks to us */
		m->ws_failures = 0;
		if (lws_frame_is_binary(wsi))
			break;
		if (m->ws_len + len > FRAME_MAX) {
			log_warnx("%s: stream frame over %u bytes dropped",
			    m->label, FRAME_MAX);
			m->ws_len = FRAME_MAX + 1;	/* drop until final */
		} else if (m->ws_len <= FRAME_MAX) {
			m->ws_buf = xreallocarray(m->ws_buf, 1,
			    m->ws_len + len + 1);
			memcpy(m->ws_buf + m->ws_len, in, len);
			m->ws_len += len;
			m->ws_buf[m->ws_len] = '\0';
		}
		if (!lws_is_final_fragment(wsi))
			break;
		if (m->ws_len <= FRAME_MAX)
			on_frame(m, m->ws_buf, m->ws_len);
		m->ws_len = 0;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		m->ws_last_rx = time(NULL);
		m->ws_ping_due = 0;
		m->ws_failures = 0;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (m->ws_ping_due == 1) {
			m->ws_ping_due = 2;	/* sent: wait for the pong */
			if (lws_write(wsi, ping + LWS_PRE, 0,
			    LWS_WRITE_PING) < 0)
				return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		status = (int)lws_http_client_http_response(wsi);
		m->ws = NULL;
		m->ws_established = 0;
		m->ws_len = 0;
		if (status == 401 || status == 403) {
			mastodon_disable(m, "the streaming server refused the "
			    "token (HTTP 401 at the upgrade)");
			break;
		}
		if (status != 0)
			log_warnx("%s: stream refused: HTTP %d", m->label,
			    status);
		else
			log_warnx("%s: stream connection failed: %s",
			    m->label, in != NULL ? (const char *)in :
			    "unknown error");
		schedule_reconnect(m);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		m->ws = NULL;
		m->ws_len = 0;
		lws_sul_cancel(&m->ws_watch);
		if (m->ws_established && !m->stopping)
			log_warnx("%s: stream closed", m->label);
		m->ws_established = 0;
		schedule_reconnect(m);
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols mastodon_stream_protocol = {
	"quitx-mastodon-stream", stream_callback, 0, 4096, 0, NULL, 0,
};

/*
 * Open the WebSocket to the address the probe resolved.  The name given
 * to TLS (host) is still the server's, so the certificate is checked
 * against it, not against the address.
 */
static void
stream_open(struct mastodon *m, const char *ip)
{
	struct lws_client_connect_info	 i;
	char				 host[256], *colon;
	const char			*origin;
	int				 port = 443;

	origin = m->stream_url + strlen("wss://");
	snprintf(host, sizeof(host), "%s", origin);
	/* "[v6]:port", "host:port" or "host" */
	if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(colon, ']') == NULL) {
		port = (int)strtol(colon + 1, NULL, 10);
		*colon = '\0';
	}
	memset(&i, 0, sizeof(i));
	i.context = m->env.lws;
	i.vhost = m->env.vhost;
	i.address = ip;
	i.port = port;
	/* a redirect would carry the token to another host: refuse it */
	i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	i.path = "/api/v1/streaming?stream=user:notification";
	i.host = origin;
	i.origin = origin;
	i.local_protocol_name = mastodon_stream_protocol.name;
	i.opaque_user_data = m;
	i.pwsi = &m->ws;
	log_debug("%s: connecting to %s (%s)", m->label, m->stream_url, ip);
	if (lws_client_connect_via_info(&i) == NULL) {
		m->ws = NULL;
		/* the connection-error callback may have scheduled it */
		if (lws_dll2_is_detached(&m->ws_retry.list))
			schedule_reconnect(m);
	}
}

/*
 * The probe: GET /api/v1/streaming/health on the streaming host, through
 * libcurl.  It tells whether the streaming server is up, and curl's
 * resolver (a thread) finds its address, where lws would have blocked
 * the whole loop in getaddrinfo while DNS is slow.
 */
static void
on_probe(const struct http_response *res, void *arg)
{
	struct mastodon	*m = arg;
	char		*why;

	m->ws_probe = NULL;
	if (res->status == 0 || res->primary_ip[0] == '\0') {
		log_warnx("%s: streaming server unreachable: %s", m->label,
		    res->status == 0 ? res->error : "no address");
		schedule_reconnect(m);
		return;
	}
	/* 404: a server without the health route may still stream */
	if (res->status >= 400 && res->status != 404) {
		why = mastodon_error_text(res->body, res->len, res->status);
		log_warnx("%s: streaming server not ready: %s", m->label, why);
		free(why);
		schedule_reconnect(m);
		return;
	}
	stream_open(m, res->primary_ip);
}

void
mastodon_stream_connect(struct mastodon *m)
{
	char	*url;

	if (m->stopping || m->state == MASTODON_DISABLED || m->ws != NULL ||
	    m->ws_probe != NULL)
		return;
	url = xasprintf("https://%s/api/v1/streaming/health",
	    m->stream_url + strlen("wss://"));
	m->ws_probe = http_request_new(m->env.http, "GET", url);
	free(url);
	http_request_timeout(m->ws_probe, 15);
	http_request_send(m->ws_probe, on_probe, m);
}

static void
on_retry(lws_sorted_usec_list_t *sul)
{
	struct mastodon	*m = lws_container_of(sul, struct mastodon, ws_retry);

	mastodon_stream_connect(m);
}

void
mastodon_stream_close(struct mastodon *m)
{
	http_request_cancel(m->ws_probe);
	m->ws_probe = NULL;
	if (m->ws == NULL)
		return;
	lws_set_opaque_user_data(m->ws, NULL);
	lws_set_timeout(m->ws, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	m->ws = NULL;
	m->ws_established = 0;
	m->ws_len = 0;
}

void
mastodon_stream_cancel_timers(struct mastodon *m)
{
	lws_sul_cancel(&m->ws_retry);
	lws_sul_cancel(&m->ws_watch);
}
