/*
 * campaign: the campaign day's posts and messages, composed from the
 * store (the match's suggestions, the members' consents) and queued in
 * the outbox.  The daemon calls these (campaign-run.c); so do `quitx
 * campaign plan|preview|start --dry-run`, inside a transaction they roll
 * back, with an emit hook that shows the rows instead of keeping them:
 * what they print is what the day sends.
 *
 * Every row is queued with an idempotency key derived from what it is
 * (intro:<bot>:<part>, suggest:<member>:<told>:<part>) in the same
 * transaction that records it as told, so a crash or a second run never
 * queues a message twice.
 */
#ifndef QUITX_CAMPAIGN_H
#define QUITX_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/config.h"

struct store;

/* Outbox priorities: lower goes first. */
#define PRIORITY_REPLY		10	/* answers to members */
/* the team's scheduled posts: few, and due at a time (before the bulk) */
#define PRIORITY_ANNOUNCE	15
#define PRIORITY_SUGGESTIONS	20	/* the day's private messages */
#define PRIORITY_INTRO		30	/* the day's introductions */

/* A row as composed, for the outbox or a dry run. */
struct campaign_row {
	int64_t		 bot_account_id;
	int64_t		 member_id;	/* 0: a public post */
	enum network	 network;
	const char	*kind;		/* "suggestions", "intro", "ask_follow" */
	int		 priority;
	const char	*idem_key;
	const char	*body;		/* as the sender reads it */
	const char	*text;		/* what people read */
	const char	*recipient;	/* a member's account, or NULL */
	size_t		 part;		/* 0, 1, ... within its message */
	size_t		 length;	/* as the network counts it */
};

struct campaign_env {
	struct store		*st;
	const struct config	*conf;
	int64_t			 now;
	/* a Mastodon bot's max_characters (NULL or 0: 500) */
	int			(*max_chars)(int64_t bot_id, void *arg);
	/* rows go here instead of the outbox (a dry run); 0 or -1 */
	int			(*emit)(const struct campaign_row *r, void *arg);
	/*
	 * A Bluesky member's suggestions name accounts not checked
	 * against their follows: ask for the check (0), or NULL to go on
	 * without (the CLI).
	 */
	int			(*check)(int64_t member_id, const char *actor,
				    const char *const *dids, size_t n,
				    void *arg);
	/*
	 * A Bluesky member known only by the handle they were imported
	 * with (a chat and a mention facet need their DID): ask for it
	 * (1: the message waits), 0 when it cannot be had for now (go
	 * on without), -1; or NULL to go on without (the CLI).
	 */
	int			(*resolve)(int64_t member_id,
				    const char *handle, void *arg);
	void			*arg;
	int			 dry_run;	/* placeholder links */
};

/* When the campaign day starts, from the config (seconds since 1970). */
int64_t	campaign_start_time(const struct config *conf);

/*
 * Whether the day has started: its time has passed, or the team ran
 * `quitx campaign start`.  1 and *at (when), 0, -1.
 */
int	campaign_started(struct store *st, const struct config *conf,
	    int64_t now, int64_t *at);

/* Start it now (`quitx campaign start`); started already: no change. */
int	campaign_start_now(struct store *st, int64_t now);

/*
 * Queue the introductions: per bot account, the members of its network
 * and language who opted in, mentioned in a thread of posts.  The
 * day's threads once; later calls, at most every intro_interval, queue
 * a thread of those who opted in since.  Posts queued, or -1.
 */
int	campaign_queue_intros(const struct campaign_env *env);

enum compose_mode {
	COMPOSE_NEW,	/* the suggestions they were not told yet */
	COMPOSE_ALL,	/* all of them (the `suggestions` command) */
};

/*
 * Queue one member's suggestion message (split in parts within the
 * limits) and record them told, in the caller's transaction.  Rows
 * queued (0: nothing to say, or *deferred when a Bluesky follow check
 * or the member's DID was asked for first), or -1.
 */
int	campaign_queue_member(const struct campaign_env *env,
	    int64_t member_id, enum compose_mode mode, int *deferred);

/*
 * Ask, once and publicly, the recipients whose settings refused a
 * private message to follow the bot (their message waits for it).
 * 0 or -1.
 */
int	campaign_ask_follow(const struct campaign_env *env);

#endif
