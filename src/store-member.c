/*
 * store-member: members, their X handle claims and consents, the bots'
 * followers and upload links: what the conversation with members reads
 * and changes.  The handler runs these inside one transaction with the
 * answers it queues and the inbox row it marks, so an event is handled
 * whole or not at all.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

int
store_transaction_begin(struct store *st)
{
	return store_begin(st);
}

int
store_transaction_commit(struct store *st)
{
	return store_commit(st);
}

void
store_transaction_rollback(struct store *st)
{
	store_rollback(st);
}

static enum claim_proof
proof_parse(const unsigned char *s)
{
	if (s == NULL)
		return PROOF_NONE;
	if (strcmp((const char *)s, "archive") == 0)
		return PROOF_ARCHIVE;
	if (strcmp((const char *)s, "import") == 0)
		return PROOF_IMPORT;
	return PROOF_NONE;
}

int
store_member_get(struct store *st, enum network network, const char *account,
    struct member *m)
{
	sqlite3_stmt	*q;
	int		 rc;

	memset(m, 0, sizeof(*m));
	q = store_prepare(st, "SELECT m.id, m.account, m.lang,"
	    " coalesce(m.bot_account_id, 0), m.discoverable, m.intro_optin,"
	    " m.messages_stopped, c.handle, c.proof, m.handle"
	    " FROM member m LEFT JOIN x_claim c ON c.member_id = m.id"
	    " WHERE m.network = ?1 AND m.account = ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, config_network_name(network), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "member")) == 1) {
		m->id = sqlite3_column_int64(q, 0);
		m->network = network;
		m->account = store_column_dup(q, 1);
		m->lang = store_column_lang(q, 2);
		m->bot_account_id = sqlite3_column_int64(q, 3);
		m->discoverable = sqlite3_column_int(q, 4);
		m->intro_optin = sqlite3_column_int(q, 5);
		m->messages_stopped = sqlite3_column_int(q, 6);
		m->claim_handle = store_column_dup(q, 7);
		m->claim_proof = proof_parse(sqlite3_column_text(q, 8));
		m->handle = store_column_dup(q, 9);
	}
	sqlite3_finalize(q);
	return rc;
}

int
store_member_find(struct store *st, const char *who, struct member *m)
{
	sqlite3_stmt	*q;
	char		*account;
	int		 rc;

	if (*who == '@')
		who++;
	if (strchr(who, '@') != NULL)
		return store_member_get(st, NETWORK_MASTODON, who, m);
	/* a DID, or the Bluesky handle it had when last seen */
	q = store_prepare(st, "SELECT account FROM member WHERE"
	    " network = 'bluesky' AND (account = ?1 OR handle = ?1)"
	    " ORDER BY account = ?1 DESC LIMIT 1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, who, -1, SQLITE_STATIC);
	account = (rc = store_step(st, q, "member")) == 1 ?
	    store_column_dup(q, 0) : NULL;
	sqlite3_finalize(q);
	memset(m, 0, sizeof(*m));
	if (rc == 1) {
		rc = store_member_get(st, NETWORK_BLUESKY, account, m);
		free(account);
	}
	return rc;
}

void
member_clear(struct member *m)
{
	free(m->account);
	free(m->claim_handle);
	free(m->handle);
	memset(m, 0, sizeof(*m));
}

int
store_member_upsert(struct store *st, enum network network,
    const char *account, enum lang lang, int64_t bot_account_id, int64_t now,
    int64_t *id, int *created)
{
	struct member	m;
	sqlite3_stmt	*q;
	int		 rc;

	if ((rc = store_member_get(st, network, account, &m)) == -1)
		return -1;
	*created = rc == 0;
	if (rc == 1) {
		*id = m.id;
		member_clear(&m);
		q = store_prepare(st, "UPDATE member SET lang = ?2,"
		    " bot_account_id = ?3 WHERE id = ?1");
		if (q == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, *id);
	} else {
		q = store_prepare(st, "INSERT INTO member (network, account,"
		    " lang, bot_account_id, registered_at, discoverable_at)"
		    " VALUES (?4, ?5, ?2, ?3, ?6, ?6)");
		if (q == NULL)
			return -1;
		sqlite3_bind_text(q, 4, config_network_name(network), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(q, 5, account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, now);
	}
	sqlite3_bind_text(q, 2, config_lang_name(lang), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, bot_account_id);
	if (store_run(st, q, "member") == -1)
		return -1;
	if (*created)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_claim_set(struct store *st, int64_t member_id, const char *handle,
    int64_t now)
{
	sqlite3_stmt	*q;

	/* a new handle starts unproven; the same handle keeps its proof */
	q = store_prepare(st, "INSERT INTO x_claim (member_id, handle,"
	    " claimed_at) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (member_id) DO UPDATE SET"
	    " handle = excluded.handle, claimed_at = excluded.claimed_at,"
	    " x_id = CASE WHEN x_claim.handle = excluded.handle"
	    "   THEN x_claim.x_id ELSE NULL END,"
	    " proof = CASE WHEN x_claim.handle = excluded.handle"
	    "   THEN x_claim.proof ELSE 'none' END,"
	    " proven_at = CASE WHEN x_claim.handle = excluded.handle"
	    "   THEN x_claim.proven_at ELSE NULL END");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	return store_run(st, q, "claim");
}

int
store_claim_others(struct store *st, int64_t member_id, const char *handle,
    struct claimant *out, size_t max)
{
	sqlite3_stmt	*q;
	int		 n = 0, rc;

	q = store_prepare(st, "SELECT m.network, m.account,"
	    " coalesce(m.bot_account_id, 0), m.lang, c.proof, m.id,"
	    " m.messages_stopped"
	    " FROM x_claim c JOIN member m ON m.id = c.member_id"
	    " WHERE c.handle = ?2 AND c.member_id != ?1 ORDER BY c.id");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, handle, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((size_t)n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].network = store_column_network(q, 0);
			out[n].account = store_column_dup(q, 1);
			out[n].bot_account_id = sqlite3_column_int64(q, 2);
			out[n].lang = store_column_lang(q, 3);
			out[n].proof = proof_parse(sqlite3_column_text(q, 4));
			out[n].member_id = sqlite3_column_int64(q, 5);
			out[n].stopped = sqlite3_column_int(q, 6);
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("claims: %s", sqlite3_errmsg(st->db));
		n = -1;
	}
	sqlite3_finalize(q);
	return n;
}

void
claimant_clear(struct claimant *c)
{
	free(c->account);
	memset(c, 0, sizeof(*c));
}

int
store_member_set_flag(struct store *st, int64_t member_id,
    enum member_flag flag, int value, int64_t now)
{
	static const char *const sql[] = {
		[FLAG_INTRO] = "UPDATE member SET intro_optin = ?2,"
		    " intro_optin_at = ?3 WHERE id = ?1",
		[FLAG_MESSAGES_STOPPED] = "UPDATE member SET"
		    " messages_stopped = ?2, messages_stopped_at = ?3"
		    " WHERE id = ?1",
		[FLAG_DISCOVERABLE] = "UPDATE member SET discoverable = ?2,"
		    " discoverable_at = ?3 WHERE id = ?1",
	};
	sqlite3_stmt	*q;

	if ((q = store_prepare(st, sql[flag])) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_int(q, 2, value != 0);
	sqlite3_bind_int64(q, 3, now);
	return store_run(st, q, "member consent");
}

int
store_member_forget(struct store *st, int64_t member_id, enum network network,
    const char *account, const char *alias, int64_t bot_id, int64_t upto)
{
	sqlite3_stmt	*q;

	/*
	 * What was written to them: queued messages are cancelled, and
	 * every row loses its body and names them only by a hash, which
	 * keeps the rate limits counting (forget me must not reset them)
	 * until the rows are pruned (store_outbox_prune).  A message on its
	 * way cannot be called back: it is emptied the same way.
	 */
	q = store_prepare(st, "UPDATE outbox SET member_id = NULL, body = '{}',"
	    " recipient = quitx_hash(coalesce(recipient, ?2)),"
	    " state = CASE state WHEN 'queued' THEN 'cancelled' ELSE state END"
	    " WHERE member_id = ?1 OR recipient = ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	if (store_run(st, q, "forget") == -1)
		return -1;
	/* then the cascade: x_claim, x_upload -> x_edge, upload_token */
	if (member_id > 0) {
		q = store_prepare(st, "DELETE FROM member WHERE id = ?1");
		if (q == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, member_id);
		if (store_run(st, q, "forget") == -1)
			return -1;
	}
	q = store_prepare(st, "DELETE FROM bot_follower WHERE account = ?1"
	    " AND bot_account_id IN (SELECT id FROM bot_account"
	    " WHERE network = ?2)");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, config_network_name(network), -1,
	    SQLITE_STATIC);
	if (store_run(st, q, "forget") == -1)
		return -1;
	/*
	 * What they wrote, up to this event: the events stay (their ids keep
	 * a replay from being handled again) but their content goes.  The
	 * short spelling (a local "user") only means them on the bots of
	 * the same server as bot_id.
	 */
	q = store_prepare(st, "UPDATE inbox SET payload = '{}'"
	    " WHERE id <= ?5 AND json_valid(payload)"
	    " AND bot_account_id IN (SELECT id FROM bot_account"
	    "  WHERE network = ?3)"
	    " AND (json_extract(payload, '$.account.acct') = ?1 COLLATE NOCASE"
	    "  OR (json_extract(payload, '$.account.acct') = ?2 COLLATE NOCASE"
	    "   AND bot_account_id IN (SELECT id FROM bot_account WHERE server ="
	    "    (SELECT server FROM bot_account WHERE id = ?4))))");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, alias != NULL ? alias : account, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(q, 3, config_network_name(network), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, bot_id);
	sqlite3_bind_int64(q, 5, upto);
	return store_run(st, q, "forget");
}

int
store_outbox_prune(struct store *st, int64_t before)
{
	sqlite3_stmt	*q;

	/* rows that only remember a hash: a day of rate limiting is enough */
	q = store_prepare(st, "DELETE FROM outbox WHERE member_id IS NULL"
	    " AND recipient LIKE '#%' AND created_at < ?1"
	    " AND state IN ('sent', 'failed', 'cancelled')");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, before);
	if (store_run(st, q, "outbox prune") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int
store_outbox_cancel_private(struct store *st, int64_t member_id,
    const char *account)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "UPDATE outbox SET state = 'cancelled',"
	    " last_error = 'the member asked to stop messages', body = '{}',"
	    " recipient = quitx_hash(recipient)"
	    " WHERE (member_id = ?1 OR recipient = ?2) AND state = 'queued'"
	    " AND kind IN ('private', 'suggestions')");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	if (store_run(st, q, "stop messages") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int64_t
store_outbox_count_to(struct store *st, const char *recipient,
    const char *kind, int64_t since)
{
	sqlite3_stmt	*q;
	int64_t		 n = -1;

	/* before it is out the recipient is named, after only hashed */
	q = store_prepare(st, "SELECT count(*) FROM outbox WHERE"
	    " recipient IN (?1, quitx_hash(?1)) AND created_at >= ?2"
	    " AND (?3 IS NULL OR kind = ?3)");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, since);
	if (kind != NULL)
		sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 3);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int
store_outbox_is_sent_kind(struct store *st, int64_t bot_account_id,
    const char *remote_id, const char *kind)
{
	sqlite3_stmt	*q;
	int		 rc = -1;

	q = store_prepare(st, "SELECT count(*) FROM outbox WHERE"
	    " bot_account_id = ?1 AND remote_id = ?2 AND kind = ?3"
	    " AND state = 'sent'");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_text(q, 2, remote_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		rc = sqlite3_column_int64(q, 0) > 0;
	sqlite3_finalize(q);
	return rc;
}

int
store_bot_follower_add(struct store *st, int64_t bot_account_id,
    const char *account, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO bot_follower (bot_account_id,"
	    " account, followed_at) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT DO NOTHING");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	return store_run(st, q, "bot follower");
}

int
store_bot_follower_has(struct store *st, int64_t bot_account_id,
    const char *account)
{
	sqlite3_stmt	*q;
	int		 rc = -1;

	q = store_prepare(st, "SELECT count(*) FROM bot_follower"
	    " WHERE bot_account_id = ?1 AND account = ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		rc = sqlite3_column_int64(q, 0) > 0;
	sqlite3_finalize(q);
	return rc;
}

int
store_upload_token_add(struct store *st, int64_t member_id,
    const unsigned char *hash, size_t hashlen, int64_t now, int64_t expires_at)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO upload_token (member_id,"
	    " token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_blob(q, 2, hash, (int)hashlen, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, expires_at);
	return store_run(st, q, "upload link");
}


int
store_upload_token_find(struct store *st, const unsigned char *hash,
    size_t hashlen, int64_t now, int64_t *member_id, enum lang *lang,
    char **claim)
{
	sqlite3_stmt	*q;
	int		 rc;

	*claim = NULL;
	q = store_prepare(st, "SELECT t.member_id, m.lang, c.handle,"
	    " t.expires_at <= ?2 FROM upload_token t"
	    " JOIN member m ON m.id = t.member_id"
	    " LEFT JOIN x_claim c ON c.member_id = t.member_id"
	    " WHERE t.token_hash = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_blob(q, 1, hash, (int)hashlen, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if ((rc = store_step(st, q, "upload link")) == 1) {
		*member_id = sqlite3_column_int64(q, 0);
		*lang = store_column_lang(q, 1);
		if (sqlite3_column_int(q, 3))
			rc = 2;		/* expired: tell nothing of whose it was */
		else
			*claim = store_column_dup(q, 2);
	}
	sqlite3_finalize(q);
	return rc;
}
