/*
 * test-daemon: the quitx binary as the team and systemd use it.  Exit
 * codes of the CLI; then `quitx run` on a temporary config and store:
 * readiness over NOTIFY_SOCKET, /healthz and /metrics over HTTP, SIGHUP
 * with a good and a bad config, SIGTERM exits 0 within 5 s, and the data
 * in the store is still there and whole.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

struct fixture {
	char	*dir;
	char	*conf;
	int	 port;
};

static const char account_fmt[] =
    "{ network = \"%s\"; server = \"https://%s.example\"; handle = \"%s\";"
    " language = \"%s\"; %s = \"%s\"; }";

static void
write_config(struct fixture *fx, int accounts)
{
	char	*a1, *a2;

	a1 = xasprintf(account_fmt, "mastodon", "mastodon", "HelloQuitX", "en",
	    "token_file", "m.token");
	a2 = xasprintf(account_fmt, "bluesky", "bsky", "helloquittex.bsky.example",
	    "fr", "password_file", "b.password");
	free(fx->conf);
	fx->conf = tu_write(fx->dir, "quitx.conf", 0644,
	    "store = \"quitx.db\";\nlisten = \"127.0.0.1:%d\";\n"
	    "accounts = (\n%s%s%s\n);\n", fx->port, a1,
	    accounts > 1 ? ",\n" : "", accounts > 1 ? a2 : "");
	free(a1);
	free(a2);
}

static int
setup(void **state)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));

	fx->dir = tu_tmpdir();
	tu_link_messages(fx->dir);
	fx->port = tu_free_port();
	free(tu_write(fx->dir, "m.token", 0600, "mastodon-token\n"));
	free(tu_write(fx->dir, "b.password", 0600, "app-pass-word\n"));
	write_config(fx, 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx->conf);
	free(fx);
	return 0;
}

static void
test_cli_exit_codes(void **state)
{
	struct fixture	*fx = *state;
	char		*out, *err, *bad;

	assert_int_equal(tu_quitx(&out, &err, "--version", NULL), 0);
	assert_string_equal(out, "quitx " QUITX_VERSION "\n");
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "--help", NULL), 0);
	assert_non_null(strstr(out, "check-config"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "help", "stats", NULL), 0);
	assert_non_null(strstr(out, "usage: quitx stats"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, NULL), 2);
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "frobnicate", NULL), 2);
	assert_non_null(strstr(err, "unknown command 'frobnicate'"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "run", "-x", NULL), 2);
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "check-config", "-c", fx->conf,
	    NULL), 0);
	assert_non_null(strstr(out, ": ok (1 Mastodon and 0 Bluesky"));
	free(out);
	free(err);
	/* a broken file: FILE:LINE errors, exit 2, for run too */
	bad = tu_write(fx->dir, "bad.conf", 0644, "accounts = ();\n"
	    "listen = \"nowhere\";\n");
	assert_int_equal(tu_quitx(&out, &err, "check-config", "-c", bad, NULL),
	    2);
	assert_non_null(strstr(err, "bad.conf:2: 'listen' must be"));
	free(out);
	free(err);
	assert_int_equal(tu_quitx(&out, &err, "run", "-c", bad, NULL), 2);
	assert_non_null(strstr(err, "bad.conf:2: 'listen' must be"));
	free(out);
	free(err);
	/* stats before the store exists: a runtime failure, said plainly */
	assert_int_equal(tu_quitx(&out, &err, "stats", "-c", fx->conf, NULL),
	    1);
	assert_non_null(strstr(err, "no store at"));
	free(out);
	free(err);
	free(bad);
}

/* A datagram socket standing in for systemd's NOTIFY_SOCKET. */
static int
notify_socket(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fail_msg("bind %s: %s", path, strerror(errno));
	return fd;
}

/* Wait up to ms for a notify datagram containing want. */
static int
notify_wait(int fd, const char *want, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[1024];
	ssize_t		n;

	while (poll(&pfd, 1, ms) == 1) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			return 0;
		buf[n] = '\0';
		if (strstr(buf, want) != NULL)
			return 1;
	}
	return 0;
}

static size_t
collect(char *data, size_t size, size_t n, void *user)
{
	char	**body = user;
	size_t	  len = *body != NULL ? strlen(*body) : 0;

	*body = xreallocarray(*body, len + size * n + 1, 1);
	memcpy(*body + len, data, size * n);
	(*body)[len + size * n] = '\0';
	return size * n;
}

/* GET url; returns the status and sets *body (NULL on no answer). */
static long
http_get(int port, const char *path, char **body)
{
	CURL	*c = curl_easy_init();
	char	*url = xasprintf("http://127.0.0.1:%d%s", port, path);
	long	 status = 0;

	*body = NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	free(url);
	return status;
}

/* Send raw bytes on one connection, read until the server closes. */
static char *
http_raw(int port, const char *request)
{
	struct sockaddr_in	sin;
	struct pollfd		pfd;
	char			buf[8192];
	size_t			len = 0;
	ssize_t			n;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fail_msg("connect: %s", strerror(errno));
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		fail_msg("write");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 2000) == 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return xstrdup(buf);
}

static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static pid_t
start_daemon(struct fixture *fx, const char *notify_path, const char *log)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == 0) {
		setenv("NOTIFY_SOCKET", notify_path, 1);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		execl(tu_quitx_bin(), tu_quitx_bin(), "run", "-c", fx->conf,
		    (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* waitpid with a deadline; returns the status or -1 on timeout. */
static int
wait_exit(pid_t pid, int ms)
{
	int	status, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void
test_run_lifecycle(void **state)
{
	struct fixture	*fx = *state;
	char		*npath, *log, *db, *body, *logtext, *out, *err;
	sqlite3		*sdb;
	pid_t		 pid;
	int		 nfd, status;

	npath = xasprintf("%s/notify", fx->dir);
	log = xasprintf("%s/quitx.log", fx->dir);
	db = xasprintf("%s/quitx.db", fx->dir);
	nfd = notify_socket(npath);
	pid = start_daemon(fx, npath, log);
	if (!notify_wait(nfd, "READY=1", 10000))
		fail_msg("no READY=1 from quitx run:\n%s", tu_slurp(log));

	assert_int_equal(http_get(fx->port, "/healthz", &body), 200);
	assert_string_equal(body, "ok\n");
	free(body);
	assert_int_equal(http_get(fx->port, "/metrics", &body), 200);
	assert_non_null(strstr(body, "# TYPE quitx_members gauge\n"));
	assert_non_null(strstr(body, "quitx_bot_accounts{network=\"mastodon\"} 1\n"));
	assert_non_null(strstr(body, "quitx_bot_accounts{network=\"bluesky\"} 0\n"));
	assert_non_null(strstr(body, "quitx_inbox_events{state=\"new\"} 0\n"));
	free(body);
	assert_int_equal(http_get(fx->port, "/nothing-here", &body), 404);
	free(body);
	/* HEAD has headers only, so the next answer on the line is whole */
	body = http_raw(fx->port, "HEAD /healthz HTTP/1.1\r\nHost: q\r\n\r\n"
	    "GET /healthz HTTP/1.1\r\nHost: q\r\nConnection: close\r\n\r\n");
	assert_int_equal(count(body, "HTTP/1.1 200 OK\r\n"), 2);
	assert_int_equal(count(body, "\r\n\r\nok\n"), 1);
	assert_int_equal(count(body, "ok\n"), 1);
	free(body);
	/* other methods: 405, and the unread body is never taken for a request */
	body = http_raw(fx->port, "POST /healthz HTTP/1.1\r\nHost: q\r\n"
	    "Content-Length: 5\r\n\r\nabcdeGET /healthz HTTP/1.1\r\n"
	    "Host: q\r\n\r\n");
	assert_non_null(strstr(body, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(body, "allow: GET, HEAD\r\n"));
	assert_null(strstr(body, "200 OK"));
	free(body);

	/* an event written while running (as a connector would) */
	assert_int_equal(sqlite3_open(db, &sdb), SQLITE_OK);
	sqlite3_busy_timeout(sdb, 5000);
	assert_int_equal(sqlite3_exec(sdb, "INSERT INTO inbox (bot_account_id,"
	    " event_id, kind, payload, received_at) VALUES (1, '34975861',"
	    " 'mention', '{}', 1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(sdb);

	/* SIGHUP with a second account: taken */
	write_config(fx, 2);
	kill(pid, SIGHUP);
	assert_true(notify_wait(nfd, "RELOADING=1", 5000));
	assert_true(notify_wait(nfd, "READY=1", 5000));
	assert_int_equal(http_get(fx->port, "/metrics", &body), 200);
	assert_non_null(strstr(body, "quitx_bot_accounts{network=\"bluesky\"} 1\n"));
	assert_non_null(strstr(body, "quitx_config_reloads_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(body, "quitx_inbox_events{state=\"new\"} 1\n"));
	free(body);

	/* SIGHUP with a broken file: refused, the running config stays */
	free(tu_write(fx->dir, "quitx.conf", 0644, "accounts = (\n"));
	kill(pid, SIGHUP);
	assert_true(notify_wait(nfd, "READY=1", 5000));
	assert_int_equal(http_get(fx->port, "/metrics", &body), 200);
	assert_non_null(strstr(body,
	    "quitx_config_reloads_total{result=\"failed\"} 1\n"));
	assert_non_null(strstr(body, "quitx_bot_accounts{network=\"bluesky\"} 1\n"));
	free(body);
	assert_int_equal(http_get(fx->port, "/healthz", &body), 200);
	free(body);

	/* SIGTERM: STOPPING=1, exit 0 within 5 seconds */
	kill(pid, SIGTERM);
	assert_true(notify_wait(nfd, "STOPPING=1", 5000));
	status = wait_exit(pid, 5000);
	if (status == -1)
		fail_msg("quitx run did not exit within 5 s of SIGTERM");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	logtext = tu_slurp(log);
	assert_non_null(strstr(logtext, "reload refused"));
	assert_non_null(strstr(logtext, "quitx.conf:2: syntax error"));
	assert_null(strstr(logtext, "mastodon-token"));
	assert_null(strstr(logtext, "app-pass-word"));
	free(logtext);

	/* nothing lost: the row is there, the file whole, WAL folded back */
	write_config(fx, 2);
	assert_int_equal(tu_quitx(&out, &err, "stats", "-c", fx->conf, "--json",
	    NULL), 0);
	assert_non_null(strstr(out, "\"new\": 1"));
	free(out);
	free(err);
	assert_int_equal(sqlite3_open(db, &sdb), SQLITE_OK);
	assert_int_equal(sqlite3_exec(sdb, "PRAGMA integrity_check", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(sdb);
	close(nfd);
	free(npath);
	free(log);
	free(db);
}

/* Two daemons cannot share a port: the second says why and exits 1. */
static void
test_port_in_use(void **state)
{
	struct fixture	*fx = *state;
	char		*npath, *log, *out, *err;
	pid_t		 pid;
	int		 nfd;

	write_config(fx, 1);
	npath = xasprintf("%s/notify2", fx->dir);
	log = xasprintf("%s/quitx2.log", fx->dir);
	nfd = notify_socket(npath);
	pid = start_daemon(fx, npath, log);
	assert_true(notify_wait(nfd, "READY=1", 10000));
	assert_int_equal(tu_quitx(&out, &err, "run", "-c", fx->conf, NULL), 1);
	assert_non_null(strstr(err, "cannot listen on 127.0.0.1 port"));
	free(out);
	free(err);
	kill(pid, SIGINT);
	assert_int_equal(WEXITSTATUS(wait_exit(pid, 5000)), 0);
	close(nfd);
	free(npath);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_exit_codes),
		cmocka_unit_test(test_run_lifecycle),
		cmocka_unit_test(test_port_in_use),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
