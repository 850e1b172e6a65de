/*
 * test-stats: what the team watches, from a store filled with known rows:
 * store_status_get's exact figures, registrations per day in the
 * campaign's time zone (a registration at 23:30 UTC is the next day in
 * Paris), the outbox by kind and what "delivered" counts, the next
 * scheduled posts and their excerpts, then the same through `quitx
 * stats` (table and JSON) and the /status page's HTML, where hostile
 * texts must come out escaped.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quitx/config.h"
#include "quitx/stats.h"
#include "quitx/status-page.h"
#include "quitx/status.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

/* 2025-01-14 12:00:00 UTC */
#define NOW	1736856000LL

struct tstore {
	char		*dir;
	char		*path;
	struct store	*st;
};

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

/*
 * Members: Mastodon 2025-01-10 10:00Z and 23:30Z (in Paris, the 11th,
 * 00:30), Bluesky 2025-01-11 12:00Z and 2025-01-13 08:00Z.
 */
static const char rows[] =
    "INSERT INTO bot_account (id, network, server, handle, lang) VALUES"
    " (1, 'mastodon', 'https://m.example', 'HelloQuitX', 'en'),"
    " (2, 'bluesky', 'https://b.example', 'helloquitx.b.example', 'en'),"
    " (3, 'mastodon', 'https://m.example', 'evil<script>x</script>&b', 'fr');"
    "INSERT INTO member (id, network, account, registered_at) VALUES"
    " (1, 'mastodon', 'a@m.example', 1736503200),"
    " (2, 'mastodon', 'b@m.example', 1736551800),"
    " (3, 'bluesky', 'did:plc:c', 1736596800),"
    " (4, 'bluesky', 'did:plc:d', 1736755200);"
    "INSERT INTO x_claim (member_id, handle, x_id, proof, claimed_at,"
    " proven_at) VALUES (1, 'a_x', 11, 'archive', 1, 1),"
    " (2, 'b_x', 12, 'import', 1, 1);"
    "INSERT INTO x_claim (member_id, handle, claimed_at) VALUES"
    " (3, 'c_x', 1);"
    "INSERT INTO x_upload (member_id, x_id, source, state, followers,"
    " following, created_at) VALUES (1, 11, 'archive', 'complete', 100, 23,"
    " 1), (2, 12, 'import', 'replaced', 5, 5, 1);"
    "INSERT INTO campaign_state (key, value, updated_at) VALUES"
    " ('match_at', '1736800000', 1),"
    " ('match_stats', '{\"suggestions\":42,\"members_with\":7,"
    "\"persons\":9}', 1);";

/* Outbox rows: n of kind in state, with unique keys. */
static void
outbox(const char *path, const char *kind, const char *state, int n)
{
	static int	 seq;
	char		*sql;
	int		 i;

	for (i = 0; i < n; i++) {
		sql = xasprintf("INSERT INTO outbox (bot_account_id, kind,"
		    " priority, idem_key, body, not_before, created_at, state)"
		    " VALUES (1, '%s', 1, 'k%d', '{}', 0, 0, '%s')", kind,
		    seq++, state);
		raw_exec(path, sql);
		free(sql);
	}
}

static void
scheduled(const char *path, int id, const char *bot, long long run_at,
    const char *state, const char *body)
{
	char	*sql;

	sql = xasprintf("INSERT INTO scheduled_post (id, kind, dedupe_key,"
	    " bot_account_id, run_at, body, state, created_at) VALUES"
	    " (%d, '%s', 'd%d', %s, %lld, '%s', '%s', 0)", id,
	    id % 2 ? "countdown" : "announce", id, bot, run_at, body, state);
	raw_exec(path, sql);
	free(sql);
}

static int
setup(void **state)
{
	struct tstore	*t = xcalloc(1, sizeof(*t));
	char		 err[256], *body;
	int		 i;

	t->dir = tu_tmpdir();
	t->path = xasprintf("%s/s.db", t->dir);
	assert_int_equal(store_open(t->path, &t->st, err, sizeof(err)), 0);
	store_close(t->st);
	raw_exec(t->path, rows);
	outbox(t->path, "reply", "sent", 3);
	outbox(t->path, "reply", "queued", 1);
	outbox(t->path, "suggestions", "sent", 2);
	outbox(t->path, "suggestions", "failed", 1);
	outbox(t->path, "suggestions", "cancelled", 2);
	outbox(t->path, "suggestions", "sending", 1);
	outbox(t->path, "intro", "queued", 1);
	/* twelve pending posts: ids 5 to 1, then 6 to 12 */
	scheduled(t->path, 1, "1", NOW + 12 * 3600, "pending",
	    "{\"parts\":[\"J-5 : <script>alert(1)</script> & co\","
	    "\"second part\"],\"lang\":\"fr\"}");
	scheduled(t->path, 2, "3", NOW + 11 * 3600, "pending",
	    "plain\n\ntext,   not JSON {");
	scheduled(t->path, 3, "NULL", NOW + 10 * 3600, "pending",
	    "\"a JSON string\"");
	scheduled(t->path, 4, "2", NOW + 9 * 3600, "pending",
	    "{\"text\":\"bluesky text\"}");
	body = xcalloc(1, 2 * 200 + 32);
	memcpy(body, "{\"parts\":[\"", 11);
	for (i = 0; i < 200; i++)
		memcpy(body + 11 + 2 * i, "\xc3\xa9", 2);	/* é */
	memcpy(body + 11 + 2 * 200, "\"]}", 3);
	scheduled(t->path, 5, "1", NOW + 8 * 3600, "pending", body);
	free(body);
	for (i = 6; i <= 12; i++)
		scheduled(t->path, i, "1", NOW + (20 + i) * 3600, "pending",
		    "{\"parts\":[\"later\"]}");
	scheduled(t->path, 13, "1", NOW - 3600, "queued", "{}");
	scheduled(t->path, 14, "1", NOW - 7200, "cancelled", "{}");
	assert_int_equal(store_open(t->path, &t->st, err, sizeof(err)), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tstore	*t = *state;

	store_close(t->st);
	tu_rmtree(t->dir);
	free(t->dir);
	free(t->path);
	free(t);
	return 0;
}

/* The store's figures, exactly. */
static void
test_store_status(void **state)
{
	struct tstore		*t = *state;
	struct store_status	 s;

	assert_int_equal(store_status_get(t->st, 900, 10, &s), 0);
	assert_int_equal(s.stats.members[NETWORK_MASTODON], 2);
	assert_int_equal(s.stats.members[NETWORK_BLUESKY], 2);
	assert_int_equal(s.stats.claims, 3);
	assert_int_equal(s.stats.claims_proven, 2);
	assert_int_equal(s.stats.uploads, 1);
	assert_int_equal(s.stats.edges, 123);
	assert_int_equal(s.stats.scheduled_pending, 12);
	/* by kind, sorted */
	assert_int_equal(s.nkinds, 3);
	assert_string_equal(s.kinds[0].kind, "intro");
	assert_int_equal(s.kinds[0].n[OUTBOX_QUEUED], 1);
	assert_string_equal(s.kinds[1].kind, "reply");
	assert_int_equal(s.kinds[1].n[OUTBOX_SENT], 3);
	assert_int_equal(s.kinds[1].n[OUTBOX_QUEUED], 1);
	assert_int_equal(s.kinds[1].n[OUTBOX_FAILED], 0);
	assert_string_equal(s.kinds[2].kind, "suggestions");
	assert_int_equal(s.kinds[2].n[OUTBOX_SENT], 2);
	assert_int_equal(s.kinds[2].n[OUTBOX_FAILED], 1);
	assert_int_equal(s.kinds[2].n[OUTBOX_CANCELLED], 2);
	assert_int_equal(s.kinds[2].n[OUTBOX_SENDING], 1);
	/* the match, as it recorded itself */
	assert_int_equal(s.match_at, 1736800000);
	assert_int_equal(s.suggestions, 42);
	assert_int_equal(s.members_suggested, 7);
	/* registrations: four quarter hours, in order */
	assert_int_equal(s.nregs, 4);
	assert_int_equal(s.regs[0].start, 1736503200);
	assert_int_equal(s.regs[0].n[NETWORK_MASTODON], 1);
	assert_int_equal(s.regs[1].start, 1736551800);
	assert_int_equal(s.regs[2].n[NETWORK_BLUESKY], 1);
	/* the ten soonest pending posts, soonest first */
	assert_int_equal(s.nnext, 10);
	assert_int_equal(s.next[0].id, 5);
	assert_string_equal(s.next[0].bot_handle, "HelloQuitX");
	assert_int_equal(s.next[0].run_at, NOW + 8 * 3600);
	assert_int_equal(s.next[2].id, 3);
	assert_null(s.next[2].bot_handle);
	assert_int_equal(s.next[4].id, 1);
	assert_int_equal(s.next[5].id, 6);
	assert_int_equal(s.next[9].id, 10);
	store_status_clear(&s);

	/* an empty outbox and schedule read as nothing, not an error */
	assert_int_equal(store_status_get(t->st, 900, 0, &s), 0);
	assert_int_equal(s.nnext, 0);
	store_status_clear(&s);
}

/*
 * Registrations in no order over 3,000 quarter hours (the table of
 * spans grows and rehashes), two members in each: every span once, in
 * order, with its count.
 */
static void
test_many_spans(void **state)
{
	struct tstore		*t = *state;
	struct store_status	 s;
	sqlite3			*db;
	sqlite3_stmt		*q;
	char			 err[256];
	size_t			 i;
	int			 k;

	store_close(t->st);
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM member; BEGIN", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO member (network,"
	    " account, registered_at) VALUES (?1, ?2, ?3)", -1, &q, NULL),
	    SQLITE_OK);
	for (k = 0; k < 6000; k++) {
		char	*acct = xasprintf("m%d@m.example", k);

		sqlite3_bind_text(q, 1, k % 2 ? "bluesky" : "mastodon", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(q, 2, acct, -1, SQLITE_TRANSIENT);
		/* 7919 is prime to 3000: a permutation of the spans */
		sqlite3_bind_int64(q, 3, 1700000000LL / 900 * 900 +
		    (sqlite3_int64)((k / 2) * 7919 % 3000) * 900 + k % 900);
		assert_int_equal(sqlite3_step(q), SQLITE_DONE);
		sqlite3_reset(q);
		free(acct);
	}
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(t->path, &t->st, err, sizeof(err)), 0);

	assert_int_equal(store_status_get(t->st, 900, 0, &s), 0);
	assert_int_equal(s.nregs, 3000);
	for (i = 0; i < s.nregs; i++) {
		assert_int_equal(s.regs[i].start,
		    1700000000LL / 900 * 900 + (int64_t)i * 900);
		assert_int_equal(s.regs[i].n[NETWORK_MASTODON], 1);
		assert_int_equal(s.regs[i].n[NETWORK_BLUESKY], 1);
	}
	store_status_clear(&s);
}

/* Days in the campaign's zone, with the empty days between. */
static void
test_days(void **state)
{
	struct tstore	*t = *state;
	struct status	 s;
	static const char *const dates[] = { "2025-01-10", "2025-01-11",
	    "2025-01-12", "2025-01-13", "2025-01-14" };
	static const int64_t	 paris[5][2] = { { 1, 0 }, { 1, 1 }, { 0, 0 },
	    { 0, 1 }, { 0, 0 } };
	static const int64_t	 utc[5][2] = { { 2, 0 }, { 0, 1 }, { 0, 0 },
	    { 0, 1 }, { 0, 0 } };
	size_t			 i;

	assert_int_equal(status_collect(t->st, "Europe/Paris", NOW, &s), 0);
	assert_int_equal(s.ndays, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(s.days[i].date, dates[i]);
		assert_int_equal(s.days[i].n[NETWORK_MASTODON], paris[i][0]);
		assert_int_equal(s.days[i].n[NETWORK_BLUESKY], paris[i][1]);
	}
	assert_string_equal(s.now_local, "2025-01-14 13:00 CET");
	assert_string_equal(s.match_at_local, "2025-01-13 21:26 CET");
	assert_string_equal(s.posts[0].run_at_local, "2025-01-14 21:00 CET");
	status_free(&s);

	assert_int_equal(status_collect(t->st, "UTC", NOW, &s), 0);
	assert_int_equal(s.ndays, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(s.days[i].n[NETWORK_MASTODON], utc[i][0]);
		assert_int_equal(s.days[i].n[NETWORK_BLUESKY], utc[i][1]);
	}
	assert_string_equal(s.now_local, "2025-01-14 12:00 UTC");
	status_free(&s);
	/* TZ is as it was: unset in this test */
	assert_null(getenv("TZ"));

	/* one member from long ago: the chart keeps the last 400 days */
	raw_exec(t->path, "INSERT INTO member (network, account,"
	    " registered_at) VALUES ('mastodon', 'old@m.example', 1600000000)");
	assert_int_equal(status_collect(t->st, "Europe/Paris", NOW, &s), 0);
	assert_int_equal(s.ndays, STATUS_DAYS_MAX);
	assert_string_equal(s.days[s.ndays - 1].date, "2025-01-14");
	assert_int_equal(s.earlier[NETWORK_MASTODON], 1);
	assert_int_equal(s.earlier[NETWORK_BLUESKY], 0);
	status_free(&s);
}

/* Delivered counts sent rows of every kind, out of all not cancelled. */
static void
test_delivered_and_posts(void **state)
{
	struct tstore	*t = *state;
	struct status	 s;
	char		 pct[16], want[256];
	int		 i;

	assert_int_equal(status_collect(t->st, "Europe/Paris", NOW, &s), 0);
	assert_int_equal(s.delivered, 5);
	assert_int_equal(s.deliverable, 9);
	status_percent(pct, sizeof(pct), s.delivered, s.deliverable);
	/* 55.55...: rounded down, so 100% only ever means all */
	assert_string_equal(pct, "55.5%");
	status_percent(pct, sizeof(pct), 1999, 2000);
	assert_string_equal(pct, "99.9%");
	status_percent(pct, sizeof(pct), 0, 0);
	assert_string_equal(pct, "-");

	assert_int_equal(s.nposts, 10);
	/* id 5: 200 é, cut at 80 characters */
	assert_int_equal(s.posts[0].id, 5);
	assert_string_equal(s.posts[0].bot, "@HelloQuitX");
	for (i = 0; i < 80; i++)
		memcpy(want + 2 * i, "\xc3\xa9", 2);
	memcpy(want + 160, "\xe2\x80\xa6", 4);	/* …, and the NUL */
	assert_string_equal(s.posts[0].text, want);
	assert_int_equal(s.posts[1].id, 4);
	assert_string_equal(s.posts[1].text, "bluesky text");
	assert_string_equal(s.posts[1].bot, "@helloquitx.b.example");
	assert_int_equal(s.posts[2].id, 3);
	assert_string_equal(s.posts[2].text, "a JSON string");
	assert_null(s.posts[2].bot);
	assert_int_equal(s.posts[3].id, 2);
	assert_string_equal(s.posts[3].text, "plain text, not JSON {");
	assert_string_equal(s.posts[3].bot, "@evil<script>x</script>&b");
	assert_int_equal(s.posts[4].id, 1);
	assert_string_equal(s.posts[4].text,
	    "J-5 : <script>alert(1)</script> & co");
	assert_int_equal(s.posts[5].id, 6);
	assert_string_equal(s.posts[5].text, "later");
	status_free(&s);
}

static void
test_excerpt(void **state)
{
	char	*e;

	(void)state;
	e = status_excerpt("{\"parts\":[\"  a\\n\\tb  \"]}", 80);
	assert_string_equal(e, "a b");
	free(e);
	e = status_excerpt("{\"parts\":[1, \"x\"]}", 80);
	assert_string_equal(e, "x");
	free(e);
	/* an object with no text: the body as it is */
	e = status_excerpt("{\"other\":true}", 80);
	assert_string_equal(e, "{\"other\":true}");
	free(e);
	e = status_excerpt("abcdef", 3);
	assert_string_equal(e, "abc\xe2\x80\xa6");
	free(e);
	e = status_excerpt("abc", 3);
	assert_string_equal(e, "abc");
	free(e);
	/* control bytes (a terminal's escapes) dropped, bad bytes U+FFFD */
	e = status_excerpt("\x1b[2Jhi\xff", 80);
	assert_string_equal(e, "[2Jhi\xef\xbf\xbd");
	free(e);
	e = status_excerpt("", 80);
	assert_string_equal(e, "");
	free(e);
}

/* `quitx stats`: the table and the JSON say the same numbers. */
static void
test_print_and_json(void **state)
{
	struct tstore	*t = *state;
	struct status	 s;
	char		*out = NULL, *js;
	size_t		 len = 0;
	FILE		*f;
	json_t		*j, *k;

	assert_int_equal(status_collect(t->st, "Europe/Paris", NOW, &s), 0);
	assert_non_null(f = open_memstream(&out, &len));
	stats_print(f, "/x/s.db", &s);
	fclose(f);
	if (strstr(out, "\n    suggestions             0          1"
	    "          2          1          2\n") == NULL ||
	    strstr(out, "\n    all                     2          1"
	    "          5          1          2\n") == NULL ||
	    strstr(out, "\n  delivered        5 of 9 (55.5%;") == NULL ||
	    strstr(out, "\n  matches          42 suggestions for 7 members, by"
	    " the match of 2025-01-13 21:26 CET\n") == NULL ||
	    strstr(out, "\n  next posts       (Europe/Paris)\n"
	    "    2025-01-14 21:00 CET  #5     countdown  @HelloQuitX"
	    "          \xc3\xa9\xc3\xa9") == NULL ||
	    strstr(out, "  #6     announce   @HelloQuitX          later\n")
	    == NULL ||
	    strstr(out, "  #3     countdown  -                    a JSON"
	    " string\n") == NULL ||
	    strstr(out, "  #1     countdown  @HelloQuitX          J-5 :"
	    " <script>alert(1)</script> & co\n") == NULL)
		fail_msg("unexpected table:\n%s", out);
	free(out);

	j = stats_json(&s);
	/* the keys scripts already read are all still there */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "members"), "mastodon")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "outbox"), "sent")), 5);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "scheduled_pending")), 12);
	k = json_object_get(json_object_get(j, "outbox_by_kind"),
	    "suggestions");
	assert_int_equal(json_integer_value(json_object_get(k, "cancelled")),
	    2);
	k = json_object_get(j, "delivered");
	assert_int_equal(json_integer_value(json_object_get(k, "sent")), 5);
	assert_int_equal(json_integer_value(json_object_get(k, "total")), 9);
	assert_true(json_real_value(json_object_get(k, "percent")) == 55.5);
	k = json_object_get(j, "matches");
	assert_int_equal(json_integer_value(json_object_get(k, "match_at")),
	    1736800000);
	assert_int_equal(json_integer_value(json_object_get(k,
	    "members_with")), 7);
	k = json_object_get(j, "next_scheduled");
	assert_int_equal(json_array_size(k), 10);
	assert_true(json_is_null(json_object_get(json_array_get(k, 2),
	    "bot")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(k,
	    4), "text")), "J-5 : <script>alert(1)</script> & co");
	k = json_object_get(json_object_get(j, "registrations"), "days");
	assert_int_equal(json_array_size(k), 5);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(k, 1), "date")), "2025-01-11");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(k, 1), "bluesky")), 1);
	js = json_dumps(j, JSON_COMPACT);
	assert_non_null(js);
	free(js);
	json_decref(j);
	status_free(&s);
}

/* Whether a tag in html has an event handler attribute (on...=). */
static int
has_handler(const char *html)
{
	const char	*p, *end;

	for (p = html; (p = strchr(p, '<')) != NULL; p = end) {
		if ((end = strchr(p, '>')) == NULL)
			return 0;
		for (; p < end; p++)
			if ((*p == ' ' || *p == '\t' || *p == '\n') &&
			    strncasecmp(p + 1, "on", 2) == 0)
				return 1;
	}
	return 0;
}

/* The page: its figures, and every text from the store escaped. */
static void
test_page_html(void **state)
{
	struct tstore	*t = *state;
	struct status	 s;
	char		*html, *p;
	size_t		 len;
	static const char *const want[] = {
		"<dd id=\"members-mastodon\">2</dd>",
		"<dd id=\"members-total\">4</dd>",
		"<dd id=\"claims-verified\">2</dd>",
		"<dd id=\"uploads\">1</dd>",
		"<dd id=\"edges\">123</dd>",
		"<dd id=\"suggestions\">42</dd>",
		"<dd id=\"members-suggested\">7</dd>",
		"<p id=\"delivered\">Delivered 5 of 9 (55.5%)</p>",
		"<tr data-kind=\"suggestions\"><th scope=\"row\">suggestions"
		    "</th><td class=\"n\" data-state=\"queued\">0</td>"
		    "<td class=\"n\" data-state=\"sending\">1</td>"
		    "<td class=\"n\" data-state=\"sent\">2</td>"
		    "<td class=\"n\" data-state=\"failed\">1</td>"
		    "<td class=\"n\" data-state=\"cancelled\">2</td>"
		    "<td class=\"n\" data-state=\"total\">6</td></tr>",
		"J-5 : &lt;script&gt;alert(1)&lt;/script&gt; &amp; co",
		"@evil&lt;script&gt;x&lt;/script&gt;&amp;b",
		"<time id=\"rendered\" datetime=\"2025-01-14T12:00:00Z\">"
		    "2025-01-14 13:00 CET</time>",
		"<title>2025-01-11: Mastodon 1, Bluesky 1</title>",
	};
	size_t		 i;
	int		 bars = 0;

	assert_int_equal(status_collect(t->st, "Europe/Paris", NOW, &s), 0);
	html = status_page_html(&s, &len);
	assert_int_equal(strlen(html), len);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(html, want[i]) == NULL)
			fail_msg("want %s in:\n%s", want[i], html);
	/* no script of any kind, even from the hostile texts */
	for (p = html; *p != '\0'; p++)
		assert_false(strncasecmp(p, "<script", 7) == 0);
	assert_null(strstr(html, "javascript:"));
	assert_false(has_handler(html));
	for (p = html; (p = strstr(p, "<g class=\"bar\">")) != NULL; p++)
		bars++;
	assert_int_equal(bars, 5);
	free(html);
	status_free(&s);
}

/* A fresh store: nothing yet, said in words, and no day at all. */
static void
test_empty_store(void **state)
{
	char		*dir = tu_tmpdir(), *path = xasprintf("%s/e.db", dir);
	char		 err[256], *html;
	struct store	*st;
	struct status	 s;

	(void)state;
	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	assert_int_equal(status_collect(st, "Europe/Paris", NOW, &s), 0);
	assert_int_equal(s.ndays, 0);
	assert_int_equal(s.deliverable, 0);
	html = status_page_html(&s, NULL);
	assert_non_null(strstr(html, "No registrations yet"));
	assert_non_null(strstr(html, "Nothing queued yet."));
	assert_non_null(strstr(html, "No scheduled post is pending."));
	assert_non_null(strstr(html, "No match has run yet."));
	assert_null(strstr(html, "<g class=\"bar\">"));
	free(html);
	status_free(&s);
	store_close(st);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_spans, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered_and_posts,
		    setup, teardown),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test_setup_teardown(test_print_and_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_page_html, setup,
		    teardown),
		cmocka_unit_test(test_empty_store),
	};

	unsetenv("TZ");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
