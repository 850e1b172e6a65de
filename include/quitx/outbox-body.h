/*
 * outbox-body: what the outbox's rows carry, in the shape each network's
 * sender reads (mastodon-send.c, bluesky-send.c).  Every body is written
 * whole when the row is queued, so every attempt sends the same thing.
 *
 * Mastodon: the POST /api/v1/statuses parameters, plus "quitx_to" on a
 * direct message (its recipient: a 200 whose mentions[] lacks them is
 * undelivered).  Bluesky: {"post":{"rkey","record"}} for putRecord, or
 * {"chat":{"to","text","facets","queued_at"}} for a chat message.
 *
 * Pictures (a scheduled post's first part): Mastodon's body lists them
 * under "quitx_images", Bluesky's under "images", each {"file","alt"}.
 * The sender uploads those not uploaded yet and writes what it got back
 * into the row (store_outbox_set_body) before it posts, so that a retry
 * or a restart reuses them: Mastodon adds "id" (the MediaAttachment,
 * "uploaded_at" its time, "ready" once processed), Bluesky "blob" (the
 * blob reference that goes into the record's app.bsky.embed.images).
 */
#ifndef QUITX_OUTBOX_BODY_H
#define QUITX_OUTBOX_BODY_H

#include <stdint.h>

#include <jansson.h>

#include "quitx/config.h"

#define OUTBOX_MASTODON_IMAGES	"quitx_images"
#define OUTBOX_BLUESKY_IMAGES	"images"

/* Mastodon's visibilities, from widest to narrowest. */
enum visibility { VIS_PUBLIC, VIS_UNLISTED, VIS_PRIVATE, VIS_DIRECT };

/* A visibility's rank; unknown or NULL: direct, the narrowest. */
enum visibility	outbox_visibility(const char *name);

/*
 * text with a WORD JOINER after each '@' that starts a name, so that it
 * reads the same but Mastodon finds no mention in it (no one is notified
 * or, in a direct message, made a recipient).  malloc'd.
 */
char	*outbox_unmention(const char *text);

/*
 * An answer to acct: "@acct " then text (unmentioned), replying to
 * reply_to (or NULL), direct when private or when their post was
 * followers-only or narrower, else unlisted at the widest.
 */
char	*outbox_mastodon_answer(const char *acct, const char *text,
	    const char *reply_to, const char *their_visibility, int private,
	    enum lang lang);

/* A status as is (its mentions are meant): no recipient check. */
char	*outbox_mastodon_status(const char *text, enum visibility vis,
	    enum lang lang);

/*
 * A chat message to did; facets NULL: links only (the caller keeps its
 * reference to facets).  queued_at is now less the chat service's clock
 * slack: a resend looks for the text among messages sent since.
 */
char	*outbox_bluesky_chat(const char *did, const char *text, json_t *facets,
	    int64_t now);

/* Where a Bluesky reply goes: strong refs to the thread's root and parent. */
struct bsky_reply_refs {
	const char	*root_uri, *root_cid;
	const char	*parent_uri, *parent_cid;
};

/*
 * A post with its record key chosen now; facets NULL: links and tags
 * only (the caller keeps its reference).  reply NULL: not a reply (a
 * thread's later parts get their refs when sent).
 */
char	*outbox_bluesky_post(const char *text, json_t *facets,
	    const struct bsky_reply_refs *reply, enum lang lang, int64_t now);

#endif
