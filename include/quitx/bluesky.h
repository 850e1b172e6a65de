/*
 * bluesky: one Bluesky bot account, connected; and the Jetstream
 * connection the daemon's Bluesky accounts share.
 *
 * An account resolves its handle to a DID (resolveHandle on its server),
 * the DID to its PDS (the DID document from the PLC directory, or
 * /.well-known/did.json for did:web), opens a session with its app
 * password (createSession, never in a loop: the server allows 30 in five
 * minutes), refreshes it before the access token expires and on
 * ExpiredToken, and makes a new one only when refreshing fails.  Tokens
 * and the password live in memory only.
 *
 * Mentions, replies and follows reach the inbox from Jetstream (one
 * connection for every bot: it carries the whole network's posts) and,
 * at start and whenever Jetstream is down, from listNotifications.  Each
 * account sends its outbox rows: posts with putRecord on a record key
 * chosen when the row was queued (a resend is a no-op), chat messages
 * through the PDS's chat proxy.
 */
#ifndef QUITX_BLUESKY_H
#define QUITX_BLUESKY_H

#include <stddef.h>
#include <stdint.h>

struct lws_context;
struct lws_vhost;
struct lws_protocols;
struct http;
struct store;
struct config_account;
struct config_bluesky;

struct bluesky_env {
	struct lws_context		*lws;
	struct lws_vhost		*vhost;	/* lists bluesky_jetstream_protocol */
	struct http			*http;
	struct store			*store;
	const struct config_bluesky	*conf;
	int				 stream_timeout;	/* seconds */
	int				 poll_interval;		/* seconds */
};

#define BLUESKY_STATE_COUNT 4
enum bluesky_state {
	BLUESKY_STARTING,	/* resolving the identity, opening a session */
	BLUESKY_STREAMING,	/* session open, Jetstream connected */
	BLUESKY_POLLING,	/* session open, Jetstream down: polling */
	BLUESKY_DISABLED,	/* password refused: nothing more is tried */
};

struct bluesky;
struct bluesky_jetstream;

/* The lws protocol of the Jetstream connection: list it on the vhost. */
extern const struct lws_protocols bluesky_jetstream_protocol;

/* The shared Jetstream reader (connects once an account knows its DID). */
struct bluesky_jetstream *bluesky_jetstream_create(
		    const struct bluesky_env *env);
void		 bluesky_jetstream_free(struct bluesky_jetstream *js);
/* 1 while connected and reading. */
int		 bluesky_jetstream_up(const struct bluesky_jetstream *js);

/*
 * Start an account (reads its password now).  Returns NULL with a
 * logged reason when the secret cannot be read.
 */
struct bluesky	*bluesky_start(const struct bluesky_env *env,
		    struct bluesky_jetstream *js,
		    const struct config_account *acct, int64_t bot_account_id);

/* Send nothing new; a send in flight completes. */
void		 bluesky_stop(struct bluesky *b);
/* 1 while a request that changes something is in flight. */
int		 bluesky_busy(const struct bluesky *b);
void		 bluesky_free(struct bluesky *b);

enum bluesky_state bluesky_state(const struct bluesky *b);
const char	*bluesky_state_name(enum bluesky_state s);
const char	*bluesky_handle(const struct bluesky *b);
/* The account's DID once resolved, else NULL. */
const char	*bluesky_did(const struct bluesky *b);
/* Its bot_account row id. */
int64_t		 bluesky_bot_id(const struct bluesky *b);
/* 1 when its session is open and it is not stopping. */
int		 bluesky_usable(const struct bluesky *b);

/*
 * The DID a handle names now (com.atproto.identity.resolveHandle):
 * done runs once from the loop with it, or with NULL and gone 1 when
 * the handle resolves to nothing, 0 when the answer was an error worth
 * asking again.  Returns -1 when it cannot be asked now (no session).
 */
typedef void (*bluesky_resolved_fn)(const char *value, int gone, void *arg);
int		 bluesky_resolve_handle(struct bluesky *b, const char *handle,
		    bluesky_resolved_fn done, void *arg);
/*
 * The handle a DID has now (app.bsky.actor.getProfile), the same way:
 * NULL and gone 1 when there is no profile or no valid handle.
 */
int		 bluesky_profile_handle(struct bluesky *b, const char *did,
		    bluesky_resolved_fn done, void *arg);

/*
 * Which of others (DIDs, at most BLUESKY_RELATIONSHIPS_MAX) actor
 * follows, from the public graph (app.bsky.graph.getRelationships).
 * done runs once from the loop: ok 0 with the followed ones (pointers
 * valid during the call), or -1.  Returns -1 when it cannot be asked
 * now (no session).
 */
#define BLUESKY_RELATIONSHIPS_MAX	30
typedef void (*bluesky_relationships_fn)(int ok, const char *const *followed,
		    size_t n, void *arg);
int		 bluesky_relationships(struct bluesky *b, const char *actor,
		    const char *const *others, size_t n,
		    bluesky_relationships_fn done, void *arg);

#endif
