/*
 * mastodon-peer: a local Mastodon instance for the integration tests of
 * quitx's Mastodon connector.
 *
 * One port serves HTTPS (the REST API, and a control API under /_peer/
 * that tests use to make things happen) and WSS (the streaming API), as
 * a real instance does behind its proxy.  The JSON shapes, status codes,
 * error texts and rate-limit headers follow Mastodon 4.3 (its API
 * documentation and server source), so that a client that works here
 * has a fair chance of working there.
 *
 * It is its own program and shares no code with quitx: a bug in quitx
 * cannot be mirrored here.  Single-threaded, one libwebsockets loop, all
 * state in memory; SIGTERM or SIGINT ends it with status 0.
 *
 * mastodon-peer --port N --cert CERT.pem --key KEY.pem [--domain D]
 *     [--account HANDLE:TOKEN]... [--max-chars 500] [--rate-limit 300]
 *     [--rate-window 300] [--ping-interval 30] [--no-streaming]
 *     [--image-size-limit 16777216] [--media-limit 30] [--media-window 1800]
 *     [--media-async-over 65536]
 *
 * Listens on 127.0.0.1 (--port 0: any free port) and prints one line,
 * "mastodon-peer listening on 127.0.0.1:PORT".  Each --account is a bot
 * hosted here; members who write to the bots are made on the fly.  The
 * ping interval may have decimals (tests use 0.05).
 *
 * Mastodon: GET /api/v2/instance, GET /api/v1/accounts/verify_credentials,
 * GET /api/v1/accounts/lookup, GET /api/v1/notifications, POST
 * /api/v1/statuses (with media_ids[]), POST /api/v2/media (multipart:
 * file, description; 200, or 202 for a file larger than
 * --media-async-over, processed 300 ms later), GET /api/v1/media/:id
 * (206 while processing), and the WebSocket GET /api/v1/streaming.
 * Uploads have their own budget (--media-limit per --media-window, 30
 * per 30 minutes as Mastodon's rack-attack), which the X-RateLimit-*
 * headers of POST /api/v2/media describe; pictures are told apart by
 * their bytes (PNG, JPEG, GIF, WebP).
 *
 * Control (JSON, no token, never rate limited):
 *   POST /_peer/mention   {to, from, content?, visibility?, language?,
 *                          bot?, display_name?, in_reply_to_id?, mentions?}
 *                         -> {notification_id, status_id}
 *   POST /_peer/follow    {to, from} -> {notification_id}
 *   POST /_peer/streaming {up?, drop?} -> {up, dropped}
 *   POST /_peer/freeze    {frozen} -> {frozen}
 *   POST /_peer/rate      {token, remaining?, reset_in?, media?}
 *                         -> {remaining, reset}  (media: the upload budget)
 *   POST /_peer/fail      {path, status?, count?, error?}
 *                         -> {path, status, count}
 *   POST /_peer/media-expire {} -> {expired}: unattached media removed
 *   GET  /_peer/statuses  the bots' posts, oldest first (created_at:
 *                         when the peer made each, to the millisecond)
 *   GET  /_peer/stats     counters (stream_connections, status_posts,
 *                         media_requests, media_created, media_polls...)
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#define PEER_MAX_BODY		(1024 * 1024)	/* request bodies: 413 beyond */
#define PEER_MAX_FRAME		(64 * 1024)	/* client frames: dropped beyond */
#define PEER_CHUNK		4096
#define ACCOUNT_ID_FIRST	UINT64_C(110000000000000001)
#define STATUS_ID_FIRST		UINT64_C(113000000000000001)
/* notifications come from a plain sequence on a real instance */
#define NOTIFICATION_ID_FIRST	UINT64_C(35000001)
#define URL_WEIGHT		23	/* characters_reserved_per_url */
#define NOTIFICATIONS_LIMIT	40
#define NOTIFICATIONS_MAX	80
#define MEDIA_ID_FIRST		UINT64_C(113100000000000001)
#define MEDIA_MAX_BODY		(40 * 1024 * 1024)	/* nginx's cap, about */
#define MEDIA_PROCESSING_US	300000		/* a 202's processing time */
#define MEDIA_ATTACHMENTS_MAX	4
#define DESCRIPTION_LIMIT	1500
#define FORM_PARTS_MAX		8

/* Methods as the router sees them. */
enum method { M_GET, M_POST, M_OTHER };

/* Who may call an endpoint. */
enum auth { AUTH_NONE, AUTH_OPTIONAL, AUTH_REQUIRED };

struct options {
	int		 port;
	const char	*cert;
	const char	*key;
	const char	*domain;
	long		 max_chars;
	long		 rate_limit;
	long		 rate_window;		/* seconds */
	double		 ping_interval;		/* seconds; 0: never */
	int		 no_streaming;
	long		 image_size_limit;
	long		 media_limit;
	long		 media_window;		/* seconds */
	long		 media_async_over;	/* bytes */
};

/* An uploaded MediaAttachment. */
struct media {
	uint64_t	 id;
	size_t		 account;
	char		*description;	/* NULL: none */
	char		*filename;
	const char	*mime;
	size_t		 size;
	int64_t		 ready_at;	/* µs: processed from then on */
	uint64_t	 status;	/* attached to; 0: not yet */
};

/* An Idempotency-Key already used by an account, and what it made. */
struct idem {
	char	*key;
	size_t	 status;
};

struct account {
	uint64_t	 id;
	char		*username;
	char		*acct;		/* "user" here, "user@host" elsewhere */
	char		*host;		/* where it lives: its url's host */
	char		*display_name;
	char		*token;		/* hosted bots only */
	int		 bot;		/* Account.bot */
	long		 followers;
	long		 statuses;
	char		 created_at[32];
	char		 last_status_at[16];	/* "" until it posts */
	/* the per-token rate limit (hosted bots) */
	long		 remaining;
	int64_t		 window_end;	/* µs since the epoch; 0: none yet */
	struct idem	*idem;
	size_t		 nidem;
	/* POST /api/v2/media: a budget of its own */
	long		 media_remaining;
	int64_t		 media_window_end;
};

struct status {
	uint64_t	 id;
	size_t		 account;
	char		*content;	/* HTML */
	char		*text;		/* as submitted (bot posts), or NULL */
	char		*visibility;
	char		*language;	/* NULL: null */
	uint64_t	 in_reply_to;	/* 0: none */
	uint64_t	 in_reply_to_account;
	size_t		*mentions;	/* account indexes */
	size_t		 nmentions;
	char		*idempotency_key;
	size_t		*media;		/* peer.media indexes */
	size_t		 nmedia;
	long		 replies;
	char		 created_at[32];
};

struct notification {
	uint64_t	 id;
	const char	*type;		/* "mention" or "follow" */
	size_t		 to;		/* the hosted bot notified */
	size_t		 from;
	size_t		 status;	/* mentions only */
	int		 has_status;
	char		 created_at[32];
};

/* A failure the tests asked for: the next count requests to path. */
struct failure {
	char	*path;
	char	*error;
	int	 status;
	long	 count;
};

/* A WebSocket text frame waiting to be sent, LWS_PRE bytes ahead. */
struct frame {
	struct frame	*next;
	size_t		 len;
	unsigned char	 data[];
};

/*
 * Per connection.  One struct serves both roles since a connection that
 * starts as HTTP may be upgraded; each role clears what it uses.
 */
struct session {
	/* HTTP: one request at a time */
	enum method	 method;
	char		 path[256];
	char		*token;		/* NULL: none given */
	char		*idempotency_key;
	int		 json_body;
	char		*ctype;		/* Content-Type, for its boundary */
	int		 media_body;	/* an upload: a larger body */
	int		 media_rl;	/* headers: the media budget */
	json_t		*query;		/* decoded query arguments */
	char		*body;
	size_t		 blen;
	int		 overflow;
	char		*out;		/* response body being written */
	size_t		 outlen, outoff;
	int		 close_after;

	/* WebSocket */
	struct session	*next;		/* in peer.conns */
	int		 listed;
	struct lws	*wsi;
	size_t		 account;
	char		 first_stream[64];	/* ?stream= */
	int		 sub_user, sub_notification;
	struct frame	*fhead, *ftail;
	int		 ping_due;
	int		 frozen;
	char		*rx;
	size_t		 rxlen;
	int		 rx_overflow;
};

static struct peer {
	struct options		 opt;
	struct lws_context	*lws;
	struct lws_vhost	*vhost;
	int			 port;
	char			*base;		/* https://127.0.0.1:PORT */
	int			 sigfd;
	int			 stopping;

	struct account		*accounts;
	size_t			 naccounts;
	size_t			 nbots;		/* the first nbots are hosted */
	struct status		*statuses;
	size_t			 nstatuses;
	struct notification	*notifications;
	size_t			 nnotifications;
	uint64_t		 next_account, next_status, next_notification;
	struct failure		*failures;
	size_t			 nfailures;
	struct media		*media;
	size_t			 nmedia;
	uint64_t		 next_media;

	struct session		*conns;		/* open WebSocket connections */
	int			 streaming_up;
	int			 frozen;
	lws_sorted_usec_list_t	 ping_timer;
	unsigned long		 request_ids;

	struct {
		long	stream_connections;
		long	stream_connects_total;
		long	stream_refused;
		long	status_posts;
		long	statuses_created;
		long	rate_limited;
		long	notification_requests;
		long	pings_sent;
		long	pongs_received;
		long	media_requests;
		long	media_created;
		long	media_polls;
	} stats;
} peer;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: mastodon-peer --port N --cert CERT.pem "
	    "--key KEY.pem --domain DOMAIN\n"
	    "\t[--account HANDLE:TOKEN]... [--max-chars N] [--rate-limit N]\n"
	    "\t[--rate-window SECONDS] [--ping-interval SECONDS] "
	    "[--no-streaming]\n"
	    "\t[--image-size-limit BYTES] [--media-limit N] "
	    "[--media-window SECONDS]\n\t[--media-async-over BYTES]\n");
	exit(2);
}

/*
 * Allocation.  The peer is a test tool: out of memory ends it, and the
 * test that started it fails on the exit status.
 */
static void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		errx(1, "allocation overflow");
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL)
		err(1, "realloc");
	return p;
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		err(1, "calloc");
	return p;
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(1, "strdup");
	return p;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(1, "vasprintf");
	va_end(ap);
	return s;
}

/* A growing string. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(1, "vasprintf");
	va_end(ap);
	buf_str(b, s);
	free(s);
}

/* The string built so far (never NULL); the buf is emptied. */
static char *
buf_take(struct buf *b)
{
	char	*s = b->p != NULL ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

static int64_t
now_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * ISO 8601 in UTC with digits (3 or 6) of fraction: entities carry
 * milliseconds, X-RateLimit-Reset microseconds, as Rails writes them.
 */
static void
iso_time(char *out, size_t len, int64_t usec, int digits)
{
	time_t		sec = (time_t)(usec / 1000000);
	struct tm	tm;
	char		day[24];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	if (digits == 6)
		snprintf(out, len, "%s.%06dZ", day, (int)(usec % 1000000));
	else
		snprintf(out, len, "%s.%03dZ", day, (int)(usec % 1000000 / 1000));
}

static char *
id_str(uint64_t id)
{
	return xasprintf("%" PRIu64, id);
}

/* A decimal id; 0 when s is not one (ids start far above 0). */
static uint64_t
parse_id(const char *s)
{
	char			*end;
	unsigned long long	 v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (uint64_t)v;
}

/*
 * JSON as Rails renders it: compact, and with <, >, & and the two
 * JavaScript line separators escaped as \uXXXX (ActiveSupport's
 * escape_html_entities_in_json).  A client must decode \u escapes.
 * These bytes never occur outside strings in JSON text, so replacing
 * them everywhere is safe.
 */
static char *
rails_json(const json_t *j)
{
	char		*raw, *p;
	struct buf	 b = { NULL, 0, 0 };

	if ((raw = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		errx(1, "json_dumps");
	for (p = raw; *p != '\0'; p++) {
		if (*p == '<')
			buf_str(&b, "\\u003c");
		else if (*p == '>')
			buf_str(&b, "\\u003e");
		else if (*p == '&')
			buf_str(&b, "\\u0026");
		else if ((unsigned char)p[0] == 0xe2 &&
		    (unsigned char)p[1] == 0x80 &&
		    ((unsigned char)p[2] == 0xa8 ||
		    (unsigned char)p[2] == 0xa9)) {
			buf_str(&b, (unsigned char)p[2] == 0xa8 ? "\\u2028" :
			    "\\u2029");
			p += 2;
		} else
			buf_add(&b, p, 1);
	}
	free(raw);
	return buf_take(&b);
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
json_id_or_null(uint64_t id)
{
	char	*s;
	json_t	*j;

	if (id == 0)
		return json_null();
	s = id_str(id);
	j = json_string(s);
	free(s);
	return j;
}

/* ---- accounts ---- */

static char *
account_url(const struct account *a)
{
	return xasprintf("https://%s/@%s", a->host, a->username);
}

static struct account *
account_add(const char *username, const char *host, int local)
{
	struct account	*a;
	char		 day[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	peer.accounts = xreallocarray(peer.accounts, peer.naccounts + 1,
	    sizeof(*peer.accounts));
	a = &peer.accounts[peer.naccounts++];
	memset(a, 0, sizeof(*a));
	a->id = peer.next_account++;
	a->username = xstrdup(username);
	a->host = xstrdup(host);
	a->acct = local ? xstrdup(username) :
	    xasprintf("%s@%s", username, host);
	a->display_name = xstrdup(username);
	/* Mastodon keeps the day an account was made, at midnight */
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT00:00:00.000Z", &tm);
	snprintf(a->created_at, sizeof(a->created_at), "%s", day);
	return a;
}

/*
 * An account by acct, as lookup and mentions resolve it: any case, a
 * leading @ ignored, and user@DOMAIN the same as user for this domain.
 */
static struct account *
account_find(const char *acct)
{
	const char	*at;
	char		 user[256];
	size_t		 i, n;

	if (*acct == '@')
		acct++;
	if ((at = strchr(acct, '@')) != NULL &&
	    strcasecmp(at + 1, peer.opt.domain) == 0) {
		n = (size_t)(at - acct);
		if (n >= sizeof(user))
			return NULL;
		memcpy(user, acct, n);
		user[n] = '\0';
		acct = user;
	}
	for (i = 0; i < peer.naccounts; i++)
		if (strcasecmp(peer.accounts[i].acct, acct) == 0)
			return &peer.accounts[i];
	return NULL;
}

/* The account for acct, made if new (a member who writes to a bot). */
static struct account *
account_get(const char *acct)
{
	struct account	*a;
	const char	*at;
	char		*user;

	if ((a = account_find(acct)) != NULL)
		return a;
	if (*acct == '@')
		acct++;
	if ((at = strchr(acct, '@')) == NULL)
		return account_add(acct, peer.opt.domain, 1);
	user = xstrdup(acct);
	user[at - acct] = '\0';
	a = account_add(user, at + 1, 0);
	free(user);
	return a;
}

static struct account *
bot_by_token(const char *token)
{
	size_t	i;

	if (token == NULL)
		return NULL;
	for (i = 0; i < peer.nbots; i++)
		if (strcmp(peer.accounts[i].token, token) == 0)
			return &peer.accounts[i];
	return NULL;
}

static struct account *
bot_by_handle(const char *handle)
{
	size_t	i;

	if (*handle == '@')
		handle++;
	for (i = 0; i < peer.nbots; i++)
		if (strcasecmp(peer.accounts[i].acct, handle) == 0)
			return &peer.accounts[i];
	return NULL;
}

static size_t
account_index(const struct account *a)
{
	return (size_t)(a - peer.accounts);
}

static json_t *
account_json(const struct account *a, int credential)
{
	json_t	*o = json_object(), *src;
	char	*s;

	s = id_str(a->id);
	json_object_set_new(o, "id", json_string(s));
	free(s);
	json_object_set_new(o, "username", json_string(a->username));
	json_object_set_new(o, "acct", json_string(a->acct));
	json_object_set_new(o, "display_name", json_string(a->display_name));
	json_object_set_new(o, "locked", json_false());
	json_object_set_new(o, "bot", json_boolean(a->bot));
	json_object_set_new(o, "discoverable", json_true());
	json_object_set_new(o, "indexable", json_false());
	json_object_set_new(o, "group", json_false());
	json_object_set_new(o, "created_at", json_string(a->created_at));
	json_object_set_new(o, "note", json_string(""));
	s = account_url(a);
	json_object_set_new(o, "url", json_string(s));
	free(s);
	s = xasprintf("https://%s/users/%s", a->host, a->username);
	json_object_set_new(o, "uri", json_string(s));
	free(s);
	s = xasprintf("https://%s/avatars/original/missing.png",
	    peer.opt.domain);
	json_object_set_new(o, "avatar", json_string(s));
	json_object_set_new(o, "avatar_static", json_string(s));
	free(s);
	s = xasprintf("https://%s/headers/original/missing.png",
	    peer.opt.domain);
	json_object_set_new(o, "header", json_string(s));
	json_object_set_new(o, "header_static", json_string(s));
	free(s);
	json_object_set_new(o, "followers_count", json_integer(a->followers));
	json_object_set_new(o, "following_count", json_integer(0));
	json_object_set_new(o, "statuses_count", json_integer(a->statuses));
	json_object_set_new(o, "last_status_at", a->last_status_at[0] != '\0' ?
	    json_string(a->last_status_at) : json_null());
	json_object_set_new(o, "hide_collections", json_false());
	json_object_set_new(o, "emojis", json_array());
	json_object_set_new(o, "fields", json_array());
	if (!credential)
		return o;
	src = json_object();
	json_object_set_new(src, "privacy", json_string("public"));
	json_object_set_new(src, "sensitive", json_false());
	json_object_set_new(src, "language", json_string(""));
	json_object_set_new(src, "note", json_string(""));
	json_object_set_new(src, "fields", json_array());
	json_object_set_new(src, "follow_requests_count", json_integer(0));
	json_object_set_new(src, "hide_collections", json_false());
	json_object_set_new(src, "discoverable", json_true());
	json_object_set_new(src, "indexable", json_false());
	json_object_set_new(o, "source", src);
	json_object_set_new(o, "role", json_pack("{s:s, s:s, s:s, s:s, s:b}",
	    "id", "-99", "name", "", "permissions", "0", "color", "",
	    "highlighted", 0));
	return o;
}

/* ---- statuses ---- */

static struct status *
status_by_id(uint64_t id)
{
	size_t	i;

	for (i = 0; i < peer.nstatuses; i++)
		if (peer.statuses[i].id == id)
			return &peer.statuses[i];
	return NULL;
}

static json_t *
mention_json(const struct account *a)
{
	json_t	*o = json_object();
	char	*s;

	s = id_str(a->id);
	json_object_set_new(o, "id", json_string(s));
	free(s);
	json_object_set_new(o, "username", json_string(a->username));
	s = account_url(a);
	json_object_set_new(o, "url", json_string(s));
	free(s);
	json_object_set_new(o, "acct", json_string(a->acct));
	return o;
}

static struct media *
media_by_id(uint64_t id)
{
	size_t	i;

	for (i = 0; i < peer.nmedia; i++)
		if (peer.media[i].id == id)
			return &peer.media[i];
	return NULL;
}

static int
media_ready(const struct media *m)
{
	return now_usec() >= m->ready_at;
}

/* A MediaAttachment entity: url null while it is processed. */
static json_t *
media_json(const struct media *m)
{
	json_t	*o = json_object();
	char	*id = id_str(m->id), *url;

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "type", json_string("image"));
	url = xasprintf("https://%s/system/media_attachments/files/%s/"
	    "original/%s", peer.opt.domain, id, m->filename);
	json_object_set_new(o, "url", media_ready(m) ? json_string(url) :
	    json_null());
	free(url);
	url = xasprintf("https://%s/system/media_attachments/files/%s/"
	    "small/%s", peer.opt.domain, id, m->filename);
	json_object_set_new(o, "preview_url", json_string(url));
	free(url);
	json_object_set_new(o, "remote_url", json_null());
	json_object_set_new(o, "preview_remote_url", json_null());
	json_object_set_new(o, "text_url", json_null());
	json_object_set_new(o, "meta", json_object());
	json_object_set_new(o, "description",
	    json_str_or_null(m->description));
	json_object_set_new(o, "blurhash", json_null());
	free(id);
	return o;
}

static json_t *
status_json(const struct status *st)
{
	const struct account	*a = &peer.accounts[st->account];
	json_t			*o = json_object(), *m;
	char			*s, *id;
	size_t			 i;

	id = id_str(st->id);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "created_at", json_string(st->created_at));
	json_object_set_new(o, "in_reply_to_id", json_id_or_null(st->in_reply_to));
	json_object_set_new(o, "in_reply_to_account_id",
	    json_id_or_null(st->in_reply_to_account));
	json_object_set_new(o, "sensitive", json_false());
	json_object_set_new(o, "spoiler_text", json_string(""));
	json_object_set_new(o, "visibility", json_string(st->visibility));
	json_object_set_new(o, "language", json_str_or_null(st->language));
	s = xasprintf("https://%s/users/%s/statuses/%s", a->host, a->username,
	    id);
	json_object_set_new(o, "uri", json_string(s));
	free(s);
	s = xasprintf("https://%s/@%s/%s", a->host, a->username, id);
	json_object_set_new(o, "url", json_string(s));
	free(s);
	free(id);
	json_object_set_new(o, "replies_count", json_integer(st->replies));
	json_object_set_new(o, "reblogs_count", json_integer(0));
	json_object_set_new(o, "favourites_count", json_integer(0));
	json_object_set_new(o, "edited_at", json_null());
	json_object_set_new(o, "favourited", json_false());
	json_object_set_new(o, "reblogged", json_false());
	json_object_set_new(o, "muted", json_false());
	json_object_set_new(o, "bookmarked", json_false());
	json_object_set_new(o, "content", json_string(st->content));
	json_object_set_new(o, "filtered", json_array());
	json_object_set_new(o, "reblog", json_null());
	json_object_set_new(o, "application", json_pack("{s:s, s:n}", "name",
	    st->text != NULL ? "quitx" : "Web", "website"));
	json_object_set_new(o, "account", account_json(a, 0));
	m = json_array();
	for (i = 0; i < st->nmedia; i++)
		json_array_append_new(m, media_json(&peer.media[st->media[i]]));
	json_object_set_new(o, "media_attachments", m);
	m = json_array();
	for (i = 0; i < st->nmentions; i++)
		json_array_append_new(m,
		    mention_json(&peer.accounts[st->mentions[i]]));
	json_object_set_new(o, "mentions", m);
	json_object_set_new(o, "tags", json_array());
	json_object_set_new(o, "emojis", json_array());
	json_object_set_new(o, "card", json_null());
	json_object_set_new(o, "poll", json_null());
	return o;
}

static struct status *
status_add(size_t account, const char *visibility, const char *language)
{
	struct status	*st;
	struct account	*a = &peer.accounts[account];
	int64_t		 now = now_usec();
	time_t		 sec = (time_t)(now / 1000000);
	struct tm	 tm;

	peer.statuses = xreallocarray(peer.statuses, peer.nstatuses + 1,
	    sizeof(*peer.statuses));
	st = &peer.statuses[peer.nstatuses++];
	memset(st, 0, sizeof(*st));
	st->id = peer.next_status++;
	st->account = account;
	st->visibility = xstrdup(visibility);
	st->language = language != NULL ? xstrdup(language) : NULL;
	iso_time(st->created_at, sizeof(st->created_at), now, 3);
	a->statuses++;
	gmtime_r(&sec, &tm);
	strftime(a->last_status_at, sizeof(a->last_status_at), "%Y-%m-%d", &tm);
	return st;
}

static void
status_mention(struct status *st, size_t account)
{
	size_t	i;

	for (i = 0; i < st->nmentions; i++)
		if (st->mentions[i] == account)
			return;
	st->mentions = xreallocarray(st->mentions, st->nmentions + 1,
	    sizeof(*st->mentions));
	st->mentions[st->nmentions++] = account;
}

/* ---- notifications and the stream ---- */

static json_t *
notification_json(const struct notification *n)
{
	json_t	*o = json_object();
	char	*id = id_str(n->id), *gk;

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "type", json_string(n->type));
	json_object_set_new(o, "created_at", json_string(n->created_at));
	gk = xasprintf("ungrouped-%s", id);
	json_object_set_new(o, "group_key", json_string(gk));
	free(gk);
	free(id);
	json_object_set_new(o, "account",
	    account_json(&peer.accounts[n->from], 0));
	if (n->has_status)
		json_object_set_new(o, "status",
		    status_json(&peer.statuses[n->status]));
	return o;
}

static void
frame_queue(struct session *s, const char *text)
{
	size_t		 len = strlen(text);
	struct frame	*f = xcalloc(1, sizeof(*f) + LWS_PRE + len);

	f->len = len;
	memcpy(f->data + LWS_PRE, text, len);
	if (s->ftail != NULL)
		s->ftail->next = f;
	else
		s->fhead = f;
	s->ftail = f;
	lws_callback_on_writable(s->wsi);
}

static void
frames_free(struct session *s)
{
	struct frame	*f;

	while ((f = s->fhead) != NULL) {
		s->fhead = f->next;
		free(f);
	}
	s->ftail = NULL;
}

/*
 * The frame the streaming server sends: the entity is JSON text inside
 * the payload string, to be parsed a second time.
 */
static char *
event_frame(const char *stream, const char *event, const json_t *payload)
{
	char	*inner, *text;
	json_t	*o;

	if ((inner = json_dumps(payload, JSON_COMPACT)) == NULL)
		errx(1, "json_dumps");
	o = json_pack("{s:[s], s:s, s:s}", "stream", stream, "event", event,
	    "payload", inner);
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL)
		errx(1, "json_pack");
	json_decref(o);
	free(inner);
	return text;
}

/* Push a notification to the subscribed, live streams of its bot. */
static void
notification_push(const struct notification *n)
{
	struct session	*s;
	json_t		*j = NULL;
	char		*frame;

	for (s = peer.conns; s != NULL; s = s->next) {
		if (s->account != n->to || s->frozen)
			continue;
		if (j == NULL)
			j = notification_json(n);
		/* both subscriptions: twice, as the real server does */
		if (s->sub_notification) {
			frame = event_frame("user:notification",
			    "notification", j);
			frame_queue(s, frame);
			free(frame);
		}
		if (s->sub_user) {
			frame = event_frame("user", "notification", j);
			frame_queue(s, frame);
			free(frame);
		}
	}
	json_decref(j);
}

static struct notification *
notification_add(const char *type, size_t to, size_t from,
    const struct status *st)
{
	struct notification	*n;

	peer.notifications = xreallocarray(peer.notifications,
	    peer.nnotifications + 1, sizeof(*peer.notifications));
	n = &peer.notifications[peer.nnotifications++];
	memset(n, 0, sizeof(*n));
	n->id = peer.next_notification++;
	n->type = type;
	n->to = to;
	n->from = from;
	if (st != NULL) {
		n->status = (size_t)(st - peer.statuses);
		n->has_status = 1;
	}
	iso_time(n->created_at, sizeof(n->created_at), now_usec(), 3);
	notification_push(n);
	return n;
}

/* ---- text: mentions, links, length, HTML ---- */

static int
is_user_char(int c)
{
	return isalnum(c) || c == '_';
}

/* [[:word:]] in Ruby: any non-ASCII byte stands in for a letter here. */
static int
is_word_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* x+([.-]+x+)* where x is a class of characters: the length matched. */
static size_t
scan_dotted(const unsigned char *s, int (*ok)(int))
{
	size_t	i = 0, j;

	while (ok(s[i]))
		i++;
	if (i == 0)
		return 0;
	for (;;) {
		for (j = i; s[j] == '.' || s[j] == '-'; j++)
			;
		if (j == i || !ok(s[j]))
			return i;
		while (ok(s[j]))
			j++;
		i = j;
	}
}

/*
 * A mention at text[i], as Mastodon's Account::MENTION_RE finds it:
 * @user or @user@domain, not preceded by =, / or a word character.
 * Returns the length matched (0: none); *ulen is the user part's.
 */
static size_t
scan_mention(const char *text, size_t i, size_t *ulen)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 u, d;

	if (s[i] != '@')
		return 0;
	if (i > 0 && (s[i - 1] == '=' || s[i - 1] == '/' ||
	    is_word_char(s[i - 1])))
		return 0;
	if ((u = scan_dotted(s + i + 1, is_user_char)) == 0)
		return 0;
	*ulen = u;
	if (s[i + 1 + u] == '@' &&
	    (d = scan_dotted(s + i + 2 + u, is_word_char)) > 0)
		return 1 + u + 1 + d;
	return 1 + u;
}

/*
 * A link at text[i]: http:// or https:// up to white space or <, less
 * trailing punctuation (a simpler rule than twitter-text's, good for
 * the text bots write).
 */
static size_t
scan_url(const char *text, size_t i)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 n, start;

	if (i > 0 && is_word_char(s[i - 1]))
		return 0;
	if (strncasecmp(text + i, "https://", 8) == 0)
		start = 8;
	else if (strncasecmp(text + i, "http://", 7) == 0)
		start = 7;
	else
		return 0;
	for (n = start; s[i + n] != '\0' && !isspace(s[i + n]) &&
	    s[i + n] != '<'; n++)
		;
	while (n > start && strchr(".,:;!?'\")]", s[i + n - 1]) != NULL)
		n--;
	return n > start ? n : 0;
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t	i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/*
 * The length Mastodon's StatusLengthValidator sees: every link counts
 * 23, @user@domain counts as @user, everything else by code point (the
 * server counts grapheme clusters; code points are never fewer).
 */
static size_t
text_length(const char *text)
{
	size_t	i = 0, n, u, len = 0;

	while (text[i] != '\0') {
		if ((n = scan_url(text, i)) > 0) {
			len += URL_WEIGHT;
			i += n;
		} else if ((n = scan_mention(text, i, &u)) > 0) {
			len += 1 + u;
			i += n;
		} else {
			len += utf8_chars(text + i, 1);
			i++;
		}
	}
	return len;
}

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static void
html_escape(struct buf *b, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			buf_str(b, "&amp;");
			break;
		case '<':
			buf_str(b, "&lt;");
			break;
		case '>':
			buf_str(b, "&gt;");
			break;
		case '"':
			buf_str(b, "&quot;");
			break;
		case '\'':
			buf_str(b, "&#39;");
			break;
		default:
			buf_add(b, s + i, 1);
		}
	}
}

/* The account a mention in text names, if this instance knows it. */
static struct account *
mention_resolve(const char *text, size_t len)
{
	char		*acct = xasprintf("%.*s", (int)len - 1, text + 1);
	struct account	*a = account_find(acct);

	free(acct);
	return a;
}

static void
link_html(struct buf *b, const char *url, size_t n)
{
	size_t	pre = strncasecmp(url, "https://", 8) == 0 ? 8 : 7, show;

	if (n - pre > 4 && strncasecmp(url + pre, "www.", 4) == 0)
		pre += 4;
	show = n - pre > 30 ? 30 : n - pre;
	buf_str(b, "<a href=\"");
	html_escape(b, url, n);
	buf_str(b, "\" target=\"_blank\" rel=\"nofollow noopener\" "
	    "translate=\"no\"><span class=\"invisible\">");
	html_escape(b, url, pre);
	buf_fmt(b, "</span><span class=\"%s\">", pre + show < n ? "ellipsis" :
	    "");
	html_escape(b, url + pre, show);
	buf_str(b, "</span><span class=\"invisible\">");
	html_escape(b, url + pre + show, n - pre - show);
	buf_str(b, "</span></a>");
}

/*
 * A bot's plain text as Mastodon's TextFormatter renders it: escaped,
 * links and known mentions as HTML, blank lines as paragraphs, single
 * newlines as <br />.  Mentions the instance does not know stay text and
 * mention no one, as on a real server.  Fills st->mentions.
 */
static char *
format_content(const char *text, struct status *st)
{
	struct buf	 b = { NULL, 0, 0 };
	struct account	*a;
	size_t		 i, n, u, nl, end;
	char		*url;

	while (*text == '\n' || *text == '\r')
		text++;
	end = strlen(text);
	while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
		end--;
	buf_str(&b, "<p>");
	for (i = 0; i < end; ) {
		if (text[i] == '\r' || text[i] == '\n') {
			for (nl = 0; i < end && (text[i] == '\r' ||
			    text[i] == '\n'); i++)
				nl += text[i] == '\n';
			buf_str(&b, nl >= 2 ? "</p><p>" : "<br />");
		} else if ((n = scan_url(text, i)) > 0 && i + n <= end) {
			link_html(&b, text + i, n);
			i += n;
		} else if ((n = scan_mention(text, i, &u)) > 0 &&
		    i + n <= end) {
			if ((a = mention_resolve(text + i, n)) == NULL)
				html_escape(&b, text + i, n);
			else {
				status_mention(st, account_index(a));
				url = account_url(a);
				buf_str(&b, "<span class=\"h-card\" "
				    "translate=\"no\"><a href=\"");
				html_escape(&b, url, strlen(url));
				buf_str(&b, "\" class=\"u-url mention\">@<span>");
				html_escape(&b, a->username,
				    strlen(a->username));
				buf_str(&b, "</span></a></span>");
				free(url);
			}
			i += n;
		} else {
			html_escape(&b, text + i, 1);
			i++;
		}
	}
	buf_str(&b, "</p>");
	return buf_take(&b);
}

/* ---- HTTP plumbing ---- */

static void
session_clear_http(struct session *s)
{
	free(s->token);
	free(s->idempotency_key);
	json_decref(s->query);
	free(s->body);
	free(s->out);
	free(s->ctype);
	s->token = s->idempotency_key = s->body = s->out = s->ctype = NULL;
	s->query = NULL;
	s->blen = s->outlen = s->outoff = 0;
	s->overflow = s->close_after = s->json_body = 0;
	s->media_body = s->media_rl = 0;
	s->path[0] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* application/x-www-form-urlencoded decoding of s[0..n). */
static char *
url_decode(const char *s, size_t n)
{
	char	*out = xcalloc(1, n + 1), *o = out;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* Well-formed UTF-8 (jansson refuses anything else in a string). */
static int
utf8_valid(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, n;
	uint32_t		 c;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			c = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			c = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			c = *s & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i] & 0x3f);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

/*
 * One name=value pair into a params object, Rails style: name[] makes
 * (or extends) an array under name; a plain name keeps its last value.
 */
static void
param_add(json_t *params, const char *name, const char *value)
{
	size_t	 n = strlen(name);
	char	*key;
	json_t	*arr;

	if (n > 2 && strcmp(name + n - 2, "[]") == 0) {
		key = xasprintf("%.*s", (int)n - 2, name);
		if ((arr = json_object_get(params, key)) == NULL ||
		    !json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(params, key, arr);
		}
		json_array_append_new(arr, json_string(value));
		free(key);
	} else
		json_object_set_new(params, name, json_string(value));
}

/* An encoded name=value&... string into params. */
static void
params_parse_form(json_t *params, const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *amp, *eq;
	char		*name, *value;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (eq > p) {
			name = url_decode(p, (size_t)(eq - p));
			value = eq < amp ? url_decode(eq + 1,
			    (size_t)(amp - eq - 1)) : xstrdup("");
			if (utf8_valid(name) && utf8_valid(value))
				param_add(params, name, value);
			free(name);
			free(value);
		}
		p = amp + 1;
	}
}

/*
 * The query string.  lws has already split it at & and decoded %XX and
 * + in each piece, so types%5B%5D=x arrives here as types[]=x.
 */
static json_t *
query_args(struct lws *wsi)
{
	json_t	*params = json_object();
	char	 frag[1024], *eq;
	int	 i, n;

	for (i = 0; (n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag),
	    WSI_TOKEN_HTTP_URI_ARGS, i)) >= 0; i++) {
		if (n == 0)
			continue;
		if (!utf8_valid(frag))
			continue;
		if ((eq = strchr(frag, '=')) == NULL)
			param_add(params, frag, "");
		else {
			*eq = '\0';
			if (*frag != '\0')
				param_add(params, frag, eq + 1);
		}
	}
	return params;
}

/* A string parameter: strings as they are, integers in decimal. */
static char *
param_str(const json_t *params, const char *name)
{
	const json_t	*v = json_object_get(params, name);

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return NULL;
}

static json_t *
json_error(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static void
window_reset(const struct account *a, char *out, size_t len)
{
	iso_time(out, len, a->window_end, 6);
}

static int
add_header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

/*
 * Send the status and headers now, the body when writeable.  rl: the
 * account whose rate limit the X-RateLimit-* headers describe.  Takes
 * the JSON body.
 */
static int
respond(struct lws *wsi, struct session *s, unsigned status, json_t *body,
    const struct account *rl, const char *link, const char *allow)
{
	unsigned char	 hdr[LWS_PRE + 4096], *start = hdr + LWS_PRE, *p = start;
	unsigned char	*end = hdr + sizeof(hdr) - 1;
	char		 num[32], reset[40];

	free(s->out);
	s->out = rails_json(body);
	json_decref(body);
	s->outlen = strlen(s->out);
	s->outoff = 0;
	snprintf(num, sizeof(num), "%lx-%lu", (unsigned long)getpid(),
	    ++peer.request_ids);
	if (lws_add_http_common_headers(wsi, status,
	    "application/json; charset=utf-8", s->outlen, &p, end) ||
	    add_header(wsi, "cache-control:", "private, no-store", &p, end) ||
	    add_header(wsi, "x-request-id:", num, &p, end))
		return -1;
	if (rl != NULL) {
		/* an upload's answer tells of the media budget */
		snprintf(num, sizeof(num), "%ld", s->media_rl ?
		    peer.opt.media_limit : peer.opt.rate_limit);
		if (s->media_rl)
			iso_time(reset, sizeof(reset), rl->media_window_end, 6);
		else
			window_reset(rl, reset, sizeof(reset));
		if (add_header(wsi, "x-ratelimit-limit:", num, &p, end))
			return -1;
		snprintf(num, sizeof(num), "%ld", s->media_rl ?
		    rl->media_remaining : rl->remaining);
		if (add_header(wsi, "x-ratelimit-remaining:", num, &p, end) ||
		    add_header(wsi, "x-ratelimit-reset:", reset, &p, end))
			return -1;
	}
	if (link != NULL && add_header(wsi, "link:", link, &p, end))
		return -1;
	if (allow != NULL && add_header(wsi, "allow:", allow, &p, end))
		return -1;
	if (s->close_after && add_header(wsi, "connection:", "close", &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
respond_error(struct lws *wsi, struct session *s, unsigned status,
    const char *msg, const struct account *rl)
{
	return respond(wsi, s, status, json_error(msg), rl, NULL, NULL);
}

static int
write_body(struct lws *wsi, struct session *s)
{
	unsigned char	buf[LWS_PRE + PEER_CHUNK];
	size_t		n = s->outlen - s->outoff;
	int		final;

	if (n > PEER_CHUNK)
		n = PEER_CHUNK;
	final = s->outoff + n == s->outlen;
	memcpy(buf + LWS_PRE, s->out + s->outoff, n);
	if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL :
	    LWS_WRITE_HTTP) != (int)n)
		return -1;
	s->outoff += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	free(s->out);
	s->out = NULL;
	if (s->close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too many requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

/* A failure the tests asked for on this path, used up one at a time. */
static struct failure *
failure_take(const char *path)
{
	size_t	i;

	for (i = 0; i < peer.nfailures; i++)
		if (peer.failures[i].count > 0 &&
		    strcmp(peer.failures[i].path, path) == 0) {
			peer.failures[i].count--;
			return &peer.failures[i];
		}
	return NULL;
}

/*
 * The per-token budget: fixed windows of rate_window seconds aligned to
 * the epoch, like Rack::Attack's.  0: spent (the caller answers 429).
 */
static int
rate_take(struct account *a)
{
	int64_t	now = now_usec(), w = (int64_t)peer.opt.rate_window * 1000000;

	if (now >= a->window_end) {
		a->window_end = (now / w + 1) * w;
		a->remaining = peer.opt.rate_limit;
	}
	if (a->remaining <= 0)
		return 0;
	a->remaining--;
	return 1;
}

/* The media budget (POST /api/v2/media), windows as rate_take's. */
static int
media_take(struct account *a)
{
	int64_t	now = now_usec(), w = (int64_t)peer.opt.media_window * 1000000;

	if (now >= a->media_window_end) {
		a->media_window_end = (now / w + 1) * w;
		a->media_remaining = peer.opt.media_limit;
	}
	if (a->media_remaining <= 0)
		return 0;
	a->media_remaining--;
	return 1;
}

/* ---- the Mastodon API ---- */

static int
api_instance(struct lws *wsi, struct session *s, struct account *me)
{
	json_t	*o, *conf, *ma;
	char	*streaming = xasprintf("wss://127.0.0.1:%d", peer.port);
	char	*url;

	(void)me;
	o = json_object();
	json_object_set_new(o, "domain", json_string(peer.opt.domain));
	json_object_set_new(o, "title", json_string("Mastodon peer"));
	json_object_set_new(o, "version", json_string("4.3.0"));
	json_object_set_new(o, "source_url",
	    json_string("https://github.com/mastodon/mastodon"));
	json_object_set_new(o, "description", json_string("A local stand-in "
	    "Mastodon instance for quitx's tests."));
	json_object_set_new(o, "usage", json_pack("{s:{s:I}}", "users",
	    "active_month", (json_int_t)peer.naccounts));
	url = xasprintf("https://%s/packs/media/images/preview.png",
	    peer.opt.domain);
	json_object_set_new(o, "thumbnail", json_pack("{s:s, s:n, s:n}", "url",
	    url, "blurhash", "versions"));
	free(url);
	json_object_set_new(o, "icon", json_array());
	json_object_set_new(o, "languages", json_pack("[s, s]", "en", "fr"));
	conf = json_object();
	json_object_set_new(conf, "urls", json_pack("{s:s, s:n}", "streaming",
	    streaming, "status"));
	json_object_set_new(conf, "vapid", json_pack("{s:s}", "public_key",
	    "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI"
	    "4UkkDTpaZwozy0TzdZ2M="));
	json_object_set_new(conf, "accounts", json_pack("{s:i, s:i}",
	    "max_featured_tags", 10, "max_pinned_statuses", 5));
	json_object_set_new(conf, "statuses", json_pack("{s:I, s:i, s:i}",
	    "max_characters", (json_int_t)peer.opt.max_chars,
	    "max_media_attachments", 4, "characters_reserved_per_url",
	    URL_WEIGHT));
	ma = json_pack("{s:[s, s, s, s, s, s, s], s:i, s:i, s:i, s:i, s:i, "
	    "s:i}", "supported_mime_types", "image/jpeg", "image/png",
	    "image/gif", "image/heic", "image/heif", "image/webp", "video/mp4",
	    "description_limit", DESCRIPTION_LIMIT, "image_size_limit",
	    (int)peer.opt.image_size_limit,
	    "image_matrix_limit", 33177600, "video_size_limit", 103809024,
	    "video_frame_rate_limit", 120, "video_matrix_limit", 8294400);
	json_object_set_new(conf, "media_attachments", ma);
	json_object_set_new(conf, "polls", json_pack("{s:i, s:i, s:i, s:i}",
	    "max_options", 4, "max_characters_per_option", 50,
	    "min_expiration", 300, "max_expiration", 2629746));
	json_object_set_new(conf, "translation", json_pack("{s:b}", "enabled",
	    0));
	json_object_set_new(o, "configuration", conf);
	json_object_set_new(o, "registrations", json_pack("{s:b, s:b, s:n, "
	    "s:n}", "enabled", 0, "approval_required", 0, "message", "url"));
	json_object_set_new(o, "api_versions", json_pack("{s:i}", "mastodon",
	    2));
	url = xasprintf("admin@%s", peer.opt.domain);
	json_object_set_new(o, "contact", json_pack("{s:s, s:n}", "email", url,
	    "account"));
	free(url);
	json_object_set_new(o, "rules", json_array());
	free(streaming);
	return respond(wsi, s, 200, o, NULL, NULL, NULL);
}

static int
api_verify_credentials(struct lws *wsi, struct session *s,
    struct account *me)
{
	return respond(wsi, s, 200, account_json(me, 1), me, NULL, NULL);
}

static int
api_lookup(struct lws *wsi, struct session *s, struct account *me)
{
	char		*acct = param_str(s->query, "acct");
	struct account	*a = acct != NULL ? account_find(acct) : NULL;

	free(acct);
	if (a == NULL)
		return respond_error(wsi, s, 404, "Record not found", me);
	return respond(wsi, s, 200, account_json(a, 0), me, NULL, NULL);
}

/* CGI.escape, as Rails encodes query strings. */
static void
cgi_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("*-._", *s) != NULL)
			buf_add(b, s, 1);
		else if (*s == ' ')
			buf_str(b, "+");
		else
			buf_fmt(b, "%%%02X", (unsigned char)*s);
	}
}

static void
link_array(struct buf *b, const json_t *arr, const char *name)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			continue;
		buf_fmt(b, "&%s%%5B%%5D=", name);
		cgi_escape(b, json_string_value(v));
	}
}

/*
 * One Link target: the same filters and limit, the cursor given, keys
 * in the sorted order of Rails' Hash#to_query, brackets escaped.
 */
static void
link_target(struct buf *b, const json_t *q, const char *cursor, uint64_t id)
{
	char	*limit = param_str(q, "limit");

	buf_fmt(b, "<%s/api/v1/notifications?", peer.base);
	link_array(b, json_object_get(q, "exclude_types"), "exclude_types");
	if (limit != NULL) {
		buf_str(b, "&limit=");
		cgi_escape(b, limit);
		free(limit);
	}
	buf_fmt(b, "&%s=%" PRIu64, cursor, id);
	link_array(b, json_object_get(q, "types"), "types");
	buf_str(b, ">");
}

static char *
notifications_link(const json_t *q, uint64_t oldest, uint64_t newest)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*s, *amp;

	link_target(&b, q, "max_id", oldest);
	buf_str(&b, "; rel=\"next\", ");
	link_target(&b, q, "min_id", newest);
	buf_str(&b, "; rel=\"prev\"");
	s = buf_take(&b);
	/* drop the & just after each ? */
	while ((amp = strstr(s, "?&")) != NULL)
		memmove(amp + 1, amp + 2, strlen(amp + 2) + 1);
	return s;
}

static int
type_listed(const json_t *arr, const char *type)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
			return 1;
	return 0;
}

/*
 * GET /api/v1/notifications, paged as Mastodon's Paginable: with min_id
 * the oldest `limit` after it (since_id is then ignored), otherwise the
 * newest `limit` below max_id and above since_id; newest first always.
 */
static int
api_notifications(struct lws *wsi, struct session *s, struct account *me)
{
	const json_t	*types = json_object_get(s->query, "types");
	const json_t	*exclude = json_object_get(s->query, "exclude_types");
	char		*v, *link = NULL;
	uint64_t	 max_id, since_id, min_id;
	size_t		 i, *page, n = 0, bot = account_index(me);
	long		 limit = NOTIFICATIONS_LIMIT;
	const struct notification *nt;
	json_t		*arr;
	int		 rc, by_min;

	if ((v = param_str(s->query, "limit")) != NULL) {
		limit = labs(strtol(v, NULL, 10));
		if (limit > NOTIFICATIONS_MAX)
			limit = NOTIFICATIONS_MAX;
		free(v);
	}
	v = param_str(s->query, "max_id");
	max_id = parse_id(v);
	free(v);
	v = param_str(s->query, "since_id");
	since_id = parse_id(v);
	free(v);
	v = param_str(s->query, "min_id");
	min_id = parse_id(v);
	by_min = v != NULL && *v != '\0';
	free(v);
	if (by_min)
		since_id = min_id;

	page = xcalloc((size_t)limit + 1, sizeof(*page));
	for (i = 0; i < peer.nnotifications && (long)n < limit; i++) {
		/* oldest first when paging by min_id, newest first else */
		nt = &peer.notifications[by_min ? i :
		    peer.nnotifications - 1 - i];
		if (nt->to != bot || nt->id <= since_id ||
		    (max_id != 0 && nt->id >= max_id))
			continue;
		if (json_is_array(types) && json_array_size(types) > 0 &&
		    !type_listed(types, nt->type))
			continue;
		if (json_is_array(exclude) && type_listed(exclude, nt->type))
			continue;
		page[n++] = (size_t)(nt - peer.notifications);
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, notification_json(
		    &peer.notifications[page[by_min ? n - 1 - i : i]]));
	if (n > 0)
		link = notifications_link(s->query,
		    peer.notifications[page[by_min ? 0 : n - 1]].id,
		    peer.notifications[page[by_min ? n - 1 : 0]].id);
	free(page);
	rc = respond(wsi, s, 200, arr, me, link, NULL);
	free(link);
	return rc;
}

/* One part of a multipart/form-data body (data points into the body). */
struct form_part {
	char		*name;
	char		*filename;	/* NULL: a plain field */
	char		*ctype;
	const char	*data;
	size_t		 len;
};

static void
form_parts_free(struct form_part *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].filename);
		free(p[i].ctype);
	}
}

/* A quoted (or bare) parameter's value in a header, malloc'd, or NULL. */
static char *
header_param(const char *h, size_t hlen, const char *name)
{
	size_t		 n = strlen(name), i;
	const char	*p, *e;

	for (i = 0; i + n + 1 <= hlen; i++) {
		if (strncasecmp(h + i, name, n) != 0 || h[i + n] != '=' ||
		    (i > 0 && h[i - 1] != ' ' && h[i - 1] != ';'))
			continue;
		p = h + i + n + 1;
		if (p < h + hlen && *p == '"') {
			p++;
			for (e = p; e < h + hlen && *e != '"'; e++)
				;
			if (e == h + hlen)
				return NULL;
		} else
			for (e = p; e < h + hlen && *e != ';' && *e != ' ' &&
			    *e != '\r'; e++)
				;
		return xasprintf("%.*s", (int)(e - p), p);
	}
	return NULL;
}

/*
 * RFC 7578: parts between "--boundary" lines, each headers, a blank
 * line and its bytes, the last boundary followed by "--".  Returns the
 * number of parts, or -1 when the body is not that.
 */
static long
multipart_parse(const char *ctype, const char *body, size_t blen,
    struct form_part *parts, size_t max)
{
	char		*boundary, *delim;
	const char	*p, *end = body + blen, *hend, *next, *line, *le;
	size_t		 dlen, n = 0;

	if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) != 0 ||
	    (boundary = header_param(ctype, strlen(ctype), "boundary")) == NULL)
		return -1;
	if (*boundary == '\0' || strlen(boundary) > 70) {
		free(boundary);
		return -1;
	}
	delim = xasprintf("\r\n--%s", boundary);
	free(boundary);
	dlen = strlen(delim);
	/* the first delimiter may open the body, without its line break */
	if (blen >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, blen, delim, dlen)) != NULL)
		p += dlen;
	else
		goto bad;
	for (;;) {
		if (end - p >= 2 && memcmp(p, "--", 2) == 0)
			break;			/* the close delimiter */
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0 || n == max)
			goto bad;
		p += 2;
		if ((hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) ==
		    NULL)
			goto bad;
		memset(&parts[n], 0, sizeof(parts[n]));
		for (line = p; line < hend; line = le + 2) {
			if ((le = memmem(line, (size_t)(hend + 2 - line),
			    "\r\n", 2)) == NULL)
				le = hend;
			if ((size_t)(le - line) > 20 && strncasecmp(line,
			    "Content-Disposition:", 20) == 0) {
				parts[n].name = header_param(line,
				    (size_t)(le - line), "name");
				parts[n].filename = header_param(line,
				    (size_t)(le - line), "filename");
			} else if ((size_t)(le - line) > 13 &&
			    strncasecmp(line, "Content-Type:", 13) == 0)
				parts[n].ctype = xasprintf("%.*s",
				    (int)(le - line - 13), line + 13);
		}
		p = hend + 4;
		if ((next = memmem(p, (size_t)(end - p), delim, dlen)) == NULL ||
		    parts[n].name == NULL) {
			n++;
			goto bad;
		}
		parts[n].data = p;
		parts[n].len = (size_t)(next - p);
		n++;
		p = next + dlen;
	}
	free(delim);
	return (long)n;
bad:
	free(delim);
	form_parts_free(parts, n);
	return -1;
}

/* A picture's type by its bytes, as Mastodon's checks find it, or NULL. */
static const char *
sniff_mime(const unsigned char *p, size_t n)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

/*
 * POST /api/v2/media: 200 with the url when it is processed at once (a
 * small picture), else 202 with url null, processed a moment later.
 */
static int
api_post_media(struct lws *wsi, struct session *s, struct account *me)
{
	struct form_part	 parts[FORM_PARTS_MAX];
	const struct form_part	*file = NULL, *desc = NULL;
	struct media		*m;
	const char		*mime;
	char			 msg[160];
	long			 n, i;
	int			 rc;

	s->media_rl = 1;
	if ((n = multipart_parse(s->ctype, s->body, s->blen, parts,
	    FORM_PARTS_MAX)) == -1)
		return respond_error(wsi, s, 400, "Error occurred while "
		    "parsing request parameters", me);
	for (i = 0; i < n; i++) {
		if (strcmp(parts[i].name, "file") == 0 &&
		    parts[i].filename != NULL)
			file = &parts[i];
		else if (strcmp(parts[i].name, "description") == 0)
			desc = &parts[i];
	}
	if (file == NULL || file->len == 0) {
		rc = respond_error(wsi, s, 422, "Validation failed: File "
		    "can't be blank", me);
		goto out;
	}
	if ((long)file->len > peer.opt.image_size_limit) {
		snprintf(msg, sizeof(msg), "Validation failed: File file "
		    "size must be less than %ld Bytes",
		    peer.opt.image_size_limit);
		rc = respond_error(wsi, s, 422, msg, me);
		goto out;
	}
	if ((mime = sniff_mime((const unsigned char *)file->data,
	    file->len)) == NULL) {
		rc = respond_error(wsi, s, 422, "Validation failed: File "
		    "content type is invalid, File is invalid", me);
		goto out;
	}
	if (desc != NULL && (memchr(desc->data, '\0', desc->len) != NULL ||
	    utf8_chars(desc->data, desc->len) > DESCRIPTION_LIMIT)) {
		rc = respond_error(wsi, s, 422, "Validation failed: "
		    "Description is too long (maximum is 1500 characters)", me);
		goto out;
	}
	peer.media = xreallocarray(peer.media, peer.nmedia + 1,
	    sizeof(*peer.media));
	m = &peer.media[peer.nmedia++];
	memset(m, 0, sizeof(*m));
	m->id = peer.next_media++;
	m->account = account_index(me);
	m->description = desc != NULL && desc->len > 0 ? xasprintf("%.*s",
	    (int)desc->len, desc->data) : NULL;
	m->filename = xstrdup(file->filename);
	m->mime = mime;
	m->size = file->len;
	m->ready_at = (long)file->len > peer.opt.media_async_over ?
	    now_usec() + MEDIA_PROCESSING_US : 0;
	peer.stats.media_created++;
	rc = respond(wsi, s, media_ready(m) ? 200 : 202, media_json(m), me,
	    NULL, NULL);
out:
	form_parts_free(parts, n > 0 ? (size_t)n : 0);
	return rc;
}

/* GET /api/v1/media/:id: 206 while processing, 200 once done. */
static int
api_get_media(struct lws *wsi, struct session *s, struct account *me)
{
	struct media	*m = media_by_id(parse_id(s->path + 14));

	if (m == NULL || m->account != account_index(me))
		return respond_error(wsi, s, 404, "Record not found", me);
	return respond(wsi, s, media_ready(m) ? 200 : 206, media_json(m), me,
	    NULL, NULL);
}

/*
 * media_ids[] of a new status, checked in PostStatusService's order:
 * too many, not found (someone else's, or attached already), not
 * processed.  0 with *out (peer.media indexes), or -1 after answering.
 */
static int
status_media(struct lws *wsi, struct session *s, struct account *me,
    const json_t *ids, size_t **out, size_t *nout, int *rc)
{
	struct media	*m;
	struct buf	 missing = { NULL, 0, 0 };
	const json_t	*v;
	char		*id, *msg;
	size_t		 i;
	int		 pending = 0;

	*out = NULL;
	*nout = 0;
	if (json_array_size(ids) > MEDIA_ATTACHMENTS_MAX) {
		*rc = respond_error(wsi, s, 422, "Cannot attach more than 4 "
		    "files", me);
		return -1;
	}
	*out = xcalloc(json_array_size(ids), sizeof(**out));
	json_array_foreach(ids, i, v) {
		id = json_is_string(v) ? xstrdup(json_string_value(v)) :
		    json_is_integer(v) ? xasprintf("%" JSON_INTEGER_FORMAT,
		    json_integer_value(v)) : NULL;
		m = id != NULL ? media_by_id(parse_id(id)) : NULL;
		if (m == NULL || m->account != account_index(me) ||
		    m->status != 0) {
			buf_fmt(&missing, "%s%s", missing.len > 0 ? ", " : "",
			    id != NULL ? id : "?");
		} else {
			pending |= !media_ready(m);
			(*out)[(*nout)++] = (size_t)(m - peer.media);
		}
		free(id);
	}
	if (missing.len > 0) {
		msg = xasprintf("Media %s not found or already attached to "
		    "another post", missing.p);
		*rc = respond_error(wsi, s, 422, msg, me);
		free(msg);
	} else if (pending)
		*rc = respond_error(wsi, s, 422, "Cannot attach files that "
		    "have not finished processing. Try again in a moment!", me);
	free(missing.p);
	if (missing.len > 0 || pending) {
		free(*out);
		*out = NULL;
		*nout = 0;
		return -1;
	}
	return 0;
}

static const char *const visibilities[] = {
	"public", "unlisted", "private", "direct",
};

static int
visibility_ok(const char *v)
{
	size_t	i;

	for (i = 0; i < sizeof(visibilities) / sizeof(visibilities[0]); i++)
		if (strcmp(v, visibilities[i]) == 0)
			return 1;
	return 0;
}

/* The request's parameters: the query, overlaid by a form or JSON body. */
static json_t *
request_params(struct session *s, int *bad)
{
	json_t		*params = json_deep_copy(s->query), *body;
	json_error_t	 jerr;

	*bad = 0;
	if (s->blen == 0)
		return params;
	if (s->json_body) {
		body = json_loadb(s->body, s->blen, 0, &jerr);
		if (!json_is_object(body)) {
			json_decref(body);
			*bad = 1;
			return params;
		}
		json_object_update(params, body);
		json_decref(body);
	} else
		params_parse_form(params, s->body, s->blen);
	return params;
}

static const struct status *
idem_find(const struct account *a, const char *key)
{
	size_t	i;

	for (i = 0; i < a->nidem; i++)
		if (strcmp(a->idem[i].key, key) == 0)
			return &peer.statuses[a->idem[i].status];
	return NULL;
}

/*
 * POST /api/v1/statuses, checks in the server's order: the thread
 * replied to (404), then the Idempotency-Key (the original status,
 * nothing new), then validation (422).
 */
static int
api_post_status(struct lws *wsi, struct session *s, struct account *me)
{
	json_t			*params, *ids;
	const struct status	*prev;
	struct status		*st, *parent = NULL;
	char			*text, *reply, *vis, *lang, msg[128];
	uint64_t		 reply_id = 0;
	size_t			 i, bot = account_index(me), *media = NULL;
	size_t			 nmedia = 0;
	int			 bad, rc;

	params = request_params(s, &bad);
	if (bad) {
		json_decref(params);
		return respond_error(wsi, s, 400, "Error occurred while parsing "
		    "request parameters", me);
	}
	text = param_str(params, "status");
	reply = param_str(params, "in_reply_to_id");
	vis = param_str(params, "visibility");
	lang = param_str(params, "language");
	ids = json_incref(json_object_get(params, "media_ids"));
	json_decref(params);

	if (reply != NULL && *reply != '\0' &&
	    ((reply_id = parse_id(reply)) == 0 ||
	    (parent = status_by_id(reply_id)) == NULL)) {
		rc = respond_error(wsi, s, 404, "The post you are trying to "
		    "reply to does not appear to exist.", me);
		goto out;
	}
	if (s->idempotency_key != NULL &&
	    (prev = idem_find(me, s->idempotency_key)) != NULL) {
		rc = respond(wsi, s, 200, status_json(prev), me, NULL, NULL);
		goto out;
	}
	if (ids != NULL && !json_is_array(ids)) {
		rc = respond_error(wsi, s, 400, "Error occurred while parsing "
		    "request parameters", me);
		goto out;
	}
	if (json_array_size(ids) > 0 && status_media(wsi, s, me, ids, &media,
	    &nmedia, &rc) == -1)
		goto out;
	/* a status of pictures alone may have no text */
	if (nmedia == 0 && (text == NULL || is_blank(text))) {
		rc = respond_error(wsi, s, 422,
		    "Validation failed: Text can't be blank", me);
		goto out;
	}
	if (text == NULL)
		text = xstrdup("");
	if ((long)text_length(text) > peer.opt.max_chars) {
		snprintf(msg, sizeof(msg), "Validation failed: Text character "
		    "limit of %ld exceeded", peer.opt.max_chars);
		rc = respond_error(wsi, s, 422, msg, me);
		goto out;
	}
	if (vis != NULL && *vis != '\0' && !visibility_ok(vis)) {
		rc = respond_error(wsi, s, 422,
		    "Validation failed: Visibility is not included in the list",
		    me);
		goto out;
	}

	st = status_add(bot, vis != NULL && *vis != '\0' ? vis : "public",
	    lang != NULL && *lang != '\0' ? lang : NULL);
	st->text = xstrdup(text);
	st->content = format_content(text, st);
	st->media = media;
	st->nmedia = nmedia;
	media = NULL;
	for (i = 0; i < st->nmedia; i++)
		peer.media[st->media[i]].status = st->id;
	/* status_add may have moved the statuses: find the parent again */
	if (parent != NULL && (parent = status_by_id(reply_id)) != NULL) {
		parent->replies++;
		st->in_reply_to = parent->id;
		st->in_reply_to_account = peer.accounts[parent->account].id;
	}
	if (s->idempotency_key != NULL) {
		st->idempotency_key = xstrdup(s->idempotency_key);
		me = &peer.accounts[bot];
		me->idem = xreallocarray(me->idem, me->nidem + 1,
		    sizeof(*me->idem));
		me->idem[me->nidem].key = xstrdup(s->idempotency_key);
		me->idem[me->nidem++].status = (size_t)(st - peer.statuses);
	}
	peer.stats.statuses_created++;
	/* the people mentioned are notified (a direct message is that) */
	for (i = 0; i < st->nmentions; i++)
		if (st->mentions[i] != bot)
			notification_add("mention", st->mentions[i], bot, st);
	rc = respond(wsi, s, 200, status_json(st), &peer.accounts[bot], NULL,
	    NULL);
out:
	free(text);
	free(reply);
	free(vis);
	free(lang);
	free(media);
	json_decref(ids);
	return rc;
}

/*
 * GET /api/v1/streaming/health: the streaming server's own "OK" in plain
 * text, or 503 while streaming is switched off.
 */
static int
api_streaming_health(struct lws *wsi, struct session *s, struct account *me)
{
	unsigned char	 hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
	unsigned char	*end = hdr + sizeof(hdr) - 1;

	(void)me;
	if (!peer.streaming_up)
		return respond_error(wsi, s, 503, "Service Unavailable", NULL);
	free(s->out);
	s->out = xstrdup("OK");
	s->outlen = 2;
	s->outoff = 0;
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain", 2,
	    &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static const struct route {
	const char	*path;
	enum method	 method;
	enum auth	 auth;
	int		(*fn)(struct lws *, struct session *, struct account *);
} routes[] = {
	{ "/api/v2/instance", M_GET, AUTH_NONE, api_instance },
	{ "/api/v1/streaming/health", M_GET, AUTH_NONE, api_streaming_health },
	{ "/api/v1/accounts/verify_credentials", M_GET, AUTH_REQUIRED,
	    api_verify_credentials },
	{ "/api/v1/accounts/lookup", M_GET, AUTH_OPTIONAL, api_lookup },
	{ "/api/v1/notifications", M_GET, AUTH_REQUIRED, api_notifications },
	{ "/api/v1/statuses", M_POST, AUTH_REQUIRED, api_post_status },
	{ "/api/v2/media", M_POST, AUTH_REQUIRED, api_post_media },
	/* a trailing slash: the path's prefix, an id follows */
	{ "/api/v1/media/", M_GET, AUTH_REQUIRED, api_get_media },
};

/* A route's path matches: the same, or its prefix and then an id. */
static int
route_match(const char *route, const char *path)
{
	size_t	n = strlen(route);

	if (route[n - 1] == '/')
		return strncmp(route, path, n) == 0 && path[n] != '\0' &&
		    strchr(path + n, '/') == NULL;
	return strcmp(route, path) == 0;
}

static int
api(struct lws *wsi, struct session *s)
{
	const struct route	*r = NULL;
	struct failure		*f;
	struct account		*me = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (route_match(routes[i].path, s->path))
			r = &routes[i];
	if (r != NULL && r->method == s->method) {
		if (r->fn == api_post_status)
			peer.stats.status_posts++;
		else if (r->fn == api_post_media)
			peer.stats.media_requests++;
		else if (r->fn == api_get_media)
			peer.stats.media_polls++;
		else if (r->fn == api_notifications)
			peer.stats.notification_requests++;
	}
	if ((f = failure_take(s->path)) != NULL)
		return respond_error(wsi, s, (unsigned)f->status, f->error,
		    NULL);
	if (r == NULL)
		return respond_error(wsi, s, 404, "Record not found", NULL);
	if (r->method != s->method)
		return respond(wsi, s, 405, json_error("Method Not Allowed"),
		    NULL, NULL, r->method == M_GET ? "GET" : "POST");
	if (r->auth != AUTH_NONE) {
		me = bot_by_token(s->token);
		if (me == NULL && (s->token != NULL || r->auth == AUTH_REQUIRED))
			return respond_error(wsi, s, 401,
			    "The access token is invalid", NULL);
		if (me != NULL && !rate_take(me)) {
			peer.stats.rate_limited++;
			return respond_error(wsi, s, 429, "Too many requests",
			    me);
		}
		/* uploads: rack-attack's throttle of their own too */
		if (me != NULL && r->fn == api_post_media && !media_take(me)) {
			peer.stats.rate_limited++;
			s->media_rl = 1;
			return respond_error(wsi, s, 429, "Too many requests",
			    me);
		}
	}
	return r->fn(wsi, s, me);
}

/* ---- the control API ---- */

static void
kill_streams(void)
{
	struct session	*s;

	while ((s = peer.conns) != NULL) {
		peer.conns = s->next;
		s->listed = 0;
		peer.stats.stream_connections--;
		frames_free(s);
		/* no close frame, no TLS close_notify: the line goes dead */
		shutdown(lws_get_socket_fd(s->wsi), SHUT_RDWR);
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
}

static int
ctl_mention(struct lws *wsi, struct session *s, json_t *req)
{
	struct account	*to, *from;
	struct status	*st, *parent = NULL;
	struct notification *n;
	const json_t	*mentions, *v, *bot;
	char		*vis, *lang, *reply, *nid, *sid;
	const char	*content, *name;
	uint64_t	 reply_id = 0;
	size_t		 i, ti, m;
	json_t		*ans;

	if (!json_is_string(json_object_get(req, "to")) ||
	    !json_is_string(json_object_get(req, "from")))
		return respond_error(wsi, s, 400, "to and from are required",
		    NULL);
	if ((to = bot_by_handle(json_string_value(json_object_get(req,
	    "to")))) == NULL)
		return respond_error(wsi, s, 404, "no such bot", NULL);
	vis = param_str(req, "visibility");
	if (vis != NULL && !visibility_ok(vis)) {
		free(vis);
		return respond_error(wsi, s, 400, "bad visibility", NULL);
	}
	reply = param_str(req, "in_reply_to_id");
	if (reply != NULL && ((reply_id = parse_id(reply)) == 0 ||
	    (parent = status_by_id(reply_id)) == NULL)) {
		free(vis);
		free(reply);
		return respond_error(wsi, s, 404, "no such in_reply_to_id",
		    NULL);
	}
	free(reply);
	mentions = json_object_get(req, "mentions");
	if (mentions != NULL && !json_is_array(mentions)) {
		free(vis);
		return respond_error(wsi, s, 400, "mentions must be an array",
		    NULL);
	}
	/*
	 * Accounts and statuses move when they grow: keep indexes and ids,
	 * and take pointers again after each addition.
	 */
	ti = account_index(to);
	from = account_get(json_string_value(json_object_get(req, "from")));
	to = &peer.accounts[ti];
	if (json_is_boolean(bot = json_object_get(req, "bot")) &&
	    from != to)
		from->bot = json_is_true(bot);
	if ((name = json_string_value(json_object_get(req,
	    "display_name"))) != NULL) {
		free(from->display_name);
		from->display_name = xstrdup(name);
	}
	lang = param_str(req, "language");
	st = status_add(account_index(from), vis != NULL ? vis : "public",
	    lang);
	free(vis);
	free(lang);
	if ((content = json_string_value(json_object_get(req, "content"))) !=
	    NULL)
		st->content = xstrdup(content);
	else
		st->content = xasprintf("<p><span class=\"h-card\" "
		    "translate=\"no\"><a href=\"https://%s/@%s\" "
		    "class=\"u-url mention\">@<span>%s</span></a></span></p>",
		    to->host, to->username, to->username);
	if (parent != NULL && (parent = status_by_id(reply_id)) != NULL) {
		parent->replies++;
		st->in_reply_to = parent->id;
		st->in_reply_to_account = peer.accounts[parent->account].id;
	}
	if (mentions == NULL)
		status_mention(st, ti);
	else
		json_array_foreach(mentions, i, v)
			if (json_is_string(v)) {
				m = account_index(account_get(
				    json_string_value(v)));
				status_mention(st, m);
			}
	n = notification_add("mention", ti, st->account, st);
	nid = id_str(n->id);
	sid = id_str(st->id);
	/* other bots mentioned are notified too, as on a real instance */
	for (i = 0; i < st->nmentions; i++)
		if (st->mentions[i] < peer.nbots &&
		    st->mentions[i] != ti &&
		    st->mentions[i] != st->account)
			notification_add("mention", st->mentions[i],
			    st->account, st);
	ans = json_pack("{s:s, s:s}", "notification_id", nid, "status_id", sid);
	free(nid);
	free(sid);
	return respond(wsi, s, 200, ans, NULL, NULL, NULL);
}

static int
ctl_follow(struct lws *wsi, struct session *s, json_t *req)
{
	struct account		*to, *from;
	struct notification	*n;
	size_t			 ti;
	char			*nid;
	json_t			*ans;

	if (!json_is_string(json_object_get(req, "to")) ||
	    !json_is_string(json_object_get(req, "from")))
		return respond_error(wsi, s, 400, "to and from are required",
		    NULL);
	if ((to = bot_by_handle(json_string_value(json_object_get(req,
	    "to")))) == NULL)
		return respond_error(wsi, s, 404, "no such bot", NULL);
	ti = account_index(to);
	from = account_get(json_string_value(json_object_get(req, "from")));
	peer.accounts[ti].followers++;
	n = notification_add("follow", ti, account_index(from), NULL);
	nid = id_str(n->id);
	ans = json_pack("{s:s}", "notification_id", nid);
	free(nid);
	return respond(wsi, s, 200, ans, NULL, NULL, NULL);
}

static int
ctl_streaming(struct lws *wsi, struct session *s, json_t *req)
{
	const json_t	*up = json_object_get(req, "up");
	long		 open = peer.stats.stream_connections;

	if (json_is_boolean(up)) {
		peer.streaming_up = json_is_true(up);
		if (!peer.streaming_up)
			kill_streams();
	}
	if (json_is_true(json_object_get(req, "drop")))
		kill_streams();
	return respond(wsi, s, 200, json_pack("{s:b, s:I}", "up",
	    peer.streaming_up, "dropped", (json_int_t)(open -
	    peer.stats.stream_connections)), NULL, NULL, NULL);
}

static int
ctl_freeze(struct lws *wsi, struct session *s, json_t *req)
{
	struct session	*c;

	peer.frozen = json_is_true(json_object_get(req, "frozen"));
	for (c = peer.conns; c != NULL; c = c->next) {
		if (c->frozen == peer.frozen)
			continue;
		c->frozen = peer.frozen;
		lws_rx_flow_control(c->wsi, !c->frozen);
		if (!c->frozen && c->fhead != NULL)
			lws_callback_on_writable(c->wsi);
	}
	return respond(wsi, s, 200, json_pack("{s:b}", "frozen", peer.frozen),
	    NULL, NULL, NULL);
}

static int
ctl_rate(struct lws *wsi, struct session *s, json_t *req)
{
	struct account	*a;
	const json_t	*v;
	char		 reset[40];
	double		 in;

	if (!json_is_string(v = json_object_get(req, "token")) ||
	    (a = bot_by_token(json_string_value(v))) == NULL)
		return respond_error(wsi, s, 404, "no such token", NULL);
	if (json_is_true(json_object_get(req, "media"))) {
		/* the upload budget instead */
		v = json_object_get(req, "remaining");
		a->media_remaining = json_is_integer(v) ?
		    (long)json_integer_value(v) : 0;
		v = json_object_get(req, "reset_in");
		in = json_is_number(v) ? json_number_value(v) :
		    (double)peer.opt.media_window;
		a->media_window_end = now_usec() + (int64_t)(in * 1e6);
		iso_time(reset, sizeof(reset), a->media_window_end, 6);
		return respond(wsi, s, 200, json_pack("{s:I, s:s}",
		    "remaining", (json_int_t)a->media_remaining, "reset",
		    reset), NULL, NULL, NULL);
	}
	v = json_object_get(req, "remaining");
	a->remaining = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	v = json_object_get(req, "reset_in");
	in = json_is_number(v) ? json_number_value(v) :
	    (double)peer.opt.rate_window;
	a->window_end = now_usec() + (int64_t)(in * 1e6);
	window_reset(a, reset, sizeof(reset));
	return respond(wsi, s, 200, json_pack("{s:I, s:s}", "remaining",
	    (json_int_t)a->remaining, "reset", reset), NULL, NULL, NULL);
}

static int
ctl_fail(struct lws *wsi, struct session *s, json_t *req)
{
	struct failure	*f = NULL;
	const json_t	*v;
	const char	*path;
	size_t		 i;
	int		 status = 503;

	if ((path = json_string_value(json_object_get(req, "path"))) == NULL)
		return respond_error(wsi, s, 400, "path is required", NULL);
	if (json_is_integer(v = json_object_get(req, "status")))
		status = (int)json_integer_value(v);
	if (status < 400 || status > 599)
		return respond_error(wsi, s, 400, "status must be 4xx or 5xx",
		    NULL);
	for (i = 0; i < peer.nfailures; i++)
		if (strcmp(peer.failures[i].path, path) == 0)
			f = &peer.failures[i];
	if (f == NULL) {
		peer.failures = xreallocarray(peer.failures,
		    peer.nfailures + 1, sizeof(*peer.failures));
		f = &peer.failures[peer.nfailures++];
		f->path = xstrdup(path);
		f->error = NULL;
	}
	free(f->error);
	f->status = status;
	f->error = xstrdup(json_is_string(v = json_object_get(req, "error")) ?
	    json_string_value(v) : reason_phrase(status));
	v = json_object_get(req, "count");
	f->count = json_is_integer(v) ? (long)json_integer_value(v) : 1;
	return respond(wsi, s, 200, json_pack("{s:s, s:i, s:I}", "path", path,
	    "status", status, "count", (json_int_t)f->count), NULL, NULL, NULL);
}

static int
ctl_statuses(struct lws *wsi, struct session *s)
{
	json_t			*arr = json_array(), *o, *m;
	const struct status	*st;
	size_t			 i, j;
	char			*id;

	for (i = 0; i < peer.nstatuses; i++) {
		st = &peer.statuses[i];
		if (st->text == NULL)
			continue;
		id = id_str(st->id);
		m = json_array();
		for (j = 0; j < st->nmentions; j++)
			json_array_append_new(m, json_string(
			    peer.accounts[st->mentions[j]].acct));
		o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
		    "id", id, "account", peer.accounts[st->account].acct,
		    "text", st->text, "visibility", st->visibility,
		    "in_reply_to_id", json_id_or_null(st->in_reply_to),
		    "language", json_str_or_null(st->language),
		    "idempotency_key", json_str_or_null(st->idempotency_key),
		    "mentions", m);
		m = json_array();
		for (j = 0; j < st->nmedia; j++) {
			const struct media *md = &peer.media[st->media[j]];
			char *mid = id_str(md->id);

			json_array_append_new(m, json_pack("{s:s, s:s, s:o, "
			    "s:s, s:s, s:I}", "id", mid, "type", "image",
			    "description", json_str_or_null(md->description),
			    "filename", md->filename, "mime", md->mime, "size",
			    (json_int_t)md->size));
			free(mid);
		}
		json_object_set_new(o, "media_attachments", m);
		/* when it was made, to the millisecond (the pacer's bench) */
		json_object_set_new(o, "created_at",
		    json_string(st->created_at));
		json_array_append_new(arr, o);
		free(id);
	}
	return respond(wsi, s, 200, arr, NULL, NULL, NULL);
}

static int
ctl_stats(struct lws *wsi, struct session *s)
{
	json_t	*o;

	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "stream_connections", (json_int_t)peer.stats.stream_connections,
	    "stream_connects_total",
	    (json_int_t)peer.stats.stream_connects_total,
	    "stream_refused", (json_int_t)peer.stats.stream_refused,
	    "status_posts", (json_int_t)peer.stats.status_posts,
	    "statuses_created", (json_int_t)peer.stats.statuses_created,
	    "rate_limited", (json_int_t)peer.stats.rate_limited,
	    "notification_requests",
	    (json_int_t)peer.stats.notification_requests,
	    "pings_sent", (json_int_t)peer.stats.pings_sent,
	    "pongs_received", (json_int_t)peer.stats.pongs_received);
	json_object_set_new(o, "media_requests",
	    json_integer(peer.stats.media_requests));
	json_object_set_new(o, "media_created",
	    json_integer(peer.stats.media_created));
	json_object_set_new(o, "media_polls",
	    json_integer(peer.stats.media_polls));
	return respond(wsi, s, 200, o, NULL, NULL, NULL);
}

/*
 * Remove the media not attached to a status, as Mastodon's cleanup does
 * after a day: their ids are then unknown (404, 422 on posting).
 */
static int
ctl_media_expire(struct lws *wsi, struct session *s, json_t *req)
{
	size_t	i, n = 0;

	(void)req;
	for (i = 0; i < peer.nmedia; i++)
		if (peer.media[i].status == 0 &&
		    peer.media[i].account != SIZE_MAX) {
			peer.media[i].account = SIZE_MAX;	/* nobody's */
			n++;
		}
	return respond(wsi, s, 200, json_pack("{s:I}", "expired",
	    (json_int_t)n), NULL, NULL, NULL);
}

static const struct control {
	const char	*path;
	enum method	 method;
	int		(*post)(struct lws *, struct session *, json_t *);
	int		(*get)(struct lws *, struct session *);
} controls[] = {
	{ "/_peer/mention", M_POST, ctl_mention, NULL },
	{ "/_peer/follow", M_POST, ctl_follow, NULL },
	{ "/_peer/streaming", M_POST, ctl_streaming, NULL },
	{ "/_peer/freeze", M_POST, ctl_freeze, NULL },
	{ "/_peer/rate", M_POST, ctl_rate, NULL },
	{ "/_peer/fail", M_POST, ctl_fail, NULL },
	{ "/_peer/statuses", M_GET, NULL, ctl_statuses },
	{ "/_peer/stats", M_GET, NULL, ctl_stats },
	{ "/_peer/media-expire", M_POST, ctl_media_expire, NULL },
};

static int
control(struct lws *wsi, struct session *s)
{
	const struct control	*c = NULL;
	json_t			*req;
	json_error_t		 jerr;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
		if (strcmp(controls[i].path, s->path) == 0)
			c = &controls[i];
	if (c == NULL)
		return respond_error(wsi, s, 404, "Record not found", NULL);
	if (c->method != s->method)
		return respond(wsi, s, 405, json_error("Method Not Allowed"),
		    NULL, NULL, c->method == M_GET ? "GET" : "POST");
	if (c->get != NULL)
		return c->get(wsi, s);
	req = s->blen > 0 ? json_loadb(s->body, s->blen, 0, &jerr) :
	    json_object();
	if (!json_is_object(req)) {
		json_decref(req);
		return respond_error(wsi, s, 400, "the body must be a JSON "
		    "object", NULL);
	}
	rc = c->post(wsi, s, req);
	json_decref(req);
	return rc;
}

/* ---- HTTP requests ---- */

static char *
header(struct lws *wsi, enum lws_token_indexes h)
{
	int	 len = lws_hdr_total_length(wsi, h);
	char	*v;

	if (len <= 0)
		return NULL;
	v = xcalloc(1, (size_t)len + 1);
	if (lws_hdr_copy(wsi, v, len + 1, h) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

static char *
custom_header(struct lws *wsi, const char *name)
{
	int	 len = lws_hdr_custom_length(wsi, name, (int)strlen(name));
	char	*v;

	if (len <= 0)
		return NULL;
	v = xcalloc(1, (size_t)len + 1);
	if (lws_hdr_custom_copy(wsi, v, len + 1, name, (int)strlen(name)) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * The bearer token: the Authorization header, else the access_token
 * argument (Doorkeeper takes both; the streaming server too).
 */
static char *
request_token(struct lws *wsi)
{
	char		*auth = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION), *tok;
	char		 arg[512];
	const char	*v;

	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) == 0) {
			tok = xstrdup(auth + 7);
			free(auth);
			return tok;
		}
		free(auth);
	}
	/* the value, within arg, after the name */
	if ((v = lws_get_urlarg_by_name(wsi, "access_token=", arg,
	    (int)sizeof(arg))) != NULL)
		return xstrdup(v);
	return NULL;
}

static enum method
request_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
		return M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return M_POST;
	return M_OTHER;
}

static int
dispatch(struct lws *wsi, struct session *s)
{
	if (strncmp(s->path, "/_peer/", 7) == 0)
		return control(wsi, s);
	return api(wsi, s);
}

/*
 * A request's headers are in.  What the handlers need from them is
 * copied now; a request with a body is answered once it is all read.
 */
static int
http_request(struct lws *wsi, struct session *s, const char *uri)
{
	char		*v;
	long long	 clen = 0;

	session_clear_http(s);
	s->method = request_method(wsi);
	snprintf(s->path, sizeof(s->path), "%s", uri);
	s->token = request_token(wsi);
	s->idempotency_key = custom_header(wsi, "idempotency-key:");
	if ((v = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE)) != NULL) {
		s->json_body = strncasecmp(v, "application/json", 16) == 0;
		s->ctype = v;
	}
	s->media_body = strcmp(s->path, "/api/v2/media") == 0;
	s->query = query_args(wsi);
	if ((v = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH)) != NULL) {
		clen = strtoll(v, NULL, 10);
		free(v);
	}
	if (clen > (s->media_body ? MEDIA_MAX_BODY : PEER_MAX_BODY)) {
		s->close_after = 1;
		return respond_error(wsi, s, 413, "Payload Too Large", NULL);
	}
	/*
	 * lws 4.1 does not decode a chunked request body for a server; say
	 * so rather than read the chunks as the next request.
	 */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		s->close_after = 1;
		return respond_error(wsi, s, 411, "Length Required", NULL);
	}
	if (s->method != M_GET && s->method != M_POST) {
		/* a body we will not read: answer and close */
		s->close_after = 1;
		return respond(wsi, s, 405, json_error("Method Not Allowed"),
		    NULL, NULL, "GET, POST");
	}
	if (s->method == M_POST && clen > 0)
		return 0;	/* the body comes next */
	return dispatch(wsi, s);
}

static int
http_body(struct session *s, const void *in, size_t len)
{
	if (s->overflow || s->blen + len > (s->media_body ? MEDIA_MAX_BODY :
	    PEER_MAX_BODY)) {
		s->overflow = 1;
		return 0;
	}
	s->body = xreallocarray(s->body, s->blen + len + 1, 1);
	memcpy(s->body + s->blen, in, len);
	s->blen += len;
	s->body[s->blen] = '\0';
	return 0;
}

/* ---- the streaming API ---- */

/*
 * Refuse an upgrade with a plain HTTP answer, before any WebSocket
 * handshake, as the streaming server does; lws then closes the
 * connection.  The answer is written raw: at this point lws's own status
 * line would say HTTP/1.0.
 */
static int
ws_refuse(struct lws *wsi, unsigned status, const char *why)
{
	unsigned char	 buf[LWS_PRE + 1024];
	int		 n;

	peer.stats.stream_refused++;
	n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
	    "HTTP/1.1 %u %s\r\nConnection: close\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 0\r\n"
	    "X-Request-Id: %lx-%lu\r\n%s%s%s\r\n", status,
	    reason_phrase((int)status),
	    (unsigned long)getpid(), ++peer.request_ids,
	    why != NULL ? "X-Error-Message: " : "", why != NULL ? why : "",
	    why != NULL ? "\r\n" : "");
	/* a client that left early is no concern: refused either way */
	if (n > 0 && (size_t)n < sizeof(buf) - LWS_PRE)
		(void)lws_write(wsi, buf + LWS_PRE, (size_t)n,
		    LWS_WRITE_HTTP_HEADERS);
	return -1;
}

/* LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: may this upgrade go on? */
static int
ws_filter(struct lws *wsi, struct session *s)
{
	struct account	*a;
	struct failure	*f;
	char		 path[256], arg[128], *token;
	const char	*v;

	session_clear_http(s);
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) < 0)
		path[0] = '\0';
	if ((f = failure_take(path)) != NULL)
		return ws_refuse(wsi, (unsigned)f->status, NULL);
	if (strcmp(path, "/api/v1/streaming") != 0 &&
	    strcmp(path, "/api/v1/streaming/") != 0)
		return ws_refuse(wsi, 404, NULL);
	if (!peer.streaming_up)
		return ws_refuse(wsi, 503, NULL);
	if ((token = request_token(wsi)) == NULL)
		return ws_refuse(wsi, 401, "Missing access token");
	a = bot_by_token(token);
	free(token);
	if (a == NULL)
		return ws_refuse(wsi, 401, "Invalid access token");
	s->account = account_index(a);
	s->first_stream[0] = '\0';
	if ((v = lws_get_urlarg_by_name(wsi, "stream=", arg,
	    (int)sizeof(arg))) != NULL)
		snprintf(s->first_stream, sizeof(s->first_stream), "%s", v);
	return 0;
}

/* Streams a client may name that the peer accepts and never feeds. */
static const char *const quiet_streams[] = {
	"public", "public:media", "public:local", "public:local:media",
	"public:remote", "public:remote:media", "direct", "hashtag",
	"hashtag:local", "list",
};

static void
ws_subscribe(struct session *s, const char *stream, int on)
{
	size_t	i;

	if (strcmp(stream, "user") == 0)
		s->sub_user = on;
	else if (strcmp(stream, "user:notification") == 0)
		s->sub_notification = on;
	else {
		for (i = 0; i < sizeof(quiet_streams) /
		    sizeof(quiet_streams[0]); i++)
			if (strcmp(stream, quiet_streams[i]) == 0)
				return;
		frame_queue(s, "{\"error\":\"Unknown stream type\","
		    "\"status\":400}");
	}
}

/* A whole text message from the client; unparsable ones are ignored. */
static void
ws_message(struct session *s)
{
	json_t		*m, *stream;
	json_error_t	 jerr;
	const char	*type;

	if ((m = json_loadb(s->rx, s->rxlen, 0, &jerr)) == NULL)
		return;
	type = json_string_value(json_object_get(m, "type"));
	stream = json_object_get(m, "stream");
	if (json_is_array(stream))
		stream = json_array_get(stream, 0);
	if (type != NULL && json_is_string(stream)) {
		if (strcmp(type, "subscribe") == 0)
			ws_subscribe(s, json_string_value(stream), 1);
		else if (strcmp(type, "unsubscribe") == 0)
			ws_subscribe(s, json_string_value(stream), 0);
	}
	json_decref(m);
}

static int
ws_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	if (lws_frame_is_binary(wsi)) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
		    NULL, 0);
		return -1;
	}
	if (!s->rx_overflow && s->rxlen + len <= PEER_MAX_FRAME) {
		s->rx = xreallocarray(s->rx, s->rxlen + len + 1, 1);
		memcpy(s->rx + s->rxlen, in, len);
		s->rxlen += len;
	} else
		s->rx_overflow = 1;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (!s->rx_overflow && s->rxlen > 0)
		ws_message(s);
	free(s->rx);
	s->rx = NULL;
	s->rxlen = 0;
	s->rx_overflow = 0;
	return 0;
}

static void
ws_established(struct lws *wsi, struct session *s)
{
	s->wsi = wsi;
	s->next = peer.conns;
	peer.conns = s;
	s->listed = 1;
	peer.stats.stream_connections++;
	peer.stats.stream_connects_total++;
	if (peer.frozen) {
		s->frozen = 1;
		lws_rx_flow_control(wsi, 0);
	}
	if (s->first_stream[0] != '\0')
		ws_subscribe(s, s->first_stream, 1);
}

static void
ws_closed(struct session *s)
{
	struct session	**pp;

	if (s->listed) {
		for (pp = &peer.conns; *pp != NULL; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		s->listed = 0;
		peer.stats.stream_connections--;
	}
	frames_free(s);
	free(s->rx);
	s->rx = NULL;
}

static int
ws_writeable(struct lws *wsi, struct session *s)
{
	unsigned char	 ping[LWS_PRE + 16];
	struct frame	*f;

	if (s->frozen || !s->listed)
		return 0;
	if (s->ping_due) {
		/*
		 * Mastodon's pings are empty, but an lws 4.1 server never
		 * reports an empty pong (no LWS_CALLBACK_RECEIVE_PONG), so
		 * these carry 4 bytes for pongs_received to count.  Clients
		 * echo any payload; lws 4.1 clients answer empty pings too.
		 */
		s->ping_due = 0;
		peer.stats.pings_sent++;
		memcpy(ping + LWS_PRE, "peer", 4);
		if (lws_write(wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
			return -1;
	} else if ((f = s->fhead) != NULL) {
		if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) <
		    (int)f->len)
			return -1;
		if ((s->fhead = f->next) == NULL)
			s->ftail = NULL;
		free(f);
	}
	if (s->fhead != NULL || s->ping_due)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Every ping interval: a ping on each live connection. */
static void
ping_all(lws_sorted_usec_list_t *sul)
{
	struct session	*s;

	(void)sul;
	for (s = peer.conns; s != NULL; s = s->next)
		if (!s->frozen) {
			s->ping_due = 1;
			lws_callback_on_writable(s->wsi);
		}
	lws_sul_schedule(peer.lws, 0, &peer.ping_timer, ping_all,
	    (lws_usec_t)(peer.opt.ping_interval * LWS_US_PER_SEC));
}

/* ---- the loop ---- */

static int
peer_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct session	*s = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_request(wsi, s, in);
	case LWS_CALLBACK_HTTP_BODY:
		return http_body(s, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (s->overflow) {
			s->close_after = 1;
			return respond_error(wsi, s, 413, "Payload Too Large",
			    NULL);
		}
		return dispatch(wsi, s);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (s == NULL || s->out == NULL)
			break;
		return write_body(wsi, s);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (s != NULL)
			session_clear_http(s);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(wsi, s);
	case LWS_CALLBACK_ESTABLISHED:
		ws_established(wsi, s);
		break;
	case LWS_CALLBACK_RECEIVE:
		return ws_receive(wsi, s, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		peer.stats.pongs_received++;
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return ws_writeable(wsi, s);
	case LWS_CALLBACK_CLOSED:
		if (s != NULL)
			ws_closed(s);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
signal_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct signalfd_siginfo	si;

	(void)wsi;
	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_RX_FILE)
		while (read(peer.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				peer.stopping = 1;
	return 0;
}

static const struct lws_protocols protocols[] = {
	/* first: it takes upgrades that name no subprotocol */
	{ "mastodon", peer_callback, sizeof(struct session), 4096, 0, NULL,
	    0 },
	{ "peer-signal", signal_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static long
num_arg(const char *name, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max) {
		warnx("%s: bad value '%s'", name, s);
		usage();
	}
	return v;
}

static void
add_bot(const char *spec)
{
	const char	*colon = strchr(spec, ':');
	char		*handle;
	struct account	*a;

	if (colon == NULL || colon == spec || colon[1] == '\0') {
		warnx("--account wants HANDLE:TOKEN, not '%s'", spec);
		usage();
	}
	if (peer.naccounts != peer.nbots)
		errx(2, "bots come first");
	handle = xasprintf("%.*s", (int)(colon - spec), spec);
	if (account_find(handle) != NULL)
		errx(2, "--account %s: given twice", handle);
	a = account_add(handle, peer.opt.domain, 1);
	a->token = xstrdup(colon + 1);
	a->bot = 1;
	peer.nbots++;
	free(handle);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "domain", required_argument, NULL, 'd' },
		{ "account", required_argument, NULL, 'a' },
		{ "max-chars", required_argument, NULL, 'm' },
		{ "rate-limit", required_argument, NULL, 'l' },
		{ "rate-window", required_argument, NULL, 'w' },
		{ "ping-interval", required_argument, NULL, 'i' },
		{ "no-streaming", no_argument, NULL, 'n' },
		{ "image-size-limit", required_argument, NULL, 'I' },
		{ "media-limit", required_argument, NULL, 'M' },
		{ "media-window", required_argument, NULL, 'W' },
		{ "media-async-over", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 ch;

	peer.opt.port = -1;
	peer.opt.domain = "mastodon.test";
	peer.opt.max_chars = 500;
	peer.opt.rate_limit = 300;
	peer.opt.rate_window = 300;
	peer.opt.ping_interval = 30;
	peer.opt.image_size_limit = 16777216;
	peer.opt.media_limit = 30;
	peer.opt.media_window = 1800;
	peer.opt.media_async_over = 65536;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			peer.opt.port = (int)num_arg("--port", optarg, 0, 65535);
			break;
		case 'c':
			peer.opt.cert = optarg;
			break;
		case 'k':
			peer.opt.key = optarg;
			break;
		case 'd':
			peer.opt.domain = optarg;
			break;
		case 'a':
			add_bot(optarg);
			break;
		case 'm':
			peer.opt.max_chars = num_arg("--max-chars", optarg, 1,
			    1000000);
			break;
		case 'l':
			peer.opt.rate_limit = num_arg("--rate-limit", optarg, 1,
			    1000000000);
			break;
		case 'w':
			peer.opt.rate_window = num_arg("--rate-window", optarg,
			    1, 1000000);
			break;
		case 'i':
			errno = 0;
			peer.opt.ping_interval = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    peer.opt.ping_interval < 0) {
				warnx("--ping-interval: bad value '%s'", optarg);
				usage();
			}
			break;
		case 'n':
			peer.opt.no_streaming = 1;
			break;
		case 'I':
			peer.opt.image_size_limit = num_arg("--image-size-limit",
			    optarg, 1, MEDIA_MAX_BODY);
			break;
		case 'M':
			peer.opt.media_limit = num_arg("--media-limit", optarg,
			    1, 1000000);
			break;
		case 'W':
			peer.opt.media_window = num_arg("--media-window",
			    optarg, 1, 1000000);
			break;
		case 'A':
			peer.opt.media_async_over = num_arg("--media-async-over",
			    optarg, 0, MEDIA_MAX_BODY);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || peer.opt.port < 0 || peer.opt.cert == NULL ||
	    peer.opt.key == NULL)
		usage();
}

static void
peer_free(void)
{
	size_t	i, j;

	for (i = 0; i < peer.naccounts; i++) {
		free(peer.accounts[i].username);
		free(peer.accounts[i].acct);
		free(peer.accounts[i].host);
		free(peer.accounts[i].display_name);
		free(peer.accounts[i].token);
		for (j = 0; j < peer.accounts[i].nidem; j++)
			free(peer.accounts[i].idem[j].key);
		free(peer.accounts[i].idem);
	}
	free(peer.accounts);
	for (i = 0; i < peer.nstatuses; i++) {
		free(peer.statuses[i].content);
		free(peer.statuses[i].text);
		free(peer.statuses[i].visibility);
		free(peer.statuses[i].language);
		free(peer.statuses[i].mentions);
		free(peer.statuses[i].idempotency_key);
		free(peer.statuses[i].media);
	}
	for (i = 0; i < peer.nmedia; i++) {
		free(peer.media[i].description);
		free(peer.media[i].filename);
	}
	free(peer.media);
	free(peer.statuses);
	free(peer.notifications);
	for (i = 0; i < peer.nfailures; i++) {
		free(peer.failures[i].path);
		free(peer.failures[i].error);
	}
	free(peer.failures);
	free(peer.base);
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info	 info;
	lws_sock_file_fd_type			 fd;
	sigset_t				 set;

	peer.next_account = ACCOUNT_ID_FIRST;
	peer.next_status = STATUS_ID_FIRST;
	peer.next_notification = NOTIFICATION_ID_FIRST;
	peer.next_media = MEDIA_ID_FIRST;
	parse_args(argc, argv);
	peer.streaming_up = !peer.opt.no_streaming;

	/* signals are read from a descriptor in the loop, between events */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		err(1, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	if ((peer.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		err(1, "signalfd");

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.uid = -1;
	info.gid = -1;
	if ((peer.lws = lws_create_context(&info)) == NULL)
		errx(1, "cannot create the lws context");
	memset(&info, 0, sizeof(info));
	info.vhost_name = "mastodon";
	info.iface = "127.0.0.1";
	info.port = peer.opt.port;
	info.protocols = protocols;
	/* lws reads the TLS option from the vhost's info too */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.ssl_cert_filepath = peer.opt.cert;
	info.ssl_private_key_filepath = peer.opt.key;
	/* HTTP/1.1 only: lws reads custom headers (Idempotency-Key) on h1 */
	info.alpn = "http/1.1";
	if ((peer.vhost = lws_create_vhost(peer.lws, &info)) == NULL)
		errx(1, "cannot listen on 127.0.0.1 port %d with %s and %s",
		    peer.opt.port, peer.opt.cert, peer.opt.key);
	peer.port = lws_get_vhost_listen_port(peer.vhost);
	peer.base = xasprintf("https://127.0.0.1:%d", peer.port);
	fd.filefd = peer.sigfd;
	if (lws_adopt_descriptor_vhost(peer.vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
	    "peer-signal", NULL) == NULL)
		errx(1, "cannot watch signals");
	if (peer.opt.ping_interval > 0)
		lws_sul_schedule(peer.lws, 0, &peer.ping_timer, ping_all,
		    (lws_usec_t)(peer.opt.ping_interval * LWS_US_PER_SEC));

	printf("mastodon-peer listening on 127.0.0.1:%d\n", peer.port);
	fflush(stdout);
	while (!peer.stopping)
		if (lws_service(peer.lws, 0) < 0)
			break;
	lws_sul_cancel(&peer.ping_timer);
	lws_context_destroy(peer.lws);
	peer_free();
	return peer.stopping ? 0 : 1;
}
