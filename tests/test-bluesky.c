/*
 * test-bluesky: `quitx run` against the local Bluesky peer (PLC
 * directory, PDS, chat proxy and Jetstream in one program), as members
 * and the network would use it: mentions over Jetstream and polling,
 * replies as posts threaded under theirs, private answers as chat
 * messages, and what goes wrong on the way (a dropped stream, a restart,
 * an expired token, refused messages, rate limits, a lost answer).
 */
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "quitx/xmalloc.h"

#define MARIE	"marie.test"
#define PAUL	"paul.test"

static const char *
str(const json_t *o, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

/* The peer's chat messages to did, once there are n (10 s). */
static json_t *
messages_to(struct fixture *fx, const char *did, size_t n)
{
	json_t	*all = NULL, *out = NULL, *m;
	size_t	 i;
	int	 tries;

	for (tries = 0; tries < 200; tries++) {
		json_decref(all);
		json_decref(out);
		all = fx_peer_call(fx, "GET", "/_peer/messages", NULL);
		out = json_array();
		json_array_foreach(all, i, m)
			if (str(m, "to") != NULL && strcmp(str(m, "to"), did) == 0)
				json_array_append(out, m);
		if (json_array_size(out) >= n)
			break;
		usleep(50000);
	}
	json_decref(all);
	if (json_array_size(out) < n)
		fail_msg("%zu messages to %s, want %zu; log:\n%s",
		    json_array_size(out), did, n, tu_slurp(fx->log));
	return out;
}

static void
follow(struct fixture *fx, const char *from, const char *to)
{
	char	*body = xasprintf("{\"from\":\"%s\",\"to\":\"%s\"}", from, to);

	fx_peer_post(fx, "/_peer/follow", body);
	free(body);
}

/*
 * A member follows the bot and registers: the follow and the mention
 * come over Jetstream, the answer is a reply threaded under her post
 * (root and parent, with cids) in her language, and the upload link a
 * chat message to her DID with a link facet.
 */
static void
test_register(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	json_t		*posts, *msgs, *facets;
	char		*uri, *marie, *sql;
	const char	*text;

	(void)state;
	marie = fx_bsky_did(fx, MARIE);
	follow(fx, MARIE, FX_BSKY_FR);
	sql = xasprintf("SELECT count(*) FROM bot_follower WHERE account = "
	    "'%s'", marie);
	fx_wait_db(fx, sql, 1, 10);
	free(sql);
	uri = fx_bsky_post(fx, MARIE, "@" FX_BSKY_FR " inscription @marie_x",
	    NULL);
	posts = fx_bsky_posts(fx, FX_BSKY_FR, 1);
	text = str(json_array_get(posts, 0), "record.text");
	assert_non_null(strstr(text, "@marie_x"));
	assert_string_equal(str(json_array_get(posts, 0),
	    "record.reply.parent.uri"), uri);
	assert_string_equal(str(json_array_get(posts, 0),
	    "record.reply.root.uri"), uri);
	assert_non_null(str(json_array_get(posts, 0), "record.reply.root.cid"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_object_get(json_array_get(posts, 0), "record"), "langs"), 0)),
	    "fr");
	msgs = messages_to(fx, marie, 1);
	text = str(json_array_get(msgs, 0), "text");
	assert_non_null(strstr(text, "https://quitx.example.org/u/"));
	facets = json_object_get(json_array_get(msgs, 0), "facets");
	assert_true(json_array_size(facets) >= 1);
	fx_wait_db(fx, "SELECT count(*) FROM x_claim WHERE handle = "
	    "'marie_x'", 1, 5);
	/* nothing else went out, and the Jetstream event was read once */
	assert_int_equal(fx_peer_stat(fx, "create_session"), 2);
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE kind = 'mention'", 1,
	    5);
	json_decref(posts);
	json_decref(msgs);
	free(uri);
	free(marie);
	fx_destroy(fx);
}

/*
 * Jetstream drops; three mentions come while it is refused; each is
 * answered once: from the notifications poll meanwhile, and the replay
 * from the saved cursor adds nothing.
 */
static void
test_jetstream_drop(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	json_t		*posts;
	char		*u[3], text[64];
	int		 i;

	(void)state;
	fx_peer_post(fx, "/_peer/jetstream", "{\"up\":false,\"drop\":true}");
	fx_wait_peer_stat(fx, "jetstream_active", 0, 10);
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "@" FX_BSKY_EN " suggestions %d", i);
		u[i] = fx_bsky_post(fx, i == 1 ? PAUL : MARIE, text, NULL);
	}
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE kind = 'mention'", 3,
	    15);
	fx_peer_post(fx, "/_peer/jetstream", "{\"up\":true}");
	fx_wait_peer_stat(fx, "jetstream_active", 1, 15);
	/* a fourth over the stream once it is back */
	u[0] = (free(u[0]), fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " help",
	    NULL));
	fx_wait_db(fx, "SELECT count(*) FROM inbox WHERE kind = 'mention'", 4,
	    15);
	posts = fx_bsky_posts(fx, FX_BSKY_EN, 4);
	sleep(2);	/* a replay would show now */
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox"), 4);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE "
	    "kind <> 'private'"), 4);
	json_decref(posts);
	for (i = 0; i < 3; i++)
		free(u[i]);
	fx_destroy(fx);
}

/*
 * The daemon stops mid-stream; mentions come while it is away; after the
 * restart each is handled once (Jetstream replays from the saved cursor
 * less a few seconds, polling sees them too: the inbox keeps one).
 */
static void
test_restart(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	char		*a, *b, *c;

	(void)state;
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1,
	    10);
	fx_daemon_stop(fx);
	b = fx_bsky_post(fx, PAUL, "@" FX_BSKY_EN " suggestions", NULL);
	c = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " help", NULL);
	fx_daemon_start(fx);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 3,
	    15);
	sleep(2);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox"), 3);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox"), 3);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 3));
	assert_int_equal(fx_peer_stat(fx, "create_record"), 0);
	free(a);
	free(b);
	free(c);
	fx_destroy(fx);
}

/* The access token expires mid-run: refreshed, no new session. */
static void
test_session_expires(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	char		*a;

	(void)state;
	fx_peer_post(fx, "/_peer/expire", "{\"handle\":\"" FX_BSKY_EN "\"}");
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 1));
	assert_true(fx_peer_stat(fx, "refresh_session") >= 1);
	assert_int_equal(fx_peer_stat(fx, "create_session"), 2);
	fx_wait_log(fx, "session refreshed", 5);
	free(a);
	fx_destroy(fx);
}

/*
 * A member whose chat settings refuse the bot: the upload link waits
 * and the row says why; the public reply still goes, and one public post
 * asks them to follow the bot.  Once they follow, the link is sent.
 */
static void
test_dm_refused(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	json_t		*posts, *last;
	char		*a, *did;

	(void)state;
	fx_peer_post(fx, "/_peer/chat-setting",
	    "{\"handle\":\"" MARIE "\",\"allowIncoming\":\"none\"}");
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " register @marie_x", NULL);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'queued' AND "
	    "last_error LIKE 'unreachable:%'", 1, 10);
	/* the reply, then the request to follow, naming her */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE kind = 'ask_follow'"
	    " AND state = 'sent'", 1, 10);
	posts = fx_bsky_posts(fx, FX_BSKY_EN, 1);
	last = json_object_get(json_array_get(posts, json_array_size(posts) -
	    1), "record");
	did = fx_bsky_did(fx, MARIE);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(last, "facets"), 0),
	    "features"), 0), "did")), did);
	assert_non_null(strstr(json_string_value(json_object_get(last,
	    "text")), "Follow @" FX_BSKY_EN));
	free(did);
	json_decref(posts);
	assert_int_equal(fx_peer_stat(fx, "send_message"), 0);
	/* asked once, however long the message waits */
	sleep(2);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM outbox WHERE "
	    "kind = 'ask_follow'"), 1);

	fx_peer_post(fx, "/_peer/chat-setting",
	    "{\"handle\":\"" MARIE "\",\"allowIncoming\":\"following\"}");
	fx_peer_post(fx, "/_peer/follow", "{\"from\":\"" MARIE
	    "\",\"to\":\"" FX_BSKY_EN "\"}");
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE kind = 'private' "
	    "AND state = 'sent'", 1, 10);
	assert_int_equal(fx_peer_stat(fx, "send_message"), 1);
	free(a);
	fx_destroy(fx);
}

/*
 * A 429 on putRecord: the row waits for the reset and goes once; a
 * budget at zero is waited for without asking.
 */
static void
test_rate_limited(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	char		*a, *b, *c;
	long long	 limited;

	(void)state;
	fx_peer_post(fx, "/_peer/fail", "{\"path\":"
	    "\"com.atproto.repo.putRecord\",\"status\":429,\"count\":1}");
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 1));
	fx_wait_log(fx, "rate limited", 5);
	limited = fx_peer_stat(fx, "rate_limited");
	/*
	 * One write's worth of budget left until a reset 3 s away: the
	 * first answer goes and says so, the second waits for the reset
	 * instead of asking and meeting a 429.
	 */
	fx_peer_post(fx, "/_peer/rate", "{\"handle\":\"" FX_BSKY_EN
	    "\",\"remaining\":2,\"reset_in\":3}");
	b = fx_bsky_post(fx, PAUL, "@" FX_BSKY_EN " suggestions", NULL);
	c = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 3));
	assert_int_equal(fx_peer_stat(fx, "rate_limited"), limited);
	free(c);
	free(a);
	free(b);
	fx_destroy(fx);
}

/*
 * An answer whose first attempt reached the PDS but whose outcome was
 * lost (the connection died after the write): the row is retried with the
 * same putRecord, which the PDS answers as a no-op.  The lost attempt is
 * played by the test itself, as the bot, with the row's own record key
 * and record, while the daemon's attempt waits out a 503.  One post.
 */
static void
test_resend_is_noop(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	json_t		*posts, *body, *sess, *put;
	json_error_t	 jerr;
	char		*a, *text, *url, *resp = NULL, *auth, *req, *did;
	const char	*hdr[2];

	(void)state;
	fx_peer_post(fx, "/_peer/fail", "{\"path\":"
	    "\"com.atproto.repo.putRecord\",\"status\":503,\"count\":1}");
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	/* the first attempt failed; the retry is at least 5 s away */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'queued' "
	    "AND attempts = 1", 1, 10);
	text = fx_db_text(fx, "SELECT body FROM outbox");
	body = json_loads(text, 0, &jerr);
	assert_non_null(body);
	url = xasprintf("%s/xrpc/com.atproto.server.createSession",
	    fx->peer->base);
	assert_int_equal(tu_https(fx->peer->ca, "POST", url, "{\"identifier\":"
	    "\"" FX_BSKY_EN "\",\"password\":\"pw-en-1234\"}", &resp), 200);
	sess = json_loads(resp, 0, &jerr);
	did = fx_bsky_did(fx, FX_BSKY_EN);
	put = json_pack("{s:s, s:s, s:O, s:O}", "repo", did, "collection",
	    "app.bsky.feed.post", "rkey", json_object_get(json_object_get(body,
	    "post"), "rkey"), "record", json_object_get(json_object_get(body,
	    "post"), "record"));
	req = json_dumps(put, JSON_COMPACT);
	auth = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(sess, "accessJwt")));
	hdr[0] = auth;
	hdr[1] = NULL;
	free(url);
	free(resp);
	url = xasprintf("%s/xrpc/com.atproto.repo.putRecord", fx->peer->base);
	assert_int_equal(tu_https_req(fx->peer->ca, "POST", url, hdr, req,
	    NULL, NULL), 200);
	/* the daemon's retry: the same write, a no-op */
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1,
	    20);
	assert_int_equal(fx_peer_stat(fx, "put_record_noop"), 1);
	assert_int_equal(fx_peer_stat(fx, "put_record_update"), 0);
	posts = fx_bsky_posts(fx, FX_BSKY_EN, 1);
	assert_int_equal(json_array_size(posts), 1);
	json_decref(posts);
	json_decref(put);
	json_decref(sess);
	json_decref(body);
	free(req);
	free(auth);
	free(url);
	free(did);
	free(text);
	free(a);
	fx_destroy(fx);
}

/*
 * Two Jetstream URLs, the first one dead: the reader moves on to the
 * second, and a mention over it is answered.
 */
static void
test_jetstream_failover(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	char		*conf, *url, *both, *a, *p, *out;
	int		 dead = tu_free_port();

	(void)state;
	fx_daemon_stop(fx);
	conf = tu_slurp(fx->conf);
	url = xasprintf("\"wss://127.0.0.1:%d/subscribe\"", fx->peer->port);
	both = xasprintf("\"wss://127.0.0.1:%d/subscribe\", %s", dead, url);
	assert_non_null(p = strstr(conf, url));
	out = xasprintf("%.*s%s%s", (int)(p - conf), conf, both,
	    p + strlen(url));
	free(tu_write(fx->dir, "quitx.conf", 0644, "%s", out));
	fx_daemon_start(fx);
	fx_wait_log(fx, "subscribe unreachable", 10);
	fx_wait_peer_stat(fx, "jetstream_active", 1, 15);
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 1));
	free(a);
	free(out);
	free(both);
	free(url);
	free(conf);
	fx_destroy(fx);
}

/*
 * SIGHUP reloads the config while the Bluesky connectors run on: they
 * keep their own copy of its Bluesky settings (the old config is freed),
 * so a Jetstream reconnect after the reload still works.
 */
static void
test_reload(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);
	char		*a;

	(void)state;
	kill(fx->pid, SIGHUP);
	fx_wait_log(fx, "configuration reloaded", 10);
	fx_peer_post(fx, "/_peer/jetstream", "{\"drop\":true}");
	fx_wait_log(fx, "jetstream: reconnecting", 10);
	fx_wait_peer_stat(fx, "jetstream_connections", 2, 15);
	a = fx_bsky_post(fx, MARIE, "@" FX_BSKY_EN " suggestions", NULL);
	json_decref(fx_bsky_posts(fx, FX_BSKY_EN, 1));
	free(a);
	fx_destroy(fx);
}

/* A wrong app password: the account stops, createSession is not looped. */
static void
test_bad_password(void **state)
{
	struct fixture	*fx = fx_start_bluesky(NULL);

	(void)state;
	fx_daemon_stop(fx);
	free(tu_write(fx->dir, "en.password", 0600, "wrong-pass\n"));
	fx_daemon_start(fx);
	fx_wait_log(fx, "stays off until the configuration", 10);
	sleep(2);
	/* two at the first start, one per account at the second */
	assert_int_equal(fx_peer_stat(fx, "create_session"), 4);
	fx_destroy(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_jetstream_drop),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_session_expires),
		cmocka_unit_test(test_dm_refused),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_resend_is_noop),
		cmocka_unit_test(test_jetstream_failover),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_bad_password),
	};

	signal(SIGPIPE, SIG_IGN);
	/* TEST_FILTER=test_restart runs that one alone */
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
