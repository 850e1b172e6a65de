/*
 * fixture: a temporary folder, a local peer and `quitx run` against it,
 * for the integration tests (test-mastodon, test-conversation): start and
 * stop the daemon, read its store and log, act on the peer.
 */
#ifndef QUITX_FIXTURE_H
#define QUITX_FIXTURE_H

#include <sys/types.h>

#include <jansson.h>

#include "testutil.h"

struct fixture {
	char		*dir;
	char		*conf;
	char		*db;
	char		*log;
	struct tu_peer	*peer;
	pid_t		 pid;
	int		 port;		/* the daemon's /healthz and /metrics */
};

/* Stop the daemon (it must exit 0) and the peer, remove everything. */
void		 fx_destroy(struct fixture *fx);

/* Start `quitx run -c fx->conf`, its stderr appended to fx->log. */
void		 fx_daemon_start(struct fixture *fx);
/* SIGTERM; the daemon must exit 0 within 15 s (it drains sends). */
void		 fx_daemon_stop(struct fixture *fx);
/* One value from the store (the daemon has it open: WAL allows it). */
long long	 fx_db_int(struct fixture *fx, const char *sql);
char		*fx_db_text(struct fixture *fx, const char *sql);
/* Wait up to secs for sql to give want; fail with the log otherwise. */
void		 fx_wait_db(struct fixture *fx, const char *sql, long long want,
		    int secs);
/* Print the daemon's log on stderr; returns a note saying so. */
const char	*fx_log_dump(struct fixture *fx);
/* Wait up to secs for needle in the daemon's log. */
void		 fx_wait_log(struct fixture *fx, const char *needle, int secs);
/* A control or API call on the peer that must answer 200; its JSON. */
json_t		*fx_peer_call(struct fixture *fx, const char *method,
		    const char *path, const char *body);
void		 fx_peer_post(struct fixture *fx, const char *path,
		    const char *body);
long long	 fx_peer_stat(struct fixture *fx, const char *name);
void		 fx_wait_peer_stat(struct fixture *fx, const char *name,
		    long long want, int secs);
/* A member mentions bot; returns the notification id (free it). */
char		*fx_mention(struct fixture *fx, const char *bot,
		    const char *from, const char *content);

/* The two bot accounts fx_start_mastodon configures. */
#define FX_EN	"HelloQuitX"
#define FX_FR	"HelloQuitteX"

/*
 * A local Mastodon peer with FX_EN (English) and FX_FR (French), and the
 * daemon against it, public_url https://quitx.example.org, extra config
 * lines added; returns once both streams are connected.
 */
struct fixture	*fx_start_mastodon(const char *extra);
/* The two Bluesky bots fx_start_bluesky configures, and their passwords. */
#define FX_BSKY_EN	"helloquitx.test"
#define FX_BSKY_FR	"helloquittex.test"

/*
 * A local Bluesky peer (PDS, PLC directory, chat and Jetstream) with
 * FX_BSKY_EN (English) and FX_BSKY_FR (French), and the daemon against
 * it, extra config lines added; returns once both bots have a session
 * and Jetstream is connected.
 */
struct fixture	*fx_start_bluesky(const char *extra);
/* A member posts on the Bluesky peer; returns the post's at-uri (free). */
char		*fx_bsky_post(struct fixture *fx, const char *from,
		    const char *text, const char *reply_to);
/* The DID the peer gave an account (free it). */
char		*fx_bsky_did(struct fixture *fx, const char *handle);
/* A bot's posts on the peer, oldest first, once there are n (10 s). */
json_t		*fx_bsky_posts(struct fixture *fx, const char *bot, size_t n);

/* Write to the store behind the daemon's back (an expired link...). */
void		 fx_db_exec(struct fixture *fx, const char *sql);
/* from mentions bot with text, as Mastodon renders it; the id (free). */
char		*fx_say(struct fixture *fx, const char *bot, const char *from,
		    const char *text);
/*
 * The bots' statuses, oldest first, once there are n (fails after 10 s),
 * with the WORD JOINERs quitx puts after '@' removed, as a reader sees.
 */
json_t		*fx_statuses(struct fixture *fx, size_t n);

#endif
