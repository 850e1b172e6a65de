/*
 * store-upload: X archive uploads and their follow edges.
 *
 * Edges arrive by the million (a large account's follower file), so they
 * go in through one cached multi-row INSERT, a batch per transaction:
 * one statement step per EDGE_ROWS edges instead of one per edge, and
 * short transactions that let the daemon's other writers in between.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* rows per INSERT: well under SQLite's 32766 bound parameters */
#define EDGE_ROWS	256

struct store_edge_writer {
	struct store	*st;
	int64_t		 upload_id;
	sqlite3_stmt	*many;		/* EDGE_ROWS rows */
	sqlite3_stmt	*one;		/* the remainder */
};

static const char *const upload_sources[] = { "archive", "import" };

int
store_upload_begin(struct store *st, int64_t member_id,
    enum upload_source source, int64_t now, int64_t *upload_id)
{
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO x_upload (member_id, source,"
	    " created_at) VALUES (?1, ?2, ?3)");
	if (q == NULL)
		return -1;
	if (member_id > 0)
		sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, upload_sources[source], -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	if (store_run(st, q, "upload") == -1)
		return -1;
	*upload_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static sqlite3_stmt *
edge_insert(struct store *st, int rows)
{
	sqlite3_stmt	*q;
	char		*sql, *p;
	size_t		 size = 80 + (size_t)rows * 24;
	int		 i, n;

	sql = p = xmalloc(size);
	n = snprintf(p, size, "INSERT OR IGNORE INTO x_edge (upload_id,"
	    " direction, x_id) VALUES ");
	for (i = 0; i < rows; i++) {
		p += n;
		size -= (size_t)n;
		n = snprintf(p, size, "%s(?1, ?2, ?%d)", i ? ", " : "", i + 3);
	}
	q = store_prepare(st, sql);
	free(sql);
	return q;
}

struct store_edge_writer *
store_edge_writer_new(struct store *st, int64_t upload_id)
{
	struct store_edge_writer	*w = xcalloc(1, sizeof(*w));

	w->st = st;
	w->upload_id = upload_id;
	if ((w->many = edge_insert(st, EDGE_ROWS)) == NULL ||
	    (w->one = edge_insert(st, 1)) == NULL) {
		store_edge_writer_free(w);
		return NULL;
	}
	return w;
}

/* One step of q with its first rows ids: rows inserted, or -1. */
static int64_t
edge_step(struct store_edge_writer *w, sqlite3_stmt *q,
    enum edge_direction dir, const int64_t *ids, int rows)
{
	int	i, rc;

	sqlite3_bind_int64(q, 1, w->upload_id);
	sqlite3_bind_int(q, 2, (int)dir);
	for (i = 0; i < rows; i++)
		sqlite3_bind_int64(q, i + 3, ids[i]);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		log_warnx("edges: %s", sqlite3_errmsg(w->st->db));
		return -1;
	}
	return sqlite3_changes(w->st->db);
}

int64_t
store_edge_writer_add(struct store_edge_writer *w, enum edge_direction dir,
    const int64_t *ids, size_t n)
{
	int64_t	added = 0, k;
	size_t	i = 0;

	if (store_begin(w->st) == -1)
		return -1;
	for (; i + EDGE_ROWS <= n; i += EDGE_ROWS) {
		if ((k = edge_step(w, w->many, dir, ids + i, EDGE_ROWS)) == -1)
			goto fail;
		added += k;
	}
	for (; i < n; i++) {
		if ((k = edge_step(w, w->one, dir, ids + i, 1)) == -1)
			goto fail;
		added += k;
	}
	if (store_commit(w->st) == -1)
		goto fail;
	return added;
fail:
	store_rollback(w->st);
	return -1;
}

void
store_edge_writer_free(struct store_edge_writer *w)
{
	if (w == NULL)
		return;
	sqlite3_finalize(w->many);
	sqlite3_finalize(w->one);
	free(w);
}

/*
 * Settle the member's claim with what account.js proved.  *claimed gets
 * the claim's handle before (or NULL); returns the outcome, or -1.
 */
static int
settle_claim(struct store *st, int64_t member_id, const char *source,
    int64_t x_id, const char *x_handle, int64_t now, char **claimed)
{
	sqlite3_stmt	*q;
	int		 rc, same;

	*claimed = NULL;
	q = store_prepare(st, "SELECT handle, handle = ?2 FROM x_claim"
	    " WHERE member_id = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, x_handle, -1, SQLITE_STATIC);
	if ((rc = store_step(st, q, "claim")) == 1) {
		*claimed = store_column_dup(q, 0);
		same = sqlite3_column_int(q, 1);
	}
	sqlite3_finalize(q);
	if (rc == -1)
		return -1;
	/* the member said another handle: only they can fix that */
	if (rc == 1 && !same && strcmp(source, "archive") == 0)
		return UPLOAD_CLAIM_MISMATCH;
	if (store_claim_prove(st, member_id, x_handle, x_id,
	    strcmp(source, "import") == 0 ? PROOF_IMPORT : PROOF_ARCHIVE,
	    now) == -1)
		return -1;
	return UPLOAD_CLAIM_PROVEN;
}

int
store_claim_prove(struct store *st, int64_t member_id, const char *handle,
    int64_t x_id, enum claim_proof proof, int64_t now)
{
	static const char *const proofs[] = { "none", "archive", "import" };
	sqlite3_stmt	*q;

	q = store_prepare(st, "INSERT INTO x_claim (member_id, handle, x_id,"
	    " proof, claimed_at, proven_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	    " ON CONFLICT (member_id) DO UPDATE SET handle = excluded.handle,"
	    " x_id = excluded.x_id, proof = excluded.proof,"
	    " proven_at = excluded.proven_at");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, member_id);
	sqlite3_bind_text(q, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, x_id);
	sqlite3_bind_text(q, 4, proofs[proof], -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	return store_run(st, q, "claim");
}

int
store_member_import(struct store *st, enum network network,
    const char *account, const char *handle, int64_t now, int64_t *id)
{
	sqlite3_stmt	*q;
	int		 rc;

	/* an existing member keeps their language, bot and consents */
	q = store_prepare(st, "INSERT INTO member (network, account, handle,"
	    " registered_at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (network, account) DO UPDATE SET"
	    " handle = coalesce(excluded.handle, member.handle)"
	    " RETURNING id");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, config_network_name(network), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	if (handle != NULL)
		sqlite3_bind_text(q, 3, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	if ((rc = store_step(st, q, "member import")) == 1)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == 1 ? 0 : -1;
}

int
store_upload_complete(struct store *st, int64_t upload_id, int64_t x_id,
    const char *x_handle, int64_t followers, int64_t following, int64_t now,
    struct upload_outcome *out)
{
	sqlite3_stmt	*q;
	char		*source = NULL;
	int64_t		 member_id = 0;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (store_begin(st) == -1)
		return -1;
	q = store_prepare(st, "SELECT coalesce(member_id, 0), source"
	    " FROM x_upload WHERE id = ?1 AND state = 'loading'");
	if (q == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, upload_id);
	if ((rc = store_step(st, q, "upload")) == 1) {
		member_id = sqlite3_column_int64(q, 0);
		source = store_column_dup(q, 1);
	}
	sqlite3_finalize(q);
	if (rc != 1) {
		if (rc == 0)
			log_warnx("upload %lld: not loading any more",
			    (long long)upload_id);
		goto fail;
	}
	q = store_prepare(st, "UPDATE x_upload SET state = 'complete',"
	    " x_id = ?2, x_handle = ?3, followers = ?4, following = ?5,"
	    " completed_at = ?6 WHERE id = ?1");
	if (q == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, upload_id);
	sqlite3_bind_int64(q, 2, x_id);
	sqlite3_bind_text(q, 3, x_handle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, followers);
	sqlite3_bind_int64(q, 5, following);
	sqlite3_bind_int64(q, 6, now);
	if (store_run(st, q, "upload") == -1)
		goto fail;
	if (member_id > 0) {
		/*
		 * It replaces what the member sent for the same X account:
		 * the archive of another one (a mismatch) must not wipe the
		 * graph that proved their claim.
		 */
		q = store_prepare(st, "UPDATE x_upload SET state = 'replaced'"
		    " WHERE member_id = ?1 AND id != ?2 AND x_id = ?3"
		    " AND state = 'complete'");
		if (q == NULL)
			goto fail;
		sqlite3_bind_int64(q, 1, member_id);
		sqlite3_bind_int64(q, 2, upload_id);
		sqlite3_bind_int64(q, 3, x_id);
		if (store_run(st, q, "upload") == -1)
			goto fail;
		out->replaced = sqlite3_changes(st->db);
		if ((rc = settle_claim(st, member_id, source, x_id, x_handle,
		    now, &out->claimed)) == -1)
			goto fail;
		out->claim = (enum upload_claim)rc;
	}
	if (store_commit(st) == -1)
		goto fail;
	free(source);
	return 0;
fail:
	store_rollback(st);
	free(source);
	upload_outcome_clear(out);
	return -1;
}

void
upload_outcome_clear(struct upload_outcome *o)
{
	free(o->claimed);
	memset(o, 0, sizeof(*o));
}

int
store_upload_cleanup(struct store *st, int64_t discard, int64_t stale_before,
    size_t max_edges)
{
	sqlite3_stmt	*q;
	int64_t		 upload_id = 0;
	int		 rc;

	q = store_prepare(st, "SELECT id FROM x_upload WHERE state = 'replaced'"
	    " OR id = ?1 OR (state = 'loading' AND created_at < ?2)"
	    " ORDER BY id LIMIT 1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, discard);
	sqlite3_bind_int64(q, 2, stale_before);
	if ((rc = store_step(st, q, "upload cleanup")) == 1)
		upload_id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	/*
	 * The upload itself may be gone already (its member forgotten while
	 * it loaded): its edges have no row to hang off, find them directly.
	 */
	if (rc == 0 && discard > 0) {
		q = store_prepare(st, "SELECT 1 FROM x_edge WHERE upload_id = ?1"
		    " LIMIT 1");
		if (q == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, discard);
		if ((rc = store_step(st, q, "upload cleanup")) == 1)
			upload_id = discard;
		sqlite3_finalize(q);
	}
	if (rc != 1)
		return rc;
	if (store_begin(st) == -1)
		return -1;
	/* up to max_edges of its edges, in key order */
	q = store_prepare(st, "DELETE FROM x_edge WHERE upload_id = ?1 AND"
	    " (direction, x_id) IN (SELECT direction, x_id FROM x_edge"
	    "  WHERE upload_id = ?1 ORDER BY direction, x_id LIMIT ?2)");
	if (q == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, upload_id);
	sqlite3_bind_int64(q, 2, (int64_t)max_edges);
	if (store_run(st, q, "upload cleanup") == -1)
		goto fail;
	if ((size_t)sqlite3_changes(st->db) < max_edges) {
		q = store_prepare(st, "DELETE FROM x_upload WHERE id = ?1");
		if (q == NULL)
			goto fail;
		sqlite3_bind_int64(q, 1, upload_id);
		if (store_run(st, q, "upload cleanup") == -1)
			goto fail;
	}
	if (store_commit(st) == -1)
		goto fail;
	return 1;
fail:
	store_rollback(st);
	return -1;
}
