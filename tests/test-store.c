/*
 * test-store: creation, settings, migrations from every earlier version,
 * refusal of a newer store, bot account sync and the stats counts.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "quitx/config.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

static int
setup(void **state)
{
	*state = tu_tmpdir();
	return 0;
}

static int
teardown(void **state)
{
	tu_rmtree(*state);
	free(*state);
	return 0;
}

/* Run sql on the file directly (as another process would). */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db;
	char	*msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static long long
raw_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	long long	 v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static void
test_create(void **state)
{
	char		*path = xasprintf("%s/new.db", (char *)*state), err[256];
	struct store	*st;
	struct stat	 sb;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(store_ping(st), 0);
	store_close(st);
	/* personal data: private file, WAL journal */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_latest());
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name IN ('bot_account', 'member', 'x_claim', 'x_upload',"
	    " 'x_edge', 'inbox', 'stream_cursor', 'outbox', 'scheduled_post')"),
	    9);
	/* reopening is a no-op */
	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	store_close(st);
	free(path);
}

/*
 * WAL is a property of the file, so it shows from another connection.
 * (foreign_keys is per connection: store_open checks it took, and fails
 * the open otherwise.)
 */
static void
test_wal_journal(void **state)
{
	char		*path = xasprintf("%s/fk.db", (char *)*state), err[256];
	struct store	*st;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(raw_int(path, "SELECT journal_mode = 'wal' FROM"
	    " pragma_journal_mode"), 1);
	free(path);
}

/*
 * A sample of data valid at version v (latest: 0), to carry through
 * migrations.  The member follows X account 12 (one edge).
 */
static void
seed(const char *path, int v)
{
	raw_exec(path,
	    "PRAGMA foreign_keys = ON;"
	    "INSERT INTO bot_account (network, server, handle, lang)"
	    " VALUES ('mastodon', 'https://m.example', 'HelloQuitX', 'en');"
	    "INSERT INTO member (network, account, lang, registered_at)"
	    " VALUES ('mastodon', 'alice@m.example', 'fr', 1700000000);"
	    "INSERT INTO x_claim (member_id, handle, x_id, proof, claimed_at,"
	    " proven_at) VALUES (1, 'alice', 9223372036854775807, 'archive',"
	    " 1700000000, 1700000001);"
	    "INSERT INTO inbox (bot_account_id, event_id, kind, payload,"
	    " received_at) VALUES (1, '34975861', 'mention', '{}', 1700000002);"
	    "INSERT INTO outbox (bot_account_id, member_id, kind, priority,"
	    " idem_key, body, not_before, created_at) VALUES (1, 1, 'reply', 0,"
	    " 'k1', '{}', 0, 1700000003);");
	if (v > 0 && v < 3)
		raw_exec(path,
		    "PRAGMA foreign_keys = ON;"
		    "INSERT INTO x_upload (member_id, x_id, source, edges,"
		    " created_at) VALUES (1, 9223372036854775807, 'archive', 1,"
		    " 1700000001);"
		    "INSERT INTO x_edge (follower, followee, upload_id)"
		    " VALUES (9223372036854775807, 12, 1);");
	else
		raw_exec(path,
		    "INSERT INTO x_upload (member_id, x_id, source, state,"
		    " following, created_at, completed_at) VALUES (1,"
		    " 9223372036854775807, 'archive', 'complete', 1, 1700000001,"
		    " 1700000001);"
		    "INSERT INTO x_edge (upload_id, direction, x_id)"
		    " VALUES (1, 1, 12);");
}

/* From every earlier version, migrating keeps the data and the rules. */
static void
test_migrate_from_every_version(void **state)
{
	struct store	*st;
	char		*path, err[256];
	int		 v;

	for (v = 1; v <= store_schema_latest(); v++) {
		path = xasprintf("%s/v%d.db", (char *)*state, v);
		assert_int_equal(store_open_at(path, v, &st, err, sizeof(err)),
		    0);
		assert_int_equal(store_schema_version(st), v);
		store_close(st);
		seed(path, v);
		if (store_open(path, &st, err, sizeof(err)) != 0)
			fail_msg("from version %d: %s", v, err);
		assert_int_equal(store_schema_version(st),
		    store_schema_latest());
		store_close(st);
		assert_int_equal(raw_int(path, "SELECT x_id FROM x_claim"),
		    9223372036854775807LL);
		assert_int_equal(raw_int(path, "SELECT count(*) FROM x_edge"), 1);
		/* the edge reads the same whatever the layout it came in */
		assert_int_equal(raw_int(path, "SELECT e.x_id FROM x_edge e"
		    " JOIN x_upload u ON u.id = e.upload_id WHERE e.direction = 1"
		    " AND u.x_id = 9223372036854775807 AND u.member_id = 1"
		    " AND u.state = 'complete' AND u.following = 1"), 12);
		assert_int_equal(raw_int(path, "SELECT count(*) FROM"
		    " pragma_foreign_key_check"), 0);
		assert_int_equal(raw_int(path, "SELECT integrity_check = 'ok'"
		    " FROM pragma_integrity_check"), 1);
		free(path);
	}
}

static void
test_newer_store_refused(void **state)
{
	char		*path = xasprintf("%s/future.db", (char *)*state);
	char		 err[256], *pragma;
	struct store	*st;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	store_close(st);
	pragma = xasprintf("PRAGMA user_version = %d",
	    store_schema_latest() + 1);
	raw_exec(path, pragma);
	assert_int_equal(store_open(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than this quitx understands"));
	/* and left untouched */
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_latest() + 1);
	free(pragma);
	free(path);
}

static void
test_unopenable(void **state)
{
	char		 err[256];
	struct store	*st;

	(void)state;
	assert_int_equal(store_open("/nonexistent/dir/q.db", &st, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/q.db"));
	assert_null(st);
}

/* The schema enforces what the code relies on. */
static void
test_constraints(void **state)
{
	char		*path = xasprintf("%s/c.db", (char *)*state), err[256];
	struct store	*st;
	sqlite3		*db;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	store_close(st);
	seed(path, 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	/* the same notification twice is one row */
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO inbox (bot_account_id,"
	    " event_id, kind, payload, received_at) VALUES (1, '34975861',"
	    " 'mention', '{}', 1)", NULL, NULL, NULL), SQLITE_OK);
	/* an idempotency key is never reused */
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO outbox (bot_account_id,"
	    " kind, priority, idem_key, body, not_before, created_at) VALUES"
	    " (1, 'post', 0, 'k1', '{}', 0, 1)", NULL, NULL, NULL), SQLITE_OK);
	/* a proven claim has an X id */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE x_claim SET x_id = NULL",
	    NULL, NULL, NULL), SQLITE_OK);
	/* forgetting a member takes claims, uploads, edges, queued messages */
	assert_int_equal(sqlite3_exec(db, "DELETE FROM member", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(path, "SELECT (SELECT count(*) FROM x_claim) +"
	    " (SELECT count(*) FROM x_upload) + (SELECT count(*) FROM x_edge) +"
	    " (SELECT count(*) FROM outbox)"), 0);
	free(path);
}

/* The partial index only serves a query naming its exact condition. */
static void
test_outbox_index_used(void **state)
{
	char		*path = xasprintf("%s/i.db", (char *)*state), err[256];
	struct store	*st;
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	int		 used = 0;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT id"
	    " FROM outbox WHERE bot_account_id = 1 AND state = 'queued' AND"
	    " not_before <= 0 ORDER BY priority, not_before LIMIT 1", -1, &stmt,
	    NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(stmt, 3),
		    "outbox_due") != NULL)
			used = 1;
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	assert_true(used);
	free(path);
}

static void
test_sync_and_stats(void **state)
{
	char			*path = xasprintf("%s/s.db", (char *)*state);
	char			 err[256];
	struct config_account	 accts[3];
	struct config		 conf;
	struct store		*st;
	struct store_stats	 s;

	memset(accts, 0, sizeof(accts));
	memset(&conf, 0, sizeof(conf));
	accts[0] = (struct config_account){ .network = NETWORK_MASTODON,
	    .server = (char *)"https://m.example", .handle = (char *)"HelloQuitX",
	    .lang = LANG_EN };
	accts[1] = (struct config_account){ .network = NETWORK_BLUESKY,
	    .server = (char *)"https://b.example",
	    .handle = (char *)"helloquitx.b.example", .lang = LANG_EN };
	accts[2] = (struct config_account){ .network = NETWORK_BLUESKY,
	    .server = (char *)"https://b.example",
	    .handle = (char *)"helloquittex.b.example", .lang = LANG_FR };
	conf.accounts = accts;
	conf.naccounts = 3;
	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	assert_int_equal(store_bot_accounts_sync(st, &conf), 0);
	assert_int_equal(store_stats_get(st, &s), 0);
	assert_int_equal(s.bot_accounts[NETWORK_MASTODON], 1);
	assert_int_equal(s.bot_accounts[NETWORK_BLUESKY], 2);
	/* an account removed from the config stays, inactive */
	conf.naccounts = 2;
	assert_int_equal(store_bot_accounts_sync(st, &conf), 0);
	assert_int_equal(store_stats_get(st, &s), 0);
	assert_int_equal(s.bot_accounts[NETWORK_BLUESKY], 1);
	store_close(st);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM bot_account"), 3);

	/* counts: two members claim @bob, one of them proven elsewhere */
	raw_exec(path,
	    "INSERT INTO member (network, account, registered_at) VALUES"
	    " ('mastodon', 'a@m', 1), ('bluesky', 'did:plc:b', 1),"
	    " ('bluesky', 'did:plc:c', 1);"
	    "INSERT INTO x_claim (member_id, handle, claimed_at) VALUES"
	    " (1, 'bob', 1), (2, 'BOB', 1);"
	    "INSERT INTO x_claim (member_id, handle, x_id, proof, claimed_at,"
	    " proven_at) VALUES (3, 'carol', 7, 'import', 1, 1);"
	    "INSERT INTO x_upload (member_id, x_id, source, state, followers,"
	    " following, created_at) VALUES (3, 7, 'import', 'complete',"
	    " 1234000, 567, 1), (3, 7, 'import', 'loading', 5, 0, 2);"
	    "INSERT INTO inbox (bot_account_id, event_id, kind, payload,"
	    " received_at, state) VALUES (1, 'n1', 'mention', '{}', 1, 'done'),"
	    " (1, 'n2', 'mention', '{}', 1, 'new');");
	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	assert_int_equal(store_stats_get(st, &s), 0);
	assert_int_equal(s.members[NETWORK_MASTODON], 1);
	assert_int_equal(s.members[NETWORK_BLUESKY], 2);
	assert_int_equal(s.claims, 3);
	assert_int_equal(s.claims_proven, 1);
	assert_int_equal(s.claims_contested, 2);
	assert_int_equal(s.uploads, 1);
	assert_int_equal(s.edges, 1234567);
	assert_int_equal(s.inbox[INBOX_NEW], 1);
	assert_int_equal(s.inbox[INBOX_DONE], 1);
	assert_int_equal(s.schema_version, store_schema_latest());
	store_close(st);
	free(path);
}

/* Events and the cursor commit together; an event seen twice is kept once. */
static void
test_inbox_and_cursor(void **state)
{
	char			*path = xasprintf("%s/i.db", (char *)*state);
	char			 err[256], *cur;
	struct store		*st;
	struct inbox_event	 ev[2];

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	raw_exec(path, "INSERT INTO bot_account (network, server, handle,"
	    " lang) VALUES ('mastodon', 'https://m.example', 'b', 'en')");
	assert_int_equal(store_cursor_get(st, "mastodon:1", &cur), 0);
	assert_null(cur);
	memset(ev, 0, sizeof(ev));
	ev[0] = (struct inbox_event){ .event_id = "10", .kind = "mention",
	    .payload = "{\"a\":1}", .state = INBOX_NEW };
	ev[1] = (struct inbox_event){ .event_id = "11", .kind = "mention",
	    .payload = "{}", .state = INBOX_IGNORED,
	    .reason = "from a bot account" };
	assert_int_equal(store_inbox_add(st, 1, ev, 2, "mastodon:1", "11"), 2);
	assert_true(ev[0].added && ev[1].added);
	/* the stream and a catch-up both saw 11: one row */
	assert_int_equal(store_inbox_add(st, 1, &ev[1], 1, "mastodon:1", "12"),
	    0);
	assert_false(ev[1].added);
	assert_int_equal(store_cursor_get(st, "mastodon:1", &cur), 1);
	assert_string_equal(cur, "12");
	free(cur);
	/* a failing write leaves neither the event nor the cursor */
	ev[0].event_id = "13";
	assert_int_equal(store_inbox_add(st, 99, ev, 1, "mastodon:1", "13"),
	    -1);
	assert_int_equal(store_cursor_get(st, "mastodon:1", &cur), 1);
	assert_string_equal(cur, "12");
	free(cur);
	store_close(st);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM inbox"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM inbox WHERE"
	    " state = 'ignored' AND handled_at IS NOT NULL AND error ="
	    " 'from a bot account'"), 1);
	free(path);
}

/* The outbox's life: queue once, threads in order, retry, sent, failed. */
static void
test_outbox_lifecycle(void **state)
{
	char			*path = xasprintf("%s/o.db", (char *)*state);
	char			 err[256];
	struct store		*st;
	struct outbox_new	 n;
	struct outbox_row	 row;
	int64_t			 a, b, again;

	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	raw_exec(path, "INSERT INTO bot_account (network, server, handle,"
	    " lang) VALUES ('mastodon', 'https://m.example', 'b', 'en')");
	memset(&n, 0, sizeof(n));
	n.bot_account_id = 1;
	n.kind = "announce";
	n.priority = 5;
	n.idem_key = "thread:1";
	n.body = "{\"status\":\"part 1\"}";
	n.not_before = 100;
	assert_int_equal(store_outbox_add(st, &n, &a), 1);
	assert_int_equal(store_outbox_add(st, &n, &again), 0);
	assert_int_equal(again, a);
	n.idem_key = "thread:2";
	n.body = "{\"status\":\"part 2\"}";
	n.thread_parent_id = a;
	assert_int_equal(store_outbox_add(st, &n, &b), 1);

	/* nothing before its time */
	assert_int_equal(store_outbox_next(st, 1, 99, &row), 0);
	/* the parent first; the child waits until the parent is sent */
	assert_int_equal(store_outbox_next(st, 1, 100, &row), 1);
	assert_int_equal(row.id, a);
	outbox_row_clear(&row);
	assert_int_equal(store_outbox_sending(st, a), 0);
	assert_int_equal(store_outbox_next(st, 1, 100, &row), 0);
	/* a crash while sending: the row is queued again at start */
	assert_int_equal(store_outbox_requeue_sending(st), 1);
	assert_int_equal(store_outbox_next(st, 1, 100, &row), 1);
	assert_int_equal(row.attempts, 1);
	outbox_row_clear(&row);
	assert_int_equal(store_outbox_sending(st, a), 0);
	assert_int_equal(store_outbox_retry(st, a, 200, "503 busy", 0), 0);
	assert_int_equal(store_outbox_next(st, 1, 150, &row), 0);
	assert_int_equal(store_outbox_next(st, 1, 200, &row), 1);
	assert_int_equal(row.attempts, 2);
	outbox_row_clear(&row);
	/* only the row in flight can be marked: a queued one is untouched */
	assert_int_equal(store_outbox_sent(st, a, "108", 201), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox WHERE"
	    " state = 'sent'"), 0);
	assert_int_equal(store_outbox_sending(st, a), 0);
	assert_int_equal(store_outbox_sent(st, a, "109", 201), 0);
	/* now the child, with its parent's post id to reply to */
	assert_int_equal(store_outbox_next(st, 1, 201, &row), 1);
	assert_int_equal(row.id, b);
	assert_string_equal(row.parent_remote_id, "109");
	assert_string_equal(row.body, "{\"status\":\"part 2\"}");
	outbox_row_clear(&row);
	/* a third part replies to b: when b fails, it fails too */
	n.idem_key = "thread:3";
	n.thread_parent_id = b;
	assert_int_equal(store_outbox_add(st, &n, &again), 1);
	assert_int_equal(store_outbox_sending(st, b), 0);
	assert_int_equal(store_outbox_failed(st, b, NULL, "422 too long"), 0);
	assert_int_equal(store_outbox_next(st, 1, 1000, &row), 0);
	store_close(st);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox WHERE"
	    " state = 'sent' AND remote_id = '109' AND sent_at = 201"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox WHERE"
	    " state = 'failed' AND last_error = '422 too long'"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox WHERE"
	    " state = 'failed' AND idem_key = 'thread:3'"), 1);
	free(path);
}

/* POSIX locks this process holds on the file at path (/proc/locks). */
static int
locks_held(const char *path)
{
	struct stat	 sb;
	FILE		*f;
	char		 line[256], want[64];
	int		 n = 0;

	assert_int_equal(stat(path, &sb), 0);
	snprintf(want, sizeof(want), " %d %02x:%02x:%llu ", (int)getpid(),
	    major(sb.st_dev), minor(sb.st_dev), (unsigned long long)sb.st_ino);
	assert_non_null(f = fopen("/proc/locks", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, want) != NULL)
			n++;
	fclose(f);
	return n;
}

/*
 * A second connection in the same process (the daemon's upload worker)
 * must not drop the first one's locks: closing any descriptor of a file
 * releases all the process's POSIX locks on it, and another process
 * could then reset the WAL under the daemon.
 */
static void
test_second_connection_keeps_locks(void **state)
{
	char		*path = xasprintf("%s/locks.db", (char *)*state);
	char		 err[256];
	struct store	*a, *b;

	assert_int_equal(store_open(path, &a, err, sizeof(err)), 0);
	assert_int_equal(store_ping(a), 0);
	assert_true(locks_held(path) > 0);
	assert_int_equal(store_open(path, &b, err, sizeof(err)), 0);
	assert_int_equal(store_ping(b), 0);
	assert_true(locks_held(path) > 0);
	store_close(b);
	assert_int_equal(store_ping(a), 0);
	store_close(a);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbox_and_cursor),
		cmocka_unit_test(test_outbox_lifecycle),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_wal_journal),
		cmocka_unit_test(test_migrate_from_every_version),
		cmocka_unit_test(test_newer_store_refused),
		cmocka_unit_test(test_unopenable),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_outbox_index_used),
		cmocka_unit_test(test_sync_and_stats),
		cmocka_unit_test(test_second_connection_keeps_locks),
	};

	log_init(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
