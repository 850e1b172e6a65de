/*
 * store-follows: the follows-import links and what their file lists
 * (follows.h).  Tables follows_token and suggestion: schema v4.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>

#include "quitx/follows.h"
#include "quitx/xmalloc.h"

int
store_follows_token_add(struct store *st, int64_t member_id,
    const unsigned char *hash, size_t hashlen, int64_t now,
    int64_t expires_at)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO follows_token (token_hash,"
	    " member_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)");
	if (q == NULL)
		return -1;
	sqlite3_bind_blob(q, 1, hash, (int)hashlen, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, member_id);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, expires_at);
	return store_run(st, q, "follows link");
}

int
store_follows_token_find(struct store *st, const unsigned char *hash,
    size_t hashlen, int64_t now, int64_t *member_id)
{
	sqlite3_stmt	*q;
	int		 rc;

	/* a member forgotten takes their links along (ON DELETE CASCADE) */
	q = store_prepare(st, "SELECT member_id, expires_at <= ?2"
	    " FROM follows_token WHERE token_hash = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_blob(q, 1, hash, (int)hashlen, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if ((rc = store_step(st, q, "follows link")) == 1) {
		if (sqlite3_column_int(q, 1))
			rc = 2;
		else
			*member_id = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return rc;
}

int
store_follows_accounts(struct store *st, int64_t member_id, char ***accounts,
    size_t *n)
{
	sqlite3_stmt	*q;
	char		**v = NULL;
	size_t		 cap = 0;
	int		 rc;

	*accounts = NULL;
	*n = 0;
	q = store_prepare(st, "SELECT m.account FROM suggestion s"
	    " JOIN member m ON m.id = s.suggested_id"
	    " WHERE s.member_id = ?1 AND m.network = 'mastodon'"
	    " AND m.discoverable = 1 ORDER BY s.rank");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	while ((rc = store_step(st, q, "follows file")) == 1) {
		if (sqlite3_column_type(q, 0) == SQLITE_NULL)
			continue;
		if (*n == cap) {
			cap = cap * 2 + 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = store_column_dup(q, 0);
	}
	sqlite3_finalize(q);
	if (rc == -1) {
		while (*n > 0)
			free(v[--(*n)]);
		free(v);
		return -1;
	}
	*accounts = v;
	return 0;
}
