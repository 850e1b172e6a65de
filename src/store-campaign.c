/*
 * store-campaign: what the campaign day reads and records: its own
 * facts, members due a message and what they were told, the Bluesky
 * follows cache, and the messages waiting for a follow.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

int
store_campaign_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt	*q;
	int		 rc;

	*value = NULL;
	if ((q = store_prepare(st, "SELECT value FROM campaign_state"
	    " WHERE key = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "campaign state")) == 1)
		*value = store_column_dup(q, 0);
	sqlite3_finalize(q);
	return rc;
}

int
store_campaign_get_int(struct store *st, const char *key, int64_t *v)
{
	char	*s, *end;
	int	 rc;

	*v = 0;
	if ((rc = store_campaign_get(st, key, &s)) != 1)
		return rc;
	*v = strtoll(s, &end, 10);
	rc = *end == '\0' && end != s ? 1 : 0;
	free(s);
	return rc;
}

int
store_campaign_set(struct store *st, const char *key, const char *value,
    int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO campaign_state (key, value,"
	    " updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE"
	    " SET value = excluded.value, updated_at = excluded.updated_at");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	return store_run(st, q, "campaign state");
}

int
store_campaign_due(struct store *st, int64_t after, int64_t *ids, size_t max)
{
	sqlite3_stmt	*q;
	size_t		 n = 0;
	int		 rc;

	/*
	 * One walk of member by id; each member's suggestions are a
	 * range of the suggestion key, what they were told a range of
	 * suggestion_sent's, whom they follow on Bluesky one of
	 * bsky_follows' (those are never told: not due either).
	 */
	q = store_prepare(st, "SELECT m.id FROM member m WHERE m.id > ?1"
	    " AND m.messages_stopped = 0 AND EXISTS (SELECT 1 FROM"
	    " suggestion s JOIN member f ON f.id = s.suggested_id"
	    " WHERE s.member_id = m.id AND f.discoverable = 1"
	    " AND NOT EXISTS (SELECT 1 FROM suggestion_sent t"
	    " WHERE t.member_id = m.id AND t.suggested_id = s.suggested_id)"
	    " AND NOT EXISTS (SELECT 1 FROM bsky_follows b WHERE"
	    " b.member_id = m.id AND b.other_did = f.account AND"
	    " b.follows = 1))"
	    " ORDER BY m.id LIMIT ?2");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("members due: %s", store_errmsg(st));
		return -1;
	}
	return (int)n;
}

int
store_member_by_id(struct store *st, int64_t id, struct member *m)
{
	sqlite3_stmt	*q;
	char		*account = NULL;
	enum network	 network = NETWORK_MASTODON;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if ((q = store_prepare(st, "SELECT network, account FROM member"
	    " WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if ((rc = store_step(st, q, "member")) == 1) {
		network = store_column_network(q, 0);
		account = store_column_dup(q, 1);
	}
	sqlite3_finalize(q);
	if (rc == 1)
		rc = store_member_get(st, network, account, m);
	free(account);
	return rc;
}

int
store_suggestions_told(struct store *st, int64_t member_id,
    const int64_t *suggested, size_t n, int64_t now)
{
	sqlite3_stmt	*q;
	size_t		 i;
	int		 rc = 0;

	if (n == 0)
		return 0;
	if ((q = store_prepare(st, "INSERT OR IGNORE INTO suggestion_sent"
	    " (member_id, suggested_id, sent_at) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_int64(q, 3, now);
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(q, 2, suggested[i]);
		if (sqlite3_step(q) != SQLITE_DONE) {
			log_warnx("suggestions told: %s", store_errmsg(st));
			rc = -1;
		}
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc;
}

int64_t
store_suggestions_told_count(struct store *st, int64_t member_id)
{
	sqlite3_stmt	*q;
	int64_t		 n = -1;

	if ((q = store_prepare(st, "SELECT count(*) FROM suggestion_sent"
	    " WHERE member_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	if (store_step(st, q, "suggestions told") == 1)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int
store_bot_accounts_active(struct store *st, struct bot_row **out, size_t *n)
{
	sqlite3_stmt	*q;
	struct bot_row	*b = NULL;
	size_t		 cnt = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((q = store_prepare(st, "SELECT id, network, lang, handle FROM"
	    " bot_account WHERE active = 1 ORDER BY id")) == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		b = xreallocarray(b, cnt + 1, sizeof(*b));
		b[cnt].id = sqlite3_column_int64(q, 0);
		b[cnt].network = store_column_network(q, 1);
		b[cnt].lang = store_column_lang(q, 2);
		b[cnt].handle = store_column_dup(q, 3);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("bot accounts: %s", store_errmsg(st));
		bot_rows_free(b, cnt);
		return -1;
	}
	*out = b;
	*n = cnt;
	return 0;
}

void
bot_rows_free(struct bot_row *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(b[i].handle);
	free(b);
}

int
store_intro_members(struct store *st, int64_t since,
    struct intro_member **out, size_t *n)
{
	sqlite3_stmt		*q;
	struct intro_member	*m = NULL;
	size_t			 cnt = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	if ((q = store_prepare(st, "SELECT id, network, lang,"
	    " coalesce(bot_account_id, 0), account, handle FROM member"
	    " WHERE intro_optin = 1 AND (?1 = -1 OR intro_optin_at >= ?1)"
	    " ORDER BY id")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, since);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			m = xreallocarray(m, cap, sizeof(*m));
		}
		m[cnt].id = sqlite3_column_int64(q, 0);
		m[cnt].network = store_column_network(q, 1);
		m[cnt].lang = store_column_lang(q, 2);
		m[cnt].bot_account_id = sqlite3_column_int64(q, 3);
		m[cnt].account = store_column_dup(q, 4);
		m[cnt].handle = store_column_dup(q, 5);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("members to introduce: %s", store_errmsg(st));
		intro_members_free(m, cnt);
		return -1;
	}
	*out = m;
	*n = cnt;
	return 0;
}

void
intro_members_free(struct intro_member *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(m[i].account);
		free(m[i].handle);
	}
	free(m);
}

int
store_bsky_follows_get(struct store *st, int64_t member_id, const char *did,
    int64_t fresh_after)
{
	sqlite3_stmt	*q;
	int		 rc;

	if ((q = store_prepare(st, "SELECT follows FROM bsky_follows"
	    " WHERE member_id = ?1 AND other_did = ?2 AND checked_at > ?3"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, did, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, fresh_after);
	if ((rc = store_step(st, q, "bluesky follows")) == 1)
		rc = sqlite3_column_int(q, 0) != 0;
	else if (rc == 0)
		rc = 2;
	sqlite3_finalize(q);
	return rc;
}

int
store_bsky_follows_set(struct store *st, int64_t member_id, const char *did,
    int follows, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO bsky_follows (member_id,"
	    " other_did, follows, checked_at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (member_id, other_did) DO UPDATE SET"
	    " follows = excluded.follows, checked_at = excluded.checked_at");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, did, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, follows != 0);
	sqlite3_bind_int64(q, 4, now);
	return store_run(st, q, "bluesky follows");
}

int
store_outbox_park(struct store *st, int64_t id, const char *error)
{
	sqlite3_stmt	*q;

	/* no not_before: only unpark sends it (outbox_parked's index) */
	q = store_prepare(st, "UPDATE outbox SET state = 'queued',"
	    " last_error = ?2, not_before = 9223372036854775807"
	    " WHERE id = ?1 AND state = 'sending'");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, error, -1, SQLITE_STATIC);
	return store_run(st, q, "outbox park");
}

int
store_outbox_unpark(struct store *st, int64_t bot_account_id,
    const char *recipient, int64_t now)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "UPDATE outbox SET not_before = ?3,"
	    " last_error = NULL WHERE bot_account_id = ?1 AND recipient = ?2"
	    " AND state = 'queued' AND last_error LIKE 'unreachable:%'");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, bot_account_id);
	sqlite3_bind_text(q, 2, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	if (store_run(st, q, "outbox unpark") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int
store_outbox_parked(struct store *st, struct parked *out, size_t max)
{
	sqlite3_stmt	*q;
	size_t		 n = 0;
	int		 rc;

	q = store_prepare(st, "SELECT bot_account_id, min(member_id) FROM"
	    " outbox WHERE state = 'queued' AND last_error LIKE"
	    " 'unreachable:%' AND member_id IS NOT NULL"
	    " GROUP BY bot_account_id, recipient LIMIT ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
		out[n].bot_account_id = sqlite3_column_int64(q, 0);
		out[n].member_id = sqlite3_column_int64(q, 1);
		n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("waiting messages: %s", store_errmsg(st));
		return -1;
	}
	return (int)n;
}

int
store_member_set_handle(struct store *st, int64_t member_id,
    const char *handle)
{
	sqlite3_stmt	*q;

	if ((q = store_prepare(st, "UPDATE member SET handle = ?2 WHERE"
	    " id = ?1 AND handle IS NOT ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, handle, -1, SQLITE_STATIC);
	return store_run(st, q, "member handle");
}

int
store_members_unidentified(struct store *st, int64_t after,
    struct unidentified *out, size_t max)
{
	sqlite3_stmt	*q;
	size_t		 n = 0;
	int		 rc;

	/* the WHERE of the member_unidentified index, word for word */
	if ((q = store_prepare(st, "SELECT id, account FROM member WHERE"
	    " network = 'bluesky' AND (handle IS NULL OR account NOT LIKE"
	    " 'did:%') AND id > ?1 ORDER BY id LIMIT ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
		out[n].id = sqlite3_column_int64(q, 0);
		out[n].account = store_column_dup(q, 1);
		n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("members to identify: %s", store_errmsg(st));
		while (n > 0)
			free(out[--n].account);
		return -1;
	}
	return (int)n;
}

int
store_member_set_did(struct store *st, int64_t member_id, const char *did,
    const char *handle)
{
	sqlite3_stmt	*q;
	int		 rc;

	/* the DID, unless a member registered by mention already has it */
	if ((q = store_prepare(st, "UPDATE member SET account = ?2,"
	    " handle = ?3 WHERE id = ?1 AND network = 'bluesky' AND NOT"
	    " EXISTS (SELECT 1 FROM member o WHERE o.network = 'bluesky'"
	    " AND o.account = ?2)")) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, did, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, handle, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
		log_warnx("member DID: %s", store_errmsg(st));
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return sqlite3_changes(st->db) > 0;
}
