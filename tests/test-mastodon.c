/*
 * test-mastodon: quitx run against the local Mastodon peer
 * (tests/peers/mastodon-peer.c: HTTPS and WSS on loopback, Mastodon's
 * entities, status codes and rate-limit headers).
 *
 * Each test starts a peer and the daemon with a fresh store, acts on the
 * peer through its control API (a member mentions the bot, the stream
 * drops, the budget runs out) and checks what a member or the team would
 * see: rows in the inbox, statuses on the server, lines in the log.
 */
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include <libwebsockets.h>

#include "quitx/config.h"
#include "quitx/http.h"
#include "quitx/log.h"
#include "quitx/mastodon.h"
#include "quitx/store.h"
#include "quitx/xmalloc.h"

#define BOT	"HelloQuitX"
#define TOKEN	"tok-en-0123456789"

static void
write_conf(struct fixture *fx, const char *token)
{
	free(tu_write(fx->dir, "bot.token", 0600, "%s\n", token));
	free(fx->conf);
	fx->port = tu_free_port();
	fx->conf = tu_write(fx->dir, "quitx.conf", 0644,
	    "store = \"quitx.db\";\n"
	    "listen = \"127.0.0.1:%d\";\n"
	    "log_level = \"debug\";\n"
	    "ca_file = \"%s\";\n"
	    "streams = { timeout = 3; poll_interval = 1; };\n"
	    "accounts = ( { network = \"mastodon\"; server = \"%s\";\n"
	    "  handle = \"" BOT "\"; language = \"en\";\n"
	    "  token_file = \"bot.token\"; } );\n",
	    fx->port, fx->peer->ca, fx->peer->base);
}

static struct fixture *
fixture_new(const char *extra1, const char *extra2)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));

	fx->dir = tu_tmpdir();
	tu_link_messages(fx->dir);
	fx->peer = tu_peer_start(fx->dir, "mastodon-peer", "--account",
	    BOT ":" TOKEN, "--ping-interval", "1", extra1, extra2,
	    (char *)NULL);
	fx->db = xasprintf("%s/quitx.db", fx->dir);
	fx->log = xasprintf("%s/quitx.log", fx->dir);
	write_conf(fx, TOKEN);
	return fx;
}

static int
setup(void **state)
{
	*state = fixture_new(NULL, NULL);
	return 0;
}

static int
setup_no_streaming(void **state)
{
	*state = fixture_new("--no-streaming", NULL);
	return 0;
}

static int
setup_450(void **state)
{
	*state = fixture_new("--max-chars", "450");
	return 0;
}

static int
teardown(void **state)
{
	fx_destroy(*state);
	return 0;
}

static int64_t
queue_status(struct fixture *fx, const char *idem, const char *body)
{
	struct store		*st;
	struct outbox_new	 row;
	char			 err[256];
	int64_t			 id = 0;

	assert_int_equal(store_open(fx->db, &st, err, sizeof(err)), 0);
	memset(&row, 0, sizeof(row));
	row.bot_account_id = 1;
	row.kind = "reply";
	row.priority = 1;
	row.idem_key = idem;
	row.body = body;
	row.not_before = 0;
	assert_int_equal(store_outbox_add(st, &row, &id), 1);
	store_close(st);
	return id;
}

/* The daemon's /metrics has this exact sample line. */
static void
assert_metric(struct fixture *fx, const char *line)
{
	char	*url, *body = NULL;

	url = xasprintf("http://127.0.0.1:%d/metrics", fx->port);
	assert_int_equal(tu_https(fx->peer->ca, "GET", url, NULL, &body),
	    200);
	if (strstr(body, line) == NULL)
		fail_msg("no \"%s\" in /metrics:\n%s", line, body);
	free(body);
	free(url);
}

static char *
state_line(struct fixture *fx, const char *state)
{
	return xasprintf("quitx_mastodon_account_state{account=\"" BOT "\","
	    "server=\"%s\",state=\"%s\"} 1\n", fx->peer->base, state);
}

static void
wait_connected(struct fixture *fx)
{
	fx_wait_log(fx, "stream connected", 10);
	fx_wait_peer_stat(fx, "stream_connections", 1, 10);
}

static void
test_mention_through_stream(void **state)
{
	struct fixture	*fx = *state;
	char		*id, *sql, *cursor, *payload, *log, *line;

	fx_daemon_start(fx);
	wait_connected(fx);
	id = fx_mention(fx, BOT, "marie@piaille.example",
	    "<p><span class=\"h-card\"><a href=\"https://mastodon.test/@"
	    BOT "\" class=\"u-url mention\">@<span>" BOT "</span></a></span>"
	    " register @marie_x</p>");
	sql = xasprintf("SELECT count(*) FROM inbox WHERE event_id = '%s'"
	    " AND kind = 'mention' AND state IN ('new', 'done')", id);
	fx_wait_db(fx, sql, 1, 5);
	/* the stream delivered it: the log says so before any poll */
	fx_wait_log(fx, "from @marie@piaille.example", 1);
	cursor = fx_db_text(fx, "SELECT position FROM stream_cursor");
	assert_non_null(cursor);
	assert_string_equal(cursor, id);
	payload = fx_db_text(fx, "SELECT payload FROM inbox");
	assert_non_null(strstr(payload, "register @marie_x"));
	/* the token never appears in the log */
	log = tu_slurp(fx->log);
	assert_null(strstr(log, TOKEN));
	free(log);
	line = state_line(fx, "streaming");
	assert_metric(fx, line);
	free(line);
	free(payload);
	free(cursor);
	free(sql);
	free(id);
}

static void
test_drop_three_while_down(void **state)
{
	struct fixture	*fx = *state;
	char		*ids[3];
	int		 i;

	fx_daemon_start(fx);
	wait_connected(fx);
	fx_peer_post(fx, "/_peer/streaming", "{\"up\":false}");
	for (i = 0; i < 3; i++)
		ids[i] = fx_mention(fx, BOT, "paul@social.example", "<p>hello</p>");
	/* polling or the reconnect's catch-up finds all three, once */
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 3, 10);
	fx_peer_post(fx, "/_peer/streaming", "{\"up\":true}");
	fx_wait_peer_stat(fx, "stream_connections", 1, 15);
	assert_true(fx_peer_stat(fx, "stream_connects_total") >= 2);
	free(ids[0]);
	ids[0] = fx_mention(fx, BOT, "paul@social.example", "<p>after</p>");
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 4, 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(DISTINCT event_id)"
	    " FROM inbox"), 4);
	for (i = 0; i < 3; i++)
		free(ids[i]);
}

static void
test_restart_handles_nothing_twice(void **state)
{
	struct fixture	*fx = *state;
	char		*a, *b, *c, *log;

	fx_daemon_start(fx);
	wait_connected(fx);
	a = fx_mention(fx, BOT, "marie@piaille.example", "<p>one</p>");
	b = fx_mention(fx, BOT, "marie@piaille.example", "<p>two</p>");
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 2, 5);
	fx_daemon_stop(fx);
	c = fx_mention(fx, BOT, "marie@piaille.example", "<p>three, while down</p>");
	free(tu_write(fx->dir, "quitx.log", 0600, "%s", ""));
	fx_daemon_start(fx);
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 3, 10);
	wait_connected(fx);
	/* the catch-up after the restart asked only for what was new */
	log = tu_slurp(fx->log);
	assert_non_null(strstr(log, "catch-up stored 1 new notification"));
	assert_null(strstr(log, "catch-up stored 2"));
	assert_null(strstr(log, "catch-up stored 3"));
	assert_int_equal(fx_db_int(fx, "SELECT count(DISTINCT event_id)"
	    " FROM inbox"), 3);
	free(log);
	free(a);
	free(b);
	free(c);
}

static void
test_rate_limited_send_waits(void **state)
{
	struct fixture	*fx = *state;
	json_t		*statuses;

	fx_daemon_start(fx);
	wait_connected(fx);
	fx_peer_post(fx, "/_peer/rate", "{\"token\":\"" TOKEN "\","
	    "\"remaining\":0,\"reset_in\":2}");
	queue_status(fx, "reply:1", "{\"status\":\"@marie@piaille.example "
	    "welcome!\",\"visibility\":\"unlisted\",\"language\":\"en\"}");
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 15);
	statuses = fx_peer_call(fx, "GET", "/_peer/statuses", NULL);
	assert_int_equal(json_array_size(statuses), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(statuses, 0), "visibility")), "unlisted");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(statuses, 0), "idempotency_key")), "reply:1");
	/* one 429, then it waited for the reset instead of hammering */
	assert_int_equal(fx_peer_stat(fx, "rate_limited"), 1);
	assert_int_equal(fx_peer_stat(fx, "status_posts"), 2);
	fx_wait_log(fx, "rate limited; row 1 waits", 1);
	json_decref(statuses);
}

/*
 * A crash after the server took a post but before the store recorded it
 * leaves the row queued; the resend carries the same Idempotency-Key and
 * the server answers with the status it already made.
 */
static void
test_resend_after_crash_posts_once(void **state)
{
	struct fixture	*fx = *state;
	json_t		*statuses;
	char		*first, *second;

	fx_daemon_start(fx);
	wait_connected(fx);
	queue_status(fx, "announce:7", "{\"status\":\"10 days to #QuitX\","
	    "\"visibility\":\"public\"}");
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 10);
	first = fx_db_text(fx, "SELECT remote_id FROM outbox");
	fx_daemon_stop(fx);
	{
		sqlite3	*db;

		assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE outbox SET"
		    " state = 'sending', remote_id = NULL", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
	fx_daemon_start(fx);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 10);
	second = fx_db_text(fx, "SELECT remote_id FROM outbox");
	assert_string_equal(first, second);
	statuses = fx_peer_call(fx, "GET", "/_peer/statuses", NULL);
	assert_int_equal(json_array_size(statuses), 1);
	assert_int_equal(fx_peer_stat(fx, "status_posts"), 2);
	json_decref(statuses);
	free(first);
	free(second);
}

static void
test_refused_and_undelivered(void **state)
{
	struct fixture	*fx = *state;
	char		*err, long_text[700], *body;

	fx_daemon_start(fx);
	wait_connected(fx);
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	body = xasprintf("{\"status\":\"%s\"}", long_text);
	queue_status(fx, "too-long", body);
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'failed'", 1,
	    10);
	err = fx_db_text(fx, "SELECT last_error FROM outbox");
	assert_non_null(strstr(err, "422"));
	assert_non_null(strstr(err, "character limit"));
	free(err);
	/* a direct message to an account the server cannot resolve */
	queue_status(fx, "dm:1", "{\"status\":\"@nobody@nowhere.example hi\","
	    "\"visibility\":\"direct\",\"quitx_to\":\"nobody@nowhere.example\"}");
	fx_wait_db(fx, "SELECT count(*) FROM outbox WHERE state = 'failed'", 2,
	    10);
	err = fx_db_text(fx, "SELECT last_error FROM outbox WHERE idem_key ="
	    " 'dm:1'");
	assert_non_null(strstr(err, "reached nobody"));
	free(err);
	free(body);
}

static void
test_bad_token(void **state)
{
	struct fixture	*fx = *state;
	char		*log;

	write_conf(fx, "not-the-token");
	fx_daemon_start(fx);
	fx_wait_log(fx, "401 The access token is invalid", 10);
	fx_wait_log(fx, "this account is disabled", 1);
	log = tu_slurp(fx->log);
	assert_null(strstr(log, "not-the-token"));
	free(log);
	log = state_line(fx, "disabled");
	assert_metric(fx, log);
	free(log);
	assert_int_equal(fx_peer_stat(fx, "stream_connects_total"), 0);
}

static void
test_silent_stream_reconnects(void **state)
{
	struct fixture	*fx = *state;

	fx_daemon_start(fx);
	wait_connected(fx);
	fx_peer_post(fx, "/_peer/freeze", "{\"frozen\":true}");
	fx_wait_log(fx, "stream silent for", 10);
	fx_peer_post(fx, "/_peer/freeze", "{\"frozen\":false}");
	fx_wait_peer_stat(fx, "stream_connects_total", 2, 15);
	free(fx_mention(fx, BOT, "marie@piaille.example", "<p>still there?</p>"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 1, 5);
}

static void
test_polling_without_streaming(void **state)
{
	struct fixture	*fx = *state;

	fx_daemon_start(fx);
	fx_wait_log(fx, "polling meanwhile", 10);
	free(fx_mention(fx, BOT, "marie@piaille.example", "<p>by poll</p>"));
	free(fx_mention(fx, BOT, "bot@bots.example", "<p>me too</p>"));
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 2, 10);
}

static void
test_ignores_bots(void **state)
{
	struct fixture	*fx = *state;

	fx_daemon_start(fx);
	wait_connected(fx);
	fx_peer_post(fx, "/_peer/mention", "{\"to\":\"" BOT "\",\"from\":"
	    "\"robot@bots.example\",\"content\":\"<p>beep</p>\",\"bot\":true}");
	fx_peer_post(fx, "/_peer/follow", "{\"to\":\"" BOT "\",\"from\":"
	    "\"marie@piaille.example\"}");
	fx_wait_db(fx, "SELECT count(*) FROM inbox", 2, 5);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox WHERE"
	    " kind = 'mention' AND state = 'ignored'"), 1);
	assert_int_equal(fx_db_int(fx, "SELECT count(*) FROM inbox WHERE"
	    " kind = 'follow' AND state IN ('new', 'done')"), 1);
}

/* --- the connector in this process, on its own loop --- */

struct inproc {
	struct config		*conf;
	struct store		*store;
	struct lws_context	*lws;
	struct lws_vhost	*vhost;
	struct http		*http;
	struct mastodon		*m;
	int			 done;
	int			 found, bot;
	char			*id, *error;
};

static struct lws_protocols inproc_protocols[3];

static void
inproc_start(struct fixture *fx, struct inproc *ip)
{
	struct lws_context_creation_info	 info;
	struct config_errors			 errs = { NULL, 0 };
	struct mastodon_env			 env;
	char					 err[256];
	int					 i;

	memset(ip, 0, sizeof(*ip));
	assert_int_equal(config_load(fx->conf, &ip->conf, &errs), 0);
	assert_int_equal(store_open(ip->conf->store_path, &ip->store, err,
	    sizeof(err)), 0);
	assert_int_equal(store_bot_accounts_sync(ip->store, ip->conf), 0);
	inproc_protocols[0] = mastodon_stream_protocol;
	inproc_protocols[1] = http_curl_protocol;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	ip->lws = lws_create_context(&info);
	assert_non_null(ip->lws);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = inproc_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ip->conf->ca_file;
	ip->vhost = lws_create_vhost(ip->lws, &info);
	assert_non_null(ip->vhost);
	ip->http = http_create(ip->lws, ip->vhost, ip->conf->ca_file);
	memset(&env, 0, sizeof(env));
	env.lws = ip->lws;
	env.vhost = ip->vhost;
	env.http = ip->http;
	env.store = ip->store;
	env.stream_timeout = 30;
	env.poll_interval = 30;
	ip->m = mastodon_start(&env, &ip->conf->accounts[0],
	    store_bot_account_id(ip->store, &ip->conf->accounts[0]));
	assert_non_null(ip->m);
	for (i = 0; i < 1000 && mastodon_state(ip->m) != MASTODON_STREAMING;
	    i++)
		lws_service(ip->lws, 10);
	assert_int_equal(mastodon_state(ip->m), MASTODON_STREAMING);
}

static void
inproc_stop(struct inproc *ip)
{
	mastodon_free(ip->m);
	http_destroy(ip->http);
	lws_context_destroy(ip->lws);
	store_close(ip->store);
	config_free(ip->conf);
	free(ip->id);
	free(ip->error);
}

static void
on_lookup(const struct mastodon_account *a, void *arg)
{
	struct inproc	*ip = arg;

	ip->done = 1;
	ip->found = a->found;
	ip->bot = a->bot;
	free(ip->id);
	ip->id = a->id != NULL ? xstrdup(a->id) : NULL;
	free(ip->error);
	ip->error = a->error != NULL ? xstrdup(a->error) : NULL;
}

static void
lookup_wait(struct inproc *ip, const char *acct)
{
	int	i;

	ip->done = 0;
	mastodon_lookup(ip->m, acct, on_lookup, ip);
	for (i = 0; i < 1000 && !ip->done; i++)
		lws_service(ip->lws, 10);
	assert_true(ip->done);
}

static void
test_lookup_and_limits(void **state)
{
	struct fixture	*fx = *state;
	struct inproc	 ip;

	inproc_start(fx, &ip);
	/* the instance's own limit, not the default 500 */
	assert_int_equal(mastodon_max_chars(ip.m), 450);
	lookup_wait(&ip, "marie@piaille.example");
	assert_false(ip.found);
	assert_null(ip.error);
	free(fx_mention(fx, BOT, "marie@piaille.example", "<p>hi</p>"));
	lookup_wait(&ip, "@Marie@piaille.example");
	assert_true(ip.found);
	assert_false(ip.bot);
	assert_non_null(ip.id);
	lookup_wait(&ip, BOT);
	assert_true(ip.found);
	assert_true(ip.bot);
	/* a lookup cancelled in flight never calls back */
	ip.done = 0;
	mastodon_lookup_cancel(mastodon_lookup(ip.m, BOT, on_lookup, &ip));
	lws_service(ip.lws, 50);
	assert_false(ip.done);
	inproc_stop(&ip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mention_through_stream,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_three_while_down,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_restart_handles_nothing_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limited_send_waits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resend_after_crash_posts_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_undelivered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_token, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_silent_stream_reconnects,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_polling_without_streaming,
		    setup_no_streaming, teardown),
		cmocka_unit_test_setup_teardown(test_ignores_bots, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_and_limits,
		    setup_450, teardown),
	};

	log_init(LOG_LVL_WARN);
	log_route_lws();

	return cmocka_run_group_tests(tests, NULL, NULL);
}
