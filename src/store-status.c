/*
 * store-status: what the campaign team watches (`quitx stats`, /status),
 * beyond the plain counts of store-stats.c.
 *
 * Every read here must stay cheap at the campaign's scale, since /status
 * runs on the daemon's event loop: the match's figures come from what the
 * match recorded (campaign_state 'match_stats') rather than from counting
 * a suggestion table that reaches a hundred million rows; registrations
 * are one pass over member (a million rows) grouped into spans; the
 * outbox pass is bounded by what was ever sent; the scheduled posts use
 * their due index.
 */
#define LOG_TAG "store"
#include "store-internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quitx/log.h"
#include "quitx/xmalloc.h"

/* Outbox rows by kind, then state, into s->kinds (sorted by kind). */
static int
read_kinds(struct store *st, struct store_status *s)
{
	sqlite3_stmt		*q;
	struct store_outbox_kind *k;
	const char		*kind, *state;
	int			 rc, i;

	if ((q = store_prepare(st, "SELECT kind, state, count(*) FROM outbox"
	    " GROUP BY kind, state ORDER BY kind")) == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(q, 0);
		state = (const char *)sqlite3_column_text(q, 1);
		if (kind == NULL || state == NULL ||
		    (i = store_outbox_state_index(state)) == -1)
			continue;
		if (s->nkinds == 0 ||
		    strcmp(s->kinds[s->nkinds - 1].kind, kind) != 0) {
			s->kinds = xreallocarray(s->kinds, s->nkinds + 1,
			    sizeof(*s->kinds));
			k = &s->kinds[s->nkinds++];
			memset(k, 0, sizeof(*k));
			k->kind = xstrdup(kind);
		}
		s->kinds[s->nkinds - 1].n[i] = sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("status: outbox: %s", store_errmsg(st));
		return -1;
	}
	return 0;
}

/*
 * Spans counted in a hash table keyed by their start: SQLite's GROUP BY
 * would sort a million rows first (measured: 0.7 s at a million members,
 * against 0.15 s for this one pass), with the event loop waiting.
 */
struct span_table {
	struct store_reg_bucket	*slot;
	unsigned char		*used;
	size_t			 cap, n;
};

static size_t
span_hash(int64_t start, size_t cap)
{
	uint64_t	h = (uint64_t)start * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (cap - 1);
}

static struct store_reg_bucket *
span_get(struct span_table *t, int64_t start)
{
	struct span_table	 old;
	size_t			 i, j;

	if (2 * (t->n + 1) > t->cap) {
		old = *t;
		t->cap = old.cap != 0 ? 2 * old.cap : 1024;
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		t->used = xcalloc(t->cap, 1);
		t->n = 0;
		for (j = 0; j < old.cap; j++) {
			if (!old.used[j])
				continue;
			for (i = span_hash(old.slot[j].start, t->cap);
			    t->used[i]; i = (i + 1) & (t->cap - 1))
				;
			t->slot[i] = old.slot[j];
			t->used[i] = 1;
			t->n++;
		}
		free(old.slot);
		free(old.used);
	}
	for (i = span_hash(start, t->cap); t->used[i];
	    i = (i + 1) & (t->cap - 1))
		if (t->slot[i].start == start)
			return &t->slot[i];
	t->used[i] = 1;
	t->n++;
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->slot[i].start = start;
	return &t->slot[i];
}

static int
bucket_cmp(const void *a, const void *b)
{
	const struct store_reg_bucket	*x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Registrations per span.  The caller turns spans into days of the
 * campaign's time zone, which SQLite cannot do: with spans of 15 minutes
 * (every zone's offset is a multiple of that) each span falls on one
 * local day, and at most 96 of them make a day.
 */
static int
read_registrations(struct store *st, int64_t span, struct store_status *s)
{
	sqlite3_stmt		*q;
	struct span_table	 t;
	struct store_reg_bucket	*last = NULL;
	const unsigned char	*net;
	int64_t			 at, start;
	size_t			 i;
	int			 rc;

	if ((q = store_prepare(st, "SELECT registered_at, network FROM member"))
	    == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		at = sqlite3_column_int64(q, 0);
		start = at - (at % span + span) % span;
		/* rows come mostly in the order members registered */
		if (last == NULL || last->start != start)
			last = span_get(&t, start);
		net = sqlite3_column_text(q, 1);
		last->n[net != NULL && net[0] == 'b' ? NETWORK_BLUESKY :
		    NETWORK_MASTODON]++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("status: registrations: %s", store_errmsg(st));
		free(t.slot);
		free(t.used);
		return -1;
	}
	s->regs = xcalloc(t.n + 1, sizeof(*s->regs));
	for (i = 0; i < t.cap; i++)
		if (t.used[i])
			s->regs[s->nregs++] = t.slot[i];
	qsort(s->regs, s->nregs, sizeof(*s->regs), bucket_cmp);
	free(t.slot);
	free(t.used);
	return 0;
}

/*
 * When the last match ran and what it wrote.  Its figures are the
 * suggestion table as it left it; members forgotten since only remove
 * rows nobody reads (readers skip them), so they stay right enough to
 * watch.  A figure the match did not record reads 0.
 */
static int
read_match(struct store *st, struct store_status *s)
{
	sqlite3_stmt	*q;
	json_t		*j;
	const char	*v;
	int		 rc;

	if ((q = store_prepare(st, "SELECT"
	    " (SELECT CAST(value AS INTEGER) FROM campaign_state"
	    "  WHERE key = 'match_at'),"
	    " (SELECT value FROM campaign_state WHERE key = 'match_stats')"))
	    == NULL)
		return -1;
	if ((rc = store_step(st, q, "status: match")) == 1) {
		s->match_at = sqlite3_column_int64(q, 0);
		v = (const char *)sqlite3_column_text(q, 1);
		if (v != NULL && (j = json_loads(v, 0, NULL)) != NULL) {
			s->suggestions = json_integer_value(json_object_get(j,
			    "suggestions"));
			s->members_suggested = json_integer_value(
			    json_object_get(j, "members_with"));
			json_decref(j);
		} else if (v != NULL)
			log_warnx("status: match_stats is not JSON");
	}
	sqlite3_finalize(q);
	return rc == -1 ? -1 : 0;
}

static int
read_scheduled(struct store *st, size_t max, struct store_status *s)
{
	sqlite3_stmt		*q;
	struct store_scheduled	*p;
	int			 rc;

	if (max == 0)
		return 0;
	if ((q = store_prepare(st, "SELECT p.id, p.kind, b.handle, b.network,"
	    " p.run_at, p.body FROM scheduled_post p"
	    " LEFT JOIN bot_account b ON b.id = p.bot_account_id"
	    " WHERE p.state = 'pending' ORDER BY p.run_at, p.id LIMIT ?1"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		s->next = xreallocarray(s->next, s->nnext + 1,
		    sizeof(*s->next));
		p = &s->next[s->nnext++];
		p->id = sqlite3_column_int64(q, 0);
		p->kind = store_column_dup(q, 1);
		p->bot_handle = store_column_dup(q, 2);
		p->network = store_column_network(q, 3);
		p->run_at = sqlite3_column_int64(q, 4);
		p->body = store_column_dup(q, 5);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_warnx("status: scheduled posts: %s", store_errmsg(st));
		return -1;
	}
	return 0;
}

int
store_status_get(struct store *st, int64_t span, size_t max_next,
    struct store_status *out)
{
	int	rc = 0;

	memset(out, 0, sizeof(*out));
	if (span <= 0)
		span = 1;
	/* one read transaction: the numbers describe one moment */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("status: %s", store_errmsg(st));
		return -1;
	}
	if (store_stats_read(st, &out->stats) == -1 ||
	    read_kinds(st, out) == -1 ||
	    read_registrations(st, span, out) == -1 ||
	    read_match(st, out) == -1 ||
	    read_scheduled(st, max_next, out) == -1)
		rc = -1;
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == -1)
		store_status_clear(out);
	return rc;
}

void
store_status_clear(struct store_status *s)
{
	size_t	i;

	for (i = 0; i < s->nkinds; i++)
		free(s->kinds[i].kind);
	free(s->kinds);
	for (i = 0; i < s->nnext; i++) {
		free(s->next[i].kind);
		free(s->next[i].bot_handle);
		free(s->next[i].body);
	}
	free(s->next);
	free(s->regs);
	memset(s, 0, sizeof(*s));
}
