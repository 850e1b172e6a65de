/*
 * store-schedule: the scheduled_post table (countdown, announcements).
 *
 * A row goes pending -> queued (handed to the outbox), or -> skipped
 * (past its time, its bot gone, too long), or -> cancelled by the team.
 * Every move names the state it leaves, so that the daemon's runner and
 * `quitx schedule cancel`, on two connections, never both win.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

#define SCHED_COLUMNS \
	"s.id, s.kind, s.dedupe_key, s.bot_account_id, b.handle, b.network," \
	" b.lang, b.active, s.run_at, s.body, s.state, s.created_at," \
	" s.changed_at FROM scheduled_post s" \
	" LEFT JOIN bot_account b ON b.id = s.bot_account_id"

static void
sched_read(sqlite3_stmt *q, struct sched_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(q, 0);
	r->kind = store_column_dup(q, 1);
	r->dedupe_key = store_column_dup(q, 2);
	r->bot_account_id = sqlite3_column_int64(q, 3);
	r->bot_handle = store_column_dup(q, 4);
	r->network = store_column_network(q, 5);
	r->lang = store_column_lang(q, 6);
	r->bot_active = sqlite3_column_int(q, 7);
	r->run_at = sqlite3_column_int64(q, 8);
	r->body = store_column_dup(q, 9);
	r->state = store_column_dup(q, 10);
	r->created_at = sqlite3_column_int64(q, 11);
	r->changed_at = sqlite3_column_int64(q, 12);
}

void
sched_row_clear(struct sched_row *r)
{
	free(r->kind);
	free(r->dedupe_key);
	free(r->bot_handle);
	free(r->body);
	free(r->state);
	memset(r, 0, sizeof(*r));
}

void
sched_rows_free(struct sched_row *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sched_row_clear(&r[i]);
	free(r);
}

int
store_schedule_add(struct store *st, const char *kind, const char *dedupe_key,
    int64_t bot_account_id, int64_t run_at, const char *body, int64_t now,
    int64_t *id)
{
	sqlite3_stmt	*q;
	int		 rc;

	*id = 0;
	q = store_prepare(st, "INSERT INTO scheduled_post (kind, dedupe_key,"
	    " bot_account_id, run_at, body, created_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, dedupe_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, bot_account_id);
	sqlite3_bind_int64(q, 4, run_at);
	sqlite3_bind_text(q, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, now);
	if ((rc = store_step(st, q, "scheduled post")) == 1)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (rc != 0)
		return rc;
	q = store_prepare(st, "SELECT id FROM scheduled_post WHERE"
	    " dedupe_key = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, dedupe_key, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "scheduled post")) == 1)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == 1 ? 0 : -1;
}

int
store_schedule_refresh(struct store *st, const char *dedupe_key,
    int64_t run_at, const char *body, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "UPDATE scheduled_post SET body = ?2,"
	    " run_at = ?3, changed_at = ?4 WHERE dedupe_key = ?1"
	    " AND state = 'pending' AND (body != ?2 OR run_at != ?3)");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, dedupe_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, run_at);
	sqlite3_bind_int64(q, 4, now);
	if (store_run(st, q, "scheduled post") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_schedule_withdraw(struct store *st, int64_t from, int64_t to,
    const char *keep)
{
	sqlite3_stmt	*q;

	/* never in the outbox yet: deleted, so that planning may return */
	q = store_prepare(st, "DELETE FROM scheduled_post WHERE kind ="
	    " 'countdown' AND state = 'pending' AND run_at BETWEEN ?1 AND ?3"
	    " AND dedupe_key NOT IN (SELECT value FROM json_each(?2))");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_text(q, 2, keep, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, to);
	if (store_run(st, q, "withdrawing countdown posts") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int
store_schedule_due(struct store *st, int64_t now, struct sched_row *out,
    size_t max)
{
	sqlite3_stmt	*q;
	size_t		 n = 0;
	int		 rc;

	/* state = 'pending' spelled out: the partial index scheduled_due */
	q = store_prepare(st, "SELECT " SCHED_COLUMNS
	    " WHERE s.state = 'pending' AND s.run_at <= ?1"
	    " ORDER BY s.run_at, s.id LIMIT ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
		sched_read(q, &out[n++]);
	if (n < max && rc != SQLITE_DONE) {
		log_warnx("scheduled posts: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(q);
		while (n > 0)
			sched_row_clear(&out[--n]);
		return -1;
	}
	sqlite3_finalize(q);
	return (int)n;
}

int
store_schedule_set_state(struct store *st, int64_t id, const char *from,
    const char *to, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "UPDATE scheduled_post SET state = ?3,"
	    " changed_at = ?4 WHERE id = ?1 AND state = ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	if (store_run(st, q, "scheduled post") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_schedule_get(struct store *st, int64_t id, struct sched_row *r)
{
	sqlite3_stmt	*q;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((q = store_prepare(st, "SELECT " SCHED_COLUMNS
	    " WHERE s.id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if ((rc = store_step(st, q, "scheduled post")) == 1)
		sched_read(q, r);
	sqlite3_finalize(q);
	return rc;
}

int
store_schedule_list(struct store *st, struct sched_row **out, size_t *n)
{
	sqlite3_stmt	*q;
	struct sched_row *r = NULL;
	size_t		 cnt = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((q = store_prepare(st, "SELECT " SCHED_COLUMNS
	    " ORDER BY s.run_at, s.id")) == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		r = xreallocarray(r, cnt + 1, sizeof(*r));
		sched_read(q, &r[cnt++]);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("scheduled posts: %s", sqlite3_errmsg(st->db));
		sched_rows_free(r, cnt);
		return -1;
	}
	*out = r;
	*n = cnt;
	return 0;
}

int
store_outbox_by_key(struct store *st, const char *idem_key, char **state,
    char **remote_id)
{
	sqlite3_stmt	*q;
	int		 rc;

	*state = *remote_id = NULL;
	if ((q = store_prepare(st, "SELECT state, remote_id FROM outbox"
	    " WHERE idem_key = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, idem_key, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "outbox")) == 1) {
		*state = store_column_dup(q, 0);
		*remote_id = store_column_dup(q, 1);
	}
	sqlite3_finalize(q);
	return rc;
}
