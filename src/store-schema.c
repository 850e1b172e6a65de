/*
 * store-schema: the forward-only migrations, one SQL script per version.
 *
 * Never edit a script once released: add the next one.  Each ends by
 * setting user_version so the script and its version commit together.
 * Times are Unix seconds (UTC); X account ids are 64-bit integers.
 */
#include "store-internal.h"

static const char schema_v1[] =
/*
 * The bot accounts of the config.  Rows stay when an account leaves the
 * config (inbox and outbox rows point at them) but become inactive.
 */
"CREATE TABLE bot_account ("
"  id INTEGER PRIMARY KEY,"
"  network TEXT NOT NULL CHECK (network IN ('mastodon', 'bluesky')),"
"  server TEXT NOT NULL,"
"  handle TEXT NOT NULL COLLATE NOCASE,"
"  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),"
"  remote_id TEXT,"		/* Mastodon account id or Bluesky DID */
"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
"  UNIQUE (network, server, handle)"
");"
/*
 * A member is one network account.  Registering is the consent to be
 * suggested (registered_at records it); the other consents carry the
 * time they last changed.
 */
"CREATE TABLE member ("
"  id INTEGER PRIMARY KEY,"
"  network TEXT NOT NULL CHECK (network IN ('mastodon', 'bluesky')),"
"  account TEXT NOT NULL COLLATE NOCASE," /* Mastodon user@host, or DID */
"  handle TEXT,"		/* Bluesky handle, when known */
"  lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr')),"
"  bot_account_id INTEGER REFERENCES bot_account(id) ON DELETE SET NULL,"
"  registered_at INTEGER NOT NULL,"
"  discoverable INTEGER NOT NULL DEFAULT 1 CHECK (discoverable IN (0, 1)),"
"  discoverable_at INTEGER,"
"  intro_optin INTEGER NOT NULL DEFAULT 0 CHECK (intro_optin IN (0, 1)),"
"  intro_optin_at INTEGER,"
"  messages_stopped INTEGER NOT NULL DEFAULT 0"
"    CHECK (messages_stopped IN (0, 1)),"
"  messages_stopped_at INTEGER,"
"  follows_bot INTEGER NOT NULL DEFAULT 0 CHECK (follows_bot IN (0, 1)),"
"  follows_bot_at INTEGER,"
"  last_help_at INTEGER,"
"  UNIQUE (network, account)"
");"
/*
 * The X handle a member says is theirs.  x_id is known once proven by the
 * member's own account.js ('archive') or the team's import ('import');
 * only proven claims are ever suggested to others.
 */
"CREATE TABLE x_claim ("
"  id INTEGER PRIMARY KEY,"
"  member_id INTEGER NOT NULL UNIQUE REFERENCES member(id) ON DELETE CASCADE,"
"  handle TEXT NOT NULL COLLATE NOCASE,"
"  x_id INTEGER,"
"  proof TEXT NOT NULL DEFAULT 'none'"
"    CHECK (proof IN ('none', 'archive', 'import')),"
"  claimed_at INTEGER NOT NULL,"
"  proven_at INTEGER,"
"  CHECK ((proof = 'none') = (proven_at IS NULL)),"
"  CHECK (proof = 'none' OR x_id IS NOT NULL)"
");"
"CREATE INDEX x_claim_handle ON x_claim (handle);"
"CREATE INDEX x_claim_x_id ON x_claim (x_id) WHERE x_id IS NOT NULL;"
/*
 * One row per ingested archive or import batch; its edges hang off it so
 * that a new upload replaces the old one, and forgetting a member drops
 * what they uploaded, each in one statement.
 */
"CREATE TABLE x_upload ("
"  id INTEGER PRIMARY KEY,"
"  member_id INTEGER REFERENCES member(id) ON DELETE CASCADE,"
"  x_id INTEGER NOT NULL,"	/* whose archive: from account.js or import */
"  source TEXT NOT NULL CHECK (source IN ('archive', 'import')),"
"  edges INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL"
");"
"CREATE INDEX x_upload_member ON x_upload (member_id);"
/*
 * Follow edges between X ids.  The clustered key serves "whom did M
 * follow" (follower first); the followee index serves "who follows F"
 * (from F's follower file).  WITHOUT ROWID keeps one b-tree per key.
 */
"CREATE TABLE x_edge ("
"  follower INTEGER NOT NULL,"
"  followee INTEGER NOT NULL,"
"  upload_id INTEGER NOT NULL REFERENCES x_upload(id) ON DELETE CASCADE,"
"  PRIMARY KEY (follower, followee, upload_id)"
") WITHOUT ROWID;"
"CREATE INDEX x_edge_followee ON x_edge (followee, follower);"
"CREATE INDEX x_edge_upload ON x_edge (upload_id);"
/*
 * Everything that arrives, before it is handled: unique per bot account
 * by the network's own id (Mastodon notification id, Bluesky at-URI), so
 * an event seen by the stream and by a poll is kept once.
 */
"CREATE TABLE inbox ("
"  id INTEGER PRIMARY KEY,"
"  bot_account_id INTEGER NOT NULL REFERENCES bot_account(id),"
"  event_id TEXT NOT NULL,"
"  kind TEXT NOT NULL,"
"  payload TEXT NOT NULL,"
"  received_at INTEGER NOT NULL,"
"  state TEXT NOT NULL DEFAULT 'new'"
"    CHECK (state IN ('new', 'done', 'ignored', 'failed')),"
"  handled_at INTEGER,"
"  error TEXT,"
"  UNIQUE (bot_account_id, event_id)"
");"
"CREATE INDEX inbox_state ON inbox (state);"
/* Stream positions, written in the same transaction as the inbox rows. */
"CREATE TABLE stream_cursor ("
"  stream TEXT PRIMARY KEY,"	/* e.g. 'mastodon:3', 'jetstream' */
"  position TEXT NOT NULL,"
"  updated_at INTEGER NOT NULL"
");"
/*
 * Everything that leaves.  idem_key is chosen when the row is written and
 * sent with every attempt (Mastodon Idempotency-Key, Bluesky record key),
 * so a retry after a crash cannot post twice.  thread_parent_id points at
 * the row this one replies to in a thread.
 */
"CREATE TABLE outbox ("
"  id INTEGER PRIMARY KEY,"
"  bot_account_id INTEGER NOT NULL REFERENCES bot_account(id),"
"  member_id INTEGER REFERENCES member(id) ON DELETE CASCADE,"
"  thread_parent_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,"
"  kind TEXT NOT NULL,"
"  priority INTEGER NOT NULL,"
"  idem_key TEXT NOT NULL UNIQUE,"
"  body TEXT NOT NULL,"
"  not_before INTEGER NOT NULL,"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT,"
"  state TEXT NOT NULL DEFAULT 'queued'"
"    CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),"
"  remote_id TEXT,"
"  created_at INTEGER NOT NULL,"
"  sent_at INTEGER"
");"
/* the pacer's query names state = 'queued' exactly, or this is not used */
"CREATE INDEX outbox_due ON outbox (bot_account_id, priority, not_before)"
"  WHERE state = 'queued';"
"CREATE INDEX outbox_state ON outbox (state);"
"CREATE INDEX outbox_member ON outbox (member_id) WHERE member_id IS NOT NULL;"
"CREATE INDEX outbox_thread ON outbox (thread_parent_id)"
"  WHERE thread_parent_id IS NOT NULL;"
/*
 * Posts planned ahead: countdowns and the team's announcements.
 * dedupe_key (e.g. 'countdown:<bot>:<date>') makes planning the same
 * post twice, say after a restart at the posting minute, a no-op.
 */
"CREATE TABLE scheduled_post ("
"  id INTEGER PRIMARY KEY,"
"  kind TEXT NOT NULL CHECK (kind IN ('countdown', 'announce')),"
"  dedupe_key TEXT NOT NULL UNIQUE,"
"  bot_account_id INTEGER REFERENCES bot_account(id),"
"  run_at INTEGER NOT NULL,"
"  body TEXT NOT NULL,"
"  state TEXT NOT NULL DEFAULT 'pending'"
"    CHECK (state IN ('pending', 'queued', 'cancelled', 'skipped')),"
"  created_at INTEGER NOT NULL,"
"  changed_at INTEGER"
");"
"CREATE INDEX scheduled_due ON scheduled_post (run_at) WHERE state = 'pending';"
"PRAGMA user_version = 1;";

/*
 * v2, the conversation: who follows each bot (a follow can come before
 * the member registers, and decides whether a private message can reach
 * them), upload links (only a hash of the token is kept), and the
 * recipient of each outbox row, so replies can be rate-limited per
 * person before, or without, a member row.  Once a row is out only a
 * hash of the recipient stays (quitx_hash, store.c), and its body goes.
 */
static const char schema_v2[] =
"CREATE TABLE bot_follower ("
"  bot_account_id INTEGER NOT NULL REFERENCES bot_account(id),"
"  account TEXT NOT NULL COLLATE NOCASE,"	/* Mastodon user@host, or DID */
"  followed_at INTEGER NOT NULL,"
"  PRIMARY KEY (bot_account_id, account)"
") WITHOUT ROWID;"
"CREATE TABLE upload_token ("
"  id INTEGER PRIMARY KEY,"
"  member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,"
"  token_hash BLOB NOT NULL UNIQUE,"		/* SHA-256 of the token */
"  created_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL"
");"
"CREATE INDEX upload_token_member ON upload_token (member_id);"
"ALTER TABLE outbox ADD COLUMN recipient TEXT COLLATE NOCASE;"
"CREATE INDEX outbox_recipient ON outbox (recipient, created_at)"
"  WHERE recipient IS NOT NULL;"
/* is this post one of ours (a reply to the call to register)? */
"CREATE INDEX outbox_remote ON outbox (bot_account_id, remote_id)"
"  WHERE remote_id IS NOT NULL;"
"PRAGMA user_version = 2;";

/*
 * v3, ingest at scale.  An edge is now kept relative to its upload (the
 * uploader is the upload's x_id, the direction says which way the follow
 * goes), in one b-tree and without a foreign key: at a million edges a
 * second, every extra index or per-row check halves the rate (measured:
 * three b-trees ran at 45,000 edges/s).  A trigger deletes an upload's
 * edges with it, which also serves the cascade from member.
 *
 * An upload is written 'loading' in several transactions (memory and
 * the WAL stay bounded whatever the file size), then made 'complete' and
 * its predecessor 'replaced' in one: readers only ever see complete
 * uploads, so a member's edges change atomically.  Replaced and stale
 * loading uploads are deleted afterwards, in chunks.
 */
static const char schema_v3[] =
"CREATE TABLE x_upload_v3 ("
"  id INTEGER PRIMARY KEY,"
"  member_id INTEGER REFERENCES member(id) ON DELETE CASCADE,"
"  x_id INTEGER,"		/* whose archive: account.js or the import */
"  x_handle TEXT COLLATE NOCASE,"
"  source TEXT NOT NULL CHECK (source IN ('archive', 'import')),"
"  state TEXT NOT NULL DEFAULT 'loading'"
"    CHECK (state IN ('loading', 'complete', 'replaced')),"
"  followers INTEGER NOT NULL DEFAULT 0,"
"  following INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  completed_at INTEGER,"
"  CHECK (state = 'loading' OR x_id IS NOT NULL)"
");"
/*
 * direction 0: x_id follows the uploader (a follower file);
 * direction 1: the uploader follows x_id (a following file).
 */
"CREATE TABLE x_edge_v3 ("
"  upload_id INTEGER NOT NULL,"
"  direction INTEGER NOT NULL CHECK (direction IN (0, 1)),"
"  x_id INTEGER NOT NULL,"
"  PRIMARY KEY (upload_id, direction, x_id)"
") WITHOUT ROWID;"
"INSERT INTO x_upload_v3 (id, member_id, x_id, source, state, followers,"
"  following, created_at, completed_at)"
"  SELECT u.id, u.member_id, u.x_id, u.source, 'complete',"
"   (SELECT count(*) FROM x_edge e WHERE e.upload_id = u.id"
"    AND e.followee = u.x_id),"
"   (SELECT count(*) FROM x_edge e WHERE e.upload_id = u.id"
"    AND e.follower = u.x_id), u.created_at, u.created_at"
"  FROM x_upload u;"
"INSERT OR IGNORE INTO x_edge_v3"
"  SELECT e.upload_id, e.follower = u.x_id,"
"   CASE WHEN e.follower = u.x_id THEN e.followee ELSE e.follower END"
"  FROM x_edge e JOIN x_upload u ON u.id = e.upload_id;"
"DROP TABLE x_edge;"
"DROP TABLE x_upload;"
"ALTER TABLE x_upload_v3 RENAME TO x_upload;"
"ALTER TABLE x_edge_v3 RENAME TO x_edge;"
"CREATE INDEX x_upload_member ON x_upload (member_id);"
"CREATE INDEX x_upload_x_id ON x_upload (x_id) WHERE state = 'complete';"
"CREATE INDEX x_upload_state ON x_upload (state) WHERE state != 'complete';"
"CREATE TRIGGER x_upload_edges AFTER DELETE ON x_upload BEGIN"
"  DELETE FROM x_edge WHERE upload_id = old.id;"
"END;"
"PRAGMA user_version = 3;";

/*
 * v4, the cross-reference and the campaign day.
 *
 * suggestion: the last full match, ranked (rank 1 first) per member; it
 * is rewritten whole by each match, appended in key order.  Neither it
 * nor suggestion_sent has a foreign key or an index on suggested_id: at
 * 100 million rows each would cost more than the match itself.  A
 * trigger removes a member's own rows with them; rows naming a member
 * who is gone hold no personal data and are skipped by every reader
 * (they join member), then dropped by the next match.
 */
static const char schema_v4[] =
"CREATE TABLE suggestion ("
"  member_id INTEGER NOT NULL,"
"  rank INTEGER NOT NULL,"
"  suggested_id INTEGER NOT NULL,"
"  mutual INTEGER NOT NULL CHECK (mutual IN (0, 1)),"
"  followers INTEGER NOT NULL,"	/* members who follow them on X */
"  PRIMARY KEY (member_id, rank)"
") WITHOUT ROWID;"
/* who was told about whom: what is new after the day is what is not here */
"CREATE TABLE suggestion_sent ("
"  member_id INTEGER NOT NULL,"
"  suggested_id INTEGER NOT NULL,"
"  sent_at INTEGER NOT NULL,"
"  PRIMARY KEY (member_id, suggested_id)"
") WITHOUT ROWID;"
/* Bluesky's public graph: does the member already follow them there? */
"CREATE TABLE bsky_follows ("
"  member_id INTEGER NOT NULL,"
"  other_did TEXT NOT NULL,"
"  follows INTEGER NOT NULL CHECK (follows IN (0, 1)),"
"  checked_at INTEGER NOT NULL,"
"  PRIMARY KEY (member_id, other_did)"
") WITHOUT ROWID;"
/* links to a member's Mastodon follows-import file (SHA-256 of the token) */
"CREATE TABLE follows_token ("
"  token_hash BLOB PRIMARY KEY,"
"  member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,"
"  created_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL"
");"
"CREATE INDEX follows_token_member ON follows_token (member_id);"
/* small facts the campaign keeps: when the last match ran, ... */
"CREATE TABLE campaign_state ("
"  key TEXT PRIMARY KEY,"
"  value TEXT NOT NULL,"
"  updated_at INTEGER NOT NULL"
");"
/*
 * A private message the recipient's settings refused waits, queued with
 * the reason, until they follow the bot (Bluesky chat): no not_before
 * would do, the follow can come any day.
 */
"CREATE INDEX outbox_parked ON outbox (bot_account_id, recipient)"
"  WHERE state = 'queued' AND last_error LIKE 'unreachable:%';"
"CREATE TRIGGER member_suggestions AFTER DELETE ON member BEGIN"
"  DELETE FROM suggestion WHERE member_id = old.id;"
"  DELETE FROM suggestion_sent WHERE member_id = old.id;"
"  DELETE FROM bsky_follows WHERE member_id = old.id;"
"END;"
"PRAGMA user_version = 4;";

/*
 * v5: the Bluesky members whose identity is incomplete: imported by
 * handle (no DID yet), or known by DID from Jetstream (which carries no
 * handle).  The daemon completes them before they are written to or
 * named; the index keeps that look cheap among a million members.
 */
static const char schema_v5[] =
"CREATE INDEX member_unidentified ON member (id)"
"  WHERE network = 'bluesky' AND (handle IS NULL"
"  OR account NOT LIKE 'did:%');"
/*
 * A post that must not go out late (a countdown's "J-3" the next day
 * is wrong): past expires_at, still queued, it is cancelled.
 */
"ALTER TABLE outbox ADD COLUMN expires_at INTEGER;"
"CREATE INDEX outbox_expiring ON outbox (expires_at)"
"  WHERE state = 'queued' AND expires_at IS NOT NULL;"
"PRAGMA user_version = 5;";

const char *const store_migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
};

const int store_migration_count =
    (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
