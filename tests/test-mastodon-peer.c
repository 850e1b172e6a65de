/*
 * test-mastodon-peer: the local Mastodon peer (tests/peers/mastodon-peer)
 * behaves like a Mastodon instance where quitx can tell: the shapes of
 * the entities, status codes and error texts, paging and its Link header,
 * Idempotency-Key, the per-token rate limit and its headers, and the
 * streaming API over a real WebSocket (401 before the upgrade, frames
 * whose payload is a JSON string, pings, drops, a frozen line, close 1003).
 *
 * If the peer were wrong, the connector tests built on it would prove
 * nothing; these tests speak to it with libcurl and a libwebsockets
 * client only, never through quitx.
 */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "quitx/xmalloc.h"

#define BOT	"HelloQuitX"
#define TOKEN	"tok-bot-1"
#define OTHER	"OtherBot"
#define TOKEN2	"tok-bot-2"

struct fixture {
	char		*dir;
	struct tu_peer	*peer;
};

static int
group_setup(void **state)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));
	char		*cert, *key;

	fx->dir = tu_tmpdir();
	tu_make_cert(fx->dir, &cert, &key);
	free(cert);
	free(key);
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture	*fx = *state;

	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void	ws_end(void);

/* Each test starts its peer; this stops it and so checks it exits 0. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	struct tu_peer	*p = fx->peer;

	ws_end();
	fx->peer = NULL;
	tu_peer_stop(p);
	return 0;
}

static void
start(struct fixture *fx, const char *extra1, const char *extra2)
{
	fx->peer = tu_peer_start(fx->dir, "mastodon-peer", "--domain",
	    "mastodon.test", "--account", BOT ":" TOKEN, "--account",
	    OTHER ":" TOKEN2, extra1, extra2, (char *)NULL);
}

/* A request with a bearer token (or none); headers land in *hdrs. */
static long
call(struct fixture *fx, const char *token, const char *method,
    const char *path, const char *body, char **resp, char **hdrs)
{
	const char	*headers[3] = { NULL, NULL, NULL };
	char		*auth = NULL, *url;
	long		 status;

	if (token != NULL) {
		auth = xasprintf("Authorization: Bearer %s", token);
		headers[0] = auth;
	}
	url = xasprintf("%s%s", fx->peer->base, path);
	status = tu_https_req(fx->peer->ca, method, url, headers, body, resp,
	    hdrs);
	free(url);
	free(auth);
	return status;
}

static json_t *
parse(const char *text)
{
	json_error_t	 jerr;
	json_t		*j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, text);
	return j;
}

/* A control call that must answer 200 with JSON. */
static json_t *
ctl(struct fixture *fx, const char *method, const char *path,
    const char *body)
{
	char	*resp;
	long	 status;
	json_t	*j;

	status = call(fx, NULL, method, path, body, &resp, NULL);
	if (status != 200)
		fail_msg("%s %s: %ld %s", method, path, status, resp);
	j = parse(resp);
	free(resp);
	return j;
}

static long long
stat_of(struct fixture *fx, const char *name)
{
	json_t		*j = ctl(fx, "GET", "/_peer/stats", NULL);
	long long	 n;

	assert_true(json_is_integer(json_object_get(j, name)));
	n = json_integer_value(json_object_get(j, name));
	json_decref(j);
	return n;
}

static const char *
jstr(const json_t *j, const char *key)
{
	const char	*s = json_string_value(json_object_get(j, key));

	if (s == NULL)
		fail_msg("no string \"%s\"", key);
	return s;
}

/* A member mentions a bot; the answer's ids are copied out. */
static void
mention(struct fixture *fx, const char *to, const char *from, char **nid,
    char **sid)
{
	char	*body;
	json_t	*j;

	body = xasprintf("{\"to\":\"%s\",\"from\":\"%s\",\"content\":"
	    "\"<p>@%s hello</p>\",\"language\":\"en\"}", to, from, to);
	j = ctl(fx, "POST", "/_peer/mention", body);
	if (nid != NULL)
		*nid = xstrdup(jstr(j, "notification_id"));
	if (sid != NULL)
		*sid = xstrdup(jstr(j, "status_id"));
	json_decref(j);
	free(body);
}

static char *
follow(struct fixture *fx, const char *to, const char *from)
{
	char	*body, *id;
	json_t	*j;

	body = xasprintf("{\"to\":\"%s\",\"from\":\"%s\"}", to, from);
	j = ctl(fx, "POST", "/_peer/follow", body);
	id = xstrdup(jstr(j, "notification_id"));
	json_decref(j);
	free(body);
	return id;
}

/* The ids of a notifications page, in order, joined by commas. */
static char *
page_ids(const char *text)
{
	json_t	*arr = parse(text), *v;
	char	*out = xstrdup(""), *tmp;
	size_t	 i;

	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, v) {
		tmp = xasprintf("%s%s%s", out, i > 0 ? "," : "", jstr(v, "id"));
		free(out);
		out = tmp;
	}
	json_decref(arr);
	return out;
}

static void
assert_reset_format(const char *reset)
{
	/* 2026-07-02T10:05:00.000000Z */
	assert_non_null(reset);
	assert_int_equal(strlen(reset), 27);
	assert_int_equal(reset[10], 'T');
	assert_int_equal(reset[19], '.');
	assert_int_equal(reset[26], 'Z');
}

static void
test_instance(void **state)
{
	struct fixture	*fx = *state;
	char		*resp, *hdrs, *type, *want;
	json_t		*j, *conf;

	start(fx, "--max-chars", "280");
	assert_int_equal(call(fx, NULL, "GET", "/api/v2/instance", NULL, &resp,
	    &hdrs), 200);
	type = tu_header(hdrs, "content-type");
	assert_string_equal(type, "application/json; charset=utf-8");
	j = parse(resp);
	assert_string_equal(jstr(j, "domain"), "mastodon.test");
	assert_string_equal(jstr(j, "version"), "4.3.0");
	assert_non_null(json_object_get(json_object_get(j, "thumbnail"),
	    "url"));
	assert_true(json_is_array(json_object_get(j, "languages")));
	assert_true(json_is_array(json_object_get(j, "rules")));
	conf = json_object_get(j, "configuration");
	want = xasprintf("wss://127.0.0.1:%d", fx->peer->port);
	assert_string_equal(jstr(json_object_get(conf, "urls"), "streaming"),
	    want);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    conf, "statuses"), "max_characters")), 280);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    conf, "statuses"), "characters_reserved_per_url")), 23);
	assert_false(json_is_true(json_object_get(json_object_get(conf,
	    "translation"), "enabled")));
	/* not authenticated: no rate-limit headers */
	assert_null(tu_header(hdrs, "x-ratelimit-remaining"));
	json_decref(j);
	free(want);
	free(type);
	free(resp);
	free(hdrs);
}

static void
test_verify_credentials(void **state)
{
	struct fixture	*fx = *state;
	char		*resp, *hdrs, *v, *url;
	json_t		*j;

	start(fx, "--rate-limit", "10");
	assert_int_equal(call(fx, TOKEN, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, &hdrs), 200);
	j = parse(resp);
	assert_string_equal(jstr(j, "id"), "110000000000000001");
	assert_string_equal(jstr(j, "username"), BOT);
	assert_string_equal(jstr(j, "acct"), BOT);
	assert_true(json_is_true(json_object_get(j, "bot")));
	assert_string_equal(jstr(j, "url"), "https://mastodon.test/@" BOT);
	assert_true(json_is_object(json_object_get(j, "source")));
	assert_true(json_is_array(json_object_get(j, "emojis")));
	json_decref(j);
	v = tu_header(hdrs, "x-ratelimit-limit");
	assert_string_equal(v, "10");
	free(v);
	v = tu_header(hdrs, "x-ratelimit-remaining");
	assert_string_equal(v, "9");
	free(v);
	v = tu_header(hdrs, "x-ratelimit-reset");
	assert_reset_format(v);
	free(v);
	free(resp);
	free(hdrs);

	/* the other bot is the other account */
	assert_int_equal(call(fx, TOKEN2, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, NULL), 200);
	j = parse(resp);
	assert_string_equal(jstr(j, "id"), "110000000000000002");
	assert_string_equal(jstr(j, "acct"), OTHER);
	json_decref(j);
	free(resp);

	/* a bad token and no token: 401, no rate-limit headers */
	assert_int_equal(call(fx, "nope", "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, &hdrs), 401);
	assert_string_equal(resp, "{\"error\":\"The access token is invalid\"}");
	assert_null(tu_header(hdrs, "x-ratelimit-remaining"));
	free(resp);
	free(hdrs);
	assert_int_equal(call(fx, NULL, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, NULL), 401);
	free(resp);

	/* the access_token parameter, as Doorkeeper also takes it */
	url = xasprintf("%s/api/v1/accounts/verify_credentials?access_token="
	    TOKEN, fx->peer->base);
	assert_int_equal(tu_https(fx->peer->ca, "GET", url, NULL, &resp), 200);
	free(resp);
	free(url);
}

static void
test_lookup(void **state)
{
	struct fixture	*fx = *state;
	char		*resp;
	json_t		*j;

	start(fx, NULL, NULL);
	free(follow(fx, BOT, "marie@piaille.example"));
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/accounts/lookup?acct="
	    "Marie@Piaille.example", NULL, &resp, NULL), 200);
	j = parse(resp);
	assert_string_equal(jstr(j, "acct"), "marie@piaille.example");
	assert_string_equal(jstr(j, "username"), "marie");
	assert_string_equal(jstr(j, "url"), "https://piaille.example/@marie");
	assert_false(json_is_true(json_object_get(j, "bot")));
	json_decref(j);
	free(resp);
	/* a local account, with or without this domain */
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/accounts/lookup?acct="
	    OTHER "@mastodon.test", NULL, &resp, NULL), 200);
	free(resp);
	/* no WebFinger: an account the instance never saw is not found */
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/accounts/lookup?acct="
	    "paul@social.example", NULL, &resp, NULL), 404);
	assert_string_equal(resp, "{\"error\":\"Record not found\"}");
	free(resp);
}

/*
 * min_id gives the oldest page after the cursor, since_id the newest;
 * both newest first; Link keeps the filters; only the token's own.
 */
static void
test_notifications_paging(void **state)
{
	struct fixture	*fx = *state;
	char		*m[5], *f, *resp, *hdrs, *path, *ids, *want, *link;
	int		 i;

	start(fx, NULL, NULL);
	mention(fx, BOT, "marie@piaille.example", &m[0], NULL);
	f = follow(fx, BOT, "paul@social.example");
	for (i = 1; i < 5; i++) {
		mention(fx, OTHER, "paul@social.example", NULL, NULL);
		mention(fx, BOT, "marie@piaille.example", &m[i], NULL);
	}

	/* everything for BOT, newest first, none of OTHER's */
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/notifications", NULL,
	    &resp, NULL), 200);
	ids = page_ids(resp);
	want = xasprintf("%s,%s,%s,%s,%s,%s", m[4], m[3], m[2], m[1], f, m[0]);
	assert_string_equal(ids, want);
	free(ids);
	free(want);
	free(resp);

	/* min_id: the oldest two after m0, still newest first */
	path = xasprintf("/api/v1/notifications?types[]=mention&limit=2"
	    "&min_id=%s", m[0]);
	assert_int_equal(call(fx, TOKEN, "GET", path, NULL, &resp, &hdrs), 200);
	ids = page_ids(resp);
	want = xasprintf("%s,%s", m[2], m[1]);
	assert_string_equal(ids, want);
	link = tu_header(hdrs, "link");
	assert_non_null(link);
	free(want);
	want = xasprintf("<%s/api/v1/notifications?limit=2&max_id=%s"
	    "&types%%5B%%5D=mention>; rel=\"next\", <%s/api/v1/notifications?"
	    "limit=2&min_id=%s&types%%5B%%5D=mention>; rel=\"prev\"",
	    fx->peer->base, m[1], fx->peer->base, m[2]);
	assert_string_equal(link, want);
	free(link);
	free(want);
	free(ids);
	free(resp);
	free(hdrs);
	free(path);

	/* since_id: the newest two, a gap below them */
	path = xasprintf("/api/v1/notifications?types%%5B%%5D=mention&limit=2"
	    "&since_id=%s", m[0]);
	assert_int_equal(call(fx, TOKEN, "GET", path, NULL, &resp, NULL), 200);
	ids = page_ids(resp);
	want = xasprintf("%s,%s", m[4], m[3]);
	assert_string_equal(ids, want);
	free(want);
	free(ids);
	free(resp);
	free(path);

	/* max_id pages down; exclude_types[] and types[] filter */
	path = xasprintf("/api/v1/notifications?limit=2&max_id=%s", m[1]);
	assert_int_equal(call(fx, TOKEN, "GET", path, NULL, &resp, NULL), 200);
	ids = page_ids(resp);
	want = xasprintf("%s,%s", f, m[0]);
	assert_string_equal(ids, want);
	free(want);
	free(ids);
	free(resp);
	free(path);
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/notifications?"
	    "exclude_types[]=mention", NULL, &resp, NULL), 200);
	ids = page_ids(resp);
	assert_string_equal(ids, f);
	free(ids);
	free(resp);
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/notifications?"
	    "types[]=follow&types[]=favourite", NULL, &resp, NULL), 200);
	ids = page_ids(resp);
	assert_string_equal(ids, f);
	free(ids);
	free(resp);

	/* past the newest: empty, and no Link */
	path = xasprintf("/api/v1/notifications?min_id=%s", m[4]);
	assert_int_equal(call(fx, TOKEN, "GET", path, NULL, &resp, &hdrs), 200);
	assert_string_equal(resp, "[]");
	assert_null(tu_header(hdrs, "link"));
	free(resp);
	free(hdrs);
	free(path);

	/* the entity: a mention with its status, a follow without */
	path = xasprintf("/api/v1/notifications?limit=1&max_id=%s", m[1]);
	assert_int_equal(call(fx, TOKEN, "GET", path, NULL, &resp, NULL), 200);
	{
		json_t	*arr = parse(resp), *n = json_array_get(arr, 0);

		assert_string_equal(jstr(n, "type"), "follow");
		assert_null(json_object_get(n, "status"));
		want = xasprintf("ungrouped-%s", f);
		assert_string_equal(jstr(n, "group_key"), want);
		free(want);
		assert_string_equal(jstr(json_object_get(n, "account"), "acct"),
		    "paul@social.example");
		json_decref(arr);
	}
	free(resp);
	free(path);
	assert_int_equal(stat_of(fx, "notification_requests"), 8);
	for (i = 0; i < 5; i++)
		free(m[i]);
	free(f);
}

static void
test_post_status(void **state)
{
	struct fixture	*fx = *state;
	const char	*idem[] = { "Authorization: Bearer " TOKEN,
			    "Idempotency-Key: reply:1", NULL };
	char		*resp, *url, *sid, *id, *body;
	json_t		*j, *m, *list;

	start(fx, NULL, NULL);
	mention(fx, BOT, "marie@piaille.example", NULL, &sid);
	url = xasprintf("%s/api/v1/statuses", fx->peer->base);
	assert_int_equal(tu_https_req(fx->peer->ca, "POST", url, idem,
	    "{\"status\":\"@marie@piaille.example welcome & <thanks>\","
	    "\"visibility\":\"direct\",\"language\":\"en\"}", &resp, NULL),
	    200);
	/* Rails escapes <, > and & inside JSON strings */
	assert_non_null(strstr(resp, "\\u003cp\\u003e"));
	j = parse(resp);
	id = xstrdup(jstr(j, "id"));
	assert_string_equal(jstr(j, "visibility"), "direct");
	assert_string_equal(jstr(j, "language"), "en");
	assert_true(json_is_null(json_object_get(j, "in_reply_to_id")));
	assert_string_equal(jstr(json_object_get(j, "account"), "acct"), BOT);
	assert_string_equal(jstr(j, "content"), "<p><span class=\"h-card\" "
	    "translate=\"no\"><a href=\"https://piaille.example/@marie\" "
	    "class=\"u-url mention\">@<span>marie</span></a></span> welcome "
	    "&amp; &lt;thanks&gt;</p>");
	m = json_object_get(j, "mentions");
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(jstr(json_array_get(m, 0), "acct"),
	    "marie@piaille.example");
	assert_string_equal(jstr(json_array_get(m, 0), "username"), "marie");
	assert_true(json_is_null(json_object_get(j, "card")));
	assert_true(json_is_array(json_object_get(j, "media_attachments")));
	json_decref(j);
	free(resp);

	/* the same key again: the original status, nothing new */
	assert_int_equal(tu_https_req(fx->peer->ca, "POST", url, idem,
	    "{\"status\":\"something else\"}", &resp, NULL), 200);
	j = parse(resp);
	assert_string_equal(jstr(j, "id"), id);
	assert_string_equal(jstr(j, "visibility"), "direct");
	json_decref(j);
	free(resp);

	/* a form-encoded reply; @nobody is unknown and mentions no one */
	body = xasprintf("status=Reply+to+%%40nobody&in_reply_to_id=%s"
	    "&visibility=unlisted", sid);
	{
		const char	*form[] = { "Authorization: Bearer " TOKEN,
				    "Content-Type: "
				    "application/x-www-form-urlencoded", NULL };

		assert_int_equal(tu_https_req(fx->peer->ca, "POST", url, form,
		    body, &resp, NULL), 200);
	}
	j = parse(resp);
	assert_string_equal(jstr(j, "in_reply_to_id"), sid);
	assert_string_equal(jstr(j, "in_reply_to_account_id"),
	    "110000000000000003");
	assert_string_equal(jstr(j, "visibility"), "unlisted");
	assert_int_equal(json_array_size(json_object_get(j, "mentions")), 0);
	assert_string_equal(jstr(j, "content"), "<p>Reply to @nobody</p>");
	json_decref(j);
	free(resp);
	free(body);

	/* a reply to nothing */
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\",\"in_reply_to_id\":\"999\"}", &resp, NULL),
	    404);
	assert_string_equal(resp, "{\"error\":\"The post you are trying to "
	    "reply to does not appear to exist.\"}");
	free(resp);

	/* the key is per account: the other bot posts anew */
	assert_int_equal(call(fx, TOKEN2, "POST", "/api/v1/statuses",
	    "{\"status\":\"mine\"}", &resp, NULL), 200);
	free(resp);

	list = ctl(fx, "GET", "/_peer/statuses", NULL);
	assert_int_equal(json_array_size(list), 3);
	j = json_array_get(list, 0);
	assert_string_equal(jstr(j, "id"), id);
	assert_string_equal(jstr(j, "account"), BOT);
	assert_string_equal(jstr(j, "text"),
	    "@marie@piaille.example welcome & <thanks>");
	assert_string_equal(jstr(j, "idempotency_key"), "reply:1");
	assert_int_equal(json_array_size(json_object_get(j, "mentions")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "mentions"), 0)), "marie@piaille.example");
	assert_string_equal(jstr(json_array_get(list, 2), "account"), OTHER);
	json_decref(list);
	assert_int_equal(stat_of(fx, "status_posts"), 5);
	assert_int_equal(stat_of(fx, "statuses_created"), 3);
	free(id);
	free(sid);
	free(url);
}

static void
test_post_status_refused(void **state)
{
	struct fixture	*fx = *state;
	char		 text[1200], *body, *resp;
	size_t		 i;

	start(fx, NULL, NULL);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"  \\n \"}", &resp, NULL), 422);
	assert_string_equal(resp,
	    "{\"error\":\"Validation failed: Text can't be blank\"}");
	free(resp);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"visibility\":\"public\"}", &resp, NULL), 422);
	free(resp);

	/* 501 characters: over */
	memset(text, 'a', 501);
	text[501] = '\0';
	body = xasprintf("{\"status\":\"%s\"}", text);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses", body,
	    &resp, NULL), 422);
	assert_string_equal(resp, "{\"error\":\"Validation failed: Text "
	    "character limit of 500 exceeded\"}");
	free(resp);
	free(body);

	/* 500 characters of two bytes each: fine (characters, not bytes) */
	for (i = 0; i < 500; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[1000] = '\0';
	body = xasprintf("{\"status\":\"%s\"}", text);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses", body,
	    &resp, NULL), 200);
	free(resp);
	free(body);

	/* a link counts 23 whatever its length: 23 + 1 + 476 = 500 */
	memset(text, 'b', 476);
	text[476] = '\0';
	body = xasprintf("{\"status\":\"https://example.com/%0100d %s\"}", 0,
	    text);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses", body,
	    &resp, NULL), 200);
	free(resp);
	free(body);

	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\",\"visibility\":\"everyone\"}", &resp, NULL),
	    422);
	free(resp);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":", &resp, NULL), 400);
	free(resp);
	assert_int_equal(stat_of(fx, "statuses_created"), 2);
	assert_int_equal(stat_of(fx, "status_posts"), 7);
}

static void
test_rate_limit(void **state)
{
	struct fixture	*fx = *state;
	char		*resp, *hdrs, *v;
	int		 i;

	start(fx, "--rate-limit", "3");
	for (i = 2; i >= 0; i--) {
		assert_int_equal(call(fx, TOKEN, "GET",
		    "/api/v1/accounts/verify_credentials", NULL, &resp, &hdrs),
		    200);
		v = tu_header(hdrs, "x-ratelimit-remaining");
		assert_int_equal(strtol(v, NULL, 10), i);
		free(v);
		free(resp);
		free(hdrs);
	}
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\"}", &resp, &hdrs), 429);
	assert_string_equal(resp, "{\"error\":\"Too many requests\"}");
	v = tu_header(hdrs, "x-ratelimit-remaining");
	assert_string_equal(v, "0");
	free(v);
	v = tu_header(hdrs, "x-ratelimit-limit");
	assert_string_equal(v, "3");
	free(v);
	v = tu_header(hdrs, "x-ratelimit-reset");
	assert_reset_format(v);
	free(v);
	free(resp);
	free(hdrs);
	assert_int_equal(stat_of(fx, "rate_limited"), 1);
	assert_int_equal(stat_of(fx, "statuses_created"), 0);

	/* per token: the other bot still has its budget */
	assert_int_equal(call(fx, TOKEN2, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, NULL), 200);
	free(resp);

	/* a window that ends soon: refused until then, full after */
	json_decref(ctl(fx, "POST", "/_peer/rate", "{\"token\":\"" TOKEN2
	    "\",\"remaining\":0,\"reset_in\":0.2}"));
	assert_int_equal(call(fx, TOKEN2, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, NULL), 429);
	free(resp);
	usleep(250000);
	assert_int_equal(call(fx, TOKEN2, "GET",
	    "/api/v1/accounts/verify_credentials", NULL, &resp, &hdrs), 200);
	v = tu_header(hdrs, "x-ratelimit-remaining");
	assert_string_equal(v, "2");
	free(v);
	free(resp);
	free(hdrs);
	/* the control API is never limited */
	for (i = 0; i < 5; i++)
		assert_true(stat_of(fx, "rate_limited") == 2);
}

static void
test_failures_and_errors(void **state)
{
	struct fixture	*fx = *state;
	char		*resp, *hdrs, *big, *v;

	start(fx, NULL, NULL);
	json_decref(ctl(fx, "POST", "/_peer/fail", "{\"path\":"
	    "\"/api/v1/statuses\",\"status\":503,\"count\":2}"));
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\"}", &resp, NULL), 503);
	assert_string_equal(resp, "{\"error\":\"Service Unavailable\"}");
	free(resp);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\"}", &resp, NULL), 503);
	free(resp);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses",
	    "{\"status\":\"hi\"}", &resp, NULL), 200);
	free(resp);
	assert_int_equal(stat_of(fx, "status_posts"), 3);
	assert_int_equal(stat_of(fx, "statuses_created"), 1);

	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/nothing", NULL, &resp,
	    NULL), 404);
	assert_string_equal(resp, "{\"error\":\"Record not found\"}");
	free(resp);
	assert_int_equal(call(fx, NULL, "GET", "/_peer/nothing", NULL, &resp,
	    NULL), 404);
	free(resp);
	assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/statuses", NULL,
	    &resp, &hdrs), 405);
	v = tu_header(hdrs, "allow");
	assert_string_equal(v, "POST");
	free(v);
	free(resp);
	free(hdrs);
	assert_int_equal(call(fx, NULL, "POST", "/_peer/stats", "{}", &resp,
	    NULL), 405);
	free(resp);
	assert_int_equal(call(fx, TOKEN, "DELETE", "/api/v1/statuses", NULL,
	    &resp, NULL), 405);
	free(resp);
	/* bodies over 1 MB */
	big = xcalloc(1, 1100001);
	memset(big, 'a', 1100000);
	assert_int_equal(call(fx, TOKEN, "POST", "/api/v1/statuses", big,
	    &resp, NULL), 413);
	free(resp);
	free(big);
	/* and the peer still answers */
	assert_int_equal(call(fx, NULL, "GET", "/api/v2/instance", NULL, &resp,
	    NULL), 200);
	free(resp);
}

/*
 * ---- a libwebsockets client for the streaming tests ----
 *
 * One lws context serves every connection of a test: with lws 4.1.6,
 * two contexts holding TLS client connections at once leak an SSL_CTX
 * (LeakSanitizer sees it at exit).
 */
static struct lws_context	*ws_ctx;
static lws_sorted_usec_list_t	 ws_tick_sul;

struct wsc {
	struct lws		*wsi;
	const char		*token;		/* NULL: no Authorization */
	int			 established;
	int			 done;		/* closed or failed */
	int			 failed;
	int			 close_code;	/* the server's close frame */
	char			*error;		/* connection error text */
	unsigned		 http_status;	/* of a refused upgrade */
	char			*frames[16];
	size_t			 nframes;
	char			*rx;
	size_t			 rxlen;
	char			*tx;
	int			 tx_binary;
};

static int
wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct wsc	*c = user;	/* the connection's userdata */
	unsigned char	**p, *end, buf[LWS_PRE + 256];
	char		 *auth;
	size_t		  n;

	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (c->token == NULL)
			break;
		p = in;
		end = *p + len;
		auth = xasprintf("Bearer %s", c->token);
		n = lws_add_http_header_by_name(wsi,
		    (const unsigned char *)"authorization:",
		    (unsigned char *)auth, (int)strlen(auth), p, end) ? 1 : 0;
		free(auth);
		if (n)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = 1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		c->rx = xreallocarray(c->rx, c->rxlen + len + 1, 1);
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
		c->rx[c->rxlen] = '\0';
		if (lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi)) {
			if (c->nframes < sizeof(c->frames) /
			    sizeof(c->frames[0]))
				c->frames[c->nframes++] = c->rx;
			else
				free(c->rx);
			c->rx = NULL;
			c->rxlen = 0;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->tx == NULL)
			break;
		n = strlen(c->tx);
		memcpy(buf + LWS_PRE, c->tx, n);
		free(c->tx);
		c->tx = NULL;
		if (lws_write(wsi, buf + LWS_PRE, n, c->tx_binary ?
		    LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)n)
			return -1;
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			c->close_code = ((unsigned char *)in)[0] << 8 |
			    ((unsigned char *)in)[1];
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c->failed = 1;
		c->done = 1;
		c->error = xstrdup(in != NULL ? (const char *)in : "");
		c->http_status = lws_http_client_http_response(wsi);
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->done = 1;
		c->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols wsc_protocols[] = {
	{ "test-client", wsc_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* lws_service sleeps until an event: a tick bounds each wait. */
static void
ws_tick(lws_sorted_usec_list_t *sul)
{
	lws_sul_schedule(ws_ctx, 0, sul, ws_tick, 10 * LWS_US_PER_MS);
}

static void
ws_begin(const char *ca)
{
	struct lws_context_creation_info	info;

	if (ws_ctx != NULL)
		return;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = wsc_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca;
	info.uid = -1;
	info.gid = -1;
	if ((ws_ctx = lws_create_context(&info)) == NULL)
		fail_msg("lws_create_context");
	ws_tick(&ws_tick_sul);
}

static void
ws_end(void)
{
	if (ws_ctx == NULL)
		return;
	lws_sul_cancel(&ws_tick_sul);
	lws_context_destroy(ws_ctx);
	ws_ctx = NULL;
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Service the client for up to ms, or until *flag becomes at least want. */
static int
wsc_until(struct wsc *c, const int *flag, int want, int ms)
{
	struct timespec	t0;

	(void)c;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (*flag < want && elapsed_ms(&t0) < ms)
		lws_service(ws_ctx, 0);
	return *flag >= want;
}

static int
wsc_frames(struct wsc *c, size_t want, int ms)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (c->nframes < want && elapsed_ms(&t0) < ms)
		lws_service(ws_ctx, 0);
	return c->nframes >= want;
}

static struct wsc *
wsc_connect(struct fixture *fx, const char *path, const char *token)
{
	struct lws_client_connect_info	 ci;
	struct wsc			*c = xcalloc(1, sizeof(*c));

	c->token = token;
	ws_begin(fx->peer->ca);
	memset(&ci, 0, sizeof(ci));
	ci.context = ws_ctx;
	ci.address = "127.0.0.1";
	ci.port = fx->peer->port;
	ci.path = path;
	ci.host = "127.0.0.1";
	ci.origin = "127.0.0.1";
	ci.ssl_connection = LCCSCF_USE_SSL;
	ci.local_protocol_name = "test-client";
	ci.alpn = "http/1.1";
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	if (lws_client_connect_via_info(&ci) == NULL)
		fail_msg("lws_client_connect_via_info");
	return c;
}

static void
wsc_send(struct wsc *c, const char *text, int binary)
{
	int	sent = 0;

	assert_non_null(c->wsi);
	c->tx = xstrdup(text);
	c->tx_binary = binary;
	lws_callback_on_writable(c->wsi);
	/* until the writeable callback took it */
	while (c->tx != NULL && !c->done && sent++ < 200)
		lws_service(ws_ctx, 0);
	assert_null(c->tx);
}

static void
wsc_free(struct wsc *c)
{
	size_t	i;

	/* close it now if it is open: no callback may see c after this */
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_SYNC);
	for (i = 0; i < c->nframes; i++)
		free(c->frames[i]);
	free(c->rx);
	free(c->tx);
	free(c->error);
	free(c);
}

/* Raw upgrade headers through libcurl: a refusal is a plain answer. */
static long
upgrade(struct fixture *fx, const char *path, const char *auth,
    char **hdrs)
{
	const char	*h[] = { "Connection: Upgrade", "Upgrade: websocket",
			    "Sec-WebSocket-Version: 13",
			    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", auth,
			    NULL };
	char		*url = xasprintf("%s%s", fx->peer->base, path), *resp;
	long		 status;

	status = tu_https_req(fx->peer->ca, "GET", url, h, NULL, &resp, hdrs);
	assert_string_equal(resp, "");
	free(resp);
	free(url);
	return status;
}

static void
test_stream_refused(void **state)
{
	struct fixture	*fx = *state;
	char		*hdrs, *v;
	struct wsc	*c;

	start(fx, NULL, NULL);
	assert_int_equal(upgrade(fx, "/api/v1/streaming",
	    "Authorization: Bearer wrong", &hdrs), 401);
	v = tu_header(hdrs, "x-error-message");
	assert_string_equal(v, "Invalid access token");
	free(v);
	v = tu_header(hdrs, "content-length");
	assert_string_equal(v, "0");
	free(v);
	assert_non_null(strstr(hdrs, "HTTP/1.1 401 Unauthorized\r\n"));
	free(hdrs);
	assert_int_equal(upgrade(fx, "/api/v1/streaming", NULL, &hdrs), 401);
	v = tu_header(hdrs, "x-error-message");
	assert_string_equal(v, "Missing access token");
	free(v);
	free(hdrs);
	assert_int_equal(upgrade(fx, "/api/v1/nowhere",
	    "Authorization: Bearer " TOKEN, &hdrs), 404);
	free(hdrs);

	/*
	 * What a libwebsockets client sees: a connection error whose text
	 * says "unauthorized" (lws 4.1: "HS: ws upgrade unauthorized"), and
	 * the status from lws_http_client_http_response().
	 */
	c = wsc_connect(fx, "/api/v1/streaming", "wrong");
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_true(c->failed);
	assert_false(c->established);
	assert_int_equal(c->http_status, 401);
	assert_non_null(strstr(c->error, "unauthorized"));
	wsc_free(c);

	/* a failure asked for, once, then the upgrade goes through */
	json_decref(ctl(fx, "POST", "/_peer/fail", "{\"path\":"
	    "\"/api/v1/streaming\",\"status\":502}"));
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_false(c->established);
	assert_int_equal(c->http_status, 502);
	wsc_free(c);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	wsc_free(c);

	/* streaming switched off: 503 before the upgrade */
	json_decref(ctl(fx, "POST", "/_peer/streaming", "{\"up\":false}"));
	assert_int_equal(upgrade(fx, "/api/v1/streaming",
	    "Authorization: Bearer " TOKEN, &hdrs), 503);
	free(hdrs);
	assert_int_equal(stat_of(fx, "stream_refused"), 6);
	assert_int_equal(stat_of(fx, "stream_connects_total"), 1);
}

static void
test_stream_no_streaming(void **state)
{
	struct fixture	*fx = *state;
	char		*hdrs, *resp;
	json_t		*j;
	struct wsc	*c;

	start(fx, "--no-streaming", NULL);
	/* the instance still names a streaming URL */
	assert_int_equal(call(fx, NULL, "GET", "/api/v2/instance", NULL, &resp,
	    NULL), 200);
	j = parse(resp);
	assert_non_null(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "configuration"), "urls"), "streaming")));
	json_decref(j);
	free(resp);
	assert_int_equal(upgrade(fx, "/api/v1/streaming",
	    "Authorization: Bearer " TOKEN, &hdrs), 503);
	free(hdrs);
	/* the control API can turn it on */
	json_decref(ctl(fx, "POST", "/_peer/streaming", "{\"up\":true}"));
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	wsc_free(c);
}

/* The frame for a notification: payload is JSON in a string. */
static json_t *
frame_notification(const char *frame, const char *stream)
{
	json_t	*f = parse(frame), *n;

	assert_int_equal(json_array_size(json_object_get(f, "stream")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f,
	    "stream"), 0)), stream);
	assert_string_equal(jstr(f, "event"), "notification");
	n = parse(jstr(f, "payload"));
	json_decref(f);
	return n;
}

static void
test_stream_mention(void **state)
{
	struct fixture	*fx = *state;
	struct wsc	*c, *q;
	char		*nid, *sid;
	json_t		*n, *st;

	start(fx, NULL, NULL);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	wsc_send(c, "{\"type\":\"subscribe\",\"stream\":\"user:notification\"}",
	    0);
	wsc_send(c, "{\"type\":\"subscribe\",\"stream\":[\"user:notification\"]}",
	    0);
	wsc_send(c, "not json at all", 0);
	wsc_send(c, "{\"type\":\"subscribe\",\"stream\":\"bogus\"}", 0);
	/* in order: the error frame says the subscriptions were read */
	assert_true(wsc_frames(c, 1, 5000));
	assert_string_equal(c->frames[0],
	    "{\"error\":\"Unknown stream type\",\"status\":400}");

	/* a second client: the legacy query token and ?stream=user */
	q = wsc_connect(fx, "/api/v1/streaming?stream=user&access_token="
	    TOKEN, NULL);
	assert_true(wsc_until(q, &q->established, 1, 5000));
	assert_int_equal(stat_of(fx, "stream_connections"), 2);

	/* not for this bot: nothing */
	mention(fx, OTHER, "paul@social.example", NULL, NULL);
	mention(fx, BOT, "marie@piaille.example", &nid, &sid);
	assert_true(wsc_frames(c, 2, 5000));
	assert_true(wsc_frames(q, 1, 5000));
	n = frame_notification(c->frames[1], "user:notification");
	assert_string_equal(jstr(n, "id"), nid);
	assert_string_equal(jstr(n, "type"), "mention");
	st = json_object_get(n, "status");
	assert_string_equal(jstr(st, "id"), sid);
	assert_string_equal(jstr(st, "content"), "<p>@" BOT " hello</p>");
	assert_string_equal(jstr(st, "language"), "en");
	assert_string_equal(jstr(json_object_get(st, "account"), "acct"),
	    "marie@piaille.example");
	assert_string_equal(jstr(json_array_get(json_object_get(st,
	    "mentions"), 0), "acct"), BOT);
	assert_string_equal(jstr(json_object_get(n, "account"), "acct"),
	    "marie@piaille.example");
	json_decref(n);
	n = frame_notification(q->frames[0], "user");
	assert_string_equal(jstr(n, "id"), nid);
	json_decref(n);
	/* exactly one frame each (subscribing twice is a no-op) */
	wsc_frames(c, 3, 200);
	assert_int_equal(c->nframes, 2);
	assert_int_equal(q->nframes, 1);
	/* the same notification over REST */
	{
		char	*resp;
		json_t	*arr;

		assert_int_equal(call(fx, TOKEN, "GET", "/api/v1/notifications",
		    NULL, &resp, NULL), 200);
		arr = parse(resp);
		assert_string_equal(jstr(json_array_get(arr, 0), "id"), nid);
		json_decref(arr);
		free(resp);
	}
	wsc_free(q);
	wsc_free(c);
	free(nid);
	free(sid);
}

static void
test_stream_ping_and_freeze(void **state)
{
	struct fixture	*fx = *state;
	struct wsc	*c;
	long long	 pings, pongs;
	char		*lost, *nid;
	json_t		*n;

	start(fx, "--ping-interval", "0.05");
	c = wsc_connect(fx, "/api/v1/streaming?stream=user:notification",
	    TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	/* lws answers pings by itself: pongs come back */
	wsc_until(c, &c->done, 1, 250);
	assert_true(stat_of(fx, "pongs_received") >= 2);

	json_decref(ctl(fx, "POST", "/_peer/freeze", "{\"frozen\":true}"));
	wsc_until(c, &c->done, 1, 100);
	pings = stat_of(fx, "pings_sent");
	pongs = stat_of(fx, "pongs_received");
	mention(fx, BOT, "marie@piaille.example", &lost, NULL);
	wsc_until(c, &c->done, 1, 250);
	/* frozen: no pings, no frames; the line looks dead */
	assert_int_equal(stat_of(fx, "pings_sent"), pings);
	assert_int_equal(c->nframes, 0);
	assert_false(c->done);

	json_decref(ctl(fx, "POST", "/_peer/freeze", "{\"frozen\":false}"));
	mention(fx, BOT, "marie@piaille.example", &nid, NULL);
	assert_true(wsc_frames(c, 1, 5000));
	n = frame_notification(c->frames[0], "user:notification");
	/* what was made while frozen never comes */
	assert_string_equal(jstr(n, "id"), nid);
	json_decref(n);
	wsc_until(c, &c->done, 1, 200);
	assert_true(stat_of(fx, "pongs_received") > pongs);
	assert_int_equal(c->nframes, 1);
	wsc_free(c);
	free(lost);
	free(nid);
}

static void
test_stream_drop(void **state)
{
	struct fixture	*fx = *state;
	struct wsc	*c;
	json_t		*j;

	start(fx, NULL, NULL);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	j = ctl(fx, "POST", "/_peer/streaming", "{\"drop\":true}");
	assert_int_equal(json_integer_value(json_object_get(j, "dropped")), 1);
	json_decref(j);
	/* closed with no close frame */
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_int_equal(c->close_code, 0);
	wsc_free(c);
	assert_int_equal(stat_of(fx, "stream_connections"), 0);

	/* still accepting after a drop */
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	/* down: the line drops and new upgrades are refused */
	json_decref(ctl(fx, "POST", "/_peer/streaming", "{\"up\":false}"));
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_int_equal(c->close_code, 0);
	wsc_free(c);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_true(c->failed);
	assert_int_equal(c->http_status, 503);
	wsc_free(c);
	json_decref(ctl(fx, "POST", "/_peer/streaming", "{\"up\":true}"));
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	assert_int_equal(stat_of(fx, "stream_connects_total"), 3);
	assert_int_equal(stat_of(fx, "stream_connections"), 1);
	wsc_free(c);
}

static void
test_stream_binary_closes_1003(void **state)
{
	struct fixture	*fx = *state;
	struct wsc	*c;

	start(fx, NULL, NULL);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	wsc_send(c, "binary", 1);
	assert_true(wsc_until(c, &c->done, 1, 5000));
	assert_int_equal(c->close_code, 1003);
	wsc_free(c);
}

/* SIGTERM and SIGINT end the peer with 0, open connections or not. */
static void
test_signals(void **state)
{
	struct fixture	*fx = *state;
	struct wsc	*c;
	int		 status = -1, i;

	start(fx, NULL, NULL);
	c = wsc_connect(fx, "/api/v1/streaming", TOKEN);
	assert_true(wsc_until(c, &c->established, 1, 5000));
	tu_peer_stop(fx->peer);		/* SIGTERM; checks the exit */
	fx->peer = NULL;
	assert_true(wsc_until(c, &c->done, 1, 5000));
	wsc_free(c);

	start(fx, NULL, NULL);
	kill(fx->peer->pid, SIGINT);
	for (i = 0; i < 500; i++) {
		if (waitpid(fx->peer->pid, &status, WNOHANG) == fx->peer->pid)
			break;
		usleep(10000);
	}
	assert_true(i < 500);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(fx->peer->base);
	free(fx->peer->ca);
	free(fx->peer);
	fx->peer = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_instance, teardown),
		cmocka_unit_test_teardown(test_verify_credentials, teardown),
		cmocka_unit_test_teardown(test_lookup, teardown),
		cmocka_unit_test_teardown(test_notifications_paging, teardown),
		cmocka_unit_test_teardown(test_post_status, teardown),
		cmocka_unit_test_teardown(test_post_status_refused, teardown),
		cmocka_unit_test_teardown(test_rate_limit, teardown),
		cmocka_unit_test_teardown(test_failures_and_errors, teardown),
		cmocka_unit_test_teardown(test_stream_refused, teardown),
		cmocka_unit_test_teardown(test_stream_no_streaming, teardown),
		cmocka_unit_test_teardown(test_stream_mention, teardown),
		cmocka_unit_test_teardown(test_stream_ping_and_freeze,
		    teardown),
		cmocka_unit_test_teardown(test_stream_drop, teardown),
		cmocka_unit_test_teardown(test_stream_binary_closes_1003,
		    teardown),
		cmocka_unit_test_teardown(test_signals, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
