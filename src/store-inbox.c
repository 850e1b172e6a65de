/*
 * store-inbox: bot account ids, the inbox and the stream cursors.
 *
 * An event and the stream position after it are written together, so a
 * restart resumes exactly where the store says, and an event seen twice
 * (by the stream and by a catch-up poll) is kept once.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

int64_t
store_bot_account_id(struct store *st, const struct config_account *a)
{
	sqlite3_stmt	*q;
	int64_t		 id = -1;

	q = store_prepare(st, "SELECT id FROM bot_account"
	    " WHERE network = ?1 AND server = ?2 AND handle = ?3");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, config_network_name(a->network), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(q, 2, a->server, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, a->handle, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
}

int
store_bot_account_set_remote(struct store *st, int64_t id,
    const char *remote_id)
{
	sqlite3_stmt	*q;
	int		 rc;

	q = store_prepare(st, "UPDATE bot_account SET remote_id = ?2"
	    " WHERE id = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, remote_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("bot account %lld: %s", (long long)id,
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc;
}

int
store_inbox_add(struct store *st, int64_t bot_account_id,
    struct inbox_event *ev, size_t n, const char *stream,
    const char *cursor)
{
	sqlite3_stmt	*ins = NULL, *cur = NULL;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i;
	int		 added = 0;

	if (store_begin(st) == -1)
		return -1;
	ins = store_prepare(st, "INSERT INTO inbox (bot_account_id, event_id,"
	    " kind, payload, received_at, state, handled_at, error)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (bot_account_id, event_id) DO NOTHING");
	if (ins == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(ins, 1, ev[i].bot_account_id != 0 ?
		    ev[i].bot_account_id : bot_account_id);
		sqlite3_bind_text(ins, 2, ev[i].event_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, ev[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, ev[i].payload, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, now);
		sqlite3_bind_text(ins, 6, store_inbox_state_name(ev[i].state),
		    -1, SQLITE_STATIC);
		if (ev[i].state == INBOX_NEW)
			sqlite3_bind_null(ins, 7);
		else
			sqlite3_bind_int64(ins, 7, now);
		if (ev[i].reason != NULL)
			sqlite3_bind_text(ins, 8, ev[i].reason, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 8);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			log_warnx("inbox: %s", sqlite3_errmsg(st->db));
			goto fail;
		}
		ev[i].added = sqlite3_changes(st->db) > 0;
		added += ev[i].added;
		sqlite3_reset(ins);
	}
	if (stream != NULL) {
		cur = store_prepare(st, "INSERT INTO stream_cursor"
		    " (stream, position, updated_at) VALUES (?1, ?2, ?3)"
		    " ON CONFLICT (stream) DO UPDATE SET"
		    " position = excluded.position,"
		    " updated_at = excluded.updated_at");
		if (cur == NULL)
			goto fail;
		sqlite3_bind_text(cur, 1, stream, -1, SQLITE_STATIC);
		sqlite3_bind_text(cur, 2, cursor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(cur, 3, now);
		if (sqlite3_step(cur) != SQLITE_DONE) {
			log_warnx("stream cursor: %s", sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(cur);
	if (store_commit(st) == -1)
		return -1;
	return added;
fail:
	sqlite3_finalize(ins);
	sqlite3_finalize(cur);
	store_rollback(st);
	return -1;
}

int
store_cursor_get(struct store *st, const char *stream, char **out)
{
	sqlite3_stmt	*q;
	int		 rc;

	*out = NULL;
	q = store_prepare(st, "SELECT position FROM stream_cursor"
	    " WHERE stream = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, stream, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "stream cursor")) == 1)
		*out = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return rc;
}

int
store_inbox_next_new(struct store *st, struct inbox_row *row)
{
	sqlite3_stmt	*q;
	int		 rc;

	memset(row, 0, sizeof(*row));
	q = store_prepare(st, "SELECT id, bot_account_id, kind, payload"
	    " FROM inbox WHERE state = 'new' ORDER BY id LIMIT 1");
	if (q == NULL)
		return -1;
	if ((rc = store_step(st, q, "inbox")) == 1) {
		row->id = sqlite3_column_int64(q, 0);
		row->bot_account_id = sqlite3_column_int64(q, 1);
		row->kind = store_column_dup(q, 2);
		row->payload = store_column_dup(q, 3);
	}
	sqlite3_finalize(q);
	return rc;
}

int
store_inbox_mark(struct store *st, int64_t id, enum inbox_state state,
    const char *reason)
{
	sqlite3_stmt	*q;
	int		 rc;

	q = store_prepare(st, "UPDATE inbox SET state = ?2, error = ?3,"
	    " handled_at = CAST(strftime('%s', 'now') AS INTEGER)"
	    " WHERE id = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, store_inbox_state_name(state), -1,
	    SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 3);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("inbox row %lld: %s", (long long)id,
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc;
}

void
inbox_row_clear(struct inbox_row *row)
{
	free(row->kind);
	free(row->payload);
	memset(row, 0, sizeof(*row));
}

int
store_bot_account_get(struct store *st, int64_t id, enum network *network,
    char **server, char **handle, enum lang *lang)
{
	sqlite3_stmt	*q;
	int		 rc;

	q = store_prepare(st, "SELECT network, server, handle, lang"
	    " FROM bot_account WHERE id = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if ((rc = store_step(st, q, "bot account")) == 1) {
		*network = store_column_network(q, 0);
		*server = store_column_dup(q, 1);
		*handle = store_column_dup(q, 2);
		*lang = store_column_lang(q, 3);
	}
	sqlite3_finalize(q);
	return rc;
}
