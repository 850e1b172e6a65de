/*
 * demo-store: read-only looks at the daemon's store, to show progress
 * and to check the end.  A connection per look: the daemon writes in
 * WAL mode, so a reader never blocks it, and a look is a fresh
 * snapshot.  These are the demo's only SQL; it never writes.
 */
#include "demo-internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "quitx/xmalloc.h"

/*
 * Prepare sql with args bound to its ?s (NULL-terminated; args NULL:
 * none) and take its first step: SQLITE_ROW, SQLITE_DONE (no row), or
 * an error code with the store's message in err.
 */
static int
look(struct demo *d, sqlite3 **db, sqlite3_stmt **q, const char *sql,
    const char *const args[], char *err, size_t errlen)
{
	int	i, rc;

	*q = NULL;
	*db = NULL;
	if (d->db == NULL) {
		snprintf(err, errlen, "no store yet");
		return SQLITE_CANTOPEN;
	}
	if ((rc = sqlite3_open_v2(d->db, db, SQLITE_OPEN_READONLY, NULL)) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s", *db != NULL ?
		    sqlite3_errmsg(*db) : sqlite3_errstr(rc));
		return rc;
	}
	sqlite3_busy_timeout(*db, 2000);
	if ((rc = sqlite3_prepare_v2(*db, sql, -1, q, NULL)) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(*db));
		return rc;
	}
	for (i = 0; args != NULL && args[i] != NULL; i++)
		if ((rc = sqlite3_bind_text(*q, i + 1, args[i], -1,
		    SQLITE_STATIC)) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(*db));
			return rc;
		}
	if ((rc = sqlite3_step(*q)) != SQLITE_ROW && rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(*db));
	return rc;
}

/* One integer; -1 when the store cannot answer (not made yet, busy). */
long long
demo_db_int(struct demo *d, const char *sql, const char *const args[])
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q;
	char		 err[256];
	long long	 v = -1;

	if (look(d, &db, &q, sql, args, err, sizeof(err)) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

int
demo_db_lookup(struct demo *d, const char *sql, const char *const args[],
    long long *v)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q;
	char		 err[256];
	int		 rc;

	*v = 0;
	rc = look(d, &db, &q, sql, args, err, sizeof(err));
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(q, 0);
	else if (rc != SQLITE_DONE)
		demo_fail(d, "the store: %s (%.100s)", err, sql);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
demo_db_lookup_text(struct demo *d, const char *sql,
    const char *const args[], char **v)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q;
	char		 err[256];
	int		 rc;

	*v = NULL;
	rc = look(d, &db, &q, sql, args, err, sizeof(err));
	if (rc == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
		*v = xstrdup((const char *)sqlite3_column_text(q, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		demo_fail(d, "the store: %s (%.100s)", err, sql);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* One text (free it), or NULL. */
char *
demo_db_text(struct demo *d, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*q;
	char		 err[256], *v = NULL;

	if (look(d, &db, &q, sql, NULL, err, sizeof(err)) == SQLITE_ROW &&
	    sqlite3_column_text(q, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

int
demo_wait_db(struct demo *d, const char *what, const char *sql,
    const char *const args[], long long want, int secs)
{
	int64_t		end = demo_now_ms() + (int64_t)secs * 1000;
	long long	got;

	for (;;) {
		if ((got = demo_db_int(d, sql, args)) == want)
			return 0;
		/* a daemon gone, or a failure met meanwhile: no use waiting */
		if (!demo_alive(d) || d->error[0] != '\0')
			return -1;
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
