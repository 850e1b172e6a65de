/*
 * bench-mastodon-daemon: the daemon's memory while connected to a
 * Mastodon instance (the local peer), and how fast mentions sent through
 * the stream land in the inbox, end to end (peer, TLS, WebSocket, parse,
 * SQLite with a synchronous commit per mention).
 */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

#define MENTIONS	2000

static long
proc_kb(pid_t pid, const char *field)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;
	size_t	 n = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

static long long
inbox_rows(const char *db)
{
	sqlite3		*h;
	sqlite3_stmt	*q;
	long long	 n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM inbox", -1, &q,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(h);
	return n;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(void)
{
	struct tu_peer	*peer;
	char		*dir, *conf, *db, *log, *url, *text, *resp;
	long		 rss_idle, rss_after, hwm, anon_idle, anon_after;
	double		 t0, t1;
	pid_t		 pid;
	int		 i, fd, status;

	dir = tu_tmpdir();
	tu_link_messages(dir);
	peer = tu_peer_start(dir, "mastodon-peer", "--account",
	    "HelloQuitX:bench-token", (char *)NULL);
	free(tu_write(dir, "bot.token", 0600, "bench-token\n"));
	conf = tu_write(dir, "quitx.conf", 0644,
	    "store = \"quitx.db\"; listen = \"127.0.0.1:%d\";\n"
	    "ca_file = \"%s\";\n"
	    "accounts = ( { network = \"mastodon\"; server = \"%s\";\n"
	    "  handle = \"HelloQuitX\"; language = \"en\";\n"
	    "  token_file = \"bot.token\"; } );\n",
	    tu_free_port(), peer->ca, peer->base);
	db = xasprintf("%s/quitx.db", dir);
	log = xasprintf("%s/quitx.log", dir);
	if ((pid = fork()) == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		execl(tu_quitx_bin(), tu_quitx_bin(), "run", "-c", conf,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		text = tu_slurp(log);
		if (text != NULL && strstr(text, "stream connected") != NULL) {
			free(text);
			break;
		}
		free(text);
		usleep(50000);
	}
	sleep(1);
	rss_idle = proc_kb(pid, "VmRSS");
	anon_idle = proc_kb(pid, "RssAnon");
	url = xasprintf("%s/_peer/mention", peer->base);
	t0 = now_s();
	for (i = 0; i < MENTIONS; i++) {
		resp = NULL;
		if (tu_https(peer->ca, "POST", url, "{\"to\":\"HelloQuitX\","
		    "\"from\":\"member@piaille.example\",\"content\":"
		    "\"<p>@HelloQuitX register @member_x &amp; thanks \\ud83d"
		    "\\ude80</p>\"}", &resp) != 200)
			return 1;
		free(resp);
	}
	while (inbox_rows(db) < MENTIONS && now_s() - t0 < 120)
		usleep(20000);
	t1 = now_s();
	rss_after = proc_kb(pid, "VmRSS");
	hwm = proc_kb(pid, "VmHWM");
	anon_after = proc_kb(pid, "RssAnon");
	printf("mastodon daemon: RSS %ld kB connected and idle (%ld kB of it "
	    "the process's own, the rest shared library pages), %ld kB after "
	    "%d mentions (own %ld kB, peak %ld kB); %lld mentions in the inbox "
	    "in %.2f s end to end (%.0f/s, bounded by the test driver's one "
	    "request per mention)\n", rss_idle, anon_idle, rss_after,
	    MENTIONS, anon_after, hwm, inbox_rows(db), t1 - t0,
	    MENTIONS / (t1 - t0));
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	tu_peer_stop(peer);
	tu_rmtree(dir);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
