/*
 * store: the embedded SQLite database, and every SQL statement quitx runs.
 *
 * Nothing outside store*.c sees SQL or a sqlite3 handle: callers use
 * functions named for what they mean, so that another backend can be
 * added behind the same header.  The schema is created and migrated on
 * open (PRAGMA user_version); migrations only go forward.
 */
#ifndef QUITX_STORE_H
#define QUITX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "quitx/config.h"

struct store;

/* Row states, as stored (the CHECK constraints list the same words). */
enum inbox_state { INBOX_NEW, INBOX_DONE, INBOX_IGNORED, INBOX_FAILED };
#define INBOX_STATE_COUNT 4
enum outbox_state { OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_SENT,
	OUTBOX_FAILED, OUTBOX_CANCELLED };
#define OUTBOX_STATE_COUNT 5

struct store_stats {
	int64_t	bot_accounts[NETWORK_COUNT];	/* active, per network */
	int64_t	members[NETWORK_COUNT];
	int64_t	claims;				/* every X handle claim */
	int64_t	claims_proven;			/* X id proven by archive or import */
	int64_t	claims_contested;		/* unproven and claimed by several */
	int64_t	uploads;
	int64_t	edges;				/* follow edges between X ids */
	int64_t	inbox[INBOX_STATE_COUNT];
	int64_t	outbox[OUTBOX_STATE_COUNT];
	int64_t	scheduled_pending;
	int	schema_version;
};

/* The schema version this build creates and understands. */
int	store_schema_latest(void);

/*
 * Open (creating if needed) the database at path and migrate it to the
 * latest schema.  A database newer than this build is refused, not
 * touched.  Returns 0, or -1 with the reason in err.
 */
int	store_open(const char *path, struct store **out, char *err,
	    size_t errsize);

/*
 * The same, migrating only up to version target (0 < target <= latest).
 * For the migration tests and for tools that inspect old stores.
 */
int	store_open_at(const char *path, int target, struct store **out,
	    char *err, size_t errsize);

/* Close, checkpointing the WAL so the file is whole on its own. */
void	store_close(struct store *st);

/* The schema version of the open database. */
int	store_schema_version(struct store *st);

/* 0 when the database answers a trivial query, -1 otherwise. */
int	store_ping(struct store *st);

/*
 * Make the bot_account table match the configured accounts: add new ones,
 * mark them active, and mark those no longer configured inactive (their
 * history stays).  One transaction.
 */
int	store_bot_accounts_sync(struct store *st, const struct config *conf);

/* Counts for `quitx stats` and /metrics. */
int	store_stats_get(struct store *st, struct store_stats *out);

/* --- watching the campaign: `quitx stats` and /status (store-status.c) --- */

/* Outbox rows of one kind ("reply", "suggestions", "intro"...), by state. */
struct store_outbox_kind {
	char	*kind;
	int64_t	 n[OUTBOX_STATE_COUNT];
};

/* Members registered in one span of time, by network. */
struct store_reg_bucket {
	int64_t	 start;			/* Unix seconds, a multiple of the span */
	int64_t	 n[NETWORK_COUNT];
};

/* A scheduled post still pending. */
struct store_scheduled {
	int64_t	 id;
	char	*kind;			/* "countdown", "announce" */
	char	*bot_handle;		/* NULL: no bot account named */
	enum network network;		/* the bot's, when bot_handle is set */
	int64_t	 run_at;
	char	*body;			/* as stored */
};

struct store_status {
	struct store_stats	 stats;
	struct store_outbox_kind *kinds;	/* by kind name */
	size_t			 nkinds;
	struct store_reg_bucket	*regs;		/* by start, only spans with any */
	size_t			 nregs;
	struct store_scheduled	*next;		/* soonest first */
	size_t			 nnext;
	int64_t			 match_at;	/* 0: no match yet */
	int64_t			 suggestions;	/* rows the last match wrote */
	int64_t			 members_suggested; /* members with >= 1 of them */
};

/*
 * The stats and what the campaign team watches, read in one moment:
 * outbox rows by kind and state, registrations counted per span seconds
 * (span > 0), the last match, and the next max_next pending scheduled
 * posts.  0 with *out filled (clear it), or -1.
 */
int	store_status_get(struct store *st, int64_t span, size_t max_next,
	    struct store_status *out);
void	store_status_clear(struct store_status *s);

/* The row id of a configured bot account (after sync), or -1. */
int64_t	store_bot_account_id(struct store *st, const struct config_account *a);

/* Record the network's own id of a bot account (Mastodon id, DID). */
int	store_bot_account_set_remote(struct store *st, int64_t id,
	    const char *remote_id);

/* --- inbox: everything that arrives, before it is handled --- */

struct inbox_event {
	const char		*event_id;	/* the network's id: unique per bot */
	const char		*kind;		/* "mention", "follow", ... */
	const char		*payload;	/* the entity as received (JSON) */
	enum inbox_state	 state;		/* NEW, or IGNORED with a reason */
	const char		*reason;	/* why IGNORED, else NULL */
	int			 added;		/* out: 1 if it was new */
	int64_t			 bot_account_id; /* 0: the call's */
};

/*
 * Write events (those already there are skipped) and, when stream is not
 * NULL, set that stream's cursor, in one transaction: a crash keeps both
 * or neither.  An event with its own bot_account_id goes to that bot (a
 * stream shared by several bots).  Returns how many events were new, or -1.
 */
int	store_inbox_add(struct store *st, int64_t bot_account_id,
	    struct inbox_event *ev, size_t n, const char *stream,
	    const char *cursor);

/* A stream's saved position: 1 and *out (free it), 0 if none, -1. */
int	store_cursor_get(struct store *st, const char *stream, char **out);

/* --- outbox: everything that leaves --- */

struct outbox_row {
	int64_t	 id;
	int64_t	 bot_account_id;
	int64_t	 member_id;		/* 0: none */
	int64_t	 thread_parent_id;	/* 0: not in a thread */
	char	*parent_remote_id;	/* the parent's post id once sent */
	char	*kind;
	int	 priority;		/* lower is sooner */
	char	*idem_key;
	char	*body;			/* what the network receives (JSON) */
	int64_t	 not_before;
	int	 attempts;
};

/* What to queue; idem_key also makes queueing the same thing twice a no-op. */
struct outbox_new {
	int64_t		 bot_account_id;
	int64_t		 member_id;		/* 0: none */
	int64_t		 thread_parent_id;	/* 0: none */
	const char	*kind;
	int		 priority;
	const char	*idem_key;
	const char	*body;
	int64_t		 not_before;
	int64_t		 expires_at;		/* 0: none; else never sent after */
	const char	*recipient;		/* network account, or NULL */
};

/*
 * Queue a row.  Returns 1 and its id, 0 and the existing row's id when
 * idem_key was already queued, or -1.
 */
int	store_outbox_add(struct store *st, const struct outbox_new *row,
	    int64_t *id);

/*
 * Cancel a bot account's queued rows whose expires_at is before now, with
 * the thread parts that would have followed them: how many, or -1.
 */
int	store_outbox_expire(struct store *st, int64_t bot_account_id,
	    int64_t now);

/*
 * The next row a bot account may send at time now: queued, due, and
 * (in a thread) whose parent was sent.  Lowest priority first, then
 * oldest.  1 with *row filled (clear it), 0 when none, -1 on error.
 */
int	store_outbox_next(struct store *st, int64_t bot_account_id,
	    int64_t now, struct outbox_row *row);

/* Mark a row being sent (attempts + 1) before the request leaves. */
int	store_outbox_sending(struct store *st, int64_t id);

/* The network accepted it: its own id of the post or message. */
int	store_outbox_sent(struct store *st, int64_t id, const char *remote_id,
	    int64_t now);

/*
 * Rewrite the body of the row being sent: what an attempt learnt and the
 * next must reuse (the ids of pictures already uploaded).  0 or -1.
 */
int	store_outbox_set_body(struct store *st, int64_t id, const char *body);

/*
 * Back to the queue until not_before, with the reason.  refund: the
 * attempt does not count (a rate-limit wait is not a failure).
 */
int	store_outbox_retry(struct store *st, int64_t id, int64_t not_before,
	    const char *error, int refund);

/*
 * Given up: refused for good (remote_id when it was posted anyway, else
 * NULL).  The rest of its thread, queued behind it, fails with it.
 */
int	store_outbox_failed(struct store *st, int64_t id, const char *remote_id,
	    const char *error);

/*
 * At start: rows left 'sending' by a crash go back to the queue (their
 * idempotency key makes the resend safe).  Returns how many, or -1.
 */
int	store_outbox_requeue_sending(struct store *st);

void	outbox_row_clear(struct outbox_row *row);

/* --- transactions spanning several calls (the handler's unit of work) --- */

int	store_transaction_begin(struct store *st);
int	store_transaction_commit(struct store *st);
void	store_transaction_rollback(struct store *st);

/* --- the inbox, from the handler's side --- */

struct inbox_row {
	int64_t	 id;
	int64_t	 bot_account_id;
	char	*kind;
	char	*payload;
};

/* The oldest 'new' event: 1 with *row (clear it), 0 when none, -1. */
int	store_inbox_next_new(struct store *st, struct inbox_row *row);

/* Mark an event handled: done, ignored or failed, with a reason or NULL. */
int	store_inbox_mark(struct store *st, int64_t id, enum inbox_state state,
	    const char *reason);

void	inbox_row_clear(struct inbox_row *row);

/* A bot account's row: network, server, handle, language.  1, 0, -1. */
int	store_bot_account_get(struct store *st, int64_t id,
	    enum network *network, char **server, char **handle,
	    enum lang *lang);

/* --- members, claims, consents --- */

enum claim_proof { PROOF_NONE, PROOF_ARCHIVE, PROOF_IMPORT };

struct member {
	int64_t		 id;
	enum network	 network;
	char		*account;		/* Mastodon user@host, or DID */
	enum lang	 lang;
	int64_t		 bot_account_id;	/* the bot they talk to */
	int		 discoverable;
	int		 intro_optin;
	int		 messages_stopped;
	char		*claim_handle;		/* NULL: no claim */
	enum claim_proof claim_proof;
	char		*handle;		/* Bluesky handle, when known */
};

/* 1 and *m (clear it), 0 when not a member, -1. */
int	store_member_get(struct store *st, enum network network,
	    const char *account, struct member *m);
void	member_clear(struct member *m);

/*
 * A member as the team names them: "user@host" (or "@user@host") on
 * Mastodon, a DID or a Bluesky handle.  1 and *m, 0, or -1.
 */
int	store_member_find(struct store *st, const char *who, struct member *m);

/*
 * Make account a member (registering is the consent to be suggested,
 * recorded with its time) or update its language and bot.  *created
 * says which.  Returns 0 and *id, or -1.
 */
int	store_member_upsert(struct store *st, enum network network,
	    const char *account, enum lang lang, int64_t bot_account_id,
	    int64_t now, int64_t *id, int *created);

/* Set the member's X handle claim (unproven).  0 or -1. */
int	store_claim_set(struct store *st, int64_t member_id, const char *handle,
	    int64_t now);

/* Set the member's claim, proven (x_id known), whatever it was.  0, -1. */
int	store_claim_prove(struct store *st, int64_t member_id,
	    const char *handle, int64_t x_id, enum claim_proof proof,
	    int64_t now);

/*
 * A member from the team's records (quitx import population): made if
 * new, registered now; an existing one keeps its language, bot and
 * consents.  handle: the Bluesky handle, or NULL.  0 and *id, or -1.
 */
int	store_member_import(struct store *st, enum network network,
	    const char *account, const char *handle, int64_t now, int64_t *id);

/*
 * The other members claiming handle (any case), for telling them about a
 * contested claim: fills up to max (network, account, bot, lang), returns
 * how many there are in all, or -1.
 */
struct claimant {
	enum network	 network;
	char		*account;
	int64_t		 bot_account_id;
	enum lang	 lang;
	enum claim_proof proof;
	int64_t		 member_id;
	int		 stopped;	/* asked for no private messages */
};
int	store_claim_others(struct store *st, int64_t member_id,
	    const char *handle, struct claimant *out, size_t max);
void	claimant_clear(struct claimant *c);

enum member_flag { FLAG_INTRO, FLAG_MESSAGES_STOPPED, FLAG_DISCOVERABLE };

/* Set a consent flag with the time it changed.  0 or -1. */
int	store_member_set_flag(struct store *st, int64_t member_id,
	    enum member_flag flag, int value, int64_t now);

/*
 * Forget a person: the member row (member_id 0: not a member) and with it,
 * by cascade, the claim, uploads and their edges and upload links; their
 * follows of the bots; messages to them cancelled and, like those already
 * sent, emptied down to a hash of the recipient; and the content of what
 * they wrote up to inbox event upto (alias: how bot_id's server spells
 * them in events, e.g. a local Mastodon "user").  0 or -1.
 */
int	store_member_forget(struct store *st, int64_t member_id,
	    enum network network, const char *account, const char *alias,
	    int64_t bot_id, int64_t upto);

/* Delete out rows that only keep a recipient's hash, made before before. */
int	store_outbox_prune(struct store *st, int64_t before);

/* Cancel the person's queued private messages (stop).  Count or -1. */
int	store_outbox_cancel_private(struct store *st, int64_t member_id,
	    const char *account);

/* Outbox rows to recipient of kind (NULL: any) created at or after since. */
int64_t	store_outbox_count_to(struct store *st, const char *recipient,
	    const char *kind, int64_t since);

/* Whether a row of kind was sent as remote_id by this bot (a call post). */
int	store_outbox_is_sent_kind(struct store *st, int64_t bot_account_id,
	    const char *remote_id, const char *kind);

/* --- who follows the bots --- */

int	store_bot_follower_add(struct store *st, int64_t bot_account_id,
	    const char *account, int64_t now);
/* 1 if account follows the bot, 0 if not, -1. */
int	store_bot_follower_has(struct store *st, int64_t bot_account_id,
	    const char *account);

/* --- upload links --- */

/* Record a link's token hash for a member, valid until expires_at. */
int	store_upload_token_add(struct store *st, int64_t member_id,
	    const unsigned char *hash, size_t hashlen, int64_t now,
	    int64_t expires_at);

/*
 * The member an upload link's token hash belongs to, at time now: 1 and
 * *member_id, *lang and *claim (their X handle claim or NULL; free it);
 * 0 if no link has that hash; 2 if it expired; -1.
 */
int	store_upload_token_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, int64_t now, int64_t *member_id, enum lang *lang,
	    char **claim);

/* --- X archives: uploads and their follow edges (ingest.c) --- */

enum upload_source { UPLOAD_ARCHIVE, UPLOAD_IMPORT };
/* EDGE_FOLLOWER: x_id follows the uploader; EDGE_FOLLOWING: the reverse */
enum edge_direction { EDGE_FOLLOWER = 0, EDGE_FOLLOWING = 1 };

/* A new upload, 'loading' (invisible to readers): 0 and *upload_id, -1. */
int	store_upload_begin(struct store *st, int64_t member_id,
	    enum upload_source source, int64_t now, int64_t *upload_id);

/*
 * Adds an upload's edges.  Each call is one transaction; ids sorted
 * ascending make it several times faster (the b-tree fills in order).
 */
struct store_edge_writer;
struct store_edge_writer *store_edge_writer_new(struct store *st,
	    int64_t upload_id);
/* How many of the n ids were new for this upload and direction, or -1. */
int64_t	store_edge_writer_add(struct store_edge_writer *w,
	    enum edge_direction dir, const int64_t *ids, size_t n);
void	store_edge_writer_free(struct store_edge_writer *w);

/* How the archive's account.js met the member's X handle claim. */
enum upload_claim {
	UPLOAD_CLAIM_PROVEN,	/* the claim (made now if none) is proven */
	UPLOAD_CLAIM_MISMATCH,	/* the claim names another handle: kept */
};

struct upload_outcome {
	enum upload_claim claim;
	char		*claimed;	/* the member's claim before, or NULL */
	int64_t		 replaced;	/* earlier uploads this one replaces */
};

/*
 * In one transaction: the upload becomes complete with whose archive it
 * is (x_id, x_handle) and its counts, the member's earlier uploads become
 * replaced, and the claim is settled: an archive proves a claim of the
 * same handle (or makes one); an import, trusted, sets it.  0 or -1.
 */
int	store_upload_complete(struct store *st, int64_t upload_id,
	    int64_t x_id, const char *x_handle, int64_t followers,
	    int64_t following, int64_t now, struct upload_outcome *out);
void	upload_outcome_clear(struct upload_outcome *o);

/*
 * Delete uploads nobody reads any more (replaced, the given one if
 * discard > 0, and those left loading since before stale_before by a
 * crash), at most max_edges edges a transaction so other writers are
 * never held up long.  1 after a chunk (call again), 0 when nothing is
 * left, -1.
 */
int	store_upload_cleanup(struct store *st, int64_t discard,
	    int64_t stale_before, size_t max_edges);

/* --- the campaign day (store-campaign.c) --- */

/* A campaign fact (campaign_state): 1 and *value (free it), 0, -1. */
int	store_campaign_get(struct store *st, const char *key, char **value);
int	store_campaign_set(struct store *st, const char *key,
	    const char *value, int64_t now);
/* The same for a number: 1 and *v, 0 if not set, -1. */
int	store_campaign_get_int(struct store *st, const char *key, int64_t *v);

/*
 * Members who may get private messages and have a stored suggestion
 * they were not told about, id > after, by id: up to max into ids.
 * How many, or -1.
 */
int	store_campaign_due(struct store *st, int64_t after, int64_t *ids,
	    size_t max);

/*
 * Bluesky members whose identity is incomplete (no DID yet, or no
 * handle), by id after `after`: how many (free each account), or -1.
 */
struct unidentified {
	int64_t	 id;
	char	*account;	/* a handle, or a DID */
};
int	store_members_unidentified(struct store *st, int64_t after,
	    struct unidentified *out, size_t max);

/*
 * An imported Bluesky member (known by handle) gets the DID it resolves
 * to, the handle kept beside it.  1, 0 when another member already has
 * that DID (they registered by mention too), -1.
 */
int	store_member_set_did(struct store *st, int64_t member_id,
	    const char *did, const char *handle);

/* A Bluesky member's handle as last seen (the public posts name them). */
int	store_member_set_handle(struct store *st, int64_t member_id,
	    const char *handle);

/* A member by id: 1 and *m (clear it), 0 if gone, -1. */
int	store_member_by_id(struct store *st, int64_t id, struct member *m);

/* Record that member was told about these members.  0 or -1. */
int	store_suggestions_told(struct store *st, int64_t member_id,
	    const int64_t *suggested, size_t n, int64_t now);
/* How many members member was told about so far, or -1. */
int64_t	store_suggestions_told_count(struct store *st, int64_t member_id);

/* A bot account: what composing for it needs. */
struct bot_row {
	int64_t		 id;
	enum network	 network;
	enum lang	 lang;
	char		*handle;
};
/* The active bot accounts, by id: 0 with *out and *n (free them), or -1. */
int	store_bot_accounts_active(struct store *st, struct bot_row **out,
	    size_t *n);
void	bot_rows_free(struct bot_row *b, size_t n);

/* A member who asked to be introduced. */
struct intro_member {
	int64_t		 id;
	enum network	 network;
	enum lang	 lang;
	int64_t		 bot_account_id;	/* 0: none */
	char		*account;
	char		*handle;
};
/*
 * The members who opted in (at since or later, or all when since is
 * -1), by id: 0 with *out and *n (free them), or -1.  At since, not
 * after: one who opts in in the second of a batch is not missed.
 */
int	store_intro_members(struct store *st, int64_t since,
	    struct intro_member **out, size_t *n);
void	intro_members_free(struct intro_member *m, size_t n);

/*
 * Whether a Bluesky member follows did, as last checked after
 * fresh_after: 1 yes, 0 no, 2 not known, -1.
 */
int	store_bsky_follows_get(struct store *st, int64_t member_id,
	    const char *did, int64_t fresh_after);
int	store_bsky_follows_set(struct store *st, int64_t member_id,
	    const char *did, int follows, int64_t now);

/*
 * A private message the recipient's settings refuse waits, queued,
 * until they follow the bot: back from 'sending' with the reason.
 */
int	store_outbox_park(struct store *st, int64_t id, const char *error);
/* They follow now: their waiting messages from bot go.  Count or -1. */
int	store_outbox_unpark(struct store *st, int64_t bot_account_id,
	    const char *recipient, int64_t now);
/* Waiting messages: up to max (bot, member) pairs.  Count or -1. */
struct parked {
	int64_t	 bot_account_id;
	int64_t	 member_id;
};
int	store_outbox_parked(struct store *st, struct parked *out, size_t max);

/* --- scheduled posts: countdown, announcements (store-schedule.c) --- */

struct sched_row {
	int64_t		 id;
	char		*kind;		/* "countdown", "announce" */
	char		*dedupe_key;
	int64_t		 bot_account_id;
	char		*bot_handle;
	enum network	 network;
	enum lang	 lang;
	int		 bot_active;
	int64_t		 run_at;	/* on the campaign's clock */
	char		*body;		/* schedule.h's contract */
	char		*state;		/* pending, queued, cancelled, skipped */
	int64_t		 created_at;
	int64_t		 changed_at;
};
void	sched_row_clear(struct sched_row *r);
void	sched_rows_free(struct sched_row *r, size_t n);

/*
 * Add a row unless dedupe_key is taken: 1 and *id, or 0 and the id of
 * the row that holds the key, or -1.
 */
int	store_schedule_add(struct store *st, const char *kind,
	    const char *dedupe_key, int64_t bot_account_id, int64_t run_at,
	    const char *body, int64_t now, int64_t *id);

/*
 * Delete the pending countdown rows due from..to whose dedupe_key is not
 * in keep (a JSON array of strings): the config no longer wants them.
 * How many, or -1.
 */
int	store_schedule_withdraw(struct store *st, int64_t from, int64_t to,
	    const char *keep);

/*
 * A pending row's body and run_at, replaced when they differ (a
 * template edited): 1 when changed, 0 when not (or not pending), -1.
 */
int	store_schedule_refresh(struct store *st, const char *dedupe_key,
	    int64_t run_at, const char *body, int64_t now);

/* Pending rows with run_at <= now, oldest first, up to max.  Count, -1. */
int	store_schedule_due(struct store *st, int64_t now, struct sched_row *out,
	    size_t max);

/*
 * Move a row from state from to state to: 1 if it was in from, 0 if
 * not (it moved meanwhile), -1.
 */
int	store_schedule_set_state(struct store *st, int64_t id, const char *from,
	    const char *to, int64_t now);

/* One row: 1 and *r (clear it), 0 if none, -1. */
int	store_schedule_get(struct store *st, int64_t id, struct sched_row *r);

/* Every row by run_at, then id: 0 with *out and *n (free them), -1. */
int	store_schedule_list(struct store *st, struct sched_row **out,
	    size_t *n);

/* An outbox row's state and remote id by its key: 1, 0 if none, -1. */
int	store_outbox_by_key(struct store *st, const char *idem_key,
	    char **state, char **remote_id);

const char	*store_inbox_state_name(enum inbox_state s);
const char	*store_outbox_state_name(enum outbox_state s);

/* The last error message of the database, for log lines. */
const char	*store_errmsg(struct store *st);

#endif
