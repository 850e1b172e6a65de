/*
 * store-match: the cross-reference's statements.  What the match reads
 * (proven members, complete uploads, their edges, in one snapshot), how
 * its result replaces the last one, and what readers ask of it.
 *
 * The result is rewritten whole by each match, up to a hundred million
 * rows: it goes into a staging table in transactions of a bounded size
 * (the WAL stays small, the daemon's writers get their turn), and one
 * short transaction renames it into place.  Until then readers, and a
 * crash, see the previous result.
 */
#define LOG_TAG "match"
#include "store-internal.h"
#include "match-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* ids handed to the engine per call */
#define EDGE_BATCH	1024
/* rows per INSERT statement: 5 parameters each, well under the limit */
#define INSERT_ROWS	100

struct match_reader {
	struct store	*st;
	sqlite3_stmt	*edges;
	int64_t		 ids[EDGE_BATCH];
};

struct match_reader *
store_match_reader_new(struct store *st)
{
	struct match_reader	*r = xcalloc(1, sizeof(*r));

	r->st = st;
	/* a deferred BEGIN: the snapshot is taken by the first read */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("match read: %s", sqlite3_errmsg(st->db));
		free(r);
		return NULL;
	}
	r->edges = store_prepare(st, "SELECT direction, x_id FROM x_edge"
	    " WHERE upload_id = ?1 ORDER BY direction, x_id");
	if (r->edges == NULL) {
		store_match_reader_free(r);
		return NULL;
	}
	return r;
}

void
store_match_reader_free(struct match_reader *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->edges);
	/* it only read: ending it either way releases the snapshot */
	store_rollback(r->st);
	free(r);
}

/*
 * After a loop of steps: 0 when every row was read; -1 when the callback
 * stopped it (it said why) or a step failed (logged here).
 */
static int
loop_end(struct store *st, int rc, const char *what)
{
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		log_warnx("%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

int
store_match_members(struct match_reader *r,
    int (*fn)(void *, const struct match_member_row *), void *arg)
{
	struct match_member_row	 row;
	sqlite3_stmt		*q;
	int			 rc;

	q = store_prepare(r->st, "SELECT m.id, c.x_id, m.network,"
	    " m.discoverable FROM member m JOIN x_claim c ON c.member_id = m.id"
	    " WHERE c.proof != 'none' AND c.x_id IS NOT NULL ORDER BY m.id");
	if (q == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(q, 0);
		row.x_id = sqlite3_column_int64(q, 1);
		row.network = store_column_network(q, 2);
		row.discoverable = sqlite3_column_int(q, 3) != 0;
		if (fn(arg, &row) == -1)
			break;
	}
	rc = loop_end(r->st, rc, "match members");
	sqlite3_finalize(q);
	return rc;
}

int
store_match_uploads(struct match_reader *r,
    int (*fn)(void *, int64_t, int64_t, int64_t), void *arg)
{
	sqlite3_stmt	*q;
	int		 rc;

	q = store_prepare(r->st, "SELECT id, x_id, followers + following"
	    " FROM x_upload WHERE state = 'complete' AND x_id IS NOT NULL"
	    " ORDER BY id");
	if (q == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(arg, sqlite3_column_int64(q, 0),
		    sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2)) == -1)
			break;
	rc = loop_end(r->st, rc, "match uploads");
	sqlite3_finalize(q);
	return rc;
}

int
store_match_edges(struct match_reader *r, int64_t upload_id,
    int (*fn)(void *, enum edge_direction, const int64_t *, size_t), void *arg)
{
	sqlite3_stmt	*q = r->edges;
	size_t		 n = 0;
	int		 rc, dir = 0, d;

	sqlite3_bind_int64(q, 1, upload_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		d = sqlite3_column_int(q, 0);
		if (n > 0 && (d != dir || n == EDGE_BATCH)) {
			if (fn(arg, (enum edge_direction)dir, r->ids, n) == -1)
				break;
			n = 0;
		}
		dir = d;
		r->ids[n++] = sqlite3_column_int64(q, 1);
	}
	if (rc == SQLITE_DONE && n > 0 &&
	    fn(arg, (enum edge_direction)dir, r->ids, n) == -1)
		rc = SQLITE_ROW;	/* stopped */
	rc = loop_end(r->st, rc, "match edges");
	sqlite3_reset(q);
	return rc;
}

struct match_writer {
	struct store		*st;
	sqlite3_stmt		*many;		/* INSERT_ROWS rows */
	sqlite3_stmt		*one;
	struct match_row	 rows[INSERT_ROWS];
	size_t			 nrows;		/* pending in rows[] */
	size_t			 txn_rows;	/* rows per transaction */
	size_t			 in_txn;	/* written in the open one */
	int			 swapped;
};

static int
run_sql(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", what, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/*
 * Drop a table in a transaction of its own.  Debian's SQLite zeroes
 * every page it frees (SECURE_DELETE): dropping the previous result, up
 * to gigabytes, would write all of it to the WAL in one transaction.
 * FAST frees the pages without rewriting them; what stays on them until
 * the next match reuses them is the previous result (member ids, most
 * of them in the new one too).  Forgetting a member still zeroes their
 * rows: the trigger runs with the connection's own setting.
 */
static int
drop_table(struct store *st, const char *name)
{
	sqlite3_stmt	*q;
	char		*sql, set[48];
	int		 was = 1, rc = -1;

	if ((q = store_prepare(st, "PRAGMA secure_delete")) != NULL &&
	    sqlite3_step(q) == SQLITE_ROW)
		was = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sql = xasprintf("DROP TABLE IF EXISTS %s", name);
	if (run_sql(st, "PRAGMA secure_delete = FAST", "match") == 0 &&
	    store_begin(st) == 0) {
		if (run_sql(st, sql, "match") == 0 && store_commit(st) == 0)
			rc = 0;
		else
			store_rollback(st);
	}
	snprintf(set, sizeof(set), "PRAGMA secure_delete = %d", was);
	(void)run_sql(st, set, "match");
	free(sql);
	return rc;
}

/*
 * The staging table is made from the live table's own definition, so a
 * later migration that changes `suggestion` changes it too.  (v4 gives
 * it no index besides its key: the schema says why.)
 */
static char *
staging_sql(struct store *st)
{
	sqlite3_stmt	*q;
	const char	*sql, *paren;
	char		*out = NULL;

	q = store_prepare(st, "SELECT sql FROM sqlite_schema"
	    " WHERE type = 'table' AND name = 'suggestion'");
	if (q == NULL)
		return NULL;
	if (store_step(st, q, "match staging") == 1 &&
	    (sql = (const char *)sqlite3_column_text(q, 0)) != NULL &&
	    (paren = strchr(sql, '(')) != NULL)
		out = xasprintf("CREATE TABLE suggestion_next %s", paren);
	else
		log_warnx("match staging: no table suggestion in the store");
	sqlite3_finalize(q);
	return out;
}

static sqlite3_stmt *
insert_stmt(struct store *st, int rows)
{
	sqlite3_stmt	*q;
	char		*sql, *p;
	size_t		 size = 128 + (size_t)rows * 40;
	int		 i, n;

	sql = p = xmalloc(size);
	n = snprintf(p, size, "INSERT INTO suggestion_next (member_id, rank,"
	    " suggested_id, mutual, followers) VALUES ");
	for (i = 0; i < rows; i++) {
		p += n;
		size -= (size_t)n;
		n = snprintf(p, size, "%s(?, ?, ?, ?, ?)", i ? ", " : "");
	}
	q = store_prepare(st, sql);
	free(sql);
	return q;
}

struct match_writer *
store_match_writer_new(struct store *st, size_t txn_rows)
{
	struct match_writer	*w;
	char			*create;

	if ((create = staging_sql(st)) == NULL)
		return NULL;
	/* what a crashed run left, if anything, goes first */
	if (drop_table(st, "suggestion_next") == -1 ||
	    drop_table(st, "suggestion_prev") == -1 ||
	    store_begin(st) == -1)
		goto fail;
	if (run_sql(st, create, "match") == -1 || store_commit(st) == -1) {
		store_rollback(st);
		goto fail;
	}
	free(create);
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->txn_rows = txn_rows > 0 ? txn_rows : 1;
	if ((w->many = insert_stmt(st, INSERT_ROWS)) == NULL ||
	    (w->one = insert_stmt(st, 1)) == NULL) {
		store_match_writer_free(w);
		return NULL;
	}
	return w;
fail:
	free(create);
	return NULL;
}

/* One step of q with the first n pending rows. */
static int
insert_rows(struct match_writer *w, sqlite3_stmt *q, const struct match_row *r,
    size_t n)
{
	size_t	i;
	int	p, rc;

	if (w->in_txn == 0 && store_begin(w->st) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		p = (int)i * 5;
		sqlite3_bind_int64(q, p + 1, r[i].member_id);
		sqlite3_bind_int64(q, p + 2, r[i].rank);
		sqlite3_bind_int64(q, p + 3, r[i].suggested_id);
		sqlite3_bind_int(q, p + 4, r[i].mutual);
		sqlite3_bind_int64(q, p + 5, r[i].followers);
	}
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		log_warnx("match write: %s", sqlite3_errmsg(w->st->db));
		return -1;
	}
	w->in_txn += n;
	if (w->in_txn >= w->txn_rows) {
		if (store_commit(w->st) == -1)
			return -1;
		w->in_txn = 0;
	}
	return 0;
}

int
store_match_writer_add(struct match_writer *w, const struct match_row *row)
{
	w->rows[w->nrows++] = *row;
	if (w->nrows < INSERT_ROWS)
		return 0;
	w->nrows = 0;
	return insert_rows(w, w->many, w->rows, INSERT_ROWS);
}

/*
 * Rows of receivers forgotten since the snapshot: the trigger removed
 * their rows from the old result only.  receivers and member ids are
 * both ascending: one merge over the member table's key.
 */
static int
drop_gone(struct store *st, const int64_t *receivers, size_t n)
{
	sqlite3_stmt	*q, *del;
	size_t		 i = 0;
	int64_t		 id;
	int		 rc, ok = 1;

	if (n == 0)
		return 0;
	q = store_prepare(st, "SELECT id FROM member ORDER BY id");
	del = store_prepare(st, "DELETE FROM suggestion WHERE member_id = ?1");
	if (q == NULL || del == NULL) {
		sqlite3_finalize(q);
		sqlite3_finalize(del);
		return -1;
	}
	rc = sqlite3_step(q);
	while (ok && i < n && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
		/* past the last member, every receiver left is gone */
		id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : INT64_MAX;
		for (; ok && i < n && receivers[i] < id; i++) {
			sqlite3_bind_int64(del, 1, receivers[i]);
			ok = sqlite3_step(del) == SQLITE_DONE;
			sqlite3_reset(del);
		}
		if (i < n && receivers[i] == id)
			i++;
		if (rc == SQLITE_DONE)
			break;
		rc = sqlite3_step(q);
	}
	if (!ok || (rc != SQLITE_ROW && rc != SQLITE_DONE)) {
		log_warnx("match swap: %s", sqlite3_errmsg(st->db));
		ok = 0;
	}
	sqlite3_finalize(q);
	sqlite3_finalize(del);
	return ok ? 0 : -1;
}

static int
state_set(struct store *st, const char *key, const char *value, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO campaign_state (key, value,"
	    " updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET"
	    " value = excluded.value, updated_at = excluded.updated_at");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	return store_run(st, q, "match state");
}

int
store_match_writer_swap(struct match_writer *w, int64_t now,
    const char *stats_json, const int64_t *receivers, size_t n)
{
	struct store	*st = w->st;
	char		 at[32];
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < w->nrows; i++)
		if (insert_rows(w, w->one, &w->rows[i], 1) == -1)
			return -1;
	w->nrows = 0;
	if (w->in_txn > 0 && store_commit(st) == -1)
		return -1;
	w->in_txn = 0;
	sqlite3_finalize(w->many);
	sqlite3_finalize(w->one);
	w->many = w->one = NULL;
	/*
	 * Renaming a table rewrites the triggers that name it (SQLite
	 * 3.26 on), which would leave member_suggestions deleting from the
	 * old result; the legacy behaviour keeps the trigger's text, which
	 * then names the new table.
	 */
	if (run_sql(st, "PRAGMA legacy_alter_table = ON", "match swap") == -1)
		return -1;
	if (store_begin(st) == -1)
		goto out;
	snprintf(at, sizeof(at), "%" PRId64, now);
	if (run_sql(st, "ALTER TABLE suggestion RENAME TO suggestion_prev",
	    "match swap") == -1 ||
	    run_sql(st, "ALTER TABLE suggestion_next RENAME TO suggestion",
	    "match swap") == -1 ||
	    drop_gone(st, receivers, n) == -1 ||
	    state_set(st, "match_at", at, now) == -1 ||
	    state_set(st, "match_stats", stats_json, now) == -1 ||
	    store_commit(st) == -1) {
		store_rollback(st);
		goto out;
	}
	w->swapped = 1;
	rc = 0;
out:
	(void)run_sql(st, "PRAGMA legacy_alter_table = OFF", "match swap");
	/* the swap is done: a failure here leaves it for the next run */
	if (rc == 0)
		(void)drop_table(st, "suggestion_prev");
	return rc;
}

void
store_match_writer_free(struct match_writer *w)
{
	if (w == NULL)
		return;
	sqlite3_finalize(w->many);
	sqlite3_finalize(w->one);
	store_rollback(w->st);
	if (!w->swapped)
		(void)drop_table(w->st, "suggestion_next");
	free(w);
}

int
store_match_lock(struct store *st, int *fd, char *err, size_t errsize)
{
	char	*path;

	*fd = -1;
	if (strcmp(st->path, ":memory:") == 0)
		return 0;
	path = xasprintf("%s-match.lock", st->path);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errsize, errno == EWOULDBLOCK ? "another match is"
		    " running on %s" : "%s: cannot lock", st->path);
		close(*fd);
		*fd = -1;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void
store_match_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* --- readers --- */

int
store_suggestions_get(struct store *st, int64_t member_id, int network,
    size_t max, struct suggestion **out, size_t *n)
{
	struct suggestion	*s = NULL, *e;
	sqlite3_stmt		*q;
	size_t			 cap = 0, len = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	/*
	 * Members registered after the match cannot be in it: such an id
	 * belonged to someone forgotten since (SQLite gives the largest id
	 * again once its row is gone), and their rows are not this
	 * member's, in either column.
	 */
	q = store_prepare(st, "SELECT s.suggested_id, m.network, m.account,"
	    " m.handle, s.mutual, s.followers, EXISTS (SELECT 1 FROM"
	    "  suggestion_sent t WHERE t.member_id = s.member_id"
	    "  AND t.suggested_id = s.suggested_id)"
	    " FROM suggestion s JOIN member m ON m.id = s.suggested_id"
	    " WHERE s.member_id = ?1 AND m.discoverable = 1"
	    " AND (?2 IS NULL OR m.network = ?2)"
	    " AND m.registered_at <= (SELECT CAST(value AS INTEGER)"
	    "  FROM campaign_state WHERE key = 'match_at')"
	    " AND EXISTS (SELECT 1 FROM member r WHERE r.id = ?1"
	    "  AND r.registered_at <= (SELECT CAST(value AS INTEGER)"
	    "  FROM campaign_state WHERE key = 'match_at'))"
	    " ORDER BY s.rank LIMIT ?3");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	if (network >= 0 && network < NETWORK_COUNT)
		sqlite3_bind_text(q, 2, config_network_name(
		    (enum network)network), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, max > 0 && max <= INT64_MAX ? (int64_t)max :
	    -1);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			s = xreallocarray(s, cap, sizeof(*s));
		}
		e = &s[len++];
		e->member_id = sqlite3_column_int64(q, 0);
		e->network = store_column_network(q, 1);
		e->account = store_column_dup(q, 2);
		e->handle = store_column_dup(q, 3);
		e->mutual = sqlite3_column_int(q, 4);
		e->followers = sqlite3_column_int64(q, 5);
		e->sent = sqlite3_column_int(q, 6);
	}
	if (rc != SQLITE_DONE) {
		log_warnx("suggestions: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(q);
		suggestions_free(s, len);
		return -1;
	}
	sqlite3_finalize(q);
	*out = s;
	*n = len;
	return 0;
}

void
suggestions_free(struct suggestion *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(s[i].account);
		free(s[i].handle);
	}
	free(s);
}

int
store_match_at(struct store *st, int64_t *at)
{
	sqlite3_stmt	*q;
	const char	*v;
	char		*end;
	long long	 t;
	int		 rc;

	q = store_prepare(st, "SELECT value FROM campaign_state"
	    " WHERE key = 'match_at'");
	if (q == NULL)
		return -1;
	if ((rc = store_step(st, q, "match at")) == 1) {
		v = (const char *)sqlite3_column_text(q, 0);
		errno = 0;
		t = v != NULL ? strtoll(v, &end, 10) : 0;
		if (v == NULL || *v == '\0' || *end != '\0' || errno != 0) {
			log_warnx("match at: not a time: %s",
			    v != NULL ? v : "NULL");
			rc = -1;
		} else
			*at = (int64_t)t;
	}
	sqlite3_finalize(q);
	return rc;
}

int
store_match_stale(struct store *st, int64_t since)
{
	sqlite3_stmt	*q;
	int		 rc;

	/*
	 * None of these times is indexed: each EXISTS walks its table
	 * until a hit, which at a million members is a fraction of a
	 * second, and stops at the first change when there is one.
	 */
	q = store_prepare(st, "SELECT"
	    " EXISTS (SELECT 1 FROM x_upload WHERE completed_at >= ?1)"
	    " OR EXISTS (SELECT 1 FROM member WHERE registered_at >= ?1"
	    "  OR discoverable_at >= ?1)"
	    " OR EXISTS (SELECT 1 FROM x_claim WHERE proven_at >= ?1)");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, since);
	if ((rc = store_step(st, q, "match stale")) == 1)
		rc = sqlite3_column_int(q, 0) != 0;
	sqlite3_finalize(q);
	return rc;
}
