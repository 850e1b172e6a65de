/*
 * test-campaign: the campaign day against the local Mastodon peer, with
 * a population from the project's generator: members imported with
 * their archives, `quitx campaign start`, and what each member receives
 * compared with what the stored matches say they should, exactly once,
 * through SIGKILLs, a 429 storm and a member saying "stop" mid-day.
 *
 * TEST_FILTER=name runs one test.
 */
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

#define CAMPAIGN	"campaign = { day = \"2027-01-20\"; match_interval = 1; " \
			"message_max = 20; intro_interval = 2; };\n"

struct population {
	char	*dir;
	char	**accounts;	/* Mastodon accounts, user@host */
	char	**handles;	/* their X handles */
	size_t	  n;
};

/*
 * users on one network only (Mastodon, or Bluesky when bsky), every one
 * with an archive, imported as the team would; each follows the
 * English bot there.
 */
static void
pop_make_on(struct fixture *fx, struct population *p, int users, int seed,
    int bsky)
{
	const char	*tools = getenv("QUITX_TOOLS");
	char		*gen, *err = NULL, *tsv, *path, *line, *save, nu[16];
	char		 ns[16], *f[4], *body;
	int		 i;

	memset(p, 0, sizeof(*p));
	gen = xasprintf("%s/gen-archive", tools);
	p->dir = xasprintf("%s/pop", fx->dir);
	snprintf(nu, sizeof(nu), "%d", users);
	snprintf(ns, sizeof(ns), "%d", seed);
	if (tu_run(NULL, &err, (const char *[]){ gen, "--users", nu,
	    "--archives", nu, "--zip", "--seed", ns, "--on-mastodon",
	    bsky ? "0" : "1", "--on-bluesky", bsky ? "1" : "0",
	    "--mean-following", "12", "--out", p->dir, NULL }) != 0)
		fail_msg("gen-archive: %s", err);
	free(err);
	free(gen);
	fx_daemon_stop(fx);
	path = xasprintf("%s/population.tsv", p->dir);
	assert_int_equal(tu_quitx(NULL, &err, "import", "population", "-c",
	    fx->conf, path, NULL), 0);
	free(err);
	tsv = tu_slurp(path);
	free(path);
	p->accounts = xcalloc((size_t)users, sizeof(char *));
	p->handles = xcalloc((size_t)users, sizeof(char *));
	for (line = strtok_r(tsv, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		f[0] = line;
		for (i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], '\t');
			assert_non_null(f[i]);
			*f[i]++ = '\0';
		}
		if (*f[bsky ? 3 : 2] == '\0')
			continue;
		p->accounts[p->n] = xstrdup(f[bsky ? 3 : 2]);
		p->handles[p->n] = xstrdup(f[1]);
		p->n++;
	}
	free(tsv);
	/* each member's own archive: their edges, their proof; and they
	   follow the bot (their server knows them, their DMs arrive) */
	for (size_t k = 0; k < p->n; k++) {
		path = xasprintf("%s/archives/%s.zip", p->dir, p->handles[k]);
		if (tu_quitx(NULL, &err, "import", "archive", "-c", fx->conf,
		    "--member", p->accounts[k], path, NULL) != 0)
			fail_msg("import archive %s: %s", path, err);
		free(err);
		free(path);
	}
	fx_daemon_start(fx);
	for (size_t k = 0; k < p->n; k++) {
		body = xasprintf("{\"to\":\"%s\",\"from\":\"%s\"}",
		    bsky ? FX_BSKY_EN : FX_EN, p->accounts[k]);
		fx_peer_post(fx, "/_peer/follow", body);
		free(body);
	}
}

static void
pop_make(struct fixture *fx, struct population *p, int users, int seed)
{
	pop_make_on(fx, p, users, seed, 0);
}

static void
pop_free(struct population *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->accounts[i]);
		free(p->handles[i]);
	}
	free(p->accounts);
	free(p->handles);
	free(p->dir);
}

static void
campaign_start(struct fixture *fx)
{
	char	*out = NULL, *err = NULL, *sql;

	/* the day starts on matches made after every import */
	sql = xstrdup("SELECT (SELECT CAST(value AS INTEGER) FROM"
	    " campaign_state WHERE key = 'match_at') > (SELECT"
	    " max(completed_at) FROM x_upload)");
	fx_wait_db(fx, sql, 1, 20);
	free(sql);

	assert_int_equal(tu_quitx(&out, &err, "campaign", "start", "-c",
	    fx->conf, NULL), 0);
	free(out);
	free(err);
}

/* Everything due was queued and went out (or was given up). */
static void
wait_delivered(struct fixture *fx, int secs)
{
	fx_wait_db(fx, "SELECT (SELECT count(*) FROM outbox WHERE state IN"
	    " ('queued', 'sending')) + (SELECT count(*) FROM member m WHERE"
	    " m.messages_stopped = 0 AND EXISTS (SELECT 1 FROM suggestion s"
	    " JOIN member f ON f.id = s.suggested_id AND f.discoverable = 1"
	    " WHERE s.member_id = m.id AND NOT EXISTS (SELECT 1 FROM"
	    " suggestion_sent t WHERE t.member_id = m.id"
	    " AND t.suggested_id = s.suggested_id) AND NOT EXISTS (SELECT"
	    " 1 FROM bsky_follows b WHERE b.member_id = m.id AND"
	    " b.other_did = f.account AND b.follows = 1)))", 0, secs);
}

/*
 * The accounts a direct status lists: its lines that are one "@acct"
 * (the first line starts with the recipient and the header).
 */
static void
listed(const char *text, char ***out, size_t *n)
{
	char	*t = xstrdup(text), *line, *save, *o;
	const char *c;

	/* as a reader sees it: the WORD JOINERs are invisible */
	for (c = text, o = t; *c != '\0'; c++) {
		if (memcmp(c, "\xe2\x81\xa0", 3) == 0) {
			c += 2;
			continue;
		}
		*o++ = *c;
	}
	*o = '\0';
	/* past the "@member " every direct status starts with */
	if ((o = strchr(t, ' ')) != NULL)
		memmove(t, o + 1, strlen(o + 1) + 1);

	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (line[0] == '@' && strchr(line, ' ') == NULL) {
			*out = xreallocarray(*out, *n + 1, sizeof(char *));
			(*out)[(*n)++] = xstrdup(line + 1);
		}
	free(t);
}

/*
 * What each member received, against the stored matches: every member
 * with suggestions got the first message_max of them, in rank order,
 * once; nobody else got a list; no status was posted twice.  Returns how
 * many members got a list.
 */
static size_t
check_received(struct fixture *fx, const char *except)
{
	json_t		*all, *st;
	char		**got, *sql, *want, *p;
	const char	*to, *text;
	size_t		 i, j, k, ngot, members = 0, total;

	all = fx_peer_call(fx, "GET", "/_peer/statuses", NULL);
	total = json_array_size(all);
	/* no text twice from one bot: a duplicate is a resend */
	for (i = 0; i < total; i++)
		for (j = i + 1; j < total; j++)
			if (strcmp(json_string_value(json_object_get(
			    json_array_get(all, i), "text")),
			    json_string_value(json_object_get(json_array_get(
			    all, j), "text"))) == 0)
				fail_msg("sent twice: %s", json_string_value(
				    json_object_get(json_array_get(all, i),
				    "text")));
	for (k = 1; k <= 100000; k++) {
		sql = xasprintf("SELECT account FROM member WHERE id = %zu", k);
		p = fx_db_text(fx, sql);
		free(sql);
		if (p == NULL) {
			if (fx_db_int(fx, "SELECT max(id) FROM member") <
			    (long long)k)
				break;
			continue;
		}
		got = NULL;
		ngot = 0;
		json_array_foreach(all, i, st) {
			if (strcmp(json_string_value(json_object_get(st,
			    "visibility")), "direct") != 0)
				continue;
			to = json_string_value(json_array_get(json_object_get(
			    st, "mentions"), 0));
			text = json_string_value(json_object_get(st, "text"));
			if (to != NULL && strcasecmp(to, p) == 0)
				listed(text, &got, &ngot);
		}
		/* what the matches say, as the message lists them */
		sql = xasprintf("SELECT coalesce(group_concat(account, ' '), '')"
		    " FROM (SELECT f.account FROM suggestion s JOIN member f"
		    " ON f.id = s.suggested_id AND f.discoverable = 1"
		    " WHERE s.member_id = %zu AND f.network = 'mastodon'"
		    " ORDER BY s.rank LIMIT 20)", k);
		want = fx_db_text(fx, sql);
		free(sql);
		if (except != NULL && strcasecmp(p, except) == 0) {
			/* stopped before the day's message: nothing */
			assert_int_equal(ngot, 0);
		} else {
			char *have = xstrdup("");

			for (i = 0; i < ngot; i++) {
				char *n2 = xasprintf("%s%s%s", have,
				    i > 0 ? " " : "", got[i]);
				free(have);
				have = n2;
			}
			if (strcasecmp(have, want) != 0) {
				fx_log_dump(fx);
				fail_msg("%s received [%s], the matches say "
				    "[%s]; %zu statuses, the last: %s", p,
				    have, want, total, json_dumps(
				    json_array_get(all, total - 1), 0));
			}
			free(have);
			members += ngot > 0;
		}
		for (i = 0; i < ngot; i++)
			free(got[i]);
		free(got);
		free(want);
		free(p);
	}
	json_decref(all);
	return members;
}

/*
 * A day: introductions for those who opted in, every member's list
 * once, and the member who said "stop" before it gets nothing; one who
 * asks to be introduced after the day is, in a new thread.
 */
static void
test_day_once(void **state)
{
	struct fixture		*fx = fx_start_mastodon(CAMPAIGN);
	struct population	 p;
	char			*id, *sql;
	size_t			 got;
	long long		 intros;

	(void)state;
	pop_make(fx, &p, 60, 7);
	fx_db_exec(fx, "UPDATE member SET intro_optin = 1 WHERE id % 4 = 0");
	/* one says stop first */
	id = fx_say(fx, FX_EN, p.accounts[0], "stop");
	fx_wait_db(fx, "SELECT messages_stopped FROM member WHERE id = 1", 1,
	    10);
	free(id);
	campaign_start(fx);
	wait_delivered(fx, 60);
	got = check_received(fx, p.accounts[0]);
	assert_true(got > 10);
	/* the introductions: a thread naming every member who opted in */
	intros = fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'intro' AND state = 'sent'");
	assert_true(intros >= 1);
	/* one who asks after the day is introduced in a thread of their own */
	id = fx_say(fx, FX_EN, p.accounts[1], "introduce me");
	free(id);
	sql = xasprintf("SELECT count(*) FROM outbox WHERE kind = 'intro'"
	    " AND state = 'sent' AND body LIKE '%%%s%%'", p.accounts[1]);
	fx_wait_db(fx, sql, 1, 20);
	free(sql);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'intro'"), intros + 1);
	assert_int_equal(fx_peer_stat(fx, "rate_limited"), 0);
	pop_free(&p);
	fx_destroy(fx);
}

/* Wait until at least n more rows than now were sent. */
static void
wait_sent_more(struct fixture *fx, long long n, int secs)
{
	char		*sql;
	long long	 want;

	want = fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " state = 'sent'") + n;
	sql = xasprintf("SELECT count(*) >= %lld FROM outbox WHERE"
	    " state = 'sent'", want);
	fx_wait_db(fx, sql, 1, secs);
	free(sql);
}

/*
 * SIGKILL ten times at random moments of delivery: after the last
 * restart, what members received is what the matches say, once.
 */
static void
test_day_killed(void **state)
{
	struct fixture		*fx = fx_start_mastodon(CAMPAIGN);
	struct population	 p;
	int			 i, st;

	(void)state;
	pop_make(fx, &p, 500, 11);
	/* a budget for the whole day: the restarts spend some of it too */
	fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\","
	    "\"remaining\":5000,\"reset_in\":900}");
	campaign_start(fx);
	srand((unsigned)time(NULL));
	for (i = 0; i < 10; i++) {
		/* a random moment once sending has started again */
		wait_sent_more(fx, 1 + rand() % 20, 30);
		kill(fx->pid, SIGKILL);
		waitpid(fx->pid, &st, 0);
		fx_daemon_start(fx);
	}
	wait_delivered(fx, 120);
	assert_true(check_received(fx, NULL) > 100);
	pop_free(&p);
	fx_destroy(fx);
}

/*
 * A 429 storm mid-day: five times the server says the bot's budget is
 * spent, against what its last headers said.  Delivery waits each
 * time and loses nothing: no row fails, every list arrives once.  A
 * member who says "stop messages" while theirs is still queued gets
 * nothing more.
 */
static void
test_day_storm(void **state)
{
	struct fixture		*fx = fx_start_mastodon(CAMPAIGN);
	struct population	 p;
	char			*who = NULL, *id, *sql;
	long long		 seen;
	int			 i;

	(void)state;
	pop_make(fx, &p, 150, 13);
	fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\","
	    "\"remaining\":5000,\"reset_in\":900}");
	campaign_start(fx);
	for (i = 0; i < 5; i++) {
		wait_sent_more(fx, 5, 30);
		seen = fx_peer_stat(fx, "rate_limited");
		fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\","
		    "\"remaining\":0,\"reset_in\":4}");
		/* the daemon meets the storm: its next send is refused */
		fx_wait_peer_stat(fx, "rate_limited", seen + 1, 10);
		if (i == 2) {
			/* nothing leaves now: theirs is still queued */
			who = fx_db_text(fx, "SELECT m.account FROM outbox o"
			    " JOIN member m ON m.id = o.member_id WHERE"
			    " o.kind = 'suggestions' AND o.state = 'queued'"
			    " ORDER BY o.id DESC LIMIT 1");
			assert_non_null(who);
			id = fx_say(fx, FX_EN, who, "stop messages");
			free(id);
			sql = xasprintf("SELECT m.messages_stopped AND NOT"
			    " EXISTS (SELECT 1 FROM outbox o WHERE"
			    " o.member_id = m.id AND o.kind = 'suggestions'"
			    " AND o.state IN ('queued', 'sending')) FROM"
			    " member m WHERE m.account = '%s'", who);
			fx_wait_db(fx, sql, 1, 10);
			free(sql);
		}
		/* the storm passes; the day's budget comes back */
		sleep(5);
		fx_peer_post(fx, "/_peer/rate", "{\"token\":\"tok-en\","
		    "\"remaining\":5000,\"reset_in\":900}");
	}
	wait_delivered(fx, 120);
	assert_true(check_received(fx, who) > 40);
	assert_true(fx_peer_stat(fx, "rate_limited") >= 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE"
	    " state = 'failed'"), 0);
	free(who);
	pop_free(&p);
	fx_destroy(fx);
}

/*
 * Every member who opted in is named in an introduction of the English
 * Bluesky bot by "@handle", a mention facet on those bytes naming their
 * DID.
 */
static void
check_intros(struct fixture *fx)
{
	json_t		*posts, *post, *f;
	const char	*text, *did;
	char		*sql, *handle, *want;
	size_t		 i, j, k, found;
	long long	 id, bs, be;

	posts = fx_bsky_posts(fx, FX_BSKY_EN, 1);
	for (id = 5; id <= fx_db_int(fx, "SELECT max(id) FROM member");
	    id += 5) {
		sql = xasprintf("SELECT handle FROM member WHERE id = %lld",
		    id);
		handle = fx_db_text(fx, sql);
		free(sql);
		sql = xasprintf("SELECT account FROM member WHERE id = %lld",
		    id);
		want = fx_db_text(fx, sql);
		free(sql);
		assert_non_null(handle);
		found = 0;
		json_array_foreach(posts, i, post) {
			text = json_string_value(json_object_get(
			    json_object_get(post, "record"), "text"));
			json_array_foreach(json_object_get(json_object_get(
			    post, "record"), "facets"), j, f) {
				bs = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteStart"));
				be = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteEnd"));
				did = json_string_value(json_object_get(
				    json_array_get(json_object_get(f,
				    "features"), 0), "did"));
				k = strlen(handle);
				if (did != NULL && strcmp(did, want) == 0 &&
				    (size_t)(be - bs) == k + 1 &&
				    text[bs] == '@' &&
				    strncmp(text + bs + 1, handle, k) == 0)
					found++;
			}
		}
		if (found != 1) {
			fx_log_dump(fx);
			fail_msg("member %lld (@%s, %s) is named %zu times in "
			    "the introductions", id, handle, want, found);
		}
		free(handle);
		free(want);
	}
	json_decref(posts);
}

/*
 * A Bluesky day.  The members were imported by handle (the team's
 * import): each is resolved to a DID, then gets one chat message
 * listing their matches on Bluesky, each with a mention facet on the
 * right bytes, minus the accounts they already follow there.  Members
 * known by DID alone (as Jetstream gives them) are asked for their
 * handle and introduced by it.
 */
static void
test_day_bluesky(void **state)
{
	struct fixture		*fx = fx_start_bluesky(CAMPAIGN);
	struct population	 p;
	json_t			*all, *msg, *facets, *f;
	char			*sql, *want, *who, *did, *them, *body;
	char			*have, *n2;
	const char		*text;
	size_t			 i, j, members = 0;
	long long		 bs, be;

	(void)state;
	pop_make_on(fx, &p, 40, 5, 1);
	/* wait for the match, then: the first member already follows
	   their top match on Bluesky, and must not be told about them */
	fx_wait_db(fx, "SELECT count(*) > 0 FROM suggestion", 1, 20);
	who = fx_db_text(fx, "SELECT m.handle FROM suggestion s JOIN"
	    " member m ON m.id = s.member_id WHERE s.rank = 1 ORDER BY"
	    " m.id LIMIT 1");
	them = fx_db_text(fx, "SELECT f.handle FROM suggestion s JOIN"
	    " member m ON m.id = s.member_id JOIN member f ON f.id ="
	    " s.suggested_id WHERE s.rank = 1 ORDER BY m.id LIMIT 1");
	assert_non_null(who);
	assert_non_null(them);
	body = xasprintf("{\"from\":\"%s\",\"to\":\"%s\"}", who, them);
	fx_peer_post(fx, "/_peer/follow", body);
	free(body);
	/* every imported member ends up known by their DID, ahead of
	   the day */
	fx_wait_db(fx, "SELECT count(*) FROM member WHERE network ="
	    " 'bluesky' AND account NOT LIKE 'did:%'", 0, 30);
	/* some as if they had registered through Jetstream, which carries
	   no handle, and asked to be introduced */
	fx_db_exec(fx, "UPDATE member SET handle = NULL, intro_optin = 1,"
	    " intro_optin_at = 1 WHERE id % 5 = 0");
	campaign_start(fx);
	wait_delivered(fx, 60);
	/* they were asked for their handles: named by it, with a facet */
	fx_wait_db(fx, "SELECT count(*) FROM member WHERE handle IS NULL",
	    0, 10);
	check_intros(fx);

	all = fx_peer_call(fx, "GET", "/_peer/messages", NULL);
	for (i = 0; i < p.n; i++) {
		did = fx_bsky_did(fx, p.accounts[i]);
		/* what the matches say, in rank order, as handles */
		sql = xasprintf("SELECT coalesce(group_concat(h, ' '), '')"
		    " FROM (SELECT f.handle AS h FROM suggestion s JOIN member"
		    " m ON m.id = s.member_id JOIN member f ON f.id ="
		    " s.suggested_id AND f.discoverable = 1 WHERE m.account ="
		    " '%s' AND NOT (m.handle = '%s' AND f.handle = '%s')"
		    " ORDER BY s.rank LIMIT 20)", did, who, them);
		want = fx_db_text(fx, sql);
		free(sql);
		have = xstrdup("");
		json_array_foreach(all, j, msg) {
			if (strcmp(json_string_value(json_object_get(msg,
			    "to")), did) != 0)
				continue;
			text = json_string_value(json_object_get(msg, "text"));
			facets = json_object_get(msg, "facets");
			size_t k;
			json_array_foreach(facets, k, f) {
				bs = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteStart"));
				be = json_integer_value(json_object_get(
				    json_object_get(f, "index"), "byteEnd"));
				assert_true(bs >= 0 && be > bs &&
				    (size_t)be <= strlen(text));
				/* the facet covers "@handle", nothing else */
				assert_int_equal(text[bs], '@');
				n2 = xasprintf("%s%s%.*s", have, *have != '\0' ?
				    " " : "", (int)(be - bs - 1), text + bs + 1);
				free(have);
				have = n2;
			}
		}
		if (strcasecmp(have, want) != 0) {
			fx_log_dump(fx);
			fail_msg("%s (%s) received [%s], the matches say [%s]",
			    p.accounts[i], did, have, want);
		}
		members += *have != '\0';
		free(have);
		free(want);
		free(did);
	}
	assert_true(members > 10);
	json_decref(all);
	free(who);
	free(them);
	pop_free(&p);
	fx_destroy(fx);
}

/*
 * Bluesky members known by their DID (as those who register by reply
 * are), more of them than one sweep's batch and than the follow checks
 * run at once: those deferred while their checks were in flight are
 * composed once the checks are back, not a whole sweep interval (60 s)
 * later.  The checks came back during the sweep, whose end used to
 * push the next sweep a full interval away.
 */
static void
test_day_bluesky_prompt(void **state)
{
	struct fixture		*fx = fx_start_bluesky(CAMPAIGN);
	struct population	 p;
	char			*did, *sql;
	size_t			 i;

	(void)state;
	pop_make_on(fx, &p, 250, 9, 1);
	fx_wait_db(fx, "SELECT count(*) > 0 FROM suggestion", 1, 20);
	for (i = 0; i < p.n; i++) {
		did = fx_bsky_did(fx, p.accounts[i]);
		sql = xasprintf("UPDATE member SET account = '%s', handle ="
		    " '%s' WHERE account = '%s'", did, p.accounts[i],
		    p.accounts[i]);
		fx_db_exec(fx, sql);
		free(sql);
		free(did);
	}
	/*
	 * All but the first 120 members due were checked a moment ago:
	 * the sweep's first batch starts checks and defers the rest, the
	 * second starts the last ones, whose answers come back before the
	 * third and last batch, which starts none.
	 */
	fx_db_exec(fx, "INSERT OR REPLACE INTO bsky_follows (member_id,"
	    " other_did, follows, checked_at) SELECT DISTINCT s.member_id,"
	    " f.account, 0, CAST(strftime('%s', 'now') AS INTEGER) FROM"
	    " suggestion s JOIN member f ON f.id = s.suggested_id WHERE"
	    " f.network = 'bluesky' AND s.member_id NOT IN (SELECT DISTINCT"
	    " member_id FROM suggestion ORDER BY member_id LIMIT 120)");
	campaign_start(fx);
	/* well under the sweep interval */
	wait_delivered(fx, 40);
	pop_free(&p);
	fx_destroy(fx);
}

int
main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(test_day_once),
		cmocka_unit_test(test_day_killed),
		cmocka_unit_test(test_day_storm),
		cmocka_unit_test(test_day_bluesky),
		cmocka_unit_test(test_day_bluesky_prompt),
	};
	struct CMUnitTest	tests[sizeof(all) / sizeof(all[0])];
	const char		*only = getenv("TEST_FILTER");
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (only == NULL || strstr(all[i].name, only) != NULL)
			tests[n++] = all[i];
	return _cmocka_run_group_tests("campaign", tests, n, NULL, NULL);
}
