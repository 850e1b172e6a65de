/*
 * test-status: the team's /status page on a running daemon.  Members
 * register with the bots (through the local Mastodon peer), then the page
 * must show what the store holds: members, the chart's days, the outbox
 * by kind with what was delivered, the next scheduled post with its
 * hostile text escaped; it is served with a policy that allows no script,
 * never cached.  Then the same page in headless Chromium (Debian's,
 * driven by playwright-core): what a person sees, no script, no console
 * error, and a screenshot.
 */
#include "fixture.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

#define HOSTILE	"<script>alert(1)</script> & <b>bienvenue</b>"

static int
setup(void **state)
{
	struct fixture	*fx = fx_start_mastodon(NULL);

	/* three members, one of them in French, two days apart */
	free(fx_say(fx, FX_EN, "marie@piaille.example", "register @marie_x"));
	free(fx_say(fx, FX_EN, "jean@m.example", "register @jean_x"));
	free(fx_say(fx, FX_FR, "lea@m.example",
	    "mon compte X c'est @lea_x"));
	fx_wait_db(fx, "SELECT count(*) FROM member", 3, 10);
	/* every answer sent (public replies, private links) */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state NOT IN"
	    " ('sent', 'cancelled')", 0, 15);
	fx_db_exec(fx, "UPDATE member SET registered_at = registered_at"
	    " - 2 * 86400 WHERE account = 'marie@piaille.example'");
	/* a post for tomorrow, whose text is markup, and one cancelled */
	fx_db_exec(fx, "INSERT INTO scheduled_post (kind, dedupe_key,"
	    " bot_account_id, run_at, body, state, created_at) VALUES"
	    " ('announce', 'test:1', 1, strftime('%s', 'now') + 86400,"
	    " '{\"parts\":[\"" HOSTILE "\"]}', 'pending', 0),"
	    " ('announce', 'test:2', 1, strftime('%s', 'now') + 3600,"
	    " '{\"parts\":[\"never\"]}', 'cancelled', 0)");
	/* and a message cancelled, which is not counted as to deliver */
	fx_db_exec(fx, "UPDATE outbox SET state = 'cancelled' WHERE id ="
	    " (SELECT max(id) FROM outbox WHERE kind = 'private')");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	fx_destroy(*state);
	return 0;
}

static char *
url(struct fixture *fx, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", fx->port, path);
}

/* "<dd id=\"ID\">VALUE</dd>" is in the page. */
static void
assert_figure(const char *page, const char *id, long long v)
{
	char	*want = xasprintf("<dd id=\"%s\">%lld</dd>", id, v);

	if (strstr(page, want) == NULL)
		fail_msg("want %s in:\n%s", want, page);
	free(want);
}

/* The page over HTTP: headers, figures, escaping. */
static void
test_page(void **state)
{
	struct fixture	*fx = *state;
	char		*u = url(fx, "/status"), *body, *head, *h, *want, *p;
	long long	 sent, total, replies;
	int		 bars = 0;

	assert_int_equal(tu_https_req("/dev/null", "GET", u, NULL, NULL,
	    &body, &head), 200);
	h = tu_header(head, "content-type");
	assert_string_equal(h, "text/html; charset=utf-8");
	free(h);
	h = tu_header(head, "content-security-policy");
	assert_non_null(h);
	assert_non_null(strstr(h, "default-src 'none'"));
	assert_non_null(strstr(h, "style-src 'unsafe-inline'"));
	assert_null(strstr(h, "script-src"));
	free(h);
	h = tu_header(head, "cache-control");
	assert_string_equal(h, "no-store");
	free(h);

	/* the members, all on Mastodon, none verified yet */
	assert_figure(body, "members-mastodon", 3);
	assert_figure(body, "members-bluesky", 0);
	assert_figure(body, "members-total", 3);
	assert_figure(body, "claims-verified", 0);
	assert_figure(body, "claims-unproven", 3);
	assert_figure(body, "uploads", 0);
	/* no archive yet: whether a match ran or not, nobody to suggest */
	assert_figure(body, "suggestions", 0);
	assert_figure(body, "members-suggested", 0);
	assert_non_null(strstr(body, fx_db_int(fx, "SELECT count(*) FROM"
	    " campaign_state WHERE key = 'match_at'") == 1 ?
	    "Suggestions as of the match of " : "No match has run yet."));
	/* the chart: the day two days ago, yesterday (none), today */
	for (p = body; (p = strstr(p, "<g class=\"bar\">")) != NULL; p++)
		bars++;
	assert_int_equal(bars, 3);
	assert_non_null(strstr(body, ": Mastodon 1, Bluesky 0</title>"));
	assert_non_null(strstr(body, ": Mastodon 0, Bluesky 0</title>"));
	assert_non_null(strstr(body, ": Mastodon 2, Bluesky 0</title>"));
	/* the outbox: what the store says was sent, of what was not cancelled */
	sent = fx_db_int(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'");
	total = fx_db_int(fx, "SELECT count(*) FROM outbox"
	    " WHERE state != 'cancelled'");
	replies = fx_db_int(fx, "SELECT count(*) FROM outbox"
	    " WHERE kind = 'reply' AND state = 'sent'");
	/* two answers per member (public reply, private link), one cancelled */
	if (sent < 5 || sent != total)
		fail_msg("sent %lld of %lld", sent, total);
	want = xasprintf("<p id=\"delivered\">Delivered %lld of %lld (100.0%%)"
	    "</p>", sent, total);
	if (strstr(body, want) == NULL)
		fail_msg("want %s in:\n%s", want, body);
	free(want);
	want = xasprintf("<tr data-kind=\"reply\"><th scope=\"row\">reply</th>"
	    "<td class=\"n\" data-state=\"queued\">0</td>"
	    "<td class=\"n\" data-state=\"sending\">0</td>"
	    "<td class=\"n\" data-state=\"sent\">%lld</td>", replies);
	if (strstr(body, want) == NULL)
		fail_msg("want %s in:\n%s", want, body);
	free(want);
	assert_non_null(strstr(body, "data-state=\"cancelled\">1</td>"));
	/* the next post, its text as text; the cancelled one not listed */
	assert_non_null(strstr(body, "&lt;script&gt;alert(1)&lt;/script&gt;"
	    " &amp; &lt;b&gt;bienvenue&lt;/b&gt;"));
	assert_non_null(strstr(body, "<td>@" FX_EN "</td>"));
	assert_null(strstr(body, "never"));
	for (p = body; *p != '\0'; p++)
		if (strncasecmp(p, "<script", 7) == 0)
			fail_msg("a script element in the page");
	free(body);
	free(head);
	free(u);
}

/* curl with args, then the url: stdout, and the exit status in *rc. */
static char *
curl(const char *const *args, const char *u, int *rc)
{
	const char	*argv[16];
	char		*out = NULL, *err = NULL;
	int		 n = 0;

	argv[n++] = "curl";
	argv[n++] = "-sS";
	while (*args != NULL && n < 14)
		argv[n++] = *args++;
	argv[n++] = u;
	argv[n] = NULL;
	*rc = tu_run(&out, &err, argv);
	free(err);
	return out;
}

/* HEAD: the headers alone; other methods are refused. */
static void
test_methods(void **state)
{
	struct fixture	*fx = *state;
	char		*u = url(fx, "/status"), *out, *h;
	int		 rc;

	out = curl((const char *[]){ "-I", NULL }, u, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	h = tu_header(out, "content-security-policy");
	assert_non_null(h);
	free(h);
	assert_null(strstr(out, "<html"));
	free(out);
	out = curl((const char *[]){ "-o", "/dev/null", "-w", "%{http_code}",
	    "-X", "POST", "-d", "x", NULL }, u, &rc);
	assert_string_equal(out, "405");
	free(out);
	/* the store stays readable by /metrics meanwhile */
	free(u);
	u = url(fx, "/metrics");
	out = curl((const char *[]){ NULL }, u, &rc);
	assert_non_null(strstr(out, "quitx_members{network=\"mastodon\"} 3"));
	free(out);
	free(u);
}

/* The page as a person sees it, in headless Chromium. */
static void
test_browser(void **state)
{
	struct fixture	*fx = *state;
	const char	*dir = getenv("QUITX_BROWSER");
	char		*script, *u, *out = NULL, *err = NULL, *png, *shot;
	char		*cnt;
	json_t		*res, *v, *fig, *row;
	long long	 sent;
	int		 rc;

	if (dir == NULL) {
		print_message("QUITX_BROWSER is not set (make check sets it)\n");
		skip();
	}
	script = xasprintf("%s/status-page.mjs", dir);
	u = url(fx, "/status");
	png = xasprintf("%s/status.png", fx->dir);
	shot = xasprintf("SCREENSHOT=%s", png);
	rc = tu_run(&out, &err, (const char *[]){ "env", shot, "node", script,
	    u, NULL });
	if (rc != 0 || (res = json_loads(out, 0, NULL)) == NULL)
		fail_msg("status-page.mjs exited %d: %s%s", rc, out, err);
	assert_int_equal(json_integer_value(json_object_get(res, "status")),
	    200);
	/* nothing the policy refused, no error, no script */
	v = json_object_get(res, "errors");
	if (json_array_size(v) != 0) {
		cnt = json_dumps(v, 0);
		fail_msg("errors in the browser: %s", cnt);
	}
	assert_int_equal(json_integer_value(json_object_get(res, "scripts")),
	    0);
	/* the chart: a bar group per day, drawn wide enough to read */
	assert_int_equal(json_integer_value(json_object_get(res, "bars")), 3);
	assert_true(json_integer_value(json_object_get(res, "chart_width")) >
	    300);
	assert_string_equal(json_string_value(json_object_get(res,
	    "chart_label")), "Registrations per day, Mastodon and Bluesky");
	v = json_object_get(res, "bar_titles");
	assert_non_null(strstr(json_string_value(json_array_get(v, 0)),
	    ": Mastodon 1, Bluesky 0"));
	assert_non_null(strstr(json_string_value(json_array_get(v, 2)),
	    ": Mastodon 2, Bluesky 0"));
	/* the figures and the outbox, as shown */
	fig = json_object_get(res, "figures");
	assert_string_equal(json_string_value(json_object_get(fig,
	    "members-mastodon")), "3");
	assert_string_equal(json_string_value(json_object_get(fig,
	    "claims-verified")), "0");
	sent = fx_db_int(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'");
	cnt = xasprintf("Delivered %lld of %lld (100.0%%)", sent, sent);
	assert_string_equal(json_string_value(json_object_get(res,
	    "delivered")), cnt);
	free(cnt);
	row = json_object_get(json_object_get(res, "outbox"), "private");
	cnt = xasprintf("%lld", fx_db_int(fx, "SELECT count(*) FROM outbox"
	    " WHERE kind = 'private' AND state = 'sent'"));
	assert_string_equal(json_string_value(json_object_get(row, "sent")),
	    cnt);
	free(cnt);
	assert_string_equal(json_string_value(json_object_get(row,
	    "cancelled")), "1");
	/* the hostile text reads as text */
	v = json_array_get(json_object_get(res, "scheduled"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "text")),
	    HOSTILE);
	assert_string_equal(json_string_value(json_object_get(v, "bot")),
	    "@" FX_EN);
	assert_int_equal(json_array_size(json_object_get(res, "scheduled")), 1);
	/* and the screenshot is a PNG image */
	cnt = tu_slurp(png);
	if (cnt == NULL || memcmp(cnt, "\x89PNG", 4) != 0)
		fail_msg("no screenshot at %s", png);
	free(cnt);
	json_decref(res);
	free(out);
	free(err);
	free(png);
	free(shot);
	free(u);
	free(script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_browser),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
