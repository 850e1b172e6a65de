/*
 * test-schedule: scheduled posts.  The countdown over 70 simulated days
 * with a fake clock (the planner and the runner take the time they
 * run at), across a DST change, with a day the daemon was down; the
 * composition and the limits; then, against the local Mastodon and
 * Bluesky peers with a compressed QUITX_CLOCK, the daemon's countdown
 * through a SIGKILL, and `quitx announce` / `quitx schedule`; posts
 * with pictures on both networks, through a SIGKILL after the upload.
 *
 * TEST_FILTER=name runs one test.
 */
#include "fixture.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/clock.h"
#include "quitx/config.h"
#include "quitx/countdown.h"
#include "quitx/schedule.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define ZONE	"America/New_York"

/* --- with a fake clock --- */

struct unit {
	char		*dir;
	char		*db;
	struct config	*conf;
	struct store	*st;
};

static void
unit_start(struct unit *u, const char *countdown)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*path, err[256];
	size_t			 i;

	memset(u, 0, sizeof(*u));
	u->dir = tu_tmpdir();
	tu_link_messages(u->dir);
	free(tu_write(u->dir, "m.token", 0600, "tok\n"));
	free(tu_write(u->dir, "b.password", 0600, "pw\n"));
	/* 70 days to 2026-12-20; New York leaves DST on 1 November */
	path = tu_write(u->dir, "quitx.conf", 0644,
	    "store = \"quitx.db\";\n"
	    "campaign = { day = \"2026-12-20\"; time = \"12:00\";"
	    " timezone = \"" ZONE "\"; };\n%s\n"
	    "accounts = (\n"
	    " { network = \"mastodon\"; server = \"https://m.example\";"
	    "   handle = \"HelloQuitX\"; language = \"en\";"
	    "   token_file = \"m.token\"; },\n"
	    " { network = \"bluesky\"; server = \"https://b.example\";"
	    "   handle = \"helloquittex.b.example\"; language = \"fr\";"
	    "   password_file = \"b.password\"; } );\n", countdown);
	if (config_load(path, &u->conf, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fail_msg("config");
	}
	free(path);
	u->db = xasprintf("%s/quitx.db", u->dir);
	assert_int_equal(store_open(u->db, &u->st, err, sizeof(err)), 0);
	assert_int_equal(store_bot_accounts_sync(u->st, u->conf), 0);
}

static void
unit_stop(struct unit *u)
{
	store_close(u->st);
	config_free(u->conf);
	tu_rmtree(u->dir);
	free(u->dir);
	free(u->db);
}

/* One text from the store. */
static char *
db_text(const char *db, const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*q;
	char		*v = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(h);
	return v;
}

#define COUNTDOWN_70 \
	"countdown = { days_before = 69; time = \"09:30\";" \
	" grace_minutes = 120;\n" \
	"  en = { text = \"{days} days to #QuitX, {date}\";" \
	" day_before = \"Tomorrow: #QuitX\"; day = \"Today: #QuitX\"; };\n" \
	"  fr = { text = \"J-{days} avant le #QuitX du {date}\"; }; };\n"

/* What a day's post must say, or NULL for none. */
static char *
expected(int fr, int days)
{
	if (fr)
		return days == 0 ? NULL : xasprintf("J-%d avant le #QuitX du "
		    "20 décembre", days);
	if (days == 0)
		return xstrdup("Today: #QuitX");
	if (days == 1)
		return xstrdup("Tomorrow: #QuitX");
	return xasprintf("%d days to #QuitX, December 20", days);
}

static void
test_countdown_70_days(void **state)
{
	struct unit	 u;
	struct tm	 tm;
	struct sched_row *rows;
	size_t		 n, i;
	int64_t		 t, end, down_from, down_to, before;
	int		 y, m, d, days, fr, plans_twice = 0, utc_hours[2] = {0};
	char		*sql, *v, *want, key[32];

	(void)state;
	unit_start(&u, COUNTDOWN_70);
	t = clock_mktime_in(ZONE, 2026, 10, 10, 0, 0, 0, NULL);
	end = clock_mktime_in(ZONE, 2026, 12, 21, 0, 0, 0, NULL);
	/* down from before the post of 15 November to past its grace */
	down_from = clock_mktime_in(ZONE, 2026, 11, 15, 9, 0, 0, NULL);
	down_to = clock_mktime_in(ZONE, 2026, 11, 15, 12, 0, 0, NULL);
	for (; t < end; t += 15 * 60) {
		if (t >= down_from && t < down_to)
			continue;
		assert_true(countdown_plan(u.st, u.conf, t, t) >= 0);
		assert_true(schedule_run_due(u.st, t, t, NULL, NULL) >= 0);
		/* a restart at the posting minute: planned and run again */
		if (t == clock_mktime_in(ZONE, 2026, 11, 20, 9, 30, 0, NULL)) {
			before = tu_db_int(u.db, "SELECT count(*) FROM "
			    "scheduled_post");
			assert_int_equal(countdown_plan(u.st, u.conf, t, t), 0);
			assert_int_equal(schedule_run_due(u.st, t, t, NULL,
			    NULL), 0);
			assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM "
			    "scheduled_post"), before);
			plans_twice = 1;
		}
	}
	assert_true(plans_twice);

	/* one row a day per bot: 70 in English, 69 in French (no "day") */
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE dedupe_key LIKE 'countdown:1:%'"), 70);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE dedupe_key LIKE 'countdown:2:%'"), 69);
	/* the day it was down: skipped, never posted late */
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'skipped'"), 2);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'skipped' AND dedupe_key LIKE '%:2026-11-15'"), 2);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'queued'"), 70 + 69 - 2);
	/* exactly one outbox post per queued row, none for the others */
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM outbox"),
	    70 + 69 - 2);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " s WHERE (SELECT count(*) FROM outbox o WHERE o.idem_key ="
	    " 'sched:' || s.id || ':1') != (s.state = 'queued')"), 0);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM outbox WHERE"
	    " idem_key NOT LIKE 'sched:%:1' OR priority != 15 OR"
	    " kind != 'countdown'"), 0);

	/* the right words and number each day, at 09:30 local, DST or not */
	assert_int_equal(store_schedule_list(u.st, &rows, &n), 0);
	assert_int_equal(n, 139);
	for (i = 0; i < n; i++) {
		fr = strncmp(rows[i].dedupe_key, "countdown:2:", 12) == 0;
		assert_int_equal(sscanf(rows[i].dedupe_key + 12, "%d-%d-%d",
		    &y, &m, &d), 3);
		days = (int)(clock_days_from_civil(2026, 12, 20) -
		    clock_days_from_civil(y, m, d));
		assert_true(days >= 0 && days <= 69);
		clock_localtime_in(ZONE, rows[i].run_at, &tm);
		assert_int_equal(tm.tm_hour, 9);
		assert_int_equal(tm.tm_min, 30);
		assert_int_equal(tm.tm_mday, d);
		utc_hours[tm.tm_isdst ? 0 : 1] = (int)((rows[i].run_at %
		    86400) / 3600);
		want = expected(fr, days);
		assert_non_null(want);
		sql = xasprintf("SELECT json_extract(body, '$.parts[0]') FROM"
		    " scheduled_post WHERE id = %lld", (long long)rows[i].id);
		v = db_text(u.db, sql);
		assert_string_equal(v, want);
		free(v);
		free(sql);
		if (strcmp(rows[i].state, "queued") == 0) {
			/* what the network gets says the same */
			snprintf(key, sizeof(key), "sched:%lld:1",
			    (long long)rows[i].id);
			sql = xasprintf("SELECT coalesce(json_extract(body,"
			    " '$.status'), json_extract(body,"
			    " '$.post.record.text')) FROM outbox WHERE"
			    " idem_key = '%s'", key);
			v = db_text(u.db, sql);
			assert_string_equal(v, want);
			free(v);
			free(sql);
		}
		free(want);
	}
	/* 13:30 UTC under EDT, 14:30 under EST: the change was inside */
	assert_int_equal(utc_hours[0], 13);
	assert_int_equal(utc_hours[1], 14);
	sched_rows_free(rows, n);
	unit_stop(&u);
}

/*
 * What the config no longer wants is withdrawn before it is posted; a
 * long grace still ends with the day; a post that waits in the outbox
 * past its deadline is cancelled, not sent late.
 */
static void
test_countdown_withdrawn(void **state)
{
	struct unit		 u;
	struct outbox_row	 row;
	int64_t			 t, end_of_day;

	(void)state;
	unit_start(&u, "countdown = { days_before = 69; time = \"23:00\";"
	    " grace_minutes = 1440;\n"
	    "  en = { text = \"{days} days to #QuitX\"; };\n"
	    "  fr = { text = \"J-{days}\"; }; };\n");
	t = clock_mktime_in(ZONE, 2026, 11, 10, 8, 0, 0, NULL);
	assert_true(countdown_plan(u.st, u.conf, t, t) > 0);
	/* 10 November, both bots (the 9th's ended; the 11th is too far) */
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'pending'"), 2);
	/* a 24 h grace after 23:00 still ends at midnight, local */
	end_of_day = clock_mktime_in(ZONE, 2026, 11, 11, 0, 0, 0, NULL) - 1;
	assert_int_equal(tu_db_int(u.db, "SELECT json_extract(body,"
	    " '$.not_after') FROM scheduled_post WHERE dedupe_key ="
	    " 'countdown:1:2026-11-10'"), end_of_day);

	/* the French template taken out: its planned posts go */
	free(u.conf->countdown.lang[LANG_FR].text);
	u.conf->countdown.lang[LANG_FR].text = NULL;
	assert_int_equal(countdown_plan(u.st, u.conf, t, t), 0);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE dedupe_key LIKE 'countdown:2:%'"), 0);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE dedupe_key LIKE 'countdown:1:%'"), 1);

	/* due: into the outbox with its deadline; past it, cancelled */
	t = clock_mktime_in(ZONE, 2026, 11, 10, 23, 0, 0, NULL);
	assert_int_equal(schedule_run_due(u.st, t, t, NULL, NULL), 1);
	assert_int_equal(tu_db_int(u.db, "SELECT expires_at FROM outbox"),
	    end_of_day + 1);
	assert_int_equal(store_outbox_expire(u.st, 1, end_of_day), 0);
	/* past it, the pacer is never given it, recorded or not */
	assert_int_equal(store_outbox_next(u.st, 1, end_of_day, &row), 1);
	outbox_row_clear(&row);
	assert_int_equal(store_outbox_next(u.st, 1, end_of_day + 2, &row), 0);
	assert_int_equal(store_outbox_expire(u.st, 1, end_of_day + 2), 1);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM outbox WHERE"
	    " state = 'cancelled' AND last_error LIKE 'past its deadline%'"),
	    1);

	/* the countdown turned off: nothing planned is left */
	u.conf->countdown.enabled = 0;
	assert_int_equal(countdown_plan(u.st, u.conf, t, t), 0);
	assert_int_equal(tu_db_int(u.db, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'pending'"), 0);
	unit_stop(&u);
}

static void
test_compose_limits(void **state)
{
	struct schedule_body	 b;
	struct schedule_msg	*m;
	size_t			 n, nparts;
	char			 why[256], **parts, *big;
	const char		*text = "Ça arrive 🎉 #QuitX le 20 janvier:"
				    " https://helloquitx.com/fr";
	json_t			*f;

	(void)state;
	/* a thread on blank lines, the breaks around parts dropped */
	nparts = schedule_split_thread("\nOne\nstill one\n\n  \nTwo\r\n\n"
	    "\nThree\n", &parts);
	assert_int_equal(nparts, 3);
	assert_string_equal(parts[0], "One\nstill one");
	assert_string_equal(parts[1], "Two");
	assert_string_equal(parts[2], "Three");

	/* part 2 of 312 graphemes: refused with its number and count */
	big = xcalloc(1, 400);
	memset(big, 'x', 312);
	free(parts[1]);
	parts[1] = big;
	memset(&b, 0, sizeof(b));
	b.parts = parts;
	b.nparts = nparts;
	assert_int_equal(schedule_compose(&b, NETWORK_BLUESKY, 0, NULL, NULL,
	    0, &m, &n, why, sizeof(why)), -1);
	assert_string_equal(why, "part 2 is 312 graphemes; Bluesky allows "
	    "300");
	/* Mastodon: 500 by default, the instance's when known */
	assert_int_equal(schedule_compose(&b, NETWORK_MASTODON, 0, NULL, NULL,
	    0, &m, &n, why, sizeof(why)), 0);
	schedule_msgs_free(m, n);
	assert_int_equal(schedule_compose(&b, NETWORK_MASTODON, 300, NULL,
	    NULL, 0, &m, &n, why, sizeof(why)), -1);
	assert_string_equal(why, "part 2 is 312 characters; Mastodon allows "
	    "300");
	while (nparts > 0)
		free(parts[--nparts]);
	free(parts);

	/* facets at UTF-8 byte offsets; a URL counts 23 on Mastodon */
	parts = xcalloc(1, sizeof(*parts));
	parts[0] = xstrdup(text);
	b.parts = parts;
	b.nparts = 1;
	assert_int_equal(schedule_compose(&b, NETWORK_BLUESKY, 0, NULL, NULL,
	    0, &m, &n, why, sizeof(why)), 0);
	assert_int_equal(json_array_size(m[0].facets), 2);
	f = json_array_get(m[0].facets, 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteStart")), strstr(text, "#QuitX") - text);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(f, "features"), 0), "tag")), "QuitX");
	f = json_array_get(m[0].facets, 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteStart")), strstr(text, "https://") - text);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteEnd")), strlen(text));
	schedule_msgs_free(m, n);
	assert_int_equal(schedule_compose(&b, NETWORK_MASTODON, 0, NULL, NULL,
	    0, &m, &n, why, sizeof(why)), 0);
	assert_int_equal(m[0].length, 34 + 23);
	schedule_msgs_free(m, n);
	free(parts[0]);
	free(parts);
}

static void
test_clock(void **state)
{
	int64_t		 t, s, a;
	double		 sp;
	const char	*why;

	(void)state;
	assert_int_equal(clock_parse_time("2027-01-20T12:00+01:00", NULL, &t,
	    &why), 0);
	assert_int_equal(t, 1800442800);
	assert_int_equal(clock_parse_time("2027-01-20 11:00Z", NULL, &t,
	    &why), 0);
	assert_int_equal(t, 1800442800);
	assert_int_equal(clock_parse_time("2027-01-20 12:00", "Europe/Paris",
	    &t, &why), 0);
	assert_int_equal(t, 1800442800);
	assert_int_equal(clock_parse_time("2027-01-20 12:00", NULL, &t, &why),
	    -1);
	/* a time the zone skips, and the repeated hour's first reading */
	assert_int_equal(clock_parse_time("2026-03-08T02:30", ZONE, &t, &why),
	    -1);
	assert_non_null(strstr(why, "does not exist"));
	assert_int_equal(clock_parse_time("2026-11-01T01:30", ZONE, &t, &why),
	    0);
	assert_int_equal(t, 1793511000);	/* 05:30Z: EDT */
	assert_int_equal(clock_parse_time("2026-02-30T10:00Z", NULL, &t,
	    &why), -1);
	assert_int_equal(clock_parse("2027-01-01T00:00Z,43200,1764000000", &s,
	    &sp, &a), 0);
	assert_int_equal(s, 1798761600);
	assert_int_equal(a, 1764000000);
	assert_true(sp == 43200);
	assert_int_equal(clock_parse("2027-01-01T00:00Z,0", &s, &sp, &a), -1);
	assert_int_equal(clock_parse("2027-01-01T00:00Z,nan", &s, &sp, &a),
	    -1);
	assert_int_equal(clock_parse("soon", &s, &sp, &a), -1);
	assert_int_equal(clock_parse("1,2,3,4", &s, &sp, &a), -1);
}

/* --- the daemon against the local peers, on a compressed clock --- */

/* 1 simulated day every 3 real seconds */
#define SPEED		28800
#define CAMPAIGN_PARIS	"campaign = { day = \"2027-01-20\"; time = \"12:00\";" \
			" timezone = \"Europe/Paris\"; };\n"

/* QUITX_CLOCK from at (simulated), anchored now: restarts share it. */
static void
clock_set(const char *at)
{
	char	v[128];

	snprintf(v, sizeof(v), "%s,%d,%lld", at, SPEED, (long long)time(NULL));
	setenv("QUITX_CLOCK", v, 1);
}

/* Wait up to secs for n outbox rows of kind sent. */
static void
wait_sent(struct fixture *fx, const char *kind, int n, int secs)
{
	char	*sql = xasprintf("SELECT count(*) FROM outbox WHERE kind = '%s'"
		    " AND state = 'sent'", kind);

	fx_wait_db(fx, sql, n, secs);
	free(sql);
}

#define CD_MASTODON \
	"countdown = { days_before = 5; time = \"09:00\";" \
	" grace_minutes = 1440;\n" \
	"  en = { text = \"{days} days to #QuitX ({date})\";" \
	" day_before = \"Tomorrow! #QuitX\"; day = \"Today! #QuitX\"; };\n" \
	"  fr = { text = \"J-{days} avant le #20janvier\";" \
	" day_before = \"Demain !\"; day = \"C'est le {date} !\"; }; };\n"

static void
test_daemon_countdown_mastodon(void **state)
{
	static const char *const want_en[] = { "5 days to #QuitX (January 20)",
	    "4 days to #QuitX (January 20)", "3 days to #QuitX (January 20)",
	    "2 days to #QuitX (January 20)", "Tomorrow! #QuitX",
	    "Today! #QuitX" };
	static const char *const want_fr[] = { "J-5 avant le #20janvier",
	    "J-4 avant le #20janvier", "J-3 avant le #20janvier",
	    "J-2 avant le #20janvier", "Demain !", "C'est le 20 janvier !" };
	struct fixture	*fx;
	json_t		*all, *one;
	const char	*acct, *text;
	size_t		 i, en = 0, fr = 0;
	int		 st;

	(void)state;
	/* the first post (15 January, 09:00) is 21 simulated hours away */
	clock_set("2027-01-14T12:00+01:00");
	fx = fx_start_mastodon(CAMPAIGN_PARIS CD_MASTODON);
	fx_wait_log(fx, "QUITX_CLOCK is set", 5);
	/* killed as the third day's posts are handed to the outbox */
	fx_wait_db(fx, "SELECT count(*) >= 1 FROM scheduled_post WHERE"
	    " dedupe_key LIKE '%:2027-01-17' AND state = 'queued'", 1, 30);
	kill(fx->pid, SIGKILL);
	waitpid(fx->pid, &st, 0);
	fx_daemon_start(fx);
	wait_sent(fx, "countdown", 12, 60);
	sleep(2);	/* a double would show now */
	all = fx_statuses(fx, 12);
	assert_int_equal(json_array_size(all), 12);
	json_array_foreach(all, i, one) {
		acct = json_string_value(json_object_get(one, "account"));
		text = json_string_value(json_object_get(one, "text"));
		assert_string_equal(json_string_value(json_object_get(one,
		    "visibility")), "public");
		if (strncmp(acct, FX_EN, strlen(FX_EN)) == 0 &&
		    (acct[strlen(FX_EN)] == '\0' ||
		    acct[strlen(FX_EN)] == '@')) {
			assert_true(en < 6);
			assert_string_equal(text, want_en[en]);
			en++;
		} else {
			assert_true(fr < 6);
			assert_string_equal(text, want_fr[fr]);
			fr++;
		}
	}
	assert_int_equal(en, 6);
	assert_int_equal(fr, 6);
	/* one scheduled row and one outbox row a day and bot */
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM scheduled_post"
	    " WHERE state = 'queued'"), 12);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 12);
	json_decref(all);
	unsetenv("QUITX_CLOCK");
	fx_destroy(fx);
}

#define CD_BLUESKY \
	"countdown = { days_before = 3; time = \"09:00\";" \
	" grace_minutes = 1440; networks = [\"bluesky\"];\n" \
	"  en = { text = \"Ça arrive 🎉 {days} days to #QuitX:" \
	" https://helloquitx.com\"; };\n" \
	"  fr = { text = \"J-{days} ✨ avant le #20janvier" \
	" https://helloquitx.com/fr\"; }; };\n"

/* The facet of type in a post's record (the first), or fail. */
static json_t *
facet_of(json_t *record, const char *type)
{
	json_t	*f;
	size_t	 i;
	char	*full = xasprintf("app.bsky.richtext.facet#%s", type);

	json_array_foreach(json_object_get(record, "facets"), i, f)
		if (strcmp(json_string_value(json_object_get(json_array_get(
		    json_object_get(f, "features"), 0), "$type")), full) == 0) {
			free(full);
			return f;
		}
	fail_msg("no %s facet", full);
	return NULL;
}

static long long
facet_at(json_t *f, const char *which)
{
	return json_integer_value(json_object_get(json_object_get(f, "index"),
	    which));
}

static void
check_bsky_posts(struct fixture *fx, const char *bot, const char *before,
    const char *after, const char *tag, const char *url)
{
	json_t		*posts, *rec, *f;
	const char	*text;
	char		*want;
	size_t		 i;

	posts = fx_bsky_posts(fx, bot, 3);
	assert_int_equal(json_array_size(posts), 3);
	for (i = 0; i < 3; i++) {
		rec = json_object_get(json_array_get(posts, i), "record");
		text = json_string_value(json_object_get(rec, "text"));
		want = xasprintf("%s%d%s", before, (int)(3 - i), after);
		assert_string_equal(text, want);
		/* byte offsets, after the accent and the emoji */
		f = facet_of(rec, "tag");
		assert_int_equal(facet_at(f, "byteStart"),
		    strstr(text, tag) - text);
		assert_int_equal(facet_at(f, "byteEnd"),
		    strstr(text, tag) - text + (long long)strlen(tag));
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(json_object_get(f, "features"), 0), "tag")),
		    tag + 1);
		f = facet_of(rec, "link");
		assert_int_equal(facet_at(f, "byteStart"),
		    strstr(text, url) - text);
		assert_int_equal(facet_at(f, "byteEnd"), strlen(text));
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(json_object_get(f, "features"), 0), "uri")),
		    url);
		free(want);
	}
	json_decref(posts);
}

static void
test_daemon_countdown_bluesky(void **state)
{
	struct fixture	*fx;

	(void)state;
	/* 3, 2 and 1 days before; no "day" template: none on the day */
	clock_set("2027-01-16T20:00+01:00");
	fx = fx_start_bluesky(CAMPAIGN_PARIS CD_BLUESKY);
	wait_sent(fx, "countdown", 6, 60);
	sleep(1);
	check_bsky_posts(fx, FX_BSKY_EN, "Ça arrive 🎉 ", " days to #QuitX: "
	    "https://helloquitx.com", "#QuitX", "https://helloquitx.com");
	check_bsky_posts(fx, FX_BSKY_FR, "J-", " ✨ avant le #20janvier "
	    "https://helloquitx.com/fr", "#20janvier",
	    "https://helloquitx.com/fr");
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 6);
	unsetenv("QUITX_CLOCK");
	fx_destroy(fx);
}

/* The parts and facets lines of a --preview for one account. */
static json_t *
preview_read(const char *out)
{
	json_t		*parts = json_array(), *p = NULL;
	char		*copy = xstrdup(out), *line, *save = NULL;
	size_t		 len;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "=== ", 4) == 0)
			continue;
		if (strncmp(line, "--- part ", 9) == 0) {
			p = json_pack("{s:s}", "text", "");
			json_array_append_new(parts, p);
		} else if (strncmp(line, "facets: ", 8) == 0)
			json_object_set_new(p, "facets", json_loads(line + 8,
			    0, NULL));
		else {
			/* text lines, joined back */
			len = strlen(json_string_value(json_object_get(p,
			    "text")));
			char *t = xasprintf("%s%s%s", json_string_value(
			    json_object_get(p, "text")), len > 0 ? "\n" : "",
			    line);
			json_object_set_new(p, "text", json_string(t));
			free(t);
		}
	}
	free(copy);
	return parts;
}

#define THREAD_TEXT \
	"Ça y est 🎉 leave X with us on 20 January. #QuitX https://helloquitx.com\n" \
	"\n" \
	"Second: your X follows, found again (https://helloquitx.com/faq).\n"

static void
test_announce_mastodon(void **state)
{
	struct fixture	*fx;
	char		*file, *out = NULL, *err = NULL, *big, *sql, *idtext;
	json_t		*pv, *all;
	long long	 id;

	(void)state;
	fx = fx_start_mastodon(NULL);
	/* part 2 over Mastodon's 500: refused, the part and the count */
	big = xcalloc(1, 600);
	memset(big, 'y', 520);
	file = tu_write(fx->dir, "long.txt", 0644, "First part\n\n%s\n", big);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--thread", file, NULL), 2);
	assert_non_null(strstr(err, "part 2 is 520 characters; Mastodon "
	    "allows 500"));
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM"
	    " scheduled_post"), 0);
	free(out);
	free(err);
	free(file);
	free(big);

	/* a date typed wrong is refused, nothing written */
	file = tu_write(fx->dir, "short.txt", 0644, "Hello\n");
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--at", "2099-01-01 10:00", file, NULL), 2);
	assert_non_null(strstr(err, "is more than 400 days ahead"));
	free(out);
	free(err);
	/* a folder is not an empty text */
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    fx->dir, NULL), 2);
	assert_non_null(strstr(err, "Is a directory"));
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM"
	    " scheduled_post"), 0);
	free(out);
	free(err);
	free(file);

	/* the preview is what the peer receives, threaded */
	file = tu_write(fx->dir, "thread.txt", 0644, "%s", THREAD_TEXT);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--thread", "--preview", "--accounts", FX_EN, file, NULL), 0);
	assert_non_null(strstr(out, "--- part 1/2: "));
	assert_non_null(strstr(out, " of 500 characters\n"));
	pv = preview_read(out);
	assert_int_equal(json_array_size(pv), 2);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM"
	    " scheduled_post"), 0);
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--thread", "--accounts", FX_EN, file, NULL), 0);
	free(out);
	free(err);
	wait_sent(fx, "announce", 2, 20);
	all = fx_statuses(fx, 2);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    all, 0), "text")), json_string_value(json_object_get(
	    json_array_get(pv, 0), "text")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    all, 1), "text")), json_string_value(json_object_get(
	    json_array_get(pv, 1), "text")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    all, 1), "in_reply_to_id")), json_string_value(json_object_get(
	    json_array_get(all, 0), "id")));
	json_decref(all);
	json_decref(pv);
	free(file);

	/* cancelled before its time: never reaches the peer */
	file = tu_write(fx->dir, "later.txt", 0644, "Not this one\n");
	{
		char	at[32];
		time_t	t = time(NULL) + 4;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_int_equal(tu_quitx(&out, &err, "announce", "-c",
		    fx->conf, "--at", at, "--accounts", FX_FR, file, NULL), 0);
	}
	free(out);
	free(err);
	id = fx_db_int(fx, "SELECT max(id) FROM scheduled_post");
	idtext = xasprintf("%lld", id);
	assert_int_equal(tu_quitx(&out, &err, "schedule", "list", "-c",
	    fx->conf, NULL), 0);
	assert_non_null(strstr(out, "pending    Not this one"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "schedule", "cancel", "-c",
	    fx->conf, idtext, NULL), 0);
	free(out);
	free(err);
	/* a second time, or a queued one: refused, saying why */
	assert_int_equal(tu_quitx(&out, &err, "schedule", "cancel", "-c",
	    fx->conf, idtext, NULL), 1);
	assert_non_null(strstr(err, "is cancelled: only a pending post can "
	    "be cancelled"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "schedule", "cancel", "-c",
	    fx->conf, "1", NULL), 1);
	assert_non_null(strstr(err, "#1 is queued"));
	free(out);
	free(err);
	sleep(6);
	sql = xasprintf("SELECT state FROM scheduled_post WHERE id = %lld",
	    id);
	free(idtext);
	idtext = fx_db_text(fx, sql);
	assert_string_equal(idtext, "cancelled");
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 2);
	all = fx_statuses(fx, 2);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);
	free(idtext);
	free(sql);
	free(file);
	fx_destroy(fx);
}

static void
test_announce_bluesky(void **state)
{
	struct fixture	*fx;
	char		*file, *out = NULL, *err = NULL;
	json_t		*pv, *posts, *rec;
	size_t		 i;

	(void)state;
	fx = fx_start_bluesky(NULL);
	file = tu_write(fx->dir, "thread.txt", 0644, "%s", THREAD_TEXT);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--thread", "--preview", "--accounts", FX_BSKY_EN, file, NULL), 0);
	assert_non_null(strstr(out, " of 300 graphemes\n"));
	pv = preview_read(out);
	free(out);
	free(err);
	assert_int_equal(json_array_size(pv), 2);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--thread", "--accounts", FX_BSKY_EN, file, NULL), 0);
	free(out);
	free(err);
	wait_sent(fx, "announce", 2, 20);
	posts = fx_bsky_posts(fx, FX_BSKY_EN, 2);
	assert_int_equal(json_array_size(posts), 2);
	for (i = 0; i < 2; i++) {
		rec = json_object_get(json_array_get(posts, i), "record");
		assert_string_equal(json_string_value(json_object_get(rec,
		    "text")), json_string_value(json_object_get(
		    json_array_get(pv, i), "text")));
		assert_true(json_equal(json_object_get(rec, "facets"),
		    json_object_get(json_array_get(pv, i), "facets")));
		assert_true(json_array_size(json_object_get(rec, "facets")) >=
		    1);
	}
	/* the second part answers the first */
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(json_array_get(posts, 1),
	    "record"), "reply"), "parent"), "uri")), json_string_value(
	    json_object_get(json_array_get(posts, 0), "uri")));
	json_decref(posts);
	json_decref(pv);
	free(file);
	fx_destroy(fx);
}

/* --- pictures --- */

/*
 * A picture file of size bytes: the header of its type (PNG 2x1, or
 * JPEG 4x3 with a start-of-frame), then padding.  Its path (free it).
 */
static char *
write_picture(const char *dir, const char *name, const char *type,
    size_t size)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 2, 0, 0, 0,
	    1, 8, 2, 0, 0, 0 };
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 4,
	    0, 0, 0xff, 0xc0, 0, 11, 8, 0, 3, 0, 4, 1, 1, 0x11, 0 };
	const unsigned char	*head = strcmp(type, "png") == 0 ? png : jpeg;
	size_t			 hlen = head == png ? sizeof(png) : sizeof(jpeg);
	char			*path = xasprintf("%s/%s", dir, name);
	unsigned char		*buf = xcalloc(1, size);
	FILE			*f;

	assert_true(size >= hlen);
	memcpy(buf, head, hlen);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(buf, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
	free(buf);
	return path;
}

/* An announcement at a few seconds from now, to change its files. */
static void
announce_soon(struct fixture *fx, const char *acct, const char *text,
    const char *image, const char *alt)
{
	char		 at[32], *out = NULL, *err = NULL;
	time_t		 t = time(NULL) + 3;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tu_quitx(&out, &err, "announce", "-c", fx->conf, "--at", at,
	    "--accounts", acct, "--image", image, "--alt", alt, text,
	    NULL) != 0)
		fail_msg("announce: %s", err);
	free(out);
	free(err);
}

/*
 * Mastodon: two pictures (one processed at once, one answered 202 and
 * polled), their alt texts as descriptions; the post fails once after
 * the uploads and the daemon is killed: the restart posts once, with
 * the pictures already uploaded.
 */
static void
test_images_mastodon(void **state)
{
	struct fixture	*fx;
	char		*text, *a, *b, *out = NULL, *err = NULL, *want, *body;
	json_t		*all, *media;
	int		 st;

	(void)state;
	fx = fx_start_mastodon(NULL);
	text = tu_write(fx->dir, "post.txt", 0644, "J-10 #QuitX\n");
	a = write_picture(fx->dir, "j10.png", "png", 300);
	b = write_picture(fx->dir, "calendar.jpg", "jpeg", 100000);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--preview", "--accounts", FX_EN, "--image", a, "--alt",
	    "A chart of leavers", "--image", b, "--alt", "Un calendrier",
	    text, NULL), 0);
	want = xasprintf("J-10 #QuitX\nimage: %s (alt: A chart of leavers)\n"
	    "image: %s (alt: Un calendrier)\n", a, b);
	assert_non_null(strstr(out, want));
	free(want);
	free(out);
	free(err);
	/* an --image without its --alt: refused */
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--image", a, text, NULL), 2);
	assert_non_null(strstr(err, "needs its --alt"));
	free(out);
	free(err);

	fx_peer_post(fx, "/_peer/fail", "{\"path\":\"/api/v1/statuses\","
	    "\"status\":503,\"count\":1}");
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--accounts", FX_EN, "--image", a, "--alt", "A chart of leavers",
	    "--image", b, "--alt", "Un calendrier", text, NULL), 0);
	free(out);
	free(err);
	/* both uploaded, their ids in the row, the post refused once */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE last_error IS NOT"
	    " NULL AND state = 'queued'", 1, 20);
	body = fx_db_text(fx, "SELECT body FROM outbox");
	assert_non_null(strstr(body, "\"ready\":true"));
	free(body);
	assert_int_equal(fx_peer_stat(fx, "media_created"), 2);
	/* the larger one was answered 202, and looked at until processed */
	assert_true(fx_peer_stat(fx, "media_polls") >= 1);
	kill(fx->pid, SIGKILL);
	waitpid(fx->pid, &st, 0);
	fx_daemon_start(fx);
	wait_sent(fx, "announce", 1, 30);
	all = fx_statuses(fx, 1);
	assert_int_equal(json_array_size(all), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    all, 0), "text")), "J-10 #QuitX");
	media = json_object_get(json_array_get(all, 0), "media_attachments");
	assert_int_equal(json_array_size(media), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    media, 0), "description")), "A chart of leavers");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    media, 0), "mime")), "image/png");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    media, 1), "description")), "Un calendrier");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    media, 1), "mime")), "image/jpeg");
	/* not uploaded again after the restart */
	assert_int_equal(fx_peer_stat(fx, "media_requests"), 2);
	json_decref(all);
	free(text);
	free(a);
	free(b);
	fx_destroy(fx);
}

/*
 * Mastodon removed the uploaded picture before the post went (unattached
 * for too long): the post's 422 makes the next attempt upload it again.
 */
static void
test_images_mastodon_expired(void **state)
{
	struct fixture	*fx;
	char		*text, *a, *out = NULL, *err = NULL;
	json_t		*all, *media;

	(void)state;
	fx = fx_start_mastodon(NULL);
	text = tu_write(fx->dir, "post.txt", 0644, "J-9 #QuitX\n");
	a = write_picture(fx->dir, "j9.png", "png", 300);
	fx_peer_post(fx, "/_peer/fail", "{\"path\":\"/api/v1/statuses\","
	    "\"status\":503,\"count\":1}");
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--accounts", FX_FR, "--image", a, "--alt", "Un graphique", text,
	    NULL), 0);
	free(out);
	free(err);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE last_error IS NOT"
	    " NULL AND state = 'queued'", 1, 20);
	fx_peer_post(fx, "/_peer/media-expire", "{}");
	wait_sent(fx, "announce", 1, 60);
	all = fx_statuses(fx, 1);
	media = json_object_get(json_array_get(all, 0), "media_attachments");
	assert_int_equal(json_array_size(media), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    media, 0), "description")), "Un graphique");
	assert_int_equal(fx_peer_stat(fx, "media_created"), 2);
	json_decref(all);
	free(text);
	free(a);
	fx_destroy(fx);
}

/*
 * The upload budget is spent: the 429 of POST /api/v2/media makes the
 * row wait for its reset (and no other), then the picture goes.
 */
static void
test_images_mastodon_budget(void **state)
{
	struct fixture	*fx;
	char		*text, *a, *out = NULL, *err = NULL;
	json_t		*all;

	(void)state;
	fx = fx_start_mastodon(NULL);
	text = tu_write(fx->dir, "post.txt", 0644, "J-8 #QuitX\n");
	a = write_picture(fx->dir, "j8.png", "png", 300);
	fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\",\"media\":"
	    "true,\"remaining\":0,\"reset_in\":3}");
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--accounts", FX_EN, "--image", a, "--alt", "Un graphique", text,
	    NULL), 0);
	free(out);
	free(err);
	fx_wait_log(fx, "(uploading a picture: 429 Too many requests); the "
	    "others go on", 20);
	wait_sent(fx, "announce", 1, 30);
	all = fx_statuses(fx, 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(all,
	    0), "media_attachments")), 1);
	/* one refused, one taken: the wait was for the reset, not a retry */
	assert_int_equal(fx_peer_stat(fx, "media_requests"), 2);
	assert_int_equal(fx_peer_stat(fx, "rate_limited"), 1);
	json_decref(all);
	free(text);
	free(a);
	fx_destroy(fx);
}

/*
 * Bluesky: the picture is a blob of the bot's, embedded with its alt
 * text and aspect ratio; putRecord fails once after the upload and the
 * daemon is killed: the restart puts the record once, reusing the blob.
 */
static void
test_images_bluesky(void **state)
{
	struct fixture	*fx;
	char		*text, *a, *out = NULL, *err = NULL;
	json_t		*posts, *embed, *im;
	int		 st;

	(void)state;
	fx = fx_start_bluesky(NULL);
	text = tu_write(fx->dir, "post.txt", 0644, "J-10 #QuitX\n");
	a = write_picture(fx->dir, "j10.png", "png", 300);
	fx_peer_post(fx, "/_peer/fail", "{\"path\":\"com.atproto.repo."
	    "putRecord\",\"status\":500,\"count\":1}");
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--accounts", FX_BSKY_EN, "--image", a, "--alt",
	    "A chart of leavers", text, NULL), 0);
	free(out);
	free(err);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE last_error IS NOT"
	    " NULL AND state = 'queued' AND body LIKE '%\"blob\"%'", 1, 20);
	kill(fx->pid, SIGKILL);
	waitpid(fx->pid, &st, 0);
	fx_daemon_start(fx);
	wait_sent(fx, "announce", 1, 30);
	posts = fx_bsky_posts(fx, FX_BSKY_EN, 1);
	assert_int_equal(json_array_size(posts), 1);
	embed = json_object_get(json_object_get(json_array_get(posts, 0),
	    "record"), "embed");
	assert_string_equal(json_string_value(json_object_get(embed, "$type")),
	    "app.bsky.embed.images");
	assert_int_equal(json_array_size(json_object_get(embed, "images")), 1);
	im = json_array_get(json_object_get(embed, "images"), 0);
	assert_string_equal(json_string_value(json_object_get(im, "alt")),
	    "A chart of leavers");
	assert_int_equal(strncmp(json_string_value(json_object_get(
	    json_object_get(json_object_get(im, "image"), "ref"), "$link")),
	    "bafkrei", 7), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    im, "image"), "mimeType")), "image/png");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    im, "aspectRatio"), "width")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    im, "aspectRatio"), "height")), 1);
	assert_int_equal(fx_peer_stat(fx, "upload_blob"), 1);
	json_decref(posts);
	free(text);
	free(a);
	fx_destroy(fx);
}

/*
 * A picture gone by the time it is sent, and one grown past Bluesky's
 * 1,000,000 bytes: each row fails with its reason, nothing is uploaded
 * or posted; announce itself refuses the oversized one.
 */
static void
test_images_refused(void **state)
{
	struct fixture	*fx;
	char		*text, *a, *b, *out = NULL, *err = NULL, *why;

	(void)state;
	fx = fx_start_bluesky(NULL);
	text = tu_write(fx->dir, "post.txt", 0644, "J-10 #QuitX\n");
	a = write_picture(fx->dir, "gone.png", "png", 300);
	announce_soon(fx, FX_BSKY_EN, text, a, "A chart");
	assert_int_equal(unlink(a), 0);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'failed'",
	    1, 20);
	why = fx_db_text(fx, "SELECT last_error FROM outbox");
	assert_non_null(strstr(why, "gone.png: No such file or directory"));
	free(why);

	b = write_picture(fx->dir, "big.jpg", "jpeg", 300);
	announce_soon(fx, FX_BSKY_EN, text, b, "A big one");
	free(write_picture(fx->dir, "big.jpg", "jpeg", 1100000));
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'failed'",
	    2, 20);
	why = fx_db_text(fx, "SELECT last_error FROM outbox WHERE id = 2");
	assert_non_null(strstr(why, "big.jpg: 1100000 bytes; Bluesky takes "
	    "at most 1000000"));
	free(why);
	assert_int_equal(tu_quitx(&out, &err, "announce", "-c", fx->conf,
	    "--accounts", FX_BSKY_EN, "--image", b, "--alt", "A big one",
	    text, NULL), 2);
	assert_non_null(strstr(err, "1100000 bytes; bluesky takes at most"));
	free(out);
	free(err);
	assert_int_equal(fx_peer_stat(fx, "upload_blob"), 0);
	assert_int_equal(fx_peer_stat(fx, "put_record"), 0);
	free(text);
	free(a);
	free(b);
	fx_destroy(fx);
}

int
main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_compose_limits),
		cmocka_unit_test(test_countdown_70_days),
		cmocka_unit_test(test_countdown_withdrawn),
		cmocka_unit_test(test_daemon_countdown_mastodon),
		cmocka_unit_test(test_daemon_countdown_bluesky),
		cmocka_unit_test(test_announce_mastodon),
		cmocka_unit_test(test_announce_bluesky),
		cmocka_unit_test(test_images_mastodon),
		cmocka_unit_test(test_images_mastodon_expired),
		cmocka_unit_test(test_images_mastodon_budget),
		cmocka_unit_test(test_images_bluesky),
		cmocka_unit_test(test_images_refused),
	};
	struct CMUnitTest	tests[sizeof(all) / sizeof(all[0])];
	const char		*only = getenv("TEST_FILTER");
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (only == NULL || strstr(all[i].name, only) != NULL)
			tests[n++] = all[i];
	return _cmocka_run_group_tests("schedule", tests, n, NULL, NULL);
}
