/*
 * fixture: see fixture.h.
 */
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

/*
 * The daemon's log on stderr, without the libraries' debug lines (cmocka
 * cuts long failure messages); returns what the message says instead.
 */
const char *
fx_log_dump(struct fixture *fx)
{
	char	*text = tu_slurp(fx->log), *line, *save = NULL;

	fprintf(stderr, "--- quitx log (%s) ---\n", fx->log);
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " debug lws:") == NULL &&
		    strstr(line, " debug http:") == NULL)
			fprintf(stderr, "%s\n", line);
	fprintf(stderr, "--- end of the log ---\n");
	free(text);
	return "(on stderr above)";
}

void
fx_daemon_start(struct fixture *fx)
{
	int	fd;

	if ((fx->pid = fork()) == 0) {
		/* a failed test leaves by longjmp, past fx_destroy: the
		   daemon must not outlive it (prove would wait for its
		   output to close) */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		fd = open(fx->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		execl(tu_quitx_bin(), tu_quitx_bin(), "run", "-c", fx->conf,
		    (char *)NULL);
		_exit(127);
	}
}

/*
 * SIGTERM and wait up to 15 s (it drains sends), then SIGKILL.  What
 * went wrong, or NULL: the caller fails the test once it has cleaned up.
 */
static char *
daemon_halt(struct fixture *fx)
{
	int	status = -1, i;

	if (fx->pid <= 0)
		return NULL;
	kill(fx->pid, SIGTERM);
	for (i = 0; i < 1500; i++) {
		if (waitpid(fx->pid, &status, WNOHANG) == fx->pid)
			break;
		usleep(10000);
	}
	if (i == 1500) {
		kill(fx->pid, SIGKILL);
		waitpid(fx->pid, &status, 0);
		fx->pid = 0;
		return xstrdup("quitx did not stop on SIGTERM");
	}
	fx->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return xasprintf("quitx exited with %d", status);
	return NULL;
}

/* SIGTERM, and the daemon must exit 0 within 15 s (it drains sends). */
void
fx_daemon_stop(struct fixture *fx)
{
	char	*why = daemon_halt(fx);

	if (why != NULL)
		fail_msg("%s:\n%s", why, fx_log_dump(fx));
}

/* One integer from the store (the daemon has it open: WAL allows it). */
long long
fx_db_int(struct fixture *fx, const char *sql)
{
	return tu_db_int(fx->db, sql);
}

char *
fx_db_text(struct fixture *fx, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	char		*v = NULL;

	if (sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* Wait up to secs for sql to give want; fail with the log otherwise. */
void
fx_wait_db(struct fixture *fx, const char *sql, long long want, int secs)
{
	long long	got = -1;
	int		i;

	for (i = 0; i < secs * 20; i++) {
		if ((got = fx_db_int(fx, sql)) == want)
			return;
		usleep(50000);
	}
	fail_msg("%s: got %lld, want %lld; log:\n%s", sql, got, want,
	    fx_log_dump(fx));
}

void
fx_wait_log(struct fixture *fx, const char *needle, int secs)
{
	char	*text;
	int	 i;

	for (i = 0; i < secs * 20; i++) {
		text = tu_slurp(fx->log);
		if (text != NULL && strstr(text, needle) != NULL) {
			free(text);
			return;
		}
		free(text);
		usleep(50000);
	}
	fail_msg("no \"%s\" in the log:\n%s", needle, fx_log_dump(fx));
}

json_t *
fx_peer_call(struct fixture *fx, const char *method, const char *path,
    const char *body)
{
	json_t		*v;
	json_error_t	 jerr;
	char		*url, *resp = NULL;
	long		 status;

	url = xasprintf("%s%s", fx->peer->base, path);
	status = tu_https(fx->peer->ca, method, url, body, &resp);
	if (status != 200)
		fail_msg("%s %s: %ld %s", method, path, status,
		    resp != NULL ? resp : "");
	v = json_loads(resp, 0, &jerr);
	assert_non_null(v);
	free(url);
	free(resp);
	return v;
}

long long
fx_peer_stat(struct fixture *fx, const char *name)
{
	json_t		*v = fx_peer_call(fx, "GET", "/_peer/stats", NULL);
	long long	 n = json_integer_value(json_object_get(v, name));

	json_decref(v);
	return n;
}

void
fx_wait_peer_stat(struct fixture *fx, const char *name, long long want, int secs)
{
	long long	got = -1;
	int		i;

	for (i = 0; i < secs * 20; i++) {
		if ((got = fx_peer_stat(fx, name)) == want)
			return;
		usleep(50000);
	}
	fail_msg("peer %s: got %lld, want %lld; log:\n%s", name, got, want,
	    fx_log_dump(fx));
}

/* A member mentions the bot; returns the notification id (free it). */
char *
fx_mention(struct fixture *fx, const char *bot, const char *from,
    const char *content)
{
	json_t	*req, *res;
	char	*body, *id;

	req = json_pack("{s:s, s:s, s:s}", "to", bot, "from", from,
	    "content", content);
	body = json_dumps(req, JSON_COMPACT);
	res = fx_peer_call(fx, "POST", "/_peer/mention", body);
	id = xstrdup(json_string_value(json_object_get(res,
	    "notification_id")));
	json_decref(req);
	json_decref(res);
	free(body);
	return id;
}

void
fx_peer_post(struct fixture *fx, const char *path, const char *body)
{
	json_decref(fx_peer_call(fx, "POST", path, body));
}

/* Queue an outbox row as the rest of quitx does, through the store. */

void
fx_destroy(struct fixture *fx)
{
	char	*why, *log;

	/*
	 * The peer goes even when the daemon failed: a peer left running
	 * holds the test's output open, and prove would wait forever.
	 */
	why = daemon_halt(fx);
	log = why != NULL ? tu_slurp(fx->log) : NULL;
	if (why != NULL)
		kill(fx->peer->pid, SIGKILL);
	tu_peer_stop(fx->peer);
	if (why != NULL)
		fail_msg("%s:\n%s", why, log);
	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx->conf);
	free(fx->db);
	free(fx->log);
	free(fx);
}

/* A fixture's folder (with the message files), store, log and port. */
static struct fixture *
fx_new(void)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));

	fx->dir = tu_tmpdir();
	tu_link_messages(fx->dir);
	fx->db = xasprintf("%s/quitx.db", fx->dir);
	fx->log = xasprintf("%s/quitx.log", fx->dir);
	fx->port = tu_free_port();
	return fx;
}

struct fixture *
fx_start_mastodon(const char *extra)
{
	struct fixture	*fx = fx_new();

	fx->peer = tu_peer_start(fx->dir, "mastodon-peer", "--account",
	    FX_EN ":tok-en", "--account", FX_FR ":tok-fr", (char *)NULL);
	free(tu_write(fx->dir, "en.token", 0600, "tok-en\n"));
	free(tu_write(fx->dir, "fr.token", 0600, "tok-fr\n"));
	fx->conf = tu_write(fx->dir, "quitx.conf", 0644,
	    "store = \"quitx.db\";\nlisten = \"127.0.0.1:%d\";\n"
	    "log_level = \"debug\";\nca_file = \"%s\";\n"
	    "public_url = \"https://quitx.example.org\";\n%s\n%s"
	    "streams = { timeout = 10; poll_interval = 1; };\n"
	    "accounts = (\n"
	    " { network = \"mastodon\"; server = \"%s\"; handle = \"" FX_EN "\";"
	    "   language = \"en\"; token_file = \"en.token\"; },\n"
	    " { network = \"mastodon\"; server = \"%s\"; handle = \"" FX_FR "\";"
	    "   language = \"fr\"; token_file = \"fr.token\"; } );\n",
	    fx->port, fx->peer->ca, extra != NULL ? extra : "",
	    /* a test may bring its own campaign group */
	    extra != NULL && strstr(extra, "campaign =") != NULL ? "" :
	    "campaign = { day = \"2027-01-20\"; };\n",
	    fx->peer->base, fx->peer->base);
	fx_daemon_start(fx);
	fx_wait_peer_stat(fx, "stream_connections", 2, 10);
	return fx;
}


/* A mention as Mastodon renders it: the bot's h-card, then the text. */
char *
fx_say(struct fixture *fx, const char *bot, const char *from, const char *text)
{
	char	*html, *id;

	html = xasprintf("<p><span class=\"h-card\" translate=\"no\"><a "
	    "href=\"https://mastodon.test/@%s\" class=\"u-url mention\">@<span>"
	    "%s</span></a></span> %s</p>", bot, bot, text);
	id = fx_mention(fx, bot, from, html);
	free(html);
	return id;
}

/*
 * What a reader sees: the text without the WORD JOINERs quitx puts after
 * an '@' that must not become a mention (they are invisible).
 */
static void
as_read(json_t *status)
{
	const char	*t = json_string_value(json_object_get(status, "text"));
	char		*out, *o;

	if (t == NULL)
		return;
	out = o = xstrdup(t);
	for (; *t != '\0'; t++) {
		if (memcmp(t, "\xe2\x81\xa0", 3) == 0) {
			t += 2;
			continue;
		}
		*o++ = *t;
	}
	*o = '\0';
	json_object_set_new(status, "text", json_string(out));
	free(out);
}

/* The bots' statuses, oldest first, once there are n of them. */
json_t *
fx_statuses(struct fixture *fx, size_t n)
{
	json_t	*all = NULL, *one;
	size_t	 k;
	int	 i;

	for (i = 0; i < 200; i++) {
		json_decref(all);
		all = fx_peer_call(fx, "GET", "/_peer/statuses", NULL);
		if (json_array_size(all) >= n) {
			json_array_foreach(all, k, one)
				as_read(one);
			return all;
		}
		usleep(50000);
	}
	fail_msg("%zu statuses, want %zu; log:\n%s", json_array_size(all), n,
	    fx_log_dump(fx));
	return NULL;
}

void
fx_db_exec(struct fixture *fx, const char *sql)
{
	sqlite3	*db;
	char	*msg = NULL;

	if (sqlite3_open(fx->db, &db) != SQLITE_OK)
		fail_msg("cannot open %s", fx->db);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

struct fixture *
fx_start_bluesky(const char *extra)
{
	struct fixture	*fx = fx_new();

	fx->peer = tu_peer_start(fx->dir, "bluesky-peer", "--account",
	    FX_BSKY_EN ":pw-en-1234", "--account", FX_BSKY_FR ":pw-fr-1234",
	    "--ping-interval", "1", (char *)NULL);
	free(tu_write(fx->dir, "en.password", 0600, "pw-en-1234\n"));
	free(tu_write(fx->dir, "fr.password", 0600, "pw-fr-1234\n"));
	fx->conf = tu_write(fx->dir, "quitx.conf", 0644,
	    "store = \"quitx.db\";\nlisten = \"127.0.0.1:%d\";\n"
	    "log_level = \"debug\";\nca_file = \"%s\";\n"
	    "public_url = \"https://quitx.example.org\";\n%s\n%s"
	    "streams = { timeout = 10; poll_interval = 1; };\n"
	    "bluesky = { plc = \"%s\"; jetstream = [ \"wss://127.0.0.1:%d"
	    "/subscribe\" ]; };\n"
	    "accounts = (\n"
	    " { network = \"bluesky\"; server = \"%s\"; handle = \""
	    FX_BSKY_EN "\"; language = \"en\"; password_file = "
	    "\"en.password\"; },\n"
	    " { network = \"bluesky\"; server = \"%s\"; handle = \""
	    FX_BSKY_FR "\"; language = \"fr\"; password_file = "
	    "\"fr.password\"; } );\n",
	    fx->port, fx->peer->ca, extra != NULL ? extra : "",
	    /* a test may bring its own campaign group */
	    extra != NULL && strstr(extra, "campaign =") != NULL ? "" :
	    "campaign = { day = \"2027-01-20\"; };\n",
	    fx->peer->base, fx->peer->port, fx->peer->base, fx->peer->base);
	fx_daemon_start(fx);
	fx_wait_peer_stat(fx, "create_session", 2, 10);
	fx_wait_peer_stat(fx, "jetstream_active", 1, 10);
	fx_wait_log(fx, "@" FX_BSKY_FR " (bluesky): connected as", 10);
	fx_wait_log(fx, "@" FX_BSKY_EN " (bluesky): connected as", 10);
	return fx;
}

char *
fx_bsky_post(struct fixture *fx, const char *from, const char *text,
    const char *reply_to)
{
	json_t	*req, *res;
	char	*body, *uri;

	req = json_pack("{s:s, s:s}", "from", from, "text", text);
	if (reply_to != NULL)
		json_object_set_new(req, "reply_to", json_string(reply_to));
	body = json_dumps(req, JSON_COMPACT);
	res = fx_peer_call(fx, "POST", "/_peer/post", body);
	uri = xstrdup(json_string_value(json_object_get(res, "uri")));
	json_decref(req);
	json_decref(res);
	free(body);
	return uri;
}

char *
fx_bsky_did(struct fixture *fx, const char *handle)
{
	json_t	*res;
	char	*path, *did;

	path = xasprintf("/_peer/account?handle=%s", handle);
	res = fx_peer_call(fx, "GET", path, NULL);
	did = xstrdup(json_string_value(json_object_get(res, "did")));
	json_decref(res);
	free(path);
	return did;
}

json_t *
fx_bsky_posts(struct fixture *fx, const char *bot, size_t n)
{
	json_t	*v = NULL;
	char	*did = fx_bsky_did(fx, bot), *path;
	int	 i;

	path = xasprintf("/_peer/posts?did=%s", did);
	for (i = 0; i < 200; i++) {
		json_decref(v);
		v = fx_peer_call(fx, "GET", path, NULL);
		if (json_array_size(v) >= n)
			break;
		usleep(50000);
	}
	if (json_array_size(v) < n)
		fail_msg("%zu posts by %s, want %zu; log:\n%s",
		    json_array_size(v), bot, n, fx_log_dump(fx));
	free(path);
	free(did);
	return v;
}
