/*
 * schedule: posts queued for a time (the countdown, the team's
 * announcements), and their hand-over to the outbox when it comes.
 *
 * A scheduled_post row is one post, or one thread, from one bot account
 * at run_at (on the campaign's clock, clock.h).  Its body, written whole
 * when the row is made, is the contract between whoever schedules (the
 * countdown planner, `quitx announce`) and the runner:
 *
 *	{"parts":["text", ...],
 *	 "images":[{"file":"/abs/path","alt":"..."}],	(optional)
 *	 "not_after":<seconds since 1970>,		(optional)
 *	 "lang":"en"}
 *
 * parts: one post, or a thread (each later part a reply to the one
 * before, through the outbox's thread_parent_id).  not_after: past it
 * the row is 'skipped', never posted late (a countdown's "J-3" the day
 * after is wrong).  images: the first part's pictures with their alt
 * text; the outbox row of that part lists them, and its sender uploads
 * them before it posts (outbox-body.h).
 *
 * The runner (schedule_run_due) takes the due 'pending' rows and, per
 * row in one transaction, queues the outbox rows and marks it 'queued':
 * Mastodon gets the text as is (public), Bluesky gets it with facets
 * (links, tags; mentions of members the store knows).  The outbox rows'
 * idempotency keys are "sched:<row id>:<part>", so a crash or a restart
 * never queues a post twice.  `quitx announce --preview` shows what
 * schedule_compose gives, the same function the runner uses.
 */
#ifndef QUITX_SCHEDULE_H
#define QUITX_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "quitx/config.h"
#include "quitx/richtext.h"

struct store;

#define SCHEDULE_IMAGES_MAX	4
/* A Mastodon status's length when the instance has not said */
#define SCHEDULE_MASTODON_CHARS	500

struct schedule_image {
	char	*file;
	char	*alt;
};

struct schedule_body {
	char			**parts;
	size_t			  nparts;
	struct schedule_image	  images[SCHEDULE_IMAGES_MAX];
	size_t			  nimages;
	int64_t			  not_after;	/* 0: none */
	enum lang		  lang;
};

/* Parse a body; 0, or -1 with why. */
int	schedule_body_parse(const char *json, struct schedule_body *b,
	    char *why, size_t whysize);
/* The body as stored (malloc'd). */
char	*schedule_body_dump(const struct schedule_body *b);
void	schedule_body_clear(struct schedule_body *b);

/* One part as a network receives it. */
struct schedule_msg {
	char	*text;		/* exactly what is posted */
	json_t	*facets;	/* Bluesky: the facets array; Mastodon: NULL */
	size_t	 length;	/* as the network counts it */
	size_t	 limit;		/* what it allows */
	char	*body;		/* the outbox row's body */
	size_t	 nimages;	/* pictures it carries (the first part) */
};

/*
 * The parts of b as network net receives them (max_chars: a Mastodon
 * instance's limit, 0 for the default 500; resolve: a Bluesky mention's
 * DID, or NULL for no mentions; now: the record's createdAt).  0 with
 * *msgs (free with schedule_msgs_free), or -1 with why, e.g. "part 2 is
 * 312 graphemes; Bluesky allows 300": a part empty, not UTF-8 or over
 * the network's limit.
 */
int	schedule_compose(const struct schedule_body *b, enum network net,
	    int max_chars, richtext_resolve_fn resolve, void *arg, int64_t now,
	    struct schedule_msg **msgs, size_t *nmsgs, char *why,
	    size_t whysize);
void	schedule_msgs_free(struct schedule_msg *m, size_t n);

/*
 * Split text on blank lines (lines of spaces only) into thread parts,
 * each trimmed of the line breaks around it; empty parts dropped.
 * Returns the count and *parts (malloc'd strings, free each and it).
 */
size_t	schedule_split_thread(const char *text, char ***parts);

/* A resolver of Bluesky handles to DIDs from the store's members. */
struct schedule_resolver {
	struct store	*st;
	char		 did[256];
};
const char	*schedule_resolve_member(const char *handle, void *arg);

/* The store key of a Mastodon bot's max_characters, as last seen. */
#define SCHEDULE_MAX_CHARS_KEY	"mastodon_max_chars:%lld"

/* A Mastodon bot's max_characters as last seen by the daemon, or 500. */
int	schedule_max_chars_known(struct store *st, int64_t bot_account_id);

/*
 * Hand the pending rows due at now_cal (the campaign's clock) to the
 * outbox, not before now_real (the real clock the pacer reads): each in
 * a transaction of its own, skipped when past its not_after, when its
 * bot is gone or when a part does not fit.  max_chars: a Mastodon bot's
 * limit (NULL or 0: as last seen, else 500).  Rows handled (queued or
 * skipped), or -1.
 */
int	schedule_run_due(struct store *st, int64_t now_cal, int64_t now_real,
	    int (*max_chars)(int64_t bot_id, void *arg), void *arg);

#endif
