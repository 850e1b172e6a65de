/*
 * store-stats: the counts behind `quitx stats` and /metrics.  Edges are
 * summed from the per-upload totals, never counted row by row, so the
 * edge table's size costs nothing here; the other counts walk indexes of
 * tables that grow with members (a million rows at the campaign's scale).
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <string.h>

#include "quitx/log.h"

static const char *const inbox_states[INBOX_STATE_COUNT] = {
	"new", "done", "ignored", "failed",
};
static const char *const outbox_states[OUTBOX_STATE_COUNT] = {
	"queued", "sending", "sent", "failed", "cancelled",
};

const char *
store_inbox_state_name(enum inbox_state s)
{
	return inbox_states[s];
}

const char *
store_outbox_state_name(enum outbox_state s)
{
	return outbox_states[s];
}

static int
network_index(const char *name)
{
	if (strcmp(name, "mastodon") == 0)
		return NETWORK_MASTODON;
	if (strcmp(name, "bluesky") == 0)
		return NETWORK_BLUESKY;
	return -1;
}

static int
state_index(const char *name, const char *const *names, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* Run a "SELECT key, count" query into counts[index(key)]. */
static int
count_by(struct store *st, const char *sql, int64_t *counts,
    int (*index)(const char *, const char *const *, int),
    const char *const *names, int n)
{
	sqlite3_stmt	*stmt;
	const char	*key;
	int		 rc, i;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(stmt, 0);
		if (key == NULL)
			continue;
		i = index != NULL ? index(key, names, n) : network_index(key);
		if (i >= 0)
			counts[i] = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_warnx("stats: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* Run a query returning one row of integers into out[0..n-1]. */
static int
count_row(struct store *st, const char *sql, int64_t **out, int n)
{
	sqlite3_stmt	*stmt;
	int		 i, rc;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		for (i = 0; i < n; i++)
			*out[i] = sqlite3_column_int64(stmt, i);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW) {
		log_warnx("stats: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int
store_stats_read(struct store *st, struct store_stats *out)
{
	int64_t	*claims[] = { &out->claims, &out->claims_proven };
	int64_t	*contested[] = { &out->claims_contested };
	int64_t	*uploads[] = { &out->uploads, &out->edges };
	int64_t	*scheduled[] = { &out->scheduled_pending };
	int	 rc = 0;

	memset(out, 0, sizeof(*out));
	if (count_by(st, "SELECT network, count(*) FROM bot_account"
	    " WHERE active GROUP BY network", out->bot_accounts, NULL, NULL,
	    0) == -1 ||
	    count_by(st, "SELECT network, count(*) FROM member"
	    " GROUP BY network", out->members, NULL, NULL, 0) == -1 ||
	    count_row(st, "SELECT count(*), coalesce(sum(proof != 'none'), 0)"
	    " FROM x_claim", claims, 2) == -1 ||
	    /* an unproven claim on a handle someone else claims too */
	    count_row(st, "SELECT count(*) FROM x_claim c WHERE c.proof = 'none'"
	    " AND EXISTS (SELECT 1 FROM x_claim d WHERE d.handle = c.handle"
	    " AND d.id != c.id)", contested, 1) == -1 ||
	    count_row(st, "SELECT count(*),"
	    " coalesce(sum(followers + following), 0)"
	    " FROM x_upload WHERE state = 'complete'", uploads, 2) == -1 ||
	    count_by(st, "SELECT state, count(*) FROM inbox GROUP BY state",
	    out->inbox, state_index, inbox_states, INBOX_STATE_COUNT) == -1 ||
	    count_by(st, "SELECT state, count(*) FROM outbox GROUP BY state",
	    out->outbox, state_index, outbox_states, OUTBOX_STATE_COUNT) == -1 ||
	    count_row(st, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'pending'", scheduled, 1) == -1)
		rc = -1;
	out->schema_version = store_schema_version(st);
	return rc;
}

int
store_stats_get(struct store *st, struct store_stats *out)
{
	int	rc;

	/* one read transaction: the numbers describe one moment */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	rc = store_stats_read(st, out);
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int
store_outbox_state_index(const char *name)
{
	return state_index(name, outbox_states, OUTBOX_STATE_COUNT);
}
