/*
 * store: opening the database, its settings, migrations and transactions.
 * Statements for each concern live in their own store-*.c file.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* How long a statement waits for another process's lock (quitx stats). */
#define STORE_BUSY_TIMEOUT_MS	5000

int
store_schema_latest(void)
{
	return store_migration_count;
}

sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_warnx("prepare: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return stmt;
}

static int
store_exec(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("%s", msg != NULL ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

char *
store_column_dup(sqlite3_stmt *q, int col)
{
	const unsigned char	*v = sqlite3_column_text(q, col);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* The CHECK constraints allow only these words; anything else is a bug. */
enum network
store_column_network(sqlite3_stmt *q, int col)
{
	const unsigned char	*v = sqlite3_column_text(q, col);

	return v != NULL && strcmp((const char *)v, "bluesky") == 0 ?
	    NETWORK_BLUESKY : NETWORK_MASTODON;
}

enum lang
store_column_lang(sqlite3_stmt *q, int col)
{
	const unsigned char	*v = sqlite3_column_text(q, col);

	return v != NULL && strcmp((const char *)v, "fr") == 0 ? LANG_FR :
	    LANG_EN;
}

int
store_step(struct store *st, sqlite3_stmt *q, const char *what)
{
	switch (sqlite3_step(q)) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		log_warnx("%s: %s", what, sqlite3_errmsg(st->db));
		return -1;
	}
}

int
store_run(struct store *st, sqlite3_stmt *q, const char *what)
{
	int	rc;

	if (q == NULL)
		return -1;
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("%s: %s", what, sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc;
}

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	return store_exec(st, "COMMIT");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Read an integer pragma such as user_version; -1 on error. */
static int
pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	int		 v = -1;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

int
store_schema_version(struct store *st)
{
	return pragma_int(st, "PRAGMA user_version");
}

/*
 * The store holds personal data: create it readable by its owner only.
 * SQLite gives the -wal and -shm files the same mode as the database.
 *
 * Only ever open it here to create it (O_EXCL): closing any descriptor
 * of a file drops every POSIX lock the process holds on it, so opening
 * and closing an existing store while another connection of this
 * process uses it (the upload worker's, opened while the daemon runs)
 * would silently release that connection's locks, and another process
 * could then checkpoint and reset the WAL under it.
 */
static int
create_private(const char *path, char *err, size_t errsize)
{
	int	fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 && errno == EEXIST)
		return 0;
	if (fd == -1) {
		snprintf(err, errsize, "store %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * quitx_hash(account): '#' and the hex SHA-256 of the account in lower
 * case.  What the outbox keeps of whom it wrote to once a message is
 * out: enough to count answers per person (the rate limits) without
 * naming them.  NULL and already hashed values pass through.
 */
static void
sql_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char	*v;
	unsigned char		 md[EVP_MAX_MD_SIZE], *low;
	char			 hex[2 * EVP_MAX_MD_SIZE + 2];
	unsigned int		 mdlen = 0, i;
	int			 n;

	(void)argc;
	if ((v = sqlite3_value_text(argv[0])) == NULL || v[0] == '#') {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	n = sqlite3_value_bytes(argv[0]);
	low = xmalloc((size_t)n + 1);
	for (i = 0; i < (unsigned)n; i++)
		low[i] = (unsigned char)tolower(v[i]);
	if (EVP_Digest(low, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1) {
		free(low);
		sqlite3_result_error(ctx, "SHA-256 failed", -1);
		return;
	}
	free(low);
	hex[0] = '#';
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 1 + 2 * i, 3, "%02x", md[i]);
	sqlite3_result_text(ctx, hex, -1, SQLITE_TRANSIENT);
}

/* Journal, locking and integrity settings, applied on every open. */
static int
store_configure(struct store *st, char *err, size_t errsize)
{
	sqlite3_stmt	*stmt;
	const char	*mode = NULL;

	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if ((stmt = store_prepare(st, "PRAGMA journal_mode = WAL")) != NULL &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		snprintf(err, errsize, "store %s: cannot use WAL mode: %s",
		    st->path, sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	/*
	 * FULL: a commit is on disk before the call returns, so an outbox
	 * row marked sent stays sent even across a power cut.
	 */
	if (store_exec(st, "PRAGMA synchronous = FULL") == -1 ||
	    store_exec(st, "PRAGMA foreign_keys = ON") == -1 ||
	    pragma_int(st, "PRAGMA foreign_keys") != 1 ||
	    sqlite3_create_function(st->db, "quitx_hash", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_hash, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(err, errsize, "store %s: cannot configure: %s",
		    st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* Apply migrations from the current version up to target, each atomic. */
static int
store_migrate(struct store *st, int target, char *err, size_t errsize)
{
	int	version;

	if ((version = store_schema_version(st)) < 0) {
		snprintf(err, errsize, "store %s: cannot read its version: %s",
		    st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (version > store_migration_count) {
		snprintf(err, errsize, "store %s has schema version %d, newer "
		    "than this quitx understands (%d): upgrade quitx",
		    st->path, version, store_migration_count);
		return -1;
	}
	while (version < target) {
		if (store_begin(st) == -1 ||
		    store_exec(st, store_migrations[version]) == -1 ||
		    store_commit(st) == -1) {
			snprintf(err, errsize, "store %s: migration to version "
			    "%d failed: %s", st->path, version + 1,
			    sqlite3_errmsg(st->db));
			store_rollback(st);
			return -1;
		}
		version++;
		log_info("store %s migrated to schema version %d", st->path,
		    version);
	}
	return 0;
}

int
store_open_at(const char *path, int target, struct store **out, char *err,
    size_t errsize)
{
	struct store	*st;

	*out = NULL;
	if (target < 1 || target > store_migration_count) {
		snprintf(err, errsize, "store: no schema version %d", target);
		return -1;
	}
	if (create_private(path, err, errsize) == -1)
		return -1;
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "store %s: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (store_configure(st, err, errsize) == -1 ||
	    store_migrate(st, target, err, errsize) == -1)
		goto fail;
	*out = st;
	return 0;
fail:
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	return -1;
}

int
store_open(const char *path, struct store **out, char *err, size_t errsize)
{
	return store_open_at(path, store_migration_count, out, err, errsize);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* fold the WAL back so the database file is complete on its own */
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK)
		log_warnx("checkpoint %s: %s", st->path, sqlite3_errmsg(st->db));
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("close %s: %s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

int
store_ping(struct store *st)
{
	return pragma_int(st, "SELECT 1") == 1 ? 0 : -1;
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

int
store_bot_accounts_sync(struct store *st, const struct config *conf)
{
	sqlite3_stmt			*upsert = NULL;
	const struct config_account	*a;
	size_t				 i;

	if (store_begin(st) == -1)
		return -1;
	if (store_exec(st, "UPDATE bot_account SET active = 0") == -1)
		goto fail;
	upsert = store_prepare(st,
	    "INSERT INTO bot_account (network, server, handle, lang, active)"
	    " VALUES (?1, ?2, ?3, ?4, 1)"
	    " ON CONFLICT (network, server, handle)"
	    " DO UPDATE SET lang = excluded.lang, active = 1");
	if (upsert == NULL)
		goto fail;
	for (i = 0; i < conf->naccounts; i++) {
		a = &conf->accounts[i];
		sqlite3_bind_text(upsert, 1, config_network_name(a->network),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(upsert, 2, a->server, -1, SQLITE_STATIC);
		sqlite3_bind_text(upsert, 3, a->handle, -1, SQLITE_STATIC);
		sqlite3_bind_text(upsert, 4, config_lang_name(a->lang), -1,
		    SQLITE_STATIC);
		if (sqlite3_step(upsert) != SQLITE_DONE) {
			log_warnx("bot account %s: %s", a->handle,
			    sqlite3_errmsg(st->db));
			goto fail;
		}
		sqlite3_reset(upsert);
	}
	sqlite3_finalize(upsert);
	return store_commit(st);
fail:
	sqlite3_finalize(upsert);
	store_rollback(st);
	return -1;
}
