/*
 * cmd-demo: `quitx demo`, a rehearsal of the whole campaign on one
 * machine, which is also a test (it exits 0 only when what members
 * received is what the matches say).
 *
 * In a fresh temporary folder: a certificate for 127.0.0.1, the local
 * Mastodon-like and Bluesky-like peers of the test suite, the shipped
 * demo config with the ports filled in, and `quitx run`.  Then the
 * script, through the real interfaces only: the call to register
 * (`quitx announce`), members replying on the peers, their uploads
 * through the links the bot sent them, the match; the daemon restarted
 * on a simulated clock (QUITX_CLOCK) a week before the day, so that the
 * scheduler posts the countdown and the day starts when the clock
 * reaches it, its messages paced at the peers' advertised limits.
 *
 * The peers, the generator, demo.conf and the message files are found
 * in the libexec folder (QUITX_LIBEXEC, else the one `make install`
 * fills).  See demo-internal.h for the parts.
 */
#include "quitx/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo-internal.h"
#include "quitx/xmalloc.h"

#ifndef QUITX_LIBEXECDIR
#define QUITX_LIBEXECDIR	"/usr/local/libexec/quitx"
#endif

#define MEMBERS_DEFAULT	300
#define MEMBERS_MAX	100000
/* simulated days per real second at most (the scheduler's tick) */
#define SPEED_MAX	4.0
/* a quiet day before the countdown, then the week before the day */
#define CLOCK_BEFORE	"2027-01-06T10:00:00+01:00"
#define CLOCK_WEEK	"2027-01-12T12:00:00+01:00"
/*
 * The peers' advertised limits: Mastodon's real 300 statuses per
 * window, the window shortened to seconds; Bluesky's 5,000 points, a
 * minute.  The pacer reads them from the headers like the real ones.
 */
#define MASTODON_RATE	"300"
#define MASTODON_WINDOW	"10"
#define BLUESKY_RATE	"5000"
#define BLUESKY_WINDOW	"60"
/* chat has its own bucket, set through the control API */
#define CHAT_RATE	3000
#define CHAT_WINDOW	300

/* The bots' secrets, in this order: the peers are given the same. */
static const char *const secrets[] = {
	"mastodon-en.token", "mastodon-fr.token",
	"bluesky-en.password", "bluesky-fr.password",
};
#define NSECRETS	(sizeof(secrets) / sizeof(secrets[0]))
#define SECRET_BYTES	16

/* The call to register, per language (its bots: --accounts en, fr). */
static const char *const call_text[2] = {
    "On 20 January we leave X together, and find our X audience here.\n"
    "Reply with your X handle (\"register @yourhandle\") and I will send "
    "you a private link to upload your X archive.  #HelloQuitX\n",
    "Le 20 janvier, on quitte X ensemble et on retrouve ici nos abonnés.\n"
    "Répondez avec votre compte X (« inscription @votrecompte ») : je vous "
    "enverrai en privé un lien pour déposer votre archive X.  "
    "#HelloQuitteX\n",
};

/* A file's text with each @KEY@ of the pairs replaced; NULL if unread. */
static char *
fill(const char *path, const char *const *pairs)
{
	FILE	*f;
	char	*text, *out, *at, *tmp;
	long	 n;
	size_t	 i;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)n + 1);
	text[fread(text, 1, (size_t)n, f)] = '\0';
	fclose(f);
	for (i = 0; pairs[i] != NULL; i += 2)
		while ((at = strstr(text, pairs[i])) != NULL) {
			*at = '\0';
			out = xasprintf("%s%s%s", text, pairs[i + 1],
			    at + strlen(pairs[i]));
			tmp = text;
			text = out;
			free(tmp);
		}
	return text;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	/* a short write (a full disk) is an error, like fclose's */
	if (fputs(text, f) == EOF) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* The Bluesky bots' chat budget, advertised in its headers. */
static int
chat_limits(struct demo *d)
{
	static const char *const bots[] = { DEMO_BSKY_EN, DEMO_BSKY_FR };
	json_t	*r;
	size_t	 i;

	for (i = 0; i < 2; i++) {
		r = demo_peer_call(d, &d->bsky, "POST", "/_peer/rate",
		    json_pack("{s:s, s:s, s:i, s:i, s:i}", "handle", bots[i],
		    "bucket", "chat", "limit", CHAT_RATE, "remaining",
		    CHAT_RATE, "reset_in", CHAT_WINDOW));
		if (r == NULL)
			return -1;
		json_decref(r);
	}
	return 0;
}

/* The folder, its certificate and secrets, the peers. */
static int
setup(struct demo *d)
{
	const char	*tmp = getenv("TMPDIR");
	char		 err[256], *key, *path, *peer, *text;
	char		 secret[NSECRETS][2 * SECRET_BYTES + 1];
	unsigned char	 raw[SECRET_BYTES];
	size_t		 i, j;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	d->dir = xasprintf("%s/quitx-demo.XXXXXX", tmp);
	if (mkdtemp(d->dir) == NULL) {
		/* not d->dir: its name was made up, never made */
		demo_fail(d, "%s: cannot make the demo's folder in it: %s",
		    tmp, strerror(errno));
		/* no folder: nothing to keep nor to remove */
		free(d->dir);
		d->dir = NULL;
		return -1;
	}
	d->conf = xasprintf("%s/quitx.conf", d->dir);
	d->db = xasprintf("%s/quitx.db", d->dir);
	d->log = xasprintf("%s/quitx.log", d->dir);
	d->ca = xasprintf("%s/peer-cert.pem", d->dir);
	key = xasprintf("%s/peer-key.pem", d->dir);
	if (demo_make_cert(d->ca, key, err, sizeof(err)) == -1) {
		demo_fail(d, "the peers' certificate: %s", err);
		free(key);
		return -1;
	}
	path = xasprintf("%s/secrets", d->dir);
	if (mkdir(path, 0700) == -1) {
		demo_fail(d, "%s: %s", path, strerror(errno));
		free(path);
		free(key);
		return -1;
	}
	free(path);
	/* random: another local user cannot guess the bots' secrets */
	for (i = 0; i < NSECRETS; i++) {
		if (getentropy(raw, sizeof(raw)) == -1) {
			demo_fail(d, "getentropy: %s", strerror(errno));
			free(key);
			return -1;
		}
		for (j = 0; j < sizeof(raw); j++)
			snprintf(secret[i] + 2 * j, 3, "%02x", raw[j]);
		path = xasprintf("%s/secrets/%s", d->dir, secrets[i]);
		text = xasprintf("%s\n", secret[i]);
		if (write_file(path, text, 0600) == -1)
			demo_fail(d, "%s: %s", path, strerror(errno));
		free(text);
		free(path);
	}
	explicit_bzero(raw, sizeof(raw));

	peer = xasprintf("%s/mastodon-peer", d->libexec);
	if (d->error[0] == '\0') {
		char *tok_en = xasprintf(DEMO_MASTO_EN ":%s", secret[0]);
		char *tok_fr = xasprintf(DEMO_MASTO_FR ":%s", secret[1]);
		const char *argv[] = { peer, "--port", "0", "--cert", d->ca, "--key",
		    key, "--domain", "mastodon.test", "--account", tok_en,
		    "--account", tok_fr, "--rate-limit", MASTODON_RATE,
		    "--rate-window", MASTODON_WINDOW, NULL };

		d->masto.name = "mastodon-peer";
		(void)demo_peer_start(d, &d->masto, argv);
		free(tok_en);
		free(tok_fr);
	}
	free(peer);
	peer = xasprintf("%s/bluesky-peer", d->libexec);
	if (d->error[0] == '\0') {
		char *pw_en = xasprintf(DEMO_BSKY_EN ":%s", secret[2]);
		char *pw_fr = xasprintf(DEMO_BSKY_FR ":%s", secret[3]);
		const char *argv[] = { peer, "--port", "0", "--cert", d->ca, "--key",
		    key, "--account", pw_en, "--account", pw_fr,
		    "--rate-limit", BLUESKY_RATE, "--rate-window",
		    BLUESKY_WINDOW, "--ping-interval", "5", NULL };

		d->bsky.name = "bluesky-peer";
		(void)demo_peer_start(d, &d->bsky, argv);
		free(pw_en);
		free(pw_fr);
	}
	free(peer);
	free(key);
	explicit_bzero(secret, sizeof(secret));
	if (d->error[0] == '\0')
		(void)chat_limits(d);
	d->limits = xasprintf("Mastodon %s statuses per %s s per bot; "
	    "Bluesky %s points per %s s, chat %d per %d s", MASTODON_RATE,
	    MASTODON_WINDOW, BLUESKY_RATE, BLUESKY_WINDOW, CHAT_RATE,
	    CHAT_WINDOW);
	return d->error[0] == '\0' ? 0 : -1;
}

/* demo.conf with the ports and paths, then `quitx check-config`. */
static int
configure(struct demo *d)
{
	char	*tmpl, *text, *port, *jet, *msgs, *log;
	int	 rc;

	d->port = demo_free_port();
	port = xasprintf("%d", d->port);
	jet = xasprintf("wss://127.0.0.1:%d/subscribe", d->bsky.port);
	msgs = xasprintf("%s/messages", d->libexec);
	tmpl = xasprintf("%s/demo.conf", d->libexec);
	{
		const char *pairs[] = { "@LISTEN_PORT@", port, "@MESSAGES@",
		    msgs, "@MASTODON@", d->masto.base, "@BLUESKY@",
		    d->bsky.base, "@JETSTREAM@", jet, NULL };

		text = fill(tmpl, pairs);
	}
	if (text == NULL)
		demo_fail(d, "%s: %s", tmpl, strerror(errno));
	else if (write_file(d->conf, text, 0644) == -1)
		demo_fail(d, "%s: %s", d->conf, strerror(errno));
	free(text);
	free(tmpl);
	free(port);
	free(jet);
	free(msgs);
	if (d->error[0] != '\0')
		return -1;
	log = xasprintf("%s/check-config.out", d->dir);
	{
		const char *argv[] = { d->self, "check-config", "-c", d->conf, NULL };

		rc = demo_run(d, argv, log);
	}
	if (rc != 0)
		demo_fail(d, "quitx check-config refused %s (see %s)", d->conf,
		    log);
	free(log);
	return rc == 0 ? 0 : -1;
}

/* The bots connected: both Mastodon streams, both Bluesky sessions. */
static int
wait_connected(struct demo *d)
{
	int64_t	end = demo_now_ms() + 15000;

	while (demo_now_ms() < end) {
		if (demo_peer_stat(d, &d->masto, "stream_connections") >= 2 &&
		    demo_peer_stat(d, &d->bsky, "jetstream_active") >= 1 &&
		    demo_peer_stat(d, &d->bsky, "create_session") >= 2)
			return 0;
		if (!demo_alive(d) || d->error[0] != '\0' ||
		    demo_sleep_ms(100) == -1)
			return -1;
	}
	demo_fail(d, "the bots did not connect within 15 s (log: %s)", d->log);
	return -1;
}

/* The call to register, from every bot, through `quitx announce`. */
static int
announce(struct demo *d)
{
	static const char *const lang[2] = { "en", "fr" };
	char	*file, *log;
	int	 i, rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		file = xasprintf("%s/call-%s.txt", d->dir, lang[i]);
		log = xasprintf("%s/announce-%s.out", d->dir, lang[i]);
		{
			const char *argv[] = { d->self, "announce", "-c",
			    d->conf, "--accounts", lang[i], file, NULL };

			if (write_file(file, call_text[i], 0644) == -1) {
				demo_fail(d, "%s: %s", file, strerror(errno));
				rc = -1;
			} else if (demo_run(d, argv, log) != 0) {
				demo_fail(d, "quitx announce failed (see %s)",
				    log);
				rc = -1;
			}
		}
		free(file);
		free(log);
	}
	if (rc == 0)
		rc = demo_wait_db(d, "the call to register", "SELECT count(*)"
		    " FROM outbox WHERE idem_key LIKE 'sched:%' AND state ="
		    " 'sent'", NULL, 4, 30);
	return rc;
}

/* Everything queued went out (or nothing is left that could). */
static int
wait_outbox_empty(struct demo *d, const char *what, int secs)
{
	return demo_wait_db(d, what, "SELECT count(*) FROM outbox WHERE"
	    " state IN ('queued', 'sending') AND not_before <="
	    " CAST(strftime('%s', 'now') AS INTEGER) + 5", NULL, 0, secs);
}

/* Every suggestion not yet sent either went out or cannot be. */
static int
wait_delivered(struct demo *d, int secs)
{
	return demo_wait_db(d, "the campaign day's messages", "SELECT (SELECT"
	    " count(*) FROM outbox WHERE state IN ('queued', 'sending')) +"
	    " (SELECT count(*) FROM member m WHERE m.messages_stopped = 0 AND"
	    " EXISTS (SELECT 1 FROM suggestion s JOIN member f ON f.id ="
	    " s.suggested_id AND f.discoverable = 1 WHERE s.member_id = m.id"
	    " AND NOT EXISTS (SELECT 1 FROM suggestion_sent t WHERE"
	    " t.member_id = m.id AND t.suggested_id = s.suggested_id) AND NOT"
	    " EXISTS (SELECT 1 FROM bsky_follows b WHERE b.member_id = m.id"
	    " AND b.other_did = f.account AND b.follows = 1)))", NULL, 0,
	    secs);
}

/*
 * For the test of the check itself (tests/test-demo.c), not for users:
 * QUITX_DEMO_FAULT=chat has the Bluesky peer refuse the next chat
 * message for good (400), so that one member's suggestions are lost
 * on the day and the check must fail, naming that member.
 */
static int
fault(struct demo *d)
{
	const char	*f = getenv("QUITX_DEMO_FAULT");
	json_t		*r;

	if (f == NULL || strcmp(f, "chat") != 0)
		return 0;
	if ((r = demo_peer_call(d, &d->bsky, "POST", "/_peer/fail",
	    json_pack("{s:s, s:i, s:i, s:s, s:s}", "path",
	    "chat.bsky.convo.sendMessage", "status", 400, "count", 1, "error",
	    "InvalidRequest", "message", "refused by QUITX_DEMO_FAULT"))) ==
	    NULL)
		return -1;
	json_decref(r);
	return 0;
}

static int
script(struct demo *d)
{
	demo_phase(d, "starting the peers");
	if (setup(d) == -1 || configure(d) == -1)
		return -1;
	demo_phase(d, "generating the population");
	if (demo_population(d) == -1)
		return -1;

	demo_phase(d, "the daemon starts");
	if (demo_daemon_start(d, CLOCK_BEFORE, 1.0) == -1 ||
	    wait_connected(d) == -1)
		return -1;
	demo_phase(d, "1. call to register");
	if (announce(d) == -1)
		return -1;
	demo_phase(d, "1. members register");
	if (demo_register(d) == -1 || demo_collect_links(d, 120) == -1 ||
	    demo_intros(d) == -1)
		return -1;
	demo_phase(d, "2. uploads");
	if (demo_upload_all(d) == -1 || demo_forget(d) == -1)
		return -1;
	demo_phase(d, "2. matching");
	/* matches made after the last upload, replies all out */
	if (demo_wait_db(d, "the match", "SELECT coalesce((SELECT"
	    " CAST(value AS INTEGER) FROM campaign_state WHERE key ="
	    " 'match_at') > (SELECT max(completed_at) FROM x_upload), 0)", NULL,
	    1, 60) == -1 || wait_outbox_empty(d, "the replies", 60) == -1)
		return -1;

	if (fault(d) == -1)
		return -1;
	/* a week before the day, a simulated day a second (or --speed) */
	demo_phase(d, "3. countdown");
	if (demo_daemon_stop(d) == -1)
		return -1;
	if (demo_daemon_start(d, CLOCK_WEEK, d->speed * 86400.0) == -1 ||
	    wait_connected(d) == -1)
		return -1;
	if (demo_wait_db(d, "the countdown", "SELECT count(*) > 0 FROM outbox"
	    " WHERE kind = 'suggestions'", NULL, 1, (int)(10 / d->speed) + 30)
	    == -1)
		return -1;
	demo_phase(d, "4. the campaign day");
	if (wait_delivered(d, 300) == -1 ||
	    wait_outbox_empty(d, "the day's posts", 60) == -1)
		return -1;
	demo_phase(d, "5. checking");
	return 0;
}

/*
 * After the check, the rest of the verdict: no peer answered 429 (the
 * pacer kept to the advertised limits) and the daemon exits 0 on
 * SIGTERM.  0, or -1 with d->error.
 */
static int
clean_end(struct demo *d)
{
	long long	n;

	n = demo_peer_stat(d, &d->masto, "rate_limited") +
	    demo_peer_stat(d, &d->bsky, "rate_limited");
	if (d->error[0] != '\0')
		return -1;
	if (n != 0) {
		demo_fail(d, "the peers answered 429 %lld times: the pacer did "
		    "not keep to the advertised limits", n);
		return -1;
	}
	return demo_daemon_stop(d);
}

static int
remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/*
 * Everything the demo needs from its libexec folder, before anything
 * is started: a missing helper is a setup problem, said plainly.
 */
static int
helpers_present(const char *dir)
{
	static const struct {
		const char	*name;
		int		 mode;
	} need[] = {
		{ "mastodon-peer", X_OK }, { "bluesky-peer", X_OK },
		{ "gen-archive", X_OK }, { "demo.conf", R_OK },
		{ "messages/en.conf", R_OK }, { "messages/fr.conf", R_OK },
	};
	char	*path;
	size_t	 i;
	int	 ok = 1;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		path = xasprintf("%s/%s", dir, need[i].name);
		if (access(path, need[i].mode) == -1) {
			fprintf(stderr, "quitx demo: %s: %s\n", path,
			    strerror(errno));
			ok = 0;
		}
		free(path);
	}
	if (!ok)
		fprintf(stderr, "quitx demo: its helpers are installed by "
		    "`make install`; from a build tree, run `make demo` (or "
		    "set QUITX_LIBEXEC)\n");
	return ok;
}

/* The binary's own path, to run its subcommands. */
static char *
self_path(const char *argv0)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		return xstrdup(buf);
	}
	return xstrdup(argv0);
}

int
cmd_demo(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "members", required_argument, NULL, 'n' },
		{ "speed", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "keep", no_argument, NULL, 'k' },
		{ "plain", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct demo	 d;
	const char	*env;
	char		*end;
	unsigned long	 seed;
	size_t		 told = 0;
	int		 ch, rc = EXIT_RUNTIME, plain = 0;

	memset(&d, 0, sizeof(d));
	d.members = MEMBERS_DEFAULT;
	d.speed = 1.0;
	d.seed = 20;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			d.members = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || d.members < 10 ||
			    d.members > MEMBERS_MAX) {
				fprintf(stderr, "quitx demo: --members: 10 to "
				    "%d\n", MEMBERS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 's':
			d.speed = strtod(optarg, &end);
			if (*end != '\0' || !(d.speed >= 0.1 &&
			    d.speed <= SPEED_MAX)) {
				fprintf(stderr, "quitx demo: --speed: simulated "
				    "days a second, 0.1 to %.0f\n", SPEED_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			errno = 0;
			seed = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-' || seed > UINT_MAX) {
				fprintf(stderr, "quitx demo: --seed: a number, "
				    "0 to %u\n", UINT_MAX);
				return EXIT_USAGE;
			}
			d.seed = (unsigned)seed;
			break;
		case 'k':
			d.keep = 1;
			break;
		case 'p':
			plain = 1;
			break;
		default:
			return cmd_usage("demo");
		}
	}
	if (optind != argc)
		return cmd_usage("demo");
	env = getenv("QUITX_LIBEXEC");
	d.libexec = xstrdup(env != NULL && *env != '\0' ? env :
	    QUITX_LIBEXECDIR);
	if (!helpers_present(d.libexec)) {
		free(d.libexec);
		return EXIT_USAGE;
	}
	d.self = self_path(argv[0]);
	d.tty = !plain && isatty(STDOUT_FILENO);
	d.phase = "";
	d.started_ms = demo_now_ms();
	if (demo_signals() == -1 || demo_http_init() == -1) {
		fprintf(stderr, "quitx demo: cannot set up signals or libcurl\n");
		return EXIT_RUNTIME;
	}

	/*
	 * The verdict's checks all come before the summary (what members
	 * read, no 429, the daemon exiting 0 on SIGTERM), so that the
	 * output ends with one verdict line.
	 */
	if (script(&d) == 0) {
		demo_view_end(&d);
		if (demo_check(&d, &told) == 0 && clean_end(&d) == 0 &&
		    !demo_interrupted) {
			demo_summary(&d, told);
			rc = EXIT_OK;
		}
	} else
		demo_view_end(&d);
	demo_stop_all(&d);
	demo_http_done();
	if (demo_interrupted) {
		/* asked to stop: no failure to look at */
		if (!d.keep && d.dir != NULL)
			(void)nftw(d.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		else if (d.dir != NULL)
			fprintf(stderr, "\nquitx demo: kept: %s\n", d.dir);
		fprintf(stderr, "\nquitx demo: interrupted; everything it "
		    "started is stopped\n");
		rc = 130;
	} else if (rc != EXIT_OK || d.error[0] != '\0') {
		fflush(stdout);
		if (d.dir != NULL)
			fprintf(stderr, "\nquitx demo: kept for a look: %s "
			    "(daemon log: %s)\n", d.dir, d.log);
		fprintf(stderr, "quitx demo: FAILED: %s\n", d.error[0] != '\0' ?
		    d.error : "(no reason recorded)");
		rc = EXIT_RUNTIME;
	} else {
		if (d.keep)
			printf("\nkept: %s (remove it with rm -rf)\n", d.dir);
		else
			(void)nftw(d.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		printf("\nquitx demo: PASSED: %zu members read what the "
		    "matches say\n", told);
	}
	demo_people_free(&d);
	free(d.masto.base);
	free(d.bsky.base);
	free(d.libexec);
	free(d.self);
	free(d.dir);
	free(d.conf);
	free(d.db);
	free(d.log);
	free(d.ca);
	free(d.limits);
	return rc;
}
