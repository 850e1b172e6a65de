/*
 * demo-store: read-only looks at the daemon's store, to show progress
 * and to check the end.  A connection per look: the daemon writes in
 * WAL mode, so a reader never blocks it, and a look is a fresh
 * snapshot.  These are the demo's only SQL; it never writes.
 */
#include "demo-internal.h"

#include <stdlib.h>

#include <sqlite3.h>

#include "quitx/xmalloc.h"

static sqlite3_stmt *
look(struct demo *d, sqlite3 **db, const char *sql)
{
	sqlite3_stmt	*q = NULL;

	if (sqlite3_open_v2(d->db, db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(*db);
		*db = NULL;
		return NULL;
	}
	sqlite3_busy_timeout(*db, 2000);
	if (sqlite3_prepare_v2(*db, sql, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return NULL;
	}
	return q;
}

/* One integer; -1 when the store cannot answer (not made yet). */
long long
demo_db_int(struct demo *d, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q = look(d, &db, sql);
	long long	 v = -1;

	if (q != NULL)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* One text (free it), or NULL. */
char *
demo_db_text(struct demo *d, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q = look(d, &db, sql);
	char		*v = NULL;

	if (q != NULL && sqlite3_column_text(q, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

int
demo_wait_db(struct demo *d, const char *what, const char *sql,
    long long want, int secs)
{
	int64_t		end = demo_now_ms() + (int64_t)secs * 1000;
	long long	got;

	for (;;) {
		if ((got = demo_db_int(d, sql)) == want)
			return 0;
		demo_view(d, 0);
		if (demo_now_ms() > end) {
			demo_fail(d, "%s: not within %d s", what, secs);
			return -1;
		}
		if (demo_sleep_ms(100) == -1) {
			demo_fail(d, "interrupted");
			return -1;
		}
	}
}
