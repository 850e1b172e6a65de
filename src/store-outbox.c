/*
 * store-outbox: the durable queue of everything quitx posts or sends.
 *
 * A row goes queued -> sending -> sent, or back to queued with a later
 * not_before (rate limit, server trouble), or to failed (refused for
 * good), or cancelled.  'sending' is written before the request leaves,
 * so a crash leaves a trace; on restart such rows are queued again and
 * the idempotency key makes the resend harmless.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* Bind an id that 0 means "none". */
static void
bind_opt_id(sqlite3_stmt *q, int col, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(q, col, id);
	else
		sqlite3_bind_null(q, col);
}

int
store_outbox_add(struct store *st, const struct outbox_new *row, int64_t *id)
{
	sqlite3_stmt	*q;
	int		 rc = -1;

	*id = 0;
	q = store_prepare(st, "INSERT INTO outbox (bot_account_id, member_id,"
	    " thread_parent_id, kind, priority, idem_key, body, not_before,"
	    " recipient, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8, ?9, ?10, CAST(strftime('%s', 'now') AS INTEGER))"
	    " ON CONFLICT (idem_key) DO NOTHING RETURNING id");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, row->bot_account_id);
	bind_opt_id(q, 2, row->member_id);
	bind_opt_id(q, 3, row->thread_parent_id);
	sqlite3_bind_text(q, 4, row->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, row->priority);
	sqlite3_bind_text(q, 6, row->idem_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, row->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, row->not_before);
	if (row->recipient != NULL)
		sqlite3_bind_text(q, 9, row->recipient, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 9);
	bind_opt_id(q, 10, row->expires_at);
	switch (sqlite3_step(q)) {
	case SQLITE_ROW:
		*id = sqlite3_column_int64(q, 0);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		log_warnx("outbox: %s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(q);
	if (rc != 0)
		return rc;
	/* already queued: say which row holds it */
	q = store_prepare(st, "SELECT id FROM outbox WHERE idem_key = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, row->idem_key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	else
		rc = -1;
	sqlite3_finalize(q);
	return rc;
}

int
store_outbox_expire(struct store *st, int64_t bot_account_id, int64_t now)
{
	sqlite3_stmt	*q;
	int		 rc;

	/* the expired rows, and the thread parts that would follow them */
	q = store_prepare(st, "WITH RECURSIVE gone(id) AS (SELECT id FROM"
	    " outbox WHERE state = 'queued' AND expires_at IS NOT NULL AND"
	    " expires_at < ?2 AND bot_account_id = ?1 UNION SELECT o.id FROM"
	    " outbox o JOIN gone ON o.thread_parent_id = gone.id)"
	    " UPDATE outbox SET state = 'cancelled', last_error = 'past its"
	    " deadline: not sent late' WHERE id IN gone AND state = 'queued'");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_int64(q, 2, now);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox deadlines: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return sqlite3_changes(st->db);
}

int
store_outbox_next(struct store *st, int64_t bot_account_id, int64_t now,
    struct outbox_row *row)
{
	sqlite3_stmt	*q;
	int		 rc;

	memset(row, 0, sizeof(*row));
	/*
	 * state = 'queued' spelled out so the partial index outbox_due is
	 * used; a thread's next part waits until its parent is out; a row
	 * past its deadline is never picked (store_outbox_expire cancels
	 * it later, for the record).
	 */
	q = store_prepare(st, "SELECT o.id, o.bot_account_id, o.member_id,"
	    " o.thread_parent_id, p.remote_id, o.kind, o.priority, o.idem_key,"
	    " o.body, o.not_before, o.attempts"
	    " FROM outbox o LEFT JOIN outbox p ON p.id = o.thread_parent_id"
	    " WHERE o.state = 'queued' AND o.bot_account_id = ?1"
	    " AND o.not_before <= ?2"
	    " AND (o.expires_at IS NULL OR o.expires_at >= ?2)"
	    " AND (o.thread_parent_id IS NULL OR p.state = 'sent')"
	    " ORDER BY o.priority, o.not_before, o.id LIMIT 1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_int64(q, 2, now);
	if ((rc = store_step(st, q, "outbox")) == 1) {
		row->id = sqlite3_column_int64(q, 0);
		row->bot_account_id = sqlite3_column_int64(q, 1);
		row->member_id = sqlite3_column_int64(q, 2);
		row->thread_parent_id = sqlite3_column_int64(q, 3);
		row->parent_remote_id = store_column_dup(q, 4);
		row->kind = store_column_dup(q, 5);
		row->priority = sqlite3_column_int(q, 6);
		row->idem_key = store_column_dup(q, 7);
		row->body = store_column_dup(q, 8);
		row->not_before = sqlite3_column_int64(q, 9);
		row->attempts = sqlite3_column_int(q, 10);
	}
	sqlite3_finalize(q);
	return rc;
}

/* Run one UPDATE on row id; 0, or -1 (logged). */
static int
outbox_update(struct store *st, const char *sql, int64_t id, const char *text,
    int64_t num)
{
	sqlite3_stmt	*q;
	int		 rc;

	if ((q = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if (text != NULL)
		sqlite3_bind_text(q, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 2);
	sqlite3_bind_int64(q, 3, num);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("outbox row %lld: %s", (long long)id,
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc;
}

int
store_outbox_sending(struct store *st, int64_t id)
{
	return outbox_update(st, "UPDATE outbox SET state = 'sending',"
	    " attempts = attempts + 1 WHERE id = ?1 AND ?2 IS NULL"
	    " AND ?3 = 0", id, NULL, 0);
}

int
store_outbox_sent(struct store *st, int64_t id, const char *remote_id,
    int64_t now)
{
	/*
	 * Only the row in flight: its id may have been deleted (forget me)
	 * and given to a new row meanwhile, which is 'queued'.
	 */
	/*
	 * A message to a person keeps nothing personal once out: the body
	 * goes, the recipient becomes a hash (the rate limits count it).
	 */
	return outbox_update(st, "UPDATE outbox SET state = 'sent',"
	    " remote_id = ?2, sent_at = ?3, last_error = NULL,"
	    " body = CASE WHEN recipient IS NULL THEN body ELSE '{}' END,"
	    " recipient = quitx_hash(recipient)"
	    " WHERE id = ?1 AND state = 'sending'", id, remote_id, now);
}

int
store_outbox_set_body(struct store *st, int64_t id, const char *body)
{
	/* only while it is sent: a cancelled row stays as it was left */
	return outbox_update(st, "UPDATE outbox SET body = ?2"
	    " WHERE id = ?1 AND state = 'sending' AND ?3 = 0", id, body, 0);
}

int
store_outbox_retry(struct store *st, int64_t id, int64_t not_before,
    const char *error, int refund)
{
	return outbox_update(st, refund ?
	    "UPDATE outbox SET state = 'queued', last_error = ?2,"
	    " not_before = ?3, attempts = max(attempts - 1, 0)"
	    " WHERE id = ?1 AND state = 'sending'" :
	    "UPDATE outbox SET state = 'queued', last_error = ?2,"
	    " not_before = ?3 WHERE id = ?1 AND state = 'sending'", id, error,
	    not_before);
}

int
store_outbox_failed(struct store *st, int64_t id, const char *remote_id,
    const char *error)
{
	sqlite3_stmt	*q = NULL;

	if (store_begin(st) == -1)
		return -1;
	if ((q = store_prepare(st, "UPDATE outbox SET state = 'failed',"
	    " last_error = ?2, remote_id = ?3,"
	    " body = CASE WHEN recipient IS NULL THEN body ELSE '{}' END,"
	    " recipient = quitx_hash(recipient)"
	    " WHERE id = ?1 AND state = 'sending'")) == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, error, -1, SQLITE_STATIC);
	if (remote_id != NULL)
		sqlite3_bind_text(q, 3, remote_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 3);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	/* the parts that reply to it can never be sent */
	if ((q = store_prepare(st, "WITH RECURSIVE part(id) AS ("
	    " SELECT id FROM outbox WHERE thread_parent_id = ?1"
	    " UNION SELECT o.id FROM outbox o JOIN part"
	    " ON o.thread_parent_id = part.id)"
	    " UPDATE outbox SET state = 'failed',"
	    " last_error = 'an earlier part of its thread failed'"
	    " WHERE id IN part AND state = 'queued'")) == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	return store_commit(st);
fail:
	log_warnx("outbox row %lld: %s", (long long)id, sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	store_rollback(st);
	return -1;
}

int
store_outbox_requeue_sending(struct store *st)
{
	sqlite3_stmt	*q;
	int		 rc = -1;

	q = store_prepare(st, "UPDATE outbox SET state = 'queued'"
	    " WHERE state = 'sending'");
	if (q == NULL)
		return -1;
	if (sqlite3_step(q) == SQLITE_DONE)
		rc = sqlite3_changes(st->db);
	else
		log_warnx("outbox: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc;
}

void
outbox_row_clear(struct outbox_row *row)
{
	free(row->parent_remote_id);
	free(row->kind);
	free(row->idem_key);
	free(row->body);
	memset(row, 0, sizeof(*row));
}
