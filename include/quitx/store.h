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

const char	*store_inbox_state_name(enum inbox_state s);
const char	*store_outbox_state_name(enum outbox_state s);

/* The last error message of the database, for log lines. */
const char	*store_errmsg(struct store *st);

#endif
