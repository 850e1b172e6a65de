/*
 * bluesky-peer: a local Bluesky for the integration tests of quitx's
 * Bluesky connector.
 *
 * One port serves, at once, what a bot meets on the real network: the
 * PLC directory (GET /did:plc:...), the PDS (com.atproto.*), the AppView
 * behind it (app.bsky.*), the chat service reached through the PDS with
 * "atproto-proxy: did:web:api.bsky.chat#bsky_chat" (chat.bsky.*), and
 * Jetstream (the WebSocket GET /subscribe), plus a control API under
 * /_peer/ that tests use to make things happen.  HTTPS and WSS, as the
 * real services are.  Shapes, status codes, error bodies and rate-limit
 * headers follow the reference PDS, the AppView, the lexicons and
 * Jetstream v1, so that a client that works here has a fair chance of
 * working there.
 *
 * It is its own program and shares no code with quitx: a bug in quitx
 * cannot be mirrored here.  Single-threaded, one libwebsockets loop, all
 * state in memory; SIGTERM or SIGINT ends it with status 0.
 *
 * bluesky-peer --port N --cert CERT.pem --key KEY.pem
 *     [--account HANDLE:PASSWORD]... [--access-ttl 7200]
 *     [--rate-limit 5000] [--rate-window 3600] [--ping-interval 30]
 *     [--reset-floor]
 *
 * Listens on 127.0.0.1 (--port 0: any free port) and prints one line,
 * "bluesky-peer listening on 127.0.0.1:PORT".  Each --account is a bot
 * hosted here, with an app password allowed to use chat; members (anyone
 * else) are made on the fly by control calls, by handle.  Every account
 * has a did:plc made from its handle (the same handle, the same DID).
 * --access-ttl and --ping-interval may have decimals (tests use 0.05).
 * ratelimit-reset is the window's end in Unix seconds rounded up;
 * --reset-floor rounds it down, as the reference PDS writes it
 * (xrpc-server's rate-limiter-http.ts: Math.floor), so that the header
 * may name a second before the window really ends.
 *
 * XRPC (errors {"error","message"}):
 *   com.atproto.server.createSession, refreshSession, getSession,
 *   deleteSession, describeServer; com.atproto.identity.resolveHandle;
 *   com.atproto.repo.createRecord, putRecord, deleteRecord, getRecord;
 *   app.bsky.notification.listNotifications, getUnreadCount, updateSeen;
 *   app.bsky.actor.getProfile; app.bsky.graph.getRelationships;
 *   app.bsky.feed.getPosts; chat.bsky.convo.getConvoForMembers,
 *   com.atproto.repo.uploadBlob (a raw body of at most 5,000,000 bytes,
 *   the reference PDS's default; the blob's CID is CIDv1 raw sha2-256 of
 *   the bytes, its mimeType sniffed from them), and posts' embeds of
 *   app.bsky.embed.images are checked (1 to 4 images, each a blob this
 *   repo uploaded, an image of at most 1,000,000 bytes, alt a string),
 *   getConvoAvailability, getConvo, sendMessage, getMessages.
 * Jetstream: GET /subscribe?wantedCollections=&wantedDids=&cursor=
 *   &maxMessageSizeBytes=&requireHello=&compress=false, v1 frames.
 * PLC: GET /did:plc:... -> the DID document.
 *
 * Control (JSON, no token, never rate limited):
 *   POST /_peer/post     {from, text, mentions?, facets?, reply_to?,
 *                         quote?, langs?, rkey?, record?, display_name?}
 *                        -> {uri, cid, did, rkey, time_us}
 *                        without mentions, every "@handle" of a known
 *                        account in the text gets its facet, as in the app
 *   POST /_peer/follow   {from, to} -> {uri, cid, rkey, time_us}
 *   POST /_peer/unfollow {from, to} -> {uri, time_us}
 *   POST /_peer/delete   {uri} -> {uri, time_us}
 *   POST /_peer/jetstream {up?, drop?: true | "close"} -> {up, dropped}
 *   POST /_peer/expire   {handle, refresh?} -> {expired, revoked}
 *   POST /_peer/rate     {handle?, bucket?, remaining?, reset_in?, limit?}
 *                        -> {bucket, limit, remaining, reset}
 *                        bucket: write (default), chat, read, login
 *   POST /_peer/fail     {path, status?, count?, error?, message?,
 *                         retry_after?} -> {path, status, count}
 *                        path: an NSID, "subscribe" or "plc"
 *   POST /_peer/chat-setting {handle, allowIncoming} -> {did, handle,
 *                         allowIncoming}
 *   GET  /_peer/account?handle=|did=   {did, handle, bot, ...}
 *   GET  /_peer/posts?did=|handle=[&collection=]   a repo's posts (or
 *                         that collection, * for all), oldest first
 *   GET  /_peer/messages  every chat message, oldest first
 *   GET  /_peer/events    every Jetstream event kept, oldest first
 *   GET  /_peer/stats     counters
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
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unictype.h>
#include <unigbrk.h>
#include <unistr.h>

#define PEER_MAX_BODY		(1024 * 1024)	/* request bodies: 413 above */
#define BLOB_MAX_BODY		5000000		/* uploadBlob's */
#define EMBED_IMAGES_MAX	4
#define EMBED_IMAGE_BYTES	1000000
#define PEER_MAX_FRAME		(1024 * 1024)	/* a client's message: 1009 */
#define PEER_CHUNK		4096
#define US			INT64_C(1000000)
/* app.bsky.feed.post text, chat.bsky.convo message text */
#define POST_MAX_GRAPHEMES	300
#define POST_MAX_BYTES		3000
#define CHAT_MAX_GRAPHEMES	1000
#define CHAT_MAX_BYTES		10000
#define LANGS_MAX		3
#define PAGE_DEFAULT		50
#define PAGE_MAX		100
#define RELATIONSHIPS_MAX	30
#define GET_POSTS_MAX		25
#define CONVO_MEMBERS_MAX	10
#define REPLY_NOTIF_DEPTH	5
/* the PDS's own limits (rate-limits.ts, createSession.ts) */
#define LOGIN_LIMIT		30
#define LOGIN_WINDOW		300
#define READ_LIMIT		3000
#define READ_WINDOW		300
/* the chat service's are not published: "generous" */
#define CHAT_LIMIT		3000
#define CHAT_WINDOW		300
#define REFRESH_TTL		(INT64_C(90) * 86400 * US)
#define REFRESH_GRACE		(INT64_C(2) * 3600 * US)
#define CHAT_SERVICE		"did:web:api.bsky.chat#bsky_chat"
#define APPVIEW_SERVICE		"did:web:api.bsky.app#bsky_appview"
#define PEER_SERVICE_DID	"did:web:127.0.0.1"
#define WS_FILTER_MAX		10000

#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

enum method { M_GET, M_POST, M_OTHER };

struct options {
	int		 port;
	const char	*cert;
	const char	*key;
	double		 access_ttl;		/* seconds */
	long		 rate_limit;		/* write points */
	long		 rate_window;		/* seconds */
	double		 ping_interval;		/* seconds; 0: never */
	int		 reset_floor;		/* ratelimit-reset rounded down */
};

/*
 * A fixed-window budget, as rate-limiter-flexible keeps it for the PDS:
 * the window opens at the first point taken and lasts `window` seconds.
 */
struct bucket {
	long		 limit;
	long		 window;		/* seconds */
	long		 remaining;
	int64_t		 reset_us;		/* 0: no window open */
};

struct account {
	char		*handle;		/* lower case */
	char		*did;
	char		*pubkey;		/* in the DID document */
	char		*password;		/* hosted bots only */
	char		*display_name;
	int		 bot;
	char		 allow[12];	/* chat: "all", "following", "none" */
	int		 declared;	/* a chat declaration exists */
	char		 created_at[32];
	char		 rev[16];	/* repo head; "" before any commit */
	char		*seen_at;	/* updateSeen, NULL: never */
	int64_t		 seen_us;
	struct bucket	 write, chat;
};

/* A record in some repo.  Deleted ones stay, marked, so indexes hold. */
/* A blob a repo uploaded. */
struct blob {
	size_t	 account;
	char	*cid;
	char	*mime;
	size_t	 size;
};

struct record {
	size_t		 account;
	char		*collection;
	char		*rkey;
	json_t		*value;
	char		*cid;
	int64_t		 time_us;	/* when created */
	long		 updates;
	int		 deleted;
	char		 indexed_at[32];
};

/* A Jetstream event, kept for ever, LWS_PRE bytes before its text. */
struct event {
	int64_t		 time_us;
	size_t		 account;
	char		*collection;
	char		*rkey;
	const char	*op;
	unsigned char	*frame;
	size_t		 len;
};

struct notification {
	size_t		 to, from;
	const char	*reason;
	size_t		 record;
	char		*subject;	/* reasonSubject, or NULL */
	int64_t		 sort_us;
	char		 indexed_at[32];
	int		 deleted;
};

struct token {
	char		*jwt;
	size_t		 account;
	int		 refresh;
	int64_t		 exp_us;
	int		 expired;	/* access: forced by the tests */
	int		 revoked;	/* refresh: forced by the tests */
	size_t		 next;		/* refresh: rotated to (index + 1) */
	int64_t		 grace_end;
};

struct convo {
	char		*id;
	size_t		 member[2];
	char		 rev[16];
};

struct message {
	size_t		 convo;
	char		*id;
	char		 rev[16];
	size_t		 from, to;
	char		*text;
	json_t		*facets;	/* NULL: none */
	int64_t		 us;
	char		 sent_at[32];
};

struct login {
	char		*identifier;
	struct bucket	 b;
};

/* A failure the tests asked for: the next count calls to path. */
struct failure {
	char		*path;
	char		*error;
	char		*message;
	int		 status;
	long		 count;
	long		 retry_after;	/* -1: no Retry-After */
};

/*
 * Per connection.  One struct serves both roles since a connection that
 * starts as HTTP may be upgraded; each role clears what it uses.
 */
struct session {
	/* HTTP: one request at a time */
	enum method	 method;
	char		 path[256];
	char		*token;		/* the bearer token, NULL: none */
	int		 auth_other;	/* an Authorization that is no Bearer */
	char		*proxy;		/* atproto-proxy */
	char		*ctype;
	json_t		*query;		/* name -> [values] */
	char		*body;
	size_t		 blen;
	int		 overflow;
	int		 blob;		/* uploadBlob: a larger body */
	char		*out;
	size_t		 outlen, outoff;
	int		 close_after;

	/* Jetstream */
	struct session	*next;		/* in peer.conns */
	int		 listed;
	struct lws	*wsi;
	size_t		 pos;		/* the next event to look at */
	char		**colls;
	size_t		 ncolls;
	char		**dids;
	size_t		 ndids;
	long		 max_size;
	int		 hello_wait;
	int		 ping_due;
	int		 closing;
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
	int64_t			 last_us;	/* clock_next()'s last */
	unsigned		 clock_id;
	unsigned char		 secret[32];	/* signs the tokens */
	unsigned long		 jti;

	struct account		*accounts;
	size_t			 naccounts;
	struct record		*records;
	size_t			 nrecords;
	struct event		*events;
	size_t			 nevents;
	struct notification	*notifications;
	size_t			 nnotifications;
	struct token		*tokens;
	size_t			 ntokens;
	struct convo		*convos;
	size_t			 nconvos;
	struct message		*messages;
	size_t			 nmessages;
	struct login		*logins;
	size_t			 nlogins;
	struct blob		*blobs;
	size_t			 nblobs;
	size_t			 writer;	/* whose record is checked */
	struct failure		*failures;
	size_t			 nfailures;
	struct bucket		 read;		/* per IP: all is 127.0.0.1 */

	struct session		*conns;		/* open Jetstream connections */
	int			 jetstream_up;
	lws_sorted_usec_list_t	 ping_timer;

	struct {
		long	create_session;
		long	refresh_session;
		long	get_session;
		long	delete_session;
		long	resolve_handle;
		long	describe_server;
		long	plc_resolve;
		long	create_record;
		long	put_record;
		long	put_record_noop;
		long	put_record_update;
		long	delete_record;
		long	get_record;
		long	records_written;
		long	list_notifications;
		long	get_unread_count;
		long	update_seen;
		long	get_profile;
		long	get_relationships;
		long	get_posts;
		long	get_convo;
		long	get_convo_availability;
		long	send_message;
		long	messages_sent;
		long	get_messages;
		long	upload_blob;
		long	rate_limited;
		long	expired_token;
		long	failures_injected;
		long	jetstream_connections;
		long	jetstream_active;
		long	jetstream_refused;
		long	events_sent;
		long	pings_sent;
		long	pongs_received;
	} stats;
} peer;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: bluesky-peer --port N --cert CERT.pem "
	    "--key KEY.pem\n"
	    "\t[--account HANDLE:PASSWORD]... [--access-ttl SECONDS]\n"
	    "\t[--rate-limit POINTS] [--rate-window SECONDS] "
	    "[--ping-interval SECONDS]\n\t[--reset-floor]\n");
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

/* The string built so far (never NULL); the buf is emptied. */
static char *
buf_take(struct buf *b)
{
	char	*s = b->p != NULL ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

static char *
xjson(const json_t *j, size_t flags)
{
	char	*s;

	if ((s = json_dumps(j, flags | JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		errx(1, "json_dumps");
	return s;
}

static int64_t
now_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
}

/*
 * The peer's clock: real time in microseconds, but strictly increasing
 * from one call to the next, so that every event, TID and notification
 * has a time of its own.
 */
static int64_t
clock_next(void)
{
	int64_t	now = now_usec();

	if (now <= peer.last_us)
		now = peer.last_us + 1;
	peer.last_us = now;
	return now;
}

/* ISO 8601 in UTC with milliseconds, as the services write datetimes. */
static void
iso_time(char *out, size_t len, int64_t usec)
{
	time_t		sec = (time_t)(usec / US);
	struct tm	tm;
	char		day[24];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", day, (int)(usec % US / 1000));
}

static int
digits(const char *s, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/*
 * An atproto datetime: RFC 3339 and ISO 8601 at once, so
 * YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z or +HH:MM/-HH:MM
 * (not -00:00).  0: not one.
 */
static int
iso_parse(const char *s, int64_t *out)
{
	struct tm	 tm;
	const char	*p;
	int		 y, mo, d, h, mi, sec, oh, om, n;
	int64_t		 frac = 0, scale = US / 10, off = 0;
	time_t		 t;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return 0;
	p = s + 19;
	if (*p == '.') {
		for (p++, n = 0; isdigit((unsigned char)*p); p++, n++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
		if (n == 0)
			return 0;
	}
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) &&
	    p[3] == ':' && digits(p + 4, 2, &om) && oh < 24 && om < 60) {
		if (*p == '-' && oh == 0 && om == 0)
			return 0;
		off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else
		return 0;
	if (*p != '\0')
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (out != NULL)
		*out = ((int64_t)t - off) * US + frac;
	return 1;
}

/* ---- encodings ---- */

static const char b32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char b32_sort[] = "234567abcdefghijklmnopqrstuvwxyz";

/* Base 32 without padding, most significant bits first. */
static void
b32(struct buf *b, const unsigned char *in, size_t n, const char *alphabet)
{
	uint32_t	acc = 0;
	int		bits = 0;
	size_t		i;
	char		c;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			c = alphabet[(acc >> (bits - 5)) & 31];
			buf_add(b, &c, 1);
			bits -= 5;
		}
	}
	if (bits > 0) {
		c = alphabet[(acc << (5 - bits)) & 31];
		buf_add(b, &c, 1);
	}
}

static char *
b64url(const unsigned char *in, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct buf	 b = { NULL, 0, 0 };
	uint32_t	 v;
	size_t		 i;
	char		 q[4];

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = tab[v >> 6 & 63];
		q[3] = tab[v & 63];
		buf_add(&b, q, 4);
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		buf_add(&b, q, 2);
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = tab[v >> 6 & 63];
		buf_add(&b, q, 3);
	}
	return buf_take(&b);
}

/*
 * A CID as the PDS prints one: CIDv1, dag-cbor, sha2-256, in base 32
 * ("bafyrei...").  The digest is taken over the canonical JSON (sorted
 * keys, compact) rather than DAG-CBOR: the same content always gives the
 * same CID, which is all a client may rely on.
 */
static char *
cid_of_bytes(const void *p, size_t n)
{
	unsigned char	 raw[4 + SHA256_DIGEST_LENGTH] = { 0x01, 0x71, 0x12,
	    0x20 };
	struct buf	 b = { NULL, 0, 0 };

	SHA256(p, n, raw + 4);
	buf_str(&b, "b");
	b32(&b, raw, sizeof(raw), b32_lower);
	return buf_take(&b);
}

/* A blob's CID: CIDv1, raw (0x55), sha2-256, base 32 ("bafkrei..."). */
static char *
cid_of_blob(const void *p, size_t n)
{
	unsigned char	 raw[4 + SHA256_DIGEST_LENGTH] = { 0x01, 0x55, 0x12,
	    0x20 };
	struct buf	 b = { NULL, 0, 0 };

	SHA256(p, n, raw + 4);
	buf_str(&b, "b");
	b32(&b, raw, sizeof(raw), b32_lower);
	return buf_take(&b);
}

static char *
cid_of(const json_t *v)
{
	char	*s = xjson(v, JSON_SORT_KEYS), *cid;

	cid = cid_of_bytes(s, strlen(s));
	free(s);
	return cid;
}

/*
 * A TID: 11 characters of microseconds since the epoch and 2 of clock
 * id, in the sortable base 32 alphabet.
 */
static void
tid_make(char out[14], int64_t us)
{
	uint64_t	v = (uint64_t)us;
	int		i;

	for (i = 10; i >= 0; i--) {
		out[i] = b32_sort[v & 31];
		v >>= 5;
	}
	out[11] = b32_sort[peer.clock_id >> 5 & 31];
	out[12] = b32_sort[peer.clock_id & 31];
	out[13] = '\0';
}

/* ^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$ */
static int
tid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != 13 || strchr("234567abcdefghij", s[0]) == NULL)
		return 0;
	for (i = 1; i < 13; i++)
		if (strchr(b32_sort, s[i]) == NULL)
			return 0;
	return 1;
}

/* 0, or the reason the record key is not one */
static const char *
rkey_invalid(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 1 || n > 512)
		return "record key must be 1 to 512 characters";
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_~.:-", s[i]) == NULL)
			return "record key syntax not valid (regex)";
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "record key can not be \".\" or \"..\"";
	return NULL;
}

/* An NSID: three or more segments, the last a name. */
static int
nsid_valid(const char *s)
{
	const char	*seg = s, *dot;
	size_t		 nseg = 0, n, i;

	if (strlen(s) > 317)
		return 0;
	for (;;) {
		dot = strchr(seg, '.');
		n = dot != NULL ? (size_t)(dot - seg) : strlen(seg);
		if (n == 0 || n > 63)
			return 0;
		for (i = 0; i < n; i++) {
			if (dot == NULL ? !isalnum((unsigned char)seg[i]) :
			    !isalnum((unsigned char)seg[i]) && seg[i] != '-')
				return 0;
		}
		if (dot == NULL && !isalpha((unsigned char)seg[0]))
			return 0;
		nseg++;
		if (dot == NULL)
			break;
		seg = dot + 1;
	}
	return nseg >= 3;
}

/* A wantedCollections entry: an NSID, or a prefix like app.bsky.feed.* */
static int
collection_filter_valid(const char *s)
{
	size_t	n = strlen(s), i;

	if (n > 2 && strcmp(s + n - 2, ".*") == 0) {
		for (i = 0; i < n - 2; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
			    (s[i] != '.' || i == 0 || s[i - 1] == '.'))
				return 0;
		return s[n - 3] != '.';
	}
	return nsid_valid(s);
}

static int
did_valid(const char *s)
{
	const char	*p;
	size_t		 n;

	if (strncmp(s, "did:", 4) != 0)
		return 0;
	for (p = s + 4; *p >= 'a' && *p <= 'z'; p++)
		;
	if (p == s + 4 || *p != ':' || p[1] == '\0')
		return 0;
	for (p++; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._:%-", *p) == NULL)
			return 0;
	n = strlen(s);
	return s[n - 1] != ':' && s[n - 1] != '%' && n <= 2048;
}

/*
 * Grapheme clusters, as the lexicon's maxGraphemes counts them (full
 * UAX #29).  libunistring 1.0's pairwise rule lacks GB11 (emoji joined
 * by ZWJ) and GB12/13 (flags: regional indicators go by pairs); both are
 * added here.
 */
static size_t
graphemes(const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s, *end = p + n;
	ucs4_t		 uc, prev = 0;
	size_t		 count = 0, ri = 0;
	int		 len, pict = 0, brk, gp;

	while (p < end) {
		if ((len = u8_mbtouc(&uc, p, (size_t)(end - p))) <= 0)
			break;
		gp = uc_graphemeclusterbreak_property(uc);
		if (count == 0)
			brk = 1;
		else if (prev == 0x200d && pict &&
		    uc_is_property_extended_pictographic(uc))
			brk = 0;
		else if (gp == GBP_RI && ri > 0)
			brk = ri % 2 == 0;
		else
			brk = uc_is_grapheme_break(prev, uc);
		count += (size_t)brk;
		ri = gp == GBP_RI ? ri + 1 : 0;
		if (uc_is_property_extended_pictographic(uc))
			pict = 1;
		else if (gp != GBP_EXTEND && gp != GBP_ZWJ)
			pict = 0;
		prev = uc;
		p += len;
	}
	return count;
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

/* ---- rate limits ---- */

static void
bucket_init(struct bucket *b, long limit, long window)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
	b->window = window;
	b->remaining = limit;
}

static void
bucket_roll(struct bucket *b)
{
	int64_t	now = now_usec();

	if (b->reset_us == 0 || now >= b->reset_us) {
		b->remaining = b->limit;
		b->reset_us = now + (int64_t)b->window * US;
	}
}

/*
 * Take points; 0 when that is more than is left.  As with
 * rate-limiter-flexible, a refused call still spends what was left.
 */
static int
bucket_take(struct bucket *b, long points)
{
	bucket_roll(b);
	if (points > b->remaining) {
		b->remaining = 0;
		return 0;
	}
	b->remaining -= points;
	return 1;
}

/* The window's end as ratelimit-reset says it: Unix seconds. */
static int64_t
reset_seconds(const struct bucket *b)
{
	return peer.opt.reset_floor ? b->reset_us / US :
	    (b->reset_us + US - 1) / US;
}

/* Seconds until the window ends, rounded up. */
static long
bucket_wait(const struct bucket *b)
{
	int64_t	left = b->reset_us - now_usec();

	return left <= 0 ? 0 : (long)((left + US - 1) / US);
}

/* ---- accounts ---- */

static struct account *
acc(size_t i)
{
	return &peer.accounts[i];
}

static char *
lower(const char *s)
{
	char	*p = xstrdup(s), *q;

	for (q = p; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

/* A handle this peer accepts: a host name, loosely. */
static int
handle_valid(const char *h)
{
	size_t	n = strlen(h), i;

	if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' &&
		    h[i] != '-' && h[i] != '_')
			return 0;
	return strncmp(h, "did:", 4) != 0;
}

/* Base 58 (bitcoin alphabet) of a big-endian number. */
static void
base58(struct buf *b, const unsigned char *in, size_t n)
{
	static const char alphabet[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char	*num = xcalloc(n, 1), *out = xcalloc(n * 2, 1);
	size_t		 i, len = 0, start = 0;
	unsigned	 rem;

	memcpy(num, in, n);
	while (start < n && num[start] == 0) {
		buf_add(b, "1", 1);
		start++;
	}
	while (start < n) {
		for (rem = 0, i = start; i < n; i++) {
			rem = rem * 256 + num[i];
			num[i] = (unsigned char)(rem / 58);
			rem %= 58;
		}
		out[len++] = (unsigned char)alphabet[rem];
		while (start < n && num[start] == 0)
			start++;
	}
	while (len > 0)
		buf_add(b, (const char *)&out[--len], 1);
	free(num);
	free(out);
}

static size_t
account_add(const char *handle, int bot)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	unsigned char	 key[3 + SHA256_DIGEST_LENGTH];
	struct account	*a;
	struct buf	 b = { NULL, 0, 0 };
	char		*h = lower(handle), *s;
	size_t		 i;

	peer.accounts = xreallocarray(peer.accounts, peer.naccounts + 1,
	    sizeof(*peer.accounts));
	a = &peer.accounts[peer.naccounts];
	memset(a, 0, sizeof(*a));
	a->handle = h;
	/* did:plc: is 24 characters of base 32 of a hash, as on PLC */
	s = xasprintf("bluesky-peer:%s", h);
	SHA256((const unsigned char *)s, strlen(s), md);
	free(s);
	buf_str(&b, "did:plc:");
	b32(&b, md, 15, b32_lower);
	a->did = buf_take(&b);
	a->did[8 + 24] = '\0';
	/*
	 * A secp256k1 multikey: z, then base 58 of the multicodec 0xe7 0x01
	 * and a compressed point (here a hash, not a real key): "zQ3sh...".
	 */
	key[0] = 0xe7;
	key[1] = 0x01;
	key[2] = 0x02;
	SHA256((const unsigned char *)a->did, strlen(a->did), key + 3);
	buf_str(&b, "z");
	base58(&b, key, sizeof(key));
	a->pubkey = buf_take(&b);
	a->display_name = xstrdup("");
	a->bot = bot;
	snprintf(a->allow, sizeof(a->allow), "following");
	iso_time(a->created_at, sizeof(a->created_at), now_usec());
	bucket_init(&a->write, peer.opt.rate_limit, peer.opt.rate_window);
	bucket_init(&a->chat, CHAT_LIMIT, CHAT_WINDOW);
	for (i = 0; i < peer.naccounts; i++)
		if (strcmp(peer.accounts[i].did, a->did) == 0)
			errx(1, "%s: DID collision", h);
	return peer.naccounts++;
}

static int
account_by_handle(const char *h, size_t *out)
{
	size_t	i;

	if (*h == '@')
		h++;
	for (i = 0; i < peer.naccounts; i++)
		if (strcasecmp(peer.accounts[i].handle, h) == 0) {
			*out = i;
			return 1;
		}
	return 0;
}

static int
account_by_did(const char *did, size_t *out)
{
	size_t	i;

	for (i = 0; i < peer.naccounts; i++)
		if (strcmp(peer.accounts[i].did, did) == 0) {
			*out = i;
			return 1;
		}
	return 0;
}

/* An actor as XRPC names one: a DID or a handle. */
static int
account_by_actor(const char *actor, size_t *out)
{
	if (strncmp(actor, "did:", 4) == 0)
		return account_by_did(actor, out);
	return account_by_handle(actor, out);
}

/*
 * For the control API: the account a handle (or a known DID) names,
 * made if new.  0 when it is neither.
 */
static int
account_get(const char *name, size_t *out)
{
	if (account_by_actor(name, out))
		return 1;
	if (*name == '@')
		name++;
	if (!handle_valid(name))
		return 0;
	*out = account_add(name, 0);
	return 1;
}

static json_t *
did_doc(const struct account *a)
{
	char	*aka = xasprintf("at://%s", a->handle);
	char	*vm = xasprintf("%s#atproto", a->did);
	json_t	*o;

	o = json_pack("{s:[s, s, s], s:s, s:[s], s:[{s:s, s:s, s:s, s:s}], "
	    "s:[{s:s, s:s, s:s}]}",
	    "@context", "https://www.w3.org/ns/did/v1",
	    "https://w3id.org/security/multikey/v1",
	    "https://w3id.org/security/suites/secp256k1-2019/v1",
	    "id", a->did,
	    "alsoKnownAs", aka,
	    "verificationMethod", "id", vm, "type", "Multikey", "controller",
	    a->did, "publicKeyMultibase", a->pubkey,
	    "service", "id", "#atproto_pds", "type",
	    "AtprotoPersonalDataServer", "serviceEndpoint", peer.base);
	free(aka);
	free(vm);
	if (o == NULL)
		errx(1, "json_pack");
	return o;
}

/* ---- tokens ---- */

static char *
jwt_make(const json_t *header, const json_t *payload)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		*h, *p, *hj, *pj, *sig, *signing, *jwt;

	hj = xjson(header, 0);
	pj = xjson(payload, 0);
	h = b64url((const unsigned char *)hj, strlen(hj));
	p = b64url((const unsigned char *)pj, strlen(pj));
	signing = xasprintf("%s.%s", h, p);
	if (HMAC(EVP_sha256(), peer.secret, (int)sizeof(peer.secret),
	    (const unsigned char *)signing, strlen(signing), mac,
	    &maclen) == NULL)
		errx(1, "HMAC");
	sig = b64url(mac, maclen);
	jwt = xasprintf("%s.%s", signing, sig);
	free(hj);
	free(pj);
	free(h);
	free(p);
	free(signing);
	free(sig);
	return jwt;
}

/* A new access or refresh token for an account; its index. */
static size_t
token_new(size_t account, int refresh)
{
	struct token	*t;
	const char	*did = acc(account)->did;
	int64_t		 now = now_usec();
	json_int_t	 iat = (json_int_t)(now / US), exp;
	json_t		*h, *p;
	char		 jti[40];

	snprintf(jti, sizeof(jti), "%08lx%06lx", (unsigned long)(now / US) &
	    0xffffffffUL, ++peer.jti);
	if (refresh) {
		exp = iat + (json_int_t)(REFRESH_TTL / US);
		h = json_pack("{s:s, s:s}", "typ", "refresh+jwt", "alg",
		    "HS256");
		p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "scope",
		    "com.atproto.refresh", "sub", did, "aud", PEER_SERVICE_DID,
		    "jti", jti, "iat", iat, "exp", exp);
	} else {
		exp = iat + (json_int_t)peer.opt.access_ttl;
		if ((double)(exp - iat) < peer.opt.access_ttl)
			exp++;
		h = json_pack("{s:s, s:s}", "typ", "at+jwt", "alg", "HS256");
		p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "scope",
		    "com.atproto.appPassPrivileged", "sub", did, "aud",
		    PEER_SERVICE_DID, "jti", jti, "iat", iat, "exp", exp);
	}
	peer.tokens = xreallocarray(peer.tokens, peer.ntokens + 1,
	    sizeof(*peer.tokens));
	t = &peer.tokens[peer.ntokens];
	memset(t, 0, sizeof(*t));
	t->jwt = jwt_make(h, p);
	t->account = account;
	t->refresh = refresh;
	t->exp_us = refresh ? now + REFRESH_TTL :
	    now + (int64_t)(peer.opt.access_ttl * 1e6);
	json_decref(h);
	json_decref(p);
	return peer.ntokens++;
}

static int
token_find(const char *jwt, size_t *out)
{
	size_t	i;

	for (i = 0; i < peer.ntokens; i++)
		if (strcmp(peer.tokens[i].jwt, jwt) == 0) {
			*out = i;
			return 1;
		}
	return 0;
}

/* ---- records ---- */

static char *
record_uri(const struct record *r)
{
	return xasprintf("at://%s/%s/%s", acc(r->account)->did,
	    r->collection, r->rkey);
}

static int
record_find(size_t account, const char *collection, const char *rkey,
    size_t *out)
{
	size_t	i;

	for (i = peer.nrecords; i-- > 0; ) {
		const struct record *r = &peer.records[i];

		if (!r->deleted && r->account == account &&
		    strcmp(r->collection, collection) == 0 &&
		    strcmp(r->rkey, rkey) == 0) {
			*out = i;
			return 1;
		}
	}
	return 0;
}

/* The live record an at-uri names (its authority a DID or a handle). */
static int
record_by_uri(const char *uri, size_t *out)
{
	const char	*p, *slash;
	char		*auth, *coll;
	size_t		 a;
	int		 ok;

	if (uri == NULL || strncmp(uri, "at://", 5) != 0)
		return 0;
	p = uri + 5;
	if ((slash = strchr(p, '/')) == NULL)
		return 0;
	auth = xasprintf("%.*s", (int)(slash - p), p);
	ok = account_by_actor(auth, &a);
	free(auth);
	if (!ok)
		return 0;
	p = slash + 1;
	if ((slash = strchr(p, '/')) == NULL)
		return 0;
	coll = xasprintf("%.*s", (int)(slash - p), p);
	ok = record_find(a, coll, slash + 1, out);
	free(coll);
	return ok;
}

static json_t *
strong_ref(const struct record *r)
{
	char	*uri = record_uri(r);
	json_t	*o = json_pack("{s:s, s:s}", "uri", uri, "cid", r->cid);

	free(uri);
	return o;
}

/* The live follow record from a to b, newest if several. */
static int
follow_find(size_t a, size_t b, size_t *out)
{
	const char	*did = acc(b)->did, *subject;
	size_t		 i;

	for (i = peer.nrecords; i-- > 0; ) {
		const struct record *r = &peer.records[i];

		if (r->deleted || r->account != a ||
		    strcmp(r->collection, "app.bsky.graph.follow") != 0)
			continue;
		subject = json_string_value(json_object_get(r->value,
		    "subject"));
		if (subject != NULL && strcmp(subject, did) == 0) {
			if (out != NULL)
				*out = i;
			return 1;
		}
	}
	return 0;
}

static json_t *
follow_uri_json(size_t a, size_t b)
{
	size_t	 i;
	char	*uri;
	json_t	*j;

	if (!follow_find(a, b, &i))
		return NULL;
	uri = record_uri(&peer.records[i]);
	j = json_string(uri);
	free(uri);
	return j;
}

static long
count_records(size_t account, const char *collection)
{
	size_t	i;
	long	n = 0;

	for (i = 0; i < peer.nrecords; i++)
		if (!peer.records[i].deleted &&
		    peer.records[i].account == account &&
		    strcmp(peer.records[i].collection, collection) == 0)
			n++;
	return n;
}

static long
count_followers(size_t account)
{
	size_t	i;
	long	n = 0;

	for (i = 0; i < peer.naccounts; i++)
		if (follow_find(i, account, NULL))
			n++;
	return n;
}

/* ---- views ---- */

/*
 * The viewer state one account has on another: the follow records
 * between them, as the AppView hydrates them.
 */
static json_t *
viewer_json(size_t subject, const size_t *viewer)
{
	json_t	*o = json_pack("{s:b, s:b}", "muted", 0, "blockedBy", 0), *u;

	if (viewer == NULL || *viewer == subject)
		return o;
	if ((u = follow_uri_json(*viewer, subject)) != NULL)
		json_object_set_new(o, "following", u);
	if ((u = follow_uri_json(subject, *viewer)) != NULL)
		json_object_set_new(o, "followedBy", u);
	return o;
}

static json_t *
associated_json(const struct account *a, int detailed)
{
	json_t	*o = json_object();

	if (detailed) {
		json_object_set_new(o, "lists", json_integer(0));
		json_object_set_new(o, "feedgens", json_integer(0));
		json_object_set_new(o, "starterPacks", json_integer(0));
		json_object_set_new(o, "labeler", json_false());
	}
	/* only an account with a chat declaration says what it allows */
	if (a->declared)
		json_object_set_new(o, "chat", json_pack("{s:s}",
		    "allowIncoming", a->allow));
	return o;
}

enum view { VIEW_BASIC, VIEW_FULL, VIEW_DETAILED };

static json_t *
profile_json(size_t i, const size_t *viewer, enum view kind)
{
	const struct account	*a = acc(i);
	json_t			*o = json_object(), *assoc;

	json_object_set_new(o, "did", json_string(a->did));
	json_object_set_new(o, "handle", json_string(a->handle));
	if (*a->display_name != '\0')
		json_object_set_new(o, "displayName",
		    json_string(a->display_name));
	assoc = associated_json(a, kind == VIEW_DETAILED);
	if (json_object_size(assoc) > 0)
		json_object_set_new(o, "associated", assoc);
	else
		json_decref(assoc);
	if (kind != VIEW_BASIC)
		json_object_set_new(o, "indexedAt", json_string(a->created_at));
	json_object_set_new(o, "viewer", viewer_json(i, viewer));
	json_object_set_new(o, "labels", json_array());
	json_object_set_new(o, "createdAt", json_string(a->created_at));
	if (kind == VIEW_DETAILED) {
		json_object_set_new(o, "followersCount",
		    json_integer(count_followers(i)));
		json_object_set_new(o, "followsCount", json_integer(
		    count_records(i, "app.bsky.graph.follow")));
		json_object_set_new(o, "postsCount", json_integer(
		    count_records(i, "app.bsky.feed.post")));
	}
	return o;
}

static long
count_replies(const char *uri)
{
	const char	*parent;
	size_t		 i;
	long		 n = 0;

	for (i = 0; i < peer.nrecords; i++) {
		const struct record *r = &peer.records[i];

		if (r->deleted || strcmp(r->collection,
		    "app.bsky.feed.post") != 0)
			continue;
		parent = json_string_value(json_object_get(json_object_get(
		    json_object_get(r->value, "reply"), "parent"), "uri"));
		if (parent != NULL && strcmp(parent, uri) == 0)
			n++;
	}
	return n;
}

static json_t *
post_view(size_t i, const size_t *viewer)
{
	const struct record	*r = &peer.records[i];
	char			*uri = record_uri(r);
	json_t			*o;

	o = json_pack("{s:s, s:s, s:o, s:O, s:I, s:i, s:i, s:i, s:s, s:o, "
	    "s:[]}", "uri", uri, "cid", r->cid, "author",
	    profile_json(r->account, viewer, VIEW_BASIC), "record", r->value,
	    "replyCount", (json_int_t)count_replies(uri), "repostCount", 0,
	    "likeCount", 0, "quoteCount", 0, "indexedAt", r->indexed_at,
	    "viewer", json_object(), "labels");
	free(uri);
	return o;
}

/* ---- Jetstream events ---- */

/*
 * Keep an event and wake the live connections: each one walks the
 * event log from its own position, so replay and live tail are one path.
 */
static void
event_add(int64_t us, const char *op, size_t ri)
{
	const struct record	*r = &peer.records[ri];
	struct event		*e;
	json_t			*commit, *ev;
	char			*text;
	struct session		*s;

	commit = json_pack("{s:s, s:s, s:s, s:s}", "rev",
	    acc(r->account)->rev, "operation", op, "collection",
	    r->collection, "rkey", r->rkey);
	if (strcmp(op, "delete") != 0) {
		json_object_set(commit, "record", r->value);
		json_object_set_new(commit, "cid", json_string(r->cid));
	}
	ev = json_pack("{s:s, s:I, s:s, s:o}", "did", acc(r->account)->did,
	    "time_us", (json_int_t)us, "kind", "commit", "commit", commit);
	text = xjson(ev, 0);
	json_decref(ev);

	peer.events = xreallocarray(peer.events, peer.nevents + 1,
	    sizeof(*peer.events));
	e = &peer.events[peer.nevents++];
	memset(e, 0, sizeof(*e));
	e->time_us = us;
	e->account = r->account;
	e->collection = xstrdup(r->collection);
	e->rkey = xstrdup(r->rkey);
	e->op = op;
	e->len = strlen(text);
	e->frame = xcalloc(1, LWS_PRE + e->len + 1);
	memcpy(e->frame + LWS_PRE, text, e->len);
	free(text);
	for (s = peer.conns; s != NULL; s = s->next)
		if (!s->closing && !s->hello_wait)
			lws_callback_on_writable(s->wsi);
}

/* ---- notifications ---- */

static void
notify(size_t to, size_t from, const char *reason, size_t record,
    const char *subject)
{
	struct notification	*n;

	peer.notifications = xreallocarray(peer.notifications,
	    peer.nnotifications + 1, sizeof(*peer.notifications));
	n = &peer.notifications[peer.nnotifications++];
	memset(n, 0, sizeof(*n));
	n->to = to;
	n->from = from;
	n->reason = reason;
	n->record = record;
	n->subject = subject != NULL ? xstrdup(subject) : NULL;
	n->sort_us = clock_next();
	iso_time(n->indexed_at, sizeof(n->indexed_at), n->sort_us);
}

static int
listed(const size_t *set, size_t n, size_t v)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (set[i] == v)
			return 1;
	return 0;
}

/*
 * The notifications a new post makes, as the AppView's post indexer:
 * one per account at most, mention before quote before reply, replies
 * up to 5 ancestors up, never the author itself.
 */
static void
notify_post(size_t ri)
{
	const struct record	*r = &peer.records[ri];
	const json_t		*facets, *facet, *feats, *feat, *embed;
	const char		*type, *did, *uri;
	size_t			 done[2 + 64 + REPLY_NOTIF_DEPTH], ndone = 0;
	size_t			 i, j, a, p, depth;

	done[ndone++] = r->account;
	facets = json_object_get(r->value, "facets");
	json_array_foreach(facets, i, facet) {
		feats = json_object_get(facet, "features");
		json_array_foreach(feats, j, feat) {
			type = json_string_value(json_object_get(feat,
			    "$type"));
			did = json_string_value(json_object_get(feat, "did"));
			if (type == NULL || did == NULL || strcmp(type,
			    "app.bsky.richtext.facet#mention") != 0 ||
			    !account_by_did(did, &a) ||
			    listed(done, ndone, a) || ndone >= 64)
				continue;
			notify(a, r->account, "mention", ri, NULL);
			done[ndone++] = a;
		}
	}
	embed = json_object_get(r->value, "embed");
	type = json_string_value(json_object_get(embed, "$type"));
	uri = NULL;
	if (type != NULL && strcmp(type, "app.bsky.embed.record") == 0)
		uri = json_string_value(json_object_get(json_object_get(embed,
		    "record"), "uri"));
	else if (type != NULL &&
	    strcmp(type, "app.bsky.embed.recordWithMedia") == 0)
		uri = json_string_value(json_object_get(json_object_get(
		    json_object_get(embed, "record"), "record"), "uri"));
	if (uri != NULL && record_by_uri(uri, &p) &&
	    !listed(done, ndone, peer.records[p].account)) {
		notify(peer.records[p].account, r->account, "quote", ri, uri);
		done[ndone++] = peer.records[p].account;
	}
	uri = json_string_value(json_object_get(json_object_get(
	    json_object_get(r->value, "reply"), "parent"), "uri"));
	for (depth = 0; uri != NULL && depth < REPLY_NOTIF_DEPTH; depth++) {
		if (!record_by_uri(uri, &p))
			break;
		a = peer.records[p].account;
		if (!listed(done, ndone, a)) {
			notify(a, r->account, "reply", ri, uri);
			done[ndone++] = a;
		}
		uri = json_string_value(json_object_get(json_object_get(
		    json_object_get(peer.records[p].value, "reply"), "parent"),
		    "uri"));
	}
}

static void
notify_follow(size_t ri)
{
	const struct record	*r = &peer.records[ri];
	const char		*subject;
	size_t			 a;

	subject = json_string_value(json_object_get(r->value, "subject"));
	if (subject != NULL && account_by_did(subject, &a) && a != r->account)
		notify(a, r->account, "follow", ri, NULL);
}

/* ---- writes ---- */

/* A new commit on an account's repo: its time, which names its rev. */
static int64_t
repo_commit(size_t account)
{
	int64_t	us = clock_next();

	tid_make(acc(account)->rev, us);
	return us;
}

static const char *const chat_allow[] = { "all", "following", "none" };

static int
allow_valid(const char *v)
{
	size_t	i;

	for (i = 0; i < NELEM(chat_allow); i++)
		if (v != NULL && strcmp(v, chat_allow[i]) == 0)
			return 1;
	return 0;
}

/*
 * What the AppView learns from an account's own records: its display
 * name (app.bsky.actor.profile) and its chat declaration.
 */
static void
record_index_profile(size_t ri)
{
	const struct record	*r = &peer.records[ri];
	struct account		*a = acc(r->account);
	const char		*v;

	if (strcmp(r->rkey, "self") != 0)
		return;
	if (strcmp(r->collection, "app.bsky.actor.profile") == 0) {
		v = json_string_value(json_object_get(r->value,
		    "displayName"));
		free(a->display_name);
		a->display_name = xstrdup(!r->deleted && v != NULL ? v : "");
		return;
	}
	if (strcmp(r->collection, "chat.bsky.actor.declaration") != 0)
		return;
	if (r->deleted) {
		a->declared = 0;
		snprintf(a->allow, sizeof(a->allow), "following");
		return;
	}
	a->declared = 1;
	v = json_string_value(json_object_get(r->value, "allowIncoming"));
	snprintf(a->allow, sizeof(a->allow), "%s", allow_valid(v) ? v :
	    "following");
}

/* Takes value and cid (NULL: computed). */
static size_t
record_create(size_t account, const char *collection, const char *rkey,
    json_t *value, char *cid)
{
	struct record	*r;
	int64_t		 us = repo_commit(account);
	size_t		 ri;

	peer.records = xreallocarray(peer.records, peer.nrecords + 1,
	    sizeof(*peer.records));
	ri = peer.nrecords++;
	r = &peer.records[ri];
	memset(r, 0, sizeof(*r));
	r->account = account;
	r->collection = xstrdup(collection);
	r->rkey = xstrdup(rkey);
	r->value = value;
	r->cid = cid != NULL ? cid : cid_of(value);
	r->time_us = us;
	iso_time(r->indexed_at, sizeof(r->indexed_at), us);
	peer.stats.records_written++;
	event_add(us, "create", ri);
	record_index_profile(ri);
	if (strcmp(collection, "app.bsky.feed.post") == 0)
		notify_post(ri);
	else if (strcmp(collection, "app.bsky.graph.follow") == 0)
		notify_follow(ri);
	return ri;
}

static void
record_update(size_t ri, json_t *value, char *cid)
{
	struct record	*r = &peer.records[ri];
	int64_t		 us = repo_commit(r->account);

	json_decref(r->value);
	free(r->cid);
	r->value = value;
	r->cid = cid != NULL ? cid : cid_of(value);
	r->updates++;
	event_add(us, "update", ri);
	record_index_profile(ri);
}

static int64_t
record_delete(size_t ri)
{
	int64_t	us = repo_commit(peer.records[ri].account);
	size_t	i;

	peer.records[ri].deleted = 1;
	event_add(us, "delete", ri);
	for (i = 0; i < peer.nnotifications; i++)
		if (peer.notifications[i].record == ri)
			peer.notifications[i].deleted = 1;
	record_index_profile(ri);
	return us;
}

/* ---- record validation, as the PDS's lexicons do it ---- */

enum keytype { KEY_ANY, KEY_TID, KEY_SELF };

struct schema {
	const char	*nsid;
	enum keytype	 key;
	int		(*check)(const json_t *, char *, size_t);
};

static int
need_prop(const json_t *o, const char *path, const char *key,
    const json_t **out, char *msg, size_t len)
{
	if ((*out = json_object_get(o, key)) == NULL) {
		snprintf(msg, len, "%s must have the property \"%s\"", path,
		    key);
		return 0;
	}
	return 1;
}

static int
need_string(const json_t *o, const char *path, const char *key,
    const char **out, char *msg, size_t len)
{
	const json_t	*v;

	if (!need_prop(o, path, key, &v, msg, len))
		return 0;
	if (!json_is_string(v)) {
		snprintf(msg, len, "%s/%s must be a string", path, key);
		return 0;
	}
	*out = json_string_value(v);
	return 1;
}

static int
need_datetime(const json_t *o, const char *path, const char *key, char *msg,
    size_t len)
{
	const char	*v;

	if (!need_string(o, path, key, &v, msg, len))
		return 0;
	if (!iso_parse(v, NULL)) {
		snprintf(msg, len, "%s/%s must be an valid atproto datetime "
		    "(both RFC-3339 and ISO-8601)", path, key);
		return 0;
	}
	return 1;
}

static int
need_object(const json_t *v, const char *path, char *msg, size_t len)
{
	if (!json_is_object(v)) {
		snprintf(msg, len, "%s must be an object", path);
		return 0;
	}
	return 1;
}

static int
need_strong_ref(const json_t *o, const char *path, char *msg, size_t len)
{
	const char	*uri, *cid;

	if (!need_object(o, path, msg, len) ||
	    !need_string(o, path, "uri", &uri, msg, len) ||
	    !need_string(o, path, "cid", &cid, msg, len))
		return 0;
	if (strncmp(uri, "at://", 5) != 0) {
		snprintf(msg, len, "%s/uri must be a valid at-uri", path);
		return 0;
	}
	return 1;
}

static int
need_did(const json_t *o, const char *path, const char *key, char *msg,
    size_t len)
{
	const char	*v;

	if (!need_string(o, path, key, &v, msg, len))
		return 0;
	if (!did_valid(v)) {
		snprintf(msg, len, "%s/%s must be a valid did", path, key);
		return 0;
	}
	return 1;
}

static int
need_int(const json_t *o, const char *path, const char *key, json_int_t *out,
    char *msg, size_t len)
{
	const json_t	*v;

	if (!need_prop(o, path, key, &v, msg, len))
		return 0;
	if (!json_is_integer(v)) {
		snprintf(msg, len, "%s/%s must be an integer", path, key);
		return 0;
	}
	if ((*out = json_integer_value(v)) < 0) {
		snprintf(msg, len, "%s/%s can not be less than 0", path, key);
		return 0;
	}
	return 1;
}

/*
 * richtext facets over a text of tlen bytes.  The lexicon only wants
 * integers; a facet past the text is refused here as a client bug.
 */
static int
check_facets(const json_t *facets, const char *path, size_t tlen, char *msg,
    size_t len)
{
	const json_t	*facet, *index, *feats, *feat;
	const char	*type, *val;
	char		 p[96], fp[128];
	json_int_t	 start, end;
	size_t		 i, j;

	if (!json_is_array(facets)) {
		snprintf(msg, len, "%s/facets must be an array", path);
		return 0;
	}
	json_array_foreach(facets, i, facet) {
		snprintf(p, sizeof(p), "%s/facets/%zu", path, i);
		if (!need_object(facet, p, msg, len) ||
		    !need_prop(facet, p, "index", &index, msg, len))
			return 0;
		snprintf(fp, sizeof(fp), "%s/index", p);
		if (!need_object(index, fp, msg, len) ||
		    !need_int(index, fp, "byteStart", &start, msg, len) ||
		    !need_int(index, fp, "byteEnd", &end, msg, len))
			return 0;
		if ((size_t)end > tlen) {
			snprintf(msg, len, "%s/byteEnd must not be greater "
			    "than the text's length in bytes (%zu)", fp, tlen);
			return 0;
		}
		if (start > end) {
			snprintf(msg, len, "%s/byteStart must not be greater "
			    "than byteEnd", fp);
			return 0;
		}
		if (!need_prop(facet, p, "features", &feats, msg, len))
			return 0;
		if (!json_is_array(feats)) {
			snprintf(msg, len, "%s/features must be an array", p);
			return 0;
		}
		json_array_foreach(feats, j, feat) {
			snprintf(fp, sizeof(fp), "%s/features/%zu", p, j);
			if (!json_is_object(feat) || (type = json_string_value(
			    json_object_get(feat, "$type"))) == NULL) {
				snprintf(msg, len, "%s must be an object which "
				    "includes the \"$type\" property", fp);
				return 0;
			}
			if (strcmp(type, "app.bsky.richtext.facet#mention") ==
			    0 && !need_did(feat, fp, "did", msg, len))
				return 0;
			if (strcmp(type, "app.bsky.richtext.facet#link") == 0 &&
			    !need_string(feat, fp, "uri", &val, msg, len))
				return 0;
			if (strcmp(type, "app.bsky.richtext.facet#tag") == 0 &&
			    !need_string(feat, fp, "tag", &val, msg, len))
				return 0;
		}
	}
	return 1;
}

/* A blob this repo (peer.writer) uploaded: its index, or -1. */
static long
blob_find(const char *cid)
{
	size_t	i;

	for (i = 0; i < peer.nblobs; i++)
		if (peer.blobs[i].account == peer.writer &&
		    strcmp(peer.blobs[i].cid, cid) == 0)
			return (long)i;
	return -1;
}

/*
 * app.bsky.embed.images: 1 to 4 {image: blob, alt: string,
 * aspectRatio?}; each blob an image of this repo's, within maxSize.
 */
static int
check_embed_images(const json_t *e, char *msg, size_t len)
{
	const json_t	*images = json_object_get(e, "images"), *im, *b, *ar;
	const char	*cid;
	char		 path[64];
	size_t		 i;
	long		 bi;

	if (!json_is_array(images)) {
		snprintf(msg, len, "Record/embed/images must be an array");
		return 0;
	}
	if (json_array_size(images) > EMBED_IMAGES_MAX) {
		snprintf(msg, len, "Record/embed/images must not have more "
		    "than %d elements", EMBED_IMAGES_MAX);
		return 0;
	}
	json_array_foreach(images, i, im) {
		snprintf(path, sizeof(path), "Record/embed/images/%zu", i);
		if (!need_object(im, path, msg, len))
			return 0;
		if (!json_is_string(json_object_get(im, "alt"))) {
			snprintf(msg, len, "%s must have the property \"alt\"",
			    path);
			return 0;
		}
		b = json_object_get(im, "image");
		cid = json_string_value(json_object_get(json_object_get(b,
		    "ref"), "$link"));
		if (!json_is_object(b) || json_string_value(json_object_get(b,
		    "$type")) == NULL || strcmp(json_string_value(
		    json_object_get(b, "$type")), "blob") != 0 || cid == NULL ||
		    !json_is_string(json_object_get(b, "mimeType")) ||
		    !json_is_integer(json_object_get(b, "size"))) {
			snprintf(msg, len, "%s/image should be a blob ref",
			    path);
			return 0;
		}
		if ((bi = blob_find(cid)) == -1) {
			snprintf(msg, len, "Could not find blob: %s", cid);
			return 0;
		}
		if (strncmp(peer.blobs[bi].mime, "image/", 6) != 0) {
			snprintf(msg, len, "%s/image has an invalid mime "
			    "type: %s", path, peer.blobs[bi].mime);
			return 0;
		}
		if (peer.blobs[bi].size > EMBED_IMAGE_BYTES) {
			snprintf(msg, len, "%s/image is too big: %zu bytes, "
			    "%d at most", path, peer.blobs[bi].size,
			    EMBED_IMAGE_BYTES);
			return 0;
		}
		if ((ar = json_object_get(im, "aspectRatio")) != NULL &&
		    (!json_is_object(ar) ||
		    json_integer_value(json_object_get(ar, "width")) < 1 ||
		    json_integer_value(json_object_get(ar, "height")) < 1)) {
			snprintf(msg, len, "%s/aspectRatio must have a width "
			    "and a height of at least 1", path);
			return 0;
		}
	}
	return 1;
}

static int
check_post(const json_t *rec, char *msg, size_t len)
{
	const json_t	*v, *reply, *lang;
	const char	*text;
	size_t		 tlen, i;

	if (!need_string(rec, "Record", "text", &text, msg, len))
		return 0;
	tlen = json_string_length(json_object_get(rec, "text"));
	if (tlen > POST_MAX_BYTES) {
		snprintf(msg, len, "Record/text must not be longer than %d "
		    "characters", POST_MAX_BYTES);
		return 0;
	}
	if (graphemes(text, tlen) > POST_MAX_GRAPHEMES) {
		snprintf(msg, len, "Record/text must not be longer than %d "
		    "graphemes", POST_MAX_GRAPHEMES);
		return 0;
	}
	if (!need_datetime(rec, "Record", "createdAt", msg, len))
		return 0;
	if ((v = json_object_get(rec, "langs")) != NULL) {
		if (!json_is_array(v)) {
			snprintf(msg, len, "Record/langs must be an array");
			return 0;
		}
		if (json_array_size(v) > LANGS_MAX) {
			snprintf(msg, len, "Record/langs must not have more "
			    "than %d elements", LANGS_MAX);
			return 0;
		}
		json_array_foreach(v, i, lang)
			if (!json_is_string(lang) ||
			    json_string_length(lang) == 0) {
				snprintf(msg, len, "Record/langs/%zu must be a "
				    "well-formed BCP 47 language tag", i);
				return 0;
			}
	}
	if ((v = json_object_get(rec, "facets")) != NULL &&
	    !check_facets(v, "Record", tlen, msg, len))
		return 0;
	if ((reply = json_object_get(rec, "reply")) != NULL) {
		if (!need_object(reply, "Record/reply", msg, len) ||
		    !need_prop(reply, "Record/reply", "root", &v, msg, len) ||
		    !need_strong_ref(v, "Record/reply/root", msg, len) ||
		    !need_prop(reply, "Record/reply", "parent", &v, msg, len) ||
		    !need_strong_ref(v, "Record/reply/parent", msg, len))
			return 0;
	}
	if ((v = json_object_get(rec, "embed")) != NULL &&
	    (!json_is_object(v) ||
	    !json_is_string(json_object_get(v, "$type")))) {
		snprintf(msg, len, "Record/embed must be an object which "
		    "includes the \"$type\" property");
		return 0;
	}
	if (v != NULL && strcmp(json_string_value(json_object_get(v, "$type")),
	    "app.bsky.embed.images") == 0 && !check_embed_images(v, msg, len))
		return 0;
	return 1;
}

/* follow, block: a subject DID */
static int
check_graph(const json_t *rec, char *msg, size_t len)
{
	return need_did(rec, "Record", "subject", msg, len) &&
	    need_datetime(rec, "Record", "createdAt", msg, len);
}

/* like, repost: a subject strongRef */
static int
check_subject_ref(const json_t *rec, char *msg, size_t len)
{
	const json_t	*v;

	return need_prop(rec, "Record", "subject", &v, msg, len) &&
	    need_strong_ref(v, "Record/subject", msg, len) &&
	    need_datetime(rec, "Record", "createdAt", msg, len);
}

static int
check_profile(const json_t *rec, char *msg, size_t len)
{
	const json_t	*v = json_object_get(rec, "displayName");

	if (v != NULL && (!json_is_string(v) || json_string_length(v) > 640 ||
	    graphemes(json_string_value(v), json_string_length(v)) > 64)) {
		snprintf(msg, len, "Record/displayName must not be longer "
		    "than 64 graphemes");
		return 0;
	}
	return 1;
}

static int
check_declaration(const json_t *rec, char *msg, size_t len)
{
	const char	*v;

	return need_string(rec, "Record", "allowIncoming", &v, msg, len);
}

static const struct schema schemas[] = {
	{ "app.bsky.feed.post", KEY_TID, check_post },
	{ "app.bsky.graph.follow", KEY_TID, check_graph },
	{ "app.bsky.graph.block", KEY_TID, check_graph },
	{ "app.bsky.feed.like", KEY_TID, check_subject_ref },
	{ "app.bsky.feed.repost", KEY_TID, check_subject_ref },
	{ "app.bsky.actor.profile", KEY_SELF, check_profile },
	{ "chat.bsky.actor.declaration", KEY_SELF, check_declaration },
};

/*
 * A record about to be written, checked as prepare.ts does: its $type
 * (set to the collection when missing), the record key, then the
 * lexicon when the collection is known.  validate: -1 unset, 0 false,
 * 1 true.  0 and msg when refused; *status is the validationStatus
 * (NULL: none).
 */
static int
record_prepare(const char *collection, const char *rkey, json_t *rec,
    int validate, const char **status, char *msg, size_t len)
{
	const struct schema	*sc = NULL;
	const json_t		*type;
	const char		*why;
	size_t			 i;

	*status = NULL;
	if ((type = json_object_get(rec, "$type")) == NULL)
		json_object_set_new(rec, "$type", json_string(collection));
	else if (!json_is_string(type) ||
	    strcmp(json_string_value(type), collection) != 0) {
		snprintf(msg, len, "Invalid $type: expected %s, got %s",
		    collection, json_is_string(type) ?
		    json_string_value(type) : "a non-string");
		return 0;
	}
	if ((why = rkey_invalid(rkey)) != NULL) {
		snprintf(msg, len, "%s", why);
		return 0;
	}
	if (validate == 0)
		return 1;
	for (i = 0; i < NELEM(schemas); i++)
		if (strcmp(schemas[i].nsid, collection) == 0)
			sc = &schemas[i];
	if (sc == NULL) {
		if (validate == 1) {
			snprintf(msg, len, "Unknown lexicon type: %s",
			    collection);
			return 0;
		}
		*status = "unknown";
		return 1;
	}
	if (sc->key == KEY_TID && !tid_valid(rkey)) {
		snprintf(msg, len, "Invalid record key for %s: must be a "
		    "valid TID", collection);
		return 0;
	}
	if (sc->key == KEY_SELF && strcmp(rkey, "self") != 0) {
		snprintf(msg, len, "Invalid record key for %s: must be "
		    "\"self\"", collection);
		return 0;
	}
	if (!sc->check(rec, msg, len)) {
		/* the lexicon's message, behind the PDS's prefix */
		char	*inner = xstrdup(msg);

		snprintf(msg, len, "Invalid %s record: %s", collection, inner);
		free(inner);
		return 0;
	}
	*status = "valid";
	return 1;
}

/* ---- HTTP plumbing ---- */

static void
session_clear_http(struct session *s)
{
	free(s->token);
	free(s->proxy);
	free(s->ctype);
	json_decref(s->query);
	free(s->body);
	free(s->out);
	s->token = s->proxy = s->ctype = s->body = s->out = NULL;
	s->query = NULL;
	s->blen = s->outlen = s->outoff = 0;
	s->overflow = s->close_after = s->auth_other = s->blob = 0;
	s->path[0] = '\0';
}

/*
 * The query string as name -> [values]: XRPC repeats a name for each
 * element of an array (a=x&a=y).  lws has already split it at & and
 * decoded %XX and + in each piece.
 */
static json_t *
query_args(struct lws *wsi)
{
	json_t	*q = json_object(), *arr;
	char	 frag[4096], *eq;
	int	 i, n;

	for (i = 0; (n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag),
	    WSI_TOKEN_HTTP_URI_ARGS, i)) >= 0; i++) {
		if (n == 0 || !utf8_valid(frag))
			continue;
		if ((eq = strchr(frag, '=')) != NULL)
			*eq++ = '\0';
		if (*frag == '\0')
			continue;
		if ((arr = json_object_get(q, frag)) == NULL) {
			arr = json_array();
			json_object_set_new(q, frag, arr);
		}
		json_array_append_new(arr, json_string(eq != NULL ? eq : ""));
	}
	return q;
}

/* A query parameter's first value, or NULL. */
static const char *
qstr(const json_t *q, const char *name)
{
	return json_string_value(json_array_get(json_object_get(q, name), 0));
}

static int
add_header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

/*
 * Send the status and headers now, the body when writeable.  Takes the
 * body.  rl: the bucket the ratelimit-* headers describe; retry_after
 * >= 0 adds Retry-After.
 */
static int
respond_raw(struct lws *wsi, struct session *s, unsigned status,
    const char *ctype, char *body, const struct bucket *rl, long retry_after)
{
	unsigned char	 hdr[LWS_PRE + 4096], *start = hdr + LWS_PRE;
	unsigned char	*p = start, *end = hdr + sizeof(hdr) - 1;
	char		 num[64];

	free(s->out);
	s->out = body;
	s->outlen = strlen(body);
	s->outoff = 0;
	if (lws_add_http_header_status(wsi, status, &p, end))
		return -1;
	if (ctype != NULL && lws_add_http_header_by_token(wsi,
	    WSI_TOKEN_HTTP_CONTENT_TYPE, (const unsigned char *)ctype,
	    (int)strlen(ctype), &p, end))
		return -1;
	if (lws_add_http_header_content_length(wsi, s->outlen, &p, end) ||
	    add_header(wsi, "cache-control:", "private", &p, end) ||
	    add_header(wsi, "vary:", "Authorization, Accept-Encoding", &p,
	    end))
		return -1;
	if (rl != NULL) {
		snprintf(num, sizeof(num), "%ld", rl->limit);
		if (add_header(wsi, "ratelimit-limit:", num, &p, end))
			return -1;
		snprintf(num, sizeof(num), "%ld", rl->remaining);
		if (add_header(wsi, "ratelimit-remaining:", num, &p, end))
			return -1;
		snprintf(num, sizeof(num), "%" PRId64, reset_seconds(rl));
		if (add_header(wsi, "ratelimit-reset:", num, &p, end))
			return -1;
		snprintf(num, sizeof(num), "%ld;w=%ld", rl->limit, rl->window);
		if (add_header(wsi, "ratelimit-policy:", num, &p, end))
			return -1;
	}
	if (retry_after >= 0) {
		snprintf(num, sizeof(num), "%ld", retry_after);
		if (add_header(wsi, "retry-after:", num, &p, end))
			return -1;
	}
	if (s->close_after && add_header(wsi, "connection:", "close", &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Takes body (NULL: an empty body, as for a procedure without output). */
static int
respond(struct lws *wsi, struct session *s, unsigned status, json_t *body,
    const struct bucket *rl, long retry_after)
{
	char	*text;

	if (body == NULL)
		return respond_raw(wsi, s, status, NULL, xstrdup(""), rl,
		    retry_after);
	text = xjson(body, 0);
	json_decref(body);
	return respond_raw(wsi, s, status, "application/json; charset=utf-8",
	    text, rl, retry_after);
}

static int
respond_error(struct lws *wsi, struct session *s, unsigned status,
    const char *error, const char *message, const struct bucket *rl,
    long retry_after)
{
	return respond(wsi, s, status, json_pack("{s:s, s:s}", "error", error,
	    "message", message), rl, retry_after);
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
	if (n > 0 && lws_write(wsi, buf + LWS_PRE, n, final ?
	    LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
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
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

/* XRPC's ResponseType: the error name and text for a status. */
static void
xrpc_status(int status, const char **error, const char **message)
{
	switch (status) {
	case 400: *error = "InvalidRequest"; *message = "Invalid Request";
		break;
	case 401: *error = "AuthenticationRequired";
		*message = "Authentication Required";
		break;
	case 403: *error = "Forbidden"; *message = "Forbidden";
		break;
	case 404: *error = "XRPCNotSupported"; *message = "XRPC Not Supported";
		break;
	case 413: *error = "PayloadTooLarge"; *message = "Payload Too Large";
		break;
	case 429: *error = "RateLimitExceeded";
		*message = "Rate Limit Exceeded";
		break;
	case 501: *error = "MethodNotImplemented";
		*message = "Method Not Implemented";
		break;
	case 502: *error = "UpstreamFailure"; *message = "Upstream Failure";
		break;
	case 503: *error = "NotEnoughResources";
		*message = "Not Enough Resources";
		break;
	case 504: *error = "UpstreamTimeout"; *message = "Upstream Timeout";
		break;
	default: *error = "InternalServerError";
		*message = "Internal Server Error";
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
			peer.stats.failures_injected++;
			if (peer.failures[i].status == 429)
				peer.stats.rate_limited++;
			return &peer.failures[i];
		}
	return NULL;
}

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

static enum method
request_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
		return M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return M_POST;
	return M_OTHER;
}

/* ---- XRPC ---- */

enum auth { AUTH_NONE, AUTH_OPTIONAL, AUTH_ACCESS, AUTH_REFRESH };
enum service { SVC_PDS, SVC_APPVIEW, SVC_CHAT };
enum rlkind { RL_READ, RL_WRITE, RL_CHAT, RL_LOGIN };

/* One XRPC call being answered. */
struct call {
	struct lws	*wsi;
	struct session	*s;
	int		 authed;
	size_t		 me;		/* the caller's account, when authed */
	size_t		 token;
	json_t		*in;		/* the JSON input of a procedure */
	struct bucket	 rl;		/* what the ratelimit headers say */
	int		 has_rl;
};

static int
reply(struct call *c, json_t *body)
{
	return respond(c->wsi, c->s, 200, body, c->has_rl ? &c->rl : NULL,
	    -1);
}

static int
fail(struct call *c, unsigned status, const char *error, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct call *c, unsigned status, const char *error, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;
	int	 rc;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		err(1, "vasprintf");
	va_end(ap);
	rc = respond_error(c->wsi, c->s, status, error, msg,
	    c->has_rl ? &c->rl : NULL, -1);
	free(msg);
	return rc;
}

static int
missing_param(struct call *c, const char *name)
{
	return fail(c, 400, "InvalidRequest",
	    "Error: Params must have the property \"%s\"", name);
}

static int
missing_input(struct call *c, const char *name)
{
	return fail(c, 400, "InvalidRequest",
	    "Input must have the property \"%s\"", name);
}

/* An input property that must be a string: NULL when it is not. */
static const char *
in_str(struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->in, name));
}

/* limit: 1 to 100, 50 by default.  0 after answering 400. */
static int
param_limit(struct call *c, long *limit, int *rc)
{
	const char	*v = qstr(c->s->query, "limit");
	char		*end;

	*limit = PAGE_DEFAULT;
	if (v == NULL)
		return 1;
	errno = 0;
	*limit = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v) {
		*rc = fail(c, 400, "InvalidRequest",
		    "Error: limit must be an integer");
		return 0;
	}
	if (*limit > PAGE_MAX) {
		*rc = fail(c, 400, "InvalidRequest",
		    "Error: limit can not be greater than %d", PAGE_MAX);
		return 0;
	}
	if (*limit < 1) {
		*rc = fail(c, 400, "InvalidRequest",
		    "Error: limit can not be less than 1");
		return 0;
	}
	return 1;
}

/* cursor: a time in microseconds; INT64_MAX when none.  0: answered. */
static int
param_cursor(struct call *c, int64_t *cursor, int *rc)
{
	const char	*v = qstr(c->s->query, "cursor");
	char		*end;

	*cursor = INT64_MAX;
	if (v == NULL || *v == '\0')
		return 1;
	errno = 0;
	*cursor = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || *cursor < 0) {
		*rc = fail(c, 400, "InvalidRequest", "Malformed cursor");
		return 0;
	}
	return 1;
}

static json_t *
commit_json(size_t account)
{
	const struct account	*a = acc(account);
	char			*seed = xasprintf("%s/%s", a->did, a->rev);
	char			*cid = cid_of_bytes(seed, strlen(seed));
	json_t			*o;

	o = json_pack("{s:s, s:s}", "cid", cid, "rev", a->rev);
	free(seed);
	free(cid);
	return o;
}

static json_t *
session_json(size_t account, const char *access, const char *refresh)
{
	const struct account	*a = acc(account);
	json_t			*o = json_object();

	if (access != NULL)
		json_object_set_new(o, "accessJwt", json_string(access));
	if (refresh != NULL)
		json_object_set_new(o, "refreshJwt", json_string(refresh));
	json_object_set_new(o, "handle", json_string(a->handle));
	json_object_set_new(o, "did", json_string(a->did));
	json_object_set_new(o, "didDoc", did_doc(a));
	json_object_set_new(o, "active", json_true());
	return o;
}

static int
x_describe_server(struct call *c)
{
	return reply(c, json_pack("{s:s, s:[s], s:b, s:b, s:{}, s:{}}",
	    "did", PEER_SERVICE_DID, "availableUserDomains", ".test",
	    "inviteCodeRequired", 0, "phoneVerificationRequired", 0, "links",
	    "contact"));
}

static int
x_resolve_handle(struct call *c)
{
	const char	*h = qstr(c->s->query, "handle");
	size_t		 a;

	if (h == NULL)
		return missing_param(c, "handle");
	if (!account_by_handle(h, &a))
		return fail(c, 400, "HandleNotFound",
		    "Unable to resolve handle");
	return reply(c, json_pack("{s:s}", "did", acc(a)->did));
}

static int
x_create_session(struct call *c)
{
	const char	*id = in_str(c, "identifier");
	const char	*pw = in_str(c, "password");
	size_t		 a, at, rt;

	if (id == NULL)
		return missing_input(c, "identifier");
	if (pw == NULL)
		return missing_input(c, "password");
	if (!account_by_actor(id, &a) || acc(a)->password == NULL ||
	    strcmp(acc(a)->password, pw) != 0)
		return fail(c, 401, "AuthenticationRequired",
		    "Invalid identifier or password");
	at = token_new(a, 0);
	rt = token_new(a, 1);
	return reply(c, session_json(a, peer.tokens[at].jwt,
	    peer.tokens[rt].jwt));
}

/*
 * Rotation, as the PDS's rotateRefreshToken: a refresh token used once
 * names its successor, and using it again within the grace period gives
 * that same successor (with a new access token); afterwards it is
 * revoked.
 */
static int
x_refresh_session(struct call *c)
{
	int64_t	 now = now_usec(), grace;
	size_t	 at, rt, account = peer.tokens[c->token].account;

	if (peer.tokens[c->token].next != 0) {
		if (now >= peer.tokens[c->token].grace_end)
			return fail(c, 400, "ExpiredToken",
			    "Token has been revoked");
		rt = peer.tokens[c->token].next - 1;
		at = token_new(account, 0);
	} else {
		at = token_new(account, 0);
		rt = token_new(account, 1);
		grace = now + REFRESH_GRACE;
		peer.tokens[c->token].next = rt + 1;
		peer.tokens[c->token].grace_end =
		    grace < peer.tokens[c->token].exp_us ? grace :
		    peer.tokens[c->token].exp_us;
	}
	return reply(c, session_json(account, peer.tokens[at].jwt,
	    peer.tokens[rt].jwt));
}

static int
x_get_session(struct call *c)
{
	return reply(c, session_json(c->me, NULL, NULL));
}

static int
x_delete_session(struct call *c)
{
	struct token	*t = &peer.tokens[c->token];

	t->revoked = 1;
	if (t->next != 0)
		peer.tokens[t->next - 1].revoked = 1;
	return reply(c, NULL);
}

/*
 * The input common to the repo writes: repo (the caller's own),
 * collection, and the record key when required.  0 after answering.
 */
static int
write_target(struct call *c, const char **collection, const char **rkey,
    int need_rkey, int *rc)
{
	const char	*repo = in_str(c, "repo");
	const json_t	*k = json_object_get(c->in, "rkey");
	size_t		 a;

	*collection = in_str(c, "collection");
	*rkey = json_string_value(k);
	if (repo == NULL)
		*rc = missing_input(c, "repo");
	else if (*collection == NULL)
		*rc = missing_input(c, "collection");
	else if (need_rkey && *rkey == NULL)
		*rc = missing_input(c, "rkey");
	else if (k != NULL && *rkey == NULL)
		*rc = fail(c, 400, "InvalidRequest",
		    "Input/rkey must be a string");
	else if (!nsid_valid(*collection))
		*rc = fail(c, 400, "InvalidRequest",
		    "Input/collection must be a valid nsid");
	else if (!account_by_actor(repo, &a))
		*rc = fail(c, 400, "InvalidRequest", "Could not find repo: %s",
		    repo);
	else if (a != c->me)
		*rc = fail(c, 401, "AuthenticationRequired",
		    "Authentication Required");
	else
		return 1;
	return 0;
}

/* validate: -1 unset, else the boolean; 0 after answering. */
static int
write_validate(struct call *c, int *validate, int *rc)
{
	const json_t	*v = json_object_get(c->in, "validate");

	*validate = -1;
	if (v == NULL || json_is_null(v))
		return 1;
	if (!json_is_boolean(v)) {
		*rc = fail(c, 400, "InvalidRequest",
		    "Input/validate must be a boolean");
		return 0;
	}
	*validate = json_is_true(v);
	return 1;
}

static json_t *
write_result(size_t ri, const char *status, int commit)
{
	const struct record	*r = &peer.records[ri];
	char			*uri = record_uri(r);
	json_t			*o;

	o = json_pack("{s:s, s:s}", "uri", uri, "cid", r->cid);
	free(uri);
	if (commit)
		json_object_set_new(o, "commit", commit_json(r->account));
	if (status != NULL)
		json_object_set_new(o, "validationStatus", json_string(status));
	return o;
}

static int
x_create_record(struct call *c)
{
	const char	*collection, *rkey, *status;
	const json_t	*record = json_object_get(c->in, "record");
	json_t		*rec;
	char		 tid[14], msg[512];
	size_t		 ri;
	int		 rc, validate;

	if (!write_target(c, &collection, &rkey, 0, &rc) ||
	    !write_validate(c, &validate, &rc))
		return rc;
	if (record == NULL)
		return missing_input(c, "record");
	if (!json_is_object(record))
		return fail(c, 400, "InvalidRequest",
		    "Input/record must be an object");
	if (rkey == NULL) {
		tid_make(tid, clock_next());
		rkey = tid;
	}
	rec = json_deep_copy(record);
	peer.writer = c->me;
	if (!record_prepare(collection, rkey, rec, validate, &status, msg,
	    sizeof(msg))) {
		json_decref(rec);
		return fail(c, 400, "InvalidRequest", "%s", msg);
	}
	/* the MST refuses a key already there: an unmapped error, a 500 */
	if (record_find(c->me, collection, rkey, &ri)) {
		json_decref(rec);
		return fail(c, 500, "InternalServerError",
		    "Internal Server Error");
	}
	ri = record_create(c->me, collection, rkey, rec, NULL);
	return reply(c, write_result(ri, status, 1));
}

/* swapRecord: the CID the record must have now (null: must not exist). */
static int
swap_ok(struct call *c, int exists, size_t ri, int *rc)
{
	const json_t	*swap = json_object_get(c->in, "swapRecord");
	const char	*now = exists ? peer.records[ri].cid : NULL;

	if (swap == NULL)
		return 1;
	if (json_is_null(swap) ? !exists : json_is_string(swap) && exists &&
	    strcmp(json_string_value(swap), now) == 0)
		return 1;
	*rc = fail(c, 400, "InvalidSwap", "Record was at %s",
	    now != NULL ? now : "null");
	return 0;
}

static int
x_put_record(struct call *c)
{
	const char	*collection, *rkey, *status;
	const json_t	*record = json_object_get(c->in, "record");
	json_t		*rec;
	char		 msg[512], *cid;
	size_t		 ri = 0;
	int		 rc, validate, exists;

	if (!write_target(c, &collection, &rkey, 1, &rc) ||
	    !write_validate(c, &validate, &rc))
		return rc;
	if (record == NULL)
		return missing_input(c, "record");
	if (!json_is_object(record))
		return fail(c, 400, "InvalidRequest",
		    "Input/record must be an object");
	rec = json_deep_copy(record);
	peer.writer = c->me;
	if (!record_prepare(collection, rkey, rec, validate, &status, msg,
	    sizeof(msg))) {
		json_decref(rec);
		return fail(c, 400, "InvalidRequest", "%s", msg);
	}
	exists = record_find(c->me, collection, rkey, &ri);
	if (!swap_ok(c, exists, ri, &rc)) {
		json_decref(rec);
		return rc;
	}
	cid = cid_of(rec);
	if (exists && strcmp(peer.records[ri].cid, cid) == 0) {
		/* the same content: no commit, the same uri and cid */
		peer.stats.put_record_noop++;
		json_decref(rec);
		free(cid);
		return reply(c, write_result(ri, status, 0));
	}
	if (exists) {
		peer.stats.put_record_update++;
		record_update(ri, rec, cid);
	} else
		ri = record_create(c->me, collection, rkey, rec, cid);
	return reply(c, write_result(ri, status, 1));
}

/* The type of a picture by its first bytes, else NULL. */
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
 * com.atproto.repo.uploadBlob: the raw body is the blob.  Its mimeType is
 * what its bytes say, else the Content-Type given, as the PDS does.
 */
static int
x_upload_blob(struct call *c)
{
	struct blob	*b;
	const char	*mime;
	char		*cid;
	size_t		 i;
	long		 bi;

	if (c->s->blen == 0)
		return fail(c, 400, "InvalidRequest", "Request body is empty");
	mime = sniff_mime((const unsigned char *)c->s->body, c->s->blen);
	if (mime == NULL)
		mime = c->s->ctype != NULL ? c->s->ctype :
		    "application/octet-stream";
	cid = cid_of_blob(c->s->body, c->s->blen);
	peer.writer = c->me;
	if ((bi = blob_find(cid)) == -1) {
		peer.blobs = xreallocarray(peer.blobs, peer.nblobs + 1,
		    sizeof(*peer.blobs));
		b = &peer.blobs[peer.nblobs++];
		b->account = c->me;
		b->cid = xstrdup(cid);
		b->size = c->s->blen;
		b->mime = xstrdup(mime);
		for (i = 0; b->mime[i] != '\0'; i++)
			if (b->mime[i] == ';' || b->mime[i] == ' ')
				b->mime[i] = '\0';
	} else
		b = &peer.blobs[bi];
	free(cid);
	return reply(c, json_pack("{s:{s:s, s:{s:s}, s:s, s:I}}", "blob",
	    "$type", "blob", "ref", "$link", b->cid, "mimeType", b->mime,
	    "size", (json_int_t)b->size));
}

static int
x_delete_record(struct call *c)
{
	const char	*collection, *rkey;
	size_t		 ri = 0;
	int		 rc, exists;

	if (!write_target(c, &collection, &rkey, 1, &rc))
		return rc;
	exists = record_find(c->me, collection, rkey, &ri);
	if (json_object_get(c->in, "swapRecord") != NULL &&
	    !json_is_null(json_object_get(c->in, "swapRecord")) &&
	    !swap_ok(c, exists, ri, &rc))
		return rc;
	/* nothing there: nothing to commit, and no error */
	if (!exists)
		return reply(c, json_object());
	record_delete(ri);
	return reply(c, json_pack("{s:o}", "commit", commit_json(c->me)));
}

static int
x_get_record(struct call *c)
{
	const json_t	*q = c->s->query;
	const char	*repo = qstr(q, "repo"), *coll = qstr(q, "collection");
	const char	*rkey = qstr(q, "rkey"), *cid = qstr(q, "cid");
	size_t		 a, ri;
	char		*uri;
	json_t		*o;

	if (repo == NULL)
		return missing_param(c, "repo");
	if (coll == NULL)
		return missing_param(c, "collection");
	if (rkey == NULL)
		return missing_param(c, "rkey");
	if (!account_by_actor(repo, &a))
		return fail(c, 400, "InvalidRequest", "Could not find repo: %s",
		    repo);
	if (!record_find(a, coll, rkey, &ri) ||
	    (cid != NULL && strcmp(cid, peer.records[ri].cid) != 0))
		return fail(c, 400, "RecordNotFound",
		    "Could not locate record: at://%s/%s/%s", acc(a)->did,
		    coll, rkey);
	uri = record_uri(&peer.records[ri]);
	o = json_pack("{s:s, s:s, s:O}", "uri", uri, "cid",
	    peer.records[ri].cid, "value", peer.records[ri].value);
	free(uri);
	return reply(c, o);
}

static int
reason_wanted(const json_t *reasons, const char *reason)
{
	const json_t	*v;
	size_t		 i;

	if (json_array_size(reasons) == 0)
		return 1;
	json_array_foreach(reasons, i, v)
		if (strcmp(json_string_value(v), reason) == 0)
			return 1;
	return 0;
}

static json_t *
notification_json(const struct notification *n, size_t me)
{
	const struct record	*r = &peer.records[n->record];
	char			*uri = record_uri(r);
	json_t			*o = json_object();

	json_object_set_new(o, "uri", json_string(uri));
	json_object_set_new(o, "cid", json_string(r->cid));
	json_object_set_new(o, "author", profile_json(n->from, &me,
	    VIEW_FULL));
	json_object_set_new(o, "reason", json_string(n->reason));
	if (n->subject != NULL)
		json_object_set_new(o, "reasonSubject",
		    json_string(n->subject));
	json_object_set(o, "record", r->value);
	json_object_set_new(o, "isRead", json_boolean(acc(me)->seen_at !=
	    NULL && n->sort_us <= acc(me)->seen_us));
	json_object_set_new(o, "indexedAt", json_string(n->indexed_at));
	json_object_set_new(o, "labels", json_array());
	free(uri);
	return o;
}

/*
 * Newest first; the cursor (the last item's time in microseconds, an
 * opaque string to the client) pages to older ones.
 */
static int
x_list_notifications(struct call *c)
{
	const json_t			*reasons;
	const struct notification	*n, *last = NULL;
	json_t				*arr, *o;
	int64_t				 cursor;
	long				 limit, count = 0;
	size_t				 i;
	char				 num[32];
	int				 rc;

	if (!param_limit(c, &limit, &rc) || !param_cursor(c, &cursor, &rc))
		return rc;
	reasons = json_object_get(c->s->query, "reasons");
	arr = json_array();
	for (i = peer.nnotifications; i-- > 0 && count < limit; ) {
		n = &peer.notifications[i];
		if (n->to != c->me || n->deleted || n->sort_us >= cursor ||
		    !reason_wanted(reasons, n->reason))
			continue;
		json_array_append_new(arr, notification_json(n, c->me));
		last = n;
		count++;
	}
	o = json_pack("{s:o}", "notifications", arr);
	if (last != NULL) {
		snprintf(num, sizeof(num), "%" PRId64, last->sort_us);
		json_object_set_new(o, "cursor", json_string(num));
	}
	json_object_set_new(o, "priority", json_false());
	if (acc(c->me)->seen_at != NULL)
		json_object_set_new(o, "seenAt",
		    json_string(acc(c->me)->seen_at));
	return reply(c, o);
}

static int
x_get_unread_count(struct call *c)
{
	const struct account	*me = acc(c->me);
	size_t			 i;
	long			 n = 0;

	for (i = 0; i < peer.nnotifications; i++)
		if (peer.notifications[i].to == c->me &&
		    !peer.notifications[i].deleted && (me->seen_at == NULL ||
		    peer.notifications[i].sort_us > me->seen_us))
			n++;
	return reply(c, json_pack("{s:I}", "count", (json_int_t)n));
}

static int
x_update_seen(struct call *c)
{
	const char	*v = in_str(c, "seenAt");
	struct account	*me = acc(c->me);
	int64_t		 us;

	if (json_object_get(c->in, "seenAt") == NULL)
		return missing_input(c, "seenAt");
	if (v == NULL || !iso_parse(v, &us))
		return fail(c, 400, "InvalidRequest", "Input/seenAt must be "
		    "an valid atproto datetime (both RFC-3339 and ISO-8601)");
	free(me->seen_at);
	me->seen_at = xstrdup(v);
	me->seen_us = us;
	return reply(c, NULL);
}

static int
x_get_profile(struct call *c)
{
	const char	*actor = qstr(c->s->query, "actor");
	size_t		 a;

	if (actor == NULL)
		return missing_param(c, "actor");
	if (!account_by_actor(actor, &a))
		return fail(c, 400, "InvalidRequest", "Profile not found");
	return reply(c, profile_json(a, c->authed ? &c->me : NULL,
	    VIEW_DETAILED));
}

static int
x_get_relationships(struct call *c)
{
	const char	*actor = qstr(c->s->query, "actor"), *other;
	const json_t	*others = json_object_get(c->s->query, "others"), *v;
	json_t		*arr, *o, *u;
	size_t		 a, b, i;

	if (actor == NULL)
		return missing_param(c, "actor");
	if (json_array_size(others) > RELATIONSHIPS_MAX)
		return fail(c, 400, "InvalidRequest", "Error: others must not "
		    "have more than %d elements", RELATIONSHIPS_MAX);
	if (!account_by_actor(actor, &a))
		return fail(c, 400, "ActorNotFound", "Actor not found: %s",
		    actor);
	arr = json_array();
	json_array_foreach(others, i, v) {
		other = json_string_value(v);
		if (!account_by_actor(other, &b)) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:b}",
			    "$type", "app.bsky.graph.defs#notFoundActor",
			    "actor", other, "notFound", 1));
			continue;
		}
		o = json_pack("{s:s, s:s}", "$type",
		    "app.bsky.graph.defs#relationship", "did", acc(b)->did);
		if ((u = follow_uri_json(a, b)) != NULL)
			json_object_set_new(o, "following", u);
		if ((u = follow_uri_json(b, a)) != NULL)
			json_object_set_new(o, "followedBy", u);
		json_array_append_new(arr, o);
	}
	return reply(c, json_pack("{s:s, s:o}", "actor", acc(a)->did,
	    "relationships", arr));
}

static int
x_get_posts(struct call *c)
{
	const json_t	*uris = json_object_get(c->s->query, "uris"), *v;
	json_t		*arr;
	size_t		 i, ri;

	if (uris == NULL)
		return missing_param(c, "uris");
	if (json_array_size(uris) > GET_POSTS_MAX)
		return fail(c, 400, "InvalidRequest", "Error: uris must not "
		    "have more than %d elements", GET_POSTS_MAX);
	arr = json_array();
	/* what is gone or unknown is left out, not an error */
	json_array_foreach(uris, i, v)
		if (record_by_uri(json_string_value(v), &ri) &&
		    strcmp(peer.records[ri].collection,
		    "app.bsky.feed.post") == 0)
			json_array_append_new(arr, post_view(ri,
			    c->authed ? &c->me : NULL));
	return reply(c, json_pack("{s:o}", "posts", arr));
}

/* ---- chat ---- */

static json_t *
message_json(const struct message *m)
{
	json_t	*o = json_object();

	json_object_set_new(o, "$type",
	    json_string("chat.bsky.convo.defs#messageView"));
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "rev", json_string(m->rev));
	json_object_set_new(o, "text", json_string(m->text));
	if (m->facets != NULL)
		json_object_set(o, "facets", m->facets);
	json_object_set_new(o, "sender", json_pack("{s:s}", "did",
	    acc(m->from)->did));
	json_object_set_new(o, "sentAt", json_string(m->sent_at));
	return o;
}

static json_t *
convo_json(size_t ci, size_t me)
{
	const struct convo	*cv = &peer.convos[ci];
	json_t			*o = json_object(), *members = json_array();
	size_t			 i;

	for (i = 0; i < 2; i++)
		json_array_append_new(members, profile_json(cv->member[i], &me,
		    VIEW_BASIC));
	json_object_set_new(o, "id", json_string(cv->id));
	json_object_set_new(o, "rev", json_string(cv->rev));
	json_object_set_new(o, "members", members);
	for (i = peer.nmessages; i-- > 0; )
		if (peer.messages[i].convo == ci) {
			json_object_set_new(o, "lastMessage",
			    message_json(&peer.messages[i]));
			break;
		}
	json_object_set_new(o, "muted", json_false());
	json_object_set_new(o, "status", json_string("accepted"));
	json_object_set_new(o, "unreadCount", json_integer(0));
	return o;
}

/* Why `from` may not write to `to`, or NULL. */
static const char *
chat_refusal(size_t from, size_t to)
{
	const struct account	*r = acc(to);

	if (strcmp(r->allow, "none") == 0)
		return "recipient has disabled incoming messages";
	if (strcmp(r->allow, "following") == 0 && !follow_find(to, from, NULL))
		return "recipient requires incoming messages to come from "
		    "someone they follow";
	return NULL;
}

static int
convo_find(size_t a, size_t b, size_t *out)
{
	size_t	i;

	for (i = 0; i < peer.nconvos; i++) {
		const struct convo *cv = &peer.convos[i];

		if ((cv->member[0] == a && cv->member[1] == b) ||
		    (cv->member[0] == b && cv->member[1] == a)) {
			*out = i;
			return 1;
		}
	}
	return 0;
}

static int
convo_by_id(const char *id, size_t me, size_t *out)
{
	size_t	i;

	if (id == NULL)
		return 0;
	for (i = 0; i < peer.nconvos; i++)
		if (strcmp(peer.convos[i].id, id) == 0 &&
		    (peer.convos[i].member[0] == me ||
		    peer.convos[i].member[1] == me)) {
			*out = i;
			return 1;
		}
	return 0;
}

/*
 * The one other member the members parameter names (the caller may be
 * there too).  0 after answering.
 */
static int
convo_members(struct call *c, size_t *other, int *rc)
{
	const json_t	*members = json_object_get(c->s->query, "members"), *v;
	const char	*did;
	size_t		 i, n = 0, a;
	int		 found = 0;

	if (members == NULL) {
		*rc = missing_param(c, "members");
		return 0;
	}
	if (json_array_size(members) > CONVO_MEMBERS_MAX) {
		*rc = fail(c, 400, "InvalidRequest", "Error: members must not "
		    "have more than %d elements", CONVO_MEMBERS_MAX);
		return 0;
	}
	json_array_foreach(members, i, v) {
		did = json_string_value(v);
		if (!did_valid(did)) {
			*rc = fail(c, 400, "InvalidRequest",
			    "Error: members/%zu must be a valid did", i);
			return 0;
		}
		if (strcmp(did, acc(c->me)->did) == 0)
			continue;
		if (!account_by_did(did, &a)) {
			*rc = fail(c, 400, "InvalidRequest",
			    "recipient does not exist");
			return 0;
		}
		if (!found || a != *other)
			n++;
		*other = a;
		found = 1;
	}
	if (n == 0) {
		*rc = fail(c, 400, "InvalidRequest",
		    "A convo needs another member");
		return 0;
	}
	if (n > 1) {
		*rc = fail(c, 400, "InvalidRequest",
		    "Group convos are not supported here");
		return 0;
	}
	return 1;
}

static int
x_get_convo_for_members(struct call *c)
{
	struct convo	*cv;
	const char	*why;
	size_t		 other = 0, ci;
	int		 rc;

	if (!convo_members(c, &other, &rc))
		return rc;
	if ((why = chat_refusal(c->me, other)) != NULL)
		return fail(c, 400, "InvalidRequest", "%s", why);
	if (!convo_find(c->me, other, &ci)) {
		peer.convos = xreallocarray(peer.convos, peer.nconvos + 1,
		    sizeof(*peer.convos));
		ci = peer.nconvos++;
		cv = &peer.convos[ci];
		memset(cv, 0, sizeof(*cv));
		cv->member[0] = c->me;
		cv->member[1] = other;
		tid_make(cv->rev, clock_next());
		cv->id = xstrdup(cv->rev);
	}
	return reply(c, json_pack("{s:o}", "convo", convo_json(ci, c->me)));
}

static int
x_get_convo_availability(struct call *c)
{
	size_t	other = 0, ci;
	int	rc;
	json_t	*o;

	if (!convo_members(c, &other, &rc))
		return rc;
	if (chat_refusal(c->me, other) != NULL)
		return reply(c, json_pack("{s:b}", "canChat", 0));
	o = json_pack("{s:b}", "canChat", 1);
	if (convo_find(c->me, other, &ci))
		json_object_set_new(o, "convo", convo_json(ci, c->me));
	return reply(c, o);
}

static int
x_get_convo(struct call *c)
{
	const char	*id = qstr(c->s->query, "convoId");
	size_t		 ci;

	if (id == NULL)
		return missing_param(c, "convoId");
	if (!convo_by_id(id, c->me, &ci))
		return fail(c, 400, "InvalidConvo", "Convo not found");
	return reply(c, json_pack("{s:o}", "convo", convo_json(ci, c->me)));
}

static int
x_send_message(struct call *c)
{
	const json_t	*msg = json_object_get(c->in, "message"), *facets;
	const char	*text, *why;
	struct message	*m;
	struct convo	*cv;
	size_t		 ci, tlen, other;
	char		 err[512];
	int64_t		 us;

	if (json_object_get(c->in, "convoId") == NULL)
		return missing_input(c, "convoId");
	if (msg == NULL)
		return missing_input(c, "message");
	if (!json_is_object(msg))
		return fail(c, 400, "InvalidRequest",
		    "Input/message must be an object");
	if (json_object_get(msg, "text") == NULL)
		return fail(c, 400, "InvalidRequest",
		    "Input/message must have the property \"text\"");
	if ((text = json_string_value(json_object_get(msg, "text"))) == NULL)
		return fail(c, 400, "InvalidRequest",
		    "Input/message/text must be a string");
	tlen = json_string_length(json_object_get(msg, "text"));
	if (tlen > CHAT_MAX_BYTES)
		return fail(c, 400, "InvalidRequest", "Input/message/text must "
		    "not be longer than %d characters", CHAT_MAX_BYTES);
	if (graphemes(text, tlen) > CHAT_MAX_GRAPHEMES)
		return fail(c, 400, "InvalidRequest", "Input/message/text must "
		    "not be longer than %d graphemes", CHAT_MAX_GRAPHEMES);
	facets = json_object_get(msg, "facets");
	if (facets != NULL && !check_facets(facets, "Input/message", tlen, err,
	    sizeof(err)))
		return fail(c, 400, "InvalidRequest", "%s", err);
	if (!convo_by_id(in_str(c, "convoId"), c->me, &ci))
		return fail(c, 400, "InvalidConvo", "Convo not found");
	cv = &peer.convos[ci];
	other = cv->member[0] == c->me ? cv->member[1] : cv->member[0];
	if ((why = chat_refusal(c->me, other)) != NULL)
		return fail(c, 400, "InvalidRequest", "%s", why);

	peer.messages = xreallocarray(peer.messages, peer.nmessages + 1,
	    sizeof(*peer.messages));
	m = &peer.messages[peer.nmessages++];
	memset(m, 0, sizeof(*m));
	m->convo = ci;
	us = clock_next();
	m->us = us;
	tid_make(m->rev, us);
	m->id = xstrdup(m->rev);
	snprintf(cv->rev, sizeof(cv->rev), "%s", m->rev);
	m->from = c->me;
	m->to = other;
	m->text = xstrdup(text);
	if (facets != NULL)
		m->facets = json_deep_copy(facets);
	iso_time(m->sent_at, sizeof(m->sent_at), us);
	peer.stats.messages_sent++;
	return reply(c, message_json(m));
}

static int
x_get_messages(struct call *c)
{
	const char	*id = qstr(c->s->query, "convoId");
	const struct message *m, *last = NULL;
	json_t		*arr, *o;
	int64_t		 cursor;
	long		 limit, count = 0;
	size_t		 ci, i;
	char		 num[32];
	int		 rc;

	if (id == NULL)
		return missing_param(c, "convoId");
	if (!param_limit(c, &limit, &rc) || !param_cursor(c, &cursor, &rc))
		return rc;
	if (!convo_by_id(id, c->me, &ci))
		return fail(c, 400, "InvalidConvo", "Convo not found");
	arr = json_array();
	for (i = peer.nmessages; i-- > 0 && count < limit; ) {
		m = &peer.messages[i];
		if (m->convo != ci || m->us >= cursor)
			continue;
		json_array_append_new(arr, message_json(m));
		last = m;
		count++;
	}
	o = json_pack("{s:o}", "messages", arr);
	if (last != NULL && count == limit) {
		snprintf(num, sizeof(num), "%" PRId64, last->us);
		json_object_set_new(o, "cursor", json_string(num));
	}
	return reply(c, o);
}

static const struct xrpc_method {
	const char	*nsid;
	int		 procedure;	/* POST */
	int		 input;		/* wants a JSON body */
	enum auth	 auth;
	enum service	 svc;
	enum rlkind	 rl;
	long		 points;
	long		*stat;
	int		(*fn)(struct call *);
} methods[] = {
	{ "com.atproto.server.describeServer", 0, 0, AUTH_NONE, SVC_PDS,
	    RL_READ, 1, &peer.stats.describe_server, x_describe_server },
	{ "com.atproto.identity.resolveHandle", 0, 0, AUTH_NONE, SVC_PDS,
	    RL_READ, 1, &peer.stats.resolve_handle, x_resolve_handle },
	{ "com.atproto.server.createSession", 1, 1, AUTH_NONE, SVC_PDS,
	    RL_LOGIN, 1, &peer.stats.create_session, x_create_session },
	{ "com.atproto.server.refreshSession", 1, 0, AUTH_REFRESH, SVC_PDS,
	    RL_READ, 1, &peer.stats.refresh_session, x_refresh_session },
	{ "com.atproto.server.getSession", 0, 0, AUTH_ACCESS, SVC_PDS,
	    RL_READ, 1, &peer.stats.get_session, x_get_session },
	{ "com.atproto.server.deleteSession", 1, 0, AUTH_REFRESH, SVC_PDS,
	    RL_READ, 1, &peer.stats.delete_session, x_delete_session },
	{ "com.atproto.repo.createRecord", 1, 1, AUTH_ACCESS, SVC_PDS,
	    RL_WRITE, 3, &peer.stats.create_record, x_create_record },
	{ "com.atproto.repo.putRecord", 1, 1, AUTH_ACCESS, SVC_PDS,
	    RL_WRITE, 2, &peer.stats.put_record, x_put_record },
	{ "com.atproto.repo.deleteRecord", 1, 1, AUTH_ACCESS, SVC_PDS,
	    RL_WRITE, 1, &peer.stats.delete_record, x_delete_record },
	{ "com.atproto.repo.uploadBlob", 1, 0, AUTH_ACCESS, SVC_PDS,
	    RL_READ, 1, &peer.stats.upload_blob, x_upload_blob },
	{ "com.atproto.repo.getRecord", 0, 0, AUTH_NONE, SVC_PDS,
	    RL_READ, 1, &peer.stats.get_record, x_get_record },
	{ "app.bsky.notification.listNotifications", 0, 0, AUTH_ACCESS,
	    SVC_APPVIEW, RL_READ, 1, &peer.stats.list_notifications,
	    x_list_notifications },
	{ "app.bsky.notification.getUnreadCount", 0, 0, AUTH_ACCESS,
	    SVC_APPVIEW, RL_READ, 1, &peer.stats.get_unread_count,
	    x_get_unread_count },
	{ "app.bsky.notification.updateSeen", 1, 1, AUTH_ACCESS,
	    SVC_APPVIEW, RL_READ, 1, &peer.stats.update_seen, x_update_seen },
	{ "app.bsky.actor.getProfile", 0, 0, AUTH_OPTIONAL, SVC_APPVIEW,
	    RL_READ, 1, &peer.stats.get_profile, x_get_profile },
	{ "app.bsky.graph.getRelationships", 0, 0, AUTH_OPTIONAL,
	    SVC_APPVIEW, RL_READ, 1, &peer.stats.get_relationships,
	    x_get_relationships },
	{ "app.bsky.feed.getPosts", 0, 0, AUTH_OPTIONAL, SVC_APPVIEW,
	    RL_READ, 1, &peer.stats.get_posts, x_get_posts },
	{ "chat.bsky.convo.getConvoForMembers", 0, 0, AUTH_ACCESS, SVC_CHAT,
	    RL_CHAT, 1, &peer.stats.get_convo, x_get_convo_for_members },
	{ "chat.bsky.convo.getConvoAvailability", 0, 0, AUTH_ACCESS,
	    SVC_CHAT, RL_CHAT, 1, &peer.stats.get_convo_availability,
	    x_get_convo_availability },
	{ "chat.bsky.convo.getConvo", 0, 0, AUTH_ACCESS, SVC_CHAT,
	    RL_CHAT, 1, NULL, x_get_convo },
	{ "chat.bsky.convo.sendMessage", 1, 1, AUTH_ACCESS, SVC_CHAT,
	    RL_CHAT, 1, &peer.stats.send_message, x_send_message },
	{ "chat.bsky.convo.getMessages", 0, 0, AUTH_ACCESS, SVC_CHAT,
	    RL_CHAT, 1, &peer.stats.get_messages, x_get_messages },
};

/*
 * The bearer token, checked as the PDS's auth verifier does.  0 after
 * answering.
 */
static int
authenticate(struct call *c, enum auth kind, int *rc)
{
	struct session	*s = c->s;
	const struct token *t;
	const char	*error = NULL, *msg = NULL;
	int64_t		 now = now_usec();
	size_t		 ti;

	if (s->token == NULL) {
		if (kind == AUTH_OPTIONAL && !s->auth_other)
			return 1;
		error = "AuthMissing";
		msg = "Authentication Required";
	} else if (!token_find(s->token, &ti)) {
		error = "InvalidToken";
		msg = "Token could not be verified";
	} else {
		t = &peer.tokens[ti];
		if (kind == AUTH_REFRESH) {
			if (!t->refresh) {
				error = "InvalidToken";
				msg = "Invalid token type";
			} else if (t->revoked) {
				error = "ExpiredToken";
				msg = "Token has been revoked";
			} else if (now >= t->exp_us) {
				error = "ExpiredToken";
				msg = "Token has expired";
			}
		} else if (t->refresh) {
			error = "InvalidToken";
			msg = "Bad token scope";
		} else if (t->expired || now >= t->exp_us) {
			error = "ExpiredToken";
			msg = "Token has expired";
		}
		if (error == NULL) {
			c->authed = 1;
			c->me = t->account;
			c->token = ti;
			return 1;
		}
	}
	if (strcmp(error, "ExpiredToken") == 0)
		peer.stats.expired_token++;
	*rc = respond_error(c->wsi, s, strcmp(error, "AuthMissing") == 0 ?
	    401 : 400, error, msg, NULL, -1);
	return 0;
}

static struct bucket *
login_bucket(const char *identifier)
{
	char	*id = lower(identifier);
	size_t	 i;

	for (i = 0; i < peer.nlogins; i++)
		if (strcmp(peer.logins[i].identifier, id) == 0) {
			free(id);
			return &peer.logins[i].b;
		}
	peer.logins = xreallocarray(peer.logins, peer.nlogins + 1,
	    sizeof(*peer.logins));
	peer.logins[peer.nlogins].identifier = id;
	bucket_init(&peer.logins[peer.nlogins].b, LOGIN_LIMIT, LOGIN_WINDOW);
	return &peer.logins[peer.nlogins++].b;
}

/*
 * An XRPC call, in xrpc-server's order: the method, its HTTP verb,
 * authentication, the input, the rate limit, then the handler.
 */
static int
xrpc(struct lws *wsi, struct session *s)
{
	const struct xrpc_method *m = NULL;
	const char	*nsid = s->path + 6;
	struct failure	*f;
	struct bucket	*b = NULL;
	struct call	 c;
	json_error_t	 jerr;
	const char	*id;
	size_t		 i;
	int		 rc, chat;

	memset(&c, 0, sizeof(c));
	c.wsi = wsi;
	c.s = s;
	for (i = 0; i < NELEM(methods); i++)
		if (strcmp(methods[i].nsid, nsid) == 0)
			m = &methods[i];
	if (m != NULL && m->stat != NULL)
		(*m->stat)++;
	if ((f = failure_take(nsid)) != NULL)
		return respond_error(wsi, s, (unsigned)f->status, f->error,
		    f->message, NULL, f->retry_after);
	if (m == NULL)
		return fail(&c, 501, "MethodNotImplemented",
		    "Method Not Implemented");

	/* what the PDS does not serve itself goes where atproto-proxy says */
	chat = s->proxy != NULL && strcmp(s->proxy, CHAT_SERVICE) == 0;
	if (m->svc != SVC_PDS && s->proxy != NULL && !chat &&
	    strcmp(s->proxy, APPVIEW_SERVICE) != 0)
		return fail(&c, 400, "InvalidRequest", strchr(s->proxy, '#') ?
		    "could not resolve proxy did service url" :
		    "no service id specified with proxy header");
	if ((m->svc == SVC_CHAT && !chat) || (m->svc == SVC_APPVIEW && chat))
		return fail(&c, 501, "MethodNotImplemented",
		    "Method Not Implemented");

	if (s->method != (m->procedure ? M_POST : M_GET))
		return fail(&c, 400, "InvalidRequest",
		    "Incorrect HTTP method (%s) expected %s",
		    s->method == M_GET ? "GET" : "POST",
		    m->procedure ? "POST" : "GET");
	if (m->auth != AUTH_NONE && !authenticate(&c, m->auth, &rc))
		return rc;
	if (m->input) {
		if (s->ctype == NULL)
			return fail(&c, 400, "InvalidRequest", "Request "
			    "encoding (Content-Type) required but not "
			    "provided");
		if (strncasecmp(s->ctype, "application/json", 16) != 0)
			return fail(&c, 400, "InvalidRequest",
			    "Wrong request encoding (Content-Type): %s",
			    s->ctype);
		if ((c.in = json_loadb(s->body != NULL ? s->body : "", s->blen,
		    0, &jerr)) == NULL)
			return fail(&c, 400, "InvalidRequest",
			    "Invalid JSON: %s", jerr.text);
		if (!json_is_object(c.in)) {
			json_decref(c.in);
			return fail(&c, 400, "InvalidRequest",
			    "Input must be an object");
		}
	}

	switch (m->rl) {
	case RL_READ:
		b = &peer.read;
		break;
	case RL_WRITE:
		b = &acc(c.me)->write;
		break;
	case RL_CHAT:
		b = &acc(c.me)->chat;
		break;
	case RL_LOGIN:
		if ((id = in_str(&c, "identifier")) != NULL)
			b = login_bucket(id);
		break;
	}
	if (b != NULL) {
		if (!bucket_take(b, m->points)) {
			peer.stats.rate_limited++;
			json_decref(c.in);
			return respond_error(wsi, s, 429, "RateLimitExceeded",
			    "Rate Limit Exceeded", b, bucket_wait(b));
		}
		c.rl = *b;
		c.has_rl = 1;
	}
	rc = m->fn(&c);
	json_decref(c.in);
	return rc;
}

/* ---- PLC ---- */

static int
plc(struct lws *wsi, struct session *s)
{
	const char	*did = s->path + 1;
	struct failure	*f;
	size_t		 a;
	json_t		*o;
	char		*text;

	peer.stats.plc_resolve++;
	if ((f = failure_take("plc")) != NULL)
		return respond(wsi, s, (unsigned)f->status, json_pack("{s:s}",
		    "message", f->message), NULL, f->retry_after);
	if (s->method != M_GET)
		return respond(wsi, s, 405, json_pack("{s:s}", "message",
		    "Method Not Allowed"), NULL, -1);
	if (!account_by_did(did, &a))
		return respond(wsi, s, 404, json_pack("{s:s+}", "message",
		    "DID not registered: ", did), NULL, -1);
	o = did_doc(acc(a));
	text = xjson(o, 0);
	json_decref(o);
	return respond_raw(wsi, s, 200, "application/did+ld+json; "
	    "charset=utf-8", text, NULL, -1);
}

/* ---- the control API ---- */

static int
ctl_fail(struct lws *wsi, struct session *s, unsigned status, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
ctl_fail(struct lws *wsi, struct session *s, unsigned status, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;
	int	 rc;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		err(1, "vasprintf");
	va_end(ap);
	rc = respond_error(wsi, s, status, status == 404 ? "NotFound" :
	    "InvalidRequest", msg, NULL, -1);
	free(msg);
	return rc;
}

static int
ctl_ok(struct lws *wsi, struct session *s, json_t *body)
{
	return respond(wsi, s, 200, body, NULL, -1);
}

static const char *
req_str(const json_t *req, const char *name)
{
	return json_string_value(json_object_get(req, name));
}

/* Jetstream connections end now, without a word (no close frame). */
static long
kill_streams(void)
{
	struct session	*s;
	long		 n = 0;

	while ((s = peer.conns) != NULL) {
		peer.conns = s->next;
		s->listed = 0;
		peer.stats.jetstream_active--;
		n++;
		shutdown(lws_get_socket_fd(s->wsi), SHUT_RDWR);
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
	return n;
}

/* Jetstream connections end with a close frame (1001, going away). */
static long
close_streams(void)
{
	struct session	*s;
	long		 n = 0;

	for (s = peer.conns; s != NULL; s = s->next)
		if (!s->closing) {
			s->closing = 1;
			n++;
			lws_callback_on_writable(s->wsi);
		}
	return n;
}

static json_t *
mention_facet(size_t start, size_t end, const char *did)
{
	return json_pack("{s:{s:I, s:I}, s:[{s:s, s:s}]}", "index",
	    "byteStart", (json_int_t)start, "byteEnd", (json_int_t)end,
	    "features", "$type", "app.bsky.richtext.facet#mention", "did", did);
}

/*
 * The mention facets the Bluesky app makes by itself: each "@handle"
 * at the start, after white space or "(", with a dot in it, that
 * resolves to an account.  Others stay plain text and notify no one.
 */
static void
auto_mentions(json_t *fs, const char *text)
{
	size_t	 i, j, end, a;
	char	*h;

	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] != '@' || (i > 0 &&
		    !isspace((unsigned char)text[i - 1]) && text[i - 1] != '('))
			continue;
		for (j = i + 1; isalnum((unsigned char)text[j]) ||
		    text[j] == '.' || text[j] == '-'; j++)
			;
		for (end = j; end > i + 1 && (text[end - 1] == '.' ||
		    text[end - 1] == '-'); end--)
			;
		if (end == i + 1)
			continue;
		h = xasprintf("%.*s", (int)(end - i - 1), text + i + 1);
		if (strchr(h, '.') != NULL && account_by_handle(h, &a))
			json_array_append_new(fs, mention_facet(i, end,
			    acc(a)->did));
		free(h);
		i = end - 1;
	}
}

static int
ctl_post(struct lws *wsi, struct session *s, json_t *req)
{
	const char	*from = req_str(req, "from");
	const char	*rkey = req_str(req, "rkey");
	const char	*h, *text, *why, *name;
	const json_t	*mentions = json_object_get(req, "mentions");
	const json_t	*facets = json_object_get(req, "facets");
	const json_t	*langs = json_object_get(req, "langs");
	const json_t	*record = json_object_get(req, "record");
	const json_t	*reply_to = json_object_get(req, "reply_to");
	const json_t	*quote = json_object_get(req, "quote"), *v, *root;
	json_t		*rec, *fs, *parent, *o;
	char		 tid[14], now[32], *needle, *at, *uri;
	size_t		 fa, m, pi, ri, i;

	if (from == NULL)
		return ctl_fail(wsi, s, 400, "from is required");
	if (!json_is_string(json_object_get(req, "text")) &&
	    !json_is_object(record))
		return ctl_fail(wsi, s, 400, "text is required");
	if ((mentions != NULL && !json_is_array(mentions)) ||
	    (facets != NULL && !json_is_array(facets)) ||
	    (langs != NULL && !json_is_array(langs)))
		return ctl_fail(wsi, s, 400,
		    "mentions, facets and langs are arrays");
	if (rkey != NULL && (why = rkey_invalid(rkey)) != NULL)
		return ctl_fail(wsi, s, 400, "rkey: %s", why);
	if ((reply_to != NULL && !record_by_uri(json_string_value(reply_to),
	    &pi)) || (quote != NULL && !record_by_uri(json_string_value(quote),
	    &pi)))
		return ctl_fail(wsi, s, 404, "reply_to or quote: no such "
		    "record");
	if (!account_get(from, &fa))
		return ctl_fail(wsi, s, 400, "from: '%s' is not a handle",
		    from);
	if ((name = req_str(req, "display_name")) != NULL) {
		free(acc(fa)->display_name);
		acc(fa)->display_name = xstrdup(name);
	}

	rec = json_is_object(record) ? json_deep_copy(record) : json_object();
	if (json_object_get(rec, "$type") == NULL)
		json_object_set_new(rec, "$type",
		    json_string("app.bsky.feed.post"));
	if (json_is_string(json_object_get(req, "text")))
		json_object_set(rec, "text", json_object_get(req, "text"));
	if ((text = json_string_value(json_object_get(rec, "text"))) == NULL)
		text = "";
	if (json_object_get(rec, "createdAt") == NULL) {
		iso_time(now, sizeof(now), now_usec());
		json_object_set_new(rec, "createdAt", json_string(now));
	}
	if (langs != NULL)
		json_object_set_new(rec, "langs", json_deep_copy(langs));

	/*
	 * mention facets: "@handle" found in the text, in bytes, for the
	 * handles named; without a list, for every known one (as the app)
	 */
	fs = json_is_array(json_object_get(rec, "facets")) ?
	    json_deep_copy(json_object_get(rec, "facets")) : json_array();
	json_array_foreach(mentions, i, v) {
		if ((h = json_string_value(v)) == NULL || !account_get(h, &m)) {
			json_decref(rec);
			json_decref(fs);
			return ctl_fail(wsi, s, 400, "mentions: not a handle");
		}
		needle = xasprintf("@%s", acc(m)->handle);
		at = strcasestr(text, needle);
		if (at == NULL) {
			json_decref(rec);
			json_decref(fs);
			free(needle);
			return ctl_fail(wsi, s, 400, "mentions: @%s is not in "
			    "the text", acc(m)->handle);
		}
		json_array_append_new(fs, mention_facet((size_t)(at - text),
		    (size_t)(at - text) + strlen(needle), acc(m)->did));
		free(needle);
	}
	if (mentions == NULL)
		auto_mentions(fs, text);
	json_array_foreach(facets, i, v)
		json_array_append_new(fs, json_deep_copy(v));
	if (json_array_size(fs) > 0)
		json_object_set_new(rec, "facets", fs);
	else
		json_decref(fs);

	if (reply_to != NULL &&
	    record_by_uri(json_string_value(reply_to), &pi)) {
		parent = strong_ref(&peer.records[pi]);
		root = json_object_get(json_object_get(peer.records[pi].value,
		    "reply"), "root");
		json_object_set_new(rec, "reply", json_pack("{s:o, s:o}",
		    "root", json_is_object(root) ? json_deep_copy(root) :
		    json_deep_copy(parent), "parent", parent));
	}
	if (quote != NULL && record_by_uri(json_string_value(quote), &pi))
		json_object_set_new(rec, "embed", json_pack("{s:s, s:o}",
		    "$type", "app.bsky.embed.record", "record",
		    strong_ref(&peer.records[pi])));
	if (rkey == NULL) {
		tid_make(tid, clock_next());
		rkey = tid;
	}
	if (record_find(fa, "app.bsky.feed.post", rkey, &ri)) {
		json_decref(rec);
		return ctl_fail(wsi, s, 400, "rkey %s is already used", rkey);
	}
	ri = record_create(fa, "app.bsky.feed.post", rkey, rec, NULL);
	uri = record_uri(&peer.records[ri]);
	o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "uri", uri, "cid",
	    peer.records[ri].cid, "did", acc(fa)->did, "rkey",
	    peer.records[ri].rkey, "time_us",
	    (json_int_t)peer.records[ri].time_us);
	free(uri);
	return ctl_ok(wsi, s, o);
}

/* from and to, both accounts (made if new).  0 after answering. */
static int
ctl_pair(struct lws *wsi, struct session *s, json_t *req, size_t *from,
    size_t *to, int *rc)
{
	const char	*f = req_str(req, "from"), *t = req_str(req, "to");

	if (f == NULL || t == NULL)
		*rc = ctl_fail(wsi, s, 400, "from and to are required");
	else if (!account_get(f, from) || !account_get(t, to))
		*rc = ctl_fail(wsi, s, 400, "from and to are handles");
	else if (*from == *to)
		*rc = ctl_fail(wsi, s, 400, "from and to are the same");
	else
		return 1;
	return 0;
}

static int
ctl_follow(struct lws *wsi, struct session *s, json_t *req)
{
	size_t	 fa, ta, ri;
	char	 tid[14], now[32], *uri;
	json_t	*o;
	int	 rc;

	if (!ctl_pair(wsi, s, req, &fa, &ta, &rc))
		return rc;
	iso_time(now, sizeof(now), now_usec());
	tid_make(tid, clock_next());
	ri = record_create(fa, "app.bsky.graph.follow", tid, json_pack(
	    "{s:s, s:s, s:s}", "$type", "app.bsky.graph.follow", "subject",
	    acc(ta)->did, "createdAt", now), NULL);
	uri = record_uri(&peer.records[ri]);
	o = json_pack("{s:s, s:s, s:s, s:I}", "uri", uri, "cid",
	    peer.records[ri].cid, "rkey", peer.records[ri].rkey, "time_us",
	    (json_int_t)peer.records[ri].time_us);
	free(uri);
	return ctl_ok(wsi, s, o);
}

static int
ctl_deleted(struct lws *wsi, struct session *s, size_t ri)
{
	char	*uri = record_uri(&peer.records[ri]);
	int64_t	 us = record_delete(ri);
	json_t	*o;

	o = json_pack("{s:s, s:I}", "uri", uri, "time_us", (json_int_t)us);
	free(uri);
	return ctl_ok(wsi, s, o);
}

static int
ctl_unfollow(struct lws *wsi, struct session *s, json_t *req)
{
	size_t	fa, ta, ri;
	int	rc;

	if (!ctl_pair(wsi, s, req, &fa, &ta, &rc))
		return rc;
	if (!follow_find(fa, ta, &ri))
		return ctl_fail(wsi, s, 404, "%s does not follow %s",
		    acc(fa)->handle, acc(ta)->handle);
	return ctl_deleted(wsi, s, ri);
}

static int
ctl_delete(struct lws *wsi, struct session *s, json_t *req)
{
	size_t	ri;

	if (!record_by_uri(req_str(req, "uri"), &ri))
		return ctl_fail(wsi, s, 404, "no such record");
	return ctl_deleted(wsi, s, ri);
}

static int
ctl_jetstream(struct lws *wsi, struct session *s, json_t *req)
{
	const json_t	*up = json_object_get(req, "up");
	const json_t	*drop = json_object_get(req, "drop");
	long		 dropped = 0;

	if (json_is_boolean(up)) {
		peer.jetstream_up = json_is_true(up);
		if (!peer.jetstream_up)
			dropped += kill_streams();
	}
	if (json_is_true(drop))
		dropped += kill_streams();
	else if (json_is_string(drop) &&
	    strcmp(json_string_value(drop), "close") == 0)
		dropped += close_streams();
	return ctl_ok(wsi, s, json_pack("{s:b, s:I}", "up", peer.jetstream_up,
	    "dropped", (json_int_t)dropped));
}

static int
ctl_expire(struct lws *wsi, struct session *s, json_t *req)
{
	const char	*h = req_str(req, "handle");
	int		 refresh;
	int64_t		 now = now_usec();
	long		 expired = 0, revoked = 0;
	size_t		 a, i;

	refresh = json_is_true(json_object_get(req, "refresh"));
	if (h == NULL || !account_by_actor(h, &a))
		return ctl_fail(wsi, s, 404, "no such account");
	for (i = 0; i < peer.ntokens; i++) {
		struct token *t = &peer.tokens[i];

		if (t->account != a)
			continue;
		if (!t->refresh && !t->expired && now < t->exp_us) {
			t->expired = 1;
			expired++;
		} else if (t->refresh && refresh && !t->revoked) {
			t->revoked = 1;
			revoked++;
		}
	}
	return ctl_ok(wsi, s, json_pack("{s:I, s:I}", "expired",
	    (json_int_t)expired, "revoked", (json_int_t)revoked));
}

static int
ctl_rate(struct lws *wsi, struct session *s, json_t *req)
{
	const char	*which = req_str(req, "bucket"), *h = req_str(req,
	    "handle");
	const json_t	*v;
	struct bucket	*b;
	size_t		 a;
	double		 in;

	if (which == NULL)
		which = "write";
	if (strcmp(which, "read") == 0)
		b = &peer.read;
	else if (strcmp(which, "login") == 0 && h != NULL)
		b = login_bucket(h);
	else if (strcmp(which, "write") != 0 && strcmp(which, "chat") != 0)
		return ctl_fail(wsi, s, 400, "bucket is write, chat, read or "
		    "login");
	else if (h == NULL || !account_by_actor(h, &a))
		return ctl_fail(wsi, s, 404, "no such account");
	else
		b = strcmp(which, "write") == 0 ? &acc(a)->write :
		    &acc(a)->chat;
	if (json_is_integer(v = json_object_get(req, "limit")) &&
	    json_integer_value(v) > 0)
		b->limit = (long)json_integer_value(v);
	v = json_object_get(req, "remaining");
	b->remaining = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	v = json_object_get(req, "reset_in");
	in = json_is_number(v) ? json_number_value(v) : (double)b->window;
	b->reset_us = now_usec() + (int64_t)(in * 1e6);
	return ctl_ok(wsi, s, json_pack("{s:s, s:I, s:I, s:I}", "bucket",
	    which, "limit", (json_int_t)b->limit, "remaining",
	    (json_int_t)b->remaining, "reset", (json_int_t)reset_seconds(b)));
}

static int
ctl_failure(struct lws *wsi, struct session *s, json_t *req)
{
	struct failure	*f = NULL;
	const json_t	*v;
	const char	*path = req_str(req, "path"), *error, *message;
	size_t		 i;
	int		 status = 500;

	if (path == NULL)
		return ctl_fail(wsi, s, 400, "path is required");
	if (strncmp(path, "/xrpc/", 6) == 0)
		path += 6;
	else if (*path == '/')
		path++;
	if (json_is_integer(v = json_object_get(req, "status")))
		status = (int)json_integer_value(v);
	if (status < 400 || status > 599)
		return ctl_fail(wsi, s, 400, "status must be 4xx or 5xx");
	for (i = 0; i < peer.nfailures; i++)
		if (strcmp(peer.failures[i].path, path) == 0)
			f = &peer.failures[i];
	if (f == NULL) {
		peer.failures = xreallocarray(peer.failures,
		    peer.nfailures + 1, sizeof(*peer.failures));
		f = &peer.failures[peer.nfailures++];
		memset(f, 0, sizeof(*f));
		f->path = xstrdup(path);
	}
	xrpc_status(status, &error, &message);
	free(f->error);
	free(f->message);
	f->status = status;
	f->error = xstrdup(json_is_string(v = json_object_get(req, "error")) ?
	    json_string_value(v) : error);
	f->message = xstrdup(json_is_string(v = json_object_get(req,
	    "message")) ? json_string_value(v) : message);
	v = json_object_get(req, "count");
	f->count = json_is_integer(v) ? (long)json_integer_value(v) : 1;
	/* a 429 says when to come back, as the PDS's limiter does */
	v = json_object_get(req, "retry_after");
	f->retry_after = json_is_integer(v) ? (long)json_integer_value(v) :
	    status == 429 ? 1 : -1;
	return ctl_ok(wsi, s, json_pack("{s:s, s:i, s:I}", "path", path,
	    "status", status, "count", (json_int_t)f->count));
}

/*
 * The recipient's chat.bsky.actor.declaration, written to its repo as
 * the app does (putRecord, rkey self).
 */
static int
ctl_chat_setting(struct lws *wsi, struct session *s, json_t *req)
{
	const char	*h = req_str(req, "handle");
	const char	*v = req_str(req, "allowIncoming");
	json_t		*rec;
	char		*cid;
	size_t		 a, ri;

	if (h == NULL || !allow_valid(v))
		return ctl_fail(wsi, s, 400, "handle and allowIncoming (all, "
		    "following or none) are required");
	if (!account_get(h, &a))
		return ctl_fail(wsi, s, 400, "'%s' is not a handle", h);
	rec = json_pack("{s:s, s:s}", "$type", "chat.bsky.actor.declaration",
	    "allowIncoming", v);
	cid = cid_of(rec);
	if (!record_find(a, "chat.bsky.actor.declaration", "self", &ri))
		record_create(a, "chat.bsky.actor.declaration", "self", rec,
		    cid);
	else if (strcmp(peer.records[ri].cid, cid) != 0)
		record_update(ri, rec, cid);
	else {
		json_decref(rec);
		free(cid);
	}
	return ctl_ok(wsi, s, json_pack("{s:s, s:s, s:s}", "did",
	    acc(a)->did, "handle", acc(a)->handle, "allowIncoming",
	    acc(a)->allow));
}

static int
ctl_account(struct lws *wsi, struct session *s)
{
	const char		*h = qstr(s->query, "handle");
	const char		*did = qstr(s->query, "did");
	const struct account	*a;
	size_t			 i;

	if (h != NULL) {
		if (!account_get(h, &i))
			return ctl_fail(wsi, s, 400, "'%s' is not a handle", h);
	} else if (did == NULL || !account_by_did(did, &i))
		return ctl_fail(wsi, s, 404, "no such account");
	a = acc(i);
	return ctl_ok(wsi, s, json_pack("{s:s, s:s, s:b, s:s, s:b, s:s}",
	    "did", a->did, "handle", a->handle, "bot", a->bot,
	    "allowIncoming", a->allow, "declared", a->declared, "displayName",
	    a->display_name));
}

static int
ctl_posts(struct lws *wsi, struct session *s)
{
	const char	*h = qstr(s->query, "handle");
	const char	*did = qstr(s->query, "did");
	const char	*coll = qstr(s->query, "collection");
	json_t		*arr;
	size_t		 a, i;
	char		*uri;

	if (!(did != NULL ? account_by_did(did, &a) : h != NULL &&
	    account_by_handle(h, &a)))
		return ctl_fail(wsi, s, 404, "no such account");
	/* the posts, unless another collection (or * for all) is named */
	if (coll == NULL)
		coll = "app.bsky.feed.post";
	else if (strcmp(coll, "*") == 0)
		coll = NULL;
	arr = json_array();
	for (i = 0; i < peer.nrecords; i++) {
		const struct record *r = &peer.records[i];

		if (r->account != a || r->deleted ||
		    (coll != NULL && strcmp(coll, r->collection) != 0))
			continue;
		uri = record_uri(r);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:O, s:I, s:I}", "uri", uri, "cid", r->cid, "collection",
		    r->collection, "rkey", r->rkey, "record", r->value,
		    "time_us", (json_int_t)r->time_us, "updates",
		    (json_int_t)r->updates));
		free(uri);
	}
	return ctl_ok(wsi, s, arr);
}

static int
ctl_messages(struct lws *wsi, struct session *s)
{
	json_t	*arr = json_array(), *o;
	size_t	 i;

	for (i = 0; i < peer.nmessages; i++) {
		const struct message *m = &peer.messages[i];

		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "convoId",
		    peer.convos[m->convo].id, "id", m->id, "from",
		    acc(m->from)->did, "to", acc(m->to)->did, "text", m->text,
		    "sentAt", m->sent_at);
		json_object_set_new(o, "facets", m->facets != NULL ?
		    json_incref(m->facets) : json_null());
		json_array_append_new(arr, o);
	}
	return ctl_ok(wsi, s, arr);
}

static int
ctl_events(struct lws *wsi, struct session *s)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; i < peer.nevents; i++) {
		const struct event *e = &peer.events[i];

		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s}", "time_us", (json_int_t)e->time_us, "did",
		    acc(e->account)->did, "operation", e->op, "collection",
		    e->collection, "rkey", e->rkey));
	}
	return ctl_ok(wsi, s, arr);
}

static int
ctl_stats(struct lws *wsi, struct session *s)
{
	json_t	*o = json_object();

#define STAT(name) \
	json_object_set_new(o, #name, json_integer(peer.stats.name))
	STAT(create_session);
	STAT(refresh_session);
	STAT(get_session);
	STAT(delete_session);
	STAT(resolve_handle);
	STAT(describe_server);
	STAT(plc_resolve);
	STAT(create_record);
	STAT(put_record);
	STAT(put_record_noop);
	STAT(put_record_update);
	STAT(delete_record);
	STAT(get_record);
	STAT(records_written);
	STAT(list_notifications);
	STAT(get_unread_count);
	STAT(update_seen);
	STAT(get_profile);
	STAT(get_relationships);
	STAT(get_posts);
	STAT(get_convo);
	STAT(get_convo_availability);
	STAT(send_message);
	STAT(messages_sent);
	STAT(get_messages);
	STAT(upload_blob);
	STAT(rate_limited);
	STAT(expired_token);
	STAT(failures_injected);
	STAT(jetstream_connections);
	STAT(jetstream_active);
	STAT(jetstream_refused);
	STAT(events_sent);
	STAT(pings_sent);
	STAT(pongs_received);
#undef STAT
	json_object_set_new(o, "events",
	    json_integer((json_int_t)peer.nevents));
	json_object_set_new(o, "jetstream_up", json_boolean(peer.jetstream_up));
	return ctl_ok(wsi, s, o);
}

static const struct control {
	const char	*path;
	enum method	 method;
	int		(*post)(struct lws *, struct session *, json_t *);
	int		(*get)(struct lws *, struct session *);
} controls[] = {
	{ "/_peer/post", M_POST, ctl_post, NULL },
	{ "/_peer/follow", M_POST, ctl_follow, NULL },
	{ "/_peer/unfollow", M_POST, ctl_unfollow, NULL },
	{ "/_peer/delete", M_POST, ctl_delete, NULL },
	{ "/_peer/jetstream", M_POST, ctl_jetstream, NULL },
	{ "/_peer/expire", M_POST, ctl_expire, NULL },
	{ "/_peer/rate", M_POST, ctl_rate, NULL },
	{ "/_peer/fail", M_POST, ctl_failure, NULL },
	{ "/_peer/chat-setting", M_POST, ctl_chat_setting, NULL },
	{ "/_peer/account", M_GET, NULL, ctl_account },
	{ "/_peer/posts", M_GET, NULL, ctl_posts },
	{ "/_peer/messages", M_GET, NULL, ctl_messages },
	{ "/_peer/events", M_GET, NULL, ctl_events },
	{ "/_peer/stats", M_GET, NULL, ctl_stats },
};

static int
control(struct lws *wsi, struct session *s)
{
	const struct control	*c = NULL;
	json_t			*req;
	json_error_t		 jerr;
	size_t			 i;
	int			 rc;

	for (i = 0; i < NELEM(controls); i++)
		if (strcmp(controls[i].path, s->path) == 0)
			c = &controls[i];
	if (c == NULL)
		return ctl_fail(wsi, s, 404, "no such control");
	if (c->method != s->method)
		return ctl_fail(wsi, s, 405, "use %s",
		    c->method == M_GET ? "GET" : "POST");
	if (c->get != NULL)
		return c->get(wsi, s);
	req = s->blen > 0 ? json_loadb(s->body, s->blen, 0, &jerr) :
	    json_object();
	if (!json_is_object(req)) {
		json_decref(req);
		return ctl_fail(wsi, s, 400, "the body must be a JSON object");
	}
	rc = c->post(wsi, s, req);
	json_decref(req);
	return rc;
}

/* ---- HTTP requests ---- */

static int
dispatch(struct lws *wsi, struct session *s)
{
	if (strncmp(s->path, "/_peer/", 7) == 0)
		return control(wsi, s);
	if (strcmp(s->path, "/xrpc/_health") == 0)
		return respond(wsi, s, 200, json_pack("{s:s}", "version",
		    "0.4.0-peer"), NULL, -1);
	if (strncmp(s->path, "/xrpc/", 6) == 0)
		return xrpc(wsi, s);
	if (strncmp(s->path, "/did:", 5) == 0)
		return plc(wsi, s);
	if (strcmp(s->path, "/subscribe") == 0)
		/* Jetstream's upgrader, asked without an upgrade */
		return respond_raw(wsi, s, 400, "text/plain; charset=utf-8",
		    xstrdup("Bad Request\n"), NULL, -1);
	return respond_error(wsi, s, 404, "NotFound", "Not Found", NULL, -1);
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
	if ((v = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION)) != NULL) {
		if (strncasecmp(v, "Bearer ", 7) == 0)
			s->token = xstrdup(v + 7);
		else
			s->auth_other = 1;
		free(v);
	}
	s->proxy = custom_header(wsi, "atproto-proxy:");
	s->ctype = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
	s->query = query_args(wsi);
	if ((v = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH)) != NULL) {
		clen = strtoll(v, NULL, 10);
		free(v);
	}
	s->blob = strcmp(s->path, "/xrpc/com.atproto.repo.uploadBlob") == 0;
	if (clen > (s->blob ? BLOB_MAX_BODY : PEER_MAX_BODY)) {
		s->close_after = 1;
		return respond_error(wsi, s, 413, "PayloadTooLarge",
		    "request entity too large", NULL, -1);
	}
	/*
	 * lws 4.1 does not decode a chunked request body for a server; say
	 * so rather than read the chunks as the next request.
	 */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		s->close_after = 1;
		return respond_error(wsi, s, 411, "InvalidRequest",
		    "Length Required", NULL, -1);
	}
	if (s->method == M_OTHER) {
		/* a body we will not read: answer and close */
		s->close_after = 1;
		return respond_error(wsi, s, 405, "InvalidRequest",
		    "Method Not Allowed", NULL, -1);
	}
	/* lws calls BODY_COMPLETION whenever a length was given, even 0 */
	if (s->method == M_POST &&
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		return 0;	/* the body comes next */
	/* no length at all: lws would read the next request as the body */
	if (s->method == M_POST)
		s->close_after = 1;
	return dispatch(wsi, s);
}

static int
http_body(struct session *s, const void *in, size_t len)
{
	if (len == 0)
		return 0;	/* lws says so for Content-Length: 0 */
	if (s->overflow || s->blen + len > (s->blob ? BLOB_MAX_BODY :
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

/* ---- Jetstream ---- */

static void
strings_free(char ***list, size_t *n)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static void
ws_filter_free(struct session *s)
{
	strings_free(&s->colls, &s->ncolls);
	strings_free(&s->dids, &s->ndids);
}

/*
 * A filter list (wantedCollections, wantedDids) from a JSON array of
 * strings, each checked.  0: invalid, and *out is left as it was.
 */
static int
filter_list(const json_t *arr, size_t max, int (*valid)(const char *),
    char ***out, size_t *nout)
{
	const json_t	*v;
	char		**list;
	size_t		 i, n = 0;

	if (arr == NULL || json_is_null(arr)) {
		strings_free(out, nout);
		return 1;
	}
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return 0;
	json_array_foreach(arr, i, v)
		if (!json_is_string(v) || !valid(json_string_value(v)))
			return 0;
	list = xcalloc(json_array_size(arr), sizeof(*list));
	json_array_foreach(arr, i, v)
		list[n++] = xstrdup(json_string_value(v));
	strings_free(out, nout);
	*out = list;
	*nout = n;
	return 1;
}

/*
 * Refuse an upgrade with a plain HTTP answer, before any WebSocket
 * handshake, as Jetstream does; lws then closes the connection.  The
 * answer is written raw: at this point lws's own status line would say
 * HTTP/1.0.
 */
static int
ws_refuse(struct lws *wsi, unsigned status, const char *why)
{
	unsigned char	 buf[LWS_PRE + 1024];
	int		 n;

	peer.stats.jetstream_refused++;
	n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
	    "HTTP/1.1 %u %s\r\nConnection: close\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n\r\n%s\n", status,
	    reason_phrase((int)status), strlen(why) + 1, why);
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
	struct failure	*f;
	json_t		*q;
	const char	*v, *bad = NULL;
	char		 path[256], *end, *enc;
	int64_t		 cursor = 0;
	int		 has_cursor = 0;
	size_t		 i;

	session_clear_http(s);
	ws_filter_free(s);
	s->max_size = 0;
	s->hello_wait = 0;
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) < 0)
		path[0] = '\0';
	if ((f = failure_take("subscribe")) != NULL)
		return ws_refuse(wsi, (unsigned)f->status, f->message);
	if (strcmp(path, "/subscribe") != 0)
		return ws_refuse(wsi, 404, "Not Found");
	if (!peer.jetstream_up)
		return ws_refuse(wsi, 503, "Service Unavailable");

	q = query_args(wsi);
	if ((v = qstr(q, "cursor")) != NULL && *v != '\0') {
		errno = 0;
		cursor = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0')
			bad = "invalid cursor";
		has_cursor = 1;
	}
	if ((v = qstr(q, "maxMessageSizeBytes")) != NULL && *v != '\0') {
		errno = 0;
		s->max_size = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0')
			bad = "invalid maxMessageSizeBytes";
		if (s->max_size < 0)
			s->max_size = 0;
	}
	if ((v = qstr(q, "requireHello")) != NULL)
		s->hello_wait = strcmp(v, "true") == 0;
	enc = custom_header(wsi, "socket-encoding:");
	if (((v = qstr(q, "compress")) != NULL && strcmp(v, "true") == 0) ||
	    (enc != NULL && strcasecmp(enc, "zstd") == 0))
		bad = "zstd compression is not supported by this peer";
	free(enc);
	if (!filter_list(json_object_get(q, "wantedCollections"), 100,
	    collection_filter_valid, &s->colls, &s->ncolls))
		bad = "invalid wantedCollections";
	if (!filter_list(json_object_get(q, "wantedDids"), WS_FILTER_MAX,
	    did_valid, &s->dids, &s->ndids))
		bad = "invalid wantedDids";
	json_decref(q);
	if (bad != NULL) {
		ws_filter_free(s);
		return ws_refuse(wsi, 400, bad);
	}
	/* replay from the first event at or after the cursor; else live */
	s->pos = peer.nevents;
	if (has_cursor)
		for (i = 0; i < peer.nevents; i++)
			if (peer.events[i].time_us >= cursor) {
				s->pos = i;
				break;
			}
	return 0;
}

static int
event_wanted(const struct session *s, const struct event *e)
{
	const char	*did = acc(e->account)->did;
	size_t		 i, n;
	int		 ok;

	if (s->max_size > 0 && (long)e->len > s->max_size)
		return 0;
	if (s->ndids > 0) {
		for (ok = 0, i = 0; i < s->ndids && !ok; i++)
			ok = strcmp(s->dids[i], did) == 0;
		if (!ok)
			return 0;
	}
	if (s->ncolls == 0)
		return 1;
	for (i = 0; i < s->ncolls; i++) {
		n = strlen(s->colls[i]);
		if (n > 2 && strcmp(s->colls[i] + n - 2, ".*") == 0) {
			if (strncmp(e->collection, s->colls[i], n - 1) == 0)
				return 1;
		} else if (strcmp(e->collection, s->colls[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * A whole text message from the client: options_update replaces the
 * filter (and ends requireHello's wait).  Anything malformed closes the
 * connection, as Jetstream does; an unknown type is ignored.
 */
static int
ws_message(struct lws *wsi, struct session *s)
{
	json_t		*m, *p;
	json_error_t	 jerr;
	const char	*type, *why = NULL;
	const json_t	*v;
	int		 code = LWS_CLOSE_STATUS_POLICY_VIOLATION;

	m = json_loadb(s->rx, s->rxlen, 0, &jerr);
	type = json_string_value(json_object_get(m, "type"));
	p = json_object_get(m, "payload");
	if (!json_is_object(m) || type == NULL) {
		why = "malformed message";
		code = LWS_CLOSE_STATUS_INVALID_PAYLOAD;
	} else if (strcmp(type, "options_update") != 0)
		;
	else if (!json_is_object(p))
		why = "malformed options_update";
	else if (!filter_list(json_object_get(p, "wantedCollections"), 100,
	    collection_filter_valid, &s->colls, &s->ncolls) ||
	    !filter_list(json_object_get(p, "wantedDids"), WS_FILTER_MAX,
	    did_valid, &s->dids, &s->ndids))
		why = "invalid options_update";
	else {
		v = json_object_get(p, "maxMessageSizeBytes");
		s->max_size = json_is_integer(v) && json_integer_value(v) > 0 ?
		    (long)json_integer_value(v) : 0;
		s->hello_wait = 0;
		lws_callback_on_writable(wsi);
	}
	json_decref(m);
	if (why == NULL)
		return 0;
	lws_close_reason(wsi, (enum lws_close_status)code,
	    (unsigned char *)(uintptr_t)why, strlen(why));
	return -1;
}

static int
ws_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	int	rc = 0;

	if (lws_frame_is_binary(wsi)) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
		    NULL, 0);
		return -1;
	}
	if (s->rxlen + len > PEER_MAX_FRAME) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    NULL, 0);
		return -1;
	}
	s->rx = xreallocarray(s->rx, s->rxlen + len + 1, 1);
	memcpy(s->rx + s->rxlen, in, len);
	s->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (s->rxlen > 0)
		rc = ws_message(wsi, s);
	free(s->rx);
	s->rx = NULL;
	s->rxlen = 0;
	return rc;
}

static void
ws_established(struct lws *wsi, struct session *s)
{
	s->wsi = wsi;
	s->next = peer.conns;
	peer.conns = s;
	s->listed = 1;
	s->closing = 0;
	s->ping_due = 0;
	peer.stats.jetstream_connections++;
	peer.stats.jetstream_active++;
	if (!s->hello_wait && s->pos < peer.nevents)
		lws_callback_on_writable(wsi);
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
		peer.stats.jetstream_active--;
	}
	ws_filter_free(s);
	free(s->rx);
	s->rx = NULL;
	s->rxlen = 0;
}

/* One frame per writeable turn: a ping, a close, or the next event. */
static int
ws_writeable(struct lws *wsi, struct session *s)
{
	unsigned char		 ping[LWS_PRE + 16];
	const struct event	*e;

	if (!s->listed)
		return 0;
	if (s->closing) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
		    (unsigned char *)(uintptr_t)"going away", 10);
		return -1;
	}
	if (s->ping_due) {
		/*
		 * Jetstream's pings are empty, but an lws 4.1 server never
		 * reports an empty pong, so these carry 4 bytes for
		 * pongs_received to count.  Clients echo any payload.
		 */
		s->ping_due = 0;
		peer.stats.pings_sent++;
		memcpy(ping + LWS_PRE, "peer", 4);
		if (lws_write(wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
			return -1;
	} else if (!s->hello_wait) {
		while (s->pos < peer.nevents &&
		    !event_wanted(s, &peer.events[s->pos]))
			s->pos++;
		if (s->pos < peer.nevents) {
			e = &peer.events[s->pos++];
			if (lws_write(wsi, e->frame + LWS_PRE, e->len,
			    LWS_WRITE_TEXT) < (int)e->len)
				return -1;
			peer.stats.events_sent++;
		}
	}
	if (s->ping_due || (!s->hello_wait && s->pos < peer.nevents))
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
		if (!s->closing) {
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
			return respond_error(wsi, s, 413, "PayloadTooLarge",
			    "request entity too large", NULL, -1);
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
	{ "jetstream", peer_callback, sizeof(struct session), 4096, 0, NULL,
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

static double
seconds_arg(const char *name, const char *s, double min)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(v >= min) ||
	    v > 1e9) {
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
	size_t		 a;

	if (colon == NULL || colon == spec || colon[1] == '\0') {
		warnx("--account wants HANDLE:PASSWORD, not '%s'", spec);
		usage();
	}
	handle = xasprintf("%.*s", (int)(colon - spec), spec);
	if (!handle_valid(handle))
		errx(2, "--account %s: not a handle", handle);
	if (account_by_handle(handle, &a))
		errx(2, "--account %s: given twice", handle);
	a = account_add(handle, 1);
	acc(a)->password = xstrdup(colon + 1);
	free(handle);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "account", required_argument, NULL, 'a' },
		{ "access-ttl", required_argument, NULL, 't' },
		{ "rate-limit", required_argument, NULL, 'l' },
		{ "rate-window", required_argument, NULL, 'w' },
		{ "ping-interval", required_argument, NULL, 'i' },
		{ "reset-floor", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char	**bots;
	size_t		  nbots = 0, i;
	int		  ch;

	bots = xcalloc((size_t)argc, sizeof(*bots));
	peer.opt.port = -1;
	peer.opt.access_ttl = 7200;
	peer.opt.rate_limit = 5000;
	peer.opt.rate_window = 3600;
	peer.opt.ping_interval = 30;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			peer.opt.port = (int)num_arg("--port", optarg, 0,
			    65535);
			break;
		case 'c':
			peer.opt.cert = optarg;
			break;
		case 'k':
			peer.opt.key = optarg;
			break;
		case 'a':
			bots[nbots++] = optarg;
			break;
		case 't':
			peer.opt.access_ttl = seconds_arg("--access-ttl",
			    optarg, 0.001);
			break;
		case 'l':
			peer.opt.rate_limit = num_arg("--rate-limit", optarg, 1,
			    1000000000);
			break;
		case 'w':
			peer.opt.rate_window = num_arg("--rate-window", optarg,
			    1, 100000000);
			break;
		case 'i':
			peer.opt.ping_interval = seconds_arg("--ping-interval",
			    optarg, 0);
			break;
		case 'f':
			peer.opt.reset_floor = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || peer.opt.port < 0 || peer.opt.cert == NULL ||
	    peer.opt.key == NULL)
		usage();
	/* after the options: the buckets need --rate-limit, wherever it is */
	for (i = 0; i < nbots; i++)
		add_bot(bots[i]);
	free(bots);
}

static void
peer_free(void)
{
	size_t	i;

	for (i = 0; i < peer.naccounts; i++) {
		free(peer.accounts[i].handle);
		free(peer.accounts[i].did);
		free(peer.accounts[i].pubkey);
		free(peer.accounts[i].password);
		free(peer.accounts[i].display_name);
		free(peer.accounts[i].seen_at);
	}
	free(peer.accounts);
	for (i = 0; i < peer.nrecords; i++) {
		free(peer.records[i].collection);
		free(peer.records[i].rkey);
		free(peer.records[i].cid);
		json_decref(peer.records[i].value);
	}
	free(peer.records);
	for (i = 0; i < peer.nblobs; i++) {
		free(peer.blobs[i].cid);
		free(peer.blobs[i].mime);
	}
	free(peer.blobs);
	for (i = 0; i < peer.nevents; i++) {
		free(peer.events[i].collection);
		free(peer.events[i].rkey);
		free(peer.events[i].frame);
	}
	free(peer.events);
	for (i = 0; i < peer.nnotifications; i++)
		free(peer.notifications[i].subject);
	free(peer.notifications);
	for (i = 0; i < peer.ntokens; i++)
		free(peer.tokens[i].jwt);
	free(peer.tokens);
	for (i = 0; i < peer.nconvos; i++)
		free(peer.convos[i].id);
	free(peer.convos);
	for (i = 0; i < peer.nmessages; i++) {
		free(peer.messages[i].id);
		free(peer.messages[i].text);
		json_decref(peer.messages[i].facets);
	}
	free(peer.messages);
	for (i = 0; i < peer.nlogins; i++)
		free(peer.logins[i].identifier);
	free(peer.logins);
	for (i = 0; i < peer.nfailures; i++) {
		free(peer.failures[i].path);
		free(peer.failures[i].error);
		free(peer.failures[i].message);
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

	if (RAND_bytes(peer.secret, (int)sizeof(peer.secret)) != 1)
		errx(1, "RAND_bytes");
	peer.clock_id = (unsigned)getpid() & 1023;
	parse_args(argc, argv);
	bucket_init(&peer.read, READ_LIMIT, READ_WINDOW);
	peer.jetstream_up = 1;

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
	/* room for getRelationships' 30 DIDs and getPosts' 25 at-uris */
	info.max_http_header_data = 16384;
	if ((peer.lws = lws_create_context(&info)) == NULL)
		errx(1, "cannot create the lws context");
	memset(&info, 0, sizeof(info));
	info.vhost_name = "bluesky";
	info.iface = "127.0.0.1";
	info.port = peer.opt.port;
	info.protocols = protocols;
	/* lws reads the TLS option from the vhost's info too */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.ssl_cert_filepath = peer.opt.cert;
	info.ssl_private_key_filepath = peer.opt.key;
	/* HTTP/1.1 only: lws reads custom headers (atproto-proxy) on h1 */
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

	printf("bluesky-peer listening on 127.0.0.1:%d\n", peer.port);
	fflush(stdout);
	while (!peer.stopping)
		if (lws_service(peer.lws, 0) < 0)
			break;
	lws_sul_cancel(&peer.ping_timer);
	lws_context_destroy(peer.lws);
	peer_free();
	return peer.stopping ? 0 : 1;
}
