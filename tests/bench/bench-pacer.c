/*
 * bench-pacer: the outbox pacer's achieved send rate against a local
 * peer that advertises N requests per window, as a share of N, and the
 * 429s it met (the goal: at least 95% of N, no 429).
 *
 * Mastodon: mastodon-peer --rate-limit N --rate-window W, its per-token
 * budget in fixed windows aligned to the epoch (Rack::Attack's), told in
 * X-RateLimit-Limit/Remaining/Reset.  Bluesky: bluesky-peer's write
 * bucket --rate-limit 2N points (putRecord costs 2) --rate-window W,
 * opened by the first write after the last one ended (rate-limiter-
 * flexible's), told in ratelimit-limit/remaining/reset/policy.
 *
 * The Bluesky run is made twice: against the peer as it is (reset
 * rounded up to the second) and with --reset-floor (rounded down, as the
 * reference PDS writes it, so the header may name a second before the
 * window ends).  Each run gets a fresh store whose outbox holds more rows
 * than it can send (4.5 windows' worth) for one bot account, then `quitx
 * run`; the three run at once, so the bench takes about 4 windows plus
 * start-up.  The sends are timed by the peers (/_peer/statuses
 * created_at, /_peer/posts time_us).  The first window is left out (it
 * holds the start-up); the median of the next 3 is reported.  A Mastodon
 * window is [kW, (k+1)W) on the clock; a Bluesky window runs from the
 * write that opened it to the one that opened the next, since time the
 * pacer lets pass between a reset and its next write is lost to it.
 *
 * QUITX_BENCH_PACER_LIMIT (N, default 300) and QUITX_BENCH_PACER_WINDOW
 * (W seconds, default 60) change the setup.
 */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "quitx/config.h"
#include "quitx/log.h"
#include "quitx/store.h"
#include "quitx/tid.h"
#include "quitx/xmalloc.h"

#define WINDOWS		3	/* measured, after the first */
#define MAX_SENDS	4096
#define NETS		3

struct net {
	const char	*name;		/* in the figures */
	int		 bluesky;
	int		 floor;		/* the peer's --reset-floor */
	char		*dir;
	char		*conf;
	char		*db;
	char		*log;
	struct tu_peer	*peer;
	pid_t		 pid;
	long		 rows;		/* queued before the start */
	double		 sends[MAX_SENDS];	/* Unix seconds, in order */
	size_t		 nsends;
	double		 deadline;	/* collect after this (Unix s) */
	double		 collected;	/* when the sends were last read */
};

static long	limit = 300;	/* N: requests (sends) per window */
static long	window = 60;	/* W: seconds */

static double
now_unix(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
env_long(const char *name, long def, long min, long max)
{
	const char	*s = getenv(name);
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max) {
		fprintf(stderr, "bench-pacer: %s must be %ld..%ld\n", name, min,
		    max);
		exit(1);
	}
	return v;
}

/* A control call on the peer; its JSON answer, or NULL. */
static json_t *
peer_get(struct net *n, const char *path)
{
	json_error_t	 jerr;
	json_t		*v;
	char		*url = xasprintf("%s%s", n->peer->base, path), *body = NULL;

	if (tu_https(n->peer->ca, "GET", url, NULL, &body) != 200) {
		free(url);
		free(body);
		return NULL;
	}
	v = json_loads(body != NULL ? body : "", 0, &jerr);
	free(url);
	free(body);
	return v;
}

static long long
peer_stat(struct net *n, const char *name)
{
	json_t		*st = peer_get(n, "/_peer/stats");
	long long	 v = -1;

	if (json_is_integer(json_object_get(st, name)))
		v = json_integer_value(json_object_get(st, name));
	json_decref(st);
	return v;
}

/* "2026-11-23T10:00:00.123Z" as Unix seconds; -1 if not that form. */
static double
parse_iso(const char *s)
{
	struct tm	tm;
	int		ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}

/* The peer's record of the bot's sends, oldest first. */
static void
collect_sends(struct net *n)
{
	json_t	*arr, *o;
	size_t	 i;
	double	 t;

	n->nsends = 0;
	n->collected = now_unix();
	arr = peer_get(n, n->bluesky ?
	    "/_peer/posts?handle=pacer.test" : "/_peer/statuses");
	json_array_foreach(arr, i, o) {
		if (n->bluesky)
			t = (double)json_integer_value(json_object_get(o,
			    "time_us")) / 1e6;
		else
			t = parse_iso(json_string_value(json_object_get(o,
			    "created_at")));
		if (t > 0 && n->nsends < MAX_SENDS)
			n->sends[n->nsends++] = t;
	}
	json_decref(arr);
}

/* The config file, the secret, and the outbox filled behind its back. */
static void
prepare(struct net *n)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf = NULL;
	struct outbox_new	 row;
	struct store		*st;
	char			 err[256], idem[64], rkey[TID_LEN + 1], at[32];
	char			 text[128], *body;
	time_t			 t = time(NULL);
	struct tm		 tm;
	int64_t			 bot, id;
	long			 i;

	n->db = xasprintf("%s/quitx.db", n->dir);
	n->log = xasprintf("%s/quitx.log", n->dir);
	tu_link_messages(n->dir);
	if (n->bluesky) {
		free(tu_write(n->dir, "bot.password", 0600, "pw-bench-1234\n"));
		n->conf = tu_write(n->dir, "quitx.conf", 0644,
		    "store = \"%s\";\nlisten = \"127.0.0.1:%d\";\n"
		    "log_level = \"info\";\nca_file = \"%s\";\n"
		    "bluesky = { plc = \"%s\"; jetstream = [ \"wss://"
		    "127.0.0.1:%d/subscribe\" ]; };\n"
		    "accounts = ( { network = \"bluesky\"; server = \"%s\";"
		    " handle = \"pacer.test\"; language = \"en\";"
		    " password_file = \"%s/bot.password\"; } );\n",
		    n->db, tu_free_port(), n->peer->ca, n->peer->base,
		    n->peer->port, n->peer->base, n->dir);
	} else {
		free(tu_write(n->dir, "bot.token", 0600, "bench-token\n"));
		n->conf = tu_write(n->dir, "quitx.conf", 0644,
		    "store = \"%s\";\nlisten = \"127.0.0.1:%d\";\n"
		    "log_level = \"info\";\nca_file = \"%s\";\n"
		    "accounts = ( { network = \"mastodon\"; server = \"%s\";"
		    " handle = \"PacerBench\"; language = \"en\";"
		    " token_file = \"%s/bot.token\"; } );\n",
		    n->db, tu_free_port(), n->peer->ca, n->peer->base, n->dir);
	}
	if (config_load(n->conf, &conf, &errs) == -1) {
		for (i = 0; i < (long)errs.count; i++)
			fprintf(stderr, "bench-pacer: %s\n", errs.msgs[i]);
		exit(1);
	}
	if (store_open(n->db, &st, err, sizeof(err)) == -1 ||
	    store_bot_accounts_sync(st, conf) == -1 ||
	    (bot = store_bot_account_id(st, &conf->accounts[0])) <= 0) {
		fprintf(stderr, "bench-pacer: %s: store: %s\n", n->name, err);
		exit(1);
	}
	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	for (i = 0; i < n->rows; i++) {
		snprintf(text, sizeof(text), "pacer bench %ld: a post that "
		    "reaches nobody in particular", i);
		if (n->bluesky) {
			tid_next(rkey);
			body = xasprintf("{\"post\":{\"rkey\":\"%s\",\"record\":"
			    "{\"$type\":\"app.bsky.feed.post\",\"text\":\"%s\","
			    "\"createdAt\":\"%s\",\"langs\":[\"en\"]}}}", rkey,
			    text, at);
		} else
			/* unlisted: no recipient to check in mentions[] */
			body = xasprintf("{\"status\":\"%s\",\"visibility\":"
			    "\"unlisted\",\"language\":\"en\"}", text);
		snprintf(idem, sizeof(idem), "bench-pacer:%ld", i);
		memset(&row, 0, sizeof(row));
		row.bot_account_id = bot;
		row.kind = "suggestions";
		row.priority = 5;
		row.idem_key = idem;
		row.body = body;
		if (store_outbox_add(st, &row, &id) != 1) {
			fprintf(stderr, "bench-pacer: %s: outbox row %ld\n",
			    n->name, i);
			exit(1);
		}
		free(body);
	}
	store_close(st);
	config_free(conf);
}

static void
daemon_start(struct net *n)
{
	int	fd;

	if ((n->pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		execl(tu_quitx_bin(), tu_quitx_bin(), "run", "-c", n->conf,
		    (char *)NULL);
		_exit(127);
	}
}

/* SIGTERM; 0 if quitx exited 0 within 15 s. */
static int
daemon_stop(struct net *n)
{
	int	status = -1, i;

	kill(n->pid, SIGTERM);
	for (i = 0; i < 1500; i++) {
		if (waitpid(n->pid, &status, WNOHANG) == n->pid)
			break;
		usleep(10000);
	}
	if (i == 1500) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, &status, 0);
		fprintf(stderr, "bench-pacer: %s: quitx did not stop\n",
		    n->name);
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int k)
{
	qsort(v, (size_t)k, sizeof(*v), cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/*
 * The windows the peer counted: start[0..*nw] (start[*nw] ends the last
 * one), first of them the one holding the first send.
 */
static void
windows(const struct net *n, double *start, int *nw, int max)
{
	double	t;
	size_t	i;
	int	k = 0;

	*nw = 0;
	if (n->nsends == 0)
		return;
	if (!n->bluesky) {
		/* aligned to the epoch: every boundary up to the end */
		t = (double)((long long)(n->sends[0] / (double)window) *
		    window);
		for (k = 0; k <= max && t + (double)window * k <=
		    n->collected; k++)
			start[k] = t + (double)window * k;
		*nw = k - 1;
		return;
	}
	/* opened by the first write at or after the last one's end */
	start[k++] = n->sends[0];
	for (i = 1; i < n->nsends && k <= max; i++)
		if (n->sends[i] >= start[k - 1] + (double)window)
			start[k++] = n->sends[i];
	*nw = k - 1;
}

/* Print the figures; 0 if measured at all. */
static int
report(struct net *n, long long limited, long long attempts)
{
	double		 start[16], pct[WINDOWS], got[WINDOWS], lag[WINDOWS];
	double		 busy[WINDOWS], span, first, last;
	size_t		 i;
	int		 nw, k, m = 0;
	long		 count;

	windows(n, start, &nw, 1 + WINDOWS);
	for (k = 1; k < nw && m < WINDOWS; k++) {
		count = 0;
		first = last = -1;
		for (i = 0; i < n->nsends; i++)
			if (n->sends[i] >= start[k] &&
			    n->sends[i] < start[k + 1]) {
				if (count++ == 0)
					first = n->sends[i];
				last = n->sends[i];
			}
		span = start[k + 1] - start[k];
		/* sends per W seconds of this window's own length */
		got[m] = (double)count * (double)window / span;
		pct[m] = got[m] * 100.0 / (double)limit;
		lag[m] = n->bluesky ? start[k] - (start[k - 1] +
		    (double)window) : first - start[k];
		busy[m] = last - first;
		printf("pacer %s: window %d: %ld sends in %.2f s (%.1f per "
		    "%ld s, %.1f%%); first send %.3f s after the reset, the "
		    "window's sends took %.2f s\n", n->name, k, count, span,
		    got[m], window, pct[m], lag[m], busy[m]);
		m++;
	}
	if (m == 0) {
		printf("pacer %s: no full window measured (%zu sends); see "
		    "%s\n", n->name, n->nsends, n->log);
		return -1;
	}
	printf("pacer %s: %.0f/%ld %s per %ld s window (%.1f%%), 429s: %lld "
	    "(median of %d window%s; %lld requests for %zu sends in all; "
	    "reset-to-first-send median %.3f s)\n", n->name, median(got, m),
	    limit, n->bluesky ? "putRecord" : "statuses", window,
	    median(pct, m), limited, m, m == 1 ? "" : "s", attempts, n->nsends,
	    median(lag, m));
	return 0;
}

int
main(void)
{
	struct net	 nets[NETS];
	char		 pts[32], lim[32], win[32];
	double		 t0, first;
	long long	 limited, attempts;
	int		 i, rc = 0, done;

	log_init(LOG_LVL_WARN);
	limit = env_long("QUITX_BENCH_PACER_LIMIT", 300, 10, 800);
	window = env_long("QUITX_BENCH_PACER_WINDOW", 60, 5, 3600);
	memset(nets, 0, sizeof(nets));
	nets[0].name = "mastodon";
	nets[1].name = "bluesky";
	nets[1].bluesky = 1;
	nets[2].name = "bluesky (reset rounded down, as the reference PDS)";
	nets[2].bluesky = 1;
	nets[2].floor = 1;
	snprintf(lim, sizeof(lim), "%ld", limit);
	snprintf(pts, sizeof(pts), "%ld", 2 * limit);
	snprintf(win, sizeof(win), "%ld", window);
	for (i = 0; i < NETS; i++) {
		nets[i].dir = tu_tmpdir();
		nets[i].rows = limit * 9 / 2;
	}
	nets[0].peer = tu_peer_start(nets[0].dir, "mastodon-peer", "--account",
	    "PacerBench:bench-token", "--rate-limit", lim, "--rate-window",
	    win, (char *)NULL);
	for (i = 1; i < NETS; i++)
		nets[i].peer = tu_peer_start(nets[i].dir, "bluesky-peer",
		    "--account", "pacer.test:pw-bench-1234", "--rate-limit", pts,
		    "--rate-window", win, nets[i].floor ? "--reset-floor" :
		    (char *)NULL, (char *)NULL);
	for (i = 0; i < NETS; i++)
		prepare(&nets[i]);
	printf("pacer: %ld requests per %ld s window (Bluesky: %s points, "
	    "putRecord 2), %ld rows queued per network; about %ld s\n", limit,
	    window, pts, nets[0].rows, 4 * window + 10);
	fflush(stdout);
	t0 = now_unix();
	for (i = 0; i < NETS; i++)
		daemon_start(&nets[i]);

	/* until each has sent through its first window and 3 more */
	for (done = 0; done < NETS && now_unix() - t0 < 5 * window + 60; ) {
		sleep(1);
		done = 0;
		for (i = 0; i < NETS; i++) {
			struct net *n = &nets[i];

			if (n->deadline == 0) {
				collect_sends(n);
				if (n->nsends == 0)
					continue;
				first = n->sends[0];
				n->deadline = n->bluesky ?
				    first + (double)window * (1 + WINDOWS) :
				    ((double)(long long)(first / (double)window)
				    + 1 + WINDOWS) * (double)window + 0.5;
			}
			if (now_unix() < n->deadline)
				continue;
			collect_sends(n);
			if (n->bluesky) {
				double	s[16];
				int	nw;

				/* the window after the last, to close it */
				windows(n, s, &nw, 1 + WINDOWS);
				if (nw < 1 + WINDOWS && now_unix() <
				    n->deadline + (double)window)
					continue;
			}
			done++;
		}
	}

	for (i = 0; i < NETS; i++) {
		struct net *n = &nets[i];

		collect_sends(n);
		limited = peer_stat(n, "rate_limited");
		attempts = peer_stat(n, n->bluesky ? "put_record" :
		    "status_posts");
		if (daemon_stop(n) == -1)
			rc = 1;
		if (report(n, limited, attempts) == -1)
			rc = 1;
		tu_peer_stop(n->peer);
		if (rc == 0)
			tu_rmtree(n->dir);
	}
	return rc;
}
