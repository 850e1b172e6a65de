/*
 * test-atproto: quitx's Bluesky code against the real Bluesky stack
 * (@atproto/dev-env: PLC, PDS, AppView), started by tests/atproto/stack.sh
 * run, which exports PDS_URL and PDS_RATELIMIT_BYPASS_KEY.  Without
 * PDS_URL every test is skipped, unless QUITX_ATPROTO_REQUIRED is set
 * (make check-atproto sets it): then they fail.
 *
 * What the real servers judge here is what the local peer can only
 * imitate: that quitx's record keys (tid.c) are keys the PDS accepts, that
 * its facets (richtext.c) survive validation with their byte offsets on
 * accented and emoji text, that putRecord on a key chosen once makes a
 * resend a no-op while createRecord on it fails, and that the AppView's
 * notifications read back through bluesky-parse.c into the payload the
 * handler reads.  The daemon itself talks to the local peer only: these
 * servers speak plain http, which quitx refuses.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "quitx/bluesky-parse.h"
#include "quitx/richtext.h"
#include "quitx/tid.h"
#include "quitx/xmalloc.h"

#define PASSWORD	"quitx-test-password"

struct account {
	char	*did;
	char	*handle;
	char	*auth;		/* "Authorization: Bearer ..." */
};

static const char *pds;
static char *bypass;

/* One XRPC call; the answer's JSON (NULL body: an empty object). */
static json_t *
xrpc(const struct account *a, const char *method, const char *nsid,
    const char *query, const json_t *body, long *status)
{
	const char	*hdr[3];
	char		*url, *text = NULL, *resp = NULL;
	json_t		*v;
	json_error_t	 jerr;
	size_t		 n = 0;

	url = xasprintf("%s/xrpc/%s%s%s", pds, nsid, query != NULL ? "?" : "",
	    query != NULL ? query : "");
	if (a != NULL)
		hdr[n++] = a->auth;
	hdr[n++] = bypass;
	hdr[n] = NULL;
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	*status = tu_https_req(NULL, method, url, hdr, text, &resp, NULL);
	v = json_loads(resp != NULL && resp[0] != '\0' ? resp : "{}", 0,
	    &jerr);
	if (v == NULL)
		fail_msg("%s: not JSON: %s", nsid, resp);
	free(url);
	free(text);
	free(resp);
	return v;
}

static struct account *
account_new(const char *name)
{
	struct account	*a = xcalloc(1, sizeof(*a));
	json_t		*req, *res;
	long		 st;

	/* a fresh handle each run: the stack may be reused */
	a->handle = xasprintf("%s%ld.test", name, (long)(time(NULL) % 100000));
	req = json_pack("{s:s, s:s++, s:s}", "handle", a->handle, "email",
	    a->handle, "@", "quitx.test", "password", PASSWORD);
	res = xrpc(NULL, "POST", "com.atproto.server.createAccount", NULL, req,
	    &st);
	if (st != 200)
		fail_msg("createAccount %s: %ld %s", a->handle, st,
		    json_dumps(res, 0));
	a->did = xstrdup(json_string_value(json_object_get(res, "did")));
	a->auth = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(res, "accessJwt")));
	json_decref(req);
	json_decref(res);
	return a;
}

static void
account_free(struct account *a)
{
	free(a->did);
	free(a->handle);
	free(a->auth);
	free(a);
}

static int
skip_without_stack(void)
{
	if ((pds = getenv("PDS_URL")) == NULL) {
		/* make check-atproto asks for the stack: no quiet skip */
		if (getenv("QUITX_ATPROTO_REQUIRED") != NULL)
			fail_msg("PDS_URL is not set: the stack did not "
			    "start");
		print_message("PDS_URL is not set: run under "
		    "tests/atproto/stack.sh run (make check does)\n");
		return 1;
	}
	free(bypass);
	bypass = xasprintf("x-ratelimit-bypass: %s",
	    getenv("PDS_RATELIMIT_BYPASS_KEY") != NULL ?
	    getenv("PDS_RATELIMIT_BYPASS_KEY") : "");
	return 0;
}

/* The bot's resolver for richtext_facets: handle -> DID of the test's. */
static const struct account *resolve_to;

static const char *
resolve(const char *handle, void *arg)
{
	(void)arg;
	return resolve_to != NULL && strcmp(handle, resolve_to->handle) == 0 ?
	    resolve_to->did : NULL;
}

static json_t *
post_record(const char *text, json_t *reply)
{
	char	 at[32];
	time_t	 now = time(NULL);
	json_t	*r;

	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&now));
	r = json_pack("{s:s, s:s, s:s, s:[s], s:o}", "$type",
	    "app.bsky.feed.post", "text", text, "createdAt", at, "langs", "fr",
	    "facets", richtext_facets(text, resolve, NULL));
	if (reply != NULL)
		json_object_set_new(r, "reply", reply);
	return r;
}

/*
 * A member mentions the bot in accented, emoji-laden text with a link
 * and a tag; the bot answers with putRecord on a TID; the resend is a
 * no-op, createRecord on the key fails; the AppView's notification reads
 * back as a mention of the bot with the right handle and reply refs.
 */
static void
test_post_reply_notify(void **state)
{
	struct account		*bot, *marie;
	struct bsky_event	 ev;
	struct bsky_post	 p;
	json_t			*rec, *req, *res, *first, *n, *list;
	char			 rkey[TID_LEN + 1], err[128], *text, *q;
	const char		*uri, *cid, *cid2;
	long			 st;
	size_t			 i;
	int			 tries, found = 0;

	(void)state;
	if (skip_without_stack()) {
		skip();
		return;
	}
	bot = account_new("quitxbot");
	marie = account_new("marie");

	/* her post, facets computed by quitx's richtext */
	resolve_to = bot;
	text = xasprintf("Élodie 👩‍👩‍👧‍👦 et moi 👍🏽: @%s inscription "
	    "@marie_x — https://example.com/quitx?a=1. #QuitX", bot->handle);
	rec = post_record(text, NULL);
	assert_int_equal(json_array_size(json_object_get(rec, "facets")), 3);
	req = json_pack("{s:s, s:s, s:O}", "repo", marie->did, "collection",
	    "app.bsky.feed.post", "record", rec);
	first = xrpc(marie, "POST", "com.atproto.repo.createRecord", NULL, req,
	    &st);
	assert_int_equal(st, 200);
	json_decref(req);

	/* the facets came back as sent, offsets and all */
	q = xasprintf("repo=%s&collection=app.bsky.feed.post&rkey=%s",
	    marie->did, strrchr(json_string_value(json_object_get(first,
	    "uri")), '/') + 1);
	res = xrpc(NULL, "GET", "com.atproto.repo.getRecord", q, NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_equal(json_object_get(json_object_get(res, "value"),
	    "facets"), json_object_get(rec, "facets")));
	json_decref(res);
	free(q);
	json_decref(rec);

	/* the bot's answer: a reply, on a key chosen once, sent twice */
	resolve_to = NULL;
	uri = json_string_value(json_object_get(first, "uri"));
	cid = json_string_value(json_object_get(first, "cid"));
	rec = post_record("Noté : vous êtes @marie_x sur X. 🚀",
	    json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "root", "uri", uri,
	    "cid", cid, "parent", "uri", uri, "cid", cid));
	tid_next(rkey);
	req = json_pack("{s:s, s:s, s:s, s:O}", "repo", bot->did, "collection",
	    "app.bsky.feed.post", "rkey", rkey, "record", rec);
	res = xrpc(bot, "POST", "com.atproto.repo.putRecord", NULL, req, &st);
	assert_int_equal(st, 200);
	cid2 = json_string_value(json_object_get(res, "cid"));
	assert_non_null(cid2);
	n = xrpc(bot, "POST", "com.atproto.repo.putRecord", NULL, req, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(n, "cid")), cid2);
	/* a no-op: no new commit */
	assert_null(json_object_get(n, "commit"));
	json_decref(n);
	n = xrpc(bot, "POST", "com.atproto.repo.createRecord", NULL, req, &st);
	assert_int_equal(st, 500);
	json_decref(n);
	json_decref(res);
	json_decref(req);
	json_decref(rec);

	/* the AppView tells the bot; quitx reads it as the handler will */
	for (tries = 0; tries < 100 && !found; tries++) {
		res = xrpc(bot, "GET", "app.bsky.notification.listNotifications",
		    "limit=50", NULL, &st);
		list = json_object_get(res, "notifications");
		json_array_foreach(list, i, n) {
			if (bsky_notification_parse(n, bot->did, &ev, err,
			    sizeof(err)) != 1)
				continue;
			assert_string_equal(ev.uri, uri);
			assert_int_equal(bsky_post_parse(ev.payload, &p, err,
			    sizeof(err)), 0);
			assert_string_equal(p.text, text);
			assert_string_equal(p.handle, marie->handle);
			assert_string_equal(p.cid, cid);
			assert_int_equal(p.nmentions, 1);
			assert_string_equal(p.mentions[0], bot->handle);
			assert_string_equal(p.mention_dids[0], bot->did);
			bsky_post_clear(&p);
			bsky_event_clear(&ev);
			found = 1;
		}
		json_decref(res);
		if (!found)
			usleep(50000);
	}
	assert_true(found);
	json_decref(first);
	free(text);
	account_free(bot);
	account_free(marie);
}

/* An expired or bad token answers as the connector expects. */
static void
test_token_errors(void **state)
{
	struct account	 bad;
	json_t		*res, *req;
	char		 tok[] = "Authorization: Bearer not.a.token";
	long		 st;

	(void)state;
	if (skip_without_stack()) {
		skip();
		return;
	}
	memset(&bad, 0, sizeof(bad));
	bad.auth = tok;
	res = xrpc(&bad, "GET", "app.bsky.notification.listNotifications",
	    NULL, NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(json_string_value(json_object_get(res, "error")),
	    "InvalidToken");
	json_decref(res);
	req = json_pack("{s:s, s:s}", "identifier", "nobody.test", "password",
	    "x");
	res = xrpc(NULL, "POST", "com.atproto.server.createSession", NULL, req,
	    &st);
	assert_int_equal(st, 401);
	json_decref(res);
	json_decref(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_reply_notify),
		cmocka_unit_test(test_token_errors),
	};
	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(bypass);
	return rc;
}
