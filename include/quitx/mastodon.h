/*
 * mastodon: one Mastodon bot account, connected.
 *
 * It checks the token (verify_credentials), reads the instance (streaming
 * URL, max_characters), catches up on notifications with min_id paging,
 * then listens on the streaming API (user:notification); every mention
 * and follow goes to the inbox with the last notification id.  When the
 * stream is down it polls, and reconnects with backoff and jitter.  It
 * also sends the account's outbox rows (POST /api/v1/statuses with an
 * Idempotency-Key) through an outbox pacer.
 */
#ifndef QUITX_MASTODON_H
#define QUITX_MASTODON_H

#include <stdint.h>

struct lws_context;
struct lws_vhost;
struct lws_protocols;
struct http;
struct store;
struct config;
struct config_account;

struct mastodon_env {
	struct lws_context	*lws;
	struct lws_vhost	*vhost;		/* lists mastodon_stream_protocol */
	struct http		*http;
	struct store		*store;
	int			 stream_timeout;	/* seconds */
	int			 poll_interval;		/* seconds */
};

#define MASTODON_STATE_COUNT 4
enum mastodon_state {
	MASTODON_STARTING,	/* checking the token and the instance */
	MASTODON_STREAMING,	/* connected to the stream */
	MASTODON_POLLING,	/* stream down: polling, reconnecting */
	MASTODON_DISABLED,	/* token refused: nothing more is tried */
};

struct mastodon;

/* The lws protocol of the streaming connections: list it on the vhost. */
extern const struct lws_protocols mastodon_stream_protocol;

/*
 * Start an account (reads its token now).  Returns NULL with a logged
 * reason when the secret cannot be read.
 */
struct mastodon	*mastodon_start(const struct mastodon_env *env,
		    const struct config_account *acct, int64_t bot_account_id);

/* Close the stream and send nothing new; a send in flight completes. */
void		 mastodon_stop(struct mastodon *m);

/* 1 while a request that changes something is in flight. */
int		 mastodon_busy(const struct mastodon *m);

void		 mastodon_free(struct mastodon *m);

enum mastodon_state mastodon_state(const struct mastodon *m);
const char	*mastodon_state_name(enum mastodon_state s);

/* The instance's status length limit (500 until the instance is read). */
int		 mastodon_max_chars(const struct mastodon *m);
/* Its bot_account row id. */
int64_t		 mastodon_bot_id(const struct mastodon *m);

/* What GET /api/v1/accounts/lookup said about an account. */
struct mastodon_account {
	int		 found;		/* 0: no such account known here */
	const char	*id;		/* the bot's server's id for it */
	const char	*acct;
	int		 bot;
	const char	*error;		/* the request failed: why */
};

typedef void (*mastodon_lookup_fn)(const struct mastodon_account *a,
		    void *arg);

/*
 * Look an account up by acct ("user@host" or "user") as the bot's server
 * knows it (no WebFinger: a remote account it never saw is not found).
 * done runs once, from the loop.  Returns a handle for
 * mastodon_lookup_cancel.
 */
struct http_request *mastodon_lookup(struct mastodon *m, const char *acct,
		    mastodon_lookup_fn done, void *arg);

/* Drop a lookup in flight; its callback will not run. */
void		 mastodon_lookup_cancel(struct http_request *r);

/* The account as configured (validated words, safe as metric labels). */
const char	*mastodon_handle(const struct mastodon *m);
const char	*mastodon_server(const struct mastodon *m);

#endif
