/*
 * bluesky-parse: what concerns the bots, out of Jetstream events and
 * listNotifications entries, turned into one normalized inbox payload;
 * and that payload read back by the handler.  Pure functions: no I/O,
 * no logging.
 *
 * A post concerns a bot when it is not the bot's own and one of its
 * mention facets names the bot's DID, or its reply parent or root is a
 * post of the bot; a follow concerns a bot when its subject is the bot.
 * Edits, deletions, identity and account events concern no one.
 *
 * Jetstream sends every post of the network (hundreds a second), so the
 * filter must be cheap: a frame that does not contain a bot's DID as
 * bytes is passed over without parsing its JSON.  That is exact: DIDs are
 * plain ASCII ([a-z0-9:._-]) that no JSON encoder escapes.
 *
 * The normalized payload (the inbox stores it, the handler reads it):
 *   {"kind":"mention"|"follow","uri":AT-URI,"cid":CID,"did":AUTHOR,
 *    "handle":AUTHOR-HANDLE?,"text":TEXT,"langs":[...],
 *    "mentions":[{"did":DID,"handle":AS-WRITTEN}],
 *    "reply":{"root":{"uri","cid"},"parent":{"uri","cid"}}?,
 *    "subject":DID (follows)}
 * Error reasons are short printable ASCII and never quote the input.
 */
#ifndef QUITX_BLUESKY_PARSE_H
#define QUITX_BLUESKY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* A frame or entity larger than this is refused unparsed. */
#define BSKY_JSON_MAX	(1024 * 1024)
/* Bots one daemon can watch on one Jetstream connection. */
#define BSKY_BOTS_MAX	64

enum bsky_kind {
	BSKY_NONE,
	BSKY_MENTION,	/* a post that mentions or answers a bot */
	BSKY_FOLLOW,	/* someone follows a bot */
};

struct bsky_event {
	enum bsky_kind	 kind;
	int64_t		 time_us;	/* Jetstream's cursor; 0 if unknown */
	uint64_t	 bots;		/* bit i: concerns dids[i] */
	char		*uri;		/* the record's at-uri: the event id */
	char		*payload;	/* normalized JSON (see above) */
};

/*
 * One Jetstream frame.  Returns 1 when it concerns one of the bots (ev
 * filled), 0 when it concerns none (ev->time_us set when the frame has
 * one), -1 with a reason in err when a frame that names a bot is not an
 * event.  ndids is at most BSKY_BOTS_MAX.
 */
int	bsky_jetstream_parse(const char *frame, size_t len,
	    const char *const *dids, size_t ndids, struct bsky_event *ev,
	    char *err, size_t errsize);

/*
 * One entry of app.bsky.notification.listNotifications, for the bot
 * whose DID is bot_did: 1 when it is a mention, reply or follow of the
 * bot (ev filled, bots = 1), 0 when it is something else (a like, a
 * repost, the bot's own post), -1 with a reason when it is malformed.
 */
int	bsky_notification_parse(const json_t *n, const char *bot_did,
	    struct bsky_event *ev, char *err, size_t errsize);

void	bsky_event_clear(struct bsky_event *ev);

/* A normalized payload, read back (every string malloc'd). */
struct bsky_post {
	enum bsky_kind	 kind;
	char		*uri;
	char		*cid;
	char		*did;		/* the author */
	char		*handle;	/* the author's, when known, or NULL */
	char		*text;		/* "" for follows */
	char		*lang;		/* first of langs, or NULL */
	char		**mentions;	/* handles as written (no '@') */
	char		**mention_dids;	/* the same order */
	size_t		 nmentions;
	char		*root_uri;	/* the thread's root, or NULL */
	char		*root_cid;
	char		*parent_uri;	/* the post answered, or NULL */
};

/* 0, or -1 with a reason in err. */
int	bsky_post_parse(const char *payload, struct bsky_post *p, char *err,
	    size_t errsize);
void	bsky_post_clear(struct bsky_post *p);

/*
 * The DID out of an at-uri ("at://did:plc:x/coll/rkey"), copied into
 * out; 0, or -1 when uri is not one.
 */
int	bsky_uri_did(const char *uri, char *out, size_t outsize);

#endif
