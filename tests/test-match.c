/*
 * test-match: the cross-reference on small stores built through the
 * store's API, with exact expectations: which follow counts (either
 * file, once), who is a person (proven claims only), who is suggested
 * (discoverable, read-time filters), the order and the caps; that the
 * spill path gives the very same rows as the in-memory one, down to a
 * budget of sixteen records; that a failed or crashed run leaves the
 * previous result; and `quitx match` as the team runs it.
 */
#include "testutil.h"

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "quitx/match.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"
/*
 * The store's own connection, for one white-box check: a page limit on
 * it makes a run fail midway through its writes, deterministically.
 */
#include "../src/store-internal.h"
/* and the engine's parts, tested on their own where the runs cannot reach */
#include "../src/match-internal.h"

struct mfx {
	char		*dir;
	char		*db;
	struct store	*st;
	int64_t		 now;
};

static int
setup(void **state)
{
	struct mfx	*f = xcalloc(1, sizeof(*f));
	char		 err[256];

	f->dir = tu_tmpdir();
	f->db = xasprintf("%s/quitx.db", f->dir);
	if (store_open(f->db, &f->st, err, sizeof(err)) != 0)
		fail_msg("store_open: %s", err);
	f->now = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct mfx	*f = *state;

	if (f->st != NULL)
		store_close(f->st);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static long long
db_int(struct mfx *f, const char *sql)
{
	return tu_db_int(f->db, sql);
}

static void
db_exec(struct mfx *f, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(f->st->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* A member; proven as x_id unless x_id is 0 (then unclaimed). */
static int64_t
member(struct mfx *f, enum network net, const char *account, int64_t x_id)
{
	char	handle[32];
	int64_t	id;

	assert_int_equal(store_member_import(f->st, net, account,
	    net == NETWORK_BLUESKY ? account : NULL, f->now, &id), 0);
	if (x_id != 0) {
		snprintf(handle, sizeof(handle), "x%" PRId64, x_id % 1000000);
		assert_int_equal(store_claim_prove(f->st, id, handle, x_id,
		    PROOF_IMPORT, f->now), 0);
	}
	return id;
}

/*
 * An upload of x_id's archive by member_id (0: none), left loading
 * unless complete; its id.
 */
static int64_t
upload_as(struct mfx *f, int64_t member_id, int64_t x_id,
    const int64_t *following, size_t nfollowing, const int64_t *followers,
    size_t nfollowers, int complete)
{
	struct store_edge_writer	*w;
	struct upload_outcome		 out;
	char				 handle[32];
	int64_t				 uid;

	assert_int_equal(store_upload_begin(f->st, member_id, UPLOAD_IMPORT,
	    f->now, &uid), 0);
	assert_non_null(w = store_edge_writer_new(f->st, uid));
	if (nfollowing > 0)
		assert_true(store_edge_writer_add(w, EDGE_FOLLOWING, following,
		    nfollowing) >= 0);
	if (nfollowers > 0)
		assert_true(store_edge_writer_add(w, EDGE_FOLLOWER, followers,
		    nfollowers) >= 0);
	store_edge_writer_free(w);
	if (complete) {
		snprintf(handle, sizeof(handle), "x%" PRId64, x_id % 1000000);
		assert_int_equal(store_upload_complete(f->st, uid, x_id, handle,
		    (int64_t)nfollowers, (int64_t)nfollowing, f->now, &out), 0);
		upload_outcome_clear(&out);
	}
	return uid;
}

static int64_t
upload(struct mfx *f, int64_t member_id, int64_t x_id,
    const int64_t *following, size_t nfollowing, const int64_t *followers,
    size_t nfollowers)
{
	return upload_as(f, member_id, x_id, following, nfollowing, followers,
	    nfollowers, 1);
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static struct match_stats
run_opts(struct mfx *f, const struct match_options *o)
{
	struct match_stats	s;
	char			err[512];

	f->now++;
	if (match_run(f->st, f->now, o, &s, err, sizeof(err)) != 0)
		fail_msg("match_run: %s", err);
	return s;
}

static struct match_stats
run(struct mfx *f)
{
	return run_opts(f, NULL);
}

/*
 * A member's suggestions as "account[*]/followers" joined by spaces
 * (* when mutual), handles for Bluesky, (s) when sent.
 */
static char *
got(struct mfx *f, int64_t member_id, int network)
{
	struct suggestion	*s;
	size_t			 n, i, len = 0;
	char			*out = xcalloc(1, 4096);

	assert_int_equal(store_suggestions_get(f->st, member_id, network, 0,
	    &s, &n), 0);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, 4096 - len, "%s%s%s/%" PRId64
		    "%s", i ? " " : "", s[i].handle != NULL ? s[i].handle :
		    s[i].account, s[i].mutual ? "*" : "", s[i].followers,
		    s[i].sent ? "(s)" : "");
	suggestions_free(s, n);
	return out;
}

/* needle in text, or fail showing the text */
static void
contains(const char *text, const char *needle)
{
	if (text == NULL || strstr(text, needle) == NULL)
		fail_msg("want \"%s\" in:\n%s", needle,
		    text != NULL ? text : "(nothing)");
}

static void
expect(struct mfx *f, int64_t member_id, const char *want)
{
	char	*s = got(f, member_id, -1);

	if (strcmp(s, want) != 0)
		fail_msg("member %" PRId64 ": want \"%s\", got \"%s\"",
		    member_id, want, s);
	free(s);
}

/* X ids: large, like X's, and none a small integer by accident */
#define XA	1000000000000000001LL
#define XB	1000000000000000002LL
#define XC	1000000000000000003LL
#define XD	1000000000000000004LL
#define XE	1000000000000000005LL
#define XF	1000000000000000006LL
#define XOUT	9000000000000000009LL	/* on X only */

/* A follows B: from A's following file alone, B never uploaded. */
static void
test_following(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	int64_t			 a, b, ids[] = { XB, XOUT };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	upload(f, a, XA, ids, N(ids), NULL, 0);
	s = run(f);
	expect(f, a, "b@m.example/1");
	expect(f, b, "");
	assert_int_equal(s.persons, 2);
	assert_int_equal(s.members, 2);
	assert_int_equal(s.uploads, 1);
	assert_int_equal(s.edges_read, 2);
	assert_int_equal(s.follows, 1);
	assert_int_equal(s.suggestions, 1);
	assert_int_equal(s.members_with, 1);
	assert_int_equal(s.partitions, 1);
}

/* A follows B: from B's follower file alone, A never uploaded. */
static void
test_follower_file(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, b, ids[] = { XOUT, XA };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	upload(f, b, XB, NULL, 0, ids, N(ids));
	run(f);
	expect(f, a, "b@m.example/1");
	expect(f, b, "");
}

/* Both files say A follows B: one follow, one follower. */
static void
test_dedupe(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	int64_t			 a, b, fa[] = { XB }, fb[] = { XA };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	upload(f, a, XA, fa, 1, NULL, 0);
	upload(f, b, XB, NULL, 0, fb, 1);
	s = run(f);
	expect(f, a, "b@m.example/1");
	expect(f, b, "");
	assert_int_equal(s.follows, 1);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 1);
}

/*
 * A follows B, C, D and E.  B follows A back (mutual: first whatever
 * the counts); C is followed by three (A, E, F), D and E by one each:
 * D before E by member id.  Self-follows are not follows.
 */
static void
test_order(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, b, c, d, e, xf;
	int64_t		 fa[] = { XE, XD, XC, XB, XA }, fb[] = { XA, XB };
	int64_t		 fe[] = { XC }, ff[] = { XC };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	c = member(f, NETWORK_MASTODON, "c@m.example", XC);
	d = member(f, NETWORK_MASTODON, "d@m.example", XD);
	e = member(f, NETWORK_MASTODON, "e@m.example", XE);
	xf = member(f, NETWORK_MASTODON, "f@m.example", XF);
	upload(f, a, XA, fa, N(fa), NULL, 0);
	upload(f, b, XB, fb, N(fb), NULL, 0);
	upload(f, e, XE, fe, N(fe), NULL, 0);
	upload(f, xf, XF, ff, N(ff), NULL, 0);
	run(f);
	expect(f, a, "b@m.example*/1 c@m.example/3 d@m.example/1"
	    " e@m.example/1");
	expect(f, b, "a@m.example*/1");
	expect(f, e, "c@m.example/3");
	expect(f, c, "");
	expect(f, d, "");
	/* the ranks as stored, 1..n */
	assert_int_equal(db_int(f, "SELECT sum(rank) FROM suggestion"
	    " WHERE member_id = 1"), 10);
	assert_int_equal(db_int(f, "SELECT max(rank) FROM suggestion"
	    " WHERE member_id = 1"), 4);
	assert_int_equal(db_int(f, "SELECT suggested_id FROM suggestion"
	    " WHERE member_id = 1 AND rank = 1"), b);
}

/*
 * Unproven claims: never a person, so neither suggested (even when
 * the X id is followed) nor given suggestions (even with an upload).
 */
static void
test_unproven(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	int64_t			 a, u, ids[] = { XB, XA };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	u = member(f, NETWORK_MASTODON, "u@m.example", 0);
	assert_int_equal(store_claim_set(f->st, u, "xb", f->now), 0);
	upload(f, a, XA, ids, 1, NULL, 0);
	/* an upload of u's (another X account's archive, unproven) */
	upload(f, 0, XB, ids + 1, 1, NULL, 0);
	s = run(f);
	expect(f, a, "");
	expect(f, u, "");
	assert_int_equal(s.persons, 1);
	assert_int_equal(s.members, 1);
	assert_int_equal(s.uploads, 1);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 0);
}

/*
 * Not discoverable: never suggested, but still a person who follows and
 * is followed (counts and mutuals), and still given suggestions.  A
 * change after the match shows at read time for those who opt out.
 */
static void
test_discoverable(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, b, c, fa[] = { XB, XC }, fb[] = { XA, XC };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	c = member(f, NETWORK_MASTODON, "c@m.example", XC);
	assert_int_equal(store_member_set_flag(f->st, b, FLAG_DISCOVERABLE, 0,
	    f->now), 0);
	upload(f, a, XA, fa, N(fa), NULL, 0);
	upload(f, b, XB, fb, N(fb), NULL, 0);
	run(f);
	expect(f, a, "c@m.example/2");
	expect(f, b, "a@m.example*/1 c@m.example/2");
	/* B opts in again: only a new match suggests them */
	assert_int_equal(store_member_set_flag(f->st, b, FLAG_DISCOVERABLE, 1,
	    f->now + 1), 0);
	expect(f, a, "c@m.example/2");
	/* C opts out: gone from every read at once */
	assert_int_equal(store_member_set_flag(f->st, c, FLAG_DISCOVERABLE, 0,
	    f->now + 1), 0);
	expect(f, a, "");
	expect(f, b, "a@m.example*/1");
	f->now++;
	run(f);
	expect(f, a, "b@m.example*/1");
}

/*
 * One X account on Mastodon and on Bluesky: one person, two members.
 * Both are suggested to who follows it, both are given its follows,
 * neither is suggested to the other; the network filter reads one.
 */
static void
test_two_networks(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	int64_t			 a, pm, pb, q, fa[] = { XB }, fp[] = { XC };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	pm = member(f, NETWORK_MASTODON, "p@m.example", XB);
	pb = member(f, NETWORK_BLUESKY, "p.bsky.example", XB);
	q = member(f, NETWORK_BLUESKY, "q.bsky.example", XC);
	upload(f, a, XA, fa, 1, NULL, 0);
	upload(f, pb, XB, fp, 1, NULL, 0);
	s = run(f);
	assert_int_equal(s.persons, 3);
	assert_int_equal(s.members, 4);
	expect(f, a, "p@m.example/1 p.bsky.example/1");
	expect(f, pm, "q.bsky.example/1");
	expect(f, pb, "q.bsky.example/1");
	expect(f, q, "");
	{
		char	*m = got(f, a, NETWORK_MASTODON);
		char	*b = got(f, a, NETWORK_BLUESKY);

		assert_string_equal(m, "p@m.example/1");
		assert_string_equal(b, "p.bsky.example/1");
		free(m);
		free(b);
	}
}

/*
 * Only complete uploads count: one still loading does not; one replaced
 * by the member's next upload does not; one without a member (the
 * team's import) does, by its X id.
 */
static void
test_complete_only(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, b, c, d, e, fb[] = { XB }, fc[] = { XC };
	int64_t		 fd[] = { XD }, fe[] = { XA };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	c = member(f, NETWORK_MASTODON, "c@m.example", XC);
	d = member(f, NETWORK_MASTODON, "d@m.example", XD);
	e = member(f, NETWORK_MASTODON, "e@m.example", XE);
	upload(f, a, XA, fb, 1, NULL, 0);		/* replaced below */
	upload(f, a, XA, fc, 1, NULL, 0);
	upload_as(f, a, XA, fd, 1, NULL, 0, 0);		/* still loading */
	upload(f, 0, XE, fe, 1, NULL, 0);		/* no member */
	assert_int_equal(db_int(f, "SELECT count(*) FROM x_upload WHERE"
	    " state = 'replaced'"), 1);
	run(f);
	expect(f, a, "c@m.example/1");
	expect(f, e, "a@m.example/1");
	expect(f, b, "");
	expect(f, d, "");
	(void)c;
}

/* At most max_per_member per network, ranks 1..n over both. */
static void
test_cap(void **state)
{
	struct mfx		*f = *state;
	struct match_options	 o = { 0 };
	char			 acct[32];
	int64_t			 a, ids[8];
	int			 i;

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	for (i = 0; i < 8; i++) {
		snprintf(acct, sizeof(acct), i < 5 ? "m%d@m.example" :
		    "b%d.bsky.example", i);
		ids[i] = XB + i;
		member(f, i < 5 ? NETWORK_MASTODON : NETWORK_BLUESKY, acct,
		    ids[i]);
	}
	upload(f, a, XA, ids, 8, NULL, 0);
	o.max_per_member = 2;
	run_opts(f, &o);
	expect(f, a, "m0@m.example/1 m1@m.example/1 b5.bsky.example/1"
	    " b6.bsky.example/1");
	assert_int_equal(db_int(f, "SELECT max(rank) FROM suggestion"), 4);
	run(f);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 8);
	/* max on the read */
	{
		struct suggestion	*s;
		size_t			 n;

		assert_int_equal(store_suggestions_get(f->st, a, -1, 3, &s,
		    &n), 0);
		assert_int_equal(n, 3);
		suggestions_free(s, n);
	}
}

/*
 * Forgetting a member after the match: the trigger (which names the
 * table the match swapped in) drops their own rows, and they vanish
 * from everyone's reads.  Then a new member is given the forgotten
 * member's id (SQLite reuses the largest): they inherit nothing.
 */
static void
test_forget(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, b, c, n, fa[] = { XB, XC }, fc[] = { XA, XB };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	c = member(f, NETWORK_MASTODON, "c@m.example", XC);
	upload(f, a, XA, fa, N(fa), NULL, 0);
	upload(f, c, XC, fc, N(fc), NULL, 0);
	run(f);
	run(f);		/* twice: the trigger survives every swap */
	expect(f, a, "c@m.example*/1 b@m.example/2");
	expect(f, b, "");
	expect(f, c, "a@m.example*/1 b@m.example/2");
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion WHERE"
	    " member_id = 3"), 2);
	assert_int_equal(store_member_forget(f->st, c, NETWORK_MASTODON,
	    "c@m.example", NULL, 0, 0), 0);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion WHERE"
	    " member_id = 3"), 0);
	expect(f, a, "b@m.example/2");
	/* the same id again, for someone new */
	f->now += 10;
	n = member(f, NETWORK_MASTODON, "n@m.example", XD);
	assert_int_equal(n, c);
	db_exec(f, "INSERT INTO suggestion VALUES (3, 1, 1, 0, 1)");
	expect(f, n, "");
	expect(f, a, "b@m.example/2");
	/* after the next match, the old trigger still holds */
	run(f);
	assert_int_equal(db_int(f, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name = 'member_suggestions' AND sql LIKE"
	    " '%DELETE FROM suggestion WHERE%'"), 1);
	assert_int_equal(db_int(f, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name LIKE 'suggestion_%' AND name != 'suggestion_sent'"), 0);
}

/* suggestion_sent marks what the member was already told. */
static void
test_sent(void **state)
{
	struct mfx	*f = *state;
	int64_t		 a, fa[] = { XB, XC };
	char		 sql[128];

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	member(f, NETWORK_MASTODON, "b@m.example", XB);
	member(f, NETWORK_MASTODON, "c@m.example", XC);
	upload(f, a, XA, fa, N(fa), NULL, 0);
	run(f);
	snprintf(sql, sizeof(sql), "INSERT INTO suggestion_sent VALUES"
	    " (%" PRId64 ", 3, 5)", a);
	db_exec(f, sql);
	expect(f, a, "b@m.example/1 c@m.example/1(s)");
}

/* match_at, and what makes a result stale. */
static void
test_at_stale(void **state)
{
	struct mfx	*f = *state;
	int64_t		 at = 0, a, b, fa[] = { XB };

	assert_int_equal(store_match_at(f->st, &at), 0);
	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	run(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	assert_int_equal(at, f->now);
	/* they registered the second before */
	assert_int_equal(store_match_stale(f->st, at), 0);
	assert_int_equal(store_match_stale(f->st, at - 1), 1);
	assert_int_equal(db_int(f, "SELECT json_extract(value, '$.persons')"
	    " FROM campaign_state WHERE key = 'match_stats'"), 2);
	assert_int_equal(db_int(f, "SELECT updated_at FROM campaign_state"
	    " WHERE key = 'match_stats'"), at);
	/* an upload completes */
	f->now += 5;
	upload(f, a, XA, fa, 1, NULL, 0);
	assert_int_equal(store_match_stale(f->st, at), 1);
	run(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	assert_int_equal(store_match_stale(f->st, at), 0);
	/* a member registers */
	f->now += 5;
	member(f, NETWORK_MASTODON, "c@m.example", 0);
	assert_int_equal(store_match_stale(f->st, at), 1);
	run(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	/* a member changes discoverable */
	assert_int_equal(store_member_set_flag(f->st, b, FLAG_DISCOVERABLE, 0,
	    at + 3), 0);
	assert_int_equal(store_match_stale(f->st, at), 1);
	f->now += 5;
	run(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	/* a claim is proven */
	assert_int_equal(store_claim_prove(f->st, 3, "xc", XC, PROOF_ARCHIVE,
	    at + 2), 0);
	assert_int_equal(store_match_stale(f->st, at), 1);
	/* forgetting: not detectable, not needed */
	f->now += 5;
	run(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	assert_int_equal(store_member_forget(f->st, b, NETWORK_MASTODON,
	    "b@m.example", NULL, 0, 0), 0);
	assert_int_equal(store_match_stale(f->st, at), 0);
	/* in the very second of the match: maybe after its snapshot */
	assert_int_equal(store_member_set_flag(f->st, a, FLAG_DISCOVERABLE, 0,
	    at), 0);
	assert_int_equal(store_match_stale(f->st, at), 1);
}

/*
 * --- the spill path against the in-memory one and a naive model ---
 */

struct rng {
	uint64_t	s;
};

static uint32_t
rnd(struct rng *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s % n);
}

#define RP	100		/* persons: > 4096 records, radix sorted */
#define RX	(RP + 12)	/* X ids: persons, unproven claims, X only */

struct model {
	int64_t	 xid[RX];
	int	 follows[RP][RP];
	int64_t	 mid[2 * RP];		/* members: id, person, network */
	int	 mperson[2 * RP];
	int	 mnet[2 * RP];
	int	 mdisc[2 * RP];
	int	 nm;
};

/* The naive result: every member, every person they follow. */
static char *
model_dump(const struct model *m, size_t max_per)
{
	struct { int mutual, followers; int64_t id; int net; } c[2 * RP], t;
	char	*out = xcalloc(1, 1 << 20);
	size_t	 len = 0, nc, i, j, cnt[2];
	int	 fol[RP], a, b, k, rank;

	for (b = 0; b < RP; b++)
		for (a = 0, fol[b] = 0; a < RP; a++)
			fol[b] += m->follows[a][b];
	for (k = 0; k < m->nm; k++) {
		a = m->mperson[k];
		nc = 0;
		for (j = 0; j < (size_t)m->nm; j++) {
			b = m->mperson[j];
			if (b == a || !m->follows[a][b] || !m->mdisc[j])
				continue;
			c[nc].mutual = m->follows[b][a];
			c[nc].followers = fol[b];
			c[nc].id = m->mid[j];
			c[nc++].net = m->mnet[j];
		}
		for (i = 1; i < nc; i++)
			for (j = i; j > 0; j--) {
				if (c[j - 1].mutual > c[j].mutual ||
				    (c[j - 1].mutual == c[j].mutual &&
				    (c[j - 1].followers > c[j].followers ||
				    (c[j - 1].followers == c[j].followers &&
				    c[j - 1].id < c[j].id))))
					break;
				t = c[j];
				c[j] = c[j - 1];
				c[j - 1] = t;
			}
		cnt[0] = cnt[1] = 0;
		rank = 0;
		for (i = 0; i < nc; i++) {
			if (cnt[c[i].net]++ >= max_per)
				continue;
			len += (size_t)snprintf(out + len, (1 << 20) - len,
			    "%" PRId64 " %d %" PRId64 " %d %d\n", m->mid[k],
			    ++rank, c[i].id, c[i].mutual, c[i].followers);
		}
	}
	return out;
}

static char *
table_dump(struct mfx *f)
{
	sqlite3_stmt	*q;
	char		*out = xcalloc(1, 1 << 20);
	size_t		 len = 0;

	assert_int_equal(sqlite3_prepare_v2(f->st->db, "SELECT member_id,"
	    " rank, suggested_id, mutual, followers FROM suggestion"
	    " ORDER BY member_id, rank", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		len += (size_t)snprintf(out + len, (1 << 20) - len, "%lld %lld"
		    " %lld %lld %lld\n", sqlite3_column_int64(q, 0),
		    sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
		    sqlite3_column_int64(q, 3), sqlite3_column_int64(q, 4));
	sqlite3_finalize(q);
	return out;
}

/*
 * A random population: persons with one or two members (some not
 * discoverable), unproven claimants and X-only accounts in the files,
 * self-follows, follows said by both files, uploads by two members of
 * one person, loading and replaced uploads, member-less ones.
 */
static void
model_build(struct mfx *f, struct model *m, uint64_t seed)
{
	struct rng	 r = { seed };
	int64_t		 following[RX], followers[RX], id;
	size_t		 nfo, nfe;
	char		 acct[64];
	int		 p, q, x, k, first[RP], second[RP];

	memset(m, 0, sizeof(*m));
	for (x = 0; x < RX; x++)
		m->xid[x] = 1234567890123456789LL + (int64_t)x * 7919 * 7919;
	for (p = 0; p < RP; p++) {
		second[p] = -1;
		for (k = 0; k < (rnd(&r, 4) == 0 ? 2 : 1); k++) {
			snprintf(acct, sizeof(acct), k == 0 ? "p%d@m.example" :
			    "p%d.bsky.example", p);
			id = member(f, k ? NETWORK_BLUESKY : NETWORK_MASTODON,
			    acct, m->xid[p]);
			m->mid[m->nm] = id;
			m->mperson[m->nm] = p;
			m->mnet[m->nm] = k;
			m->mdisc[m->nm] = rnd(&r, 7) != 0;
			if (!m->mdisc[m->nm])
				assert_int_equal(store_member_set_flag(f->st,
				    id, FLAG_DISCOVERABLE, 0, f->now), 0);
			if (k == 0)
				first[p] = m->nm;
			else
				second[p] = m->nm;
			m->nm++;
		}
	}
	/* unproven claimants of X ids RP..RP+3: not persons */
	for (x = RP; x < RP + 4; x++) {
		snprintf(acct, sizeof(acct), "u%d@m.example", x);
		id = member(f, NETWORK_MASTODON, acct, 0);
		snprintf(acct, sizeof(acct), "x%d", x);
		assert_int_equal(store_claim_set(f->st, id, acct, f->now), 0);
	}
	/* an upload of person 0's, replaced by the next */
	upload(f, m->mid[0], m->xid[0], &m->xid[1], 1, &m->xid[2], 1);
	for (p = 0; p < RP; p++) {
		if (p > 0 && rnd(&r, 5) == 0)
			continue;		/* never uploaded */
		nfo = nfe = 0;
		for (x = 0; x < RX; x++) {
			if (rnd(&r, 4) == 0) {
				following[nfo++] = m->xid[x];
				if (x < RP && x != p)
					m->follows[p][x] = 1;
			}
			if (rnd(&r, 5) == 0) {
				followers[nfe++] = m->xid[x];
				if (x < RP && x != p)
					m->follows[x][p] = 1;
			}
		}
		upload(f, m->mid[first[p]], m->xid[p], following, nfo,
		    followers, nfe);
		/* the other member uploads a part of the same archive */
		if (second[p] >= 0 && rnd(&r, 2) == 0)
			upload(f, m->mid[second[p]], m->xid[p], following,
			    nfo / 2, followers, nfe / 2);
		/* and rubbish that must not count */
		if (rnd(&r, 4) == 0) {
			q = (int)rnd(&r, RP);
			upload_as(f, m->mid[first[p]], m->xid[p], &m->xid[q],
			    1, &m->xid[q], 1, 0);
		}
	}
	/* a member-less import, for person 1 */
	upload(f, 0, m->xid[1], &m->xid[2], 1, NULL, 0);
	m->follows[1][2] = 1;
}

static void
test_model(void **state)
{
	/* in records: 16 is the floor; 100000 holds everything */
	static const size_t	 budgets[] = { 0, 16, 37, 150, 1000, 100000 };
	struct mfx		*f = *state;
	struct match_options	 o = { 0 };
	struct match_stats	 s;
	struct model		*m = xcalloc(1, sizeof(*m));
	char			*want, *have, *mem;
	size_t			 i;
	uint64_t		 seed;

	for (seed = 1; seed <= 3; seed++) {
		if (seed > 1) {
			teardown(state);
			setup(state);
			f = *state;
		}
		model_build(f, m, 0x9e3779b97f4a7c15ULL * seed);
		want = model_dump(m, 1000);
		mem = NULL;
		for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
			o.memory_bytes = budgets[i] * 20;
			s = run_opts(f, &o);
			have = table_dump(f);
			if (strcmp(want, have) != 0)
				fail_msg("seed %" PRIu64 ", budget %zu:\nwant\n%s"
				    "\nhave\n%s", seed, budgets[i], want, have);
			if (budgets[i] > 0 && budgets[i] <= 150)
				assert_true(s.partitions > 1);
			if (budgets[i] == 0 || budgets[i] == 100000)
				assert_int_equal(s.partitions, 1);
			if (i == 0) {
				mem = xasprintf("%" PRIu64 " %" PRIu64,
				    s.follows, s.suggestions);
			} else {
				char *t = xasprintf("%" PRIu64 " %" PRIu64,
				    s.follows, s.suggestions);

				assert_string_equal(mem, t);
				free(t);
			}
			free(have);
		}
		free(mem);
		free(want);
		/* and a cap */
		o.memory_bytes = 16 * 20;
		o.max_per_member = 3;
		run_opts(f, &o);
		want = model_dump(m, 3);
		have = table_dump(f);
		assert_string_equal(want, have);
		free(want);
		free(have);
		o.max_per_member = 0;
	}
	free(m);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sorts against qsort: sizes around their thresholds, key shapes. */
static void
test_sort(void **state)
{
	static const size_t	 sizes[] = { 0, 1, 2, 23, 24, 25, 100, 4095,
				    4096, 4097, 100000, 300000 };
	struct rng		 r = { 88172645463325252ULL };
	uint64_t		*a, *b, *c, *tmp, *res, mask;
	size_t			 i, k, n;
	int			 shape;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		for (shape = 0; shape < 4; shape++) {
			a = xcalloc(n + 1, sizeof(*a));
			b = xcalloc(n + 1, sizeof(*b));
			c = xcalloc(n + 1, sizeof(*c));
			tmp = xcalloc(n + 1, sizeof(*tmp));
			/* full 64 bits, record-like, few distinct, equal */
			mask = shape == 0 ? ~0ULL : shape == 1 ?
			    0x000fffff001fffffULL : shape == 2 ? 0x70000001ULL :
			    0;
			for (i = 0; i < n; i++) {
				r.s ^= r.s << 13;
				r.s ^= r.s >> 7;
				r.s ^= r.s << 17;
				a[i] = b[i] = c[i] = (r.s & mask) |
				    (shape == 3 ? 42 : 0);
			}
			qsort(b, n, sizeof(*b), cmp_u64);
			res = match_sort(a, tmp, n);
			assert_memory_equal(res, b, n * sizeof(*b));
			match_sort_small(c, n);
			assert_memory_equal(c, b, n * sizeof(*b));
			free(a);
			free(b);
			free(c);
			free(tmp);
		}
	}
}

/*
 * The writer on its own: transactions of two rows, and the swap drops
 * the rows of a receiver forgotten while the match ran (no run can be
 * stopped between its snapshot and its swap to forget someone).
 */
static void
test_writer(void **state)
{
	struct mfx		*f = *state;
	struct match_writer	*w;
	struct match_row	 row = { 0 };
	int64_t			 a, b, recv[3];
	int			 i;

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	b = member(f, NETWORK_MASTODON, "b@m.example", XB);
	recv[0] = a;
	recv[1] = b;
	recv[2] = b + 40;		/* never a member */
	assert_non_null(w = store_match_writer_new(f->st, 2));
	for (i = 0; i < 3 * 250; i++) {
		row.member_id = recv[i / 250];
		row.rank = i % 250 + 1;
		row.suggested_id = i / 250 == 0 ? b : a;
		row.followers = 1;
		assert_int_equal(store_match_writer_add(w, &row), 0);
	}
	/* committed along the way, not yet visible */
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion_next"),
	    3 * 250 - 3 * 250 % 100);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 0);
	assert_int_equal(store_member_forget(f->st, b, NETWORK_MASTODON,
	    "b@m.example", NULL, 0, 0), 0);
	assert_int_equal(store_match_writer_swap(w, 77, "{}", recv, 3), 0);
	store_match_writer_free(w);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 250);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion WHERE"
	    " member_id = 1"), 250);
	assert_int_equal(db_int(f, "SELECT value FROM campaign_state WHERE"
	    " key = 'match_at'"), 77);
	/* a writer freed before its swap leaves nothing behind */
	assert_non_null(w = store_match_writer_new(f->st, 2));
	for (i = 0; i < 5; i++) {
		row.rank = i + 1;
		assert_int_equal(store_match_writer_add(w, &row), 0);
	}
	store_match_writer_free(w);
	assert_int_equal(db_int(f, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name = 'suggestion_next'"), 0);
	assert_int_equal(db_int(f, "SELECT count(*) FROM suggestion"), 250);
}

/*
 * Another connection (the daemon's) in a read transaction during a
 * match, its swap and the drop of the old result: it keeps reading the
 * old result whole, then sees the new one whole.
 */
static void
test_reader(void **state)
{
	struct mfx	*f = *state;
	struct model	*m = xcalloc(1, sizeof(*m));
	sqlite3		*db;
	sqlite3_stmt	*q;
	long long	 before, during;

	model_build(f, m, 7);
	run(f);
	before = db_int(f, "SELECT count(*) FROM suggestion");
	assert_true(before > 0);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM"
	    " suggestion", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), before);
	sqlite3_reset(q);
	/* person 0 now follows everyone: more rows */
	upload(f, m->mid[0], m->xid[0], m->xid, RP, NULL, 0);
	run(f);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	during = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	assert_int_equal(during, before);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0),
	    db_int(f, "SELECT count(*) FROM suggestion"));
	assert_true(sqlite3_column_int64(q, 0) > before);
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(m);
}

/*
 * A run that fails midway (the store full, here a page limit on its
 * connection) keeps the previous result and its time; so does one that
 * crashed (what it leaves is there before the next, which clears it).
 */
static void
test_failure(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	struct model		*m = xcalloc(1, sizeof(*m));
	char			*before, *after, err[512], sql[64];
	int64_t			 at, at2;

	model_build(f, m, 42);
	run(f);
	before = table_dump(f);
	assert_int_equal(store_match_at(f->st, &at), 1);
	/* more follows, so that the next result differs */
	upload(f, m->mid[3], m->xid[3], m->xid, RP, NULL, 0);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    db_int(f, "PRAGMA page_count") + 1);
	db_exec(f, sql);
	f->now++;
	assert_int_equal(match_run(f->st, f->now, NULL, &s, err, sizeof(err)),
	    -1);
	contains(err, "full");
	db_exec(f, "PRAGMA max_page_count = 1073741823");
	after = table_dump(f);
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(store_match_at(f->st, &at2), 1);
	assert_int_equal(at2, at);
	/* what a crash leaves: a half-written staging table, an old one */
	db_exec(f, "DROP TABLE IF EXISTS suggestion_next;"
	    "CREATE TABLE suggestion_next (member_id INTEGER NOT NULL,"
	    " rank INTEGER NOT NULL, suggested_id INTEGER NOT NULL,"
	    " mutual INTEGER NOT NULL, followers INTEGER NOT NULL,"
	    " PRIMARY KEY (member_id, rank)) WITHOUT ROWID;"
	    "INSERT INTO suggestion_next VALUES (1, 1, 2, 0, 99);"
	    "CREATE TABLE suggestion_prev (x);");
	after = table_dump(f);
	assert_string_equal(before, after);
	free(after);
	run(f);
	after = table_dump(f);
	assert_string_not_equal(before, after);
	assert_null(strstr(after, " 99\n"));
	assert_int_equal(db_int(f, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name IN ('suggestion_next', 'suggestion_prev')"), 0);
	free(after);
	free(before);
	free(m);
}

/* One match at a time: a second one is refused while the first runs. */
static void
test_lock(void **state)
{
	struct mfx		*f = *state;
	struct match_stats	 s;
	char			*path, err[512];
	int			 fd;

	path = xasprintf("%s-match.lock", f->db);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(match_run(f->st, f->now, NULL, &s, err, sizeof(err)),
	    -1);
	contains(err, "another match is running");
	close(fd);
	run(f);
	free(path);
}

/* `quitx match`, its summary and JSON, and --member. */
static void
test_cli(void **state)
{
	struct mfx	*f = *state;
	json_t		*j;
	char		*conf, *out, *err;
	int64_t		 a, fa[] = { XB, XC }, fb[] = { XB };

	a = member(f, NETWORK_MASTODON, "a@m.example", XA);
	member(f, NETWORK_MASTODON, "b@m.example", XB);
	member(f, NETWORK_BLUESKY, "c.bsky.example", XC);
	upload(f, a, XA, fa, N(fa), fb, 1);
	store_close(f->st);
	f->st = NULL;
	tu_link_messages(f->dir);
	free(tu_write(f->dir, "token", 0600, "unused\n"));
	conf = tu_write(f->dir, "quitx.conf", 0644, "store = \"quitx.db\";\n"
	    "accounts = ( { network = \"mastodon\"; server ="
	    " \"https://m.example\"; handle = \"HelloQuitX\"; language = \"en\";"
	    " token_file = \"token\"; } );\n");
	/* before any match */
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "--member",
	    "a@m.example", NULL), 1);
	contains(err, "no match has run");
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, NULL), 0);
	contains(out, "persons");
	contains(out, "3 for 2 members");
	contains(out, "1 (in memory)");
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "--json",
	    NULL), 0);
	assert_non_null(j = json_loads(out, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(j, "suggestions")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(j, "follows")), 3);
	json_decref(j);
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "--member",
	    "@a@m.example", NULL), 0);
	contains(out, "a@m.example (mastodon): 2 suggestions,"
	    " from the match of");
	contains(out, "1  mastodon  @b@m.example");
	contains(out, "mutual  1 follower\n");
	contains(out, "2  bluesky   c.bsky.example");
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "--member",
	    "c.bsky.example", "--json", NULL), 0);
	assert_non_null(j = json_loads(out, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(j, "suggestions")), 0);
	json_decref(j);
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "--member",
	    "nobody@m.example", NULL), 2);
	contains(err, "no member nobody@m.example");
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "match", "-c", conf, "extra",
	    NULL), 2);
	free(out);
	free(err);
	free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_following, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_follower_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unproven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discoverable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_networks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_complete_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_stale, setup, teardown),
		cmocka_unit_test(test_sort),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
